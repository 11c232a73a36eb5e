//! The Rust frontend: lowers one Rust source file, parsed with `syn`, into the
//! language-neutral [`Module`] model (calls, values, bindings, scopes).
//!
//! Rules never see syn nodes, so everything a rule may need has to be carried
//! over here: every call anywhere in the file, the literal behind a value even
//! when it is wrapped in a conversion (`"k".as_bytes()`), and every binding
//! that could shadow an outer name, so a name is never resolved to a literal
//! it does not hold.

use std::ops::Range;

use proc_macro2::{Spacing, Span as PSpan, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{
    BinOp, Block, Expr, ExprCall, ExprClosure, ExprIf, ExprMatch, ExprMethodCall, ExprPath, ExprStruct, FnArg, Ident,
    ImplItem, Item, Lit, Local, Macro, MacroDelimiter, Member, Pat, Path, PathArguments, RangeLimits, ReturnType,
    Signature, Stmt, TraitItem, UnOp, UseTree,
};

use super::nesting;
use crate::frontend::source::CharIndex;
use crate::model::*;

/// How deep expression, block and pattern lowering may recurse before the
/// rest of a subtree is given up as `Unknown`.
pub const MAX_DEPTH: usize = 200;

/// How many following macro-argument chunks may be glued onto one that does
/// not parse alone: commas inside `HashMap::<K, V>` or `|a, b|` are not inside
/// a group, so a naive split cuts them, and re-joining repairs that.
const MAX_CHUNK_MERGE: usize = 8;

/// Zero-argument methods that only convert their receiver: looking through
/// them keeps `"k".as_bytes()` a string literal instead of an opaque call.
const TRANSPARENT_METHODS: &[&str] = &[
    "as_bytes",
    "as_ref",
    "as_str",
    "to_string",
    "to_owned",
    "into",
    "to_vec",
    "clone",
    "into_bytes",
    "as_slice",
    "borrow",
    "deref",
];

/// Macros whose first argument is a format string.
const FORMAT_MACROS: &[&str] = &[
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "anyhow",
    "bail",
];

/// Macros whose second argument is a format string (the first is the writer).
const WRITE_MACROS: &[&str] = &["write", "writeln"];

/// `log` and `tracing` macros: the message comes after a level and/or fields,
/// so the template is the first positional string literal.
const LOG_MACROS: &[&str] = &["trace", "debug", "info", "warn", "error", "log", "event"];

/// Lowers a Rust file. `Err` carries one `NoteKind::ParseError` note when syn rejects the file.
///
/// Invalidates this thread's proc-macro2 spans on return: no
/// `proc_macro2::Span` the caller holds on this thread may be used afterwards.
pub fn lower_rust(source: &str) -> Result<Module, LowerNote> {
    let _spans = InvalidateSpansOnDrop;
    lower_source(source)
}

/// proc-macro2 keeps every parsed file's text in a thread-local map; the
/// linter lowers thousands of files per thread, so the map is emptied after
/// each file. A guard rather than a call, so a panic caught by the caller
/// still empties it; it drops after `lower_source`'s syn tree, the only
/// holder of spans into that map.
struct InvalidateSpansOnDrop;

impl Drop for InvalidateSpansOnDrop {
    fn drop(&mut self) {
        proc_macro2::extra::invalidate_current_thread_spans();
    }
}

fn lower_source(source: &str) -> Result<Module, LowerNote> {
    // syn strips a BOM and a shebang line before tokenizing, so its spans are
    // relative to what is left: remember how much it skipped. We lex and
    // parse in two steps, as `syn::parse_file` does, to check the nesting in
    // between (see `nesting`).
    let bom = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let base = bom + shebang_len(&source[bom..]);
    let content = &source[base..];
    let lex = |text: &str| {
        text.parse::<TokenStream>()
            .map_err(|err| parse_error_note(source, base, &syn::Error::from(err)))
    };
    let tokens = lex(content)?;
    let regions = {
        let lines = LineIndex::new(content);
        nesting::too_deep_regions(tokens.clone(), &|at| lines.byte_offset(at))
    };
    if regions.is_empty() {
        let file = syn::parse2::<syn::File>(tokens).map_err(|err| parse_error_note(source, base, &err))?;
        let mut lowerer = Lowerer::new(source, base, content);
        lowerer.lower_items(&file.items, lowerer.file_place());
        return Ok(lowerer.module);
    }
    drop(tokens);
    let first = regions[0].start.min(content.len()) + base;
    let note = LowerNote {
        kind: NoteKind::DepthLimit,
        span: Span::new(first, first),
        message: format!(
            "nesting deeper than {} levels (or an expression chain longer than {}); \
             {} too deeply nested block{} or item{} not checked",
            nesting::MAX_NESTING,
            nesting::MAX_CHAIN,
            regions.len(),
            if regions.len() == 1 { " is" } else { "s are" },
            if regions.len() == 1 { "" } else { "s" },
        ),
    };
    // Blanking keeps every offset, so spans into the blanked text are spans
    // into the file.
    let Some(blanked) = nesting::blank(content, &regions) else {
        return Err(note);
    };
    let tokens = lex(&blanked)?;
    let lines = LineIndex::new(&blanked);
    if !nesting::too_deep_regions(tokens.clone(), &|at| lines.byte_offset(at)).is_empty() {
        // Cannot happen by construction; if it did, not parsing is the safe side.
        return Err(note);
    }
    let file = syn::parse2::<syn::File>(tokens).map_err(|err| {
        let mut parse_note = parse_error_note(source, base, &err);
        parse_note.message = format!("{} (after skipping too deeply nested code)", parse_note.message);
        parse_note
    })?;
    let mut lowerer = Lowerer::new(source, base, &blanked);
    lowerer.module.notes.push(note);
    lowerer.lower_items(&file.items, lowerer.file_place());
    Ok(lowerer.module)
}

fn parse_error_note(source: &str, base: usize, err: &syn::Error) -> LowerNote {
    let range = err.span().byte_range();
    let (mut start, mut end) = (range.start + base, range.end + base);
    // syn reports a premature end of input at the call-site span (offset 0);
    // the end of the file is where the reader should look.
    if range.is_empty() && range.start == 0 && err.to_string().contains("end of input") {
        (start, end) = (source.len(), source.len());
    }
    let start = start.min(source.len());
    let end = end.clamp(start, source.len());
    LowerNote {
        kind: NoteKind::ParseError,
        span: Span::new(start, end),
        message: err.to_string(),
    }
}

/// The length of the shebang line syn strips, mirroring `syn::parse_file`,
/// for the error path where syn does not tell us.
fn shebang_len(text: &str) -> usize {
    let Some(rest) = text.strip_prefix("#!") else {
        return 0;
    };
    if skip_whitespace_and_comments(rest).starts_with('[') {
        return 0; // `#![inner_attribute]`, not a shebang
    }
    text.find('\n').unwrap_or(text.len())
}

fn skip_whitespace_and_comments(mut s: &str) -> &str {
    loop {
        let trimmed = s.trim_start();
        if let Some(rest) = trimmed.strip_prefix("//") {
            s = rest.find('\n').map_or("", |i| &rest[i..]);
        } else if let Some(rest) = trimmed.strip_prefix("/*") {
            s = rest.find("*/").map_or("", |i| &rest[i + 2..]);
        } else {
            return trimmed;
        }
    }
}

/// Turns proc-macro2's line/column positions into byte offsets.
///
/// `Span::byte_range` gives the same answer but finds it by counting
/// characters from a cached neighbour on every call, which made span lookups
/// cost as much as parsing itself; a line table answers from a binary search
/// (done by proc-macro2) plus, on non-ASCII lines only, a checkpointed count
/// that stays cheap on a 5 MB single-line file.
struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset where each line starts; lines end at `\n`, as in proc-macro2.
    starts: Vec<usize>,
    ascii: Vec<bool>,
    chars: CharIndex,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let ascii = starts
            .iter()
            .enumerate()
            .map(|(line, &start)| {
                let end = starts.get(line + 1).copied().unwrap_or(text.len());
                text[start..end].is_ascii()
            })
            .collect();
        LineIndex {
            text,
            starts,
            ascii,
            chars: CharIndex::new(text),
        }
    }

    /// `line` is 1-based, `column` counts chars from the line's start.
    fn byte_offset(&self, position: proc_macro2::LineColumn) -> usize {
        let Some(&start) = self.starts.get(position.line.wrapping_sub(1)) else {
            return self.text.len();
        };
        if self.ascii[position.line - 1] {
            return (start + position.column).min(self.text.len());
        }
        let line_chars = self.chars.chars_before(self.text, start);
        self.chars.byte_of_char(self.text, line_chars + position.column)
    }
}

/// Where the names an item introduces (`const`, `static`, `use`,
/// `extern crate`) are bound: an item is seen throughout the file, inline
/// `mod` or block that contains it, and nowhere else. Keeping a test
/// module's re-imports and constants inside that module matters because the
/// resolver treats two file-scope bindings visible at one place as ambiguous.
#[derive(Clone, Copy)]
struct ItemPlace {
    scope: ScopeId,
    visible: Span,
}

/// One macro argument before lowering.
struct RawArg {
    keyword: Option<String>,
    expr: Option<Expr>,
    span: Span,
}

struct Lowerer<'a> {
    source: &'a str,
    /// Offset of syn's text in `source` (BOM and shebang).
    base: usize,
    lines: LineIndex<'a>,
    module: Module,
    scope: ScopeId,
    depth: usize,
    /// The function whose body is being lowered: `return` adds to its returns.
    function: Option<FunctionId>,
    /// How many inline `mod { … }` the lowering is inside.
    inline_depth: usize,
    /// The type of the `impl` block being lowered, for its functions' names.
    impl_type: Option<String>,
}

impl<'a> Lowerer<'a> {
    /// `parsed` is the text syn parsed: `source[base..]`, or a copy with
    /// too-deep regions blanked (same length, same line ends).
    fn new(source: &'a str, base: usize, parsed: &'a str) -> Self {
        Lowerer {
            source,
            base,
            lines: LineIndex::new(parsed),
            module: Module::new(Language::Rust, source.len()),
            scope: 0,
            depth: 0,
            function: None,
            inline_depth: 0,
            impl_type: None,
        }
    }

    fn file_place(&self) -> ItemPlace {
        ItemPlace {
            scope: 0,
            visible: Span::new(0, self.source.len()),
        }
    }

    // ----- spans -----

    fn tok(&self, span: PSpan) -> Span {
        let start = self.lines.byte_offset(span.start());
        let end = self.lines.byte_offset(span.end());
        Span::new(start + self.base, end.max(start) + self.base)
    }

    fn join(&self, first: PSpan, last: PSpan) -> Span {
        let start = self.tok(first).start;
        Span::new(start, self.tok(last).end.max(start))
    }

    /// The byte range of an expression from its first and last tokens.
    /// Walking the edges is allocation-free, unlike `Spanned::span`, which
    /// re-serialises the whole subtree for every node it is asked about.
    fn expr_span(&self, expr: &Expr) -> Span {
        self.join(expr_first(expr), expr_last(expr))
    }

    fn block_span(&self, block: &Block) -> Span {
        let delim = block.brace_token.span;
        self.join(delim.open(), delim.close())
    }

    fn macro_span(&self, mac: &Macro) -> Span {
        self.join(path_first(&mac.path), macro_close(mac))
    }

    // ----- depth -----

    /// Enters one recursion level, or notes the limit (once per file) and
    /// refuses. A `true` must be paired with `leave`.
    fn enter(&mut self, span: Span) -> bool {
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            return true;
        }
        if !self.module.notes.iter().any(|n| n.kind == NoteKind::DepthLimit) {
            self.module.notes.push(LowerNote {
                kind: NoteKind::DepthLimit,
                span,
                message: format!("nesting deeper than {MAX_DEPTH} levels; the rest is not analysed"),
            });
        }
        false
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----- recording -----

    fn push_call(&mut self, callee: Value, args: Vec<Arg>, span: Span, is_macro: bool) -> CallId {
        self.module.push_call(Call {
            callee,
            args,
            star_args: false,
            star_kwargs: false,
            unpacked: None,
            span,
            scope: self.scope,
            is_macro,
            type_args: Vec::new(),
        })
    }

    /// Records where a value goes that the model does not otherwise show.
    fn record_sink(&mut self, kind: SinkKind, value: Value) {
        self.module.sinks.push(Sink {
            kind,
            value,
            scope: self.scope,
        });
    }

    /// `Ok(name)` or `Some(name)` matched against `source`: what the name holds.
    fn record_unwrap(&mut self, pat: &Pat, source: &Value, visible: Span) {
        let Pat::TupleStruct(tuple) = pat else { return };
        let wraps = tuple
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Ok" || s.ident == "Some");
        if !wraps || tuple.elems.len() != 1 {
            return;
        }
        if let Some(ident) = simple_binding(&tuple.elems[0]) {
            self.module.unwraps.push(Unwrap {
                name: ident.to_string(),
                scope: self.scope,
                span: self.tok(ident.span()),
                visible,
                source: source.clone(),
            });
        }
    }

    fn bind_ident(&mut self, ident: &Ident, value: Value, visible: Span) {
        let span = self.tok(ident.span());
        self.module.bind(ident.to_string(), self.scope, value, span, visible);
    }

    // ----- items -----

    fn lower_items(&mut self, items: &[Item], place: ItemPlace) {
        for item in items {
            self.lower_item(item, place);
        }
    }

