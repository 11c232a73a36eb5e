//! Stage 3, rules. Takes rule files, a policy and resolved modules; gives
//! raw findings (byte spans in a module).
//!
//! `load` reads and validates rule files into the compiled form of `rule`;
//! `keywords` turns them into the prefilter's input; `engine` evaluates
//! clauses against a module; `policy` holds the thresholds and name classes
//! rules refer to; `docs` renders a rule's documentation from its file;
//! `fix` plans the edits that mend a finding where that is mechanical.

pub mod docs;
pub mod engine;
pub mod fix;
pub mod keywords;
mod load;
pub mod policy;
mod rule;

pub use load::*;
pub use rule::*;
