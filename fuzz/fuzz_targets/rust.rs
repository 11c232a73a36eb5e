//! The Rust frontend and the engine: arbitrary bytes linted as a `.rs` file.
#![no_main]

use authlint::model::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| authlint_fuzz::check_source(Language::Rust, data));
