//! Time: durations over a threshold (`timedelta(days=8)`,
//! `Duration::hours(24)`), expiries that are now plus too long a lifetime,
//! and literal timestamps far in the future.
//!
//! A lifetime held to the access-token maximum is held to the refresh-token
//! maximum instead when the code calls the token a refresh token: the
//! function it is issued in (`create_refresh_token`) or a name on the way to
//! the lifetime (`REFRESH_TOKEN_EXPIRE_DAYS`) says `refresh`. The finding
//! says which kind it took the token for, and why (`{kind}`).

use crate::analysis::resolve::{Loc, Lookup, Resolved};
use crate::analysis::values::{NOW_CALLS, duration_seconds, expiry_lifetime, human_duration};
use crate::model::{ScopeKind, Value, ValueKind};

use super::evidence::TokenKind;
use super::values::known;
use super::{Ctx, Outcome, Witness};

const ACCESS_MAXIMUM: &str = "max-access-token-lifetime";
const REFRESH_MAXIMUM: &str = "max-refresh-token-lifetime";

/// How many names and calls deep the lifetime's names are read.
const MAX_NAME_DEPTH: usize = 6;

/// An integer Unix time more than a year after now.
pub(super) fn far_future<'p>(value: &Value, witness: Witness<'p>) -> Outcome<'p> {
    match &value.kind {
        ValueKind::Int(t) => Outcome::from_bool(is_far_future_timestamp(*t), witness),
        _ => known(value, false, witness),
    }
}

