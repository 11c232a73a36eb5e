//! Fixes over a run's outcome: which findings have a safe fix (planned by
//! `rules::fix`), proof that each one works, and applying them.
//!
//! A fix is offered only when the file, with the fix applied, still parses
//! as well as before and, checked again in its project, has exactly that
//! finding fewer and no other finding more. `check --fix` writes the fixed
//! files, `check --diff` shows them, SARIF carries them as `fixes`, and the
//! editor server offers them as quick fixes: all from here.

pub mod diff;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::analysis::resolve::Resolver;
use crate::isolate::{WORKER_STACK_SIZE, isolate};
use crate::lint::{Linter, Overlay, ProjectIndex};
use crate::model::{Language, NoteKind, Span};
use crate::report::outcome::{Edit, FileOutcome, Finding, Fix, RunOutcome};
use crate::rules::fix::{EncodeAlgorithms, FIXABLE, encode_algorithms, plan_fix};

/// What fixes are checked against: the run's linter and project index, and
/// the texts that stand in for files on disk (an editor's buffers).
pub struct FixContext<'a, 'r> {
    pub linter: &'a Linter<'r>,
    pub index: &'a ProjectIndex,
    pub overlay: Overlay,
}

impl FixContext<'_, '_> {
    /// What the project's tokens are encoded with, read from every Python
    /// file with a rule keyword (buffers included).
    pub fn encode_algorithms(&self) -> EncodeAlgorithms {
        let (project, _) = self.linter.project_of(self.index, &self.overlay, None);
        let candidates: Vec<usize> = self
            .index
            .files()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.language == Language::Python && (f.checked() || self.overlay.contains_key(&f.path)))
            .map(|(id, _)| id)
            .collect();
        let per_module: Vec<EncodeAlgorithms> = on_workers(|| {
            candidates
                .par_iter()
                .map(|&id| {
                    isolate(|| {
                        if project.load(id).is_none() {
                            return EncodeAlgorithms::None;
                        }
                        encode_algorithms(&Resolver::new(&project), id)
                    })
                    .unwrap_or(EncodeAlgorithms::Unclear)
                })
                .collect()
        });
        let mut all = EncodeAlgorithms::None;
        for found in &per_module {
            all.merge(found);
        }
        all
    }

    /// Finds, plans and proves a fix for every fixable finding of `file`,
    /// whose text was `source`, and records it on the finding.
    pub fn attach(&self, file: &mut FileOutcome, source: &Arc<String>, algorithms: &mut Option<EncodeAlgorithms>) {
        if !file.findings.iter().any(|f| FIXABLE.contains(&f.code.as_str())) {
            return;
        }
        let path = PathBuf::from(&file.path);
        let Some(language) = Language::from_path(&path).or_else(|| self.language_in_index(&path)) else {
            return;
        };
        if algorithms.is_none() && file.findings.iter().any(|f| f.code == "JWT101") {
            *algorithms = Some(self.encode_algorithms());
        }
        let algorithms = algorithms.clone().unwrap_or(EncodeAlgorithms::Unclear);
        let plans = self.plan(&path, language, source, &file.findings, &algorithms);
        let proven: Vec<Option<Fix>> = plans
            .into_iter()
            .zip(&file.findings)
            .map(|(plan, finding)| {
                plan.filter(|fix| {
                    let fixed = apply_edits(source, &fix.edits);
                    self.proves(&path, language, file, &fixed, &[finding.code.as_str()])
                })
            })
            .collect();
        for (finding, fix) in file.findings.iter_mut().zip(proven) {
            finding.fix = fix;
        }
    }

    fn language_in_index(&self, path: &Path) -> Option<Language> {
        self.index.files().iter().find(|f| f.path == path).map(|f| f.language)
    }

    /// A planned fix per finding (`None` where there is none).
    fn plan(
        &self,
        path: &Path,
        language: Language,
        source: &Arc<String>,
        findings: &[Finding],
        algorithms: &EncodeAlgorithms,
    ) -> Vec<Option<Fix>> {
        let overlay = self.with_text(path, source.clone());
        let (project, id) = self.linter.project_of(self.index, &overlay, Some((path, language)));
        let plans = on_workers(|| {
            isolate(|| {
                let id = id?;
                project.load(id)?;
                let resolver = Resolver::new(&project);
                Some(
                    findings
                        .iter()
                        .map(|finding| {
                            let planned = plan_fix(&finding.code, &resolver, id, source, finding.primary, algorithms)?;
                            Some(Fix {
                                title: planned.title,
                                edits: planned
                                    .edits
                                    .into_iter()
                                    .map(|(span, replacement)| Edit { span, replacement })
                                    .collect(),
                            })
                        })
                        .collect(),
                )
            })
            .ok()
            .flatten()
        });
        plans.unwrap_or_else(|| vec![None; findings.len()])
    }

    /// The overlay with `path` holding `text`.
    fn with_text(&self, path: &Path, text: Arc<String>) -> Overlay {
        let mut overlay: HashMap<PathBuf, Arc<String>> = (*self.overlay).clone();
        overlay.insert(path.to_path_buf(), text);
        Arc::new(overlay)
    }

    /// Whether `fixed`, the text of the file `before` was checked from,
    /// parses as well and has exactly the findings of `before` less one of
    /// each code in `removed`.
    fn proves(&self, path: &Path, language: Language, before: &FileOutcome, fixed: &str, removed: &[&str]) -> bool {
        let overlay = self.with_text(path, Arc::new(fixed.to_string()));
        let (after, _) = self.linter.check_in_project(self.index, &overlay, path, language);
        let problems = |file: &FileOutcome| {
            file.notices
                .iter()
                .filter(|n| {
                    matches!(
                        n.kind,
                        NoteKind::ParseError | NoteKind::InternalError | NoteKind::DepthLimit
                    )
                })
                .count()
        };
        if problems(&after) > problems(before) {
            return false;
        }
        let mut expected = code_counts(&before.findings);
        for code in removed {
            match expected.get_mut(*code) {
                Some(n) if *n > 0 => *n -= 1,
                _ => return false,
            }
        }
        expected.retain(|_, n| *n > 0);
        code_counts(&after.findings) == expected
    }

    /// Applies the proven fixes of the findings `wanted` (indexes into
    /// `file`, the file as checked, before any baseline hid a finding) to
    /// `source`: all together when the result proves, else one at a time,
    /// each on the text the previous ones left.
    pub fn apply(&self, file: &FileOutcome, wanted: &[usize], source: &str) -> Option<Applied> {
        let path = PathBuf::from(&file.path);
        let language = Language::from_path(&path).or_else(|| self.language_in_index(&path))?;
        let mut chosen: Vec<usize> = Vec::new();
        let mut taken: Vec<Span> = Vec::new();
        for &i in wanted {
            let Some(fix) = file.findings.get(i).and_then(|f| f.fix.as_ref()) else {
                continue;
            };
            // Two fixes touching the same text (two findings on one call):
            // the first goes now, the other on the next run.
            if fix.edits.iter().any(|e| taken.iter().any(|t| overlaps(*t, e.span))) {
                continue;
            }
            taken.extend(fix.edits.iter().map(|e| e.span));
            chosen.push(i);
        }
        if chosen.is_empty() {
            return None;
        }
        let edits_of = |ids: &[usize]| -> Vec<Edit> {
            let mut edits: Vec<Edit> = ids
                .iter()
                .flat_map(|&i| file.findings[i].fix.iter().flat_map(|f| f.edits.clone()))
                .collect();
            edits.sort_by_key(|e| (e.span.start, e.span.end));
            edits
        };
        let codes_of = |ids: &[usize]| -> Vec<&str> { ids.iter().map(|&i| file.findings[i].code.as_str()).collect() };
        let all = apply_edits(source, &edits_of(&chosen));
        if self.proves(&path, language, file, &all, &codes_of(&chosen)) {
            return Some(Applied {
                text: all,
                edits: edits_of(&chosen),
                fixed: chosen,
            });
        }
        let mut kept: Vec<usize> = Vec::new();
        for &candidate in &chosen {
            let mut trial = kept.clone();
            trial.push(candidate);
            let text = apply_edits(source, &edits_of(&trial));
            if self.proves(&path, language, file, &text, &codes_of(&trial)) {
                kept = trial;
            }
        }
        if kept.is_empty() {
            return None;
        }
        Some(Applied {
            text: apply_edits(source, &edits_of(&kept)),
            edits: edits_of(&kept),
            fixed: kept,
        })
    }
}

