//! The language-neutral model both frontends lower to.
//!
//! Rules and the engine see only these types, never tree-sitter or syn nodes,
//! so one rule vocabulary serves Python and Rust alike. The model is
//! deliberately small: calls with their arguments, values, name bindings and
//! scopes, each with the byte span it came from.

use serde::{Deserialize, Serialize};

/// A half-open byte range `[start, end)` into the file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Rust,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Python, Language::Rust];

    pub fn from_path(path: &std::path::Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "py" | "pyi" => Some(Language::Python),
            "rs" => Some(Language::Rust),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }

    /// The separator between the segments of a qualified path in this
    /// language: callee patterns in rule files are written with it.
    pub fn path_separator(self) -> &'static str {
        match self {
            Language::Python => ".",
            Language::Rust => "::",
        }
    }
}

pub type ScopeId = usize;
pub type CallId = usize;
pub type FunctionId = usize;

/// An expression, as far as rules care about it.
#[derive(Clone, Debug)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

impl Value {
    pub fn new(kind: ValueKind, span: Span) -> Self {
        Value { kind, span }
    }

    pub fn unknown(span: Span) -> Self {
        Value {
            kind: ValueKind::Unknown,
            span,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, ValueKind::Unknown)
    }
}

#[derive(Clone, Debug)]
pub enum ValueKind {
    /// A string literal with its escapes decoded (implicit concatenation joined).
    Str(String),
    /// A bytes literal (`b"…"` in both languages).
    Bytes(Vec<u8>),
    Int(i128),
    Float,
    Bool(bool),
    /// Python `None`.
    Null,
    /// List, tuple, set, Rust array or `vec![…]`.
    List(Vec<Value>),
    /// A dict display. `open` is true when it also unpacks another mapping
    /// (`{**base, "k": v}`), so a missing key is unknown rather than absent.
    Dict {
        entries: Vec<(Value, Value)>,
        open: bool,
    },
    /// An f-string or `format!` template: literal parts and holes.
    Template(Vec<TemplatePart>),
    /// A bare name, resolved later through the scopes.
    Name(String),
    /// A Rust path of two or more segments (`jsonwebtoken::decode`).
    Path(Vec<String>),
    /// Attribute access or a method's receiver (`base.name`).
    Attr(Box<Value>, String),
    /// Subscript (`base[index]`).
    Index(Box<Value>, Box<Value>),
    /// The result of the call with this id.
    Call(CallId),
    /// Arithmetic or an operator the model keeps the operands of
    /// (`60 * 24 * 8`, `datetime.now() + timedelta(hours=1)`). String
    /// concatenation and `%`-formatting of a literal become a `Template`.
    BinOp(BinOp, Box<Value>, Box<Value>),
    /// A symbol bound by an import or `use`, by its canonical path
    /// (`jwt`, `jose.jwt`, `jsonwebtoken::decode`). Only appears as a binding's value.
    Imported(String),
    /// A class definition, by the scope of its body: attribute reads on the
    /// class (or on an instance of it) look there.
    ClassDef(ScopeId),
    /// A closure, by what its body evaluates to (`|_| "dev".to_string()`).
    Closure(Box<Value>),
    /// A Rust value known only by its declared type (`v: &mut Validation`,
    /// `claims: &Claims`), as the path written in the type.
    Typed(Vec<String>),
    /// A function defined in this module (see [`FunctionDef`]): what a
    /// `def` or `fn` name is bound to.
    Function(FunctionId),
    /// One of several values, chosen at run time: `a if c else b`, a Rust
    /// `if`/`match` expression. A predicate holds only if it holds for each.
    Choice(Vec<Value>),
    /// Python `a or b`: `a` unless it is falsy (`None`, `0`, `""`, empty),
    /// then `b`. `expires_delta or timedelta(minutes=15)` is a default.
    Or(Box<Value>, Box<Value>),
    /// Anything the model does not describe. Never the basis of a finding.
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
}

#[derive(Clone, Debug)]
pub enum TemplatePart {
    Lit(String),
    Hole(Value),
}

