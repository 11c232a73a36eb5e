//! The command line: argument parsing (clap), the `check`, `rules` and
//! `explain` commands, and exit codes.
//!
//! Exit codes: 0 no finding at or above `--fail-on`; 1 findings at or above
//! it; 2 usage error, unreadable path, malformed rule or configuration file,
//! unreadable baseline, bad --diff-base, or internal error.

use std::io::{IsTerminal, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::frontend::classify::classify_named_file;
use crate::frontend::discover::{Discovery, SourcePath, discover_with};
use crate::frontend::gitignore::GitignoreCache;
use crate::frontend::project_root::ProjectRoots;
use crate::frontend::source::{DEFAULT_MAX_FILE_SIZE, decode_source_as};
use crate::lint::{FileSettings, Focus, Linter, named_run};
use crate::model::Notice;
use crate::model::{Language, NoteKind};
use crate::report;
use crate::report::outcome::{FileOutcome, RunOutcome};
use crate::rules::docs;
use crate::rules::{Rule, load_rules};
use crate::settings::baseline::{Baseline, BaselineEntry};
use crate::settings::config::{ConfigFinder, FailOn, Overrides, Settings, absolute, describe};

const EXAMPLES: &str = "\
Examples:
  authlint check                          lint the current directory
  authlint check src/ services/           lint two trees
  authlint check app/api/deps.py          lint one file (always linted, wherever it is)
  authlint check --output-format json .   machine-readable findings
  authlint check --output-format concise  one `path:line:col: CODE message` line per finding
  authlint check --statistics .           how many findings per rule and class of code
  authlint check --include-tests .        report test, example, bench and docs code too
  authlint check --fail-on error .        let warnings pass the CI gate
  authlint check --rules ./authlint-rules add your own rule files
  authlint check --output-format sarif --output authlint.sarif .
                                          a SARIF log for code scanning or an editor
  authlint check --stdin-filename app/auth.py - < app/auth.py
                                          lint standard input as if it were that file
  authlint explain JWT101                 what a rule reports, why, and how to fix it
  authlint check --write-baseline .authlint-baseline.json
                                          record today's findings; then --baseline FILE
                                          reports only new ones
  authlint check --diff-base origin/main  only findings on lines changed since a git ref
  authlint check --show-settings          the settings in force and the file they come from
  authlint check --fix                    apply the safe fixes (--diff shows them instead)
  authlint server                         a language server for editors (stdio)

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it (or,
with --strict, a file that could not be checked), 2 usage error, unreadable path,
malformed rule or configuration file, or internal error.";

#[derive(Parser)]
#[command(
    name = "authlint",
    version,
    about = "Finds JWT and secret-handling mistakes in Python and Rust code",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint Python and Rust files for JWT and secret-handling mistakes.
    #[command(after_help = EXAMPLES)]
    Check(Box<CheckArgs>),
    /// List every rule: code, name, severity, languages and what it reports.
    Rules(RulesArgs),
    /// Print a rule's documentation: what it reports, why, examples, references.
    Explain(ExplainArgs),
    /// Serve the Language Server Protocol on standard input and output, for
    /// editors: diagnostics while you type, quick fixes, explanations on hover.
    Server(ServerArgs),
    /// Map every token the code issues and accepts: issue and verify sites,
    /// keys, and where tokens travel, each linked to its findings.
    Inventory(InventoryArgs),
}

#[derive(clap::Args)]
struct InventoryArgs {
    /// Files and directories to map [default: .].
    paths: Vec<PathBuf>,

    /// How to print the inventory.
    #[arg(long, value_enum, default_value_t = InventoryFormat::Text)]
    output_format: InventoryFormat,

    /// Write the inventory to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Only what changed in the auth layer since this git ref: entries added,
    /// removed or changed.
    #[arg(long, value_name = "REF")]
    diff_base: Option<String>,

    /// Map test, example, bench and docs code too.
    #[arg(long)]
    include_tests: bool,

    /// Use this configuration file for every file (instead of the nearest).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,

    /// Use no configuration file: defaults and command-line flags only.
    #[arg(long)]
    isolated: bool,

    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InventoryFormat {
    /// Grouped sections for people.
    Text,
    /// The versioned JSON document (docs/inventory.md).
    Json,
    /// Markdown with a Mermaid diagram, for a pull request or a review.
    Markdown,
}

#[derive(clap::Args)]
struct ServerArgs {
    /// Talk over standard input and output (the default and only transport;
    /// accepted because some editors pass it).
    #[arg(long)]
    stdio: bool,
}

#[derive(clap::Args, Clone)]
struct CheckArgs {
    /// Files and directories to lint [default: .]; `-` reads standard input
    /// (with --stdin-filename).
    paths: Vec<PathBuf>,

    /// How to print findings.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output_format: OutputFormat,

    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Lint standard input as if it were this file: its extension picks the
    /// language, and reports name it. Editors use this for unsaved buffers.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,

