//! Several annotation files (or a zip of them) imported in one step: the
//! batch preview (`[data-import-batch]`, one `[data-import-file]` row per
//! file, with where it goes), applied side by side with one undo
//! (`workspace::Workspace::read_batch`, `apply_batch`).

use std::sync::Arc;

use annotator_core::exchange::MAX_IMPORT_BYTES;
use annotator_core::workspace::{is_bundle, Batch, BatchInput, Target};
use leptos::prelude::*;

use crate::state::{AppState, Level, NoticeAction};
use crate::storage::now_ms;
use crate::view::exchange::{import_file, ImportState};

/// The batch waiting for the user's choice, shared by the menu, the drop
/// handler and the dialog.
#[derive(Clone, Copy)]
pub struct BatchState(pub RwSignal<Option<Arc<Batch>>>);

/// Reads picked or dropped files: one annotation file or project goes to
/// the single-file preview; several, or one zip of files, to the batch
/// preview. A file that cannot be read is a row of the preview, saying why.
pub fn import_files(state: AppState, pending: ImportState, batch: BatchState, files: Vec<web_sys::File>) {
    if files.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let mut inputs = Vec::new();
        let mut unreadable = Vec::new();
        for file in &files {
            let name = file.name();
            match crate::files::read_bytes(file, MAX_IMPORT_BYTES * 4).await {
                Ok(bytes) => inputs.push(BatchInput { name, bytes }),
                Err(e) => unreadable.push(format!("{name}: {e}")),
            }
        }
        if files.len() == 1 && unreadable.is_empty() && !inputs.first().is_some_and(is_bundle) {
            return import_file(state, pending, files[0].clone());
        }
        let read = state
            .store
            .with_untracked(|open| state.ws.with_value(|w| w.read_batch(inputs, open)));
        for u in unreadable {
            state.notify(Level::Error, format!("{u} — 未导入 · not imported"), None);
        }
        batch.0.set(Some(Arc::new(read)));
    });
}

fn applied(state: AppState, batch: BatchState) {
    let Some(read) = batch.0.get_untracked() else { return };
    batch.0.set(None);
    if !state.leave_current() {
        return;
    }
    let own = state.own_set();
    let result = state
        .store
        .with_untracked(|open| state.with_ws(|w| w.apply_batch(&read, open, &own, now_ms())));
    match result {
        Some(Ok(done)) => {
            if done.open_changed {
                state.reload_open();
            } else {
                state.report_storage();
            }
            let files = read.items.len();
            let coders = read.coders().len();
            state.notify(
                Level::Info,
                {
                    use annotator_core::text::counted;
                    format!(
                        "已导入 {files} 个文件到 {} 篇文档（新增 {} 篇），{coders} 位编码者，{} 个标签 · Imported {} into {} ({} new): {}, {}",
                        done.documents,
                        done.added,
                        done.applied.tags,
                        counted(files, "file", "files"),
                        counted(done.documents, "document", "documents"),
                        done.added,
                        counted(coders, "coder", "coders"),
                        counted(done.applied.tags, "tag", "tags"),
                    )
                },
                Some(NoticeAction::RestoreValues(Box::new(done.undo.clone()))),
            );
            state.record_library_step(done.undo);
        }
        Some(Err(e)) => state.notify(
            Level::Error,
            format!("{} — 未做任何更改 · nothing was changed", e.message()),
            None,
        ),
        None => {}
    }
}

#[component]
pub fn BatchDialog(batch: BatchState) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || batch.0.get().map(|read| {
            let files = read.items.len();
            let documents = read.documents();
            let coders = read.coders();
            // Two coders of one name are told apart, as everywhere.
            let shown = {
                let pairs: Vec<(&str, &str)> = coders.iter().map(|(i, n)| (i.as_str(), n.as_str())).collect();
                annotator_core::coders::display_names(&pairs, None)
            };
            let rows = read.items.iter().map(|item| {
                let names: Vec<String> = item.coder_ids.iter().map(|id| shown.get(id).cloned().unwrap_or_default()).collect();
                let (target, label) = match item.target {
                    Target::Open => ("open", "当前文档 · open document"),
                    Target::Library => ("library", "文档库 · library"),
                    Target::New => ("new", "新文档（文件附带全文） · new document (text in the file)"),
                };
                view! {
                    <tr data-import-file=item.file.clone() data-target=target data-codings=item.codings.to_string()>
                        <td>{item.file.clone()}</td>
                        <td>{item.title.clone()}<br/><small>{label}</small></td>
                        <td>{names.join("、")}</td>
                        <td>{item.codings.to_string()}</td>
                    </tr>
                }
            }).collect_view();
            let problems = read.problems.iter().map(|p| view! {
                <tr data-import-file=p.file.clone() data-target="problem" class="problem">
                    <td>{p.file.clone()}</td>
                    <td colspan="3" role="alert">{format!("未导入 · not imported: {}", p.error.message())}</td>
                </tr>
            }).collect_view();
            let nothing = read.items.is_empty();
            view! {
                <div class="modal-backdrop" on:click=move |_| batch.0.set(None)></div>
                <div class="modal wide" role="dialog" aria-modal="true" aria-label="批量导入 · Import several files" data-import-batch="">
                    <h2>"批量导入 · Import several files"</h2>
                    <p data-import-batch-summary="">{format!(
                        "{files} 个文件 → {documents} 篇文档，{} 位编码者；每位编码者并排成为一个标注集 · {files} files → {documents} documents, {} coders; each coder becomes a set side by side",
                        coders.len(), coders.len()
                    )}</p>
                    <table class="batch">
                        <thead><tr><th>"文件 · File"</th><th>"文档 · Document"</th><th>"编码者 · Coders"</th><th>"标签 · Tags"</th></tr></thead>
                        <tbody>{rows}{problems}</tbody>
                    </table>
                    <div class="row">
                        <button type="button" data-import-batch-apply="" prop:disabled=nothing
                            on:click=move |_| applied(state, batch)>"全部导入 · Import all"</button>
                        <button type="button" data-import-batch-cancel="" on:click=move |_| batch.0.set(None)>"取消 · Cancel"</button>
                    </div>
                </div>
            }
        })}
    }
}