    fn lower_item(&mut self, item: &Item, place: ItemPlace) {
        self.note_test_region(item);
        match item {
            Item::Fn(f) => {
                let id = self.lower_fn(&f.sig, &f.block);
                let value = Value::new(ValueKind::Function(id), self.tok(f.sig.ident.span()));
                self.bind_item_name(&f.sig.ident, value, place);
            }
            Item::Const(c) => self.lower_const_item(&c.ident, &c.expr, place),
            Item::Static(s) => self.lower_const_item(&s.ident, &s.expr, place),
            Item::Use(u) => self.lower_use_tree(&u.tree, &mut Vec::new(), place),
            Item::ExternCrate(e) => self.lower_extern_crate(e, place),
            Item::Mod(m) => self.lower_inline_mod(m),
            Item::Impl(i) => {
                let outer = std::mem::replace(
                    &mut self.impl_type,
                    type_path(&i.self_ty).and_then(|p| p.last().cloned()),
                );
                i.items.iter().for_each(|ii| self.lower_impl_item(ii));
                self.impl_type = outer;
            }
            Item::Trait(t) => t.items.iter().for_each(|ti| self.lower_trait_item(ti)),
            Item::Macro(m) => self.lower_item_macro(m),
            Item::Struct(item) => self.lower_struct_def(item),
            Item::Enum(e) => {
                // Discriminants are const expressions and may hold calls.
                for variant in &e.variants {
                    if let Some((_, expr)) = &variant.discriminant {
                        self.lower_expr(expr);
                    }
                }
            }
            _ => {}
        }
    }

    /// Records code that only runs under test: an item marked
    /// `#[cfg(test)]` (or `#[cfg(all(test, …))]`), and a function marked
    /// `#[test]` or with a test framework's attribute (`#[tokio::test]`,
    /// `#[sqlx::test]`, `#[rstest]`, `#[test_case(…)]`).
    fn note_test_region(&mut self, item: &Item) {
        let Some(attrs) = item_attributes(item) else {
            return;
        };
        let is_fn = matches!(item, Item::Fn(_));
        if !attrs.iter().any(|a| is_cfg_test(a) || (is_fn && is_test_attribute(a))) {
            return;
        }
        let start = attrs[0].pound_token.span;
        let region = match item {
            Item::Fn(f) => self.join(start, f.block.brace_token.span.close()),
            Item::Mod(syn::ItemMod {
                content: Some((brace, _)),
                ..
            }) => self.join(start, brace.span.close()),
            Item::Impl(i) => self.join(start, i.brace_token.span.close()),
            // Rare (a test-only `const`, `use` or `struct`): the generic
            // span walks the item's tokens, which is fine once in a while.
            other => self.join(start, other.span()),
        };
        self.module.test_regions.push(region);
    }

    fn lower_inline_mod(&mut self, m: &syn::ItemMod) {
        let Some((brace, items)) = &m.content else {
            return;
        };
        let span = self.join(brace.span.open(), brace.span.close());
        if !self.enter(span) {
            return;
        }
        // A module inside a function sees none of the function's locals.
        let outer = std::mem::replace(&mut self.scope, 0);
        self.inline_depth += 1;
        self.lower_items(
            items,
            ItemPlace {
                scope: 0,
                visible: span,
            },
        );
        self.inline_depth -= 1;
        self.scope = outer;
        self.leave();
    }

    /// A glob import's path as the file's module sees it: `super::*` in an
    /// inline `mod tests` names the file's own module (`self`). `None` for
    /// a glob of an inline module, which the file does not name.
    fn glob_from_file(&self, prefix: &[String]) -> Option<String> {
        if prefix.is_empty() {
            return None;
        }
        let supers = prefix.iter().take_while(|s| *s == "super").count();
        if self.inline_depth == 0 || supers == 0 {
            return Some(prefix.join("::"));
        }
        let rest = &prefix[supers..];
        let head: Vec<String> = match supers.cmp(&self.inline_depth) {
            std::cmp::Ordering::Less => return None,
            std::cmp::Ordering::Equal => vec!["self".to_string()],
            std::cmp::Ordering::Greater => vec!["super".to_string(); supers - self.inline_depth],
        };
        Some(head.iter().chain(rest).cloned().collect::<Vec<_>>().join("::"))
    }

    fn lower_impl_item(&mut self, item: &ImplItem) {
        match item {
            ImplItem::Fn(f) => {
                self.lower_fn(&f.sig, &f.block);
            }
            // Associated consts are only reachable as `Self::K`/`T::K`, never
            // as a bare name, so binding them would only mislead resolution.
            ImplItem::Const(c) => {
                self.lower_expr(&c.expr);
            }
            ImplItem::Macro(m) => {
                self.lower_macro(&m.mac);
            }
            _ => {}
        }
    }

    fn lower_trait_item(&mut self, item: &TraitItem) {
        match item {
            TraitItem::Fn(f) => {
                if let Some(block) = &f.default {
                    self.lower_fn(&f.sig, block);
                }
            }
            TraitItem::Const(c) => {
                if let Some((_, expr)) = &c.default {
                    self.lower_expr(expr);
                }
            }
            TraitItem::Macro(m) => {
                self.lower_macro(&m.mac);
            }
            _ => {}
        }
    }

    fn lower_item_macro(&mut self, m: &syn::ItemMacro) {
        // A `macro_rules!` body is a template full of `$x` fragments, not an
        // invocation: lowering it would invent calls that never run.
        if m.mac.path.is_ident("macro_rules") {
            return;
        }
        self.lower_macro(&m.mac);
    }

    /// Lowers a function and records its definition (parameters, returns).
    fn lower_fn(&mut self, sig: &Signature, block: &Block) -> FunctionId {
        let body = self.block_span(block);
        let span = Span::new(self.tok(signature_first(sig)).start, body.end);
        // Nested fns capture nothing, so every function hangs off the file.
        let qualified = match &self.impl_type {
            Some(owner) => format!("{owner}::{}", sig.ident),
            None => sig.ident.to_string(),
        };
        let scope = self.module.push_scope(ScopeKind::Function, Some(qualified), 0, span);
        let outer = std::mem::replace(&mut self.scope, scope);
        let mut params = Vec::new();
        let mut is_method = false;
        for input in &sig.inputs {
            match input {
                FnArg::Typed(param) => {
                    self.bind_parameter(param, body);
                    let ident = simple_binding(&param.pat);
                    params.push(ParamDef {
                        name: ident.map(|i| i.to_string()).unwrap_or_default(),
                        span: self.tok(ident.map_or_else(|| pat_first(&param.pat), |i| i.span())),
                        kind: ParamKind::Positional,
                        default: None,
                    });
                }
                FnArg::Receiver(_) => is_method = true,
            }
        }
        let id = self.module.functions.len();
        self.module.functions.push(FunctionDef {
            name: sig.ident.to_string(),
            scope,
            params,
            returns: Vec::new(),
            is_method,
            span,
        });
        let outer_function = self.function.replace(id);
        if let Some(tail) = self.lower_block(block) {
            self.record_sink(SinkKind::Return, tail.clone());
            self.module.functions[id].returns.push(tail);
        }
        self.function = outer_function;
        self.scope = outer;
        id
    }

    fn lower_const_item(&mut self, ident: &Ident, init: &Expr, place: ItemPlace) {
        let value = self.lower_initialiser(init);
        // `const _: () = …;` only runs its checks; it names nothing.
        if ident == "_" {
            return;
        }
        self.module.settings.push(Setting {
            name: ident.to_string(),
            container: None,
            container_value: None,
            value: value.clone(),
            name_span: self.tok(ident.span()),
            scope: place.scope,
        });
        self.bind_item_name(ident, value, place);
    }

    fn bind_item_name(&mut self, ident: &Ident, value: Value, place: ItemPlace) {
        let span = self.tok(ident.span());
        self.module
            .bind(ident.to_string(), place.scope, value, span, place.visible);
    }

    /// A `LazyLock::new(|| "lit".to_string())` static holds what its closure
    /// returns; anything else holds the initialiser's own value.
    fn lower_initialiser(&mut self, init: &Expr) -> Value {
        let Some((call, closure)) = lazy_closure(init) else {
            return self.lower_expr(init);
        };
        let span = self.expr_span(init);
        let callee = self.lower_expr(&call.func);
        let closure_span = self.expr_span(&call.args[0]);
        let body = self.lower_closure(closure);
        let arg = Arg {
            keyword: None,
            value: Value::unknown(closure_span),
        };
        self.push_call(callee, vec![arg], span, false);
        body
    }

    fn lower_extern_crate(&mut self, item: &syn::ItemExternCrate, place: ItemPlace) {
        let name = item.rename.as_ref().map_or(&item.ident, |(_, rename)| rename);
        if name == "_" {
            return;
        }
        let value = Value::new(ValueKind::Imported(item.ident.to_string()), self.tok(item.ident.span()));
        self.bind_item_name(name, value, place);
    }

