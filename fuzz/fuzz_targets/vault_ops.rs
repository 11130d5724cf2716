//! Drives the vault with an arbitrary sequence of puts, gets, wipes and patient openings and
//! checks it against a plain model after every step: the items held, their bytes and the
//! byte accounting must always agree, nothing may exceed the budget, every wipe removes
//! exactly what it names, a put for a patient that is not open (wiped, or a key from an
//! earlier opening) is always refused, and a final wipe of everything leaves the vault
//! empty with every patient closed. Buffers handed out before a wipe keep their bytes until
//! their reader lets go, as the viewer relies on.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use nir_viewer::vault::{ItemKey, PatientKey, SecretBuffer, StudyKey, Vault, VaultError};

/// A small budget, so that refusals happen often.
const BUDGET: usize = 1024;
/// At most this many operations per input, to keep each run short.
const MAX_OPS: usize = 512;

/// How many wiped patient keys are remembered for late puts.
const MAX_STALE: usize = 8;

/// A key drawn from a small space, so that replacements and wipes hit real items: the
/// patient is one of four slots, each holding its current opening.
type ModelKey = (u8, Option<u8>, u8);

/// The four slots' current patient keys, whether each is open, and keys of earlier
/// openings (all closed).
struct Patients {
    keys: [PatientKey; 4],
    open: [bool; 4],
    stale: Vec<PatientKey>,
}

impl Patients {
    fn key(&self, slot: u8) -> &PatientKey {
        &self.keys[usize::from(slot)]
    }

    fn close(&mut self, slot: u8) {
        self.open[usize::from(slot)] = false;
        if self.stale.len() < MAX_STALE {
            self.stale.push(self.key(slot).clone());
        }
    }
}

fn item_key(patients: &Patients, &(patient, study, name): &ModelKey) -> ItemKey {
    ItemKey {
        patient: patients.key(patient).clone(),
        study: study.map(|study| StudyKey::new(format!("study-{study}"))),
        name: format!("item-{name}"),
    }
}

/// Reads one operation from the front of `input`, or `None` when it runs out.
fn next_op(input: &mut &[u8]) -> Option<Op> {
    let (&[tag, a, b, c], rest) = input.split_first_chunk::<4>()? else {
        return None;
    };
    *input = rest;
    let patient = a % 4;
    let study = (b % 4 != 3).then_some(b % 4);
    Some(match tag % 6 {
        0 | 1 => Op::Put {
            key: (patient, study, c % 6),
            // Up to 400 bytes, filled with a pattern that tells items apart.
            len: usize::from(c) * 400 / 255,
            // A write that began for an earlier opening and ends now.
            late: b & 0x80 != 0,
        },
        2 => Op::GetAndHold((patient, study, c % 6)),
        3 => Op::WipeStudy(patient, b % 3),
        4 => Op::WipePatient(patient),
        _ => Op::Reopen(patient),
    })
}

#[derive(Debug)]
enum Op {
    Put { key: ModelKey, len: usize, late: bool },
    GetAndHold(ModelKey),
    WipeStudy(u8, u8),
    WipePatient(u8),
    /// Wipes the slot's patient and opens it anew, as a patient switch does.
    Reopen(u8),
}

fn fill(key: &ModelKey, len: usize) -> Vec<u8> {
    let seed = key.0 ^ key.1.unwrap_or(0xF0) ^ key.2.rotate_left(3);
    (0..len).map(|i| seed.wrapping_add(i as u8)).collect()
}

fn check_matches_model(vault: &Vault, patients: &Patients, model: &BTreeMap<ModelKey, Vec<u8>>) {
    let stats = vault.stats();
    assert_eq!(stats.items, model.len(), "item count differs from the model");
    let model_bytes: usize = model.values().map(Vec::len).sum();
    assert_eq!(stats.used_bytes, model_bytes, "byte count differs from the model");
    assert!(stats.used_bytes <= BUDGET, "over budget");
    for (key, bytes) in model {
        let held = vault
            .get(&item_key(patients, key))
            .expect("an item the model holds is missing");
        assert_eq!(held.as_bytes(), bytes.as_slice(), "an item's bytes changed");
    }
}

