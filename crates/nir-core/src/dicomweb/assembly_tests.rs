use serde_json::Value;
use zeroize::Zeroizing;

use super::*;
use crate::dicomweb::synthetic::SyntheticInstance;
use crate::nhs_number::NhsNumber;

const NHS: &str = "9912003918";
const STUDY: &str = "2.25.5";

fn slices(count: i32) -> Vec<SyntheticInstance> {
    (1..=count)
        .map(|n| SyntheticInstance::slice(NHS, STUDY, 1, n, 4))
        .collect()
}

fn layout(instances: &[SyntheticInstance]) -> StudyLayout {
    let json = Value::Array(
        instances
            .iter()
            .map(SyntheticInstance::metadata_json)
            .collect(),
    );
    let url = url::Url::parse(&format!("http://127.0.0.1:1/w/studies/{STUDY}/metadata")).unwrap();
    StudyLayout::from_metadata(&url, &json).unwrap()
}

fn part(instance: &SyntheticInstance) -> Part {
    Part {
        headers: Vec::new(),
        body: Zeroizing::new(instance.to_part10().unwrap()),
    }
}

fn expectations() -> Expectations {
    Expectations {
        nhs_number: NhsNumber::parse(NHS).unwrap(),
        study_uid: STUDY.into(),
    }
}

#[test]
fn admits_in_display_order_and_reports_progress() {
    let instances = slices(3);
    let layout = layout(&instances);
    let expectations = expectations();
    let mut assembly = Assembly::new(&layout, &expectations, u64::MAX);
    let mut last = None;
    for instance in instances.iter().rev() {
        last = assembly.accept(part(instance)).unwrap();
    }
    assert_eq!(
        last,
        Some(RetrievalProgress {
            series_uid: "2.25.5.1".into(),
            received: 3,
            quarantined: 0,
            expected: 3
        })
    );
    let study = assembly.finish();
    assert!(!study.is_flagged(), "{:?}", study.warnings);
    let order: Vec<_> = study.series[0]
        .instances
        .iter()
        .map(|i| i.sop_instance_uid.clone())
        .collect();
    let expected: Vec<_> = layout.series[0]
        .instances
        .iter()
        .map(|i| i.sop_instance_uid.clone())
        .collect();
    assert_eq!(order, expected);
}

#[test]
fn identical_repeats_are_ignored_but_conflicting_duplicates_are_quarantined() {
    let instances = slices(2);
    let layout = layout(&instances);
    let expectations = expectations();
    let mut assembly = Assembly::new(&layout, &expectations, u64::MAX);
    assembly.accept(part(&instances[0])).unwrap();
    assert_eq!(assembly.accept(part(&instances[0])).unwrap(), None);
    let mut conflicting = instances[0].clone();
    conflicting.instance_number = 99;
    assembly.accept(part(&conflicting)).unwrap();
    assembly.accept(part(&instances[1])).unwrap();
    let study = assembly.finish();
    assert_eq!(study.instance_count(), 2);
    assert_eq!(study.quarantined.len(), 1);
    assert_eq!(
        study.quarantined[0].reason,
        QuarantineReason::DuplicateSopInstance
    );
    assert_eq!(study.warnings[0].code, "instances-quarantined");
}

#[test]
fn wrong_patient_and_unannounced_instances_are_withheld_and_counts_flagged() {
    let instances = slices(3);
    let layout = layout(&instances);
    let expectations = expectations();
    let mut assembly = Assembly::new(&layout, &expectations, u64::MAX);
    let mut wrong_patient = instances[1].clone();
    wrong_patient.patient_id = "9000000009".into();
    let progress = assembly.accept(part(&wrong_patient)).unwrap().unwrap();
    assert_eq!(progress.quarantined, 1);
    assembly
        .accept(part(&SyntheticInstance::slice(NHS, STUDY, 1, 50, 4)))
        .unwrap();
    assembly.accept(part(&instances[0])).unwrap();
    assembly.accept(part(&instances[2])).unwrap();
    let study = assembly.finish();
    let reasons: Vec<_> = study.quarantined.iter().map(|q| q.reason.clone()).collect();
    assert_eq!(
        reasons,
        [
            QuarantineReason::WrongPatient,
            QuarantineReason::NotInMetadata
        ]
    );
    assert_eq!(study.instance_count(), 2);
    let codes: Vec<_> = study.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, ["instances-quarantined", "series-incomplete"]);
    assert!(study.warnings[1].message.contains("2 of 3"));
}

