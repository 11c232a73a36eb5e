//! Token handling for the example axum service, with the mistakes authlint
//! exists to catch. The keys are fake.

use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

const JWT_SECRET: &[u8] = b"example-rust-secret-not-real-5678"; // SEC303
const PARTNER_PRIVATE_KEY: &[u8] = include_bytes!("../keys/partner-private.pem"); // SEC305

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: String, // JWT205
    pub exp: usize,
}

/// Claims for the internal admin tool: "it never leaves the VPN".
#[derive(Debug, Serialize, Deserialize)]
pub struct AdminSession {
    pub sub: String,
}

pub fn issue(sub: &str, email: &str) -> Result<String, jsonwebtoken::errors::Error> {
    let claims = Claims {
        sub: sub.to_string(),
        email: email.to_string(),
        exp: (Utc::now() + Duration::days(30)).timestamp() as usize, // JWT204
    };
    encode(&Header::default(), &claims, &EncodingKey::from_secret(JWT_SECRET)) // SEC301
}

pub fn issue_admin(sub: &str) -> Result<String, jsonwebtoken::errors::Error> {
    let session = AdminSession { sub: sub.to_string() };
    encode(&Header::default(), &session, &EncodingKey::from_secret(JWT_SECRET)) // JWT203, SEC301
}

pub fn verify(token: &str) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    // "Temporarily" off while the mobile client's key was being rotated.
    validation.insecure_disable_signature_validation(); // JWT105
    let key = DecodingKey::from_secret("example-rust-secret-not-real-5678".as_bytes()); // SEC301
    decode::<Claims>(token, &key, &validation).ok().map(|data| data.claims) // JWT202
}

pub fn verify_partner(token: &str, partner_key: &DecodingKey) -> Option<Claims> {
    let header = decode_header(token).ok()?;
    let mut validation = Validation::new(header.alg); // JWT103
    validation.algorithms = vec![Algorithm::RS256, Algorithm::HS256]; // JWT104
    validation.validate_exp = false; // JWT201
    validation.set_audience(&["vulnerable-app"]);
    validation.set_issuer(&["https://partners.example.com"]);
    decode::<Claims>(token, partner_key, &validation).ok().map(|data| data.claims)
}

pub fn partner_signing_key() -> Result<EncodingKey, jsonwebtoken::errors::Error> {
    EncodingKey::from_rsa_pem(PARTNER_PRIVATE_KEY)
}

pub fn refresh_secret() -> String {
    std::env::var("REFRESH_SECRET").unwrap_or("dev-refresh-secret-not-real-0001".to_string()) // SEC302
}

pub fn session_key() -> EncodingKey {
    EncodingKey::from_secret(&rand::random::<[u8; 16]>()) // SEC304
}

/// The admin tool's check: audience and issuer pinned.
pub fn verify_admin(token: &str) -> Option<AdminSession> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["admin"]);
    validation.set_issuer(&["vulnerable-app"]);
    decode::<AdminSession>(token, &DecodingKey::from_secret(JWT_SECRET), &validation).ok().map(|d| d.claims)
}

/// The same tokens, checked again for the export job "without the fuss".
pub fn verify_export(token: &str) -> Option<AdminSession> {
    let validation = Validation::new(Algorithm::HS256);
    decode::<AdminSession>(token, &DecodingKey::from_secret(JWT_SECRET), &validation).ok().map(|d| d.claims) // JWT206
}
