//! What the project signs, and whose token a verifying decode accepts.
//!
//! The signing index lists, for the whole project, the keys it signs tokens
//! with (by an identity: the name of the setting, constant, environment
//! variable or function the key comes from, so `settings.SECRET_KEY` at the
//! encode and `SECRET_KEY` at the decode agree) and the Rust types it signs
//! as payloads. It is built once per run, the first time a rule asks, from
//! the modules whose text may sign ([`may_sign`], decided while the first
//! pass reads every file).
//!
//! A verifying decode accepts a **first-party** token when its key is one
//! the project signs with; **someone else's** when the key is published
//! (JWKS, OIDC discovery, fetched over the network), a public key the
//! project does not sign with the pair of, or a shared secret the project
//! never signs with; and **unknown** otherwise.

use std::collections::{HashMap, HashSet};

use crate::analysis::project::{ModuleId, Project};
use crate::analysis::resolve::{Loc, Lookup, Resolver};
use crate::analysis::values::{AlgorithmFamily, algorithm_family, is_public_key};
use crate::model::{Arg, Call, Language, Value, ValueKind};

use super::context::{call_is_for_link, callee_words, split_words};
use super::{SIGNING_CALLS, TokenNames};

const MAX_DEPTH: usize = 10;

/// Whether a file's text may sign a token: a cheap test the first pass runs
/// on every file, so the index lowers only these.
pub fn may_sign(language: Language, source: &str) -> bool {
    let has = |word: &str| source.contains(word);
    match language {
        Language::Python => has("encode") && (has("jwt") || has("jose")),
        Language::Rust => {
            (has("encode") && (has("jsonwebtoken") || has("jwt") || has("EncodingKey"))) || has("sign_with_key")
        }
    }
}

/// A project function that makes a token (`create_access_token`,
/// `encode_jwt`, `generate_org_token`, `issue_token`), by the words of its name.
pub fn is_signing_name(words: &[String]) -> bool {
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    has(&["encode", "sign", "issue", "mint", "create", "generate", "make"])
        && has(&["token", "jwt"])
        && !has(&[
            "decode",
            "verify",
            "validate",
            "csrf",
            "xsrf",
            "page",
            "pagination",
            "cursor",
            "next",
            "captcha",
            "cancel",
            "cancellation",
            "request",
        ])
}

/// What the project signs (see the module documentation).
#[derive(Debug, Default)]
pub struct SigningIndex {
    /// Key identities, with how the project signs with each.
    keys: HashMap<String, KeyUse>,
    /// Rust types passed to a signing call as the payload.
    payload_types: HashSet<String>,
}

/// How the project signs with one key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUse {
    /// Some token signed with it is known to carry no `exp`.
    pub signed_without_exp: bool,
    /// It signs session tokens (access, refresh, login)…
    pub session_tokens: bool,
    /// …and one-time link tokens (reset, verify, invite).
    pub link_tokens: bool,
}

impl SigningIndex {
    /// How the project signs with this key; `None` when it does not.
    pub fn signs_with(&self, identity: &str) -> Option<KeyUse> {
        self.keys.get(identity).copied()
    }

    /// Whether the project signs a value of this type as a token payload.
    pub fn signs_type(&self, name: &str) -> bool {
        self.payload_types.contains(name)
    }
}

/// The project's signing index, built on first use (with the link words of
/// the configuration that asks first).
pub fn signing_index<'p>(resolver: &Resolver<'p>, names: &dyn TokenNames) -> &'p SigningIndex {
    let project = resolver.project();
    project.signing_index(|| build_index(project, names))
}

fn build_index(project: &Project, names: &dyn TokenNames) -> SigningIndex {
    let candidates: Vec<ModuleId> = project.signing_candidates().collect();
    let parts = project.read_each(&candidates, |id, module| {
        let resolver = Resolver::checking(project, id, module);
        let mut part = SigningIndex::default();
        for call in &module.module.calls {
            let loc = Loc::new(id, call.scope);
            let Some(site) = signing_site(&resolver, call, loc) else {
                continue;
            };
            if let Some(identity) = site.key.and_then(|k| key_identity(&resolver, k, loc, 0)) {
                let lacks = site.payload.is_some_and(|p| lacks_exp(&resolver, p, loc));
                let link = call_is_for_link(&resolver, call, loc, names);
                let used = KeyUse {
                    signed_without_exp: lacks,
                    session_tokens: !link,
                    link_tokens: link,
                };
                part.add(identity, used);
            }
            if let Some(payload) = site.payload {
                part.payload_types.extend(payload_types(&resolver, payload, loc));
            }
        }
        part
    });
    let mut index = SigningIndex::default();
    for (_, part) in parts {
        for (identity, used) in part.keys {
            index.add(identity, used);
        }
        index.payload_types.extend(part.payload_types);
    }
    index
}

