//! Documents and storage: the shell's side of the core's `Workspace` (opening,
//! saving, other tabs' writes, exports). Storage is reached only through it.

use super::*;

impl AppState {
    /// Runs `f` on the workspace (`None` only once the page is gone).
    pub fn with_ws<R>(&self, f: impl FnOnce(&mut Workspace<AppStorage>) -> R) -> Option<R> {
        self.ws.try_update_value(f)
    }

    /// Tells the user what the workspace could not read (each value backed
    /// up) or write, and mirrors its library list.
    pub fn report_storage(&self) {
        // The list is copied only when the workspace's differs from the mirror.
        let Some((recoveries, failure, library, hints)) = self.with_ws(|w| {
            let changed = self.library.with_untracked(|l| l != w.library());
            (
                w.take_recoveries(),
                w.take_failure(),
                changed.then(|| w.library().clone()),
                w.start_hints(),
            )
        }) else {
            return;
        };
        crate::storage::remember_start_hints(&hints);
        for r in recoveries {
            self.report_recovery(r);
        }
        if let Some(e) = failure {
            self.save_failure.set(Some(e));
        }
        if let Some(library) = library {
            // Documents new to the list are written at sync's next push.
            let added: Vec<String> = self.library.with_untracked(|old| {
                library
                    .entries
                    .iter()
                    .filter(|e| old.get(&e.fingerprint).is_none())
                    .map(|e| e.fingerprint.clone())
                    .collect()
            });
            for fp in &added {
                crate::sync::local_change(*self, Some(fp));
            }
            self.library.set(library);
        }
    }

    pub fn save_doc_settings(&self) {
        let ds = self.doc_settings.get_untracked();
        if let Some(Err(e)) = self.with_ws(|w| w.save_doc_settings(&ds)) {
            self.save_failure.set(Some(e));
        }
    }

    pub fn save_user_settings(&self) {
        let us = self.user_settings.get_untracked();
        if let Some(Err(e)) = self.with_ws(|w| w.save_user_settings(&us)) {
            self.save_failure.set(Some(e));
        }
    }

    /// Opens a document: saves the current one, keeps the new one's text in
    /// the library, and restores its annotations.
    pub fn open_document(&self, doc: Document, source: Source) -> bool {
        if !self.leave_current() {
            return false;
        }
        match self.with_ws(|w| w.open_document(doc, source, now_ms())) {
            Some(opened) => {
                self.show(opened);
                true
            }
            None => false,
        }
    }

    /// Opens a document of the library by fingerprint, or says why not.
    pub fn open_stored(&self, fp: &str) -> bool {
        self.leave_current() && self.load_stored(fp)
    }

    fn load_stored(&self, fp: &str) -> bool {
        match self.with_ws(|w| w.open_stored(fp, now_ms())) {
            Some(Ok(opened)) => {
                self.show(opened);
                true
            }
            Some(Err(e)) => {
                self.notify(Level::Error, e.message(), None);
                false
            }
            None => false,
        }
    }

    /// Saves the open document before another replaces it. When its changes
    /// cannot be written (storage full or disabled) it stays open, so they
    /// are not lost, and the user is told how to keep them.
    pub fn leave_current(&self) -> bool {
        if self.save_now() {
            return true;
        }
        self.notify(
            Level::Error,
            "本文档的更改未能保存，因此仍保持打开：请先导出（分享菜单），或删除文档库中的文档以腾出空间 · \
             This document's changes could not be saved, so it stays open: export it first (Share menu), \
             or delete documents from the library to free browser storage"
                .into(),
            None,
        );
        false
    }

    /// Re-reads the open document from storage, which changed underneath
    /// (a library import or its undo), without saving over it first.
    pub fn reload_open(&self) {
        let fp = self.doc.with_untracked(|d| d.fingerprint.clone());
        self.load_stored(&fp);
    }

