//! The catalog's thresholds and name patterns, in one documented place.
//!
//! Rules refer to these by name (`names = "secret"`, `duration-over =
//! "max-leeway"`), so a team tunes them once for every rule and language.
//! `Policy::default()` is what ships; the configuration file will override it.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A family of identifiers (`secret`, `token`, …): names matching any
/// `include` pattern and no `exclude` pattern. Matching is on the normalised
/// name: lower-case, with camelCase humps and `-` turned into `_`, so
/// `accessToken`, `X-Access-Token` and `ACCESS_TOKEN` read alike.
#[derive(Debug, Clone)]
pub struct NameClass {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    include_set: GlobSet,
    exclude_set: GlobSet,
}

impl NameClass {
    pub fn new<S: AsRef<str>>(include: &[S], exclude: &[S]) -> Result<Self, globset::Error> {
        Ok(NameClass {
            include: include.iter().map(|s| s.as_ref().to_string()).collect(),
            exclude: exclude.iter().map(|s| s.as_ref().to_string()).collect(),
            include_set: glob_set(include)?,
            exclude_set: glob_set(exclude)?,
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        let name = normalise_name(name);
        !name.is_empty() && self.include_set.is_match(&name) && !self.exclude_set.is_match(&name)
    }
}

fn glob_set<S: AsRef<str>>(patterns: &[S]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(
            GlobBuilder::new(&pattern.as_ref().to_ascii_lowercase())
                .literal_separator(false)
                .build()?,
        );
    }
    builder.build()
}

/// `accessToken` → `access_token`, `X-Auth-Token` → `x_auth_token`.
pub fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.trim().chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c == '-' || c == ' ' || c == '.' {
            out.push('_');
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Thresholds, in seconds or bytes.
#[derive(Debug, Clone)]
pub struct Thresholds {
    /// JWT204: the longest an access token may live.
    pub max_access_token_lifetime: i128,
    /// JWT204: the longest a refresh token may live.
    pub max_refresh_token_lifetime: i128,
    /// JWT201: the most clock skew a decode may tolerate.
    pub max_leeway: i128,
    /// SEC304: the fewest random bytes an HMAC key may have (RFC 7518 §3.2).
    pub min_key_bytes: i128,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub thresholds: Thresholds,
    /// JWT202: the claims a decode of someone else's token must check
    /// (verified with a public key, a JWKS, or a key the project does not
    /// sign with).
    pub required_claims: Vec<String>,
    /// JWT202: the claims a decode of the project's own token must check
    /// (signed and verified with the same key).
    pub first_party_required_claims: Vec<String>,
    /// Names that hold a secret (SEC302, SEC303, SEC304).
    pub secret_names: NameClass,
    /// Names that hold a bearer credential (TOK4xx).
    pub token_names: NameClass,
    /// Claim names that are credentials (JWT205, error).
    pub credential_claims: NameClass,
    /// Claim names that are personal data (JWT205, warning).
    pub personal_claims: NameClass,
    /// Claims beside which an `address` is a wallet or network address,
    /// not a postal one (JWT205).
    pub network_claims: NameClass,
    /// Names of API keys: bearer credentials too (TOK402).
    pub api_key_names: NameClass,
    /// Words of what a one-time link token is for (`reset`, `invite`), in a
    /// function, variable, route or URL path (TOK401, JWT205).
    pub link_token_words: NameClass,
    /// Words of values that look like tokens and are not credentials
    /// (`captcha`, `challenge`) (TOK403).
    pub not_credential_words: NameClass,
}

pub const SECRET_NAMES: &[&str] = &[
    "secret",
    "*_secret",
    "secret_*",
    "*_secret_*",
    "*signing_key",
    "*private_key",
    "jwt_key",
    "*_jwt_key",
    "hmac_key",
    "*_hmac_key",
];

/// Names that hold where a secret is, or what it is called, not the secret.
pub const SECRET_NAME_EXEMPTIONS: &[&str] = &[
    "*_env",
    "*_var",
    "*_name",
    "*_path",
    "*_file",
    "*_dir",
    "*_url",
    "*_uri",
    "*_header",
    "*_id",
    "*_length",
    "*_len",
    "*_size",
    "*_bytes",
    "*_algorithm",
    "*_alg",
    "*_backend",
    "*_version",
    "*_field",
    "*_prefix",
];

pub const TOKEN_NAMES: &[&str] = &[
    "token",
    "*_token",
    "jwt",
    "*_jwt",
    "jwt_token",
    "bearer",
    "*_bearer",
    "bearer_token",
    "authorization",
];

/// Tokens that are not bearer credentials, or are one-time link tokens.
pub const TOKEN_NAME_EXEMPTIONS: &[&str] = &[
    "token_type",
    "*_token_type",
    "token_url",
    "*_token_url",
    "token_uri",
    "*_token_uri",
    "token_endpoint",
    "tokenizer",
    "*_tokenizer",
    "token_count",
    "*_token_count",
    "max_tokens",
    "*_tokens",
    "reset_token",
    "*_reset_token",
    "password_reset_token",
    "invite_token",
    "*_invite_token",
    "verify_token",
    "*_verify_token",
    "verification_token",
    "*_verification_token",
    "confirm_token",
    "*_confirm_token",
    "confirmation_token",
    "csrf_token",
    "*_csrf_token",
    "xsrf_token",
    "next_token",
    "page_token",
    "*_page_token",
    "continuation_token",
    "*_continuation_token",
    "starting_token",
    "*_starting_token",
    "pagination_token",
    "*_pagination_token",
    "resume_token",
    "sync_token",
    "cancel_token",
    "cancellation_token",
];

pub const API_KEY_NAMES: &[&str] = &["api_key", "apikey", "*_api_key", "*_apikey", "api_key_*", "x_api_key"];

/// Words (one each, in function, variable, route and URL path names) of
/// what a one-time link token is for.
pub const LINK_TOKEN_WORDS: &[&str] = &[
    "reset",
    "recover",
    "recovery",
    "forgot",
    "verify",
    "verification",
    "confirm",
    "confirmation",
    "activate",
    "activation",
    "invite",
    "invites",
    "invitation",
    "invitations",
    "invited",
    "signup",
    "register",
    "registration",
    "magic",
    "passwordless",
    "unsubscribe",
    "download",
    "downloads",
    "share",
    "shared",
    "sharing",
    "public",
    "onboarding",
];

/// Words of values that look like tokens and are not credentials.
pub const NOT_CREDENTIAL_WORDS: &[&str] = &[
    "captcha",
    "recaptcha",
    "hcaptcha",
    "turnstile",
    "acme",
    "challenge",
    "nonce",
];

/// Claims beside which an `address` is not a postal address.
pub const NETWORK_CLAIMS: &[&str] = &[
    "chain_id",
    "chain",
    "chainid",
    "network",
    "network_id",
    "wallet",
    "wallet_*",
    "contract",
    "contract_*",
    "port",
    "host",
    "node_id",
    "public_key",
    "signature",
];

pub const CREDENTIAL_CLAIMS: &[&str] = &[
    "password",
    "*_password",
    "passwd",
    "pwd",
    "secret",
    "*_secret",
    "api_key",
    "apikey",
    "private_key",
    "*_private_key",
    "card_number",
    "credit_card",
    "credit_card_number",
    "cc_number",
    "cvv",
    "ssn",
    "social_security_number",
];

pub const PERSONAL_CLAIMS: &[&str] = &[
    "email",
    "email_address",
    "phone",
    "phone_number",
    "mobile",
    "address",
    "street_address",
    "home_address",
    "dob",
    "date_of_birth",
    "birthdate",
    "birth_date",
];

impl Default for Policy {
    fn default() -> Self {
        let class = |include: &[&str], exclude: &[&str]| {
            NameClass::new(include, exclude).expect("the built-in name patterns are valid globs")
        };
        Policy {
            thresholds: Thresholds {
                max_access_token_lifetime: 60 * 60,
                max_refresh_token_lifetime: 30 * 24 * 60 * 60,
                max_leeway: 5 * 60,
                min_key_bytes: 32,
            },
            required_claims: vec!["aud".into(), "iss".into(), "exp".into()],
            first_party_required_claims: vec!["exp".into()],
            secret_names: class(SECRET_NAMES, SECRET_NAME_EXEMPTIONS),
            token_names: class(TOKEN_NAMES, TOKEN_NAME_EXEMPTIONS),
            credential_claims: class(CREDENTIAL_CLAIMS, &[]),
            personal_claims: class(PERSONAL_CLAIMS, &[]),
            network_claims: class(NETWORK_CLAIMS, &[]),
            api_key_names: class(API_KEY_NAMES, &[]),
            link_token_words: class(LINK_TOKEN_WORDS, &[]),
            not_credential_words: class(NOT_CREDENTIAL_WORDS, &[]),
        }
    }
}

impl Policy {
    /// The name class a rule file refers to.
    pub fn name_class(&self, name: &str) -> Option<&NameClass> {
        match name {
            "secret" => Some(&self.secret_names),
            "token" => Some(&self.token_names),
            "credential-claim" => Some(&self.credential_claims),
            "personal-claim" => Some(&self.personal_claims),
            "network-claim" => Some(&self.network_claims),
            "api-key" => Some(&self.api_key_names),
            "link-token-word" => Some(&self.link_token_words),
            "not-credential-word" => Some(&self.not_credential_words),
            _ => None,
        }
    }

    /// The threshold a rule file refers to.
    pub fn threshold(&self, name: &str) -> Option<i128> {
        let t = &self.thresholds;
        match name {
            "max-access-token-lifetime" => Some(t.max_access_token_lifetime),
            "max-refresh-token-lifetime" => Some(t.max_refresh_token_lifetime),
            "max-leeway" => Some(t.max_leeway),
            "min-key-bytes" => Some(t.min_key_bytes),
            _ => None,
        }
    }
}

impl Policy {
    /// The literal parts of the name patterns a configuration added to a
    /// class (`*_token_seed` gives `_token_seed`): words a file must be able
    /// to get past the keyword prefilter with.
    pub fn added_words(&self, class: &str) -> Vec<String> {
        static DEFAULTS: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
        let defaults = DEFAULTS.get_or_init(Policy::default);
        let (Some(now), Some(before)) = (self.name_class(class), defaults.name_class(class)) else {
            return Vec::new();
        };
        now.include
            .iter()
            .filter(|pattern| !before.include.contains(pattern))
            .flat_map(|pattern| pattern.split(['*', '?', '[', ']', '{', '}', ',']))
            .filter(|fragment| fragment.len() >= 3)
            .map(str::to_string)
            .collect()
    }
}

pub const NAME_CLASSES: &[&str] = &[
    "secret",
    "token",
    "credential-claim",
    "personal-claim",
    "network-claim",
    "api-key",
    "link-token-word",
    "not-credential-word",
];

impl crate::analysis::provenance::TokenNames for Policy {
    fn is_bearer(&self, name: &str) -> bool {
        self.token_names.matches(name)
    }

    fn is_link_word(&self, word: &str) -> bool {
        self.link_token_words.matches(word)
    }

    fn is_not_credential_word(&self, word: &str) -> bool {
        self.not_credential_words.matches(word)
    }
}
pub const THRESHOLDS: &[&str] = &[
    "max-access-token-lifetime",
    "max-refresh-token-lifetime",
    "max-leeway",
    "min-key-bytes",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_before_matching() {
        assert_eq!(normalise_name("accessToken"), "access_token");
        assert_eq!(normalise_name("X-Auth-Token"), "x_auth_token");
        assert_eq!(normalise_name("JWT_SECRET_KEY"), "jwt_secret_key");
    }

    #[test]
    fn secret_names_and_their_exemptions() {
        let policy = Policy::default();
        for name in [
            "SECRET_KEY",
            "JWT_SECRET_KEY",
            "SIGNING_KEY",
            "RSA_PRIVATE_KEY",
            "AUTH_SECRET",
            "client_secret",
        ] {
            assert!(policy.secret_names.matches(name), "{name}");
        }
        for name in [
            "SECRET_KEY_ENV",
            "JWT_SECRET_PATH",
            "SECRET_NAME",
            "TOKEN_URL",
            "PUBLIC_KEY",
            "secrets",
        ] {
            assert!(!policy.secret_names.matches(name), "{name}");
        }
    }

    #[test]
    fn token_names_and_their_exemptions() {
        let policy = Policy::default();
        for name in [
            "token",
            "access_token",
            "refreshToken",
            "id_token",
            "jwt",
            "auth_token",
            "Authorization",
        ] {
            assert!(policy.token_names.matches(name), "{name}");
        }
        for name in [
            "token_type",
            "token_url",
            "tokenizer",
            "max_tokens",
            "reset_token",
            "csrf_token",
            "next_token",
        ] {
            assert!(!policy.token_names.matches(name), "{name}");
        }
    }
}
