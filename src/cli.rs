//! The command line: argument parsing (clap), the `check` command, and
//! exit codes.
//!
//! Exit codes: 0 no finding at or above `--fail-on`; 1 findings at or above
//! it; 2 usage error, unreadable path, malformed rule file, or internal error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::discover::discover;
use crate::lint::{Linter, RunOutcome};
use crate::report;
use crate::rules::{Severity, load_rules};
use crate::source::DEFAULT_MAX_FILE_SIZE;

const EXAMPLES: &str = "\
Examples:
  authlint check                          lint the current directory
  authlint check src/ services/           lint two trees
  authlint check app/api/deps.py          lint one file (always linted, wherever it is)
  authlint check --output-format json .   machine-readable findings
  authlint check --fail-on error .        let warnings pass the CI gate
  authlint check --rules ./authlint-rules add your own rule files

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it,
2 usage error, unreadable path, malformed rule file or internal error.";

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
    Check(CheckArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files and directories to lint.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// How to print findings.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output_format: OutputFormat,

    /// The lowest severity that makes the run exit with code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,

    /// A directory of extra rule files (*.toml); may be repeated.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,

    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long)]
    no_color: bool,

    /// Print findings only, without the summary line.
    #[arg(short, long)]
    quiet: bool,

    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,

    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_FILE_SIZE, value_name = "BYTES")]
    max_file_size: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Note => true,
            FailOn::Never => false,
        }
    }
}

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let color_err = !args.no_color && no_color_unset() && std::io::stderr().is_terminal();
    let rules = match load_rules(&args.rules) {
        Ok(rules) => rules,
        Err(error) => return fail(miette::Report::new(error), color_err),
    };
    let discovery = match discover(&args.paths) {
        Ok(discovery) => discovery,
        Err(error) => return fail(miette::Report::new(error), color_err),
    };
    let linter = Linter::new(&rules, args.max_file_size);
    let outcome = match linter.run(&discovery, &args.paths, args.threads) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("authlint: cannot start worker threads: {error}");
            return ExitCode::from(EXIT_ERROR);
        }
    };

    let color_out = !args.no_color && no_color_unset() && std::io::stdout().is_terminal();
    let (stdout_text, stderr_text) = match args.output_format {
        OutputFormat::Text => report::text::render(
            &outcome,
            &report::text::TextOptions {
                color: color_out,
                quiet: args.quiet,
            },
        ),
        OutputFormat::Json => (report::json::render(&outcome), String::new()),
    };
    // A closed pipe (`authlint check | head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(stdout_text.as_bytes());
    let _ = std::io::stderr().lock().write_all(stderr_text.as_bytes());
    exit_code(&outcome, args.fail_on)
}

fn exit_code(outcome: &RunOutcome, fail_on: FailOn) -> ExitCode {
    if outcome.internal_errors > 0 {
        // The gate must not pass silently when authlint itself failed.
        return ExitCode::from(EXIT_ERROR);
    }
    if outcome.findings().any(|f| fail_on.fails(f.severity)) {
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
