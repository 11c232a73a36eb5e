//! One mistake, one finding. A hard-coded key is reported where it is
//! written (SEC303) and again wherever it is used as a key (SEC301); a
//! personal-data claim at the claims struct's field and again where the
//! struct is encoded (JWT205). The fix is one edit, so the run reports one
//! finding, at the place to fix, with the other places as related locations
//! ("used as a JWT key at …") and in its message.
//!
//! A decode that verifies no signature (JWT105) checks no claim either: a
//! claim check turned off on the same call (JWT201) is part of that mistake,
//! and goes with it.
//!
//! Findings share a mistake when they share a [`CauseKind`]: the same
//! secret literal (any rules: every finding about it is fixed by removing
//! it), the same field of the same claims struct, or the place one finding
//! points at and others resolved their value to (the same rule only: a key
//! file compiled in, reported at the constant and again at its use). The
//! finding that points at the cause keeps its place, its fingerprint and
//! its rule; for a literal or a struct field no finding points at, the
//! first of the same rule does. Findings are only merged within one class
//! of code (a test using an app's key is not the app's finding), and when
//! two findings point at a cause that is ambiguous (two structs of one
//! name), nothing is merged.

use std::collections::BTreeMap;

use crate::analysis::project::ModuleId;
use crate::analysis::resolve::Resolver;
use crate::model::ValueKind;
use crate::report::outcome::{Cause, CauseKind, Finding, Related, RunOutcome};
use crate::rules::engine::RawFinding;

/// How many places a merged finding's message lists before "and N more".
const LISTED_PLACES: usize = 3;

/// (rule, rule it subsumes on the same call): the second's finding is part
/// of the first's mistake, fixed with it.
const SUBSUMES_ON_ONE_CALL: &[(&str, &str)] = &[("JWT105", "JWT201")];

/// Merges the findings of `outcome` that report one mistake. Findings are
/// placed and fingerprinted; the files stay sorted.
pub fn one_finding_per_mistake(outcome: &mut RunOutcome) {
    // (file, finding) of every finding with a cause, grouped by it.
    let mut groups: BTreeMap<&CauseKind, Vec<(usize, usize)>> = BTreeMap::new();
    for (f, file) in outcome.files.iter().enumerate() {
        for (i, finding) in file.findings.iter().enumerate() {
            if let Some(cause) = &finding.cause {
                groups.entry(&cause.kind).or_default().push((f, i));
            }
        }
    }
    let mut merges: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
    for (kind, members) in groups {
        if members.len() < 2 {
            continue;
        }
        let finding = |(f, i): (usize, usize)| &outcome.files[f].findings[i];
        let here = |m: (usize, usize)| finding(m).cause.as_ref().is_some_and(|c| c.here);
        // A literal is one mistake whichever rules found it; a struct field
        // or a place, for the rule that found it there.
        let any_rule = matches!(kind, CauseKind::Literal { .. });
        let same_mistake = |a: (usize, usize), b: (usize, usize)| {
            let (a, b) = (finding(a), finding(b));
            a.class == b.class && (any_rule || a.code == b.code)
        };
        let at_cause: Vec<(usize, usize)> = members.iter().copied().filter(|&m| here(m)).collect();
        if at_cause.is_empty() {
            // No finding at the cause: for a literal or a struct field the
            // first finding of each rule stands for the others. A place
            // nobody reported (a token logged twice) is two mistakes.
            if matches!(kind, CauseKind::At { .. }) {
                continue;
            }
            let mut keepers: Vec<(usize, usize)> = Vec::new();
            for &m in &members {
                match keepers
                    .iter()
                    .find(|&&k| finding(k).code == finding(m).code && same_mistake(k, m))
                {
                    Some(&keeper) => merges.entry(keeper).or_default().push(m),
                    None => keepers.push(m),
                }
            }
            continue;
        }
        for &m in members.iter().filter(|&&m| !here(m)) {
            // The place to fix: the one finding at the cause this one is
            // the same mistake as; two (two structs of one name) is not known.
            let candidates: Vec<(usize, usize)> = at_cause.iter().copied().filter(|&k| same_mistake(k, m)).collect();
            if let [keeper] = candidates.as_slice() {
                merges.entry(*keeper).or_default().push(m);
            }
        }
    }
    // Findings a finding on the same call subsumes.
    let mut absorbed: std::collections::BTreeSet<(usize, usize)> = merges.values().flatten().copied().collect();
    for (f, file) in outcome.files.iter().enumerate() {
        for (i, finding) in file.findings.iter().enumerate() {
            let Some(call) = finding.call else { continue };
            if absorbed.contains(&(f, i)) {
                continue;
            }
            for (j, other) in file.findings.iter().enumerate() {
                let subsumed = SUBSUMES_ON_ONE_CALL
                    .iter()
                    .any(|(rule, sub)| finding.code == *rule && other.code == *sub);
                let free = !absorbed.contains(&(f, j)) && !merges.contains_key(&(f, j));
                if subsumed && free && other.call == Some(call) && other.class == finding.class {
                    merges.entry((f, i)).or_default().push((f, j));
                    absorbed.insert((f, j));
                }
            }
        }
    }
    if merges.is_empty() {
        return;
    }
    let mut removed: Vec<(usize, usize)> = Vec::new();
    for (keeper, absorbed) in &merges {
        let others: Vec<Finding> = absorbed
            .iter()
            .map(|&(f, i)| outcome.files[f].findings[i].clone())
            .collect();
        absorb(&mut outcome.files[keeper.0].findings[keeper.1], &others);
        removed.extend(absorbed.iter().copied());
    }
    removed.sort_unstable();
    for &(f, i) in removed.iter().rev() {
        outcome.files[f].findings.remove(i);
    }
}

