//! Reading a source file safely, and turning byte offsets into lines and columns.
//!
//! A file that is not a regular file, too large, binary (a NUL byte in its
//! first 8 KiB, as git and ripgrep decide) or
//! not valid UTF-8 is skipped with a reason; it never stops the run. Invalid
//! UTF-8 is skipped rather than decoded lossily, so the text we show always
//! matches the file. A Python file that declares another coding in its first
//! two lines (PEP 263: `# -*- coding: latin-1 -*-`) is decoded from it, as
//! Python does (`encoding_rs`); lines and columns, which count characters,
//! still match the file, and bytes that are not valid in that coding skip
//! the file as invalid UTF-8 would.
//!
//! Reading never blocks and never costs more than the size limit: the type
//! is checked before the file is opened (opening a FIFO blocks until a
//! writer appears; opening some device nodes has side effects), checked
//! again on the opened handle (the path may have been swapped in between),
//! and at most `max_size + 1` bytes are read (the file may have grown).
//!
//! Positions are computed in time independent of line length: a 5 MB
//! single-line file (a minified bundle named `.py`) costs a binary search and
//! at most [`CHECKPOINT_BYTES`] of counting per position, not a scan of the line.

use std::io::Read;
use std::path::Path;

use crate::model::Language;

/// Files larger than this are skipped (minified bundles, generated code).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// How many leading bytes are searched for a NUL to tell binary files apart.
const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// Distance between character-count checkpoints in [`CharIndex`].
pub const CHECKPOINT_BYTES: usize = 1024;

/// Why a file was not checked, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipReason(pub String);

/// Reads a file as text. A UTF-8 byte-order mark is removed; offsets are
/// then relative to the text after it. A Python file is decoded from the
/// coding it declares (PEP 263).
pub fn read_source(path: &Path, max_size: u64, language: Language) -> Result<String, SkipReason> {
    // Check the type before opening: opening a FIFO would block forever.
    let metadata = std::fs::metadata(path).map_err(|e| cannot_read(&e))?;
    check_metadata(&metadata, max_size)?;
    let file = open_without_blocking(path).map_err(|e| cannot_read(&e))?;
    // The path may have been replaced between the two looks: trust the handle.
    let metadata = file.metadata().map_err(|e| cannot_read(&e))?;
    check_metadata(&metadata, max_size)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| cannot_read(&e))?;
    if bytes.len() as u64 > max_size {
        return Err(too_large(max_size, bytes.len() as u64));
    }
    decode_source_as(bytes, language)
}

fn check_metadata(metadata: &std::fs::Metadata, max_size: u64) -> Result<(), SkipReason> {
    if !metadata.is_file() {
        return Err(SkipReason(format!("not a regular file ({})", file_kind(metadata))));
    }
    if metadata.len() > max_size {
        return Err(too_large(max_size, metadata.len()));
    }
    Ok(())
}

fn too_large(max_size: u64, len: u64) -> SkipReason {
    SkipReason(format!(
        "larger than the {max_size} byte limit ({len} bytes); raise --max-file-size to check it"
    ))
}

fn cannot_read(error: &std::io::Error) -> SkipReason {
    SkipReason(format!("cannot read: {error}"))
}

/// What a non-regular file is, for the skip note.
fn file_kind(metadata: &std::fs::Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// Opens for reading without waiting: if a FIFO slipped past the type check,
/// opening returns at once and the handle's type check refuses it.
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
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
            "not valid UTF-8 (first invalid byte at offset {}); skipped, not decoded lossily",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Turns the bytes of a file in `language` into text: UTF-8, or for Python
/// the coding the file declares in its first two lines (PEP 263).
pub fn decode_source_as(bytes: Vec<u8>, language: Language) -> Result<String, SkipReason> {
    if language == Language::Python
        && !bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        && !bytes[..bytes.len().min(BINARY_SNIFF_LEN)].contains(&0)
        && let Some(name) = declared_coding(&bytes)
    {
        let Some(encoding) = encoding_for(&name) else {
            return Err(SkipReason(format!(
                "declares the coding `{name}`, which authlint cannot decode; skipped"
            )));
        };
        if encoding != encoding_rs::UTF_8 {
            return match encoding.decode_without_bom_handling_and_without_replacement(&bytes) {
                Some(text) => Ok(text.into_owned()),
                None => Err(SkipReason(format!(
                    "not valid {} (the coding it declares); skipped, not decoded lossily",
                    encoding.name()
                ))),
            };
        }
    }
    decode_source(bytes)
}

/// The coding a Python file declares (PEP 263): `coding[:=]NAME` in a
/// comment on the first line, or on the second when the first is a comment
/// or blank (as Python's tokenizer reads it).
fn declared_coding(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|b| *b == b'\n').take(2);
    let first = lines.next()?;
    if let Some(name) = coding_in(first) {
        return Some(name);
    }
    let first_is_comment_or_blank = {
        let trimmed = first.trim_ascii();
        trimmed.is_empty() || trimmed.starts_with(b"#")
    };
    if first_is_comment_or_blank {
        return lines.next().and_then(coding_in);
    }
    None
}

