//! The document library: open a text (file, paste), and list, open, rename
//! and delete the documents kept in this browser.

use annotator_core::document::{Document, ParseOptions};
use annotator_core::encoding::{self, CHOICES, MAX_TEXT_BYTES};
use annotator_core::library::Source;
use annotator_core::workspace::{Deleted, LibraryUndo};
use leptos::prelude::*;

use crate::state::{AppState, Level, NoticeAction};
use crate::storage::{now_ms, QUOTA_UNITS};

/// Opens a decoded text as a document, or says why not.
///
/// A text copied from a PDF with its lines hard-wrapped has them joined
/// into paragraphs (`Document::parse_with`); the notice says so and offers
/// to open it again with the line breaks as they were.
pub fn open_text(state: AppState, text: &str, source: Source, how: Option<&str>) -> bool {
    let parsed = Document::parse_with(text, ParseOptions::default());
    let joined = parsed.joined_lines;
    let doc = parsed.document;
    if doc.blocks.is_empty() {
        state.notify(Level::Error, "文本是空的 · The text is empty".into(), None);
        return false;
    }
    let title = doc.title.clone().unwrap_or_default();
    let paragraphs = doc.taggable().count();
    if !state.open_document(doc, source.clone()) {
        return false;
    }
    let how = how.map(|h| format!(" ({h})")).unwrap_or_default();
    if joined > 0 {
        state.notify(
            Level::Info,
            format!(
                "已打开 «{title}»：{paragraphs} 段；文本按固定行宽换行（如从 PDF 复制），已把段内 {joined} 处换行合并 · Opened «{title}»: {paragraphs} ¶; its lines were hard-wrapped (as a PDF copy gives them), so {joined} line breaks inside paragraphs were joined{how}"
            ),
            Some(NoticeAction::KeepLines {
                raw: std::sync::Arc::new(text.to_string()),
                source: Box::new(source),
            }),
        );
    } else {
        state.notify(
            Level::Info,
            format!("已打开 · Opened «{title}»: {paragraphs} ¶{how}"),
            None,
        );
    }
    true
}

/// Opens a text again with its line breaks as they were (the joining of
/// hard-wrapped lines turned off): another document, the joined one stays
/// in the library.
pub fn open_unjoined(state: AppState, raw: &str, source: Source) {
    let parsed = Document::parse_with(raw, ParseOptions { join_wrapped: false });
    let doc = parsed.document;
    let (title, paragraphs) = (doc.title.clone().unwrap_or_default(), doc.taggable().count());
    if state.open_document(doc, source) {
        state.notify(
            Level::Info,
            format!(
                "已按原有换行打开 «{title}»：{paragraphs} 段 · Opened «{title}» with its line breaks: {paragraphs} ¶"
            ),
            None,
        );
    }
}

/// Reads a `.txt` file (detecting UTF-8 or GB18030 unless `choice` is set).
pub fn open_file(state: AppState, file: web_sys::File, choice: Option<String>) {
    leptos::task::spawn_local(async move {
        let name = file.name();
        let bytes = match crate::files::read_bytes(&file, MAX_TEXT_BYTES).await {
            Ok(b) => b,
            Err(e) => return state.notify(Level::Error, format!("{name}: {e}"), None),
        };
        match encoding::decode(&bytes, choice.as_deref(), &crate::files::BrowserDecoder) {
            Ok(d) => {
                let source = Source::File {
                    name: name.clone(),
                    encoding: d.encoding.into(),
                };
                open_text(state, &d.text, source, Some(&format!("{} · {}", d.encoding, d.how)));
            }
            Err(e) => state.notify(Level::Error, format!("{name}: {}", e.message()), None),
        }
    });
}

