//! Rule files: the TOML format, loading (embedded and `--rules DIR`), and
//! validation into compiled rules the engine runs.
//!
//! A rule is data. The vocabulary its `[[match]]` clauses use (callee
//! patterns, argument selectors, value predicates) is implemented once, in
//! `engine.rs`; the format is documented in `docs/rule-format.md`.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

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

/// The rule files compiled into the binary (see `build.rs`).
pub const EMBEDDED_RULES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

// ---------------------------------------------------------------- file format

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile {
    code: Spanned<String>,
    name: Spanned<String>,
    severity: Severity,
    languages: Spanned<Vec<Language>>,
    keywords: Spanned<Vec<String>>,
    /// One line: what the rule reports (rule tables, SARIF shortDescription).
    summary: String,
    message: Spanned<String>,
    help: String,
    rationale: String,
    #[serde(default)]
    cwe: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    /// The value a clause matches is a secret: every output redacts it.
    #[serde(default)]
    secret: bool,
    #[serde(rename = "match")]
    matches: Spanned<Vec<Spanned<MatchClauseFile>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MatchClauseFile {
    language: Language,
    callee: Spanned<Vec<Spanned<String>>>,
    label: Option<String>,
    #[serde(default, rename = "where")]
    conditions: Vec<Spanned<ConditionFile>>,
    #[serde(default)]
    unless: Vec<Spanned<ConditionFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConditionFile {
    argument: Option<String>,
    position: Option<usize>,
    key: Option<String>,
    is: Option<ValueClass>,
    equals: Option<toml::Value>,
    contains: Option<toml::Value>,
    #[serde(default)]
    ignore_case: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ValueClass {
    Missing,
    Present,
    StringLiteral,
    Null,
    PublicKey,
}

// ---------------------------------------------------------------- compiled form

#[derive(Debug)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub languages: Vec<Language>,
    pub keywords: Vec<String>,
    pub summary: String,
    pub message: String,
    pub help: String,
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
    pub callee_patterns: Vec<String>,
    pub callees: GlobSet,
    pub label: Option<String>,
    pub conditions: Vec<Condition>,
    pub unless: Vec<Condition>,
}

/// Which argument a condition looks at: by keyword, by position, or either
/// (Python lets most parameters be passed both ways).
#[derive(Clone, Debug)]
pub struct ArgSelector {
    pub keyword: Option<String>,
    pub position: Option<usize>,
}

impl ArgSelector {
    pub fn describe(&self) -> String {
        match (&self.keyword, self.position) {
            (Some(k), _) => k.clone(),
            (None, Some(p)) => format!("argument {}", p + 1),
            (None, None) => "argument".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub argument: ArgSelector,
    /// Look inside a dict argument at this key first.
    pub key: Option<String>,
    pub predicate: Predicate,
}

#[derive(Clone, Debug)]
pub enum Predicate {
    Missing,
    Present,
    StringLiteral,
    /// Python `None`.
    Null,
    /// A string literal holding a PEM public key or certificate: public by design.
    PublicKey,
    Equals(Literal),
    Contains(Literal),
}

#[derive(Clone, Debug)]
pub enum Literal {
    Str { text: String, ignore_case: bool },
    Bool(bool),
    Int(i128),
}

// ---------------------------------------------------------------- errors

/// A rule file that cannot be used, pointing at the offending TOML.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(authlint::rule_file))]
pub struct RuleFileError {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum RuleLoadError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    File(Box<RuleFileError>),
    #[error("cannot read rules from {path}: {source}")]
    #[diagnostic(code(authlint::rules_dir))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

struct FileContext<'a> {
    name: &'a str,
    text: &'a str,
}

impl FileContext<'_> {
    fn error(&self, message: impl Into<String>, span: Option<std::ops::Range<usize>>, label: &str) -> RuleLoadError {
        self.error_with_help(message, span, label, None)
    }

    fn error_with_help(
        &self,
        message: impl Into<String>,
        span: Option<std::ops::Range<usize>>,
        label: &str,
        help: Option<String>,
    ) -> RuleLoadError {
        RuleLoadError::File(Box::new(RuleFileError {
            message: format!("invalid rule file {}: {}", self.name, message.into()),
            source_code: NamedSource::new(self.name, self.text.to_string()).with_language("toml"),
            span: span.map(|r| SourceSpan::from(r.start..r.end)),
            label: label.to_string(),
            help,
        }))
    }
}

// ---------------------------------------------------------------- loading

/// Loads the embedded rules and every `*.toml` below each extra directory.
/// Codes must be unique across all of them.
pub fn load_rules(extra_dirs: &[PathBuf]) -> Result<Vec<Rule>, RuleLoadError> {
    let mut rules = Vec::new();
    for (file, text) in EMBEDDED_RULES {
        rules.push(parse_rule(&format!("rules/{file}"), text)?);
    }
    for dir in extra_dirs {
        for path in rule_files_in(dir)? {
            let text = std::fs::read_to_string(&path).map_err(|source| RuleLoadError::Io {
                path: path.clone(),
                source,
            })?;
            let name = path.display().to_string();
            let rule = parse_rule(&name, &text)?;
            if let Some(existing) = rules.iter().find(|r| r.code == rule.code) {
                let ctx = FileContext { name: &name, text: &text };
                let span = code_span(&text);
                return Err(ctx.error(
                    format!("rule code {} is already defined by {}", rule.code, existing.origin),
                    span,
                    "duplicate code",
                ));
            }
            rules.push(rule);
        }
    }
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(rules)
}

fn code_span(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find("code")?;
    let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
    Some(start..end)
}

fn rule_files_in(dir: &Path) -> Result<Vec<PathBuf>, RuleLoadError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| RuleLoadError::Io {
            path: dir.to_path_buf(),
            source: e.into(),
        })?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "toml") {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Parses and validates one rule file. `name` is how errors refer to it.
pub fn parse_rule(name: &str, text: &str) -> Result<Rule, RuleLoadError> {
    let ctx = FileContext { name, text };
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        ctx.error(
            e.message().to_string(),
            e.span(),
            "here",
        )
    })?;

    let code = file.code.get_ref().clone();
    let valid_code = code.len() >= 4
        && code.chars().take_while(|c| c.is_ascii_uppercase()).count() >= 2
        && code.chars().skip_while(|c| c.is_ascii_uppercase()).all(|c| c.is_ascii_digit())
        && code.chars().last().is_some_and(|c| c.is_ascii_digit());
    if !valid_code {
        return Err(ctx.error_with_help(
            format!("rule code `{code}` is not of the form LETTERS+DIGITS"),
            Some(file.code.span()),
            "invalid code",
            Some("codes look like `JWT101` or `ORG501`: two or more capital letters, then digits".into()),
        ));
    }
    let rule_name = file.name.get_ref().clone();
    if rule_name.is_empty() || !rule_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(ctx.error(
            format!("rule name `{rule_name}` must be kebab-case (lowercase letters, digits, `-`)"),
            Some(file.name.span()),
            "invalid name",
        ));
    }
    if file.languages.get_ref().is_empty() {
        return Err(ctx.error("`languages` is empty", Some(file.languages.span()), "no language"));
    }
    if file.keywords.get_ref().is_empty() || file.keywords.get_ref().iter().any(|k| k.trim().is_empty()) {
        return Err(ctx.error_with_help(
            "`keywords` must list at least one non-empty word",
            Some(file.keywords.span()),
            "here",
            Some("a file is only parsed when it contains one of the active rules' keywords".into()),
        ));
    }
    check_placeholders(&ctx, &file.message)?;

    if file.matches.get_ref().is_empty() {
        return Err(ctx.error("the rule has no `[[match]]` clause", Some(file.matches.span()), "here"));
    }
    let mut clauses = Vec::new();
    for clause in file.matches.into_inner() {
        let span = clause.span();
        let clause = clause.into_inner();
        if !file.languages.get_ref().contains(&clause.language) {
            return Err(ctx.error(
                format!(
                    "this clause is for {}, which is not in the rule's `languages`",
                    clause.language.name()
                ),
                Some(span),
                "language not declared",
            ));
        }
        clauses.push(compile_clause(&ctx, clause, span)?);
    }
    for language in file.languages.get_ref() {
        if !clauses.iter().any(|c| c.language == *language) {
            return Err(ctx.error(
                format!("`languages` lists {} but no `[[match]]` clause is for it", language.name()),
                Some(file.languages.span()),
                "no clause for this language",
            ));
        }
    }

    Ok(Rule {
        code,
        name: rule_name,
        severity: file.severity,
        languages: file.languages.into_inner(),
        keywords: file.keywords.into_inner(),
        summary: file.summary.trim().to_string(),
        message: file.message.into_inner(),
        help: file.help,
        rationale: file.rationale,
        cwe: file.cwe,
        references: file.references,
        secret: file.secret,
        clauses,
        origin: name.to_string(),
    })
}

