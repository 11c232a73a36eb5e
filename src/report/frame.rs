//! Code frames: the lines around a finding with its spans underlined and
//! labelled, drawn the way miette and rustc draw them.
//!
//! A frame shows one line of context around each label and never the lines
//! between two labels that are further apart: a gap is elided (`⋮`), so a
//! finding whose value was resolved 200 lines up costs a few lines, not 200.
//! Labels in other files get a secondary frame under the first, headed by
//! their location (`├─[path:line:col]`), never a separate report.
//!
//! Frames are drawn from text whose secrets are already redacted; spans are
//! byte ranges into that text.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

use crate::frontend::source::LineIndex;
use crate::model::Span;

/// Lines of context shown above and below each labelled line.
pub const CONTEXT_LINES: usize = 1;

/// Columns a tab takes in a frame.
const TAB_WIDTH: usize = 4;

/// One underlined span and the text under it.
pub struct Label {
    pub span: Span,
    pub text: String,
    pub primary: bool,
}

/// The labels of a frame in one file.
pub struct FileLabels<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub labels: Vec<Label>,
}

/// How a frame is drawn: plain or with ANSI colours.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// The colour of the primary label (the finding's severity).
    pub primary: &'static str,
}

const SECONDARY_COLOR: &str = "\x1b[36m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl Style {
    fn paint(&self, color: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("{color}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

/// A label placed on a line: display columns of its start and end.
struct Placed<'l> {
    line: usize,
    start_col: usize,
    end_col: usize,
    label: &'l Label,
}

/// Draws the frames of `files` (the first is the finding's own file, the
/// others secondary), each file's labels on the lines they start on.
pub fn draw(files: &[FileLabels], style: Style) -> String {
    let prepared: Vec<(&FileLabels, LineIndex, Vec<Placed>)> = files
        .iter()
        .filter(|f| !f.labels.is_empty())
        .map(|file| {
            let index = LineIndex::new(file.text);
            let mut placed: Vec<Placed> = file
                .labels
                .iter()
                .map(|label| place(file.text, &index, label))
                .collect();
            placed.sort_by_key(|p| (p.line, p.start_col));
            (file, index, placed)
        })
        .collect();
    let last_line = prepared
        .iter()
        .flat_map(|(file, index, placed)| {
            let last = last_real_line(file.text, index);
            placed
                .iter()
                .map(move |p| (p.line + CONTEXT_LINES).min(last.max(p.line)))
        })
        .max()
        .unwrap_or(1);
    let gutter = last_line.to_string().len();
    let pad = " ".repeat(gutter + 2);
    let mut out = String::new();
    for (n, (file, index, placed)) in prepared.iter().enumerate() {
        let head = placed.iter().find(|p| p.label.primary).unwrap_or(&placed[0]);
        let corner = if n == 0 { "╭─[" } else { "├─[" };
        let _ = writeln!(
            out,
            "{pad}{}{}:{}:{}]",
            style.paint(DIM, corner),
            file.path,
            head.line,
            head.start_column_in_chars(file.text, index)
        );
        for (i, range) in line_ranges(placed, last_real_line(file.text, index)).iter().enumerate() {
            if i > 0 {
                let _ = writeln!(out, "{pad}{}", style.paint(DIM, "⋮"));
            }
            for line in range.0..=range.1 {
                let text = line_text(file.text, index, line);
                let number = format!("{line:>gutter$}");
                let shown = if text.is_empty() {
                    String::new()
                } else {
                    format!(" {text}")
                };
                let _ = writeln!(out, " {} {}{shown}", style.paint(DIM, &number), style.paint(DIM, "│"));
                let on_line: Vec<&Placed> = placed.iter().filter(|p| p.line == line).collect();
                if !on_line.is_empty() {
                    draw_labels(&mut out, &pad, &on_line, style);
                }
            }
        }
    }
    let _ = writeln!(out, "{pad}{}", style.paint(DIM, "╰────"));
    out
}

impl Placed<'_> {
    /// The 1-based column of the label's start, counted in characters (as
    /// every other output counts them).
    fn start_column_in_chars(&self, text: &str, index: &LineIndex) -> usize {
        index.line_col(text, self.label.span.start).1
    }
}

/// Where a label goes: its line, and the display columns it covers there
/// (to the end of the line when it continues onto the next).
fn place<'l>(text: &str, index: &LineIndex, label: &'l Label) -> Placed<'l> {
    let start = label.span.start.min(text.len());
    let (line, _) = index.line_col(text, start);
    let line_start = index.line_start(line).unwrap_or(0).min(start);
    let line_end = line_end(text, line_start);
    let end = label.span.end.clamp(start, line_end.max(start));
    let start_col = display_width(&text[line_start..floor_char(text, start)]);
    let end_col = start_col + display_width(&text[floor_char(text, start)..floor_char(text, end)]);
    Placed {
        line,
        start_col,
        end_col,
        label,
    }
}

/// The lines shown: each label's line with its context; ranges that touch
/// or are up to two lines apart are joined (eliding so little saves
/// nothing), further ones kept apart with the gap elided.
fn line_ranges(placed: &[Placed], line_count: usize) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for p in placed {
        let from = p.line.saturating_sub(CONTEXT_LINES).max(1);
        let to = (p.line + CONTEXT_LINES).min(line_count.max(p.line));
        match ranges.last_mut() {
            Some(last) if from <= last.1 + 3 => last.1 = last.1.max(to),
            _ => ranges.push((from, to)),
        }
    }
    ranges
}

