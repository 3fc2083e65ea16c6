//! The own coder's status on the open document (not started, in progress,
//! done: `[data-doc-status]`, toggled by `[data-mark-done]` or the d key),
//! and the light prompt that asks an unnamed coder for their name
//! (`[data-coder-prompt]`): shown on first use, skippable, shown again at
//! the first export while the name is still the default.

use annotator_core::coders;
use annotator_core::store::{Command, Status};
use leptos::prelude::*;

use crate::state::{AppState, HeldExport, Level};

/// The own coder's status on the open document, and the button that marks
/// it done (or takes that back).
#[component]
pub fn DocStatus() -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = Memo::new(move |_| {
        let own = state.own_set();
        state
            .store
            .with(|s| s.sets.get(&own).map(|set| set.status()).unwrap_or(Status::NotStarted))
    });
    view! {
        <span class="doc-status" data-doc-status=move || status.get().as_str() title="本文档我的编码状态 · My coding status on this document">
            {move || status.get().label()}
        </span>
        <button type="button" data-mark-done="" aria-pressed=move || (status.get() == Status::Done).to_string()
            title="完成后，未标注的段落都算作“无” (d) · Once done, every untagged paragraph counts as absent (d)"
            on:click=move |_| state.toggle_done()>
            {move || if status.get() == Status::Done { "↺ 重新打开 · Reopen" } else { "✓ 标记完成 · Mark done" }}
        </button>
    }
}

/// Asks an unnamed coder for their name: in the side panel, a slim bar
/// that blocks nothing; with `held`, above every panel and dialog while an
/// export waits for the name (it may have been asked for from a dialog).
#[component]
pub fn NamePromptBar(#[prop(optional)] held: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let prompt = state.ask_name;
    let name = RwSignal::new(String::new());
    let unnamed = move || own_unnamed(state);
    let save = move || {
        let n: String = name
            .get_untracked()
            .trim()
            .chars()
            .take(annotator_core::themes::MAX_NAME)
            .collect();
        if n.is_empty() {
            state.notify(Level::Error, "名字不能为空 · A name cannot be empty".into(), None);
            return;
        }
        rename_own(state, n);
        prompt.set(false);
        release_export(state);
    };
    view! {
        <Show when=move || prompt.get() && unnamed() && state.held_export.with(Option::is_some) == held>
            <form class="name-prompt" class:held=held data-coder-prompt="" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label>"你的名字会随导出的文件一起给同事，便于区分编码者 · Your name travels with your exports so colleagues can tell coders apart: "
                    <input type="text" data-coder-prompt-name="" maxlength="40" placeholder="例如 李明 · e.g. Li Ming"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-coder-prompt-save="">"保存 · Save"</button>
                <Show when=move || state.held_export.with(Option::is_some) fallback=move || view! {
                    <button type="button" data-coder-prompt-later="" on:click=move |_| prompt.set(false)>"以后 · Later"</button>
                }>
                    <button type="button" data-coder-prompt-export-unnamed="" on:click=move |_| {
                        state.export_unnamed.set(true);
                        prompt.set(false);
                        release_export(state);
                    }>"不署名导出 · Export without a name"</button>
                </Show>
            </form>
        </Show>
    }
}

/// Renames the own coder: the profile, the own set by one undoable,
/// stamped command (its colour kept), and the own set in every other stored
/// document of the library (`Workspace::rename_coder_everywhere`).
pub fn rename_own(state: AppState, name: String) {
    state.profile.update(|p| p.name = name.clone());
    state.save_profile();
    let own = state.own_set();
    let cmd = state.store.with_untracked(|s| coders::rename(s, &own, &name));
    match cmd {
        Ok(cmd) => {
            state.apply(cmd);
        }
        Err(_) => {
            let color = state.profile.with_untracked(|p| p.color.clone());
            state.apply(Command::SetInfo {
                set: own.clone(),
                name: name.clone(),
                color,
            });
        }
    }
    // The same name in every stored document, so exports and the corpus
    // view call the user one thing (undoing the rename here and renaming
    // again brings the others along).
    state.save_now();
    state.with_ws(|w| w.rename_coder_everywhere(&own, &name, crate::storage::now_ms()));
    crate::sync::local_change(state, None);
    state.report_storage();
}

/// Called before an export that names coders: an unnamed coder is asked
/// (once more) for their name, and the export is held until they give it
/// or choose to export without one (once a session). Returns whether it
/// was held.
pub fn hold_for_name(state: AppState, export: HeldExport) -> bool {
    if state.export_unnamed.get_untracked() || !untrack(|| own_unnamed(state)) {
        return false;
    }
    state.held_export.set(Some(export));
    state.ask_name.set(true);
    state.notify(
        Level::Info,
        "导出前请写下你的名字（或选择不署名导出） · Name yourself before the export goes out (or export without a name)".into(),
        None,
    );
    // The prompt's field takes the keys.
    leptos::prelude::request_animation_frame(|| {
        if let Some(input) = leptos::prelude::document()
            .query_selector("[data-coder-prompt-name]")
            .ok()
            .flatten()
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = input.focus();
        }
    });
    true
}

/// Sends the held export, if any.
fn release_export(state: AppState) {
    match state.held_export.try_update(Option::take).flatten() {
        Some(HeldExport::Annotations(kind)) => state.export_now(kind),
        Some(HeldExport::Reliability) => state.export_reliability_now(),
        None => {}
    }
}

/// Whether the own coder still has the default name (their set's name in
/// the open document, else the profile's). Tracks both.
fn own_unnamed(state: AppState) -> bool {
    let own = state.own_set();
    state.store.with(|s| {
        s.sets
            .get(&own)
            .map(|x| coders::is_unnamed(&x.name))
            .unwrap_or_else(|| state.profile.with(|p| coders::is_unnamed(&p.name)))
    })
}
