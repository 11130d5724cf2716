//! The session store: clinical items keyed by patient, study and name, with a byte budget.
//! Items are shared out as `Arc<SecretBuffer>`, so a wipe forgets them at once here and the
//! bytes are zeroised as soon as the last reader lets go.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{SecretBuffer, VaultError};

/// An opaque, session-scoped handle for a patient (never the NHS number itself).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatientKey(String);

/// An opaque handle for a study within a patient.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudyKey(String);

macro_rules! opaque_key {
    ($name:ident) => {
        impl $name {
            /// Wraps a caller-chosen identifier.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(<{} chars>)"), self.0.len())
            }
        }
    };
}
opaque_key!(PatientKey);
opaque_key!(StudyKey);

/// Where an item lives: a patient, optionally a study of theirs, and a name within that.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemKey {
    /// The patient the item belongs to.
    pub patient: PatientKey,
    /// The study, for study content; `None` for patient-level items (pointers, reports).
    pub study: Option<StudyKey>,
    /// The item's name within its study or patient (e.g. a SOP Instance UID).
    pub name: String,
}

/// What the vault holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultStats {
    /// Number of items.
    pub items: usize,
    /// Bytes held.
    pub used_bytes: usize,
    /// The budget.
    pub budget_bytes: usize,
}

/// The in-memory store for everything clinical.
pub struct Vault {
    inner: Mutex<Inner>,
}

struct Inner {
    budget: usize,
    used: usize,
    items: BTreeMap<ItemKey, Arc<SecretBuffer>>,
}

impl Vault {
    /// An empty vault that will hold at most `budget_bytes`.
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                budget: budget_bytes,
                used: 0,
                items: BTreeMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not make the vault unwipeable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks whether `bytes` more would fit, without keeping anything.
    pub fn check_fits(&self, bytes: usize) -> Result<(), VaultError> {
        let inner = self.lock();
        inner.check_fits(bytes)
    }

    /// Keeps an item, replacing any item of the same key.
    pub fn put(&self, key: ItemKey, bytes: Vec<u8>) -> Result<Arc<SecretBuffer>, VaultError> {
        let mut inner = self.lock();
        let replaced = inner.items.get(&key).map_or(0, |old| old.len());
        inner.check_fits(bytes.len().saturating_sub(replaced))?;
        let buffer = Arc::new(SecretBuffer::new(bytes));
        inner.used = inner.used - replaced + buffer.len();
        inner.items.insert(key, Arc::clone(&buffer));
        Ok(buffer)
    }

    /// The item under `key`, if held.
    pub fn get(&self, key: &ItemKey) -> Option<Arc<SecretBuffer>> {
        self.lock().items.get(key).cloned()
    }

    /// Forgets one study of a patient.
    pub fn wipe_study(&self, patient: &PatientKey, study: &StudyKey) -> usize {
        self.lock()
            .remove_where(|key| &key.patient == patient && key.study.as_ref() == Some(study))
    }

    /// Forgets everything about a patient.
    pub fn wipe_patient(&self, patient: &PatientKey) -> usize {
        self.lock().remove_where(|key| &key.patient == patient)
    }

    /// Forgets everything.
    pub fn wipe_all(&self) -> usize {
        self.lock().remove_where(|_| true)
    }

    /// Counts and sizes.
    pub fn stats(&self) -> VaultStats {
        let inner = self.lock();
        VaultStats {
            items: inner.items.len(),
            used_bytes: inner.used,
            budget_bytes: inner.budget,
        }
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.lock().items.is_empty()
    }
}

impl Inner {
    fn check_fits(&self, bytes: usize) -> Result<(), VaultError> {
        let available = self.budget.saturating_sub(self.used);
        if bytes > available {
            return Err(VaultError::OverBudget {
                needed: bytes,
                available,
                budget: self.budget,
            });
        }
        Ok(())
    }

    /// Removes matching items and returns how many went.
    fn remove_where(&mut self, matches: impl Fn(&ItemKey) -> bool) -> usize {
        let before = self.items.len();
        let mut freed = 0;
        self.items.retain(|key, buffer| {
            let keep = !matches(key);
            if !keep {
                freed += buffer.len();
            }
            keep
        });
        self.used -= freed;
        before - self.items.len()
    }
}

impl Drop for Vault {
    fn drop(&mut self) {
        self.wipe_all();
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Vault({:?})", self.stats())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(patient: &str, study: Option<&str>, name: &str) -> ItemKey {
        ItemKey {
            patient: PatientKey::new(patient),
            study: study.map(StudyKey::new),
            name: name.to_owned(),
        }
    }

    #[test]
    fn refuses_what_exceeds_the_budget_and_keeps_the_rest() {
        let vault = Vault::new(10);
        vault.put(key("p", Some("s"), "a"), vec![1; 6]).unwrap();
        let error = vault.put(key("p", Some("s"), "b"), vec![2; 5]).unwrap_err();
        assert_eq!(
            error,
            VaultError::OverBudget {
                needed: 5,
                available: 4,
                budget: 10
            }
        );
        assert_eq!(
            vault.get(&key("p", Some("s"), "a")).unwrap().as_bytes(),
            &[1; 6]
        );
        assert_eq!(vault.stats().used_bytes, 6);
    }

