//! The rule-file loader on arbitrary text: it must return a rule or an
//! error, never panic, overflow or hang. A rule that loads is also run on
//! the fixtures.
#![no_main]

use authlint::model::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(rule) = authlint::rules::parse_rule("fuzz.toml", text) {
        let rules = [rule];
        for language in Language::ALL {
            authlint_fuzz::check_text(&rules, language, authlint_fuzz::fixture_sample(language).to_string());
        }
    }
});