/// One argument of a call: positional when `keyword` is `None`.
#[derive(Clone, Debug)]
pub struct Arg {
    pub keyword: Option<String>,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub struct Call {
    /// The called expression: a name, path, attribute (method) or other value.
    pub callee: Value,
    pub args: Vec<Arg>,
    /// The call unpacks a sequence (`*args`): positions past it are unknown.
    pub star_args: bool,
    /// The call unpacks a mapping (`**kwargs`): any keyword may be present.
    pub star_kwargs: bool,
    /// The mapping unpacked, when there is exactly one (`**options`): its
    /// keys are keyword arguments, if it resolves to a dict display.
    pub unpacked: Option<Box<Value>>,
    /// The whole call expression.
    pub span: Span,
    pub scope: ScopeId,
    /// A Rust macro invocation lowered as a call (`format!`, `tracing::info!`).
    pub is_macro: bool,
    /// The last segments of the types in a Rust turbofish on the callee
    /// (`insecure_decode::<Claims>` gives `Claims`): what a decode produces.
    pub type_args: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function,
    Class,
}

#[derive(Clone, Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    /// A class's name, or a function's, qualified by its class or `impl`
    /// type when it has one (`PasswordReset.send_email`, `Invite::url`);
    /// `None` for the module, lambdas and closures. Names are evidence of
    /// what a function's values are for (a refresh token, a reset link, a
    /// CLI command).
    pub name: Option<String>,
    /// The scope names are looked up in next. For a Python function nested
    /// in a class this skips the class body, as Python does.
    pub parent: Option<ScopeId>,
    pub span: Span,
}

/// A name bound to a value: an assignment, `let`, `const`, parameter, import, loop target…
#[derive(Clone, Debug)]
pub struct Binding {
    pub name: String,
    pub scope: ScopeId,
    /// What the name is bound to; `Unknown` for parameters, loop targets,
    /// destructuring and anything else that is not a plain assignment.
    pub value: Value,
    /// The bound name where it is bound.
    pub span: Span,
    /// Where the binding can be seen. Python bindings see their whole scope;
    /// a Rust `let` is visible from after its statement to the end of its block,
    /// so shadowing resolves to the nearest binding before the use.
    pub visible: Span,
}

/// A value assigned to a configuration-like name: a module or class-level
/// constant (`SECRET_KEY = "…"`), an entry of a module-level dict
/// (`SIMPLE_JWT = {"SIGNING_KEY": …}`), a Flask `app.config["X"] = …` or
/// `app.config.update(X=…)`, a Rust `const`/`static`.
#[derive(Clone, Debug)]
pub struct Setting {
    pub name: String,
    /// The dict, class or config object the name belongs to, as written
    /// (`SIMPLE_JWT`, `Settings`, `app.config`); `None` for a plain constant.
    pub container: Option<String>,
    /// The container as an expression, when it has one: the receiver of a
    /// Rust field assignment (`validation.leeway = …`) or the path of a
    /// struct literal (`Validation { … }`), so rules can ask what type it is.
    pub container_value: Option<Value>,
    pub value: Value,
    /// The name (or dict key) where it is assigned.
    pub name_span: Span,
    pub scope: ScopeId,
}

/// A Rust struct definition: its fields (as a dict of field names with
/// unknown values, open when a `#[serde(flatten)]` field may add more) and
/// what it derives.
#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub span: Span,
    pub derives: Vec<String>,
    pub shape: Value,
    /// Each field (by its serialised name) with the last segment of its
    /// type, wrappers such as `Option`, `Vec` and `Box` taken off
    /// (`address: Option<H160>` gives `("address", "H160")`).
    pub field_types: Vec<(String, String)>,
}

/// Where a value goes that the rest of the model does not show: it is
/// returned from its function, stored into an attribute, field or item of
/// another object, or computed and dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkKind {
    /// `return v`, or a Rust function body's tail expression.
    Return,
    /// `obj.attr = v`, `d[k] = v`, `self.field = v`.
    Store,
    /// An expression statement: the value is computed and not used.
    Discard,
}

#[derive(Clone, Debug)]
pub struct Sink {
    pub kind: SinkKind,
    pub value: Value,
    pub scope: ScopeId,
}

/// A name a Rust pattern binds to what a `Result` or `Option` holds
/// (`Ok(claims) =>`, `if let Some(t) = …`): `source` is the matched value.
/// Kept apart from the bindings, which stay unknown for resolution.
#[derive(Clone, Debug)]
pub struct Unwrap {
    pub name: String,
    pub scope: ScopeId,
    /// Where the name is bound.
    pub span: Span,
    /// Where the name can be seen (the arm or the `if let` body).
    pub visible: Span,
    pub source: Value,
}

/// A subscript read (`request.GET["token"]`), kept so rules can look at
/// lookups that are not calls.
#[derive(Clone, Debug)]
pub struct Subscript {
    pub base: Value,
    pub index: Value,
    pub span: Span,
    pub scope: ScopeId,
}

/// A function parameter with its default and annotation, evaluated in the
/// enclosing scope (FastAPI declares where a parameter comes from there).
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub span: Span,
    pub default: Option<Value>,
    pub annotation: Option<Value>,
    /// The scope the default and annotation are evaluated in.
    pub scope: ScopeId,
}

