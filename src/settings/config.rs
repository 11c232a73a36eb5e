//! Configuration: where it is found, what it may say, and the settings it
//! resolves to.
//!
//! Like ruff, each file is governed by the *nearest* configuration above it:
//! `authlint.toml`, `.authlint.toml`, `pyproject.toml` with a
//! `[tool.authlint]` table, or `Cargo.toml` with `[package.metadata.authlint]`
//! or `[workspace.metadata.authlint]` (a file without the table is passed
//! over). A subproject's configuration wins for its files; configurations are
//! not merged. Run-wide settings (`fail-on`, `baseline`, `rules-dirs`,
//! `report-unused-suppressions`) come from the configuration of the working
//! directory. Flags on the command line win over every file.
//!
//! A mistake in a configuration (an unknown key, a wrong type, an unknown
//! rule code, a bad glob or duration) stops the run with a diagnostic that
//! points at it.

// A configuration error carries the file's text for its code frame; it is
// built once, on the way to exit code 2, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::TomlFileError;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::model::CodeClass;
use crate::rules::policy::{NameClass, Policy};
use crate::rules::{Rule, Severity};

/// The names a configuration file may have, in the order they are looked for.
pub const CONFIG_FILES: [&str; 4] = ["authlint.toml", ".authlint.toml", "pyproject.toml", "Cargo.toml"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Note => true,
            FailOn::Never => false,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Note => "note",
            FailOn::Never => "never",
        }
    }
}

/// What a configuration may say. Every key is optional.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub select: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<Spanned<String>>>,
    pub extend_select: Option<Vec<Spanned<String>>>,
    pub severity: Option<BTreeMap<Spanned<String>, Severity>>,
    pub exclude: Option<Vec<Spanned<String>>>,
    pub extend_exclude: Option<Vec<Spanned<String>>>,
    pub respect_gitignore: Option<bool>,
    pub per_file_ignores: Option<BTreeMap<Spanned<String>, Vec<Spanned<String>>>>,
    pub rules_dirs: Option<Vec<String>>,
    pub fail_on: Option<FailOn>,
    pub baseline: Option<String>,
    pub report_unused_suppressions: Option<bool>,
    pub include: Option<Vec<Spanned<String>>>,
    pub class_severity: Option<BTreeMap<Spanned<String>, Severity>>,
    pub strict: Option<bool>,
    pub check_generated: Option<bool>,
    pub cache_dir: Option<String>,
    pub max_access_token_lifetime: Option<Spanned<DurationSetting>>,
    pub max_refresh_token_lifetime: Option<Spanned<DurationSetting>>,
    pub max_leeway: Option<Spanned<DurationSetting>>,
    pub min_key_bytes: Option<Spanned<i64>>,
    pub required_claims: Option<Vec<String>>,
    pub secret_names: Option<Vec<String>>,
    pub extend_secret_names: Option<Vec<String>>,
    pub secret_name_exemptions: Option<Vec<String>>,
    pub extend_secret_name_exemptions: Option<Vec<String>>,
    pub token_names: Option<Vec<String>>,
    pub extend_token_names: Option<Vec<String>>,
    pub token_name_exemptions: Option<Vec<String>>,
    pub extend_token_name_exemptions: Option<Vec<String>>,
    pub credential_claims: Option<Vec<String>>,
    pub extend_credential_claims: Option<Vec<String>>,
    pub personal_claims: Option<Vec<String>>,
    pub extend_personal_claims: Option<Vec<String>>,
    pub first_party_required_claims: Option<Vec<String>>,
    pub network_claims: Option<Vec<String>>,
    pub extend_network_claims: Option<Vec<String>>,
    pub api_key_names: Option<Vec<String>>,
    pub extend_api_key_names: Option<Vec<String>>,
    pub link_token_words: Option<Vec<String>>,
    pub extend_link_token_words: Option<Vec<String>>,
    pub not_credential_words: Option<Vec<String>>,
    pub extend_not_credential_words: Option<Vec<String>>,
}

