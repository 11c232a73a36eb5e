//! Lowers Python source, parsed by tree-sitter-python, into the model.
//!
//! tree-sitter is error tolerant: a syntax error becomes an `ERROR` node and
//! the statements around it still parse, so one broken function never hides
//! findings in the next. We lower everything we recognise and report the first
//! error as a `parse-error` note.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Point};

use std::collections::HashMap;

use super::flow::{Branch, Reaching};
use crate::frontend::outline::python_piece_starts;
use crate::model::{
    Arg, BinOp, Call, FunctionDef, FunctionId, Language, LowerNote, Module, NoteKind, ParamDef, ParamKind, Parameter,
    ScopeId, ScopeKind, Setting, Sink, SinkKind, Span, Subscript, TemplatePart, Value, ValueKind,
};

/// Past this nesting depth a subtree is not lowered: it becomes unknown and a
/// `depth-limit` note says so. Real code nests a few dozen levels; this bound
/// keeps the recursive lowering far from the worker stack's limit.
pub const MAX_DEPTH: usize = 256;

thread_local! {
    // A parser is cheap to keep and costly to build: one per worker thread.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// A file larger than this is parsed and lowered a piece at a time (see
/// [`lower_python_in_pieces`]), so memory follows the piece, not the file.
pub const PIECE_BYTES: usize = 1 << 20;

/// Lowers one Python file. Never fails: syntax errors become notes.
pub fn lower_python(source: &str) -> Module {
    lower_python_in_pieces(source, PIECE_BYTES)
}

/// Lowers a file in pieces of at least `piece_bytes` bytes, cut at top-level
/// statements (`outline::python_piece_starts`): each piece is parsed on its
/// own (tree-sitter's included ranges keep offsets in the whole file),
/// lowered into the one module, and its tree dropped before the next is
/// parsed. A syntax tree takes many times the bytes of its text; the model
/// does not. A file smaller than a piece is parsed whole, as one piece.
pub fn lower_python_in_pieces(source: &str, piece_bytes: usize) -> Module {
    let mut lowerer = PythonLowerer {
        src: source,
        module: Module::new(Language::Python, source.len()),
        depth: 0,
        depth_noted: false,
        class_names: HashMap::new(),
        function: None,
        flow: Reaching::default(),
    };
    let starts = python_piece_starts(source, piece_bytes);
    let mut row = 0;
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(source.len());
        let rows = source.as_bytes()[start..end].iter().filter(|&&b| b == b'\n').count();
        let range = (starts.len() > 1).then(|| piece_range(source, start, end, row, rows));
        row += rows;
        let Some(tree) = parse_python(source, range) else {
            lowerer.module.notes.push(LowerNote {
                kind: NoteKind::ParseError,
                span: Span::new(start, start),
                message: "the Python parser gave up on this file".into(),
            });
            return lowerer.module;
        };
        let root = tree.root_node();
        let noted = lowerer.module.notes.iter().any(|n| n.kind == NoteKind::ParseError);
        if !noted
            && root.has_error()
            && let Some(note) = first_syntax_error(root, source)
        {
            lowerer.module.notes.push(note);
        }
        lowerer.lower(root, 0);
    }
    let mut module = lowerer.module;
    lowerer.flow.finish(&mut module);
    module
}

/// The included range of one piece (a piece starts at a line start and ends
/// at one, or at the end of the text).
fn piece_range(source: &str, start: usize, end: usize, row: usize, rows: usize) -> tree_sitter::Range {
    let last_line = source[..end].rfind('\n').map_or(0, |i| i + 1).max(start);
    tree_sitter::Range {
        start_byte: start,
        end_byte: end,
        start_point: Point::new(row, 0),
        end_point: Point::new(row + rows, end - last_line),
    }
}

/// Parses `source`, or only `range` of it, with this thread's parser.
fn parse_python(source: &str, range: Option<tree_sitter::Range>) -> Option<tree_sitter::Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .expect("the bundled tree-sitter-python grammar matches the tree-sitter version");
            parser
        });
        // No ranges: the whole text (and the state a previous piece left).
        let ranges: Vec<tree_sitter::Range> = range.into_iter().collect();
        parser
            .set_included_ranges(&ranges)
            .expect("a piece's range lies inside the text and is ordered");
        parser.parse(source, None)
    })
}

/// The first `ERROR` or `MISSING` node in document order, found without recursion.
fn first_syntax_error(root: Node, src: &str) -> Option<LowerNote> {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            let span = span_of(node);
            let message = if node.is_missing() {
                format!("syntax error: missing `{}`", node.kind())
            } else {
                let text: String = src[span.start..span.end].chars().take(20).collect();
                let text = text.lines().next().unwrap_or("").trim().to_string();
                if text.is_empty() {
                    "syntax error".to_string()
                } else {
                    format!("syntax error near `{text}`")
                }
            };
            return Some(LowerNote {
                kind: NoteKind::ParseError,
                span,
                message: format!("{message}; the rest of the file is still checked"),
            });
        }
        // Only descend into subtrees that contain an error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

fn span_of(node: Node) -> Span {
    let r = node.byte_range();
    Span::new(r.start, r.end)
}

struct PythonLowerer<'s> {
    src: &'s str,
    module: Module,
    depth: usize,
    depth_noted: bool,
    /// Class scopes by name, so class attributes become settings of their class.
    class_names: HashMap<ScopeId, String>,
    /// The function whose body is being lowered: `return` adds to its returns.
    function: Option<FunctionId>,
    /// Which binding of a name reaches each use.
    flow: Reaching,
}

