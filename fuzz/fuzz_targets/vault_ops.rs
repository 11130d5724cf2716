//! Drives the vault with an arbitrary sequence of puts, gets and wipes and checks it against
//! a plain model after every step: the items held, their bytes and the byte accounting must
//! always agree, nothing may exceed the budget, every wipe removes exactly what it names,
//! and a final wipe of everything always leaves the vault empty. Buffers handed out before
//! a wipe keep their bytes until their reader lets go, as the viewer relies on.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use nir_viewer::vault::{ItemKey, PatientKey, SecretBuffer, StudyKey, Vault};

/// A small budget, so that refusals happen often.
const BUDGET: usize = 1024;
/// At most this many operations per input, to keep each run short.
const MAX_OPS: usize = 512;

/// A key drawn from a small space, so that replacements and wipes hit real items.
type ModelKey = (u8, Option<u8>, u8);

fn item_key(&(patient, study, name): &ModelKey) -> ItemKey {
    ItemKey {
        patient: PatientKey::new(format!("patient-{patient}")),
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
    Some(match tag % 5 {
        0 | 1 => Op::Put {
            key: (patient, study, c % 6),
            // Up to 400 bytes, filled with a pattern that tells items apart.
            len: usize::from(c) * 400 / 255,
        },
        2 => Op::GetAndHold((patient, study, c % 6)),
        3 => Op::WipeStudy(patient, b % 3),
        _ => Op::WipePatient(patient),
    })
}

#[derive(Debug)]
enum Op {
    Put { key: ModelKey, len: usize },
    GetAndHold(ModelKey),
    WipeStudy(u8, u8),
    WipePatient(u8),
}

fn fill(key: &ModelKey, len: usize) -> Vec<u8> {
    let seed = key.0 ^ key.1.unwrap_or(0xF0) ^ key.2.rotate_left(3);
    (0..len).map(|i| seed.wrapping_add(i as u8)).collect()
}

fn check_matches_model(vault: &Vault, model: &BTreeMap<ModelKey, Vec<u8>>) {
    let stats = vault.stats();
    assert_eq!(stats.items, model.len(), "item count differs from the model");
    let model_bytes: usize = model.values().map(Vec::len).sum();
    assert_eq!(stats.used_bytes, model_bytes, "byte count differs from the model");
    assert!(stats.used_bytes <= BUDGET, "over budget");
    for (key, bytes) in model {
        let held = vault.get(&item_key(key)).expect("an item the model holds is missing");
        assert_eq!(held.as_bytes(), bytes.as_slice(), "an item's bytes changed");
    }
}

fuzz_target!(|data: &[u8]| {
    let vault = Vault::new(BUDGET);
    let mut model: BTreeMap<ModelKey, Vec<u8>> = BTreeMap::new();
    // Buffers a reader still holds, with the bytes they must still show.
    let mut held: Vec<(Arc<SecretBuffer>, Vec<u8>)> = Vec::new();
    let mut input = data;

    for _ in 0..MAX_OPS {
        let Some(op) = next_op(&mut input) else { break };
        match op {
            Op::Put { key, len } => {
                let bytes = fill(&key, len);
                let used: usize = model.values().map(Vec::len).sum();
                let replaced = model.get(&key).map_or(0, Vec::len);
                let fits = used - replaced + len <= BUDGET;
                match vault.put(item_key(&key), bytes.clone()) {
                    Ok(_) => {
                        assert!(fits, "a put over budget was accepted");
                        model.insert(key, bytes);
                    }
                    Err(_) => assert!(!fits, "a put within budget was refused"),
                }
            }
            Op::GetAndHold(key) => {
                let got = vault.get(&item_key(&key));
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
                    &PatientKey::new(format!("patient-{patient}")),
                    &StudyKey::new(format!("study-{study}")),
                );
                assert_eq!(removed, before - model.len(), "a study wipe removed the wrong items");
            }
            Op::WipePatient(patient) => {
                let before = model.len();
                model.retain(|&(p, _, _), _| p != patient);
                let removed = vault.wipe_patient(&PatientKey::new(format!("patient-{patient}")));
                assert_eq!(removed, before - model.len(), "a patient wipe removed the wrong items");
            }
        }
        check_matches_model(&vault, &model);
        for (buffer, expected) in &held {
            assert_eq!(buffer.as_bytes(), expected.as_slice(), "a held buffer changed");
        }
    }

    let removed = vault.wipe_all();
    assert_eq!(removed, model.len(), "wipe_all removed a different number of items");
    assert!(vault.is_empty(), "wipe_all left items behind");
    assert_eq!(vault.stats().used_bytes, 0, "wipe_all left bytes accounted");
});