/// Every key of [`Options`], for suggestions on a misspelt one.
const OPTION_KEYS: &[&str] = &[
    "select",
    "ignore",
    "extend-select",
    "severity",
    "exclude",
    "extend-exclude",
    "respect-gitignore",
    "per-file-ignores",
    "rules-dirs",
    "fail-on",
    "baseline",
    "report-unused-suppressions",
    "include",
    "class-severity",
    "strict",
    "check-generated",
    "cache-dir",
    "max-access-token-lifetime",
    "max-refresh-token-lifetime",
    "max-leeway",
    "min-key-bytes",
    "required-claims",
    "secret-names",
    "extend-secret-names",
    "secret-name-exemptions",
    "extend-secret-name-exemptions",
    "token-names",
    "extend-token-names",
    "token-name-exemptions",
    "extend-token-name-exemptions",
    "credential-claims",
    "extend-credential-claims",
    "personal-claims",
    "extend-personal-claims",
    "first-party-required-claims",
    "network-claims",
    "extend-network-claims",
    "api-key-names",
    "extend-api-key-names",
    "link-token-words",
    "extend-link-token-words",
    "not-credential-words",
    "extend-not-credential-words",
];

/// A duration: `"15m"`, `"1h"`, `"30d"`, `"90s"`, `"2w"`, or seconds.
#[derive(Deserialize, Clone, Debug)]
#[serde(untagged)]
pub enum DurationSetting {
    Seconds(i64),
    Text(String),
}

impl DurationSetting {
    pub fn seconds(&self) -> Result<i128, String> {
        match self {
            DurationSetting::Seconds(n) if *n >= 0 => Ok(i128::from(*n)),
            DurationSetting::Seconds(n) => Err(format!("a duration cannot be negative ({n})")),
            DurationSetting::Text(text) => parse_duration(text),
        }
    }
}

/// `"15m"` → 900. Units: s, m, h, d, w.
pub fn parse_duration(text: &str) -> Result<i128, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i128 = number.parse().map_err(|_| {
        format!("`{text}` is not a duration: write a number and a unit, like \"15m\", \"1h\" or \"30d\"")
    })?;
    let factor = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use s, m, h, d or w (\"15m\", \"1h\", \"30d\")"
            ));
        }
    };
    Ok(number * factor)
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}

#[derive(Deserialize)]
struct PyProjectTool {
    authlint: Option<Options>,
}

#[derive(Deserialize)]
struct CargoManifest {
    package: Option<CargoSection>,
    workspace: Option<CargoSection>,
}

#[derive(Deserialize)]
struct CargoSection {
    metadata: Option<CargoMetadata>,
}

#[derive(Deserialize)]
struct CargoMetadata {
    authlint: Option<Options>,
}

/// A configuration mistake, pointing at the offending TOML.
pub type ConfigError = TomlFileError;

const CODE: &str = "authlint::config";

/// An error about a configuration that has no text to point into.
fn plain_error(what: &str, message: String, help: Option<String>) -> ConfigError {
    TomlFileError::new(CODE, what, "", message, None, help)
}

/// A configuration file that was found and read.
#[derive(Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub text: Arc<String>,
    pub options: Options,
}

impl LoadedConfig {
    fn error(
        &self,
        message: impl Into<String>,
        span: Option<std::ops::Range<usize>>,
        help: Option<String>,
    ) -> ConfigError {
        let file = self.path.display().to_string();
        let message = format!("invalid configuration in {file}: {}", message.into());
        TomlFileError::new(CODE, &file, &self.text, message, span, help)
    }
}