/// What a finding's mistake is made of, when other findings may report it
/// too (see `merge.rs`): the secret literal a secret rule found (where it
/// is written, or where it is used), or the claims-struct field a finding
/// points at, or resolved its value to in a struct literal.
pub(super) fn cause_of(raw: &RawFinding, secret_rule: bool, module: ModuleId, resolver: &Resolver) -> Option<Cause> {
    if secret_rule && let Some(&(literal_module, span)) = raw.secret_spans.first() {
        return Some(Cause {
            kind: CauseKind::Literal {
                path: resolver.entry(literal_module).path.clone(),
                span,
            },
            here: literal_module == module && span == raw.primary,
        });
    }
    // At a field of a struct definition: the place to fix.
    let entry = resolver.entry(module);
    for def in &entry.module.structs {
        if let ValueKind::Dict { entries, .. } = &def.shape.kind
            && entries.iter().any(|(key, _)| key.span == raw.primary)
        {
            let field = entry.source.get(raw.primary.start..raw.primary.end)?;
            return Some(Cause {
                kind: CauseKind::StructField {
                    name: def.name.clone(),
                    field: field.to_string(),
                },
                here: true,
            });
        }
    }
    // Resolved to a field of a struct literal (`Claims { email, .. }`).
    for related in raw.related.iter().take(1) {
        let other = resolver.entry(related.module);
        let Some(setting) = other.module.settings.iter().find(|s| s.name_span == related.span) else {
            continue;
        };
        let Some(container) = &setting.container_value else {
            continue;
        };
        let struct_name = match &container.kind {
            ValueKind::Name(name) => name.clone(),
            ValueKind::Path(segments) => segments.last()?.clone(),
            _ => continue,
        };
        return Some(Cause {
            kind: CauseKind::StructField {
                name: struct_name,
                field: setting.name.clone(),
            },
            here: false,
        });
    }
    // Otherwise the value it resolved to, or its own place.
    Some(match raw.related.first() {
        Some(definition) => Cause {
            kind: CauseKind::At {
                path: resolver.entry(definition.module).path.clone(),
                span: definition.span,
            },
            here: false,
        },
        None => Cause {
            kind: CauseKind::At {
                path: entry.path.clone(),
                span: raw.primary,
            },
            here: true,
        },
    })
}

