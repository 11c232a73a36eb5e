//! The inventory as a markdown document for a pull request or a security
//! review: a Mermaid diagram (issue sites → keys → verify sites), then a
//! table per section. Literal keys appear only redacted, and not at all in
//! the diagram.

use std::fmt::Write;

use super::model::{Inventory, IssueSite, Key, Transport, VerifySite};
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
    transport_table(&mut out, &inventory.transport);
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

/// A section with its table: `header` names the columns, each row one entry.
fn table(out: &mut String, title: &str, header: &[&str], rows: Vec<Vec<String>>) {
    let _ = writeln!(out, "## {title}\n");
    if rows.is_empty() {
        out.push_str("None found.\n\n");
        return;
    }
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn issue_table(out: &mut String, sites: &[IssueSite]) {
    let rows = sites
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                format!("`{}`", s.place),
                format!("`{}`", s.call),
                algorithms(&s.algorithms, s.algorithm_default),
                key_text(&s.key, &s.key_source),
                s.lifetime.text.clone(),
                claims(s),
                s.token_kind.clone(),
                findings(&s.findings),
            ]
        })
        .collect();
    let header = [
        "id",
        "where",
        "call",
        "algorithm",
        "key",
        "lifetime",
        "claims",
        "kind",
        "findings",
    ];
    table(out, "Issue sites", &header, rows);
}

fn verify_table(out: &mut String, sites: &[VerifySite]) {
    let rows = sites
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                format!("`{}`", s.place),
                format!("`{}`", s.call),
                algorithms(&s.algorithms, s.algorithms_default),
                key_text(&s.key, &s.key_source),
                s.token_origin.clone(),
                s.signature.clone(),
                claim_checks(&s.claims),
                s.leeway_seconds.map_or("unknown".to_string(), |l| format!("{l} s")),
                findings(&s.findings),
            ]
        })
        .collect();
    let header = [
        "id",
        "where",
        "call",
        "algorithms",
        "key",
        "token",
        "signature",
        "claims",
        "leeway",
        "findings",
    ];
    table(out, "Verify sites", &header, rows);
}

fn key_table(out: &mut String, keys: &[Key]) {
    let rows = keys
        .iter()
        .map(|k| {
            vec![
                k.id.clone(),
                k.source.clone(),
                k.names.join(", "),
                k.issue_sites.join(", "),
                k.verify_sites.join(", "),
                findings(&k.findings),
            ]
        })
        .collect();
    table(
        out,
        "Keys",
        &["id", "source", "names", "issues", "verifies", "findings"],
        rows,
    );
}

fn transport_table(out: &mut String, entries: &[Transport]) {
    let rows = entries
        .iter()
        .map(|t| vec![format!("`{}`", t.place), transport_what(t), findings(&t.findings)])
        .collect();
    table(out, "Transport", &["where", "what", "findings"], rows);
}
