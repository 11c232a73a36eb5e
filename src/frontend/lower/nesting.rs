//! Keeps syn from overflowing the stack on deeply nested Rust.
//!
//! syn parses by recursive descent, and a stack overflow aborts the process:
//! it cannot be caught like a panic, so it has to be prevented. Measured with
//! syn 2 on the 64 MiB worker stack, the costliest construct, nested generic
//! types (`Vec<Vec<…>>`), overflows past about 1,300 levels in a debug
//! build and 8,800 in release; nested parentheses at 4,900 and 21,000;
//! prefix operators (`!!!…x`) at 16,000 and 48,000. Left-associative chains
//! (`a + b + …`, `a.b.c…`, `x?…`) parse in a loop but build a tree as deep
//! as the chain, which is dropped (and partly walked) recursively: about
//! 500,000 levels in debug.
//!
//! So before syn sees a file, its tokens (lexed by proc-macro2, which is
//! iterative) are scanned once for two upper bounds:
//!
//! - **nesting**, bounding the parser's recursion: bracket depth, plus, at
//!   each bracket level, open generic angles, pending prefix operators, and
//!   constructs that extend to the right (`=`, `->`, `@`, `..`, closures,
//!   `return`/`let`/`if`/`match`/… keywords). It must stay within
//!   [`MAX_NESTING`].
//! - **chain**, bounding the tree's depth: nesting plus left-associative
//!   operators, calls, indexing, fields and `?` within one expression. It
//!   must stay within [`MAX_CHAIN`].
//!
//! Both over-estimate (a comparison `a < b` counts as an open generic until
//! the statement ends), never under-estimate, including on malformed code:
//! syn recurses as far as the tokens lead before it reports a syntax error.
//!
//! Where a bound is exceeded, the contents of the innermost enclosing `{…}`
//! are blanked, or the whole top-level item when there is none: every byte
//! but line ends becomes a space, so offsets and line numbers of everything
//! else stay exact, and an empty block is valid wherever a block is. The
//! frontend reports a `depth-limit` note for it; the rest of the file is
//! checked as usual.

use std::ops::Range;

use proc_macro2::{Delimiter, LineColumn, Spacing, Span, TokenStream, TokenTree, token_stream};

/// The largest nesting allowed. Real code nests a few dozen levels; this
/// keeps syn's recursion under a quarter of the worker stack even in a debug
/// build on the costliest construct (about 51 KiB per generic level there).
pub const MAX_NESTING: usize = 256;

/// The longest chain (nesting plus left-associative operators within one
/// expression) allowed: far below the ~500,000 where dropping syn's tree
/// overflows a debug build, and far above any expression a person writes.
pub const MAX_CHAIN: usize = 10_000;

/// Byte ranges (of the lexed text) to blank so that what is left is within
/// the bounds, in the order found (a top-level item's range may contain an
/// earlier block's). `position` turns a token's line/column into a byte
/// offset of that text.
pub fn too_deep_regions(tokens: TokenStream, position: &dyn Fn(LineColumn) -> usize) -> Vec<Range<usize>> {
    let mut scan = Scan {
        frames: vec![Frame::new(tokens, FrameKind::File, 0, 0)],
        regions: Vec::new(),
        position,
    };
    scan.run();
    scan.regions
}

/// Blanks `regions` of `text`: every byte but `\n` and `\r` becomes a space.
/// Regions fall on token boundaries, so the result is valid UTF-8.
pub fn blank(text: &str, regions: &[Range<usize>]) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    for region in regions {
        let range = region.start.min(bytes.len())..region.end.min(bytes.len());
        for byte in bytes.get_mut(range)? {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    String::from_utf8(bytes).ok()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    File,
    Brace,
    Other,
}

/// What the previous token leaves the parser expecting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// An operand ended: `-`, `(`, `[`, `|` continue it as infix/postfix.
    Operand,
    /// An operator or the start: `-`, `&`, `|` begin a prefix construct.
    Operator,
}

