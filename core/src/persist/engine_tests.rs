//! Tests of loading and saving through a `KeyValue`.

use super::*;
use crate::store::Command;
use crate::store::{AnnotationSet, SetKind, TagOrigin};
use crate::test_support::Mem;

#[test]
fn saving_the_library_merges_another_tabs_list_and_backs_up_a_bad_one() {
    use crate::library::{self, tests::entry, Library};
    let mut kv = Mem::default();
    let mut other = Library::default();
    other.upsert(entry("b"));
    library::save_library(&mut kv, &mut other, 5).unwrap();
    let mut ours = Library::default();
    ours.upsert(entry("a"));
    let saved = library::save_library(&mut kv, &mut ours, 6).unwrap();
    assert!(
        saved.merged && ours.get("b").is_some(),
        "the other tab's document is kept"
    );
    kv.set(&library::library_key(), "{broken").unwrap();
    let saved = library::save_library(&mut kv, &mut ours, 7).unwrap();
    let backup = saved.recovery.and_then(|r| r.backup_key).expect("backed up first");
    assert_eq!(kv.get(&backup).unwrap().as_deref(), Some("{broken"));
    let stored = library::decode_library(&kv.get(&library::library_key()).unwrap().unwrap());
    assert_eq!(stored.value.unwrap().entries.len(), 2);
}

#[test]
fn an_unreadable_setting_is_backed_up_once_and_replaced() {
    let mut kv = Mem::default();
    let key = format!("{PREFIX}settings");
    kv.set(&key, "{not json").unwrap();
    let decode = |raw: &str| decode_profile(raw);
    let mut recoveries = Vec::new();
    let got = load_value(&mut kv, &key, decode, encode_profile, 7, &mut recoveries);
    assert!(got.is_none());
    assert_eq!(recoveries.len(), 1);
    let backup = recoveries[0].backup_key.clone().expect("backed up");
    assert_eq!(
        kv.get(&backup).unwrap().as_deref(),
        Some("{not json"),
        "kept byte for byte"
    );
    assert_eq!(kv.get(&key).unwrap(), None, "the original gave way");
    // the next start finds nothing to back up
    let mut again = Vec::new();
    assert!(load_value(&mut kv, &key, decode, encode_profile, 8, &mut again).is_none());
    assert!(again.is_empty());
    assert_eq!(key_label(&format!("{PREFIX}library")).0, "library");
    assert_eq!(key_label(&format!("{PREFIX}terms:abc")).0, "terms");
}

fn profile() -> Profile {
    Profile {
        coder_id: "c-1".into(),
        name: "Me".into(),
        color: "#222222".into(),
    }
}

fn tag(set: &str, block: &str) -> Command {
    Command::Tag {
        set: set.into(),
        block: block.into(),
        theme: "trade".into(),
        present: true,
        how: TagOrigin::Hand,
        at: 0,
    }
}

#[test]
fn a_fresh_browser_gets_a_profile_and_an_empty_store() {
    let mut kv = Mem::default();
    let l = load(&mut kv, "fp", "tab", profile(), 1);
    assert!(l.recoveries.is_empty());
    assert!(l.store.sets.contains_key("c-1"));
    assert!(kv.map.contains_key(&profile_key()));
}

#[test]
fn saved_work_comes_back() {
    let mut kv = Mem::default();
    let mut l = load(&mut kv, "fp", "tab", profile(), 1);
    l.store.apply(tag("c-1", "p1")).unwrap();
    save(&mut kv, &mut l.store, "fp", 3).unwrap();
    let again = load(&mut kv, "fp", "tab2", profile(), 2);
    assert_eq!(again.store.themes_of("c-1", "p1"), ["trade"]);
}

#[test]
fn garbage_is_backed_up_never_deleted() {
    let mut kv = Mem::default();
    kv.map.insert(annotations_key("fp"), "{garbage".into());
    kv.map.insert(view_key("fp"), "[]".into());
    let l = load(&mut kv, "fp", "tab", profile(), 42);
    assert_eq!(l.recoveries.len(), 2);
    let r = &l.recoveries[0];
    assert_eq!(
        r.backup_key.as_deref(),
        Some(backup_key(&annotations_key("fp"), 42).as_str())
    );
    assert_eq!(kv.map[r.backup_key.as_ref().unwrap()], "{garbage");
    assert!(l.store.sets.contains_key("c-1"), "the app starts with a fresh store");
}

