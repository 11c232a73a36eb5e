//! A mistake in a TOML file authlint reads (a rule file, a configuration),
//! as a miette diagnostic with a code frame pointing at the offending text.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

#[derive(Debug)]
pub struct TomlFileError {
    /// `authlint::rule_file` or `authlint::config`.
    pub code: &'static str,
    pub message: String,
    pub source_code: NamedSource<String>,
    pub span: Option<std::ops::Range<usize>>,
    pub label: String,
    pub help: Option<String>,
}

impl TomlFileError {
    pub fn new(
        code: &'static str,
        file: &str,
        text: &str,
        message: String,
        span: Option<std::ops::Range<usize>>,
        help: Option<String>,
    ) -> Self {
        TomlFileError {
            code,
            message,
            source_code: NamedSource::new(file, text.to_string()).with_language("toml"),
            span,
            label: "here".to_string(),
            help,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TomlFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TomlFileError {}

impl Diagnostic for TomlFileError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source_code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(
            Some(self.label.clone()),
            (span.start, span.end - span.start),
        ))))
    }
}
