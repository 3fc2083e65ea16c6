//! The ranked key-term list: weight, count, and the paragraphs holding each.

use leptos::prelude::*;

use crate::state::AppState;
use crate::view::document::scroll_to_block;

/// Paragraphs listed under a clicked term; a term found in thousands of a
/// long document's paragraphs lists the first ones and counts the rest.
const GOTO_SHOWN: usize = 200;

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
            <p class="hint">"悬停或点击以标出所有出现；点击后可置顶或删除 · hover or click to mark every occurrence; click to pin or drop"</p>
            <TermControls/>
            <Show when=move || state.analysis.with(Option::is_none) && state.terms_error.with(Option::is_none)>
                <p class="loading">"分词中… · Segmenting…"</p>
            </Show>
            <Show when=move || state.terms_error.with(Option::is_some)>
                <p class="loading" data-terms-unavailable="">"关键词不可用 · Key terms unavailable"</p>
            </Show>
            <ol class="term-list">
                <For each=terms key=|t| (t.rank, t.term.clone()) let:t>
                    {
                        let i = t.rank - 1;
                        let active = move || state.active_term.get() == Some(i);
                        let lit = move || active() || state.hover_term.get() == Some(i);
                        let blocks = t.blocks.clone();
                        let n_blocks = blocks.len();
                        let why = if t.reason.is_empty() {
                            format!("TF-IDF {:.2} · TextRank {:.2} · {} 次 occurrences", t.tfidf, t.textrank, t.count)
                        } else {
                            format!("{} · {} 次 occurrences", t.reason, t.count)
                        };
                        let pin_word = t.term.clone();
                        let drop_word = t.term.clone();
                        view! {
                            <li data-term-rank=t.rank data-term=t.term.clone() class:lit=lit class:active=active>
                                <button type="button" class="term"
                                    aria-expanded=move || active().to_string()
                                    on:mouseenter=move |_| state.hover_term.set(Some(i))
                                    on:mouseleave=move |_| state.hover_term.set(None)
                                    on:click=move |_| state.active_term.update(|a| *a = if *a == Some(i) { None } else { Some(i) })>
                                    <span class="rank">{t.rank}</span>
                                    <span class="word">{t.term.clone()}</span>
                                    <span class="weight" title=if t.reason.is_empty() { format!("TF-IDF {:.2} · TextRank {:.2}", t.tfidf, t.textrank) } else { t.reason.clone() }>{format!("{:.3}", t.weight)}</span>
                                    <span class="count" title="出现次数 · occurrences">{format!("×{}", t.count)}</span>
                                </button>
                                <Show when=active>
                                    <div class="why">{why.clone()}</div>
                                    <div class="term-actions">
                                        <button type="button" data-term-pin=pin_word.clone() on:click={ let w = pin_word.clone(); move |_| state.update_terms(|s| {
                                            if let Some(i) = s.curation.pinned.iter().position(|p| *p == w) { s.curation.pinned.remove(i); } else { s.curation.pinned.push(w.clone()); }
                                        }) }>"📌 置顶 · Pin"</button>
                                        <button type="button" data-term-drop=drop_word.clone() on:click={ let w = drop_word.clone(); move |_| { state.active_term.set(None); state.update_terms(|s| {
                                            s.curation.pinned.retain(|p| *p != w); s.curation.added.retain(|p| *p != w);
                                            if !s.curation.dropped.contains(&w) { s.curation.dropped.push(w.clone()); }
                                        }) } }>"✕ 删除 · Drop"</button>
                                    </div>
                                    <div class="where" data-term-blocks="">
                                        {format!("{} 段 · in {} blocks: ", n_blocks, n_blocks)}
                                        {blocks.iter().take(GOTO_SHOWN).map(|&b| view! {
                                            <button type="button" class="goto" data-goto-block=b
                                                on:click=move |_| scroll_to_block(state, b, true)>{format!("¶{b}")}</button>
                                        }).collect_view()}
                                        {(n_blocks > GOTO_SHOWN).then(|| {
                                            let more = n_blocks - GOTO_SHOWN;
                                            format!("… 另有 {more} 段 · {more} more")
                                        })}
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

/// Settings of the term list and adding a phrase.
#[component]
fn TermControls() -> impl IntoView {
    use annotator_core::terms::Method;
    let state = expect_context::<AppState>();
    let phrase = RwSignal::new(String::new());
    let add = move || {
        let p = phrase.get_untracked();
        state.add_phrase(&p);
        phrase.set(String::new());
    };
    let dropped = move || state.doc_settings.with(|d| d.terms.curation.dropped.clone());
    let dictionary = move || state.user_settings.with(|u| u.words.clone());
    view! {
        <div class="term-controls">
            <div class="row">
                <input type="text" data-term-add="" placeholder="添加短语 · add a phrase" maxlength="40"
                    prop:value=move || phrase.get() on:input=move |ev| phrase.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| { if ev.key() == "Enter" { add() } }/>
                <button type="button" data-term-add-button="" on:click=move |_| add()>"+"</button>
            </div>
            <div class="row highlight">
                <label class="check">
                    <input type="checkbox" data-term-highlight="" prop:checked=move || state.doc_settings.with(|d| d.highlight.on)
                        on:change=move |ev| { let on = event_target_checked(&ev); update_highlight(state, |h| h.on = on) }/>
                    "在正文中高亮前 · Highlight the top"
                </label>
                <input type="number" min="1" max="200" data-term-highlight-count="" aria-label="高亮的关键词数量 · Number of terms highlighted"
                    prop:value=move || state.doc_settings.with(|d| d.highlight.top.to_string())
                    on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<usize>() { update_highlight(state, |h| h.top = n.clamp(1, 200)) } }/>
            </div>
            <details>
                <summary>"设置 · Settings"</summary>
                <label>"数量 · Number of terms "
                    <input type="number" min="5" max="200" data-term-count="" prop:value=move || state.doc_settings.with(|d| d.terms.top_k.to_string())
                        on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<usize>() { state.update_terms(|t| t.top_k = n.clamp(5, 200)) } }/>
                </label>
                <label>"方法 · Method "
                    <select data-term-method="" on:change=move |ev| {
                        let m = match event_target_value(&ev).as_str() {
                            "tfidf" => Method::TfIdf, "textrank" => Method::TextRank, "fused" => Method::Fused,
                            "genre" => Method::Genre, "keyness" => Method::Keyness, _ => Method::Auto,
                        };
                        state.update_terms(|t| t.method = m);
                    }>
                        <option value="auto" selected=move || state.doc_settings.with(|d| d.terms.method == Method::Auto)>"自动 · Automatic"</option>
                        <option value="genre" selected=move || state.doc_settings.with(|d| d.terms.method == Method::Genre)>"文体排序 · Genre ranking"</option>
                        <option value="keyness" selected=move || state.doc_settings.with(|d| d.terms.method == Method::Keyness)>"关键性（对照文库） · Keyness against the library"</option>
                        <option value="fused" selected=move || state.doc_settings.with(|d| d.terms.method == Method::Fused)>"TF-IDF + TextRank"</option>
                        <option value="tfidf" selected=move || state.doc_settings.with(|d| d.terms.method == Method::TfIdf)>"TF-IDF"</option>
                        <option value="textrank" selected=move || state.doc_settings.with(|d| d.terms.method == Method::TextRank)>"TextRank"</option>
                    </select>
                </label>
                <p class="hint" data-term-method-used="">
                    {move || state.analysis.with(|a| a.as_ref().map(|a| {
                        let chosen = state.doc_settings.with(|d| d.terms.method);
                        let mut text = format!("排序方法 · Ranked by: {}", a.method.description());
                        if chosen == Method::Keyness && a.method != Method::Keyness {
                            text.push_str("（文库中没有其他文档可作参照 · the library holds no other document to compare with）");
                        }
                        text
                    }))}
                </p>
                <label>"词性 · Parts of speech (jieba tags) "
                    <input type="text" data-term-pos="" prop:value=move || state.doc_settings.with(|d| d.terms.allowed_pos.join(" "))
                        on:change=move |ev| {
                            let pos: Vec<String> = event_target_value(&ev).split_whitespace().take(40).map(|p| p.chars().take(8).collect()).collect();
                            state.update_terms(|t| t.allowed_pos = pos);
                        }/>
                </label>
                <Show when=move || !dictionary().is_empty()>
                    <p class="hint" data-dictionary="">"用户词典（所有文档） · Your dictionary (every document): "
                        {move || dictionary().into_iter().map(|w| view! {
                            <button type="button" class="goto" data-dictionary-remove=w.clone() title="从词典删除 · Remove from the dictionary"
                                on:click={ let w = w.clone(); move |_| state.remove_phrase(&w) }>{format!("{w} ✕")}</button>
                        }).collect_view()}
                    </p>
                </Show>
                <Show when=move || !dropped().is_empty()>
                    <p class="hint">"已删除 · Dropped: "
                        {move || dropped().into_iter().map(|w| view! {
                            <button type="button" class="goto" data-term-restore=w.clone() title="恢复 · Restore"
                                on:click={ let w = w.clone(); move |_| state.update_terms(|t| t.curation.dropped.retain(|d| *d != w)) }>{format!("{w} ↺")}</button>
                        }).collect_view()}
                    </p>
                </Show>
            </details>
        </div>
    }
}

/// Changes which key terms the text highlights: kept with the document's
/// term settings, without ranking the terms again.
fn update_highlight(state: AppState, f: impl FnOnce(&mut annotator_core::settings::TermHighlight)) {
    state.doc_settings.update(|d| f(&mut d.highlight));
    state.save_doc_settings();
}
