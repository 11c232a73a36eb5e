//! `authlint inventory`: the map of every token a codebase issues and
//! accepts. It sits above the run (`lint`): the run gives the project and
//! its findings, `analysis::sites` says what each encode and decode call
//! means, and this stage groups the sites, their keys and the places tokens
//! travel, and links each entry to the findings that concern it.
//!
//! `model` is the document (its JSON is the versioned contract); `text`,
//! `markdown` render it; `transport` finds where tokens are read and written.

pub mod diff;
pub mod markdown;
pub mod model;
pub mod text;
mod transport;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::analysis::project::ModuleId;
use crate::analysis::provenance::signing::{TokenOrigin, verified_token_origin};
use crate::analysis::resolve::{Loc, Resolver};
use crate::analysis::sites::{
    ClaimCheck, IssueFacts, KeyFacts, KeyOriginKind, SiteCall, SiteKind, VerifyFacts, issue_facts, site_call,
    verify_facts,
};
use crate::analysis::values::human_duration;
use crate::frontend::discover::Discovery;
use crate::frontend::source::LineIndex;
use crate::lint::Linter;
use crate::model::{Call, CodeClass, Span};
use crate::report::outcome::{Finding, RunOutcome};
use crate::rules::policy::Policy;

use model::*;

/// What the inventory covers: shipped code only, unless asked for all.
pub struct Scope {
    pub include_tests: bool,
}

/// The inventory of the files of `discovery`, linked to `outcome`'s findings.
pub fn build(
    linter: &Linter,
    discovery: &Discovery,
    roots: &[PathBuf],
    outcome: &RunOutcome,
    policy: &Policy,
    scope: &Scope,
) -> Inventory {
    let index = linter.index_project(discovery, roots);
    let (project, _) = linter.project_of(&index, &Default::default(), None);
    let resolver = Resolver::new(&project);
    let mut builder = Builder {
        resolver: &resolver,
        policy,
        findings: outcome.files.iter().flat_map(|f| &f.findings).collect(),
        lines: HashMap::new(),
        inventory: Inventory {
            version: VERSION,
            ..Inventory::default()
        },
        keys: BTreeMap::new(),
    };
    for (id, file) in index.files().iter().enumerate() {
        if !file.checked() || (!scope.include_tests && file.class != CodeClass::App) || project.load(id).is_none() {
            continue;
        }
        builder.module(id, scope);
    }
    builder.finish()
}

/// Groups key sources: one entry per origin (an env variable, a literal's
/// place, a file), names as written gathered under it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum KeyGroup {
    Origin(String),
    /// A key known only by a name, or not at all: one entry per site.
    Site(String, usize),
}

struct Builder<'r, 'p> {
    resolver: &'r Resolver<'p>,
    policy: &'r Policy,
    findings: Vec<&'r Finding>,
    lines: HashMap<ModuleId, LineIndex>,
    inventory: Inventory,
    keys: BTreeMap<KeyGroup, (KeyFacts, Key)>,
}

