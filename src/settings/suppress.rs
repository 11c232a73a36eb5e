//! Inline suppressions: `# authlint: ignore[JWT101]` (`// authlint: …` in
//! Rust) on the finding's line, or alone on the line directly above it;
//! `# authlint: ignore-file[SEC303]` anywhere in a file; an optional reason
//! after `--`. A bare `ignore` without codes is not honoured: suppress what
//! you mean.

use crate::model::Language;
use crate::settings::config::selects;

#[derive(Clone, Debug)]
pub struct Suppression {
    /// The 1-based line the comment is on.
    pub comment_line: usize,
    /// The line whose findings it suppresses; `None` for `ignore-file`.
    pub applies_to: Option<usize>,
    /// Codes or prefixes.
    pub codes: Vec<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct FileSuppressions {
    pub suppressions: Vec<Suppression>,
    /// Lines with an `ignore` that names no code.
    pub bare: Vec<usize>,
}

impl FileSuppressions {
    pub fn is_empty(&self) -> bool {
        self.suppressions.is_empty() && self.bare.is_empty()
    }

    /// The index of the suppression that silences `code` on `line`, if any.
    pub fn matching(&self, code: &str, line: usize) -> Option<(usize, usize)> {
        self.suppressions.iter().enumerate().find_map(|(i, s)| {
            let applies = s.applies_to.is_none_or(|l| l == line);
            let which = s.codes.iter().position(|selector| selects(selector, code))?;
            applies.then_some((i, which))
        })
    }
}

/// Finds the suppression comments in a file. Cheap when there are none.
pub fn parse_suppressions(source: &str, language: Language) -> FileSuppressions {
    let mut found = FileSuppressions::default();
    if !source.contains("authlint:") {
        return found;
    }
    let marker = match language {
        Language::Python => "#",
        Language::Rust => "//",
    };
    let lines: Vec<&str> = source.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let Some(at) = line.find("authlint:") else { continue };
        let Some(comment) = line[..at].rfind(marker) else {
            continue;
        };
        // Only the comment marker (and spaces) may stand between it and
        // `authlint:`, and the marker must not sit inside a string literal.
        if !line[comment + marker.len()..at].trim().is_empty() || inside_string(&line[..comment], language) {
            continue;
        }
        let directive = line[at + "authlint:".len()..].trim_start();
        let (file_wide, rest) = if let Some(rest) = directive.strip_prefix("ignore-file") {
            (true, rest)
        } else if let Some(rest) = directive.strip_prefix("ignore") {
            (false, rest)
        } else {
            continue;
        };
        let line_number = index + 1;
        let rest = rest.trim_start();
        let Some(list) = rest.strip_prefix('[') else {
            found.bare.push(line_number);
            continue;
        };
        let Some(close) = list.find(']') else {
            found.bare.push(line_number);
            continue;
        };
        let codes: Vec<String> = list[..close]
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            found.bare.push(line_number);
            continue;
        }
        let reason = list[close + 1..]
            .trim_start()
            .strip_prefix("--")
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let own_line = line[..comment].trim().is_empty();
        let applies_to = if file_wide {
            None
        } else if own_line {
            Some(line_number + 1)
        } else {
            Some(line_number)
        };
        found.suppressions.push(Suppression {
            comment_line: line_number,
            applies_to,
            codes,
            reason,
        });
    }
    found
}

/// Whether the text before a comment marker leaves a string literal open:
/// an odd number of unescaped `"` or `'`. In Rust a `'` opens a character
/// literal only when one character or an escape and a closing `'` follow
/// (`'x'`, `'\n'`): otherwise it is a lifetime (`&'static str`).
fn inside_string(before: &str, language: Language) -> bool {
    let chars: Vec<char> = before.chars().collect();
    let mut open: Option<char> = None;
    let mut escaped = false;
    for (at, &c) in chars.iter().enumerate() {
        match (open, c) {
            (_, '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (None, '\'') if language == Language::Rust && !opens_char_literal(&chars[at + 1..]) => {}
            (None, '"' | '\'') if !escaped => open = Some(c),
            (Some(q), c) if c == q && !escaped => open = None,
            _ => {}
        }
        escaped = false;
    }
    open.is_some()
}

