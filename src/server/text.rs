//! Positions and addresses as the protocol has them: `file://` URIs for
//! paths, and (line, UTF-16 column) pairs, both 0-based, for byte offsets;
//! and applying an editor's incremental changes to a buffer.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// What a path segment in a `file://` URI may hold unencoded (besides
/// letters and digits), as VS Code writes them.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The `file://` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    Uri::from_str(&format!("file://{}", utf8_percent_encode(&text, PATH))).ok()
}

/// The path of a `file://` URI; `None` for any other scheme.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path` names another machine; only `file:///path` is ours.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode_str(path).decode_utf8().ok()?.into_owned();
    // `file:///C:/x` is `C:/x` on Windows.
    let bytes = decoded.as_bytes();
    if bytes.len() > 2 && bytes[2] == b':' && bytes[1].is_ascii_alphabetic() {
        return Some(PathBuf::from(&decoded[1..]));
    }
    Some(PathBuf::from(decoded))
}

/// The byte offsets where lines start (after `\n`, `\r\n` or a lone `\r`).
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines { starts }
    }

    /// The position of a byte offset (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let character = text[self.starts[line]..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end.max(start)))
    }

    /// The byte offset of a position; past the end of a line is its end,
    /// past the last line the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .copied()
            .unwrap_or(text.len());
        let line = &text[start..end];
        let line = line.trim_end_matches(['\n', '\r']);
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    /// The byte offset where a (0-based) line starts, or the end of the text.
    pub fn line_start(&self, text: &str, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(text.len())
    }
}

/// Applies an editor's change (a range replaced, or the whole text) to `text`.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let lines = Lines::new(text);
            let start = lines.offset(text, range.start);
            let end = lines.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_paths_round_trip() {
        let path = Path::new("/work/my app/é#1.py");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///work/my%20app/%C3%A9%231.py");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let windows = Uri::from_str("file:///C:/src/a.py").unwrap();
        assert_eq!(uri_to_path(&windows).unwrap(), PathBuf::from("C:/src/a.py"));
        assert!(uri_to_path(&Uri::from_str("untitled:Untitled-1").unwrap()).is_none());
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "a = '😀'\r\nb\rc\n";
        let lines = Lines::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(lines.position(text, b), Position::new(1, 0));
        let quote = text.rfind('\'').unwrap();
        assert_eq!(lines.position(text, quote), Position::new(0, 7));
        assert_eq!(lines.offset(text, Position::new(0, 7)), quote);
        assert_eq!(lines.offset(text, Position::new(2, 0)), text.find('c').unwrap());
        assert_eq!(lines.offset(text, Position::new(0, 99)), text.find('\r').unwrap());
        assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn incremental_changes_apply() {
        let mut text = "jwt.decode(t, k)\n".to_string();
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 15), Position::new(0, 15))),
                range_length: None,
                text: ", algorithms=[\"HS256\"]".into(),
            },
        );
        assert_eq!(text, "jwt.decode(t, k, algorithms=[\"HS256\"])\n");
    }
}
