//! Secret redaction. authlint never prints a secret it found: messages show
//! a redacted rendering, and code frames are drawn from a copy of the source
//! in which every secret literal is replaced the same way.

use crate::model::{Span, Value, ValueKind};

/// How many leading characters of a secret may be shown: at most four, and
/// never more than half of it, so a short secret is never shown whole.
fn visible_prefix_len(char_count: usize) -> usize {
    (char_count / 2).min(4)
}

/// `"9f8e…" (32 bytes)`: the first characters of a secret and its length.
/// An empty one has nothing to hide: `"" (empty)`.
pub fn redact_text(text: &str, open: &str, close: &str) -> String {
    if text.is_empty() {
        return format!("{open}{close} (empty)");
    }
    // Escaped, so a PEM's leading newline neither breaks a message nor
    // shifts the lines of a code frame.
    let shown: String = text
        .chars()
        .take(visible_prefix_len(text.chars().count()))
        .flat_map(char::escape_debug)
        .collect();
    let bytes = text.len();
    format!(
        "{open}{shown}…{close} ({bytes} byte{})",
        if bytes == 1 { "" } else { "s" }
    )
}

/// A value as a message may show it: secrets redacted, other strings quoted
/// (and cut if long), lists and dicts by their kind; `None` for a value a
/// message cannot usefully show (a call, a template, a name), which the
/// message then leaves out rather than saying "a value".
pub fn redact_value(value: &Value, secret: bool) -> Option<String> {
    Some(match &value.kind {
        ValueKind::Str(s) if secret => redact_text(s, "\"", "\""),
        ValueKind::Bytes(b) if secret => redact_text(&String::from_utf8_lossy(b), "b\"", "\""),
        ValueKind::Str(s) => quote_short(s),
        ValueKind::Bytes(b) => format!("b{}", quote_short(&String::from_utf8_lossy(b))),
        ValueKind::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Null => "None".to_string(),
        ValueKind::List(_) => "a list".to_string(),
        ValueKind::Dict { .. } => "a dict".to_string(),
        // A fallback computed by a closure shows what the closure returns.
        ValueKind::Closure(body) => return redact_value(body, secret),
        _ => return None,
    })
}

fn quote_short(s: &str) -> String {
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(37).collect();
        format!("\"{cut}…\"")
    } else {
        format!("{s:?}")
    }
}

/// Redacts the source text of a string literal (`b"…"`, `'…'`, `r#"…"#`,
/// `"""…"""`), keeping its prefix and quotes.
pub fn redact_literal_source(literal: &str) -> String {
    let Some(open_at) = literal.find(['"', '\'']) else {
        return redact_text(literal, "", "");
    };
    let quote = &literal[open_at..open_at + 1];
    let opening_quotes = literal[open_at..]
        .chars()
        .take_while(|c| c.to_string() == quote)
        .count()
        .min(3);
    let open_end = open_at + opening_quotes;
    // A raw Rust string's closing quote is followed by its hashes.
    let close_start = literal.rfind(quote).map_or(literal.len(), |last| {
        let run = literal[..=last]
            .chars()
            .rev()
            .take_while(|c| c.to_string() == quote)
            .count();
        (last + 1 - run.min(opening_quotes)).max(open_end)
    });
    let body = &literal[open_end..close_start];
    if body.is_empty() {
        // `""` hides nothing, and reads best as itself in a code frame.
        return literal.to_string();
    }
    redact_text(body, &literal[..open_end], &literal[close_start..])
}

/// A copy of `source` with each span replaced by its redacted rendering, and
/// the means to move offsets from the original into the copy.
pub struct RedactedSource {
    pub text: String,
    /// (original span, length of its replacement), sorted.
    replacements: Vec<(Span, usize)>,
}

impl RedactedSource {
    pub fn new(source: &str, spans: &[Span]) -> Self {
        let mut spans: Vec<Span> = spans
            .iter()
            .copied()
            .filter(|s| s.end <= source.len() && source.is_char_boundary(s.start) && source.is_char_boundary(s.end))
            .collect();
        spans.sort();
        spans.dedup();
        let mut text = String::with_capacity(source.len());
        let mut replacements = Vec::new();
        let mut cursor = 0;
        for span in spans {
            if span.start < cursor {
                continue; // overlaps one already replaced
            }
            text.push_str(&source[cursor..span.start]);
            let replacement = redact_literal_source(&source[span.start..span.end]);
            text.push_str(&replacement);
            replacements.push((span, replacement.len()));
            cursor = span.end;
        }
        text.push_str(&source[cursor..]);
        RedactedSource { text, replacements }
    }

    /// The offset in the redacted text that corresponds to `offset` in the
    /// original. Offsets inside a replaced span move to its start.
    pub fn map_offset(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for (span, new_len) in &self.replacements {
            if offset >= span.end {
                shift += *new_len as isize - span.len() as isize;
            } else if offset > span.start {
                return (span.start as isize + shift) as usize;
            } else {
                break;
            }
        }
        (offset as isize + shift) as usize
    }

