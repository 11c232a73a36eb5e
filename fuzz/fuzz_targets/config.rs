//! The configuration loader: arbitrary text as `authlint.toml`,
//! `pyproject.toml` or `Cargo.toml` (the first byte picks which). It must
//! give settings or an error, never panic, overflow or hang; settings that
//! load are described (`--show-settings`) and used to lint the fixtures.
#![no_main]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use authlint::settings::config::{Overrides, describe, parse_config, resolve};
use authlint::lint::{FileSettings, Linter};
use authlint::model::{Language, NoteKind};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 3] = ["authlint.toml", "pyproject.toml", "Cargo.toml"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let path = Path::new("/fuzz").join(NAMES[usize::from(pick) % NAMES.len()]);
    let rules = authlint_fuzz::embedded_rules();
    let Ok(Some(config)) = parse_config(&path, text.to_string()) else {
        return;
    };
    let Ok(settings) = resolve(Some(&config), &Overrides::default(), rules) else {
        return;
    };
    let _ = describe(&settings, rules);
    let settings = FileSettings {
        default: Arc::new(settings),
        by_path: HashMap::new(),
    };
    let linter = Linter::with_settings(rules, u64::MAX, settings);
    for language in Language::ALL {
        let path = match language {
            Language::Python => "fixtures.py",
            Language::Rust => "fixtures.rs",
        };
        let sample = authlint_fuzz::fixture_sample(language).to_string();
        let (file, _) = linter.lint_text(language, path, sample);
        for notice in &file.notices {
            assert!(
                notice.kind != NoteKind::InternalError,
                "internal error: {}",
                notice.message
            );
        }
    }
});