/// Fixes applied to one file's text.
pub struct Applied {
    pub text: String,
    pub edits: Vec<Edit>,
    /// Indexes of the findings fixed.
    pub fixed: Vec<usize>,
}

/// Whether any finding of the run is of a rule that may have a fix.
pub fn any_fixable(outcome: &RunOutcome) -> bool {
    outcome.findings().any(|f| FIXABLE.contains(&f.code.as_str()))
}

/// What `check --fix` or `--diff` did.
#[derive(Default)]
pub struct FixReport {
    /// `--diff`: the unified diff of every file that would change.
    pub diff: String,
    /// One line per finding fixed: `path:line:column: CODE fixed: title`.
    pub fixed: Vec<String>,
    pub files_changed: usize,
    /// Files that could not be written.
    pub errors: Vec<String>,
}

/// Applies (or, with `write` false, only shows) the proven fixes of the
/// findings `outcome` still reports, against `checked`, the files as the
/// run checked them (before a baseline or `--diff-base` hid findings).
/// Fixed findings are taken out of `outcome`.
pub fn fix_files(context: &FixContext, checked: &[FileOutcome], outcome: &mut RunOutcome, write: bool) -> FixReport {
    let mut report = FixReport::default();
    for file in &mut outcome.files {
        if !file.findings.iter().any(|f| f.fix.is_some()) {
            continue;
        }
        let Some(before) = checked.iter().find(|c| c.path == file.path) else {
            continue;
        };
        let Some(source) = outcome.sources.get(&file.path) else {
            continue;
        };
        let wanted: Vec<usize> = file
            .findings
            .iter()
            .filter_map(|f| {
                before
                    .findings
                    .iter()
                    .position(|b| b.code == f.code && b.primary == f.primary)
            })
            .collect();
        let Some(applied) = context.apply(before, &wanted, source) else {
            continue;
        };
        if write {
            if let Err(error) = write_fixed(Path::new(&file.path), &applied.text) {
                report
                    .errors
                    .push(format!("cannot write the fixes to {}: {error}", file.path));
                continue;
            }
        } else {
            report
                .diff
                .push_str(&diff::unified_diff(&file.path, source, &applied.edits));
        }
        report.files_changed += 1;
        for &index in &applied.fixed {
            let fixed = &before.findings[index];
            let title = fixed.fix.as_ref().map_or("", |f| f.title.as_str());
            report.fixed.push(format!(
                "{}:{}:{}: {} fixed: {title}",
                fixed.path, fixed.line, fixed.column, fixed.code
            ));
        }
        file.findings.retain(|f| {
            !applied
                .fixed
                .iter()
                .any(|&i| before.findings[i].code == f.code && before.findings[i].primary == f.primary)
        });
    }
    report
}

