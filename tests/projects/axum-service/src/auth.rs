//! Issuing and checking tokens.
use crate::config::*;
use jsonwebtoken::{decode, encode, get_current_timestamp, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
}

pub fn claims_for(sub: &str, now: u64, lifetime: u64) -> Claims {
    Claims {
        sub: sub.to_string(),
        exp: now + lifetime,
    }
}

fn signing_secret() -> String {
    env_or("JWT_SECRET", "fixture-secret-not-real-9101") // expect: SEC302
}

pub fn issue(sub: &str, remember: bool) -> String {
    let lifetime = if remember { 30 * 24 * 60 * 60 } else { TOKEN_LIFETIME_SECS };
    let claims = claims_for(sub, get_current_timestamp(), lifetime); // expect: JWT204
    let key = EncodingKey::from_secret(signing_secret().as_bytes());
    encode(&Header::default(), &claims, &key).unwrap_or_default()
}

pub fn issue_short(sub: &str) -> String {
    let claims = claims_for(sub, get_current_timestamp(), SHORT_LIFETIME_SECS);
    let key = EncodingKey::from_secret(signing_secret().as_bytes());
    encode(&Header::default(), &claims, &key).unwrap_or_default()
}

pub fn check(token: &str) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["api"]);
    validation.set_issuer(&["app"]);
    validation.required_spec_claims = Default::default(); // expect: JWT201
    let key = DecodingKey::from_secret(signing_secret().as_bytes());
    decode::<Claims>(token, &key, &validation).ok().map(|data| data.claims)
}