    /// Binds each leaf of a `use` tree to its full path: `prefix` holds the
    /// segments above the current subtree.
    fn lower_use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>, place: ItemPlace) {
        match tree {
            UseTree::Path(p) => {
                let span = self.tok(p.ident.span());
                if !self.enter(span) {
                    return;
                }
                prefix.push(p.ident.to_string());
                self.lower_use_tree(&p.tree, prefix, place);
                prefix.pop();
                self.leave();
            }
            UseTree::Name(n) => self.bind_use_leaf(&n.ident, &n.ident, prefix, place),
            UseTree::Rename(r) => self.bind_use_leaf(&r.ident, &r.rename, prefix, place),
            UseTree::Glob(_) => {
                if let Some(glob) = self.glob_from_file(prefix) {
                    self.module.glob_imports.push(glob);
                }
            }
            UseTree::Group(g) => {
                for item in &g.items {
                    self.lower_use_tree(item, prefix, place);
                }
            }
        }
    }

    fn bind_use_leaf(&mut self, target: &Ident, local: &Ident, prefix: &[String], place: ItemPlace) {
        if local == "_" {
            return;
        }
        // `a::b::{self}` names the module `a::b` itself.
        let path = if target == "self" {
            prefix.join("::")
        } else {
            let mut segments = prefix.to_vec();
            segments.push(target.to_string());
            segments.join("::")
        };
        let local_name = if local == "self" {
            match prefix.last() {
                Some(last) => last.clone(),
                None => return,
            }
        } else {
            local.to_string()
        };
        let leaf = self.join(target.span(), local.span());
        let span = self.tok(local.span());
        let value = Value::new(ValueKind::Imported(path), leaf);
        self.module.bind(local_name, place.scope, value, span, place.visible);
    }

    // ----- blocks and statements -----

    /// Lowers a block's statements and returns the value of its tail
    /// expression, if it has one.
    fn lower_block(&mut self, block: &Block) -> Option<Value> {
        let span = self.block_span(block);
        if !self.enter(span) {
            return None;
        }
        let mut tail = None;
        for stmt in &block.stmts {
            tail = self.lower_stmt(stmt, span);
        }
        self.leave();
        tail
    }

    /// Returns the statement's value when it can be the block's tail.
    fn lower_stmt(&mut self, stmt: &Stmt, block: Span) -> Option<Value> {
        match stmt {
            Stmt::Local(local) => self.lower_local(local, block),
            Stmt::Item(item) => {
                let place = ItemPlace {
                    scope: self.scope,
                    visible: block,
                };
                self.lower_item(item, place);
            }
            // A lone `;` is an empty verbatim expression with no tokens.
            Stmt::Expr(Expr::Verbatim(tokens), _) if tokens.is_empty() => {}
            Stmt::Expr(expr, semi) => {
                let value = self.lower_expr(expr);
                if semi.is_some() && matches!(value.kind, ValueKind::Call(_)) {
                    self.record_sink(SinkKind::Discard, value.clone());
                }
                return semi.is_none().then_some(value);
            }
            Stmt::Macro(m) => {
                let value = self.lower_macro(&m.mac);
                return m.semi_token.is_none().then_some(value);
            }
        }
        None
    }

    fn lower_local(&mut self, local: &Local, block: Span) {
        let value = local.init.as_ref().map(|init| {
            let value = self.lower_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.lower_expr(diverge);
            }
            value
        });
        // A `let` is seen only after its statement, so `let x = x.trim();`
        // resolves the right-hand `x` to the outer binding.
        let visible = Span::new(self.tok(local.semi_token.span).end, block.end);
        // `let key: [u8; 16] = rand::random();`: the annotation sizes the call.
        if let (Pat::Type(typed), Some(value)) = (&local.pat, &value)
            && let ValueKind::Call(id) = value.kind
            && let Some(len) = array_len(&typed.ty)
            && self.module.calls[id].args.is_empty()
        {
            self.module.calls[id].args.push(Arg {
                keyword: Some(ARRAY_LEN.to_string()),
                value: Value::new(ValueKind::Int(len), value.span),
            });
        }
        if let Some(value) = &value {
            self.record_unwrap(&local.pat, value, visible);
        }
        match (simple_binding(&local.pat), value) {
            (Some(ident), Some(value)) => self.bind_ident(ident, value, visible),
            _ => self.bind_pattern(&local.pat, visible),
        }
    }

    /// Binds every name a pattern introduces as `Unknown`: destructured and
    /// matched values are not modelled, but they must still shadow.
    fn bind_pattern(&mut self, pat: &Pat, visible: Span) {
        let mut idents = Vec::new();
        self.collect_pattern_idents(pat, &mut idents);
        for ident in idents {
            let value = Value::unknown(self.tok(ident.span()));
            self.bind_ident(ident, value, visible);
        }
    }

    fn collect_pattern_idents<'p>(&mut self, pat: &'p Pat, out: &mut Vec<&'p Ident>) {
        let span = self.tok(pat_first(pat));
        if !self.enter(span) {
            return;
        }
        match pat {
            Pat::Ident(p) => {
                out.push(&p.ident);
                if let Some((_, sub)) = &p.subpat {
                    self.collect_pattern_idents(sub, out);
                }
            }
            Pat::Tuple(p) => p.elems.iter().for_each(|e| self.collect_pattern_idents(e, out)),
            Pat::TupleStruct(p) => p.elems.iter().for_each(|e| self.collect_pattern_idents(e, out)),
            Pat::Slice(p) => p.elems.iter().for_each(|e| self.collect_pattern_idents(e, out)),
            Pat::Struct(p) => p.fields.iter().for_each(|f| self.collect_pattern_idents(&f.pat, out)),
            Pat::Reference(p) => self.collect_pattern_idents(&p.pat, out),
            Pat::Type(p) => self.collect_pattern_idents(&p.pat, out),
            Pat::Paren(p) => self.collect_pattern_idents(&p.pat, out),
            // Every alternative must bind the same names, so one is enough.
            Pat::Or(p) => {
                if let Some(first) = p.cases.first() {
                    self.collect_pattern_idents(first, out);
                }
            }
            _ => {}
        }
        self.leave();
    }

    // ----- expressions -----

    fn lower_expr(&mut self, expr: &Expr) -> Value {
        let span = self.expr_span(expr);
        if !self.enter(span) {
            return Value::unknown(span);
        }
        // Wrappers that do not change what a value is made of keep the inner
        // expression's span, so a finding (and a redaction) covers the
        // literal in `"k".as_bytes()` or `&KEY`, not the wrapper.
        let value = match transparent_inner(expr) {
            Some(inner) => self.lower_expr(inner),
            None => Value::new(self.lower_expr_kind(expr, span), span),
        };
        self.leave();
        value
    }

    fn lower_expr_kind(&mut self, expr: &Expr, span: Span) -> ValueKind {
        match expr {
            Expr::Lit(l) => lit_kind(&l.lit),
            Expr::Path(p) => path_expr_kind(p),
            Expr::Call(c) => self.lower_call(c, span),
            Expr::MethodCall(m) => self.lower_method_call(m, span),
            Expr::Macro(m) => self.lower_macro(&m.mac).kind,
            // Wrappers that do not change what the value is made of.
            Expr::Reference(r) => self.lower_expr(&r.expr).kind,
            Expr::Paren(p) => self.lower_expr(&p.expr).kind,
            Expr::Group(g) => self.lower_expr(&g.expr).kind,
            Expr::Try(t) => self.lower_expr(&t.expr).kind,
            Expr::Unary(u) => self.lower_unary(u),
            Expr::Field(f) => {
                let base = self.lower_expr(&f.base);
                ValueKind::Attr(Box::new(base), member_name(&f.member))
            }
            Expr::Index(i) => {
                let base = self.lower_expr(&i.expr);
                let index = self.lower_expr(&i.index);
                ValueKind::Index(Box::new(base), Box::new(index))
            }
            Expr::Array(a) => ValueKind::List(self.lower_exprs(a.elems.iter())),
            Expr::Tuple(t) => ValueKind::List(self.lower_exprs(t.elems.iter())),
            Expr::Struct(s) => self.lower_struct(s),
            Expr::Assign(a) => {
                self.note_reassignment(&a.left);
                let right = self.lower_expr(&a.right);
                if matches!(&*a.left, Expr::Field(_) | Expr::Index(_)) {
                    self.record_sink(SinkKind::Store, right.clone());
                }
                self.record_field_assignment(&a.left, right);
                ValueKind::Unknown
            }
            Expr::Binary(b) => {
                if is_compound_assign(&b.op) {
                    self.note_reassignment(&b.left);
                }
                let left = self.lower_expr(&b.left);
                let right = self.lower_expr(&b.right);
                match model_binop(&b.op) {
                    Some(op) => ValueKind::BinOp(op, Box::new(left), Box::new(right)),
                    None => ValueKind::Unknown,
                }
            }
            Expr::Closure(c) => ValueKind::Closure(Box::new(self.lower_closure(c))),
            Expr::If(i) => self.lower_if(i),
            Expr::Match(m) => self.lower_match(m),
            Expr::While(w) => {
                let body = self.block_span(&w.body);
                self.lower_condition(&w.cond, body.end);
                self.lower_block(&w.body);
                ValueKind::Unknown
            }
            Expr::ForLoop(f) => {
                self.lower_expr(&f.expr);
                let body = self.block_span(&f.body);
                self.bind_pattern(&f.pat, body);
                self.lower_block(&f.body);
                ValueKind::Unknown
            }
            Expr::Let(l) => {
                // Outside an `if`/`while` condition there is no region a
                // binding could be seen in; only the scrutinee matters.
                self.lower_expr(&l.expr);
                ValueKind::Unknown
            }
            // `{ …; value }` is its tail's value; a labelled block may break out early.
            Expr::Block(b) if b.label.is_none() => match self.lower_block(&b.block) {
                Some(tail) => tail.kind,
                None => ValueKind::Unknown,
            },
            Expr::Block(b) => self.lower_block_expr(&b.block),
            Expr::Async(b) => self.lower_block_expr(&b.block),
            Expr::Const(b) => self.lower_block_expr(&b.block),
            Expr::Unsafe(b) => self.lower_block_expr(&b.block),
            Expr::TryBlock(b) => self.lower_block_expr(&b.block),
            Expr::Loop(l) => self.lower_block_expr(&l.body),
            Expr::Await(a) => self.lower_unknown(&[&a.base]),
            Expr::Cast(c) => self.lower_unknown(&[&c.expr]),
            Expr::RawAddr(r) => self.lower_unknown(&[&r.expr]),
            Expr::Repeat(r) => self.lower_unknown(&[&r.expr, &r.len]),
            Expr::Return(r) => {
                if let Some(returned) = &r.expr {
                    let value = self.lower_expr(returned);
                    self.record_sink(SinkKind::Return, value.clone());
                    if let Some(function) = self.function {
                        self.module.functions[function].returns.push(value);
                    }
                }
                ValueKind::Unknown
            }
            Expr::Break(b) => self.lower_unknown(b.expr.as_deref().as_slice()),
            Expr::Yield(y) => self.lower_unknown(y.expr.as_deref().as_slice()),
            Expr::Range(r) => {
                let ends: Vec<&Expr> = r.start.iter().chain(r.end.iter()).map(|e| &**e).collect();
                self.lower_unknown(&ends)
            }
            Expr::Continue(_) | Expr::Infer(_) | Expr::Verbatim(_) => ValueKind::Unknown,
            other => self.lower_children(other),
        }
    }

    fn lower_exprs<'e>(&mut self, exprs: impl Iterator<Item = &'e Expr>) -> Vec<Value> {
        exprs.map(|e| self.lower_expr(e)).collect()
    }

    /// Lowers sub-expressions only for the calls and bindings inside them.
    fn lower_unknown(&mut self, children: &[&Expr]) -> ValueKind {
        for child in children {
            self.lower_expr(child);
        }
        ValueKind::Unknown
    }

    /// For expression kinds this frontend does not know (syn's `Expr` is
    /// non-exhaustive): still find the calls below them.
    fn lower_children(&mut self, expr: &Expr) -> ValueKind {
        let mut children = ChildNodes::default();
        syn::visit::visit_expr(&mut children, expr);
        for child in children.0 {
            match child {
                ChildNode::Expr(e) => {
                    self.lower_expr(e);
                }
                ChildNode::Block(b) => {
                    self.lower_block(b);
                }
            }
        }
        ValueKind::Unknown
    }

    fn lower_block_expr(&mut self, block: &Block) -> ValueKind {
        self.lower_block(block);
        ValueKind::Unknown
    }

    fn lower_unary(&mut self, unary: &syn::ExprUnary) -> ValueKind {
        let inner = self.lower_expr(&unary.expr);
        match (&unary.op, inner.kind) {
            (UnOp::Deref(_), kind) => kind,
            (UnOp::Neg(_), ValueKind::Int(n)) => n.checked_neg().map_or(ValueKind::Unknown, ValueKind::Int),
            (UnOp::Neg(_), ValueKind::Float) => ValueKind::Float,
            _ => ValueKind::Unknown,
        }
    }

    fn note_reassignment(&mut self, target: &Expr) {
        if let Expr::Path(p) = target
            && p.qself.is_none()
            && let Some(ident) = p.path.get_ident()
        {
            self.module.reassigned.push((self.scope, ident.to_string()));
        }
    }

    fn lower_call(&mut self, call: &ExprCall, span: Span) -> ValueKind {
        if call.args.len() == 1 && is_transparent_constructor(&call.func) {
            return self.lower_expr(&call.args[0]).kind;
        }
        // `String::new()` is the empty string, as `""` is.
        if call.args.is_empty()
            && let Expr::Path(p) = &*call.func
            && p.qself.is_none()
            && p.path.segments.len() == 2
            && p.path.segments[0].ident == "String"
            && p.path.segments[1].ident == "new"
        {
            return ValueKind::Str(String::new());
        }
        let callee = self.lower_expr(&call.func);
        let type_args = match &*call.func {
            Expr::Path(p) => p
                .path
                .segments
                .iter()
                .flat_map(|s| generic_type_names(&s.arguments))
                .collect(),
            _ => Vec::new(),
        };
        let mut args = self.positional_args(call.args.iter());
        // `rand::random::<[u8; 16]>()`: the size of what is generated.
        if let Expr::Path(p) = &*call.func
            && let Some(last) = p.path.segments.last()
            && let PathArguments::AngleBracketed(generic) = &last.arguments
            && let Some(syn::GenericArgument::Type(ty)) = generic.args.first()
            && let Some(len) = array_len(ty)
        {
            args.push(Arg {
                keyword: Some(ARRAY_LEN.to_string()),
                value: Value::new(ValueKind::Int(len), span),
            });
        }
        let id = self.push_call(callee, args, span, false);
        self.module.calls[id].type_args = type_args;
        ValueKind::Call(id)
    }

    fn lower_method_call(&mut self, call: &ExprMethodCall, span: Span) -> ValueKind {
        let method = call.method.to_string();
        if call.args.is_empty() && TRANSPARENT_METHODS.contains(&method.as_str()) {
            return self.lower_expr(&call.receiver).kind;
        }
        let receiver = self.lower_expr(&call.receiver);
        let callee = Value::new(
            ValueKind::Attr(Box::new(receiver), method),
            self.tok(call.method.span()),
        );
        let args = self.positional_args(call.args.iter());
        let id = self.push_call(callee, args, span, false);
        if let Some(turbofish) = &call.turbofish {
            self.module.calls[id].type_args = turbofish
                .args
                .iter()
                .filter_map(|arg| match arg {
                    syn::GenericArgument::Type(t) => innermost_type_name(t),
                    _ => None,
                })
                .collect();
        }
        ValueKind::Call(id)
    }

    fn positional_args<'e>(&mut self, exprs: impl Iterator<Item = &'e Expr>) -> Vec<Arg> {
        exprs
            .map(|e| Arg {
                keyword: None,
                value: self.lower_expr(e),
            })
            .collect()
    }

    fn lower_struct(&mut self, s: &ExprStruct) -> ValueKind {
        let type_path = Value::new(path_kind(&s.path), self.join(path_first(&s.path), path_last(&s.path)));
        let type_text = path_text(&s.path);
        let entries = s
            .fields
            .iter()
            .map(|field| {
                let name = member_name(&field.member);
                let key = Value::new(ValueKind::Str(name.clone()), self.tok(member_span(&field.member)));
                let value = self.lower_expr(&field.expr);
                // `Validation { validate_exp: false, .. }` configures like
                // `validation.validate_exp = false` does.
                self.module.settings.push(Setting {
                    name,
                    container: Some(type_text.clone()),
                    container_value: Some(type_path.clone()),
                    value: value.clone(),
                    name_span: key.span,
                    scope: self.scope,
                });
                (key, value)
            })
            .collect();
        if let Some(rest) = &s.rest {
            self.lower_expr(rest);
        }
        // `..Default::default()` fills the other fields with defaults, which
        // set nothing; any other base may set anything.
        let open = s.rest.as_deref().is_some_and(|rest| !is_default_call(rest));
        ValueKind::Dict { entries, open }
    }

    /// `validation.leeway = 600;`: a setting of the receiver. Any other
    /// target is lowered for the calls inside it.
    fn record_field_assignment(&mut self, target: &Expr, value: Value) {
        let Expr::Field(field) = target else {
            self.lower_expr(target);
            return;
        };
        let receiver = self.lower_expr(&field.base);
        let container = render_container(&receiver);
        self.module.settings.push(Setting {
            name: member_name(&field.member),
            container,
            container_value: Some(receiver),
            value,
            name_span: self.tok(member_span(&field.member)),
            scope: self.scope,
        });
    }

    /// A struct definition: its field names, and whether a flattened field
    /// can add more.
    fn lower_struct_def(&mut self, item: &syn::ItemStruct) {
        let mut entries = Vec::new();
        let mut field_types = Vec::new();
        let mut open = false;
        for field in &item.fields {
            if has_serde_flatten(&field.attrs) {
                open = true;
            }
            if let Some(ident) = &field.ident {
                let span = self.tok(ident.span());
                let name = serde_name(ident, &field.attrs);
                if let Some(ty) = innermost_type_name(&field.ty) {
                    field_types.push((name.clone(), ty));
                }
                entries.push((Value::new(ValueKind::Str(name), span), Value::unknown(span)));
            }
        }
        let span = self.tok(item.ident.span());
        self.module.structs.push(StructDef {
            name: item.ident.to_string(),
            span,
            derives: derives(&item.attrs),
            shape: Value::new(ValueKind::Dict { entries, open }, span),
            field_types,
        });
    }

    /// Binds a function parameter; `name: Type`, `name: &Type` and
    /// `name: &mut Type` bind a value known by its type.
    fn bind_parameter(&mut self, param: &syn::PatType, visible: Span) {
        // The parameter's type, with its first generic argument as an index
        // (`Query<Params>` is `Query[Params]`), as Python annotations read.
        if let Some(annotation) = self.type_annotation(&param.ty) {
            let name = simple_binding(&param.pat).map(|i| i.to_string()).unwrap_or_default();
            self.module.parameters.push(Parameter {
                name,
                span: self.tok(pat_first(&param.pat)),
                default: None,
                annotation: Some(annotation),
                scope: 0,
            });
        }
        let typed = simple_binding(&param.pat).zip(type_path(&param.ty));
        match typed {
            Some((ident, segments)) => {
                let value = Value::new(ValueKind::Typed(segments), self.tok(ident.span()));
                self.bind_ident(ident, value, visible);
            }
            None => self.bind_pattern(&param.pat, visible),
        }
    }

    fn type_annotation(&self, ty: &syn::Type) -> Option<Value> {
        let syn::Type::Path(p) = strip_references(ty) else {
            return None;
        };
        if p.qself.is_some() {
            return None;
        }
        let span = self.join(path_first(&p.path), path_last(&p.path));
        let outer = Value::new(path_kind(&p.path), span);
        let inner = p.path.segments.last().and_then(|last| match &last.arguments {
            PathArguments::AngleBracketed(generic) => generic.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(t) => type_path(t),
                _ => None,
            }),
            _ => None,
        });
        Some(match inner {
            Some(segments) => Value::new(
                ValueKind::Index(Box::new(outer), Box::new(Value::new(ValueKind::Typed(segments), span))),
                span,
            ),
            None => outer,
        })
    }

    /// Binds the closure's parameters in the enclosing scope (closures get
    /// no scope of their own) and returns the value the closure evaluates to.
    fn lower_closure(&mut self, closure: &ExprClosure) -> Value {
        let body_span = self.expr_span(&closure.body);
        for input in &closure.inputs {
            self.bind_pattern(input, body_span);
        }
        // A `return` in a closure returns from the closure.
        let outer_function = self.function.take();
        let value = match &*closure.body {
            Expr::Block(b) if b.label.is_none() => {
                self.lower_block(&b.block).unwrap_or_else(|| Value::unknown(body_span))
            }
            body => self.lower_expr(body),
        };
        self.function = outer_function;
        value
    }

    /// An `if` with an `else` is one of its branches' values.
    fn lower_if(&mut self, expr: &ExprIf) -> ValueKind {
        let then_span = self.block_span(&expr.then_branch);
        self.lower_condition(&expr.cond, then_span.end);
        let then_value = self.lower_block(&expr.then_branch);
        let else_value = expr
            .else_branch
            .as_ref()
            .map(|(_, otherwise)| self.lower_expr(otherwise));
        match (then_value, else_value) {
            (Some(yes), Some(no)) if !yes.is_unknown() && !no.is_unknown() => ValueKind::Choice(vec![yes, no]),
            _ => ValueKind::Unknown,
        }
    }

    /// Lowers an `if`/`while` condition; the names its `let`s (including
    /// `let` chains) bind are visible from the end of each `let` up to
    /// `visible_end`, which covers the later conditions and the body.
    fn lower_condition(&mut self, cond: &Expr, visible_end: usize) {
        let span = self.expr_span(cond);
        match cond {
            Expr::Let(l) => {
                let source = self.lower_expr(&l.expr);
                let visible = Span::new(span.end, visible_end);
                self.record_unwrap(&l.pat, &source, visible);
                self.bind_pattern(&l.pat, visible);
            }
            Expr::Binary(b) if matches!(b.op, BinOp::And(_)) => {
                if !self.enter(span) {
                    return;
                }
                self.lower_condition(&b.left, visible_end);
                self.lower_condition(&b.right, visible_end);
                self.leave();
            }
            other => {
                self.lower_expr(other);
            }
        }
    }

    /// A `match` is one of its arms' values.
    fn lower_match(&mut self, expr: &ExprMatch) -> ValueKind {
        let scrutinee = self.lower_expr(&expr.expr);
        let mut arms = Vec::new();
        for arm in &expr.arms {
            let body = self.expr_span(&arm.body);
            let start = match &arm.guard {
                Some((if_token, _)) => self.tok(if_token.span).start,
                None => body.start,
            };
            self.record_unwrap(&arm.pat, &scrutinee, Span::new(start, body.end));
            self.bind_pattern(&arm.pat, Span::new(start, body.end));
            if let Some((_, guard)) = &arm.guard {
                self.lower_expr(guard);
            }
            arms.push(self.lower_expr(&arm.body));
        }
        if arms.is_empty() || arms.iter().any(Value::is_unknown) {
            ValueKind::Unknown
        } else {
            ValueKind::Choice(arms)
        }
    }

    // ----- macros -----

    /// Lowers a macro invocation as a call (except `vec!`, which is a list)
    /// and returns its value.
    fn lower_macro(&mut self, mac: &Macro) -> Value {
        let span = self.macro_span(mac);
        let tokens: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
        if is_vec_macro(&mac.path) {
            return Value::new(self.lower_vec_macro(&tokens), span);
        }
        let raw = self.lower_macro_args(&tokens);
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let template_at = template_position(&name, &raw);
        // The arguments first, so the template's holes can hold them.
        let mut values: Vec<Option<Value>> = raw
            .iter()
            .enumerate()
            .map(|(i, arg)| match &arg.expr {
                _ if Some(i) == template_at => None,
                Some(expr) => Some(self.lower_expr(expr)),
                None => Some(Value::unknown(arg.span)),
            })
            .collect();
        if let Some(i) = template_at
            && let Some(Expr::Lit(syn::ExprLit { lit: Lit::Str(lit), .. })) = &raw[i].expr
        {
            // Only arguments after the template are format arguments; keywords
            // before it are tracing fields, which `{name}` does not see.
            let mut positional = Vec::new();
            let mut named = Vec::new();
            for (arg, value) in raw[i + 1..].iter().zip(&values[i + 1..]) {
                let value = value.clone().unwrap_or_else(|| Value::unknown(arg.span));
                match &arg.keyword {
                    Some(keyword) => named.push((keyword.as_str(), value)),
                    None => positional.push(value),
                }
            }
            let template = self.lower_template(lit, &named, &positional);
            if matches!(template.kind, ValueKind::Template(_)) {
                self.module.templates.push((template.clone(), self.scope));
            }
            values[i] = Some(template);
        }
        let args: Vec<Arg> = raw
            .iter()
            .zip(values)
            .map(|(arg, value)| Arg {
                keyword: arg.keyword.clone(),
                value: value.unwrap_or_else(|| Value::unknown(arg.span)),
            })
            .collect();
        let callee = self.macro_callee(mac);
        let id = self.push_call(callee, args, span, true);
        Value::new(ValueKind::Call(id), span)
    }

    fn macro_callee(&self, mac: &Macro) -> Value {
        let mut segments: Vec<String> = mac.path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(last) = segments.last_mut() {
            last.push('!');
        }
        let span = self.join(path_first(&mac.path), mac.bang_token.spans[0]);
        let kind = if segments.len() == 1 {
            ValueKind::Name(segments.remove(0))
        } else {
            ValueKind::Path(segments)
        };
        Value::new(kind, span)
    }

    /// `vec![a, b]` is a list display; `vec![x; n]` is not modelled.
    fn lower_vec_macro(&mut self, tokens: &[TokenTree]) -> ValueKind {
        let repeat = tokens.iter().any(|t| is_punct(t, ';'));
        let values: Vec<Value> = self
            .lower_macro_args(tokens)
            .into_iter()
            .map(|arg| match arg.expr {
                Some(expr) => self.lower_expr(&expr),
                None => Value::unknown(arg.span),
            })
            .collect();
        if repeat {
            ValueKind::Unknown
        } else {
            ValueKind::List(values)
        }
    }

    /// Splits macro tokens into arguments at top-level `,`/`;` and parses
    /// each as an optionally keyworded expression.
    fn lower_macro_args(&mut self, tokens: &[TokenTree]) -> Vec<RawArg> {
        let chunks = split_chunks(tokens);
        let mut args = Vec::new();
        let mut i = 0;
        while i < chunks.len() {
            let first = &chunks[i];
            let merged = (i..chunks.len().min(i + 1 + MAX_CHUNK_MERGE)).find_map(|j| {
                let slice = &tokens[first.start..chunks[j].end];
                parse_macro_arg(slice).map(|(keyword, expr)| (j, keyword, expr))
            });
            match merged {
                Some((j, keyword, expr)) => {
                    let span = self.tokens_span(&tokens[first.start..chunks[j].end]);
                    args.push(RawArg {
                        keyword,
                        expr: Some(expr),
                        span,
                    });
                    i = j + 1;
                }
                None => {
                    let slice = &tokens[first.clone()];
                    let keyword = split_keyword(strip_sigil(slice).1).map(|(name, _)| name);
                    args.push(RawArg {
                        keyword,
                        expr: None,
                        span: self.tokens_span(slice),
                    });
                    i += 1;
                }
            }
        }
        args
    }

    fn tokens_span(&self, tokens: &[TokenTree]) -> Span {
        match (tokens.first(), tokens.last()) {
            (Some(first), Some(last)) => self.join(first.span(), last.span()),
            _ => Span::new(self.base, self.base),
        }
    }

    /// Lowers a format string to its literal text and holes. Without any
    /// hole it stays a string, with `{{`/`}}` unescaped.
    /// `{}` and `{0}` holes take the positional arguments, `{name}` a named
    /// one, and a bare `{token}` captures the variable of that name.
    fn lower_template(&self, lit: &syn::LitStr, named: &[(&str, Value)], positional: &[Value]) -> Value {
        let text = lit.value();
        let lit_span = self.tok(lit.span());
        let Some(pieces) = parse_format_string(&text) else {
            return Value::new(ValueKind::Str(text), lit_span);
        };
        // Exact offsets inside the literal are only known when its source
        // text is the decoded text between plain quotes (no escapes, not raw).
        let inner_start = (self.source.get(lit_span.start..lit_span.end) == Some(format!("\"{text}\"").as_str()))
            .then_some(lit_span.start + 1);
        let at = |range: Range<usize>| match inner_start {
            Some(start) => Span::new(start + range.start, start + range.end),
            None => lit_span,
        };
        let mut parts = Vec::new();
        let mut has_hole = false;
        let mut next_positional = 0;
        for piece in pieces {
            match piece {
                FormatPiece::Lit(s) => parts.push(TemplatePart::Lit(s)),
                FormatPiece::Hole { whole, arg } => {
                    has_hole = true;
                    let name = &text[arg.clone()];
                    let value = if name.is_empty() {
                        next_positional += 1;
                        positional.get(next_positional - 1).cloned()
                    } else if let Ok(index) = name.parse::<usize>() {
                        positional.get(index).cloned()
                    } else if let Some((_, value)) = named.iter().find(|(n, _)| *n == name) {
                        Some(value.clone())
                    } else if is_identifier(name) {
                        Some(Value::new(ValueKind::Name(name.to_string()), at(arg)))
                    } else {
                        None
                    };
                    parts.push(TemplatePart::Hole(value.unwrap_or_else(|| Value::unknown(at(whole)))));
                }
            }
        }
        if has_hole {
            return Value::new(ValueKind::Template(parts), lit_span);
        }
        let joined = parts
            .into_iter()
            .map(|p| match p {
                TemplatePart::Lit(s) => s,
                TemplatePart::Hole(_) => String::new(),
            })
            .collect();
        Value::new(ValueKind::Str(joined), lit_span)
    }
}

