//! What REFI-QDA 1.0 has no field for, carried honestly in fields it has:
//! a coder's status on a source, a coder's colour, and the coder's id.
//!
//! - **Status** (not started, in progress, done): a `Note` written by the
//!   coder (`creatingUser`), which the `TextSource` points at with a
//!   `NoteRef`, whose text opens with the line
//!   `speech-annotator status: done` (then a line for people:
//!   `编码状态 · Coding status: 已完成 · Done`). Other tools show it as the
//!   coder's memo on the source; this app reads the status back from it.
//! - **Colour**: one line per coder in the project's `Description`:
//!   `speech-annotator coder <user GUID> colour #rrggbb`.
//! - **Id**: the `User`'s `id` attribute holds the coder's id (their
//!   annotation set's id), so a coder read back is the same coder in every
//!   document, whatever store reads them.
//!
//! `docs/refi-qda.md` says the same for users of other tools.

use std::collections::HashMap;

use super::guid::normalize_guid;
use super::xml::El;
use crate::store::Status;
use crate::themes::is_hex_color;

/// The first line of a status note, before the status's name.
const STATUS_LINE: &str = "speech-annotator status: ";
/// A colour line of the project's description, before the user's GUID.
const COLOUR_LINE: &str = "speech-annotator coder ";

/// The text of a coder's status note.
pub(super) fn status_note(status: Status) -> String {
    format!(
        "{STATUS_LINE}{}\n编码状态 · Coding status: {}",
        status.as_str(),
        status.label()
    )
}

/// The name of a coder's status note.
pub(super) const STATUS_NOTE_NAME: &str = "编码状态 · Coding status";

/// The status a note's text carries, if it is a status note.
pub(super) fn read_status(text: &str) -> Option<Status> {
    let first = text.trim_start().lines().next()?;
    Status::parse(first.strip_prefix(STATUS_LINE)?.trim())
}

/// The project description's lines for coders' colours, `(user GUID,
/// colour)` each.
pub(super) fn colour_lines(coders: &[(String, &str)]) -> String {
    coders
        .iter()
        .filter(|(_, c)| is_hex_color(c))
        .map(|(g, c)| format!("{COLOUR_LINE}{g} colour {c}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The coders' colours a project's `Description` carries: normalised user
/// GUID → `#rrggbb`. Lines of another form are left alone.
pub(super) fn read_colours(root: El) -> HashMap<String, String> {
    let Some(d) = root.child("Description") else {
        return HashMap::new();
    };
    d.text()
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix(COLOUR_LINE)?;
            let (guid, colour) = rest.split_once(" colour ")?;
            let colour = colour.trim();
            Some((normalize_guid(guid.trim())?, colour.to_string())).filter(|_| is_hex_color(colour))
        })
        .collect()
}

/// The statuses a text source carries: for each status note it points at
/// (a `NoteRef` of the source itself, not of a selection), its writer's
/// normalised GUID → status. `notes` is every status note of the project,
/// GUID → (writer's GUID, status).
pub(super) fn source_statuses(
    source: El,
    notes: &HashMap<String, (Option<String>, Status)>,
) -> HashMap<String, Status> {
    source
        .all("NoteRef")
        .filter_map(|r| r.attr("targetGUID").and_then(normalize_guid))
        .filter_map(|g| notes.get(&g))
        .filter_map(|(user, status)| Some((user.clone()?, *status)))
        .collect()
}

/// Every status note of a project: its GUID → (its writer's normalised
/// GUID, the status).
pub(super) fn status_notes(root: El) -> HashMap<String, (Option<String>, Status)> {
    root.child("Notes")
        .into_iter()
        .flat_map(|n| n.all("Note"))
        .filter_map(|n| {
            let status = read_status(&n.child("PlainTextContent")?.text())?;
            let user = n.attr("creatingUser").and_then(normalize_guid);
            Some((n.guid().ok()?, (user, status)))
        })
        .collect()
}
