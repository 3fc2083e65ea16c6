//! The ranked key-term list: weight, count, and the paragraphs holding each.

use leptos::prelude::*;

use crate::state::AppState;
use crate::view::document::scroll_to_block;

#[component]
pub fn TermList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let terms = move || {
        state
            .analysis
            .with(|a| a.as_ref().map(|a| a.terms.clone()).unwrap_or_default())
    };
    view! {
        <section class="terms" aria-label="关键词 · Key terms">
            <h2>"关键词 · Key terms"</h2>
            <p class="hint">"TF-IDF · 悬停或点击以标出所有出现 · hover or click to mark every occurrence"</p>
            <Show when=move || state.analysis.with(Option::is_none)>
                <p class="loading">"分词中… · Segmenting…"</p>
            </Show>
            <ol class="term-list">
                <For each=terms key=|t| (t.rank, t.term.clone()) let:t>
                    {
                        let i = t.rank - 1;
                        let active = move || state.active_term.get() == Some(i);
                        let lit = move || active() || state.hover_term.get() == Some(i);
                        let blocks = t.blocks.clone();
                        let n_blocks = blocks.len();
                        view! {
                            <li data-term-rank=t.rank data-term=t.term.clone() class:lit=lit class:active=active>
                                <button type="button" class="term"
                                    aria-expanded=move || active().to_string()
                                    on:mouseenter=move |_| state.hover_term.set(Some(i))
                                    on:mouseleave=move |_| state.hover_term.set(None)
                                    on:click=move |_| state.active_term.update(|a| *a = if *a == Some(i) { None } else { Some(i) })>
                                    <span class="rank">{t.rank}</span>
                                    <span class="word">{t.term.clone()}</span>
                                    <span class="weight" title="TF-IDF">{format!("{:.3}", t.weight)}</span>
                                    <span class="count" title="出现次数 · occurrences">{format!("×{}", t.count)}</span>
                                </button>
                                <Show when=active>
                                    <div class="where" data-term-blocks="">
                                        {format!("{} 段 · in {} blocks: ", n_blocks, n_blocks)}
                                        {blocks.iter().map(|&b| view! {
                                            <button type="button" class="goto" data-goto-block=b
                                                on:click=move |_| scroll_to_block(b, true)>{format!("¶{b}")}</button>
                                        }).collect_view()}
                                    </div>
                                </Show>
                            </li>
                        }
                    }
                </For>
            </ol>
        </section>
    }
}