/// Folds `others` into `kept`: each becomes a related location labelled
/// with what it does there, its severity counts, and the message says where.
fn absorb(kept: &mut Finding, others: &[Finding]) {
    // Per phrase, per file (the kept finding's own first): the lines.
    let mut by_phrase: BTreeMap<&'static str, BTreeMap<(bool, &str), Vec<String>>> = BTreeMap::new();
    for other in others {
        let phrase = what_it_does(&other.code);
        kept.related.push(Related {
            path: other.path.clone(),
            span: other.primary,
            line: other.line,
            column: other.column,
            end_line: other.end_line,
            end_column: other.end_column,
            label: format!("{phrase} here"),
            rule: Some(other.code.clone()),
        });
        let own_file = other.path == kept.path;
        by_phrase
            .entry(phrase)
            .or_default()
            .entry((!own_file, other.path.as_str()))
            .or_default()
            .push(other.line.to_string());
        kept.severity = kept.severity.max(other.severity);
    }
    let mut suffix = String::new();
    for (phrase, files) in by_phrase {
        // "on lines 15 and 19", "at app/deps.py:5", "at app/deps.py lines 5 and 8".
        let places: Vec<String> = files
            .into_iter()
            .map(|((elsewhere, path), lines)| {
                let word = if lines.len() == 1 { "line" } else { "lines" };
                match (elsewhere, lines.as_slice()) {
                    (false, _) => format!("on {word} {}", list_places(&lines)),
                    (true, [line]) => format!("at {path}:{line}"),
                    (true, _) => format!("at {path} lines {}", list_places(&lines)),
                }
            })
            .collect();
        suffix.push_str(&format!("; {phrase} {}", places.join(" and ")));
    }
    kept.message.push_str(&suffix);
}

/// What a merged finding's place does with the cause, by the rule that
/// found it there.
fn what_it_does(code: &str) -> &'static str {
    match code {
        "SEC301" => "used as a JWT key",
        "SEC302" => "the fallback of a secret",
        "SEC303" => "assigned to a secret setting",
        "SEC305" => "used as a key",
        "JWT205" => "put in a token",
        "JWT201" => "also turns off a claim check",
        _ => "reported again",
    }
}

