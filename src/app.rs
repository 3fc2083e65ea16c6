//! The page: header, table of contents, the document, and the side panels.
//! Start-up shows the parsed text at once; key terms come from a worker.

use annotator_core::keys::{action_for, Action, Chord};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::AppState;
use crate::view::compare::AgreementPanel;
use crate::view::document::DocumentView;
use crate::view::exchange::{CodersPanel, ExportMenu, ImportDialog, ImportState};
use crate::view::library::LibraryPanel;
use crate::view::notices::{Notices, SaveFailureBar};
use crate::view::terms::TermList;
use crate::view::themes::{OverviewStrip, ThemePanel};
use crate::view::toc::Toc;

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::restore();
    provide_context(state);

    // Key terms come from a worker that loads the dictionary off this
    // thread: the text paints at once, the marks follow.
    state.start_terms();

    // A value IndexedDB and localStorage both refused is a storage failure
    // on screen, until one is kept again; another tab's annotations in
    // IndexedDB merge as a `storage` event's do; and the browser is asked
    // to keep the data.
    crate::large_store::on_result(move |result| state.on_background_save(result));
    crate::large_store::on_external(move |key, value| state.on_storage_event(&key, value));
    leptos::task::spawn_local(async move {
        state.persisted.set(crate::large_store::ask_to_persist().await);
    });
    // Live sync carries on when it was on (the session cookie signs in).
    crate::sync::resume(state);

    let keys = window_event_listener(ev::keydown, move |e| on_key(state, &e));
    on_cleanup(move || keys.remove());
    let storage = window_event_listener(ev::storage, move |e| {
        if let Some(key) = e.key() {
            state.on_storage_event(&key, e.new_value());
        }
    });
    on_cleanup(move || storage.remove());
    // Leaving the page writes whatever is pending.
    let hide = window_event_listener(ev::pagehide, move |_| {
        state.save_now();
        state.ws.with_value(|w| w.storage().large.keep_in_flight_locally());
    });
    on_cleanup(move || hide.remove());
    // The view (focus, filter) is saved with the annotations.
    Effect::new(move |prev: Option<()>| {
        state.focused.track();
        state.filter.track();
        if prev.is_some() {
            state.schedule_save();
        }
    });

    // Dropping a file anywhere on the page opens it.
    let dragover = window_event_listener(ev::dragover, move |e| e.prevent_default());
    on_cleanup(move || dragover.remove());
    let pending = ImportState(RwSignal::new(None));
    let batch = crate::view::batch::BatchState(RwSignal::new(None));
    provide_context(batch);
    let drop = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        let files: Vec<web_sys::File> = e
            .data_transfer()
            .and_then(|d| d.files())
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        match files.as_slice() {
            [file] if crate::view::library::is_text_file(file) => {
                crate::view::library::open_file(state, file.clone(), None)
            }
            _ => crate::view::batch::import_files(state, pending, batch, files),
        }
    });
    on_cleanup(move || drop.remove());
    let library_open = state.library_open;
    // In a narrow window the side panels are a drawer, closed at first;
    // Escape closes it.
    let drawer = RwSignal::new(false);
    let escape = window_event_listener(ev::keydown, move |e| {
        if e.key() == "Escape" && drawer.get_untracked() {
            drawer.set(false);
            focus_first("[data-action=\"panels\"]");
        }
    });
    on_cleanup(move || escape.remove());

    let title = move || {
        state
            .doc
            .with(|d| d.title.clone().unwrap_or_else(|| "无标题 · Untitled".into()))
    };
    // Terms shown, or known not to come (the notice says why).
    let ready = move || state.analysis.with(Option::is_some) || state.terms_error.with(Option::is_some);

    view! {
        <header class="topbar">
            <div class="brand">"讲话标注 · Speech Annotator"</div>
            <div class="doc-title">{title}</div>
            <div class="status-bar"><crate::view::status::DocStatus/></div>
            <div class="actions">
                <button type="button" data-action="corpus" aria-haspopup="dialog"
                    on:click=move |_| state.corpus_open.update(|o| *o = !*o)>"📊 语料 · Corpus"</button>
                <button type="button" data-action="library" aria-haspopup="dialog"
                    on:click=move |_| library_open.update(|o| *o = !*o)>"📚 文档 · Documents"</button>
                <button type="button" data-action="undo" title="撤销 Undo (Ctrl+Z)"
                    prop:disabled=move || !state.can_undo.get()
                    on:click=move |_| state.undo()>"↶ 撤销"</button>
                <button type="button" data-action="redo" title="重做 Redo (Ctrl+Shift+Z)"
                    prop:disabled=move || !state.can_redo.get()
                    on:click=move |_| state.redo()>"↷ 重做"</button>
                <ExportMenu pending=pending/>
                <button type="button" class="scheme" data-action="scheme" title="深色/浅色 Dark/light" aria-label="Toggle dark mode"
                    on:click=move |_| toggle_scheme()>"◐"</button>
                <button type="button" class="panels-toggle" data-action="panels" aria-controls="side-panels"
                    aria-expanded=move || drawer.get().to_string()
                    on:click=move |_| {
                        drawer.update(|o| *o = !*o);
                        // Opened: the keyboard goes into the drawer.
                        if drawer.get_untracked() {
                            request_animation_frame(|| focus_first("#side-panels :is(button, input, select, textarea)"));
                        }
                    }>"☰ 面板 · Panels"</button>
            </div>
        </header>
        <SaveFailureBar/>
        <Notices/>
        <LibraryPanel open=library_open/>
        <crate::view::corpus::CorpusPanel/>
        <crate::view::status::NamePromptBar held=true/>
        <ImportDialog pending=pending/>
        <crate::view::batch::BatchDialog batch=batch/>
        <div class="progress" role="status" data-segmenting=move || (!ready()).to_string()
            hidden=move || ready() || state.progress.with(Option::is_some)>
            "正在分词并提取关键词… · Segmenting and ranking key terms…"
        </div>
        {move || state.progress.get().map(|p| view! { <div class="progress" role="status" data-progress="">{p}</div> })}
        <main class="layout">
            <Toc/>
            <OverviewStrip/>
            <DocumentView/>
            <div class="drawer-backdrop" hidden=move || !drawer.get() on:click=move |_| drawer.set(false)></div>
            <aside class="side" id="side-panels" class:open=move || drawer.get() data-drawer-open=move || drawer.get().to_string()>
                <crate::view::status::NamePromptBar/>
                <ThemePanel/>
                <CodersPanel/>
                <AgreementPanel/>
                <TermList/>
                <crate::view::sync::SyncPanel/>
                <section class="help">
                    <h2>"键盘 · Keys"</h2>
                    <p><kbd>"j"</kbd>" "<kbd>"k"</kbd>" / "<kbd>"↓"</kbd>" "<kbd>"↑"</kbd>" 移动 move · "
                       <kbd>"1"</kbd>"–"<kbd>"9"</kbd>" 主题 theme（📌 固定 pin） · "<kbd>"n"</kbd>" 笔记 note · "
                       <kbd>"Ctrl+Z"</kbd>" 撤销 undo · "<kbd>"Ctrl+Shift+Z"</kbd>" 重做 redo"</p>
                </section>
            </aside>
        </main>
    }
}

