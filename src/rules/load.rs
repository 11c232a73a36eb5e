//! Rule files: the TOML format, loading (embedded and `--rules DIR`), and
//! validation into compiled rules (`rule.rs`). A malformed rule file is an
//! error that points at the offending TOML.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::Diagnostic;
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::TomlFileError;
use crate::model::Language;
use crate::rules::rule::*;

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
    keywords: Spanned<KeywordsFile>,
    /// A second list of which a file must also contain one word, for rules
    /// whose own words are common (a token word *and* a logging call).
    #[serde(default)]
    keywords_also: Option<Spanned<KeywordsFile>>,
    /// Keywords that count only together with one of some other words: a
    /// word too common alone whose findings always come with another word.
    #[serde(default)]
    keyword_requires: Option<Spanned<BTreeMap<String, Vec<String>>>>,
    /// One line: what the rule reports (rule tables, SARIF shortDescription).
    summary: String,
    message: Spanned<String>,
    help: Spanned<HelpFile>,
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

/// `keywords = ["jwt"]` for every language of the rule, or
/// `keywords.python = [...]` and `keywords.rust = [...]` when they differ.
#[derive(Deserialize)]
#[serde(untagged)]
enum KeywordsFile {
    All(Vec<String>),
    ByLanguage(BTreeMap<Language, Vec<String>>),
}

