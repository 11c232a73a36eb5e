//! The keyword prefilter: a file that contains none of the active rules'
//! keywords is never parsed. Most files in a repository never mention a JWT,
//! so this is where most of the speed comes from (gitleaks does the same).
//!
//! A rule is active on a file when the file contains one of its `keywords`
//! and, if it lists `keywords-also`, one of those too: a logging rule needs a
//! token word *and* a logging call, so neither alone drags a file in. Words
//! count only in code: in a comment or a docstring (see `outline`) they
//! cannot lead to a finding. A keyword may carry `\b` at either end to
//! match only at a word boundary there: `token\b` is in `access_token` and
//! `accessToken` but not in `TokenStream` or `tokenize`.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::frontend::outline::{ignored_ranges, in_ranges};
use crate::model::Language;

/// What makes one rule active on files of one language, in words. The
/// rules stage builds these from the rule files and the configuration
/// (`rules::keywords`); the prefilter knows nothing of rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeywordSet {
    pub language: Language,
    /// The rule's index in the run's rule list.
    pub rule: usize,
    /// Each keyword, with the words one of which must come with it
    /// (`keyword-requires`; empty: none).
    pub keywords: Vec<(String, Vec<String>)>,
    /// `keywords-also`: when not empty, one of these must be present too.
    pub also: Vec<String>,
}

struct Pattern {
    /// `\b` before / after the word.
    boundary_before: bool,
    boundary_after: bool,
}

/// What makes one rule active, as indices into the language's patterns.
struct RuleFilter {
    rule: usize,
    keywords: Vec<(usize, Vec<usize>)>,
    also: Vec<usize>,
}

struct LanguageFilter {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    rules: Vec<RuleFilter>,
}

/// Compiled once per run and shared by all worker threads.
pub struct Prefilter {
    filters: Vec<(Language, LanguageFilter)>,
}

impl Prefilter {
    pub fn new(sets: &[KeywordSet]) -> Self {
        let filters = Language::ALL
            .into_iter()
            .map(|language| {
                let sets = sets.iter().filter(|set| set.language == language);
                (language, LanguageFilter::new(sets))
            })
            .collect();
        Prefilter { filters }
    }

    /// The indices of the rules for `language` active on `text`, sorted.
    /// Empty means the file need not be parsed.
    pub fn active_rules(&self, language: Language, text: &str) -> Vec<usize> {
        self.rules(language, text).active
    }

    /// The rules active on `text`, and those whose own keywords it holds
    /// without their `keywords-also` (`relevant`, a superset): a helper such
    /// as `def env_or(name, default): return os.getenv(name, default)` holds
    /// a subject of SEC302 whose secret name only its callers write.
    pub fn rules(&self, language: Language, text: &str) -> RulesOnFile {
        let Some((_, filter)) = self.filters.iter().find(|(l, _)| *l == language) else {
            return RulesOnFile::default();
        };
        let hits = filter.hits(text);
        if hits.is_empty() {
            return RulesOnFile::default();
        }
        // Whether a hit is in a comment or docstring needs a scan of the
        // file: only done when the hits could make a rule active at all.
        // (`relevant` is a superset: without an active rule it is taken
        // from every hit, comments included.)
        let mut found = vec![false; filter.patterns.len()];
        for &(pattern, _) in &hits {
            found[pattern] = true;
        }
        if filter.matching(&found, true).is_empty() {
            return RulesOnFile {
                active: Vec::new(),
                relevant: filter.matching(&found, false),
                completing: filter.completing(&found),
            };
        }
        let ignored = ignored_ranges(language, text);
        found.fill(false);
        for &(pattern, start) in &hits {
            if !found[pattern] && !in_ranges(&ignored, start) {
                found[pattern] = true;
            }
        }
        RulesOnFile {
            active: filter.matching(&found, true),
            relevant: filter.matching(&found, false),
            completing: filter.completing(&found),
        }
    }
}

/// What the prefilter makes of a file (rule indices, sorted).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RulesOnFile {
    /// The rules worth running: the file is parsed for these.
    pub active: Vec<usize>,
    /// The rules whose own keywords it holds, `keywords-also` aside.
    pub relevant: Vec<usize>,
    /// The rules with a `keywords-also` list one word of which it holds: a
    /// call from it may complete such a rule's subject in another file (a
    /// secret name passed to a helper that reads the environment).
    pub completing: Vec<usize>,
}

