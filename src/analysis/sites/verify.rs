//! What a verify site (a verifying JWT decode) says: the algorithms it
//! accepts, its key, which registered claims it checks and requires, its
//! leeway, whether its signature check is on, and where its result goes.

use crate::analysis::provenance::signing::{argument, rust_algorithm};
use crate::analysis::resolve::{Loc, Lookup, Resolver};
use crate::analysis::values::{duration_seconds, int_value};
use crate::model::{Binding, Call, Span, Value, ValueKind};

use super::issue::known_algorithm;
use super::keys::{KeyFacts, key_facts, written};
use super::{Library, SiteCall};

/// The registered claims a verify site is described by, in order.
pub const CLAIMS: [&str; 5] = ["exp", "nbf", "iat", "aud", "iss"];

/// Whether a claim is checked when present, and whether it must be present.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClaimCheck {
    pub verified: Option<bool>,
    pub required: Option<bool>,
}

/// Whether the signature is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature {
    Verified,
    /// Turned off here.
    Disabled,
    /// Turned off or on by a value the code does not fix (a parameter, a setting).
    MayBeDisabled,
    /// The options that would say cannot be read.
    Unknown,
}

impl Signature {
    pub fn as_str(self) -> &'static str {
        match self {
            Signature::Verified => "verified",
            Signature::Disabled => "disabled",
            Signature::MayBeDisabled => "may be disabled",
            Signature::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug)]
pub struct VerifyFacts {
    /// The allowlist; `None` when it cannot be read.
    pub algorithms: Option<Vec<String>>,
    /// No allowlist was given (the library's default applies).
    pub algorithms_default: bool,
    pub key: Option<KeyFacts>,
    /// One check per claim of [`CLAIMS`], in that order.
    pub claims: [ClaimCheck; 5],
    /// Seconds of clock skew tolerated; `None` when unknown.
    pub leeway: Option<i128>,
    pub signature: Signature,
    /// The expected audience and issuer as written (literals only).
    pub audience: Option<String>,
    pub issuer: Option<String>,
    /// Where the result goes: `returned from get_current_user`, `bound to payload`.
    pub flows: Vec<String>,
    /// The registered claims whose check an option turns off
    /// (`verify_aud=False`, `validate_exp = false`).
    pub turned_off: Vec<&'static str>,
    /// The code that configures the check outside the call (a Rust
    /// `Validation` built and set up in the function), in the call's module.
    pub config_spans: Vec<Span>,
}

impl VerifyFacts {
    pub fn claim(&self, name: &str) -> ClaimCheck {
        CLAIMS
            .iter()
            .position(|c| *c == name)
            .map(|i| self.claims[i])
            .unwrap_or_default()
    }
}

/// The facts of the verify site `call` (see [`super::site_call`]).
pub fn verify_facts(resolver: &Resolver, site: &SiteCall, call: &Call, call_id: usize, loc: Loc) -> VerifyFacts {
    let mut facts = match site.library {
        Library::Jsonwebtoken => rust_facts(resolver, site, call, loc),
        Library::PyJwt | Library::PythonJose => python_facts(resolver, site.library, call, loc),
    };
    facts.flows = flows(resolver, call, call_id, loc);
    facts
}

/// A dict argument's literal entries, resolved; `None` when it is not a
/// closed dict the code spells out. An absent argument has no entries.
struct Options<'p> {
    entries: Option<Vec<(String, &'p Value, Loc)>>,
}

impl<'p> Options<'p> {
    fn read(resolver: &Resolver<'p>, call: &'p Call, keyword: &str, position: usize, loc: Loc) -> Self {
        let Some(value) = argument(&call.args, Some(keyword), position) else {
            return Options {
                entries: (!call.star_kwargs).then(Vec::new),
            };
        };
        let resolved = resolver.resolve(value, loc);
        let entries = match &resolved.value.kind {
            ValueKind::Dict { entries, open: false } => entries
                .iter()
                .map(|(k, v)| match &resolver.resolve(k, resolved.loc).value.kind {
                    ValueKind::Str(s) => Some((s.clone(), v, resolved.loc)),
                    _ => None,
                })
                .collect(),
            ValueKind::Null => Some(Vec::new()),
            _ => None,
        };
        Options { entries }
    }

