//! The rule-file loader on adversarial *structure*: the fuzzer's bytes
//! choose a rule file shaped like the real format (the schema's keys, the
//! catalog's vocabulary, globs with stars, braces and escapes, odd values of
//! every type, and nesting far deeper than any rule needs), which is rendered
//! to TOML and loaded. Random text almost never gets past the TOML parser;
//! this reaches validation, glob compilation and, when the rule loads, the
//! engine running it over the fixtures.
#![no_main]

use arbitrary::{Result, Unstructured};
use authlint::model::Language;
use libfuzzer_sys::fuzz_target;
use toml::{Table, Value};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(text) = rule_text(&mut u) else {
        return;
    };
    if let Ok(rule) = authlint::rules::parse_rule("fuzz.toml", &text) {
        let rules = [rule];
        for language in Language::ALL {
            authlint_fuzz::check_text(&rules, language, authlint_fuzz::fixture_sample(language).to_string());
        }
    }
});

const PATTERN_PIECES: &[&str] = &[
    "jwt",
    "decode",
    "encode",
    "jose",
    "jsonwebtoken",
    "EncodingKey",
    "DecodingKey",
    "from_secret",
    "Validation",
    "new",
    "insecure_disable_signature_validation",
    "app",
    "config",
    "SECRET_KEY",
    "PyJWT()",
    "::",
    ".",
    "*",
    "**",
    "?",
    "()",
    "{a,b}",
    "{",
    "}",
    ",",
    "[",
    "]",
    "[!a]",
    "\\",
    "\\*",
    "(a+)+$",
    "é",
];
const ARGUMENTS: &[&str] = &[
    "key",
    "algorithms",
    "algorithm",
    "options",
    "verify",
    "audience",
    "token",
    "jwt",
    "",
];
const KEYS: &[&str] = &[
    "verify_signature",
    "verify_exp",
    "verify_aud",
    "alg",
    "kid",
    "exp",
    "require",
];
const VALUE_CLASSES: &[&str] = &[
    "missing",
    "present",
    "string-literal",
    "non-empty-string",
    "null",
    "public-key",
    "bearer-token",
    "plain-http-remote-url",
    "mixed-algorithm-families",
    "token-in-query",
    "untrusted-key-id",
];
const LANGUAGES: &[&str] = &["python", "rust"];
const SEVERITIES: &[&str] = &["error", "warning", "note"];

fn word(u: &mut Unstructured, vocabulary: &[&str]) -> Result<String> {
    // Mostly the vocabulary, sometimes anything at all.
    if u.ratio(1, 8)? {
        return u.arbitrary::<String>();
    }
    Ok(u.choose(vocabulary)?.to_string())
}

fn pattern(u: &mut Unstructured) -> Result<String> {
    let pieces = u.int_in_range(0..=12)?;
    let mut out = String::new();
    for _ in 0..pieces {
        out.push_str(&word(u, PATTERN_PIECES)?);
    }
    // Occasionally a very long glob: compiling and matching must stay linear.
    if u.ratio(1, 32)? {
        let repeat = u.int_in_range(1..=5000)?;
        out = out.repeat(repeat);
    }
    Ok(out)
}

fn patterns(u: &mut Unstructured) -> Result<Value> {
    let n = u.int_in_range(0..=4)?;
    Ok(Value::Array(
        (0..n).map(|_| pattern(u).map(Value::String)).collect::<Result<_>>()?,
    ))
}

fn strings(u: &mut Unstructured, vocabulary: &[&str]) -> Result<Value> {
    let n = u.int_in_range(0..=3)?;
    Ok(Value::Array(
        (0..n)
            .map(|_| word(u, vocabulary).map(Value::String))
            .collect::<Result<_>>()?,
    ))
}

/// A TOML value of any type, nested up to `depth`.
fn any_value(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let choice = if depth == 0 {
        u.int_in_range(0..=4)?
    } else {
        u.int_in_range(0..=6)?
    };
    Ok(match choice {
        0 => Value::String(word(u, KEYS)?),
        1 => Value::Boolean(u.arbitrary()?),
        2 => Value::Integer(u.arbitrary()?),
        3 => Value::Float(u.arbitrary()?),
        4 => Value::String(word(u, VALUE_CLASSES)?),
        5 => {
            let n = u.int_in_range(0..=3)?;
            Value::Array((0..n).map(|_| any_value(u, depth - 1)).collect::<Result<_>>()?)
        }
        _ => {
            let mut table = Table::new();
            for _ in 0..u.int_in_range(0..=2)? {
                table.insert(word(u, KEYS)?, any_value(u, depth - 1)?);
            }
            Value::Table(table)
        }
    })
}

