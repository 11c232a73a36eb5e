//! `--output-format concise`: one line per finding, `path:line:col: CODE
//! message`, the shape compilers print and editors, `errorformat` and
//! pre-commit's output read (ruff's `concise` is the same). Notices go to
//! stderr as in the text format; the summary follows the findings.

use crate::report::outcome::RunOutcome;

/// Renders the findings and summary (for stdout) and the notices (for stderr).
pub fn render(outcome: &RunOutcome, quiet: bool) -> (String, String) {
    let mut out = String::new();
    for finding in outcome.findings() {
        out.push_str(&format!(
            "{}:{}:{}: {} {}\n",
            finding.path, finding.line, finding.column, finding.code, finding.message
        ));
    }
    if !quiet {
        out.push_str(&super::summary(outcome));
    }
    (out, super::text::render_notices(outcome))
}