// ----- child collection for unknown expression kinds -----

enum ChildNode<'a> {
    Expr(&'a Expr),
    Block(&'a Block),
}

/// Collects the nearest expressions and blocks below a node, without
/// descending further: the lowerer recurses into them itself.
#[derive(Default)]
struct ChildNodes<'a>(Vec<ChildNode<'a>>);

impl<'a> Visit<'a> for ChildNodes<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        self.0.push(ChildNode::Expr(expr));
    }

    fn visit_block(&mut self, block: &'a Block) {
        self.0.push(ChildNode::Block(block));
    }
}

// ----- syntax helpers -----

/// The attributes of an item, for the kinds that can carry `#[cfg(test)]`.
fn item_attributes(item: &Item) -> Option<&[syn::Attribute]> {
    let attrs = match item {
        Item::Fn(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Const(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        _ => return None,
    };
    (!attrs.is_empty()).then_some(attrs.as_slice())
}

/// `#[cfg(test)]`, or `#[cfg(all(test, …))]`: compiled only for tests.
/// (`any(test, …)` and `not(test)` are compiled outside tests too.)
fn is_cfg_test(attr: &syn::Attribute) -> bool {
    if !attr.path().is_ident("cfg") {
        return false;
    }
    let syn::Meta::List(list) = &attr.meta else {
        return false;
    };
    let mut tokens = list.tokens.clone().into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Ident(ident)), None) => ident == "test",
        (Some(TokenTree::Ident(ident)), Some(TokenTree::Group(group))) if ident == "all" => {
            top_level_idents(group.stream()).iter().any(|i| i == "test")
        }
        _ => false,
    }
}

/// The identifiers that stand alone between commas in `a, b = "x", c(d)`: `a`.
fn top_level_idents(stream: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let mut chunk: Vec<TokenTree> = Vec::new();
    for token in stream
        .into_iter()
        .chain(std::iter::once(TokenTree::Punct(proc_macro2::Punct::new(
            ',',
            Spacing::Alone,
        ))))
    {
        if is_punct(&token, ',') {
            if let [TokenTree::Ident(ident)] = chunk.as_slice() {
                out.push(ident.to_string());
            }
            chunk.clear();
        } else {
            chunk.push(token);
        }
    }
    out
}

/// `#[test]` and the test attributes of async runtimes and test frameworks.
fn is_test_attribute(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    let last = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    matches!(last.as_str(), "test" | "rstest" | "test_case")
}

fn lit_kind(lit: &Lit) -> ValueKind {
    match lit {
        Lit::Str(s) => ValueKind::Str(s.value()),
        Lit::ByteStr(b) => ValueKind::Bytes(b.value()),
        Lit::CStr(c) => ValueKind::Bytes(c.value().into_bytes()),
        Lit::Int(i) => i.base10_parse::<i128>().map_or(ValueKind::Unknown, ValueKind::Int),
        Lit::Float(_) => ValueKind::Float,
        Lit::Bool(b) => ValueKind::Bool(b.value),
        _ => ValueKind::Unknown,
    }
}

