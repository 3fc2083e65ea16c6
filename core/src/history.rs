//! Undo and redo: two stacks of inverse commands.
//!
//! Undoing applies an inverse through the same [`Store::apply`] as any
//! edit, so an undo is itself a stamped change that other tabs merge.

use crate::store::{Command, Store, StoreError};

/// How many steps are kept.
pub const LIMIT: usize = 500;

#[derive(Debug, Default, Clone)]
pub struct History {
    /// Inverses with the number of the step they undo.
    undo: Vec<(u64, Command)>,
    redo: Vec<(u64, Command)>,
    /// The note being typed: successive edits of one note are one step.
    typing: Option<(String, String)>,
    /// Numbers the steps, so a notice's "undo" can check that its step is
    /// still the next one to undo.
    next_step: u64,
}

impl History {
    /// Applies a command and records its inverse; a new edit clears redo.
    pub fn apply(&mut self, store: &mut Store, cmd: Command) -> Result<(), StoreError> {
        let note_target = match &cmd {
            Command::Note { set, block, .. } => Some((set.clone(), block.clone())),
            _ => None,
        };
        let inverse = store.apply(cmd)?;
        let continues_typing = note_target.is_some() && note_target == self.typing;
        self.typing = note_target;
        if continues_typing {
            // The inverse on the stack already restores the text before typing began.
            self.redo.clear();
            return Ok(());
        }
        self.next_step += 1;
        self.undo.push((self.next_step, inverse));
        if self.undo.len() > LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
        Ok(())
    }

    /// Undoes the last step. `Ok(false)` when there is nothing to undo.
    ///
    /// # Errors
    /// The [`StoreError`] of a step that no longer applies; that step is
    /// dropped (the next undo takes the one before it).
    pub fn undo(&mut self, store: &mut Store) -> Result<bool, StoreError> {
        self.step(true, store)
    }

    /// Redoes the last undone step.
    pub fn redo(&mut self, store: &mut Store) -> Result<bool, StoreError> {
        self.step(false, store)
    }

    fn step(&mut self, undo: bool, store: &mut Store) -> Result<bool, StoreError> {
        self.typing = None;
        let (from, to) = if undo {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        let Some((n, cmd)) = from.pop() else {
            return Ok(false);
        };
        match store.apply(cmd.clone()) {
            Ok(inverse) => {
                to.push((n, inverse));
                Ok(true)
            }
            Err(e) => {
                // What the step changed is gone or locked (another tab closed
                // the coder, a theme was deleted): the step is dropped, so it
                // never blocks the steps behind it; the caller says so.
                Err(e)
            }
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// What the next undo (or redo) would change.
    pub fn next(&self, undo: bool) -> Option<&Command> {
        if undo {
            self.undo.last().map(|(_, c)| c)
        } else {
            self.redo.last().map(|(_, c)| c)
        }
    }

    /// Whether step `n` is still waiting to be undone (not undone already,
    /// nor dropped past the limit).
    pub fn can_undo_step(&self, n: u64) -> bool {
        self.undo.iter().any(|(m, _)| *m == n)
    }

    /// The number of the step the next undo would take back.
    pub fn top(&self) -> Option<u64> {
        self.undo.last().map(|(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AnnotationSet, SetKind, TagOrigin};

    fn tag(block: &str, present: bool) -> Command {
        Command::Tag {
            set: "me".into(),
            block: block.into(),
            theme: "trade".into(),
            present,
            how: TagOrigin::Hand,
            at: 0,
        }
    }

    #[test]
    fn steps_are_numbered_so_a_notice_can_tell_if_its_step_is_next() {
        let mut store = crate::store::Store::new("t", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
        let mut h = History::default();
        h.apply(&mut store, tag("x", true)).unwrap();
        let n = h.top().unwrap();
        assert!(h.can_undo_step(n));
        h.undo(&mut store).unwrap();
        assert!(!h.can_undo_step(n), "undone already");
        let mut store = crate::store::Store::new(
            "t",
            &crate::store::AnnotationSet::new("me", "Me", "#000000", crate::store::SetKind::Coder),
        );
        let mut h = History::default();
        let tag = |b: &str| Command::Tag {
            set: "me".into(),
            block: b.into(),
            theme: "trade".into(),
            present: true,
            how: crate::store::TagOrigin::Hand,
            at: 0,
        };
        assert_eq!(h.top(), None);
        h.apply(&mut store, tag("a")).unwrap();
        let import = h.top();
        h.apply(&mut store, tag("b")).unwrap();
        assert_ne!(h.top(), import, "a later step is on top");
        h.undo(&mut store).unwrap();
        assert_eq!(h.top(), import);
        h.redo(&mut store).unwrap();
        assert_ne!(h.top(), import, "redo brings the later step back on top");
    }

    #[test]
    fn undo_and_redo_walk_the_history() {
        let mut s = Store::new("t", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
        let mut h = History::default();
        h.apply(&mut s, tag("a", true)).unwrap();
        h.apply(&mut s, tag("b", true)).unwrap();
        h.apply(
            &mut s,
            Command::Note {
                set: "me".into(),
                block: "a".into(),
                text: "n".into(),
            },
        )
        .unwrap();
        assert!(h.undo(&mut s).unwrap());
        assert_eq!(s.note("me", "a"), "");
        assert!(h.undo(&mut s).unwrap());
        assert!(s.themes_of("me", "b").is_empty());
        assert!(h.redo(&mut s).unwrap());
        assert_eq!(s.themes_of("me", "b"), ["trade"]);
        assert!(h.can_redo());
        h.apply(&mut s, tag("c", true)).unwrap();
        assert!(!h.can_redo(), "a new edit clears redo");
        assert!(h.undo(&mut s).unwrap());
        assert!(h.undo(&mut s).unwrap());
        assert!(h.undo(&mut s).unwrap());
        assert!(!h.undo(&mut s).unwrap());
        assert!(s.themes_of("me", "a").is_empty());
    }

    #[test]
    fn typing_a_note_is_one_step() {
        let mut s = Store::new("t", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
        let mut h = History::default();
        let note = |b: &str, t: &str| Command::Note {
            set: "me".into(),
            block: b.into(),
            text: t.into(),
        };
        h.apply(&mut s, note("a", "f")).unwrap();
        h.apply(&mut s, note("a", "fi")).unwrap();
        h.apply(&mut s, note("a", "fir")).unwrap();
        h.apply(&mut s, note("b", "x")).unwrap();
        h.apply(&mut s, note("a", "first")).unwrap();
        assert!(h.undo(&mut s).unwrap());
        assert_eq!(s.note("me", "a"), "fir");
        assert!(h.undo(&mut s).unwrap());
        assert!(h.undo(&mut s).unwrap());
        assert_eq!(s.note("me", "a"), "");
        assert!(!h.can_undo());
    }
}
