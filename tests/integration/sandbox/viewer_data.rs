//! What the rich-history patient offers the viewer's harder paths, fetched over loopback
//! HTTP: a portable chest CR whose VOI LUT Sequence (PS3.3 C.11.2.1.1) the client decodes
//! and draws through in preference to its window, and an outside CT prior in its own
//! Frame of Reference whose table positions sit 500 mm from the current CT's, so only
//! "link by table position" can pair the two; and a Key Object Selection series in the
//! current CT study (PS3.3 A.35.4) flagging three of its slices, listed by QIDO, described
//! by metadata and retrieved like any instance.

use dicom_dictionary_std::tags;
use nir_viewer::imaging::{decode_image, DecodeLimits, FramePixels};
use nir_viewer::sandbox::dicom_gen::voi_table;
use nir_viewer::viewer::to_display_frame;
use serde_json::Value;

use super::harness::*;
use super::RICH;

#[tokio::test]
async fn the_portable_chest_cr_is_drawn_through_its_voi_lut_sequence() {
    let sandbox = Sandbox::start().await;
    let (cr, series) = sandbox.study_of(RICH, "Portable chest").await;
    let (status, parts, _) =
        get_parts(&sandbox.http, &format!("{cr}/series/{series}"), ANY_SYNTAX).await;
    assert_eq!(status, 200);
    assert_eq!(parts.len(), 1);
    let obj = dicom(&parts[0].body);
    let item = obj.element(tags::VOILUT_SEQUENCE).unwrap().items().unwrap()[0].clone();
    assert_eq!(
        item.element(tags::LUT_EXPLANATION)
            .unwrap()
            .to_str()
            .unwrap()
            .trim(),
        voi_table::EXPLANATION
    );
    assert_eq!(
        item.element(tags::LUT_DESCRIPTOR)
            .unwrap()
            .to_multi_int::<u16>()
            .unwrap(),
        vec![4096, 0, 12]
    );
    assert_eq!(string(&obj, tags::WINDOW_CENTER).trim(), "2048");

    let image = decode_image(&parts[0].body, &DecodeLimits::default(), Some(0)).unwrap();
    let frame = &image.frames[0];
    let FramePixels::Grayscale { samples, voi, .. } = &frame.pixels else {
        panic!("a CR is grayscale");
    };
    let table = voi.table.as_ref().expect("the VOI LUT Sequence decoded");
    assert_eq!((table.first_mapped, table.bits), (0, 12));
    let curve: Vec<u32> = voi_table::s_curve().into_iter().map(u32::from).collect();
    assert_eq!(table.entries, curve);
    assert_eq!(voi.presets.len(), 1, "the window is offered too");

    // The default rendering goes through the table (then MONOCHROME1's inversion), not
    // through the window, which would be the identity on this 12-bit range.
    let stored = samples.to_i64();
    let shown = frame.display8();
    let mut off_the_window = 0;
    for (&x, &y) in stored.iter().zip(&shown) {
        let through_table = 255.0 - f64::from(curve[x as usize]) / 4095.0 * 255.0;
        assert_eq!(f64::from(y), through_table.round(), "stored {x}");
        let through_window = 255.0 - x as f64 / 4095.0 * 255.0;
        if (through_table - through_window).abs() > 16.0 {
            off_the_window += 1;
        }
    }
    assert!(
        off_the_window > stored.len() / 10,
        "the curve must change what is seen: {off_the_window} of {}",
        stored.len()
    );

    // The shell hands the table to the renderer with the frame.
    let display = to_display_frame(frame, image.rows, image.columns);
    let lut = display.voi_lut.expect("the table goes with the frame");
    assert_eq!(lut.header_value(), "0\\12\\4096");
    assert!(display.invert);
}

/// The image instances of a study, in instance number order (its key object selection and
/// other documents left out).
async fn metadata(sandbox: &Sandbox, description: &str) -> Vec<Value> {
    let (study, _) = sandbox.study_of(RICH, description).await;
    let metadata: Value = sandbox.get_json(format!("{study}/metadata")).await;
    let mut instances: Vec<Value> = metadata
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["00080060"]["Value"][0] == "CT")
        .cloned()
        .collect();
    instances.sort_by_key(|i| i["00200013"]["Value"][0].as_i64().unwrap());
    instances
}

fn frame_of_reference(instances: &[Value]) -> &str {
    let frame = instances[0]["00200052"]["Value"][0].as_str().unwrap();
    assert!(instances.iter().all(|i| i["00200052"]["Value"][0] == frame));
    frame
}