/// A path as a name or segment list; generic arguments are dropped so
/// `decode::<Claims>` still resolves through `use jsonwebtoken::decode`.
fn path_expr_kind(expr: &ExprPath) -> ValueKind {
    if expr.qself.is_some() {
        return ValueKind::Unknown;
    }
    if expr.path.is_ident("None") {
        return ValueKind::Null;
    }
    let mut segments: Vec<String> = expr.path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.len() {
        0 => ValueKind::Unknown,
        1 => ValueKind::Name(segments.remove(0)),
        _ => ValueKind::Path(segments),
    }
}

/// The keyword under which a call records the length of the `[u8; N]` it is
/// generic over or annotated with (`rand::random::<[u8; 16]>()`): calls in
/// Rust have no keyword arguments, so this name cannot clash.
pub const ARRAY_LEN: &str = "[u8; N]";

/// `Default::default()`, `T::default()`.
fn is_default_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if call.args.is_empty()
        && matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "default")))
}

/// `N` of a `[u8; N]` type with a literal length.
fn array_len(ty: &syn::Type) -> Option<i128> {
    let syn::Type::Array(array) = ty else { return None };
    match &array.len {
        Expr::Lit(syn::ExprLit { lit: Lit::Int(n), .. }) => n.base10_parse().ok(),
        _ => None,
    }
}

fn path_kind(path: &Path) -> ValueKind {
    let mut segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.len() {
        0 => ValueKind::Unknown,
        1 => ValueKind::Name(segments.remove(0)),
        _ => ValueKind::Path(segments),
    }
}

fn path_text(path: &Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// `a.b.c` for a receiver made of names and fields, for messages and
/// `container` patterns.
fn render_container(value: &Value) -> Option<String> {
    match &value.kind {
        ValueKind::Name(name) => Some(name.clone()),
        ValueKind::Path(segments) => Some(segments.join("::")),
        ValueKind::Attr(base, field) => Some(format!("{}.{field}", render_container(base)?)),
        _ => None,
    }
}

fn strip_references(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Reference(r) => strip_references(&r.elem),
        syn::Type::Paren(p) => strip_references(&p.elem),
        syn::Type::Group(g) => strip_references(&g.elem),
        other => other,
    }
}

/// The path of a parameter's type, through `&` and `&mut`: `Validation`,
/// `jsonwebtoken::Validation`. Generic and other types are not followed.
fn type_path(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        syn::Type::Group(g) => type_path(&g.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let segments: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            (!segments.is_empty()).then_some(segments)
        }
        _ => None,
    }
}

/// The type names in a path segment's generic arguments
/// (`Token::<Header, Claims, _>` gives `Header`, `Claims`).
fn generic_type_names(arguments: &PathArguments) -> Vec<String> {
    let PathArguments::AngleBracketed(generic) = arguments else {
        return Vec::new();
    };
    generic
        .args
        .iter()
        .filter_map(|arg| match arg {
            syn::GenericArgument::Type(t) => innermost_type_name(t),
            _ => None,
        })
        .collect()
}

/// The last segment of a type, with `Option`, `Vec`, `Box`, `Arc`, `Rc`
/// and references taken off: `Option<Vec<H160>>` is `H160`.
fn innermost_type_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = strip_references(ty) else {
        return None;
    };
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    if matches!(name.as_str(), "Option" | "Vec" | "Box" | "Arc" | "Rc" | "Cow")
        && let PathArguments::AngleBracketed(generic) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) =
            generic.args.iter().find(|a| matches!(a, syn::GenericArgument::Type(_)))
    {
        return innermost_type_name(inner);
    }
    Some(name)
}

/// The traits a `#[derive(...)]` names, by their last path segment.
fn derives(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(last) = meta.path.segments.last() {
                out.push(last.ident.to_string());
            }
            Ok(())
        });
    }
    out
}

/// Whether a field carries `#[serde(flatten)]`.
fn has_serde_flatten(attrs: &[syn::Attribute]) -> bool {
    serde_options(attrs).iter().any(|(key, _)| key == "flatten")
}

/// A field's name as serialised: `#[serde(rename = "…")]` wins.
fn serde_name(ident: &Ident, attrs: &[syn::Attribute]) -> String {
    serde_options(attrs)
        .into_iter()
        .find_map(|(key, value)| (key == "rename").then_some(value).flatten())
        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string())
}

fn serde_options(attrs: &[syn::Attribute]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            let value = match meta.value() {
                Ok(stream) => stream.parse::<syn::LitStr>().ok().map(|l| l.value()),
                Err(_) => None,
            };
            out.push((key, value));
            Ok(())
        });
    }
    out
}

fn model_binop(op: &BinOp) -> Option<crate::model::BinOp> {
    use crate::model::BinOp as M;
    match op {
        BinOp::Add(_) => Some(M::Add),
        BinOp::Sub(_) => Some(M::Sub),
        BinOp::Mul(_) => Some(M::Mul),
        BinOp::Div(_) => Some(M::Div),
        BinOp::Rem(_) => Some(M::Mod),
        _ => None,
    }
}

fn member_name(member: &Member) -> String {
    match member {
        Member::Named(ident) => ident.to_string(),
        Member::Unnamed(index) => index.index.to_string(),
    }
}

fn member_span(member: &Member) -> PSpan {
    match member {
        Member::Named(ident) => ident.span(),
        Member::Unnamed(index) => index.span,
    }
}

fn is_compound_assign(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

/// `String::from(x)`, `Vec::from(x)`, `String::from_str(x)`: copies of `x`.
/// The operand of an expression that is transparent for resolution:
/// `&x`, `(x)`, `x?`, `x.as_bytes()`, `String::from(x)`.
fn transparent_inner(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Reference(r) => Some(&r.expr),
        Expr::Paren(p) => Some(&p.expr),
        Expr::Group(g) => Some(&g.expr),
        Expr::Try(t) => Some(&t.expr),
        // `x as usize` keeps the value (an expiry, a size) it converts.
        Expr::Cast(c) => Some(&c.expr),
        Expr::MethodCall(m) if m.args.is_empty() && TRANSPARENT_METHODS.contains(&m.method.to_string().as_str()) => {
            Some(&m.receiver)
        }
        Expr::Call(c) if c.args.len() == 1 && is_transparent_constructor(&c.func) => c.args.first(),
        _ => None,
    }
}

fn is_transparent_constructor(func: &Expr) -> bool {
    let Expr::Path(p) = func else { return false };
    if p.qself.is_some() {
        return false;
    }
    let segments: Vec<&Ident> = p.path.segments.iter().map(|s| &s.ident).collect();
    // `Some(x)` holds x: what is optional does not change what it is.
    if let [only] = segments.as_slice() {
        return *only == "Some";
    }
    let [.., ty, method] = segments.as_slice() else {
        return false;
    };
    (*ty == "String" && (*method == "from" || *method == "from_str")) || (*ty == "Vec" && *method == "from")
}

/// A `let` pattern that names the whole value: `x`, `mut x`, `x: T`.
fn simple_binding(pat: &Pat) -> Option<&Ident> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Some(&p.ident),
        Pat::Type(p) => simple_binding(&p.pat),
        Pat::Paren(p) => simple_binding(&p.pat),
        _ => None,
    }
}

/// `…Lazy…::new(|| …)` with a closure as its only argument.
fn lazy_closure(init: &Expr) -> Option<(&ExprCall, &ExprClosure)> {
    let Expr::Call(call) = init else { return None };
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    if path.qself.is_some() || call.args.len() != 1 {
        return None;
    }
    let segments: Vec<&Ident> = path.path.segments.iter().map(|s| &s.ident).collect();
    let [.., ty, method] = segments.as_slice() else {
        return None;
    };
    if *method != "new" || !ty.to_string().contains("Lazy") {
        return None;
    }
    match &call.args[0] {
        Expr::Closure(closure) => Some((call, closure)),
        _ => None,
    }
}

fn is_vec_macro(path: &Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [name] => name == "vec",
        [krate, name] => name == "vec" && (krate == "std" || krate == "alloc"),
        _ => false,
    }
}

/// Which macro argument is a format string, if any.
fn template_position(name: &str, args: &[RawArg]) -> Option<usize> {
    let mut positional = args.iter().enumerate().filter(|(_, a)| a.keyword.is_none());
    if FORMAT_MACROS.contains(&name) {
        positional.next().map(|(i, _)| i)
    } else if WRITE_MACROS.contains(&name) {
        positional.nth(1).map(|(i, _)| i)
    } else if LOG_MACROS.contains(&name) {
        positional
            .find(|(_, a)| matches!(&a.expr, Some(Expr::Lit(l)) if matches!(l.lit, Lit::Str(_))))
            .map(|(i, _)| i)
    } else {
        None
    }
}

fn is_punct(tree: &TokenTree, ch: char) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == ch)
}

/// Index ranges of the non-empty chunks between top-level `,` and `;`.
/// Groups are single trees, so separators nested in them never split.
fn split_chunks(tokens: &[TokenTree]) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for (i, tree) in tokens.iter().enumerate() {
        if is_punct(tree, ',') || is_punct(tree, ';') {
            chunks.push(start..i);
            start = i + 1;
        }
    }
    chunks.push(start..tokens.len());
    chunks.retain(|c| !c.is_empty());
    chunks
}

/// Parses one macro argument: `expr`, `name = expr`, `a.b = expr`,
/// `name: expr` (tracing's `target:`), or tracing's `%x` / `?x` shorthand.
fn parse_macro_arg(tokens: &[TokenTree]) -> Option<(Option<String>, Expr)> {
    let (sigil, rest) = strip_sigil(tokens);
    if let Some((name, value)) = split_keyword(rest) {
        return Some((Some(name), parse_expr(strip_sigil(value).1)?));
    }
    let expr = parse_expr(rest)?;
    let keyword = if sigil { dotted_name(rest) } else { None };
    Some((keyword, expr))
}

fn parse_expr(tokens: &[TokenTree]) -> Option<Expr> {
    if tokens.is_empty() {
        return None;
    }
    syn::parse2::<Expr>(tokens.iter().cloned().collect::<TokenStream>()).ok()
}

/// Strips tracing's `%` (Display) or `?` (Debug) field sigil.
fn strip_sigil(tokens: &[TokenTree]) -> (bool, &[TokenTree]) {
    match tokens.split_first() {
        Some((first, rest)) if is_punct(first, '%') || is_punct(first, '?') => (true, rest),
        _ => (false, tokens),
    }
}

/// Splits `name = value`, `a.b.c = value` or `name: value` into the keyword
/// and the value tokens. A lone `=`/`:` is required so `==`, `=>` and `::`
/// are not mistaken for it.
fn split_keyword(tokens: &[TokenTree]) -> Option<(String, &[TokenTree])> {
    let mut names = Vec::new();
    let mut i = 0;
    loop {
        let TokenTree::Ident(ident) = tokens.get(i)? else {
            return None;
        };
        names.push(ident.unraw().to_string());
        match tokens.get(i + 1)? {
            TokenTree::Punct(p) if p.as_char() == '.' => i += 2,
            TokenTree::Punct(p) if p.as_char() == '=' && p.spacing() == Spacing::Alone => break,
            TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Alone && names.len() == 1 => {
                break;
            }
            _ => return None,
        }
    }
    let value = &tokens[i + 2..];
    (!value.is_empty()).then(|| (names.join("."), value))
}

/// `a` or `a.b.c` as tracing spells a field name.
fn dotted_name(tokens: &[TokenTree]) -> Option<String> {
    let mut names = Vec::new();
    for (i, tree) in tokens.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if i % 2 == 0 => names.push(ident.unraw().to_string()),
            TokenTree::Punct(p) if i % 2 == 1 && p.as_char() == '.' => {}
            _ => return None,
        }
    }
    (tokens.len() % 2 == 1).then(|| names.join("."))
}

enum FormatPiece {
    Lit(String),
    /// `whole` is the `{…}` placeholder, `arg` the argument name before any `:`;
    /// both are byte ranges into the format string.
    Hole {
        whole: Range<usize>,
        arg: Range<usize>,
    },
}

/// Splits a format string into text and placeholders; `None` when it is not
/// a valid format string (then it is kept as a plain string).
fn parse_format_string(text: &str) -> Option<Vec<FormatPiece>> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'}' if bytes.get(i + 1) == Some(&bytes[i]) => {
                lit.push_str(&text[run_start..=i]);
                i += 2;
                run_start = i;
            }
            b'{' => {
                lit.push_str(&text[run_start..i]);
                if !lit.is_empty() {
                    pieces.push(FormatPiece::Lit(std::mem::take(&mut lit)));
                }
                let close = i + text[i..].find('}')?;
                let inner = i + 1..close;
                let arg_end = text[inner.clone()].find(':').map_or(close, |c| inner.start + c);
                let arg = trim_range(text, inner.start..arg_end);
                pieces.push(FormatPiece::Hole {
                    whole: i..close + 1,
                    arg,
                });
                i = close + 1;
                run_start = i;
            }
            b'}' => return None,
            _ => i += 1,
        }
    }
    lit.push_str(&text[run_start..]);
    if !lit.is_empty() {
        pieces.push(FormatPiece::Lit(lit));
    }
    Some(pieces)
}

fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.end - (slice.len() - slice.trim_end().len());
    start..end.max(start)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    s != "_" && chars.all(|c| c == '_' || c.is_alphanumeric())
}

// ----- first/last tokens -----

fn path_first(path: &Path) -> PSpan {
    match (&path.leading_colon, path.segments.first()) {
        (Some(colon), _) => colon.spans[0],
        (None, Some(segment)) => segment.ident.span(),
        (None, None) => PSpan::call_site(),
    }
}

fn path_last(path: &Path) -> PSpan {
    let Some(segment) = path.segments.last() else {
        return PSpan::call_site();
    };
    match &segment.arguments {
        PathArguments::None => segment.ident.span(),
        PathArguments::AngleBracketed(args) => args.gt_token.spans[0],
        PathArguments::Parenthesized(args) => match &args.output {
            ReturnType::Type(_, ty) => ty.span(),
            ReturnType::Default => args.paren_token.span.close(),
        },
    }
}

