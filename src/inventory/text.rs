//! The inventory for people: sections for issue sites, verify sites, keys
//! and transport, one block per entry. Keys are shown only as their
//! redacted source.

use std::fmt::Write;

use super::model::{Check, ClaimChecks, FindingLink, Inventory, IssueSite, Key, Transport, VerifySite};
use super::tri;

pub fn render(inventory: &Inventory) -> String {
    let mut out = String::new();
    section(&mut out, "Issue sites", &inventory.issue_sites, issue);
    section(&mut out, "Verify sites", &inventory.verify_sites, verify);
    section(&mut out, "Keys", &inventory.keys, key);
    section(&mut out, "Transport", &inventory.transport, transport);
    let s = &inventory.summary;
    let _ = writeln!(
        out,
        "{} issue sites, {} verify sites, {} keys, {} transport places; {} findings linked",
        s.issue_sites, s.verify_sites, s.keys, s.transport, s.findings_linked
    );
    out
}

fn section<T>(out: &mut String, title: &str, items: &[T], render: fn(&mut String, &T)) {
    let _ = writeln!(out, "{title} ({})", items.len());
    if items.is_empty() {
        out.push_str("  none found\n");
    }
    for item in items {
        render(out, item);
    }
    out.push('\n');
}

fn field(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "    {name:<12}{value}");
}

pub(super) fn algorithms(list: &Option<Vec<String>>, default: bool) -> String {
    match list {
        None => "unknown".to_string(),
        Some(_) if default && list.as_ref().is_some_and(Vec::is_empty) => "none given (library default)".to_string(),
        Some(names) if default => format!("{} (library default)", names.join(", ")),
        Some(names) => names.join(", "),
    }
}

pub(super) fn key_text(id: &Option<String>, source: &Option<String>) -> String {
    match (id, source) {
        (Some(id), Some(source)) => format!("{id}: {source}"),
        (None, Some(source)) => source.clone(),
        _ => "unknown".to_string(),
    }
}

pub(super) fn findings(links: &[FindingLink]) -> String {
    if links.is_empty() {
        return "none".to_string();
    }
    links
        .iter()
        .map(|f| format!("{} (line {})", f.rule, f.line))
        .collect::<Vec<_>>()
        .join(", ")
}

fn issue(out: &mut String, site: &IssueSite) {
    let _ = writeln!(out, "  {}  {}  {} ({})", site.id, site.place, site.call, site.library);
    field(out, "algorithm", &algorithms(&site.algorithms, site.algorithm_default));
    field(out, "key", &key_text(&site.key, &site.key_source));
    let chosen = site
        .lifetime
        .chosen_at
        .as_ref()
        .map(|p| format!(" (chosen at {p})"))
        .unwrap_or_default();
    field(out, "lifetime", &format!("{}{chosen}", site.lifetime.text));
    field(out, "claims", &claims(site));
    field(out, "token kind", &site.token_kind);
    field(out, "findings", &findings(&site.findings));
}

pub(super) fn claims(site: &IssueSite) -> String {
    match &site.claims {
        None => "unknown".to_string(),
        Some(claims) if claims.is_empty() => "none".to_string(),
        Some(claims) => claims
            .iter()
            .map(|c| match &c.sensitive {
                Some(kind) => format!("{} ({kind}!)", c.name),
                None => c.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `verified exp, nbf; required exp; unknown aud`: the claims in each state.
pub(super) fn claim_checks(claims: &ClaimChecks) -> String {
    let all: [(&str, &Check); 5] = [
        ("exp", &claims.exp),
        ("nbf", &claims.nbf),
        ("iat", &claims.iat),
        ("aud", &claims.aud),
        ("iss", &claims.iss),
    ];
    let list = |pick: &dyn Fn(&Check) -> bool| {
        let names: Vec<&str> = all.iter().filter(|(_, c)| pick(c)).map(|(n, _)| *n).collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    let mut out = format!(
        "verified {}; required {}",
        list(&|c| c.verified == Some(true)),
        list(&|c| c.required == Some(true))
    );
    let unknown = list(&|c| c.verified.is_none() || c.required.is_none());
    if unknown != "none" {
        out.push_str(&format!("; unknown {unknown}"));
    }
    out
}

fn verify(out: &mut String, site: &VerifySite) {
    let _ = writeln!(out, "  {}  {}  {} ({})", site.id, site.place, site.call, site.library);
    field(
        out,
        "algorithms",
        &algorithms(&site.algorithms, site.algorithms_default),
    );
    field(out, "key", &key_text(&site.key, &site.key_source));
    field(out, "token", &site.token_origin);
    field(out, "signature", &site.signature);
    field(out, "claims", &claim_checks(&site.claims));
    if let Some(audience) = &site.audience {
        field(out, "audience", audience);
    }
    if let Some(issuer) = &site.issuer {
        field(out, "issuer", issuer);
    }
    let leeway = site.leeway_seconds.map_or("unknown".to_string(), |s| format!("{s} s"));
    field(out, "leeway", &leeway);
    let flows = if site.flows.is_empty() {
        "unknown".to_string()
    } else {
        site.flows.join("; ")
    };
    field(out, "result", &flows);
    field(out, "findings", &findings(&site.findings));
}

fn key(out: &mut String, key: &Key) {
    let _ = writeln!(out, "  {}  {}", key.id, key.source);
    if let Some(at) = &key.defined_at {
        field(out, "defined at", &at.to_string());
    }
    if !key.also_defined_at.is_empty() {
        let places: Vec<String> = key.also_defined_at.iter().map(ToString::to_string).collect();
        field(out, "also at", &places.join(", "));
    }
    if !key.names.is_empty() {
        field(out, "names", &key.names.join(", "));
    }
    if let Some(size) = key.size_bytes {
        field(out, "size", &format!("{size} bytes"));
    }
    let sites = |ids: &[String]| {
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.join(", ")
        }
    };
    field(out, "issues", &sites(&key.issue_sites));
    field(out, "verifies", &sites(&key.verify_sites));
    field(out, "findings", &findings(&key.findings));
}

pub(super) fn transport_what(entry: &Transport) -> String {
    let mut what = format!("{} {}", entry.direction, entry.carrier);
    if let Some(name) = &entry.name {
        let _ = write!(what, " `{name}`");
    }
    if let Some(flags) = &entry.cookie_flags {
        let _ = write!(
            what,
            " (httponly {}, secure {}, samesite {})",
            tri(flags.httponly),
            tri(flags.secure),
            flags.samesite.as_deref().unwrap_or("not set")
        );
    }
    what
}

fn transport(out: &mut String, entry: &Transport) {
    let _ = writeln!(out, "  {}  {}", entry.place, transport_what(entry));
    if !entry.findings.is_empty() {
        field(out, "findings", &findings(&entry.findings));
    }
}
