//! Verify sites that accept tokens from one key or issuer but disagree on
//! what they check (JWT206): the project's verify sites, indexed once per
//! run, and for one site the other that checks strictly more.
//!
//! Two sites are compared when they use the same key (by [`KeyFacts::group`])
//! or expect the same issuer, are in the same class of code (a test's
//! decode says nothing about the app's), and both verify the signature. A
//! site is weaker than another when it is weaker on at least one of these
//! and stronger on none, each judged only when both sides are known:
//!
//! - its algorithm allowlist holds algorithms the other's does not;
//! - it does not check `aud` (or `iss`) where the other does, unless the
//!   token is someone else's (JWT202 already asks for both there);
//! - it tolerates more than a minute more clock skew.

use std::path::Path;

use crate::analysis::project::ModuleId;
use crate::analysis::provenance::TokenNames;
use crate::analysis::provenance::signing::{TokenOrigin, verified_token_origin};
use crate::analysis::resolve::{Loc, Resolver};
use crate::frontend::classify::classify;
use crate::frontend::source::LineIndex;
use crate::model::{CodeClass, Language, Span};

use super::verify::{Signature, VerifyFacts};
use super::{SiteKind, site_call, verify_facts};

/// Extra clock skew that makes a site weaker: more than this many seconds.
const LEEWAY_MARGIN: i128 = 60;

/// Above this much leeway JWT201 reports the site (its default maximum).
const LEEWAY_REPORTED: i128 = 300;

/// One verify site of the project, as JWT206 compares it.
#[derive(Clone, Debug)]
pub struct IndexedSite {
    pub module: ModuleId,
    pub call: Span,
    /// The function it is in, for messages (`get_current_user`).
    pub function: Option<String>,
    /// `app/api/deps.py:16`.
    pub place: String,
    class: CodeClass,
    groups: Vec<String>,
    checks_aud: Option<bool>,
    checks_iss: Option<bool>,
    checks_exp: Option<bool>,
    checks_nbf: Option<bool>,
    leeway: Option<i128>,
    /// JWT202 already asks this site for `aud` and `iss`: someone else's
    /// token, or the project's own signed beside one-time link tokens.
    claims_reported: bool,
}

/// Every verify site of the checked modules (see the module documentation).
#[derive(Debug, Default)]
pub struct VerifyIndex {
    sites: Vec<IndexedSite>,
}

/// The project's verify index, built on first use from every checked
/// module that may verify a token ([`may_verify`]), in parallel.
pub fn verify_index<'p>(resolver: &Resolver<'p>, names: &dyn TokenNames) -> &'p VerifyIndex {
    let project = resolver.project();
    project.verify_index(|| {
        let candidates: Vec<ModuleId> = project.verify_candidates().collect();
        let sites = project.read_each(&candidates, |id, module| {
            let resolver = Resolver::checking(project, id, module);
            (0..module.module.calls.len())
                .filter_map(|call_id| indexed_site(&resolver, id, call_id, names))
                .collect::<Vec<_>>()
        });
        VerifyIndex {
            sites: sites.into_iter().flat_map(|(_, sites)| sites).collect(),
        }
    })
}

/// Whether a file's text may hold a verify site: a cheap test the first
/// pass runs on every file, so the index lowers only these. Every call
/// [`crate::analysis::provenance::DECODE_CALLS_VERIFYING`] names is a `decode` of a module whose name
/// the file has to write to import it (a re-export under another name is
/// missed: JWT206 then compares fewer sites, it never reports a wrong one).
pub fn may_verify(language: Language, source: &str) -> bool {
    let has = |word: &str| source.contains(word);
    has("decode")
        && match language {
            Language::Python => has("jwt") || has("jose"),
            Language::Rust => has("jsonwebtoken") || has("jwt") || has("DecodingKey") || has("Validation"),
        }
}