fn condition(u: &mut Unstructured) -> Result<Table> {
    let mut c = Table::new();
    let name_classes = authlint::rules::policy::NAME_CLASSES;
    let thresholds = authlint::rules::policy::THRESHOLDS;
    // Each key of the condition schema, independently present or not.
    if u.arbitrary()? {
        c.insert("argument".into(), Value::String(word(u, ARGUMENTS)?));
    }
    if u.arbitrary()? {
        c.insert("position".into(), Value::Integer(u.int_in_range(-1..=4)?));
    }
    if u.ratio(1, 6)? {
        c.insert("any-argument".into(), Value::Boolean(u.arbitrary()?));
    }
    if u.ratio(1, 6)? {
        c.insert("keyword-class".into(), Value::String(word(u, name_classes)?));
    }
    if u.ratio(1, 8)? {
        c.insert("result-method".into(), Value::String(word(u, PATTERN_PIECES)?));
    }
    if u.ratio(1, 4)? {
        let key = if u.arbitrary()? {
            Value::String(word(u, KEYS)?)
        } else {
            strings(u, KEYS)?
        };
        c.insert("key".into(), key);
    }
    match u.int_in_range(0..=3)? {
        0 => {
            c.insert("is".into(), Value::String(word(u, VALUE_CLASSES)?));
        }
        1 => {
            c.insert("equals".into(), any_value(u, 2)?);
        }
        2 => {
            c.insert("contains".into(), any_value(u, 2)?);
        }
        _ => {}
    }
    let optional: [(&str, &[&str]); 6] = [
        ("names", name_classes),
        ("lacks-key", KEYS),
        ("has-key-in", &["required-claims"]),
        ("duration-over", thresholds),
        ("expiry-over", thresholds),
        ("generated-bytes-under", thresholds),
    ];
    for (key, vocabulary) in optional {
        if u.ratio(1, 10)? {
            c.insert(key.into(), Value::String(word(u, vocabulary)?));
        }
    }
    for key in ["from-call", "refers-to"] {
        if u.ratio(1, 10)? {
            c.insert(key.into(), patterns(u)?);
        }
    }
    if u.ratio(1, 4)? {
        c.insert("ignore-case".into(), Value::Boolean(u.arbitrary()?));
    }
    Ok(c)
}

fn conditions(u: &mut Unstructured) -> Result<Value> {
    let n = u.int_in_range(0..=3)?;
    Ok(Value::Array(
        (0..n).map(|_| condition(u).map(Value::Table)).collect::<Result<_>>()?,
    ))
}

fn clause(u: &mut Unstructured) -> Result<Table> {
    let mut c = Table::new();
    c.insert("language".into(), Value::String(word(u, LANGUAGES)?));
    let name_classes = authlint::rules::policy::NAME_CLASSES;
    match u.int_in_range(0..=5)? {
        0 => {
            c.insert("callee".into(), patterns(u)?);
        }
        1 => {
            c.insert("setting".into(), patterns(u)?);
            if u.arbitrary()? {
                c.insert("container".into(), patterns(u)?);
            }
        }
        2 => {
            c.insert("setting-class".into(), Value::String(word(u, name_classes)?));
        }
        3 => {
            c.insert("template".into(), Value::Boolean(u.arbitrary()?));
        }
        4 => {
            c.insert("subscript".into(), patterns(u)?);
        }
        _ => {
            c.insert("parameter-class".into(), Value::String(word(u, name_classes)?));
            if u.arbitrary()? {
                c.insert("declared-by".into(), patterns(u)?);
            }
        }
    }
    if u.arbitrary()? {
        c.insert("label".into(), Value::String(u.arbitrary()?));
    }
    if u.ratio(1, 4)? {
        c.insert("severity".into(), Value::String(word(u, SEVERITIES)?));
    }
    c.insert("where".into(), conditions(u)?);
    if u.arbitrary()? {
        c.insert("unless".into(), conditions(u)?);
    }
    if u.ratio(1, 4)? {
        let n = u.int_in_range(0..=3)?;
        let mut checks = Vec::new();
        for _ in 0..n {
            let mut check = condition(u)?;
            check.insert("name".into(), Value::String(word(u, KEYS)?));
            checks.push(Value::Table(check));
        }
        c.insert("checks".into(), Value::Array(checks));
        if u.arbitrary()? {
            c.insert("checks-from".into(), Value::String(word(u, &["required-claims"])?));
        }
    }
    Ok(c)
}

fn rule_text(u: &mut Unstructured) -> Result<String> {
    let mut rule = Table::new();
    rule.insert("code".into(), Value::String(format!("FZ{}", u.int_in_range(0..=999)?)));
    rule.insert("name".into(), Value::String(word(u, &["fuzzed-rule", "x"])?));
    rule.insert("severity".into(), Value::String(word(u, SEVERITIES)?));
    rule.insert("languages".into(), strings(u, LANGUAGES)?);
    rule.insert("keywords".into(), strings(u, &["jwt", "jose", "from_secret", ""])?);
    for key in ["summary", "message", "help", "rationale"] {
        let text = word(u, &["`{callee}` {value} {argument} {missing}", "plain", "{", "}"])?;
        rule.insert(key.into(), Value::String(text));
    }
    if u.arbitrary()? {
        rule.insert("secret".into(), Value::Boolean(u.arbitrary()?));
    }
    let n = u.int_in_range(0..=4)?;
    rule.insert(
        "match".into(),
        Value::Array((0..n).map(|_| clause(u).map(Value::Table)).collect::<Result<_>>()?),
    );
    let mut text = toml::to_string(&rule).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    // Nesting no rule needs, in the three shapes TOML has for it: the loader
    // must refuse it with an error, not overflow the stack.
    if u.ratio(1, 16)? {
        let depth = u.int_in_range(1..=100_000)?;
        let nested = match u.int_in_range(0..=2)? {
            0 => format!("deep = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
            1 => format!("deep = {}1{}\n", "{ a = ".repeat(depth), " }".repeat(depth)),
            _ => format!("{} = 1\n", vec!["a"; depth].join(".")),
        };
        // Before the first table header, so it is a top-level key.
        text.insert_str(0, &nested);
    }
    Ok(text)
}
