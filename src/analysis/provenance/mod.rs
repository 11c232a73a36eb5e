//! Token provenance: what a value *is*, judged first by what produced it
//! and only then by its name.
//!
//! A name is evidence, not proof: `token` in a password-reset link is not a
//! bearer credential, and a JWT in a variable called `session` is one. The
//! lattice is small:
//!
//! - [`TokenKind::Bearer`]: grants access to whoever presents it: what a JWT
//!   encode (outside a one-time-link context) or a login/OAuth response
//!   produced, an `Authorization` header or what its `Bearer ` prefix was
//!   stripped from, a token-named cookie, query or header value;
//! - [`TokenKind::LinkToken`]: a one-time link token (reset, verify,
//!   confirm, invite, magic, unsubscribe, download, share), by the function,
//!   variable, route or URL path it lives in;
//! - [`TokenKind::Claims`]: the result of a decode, and data read from it;
//! - [`TokenKind::Other`]: known not to be a credential (a literal, a
//!   six-digit code, a CAPTCHA response, an ACME challenge, a masked slice);
//! - [`TokenKind::Unknown`].
//!
//! Where what produced the value is known, that decides; only an unknown
//! origin falls back on the name, read through the caller's [`TokenNames`].
//!
//! Beside the lattice: [`context`] reads the words of the function, route
//! or URL a value lives in; [`signing`] indexes what the project signs (with
//! which key, which payload) so a verified token can be told first-party
//! from someone else's; [`uses`] summarises what code does next with an
//! unverified decode's result.

pub mod context;
pub mod signing;
#[cfg(test)]
mod tests;
pub mod uses;

use crate::analysis::resolve::{Loc, Lookup, Resolver};
use crate::model::{Binding, Span, TemplatePart, Value, ValueKind};

/// How deep provenance follows names and calls.
const MAX_DEPTH: usize = 12;

/// What a value is, as far as credentials go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Bearer,
    LinkToken,
    Claims,
    Other,
    Unknown,
}

impl TokenKind {
    /// A credential: it grants something to whoever holds it while valid.
    pub fn is_credential(self) -> bool {
        matches!(self, TokenKind::Bearer | TokenKind::LinkToken)
    }

    /// The stronger evidence of two parts of one value (a template holding
    /// both a bearer token and a claim is a bearer token).
    fn join(self, other: TokenKind) -> TokenKind {
        let rank = |k: TokenKind| match k {
            TokenKind::Bearer => 4,
            TokenKind::LinkToken => 3,
            TokenKind::Claims => 2,
            TokenKind::Other => 1,
            TokenKind::Unknown => 0,
        };
        if rank(other) > rank(self) { other } else { self }
    }
}

/// A value's kind, where the token part of it is, and whether only its
/// name said so.
#[derive(Clone, Copy, Debug)]
pub struct Provenance {
    pub kind: TokenKind,
    pub span: Span,
    pub by_name: bool,
}

impl Provenance {
    fn known(kind: TokenKind, span: Span) -> Self {
        Provenance {
            kind,
            span,
            by_name: false,
        }
    }

    fn unknown(span: Span) -> Self {
        Provenance::known(TokenKind::Unknown, span)
    }
}

/// How names read: the caller's name classes (the policy's, for rules).
pub trait TokenNames: Sync {
    /// A bearer credential's name (`access_token`, `Authorization`, `jwt`).
    fn is_bearer(&self, name: &str) -> bool;
    /// A word of what a one-time link token is for (`reset`, `invite`).
    fn is_link_word(&self, word: &str) -> bool;
    /// A word of a value that looks like a token and is not a credential
    /// (`captcha`, `challenge`, `acme`).
    fn is_not_credential_word(&self, word: &str) -> bool;
}

/// Calls that produce a signed bearer token (unless their payload or the
/// function they are in says it is a one-time link token).
pub(crate) const SIGNING_CALLS: &[&str] = &[
    "jwt.encode",
    "jwt.api_jwt.encode",
    "jwt.PyJWT().encode",
    "jwt.api_jwt.PyJWT().encode",
    "jose.jwt.encode",
    "jsonwebtoken::encode",
    "jsonwebtoken::encode::encode",
];