impl<'s> PythonLowerer<'s> {
    fn text(&self, node: Node) -> &'s str {
        &self.src[node.byte_range()]
    }

    fn unknown(&self, node: Node) -> Value {
        Value::unknown(span_of(node))
    }

    /// Lowers any node: statements bind names and record calls and give an
    /// unknown value; expressions give their value.
    fn lower(&mut self, node: Node, scope: ScopeId) -> Value {
        if self.depth >= MAX_DEPTH {
            self.note_depth_limit(node);
            return self.unknown(node);
        }
        self.depth += 1;
        let value = self.lower_node(node, scope);
        self.depth -= 1;
        value
    }

    fn note_depth_limit(&mut self, node: Node) {
        if !self.depth_noted {
            self.depth_noted = true;
            self.module.notes.push(LowerNote {
                kind: NoteKind::DepthLimit,
                span: span_of(node),
                message: format!("nesting deeper than {MAX_DEPTH} levels; the code below this point is not checked"),
            });
        }
    }

    /// Assignment targets nest too (`((a, b), c) = …`) and are walked
    /// recursively, so they count against the same limit. Past it, every
    /// name in the target is bound to an unknown value: always the safe side.
    fn enter_target(&mut self, target: Node, scope: ScopeId) -> bool {
        if self.depth >= MAX_DEPTH {
            self.note_depth_limit(target);
            self.bind_all_identifiers_unknown(target, scope);
            return false;
        }
        self.depth += 1;
        true
    }

    fn lower_node(&mut self, node: Node, scope: ScopeId) -> Value {
        let span = span_of(node);
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                self.flow.use_name(span.start, scope, name);
                Value::new(ValueKind::Name(name.to_string()), span)
            }
            "string" => {
                let value = self.lower_string(node, scope);
                self.register_template(&value, scope);
                value
            }
            "concatenated_string" => {
                let value = self.lower_concatenated_string(node, scope);
                self.register_template(&value, scope);
                value
            }
            "integer" => match parse_python_int(self.text(node)) {
                Some(n) => Value::new(ValueKind::Int(n), span),
                None => self.unknown(node),
            },
            "float" => Value::new(ValueKind::Float, span),
            "true" => Value::new(ValueKind::Bool(true), span),
            "false" => Value::new(ValueKind::Bool(false), span),
            "none" => Value::new(ValueKind::Null, span),
            "list" | "tuple" | "set" | "expression_list" => {
                let items = self.lower_children(node, scope);
                Value::new(ValueKind::List(items), span)
            }
            "dictionary" => self.lower_dict(node, scope),
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) if inner.kind() != "comment" => {
                    let mut value = self.lower(inner, scope);
                    value.span = span;
                    value
                }
                _ => self.unknown(node),
            },
            "attribute" => {
                let (Some(object), Some(attr)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("attribute"),
                ) else {
                    return self.lower_generic(node, scope);
                };
                let base = self.lower(object, scope);
                Value::new(ValueKind::Attr(Box::new(base), self.text(attr).to_string()), span)
            }
            "subscript" => {
                let value = self.lower_subscript(node, scope);
                if let ValueKind::Index(base, index) = &value.kind {
                    self.module.subscripts.push(Subscript {
                        base: (**base).clone(),
                        index: (**index).clone(),
                        span: value.span,
                        scope,
                    });
                }
                value
            }
            "call" => self.lower_call(node, scope),
            "binary_operator" => self.lower_binary(node, scope),
            "comparison_operator" => {
                self.record_membership_tests(node, scope);
                self.lower_generic(node, scope)
            }
            "list_splat" | "dictionary_splat" => {
                self.lower_generic(node, scope);
                self.unknown(node)
            }
            "assignment" => self.lower_assignment(node, scope),
            "augmented_assignment" => {
                if let Some(left) = node.child_by_field_name("left") {
                    self.mark_mutated(left, scope);
                }
                if let Some(right) = node.child_by_field_name("right") {
                    self.lower(right, scope);
                }
                self.unknown(node)
            }
            "named_expression" => {
                // A walrus inside a comprehension binds in the enclosing scope;
                // rather than model that, its name is simply not a constant.
                if let Some(name) = node.child_by_field_name("name") {
                    self.bind_unknown(name, scope);
                }
                if let Some(value) = node.child_by_field_name("value") {
                    self.lower(value, scope);
                }
                self.unknown(node)
            }
            "import_statement" => {
                self.lower_import(node, scope);
                self.unknown(node)
            }
            "import_from_statement" => {
                self.lower_import_from(node, scope);
                self.unknown(node)
            }
            "function_definition" => {
                self.lower_function(node, scope);
                self.unknown(node)
            }
            "return_statement" => {
                let returned = node.named_child(0).filter(|c| c.kind() != "comment");
                let value = match returned {
                    Some(child) => self.lower(child, scope),
                    None => Value::new(ValueKind::Null, span_of(node)),
                };
                if returned.is_some() {
                    self.record_sink(SinkKind::Return, value.clone(), scope);
                }
                if let Some(function) = self.function {
                    self.module.functions[function].returns.push(value);
                }
                self.flow.terminate();
                self.unknown(node)
            }
            "conditional_expression" => {
                // `a if condition else b`: either value.
                let parts = self.lower_children(node, scope);
                match <[Value; 3]>::try_from(parts) {
                    Ok([yes, _condition, no]) => Value::new(ValueKind::Choice(vec![yes, no]), span),
                    Err(_) => Value::unknown(span),
                }
            }
            "boolean_operator" => {
                let (Some(left), Some(right), Some(operator)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                    node.child_by_field_name("operator"),
                ) else {
                    return self.lower_generic(node, scope);
                };
                let left = self.lower(left, scope);
                let right = self.lower(right, scope);
                if self.text(operator) == "or" {
                    Value::new(ValueKind::Or(Box::new(left), Box::new(right)), span)
                } else {
                    Value::unknown(span)
                }
            }
            "class_definition" => {
                self.lower_class(node, scope);
                self.unknown(node)
            }
            "lambda" => {
                self.lower_lambda(node, scope);
                self.unknown(node)
            }
            "if_statement" => {
                self.lower_if(node, scope);
                self.unknown(node)
            }
            "while_statement" | "for_statement" => {
                self.lower_loop(node, scope);
                self.unknown(node)
            }
            "try_statement" => {
                self.lower_try(node, scope);
                self.unknown(node)
            }
            "match_statement" => {
                self.lower_match(node, scope);
                self.unknown(node)
            }
            "raise_statement" | "break_statement" | "continue_statement" => {
                self.lower_generic(node, scope);
                self.flow.terminate();
                self.unknown(node)
            }
            "for_in_clause" => {
                if let Some(left) = node.child_by_field_name("left") {
                    self.bind_targets_unknown(left, scope);
                }
                let mut cursor = node.walk();
                let rest: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|c| Some(*c) != node.child_by_field_name("left"))
                    .collect();
                for child in rest {
                    self.lower(child, scope);
                }
                self.unknown(node)
            }
            "as_pattern" => {
                // `with open(p) as f`, `except E as e`: the alias holds an unknown value.
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    if child.kind() == "as_pattern_target" {
                        self.bind_targets_unknown(child, scope);
                    } else {
                        self.lower(child, scope);
                    }
                }
                self.unknown(node)
            }
            "global_statement" | "nonlocal_statement" => {
                // Assignments through `global` change a module name from a
                // function: such a name is not a constant anywhere.
                let mut cursor = node.walk();
                let names: Vec<Node> = node.named_children(&mut cursor).collect();
                for name in names {
                    self.mark_mutated(name, scope);
                }
                self.unknown(node)
            }
            "case_pattern" => {
                // Capture patterns bind names; value patterns only read them.
                // Treating every name in a pattern as rebound is the safe side.
                self.bind_all_identifiers_unknown(node, scope);
                self.unknown(node)
            }
            "keyword_argument" => {
                if let Some(value) = node.child_by_field_name("value") {
                    self.lower(value, scope);
                }
                self.unknown(node)
            }
            "expression_statement" => {
                // `f(x)` alone on its line: its result is dropped.
                let only_call =
                    node.named_child_count() == 1 && node.named_child(0).is_some_and(|c| c.kind() == "call");
                let values = self.lower_children(node, scope);
                if only_call && let [value] = values.as_slice() {
                    self.record_sink(SinkKind::Discard, value.clone(), scope);
                }
                self.unknown(node)
            }
            "comment" => self.unknown(node),
            _ => self.lower_generic(node, scope),
        }
    }

    /// A value returned, stored into another object, or dropped: where it
    /// goes is what the model otherwise does not say.
    fn record_sink(&mut self, kind: SinkKind, value: Value, scope: ScopeId) {
        self.module.sinks.push(Sink { kind, value, scope });
    }

    fn lower_children(&mut self, node: Node, scope: ScopeId) -> Vec<Value> {
        let mut cursor = node.walk();
        let children: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect();
        children.into_iter().map(|c| self.lower(c, scope)).collect()
    }

    /// Nodes the model does not describe: lower their children (to record
    /// the calls and bindings inside) and give an unknown value.
    fn lower_generic(&mut self, node: Node, scope: ScopeId) -> Value {
        self.lower_children(node, scope);
        self.unknown(node)
    }

    fn lower_dict(&mut self, node: Node, scope: ScopeId) -> Value {
        let mut entries = Vec::new();
        let mut open = false;
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            match child.kind() {
                "pair" => {
                    let (Some(k), Some(v)) = (child.child_by_field_name("key"), child.child_by_field_name("value"))
                    else {
                        open = true;
                        continue;
                    };
                    let key = self.lower(k, scope);
                    let value = self.lower(v, scope);
                    entries.push((key, value));
                }
                "comment" => {}
                _ => {
                    // `**other`, or an error node: keys we cannot see.
                    open = true;
                    self.lower(child, scope);
                }
            }
        }
        Value::new(ValueKind::Dict { entries, open }, span_of(node))
    }

    fn lower_subscript(&mut self, node: Node, scope: ScopeId) -> Value {
        let Some(base_node) = node.child_by_field_name("value") else {
            return self.lower_generic(node, scope);
        };
        let base = self.lower(base_node, scope);
        let mut cursor = node.walk();
        let indices: Vec<Node> = node.children_by_field_name("subscript", &mut cursor).collect();
        let mut lowered: Vec<Value> = indices.iter().map(|i| self.lower(*i, scope)).collect();
        let index = if lowered.len() == 1 {
            lowered.remove(0)
        } else {
            Value::unknown(span_of(node))
        };
        Value::new(ValueKind::Index(Box::new(base), Box::new(index)), span_of(node))
    }

    fn lower_call(&mut self, node: Node, scope: ScopeId) -> Value {
        let span = span_of(node);
        let Some(function) = node.child_by_field_name("function") else {
            return self.lower_generic(node, scope);
        };
        let callee = self.lower(function, scope);
        let mut args = Vec::new();
        let (mut star_args, mut star_kwargs) = (false, false);
        let (mut splats, mut unpacked) = (0, None);
        if let Some(arguments) = node.child_by_field_name("arguments") {
            if arguments.kind() == "argument_list" {
                let mut cursor = arguments.walk();
                let children: Vec<Node> = arguments.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "keyword_argument" => {
                            let (Some(name), Some(value)) =
                                (child.child_by_field_name("name"), child.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            let value = self.lower(value, scope);
                            args.push(Arg {
                                keyword: Some(self.text(name).to_string()),
                                value,
                            });
                        }
                        "list_splat" | "parenthesized_list_splat" => {
                            star_args = true;
                            self.lower(child, scope);
                        }
                        "dictionary_splat" => {
                            star_kwargs = true;
                            splats += 1;
                            unpacked = match child.named_child(0) {
                                Some(inner) => Some(Box::new(self.lower(inner, scope))),
                                None => {
                                    self.lower(child, scope);
                                    None
                                }
                            };
                        }
                        "comment" => {}
                        _ => {
                            let value = self.lower(child, scope);
                            args.push(Arg { keyword: None, value });
                        }
                    }
                }
            } else {
                // A bare generator argument: `f(x for x in y)`.
                let value = self.lower(arguments, scope);
                args.push(Arg { keyword: None, value });
            }
        }
        self.record_config_update(&callee, &args, scope);
        self.record_dict_update(node, &callee, &args, star_args || star_kwargs, scope);
        let format_template = format_call_template(&callee, &args, star_args || star_kwargs, span);
        let keywords_dict = dict_of_keywords(&callee, &args, star_args, star_kwargs, span);
        let id = self.module.push_call(Call {
            callee,
            args,
            star_args,
            star_kwargs,
            unpacked: if splats == 1 { unpacked } else { None },
            span,
            scope,
            is_macro: false,
            type_args: Vec::new(),
        });
        match (format_template, keywords_dict) {
            (Some(template), _) => {
                self.register_template(&template, scope);
                template
            }
            (None, Some(dict)) => dict,
            (None, None) => Value::new(ValueKind::Call(id), span),
        }
    }

    /// `opts.update({...})` / `opts.update(key=value)` on a dict bound just
    /// before: the dict with those entries set.
    fn record_dict_update(&mut self, node: Node, callee: &Value, args: &[Arg], star: bool, scope: ScopeId) {
        let ValueKind::Attr(base, method) = &callee.kind else {
            return;
        };
        if method != "update" || star || !matches!(base.kind, ValueKind::Name(_)) {
            return;
        }
        let entries: Option<Vec<(Value, Value)>> = match args {
            [one] if one.keyword.is_none() => match &one.value.kind {
                ValueKind::Dict { entries, open: false } => Some(entries.clone()),
                _ => None,
            },
            keywords if keywords.iter().all(|a| a.keyword.is_some()) => Some(
                keywords
                    .iter()
                    .map(|a| {
                        let key = a.keyword.clone().unwrap_or_default();
                        (Value::new(ValueKind::Str(key), a.value.span), a.value.clone())
                    })
                    .collect(),
            ),
            _ => None,
        };
        let name = node
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("object"))
            .filter(|o| o.kind() == "identifier");
        let updated = match (entries, name) {
            (Some(entries), Some(name)) => self.update_dict(name, entries, scope),
            _ => false,
        };
        if !updated && let Some(name) = name {
            // An update we cannot follow changes the dict: unknown after.
            self.mark_mutated(name, scope);
        }
    }

    fn register_template(&mut self, value: &Value, scope: ScopeId) {
        if matches!(value.kind, ValueKind::Template(_)) {
            self.module.templates.push((value.clone(), scope));
        }
    }

    /// `a + b`, `"…" % x`, `60 * 24`: string building becomes a template,
    /// anything else keeps its operands for constant folding.
    fn lower_binary(&mut self, node: Node, scope: ScopeId) -> Value {
        let span = span_of(node);
        let (Some(left), Some(right), Some(operator)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
            node.child_by_field_name("operator"),
        ) else {
            return self.lower_generic(node, scope);
        };
        if self.is_addition(node) && self.is_addition(left) {
            return self.lower_addition_chain(node, scope);
        }
        let left = self.lower(left, scope);
        let right = self.lower(right, scope);
        let op = match self.text(operator) {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "//" => BinOp::FloorDiv,
            "%" => BinOp::Mod,
            "**" => BinOp::Pow,
            _ => return Value::unknown(span),
        };
        let stringy = |v: &Value| matches!(v.kind, ValueKind::Str(_) | ValueKind::Template(_));
        let parts = match op {
            BinOp::Add if stringy(&left) || stringy(&right) => concat_parts(vec![left, right]),
            BinOp::Mod if matches!(left.kind, ValueKind::Str(_)) => percent_format_parts(left, right),
            _ => return Value::new(ValueKind::BinOp(op, Box::new(left), Box::new(right)), span),
        };
        let value = template_or_literal(parts, span);
        self.register_template(&value, scope);
        value
    }

    fn is_addition(&self, node: Node) -> bool {
        node.kind() == "binary_operator"
            && node
                .child_by_field_name("operator")
                .is_some_and(|op| self.text(op) == "+")
    }

    /// `a + b + c + …`: tree-sitter nests the chain to the left, as deep as
    /// it is long. Walking its spine iteratively turns a 100,000-term string
    /// concatenation into one template in linear time (appending in place,
    /// registering the template once rather than once per prefix) instead of
    /// stopping at the depth limit. Numeric additions still nest, up to the
    /// depth limit; past it their value is unknown.
    fn lower_addition_chain(&mut self, node: Node, scope: ScopeId) -> Value {
        let mut operands = Vec::new();
        let mut leftmost = node;
        while self.is_addition(leftmost)
            && let (Some(left), Some(right)) = (
                leftmost.child_by_field_name("left"),
                leftmost.child_by_field_name("right"),
            )
        {
            operands.push((leftmost, right));
            leftmost = left;
        }
        let stringy = |v: &Value| matches!(v.kind, ValueKind::Str(_) | ValueKind::Template(_));
        let mut value = self.lower(leftmost, scope);
        let mut parts: Option<Vec<TemplatePart>> = None;
        let mut nested_sums = 0;
        for (sum, right) in operands.into_iter().rev() {
            let right = self.lower(right, scope);
            let span = span_of(sum);
            if let Some(parts) = parts.as_mut() {
                append_concat_part(parts, right);
            } else if stringy(&value) || stringy(&right) {
                let mut started = Vec::new();
                append_concat_part(&mut started, std::mem::replace(&mut value, Value::unknown(span)));
                append_concat_part(&mut started, right);
                parts = Some(started);
            } else if self.depth + nested_sums >= MAX_DEPTH {
                self.note_depth_limit(sum);
                value = Value::unknown(span);
                nested_sums = 0;
            } else {
                nested_sums += 1;
                value = Value::new(ValueKind::BinOp(BinOp::Add, Box::new(value), Box::new(right)), span);
            }
        }
        let value = match parts {
            Some(parts) => template_or_literal(parts, span_of(node)),
            None => value,
        };
        self.register_template(&value, scope);
        value
    }

    /// `kid in KEYS` / `kid not in ALLOWED`: the name was checked against a collection.
    fn record_membership_tests(&mut self, node: Node, scope: ScopeId) {
        let mut cursor = node.walk();
        let operators: Vec<&str> = node
            .children_by_field_name("operators", &mut cursor)
            .map(|op| self.text(op))
            .collect();
        if !operators.iter().any(|op| *op == "in" || op.starts_with("not")) {
            return;
        }
        if let Some(left) = node.named_child(0)
            && left.kind() == "identifier"
        {
            let name = self.text(left).to_string();
            self.module.membership_tests.push((scope, name));
        }
    }

    /// `app.config.update(JWT_SECRET_KEY=…)` / `.from_mapping(…)` /
    /// `.update({"X": …})` set configuration entries like assignments do.
    fn record_config_update(&mut self, callee: &Value, args: &[Arg], scope: ScopeId) {
        let ValueKind::Attr(base, method) = &callee.kind else {
            return;
        };
        if method != "update" && method != "from_mapping" {
            return;
        }
        let Some(container) = self.dotted_text(base) else {
            return;
        };
        if !container.ends_with("config") {
            return;
        }
        for arg in args {
            let entries = match &arg.keyword {
                Some(name) => vec![(name.clone(), arg.value.clone(), arg.value.span)],
                None => self.mapping_entries(&arg.value, scope, 0),
            };
            for (name, value, name_span) in entries {
                self.module.settings.push(Setting {
                    name,
                    container: Some(container.clone()),
                    container_value: None,
                    value,
                    name_span,
                    scope,
                });
            }
        }
    }

    /// The entries of a mapping handed to a configuration: a dict display,
    /// `dict(K=v)`, or a name bound to one of those earlier in this scope or
    /// the module (`settings = {...}` then `app.config.update(settings)`).
    /// Each entry: its key, its value, and where the key is written.
    fn mapping_entries(&self, value: &Value, scope: ScopeId, depth: usize) -> Vec<(String, Value, Span)> {
        match &value.kind {
            ValueKind::Dict { entries, .. } => entries
                .iter()
                .filter_map(|(key, value)| match &key.kind {
                    ValueKind::Str(name) => Some((name.clone(), value.clone(), key.span)),
                    _ => None,
                })
                .collect(),
            ValueKind::Call(id) => {
                let call = &self.module.calls[*id];
                if !matches!(&call.callee.kind, ValueKind::Name(n) if n == "dict") {
                    return Vec::new();
                }
                call.args
                    .iter()
                    .filter_map(|a| Some((a.keyword.clone()?, a.value.clone(), a.value.span)))
                    .collect()
            }
            ValueKind::Name(name) if depth == 0 => {
                let bound = self
                    .module
                    .bindings
                    .iter()
                    .rev()
                    .find(|b| b.name == *name && (b.scope == scope || b.scope == 0));
                match bound {
                    Some(binding) => self.mapping_entries(&binding.value.clone(), scope, depth + 1),
                    None => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    /// The text of a `Name`/`Attr` chain (`app.config`), if it is one.
    fn dotted_text(&self, value: &Value) -> Option<String> {
        match &value.kind {
            ValueKind::Name(name) => Some(name.clone()),
            ValueKind::Attr(base, name) => Some(format!("{}.{name}", self.dotted_text(base)?)),
            _ => None,
        }
    }

    /// `a = b = value`, `x: int = 1`, `a, b = 1, 2`, `obj.attr = v`, `d[k] = v`.
    fn lower_assignment(&mut self, node: Node, scope: ScopeId) -> Value {
        let value = match node.child_by_field_name("right") {
            Some(right) => self.lower(right, scope),
            None => self.unknown(node),
        };
        if let Some(left) = node.child_by_field_name("left") {
            if node.child_by_field_name("right").is_some() {
                self.bind_targets(left, &value, scope);
            } else {
                // An annotation without a value (`x: int`) binds nothing.
                self.lower_target_expressions(left, scope);
            }
        }
        value
    }

    /// Module and class-level assignments are configuration; so are the
    /// string-keyed entries of a module-level dict, and any
    /// `something.config["X"] = …`.
    fn record_setting(&mut self, target: Node, value: &Value, scope: ScopeId) {
        let kind = self.module.scopes[scope].kind;
        match target.kind() {
            "identifier" if kind != ScopeKind::Function => {
                let name = self.text(target).to_string();
                let container = self.class_names.get(&scope).cloned();
                if kind == ScopeKind::Module
                    && let ValueKind::Dict { entries, .. } = &value.kind
                {
                    for (key, entry) in entries {
                        // `SIMPLE_JWT = {"SIGNING_KEY": …}`: settings keys are
                        // upper case; `EMOJI = {"secret": "㊙"}` is data.
                        if let ValueKind::Str(key_name) = &key.kind
                            && is_setting_key(key_name)
                        {
                            self.module.settings.push(Setting {
                                name: key_name.clone(),
                                container: Some(name.clone()),
                                container_value: None,
                                value: entry.clone(),
                                name_span: key.span,
                                scope,
                            });
                        }
                    }
                }
                self.module.settings.push(Setting {
                    name,
                    container,
                    container_value: None,
                    value: value.clone(),
                    name_span: span_of(target),
                    scope,
                });
            }
            // Flask's `app.secret_key = …`: the `SECRET_KEY` setting.
            "attribute" => {
                let (Some(object), Some(attribute)) = (
                    target.child_by_field_name("object"),
                    target.child_by_field_name("attribute"),
                ) else {
                    return;
                };
                let container: String = self.text(object).chars().filter(|c| !c.is_whitespace()).collect();
                if self.text(attribute) != "secret_key" || matches!(container.as_str(), "self" | "cls") {
                    return;
                }
                self.module.settings.push(Setting {
                    name: self.text(attribute).to_string(),
                    container: Some(container),
                    container_value: None,
                    value: value.clone(),
                    name_span: span_of(attribute),
                    scope,
                });
            }
            "subscript" => {
                let (Some(base), Some(index)) = (
                    target.child_by_field_name("value"),
                    target.child_by_field_name("subscript"),
                ) else {
                    return;
                };
                let container: String = self.text(base).chars().filter(|c| !c.is_whitespace()).collect();
                if !container.ends_with("config") {
                    return;
                }
                if let ValueKind::Str(name) = self.lower(index, scope).kind {
                    self.module.settings.push(Setting {
                        name,
                        container: Some(container),
                        container_value: None,
                        value: value.clone(),
                        name_span: span_of(index),
                        scope,
                    });
                }
            }
            _ => {}
        }
    }

    fn bind_targets(&mut self, target: Node, value: &Value, scope: ScopeId) {
        if self.enter_target(target, scope) {
            self.bind_targets_within_limit(target, value, scope);
            self.depth -= 1;
        }
    }

    fn bind_targets_within_limit(&mut self, target: Node, value: &Value, scope: ScopeId) {
        self.record_setting(target, value, scope);
        if matches!(target.kind(), "attribute" | "subscript") {
            self.record_sink(SinkKind::Store, value.clone(), scope);
        }
        match target.kind() {
            "identifier" => {
                let name = self.text(target).to_string();
                let visible = self.module.scopes[scope].span;
                self.bind_name(name, scope, value.clone(), span_of(target), visible);
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let mut cursor = target.walk();
                let parts: Vec<Node> = target
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .collect();
                match &value.kind {
                    ValueKind::List(items)
                        if items.len() == parts.len() && parts.iter().all(|p| p.kind() != "list_splat_pattern") =>
                    {
                        let items = items.clone();
                        for (part, item) in parts.into_iter().zip(items.iter()) {
                            self.bind_targets(part, item, scope);
                        }
                    }
                    _ => {
                        for part in parts {
                            self.bind_targets_unknown(part, scope);
                        }
                    }
                }
            }
            "parenthesized_expression" => {
                if let Some(inner) = target.named_child(0) {
                    self.bind_targets(inner, value, scope)
                }
            }
            // `opts["verify_aud"] = False` on a dict bound just before.
            "subscript" if self.set_entry(target, value, scope) => {}
            _ => self.bind_targets_unknown(target, scope),
        }
    }

    /// `name[key] = value` where `name` holds a dict display that reaches
    /// this statement and `key` is a string: `name` is rebound to that dict
    /// with the entry set. Anything else mutates `name` (unknown after).
    fn set_entry(&mut self, target: Node, value: &Value, scope: ScopeId) -> bool {
        let (Some(base), Some(index)) = (
            target.child_by_field_name("value"),
            target.child_by_field_name("subscript"),
        ) else {
            return false;
        };
        if base.kind() != "identifier" {
            return false;
        }
        let key = self.lower(index, scope);
        if !matches!(key.kind, ValueKind::Str(_)) {
            return false;
        }
        self.lower(base, scope);
        self.update_dict(base, vec![(key, value.clone())], scope)
    }

    /// Rebinds the dict `name` holds (the one binding of it that reaches
    /// here, a dict display) with `entries` set, later ones winning.
    fn update_dict(&mut self, name: Node, entries: Vec<(Value, Value)>, scope: ScopeId) -> bool {
        let text = self.text(name).to_string();
        let Some(binding) = self.flow.only(scope, &text) else {
            return false;
        };
        let ValueKind::Dict { entries: old, open } = &self.module.bindings[binding].value.kind else {
            return false;
        };
        let mut merged = old.clone();
        for (key, value) in entries {
            let ValueKind::Str(wanted) = &key.kind else {
                return false;
            };
            merged.retain(|(k, _)| !matches!(&k.kind, ValueKind::Str(s) if s == wanted));
            merged.push((key, value));
        }
        let dict = Value::new(
            ValueKind::Dict {
                entries: merged,
                open: *open,
            },
            span_of(name),
        );
        let visible = self.module.scopes[scope].span;
        self.bind_name(text, scope, dict, span_of(name), visible);
        true
    }

    /// Binds every name a target introduces to an unknown value; attribute
    /// and subscript targets mutate their base instead.
    fn bind_targets_unknown(&mut self, target: Node, scope: ScopeId) {
        if self.enter_target(target, scope) {
            self.bind_targets_unknown_within_limit(target, scope);
            self.depth -= 1;
        }
    }

    fn bind_targets_unknown_within_limit(&mut self, target: Node, scope: ScopeId) {
        match target.kind() {
            "identifier" => self.bind_unknown(target, scope),
            "attribute" | "subscript" => {
                self.mark_mutated(target, scope);
                self.lower_target_expressions(target, scope);
            }
            _ => {
                let mut cursor = target.walk();
                let parts: Vec<Node> = target.named_children(&mut cursor).collect();
                for part in parts {
                    self.bind_targets_unknown(part, scope);
                }
            }
        }
    }

    /// The expressions inside an attribute or subscript target still run:
    /// `cache[make_key(t)] = v` calls `make_key`.
    fn lower_target_expressions(&mut self, target: Node, scope: ScopeId) {
        match target.kind() {
            "attribute" => {
                if let Some(object) = target.child_by_field_name("object") {
                    self.lower(object, scope);
                }
            }
            "subscript" => {
                self.lower_subscript(target, scope);
            }
            _ => {}
        }
    }

    /// Binds a name and tells the flow tracker.
    fn bind_name(&mut self, name: String, scope: ScopeId, value: Value, span: Span, visible: Span) {
        self.flow.bind(scope, &name, self.module.bindings.len());
        self.module.bind(name, scope, value, span, visible);
    }

    fn bind_unknown(&mut self, name: Node, scope: ScopeId) {
        let visible = self.module.scopes[scope].span;
        self.bind_name(
            self.text(name).to_string(),
            scope,
            Value::unknown(span_of(name)),
            span_of(name),
            visible,
        );
    }

    fn bind_all_identifiers_unknown(&mut self, node: Node, scope: ScopeId) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if n.kind() == "identifier" {
                self.bind_unknown(n, scope);
                continue;
            }
            let mut cursor = n.walk();
            stack.extend(n.named_children(&mut cursor));
        }
    }

    /// `d["k"] = v`, `obj.x = v`, `x += 1`, `global x`: the base name no
    /// longer holds the value it was bound to, so resolution treats it as unknown.
    fn mark_mutated(&mut self, target: Node, scope: ScopeId) {
        let mut base = target;
        loop {
            match base.kind() {
                "attribute" => match base.child_by_field_name("object") {
                    Some(object) => base = object,
                    None => return,
                },
                "subscript" => match base.child_by_field_name("value") {
                    Some(value) => base = value,
                    None => return,
                },
                "identifier" => break,
                _ => return,
            }
        }
        let name = self.text(base).to_string();
        self.module.reassigned.push((scope, name));
    }

    fn lower_import(&mut self, node: Node, scope: ScopeId) {
        let mut cursor = node.walk();
        let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
        for name in names {
            match name.kind() {
                "dotted_name" => {
                    // `import a.b.c` binds `a` to the package `a`.
                    let path = self.dotted(name);
                    let first = path.split('.').next().unwrap_or(&path).to_string();
                    self.bind_import(&first, first.clone(), name, scope);
                }
                "aliased_import" => {
                    let (Some(target), Some(alias)) =
                        (name.child_by_field_name("name"), name.child_by_field_name("alias"))
                    else {
                        continue;
                    };
                    let path = self.dotted(target);
                    let alias = self.text(alias).to_string();
                    self.bind_import(&alias, path, name, scope);
                }
                _ => {}
            }
        }
    }

    fn lower_import_from(&mut self, node: Node, scope: ScopeId) {
        let Some(module_node) = node.child_by_field_name("module_name") else {
            return;
        };
        let module_path = self.dotted(module_node);
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        if children.iter().any(|c| c.kind() == "wildcard_import") {
            self.module.glob_imports.push(module_path.clone());
        }
        let mut cursor = node.walk();
        let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
        for name in names {
            let (target, local) = match name.kind() {
                "dotted_name" => (name, None),
                "aliased_import" => match (name.child_by_field_name("name"), name.child_by_field_name("alias")) {
                    (Some(t), Some(a)) => (t, Some(a)),
                    _ => continue,
                },
                _ => continue,
            };
            let imported = self.dotted(target);
            let local = match local {
                Some(alias) => self.text(alias).to_string(),
                None => imported.rsplit('.').next().unwrap_or(&imported).to_string(),
            };
            let path = if module_path.ends_with('.') {
                format!("{module_path}{imported}")
            } else {
                format!("{module_path}.{imported}")
            };
            self.bind_import(&local, path, name, scope);
        }
    }

    fn bind_import(&mut self, local: &str, path: String, node: Node, scope: ScopeId) {
        let visible = self.module.scopes[scope].span;
        let span = span_of(node);
        self.bind_name(
            local.to_string(),
            scope,
            Value::new(ValueKind::Imported(path), span),
            span,
            visible,
        );
    }

    /// The text of a dotted or relative module name with whitespace removed.
    fn dotted(&self, node: Node) -> String {
        self.text(node)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\\')
            .collect()
    }

    /// Python looks names up in enclosing functions and the module, never in
    /// an enclosing class body.
    fn enclosing_non_class(&self, mut scope: ScopeId) -> ScopeId {
        while self.module.scopes[scope].kind == ScopeKind::Class {
            match self.module.scopes[scope].parent {
                Some(parent) => scope = parent,
                None => break,
            }
        }
        scope
    }

    fn lower_function(&mut self, node: Node, scope: ScopeId) {
        let parent = self.enclosing_non_class(scope);
        let qualified = node.child_by_field_name("name").map(|name| {
            let name = self.text(name);
            match self.class_names.get(&scope) {
                Some(class) => format!("{class}.{name}"),
                None => name.to_string(),
            }
        });
        let inner = self
            .module
            .push_scope(ScopeKind::Function, qualified, parent, span_of(node));
        let mut params = Vec::new();
        if let Some(list) = node.child_by_field_name("parameters") {
            params = self.lower_parameters(list, scope, inner);
        }
        let id = self.module.functions.len();
        let name = node.child_by_field_name("name");
        self.module.functions.push(FunctionDef {
            name: name.map(|n| self.text(n).to_string()).unwrap_or_default(),
            scope: inner,
            params,
            returns: Vec::new(),
            is_method: self.module.scopes[scope].kind == ScopeKind::Class && !is_static_method(node, self.src),
            span: span_of(node),
        });
        if let Some(name) = name {
            let visible = self.module.scopes[scope].span;
            let function = Value::new(ValueKind::Function(id), span_of(name));
            self.bind_name(self.text(name).to_string(), scope, function, span_of(name), visible);
        }
        if let Some(ret) = node.child_by_field_name("return_type") {
            self.lower(ret, scope);
        }
        if let Some(body) = node.child_by_field_name("body") {
            // The body runs later: its flow is its own.
            let outer = self.function.replace(id);
            let mark = self.flow.start();
            self.lower(body, inner);
            self.flow.end(mark);
            self.function = outer;
        }
    }

    /// `if`/`elif`/`else`: one branch runs, or none without an `else`.
    fn lower_if(&mut self, node: Node, scope: ScopeId) {
        if let Some(condition) = node.child_by_field_name("condition") {
            self.lower(condition, scope);
        }
        let mut branches = vec![self.branch(node.child_by_field_name("consequence"), scope)];
        let mut cursor = node.walk();
        let alternatives: Vec<Node> = node.children_by_field_name("alternative", &mut cursor).collect();
        let mut has_else = false;
        for alternative in alternatives {
            has_else |= alternative.kind() == "else_clause";
            // An `elif` condition runs only when the conditions before failed.
            branches.push(self.branch(Some(alternative), scope));
        }
        self.flow.join(branches, !has_else);
    }

    /// Lowers `node` as a branch of the flow and undoes it, for a join.
    fn branch(&mut self, node: Option<Node>, scope: ScopeId) -> Branch {
        let mark = self.flow.start();
        if let Some(node) = node {
            self.lower(node, scope);
        }
        self.flow.end(mark)
    }

    /// `for`/`while`: the body runs any number of times; an `else` after.
    fn lower_loop(&mut self, node: Node, scope: ScopeId) {
        let fields = ["condition", "right"];
        for field in fields {
            if let Some(child) = node.child_by_field_name(field) {
                self.lower(child, scope);
            }
        }
        let mark = self.flow.start();
        if let Some(left) = node.child_by_field_name("left") {
            self.bind_targets_unknown(left, scope);
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.lower(body, scope);
        }
        let body = self.flow.end(mark);
        self.flow.join_loop(mark, body);
        if let Some(alternative) = node.child_by_field_name("alternative") {
            self.lower(alternative, scope);
        }
    }

    /// `try`: a handler may run after any part of the body.
    fn lower_try(&mut self, node: Node, scope: ScopeId) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        let body = self.branch(node.child_by_field_name("body"), scope);
        self.flow.join(vec![body], true);
        let mut handlers = Vec::new();
        for child in &children {
            match child.kind() {
                "except_clause" | "except_group_clause" => handlers.push(self.branch(Some(*child), scope)),
                "else_clause" => handlers.push(self.branch(Some(*child), scope)),
                _ => {}
            }
        }
        self.flow.join(handlers, true);
        for child in children {
            if child.kind() == "finally_clause" {
                self.lower(child, scope);
            }
        }
    }

    /// `match`: one case runs, or none.
    fn lower_match(&mut self, node: Node, scope: ScopeId) {
        if let Some(subject) = node.child_by_field_name("subject") {
            self.lower(subject, scope);
        }
        let mut branches = Vec::new();
        if let Some(body) = node.child_by_field_name("body") {
            let mut cursor = body.walk();
            let cases: Vec<Node> = body.named_children(&mut cursor).collect();
            for case in cases {
                branches.push(self.branch(Some(case), scope));
            }
        }
        self.flow.join(branches, true);
    }

    fn lower_lambda(&mut self, node: Node, scope: ScopeId) {
        let parent = self.enclosing_non_class(scope);
        let inner = self.module.push_scope(ScopeKind::Function, None, parent, span_of(node));
        if let Some(params) = node.child_by_field_name("parameters") {
            self.lower_parameters(params, scope, inner);
        }
        if let Some(body) = node.child_by_field_name("body") {
            // A lambda's body is an expression, not a place `return` reaches.
            let outer = self.function.take();
            self.lower(body, inner);
            self.function = outer;
        }
    }

    /// Parameters are bound (to unknown values) in the function's scope;
    /// their defaults and annotations are evaluated in the enclosing one.
    /// Returns them in order, for resolving a parameter at a call site.
    fn lower_parameters(&mut self, params: Node, outer: ScopeId, inner: ScopeId) -> Vec<ParamDef> {
        let mut cursor = params.walk();
        let children: Vec<Node> = params.named_children(&mut cursor).collect();
        let mut defs = Vec::new();
        // Before a `*` or `*args`, parameters may be passed by position.
        let mut kind = ParamKind::Positional;
        for param in children {
            let (name, default) = match param.kind() {
                "identifier" => {
                    self.bind_unknown(param, inner);
                    self.record_parameter(param, None, None, outer);
                    (Some(param), None)
                }
                "default_parameter" | "typed_default_parameter" => {
                    if let Some(name) = param.child_by_field_name("name") {
                        self.bind_targets_unknown(name, inner);
                    }
                    let default = param.child_by_field_name("value").map(|v| self.lower(v, outer));
                    let annotation = param.child_by_field_name("type").map(|t| self.lower(t, outer));
                    let name = param.child_by_field_name("name");
                    if let Some(name) = name {
                        self.record_parameter(name, default.clone(), annotation, outer);
                    }
                    (name, default)
                }
                "typed_parameter" => {
                    let mut c = param.walk();
                    let parts: Vec<Node> = param.named_children(&mut c).collect();
                    let mut annotation = None;
                    let mut name = None;
                    for part in parts {
                        if part.kind() == "type" {
                            annotation = Some(self.lower(part, outer));
                        } else {
                            self.bind_targets_unknown(part, inner);
                            name = Some(part);
                        }
                    }
                    if let Some(name) = name {
                        self.record_parameter(name, None, annotation, outer);
                    }
                    // `*args: int` / `**kwargs: str` are typed splats.
                    match name.map(|n| n.kind()) {
                        Some("list_splat_pattern") | Some("dictionary_splat_pattern") => {
                            let splat = name.expect("matched above");
                            defs.push(self.splat_param(splat));
                            if splat.kind() == "list_splat_pattern" {
                                kind = ParamKind::KeywordOnly;
                            }
                            continue;
                        }
                        _ => (name, None),
                    }
                }
                "list_splat_pattern" | "dictionary_splat_pattern" => {
                    self.bind_targets_unknown(param, inner);
                    defs.push(self.splat_param(param));
                    if param.kind() == "list_splat_pattern" {
                        kind = ParamKind::KeywordOnly;
                    }
                    continue;
                }
                "tuple_pattern" => {
                    // Python 2 only; its names hold unknown values.
                    self.bind_targets_unknown(param, inner);
                    defs.push(ParamDef {
                        name: String::new(),
                        span: span_of(param),
                        kind,
                        default: None,
                    });
                    continue;
                }
                "keyword_separator" => {
                    kind = ParamKind::KeywordOnly;
                    continue;
                }
                "positional_separator" => {
                    for def in defs.iter_mut().filter(|d| d.kind == ParamKind::Positional) {
                        def.kind = ParamKind::PositionalOnly;
                    }
                    continue;
                }
                _ => continue,
            };
            let (name, span, param_kind) = match name {
                Some(n) if n.kind() == "identifier" => (self.text(n).to_string(), span_of(n), kind),
                _ => (String::new(), span_of(param), kind),
            };
            defs.push(ParamDef {
                name,
                span,
                kind: param_kind,
                default,
            });
        }
        defs
    }

    /// `*args` or `**kwargs`.
    fn splat_param(&self, splat: Node) -> ParamDef {
        let name = splat.named_child(0).filter(|n| n.kind() == "identifier");
        ParamDef {
            name: name.map(|n| self.text(n).to_string()).unwrap_or_default(),
            span: name.map_or(span_of(splat), span_of),
            kind: if splat.kind() == "list_splat_pattern" {
                ParamKind::VarArgs
            } else {
                ParamKind::VarKeywords
            },
            default: None,
        }
    }

    fn record_parameter(&mut self, name: Node, default: Option<Value>, annotation: Option<Value>, scope: ScopeId) {
        if name.kind() != "identifier" {
            return;
        }
        self.module.parameters.push(Parameter {
            name: self.text(name).to_string(),
            span: span_of(name),
            default,
            annotation,
            scope,
        });
    }

    fn lower_class(&mut self, node: Node, scope: ScopeId) {
        if let Some(supers) = node.child_by_field_name("superclasses") {
            self.lower(supers, scope);
        }
        let name = node.child_by_field_name("name").map(|n| self.text(n).to_string());
        let inner = self.module.push_scope(ScopeKind::Class, name, scope, span_of(node));
        if let Some(name) = node.child_by_field_name("name") {
            let visible = self.module.scopes[scope].span;
            let class = Value::new(ValueKind::ClassDef(inner), span_of(name));
            self.bind_name(self.text(name).to_string(), scope, class, span_of(name), visible);
        }
        if let Some(name) = node.child_by_field_name("name") {
            self.class_names.insert(inner, self.text(name).to_string());
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.lower(body, inner);
        }
    }

    fn lower_string(&mut self, node: Node, scope: ScopeId) -> Value {
        let span = span_of(node);
        let mut prefix = String::new();
        let mut parts: Vec<TemplatePart> = Vec::new();
        let mut literal = String::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        for child in &children {
            if child.kind() == "string_start" {
                prefix = self
                    .text(*child)
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect::<String>()
                    .to_ascii_lowercase();
            }
        }
        let raw = prefix.contains('r');
        let is_bytes = prefix.contains('b');
        for child in children {
            match child.kind() {
                "string_content" => {
                    let text = self.text(child);
                    if raw {
                        literal.push_str(text);
                    } else {
                        literal.push_str(&decode_escapes(text));
                    }
                }
                "escape_interpolation" => literal.push_str(&self.text(child)[..1]),
                "interpolation" => {
                    if !literal.is_empty() {
                        parts.push(TemplatePart::Lit(std::mem::take(&mut literal)));
                    }
                    let hole = match child.child_by_field_name("expression") {
                        Some(expr) => self.lower(expr, scope),
                        None => self.unknown(child),
                    };
                    parts.push(TemplatePart::Hole(hole));
                }
                _ => {}
            }
        }
        if !parts.is_empty() {
            if !literal.is_empty() {
                parts.push(TemplatePart::Lit(literal));
            }
            return Value::new(ValueKind::Template(parts), span);
        }
        if is_bytes {
            Value::new(
                ValueKind::Bytes(literal.chars().map(|c| c as u32 as u8).collect()),
                span,
            )
        } else {
            Value::new(ValueKind::Str(literal), span)
        }
    }

    fn lower_concatenated_string(&mut self, node: Node, scope: ScopeId) -> Value {
        let span = span_of(node);
        let pieces = self.lower_children(node, scope);
        let mut parts = Vec::new();
        let mut all_bytes = true;
        for piece in pieces {
            match piece.kind {
                ValueKind::Str(s) => {
                    all_bytes = false;
                    parts.push(TemplatePart::Lit(s));
                }
                ValueKind::Bytes(b) => parts.push(TemplatePart::Lit(b.iter().map(|&c| c as char).collect())),
                ValueKind::Template(inner) => {
                    all_bytes = false;
                    parts.extend(inner);
                }
                _ => return Value::unknown(span),
            }
        }
        if parts.iter().all(|p| matches!(p, TemplatePart::Lit(_))) {
            let joined: String = parts
                .iter()
                .map(|p| match p {
                    TemplatePart::Lit(s) => s.as_str(),
                    TemplatePart::Hole(_) => "",
                })
                .collect();
            if all_bytes {
                return Value::new(ValueKind::Bytes(joined.chars().map(|c| c as u32 as u8).collect()), span);
            }
            return Value::new(ValueKind::Str(joined), span);
        }
        Value::new(ValueKind::Template(parts), span)
    }
}

