use serde_json::{json, Value};

use super::*;

fn instance(series: &str, number: i32, sop: &str, z: Option<f64>) -> Value {
    let mut object = json!({
        "0020000D": {"vr": "UI", "Value": ["1.2.3"]},
        "0020000E": {"vr": "UI", "Value": [series]},
        "00080018": {"vr": "UI", "Value": [sop]},
        "00080060": {"vr": "CS", "Value": ["CT"]},
        "00200011": {"vr": "IS", "Value": [if series == "1.2.3.2" { 2 } else { 1 }]},
        "00200013": {"vr": "IS", "Value": [number]},
        "00280010": {"vr": "US", "Value": [512]},
        "00280011": {"vr": "US", "Value": [512]},
        "00280100": {"vr": "US", "Value": [16]},
        "00281050": {"vr": "DS", "Value": [40, -600]},
        "00281051": {"vr": "DS", "Value": [400, 1500]},
        "00281055": {"vr": "LO", "Value": ["SOFT", "LUNG"]},
        "00200037": {"vr": "DS", "Value": [1, 0, 0, 0, 1, 0]}
    });
    if let Some(z) = z {
        object["00200032"] = json!({"vr": "DS", "Value": [0, 0, z]});
    }
    object
}

fn url(text: &str) -> url::Url {
    url::Url::parse(text).unwrap()
}

#[test]
fn groups_series_and_sorts_instances_by_position() {
    let json = Value::Array(vec![
        instance("1.2.3.2", 1, "9.2", Some(0.0)),
        instance("1.2.3.1", 3, "9.13", Some(-20.0)),
        instance("1.2.3.1", 1, "9.11", Some(0.0)),
        instance("1.2.3.1", 2, "9.12", Some(-10.0)),
    ]);
    let layout =
        StudyLayout::from_metadata(&url("http://h/dicomweb/studies/1.2.3/metadata"), &json)
            .unwrap();
    assert_eq!(layout.study_url.as_str(), "http://h/dicomweb/studies/1.2.3");
    assert_eq!(layout.series.len(), 2);
    assert_eq!(layout.series[0].series_uid, "1.2.3.1");
    let order: Vec<_> = layout.series[0]
        .instances
        .iter()
        .map(|i| i.sop_instance_uid.as_str())
        .collect();
    assert_eq!(
        order,
        ["9.11", "9.12", "9.13"],
        "by position, starting where Instance Number 1 lies (the top, against the normal)"
    );
    assert_eq!(layout.instance_count(), 4);
    assert_eq!(layout.decoded_bytes(), 4 * 512 * 512 * 2);
    let presets = &layout.series[0].window_presets;
    assert_eq!(presets.len(), 2);
    assert_eq!(presets[1].label.as_deref(), Some("LUNG"));
    assert_eq!(presets[1].center, -600.0);
}

fn order_of(json: Vec<Value>) -> Vec<String> {
    let layout = StudyLayout::from_metadata(
        &url("http://h/dicomweb/studies/1.2.3/metadata"),
        &Value::Array(json),
    )
    .unwrap();
    layout.series[0]
        .instances
        .iter()
        .map(|i| i.sop_instance_uid.clone())
        .collect()
}

#[test]
fn a_stack_numbered_along_the_normal_goes_along_it() {
    let order = order_of(vec![
        instance("1.2.3.1", 3, "9.3", Some(20.0)),
        instance("1.2.3.1", 1, "9.1", Some(0.0)),
        instance("1.2.3.1", 2, "9.2", Some(10.0)),
    ]);
    assert_eq!(order, ["9.1", "9.2", "9.3"]);
}

#[test]
fn position_decides_the_order_and_instance_number_only_its_direction() {
    // Numbered out of step with the positions in the middle: the geometry wins, and the
    // stack still starts at number 1's end.
    let order = order_of(vec![
        instance("1.2.3.1", 2, "9.2", Some(-20.0)),
        instance("1.2.3.1", 1, "9.1", Some(0.0)),
        instance("1.2.3.1", 3, "9.3", Some(-10.0)),
        instance("1.2.3.1", 4, "9.4", Some(-30.0)),
    ]);
    assert_eq!(order, ["9.1", "9.3", "9.2", "9.4"]);
}

#[test]
fn slices_at_one_position_keep_instance_number_order_whichever_way_the_stack_runs() {
    let order = order_of(vec![
        instance("1.2.3.1", 4, "9.4", Some(-10.0)),
        instance("1.2.3.1", 3, "9.3", Some(-10.0)),
        instance("1.2.3.1", 2, "9.2", Some(0.0)),
        instance("1.2.3.1", 1, "9.1", Some(0.0)),
    ]);
    assert_eq!(order, ["9.1", "9.2", "9.3", "9.4"]);
}

#[test]
fn falls_back_to_instance_number_without_positions() {
    let json = Value::Array(vec![
        instance("1.2.3.1", 2, "9.2", None),
        instance("1.2.3.1", 1, "9.1", Some(5.0)),
        instance("1.2.3.1", 3, "9.3", None),
    ]);
    let layout = StudyLayout::from_metadata(
        &url("http://h/w/studies/1.2.3/series/1.2.3.1/metadata"),
        &json,
    )
    .unwrap();
    assert_eq!(layout.study_url.path(), "/w/studies/1.2.3");
    let numbers: Vec<_> = layout.series[0]
        .instances
        .iter()
        .map(|i| i.instance_number)
        .collect();
    assert_eq!(numbers, [Some(1), Some(2), Some(3)]);
}

