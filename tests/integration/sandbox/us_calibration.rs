//! The rich-history patient's liver Doppler cine, fetched over loopback HTTP, carries a
//! Sequence of Ultrasound Regions (DICOM PS3.3 C.8.5.5) that reaches the viewer's layout: a
//! 2D tissue region in cm that calibrates lengths in mm, and a PW spectral Doppler region
//! in seconds × cm/s that is reported but never gives a length.

use nir_viewer::dicomweb::StudyLayout;
use nir_viewer::sandbox::dicom_gen::header::{US_TISSUE_CM_PER_PIXEL, US_TISSUE_ROWS};
use serde_json::Value;

use super::harness::*;
use super::RICH;

#[tokio::test]
async fn the_liver_cine_s_ultrasound_regions_arrive_and_only_the_tissue_one_calibrates() {
    let sandbox = Sandbox::start().await;
    let (study, _) = sandbox.study_of(RICH, "US Abdomen").await;
    let metadata_url = format!("{study}/metadata");
    let metadata: Value = sandbox.get_json(metadata_url.clone()).await;
    let layout =
        StudyLayout::from_metadata(&url::Url::parse(&metadata_url).unwrap(), &metadata).unwrap();
    let cine = layout
        .series
        .iter()
        .find(|s| s.description.as_deref() == Some("Liver colour Doppler cine"))
        .expect("the cine series");
    let instance = &cine.instances[0];
    assert!(instance.frames > 1, "a cine");
    assert_eq!(
        instance.pixel_spacing, None,
        "no Pixel Spacing on a US image"
    );
    let regions = &instance.ultrasound_regions;
    assert_eq!(regions.len(), 2);

    let tissue = &regions[0];
    let last_column = instance.columns - 1;
    let tissue_end = u32::from(US_TISSUE_ROWS) - 1;
    assert_eq!(tissue.bounds, [0, 0, last_column, tissue_end]);
    assert_eq!(tissue.kind, "2D tissue");
    let [row, column] = tissue.spacing.expect("the tissue region measures in mm");
    let mm = US_TISSUE_CM_PER_PIXEL * 10.0;
    assert!((row - mm).abs() < 1e-9 && (column - mm).abs() < 1e-9);

    let doppler = &regions[1];
    assert_eq!(
        doppler.bounds,
        [0, tissue_end + 1, last_column, instance.rows - 1]
    );
    assert_eq!(doppler.kind, "PW spectral Doppler");
    assert_eq!(doppler.units, [4, 7], "seconds across, cm/s up");
    assert_eq!(doppler.spacing, None, "a spectrum is never a length");
}