/// An upper-case identifier with at least one letter: how settings are named.
fn is_setting_key(key: &str) -> bool {
    key.chars().any(|c| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Joins operands of a string `+` into template parts, flattening nested
/// templates and literals.
fn concat_parts(operands: Vec<Value>) -> Vec<TemplatePart> {
    let mut parts = Vec::new();
    for operand in operands {
        match operand.kind {
            ValueKind::Str(s) => parts.push(TemplatePart::Lit(s)),
            ValueKind::Template(inner) => parts.extend(inner),
            _ => parts.push(TemplatePart::Hole(operand)),
        }
    }
    parts
}

/// Appends one operand of a string `+` to a template's parts, in place:
/// literal text joins a literal before it, a template's parts are spliced in,
/// anything else is a hole.
fn append_concat_part(parts: &mut Vec<TemplatePart>, operand: Value) {
    let push_literal = |parts: &mut Vec<TemplatePart>, text: String| match parts.last_mut() {
        Some(TemplatePart::Lit(last)) => last.push_str(&text),
        _ => parts.push(TemplatePart::Lit(text)),
    };
    match operand.kind {
        ValueKind::Str(text) => push_literal(parts, text),
        ValueKind::Template(inner) => {
            for part in inner {
                match part {
                    TemplatePart::Lit(text) => push_literal(parts, text),
                    hole => parts.push(hole),
                }
            }
        }
        _ => parts.push(TemplatePart::Hole(operand)),
    }
}

/// `"…%s…%(name)s…" % args`: literal parts with a hole per conversion.
fn percent_format_parts(format: Value, args: Value) -> Vec<TemplatePart> {
    let ValueKind::Str(text) = format.kind else {
        return vec![TemplatePart::Hole(format), TemplatePart::Hole(args)];
    };
    let mut positional: Vec<Value> = match args.kind {
        ValueKind::List(items) => items,
        ValueKind::Dict { .. } => Vec::new(),
        _ => vec![args.clone()],
    };
    positional.reverse();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            literal.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            literal.push('%');
            continue;
        }
        // Skip the conversion spec up to and including its type letter.
        let mut named = false;
        while let Some(&next) = chars.peek() {
            chars.next();
            if next == '(' {
                named = true;
                for inner in chars.by_ref() {
                    if inner == ')' {
                        break;
                    }
                }
                continue;
            }
            if next.is_ascii_alphabetic() {
                break;
            }
        }
        if !literal.is_empty() {
            parts.push(TemplatePart::Lit(std::mem::take(&mut literal)));
        }
        let hole = if named { None } else { positional.pop() };
        parts.push(TemplatePart::Hole(hole.unwrap_or_else(|| Value::unknown(args.span))));
    }
    if !literal.is_empty() {
        parts.push(TemplatePart::Lit(literal));
    }
    parts
}

