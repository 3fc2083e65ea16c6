//! The app's state: signals over the core's types, and the few methods the
//! components call. Every change to annotations goes through
//! [`AppState::apply`], which records the inverse and schedules a save.

use std::sync::Arc;
use std::time::Duration;

use annotator_core::compare::{self, SubThemes};
use annotator_core::document::Document;
use annotator_core::history::History;
use annotator_core::library::{Library, Source};
use annotator_core::persist::{self, Profile, Recovery, StorageFailure, ViewState};
use annotator_core::settings::{DocSettings, UserSettings};
use annotator_core::store::{Command, Store, Touched};
use annotator_core::suggest::{self, Suggestion};
use annotator_core::terms::{Analysis, Segmenter, TermSettings};
use annotator_core::workspace::{Deleted, External, LibraryUndo, Opened, Started, Workspace};
use leptos::prelude::*;

pub use annotator_core::workspace::ExportKind;

use crate::storage::{now_ms, BrowserStorage};

/// How long changes wait before they are written (coalesces bursts).
const SAVE_DELAY: Duration = Duration::from_millis(120);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Level {
    Info,
    Error,
}

/// Something the app tells the user, with what they can do about it.
#[derive(Clone, Debug)]
pub struct Notice {
    pub id: u64,
    pub level: Level,
    pub text: String,
    pub action: Option<NoticeAction>,
    /// What stored value a recovery notice is about (`data-recovery`).
    pub recovery: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub enum NoticeAction {
    /// Download a value that could not be read.
    DownloadBackup { filename: String, raw: Arc<String> },
    /// Undo the step the notice reports (only while it is still the next
    /// one to undo); after an import or a reset, also put back the key-term
    /// settings it changed (they live beside the store, not in its history).
    Undo {
        step: Option<u64>,
        terms: Option<Box<TermSettings>>,
    },
    /// Bring back a deleted document: its library entry and stored values.
    RestoreDocument(Box<Deleted>),
    /// Put back the stored values a library import replaced.
    RestoreValues(Box<LibraryUndo>),
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// The library and the open document in the browser's storage: the only
    /// way the shell reads or writes a storage key.
    pub ws: StoredValue<Workspace<BrowserStorage>, LocalStorage>,
    pub doc: RwSignal<Arc<Document>>,
    /// `None` until the segmenter has run.
    pub analysis: RwSignal<Option<Arc<Analysis>>>,
    pub store: RwSignal<Store>,
    pub history: StoredValue<History>,
    pub profile: RwSignal<Profile>,
    pub library: RwSignal<Library>,
    /// Index of the focused block.
    pub focused: RwSignal<Option<usize>>,
    /// Theme id the document is filtered by.
    pub filter: RwSignal<Option<String>>,
    /// Term index selected (click) or hovered in the list or the text.
    pub active_term: RwSignal<Option<usize>>,
    pub hover_term: RwSignal<Option<usize>>,
    /// Block index whose note field is open.
    pub editing_note: RwSignal<Option<usize>>,
    pub notices: RwSignal<Vec<Notice>>,
    /// Set while changes cannot be written.
    pub save_failure: RwSignal<Option<StorageFailure>>,
    pub doc_settings: RwSignal<DocSettings>,
    pub user_settings: RwSignal<UserSettings>,
    /// Every lexicon match of the open document, by block id, whatever is
    /// tagged (depends on the text, themes and lexicons only).
    pub candidates: Memo<std::collections::BTreeMap<String, Vec<Suggestion>>>,
    /// Pending suggestions per theme id, for the themes panel.
    pub pending_counts: Memo<std::collections::BTreeMap<String, usize>>,
    /// Suggestions accepted and rejected per theme, computed once per change
    /// for every theme's row.
    pub tallies: Memo<std::collections::BTreeMap<String, suggest::Tally>>,
    /// Live themes in display order, shared by every block's toggles.
    pub theme_list: Memo<Vec<annotator_core::themes::Theme>>,
    /// Codebook entries as text by theme id, for the toggles' tooltips.
    pub definitions: Memo<std::collections::BTreeMap<String, String>>,
    /// Whether the library dialog is open (Esc closes it).
    pub library_open: RwSignal<bool>,
    /// Show only paragraphs where coders differ.
    pub disagreements_only: RwSignal<bool>,
    /// The theme the disagreement filter looks at (`None`: any theme).
    pub disagreement_theme: RwSignal<Option<String>>,
    /// Whether sub-themes count for their parent in the statistics.
    pub sub_themes: RwSignal<SubThemes>,
    /// Block ids where coders differ, recomputed when tags change.
    pub disputed: Memo<std::collections::BTreeSet<String>>,
    pub can_undo: RwSignal<bool>,
    pub can_redo: RwSignal<bool>,
    save_timer: StoredValue<Option<TimeoutHandle>>,
    /// Per-block change triggers (see [`AppState::track_block`]).
    block_revs: StoredValue<std::collections::HashMap<String, ArcTrigger>>,
    all_rev: Trigger,
    next_notice: StoredValue<u64>,
    segmenter: StoredValue<Option<Arc<Segmenter>>>,
}

/// The speech shipped inside the app.
pub const BUILTIN_SPEECH: &str = include_str!("../assets/speech-foreign-trade-2022-07-14.txt");

impl AppState {
    /// Restores the profile, the library and the document that was open
    /// (the built-in speech on first use), reporting what could not be read.
    pub fn restore() -> Self {
        let replica = crate::storage::random_id("r-");
        let fresh = Profile {
            coder_id: crate::storage::random_id("c-"),
            name: "我 · Me".into(),
            color: "#2f6fdb".into(),
        };
        let (ws, started) = Workspace::start(BrowserStorage::open(), BUILTIN_SPEECH, fresh, &replica, now_ms());
        let Started { opened, user_settings } = started;
        let Opened {
            doc,
            store,
            view,
            doc_settings,
        } = opened;
        let profile = ws.profile().clone();
        let library = ws.library().clone();
        let doc = RwSignal::new(doc);
        let store = RwSignal::new(store);
        let disagreement_theme = RwSignal::new(None::<String>);
        let sub_themes = RwSignal::new(SubThemes::Separate);
        let disputed = Memo::new(move |_| {
            let sub = sub_themes.get();
            // A theme deleted (or absent from another document) is "any theme".
            let theme = disagreement_theme
                .get()
                .filter(|t| store.with(|s| s.theme(t).is_some()));
            doc.with(|d| {
                store.with(|s| {
                    if compare::coders(s).len() < 2 {
                        return Default::default();
                    }
                    compare::disagreements(d, s, theme.as_deref(), sub)
                        .into_iter()
                        .collect()
                })
            })
        });
        // Themes and the codebook change only with a command that touches
        // everything (`Touched::All`): these memos follow that trigger, not
        // the store, so a tag does not wake the thousands of toggles that
        // read them.
        let all_rev = Trigger::new();
        let theme_list = Memo::new(move |_| {
            all_rev.track();
            store.with_untracked(|s| {
                s.themes()
                    .into_iter()
                    .cloned()
                    .collect::<Vec<annotator_core::themes::Theme>>()
            })
        });
        let doc_settings = RwSignal::new(doc_settings);
        let user_settings = RwSignal::new(user_settings);
        let own = profile.coder_id.clone();
        // Lexicon matches depend on the text and lexicons only: computed once,
        // then filtered cheaply by the tags on every change.
        let candidates = Memo::new(move |_| {
            let themes: Vec<String> = theme_list.with(|t| t.iter().map(|t| t.id.clone()).collect());
            suggest::by_block(doc.with(|d| user_settings.with(|u| suggest::candidates(d, &themes, &u.lexicons))))
        });
        // Counts only: no suggestion is cloned on a keypress.
        let tally_set = profile.coder_id.clone();
        let tallies =
            Memo::new(move |_| store.with(|s| doc_settings.with(|d| suggest::tally(s, &tally_set, &d.rejected))));
        let pending_counts = Memo::new(move |_| {
            let mut counts = std::collections::BTreeMap::new();
            store.with(|s| {
                doc_settings.with(|ds| {
                    candidates.with(|c| {
                        for sg in suggest::pending_refs(c.values().flatten(), s, &own, &ds.rejected) {
                            *counts.entry(sg.theme.clone()).or_insert(0) += 1;
                        }
                    })
                })
            });
            counts
        });
        let definitions = Memo::new(move |_| {
            all_rev.track();
            store.with_untracked(|s| s.codebook.iter().map(|(k, e)| (k.clone(), e.entry.summary())).collect())
        });
        let state = AppState {
            ws: StoredValue::new_local(ws),
            definitions,
            doc_settings,
            user_settings,
            candidates,
            pending_counts,
            tallies,
            theme_list,
            doc,
            analysis: RwSignal::new(None),
            store,
            history: StoredValue::new(History::default()),
            profile: RwSignal::new(profile),
            library: RwSignal::new(library),
            focused: RwSignal::new(None),
            filter: RwSignal::new(None),
            active_term: RwSignal::new(None),
            hover_term: RwSignal::new(None),
            editing_note: RwSignal::new(None),
            notices: RwSignal::new(Vec::new()),
            save_failure: RwSignal::new(None),
            library_open: RwSignal::new(false),
            disagreements_only: RwSignal::new(false),
            disagreement_theme,
            sub_themes,
            disputed,
            can_undo: RwSignal::new(false),
            can_redo: RwSignal::new(false),
            save_timer: StoredValue::new(None),
            block_revs: StoredValue::new(Default::default()),
            all_rev,
            next_notice: StoredValue::new(0),
            segmenter: StoredValue::new(None),
        };
        state.restore_view(&view);
        state.report_storage();
        state
    }

