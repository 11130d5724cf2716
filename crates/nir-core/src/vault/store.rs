//! The session store: clinical items keyed by patient, study and name, with a byte budget.
//! Items are shared out as `Arc<SecretBuffer>`, so a wipe forgets them at once here and the
//! bytes are zeroised as soon as the last reader lets go. Every patient key is handed out by
//! [`Vault::open_patient`] and is never handed out again: a put for a patient that is not
//! open — never opened, or wiped since the caller took its key — is refused in the same
//! critical section that would store it, so a fetch that finishes after its patient was
//! closed (or the session locked) cannot leave anything behind.
//!
//! The budget is global: a study's retrieval first takes a [`Reservation`] of what it will
//! need, so two retrievals, the reports and the vault's contents together can never exceed
//! it, and a study that cannot fit is refused before any request is sent. What arrives is
//! then kept against that reservation, and what is left of it is released when it drops.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use zeroize::Zeroize;

use super::{SecretBuffer, VaultError};

/// An opaque handle for one opening of a patient (never the NHS number itself), handed out
/// by [`Vault::open_patient`]; each opening gets a key no other opening shares.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatientKey(u64);

impl fmt::Debug for PatientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PatientKey(..)")
    }
}

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
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    budget: usize,
    used: usize,
    /// Bytes promised to retrievals under way (see [`Reservation`]).
    reserved: usize,
    items: BTreeMap<ItemKey, Arc<SecretBuffer>>,
    /// Patients that may receive items: opened and not wiped since.
    open: BTreeSet<PatientKey>,
    /// The number the next opened patient's key gets.
    next_patient: u64,
}

