//! Context: the words of the place a value lives in. A function named
//! `send_reset_email`, a URL path `/reset-password`, a variable `invite_url`
//! say what a token there is for; the name classes that judge the words
//! are the caller's ([`TokenNames`]).

use crate::analysis::resolve::{Loc, Lookup, Resolver};
use crate::model::{Call, Span, Value, ValueKind};

use super::TokenNames;

/// The lower-case words of an identifier, path or URL: split at anything
/// that is not a letter or digit and at camelCase humps
/// (`sendResetEmail` → `send`, `reset`, `email`; `/reset-password?x` →
/// `reset`, `password`, `x`).
pub fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The words of the functions `loc` is in (and of their class or `impl`
/// type), innermost first.
pub fn function_words(resolver: &Resolver, loc: Loc) -> Vec<String> {
    let module = resolver.module(loc.module);
    module.scope_names(loc.scope).flat_map(split_words).collect()
}

/// The words of the module's path (`plugins/lemur_acme/dyn.py`).
pub fn module_path_words(resolver: &Resolver, loc: Loc) -> Vec<String> {
    split_words(&resolver.entry(loc.module).path)
}

/// Words that say a token is a session's bearer credential
/// (`create_access_token`, `refresh_session`).
const BEARER_WORDS: &[&str] = &[
    "access",
    "refresh",
    "session",
    "bearer",
    "auth",
    "authorization",
    "oauth",
];

/// Whether a signing (or token-making) call makes a one-time link token:
/// its own name and what its payload is built by
/// (`encode_jwt(&generate_file_download_claims(..))`) say so first, the
/// function it is in (`generate_password_reset_token`) next. Words of a
/// session's credential (`access`, `refresh`, `session`) win over link words.
pub fn call_is_for_link(resolver: &Resolver, call: &Call, loc: Loc, names: &dyn TokenNames) -> bool {
    let mut words = callee_words(&call.callee);
    for arg in &call.args {
        words.extend(producer_words(resolver, &arg.value, loc, 0));
    }
    match link_or_bearer(&words, names) {
        Some(link) => link,
        None => link_or_bearer(&function_words(resolver, loc), names).unwrap_or(false),
    }
}

/// `Some(true)` for link words without bearer words, `Some(false)` for
/// bearer words, `None` when the words say neither.
fn link_or_bearer(words: &[String], names: &dyn TokenNames) -> Option<bool> {
    if words.iter().any(|w| BEARER_WORDS.contains(&w.as_str())) {
        Some(false)
    } else if words.iter().any(|w| names.is_link_word(w)) {
        Some(true)
    } else {
        None
    }
}

/// Whether the words of the functions `loc` is in mark a one-time link
/// (and no session credential).
pub fn in_link_function(resolver: &Resolver, loc: Loc, names: &dyn TokenNames) -> bool {
    link_or_bearer(&function_words(resolver, loc), names) == Some(true)
}

/// The words of the last segment of a callee (`auth::encode_jwt` → `encode`, `jwt`).
pub fn callee_words(callee: &Value) -> Vec<String> {
    match &callee.kind {
        ValueKind::Name(name) => split_words(name),
        ValueKind::Attr(_, name) => split_words(name),
        ValueKind::Path(segments) => segments.last().map(|s| split_words(s)).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The words of what built a value: the callee of the call it is (through
/// one local name), and the keys of a dict display
/// (`{"purpose": "reset"}` gives `purpose`, `reset`).
fn producer_words(resolver: &Resolver, value: &Value, loc: Loc, depth: usize) -> Vec<String> {
    if depth > 2 {
        return Vec::new();
    }
    match &value.kind {
        ValueKind::Call(id) => {
            let call = &resolver.module(loc.module).calls[*id];
            let mut words = callee_words(&call.callee);
            if let ValueKind::Path(segments) = &call.callee.kind
                && segments.len() >= 2
            {
                // `InviteClaims::new(..)`: the type says what it is for.
                words.extend(split_words(&segments[segments.len() - 2]));
            }
            words
        }
        ValueKind::Name(name) => match resolver.lookup(name, loc, value.span.start) {
            Lookup::Bound(binding) if !binding.value.is_unknown() => {
                producer_words(resolver, &binding.value, loc.with_scope(binding.scope), depth + 1)
            }
            _ => Vec::new(),
        },
        ValueKind::Dict { entries, .. } => entries
            .iter()
            .flat_map(|(k, v)| {
                let mut words = match &k.kind {
                    ValueKind::Str(s) => split_words(s),
                    _ => Vec::new(),
                };
                if let ValueKind::Str(s) = &v.kind {
                    words.extend(split_words(s));
                }
                words
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The names of the locals a value is assigned to (`reset_url = f"…"`).
pub fn bound_as_words(resolver: &Resolver, loc: Loc, span: Span) -> Vec<String> {
    resolver
        .module(loc.module)
        .bindings
        .iter()
        .filter(|b| b.value.span == span)
        .flat_map(|b| split_words(&b.name))
        .collect()
}

/// Browser code (WebAssembly front ends): it holds no key, so it cannot
/// verify a token and only ever reads its own.
pub fn is_browser_code(resolver: &Resolver, loc: Loc) -> bool {
    imports_any(
        resolver,
        loc,
        &[
            "web_sys",
            "wasm_bindgen",
            "yew",
            "yew_router",
            "gloo",
            "gloo_net",
            "gloo_console",
            "leptos",
            "dioxus",
            "sycamore",
            "stdweb",
            "js_sys",
        ],
    )
}

/// A command-line program: the module parses its arguments with clap,
/// structopt, argh, argparse, click, typer or fire. What it prints to
/// standard output is its answer to the person who ran it.
pub fn is_command_line_program(resolver: &Resolver, loc: Loc) -> bool {
    imports_any(
        resolver,
        loc,
        &["clap", "structopt", "argh", "argparse", "click", "typer", "fire"],
    )
}

/// Whether the module imports from one of these packages or crates.
fn imports_any(resolver: &Resolver, loc: Loc, roots: &[&str]) -> bool {
    resolver
        .module(loc.module)
        .bindings
        .iter()
        .any(|b| match &b.value.kind {
            ValueKind::Imported(path) => roots.contains(&path.split([':', '.']).next().unwrap_or("")),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn words_split_at_case_humps_and_punctuation() {
        assert_eq!(split_words("sendResetEmail"), ["send", "reset", "email"]);
        assert_eq!(split_words("/reset-password?token="), ["reset", "password", "token"]);
        assert_eq!(
            split_words("LocalUserInvite::get_invite_url"),
            ["local", "user", "invite", "get", "invite", "url"]
        );
        assert_eq!(split_words("JWT_SECRET"), ["jwt", "secret"]);
    }
}
