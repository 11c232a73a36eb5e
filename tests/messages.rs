//! What a finding says: one finding per mistake, advice in the language of
//! the finding, and messages that read right (no placeholder text, empty
//! and one-byte values, what JWT202 does not check or require, which kind
//! of token JWT204 took a lifetime for and why).

mod common;

use std::path::Path;

use authlint::frontend::source::DEFAULT_MAX_FILE_SIZE;
use authlint::lint::Linter;
use authlint::model::Language;
use authlint::report::outcome::Finding;
use authlint::rules::load_rules;
use common::*;

/// Python's APIs and spellings, which a Rust finding must never advise.
const PYTHON_ONLY: &[&str] = &[
    "os.environ",
    "os.getenv",
    "httponly=",
    "samesite=",
    "algorithms=",
    "options=",
    "audience=",
    "issuer=",
    "leeway=",
    "timedelta",
    "datetime",
    "secrets.token",
    "require_exp",
    "get_unverified_header",
    "PyJWT",
    "python-jose",
    "True",
    "None",
];

/// Rust's APIs and spellings, which a Python finding must never advise.
const RUST_ONLY: &[&str] = &[
    "std::env",
    "::",
    ".unwrap",
    "set_audience",
    "set_issuer",
    "set_required_spec_claims",
    "Validation",
    "http_only(",
    "SameSite",
    "rand::",
    "Duration::",
    "EncodingKey",
    "DecodingKey",
    "jsonwebtoken",
    "`fn ",
];

fn lint(language: Language, path: &str, source: &str) -> Vec<Finding> {
    let rules = load_rules(&[]).unwrap();
    let linter = Linter::new(&rules, DEFAULT_MAX_FILE_SIZE);
    linter.lint_text(language, path, source.to_string()).0.findings
}

/// Everything a finding says in words: message, help and labels.
fn words(finding: &Finding) -> String {
    let mut text = format!("{}\n{}\n{}", finding.message, finding.help, finding.label);
    for related in &finding.related {
        text.push('\n');
        text.push_str(&related.label);
    }
    text
}

fn foreign_words(language: Language, text: &str) -> Vec<&'static str> {
    let foreign = match language {
        Language::Python => RUST_ONLY,
        Language::Rust => PYTHON_ONLY,
    };
    foreign.iter().copied().filter(|w| text.contains(w)).collect()
}