fuzz_target!(|data: &[u8]| {
    let vault = Vault::new(BUDGET);
    let mut patients = Patients {
        keys: [(); 4].map(|()| vault.open_patient()),
        open: [true; 4],
        stale: Vec::new(),
    };
    let mut model: BTreeMap<ModelKey, Vec<u8>> = BTreeMap::new();
    // Buffers a reader still holds, with the bytes they must still show.
    let mut held: Vec<(Arc<SecretBuffer>, Vec<u8>)> = Vec::new();
    let mut input = data;

    for _ in 0..MAX_OPS {
        let Some(op) = next_op(&mut input) else { break };
        match op {
            Op::Put { key, len, late } => {
                let bytes = fill(&key, len);
                if late && !patients.stale.is_empty() {
                    let old = &patients.stale[usize::from(key.2) % patients.stale.len()];
                    let item = ItemKey { patient: old.clone(), ..item_key(&patients, &key) };
                    assert_eq!(
                        vault.put(item, bytes).err(),
                        Some(VaultError::PatientClosed),
                        "a put for an earlier opening was not refused"
                    );
                } else if !patients.open[usize::from(key.0)] {
                    assert_eq!(
                        vault.put(item_key(&patients, &key), bytes).err(),
                        Some(VaultError::PatientClosed),
                        "a put for a wiped patient was not refused"
                    );
                } else {
                    let used: usize = model.values().map(Vec::len).sum();
                    let replaced = model.get(&key).map_or(0, Vec::len);
                    let fits = used - replaced + len <= BUDGET;
                    match vault.put(item_key(&patients, &key), bytes.clone()) {
                        Ok(_) => {
                            assert!(fits, "a put over budget was accepted");
                            model.insert(key, bytes);
                        }
                        Err(error) => {
                            assert!(matches!(error, VaultError::OverBudget { .. }));
                            assert!(!fits, "a put within budget was refused");
                        }
                    }
                }
            }
            Op::GetAndHold(key) => {
                let got = vault.get(&item_key(&patients, &key));
                assert_eq!(got.is_some(), model.contains_key(&key));
                if let Some(buffer) = got {
                    if held.len() < 8 {
                        let expected = model[&key].clone();
                        held.push((buffer, expected));
                    }
                }
            }
            Op::WipeStudy(patient, study) => {
                let before = model.len();
                model.retain(|&(p, s, _), _| !(p == patient && s == Some(study)));
                let removed = vault.wipe_study(
                    patients.key(patient),
                    &StudyKey::new(format!("study-{study}")),
                );
                assert_eq!(removed, before - model.len(), "a study wipe removed the wrong items");
            }
            Op::WipePatient(patient) | Op::Reopen(patient) => {
                let before = model.len();
                model.retain(|&(p, _, _), _| p != patient);
                let removed = vault.wipe_patient(patients.key(patient));
                assert_eq!(removed, before - model.len(), "a patient wipe removed the wrong items");
                assert!(!vault.is_open(patients.key(patient)), "a wiped patient is still open");
                patients.close(patient);
                if matches!(op, Op::Reopen(_)) {
                    let fresh = vault.open_patient();
                    assert!(
                        !patients.keys.contains(&fresh) && !patients.stale.contains(&fresh),
                        "an opening reused a key"
                    );
                    patients.keys[usize::from(patient)] = fresh;
                    patients.open[usize::from(patient)] = true;
                }
            }
        }
        check_matches_model(&vault, &patients, &model);
        for (buffer, expected) in &held {
            assert_eq!(buffer.as_bytes(), expected.as_slice(), "a held buffer changed");
        }
    }

    let removed = vault.wipe_all();
    assert_eq!(removed, model.len(), "wipe_all removed a different number of items");
    assert!(vault.is_empty(), "wipe_all left items behind");
    assert_eq!(vault.stats().used_bytes, 0, "wipe_all left bytes accounted");
    for key in &patients.keys {
        let item = ItemKey { patient: key.clone(), study: None, name: "after".into() };
        assert_eq!(
            vault.put(item, vec![1]).err(),
            Some(VaultError::PatientClosed),
            "wipe_all left a patient open"
        );
    }
});