fn indexed_site(resolver: &Resolver, module: ModuleId, call_id: usize, names: &dyn TokenNames) -> Option<IndexedSite> {
    let m = resolver.module(module);
    let call = &m.calls[call_id];
    if m.test_regions.iter().any(|r| r.contains(call.span.start)) {
        return None;
    }
    let loc = Loc::new(module, call.scope);
    let site = site_call(resolver, call, loc).filter(|s| s.kind == SiteKind::Verify)?;
    let facts: VerifyFacts = verify_facts(resolver, &site, call, call_id, loc);
    if facts.signature != Signature::Verified {
        return None;
    }
    let mut groups: Vec<String> = facts.key.as_ref().and_then(|k| k.group()).into_iter().collect();
    if let Some(issuer) = &facts.issuer {
        groups.push(format!("iss:{issuer}"));
    }
    if groups.is_empty() {
        return None;
    }
    let origin = verified_token_origin(resolver, call, loc, names);
    // A check an option turns off is JWT201's finding, not a difference.
    let checked = |claim: &str| {
        let turned_off = facts.turned_off.contains(&claim);
        (!turned_off).then(|| facts.claim(claim).verified).flatten()
    };
    let entry = resolver.entry(module);
    let (line, _) = LineIndex::new(&entry.source).line_col(&entry.source, call.span.start);
    Some(IndexedSite {
        module,
        call: call.span,
        place: format!("{}:{line}", entry.path),
        function: m.scope_names(call.scope).next().map(str::to_string),
        class: classify(Path::new(&resolver.entry(module).path)),
        groups,
        checks_aud: checked("aud"),
        checks_iss: checked("iss"),
        checks_exp: checked("exp"),
        checks_nbf: checked("nbf"),
        leeway: facts.leeway,
        claims_reported: match origin {
            TokenOrigin::ThirdParty => true,
            TokenOrigin::FirstParty(used) => used.session_tokens && used.link_tokens,
            TokenOrigin::Unknown => false,
        },
    })
}

/// How `weak` is weaker than `strong`: the reasons, or `None` when it is
/// not weaker on anything or stronger on something.
fn weaker(weak: &IndexedSite, strong: &IndexedSite) -> Option<Vec<String>> {
    let mut reasons = Vec::new();
    let mut stronger = false;
    for (claim, w, s) in [
        ("aud", weak.checks_aud, strong.checks_aud),
        ("iss", weak.checks_iss, strong.checks_iss),
    ] {
        match (w, s) {
            (Some(false), Some(true)) if !weak.claims_reported => reasons.push(format!("no `{claim}` check")),
            (Some(true), Some(false)) => stronger = true,
            _ => {}
        }
    }
    // Checks whose absence is reported as such (JWT201): the other site
    // skipping one is not the stronger.
    for (w, s) in [
        (weak.checks_exp, strong.checks_exp),
        (weak.checks_nbf, strong.checks_nbf),
    ] {
        stronger |= w == Some(true) && s == Some(false);
    }
    if let (Some(w), Some(s)) = (weak.leeway, strong.leeway) {
        if w > s + LEEWAY_MARGIN && w <= LEEWAY_REPORTED {
            reasons.push(format!("{w} s of leeway where it allows {s} s"));
        }
        stronger |= s > w + LEEWAY_MARGIN;
    }
    (!reasons.is_empty() && !stronger).then_some(reasons)
}

/// The verify site at `call` of `module`, when it is weaker than another
/// site of the project that accepts tokens of the same key or issuer: that
/// other site and what this one lets through.
pub fn stronger_site<'p>(
    resolver: &Resolver<'p>,
    module: ModuleId,
    call: Span,
    names: &dyn TokenNames,
) -> Option<(&'p IndexedSite, Vec<String>)> {
    let index = verify_index(resolver, names);
    let this = index.sites.iter().find(|s| s.module == module && s.call == call)?;
    let shares = |other: &IndexedSite, key: bool| {
        other
            .groups
            .iter()
            .any(|g| g.starts_with("iss:") != key && this.groups.contains(g))
    };
    let candidates = |key: bool| {
        index
            .sites
            .iter()
            .filter(move |other| !std::ptr::eq(*other, this) && other.class == this.class && shares(other, key))
    };
    // The same key is the stronger tie; the same issuer comes second.
    candidates(true)
        .chain(candidates(false))
        .find_map(|other| weaker(this, other).map(|reasons| (other, reasons)))
}