/// A configuration is a few kilobytes (a `pyproject.toml` or `Cargo.toml`
/// a few dozen); a file past this is refused unread rather than costing its
/// size in memory. Deep nesting within it is refused by the TOML parser.
pub const MAX_CONFIG_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Reads a configuration file. `Ok(None)` for a `pyproject.toml` or
/// `Cargo.toml` without an authlint table.
pub fn load_config(path: &Path) -> Result<Option<LoadedConfig>, ConfigError> {
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.len() > MAX_CONFIG_FILE_BYTES
    {
        return Err(plain_error(
            &path.display().to_string(),
            format!(
                "{} is larger than the {MAX_CONFIG_FILE_BYTES} byte limit for a configuration file ({} bytes)",
                path.display(),
                metadata.len()
            ),
            None,
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        plain_error(
            &path.display().to_string(),
            format!("cannot read {}: {e}", path.display()),
            None,
        )
    })?;
    parse_config(path, text)
}

/// Parses configuration text as the file at `path` would be.
pub fn parse_config(path: &Path, text: String) -> Result<Option<LoadedConfig>, ConfigError> {
    let text = Arc::new(text);
    let shell = LoadedConfig {
        path: path.to_path_buf(),
        text: text.clone(),
        options: Options::default(),
    };
    let to_error = |e: toml::de::Error| {
        let message = e.message().to_string();
        let help = misspelt_key(&message);
        shell.error(message, e.span(), help)
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let options = match name {
        "pyproject.toml" => {
            let file: PyProject = toml::from_str(&text).map_err(to_error)?;
            file.tool.and_then(|t| t.authlint)
        }
        "Cargo.toml" => {
            let file: CargoManifest = toml::from_str(&text).map_err(to_error)?;
            let package = file.package.and_then(|p| p.metadata).and_then(|m| m.authlint);
            let workspace = file.workspace.and_then(|w| w.metadata).and_then(|m| m.authlint);
            package.or(workspace)
        }
        _ => Some(toml::from_str(&text).map_err(to_error)?),
    };
    Ok(options.map(|options| LoadedConfig {
        path: path.to_path_buf(),
        text,
        options,
    }))
}

/// "unknown field `selct`, expected one of …" → "did you mean `select`?"
fn misspelt_key(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let key = &rest[..rest.find('`')?];
    nearest(key, OPTION_KEYS.iter().copied()).map(|best| format!("did you mean `{best}`?"))
}

fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Settings from the command line, which win over every file.
#[derive(Default, Clone)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Option<Vec<String>>,
    pub respect_gitignore: Option<bool>,
    pub fail_on: Option<FailOn>,
    pub baseline: Option<PathBuf>,
    pub report_unused_suppressions: Option<bool>,
    /// `--include-tests`: report findings in every class of code.
    pub include_tests: Option<bool>,
    pub strict: Option<bool>,
    /// `--check-generated`: check files their generator marked too.
    pub check_generated: Option<bool>,
}

/// What governs the files below one configuration.
pub struct Settings {
    /// The configuration file, or `None` for the defaults.
    pub source: Option<PathBuf>,
    /// Globs (`exclude`, `per-file-ignores`) are relative to this directory.
    pub root: PathBuf,
    /// For each loaded rule (by index), whether it runs.
    pub enabled: Vec<bool>,
    pub severity: HashMap<String, Severity>,
    pub exclude: GlobSet,
    pub exclude_patterns: Vec<String>,
    pub respect_gitignore: bool,
    pub per_file_ignores: Vec<(String, GlobSet, Vec<String>)>,
    pub policy: Policy,
    pub fail_on: FailOn,
    pub baseline: Option<PathBuf>,
    pub report_unused_suppressions: bool,
    pub rules_dirs: Vec<PathBuf>,
    /// The classes of code besides `app` whose findings are reported
    /// (`include = ["tests", "examples"]`, or all with `--include-tests`).
    pub include: Vec<CodeClass>,
    /// A severity for every finding in a class of code (`[class-severity]`),
    /// over the rule's and `[severity]`'s.
    pub class_severity: HashMap<CodeClass, Severity>,
    /// Files that could not be checked fail the run (`--strict`).
    pub strict: bool,
    /// Files marked generated (`frontend/generated.rs`) are checked too,
    /// instead of skipped with a `generated` notice.
    pub check_generated: bool,
    /// Where the results cache goes (`cache-dir`, relative to the
    /// configuration's directory); `None`: `.authlint_cache` in `root`.
    pub cache_dir: Option<PathBuf>,
}

impl Settings {
    /// Whether `path` (or, for a pattern without `/`, its name) matches an `exclude` glob.
    pub fn excludes(&self, path: &Path) -> bool {
        let relative = relative_to(path, &self.root);
        self.exclude.is_match(&relative)
            || path
                .file_name()
                .is_some_and(|name| self.exclude.is_match(Path::new(name)))
    }

    /// The codes (and prefixes) `per-file-ignores` turns off for `path`.
    pub fn ignored_for(&self, path: &Path) -> Vec<&str> {
        let relative = relative_to(path, &self.root);
        self.per_file_ignores
            .iter()
            .filter(|(_, globs, _)| globs.is_match(&relative))
            .flat_map(|(_, _, codes)| codes.iter().map(String::as_str))
            .collect()
    }
}

fn relative_to(path: &Path, root: &Path) -> PathBuf {
    let absolute = absolute(path);
    absolute.strip_prefix(root).map(Path::to_path_buf).unwrap_or(absolute)
}

/// An absolute, lexically normalised path (shared with the frontend, which
/// finds project roots with it).
pub use crate::frontend::project_root::absolute;

/// Whether a rule code matches a selector: the code itself or a prefix of it.
pub fn selects(selector: &str, code: &str) -> bool {
    code.starts_with(selector)
}

/// Builds settings from a configuration (or the defaults) and the command line.
pub fn resolve(config: Option<&LoadedConfig>, overrides: &Overrides, rules: &[Rule]) -> Result<Settings, ConfigError> {
    let default_options = Options::default();
    let options = config.map_or(&default_options, |c| &c.options);
    let root = config
        .and_then(|c| absolute(&c.path).parent().map(Path::to_path_buf))
        .unwrap_or_else(|| absolute(Path::new(".")));
    let fail = |message: String, span: Option<std::ops::Range<usize>>, help: Option<String>| -> ConfigError {
        match config {
            Some(c) => c.error(message, span, help),
            None => plain_error(
                "command line",
                format!("invalid option on the command line: {message}"),
                help,
            ),
        }
    };
    let codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
    let check_selector = |selector: &Spanned<String>| -> Result<String, ConfigError> {
        let text = selector.get_ref().trim().to_ascii_uppercase();
        if text.is_empty() || codes.iter().any(|code| selects(&text, code)) {
            return Ok(text);
        }
        let help = nearest(&text, codes.iter().copied()).map(|best| format!("did you mean `{best}`?"));
        Err(fail(
            format!("no rule has the code or prefix `{}`", selector.get_ref()),
            Some(selector.span()),
            help.or_else(|| Some("codes look like `JWT101`; prefixes like `JWT`, `SEC3`, `TOK40`".into())),
        ))
    };
    let from_cli = |values: &Option<Vec<String>>| -> Option<Vec<Spanned<String>>> {
        values
            .as_ref()
            .map(|v| v.iter().map(|s| Spanned::new(0..0, s.clone())).collect())
    };
    // Selections apply in order, the configuration's then the command
    // line's: `select` starts over, `extend-select` adds, `ignore` removes.
    let checked = |list: &Option<Vec<Spanned<String>>>| -> Result<Option<Vec<String>>, ConfigError> {
        list.as_ref()
            .map(|l| l.iter().map(check_selector).collect())
            .transpose()
    };
    let steps = [
        (
            checked(&options.select)?,
            checked(&options.extend_select)?,
            checked(&options.ignore)?,
        ),
        (
            checked(&from_cli(&overrides.select))?,
            checked(&from_cli(&overrides.extend_select))?,
            checked(&from_cli(&overrides.ignore))?,
        ),
    ];
    let mut enabled = vec![true; rules.len()];
    for (select, extend_select, ignore) in &steps {
        for (on, rule) in enabled.iter_mut().zip(rules) {
            let matches = |list: &Option<Vec<String>>| list.iter().flatten().any(|p| selects(p, &rule.code));
            if select.is_some() {
                *on = matches(select);
            }
            *on = (*on || matches(extend_select)) && !matches(ignore);
        }
    }

    let mut severity = HashMap::new();
    for (code, level) in options.severity.iter().flatten() {
        let code_text = code.get_ref().to_ascii_uppercase();
        if !codes.contains(&code_text.as_str()) {
            let help = nearest(&code_text, codes.iter().copied()).map(|best| format!("did you mean `{best}`?"));
            return Err(fail(
                format!("no rule has the code `{}`", code.get_ref()),
                Some(code.span()),
                help,
            ));
        }
        severity.insert(code_text, *level);
    }

    let mut exclude_patterns: Vec<Spanned<String>> = match &overrides.exclude {
        Some(cli) => cli.iter().map(|s| Spanned::new(0..0, s.clone())).collect(),
        None => options.exclude.clone().unwrap_or_default(),
    };
    exclude_patterns.extend(match &overrides.extend_exclude {
        Some(cli) => cli.iter().map(|s| Spanned::new(0..0, s.clone())).collect(),
        None => options.extend_exclude.clone().unwrap_or_default(),
    });
    let exclude = glob_set(&exclude_patterns, &fail)?;

    let mut per_file_ignores = Vec::new();
    for (pattern, selectors) in options.per_file_ignores.iter().flatten() {
        let globs = glob_set(std::slice::from_ref(pattern), &fail)?;
        let selectors = selectors.iter().map(check_selector).collect::<Result<Vec<_>, _>>()?;
        per_file_ignores.push((pattern.get_ref().clone(), globs, selectors));
    }

    let class_named = |name: &Spanned<String>| -> Result<CodeClass, ConfigError> {
        CodeClass::from_name(name.get_ref()).ok_or_else(|| {
            fail(
                format!("no class of code is called `{}`", name.get_ref()),
                Some(name.span()),
                Some("classes are `app`, `tests`, `examples`, `benches` and `docs`".into()),
            )
        })
    };
    let mut include = Vec::new();
    for name in options.include.iter().flatten() {
        include.push(class_named(name)?);
    }
    if overrides.include_tests == Some(true) {
        include = CodeClass::NOT_SHIPPED.to_vec();
    }
    include.sort();
    include.dedup();
    let mut class_severity = HashMap::new();
    for (name, level) in options.class_severity.iter().flatten() {
        class_severity.insert(class_named(name)?, *level);
    }

    let policy = policy_from(options, &fail)?;
    Ok(Settings {
        source: config.map(|c| c.path.clone()),
        root: root.clone(),
        enabled,
        severity,
        exclude,
        exclude_patterns: exclude_patterns.into_iter().map(Spanned::into_inner).collect(),
        respect_gitignore: overrides
            .respect_gitignore
            .or(options.respect_gitignore)
            .unwrap_or(true),
        per_file_ignores,
        policy,
        fail_on: overrides.fail_on.or(options.fail_on).unwrap_or(FailOn::Warning),
        baseline: overrides
            .baseline
            .clone()
            .or_else(|| options.baseline.as_ref().map(|b| root.join(b))),
        report_unused_suppressions: overrides
            .report_unused_suppressions
            .or(options.report_unused_suppressions)
            .unwrap_or(false),
        rules_dirs: options.rules_dirs.iter().flatten().map(|d| root.join(d)).collect(),
        include,
        class_severity,
        strict: overrides.strict.or(options.strict).unwrap_or(false),
        check_generated: overrides.check_generated.or(options.check_generated).unwrap_or(false),
        cache_dir: options.cache_dir.as_ref().map(|dir| root.join(dir)),
    })
}

fn glob_set(
    patterns: &[Spanned<String>],
    fail: &dyn Fn(String, Option<std::ops::Range<usize>>, Option<String>) -> ConfigError,
) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let text = pattern.get_ref().trim_start_matches("./");
        let glob = GlobBuilder::new(text).literal_separator(true).build().map_err(|e| {
            fail(
                format!("bad glob `{}`: {}", pattern.get_ref(), e.kind()),
                Some(pattern.span()),
                None,
            )
        })?;
        builder.add(glob);
        // `dir` or `dir/**` also excludes what is below `dir`.
        if !text.ends_with("/**") {
            let below = Glob::new(&format!("{}/**", text.trim_end_matches('/'))).map_err(|e| {
                fail(
                    format!("bad glob `{}`: {}", pattern.get_ref(), e.kind()),
                    Some(pattern.span()),
                    None,
                )
            })?;
            builder.add(below);
        }
    }
    builder.build().map_err(|e| fail(format!("bad globs: {e}"), None, None))
}