/// Gives the keyboard focus to the first element `selector` matches.
fn focus_first(selector: &str) {
    if let Some(el) = document().query_selector(selector).ok().flatten() {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

fn toggle_scheme() {
    let Some(root) = document().document_element() else {
        return;
    };
    let dark = root
        .get_attribute("data-scheme")
        .map(|s| s == "dark")
        .unwrap_or_else(|| {
            window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches())
        });
    let scheme = if dark { "light" } else { "dark" };
    let _ = root.set_attribute("data-scheme", scheme);
    // Remembered for the next visit (early.js applies it before the first paint).
    crate::storage::remember_scheme(scheme);
}

fn in_text_field(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.has_attribute("contenteditable")
        })
}

fn on_key(state: AppState, e: &web_sys::KeyboardEvent) {
    let key = e.key();
    let chord = Chord {
        key: &key,
        ctrl: e.ctrl_key(),
        meta: e.meta_key(),
        shift: e.shift_key(),
        alt: e.alt_key(),
        in_text: in_text_field(e),
    };
    let Some(action) = action_for(&chord) else {
        return;
    };
    match action {
        Action::Next | Action::Previous => {
            e.prevent_default();
            let next = crate::view::document::neighbour(state, matches!(action, Action::Next));
            if let Some(i) = next {
                state.focused.set(Some(i));
                crate::view::document::scroll_to_block(state, i, false);
            }
        }
        Action::Toggle(k) => {
            let Some(block) = state.focused_block_id() else {
                return;
            };
            let Some(theme) = state.store.with_untracked(|s| s.theme_for_key(k).map(|t| t.id.clone())) else {
                return;
            };
            e.prevent_default();
            state.toggle(&block, &theme);
            // In a long document the focused paragraph may have scrolled out:
            // it comes back into view, so the tag is seen where it went.
            if state.viewport.is_long() {
                if let Some(i) = state.focused.get_untracked() {
                    crate::view::document::scroll_to_block(state, i, false);
                }
            }
        }
        Action::ToggleDone => {
            e.prevent_default();
            state.toggle_done();
        }
        Action::ToggleUncoded => {
            let Some(block) = state.focused_block_id() else {
                return;
            };
            e.prevent_default();
            state.toggle_uncoded(&block);
        }
        Action::EditNote => {
            if let Some(i) = state.focused.get_untracked() {
                e.prevent_default();
                state.editing_note.set(Some(i));
                // In a long document the block may have scrolled out of the page.
                crate::view::document::scroll_to_block(state, i, false);
                crate::view::document::focus_note(i);
            }
        }
        Action::AcceptSuggestions => {
            let Some(i) = state.focused.get_untracked() else { return };
            let Some(id) = state.doc.with_untracked(|d| d.blocks.get(i).map(|b| b.id.clone())) else {
                return;
            };
            let list = state.pending_suggestions(Some(&id), None);
            e.prevent_default();
            state.accept_suggestions(&list);
        }
        Action::Undo => {
            e.prevent_default();
            state.undo();
        }
        Action::Redo => {
            e.prevent_default();
            state.redo();
        }
        Action::Escape => {
            if let Some(i) = state.editing_note.get_untracked() {
                if let Some(el) = document()
                    .query_selector(&format!("[data-block=\"{i}\"]"))
                    .ok()
                    .flatten()
                {
                    let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            }
            state.active_term.set(None);
            state.library_open.set(false);
            state.picking.set(None);
        }
    }
}
