//! The built-in speech the build wrote into the page
//! (`annotator_core::prerender`): its key terms are read before the app
//! mounts, and once the app's own view is in place the prerendered one is
//! removed in the same task (so no frame shows both, or neither) and the
//! clicks and keys that came first are replayed (`early.js`).

use std::cell::RefCell;

use annotator_core::prerender::{ANALYSIS_ID, ROOT_ID};
use annotator_core::terms::Analysis;
use wasm_bindgen::JsCast;

thread_local! {
    /// The prerendered speech's fingerprint and key terms (default settings).
    static PRERENDERED: RefCell<Option<(String, Analysis)>> = const { RefCell::new(None) };
}

/// Reads the key terms the build computed for the built-in speech, if the
/// page carries them and they can be read (if not, the worker computes
/// them as for any document).
pub fn read() {
    let Some(el) = leptos::prelude::document().get_element_by_id(ANALYSIS_ID) else {
        return;
    };
    let fingerprint = el.get_attribute("data-fingerprint").unwrap_or_default();
    let text = el.text_content().unwrap_or_default();
    if let Ok(analysis) = serde_json::from_str::<Analysis>(&text) {
        PRERENDERED.with(|p| *p.borrow_mut() = Some((fingerprint, analysis)));
    }
}

/// The build's key terms, if `fingerprint` is the prerendered speech's.
/// They hold for the default term settings and no user words only; the
/// caller checks that.
pub fn analysis_for(fingerprint: &str) -> Option<Analysis> {
    PRERENDERED.with(|p| {
        p.borrow()
            .as_ref()
            .filter(|(fp, _)| fp == fingerprint)
            .map(|(_, a)| a.clone())
    })
}

/// Removes the prerendered page now that the app's is mounted, marks the
/// page live (`<html data-app="live">`) and replays the input that came
/// before.
pub fn hand_over() {
    let document = leptos::prelude::document();
    for id in [ROOT_ID, ANALYSIS_ID] {
        if let Some(el) = document.get_element_by_id(id) {
            el.remove();
        }
    }
    if let Some(root) = document.document_element() {
        let _ = root.remove_attribute("data-prerender");
        let _ = root.remove_attribute("data-prerender-terms");
        let _ = root.set_attribute("data-app", "live");
    }
    let window = leptos::prelude::window();
    if let Ok(replay) = js_sys::Reflect::get(&window, &"annotatorReplayEarlyInput".into()) {
        if let Some(replay) = replay.dyn_ref::<js_sys::Function>() {
            let _ = replay.call0(&window);
        }
    }
}
