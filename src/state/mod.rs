//! The app's state: signals over the core's types, and the few methods the
//! components call. Every change to annotations goes through
//! [`AppState::apply`], which records the inverse and schedules a save.
//!
//! - `documents.rs`: the shell's side of the core's `Workspace`: opening,
//!   saving, settings, other tabs' writes, exports (storage only through it);
//! - `library_step.rs`: an import over many documents as a step of the
//!   undo history;
//! - `notices.rs`: notices and the undo or download they offer;
//! - `terms.rs`: key terms and theme suggestions of the open document;
//! - `viewport.rs`: a long document's layout and the window of blocks
//!   rendered.

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
use annotator_core::terms::{Analysis, TermSettings};
use annotator_core::workspace::{Deleted, External, LibraryUndo, Opened, Started, Workspace};
use leptos::prelude::*;

pub use annotator_core::workspace::ExportKind;

mod documents;
mod library_step;
mod notices;
mod terms;
pub mod viewport;

pub use viewport::{Viewport, LONG_DOCUMENT};

use crate::large_store::LargeStore;
use crate::storage::{now_ms, BrowserStorage};
use annotator_core::persist::Tiered;

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
    /// Undo a project import: its step on the open document (if any, and
    /// while it is still the next one to undo), then the stored values it
    /// wrote for other documents.
    UndoProject {
        step: Option<u64>,
        values: Box<LibraryUndo>,
    },
    /// Keep the open document after another tab deleted it.
    KeepDocument,
    /// Open a text again without joining its hard-wrapped lines (the user
    /// turns the joining off).
    KeepLines { raw: Arc<String>, source: Box<Source> },
}

/// An export waiting for the user's name.
#[derive(Clone, Debug)]
pub enum HeldExport {
    /// The open document's annotations ([`AppState::export`]).
    Annotations(ExportKind),
    /// The library's reliability data ([`AppState::export_reliability`]).
    Reliability,
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// The library and the open document in the browser's storage: the only
    /// way the shell reads or writes a storage key.
    pub ws: StoredValue<Workspace<AppStorage>, LocalStorage>,
    pub doc: RwSignal<Arc<Document>>,
    /// `None` until the key-term worker has answered for the open document.
    pub analysis: RwSignal<Option<Arc<Analysis>>>,
    /// Why there are no key terms (the worker or its dictionary failed):
    /// the text stays, the progress line gives way to this.
    pub terms_error: RwSignal<Option<String>>,
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
    /// Block index whose theme picker is open.
    pub picking: RwSignal<Option<usize>>,
    /// Block index under the mouse: a long document shows the theme
    /// toggles of this block and the focused one only.
    pub hovered: RwSignal<Option<usize>>,
    /// Block index the document's own search last found.
    pub search_hit: RwSignal<Option<usize>>,
    /// A long document's layout and the blocks rendered.
    pub viewport: Viewport,
    pub notices: RwSignal<Vec<Notice>>,
    /// What long work is under way (`data-progress`), if any.
    pub progress: RwSignal<Option<String>>,
    /// Set while changes cannot be written.
    pub save_failure: RwSignal<Option<StorageFailure>>,
    /// Whether the browser agreed to keep this origin's data under storage
    /// pressure (`navigator.storage.persist()`), once it answered.
    pub persisted: RwSignal<Option<bool>>,
    /// The prompt for the own coder's name shows (first use; again at an
    /// export while the name is the default), until saved or put off.
    pub ask_name: RwSignal<bool>,
    /// An export that names coders, held while an unnamed user is asked
    /// for their name (`view::status`); it goes out once they name
    /// themselves or choose to export without a name.
    pub held_export: RwSignal<Option<HeldExport>>,
    /// The user chose to export without a name this session: exports are
    /// not held again.
    pub export_unnamed: RwSignal<bool>,
    /// The corpus view is open.
    pub corpus_open: RwSignal<bool>,
    /// Live sync's status line (Settings → Sync, `crate::sync`).
    pub sync: RwSignal<crate::sync::SyncStatus>,
    /// The browser's estimate of this origin's usage and quota, in bytes.
    pub estimate: RwSignal<Option<(f64, f64)>>,
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
    /// Parents each followed by their sub-themes, for the panel and the picker.
    pub outline: Memo<Vec<annotator_core::outline::Entry>>,
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
    /// The last import over many documents, undoable with Ctrl+Z while
    /// nothing came after it (`library_step.rs`).
    library_step: StoredValue<Option<library_step::LibraryStep>>,
    save_timer: StoredValue<Option<TimeoutHandle>>,
    /// Per-block change triggers (see [`AppState::track_block`]).
    block_revs: StoredValue<std::collections::HashMap<String, ArcTrigger>>,
    /// Triggers shared by groups of blocks, by block id, each with its
    /// group's number (see [`AppState::block_group`]).
    group_revs: StoredValue<std::collections::HashMap<String, (u64, ArcTrigger)>>,
    next_group: StoredValue<u64>,
    all_rev: Trigger,
    next_notice: StoredValue<u64>,
    /// The key-term worker (`src/terms_worker.rs`), once started.
    terms_worker: StoredValue<Option<crate::terms_worker::TermsWorker>, LocalStorage>,
    /// The id of the latest key-term job: only its answer is shown.
    terms_job: StoredValue<u64>,
    /// The worker said its dictionary is built (`Reply::Ready`).
    terms_ready: StoredValue<bool>,
}

