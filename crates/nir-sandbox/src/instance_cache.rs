//! The in-memory cache of generated Part-10 instances: each instance is made once per
//! encoding (on a blocking thread, as generation is CPU work) and kept, up to a byte
//! budget beyond which new instances are regenerated on every request instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::dicom_gen::header::InstanceRef;
use super::dicom_gen::{part10, DicomGenError, Encoding};

/// The most bytes the cache keeps.
pub const CACHE_BUDGET_BYTES: usize = 768 * 1024 * 1024;

/// Cache key: SOP Instance UID and encoding.
type Key = (String, Encoding);

/// Cached bytes and their total size.
type Entries = (HashMap<Key, Arc<Vec<u8>>>, usize);

/// Generated instances.
#[derive(Debug, Default)]
pub struct InstanceCache {
    entries: Mutex<Entries>,
}

impl InstanceCache {
    fn lookup(&self, key: &Key) -> Option<Arc<Vec<u8>>> {
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.get(key).cloned()
    }

    fn keep(&self, key: Key, bytes: Arc<Vec<u8>>) {
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if guard.1 + bytes.len() <= CACHE_BUDGET_BYTES && !guard.0.contains_key(&key) {
            guard.1 += bytes.len();
            guard.0.insert(key, bytes);
        }
    }

    /// The instance's Part-10 bytes, generated on first use.
    pub fn get(
        &self,
        at: InstanceRef<'_>,
        encoding: Encoding,
    ) -> Result<Arc<Vec<u8>>, DicomGenError> {
        let key = (at.sop_uid(), encoding);
        if let Some(hit) = self.lookup(&key) {
            return Ok(hit);
        }
        let bytes = Arc::new(part10(at, encoding)?);
        self.keep(key, Arc::clone(&bytes));
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn second_get_returns_the_cached_bytes() {
        let c = Catalogue::build();
        let study = &c.studies[10][2];
        let at = InstanceRef {
            study,
            series: &study.series[0],
            number: 1,
        };
        let cache = InstanceCache::default();
        let first = cache.get(at, Encoding::Stored).unwrap();
        let second = cache.get(at, Encoding::Stored).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        let native = cache.get(at, Encoding::Native).unwrap();
        assert!(!Arc::ptr_eq(&first, &native));
    }
}
