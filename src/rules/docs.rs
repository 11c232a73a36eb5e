//! Rule documentation, generated from the rule files so it cannot drift from
//! them: the `docs/rules/<CODE>.md` pages, `authlint explain` (the same page
//! rendered for a terminal), `authlint rules` (the catalog as a table or
//! JSON), and the help text SARIF carries for each rule.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::rules::{Rule, load_rules};

/// The directory, relative to the repository root, that holds the
/// generated rule pages.
pub const RULE_DOCS_DIR: &str = "docs/rules";

/// The command that regenerates the rule pages, as the pages and the
/// staleness test tell it.
pub const WRITE_DOCS_COMMAND: &str = "cargo run -- rules --write-docs docs/rules";

/// Codes of the rules compiled into the binary. Rule codes are unique across
/// built-in and `--rules` files (loading rejects a duplicate), so a loaded
/// rule is built in exactly when its code is in this set.
pub fn builtin_codes() -> BTreeSet<String> {
    load_rules(&[])
        .map(|rules| rules.into_iter().map(|r| r.code).collect())
        .unwrap_or_default()
}

/// Where a built-in rule's page is published: `docs/rules/<CODE>.md` in the
/// repository (Cargo.toml's `repository`) at this version's release tag, so
/// the page matches the rule this binary runs. Custom rules have no page
/// there.
pub fn rule_docs_url(code: &str) -> String {
    format!(
        "{}/blob/v{}/{RULE_DOCS_DIR}/{code}.md",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    )
}

/// `CWE-347` → the MITRE page for it; `None` for anything that is not a CWE id.
pub fn cwe_url(cwe: &str) -> Option<String> {
    let number = cwe.strip_prefix("CWE-")?;
    number
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("https://cwe.mitre.org/data/definitions/{number}.html"))
}

/// The rule's explanation: why it matters (the rationale with its bad and
/// good examples), how to fix it, and references. SARIF `help.markdown`
/// carries exactly this; the rule page adds a title and metadata around it.
pub fn rule_help_markdown(rule: &Rule) -> String {
    let mut out = String::new();
    out.push_str("## Why is this bad?\n\n");
    out.push_str(rule.rationale.trim());
    out.push_str("\n\n## How to fix it\n\n");
    if rule.help_by_language.is_empty() {
        out.push_str(rule.help.trim());
        out.push('\n');
    } else {
        // Each language's fix in its own words; a language without its own
        // text gets the default.
        for language in &rule.languages {
            let _ = writeln!(
                out,
                "- **{}:** {}",
                crate::rules::language_title(*language),
                rule.help_for(*language).trim()
            );
        }
    }
    if let Some(note) = vocabulary_notes(rule) {
        out.push('\n');
        out.push_str(&note);
    }
    if !rule.references.is_empty() {
        out.push_str("\n## References\n\n");
        for reference in &rule.references {
            let _ = writeln!(out, "- <{reference}>");
        }
    }
    out
}

/// What a rule's clauses do that their TOML does not spell out, written
/// once per piece of the vocabulary: how a lifetime's token kind is decided.
fn vocabulary_notes(rule: &Rule) -> Option<String> {
    use crate::rules::Predicate;
    let judges_lifetimes = rule.clauses.iter().any(|clause| {
        clause.conditions.iter().any(|c| {
            matches!(&c.predicate, Predicate::ExpiryOver(t) | Predicate::DurationOver(t) if t == "max-access-token-lifetime")
        })
    });
    judges_lifetimes.then(|| {
        "## Access or refresh token?\n\n\
         A lifetime is held to the access-token maximum (`max-access-token-lifetime`, \
         default 1 hour) unless the code says the token is a refresh token; then it is held \
         to the refresh-token maximum (`max-refresh-token-lifetime`, default 30 days). \
         The code says so with a `type`, `token_type` or `typ` claim of `refresh`; with \
         `refresh` in the name of the function or class the token is issued in \
         (`create_refresh_token`); or with `refresh` in a name on the way to the lifetime \
         (`REFRESH_TOKEN_EXPIRE_DAYS`, `settings.refresh_lifetime`). The finding says \
         which kind it took the token for and why.\n"
            .to_string()
    })
}

