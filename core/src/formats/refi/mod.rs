//! REFI-QDA exchange: codebooks (`.qdc`) and projects (`.qdpx`), as the
//! REFI-QDA 1.0 standard (<https://www.qdasoftware.org>) defines them.
//!
//! REFI-QDA is the XML standard that NVivo, ATLAS.ti, MAXQDA and QualCoder
//! read and write. A codebook is one XML file of codes; a project is a zip
//! holding `project.qde` (users, codebook, sources with coded selections,
//! notes) and the sources' texts under `Sources/`.
//!
//! Themes are codes, coders are users, a tagged paragraph is one
//! `PlainTextSelection` per coder with one `Coding` per theme, and a note is
//! a `Note` the selection points at with a `NoteRef`. Exported positions
//! count chars (Unicode scalar values, Rust `char`s) of the source's plain
//! text; the app exports its canonical text, so positions are block
//! offsets. Imported positions are read in the unit the file counts
//! (`positions`: code points or UTF-16 units, decided per file; which tool
//! counts what is in `docs/refi-qda.md`). GUIDs are version-5 UUIDs derived from ids ([`code_guid`],
//! [`user_guid`]), so exporting twice gives the same GUIDs and an export read
//! back finds its own themes and coders again; GUIDs that earlier versions
//! wrote are still recognised.
//!
//! Import reads untrusted archives: it refuses archives that are not zips,
//! unpack to too much (declared or actual), hold too many entries or unsafe
//! paths, and XML with a DOCTYPE (so no entity is ever expanded), too many
//! elements or too deep a nesting.
//!
//! - `guid`: the GUIDs written and how GUIDs read are normalised;
//! - `coders`: a coder's id, colour and status, which REFI-QDA 1.0 has no
//!   field for, carried in a `User@id`, the project's `Description` and a
//!   note on the source;
//! - `xml`: the XML reader (roxmltree) and writer (quick-xml);
//! - `archive`: the guarded zip reader;
//! - `export`: [`export_codebook`], [`export_project`];
//! - `codebook`: [`import_codebook`] and the reading of codes;
//! - `project`: [`import_project`].

mod archive;
mod codebook;
mod coders;
mod export;
mod guid;
mod positions;
mod project;
mod sources;
mod xml;

pub use codebook::{import_codebook, CodeDepth, ReadCodebook};
pub use export::{export_codebook, export_library_project, export_project, ProjectDoc};
pub use guid::{code_guid, user_guid};
pub use positions::{char_to_unit, decide_unit, OffsetUnit, UnitBasis};
pub use project::{import_project, read_project, Project, ProjectSource, SourceKind};

/// XML namespace of a codebook file (`.qdc`), REFI-QDA 1.0.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";
/// XML namespace of a project's `project.qde`, REFI-QDA 1.0.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// Most bytes (50 MiB) the entries of one `.qdpx` archive may unpack to in
/// all, as declared in the archive and as actually inflated; over it an
/// import fails with [`crate::exchange::ImportError::ArchiveTooLarge`].
pub const MAX_UNPACKED: u64 = 50 * 1024 * 1024;
/// Most entries one `.qdpx` archive may hold; over it an import fails with
/// [`crate::exchange::ImportError::TooManyEntries`].
pub const MAX_ENTRIES: usize = 10_000;

/// Chars of a block's text used to name its selection.
const NAME_CHARS: usize = 30;
/// [`crate::exchange::Incoming::format`] of a project import.
const PROJECT_FORMAT: &str = "REFI-QDA 项目 · REFI-QDA project";
/// Name of the set that collects codings without a known user.
const ANONYMOUS: &str = "REFI-QDA import";
/// The first line of a code's `Description` this app writes, naming the
/// theme's id so that a codebook read back keeps its themes (whatever the
/// code's GUID).
const THEME_ID_LINE: &str = "speech-annotator theme ";

#[cfg(test)]
mod project_tests;
#[cfg(test)]
mod tests;