/// Writes a fixed file back, keeping a UTF-8 byte order mark it had (the
/// text it was checked as starts after it).
fn write_fixed(path: &Path, text: &str) -> std::io::Result<()> {
    let had_bom = std::fs::read(path)?.starts_with(&[0xEF, 0xBB, 0xBF]);
    let mut bytes = Vec::with_capacity(text.len() + 3);
    if had_bom {
        bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
    }
    bytes.extend_from_slice(text.as_bytes());
    std::fs::write(path, bytes)
}

/// Attaches fixes to every finding of a run that has a proven one. The
/// project's encode algorithms are read once, and only if a JWT101 finding
/// needs them.
pub fn attach_fixes(context: &FixContext, outcome: &mut RunOutcome) {
    let mut algorithms = None;
    let sources: BTreeMap<String, Arc<String>> = outcome.sources.clone();
    for file in &mut outcome.files {
        if let Some(source) = sources.get(&file.path) {
            context.attach(file, source, &mut algorithms);
        }
    }
}

/// `source` with `edits` (sorted, not overlapping) applied.
pub fn apply_edits(source: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(source.len() + 64);
    let mut cursor = 0;
    for edit in edits {
        let start = edit.span.start.clamp(cursor, source.len());
        out.push_str(&source[cursor..start]);
        out.push_str(&edit.replacement);
        cursor = edit.span.end.clamp(start, source.len());
    }
    out.push_str(&source[cursor..]);
    out
}

fn overlaps(a: Span, b: Span) -> bool {
    // Two insertions at one place overlap too: their order would matter.
    a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

fn code_counts(findings: &[Finding]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.code.clone()).or_insert(0) += 1;
    }
    counts
}

/// Runs `work` on a pool whose threads have the workers' stack: lowering
/// recurses, and the caller may be on a small stack.
fn on_workers<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_SIZE).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}
