//! Lowers Python source, parsed by tree-sitter-python, into the model.
//!
//! tree-sitter is error tolerant: a syntax error becomes an `ERROR` node and
//! the statements around it still parse, so one broken function never hides
//! findings in the next. We lower everything we recognise and report the first
//! error as a `parse-error` note.

use std::cell::RefCell;

use tree_sitter::{Node, Parser};

use crate::model::{
    Arg, Call, Language, LowerNote, Module, NoteKind, ScopeId, ScopeKind, Span, TemplatePart, Value, ValueKind,
};

/// Past this nesting depth a subtree is not lowered: it becomes unknown and a
/// `depth-limit` note says so. Real code nests a few dozen levels; this bound
/// keeps the recursive lowering far from the worker stack's limit.
pub const MAX_DEPTH: usize = 256;

thread_local! {
    // A parser is cheap to keep and costly to build: one per worker thread.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Lowers one Python file. Never fails: syntax errors become notes.
pub fn lower_python(source: &str) -> Module {
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .expect("the bundled tree-sitter-python grammar matches the tree-sitter version");
            parser
        });
        parser.parse(source, None)
    });
    let mut lowerer = PythonLowerer {
        src: source,
        module: Module::new(Language::Python, source.len()),
        depth: 0,
        depth_noted: false,
    };
    let Some(tree) = tree else {
        lowerer.module.notes.push(LowerNote {
            kind: NoteKind::ParseError,
            span: Span::new(0, 0),
            message: "the Python parser gave up on this file".into(),
        });
        return lowerer.module;
    };
    let root = tree.root_node();
    if root.has_error() {
        if let Some(note) = first_syntax_error(root, source) {
            lowerer.module.notes.push(note);
        }
    }
    lowerer.lower(root, 0);
    lowerer.module
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
            if !self.depth_noted {
                self.depth_noted = true;
                self.module.notes.push(LowerNote {
                    kind: NoteKind::DepthLimit,
                    span: span_of(node),
                    message: format!(
                        "nesting deeper than {MAX_DEPTH} levels; the code below this point is not checked"
                    ),
                });
            }
            return self.unknown(node);
        }
        self.depth += 1;
        let value = self.lower_node(node, scope);
        self.depth -= 1;
        value
    }

    fn lower_node(&mut self, node: Node, scope: ScopeId) -> Value {
        let span = span_of(node);
        match node.kind() {
            "identifier" => Value::new(ValueKind::Name(self.text(node).to_string()), span),
            "string" => self.lower_string(node, scope),
            "concatenated_string" => self.lower_concatenated_string(node, scope),
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
                let (Some(object), Some(attr)) =
                    (node.child_by_field_name("object"), node.child_by_field_name("attribute"))
                else {
                    return self.lower_generic(node, scope);
                };
                let base = self.lower(object, scope);
                Value::new(ValueKind::Attr(Box::new(base), self.text(attr).to_string()), span)
            }
            "subscript" => self.lower_subscript(node, scope),
            "call" => self.lower_call(node, scope),
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
            "class_definition" => {
                self.lower_class(node, scope);
                self.unknown(node)
            }
            "lambda" => {
                self.lower_lambda(node, scope);
                self.unknown(node)
            }
            "for_statement" | "for_in_clause" => {
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
            "comment" => self.unknown(node),
            _ => self.lower_generic(node, scope),
        }
    }

    fn lower_children(&mut self, node: Node, scope: ScopeId) -> Vec<Value> {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).filter(|c| c.kind() != "comment").collect();
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
                            self.lower(child, scope);
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
        let id = self.module.push_call(Call {
            callee,
            args,
            star_args,
            star_kwargs,
            span,
            scope,
            is_macro: false,
        });
        Value::new(ValueKind::Call(id), span)
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

    fn bind_targets(&mut self, target: Node, value: &Value, scope: ScopeId) {
        match target.kind() {
            "identifier" => {
                let name = self.text(target).to_string();
                let visible = self.module.scopes[scope].span;
                self.module.bind(name, scope, value.clone(), span_of(target), visible);
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let mut cursor = target.walk();
                let parts: Vec<Node> = target.named_children(&mut cursor).filter(|c| c.kind() != "comment").collect();
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
            "parenthesized_expression" => match target.named_child(0) {
                Some(inner) => self.bind_targets(inner, value, scope),
                None => {}
            },
            _ => self.bind_targets_unknown(target, scope),
        }
    }

    /// Binds every name a target introduces to an unknown value; attribute
    /// and subscript targets mutate their base instead.
    fn bind_targets_unknown(&mut self, target: Node, scope: ScopeId) {
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

    fn bind_unknown(&mut self, name: Node, scope: ScopeId) {
        let visible = self.module.scopes[scope].span;
        self.module.bind(
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
        self.module
            .bind(local, scope, Value::new(ValueKind::Imported(path), span), span, visible);
    }

    /// The text of a dotted or relative module name with whitespace removed.
    fn dotted(&self, node: Node) -> String {
        self.text(node).chars().filter(|c| !c.is_whitespace() && *c != '\\').collect()
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
        if let Some(name) = node.child_by_field_name("name") {
            self.bind_unknown(name, scope);
        }
        let parent = self.enclosing_non_class(scope);
        let inner = self.module.push_scope(ScopeKind::Function, parent, span_of(node));
        if let Some(params) = node.child_by_field_name("parameters") {
            self.lower_parameters(params, scope, inner);
        }
        if let Some(ret) = node.child_by_field_name("return_type") {
            self.lower(ret, scope);
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.lower(body, inner);
        }
    }

    fn lower_lambda(&mut self, node: Node, scope: ScopeId) {
        let parent = self.enclosing_non_class(scope);
        let inner = self.module.push_scope(ScopeKind::Function, parent, span_of(node));
        if let Some(params) = node.child_by_field_name("parameters") {
            self.lower_parameters(params, scope, inner);
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.lower(body, inner);
        }
    }

    /// Parameters are bound (to unknown values) in the function's scope;
    /// their defaults and annotations are evaluated in the enclosing one.
    fn lower_parameters(&mut self, params: Node, outer: ScopeId, inner: ScopeId) {
        let mut cursor = params.walk();
        let children: Vec<Node> = params.named_children(&mut cursor).collect();
        for param in children {
            match param.kind() {
                "identifier" => self.bind_unknown(param, inner),
                "default_parameter" | "typed_default_parameter" => {
                    if let Some(name) = param.child_by_field_name("name") {
                        self.bind_targets_unknown(name, inner);
                    }
                    if let Some(value) = param.child_by_field_name("value") {
                        self.lower(value, outer);
                    }
                    if let Some(ty) = param.child_by_field_name("type") {
                        self.lower(ty, outer);
                    }
                }
                "typed_parameter" => {
                    let mut c = param.walk();
                    let parts: Vec<Node> = param.named_children(&mut c).collect();
                    for part in parts {
                        if part.kind() == "type" {
                            self.lower(part, outer);
                        } else {
                            self.bind_targets_unknown(part, inner);
                        }
                    }
                }
                "list_splat_pattern" | "dictionary_splat_pattern" | "tuple_pattern" => {
                    self.bind_targets_unknown(param, inner)
                }
                _ => {}
            }
        }
    }

    fn lower_class(&mut self, node: Node, scope: ScopeId) {
        if let Some(name) = node.child_by_field_name("name") {
            self.bind_unknown(name, scope);
        }
        if let Some(supers) = node.child_by_field_name("superclasses") {
            self.lower(supers, scope);
        }
        let inner = self.module.push_scope(ScopeKind::Class, scope, span_of(node));
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
            Value::new(ValueKind::Bytes(literal.chars().map(|c| c as u32 as u8).collect()), span)
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
                let hex: String = (0..width).filter_map(|_| chars.next_if(|c| c.is_ascii_hexdigit())).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

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
                assert!(matches!(&parts[1], TemplatePart::Hole(v) if matches!(&v.kind, ValueKind::Name(n) if n == "t")));
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
        assert_eq!(m.scopes[f_scope].parent, Some(0), "a method's names skip the class body");
        let params: Vec<&str> = m
            .bindings
            .iter()
            .filter(|b| b.scope == f_scope)
            .map(|b| b.name.as_str())
            .collect();
        assert_eq!(params, vec!["self", "token", "key", "a", "kw"]);
        assert!(m.bindings.iter().filter(|b| b.scope == f_scope).all(|b| b.value.is_unknown()));
    }

    #[test]
    fn subscript_assignment_marks_the_base_mutated() {
        let src = "opts = {'verify_signature': True}\nopts['verify_signature'] = False\nx = 1\nx += 1\n";
        let m = lower_python(src);
        let mutated: Vec<&str> = m.reassigned.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(mutated, vec!["opts", "x"]);
    }

    #[test]
    fn syntax_error_is_a_note_and_later_code_is_still_lowered() {
        let src = "def broken(:\n    pass\n\ndef fine():\n    jwt.decode(t, k)\n";
        let m = lower_python(src);
        assert_eq!(m.notes.len(), 1);
        assert_eq!(m.notes[0].kind, NoteKind::ParseError);
        assert!(m.calls.iter().any(|c| &src[c.callee.span.start..c.callee.span.end] == "jwt.decode"));
    }

    #[test]
    fn deep_nesting_stops_at_the_depth_limit() {
        let depth = 2000;
        let src = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        let handle = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || lower_python(&src))
            .unwrap();
        let m = handle.join().unwrap();
        assert!(m.notes.iter().any(|n| n.kind == NoteKind::DepthLimit));
    }

    #[test]
    fn integers_in_all_bases() {
        assert_eq!(parse_python_int("1_000"), Some(1000));
        assert_eq!(parse_python_int("0x1F"), Some(31));
        assert_eq!(parse_python_int("0o17"), Some(15));
        assert_eq!(parse_python_int("0b101"), Some(5));
    }
}