#[test]
fn every_finding_advises_in_its_own_language() {
    let root = repo_root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (dir, language) in [("fixtures/python", Language::Python), ("fixtures/rust", Language::Rust)] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            for finding in lint(language, &path.display().to_string(), &source) {
                checked += 1;
                let found = foreign_words(language, &words(&finding));
                if !found.is_empty() {
                    problems.push(format!(
                        "{}:{} {} says {found:?}: {}",
                        finding.path,
                        finding.line,
                        finding.code,
                        words(&finding)
                    ));
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} findings in the fixtures");
    // And the help of every rule in every language it claims, found or not.
    for rule in load_rules(&[]).unwrap() {
        for &language in &rule.languages {
            let found = foreign_words(language, rule.help_for(language));
            if !found.is_empty() {
                problems.push(format!("{} help for {language:?} says {found:?}", rule.code));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "advice in the wrong language:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_rust_advice_names_the_rust_fix() {
    let rules = load_rules(&[]).unwrap();
    let help = |code: &str| rules.iter().find(|r| r.code == code).unwrap().help_for(Language::Rust);
    assert!(help("SEC302").contains("std::env::var(\"JWT_SECRET\")?"));
    assert!(help("SEC302").contains("no `unwrap_or` fallback"));
    assert!(help("TOK404").contains(".http_only(true).secure(true).same_site(SameSite::Lax)"));
    for call in ["set_audience(&[", "set_issuer", "set_required_spec_claims"] {
        assert!(help("JWT202").contains(call), "{call}");
    }
    // The generated page and `explain` carry both languages' fixes.
    let page = std::fs::read_to_string(repo_root().join("docs/rules/SEC302.md")).unwrap();
    assert!(
        page.contains("- **Rust:** Fail when the secret is missing: `std::env::var"),
        "{page}"
    );
    assert!(page.contains("- **Python:**"), "{page}");
}

#[test]
fn one_literal_is_one_finding_at_the_place_to_fix() {
    let source = "import jwt\n\nSECRET_KEY = 'fixture-key-not-real-m001'\n\n\
                  def issue(p):\n    return jwt.encode(p, SECRET_KEY, algorithm='HS256')\n\n\
                  def check(t):\n    return jwt.decode(t, SECRET_KEY, algorithms=['HS256'], audience='a', issuer='i', options={'require': ['exp']})\n";
    let findings = lint(Language::Python, "app/security.py", source);
    let codes: Vec<(usize, &str)> = findings.iter().map(|f| (f.line, f.code.as_str())).collect();
    assert_eq!(codes, [(3, "SEC303")], "{findings:#?}");
    let kept = &findings[0];
    assert!(
        kept.message.ends_with("; used as a JWT key on lines 6 and 9"),
        "{}",
        kept.message
    );
    let merged: Vec<(usize, Option<&str>, &str)> = kept
        .related
        .iter()
        .map(|r| (r.line, r.rule.as_deref(), r.label.as_str()))
        .collect();
    assert_eq!(
        merged,
        [
            (6, Some("SEC301"), "used as a JWT key here"),
            (9, Some("SEC301"), "used as a JWT key here")
        ]
    );

    // A claim of a claims struct: at the field, the encode related to it.
    let rust = "use jsonwebtoken::{encode, EncodingKey, Header};\nuse serde::Serialize;\n\n\
                #[derive(Serialize)]\nstruct Claims {\n    sub: String,\n    email: String,\n    exp: usize,\n}\n\n\
                pub fn issue(key: &EncodingKey, email: &str) -> String {\n    \
                let claims = Claims { sub: \"1\".into(), email: email.into(), exp: 0 };\n    \
                encode(&Header::default(), &claims, key).unwrap()\n}\n";
    let findings = lint(Language::Rust, "src/auth.rs", rust);
    let jwt205: Vec<&Finding> = findings.iter().filter(|f| f.code == "JWT205").collect();
    assert_eq!(jwt205.len(), 1, "{findings:#?}");
    assert_eq!(jwt205[0].line, 7);
    assert!(
        jwt205[0].message.ends_with("; put in a token on line 13"),
        "{}",
        jwt205[0].message
    );
}

#[test]
fn merging_keeps_the_fingerprints_of_findings_it_does_not_touch() {
    // Two identical decode lines: their JWT202 findings are told apart by
    // occurrence. Merging the SEC301s on the same lines must not renumber them.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "app/auth.py",
        "import jwt\n\nSECRET_KEY = 'fixture-key-not-real-m002'\n\n\
         def a(t):\n    return jwt.decode(t, SECRET_KEY, algorithms=['HS256'])\n\n\
         def b(t):\n    return jwt.decode(t, SECRET_KEY, algorithms=['HS256'])\n",
    );
    let prints = |select: &str| -> Vec<(String, String)> {
        let baseline = root.join(format!("{select}.json"));
        let out = authlint(
            &[
                "check",
                "--select",
                select,
                "--write-baseline",
                baseline.to_str().unwrap(),
                "app",
            ],
            root,
        );
        assert!(out.status.success() || out.status.code() == Some(1), "{}", stderr(&out));
        let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
        written["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["rule"] == "JWT202")
            .map(|e| {
                (
                    e["rule"].as_str().unwrap().into(),
                    e["fingerprint"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let alone = prints("JWT202");
    let together = prints("JWT202,SEC301,SEC303");
    assert_eq!(alone.len(), 2, "{alone:?}");
    assert_ne!(alone[0].1, alone[1].1);
    assert_eq!(alone, together);
}

#[test]
fn messages_read_right() {
    let py = "import os\nA = os.getenv('JWT_SECRET', '')\nB = os.getenv('JWT_SECRET', 'x')\n";
    let messages: Vec<String> = lint(Language::Python, "app/config.py", py)
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert_eq!(
        messages,
        [
            "`JWT_SECRET` falls back to a hard-coded value \"\" (empty) when it is not set",
            "`JWT_SECRET` falls back to a hard-coded value \"…\" (1 byte) when it is not set",
        ]
    );
    // A fallback a closure returns shows the literal, never placeholder text.
    let rs = "pub fn k() -> String {\n    std::env::var(\"JWT_SECRET\").unwrap_or_else(|_| \"dev-secret-x\".to_string())\n}\n";
    let found = lint(Language::Rust, "src/config.rs", rs);
    assert_eq!(
        found[0].message,
        "`JWT_SECRET` falls back to a hard-coded value \"dev-…\" (12 bytes) when it is not set"
    );

    // JWT202: `exp` is verified when present; what is missing is requiring it.
    // (Someone else's token: verified with a public key the project does not sign with.)
    let decode = "import jwt\n\nKEY = '-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----'\n\n\
                  def f(t):\n    return jwt.decode(t, KEY, algorithms=['RS256'], audience='a')\n";
    let found = lint(Language::Python, "app/a.py", decode);
    assert_eq!(
        found[0].message,
        "`jwt.decode` does not check `iss`, and does not require `exp`"
    );

    // JWT204: which kind of token, and what said so.
    let lifetimes = "import jwt\nfrom datetime import datetime, timedelta\n\n\
                     REFRESH_TOKEN_EXPIRE_DAYS = 90\n\n\
                     def create_refresh_token(u, k):\n    return jwt.encode({'sub': u, 'exp': datetime.utcnow() + timedelta(days=60)}, k, algorithm='HS256')\n\n\
                     def rotate(u, k):\n    return jwt.encode({'sub': u, 'exp': datetime.utcnow() + timedelta(days=REFRESH_TOKEN_EXPIRE_DAYS)}, k, algorithm='HS256')\n\n\
                     def login(u, k):\n    return jwt.encode({'sub': u, 'exp': datetime.utcnow() + timedelta(days=2)}, k, algorithm='HS256')\n\n\
                     def session(u, k):\n    return jwt.encode({'sub': u, 'exp': datetime.utcnow() + timedelta(days=7)}, k, algorithm='HS256')\n";
    let found: Vec<(usize, String, String)> = lint(Language::Python, "app/tokens.py", lifetimes)
        .into_iter()
        .filter(|f| f.code == "JWT204")
        .map(|f| (f.line, f.message, f.label))
        .collect();
    assert_eq!(
        found,
        [
            (
                7,
                "`jwt.encode` issues a token that lives 60 days: too long for a refresh token \
                 (`refresh` in the function name `create_refresh_token`)"
                    .to_string(),
                "longer than the refresh-token maximum".to_string()
            ),
            (
                10,
                "`jwt.encode` issues a token that lives 90 days: too long for a refresh token \
                 (`refresh` in the name `REFRESH_TOKEN_EXPIRE_DAYS` its lifetime comes from)"
                    .to_string(),
                "longer than the refresh-token maximum".to_string()
            ),
            (
                13,
                "`jwt.encode` issues a token that lives 2 days: too long for an access token \
                 (no `refresh` in its type claim, the function name or the lifetime's setting)"
                    .to_string(),
                "longer than the access-token maximum".to_string()
            ),
            (
                16,
                "`jwt.encode` issues a token that lives 7 days: too long for an access token \
                 (no `refresh` in its type claim, the function name or the lifetime's setting)"
                    .to_string(),
                "longer than the access-token maximum".to_string()
            ),
        ]
    );
    let explained = stdout(&authlint(&["explain", "JWT204"], Path::new(".")));
    assert!(explained.contains("Access or refresh token?"), "{explained}");
    assert!(explained.contains("create_refresh_token"), "{explained}");
}