    /// The project files named on the command line (or --stdin-filename)
    /// belong to [default: the nearest directory upward with pyproject.toml,
    /// setup.py, setup.cfg, a Cargo.toml package or workspace, or .git].
    /// Its files are read so imported modules resolve; only the named files
    /// are checked and reported.
    #[arg(long, value_name = "DIR")]
    project_root: Option<PathBuf>,

    /// The lowest severity that makes the run exit with code 1 [default: warning].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,

    /// Use this configuration file for every file (instead of the nearest).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,

    /// Use no configuration file: defaults and command-line flags only.
    #[arg(long)]
    isolated: bool,

    /// Print the settings that apply (to the first path, or here) and where they come from, then exit.
    #[arg(long)]
    show_settings: bool,

    /// Run only these rules: codes or prefixes (`JWT`, `SEC3`, `TOK401`), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    select: Option<Vec<String>>,

    /// Do not run these rules: codes or prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    ignore: Option<Vec<String>>,

    /// Run these rules as well as the selected ones.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    extend_select: Option<Vec<String>>,

    /// Do not lint paths matching these globs (replaces the configuration's `exclude`).
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    exclude: Option<Vec<String>>,

    /// Do not lint paths matching these globs either.
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    extend_exclude: Option<Vec<String>>,

    /// Lint files `.gitignore` ignores (named files are always linted).
    #[arg(long)]
    no_respect_gitignore: bool,

    /// Hide the findings recorded in this baseline file; report only new ones.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record today's findings in this baseline file (with --baseline: drop the fixed ones).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// Report only findings on lines added or changed since this git ref.
    #[arg(long, value_name = "REF")]
    diff_base: Option<String>,

    /// Report suppression comments that silenced nothing, as notes.
    #[arg(long)]
    report_unused_suppressions: bool,

    /// Apply the safe fixes of the findings reported, then report what is left.
    #[arg(long, conflicts_with = "diff")]
    fix: bool,

    /// Print the safe fixes as a unified diff instead of applying them (exit
    /// code 1 when there is one); no report.
    #[arg(long)]
    diff: bool,

    /// A directory of extra rule files (*.toml); may be repeated.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,

    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long)]
    no_color: bool,

    /// Print findings only, without the summary line.
    #[arg(short, long)]
    quiet: bool,

    /// Report findings in code that does not ship too: tests, examples,
    /// benches and docs (by default they are counted, not shown).
    #[arg(long)]
    include_tests: bool,

    /// Fail the run (exit 1) when a file could not be checked: too large,
    /// binary, undecodable, unreadable, or Rust that does not parse.
    #[arg(long)]
    strict: bool,

    /// Check files marked generated (`# Generated by`, `@generated`, `DO NOT
    /// EDIT` in a comment at the top) instead of skipping them with a note.
    #[arg(long)]
    check_generated: bool,

    /// Do not read or write the results cache (also: AUTHLINT_NO_CACHE=1).
    #[arg(long)]
    no_cache: bool,

    /// Where the results cache lives (default: `.authlint_cache` in the
    /// project root, the directory of the configuration file or else the
    /// working directory; also: AUTHLINT_CACHE_DIR, or `cache-dir`).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// Print how many findings each rule made in each class of code instead
    /// of the findings (text, or JSON with --output-format json).
    #[arg(long)]
    statistics: bool,

    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,

    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_FILE_SIZE, value_name = "BYTES")]
    max_file_size: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// Code frames for people.
    Text,
    /// One `path:line:col: CODE message` line per finding (editors, pre-commit).
    Concise,
    /// The stable JSON contract for tools.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub) and editors.
    Sarif,
    /// GitHub Actions annotations (workflow commands).
    Github,
}

#[derive(clap::Args)]
struct RulesArgs {
    /// How to print the list.
    #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
    output_format: CatalogFormat,

    /// A directory of extra rule files (*.toml) to list too; may be repeated.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,

    /// Write one markdown page per rule into DIR (`docs/rules` in this
    /// repository) and remove pages of rules that no longer exist.
    #[arg(long, value_name = "DIR")]
    write_docs: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The rule's code (`JWT101`) or name (`decode-without-algorithms`).
    code: String,

    /// A directory of extra rule files (*.toml); may be repeated.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,

    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long)]
    no_color: bool,
}

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Files are isolated inside the linter; this is the backstop for a bug
    // anywhere else (say, in a report format): the panic message is printed
    // by the default hook, and the gate fails with 2 rather than Rust's 101.
    std::panic::catch_unwind(|| match cli.command {
        Command::Check(args) => check(*args),
        Command::Rules(args) => list_rules(args),
        Command::Explain(args) => explain(args),
        Command::Server(_) => serve(),
        Command::Inventory(args) => inventory(args),
    })
    .unwrap_or(ExitCode::from(EXIT_ERROR))
}

