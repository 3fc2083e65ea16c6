//! Sharing: the export menu, and importing a colleague's file (file picker
//! or drop) through a preview where the user chooses merge, replace or side
//! by side. Nothing changes before that choice; every import is one undoable
//! step.

use std::sync::Arc;

use annotator_core::document::Document;
use std::collections::BTreeSet;

use annotator_core::exchange::{self, Applied, ImportError, Incoming, Mode, MAX_IMPORT_BYTES};
use annotator_core::formats::refi::{OffsetUnit, Project};
use annotator_core::library::Source;
use leptos::prelude::*;

use crate::state::{after_paint, AppState, ExportKind, Level, LONG_DOCUMENT};

/// Files above this many bytes are applied after a progress line is shown.
const BIG_IMPORT: usize = 256 * 1024;

/// A file read and validated, waiting for the user's choice.
#[derive(Clone)]
pub struct PendingImport {
    pub file_name: String,
    pub incoming: Arc<Incoming>,
    /// The file as read, so it can be read again against another document.
    pub bytes: Arc<[u8]>,
    /// A REFI-QDA project, whole: its sources are picked in the preview.
    pub project: Option<Arc<Project>>,
}

/// The pending import, shared by the menu, the drop handler and the dialog.
#[derive(Clone, Copy)]
pub struct ImportState(pub RwSignal<Option<PendingImport>>);

/// Reads an import file's bytes into a pending import, or reports why not.
pub fn read_import(state: AppState, pending: ImportState, file_name: String, bytes: &[u8]) {
    let result = state.doc.with_untracked(|d| {
        state
            .store
            .with_untracked(|s| annotator_core::formats::read_file(&file_name, bytes, d, s))
    });
    match result {
        Ok(read) => pending.0.set(Some(PendingImport {
            file_name,
            incoming: Arc::new(read.incoming),
            bytes: Arc::from(bytes),
            project: read.project.map(Arc::new),
        })),
        Err(e) => state.notify(
            Level::Error,
            format!("{file_name}: {} — 未做任何更改 · nothing was changed", e.message()),
            None,
        ),
    }
}

/// Reads a picked or dropped file.
pub fn import_file(state: AppState, pending: ImportState, file: web_sys::File) {
    leptos::task::spawn_local(async move {
        let name = file.name();
        match crate::files::read_bytes(&file, MAX_IMPORT_BYTES).await {
            Ok(bytes) if bytes.is_empty() => {
                state.notify(Level::Error, format!("{name}: {}", ImportError::Empty.message()), None)
            }
            Ok(bytes) => read_import(state, pending, name, &bytes),
            Err(e) => state.notify(
                Level::Error,
                format!("{name}: {e} — 未做任何更改 · nothing was changed"),
                None,
            ),
        }
    });
}