#[component]
pub fn LibraryPanel(open: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let encoding = RwSignal::new(String::new());
    let pasted = RwSignal::new(String::new());
    let renaming = RwSignal::new(None::<String>);
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            let choice = Some(encoding.get_untracked()).filter(|e| !e.is_empty());
            open_file(state, file, choice);
            open.set(false);
        }
        input.set_value("");
    };
    let on_paste = move |_| {
        if open_text(state, &pasted.get_untracked(), Source::Pasted, None) {
            pasted.set(String::new());
            open.set(false);
        }
    };
    // Tag counts and usage are read from storage each time the panel opens.
    let rows = move || {
        open.track();
        state.library.track();
        state.ws.with_value(|w| state.store.with_untracked(|s| w.documents(s)))
    };
    let usage = move || {
        open.track();
        state.library.track();
        match state.ws.with_value(|w| w.storage().small.app_usage()) {
            Some(units) => format!(
                "本地存储（文档库目录、设置）已用约 {:.2} MB，约占 {:.0}% · Browser storage (library index, settings): about {:.2} MB used ({:.0}% of ~10 MB)",
                units as f64 * 2.0 / 1e6,
                units as f64 * 100.0 / QUOTA_UNITS as f64,
                units as f64 * 2.0 / 1e6,
                units as f64 * 100.0 / QUOTA_UNITS as f64
            ),
            None => "本地存储不可用 · Browser storage unavailable".into(),
        }
    };
    // Document texts and annotations in IndexedDB, and what the browser
    // estimates in all.
    let large = move || {
        open.track();
        state.library.track();
        let (closed, (texts, sets, units)) = state
            .ws
            .with_value(|w| (w.storage().large.closed(), w.storage().large.usage()));
        let mut line = match closed {
            None => format!(
                "IndexedDB（文档全文与标注）：全文 {texts} 篇，标注 {sets} 份，约 {:.2} MB · IndexedDB (document texts and annotations): {texts} texts, annotations of {sets} documents, about {:.2} MB",
                units as f64 * 2.0 / 1e6,
                units as f64 * 2.0 / 1e6
            ),
            Some(why) => format!(
                "IndexedDB 不可用，全文与标注也存于本地存储 · IndexedDB unavailable, texts and annotations kept in browser storage too ({why})"
            ),
        };
        if let Some((used, quota)) = state.estimate.get() {
            line.push_str(&format!(
                "；浏览器估计本站共用 {:.1} MB，可用 {:.0} MB · the browser estimates {:.1} MB used of {:.0} MB allowed",
                used / 1e6,
                quota / 1e6,
                used / 1e6,
                quota / 1e6
            ));
        }
        line
    };
    let persisted = move || match state.persisted.get() {
        Some(true) => "granted",
        Some(false) => "not-granted",
        None => "unknown",
    };
    let persisted_text = move || {
        match state.persisted.get() {
        Some(true) => "浏览器已同意保留这些数据 · The browser agreed to keep this data",
        Some(false) => "浏览器未同意持久保存：空间紧张时可能清除，请定期导出 · Not granted: the browser may clear this data when space runs low; export regularly",
        None => "浏览器未回答是否保留数据 · The browser has not said whether it will keep this data",
    }
    };
    // The estimate is asked again whenever the library opens.
    Effect::new(move |_| {
        if open.get() {
            leptos::task::spawn_local(async move {
                if let Some(e) = crate::large_store::estimate().await {
                    state.estimate.set(Some(e));
                }
            });
        }
    });
    view! {
        <div class="library-backdrop" hidden=move || !open.get() on:click=move |_| open.set(false)></div>
        <aside class="library" role="dialog" aria-label="文档库 · Library" hidden=move || !open.get()>
            <header>
                <h2>"文档库 · Library"</h2>
                <button type="button" class="icon" aria-label="关闭 · Close" on:click=move |_| open.set(false)>"×"</button>
            </header>
            <section class="open-text">
                <h3>"打开文本 · Open a text"</h3>
                <label class="file">
                    "选择 .txt 文件 · Choose a .txt file"
                    <input type="file" accept=".txt,text/plain" data-open-text="" on:change=on_file/>
                </label>
                <label>"编码 · Encoding "
                    <select data-encoding="" on:change=move |ev| encoding.set(event_target_value(&ev))>
                        <option value="">"自动 (UTF-8 / GB18030) · Auto"</option>
                        {CHOICES.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
                    </select>
                </label>
                <textarea data-paste-text="" rows="4" placeholder="或在此粘贴讲话全文 · or paste a speech here"
                    prop:value=move || pasted.get() on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                <button type="button" data-paste-open="" prop:disabled=move || pasted.with(|p| p.trim().is_empty()) on:click=on_paste>
                    "打开粘贴的文本 · Open pasted text"
                </button>
            </section>
            <section>
                <h3>"本浏览器中的文档 · Documents in this browser"</h3>
                <div class="doc-actions">
                    <button type="button" data-library-export="" on:click=move |_| export_library(state)>"⬇ 导出文档库 · Export library"</button>
                    <label class="file">"导入文档库 · Import a library"
                        <input type="file" accept=".json,application/json" data-library-import="" on:change=move |ev: leptos::ev::Event| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            if let Some(f) = input.files().and_then(|f| f.get(0)) { import_library(state, f); }
                            input.set_value("");
                        }/>
                    </label>
                </div>
                <p class="hint" data-storage-usage="">{usage}</p>
                <p class="hint" data-storage-large="">{large}</p>
                <p class="hint" data-storage-persisted=persisted>{persisted_text}</p>
                <ul class="doc-list">
                    <For each=rows key=|(e, tags)| (e.fingerprint.clone(), e.title.clone(), e.edited, *tags) children=move |(e, tags)| {
                        let fp = e.fingerprint.clone();
                        let is_builtin = e.source == Source::Builtin;
                        let current = Memo::new({ let fp = fp.clone(); move |_| state.doc.with(|d| d.fingerprint == fp) });
                        let edited = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(e.edited as f64));
                        let when = if e.edited == 0 { "—".to_string() } else { String::from(edited.to_locale_string("zh-CN", &wasm_bindgen::JsValue::UNDEFINED)) };
                        let fp_open = fp.clone();
                        let fp_rename = fp.clone();
                        let fp_delete = fp.clone();
                        view! {
                            <li data-doc-id=fp.clone() class:current=current>
                                {move || if renaming.get().as_deref() == Some(fp_rename.as_str()) {
                                    let fp = fp_rename.clone();
                                    view! {
                                        <input type="text" class="rename" data-doc-title-input="" maxlength="200" value=e.title.clone()
                                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                                if ev.key() == "Enter" {
                                                    let v = event_target_value(&ev);
                                                    state.rename_document(&fp, &v);
                                                    renaming.set(None);
                                                } else if ev.key() == "Escape" { renaming.set(None); }
                                            }/>
                                    }.into_any()
                                } else {
                                    view! { <span class="doc-title" data-doc-title="">{e.title.clone()}</span> }.into_any()
                                }}
                                <span class="doc-meta">
                                    {format!("{} · {} 字 chars · {} 段 ¶ · {} 标签 tags · {}", e.date.clone().unwrap_or_else(|| "—".into()), e.chars, e.paragraphs, tags, when)}
                                </span>
                                <span class="doc-actions">
                                    <button type="button" data-doc-open="" prop:disabled=current
                                        on:click=move |_| { state.open_stored(&fp_open); open.set(false); }>"打开 · Open"</button>
                                    <button type="button" data-doc-rename="" on:click={ let fp = fp.clone(); move |_| renaming.set(Some(fp.clone())) }>"重命名 · Rename"</button>
                                    {is_builtin.then(|| view! {
                                        <button type="button" data-doc-reset="" title="删除对内置讲话的全部标注（可撤销） · Remove all your annotations of the built-in speech (undoable)"
                                            on:click=move |_| { reset_builtin(state); open.set(false); }>"重置 · Reset"</button>
                                    })}
                                    {(!is_builtin).then(|| view! {
                                        <button type="button" class="danger" data-doc-delete="" on:click=move |_| delete_document(state, &fp_delete)>"删除 · Delete"</button>
                                    })}
                                </span>
                            </li>
                        }
                    }/>
                </ul>
            </section>
        </aside>
    }
}

