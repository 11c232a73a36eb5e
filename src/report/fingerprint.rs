//! Stable finding fingerprints: an identity for a finding that survives
//! unrelated edits, so code scanning (SARIF `partialFingerprints`) and a
//! baseline can tell "the same finding, moved" from "a new finding".
//!
//! A fingerprint hashes the rule code and the whitespace-normalised text of
//! the line(s) holding the finding, plus a counter that tells identical
//! (rule, line text) pairs in one file apart. The line number is not part of
//! it, so adding lines above a finding does not change it. The text is taken
//! from the redacted source: a secret never feeds a fingerprint.

use crate::model::Span;
use crate::redact::RedactedSource;
use crate::report::outcome::{FileOutcome, Finding, RunOutcome};

/// The fingerprints of `file.findings`, in the same order, with the file's
/// source and secret spans taken from the run. Empty when the run kept no
/// source for the file (it keeps one for every file with findings).
pub fn file_fingerprints(outcome: &RunOutcome, file: &FileOutcome) -> Vec<String> {
    let Some(source) = outcome.sources.get(&file.path) else {
        return Vec::new();
    };
    let secrets = outcome.secret_spans.get(&file.path).map_or(&[][..], Vec::as_slice);
    fingerprints(&file.findings, source, secrets)
}

/// The fingerprints of findings in one file, given its source and every
/// secret literal span in it (all of them, not only a finding's own: another
/// finding's secret may sit on the same line).
///
/// Rendered as GitHub renders `primaryLocationLineHash`: 16 hex digits of a
/// 64-bit hash, a colon, and the 1-based occurrence of that hash in the file.
pub fn fingerprints(findings: &[Finding], source: &str, secrets: &[Span]) -> Vec<String> {
    let redacted = RedactedSource::new(source, secrets);
    let hashes: Vec<u64> = findings
        .iter()
        .map(|finding| {
            let span = redacted.map_span(finding.primary);
            line_hash(&finding.code, &redacted.text, span)
        })
        .collect();
    number_occurrences(&hashes)
}

/// The hash of a rule code and the normalised text of the lines `span` touches.
fn line_hash(code: &str, text: &str, span: Span) -> u64 {
    let lines = whole_lines(text, span);
    let mut hasher = Fnv1a64::new();
    hasher.write(code.as_bytes());
    // A separator no code or normalised text contains, so ("AB", "C") and
    // ("A", "BC") hash differently.
    hasher.write(&[0]);
    hasher.write(normalise_whitespace(lines).as_bytes());
    hasher.finish()
}

/// Appends `:N` to each hash, N counting earlier findings with the same hash
/// in the file (findings arrive sorted by position, so the numbering follows
/// source order and is stable when lines are added above).
fn number_occurrences(hashes: &[u64]) -> Vec<String> {
    let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    hashes
        .iter()
        .map(|hash| {
            let occurrence = seen.entry(*hash).or_insert(0);
            *occurrence += 1;
            format!("{hash:016x}:{occurrence}")
        })
        .collect()
}

/// The text from the start of the line holding `span.start` to the end of
/// the line holding `span.end` (any of `\n`, `\r\n`, `\r` ends a line).
fn whole_lines(text: &str, span: Span) -> &str {
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[end..].find(['\n', '\r']).map_or(text.len(), |i| end + i);
    &text[line_start..line_end]
}

