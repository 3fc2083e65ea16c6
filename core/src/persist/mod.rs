//! What the browser keeps: envelopes, schema versions, and restore from
//! untrusted input.
//!
//! Every stored value is an envelope `{type, version, fingerprint?, …}`. A
//! reader checks `type` first, then the version, and migrates older versions
//! in numbered steps. Restoring never fails the whole load: it returns what
//! could be read plus a list of problems, and the shell keeps the raw value
//! under a backup key whenever anything was dropped.
//!
//! The serde structs here are the stored format, a promise to users' data;
//! they are converted by hand to the domain types of [`crate::store`], so the
//! model can change without breaking what browsers hold.
//!
//! - [`codec`]: keys, envelopes and the stored formats, encoded and decoded;
//! - [`engine`]: the [`KeyValue`] seam, loading with backups, and saving by
//!   read, merge, write;
//! - [`tiers`]: a small and a large store as one `KeyValue` (document
//!   texts, annotations and the library index in the large one).

pub mod codec;
pub mod engine;
pub mod tiers;

pub use codec::*;
pub use engine::*;
pub use tiers::{start_hints, start_hints_key, tier_of, Tier, Tiered};
