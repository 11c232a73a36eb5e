//! `--statistics`: how many findings each rule made in each class of code,
//! instead of the findings themselves (ruff's `--statistics`). Findings set
//! aside as not shipped are counted too, marked, so a first run shows where
//! the findings are before anyone reads one. Counts and codes only: no
//! message, so nothing a finding quotes reaches it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::CodeClass;
use crate::report::outcome::RunOutcome;

#[derive(Serialize)]
struct Row<'o> {
    code: &'o str,
    name: &'o str,
    class: CodeClass,
    count: usize,
    /// Whether these findings were reported (`false`: set aside as code
    /// that does not ship).
    shown: bool,
}

fn rows(outcome: &RunOutcome) -> Vec<Row<'_>> {
    let mut counts: BTreeMap<(&str, CodeClass, bool), (&str, usize)> = BTreeMap::new();
    let shown = outcome.findings().map(|f| (f, true));
    let hidden = outcome.not_shown().map(|f| (f, false));
    for (finding, is_shown) in shown.chain(hidden) {
        let entry = counts
            .entry((finding.code.as_str(), finding.class, is_shown))
            .or_insert((finding.name.as_str(), 0));
        entry.1 += 1;
    }
    let mut rows: Vec<Row> = counts
        .into_iter()
        .map(|((code, class, shown), (name, count))| Row {
            code,
            name,
            class,
            count,
            shown,
        })
        .collect();
    // Most frequent first, then by code and class: the order ruff uses.
    rows.sort_by(|a, b| (b.count, a.code, a.class, !a.shown).cmp(&(a.count, b.code, b.class, !b.shown)));
    rows
}

/// The table, one row per rule and class, then the summary.
pub fn render_text(outcome: &RunOutcome, quiet: bool) -> String {
    let rows = rows(outcome);
    let count_width = rows.iter().map(|r| r.count.to_string().len()).max().unwrap_or(1);
    let code_width = rows.iter().map(|r| r.code.len()).max().unwrap_or(0);
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for row in &rows {
        let class = if row.shown {
            row.class.as_str().to_string()
        } else {
            format!("{} (not shown)", row.class.as_str())
        };
        out.push_str(&format!(
            "{:>count_width$}  {:<code_width$}  {:<name_width$}  {class}\n",
            row.count, row.code, row.name
        ));
    }
    if !quiet {
        out.push_str(&super::summary(outcome));
    }
    out
}

/// The rows as a JSON array: `code`, `name`, `class`, `count`, `shown`.
pub fn render_json(outcome: &RunOutcome) -> String {
    let mut out = serde_json::to_string_pretty(&rows(outcome)).expect("statistics are plain data and always serialise");
    out.push('\n');
    out
}
