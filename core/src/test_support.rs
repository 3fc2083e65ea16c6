//! Fixtures shared by the native tests: in-memory storage like a browser's
//! (with a quota, or disabled), shared by several "tabs".

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::persist::{KeyValue, StorageFailure};

/// In-memory storage with a quota, like a browser's.
#[derive(Default, Clone)]
pub struct Mem {
    pub map: HashMap<String, String>,
    /// Bytes of keys and values allowed, `None` for no limit.
    pub quota: Option<usize>,
    /// Every call fails as when the browser disables storage.
    pub disabled: bool,
}

impl KeyValue for Mem {
    fn get(&self, key: &str) -> Result<Option<String>, StorageFailure> {
        if self.disabled {
            return Err(StorageFailure::Unavailable);
        }
        Ok(self.map.get(key).cloned())
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure> {
        if self.disabled {
            return Err(StorageFailure::Unavailable);
        }
        let used: usize = self
            .map
            .iter()
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        if self.quota.is_some_and(|q| used + key.len() + value.len() > q) {
            return Err(StorageFailure::Full);
        }
        self.map.insert(key.into(), value.into());
        Ok(())
    }
    fn remove(&mut self, key: &str) -> Result<(), StorageFailure> {
        self.map.remove(key);
        Ok(())
    }
}

/// One storage seen by several tabs of one browser.
#[derive(Default, Clone)]
pub struct Shared(pub Rc<RefCell<Mem>>);

impl KeyValue for Shared {
    fn get(&self, key: &str) -> Result<Option<String>, StorageFailure> {
        self.0.borrow().get(key)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure> {
        self.0.borrow_mut().set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), StorageFailure> {
        self.0.borrow_mut().remove(key)
    }
}