impl<'p> Ctx<'_, 'p> {
    /// A duration that folds to more seconds than the policy's `threshold`.
    pub(super) fn duration_over(
        &self,
        threshold: &str,
        original: (&'p Value, Loc),
        resolved: Resolved<'p>,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let (limit, witness) = self.lifetime_limit(threshold, original, witness);
        match duration_seconds(self.resolver, resolved.value, resolved.loc) {
            Some(seconds) => Outcome::from_bool(seconds > limit, witness.displayed(human_duration(seconds))),
            None => known(resolved.value, false, witness),
        }
    }

    /// An expiry that is now plus more than the policy's `threshold`.
    pub(super) fn expiry_over(
        &self,
        threshold: &str,
        original: (&'p Value, Loc),
        resolved: Resolved<'p>,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let (limit, witness) = self.lifetime_limit(threshold, original, witness);
        match expiry_lifetime(self.resolver, resolved.value, resolved.loc, NOW_CALLS) {
            Some(seconds) => Outcome::from_bool(seconds > limit, witness.displayed(human_duration(seconds))),
            None => Outcome::Unknown,
        }
    }

    /// The maximum a lifetime is held to, and the witness marked with the
    /// kind of token that decided it. An access-token maximum becomes the
    /// refresh-token maximum when the code calls the token a refresh token.
    fn lifetime_limit(&self, threshold: &str, original: (&'p Value, Loc), witness: Witness<'p>) -> (i128, Witness<'p>) {
        let limit = |name: &str| self.policy.threshold(name).unwrap_or(i128::MAX);
        match threshold {
            ACCESS_MAXIMUM => match self.refresh_evidence(original, &witness) {
                Some(evidence) => (
                    limit(REFRESH_MAXIMUM),
                    witness.of_kind(TokenKind {
                        refresh: true,
                        evidence: Some(evidence),
                    }),
                ),
                None => (
                    limit(ACCESS_MAXIMUM),
                    witness.of_kind(TokenKind {
                        refresh: false,
                        evidence: None,
                    }),
                ),
            },
            REFRESH_MAXIMUM => (
                limit(REFRESH_MAXIMUM),
                witness.of_kind(TokenKind {
                    refresh: true,
                    evidence: None,
                }),
            ),
            other => (limit(other), witness),
        }
    }

    /// What in the code says the token is a refresh token: a function or
    /// class it is issued in, or a name on the way to its lifetime.
    fn refresh_evidence(&self, (value, loc): (&'p Value, Loc), witness: &Witness<'p>) -> Option<String> {
        let module = self.resolver.module(self.module);
        let mut enclosing: Vec<&crate::model::Scope> = module
            .scopes
            .iter()
            .filter(|s| s.kind != ScopeKind::Module && s.span.contains(witness.site.start))
            .collect();
        // Innermost first.
        enclosing.sort_by_key(|s| std::cmp::Reverse(s.span.start));
        for scope in enclosing {
            if let Some(name) = scope.name.as_deref().filter(|n| says_refresh(n)) {
                let what = if scope.kind == ScopeKind::Class {
                    "class"
                } else {
                    "function"
                };
                return Some(format!("the {what} name `{name}`"));
            }
        }
        self.refresh_name_in(value, loc, 0)
            .map(|name| format!("the name `{name}` its lifetime comes from"))
    }

    /// A name met on the way to a lifetime that says `refresh`
    /// (`REFRESH_TOKEN_EXPIRE_DAYS`, `settings.refresh_lifetime`,
    /// `refresh_expiry()`), following names to what they are bound to.
    fn refresh_name_in(&self, value: &'p Value, loc: Loc, depth: usize) -> Option<String> {
        if depth > MAX_NAME_DEPTH {
            return None;
        }
        let follow = |value: &'p Value| {
            let resolved = self.resolver.resolve(value, loc);
            if std::ptr::eq(resolved.value, value) {
                return None;
            }
            self.refresh_name_in(resolved.value, resolved.loc, depth + 1)
        };
        match &value.kind {
            ValueKind::Name(name) if says_refresh(name) => Some(name.clone()),
            ValueKind::Attr(_, name) if says_refresh(name) => Some(name.clone()),
            // One binding at a time: `lifetime = REFRESH_LIFETIME` names the
            // setting on the way, which resolving to the end would skip.
            ValueKind::Name(name) => match self.resolver.lookup(name, loc, value.span.start) {
                Lookup::Bound(binding)
                    if !matches!(binding.value.kind, ValueKind::Unknown | ValueKind::Imported(_)) =>
                {
                    self.refresh_name_in(&binding.value, loc.with_scope(binding.scope), depth + 1)
                }
                _ => follow(value),
            },
            ValueKind::Attr(..) => follow(value),
            // Either branch may be taken: a refresh token only when each
            // branch's lifetime says so.
            ValueKind::Choice(branches) => {
                let mut names = branches.iter().map(|b| self.refresh_name_in(b, loc, depth + 1));
                let first = names.next()??;
                names.all(|n| n.is_some()).then_some(first)
            }
            ValueKind::BinOp(_, left, right) => self
                .refresh_name_in(left, loc, depth + 1)
                .or_else(|| self.refresh_name_in(right, loc, depth + 1)),
            ValueKind::Call(id) => {
                let call = self.resolver.module(loc.module).calls.get(*id)?;
                let at = loc.with_scope(call.scope);
                let callee = match &call.callee.kind {
                    // A method's receiver is where the value comes from.
                    ValueKind::Attr(receiver, method) if !says_refresh(method) => {
                        self.refresh_name_in(receiver, at, depth + 1)
                    }
                    _ => self.refresh_name_in(&call.callee, at, depth + 1),
                };
                callee.or_else(|| {
                    call.args
                        .iter()
                        .find_map(|arg| self.refresh_name_in(&arg.value, at, depth + 1))
                })
            }
            ValueKind::Closure(inner) => self.refresh_name_in(inner, loc, depth + 1),
            _ => None,
        }
    }
}

fn says_refresh(name: &str) -> bool {
    name.to_ascii_lowercase().contains("refresh")
}

/// A Unix time (in seconds) more than a year after now. Values too large to
/// be seconds (milliseconds) are left alone.
fn is_far_future_timestamp(t: i128) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i128)
        .unwrap_or(0);
    t > now + 366 * 86_400 && t < 100_000_000_000
}