/// A function definition: its parameters in order and the values it
/// returns, so a value that reaches a sink through a parameter can be taken
/// from each call site, and a call's result from the function's returns.
#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub name: String,
    /// The scope of its body, where its parameters are bound.
    pub scope: ScopeId,
    pub params: Vec<ParamDef>,
    /// Each value it returns (`return x`; in Rust also the body's tail
    /// expression), evaluated in `scope`.
    pub returns: Vec<Value>,
    /// A method taking its receiver as the first parameter (`self`, `cls`,
    /// Rust `&self`): calls to it are not followed, the receiver unknown.
    pub is_method: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: String,
    /// Where the name is bound: tells the parameter's binding from a later
    /// binding of the same name.
    pub span: Span,
    pub kind: ParamKind,
    /// The default value, evaluated in the scope enclosing the definition.
    pub default: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// By position or by keyword (Python's default; every Rust parameter).
    Positional,
    PositionalOnly,
    KeywordOnly,
    /// `*args`: the remaining positional arguments.
    VarArgs,
    /// `**kwargs`: the remaining keyword arguments.
    VarKeywords,
}

/// What a piece of code is for, by where it is: code that ships (`app`), or
/// code that does not (tests, examples, benchmarks, documentation). Findings
/// outside `app` are not reported unless asked for (`--include-tests`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeClass {
    #[default]
    App,
    Test,
    Example,
    Bench,
    Docs,
}

impl CodeClass {
    pub const ALL: [CodeClass; 5] = [
        CodeClass::App,
        CodeClass::Test,
        CodeClass::Example,
        CodeClass::Bench,
        CodeClass::Docs,
    ];

    /// Every class but `app`: code that does not ship.
    pub const NOT_SHIPPED: [CodeClass; 4] = [CodeClass::Test, CodeClass::Example, CodeClass::Bench, CodeClass::Docs];

    /// The name in JSON, SARIF tags, statistics and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeClass::App => "app",
            CodeClass::Test => "test",
            CodeClass::Example => "example",
            CodeClass::Bench => "bench",
            CodeClass::Docs => "docs",
        }
    }

    /// How a sentence names the code: "findings in test code".
    pub fn describe(self) -> &'static str {
        match self {
            CodeClass::App => "application",
            CodeClass::Test => "test",
            CodeClass::Example => "example",
            CodeClass::Bench => "benchmark",
            CodeClass::Docs => "documentation",
        }
    }

    /// A class by its name in configuration: singular or plural
    /// (`test`/`tests`, `example`/`examples`, `bench`/`benches`, `docs`).
    pub fn from_name(name: &str) -> Option<CodeClass> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "app" => CodeClass::App,
            "test" | "tests" => CodeClass::Test,
            "example" | "examples" => CodeClass::Example,
            "bench" | "benches" | "benchmark" | "benchmarks" => CodeClass::Bench,
            "doc" | "docs" => CodeClass::Docs,
            _ => return None,
        })
    }
}

/// A diagnostic produced while lowering: a syntax error or a depth limit hit.
#[derive(Clone, Debug)]
pub struct LowerNote {
    pub kind: NoteKind,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    ParseError,
    DepthLimit,
    Skipped,
    /// A file its generator marked (`# Generated by`, `@generated`, `DO NOT
    /// EDIT`): not checked unless `check-generated` is set.
    Generated,
    InternalError,
    /// A suppression comment that is not honoured (it names no code).
    Suppression,
    /// A suppression comment that silenced nothing.
    UnusedSuppression,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::ParseError => "parse-error",
            NoteKind::DepthLimit => "depth-limit",
            NoteKind::Skipped => "skipped",
            NoteKind::Generated => "generated",
            NoteKind::InternalError => "internal-error",
            NoteKind::Suppression => "suppression",
            NoteKind::UnusedSuppression => "unused-suppression",
        }
    }
}