/// `NAME` in a line `[ \t\f]*#.*?coding[:=][ \t]*NAME`.
fn coding_in(line: &[u8]) -> Option<String> {
    let start = line.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))?;
    if line[start] != b'#' {
        return None;
    }
    let comment = &line[start..];
    let at = comment.windows(6).position(|w| w == b"coding")?;
    let rest = comment[at + 6..]
        .strip_prefix(b":")
        .or_else(|| comment[at + 6..].strip_prefix(b"="))?;
    let rest = &rest[rest
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(rest.len())..];
    let len = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .unwrap_or(rest.len());
    (len > 0).then(|| String::from_utf8_lossy(&rest[..len]).into_owned())
}

/// The decoder for a Python coding name. Python spells names its own way
/// (`latin-1`, `iso_8859_15`, `cp1251`); the WHATWG labels `encoding_rs`
/// knows are tried as written and in those spellings.
fn encoding_for(name: &str) -> Option<&'static encoding_rs::Encoding> {
    let lower = name.to_ascii_lowercase().replace('_', "-");
    let squeezed = lower.replace('-', "");
    let windows = lower.strip_prefix("cp").map(|n| format!("windows-{n}"));
    let utf8 = matches!(squeezed.as_str(), "utf8" | "utf8sig");
    if utf8 {
        return Some(encoding_rs::UTF_8);
    }
    [Some(lower.clone()), Some(squeezed), windows]
        .into_iter()
        .flatten()
        .find_map(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
}

/// Converts between byte offsets and character counts in time independent
/// of line length: the number of characters before every
/// [`CHECKPOINT_BYTES`]-th byte is kept, so a conversion is a binary search
/// plus a count over at most that many bytes.
pub struct CharIndex {
    /// (byte offset, characters before it), both increasing; the first is (0, 0).
    checkpoints: Vec<(usize, usize)>,
    /// The text is ASCII: bytes and characters coincide.
    ascii: bool,
}

impl CharIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let ascii = bytes.is_ascii();
        let mut checkpoints = vec![(0, 0)];
        if !ascii {
            let mut chars = 0;
            let mut from = 0;
            while from + CHECKPOINT_BYTES < bytes.len() {
                let to = from + CHECKPOINT_BYTES;
                chars += count_chars(&bytes[from..to]);
                checkpoints.push((to, chars));
                from = to;
            }
        }
        CharIndex { checkpoints, ascii }
    }

    /// How many characters start before byte `offset` (an offset inside a
    /// character counts that character as before it).
    pub fn chars_before(&self, text: &str, offset: usize) -> usize {
        let offset = offset.min(text.len());
        if self.ascii {
            return offset;
        }
        let at = self.checkpoints.partition_point(|&(byte, _)| byte <= offset) - 1;
        let (byte, chars) = self.checkpoints[at];
        chars + count_chars(&text.as_bytes()[byte..offset])
    }

    /// The byte offset of the character with index `char_index` (the text's
    /// length if there are not that many).
    pub fn byte_of_char(&self, text: &str, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(text.len());
        }
        let at = self.checkpoints.partition_point(|&(_, chars)| chars <= char_index) - 1;
        let (byte, chars) = self.checkpoints[at];
        let mut remaining = char_index - chars;
        for (offset, &b) in text.as_bytes()[byte..].iter().enumerate() {
            if is_char_start(b) {
                if remaining == 0 {
                    return byte + offset;
                }
                remaining -= 1;
            }
        }
        text.len()
    }
}

fn is_char_start(byte: u8) -> bool {
    // UTF-8 continuation bytes are 0b10xx_xxxx; every other byte starts a character.
    byte & 0xC0 != 0x80
}

fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| is_char_start(b)).count()
}

