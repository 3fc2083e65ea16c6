//! A long document (over [`LONG_DOCUMENT`] blocks): only the blocks near
//! the viewport are in the page, between two spacers as tall as the blocks
//! above and below them, so the scrollbar is right and a theme change or a
//! keypress touches what is on screen, not 15,000 paragraphs. The window is
//! placed again on scroll (once per animation frame), each rendered block
//! is measured, and a jump to a block that is not rendered first brings it
//! into the window. Since the browser's find-in-page cannot see blocks that
//! are not rendered, the document has a search box of its own.

use std::sync::Arc;

use annotator_core::document::{BlockKind, Document};
use annotator_core::find::{next_hit, TextIndex};
use annotator_core::navigate;
use annotator_core::viewport::Layout;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

use crate::state::{AppState, LONG_DOCUMENT};
use crate::view::document::{show_block, BlockView};

/// Width of the document column before it is measured (40em of the text).
const COLUMN: f64 = 691.0;

#[component]
pub fn LongDocument(doc: Arc<Document>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let vp = state.viewport;
    let width = document()
        .query_selector(".document")
        .ok()
        .flatten()
        .map(|e| f64::from(e.client_width()))
        .filter(|w| *w > 100.0)
        .unwrap_or(COLUMN);
    let layout = Layout::new(&doc, width);
    // The first rows until the page is measured (not a previous document's window).
    let first = layout.around(0, viewport_height());
    vp.window.update_untracked(|w| *w = first);
    vp.layout.set_value(Some(layout));
    // The blocks shown: all, or those the theme filter or the disagreement
    // filter lets through (the title always). Unfiltered, no tag touches it.
    let rows = Memo::new({
        let doc = doc.clone();
        move |_| {
            let filter = state.filter.get();
            if state.disagreements_only.get() {
                return state.disputed.with(|d| {
                    doc.blocks
                        .iter()
                        .filter(|b| b.kind == BlockKind::Title || d.contains(&b.id))
                        .map(|b| b.index)
                        .collect::<Vec<_>>()
                });
            }
            let Some(filter) = filter else {
                return (0..doc.blocks.len()).collect();
            };
            let set = state.profile.with(|p| p.coder_id.clone());
            state.store.with(|s| {
                doc.blocks
                    .iter()
                    .filter(|b| navigate::is_visible(b, s, &set, Some(&filter)))
                    .map(|b| b.index)
                    .collect()
            })
        }
    });
    // Rows changed (a filter): start around the focused block, then follow
    // the scroll position once measured.
    Effect::new(move |_| {
        let rows = rows.get();
        let focused = state.focused.get_untracked();
        let window = vp.layout.try_update_value(|l| {
            let l = l.as_mut()?;
            l.set_rows(rows);
            let row = focused.and_then(|f| l.row_of(f)).unwrap_or(0);
            Some(l.around(row, viewport_height()))
        });
        vp.rev.notify();
        if let Some(Some(w)) = window {
            vp.window.set(w);
        }
        schedule(state);
    });
    let scroll = window_event_listener(leptos::ev::scroll, move |_| schedule(state));
    let resize = window_event_listener(leptos::ev::resize, move |_| schedule(state));
    on_cleanup(move || {
        scroll.remove();
        resize.remove();
    });
    let before = move || {
        vp.rev.track();
        let w = vp.window.get();
        let top = vp.layout.with_value(|l| l.as_ref().map_or(0.0, |l| l.top(w.start)));
        format!("{top:.0}px")
    };
    let after = move || {
        vp.rev.track();
        let w = vp.window.get();
        let rest = vp
            .layout
            .with_value(|l| l.as_ref().map_or(0.0, |l| l.total() - l.top(w.end)));
        format!("{:.0}px", rest.max(0.0))
    };
    let blocks = doc.clone();
    view! {
        <DocSearch doc=doc.clone()/>
        <div class="rows" data-rows="">
            <div class="spacer" data-spacer="before" aria-hidden="true" style:height=before></div>
            <For each=move || vp.blocks() key=|i| *i children=move |i| {
                view! { <BlockView block=Arc::new(blocks.blocks[i].clone())/> }
            }/>
            <div class="spacer" data-spacer="after" aria-hidden="true" style:height=after></div>
        </div>
    }
}