    /// A boolean option: its literal value, the default when absent, `None`
    /// when the options or the value cannot be read.
    fn flag(&self, resolver: &Resolver, name: &str, default: Option<bool>) -> Option<bool> {
        let entries = self.entries.as_ref()?;
        match entries.iter().find(|(k, _, _)| k == name) {
            None => default,
            Some((_, v, at)) => match resolver.resolve(v, *at).value.kind {
                ValueKind::Bool(b) => Some(b),
                _ => None,
            },
        }
    }

    /// Whether PyJWT's `require` list names `claim`.
    fn requires(&self, resolver: &Resolver, claim: &str) -> Option<bool> {
        let entries = self.entries.as_ref()?;
        let Some((_, v, at)) = entries.iter().find(|(k, _, _)| k == "require") else {
            return Some(false);
        };
        let list = resolver.resolve(v, *at);
        let ValueKind::List(items) = &list.value.kind else {
            return None;
        };
        let mut known = true;
        for item in items {
            match &resolver.resolve(item, list.loc).value.kind {
                ValueKind::Str(s) if s == claim => return Some(true),
                ValueKind::Str(_) => {}
                _ => known = false,
            }
        }
        known.then_some(false)
    }

    fn value(&self, name: &str) -> Option<(&'p Value, Loc)> {
        self.entries
            .as_ref()?
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, v, at)| (*v, *at))
    }
}

/// An expected audience or issuer: given (`Some(true)`), `None` given, or unknown.
fn expected(resolver: &Resolver, value: Option<&Value>, call: &Call, loc: Loc) -> (Option<bool>, Option<String>) {
    let Some(value) = value else {
        return (if call.star_kwargs { None } else { Some(false) }, None);
    };
    match &resolver.resolve(value, loc).value.kind {
        ValueKind::Null => (Some(false), None),
        ValueKind::Str(s) => (Some(true), Some(s.clone())),
        ValueKind::List(items) if !items.is_empty() => (Some(true), written(value)),
        _ => (None, written(value)),
    }
}

fn python_facts(resolver: &Resolver, library: Library, call: &Call, loc: Loc) -> VerifyFacts {
    let options = Options::read(resolver, call, "options", 3, loc);
    let jose = library == Library::PythonJose;
    let verify_kw = argument(&call.args, Some("verify"), usize::MAX).map(|v| resolver.resolve(v, loc).value);
    let mut signature = options.flag(resolver, "verify_signature", Some(true));
    if let Some(v) = verify_kw {
        signature = match v.kind {
            ValueKind::Bool(b) => signature.map(|s| s && b),
            _ => None,
        };
    }
    let (aud_given, audience) = expected(
        resolver,
        argument(&call.args, Some("audience"), if jose { 4 } else { 5 }),
        call,
        loc,
    );
    let (iss_given, issuer) = expected(
        resolver,
        argument(&call.args, Some("issuer"), if jose { 5 } else { 6 }),
        call,
        loc,
    );
    let (claims, turned_off) = python_claims(resolver, &options, jose, signature, (aud_given, iss_given));
    let leeway = if jose {
        match options.value("leeway") {
            Some((v, at)) => seconds(resolver, v, at),
            None => options.entries.as_ref().map(|_| 0),
        }
    } else {
        match argument(&call.args, Some("leeway"), usize::MAX) {
            Some(v) => seconds(resolver, v, loc),
            None => (!call.star_kwargs).then_some(0),
        }
    };
    let (algorithms, algorithms_default) = python_allowlist(resolver, call, loc);
    VerifyFacts {
        algorithms,
        algorithms_default,
        key: argument(&call.args, Some("key"), 1).map(|k| key_facts(resolver, k, loc)),
        claims,
        leeway,
        signature: match signature {
            Some(true) => Signature::Verified,
            Some(false) => Signature::Disabled,
            None if options.entries.is_some() => Signature::MayBeDisabled,
            None => Signature::Unknown,
        },
        audience,
        issuer,
        flows: Vec::new(),
        config_spans: Vec::new(),
        turned_off,
    }
}

