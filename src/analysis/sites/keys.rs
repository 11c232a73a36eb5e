//! Where a signing or verification key comes from: the names it passes
//! through as written (`settings.SECRET_KEY`) and what they end at (an
//! environment variable, a literal, a file, a parameter, a JWKS, a
//! generated value), or unknown.

use crate::analysis::provenance::signing::{KEY_WRAPPERS, KeyOrigin, key_words, origin_of_words};
use crate::analysis::resolve::{Loc, Lookup, Resolver, dotted_text};
use crate::analysis::values::generated_key_bytes;
use crate::model::{Call, Span, TemplatePart, Value, ValueKind};
use crate::redact::redact_text;

const MAX_DEPTH: usize = 12;

/// Calls that read an environment variable or a config entry by its name.
const ENV_CALLS: &[&str] = &[
    "os.getenv",
    "os.environ.get",
    "os.environ.setdefault",
    "std::env::var",
    "std::env::var_os",
    "env::var",
    "dotenvy::var",
    "dotenv::var",
    "decouple.config",
];

/// Calls that read a file's contents.
const FILE_CALLS: &[&str] = &[
    "open",
    "std::fs::read_to_string",
    "std::fs::read",
    "fs::read_to_string",
    "fs::read",
];

/// What a key finally is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOriginKind {
    /// `os.environ["JWT_SECRET"]`; `fallback` when a default is given.
    Env {
        var: String,
        fallback: bool,
    },
    /// A literal in the code, already redacted (`"exam…" (33 bytes)`), and
    /// a hash of its text, so the same secret written twice is one key.
    Literal {
        redacted: String,
        bytes: usize,
        fingerprint: u64,
    },
    /// Read from a file (its path when written as a literal or template).
    File {
        path: Option<String>,
    },
    /// A parameter of the function it is used in.
    Parameter {
        name: String,
    },
    /// From a JWKS, OIDC discovery or the network.
    Published,
    /// Generated at start-up (`secrets.token_hex(16)`), with its random bytes.
    Generated {
        bytes: Option<i128>,
    },
    /// No key at all (`None`, for the `none` algorithm).
    NoKey,
    Unknown,
}

/// A key's source: the names on the way as written, and its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFacts {
    /// The names the key passes through, outermost first (`config.SECRET_KEY`).
    pub via: Vec<String>,
    pub origin: KeyOriginKind,
    /// Where the origin is written (a literal, an env read), when known.
    pub defined: Option<(crate::analysis::project::ModuleId, Span)>,
}

/// The source of the key `value` used at `loc`.
pub fn key_facts(resolver: &Resolver, value: &Value, loc: Loc) -> KeyFacts {
    let mut facts = KeyFacts {
        via: Vec::new(),
        origin: KeyOriginKind::Unknown,
        defined: None,
    };
    follow(resolver, value, loc, 0, &mut facts);
    if facts.origin == KeyOriginKind::Unknown {
        let mut words = Vec::new();
        key_words(resolver, value, loc, 0, &mut words);
        if origin_of_words(&words) == KeyOrigin::Published {
            facts.origin = KeyOriginKind::Published;
        }
    }
    facts
}

fn follow(resolver: &Resolver, value: &Value, loc: Loc, depth: usize, facts: &mut KeyFacts) {
    if depth > MAX_DEPTH {
        return;
    }
    match &value.kind {
        ValueKind::Str(s) => literal(s, s.len(), value.span, loc, facts),
        ValueKind::Bytes(b) => literal(&String::from_utf8_lossy(b), b.len(), value.span, loc, facts),
        ValueKind::Null => facts.origin = KeyOriginKind::NoKey,
        ValueKind::Name(name) => follow_name(resolver, name, value, loc, depth, facts),
        ValueKind::Attr(..) | ValueKind::Path(_) => {
            if let Some(text) = written(value) {
                facts.via.push(text);
            }
            let resolved = resolver.definition(value, loc);
            if !std::ptr::eq(resolved.value, value) && !resolved.value.is_unknown() {
                follow(resolver, resolved.value, resolved.loc, depth + 1, facts);
            }
        }
        ValueKind::Index(base, index) => {
            let key = resolver.resolve(index, loc);
            if dotted_text(base).as_deref() == Some("os.environ")
                && let ValueKind::Str(var) = &key.value.kind
            {
                facts.origin = KeyOriginKind::Env {
                    var: var.clone(),
                    fallback: false,
                };
                facts.defined = Some((loc.module, value.span));
                return;
            }
            let resolved = resolver.resolve(value, loc);
            if !std::ptr::eq(resolved.value, value) && !resolved.value.is_unknown() {
                follow(resolver, resolved.value, resolved.loc, depth + 1, facts);
            }
        }
        ValueKind::Call(id) => {
            let call = &resolver.module(loc.module).calls[*id];
            follow_call(resolver, call, value, loc.with_scope(call.scope), depth, facts);
        }
        _ => {}
    }
}

