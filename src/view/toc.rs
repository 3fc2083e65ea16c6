//! The table of contents, built from the section headings.

use leptos::prelude::*;

use crate::state::AppState;
use crate::view::document::scroll_to_block;

#[component]
pub fn Toc() -> impl IntoView {
    let state = expect_context::<AppState>();
    let headings = move || {
        state
            .doc
            .with(|d| d.headings().map(|b| (b.index, b.text.clone())).collect::<Vec<_>>())
    };
    view! {
        <nav class="toc" aria-label="目录 · Contents">
            <h2>"目录 · Contents"</h2>
            <ol>
                <For each=headings key=|(i, _)| *i children=move |(i, text)| view! {
                    <li><a href=format!("#h-{i}") data-toc=i
                        on:click=move |ev| { ev.prevent_default(); state.focused.set(Some(i)); scroll_to_block(state, i, true); }>
                        {text}
                    </a></li>
                } />
            </ol>
        </nav>
    }
}
