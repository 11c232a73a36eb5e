//! Where tokens travel: read from a request (an `Authorization` header, a
//! cookie, the query string), written to a response (a cookie with its
//! flags, a body), and sent with outgoing requests. A place counts when a
//! literal name says it holds a bearer token (the policy's token names) or
//! the value's provenance says it is one.

use crate::analysis::project::ModuleId;
use crate::analysis::provenance::{TokenKind, token_kind};
use crate::analysis::resolve::{Loc, Resolver, dotted_text};
use crate::model::{Call, Module, Span, Value, ValueKind};
use crate::rules::policy::Policy;

use super::model::{CookieFlags, Place, Transport};

/// Containers a request's values are read from, by their last attribute.
const READ_FROM: &[(&str, &str)] = &[
    ("headers", "header"),
    ("META", "header"),
    ("cookies", "cookie"),
    ("COOKIES", "cookie"),
    ("args", "query"),
    ("query_params", "query"),
    ("GET", "query"),
];

/// HTTP client libraries whose calls send requests.
const CLIENTS: &[&str] = &["requests.", "httpx.", "aiohttp.", "urllib3."];

struct Finder<'r, 'p> {
    resolver: &'r Resolver<'p>,
    module: &'p Module,
    id: ModuleId,
    policy: &'r Policy,
    out: Vec<(Span, Transport)>,
}

/// The transport entries of a module, each with its span (place and
/// findings are filled in by the caller).
pub(super) fn entries(
    resolver: &Resolver,
    id: ModuleId,
    policy: &Policy,
    include_tests: bool,
) -> Vec<(Span, Transport)> {
    let module = resolver.module(id);
    let mut finder = Finder {
        resolver,
        module,
        id,
        policy,
        out: Vec::new(),
    };
    for call in &module.calls {
        finder.call(call);
    }
    for subscript in &module.subscripts {
        finder.read(&subscript.base, &subscript.index, subscript.span, subscript.scope);
    }
    for parameter in &module.parameters {
        finder.parameter(parameter);
    }
    // A Python route's returned dict is its response body; a Rust struct
    // literal is a value, not a response.
    if module.language == crate::model::Language::Python {
        for function in &module.functions {
            for returned in &function.returns {
                finder.body(returned, function.scope);
            }
        }
    }
    finder
        .out
        .into_iter()
        .filter(|(span, _)| include_tests || !module.test_regions.iter().any(|r| r.contains(span.start)))
        .collect()
}

fn entry(direction: &str, carrier: &str, name: Option<String>) -> Transport {
    Transport {
        place: Place {
            path: String::new(),
            line: 0,
            column: 0,
        },
        direction: direction.to_string(),
        carrier: carrier.to_string(),
        name,
        cookie_flags: None,
        findings: Vec::new(),
    }
}