fn viewport_height() -> f64 {
    window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(900.0)
}

/// Places the window at the next animation frame (once, however many
/// scroll events come before it).
pub fn schedule(state: AppState) {
    let vp = state.viewport;
    if vp.pending.get_value() || !vp.is_long() {
        return;
    }
    vp.pending.set_value(true);
    request_animation_frame(move || update(state));
}

/// Measures the rendered blocks and places the window around the viewport.
fn update(state: AppState) {
    let vp = state.viewport;
    vp.pending.set_value(false);
    let Some(rows) = document().query_selector("[data-rows]").ok().flatten() else {
        return;
    };
    // Each rendered block's height is the distance from its top to the
    // next one's (margins included); hidden blocks take no room.
    let children = rows.children();
    let mut edges: Vec<(Option<usize>, f64)> = Vec::with_capacity(children.length() as usize);
    for i in 0..children.length() {
        let Some(el) = children.item(i) else { continue };
        if el.has_attribute("hidden") {
            continue;
        }
        let block = el.get_attribute("data-block").and_then(|b| b.parse().ok());
        edges.push((block, el.get_bounding_client_rect().top()));
    }
    let Some(&(_, origin)) = edges.first() else { return };
    let sizes: Vec<(usize, f64)> = edges
        .windows(2)
        .filter_map(|w| w[0].0.map(|b| (b, w[1].1 - w[0].1)))
        .filter(|(_, h)| *h >= 1.0)
        .collect();
    let current = vp.window.get_untracked();
    let placed = vp.layout.try_update_value(|l| {
        let l = l.as_mut()?;
        // Where the view is, counted from the first rendered row: measuring
        // may change the heights above it (the page then follows, by the
        // browser's scroll anchoring), not what is on screen.
        let into = -origin - l.top(current.start);
        let moved = l.measure(&sizes);
        let y = l.top(current.start) + into;
        Some((moved, l.window(y, viewport_height(), current.clone())))
    });
    let Some(Some((moved, next))) = placed else { return };
    if moved {
        vp.rev.notify();
    }
    if next != current {
        vp.window.set(next);
        // Measure the blocks that came in.
        schedule(state);
    }
}

/// What bringing a block into the window did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    /// The block is rendered (or the document is short: every block is).
    Rendered,
    /// The window was moved to it and the page scrolled near it: the block
    /// is rendered once the page has updated.
    Moved,
    /// The block is not shown (a filter hides it).
    Hidden,
}

/// Brings a block into the window, scrolling the page to where it sits.
pub fn reveal(state: AppState, block: usize) -> Reveal {
    let vp = state.viewport;
    let found = vp
        .layout
        .with_value(|l| l.as_ref().map(|l| l.row_of(block).map(|r| (r, l.top(r)))));
    let Some(found) = found else {
        return Reveal::Rendered;
    };
    let Some((row, top)) = found else {
        return Reveal::Hidden;
    };
    if vp.window.get_untracked().contains(&row) {
        return Reveal::Rendered;
    }
    let height = viewport_height();
    if let Some(Some(w)) = vp
        .layout
        .try_update_value(|l| l.as_ref().map(|l| l.around(row, height)))
    {
        vp.window.set(w);
    }
    if let Some(origin) = document()
        .query_selector("[data-spacer=\"before\"]")
        .ok()
        .flatten()
        .map(|s| s.get_bounding_client_rect().top())
    {
        let w = window();
        let y = w.scroll_y().unwrap_or(0.0) + origin + top - height / 3.0;
        w.scroll_to_with_x_and_y(w.scroll_x().unwrap_or(0.0), y.max(0.0));
    }
    Reveal::Moved
}