/// Deletes a document, its text and its annotations, with an undo.
fn delete_document(state: AppState, fp: &str) {
    let builtin = state.ws.with_value(|w| w.builtin().fingerprint.clone());
    if state.doc.with_untracked(|d| d.fingerprint == fp) && !state.open_stored(&builtin) {
        return;
    }
    let deleted = state.with_ws(|w| w.delete_document(fp, now_ms())).flatten();
    state.save_library();
    let Some(deleted) = deleted else { return };
    let title = deleted.entry.title.clone();
    state.notify(
        Level::Info,
        format!("已删除 · Deleted «{title}»"),
        Some(NoticeAction::RestoreDocument(Box::new(deleted))),
    );
}

/// Undoes [`delete_document`].
pub fn restore_document(state: AppState, deleted: Deleted) {
    state.with_ws(|w| w.restore_document(deleted, now_ms()));
    state.save_library();
}

/// Opens a dropped `.txt` file.
pub fn is_text_file(file: &web_sys::File) -> bool {
    let name = file.name().to_lowercase();
    name.ends_with(".txt") || file.type_() == "text/plain"
}

/// Downloads the whole library (every document's text and annotations).
pub fn export_library(state: AppState) {
    // Unsaved changes of the open document are exported from memory.
    state.save_now();
    let own = state.own_set();
    let file = state.ws.with_value(|w| {
        state
            .store
            .with_untracked(|s| w.export_library(s, &own, now_ms() / 1000))
    });
    if let Err(e) = crate::files::download_bytes(&file.name, file.media_type, &file.bytes) {
        state.notify(Level::Error, format!("下载失败 · Download failed: {e}"), None);
    }
}