/// Decodes that verify a token's signature, or are told not to (the
/// inventory's verify sites).
pub(crate) const DECODE_CALLS_VERIFYING: &[&str] = &[
    "jwt.decode",
    "jwt.decode_complete",
    "jwt.api_jwt.decode",
    "jwt.api_jwt.decode_complete",
    "jwt.PyJWT().decode",
    "jwt.PyJWT().decode_complete",
    "jwt.api_jwt.PyJWT().decode",
    "jwt.api_jwt.PyJWT().decode_complete",
    "jose.jwt.decode",
    "jsonwebtoken::decode",
    "jsonwebtoken::decode::decode",
    "jsonwebtoken::dangerous_insecure_decode",
    "jsonwebtoken::dangerous_insecure_decode_with_validation",
    "jsonwebtoken::dangerous::insecure_decode",
];

/// Calls whose result is the claims of a token, not the token, beside
/// [`DECODE_CALLS_VERIFYING`]: reads that verify nothing.
const DECODE_CALLS_PEEKING: &[&str] = &[
    "jwt.api_jws.decode",
    "jose.jwt.get_unverified_claims",
    "jose.jwt.get_unverified_header",
    "jwt.get_unverified_header",
    "jsonwebtoken::decode_header",
    "jwt::Token::parse_unverified",
    "jwt::token::Token::parse_unverified",
];

fn is_decode_call(path: &str) -> bool {
    DECODE_CALLS_VERIFYING.contains(&path) || DECODE_CALLS_PEEKING.contains(&path)
}

/// Methods that hand on what their receiver is made of (`.strip()`,
/// `.removeprefix("Bearer ")`, `.to_str()`, `.unwrap()`).
const PASS_THROUGH_METHODS: &[&str] = &[
    "strip",
    "lstrip",
    "rstrip",
    "removeprefix",
    "replace",
    "split",
    "partition",
    "rpartition",
    "decode",
    "encode",
    "format",
    "to_str",
    "to_string",
    "to_owned",
    "as_str",
    "as_bytes",
    "as_ref",
    "clone",
    "unwrap",
    "unwrap_or_default",
    "expect",
    "ok",
    "map_err",
    "trim",
    "trim_start_matches",
    "strip_prefix",
    "token",
    "get_secret_value",
    "expose_secret",
];

/// Calls that keep only part of a value, or none of it: what they return
/// is not the token (`mask(t)`, `hashlib.sha256(t)`, `len(t)`).
const MASKING_WORDS: &[&str] = &[
    "mask",
    "redact",
    "obfuscate",
    "truncate",
    "hash",
    "sha256",
    "sha1",
    "md5",
    "hexdigest",
    "digest",
    "len",
    "fingerprint",
    "last4",
    "suffix",
    "prefix",
];

/// What `value` (at `loc`) is.
pub fn token_kind<'p>(resolver: &Resolver<'p>, value: &'p Value, loc: Loc, names: &dyn TokenNames) -> Provenance {
    Judge { resolver, names }.kind(value, loc, 0)
}

struct Judge<'r, 'p> {
    resolver: &'r Resolver<'p>,
    names: &'r dyn TokenNames,
}