/// Line starts of a text, for offset → (line, column) conversion.
/// `\n`, `\r\n` and a lone `\r` all end a line.
pub struct LineIndex {
    starts: Vec<usize>,
    chars: CharIndex,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        LineIndex {
            starts,
            chars: CharIndex::new(text),
            len: text.len(),
        }
    }

    /// The byte offset where 1-based `line` starts, if the text has it.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The length in bytes of 1-based `line`, its line end included; 0 past the end.
    pub fn line_len(&self, line: usize) -> usize {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.starts.get(i)) else {
            return 0;
        };
        self.starts.get(line).copied().unwrap_or(self.len) - start
    }

    /// 1-based line and 1-based column counted in Unicode characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self.chars.chars_before(text, offset) - self.chars.chars_before(text, start);
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
    fn line_lengths_include_their_line_end() {
        let text = "ab\r\ncde\rf";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        let lengths: Vec<usize> = (0..=4).map(|line| index.line_len(line)).collect();
        assert_eq!(lengths, [0, 4, 4, 1, 0]);
    }

    #[test]
    fn columns_count_characters() {
        let text = "é = 'x'";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, text.find('=').unwrap()), (1, 3));
    }

    #[test]
    fn columns_on_long_non_ascii_lines_match_a_plain_count() {
        // Several checkpoints, multi-byte characters straddling them, and a
        // second line starting between two checkpoints.
        let mut text = "é→𝄞x".repeat(700);
        text.push('\n');
        text.push_str(&"ab€".repeat(900));
        let index = LineIndex::new(&text);
        let chars = CharIndex::new(&text);
        for (offset, _) in text.char_indices().step_by(37) {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected_line = 1 + text[..offset].matches('\n').count();
            let expected_column = 1 + text[line_start..offset].chars().count();
            assert_eq!(
                index.line_col(&text, offset),
                (expected_line, expected_column),
                "{offset}"
            );
            let before = text[..offset].chars().count();
            assert_eq!(chars.chars_before(&text, offset), before);
            assert_eq!(chars.byte_of_char(&text, before), offset);
        }
        assert_eq!(chars.byte_of_char(&text, usize::MAX / 2), text.len());
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

    #[test]
    fn a_declared_python_coding_is_decoded() {
        let latin1 = b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nkey = 'x'\n".to_vec();
        let text = decode_source_as(latin1.clone(), Language::Python).unwrap();
        assert!(text.contains("caf\u{e9}"), "{text}");
        // Lines and columns (characters) are those of the file.
        let index = LineIndex::new(&text);
        assert_eq!(index.line_col(&text, text.find("key").unwrap()), (3, 1));
        assert_eq!(index.line_col(&text, text.rfind('\'').unwrap()), (3, 9));
        // Rust has no such declaration; neither does a file whose first line is code.
        assert!(decode_source_as(latin1, Language::Rust).is_err());
        let late = b"import os\nx = 1\n# coding: latin-1\ny = '\xe9'\n".to_vec();
        assert!(
            decode_source_as(late, Language::Python)
                .unwrap_err()
                .0
                .contains("UTF-8")
        );
        // On the second line, after a shebang; other spellings of the name.
        for declaration in [
            "#!/usr/bin/env python\n# vim: set fileencoding=iso_8859_15 :\n",
            "# coding=cp1252\n",
        ] {
            let mut bytes = declaration.as_bytes().to_vec();
            bytes.extend_from_slice(b"s = '\xa4'\n");
            assert!(decode_source_as(bytes, Language::Python).is_ok(), "{declaration}");
        }
        // UTF-8 declared is UTF-8 checked; an unknown coding is a reason, not a guess.
        let utf8 = b"# coding: utf-8\ns = '\xff'\n".to_vec();
        assert!(
            decode_source_as(utf8, Language::Python)
                .unwrap_err()
                .0
                .contains("UTF-8")
        );
        let unknown = b"# coding: klingon\ns = 1\n".to_vec();
        assert!(
            decode_source_as(unknown, Language::Python)
                .unwrap_err()
                .0
                .contains("klingon")
        );
        // Bytes the declared coding does not have are not decoded lossily.
        let bad = b"# coding: shift_jis\ns = '\x82'\n".to_vec();
        assert!(
            decode_source_as(bad, Language::Python)
                .unwrap_err()
                .0
                .contains("Shift_JIS")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.py");
        let path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path and a plain mode.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        let reason = read_source(&fifo, DEFAULT_MAX_FILE_SIZE, Language::Python).unwrap_err();
        assert!(reason.0.contains("FIFO"), "{reason:?}");
        // The handle-side check, for a FIFO that appears after the path check.
        let opened = open_without_blocking(&fifo).unwrap();
        assert!(check_metadata(&opened.metadata().unwrap(), DEFAULT_MAX_FILE_SIZE).is_err());
    }

    #[test]
    fn files_over_the_size_limit_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "x = 1\n").unwrap();
        assert!(read_source(&path, 6, Language::Python).is_ok());
        let reason = read_source(&path, 5, Language::Python).unwrap_err();
        assert!(reason.0.contains("byte limit"), "{reason:?}");
    }
}
