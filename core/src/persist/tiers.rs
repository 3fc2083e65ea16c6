//! Two stores behind one [`KeyValue`]: the small, synchronous one
//! (`localStorage`, about 5 Mi UTF-16 units an origin) for the library
//! index, annotations, views and settings, and a large one (IndexedDB in
//! the browser, hundreds of megabytes) for what outgrows it: document
//! texts, which are most of a study's bytes (500 speeches of 10,000
//! characters are about 10 MB as UTF-16) and never change once stored
//! (their key is their fingerprint).
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
    /// The small synchronous store: everything but document texts.
    Small,
    /// The large store: document texts (`{PREFIX}doc:<fingerprint>`) and
    /// backups of them.
    Large,
}

/// The tier of a storage key: document texts and their backups go to
/// the large store, every other key to the small one.
pub fn tier_of(key: &str) -> Tier {
    // A backup goes where its original goes.
    let key = match key.strip_prefix(BACKUP).and_then(|rest| rest.split_once(':')) {
        Some((_, original)) => original,
        None => key,
    };
    match key.strip_prefix(PREFIX) {
        Some(rest) if rest.starts_with("doc:") => Tier::Large,
        _ => Tier::Small,
    }
}

/// A small and a large [`KeyValue`] as one, keys routed by [`tier_of`].
///
/// - `get` of a large-tier key reads the large store, then the small one
///   (a text written there before the split, or when the large store was
///   full);
/// - `set` of a large-tier key writes the large store; if that refuses
///   (full, unavailable), the small store is tried, so the text is kept if
///   it fits anywhere, and the large store's failure is returned only if
///   the small one refuses too;
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
                Ok(()) => {
                    // An older copy in the small store would only take room.
                    let _ = self.small.remove(key);
                    Ok(())
                }
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
    fn texts_go_to_the_large_store_and_the_rest_stays_small() {
        assert_eq!(tier_of(&format!("{PREFIX}doc:abc")), Tier::Large);
        assert_eq!(tier_of(&backup_key(&format!("{PREFIX}doc:abc"), 7)), Tier::Large);
        assert_eq!(tier_of(&backup_key(&format!("{PREFIX}library"), 7)), Tier::Small);
        assert_eq!(tier_of(&format!("{PREFIX}annotations:abc")), Tier::Small);
        assert_eq!(tier_of(&format!("{PREFIX}library")), Tier::Small);
        assert_eq!(tier_of("doc:abc"), Tier::Small, "not ours");
        let mut kv = Tiered::new(Mem::default(), Mem::default());
        let text = format!("{PREFIX}doc:abc");
        let notes = format!("{PREFIX}annotations:abc");
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
    fn a_text_stored_before_the_split_is_read_and_moves_when_written_again() {
        let text = format!("{PREFIX}doc:old");
        let mut small = Mem::default();
        small.set(&text, "旧文").unwrap();
        let mut kv = Tiered::new(small, Mem::default());
        assert_eq!(kv.get(&text).unwrap().as_deref(), Some("旧文"));
        kv.set(&text, "旧文").unwrap();
        assert_eq!(kv.small.get(&text).unwrap(), None, "moved, not kept twice");
        assert_eq!(kv.large.get(&text).unwrap().as_deref(), Some("旧文"));
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
