//! Two stores behind one [`KeyValue`]: the small, synchronous one
//! (`localStorage`, about 5 Mi UTF-16 units an origin) for views, settings
//! and the profile, and a large one (IndexedDB in the browser, hundreds of
//! megabytes) for what outgrows it or must not wait:
//! - document texts, most of a study's bytes (500 speeches of 10,000
//!   characters are about 10 MB as UTF-16), which never change once stored
//!   (their key is their fingerprint);
//! - annotations. A study's annotations are megabytes too (500 speeches
//!   × 3 coders: about 2.4 Mi UTF-16 units), and measurement showed that
//!   writing that much to localStorage makes Chromium defer its later
//!   commits to disk by minutes (it rate-limits localStorage commits by
//!   bytes and count an hour), so tags made after a big import were lost
//!   when the browser was killed. An IndexedDB transaction is on disk when
//!   it completes, whatever was written before;
//! - the library index, for the same reason: a study's index is hundreds
//!   of kilobytes, and killed with its commit deferred, the browser came
//!   back without the documents just imported.
//!
//! `early.js` reads localStorage before the page is parsed and cannot wait
//! for IndexedDB: what it needs of the library and annotations is kept in
//! a small key of its own ([`start_hints`]).
//!
//! [`tier_of`] decides where a key lives; [`Tiered`] routes each call, and
//! on reading a large-tier key falls back to the small store, where texts
//! stored before this split (or when the large store refused one) are
//! found. Envelopes, backups and merges are the same in both: the engine
//! sees one `KeyValue`.

use super::{KeyValue, StorageFailure, PREFIX};

/// How a backup key starts (`codec::backup_key`: `…backup:<ms>:<original key>`).
const BACKUP: &str = "speech-annotator:backup:";

/// Which store a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The small synchronous store: views, settings, the profile, the
    /// start hints.
    Small,
    /// The large store: document texts (`{PREFIX}doc:<fingerprint>`),
    /// annotations (`{PREFIX}annotations:<fingerprint>`), the library index
    /// (`{PREFIX}library`) and backups of them.
    Large,
}

/// The tier of a storage key: document texts, annotations, the library
/// index and their backups go to the large store, every other key to the
/// small one.
pub fn tier_of(key: &str) -> Tier {
    // A backup goes where its original goes.
    let key = match key.strip_prefix(BACKUP).and_then(|rest| rest.split_once(':')) {
        Some((_, original)) => original,
        None => key,
    };
    match key.strip_prefix(PREFIX) {
        Some(rest) if rest.starts_with("doc:") || rest.starts_with("annotations:") || rest == "library" => Tier::Large,
        _ => Tier::Small,
    }
}

/// The key of the start hints: what `early.js` needs before the page is
/// parsed, kept in the small store because it reads localStorage only.
pub fn start_hints_key() -> String {
    format!("{PREFIX}start")
}

/// The start hints as stored, JSON `{"current": <fingerprint or null>,
/// "builtinTagged": <bool>}`: the document the library had open (the
/// prerendered built-in speech is hidden if it is another), and whether the
/// built-in speech has annotations stored (its prerendered toggles, all
/// off, would not be the user's).
pub fn start_hints(current: Option<&str>, builtin_tagged: bool) -> String {
    serde_json::json!({ "current": current, "builtinTagged": builtin_tagged }).to_string()
}

/// A small and a large [`KeyValue`] as one, keys routed by [`tier_of`].
///
/// - `get` of a large-tier key reads the large store, then the small one
///   (a value written there before the split, or when the large store was
///   full; the browser's large store lays such values over its own when
///   it opens, as they are the newer);
/// - `set` of a large-tier key writes the large store; if that refuses
///   (full, unavailable), the small store is tried, so the value is kept
///   if it fits anywhere, and the large store's failure is returned only
///   if the small one refuses too. A copy the small store holds is the
///   large store's to remove once its write is durable;
/// - `remove` removes from both.
#[derive(Debug, Default)]
pub struct Tiered<S, L> {
    pub small: S,
    pub large: L,
}

impl<S: KeyValue, L: KeyValue> Tiered<S, L> {
    pub fn new(small: S, large: L) -> Self {
        Tiered { small, large }
    }
}