impl SigningIndex {
    /// One more signing with this key (or all of another part's).
    fn add(&mut self, identity: String, used: KeyUse) {
        let entry = self.keys.entry(identity).or_default();
        entry.signed_without_exp |= used.signed_without_exp;
        entry.session_tokens |= used.session_tokens;
        entry.link_tokens |= used.link_tokens;
    }
}

/// A signing call's payload and key, where the library puts them.
struct SigningSite<'p> {
    payload: Option<&'p Value>,
    key: Option<&'p Value>,
}

fn signing_site<'p>(resolver: &Resolver<'p>, call: &'p Call, loc: Loc) -> Option<SigningSite<'p>> {
    let paths = resolver.callee_paths(call, loc.module);
    let is = |wanted: &str| paths.iter().any(|p| p == wanted);
    if paths.iter().any(|p| SIGNING_CALLS.contains(&p.as_str())) {
        return Some(if is("jsonwebtoken::encode") || is("jsonwebtoken::encode::encode") {
            SigningSite {
                payload: argument(&call.args, None, 1),
                key: argument(&call.args, None, 2),
            }
        } else {
            SigningSite {
                payload: argument(&call.args, Some("payload"), 0).or_else(|| argument(&call.args, Some("claims"), 0)),
                key: argument(&call.args, Some("key"), 1),
            }
        });
    }
    let words = callee_words(&call.callee);
    if let ValueKind::Attr(receiver, method) = &call.callee.kind
        && method == "sign_with_key"
    {
        return Some(SigningSite {
            payload: Some(receiver),
            key: argument(&call.args, None, 0),
        });
    }
    is_signing_name(&words).then(|| SigningSite {
        payload: call.args.first().map(|a| &a.value),
        key: None,
    })
}

/// An argument by keyword, else by position among the positional ones.
pub fn argument<'p>(args: &'p [Arg], keyword: Option<&str>, position: usize) -> Option<&'p Value> {
    if let Some(keyword) = keyword
        && let Some(arg) = args.iter().find(|a| a.keyword.as_deref() == Some(keyword))
    {
        return Some(&arg.value);
    }
    args.iter()
        .filter(|a| a.keyword.is_none())
        .nth(position)
        .map(|a| &a.value)
}

/// A payload built here with its keys known and no `exp` among them.
fn lacks_exp(resolver: &Resolver, payload: &Value, loc: Loc) -> bool {
    let resolved = resolver.resolve(payload, loc);
    let ValueKind::Dict { entries, open: false } = &resolved.value.kind else {
        return false;
    };
    let mut keys = entries
        .iter()
        .map(|(k, _)| match &resolver.resolve(k, resolved.loc).value.kind {
            ValueKind::Str(s) => Some(s.as_str()),
            _ => None,
        });
    keys.all(|k| k.is_some_and(|k| k != "exp"))
}

