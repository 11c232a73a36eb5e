//! A compiled rule: what the engine runs. Rule files (`load.rs`) become
//! these; the vocabulary its clauses use (subjects, selectors, predicates)
//! is implemented once, in `engine/`, and documented in `docs/rule-format.md`.

use std::collections::BTreeMap;

use globset::GlobSet;
use serde::Deserialize;

use crate::model::Language;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub languages: Vec<Language>,
    /// Per language: a file must contain one of these words for the rule to
    /// run on it (`\b` at either end: at a word boundary only).
    pub keywords: BTreeMap<Language, Vec<String>>,
    /// Per language; when not empty, a file must also contain one of these.
    pub keywords_also: BTreeMap<Language, Vec<String>>,
    /// A keyword listed here counts only when the file also contains one of
    /// the words it maps to.
    pub keyword_requires: BTreeMap<String, Vec<String>>,
    pub summary: String,
    pub message: String,
    /// What to do instead, when one text serves every language (or as the
    /// text shown where the language is not known: SARIF's rule
    /// description, `authlint rules`).
    pub help: String,
    /// What to do instead, written for one language (`help.rust`): the
    /// findings in that language and the docs use it.
    pub help_by_language: BTreeMap<Language, String>,
    pub rationale: String,
    pub cwe: Vec<String>,
    pub references: Vec<String>,
    pub secret: bool,
    pub clauses: Vec<Clause>,
    /// Where the rule came from: `builtin:<file>` or the file's path.
    pub origin: String,
}

#[derive(Debug)]
pub struct Clause {
    pub language: Language,
    pub subject: Subject,
    pub label: Option<String>,
    /// Overrides the rule's severity for what this clause finds.
    pub severity: Option<Severity>,
    /// Overrides the rule's message for what this clause finds.
    pub message: Option<String>,
    pub conditions: Vec<Condition>,
    pub unless: Vec<Condition>,
    pub checks: Vec<Check>,
    pub checks_from: Option<String>,
}

#[derive(Debug)]
pub enum Subject {
    Call {
        patterns: Vec<String>,
        callees: GlobSet,
    },
    Setting {
        names: Option<GlobSet>,
        class: Option<String>,
        containers: Option<GlobSet>,
        top_level: bool,
    },
    Template,
    Subscript {
        bases: GlobSet,
    },
    Parameter {
        class: String,
        declared_by: GlobSet,
    },
    Struct {
        names: GlobSet,
        derives: Option<String>,
    },
    ParameterType {
        types: GlobSet,
    },
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub condition: Condition,
}

/// Which value a condition looks at.
#[derive(Clone, Debug)]
pub enum Selector {
    /// The subject itself: a setting's value, a template, a subscript's index.
    Subject,
    /// An argument by keyword and/or position (Python lets most parameters
    /// be passed both ways).
    Argument {
        keyword: Option<String>,
        position: Option<usize>,
    },
    AnyArgument,
    KeywordInClass(String),
    /// The call's result, and whether this method is called on it.
    ResultMethod(String),
    /// A positional argument of the call this method is called on.
    ReceiverArgument(usize),
    /// The first argument of a chained method of one of these names.
    ChainedMethod(Vec<String>),
    /// The URL of the request the builder chain started from.
    RequestUrl,
    /// The call itself, for predicates about its result or whose token it
    /// accepts (`used-as-trusted`, `third-party-token`).
    Result,
}