fn literal(text: &str, bytes: usize, span: Span, loc: Loc, facts: &mut KeyFacts) {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    facts.origin = KeyOriginKind::Literal {
        redacted: redact_text(text, "\"", "\""),
        bytes,
        fingerprint: hasher.finish(),
    };
    facts.defined = Some((loc.module, span));
}

fn follow_name(resolver: &Resolver, name: &str, value: &Value, loc: Loc, depth: usize, facts: &mut KeyFacts) {
    match resolver.lookup(name, loc, value.span.start) {
        Lookup::Bound(binding) => match &binding.value.kind {
            ValueKind::Unknown | ValueKind::Typed(_) if is_parameter(resolver, loc, binding.span) => {
                // Inside a call followed from its call site, the argument.
                let passed = resolver.resolve(value, loc);
                if passed.value.is_unknown() || std::ptr::eq(passed.value, value) {
                    facts.origin = KeyOriginKind::Parameter { name: name.to_string() };
                } else {
                    follow(resolver, passed.value, passed.loc, depth + 1, facts);
                }
            }
            ValueKind::Unknown | ValueKind::Typed(_) => {}
            ValueKind::Imported(_) => {
                facts.via.push(name.to_string());
                // Followed from its definition as written, as a name bound
                // in this module is: resolving it whole would make
                // `KEY = os.environ["JWT_SECRET"]` unknown (an environment
                // variable has no value here), not the variable it reads.
                let defined = resolver.definition(value, loc);
                if !matches!(defined.value.kind, ValueKind::Imported(_) | ValueKind::Unknown) {
                    follow(resolver, defined.value, defined.loc, depth + 1, facts);
                }
            }
            _ => {
                if binding.scope == 0 {
                    facts.via.push(name.to_string());
                }
                follow(
                    resolver,
                    &binding.value,
                    loc.with_scope(binding.scope),
                    depth + 1,
                    facts,
                );
            }
        },
        Lookup::Unbound => {
            facts.via.push(name.to_string());
            let resolved = resolver.resolve(value, loc);
            if !std::ptr::eq(resolved.value, value) && !resolved.value.is_unknown() {
                follow(resolver, resolved.value, resolved.loc, depth + 1, facts);
            }
        }
        Lookup::Ambiguous => {}
    }
}

/// Whether the binding at `span` is a parameter of a function of the module.
fn is_parameter(resolver: &Resolver, loc: Loc, span: Span) -> bool {
    resolver
        .module(loc.module)
        .functions
        .iter()
        .any(|f| f.params.iter().any(|p| p.span == span))
}

fn follow_call(resolver: &Resolver, call: &Call, value: &Value, loc: Loc, depth: usize, facts: &mut KeyFacts) {
    let paths = resolver.callee_paths(call, loc.module);
    let is_any = |list: &[&str]| paths.iter().any(|p| list.contains(&p.as_str()));
    let method = match &call.callee.kind {
        ValueKind::Attr(_, m) => m.as_str(),
        ValueKind::Name(n) => n.as_str(),
        ValueKind::Path(segments) => segments.last().map_or("", String::as_str),
        _ => "",
    };
    if is_any(ENV_CALLS) {
        if let Some(var) = call.args.first().map(|a| resolver.resolve(&a.value, loc))
            && let ValueKind::Str(var) = &var.value.kind
        {
            facts.origin = KeyOriginKind::Env {
                var: var.clone(),
                fallback: call.args.len() > 1,
            };
            facts.defined = Some((loc.module, value.span));
        }
        return;
    }
    if let Some(bytes) = generated_key_bytes(resolver, value, loc) {
        facts.origin = KeyOriginKind::Generated { bytes };
        facts.defined = Some((loc.module, value.span));
        return;
    }
    if is_any(FILE_CALLS) || (call.is_macro && matches!(method, "include_bytes" | "include_str")) {
        let path = call.args.first().and_then(|a| file_path(resolver, &a.value, loc));
        facts.origin = KeyOriginKind::File { path };
        facts.defined = Some((loc.module, value.span));
        return;
    }
    match (&call.callee.kind, method) {
        // `open(p).read()`, `os.getenv("K").encode()`.
        (ValueKind::Attr(receiver, _), "read" | "read_text" | "read_bytes") => {
            follow(resolver, receiver, loc, depth + 1, facts);
        }
        // `std::env::var("K").unwrap_or(…)`: a fallback.
        (ValueKind::Attr(receiver, _), "unwrap_or" | "unwrap_or_else" | "unwrap_or_default") => {
            follow(resolver, receiver, loc, depth + 1, facts);
            if let KeyOriginKind::Env { fallback, .. } = &mut facts.origin {
                *fallback = true;
            }
        }
        (ValueKind::Attr(receiver, _), m)
            if KEY_WRAPPERS.contains(&m) && !matches!(receiver.kind, ValueKind::Path(_)) =>
        {
            follow(resolver, receiver, loc, depth + 1, facts);
        }
        (_, m) if KEY_WRAPPERS.contains(&m) => {
            if let Some(first) = call.args.first() {
                follow(resolver, &first.value, loc, depth + 1, facts);
            }
        }
        // `signing_secret()`: what the project's function returns.
        _ => {
            if let ValueKind::Call(id) = &value.kind
                && let Some(returned) = resolver.call_result(*id, loc)
            {
                facts.via.push(format!("{method}()"));
                follow(resolver, returned.value, returned.loc, depth + 1, facts);
            }
        }
    }
}