impl Vault {
    /// An empty vault that will hold at most `budget_bytes`.
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                budget: budget_bytes,
                used: 0,
                reserved: 0,
                items: BTreeMap::new(),
                open: BTreeSet::new(),
                next_patient: 0,
            })),
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

    /// Opens a patient: items may be kept under the returned key until the patient (or the
    /// whole vault) is wiped. The key is new; no earlier or later opening shares it.
    pub fn open_patient(&self) -> PatientKey {
        let mut inner = self.lock();
        let key = PatientKey(inner.next_patient);
        inner.next_patient = inner.next_patient.wrapping_add(1);
        inner.open.insert(key.clone());
        key
    }

    /// Whether items may still be kept for `patient`.
    pub fn is_open(&self, patient: &PatientKey) -> bool {
        self.lock().open.contains(patient)
    }

    /// Reserves between `least` and `wanted` bytes of the budget for a study about to be
    /// retrieved: as much of `wanted` as is free, but never less than `least`. Refused with
    /// [`VaultError::StudyTooLarge`] when not even `least` is free.
    pub fn reserve(&self, least: usize, wanted: usize) -> Result<Reservation, VaultError> {
        let mut inner = self.lock();
        let available = inner.available();
        if least > available {
            return Err(VaultError::StudyTooLarge {
                needed: least,
                available,
                budget: inner.budget,
            });
        }
        let bytes = wanted.max(least).min(available);
        inner.reserved += bytes;
        Ok(Reservation {
            inner: Arc::clone(&self.inner),
            size: bytes,
            remaining: bytes,
        })
    }

    /// Keeps an item against `reservation` (as [`Self::put`] otherwise): its bytes come out
    /// of the reservation first and out of the free budget only for what the reservation
    /// no longer covers.
    pub fn put_reserved(
        &self,
        key: ItemKey,
        bytes: Vec<u8>,
        reservation: &mut Reservation,
    ) -> Result<Arc<SecretBuffer>, VaultError> {
        let mut inner = self.lock();
        let covered = bytes.len().min(reservation.remaining);
        inner.reserved -= covered;
        let outcome = inner.put(key, bytes);
        if outcome.is_ok() {
            reservation.remaining -= covered;
        } else {
            inner.reserved += covered;
        }
        outcome
    }

    /// Keeps an item, replacing any item of the same key. Refused when the item's patient is
    /// not open (never opened, or wiped since its key was taken) or the budget would be
    /// exceeded; a refused item is dropped (and so zeroised) here.
    pub fn put(&self, key: ItemKey, bytes: Vec<u8>) -> Result<Arc<SecretBuffer>, VaultError> {
        self.lock().put(key, bytes)
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

    /// Forgets everything about a patient and closes them: later puts for them are refused.
    pub fn wipe_patient(&self, patient: &PatientKey) -> usize {
        let mut inner = self.lock();
        inner.open.remove(patient);
        inner.remove_where(|key| &key.patient == patient)
    }

    /// Forgets everything and closes every patient.
    pub fn wipe_all(&self) -> usize {
        let mut inner = self.lock();
        inner.open.clear();
        inner.remove_where(|_| true)
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
    /// What neither held items nor reservations take.
    fn available(&self) -> usize {
        self.budget
            .saturating_sub(self.used)
            .saturating_sub(self.reserved)
    }

    fn put(&mut self, key: ItemKey, bytes: Vec<u8>) -> Result<Arc<SecretBuffer>, VaultError> {
        if !self.open.contains(&key.patient) {
            let mut bytes = bytes;
            bytes.zeroize();
            return Err(VaultError::PatientClosed);
        }
        let replaced = self.items.get(&key).map_or(0, |old| old.len());
        self.check_fits(bytes.len().saturating_sub(replaced))?;
        let buffer = Arc::new(SecretBuffer::new(bytes));
        self.used = self.used - replaced + buffer.len();
        self.items.insert(key, Arc::clone(&buffer));
        Ok(buffer)
    }

    fn check_fits(&self, bytes: usize) -> Result<(), VaultError> {
        let available = self.available();
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

/// Bytes of the budget promised to one study's retrieval, from [`Vault::reserve`]. Items kept
/// with [`Vault::put_reserved`] use it up; what is left returns to the budget on drop.
pub struct Reservation {
    inner: Arc<Mutex<Inner>>,
    size: usize,
    remaining: usize,
}

impl Reservation {
    /// How much was reserved.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How much of it is still unused.
    pub fn remaining(&self) -> usize {
        self.remaining
    }
}

impl fmt::Debug for Reservation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Reservation({} of {} bytes left)",
            self.remaining, self.size
        )
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.reserved -= self.remaining;
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

    fn key(patient: &PatientKey, study: Option<&str>, name: &str) -> ItemKey {
        ItemKey {
            patient: patient.clone(),
            study: study.map(StudyKey::new),
            name: name.to_owned(),
        }
    }

    #[test]
    fn refuses_what_exceeds_the_budget_and_keeps_the_rest() {
        let vault = Vault::new(10);
        let p = vault.open_patient();
        vault.put(key(&p, Some("s"), "a"), vec![1; 6]).unwrap();
        let error = vault.put(key(&p, Some("s"), "b"), vec![2; 5]).unwrap_err();
        assert_eq!(
            error,
            VaultError::OverBudget {
                needed: 5,
                available: 4,
                budget: 10
            }
        );
        assert_eq!(
            vault.get(&key(&p, Some("s"), "a")).unwrap().as_bytes(),
            &[1; 6]
        );
        assert_eq!(vault.stats().used_bytes, 6);
    }

    #[test]
    fn a_reservation_holds_the_budget_for_one_study_against_everything_else() {
        let vault = Vault::new(100);
        let p = vault.open_patient();
        let mut first = vault.reserve(50, 60).unwrap();
        assert_eq!(first.size(), 60);
        // A second study that would fit the budget alone does not fit beside the first.
        assert_eq!(
            vault.reserve(50, 50).unwrap_err(),
            VaultError::StudyTooLarge {
                needed: 50,
                available: 40,
                budget: 100
            }
        );
        // Nor does an item kept outside any reservation.
        assert!(vault.put(key(&p, None, "report"), vec![0; 41]).is_err());
        vault
            .put_reserved(key(&p, Some("s"), "a"), vec![1; 45], &mut first)
            .unwrap();
        assert_eq!(first.remaining(), 15);
        assert_eq!(vault.stats().used_bytes, 45);
        // Beyond the reservation, an item comes out of what is free.
        vault
            .put_reserved(key(&p, Some("s"), "b"), vec![2; 20], &mut first)
            .unwrap();
        assert_eq!(first.remaining(), 0);
        assert_eq!(vault.stats().used_bytes, 65);
        drop(first);
        let second = vault.reserve(30, 80).unwrap();
        assert_eq!(
            second.size(),
            35,
            "as much as is free, at least what is needed"
        );
    }

    #[test]
    fn an_unused_reservation_returns_to_the_budget_and_a_refused_put_keeps_it() {
        let vault = Vault::new(100);
        let p = vault.open_patient();
        let mut reservation = vault.reserve(90, 90).unwrap();
        vault.wipe_patient(&p);
        assert_eq!(
            vault
                .put_reserved(key(&p, None, "late"), vec![1; 10], &mut reservation)
                .unwrap_err(),
            VaultError::PatientClosed
        );
        assert_eq!(reservation.remaining(), 90);
        assert!(vault.reserve(20, 20).is_err());
        drop(reservation);
        assert_eq!(vault.reserve(100, 100).unwrap().size(), 100);
    }

    #[test]
    fn replacing_an_item_accounts_for_the_old_size() {
        let vault = Vault::new(10);
        let p = vault.open_patient();
        vault.put(key(&p, None, "a"), vec![1; 8]).unwrap();
        vault.put(key(&p, None, "a"), vec![2; 9]).unwrap();
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
        let (p1, p2) = (vault.open_patient(), vault.open_patient());
        vault.put(key(&p1, Some("s1"), "a"), vec![1; 10]).unwrap();
        vault.put(key(&p1, Some("s2"), "a"), vec![1; 10]).unwrap();
        vault.put(key(&p1, None, "pointer"), vec![1; 10]).unwrap();
        vault.put(key(&p2, Some("s1"), "a"), vec![1; 10]).unwrap();
        assert_eq!(vault.wipe_study(&p1, &StudyKey::new("s1")), 1);
        assert!(vault.get(&key(&p1, Some("s1"), "a")).is_none());
        assert!(vault.get(&key(&p2, Some("s1"), "a")).is_some());
        assert_eq!(vault.wipe_patient(&p1), 2);
        assert_eq!(vault.stats().items, 1);
    }

    #[test]
    fn a_wiped_or_never_opened_patient_takes_nothing() {
        let vault = Vault::new(1000);
        let closed = vault.open_patient();
        let open = vault.open_patient();
        vault
            .put(key(&closed, Some("s"), "a"), vec![1; 10])
            .unwrap();
        // The write began (the key was taken) before the wipe and ends after it.
        let late = key(&closed, Some("s"), "b");
        vault.wipe_patient(&closed);
        assert_eq!(
            vault.put(late, vec![2; 10]).unwrap_err(),
            VaultError::PatientClosed
        );
        assert!(!vault.is_open(&closed));
        assert!(vault.is_open(&open));
        // A new opening never revives an old key.
        let reopened = vault.open_patient();
        assert_ne!(reopened, closed);
        assert_eq!(
            vault.put(key(&closed, None, "c"), vec![3; 1]).unwrap_err(),
            VaultError::PatientClosed
        );
        vault.put(key(&open, None, "d"), vec![4; 1]).unwrap();
        vault.wipe_all();
        assert_eq!(
            vault.put(key(&open, None, "e"), vec![5; 1]).unwrap_err(),
            VaultError::PatientClosed,
            "wiping everything closes every patient"
        );
        assert_eq!(vault.stats().items, 0);
        assert_eq!(vault.stats().used_bytes, 0);
    }

    #[test]
    fn readers_keep_their_copy_alive_until_they_let_go() {
        let vault = Vault::new(100);
        let p = vault.open_patient();
        let held = vault.put(key(&p, None, "a"), vec![7; 4]).unwrap();
        vault.wipe_all();
        assert!(vault.is_empty());
        assert_eq!(held.as_bytes(), &[7; 4]);
    }

    #[test]
    fn keys_do_not_print_identifiers() {
        let vault = Vault::new(1);
        let text = format!("{:?}", key(&vault.open_patient(), Some("1.2.3"), "x"));
        assert!(!text.contains("1.2.3"), "{text}");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(u8, Option<u8>, u8, usize),
        WipeStudy(u8, u8),
        WipePatient(u8),
        Reopen(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..4, proptest::option::of(0u8..3), 0u8..5, 0usize..64)
                .prop_map(|(p, s, n, len)| Op::Put(p, s, n, len)),
            (0u8..4, 0u8..3).prop_map(|(p, s)| Op::WipeStudy(p, s)),
            (0u8..4).prop_map(Op::WipePatient),
            (0u8..4).prop_map(Op::Reopen),
        ]
    }

    /// Four patient slots; a slot's key is replaced when it is reopened.
    fn apply(vault: &Vault, patients: &mut [PatientKey; 4], op: &Op) {
        match op {
            Op::Put(p, s, n, len) => {
                let k = key(
                    &patients[usize::from(*p)],
                    s.map(|s| s.to_string()).as_deref(),
                    &n.to_string(),
                );
                let open = vault.is_open(&k.patient);
                let result = vault.put(k, vec![*n; *len]);
                if !open {
                    assert_eq!(result.err(), Some(VaultError::PatientClosed));
                }
            }
            Op::WipeStudy(p, s) => {
                vault.wipe_study(&patients[usize::from(*p)], &StudyKey::new(s.to_string()));
            }
            Op::WipePatient(p) => {
                vault.wipe_patient(&patients[usize::from(*p)]);
            }
            Op::Reopen(p) => {
                // As the session does on a patient switch: wipe, then open anew.
                vault.wipe_patient(&patients[usize::from(*p)]);
                patients[usize::from(*p)] = vault.open_patient();
            }
        }
    }

    fn opened(vault: &Vault) -> [PatientKey; 4] {
        [(); 4].map(|()| vault.open_patient())
    }

    proptest! {
        #[test]
        fn wipe_all_always_leaves_it_empty(ops in proptest::collection::vec(op(), 0..60)) {
            let vault = Vault::new(512);
            let mut patients = opened(&vault);
            for op in &ops {
                apply(&vault, &mut patients, op);
                prop_assert!(vault.stats().used_bytes <= 512);
            }
            vault.wipe_all();
            prop_assert_eq!(vault.stats(), VaultStats { items: 0, used_bytes: 0, budget_bytes: 512 });
        }

        #[test]
        fn wipe_patient_removes_exactly_that_patient(ops in proptest::collection::vec(op(), 0..60), victim in 0usize..4) {
            let vault = Vault::new(4096);
            let mut patients = opened(&vault);
            for op in &ops {
                apply(&vault, &mut patients, op);
            }
            let before = vault.stats();
            let removed = vault.wipe_patient(&patients[victim]);
            let after = vault.stats();
            prop_assert_eq!(before.items - removed, after.items);
            let mut total = 0;
            for (p, patient) in patients.iter().enumerate() {
                for s in [None, Some(0u8), Some(1), Some(2)] {
                    for n in 0u8..5 {
                        let k = key(patient, s.map(|s| s.to_string()).as_deref(), &n.to_string());
                        let held = vault.get(&k);
                        if p == victim {
                            prop_assert!(held.is_none());
                        }
                        total += held.map_or(0, |b| b.len());
                    }
                }
            }
            prop_assert_eq!(total, after.used_bytes);
        }
    }
}