impl LanguageFilter {
    fn new<'a>(sets: impl Iterator<Item = &'a KeywordSet>) -> Self {
        let mut keys: Vec<String> = Vec::new();
        let mut intern = |keyword: &str| {
            let key = keyword.to_ascii_lowercase();
            match keys.iter().position(|k| *k == key) {
                Some(existing) => existing,
                None => {
                    keys.push(key);
                    keys.len() - 1
                }
            }
        };
        let rules = sets
            .map(|set| RuleFilter {
                rule: set.rule,
                keywords: set
                    .keywords
                    .iter()
                    .map(|(keyword, requires)| (intern(keyword), requires.iter().map(|w| intern(w)).collect()))
                    .collect(),
                also: set.also.iter().map(|w| intern(w)).collect(),
            })
            .collect();
        let patterns = keys
            .iter()
            .map(|k| Pattern {
                boundary_before: k.starts_with("\\b"),
                boundary_after: k.ends_with("\\b"),
            })
            .collect();
        let words = keys.iter().map(|k| {
            let k = k.strip_prefix("\\b").unwrap_or(k);
            k.strip_suffix("\\b").unwrap_or(k)
        });
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A DFA: the fastest to search, and small for a few hundred words.
            .kind(Some(AhoCorasickKind::DFA))
            .build(words)
            .expect("keywords are plain strings and always compile");
        LanguageFilter {
            automaton,
            patterns,
            rules,
        }
    }

    /// Every occurrence of a pattern that honours its `\b`: (pattern, start).
    fn hits(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut hits = Vec::new();
        for hit in self.automaton.find_overlapping_iter(text) {
            let index = hit.pattern().as_usize();
            let pattern = &self.patterns[index];
            let word_before = hit.start() > 0 && is_word_byte(bytes[hit.start() - 1]);
            let word_after = bytes.get(hit.end()).is_some_and(|b| is_word_byte(*b));
            if (pattern.boundary_before && word_before) || (pattern.boundary_after && word_after) {
                continue;
            }
            hits.push((index, hit.start()));
        }
        hits
    }

    /// The rules with a `keywords-also` list one word of which was found.
    fn completing(&self, found: &[bool]) -> Vec<usize> {
        let mut rules: Vec<usize> = self
            .rules
            .iter()
            .filter(|r| r.also.iter().any(|word| found[*word]))
            .map(|r| r.rule)
            .collect();
        rules.sort_unstable();
        rules
    }

    /// The rules active given which patterns were found, sorted; without
    /// `with_also`, ignoring their `keywords-also`.
    fn matching(&self, found: &[bool], with_also: bool) -> Vec<usize> {
        let has = |pattern: &usize| found[*pattern];
        let mut active: Vec<usize> = self
            .rules
            .iter()
            .filter(|r| {
                r.keywords
                    .iter()
                    .any(|(keyword, requires)| has(keyword) && (requires.is_empty() || requires.iter().any(has)))
                    && (!with_also || r.also.is_empty() || r.also.iter().any(has))
            })
            .map(|r| r.rule)
            .collect();
        active.sort_unstable();
        active
    }
}

/// A byte of an identifier: what `\b` must not have next to it. Non-ASCII
/// bytes count, as identifiers may hold letters beyond ASCII.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rule for `language` active on any of `keywords` (and, when listed,
    /// one of `also`).
    fn set(rule: usize, language: Language, keywords: &[&str], also: &[&str]) -> KeywordSet {
        KeywordSet {
            language,
            rule,
            keywords: keywords.iter().map(|k| (k.to_string(), Vec::new())).collect(),
            also: also.iter().map(|w| w.to_string()).collect(),
        }
    }

    const NONE: [usize; 0] = [];

    #[test]
    fn a_rule_needs_a_keyword_and_if_listed_an_also_keyword() {
        let filter = Prefilter::new(&[
            set(0, Language::Python, &["jwt"], &[]),
            set(1, Language::Python, &["token"], &["logger", "print"]),
        ]);
        assert_eq!(filter.active_rules(Language::Python, "import JWT"), [0]);
        assert_eq!(filter.active_rules(Language::Python, "tokenizer = 1"), NONE);
        assert_eq!(filter.active_rules(Language::Python, "print(token)"), [1]);
        assert_eq!(filter.active_rules(Language::Python, "jwt; logger.info(token)"), [0, 1]);
        assert_eq!(filter.active_rules(Language::Rust, "jwt token print"), NONE);
    }

    #[test]
    fn words_in_comments_and_docstrings_do_not_count() {
        let filter = Prefilter::new(&[
            set(0, Language::Python, &["jwt"], &[]),
            set(0, Language::Rust, &["jwt"], &[]),
        ]);
        assert_eq!(filter.active_rules(Language::Python, "# uses jwt\nx = 1\n"), NONE);
        assert_eq!(
            filter.active_rules(Language::Python, "def f():\n    \"\"\"Decode a JWT.\"\"\"\n"),
            NONE
        );
        assert_eq!(filter.active_rules(Language::Python, "# jwt\nimport jwt\n"), [0]);
        assert_eq!(filter.active_rules(Language::Python, "KEY = \"jwt\"  # jwt\n"), [0]);
        assert_eq!(
            filter.active_rules(Language::Rust, "/// Decodes a JWT.\nfn f() {} // jwt\n"),
            NONE
        );
        assert_eq!(filter.active_rules(Language::Rust, "/* jwt */ use jwt;"), [0]);
    }

    #[test]
    fn a_boundary_marker_keeps_a_word_from_matching_inside_a_longer_one() {
        let filter = Prefilter::new(&[set(0, Language::Python, &["token\\b", "\\bjose\\b"], &[])]);
        for code in [
            "access_token = t",
            "accessToken",
            "headers[\"X-Token\"]",
            "from jose import jwt",
            "authlib.jose",
        ] {
            assert_eq!(filter.active_rules(Language::Python, code), [0], "{code}");
        }
        for code in [
            "TokenStream::new()",
            "tokenize(s)",
            "tokens = []",
            "token_type = 1",
            "Josephson = 1",
        ] {
            assert_eq!(filter.active_rules(Language::Python, code), NONE, "{code}");
        }
    }

    #[test]
    fn a_keyword_may_require_another_word() {
        let mut python = set(0, Language::Python, &["jwt"], &[]);
        python
            .keywords
            .push(("algorithm".to_string(), vec!["'none".to_string()]));
        let filter = Prefilter::new(&[python, set(0, Language::Rust, &["jsonwebtoken"], &[])]);
        assert_eq!(filter.active_rules(Language::Python, "import jwt"), [0]);
        assert_eq!(filter.active_rules(Language::Rust, "use jwt;"), NONE);
        assert_eq!(filter.active_rules(Language::Rust, "use jsonwebtoken;"), [0]);
        assert_eq!(filter.active_rules(Language::Python, "solve(algorithm=None)"), NONE);
        assert_eq!(filter.active_rules(Language::Python, "ALGORITHM = 'none'"), [0]);
    }
}
