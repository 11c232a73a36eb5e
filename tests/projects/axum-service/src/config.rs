//! Lifetimes and the environment helper.

pub const TOKEN_LIFETIME_SECS: u64 = 7 * 24 * 60 * 60;
pub const SHORT_LIFETIME_SECS: u64 = 10 * 60;

/// An environment variable, or a fallback when it is not set.
pub fn env_or(name: &str, fallback: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fallback.to_string())
}