/// Something the user should know about a file that is not a finding: it was
/// skipped, did not parse, hit a limit, or made authlint fail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoteKind,
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// One lowered source file.
#[derive(Clone, Debug)]
pub struct Module {
    pub language: Language,
    /// Scope 0 is the module itself.
    pub scopes: Vec<Scope>,
    pub calls: Vec<Call>,
    pub bindings: Vec<Binding>,
    /// Rust names that are reassigned (`x = …`, `x += …`) somewhere in a
    /// function scope: a `let mut` that changes is not a constant.
    pub reassigned: Vec<(ScopeId, String)>,
    /// Canonical prefixes of glob imports (`use jsonwebtoken::*` gives `jsonwebtoken`,
    /// `from jwt import *` gives `jwt`).
    pub glob_imports: Vec<String>,
    /// Every string template (f-string, `format!`, `"…" + x`, `"…" % x`,
    /// `"…".format(x)`) with the scope it is in.
    pub templates: Vec<(Value, ScopeId)>,
    pub settings: Vec<Setting>,
    pub subscripts: Vec<Subscript>,
    pub parameters: Vec<Parameter>,
    /// Names tested for membership (`kid in KEYS`, `kid not in ALLOWED`) in a
    /// scope: the usual allowlist check before a lookup.
    pub membership_tests: Vec<(ScopeId, String)>,
    pub structs: Vec<StructDef>,
    pub functions: Vec<FunctionDef>,
    /// Uses of a name bound more than once in its scope that exactly one of
    /// those bindings reaches, in statement order, sorted by offset (Python;
    /// see `frontend::lower::flow`).
    pub reaching: Vec<ReachingUse>,
    /// Values returned, stored into other objects, or dropped (see [`Sink`]).
    pub sinks: Vec<Sink>,
    pub unwraps: Vec<Unwrap>,
    /// Code that only runs under test, by what the code says: Rust
    /// `#[cfg(test)]` items and `#[test]` functions. Findings inside are in
    /// the `test` class whatever the file's path.
    pub test_regions: Vec<Span>,
    pub notes: Vec<LowerNote>,
}

/// A use of a name (by the offset of its first byte) and the one binding
/// (an index into `Module::bindings`) that reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReachingUse {
    pub at: usize,
    pub binding: u32,
}

impl Module {
    pub fn new(language: Language, len: usize) -> Self {
        Module {
            language,
            scopes: vec![Scope {
                kind: ScopeKind::Module,
                name: None,
                parent: None,
                span: Span::new(0, len),
            }],
            calls: Vec::new(),
            bindings: Vec::new(),
            reassigned: Vec::new(),
            glob_imports: Vec::new(),
            templates: Vec::new(),
            settings: Vec::new(),
            subscripts: Vec::new(),
            parameters: Vec::new(),
            membership_tests: Vec::new(),
            structs: Vec::new(),
            functions: Vec::new(),
            reaching: Vec::new(),
            sinks: Vec::new(),
            unwraps: Vec::new(),
            test_regions: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Gives back the room the vectors grew into while lowering: a module
    /// is kept for the whole run (other modules resolve names in it), and
    /// doubling growth leaves up to half of each vector unused.
    pub fn shrink_to_fit(&mut self) {
        self.scopes.shrink_to_fit();
        self.calls.shrink_to_fit();
        for call in &mut self.calls {
            call.args.shrink_to_fit();
        }
        self.bindings.shrink_to_fit();
        self.reassigned.shrink_to_fit();
        self.glob_imports.shrink_to_fit();
        self.templates.shrink_to_fit();
        self.settings.shrink_to_fit();
        self.subscripts.shrink_to_fit();
        self.parameters.shrink_to_fit();
        self.membership_tests.shrink_to_fit();
        self.structs.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.reaching.shrink_to_fit();
        self.sinks.shrink_to_fit();
        self.unwraps.shrink_to_fit();
        self.test_regions.shrink_to_fit();
        self.notes.shrink_to_fit();
    }

    pub fn push_scope(&mut self, kind: ScopeKind, name: Option<String>, parent: ScopeId, span: Span) -> ScopeId {
        self.scopes.push(Scope {
            kind,
            name,
            parent: Some(parent),
            span,
        });
        self.scopes.len() - 1
    }

    /// The name of the function (or other named scope) `scope` is, or is
    /// nested in, innermost first.
    pub fn scope_names(&self, mut scope: ScopeId) -> impl Iterator<Item = &str> {
        let mut names = Vec::new();
        loop {
            if let Some(name) = &self.scopes[scope].name {
                names.push(name.as_str());
            }
            match self.scopes[scope].parent {
                Some(parent) => scope = parent,
                None => break,
            }
        }
        names.into_iter()
    }

    pub fn push_call(&mut self, call: Call) -> CallId {
        self.calls.push(call);
        self.calls.len() - 1
    }

    /// The binding that reaches the use of a name at `at`, when the
    /// lowering recorded one.
    pub fn reaching_at(&self, at: usize) -> Option<&Binding> {
        let index = self.reaching.binary_search_by_key(&at, |u| u.at).ok()?;
        self.bindings.get(self.reaching[index].binding as usize)
    }

    pub fn bind(&mut self, name: impl Into<String>, scope: ScopeId, value: Value, span: Span, visible: Span) {
        self.bindings.push(Binding {
            name: name.into(),
            scope,
            value,
            span,
            visible,
        });
    }
}
