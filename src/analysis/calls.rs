//! Values across calls: a parameter holds what its call site passes, and a
//! call to a function of the project returns what the function returns.
//!
//! A *frame* is one call site entered: the call, where it is (its module,
//! scope and own frame, for calls nested in calls), and the function it
//! calls. A [`Loc`] inside the function carries its frame, and a parameter
//! looked up there resolves to the argument the call passes (by position or
//! keyword), or to the parameter's default when the call passes none.
//! Without a frame a parameter stays unknown, as before: a value is followed
//! only where the code says so, and a caller authlint cannot see makes that
//! path unknown. Frames nest at most [`MAX_CALL_DEPTH`] deep.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::analysis::project::ModuleId;
use crate::analysis::resolve::{Loc, Resolved, Resolver};
use crate::model::{Arg, Binding, Call, CallId, FunctionDef, FunctionId, ParamKind, ValueKind};

/// An index into the resolver's frames; [`NO_FRAME`] is no call context.
pub type FrameId = u32;
pub const NO_FRAME: FrameId = 0;

/// How many calls deep a value is followed (a call site, the helper it
/// calls, the helper that one calls).
pub const MAX_CALL_DEPTH: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Frame {
    /// Where the call is: its module and scope, and its own frame.
    caller: Loc,
    call: CallId,
    /// The function called.
    module: ModuleId,
    function: FunctionId,
}

/// The frames one resolver has entered, interned: entering the same call
/// twice gives the same frame.
#[derive(Default)]
pub struct Frames {
    frames: RefCell<Vec<Frame>>,
    index: RefCell<HashMap<Frame, FrameId>>,
}

impl Frames {
    fn get(&self, id: FrameId) -> Option<Frame> {
        // Frame ids start at 1.
        self.frames.borrow().get((id as usize).checked_sub(1)?).copied()
    }

    fn intern(&self, frame: Frame) -> FrameId {
        if let Some(&id) = self.index.borrow().get(&frame) {
            return id;
        }
        let mut frames = self.frames.borrow_mut();
        frames.push(frame);
        let id = frames.len() as FrameId;
        self.index.borrow_mut().insert(frame, id);
        id
    }

    fn depth(&self, mut id: FrameId) -> usize {
        let mut depth = 0;
        while let Some(frame) = self.get(id) {
            depth += 1;
            id = frame.caller.frame;
        }
        depth
    }
}

/// A function of the project a call reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Callee {
    pub module: ModuleId,
    pub function: FunctionId,
}

impl<'p> Resolver<'p> {
    /// The function of the project this call calls, when its callee resolves
    /// to one that is not a method (a method's receiver is not modelled).
    pub fn called_function(&self, call: &'p Call, at: Loc) -> Option<Callee> {
        let callee = self.resolve(&call.callee, at.with_scope(call.scope));
        let ValueKind::Function(function) = callee.value.kind else {
            return None;
        };
        let def = &self.module(callee.loc.module).functions[function];
        (!def.is_method).then_some(Callee {
            module: callee.loc.module,
            function,
        })
    }

    /// [`Resolver::called_function`], looking only into modules that may
    /// hold a subject (a rule's keyword): a function whose module holds none
    /// has nothing a caller could decide, and is no reason to parse it.
    pub fn called_relevant_function(&self, call: &'p Call, at: Loc) -> Option<Callee> {
        let written = match &call.callee.kind {
            ValueKind::Name(name) | ValueKind::Attr(_, name) => name.as_str(),
            ValueKind::Path(segments) => segments.last()?.as_str(),
            _ => return None,
        };
        // Most calls are to functions no checked module defines: skip them
        // before resolving anything.
        if !self.project.may_define_function(written) {
            return None;
        }
        self.following_from(at.module, || self.called_function(call, at))
    }

