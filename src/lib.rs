//! The browser shell of the speech annotator: Leptos components wired to the
//! pure core in `annotator-core`. Browser-only code (storage, files,
//! downloads, the key-term worker) sits in `storage`, `files` and
//! `terms_worker`.

pub mod app;
pub mod files;
pub mod large_store;
pub mod prerendered;
pub mod state;
pub mod storage;
pub mod sync;
pub mod terms_worker;
pub mod view;

/// Mounts the annotator on the page's body, taking over the built-in
/// speech the build wrote there (`prerendered`).
pub fn start() {
    console_error_panic_hook::set_once();
    prerendered::read();
    // Document texts live in IndexedDB, read into memory before the app
    // starts (the prerendered speech shows meanwhile). A database that does
    // not answer within a few seconds (blocked by another tab, a broken
    // profile) does not keep the page from starting: it starts without it,
    // texts read from localStorage, and the library says IndexedDB is not
    // in use.
    let mounted = std::rc::Rc::new(std::cell::Cell::new(false));
    let mount = {
        let mounted = mounted.clone();
        move |store: large_store::LargeStore| {
            if mounted.replace(true) {
                return;
            }
            state::set_large_store(store.clone());
            leptos::mount::mount_to_body(app::App);
            prerendered::hand_over();
            // Texts an older version left in localStorage move over after the
            // page is up (read from there meanwhile), and only into the store
            // the app runs on.
            wasm_bindgen_futures::spawn_local(async move { store.move_from_local_storage().await });
        }
    };
    let late = mount.clone();
    leptos::prelude::set_timeout(
        move || {
            late(large_store::LargeStore::unavailable(
                "IndexedDB did not answer within 5 s",
            ))
        },
        std::time::Duration::from_secs(5),
    );
    wasm_bindgen_futures::spawn_local(async move {
        mount(large_store::LargeStore::open().await);
    });
}