/// Collapses every run of whitespace to one space and trims the ends, so
/// re-indenting a block or changing line endings keeps fingerprints.
fn normalise_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 64-bit FNV-1a: tiny, fast, and fixed forever by its specification, which
/// is what a fingerprint stored in a dashboard or a baseline file needs
/// (std's `DefaultHasher` may change between Rust releases).
struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv1a64(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fnv(bytes: &[u8]) -> u64 {
        let mut hasher = Fnv1a64::new();
        hasher.write(bytes);
        hasher.finish()
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv).
        assert_eq!(fnv(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv(b"foobar"), 0x8594_4171_f739_67e8);
    }

    /// The fingerprints of one finding per (code, needle, secret) triple in
    /// `source`: the primary span is the needle's next occurrence, and
    /// `secret` names a substring of the source that is a secret literal.
    fn prints(source: &str, findings: &[(&str, &str, Option<&str>)]) -> Vec<String> {
        let mut from = 0;
        let mut secrets = Vec::new();
        let findings: Vec<Finding> = findings
            .iter()
            .map(|(code, needle, secret)| {
                let start = from + source[from..].find(needle).expect("needle in source");
                from = start + 1;
                if let Some(secret) = secret {
                    let at = source.find(secret).expect("secret in source");
                    secrets.push(Span::new(at, at + secret.len()));
                }
                Finding::for_test(code, "t.py", 0, Span::new(start, start + needle.len()))
            })
            .collect();
        fingerprints(&findings, source, &secrets)
    }

    #[test]
    fn lines_added_above_or_reindenting_keep_the_fingerprint() {
        let before = prints("import jwt\njwt.decode(t, k)\n", &[("JWT101", "jwt.decode", None)]);
        let after = prints(
            "import jwt\n\n# a comment\nx = 1\n\n\n    jwt.decode(t,   k)\r\n",
            &[("JWT101", "jwt.decode", None)],
        );
        assert_eq!(before, after);
    }

    #[test]
    fn the_rule_and_the_line_text_change_the_fingerprint() {
        let base = prints("jwt.decode(t, k)\n", &[("JWT101", "jwt.decode", None)]);
        let other_rule = prints("jwt.decode(t, k)\n", &[("SEC301", "jwt.decode", None)]);
        let other_line = prints("jwt.decode(t, key)\n", &[("JWT101", "jwt.decode", None)]);
        assert_ne!(base, other_rule);
        assert_ne!(base, other_line);
        assert!(base[0].ends_with(":1"), "{base:?}");
        assert_eq!(base[0].len(), 16 + 2, "{base:?}");
    }

    #[test]
    fn identical_lines_are_told_apart_by_their_occurrence() {
        let source = "jwt.decode(t, k)\nx = 1\njwt.decode(t, k)\n";
        let found = prints(
            source,
            &[("JWT101", "jwt.decode", None), ("JWT101", "jwt.decode", None)],
        );
        let (hash_a, n_a) = found[0].split_once(':').unwrap();
        let (hash_b, n_b) = found[1].split_once(':').unwrap();
        assert_eq!(hash_a, hash_b);
        assert_eq!((n_a, n_b), ("1", "2"));
    }

    #[test]
    fn a_secret_does_not_feed_the_fingerprint() {
        // Two keys that redact alike (same first four characters and length)
        // give the same fingerprint: only the redacted rendering is hashed.
        let a = "jwt.encode(p, 'abcd-fake-key-1111')\n";
        let b = "jwt.encode(p, 'abcd-fake-key-2222')\n";
        let fa = prints(a, &[("SEC301", "'abcd-fake-key-1111'", Some("'abcd-fake-key-1111'"))]);
        let fb = prints(b, &[("SEC301", "'abcd-fake-key-2222'", Some("'abcd-fake-key-2222'"))]);
        assert_eq!(fa, fb);
        // Without redaction the two would differ: the text is what is hashed.
        let raw_a = line_hash("SEC301", a, Span::new(0, 1));
        let raw_b = line_hash("SEC301", b, Span::new(0, 1));
        assert_ne!(raw_a, raw_b);
    }

    #[test]
    fn multi_line_spans_take_every_line_they_touch() {
        let text = "x = 1\njwt.decode(\n    t,\n    k)\ny = 2\n";
        let start = text.find("jwt").unwrap();
        let end = text.find("k)").unwrap() + 2;
        assert_eq!(whole_lines(text, Span::new(start, end)), "jwt.decode(\n    t,\n    k)");
        assert_eq!(
            normalise_whitespace(whole_lines(text, Span::new(start, end))),
            "jwt.decode( t, k)"
        );
    }
}