#[test]
fn refuses_metadata_that_cannot_be_laid_out() {
    let metadata_url = url("http://h/w/studies/1.2.3/metadata");
    for bad in [
        json!({}),
        json!([]),
        json!([{"00080018": {"vr": "UI", "Value": ["1"]}}]),
    ] {
        assert!(
            StudyLayout::from_metadata(&metadata_url, &bad).is_err(),
            "{bad}"
        );
    }
    let json = Value::Array(vec![instance("1.2.3.1", 1, "9.1", None)]);
    let other_study = url("http://h/w/studies/7.7.7/metadata");
    assert!(StudyLayout::from_metadata(&other_study, &json).is_err());
    assert!(StudyLayout::from_metadata(&url("http://h/w/studies/1.2.3"), &json).is_err());
}

#[test]
fn decoded_size_counts_frames_and_samples() {
    let mut object = instance("1.2.3.1", 1, "9.1", None);
    object["00280008"] = json!({"vr": "IS", "Value": ["10"]});
    object["00280002"] = json!({"vr": "US", "Value": [3]});
    object["00280100"] = json!({"vr": "US", "Value": [8]});
    let layout =
        StudyLayout::from_metadata(&url("http://h/w/studies/1.2.3/metadata"), &json!([object]))
            .unwrap();
    assert_eq!(layout.decoded_bytes(), 512 * 512 * 10 * 3);
}

#[test]
fn reads_the_patient_module_and_frame_of_reference() {
    let mut object = instance("1.2.3.1", 1, "9.11", Some(0.0));
    object["00100010"] = json!({"vr": "PN", "Value": [{"Alphabetic": "TRAINING^ALEX"}]});
    object["00100020"] = json!({"vr": "LO", "Value": ["9912003888"]});
    object["00100030"] = json!({"vr": "DA", "Value": ["19580214"]});
    object["00100040"] = json!({"vr": "CS", "Value": ["F"]});
    object["00200052"] = json!({"vr": "UI", "Value": ["1.2.3.0"]});
    let bare = instance("1.2.3.1", 2, "9.12", Some(-1.0));
    let layout = StudyLayout::from_metadata(
        &url("http://h/dicomweb/studies/1.2.3/metadata"),
        &Value::Array(vec![object, bare]),
    )
    .unwrap();
    let named = layout.series[0]
        .instances
        .iter()
        .find(|i| i.sop_instance_uid == "9.11")
        .unwrap();
    assert_eq!(
        named.patient,
        PatientIdentity {
            patient_id: Some("9912003888".into()),
            issuer: None,
            other_ids: Vec::new(),
            name: Some("TRAINING^ALEX".into()),
            birth_date: Some("19580214".into()),
            sex: Some("F".into()),
        }
    );
    assert_eq!(named.frame_of_reference.as_deref(), Some("1.2.3.0"));
    let bare = layout.series[0]
        .instances
        .iter()
        .find(|i| i.sop_instance_uid == "9.12")
        .unwrap();
    assert_eq!(bare.patient, PatientIdentity::default());
    assert_eq!(bare.frame_of_reference, None);
}

#[test]
fn spacing_says_whether_it_measures_in_the_patient_or_at_the_detector() {
    use super::{spacing_of, SpacingSource};
    let ds = |values: &[f64]| serde_json::json!({ "vr": "DS", "Value": values });
    let cs = |value: &str| serde_json::json!({ "vr": "CS", "Value": [value] });
    let ct = serde_json::json!({ "00280030": ds(&[0.7, 0.7]) });
    assert_eq!(
        spacing_of(&ct),
        (Some([0.7, 0.7]), Some(SpacingSource::PixelSpacing))
    );
    let uncalibrated =
        serde_json::json!({ "00280030": ds(&[0.2, 0.2]), "00181164": ds(&[0.2, 0.2]) });
    assert_eq!(
        spacing_of(&uncalibrated),
        (Some([0.2, 0.2]), Some(SpacingSource::ImagerPixelSpacing))
    );
    let calibrated = serde_json::json!({
        "00280030": ds(&[0.2, 0.2]),
        "00181164": ds(&[0.2, 0.2]),
        "00280A02": cs("GEOMETRY"),
    });
    assert_eq!(spacing_of(&calibrated).1, Some(SpacingSource::PixelSpacing));
    let magnified =
        serde_json::json!({ "00280030": ds(&[0.18, 0.18]), "00181164": ds(&[0.2, 0.2]) });
    assert_eq!(
        spacing_of(&magnified),
        (Some([0.18, 0.18]), Some(SpacingSource::PixelSpacing))
    );
    let detector_only = serde_json::json!({ "00181164": ds(&[0.15, 0.15]) });
    assert_eq!(
        spacing_of(&detector_only),
        (Some([0.15, 0.15]), Some(SpacingSource::ImagerPixelSpacing))
    );
    let nonsense = serde_json::json!({ "00280030": ds(&[0.0, 0.5]) });
    assert_eq!(spacing_of(&nonsense), (None, None));
}
