//! Notices: errors (`role="alert"`) and information (`role="status"`), and
//! the standing warning while changes cannot be saved (a bar, not a notice).

use leptos::prelude::*;

use crate::state::{AppState, Level, NoticeAction};

/// The standing warning while changes cannot be saved: a bar under the
/// header, in the page's flow, so it pushes the text down and covers no
/// menu or control.
#[component]
pub fn SaveFailureBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let failure = move || state.save_failure.get();
    view! {
        {move || failure().map(|f| view! {
            <div class="save-failure" role="alert" data-save-failure="">
                <span>{f.message()}</span>
                <button type="button" data-action="export-now" on:click=move |_| state.export_store_now()>
                    "立即导出 · Export now"
                </button>
            </div>
        })}
    }
}

/// Errors and information, stacked at the bottom right; information closes
/// itself after a few seconds (`AppState::push_notice`).
#[component]
pub fn Notices() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="notices">
            <For each=move || state.notices.get() key=|n| n.id let:n>
                {
                    let id = n.id;
                    let role = if n.level == Level::Error { "alert" } else { "status" };
                    let action = n.action.clone().map(|a| match a {
                        NoticeAction::DownloadBackup { filename, raw } => view! {
                            <button type="button" data-action="download-backup" on:click=move |_| {
                                if let Err(e) = crate::files::download(&filename, "application/json", &raw) {
                                    state.notify(Level::Error, format!("下载失败 · Download failed: {e}"), None);
                                }
                            }>"下载备份 · Download backup"</button>
                        }.into_any(),
                        NoticeAction::RestoreDocument(deleted) => view! {
                            <button type="button" data-action="notice-undo" on:click=move |_| {
                                crate::view::library::restore_document(state, (*deleted).clone());
                                state.dismiss(id);
                            }>"撤销 · Undo"</button>
                        }.into_any(),
                        NoticeAction::RestoreValues(undo) => view! {
                            <button type="button" data-action="notice-undo" on:click=move |_| {
                                crate::view::library::restore_values(state, &undo);
                                state.dismiss(id);
                            }>"撤销 · Undo"</button>
                        }.into_any(),
                        NoticeAction::UndoProject { step, values } => view! {
                            <button type="button" data-action="notice-undo" on:click=move |_| {
                                if crate::view::project::undo_project(state, step, &values) {
                                    state.dismiss(id);
                                }
                            }>"撤销 · Undo"</button>
                        }.into_any(),
                        NoticeAction::KeepLines { raw, source } => view! {
                            <button type="button" data-action="keep-lines" on:click=move |_| {
                                crate::view::library::open_unjoined(state, &raw, (*source).clone());
                                state.dismiss(id);
                            }>"保留原有换行 · Keep the line breaks"</button>
                        }.into_any(),
                        NoticeAction::KeepDocument => view! {
                            <button type="button" data-action="keep-document" on:click=move |_| {
                                state.keep_open_document();
                                state.dismiss(id);
                            }>"保留此文档 · Keep it"</button>
                        }.into_any(),
                        NoticeAction::Undo { step, terms } => view! {
                            <button type="button" data-action="notice-undo" on:click=move |_| {
                                if state.undo_step(step, terms.as_deref()) {
                                    state.dismiss(id);
                                }
                            }>
                                "撤销 · Undo"
                            </button>
                        }.into_any(),
                    });
                    view! {
                        <div class="notice" class:error=n.level == Level::Error role=role data-recovery=n.recovery>
                            <span>{n.text.clone()}</span>
                            {action}
                            <button type="button" class="dismiss" aria-label="关闭 · Dismiss" on:click=move |_| state.dismiss(id)>"×"</button>
                        </div>
                    }
                }
            </For>
        </div>
    }
}
