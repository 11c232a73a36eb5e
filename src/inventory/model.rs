//! The inventory document: what `authlint inventory` prints, as data. The
//! JSON format is this, serialised; fields are only ever added, and a
//! breaking change bumps [`VERSION`] (see `docs/inventory.md`).

use serde::Serialize;

/// The version of the JSON document.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Inventory {
    pub version: u32,
    pub issue_sites: Vec<IssueSite>,
    pub verify_sites: Vec<VerifySite>,
    pub keys: Vec<Key>,
    pub transport: Vec<Transport>,
    pub summary: Summary,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub issue_sites: usize,
    pub verify_sites: usize,
    pub keys: usize,
    pub transport: usize,
    pub findings_linked: usize,
}

/// A place in the code: the path as walked, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    pub path: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// A finding of `authlint check` that concerns an entry: the rule and
/// where (its message is in `check`'s report, at the same place).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FindingLink {
    pub rule: String,
    /// The rule's name (`hardcoded-secret-setting`).
    pub name: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct IssueSite {
    pub id: String,
    #[serde(flatten)]
    pub place: Place,
    pub library: String,
    pub call: String,
    /// `null` when unknown.
    pub algorithms: Option<Vec<String>>,
    /// The algorithm is the library's default: none was given.
    pub algorithm_default: bool,
    /// The id of the entry in `keys`.
    pub key: Option<String>,
    /// The key as reached here: the names on the way, then its origin
    /// (`\`config.SECRET_KEY\` ← env SECRET_KEY`); literals redacted.
    pub key_source: Option<String>,
    pub lifetime: Lifetime,
    /// `null` when the payload's claims cannot be listed.
    pub claims: Option<Vec<Claim>>,
    /// `access`, `refresh`, `one-time` or `unknown`.
    pub token_kind: String,
    pub findings: Vec<FindingLink>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Lifetime {
    /// `null` when unknown or when the token never expires.
    pub seconds: Option<i128>,
    /// `8 days`, `never expires (no exp claim)`, `unknown`.
    pub text: String,
    /// Where the lifetime is chosen: the constant or literal it comes from.
    pub chosen_at: Option<Place>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Claim {
    pub name: String,
    /// `credential` or `personal` for a sensitive claim, else `null`.
    pub sensitive: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifySite {
    pub id: String,
    #[serde(flatten)]
    pub place: Place,
    pub library: String,
    pub call: String,
    /// The allowlist; `[]` with `algorithms_default` when none is given;
    /// `null` when it cannot be read.
    pub algorithms: Option<Vec<String>>,
    pub algorithms_default: bool,
    pub key: Option<String>,
    pub key_source: Option<String>,
    /// `first-party` (the project signs with this key), `third-party` or `unknown`.
    pub token_origin: String,
    /// `verified`, `disabled` or `may be disabled`.
    pub signature: String,
    pub claims: ClaimChecks,
    pub audience: Option<String>,
    pub issuer: Option<String>,
    /// Seconds of clock skew tolerated; `null` when unknown.
    pub leeway_seconds: Option<i128>,
    /// Where the result goes.
    pub flows: Vec<String>,
    pub findings: Vec<FindingLink>,
}

/// Whether each registered claim is checked when present (`verified`) and
/// must be present (`required`): `true`, `false`, or `null` for unknown.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimChecks {
    pub exp: Check,
    pub nbf: Check,
    pub iat: Check,
    pub aud: Check,
    pub iss: Check,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Check {
    pub verified: Option<bool>,
    pub required: Option<bool>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Key {
    pub id: String,
    /// `env JWT_SECRET`, `literal "exam…" (33 bytes)`, `file keys/a.pem`,
    /// `parameter \`key\``, `unknown`; a literal is always redacted.
    pub source: String,
    /// `env`, `literal`, `file`, `parameter`, `published`, `generated`, `none` or `unknown`.
    pub origin: String,
    /// The names the key is reached through at its sites, as written.
    pub names: Vec<String>,
    pub defined_at: Option<Place>,
    /// Other places the same key is written (the same literal twice).
    pub also_defined_at: Vec<Place>,
    /// The key's size in bytes, where known (a literal, a generated key).
    pub size_bytes: Option<i128>,
    pub issue_sites: Vec<String>,
    pub verify_sites: Vec<String>,
    pub findings: Vec<FindingLink>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Transport {
    #[serde(flatten)]
    pub place: Place,
    /// `read` (a server reads a token from a request), `write` (it hands
    /// one out) or `send` (an outgoing request carries one).
    pub direction: String,
    /// `header`, `cookie`, `query`, `body` or `url`.
    pub carrier: String,
    /// The header, cookie, parameter or key name, when written as a literal.
    pub name: Option<String>,
    pub cookie_flags: Option<CookieFlags>,
    pub findings: Vec<FindingLink>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CookieFlags {
    pub httponly: Option<bool>,
    pub secure: Option<bool>,
    pub samesite: Option<String>,
}
