//! Comparing coders: the agreement panel (Krippendorff's α, Cohen's κ,
//! percent agreement per theme and overall), the disagreement filter, and
//! adjudication buttons on each disputed paragraph.

use annotator_core::agreement::{Agreement, Undefined};
use annotator_core::compare::{self, Ruling, SubThemes};
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
        let sub = state.sub_themes.get();
        state.doc.with(|d| {
            state.store.with(|s| {
                let n = compare::coders(s).len();
                // The names are part of the memo, so a renamed coder re-renders the table.
                // Two coders of one name are told apart ("李明 (2)").
                let pairs: Vec<(&str, &str)> = s.sets.values().map(|c| (c.id.as_str(), c.name.as_str())).collect();
                let names = annotator_core::coders::display_names(&pairs, Some(&state.own_set()));
                let compared = (n >= 2).then(|| compare::compared(d, s, sub).units);
                (
                    n,
                    if n >= 2 { Some(compare::report(d, s, sub)) } else { None },
                    names,
                    compared,
                )
            })
        })
    });
    let coder_name = move |id: &str| {
        report.with_untracked(|(_, _, names, _)| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
    };
    let theme_label = move |id: &str| {
        state
            .store
            .with_untracked(|s| s.theme(id).map(|x| x.label()).unwrap_or_else(|| id.to_string()))
    };
    let overall = move |a: &Agreement| {
        view! {
            <p class="overall">"Krippendorff α = "
                <strong data-agreement-alpha="">{fmt(a.alpha.alpha)}</strong>
                {format!(" · κ̄ = {} · % = {} · {} 单位 units · {} 编码者 coders", fmt(a.mean_kappa), fmt(a.percent.agreement), a.units, a.coders)}
            </p>
            {a.alpha.undefined.map(|u| view! { <p class="hint" data-agreement-undefined="">{u.message()}</p> })}
        }
    };
    view! {
        <Show when=move || report.with(|(n, _, _, _)| *n >= 2)>
            <section class="agreement" data-agreement="" aria-label="编码者一致性 · Intercoder agreement">
                <h2>"一致性 · Agreement"</h2>
                {move || report.with(|(_, r, names, units)| r.as_ref().map(|r| {
                    let pairs = r.overall.pairwise_kappa.clone();
                    let defs = r.overall.definitions(&|id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string()));
                    // Which units each coder's figures count, and by which rule.
                    let rules = units.clone().unwrap_or_default().into_iter().map(|u| {
                        let who = names.get(&u.coder).cloned().unwrap_or_else(|| u.coder.clone());
                        view! { <li data-agreement-rule=u.coder.clone() data-status=u.status.as_str() data-counted=u.counted.to_string()>{format!("{who}: {}", u.summary())}</li> }
                    }).collect_view();
                    view! {
                        {overall(&r.overall)}
                        <ul class="rules hint" data-agreement-rules="">{rules}</ul>
                        <details class="help" data-agreement-definitions="">
                            <summary>"各数字的定义 · What each figure is"</summary>
                            <p>{defs.alpha}</p><p>{defs.kappa}</p><p>{defs.percent}</p>
                        </details>
                        <table class="agreement-table">
                            <thead><tr><th>"主题 · Theme"</th><th>"α"</th><th>"κ̄"</th><th>"%"</th><th title="单位 · units">"n"</th><th title="编码者 · coders">"c"</th></tr></thead>
                            <tbody>
                                {r.themes.iter().map(|t| {
                                    let a = &t.agreement;
                                    let (alpha, kappa, percent) = (fmt(a.alpha.alpha), fmt(a.mean_kappa), fmt(a.percent.agreement));
                                    let reason = why(a.alpha.undefined);
                                    let marked = (!reason.is_empty()).then(|| view! { <small class="undefined">" ⓘ"</small> });
                                    let cells = (alpha.clone(), kappa.clone(), percent.clone());
                                    view! {
                                        <tr data-agreement-theme=t.theme.clone() data-alpha=alpha data-kappa=kappa data-percent=percent
                                            title=reason>
                                            <td>{theme_label(&t.theme)}</td>
                                            <td>{cells.0}{marked}</td>
                                            <td>{cells.1}</td><td>{cells.2}</td><td>{a.units}</td><td>{a.coders}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <table class="agreement-table pairs" data-kappa-pairs="">
                            <caption>"每对编码者的 Cohen κ（所有主题合并） · Cohen's κ per coder pair (all themes pooled)"</caption>
                            <thead><tr><th>"编码者 · Coders"</th><th>"κ"</th><th>"pₒ"</th><th>"n"</th></tr></thead>
                            <tbody>
                                {pairs.into_iter().map(|p| {
                                    let k = fmt(p.kappa.kappa);
                                    let shown = k.clone();
                                    view! {
                                        <tr data-kappa-pair=format!("{}|{}", p.a, p.b) data-kappa=k title=why(p.kappa.undefined)>
                                            <td>{format!("{} – {}", coder_name(&p.a), coder_name(&p.b))}</td>
                                            <td>{shown}</td><td>{fmt(p.kappa.observed)}</td><td>{p.kappa.units}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                }))}
                <label class="check">
                    <input type="checkbox" data-agreement-subthemes=""
                        prop:checked=move || state.sub_themes.get() == SubThemes::WithParent
                        on:change=move |ev| state.sub_themes.set(if event_target_checked(&ev) { SubThemes::WithParent } else { SubThemes::Separate })/>
                    "子主题计入上级主题 · Count sub-themes with their parent"
                </label>
                <div class="filter-row">
                    <button type="button" data-filter="disagreements" aria-pressed=move || state.disagreements_only.get().to_string()
                        on:click=move |_| state.disagreements_only.update(|d| *d = !*d)>
                        {move || if state.disagreements_only.get() { "显示全部 · Show all" } else { "只看分歧 · Show disagreements only" }}
                    </button>
                    <select data-filter-theme="" aria-label="分歧所在主题 · Disagreements on"
                        prop:value=move || state.disagreement_theme.get().unwrap_or_default()
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            state.disagreement_theme.set((!v.is_empty()).then_some(v));
                        }>
                        <option value="">"任何主题 · any theme"</option>
                        {move || state.theme_list.get().into_iter().map(|t| {
                            let label = t.label();
                            view! { <option value=t.id>{label}</option> }
                        }).collect_view()}
                    </select>
                    <span class="count" data-disagreement-count="">{move || format!("{} 段 · paragraphs", state.disputed.with(|d| d.len()))}</span>
                </div>
                <details class="help">
                    <summary>"这些数字如何计算 · How these are computed"</summary>
                    <p>"每个主题是一个“有/无”变量，每个段落是一个单位。编码者标记“完成”的文档中，未标注的段落算作“无”；未完成的文档中，其最后标注的段落之后的段落算作缺失；标为“未编码”的段落总是缺失。上面每位编码者一行说明用了哪条规则、计入多少段落。 · Each theme is a present/absent variable and each paragraph a unit. In a document the coder marked done, an untagged paragraph is absent; in one not done, paragraphs past the last one they tagged or annotated are missing; a paragraph marked not coded is always missing. The line per coder above says which rule applied and how many paragraphs counted."</p>
                    <p>"n：至少两位编码者编码的单位数；c：编码者数。 · n: units coded by at least two coders; c: coders."</p>
                    <p>"总体数字把所有主题的判断合并：每个“段落 × 主题”组合算作一个有/无问题，然后一次性计算 α、κ 和 %。因为大多数段落只有少数主题，总体一致性中很大一部分是“都认为没有”；各主题的数字显示分歧在哪里。 · Overall figures pool every theme decision: each paragraph × theme pair is one present/absent question, and α, κ and % are computed once over all of them. Since most paragraphs carry few themes, much pooled agreement is agreement that a theme is absent; the per-theme rows show where coders differ."</p>
                    <p>"勾选“子主题计入上级主题”后，带有某个子主题的段落也算作带有其上级主题；不勾选时每个主题单独比较。 · With “count sub-themes with their parent”, a paragraph carrying a sub-theme also counts as carrying its parent; otherwise every theme is compared on its own."</p>
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
    // Buttons named as the panel names coders: two of one name told apart.
    let coders = move || {
        state.store.with(|s| {
            let all = compare::coders(s);
            let pairs: Vec<(&str, &str)> = all.iter().map(|c| (c.id.as_str(), c.name.as_str())).collect();
            let shown = annotator_core::coders::display_names(&pairs, Some(&state.own_set()));
            all.iter()
                .map(|c| {
                    (
                        c.id.clone(),
                        shown.get(&c.id).cloned().unwrap_or_else(|| c.name.clone()),
                    )
                })
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