fn check(args: CheckArgs) -> ExitCode {
    let color_err = !args.no_color && no_color_unset() && std::io::stderr().is_terminal();
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin && (args.paths.len() > 1 || args.stdin_filename.is_none()) {
        return usage_error("`-` (standard input) needs --stdin-filename PATH and cannot be mixed with other paths");
    }
    if args.stdin_filename.is_some() && !args.paths.is_empty() && !reads_stdin {
        return usage_error("--stdin-filename lints standard input: pass `-` as the only path");
    }
    if args.stdin_filename.is_some() && (args.fix || args.diff) {
        return usage_error("--fix and --diff change files on disk: they cannot be used with --stdin-filename");
    }
    // Fixes are worked out when they are applied, shown, or carried in SARIF.
    let wants_fixes = args.fix || args.diff || args.output_format == OutputFormat::Sarif;
    let mut fixer: Option<(Linter, crate::lint::ProjectIndex)> = None;
    let overrides = Overrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        extend_select: args.extend_select.clone(),
        exclude: args.exclude.clone(),
        extend_exclude: args.extend_exclude.clone(),
        respect_gitignore: args.no_respect_gitignore.then_some(false),
        fail_on: args.fail_on,
        baseline: args.baseline.clone(),
        report_unused_suppressions: args.report_unused_suppressions.then_some(true),
        include_tests: args.include_tests.then_some(true),
        strict: args.strict.then_some(true),
        check_generated: args.check_generated.then_some(true),
    };
    if args.statistics && matches!(args.output_format, OutputFormat::Sarif | OutputFormat::Github) {
        return usage_error("--statistics prints text or JSON: use it with --output-format text, concise or json");
    }
    // Rule directories named by the configuration of the working directory
    // join the built-in rules and `--rules`.
    let mut rule_dirs = args.rules.clone();
    match run_config_rules_dirs(&args) {
        Ok(dirs) => rule_dirs.extend(dirs),
        Err(error) => return fail(miette::Report::new(error), color_err),
    }
    let rules = match load_rules(&rule_dirs) {
        Ok(rules) => rules,
        Err(error) => return fail(miette::Report::new(error), color_err),
    };
    let mut finder = match ConfigFinder::new(overrides, args.config.as_deref(), args.isolated, &rules) {
        Ok(finder) => finder,
        Err(error) => return fail(miette::Report::new(error), color_err),
    };
    let here = args
        .stdin_filename
        .clone()
        .or_else(|| args.paths.first().filter(|p| p.as_os_str() != "-").cloned())
        .unwrap_or_else(|| PathBuf::from("."));
    let run_settings = match finder.settings_for(&here, &rules) {
        Ok(settings) => settings,
        Err(error) => return fail(miette::Report::new(error), color_err),
    };
    if args.show_settings {
        print!("{}", describe(&run_settings, &rules));
        return ExitCode::SUCCESS;
    }

    let mut outcome = if let Some(stdin_path) = &args.stdin_filename {
        match lint_stdin(&args, stdin_path, &mut finder, &rules, &run_settings) {
            Ok(outcome) => outcome,
            Err(code) => return code,
        }
    } else {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let plan = match plan_run(&args, &paths, &mut finder, &rules) {
            Ok(plan) => plan,
            Err(error) => return fail(error, color_err),
        };
        let linter = match linter_for(&plan.discovery, &mut finder, &rules, &run_settings, args.max_file_size) {
            Ok(linter) => linter,
            Err(error) => return fail(miette::Report::new(error), color_err),
        };
        // Results are cached for runs over directories (see `lint/cache.rs`).
        let linter = linter.with_cache_dir(cache_dir(&args, &run_settings));
        let mut outcome = match linter.run_focused(&plan.discovery, &plan.roots, args.threads, plan.focus.as_ref()) {
            Ok(outcome) => outcome,
            Err(error) => {
                eprintln!("authlint: cannot start worker threads: {error}");
                return ExitCode::from(EXIT_ERROR);
            }
        };
        // Test code is set aside before fixes are attached: what is not
        // shown is not fixed either.
        linter.set_aside_not_shipped(&mut outcome);
        if outcome.files.is_empty() {
            let under: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            eprintln!("warning: no Python or Rust files found under {}", under.join(", "));
        }
        if wants_fixes && crate::fix::any_fixable(&outcome) {
            let index = linter.index_project(&plan.discovery, &plan.roots);
            let context = crate::fix::FixContext {
                linter: &linter,
                index: &index,
                overlay: Default::default(),
            };
            crate::fix::attach_fixes(&context, &mut outcome);
            fixer = Some((linter, index));
        }
        outcome
    };
    // The files as checked, before adoption gates hide findings: fixes are
    // proven against these.
    let checked_files = if fixer.is_some() {
        outcome.files.clone()
    } else {
        Vec::new()
    };

    // Adoption gates, after suppressions: the baseline hides recorded
    // findings, --diff-base keeps only those on new lines.
    let baseline_path = run_settings.baseline.clone();
    match apply_baseline(&mut outcome, baseline_path.as_deref(), args.write_baseline.as_deref()) {
        Ok(counts) if !args.quiet => report_baseline(&counts, baseline_path.as_deref(), args.write_baseline.as_deref()),
        Ok(_) => {}
        Err(message) => {
            eprintln!("authlint: {message}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    if let Some(base) = &args.diff_base {
        // The repository of the code linted, wherever authlint runs from.
        let linted = match (&args.stdin_filename, args.paths.is_empty()) {
            (Some(path), _) => vec![path.clone()],
            (None, true) => vec![PathBuf::from(".")],
            (None, false) => args.paths.clone(),
        };
        match crate::settings::diff::changed_since(base, &linted) {
            Ok(changed) => {
                for file in &mut outcome.files {
                    file.findings.retain(|f| changed.contains(Path::new(&f.path), f.line));
                    file.not_shown.retain(|f| changed.contains(Path::new(&f.path), f.line));
                }
            }
            Err(message) => {
                eprintln!("authlint: --diff-base: {message}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    let fail_on = run_settings.fail_on;
    let strict = run_settings.strict;
    if args.fix || args.diff {
        return apply_fixes(args, fixer.as_ref(), &checked_files, &mut outcome);
    }

    // Colour is for a terminal: never in a file written with --output.
    let color_out = args.output.is_none() && !args.no_color && no_color_unset() && std::io::stdout().is_terminal();
    let (report_text, mut stderr_text) = match args.output_format {
        _ if args.statistics => {
            let table = match args.output_format {
                OutputFormat::Json => report::statistics::render_json(&outcome),
                _ => report::statistics::render_text(&outcome, args.quiet),
            };
            (table, report::text::render_notices(&outcome))
        }
        OutputFormat::Concise => report::concise::render(&outcome, args.quiet),
        OutputFormat::Text => report::text::render(
            &outcome,
            &report::text::TextOptions {
                color: color_out,
                quiet: args.quiet,
            },
        ),
        OutputFormat::Json => (report::json::render(&outcome), String::new()),
        OutputFormat::Sarif => {
            let source_root = match std::env::current_dir() {
                Ok(dir) => dir,
                Err(error) => {
                    eprintln!("authlint: cannot tell the working directory for SARIF's %SRCROOT%: {error}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let builtin_codes = docs::builtin_codes();
            let context = report::sarif::SarifContext {
                rules: &rules,
                builtin_codes: &builtin_codes,
                source_root: &source_root,
            };
            (report::sarif::render(&outcome, &context), String::new())
        }
        OutputFormat::Github => report::github::render(&outcome, args.quiet),
    };
    match &args.output {
        Some(path) => {
            if let Err(error) = write_report(path, &report_text) {
                eprintln!("authlint: cannot write the report to {}: {error}", path.display());
                return ExitCode::from(EXIT_ERROR);
            }
        }
        // A closed pipe (`authlint check | head`) is not an error worth a panic.
        None => {
            let _ = std::io::stdout().lock().write_all(report_text.as_bytes());
        }
    }
    if args.output_format == OutputFormat::Github {
        write_step_summary(&outcome);
    }
    let unchecked = outcome.unchecked_files();
    if strict && unchecked > 0 {
        stderr_text.push_str(&format!(
            "error: {unchecked} file{} could not be checked, and --strict fails the run on what it cannot see\n",
            if unchecked == 1 { "" } else { "s" }
        ));
    }
    let _ = std::io::stderr().lock().write_all(stderr_text.as_bytes());
    exit_code(&outcome, fail_on, strict)
}

/// The files a run reads and the ones it reports: for files named on the
/// command line, their whole projects, checked only where named (see
/// `lint/named.rs`); for directories, what is below them.
struct RunPlan {
    discovery: Discovery,
    /// Module names start from these.
    roots: Vec<PathBuf>,
    focus: Option<Focus>,
}

fn plan_run(
    args: &CheckArgs,
    paths: &[PathBuf],
    finder: &mut ConfigFinder,
    rules: &[Rule],
) -> Result<RunPlan, miette::Report> {
    let whole = |discovery| RunPlan {
        discovery,
        roots: paths.to_vec(),
        focus: None,
    };
    // A directory is linted as its own tree; files are linted in their projects.
    if paths.iter().any(|path| path.is_dir()) {
        return discover_filtered(paths, finder, rules).map(whole);
    }
    let named = discover_with(paths, &mut |_, _| true).map_err(miette::Report::new)?;
    let mut discover = |roots: &[PathBuf]| discover_filtered(roots, finder, rules);
    match named_run(named.clone(), args.project_root.as_deref(), &mut discover, None)? {
        Some(run) => Ok(RunPlan {
            discovery: run.discovery,
            roots: run.roots,
            focus: Some(run.focus),
        }),
        None => Ok(whole(named)),
    }
}

/// `authlint inventory`: the map of the auth layer, or with `--diff-base`
/// what changed in it since a ref.
fn inventory(args: InventoryArgs) -> ExitCode {
    let color_err = no_color_unset() && std::io::stderr().is_terminal();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let inventory = match build_inventory(&args, &paths) {
        Ok(inventory) => inventory,
        Err(error) => return fail(error, color_err),
    };
    let text = match &args.diff_base {
        Some(base) => {
            let tree = match crate::settings::diff::checkout(base) {
                Ok(tree) => tree,
                Err(message) => {
                    eprintln!("authlint: --diff-base: {message}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let moved: Vec<PathBuf> = paths.iter().map(|p| tree.moved(p)).collect();
            let mut before = match build_inventory(&args, &moved) {
                Ok(before) => before,
                Err(error) => return fail(error, color_err),
            };
            crate::inventory::diff::restore_paths(&mut before, &|p| tree.restore(p));
            let changes = crate::inventory::diff::compare(&before, &inventory, base);
            match args.output_format {
                InventoryFormat::Json => crate::inventory::diff::render_json(&changes),
                InventoryFormat::Text => crate::inventory::diff::render_text(&changes),
                InventoryFormat::Markdown => crate::inventory::diff::render_markdown(&changes),
            }
        }
        None => match args.output_format {
            InventoryFormat::Json => crate::inventory::render_json(&inventory),
            InventoryFormat::Text => crate::inventory::text::render(&inventory),
            InventoryFormat::Markdown => crate::inventory::markdown::render(&inventory),
        },
    };
    match &args.output {
        Some(path) => {
            if let Err(error) = write_report(path, &text) {
                eprintln!("authlint: cannot write the inventory to {}: {error}", path.display());
                return ExitCode::from(EXIT_ERROR);
            }
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    ExitCode::SUCCESS
}

/// The inventory of `paths`, with the findings a `check` of them gives.
fn build_inventory(
    args: &InventoryArgs,
    paths: &[PathBuf],
) -> Result<crate::inventory::model::Inventory, miette::Report> {
    let rules = load_rules(&[]).map_err(miette::Report::new)?;
    let overrides = Overrides {
        include_tests: args.include_tests.then_some(true),
        ..Overrides::default()
    };
    let mut finder =
        ConfigFinder::new(overrides, args.config.as_deref(), args.isolated, &rules).map_err(miette::Report::new)?;
    let here = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let run_settings = finder.settings_for(&here, &rules).map_err(miette::Report::new)?;
    let discovery = discover_filtered(paths, &mut finder, &rules)?;
    let linter = linter_for(&discovery, &mut finder, &rules, &run_settings, DEFAULT_MAX_FILE_SIZE)
        .map_err(miette::Report::new)?;
    let mut outcome = linter
        .run(&discovery, paths, args.threads)
        .map_err(|error| miette::miette!("cannot start worker threads: {error}"))?;
    linter.set_aside_not_shipped(&mut outcome);
    let scope = crate::inventory::Scope {
        include_tests: args.include_tests,
    };
    Ok(crate::inventory::build(
        &linter,
        &discovery,
        paths,
        &outcome,
        &run_settings.policy,
        &scope,
    ))
}

/// The files below `paths` that configuration `exclude` globs and
/// `.gitignore` leave to lint; named files are always linted.
fn discover_filtered(
    paths: &[PathBuf],
    finder: &mut ConfigFinder,
    rules: &[Rule],
) -> Result<Discovery, miette::Report> {
    let mut gitignore = GitignoreCache::default();
    let mut config_error = None;
    let mut keep = |path: &Path, is_dir: bool| -> bool {
        match finder.settings_for(path, rules) {
            Ok(settings) => {
                let ignored = settings.respect_gitignore && gitignore.is_ignored(&absolute(path), is_dir);
                !(settings.excludes(path) || ignored)
            }
            Err(error) => {
                config_error.get_or_insert(error);
                false
            }
        }
    };
    let discovery = discover_with(paths, &mut keep).map_err(miette::Report::new)?;
    match config_error {
        Some(error) => Err(miette::Report::new(error)),
        None => Ok(discovery),
    }
}

/// A linter with the settings of each discovered file.
#[allow(clippy::result_large_err)] // built once, on the way to exit code 2
fn linter_for<'r>(
    discovery: &Discovery,
    finder: &mut ConfigFinder,
    rules: &'r [Rule],
    run_settings: &Arc<Settings>,
    max_file_size: u64,
) -> Result<Linter<'r>, crate::settings::config::ConfigError> {
    let mut by_path = std::collections::HashMap::new();
    for file in &discovery.files {
        let settings = finder.settings_for(&file.path, rules)?;
        by_path.insert(file.path.to_string_lossy().into_owned(), settings);
    }
    let settings = FileSettings {
        default: run_settings.clone(),
        by_path,
    };
    Ok(Linter::with_settings(rules, max_file_size, settings))
}

/// `--fix` and `--diff`: applies or shows the fixes of the findings left
/// after the adoption gates. With `--fix`, the tree is then checked again
/// and reported as it now is.
fn apply_fixes(
    args: CheckArgs,
    fixer: Option<&(Linter, crate::lint::ProjectIndex)>,
    checked: &[FileOutcome],
    outcome: &mut RunOutcome,
) -> ExitCode {
    let report = match fixer {
        Some((linter, index)) => {
            let context = crate::fix::FixContext {
                linter,
                index,
                overlay: Default::default(),
            };
            crate::fix::fix_files(&context, checked, outcome, args.fix)
        }
        None => crate::fix::FixReport::default(),
    };
    for error in &report.errors {
        eprintln!("authlint: {error}");
    }
    let count = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let fixes = count(report.fixed.len(), "fix", "fixes");
    let findings = count(report.fixed.len(), "finding", "findings");
    let files = count(report.files_changed, "file", "files");
    if args.diff {
        let _ = std::io::stdout().lock().write_all(report.diff.as_bytes());
        if !args.quiet {
            eprintln!("authlint: {fixes} in {files} (nothing written)");
        }
        return match (report.errors.is_empty(), report.files_changed) {
            (false, _) => ExitCode::from(EXIT_ERROR),
            (true, 0) => ExitCode::SUCCESS,
            (true, _) => ExitCode::from(EXIT_FINDINGS),
        };
    }
    for line in &report.fixed {
        eprintln!("{line}");
    }
    if !args.quiet {
        eprintln!("authlint: fixed {findings} in {files}");
    }
    if !report.errors.is_empty() {
        return ExitCode::from(EXIT_ERROR);
    }
    // What is left, checked afresh: positions moved where text was added.
    check(CheckArgs { fix: false, ..args })
}

fn serve() -> ExitCode {
    match crate::server::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("authlint server: {error}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `rules-dirs` of the configuration governing the working directory (or
/// the one given with `--config`), read before rules are loaded: rule codes
/// in configurations are checked against the loaded rules.
#[allow(clippy::result_large_err)] // built once, on the way to exit code 2
fn run_config_rules_dirs(args: &CheckArgs) -> Result<Vec<PathBuf>, crate::settings::config::ConfigError> {
    if args.isolated {
        return Ok(Vec::new());
    }
    let config = match &args.config {
        Some(path) => crate::settings::config::load_config(path)?,
        None => {
            let mut found = None;
            let cwd = absolute(Path::new("."));
            let mut dir = Some(cwd.as_path());
            while let Some(current) = dir {
                if let Some(config) = crate::settings::config::CONFIG_FILES
                    .iter()
                    .map(|name| current.join(name))
                    .filter(|candidate| candidate.is_file())
                    .map(|candidate| crate::settings::config::load_config(&candidate))
                    .find(|loaded| !matches!(loaded, Ok(None)))
                {
                    found = config?;
                    break;
                }
                dir = current.parent();
            }
            found
        }
    };
    Ok(config
        .map(|c| {
            let root = absolute(&c.path).parent().map(Path::to_path_buf).unwrap_or_default();
            c.options.rules_dirs.iter().flatten().map(|d| root.join(d)).collect()
        })
        .unwrap_or_default())
}

/// Hides the findings a baseline records and, with `write`, records the
/// findings of this run: all of them, or with a baseline given, only those
/// it already held (the fixed ones drop out, new ones are not absorbed).
fn apply_baseline(
    outcome: &mut RunOutcome,
    read: Option<&Path>,
    write: Option<&Path>,
) -> Result<BaselineCounts, String> {
    let existing = match read {
        Some(path) if path.exists() || write.is_none() => Some(Baseline::read(path)?),
        _ => None,
    };
    let mut matcher = existing.as_ref().map(Baseline::matcher);
    let mut recorded = Vec::new();
    let mut counts = BaselineCounts::default();
    for file in outcome.files.iter_mut() {
        let mut kept = Vec::new();
        for finding in file.findings.drain(..) {
            let entry = BaselineEntry {
                rule: finding.code.clone(),
                path: finding.path.clone(),
                fingerprint: finding.fingerprint.clone(),
                message: finding.message.clone(),
            };
            let known = matcher
                .as_mut()
                .is_some_and(|m| m.take(&entry.rule, &entry.path, &entry.fingerprint));
            if write.is_some() && (existing.is_none() || known) {
                recorded.push(entry);
            } else if !known {
                kept.push(finding);
            }
            counts.hidden += usize::from(known);
        }
        file.findings = kept;
    }
    counts.recorded = recorded.len();
    if let Some(path) = write {
        Baseline::new(recorded).write(path)?;
    }
    Ok(counts)
}

/// What the baseline did in a run.
#[derive(Default)]
struct BaselineCounts {
    /// Findings the baseline read held, not reported.
    hidden: usize,
    /// Findings written to the new baseline.
    recorded: usize,
}

/// Says on standard error what the baseline hid and recorded, so a gate
/// that passes because of a baseline says so.
fn report_baseline(counts: &BaselineCounts, read: Option<&Path>, write: Option<&Path>) {
    let findings = |n: usize| format!("{n} finding{}", if n == 1 { "" } else { "s" });
    if let Some(path) = write {
        eprintln!(
            "authlint: recorded {} in the baseline {}",
            findings(counts.recorded),
            path.display()
        );
    } else if let Some(path) = read {
        eprintln!(
            "authlint: the baseline {} hid {}",
            path.display(),
            findings(counts.hidden)
        );
    }
}

/// On GitHub Actions (`$GITHUB_STEP_SUMMARY` set), appends the job summary
/// to it: the annotations GitHub shows are capped, the summary counts all.
fn write_step_summary(outcome: &RunOutcome) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let summary = report::github::render_step_summary(outcome);
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut file| file.write_all(summary.as_bytes()));
    if let Err(error) = written {
        eprintln!(
            "authlint: cannot write the job summary to {}: {error}",
            Path::new(&path).display()
        );
    }
}

/// Writes a report file, creating its directory (`reports/authlint.sarif`).
fn write_report(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

/// What standard input holds: source in a language, or a file outcome
/// saying why it is not checked.
enum StdinText {
    Source(Language, String),
    NotSource(FileOutcome),
}

/// Where this run's results cache is, or `None` when it is off: the flag,
/// then the environment, then the configuration, then the project root.
fn cache_dir(args: &CheckArgs, settings: &crate::settings::config::Settings) -> Option<PathBuf> {
    let env_on = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    if args.no_cache || env_on("AUTHLINT_NO_CACHE") {
        return None;
    }
    let from_env = std::env::var_os("AUTHLINT_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    Some(
        args.cache_dir
            .clone()
            .or(from_env)
            .or_else(|| settings.cache_dir.clone())
            .unwrap_or_else(|| settings.root.join(crate::lint::CACHE_DIR_NAME)),
    )
}

/// Lints standard input as if it were the file `path`: in its project (see
/// `lint/named.rs`) when it has one, else on its own. Input that is not
/// source (binary, not UTF-8, too large, or of an unknown language) is a
/// `skipped` notice, as the same file on disk would be.
fn lint_stdin(
    args: &CheckArgs,
    path: &Path,
    finder: &mut ConfigFinder,
    rules: &[Rule],
    run_settings: &Arc<Settings>,
) -> Result<RunOutcome, ExitCode> {
    let started = Instant::now();
    // Named as discovery names files: `./app/x.py` reads as `app/x.py`.
    let display = path.strip_prefix(".").unwrap_or(path).to_string_lossy().into_owned();
    let (language, source) = match read_stdin(path, &display, args.max_file_size) {
        Ok(StdinText::Source(language, source)) => (language, source),
        Ok(StdinText::NotSource(file)) => return Ok(single_file_outcome(file, RunOutcome::empty(), started)),
        Err(message) => {
            eprintln!("authlint: {message}");
            return Err(ExitCode::from(EXIT_ERROR));
        }
    };
    let class = classify_named_file(path, &mut ProjectRoots::default());
    let named = Discovery {
        files: vec![SourcePath {
            path: PathBuf::from(&display),
            language,
            class,
        }],
        ..Discovery::default()
    };
    let color_err = !args.no_color && no_color_unset() && std::io::stderr().is_terminal();
    let mut discover = |roots: &[PathBuf]| discover_filtered(roots, finder, rules);
    let source = Arc::new(source);
    let in_project = named_run(named, args.project_root.as_deref(), &mut discover, Some(source.clone()));
    match in_project {
        Err(error) => return Err(fail(error, color_err)),
        Ok(Some(run)) => {
            let linter = linter_for(&run.discovery, finder, rules, run_settings, args.max_file_size)
                .map_err(|error| fail(miette::Report::new(error), color_err))?;
            let mut outcome = linter
                .run_focused(&run.discovery, &run.roots, args.threads, Some(&run.focus))
                .map_err(|error| {
                    eprintln!("authlint: cannot start worker threads: {error}");
                    ExitCode::from(EXIT_ERROR)
                })?;
            linter.set_aside_not_shipped(&mut outcome);
            return Ok(outcome);
        }
        Ok(None) => {}
    }
    let settings = FileSettings {
        default: run_settings.clone(),
        by_path: std::collections::HashMap::new(),
    };
    let linter = Linter::with_settings(rules, args.max_file_size, settings);
    // The same isolation the parallel run gives each file.
    let (file, outcome) = catch_unwind(AssertUnwindSafe(|| {
        linter.lint_text_as(language, &display, source.as_str().to_string(), class)
    }))
    .unwrap_or_else(|_| {
        notice_only(
            &display,
            NoteKind::InternalError,
            "authlint failed on this file; please report it".to_string(),
        )
    });
    let mut outcome = single_file_outcome(file, outcome, started);
    linter.set_aside_not_shipped(&mut outcome);
    Ok(outcome)
}

/// Reads and decodes standard input as the file `path` (named `display`).
fn read_stdin(path: &Path, display: &str, max_file_size: u64) -> Result<StdinText, String> {
    let mut bytes = Vec::new();
    // Read one byte past the limit to tell "at the limit" from "over it"
    // without reading an endless stream to its end.
    std::io::stdin()
        .lock()
        .take(max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    if bytes.len() as u64 > max_file_size {
        let reason = format!("larger than the {max_file_size} byte limit");
        return Ok(StdinText::NotSource(notice_only(display, NoteKind::Skipped, reason).0));
    }
    // The language decides the decoding (a Python coding declaration),
    // so it is read from the name first, then from a shebang.
    let by_name = Language::from_path(path).unwrap_or(Language::Python);
    Ok(match decode_source_as(bytes, by_name) {
        Err(reason) => StdinText::NotSource(notice_only(display, NoteKind::Skipped, reason.0).0),
        Ok(source) => match stdin_language(path, &source) {
            None => {
                let reason = "not a Python or Rust file".to_string();
                StdinText::NotSource(notice_only(display, NoteKind::Skipped, reason).0)
            }
            Some(language) => StdinText::Source(language, source),
        },
    })
}

/// The run outcome of standard input checked on its own.
fn single_file_outcome(file: FileOutcome, mut outcome: RunOutcome, started: Instant) -> RunOutcome {
    outcome.files_skipped = usize::from(file.skipped);
    outcome.files_scanned = 1 - outcome.files_skipped;
    outcome.files_parsed = usize::from(file.parsed);
    outcome.internal_errors = file
        .notices
        .iter()
        .filter(|n| n.kind == NoteKind::InternalError)
        .count();
    outcome.files = vec![file];
    outcome.elapsed_ms = started.elapsed().as_millis();
    outcome
}

/// The outcome of a file that produced one whole-file notice and nothing
/// else, in the shape `Linter::lint_text` returns.
fn notice_only(path: &str, kind: NoteKind, message: String) -> (FileOutcome, RunOutcome) {
    let not_source = kind == NoteKind::Skipped && message == "not a Python or Rust file";
    let file = FileOutcome {
        notices: vec![Notice {
            kind,
            path: path.to_string(),
            line: None,
            column: None,
            message,
        }],
        skipped: kind == NoteKind::Skipped,
        parsed: kind == NoteKind::InternalError,
        unchecked: kind == NoteKind::Skipped && !not_source,
        ..FileOutcome::new(path)
    };
    (file, RunOutcome::empty())
}

/// The language of standard input: by the extension of --stdin-filename,
/// or a `python` shebang when it has none (as for a named file).
fn stdin_language(path: &Path, source: &str) -> Option<Language> {
    if let Some(language) = Language::from_path(path) {
        return Some(language);
    }
    let first_line = source.lines().next().unwrap_or_default();
    (path.extension().is_none() && first_line.starts_with("#!") && first_line.contains("python"))
        .then_some(Language::Python)
}

fn list_rules(args: RulesArgs) -> ExitCode {
    let color_err = no_color_unset() && std::io::stderr().is_terminal();
    let rules = match load_rules(&args.rules) {
        Ok(rules) => rules,
        Err(error) => return fail(miette::Report::new(error), color_err),
    };
    if let Some(dir) = &args.write_docs {
        let builtin = docs::builtin_codes();
        return match docs::write_rule_docs(dir, &rules, &builtin) {
            Ok((written, removed)) => {
                eprintln!("wrote {} rule pages to {}", written.len(), dir.display());
                for name in removed {
                    eprintln!("removed {name}: no rule has that code any more");
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("authlint: cannot write rule pages to {}: {error}", dir.display());
                ExitCode::from(EXIT_ERROR)
            }
        };
    }
    let text = match args.output_format {
        CatalogFormat::Text => docs::catalog_table(&rules),
        CatalogFormat::Json => docs::catalog_json(&rules, &docs::builtin_codes()),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn explain(args: ExplainArgs) -> ExitCode {
    let color_err = !args.no_color && no_color_unset() && std::io::stderr().is_terminal();
    let rules = match load_rules(&args.rules) {
        Ok(rules) => rules,
        Err(error) => return fail(miette::Report::new(error), color_err),
    };
    let Some(rule) = docs::find_rule(&rules, args.code.trim()) else {
        return unknown_rule(&rules, &args.code);
    };
    let builtin = docs::builtin_codes().contains(&rule.code);
    let style = docs::TerminalStyle {
        color: !args.no_color && no_color_unset() && std::io::stdout().is_terminal(),
        width: Some(80),
    };
    let text = docs::render_for_terminal(&docs::rule_page_markdown(rule, builtin), style);
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn unknown_rule(rules: &[Rule], query: &str) -> ExitCode {
    let nearest = docs::nearest_codes(rules, query);
    let hint = if nearest.is_empty() {
        "run `authlint rules` to list the rules".to_string()
    } else {
        format!("did you mean {}?", nearest.join(", "))
    };
    eprintln!("authlint: no rule has the code or name `{query}`; {hint}");
    ExitCode::from(EXIT_ERROR)
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("authlint: {message}");
    ExitCode::from(EXIT_ERROR)
}

fn exit_code(outcome: &RunOutcome, fail_on: FailOn, strict: bool) -> ExitCode {
    if outcome.internal_errors > 0 {
        // The gate must not pass silently when authlint itself failed.
        return ExitCode::from(EXIT_ERROR);
    }
    // Findings set aside as not shipped (`not_shown`) never fail the run.
    if outcome.findings().any(|f| fail_on.fails(f.severity)) {
        return ExitCode::from(EXIT_FINDINGS);
    }
    if strict && outcome.unchecked_files() > 0 {
        return ExitCode::from(EXIT_FINDINGS);
    }
    ExitCode::SUCCESS
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn fail(report: miette::Report, color: bool) -> ExitCode {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("{report}\n");
    }
    eprint!("{out}");
    ExitCode::from(EXIT_ERROR)
}
