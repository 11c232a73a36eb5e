//! Reading a source file safely, and turning byte offsets into lines and columns.
//!
//! A file that is not a regular file, too large, binary (has a NUL byte) or
//! not valid UTF-8 is skipped with a reason; it never stops the run. Invalid
//! UTF-8 is skipped rather than decoded lossily, so offsets and the text we
//! show always match the bytes on disk.

use std::path::Path;

/// Files larger than this are skipped (minified bundles, generated code).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// How many leading bytes are searched for a NUL to tell binary files apart.
const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// Why a file was not checked, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipReason(pub String);

/// Reads a file as text. A UTF-8 byte-order mark is removed; offsets are
/// then relative to the text after it.
pub fn read_source(path: &Path, max_size: u64) -> Result<String, SkipReason> {
    // Check the type before opening: opening a FIFO would block forever.
    let metadata = std::fs::metadata(path).map_err(|e| SkipReason(format!("cannot read: {e}")))?;
    if !metadata.is_file() {
        return Err(SkipReason("not a regular file".into()));
    }
    if metadata.len() > max_size {
        return Err(SkipReason(format!(
            "larger than the {} byte limit ({} bytes)",
            max_size,
            metadata.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| SkipReason(format!("cannot read: {e}")))?;
    decode_source(bytes)
}

/// Turns file bytes into text, or says why they are not source code.
pub fn decode_source(mut bytes: Vec<u8>) -> Result<String, SkipReason> {
    // Like git and ripgrep, look for a NUL near the start: a source file may
    // hold one deep inside a string literal (jwt-simple's tests do).
    if bytes[..bytes.len().min(BINARY_SNIFF_LEN)].contains(&0) {
        return Err(SkipReason("binary file (contains a NUL byte)".into()));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        SkipReason(format!(
            "not valid UTF-8 (first invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Line starts of a text, for offset → (line, column) conversion.
/// `\n`, `\r\n` and a lone `\r` all end a line.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
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
        LineIndex { starts }
    }

    /// The byte offset where 1-based `line` starts, if the text has it.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    /// 1-based line and 1-based column counted in Unicode characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_of_every_kind() {
        for text in ["a\nbc\nd", "a\r\nbc\r\nd", "a\rbc\rd"] {
            let index = LineIndex::new(text);
            let d = text.find('d').unwrap();
            assert_eq!(index.line_col(text, d), (3, 1), "{text:?}");
            let c = text.find('c').unwrap();
            assert_eq!(index.line_col(text, c), (2, 2), "{text:?}");
        }
    }

    #[test]
    fn columns_count_characters() {
        let text = "é = 'x'";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, text.find('=').unwrap()), (1, 3));
    }

    #[test]
    fn bom_is_stripped_and_binary_and_bad_utf8_are_refused() {
        assert_eq!(decode_source(b"\xEF\xBB\xBFx = 1".to_vec()).unwrap(), "x = 1");
        assert!(decode_source(b"x\0y".to_vec()).unwrap_err().0.contains("binary"));
        // A NUL far into a text file is a string literal's, not a binary file's.
        let mut late_nul = vec![b'#'; 9000];
        late_nul.extend_from_slice(b"\nx = '\0'\n");
        assert!(decode_source(late_nul).is_ok());
        assert!(decode_source(b"x = '\xff'".to_vec()).unwrap_err().0.contains("UTF-8"));
    }
}