const PLACEHOLDERS: [&str; 3] = ["callee", "argument", "value"];

fn check_placeholders(ctx: &FileContext, message: &Spanned<String>) -> Result<(), RuleLoadError> {
    let mut rest = message.get_ref().as_str();
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(ctx.error("unclosed `{` in `message`", Some(message.span()), "here"));
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(ctx.error_with_help(
                format!("unknown placeholder `{{{name}}}` in `message`"),
                Some(message.span()),
                "here",
                Some("messages may use {callee}, {argument} and {value}".into()),
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

fn compile_clause(
    ctx: &FileContext,
    clause: MatchClauseFile,
    span: std::ops::Range<usize>,
) -> Result<Clause, RuleLoadError> {
    if clause.callee.get_ref().is_empty() {
        return Err(ctx.error("`callee` lists no pattern", Some(clause.callee.span()), "here"));
    }
    let mut builder = GlobSetBuilder::new();
    let mut patterns = Vec::new();
    for pattern in clause.callee.into_inner() {
        // `*` matches any run of characters, separators included;
        // braces give alternatives. Nothing else is special.
        let glob = GlobBuilder::new(pattern.get_ref())
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| ctx.error(format!("bad callee pattern: {}", e.kind()), Some(pattern.span()), "here"))?;
        builder.add(glob);
        patterns.push(pattern.into_inner());
    }
    let callees = builder
        .build()
        .map_err(|e| ctx.error(format!("bad callee patterns: {e}"), Some(span.clone()), "here"))?;
    let conditions = clause
        .conditions
        .into_iter()
        .map(|c| compile_condition(ctx, c))
        .collect::<Result<Vec<_>, _>>()?;
    let unless = clause
        .unless
        .into_iter()
        .map(|c| compile_condition(ctx, c))
        .collect::<Result<Vec<_>, _>>()?;
    if clause.language == Language::Rust {
        if let Some(c) = conditions.iter().chain(&unless).find(|c| c.argument.keyword.is_some()) {
            return Err(ctx.error(
                format!(
                    "Rust calls have no keyword arguments: select `{}` by `position`",
                    c.argument.describe()
                ),
                Some(span),
                "in this clause",
            ));
        }
    }
    Ok(Clause {
        language: clause.language,
        callee_patterns: patterns,
        callees,
        label: clause.label,
        conditions,
        unless,
    })
}

fn compile_condition(ctx: &FileContext, condition: Spanned<ConditionFile>) -> Result<Condition, RuleLoadError> {
    let span = condition.span();
    let c = condition.into_inner();
    if c.argument.is_none() && c.position.is_none() {
        return Err(ctx.error(
            "a condition needs `argument` (a keyword name), `position` (0-based), or both",
            Some(span),
            "which argument?",
        ));
    }
    let set = [c.is.is_some(), c.equals.is_some(), c.contains.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if set != 1 {
        return Err(ctx.error_with_help(
            "a condition needs exactly one of `is`, `equals` or `contains`",
            Some(span),
            "here",
            Some("for example `is = \"missing\"`, `equals = false`, `contains = \"none\"`".into()),
        ));
    }
    let literal = |value: toml::Value| -> Result<Literal, RuleLoadError> {
        match value {
            toml::Value::String(text) => Ok(Literal::Str {
                text,
                ignore_case: c.ignore_case,
            }),
            toml::Value::Boolean(b) => Ok(Literal::Bool(b)),
            toml::Value::Integer(i) => Ok(Literal::Int(i128::from(i))),
            other => Err(ctx.error(
                format!("`equals`/`contains` take a string, boolean or integer, not a {}", other.type_str()),
                Some(span.clone()),
                "here",
            )),
        }
    };
    let predicate = match (c.is, c.equals, c.contains) {
        (Some(ValueClass::Missing), ..) => Predicate::Missing,
        (Some(ValueClass::Present), ..) => Predicate::Present,
        (Some(ValueClass::StringLiteral), ..) => Predicate::StringLiteral,
        (Some(ValueClass::Null), ..) => Predicate::Null,
        (Some(ValueClass::PublicKey), ..) => Predicate::PublicKey,
        (None, Some(v), None) => Predicate::Equals(literal(v)?),
        (None, None, Some(v)) => Predicate::Contains(literal(v)?),
        _ => unreachable!("exactly one predicate was checked above"),
    };
    if c.key.is_some() && matches!(predicate, Predicate::Missing) {
        return Err(ctx.error(
            "`key` cannot be combined with `is = \"missing\"`: it looks inside an argument that is present",
            Some(span),
            "here",
        ));
    }
    Ok(Condition {
        argument: ArgSelector {
            keyword: c.argument,
            position: c.position,
        },
        key: c.key,
        predicate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
code = "ORG501"
name = "decode-token-without-audience"
severity = "error"
languages = ["python"]
keywords = ["decode_token"]
summary = "A call to the in-house decoder without an audience."
message = "`{callee}` is called without `audience=`"
help = "Pass audience=."
rationale = "Why."

[[match]]
language = "python"
callee = ["myorg.auth.decode_token"]
where = [{ argument = "audience", is = "missing" }]
"#;

    #[test]
    fn embedded_rules_all_load() {
        let rules = load_rules(&[]).expect("embedded rules are valid");
        assert!(rules.len() >= 4);
        let codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
        for code in ["JWT101", "JWT102", "JWT105", "SEC301"] {
            assert!(codes.contains(&code), "{code} missing");
        }
    }

    #[test]
    fn a_valid_custom_rule_compiles() {
        let rule = parse_rule("org.toml", VALID).expect("valid");
        assert_eq!(rule.code, "ORG501");
        assert_eq!(rule.clauses.len(), 1);
        assert!(matches!(rule.clauses[0].conditions[0].predicate, Predicate::Missing));
        assert!(rule.clauses[0].callees.is_match("myorg.auth.decode_token"));
        assert!(!rule.clauses[0].callees.is_match("myorg.auth.decode_token_v2"));
    }

    fn error_of(text: &str) -> RuleFileError {
        match parse_rule("bad.toml", text) {
            Err(RuleLoadError::File(e)) => *e,
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(_) => panic!("the rule should be rejected"),
        }
    }

    #[test]
    fn unknown_field_is_rejected_with_a_span() {
        let text = VALID.replace("help = ", "hepl = ");
        let err = error_of(&text);
        let span = err.span.expect("points somewhere");
        assert!(text[span.offset()..].starts_with("hepl"), "{}", err.message);
    }

    #[test]
    fn semantic_errors_point_at_the_offending_value() {
        let err = error_of(&VALID.replace("\"ORG501\"", "\"org-501\""));
        assert!(err.message.contains("not of the form"));
        let err = error_of(&VALID.replace("is = \"missing\"", "is = \"missing\", equals = true"));
        assert!(err.message.contains("exactly one"));
        let err = error_of(&VALID.replace("{callee}", "{calee}"));
        assert!(err.message.contains("unknown placeholder"));
        let err = error_of(&VALID.replace("language = \"python\"", "language = \"rust\""));
        assert!(err.message.contains("not in the rule's `languages`"));
        let err = error_of(&VALID.replace("myorg.auth.decode_token\"", "myorg.[auth\""));
        assert!(err.message.contains("bad callee pattern"));
    }
}