/// The five claim checks of a PyJWT or python-jose decode, and the claims
/// an option turns off. `given` says whether an audience and an issuer are
/// expected.
fn python_claims(
    resolver: &Resolver,
    options: &Options,
    jose: bool,
    signature: Option<bool>,
    (aud_given, iss_given): (Option<bool>, Option<bool>),
) -> ([ClaimCheck; 5], Vec<&'static str>) {
    // PyJWT's claim checks default to the signature check; python-jose's are on.
    let claim_default = if jose { Some(true) } else { signature };
    let both = |a: Option<bool>, b: Option<bool>| match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    };
    let required = |claim: &str| {
        if jose {
            options.flag(resolver, &format!("require_{claim}"), Some(false))
        } else {
            options.requires(resolver, claim)
        }
    };
    let mut claims = [ClaimCheck::default(); 5];
    let turned_off: Vec<&'static str> = CLAIMS
        .into_iter()
        .filter(|c| options.flag(resolver, &format!("verify_{c}"), None) == Some(false))
        .collect();
    for (i, claim) in CLAIMS.iter().enumerate() {
        let verify_flag = options.flag(resolver, &format!("verify_{claim}"), claim_default);
        let verified = match *claim {
            "aud" => both(verify_flag, aud_given),
            "iss" => both(verify_flag, iss_given),
            _ => verify_flag,
        };
        // An expected audience or issuer must be in the token (PyJWT; python-jose for `iss`).
        let must = match *claim {
            "aud" if !jose => verified,
            "iss" => verified,
            _ => Some(false),
        };
        claims[i] = ClaimCheck {
            verified,
            required: match (must, required(claim)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        };
    }
    (claims, turned_off)
}

fn seconds(resolver: &Resolver, value: &Value, loc: Loc) -> Option<i128> {
    int_value(resolver, value, loc).or_else(|| duration_seconds(resolver, value, loc))
}

