//! An import over many documents (a batch of coders' files, a library
//! file) as a step of the undo history: Ctrl+Z undoes it while nothing
//! came after it, Ctrl+Shift+Z (or Ctrl+Y) does it again.
//!
//! Such an import writes other documents' stored values, which the open
//! document's command history cannot hold; so the step is the values the
//! import replaced (`LibraryUndo`), and, once undone, the values it had
//! written, taken just before the undo (`Workspace::snapshot_for`).

use annotator_core::workspace::LibraryUndo;

use super::*;

/// The last import over many documents.
pub(super) struct LibraryStep {
    /// The open document's history top right after the import (or after
    /// its undo): the step applies only while that is still the top.
    top: Option<u64>,
    /// What the import replaced.
    undo: LibraryUndo,
    /// What the import had written, once it is undone.
    redo: Option<LibraryUndo>,
}

impl AppState {
    /// Records an import that wrote `undo`'s keys as the next step to undo
    /// (after the open document was reloaded, if it was).
    pub fn record_library_step(&self, undo: LibraryUndo) {
        let top = self.history.with_value(|h| h.top());
        self.library_step.set_value(Some(LibraryStep { top, undo, redo: None }));
        self.after_change_flags();
    }

    /// Whether the library step is the import that replaced `undo`'s
    /// values, and whether it is undone: `None` when it is another import
    /// (or none).
    pub fn library_step_undone(&self, undo: &LibraryUndo) -> Option<bool> {
        self.library_step
            .with_value(|l| l.as_ref().filter(|l| &l.undo == undo).map(|l| l.redo.is_some()))
    }

    /// Whether the next undo (`undo`) or redo is the library step.
    pub(super) fn library_step_next(&self, undo: bool) -> bool {
        let top = self.history.with_value(|h| h.top());
        self.library_step
            .with_value(|l| l.as_ref().is_some_and(|l| l.top == top && l.redo.is_some() != undo))
    }

    /// Undoes (or redoes) the library step if it is the next one; returns
    /// whether it did.
    pub fn library_step_instead(&self, undo: bool) -> bool {
        if !self.library_step_next(undo) {
            return false;
        }
        let Some(mut step) = self.library_step.try_update_value(|l| l.take()).flatten() else {
            return false;
        };
        // Pending edits of the open document are saved first, so they are
        // in what the undo puts aside.
        self.save_now();
        let now = now_ms();
        let text = if undo {
            let redo = self.with_ws(|w| {
                let redo = w.snapshot_for(&step.undo);
                w.undo_library_import(&step.undo, now);
                redo
            });
            step.redo = redo;
            "导入已撤销 · Import undone"
        } else {
            if let Some(redo) = step.redo.take() {
                self.with_ws(|w| w.redo_library_import(&redo, now));
            }
            "导入已重做 · Import redone"
        };
        self.reload_open();
        step.top = self.history.with_value(|h| h.top());
        self.library_step.set_value(Some(step));
        self.after_change_flags();
        self.notify(Level::Info, text.into(), None);
        true
    }

    /// Sets the undo and redo buttons' state from the history and the
    /// library step.
    pub(super) fn after_change_flags(&self) {
        let (undo, redo) = self.history.with_value(|h| (h.can_undo(), h.can_redo()));
        self.can_undo.set(undo || self.library_step_next(true));
        self.can_redo.set(redo || self.library_step_next(false));
    }
}
