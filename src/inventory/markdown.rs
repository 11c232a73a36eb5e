//! The inventory as a markdown document for a pull request or a security
//! review: a Mermaid diagram (issue sites → keys → verify sites), then a
//! table per section. Literal keys appear only redacted, and not at all in
//! the diagram.

use std::fmt::Write;

use super::model::{Inventory, IssueSite, Key, VerifySite};
use super::text::{algorithms, claim_checks, claims, findings, key_text, transport_what};

pub fn render(inventory: &Inventory) -> String {
    let mut out = String::from("# Token inventory\n\n");
    let s = &inventory.summary;
    let _ = writeln!(
        out,
        "{} issue sites, {} verify sites, {} keys, {} transport places; {} findings linked.\n",
        s.issue_sites, s.verify_sites, s.keys, s.transport, s.findings_linked
    );
    out.push_str(&diagram(inventory));
    issue_table(&mut out, &inventory.issue_sites);
    verify_table(&mut out, &inventory.verify_sites);
    key_table(&mut out, &inventory.keys);
    out.push_str("## Transport\n\n");
    if inventory.transport.is_empty() {
        out.push_str("None found.\n");
    } else {
        out.push_str("| where | what | findings |\n|---|---|---|\n");
        for entry in &inventory.transport {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                entry.place,
                cell(&transport_what(entry)),
                cell(&findings(&entry.findings))
            );
        }
    }
    out
}

/// A table cell: no line breaks, no column separators.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A Mermaid node label: quotes and the characters Mermaid reads as markup
/// are written as entities.
fn label(text: &str) -> String {
    text.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

fn node_id(id: &str) -> String {
    id.replace('-', "_")
}

/// `flowchart LR`: each issue site to its key, each key to its verify sites.
pub fn diagram(inventory: &Inventory) -> String {
    let mut out = String::from("```mermaid\nflowchart LR\n");
    for site in &inventory.issue_sites {
        let _ = writeln!(
            out,
            "  {}[\"{} {}<br/>{}\"]",
            node_id(&site.id),
            site.id,
            label(&site.call),
            label(&site.place.to_string())
        );
    }
    for key in &inventory.keys {
        let name = key.names.first().map(|n| format!(" {n}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}((\"{}: {}{}\"))",
            node_id(&key.id),
            key.id,
            key.origin,
            label(&name)
        );
    }
    for site in &inventory.verify_sites {
        let _ = writeln!(
            out,
            "  {}[\"{} {}<br/>{}\"]",
            node_id(&site.id),
            site.id,
            label(&site.call),
            label(&site.place.to_string())
        );
    }
    for key in &inventory.keys {
        for issue in &key.issue_sites {
            let _ = writeln!(out, "  {} --> {}", node_id(issue), node_id(&key.id));
        }
        for verify in &key.verify_sites {
            let _ = writeln!(out, "  {} --> {}", node_id(&key.id), node_id(verify));
        }
    }
    out.push_str("```\n\n");
    out
}

fn issue_table(out: &mut String, sites: &[IssueSite]) {
    out.push_str("## Issue sites\n\n");
    if sites.is_empty() {
        out.push_str("None found.\n\n");
        return;
    }
    out.push_str("| id | where | call | algorithm | key | lifetime | claims | kind | findings |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for s in sites {
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} | {} | {} | {} | {} | {} |",
            s.id,
            s.place,
            s.call,
            cell(&algorithms(&s.algorithms, s.algorithm_default)),
            cell(&key_text(&s.key, &s.key_source)),
            cell(&s.lifetime.text),
            cell(&claims(s)),
            s.token_kind,
            cell(&findings(&s.findings))
        );
    }
    out.push('\n');
}

fn verify_table(out: &mut String, sites: &[VerifySite]) {
    out.push_str("## Verify sites\n\n");
    if sites.is_empty() {
        out.push_str("None found.\n\n");
        return;
    }
    out.push_str("| id | where | call | algorithms | key | token | signature | claims | leeway | findings |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for s in sites {
        let leeway = s.leeway_seconds.map_or("unknown".to_string(), |l| format!("{l} s"));
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            s.id,
            s.place,
            s.call,
            cell(&algorithms(&s.algorithms, s.algorithms_default)),
            cell(&key_text(&s.key, &s.key_source)),
            s.token_origin,
            s.signature,
            cell(&claim_checks(&s.claims)),
            leeway,
            cell(&findings(&s.findings))
        );
    }
    out.push('\n');
}

fn key_table(out: &mut String, keys: &[Key]) {
    out.push_str("## Keys\n\n");
    if keys.is_empty() {
        out.push_str("None found.\n\n");
        return;
    }
    out.push_str("| id | source | names | issues | verifies | findings |\n|---|---|---|---|---|---|\n");
    for k in keys {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            k.id,
            cell(&k.source),
            cell(&k.names.join(", ")),
            k.issue_sites.join(", "),
            k.verify_sites.join(", "),
            cell(&findings(&k.findings))
        );
    }
    out.push('\n');
}
