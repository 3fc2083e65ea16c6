//! The browser shell of the speech annotator: Leptos components wired to the
//! pure core in `annotator-core`. Browser-only code (storage, files,
//! downloads) sits in `storage` and `files`.

pub mod app;
pub mod files;
pub mod state;
pub mod storage;
pub mod view;

/// Mounts the annotator on the page's body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

/// Benchmark hooks, called by `bench/page.mjs` through `window.annotatorBindings`:
/// build the segmenter, and cut a text with it, each returning milliseconds.
mod bench {
    use std::cell::RefCell;

    use annotator_core::terms::Segmenter;
    use wasm_bindgen::prelude::wasm_bindgen;

    thread_local! {
        static SEGMENTER: RefCell<Option<Segmenter>> = const { RefCell::new(None) };
    }

    fn now() -> f64 {
        web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
            .unwrap_or(0.0)
    }

    #[wasm_bindgen]
    pub fn bench_load_dictionary() -> f64 {
        let t = now();
        let s = Segmenter::from_dictionary(include_str!("../assets/jieba/dict.txt")).ok();
        let elapsed = now() - t;
        SEGMENTER.with(|c| *c.borrow_mut() = s);
        elapsed
    }

    #[wasm_bindgen]
    pub fn bench_cut(text: &str) -> f64 {
        SEGMENTER.with(|c| {
            let c = c.borrow();
            let Some(s) = c.as_ref() else { return -1.0 };
            let t = now();
            std::hint::black_box(s.cut(text).len());
            now() - t
        })
    }
}