impl<'p> Finder<'_, 'p> {
    fn literal(&self, value: &'p Value, scope: usize) -> Option<String> {
        match &self.resolver.resolve(value, Loc::new(self.id, scope)).value.kind {
            ValueKind::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn is_token_name(&self, name: &str) -> bool {
        name.eq_ignore_ascii_case("authorization") || self.policy.token_names.matches(name)
    }

    fn is_bearer(&self, value: &'p Value, scope: usize) -> bool {
        let loc = Loc::new(self.id, scope);
        let kind = token_kind(self.resolver, value, loc, self.policy);
        kind.kind == TokenKind::Bearer && !kind.by_name
    }

    /// `request.headers["Authorization"]`, `request.cookies.get("token")`.
    fn read(&mut self, base: &'p Value, key: &'p Value, span: Span, scope: usize) {
        let Some(container) = dotted_text(base) else { return };
        let last = container.rsplit('.').next().unwrap_or("");
        let Some((_, carrier)) = READ_FROM.iter().find(|(name, _)| *name == last) else {
            return;
        };
        if !self.is_request(base, &container, scope) {
            return;
        }
        let Some(name) = self.literal(key, scope) else { return };
        let header_name = name.trim_start_matches("HTTP_");
        if self.is_token_name(header_name) {
            self.out.push((span, entry("read", carrier, Some(name))));
        }
    }

    /// Whether a container is a request's (`request.headers`,
    /// `self.request.COOKIES`, a Rust `headers: HeaderMap` parameter), not a
    /// client's own headers (`self.headers["Authorization"]`).
    fn is_request(&self, base: &'p Value, container: &str, scope: usize) -> bool {
        let segments: Vec<&str> = container.split('.').collect();
        if segments[..segments.len() - 1]
            .iter()
            .any(|s| matches!(*s, "request" | "req" | "http_request"))
        {
            return true;
        }
        let ValueKind::Name(name) = &base.kind else {
            return false;
        };
        match self.resolver.lookup(name, Loc::new(self.id, scope), base.span.start) {
            crate::analysis::resolve::Lookup::Bound(binding) => match &binding.value.kind {
                ValueKind::Typed(path) => path.last().is_some_and(|t| {
                    matches!(
                        t.as_str(),
                        "HeaderMap" | "Request" | "HttpRequest" | "Parts" | "CookieJar"
                    )
                }),
                _ => false,
            },
            _ => false,
        }
    }

    fn method(call: &Call) -> Option<(&Value, &str)> {
        match &call.callee.kind {
            ValueKind::Attr(receiver, method) => Some((receiver, method.as_str())),
            _ => None,
        }
    }

    fn call(&mut self, call: &'p Call) {
        let paths = self.resolver.callee_paths(call, self.id);
        if let Some((receiver, method)) = Self::method(call) {
            match method {
                "get" if call.args.len() <= 2 => {
                    if let Some(first) = call.args.first() {
                        self.read(receiver, &first.value, call.span, call.scope);
                    }
                }
                "set_cookie" => self.python_cookie(call),
                "bearer_auth" => self
                    .out
                    .push((call.span, entry("send", "header", Some("Authorization".into())))),
                _ => {}
            }
        }
        if paths
            .iter()
            .any(|p| p.ends_with("Cookie::build") || p.ends_with("Cookie::new"))
        {
            self.rust_cookie(call);
        }
        if paths.iter().any(|p| CLIENTS.iter().any(|c| p.starts_with(c))) {
            self.outgoing(call);
        }
        if paths
            .iter()
            .any(|p| p.ends_with("OAuth2PasswordBearer") || p.ends_with("HTTPBearer"))
        {
            self.out
                .push((call.span, entry("read", "header", Some("Authorization".into()))));
        }
    }

    fn python_cookie(&mut self, call: &'p Call) {
        let arg = |keyword: &str, position: usize| {
            crate::analysis::provenance::signing::argument(&call.args, Some(keyword), position)
        };
        let name = arg("key", 0).and_then(|v| self.literal(v, call.scope));
        let by_name = name.as_deref().is_some_and(|n| self.is_token_name(n));
        let by_value = arg("value", 1).is_some_and(|v| self.is_bearer(v, call.scope));
        if !(by_name || by_value) {
            return;
        }
        let flag = |keyword: &str| match arg(keyword, usize::MAX) {
            None if call.star_kwargs => None,
            None => Some(false),
            Some(v) => match &self.resolver.resolve(v, Loc::new(self.id, call.scope)).value.kind {
                ValueKind::Bool(b) => Some(*b),
                _ => None,
            },
        };
        let samesite = arg("samesite", usize::MAX).and_then(|v| self.literal(v, call.scope));
        let mut e = entry("write", "cookie", name);
        e.cookie_flags = Some(CookieFlags {
            httponly: flag("httponly"),
            secure: flag("secure"),
            samesite,
        });
        self.out.push((call.span, e));
    }

    /// `Cookie::build(("token", value)).http_only(true).secure(true)`.
    fn rust_cookie(&mut self, call: &'p Call) {
        let (name_value, value) = match call.args.as_slice() {
            [pair] => match &pair.value.kind {
                ValueKind::List(parts) if parts.len() == 2 => (Some(&parts[0]), Some(&parts[1])),
                _ => (None, None),
            },
            [name, value, ..] => (Some(&name.value), Some(&value.value)),
            _ => (None, None),
        };
        let name = name_value.and_then(|v| self.literal(v, call.scope));
        let by_name = name.as_deref().is_some_and(|n| self.is_token_name(n));
        let by_value = value.is_some_and(|v| self.is_bearer(v, call.scope));
        if !(by_name || by_value) {
            return;
        }
        let chain = self.chain(call);
        let flag = |method: &str| {
            chain.iter().find(|(m, _)| *m == method).map_or(Some(false), |(_, c)| {
                match c
                    .args
                    .first()
                    .map(|a| &self.resolver.resolve(&a.value, Loc::new(self.id, c.scope)).value.kind)
                {
                    Some(ValueKind::Bool(b)) => Some(*b),
                    _ => None,
                }
            })
        };
        let samesite = chain.iter().find(|(m, _)| *m == "same_site").and_then(|(_, c)| {
            c.args.first().and_then(|a| match &a.value.kind {
                ValueKind::Path(segments) => segments.last().cloned(),
                _ => None,
            })
        });
        let mut e = entry("write", "cookie", name);
        e.cookie_flags = Some(CookieFlags {
            httponly: flag("http_only"),
            secure: flag("secure"),
            samesite,
        });
        self.out.push((call.span, e));
    }

    /// The methods chained on a call's result (`.http_only(true).secure(true)`).
    fn chain(&self, call: &'p Call) -> Vec<(&'p str, &'p Call)> {
        let mut out = Vec::new();
        let mut current = call.span;
        'outer: loop {
            for next in &self.module.calls {
                if let ValueKind::Attr(receiver, method) = &next.callee.kind
                    && matches!(receiver.kind, ValueKind::Call(_))
                    && receiver.span == current
                {
                    out.push((method.as_str(), next));
                    current = next.span;
                    continue 'outer;
                }
            }
            return out;
        }
    }

    /// `requests.get(url, headers={"Authorization": …})`, a token in the URL.
    fn outgoing(&mut self, call: &'p Call) {
        let loc = Loc::new(self.id, call.scope);
        if let Some(headers) = crate::analysis::provenance::signing::argument(&call.args, Some("headers"), usize::MAX)
            && let ValueKind::Dict { entries, .. } = &self.resolver.resolve(headers, loc).value.kind
        {
            for (k, _) in entries {
                if let Some(name) = self.literal(k, call.scope)
                    && self.is_token_name(&name)
                {
                    self.out.push((call.span, entry("send", "header", Some(name))));
                }
            }
        }
        if let Some(url) = call
            .args
            .iter()
            .find(|a| a.keyword.is_none() || a.keyword.as_deref() == Some("url"))
            && let ValueKind::Template(parts) = &url.value.kind
        {
            let carries = parts.iter().any(|p| match p {
                crate::model::TemplatePart::Hole(v) => self.is_bearer(v, call.scope) || self.named_token(v),
                _ => false,
            });
            if carries {
                self.out.push((call.span, entry("send", "url", None)));
            }
        }
    }

    /// A response body handing a token out: `return {"access_token": token}`.
    fn body(&mut self, returned: &'p Value, scope: usize) {
        let ValueKind::Dict { entries, .. } = &returned.kind else {
            return;
        };
        for (k, v) in entries {
            if let Some(name) = self.literal(k, scope)
                && self.is_token_name(&name)
                && self.is_bearer(v, scope)
            {
                self.out.push((k.span, entry("write", "body", Some(name))));
            }
        }
    }

    fn named_token(&self, value: &Value) -> bool {
        dotted_text(value).is_some_and(|t| self.is_token_name(t.rsplit('.').next().unwrap_or("")))
    }

    /// FastAPI parameters: `token: str = Query(...)`, `Header(...)`, `Cookie(...)`.
    fn parameter(&mut self, parameter: &'p crate::model::Parameter) {
        let Some(default) = &parameter.default else { return };
        let ValueKind::Call(id) = &default.kind else { return };
        let call = &self.module.calls[*id];
        let paths = self.resolver.callee_paths(call, self.id);
        let carrier = paths.iter().find_map(|p| match p.as_str() {
            "fastapi.Query" => Some("query"),
            "fastapi.Header" => Some("header"),
            "fastapi.Cookie" => Some("cookie"),
            _ => None,
        });
        if let Some(carrier) = carrier
            && self.is_token_name(&parameter.name)
        {
            self.out
                .push((parameter.span, entry("read", carrier, Some(parameter.name.clone()))));
        }
    }
}
