//! A REFI-QDA project in the import preview: its sources (picked or not),
//! codebook, users and the unit its positions were read in; applying the
//! picked sources; and the one undo that takes the whole import back.

use std::collections::BTreeSet;
use std::sync::Arc;

use annotator_core::exchange::{self, Applied, Mode};
use annotator_core::formats::refi::{Project, SourceKind};
use annotator_core::workspace::LibraryUndo;
use leptos::prelude::*;

use crate::state::{AppState, Level, NoticeAction};
use crate::storage::now_ms;

/// Where a source goes: the open document, a library document, or a new one.
fn destination(state: AppState, fp: Option<&str>) -> &'static str {
    let Some(fp) = fp else {
        return "不导入 · not imported";
    };
    if state.doc.with_untracked(|d| d.fingerprint == fp) {
        "当前文档 · the open document"
    } else if state.library.with_untracked(|l| l.get(fp).is_some()) {
        "文档库中已有 · in the library"
    } else {
        "新文档 · new document"
    }
}

/// The project's part of the preview.
#[component]
pub fn ProjectFacts(project: Arc<Project>, picks: RwSignal<BTreeSet<usize>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let skipped = project.skipped_kinds();
    let skipped_line = (!skipped.is_empty()).then(|| {
        let parts: Vec<String> = skipped
            .iter()
            .map(|(k, n, c)| format!("{n} {} ({c} codings)", k.label()))
            .collect();
        format!(
            "非文本来源及其编码不导入：{} · Sources that are not text are skipped with their codings: {}",
            parts.join("、"),
            parts.join(", ")
        )
    });
    let depth = &project.depth;
    let codebook_line = format!(
        "{} 个编码，{} 层 · {} codes, {} level{}",
        project.themes.len(),
        depth.deepest,
        project.themes.len(),
        depth.deepest,
        if depth.deepest == 1 { "" } else { "s" }
    );
    let flattened = (!depth.flattened.is_empty()).then(|| {
        format!(
            "本应用保留两层：{} 个更深的编码并入其顶层编码，名称带路径（如「{}」） · The app keeps two levels: {} deeper codes sit under their top-level code, named with their path (e.g. «{}»)",
            depth.flattened.len(),
            depth.flattened[0],
            depth.flattened.len(),
            depth.flattened[0]
        )
    });
    let users = if project.users.is_empty() {
        "—".to_string()
    } else {
        project.users.join("、")
    };
    let rows = project
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let readable = s.kind == SourceKind::Text && s.text.is_some();
            let status = if s.kind != SourceKind::Text {
                "跳过 · skipped"
            } else if s.text.is_none() {
                "压缩包中缺少文本 · text missing from the archive"
            } else {
                destination(state, s.fingerprint.as_deref())
            };
            let size = if readable {
                format!("{} 字 chars", s.chars)
            } else {
                "—".into()
            };
            let coders = if s.coders.is_empty() {
                "—".to_string()
            } else {
                s.coders.join("、")
            };
            view! {
                <tr data-import-source=s.guid.clone() data-kind=s.kind.as_str() data-codings=s.codings.to_string()>
                    <td><input type="checkbox" data-import-source-pick="" disabled=!readable
                        aria-label=format!("导入 · import {}", s.name)
                        prop:checked=move || picks.with(|p| p.contains(&i))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            picks.update(|p| { if on { p.insert(i); } else { p.remove(&i); } });
                        }/></td>
                    <td class="source-name">{s.name.clone()}</td>
                    <td>{s.kind.label()}</td>
                    <td>{size}</td>
                    <td>{s.codings}</td>
                    <td>{coders}</td>
                    <td class="hint">{status}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="project" data-import-project="">
            <table class="sources" data-import-sources="">
                <caption>"来源 · Sources"</caption>
                <thead><tr>
                    <th>"导入 · Import"</th><th>"名称 · Name"</th><th>"类型 · Kind"</th><th>"大小 · Size"</th>
                    <th>"编码 · Codings"</th><th>"编码者 · Coders"</th><th>"去向 · Goes to"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {skipped_line.map(|l| view! { <p class="warning" data-import-skipped="">{l}</p> })}
            <p class="hint" data-import-rule="">
                "选区落在一个段落内则标注该段；跨越多段时，标注被完全覆盖或覆盖超过一半的段落；其余选区不落在任何段落，不导入，并在完成后计数。 · A selection within one paragraph codes it; one spanning several codes each paragraph it covers wholly or by at least half; any other fits no paragraph, is left out and counted when done."
            </p>
            {(project.users.len() > 1).then(|| view! {
                <p class="hint" data-import-coders-rule="">
                    "“并排”为每位编码者保留一个标注集；“合并”和“替换”把所有编码者的编码并入你自己的标注集。 · Side by side keeps one set per coder; Merge and Replace fold every coder's codings into your own set."
                </p>
            })}
            <dl class="facts">
                <dt>"编码簿 · Codebook"</dt><dd data-import-codebook="">{codebook_line}</dd>
                <dt>"用户 · Users"</dt><dd data-import-users="">{users}</dd>
                <dt>"位置单位 · Positions"</dt>
                <dd data-import-offset-unit=project.unit.as_str()>
                    {format!("{}：{}", project.unit.label(), project.unit_basis.message())}
                </dd>
            </dl>
            {flattened.map(|l| view! { <p class="hint" data-import-flattened="">{l}</p> })}
            {(!project.lenient.is_empty()).then(|| view! {
                <div class="warning" data-import-warnings="">
                    <p>"此文件不完全符合 REFI-QDA 1.0，已尽量读取： · This file departs from REFI-QDA 1.0 and was read as far as it can be:"</p>
                    <ul>{project.lenient.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
                </div>
            })}
        </div>
    }
}