impl<S: KeyValue, L: KeyValue> KeyValue for Tiered<S, L> {
    fn get(&self, key: &str) -> Result<Option<String>, StorageFailure> {
        match tier_of(key) {
            Tier::Small => self.small.get(key),
            Tier::Large => match self.large.get(key) {
                Ok(Some(v)) => Ok(Some(v)),
                Ok(None) | Err(_) => self.small.get(key),
            },
        }
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure> {
        match tier_of(key) {
            Tier::Small => self.small.set(key, value),
            Tier::Large => match self.large.set(key, value) {
                // An older copy in the small store is left for the large
                // store to remove once its own write is durable (the
                // browser's writes in the background): removed now, a crash
                // before that write would lose both.
                Ok(()) => Ok(()),
                Err(large) => self.small.set(key, value).map_err(|_| large),
            },
        }
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageFailure> {
        let small = self.small.remove(key);
        match tier_of(key) {
            Tier::Small => small,
            Tier::Large => self.large.remove(key).and(small),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::backup_key;
    use crate::test_support::Mem;

    #[test]
    fn texts_and_annotations_go_to_the_large_store_and_the_rest_stays_small() {
        assert_eq!(tier_of(&format!("{PREFIX}doc:abc")), Tier::Large);
        assert_eq!(tier_of(&backup_key(&format!("{PREFIX}doc:abc"), 7)), Tier::Large);
        assert_eq!(tier_of(&backup_key(&format!("{PREFIX}library"), 7)), Tier::Large);
        assert_eq!(tier_of(&format!("{PREFIX}annotations:abc")), Tier::Large);
        assert_eq!(
            tier_of(&backup_key(&format!("{PREFIX}annotations:abc"), 7)),
            Tier::Large
        );
        assert_eq!(tier_of(&format!("{PREFIX}view:abc")), Tier::Small);
        assert_eq!(tier_of(&format!("{PREFIX}profile")), Tier::Small);
        assert_eq!(tier_of(&format!("{PREFIX}library")), Tier::Large);
        assert_eq!(tier_of(&start_hints_key()), Tier::Small);
        assert_eq!(tier_of("doc:abc"), Tier::Small, "not ours");
        let mut kv = Tiered::new(Mem::default(), Mem::default());
        let text = format!("{PREFIX}doc:abc");
        let notes = format!("{PREFIX}view:abc");
        kv.set(&text, "全文").unwrap();
        kv.set(&notes, "{}").unwrap();
        assert_eq!(kv.large.get(&text).unwrap().as_deref(), Some("全文"));
        assert_eq!(kv.small.get(&text).unwrap(), None);
        assert_eq!(kv.small.get(&notes).unwrap().as_deref(), Some("{}"));
        assert_eq!(kv.get(&text).unwrap().as_deref(), Some("全文"));
        kv.remove(&text).unwrap();
        assert_eq!(kv.get(&text).unwrap(), None);
    }

    #[test]
    fn a_value_stored_before_the_split_is_read_and_written_again_to_the_large_store() {
        let notes = format!("{PREFIX}annotations:old");
        let mut small = Mem::default();
        small.set(&notes, "旧").unwrap();
        let mut kv = Tiered::new(small, Mem::default());
        assert_eq!(kv.get(&notes).unwrap().as_deref(), Some("旧"));
        kv.set(&notes, "新").unwrap();
        assert_eq!(kv.large.get(&notes).unwrap().as_deref(), Some("新"));
        assert_eq!(
            kv.get(&notes).unwrap().as_deref(),
            Some("新"),
            "the large store's is read first"
        );
        kv.remove(&notes).unwrap();
        assert_eq!(kv.get(&notes).unwrap(), None, "removed from both");
    }

    #[test]
    fn a_full_large_store_keeps_the_text_in_the_small_one_if_it_fits() {
        let text = format!("{PREFIX}doc:big");
        let mut kv = Tiered::new(
            Mem::default(),
            Mem {
                quota: Some(0),
                ..Mem::default()
            },
        );
        kv.set(&text, "全文").unwrap();
        assert_eq!(kv.get(&text).unwrap().as_deref(), Some("全文"));
        let mut both_full = Tiered::new(
            Mem {
                quota: Some(0),
                ..Mem::default()
            },
            Mem {
                quota: Some(0),
                ..Mem::default()
            },
        );
        assert_eq!(both_full.set(&text, "全文"), Err(StorageFailure::Full));
    }
}