    /// Runs `f` on the workspace (`None` only once the page is gone).
    pub fn with_ws<R>(&self, f: impl FnOnce(&mut Workspace<BrowserStorage>) -> R) -> Option<R> {
        self.ws.try_update_value(f)
    }

    /// Tells the user what the workspace could not read (each value backed
    /// up) or write, and mirrors its library list.
    fn report_storage(&self) {
        let Some((recoveries, failure, library)) =
            self.with_ws(|w| (w.take_recoveries(), w.take_failure(), w.library().clone()))
        else {
            return;
        };
        for r in recoveries {
            self.report_recovery(r);
        }
        if let Some(e) = failure {
            self.save_failure.set(Some(e));
        }
        if self.library.with_untracked(|l| *l != library) {
            self.library.set(library);
        }
    }

    fn restore_view(&self, view: &ViewState) {
        let focused = view
            .focused
            .as_ref()
            .and_then(|id| self.doc.with_untracked(|d| d.block(id).map(|b| b.index)));
        let filter = view
            .filter
            .clone()
            .filter(|t| self.store.with_untracked(|s| s.theme(t).is_some()));
        self.focused.set(focused);
        self.filter.set(filter);
    }

    /// Segments the open document and ranks its key terms. The segmenter is
    /// built once, on first use, after the text is on screen.
    pub fn analyse(&self) {
        if self.segmenter.with_value(Option::is_none) {
            let mut s = Segmenter::new();
            s.with_words(&self.user_settings.with_untracked(|u| u.words.clone()));
            self.segmenter.set_value(Some(Arc::new(s)));
        }
        let Some(segmenter) = self.segmenter.get_value() else {
            return;
        };
        let settings = self.doc_settings.with_untracked(|d| d.terms.clone());
        let analysis = self.doc.with_untracked(|d| segmenter.analyse(d, &settings));
        self.analysis.set(Some(Arc::new(analysis)));
    }

