//! The rich-history patient's DX wrist holds a Grayscale Softcopy Presentation State (DICOM
//! PS3.3 A.33.1) on its PA view: served like every other instance (metadata and WADO), it
//! reaches the viewer as a `pr` series, not an image series, and the session maps it onto
//! the PA image with its own window and its annotations in image pixels.

use dicom_dictionary_std::tags;
use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::registry::HistoryQuery;
use nir_viewer::sandbox::dicom_gen::gsps;
use nir_viewer::viewer::views::GraphicKind;
use nir_viewer::viewer::SessionParts;
use serde_json::Value;

use super::harness::*;
use super::RICH;
use crate::support::{loopback_sandbox, sandbox_viewer, training_parts};

#[tokio::test]
async fn the_dx_wrist_serves_a_presentation_state_series() {
    let sandbox = Sandbox::start().await;
    let (dx, _) = sandbox.study_of(RICH, "DX Left wrist").await;
    let metadata: Value = sandbox.get_json(format!("{dx}/metadata")).await;
    let instances = metadata.as_array().unwrap();
    let pr = instances
        .iter()
        .find(|i| i["00080060"]["Value"][0] == "PR")
        .expect("a PR instance in the metadata");
    assert_eq!(pr["00080016"]["Value"][0], gsps::GSPS);
    assert_eq!(pr["00700080"]["Value"][0], gsps::LABEL);
    let series = pr["0020000E"]["Value"][0].as_str().unwrap();
    let (status, parts, _) =
        get_parts(&sandbox.http, &format!("{dx}/series/{series}"), ANY_SYNTAX).await;
    assert_eq!(status, 200);
    assert_eq!(parts.len(), 1);
    let obj = dicom(&parts[0].body);
    assert_eq!(string(&obj, tags::CONTENT_LABEL).trim(), gsps::LABEL);
    // The state names the PA view, which the study holds.
    let referenced = obj
        .element(tags::REFERENCED_SERIES_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .element(tags::REFERENCED_IMAGE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .element(tags::REFERENCED_SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches('\0')
        .to_owned();
    assert!(instances
        .iter()
        .any(|i| i["00080018"]["Value"][0] == referenced.as_str()
            && i["00080060"]["Value"][0] == "DX"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_viewer_maps_the_presentation_state_onto_the_pa_view() {
    let sandbox = loopback_sandbox(false).await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let parts = SessionParts {
        budget_bytes: 2 << 30,
        ..training_parts(&http, sandbox.base_url())
    };
    let (session, backend) = sandbox_viewer(parts, sandbox.base_url(), false).await;
    let history = session
        .lookup(&*backend, HistoryQuery::for_patient(RICH).unwrap())
        .await
        .unwrap();
    let record = history
        .records
        .iter()
        .find(|r| r.description.contains("DX Left wrist"))
        .expect("the DX wrist");
    let study = session.open_study(&record.id, |_| {}).await.unwrap();
    let kinds: Vec<_> = study.series.iter().map(|s| s.document).collect();
    assert_eq!(
        kinds,
        vec![None, Some("pr")],
        "the PR series is not an image series"
    );
    let image_series = &study.series[0];

    let found = session.presentation_states(&study.key).await.unwrap();
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    let [state] = found.states.as_slice() else {
        panic!("one state, not {}", found.states.len());
    };
    assert_eq!(state.label, gsps::LABEL);
    assert_eq!(state.date.as_deref(), Some("2021-09-20"));
    assert!(state.notes.is_empty(), "{:?}", state.notes);
    let [image] = state.images.as_slice() else {
        panic!("it applies to the PA view only");
    };
    assert_eq!(
        (image.series_key.as_str(), image.index),
        (image_series.key.as_str(), 0)
    );
    let window = image.window.as_ref().expect("its own window");
    assert_eq!((window.center, window.width), gsps::WINDOW);
    // Unlike the image's own window.
    assert_ne!(
        (
            image_series.presets[0].center,
            image_series.presets[0].width
        ),
        gsps::WINDOW
    );
    assert_eq!(image.texts[0].text, gsps::NOTE);
    assert_eq!(image.texts[0].anchor, Some([256.0, 300.0]));
    let kinds: Vec<_> = image.graphics.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        vec![
            GraphicKind::Polyline,
            GraphicKind::Polyline,
            GraphicKind::Ellipse
        ]
    );
    assert!(image
        .graphics
        .iter()
        .flat_map(|g| &g.points)
        .all(|p| (0.0..=512.0).contains(&p[0]) && (0.0..=512.0).contains(&p[1])));
}