#[component]
pub fn ExportMenu(pending: ImportState) -> impl IntoView {
    let state = expect_context::<AppState>();
    let include_text = RwSignal::new(true);
    let all_sets = RwSignal::new(false);
    // REFI-QDA positions: code points unless the target tool counts UTF-16.
    let utf16 = RwSignal::new(false);
    let unit = move || {
        if utf16.get_untracked() {
            OffsetUnit::Utf16
        } else {
            OffsetUnit::CodePoints
        }
    };
    let batch = expect_context::<crate::view::batch::BatchState>();
    let on_import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let files = input
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        crate::view::batch::import_files(state, pending, batch, files);
        input.set_value("");
    };
    // An export chosen closes the menu (it would cover the panel below).
    let close_after_export = |ev: leptos::ev::MouseEvent| {
        use wasm_bindgen::JsCast;
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if let Some(button) = target.and_then(|t| t.closest("button[data-export]").ok().flatten()) {
            if let Some(menu) = button.closest("details").ok().flatten() {
                let _ = menu.remove_attribute("open");
            }
        }
    };
    view! {
        <details class="menu" data-menu="share">
            <summary>"⇄ 共享 · Share"</summary>
            <div class="menu-body" on:click=close_after_export>
                <h3>"导出 · Export"</h3>
                <button type="button" data-export="json"
                    on:click=move |_| state.export(ExportKind::Json { all_sets: all_sets.get_untracked(), include_text: include_text.get_untracked() })>
                    "标注文件 · Annotation file (.json)"
                </button>
                <label class="check"><input type="checkbox" data-export-include-text="" prop:checked=move || include_text.get()
                    on:change=move |ev| include_text.set(event_target_checked(&ev))/>"附上全文 · include the text"</label>
                <label class="check"><input type="checkbox" data-export-all-sets="" prop:checked=move || all_sets.get()
                    on:change=move |ev| all_sets.set(event_target_checked(&ev))/>"包括其他编码者 · include other coders"</label>
                <button type="button" data-export="w3c" on:click=move |_| state.export(ExportKind::W3c)>
                    "W3C Web Annotation (.jsonld)"
                </button>
                <button type="button" data-export="csv" on:click=move |_| state.export(ExportKind::Csv { all_sets: all_sets.get_untracked() })>
                    "表格 · Spreadsheet (.csv)"
                </button>
                <button type="button" data-export="qdpx" on:click=move |_| state.export(ExportKind::Qdpx { unit: unit() })>
                    "REFI-QDA 项目 · project (.qdpx: NVivo, ATLAS.ti, MAXQDA, QualCoder)"
                </button>
                <button type="button" data-export="qdpx-library" on:click=move |_| state.export_library_qdpx(unit())>
                    "整个文档库为一个 REFI-QDA 项目 · The whole library as one project (.qdpx)"
                </button>
                <label class="check" title="NVivo 按 UTF-16 代码单元计数位置；QualCoder、qc 和本应用按字符（码位） · NVivo counts positions in UTF-16 code units; QualCoder, qc and this app in code points">
                    <input type="checkbox" data-export-offset-unit="" prop:checked=move || utf16.get()
                        on:change=move |ev| utf16.set(event_target_checked(&ev))/>
                    "位置按 UTF-16 计（NVivo） · positions in UTF-16 units (for NVivo)"
                </label>
                <button type="button" data-export="reliability" on:click=move |_| state.export_reliability()>
                    "信度数据，整个文档库 · Reliability data, whole library (.csv)"
                </button>
                <button type="button" data-export="codebook" on:click=move |_| state.export(ExportKind::CodebookMarkdown)>
                    "编码簿文档 · Codebook document (.md)"
                </button>
                <button type="button" data-export="qdc" on:click=move |_| state.export(ExportKind::Qdc)>
                    "REFI-QDA 编码簿 · codebook (.qdc)"
                </button>
                <h3>"导入 · Import"</h3>
                <label class="file">"选择文件，可多选或选一个 zip（或拖放到页面） · Choose files, several or one zip (or drop them on the page)"
                    <input type="file" data-import="" multiple=true accept=".json,.jsonld,.qdpx,.qdc,application/json,application/ld+json,application/zip,application/xml" on:change=on_import/>
                </label>
            </div>
        </details>
    }
}

/// Applies a pending import in `mode`: a project's picked sources, or one
/// command for the open document (one undo step either way), and tells
/// the user what it did.
fn apply_import(state: AppState, p: &PendingImport, mode: Mode, picks: &BTreeSet<usize>, leave_unused: bool) {
    if let Some(project) = &p.project {
        crate::view::project::apply_project(state, &p.file_name, project, picks, mode, leave_unused);
        return;
    }
    let own = state.own_set();
    let (cmd, pv) = state.doc.with_untracked(|d| {
        state.store.with_untracked(|s| {
            let incoming = if leave_unused {
                p.incoming.without_unused_themes(s)
            } else {
                (*p.incoming).clone()
            };
            (exchange::plan(&incoming, mode, d, s, &own), incoming.preview(d, s))
        })
    });
    let applied = Applied::of(&cmd);
    if state.apply(cmd) {
        // The file's key-term curation, where the mode takes it.
        let mine = state.doc_settings.with_untracked(|d| d.terms.clone());
        let previous = exchange::merge_terms(&mine, p.incoming.terms.as_ref(), mode).map(|next| {
            state.update_terms(|t| *t = next);
            Box::new(mine)
        });
        let skipped = if pv.unmatched_blocks > 0 {
            format!(
                "；{} 段在本文档中找不到，未导入 · {} paragraphs not in this document were left out",
                pv.unmatched_blocks, pv.unmatched_blocks
            )
        } else {
            String::new()
        };
        let how = match mode {
            Mode::Merge => "合并 · merged",
            Mode::Replace => "替换 · replaced",
            Mode::SideBySide => "并排打开 · opened side by side",
        };
        state.notify(
            Level::Info,
            format!(
                "已导入 {} · Imported {}: {} ({how}){skipped}",
                p.file_name,
                p.file_name,
                applied.summary()
            ),
            Some(state.undo_notice(previous)),
        );
    }
}