fn policy_from(
    options: &Options,
    fail: &dyn Fn(String, Option<std::ops::Range<usize>>, Option<String>) -> ConfigError,
) -> Result<Policy, ConfigError> {
    let mut policy = Policy::default();
    let duration = |setting: &Option<Spanned<DurationSetting>>, into: &mut i128| -> Result<(), ConfigError> {
        if let Some(value) = setting {
            *into = value
                .get_ref()
                .seconds()
                .map_err(|message| fail(message, Some(value.span()), None))?;
        }
        Ok(())
    };
    duration(
        &options.max_access_token_lifetime,
        &mut policy.thresholds.max_access_token_lifetime,
    )?;
    duration(
        &options.max_refresh_token_lifetime,
        &mut policy.thresholds.max_refresh_token_lifetime,
    )?;
    duration(&options.max_leeway, &mut policy.thresholds.max_leeway)?;
    if let Some(bytes) = &options.min_key_bytes {
        if *bytes.get_ref() < 0 {
            return Err(fail(
                "`min-key-bytes` cannot be negative".into(),
                Some(bytes.span()),
                None,
            ));
        }
        policy.thresholds.min_key_bytes = i128::from(*bytes.get_ref());
    }
    if let Some(claims) = &options.required_claims {
        policy.required_claims = claims.clone();
    }
    if let Some(claims) = &options.first_party_required_claims {
        policy.first_party_required_claims = claims.clone();
    }
    let class = |current: &NameClass,
                 include: &Option<Vec<String>>,
                 extend: &Option<Vec<String>>,
                 exclude: &Option<Vec<String>>,
                 extend_exclude: &Option<Vec<String>>|
     -> Result<NameClass, ConfigError> {
        let mut includes = include.clone().unwrap_or_else(|| current.include.clone());
        includes.extend(extend.iter().flatten().cloned());
        let mut excludes = exclude.clone().unwrap_or_else(|| current.exclude.clone());
        excludes.extend(extend_exclude.iter().flatten().cloned());
        NameClass::new(&includes, &excludes).map_err(|e| fail(format!("bad name pattern: {e}"), None, None))
    };
    policy.secret_names = class(
        &policy.secret_names,
        &options.secret_names,
        &options.extend_secret_names,
        &options.secret_name_exemptions,
        &options.extend_secret_name_exemptions,
    )?;
    policy.token_names = class(
        &policy.token_names,
        &options.token_names,
        &options.extend_token_names,
        &options.token_name_exemptions,
        &options.extend_token_name_exemptions,
    )?;
    policy.credential_claims = class(
        &policy.credential_claims,
        &options.credential_claims,
        &options.extend_credential_claims,
        &None,
        &None,
    )?;
    policy.personal_claims = class(
        &policy.personal_claims,
        &options.personal_claims,
        &options.extend_personal_claims,
        &None,
        &None,
    )?;
    policy.network_claims = class(
        &policy.network_claims,
        &options.network_claims,
        &options.extend_network_claims,
        &None,
        &None,
    )?;
    policy.api_key_names = class(
        &policy.api_key_names,
        &options.api_key_names,
        &options.extend_api_key_names,
        &None,
        &None,
    )?;
    policy.link_token_words = class(
        &policy.link_token_words,
        &options.link_token_words,
        &options.extend_link_token_words,
        &None,
        &None,
    )?;
    policy.not_credential_words = class(
        &policy.not_credential_words,
        &options.not_credential_words,
        &options.extend_not_credential_words,
        &None,
        &None,
    )?;
    Ok(policy)
}