/// `"…{}…{name}…".format(a, name=b)` on a literal: a template.
fn format_call_template(callee: &Value, args: &[Arg], unpacks: bool, span: Span) -> Option<Value> {
    let ValueKind::Attr(receiver, method) = &callee.kind else {
        return None;
    };
    let ValueKind::Str(text) = &receiver.kind else {
        return None;
    };
    if method != "format" {
        return None;
    }
    let positional: Vec<&Value> = args.iter().filter(|a| a.keyword.is_none()).map(|a| &a.value).collect();
    let mut next_auto = 0;
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut field = String::new();
                for inner in chars.by_ref() {
                    if inner == '}' {
                        break;
                    }
                    field.push(inner);
                }
                let name = field
                    .split([':', '!', '.', '['])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let hole = if name.is_empty() {
                    next_auto += 1;
                    positional.get(next_auto - 1).copied()
                } else if let Ok(index) = name.parse::<usize>() {
                    positional.get(index).copied()
                } else {
                    args.iter()
                        .find(|a| a.keyword.as_deref() == Some(name.as_str()))
                        .map(|a| &a.value)
                };
                if !literal.is_empty() {
                    parts.push(TemplatePart::Lit(std::mem::take(&mut literal)));
                }
                let hole = match hole {
                    Some(value) if !unpacks => value.clone(),
                    _ => Value::unknown(span),
                };
                parts.push(TemplatePart::Hole(hole));
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        parts.push(TemplatePart::Lit(literal));
    }
    Some(template_or_literal(parts, span))
}