/// Imports a library file: texts added, annotations merged with what this
/// browser has (nothing overwritten), undoable from the notice.
pub fn import_library(state: AppState, file: web_sys::File) {
    leptos::task::spawn_local(async move {
        let name = file.name();
        let bytes = match crate::files::read_bytes(&file, annotator_core::exchange::MAX_IMPORT_BYTES * 4).await {
            Ok(b) => b,
            Err(e) => return state.notify(Level::Error, format!("{name}: {e}"), None),
        };
        if !state.leave_current() {
            return;
        }
        let own = state.own_set();
        let imported = state.with_ws(|w| w.import_library(&bytes, &own, now_ms()));
        crate::sync::local_change(state, None);
        match imported {
            Some(Ok(done)) => {
                state.reload_open();
                state.notify(
                    Level::Info,
                    format!(
                        "已导入文档库，{} 篇文档 · Library imported: {}",
                        done.documents,
                        annotator_core::text::counted(done.documents, "document", "documents")
                    ),
                    Some(NoticeAction::RestoreValues(Box::new(done.undo.clone()))),
                );
                state.record_library_step(done.undo);
            }
            Some(Err(e)) => state.notify(
                Level::Error,
                format!("{name}: {} — 未做任何更改 · nothing was changed", e.message()),
                None,
            ),
            None => {}
        }
    });
}

/// Undoes [`import_library`]: puts back every value it replaced. While the
/// import is still the next step to undo, this is that step (so Ctrl+Shift+Z
/// redoes it).
pub fn restore_values(state: AppState, undo: &LibraryUndo) {
    match state.library_step_undone(undo) {
        Some(true) => {
            return state.notify(Level::Info, "这一步已撤销 · That step is already undone".into(), None);
        }
        Some(false) => {
            if !state.library_step_instead(true) {
                state.notify(
                    Level::Info,
                    "之后已有新的更改，请先用 Ctrl+Z 撤销它们 · Newer changes came after it: undo them first with Ctrl+Z"
                        .into(),
                    None,
                );
            }
            return;
        }
        None => {}
    }
    state.with_ws(|w| w.undo_library_import(undo, now_ms()));
    // Not saved first: the open document's values were just put back.
    state.reload_open();
}

/// Resets the built-in speech to pristine ([`annotator_core::store::Store::pristine`]
/// and the default key-term settings), as one undoable step.
pub fn reset_builtin(state: AppState) {
    let builtin = state.ws.with_value(|w| w.builtin().fingerprint.clone());
    if state.doc.with_untracked(|d| d.fingerprint != builtin) && !state.open_stored(&builtin) {
        return;
    }
    let own = state.own_set();
    let cmd = state.store.with_untracked(|s| s.pristine(&own));
    if state.apply(cmd) {
        let previous = state.doc_settings.with_untracked(|d| d.terms.clone());
        let terms = (previous != Default::default()).then(|| {
            state.update_terms(|t| *t = Default::default());
            Box::new(previous)
        });
        state.notify(
            Level::Info,
            "内置讲话已重置 · The built-in speech is pristine again".into(),
            Some(state.undo_notice(terms)),
        );
    }
}