/// `help = "…"` for every language, or `help.default`, `help.python` and
/// `help.rust` when the fix is written differently in each.
#[derive(Deserialize)]
#[serde(untagged)]
enum HelpFile {
    All(String),
    ByLanguage(BTreeMap<String, String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MatchClauseFile {
    language: Language,
    /// Subject: calls whose resolved callee matches one of these patterns.
    callee: Option<Spanned<Vec<Spanned<String>>>>,
    /// Subject: settings whose name matches one of these patterns…
    setting: Option<Spanned<Vec<Spanned<String>>>>,
    /// …or whose name is in this name class.
    setting_class: Option<Spanned<String>>,
    /// With `setting`/`setting-class`: the container (`SIMPLE_JWT`,
    /// `app.config`, a class name) must match one of these patterns.
    container: Option<Vec<Spanned<String>>>,
    /// Subject: every string template (f-string, `format!`, concatenation).
    template: Option<bool>,
    /// Subject: subscript reads whose base matches one of these patterns; the
    /// conditions look at the index.
    subscript: Option<Spanned<Vec<Spanned<String>>>>,
    /// Subject: function parameters whose name is in this name class…
    parameter_class: Option<Spanned<String>>,
    /// …declared by a call to one of these (`fastapi.Query`) in their default or annotation.
    declared_by: Option<Vec<Spanned<String>>>,
    /// Subject: function parameters whose type matches one of these
    /// (`axum::extract::Query`); conditions look at its generic argument.
    parameter_type: Option<Spanned<Vec<Spanned<String>>>>,
    /// With `setting`/`setting-class`: only settings outside any container
    /// (module constants, Rust `const`/`static`).
    #[serde(default)]
    top_level: bool,
    /// Subject: Rust struct definitions whose name matches one of these…
    struct_name: Option<Spanned<Vec<Spanned<String>>>>,
    /// …and that derive this trait (`Serialize`).
    derives: Option<String>,
    label: Option<String>,
    severity: Option<Severity>,
    /// Overrides the rule's message for what this clause finds.
    message: Option<Spanned<String>>,
    #[serde(default, rename = "where")]
    conditions: Vec<Spanned<ConditionFile>>,
    #[serde(default)]
    unless: Vec<Spanned<ConditionFile>>,
    /// Named checks; the clause reports when any is definitely not met, and
    /// `{missing}` lists those.
    #[serde(default)]
    checks: Vec<Spanned<CheckFile>>,
    /// Only run the checks whose name is in this policy list (`required-claims`).
    checks_from: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CheckFile {
    name: String,
    #[serde(flatten)]
    condition: ConditionFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConditionFile {
    argument: Option<String>,
    position: Option<usize>,
    /// Any argument, positional or keyword.
    any_argument: Option<bool>,
    /// Any keyword argument whose name is in this name class.
    keyword_class: Option<String>,
    /// The call's result: a method of this name is called on it.
    result_method: Option<String>,
    /// A positional argument of the receiver call (`env::var("K").unwrap_or("x")`).
    receiver_position: Option<usize>,
    /// The first argument of a method of one of these names called on the
    /// call's result, along a builder chain or on the local holding it.
    chained_method: Option<Vec<String>>,
    /// The URL of the request a builder chain started from (`client.get(url)`).
    request_url: Option<bool>,
    /// The call itself (`used-as-trusted`, `third-party-token`).
    result: Option<bool>,
    /// Look at this element of a tuple or list first.
    element: Option<usize>,
    key: Option<OneOrMany>,
    is: Option<ValueClass>,
    equals: Option<toml::Value>,
    contains: Option<toml::Value>,
    names: Option<String>,
    from_call: Option<Vec<String>>,
    refers_to: Option<Vec<String>>,
    lacks_key: Option<String>,
    has_key_in: Option<String>,
    duration_over: Option<String>,
    expiry_over: Option<String>,
    generated_bytes_under: Option<String>,
    configured_by: Option<Vec<String>>,
    #[serde(default)]
    ignore_case: bool,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ValueClass {
    Missing,
    Present,
    StringLiteral,
    NonEmptyString,
    Null,
    PublicKey,
    BearerToken,
    CredentialToken,
    LinkToken,
    DecodedClaims,
    LinkUrl,
    MadeForCliOutput,
    UsedAsTrusted,
    ThirdPartyToken,
    FirstPartyToken,
    ConfusableToken,
    ExpiryGuaranteed,
    WeakerVerification,
    Allowlisted,
    PersonalData,
    TokenPayload,
    SecretShaped,
    ClearingValue,
    NonCredentialName,
    Named,
    PlainHttpRemoteUrl,
    MixedAlgorithmFamilies,
    TokenInQuery,
    UntrustedKeyId,
    List,
    FarFutureTimestamp,
    NamesAVariable,
}

// ---------------------------------------------------------------- compiled form

// ---------------------------------------------------------------- errors

/// A rule file that cannot be used, pointing at the offending TOML.
pub type RuleFileError = TomlFileError;

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
        let mut error = TomlFileError::new(
            "authlint::rule_file",
            self.name,
            self.text,
            format!("invalid rule file {}: {}", self.name, message.into()),
            span,
            help,
        );
        error.label = label.to_string();
        RuleLoadError::File(Box::new(error))
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
            // Checked before reading, so a huge file costs no memory.
            if let Ok(metadata) = std::fs::metadata(&path)
                && metadata.len() > MAX_RULE_FILE_BYTES as u64
            {
                return Err(RuleLoadError::Io {
                    source: std::io::Error::other(too_large_rule_file(metadata.len() as usize)),
                    path,
                });
            }
            let text = std::fs::read_to_string(&path).map_err(|source| RuleLoadError::Io {
                path: path.clone(),
                source,
            })?;
            let name = path.display().to_string();
            let rule = parse_rule(&name, &text)?;
            if let Some(existing) = rules.iter().find(|r| r.code == rule.code) {
                let ctx = FileContext {
                    name: &name,
                    text: &text,
                };
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

/// A rule file is a few kilobytes; anything past this is not a rule file,
/// and parsing it would only cost time and memory. (Deep nesting within the
/// limit is refused by the `toml` parser's own recursion limit.)
pub const MAX_RULE_FILE_BYTES: usize = 1024 * 1024;

fn too_large_rule_file(len: usize) -> String {
    format!("larger than the {MAX_RULE_FILE_BYTES} byte limit for a rule file ({len} bytes)")
}

/// Parses and validates one rule file. `name` is how errors refer to it.
pub fn parse_rule(name: &str, text: &str) -> Result<Rule, RuleLoadError> {
    if text.len() > MAX_RULE_FILE_BYTES {
        let ctx = FileContext { name, text: "" };
        return Err(ctx.error(too_large_rule_file(text.len()), None, "here"));
    }
    let ctx = FileContext { name, text };
    let file: RuleFile = toml::from_str(text).map_err(|e| ctx.error(e.message().to_string(), e.span(), "here"))?;

    let code = file.code.get_ref().clone();
    let valid_code = code.len() >= 4
        && code.chars().take_while(|c| c.is_ascii_uppercase()).count() >= 2
        && code
            .chars()
            .skip_while(|c| c.is_ascii_uppercase())
            .all(|c| c.is_ascii_digit())
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
    if rule_name.is_empty()
        || !rule_name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ctx.error(
            format!("rule name `{rule_name}` must be kebab-case (lowercase letters, digits, `-`)"),
            Some(file.name.span()),
            "invalid name",
        ));
    }
    if file.languages.get_ref().is_empty() {
        return Err(ctx.error("`languages` is empty", Some(file.languages.span()), "no language"));
    }
    let keywords = compile_keywords(&ctx, &file.keywords, file.languages.get_ref(), "keywords")?;
    let keywords_also = match &file.keywords_also {
        Some(also) => compile_keywords(&ctx, also, file.languages.get_ref(), "keywords-also")?,
        None => BTreeMap::new(),
    };
    let keyword_requires = match &file.keyword_requires {
        Some(requires) => compile_keyword_requires(&ctx, requires, &keywords)?,
        None => BTreeMap::new(),
    };
    check_placeholders(&ctx, &file.message)?;
    let (help, help_by_language) = compile_help(&ctx, &file.help, file.languages.get_ref())?;

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
                format!(
                    "`languages` lists {} but no `[[match]]` clause is for it",
                    language.name()
                ),
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
        keywords,
        keywords_also,
        keyword_requires,
        summary: file.summary.trim().to_string(),
        message: file.message.into_inner(),
        help,
        help_by_language,
        rationale: file.rationale,
        cwe: file.cwe,
        references: file.references,
        secret: file.secret,
        clauses,
        origin: name.to_string(),
    })
}

/// The default help and the per-language help of a rule. A table needs a
/// text for each of the rule's languages (its own key, or `default`); the
/// default, for places that show one text whatever the language (SARIF's
/// rule description, `authlint rules`), is `default` or else each
/// language's text after its name.
fn compile_help(
    ctx: &FileContext,
    help: &Spanned<HelpFile>,
    languages: &[Language],
) -> Result<(String, BTreeMap<Language, String>), RuleLoadError> {
    let table = match help.get_ref() {
        HelpFile::All(text) => return Ok((text.trim().to_string(), BTreeMap::new())),
        HelpFile::ByLanguage(table) => table,
    };
    let mut by_language = BTreeMap::new();
    for (key, text) in table {
        if key == "default" {
            continue;
        }
        let language = Language::ALL.iter().copied().find(|l| l.name() == key).ok_or_else(|| {
            ctx.error_with_help(
                format!("`help.{key}`: `help` keys are `default`, `python` and `rust`"),
                Some(help.span()),
                "unknown help key",
                None,
            )
        })?;
        if !languages.contains(&language) {
            return Err(ctx.error(
                format!("`help.{key}` is for a language the rule does not list in `languages`"),
                Some(help.span()),
                "language not declared",
            ));
        }
        by_language.insert(language, text.trim().to_string());
    }
    let default = match table.get("default") {
        Some(text) => text.trim().to_string(),
        None => {
            if let Some(uncovered) = languages.iter().find(|l| !by_language.contains_key(l)) {
                return Err(ctx.error_with_help(
                    format!("`help` has no text for {} and no `default`", uncovered.name()),
                    Some(help.span()),
                    "help missing for a language",
                    Some(format!("add `help.{}` or `help.default`", uncovered.name())),
                ));
            }
            by_language
                .iter()
                .map(|(language, text)| format!("{}: {text}", language_title(*language)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    Ok((default, by_language))
}

/// A language's name in a sentence.
pub fn language_title(language: Language) -> &'static str {
    match language {
        Language::Python => "Python",
        Language::Rust => "Rust",
    }
}

/// The keyword lists of a rule by language, validated. `keywords` needs a
/// non-empty list for each of the rule's languages; `keywords-also` may
/// leave a language out (no second list there).
fn compile_keywords(
    ctx: &FileContext,
    words: &Spanned<KeywordsFile>,
    languages: &[Language],
    key: &str,
) -> Result<BTreeMap<Language, Vec<String>>, RuleLoadError> {
    let required = key == "keywords";
    let by_language: BTreeMap<Language, Vec<String>> = match words.get_ref() {
        KeywordsFile::All(list) => languages.iter().map(|l| (*l, list.clone())).collect(),
        KeywordsFile::ByLanguage(map) => {
            if let Some(extra) = map.keys().find(|l| !languages.contains(l)) {
                return Err(ctx.error(
                    format!(
                        "`{key}` lists words for {}, which is not in the rule's `languages`",
                        extra.name()
                    ),
                    Some(words.span()),
                    "language not declared",
                ));
            }
            map.clone()
        }
    };
    for language in languages {
        let list = by_language.get(language).map(Vec::as_slice).unwrap_or_default();
        if required && list.is_empty() {
            return Err(ctx.error_with_help(
                format!("`{key}` must list at least one word for {}", language.name()),
                Some(words.span()),
                "here",
                Some("a file is only parsed when it contains one of the active rules' keywords".into()),
            ));
        }
        for word in list {
            if let Err(problem) = check_keyword(word) {
                return Err(ctx.error(format!("`{key}`: {problem}"), Some(words.span()), "here"));
            }
        }
    }
    Ok(by_language.into_iter().filter(|(_, list)| !list.is_empty()).collect())
}

/// `keyword-requires`: each key must be one of the rule's keywords, each
/// list non-empty.
fn compile_keyword_requires(
    ctx: &FileContext,
    requires: &Spanned<BTreeMap<String, Vec<String>>>,
    keywords: &BTreeMap<Language, Vec<String>>,
) -> Result<BTreeMap<String, Vec<String>>, RuleLoadError> {
    for (keyword, words) in requires.get_ref() {
        if !keywords.values().flatten().any(|k| k == keyword) {
            return Err(ctx.error(
                format!("`keyword-requires` names `{keyword}`, which is not one of the rule's `keywords`"),
                Some(requires.span()),
                "not a keyword",
            ));
        }
        if words.is_empty() {
            return Err(ctx.error(
                format!("`keyword-requires.{keyword}` must list at least one word"),
                Some(requires.span()),
                "here",
            ));
        }
        for word in words {
            if let Err(problem) = check_keyword(word) {
                return Err(ctx.error(format!("`keyword-requires`: {problem}"), Some(requires.span()), "here"));
            }
        }
    }
    Ok(requires.get_ref().clone())
}

/// A keyword is a non-empty word, optionally with `\b` at either end
/// (matched only where no letter, digit or `_` is next to it there).
fn check_keyword(keyword: &str) -> Result<(), String> {
    let word = keyword.strip_prefix("\\b").unwrap_or(keyword);
    let word = word.strip_suffix("\\b").unwrap_or(word);
    if word.trim().is_empty() {
        return Err(format!("`{keyword}` is not a word"));
    }
    if word.contains("\\b") {
        return Err(format!("`{keyword}`: `\\b` may only open or close a keyword"));
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if (keyword.starts_with("\\b") && !word.starts_with(is_word))
        || (keyword.ends_with("\\b") && !word.ends_with(is_word))
    {
        return Err(format!("`{keyword}`: `\\b` must stand next to a letter, digit or `_`"));
    }
    Ok(())
}

const PLACEHOLDERS: [&str; 7] = ["callee", "argument", "value", "missing", "unchecked", "name", "kind"];

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
                Some(
                    "messages may use {callee}, {argument}, {value}, {name}, {missing}, {unchecked} and {kind}".into(),
                ),
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

fn compile_globs(
    ctx: &FileContext,
    patterns: &[Spanned<String>],
    case_insensitive: bool,
) -> Result<GlobSet, RuleLoadError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        // `*` matches any run of characters, separators included;
        // braces give alternatives. Nothing else is special.
        let text = if case_insensitive {
            pattern.get_ref().to_ascii_lowercase()
        } else {
            pattern.get_ref().clone()
        };
        let glob = GlobBuilder::new(&text)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| ctx.error(format!("bad pattern: {}", e.kind()), Some(pattern.span()), "here"))?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| ctx.error(format!("bad patterns: {e}"), None, "here"))
}

fn plain_globs(ctx: &FileContext, patterns: &[String], span: std::ops::Range<usize>) -> Result<GlobSet, RuleLoadError> {
    let spanned: Vec<Spanned<String>> = patterns.iter().map(|p| Spanned::new(span.clone(), p.clone())).collect();
    compile_globs(ctx, &spanned, false)
}

fn check_name_class(ctx: &FileContext, class: &str, span: std::ops::Range<usize>) -> Result<(), RuleLoadError> {
    if crate::rules::policy::NAME_CLASSES.contains(&class) {
        return Ok(());
    }
    Err(ctx.error_with_help(
        format!("unknown name class `{class}`"),
        Some(span),
        "here",
        Some(format!(
            "name classes: {}",
            crate::rules::policy::NAME_CLASSES.join(", ")
        )),
    ))
}

fn check_threshold(ctx: &FileContext, name: &str, span: std::ops::Range<usize>) -> Result<(), RuleLoadError> {
    if crate::rules::policy::THRESHOLDS.contains(&name) {
        return Ok(());
    }
    Err(ctx.error_with_help(
        format!("unknown threshold `{name}`"),
        Some(span),
        "here",
        Some(format!("thresholds: {}", crate::rules::policy::THRESHOLDS.join(", "))),
    ))
}

fn compile_subject(
    ctx: &FileContext,
    clause: &MatchClauseFile,
    span: std::ops::Range<usize>,
) -> Result<Subject, RuleLoadError> {
    let given = [
        clause.callee.is_some(),
        clause.setting.is_some() || clause.setting_class.is_some(),
        clause.template == Some(true),
        clause.subscript.is_some(),
        clause.parameter_class.is_some(),
        clause.struct_name.is_some(),
        clause.parameter_type.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given != 1 {
        return Err(ctx.error_with_help(
            "a clause needs exactly one subject",
            Some(span),
            "in this clause",
            Some(
                "one of `callee`, `setting`/`setting-class`, `template = true`, `subscript`, `parameter-class`".into(),
            ),
        ));
    }
    let non_empty = |list: &Spanned<Vec<Spanned<String>>>, what: &str| {
        if list.get_ref().is_empty() {
            Err(ctx.error(format!("`{what}` lists no pattern"), Some(list.span()), "here"))
        } else {
            Ok(())
        }
    };
    if let Some(callee) = &clause.callee {
        non_empty(callee, "callee")?;
        return Ok(Subject::Call {
            patterns: callee.get_ref().iter().map(|p| p.get_ref().clone()).collect(),
            callees: compile_globs(ctx, callee.get_ref(), false)?,
        });
    }
    if clause.setting.is_some() || clause.setting_class.is_some() {
        let names = match &clause.setting {
            Some(list) => {
                non_empty(list, "setting")?;
                Some(compile_globs(ctx, list.get_ref(), true)?)
            }
            None => None,
        };
        if let Some(class) = &clause.setting_class {
            check_name_class(ctx, class.get_ref(), class.span())?;
        }
        let containers = match &clause.container {
            Some(list) => Some(compile_globs(ctx, list, false)?),
            None => None,
        };
        return Ok(Subject::Setting {
            names,
            class: clause.setting_class.as_ref().map(|c| c.get_ref().clone()),
            containers,
            top_level: clause.top_level,
        });
    }
    if let Some(bases) = &clause.subscript {
        non_empty(bases, "subscript")?;
        return Ok(Subject::Subscript {
            bases: compile_globs(ctx, bases.get_ref(), false)?,
        });
    }
    if let Some(types) = &clause.parameter_type {
        non_empty(types, "parameter-type")?;
        return Ok(Subject::ParameterType {
            types: compile_globs(ctx, types.get_ref(), false)?,
        });
    }
    if let Some(names) = &clause.struct_name {
        non_empty(names, "struct-name")?;
        return Ok(Subject::Struct {
            names: compile_globs(ctx, names.get_ref(), false)?,
            derives: clause.derives.clone(),
        });
    }
    if let Some(class) = &clause.parameter_class {
        check_name_class(ctx, class.get_ref(), class.span())?;
        let declared = clause.declared_by.clone().unwrap_or_default();
        if declared.is_empty() {
            return Err(ctx.error("`parameter-class` needs `declared-by`", Some(class.span()), "here"));
        }
        return Ok(Subject::Parameter {
            class: class.get_ref().clone(),
            declared_by: compile_globs(ctx, &declared, false)?,
        });
    }
    Ok(Subject::Template)
}

fn compile_clause(
    ctx: &FileContext,
    clause: MatchClauseFile,
    span: std::ops::Range<usize>,
) -> Result<Clause, RuleLoadError> {
    let subject = compile_subject(ctx, &clause, span.clone())?;
    if let Some(message) = &clause.message {
        check_placeholders(ctx, message)?;
    }
    let is_call = matches!(subject, Subject::Call { .. });
    let compile_all = |list: Vec<Spanned<ConditionFile>>| -> Result<Vec<Condition>, RuleLoadError> {
        list.into_iter()
            .map(|c| {
                let span = c.span();
                compile_condition(ctx, c.into_inner(), span, is_call)
            })
            .collect()
    };
    let conditions = compile_all(clause.conditions)?;
    let unless = compile_all(clause.unless)?;
    let mut checks = Vec::new();
    for check in clause.checks {
        let span = check.span();
        let check = check.into_inner();
        checks.push(Check {
            name: check.name,
            condition: compile_condition(ctx, check.condition, span, is_call)?,
        });
    }
    if let Some(list) = &clause.checks_from
        && !["required-claims", "first-party-required-claims"].contains(&list.get_ref().as_str())
    {
        return Err(ctx.error_with_help(
            format!("unknown policy list `{}`", list.get_ref()),
            Some(list.span()),
            "here",
            Some("`checks-from` takes `required-claims` or `first-party-required-claims`".into()),
        ));
    }
    if clause.language == Language::Rust {
        let keyword = conditions
            .iter()
            .chain(&unless)
            .chain(checks.iter().map(|c| &c.condition))
            .find(|c| {
                matches!(
                    c.selector,
                    Selector::Argument { keyword: Some(_), .. } | Selector::KeywordInClass(_)
                )
            });
        if let Some(c) = keyword {
            return Err(ctx.error(
                format!(
                    "Rust calls have no keyword arguments: select `{}` by `position`",
                    c.selector.describe()
                ),
                Some(span),
                "in this clause",
            ));
        }
    }
    Ok(Clause {
        language: clause.language,
        subject,
        label: clause.label,
        severity: clause.severity,
        message: clause.message.map(Spanned::into_inner),
        conditions,
        unless,
        checks,
        checks_from: clause.checks_from.map(Spanned::into_inner),
    })
}

fn compile_condition(
    ctx: &FileContext,
    c: ConditionFile,
    span: std::ops::Range<usize>,
    is_call: bool,
) -> Result<Condition, RuleLoadError> {
    let chosen = [
        c.argument.is_some() || c.position.is_some(),
        c.any_argument == Some(true),
        c.keyword_class.is_some(),
        c.result_method.is_some(),
        c.receiver_position.is_some(),
        c.chained_method.is_some(),
        c.request_url == Some(true),
        c.result == Some(true),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if chosen > 1 {
        return Err(ctx.error(
            "a condition selects one value: `argument`/`position`, `any-argument`, `keyword-class`, `result-method`, \
             `receiver-position`, `chained-method`, `request-url` or `result`",
            Some(span),
            "here",
        ));
    }
    let selector = if c.argument.is_some() || c.position.is_some() {
        Selector::Argument {
            keyword: c.argument.clone(),
            position: c.position,
        }
    } else if c.any_argument == Some(true) {
        Selector::AnyArgument
    } else if let Some(class) = &c.keyword_class {
        check_name_class(ctx, class, span.clone())?;
        Selector::KeywordInClass(class.clone())
    } else if let Some(method) = &c.result_method {
        Selector::ResultMethod(method.clone())
    } else if let Some(position) = c.receiver_position {
        Selector::ReceiverArgument(position)
    } else if let Some(methods) = &c.chained_method {
        Selector::ChainedMethod(methods.clone())
    } else if c.request_url == Some(true) {
        Selector::RequestUrl
    } else if c.result == Some(true) {
        Selector::Result
    } else {
        Selector::Subject
    };
    if is_call && matches!(selector, Selector::Subject) {
        return Err(ctx.error_with_help(
            "a condition on a call needs `argument` (a keyword name), `position` (0-based), or both",
            Some(span),
            "which argument?",
            Some("or `any-argument = true`, `keyword-class = \"token\"`, `result-method = \"validate\"`".into()),
        ));
    }
    if !is_call && !matches!(selector, Selector::Subject) {
        return Err(ctx.error(
            "only conditions on calls select arguments; here the condition looks at the subject itself",
            Some(span),
            "here",
        ));
    }
    let predicates = [
        c.is.is_some(),
        c.equals.is_some(),
        c.contains.is_some(),
        c.names.is_some(),
        c.from_call.is_some(),
        c.refers_to.is_some(),
        c.lacks_key.is_some(),
        c.has_key_in.is_some(),
        c.duration_over.is_some(),
        c.expiry_over.is_some(),
        c.generated_bytes_under.is_some(),
        c.configured_by.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if predicates != 1 {
        return Err(ctx.error_with_help(
            "a condition needs exactly one test",
            Some(span),
            "here",
            Some(
                "one of `is`, `equals`, `contains`, `names`, `from-call`, `refers-to`, `lacks-key`, `has-key-in`, \
                 `duration-over`, `expiry-over`, `generated-bytes-under`, `configured-by`"
                    .into(),
            ),
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
                format!(
                    "`equals`/`contains` take a string, boolean or integer, not a {}",
                    other.type_str()
                ),
                Some(span.clone()),
                "here",
            )),
        }
    };
    let predicate = if let Some(class) = c.is {
        match class {
            ValueClass::Missing => Predicate::Missing,
            ValueClass::Present => Predicate::Present,
            ValueClass::StringLiteral => Predicate::StringLiteral,
            ValueClass::NonEmptyString => Predicate::NonEmptyString,
            ValueClass::Null => Predicate::Null,
            ValueClass::PublicKey => Predicate::PublicKey,
            ValueClass::BearerToken => Predicate::BearerToken,
            ValueClass::CredentialToken => Predicate::CredentialToken,
            ValueClass::LinkToken => Predicate::LinkToken,
            ValueClass::DecodedClaims => Predicate::DecodedClaims,
            ValueClass::LinkUrl => Predicate::LinkUrl,
            ValueClass::MadeForCliOutput => Predicate::MadeForCliOutput,
            ValueClass::UsedAsTrusted => Predicate::UsedAsTrusted,
            ValueClass::ThirdPartyToken => Predicate::ThirdPartyToken,
            ValueClass::FirstPartyToken => Predicate::FirstPartyToken,
            ValueClass::ConfusableToken => Predicate::ConfusableToken,
            ValueClass::ExpiryGuaranteed => Predicate::ExpiryGuaranteed,
            ValueClass::WeakerVerification => Predicate::WeakerVerification,
            ValueClass::Allowlisted => Predicate::Allowlisted,
            ValueClass::PersonalData => Predicate::PersonalData,
            ValueClass::TokenPayload => Predicate::TokenPayload,
            ValueClass::SecretShaped => Predicate::SecretShaped,
            ValueClass::ClearingValue => Predicate::ClearingValue,
            ValueClass::NonCredentialName => Predicate::NonCredentialName,
            ValueClass::Named => Predicate::Named,
            ValueClass::PlainHttpRemoteUrl => Predicate::PlainHttpRemoteUrl,
            ValueClass::MixedAlgorithmFamilies => Predicate::MixedAlgorithmFamilies,
            ValueClass::TokenInQuery => Predicate::TokenInQuery,
            ValueClass::UntrustedKeyId => Predicate::UntrustedKeyId,
            ValueClass::List => Predicate::List,
            ValueClass::FarFutureTimestamp => Predicate::FarFutureTimestamp,
            ValueClass::NamesAVariable => Predicate::NamesAVariable,
        }
    } else if let Some(v) = c.equals {
        Predicate::Equals(literal(v)?)
    } else if let Some(v) = c.contains {
        Predicate::Contains(literal(v)?)
    } else if let Some(class) = c.names {
        check_name_class(ctx, &class, span.clone())?;
        Predicate::Names(class)
    } else if let Some(calls) = c.from_call {
        Predicate::FromCall(plain_globs(ctx, &calls, span.clone())?)
    } else if let Some(paths) = c.refers_to {
        Predicate::RefersTo(plain_globs(ctx, &paths, span.clone())?)
    } else if let Some(key) = c.lacks_key {
        Predicate::LacksKey(key)
    } else if let Some(class) = c.has_key_in {
        check_name_class(ctx, &class, span.clone())?;
        Predicate::HasKeyIn(class)
    } else if let Some(threshold) = c.duration_over {
        check_threshold(ctx, &threshold, span.clone())?;
        Predicate::DurationOver(threshold)
    } else if let Some(threshold) = c.expiry_over {
        check_threshold(ctx, &threshold, span.clone())?;
        Predicate::ExpiryOver(threshold)
    } else if let Some(threshold) = c.generated_bytes_under {
        check_threshold(ctx, &threshold, span.clone())?;
        Predicate::GeneratedBytesUnder(threshold)
    } else if let Some(names) = c.configured_by {
        Predicate::ConfiguredBy(names)
    } else {
        unreachable!("exactly one predicate was checked above")
    };
    let keys = match c.key {
        None => Vec::new(),
        Some(OneOrMany::One(k)) => vec![k],
        Some(OneOrMany::Many(ks)) => ks,
    };
    if !keys.is_empty() && matches!(predicate, Predicate::Missing) {
        return Err(ctx.error(
            "`key` cannot be combined with `is = \"missing\"`: it looks inside an argument that is present",
            Some(span),
            "here",
        ));
    }
    let about_the_call = matches!(
        predicate,
        Predicate::UsedAsTrusted
            | Predicate::ThirdPartyToken
            | Predicate::FirstPartyToken
            | Predicate::ConfusableToken
            | Predicate::ExpiryGuaranteed
            | Predicate::WeakerVerification
    );
    if matches!(selector, Selector::Result) != about_the_call {
        return Err(ctx.error(
            "`result = true` goes with `is = \"used-as-trusted\"`, `\"third-party-token\"`, `\"first-party-token\"`, \
             `\"confusable-token\"`, `\"expiry-guaranteed\"` or `\"weaker-verification\"`, and those need it",
            Some(span),
            "here",
        ));
    }
    if matches!(selector, Selector::ResultMethod(_)) && !matches!(predicate, Predicate::Missing | Predicate::Present) {
        return Err(ctx.error(
            "`result-method` takes `is = \"missing\"` (never called) or `is = \"present\"` (called)",
            Some(span),
            "here",
        ));
    }
    Ok(Condition {
        selector,
        keys,
        keys_ignore_case: c.ignore_case,
        element: c.element,
        predicate,
    })
}

/// A minimal rule for both languages, named `name`, with these keyword
/// lines (`keywords = [...]`, `keywords.rust = [...]`, …): for unit tests of
/// what reads a rule's identity or keywords.
#[cfg(test)]
pub fn test_rule(code: &str, name: &str, keyword_lines: &str) -> Rule {
    let text = format!(
        "code = \"{code}\"\nname = \"{name}\"\nseverity = \"note\"\nlanguages = [\"python\", \"rust\"]\n{keyword_lines}\n\
         summary = \"s\"\nmessage = \"m\"\nhelp = \"h\"\nrationale = \"r\"\n[[match]]\nlanguage = \"python\"\ncallee = [\"x\"]\n\
         [[match]]\nlanguage = \"rust\"\ncallee = [\"x\"]\n"
    );
    parse_rule("test.toml", &text).expect("valid rule")
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
        let Subject::Call { callees, .. } = &rule.clauses[0].subject else {
            panic!("a call clause")
        };
        assert!(callees.is_match("myorg.auth.decode_token"));
        assert!(!callees.is_match("myorg.auth.decode_token_v2"));
    }

    fn error_of(text: &str) -> RuleFileError {
        match parse_rule("bad.toml", text) {
            Err(RuleLoadError::File(e)) => *e,
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(_) => panic!("the rule should be rejected"),
        }
    }

    #[test]
    fn help_may_be_written_per_language() {
        let two = VALID
            .replace("languages = [\"python\"]", "languages = [\"python\", \"rust\"]")
            .replace(
                "[[match]]",
                "[[match]]\nlanguage = \"rust\"\ncallee = [\"myorg::decode_token\"]\n\n[[match]]",
            );
        let rule = parse_rule(
            "org.toml",
            &two.replace(
                "help = \"Pass audience=.\"",
                "help.default = \"Pass an audience.\"\nhelp.rust = \"Call `.audience(…)`.\"",
            ),
        )
        .expect("valid");
        assert_eq!(rule.help_for(Language::Rust), "Call `.audience(…)`.");
        assert_eq!(rule.help_for(Language::Python), "Pass an audience.");
        // Without a default, each language needs its own; the shared text names them.
        let both = parse_rule(
            "org.toml",
            &two.replace(
                "help = \"Pass audience=.\"",
                "help.python = \"Pass audience=.\"\nhelp.rust = \"Call it.\"",
            ),
        )
        .expect("valid");
        assert_eq!(both.help, "Python: Pass audience=. Rust: Call it.");
        let missing = error_of(&two.replace("help = \"Pass audience=.\"", "help.python = \"Pass audience=.\""));
        assert!(missing.message.contains("no text for rust"), "{}", missing.message);
        let unknown = error_of(&two.replace("help = \"Pass audience=.\"", "help.go = \"x\"\nhelp.default = \"y\""));
        assert!(unknown.message.contains("`help` keys are"), "{}", unknown.message);
        let undeclared =
            error_of(&VALID.replace("help = \"Pass audience=.\"", "help.default = \"x\"\nhelp.rust = \"y\""));
        assert!(undeclared.message.contains("does not list"), "{}", undeclared.message);
    }

    #[test]
    fn unknown_field_is_rejected_with_a_span() {
        let text = VALID.replace("help = ", "hepl = ");
        let err = error_of(&text);
        let span = err.span.expect("points somewhere");
        assert!(text[span.start..].starts_with("hepl"), "{}", err.message);
    }

    #[test]
    fn keywords_may_differ_by_language_and_carry_boundaries_and_requirements() {
        let text = VALID
            .replace("languages = [\"python\"]", "languages = [\"python\", \"rust\"]")
            .replace(
                "keywords = [\"decode_token\"]",
                "keywords.python = [\"decode_token\", 'token\\b']\nkeywords.rust = [\"decode_token\"]\n\
                 keyword-requires.'token\\b' = [\"decode\"]\nkeywords-also.rust = [\"use\"]",
            )
            .replace(
                "[[match]]",
                "[[match]]\nlanguage = \"rust\"\ncallee = [\"myorg::decode_token\"]\n\n[[match]]",
            );
        let rule = parse_rule("org.toml", &text).expect("valid");
        assert_eq!(rule.keywords_for(Language::Python), ["decode_token", "token\\b"]);
        assert_eq!(rule.keywords_for(Language::Rust), ["decode_token"]);
        assert!(rule.keywords_also_for(Language::Python).is_empty());
        assert_eq!(rule.keywords_also_for(Language::Rust), ["use"]);
        assert_eq!(rule.keyword_requires["token\\b"], ["decode"]);
    }

    #[test]
    fn bad_keywords_are_rejected() {
        let with = |keywords: &str| error_of(&VALID.replace("keywords = [\"decode_token\"]", keywords)).message;
        assert!(with("keywords = []").contains("at least one word for python"));
        assert!(with("keywords.rust = [\"x\"]").contains("words for rust, which is not in"));
        assert!(with("keywords = ['\\b']").contains("is not a word"));
        assert!(with("keywords = ['env!\\b']").contains("must stand next to a letter"));
        assert!(with("keywords = ['a\\bc']").contains("may only open or close"));
        assert!(
            with("keywords = [\"decode_token\"]\nkeyword-requires.token = [\"x\"]").contains("not one of the rule's")
        );
        assert!(
            with("keywords = [\"decode_token\"]\nkeyword-requires.decode_token = []").contains("at least one word")
        );
    }

    #[test]
    fn semantic_errors_point_at_the_offending_value() {
        let err = error_of(&VALID.replace("\"ORG501\"", "\"org-501\""));
        assert!(err.message.contains("not of the form"));
        let err = error_of(&VALID.replace("is = \"missing\"", "is = \"missing\", equals = true"));
        assert!(err.message.contains("exactly one test"));
        let err = error_of(&VALID.replace("{callee}", "{calee}"));
        assert!(err.message.contains("unknown placeholder"));
        let err = error_of(&VALID.replace("language = \"python\"", "language = \"rust\""));
        assert!(err.message.contains("not in the rule's `languages`"));
        let err = error_of(&VALID.replace("myorg.auth.decode_token\"", "myorg.[auth\""));
        assert!(err.message.contains("bad pattern"));
    }
}
