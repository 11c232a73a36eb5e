//! The keyword prefilter: a file that contains none of the active rules'
//! keywords is never parsed. Most files in a repository never mention a JWT,
//! so this is where most of the speed comes from (gitleaks does the same).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::model::Language;
use crate::rules::Rule;

struct LanguageFilter {
    automaton: AhoCorasick,
    /// For each keyword pattern, the rules that listed it.
    rules_of_pattern: Vec<Vec<usize>>,
    rule_count: usize,
}

/// Compiled once per run and shared by all worker threads.
pub struct Prefilter {
    filters: Vec<(Language, LanguageFilter)>,
}

impl Prefilter {
    pub fn new(rules: &[Rule]) -> Self {
        let mut filters = Vec::new();
        for language in Language::ALL {
            let mut keywords: Vec<String> = Vec::new();
            let mut rules_of_pattern: Vec<Vec<usize>> = Vec::new();
            let mut rule_count = 0;
            for (index, rule) in rules.iter().enumerate() {
                if !rule.languages.contains(&language) {
                    continue;
                }
                rule_count += 1;
                for keyword in &rule.keywords {
                    let keyword = keyword.to_ascii_lowercase();
                    match keywords.iter().position(|k| *k == keyword) {
                        Some(existing) => rules_of_pattern[existing].push(index),
                        None => {
                            keywords.push(keyword);
                            rules_of_pattern.push(vec![index]);
                        }
                    }
                }
            }
            let automaton = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&keywords)
                .expect("keywords are plain strings and always compile");
            filters.push((
                language,
                LanguageFilter {
                    automaton,
                    rules_of_pattern,
                    rule_count,
                },
            ));
        }
        Prefilter { filters }
    }

    /// The indices of the rules for `language` whose keywords occur in
    /// `text`, sorted. Empty means the file need not be parsed.
    pub fn active_rules(&self, language: Language, text: &str) -> Vec<usize> {
        let Some((_, filter)) = self.filters.iter().find(|(l, _)| *l == language) else {
            return Vec::new();
        };
        let mut seen_pattern = vec![false; filter.rules_of_pattern.len()];
        let mut active: Vec<usize> = Vec::new();
        for found in filter.automaton.find_overlapping_iter(text) {
            let pattern = found.pattern().as_usize();
            if std::mem::replace(&mut seen_pattern[pattern], true) {
                continue;
            }
            active.extend(&filter.rules_of_pattern[pattern]);
            active.sort_unstable();
            active.dedup();
            if active.len() == filter.rule_count {
                break;
            }
        }
        active
    }
}