/// Finds the configuration governing each directory, memoised.
pub struct ConfigFinder {
    overrides: Overrides,
    /// A configuration given with `--config` applies everywhere; `--isolated` uses none.
    forced: Option<Option<Arc<Settings>>>,
    by_dir: HashMap<PathBuf, Arc<Settings>>,
    defaults: Arc<Settings>,
}

impl ConfigFinder {
    pub fn new(
        overrides: Overrides,
        forced_config: Option<&Path>,
        isolated: bool,
        rules: &[Rule],
    ) -> Result<Self, ConfigError> {
        let defaults = Arc::new(resolve(None, &overrides, rules)?);
        let forced = if isolated {
            Some(None)
        } else if let Some(path) = forced_config {
            let loaded = load_config(path)?.ok_or_else(|| {
                plain_error(
                    &path.display().to_string(),
                    format!("{} has no authlint configuration table", path.display()),
                    Some("pyproject.toml needs [tool.authlint]; Cargo.toml [package.metadata.authlint]".into()),
                )
            })?;
            Some(Some(Arc::new(resolve(Some(&loaded), &overrides, rules)?)))
        } else {
            None
        };
        Ok(ConfigFinder {
            overrides,
            forced,
            by_dir: HashMap::new(),
            defaults,
        })
    }