/// The first block at least partly on screen (long documents), else `None`.
fn block_on_screen(state: AppState) -> Option<usize> {
    let origin = document()
        .query_selector("[data-spacer=\"before\"]")
        .ok()
        .flatten()?
        .get_bounding_client_rect()
        .top();
    // Below the sticky bar and the search box.
    let y = -origin + 120.0;
    state
        .viewport
        .layout
        .with_value(|l| l.as_ref().and_then(|l| l.row_at(y).map(|r| l.rows()[r])))
}

/// The document's own search: type to go to the next block holding the
/// text (from the focused block, or the first on screen), Enter for the
/// next, Shift+Enter for the previous, Esc to clear; "n / N" says where.
#[component]
fn DocSearch(doc: Arc<Document>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    // Folded once, on the first search.
    let index: StoredValue<Option<Arc<TextIndex>>> = StoredValue::new(None);
    let hits = RwSignal::new(Vec::<usize>::new());
    let at = RwSignal::new(None::<usize>);
    let go = move |pos: Option<usize>| {
        at.set(pos);
        let block = pos.and_then(|p| hits.with_untracked(|h| h.get(p).copied()));
        state.search_hit.set(block);
        if let Some(b) = block {
            state.focused.set(Some(b));
            show_block(state, b);
        }
    };
    let search = move |text: String| {
        let idx = match index.get_value() {
            Some(i) => i,
            None => {
                let i = Arc::new(TextIndex::new(&doc));
                index.set_value(Some(i.clone()));
                i
            }
        };
        // Only blocks the filters show can be gone to.
        let found: Vec<usize> = state.viewport.layout.with_value(|l| {
            idx.find(&text)
                .into_iter()
                .filter(|b| l.as_ref().is_none_or(|l| l.row_of(*b).is_some()))
                .collect()
        });
        hits.set(found);
        let from = state.focused.get_untracked().or_else(|| block_on_screen(state));
        go(hits.with_untracked(|h| next_hit(h, from, true, false)));
    };
    let on_key = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            let from = at
                .get_untracked()
                .and_then(|p| hits.with_untracked(|h| h.get(p).copied()))
                .or_else(|| state.focused.get_untracked());
            go(hits.with_untracked(|h| next_hit(h, from, !ev.shift_key(), true)));
        }
        "Escape" => {
            ev.stop_propagation();
            // A second Escape (nothing left to clear) hands the keys back to
            // the document: to the focused paragraph, where j/k and 1–9 act.
            let empty = query.with_untracked(|q| q.is_empty());
            query.set(String::new());
            hits.set(Vec::new());
            at.set(None);
            state.search_hit.set(None);
            if empty {
                match state.focused.get_untracked() {
                    Some(i) => crate::view::document::scroll_to_block(state, i, false),
                    None => {
                        if let Some(el) = ev
                            .target()
                            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
                        {
                            let _ = el.blur();
                        }
                    }
                }
            }
        }
        _ => {}
    };
    let count = move || {
        let n = hits.with(Vec::len);
        match (query.with(|q| q.trim().is_empty()), at.get()) {
            (true, _) => String::new(),
            (false, Some(p)) => format!("{} / {n}", p + 1),
            (false, None) => "0 / 0".to_string(),
        }
    };
    view! {
        <div class="doc-search" role="search">
            <input type="search" data-doc-search="" placeholder="在全文中查找 · Find in the text"
                aria-label="在全文中查找 · Find in the text"
                title="回车：下一个；Shift+回车：上一个 · Enter: next; Shift+Enter: previous"
                prop:value=move || query.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    query.set(text.clone());
                    search(text);
                }
                on:keydown=on_key/>
            <span class="count" data-doc-search-count="" aria-live="polite">{count}</span>
        </div>
    }
}

/// Whether a document is long enough to be rendered by windows.
pub fn is_long(doc: &Document) -> bool {
    doc.blocks.len() > LONG_DOCUMENT
}
