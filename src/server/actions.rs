//! What the editor offers on a finding: quick fixes (proven by
//! `crate::fix`), suppression comments, and the rule's explanation on hover.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Diagnostic, Hover, HoverContents, MarkupContent,
    MarkupKind, Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use serde_json::json;

use crate::model::Language;
use crate::report::outcome::{FileOutcome, Finding, Fix};
use crate::rules::Rule;
use crate::rules::docs::rule_page_markdown;
use crate::server::text::Lines;
use crate::settings::suppress::parse_suppressions;

/// The command a suppression action runs after its edit: put the cursor
/// where the reason goes (`window/showDocument` with a selection).
pub const PLACE_CURSOR: &str = "authlint.placeCursor";

/// The actions for the findings in `range` of a file whose text was `text`.
/// `fixes` holds each finding's proven fix (or none), in finding order.
pub fn code_actions(
    uri: &Uri,
    text: &str,
    language: Language,
    file: &FileOutcome,
    fixes: &[Option<Fix>],
    range: Range,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let lines = Lines::new(text);
    let mut fix_actions = Vec::new();
    let mut suppress_actions = Vec::new();
    let mut suppressed: Vec<&str> = Vec::new();
    for (index, finding) in file.findings.iter().enumerate() {
        let found = lines.range(text, finding.primary.start, finding.primary.end);
        if !overlaps(found, range) {
            continue;
        }
        let matching: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.range == found && d.code == Some(lsp_types::NumberOrString::String(finding.code.clone())))
            .cloned()
            .collect();
        if let Some(Some(fix)) = fixes.get(index) {
            let edits = fix
                .edits
                .iter()
                .map(|e| TextEdit::new(lines.range(text, e.span.start, e.span.end), e.replacement.clone()))
                .collect();
            fix_actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(matching.clone()),
                edit: Some(workspace_edit(uri, edits)),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        if suppressed.contains(&finding.code.as_str()) {
            continue;
        }
        suppressed.push(&finding.code);
        let (edit, cursor) = line_suppression(text, &lines, language, finding);
        suppress_actions.push(suppress_action(
            format!("Suppress {} on this line", finding.code),
            uri,
            edit,
            cursor,
            matching.clone(),
        ));
        let (edit, cursor) = file_suppression(text, &lines, language, &finding.code);
        suppress_actions.push(suppress_action(
            format!("Suppress {} in this file", finding.code),
            uri,
            edit,
            cursor,
            matching,
        ));
    }
    fix_actions.extend(suppress_actions);
    fix_actions
}

fn overlaps(a: Range, b: Range) -> bool {
    !(a.end < b.start || b.end < a.start)
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

fn suppress_action(
    title: String,
    uri: &Uri,
    edit: TextEdit,
    cursor: Position,
    diagnostics: Vec<Diagnostic>,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(diagnostics),
        edit: Some(workspace_edit(uri, vec![edit])),
        command: Some(Command {
            title: "Write the reason".to_string(),
            command: PLACE_CURSOR.to_string(),
            arguments: Some(vec![json!(uri.as_str()), json!(cursor)]),
        }),
        is_preferred: Some(false),
        ..CodeAction::default()
    })
}

fn marker(language: Language) -> &'static str {
    match language {
        Language::Python => "#",
        Language::Rust => "//",
    }
}

/// `# authlint: ignore[CODE] -- ` at the end of the finding's line, or on
/// its own line above when a comment there would not be read as one (the
/// line ends in a `\` continuation, or already holds a suppression); the
/// cursor goes after `-- `, where the reason is written.
fn line_suppression(text: &str, lines: &Lines, language: Language, finding: &Finding) -> (TextEdit, Position) {
    let line = finding.line.saturating_sub(1);
    let start = lines.line_start(text, line);
    let end = text[start..].find(['\n', '\r']).map_or(text.len(), |i| start + i);
    let comment = format!("{} authlint: ignore[{}] -- ", marker(language), finding.code);
    let trailing = format!("  {comment}");
    let mut candidate = text.to_string();
    candidate.insert_str(end, &trailing);
    if !text[start..end].trim_end().ends_with('\\')
        && parse_suppressions(&candidate, language)
            .matching(&finding.code, finding.line)
            .is_some()
    {
        let at = lines.position(text, end);
        let cursor = Position::new(at.line, at.character + utf16_len(&trailing));
        return (TextEdit::new(Range::new(at, at), trailing), cursor);
    }
    let indent: String = text[start..end].chars().take_while(|c| c.is_whitespace()).collect();
    let at = lines.position(text, start);
    let cursor = Position::new(at.line, utf16_len(&indent) + utf16_len(&comment));
    (
        TextEdit::new(Range::new(at, at), format!("{indent}{comment}\n")),
        cursor,
    )
}