    /// Shows a document the workspace opened: its text, annotations, view
    /// and settings; history starts afresh; the key-term worker is asked
    /// for its terms.
    pub(super) fn show(&self, opened: Opened) {
        self.disagreements_only.set(false);
        self.disagreement_theme.set(None);
        self.analysis.set(None);
        self.active_term.set(None);
        self.editing_note.set(None);
        self.picking.set(None);
        self.hovered.set(None);
        self.search_hit.set(None);
        self.doc_settings.set(opened.doc_settings);
        self.doc.set(opened.doc);
        self.store.set(opened.store);
        self.changed(&Touched::All);
        self.history.set_value(History::default());
        self.after_change_flags();
        self.restore_view(&opened.view);
        self.report_storage();
        let this = *self;
        after_paint(move || this.analyse());
    }

    /// Keeps the open document after another tab deleted it.
    pub fn keep_open_document(&self) {
        self.with_ws(|w| w.keep_open_document(now_ms()));
        self.report_storage();
        self.schedule_save();
    }

    /// Writes this browser's coder profile (name, colour).
    pub fn save_profile(&self) {
        let profile = self.profile.get_untracked();
        if let Some(Err(e)) = self.with_ws(|w| w.save_profile(profile)) {
            self.save_failure.set(Some(e));
        }
    }

    /// Writes the library list, first folding in what another tab wrote
    /// (documents it opened, renamed or deleted).
    pub fn save_library(&self) {
        self.with_ws(|w| w.save_library(now_ms()));
        self.report_storage();
    }

    /// Renames a document of the library.
    pub fn rename_document(&self, fp: &str, title: &str) {
        self.with_ws(|w| w.rename_document(fp, title, now_ms()));
        self.report_storage();
    }

    /// Writes soon; repeated calls within the delay write once.
    pub fn schedule_save(&self) {
        if let Some(h) = self.save_timer.get_value() {
            h.clear();
        }
        let this = *self;
        let handle = set_timeout_with_handle(
            move || {
                this.save_now();
            },
            SAVE_DELAY,
        )
        .ok();
        self.save_timer.set_value(handle);
    }

    /// Writes the store and the view at once (also on page hide).
    /// Returns whether the write succeeded.
    pub fn save_now(&self) -> bool {
        if let Some(h) = self.save_timer.get_value() {
            h.clear();
            self.save_timer.set_value(None);
        }
        let view = ViewState {
            focused: self
                .focused
                .get_untracked()
                .and_then(|i| self.doc.with_untracked(|d| d.blocks.get(i).map(|b| b.id.clone()))),
            filter: self.filter.get_untracked(),
        };
        let mut store = self.store.get_untracked();
        let Some(result) = self.with_ws(|w| w.save(&mut store, &view, now_ms())) else {
            return false;
        };
        match result {
            Ok(saved) => {
                let fp = self.doc.with_untracked(|d| d.fingerprint.clone());
                crate::sync::local_change(*self, Some(&fp));
                self.report_storage();
                if let Some(r) = saved.recovery {
                    self.report_recovery(r);
                }
                if saved.merged {
                    self.store.set(store);
                    self.changed(&Touched::All);
                }
                // A background write refused everywhere keeps the warning
                // up until one is kept again (`on_background_save`).
                let large_failing = self.ws.with_value(|w| w.storage().large.failing());
                if !large_failing {
                    self.saving_works_again();
                }
                true
            }
            Err(e) => {
                if self.save_failure.get_untracked().as_ref() != Some(&e) {
                    self.save_failure.set(Some(e));
                }
                false
            }
        }
    }

    /// A background write to the large store was refused everywhere
    /// (`Some`), or kept again after that (`None`).
    pub fn on_background_save(&self, result: Option<StorageFailure>) {
        match result {
            Some(f) => {
                if self.save_failure.get_untracked().as_ref() != Some(&f) {
                    self.save_failure.set(Some(f));
                }
            }
            None => self.saving_works_again(),
        }
    }

    fn saving_works_again(&self) {
        if self.save_failure.get_untracked().is_some() {
            self.save_failure.set(None);
            self.notify(Level::Info, "已恢复保存 · Saving works again".into(), None);
        }
    }

