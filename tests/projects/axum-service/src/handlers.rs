//! Handlers: they choose the lifetimes the auth module encodes.
use crate::auth;
use crate::config::{env_or, SHORT_LIFETIME_SECS};
use jsonwebtoken::get_current_timestamp;

pub fn login(user: &str, remember: bool) -> String {
    auth::issue(user, remember)
}

pub fn download_claims(user: &str) -> auth::Claims {
    auth::claims_for(user, get_current_timestamp(), SHORT_LIFETIME_SECS)
}

pub fn week_claims(user: &str) -> auth::Claims {
    auth::claims_for(user, get_current_timestamp(), 7 * 24 * 3600) // expect: JWT204
}

pub fn admin_secret() -> String {
    env_or("ADMIN_API_SECRET", "fixture-secret-not-real-9102") // expect: SEC302
}

pub fn listen_port() -> String {
    env_or("PORT", "8080")
}
