//! What each JWT issue (encode) and verify (decode) call says, read from
//! the same resolution the rules use: its library, algorithms, key source,
//! lifetime and claims for an issue site; the algorithms, key, checked and
//! required claims, leeway and signature check of a verify site. Every fact
//! is `None` (unknown) when the code does not say; nothing is guessed.
//!
//! The inventory lists these facts; a rule comparing verify sites reads
//! them too, so both see one reading of the code.

pub mod consistency;
mod issue;
mod keys;
mod verify;

pub use issue::{IssueFacts, Lifetime, issue_facts};
pub use keys::{KeyFacts, KeyOriginKind, key_facts};
pub use verify::{ClaimCheck, Signature, VerifyFacts, verify_facts};

use crate::analysis::provenance::{DECODE_CALLS_VERIFYING, SIGNING_CALLS};
use crate::analysis::resolve::{Loc, Resolver};
use crate::model::Call;

/// The JWT library a call belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    PyJwt,
    PythonJose,
    Jsonwebtoken,
}

impl Library {
    pub fn name(self) -> &'static str {
        match self {
            Library::PyJwt => "PyJWT",
            Library::PythonJose => "python-jose",
            Library::Jsonwebtoken => "jsonwebtoken",
        }
    }

    fn of_path(path: &str) -> Library {
        if path.starts_with("jose.") {
            Library::PythonJose
        } else if path.starts_with("jsonwebtoken::") {
            Library::Jsonwebtoken
        } else {
            Library::PyJwt
        }
    }
}

/// Whether a call issues or verifies a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteKind {
    Issue,
    Verify,
}

/// A call that issues or verifies a token, by its canonical callee path.
#[derive(Clone, Debug)]
pub struct SiteCall {
    pub kind: SiteKind,
    pub library: Library,
    /// The canonical path of the library function (`jwt.encode`).
    pub path: String,
}

/// Whether `call` issues or verifies a token with a library authlint knows.
/// Unverified peeks (`get_unverified_header`, `decode_header`) are neither.
pub fn site_call(resolver: &Resolver, call: &Call, loc: Loc) -> Option<SiteCall> {
    let paths = resolver.callee_paths(call, loc.module);
    for path in &paths {
        let kind = if SIGNING_CALLS.contains(&path.as_str()) {
            SiteKind::Issue
        } else if DECODE_CALLS_VERIFYING.contains(&path.as_str()) {
            SiteKind::Verify
        } else {
            continue;
        };
        return Some(SiteCall {
            kind,
            library: Library::of_path(path),
            path: path.clone(),
        });
    }
    None
}
