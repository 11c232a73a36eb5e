//! The baseline: today's findings recorded in a file, so a legacy codebase
//! can adopt the gate and be held to "no new findings".
//!
//! A finding is matched by its rule, its path and its fingerprint (the same
//! one SARIF's `partialFingerprints` carries: see `fingerprint.rs`), never by
//! its line, so unrelated edits above it do not make it new. The file holds
//! no source text and no secret: only codes, paths, fingerprints and the
//! (already redacted) message.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BaselineEntry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    /// For people reading the file; not used to match.
    pub message: String,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    pub fn new(mut findings: Vec<BaselineEntry>) -> Self {
        findings.sort();
        Baseline { version: 1, findings }
    }

    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("{} is not an authlint baseline: {e}", path.display()))?;
        if baseline.version != 1 {
            return Err(format!(
                "{} is a version {} baseline; this authlint reads version 1",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))
    }

    /// A matcher that takes each recorded finding at most once.
    pub fn matcher(&self) -> BaselineMatcher {
        let mut remaining: HashMap<(String, String, String), usize> = HashMap::new();
        for entry in &self.findings {
            *remaining
                .entry((entry.rule.clone(), entry.path.clone(), entry.fingerprint.clone()))
                .or_default() += 1;
        }
        BaselineMatcher { remaining }
    }
}

pub struct BaselineMatcher {
    remaining: HashMap<(String, String, String), usize>,
}

impl BaselineMatcher {
    /// Whether the baseline records this finding (and uses that record up).
    pub fn take(&mut self, rule: &str, path: &str, fingerprint: &str) -> bool {
        let key = (rule.to_string(), path.to_string(), fingerprint.to_string());
        match self.remaining.get_mut(&key) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule: &str, fingerprint: &str) -> BaselineEntry {
        BaselineEntry {
            rule: rule.into(),
            path: "app.py".into(),
            fingerprint: fingerprint.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn each_record_matches_once() {
        let baseline = Baseline::new(vec![entry("JWT101", "ab:1"), entry("JWT101", "ab:1")]);
        let mut matcher = baseline.matcher();
        assert!(matcher.take("JWT101", "app.py", "ab:1"));
        assert!(matcher.take("JWT101", "app.py", "ab:1"));
        assert!(!matcher.take("JWT101", "app.py", "ab:1"));
        assert!(!matcher.take("SEC301", "app.py", "ab:1"));
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        Baseline::new(vec![entry("JWT101", "ab:1")]).write(&path).unwrap();
        let read = Baseline::read(&path).unwrap();
        assert_eq!(read.findings, [entry("JWT101", "ab:1")]);
        std::fs::write(&path, "{\"version\": 2, \"findings\": []}").unwrap();
        assert!(Baseline::read(&path).unwrap_err().contains("version 2"));
    }
}