/// One token as the scan sees it; joint punctuation (`..=`, `->`) is one `Op`.
enum Event {
    Op(String, Span),
    Group(proc_macro2::Group),
    Word(proc_macro2::Ident),
    Literal,
}

struct Frame {
    tokens: token_stream::IntoIter,
    kind: FrameKind,
    /// Nesting and chain of the enclosing levels, this group included.
    base_nesting: usize,
    base_chain: usize,
    /// Open `<` (type generics, qualified paths; or comparisons, counted the same).
    angle: usize,
    /// Pending prefix operators (`!`, `-`, `*`, `&`): closed by a binary operator.
    prefix: usize,
    /// Constructs that extend to the end of the expression: assignments,
    /// `->`, `@`, ranges, closures and expression keywords.
    right: usize,
    /// Left-associative operators, calls, indexing, fields and `?`.
    infix: usize,
    prev: Prev,
    /// Between the `|…|` of a closure head, where commas separate parameters.
    closure_params: bool,
    /// The last token was `#`: a `!` now makes an inner attribute (doc
    /// comments `//!` arrive as `#`, `!`, `[doc = "…"]`), not a negation.
    after_hash: bool,
    /// The last token was `else`: an `if` now continues an `else if` chain,
    /// which syn parses in a loop (its tree still deepens).
    after_else: bool,
    /// The last token was a `{…}` group (its closing brace): a word after it
    /// starts a new statement or item.
    after_brace: Option<Span>,
    /// The group's delimiters, for blanking its contents.
    open: Span,
    close: Span,
    /// File frame: the first token of the current top-level item.
    item_start: Option<Span>,
    /// File frame: skipping to the end of a too-deep item.
    skipping: bool,
}

impl Frame {
    fn new(tokens: TokenStream, kind: FrameKind, base_nesting: usize, base_chain: usize) -> Self {
        Frame {
            tokens: tokens.into_iter(),
            kind,
            base_nesting,
            base_chain,
            angle: 0,
            prefix: 0,
            right: 0,
            infix: 0,
            prev: Prev::Operator,
            closure_params: false,
            after_hash: false,
            after_else: false,
            after_brace: None,
            open: Span::call_site(),
            close: Span::call_site(),
            item_start: None,
            skipping: false,
        }
    }

    fn nesting(&self) -> usize {
        self.base_nesting + self.angle + self.prefix + self.right
    }

    fn chain(&self) -> usize {
        self.base_chain + self.angle + self.prefix + self.right + self.infix
    }

    /// A statement or item ended: its recursion has unwound.
    fn end_statement(&mut self) {
        self.end_expression();
        self.angle = 0;
        self.prev = Prev::Operator;
    }

    /// An expression ended (`,`, `=>`): its recursion has unwound, but an
    /// enclosing generic argument list may still be open.
    fn end_expression(&mut self) {
        self.prefix = 0;
        self.right = 0;
        self.infix = 0;
        self.closure_params = false;
    }
}

/// Keywords after which an expression (or type) extends to the right, each
/// a level of recursion in syn: `return return x`, `if if a {} {} {}`,
/// `impl Fn() -> impl Fn() -> …`.
const EXTENDING_KEYWORDS: &[&str] = &[
    "return", "break", "yield", "become", "box", "let", "if", "while", "match", "for", "move", "static", "async",
    "const", "unsafe", "dyn", "impl",
];

/// Multi-character operators, longest first, for splitting joint punctuation.
const OPERATORS: &[&str] = &[
    "#!", "<<=", ">>=", "...", "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=",
    "%=", "^=", "&=", "|=", "<<", ">>", "..",
];

struct Scan<'p> {
    frames: Vec<Frame>,
    regions: Vec<Range<usize>>,
    position: &'p dyn Fn(LineColumn) -> usize,
}