/// "15", "15 and 19", "a.py:3, b.py:4, c.py:5 and 2 more".
fn list_places(places: &[String]) -> String {
    let shown = &places[..places.len().min(LISTED_PLACES)];
    let rest = places.len() - shown.len();
    match (shown, rest) {
        ([one], 0) => one.clone(),
        (_, 0) => format!("{} and {}", shown[..shown.len() - 1].join(", "), shown[shown.len() - 1]),
        (_, n) => format!("{} and {n} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CodeClass, Span};
    use crate::report::outcome::{Cause, FileOutcome};
    use crate::rules::Severity;

    fn finding(path: &str, line: usize, code: &str, cause: Option<(CauseKind, bool)>) -> Finding {
        Finding {
            severity: Severity::Warning,
            column: 5,
            end_column: 9,
            message: format!("{code} message"),
            fingerprint: format!("{code}:{line}"),
            cause: cause.map(|(kind, here)| Cause { kind, here }),
            ..Finding::for_test(code, path, line, Span::new(line * 10, line * 10 + 4))
        }
    }

    fn run(files: Vec<(&str, Vec<Finding>)>) -> RunOutcome {
        let mut outcome = RunOutcome::empty();
        outcome.files = files
            .into_iter()
            .map(|(path, findings)| FileOutcome {
                findings,
                ..FileOutcome::new(path)
            })
            .collect();
        one_finding_per_mistake(&mut outcome);
        outcome
    }

    fn literal() -> CauseKind {
        CauseKind::Literal {
            path: "config.py".into(),
            span: Span::new(30, 34),
        }
    }

    #[test]
    fn a_literal_is_reported_where_it_is_written_with_its_uses_related() {
        let mut defined = finding("config.py", 3, "SEC303", Some((literal(), true)));
        defined.severity = Severity::Warning;
        let mut used = finding("api.py", 7, "SEC301", Some((literal(), false)));
        used.severity = Severity::Error;
        let outcome = run(vec![
            (
                "api.py",
                vec![used, finding("api.py", 9, "SEC301", Some((literal(), false)))],
            ),
            ("config.py", vec![defined]),
        ]);
        let all: Vec<&Finding> = outcome.findings().collect();
        assert_eq!(all.len(), 1);
        let kept = all[0];
        assert_eq!((kept.code.as_str(), kept.fingerprint.as_str()), ("SEC303", "SEC303:3"));
        assert_eq!(kept.severity, Severity::Error, "the worst of the merged severities");
        assert_eq!(
            kept.message,
            "SEC303 message; used as a JWT key at api.py lines 7 and 9"
        );
        let rules: Vec<Option<&str>> = kept.related.iter().map(|r| r.rule.as_deref()).collect();
        assert_eq!(rules, [Some("SEC301"), Some("SEC301")]);
        assert_eq!(kept.related[0].label, "used as a JWT key here");
    }

    #[test]
    fn without_a_finding_at_the_cause_the_first_of_a_rule_stands_for_the_others() {
        let uses: Vec<Finding> = (1..=6)
            .map(|line| finding("api.py", line, "SEC301", Some((literal(), false))))
            .collect();
        let outcome = run(vec![("api.py", uses)]);
        let all: Vec<&Finding> = outcome.findings().collect();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].line, 1);
        assert!(
            all[0]
                .message
                .ends_with("used as a JWT key on lines 2, 3, 4 and 2 more"),
            "{}",
            all[0].message
        );
    }

    #[test]
    fn a_place_is_one_mistake_only_when_a_finding_points_at_it() {
        let at = |line: usize| CauseKind::At {
            path: "auth.rs".into(),
            span: Span::new(line * 10, line * 10 + 4),
        };
        // A key file constant (reported there) used twice: one finding.
        let outcome = run(vec![(
            "auth.rs",
            vec![
                finding("auth.rs", 9, "SEC305", Some((at(9), true))),
                finding("auth.rs", 57, "SEC305", Some((at(9), false))),
                finding("auth.rs", 60, "SEC301", Some((at(9), false))),
            ],
        )]);
        let found: Vec<(usize, &str)> = outcome.findings().map(|f| (f.line, f.code.as_str())).collect();
        assert_eq!(found, [(9, "SEC305"), (60, "SEC301")]);
        // A token logged twice: nothing reports the value itself, two findings.
        let logged = run(vec![(
            "main.rs",
            vec![
                finding("main.rs", 3, "TOK403", Some((at(1), false))),
                finding("main.rs", 4, "TOK403", Some((at(1), false))),
            ],
        )]);
        assert_eq!(logged.findings().count(), 2);
    }

    #[test]
    fn a_decode_that_verifies_nothing_is_one_finding_with_its_claim_checks() {
        let call = Some(Span::new(100, 180));
        let mut unverified = finding("h.py", 21, "JWT105", None);
        unverified.call = call;
        let mut no_exp = finding("h.py", 21, "JWT201", None);
        no_exp.call = call;
        let mut elsewhere = finding("h.py", 30, "JWT201", None);
        elsewhere.call = Some(Span::new(300, 340));
        let outcome = run(vec![("h.py", vec![unverified, no_exp, elsewhere])]);
        let found: Vec<(usize, &str)> = outcome.findings().map(|f| (f.line, f.code.as_str())).collect();
        assert_eq!(found, [(21, "JWT105"), (30, "JWT201")]);
        assert!(
            outcome
                .findings()
                .next()
                .unwrap()
                .message
                .ends_with("; also turns off a claim check on line 21")
        );
    }

    #[test]
    fn separate_fixes_stay_separate_findings() {
        let field = |name: &str| CauseKind::StructField {
            name: name.into(),
            field: "email".into(),
        };
        // Another rule on the same struct field, another class, another struct.
        let mut in_test = finding("tests/t.rs", 4, "JWT205", Some((field("Claims"), false)));
        in_test.class = CodeClass::Test;
        let outcome = run(vec![
            (
                "auth.rs",
                vec![
                    finding("auth.rs", 2, "JWT205", Some((field("Claims"), true))),
                    finding("auth.rs", 8, "JWT204", Some((field("Claims"), false))),
                    finding("auth.rs", 9, "JWT205", Some((field("Claims"), false))),
                    finding("auth.rs", 12, "JWT205", Some((field("Other"), false))),
                    finding("auth.rs", 14, "SEC301", None),
                ],
            ),
            ("tests/t.rs", vec![in_test]),
        ]);
        let lines: Vec<(usize, &str)> = outcome.findings().map(|f| (f.line, f.code.as_str())).collect();
        assert_eq!(
            lines,
            [
                (2, "JWT205"),
                (8, "JWT204"),
                (12, "JWT205"),
                (14, "SEC301"),
                (4, "JWT205")
            ]
        );
        assert!(
            outcome
                .findings()
                .next()
                .unwrap()
                .message
                .ends_with("; put in a token on line 9")
        );
        // Two struct fields claiming one cause: nothing is merged.
        let ambiguous = run(vec![(
            "a.rs",
            vec![
                finding("a.rs", 1, "JWT205", Some((field("Claims"), true))),
                finding("a.rs", 5, "JWT205", Some((field("Claims"), true))),
                finding("a.rs", 9, "JWT205", Some((field("Claims"), false))),
            ],
        )]);
        assert_eq!(ambiguous.findings().count(), 3);
    }
}