/// The full page for one rule, as checked in under `docs/rules/`.
/// `builtin` rules link their rule file, which sits two levels above.
pub fn rule_page_markdown(rule: &Rule, builtin: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- Generated from {} by `{WRITE_DOCS_COMMAND}`. Do not edit: edit the rule file and regenerate. -->\n",
        rule.origin
    );
    let _ = writeln!(out, "# {}: {}\n", rule.code, rule.name);
    let _ = writeln!(out, "{}\n", rule.summary.trim());
    let _ = writeln!(out, "- **Severity:** {}", rule.severity.as_str());
    let languages: Vec<&str> = rule.languages.iter().map(|l| l.name()).collect();
    let _ = writeln!(out, "- **Languages:** {}", languages.join(", "));
    if !rule.cwe.is_empty() {
        let cwes: Vec<String> = rule
            .cwe
            .iter()
            .map(|cwe| match cwe_url(cwe) {
                Some(url) => format!("[{cwe}]({url})"),
                None => cwe.clone(),
            })
            .collect();
        let _ = writeln!(out, "- **CWE:** {}", cwes.join(", "));
    }
    if builtin {
        let _ = writeln!(out, "- **Rule file:** [`{0}`](../../{0})", rule.origin);
    } else {
        let _ = writeln!(out, "- **Rule file:** `{}`", rule.origin);
    }
    out.push('\n');
    out.push_str(&rule_help_markdown(rule));
    out
}

/// Writes `<CODE>.md` for each rule into `dir` and removes pages of rules
/// that no longer exist, so renaming or deleting a rule leaves no stale page.
/// Returns the names of the files written and removed.
pub fn write_rule_docs(
    dir: &Path,
    rules: &[Rule],
    builtin: &BTreeSet<String>,
) -> std::io::Result<(Vec<String>, Vec<String>)> {
    std::fs::create_dir_all(dir)?;
    let expected = expected_rule_pages(rules, builtin);
    let mut removed = Vec::new();
    for name in existing_rule_pages(dir)? {
        if !expected.iter().any(|(page, _)| *page == name) {
            std::fs::remove_file(dir.join(&name))?;
            removed.push(name);
        }
    }
    let mut written = Vec::new();
    for (name, contents) in expected {
        std::fs::write(dir.join(&name), contents)?;
        written.push(name);
    }
    Ok((written, removed))
}

/// The page file names and contents the rules call for.
pub fn expected_rule_pages(rules: &[Rule], builtin: &BTreeSet<String>) -> Vec<(String, String)> {
    rules
        .iter()
        .map(|rule| {
            let page = rule_page_markdown(rule, builtin.contains(&rule.code));
            (format!("{}.md", rule.code), page)
        })
        .collect()
}

/// The files in `dir` that look like rule pages (`<CODE>.md`, a code being
/// capital letters then digits), sorted.
pub fn existing_rule_pages(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.strip_suffix(".md").is_some_and(looks_like_rule_code) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn looks_like_rule_code(text: &str) -> bool {
    let letters = text.chars().take_while(|c| c.is_ascii_uppercase()).count();
    letters > 0 && text.len() > letters && text[letters..].chars().all(|c| c.is_ascii_digit())
}

/// The rule matching `query`: its code or its name, in any letter case.
pub fn find_rule<'r>(rules: &'r [Rule], query: &str) -> Option<&'r Rule> {
    rules
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(query) || r.name.eq_ignore_ascii_case(query))
}

/// The codes nearest to an unknown `query` by edit distance (over codes and
/// names, ignoring case), closest first, at most three, and only those close
/// enough to be a plausible typo.
pub fn nearest_codes(rules: &[Rule], query: &str) -> Vec<String> {
    let query = query.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = rules
        .iter()
        .map(|rule| {
            let by_code = strsim::levenshtein(&query, &rule.code.to_ascii_lowercase());
            let by_name = strsim::levenshtein(&query, &rule.name.to_ascii_lowercase());
            (by_code.min(by_name), rule.code.as_str())
        })
        .collect();
    scored.sort();
    // A third of the query's length, but at least 2, allows a typo or two
    // in a six-character code without suggesting everything.
    let threshold = (query.chars().count() / 3).max(2);
    scored
        .into_iter()
        .filter(|(distance, _)| *distance <= threshold)
        .take(3)
        .map(|(_, code)| code.to_string())
        .collect()
}

// ---------------------------------------------------------------- catalog