    /// The rules a subject of which a module may hold (its keywords);
    /// `None` when not known (every rule may apply).
    pub fn relevant_rules(&self, module: ModuleId) -> Option<&'p [usize]> {
        self.project.relevant_rules(module)
    }

    pub fn function(&self, callee: Callee) -> &'p FunctionDef {
        &self.module(callee.module).functions[callee.function]
    }

    /// The place inside `callee`'s body where its parameters hold what the
    /// call at `caller` passes. `None` past [`MAX_CALL_DEPTH`], or when the
    /// call is already being followed (recursion).
    pub fn enter_call(&self, caller: Loc, call: CallId, callee: Callee) -> Option<Loc> {
        if self.frames.depth(caller.frame) >= MAX_CALL_DEPTH {
            return None;
        }
        let frame = Frame {
            caller,
            call,
            module: callee.module,
            function: callee.function,
        };
        let mut outer = caller.frame;
        while let Some(enclosing) = self.frames.get(outer) {
            if enclosing.call == call && enclosing.caller.module == caller.module {
                return None;
            }
            outer = enclosing.caller.frame;
        }
        let id = self.frames.intern(frame);
        let scope = self.function(callee).scope;
        Some(Loc {
            module: callee.module,
            scope,
            frame: id,
        })
    }

    /// The call site a frame entered: its module, scope and own frame, and the call.
    pub fn call_site(&self, frame: FrameId) -> Option<(Loc, &'p Call)> {
        let frame = self.frames.get(frame)?;
        Some((frame.caller, &self.module(frame.caller.module).calls[frame.call]))
    }

    /// When `binding` is a parameter of the function the frame of `at`
    /// entered, what the call passes for it: the argument, or the default.
    /// `None` when it is not such a parameter, or when the call's argument
    /// for it cannot be known (`*args`, `**kwargs`, a missing argument with
    /// no default).
    pub fn parameter_value(&self, binding: &'p Binding, at: Loc) -> Option<Resolved<'p>> {
        let frame = self.frames.get(at.frame)?;
        if frame.module != at.module {
            return None;
        }
        let def = &self.module(frame.module).functions[frame.function];
        if binding.scope != def.scope {
            return None;
        }
        let index = def.params.iter().position(|p| p.span == binding.span)?;
        let call = &self.module(frame.caller.module).calls[frame.call];
        match argument_for(def, index, call) {
            Passed::Argument(arg) => Some(Resolved {
                value: &arg.value,
                loc: frame.caller.with_scope(call.scope),
                through_binding: true,
            }),
            Passed::Default => {
                let default = def.params[index].default.as_ref()?;
                let outer = self.module(frame.module).scopes[def.scope].parent.unwrap_or(0);
                Some(Resolved {
                    value: default,
                    loc: Loc::new(frame.module, outer),
                    through_binding: true,
                })
            }
            Passed::Unknown => None,
        }
    }

    /// What a call to a function of the project returns, evaluated for this
    /// call: its one returned value (a function that returns in several
    /// places is left alone). `None` when the callee is not such a function.
    pub fn call_result(&self, call_id: CallId, at: Loc) -> Option<Resolved<'p>> {
        let call = &self.module(at.module).calls[call_id];
        let callee = self.called_function(call, at)?;
        let def = self.function(callee);
        let [returned] = def.returns.as_slice() else {
            return None;
        };
        let inside = self.enter_call(at.with_scope(call.scope), call_id, callee)?;
        Some(Resolved {
            value: returned,
            loc: inside,
            through_binding: true,
        })
    }
}

enum Passed<'p> {
    Argument(&'p Arg),
    /// The call passes nothing for it: the default applies.
    Default,
    Unknown,
}

/// Which argument of `call` fills parameter `index` of `def`.
fn argument_for<'p>(def: &FunctionDef, index: usize, call: &'p Call) -> Passed<'p> {
    let param = &def.params[index];
    if matches!(param.kind, ParamKind::VarArgs | ParamKind::VarKeywords) {
        return Passed::Unknown;
    }
    if param.kind != ParamKind::PositionalOnly
        && let Some(arg) = call
            .args
            .iter()
            .find(|a| a.keyword.as_deref() == Some(param.name.as_str()))
    {
        return Passed::Argument(arg);
    }
    if param.kind != ParamKind::KeywordOnly {
        let position = def.params[..index]
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::PositionalOnly))
            .count();
        let positional: Vec<&Arg> = call.args.iter().filter(|a| a.keyword.is_none()).collect();
        if let Some(arg) = positional.get(position) {
            return Passed::Argument(arg);
        }
        if call.star_args {
            return Passed::Unknown;
        }
    }
    if call.star_kwargs {
        return Passed::Unknown;
    }
    Passed::Default
}
