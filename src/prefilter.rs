//! The keyword prefilter: a file that contains none of the active rules'
//! keywords is never parsed. Most files in a repository never mention a JWT,
//! so this is where most of the speed comes from (gitleaks does the same).
//!
//! A rule is active on a file when the file contains one of its `keywords`
//! and, if it lists `keywords-also`, one of those too: a logging rule needs a
//! token word *and* a logging call, so neither alone drags a file in.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::model::Language;
use crate::rules::Rule;

struct LanguageFilter {
    automaton: AhoCorasick,
    /// For each pattern, the rules that need it: `(rule, is_also)`.
    users_of_pattern: Vec<Vec<(usize, bool)>>,
    /// The rules of this language, and whether each has an `also` list.
    rules: Vec<(usize, bool)>,
}

/// Compiled once per run and shared by all worker threads.
pub struct Prefilter {
    filters: Vec<(Language, LanguageFilter)>,
}

impl Prefilter {
    pub fn new(rules: &[Rule]) -> Self {
        Self::with_policies(rules, &[])
    }

    /// A prefilter that also lets through the names the given policies added
    /// to the name classes each rule consults.
    pub fn with_policies(rules: &[Rule], policies: &[&crate::policy::Policy]) -> Self {
        let mut filters = Vec::new();
        for language in Language::ALL {
            let mut patterns: Vec<String> = Vec::new();
            let mut users_of_pattern: Vec<Vec<(usize, bool)>> = Vec::new();
            let mut language_rules = Vec::new();
            for (index, rule) in rules.iter().enumerate() {
                if !rule.languages.contains(&language) {
                    continue;
                }
                language_rules.push((index, !rule.keywords_also.is_empty()));
                let added: Vec<String> = rule
                    .name_classes()
                    .into_iter()
                    .flat_map(|class| policies.iter().flat_map(move |p| p.added_words(class)))
                    .collect();
                let words = rule.keywords.iter().chain(&added).map(|k| (k, false));
                let also_added = if rule.keywords_also.is_empty() {
                    &[][..]
                } else {
                    &added[..]
                };
                let also = rule.keywords_also.iter().chain(also_added).map(|k| (k, true));
                for (word, is_also) in words.chain(also) {
                    let word = word.to_ascii_lowercase();
                    let at = match patterns.iter().position(|p| *p == word) {
                        Some(existing) => existing,
                        None => {
                            patterns.push(word);
                            users_of_pattern.push(Vec::new());
                            patterns.len() - 1
                        }
                    };
                    users_of_pattern[at].push((index, is_also));
                }
            }
            let automaton = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("keywords are plain strings and always compile");
            filters.push((
                language,
                LanguageFilter {
                    automaton,
                    users_of_pattern,
                    rules: language_rules,
                },
            ));
        }
        Prefilter { filters }
    }

    /// The indices of the rules for `language` active on `text`, sorted.
    /// Empty means the file need not be parsed.
    pub fn active_rules(&self, language: Language, text: &str) -> Vec<usize> {
        let Some((_, filter)) = self.filters.iter().find(|(l, _)| *l == language) else {
            return Vec::new();
        };
        let mut seen_pattern = vec![false; filter.users_of_pattern.len()];
        let mut has_keyword: Vec<usize> = Vec::new();
        let mut has_also: Vec<usize> = Vec::new();
        for found in filter.automaton.find_overlapping_iter(text) {
            let pattern = found.pattern().as_usize();
            if std::mem::replace(&mut seen_pattern[pattern], true) {
                continue;
            }
            for &(rule, is_also) in &filter.users_of_pattern[pattern] {
                if is_also {
                    has_also.push(rule)
                } else {
                    has_keyword.push(rule)
                }
            }
            if seen_pattern.iter().all(|s| *s) {
                break;
            }
        }
        let mut active: Vec<usize> = filter
            .rules
            .iter()
            .filter(|(rule, needs_also)| has_keyword.contains(rule) && (!needs_also || has_also.contains(rule)))
            .map(|(rule, _)| *rule)
            .collect();
        active.sort_unstable();
        active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rule;

    fn rule(code: &str, keywords: &str, also: &str) -> Rule {
        let text = format!(
            "code = \"{code}\"\nname = \"r\"\nseverity = \"note\"\nlanguages = [\"python\"]\nkeywords = {keywords}\nkeywords-also = {also}\n\
             summary = \"s\"\nmessage = \"m\"\nhelp = \"h\"\nrationale = \"r\"\n[[match]]\nlanguage = \"python\"\ncallee = [\"x\"]\n"
        );
        parse_rule("test.toml", &text).expect("valid rule")
    }

    #[test]
    fn a_rule_needs_a_keyword_and_if_listed_an_also_keyword() {
        let rules = vec![
            rule("AA101", "[\"jwt\"]", "[]"),
            rule("AA102", "[\"token\"]", "[\"logger\", \"print\"]"),
        ];
        let filter = Prefilter::new(&rules);
        assert_eq!(filter.active_rules(Language::Python, "import JWT"), [0]);
        assert_eq!(
            filter.active_rules(Language::Python, "tokenizer = 1"),
            Vec::<usize>::new()
        );
        assert_eq!(filter.active_rules(Language::Python, "print(token)"), [1]);
        assert_eq!(filter.active_rules(Language::Python, "jwt; logger.info(token)"), [0, 1]);
        assert_eq!(
            filter.active_rules(Language::Rust, "jwt token print"),
            Vec::<usize>::new()
        );
    }
}