/// One rule as `authlint rules --output-format json` lists it.
#[derive(Serialize)]
pub struct CatalogEntry<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
    pub languages: Vec<&'a str>,
    pub summary: &'a str,
    pub help: &'a str,
    /// The help written for one language, where it differs (`rust`).
    pub help_by_language: BTreeMap<&'a str, &'a str>,
    pub cwe: &'a [String],
    pub references: &'a [String],
    /// Whether the rule is compiled in (`false`: loaded with `--rules`).
    pub builtin: bool,
    /// The rule's documentation page; `null` for custom rules.
    pub docs_url: Option<String>,
}

#[derive(Serialize)]
struct Catalog<'a> {
    version: u32,
    rules: Vec<CatalogEntry<'a>>,
}

pub fn catalog_json(rules: &[Rule], builtin: &BTreeSet<String>) -> String {
    let rules = rules
        .iter()
        .map(|rule| {
            let is_builtin = builtin.contains(&rule.code);
            CatalogEntry {
                code: &rule.code,
                name: &rule.name,
                severity: rule.severity.as_str(),
                languages: rule.languages.iter().map(|l| l.name()).collect(),
                summary: rule.summary.trim(),
                help: rule.help.trim(),
                help_by_language: rule
                    .help_by_language
                    .iter()
                    .map(|(language, text)| (language.name(), text.as_str()))
                    .collect(),
                cwe: &rule.cwe,
                references: &rule.references,
                builtin: is_builtin,
                docs_url: is_builtin.then(|| rule_docs_url(&rule.code)),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&Catalog { version: 1, rules })
        .expect("the catalog is plain data and always serialises");
    out.push('\n');
    out
}

/// The catalog as an aligned table: code, name, severity, languages, and
/// the one-line summary (markdown backticks dropped, they are noise here).
pub fn catalog_table(rules: &[Rule]) -> String {
    let rows: Vec<[String; 5]> = rules
        .iter()
        .map(|rule| {
            [
                rule.code.clone(),
                rule.name.clone(),
                rule.severity.as_str().to_string(),
                rule.languages.iter().map(|l| l.name()).collect::<Vec<_>>().join(","),
                rule.summary.trim().replace('`', ""),
            ]
        })
        .collect();
    let header = ["CODE", "NAME", "SEVERITY", "LANGUAGES", "SUMMARY"].map(String::from);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter().zip(row) {
            let _ = write!(out, "{cell:<width$}  ");
        }
        out.push_str(&row[4]);
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------- terminal

/// How to render markdown for a terminal.
#[derive(Clone, Copy)]
pub struct TerminalStyle {
    /// Bold headings and coloured code (ANSI escapes).
    pub color: bool,
    /// Wrap paragraphs at this many columns; `None` leaves lines whole
    /// (for text that a viewer wraps itself, like SARIF `help.text`).
    pub width: Option<usize>,
}

const BOLD: &str = "\x1b[1m";
const ITALIC: &str = "\x1b[3m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// Renders markdown as plain text for a terminal: headings underlined,
/// paragraphs wrapped, code blocks indented by four spaces, list items
/// bulleted, links followed by their address; emphasis markers dropped
/// (bold and italic with colour); inline code keeps its backticks, which
/// tell code from prose when there is no colour. HTML (comments) is dropped.
pub fn render_for_terminal(markdown: &str, style: TerminalStyle) -> String {
    let mut renderer = TerminalRenderer::new(style);
    for event in Parser::new(markdown) {
        renderer.event(event);
    }
    renderer.finish()
}

struct TerminalRenderer {
    style: TerminalStyle,
    out: String,
    /// Inline text of the block being read, with styling already applied.
    inline: String,
    /// One entry per open list: the next item number, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// The marker (`- `, `2. `) waiting to start the next line written.
    pending_marker: Option<String>,
    code_block: Option<String>,
    /// Open links: the address, and where the link text starts in `inline`.
    links: Vec<(String, usize)>,
}

impl TerminalRenderer {
    fn new(style: TerminalStyle) -> Self {
        TerminalRenderer {
            style,
            out: String::new(),
            inline: String::new(),
            lists: Vec::new(),
            pending_marker: None,
            code_block: None,
            links: Vec::new(),
        }
    }

    fn styled(&self, code: &'static str) -> &'static str {
        if self.style.color { code } else { "" }
    }

    /// The indentation of continuation lines at the current list depth.
    fn indent(&self) -> String {
        "  ".repeat(self.lists.len())
    }

    /// Separates top-level blocks by one blank line; inside lists, blocks
    /// follow each other line by line.
    fn start_block(&mut self) {
        if self.lists.is_empty() && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => match &mut self.code_block {
                Some(code) => code.push_str(&text),
                None => self.inline.push_str(&text),
            },
            Event::Code(code) => {
                let (on, off) = (self.styled(CYAN), self.styled(RESET));
                let _ = write!(self.inline, "{on}`{code}`{off}");
            }
            Event::SoftBreak => self.inline.push(' '),
            Event::HardBreak => self.inline.push('\n'),
            Event::Rule => {
                self.flush_inline();
                self.start_block();
                let width = self.style.width.unwrap_or(40);
                let _ = writeln!(self.out, "{}", "─".repeat(width));
            }
            // Comments (the generated-page banner) and raw HTML have no
            // terminal rendering.
            Event::Html(_) | Event::InlineHtml(_) => {}
            Event::InlineMath(text) | Event::DisplayMath(text) | Event::FootnoteReference(text) => {
                self.inline.push_str(&text)
            }
            Event::TaskListMarker(done) => self.inline.push_str(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => {
                self.flush_inline();
                self.start_block();
            }
            Tag::Heading { .. } => {
                self.flush_inline();
                self.start_block();
            }
            // The fence's language is not shown: the code speaks for itself.
            Tag::CodeBlock(_) => {
                self.flush_inline();
                self.start_block();
                self.code_block = Some(String::new());
            }
            Tag::List(first) => {
                self.flush_inline();
                if self.lists.is_empty() {
                    self.start_block();
                }
                self.lists.push(first);
            }
            Tag::Item => {
                self.flush_inline();
                let marker = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        let marker = format!("{number}. ");
                        *number += 1;
                        marker
                    }
                    _ => "- ".to_string(),
                };
                let outer = "  ".repeat(self.lists.len().saturating_sub(1));
                self.pending_marker = Some(format!("{outer}{marker}"));
            }
            Tag::Emphasis => self.inline.push_str(self.styled(ITALIC)),
            Tag::Strong => self.inline.push_str(self.styled(BOLD)),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push((dest_url.to_string(), self.inline.len()));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush_inline(),
            TagEnd::Heading(level) => {
                let text = std::mem::take(&mut self.inline);
                let underline = if level == HeadingLevel::H1 { "═" } else { "─" };
                let (on, off) = (self.styled(BOLD), self.styled(RESET));
                let _ = writeln!(self.out, "{on}{text}{off}");
                let _ = writeln!(self.out, "{}", underline.repeat(visible_width(&text)));
            }
            TagEnd::CodeBlock => {
                let code = self.code_block.take().unwrap_or_default();
                let indent = format!("{}    ", self.indent());
                for line in code.trim_end_matches('\n').lines() {
                    if line.is_empty() {
                        self.out.push('\n');
                    } else {
                        let _ = writeln!(self.out, "{indent}{line}");
                    }
                }
            }
            TagEnd::List(_) => {
                self.flush_inline();
                self.lists.pop();
            }
            TagEnd::Item => self.flush_inline(),
            TagEnd::Emphasis | TagEnd::Strong => self.inline.push_str(self.styled(RESET)),
            TagEnd::Link | TagEnd::Image => {
                let (url, start) = self.links.pop().unwrap_or_default();
                let text = self.inline.get(start..).unwrap_or_default().to_string();
                // An autolink's text is its address: show it once. Relative
                // links (to files in the repository) mean nothing in a terminal.
                if url != text && (url.starts_with("http://") || url.starts_with("https://")) {
                    let _ = write!(self.inline, " ({url})");
                }
            }
            _ => {}
        }
    }

    /// Writes the pending inline text as a wrapped block at the current indent.
    fn flush_inline(&mut self) {
        let text = std::mem::take(&mut self.inline);
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let indent = self.indent();
        let first = self.pending_marker.take().unwrap_or_else(|| indent.clone());
        match self.style.width {
            Some(width) => {
                // Lines break at spaces only, and words are never split: a
                // URL cut at a `/` or a hyphen stops working when copied.
                let options = textwrap::Options::new(width)
                    .initial_indent(&first)
                    .subsequent_indent(&indent)
                    .break_words(false)
                    .word_separator(textwrap::WordSeparator::AsciiSpace)
                    .word_splitter(textwrap::WordSplitter::NoHyphenation);
                for line in textwrap::wrap(text, options) {
                    let _ = writeln!(self.out, "{}", line.trim_end());
                }
            }
            None => {
                let _ = writeln!(self.out, "{first}{}", text.replace('\n', &format!("\n{indent}")));
            }
        }
    }

    fn finish(mut self) -> String {
        self.flush_inline();
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.out
    }
}

/// Columns a string takes on a terminal, not counting ANSI escapes.
fn visible_width(text: &str) -> usize {
    textwrap::core::display_width(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: TerminalStyle = TerminalStyle {
        color: false,
        width: Some(60),
    };

    #[test]
    fn markdown_renders_as_plain_terminal_text() {
        let markdown = "<!-- generated -->\n\n# JWT101: decode\n\nA **bold** claim about `jwt.decode` that is long enough to be wrapped onto a second line.\n\n```python\nclaims = jwt.decode(token)\n\nprint(claims)\n```\n\n- <https://example.org/a-b-c>\n- <https://example.org/a-long-address/that-does-not-fit/on-one-line-of-sixty/>\n- [text](https://example.org/x)\n- [file](../../rules/x.toml)\n";
        let text = render_for_terminal(markdown, PLAIN);
        let expected = "\
JWT101: decode
══════════════

A bold claim about `jwt.decode` that is long enough to be
wrapped onto a second line.

    claims = jwt.decode(token)

    print(claims)

- https://example.org/a-b-c
- https://example.org/a-long-address/that-does-not-fit/on-one-line-of-sixty/
- text (https://example.org/x)
- file
";
        assert_eq!(text, expected);
    }

    #[test]
    fn colour_is_only_escapes_around_the_same_text() {
        let markdown = "## Why\n\nUse **this** and `that`.\n";
        let colored = render_for_terminal(
            markdown,
            TerminalStyle {
                color: true,
                width: Some(60),
            },
        );
        assert!(colored.contains("\x1b[1mWhy\x1b[0m"), "{colored:?}");
        assert!(colored.contains("\x1b[36m`that`\x1b[0m"), "{colored:?}");
        let plain = render_for_terminal(markdown, PLAIN);
        assert_eq!(plain, "Why\n───\n\nUse this and `that`.\n");
    }

    #[test]
    fn ordered_and_nested_lists_are_numbered_and_indented() {
        let text = render_for_terminal("1. one\n2. two\n   - inner\n", PLAIN);
        assert_eq!(text, "1. one\n2. two\n  - inner\n");
    }

    #[test]
    fn unwrapped_rendering_keeps_paragraphs_on_one_line() {
        let long = "word ".repeat(40);
        let text = render_for_terminal(
            &long,
            TerminalStyle {
                color: false,
                width: None,
            },
        );
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn codes_are_recognised_in_file_names() {
        assert!(looks_like_rule_code("JWT101"));
        assert!(looks_like_rule_code("ORG5"));
        assert!(!looks_like_rule_code("README"));
        assert!(!looks_like_rule_code("101"));
        assert!(!looks_like_rule_code("jwt101"));
    }

    #[test]
    fn cwe_ids_link_to_mitre() {
        assert_eq!(
            cwe_url("CWE-347").as_deref(),
            Some("https://cwe.mitre.org/data/definitions/347.html")
        );
        assert_eq!(cwe_url("OWASP-A2"), None);
    }

    #[test]
    fn every_builtin_rule_page_renders_its_examples_as_indented_code() {
        let rules = load_rules(&[]).unwrap();
        assert!(!rules.is_empty());
        for rule in &rules {
            let page = render_for_terminal(&rule_page_markdown(rule, true), PLAIN);
            assert!(page.starts_with(&format!("{}: {}\n", rule.code, rule.name)), "{page}");
            assert!(!page.contains("```"), "fences are not shown: {page}");
            // `**kwargs` in inline code is code, not emphasis: look outside backticks.
            let prose: String = page.split('`').step_by(2).collect();
            assert!(!prose.contains("**"), "emphasis markers are not shown: {page}");
            assert!(!page.contains("<!--"), "comments are not shown: {page}");
            for reference in &rule.references {
                assert!(page.contains(reference.as_str()), "{reference} listed: {page}");
            }
            // Every line of every fenced example appears indented by four spaces.
            for block in rule.rationale.split("```").skip(1).step_by(2) {
                for line in block.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                    assert!(
                        page.contains(&format!("\n    {line}\n")),
                        "{line:?} indented in:\n{page}"
                    );
                }
            }
        }
    }
}