impl Scan<'_> {
    fn run(&mut self) {
        let mut punct = String::new();
        let mut punct_span = Span::call_site();
        loop {
            let Some(frame) = self.frames.last_mut() else {
                return;
            };
            match frame.tokens.next() {
                Some(TokenTree::Punct(p)) => {
                    if p.as_char() == '\'' {
                        // A lifetime or label: the word after it is an operand.
                        self.flush(&mut punct, punct_span);
                        continue;
                    }
                    if punct.is_empty() {
                        punct_span = p.span();
                    }
                    punct.push(p.as_char());
                    if p.spacing() == Spacing::Alone {
                        self.flush(&mut punct, punct_span);
                    }
                }
                Some(TokenTree::Group(group)) => {
                    self.flush(&mut punct, punct_span);
                    self.event(Event::Group(group));
                }
                Some(TokenTree::Ident(ident)) => {
                    self.flush(&mut punct, punct_span);
                    self.event(Event::Word(ident));
                }
                Some(TokenTree::Literal(_)) => {
                    self.flush(&mut punct, punct_span);
                    self.event(Event::Literal);
                }
                None => {
                    // Punctuation pending at the end of a group may still
                    // find it too deep, which ends the group itself.
                    let depth = self.frames.len();
                    self.flush(&mut punct, punct_span);
                    if self.frames.len() == depth {
                        self.end_frame();
                    }
                }
            }
        }
    }

    fn flush(&mut self, punct: &mut String, span: Span) {
        if !punct.is_empty() {
            let text = std::mem::take(punct);
            self.event(Event::Op(text, span));
        }
    }

    fn top(&mut self) -> &mut Frame {
        self.frames
            .last_mut()
            .expect("frames are only popped when their tokens run out")
    }

    fn event(&mut self, event: Event) {
        let starts_statement = match &event {
            Event::Word(word) => word != "else" && word != "as",
            Event::Op(text, _) => text.starts_with('#'),
            _ => false,
        };
        let semicolon = matches!(&event, Event::Op(text, _) if text.starts_with(';'));
        let file_level = self.frames.len() == 1;
        let frame = self.top();
        if !matches!(event, Event::Op(..)) {
            frame.after_hash = false;
        }
        if !matches!(event, Event::Word(..)) {
            frame.after_else = false;
        }
        if let Some(brace) = frame.after_brace.take()
            && starts_statement
        {
            // Nothing continues an expression after `}` with a word or an
            // attribute: a new statement (or item) begins.
            if file_level {
                self.end_item(brace);
            }
            self.top().end_statement();
        }
        if file_level {
            let span = match &event {
                Event::Op(_, span) => Some(*span),
                Event::Group(group) => Some(group.span_open()),
                Event::Word(word) => Some(word.span()),
                Event::Literal => None,
            };
            let frame = self.top();
            if frame.item_start.is_none() {
                frame.item_start = span;
            }
            if frame.skipping {
                if semicolon && let Some(span) = span {
                    self.end_item(span);
                } else if let Event::Group(group) = &event
                    && group.delimiter() == Delimiter::Brace
                {
                    self.top().after_brace = Some(group.span_close());
                }
                return;
            }
        }
        match event {
            Event::Op(text, span) => {
                self.operators(&text);
                if semicolon && self.frames.len() == 1 {
                    self.end_item(span);
                }
            }
            Event::Group(group) => self.group(group),
            Event::Word(word) => {
                let frame = self.top();
                let else_if = std::mem::take(&mut frame.after_else) && word == "if";
                if word == "as" || word == "else" || else_if {
                    frame.infix += 1;
                    frame.prev = Prev::Operator;
                    frame.after_else = word == "else";
                } else if EXTENDING_KEYWORDS.iter().any(|k| word == k) {
                    frame.right += 1;
                    frame.prev = Prev::Operator;
                } else {
                    frame.prev = Prev::Operand;
                }
                self.check();
            }
            Event::Literal => self.top().prev = Prev::Operand,
        }
    }

    /// The current top-level item ends with the token at `end`; if it was
    /// too deep, it becomes a region.
    fn end_item(&mut self, end: Span) {
        let position = self.position;
        let frame = self.top();
        let start = frame.item_start.take();
        if std::mem::take(&mut frame.skipping)
            && let Some(start) = start
        {
            self.regions.push(position(start.start())..position(end.end()));
        }
        self.top().end_statement();
    }

    fn group(&mut self, group: proc_macro2::Group) {
        let frame = self.top();
        let kind = match group.delimiter() {
            Delimiter::Brace => FrameKind::Brace,
            _ => FrameKind::Other,
        };
        if kind == FrameKind::Other && frame.prev == Prev::Operand {
            // A call or an index: one more level of the left-deep tree.
            frame.infix += 1;
        }
        let mut child = Frame::new(group.stream(), kind, frame.nesting() + 1, frame.chain() + 1);
        child.open = group.span_open();
        child.close = group.span_close();
        if kind == FrameKind::Brace {
            frame.after_brace = Some(group.span_close());
        }
        frame.prev = Prev::Operand;
        if child.base_nesting > MAX_NESTING || child.base_chain > MAX_CHAIN {
            self.too_deep();
            return;
        }
        self.frames.push(child);
    }

    fn end_frame(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if frame.kind == FrameKind::File
            && frame.skipping
            && let Some(start) = frame.item_start
        {
            // The file ended inside a too-deep item.
            self.regions.push((self.position)(start.start())..usize::MAX);
        }
    }

    /// Splits joint punctuation into operators and applies each, until one
    /// is too deep (the rest belongs to the blanked region).
    fn operators(&mut self, mut text: &str) {
        let regions = self.regions.len();
        let depth = self.frames.len();
        while let Some(first) = text.chars().next() {
            if self.regions.len() != regions || self.frames.len() != depth || self.top().skipping {
                return;
            }
            let op = OPERATORS
                .iter()
                .find(|op| text.starts_with(**op))
                .copied()
                .unwrap_or(&text[..first.len_utf8()]);
            text = &text[op.len()..];
            self.operator(op);
        }
    }

    fn operator(&mut self, op: &str) {
        let frame = self.top();
        if std::mem::take(&mut frame.after_hash) && op == "!" {
            return;
        }
        let prefix_position = frame.prev == Prev::Operator;
        frame.prev = Prev::Operator;
        match op {
            // A match arm's pattern and guard end at `=>`: no generic list
            // spans it, so open `<` were comparisons.
            ";" | "=>" => frame.end_statement(),
            "," if frame.closure_params => {}
            "," => frame.end_expression(),
            "|" | "||" if prefix_position => {
                // A closure head: its body extends to the right.
                frame.right += 1;
                frame.closure_params = op == "|";
            }
            "|" if frame.closure_params => frame.closure_params = false,
            "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "^=" | "&=" | "|=" | "<<=" | ">>=" | "->" | "@" | ".." | "..="
            | "..." => frame.right += 1,
            "<" => frame.angle += 1,
            "<<" => frame.angle += 2,
            ">" | ">=" => frame.angle = frame.angle.saturating_sub(1),
            ">>" => frame.angle = frame.angle.saturating_sub(2),
            "!" | "-" | "*" | "&" if prefix_position => frame.prefix += 1,
            "&&" if prefix_position => frame.prefix += 2,
            "." | "?" => {
                // Postfix: binds tighter than the pending prefix operators,
                // which stay open, and deepens the tree.
                frame.infix += 1;
                if op == "?" {
                    frame.prev = Prev::Operand;
                }
            }
            // Attributes (`#[…]`, `#![…]`, and doc comments, which are
            // attributes too), macro-rules metavariables, paths, ascriptions.
            "#" => frame.after_hash = true,
            "#!" | "$" | "::" | ":" | "~" => {}
            _ => {
                // A binary operator: the pending prefix operators bind
                // tighter and have been parsed. No generic argument list
                // holds `&&`, `||`, `==` or `!=`, so open `<` were comparisons.
                frame.prefix = 0;
                frame.infix += 1;
                if matches!(op, "&&" | "||" | "==" | "!=") {
                    frame.angle = 0;
                }
            }
        }
        self.check();
    }

    fn check(&mut self) {
        let frame = self.top();
        if frame.nesting() > MAX_NESTING || frame.chain() > MAX_CHAIN {
            self.too_deep();
        }
    }

    /// Blanks the innermost enclosing block's contents, or skips the
    /// top-level item, and goes on after it.
    fn too_deep(&mut self) {
        match self.frames.iter().rposition(|f| f.kind == FrameKind::Brace) {
            Some(index) => {
                let frame = &self.frames[index];
                let start = (self.position)(frame.open.end());
                let end = (self.position)(frame.close.start());
                self.regions.push(start..end.max(start));
                self.frames.truncate(index);
            }
            None => {
                self.frames.truncate(1);
                let frame = self.top();
                frame.skipping = true;
                frame.end_statement();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regions of `text`, with positions from a plain line table.
    fn regions(text: &str) -> Vec<Range<usize>> {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let position = |at: LineColumn| {
            let start = starts[at.line - 1];
            text[start..]
                .char_indices()
                .nth(at.column)
                .map_or(text.len(), |(i, _)| start + i)
        };
        let tokens: TokenStream = text.parse().expect("test input lexes");
        too_deep_regions(tokens, &position)
    }

    #[test]
    fn ordinary_code_is_never_too_deep() {
        let many_ifs = "if a < b { x(); }\n".repeat(2000);
        let else_ifs = format!("if a {{ 1 }} {} else {{ 2 }}", "else if b { 3 } ".repeat(2000));
        let long_match = format!(
            "match x {{ {} _ => {{}} }}",
            "A(v) if v < 3 => { f(!v) }\n".repeat(2000)
        );
        let docs = "//! doc line with `code`\n".repeat(2000);
        let builder = format!("let b = B::new(){};", ".with(|x| x + 1)".repeat(1000));
        let array = format!("const A: [i32; 3000] = [{}];", "-1, ".repeat(3000));
        let generics = "fn f<T: Iterator<Item = Vec<Option<Box<dyn Fn(u8) -> Result<u8, E>>>>>>() {}\n".repeat(500);
        for text in [
            format!("{docs}fn f() {{ {many_ifs} }}"),
            format!("fn f() {{ {else_ifs}; }}"),
            format!("fn f() {{ {long_match} }}"),
            format!("fn f() {{ {builder} }}"),
            format!("{array} {generics}"),
            format!(
                "#![doc = \"x\"]\n{}",
                "#[derive(Debug)]\nstruct S { a: u8 }\n".repeat(2000)
            ),
        ] {
            assert_eq!(regions(&text), Vec::<Range<usize>>::new());
        }
    }

    #[test]
    fn every_recursive_construct_is_bounded() {
        let n = MAX_NESTING + 50;
        let deep_exprs = [
            format!("{}1{}", "(".repeat(n), ")".repeat(n)),
            format!("{}1{}", "[".repeat(n), "]".repeat(n)),
            format!("{}1{}", "{".repeat(n), "}".repeat(n)),
            format!("{}x", "!".repeat(n)),
            format!("{}x", "- ".repeat(n)),
            format!("{}x", "&&".repeat(n)),
            format!("{}x", "* ".repeat(n)),
            format!("{}x", "|a, b| ".repeat(n)),
            format!("{}x", "move || ".repeat(n)),
            format!("{}x", "return ".repeat(n)),
            format!("{}1", "a = ".repeat(n)),
            format!("{}1", "a .. ".repeat(n)),
            format!("{}1{}", "if if ".repeat(n), " {} {}".repeat(n)),
            format!("{}1{}", "x.f(".repeat(n), ")".repeat(n)),
        ];
        for expr in &deep_exprs {
            let text = format!("fn a() {{ ok(); }}\nfn g() {{ let v = {expr}; }}\nfn h() {{ ok(); }}\n");
            let found = regions(&text);
            assert_eq!(found.len(), 1, "{}", &expr[..40]);
            // The contents of `g`'s body, or (for nested blocks) of the
            // innermost block at the limit: `a` and `h` are untouched.
            let body_start = text.find("fn g() {").unwrap() + "fn g() {".len();
            let body_end = text.find("\nfn h").unwrap() - 1;
            if expr.starts_with('{') {
                assert!(body_start < found[0].start && found[0].end < body_end, "{found:?}");
            } else {
                assert_eq!(found[0], body_start..body_end, "{}", &expr[..40]);
            }
        }
        let deep_types = [
            format!("{}u8{}", "Vec<".repeat(n), ">".repeat(n)),
            format!("{}u8", "&".repeat(n)),
            format!("{}u8", "*const ".repeat(n)),
            format!("{}u8", "fn() -> ".repeat(n)),
            format!("{}u8{}", "<".repeat(n), " as T>::X".repeat(n)),
        ];
        for ty in &deep_types {
            let text = format!("const A: u8 = 1;\nstatic B: {ty} = 0;\nconst C: u8 = 1;\n");
            let found = regions(&text);
            assert_eq!(found.len(), 1, "{}", &ty[..40]);
            // A top-level item with no block around it: the whole item.
            let start = text.find("static").unwrap();
            let end = text.find("\nconst C").unwrap();
            assert_eq!(found[0], start..end, "{}", &ty[..40]);
        }
    }

    #[test]
    fn long_left_associative_chains_are_bounded_separately() {
        let fine = format!("fn f() {{ let s = {}; }}", vec!["a"; MAX_CHAIN / 2].join(" + "));
        assert!(regions(&fine).is_empty());
        let too_long = format!("fn f() {{ let s = {}; }}", vec!["a"; MAX_CHAIN + 10].join(" + "));
        assert_eq!(regions(&too_long).len(), 1);
        let postfix = format!("fn f() {{ let s = x{}; }}", "?".repeat(MAX_CHAIN + 10));
        assert_eq!(regions(&postfix).len(), 1);
    }

    #[test]
    fn an_unfinished_deep_item_runs_to_the_end_of_the_file() {
        let text = format!("fn ok() {{}}\nstatic S: {}", "Vec<".repeat(MAX_NESTING + 5));
        let found = regions(&text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start, text.find("static").unwrap());
        let blanked = blank(&text, &found).unwrap();
        assert_eq!(blanked.len(), text.len());
        assert!(blanked.starts_with("fn ok() {}\n") && blanked.trim_end() == "fn ok() {}");
    }

    /// Lowers `text` on a thread with a quarter of the worker stack: an
    /// overflow aborts the test process, so passing means the bounds leave
    /// at least a fourfold margin (in this build: unoptimised in `cargo test`,
    /// where frames are largest).
    fn lower_on_a_quarter_stack(text: String) -> Vec<crate::model::LowerNote> {
        std::thread::Builder::new()
            .stack_size(crate::isolate::WORKER_STACK_SIZE / 4)
            .spawn(move || match crate::frontend::lower::rust::lower_rust(&text) {
                Ok(module) => module.notes,
                Err(note) => vec![note],
            })
            .expect("spawn")
            .join()
            .expect("lowering must not panic")
    }

    /// Expression and type shapes that make syn recurse, as (opening, closing) pairs.
    const EXPRESSION_LEVELS: &[(&str, &str)] = &[
        ("(", ")"),
        ("[", "]"),
        ("{", "}"),
        ("f(", ")"),
        ("x.m(", ")"),
        ("!", ""),
        ("- ", ""),
        ("&", ""),
        ("* ", ""),
        ("|a, b| ", ""),
        ("move || ", ""),
        ("return ", ""),
        ("a = ", ""),
        ("a .. ", ""),
        ("if ", " {}"),
        ("if c { ", " } else { 1 }"),
        ("match ", " {}"),
        ("match m { _ => ", " }"),
        ("S { a: ", " }"),
        ("async { ", " }"),
        ("|| { ", " }"),
        ("'a: loop { ", " }"),
        ("format!(\"{}\", ", ")"),
        ("unsafe { ", " }"),
        ("(a, ", ")"),
    ];
    const TYPE_LEVELS: &[(&str, &str)] = &[
        ("Vec<", ">"),
        ("&", ""),
        ("*const ", ""),
        ("fn() -> ", ""),
        ("(", ",)"),
        ("[", "; 1]"),
        ("Box<dyn Fn() -> ", ">"),
        ("impl Fn() -> ", ""),
        ("<", " as T>::X"),
        ("HashMap<K, ", ">"),
    ];

    fn expression_program(levels: &[(&str, &str)]) -> String {
        let open: String = levels.iter().map(|l| l.0).collect();
        let close: String = levels.iter().rev().map(|l| l.1).collect();
        format!("fn f() {{ let v = {open}x{close}; }}\nfn after() {{ g(); }}\n")
    }

    fn type_program(levels: &[(&str, &str)]) -> String {
        let open: String = levels.iter().map(|l| l.0).collect();
        let close: String = levels.iter().rev().map(|l| l.1).collect();
        format!("static S: {open}u8{close} = 0;\nfn after() {{ g(); }}\n")
    }

    #[test]
    fn the_deepest_accepted_code_of_each_shape_parses_on_a_quarter_of_the_stack() {
        let shapes = EXPRESSION_LEVELS
            .iter()
            .map(|level| (level, expression_program as fn(&[(&str, &str)]) -> String))
            .chain(
                TYPE_LEVELS
                    .iter()
                    .map(|level| (level, type_program as fn(&[(&str, &str)]) -> String)),
            );
        for (level, program) in shapes {
            // The most levels the scan lets through (it is monotone in depth).
            let accepted = |depth: usize| regions(&program(&vec![*level; depth])).is_empty();
            assert!(!accepted(5 * MAX_NESTING), "{level:?} is never bounded");
            let (mut depth, mut refused) = (1, 5 * MAX_NESTING);
            while depth + 1 < refused {
                let middle = (depth + refused) / 2;
                if accepted(middle) {
                    depth = middle;
                } else {
                    refused = middle;
                }
            }
            let notes = lower_on_a_quarter_stack(program(&vec![*level; depth]));
            assert!(
                notes
                    .iter()
                    .all(|n| n.kind != crate::model::NoteKind::DepthLimit || n.message.contains("200 levels")),
                "{level:?} at {depth} levels was blanked: {notes:?}"
            );
            let notes = lower_on_a_quarter_stack(program(&vec![*level; 20 * MAX_NESTING]));
            assert!(
                notes.iter().any(|n| n.message.contains("too deeply nested")),
                "{level:?} far too deep: {notes:?}"
            );
        }
    }

    #[test]
    fn random_deep_mixtures_never_overflow() {
        // xorshift64: deterministic, so a failure reproduces.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for case in 0..150 {
            let types = case % 3 == 0;
            let pool = if types { TYPE_LEVELS } else { EXPRESSION_LEVELS };
            let depth = 100 + next(3_000);
            let levels: Vec<(&str, &str)> = (0..depth).map(|_| pool[next(pool.len())]).collect();
            let text = if types {
                type_program(&levels)
            } else {
                expression_program(&levels)
            };
            // Sometimes cut the closing half off: syn recurses as deep on
            // broken code before it reports the error.
            let text = if case % 5 == 1 {
                let mut cut = text.len() / 2;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text[..cut].to_string()
            } else {
                text
            };
            lower_on_a_quarter_stack(text);
        }
    }

    #[test]
    fn blanking_keeps_offsets_and_line_ends() {
        let text = "a é\r\nb → c\nd";
        let blanked = blank(text, std::slice::from_ref(&(2..12))).unwrap();
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked, "a   \r\n      c\nd");
    }
}
