//! The corpus view (`[data-corpus]`): agreement across every document two
//! or more coders marked done (`corpus::corpus_agreement`), per theme and
//! overall, with a per-document breakdown that opens a document's
//! disagreements; the documents × coders table with status and tags,
//! sortable; the reliability data as CSV (also in the Share menu).

use annotator_core::agreement::Agreement;
use annotator_core::coders;
use annotator_core::store::Status;
use leptos::prelude::*;

use crate::state::AppState;

fn fmt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into())
}

/// How the documents × coders table is sorted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    /// Library order.
    Library,
    Title,
    /// Most coders done first.
    Done,
    /// Most tags first.
    Tags,
}

#[component]
pub fn CorpusPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = state.corpus_open;
    let sort = RwSignal::new(SortBy::Library);
    // Computed only while the view is open; again when the open document's
    // annotations, the library or the sub-theme rule change.
    let report = Memo::new(move |_| {
        if !open.get() {
            return None;
        }
        state.library.track();
        let sub = state.sub_themes.get();
        Some(state.store.with(|s| {
            state
                .ws
                .with_value(|w| (w.corpus_agreement(s, sub), w.document_coders(s)))
        }))
    });
    let definitions = move |a: &Agreement, names: &std::collections::BTreeMap<String, String>| {
        let d = a.definitions(&|id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string()));
        view! {
            <details class="help" data-corpus-definitions="">
                <summary>"这些数字如何计算 · How these are computed"</summary>
                <p>{d.alpha}</p>
                <p>{d.kappa}</p>
                <p>{d.percent}</p>
                <p>"只计入至少两位编码者标记为“完成”的文档，且只计这些编码者：完成的文档中未标注的段落算作“无”，标为“未编码”的段落算作缺失。 · Only documents two or more coders marked done enter, with those coders only: in a done document an untagged paragraph is absent, a paragraph marked not coded is missing."</p>
            </details>
        }
    };
    let show_disagreements = move |fp: String| {
        if state.doc.with_untracked(|d| d.fingerprint != fp) && !state.open_stored(&fp) {
            return;
        }
        state.disagreements_only.set(true);
        open.set(false);
    };
    view! {
        <div class="library-backdrop" hidden=move || !open.get() on:click=move |_| open.set(false)></div>
        <aside class="corpus" role="dialog" aria-label="语料 · Corpus" data-corpus="" hidden=move || !open.get()>
            <header>
                <h2>"语料与一致性 · Corpus and agreement"</h2>
                <button type="button" class="icon" data-corpus-close="" title="关闭 · Close" on:click=move |_| open.set(false)>"×"</button>
            </header>
            {move || report.get().map(|(r, rows)| {
                let names: std::collections::BTreeMap<String, String> = {
                    let pairs: Vec<(&str, &str)> = r.coders.iter().map(|c| (c.id.as_str(), c.name.as_str())).collect();
                    coders::display_names(&pairs, None)
                };
                let name_of = {
                    let names = names.clone();
                    move |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string())
                };
                let left_out = r.left_out.len();
                let themes = r.themes.iter().map(|t| {
                    let a = &t.agreement;
                    view! {
                        <tr data-corpus-theme=t.theme.id.clone() data-alpha=fmt(a.alpha.alpha) data-units=a.units.to_string()
                            data-documents=t.documents.to_string() title=a.alpha.undefined.map(|u| u.message()).unwrap_or("")>
                            <td>{t.theme.label()}</td><td>{fmt(a.alpha.alpha)}</td><td>{fmt(a.mean_kappa)}</td>
                            <td>{fmt(a.percent.agreement)}</td><td>{a.units}</td><td>{t.documents}</td>
                        </tr>
                    }
                }).collect_view();
                let per_document = r.per_document.iter().map(|d| {
                    let fp = d.id.clone();
                    let coders = d.coders.iter().map(|c| name_of(c)).collect::<Vec<_>>().join("、");
                    view! {
                        <tr data-corpus-doc=d.id.clone() data-alpha=fmt(d.alpha.alpha) data-disagreements=d.disagreements.to_string()>
                            <td>{d.title.clone()}</td><td>{coders}</td><td>{d.units}</td><td>{fmt(d.alpha.alpha)}</td>
                            <td>
                                <button type="button" data-corpus-disagreements="" prop:disabled=d.disagreements == 0
                                    title="分歧按完成的编码者计；文档自己的面板还计入尚未完成的编码者 · Counted between the coders who marked it done; the document's own panel also counts coders still in progress"
                                    on:click=move |_| show_disagreements(fp.clone())>
                                    {format!("{} 处分歧 · disagreements", d.disagreements)}
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view();
                // Documents × coders: every coder of any document, by display name.
                let mut all: Vec<(String, String)> = rows.iter().flat_map(|(_, cs)| cs.iter().map(|c| (c.id.clone(), c.name.clone()))).collect();
                all.sort();
                all.dedup_by(|a, b| a.0 == b.0);
                let pairs: Vec<(&str, &str)> = all.iter().map(|(i, n)| (i.as_str(), n.as_str())).collect();
                let own = state.own_set();
                let shown = coders::display_names(&pairs, Some(&own));
                let columns: Vec<String> = all.iter().map(|(id, _)| id.clone()).collect();
                let mut rows = rows.clone();
                match sort.get() {
                    SortBy::Library => {}
                    SortBy::Title => rows.sort_by(|a, b| a.0.title.cmp(&b.0.title)),
                    SortBy::Done => rows.sort_by_key(|(_, cs)| std::cmp::Reverse(cs.iter().filter(|c| c.status == Status::Done).count())),
                    SortBy::Tags => rows.sort_by_key(|(_, cs)| std::cmp::Reverse(cs.iter().map(|c| c.tags).sum::<usize>())),
                }
                let header = columns.iter().map(|id| view! { <th>{shown.get(id).cloned().unwrap_or_default()}</th> }).collect_view();
                let body = rows.into_iter().map(|(entry, cs)| {
                    let cells = columns.iter().map(|id| match cs.iter().find(|c| &c.id == id) {
                        Some(c) => view! {
                            <td data-corpus-cell=id.clone() data-status=c.status.as_str()>{format!("{} · {}", c.status.label().split(" · ").next().unwrap_or(""), c.tags)}</td>
                        }.into_any(),
                        None => view! { <td data-corpus-cell=id.clone() data-status="none">"—"</td> }.into_any(),
                    }).collect_view();
                    view! { <tr data-corpus-row=entry.fingerprint.clone()><td>{entry.title.clone()}</td>{cells}</tr> }
                }).collect_view();
                view! {
                    <p class="overall">"语料 Krippendorff α = "<strong data-corpus-alpha="">{fmt(r.overall.alpha.alpha)}</strong>
                        {format!(" · κ̄ = {} · % = {}", fmt(r.overall.mean_kappa), fmt(r.overall.percent.agreement))}</p>
                    <p class="hint" data-corpus-counts="">{format!(
                        "{} 篇文档 · {} 个段落单位 · {} 位编码者（另有 {left_out} 篇少于两位编码者完成，未计入） · {} documents, {} paragraph units, {} coders ({left_out} more documents had fewer than two coders done and are left out)",
                        r.documents, r.units, r.coders.len(), r.documents, r.units, r.coders.len()
                    )}</p>
                    {r.overall.alpha.undefined.map(|u| view! { <p class="hint" data-corpus-undefined="">{u.message()}</p> })}
                    {definitions(&r.overall, &names)}
                    <table class="agreement-table" data-corpus-themes="">
                        <thead><tr><th>"主题 · Theme"</th><th>"α"</th><th>"κ̄"</th><th>"%"</th><th title="单位 · units">"n"</th><th title="文档 · documents">"docs"</th></tr></thead>
                        <tbody>{themes}</tbody>
                    </table>
                    <h3>"各文档 · By document"</h3>
                    <table class="agreement-table" data-corpus-documents="">
                        <thead><tr><th>"文档 · Document"</th><th>"编码者 · Coders"</th><th>"n"</th><th>"α"</th><th></th></tr></thead>
                        <tbody>{per_document}</tbody>
                    </table>
                    <h3>"文档 × 编码者 · Documents × coders"</h3>
                    <div class="row sort">
                        "排序 · Sort: "
                        <button type="button" data-corpus-sort="library" aria-pressed=move || (sort.get() == SortBy::Library).to_string() on:click=move |_| sort.set(SortBy::Library)>"文档库 · library"</button>
                        <button type="button" data-corpus-sort="title" aria-pressed=move || (sort.get() == SortBy::Title).to_string() on:click=move |_| sort.set(SortBy::Title)>"标题 · title"</button>
                        <button type="button" data-corpus-sort="done" aria-pressed=move || (sort.get() == SortBy::Done).to_string() on:click=move |_| sort.set(SortBy::Done)>"完成数 · done"</button>
                        <button type="button" data-corpus-sort="tags" aria-pressed=move || (sort.get() == SortBy::Tags).to_string() on:click=move |_| sort.set(SortBy::Tags)>"标签数 · tags"</button>
                    </div>
                    <div class="scroll-x">
                        <table class="agreement-table" data-corpus-matrix="">
                            <thead><tr><th>"文档 · Document"</th>{header}</tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                }
            })}
            <button type="button" data-corpus-export="" on:click=move |_| state.export_reliability()>
                "导出信度数据（CSV：单位 × 编码者 × 主题） · Export reliability data (CSV: unit × coder × theme)"
            </button>
        </aside>
    }
}