/// A template without holes is just a string.
fn template_or_literal(parts: Vec<TemplatePart>, span: Span) -> Value {
    if parts.iter().all(|p| matches!(p, TemplatePart::Lit(_))) {
        let text: String = parts
            .into_iter()
            .map(|p| match p {
                TemplatePart::Lit(s) => s,
                TemplatePart::Hole(_) => String::new(),
            })
            .collect();
        return Value::new(ValueKind::Str(text), span);
    }
    Value::new(ValueKind::Template(parts), span)
}

/// Decodes the escapes of a non-raw Python string body. Unknown escapes stay
/// as written, as Python does.
fn decode_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push('\\');
            break;
        };
        match next {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            '\n' => {}
            'x' | 'u' | 'U' => {
                let width = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..width)
                    .filter_map(|_| chars.next_if(|c| c.is_ascii_hexdigit()))
                    .collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) if hex.len() == width => out.push(decoded),
                    _ => {
                        out.push('\\');
                        out.push(next);
                        out.push_str(&hex);
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn parse_python_int(text: &str) -> Option<i128> {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    let lower = lower.trim_end_matches(['l', 'j']);
    if let Some(hex) = lower.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = lower.strip_prefix("0o") {
        i128::from_str_radix(oct, 8).ok()
    } else if let Some(bin) = lower.strip_prefix("0b") {
        i128::from_str_radix(bin, 2).ok()
    } else {
        lower.parse().ok()
    }
}

/// `dict(verify_signature=False)`: a dict display written as a call.
fn dict_of_keywords(callee: &Value, args: &[Arg], star_args: bool, star_kwargs: bool, span: Span) -> Option<Value> {
    if !matches!(&callee.kind, ValueKind::Name(n) if n == "dict")
        || star_args
        || args.iter().any(|a| a.keyword.is_none())
    {
        return None;
    }
    let entries = args
        .iter()
        .map(|a| {
            let key = a.keyword.clone().unwrap_or_default();
            (Value::new(ValueKind::Str(key), a.value.span), a.value.clone())
        })
        .collect();
    Some(Value::new(
        ValueKind::Dict {
            entries,
            open: star_kwargs,
        },
        span,
    ))
}

/// A function decorated `@staticmethod`: in a class body, yet it takes no
/// receiver.
fn is_static_method(function: Node, src: &str) -> bool {
    let Some(parent) = function.parent().filter(|p| p.kind() == "decorated_definition") else {
        return false;
    };
    let mut cursor = parent.walk();
    parent
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "decorator")
        .any(|d| src[d.byte_range()].trim_start_matches('@').trim() == "staticmethod")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Binding;

    /// Every Python fixture and example lowers to the same model whether it
    /// is parsed whole or one top-level statement at a time.
    #[test]
    fn a_file_lowered_in_pieces_gives_the_model_of_the_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        for dir in ["fixtures/python", "examples"] {
            for entry in walkdir::WalkDir::new(root.join(dir)) {
                let path = entry.expect("the fixtures are readable").into_path();
                if path.extension().is_some_and(|e| e == "py") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 20, "the fixtures were found");
        let mut cut = 0;
        for path in &files {
            let src = std::fs::read_to_string(path).expect("a fixture is UTF-8");
            cut += python_piece_starts(&src, 1).len() - 1;
            let whole = format!("{:?}", lower_on_a_large_stack_in_pieces(src.clone(), usize::MAX));
            let pieces = format!("{:?}", lower_on_a_large_stack_in_pieces(src, 1));
            assert!(whole == pieces, "{} lowers differently in pieces", path.display());
        }
        assert!(cut > 100, "the fixtures were cut into pieces ({cut} cuts)");
    }

    #[test]
    fn pieces_start_only_at_top_level_statements() {
        let src = "import os\n@decorate\ndef f(\n    a,\n):\n    x = '''\nnot = 1\n'''\n    return x\n\
                   if a:\n    pass\nelse:\n    pass\ny = 1 + \\\n2\nz = f'{a\n}'\nclass C: pass\n";
        let starts: Vec<&str> = python_piece_starts(src, 1)
            .into_iter()
            .map(|at| src[at..].lines().next().unwrap_or(""))
            .collect();
        assert_eq!(
            starts,
            [
                "import os",
                "@decorate",
                "if a:",
                "y = 1 + \\",
                "z = f'{a",
                "class C: pass"
            ]
        );
        // Pieces are at least the size asked for.
        assert_eq!(python_piece_starts(src, 40).len(), 3);
        assert_eq!(python_piece_starts(src, usize::MAX), [0]);
    }

    fn lower_on_a_large_stack_in_pieces(src: String, piece_bytes: usize) -> Module {
        std::thread::Builder::new()
            .stack_size(crate::isolate::WORKER_STACK_SIZE)
            .spawn(move || lower_python_in_pieces(&src, piece_bytes))
            .expect("a thread starts")
            .join()
            .expect("lowering does not panic")
    }

    fn call_with_callee<'m>(module: &'m Module, src: &str, callee_text: &str) -> &'m Call {
        module
            .calls
            .iter()
            .find(|c| &src[c.callee.span.start..c.callee.span.end] == callee_text)
            .unwrap_or_else(|| panic!("no call to {callee_text}"))
    }

    #[test]
    fn lowers_keyword_and_positional_arguments() {
        let src = "import jwt\njwt.decode(tok, 'k', algorithms=['HS256'], **extra)\n";
        let m = lower_python(src);
        let call = call_with_callee(&m, src, "jwt.decode");
        assert_eq!(call.args.len(), 3);
        assert!(call.star_kwargs);
        assert!(!call.star_args);
        assert!(matches!(&call.args[1].value.kind, ValueKind::Str(s) if s == "k"));
        assert_eq!(call.args[2].keyword.as_deref(), Some("algorithms"));
        assert!(matches!(&call.args[2].value.kind, ValueKind::List(items) if items.len() == 1));
    }

    #[test]
    fn imports_bind_canonical_paths() {
        let src = "import jwt as pyjwt\nfrom jose import jwt\nfrom jwt import decode as d\nimport a.b.c\nfrom . import x\nfrom .cfg import KEY\nfrom lib import *\n";
        let m = lower_python(src);
        let imported = |name: &str| {
            m.bindings
                .iter()
                .find(|b| b.name == name)
                .and_then(|b| match &b.value.kind {
                    ValueKind::Imported(p) => Some(p.clone()),
                    _ => None,
                })
        };
        assert_eq!(imported("pyjwt").as_deref(), Some("jwt"));
        assert_eq!(imported("jwt").as_deref(), Some("jose.jwt"));
        assert_eq!(imported("d").as_deref(), Some("jwt.decode"));
        assert_eq!(imported("a").as_deref(), Some("a"));
        assert_eq!(imported("x").as_deref(), Some(".x"));
        assert_eq!(imported("KEY").as_deref(), Some(".cfg.KEY"));
        assert_eq!(m.glob_imports, vec!["lib".to_string()]);
    }

    #[test]
    fn strings_decode_prefixes_escapes_and_templates() {
        let src = "a = 'x\\ty'\nb = b'\\x41B'\nc = r'\\d'\nd = f'?token={t}&x'\ne = 'ab' 'cd'\n";
        let m = lower_python(src);
        let value = |name: &str| m.bindings.iter().find(|b| b.name == name).map(|b| b.value.kind.clone());
        assert!(matches!(value("a"), Some(ValueKind::Str(s)) if s == "x\ty"));
        assert!(matches!(value("b"), Some(ValueKind::Bytes(b)) if b == b"AB"));
        assert!(matches!(value("c"), Some(ValueKind::Str(s)) if s == "\\d"));
        match value("d") {
            Some(ValueKind::Template(parts)) => {
                assert_eq!(parts.len(), 3);
                assert!(matches!(&parts[0], TemplatePart::Lit(s) if s == "?token="));
                assert!(
                    matches!(&parts[1], TemplatePart::Hole(v) if matches!(&v.kind, ValueKind::Name(n) if n == "t"))
                );
            }
            other => panic!("expected a template, got {other:?}"),
        }
        assert!(matches!(value("e"), Some(ValueKind::Str(s)) if s == "abcd"));
    }

    #[test]
    fn function_scopes_skip_class_bodies_and_bind_parameters() {
        let src = "class C:\n    KEY = 'k'\n    def f(self, token, key='d', *a, **kw):\n        return key\n";
        let m = lower_python(src);
        let f_scope = m.scopes.iter().position(|s| s.kind == ScopeKind::Function).unwrap();
        assert_eq!(
            m.scopes[f_scope].parent,
            Some(0),
            "a method's names skip the class body"
        );
        let params: Vec<&str> = m
            .bindings
            .iter()
            .filter(|b| b.scope == f_scope)
            .map(|b| b.name.as_str())
            .collect();
        assert_eq!(params, vec!["self", "token", "key", "a", "kw"]);
        assert!(
            m.bindings
                .iter()
                .filter(|b| b.scope == f_scope)
                .all(|b| b.value.is_unknown())
        );
    }

    #[test]
    fn a_function_keeps_its_parameters_in_order_and_what_it_returns() {
        let src = "class C:\n    def m(self, a):\n        return a\n    @staticmethod\n    def s(a):\n        return a\n\n\
                   def f(a, /, b, c=3, *rest, d, e=5, **extra):\n    if a:\n        return b\n    return c\n\n\
                   g = lambda x: x\n";
        let m = lower_python(src);
        let names: Vec<&str> = m.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["m", "s", "f"]);
        assert!(m.functions[0].is_method);
        assert!(!m.functions[1].is_method, "a static method takes no receiver");
        let f = &m.functions[2];
        let params: Vec<(&str, ParamKind)> = f.params.iter().map(|p| (p.name.as_str(), p.kind)).collect();
        assert_eq!(
            params,
            [
                ("a", ParamKind::PositionalOnly),
                ("b", ParamKind::Positional),
                ("c", ParamKind::Positional),
                ("rest", ParamKind::VarArgs),
                ("d", ParamKind::KeywordOnly),
                ("e", ParamKind::KeywordOnly),
                ("extra", ParamKind::VarKeywords),
            ]
        );
        assert!(matches!(
            f.params[2].default.as_ref().map(|v| &v.kind),
            Some(ValueKind::Int(3))
        ));
        let returned: Vec<&str> = f.returns.iter().map(|v| &src[v.span.start..v.span.end]).collect();
        assert_eq!(returned, ["b", "c"]);
        // Each parameter's span is where its name is bound.
        for param in &f.params {
            assert!(m.bindings.iter().any(|b| b.span == param.span && b.name == param.name));
        }
        let bound = m.bindings.iter().find(|b| b.name == "f").expect("f is bound");
        assert!(matches!(bound.value.kind, ValueKind::Function(2)));
        assert_eq!(m.functions.len(), 3, "a lambda is not a function definition");
    }

    #[test]
    fn the_binding_that_reaches_a_use_is_recorded_in_statement_order() {
        let src = "def f(c, items):\n    x = 1\n    x = 2\n    use(x)\n    if c:\n        x = 3\n    use(x)\n\
                   \x20   if c:\n        x = 4\n    else:\n        return\n    use(x)\n\
                   \x20   for i in items:\n        use(x)\n        x = 5\n    y = 1\n    use(y)\n";
        let m = lower_python(src);
        let reached = |nth: usize| {
            let at = src.match_indices("use(").nth(nth).expect("a use").0 + 4;
            m.reaching_at(at).map(|b| &src[b.value.span.start..b.value.span.end])
        };
        assert_eq!(reached(0), Some("2"), "the later binding wins");
        assert!(
            matches!(m.reaching_at(src.match_indices("use(").nth(1).unwrap().0 + 4).map(|b| &b.value.kind), Some(ValueKind::Choice(c)) if c.len() == 2),
            "after an `if` without `else`, both reach"
        );
        assert_eq!(reached(2), Some("4"), "the `else` returns");
        assert!(
            matches!(m.reaching_at(src.match_indices("use(").nth(3).unwrap().0 + 4).map(|b| &b.value.kind), Some(ValueKind::Choice(c)) if c.len() == 2),
            "a loop body sees the binding after it, from the iteration before"
        );
        assert_eq!(reached(4), None, "a name bound once needs no record");
    }

    #[test]
    fn an_entry_set_on_a_dict_rebinds_it_and_other_subscripts_mutate() {
        let src = "opts = {'verify_signature': True}\nopts['verify_signature'] = False\nx = 1\nx += 1\n\
                   d = make()\nd['k'] = 1\ne = {}\ne[key] = 2\n";
        let m = lower_python(src);
        let mutated: Vec<&str> = m.reassigned.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(mutated, vec!["x", "d", "e"]);
        let opts: Vec<&Binding> = m.bindings.iter().filter(|b| b.name == "opts").collect();
        assert_eq!(opts.len(), 2);
        assert!(matches!(
            &opts[1].value.kind,
            ValueKind::Dict { entries, open: false } if entries.len() == 1 && matches!(entries[0].1.kind, ValueKind::Bool(false))
        ));
    }

    #[test]
    fn syntax_error_is_a_note_and_later_code_is_still_lowered() {
        let src = "def broken(:\n    pass\n\ndef fine():\n    jwt.decode(t, k)\n";
        let m = lower_python(src);
        assert_eq!(m.notes.len(), 1);
        assert_eq!(m.notes[0].kind, NoteKind::ParseError);
        assert!(
            m.calls
                .iter()
                .any(|c| &src[c.callee.span.start..c.callee.span.end] == "jwt.decode")
        );
    }

    /// Lowers `src` on a thread with the workers' stack: unoptimised test
    /// builds need it for deep input.
    fn lower_on_a_large_stack(src: String) -> Module {
        std::thread::Builder::new()
            .stack_size(crate::isolate::WORKER_STACK_SIZE)
            .spawn(move || lower_python(&src))
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn deep_nesting_stops_at_the_depth_limit() {
        let depth = 2000;
        let src = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        let m = lower_on_a_large_stack(src);
        assert!(m.notes.iter().any(|n| n.kind == NoteKind::DepthLimit));
    }

    #[test]
    fn a_long_concatenation_is_one_flat_template() {
        let terms = 20_000;
        let chain: Vec<String> = (0..terms)
            .map(|i| {
                if i % 2 == 0 {
                    format!("'s{i}' 'x'")
                } else {
                    format!("v{i}")
                }
            })
            .collect();
        let src = format!("url = {}\nn = {}\n", chain.join(" + "), vec!["1"; 5000].join(" + "));
        let m = lower_python(&src);
        let url_line_end = src.find('\n').unwrap();
        assert!(
            m.notes.iter().all(|n| n.span.start > url_line_end),
            "the string chain needs no depth limit"
        );
        assert_eq!(m.templates.len(), 1, "registered once, not once per prefix");
        let ValueKind::Template(parts) = &m.templates[0].0.kind else {
            panic!("a template");
        };
        assert_eq!(parts.len(), terms);
        assert!(matches!(&parts[0], TemplatePart::Lit(s) if s == "s0x"));
        assert!(matches!(&parts[1], TemplatePart::Hole(v) if matches!(&v.kind, ValueKind::Name(n) if n == "v1")));
        // A numeric sum that long is unknown past the depth limit, with a note.
        let n = m.bindings.iter().find(|b| b.name == "n").unwrap();
        assert!(matches!(n.value.kind, ValueKind::BinOp(..)));
        assert!(m.notes.iter().any(|n| n.kind == NoteKind::DepthLimit));
    }

    #[test]
    fn deep_assignment_targets_bind_every_name_unknown() {
        let depth = 5_000;
        let src = format!("x = 'k'\n{}x{} = 1\n", "(".repeat(depth), ",)".repeat(depth));
        let m = lower_on_a_large_stack(src);
        assert!(m.notes.iter().any(|n| n.kind == NoteKind::DepthLimit));
        // `x` is rebound, so it is no constant: resolution sees two bindings.
        assert_eq!(m.bindings.iter().filter(|b| b.name == "x").count(), 2);
    }

    #[test]
    fn integers_in_all_bases() {
        assert_eq!(parse_python_int("1_000"), Some(1000));
        assert_eq!(parse_python_int("0x1F"), Some(31));
        assert_eq!(parse_python_int("0o17"), Some(15));
        assert_eq!(parse_python_int("0b101"), Some(5));
    }
}
