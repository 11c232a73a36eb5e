//! A lexical outline of a source file, found without parsing it: where its
//! comments and (Python) docstrings are.
//!
//! The keyword prefilter ignores words there: the model never sees a comment
//! or a docstring, so a rule cannot find anything because of one, and a file
//! that mentions `jwt` only in prose is not worth parsing. The scan is a
//! single pass over the bytes with just enough of each language's lexical
//! rules (strings, raw strings, f-string fields, char literals versus
//! lifetimes, nested block comments) to tell code from comments.
//!
//! It errs towards code: text it cannot place (an unterminated string, an
//! unexpected byte) is treated as code, so a mistake can only make a file
//! more likely to be parsed, never hide a keyword that is really there.

use std::ops::Range;

use crate::model::Language;

/// Byte ranges of `text` that are comments or docstrings, sorted and disjoint.
pub fn ignored_ranges(language: Language, text: &str) -> Vec<Range<usize>> {
    match language {
        Language::Python => python_ignored(text.as_bytes()),
        Language::Rust => rust_ignored(text.as_bytes()),
    }
}

/// Whether `offset` lies in one of the sorted, disjoint `ranges`.
pub fn in_ranges(ranges: &[Range<usize>], offset: usize) -> bool {
    let after = ranges.partition_point(|r| r.start <= offset);
    after > 0 && ranges[after - 1].contains(&offset)
}

