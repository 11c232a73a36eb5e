//! The Python frontend and the engine: arbitrary bytes linted as a `.py` file.
#![no_main]

use authlint::model::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| authlint_fuzz::check_source(Language::Python, data));