fn macro_close(mac: &Macro) -> PSpan {
    match &mac.delimiter {
        MacroDelimiter::Paren(p) => p.span.close(),
        MacroDelimiter::Brace(b) => b.span.close(),
        MacroDelimiter::Bracket(b) => b.span.close(),
    }
}

fn label_first(label: &Option<syn::Label>, keyword: PSpan) -> PSpan {
    label.as_ref().map_or(keyword, |l| l.name.apostrophe)
}

fn signature_first(sig: &Signature) -> PSpan {
    if let Some(t) = &sig.constness {
        t.span
    } else if let Some(t) = &sig.asyncness {
        t.span
    } else if let Some(t) = &sig.unsafety {
        t.span
    } else if let Some(abi) = &sig.abi {
        abi.extern_token.span
    } else {
        sig.fn_token.span
    }
}

fn closure_first(c: &ExprClosure) -> PSpan {
    if let Some(l) = &c.lifetimes {
        l.for_token.span
    } else if let Some(t) = &c.constness {
        t.span
    } else if let Some(t) = &c.movability {
        t.span
    } else if let Some(t) = &c.asyncness {
        t.span
    } else if let Some(t) = &c.capture {
        t.span
    } else {
        c.or1_token.spans[0]
    }
}

fn pat_first(pat: &Pat) -> PSpan {
    match pat {
        Pat::Ident(p) => p.ident.span(),
        Pat::Tuple(p) => p.paren_token.span.open(),
        Pat::Slice(p) => p.bracket_token.span.open(),
        Pat::Paren(p) => p.paren_token.span.open(),
        Pat::Reference(p) => p.and_token.spans[0],
        Pat::Type(p) => pat_first(&p.pat),
        Pat::TupleStruct(p) => path_first(&p.path),
        Pat::Struct(p) => path_first(&p.path),
        other => other.span(),
    }
}

fn verbatim_first(tokens: &TokenStream) -> PSpan {
    tokens
        .clone()
        .into_iter()
        .next()
        .map_or_else(PSpan::call_site, |t| t.span())
}

fn verbatim_last(tokens: &TokenStream) -> PSpan {
    tokens
        .clone()
        .into_iter()
        .last()
        .map_or_else(PSpan::call_site, |t| t.span())
}

/// The span of an expression's first token, ignoring outer attributes.
/// Iterative, so long left-leaning chains (`a.b().c()…`) cost no stack.
fn expr_first(mut expr: &Expr) -> PSpan {
    loop {
        expr = match expr {
            Expr::Assign(e) => &e.left,
            Expr::Await(e) => &e.base,
            Expr::Binary(e) => &e.left,
            Expr::Call(e) => &e.func,
            Expr::Cast(e) => &e.expr,
            Expr::Field(e) => &e.base,
            Expr::Group(e) => &e.expr,
            Expr::Index(e) => &e.expr,
            Expr::MethodCall(e) => &e.receiver,
            Expr::Try(e) => &e.expr,
            Expr::Range(e) => match &e.start {
                Some(start) => start,
                None => return range_limits_first(&e.limits),
            },
            other => return expr_own_first(other),
        };
    }
}

fn expr_own_first(expr: &Expr) -> PSpan {
    match expr {
        Expr::Array(e) => e.bracket_token.span.open(),
        Expr::Async(e) => e.async_token.span,
        Expr::Block(e) => label_first(&e.label, e.block.brace_token.span.open()),
        Expr::Break(e) => e.break_token.span,
        Expr::Closure(e) => closure_first(e),
        Expr::Const(e) => e.const_token.span,
        Expr::Continue(e) => e.continue_token.span,
        Expr::ForLoop(e) => label_first(&e.label, e.for_token.span),
        Expr::If(e) => e.if_token.span,
        Expr::Infer(e) => e.underscore_token.spans[0],
        Expr::Let(e) => e.let_token.span,
        Expr::Lit(e) => e.lit.span(),
        Expr::Loop(e) => label_first(&e.label, e.loop_token.span),
        Expr::Macro(e) => path_first(&e.mac.path),
        Expr::Match(e) => e.match_token.span,
        Expr::Paren(e) => e.paren_token.span.open(),
        Expr::Path(e) => e
            .qself
            .as_ref()
            .map_or_else(|| path_first(&e.path), |q| q.lt_token.spans[0]),
        Expr::RawAddr(e) => e.and_token.spans[0],
        Expr::Reference(e) => e.and_token.spans[0],
        Expr::Repeat(e) => e.bracket_token.span.open(),
        Expr::Return(e) => e.return_token.span,
        Expr::Struct(e) => e
            .qself
            .as_ref()
            .map_or_else(|| path_first(&e.path), |q| q.lt_token.spans[0]),
        Expr::TryBlock(e) => e.try_token.span,
        Expr::Tuple(e) => e.paren_token.span.open(),
        Expr::Unary(e) => unop_span(&e.op),
        Expr::Unsafe(e) => e.unsafe_token.span,
        Expr::Verbatim(tokens) => verbatim_first(tokens),
        Expr::While(e) => label_first(&e.label, e.while_token.span),
        Expr::Yield(e) => e.yield_token.span,
        other => other.span(),
    }
}

/// The span of an expression's last token. Iterative like `expr_first`.
fn expr_last(mut expr: &Expr) -> PSpan {
    loop {
        expr = match expr {
            Expr::Assign(e) => &e.right,
            Expr::Binary(e) => &e.right,
            Expr::Closure(e) => &e.body,
            Expr::Group(e) => &e.expr,
            Expr::Let(e) => &e.expr,
            Expr::RawAddr(e) => &e.expr,
            Expr::Reference(e) => &e.expr,
            Expr::Unary(e) => &e.expr,
            Expr::If(e) => match &e.else_branch {
                Some((_, otherwise)) => otherwise,
                None => return e.then_branch.brace_token.span.close(),
            },
            Expr::Range(e) => match &e.end {
                Some(end) => end,
                None => return range_limits_last(&e.limits),
            },
            Expr::Break(e) => match (&e.expr, &e.label) {
                (Some(value), _) => value,
                (None, Some(label)) => return label.ident.span(),
                (None, None) => return e.break_token.span,
            },
            Expr::Return(e) => match &e.expr {
                Some(value) => value,
                None => return e.return_token.span,
            },
            Expr::Yield(e) => match &e.expr {
                Some(value) => value,
                None => return e.yield_token.span,
            },
            other => return expr_own_last(other),
        };
    }
}

fn expr_own_last(expr: &Expr) -> PSpan {
    match expr {
        Expr::Array(e) => e.bracket_token.span.close(),
        Expr::Async(e) => e.block.brace_token.span.close(),
        Expr::Await(e) => e.await_token.span,
        Expr::Block(e) => e.block.brace_token.span.close(),
        Expr::Call(e) => e.paren_token.span.close(),
        Expr::Cast(e) => e.ty.span(),
        Expr::Const(e) => e.block.brace_token.span.close(),
        Expr::Continue(e) => e.label.as_ref().map_or(e.continue_token.span, |l| l.ident.span()),
        Expr::Field(e) => member_span(&e.member),
        Expr::ForLoop(e) => e.body.brace_token.span.close(),
        Expr::Index(e) => e.bracket_token.span.close(),
        Expr::Infer(e) => e.underscore_token.spans[0],
        Expr::Lit(e) => e.lit.span(),
        Expr::Loop(e) => e.body.brace_token.span.close(),
        Expr::Macro(e) => macro_close(&e.mac),
        Expr::Match(e) => e.brace_token.span.close(),
        Expr::MethodCall(e) => e.paren_token.span.close(),
        Expr::Paren(e) => e.paren_token.span.close(),
        Expr::Path(e) => path_last(&e.path),
        Expr::Repeat(e) => e.bracket_token.span.close(),
        Expr::Struct(e) => e.brace_token.span.close(),
        Expr::Try(e) => e.question_token.spans[0],
        Expr::TryBlock(e) => e.block.brace_token.span.close(),
        Expr::Tuple(e) => e.paren_token.span.close(),
        Expr::Unsafe(e) => e.block.brace_token.span.close(),
        Expr::Verbatim(tokens) => verbatim_last(tokens),
        Expr::While(e) => e.body.brace_token.span.close(),
        other => other.span(),
    }
}

fn unop_span(op: &UnOp) -> PSpan {
    match op {
        UnOp::Deref(t) => t.spans[0],
        UnOp::Not(t) => t.spans[0],
        UnOp::Neg(t) => t.spans[0],
        other => other.span(),
    }
}

fn range_limits_first(limits: &RangeLimits) -> PSpan {
    match limits {
        RangeLimits::HalfOpen(t) => t.spans[0],
        RangeLimits::Closed(t) => t.spans[0],
    }
}