fn python_allowlist(resolver: &Resolver, call: &Call, loc: Loc) -> (Option<Vec<String>>, bool) {
    let Some(value) = argument(&call.args, Some("algorithms"), 2) else {
        return (
            if call.star_kwargs { None } else { Some(Vec::new()) },
            !call.star_kwargs,
        );
    };
    let resolved = resolver.resolve(value, loc);
    let names = match &resolved.value.kind {
        ValueKind::List(items) => items
            .iter()
            .map(|i| match &resolver.resolve(i, resolved.loc).value.kind {
                ValueKind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        ValueKind::Str(s) => Some(vec![s.clone()]),
        _ => None,
    };
    (names, false)
}

/// A jsonwebtoken `Validation` built in the function, with what configures it.
#[derive(Default)]
struct Validation<'p> {
    algorithms: Option<Vec<String>>,
    spans: Vec<Span>,
    methods: Vec<(&'p str, &'p Call)>,
    fields: Vec<(&'p str, &'p Value)>,
}

fn rust_facts(resolver: &Resolver, site: &SiteCall, call: &Call, loc: Loc) -> VerifyFacts {
    let insecure = site.path.contains("insecure");
    let key = (!insecure)
        .then(|| argument(&call.args, None, 1).map(|k| key_facts(resolver, k, loc)))
        .flatten();
    let validation = if insecure {
        None
    } else {
        argument(&call.args, None, 2).and_then(|v| validation(resolver, v, loc))
    };
    let Some(validation) = validation else {
        let unknown = ClaimCheck::default();
        let off = ClaimCheck {
            verified: Some(false),
            required: Some(false),
        };
        return VerifyFacts {
            algorithms: None,
            algorithms_default: false,
            key,
            claims: [if insecure { off } else { unknown }; 5],
            leeway: None,
            signature: if insecure {
                Signature::Disabled
            } else {
                Signature::Unknown
            },
            audience: None,
            issuer: None,
            flows: Vec::new(),
            config_spans: Vec::new(),
            turned_off: Vec::new(),
        };
    };
    rust_validation_facts(resolver, validation, key, loc)
}

fn rust_validation_facts(resolver: &Resolver, v: Validation, key: Option<KeyFacts>, loc: Loc) -> VerifyFacts {
    let called = |name: &str| v.methods.iter().find(|(m, _)| *m == name).map(|(_, c)| *c);
    let field = |name: &str| v.fields.iter().rev().find(|(f, _)| *f == name).map(|(_, value)| *value);
    let flag = |name: &str, default: bool| match field(name).map(|value| &resolver.resolve(value, loc).value.kind) {
        None => Some(default),
        Some(ValueKind::Bool(b)) => Some(*b),
        Some(_) => None,
    };
    let first_literal = |call: Option<&Call>| {
        call.and_then(|c| c.args.first())
            .and_then(|a| match &resolver.resolve(&a.value, loc).value.kind {
                ValueKind::List(items) => items.first().and_then(|i| match &resolver.resolve(i, loc).value.kind {
                    ValueKind::Str(s) => Some(s.clone()),
                    _ => None,
                }),
                _ => None,
            })
    };
    let required_list = rust_required_claims(
        resolver,
        called("set_required_spec_claims"),
        field("required_spec_claims"),
        loc,
    );
    let audience_set = called("set_audience").is_some() || field("aud").is_some();
    let issuer_set = called("set_issuer").is_some() || field("iss").is_some();
    let verified = [
        flag("validate_exp", true),
        flag("validate_nbf", false),
        Some(false),
        flag("validate_aud", true).map(|on| on && audience_set),
        Some(issuer_set),
    ];
    let mut claims = [ClaimCheck::default(); 5];
    for (i, claim) in CLAIMS.iter().enumerate() {
        claims[i] = ClaimCheck {
            verified: verified[i],
            required: required_list.as_ref().map(|l| l.iter().any(|c| c == claim)),
        };
    }
    let leeway = match field("leeway") {
        None => Some(60),
        Some(value) => int_value(resolver, value, loc),
    };
    let algorithms = match field("algorithms") {
        Some(value) => rust_algorithm_list(resolver, value, loc),
        None => v.algorithms,
    };
    VerifyFacts {
        algorithms,
        algorithms_default: false,
        key,
        claims,
        leeway,
        signature: if called("insecure_disable_signature_validation").is_some() {
            Signature::Disabled
        } else {
            Signature::Verified
        },
        audience: first_literal(called("set_audience")),
        issuer: first_literal(called("set_issuer")),
        flows: Vec::new(),
        config_spans: v.spans,
        turned_off: ["exp", "nbf", "aud"]
            .into_iter()
            .filter(|c| flag(&format!("validate_{c}"), true) == Some(false))
            .collect(),
    }
}

/// The claims a `Validation` requires: `exp` by default, what
/// `set_required_spec_claims` lists, none after `required_spec_claims =
/// HashSet::new()`; `None` when that cannot be read.
fn rust_required_claims(
    resolver: &Resolver,
    set: Option<&Call>,
    assigned: Option<&Value>,
    loc: Loc,
) -> Option<Vec<String>> {
    let strings = |value: &Value| match &resolver.resolve(value, loc).value.kind {
        ValueKind::List(items) => items
            .iter()
            .map(|i| match &resolver.resolve(i, loc).value.kind {
                ValueKind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    };
    match (set, assigned) {
        (Some(call), _) => call.args.first().and_then(|a| strings(&a.value)),
        (None, Some(value)) => {
            let ValueKind::Call(id) = &resolver.resolve(value, loc).value.kind else {
                return None;
            };
            let call = &resolver.module(loc.module).calls[*id];
            let paths = resolver.callee_paths(call, loc.module);
            let empty = call.args.is_empty() && paths.iter().any(|p| p.ends_with("::default") || p.ends_with("::new"));
            empty.then(Vec::new)
        }
        (None, None) => Some(vec!["exp".to_string()]),
    }
}

fn rust_algorithm_list(resolver: &Resolver, value: &Value, loc: Loc) -> Option<Vec<String>> {
    let resolved = resolver.resolve(value, loc);
    let ValueKind::List(items) = &resolved.value.kind else {
        return None;
    };
    items
        .iter()
        .map(|i| known_algorithm(rust_algorithm(resolver, i, resolved.loc)))
        .collect()
}

/// The `Validation` a decode is handed, when it is built in this function
/// (`Validation::new(..)`, `Validation::default()`) and configured only
/// here; `None` when it comes from elsewhere or is handed to other code.
fn validation<'p>(resolver: &Resolver<'p>, value: &'p Value, loc: Loc) -> Option<Validation<'p>> {
    let constructor = |v: &'p Value, at: Loc| -> Option<Option<Vec<String>>> {
        let ValueKind::Call(id) = &v.kind else { return None };
        let call = &resolver.module(at.module).calls[*id];
        let paths = resolver.callee_paths(call, at.module);
        if paths.iter().any(|p| p.ends_with("Validation::default")) {
            Some(Some(vec!["HS256".to_string()]))
        } else if paths.iter().any(|p| p.ends_with("Validation::new")) {
            let first = call.args.first()?;
            Some(known_algorithm(rust_algorithm(resolver, &first.value, at.with_scope(call.scope))).map(|a| vec![a]))
        } else {
            None
        }
    };
    if let Some(algorithms) = constructor(value, loc) {
        return Some(Validation {
            algorithms,
            ..Validation::default()
        });
    }
    let ValueKind::Name(name) = &value.kind else {
        return None;
    };
    let Lookup::Bound(binding) = resolver.lookup(name, loc, value.span.start) else {
        return None;
    };
    let algorithms = constructor(&binding.value, loc.with_scope(binding.scope))?;
    configuration(resolver, name, binding, loc).map(|(methods, fields, mut spans)| {
        spans.push(binding.value.span);
        Validation {
            algorithms,
            spans,
            methods,
            fields,
        }
    })
}

type Configuration<'p> = (Vec<(&'p str, &'p Call)>, Vec<(&'p str, &'p Value)>, Vec<Span>);

/// The methods called on a local and the fields assigned on it; `None` when
/// it is handed to more than the one call that reads it.
fn configuration<'p>(resolver: &Resolver<'p>, name: &str, binding: &'p Binding, loc: Loc) -> Option<Configuration<'p>> {
    let module = resolver.module(loc.module);
    let is_it = |value: &Value, scope| match &value.kind {
        ValueKind::Name(n) if n == name => matches!(
            resolver.lookup(n, loc.with_scope(scope), value.span.start),
            Lookup::Bound(b) if std::ptr::eq(b, binding)
        ),
        _ => false,
    };
    let mut methods = Vec::new();
    let mut handed = 0;
    for call in &module.calls {
        if let ValueKind::Attr(receiver, method) = &call.callee.kind
            && is_it(receiver, call.scope)
        {
            methods.push((method.as_str(), call));
        }
        if call.args.iter().any(|a| is_it(&a.value, call.scope)) {
            handed += 1;
        }
    }
    if handed > 1 {
        return None;
    }
    let settings: Vec<_> = module
        .settings
        .iter()
        .filter(|s| s.container_value.as_ref().is_some_and(|c| is_it(c, s.scope)))
        .collect();
    let mut spans: Vec<Span> = methods.iter().map(|(_, c)| c.span).collect();
    spans.extend(
        settings
            .iter()
            .map(|s| Span::new(s.name_span.start, s.value.span.end.max(s.name_span.end))),
    );
    let fields = settings.iter().map(|s| (s.name.as_str(), &s.value)).collect();
    Some((methods, fields, spans))
}

/// Where a decode's result goes: returned from its function, or bound to a name.
fn flows(resolver: &Resolver, call: &Call, call_id: usize, loc: Loc) -> Vec<String> {
    let module = resolver.module(loc.module);
    let inside = |span: Span| span.start <= call.span.start && call.span.end <= span.end;
    let mut out = Vec::new();
    let bound: Vec<&Binding> = resolver.names_bound_to_call(loc.module, call_id);
    for function in &module.functions {
        let returned = function.returns.iter().any(|r| {
            inside(r.span)
                || bound
                    .iter()
                    .any(|b| written(r).is_some_and(|w| w == b.name) || mentions(r, &b.name))
        });
        if returned && inside(function.span) {
            out.push(format!("returned from `{}`", function.name));
        }
    }
    if out.is_empty() {
        out.extend(bound.iter().map(|b| format!("bound to `{}`", b.name)));
    }
    out
}

/// Whether a returned expression reads the name (`payload["sub"]`).
fn mentions(value: &Value, name: &str) -> bool {
    match &value.kind {
        ValueKind::Name(n) => n == name,
        ValueKind::Attr(base, _) | ValueKind::Index(base, _) => mentions(base, name),
        _ => false,
    }
}