impl<'p> Judge<'_, 'p> {
    fn kind(&self, value: &'p Value, loc: Loc, depth: usize) -> Provenance {
        if depth > MAX_DEPTH {
            return Provenance::unknown(value.span);
        }
        match &value.kind {
            ValueKind::Name(name) => self.name_kind(name, value, loc, depth),
            ValueKind::Attr(base, name) => {
                let inner = self.kind(base, loc, depth + 1);
                if inner.kind == TokenKind::Claims {
                    return Provenance::known(TokenKind::Claims, value.span);
                }
                if self.self_field_is_not_a_string(base, name, loc) {
                    return Provenance::known(TokenKind::Other, value.span);
                }
                self.by_name(name, value.span, loc)
            }
            ValueKind::Index(base, index) => self.index_kind(base, index, value, loc, depth),
            ValueKind::Template(parts) => {
                let holes = parts.iter().filter_map(|p| match p {
                    TemplatePart::Hole(hole) => Some(self.kind(hole, loc, depth + 1)),
                    TemplatePart::Lit(_) => None,
                });
                strongest(holes, value.span)
            }
            ValueKind::BinOp(_, left, right) => strongest(
                [self.kind(left, loc, depth + 1), self.kind(right, loc, depth + 1)].into_iter(),
                value.span,
            ),
            ValueKind::Call(id) => self.call_kind(*id, value, loc, depth),
            ValueKind::Str(_)
            | ValueKind::Bytes(_)
            | ValueKind::Int(_)
            | ValueKind::Float
            | ValueKind::Bool(_)
            | ValueKind::Null => Provenance::known(TokenKind::Other, value.span),
            _ => Provenance::unknown(value.span),
        }
    }

    fn name_kind(&self, name: &str, value: &'p Value, loc: Loc, depth: usize) -> Provenance {
        let Lookup::Bound(binding) = self.resolver.lookup(name, loc, value.span.start) else {
            return self.by_name(name, value.span, loc);
        };
        let inner_loc = loc.with_scope(binding.scope);
        let inner = match &binding.value.kind {
            // A Rust value known by a type that is not a string (mio's
            // `Token`, a `CancellationToken`, a token-response struct).
            ValueKind::Typed(segments) if !is_string_type(segments) => {
                return Provenance::known(TokenKind::Other, value.span);
            }
            ValueKind::Typed(_) => Provenance::unknown(value.span),
            ValueKind::Unknown => match self.unwrapped(binding, loc) {
                Some(source) => self.kind(source, inner_loc, depth + 1),
                None => Provenance::unknown(value.span),
            },
            _ => self.kind(&binding.value, inner_loc, depth + 1),
        };
        if inner.kind != TokenKind::Unknown {
            return Provenance {
                span: value.span,
                ..inner
            };
        }
        self.by_name(name, value.span, loc)
    }
    /// `self.token` in a method of a Rust type whose `token` field is of a
    /// type that is not a string (a token-response struct, a mio `Token`).
    fn self_field_is_not_a_string(&self, base: &Value, field: &str, loc: Loc) -> bool {
        if !matches!(&base.kind, ValueKind::Name(n) if n == "self") {
            return false;
        }
        let module = self.resolver.module(loc.module);
        let Some(owner) = module
            .scope_names(loc.scope)
            .find_map(|n| n.split_once("::").map(|(t, _)| t))
        else {
            return false;
        };
        let Some((_, def)) = self.resolver.struct_def(&[owner.to_string()], loc) else {
            return false;
        };
        def.field_types
            .iter()
            .any(|(f, t)| f == field && !is_string_type(std::slice::from_ref(t)))
    }

    /// What a Rust `Ok(name)`/`Some(name)` pattern bound `binding` to.
    fn unwrapped(&self, binding: &'p Binding, loc: Loc) -> Option<&'p Value> {
        self.resolver
            .module(loc.module)
            .unwraps
            .iter()
            .find(|u| u.span == binding.span && u.name == binding.name)
            .map(|u| &u.source)
    }

    fn index_kind(&self, base: &'p Value, index: &'p Value, value: &'p Value, loc: Loc, depth: usize) -> Provenance {
        // `token[:4]`, `&token[..4]`: a slice is never the whole token.
        if index.is_unknown() {
            return Provenance::known(TokenKind::Other, value.span);
        }
        let key = self.resolver.resolve(index, loc);
        match &key.value.kind {
            ValueKind::Str(k) => {
                let inner = self.kind(base, loc, depth + 1);
                if inner.kind == TokenKind::Claims {
                    return Provenance::known(TokenKind::Claims, value.span);
                }
                if matches!(base.kind, ValueKind::Dict { .. }) {
                    return Provenance::unknown(value.span); // `{"token": t}["token"]` is data, not a lookup
                }
                self.by_name(k, value.span, loc)
            }
            ValueKind::Int(_) => Provenance {
                span: value.span,
                ..self.kind(base, loc, depth + 1)
            },
            _ => Provenance::unknown(value.span),
        }
    }

    fn call_kind(&self, id: usize, value: &'p Value, loc: Loc, depth: usize) -> Provenance {
        let module = self.resolver.module(loc.module);
        let call = &module.calls[id];
        let call_loc = loc.with_scope(call.scope);
        let paths = self.resolver.callee_paths(call, loc.module);
        let last = context::callee_words(&call.callee);
        let has = |word: &str| last.iter().any(|w| w == word);
        let known = |kind| Provenance::known(kind, value.span);
        if paths.iter().any(|p| is_decode_call(p)) || is_decode_name(&last) {
            return known(TokenKind::Claims);
        }
        if is_short_code(self.resolver, call, call_loc, &last)
            || last.iter().any(|w| MASKING_WORDS.contains(&w.as_str()))
        {
            return known(TokenKind::Other);
        }
        if paths.iter().any(|p| SIGNING_CALLS.contains(&p.as_str())) || signing::is_signing_name(&last) {
            let link = context::call_is_for_link(self.resolver, call, call_loc, self.names);
            return known(if link { TokenKind::LinkToken } else { TokenKind::Bearer });
        }
        if let ValueKind::Attr(receiver, method) = &call.callee.kind {
            if method == "get"
                && let Some(first) = call.args.first()
            {
                return self.lookup_call(receiver, &first.value, value, call_loc, depth);
            }
            if PASS_THROUGH_METHODS.contains(&method.as_str()) {
                return Provenance {
                    span: value.span,
                    ..self.kind(receiver, call_loc, depth + 1)
                };
            }
        }
        // `str(t)`, `String::from(t)`, `bytes(t, "utf-8")`.
        if (has("str") || has("from") || has("bytes"))
            && last.len() == 1
            && let Some(first) = call.args.first()
        {
            return Provenance {
                span: value.span,
                ..self.kind(&first.value, call_loc, depth + 1)
            };
        }
        if last.iter().any(|w| self.names.is_link_word(w)) && (has("token") || has("link")) {
            return known(TokenKind::LinkToken);
        }
        Provenance::unknown(value.span)
    }

    /// `mapping.get(key)`: the entry of a claims mapping is claims; the
    /// `Authorization` header is a bearer token; otherwise the key's name.
    fn lookup_call(&self, receiver: &'p Value, key: &'p Value, value: &'p Value, loc: Loc, depth: usize) -> Provenance {
        if self.kind(receiver, loc, depth + 1).kind == TokenKind::Claims {
            return Provenance::known(TokenKind::Claims, value.span);
        }
        match &self.resolver.resolve(key, loc).value.kind {
            ValueKind::Str(k) => self.by_name(k, value.span, loc),
            _ => {
                // `headers.get(header::AUTHORIZATION)`
                let paths = self.resolver.value_paths(key, loc, 0);
                match paths.iter().filter_map(|p| p.rsplit([':', '.']).next()).next() {
                    Some(last) => self.by_name(last, value.span, loc),
                    None => Provenance::unknown(value.span),
                }
            }
        }
    }

    /// What a name alone says, in the function it is read in: a bearer name
    /// in a function for a one-time link is that link's token; one in a
    /// CAPTCHA or ACME handler is not a credential.
    fn by_name(&self, name: &str, span: Span, loc: Loc) -> Provenance {
        let kind = if words_of(name).iter().any(|w| self.names.is_not_credential_word(w)) {
            TokenKind::Other
        } else if self.names.is_bearer(name) {
            let mut functions = context::function_words(self.resolver, loc);
            functions.extend(context::module_path_words(self.resolver, loc));
            if functions.iter().any(|w| self.names.is_not_credential_word(w)) {
                TokenKind::Other
            } else if context::in_link_function(self.resolver, loc, self.names) {
                TokenKind::LinkToken
            } else {
                TokenKind::Bearer
            }
        } else if words_of(name).iter().any(|w| self.names.is_link_word(w))
            && words_of(name).iter().any(|w| w == "token")
        {
            TokenKind::LinkToken
        } else {
            TokenKind::Unknown
        };
        Provenance {
            kind,
            span,
            by_name: true,
        }
    }
}