/// The Rust types a payload is a value of: a struct literal's type, a
/// parameter's declared type, `T::new(..)`, or `self` in an `impl T`.
fn payload_types(resolver: &Resolver, payload: &Value, loc: Loc) -> Vec<String> {
    let module = resolver.module(loc.module);
    match &payload.kind {
        ValueKind::Name(name) if name == "self" => module
            .scope_names(loc.scope)
            .filter_map(|n| n.split_once("::").map(|(owner, _)| owner.to_string()))
            .take(1)
            .collect(),
        ValueKind::Name(name) => match resolver.lookup(name, loc, payload.span.start) {
            Lookup::Bound(binding) => match &binding.value.kind {
                ValueKind::Typed(segments) => segments.last().cloned().into_iter().collect(),
                _ => payload_types(resolver, &binding.value, loc.with_scope(binding.scope)),
            },
            _ => Vec::new(),
        },
        ValueKind::Dict { entries, .. } => {
            // A struct literal's fields are settings of its type.
            let Some((first, _)) = entries.first() else {
                return Vec::new();
            };
            module
                .settings
                .iter()
                .filter(|s| s.name_span == first.span)
                .filter_map(|s| s.container.as_deref())
                .map(|c| c.rsplit("::").next().unwrap_or(c).to_string())
                .collect()
        }
        ValueKind::Call(id) => match &module.calls[*id].callee.kind {
            ValueKind::Path(segments) if segments.len() >= 2 => vec![segments[segments.len() - 2].clone()],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Words that say nothing about which key it is (`encoding`, `public`, `get`).
const NEUTRAL_KEY_WORDS: &[&str] = &[
    "encoding",
    "decoding",
    "encode",
    "decode",
    "public",
    "private",
    "pub",
    "priv",
    "enc",
    "dec",
    "signing",
    "verifying",
    "verification",
    "sign",
    "verify",
    "pem",
    "der",
    "get",
    "load",
    "read",
    "the",
    "wait",
];

/// The key's name with the words that tell its halves apart taken off:
/// `PRIVATE_RSA_KEY` and `PUBLIC_RSA_KEY` are both `rsa_key`.
fn key_name(name: &str) -> Option<String> {
    let words: Vec<String> = split_words(name)
        .into_iter()
        .filter(|w| !NEUTRAL_KEY_WORDS.contains(&w.as_str()))
        .collect();
    (!words.is_empty()).then(|| words.join("_"))
}

/// Methods and constructors a key passes through unchanged in identity.
pub(crate) const KEY_WRAPPERS: &[&str] = &[
    "as_bytes",
    "as_ref",
    "as_str",
    "encode",
    "decode",
    "clone",
    "to_string",
    "to_owned",
    "to_vec",
    "into",
    "unwrap",
    "expect",
    "wait",
    "get_secret_value",
    "expose_secret",
    "from_secret",
    "from_base64_secret",
    "from_rsa_pem",
    "from_ec_pem",
    "from_ed_pem",
    "from_rsa_der",
    "from_ec_der",
    "from_ed_der",
    "from_bytes",
    "new_from_slice",
    "from_slice",
    "bytes",
    "str",
    "b64decode",
    "ok",
    "map_err",
    "deref",
];

/// Where a key comes from, by name (see the module documentation).
pub fn key_identity(resolver: &Resolver, value: &Value, loc: Loc, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match &value.kind {
        ValueKind::Name(name) => match resolver.lookup(name, loc, value.span.start) {
            Lookup::Bound(binding) => match &binding.value.kind {
                ValueKind::Unknown | ValueKind::Typed(_) => None, // a parameter
                // A module-level name that reads a setting is known by the
                // setting: `KEY = os.environ["JWT_SECRET"]`, imported or not,
                // is the key `os.environ["JWT_SECRET"]` read in place is.
                ValueKind::Imported(path) => {
                    let defined = resolver.definition(value, loc);
                    read_identity(resolver, defined.value, defined.loc, depth + 1)
                        .or_else(|| key_name(path.rsplit([':', '.']).next().unwrap_or(path)))
                }
                _ if binding.scope == 0 => {
                    read_identity(resolver, &binding.value, loc.with_scope(0), depth + 1).or_else(|| key_name(name))
                }
                _ => key_identity(resolver, &binding.value, loc.with_scope(binding.scope), depth + 1),
            },
            Lookup::Unbound => key_name(name),
            Lookup::Ambiguous => None,
        },
        ValueKind::Path(segments) => segments.last().and_then(|s| key_name(s)),
        ValueKind::Attr(base, name) => key_name(name).or_else(|| key_identity(resolver, base, loc, depth + 1)),
        ValueKind::Index(base, index) => match &resolver.resolve(index, loc).value.kind {
            ValueKind::Str(k) => key_name(k),
            _ => key_identity(resolver, base, loc, depth + 1),
        },
        ValueKind::Str(s) => Some(format!("literal:{s}")),
        ValueKind::Bytes(b) => Some(format!("literal:{}", String::from_utf8_lossy(b))),
        ValueKind::Call(id) => call_key_identity(resolver, &resolver.module(loc.module).calls[*id], loc, depth),
        _ => None,
    }
}

/// The identity of a value read by name from the environment or a
/// configuration (`os.environ["JWT_SECRET"]`, `os.getenv("JWT_SECRET")`,
/// `config.get("jwt_secret")`, `get_jwt_secret()`): that name.
fn read_identity(resolver: &Resolver, value: &Value, loc: Loc, depth: usize) -> Option<String> {
    match &value.kind {
        ValueKind::Index(..) | ValueKind::Call(_) => key_identity(resolver, value, loc, depth),
        _ => None,
    }
}

fn call_key_identity(resolver: &Resolver, call: &Call, loc: Loc, depth: usize) -> Option<String> {
    let loc = loc.with_scope(call.scope);
    let last = match &call.callee.kind {
        ValueKind::Attr(_, m) => m.clone(),
        ValueKind::Name(n) => n.clone(),
        ValueKind::Path(segments) => segments.last().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    // `os.environ.get("JWT_SECRET")`, `env::var("JWT_SECRET")`, `config.get("K")`.
    if matches!(
        last.as_str(),
        "get" | "getenv" | "var" | "config" | "env" | "get_env_var" | "require"
    ) && let Some(first) = call.args.first()
        && let ValueKind::Str(k) = &resolver.resolve(&first.value, loc).value.kind
    {
        return key_name(k);
    }
    if KEY_WRAPPERS.contains(&last.as_str()) {
        return match &call.callee.kind {
            ValueKind::Attr(receiver, _) if call.args.is_empty() || !matches!(receiver.kind, ValueKind::Path(_)) => {
                key_identity(resolver, receiver, loc, depth + 1)
            }
            _ => call
                .args
                .first()
                .and_then(|a| key_identity(resolver, &a.value, loc, depth + 1)),
        };
    }
    // `get_jwt_secret()`: the project's own accessor names the key.
    if call.args.is_empty() {
        return key_name(&last);
    }
    None
}

/// What a verification key is, by the evidence on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    /// From a JWKS, OIDC discovery, or fetched over the network.
    Published,
    /// A public key or certificate.
    Public,
    /// A shared (HMAC) secret.
    Shared,
    Unknown,
}

/// Words on a key's way that say it is published, public or shared.
pub(crate) fn origin_of_words(words: &[String]) -> KeyOrigin {
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if has(&[
        "jwk",
        "jwks",
        "oidc",
        "openid",
        "discovery",
        "components",
        "urlopen",
        "fetch",
        "requests",
        "httpx",
        "reqwest",
    ]) {
        KeyOrigin::Published
    } else if has(&[
        "public",
        "pub",
        "pubkey",
        "cert",
        "certificate",
        "x509",
        "rsa",
        "ec",
        "ecdsa",
        "ed25519",
    ]) {
        KeyOrigin::Public
    } else if has(&["secret", "hmac", "hs256", "hs384", "hs512", "shared"]) {
        KeyOrigin::Shared
    } else {
        KeyOrigin::Unknown
    }
}

/// The words of everything a key is derived from (names, attributes,
/// callees, dict keys), and whether a PEM public key literal is among them.
pub(crate) fn key_words(resolver: &Resolver, value: &Value, loc: Loc, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match &value.kind {
        ValueKind::Name(name) => {
            out.extend(split_words(name));
            if let Lookup::Bound(binding) = resolver.lookup(name, loc, value.span.start) {
                match &binding.value.kind {
                    ValueKind::Typed(segments) => out.extend(segments.iter().flat_map(|s| split_words(s))),
                    ValueKind::Imported(path) => out.extend(split_words(path)),
                    _ => key_words(resolver, &binding.value, loc.with_scope(binding.scope), depth + 1, out),
                }
            }
        }
        ValueKind::Path(segments) => out.extend(segments.iter().flat_map(|s| split_words(s))),
        ValueKind::Attr(base, name) => {
            out.extend(split_words(name));
            key_words(resolver, base, loc, depth + 1, out);
        }
        ValueKind::Index(base, index) => {
            if let ValueKind::Str(k) = &resolver.resolve(index, loc).value.kind {
                out.extend(split_words(k));
            }
            key_words(resolver, base, loc, depth + 1, out);
        }
        ValueKind::Str(s) if is_public_key(s.as_bytes()) => out.push("public".into()),
        ValueKind::Call(id) => {
            let call = &resolver.module(loc.module).calls[*id];
            let inner = loc.with_scope(call.scope);
            key_words(resolver, &call.callee, inner, depth + 1, out);
            for arg in &call.args {
                key_words(resolver, &arg.value, inner, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Whose token a verifying call accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Signed by this project with the same key, used so.
    FirstParty(KeyUse),
    ThirdParty,
    Unknown,
}

/// Whose token the verifying decode `call` accepts (PyJWT, python-jose,
/// jsonwebtoken, jwt-simple); unknown for anything else.
pub fn verified_token_origin(resolver: &Resolver, call: &Call, loc: Loc, names: &dyn TokenNames) -> TokenOrigin {
    let loc = loc.with_scope(call.scope);
    let paths = resolver.callee_paths(call, loc.module);
    let rust_decode = paths
        .iter()
        .any(|p| p == "jsonwebtoken::decode" || p == "jsonwebtoken::decode::decode");
    let (key, algorithms) = if rust_decode {
        (
            argument(&call.args, None, 1),
            rust_algorithms(resolver, argument(&call.args, None, 2), loc),
        )
    } else if let (Language::Rust, ValueKind::Attr(receiver, _)) =
        (resolver.module(loc.module).language, &call.callee.kind)
    {
        (Some(&**receiver), AlgorithmFamilies::default())
    } else {
        let algorithms = argument(&call.args, Some("algorithms"), 2);
        (
            argument(&call.args, Some("key"), 1),
            algorithms.map_or_else(AlgorithmFamilies::default, |a| python_algorithms(resolver, a, loc)),
        )
    };
    let Some(key) = key else {
        return TokenOrigin::Unknown;
    };
    let mut words = Vec::new();
    key_words(resolver, key, loc, 0, &mut words);
    let origin = origin_of_words(&words);
    if origin == KeyOrigin::Published {
        return TokenOrigin::ThirdParty;
    }
    let identity = key_identity(resolver, key, loc, 0);
    if let Some(identity) = &identity
        && let Some(used) = signing_index(resolver, names).signs_with(identity)
    {
        return TokenOrigin::FirstParty(used);
    }
    let public = origin == KeyOrigin::Public || (origin == KeyOrigin::Unknown && algorithms.only_asymmetric());
    let shared = origin == KeyOrigin::Shared || (origin == KeyOrigin::Unknown && algorithms.only_hmac());
    if public || (shared && identity.is_some()) {
        TokenOrigin::ThirdParty
    } else {
        TokenOrigin::Unknown
    }
}

/// Which algorithm families an allowlist holds.
#[derive(Default, Clone, Copy)]
struct AlgorithmFamilies {
    hmac: bool,
    asymmetric: bool,
    unknown: bool,
}

impl AlgorithmFamilies {
    fn add(&mut self, name: Option<&str>) {
        match name.map(algorithm_family) {
            Some(Some(AlgorithmFamily::Hmac)) => self.hmac = true,
            Some(Some(AlgorithmFamily::Asymmetric)) => self.asymmetric = true,
            _ => self.unknown = true,
        }
    }

    fn only_asymmetric(self) -> bool {
        self.asymmetric && !self.hmac && !self.unknown
    }

    fn only_hmac(self) -> bool {
        self.hmac && !self.asymmetric && !self.unknown
    }
}

fn python_algorithms(resolver: &Resolver, value: &Value, loc: Loc) -> AlgorithmFamilies {
    let mut families = AlgorithmFamilies::default();
    let resolved = resolver.resolve(value, loc);
    match &resolved.value.kind {
        ValueKind::List(items) => {
            for item in items {
                match &resolver.resolve(item, resolved.loc).value.kind {
                    ValueKind::Str(name) => families.add(Some(name)),
                    _ => families.add(None),
                }
            }
        }
        ValueKind::Str(name) => families.add(Some(name)),
        _ => families.add(None),
    }
    families
}

/// The algorithms of a `Validation` built here: `Validation::new(Algorithm::RS256)`,
/// `Validation::default()` (HS256).
fn rust_algorithms(resolver: &Resolver, validation: Option<&Value>, loc: Loc) -> AlgorithmFamilies {
    let mut families = AlgorithmFamilies::default();
    let Some(validation) = validation else {
        families.add(None);
        return families;
    };
    let resolved = resolver.resolve(validation, loc);
    if let ValueKind::Dict { entries, .. } = &resolved.value.kind {
        // `Validation { algorithms: vec![Algorithm::RS256], .. }`
        let algorithms = entries
            .iter()
            .find(|(k, _)| matches!(&k.kind, ValueKind::Str(s) if s == "algorithms"));
        let list = algorithms.map(|(_, v)| resolver.resolve(v, resolved.loc));
        if let Some(list) = list
            && let ValueKind::List(items) = &list.value.kind
        {
            for item in items {
                families.add(rust_algorithm(resolver, item, list.loc).as_deref());
            }
        } else {
            families.add(None);
        }
        return families;
    }
    let ValueKind::Call(id) = &resolved.value.kind else {
        families.add(None);
        return families;
    };
    let call = &resolver.module(resolved.loc.module).calls[*id];
    let paths = resolver.callee_paths(call, resolved.loc.module);
    if paths.iter().any(|p| p.ends_with("Validation::default")) {
        families.add(Some("HS256"));
    } else if paths.iter().any(|p| p.ends_with("Validation::new"))
        && let Some(first) = call.args.first()
    {
        families.add(rust_algorithm(resolver, &first.value, resolved.loc.with_scope(call.scope)).as_deref());
    } else {
        families.add(None);
    }
    families
}

/// `Algorithm::RS256` as `RS256`.
pub(crate) fn rust_algorithm(resolver: &Resolver, value: &Value, loc: Loc) -> Option<String> {
    resolver
        .value_paths(value, loc, 0)
        .into_iter()
        .find_map(|p| p.rsplit("::").next().map(str::to_string))
}
