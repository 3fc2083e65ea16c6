//! Components. Each reads the [`crate::state::AppState`] from context and
//! calls its methods; none holds logic a native test should see.

pub mod batch;
pub mod compare;
pub mod corpus;
pub mod document;
pub mod exchange;
pub mod library;
pub mod long;
pub mod notices;
pub mod picker;
pub mod project;
pub mod status;
pub mod sync;
pub mod terms;
pub mod themes;
pub mod toc;