/// The underline row and one row per label, the rightmost label first so
/// each label's text has the room to its right.
fn draw_labels(out: &mut String, pad: &str, labels: &[&Placed], style: Style) {
    let color = |p: &Placed| {
        if p.label.primary {
            style.primary
        } else {
            SECONDARY_COLOR
        }
    };
    let middle = |p: &Placed| p.start_col + p.end_col.saturating_sub(p.start_col).max(1) / 2;
    // Underlines, painted label by label.
    let mut row = String::new();
    let mut column = 0;
    for p in labels {
        if p.start_col < column {
            continue; // overlaps the previous underline; its connector row still shows
        }
        row.push_str(&" ".repeat(p.start_col - column));
        let width = p.end_col.saturating_sub(p.start_col).max(1);
        let mid = middle(p) - p.start_col;
        let line: String = (0..width).map(|i| if i == mid { '┬' } else { '─' }).collect();
        row.push_str(&style.paint(color(p), &line));
        column = p.start_col + width;
    }
    let _ = writeln!(out, "{pad}{} {row}", style.paint(DIM, "·"));
    for (n, p) in labels.iter().enumerate().rev() {
        let mut row = String::new();
        let mut column = 0;
        for earlier in &labels[..n] {
            let at = middle(earlier);
            if at < column || at >= middle(p) {
                continue;
            }
            row.push_str(&" ".repeat(at - column));
            row.push_str(&style.paint(color(earlier), "│"));
            column = at + 1;
        }
        row.push_str(&" ".repeat(middle(p).saturating_sub(column)));
        row.push_str(&style.paint(color(p), &format!("╰── {}", p.label.text)));
        let _ = writeln!(out, "{pad}{} {row}", style.paint(DIM, "·"));
    }
}

/// The last line of a text: a final line end starts no line of its own.
fn last_real_line(text: &str, index: &LineIndex) -> usize {
    let count = index.line_count();
    if count > 1 && text.ends_with(['\n', '\r']) {
        count - 1
    } else {
        count
    }
}

/// The text of 1-based `line`, without its line end, tabs expanded.
fn line_text(text: &str, index: &LineIndex, line: usize) -> String {
    let Some(start) = index.line_start(line) else {
        return String::new();
    };
    let start = start.min(text.len());
    text[start..line_end(text, start)]
        .replace('\t', &" ".repeat(TAB_WIDTH))
        .trim_end()
        .to_string()
}

/// Where the line starting at `start` ends (before `\r\n`, `\n` or `\r`).
fn line_end(text: &str, start: usize) -> usize {
    text[start..].find(['\n', '\r']).map_or(text.len(), |i| start + i)
}

fn floor_char(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Columns `text` takes on a terminal: tabs as [`TAB_WIDTH`], wide
/// characters as two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if c == '\t' { TAB_WIDTH } else { c.width().unwrap_or(0) })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str, needle: &str, what: &str, primary: bool) -> Label {
        let start = text.find(needle).unwrap();
        Label {
            span: Span::new(start, start + needle.len()),
            text: what.into(),
            primary,
        }
    }

    const PLAIN: Style = Style {
        color: false,
        primary: "",
    };

    #[test]
    fn a_label_is_underlined_with_one_line_of_context() {
        let text = "a = 1\nx = jwt.decode(t, k)\nb = 2\nc = 3\n";
        let frame = draw(
            &[FileLabels {
                path: "app.py",
                text,
                labels: vec![label(text, "jwt.decode", "no allowlist", true)],
            }],
            PLAIN,
        );
        assert_eq!(
            frame,
            "   ╭─[app.py:2:5]\n \
             1 │ a = 1\n \
             2 │ x = jwt.decode(t, k)\n   \
             ·     ─────┬────\n   \
             ·          ╰── no allowlist\n \
             3 │ b = 2\n   \
             ╰────\n"
        );
    }

    #[test]
    fn far_apart_labels_are_drawn_with_the_gap_elided() {
        let mut text = String::from("KEY = 'x'\n");
        for i in 0..40 {
            text.push_str(&format!("line_{i} = {i}\n"));
        }
        text.push_str("jwt.encode(p, KEY)\n");
        let frame = draw(
            &[FileLabels {
                path: "a.py",
                text: &text,
                labels: vec![
                    label(&text, "KEY", "defined here", false),
                    label(&text, "KEY)", "used here", true),
                ],
            }],
            PLAIN,
        );
        let lines: Vec<&str> = frame.lines().collect();
        assert!(lines.len() < 14, "{frame}");
        assert!(frame.contains("    ⋮\n"), "{frame}");
        assert!(frame.starts_with("    ╭─[a.py:42:15]"), "{frame}");
        assert!(!frame.contains("line_20"), "{frame}");
    }

    #[test]
    fn labels_in_another_file_get_a_secondary_frame_and_labels_share_a_line() {
        let here = "jwt.encode(p, settings.KEY, algorithm=ALG)\n";
        let there = "KEY = 'exam…' (33 bytes)\n";
        let frame = draw(
            &[
                FileLabels {
                    path: "api.py",
                    text: here,
                    labels: vec![
                        label(here, "settings.KEY", "hard-coded key", true),
                        label(here, "ALG", "and this", false),
                    ],
                },
                FileLabels {
                    path: "config.py",
                    text: there,
                    labels: vec![label(there, "'exam…' (33 bytes)", "resolved to this value", false)],
                },
            ],
            PLAIN,
        );
        assert_eq!(
            frame,
            "   ╭─[api.py:1:15]\n \
             1 │ jwt.encode(p, settings.KEY, algorithm=ALG)\n   \
             ·               ──────┬─────            ─┬─\n   \
             ·                     │                  ╰── and this\n   \
             ·                     ╰── hard-coded key\n   \
             ├─[config.py:1:7]\n \
             1 │ KEY = 'exam…' (33 bytes)\n   \
             ·       ─────────┬────────\n   \
             ·                ╰── resolved to this value\n   \
             ╰────\n"
        );
    }
}