    /// Another tab wrote the annotations: fold them in, and write back if
    /// this tab holds something the other did not.
    pub fn on_storage_event(&self, key: &str, new_value: Option<String>) {
        let ext = self
            .store
            .try_update_untracked(|s| self.with_ws(|w| w.external_write(key, new_value.as_deref(), s)))
            .flatten();
        match ext {
            Some(External::Store { changed, ours_newer }) => {
                if changed {
                    self.store.notify();
                    self.changed(&Touched::All);
                }
                if ours_newer {
                    self.schedule_save();
                }
            }
            Some(External::Library { changed: true }) => {
                self.report_storage();
                if self.ws.with_value(|w| !w.open_is_listed()) {
                    self.notify(
                        Level::Error,
                        "另一个标签页删除了此文档：此处的更改不再保存到文档库。保留它，或打开另一个文档 · \
                         Another tab deleted this document: changes here no longer go to the library. \
                         Keep it, or open another document"
                            .into(),
                        Some(NoticeAction::KeepDocument),
                    );
                }
            }
            _ => {}
        }
    }

    /// Everything the user's coding needs, as one file to keep safe.
    pub fn export_store_now(&self) {
        // Never held: this export is what keeps the work safe.
        self.export_now(ExportKind::Json {
            all_sets: true,
            include_text: true,
        });
    }

    /// Downloads the whole library as one REFI-QDA project, positions
    /// counted in `unit`.
    pub fn export_library_qdpx(&self, unit: annotator_core::formats::refi::OffsetUnit) {
        let file = self.ws.with_value(|w| {
            self.store
                .with_untracked(|s| w.export_library_qdpx(s, None, unit, now_ms() / 1000))
        });
        if let Err(e) = crate::files::download_bytes(&file.name, file.media_type, &file.bytes) {
            self.notify(Level::Error, format!("下载失败 · Download failed: {e}"), None);
        }
    }

    /// Downloads an export of the open document's annotations; one that
    /// names coders waits while an unnamed user is asked for their name.
    pub fn export(&self, kind: ExportKind) {
        if kind.names_coders() && crate::view::status::hold_for_name(*self, HeldExport::Annotations(kind)) {
            return;
        }
        self.export_now(kind);
    }

    /// Downloads an export of the open document's annotations at once.
    pub fn export_now(&self, kind: ExportKind) {
        let own = self.own_set();
        let terms = self.doc_settings.with_untracked(|d| d.terms.clone());
        let file = self.ws.with_value(|w| {
            self.store
                .with_untracked(|s| w.export(s, kind, &own, &terms, now_ms() / 1000, env!("CARGO_PKG_VERSION")))
        });
        if let Err(e) = crate::files::download_bytes(&file.name, file.media_type, &file.bytes) {
            self.notify(Level::Error, format!("下载失败 · Download failed: {e}"), None);
        }
    }

    /// Downloads the reliability data of the whole library (one row per
    /// unit × coder × theme, `formats::reliability`).
    pub fn export_reliability(&self) {
        if crate::view::status::hold_for_name(*self, HeldExport::Reliability) {
            return;
        }
        self.export_reliability_now();
    }

    /// Downloads the reliability data at once.
    pub fn export_reliability_now(&self) {
        let sub = self.sub_themes.get_untracked();
        let file = self.ws.with_value(|w| {
            self.store
                .with_untracked(|s| w.export_reliability(s, sub, now_ms() / 1000))
        });
        if let Err(e) = crate::files::download_bytes(&file.name, file.media_type, &file.bytes) {
            self.notify(Level::Error, format!("下载失败 · Download failed: {e}"), None);
        }
    }

    /// Marks the open document done for the own coder, or takes it back to
    /// in progress: one undoable, stamped command.
    pub fn toggle_done(&self) {
        let own = self.own_set();
        let cmd = self.store.with_untracked(|s| s.toggle_done(&own));
        self.apply(cmd);
    }
}