#[component]
pub fn ImportDialog(pending: ImportState) -> impl IntoView {
    let state = expect_context::<AppState>();
    let picks = RwSignal::new(BTreeSet::<usize>::new());
    let leave_unused = RwSignal::new(false);
    // A new file: its text sources picked, every theme kept.
    Effect::new(move |_| {
        let fresh = pending.0.with(|p| {
            p.as_ref()
                .and_then(|p| p.project.as_deref())
                .map(Project::default_picks)
                .unwrap_or_default()
        });
        picks.set(fresh);
        leave_unused.set(false);
    });
    let preview = move || {
        pending.0.get().map(|p| {
            let pv = state.doc.with(|d| state.store.with(|s| p.incoming.preview(d, s)));
            (p, pv)
        })
    };
    let apply = move |mode: Mode| {
        let Some(p) = pending.0.get_untracked() else { return };
        let picks = picks.get_untracked();
        let leave_unused = leave_unused.get_untracked();
        pending.0.set(None);
        // A long document or a big file: say it is under way, then apply
        // once the line is painted. Anything else applies at once.
        const IMPORTING: &str = "正在导入… · Importing…";
        if !state.doc.with_untracked(|d| d.blocks.len() > LONG_DOCUMENT) && p.bytes.len() < BIG_IMPORT {
            apply_import(state, &p, mode, &picks, leave_unused);
            return;
        }
        state.progress.set(Some(IMPORTING.into()));
        after_paint(move || {
            apply_import(state, &p, mode, &picks, leave_unused);
            state.end_progress(IMPORTING);
        });
    };
    let open_doc = move |_| {
        let Some(p) = pending.0.get_untracked() else { return };
        let Some(text) = p.incoming.document.text.clone() else {
            return;
        };
        // A long text takes a while: say so, and parse it, open it and read
        // the file again as three tasks, each after the page has painted.
        const OPENING: &str = "正在打开文档… · Opening the document…";
        const READING: &str = "正在按此文档读取文件… · Reading the file against this document…";
        state.progress.set(Some(OPENING.into()));
        after_paint(move || {
            let doc = Document::parse(&text);
            // Opening (saving the current document, storing this one's
            // text, showing it) is a task of its own.
            after_paint(move || {
                let opened = state.open_document(
                    doc,
                    Source::Imported {
                        name: p.file_name.clone(),
                    },
                );
                state.end_progress(OPENING);
                if !opened {
                    return;
                }
                state.progress.set(Some(READING.into()));
                after_paint(move || {
                    // Read the file again against the opened document: formats that
                    // address text (REFI-QDA, W3C) place their codings on its blocks.
                    read_import(state, pending, p.file_name.clone(), &p.bytes);
                    state.end_progress(READING);
                });
            });
        });
    };
    view! {
        {move || preview().map(|(p, pv)| {
            let when = pv.exported_at.clone().unwrap_or_else(|| "—".into());
            // A file none of whose paragraphs is here would only clear the
            // user's tags (replace) or add coders without a tag (side by side).
            let replace_blocked = !pv.same_document && pv.matched_blocks == 0 && p.project.is_none();
            let who = pv.annotator.clone().unwrap_or_else(|| "—".into());
            view! {
                <div class="modal-backdrop"></div>
                <div class="modal" role="dialog" aria-modal="true" aria-label="导入 · Import" data-import-preview="">
                    <h2>"导入 · Import " <span class="file-name">{p.file_name.clone()}</span></h2>
                    <dl class="facts">
                        <dt>"格式 · Format"</dt><dd>{pv.format}</dd>
                        <dt>"编码者 · Annotator"</dt><dd data-import-annotator="">{who}</dd>
                        <dt>"导出时间 · Exported"</dt><dd>{when}</dd>
                        {p.project.is_none().then(|| view! {
                            <dt>"文档 · Document"</dt><dd>{pv.title.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>"内容 · Holds"</dt>
                            <dd data-import-counts="">{format!("{} 标注集 sets · {} 标签 tags · {} 笔记 notes", pv.sets, pv.tags, pv.notes)}</dd>
                        })}
                        {(!pv.new_themes.is_empty()).then(|| {
                            let shown: Vec<String> = pv.new_themes.iter().take(12).cloned().collect();
                            let more = pv.new_themes.len().saturating_sub(shown.len());
                            let more = if more > 0 { format!(" … (+{more})") } else { String::new() };
                            view! {
                                <dt>"新主题 · New themes"</dt>
                                <dd data-import-new-themes=pv.new_themes.len().to_string()>{format!("{}{more}", shown.join("、"))}</dd>
                            }
                        })}
                    </dl>
                    {p.project.clone().map(|project| view! { <crate::view::project::ProjectFacts project picks/> })}
                    {(pv.unused_themes > 0).then(|| view! {
                        <label class="check" data-import-unused="">
                            <input type="checkbox" data-import-leave-unused="" prop:checked=move || leave_unused.get()
                                on:change=move |ev| leave_unused.set(event_target_checked(&ev))/>
                            {format!(
                                "不添加未使用的 {} 个新主题（文件中没有任何编码用到它们） · Leave out the {} new themes that no coding in the file uses",
                                pv.unused_themes, pv.unused_themes
                            )}
                        </label>
                    })}
                    {(!pv.same_document && p.project.is_none()).then(|| view! {
                        <div class="warning" role="alert" data-import-other-document="">
                            <p>{format!(
                                "此文件属于另一份文档。按段落文本匹配：{} 段匹配，{} 段在当前文档中找不到，不会被标到别处。 · This file was made for another document. Matched by paragraph text: {} paragraphs match; {} are not in the open document and will not be attached anywhere.",
                                pv.matched_blocks, pv.unmatched_blocks, pv.matched_blocks, pv.unmatched_blocks
                            )}</p>
                            {pv.has_text.then(|| view! {
                                <button type="button" data-import-open-document="" on:click=open_doc>"打开该文档 · Open that document"</button>
                            })}
                        </div>
                    })}
                    {(!pv.same_document && p.project.is_some()).then(|| view! {
                        <div class="warning" role="alert" data-import-other-document="">
                            <p>"这个项目的来源都不是当前文档：选中的来源将作为各自的文档加入文档库，当前文档不受影响。 · None of this project's sources is the open document: the picked sources become documents of their own in the library, and nothing attaches to the open document."</p>
                            {pv.has_text.then(|| view! {
                                <button type="button" data-import-open-document="" on:click=open_doc>"打开该文档 · Open that document"</button>
                            })}
                        </div>
                    })}
                    <p class="hint">"导入可以撤销 · Every import can be undone."</p>
                    <div class="row">
                        <button type="button" data-import-mode="merge" on:click=move |_| apply(Mode::Merge)
                            title="合并：标签取并集，两边的笔记都保留并注明作者 · union of tags; notes from both, marked by author">
                            "合并 · Merge"</button>
                        <button type="button" data-import-mode="replace" on:click=move |_| apply(Mode::Replace)
                            prop:disabled=replace_blocked
                            title=if replace_blocked {
                                "此文件的段落都不在当前文档中：替换只会清空你的标注 · None of this file's paragraphs is in the open document: replacing would only clear your annotations"
                            } else {
                                "替换我的标注 · replace my annotations with the file's"
                            }>"替换 · Replace"</button>
                        <button type="button" data-import-mode="side-by-side" on:click=move |_| apply(Mode::SideBySide)
                            prop:disabled=replace_blocked
                            title=if replace_blocked {
                                "此文件的段落都不在当前文档中：并排只会加入没有标签的编码者，请打开该文档 · None of this file's paragraphs is in the open document: side by side would add coders without a tag; open that document instead"
                            } else {
                                "作为另一位编码者并排查看（只读） · open as another coder's view, read-only"
                            }>"并排 · Side by side"</button>
                        <button type="button" data-import-cancel="" on:click=move |_| pending.0.set(None)>"取消 · Cancel"</button>
                    </div>
                </div>
            }
        })}
    }
}

/// The coders whose sets are open: the user (whose name goes into exports)
/// and colleagues opened side by side, which can be closed (undoably).
#[component]
pub fn CodersPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let others = move || {
        let own = state.profile.with(|p| p.coder_id.clone());
        state.store.with(|s| {
            s.sets
                .values()
                .filter(|x| x.id != own)
                .map(|x| {
                    (
                        x.id.clone(),
                        x.name.clone(),
                        x.color.clone(),
                        x.tags.values().filter(|t| t.present).count(),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let rename = move |ev: leptos::ev::Event| {
        let name: String = event_target_value(&ev)
            .trim()
            .chars()
            .take(annotator_core::themes::MAX_NAME)
            .collect();
        if name.is_empty() {
            state.notify(Level::Error, "名字不能为空 · A name cannot be empty".into(), None);
            return;
        }
        crate::view::status::rename_own(state, name);
    };
    view! {
        <section class="coders" aria-label="编码者 · Coders">
            <h2>"编码者 · Coders"</h2>
            <label class="me">"我的名字 · My name"
                <input type="text" data-coder-name="" maxlength="40" prop:value=move || {
                    // The own set's name (stamped, undoable), else the profile's.
                    let own = state.own_set();
                    state.store.with(|s| s.sets.get(&own).map(|x| x.name.clone()))
                        .unwrap_or_else(|| state.profile.with(|p| p.name.clone()))
                } on:change=rename/>
            </label>
            <ul class="coder-list">
                <For each=others key=|o| o.clone() children=move |(id, name, color, tags)| {
                    let close_id = id.clone();
                    view! {
                        <li data-coder-row=id.clone() style=format!("border-left:3px solid {color}")>
                            <span>{name}</span>
                            <span class="count">{format!("{tags} 标签 tags")}</span>
                            <button type="button" class="icon" data-coder-close="" title="关闭（可撤销） · Close (undoable)"
                                on:click=move |_| { state.apply(annotator_core::store::Command::RemoveSet { id: close_id.clone() }); }>"×"</button>
                        </li>
                    }
                }/>
            </ul>
        </section>
    }
}
