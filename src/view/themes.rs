//! Themes: counts per theme, the filter, editing the theme list, and the
//! overview strip of tagged paragraphs along the speech.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use annotator_core::outline::{self, Query};
use annotator_core::store::Command;
use annotator_core::themes::{Theme, PALETTE};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::{AppState, Level};
use crate::view::document::scroll_to_block;

/// Theme rows the list builds per task beyond those it already shows.
const NEW_ROWS_PER_TASK: usize = 60;

/// What the theme editor is editing.
#[derive(Clone, PartialEq)]
enum Editing {
    New,
    Theme(String),
}

#[component]
pub fn ThemePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let editing = RwSignal::new(None::<Editing>);
    let confirming = RwSignal::new(None::<(String, usize)>);
    // The document's taggable blocks, gathered once per document: the
    // counts then walk the tags alone on every keypress.
    let taggable = Memo::new(move |_| {
        state
            .doc
            .with(|d| Arc::new(d.taggable().map(|b| b.id.clone()).collect::<HashSet<String>>()))
    });
    let counts = Memo::new(move |_| {
        let set = state.profile.with(|p| p.coder_id.clone());
        taggable.with(|ids| state.store.with(|s| s.counts(&set, |b| ids.contains(b))))
    });
    // Parents, each followed by its sub-themes (one level). A memo: a tag
    // changes the store but not this list, so the panel is not rebuilt.
    let entries = state.outline;
    let query = RwSignal::new(String::new());
    // Parents the user opened or closed; the others follow the default
    // (collapsed in a large codebook).
    let toggled = RwSignal::new(BTreeMap::<String, bool>::new());
    let listing = Memo::new(move |_| {
        let q = Query::new(&query.get());
        let filter = state.filter.get();
        entries.with(|all| {
            let open_by_default = !outline::is_compact(all.len());
            toggled.with(|t| {
                outline::listing(
                    all,
                    &q,
                    |id| t.get(id).copied().unwrap_or(open_by_default),
                    filter.as_deref(),
                )
            })
        })
    });
    let searching = move || query.with(|q| !Query::new(q).is_empty());
    // Rows line up under a disclosure column only when some theme has sub-themes.
    let nested = Memo::new(move |_| entries.with(|all| all.iter().any(|e| e.children > 0)));
    // At most NEW_ROWS_PER_TASK rows the list did not show before are
    // built per task: a project bringing 300 codes builds its rows over a
    // few frames instead of one long task. Rows already shown stay.
    let shown_ids = StoredValue::new(HashSet::<String>::new());
    let more = Trigger::new();
    let rows = move || {
        more.track();
        let mut budget = NEW_ROWS_PER_TASK;
        let mut postponed = false;
        let rows = listing.with(|l| {
            entries.with(|all| {
                shown_ids.with_value(|shown| {
                    l.rows
                        .iter()
                        .map(|r| (&all[r.index], r.context))
                        .filter(|(e, _)| {
                            if shown.contains(&e.theme.id) {
                                return true;
                            }
                            if budget == 0 {
                                postponed = true;
                                return false;
                            }
                            budget -= 1;
                            true
                        })
                        .map(|(e, context)| (e.clone(), context))
                        .collect::<Vec<_>>()
                })
            })
        });
        shown_ids.set_value(rows.iter().map(|(e, _)| e.theme.id.clone()).collect());
        if postponed {
            request_animation_frame(move || more.notify());
        }
        rows
    };
    let total = move || {
        let n = entries.with(Vec::len);
        let m = listing.with(|l| l.matches);
        if searching() {
            format!("{m} / {n} 个主题 · {m} of {n} themes")
        } else {
            format!("{n} 个主题 · {n} themes")
        }
    };
    let pin = move |id: String| match state.store.with_untracked(|s| outline::pin(s, &id)) {
        Err(e) => state.notify(Level::Info, e.message(), None),
        Ok(cmd) => {
            let key = match &cmd {
                Command::PutTheme(t) => t.key,
                _ => None,
            };
            let label = state
                .store
                .with_untracked(|s| s.theme(&id).map(|t| t.label()).unwrap_or_default());
            if state.apply(cmd) {
                let text = match key {
                    Some(k) => format!("「{label}」已固定到数字键 {k} · {label} pinned to key {k}"),
                    None => format!("「{label}」已取消固定 · {label} unpinned"),
                };
                state.notify(Level::Info, text, Some(state.undo_notice(None)));
                // The row moves (pinned themes come first): keep the focus on its pin.
                request_animation_frame(move || {
                    let sel = format!("[data-theme-pin=\"{}\"]", id.replace('\\', "\\\\").replace('"', "\\\""));
                    if let Some(b) = document().query_selector(&sel).ok().flatten() {
                        let _ = b.unchecked_into::<web_sys::HtmlElement>().focus();
                    }
                });
            }
        }
    };
    let delete = move |id: String| {
        let label = state
            .store
            .with_untracked(|s| s.theme(&id).map(|t| t.label()).unwrap_or_default());
        if state.apply(Command::DeleteTheme { id: id.clone() }) {
            if state.filter.get_untracked().as_deref() == Some(id.as_str()) {
                state.filter.set(None);
            }
            editing.set(None);
            confirming.set(None);
            state.notify(
                Level::Info,
                format!("已删除主题「{label}」 · Theme deleted"),
                Some(state.undo_notice(None)),
            );
        }
    };
    let ask_delete = move |id: String| {
        let uses = state.store.with_untracked(|s| s.uses_of_theme(&id));
        if uses == 0 {
            delete(id)
        } else {
            confirming.set(Some((id, uses)))
        }
    };
    view! {
        <section class="themes" aria-label="主题与编码簿 · Themes and codebook" data-codebook="">
            <h2>"主题 · Themes"</h2>
            <p class="hint">"点击主题只看其段落；📌 固定到数字键 · click a theme to show only its paragraphs; 📌 pins it to a number key"</p>
            <input type="search" class="theme-search" data-theme-search=""
                placeholder="搜索主题 · Search themes" title="按中文名、英文名或编号 · by Chinese or English name, or id"
                aria-label="搜索主题 · Search themes"
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Escape" && searching() { ev.stop_propagation(); query.set(String::new()); }/>
            <p class="theme-total" data-theme-total="" aria-live="polite">{total}</p>
            <ul class="theme-list">
                <For each=rows
                    key=|(e, context)| (e.theme.id.clone(), e.theme.name_zh.clone(), e.theme.name_en.clone(), e.theme.color.clone(), e.theme.key, e.parent.clone(), e.children, *context)
                    let:item>
                    {
                        let (entry, context) = item;
                        let t = entry.theme;
                        let id = t.id.clone();
                        let id2 = t.id.clone();
                        let id3 = t.id.clone();
                        let def_id = t.id.clone();
                        let active = move || state.filter.get().as_deref() == Some(id.as_str());
                        let count = move || counts.with(|c| c.get(&id2).copied().unwrap_or(0));
                        let definition = move || state.definitions.with(|d| d.get(&def_id).cloned().unwrap_or_default());
                        let label = t.label();
                        let disclosure = (entry.children > 0).then(|| {
                            let id = t.id.clone();
                            let open = Signal::derive(move || listing.with(|l| l.open.contains(&id)));
                            let flip = t.id.clone();
                            let n = entry.children;
                            view! {
                                <button type="button" class="icon disclosure" data-theme-collapse=t.id.clone()
                                    aria-expanded=move || open.get().to_string()
                                    prop:disabled=searching
                                    aria-label=format!("{label} 的 {n} 个子主题 · {n} sub-themes of {label}")
                                    title=format!("展开或收起 {n} 个子主题 · Show or hide {n} sub-themes")
                                    on:click=move |_| {
                                        let now = listing.with_untracked(|l| l.open.contains(&flip));
                                        toggled.update(|m| { m.insert(flip.clone(), !now); });
                                    }>
                                    {move || if open.get() { "▾" } else { "▸" }}
                                </button>
                            }
                        });
                        let pinned = t.key.is_some();
                        let pin_title = match t.key {
                            Some(k) => format!("数字键 {k} 切换此主题；点击取消固定 · Key {k} toggles it; click to unpin"),
                            None => "固定：分配一个数字键 1–9，并在每段显示 · Pin: give it a number key 1–9 and a chip on every paragraph".to_string(),
                        };
                        view! {
                            <li data-theme-row=t.id.clone() style=format!("--theme:{}", t.color)
                                class:sub=entry.parent.is_some() class:context=context
                                data-theme-context=context.then_some("")
                                title=definition>
                                {disclosure.map(IntoAny::into_any).unwrap_or_else(|| view! { <span class="disclosure-space" hidden=move || !nested.get()></span> }.into_any())}
                                <button type="button" class="theme-filter" data-theme-filter=t.id.clone()
                                    aria-pressed=move || active().to_string()
                                    on:click=move |_| state.filter.update(|f| *f = if f.as_deref() == Some(id3.as_str()) { None } else { Some(id3.clone()) })>
                                    <span class="swatch"></span>
                                    <span class="name">{t.label()}</span>
                                    {t.key.map(|k| view! { <kbd>{k}</kbd> })}
                                    <span class="count" data-theme-count=t.id.clone()>{count}</span>
                                </button>
                                <button type="button" class="icon pin" data-theme-pin=t.id.clone() aria-pressed=pinned.to_string()
                                    title=pin_title.clone() aria-label=pin_title
                                    on:click={ let id = t.id.clone(); move |_| pin(id.clone()) }>"📌"</button>
                                <button type="button" class="icon" data-theme-edit=t.id.clone() title="编辑 Edit"
                                    on:click={ let id = t.id.clone(); move |_| editing.set(Some(Editing::Theme(id.clone()))) }>"✎"</button>
                                <SuggestionTally theme=t.id.clone()/>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || listing.with(|l| l.rows.is_empty())>
                <p class="hint" data-theme-none="">"没有匹配的主题 · No theme matches"</p>
            </Show>
            <Show when=move || state.filter.with(Option::is_some)>
                <button type="button" class="clear-filter" data-clear-filter="" on:click=move |_| state.filter.set(None)>
                    "显示全部 · Show all"
                </button>
            </Show>
            {move || match editing.get() {
                None => view! {
                    <button type="button" class="add-theme" data-theme-add="" on:click=move |_| editing.set(Some(Editing::New))>
                        "+ 新主题 · Add theme"
                    </button>
                }.into_any(),
                Some(e) => view! { <ThemeEditor editing=e on_close=move || editing.set(None) on_delete=ask_delete/> }.into_any(),
            }}
            {move || confirming.get().map(|(id, uses)| {
                let label = state.store.with_untracked(|s| s.theme(&id).map(|t| t.label()).unwrap_or_default());
                view! {
                    <div class="confirm" role="alertdialog" aria-label="确认删除 · Confirm delete">
                        <p>{format!("「{label}」已用于 {uses} 处标注。删除后可撤销。 · This theme is used {uses} times. You can undo the deletion.")}</p>
                        <button type="button" class="danger" data-confirm-delete="" on:click={ let id = id.clone(); move |_| delete(id.clone()) }>
                            "删除 · Delete"
                        </button>
                        <button type="button" on:click=move |_| confirming.set(None)>"取消 · Cancel"</button>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn ThemeEditor(
    editing: Editing,
    on_close: impl Fn() + Copy + 'static,
    on_delete: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let original: Option<Theme> = match &editing {
        Editing::Theme(id) => state.store.with_untracked(|s| s.theme(id).cloned()),
        Editing::New => None,
    };
    let fresh = move || {
        state.store.with_untracked(|s| {
            let n = s.themes.len();
            Theme {
                id: format!("u-{}", crate::storage::random_id("")),
                name_zh: String::new(),
                name_en: String::new(),
                color: PALETTE[n % PALETTE.len()].to_string(),
                key: s.free_key(),
            }
        })
    };
    let base = original.clone().unwrap_or_else(fresh);
    let zh = RwSignal::new(base.name_zh.clone());
    let en = RwSignal::new(base.name_en.clone());
    let color = RwSignal::new(base.color.clone());
    let error = RwSignal::new(None::<String>);
    let cb = state.store.with_untracked(|s| s.codebook(&base.id));
    let definition = RwSignal::new(cb.definition.clone());
    let when_to_use = RwSignal::new(cb.when_to_use.clone());
    let when_not = RwSignal::new(cb.when_not_to_use.clone());
    let example = RwSignal::new(cb.example.clone());
    let parent = RwSignal::new(cb.parent.clone().unwrap_or_default());
    let own_id = base.id.clone();
    // One level: a theme with sub-themes gets no parent to choose.
    let parents = move || {
        state.store.with(|s| {
            let has_children = s
                .codebook
                .values()
                .any(|e| e.entry.parent.as_deref() == Some(own_id.as_str()));
            s.themes()
                .into_iter()
                .filter(|t| !has_children && t.id != own_id && s.codebook(&t.id).parent.is_none())
                .map(|t| (t.id.clone(), t.label()))
                .collect::<Vec<_>>()
        })
    };
    let lexicon = RwSignal::new(
        state
            .user_settings
            .with_untracked(|u| u.lexicons.get(&base.id).map(|w| w.join("、")).unwrap_or_default()),
    );
    let is_new = original.is_none();
    let base_for_save = base.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let theme = Theme {
            name_zh: zh.get_untracked().trim().into(),
            name_en: en.get_untracked().trim().into(),
            color: color.get_untracked(),
            ..base_for_save.clone()
        };
        if let Err(e) = theme.validate() {
            error.set(Some(e.message()));
            return;
        }
        let words: Vec<String> = lexicon
            .get_untracked()
            .split(['\n', ',', '，', '、', ' '])
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .take(500)
            .map(|w| w.chars().take(40).collect())
            .collect();
        let id = theme.id.clone();
        let entry = annotator_core::store::Codebook {
            definition: definition.get_untracked(),
            when_to_use: when_to_use.get_untracked(),
            when_not_to_use: when_not.get_untracked(),
            example: example.get_untracked(),
            parent: Some(parent.get_untracked()).filter(|p| !p.is_empty()),
        };
        let cmd = Command::Batch(vec![
            Command::PutTheme(theme),
            Command::PutCodebook {
                theme: id.clone(),
                entry,
            },
        ]);
        if state.apply(cmd) {
            state.user_settings.update(|u| {
                u.lexicons.insert(id, words);
            });
            state.save_user_settings();
            on_close();
        }
    };
    let id = base.id.clone();
    view! {
        <form class="theme-editor" data-theme-editor="" on:submit=save>
            <h3>{if is_new { "新主题 · New theme" } else { "编辑主题 · Edit theme" }}</h3>
            <label>"中文名 · Chinese name"
                <input type="text" data-theme-name-zh="" maxlength="40" prop:value=move || zh.get() on:input=move |ev| zh.set(event_target_value(&ev))/>
            </label>
            <label>"英文名 · English name"
                <input type="text" data-theme-name-en="" maxlength="40" prop:value=move || en.get() on:input=move |ev| en.set(event_target_value(&ev))/>
            </label>
            <label>"颜色 · Colour"
                <input type="color" data-theme-color="" prop:value=move || color.get() on:input=move |ev| color.set(event_target_value(&ev))/>
            </label>
            <fieldset class="codebook-fields" data-codebook-editor="">
                <legend>"编码簿 · Codebook"</legend>
                <label>"上级主题 · Parent theme"
                    <select data-theme-parent="" on:change=move |ev| parent.set(event_target_value(&ev))>
                        <option value="" selected=move || parent.with(String::is_empty)>"（无 · none）"</option>
                        {move || parents().into_iter().map(|(id, label)| {
                            let sel = id.clone();
                            view! { <option value=id selected=move || parent.with(|p| *p == sel)>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"定义 · Definition"<textarea data-codebook-definition="" rows="2" prop:value=move || definition.get() on:input=move |ev| definition.set(event_target_value(&ev))></textarea></label>
                <label>"何时使用 · When to use"<textarea rows="2" prop:value=move || when_to_use.get() on:input=move |ev| when_to_use.set(event_target_value(&ev))></textarea></label>
                <label>"何时不用 · When not to use"<textarea rows="2" prop:value=move || when_not.get() on:input=move |ev| when_not.set(event_target_value(&ev))></textarea></label>
                <label>"示例 · Example"<textarea rows="2" prop:value=move || example.get() on:input=move |ev| example.set(event_target_value(&ev))></textarea></label>
            </fieldset>
            <label>"提示词（用于建议主题） · Indicative words (for suggestions)"
                <textarea data-theme-lexicon="" rows="3" prop:value=move || lexicon.get() on:input=move |ev| lexicon.set(event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="row">
                <button type="submit" data-theme-save="">"保存 · Save"</button>
                <button type="button" on:click=move |_| on_close()>"取消 · Cancel"</button>
                {(!is_new).then(|| view! {
                    <button type="button" class="danger" data-theme-delete=id.clone() on:click={ let id = id.clone(); move |_| on_delete(id.clone()) }>
                        "删除 · Delete"
                    </button>
                })}
            </div>
        </form>
    }
}

/// Cells the overview strip has at most: a longer document's paragraphs
/// share cells, in order.
const STRIP_CELLS: usize = 200;

/// A slim strip along the speech: one cell per taggable block (a long
/// document's blocks share cells), coloured by their themes; clicking a
/// cell goes to its first tagged block, else its first block.
#[component]
pub fn OverviewStrip() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cells = move || {
        state.doc.with(|d| {
            let blocks: Vec<(usize, String)> = d.taggable().map(|b| (b.index, b.id.clone())).collect();
            let per = blocks.len().div_ceil(STRIP_CELLS).max(1);
            blocks.chunks(per).map(<[_]>::to_vec).collect::<Vec<_>>()
        })
    };
    view! {
        <nav class="overview" aria-label="主题概览 · Theme overview">
            <For each=cells key=|c| (c[0].0, c.len(), c[0].1.clone()) children=move |cell| {
                    let first = cell[0].0;
                    let last = cell[cell.len() - 1].0;
                    // One trigger for the cell's blocks: a theme change
                    // re-reads 200 cells, not a dependency per paragraph.
                    let rev = state.block_group(cell.iter().map(|(_, id)| id.as_str()));
                    let cell = StoredValue::new(cell);
                    // Distinct colours of the cell's themes, in order.
                    let colors = Memo::new(move |_| {
                        let set = state.profile.with(|p| p.coder_id.clone());
                        state.track_all();
                        rev.track();
                        state.store.with_untracked(|s| {
                            let mut out: Vec<String> = Vec::new();
                            cell.with_value(|c| {
                                for (_, id) in c {
                                    for t in s.themes_of(&set, id) {
                                        if let Some(t) = s.theme(&t) {
                                            if out.len() < 6 && !out.contains(&t.color) {
                                                out.push(t.color.clone());
                                            }
                                        }
                                    }
                                }
                            });
                            out
                        })
                    });
                    let go = move |_| {
                        let set = state.own_set();
                        let target = state.store.with_untracked(|s| {
                            cell.with_value(|c| {
                                c.iter()
                                    .find(|(_, id)| !s.themes_of(&set, id).is_empty())
                                    .map_or(first, |(i, _)| *i)
                            })
                        });
                        state.focused.set(Some(target));
                        scroll_to_block(state, target, true);
                    };
                    let title = if first == last { format!("¶{first}") } else { format!("¶{first}–{last}") };
                    view! {
                        <button type="button" class="cell" data-overview=first data-overview-last=last
                            class:focused=move || state.focused.get().is_some_and(|f| f >= first && f <= last)
                            title=title on:click=go>
                            {move || colors.get().into_iter().map(|c| view! { <span style=format!("background:{c}")></span> }).collect_view()}
                        </button>
                    }
                } />
        </nav>
    }
}

/// Per theme: suggestions accepted and rejected (to tune the lexicon), and
/// accepting all pending suggestions of the theme at once.
#[component]
fn SuggestionTally(theme: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let pending = Memo::new({
        let theme = theme.clone();
        move |_| state.pending_counts.with(|c| c.get(&theme).copied().unwrap_or(0))
    });
    let tally = {
        let theme = theme.clone();
        move || {
            state
                .tallies
                .with(|t| t.get(&theme).map(|t| format!("✓{} ✗{}", t.accepted, t.rejected)))
                .unwrap_or_default()
        }
    };
    view! {
        <span class="tally" data-suggestion-tally=theme.clone() title="已接受/已拒绝的建议 · suggestions accepted/rejected">{tally}</span>
        <Show when=move || pending.get() != 0>
            <button type="button" class="icon" data-suggestion-accept-all=theme.clone() title="接受该主题的全部建议 · Accept all suggestions for this theme"
                on:click={
                    let theme = theme.clone();
                    move |_| state.accept_suggestions(&state.pending_suggestions(None, Some(&theme)))
                }>
                {move || format!("✓ {}", pending.get())}
            </button>
        </Show>
    }
}
