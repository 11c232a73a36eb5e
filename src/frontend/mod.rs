//! Stage 1, the frontend: from paths on disk to lowered modules.

pub mod discover;
pub mod gitignore;
pub mod lower;
pub mod outline;
pub mod prefilter;
pub mod source;