impl Selector {
    pub fn describe(&self) -> String {
        match self {
            Selector::Argument { keyword: Some(k), .. } => k.clone(),
            Selector::Argument {
                keyword: None,
                position: Some(p),
            } => format!("argument {}", p + 1),
            Selector::ResultMethod(m) => format!("`.{m}()`"),
            Selector::ChainedMethod(m) => format!("`.{}()`", m.join("()`/`.")),
            Selector::Result => "result".to_string(),
            _ => "argument".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub selector: Selector,
    /// Look inside a dict value at one of these string keys first.
    pub keys: Vec<String>,
    pub keys_ignore_case: bool,
    /// Look at this element of a tuple or list first.
    pub element: Option<usize>,
    pub predicate: Predicate,
}

impl Condition {
    /// The same test on a value already narrowed to its element and entry.
    pub fn without_narrowing(&self) -> Condition {
        Condition {
            keys: Vec::new(),
            element: None,
            ..self.clone()
        }
    }
}

#[derive(Clone, Debug)]
pub enum Predicate {
    Missing,
    Present,
    StringLiteral,
    NonEmptyString,
    /// Python `None`.
    Null,
    /// A string literal holding a PEM public key or certificate: public by design.
    PublicKey,
    /// Provenance (`analysis::provenance`): a bearer token; a bearer token
    /// or one-time link token; a one-time link token; decoded claims.
    BearerToken,
    CredentialToken,
    LinkToken,
    DecodedClaims,
    /// A URL, route or endpoint name for a one-time link (`/reset-password`,
    /// `public_dashboard`), or a `#fragment`.
    LinkUrl,
    /// A token made by this function, printed by a command-line program.
    MadeForCliOutput,
    /// What happens next to an unverified decode's result: trusted.
    UsedAsTrusted,
    /// Whose token a verifying decode accepts.
    ThirdPartyToken,
    FirstPartyToken,
    /// The project's own token, signed with a key it also signs one-time
    /// link tokens with, accepted without an `aud` or `iss` to tell them apart.
    ConfusableToken,
    /// The decode requires `exp`, or every token the project signs with
    /// that key carries one.
    ExpiryGuaranteed,
    /// A verify site that checks less than another accepting tokens of the
    /// same key or issuer (JWT206).
    WeakerVerification,
    /// Checked against an allowlist before use (`if alg not in ALLOWED`).
    Allowlisted,
    /// A claims mapping with personal data, judged with its context.
    PersonalData,
    /// A struct the project signs as a token payload.
    TokenPayload,
    /// A string shaped like a secret: not prose, a URL, a path or a name.
    SecretShaped,
    /// Any value, named in `{name}` (a literal's text, or the expression).
    Named,
    /// An empty string or a zero duration: what clears a cookie.
    ClearingValue,
    /// A literal name that looks like a token's and is not a credential's
    /// (`csrf_token`, `captcha_token`).
    NonCredentialName,
    PlainHttpRemoteUrl,
    MixedAlgorithmFamilies,
    TokenInQuery,
    UntrustedKeyId,
    /// A list, tuple, array or `vec![…]` display.
    List,
    /// An integer Unix time more than a year after today.
    FarFutureTimestamp,
    /// A string that reads as the name of a variable or setting
    /// (`"AWS_SECRET_ACCESS_KEY"`, `"aws_secret_access_key"`), not a secret.
    NamesAVariable,
    /// A local set up by a call or struct literal, on which one of these
    /// methods is called or fields assigned (`set_audience`, `aud`).
    ConfiguredBy(Vec<String>),
    Equals(Literal),
    Contains(Literal),
    /// A string literal that is a name in this class (`"JWT_SECRET"` is a secret name).
    Names(String),
    FromCall(GlobSet),
    RefersTo(GlobSet),
    LacksKey(String),
    HasKeyIn(String),
    DurationOver(String),
    ExpiryOver(String),
    GeneratedBytesUnder(String),
}

#[derive(Clone, Debug)]
pub enum Literal {
    Str { text: String, ignore_case: bool },
    Bool(bool),
    Int(i128),
}

impl Rule {
    /// The policy name classes the rule's clauses consult: names a
    /// configuration adds to them must also get files past the prefilter.
    pub fn name_classes(&self) -> std::collections::BTreeSet<&str> {
        let mut classes = std::collections::BTreeSet::new();
        for clause in &self.clauses {
            match &clause.subject {
                Subject::Setting { class: Some(class), .. } | Subject::Parameter { class, .. } => {
                    classes.insert(class.as_str());
                }
                _ => {}
            }
            let conditions = clause
                .conditions
                .iter()
                .chain(&clause.unless)
                .chain(clause.checks.iter().map(|c| &c.condition));
            for condition in conditions {
                if let Selector::KeywordInClass(class) = &condition.selector {
                    classes.insert(class.as_str());
                }
                match &condition.predicate {
                    Predicate::Names(class) | Predicate::HasKeyIn(class) => {
                        classes.insert(class.as_str());
                    }
                    Predicate::BearerToken
                    | Predicate::CredentialToken
                    | Predicate::LinkToken
                    | Predicate::TokenInQuery => {
                        classes.insert("token");
                    }
                    _ => {}
                }
            }
        }
        classes
    }
}

impl Rule {
    /// The help for a finding in `language`: its own text, or the default.
    pub fn help_for(&self, language: Language) -> &str {
        self.help_by_language.get(&language).unwrap_or(&self.help)
    }

    /// The rule's keywords for `language` (empty if it does not apply).
    pub fn keywords_for(&self, language: Language) -> &[String] {
        self.keywords.get(&language).map(Vec::as_slice).unwrap_or_default()
    }

    /// The rule's second keyword list for `language` (empty: none).
    pub fn keywords_also_for(&self, language: Language) -> &[String] {
        self.keywords_also.get(&language).map(Vec::as_slice).unwrap_or_default()
    }
}