fn range_limits_last(limits: &RangeLimits) -> PSpan {
    match limits {
        RangeLimits::HalfOpen(t) => t.spans[1],
        RangeLimits::Closed(t) => t.spans[2],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(source: &str) -> Module {
        lower_rust(source).expect("source should parse")
    }

    fn text(source: &str, span: Span) -> &str {
        &source[span.start..span.end]
    }

    fn bindings<'m>(module: &'m Module, name: &str) -> Vec<&'m Binding> {
        module.bindings.iter().filter(|b| b.name == name).collect()
    }

    fn binding<'m>(module: &'m Module, name: &str) -> &'m Binding {
        match bindings(module, name).as_slice() {
            [one] => one,
            other => panic!("expected one binding of {name}, found {}", other.len()),
        }
    }

    /// A callee rendered as rules spell it: `a::b`, `recv.method`, `name`.
    fn render(value: &Value) -> String {
        match &value.kind {
            ValueKind::Name(n) => n.clone(),
            ValueKind::Path(segments) => segments.join("::"),
            ValueKind::Attr(base, name) => format!("{}.{name}", render(base)),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn test_only_code_is_recorded_by_its_attributes() {
        let src = "fn app() {}\n\
                   #[cfg(test)]\nmod tests {\n    fn helper() {}\n}\n\
                   #[test]\nfn unit() { let k = 1; }\n\
                   #[tokio::test]\nasync fn integration() {}\n\
                   #[cfg(all(test, feature = \"x\"))]\nconst KEY: &str = \"k\";\n\
                   #[cfg(not(test))]\nfn shipped() {}\n\
                   #[cfg(any(test, feature = \"y\"))]\nfn also_shipped() {}\n\
                   #[inline]\nfn plain() {}\n";
        let module = lower(src);
        let regions: Vec<&str> = module.test_regions.iter().map(|r| text(src, *r)).collect();
        assert_eq!(regions.len(), 4, "{regions:?}");
        assert!(regions[0].starts_with("#[cfg(test)]\nmod tests {") && regions[0].ends_with('}'));
        assert_eq!(regions[1], "#[test]\nfn unit() { let k = 1; }");
        assert!(regions[2].starts_with("#[tokio::test]"));
        assert!(regions[3].ends_with("const KEY: &str = \"k\";"), "{:?}", regions[3]);
        let names: Vec<Option<&str>> = module.scopes.iter().map(|s| s.name.as_deref()).collect();
        assert!(names.contains(&Some("helper")) && names.contains(&Some("app")));
    }

    fn call<'m>(module: &'m Module, callee: &str) -> &'m Call {
        module
            .calls
            .iter()
            .find(|c| render(&c.callee) == callee)
            .unwrap_or_else(|| panic!("no call to {callee}"))
    }

    fn str_value(value: &Value) -> &str {
        match &value.kind {
            ValueKind::Str(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }

    fn imported(binding: &Binding) -> &str {
        match &binding.value.kind {
            ValueKind::Imported(path) => path,
            other => panic!("expected an import, got {other:?}"),
        }
    }

    #[test]
    fn use_rename_binds_the_crate() {
        let src = "use jsonwebtoken as jwt;\nfn f() {}\n";
        let module = lower(src);
        let jwt = binding(&module, "jwt");
        assert_eq!(imported(jwt), "jsonwebtoken");
        assert_eq!(jwt.scope, 0);
        assert_eq!(jwt.visible, Span::new(0, src.len()));
        assert_eq!(text(src, jwt.span), "jwt");
        assert_eq!(text(src, jwt.value.span), "jsonwebtoken as jwt");
    }

    #[test]
    fn use_tree_with_self_rename_glob_and_underscore() {
        let src = "use a::b::{self, c as d, e::*};\nuse x::Y as _;\nuse ::lead::f;\n\
                   use crate::keys::KEY;\nextern crate foo as bar;\n\
                   fn g() { use jsonwebtoken::{decode, Validation}; }\n";
        let module = lower(src);
        assert_eq!(imported(binding(&module, "b")), "a::b");
        assert_eq!(text(src, binding(&module, "b").span), "self");
        assert_eq!(imported(binding(&module, "d")), "a::b::c");
        assert_eq!(imported(binding(&module, "f")), "lead::f");
        assert_eq!(imported(binding(&module, "KEY")), "crate::keys::KEY");
        assert_eq!(imported(binding(&module, "bar")), "foo");
        assert!(bindings(&module, "_").is_empty());
        assert!(bindings(&module, "Y").is_empty());
        assert_eq!(module.glob_imports, vec!["a::b::e".to_string()]);
        // a `use` in a function body is an item of that block
        let decode = binding(&module, "decode");
        assert_eq!(imported(decode), "jsonwebtoken::decode");
        assert_eq!(decode.scope, 1);
        assert_eq!(text(src, decode.visible), "{ use jsonwebtoken::{decode, Validation}; }");
    }

    #[test]
    fn items_of_an_inline_module_stay_in_it() {
        let src = "use jsonwebtoken::DecodingKey;\nconst KEY: &[u8] = b\"k\";\n\
                   fn f() { DecodingKey::from_secret(KEY); }\n\
                   mod tests {\n    use super::*;\n    use jsonwebtoken::DecodingKey;\n    \
                   const KEY: &[u8] = b\"t\";\n    extern crate alloc as a;\n}\n";
        let module = lower(src);
        let use_at = src.find("from_secret").unwrap();
        let mod_body = Span::new(src.find("{\n    use super").unwrap(), src.len() - 1);
        for name in ["DecodingKey", "KEY"] {
            let all = bindings(&module, name);
            assert_eq!(all.len(), 2, "{name}");
            assert!(all.iter().all(|b| b.scope == 0));
            let seen: Vec<&&Binding> = all.iter().filter(|b| b.visible.contains(use_at)).collect();
            assert_eq!(seen.len(), 1, "only the file-level {name} is visible in f");
            assert_eq!(seen[0].visible, Span::new(0, src.len()));
            assert!(all.iter().any(|b| b.visible == mod_body));
        }
        assert_eq!(binding(&module, "a").visible, mod_body);
        // `super::*` in an inline module of the file names the file's module.
        assert_eq!(module.glob_imports, vec!["self".to_string()]);
    }

    #[test]
    fn from_secret_with_bytes_literal() {
        let src = "fn f() { let k = EncodingKey::from_secret(b\"secret\"); }";
        let module = lower(src);
        let c = call(&module, "EncodingKey::from_secret");
        assert!(matches!(&c.callee.kind, ValueKind::Path(p) if p == &["EncodingKey", "from_secret"]));
        assert_eq!(text(src, c.callee.span), "EncodingKey::from_secret");
        assert_eq!(text(src, c.span), "EncodingKey::from_secret(b\"secret\")");
        assert!(matches!(&c.args[0].value.kind, ValueKind::Bytes(b) if b == b"secret"));
        assert_eq!(text(src, c.args[0].value.span), "b\"secret\"");
        assert_eq!((c.is_macro, c.star_args, c.star_kwargs), (false, false, false));
        assert_eq!(c.scope, 1);
        assert_eq!(module.scopes[1].kind, ScopeKind::Function);
        assert_eq!(module.scopes[1].parent, Some(0));
        let k = binding(&module, "k");
        assert!(matches!(k.value.kind, ValueKind::Call(0)));
    }

    #[test]
    fn transparent_conversion_keeps_the_literal() {
        let src = "fn f() { DecodingKey::from_secret(\"k\".as_bytes()); }";
        let module = lower(src);
        assert_eq!(module.calls.len(), 1, "as_bytes is not recorded as a call");
        let arg = &call(&module, "DecodingKey::from_secret").args[0].value;
        assert_eq!(str_value(arg), "k");
        // The span is the literal's, so a redaction replaces exactly the secret.
        assert_eq!(text(src, arg.span), "\"k\"");
    }

    #[test]
    fn string_from_is_transparent() {
        let src = "const A: &str = \"x\"; fn f() { let s = String::from(\"lit\"); let t = Vec::from(A.to_owned()); }";
        let module = lower(src);
        assert!(module.calls.is_empty());
        let s = binding(&module, "s");
        assert_eq!(str_value(&s.value), "lit");
        assert_eq!(text(src, s.value.span), "\"lit\"");
        assert!(matches!(&binding(&module, "t").value.kind, ValueKind::Name(n) if n == "A"));
    }

    #[test]
    fn method_call_on_a_local() {
        let src = "fn f() {\n    let mut v = Validation::new(Algorithm::HS256);\n    \
                   v.insecure_disable_signature_validation();\n}\n";
        let module = lower(src);
        let c = call(&module, "v.insecure_disable_signature_validation");
        let ValueKind::Attr(receiver, method) = &c.callee.kind else {
            panic!("callee should be an attribute");
        };
        assert!(matches!(&receiver.kind, ValueKind::Name(n) if n == "v"));
        assert_eq!(method, "insecure_disable_signature_validation");
        assert_eq!(text(src, c.callee.span), "insecure_disable_signature_validation");
        assert_eq!(text(src, c.span), "v.insecure_disable_signature_validation()");
        assert!(c.args.is_empty());

        let new = call(&module, "Validation::new");
        assert_eq!(render(&new.args[0].value), "Algorithm::HS256");
        let v = binding(&module, "v");
        assert!(matches!(v.value.kind, ValueKind::Call(id) if render(&module.calls[id].callee) == "Validation::new"));
        assert!(text(src, v.visible).starts_with("\n    v.insecure"));
        assert!(text(src, v.visible).ends_with('}'));
        assert!(module.reassigned.is_empty());
    }

    #[test]
    fn const_and_static_bindings() {
        let src = "const A: &str = \"a\";\nstatic B: &[u8] = b\"b\";\n\
                   static C: LazyLock<String> = LazyLock::new(|| \"lit\".to_string());\n\
                   static D: Lazy<String> = once_cell::sync::Lazy::new(|| { let x = 1; \"blk\".into() });\n\
                   static E: OnceLock<String> = OnceLock::new();\n\
                   mod inner { pub const M: &str = \"m\"; }\n\
                   fn f() { let y = 0; { const L: &str = \"l\"; } }\n";
        let module = lower(src);
        let file = Span::new(0, src.len());
        let a = binding(&module, "A");
        assert_eq!((str_value(&a.value), a.scope, a.visible), ("a", 0, file));
        assert_eq!(text(src, a.span), "A");
        assert!(matches!(&binding(&module, "B").value.kind, ValueKind::Bytes(b) if b == b"b"));
        let c = binding(&module, "C");
        assert_eq!(str_value(&c.value), "lit");
        assert_eq!(text(src, c.value.span), "\"lit\"");
        let lazy = call(&module, "LazyLock::new");
        assert_eq!(text(src, lazy.span), "LazyLock::new(|| \"lit\".to_string())");
        assert_eq!(str_value(&binding(&module, "D").value), "blk");
        assert_eq!(call(&module, "once_cell::sync::Lazy::new").scope, 0);
        assert!(matches!(binding(&module, "E").value.kind, ValueKind::Call(_)));
        let m = binding(&module, "M");
        assert_eq!((str_value(&m.value), m.scope), ("m", 0));
        assert_eq!(text(src, m.visible), "{ pub const M: &str = \"m\"; }");
        let l = binding(&module, "L");
        assert_eq!(str_value(&l.value), "l");
        assert_eq!(l.scope, 1);
        assert_eq!(text(src, l.visible), "{ const L: &str = \"l\"; }");
        // the `let x` inside the lazy closure's block is a local of that block
        assert!(is_int(&bindings(&module, "x")[0].value, 1));
    }

    fn is_int(value: &Value, n: i128) -> bool {
        matches!(value.kind, ValueKind::Int(v) if v == n)
    }

    #[test]
    fn parameters_and_if_let_shadow_with_unknown() {
        let src = "const KEY: &str = \"outer\";\n\
                   fn f(KEY: &str, (a, mut b): (u8, u8), Claims { sub, .. }: Claims) -> u8 {\n    \
                   if let Some(key) = lookup() { use_it(key) } else { other(key) }\n    0\n}\n";
        let module = lower(src);
        let params: Vec<&Binding> = module.bindings.iter().filter(|b| b.scope == 1).collect();
        let names: Vec<&str> = params.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["KEY", "a", "b", "sub", "key"]);
        let body_start = src.find("{\n    if").unwrap();
        for param in &params[..4] {
            assert_eq!(param.visible, Span::new(body_start, src.len() - 1));
        }
        // A parameter named with a plain type is known by that type only.
        assert!(matches!(&params[0].value.kind, ValueKind::Typed(t) if t == &["str"]));
        assert!(params[1..4].iter().all(|p| p.value.is_unknown()));
        let key = params[4];
        assert!(key.value.is_unknown());
        assert_eq!(text(src, key.span), "key");
        assert_eq!(text(src, key.visible), " { use_it(key) }");
        assert_eq!(call(&module, "lookup").scope, 1);
        assert_eq!(call(&module, "other").scope, 1);
    }

    #[test]
    fn let_chains_while_let_for_and_let_visibility() {
        let src = "fn f() {\n    let t = \"a\";\n    let t = t.trim();\n    \
                   if let Some(x) = a() && let Ok(y) = b(x) { c(y); }\n    \
                   while let Some(w) = it.next() { d(w); }\n    for (i, item) in e() { g(item); }\n    \
                   let (p, q) = pair();\n    let r;\n}\n";
        let module = lower(src);
        let ts = bindings(&module, "t");
        assert_eq!(str_value(&ts[0].value), "a");
        // the second `t` is only seen after its own statement
        assert!(ts[1].visible.start > src.find("t.trim()").unwrap());
        assert!(ts[0].visible.contains(src.find("t.trim()").unwrap()));
        let y = binding(&module, "y");
        assert_eq!(text(src, y.visible), " { c(y); }");
        let x = binding(&module, "x");
        assert!(x.visible.contains(src.find("b(x)").unwrap()));
        assert_eq!(text(src, binding(&module, "w").visible), " { d(w); }");
        assert_eq!(text(src, binding(&module, "item").visible), "{ g(item); }");
        assert!(binding(&module, "i").value.is_unknown());
        assert!(binding(&module, "p").value.is_unknown());
        assert!(binding(&module, "q").value.is_unknown());
        assert!(binding(&module, "r").value.is_unknown());
        for name in ["a", "b", "c", "it.next", "d", "e", "g", "pair"] {
            call(&module, name);
        }
    }

    #[test]
    fn format_inline_capture_is_a_hole() {
        let src = "fn f(token: &str) { let s = format!(\"{token}\"); }";
        let module = lower(src);
        let c = call(&module, "format!");
        assert!(c.is_macro);
        assert_eq!(text(src, c.span), "format!(\"{token}\")");
        assert_eq!(text(src, c.callee.span), "format!");
        let ValueKind::Template(parts) = &c.args[0].value.kind else {
            panic!("expected a template, got {:?}", c.args[0].value.kind);
        };
        let [TemplatePart::Hole(hole)] = parts.as_slice() else {
            panic!("expected a single hole, got {parts:?}");
        };
        assert!(matches!(&hole.kind, ValueKind::Name(n) if n == "token"));
        assert_eq!(text(src, hole.span), "token");
        assert!(matches!(binding(&module, "s").value.kind, ValueKind::Call(_)));
    }

    #[test]
    fn format_template_parts() {
        let src = "fn f() { format!(\"a{{b}}{x:?} {} {y}{0}\", 1, y = 2); panic!(\"plain {{}}\"); }";
        let module = lower(src);
        let c = call(&module, "format!");
        let ValueKind::Template(parts) = &c.args[0].value.kind else {
            panic!("expected a template");
        };
        let rendered: Vec<String> = parts
            .iter()
            .map(|p| match p {
                TemplatePart::Lit(s) => format!("lit:{s}"),
                TemplatePart::Hole(v) => format!("hole:{}", render(v)),
            })
            .collect();
        assert_eq!(
            rendered,
            [
                "lit:a{b}",
                "hole:x",
                "lit: ",
                "hole:Int(1)",
                "lit: ",
                "hole:Int(2)",
                "hole:Int(1)"
            ]
        );
        assert!(matches!(c.args[1].value.kind, ValueKind::Int(1)));
        assert_eq!(c.args[2].keyword.as_deref(), Some("y"));
        assert!(matches!(c.args[2].value.kind, ValueKind::Int(2)));
        assert_eq!(str_value(&call(&module, "panic!").args[0].value), "plain {}");
    }

    #[test]
    fn println_positional_placeholder() {
        let src = "fn f(x: u8) { println!(\"{}\", x); }";
        let module = lower(src);
        let c = call(&module, "println!");
        assert_eq!(c.args.len(), 2);
        // The `{}` hole holds the positional argument.
        assert!(
            matches!(&c.args[0].value.kind, ValueKind::Template(p) if matches!(p.as_slice(), [TemplatePart::Hole(h)] if matches!(&h.kind, ValueKind::Name(n) if n == "x")))
        );
        assert!(matches!(&c.args[1].value.kind, ValueKind::Name(n) if n == "x"));
        assert!(c.args.iter().all(|a| a.keyword.is_none()));
    }

    #[test]
    fn tracing_keyword_args() {
        let src = "fn f(t: &str, claims: C) {\n    tracing::info!(token = %t, \"msg\");\n    \
                   info!(target: \"auth\", ?claims, %self.user, header.kid = ?kid, \"got {t}\");\n    \
                   writeln!(out, \"{t}\")?;\n}\n";
        let module = lower(src);
        let c = call(&module, "tracing::info!");
        assert!(matches!(&c.callee.kind, ValueKind::Path(p) if p == &["tracing", "info!"]));
        assert_eq!(c.args[0].keyword.as_deref(), Some("token"));
        assert!(matches!(&c.args[0].value.kind, ValueKind::Name(n) if n == "t"));
        assert_eq!(text(src, c.args[0].value.span), "t");
        assert_eq!(c.args[1].keyword, None);
        assert_eq!(str_value(&c.args[1].value), "msg");

        let c = call(&module, "info!");
        let keywords: Vec<Option<&str>> = c.args.iter().map(|a| a.keyword.as_deref()).collect();
        assert_eq!(
            keywords,
            [
                Some("target"),
                Some("claims"),
                Some("self.user"),
                Some("header.kid"),
                None
            ]
        );
        assert_eq!(str_value(&c.args[0].value), "auth");
        assert_eq!(render(&c.args[2].value), "self.user");
        assert!(matches!(&c.args[4].value.kind, ValueKind::Template(_)));

        let w = call(&module, "writeln!");
        assert!(matches!(&w.args[0].value.kind, ValueKind::Name(n) if n == "out"));
        assert!(matches!(&w.args[1].value.kind, ValueKind::Template(_)));
    }

    #[test]
    fn tracing_fields_are_not_named_format_args() {
        let src = "fn f(token: &str) { warn!(token = %token, \"bad {token} {n}\", n = 1); }";
        let module = lower(src);
        let c = call(&module, "warn!");
        let ValueKind::Template(parts) = &c.args[1].value.kind else {
            panic!("expected a template");
        };
        let holes: Vec<String> = parts
            .iter()
            .filter_map(|p| match p {
                TemplatePart::Hole(v) => Some(render(v)),
                TemplatePart::Lit(_) => None,
            })
            .collect();
        // `{n}` is the named format argument `n = 1`.
        assert_eq!(holes, ["token", "Int(1)"]);
    }

    #[test]
    fn spans_stay_right_across_files_on_one_thread() {
        let first = "// a longer first file, with ünïcode\nconst A: &str = \"first\";\n";
        let second = "const B: &str = \"2\";";
        for _ in 0..3 {
            let module = lower(first);
            assert_eq!(text(first, binding(&module, "A").value.span), "\"first\"");
            let module = lower(second);
            assert_eq!(text(second, binding(&module, "B").value.span), "\"2\"");
        }
    }

    #[test]
    fn macro_args_with_generics_and_closures() {
        let src = "fn f() { assert!(HashMap::<K, V>::new().is_empty(), \"m\"); \
                   m!(|a, b| g(a, b), => bad); let v = vec![1, 2]; let w = vec![0u8; 16]; }";
        let module = lower(src);
        let a = call(&module, "assert!");
        assert_eq!(a.args.len(), 2);
        assert!(matches!(a.args[0].value.kind, ValueKind::Call(_)));
        call(&module, "HashMap::new");
        let m = call(&module, "m!");
        assert_eq!(m.args.len(), 2);
        assert!(m.args[1].value.is_unknown());
        assert_eq!(text(src, m.args[1].value.span), "=> bad");
        call(&module, "g");
        assert!(module.calls.iter().all(|c| render(&c.callee) != "vec!"));
        let ValueKind::List(items) = &binding(&module, "v").value.kind else {
            panic!("vec! should be a list");
        };
        assert!(matches!(items.as_slice(), [a, b] if is_int(a, 1) && is_int(b, 2)));
        assert!(binding(&module, "w").value.is_unknown());
    }

    #[test]
    fn env_and_statement_and_item_macros_are_calls() {
        let src = "const K: &str = env!(\"KEY\");\nlazy_static! { static ref X: u8 = 1; }\n\
                   macro_rules! m { ($x:expr) => { call($x) }; }\nfn f() { debug!(\"{}\", k); }\n\
                   const _: () = assert!(check());\n";
        let module = lower(src);
        let env = call(&module, "env!");
        assert_eq!(str_value(&env.args[0].value), "KEY");
        assert!(matches!(binding(&module, "K").value.kind, ValueKind::Call(_)));
        assert!(call(&module, "lazy_static!").is_macro);
        assert!(module.calls.iter().all(|c| render(&c.callee) != "macro_rules!"));
        assert_eq!(call(&module, "debug!").scope, 1);
        assert_eq!(call(&module, "check").scope, 0);
        assert!(bindings(&module, "_").is_empty());
    }

    #[test]
    fn calls_inside_closures_match_arms_and_odd_places() {
        let src = "fn f(y: Option<u8>) {\n    let c = |x| g(h(x));\n    \
                   match y { Some(z) if guard(z) => k(z), None => { m() } }\n    \
                   let s = S { a: n(), b: \"v\", ..base() };\n    \
                   let Some(q) = p() else { return fail() };\n    \
                   let fut = async { aw().await };\n    if cond() { t() }\n}\n";
        let module = lower(src);
        for name in ["g", "h", "guard", "k", "m", "n", "base", "p", "fail", "aw", "cond", "t"] {
            assert_eq!(call(&module, name).scope, 1, "{name}");
        }
        let x = binding(&module, "x");
        assert_eq!((x.scope, text(src, x.visible)), (1, "g(h(x))"));
        let z = binding(&module, "z");
        assert_eq!(text(src, z.visible), "if guard(z) => k(z)");
        assert!(binding(&module, "None").value.is_unknown());
        assert!(binding(&module, "q").value.is_unknown());
        let ValueKind::Dict { entries, open } = &binding(&module, "s").value.kind else {
            panic!("struct literal should be a dict");
        };
        assert!(*open);
        assert_eq!(str_value(&entries[1].0), "b");
        assert_eq!(text(src, entries[1].0.span), "b");
        assert_eq!(str_value(&entries[1].1), "v");
        let h = call(&module, "h");
        assert_eq!(text(src, h.span), "h(x)");
    }

    #[test]
    fn nested_functions_and_methods_get_their_own_scopes() {
        let src = "impl A { fn m(&self, s: &str) { a(); fn inner(u: u8) { b(); } } }\n\
                   trait T { fn d() { c(); } fn e(); }\n";
        let module = lower(src);
        assert_eq!(module.scopes.len(), 4);
        assert!(
            module.scopes[1..]
                .iter()
                .all(|s| s.kind == ScopeKind::Function && s.parent == Some(0))
        );
        assert_eq!(call(&module, "a").scope, 1);
        assert_eq!(call(&module, "b").scope, 2);
        assert_eq!(call(&module, "c").scope, 3);
        assert!(bindings(&module, "self").is_empty());
        assert_eq!(binding(&module, "s").scope, 1);
        assert_eq!(binding(&module, "u").scope, 2);
        assert!(text(src, module.scopes[2].span).starts_with("fn inner"));
    }

    #[test]
    fn reassignment_of_plain_names_only() {
        let src = "fn f() { let mut x = 1; x = 2; x += 3; v.field = 4; *p = 5; }";
        let module = lower(src);
        assert_eq!(module.reassigned, vec![(1, "x".to_string()), (1, "x".to_string())]);
    }

    #[test]
    fn values_of_simple_expressions() {
        let src = "fn f() { let a = -3; let b = (&*x)?; let c = cfg.secret; let d = keys[0]; \
                   let e = (1, \"s\"); let g = decode::<Claims>; let h = ::std::env::var; \
                   let i = <T as Tr>::f; let j = 'c'; let k = true; let l = 1.5; let m = c\"cs\"; }";
        let module = lower(src);
        assert!(is_int(&binding(&module, "a").value, -3));
        assert!(matches!(&binding(&module, "b").value.kind, ValueKind::Name(n) if n == "x"));
        assert_eq!(text(src, binding(&module, "b").value.span), "*x");
        assert_eq!(render(&binding(&module, "c").value), "cfg.secret");
        assert!(matches!(&binding(&module, "d").value.kind, ValueKind::Index(_, i) if is_int(i, 0)));
        assert!(matches!(&binding(&module, "e").value.kind, ValueKind::List(v) if v.len() == 2));
        assert!(matches!(&binding(&module, "g").value.kind, ValueKind::Name(n) if n == "decode"));
        assert_eq!(render(&binding(&module, "h").value), "std::env::var");
        assert!(binding(&module, "i").value.is_unknown());
        assert!(binding(&module, "j").value.is_unknown());
        assert!(matches!(binding(&module, "k").value.kind, ValueKind::Bool(true)));
        assert!(matches!(binding(&module, "l").value.kind, ValueKind::Float));
        assert!(matches!(&binding(&module, "m").value.kind, ValueKind::Bytes(b) if b == b"cs"));
    }

    #[test]
    fn syntax_error_is_a_parse_error_note() {
        let src = "fn f( {\n";
        let note = lower_rust(src).expect_err("should not parse");
        assert_eq!(note.kind, NoteKind::ParseError);
        assert!(!note.message.is_empty());
        assert!(note.span.end <= src.len());
        let src = "struct";
        let note = lower_rust(src).expect_err("should not parse");
        assert_eq!(note.span, Span::new(src.len(), src.len()));
        let src = "// é\nfn f() { let x = ; }";
        let note = lower_rust(src).expect_err("should not parse");
        assert_eq!(text(src, note.span), ";");
    }

    #[test]
    fn byte_spans_after_non_ascii_text() {
        let src = "// café ☕ 🎉 — naïve\n/* ünïcödé */ const S: &str = \"sécret\";\n\
                   fn f() { let t = jsonwebtoken::encode(&Header::default(), &c, &EncodingKey::from_secret(\"k🎉\".as_ref())); }\n";
        let module = lower(src);
        let s = binding(&module, "S");
        assert_eq!(text(src, s.value.span), "\"sécret\"");
        assert_eq!(text(src, s.span), "S");
        let encode = call(&module, "jsonwebtoken::encode");
        assert_eq!(
            text(src, encode.span),
            "jsonwebtoken::encode(&Header::default(), &c, &EncodingKey::from_secret(\"k🎉\".as_ref()))"
        );
        // `&` is transparent: the argument's span is what it refers to.
        assert_eq!(text(src, encode.args[0].value.span), "Header::default()");
        let key = call(&module, "EncodingKey::from_secret");
        assert_eq!(text(src, key.args[0].value.span), "\"k🎉\"");
        assert_eq!(str_value(&key.args[0].value), "k🎉");
    }

    /// The line table must agree with proc-macro2's own byte ranges on
    /// every token, including after CRLF, tabs, multi-byte text and in
    /// multi-line tokens.
    #[test]
    fn line_index_matches_byte_range() {
        fn walk(stream: proc_macro2::TokenStream, out: &mut Vec<PSpan>) {
            for tree in stream {
                out.push(tree.span());
                if let TokenTree::Group(g) = tree {
                    out.push(g.span_open());
                    out.push(g.span_close());
                    walk(g.stream(), out);
                }
            }
        }
        let src = "// é\r\nfn f() {\r\n\tlet s = \"ü\nñ🎉\"; /* 🎉\n */ let t = r#\"a\n\"#;\r\n\tg('é', b\"x\");\n}\n";
        let stream: proc_macro2::TokenStream = src.parse().expect("lexes");
        let mut spans = Vec::new();
        walk(stream, &mut spans);
        let lines = LineIndex::new(src);
        assert!(spans.len() > 20);
        for span in spans {
            let range = span.byte_range();
            let start = lines.byte_offset(span.start());
            let end = lines.byte_offset(span.end());
            assert_eq!(start..end, range, "{:?}", &src[range.clone()]);
        }
        proc_macro2::extra::invalidate_current_thread_spans();
    }

    #[test]
    fn bom_and_shebang_offsets() {
        let src = "\u{feff}#!/usr/bin/env run-cargo-script\nconst S: &str = \"s\";\n";
        let module = lower(src);
        assert_eq!(text(src, binding(&module, "S").value.span), "\"s\"");
        let src = "\u{feff}#!/usr/bin/env x\nfn f( {";
        let note = lower_rust(src).expect_err("should not parse");
        assert!(note.span.end <= src.len());
    }

    #[test]
    fn format_hole_spans_fall_back_to_the_literal_when_escaped() {
        let src = "fn f() { format!(\"\\t{tok}\"); format!(r\"{raw}\"); }";
        let module = lower(src);
        for (i, name) in ["tok", "raw"].iter().enumerate() {
            let value = &module.calls[i].args[0].value;
            let ValueKind::Template(parts) = &value.kind else {
                panic!("expected a template");
            };
            let Some(TemplatePart::Hole(hole)) = parts.last() else {
                panic!("expected a hole");
            };
            assert!(matches!(&hole.kind, ValueKind::Name(n) if n == name));
            assert_eq!(hole.span, value.span);
        }
    }

    #[test]
    fn too_deep_code_is_blanked_and_the_rest_still_checked() {
        let worker = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(|| {
                let deep = 20_000;
                let parens = format!("{}1{}", "(".repeat(deep), ")".repeat(deep));
                let ty = "Vec<".repeat(deep);
                // Non-ASCII before the blanked block on the same line: spans
                // after it must still be exact byte offsets.
                let src = format!(
                    "fn before() {{ a(\"é\"); }}\n\
                     fn deep() {{ let v = {parens}; }} fn same_line() {{ b(\"→\"); }}\n\
                     static S: {ty}u8 = 0;\n\
                     fn after() {{ c(); }}\n"
                );
                let module = lower(&src);
                let notes: Vec<&LowerNote> = module.notes.iter().filter(|n| n.kind == NoteKind::DepthLimit).collect();
                assert_eq!(notes.len(), 1, "one note per file");
                assert!(notes[0].message.contains("2 too deeply nested"), "{}", notes[0].message);
                assert_eq!(
                    notes[0].span.start,
                    src.find("fn deep() {").unwrap() + "fn deep() {".len()
                );
                for (name, text) in [("a", "a(\"é\")"), ("b", "b(\"→\")"), ("c", "c()")] {
                    let found = call(&module, name);
                    assert_eq!(&src[found.span.start..found.span.end], text);
                }
                assert!(module.bindings.iter().all(|b| b.name != "v" && b.name != "S"));
            })
            .expect("spawn");
        worker.join().expect("lowering deep nesting must not crash");
    }

    #[test]
    fn deep_nesting_hits_the_depth_limit_once() {
        let worker = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(|| {
                // Past the lowerer's MAX_DEPTH, within the parser guard's
                // nesting::MAX_NESTING (deeper code is blanked before parsing:
                // see `too_deep_code_is_blanked_and_the_rest_still_checked`).
                let depth = 230;
                const { assert!(MAX_DEPTH < 230 && 230 + 10 < nesting::MAX_NESTING) };
                let parens = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
                let calls = format!("{}x{}", "f(".repeat(depth), ")".repeat(depth));
                let src = format!("fn g() {{ let a = {parens}; let b = {calls}; h(); }}");
                let module = lower(&src);
                let notes: Vec<&LowerNote> = module.notes.iter().filter(|n| n.kind == NoteKind::DepthLimit).collect();
                assert_eq!(notes.len(), 1);
                assert!(binding(&module, "a").value.is_unknown());
                // the calls above the limit are still there, and the file goes on
                let f_calls = module.calls.iter().filter(|c| render(&c.callee) == "f").count();
                assert!(f_calls > 0 && f_calls < depth);
                call(&module, "h");
                assert!(notes[0].span.end <= src.len());
            })
            .expect("spawn");
        worker.join().expect("lowering deep nesting must not crash");
    }
}
