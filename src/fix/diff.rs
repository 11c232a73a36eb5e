//! `check --diff`: a unified diff of what `--fix` would change, built from
//! the edits themselves (each edit's lines before and after), with three
//! lines of context, as `git apply` and `patch -p1` read it.

use crate::report::outcome::Edit;

const CONTEXT: usize = 3;

/// The unified diff turning `old` into `old` with `edits` applied (sorted,
/// not overlapping), for the file `path`. Empty when there is no edit.
pub fn unified_diff(path: &str, old: &str, edits: &[Edit]) -> String {
    if edits.is_empty() {
        return String::new();
    }
    let starts = line_starts(old);
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
    // Groups of old lines that edits touch, each with its new lines.
    let mut groups: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    for edit in edits {
        let first = line_of(edit.span.start);
        // An edit ending just after a newline does not touch the next line.
        let last = if edit.span.end > edit.span.start {
            line_of(edit.span.end - 1)
        } else {
            first
        };
        match groups.last_mut() {
            Some((_, end, members)) if first <= *end => {
                *end = (*end).max(last);
                members.push(edit);
            }
            _ => groups.push((first, last, vec![edit])),
        }
    }
    let old_lines: Vec<&str> = starts
        .iter()
        .enumerate()
        .map(|(i, &s)| &old[s..starts.get(i + 1).copied().unwrap_or(old.len())])
        .collect();
    let changed: Vec<(usize, usize, Vec<String>)> = groups
        .into_iter()
        .map(|(first, last, members)| {
            let base = starts[first];
            let end = starts.get(last + 1).copied().unwrap_or(old.len());
            let mut text = String::new();
            let mut cursor = base;
            for edit in members {
                text.push_str(&old[cursor..edit.span.start]);
                text.push_str(&edit.replacement);
                cursor = edit.span.end;
            }
            text.push_str(&old[cursor..end]);
            (first, last, split_lines(&text))
        })
        .collect();

    // `a/` and `b/` before a relative path, as git writes it (`patch -p1`).
    let mut out = if path.starts_with('/') {
        format!("--- {path}\n+++ {path}\n")
    } else {
        format!("--- a/{path}\n+++ b/{path}\n")
    };
    let mut shift: isize = 0;
    let mut i = 0;
    while i < changed.len() {
        // A hunk: groups whose contexts touch.
        let mut j = i;
        while j + 1 < changed.len() && changed[j + 1].0 <= changed[j].1 + 1 + 2 * CONTEXT {
            j += 1;
        }
        let start = changed[i].0.saturating_sub(CONTEXT);
        let end = (changed[j].1 + CONTEXT).min(old_lines.len().saturating_sub(1));
        let mut body = String::new();
        let (mut old_count, mut new_count) = (0, 0);
        let mut line = start;
        for (first, last, new_lines) in &changed[i..=j] {
            for context in &old_lines[line..*first] {
                push_line(&mut body, ' ', context);
            }
            old_count += first - line;
            new_count += first - line;
            for removed in &old_lines[*first..=*last] {
                push_line(&mut body, '-', removed);
            }
            for added in new_lines {
                push_line(&mut body, '+', added);
            }
            old_count += last + 1 - first;
            new_count += new_lines.len();
            line = last + 1;
        }
        for context in old_lines.get(line..=end).unwrap_or_default() {
            push_line(&mut body, ' ', context);
            old_count += 1;
            new_count += 1;
        }
        let new_start = (start as isize + shift) as usize;
        out.push_str(&format!(
            "@@ -{},{old_count} +{},{new_count} @@\n",
            start + 1,
            new_start + 1
        ));
        out.push_str(&body);
        shift += new_count as isize - old_count as isize;
        i = j + 1;
    }
    out
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1).filter(|&i| i < text.len()));
    starts
}

fn split_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_string).collect()
}

fn push_line(out: &mut String, marker: char, line: &str) {
    out.push(marker);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    #[test]
    fn one_insertion_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let at = old.find("d\n").unwrap() + 1;
        let edits = [Edit {
            span: Span::new(at, at),
            replacement: "!".into(),
        }];
        assert_eq!(
            unified_diff("x.py", old, &edits),
            "--- a/x.py\n+++ b/x.py\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+d!\n e\n f\n g\n"
        );
    }

    #[test]
    fn distant_edits_are_two_hunks_and_lines_shift() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let two = old.find("2\n").unwrap();
        let fifteen = old.find("15\n").unwrap();
        let edits = [
            Edit {
                span: Span::new(two, two + 2),
                replacement: "2\nnew\n".into(),
            },
            Edit {
                span: Span::new(fifteen, fifteen),
                replacement: "x".into(),
            },
        ];
        let diff = unified_diff("n.txt", &old, &edits);
        assert!(diff.contains("@@ -1,5 +1,6 @@\n 1\n-2\n+2\n+new\n 3\n"), "{diff}");
        assert!(diff.contains("@@ -12,7 +13,7 @@\n"), "{diff}");
        assert!(diff.contains("-15\n+x15\n"), "{diff}");
    }
}