    /// Changes the term settings or curation of the open document: saved, and
    /// the list re-ranked and re-highlighted at once.
    pub fn update_terms(&self, f: impl FnOnce(&mut TermSettings)) {
        self.doc_settings.update(|d| f(&mut d.terms));
        self.save_doc_settings();
        self.analyse();
    }

    /// Adds a phrase to the user dictionary (cut whole in every document) and
    /// lists it in this one.
    pub fn add_phrase(&self, phrase: &str) {
        let phrase = phrase.trim().to_string();
        if phrase.is_empty() || phrase.chars().count() > 40 || phrase.contains(char::is_whitespace) {
            self.notify(
                Level::Error,
                "短语须为 1–40 个字且不含空格 · A phrase is 1–40 characters without spaces".into(),
                None,
            );
            return;
        }
        self.user_settings.update(|u| {
            if !u.words.contains(&phrase) {
                u.words.push(phrase.clone());
            }
        });
        self.save_user_settings();
        // The segmenter learns the word: rebuild it with the dictionary.
        self.segmenter.set_value(None);
        self.update_terms(|t| {
            t.curation.dropped.retain(|d| *d != phrase);
            if !t.curation.added.contains(&phrase) {
                t.curation.added.push(phrase.clone());
            }
        });
    }

    /// Takes a phrase out of the user dictionary (and out of this document's
    /// added terms): the segmenter is rebuilt without it.
    pub fn remove_phrase(&self, phrase: &str) {
        self.user_settings.update(|u| u.words.retain(|w| w != phrase));
        self.save_user_settings();
        self.segmenter.set_value(None);
        self.update_terms(|t| t.curation.added.retain(|w| w != phrase));
    }

