//! The document: one element per block, carrying the automation hooks
//! (`data-block`, `data-kind`, `data-themes`), its highlighted terms, its
//! theme toggles and its note.

use std::sync::Arc;

use annotator_core::document::{Block, BlockKind};
use annotator_core::navigate;
use annotator_core::outline;
use annotator_core::store::{Command, SetKind, TagOrigin};
use annotator_core::suggest::Suggestion;
use annotator_core::terms::layer_runs;
use annotator_core::themes::Theme;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::AppState;
use crate::view::long::{is_long, reveal, LongDocument, Reveal};
use crate::view::picker::ThemePicker;

#[component]
pub fn DocumentView() -> impl IntoView {
    let state = expect_context::<AppState>();
    // How many of the ranked terms are highlighted in the text (0: none);
    // the others stay marked, plain, for the term list to light.
    provide_context(Highlight(Memo::new(move |_| {
        state.doc_settings.with(|d| d.highlight.limit())
    })));
    view! {
        <article class="document" aria-label="讲话正文 · Speech text" data-fingerprint=move || state.doc.with(|d| d.fingerprint.clone())
            class:long=move || state.doc.with(|d| is_long(d))
            on:mouseover=move |ev| term_events(state, &ev, TermEvent::Over)
            on:mouseout=move |ev| term_events(state, &ev, TermEvent::Out)
            on:click=move |ev| term_events(state, &ev, TermEvent::Click)>
            {move || {
                let doc = state.doc.get();
                if is_long(&doc) {
                    // Only the blocks near the viewport (see `long.rs`).
                    view! { <LongDocument doc=doc/> }.into_any()
                } else {
                    state.viewport.layout.set_value(None);
                    doc.blocks.iter().map(|b| view! { <BlockView block=Arc::new(b.clone())/> }).collect_view().into_any()
                }
            }}
        </article>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TermEvent {
    Over,
    Out,
    Click,
}

/// How many of the ranked key terms the text highlights (see
/// `TermHighlight::limit`).
#[derive(Clone, Copy)]
struct Highlight(Memo<usize>);

/// The highlighted (or lit) key term of the mark an event happened in, if
/// any: a term beyond the highlighted ones is plain text to the pointer
/// until it is lit from the term list.
fn term_at(target: Option<web_sys::EventTarget>) -> Option<usize> {
    target
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| {
            el.closest("mark[data-term-index]:not(.quiet), mark[data-term-index].lit")
                .ok()
                .flatten()
        })
        .and_then(|m| m.get_attribute("data-term-index"))
        .and_then(|i| i.parse().ok())
}

/// Hovering a marked term lights every occurrence; clicking it keeps them
/// lit (and lists where it occurs). One listener for the document.
fn term_events(state: AppState, ev: &web_sys::MouseEvent, kind: TermEvent) {
    let Some(term) = term_at(ev.target()) else {
        return;
    };
    match kind {
        TermEvent::Over => {
            if state.hover_term.get_untracked() != Some(term) {
                state.hover_term.set(Some(term));
            }
        }
        // Moving within the mark (onto its underline) is not leaving it.
        TermEvent::Out => {
            if term_at(ev.related_target()) != Some(term) {
                state.hover_term.set(None);
            }
        }
        TermEvent::Click => state
            .active_term
            .update(|a| *a = if *a == Some(term) { None } else { Some(term) }),
    }
}

/// One block: its text with key terms marked, and, if it can be tagged,
/// its themes, suggestions, other coders' rows and note.
#[component]
pub fn BlockView(block: Arc<Block>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let index = block.index;
    let taggable = block.kind.is_taggable();
    let id = block.id.clone();
    let themes = Memo::new({
        let id = id.clone();
        move |_| {
            let set = state.profile.with(|p| p.coder_id.clone());
            state.track_block(&id);
            state.store.with_untracked(|s| s.themes_of(&set, &id))
        }
    });
    let suggested = Memo::new({
        let id = id.clone();
        move |_| {
            // Only this block's tags and the rejections decide what is pending.
            if state.candidates.with(|c| !c.contains_key(&id)) {
                return Vec::new();
            }
            state.profile.track();
            state.track_block(&id);
            state.doc_settings.track();
            state.pending_suggestions(Some(&id), None)
        }
    });
    let uncoded = Memo::new({
        let id = id.clone();
        move |_| {
            state.profile.track();
            state.track_block(&id);
            state.is_uncoded(&id)
        }
    });
    let hidden = {
        let block = block.clone();
        move || {
            let set = state.profile.with(|p| p.coder_id.clone());
            let filter = state.filter.get();
            let disputed_only = state.disagreements_only.get();
            if disputed_only && block.kind != annotator_core::document::BlockKind::Title {
                return !state.disputed.with(|d| d.contains(&block.id));
            }
            state.track_block(&block.id);
            !state
                .store
                .with_untracked(|s| navigate::is_visible(&block, s, &set, filter.as_deref()))
        }
    };
    // Key-term marks, with the words behind a theme suggestion underlined.
    let text = {
        let block = block.clone();
        move || {
            let underline: Vec<(usize, usize)> =
                suggested.with(|v| v.iter().flat_map(|s| s.matches.iter().copied()).collect());
            state.analysis.with(|a| {
                let marks = a.as_ref().and_then(|a| a.marks.get(index).cloned()).unwrap_or_default();
                let term = |t: usize| {
                    a.as_ref()
                        .and_then(|a| a.terms.get(t))
                        .map(|t| t.term.clone())
                        .unwrap_or_default()
                };
                layer_runs(&block.text, &marks, &underline)
                    .into_iter()
                    .map(|run| match (run.term, run.underlined) {
                        (None, false) => run.text.to_string().into_any(),
                        (None, true) => view! {
                            <u class="suggest-match" data-suggest-match="">{run.text.to_string()}</u>
                        }
                        .into_any(),
                        (Some(t), underlined) => view! {
                            <TermMark term_index=t term=term(t) text=run.text.to_string() underlined=underlined/>
                        }
                        .into_any(),
                    })
                    .collect_view()
            })
        }
    };
    let body = match block.kind {
        BlockKind::Title => view! { <h1 class="title">{text}</h1> }.into_any(),
        BlockKind::Heading => view! { <h2 class="heading" id=format!("h-{index}")>{text}</h2> }.into_any(),
        BlockKind::Meta => view! { <p class="meta">{block.text.clone()}</p> }.into_any(),
        BlockKind::Paragraph => view! { <p class="para">{text}</p> }.into_any(),
        BlockKind::Residue => view! {
            <p class="residue"><span class="residue-label">{block.note.unwrap_or("")}</span>" "{block.text.clone()}</p>
        }
        .into_any(),
    };
    let on_click = move |_| {
        if taggable {
            state.focused.set(Some(index));
        }
    };
    // Toggles show on the focused or hovered block only.
    let on_enter = move |_| {
        if taggable {
            state.hovered.set(Some(index));
        }
    };
    let on_leave = move |_| {
        if state.hovered.get_untracked() == Some(index) {
            state.hovered.set(None);
        }
    };
    view! {
        <div class="block" class:taggable=taggable class:focused=move || state.focused.get() == Some(index)
            class:uncoded=move || uncoded.get() data-uncoded=move || uncoded.get().then_some("true")
            data-block=index data-kind=block.kind.as_str() data-block-id=id.clone()
            data-themes=move || themes.get().join(" ")
            data-suggested=move || suggested.with(|v| v.iter().map(|s| s.theme.clone()).collect::<Vec<_>>().join(" "))
            tabindex=if taggable { Some("-1") } else { None }
            aria-describedby=taggable.then(|| format!("themes-{index}"))
            class:search-hit=move || state.search_hit.get() == Some(index)
            hidden=hidden on:click=on_click on:mouseenter=on_enter on:mouseleave=on_leave>
            {body}
            {taggable.then(|| view! { <BlockTags index=index id=id.clone() themes=themes uncoded=uncoded suggested=suggested/> })}
        </div>
    }
}

#[component]
fn TermMark(term_index: usize, term: String, text: String, underlined: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lit = move || state.active_term.get() == Some(term_index) || state.hover_term.get() == Some(term_index);
    let highlight = use_context::<Highlight>();
    let quiet = move || highlight.is_some_and(|h| term_index >= h.0.get());
    // Hover and click are handled once for the whole document
    // (`term_events`), not by three listeners on each of thousands of marks.
    view! {
        <mark data-term=term data-term-index=term_index class:lit=lit class:quiet=quiet>
            {if underlined {
                view! { <u class="suggest-match" data-suggest-match="">{text}</u> }.into_any()
            } else {
                text.into_any()
            }}
        </mark>
    }
}

/// What a taggable block shows under its text: its themes (toggles while
/// it is focused or hovered, quiet chips otherwise), the picker, other
/// coders' rows, the consensus and the note.
#[component]
fn BlockTags(
    index: usize,
    id: String,
    themes: Memo<Vec<String>>,
    uncoded: Memo<bool>,
    suggested: Memo<Vec<Suggestion>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let note = Memo::new({
        let id = id.clone();
        move |_| {
            let set = state.profile.with(|p| p.coder_id.clone());
            state.track_block(&id);
            state.store.with_untracked(|s| s.note(&set, &id).to_string())
        }
    });
    let show_note = move || state.editing_note.get() == Some(index) || note.with(|n| !n.is_empty());
    let picking = move || state.picking.get() == Some(index);
    // Toggles only where the user is: the rest of the page reads as text,
    // and a theme added, renamed or recoloured rebuilds a few buttons, not
    // one per paragraph.
    let active = Memo::new(move |_| {
        state.focused.get() == Some(index)
            || state.hovered.get() == Some(index)
            || state.picking.get() == Some(index)
            || state.editing_note.get() == Some(index)
    });
    let tags = {
        let id = id.clone();
        move || {
            if active.get() {
                view! { <Toggles index=index id=id.clone() themes=themes uncoded=uncoded suggested=suggested/> }
                    .into_any()
            } else {
                view! { <TagChips index=index themes=themes uncoded=uncoded suggested=suggested/> }.into_any()
            }
        }
    };
    let id_for_note = id.clone();
    let picker_block = id.clone();
    view! {
        {tags}
        <Show when=picking>
            <ThemePicker index=index block=picker_block.clone() on=themes/>
        </Show>
        <OtherCoders id=id.clone()/>
        <crate::view::compare::Adjudicate id=id.clone()/>
        <Show when=show_note>
            <textarea class="note" data-note="" rows="2" placeholder="笔记 · Note"
                aria-label="笔记 · Note"
                prop:value=note
                on:click=|ev| ev.stop_propagation()
                on:input={
                    let id = id_for_note.clone();
                    move |ev| state.set_note(&id, event_target_value(&ev))
                }
                on:blur=move |_| if state.editing_note.get_untracked() == Some(index) { state.editing_note.set(None) }>
            </textarea>
        </Show>
    }
}

/// What a chip says on hover about a suggestion of its theme: the words
/// that matched.
fn suggestion_title(words: &[String]) -> String {
    format!("建议 · suggested: {}", words.join(" "))
}

/// A block's themes as buttons that toggle them: the chips of its
/// codebook (`outline::chips`, with the suggested themes), "＋ theme" for
/// the rest of a large one, the note and *not coded* buttons. A suggested
/// theme's chip has a dashed outline, the matched words in its title, and
/// accept and reject buttons after it.
#[component]
fn Toggles(
    index: usize,
    id: String,
    themes: Memo<Vec<String>>,
    uncoded: Memo<bool>,
    suggested: Memo<Vec<Suggestion>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let spoken = spoken(state, themes, uncoded);
    // The chips this paragraph offers: every theme of a small codebook;
    // of a large one, the pinned themes, the paragraph's own and those
    // suggested for it (the rest through the picker). A memo: a tag
    // elsewhere does not touch it.
    let shown = Memo::new(move |_| {
        let mut on = themes.get();
        suggested.with(|s| on.extend(s.iter().map(|s| s.theme.clone())));
        state
            .theme_list
            .with(|all| outline::chips(all, &on).into_iter().cloned().collect::<Vec<Theme>>())
    });
    let compact = move || state.theme_list.with(|all| outline::is_compact(all.len()));
    let picking = move || state.picking.get() == Some(index);
    let chip = {
        let id = id.clone();
        move |t: Theme| {
            let tid = t.id.clone();
            let on = {
                let tid = tid.clone();
                move || themes.with(|v| v.contains(&tid))
            };
            let offer = {
                let tid = tid.clone();
                move || suggested.with(|v| v.iter().find(|s| s.theme == tid).cloned())
            };
            let id = id.clone();
            let key = t.key.map(|k| format!(" ({k})")).unwrap_or_default();
            let label = format!("{}{key}", t.label());
            let def_id = t.id.clone();
            let style = format!("--theme:{}", t.color);
            let is_offered = {
                let offer = offer.clone();
                move || offer().is_some()
            };
            let offer_for_title = offer.clone();
            let title = move || {
                let mut title = label.clone();
                if let Some(d) = state
                    .definitions
                    .with(|d| d.get(&def_id).cloned())
                    .filter(|d| !d.is_empty())
                {
                    title = format!("{title}\n{d}");
                }
                if let Some(s) = offer_for_title() {
                    title = format!("{title}\n{}", suggestion_title(&s.words));
                }
                title
            };
            let name = t.label();
            let actions = move || {
                offer().map(|sg| {
                    let theme = sg.theme.clone();
                    let name = name.clone();
                    let words = suggestion_title(&sg.words);
                    let reject = (sg.block.clone(), sg.theme.clone());
                    view! {
                        <button type="button" class="chip act" data-suggestion-accept=theme.clone()
                            title=format!("接受 · Accept (a) — {words}") aria-label=format!("接受建议 · Accept the suggestion: {name}")
                            on:click=move |ev| { ev.stop_propagation(); state.accept_suggestions(std::slice::from_ref(&sg)); }>"✓"</button>
                        <button type="button" class="chip act" data-suggestion-reject=theme.clone() title="拒绝 · Reject"
                            aria-label=format!("拒绝建议 · Reject the suggestion: {name}")
                            on:click=move |ev| { ev.stop_propagation(); state.reject_suggestion(reject.clone()); }>"✗"</button>
                    }
                })
            };
            view! {
                <button type="button" class="chip" class:on=on.clone() class:suggested=is_offered data-theme-toggle=t.id.clone()
                    aria-pressed=move || on().to_string() title=title style=style.clone()
                    on:click=move |ev| { ev.stop_propagation(); state.focused.set(Some(index)); state.toggle(&id, &tid); }>
                    {short_name(&t)}
                </button>
                {actions}
            }
        }
    };
    view! {
        <div class="tags" role="group" aria-label="主题 · Themes">
            <For each=move || shown.get()
                key=|t| (t.id.clone(), t.name_zh.clone(), t.name_en.clone(), t.color.clone(), t.key)
                children=chip/>
            <Show when=compact>
                <button type="button" class="chip more" data-theme-more="" aria-haspopup="true"
                    aria-expanded=move || picking().to_string()
                    title="其他主题：搜索并选择 · Other themes: search and pick"
                    on:click=move |ev| {
                        ev.stop_propagation();
                        state.focused.set(Some(index));
                        state.picking.update(|p| *p = if *p == Some(index) { None } else { Some(index) });
                    }>
                    "＋ 主题 · theme"
                </button>
            </Show>
            <button type="button" class="chip note-toggle" data-note-toggle="" title="笔记 Note (n)"
                on:click=move |ev| { ev.stop_propagation(); state.editing_note.set(Some(index)); focus_note(index); }>
                "✎"
            </button>
            <button type="button" class="chip uncoded-toggle" data-uncoded-toggle="" aria-pressed=move || uncoded.get().to_string()
                title="未编码：跳过此段，统计时算作缺失 (x) · Not coded: skip this paragraph; statistics count it as missing (x)"
                on:click={
                    let id = id.clone();
                    move |ev| { ev.stop_propagation(); state.focused.set(Some(index)); state.toggle_uncoded(&id); }
                }>
                {move || if uncoded.get() { "⊘ 未编码 · not coded" } else { "⊘" }}
            </button>
            <span class="sr-only" id=format!("themes-{index}")>{spoken}</span>
        </div>
    }
}

/// A block's themes as quiet chips, without buttons: what a block shows
/// while the user is not on it (focusing or hovering it brings its
/// toggles). A suggested theme's chip has a dashed outline and the words
/// that matched in its title.
#[component]
fn TagChips(
    index: usize,
    themes: Memo<Vec<String>>,
    uncoded: Memo<bool>,
    suggested: Memo<Vec<Suggestion>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let chips = move || {
        state.theme_list.with(|all| {
            themes.with(|on| {
                suggested.with(|offered| {
                    all.iter()
                        .filter_map(|t| {
                            if on.contains(&t.id) {
                                Some(
                                    view! {
                                        <span class="chip on" data-theme-chip=t.id.clone() title=t.label()
                                            style=format!("--theme:{}", t.color)>{short_name(t)}</span>
                                    }
                                    .into_any(),
                                )
                            } else {
                                offered.iter().find(|s| s.theme == t.id).map(|s| {
                                    view! {
                                        <span class="chip suggested" data-theme-suggested=t.id.clone()
                                            title=format!("{}\n{}", t.label(), suggestion_title(&s.words))
                                            style=format!("--theme:{}", t.color)>{short_name(t)}</span>
                                    }
                                    .into_any()
                                })
                            }
                        })
                        .collect_view()
                })
            })
        })
    };
    view! {
        <div class="tags compact" data-tags-compact="" aria-hidden="true">
            {chips}
            {move || uncoded.get().then(|| view! { <span class="chip uncoded-mark">"⊘ 未编码 · not coded"</span> })}
        </div>
        <span class="sr-only" id=format!("themes-{index}")>{spoken(state, themes, uncoded)}</span>
    }
}

/// What a screen reader says of a block's themes (`aria-describedby`).
fn spoken(state: AppState, themes: Memo<Vec<String>>, uncoded: Memo<bool>) -> impl Fn() -> String + Copy {
    move || {
        let names: Vec<String> = state
            .theme_list
            .with(|all| themes.with(|mine| all.iter().filter(|t| mine.contains(&t.id)).map(|t| t.label()).collect()));
        let mut text = if names.is_empty() {
            "主题：无 · Themes: none".to_string()
        } else {
            format!("主题 · Themes: {}", names.join(", "))
        };
        if uncoded.get() {
            text.push_str("；未编码 · not coded");
        }
        text
    }
}

/// A theme's name on a chip (`Theme::short_name`).
fn short_name(t: &Theme) -> String {
    t.short_name().to_string()
}

/// Other coders' themes and notes on a block (sets opened side by side),
/// read-only; the consensus set's themes are toggles, for settling a
/// paragraph by hand.
#[component]
fn OtherCoders(id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    // A memo: a block re-renders only when its own other-coder rows change.
    let block = StoredValue::new(id.clone());
    let rows = Memo::new(move |_| {
        let own = state.profile.with(|p| p.coder_id.clone());
        state.track_block(&id);
        state.store.with_untracked(|s| {
            s.sets
                .values()
                .filter(|set| set.id != own)
                .map(|set| {
                    let themes: Vec<_> = s
                        .themes_of(&set.id, &id)
                        .iter()
                        .filter_map(|t| s.theme(t).cloned())
                        .collect();
                    (
                        set.id.clone(),
                        set.name.clone(),
                        set.color.clone(),
                        themes,
                        s.note(&set.id, &id).to_string(),
                        set.kind == SetKind::Consensus && !set.readonly,
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let toggle = move |set: String, theme: String, present: bool| {
        state.apply(Command::Tag {
            set,
            block: block.get_value(),
            theme,
            present,
            how: TagOrigin::Hand,
            at: crate::storage::now_ms() / 1000,
        });
    };
    // Themes any open set (the user's too) has here: with the pinned ones,
    // what the consensus row of a large codebook offers.
    let used = Memo::new({
        let block = block.get_value();
        move |_| {
            state.track_block(&block);
            state.store.with_untracked(|s| {
                s.sets
                    .keys()
                    .flat_map(|set| s.themes_of(set, &block))
                    .collect::<Vec<_>>()
            })
        }
    });
    view! {
        {move || rows.get().into_iter().map(|(sid, name, color, themes, note, editable)| {
            let ids = themes.iter().map(|t| t.id.clone()).collect::<Vec<_>>().join(" ");
            let name_of = |t: &Theme| if t.name_zh.is_empty() { t.name_en.clone() } else { t.name_zh.clone() };
            let chips = if editable {
                let offered: Vec<Theme> = state
                    .theme_list
                    .with(|all| used.with(|u| outline::chips(all, u).into_iter().cloned().collect()));
                offered.into_iter().map(|t| {
                    let on = themes.iter().any(|x| x.id == t.id);
                    let (set, theme) = (sid.clone(), t.id.clone());
                    view! {
                        <button type="button" class="chip" class:on=on data-consensus-toggle=t.id.clone() aria-pressed=on.to_string()
                            title="编辑共识 · Edit the consensus" style=format!("--theme:{}", t.color)
                            on:click=move |ev| { ev.stop_propagation(); toggle(set.clone(), theme.clone(), !on); }>
                            {name_of(&t)}
                        </button>
                    }.into_any()
                }).collect_view()
            } else {
                themes.iter().map(|t| view! {
                    <span class="chip on" style=format!("--theme:{}", t.color)>{name_of(t)}</span>
                }.into_any()).collect_view()
            };
            view! {
            <div class="others" data-coder=sid.clone() data-coder-themes=ids>
                <span class="coder" style=format!("border-left:3px solid {color};padding-left:.3rem")>{name}</span>
                {chips}
                {(!note.is_empty()).then(|| view! { <span class="other-note" data-coder-note="">{format!("✎ {note}")}</span> })}
            </div>
        }}).collect_view()}
    }
}

/// The next or previous block a keyboard user moves to.
pub fn neighbour(state: AppState, forward: bool) -> Option<usize> {
    let set = state.own_set();
    let filter = state.filter.get_untracked();
    let from = state.focused.get_untracked();
    state.doc.with_untracked(|d| {
        state
            .store
            .with_untracked(|s| navigate::neighbour(d, s, &set, filter.as_deref(), from, forward))
    })
}

fn block_element(index: usize) -> Option<web_sys::HtmlElement> {
    document()
        .query_selector(&format!("[data-block=\"{index}\"]"))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into().ok())
}

/// Brings a block into view and gives it the keyboard focus (`to_top`:
/// at the top of the view, smoothly if it is rendered already; else just
/// into view). In a long document a block that is not rendered is first
/// brought into the window.
pub fn scroll_to_block(state: AppState, index: usize, to_top: bool) {
    let place = if to_top { Place::Top } else { Place::Nearest };
    bring(state, index, place, true, true, 5);
}

/// Scrolls a block to the middle of the view without taking the keyboard
/// focus from where it is (the document's search box).
pub fn show_block(state: AppState, index: usize) {
    bring(state, index, Place::Center, false, false, 5);
}

#[derive(Clone, Copy)]
enum Place {
    Top,
    Nearest,
    Center,
}

fn bring(state: AppState, index: usize, place: Place, focus: bool, smooth: bool, tries: u8) {
    if let Some(el) = block_element(index) {
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(match place {
            Place::Top => web_sys::ScrollLogicalPosition::Start,
            Place::Nearest => web_sys::ScrollLogicalPosition::Nearest,
            Place::Center => web_sys::ScrollLogicalPosition::Center,
        });
        opts.set_behavior(if smooth && matches!(place, Place::Top) {
            web_sys::ScrollBehavior::Smooth
        } else {
            web_sys::ScrollBehavior::Auto
        });
        if focus && el.has_attribute("tabindex") {
            let _ = el.focus();
        }
        el.scroll_into_view_with_scroll_into_view_options(&opts);
        return;
    }
    if tries == 0 {
        return;
    }
    // Not rendered: move the window there, then finish once the page shows it.
    match reveal(state, index) {
        Reveal::Hidden => {}
        Reveal::Rendered | Reveal::Moved => {
            request_animation_frame(move || bring(state, index, place, focus, false, tries - 1));
        }
    }
}

/// Gives a block the keyboard focus back (from a control inside it).
pub fn focus_block(index: usize) {
    if let Some(el) = block_element(index) {
        let _ = el.focus();
    }
}

/// Focuses a block's note field once it is rendered.
pub fn focus_note(index: usize) {
    focus_note_within(index, 5);
}

/// Tries for a few frames: in a long document the block may first have to
/// be brought into the window.
fn focus_note_within(index: usize, frames: u8) {
    request_animation_frame(move || {
        match block_element(index).and_then(|b| b.query_selector("[data-note]").ok().flatten()) {
            Some(t) => {
                let _ = t.unchecked_into::<web_sys::HtmlElement>().focus();
            }
            None if frames > 0 => focus_note_within(index, frames - 1),
            None => {}
        }
    });
}