/// A name, attribute chain or Rust path as written.
pub(super) fn written(value: &Value) -> Option<String> {
    match &value.kind {
        ValueKind::Path(segments) => Some(segments.join("::")),
        _ => dotted_text(value),
    }
}

/// A file path as written: a literal, or a template with its holes as `{…}`.
fn file_path(resolver: &Resolver, value: &Value, loc: Loc) -> Option<String> {
    let resolved = resolver.resolve(value, loc);
    match &resolved.value.kind {
        ValueKind::Str(s) => Some(s.clone()),
        ValueKind::Template(parts) => Some(
            parts
                .iter()
                .map(|p| match p {
                    TemplatePart::Lit(s) => s.clone(),
                    _ => "{…}".to_string(),
                })
                .collect(),
        ),
        _ => None,
    }
}

impl KeyFacts {
    /// What makes two uses one key, when the code says: the environment
    /// variable, the literal's text (by hash), the file, the place it is
    /// defined, or, when its origin is unknown, the names it is reached
    /// through as written. `None`
    /// for a parameter, no key, or nothing known.
    pub fn group(&self) -> Option<String> {
        match (&self.origin, self.defined) {
            (KeyOriginKind::NoKey | KeyOriginKind::Parameter { .. }, _) => None,
            (KeyOriginKind::Env { var, .. }, _) => Some(format!("env:{var}")),
            (KeyOriginKind::Literal { fingerprint, .. }, _) => Some(format!("literal:{fingerprint:x}")),
            (KeyOriginKind::File { path: Some(path) }, _) => Some(format!("file:{path}")),
            // Reached through the same names (`settings.SECRET_KEY`) where
            // what they end at is not known.
            (KeyOriginKind::Unknown, _) if !self.via.is_empty() => Some(format!("name:{}", self.via.join(" "))),
            (KeyOriginKind::Unknown, _) => None,
            (_, Some((at, span))) => Some(format!("at:{at}:{}", span.start)),
            (_, None) => None,
        }
    }

    /// `settings.SECRET_KEY ← env SECRET_KEY`, `literal "exam…" (33 bytes)`.
    pub fn describe(&self) -> String {
        let origin = self.origin.describe();
        let mut parts: Vec<String> = self.via.iter().map(|v| format!("`{v}`")).collect();
        parts.push(origin);
        parts.join(" ← ")
    }
}

impl KeyOriginKind {
    pub fn describe(&self) -> String {
        match self {
            KeyOriginKind::Env { var, fallback: false } => format!("env {var}"),
            KeyOriginKind::Env { var, fallback: true } => format!("env {var} (with a literal fallback)"),
            KeyOriginKind::Literal { redacted, .. } => format!("literal {redacted}"),
            KeyOriginKind::File { path: Some(path) } => format!("file {path}"),
            KeyOriginKind::File { path: None } => "file (path unknown)".to_string(),
            KeyOriginKind::Parameter { name } => format!("parameter `{name}`"),
            KeyOriginKind::Published => "published (JWKS/OIDC/network)".to_string(),
            KeyOriginKind::Generated { bytes: Some(n) } => format!("generated at start-up ({n} random bytes)"),
            KeyOriginKind::Generated { bytes: None } => "generated at start-up".to_string(),
            KeyOriginKind::NoKey => "none".to_string(),
            KeyOriginKind::Unknown => "unknown".to_string(),
        }
    }

    /// A short tag for machine output.
    pub fn tag(&self) -> &'static str {
        match self {
            KeyOriginKind::Env { .. } => "env",
            KeyOriginKind::Literal { .. } => "literal",
            KeyOriginKind::File { .. } => "file",
            KeyOriginKind::Parameter { .. } => "parameter",
            KeyOriginKind::Published => "published",
            KeyOriginKind::Generated { .. } => "generated",
            KeyOriginKind::NoKey => "none",
            KeyOriginKind::Unknown => "unknown",
        }
    }
}
