//! The theme picker of a paragraph: the themes a large codebook does not
//! offer as chips, searched by name (Chinese or English) or id. Picking a
//! theme toggles it on the paragraph, as its chip would.

use annotator_core::outline::{self, Query};
use leptos::ev::{FocusEvent, KeyboardEvent};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::AppState;
use crate::view::document::focus_block;

/// How many matching themes the picker lists; typing narrows the rest.
const PICKER_ROWS: usize = 40;

#[component]
pub fn ThemePicker(index: usize, block: String, on: Memo<Vec<String>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    let root = NodeRef::<leptos::html::Div>::new();
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let entries = state.outline;
    // The matches shown (theme, its parent's name) and how many there are.
    let found = Memo::new(move |_| {
        let q = Query::new(&query.get());
        entries.with(|all| {
            let hits = outline::search(all, &q);
            let total = hits.len();
            let parent_name = |p: &str| all.iter().find(|e| e.theme.id == p).map(|e| e.theme.label());
            let shown: Vec<_> = hits
                .into_iter()
                .take(PICKER_ROWS)
                .map(|e| (e.theme.clone(), e.parent.as_deref().and_then(parent_name)))
                .collect();
            (shown, total)
        })
    });
    let close = move || {
        state.picking.set(None);
        focus_block(index);
    };
    let block = StoredValue::new(block);
    let pick = move |theme: &str| {
        state.focused.set(Some(index));
        state.toggle(&block.get_value(), theme);
        close();
    };
    let on_key = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            close();
        }
        "Enter" => {
            ev.prevent_default();
            if let Some(first) = found.with_untracked(|(v, _)| v.first().map(|(t, _)| t.id.clone())) {
                pick(&first);
            }
        }
        "ArrowDown" => {
            if let Some(b) = root
                .get_untracked()
                .and_then(|r| r.query_selector("[data-theme-pick]").ok().flatten())
            {
                ev.prevent_default();
                let _ = b.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
        _ => {}
    };
    // Focus leaving the picker closes it, unless it goes to the button that
    // opened it (whose click then closes it).
    let on_focus_out = move |ev: FocusEvent| {
        let to = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let stays = to.is_some_and(|el| {
            root.try_get_untracked()
                .flatten()
                .is_some_and(|r| r.contains(Some(&el)))
                || (el.has_attribute("data-theme-more")
                    && el
                        .closest("[data-block]")
                        .ok()
                        .flatten()
                        .and_then(|b| b.get_attribute("data-block"))
                        == Some(index.to_string()))
        });
        if !stays {
            state.picking.set(None);
        }
    };
    let summary = move || {
        found.with(|(shown, total)| match (*total, shown.len()) {
            (0, _) => "无匹配主题 · No matching theme".to_string(),
            (t, n) if n < t => format!("显示 {n} / {t} 个，输入以缩小范围 · {n} of {t} shown: type to narrow"),
            (t, _) => format!("{t} 个主题 · {t} themes"),
        })
    };
    view! {
        <div class="picker" data-theme-picker="" role="group" aria-label="选择主题 · Pick a theme" node_ref=root
            on:click=|ev| ev.stop_propagation() on:focusout=on_focus_out>
            <input type="search" data-theme-picker-search="" node_ref=input
                placeholder="搜索主题（中文、English、编号） · Search themes (name or id)"
                aria-label="搜索主题 · Search themes"
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) on:keydown=on_key/>
            <div class="picks">
                {move || found.with(|(shown, _)| shown.iter().map(|(t, parent)| {
                    let id = t.id.clone();
                    let tid = t.id.clone();
                    let pressed = move || on.with(|v| v.contains(&tid));
                    let name = t.label();
                    let title = match parent {
                        Some(p) => format!("{p} › {name}"),
                        None => name.clone(),
                    };
                    view! {
                        <button type="button" class="pick" class:on=pressed.clone() data-theme-pick=t.id.clone()
                            aria-pressed=move || pressed().to_string() title=title style=format!("--theme:{}", t.color)
                            on:click=move |_| pick(&id)>
                            <span class="swatch"></span>
                            {parent.clone().map(|p| view! { <span class="parent">{format!("{p} › ")}</span> })}
                            <span class="name">{name}</span>
                            {t.key.map(|k| view! { <kbd>{k}</kbd> })}
                        </button>
                    }
                }).collect_view())}
            </div>
            <p class="hint" data-theme-picker-count="">{summary}</p>
        </div>
    }
}
