//! URLs and transport: a bearer token (by name, by header, by what
//! produced it), a token carried in a URL's query string, and a literal
//! `http://` URL to a host that is not loopback.

use crate::analysis::resolve::{Loc, Lookup};
use crate::analysis::values::is_loopback_host;
use crate::model::{Span, TemplatePart, Value, ValueKind};

use super::flow::{MAX_DERIVATION_DEPTH, PASS_THROUGH_METHODS};
use super::values::known;
use super::{Ctx, Outcome, Witness};

/// A URL (a literal, or a template whose first part is literal) that sends
/// plain HTTP to a host other than loopback.
pub(super) fn plain_http_remote_url<'p>(value: &Value, witness: Witness<'p>) -> Outcome<'p> {
    let text = match &value.kind {
        ValueKind::Str(s) => Some(s.as_str()),
        ValueKind::Template(parts) => match parts.first() {
            Some(TemplatePart::Lit(s)) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    };
    let Some(url) = text else {
        return known(value, false, witness);
    };
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://") else {
        return Outcome::No;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        Outcome::Unknown // `"http://" + host`
    } else {
        Outcome::from_bool(!is_loopback_host(host), witness)
    }
}

impl<'p> Ctx<'_, 'p> {
    /// A literal part ending in `?name=` or `&name=` (a bearer-token name)
    /// followed by a value: a token carried in a URL.
    pub(super) fn token_in_query(&self, value: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let ValueKind::Template(parts) = &value.kind else {
            return Outcome::No;
        };
        // `&name=` is a query parameter when the template is a URL: it starts
        // with a base URL held in a variable, or has a `?` or `/` before.
        // A form body (`"grant_type=refresh_token&refresh_token=%s"`) is not.
        let mut url_so_far = matches!(parts.first(), Some(TemplatePart::Hole(_)));
        for pair in parts.windows(2) {
            let (TemplatePart::Lit(text), TemplatePart::Hole(hole)) = (&pair[0], &pair[1]) else {
                continue;
            };
            let url_before = url_so_far;
            url_so_far = url_so_far || text.contains(['?', '/']);
            let site = if hole.span.is_empty() { value.span } else { hole.span };
            if text.ends_with(['?', '&']) && self.urlencodes_a_token(hole, loc) {
                return Outcome::Yes(Witness { site, ..witness });
            }
            let Some(before_equals) = text.strip_suffix('=') else {
                continue;
            };
            let Some(separator) = before_equals.rfind(['?', '&']) else {
                continue;
            };
            let is_query = before_equals[separator..].starts_with('?')
                || url_before
                || before_equals[..separator].contains(['?', '/']);
            let name = &before_equals[separator + 1..];
            if is_query && !name.is_empty() && self.policy.token_names.matches(name) {
                return Outcome::Yes(Witness { site, ..witness }.named(name.to_string()));
            }
        }
        Outcome::No
    }

    /// `urlencode({"access_token": t})`, as it follows a `?` in a URL.
    pub(super) fn urlencodes_a_token(&self, hole: &'p Value, loc: Loc) -> bool {
        let resolved = self.resolver.resolve(hole, loc);
        let ValueKind::Call(id) = &resolved.value.kind else {
            return false;
        };
        let call = &self.resolver.module(resolved.loc.module).calls[*id];
        let encodes = self
            .resolver
            .callee_paths(call, resolved.loc.module)
            .iter()
            .any(|p| p == "urllib.parse.urlencode" || p == "urllib.urlencode");
        let Some(first) = call.args.first() else { return false };
        let query = self.resolver.resolve(&first.value, resolved.loc.with_scope(call.scope));
        let ValueKind::Dict { entries, .. } = &query.value.kind else {
            return false;
        };
        encodes
            && entries.iter().any(|(k, _)| {
                matches!(&self.resolver.resolve(k, query.loc).value.kind, ValueKind::Str(s) if self.policy.token_names.matches(s))
            })
    }

    /// Whether an expression is, or interpolates, a bearer token: a
    /// token-named variable, attribute or key, an `Authorization` header, or
    /// a token `jwt.encode` produced. Returns the span of the token part.
    pub(super) fn bearer_token(&self, value: &'p Value, loc: Loc, depth: usize) -> Option<Span> {
        if depth > MAX_DERIVATION_DEPTH {
            return None;
        }
        let tokens = &self.policy.token_names;
        match &value.kind {
            ValueKind::Name(name) => {
                // A Rust value known by a type that is not a string (mio's
                // `Token`, a `CancellationToken`) is not a bearer token.
                if let Lookup::Bound(binding) = self.resolver.lookup(name, loc, value.span.start)
                    && let ValueKind::Typed(segments) = &binding.value.kind
                    && !segments.last().is_some_and(|t| {
                        ["String", "str", "Cow", "SecretString", "Secret", "HeaderValue"].contains(&t.as_str())
                    })
                {
                    return None;
                }
                if tokens.matches(name) {
                    return Some(value.span);
                }
                // A local holding `jwt.encode(…)` or a header value.
                match self.resolver.lookup(name, loc, value.span.start) {
                    Lookup::Bound(binding) if !binding.value.is_unknown() => {
                        let inner = loc.with_scope(binding.scope);
                        self.bearer_token(&binding.value, inner, depth + 1).map(|_| value.span)
                    }
                    _ => None,
                }
            }
            ValueKind::Attr(_, name) if tokens.matches(name) => Some(value.span),
            ValueKind::Index(base, index) => {
                let key = self.resolver.resolve(index, loc);
                match &key.value.kind {
                    ValueKind::Str(k) if tokens.matches(k) && !is_plain_mapping_of_names(base) => Some(value.span),
                    _ => None,
                }
            }
            ValueKind::Template(parts) => parts.iter().find_map(|p| match p {
                TemplatePart::Hole(hole) => self.bearer_token(hole, loc, depth + 1),
                TemplatePart::Lit(_) => None,
            }),
            ValueKind::BinOp(_, left, right) => self
                .bearer_token(left, loc, depth + 1)
                .or_else(|| self.bearer_token(right, loc, depth + 1)),
            ValueKind::Call(id) => {
                let call = &self.resolver.module(loc.module).calls[*id];
                let paths = self.resolver.callee_paths(call, loc.module);
                let encodes = paths.iter().any(|p| {
                    matches!(
                        p.as_str(),
                        "jwt.encode" | "jwt.api_jwt.encode" | "jose.jwt.encode" | "jwt.PyJWT().encode"
                    ) || p.ends_with("create_access_token")
                        || p.ends_with("create_refresh_token")
                });
                if encodes {
                    return Some(value.span);
                }
                // `headers.get("Authorization")`, `request.cookies.get("access_token")`
                if let ValueKind::Attr(_, method) = &call.callee.kind {
                    if method == "get"
                        && let Some(first) = call.args.first()
                        && let ValueKind::Str(k) = &self.resolver.resolve(&first.value, loc).value.kind
                        && tokens.matches(k)
                    {
                        return Some(value.span);
                    }
                    if (PASS_THROUGH_METHODS.contains(&method.as_str()) || method == "format")
                        && let ValueKind::Attr(receiver, _) = &call.callee.kind
                    {
                        return self.bearer_token(receiver, loc, depth + 1);
                    }
                }
                None
            }
            _ => None,
        }
    }
}

/// `{"token": …}`-style dicts written inline are data, but `headers["x"]`
/// on an opaque mapping is a lookup: only lookups count as token reads.
fn is_plain_mapping_of_names(base: &Value) -> bool {
    matches!(base.kind, ValueKind::Dict { .. })
}