    /// Maps a span; a span that is exactly a replaced literal maps to its replacement.
    pub fn map_span(&self, span: Span) -> Span {
        if let Some((s, new_len)) = self.replacements.iter().find(|(s, _)| *s == span) {
            let start = self.map_offset(s.start);
            return Span::new(start, start + new_len);
        }
        let start = self.map_offset(span.start);
        let end = self.map_offset(span.end).max(start);
        Span::new(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_shows_at_most_four_chars_and_never_half() {
        assert_eq!(
            redact_text("9f8e7d6c5b4a39281706f5e4d3c2b1a0", "\"", "\""),
            "\"9f8e…\" (32 bytes)"
        );
        assert_eq!(redact_text("abc", "\"", "\""), "\"a…\" (3 bytes)");
        assert_eq!(redact_text("", "\"", "\""), "\"\" (empty)");
        assert_eq!(redact_text("x", "\"", "\""), "\"…\" (1 byte)");
        assert_eq!(redact_text("xy", "b\"", "\""), "b\"x…\" (2 bytes)");
        assert_eq!(redact_literal_source("''"), "''");
    }

    #[test]
    fn shown_characters_are_escaped() {
        assert_eq!(
            redact_text("\n-----BEGIN PRIVATE KEY", "\"", "\""),
            "\"\\n---…\" (23 bytes)"
        );
        assert!(!redact_literal_source("\"\"\"\n-----BEGIN PRIVATE KEY\"\"\"").contains('\n'));
    }

    #[test]
    fn literal_sources_keep_prefix_and_quotes() {
        assert_eq!(redact_literal_source("b\"supersecret\""), "b\"supe…\" (11 bytes)");
        assert_eq!(redact_literal_source("'supersecret'"), "'supe…' (11 bytes)");
        assert_eq!(redact_literal_source("r#\"supersecret\"#"), "r#\"supe…\"# (11 bytes)");
        assert_eq!(
            redact_literal_source("\"\"\"supersecret\"\"\""),
            "\"\"\"supe…\"\"\" (11 bytes)"
        );
    }

    #[test]
    fn spans_map_across_replacements() {
        let src = "k = \"hunter2hunter2\"\njwt.encode(p, k)\n";
        let secret = Span::new(4, 20);
        let redacted = RedactedSource::new(src, &[secret]);
        assert!(!redacted.text.contains("hunter2hunter2"));
        let call = src.find("jwt").unwrap();
        let mapped = redacted.map_offset(call);
        assert_eq!(&redacted.text[mapped..mapped + 3], "jwt");
        let lit = redacted.map_span(secret);
        assert_eq!(&redacted.text[lit.start..lit.end], "\"hunt…\" (14 bytes)");
    }

    fn value(kind: ValueKind) -> Value {
        Value::new(kind, Span::new(0, 0))
    }

    #[test]
    fn values_other_than_secrets_show_as_themselves_or_their_kind() {
        let shown = |kind| redact_value(&value(kind), false);
        assert_eq!(shown(ValueKind::Str("HS256".into())).as_deref(), Some("\"HS256\""));
        assert_eq!(shown(ValueKind::Bytes(b"abc".to_vec())).as_deref(), Some("b\"abc\""));
        assert_eq!(shown(ValueKind::Bool(true)).as_deref(), Some("true"));
        assert_eq!(shown(ValueKind::Bool(false)).as_deref(), Some("false"));
        assert_eq!(shown(ValueKind::Int(-86_400)).as_deref(), Some("-86400"));
        assert_eq!(shown(ValueKind::Null).as_deref(), Some("None"));
        assert_eq!(shown(ValueKind::List(vec![])).as_deref(), Some("a list"));
        let dict = ValueKind::Dict {
            entries: vec![],
            open: false,
        };
        assert_eq!(shown(dict).as_deref(), Some("a dict"));
        assert_eq!(shown(ValueKind::Name("key".into())), None);
        // A secret's bytes are redacted; the same bytes not secret are not.
        let secret = redact_value(&value(ValueKind::Bytes(b"hunter2hunter2".to_vec())), true);
        assert_eq!(secret.as_deref(), Some("b\"hunt…\" (14 bytes)"));
        let closure = ValueKind::Closure(Box::new(value(ValueKind::Str("hunter2hunter2".into()))));
        assert_eq!(
            redact_value(&value(closure), true).as_deref(),
            Some("\"hunt…\" (14 bytes)")
        );
    }

    #[test]
    fn long_strings_are_cut_after_forty_characters() {
        let forty = "a".repeat(40);
        assert_eq!(quote_short(&forty), format!("\"{forty}\""));
        let forty_one = "a".repeat(41);
        assert_eq!(quote_short(&forty_one), format!("\"{}…\"", "a".repeat(37)));
    }

    #[test]
    fn an_offset_inside_a_replaced_literal_moves_to_its_start() {
        let src = "x = 1\nk = \"hunter2hunter2\"\ny = 2\n";
        let start = src.find('"').unwrap();
        let secret = Span::new(start, start + "\"hunter2hunter2\"".len());
        let redacted = RedactedSource::new(src, &[secret]);
        // Before the literal nothing moves; inside it, to its start; after
        // it, by how much shorter the replacement is.
        assert_eq!(redacted.map_offset(2), 2);
        assert_eq!(redacted.map_offset(start), start);
        assert_eq!(redacted.map_offset(start + 3), start);
        assert_eq!(redacted.map_offset(secret.end - 1), start);
        let after = src.find("y =").unwrap();
        assert_eq!(&redacted.text[redacted.map_offset(after)..][..3], "y =");
        // Inside a second literal: its start, after the first one's shift.
        let two = "a = \"hunter2hunter2\"\nb = \"swordfish-swordfish\"\n";
        let first = two.find('"').unwrap();
        let second = two.rfind("\"swordfish").unwrap();
        let spans = [
            Span::new(first, first + 16),
            Span::new(second, second + "\"swordfish-swordfish\"".len()),
        ];
        let redacted_two = RedactedSource::new(two, &spans);
        let at = redacted_two.map_offset(second + 4);
        assert!(
            redacted_two.text[at..].starts_with("\"swor…\""),
            "{}",
            &redacted_two.text[at..]
        );
        // A span from inside the literal to past it keeps its end.
        let span = redacted.map_span(Span::new(start + 3, after));
        assert_eq!(span.start, start);
        assert_eq!(&redacted.text[span.end..][..3], "y =");
    }
}