    /// The pending suggestions of one block, or of every block (`None`),
    /// optionally for one theme only. Untracked: for click handlers.
    pub fn pending_suggestions(&self, block: Option<&str>, theme: Option<&str>) -> Vec<Suggestion> {
        let own = self.own_set();
        self.candidates.with_untracked(|c| {
            let list: Vec<&Suggestion> = match block {
                Some(b) => c.get(b).into_iter().flatten().collect(),
                None => c.values().flatten().collect(),
            };
            let list = list.into_iter().filter(|s| theme.is_none_or(|t| s.theme == t));
            self.store.with_untracked(|s| {
                self.doc_settings
                    .with_untracked(|d| suggest::pending(list, s, &own, &d.rejected))
            })
        })
    }

    /// Accepts suggestions: tags marked as accepted suggestions, one undo step.
    pub fn accept_suggestions(&self, list: &[Suggestion]) {
        if list.is_empty() {
            return;
        }
        let own = self.own_set();
        let cmd = self
            .store
            .with_untracked(|s| suggest::accept_all(s, list, &own, now_ms() / 1000));
        self.apply(cmd);
    }

    /// Rejects a suggestion: it is not offered again for that paragraph.
    pub fn reject_suggestion(&self, pair: (String, String)) {
        self.doc_settings.update(|d| {
            d.rejected.insert(pair);
        });
        self.save_doc_settings();
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
    pub fn open_document(&self, doc: Document, source: Source) {
        self.save_now();
        if let Some(opened) = self.with_ws(|w| w.open_document(doc, source, now_ms())) {
            self.show(opened);
        }
    }

    /// Opens a document of the library by fingerprint, or says why not.
    pub fn open_stored(&self, fp: &str) {
        self.save_now();
        match self.with_ws(|w| w.open_stored(fp, now_ms())) {
            Some(Ok(opened)) => self.show(opened),
            Some(Err(e)) => self.notify(Level::Error, e.message(), None),
            None => {}
        }
    }

    /// Re-reads the open document after its stored values changed underneath.
    pub fn reopen(&self) {
        let fp = self.doc.with_untracked(|d| d.fingerprint.clone());
        self.open_stored(&fp);
    }

    /// Shows a document the workspace opened: its text, annotations, view
    /// and settings; history starts afresh; terms follow after a frame.
    fn show(&self, opened: Opened) {
        self.disagreements_only.set(false);
        self.disagreement_theme.set(None);
        self.analysis.set(None);
        self.active_term.set(None);
        self.editing_note.set(None);
        self.doc_settings.set(opened.doc_settings);
        self.doc.set(opened.doc);
        self.store.set(opened.store);
        self.changed(&Touched::All);
        self.history.set_value(History::default());
        self.can_undo.set(false);
        self.can_redo.set(false);
        self.restore_view(&opened.view);
        self.report_storage();
        let this = *self;
        request_animation_frame(move || set_timeout(move || this.analyse(), Duration::from_millis(0)));
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

    fn report_recovery(&self, r: Recovery) {
        let problems: Vec<String> = r.problems.iter().map(|p| p.message()).collect();
        let kept = match &r.backup_key {
            Some(k) => format!("原数据已备份在 {k} · The original was kept under {k}"),
            None => "无法写入备份，请立即下载 · No room to back it up: download it now".into(),
        };
        let what = if r.partial {
            "部分已保存的数据无法读取，其余已恢复 · Part of the saved data could not be read; the rest was restored"
        } else {
            "已保存的数据无法读取，已重新开始 · Saved data could not be read; starting afresh"
        };
        let (kind, label) = persist::key_label(&r.key);
        let filename = format!("speech-annotator-backup-{kind}-{}.json", now_ms());
        self.push_notice(
            Level::Error,
            format!("{label}: {what}. {} {kept}.", problems.join("; ")),
            Some(NoticeAction::DownloadBackup {
                filename,
                raw: Arc::new(r.raw),
            }),
            Some(kind),
        );
    }

    pub fn notify(&self, level: Level, text: String, action: Option<NoticeAction>) {
        self.push_notice(level, text, action, None);
    }

    fn push_notice(&self, level: Level, text: String, action: Option<NoticeAction>, recovery: Option<&'static str>) {
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        self.notices.update(|n| {
            // Info notices replace each other; errors stay until dismissed.
            n.retain(|x| x.level == Level::Error);
            n.push(Notice {
                id,
                level,
                text,
                action,
                recovery,
            });
        });
    }

    pub fn dismiss(&self, id: u64) {
        self.notices.update(|n| n.retain(|x| x.id != id));
    }

    /// An "undo" for a notice about the step just applied.
    pub fn undo_notice(&self, terms: Option<Box<TermSettings>>) -> NoticeAction {
        NoticeAction::Undo {
            step: self.history.with_value(|h| h.top()),
            terms,
        }
    }

    /// The notice's undo: the step it reports, if nothing came after it.
    pub fn undo_step(&self, step: Option<u64>, terms: Option<&TermSettings>) -> bool {
        if self.history.with_value(|h| h.top()) != step {
            self.notify(
                Level::Info,
                "之后已有新的更改，请先用 Ctrl+Z 撤销它们 · Newer changes came after it: undo them first with Ctrl+Z"
                    .into(),
                None,
            );
            return false;
        }
        self.undo();
        if let Some(t) = terms {
            self.update_terms(|x| *x = t.clone());
        }
        true
    }

    /// The id of the focused block, if it can carry themes (for the keys).
    pub fn focused_block_id(&self) -> Option<String> {
        let i = self.focused.get_untracked()?;
        self.doc
            .with_untracked(|d| d.blocks.get(i).filter(|b| b.kind.is_taggable()).map(|b| b.id.clone()))
    }

    /// The set the user edits.
    pub fn own_set(&self) -> String {
        self.profile.with_untracked(|p| p.coder_id.clone())
    }

    /// Applies a change through the history and saves it.
    pub fn apply(&self, cmd: Command) -> bool {
        let touched = cmd.touched();
        let mut result = Ok(());
        self.store
            .update(|s| self.history.update_value(|h| result = h.apply(s, cmd)));
        match result {
            Ok(()) => {
                self.changed(&touched);
                self.after_change();
                true
            }
            Err(e) => {
                self.notify(Level::Error, e.message(), None);
                false
            }
        }
    }

    pub fn undo(&self) {
        self.step(true);
    }

    pub fn redo(&self) {
        self.step(false);
    }

    fn step(&self, undo: bool) {
        let touched = self.history.with_value(|h| h.next(undo).map(Command::touched));
        let mut result = Ok(false);
        self.store.update(|s| {
            self.history
                .update_value(|h| result = if undo { h.undo(s) } else { h.redo(s) });
        });
        match result {
            Ok(true) => {
                self.changed(&touched.unwrap_or(Touched::All));
                self.after_change();
            }
            Ok(false) => {}
            Err(e) => self.notify(Level::Error, e.message(), None),
        }
    }

    /// Tracks what a block's view shows of the store: its own changes, and
    /// changes to everything. Views read the store untracked after this, so a
    /// tag re-renders one block, not a thousand.
    pub fn track_block(&self, id: &str) {
        self.all_rev.track();
        let trigger = self.block_revs.with_value(|m| m.get(id).cloned());
        let trigger = trigger.unwrap_or_else(|| {
            let t = ArcTrigger::new();
            self.block_revs.update_value(|m| {
                m.insert(id.to_string(), t.clone());
            });
            t
        });
        trigger.track();
    }

    /// Tracks changes that may touch everything (themes, codebook, sets),
    /// not single tags: for views of the scheme rather than the coding.
    pub fn track_all(&self) {
        self.all_rev.track();
    }

    /// Tells the block views a change happened.
    pub fn changed(&self, touched: &Touched) {
        match touched {
            Touched::All => self.all_rev.notify(),
            Touched::Blocks(ids) => self.block_revs.with_value(|m| {
                for id in ids {
                    if let Some(t) = m.get(id) {
                        t.notify();
                    }
                }
            }),
        }
    }

    fn after_change(&self) {
        self.history.with_value(|h| {
            self.can_undo.set(h.can_undo());
            self.can_redo.set(h.can_redo());
        });
        self.schedule_save();
    }

    /// Toggles a theme on a block of the user's own set.
    pub fn toggle(&self, block_id: &str, theme: &str) {
        let set = self.own_set();
        let cmd = self
            .store
            .with_untracked(|s| s.toggle_tag(&set, block_id, theme, now_ms() / 1000));
        self.apply(cmd);
    }

    /// Marks a block of the user's own set as not coded, or takes the mark back.
    pub fn toggle_uncoded(&self, block_id: &str) {
        let set = self.own_set();
        let on = !self.is_uncoded(block_id);
        self.apply(Command::Uncoded {
            set,
            block: block_id.into(),
            on,
        });
    }

    /// Whether the user marked a block as not coded (untracked).
    pub fn is_uncoded(&self, block_id: &str) -> bool {
        let set = self.own_set();
        self.store
            .with_untracked(|s| s.sets.get(&set).is_some_and(|x| x.is_uncoded(block_id)))
    }

    pub fn set_note(&self, block_id: &str, text: String) {
        let set = self.own_set();
        if self.store.with_untracked(|s| s.note(&set, block_id) == text) {
            return;
        }
        self.apply(Command::Note {
            set,
            block: block_id.into(),
            text,
        });
    }

    /// Writes soon; repeated calls within the delay write once.
    pub fn schedule_save(&self) {
        if let Some(h) = self.save_timer.get_value() {
            h.clear();
        }
        let this = *self;
        let handle = set_timeout_with_handle(move || this.save_now(), SAVE_DELAY).ok();
        self.save_timer.set_value(handle);
    }

    /// Writes the store and the view at once (also on page hide).
    pub fn save_now(&self) {
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
            return;
        };
        match result {
            Ok(saved) => {
                self.report_storage();
                if let Some(r) = saved.recovery {
                    self.report_recovery(r);
                }
                if saved.merged {
                    self.store.set(store);
                    self.changed(&Touched::All);
                }
                if self.save_failure.get_untracked().is_some() {
                    self.save_failure.set(None);
                    self.notify(Level::Info, "已恢复保存 · Saving works again".into(), None);
                }
            }
            Err(e) => {
                if self.save_failure.get_untracked().as_ref() != Some(&e) {
                    self.save_failure.set(Some(e));
                }
            }
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
            Some(External::Library { changed: true }) => self.report_storage(),
            _ => {}
        }
    }

    /// Everything the user's coding needs, as one file to keep safe.
    pub fn export_store_now(&self) {
        self.export(ExportKind::Json {
            all_sets: true,
            include_text: true,
        });
    }

    /// Downloads an export of the open document's annotations.
    pub fn export(&self, kind: ExportKind) {
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
}
