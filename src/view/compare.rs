//! Comparing coders: the agreement panel (Krippendorff's α, Cohen's κ,
//! percent agreement per theme and overall), the disagreement filter, and
//! adjudication buttons on each disputed paragraph.

use annotator_core::agreement::{Agreement, Undefined};
use annotator_core::compare::{self, Ruling};
use leptos::prelude::*;

use crate::state::AppState;
use crate::storage::now_ms;

fn fmt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into())
}

fn why(u: Option<Undefined>) -> String {
    u.map(|u| u.message().to_string()).unwrap_or_default()
}

#[component]
pub fn AgreementPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Computed only while two or more coders are open; recomputed on every tag change.
    let report = Memo::new(move |_| {
        state.doc.with(|d| {
            state.store.with(|s| {
                let n = compare::coders(s).len();
                (n, if n >= 2 { Some(compare::report(d, s)) } else { None })
            })
        })
    });
    let row = |label: String, a: &Agreement| {
        (
            label,
            fmt(a.alpha.alpha),
            fmt(a.mean_kappa),
            fmt(a.percent.agreement),
            format!("{} 单位 units · {} 编码者 coders", a.units, a.coders),
            why(a.alpha.undefined),
        )
    };
    view! {
        <Show when=move || report.with(|(n, _)| *n >= 2)>
            <section class="agreement" data-agreement="" aria-label="编码者一致性 · Intercoder agreement">
                <h2>"一致性 · Agreement"</h2>
                {move || report.with(|(_, r)| r.as_ref().map(|r| {
                    let overall = row("总体 · Overall".into(), &r.overall);
                    view! {
                        <p class="overall">"Krippendorff α = "
                            <strong data-agreement-alpha="">{overall.1.clone()}</strong>
                            {format!(" · κ̄ = {} · {} · {}", overall.2, overall.3, overall.4)}
                        </p>
                        {(!overall.5.is_empty()).then(|| view! { <p class="hint">{overall.5.clone()}</p> })}
                        <table class="agreement-table">
                            <thead><tr><th>"主题 · Theme"</th><th>"α"</th><th>"κ̄"</th><th>"%"</th><th>"n"</th></tr></thead>
                            <tbody>
                                {r.themes.iter().map(|t| {
                                    let a = &t.agreement;
                                    let label = state.store.with_untracked(|s| s.theme(&t.theme).map(|x| x.label()).unwrap_or_else(|| t.theme.clone()));
                                    let alpha = fmt(a.alpha.alpha);
                                    let kappa = fmt(a.mean_kappa);
                                    let percent = fmt(a.percent.agreement);
                                    let cells = (alpha.clone(), kappa.clone(), percent.clone());
                                    view! {
                                        <tr data-agreement-theme=t.theme.clone() data-alpha=alpha data-kappa=kappa data-percent=percent
                                            title=why(a.alpha.undefined)>
                                            <td>{label}</td><td>{cells.0}</td><td>{cells.1}</td><td>{cells.2}</td><td>{a.units}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                }))}
                <button type="button" data-filter="disagreements" aria-pressed=move || state.disagreements_only.get().to_string()
                    on:click=move |_| state.disagreements_only.update(|d| *d = !*d)>
                    {move || if state.disagreements_only.get() { "显示全部 · Show all" } else { "只看分歧 · Show disagreements only" }}
                </button>
                <details class="help">
                    <summary>"这些数字如何计算 · How these are computed"</summary>
                    <p>"每个主题是一个“有/无”变量，每个段落是一个单位；某位编码者尚未编码的段落（在其最后标注的段落之后）算作缺失，而不是“无”。 · Each theme is a present/absent variable and each paragraph a unit; a paragraph a coder has not coded (past the last paragraph they tagged or annotated) is missing, not absent."</p>
                    <p>"α：Krippendorff 的 α（名义尺度，任意多位编码者，允许缺失）。κ̄：每对编码者的 Cohen κ 的平均值。%：成对一致的比例。 · α: Krippendorff's alpha (nominal, any number of coders, missing values allowed). κ̄: the mean of Cohen's kappa over coder pairs. %: share of agreeing coder pairs."</p>
                    <p>"总体数字把所有主题的判断合并：每个“段落 × 主题”组合算作一个有/无问题，然后一次性计算 α、κ 和 %。因为大多数段落只有少数主题，总体一致性中很大一部分是“都认为没有”；各主题的数字显示分歧在哪里。 · Overall figures pool every theme decision: each paragraph × theme pair is one present/absent question, and α, κ and % are computed once over all of them. Since most paragraphs carry few themes, much pooled agreement is agreement that a theme is absent; the per-theme rows show where coders differ."</p>
                </details>
            </section>
        </Show>
    }
}

/// Adjudication controls on a disputed paragraph: take one coder's themes,
/// the union or the intersection, into the consensus set.
#[component]
pub fn Adjudicate(id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let disputed = {
        let id = id.clone();
        move || state.disputed.with(|d| d.contains(&id))
    };
    let coders = move || {
        state.store.with(|s| {
            compare::coders(s)
                .iter()
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let rule = move |id: String, r: Ruling| {
        let cmd = state.doc.with_untracked(|d| {
            state
                .store
                .with_untracked(|s| compare::adjudicate(d, s, &id, &r, now_ms() / 1000))
        });
        state.apply(cmd);
    };
    view! {
        <Show when=disputed.clone()>
            <div class="adjudicate" role="group" aria-label="裁决 · Adjudicate">
                <span class="label">"裁决 · Settle:"</span>
                {
                    let id = id.clone();
                    move || coders().into_iter().map(|(cid, name)| {
                        let id = id.clone();
                        let r = Ruling::Coder(cid.clone());
                        view! { <button type="button" data-adjudicate=cid on:click=move |_| rule(id.clone(), r.clone())>{name}</button> }
                    }).collect_view()
                }
                <button type="button" data-adjudicate="union" on:click={ let id = id.clone(); move |_| rule(id.clone(), Ruling::Union) }>"并集 · Union"</button>
                <button type="button" data-adjudicate="intersection" on:click={ let id = id.clone(); move |_| rule(id.clone(), Ruling::Intersection) }>"交集 · Intersection"</button>
            </div>
        </Show>
    }
}