#[test]
fn refuses_to_hold_more_than_the_budget() {
    let instances = slices(2);
    let layout = layout(&instances);
    let expectations = expectations();
    let one = instances[0].to_part10().unwrap().len() as u64;
    let mut assembly = Assembly::new(&layout, &expectations, one + 10);
    assembly.accept(part(&instances[0])).unwrap();
    let error = assembly.accept(part(&instances[1])).unwrap_err();
    assert!(error.is_over_budget());
}

/// A sink that keeps what it is handed, or refuses everything.
#[derive(Default)]
struct Collecting {
    kept: std::sync::Mutex<Vec<(String, usize)>>,
    bytes: std::sync::Mutex<Vec<(String, Vec<u8>)>>,
    refuse: bool,
}

impl InstanceSink for Collecting {
    fn keep(&self, instance: RetrievedInstance) -> Result<(), DicomWebError> {
        if self.refuse {
            return Err(DicomWebError::Cancelled);
        }
        self.bytes
            .lock()
            .unwrap()
            .push((instance.sop_instance_uid.clone(), instance.bytes.to_vec()));
        self.kept
            .lock()
            .unwrap()
            .push((instance.sop_instance_uid, instance.bytes.len()));
        Ok(())
    }

    fn kept_equals(&self, sop_instance_uid: &str, bytes: &[u8]) -> Option<bool> {
        let kept = self.bytes.lock().unwrap();
        let (_, held) = kept.iter().find(|(sop, _)| sop == sop_instance_uid)?;
        Some(held[..] == *bytes)
    }
}

#[test]
fn writes_admitted_instances_through_to_a_sink_at_once() {
    let instances = slices(2);
    let layout = layout(&instances);
    let expectations = expectations();
    let sink = Collecting::default();
    let mut assembly = Assembly::new(&layout, &expectations, u64::MAX).with_sink(&sink);
    assembly.accept(part(&instances[0])).unwrap();
    assert_eq!(
        sink.kept.lock().unwrap().len(),
        1,
        "handed over on admission"
    );
    // The same bytes again are a repeat, not a second instance.
    assembly.accept(part(&instances[0])).unwrap();
    assembly.accept(part(&instances[1])).unwrap();
    let kept = sink.kept.lock().unwrap().clone();
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|(_, bytes)| *bytes > 0));
    let study = assembly.finish();
    assert_eq!(study.instance_count(), 2);
    assert_eq!(study.bytes(), 0, "the retrieval keeps no second copy");
    assert!(!study.is_flagged(), "{:?}", study.warnings);
}

#[test]
fn a_different_instance_under_a_written_through_uid_is_still_quarantined() {
    let instances = slices(1);
    let layout = layout(&instances);
    let expectations = expectations();
    let sink = Collecting::default();
    let mut assembly = Assembly::new(&layout, &expectations, u64::MAX).with_sink(&sink);
    assembly.accept(part(&instances[0])).unwrap();
    let mut impostor = instances[0].clone();
    impostor.instance_number += 50;
    assembly.accept(part(&impostor)).unwrap();
    let study = assembly.finish();
    assert_eq!(study.quarantined.len(), 1);
    assert_eq!(
        study.quarantined[0].reason,
        QuarantineReason::DuplicateSopInstance
    );
}

#[test]
fn a_sink_that_refuses_ends_the_retrieval() {
    let instances = slices(1);
    let layout = layout(&instances);
    let expectations = expectations();
    let sink = Collecting {
        refuse: true,
        ..Collecting::default()
    };
    let mut assembly = Assembly::new(&layout, &expectations, u64::MAX).with_sink(&sink);
    assert!(matches!(
        assembly.accept(part(&instances[0])),
        Err(DicomWebError::Cancelled)
    ));
}