    /// The settings governing `path` (a file or a directory).
    pub fn settings_for(&mut self, path: &Path, rules: &[Rule]) -> Result<Arc<Settings>, ConfigError> {
        if let Some(forced) = &self.forced {
            return Ok(forced.clone().unwrap_or_else(|| self.defaults.clone()));
        }
        let absolute = absolute(path);
        let start = if absolute.is_dir() {
            absolute
        } else {
            absolute.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let mut visited = Vec::new();
        let mut dir = Some(start.as_path());
        let mut found = None;
        while let Some(current) = dir {
            if let Some(settings) = self.by_dir.get(current) {
                found = Some(settings.clone());
                break;
            }
            visited.push(current.to_path_buf());
            if let Some(config) = find_config_in(current)? {
                found = Some(Arc::new(resolve(Some(&config), &self.overrides, rules)?));
                break;
            }
            dir = current.parent();
        }
        let settings = found.unwrap_or_else(|| self.defaults.clone());
        for dir in visited {
            self.by_dir.insert(dir, settings.clone());
        }
        Ok(settings)
    }
}

/// The first configuration in `dir`, in [`CONFIG_FILES`] order.
fn find_config_in(dir: &Path) -> Result<Option<LoadedConfig>, ConfigError> {
    for name in CONFIG_FILES {
        let candidate = dir.join(name);
        if candidate.is_file()
            && let Some(config) = load_config(&candidate)?
        {
            return Ok(Some(config));
        }
    }
    Ok(None)
}

/// `--show-settings`: the resolved settings and where they came from.
pub fn describe(settings: &Settings, rules: &[Rule]) -> String {
    let mut out = String::new();
    let source = settings
        .source
        .as_ref()
        .map_or("defaults (no configuration file found)".to_string(), |p| {
            p.display().to_string()
        });
    out.push_str(&format!("Settings from: {source}\n\n"));
    let enabled: Vec<&str> = rules
        .iter()
        .zip(&settings.enabled)
        .filter(|(_, on)| **on)
        .map(|(r, _)| r.code.as_str())
        .collect();
    out.push_str(&format!("enabled rules ({}): {}\n", enabled.len(), enabled.join(", ")));
    let mut severity: Vec<String> = settings
        .severity
        .iter()
        .map(|(c, s)| format!("{c}={}", s.as_str()))
        .collect();
    severity.sort();
    out.push_str(&format!("severity overrides: {}\n", list_or_none(&severity)));
    out.push_str(&format!("exclude: {}\n", list_or_none(&settings.exclude_patterns)));
    out.push_str(&format!("respect-gitignore: {}\n", settings.respect_gitignore));
    let per_file: Vec<String> = settings
        .per_file_ignores
        .iter()
        .map(|(pattern, _, codes)| format!("{pattern} = [{}]", codes.join(", ")))
        .collect();
    out.push_str(&format!("per-file-ignores: {}\n", list_or_none(&per_file)));
    out.push_str(&format!("fail-on: {}\n", settings.fail_on.as_str()));
    out.push_str(&format!(
        "baseline: {}\n",
        settings
            .baseline
            .as_ref()
            .map_or("none".to_string(), |p| p.display().to_string())
    ));
    out.push_str(&format!(
        "report-unused-suppressions: {}\n",
        settings.report_unused_suppressions
    ));
    let dirs: Vec<String> = settings.rules_dirs.iter().map(|d| d.display().to_string()).collect();
    out.push_str(&format!("rules-dirs: {}\n", list_or_none(&dirs)));
    let include: Vec<String> = std::iter::once("app")
        .chain(settings.include.iter().map(|c| c.as_str()))
        .map(String::from)
        .collect();
    out.push_str(&format!("include: {}\n", include.join(", ")));
    let mut by_class: Vec<(CodeClass, Severity)> = settings.class_severity.iter().map(|(c, s)| (*c, *s)).collect();
    by_class.sort();
    let by_class: Vec<String> = by_class
        .iter()
        .map(|(c, s)| format!("{}={}", c.as_str(), s.as_str()))
        .collect();
    out.push_str(&format!("class-severity: {}\n", list_or_none(&by_class)));
    out.push_str(&format!("strict: {}\n", settings.strict));
    out.push_str(&format!("check-generated: {}\n", settings.check_generated));
    let cache_dir = settings.cache_dir.as_ref().map(|d| d.display().to_string());
    out.push_str(&format!(
        "cache-dir: {}\n",
        cache_dir.as_deref().unwrap_or(".authlint_cache (in the project root)")
    ));
    let t = &settings.policy.thresholds;
    out.push_str(&format!(
        "max-access-token-lifetime: {}\nmax-refresh-token-lifetime: {}\nmax-leeway: {}\nmin-key-bytes: {}\n",
        crate::analysis::values::human_duration(t.max_access_token_lifetime),
        crate::analysis::values::human_duration(t.max_refresh_token_lifetime),
        crate::analysis::values::human_duration(t.max_leeway),
        t.min_key_bytes
    ));
    out.push_str(&format!(
        "required-claims: {}\n",
        settings.policy.required_claims.join(", ")
    ));
    out.push_str(&format!(
        "first-party-required-claims: {}\n",
        settings.policy.first_party_required_claims.join(", ")
    ));
    let p = &settings.policy;
    for (name, class) in [
        ("secret-names", &p.secret_names),
        ("token-names", &p.token_names),
        ("credential-claims", &p.credential_claims),
        ("personal-claims", &p.personal_claims),
        ("network-claims", &p.network_claims),
        ("api-key-names", &p.api_key_names),
        ("link-token-words", &p.link_token_words),
        ("not-credential-words", &p.not_credential_words),
    ] {
        out.push_str(&format!("{name}: {}\n", class.include.join(", ")));
        if !class.exclude.is_empty() {
            out.push_str(&format!("{name} exemptions: {}\n", class.exclude.join(", ")));
        }
    }
    out
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_rules;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("30d"), Ok(2_592_000));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("1y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("soon").unwrap_err().contains("not a duration"));
    }

