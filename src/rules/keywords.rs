//! The words that make a rule worth running on a file: a rule file's
//! `keywords`, `keyword-requires` and `keywords-also`, plus the names a
//! configuration added to a name class the rule consults. The frontend's
//! prefilter matches them; this is where rules become its input.

use crate::frontend::prefilter::KeywordSet;
use crate::model::Language;
use crate::rules::Rule;
use crate::rules::policy::Policy;

/// One set per rule and language it applies to, with the words of names
/// each policy added to a class the rule consults: they count as keywords
/// (and, when the rule has a second list, as second words) on their own.
pub fn keyword_sets(rules: &[Rule], policies: &[&Policy]) -> Vec<KeywordSet> {
    let mut sets = Vec::new();
    for language in Language::ALL {
        for (index, rule) in rules.iter().enumerate() {
            if !rule.languages.contains(&language) {
                continue;
            }
            let added: Vec<String> = rule
                .name_classes()
                .into_iter()
                .flat_map(|class| policies.iter().flat_map(move |p| p.added_words(class)))
                .collect();
            let mut keywords: Vec<(String, Vec<String>)> = rule
                .keywords_for(language)
                .iter()
                .map(|keyword| {
                    let requires = rule.keyword_requires.get(keyword).cloned().unwrap_or_default();
                    (keyword.clone(), requires)
                })
                .collect();
            keywords.extend(added.iter().map(|word| (word.clone(), Vec::new())));
            let mut also = rule.keywords_also_for(language).to_vec();
            if !also.is_empty() {
                also.extend(added.iter().cloned());
            }
            sets.push(KeywordSet {
                language,
                rule: index,
                keywords,
                also,
            });
        }
    }
    sets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::prefilter::Prefilter;
    use crate::rules::test_rule;

    /// A rule for both languages whose keyword lines are `keyword_lines`.
    fn rule_with(code: &str, keyword_lines: &str) -> Rule {
        test_rule(code, "r", keyword_lines)
    }

    #[test]
    fn a_rule_file_becomes_one_set_per_language_with_its_requirements() {
        let rule = rule_with(
            "AA101",
            "keywords.python = [\"jwt\", \"algorithm\"]\nkeywords.rust = [\"jsonwebtoken\"]\n\
             keywords-also.rust = [\"decode\"]\nkeyword-requires.algorithm = [\"'none\"]",
        );
        let sets = keyword_sets(&[rule], &[]);
        assert_eq!(
            sets,
            [
                KeywordSet {
                    language: Language::Python,
                    rule: 0,
                    keywords: vec![
                        ("jwt".to_string(), Vec::new()),
                        ("algorithm".to_string(), vec!["'none".to_string()])
                    ],
                    also: Vec::new(),
                },
                KeywordSet {
                    language: Language::Rust,
                    rule: 0,
                    keywords: vec![("jsonwebtoken".to_string(), Vec::new())],
                    also: vec!["decode".to_string()],
                },
            ]
        );
        let filter = Prefilter::new(&sets);
        assert_eq!(filter.active_rules(Language::Python, "ALGORITHM = 'none'"), [0]);
        assert_eq!(
            filter.active_rules(Language::Python, "solve(algorithm=None)"),
            [0usize; 0]
        );
        assert_eq!(filter.active_rules(Language::Rust, "use jsonwebtoken::decode;"), [0]);
        assert_eq!(filter.active_rules(Language::Rust, "use jsonwebtoken;"), [0usize; 0]);
    }
}