/// Whether what follows a `'` in Rust makes it a character literal.
fn opens_char_literal(after: &[char]) -> bool {
    matches!(after, ['\\', ..] | [_, '\'', ..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_understood() {
        let src = "\
x = 1  # authlint: ignore[JWT101, tok403] -- peeking at kid
# authlint: ignore[SEC301]
key = 'k'
# authlint: ignore-file[SEC303]
y = 2  # authlint: ignore
z = 3  # authlint: ignore[]
s = '# authlint: ignore[JWT101]'  # not a comment before it
";
        let found = parse_suppressions(src, Language::Python);
        assert_eq!(found.suppressions.len(), 3);
        let first = &found.suppressions[0];
        assert_eq!(first.applies_to, Some(1));
        assert_eq!(first.codes, ["JWT101", "TOK403"]);
        assert_eq!(first.reason.as_deref(), Some("peeking at kid"));
        assert_eq!(found.suppressions[1].applies_to, Some(3), "own line: the next line");
        assert_eq!(found.suppressions[2].applies_to, None, "file-wide");
        assert_eq!(found.bare, [5, 6]);
        assert_eq!(found.matching("TOK403", 1), Some((0, 1)));
        assert_eq!(found.matching("SEC303", 40), Some((2, 0)));
        assert_eq!(found.matching("SEC301", 2), None);
    }

    #[test]
    fn what_is_not_a_suppression_or_only_a_bare_one() {
        let src = "\
a = 1  # note: authlint: ignore[JWT101]
b = \"x\\\"y\"  # authlint: ignore[SEC301]
c = 'it''s'  # authlint: ignore[SEC302] --
# authlint: ignored[JWT101]
# authlint: check[JWT101]
d = 4  # authlint: ignore[JWT101
e = 5  # authlint: ignore[ , ]
    # authlint: ignore[ jwt204 ] because
# authlint: ignore-file
f = \"# authlint: ignore[JWT102]\"
";
        let found = parse_suppressions(src, Language::Python);
        // Line 1: text between the marker and `authlint:`; line 4: `ignored`
        // reads as `ignore` + `d[…]`, which is no list; line 5: no directive;
        // line 10: inside a string.
        let lines: Vec<String> = found
            .suppressions
            .iter()
            .map(|s| format!("{} {:?} {:?} {:?}", s.comment_line, s.applies_to, s.codes, s.reason))
            .collect();
        assert_eq!(
            lines,
            [
                "2 Some(2) [\"SEC301\"] None",
                "3 Some(3) [\"SEC302\"] None",
                "8 Some(9) [\"JWT204\"] None",
            ]
        );
        assert_eq!(found.bare, [4, 6, 7, 9]);
        assert!(!found.is_empty());
        assert_eq!(found.matching("JWT204", 9), Some((2, 0)));
        assert_eq!(
            found.matching("JWT204", 8),
            None,
            "the comment's own line is not the one it silences"
        );
        assert_eq!(found.matching("JWT101", 1), None);
    }

    #[test]
    fn empty_only_when_there_is_neither_kind() {
        assert!(parse_suppressions("x = 1\n", Language::Python).is_empty());
        assert!(parse_suppressions("x = 1  # authlint: nothing\n", Language::Python).is_empty());
        let bare_only = parse_suppressions("x = 1  # authlint: ignore\n", Language::Python);
        assert!(!bare_only.is_empty() && bare_only.suppressions.is_empty());
        let listed_only = parse_suppressions("x = 1  # authlint: ignore[X]\n", Language::Python);
        assert!(!listed_only.is_empty() && listed_only.bare.is_empty());
    }

    #[test]
    fn a_prefix_selects_its_codes_and_the_first_listed_match_is_named() {
        let found = parse_suppressions("k = 1  # authlint: ignore[TOK, SEC3, SEC301]\n", Language::Python);
        assert_eq!(found.matching("SEC301", 1), Some((0, 1)));
        assert_eq!(found.matching("TOK403", 1), Some((0, 0)));
        assert_eq!(found.matching("JWT101", 1), None);
    }

    #[test]
    fn rust_comments() {
        let src = "let k = from_secret(b\"x\"); // authlint: ignore[SEC301]\n";
        let found = parse_suppressions(src, Language::Rust);
        assert_eq!(found.suppressions[0].applies_to, Some(1));
        assert!(parse_suppressions(src, Language::Python).is_empty());
    }

    #[test]
    fn lifetimes_char_literals_and_escaped_backslashes_before_a_comment() {
        let suppressed = |line: &str, language| parse_suppressions(line, language).suppressions.len() == 1;
        // A lifetime opens nothing; a character literal opens and closes.
        assert!(suppressed(
            "let k: &'static str = key(); // authlint: ignore[SEC301]",
            Language::Rust
        ));
        assert!(suppressed(
            "fn f<'a>(k: &'a [u8]) {} // authlint: ignore[SEC301]",
            Language::Rust
        ));
        assert!(suppressed("let q = '\"'; // authlint: ignore[SEC301]", Language::Rust));
        assert!(suppressed("let q = '\\''; // authlint: ignore[SEC301]", Language::Rust));
        assert!(!suppressed("let s = \"'// authlint: ignore[SEC301]\";", Language::Rust));
        // In Python every quote is a string's.
        assert!(!suppressed("k = 'it # authlint: ignore[SEC301]", Language::Python));
        // An escaped backslash does not escape the quote after it.
        assert!(suppressed(
            "p = \"C:\\\\\"  # authlint: ignore[SEC301]",
            Language::Python
        ));
        assert!(suppressed(
            "let p = \"C:\\\\\"; // authlint: ignore[SEC301]",
            Language::Rust
        ));
    }
}
