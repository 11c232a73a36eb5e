//! The results cache (`.authlint_cache/`): a warm run replays what the
//! files gave, and a change to a file or to a module its check consulted
//! re-checks it, so a stale result is never served.

mod common;

use std::path::Path;

use common::*;

/// `app/core/clock.py` has no keyword: it is only consulted, when the
/// session token's lifetime in `security.py` is resolved (JWT204).
const CLOCK_PY: &str = "from datetime import datetime, timedelta, timezone\n\n\ndef utcnow():\n    \
                        return datetime.now(timezone.utc)\n\n\ndef session_expiry():\n    \
                        return utcnow() + timedelta(minutes=240)\n";
const SECURITY_PY: &str = "import jwt\n\nfrom app.core.clock import session_expiry\n\nSECRET = 'x'\n\n\n\
                           def create_session_token(subject, key):\n    \
                           return jwt.encode({\"exp\": session_expiry(), \"sub\": subject}, key, algorithm=\"HS256\")\n";

fn project(root: &Path) {
    write(root, "app/__init__.py", "");
    write(root, "app/core/__init__.py", "");
    write(root, "app/core/clock.py", CLOCK_PY);
    write(root, "app/core/security.py", SECURITY_PY);
}

/// The report without the run's duration.
fn report(root: &Path) -> serde_json::Value {
    let out = authlint_cached(&["check", "--output-format", "json", "app"], root);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let mut report = json(&out);
    report["summary"]["elapsed_ms"] = 0.into();
    report
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    found(report).into_iter().map(|(_, _, code)| code).collect()
}

#[test]
fn a_warm_run_replays_the_cold_one_and_never_serves_a_stale_result() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let cold = report(root);
    assert!(codes(&cold).contains(&"JWT204".to_string()), "{cold}");
    // The cache is in the project root, marked as a cache and ignored by git.
    let cache = root.join(".authlint_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    assert!(cache.join("CACHEDIR.TAG").exists());

    // Warm: the same report, taken from the cache. To see that it was,
    // the cached message is marked; a warm run shows the mark.
    assert_eq!(report(root), cold);
    let cache_file = cache_files(&cache).pop().expect("a cache file");
    let text = std::fs::read_to_string(&cache_file).unwrap();
    let message = cold["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "JWT204")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    let marked = text.replace(&serde_json::to_string(&message).unwrap(), "\"REPLAYED\"");
    assert_ne!(marked, text, "the finding is in the cache");
    std::fs::write(&cache_file, marked).unwrap();
    let warm = report(root);
    assert!(warm.to_string().contains("REPLAYED"), "{warm}");

    // An edit to the consulted module (its facts unchanged) re-checks the
    // importer: the short lifetime is no finding.
    write(root, "app/core/clock.py", CLOCK_PY.replace("minutes=240", "minutes=10"));
    let edited = report(root);
    assert!(!codes(&edited).contains(&"JWT204".to_string()), "{edited}");
    assert!(!edited.to_string().contains("REPLAYED"));
    // And back: the finding again, from a check, not the marked entry.
    write(root, "app/core/clock.py", CLOCK_PY);
    assert_eq!(report(root), cold);

    // An edit to the checked file itself moves its finding.
    write(root, "app/core/security.py", format!("\n{SECURITY_PY}"));
    let moved = report(root);
    let line = |r: &serde_json::Value| found(r).iter().find(|f| f.2 == "JWT204").map(|f| f.1);
    assert_eq!(line(&moved), line(&cold).map(|l| l + 1));
}

fn cache_files(cache: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for version in std::fs::read_dir(cache).unwrap().flatten() {
        if version.path().is_dir() {
            files.extend(version.path().read_dir().unwrap().flatten().map(|e| e.path()));
        }
    }
    files
}

#[test]
fn no_cache_writes_nothing_and_cache_dir_moves_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let out = authlint_cached(&["check", "--no-cache", "app"], root);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!root.join(".authlint_cache").exists());

    write(root, "authlint.toml", "cache-dir = \"build/lint-cache\"\n");
    authlint_cached(&["check", "app"], root);
    assert!(!root.join(".authlint_cache").exists());
    assert_eq!(cache_files(&root.join("build/lint-cache")).len(), 1);

    let elsewhere = tempfile::tempdir().unwrap();
    let flag = elsewhere.path().to_str().unwrap();
    authlint_cached(&["check", "--cache-dir", flag, "app"], root);
    assert_eq!(cache_files(elsewhere.path()).len(), 1);
}

/// JWT206 compares a verify site with every other of the project: a check
/// that read the project's verify sites depends on every module they come
/// from, whichever check happened to build the index.
#[test]
fn a_change_to_another_verify_site_rechecks_the_comparison() {
    const DEPS_PY: &str = "import os\nimport time\n\nimport jwt\n\nKEY = os.environ[\"KEY\"]\n\n\n\
                           def create_access_token(subject):\n    \
                           claims = {\"sub\": subject, \"aud\": \"api\", \"exp\": int(time.time()) + 900}\n    \
                           return jwt.encode(claims, KEY, algorithm=\"HS256\")\n\n\n\
                           def get_current_user(token):\n    \
                           return jwt.decode(token, KEY, algorithms=[\"HS256\"], audience=\"api\")\n";
    const EXPORTS_PY: &str = "import os\n\nimport jwt\n\n\ndef export_user(token):\n    \
                              return jwt.decode(token, os.environ[\"KEY\"], algorithms=[\"HS256\"])\n";
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/__init__.py", "");
    write(root, "app/deps.py", DEPS_PY);
    write(root, "app/exports.py", EXPORTS_PY);
    let jwt206 = |r: &serde_json::Value| {
        found(r)
            .into_iter()
            .filter(|f| f.2 == "JWT206")
            .map(|f| f.0)
            .collect::<Vec<_>>()
    };
    let cold = report(root);
    assert_eq!(jwt206(&cold), ["app/exports.py"], "{cold}");
    assert_eq!(report(root), cold);
    // The stronger site no longer checks the audience: the exports decode
    // is no weaker, and its cached finding must not be replayed.
    write(root, "app/deps.py", DEPS_PY.replace(", audience=\"api\"", ""));
    let edited = report(root);
    assert!(jwt206(&edited).is_empty(), "{edited}");
}
