//! The own coder's status on the open document (not started, in progress,
//! done: `[data-doc-status]`, toggled by `[data-mark-done]` or the d key),
//! and the light prompt that asks an unnamed coder for their name
//! (`[data-coder-prompt]`): shown on first use, skippable, shown again at
//! the first export while the name is still the default.

use annotator_core::coders;
use annotator_core::store::{Command, Status};
use leptos::prelude::*;

use crate::state::{AppState, Level};

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

/// Asks an unnamed coder for their name, in a slim bar that blocks nothing.
#[component]
pub fn NamePromptBar() -> impl IntoView {
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
    };
    view! {
        <Show when=move || prompt.get() && unnamed()>
            <form class="name-prompt" data-coder-prompt="" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label>"你的名字会随导出的文件一起给同事，便于区分编码者 · Your name travels with your exports so colleagues can tell coders apart: "
                    <input type="text" data-coder-prompt-name="" maxlength="40" placeholder="例如 李明 · e.g. Li Ming"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-coder-prompt-save="">"保存 · Save"</button>
                <button type="button" data-coder-prompt-later="" on:click=move |_| prompt.set(false)>"以后 · Later"</button>
            </form>
        </Show>
    }
}

/// Renames the own coder: the profile, and the own set by one undoable,
/// stamped command (its colour kept).
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
            state.apply(Command::SetInfo { set: own, name, color });
        }
    }
}

/// Called before an export: an unnamed coder is asked (once more) for
/// their name; the export goes ahead either way.
pub fn ask_before_export(state: AppState) {
    if untrack(|| own_unnamed(state)) {
        state.ask_name.set(true);
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
