//! Coders: who they are across documents, the names shown for them, and
//! renaming.
//!
//! **A coder is an id.** Each browser profile makes a coder id once, at
//! random (`c-` and hex digits, [`crate::persist::Profile::coder_id`]), and
//! it is the id of that coder's annotation set in every document they code.
//! It travels in every export: the annotation file's `sets[].id`, REFI-QDA's
//! `User@id` (and the `User@guid` derived from it), the library file.
//! Importing a colleague's file side by side opens their set under the same
//! id in every document ([`crate::exchange::plan`]), so the corpus
//! statistics ([`crate::corpus`]) recognise one coder across documents by
//! set id, whatever the coder calls themselves now.
//!
//! Names are what coders call themselves: the default [`DEFAULT_NAME`]
//! until they choose one, and two coders may share a name, so the UI shows
//! [`display_names`], which tell them apart.

use std::collections::{BTreeMap, BTreeSet};

use crate::store::{Command, Store, StoreError};

/// The name a coder has until they name themselves.
pub const DEFAULT_NAME: &str = "我 · Me";

/// Whether `name` is no name the coder chose (the default, or blank): the
/// shell asks them for one at first use and again at the first export.
pub fn is_unnamed(name: &str) -> bool {
    let name = name.trim();
    name.is_empty() || name == DEFAULT_NAME
}

/// The names to show for coders, `(id, name)` each, so that no two read
/// the same: a name held by one coder is shown as it is; of several coders
/// with one name, the first keeps it and the others read `李明 (2)`,
/// `李明 (3)`, … (a number no coder's own name already takes). The first is
/// `first` if it is among them (the user's own coder), then the others by
/// id, so the names do not depend on the order coders come in. Returns id →
/// name shown, for every id given (a repeated id once).
///
/// ```
/// use annotator_core::coders::display_names;
/// let names = display_names(&[("c-2", "李明"), ("c-1", "李明"), ("c-3", "王芳")], None);
/// assert_eq!(names["c-1"], "李明");
/// assert_eq!(names["c-2"], "李明 (2)");
/// assert_eq!(names["c-3"], "王芳");
/// ```
pub fn display_names(coders: &[(&str, &str)], first: Option<&str>) -> BTreeMap<String, String> {
    let mut by_id: BTreeMap<&str, &str> = BTreeMap::new();
    for (id, name) in coders {
        by_id.entry(id).or_insert(name.trim());
    }
    let taken: BTreeSet<&str> = by_id.values().copied().collect();
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, name) in &by_id {
        groups.entry(name).or_default().push(id);
    }
    let mut out = BTreeMap::new();
    for (name, mut ids) in groups {
        // ids are in id order; the user's own coder goes first
        if let Some(p) = first.and_then(|f| ids.iter().position(|id| *id == f)) {
            let own = ids.remove(p);
            ids.insert(0, own);
        }
        let mut n = 1;
        for (k, id) in ids.into_iter().enumerate() {
            let shown = if k == 0 {
                name.to_string()
            } else {
                loop {
                    n += 1;
                    let candidate = format!("{name} ({n})");
                    if !taken.contains(candidate.as_str()) {
                        break candidate;
                    }
                }
            };
            out.insert(id.to_string(), shown);
        }
    }
    out
}

/// The command that renames coder `set` to `name` (trimmed), keeping their
/// colour: [`Command::SetInfo`], stamped and undoable like every command.
///
/// # Errors
/// [`StoreError::UnknownSet`] for a set the store lacks (open or closed);
/// the store refuses a blank name or one over
/// [`crate::themes::MAX_NAME`] chars ([`StoreError::InvalidSetName`]) when
/// the command is applied.
pub fn rename(store: &Store, set: &str, name: &str) -> Result<Command, StoreError> {
    let s = store.set_any(set).ok_or_else(|| StoreError::UnknownSet(set.into()))?;
    Ok(Command::SetInfo {
        set: set.into(),
        name: name.trim().into(),
        color: s.color.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AnnotationSet, SetKind};

    #[test]
    fn coders_with_one_name_are_told_apart_whatever_their_order() {
        let a = display_names(
            &[("c-b", "李明"), ("c-a", "李明"), ("c-c", "李明 (2)"), ("c-d", " 李明 ")],
            None,
        );
        assert_eq!(a["c-a"], "李明");
        assert_eq!(a["c-b"], "李明 (3)", "(2) is someone's own name");
        assert_eq!(a["c-c"], "李明 (2)");
        assert_eq!(a["c-d"], "李明 (4)");
        let b = display_names(
            &[("c-d", "李明"), ("c-c", "李明 (2)"), ("c-a", "李明"), ("c-b", "李明")],
            None,
        );
        assert_eq!(a, b, "the same names whatever the order");
        // the user's own coder keeps the plain name
        let own = display_names(&[("c-a", "我 · Me"), ("c-z", "我 · Me")], Some("c-z"));
        assert_eq!(own["c-z"], "我 · Me");
        assert_eq!(own["c-a"], "我 · Me (2)");
        assert!(display_names(&[], None).is_empty());
    }

    #[test]
    fn renaming_is_an_undoable_command_that_keeps_the_colour() {
        let mut store = Store::new("t", &AnnotationSet::new("c-1", DEFAULT_NAME, "#2f6fdb", SetKind::Coder));
        assert!(is_unnamed(&store.sets["c-1"].name) && is_unnamed("  "));
        let inverse = store.apply(rename(&store, "c-1", " 李明 ").unwrap()).unwrap();
        assert_eq!(
            (store.sets["c-1"].name.as_str(), store.sets["c-1"].color.as_str()),
            ("李明", "#2f6fdb")
        );
        assert!(!is_unnamed("李明"));
        store.apply(inverse).unwrap();
        assert_eq!(store.sets["c-1"].name, DEFAULT_NAME);
        assert_eq!(
            rename(&store, "nobody", "x"),
            Err(StoreError::UnknownSet("nobody".into()))
        );
        assert_eq!(
            store.apply(rename(&store, "c-1", "").unwrap()),
            Err(StoreError::InvalidSetName)
        );
    }
}
