//! The per-plugin key-value store behind the `kv` host interface: in memory,
//! shared by every instance of one plugin, within its granted quota.

use std::collections::BTreeMap;
use std::sync::Mutex;

use polyplug_bindings::base::polyplug::plugin::kv::{KvError, QuotaUse};

/// One plugin's key-value store.
#[derive(Debug)]
pub struct KvStore {
    quota: u64,
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: BTreeMap<String, Vec<u8>>,
    /// Bytes of keys plus values.
    used: u64,
}

fn size(key: &str, value: &[u8]) -> u64 {
    (key.len() + value.len()) as u64
}

impl KvStore {
    /// An empty store holding at most `quota` bytes of keys plus values.
    pub fn new(quota: u64) -> KvStore {
        KvStore { quota, entries: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.lock().map.get(key).cloned()
    }

    /// Stores `value` under `key`, unless that would exceed the quota.
    pub(crate) fn set(&self, key: String, value: Vec<u8>) -> Result<(), KvError> {
        let mut entries = self.lock();
        let replaced = entries.map.get(&key).map_or(0, |old| size(&key, old));
        let needed = entries.used - replaced + size(&key, &value);
        if needed > self.quota {
            return Err(KvError::QuotaExceeded(QuotaUse { quota: self.quota, used: entries.used, needed }));
        }
        entries.used = needed;
        entries.map.insert(key, value);
        Ok(())
    }

    /// Removes `key`; whether it was there.
    pub fn delete(&self, key: &str) -> bool {
        let mut entries = self.lock();
        match entries.map.remove(key) {
            Some(value) => {
                entries.used -= size(key, &value);
                true
            }
            None => false,
        }
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.lock().map.keys().cloned().collect()
    }

    /// Bytes in use.
    pub fn used(&self) -> u64 {
        self.lock().used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_counts_keys_and_values_and_replacements() {
        let kv = KvStore::new(10);
        kv.set("ab".into(), vec![0; 5]).unwrap();
        assert_eq!(kv.used(), 7);
        // Replacing counts the new size, not both.
        kv.set("ab".into(), vec![0; 8]).unwrap();
        assert_eq!(kv.used(), 10);
        let err = kv.set("c".into(), vec![]).unwrap_err();
        assert!(matches!(err, KvError::QuotaExceeded(QuotaUse { quota: 10, used: 10, needed: 11 })), "{err:?}");
        assert!(kv.delete("ab"));
        assert_eq!(kv.used(), 0);
        kv.set("c".into(), vec![1]).unwrap();
        assert_eq!(kv.keys(), ["c"]);
        assert_eq!(kv.get("c"), Some(vec![1]));
    }
}
