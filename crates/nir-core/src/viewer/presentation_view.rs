//! Maps a presentation state read from a study ([`super::presentation_state`]) onto that
//! study's stacks: each image it names (DICOM PS3.3 C.11.11 Referenced Series Sequence >
//! Referenced Image Sequence > Referenced Frame Number) becomes a series key and an index,
//! with the window and annotations that apply to it. Images the state names that are not in
//! the study are left out with a note: the state is never drawn on another image.

use super::presentation_state::PresentationState;
use super::study::StackEntry;
use super::views::{
    PresentationGraphicView, PresentationImageView, PresentationStateView, PresentationTextView,
    WindowPresetView,
};
use crate::dicomweb::StudyLayout;

/// Most images of the study one state is mapped onto.
const MAX_IMAGES: usize = 1_000;

/// The state's view, keyed `key`, on the study laid out as `layout` with `stacks`.
pub(super) fn map_state(
    key: String,
    state: &PresentationState,
    layout: &StudyLayout,
    stacks: &[Vec<StackEntry>],
) -> PresentationStateView {
    let mut notes = state.notes.clone();
    let mut images = Vec::new();
    let mut missing = 0usize;
    // The Referenced Series Sequence names each image's series; an instance filed under
    // another series is still the same image (its UID is unique), so it is looked up in all.
    for (_, reference) in &state.images {
        let mut found = false;
        for (series_index, series) in layout.series.iter().enumerate() {
            let Some(stack) = stacks.get(series_index) else {
                continue;
            };
            for (index, entry) in stack.iter().enumerate() {
                let Some(instance) = series.instances.get(entry.instance) else {
                    continue;
                };
                let frame = entry.frame.saturating_add(1);
                if !reference.names(&instance.sop_instance_uid, frame) {
                    continue;
                }
                found = true;
                if images.len() >= MAX_IMAGES
                    || images.iter().any(|i: &PresentationImageView| {
                        i.series_key == series_index.to_string() && i.index == index
                    })
                {
                    continue;
                }
                let sop = instance.sop_instance_uid.as_str();
                let (texts, graphics) =
                    state.objects_on(sop, frame, (instance.columns, instance.rows));
                images.push(PresentationImageView {
                    series_key: series_index.to_string(),
                    index,
                    window: state
                        .window_on(sop, frame)
                        .map(|(center, width)| WindowPresetView {
                            name: format!("Presentation state {}", state.label),
                            center,
                            width,
                        }),
                    texts: texts
                        .into_iter()
                        .map(|t| PresentationTextView {
                            text: t.text,
                            bounding_box: t.bounding_box,
                            anchor: t.anchor,
                            anchor_visible: t.anchor_visible,
                            layer: t.layer,
                        })
                        .collect(),
                    graphics: graphics
                        .into_iter()
                        .map(|g| PresentationGraphicView {
                            kind: g.kind,
                            points: g.points,
                            filled: g.filled,
                            layer: g.layer,
                        })
                        .collect(),
                });
            }
        }
        if !found {
            missing += 1;
        }
    }
    if missing > 0 {
        notes.push(format!(
            "{missing} of the images it names are not in this study; nothing of it is shown on them."
        ));
    }
    PresentationStateView {
        key,
        label: state.label.clone(),
        description: state.description.clone(),
        creator: state.creator.clone(),
        date: state.date.clone(),
        images,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicomweb::{InstanceLayout, SeriesLayout};
    use crate::viewer::presentation_state::read_object;

    fn series(uid: &str, sops: &[&str]) -> SeriesLayout {
        SeriesLayout {
            series_uid: uid.into(),
            number: None,
            modality: None,
            description: None,
            instances: sops
                .iter()
                .map(|sop| InstanceLayout {
                    sop_instance_uid: (*sop).to_owned(),
                    rows: 100,
                    columns: 200,
                    bits_allocated: 16,
                    samples_per_pixel: 1,
                    frames: 1,
                    ..InstanceLayout::default()
                })
                .collect(),
            window_presets: Vec::new(),
        }
    }

    /// A study of an empty series then `sops` in series "1", one image each.
    fn layout(sops: &[&str]) -> (StudyLayout, Vec<Vec<StackEntry>>) {
        let stack = (0..sops.len())
            .map(|instance| StackEntry { instance, frame: 0 })
            .collect();
        let layout = StudyLayout {
            study_url: url::Url::parse("http://h/studies/1").unwrap(),
            study_uid: "1".into(),
            accession_number: None,
            study_date: None,
            description: None,
            series: vec![series("0", &[]), series("1", sops)],
        };
        (layout, vec![Vec::new(), stack])
    }

    #[test]
    fn names_each_image_by_series_key_and_index_with_its_own_window() {
        let state = read_object(&crate::viewer::presentation_state::tests::state_object(
            vec![],
        ))
        .unwrap();
        // 1.2 sits first in the stack, 1.1 second.
        let (layout, stacks) = layout(&["1.2", "1.1"]);
        let view = map_state("2/0".into(), &state, &layout, &stacks);
        assert_eq!(view.label, "FRACTURE");
        let places: Vec<_> = view
            .images
            .iter()
            .map(|i| {
                (
                    i.series_key.as_str(),
                    i.index,
                    i.window.as_ref().map(|w| w.center),
                )
            })
            .collect();
        assert_eq!(places, vec![("1", 1, Some(1800.0)), ("1", 0, None)]);
        assert_eq!(view.images[0].texts[0].text, "Fracture");
        assert!(view.notes.is_empty());
    }

    #[test]
    fn images_not_in_the_study_are_left_out_with_a_note() {
        let state = read_object(&crate::viewer::presentation_state::tests::state_object(
            vec![],
        ))
        .unwrap();
        let (layout, stacks) = layout(&["1.1", "5.5"]);
        let view = map_state("2/0".into(), &state, &layout, &stacks);
        assert_eq!(view.images.len(), 1);
        assert_eq!(view.images[0].index, 0);
        assert!(view.notes[0].starts_with("1 of the images it names are not in this study"));
    }
}
