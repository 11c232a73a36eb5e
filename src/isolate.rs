//! Catching a panic in one unit of work (one file, one rule) so the run goes
//! on, and turning it into a message for an `internal-error` notice.
//!
//! A caught panic must not print: the default panic hook would write a
//! message (and, with `RUST_BACKTRACE`, a backtrace) into the user's stderr
//! in the middle of the report. [`isolate`] marks its thread while it runs;
//! the hook installed here records the message and location of a panic on a
//! marked thread instead of printing it, and leaves every other panic to the
//! hook that was there before.
//!
//! A panic message can quote input: the standard library's string-slicing
//! panic quotes up to 256 bytes of the string, which may be a secret. Quoted
//! text (between backticks) is cut from the message and the message is
//! shortened, so a notice never carries file contents.
//!
//! Debug builds also read `AUTHLINT_INJECT_PANIC`, so tests can check the
//! isolation end to end on the real binary without a real bug to trigger
//! it (see [`injected_panic`]). Release builds ignore the variable.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// This thread is inside [`isolate`]: a panic here will be caught.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// The last caught panic's message and location, left by the hook.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Worker threads get a generous stack. Lowering is depth-bounded and Rust
/// source is checked for nesting before syn (which recurses) sees it (see
/// `frontend::lower::nesting`); the bounds there are chosen against this size, with
/// room to spare even in unoptimised builds, whose frames are far larger.
pub const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

static INSTALL_HOOK: Once = Once::new();

fn install_hook() {
    INSTALL_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                previous(info);
                return;
            }
            let message = without_quotes(&payload_message(info.payload()));
            let described = match info.location() {
                Some(at) => format!("{message} at {}:{}:{}", at.file(), at.line(), at.column()),
                None => message,
            };
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(described));
        }));
    });
}

/// Runs `work`; a panic inside becomes `Err` with its message and source
/// location, and prints nothing.
pub fn isolate<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let outer = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(work));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| {
        LAST_PANIC
            .with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| without_quotes(&payload_message(payload.as_ref())))
    })
}

/// How much of a panic message a notice keeps.
const MAX_MESSAGE_CHARS: usize = 300;

/// The message with every backtick-quoted stretch replaced by `…`, and cut
/// to [`MAX_MESSAGE_CHARS`]: what is left describes the failure, not the input.
fn without_quotes(message: &str) -> String {
    let mut out = String::new();
    for (i, piece) in message.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(piece);
        } else {
            out.push_str("`…`");
        }
    }
    if out.chars().count() > MAX_MESSAGE_CHARS {
        out = out.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…";
    }
    out
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Where a panic can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading and lowering a file, before any rule runs.
    Lower,
    /// Checking one rule against a lowered file.
    Rule,
    /// The project-wide steps between (index, ordering), outside any file.
    Project,
}

/// Panics on purpose when `AUTHLINT_INJECT_PANIC` asks for it, in debug
/// builds only. The variable holds `lower:<path suffix>` (fail while
/// lowering that file), `rule:<CODE>:<path suffix>` (fail while checking
/// that rule on that file) or `project:` (fail between the per-file steps). Tests use it to prove that a crash is isolated,
/// named and turned into exit code 2.
pub fn injected_panic(stage: Stage, path: &str, rule_codes: &[&str]) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Some(spec) = std::env::var_os("AUTHLINT_INJECT_PANIC") else {
        return;
    };
    let spec = spec.to_string_lossy();
    let hit = match (stage, spec.split_once(':')) {
        (Stage::Lower, Some(("lower", suffix))) => path.ends_with(suffix),
        (Stage::Project, Some(("project", _))) => true,
        (Stage::Rule, Some(("rule", rest))) => rest
            .split_once(':')
            .is_some_and(|(code, suffix)| rule_codes.contains(&code) && path.ends_with(suffix)),
        _ => false,
    };
    if hit {
        panic!("injected panic ({spec})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_gives_its_message_and_location() {
        let err = isolate(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert!(err.starts_with("boom 7 at "), "{err}");
        assert!(err.contains("src/isolate.rs:"), "{err}");
        assert_eq!(isolate(|| 5).unwrap(), 5);
    }

    #[test]
    fn a_panic_quoting_input_does_not_carry_it_into_the_message() {
        let secret = std::hint::black_box("not-real-secret-é-0001".to_string());
        let err = isolate(|| secret[..17].len()).unwrap_err();
        assert!(err.contains("is not a char boundary"), "{err}");
        assert!(!err.contains("not-real"), "{err}");
        let long = isolate(|| -> u8 { panic!("{}", "x".repeat(5_000)) }).unwrap_err();
        assert!(
            long.starts_with(&format!("{}… at ", "x".repeat(MAX_MESSAGE_CHARS))),
            "{long}"
        );
    }

    #[test]
    fn nested_isolation_restores_the_outer_mark() {
        let outer = isolate(|| {
            let inner = isolate(|| -> u8 { panic!("inner") });
            assert!(inner.unwrap_err().starts_with("inner"));
            assert!(CATCHING.with(Cell::get), "still inside the outer isolate");
            1
        });
        assert_eq!(outer.unwrap(), 1);
        assert!(!CATCHING.with(Cell::get));
    }
}