    #[test]
    fn replacing_an_item_accounts_for_the_old_size() {
        let vault = Vault::new(10);
        vault.put(key("p", None, "a"), vec![1; 8]).unwrap();
        vault.put(key("p", None, "a"), vec![2; 9]).unwrap();
        assert_eq!(
            vault.stats(),
            VaultStats {
                items: 1,
                used_bytes: 9,
                budget_bytes: 10
            }
        );
    }

    #[test]
    fn wiping_a_study_leaves_other_studies_and_patients() {
        let vault = Vault::new(1000);
        vault.put(key("p1", Some("s1"), "a"), vec![1; 10]).unwrap();
        vault.put(key("p1", Some("s2"), "a"), vec![1; 10]).unwrap();
        vault.put(key("p1", None, "pointer"), vec![1; 10]).unwrap();
        vault.put(key("p2", Some("s1"), "a"), vec![1; 10]).unwrap();
        assert_eq!(
            vault.wipe_study(&PatientKey::new("p1"), &StudyKey::new("s1")),
            1
        );
        assert!(vault.get(&key("p1", Some("s1"), "a")).is_none());
        assert!(vault.get(&key("p2", Some("s1"), "a")).is_some());
        assert_eq!(vault.wipe_patient(&PatientKey::new("p1")), 2);
        assert_eq!(vault.stats().items, 1);
    }

    #[test]
    fn readers_keep_their_copy_alive_until_they_let_go() {
        let vault = Vault::new(100);
        let held = vault.put(key("p", None, "a"), vec![7; 4]).unwrap();
        vault.wipe_all();
        assert!(vault.is_empty());
        assert_eq!(held.as_bytes(), &[7; 4]);
    }

    #[test]
    fn keys_do_not_print_identifiers() {
        let text = format!("{:?}", key("9912003888", Some("1.2.3"), "x"));
        assert!(!text.contains("9912003888"));
        assert!(!text.contains("1.2.3"));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(u8, Option<u8>, u8, usize),
        WipeStudy(u8, u8),
        WipePatient(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..4, proptest::option::of(0u8..3), 0u8..5, 0usize..64)
                .prop_map(|(p, s, n, len)| Op::Put(p, s, n, len)),
            (0u8..4, 0u8..3).prop_map(|(p, s)| Op::WipeStudy(p, s)),
            (0u8..4).prop_map(Op::WipePatient),
        ]
    }

    fn apply(vault: &Vault, op: &Op) {
        match op {
            Op::Put(p, s, n, len) => {
                let k = key(
                    &p.to_string(),
                    s.map(|s| s.to_string()).as_deref(),
                    &n.to_string(),
                );
                let _ = vault.put(k, vec![*n; *len]);
            }
            Op::WipeStudy(p, s) => {
                vault.wipe_study(
                    &PatientKey::new(p.to_string()),
                    &StudyKey::new(s.to_string()),
                );
            }
            Op::WipePatient(p) => {
                vault.wipe_patient(&PatientKey::new(p.to_string()));
            }
        }
    }

    proptest! {
        #[test]
        fn wipe_all_always_leaves_it_empty(ops in proptest::collection::vec(op(), 0..60)) {
            let vault = Vault::new(512);
            for op in &ops {
                apply(&vault, op);
                prop_assert!(vault.stats().used_bytes <= 512);
            }
            vault.wipe_all();
            prop_assert_eq!(vault.stats(), VaultStats { items: 0, used_bytes: 0, budget_bytes: 512 });
        }

        #[test]
        fn wipe_patient_removes_exactly_that_patient(ops in proptest::collection::vec(op(), 0..60), victim in 0u8..4) {
            let vault = Vault::new(4096);
            for op in &ops {
                apply(&vault, op);
            }
            let before = vault.stats();
            let removed = vault.wipe_patient(&PatientKey::new(victim.to_string()));
            let after = vault.stats();
            prop_assert_eq!(before.items - removed, after.items);
            for p in 0u8..4 {
                for s in [None, Some(0u8), Some(1), Some(2)] {
                    for n in 0u8..5 {
                        let k = key(&p.to_string(), s.map(|s| s.to_string()).as_deref(), &n.to_string());
                        if p == victim {
                            prop_assert!(vault.get(&k).is_none());
                        }
                    }
                }
            }
            let total: usize = (0u8..4).flat_map(|p| {
                [None, Some(0u8), Some(1), Some(2)].into_iter().flat_map(move |s| (0u8..5).map(move |n| (p, s, n)))
            }).filter_map(|(p, s, n)| vault.get(&key(&p.to_string(), s.map(|s| s.to_string()).as_deref(), &n.to_string())))
              .map(|b| b.len()).sum();
            prop_assert_eq!(total, after.used_bytes);
        }
    }
}
