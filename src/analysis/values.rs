//! What the engine knows about values: constant folding of integers and
//! durations (`60 * 24 * 8`, `timedelta(minutes=EXPIRE)`), "now plus a
//! lifetime" expiries, generated key sizes, URL hosts and JWT algorithm
//! families. Every function answers `None` when it cannot know.

use crate::analysis::resolve::{Loc, Resolver};
use crate::model::{BinOp, Value, ValueKind};

/// Values whose content the model does not know.
pub fn is_opaque(value: &Value) -> bool {
    matches!(
        value.kind,
        ValueKind::Unknown
            | ValueKind::Name(_)
            | ValueKind::Path(_)
            | ValueKind::Attr(..)
            | ValueKind::Index(..)
            | ValueKind::Call(_)
            | ValueKind::Imported(_)
            | ValueKind::Template(_)
            | ValueKind::BinOp(..)
            | ValueKind::ClassDef(_)
            | ValueKind::Closure(_)
            | ValueKind::Typed(_)
            | ValueKind::Function(_)
            | ValueKind::Choice(_)
            | ValueKind::Or(..)
    )
}

/// PEM public keys and certificates, and OpenSSH public keys: embedding
/// them is fine, they are meant to be public.
pub fn is_public_key(text: &[u8]) -> bool {
    let text = String::from_utf8_lossy(text);
    let text = text.trim_start();
    [
        "-----BEGIN PUBLIC KEY",
        "-----BEGIN RSA PUBLIC KEY",
        "-----BEGIN CERTIFICATE",
        "ssh-rsa ",
        "ssh-ed25519 ",
        "ecdsa-sha2-",
    ]
    .iter()
    .any(|prefix| text.starts_with(prefix))
}

/// Calls whose result is the current time, for `exp = now + lifetime`.
pub const NOW_CALLS: &[&str] = &[
    "datetime.datetime.utcnow",
    "datetime.datetime.now",
    "datetime.datetime.today",
    "datetime.utcnow",
    "datetime.now",
    "time.time",
    "django.utils.timezone.now",
    "arrow.utcnow",
    "arrow.now",
    "pendulum.now",
    "chrono::Utc::now",
    "chrono::Local::now",
    "chrono::offset::Utc::now",
    "chrono::offset::Local::now",
    "chrono::prelude::Utc::now",
    "chrono::prelude::Local::now",
    "std::time::SystemTime::now",
    "jsonwebtoken::get_current_timestamp",
    "time::OffsetDateTime::now_utc",
    "jwt_simple::prelude::Clock::now_since_epoch",
];

/// Bounds the recursion of constant folding.
const MAX_FOLD_DEPTH: usize = 24;

/// An integer the value folds to.
pub fn int_value(resolver: &Resolver, value: &Value, loc: Loc) -> Option<i128> {
    fold_int(resolver, value, loc, 0)
}