impl<'p> Builder<'_, 'p> {
    fn module(&mut self, id: ModuleId, scope: &Scope) {
        let module = self.resolver.module(id);
        for (call_id, call) in module.calls.iter().enumerate() {
            let in_test = module.test_regions.iter().any(|r| r.contains(call.span.start));
            if in_test && !scope.include_tests {
                continue;
            }
            let loc = Loc::new(id, call.scope);
            let Some(site) = site_call(self.resolver, call, loc) else {
                continue;
            };
            match site.kind {
                SiteKind::Issue => {
                    let facts = issue_facts(self.resolver, &site, call, loc, self.policy);
                    self.issue_site(&site, call, loc, facts);
                }
                SiteKind::Verify => {
                    let facts = verify_facts(self.resolver, &site, call, call_id, loc);
                    let origin = verified_token_origin(self.resolver, call, loc, self.policy);
                    self.verify_site(&site, call, loc, facts, origin);
                }
            }
        }
        let entries = transport::entries(self.resolver, id, self.policy, scope.include_tests);
        for (span, mut entry) in entries {
            entry.place = self.place(id, span.start);
            entry.findings = self.findings_at(id, span, None);
            self.inventory.transport.push(entry);
        }
    }

    fn place(&mut self, module: ModuleId, offset: usize) -> Place {
        let entry = self.resolver.entry(module);
        let index = self
            .lines
            .entry(module)
            .or_insert_with(|| LineIndex::new(&entry.source));
        let (line, column) = index.line_col(&entry.source, offset);
        Place {
            path: entry.path.clone(),
            line,
            column,
        }
    }

    /// The shown findings in `span` of the module, or made about `call`.
    fn findings_at(&self, module: ModuleId, span: Span, call: Option<Span>) -> Vec<FindingLink> {
        let path = &self.resolver.entry(module).path;
        let mut links: Vec<FindingLink> = self
            .findings
            .iter()
            .filter(|f| &f.path == path)
            .filter(|f| {
                (call.is_some() && f.call == call) || (span.start <= f.primary.start && f.primary.end <= span.end)
            })
            .map(|f| FindingLink {
                rule: f.code.clone(),
                name: f.name.clone(),
                path: f.path.clone(),
                line: f.line,
                column: f.column,
            })
            .collect();
        links.sort();
        links.dedup();
        links
    }

    fn call_text(&self, call: &Call, loc: Loc, site: &SiteCall) -> String {
        let written = self.resolver.display_callee(&call.callee, loc.module);
        if written == site.path {
            written
        } else {
            format!("{written} ({})", site.path)
        }
    }

    fn issue_site(&mut self, site: &SiteCall, call: &Call, loc: Loc, facts: IssueFacts) {
        let id = format!("issue-{}", self.inventory.issue_sites.len() + 1);
        let place = self.place(loc.module, call.span.start);
        let key = facts.key.as_ref().and_then(|k| self.key(k, loc, &id, true));
        let lifetime = Lifetime {
            seconds: match facts.lifetime {
                crate::analysis::sites::Lifetime::Seconds(s) => Some(s),
                _ => None,
            },
            text: match facts.lifetime {
                crate::analysis::sites::Lifetime::Seconds(s) => human_duration(s),
                crate::analysis::sites::Lifetime::NoExpiry => "never expires (no exp claim)".to_string(),
                crate::analysis::sites::Lifetime::Unknown => "unknown".to_string(),
            },
            chosen_at: facts.lifetime_chosen.map(|(m, span)| self.place(m, span.start)),
        };
        let claims = facts.claims.map(|names| {
            names
                .into_iter()
                .map(|name| Claim {
                    sensitive: self.sensitivity(&name),
                    name,
                })
                .collect()
        });
        let mut findings = self.findings_at(loc.module, call.span, Some(call.span));
        if let Some((module, span)) = facts.payload_at {
            findings.extend(self.findings_at(module, span, None));
        }
        findings.sort();
        findings.dedup();
        self.inventory.issue_sites.push(IssueSite {
            id,
            place,
            library: site.library.name().to_string(),
            call: self.call_text(call, loc, site),
            algorithms: facts.algorithms,
            algorithm_default: facts.algorithm_default,
            key,
            key_source: facts.key.as_ref().map(KeyFacts::describe),
            lifetime,
            claims,
            token_kind: facts.token_use.as_str().to_string(),
            findings,
        });
    }

    fn sensitivity(&self, claim: &str) -> Option<String> {
        if self.policy.credential_claims.matches(claim) {
            Some("credential".to_string())
        } else if self.policy.personal_claims.matches(claim) {
            Some("personal".to_string())
        } else {
            None
        }
    }

    fn verify_site(&mut self, site: &SiteCall, call: &Call, loc: Loc, facts: VerifyFacts, origin: TokenOrigin) {
        let id = format!("verify-{}", self.inventory.verify_sites.len() + 1);
        let place = self.place(loc.module, call.span.start);
        let key = facts.key.as_ref().and_then(|k| self.key(k, loc, &id, false));
        let check = |c: ClaimCheck| Check {
            verified: c.verified,
            required: c.required,
        };
        let mut findings = self.findings_at(loc.module, call.span, Some(call.span));
        for span in &facts.config_spans {
            findings.extend(self.findings_at(loc.module, *span, Some(*span)));
        }
        findings.sort();
        findings.dedup();
        self.inventory.verify_sites.push(VerifySite {
            id,
            place,
            library: site.library.name().to_string(),
            call: self.call_text(call, loc, site),
            algorithms: facts.algorithms.clone(),
            algorithms_default: facts.algorithms_default,
            key,
            key_source: facts.key.as_ref().map(KeyFacts::describe),
            token_origin: match origin {
                TokenOrigin::FirstParty(_) => "first-party",
                TokenOrigin::ThirdParty => "third-party",
                TokenOrigin::Unknown => "unknown",
            }
            .to_string(),
            signature: facts.signature.as_str().to_string(),
            claims: ClaimChecks {
                exp: check(facts.claim("exp")),
                nbf: check(facts.claim("nbf")),
                iat: check(facts.claim("iat")),
                aud: check(facts.claim("aud")),
                iss: check(facts.claim("iss")),
            },
            audience: facts.audience,
            issuer: facts.issuer,
            leeway_seconds: facts.leeway,
            flows: facts.flows,
            findings,
        });
    }

    /// The id of the key entry for `facts`, recording the site as a user;
    /// `None` for no key at all.
    fn key(&mut self, facts: &KeyFacts, loc: Loc, site: &str, issue: bool) -> Option<String> {
        let defined = facts.defined.map(|(m, span)| (self.place(m, span.start), m, span));
        if facts.origin == KeyOriginKind::NoKey {
            return None;
        }
        let group = match facts.group() {
            Some(group) => KeyGroup::Origin(group),
            None => KeyGroup::Site(site.to_string(), loc.module),
        };
        let next_id = format!("key-{}", self.keys.len() + 1);
        let findings = defined
            .as_ref()
            .map(|(_, m, span)| self.findings_at(*m, *span, None))
            .unwrap_or_default();
        let size = match &facts.origin {
            KeyOriginKind::Literal { bytes, .. } => Some(*bytes as i128),
            KeyOriginKind::Generated { bytes } => *bytes,
            _ => None,
        };
        let place = defined.as_ref().map(|(p, _, _)| p.clone());
        let (_, entry) = self.keys.entry(group).or_insert_with(|| {
            (
                facts.clone(),
                Key {
                    id: next_id,
                    source: facts.origin.describe(),
                    origin: facts.origin.tag().to_string(),
                    names: Vec::new(),
                    defined_at: place.clone(),
                    also_defined_at: Vec::new(),
                    size_bytes: size,
                    issue_sites: Vec::new(),
                    verify_sites: Vec::new(),
                    findings: findings.clone(),
                },
            )
        });
        if let Some(name) = facts.via.first()
            && !entry.names.contains(name)
        {
            entry.names.push(name.clone());
        }
        if let Some(place) = place
            && entry.defined_at.as_ref() != Some(&place)
            && !entry.also_defined_at.contains(&place)
        {
            entry.also_defined_at.push(place);
            entry.findings.extend(findings);
        }
        if issue {
            &mut entry.issue_sites
        } else {
            &mut entry.verify_sites
        }
        .push(site.to_string());
        Some(entry.id.clone())
    }

    fn finish(mut self) -> Inventory {
        let mut keys: Vec<Key> = self.keys.into_values().map(|(_, k)| k).collect();
        keys.sort_by_key(|k| k.id.trim_start_matches("key-").parse::<usize>().unwrap_or(0));
        self.inventory.keys = keys;
        self.inventory.transport.sort_by(|a, b| a.place.cmp(&b.place));
        let inv = &mut self.inventory;
        let mut linked: Vec<&FindingLink> = inv
            .issue_sites
            .iter()
            .flat_map(|s| &s.findings)
            .chain(inv.verify_sites.iter().flat_map(|s| &s.findings))
            .chain(inv.keys.iter().flat_map(|s| &s.findings))
            .chain(inv.transport.iter().flat_map(|s| &s.findings))
            .collect();
        linked.sort();
        linked.dedup();
        inv.summary = Summary {
            issue_sites: inv.issue_sites.len(),
            verify_sites: inv.verify_sites.len(),
            keys: inv.keys.len(),
            transport: inv.transport.len(),
            findings_linked: linked.len(),
        };
        self.inventory
    }
}

/// The inventory as its JSON document.
pub fn render_json(inventory: &Inventory) -> String {
    let mut text = serde_json::to_string_pretty(inventory).expect("the inventory serialises");
    text.push('\n');
    text
}

/// Whether a check is on: `yes`, `no`, `unknown`.
pub fn tri(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}