/// The page's storage: localStorage, and IndexedDB for document texts
/// (`persist::tiers`, `large_store`).
pub type AppStorage = Tiered<BrowserStorage, LargeStore>;

thread_local! {
    /// The large store, opened (asynchronously) before the app mounts.
    static LARGE_STORE: std::cell::RefCell<Option<LargeStore>> = const { std::cell::RefCell::new(None) };
}

/// Hands the opened large store to [`AppState::restore`].
pub fn set_large_store(store: LargeStore) {
    LARGE_STORE.with(|l| *l.borrow_mut() = Some(store));
}

/// The speech shipped inside the app.
pub const BUILTIN_SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");

impl AppState {
    /// Restores the profile, the library and the document that was open
    /// (the built-in speech on first use), reporting what could not be read.
    pub fn restore() -> Self {
        let replica = crate::storage::random_id("r-");
        // Each new coder gets a colour of their own, so a colleague's set
        // side by side is not the same blue.
        const COLOURS: [&str; 8] = [
            "#2f6fdb", "#d9731a", "#1f9d63", "#c23b6e", "#7b4fc9", "#0f8a9d", "#9c6b12", "#5b6b7f",
        ];
        let coder_id = crate::storage::random_id("c-");
        let colour = COLOURS[coder_id.bytes().map(usize::from).sum::<usize>() % COLOURS.len()];
        let fresh = Profile {
            coder_id,
            name: annotator_core::coders::DEFAULT_NAME.into(),
            color: colour.into(),
        };
        let large = LARGE_STORE
            .with(|l| l.borrow_mut().take())
            .unwrap_or_else(|| LargeStore::unavailable("not opened"));
        let storage = Tiered::new(BrowserStorage::open(), large);
        let (ws, started) = Workspace::start(storage, BUILTIN_SPEECH, fresh, &replica, now_ms());
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
        let outline = Memo::new(move |_| {
            all_rev.track();
            store.with_untracked(annotator_core::outline::outline)
        });
        let doc_settings = RwSignal::new(doc_settings);
        let user_settings = RwSignal::new(user_settings);
        let own = profile.coder_id.clone();
        // The live themes that have words, with their words, in display
        // order: a theme added, renamed or recoloured without words leaves
        // it equal, so the matches below are not searched for again.
        let lexicons = Memo::new(move |_| {
            theme_list.with(|t| {
                user_settings.with(|u| {
                    t.iter()
                        .filter_map(|t| {
                            let words = u.lexicons.get(&t.id).filter(|w| !w.is_empty())?;
                            Some((t.id.clone(), words.clone()))
                        })
                        .collect::<Vec<(String, Vec<String>)>>()
                })
            })
        });
        // Lexicon matches depend on the text and lexicons only: computed once,
        // then filtered cheaply by the tags on every change.
        let candidates = Memo::new(move |_| {
            lexicons.with(|l| {
                let themes: Vec<String> = l.iter().map(|(id, _)| id.clone()).collect();
                let words: std::collections::BTreeMap<String, Vec<String>> = l.iter().cloned().collect();
                suggest::by_block(doc.with(|d| suggest::candidates(d, &themes, &words)))
            })
        });
        // Counts only: no suggestion is cloned on a keypress.
        let tally_set = profile.coder_id.clone();
        let tallies =
            Memo::new(move |_| store.with(|s| doc_settings.with(|d| suggest::tally(s, &tally_set, &d.rejected))));
        // What tags do not change is counted once over the document; a
        // change then walks the set's tags only (`suggest::pending_counts`).
        let open_counts =
            Memo::new(move |_| candidates.with(|c| doc_settings.with(|d| suggest::open_counts(c, &d.rejected))));
        let pending_counts = Memo::new(move |_| {
            open_counts.with(|open| {
                candidates.with(|c| {
                    store.with(|s| doc_settings.with(|d| suggest::pending_counts(open, c, s, &own, &d.rejected)))
                })
            })
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
            outline,
            doc,
            analysis: RwSignal::new(None),
            terms_error: RwSignal::new(None),
            store,
            history: StoredValue::new(History::default()),
            profile: RwSignal::new(profile),
            library: RwSignal::new(library),
            focused: RwSignal::new(None),
            filter: RwSignal::new(None),
            active_term: RwSignal::new(None),
            hover_term: RwSignal::new(None),
            editing_note: RwSignal::new(None),
            picking: RwSignal::new(None),
            hovered: RwSignal::new(None),
            search_hit: RwSignal::new(None),
            viewport: Viewport::new(),
            notices: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            save_failure: RwSignal::new(None),
            persisted: RwSignal::new(None),
            ask_name: RwSignal::new(true),
            held_export: RwSignal::new(None),
            export_unnamed: RwSignal::new(false),
            corpus_open: RwSignal::new(false),
            sync: RwSignal::new(Default::default()),
            estimate: RwSignal::new(None),
            library_open: RwSignal::new(false),
            disagreements_only: RwSignal::new(false),
            disagreement_theme,
            sub_themes,
            disputed,
            can_undo: RwSignal::new(false),
            can_redo: RwSignal::new(false),
            library_step: StoredValue::new(None),
            save_timer: StoredValue::new(None),
            block_revs: StoredValue::new(Default::default()),
            group_revs: StoredValue::new(Default::default()),
            next_group: StoredValue::new(0),
            all_rev,
            next_notice: StoredValue::new(0),
            terms_worker: StoredValue::new_local(None),
            terms_job: StoredValue::new(0),
            terms_ready: StoredValue::new(false),
        };
        state.restore_view(&view);
        state.report_storage();
        state
    }

    pub(super) fn restore_view(&self, view: &ViewState) {
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

    pub(super) fn step(&self, undo: bool) {
        if self.library_step_instead(undo) {
            return;
        }
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
            Err(e) => {
                self.after_change();
                self.notify(
                    Level::Error,
                    format!(
                        "{}：这一步已不适用，已跳过 · {}: that step no longer applies and was skipped",
                        if undo { "无法撤销" } else { "无法重做" },
                        e.message()
                    ),
                    None,
                );
            }
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

    /// One trigger for a group of blocks (a cell of the overview strip):
    /// notified when any of `ids` changes, so a view of many blocks tracks
    /// one signal instead of one per block. Views track it with
    /// [`AppState::track_all`]. A block is in one group at a time (a later
    /// group takes it over); the group leaves when the calling owner is
    /// cleaned up.
    pub fn block_group<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> ArcTrigger {
        let trigger = ArcTrigger::new();
        let group = self.next_group.get_value();
        self.next_group.set_value(group + 1);
        let ids: Vec<String> = ids.into_iter().map(str::to_string).collect();
        self.group_revs.update_value(|m| {
            for id in &ids {
                m.insert(id.clone(), (group, trigger.clone()));
            }
        });
        let revs = self.group_revs;
        on_cleanup(move || {
            revs.try_update_value(|m| {
                for id in &ids {
                    if m.get(id).is_some_and(|(g, _)| *g == group) {
                        m.remove(id);
                    }
                }
            });
        });
        trigger
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
            Touched::Blocks(ids) => {
                self.block_revs.with_value(|m| {
                    for id in ids {
                        if let Some(t) = m.get(id) {
                            t.notify();
                        }
                    }
                });
                self.group_revs.with_value(|m| {
                    for id in ids {
                        if let Some((_, t)) = m.get(id) {
                            t.notify();
                        }
                    }
                });
            }
        }
    }

    pub(super) fn after_change(&self) {
        self.after_change_flags();
        self.schedule_save();
    }

    /// Takes the progress line away if it still says `text` (a later step
    /// may have put its own there).
    pub fn end_progress(&self, text: &str) {
        if self.progress.with_untracked(|p| p.as_deref() == Some(text)) {
            self.progress.set(None);
        }
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
}

/// Runs `f` as a task of its own once the page has painted (after the next
/// animation frame), so a progress line set before it is seen.
pub fn after_paint(f: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(f, Duration::from_millis(0)));
}