fn fold_int(resolver: &Resolver, value: &Value, loc: Loc, depth: usize) -> Option<i128> {
    if depth > MAX_FOLD_DEPTH {
        return None;
    }
    let resolved = resolver.resolve(value, loc);
    match &resolved.value.kind {
        ValueKind::Int(n) => Some(*n),
        ValueKind::Or(first, second) => match falsy(resolver, first, resolved.loc) {
            Some(true) => fold_int(resolver, second, resolved.loc, depth + 1),
            Some(false) => fold_int(resolver, first, resolved.loc, depth + 1),
            None => None,
        },
        ValueKind::Call(id) => {
            let (inner, at) = number_behind_call(resolver, *id, resolved.loc)?;
            fold_int(resolver, inner, at, depth + 1)
        }
        ValueKind::BinOp(op, left, right) => {
            let a = fold_int(resolver, left, resolved.loc, depth + 1)?;
            let b = fold_int(resolver, right, resolved.loc, depth + 1)?;
            match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::FloorDiv | BinOp::Div if b != 0 && a % b == 0 => Some(a / b),
                BinOp::FloorDiv if b != 0 => Some(a.div_euclid(b)),
                BinOp::Pow if (0..=64).contains(&b) => a.checked_pow(b as u32),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Reads of the environment with a default: the default is what ships
/// when the variable is not set.
const ENV_WITH_DEFAULT: &[&str] = &["os.getenv", "os.environ.get", "os.environ.setdefault"];

/// The number a call stands for: `int(x)` is `x`, `os.getenv("X", 86400)`
/// its default, and a function of the project what it returns for this call.
fn number_behind_call<'p>(resolver: &Resolver<'p>, id: usize, loc: Loc) -> Option<(&'p Value, Loc)> {
    let call = &resolver.module(loc.module).calls[id];
    let at = loc.with_scope(call.scope);
    if let Some(result) = resolver.call_result(id, loc) {
        return Some((result.value, result.loc));
    }
    let paths = resolver.callee_paths(call, loc.module);
    let is = |names: &[&str]| paths.iter().any(|p| names.contains(&p.as_str()));
    if is(&["int", "float", "round"]) && call.args.len() == 1 && call.args[0].keyword.is_none() {
        return Some((&call.args[0].value, at));
    }
    if is(ENV_WITH_DEFAULT) && !call.star_args && !call.star_kwargs {
        let default = call
            .args
            .iter()
            .find(|a| a.keyword.as_deref() == Some("default"))
            .or_else(|| call.args.iter().filter(|a| a.keyword.is_none()).nth(1))?;
        return Some((&default.value, at));
    }
    None
}

/// Whether a value is falsy (`None`, `False`, `0`, `""`, an empty
/// display): `None` when that cannot be known.
fn falsy(resolver: &Resolver, value: &Value, loc: Loc) -> Option<bool> {
    let resolved = resolver.resolve(value, loc);
    match &resolved.value.kind {
        ValueKind::Null => Some(true),
        ValueKind::Bool(b) => Some(!b),
        ValueKind::Int(n) => Some(*n == 0),
        ValueKind::Str(s) => Some(s.is_empty()),
        ValueKind::Bytes(b) => Some(b.is_empty()),
        ValueKind::List(items) => Some(items.is_empty()),
        ValueKind::Dict { entries, open } => (!open || !entries.is_empty()).then_some(entries.is_empty()),
        // A duration known to be longer than nothing is truthy.
        _ => match duration_seconds(resolver, resolved.value, resolved.loc) {
            Some(seconds) if seconds > 0 => Some(false),
            _ => None,
        },
    }
}

const TIMEDELTA_CALLS: &[&str] = &["datetime.timedelta", "timedelta"];

/// Seconds per unit of `timedelta`'s parameters, in its positional order.
const TIMEDELTA_UNITS: &[(&str, i128)] = &[
    ("days", 86_400),
    ("seconds", 1),
    ("microseconds", 0),
    ("milliseconds", 0),
    ("minutes", 60),
    ("hours", 3_600),
    ("weeks", 604_800),
];

/// A duration in seconds: an integer number of seconds, or a `timedelta`
/// with constant arguments, possibly scaled (`timedelta(days=1) * 7`).
pub fn duration_seconds(resolver: &Resolver, value: &Value, loc: Loc) -> Option<i128> {
    fold_duration(resolver, value, loc, 0)
}

fn fold_duration(resolver: &Resolver, value: &Value, loc: Loc, depth: usize) -> Option<i128> {
    if depth > MAX_FOLD_DEPTH {
        return None;
    }
    let resolved = resolver.resolve(value, loc);
    match &resolved.value.kind {
        ValueKind::Int(n) => Some(*n),
        // `expires_delta or timedelta(minutes=15)`: the default only when
        // what is passed is falsy (`None`).
        ValueKind::Or(first, second) => match falsy(resolver, first, resolved.loc) {
            Some(true) => fold_duration(resolver, second, resolved.loc, depth + 1),
            Some(false) => fold_duration(resolver, first, resolved.loc, depth + 1),
            None => None,
        },
        // A lifetime over a limit on every branch is over it: the shortest.
        ValueKind::Choice(alternatives) => alternatives
            .iter()
            .map(|a| fold_duration(resolver, a, resolved.loc, depth + 1))
            .try_fold(i128::MAX, |shortest, d| d.map(|d| shortest.min(d))),
        ValueKind::Call(id) => {
            // A helper's result, `int(x)`, an environment default.
            if let Some((inner, at)) = number_behind_call(resolver, *id, resolved.loc) {
                return fold_duration(resolver, inner, at, depth + 1);
            }
            let module = resolver.module(resolved.loc.module);
            let call = &module.calls[*id];
            let paths = resolver.callee_paths(call, resolved.loc.module);
            if let Some(unit) = rust_duration_unit(&paths) {
                // `Duration::from_secs(n)`, `chrono::Duration::hours(n)`, `Duration::from_millis(n)`.
                let at = resolved.loc.with_scope(call.scope);
                let n = fold_int(resolver, &call.args.first()?.value, at, depth + 1)?;
                return match unit {
                    RustUnit::Seconds(per) => n.checked_mul(per),
                    RustUnit::Millis => Some(n / 1000),
                };
            }
            // `TimeDelta::try_hours(2).unwrap()`: the duration it holds.
            if let ValueKind::Attr(receiver, method) = &call.callee.kind
                && matches!(method.as_str(), "unwrap" | "expect" | "unwrap_or_default")
            {
                let at = resolved.loc.with_scope(call.scope);
                return fold_duration(resolver, receiver, at, depth + 1);
            }
            // `Some(Duration::from_hours(2))`: an optional duration that is set.
            if paths.iter().any(|p| p == "Some") && call.args.len() == 1 {
                return fold_duration(
                    resolver,
                    &call.args[0].value,
                    resolved.loc.with_scope(call.scope),
                    depth + 1,
                );
            }
            if !paths.iter().any(|p| TIMEDELTA_CALLS.contains(&p.as_str())) || call.star_args || call.star_kwargs {
                return None;
            }
            let at = resolved.loc.with_scope(call.scope);
            let mut total: i128 = 0;
            let mut position = 0;
            for arg in &call.args {
                let unit = match &arg.keyword {
                    Some(k) => TIMEDELTA_UNITS.iter().find(|(name, _)| name == k)?.1,
                    None => {
                        position += 1;
                        TIMEDELTA_UNITS.get(position - 1)?.1
                    }
                };
                total = total.checked_add(fold_int(resolver, &arg.value, at, depth + 1)?.checked_mul(unit)?)?;
            }
            Some(total)
        }
        ValueKind::BinOp(op, left, right) => {
            // A duration scaled or summed: `timedelta(days=1) * 7`, `60 * 60 * 24`.
            let a = fold_duration(resolver, left, resolved.loc, depth + 1)?;
            let b = fold_duration(resolver, right, resolved.loc, depth + 1)?;
            match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::FloorDiv | BinOp::Div if b != 0 => Some(a / b),
                _ => None,
            }
        }
        _ => None,
    }
}

enum RustUnit {
    Seconds(i128),
    Millis,
}

/// The unit of a Rust duration constructor (std, chrono, time, jwt-simple),
/// by its last two path segments.
fn rust_duration_unit(paths: &[String]) -> Option<RustUnit> {
    paths.iter().find_map(|p| {
        let mut tail = p.rsplit("::");
        let method = tail.next()?;
        let ty = tail.next()?;
        if ty != "Duration" && ty != "TimeDelta" {
            return None;
        }
        Some(match method {
            "from_secs" | "seconds" | "try_seconds" | "new" => RustUnit::Seconds(1),
            "from_millis" | "milliseconds" => RustUnit::Millis,
            "from_mins" | "minutes" | "try_minutes" => RustUnit::Seconds(60),
            "from_hours" | "hours" | "try_hours" => RustUnit::Seconds(3_600),
            "from_days" | "days" | "try_days" => RustUnit::Seconds(86_400),
            "weeks" | "try_weeks" => RustUnit::Seconds(604_800),
            _ => return None,
        })
    })
}

/// The lifetime of an expiry computed as "now plus a duration"
/// (`datetime.utcnow() + timedelta(days=7)`, `int(time.time()) + 86400`,
/// `(now + delta).timestamp()`).
pub fn expiry_lifetime(resolver: &Resolver, value: &Value, loc: Loc, now_calls: &[&str]) -> Option<i128> {
    expiry(resolver, value, loc, now_calls, 0)
}

fn expiry(resolver: &Resolver, value: &Value, loc: Loc, now_calls: &[&str], depth: usize) -> Option<i128> {
    if depth > MAX_FOLD_DEPTH {
        return None;
    }
    let resolved = resolver.resolve(value, loc);
    match &resolved.value.kind {
        ValueKind::BinOp(BinOp::Add, left, right) => {
            if is_now(resolver, left, resolved.loc, now_calls, depth + 1) {
                duration_seconds(resolver, right, resolved.loc)
            } else if is_now(resolver, right, resolved.loc, now_calls, depth + 1) {
                duration_seconds(resolver, left, resolved.loc)
            } else {
                None
            }
        }
        ValueKind::Choice(alternatives) => alternatives
            .iter()
            .map(|a| expiry(resolver, a, resolved.loc, now_calls, depth + 1))
            .try_fold(i128::MAX, |shortest, d| d.map(|d| shortest.min(d))),
        // `"exp": make_expiry()`, a helper of the project.
        ValueKind::Call(id) if resolver.call_result(*id, resolved.loc).is_some() => {
            let result = resolver.call_result(*id, resolved.loc)?;
            expiry(resolver, result.value, result.loc, now_calls, depth + 1)
        }
        ValueKind::Call(id) => {
            let call = &resolver.module(resolved.loc.module).calls[*id];
            let at = resolved.loc.with_scope(call.scope);
            // chrono: `Utc::now().checked_add_signed(Duration::days(7))`.
            if let ValueKind::Attr(receiver, method) = &call.callee.kind
                && matches!(
                    method.as_str(),
                    "checked_add_signed" | "checked_add" | "saturating_add" | "add"
                )
                && call.args.len() == 1
                && is_now(resolver, receiver, at, now_calls, depth + 1)
            {
                return duration_seconds(resolver, &call.args[0].value, at);
            }
            let inner = pass_through_operand(resolver, call, resolved.loc)?;
            expiry(
                resolver,
                inner,
                resolved.loc.with_scope(call.scope),
                now_calls,
                depth + 1,
            )
        }
        _ => None,
    }
}

fn is_now(resolver: &Resolver, value: &Value, loc: Loc, now_calls: &[&str], depth: usize) -> bool {
    if depth > MAX_FOLD_DEPTH {
        return false;
    }
    let resolved = resolver.resolve(value, loc);
    let ValueKind::Call(id) = &resolved.value.kind else {
        return false;
    };
    let call = &resolver.module(resolved.loc.module).calls[*id];
    let paths = resolver.callee_paths(call, resolved.loc.module);
    if paths.iter().any(|p| now_calls.contains(&p.as_str())) {
        return true;
    }
    // `def utcnow(): return datetime.now(timezone.utc)`, a helper of the project.
    if let Some(result) = resolver.call_result(*id, resolved.loc) {
        return is_now(resolver, result.value, result.loc, now_calls, depth + 1);
    }
    match pass_through_operand(resolver, call, resolved.loc) {
        Some(inner) => is_now(
            resolver,
            inner,
            resolved.loc.with_scope(call.scope),
            now_calls,
            depth + 1,
        ),
        None => false,
    }
}

/// `int(x)`, `round(x)`, `x.timestamp()`: calls that keep the meaning of
/// their operand for expiry arithmetic.
fn pass_through_operand<'p>(resolver: &Resolver<'p>, call: &'p crate::model::Call, loc: Loc) -> Option<&'p Value> {
    // `x.timestamp()`, and Rust's `now.duration_since(UNIX_EPOCH).unwrap().as_secs()`.
    if let ValueKind::Attr(receiver, method) = &call.callee.kind
        && matches!(
            method.as_str(),
            "timestamp" | "unix_timestamp" | "unwrap" | "expect" | "as_secs" | "duration_since" | "elapsed"
        )
    {
        return Some(receiver);
    }
    // `int(dt.strftime("%s"))`: seconds since the epoch, as text.
    if let ValueKind::Attr(receiver, method) = &call.callee.kind
        && method == "strftime"
        && let [format] = call.args.as_slice()
        && matches!(&resolver.resolve(&format.value, loc.with_scope(call.scope)).value.kind, ValueKind::Str(f) if f == "%s")
    {
        return Some(receiver);
    }
    let paths = resolver.callee_paths(call, loc.module);
    if paths.iter().any(|p| p == "int" || p == "round" || p == "math.floor") && call.args.len() == 1 {
        return Some(&call.args[0].value);
    }
    None
}

/// `secrets.token_bytes(16)` and friends: `None` when the value is not a key
/// generator call, `Some(None)` when its size is not known.
pub fn generated_key_bytes(resolver: &Resolver, value: &Value, loc: Loc) -> Option<Option<i128>> {
    let ValueKind::Call(id) = &value.kind else {
        return None;
    };
    let call = &resolver.module(loc.module).calls[*id];
    // `os.urandom(16).hex()`: the size is the receiver's.
    if let ValueKind::Attr(receiver, method) = &call.callee.kind
        && (method == "hex" || method == "decode")
        && matches!(receiver.kind, ValueKind::Call(_))
    {
        return generated_key_bytes(resolver, receiver, loc.with_scope(call.scope));
    }
    let paths = resolver.callee_paths(call, loc.module);
    let (default, keyword) = paths.iter().find_map(|p| match p.as_str() {
        "secrets.token_bytes" | "secrets.token_hex" | "secrets.token_urlsafe" => Some((Some(32), "nbytes")),
        "os.urandom" => Some((None, "size")),
        // `rand::random::<[u8; 16]>()`: the Rust frontend records the array length.
        "rand::random" => Some((None, crate::frontend::lower::rust::ARRAY_LEN)),
        "Crypto.Random.get_random_bytes" | "Cryptodome.Random.get_random_bytes" => Some((None, "N")),
        _ => None,
    })?;
    let size = call
        .args
        .iter()
        .find(|a| a.keyword.is_none() || a.keyword.as_deref() == Some(keyword));
    Some(match size {
        Some(arg) => int_value(resolver, &arg.value, loc.with_scope(call.scope)),
        None if call.star_args || call.star_kwargs => None,
        None => default,
    })
}

/// `3 days`, `90 minutes`, `45 seconds`.
pub fn human_duration(seconds: i128) -> String {
    let units = [(86_400, "day"), (3_600, "hour"), (60, "minute")];
    for (size, name) in units {
        if seconds >= size && seconds % size == 0 {
            let n = seconds / size;
            return format!("{n} {name}{}", if n == 1 { "" } else { "s" });
        }
    }
    format!("{seconds} second{}", if seconds == 1 { "" } else { "s" })
}

/// Loopback destinations, where plain HTTP does not leave the machine.
pub fn is_loopback_host(host_and_port: &str) -> bool {
    let host = if let Some(rest) = host_and_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host_and_port
            .rsplit_once('@')
            .map_or(host_and_port, |(_, h)| h)
            .split(':')
            .next()
            .unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host == "0.0.0.0"
        || host.split('.').next() == Some("127") && host.split('.').count() == 4
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgorithmFamily {
    Hmac,
    Asymmetric,
}

/// HMAC (`HS*`) or asymmetric (`RS*`, `PS*`, `ES*`, `EdDSA`) JWS algorithms.
pub fn algorithm_family(name: &str) -> Option<AlgorithmFamily> {
    let upper = name.to_ascii_uppercase();
    if ["HS256", "HS384", "HS512"].contains(&upper.as_str()) {
        Some(AlgorithmFamily::Hmac)
    } else if upper.starts_with("RS") || upper.starts_with("PS") || upper.starts_with("ES") || upper == "EDDSA" {
        Some(AlgorithmFamily::Asymmetric)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(8 * 86_400), "8 days");
        assert_eq!(human_duration(90 * 60), "90 minutes");
        assert_eq!(human_duration(3_600), "1 hour");
        assert_eq!(human_duration(61), "61 seconds");
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "localhost:8000",
            "127.0.0.1:5000",
            "[::1]:80",
            "api.localhost",
            "user@127.0.0.1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["example.com", "10.0.0.1", "127.example.com", "localhost.evil.com"] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn algorithm_families() {
        assert_eq!(algorithm_family("HS256"), Some(AlgorithmFamily::Hmac));
        assert_eq!(algorithm_family("rs256"), Some(AlgorithmFamily::Asymmetric));
        assert_eq!(algorithm_family("EdDSA"), Some(AlgorithmFamily::Asymmetric));
        assert_eq!(algorithm_family("none"), None);
    }
}
