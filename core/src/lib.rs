//! The UI-free core of the speech annotator.
//!
//! Everything a user's work depends on lives here, with no browser or UI
//! dependency, so that it is tested natively with `cargo test`:
//!
//! - [`text`]: normalisation, fingerprints and the one offset unit (chars);
//! - [`document`]: a speech parsed into blocks (title, meta, heading,
//!   paragraph, residue) with ids that do not depend on position;
//! - [`terms`]: segmentation (jieba-rs) and the key-term pipeline;
//! - [`themes`]: themes as data, with the four built-ins;
//! - [`store`]: annotation sets, commands with inverses, merge;
//! - [`history`]: undo and redo as stacks of inverse commands;
//! - [`persist`]: storage envelopes, schema versions and restore from
//!   untrusted input;
//! - [`keys`]: keyboard chords mapped to actions.
//!
//! The UI crate only wires signals to these types.

pub mod document;
pub mod history;
pub mod keys;
pub mod navigate;
pub mod persist;
pub mod store;
pub mod terms;
pub mod text;
pub mod themes;