#[test]
fn a_future_version_is_kept_aside() {
    let mut kv = Mem::default();
    let future = encode_store(
        &Store::new("x", &AnnotationSet::new("c-1", "Me", "#222222", SetKind::Coder)),
        "fp",
    )
    .replace("\"version\":1", "\"version\":99");
    kv.map.insert(annotations_key("fp"), future.clone());
    let l = load(&mut kv, "fp", "tab", profile(), 5);
    assert_eq!(l.recoveries[0].problems, vec![Problem::FutureVersion(99)]);
    assert_eq!(kv.map[&backup_key(&annotations_key("fp"), 5)], future);
}

#[test]
fn when_even_the_backup_fails_the_raw_value_is_returned() {
    let mut kv = Mem {
        quota: Some(10),
        ..Default::default()
    };
    kv.map.insert(annotations_key("fp"), "not json at all".into());
    let l = load(&mut kv, "fp", "tab", profile(), 1);
    let r = l.recoveries.iter().find(|r| r.key == annotations_key("fp")).unwrap();
    assert_eq!(r.backup_key, None);
    assert_eq!(r.raw, "not json at all");
}

#[test]
fn a_full_storage_is_reported_and_work_stays_in_memory() {
    let mut kv = Mem::default();
    let mut l = load(&mut kv, "fp", "tab", profile(), 1);
    kv.quota = Some(0);
    l.store.apply(tag("c-1", "p1")).unwrap();
    assert_eq!(save(&mut kv, &mut l.store, "fp", 3), Err(StorageFailure::Full));
    assert_eq!(l.store.themes_of("c-1", "p1"), ["trade"]);
    let mut disabled = Mem {
        disabled: true,
        ..Default::default()
    };
    let l = load(&mut disabled, "fp", "tab", profile(), 1);
    assert_eq!(l.failure, Some(StorageFailure::Unavailable));
}

#[test]
fn a_save_never_overwrites_an_unreadable_value_without_a_backup() {
    let mut kv = Mem::default();
    let mut l = load(&mut kv, "fp", "tab", profile(), 1);
    kv.map.insert(annotations_key("fp"), "written by something else".into());
    let saved = save(&mut kv, &mut l.store, "fp", 9).unwrap();
    assert_eq!(
        saved.recovery.unwrap().backup_key,
        Some(backup_key(&annotations_key("fp"), 9))
    );
    assert_eq!(
        kv.map[&backup_key(&annotations_key("fp"), 9)],
        "written by something else"
    );
    // with no room for the backup, the value is left alone
    kv.map.insert(annotations_key("fp"), "again".into());
    let used: usize = kv.map.iter().map(|(k, v)| k.len() + v.len()).sum();
    kv.quota = Some(used);
    assert_eq!(save(&mut kv, &mut l.store, "fp", 10), Err(StorageFailure::Full));
    assert_eq!(kv.map[&annotations_key("fp")], "again");
}

#[test]
fn two_tabs_saving_in_turn_lose_nothing() {
    let mut kv = Mem::default();
    let mut a = load(&mut kv, "fp", "tab-a", profile(), 1).store;
    let mut b = load(&mut kv, "fp", "tab-b", profile(), 1).store;
    a.apply(tag("c-1", "p1")).unwrap();
    b.apply(tag("c-1", "p2")).unwrap();
    save(&mut kv, &mut a, "fp", 3).unwrap();
    assert!(save(&mut kv, &mut b, "fp", 4).unwrap().merged, "b folds in a's tag");
    let stored = load(&mut kv, "fp", "tab-c", profile(), 1).store;
    assert_eq!(stored.themes_of("c-1", "p1"), ["trade"]);
    assert_eq!(stored.themes_of("c-1", "p2"), ["trade"]);
}