fn z(instance: &Value) -> f64 {
    instance["00200032"]["Value"][2].as_f64().unwrap()
}

#[tokio::test]
async fn the_outside_ct_prior_has_its_own_frame_and_offset_table_positions() {
    let sandbox = Sandbox::start().await;
    let current = metadata(&sandbox, "CT Chest Abdomen Pelvis with contrast").await;
    let registered = metadata(&sandbox, "CT Chest Abdomen Pelvis (prior)").await;
    let outside = metadata(&sandbox, "CT Chest Abdomen Pelvis (outside prior)").await;
    assert_eq!(outside.len(), registered.len());
    assert_eq!(
        frame_of_reference(&registered),
        frame_of_reference(&current)
    );
    assert_ne!(frame_of_reference(&outside), frame_of_reference(&current));
    assert_ne!(
        frame_of_reference(&outside),
        frame_of_reference(&registered)
    );
    // Same 5 mm slices over the same anatomy, each 500 mm further up the other table.
    for (near, far) in registered.iter().zip(&outside) {
        assert!(
            (z(far) - z(near) - 500.0).abs() < 1e-6,
            "{} {}",
            z(near),
            z(far)
        );
        assert_eq!(near["00200037"], far["00200037"]);
    }
    // Its table positions overlap none of the current CT's, so scrolling by position in
    // one frame could never pair them.
    let lowest_outside = outside.iter().map(z).fold(f64::INFINITY, f64::min);
    let highest_current = current.iter().map(z).fold(f64::NEG_INFINITY, f64::max);
    assert!(lowest_outside > highest_current - 1e-6);
}

#[tokio::test]
async fn the_current_ct_has_a_key_object_selection_of_three_of_its_slices() {
    let sandbox = Sandbox::start().await;
    let (study, _) = sandbox
        .study_of(RICH, "CT Chest Abdomen Pelvis with contrast")
        .await;
    let series: Value = sandbox.get_json(format!("{study}/series")).await;
    let ko = series
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["00080060"]["Value"][0] == "KO")
        .expect("QIDO lists the KO series");
    let ko_uid = ko["0020000E"]["Value"][0].as_str().unwrap();
    assert_eq!(ko["00201209"]["Value"][0], 1, "one KOS instance");

    let metadata: Value = sandbox
        .get_json(format!("{study}/series/{ko_uid}/metadata"))
        .await;
    let header = &metadata[0];
    assert_eq!(
        header["00080016"]["Value"][0],
        "1.2.840.10008.5.1.4.1.1.88.59"
    );
    assert_eq!(
        header["0040A043"]["Value"][0]["00080104"]["Value"][0],
        "Of Interest"
    );

    let (status, parts, _) = get_parts(
        &sandbox.http,
        &format!("{study}/series/{ko_uid}"),
        ANY_SYNTAX,
    )
    .await;
    assert_eq!(status, 200);
    let obj = dicom(&parts[0].body);
    let referenced: Vec<String> = obj
        .element(tags::CONTENT_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .iter()
        .filter(|item| {
            item.element(tags::VALUE_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .trim()
                == "IMAGE"
        })
        .map(|item| {
            let sop = &item
                .element(tags::REFERENCED_SOP_SEQUENCE)
                .unwrap()
                .items()
                .unwrap()[0];
            sop.element(tags::REFERENCED_SOP_INSTANCE_UID)
                .unwrap()
                .to_str()
                .unwrap()
                .trim_end_matches('\0')
                .to_string()
        })
        .collect();
    // Each reference names an instance of the study's CT, at the slices planned.
    let ct = metadata_of(&sandbox, &study).await;
    let numbers: Vec<i64> = referenced
        .iter()
        .map(|uid| {
            let instance = ct
                .iter()
                .find(|i| i["00080018"]["Value"][0] == uid.as_str())
                .unwrap_or_else(|| panic!("{uid} is not in the study"));
            assert_eq!(instance["00080060"]["Value"][0], "CT");
            instance["00200013"]["Value"][0].as_i64().unwrap()
        })
        .collect();
    let planned: Vec<i64> = nir_viewer::sandbox::dicom_gen::kos::KEY_SLICES
        .iter()
        .map(|n| i64::from(*n))
        .collect();
    assert_eq!(numbers, planned);
}

async fn metadata_of(sandbox: &Sandbox, study: &str) -> Vec<Value> {
    let metadata: Value = sandbox.get_json(format!("{study}/metadata")).await;
    metadata.as_array().unwrap().clone()
}