    #[test]
    fn selection_by_code_and_prefix() {
        let rules = load_rules(&[]).unwrap();
        let config = parse_config(
            Path::new("authlint.toml"),
            "select = [\"JWT\", \"SEC3\"]\nignore = [\"JWT2\"]\nextend-select = [\"TOK403\"]\n".into(),
        )
        .unwrap()
        .unwrap();
        let settings = resolve(Some(&config), &Overrides::default(), &rules).unwrap();
        let on: Vec<&str> = rules
            .iter()
            .zip(&settings.enabled)
            .filter(|(_, on)| **on)
            .map(|(r, _)| r.code.as_str())
            .collect();
        assert!(on.contains(&"JWT101") && on.contains(&"SEC301") && on.contains(&"TOK403"));
        assert!(!on.contains(&"JWT202") && !on.contains(&"TOK401"));
    }

    #[test]
    fn mistakes_point_at_the_toml() {
        let rules = load_rules(&[]).unwrap();
        let text = "selct = [\"JWT\"]\n";
        let err = match parse_config(Path::new("authlint.toml"), text.into()) {
            Err(e) => e,
            Ok(_) => panic!("an unknown key is an error"),
        };
        assert_eq!(err.help.as_deref(), Some("did you mean `select`?"));
        assert!(text[err.span.unwrap().start..].starts_with("selct"));

        for (text, needle) in [
            ("select = [\"JWT999\"]\n", "no rule has the code or prefix"),
            ("max-leeway = \"5 parsecs\"\n", "unknown unit"),
            ("exclude = [\"a/[\"]\n", "bad glob"),
            ("[severity]\nJWT10 = \"error\"\n", "no rule has the code"),
        ] {
            let config = parse_config(Path::new("authlint.toml"), text.into()).unwrap().unwrap();
            let err = match resolve(Some(&config), &Overrides::default(), &rules) {
                Err(e) => e,
                Ok(_) => panic!("{text} should be refused"),
            };
            assert!(err.message.contains(needle), "{}", err.message);
            let span = err.span.expect("points at the value");
            assert!(!span.is_empty(), "{text}");
        }
    }

