//! The browser seam, tested in headless Chromium with wasm-bindgen-test:
//! localStorage through the core's `KeyValue`, quota failures, and the
//! load/save cycle against real storage.
#![cfg(target_arch = "wasm32")]

use annotator_core::persist::{self, KeyValue, Profile, StorageFailure};
use annotator_core::store::{Command, TagOrigin};
use speech_annotator::storage::BrowserStorage;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn clear() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

fn profile() -> Profile {
    Profile {
        coder_id: "c-test".into(),
        name: "Test".into(),
        color: "#123456".into(),
    }
}

#[wasm_bindgen_test]
fn values_round_trip_through_local_storage() {
    clear();
    let mut kv = BrowserStorage::open();
    assert_eq!(kv.get("k").unwrap(), None);
    kv.set("k", "值 value").unwrap();
    assert_eq!(kv.get("k").unwrap().as_deref(), Some("值 value"));
}

#[wasm_bindgen_test]
fn a_full_quota_is_reported_as_full() {
    clear();
    let mut kv = BrowserStorage::open();
    // localStorage holds about 5 MB of UTF-16: 12 MB of ASCII cannot fit.
    let huge = "x".repeat(12 * 1024 * 1024);
    assert_eq!(kv.set("huge", &huge), Err(StorageFailure::Full));
    assert_eq!(kv.get("huge").unwrap(), None);
}

#[wasm_bindgen_test]
fn work_saved_in_one_load_comes_back_in_the_next() {
    clear();
    let mut kv = BrowserStorage::open();
    let mut loaded = persist::load(&mut kv, "fp", "tab-1", profile(), 1);
    loaded
        .store
        .apply(Command::Tag {
            set: "c-test".into(),
            block: "b".into(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 1,
        })
        .unwrap();
    persist::save(&mut kv, &mut loaded.store, "fp", 2).unwrap();
    let again = persist::load(&mut BrowserStorage::open(), "fp", "tab-2", profile(), 2);
    assert_eq!(again.store.themes_of("c-test", "b"), ["trade"]);
    assert!(again.recoveries.is_empty());
}

#[wasm_bindgen_test]
fn garbage_in_storage_is_backed_up() {
    clear();
    let mut kv = BrowserStorage::open();
    kv.set(&persist::annotations_key("fp"), "<html>not ours</html>")
        .unwrap();
    let loaded = persist::load(&mut kv, "fp", "tab", profile(), 7);
    let backup = loaded.recoveries[0].backup_key.clone().unwrap();
    assert_eq!(kv.get(&backup).unwrap().as_deref(), Some("<html>not ours</html>"));
}

#[wasm_bindgen_test]
fn a_sync_url_on_the_pages_origin_is_used_and_another_origin_refused() {
    let own = web_sys::window().unwrap().location().origin().unwrap();
    assert_eq!(
        speech_annotator::sync::server_url("/couchdb/").unwrap(),
        format!("{own}/couchdb")
    );
    let other = speech_annotator::sync::server_url("https://couch.example.org/").unwrap_err();
    assert!(other.message().contains("may connect only to"), "{}", other.message());
    assert!(speech_annotator::sync::server_url("javascript:alert(1)").is_err());
    assert!(speech_annotator::sync::server_url("  ").is_err());
}
