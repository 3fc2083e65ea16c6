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
pub mod terms_worker;
pub mod view;

/// Mounts the annotator on the page's body, taking over the built-in
/// speech the build wrote there (`prerendered`).
pub fn start() {
    console_error_panic_hook::set_once();
    prerendered::read();
    // Document texts live in IndexedDB, read into memory before the app
    // starts (the prerendered speech shows meanwhile).
    wasm_bindgen_futures::spawn_local(async {
        state::set_large_store(large_store::LargeStore::open().await);
        leptos::mount::mount_to_body(app::App);
        prerendered::hand_over();
    });
}
