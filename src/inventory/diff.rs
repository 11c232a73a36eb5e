//! `inventory --diff-base REF`: what changed in the auth layer since a ref.
//! Sites are matched by file, call and order of appearance in the file
//! (lines move; the third `jwt.decode` of a file stays the third), keys by
//! their source, transport by file, direction, carrier and name.

use std::collections::HashMap;
use std::fmt::Write;

use serde::Serialize;

use super::model::{Inventory, IssueSite, Key, Transport, VerifySite};
use super::text::{algorithms, claim_checks, claims, key_text, transport_what};

#[derive(Debug, Default, Serialize)]
pub struct Changes {
    pub version: u32,
    pub base: String,
    pub issue_sites: Section<IssueSite>,
    pub verify_sites: Section<VerifySite>,
    pub keys: Section<Key>,
    pub transport: Section<Transport>,
}

#[derive(Debug, Serialize)]
pub struct Section<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
    pub changed: Vec<Changed<T>>,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Section {
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Changed<T> {
    pub before: T,
    pub after: T,
    /// `lifetime: 15 minutes → 7 days`.
    pub changes: Vec<String>,
}

/// Rewrites the paths of an inventory made in a copy of the tree.
pub fn restore_paths(inventory: &mut Inventory, restore: &dyn Fn(&str) -> String) {
    let fix = |path: &mut String| *path = restore(path);
    for s in &mut inventory.issue_sites {
        fix(&mut s.place.path);
        s.findings.iter_mut().for_each(|f| fix(&mut f.path));
        if let Some(at) = &mut s.lifetime.chosen_at {
            fix(&mut at.path);
        }
    }
    for s in &mut inventory.verify_sites {
        fix(&mut s.place.path);
        s.findings.iter_mut().for_each(|f| fix(&mut f.path));
    }
    for k in &mut inventory.keys {
        if let Some(at) = &mut k.defined_at {
            fix(&mut at.path);
        }
        k.findings.iter_mut().for_each(|f| fix(&mut f.path));
    }
    for t in &mut inventory.transport {
        fix(&mut t.place.path);
        t.findings.iter_mut().for_each(|f| fix(&mut f.path));
    }
}

/// Entries of one kind matched across versions by `identity`; `describe`
/// lists what differs between two matched entries.
fn section<T: Clone>(
    before: &[T],
    after: &[T],
    identity: impl Fn(&T) -> String,
    describe: impl Fn(&T, &T) -> Vec<String>,
) -> Section<T> {
    let keyed = |items: &[T]| {
        let mut seen: HashMap<String, usize> = HashMap::new();
        items
            .iter()
            .map(|item| {
                let id = identity(item);
                let n = seen.entry(id.clone()).or_default();
                *n += 1;
                (format!("{id}#{n}"), item.clone())
            })
            .collect::<Vec<_>>()
    };
    let before = keyed(before);
    let after = keyed(after);
    let mut out = Section::default();
    for (id, item) in &after {
        match before.iter().find(|(b, _)| b == id) {
            None => out.added.push(item.clone()),
            Some((_, old)) => {
                let changes = describe(old, item);
                if !changes.is_empty() {
                    out.changed.push(Changed {
                        before: old.clone(),
                        after: item.clone(),
                        changes,
                    });
                }
            }
        }
    }
    for (id, item) in &before {
        if !after.iter().any(|(a, _)| a == id) {
            out.removed.push(item.clone());
        }
    }
    out
}

fn differs(out: &mut Vec<String>, what: &str, before: String, after: String) {
    if before != after {
        out.push(format!("{what}: {before} → {after}"));
    }
}

fn issue_changes(a: &IssueSite, b: &IssueSite) -> Vec<String> {
    let mut out = Vec::new();
    differs(
        &mut out,
        "algorithm",
        algorithms(&a.algorithms, a.algorithm_default),
        algorithms(&b.algorithms, b.algorithm_default),
    );
    differs(
        &mut out,
        "key",
        a.key_source.clone().unwrap_or_default(),
        b.key_source.clone().unwrap_or_default(),
    );
    differs(&mut out, "lifetime", a.lifetime.text.clone(), b.lifetime.text.clone());
    differs(&mut out, "claims", claims(a), claims(b));
    differs(&mut out, "token kind", a.token_kind.clone(), b.token_kind.clone());
    out
}

fn verify_changes(a: &VerifySite, b: &VerifySite) -> Vec<String> {
    let mut out = Vec::new();
    differs(
        &mut out,
        "algorithms",
        algorithms(&a.algorithms, a.algorithms_default),
        algorithms(&b.algorithms, b.algorithms_default),
    );
    differs(
        &mut out,
        "key",
        a.key_source.clone().unwrap_or_default(),
        b.key_source.clone().unwrap_or_default(),
    );
    differs(&mut out, "token", a.token_origin.clone(), b.token_origin.clone());
    differs(&mut out, "signature", a.signature.clone(), b.signature.clone());
    differs(&mut out, "claims", claim_checks(&a.claims), claim_checks(&b.claims));
    differs(
        &mut out,
        "audience",
        format!("{:?}", a.audience),
        format!("{:?}", b.audience),
    );
    differs(&mut out, "issuer", format!("{:?}", a.issuer), format!("{:?}", b.issuer));
    differs(
        &mut out,
        "leeway",
        format!("{:?}", a.leeway_seconds),
        format!("{:?}", b.leeway_seconds),
    );
    out
}

/// What changed from `before` (the tree at `base`) to `after`.
pub fn compare(before: &Inventory, after: &Inventory, base: &str) -> Changes {
    Changes {
        version: super::model::VERSION,
        base: base.to_string(),
        issue_sites: section(
            &before.issue_sites,
            &after.issue_sites,
            |s| format!("{} {}", s.place.path, s.call),
            issue_changes,
        ),
        verify_sites: section(
            &before.verify_sites,
            &after.verify_sites,
            |s| format!("{} {}", s.place.path, s.call),
            verify_changes,
        ),
        keys: section(&before.keys, &after.keys, |k| k.source.clone(), |_, _| Vec::new()),
        transport: section(
            &before.transport,
            &after.transport,
            |t| format!("{} {} {} {:?}", t.place.path, t.direction, t.carrier, t.name),
            |a, b| {
                let mut out = Vec::new();
                differs(&mut out, "transport", transport_what(a), transport_what(b));
                out
            },
        ),
    }
}

pub fn render_json(changes: &Changes) -> String {
    let mut text = serde_json::to_string_pretty(changes).expect("the changes serialise");
    text.push('\n');
    text
}

fn lines<T>(out: &mut String, title: &str, section: &Section<T>, name: impl Fn(&T) -> String, bullet: &str) {
    if section.added.is_empty() && section.removed.is_empty() && section.changed.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    for item in &section.added {
        let _ = writeln!(out, "{bullet}added {}", name(item));
    }
    for item in &section.removed {
        let _ = writeln!(out, "{bullet}removed {}", name(item));
    }
    for changed in &section.changed {
        let _ = writeln!(
            out,
            "{bullet}changed {}: {}",
            name(&changed.after),
            changed.changes.join("; ")
        );
    }
    out.push('\n');
}

fn render(changes: &Changes, (h1, h2): (&str, &str), bullet: &str) -> String {
    let mut out = format!("{h1}Auth-layer changes since {}\n\n", changes.base);
    let before = out.len();
    let site = |place: &super::model::Place, call: &str| format!("{place} {call}");
    lines(
        &mut out,
        &format!("{h2}Issue sites"),
        &changes.issue_sites,
        |s| {
            format!(
                "{} (key {}, lifetime {})",
                site(&s.place, &s.call),
                key_text(&s.key, &s.key_source),
                s.lifetime.text
            )
        },
        bullet,
    );
    lines(
        &mut out,
        &format!("{h2}Verify sites"),
        &changes.verify_sites,
        |s| {
            format!(
                "{} (algorithms {}, {})",
                site(&s.place, &s.call),
                algorithms(&s.algorithms, s.algorithms_default),
                claim_checks(&s.claims)
            )
        },
        bullet,
    );
    lines(
        &mut out,
        &format!("{h2}Keys"),
        &changes.keys,
        |k| k.source.clone(),
        bullet,
    );
    lines(
        &mut out,
        &format!("{h2}Transport"),
        &changes.transport,
        |t| format!("{} {}", t.place, transport_what(t)),
        bullet,
    );
    if out.len() == before {
        out.push_str("No change.\n");
    }
    out
}

pub fn render_text(changes: &Changes) -> String {
    render(changes, ("", ""), "  ")
}

pub fn render_markdown(changes: &Changes) -> String {
    render(changes, ("# ", "## "), "- ")
}
