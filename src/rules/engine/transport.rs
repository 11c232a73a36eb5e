//! URLs and transport: a bearer token carried in a URL's query string (not
//! a one-time link token, whose URL is its purpose), and a literal
//! `http://` URL to a host that is not loopback.

use crate::analysis::provenance::context::{bound_as_words, split_words};
use crate::analysis::provenance::{TokenKind, token_kind};
use crate::analysis::resolve::Loc;
use crate::analysis::values::is_loopback_host;
use crate::model::{TemplatePart, Value, ValueKind};

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
    /// followed by a value that is a bearer token: a token carried in a URL.
    /// A one-time link token (by what made it, or by the URL path, variable
    /// or function it is in), a `#fragment` and an OAuth 1.0a request token
    /// on an authorize URL are what such URLs are for.
    pub(super) fn token_in_query(&self, value: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let ValueKind::Template(parts) = &value.kind else {
            return Outcome::No;
        };
        // `&name=` is a query parameter when the template is a URL: it starts
        // with a base URL held in a variable, or has a `?` or `/` before.
        // A form body (`"grant_type=refresh_token&refresh_token=%s"`) is not.
        let mut url_so_far = matches!(parts.first(), Some(TemplatePart::Hole(_)));
        let mut text_before = String::new();
        for pair in parts.windows(2) {
            let (TemplatePart::Lit(text), TemplatePart::Hole(hole)) = (&pair[0], &pair[1]) else {
                // A base URL held in a constant says where the link goes too.
                if let TemplatePart::Hole(hole) = &pair[0]
                    && let ValueKind::Str(base) = &self.resolver.resolve(hole, loc).value.kind
                {
                    text_before.push_str(base);
                }
                continue;
            };
            text_before.push_str(text);
            let url_before = url_so_far;
            url_so_far = url_so_far || text.contains(['?', '/']);
            let site = if hole.span.is_empty() { value.span } else { hole.span };
            if text.ends_with(['?', '&'])
                && let Some((name, token)) = self.urlencoded_token(hole, loc)
                && self.is_bearer_in_url(&name, token.0, token.1, &text_before, value, loc)
            {
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
            if is_query
                && !name.is_empty()
                && self.policy.token_names.matches(name)
                && self.is_bearer_in_url(name, hole, loc, &text_before, value, loc)
            {
                return Outcome::Yes(Witness { site, ..witness }.named(name.to_string()));
            }
        }
        Outcome::No
    }

    /// Whether the value of query parameter `name` in a URL is a bearer
    /// token rather than what the URL is for.
    fn is_bearer_in_url(
        &self,
        name: &str,
        token: &'p Value,
        token_loc: Loc,
        url_before: &str,
        url: &'p Value,
        loc: Loc,
    ) -> bool {
        let url_words = split_words(url_before);
        if url_before.contains('#') {
            return false; // a fragment never reaches a server
        }
        if name.eq_ignore_ascii_case("oauth_token") && url_words.iter().any(|w| w == "authorize" || w == "authenticate")
        {
            return false; // OAuth 1.0a: the request token goes on the authorize URL
        }
        let provenance = token_kind(self.resolver, token, token_loc, self.policy);
        match provenance.kind {
            TokenKind::Bearer if !provenance.by_name => true,
            TokenKind::LinkToken | TokenKind::Claims | TokenKind::Other => false,
            TokenKind::Bearer | TokenKind::Unknown => {
                let is_link = |w: &String| self.policy.link_token_words.matches(w);
                !url_words.iter().any(is_link) && !bound_as_words(self.resolver, loc, url.span).iter().any(is_link)
            }
        }
    }

    /// `urlencode({"access_token": t})`, as it follows a `?` in a URL: the
    /// token's name and value.
    fn urlencoded_token(&self, hole: &'p Value, loc: Loc) -> Option<(String, (&'p Value, Loc))> {
        let resolved = self.resolver.resolve(hole, loc);
        let ValueKind::Call(id) = &resolved.value.kind else {
            return None;
        };
        let call = &self.resolver.module(resolved.loc.module).calls[*id];
        let encodes = self
            .resolver
            .callee_paths(call, resolved.loc.module)
            .iter()
            .any(|p| p == "urllib.parse.urlencode" || p == "urllib.urlencode");
        let first = call.args.first().filter(|_| encodes)?;
        let query = self.resolver.resolve(&first.value, resolved.loc.with_scope(call.scope));
        let ValueKind::Dict { entries, .. } = &query.value.kind else {
            return None;
        };
        entries
            .iter()
            .find_map(|(k, v)| match &self.resolver.resolve(k, query.loc).value.kind {
                ValueKind::Str(s) if self.policy.token_names.matches(s) => Some((s.clone(), (v, query.loc))),
                _ => None,
            })
    }
}
