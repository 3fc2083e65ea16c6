//! The browser shell of the speech annotator: Leptos components wired to the
//! pure core in `annotator-core`. Browser-only code (storage, files,
//! downloads) sits in `storage` and `files`.

mod app;
mod files;
mod state;
mod storage;
mod view;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