    #[test]
    fn classes_of_code_to_include_and_their_severity() {
        let rules = load_rules(&[]).unwrap();
        let config = parse_config(
            Path::new("authlint.toml"),
            "include = [\"tests\", \"example\"]\nstrict = true\n[class-severity]\ntests = \"note\"\n".into(),
        )
        .unwrap()
        .unwrap();
        let settings = resolve(Some(&config), &Overrides::default(), &rules).unwrap();
        assert_eq!(settings.include, [CodeClass::Test, CodeClass::Example]);
        assert_eq!(settings.class_severity.get(&CodeClass::Test), Some(&Severity::Note));
        assert!(settings.strict);
        let all = Overrides {
            include_tests: Some(true),
            strict: Some(false),
            ..Overrides::default()
        };
        let settings = resolve(Some(&config), &all, &rules).unwrap();
        assert_eq!(settings.include, CodeClass::NOT_SHIPPED);
        assert!(!settings.strict, "the command line wins");
        let defaults = resolve(None, &Overrides::default(), &rules).unwrap();
        assert!(defaults.include.is_empty() && !defaults.strict);
        let bad = parse_config(Path::new("authlint.toml"), "include = [\"vendored\"]\n".into())
            .unwrap()
            .unwrap();
        let err = match resolve(Some(&bad), &Overrides::default(), &rules) {
            Err(e) => e,
            Ok(_) => panic!("an unknown class is refused"),
        };
        assert!(err.message.contains("no class of code"), "{}", err.message);
    }

    #[test]
    fn pyproject_without_a_table_is_no_configuration() {
        let none = parse_config(Path::new("pyproject.toml"), "[project]\nname = \"x\"\n".into()).unwrap();
        assert!(none.is_none());
        let some = parse_config(
            Path::new("pyproject.toml"),
            "[tool.authlint]\nignore = [\"TOK\"]\n".into(),
        )
        .unwrap();
        assert!(some.is_some());
        let cargo = parse_config(
            Path::new("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.authlint]\nfail-on = \"error\"\n".into(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(cargo.options.fail_on, Some(FailOn::Error));
    }
}
