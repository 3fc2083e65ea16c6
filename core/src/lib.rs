//! The UI-free core of the speech annotator.
//!
//! Everything a user's work depends on lives here, with no browser or UI
//! dependency, so that it is tested natively with `cargo test`:
//!
//! - [`encoding`]: bytes of a `.txt` file to text (UTF-8, GB18030, BOMs);
//! - [`text`]: normalisation, fingerprints and the one offset unit (chars);
//! - [`document`]: a speech parsed into blocks (title, meta, heading,
//!   paragraph, residue) with ids that do not depend on position;
//! - [`terms`]: segmentation (jieba-rs) and the key-term pipeline;
//! - [`themes`]: themes as data, with the four built-ins;
//! - [`suggest`]: theme suggestions from each theme's words, accepted or rejected;
//! - [`store`]: annotation sets, commands with inverses, merge;
//! - [`exchange`]: what an import brings, its preview, and the plan that
//!   applies it (merge, replace, side by side);
//! - [`formats`]: every file format (own JSON, W3C Web Annotation,
//!   REFI-QDA, CSV, Markdown), detected and parsed once;
//! - [`agreement`]: intercoder agreement (Krippendorff's alpha, Cohen's
//!   kappa, percent agreement) per theme and pooled over themes;
//! - [`compare`]: coders compared on a document (which paragraphs count, by
//!   each coder's status), disagreements, adjudication;
//! - [`coders`]: a coder's identity across documents, names told apart, renaming;
//! - [`corpus`]: agreement pooled over the documents coders marked done;
//! - [`outline`]: the theme list however long the codebook: outline,
//!   search, collapse, the chips a paragraph offers, pinning to a key;
//! - [`viewport`]: a long document's blocks stacked by height, and the
//!   window of them to render around the scroll position;
//! - [`find`]: the blocks that contain a text, for the document's own search;
//! - [`history`]: undo and redo as stacks of inverse commands;
//! - [`persist`]: storage envelopes, schema versions and restore from
//!   untrusted input;
//! - [`library`]: the documents kept in the browser, each text under its own key;
//! - [`settings`]: key-term settings, curation, user dictionary and lexicons;
//! - [`keys`]: keyboard chords mapped to actions.
//!
//! The UI crate only wires signals to these types.

pub mod agreement;
pub mod coders;
pub mod compare;
pub mod corpus;
pub mod document;
pub mod encoding;
pub mod exchange;
pub mod find;
pub mod formats;
pub mod history;
pub mod keys;
pub mod library;
pub mod navigate;
pub mod outline;
pub mod persist;
pub mod prerender;
pub mod settings;
pub mod store;
pub mod suggest;
pub mod sync;
pub mod terms;
pub mod text;
pub mod themes;
pub mod viewport;
pub mod workspace;

#[cfg(test)]
mod test_support;