fn strongest(parts: impl Iterator<Item = Provenance>, span: Span) -> Provenance {
    let mut best = Provenance::unknown(span);
    for part in parts {
        if best.kind.join(part.kind) != best.kind {
            best = part;
        }
    }
    best
}

/// A project function named like a decoder of tokens (`decode_token`,
/// `decode_jwt`, `verify_access_token`): what it returns is claims.
fn is_decode_name(words: &[String]) -> bool {
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    has(&["decode", "verify", "validate"]) && has(&["token", "jwt", "claims"]) && !has(&["base64", "b64", "url", "hex"])
}

/// `generate_email_token(6)`, `random.randint(100000, 999999)`: a short
/// numeric code, not a credential anyone keeps.
fn is_short_code(resolver: &Resolver, call: &crate::model::Call, loc: Loc, words: &[String]) -> bool {
    let generator = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "generate" | "random" | "randint" | "randrange" | "randbelow" | "code" | "otp" | "pin" | "gen"
        )
    });
    generator
        && !call.args.is_empty()
        && call
            .args
            .iter()
            .all(|arg| matches!(resolver.resolve(&arg.value, loc).value.kind, ValueKind::Int(n) if n <= 9_999_999))
}

fn is_string_type(segments: &[String]) -> bool {
    segments.last().is_some_and(|t| {
        [
            "String",
            "str",
            "Cow",
            "SecretString",
            "Secret",
            "HeaderValue",
            "SensitiveString",
        ]
        .contains(&t.as_str())
    })
}

/// The lower-case words of an identifier (`generateResetToken`, `reset-password`).
pub fn words_of(name: &str) -> Vec<String> {
    context::split_words(name)
}