/// The names following the keyword `struct` outside comments: the structs a
/// Rust file may define. A superset (a `struct` inside a string counts): a
/// candidate is confirmed by lowering the file when a type is looked up.
pub fn rust_struct_names(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut ignored: Option<Vec<Range<usize>>> = None;
    let mut names: Vec<String> = Vec::new();
    for (at, _) in text.match_indices("struct") {
        let after = at + "struct".len();
        if (at > 0 && is_ident_byte(bytes[at - 1])) || !bytes.get(after).is_some_and(u8::is_ascii_whitespace) {
            continue;
        }
        let start = after + bytes[after..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        let len = bytes[start..].iter().take_while(|b| is_ident_byte(**b)).count();
        if len == 0 || bytes[start].is_ascii_digit() {
            continue;
        }
        let ignored = ignored.get_or_insert_with(|| rust_ignored(bytes));
        if in_ranges(ignored, at) {
            continue;
        }
        let name = &text[start..start + len];
        if !names.iter().any(|known| known == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// The names following `def` (Python) or `fn` (Rust): the functions a file
/// may define. A superset (a `def` in a string counts): it only decides
/// whether a call is worth resolving to see if it reaches the project.
pub fn function_names(language: Language, text: &str) -> Vec<String> {
    let keyword = match language {
        Language::Python => "def",
        Language::Rust => "fn",
    };
    let bytes = text.as_bytes();
    let mut names: Vec<String> = Vec::new();
    for (at, _) in text.match_indices(keyword) {
        let after = at + keyword.len();
        if (at > 0 && is_ident_byte(bytes[at - 1])) || !bytes.get(after).is_some_and(u8::is_ascii_whitespace) {
            continue;
        }
        let start = after + bytes[after..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        let len = bytes[start..].iter().take_while(|b| is_ident_byte(**b)).count();
        if len == 0 || bytes[start].is_ascii_digit() {
            continue;
        }
        // Only a function with a parameter (and no receiver: methods are
        // not followed) can leave a subject to its callers.
        let rest = &bytes[start + len..];
        let first_parameter = rest.iter().position(|b| *b == b'(').map(|at| {
            let after = &rest[at + 1..];
            let skip = after
                .iter()
                .take_while(|b| b.is_ascii_whitespace() || **b == b'&')
                .count();
            let word = after[skip..].iter().take_while(|b| is_ident_byte(**b)).count();
            &after[skip..skip + word]
        });
        let takes_arguments = first_parameter.is_some_and(|word| !word.is_empty() && !matches!(word, b"self" | b"cls"));
        let name = &text[start..start + len];
        if takes_arguments && !names.iter().any(|known| known == name) {
            names.push(name.to_string());
        }
    }
    names
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn line_end(text: &[u8], from: usize) -> usize {
    text[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |p| from + p)
}

// ---------------------------------------------------------------- Python

/// Where a Python file may be cut into pieces that parse on their own:
/// offsets of lines that open a top-level statement, at least `min_piece`
/// bytes apart, starting with 0. A cut is only made at a line that starts in
/// column 0 outside brackets, strings and backslash continuations, and
/// neither continues a compound statement (`else`, `elif`, `except`,
/// `finally`) nor follows a decorator. Text it cannot place (an unclosed
/// bracket) only means fewer cuts: one piece is the whole file.
pub fn python_piece_starts(text: &str, min_piece: usize) -> Vec<usize> {
    let text = text.as_bytes();
    let mut starts = vec![0];
    let mut depth = 0usize;
    let mut after_decorator = false;
    let mut i = 0;
    // `i` is always at the start of a line here, outside strings and brackets
    // when `depth` is 0.
    while i < text.len() {
        if depth == 0 && i - starts[starts.len() - 1] >= min_piece && opens_piece(text, i, after_decorator) {
            starts.push(i);
        }
        if depth == 0 && is_ident_byte(text[i]) {
            after_decorator = false;
        } else if depth == 0 && text[i] == b'@' {
            after_decorator = true;
        }
        i = python_logical_line_end(text, i, &mut depth);
    }
    starts
}

/// Whether a top-level statement may start a piece at `line`.
fn opens_piece(text: &[u8], line: usize, after_decorator: bool) -> bool {
    let first = text[line];
    if after_decorator || !(is_ident_byte(first) || first == b'@') {
        return false;
    }
    let word_len = text[line..].iter().take_while(|b| is_ident_byte(**b)).count();
    !matches!(&text[line..line + word_len], b"else" | b"elif" | b"except" | b"finally")
}

/// Scans from a line start to the start of the next line, through strings
/// and comments, counting open brackets in `depth`.
fn python_logical_line_end(text: &[u8], mut i: usize, depth: &mut usize) -> usize {
    while i < text.len() {
        let b = text[i];
        match b {
            b'\n' => return i + 1,
            b'#' => i = line_end(text, i),
            // A backslash continues the line (before `\r\n` too).
            b'\\' if text.get(i + 1) == Some(&b'\r') && text.get(i + 2) == Some(&b'\n') => i += 3,
            b'\\' => i += 2,
            b'(' | b'[' | b'{' => {
                *depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                *depth = depth.saturating_sub(1);
                i += 1;
            }
            b'\'' | b'"' => i = skip_python_string(text, i, b""),
            _ if is_ident_byte(b) => {
                let start = i;
                while i < text.len() && is_ident_byte(text[i]) {
                    i += 1;
                }
                if let Some(prefix_len) = string_prefix(&text[start..i])
                    && matches!(text.get(i), Some(b'\'' | b'"'))
                {
                    i = skip_python_string(text, i, &text[start..start + prefix_len]);
                }
            }
            _ => i += 1,
        }
    }
    text.len()
}

/// Comments, and string literals that are statements of their own
/// (docstrings and other bare strings). An f-string statement is kept: the
/// model records every f-string as a template.
fn python_ignored(text: &[u8]) -> Vec<Range<usize>> {
    let mut ignored = Vec::new();
    let mut depth = 0usize; // open brackets: newlines inside do not end a statement
    let mut statement_start = true;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'#' => {
                let end = line_end(text, i);
                ignored.push(i..end);
                i = end;
            }
            b'\n' => {
                if depth == 0 {
                    statement_start = true;
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'\\' if matches!(text.get(i + 1), Some(b'\n' | b'\r')) => i += 2,
            b';' if depth == 0 => {
                statement_start = true;
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                statement_start = false;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                statement_start = false;
                i += 1;
            }
            b'\'' | b'"' => i = python_string_statement(text, i, 0, statement_start && depth == 0, &mut ignored),
            _ if is_ident_byte(b) => {
                let start = i;
                while i < text.len() && is_ident_byte(text[i]) {
                    i += 1;
                }
                match string_prefix(&text[start..i]) {
                    Some(prefix_len) if matches!(text.get(i), Some(b'\'' | b'"')) => {
                        i = python_string_statement(
                            text,
                            start,
                            prefix_len,
                            statement_start && depth == 0,
                            &mut ignored,
                        );
                    }
                    _ => statement_start = false,
                }
            }
            _ => {
                statement_start = false;
                i += 1;
            }
        }
    }
    ignored
}

/// The length of a string prefix (`r`, `b`, `f`, `rb`, `Rf`, …) when `word`
/// is one.
fn string_prefix(word: &[u8]) -> Option<usize> {
    let valid = word.len() <= 2
        && word
            .iter()
            .all(|b| matches!(b.to_ascii_lowercase(), b'r' | b'b' | b'u' | b'f' | b't'))
        && !(word.len() == 2 && word[0].eq_ignore_ascii_case(&word[1]));
    valid.then_some(word.len())
}

/// Scans the string (or implicitly concatenated strings) starting at
/// `start` (its prefix, if any, is `prefix_len` bytes). When it opens a
/// statement and the statement is nothing but plain strings, their ranges
/// are ignored. Returns where scanning continues.
fn python_string_statement(
    text: &[u8],
    start: usize,
    prefix_len: usize,
    opens_statement: bool,
    ignored: &mut Vec<Range<usize>>,
) -> usize {
    let mut plain = true;
    let mut end = start;
    let mut next_string = Some((start, prefix_len));
    let mut after = start;
    while let Some((string_start, prefix_len)) = next_string.take() {
        let prefix = &text[string_start..string_start + prefix_len];
        plain &= !prefix.iter().any(|b| matches!(b.to_ascii_lowercase(), b'f' | b't'));
        end = skip_python_string(text, string_start + prefix_len, prefix);
        after = end;
        // Implicit concatenation: `"a" "b"` on one line is one statement.
        let mut j = end;
        while j < text.len() && matches!(text[j], b' ' | b'\t') {
            j += 1;
        }
        let k = j;
        while j < text.len() && is_ident_byte(text[j]) {
            j += 1;
        }
        let word_len = j - k;
        if matches!(text.get(j), Some(b'\'' | b'"')) && (word_len == 0 || string_prefix(&text[k..j]).is_some()) {
            next_string = Some((k, word_len));
        }
    }
    if opens_statement && plain {
        let mut j = after;
        while j < text.len() && matches!(text[j], b' ' | b'\t' | b'\r') {
            j += 1;
        }
        if matches!(text.get(j), None | Some(b'\n' | b'#' | b';')) {
            ignored.push(start..end);
        }
    }
    after
}

/// Skips one string literal whose opening quote is at `quote`; returns the
/// offset after its closing quote (or the end of the line or text when it is
/// unterminated). f-string replacement fields may hold strings of their own.
fn skip_python_string(text: &[u8], quote: usize, prefix: &[u8]) -> usize {
    let q = text[quote];
    let triple = text.len() >= quote + 3 && text[quote + 1] == q && text[quote + 2] == q;
    let formatted = prefix.iter().any(|b| matches!(b.to_ascii_lowercase(), b'f' | b't'));
    let mut i = quote + if triple { 3 } else { 1 };
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return i,
            b if b == q => {
                if !triple {
                    return i + 1;
                }
                if text.len() >= i + 3 && text[i + 1] == q && text[i + 2] == q {
                    return i + 3;
                }
                i += 1;
            }
            b'{' if formatted => {
                if text.get(i + 1) == Some(&b'{') {
                    i += 2;
                } else {
                    i = skip_replacement_field(text, i + 1, triple);
                }
            }
            _ => i += 1,
        }
    }
    text.len()
}

/// Skips an f-string replacement field up to its closing `}`.
fn skip_replacement_field(text: &[u8], mut i: usize, multiline: bool) -> usize {
    let mut depth = 1usize;
    while i < text.len() {
        match text[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'\n' if !multiline => return i,
            b'\'' | b'"' => {
                i = skip_python_string(text, i, b"");
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

// ---------------------------------------------------------------- Rust

/// Line and block comments (doc comments included: syn turns them into
/// attributes the model ignores).
fn rust_ignored(text: &[u8]) -> Vec<Range<usize>> {
    let mut ignored = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'/' if text.get(i + 1) == Some(&b'/') => {
                let end = line_end(text, i);
                ignored.push(i..end);
                i = end;
            }
            b'/' if text.get(i + 1) == Some(&b'*') => {
                let end = skip_block_comment(text, i);
                ignored.push(i..end);
                i = end;
            }
            b'"' => i = skip_rust_string(text, i + 1),
            b'\'' => i = skip_char_or_lifetime(text, i),
            b if is_ident_byte(b) => {
                let start = i;
                while i < text.len() && is_ident_byte(text[i]) {
                    i += 1;
                }
                let word = &text[start..i];
                match (word, text.get(i)) {
                    // Raw strings: r"…", r#"…"#, br"…", cr#"…"#.
                    (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                        if let Some(end) = skip_raw_string(text, i) {
                            i = end;
                        } else if text.get(i) == Some(&b'#') {
                            i += 1; // `r#ident`: a raw identifier
                        }
                    }
                    (b"b" | b"c", Some(b'"')) => i = skip_rust_string(text, i + 1),
                    (b"b", Some(b'\'')) => i = skip_char_or_lifetime(text, i),
                    _ => {}
                }
            }
            _ => i += 1,
        }
    }
    ignored
}

fn skip_block_comment(text: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < text.len() {
        if text[i] == b'/' && text[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if text[i] == b'*' && text[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    text.len()
}

/// Skips a string body after its opening quote.
fn skip_rust_string(text: &[u8], mut i: usize) -> usize {
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// At the `#`s or `"` after a raw string's `r`: skips the string, or `None`
/// when this is not one (`r#ident`).
fn skip_raw_string(text: &[u8], mut i: usize) -> Option<usize> {
    let hashes = text[i..].iter().take_while(|&&b| b == b'#').count();
    i += hashes;
    if text.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    while i < text.len() {
        if text[i] == b'"' && text[i + 1..].iter().take(hashes).filter(|&&b| b == b'#').count() == hashes {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(text.len())
}

/// At a `'`: a char literal (`'a'`, `'\n'`, `'é'`) is skipped whole; a
/// lifetime or label (`'a`, `'static`) only by its quote.
fn skip_char_or_lifetime(text: &[u8], quote: usize) -> usize {
    let i = quote + 1;
    match text.get(i) {
        Some(b'\\') => {
            // An escape: the literal ends at the next quote on this line.
            let mut j = i + 2;
            while j < text.len() && text[j] != b'\'' && text[j] != b'\n' {
                j += 1;
            }
            if text.get(j) == Some(&b'\'') { j + 1 } else { i }
        }
        Some(&first) => {
            let width = match first {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if text.get(i + width) == Some(&b'\'') {
                i + width + 1
            } else {
                i
            }
        }
        None => i,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_names_outside_comments() {
        let text = "/// struct InDoc {}\npub struct Claims { a: u8 }\n// struct Gone\nstruct  Key<T>(T);\nlet s = restruct Foo;\nstruct Claims;\n";
        assert_eq!(rust_struct_names(text), ["Claims", "Key"]);
    }

    /// The ignored text, for readable assertions.
    fn ignored(language: Language, text: &str) -> Vec<String> {
        ignored_ranges(language, text)
            .into_iter()
            .map(|r| text[r].to_string())
            .collect()
    }

    #[test]
    fn python_comments_and_docstrings_are_ignored_but_not_code_strings() {
        let src = r#"
"""Module docstring about jwt."""
import jwt  # a comment about tokens
KEY = "a # not a comment"
def f(token):
    '''Decode the token.'''
    log("jwt")
    "bare" 'strings'
    f"{token} stays"
    return "x" % token
x = ("not a docstring"
     "either")
"#;
        assert_eq!(
            ignored(Language::Python, src),
            [
                r#""""Module docstring about jwt.""""#,
                "# a comment about tokens",
                "'''Decode the token.'''",
                r#""bare" 'strings'"#,
            ]
        );
    }

    #[test]
    fn python_strings_with_prefixes_escapes_and_nested_fields() {
        let src = "r'\\'' # c1\nb\"\\\"#\" # c2\nf\"{d['#']}\" # c3\nrb'''\n# in string\n''' # c4\n";
        assert_eq!(
            ignored(Language::Python, src),
            [
                "r'\\''",
                "# c1",
                "b\"\\\"#\"",
                "# c2",
                "# c3",
                "rb'''\n# in string\n'''",
                "# c4"
            ]
        );
    }

    #[test]
    fn python_continuation_lines_are_not_statement_starts() {
        let src = "call(\n    \"arg\"\n)\nx = 1 + \\\n    \"tail\"\n";
        assert!(ignored(Language::Python, src).is_empty());
    }

    #[test]
    fn rust_comments_are_ignored_but_strings_chars_and_lifetimes_are_code() {
        let src = r###"
//! crate docs: jwt
/// item docs
fn f<'a>(x: &'a str) -> char { /* block /* nested */ still */ let s = "// not a comment"; '/' }
let r = r#"/* raw "quoted" */"#; let c = '"'; let e = '\''; // tail
"###;
        assert_eq!(
            ignored(Language::Rust, src),
            [
                "//! crate docs: jwt",
                "/// item docs",
                "/* block /* nested */ still */",
                "// tail"
            ]
        );
    }

    #[test]
    fn offsets_are_found_in_ranges() {
        let ranges = vec![2..4, 10..12];
        assert!(!in_ranges(&ranges, 1));
        assert!(in_ranges(&ranges, 2) && in_ranges(&ranges, 3));
        assert!(!in_ranges(&ranges, 4) && !in_ranges(&ranges, 9));
        assert!(in_ranges(&ranges, 11) && !in_ranges(&ranges, 12));
    }
}