/// Applies the picked sources of a project in `mode`: the open document's
/// source through its history (Ctrl+Z undoes it), the others into the
/// library as documents of their own; one notice counts what was applied
/// and its undo takes everything back.
pub fn apply_project(
    state: AppState,
    file_name: &str,
    project: &Project,
    picks: &BTreeSet<usize>,
    mode: Mode,
    leave_unused: bool,
) {
    let own = state.own_set();
    let doc = state.doc.get_untracked();
    let (open_pick, others) = project.split_picks(picks, &doc.fingerprint);
    // Other documents are written through storage: the open one is saved
    // first, and if it cannot be, nothing is imported (not even its part).
    if !others.is_empty() && !state.leave_current() {
        return;
    }
    let mut applied = Applied::default();
    let mut themes = BTreeSet::new();
    let mut unmatched = 0;
    let mut step = None;
    // The open document's part: its own source, or the codes of a project without text.
    let open_incoming = state
        .store
        .with_untracked(|s| project.for_open_document(picks, &doc, s));
    match open_incoming {
        Ok(Some(incoming)) => {
            let (cmd, left_out) = state.store.with_untracked(|s| {
                let incoming = if leave_unused {
                    incoming.without_unused_themes(s)
                } else {
                    incoming
                };
                let left_out = incoming.preview(&doc, s).unmatched_blocks;
                (exchange::plan(&incoming, mode, &doc, s, &own), left_out)
            });
            let counted = Applied::of(&cmd);
            let ids = Applied::theme_ids(&cmd);
            unmatched += left_out;
            if counted != Applied::default() && state.apply(cmd) {
                applied.add(counted);
                themes.extend(ids);
                step = state.history.with_value(|h| h.top());
            }
        }
        Ok(None) => {}
        Err(e) => return state.notify(Level::Error, format!("{file_name}: {}", e.message()), None),
    }
    let mut undo = None;
    let mut added = 0;
    let mut documents = usize::from(open_pick.is_some());
    let mut problems = Vec::new();
    if !others.is_empty() {
        let Some(done) = state.with_ws(|w| w.import_project(project, &others, mode, leave_unused, &own, now_ms()))
        else {
            return;
        };
        state.report_storage();
        applied.add(done.applied());
        themes.extend(done.theme_ids());
        documents += done.imported.len();
        added = done.imported.iter().filter(|s| s.added).count();
        unmatched += done.imported.iter().map(|s| s.unmatched).sum::<usize>();
        problems = done
            .skipped
            .iter()
            .map(|s| format!("{}: {}", project.sources[s.source].name, s.error.message()))
            .collect();
        undo = Some(Box::new(done.undo));
    }
    applied.themes = themes.len();
    let how = match mode {
        Mode::Merge => "合并 · merged",
        Mode::Replace => "替换 · replaced",
        Mode::SideBySide => "并排打开 · opened side by side",
    };
    let mut text = format!(
        "已导入 {file_name} · Imported {file_name}: {documents} 文档 documents ({added} 新 new), {} ({how})",
        applied.summary()
    );
    if unmatched > 0 {
        text.push_str(&format!(
            "；{unmatched} 处选区不落在任何段落，未导入 · {unmatched} selections fit no paragraph and were left out"
        ));
    }
    if !problems.is_empty() {
        text.push_str(&format!("；未导入 · not imported: {}", problems.join("; ")));
    }
    let action = match undo {
        Some(values) => Some(NoticeAction::UndoProject { step, values }),
        None => step.map(|_| state.undo_notice(None)),
    };
    let level = if problems.is_empty() { Level::Info } else { Level::Error };
    state.notify(level, text, action);
}

/// The notice's undo of [`apply_project`]: the open document's step first
/// (refused while newer changes sit on it), then every stored value the
/// import wrote. Returns whether it undid.
pub fn undo_project(state: AppState, step: Option<u64>, values: &LibraryUndo) -> bool {
    if step.is_some() && !state.undo_step(step, None) {
        return false;
    }
    if !state.save_now() {
        return false;
    }
    state.with_ws(|w| w.undo_library_import(values, now_ms()));
    state.report_storage();
    true
}