/// `# authlint: ignore-file[CODE] -- ` at the top of the file, after a
/// shebang and a Python encoding line.
fn file_suppression(text: &str, lines: &Lines, language: Language, code: &str) -> (TextEdit, Position) {
    let mut line = 0;
    while line < 2 {
        let start = lines.line_start(text, line);
        let first = text[start..].lines().next().unwrap_or_default();
        let is_header = (line == 0 && first.starts_with("#!"))
            || (language == Language::Python && first.starts_with('#') && first.contains("coding"));
        if !is_header || start >= text.len() {
            break;
        }
        line += 1;
    }
    let comment = format!("{} authlint: ignore-file[{code}] -- ", marker(language));
    let at = lines.position(text, lines.line_start(text, line));
    let cursor = Position::new(at.line, utf16_len(&comment));
    (TextEdit::new(Range::new(at, at), format!("{comment}\n")), cursor)
}

fn utf16_len(text: &str) -> u32 {
    text.encode_utf16().count() as u32
}

/// The explanation of each rule with a finding under `position`: the page
/// `authlint explain` prints, as markdown.
pub fn hover(text: &str, file: &FileOutcome, rules: &[Rule], position: Position) -> Option<Hover> {
    let lines = Lines::new(text);
    let mut range = None;
    let mut pages: Vec<String> = Vec::new();
    for finding in &file.findings {
        let found = lines.range(text, finding.primary.start, finding.primary.end);
        if position < found.start || found.end < position {
            continue;
        }
        let Some(rule) = rules.iter().find(|r| r.code == finding.code) else {
            continue;
        };
        let page = explanation(rule);
        if !pages.contains(&page) {
            pages.push(page);
        }
        range.get_or_insert(found);
    }
    if pages.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: pages.join("\n---\n\n"),
        }),
        range,
    })
}

/// A rule's page without the note for the docs' maintainers.
fn explanation(rule: &Rule) -> String {
    let page = rule_page_markdown(rule, false);
    match page.strip_prefix("<!--") {
        Some(rest) => rest
            .split_once("-->")
            .map_or(page.clone(), |(_, after)| after.trim_start().to_string()),
        None => page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn finding(code: &str, line: usize, text: &str, needle: &str) -> Finding {
        let start = text.find(needle).unwrap();
        Finding::for_test(code, "/x.py", line, Span::new(start, start + needle.len()))
    }

    fn apply(text: &str, edit: &TextEdit) -> String {
        let lines = Lines::new(text);
        let start = lines.offset(text, edit.range.start);
        let mut out = text.to_string();
        out.insert_str(start, &edit.new_text);
        out
    }

    #[test]
    fn line_suppressions_are_honoured_and_the_cursor_sits_at_the_reason() {
        let text = "import jwt\nx = jwt.decode(t, k)\n";
        let lines = Lines::new(text);
        let found = finding("JWT101", 2, text, "jwt.decode");
        let (edit, cursor) = line_suppression(text, &lines, Language::Python, &found);
        let fixed = apply(text, &edit);
        assert_eq!(
            fixed,
            "import jwt\nx = jwt.decode(t, k)  # authlint: ignore[JWT101] -- \n"
        );
        assert_eq!(cursor, Position::new(1, fixed.lines().nth(1).unwrap().len() as u32));
        assert!(
            parse_suppressions(&fixed, Language::Python)
                .matching("JWT101", 2)
                .is_some()
        );

        let continued = "x = jwt.decode(t, k) + \\\n    1\n";
        let found = finding("JWT101", 1, continued, "jwt.decode");
        let (edit, cursor) = line_suppression(continued, &Lines::new(continued), Language::Python, &found);
        let fixed = apply(continued, &edit);
        assert!(fixed.starts_with("# authlint: ignore[JWT101] -- \nx = jwt"), "{fixed}");
        assert_eq!(cursor, Position::new(0, 30), "after `# authlint: ignore[JWT101] -- `");
        assert!(
            parse_suppressions(&fixed, Language::Python)
                .matching("JWT101", 2)
                .is_some()
        );
    }

    #[test]
    fn file_suppressions_go_below_a_shebang() {
        let text = "#!/usr/bin/env python\nimport jwt\n";
        let (edit, cursor) = file_suppression(text, &Lines::new(text), Language::Python, "SEC301");
        let fixed = apply(text, &edit);
        assert_eq!(
            fixed,
            "#!/usr/bin/env python\n# authlint: ignore-file[SEC301] -- \nimport jwt\n"
        );
        assert_eq!(cursor, Position::new(1, 35));
        let rust = "fn main() {}\n";
        let (edit, _) = file_suppression(rust, &Lines::new(rust), Language::Rust, "SEC301");
        assert_eq!(
            apply(rust, &edit),
            "// authlint: ignore-file[SEC301] -- \nfn main() {}\n"
        );
    }
}
