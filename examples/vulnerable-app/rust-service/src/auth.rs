//! Token handling for the example axum service, with the mistakes authlint
//! exists to catch. The key is fake.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

const JWT_SECRET: &[u8] = b"example-rust-secret-not-real-5678";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: usize,
}

pub fn issue(claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    encode(&Header::default(), claims, &EncodingKey::from_secret(JWT_SECRET)) // SEC301
}

pub fn verify(token: &str) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    // "Temporarily" off while the mobile client's key was being rotated.
    validation.insecure_disable_signature_validation(); // JWT105
    let key = DecodingKey::from_secret("example-rust-secret-not-real-5678".as_bytes()); // SEC301
    decode::<Claims>(token, &key, &validation).ok().map(|data| data.claims)
}
