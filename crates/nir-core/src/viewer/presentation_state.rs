//! Reads a Grayscale Softcopy Presentation State (DICOM PS3.3 A.33.1) into what a viewer
//! needs to show a radiologist's saved view: its identification (C.11.10), the images it
//! applies to (C.11.11), their window (Softcopy VOI LUT, C.11.8), the displayed area
//! (C.10.4, used only to place DISPLAY-unit annotations) and its text and graphic
//! annotations (C.10.5, on the layers of C.10.7). Everything else the IOD can carry is
//! named in the state's notes rather than silently dropped: spatial transformation (C.10.6),
//! shutters (C.7.6.11), overlays (C.9.2), VOI LUT tables, an inverse Presentation LUT,
//! zoom to a displayed area, compound graphics. Counts are bounded and malformed objects are
//! skipped with a warning; nothing here panics on bad input.
//!
//! The state is read from the retrieved instance, not from the study's JSON metadata: a
//! DICOMweb origin may move Graphic Data (FL) to bulk data in the metadata, while the
//! instance is the object itself and has passed the retrieval's patient and study checks.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::imaging::source::parse_dicom;

/// Grayscale Softcopy Presentation State Storage.
pub const GSPS_CLASS: &str = "1.2.840.10008.5.1.4.1.1.11.1";

/// Most referenced images read from one state.
pub(super) const MAX_REFERENCES: usize = 1_000;
/// Most annotation items, text objects and graphic objects read from one state, together.
const MAX_OBJECTS: usize = 1_000;
/// Most points of one graphic object (Number of Graphic Points, PS3.3 C.10.5.1.2).
const MAX_POINTS_PER_OBJECT: usize = 10_000;
/// Most points of all graphic objects of one state.
const MAX_POINTS: usize = 100_000;
/// Most characters of one text object shown.
const MAX_TEXT: usize = 1_024;

/// Why a presentation state could not be read at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PresentationStateError {
    /// Not a DICOM object.
    #[error("it is not a readable DICOM object ({0})")]
    Unreadable(String),
    /// Another SOP class.
    #[error("it is not a grayscale softcopy presentation state")]
    NotAPresentationState,
    /// No Referenced Series Sequence with an image: it applies to nothing.
    #[error("it names no image it applies to")]
    NoImages,
}

/// One image (or frame) a part of the state applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Referenced SOP Instance UID.
    pub sop_instance_uid: String,
    /// Referenced Frame Numbers (1-based); empty for every frame.
    pub frames: Vec<u32>,
}

impl ImageRef {
    /// Whether it names `sop` frame `frame` (1-based).
    pub fn names(&self, sop: &str, frame: u32) -> bool {
        self.sop_instance_uid == sop && (self.frames.is_empty() || self.frames.contains(&frame))
    }
}

/// Which images a part of the state applies to: those listed, or (when the item has no
/// Referenced Image Sequence) every image of the state (PS3.3 C.10.5.1.1, C.11.8, C.10.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applies {
    /// Every image of the state.
    All,
    /// These images.
    To(Vec<ImageRef>),
}

impl Applies {
    /// Whether it applies to `sop` frame `frame` (1-based).
    pub fn covers(&self, sop: &str, frame: u32) -> bool {
        match self {
            Applies::All => true,
            Applies::To(images) => images.iter().any(|i| i.names(sop, frame)),
        }
    }
}

/// Graphic Type (PS3.3 C.10.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum GraphicKind {
    /// One point.
    Point,
    /// Straight lines between the points.
    Polyline,
    /// A curve through the points (drawn as straight lines between them).
    Interpolated,
    /// Centre and a point on the circumference.
    Circle,
    /// Major axis end points, then minor axis end points.
    Ellipse,
}

/// A graphic object in image pixel coordinates (column, row; 0,0 the top left corner of
/// the top left pixel, PS3.3 C.10.5.1.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Graphic {
    /// Graphic Type.
    pub kind: GraphicKind,
    /// Points.
    pub points: Vec<[f64; 2]>,
    /// Graphic Filled.
    pub filled: bool,
    /// Graphic Layer.
    pub layer: String,
}

/// A text object in image pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct TextObject {
    /// Unformatted Text Value.
    pub text: String,
    /// Top left and bottom right of its bounding box.
    pub bounding_box: Option<[[f64; 2]; 2]>,
    /// The point it is about.
    pub anchor: Option<[f64; 2]>,
    /// Whether the anchor is joined to the text by a line (Anchor Point Visibility).
    pub anchor_visible: bool,
    /// Graphic Layer.
    pub layer: String,
}

/// Where the state's annotation units come from: PIXEL (image pixels) or DISPLAY
/// (fractions of the displayed area, PS3.3 C.10.5.1.1).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Units {
    Pixel,
    Display,
}

/// One Graphic Annotation Sequence item, its coordinates as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// The images it is drawn on.
    pub applies: Applies,
    /// Text objects (DISPLAY units still to be placed on each image).
    texts: Vec<(TextObject, Units, Units)>,
    /// Graphic objects.
    graphics: Vec<(Graphic, Units)>,
}

/// A Displayed Area Selection item (PS3.3 C.10.4), in image pixel coordinates: the
/// rectangle from the top left corner of its first pixel to the bottom right corner of
/// its last.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayedArea {
    /// The images it applies to.
    pub applies: Applies,
    /// Left, top, right, bottom.
    pub rect: [f64; 4],
}

/// A window of the Softcopy VOI LUT Sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The images it applies to.
    pub applies: Applies,
    /// Window Center.
    pub center: f64,
    /// Window Width.
    pub width: f64,
}

/// A presentation state as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PresentationState {
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// Content Label.
    pub label: String,
    /// Content Description.
    pub description: Option<String>,
    /// Content Creator's Name.
    pub creator: Option<String>,
    /// Presentation Creation Date, YYYY-MM-DD.
    pub date: Option<String>,
    /// The images it applies to, by series (Presentation State Relationship).
    pub images: Vec<(String, ImageRef)>,
    /// Softcopy VOI LUT windows.
    pub windows: Vec<Window>,
    /// Displayed areas.
    pub areas: Vec<DisplayedArea>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// What of the state the viewer does not apply, and what it skipped as malformed.
    pub notes: Vec<String>,
}

impl PresentationState {
    /// Whether the state applies to image `sop` frame `frame` at all (C.11.11): an item
    /// that applies to "every image" means every image the state names, never another.
    pub fn names(&self, sop: &str, frame: u32) -> bool {
        self.images.iter().any(|(_, image)| image.names(sop, frame))
    }

    /// The text and graphic objects on image `sop` frame `frame` (1-based), `size`
    /// (columns, rows), in image pixels; DISPLAY-unit objects are placed on the image's
    /// displayed area (the whole image when none is given).
    pub fn objects_on(
        &self,
        sop: &str,
        frame: u32,
        size: (u32, u32),
    ) -> (Vec<TextObject>, Vec<Graphic>) {
        if !self.names(sop, frame) {
            return (Vec::new(), Vec::new());
        }
        let area = self
            .areas
            .iter()
            .find(|a| a.applies.covers(sop, frame))
            .map_or([0.0, 0.0, f64::from(size.0), f64::from(size.1)], |a| a.rect);
        let place = |p: [f64; 2], units: Units| match units {
            Units::Pixel => p,
            Units::Display => [
                area[0] + p[0] * (area[2] - area[0]),
                area[1] + p[1] * (area[3] - area[1]),
            ],
        };
        let mut texts = Vec::new();
        let mut graphics = Vec::new();
        for annotation in self
            .annotations
            .iter()
            .filter(|a| a.applies.covers(sop, frame))
        {
            for (text, box_units, anchor_units) in &annotation.texts {
                let mut text = text.clone();
                text.bounding_box = text
                    .bounding_box
                    .map(|[a, b]| [place(a, *box_units), place(b, *box_units)]);
                text.anchor = text.anchor.map(|a| place(a, *anchor_units));
                texts.push(text);
            }
            for (graphic, units) in &annotation.graphics {
                let mut graphic = graphic.clone();
                for point in &mut graphic.points {
                    *point = place(*point, *units);
                }
                graphics.push(graphic);
            }
        }
        (texts, graphics)
    }

    /// The window on image `sop` frame `frame`, if the state sets one.
    pub fn window_on(&self, sop: &str, frame: u32) -> Option<(f64, f64)> {
        if !self.names(sop, frame) {
            return None;
        }
        self.windows
            .iter()
            .find(|w| w.applies.covers(sop, frame))
            .map(|w| (w.center, w.width))
    }
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = obj.element(tag).ok()?.to_str().ok()?;
    let value = value.trim_end_matches(['\0', ' ']).trim().to_owned();
    (!value.is_empty()).then_some(value)
}

fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.element(tag)
        .ok()
        .and_then(|e| e.items())
        .unwrap_or_default()
}

/// Up to `max` numbers of a numeric element; `None` when absent, longer or not numbers.
fn numbers(obj: &InMemDicomObject, tag: Tag, max: usize) -> Option<Vec<f64>> {
    let element = obj.element(tag).ok()?;
    // The multiplicity is counted from the bytes already read; nothing is allocated from it.
    if usize::try_from(element.value().multiplicity()).ok()? > max {
        return None;
    }
    let values = element.to_multi_float64().ok()?;
    values.iter().all(|v| v.is_finite()).then_some(values)
}

fn point(values: &[f64]) -> Option<[f64; 2]> {
    match values {
        [x, y] => Some([*x, *y]),
        _ => None,
    }
}

fn units(obj: &InMemDicomObject, tag: Tag) -> Option<Units> {
    match text(obj, tag)?.as_str() {
        "PIXEL" => Some(Units::Pixel),
        "DISPLAY" => Some(Units::Display),
        _ => None,
    }
}

/// The Referenced Image Sequence of an item; `All` when it has none.
fn applies(obj: &InMemDicomObject) -> Applies {
    let images = items(obj, tags::REFERENCED_IMAGE_SEQUENCE);
    if images.is_empty() {
        return Applies::All;
    }
    Applies::To(
        images
            .iter()
            .take(MAX_REFERENCES)
            .filter_map(image_ref)
            .collect(),
    )
}

fn image_ref(item: &InMemDicomObject) -> Option<ImageRef> {
    let sop_instance_uid = text(item, tags::REFERENCED_SOP_INSTANCE_UID)?;
    let frames = numbers(item, tags::REFERENCED_FRAME_NUMBER, MAX_REFERENCES)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| *f >= 1.0 && f.fract() == 0.0 && *f <= f64::from(u32::MAX))
        // Checked just above to be a whole number in range.
        .map(|f| f as u32)
        .collect();
    Some(ImageRef {
        sop_instance_uid,
        frames,
    })
}

fn date(raw: String) -> String {
    match raw.len() {
        8 if raw.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}-{}-{}", &raw[..4], &raw[4..6], &raw[6..])
        }
        _ => raw,
    }
}

/// Reads a presentation state from its Part-10 bytes.
pub fn read_presentation_state(bytes: &[u8]) -> Result<PresentationState, PresentationStateError> {
    let parsed =
        parse_dicom(bytes).map_err(|e| PresentationStateError::Unreadable(e.to_string()))?;
    read_object(&parsed.dataset)
}

/// Reads a presentation state from its data set.
pub fn read_object(obj: &InMemDicomObject) -> Result<PresentationState, PresentationStateError> {
    if text(obj, tags::SOP_CLASS_UID).as_deref() != Some(GSPS_CLASS) {
        return Err(PresentationStateError::NotAPresentationState);
    }
    let mut state = PresentationState {
        sop_instance_uid: text(obj, tags::SOP_INSTANCE_UID).unwrap_or_default(),
        // C.11.10: Content Label is Type 1; a state without one is still shown, as such.
        label: text(obj, tags::CONTENT_LABEL).unwrap_or_else(|| "UNLABELLED".into()),
        description: text(obj, tags::CONTENT_DESCRIPTION),
        creator: text(obj, tags::CONTENT_CREATOR_NAME).map(|n| super::display_name(&n)),
        date: text(obj, tags::PRESENTATION_CREATION_DATE).map(date),
        ..PresentationState::default()
    };
    // C.11.11: Referenced Series Sequence > Referenced Image Sequence.
    'series: for series in items(obj, tags::REFERENCED_SERIES_SEQUENCE) {
        let uid = text(series, tags::SERIES_INSTANCE_UID).unwrap_or_default();
        for image in items(series, tags::REFERENCED_IMAGE_SEQUENCE) {
            if state.images.len() >= MAX_REFERENCES {
                state.notes.push(format!(
                    "Only the first {MAX_REFERENCES} images it names are read."
                ));
                break 'series;
            }
            if let Some(image) = image_ref(image) {
                state.images.push((uid.clone(), image));
            }
        }
    }
    if state.images.is_empty() {
        return Err(PresentationStateError::NoImages);
    }
    read_windows(obj, &mut state);
    read_areas(obj, &mut state);
    read_annotations(obj, &mut state);
    note_unsupported(obj, &mut state);
    Ok(state)
}

/// C.11.8 Softcopy VOI LUT: windows are applied; a VOI LUT table is not.
fn read_windows(obj: &InMemDicomObject, state: &mut PresentationState) {
    for item in items(obj, tags::SOFTCOPY_VOILUT_SEQUENCE)
        .iter()
        .take(MAX_OBJECTS)
    {
        let center = numbers(item, tags::WINDOW_CENTER, 16).and_then(|v| v.first().copied());
        let width = numbers(item, tags::WINDOW_WIDTH, 16).and_then(|v| v.first().copied());
        match (center, width) {
            // C.11.2.1.2: Window Width shall be 1 or more.
            (Some(center), Some(width)) if width >= 1.0 => state.windows.push(Window {
                applies: applies(item),
                center,
                width,
            }),
            (Some(_), Some(_)) => state
                .notes
                .push("Its window has a width below 1 and is not applied.".into()),
            _ if item.element(tags::VOILUT_SEQUENCE).is_ok() => state
                .notes
                .push("Its VOI LUT table is not applied; the image's own window is kept.".into()),
            _ => {}
        }
    }
}

/// C.10.4 Displayed Area, kept to place DISPLAY-unit annotations; zooming to it is not done.
fn read_areas(obj: &InMemDicomObject, state: &mut PresentationState) {
    let mut zooms = false;
    for item in items(obj, tags::DISPLAYED_AREA_SELECTION_SEQUENCE)
        .iter()
        .take(MAX_OBJECTS)
    {
        let top_left = numbers(item, tags::DISPLAYED_AREA_TOP_LEFT_HAND_CORNER, 2);
        let bottom_right = numbers(item, tags::DISPLAYED_AREA_BOTTOM_RIGHT_HAND_CORNER, 2);
        let (Some(tl), Some(br)) = (
            top_left.as_deref().and_then(point),
            bottom_right.as_deref().and_then(point),
        ) else {
            continue;
        };
        // Corners name pixels, counted from 1 (C.10.4.1.1): the area runs from the top left
        // corner of the first to the bottom right corner of the second.
        let rect = [tl[0] - 1.0, tl[1] - 1.0, br[0], br[1]];
        if rect[2] <= rect[0] || rect[3] <= rect[1] {
            state
                .notes
                .push("A displayed area with no extent was ignored.".into());
            continue;
        }
        let mode = text(item, tags::PRESENTATION_SIZE_MODE).unwrap_or_default();
        zooms |= mode != "SCALE TO FIT" || rect[0] > 0.0 || rect[1] > 0.0;
        state.areas.push(DisplayedArea {
            applies: applies(item),
            rect,
        });
    }
    if zooms {
        state.notes.push(
            "Its displayed area (a zoom to part of the image, or true size) is not applied; \
             the whole image is shown."
                .into(),
        );
    }
}

/// C.10.5 Graphic Annotation, within the bounds above.
fn read_annotations(obj: &InMemDicomObject, state: &mut PresentationState) {
    let mut objects = 0usize;
    let mut points = 0usize;
    let mut skipped = 0usize;
    let mut bounded = false;
    for item in items(obj, tags::GRAPHIC_ANNOTATION_SEQUENCE) {
        if objects >= MAX_OBJECTS {
            bounded = true;
            break;
        }
        objects += 1;
        let layer = text(item, tags::GRAPHIC_LAYER).unwrap_or_default();
        let mut annotation = Annotation {
            applies: applies(item),
            texts: Vec::new(),
            graphics: Vec::new(),
        };
        for object in items(item, tags::TEXT_OBJECT_SEQUENCE) {
            if objects >= MAX_OBJECTS {
                bounded = true;
                break;
            }
            objects += 1;
            match text_object(object, &layer) {
                Some(text) => annotation.texts.push(text),
                None => skipped += 1,
            }
        }
        for object in items(item, tags::GRAPHIC_OBJECT_SEQUENCE) {
            if objects >= MAX_OBJECTS || points >= MAX_POINTS {
                bounded = true;
                break;
            }
            objects += 1;
            match graphic_object(object, &layer, MAX_POINTS - points) {
                Some(graphic) => {
                    points += graphic.0.points.len();
                    annotation.graphics.push(graphic);
                }
                None => skipped += 1,
            }
        }
        state.annotations.push(annotation);
    }
    if skipped > 0 {
        state.notes.push(format!(
            "{skipped} of its annotations could not be read and are not drawn."
        ));
    }
    if bounded {
        state.notes.push(format!(
            "It holds more annotations than the viewer draws ({MAX_OBJECTS} objects, \
             {MAX_POINTS} points); the rest are not drawn."
        ));
    }
}

/// A text object: its text and a bounding box or an anchor point, each in PIXEL or
/// DISPLAY units (C.10.5.1.1); one with neither is malformed.
fn text_object(object: &InMemDicomObject, layer: &str) -> Option<(TextObject, Units, Units)> {
    let value = text(object, tags::UNFORMATTED_TEXT_VALUE)?;
    let value: String = value.chars().take(MAX_TEXT).collect();
    let box_units = units(object, tags::BOUNDING_BOX_ANNOTATION_UNITS);
    let anchor_units = units(object, tags::ANCHOR_POINT_ANNOTATION_UNITS);
    let corner = |tag| numbers(object, tag, 2).as_deref().and_then(point);
    let bounding_box = match (
        box_units,
        corner(tags::BOUNDING_BOX_TOP_LEFT_HAND_CORNER),
        corner(tags::BOUNDING_BOX_BOTTOM_RIGHT_HAND_CORNER),
    ) {
        (Some(_), Some(a), Some(b)) => Some([a, b]),
        _ => None,
    };
    let anchor = anchor_units.and(corner(tags::ANCHOR_POINT));
    if bounding_box.is_none() && anchor.is_none() {
        return None;
    }
    Some((
        TextObject {
            text: value,
            bounding_box,
            anchor,
            anchor_visible: text(object, tags::ANCHOR_POINT_VISIBILITY).as_deref() == Some("Y"),
            layer: layer.to_owned(),
        },
        box_units.unwrap_or(Units::Pixel),
        anchor_units.unwrap_or(Units::Pixel),
    ))
}

/// A graphic object whose Graphic Data holds exactly Number of Graphic Points 2-D points,
/// as many as its Graphic Type needs (C.10.5.1.2), at most `room`.
fn graphic_object(object: &InMemDicomObject, layer: &str, room: usize) -> Option<(Graphic, Units)> {
    let units = units(object, tags::GRAPHIC_ANNOTATION_UNITS)?;
    if numbers(object, tags::GRAPHIC_DIMENSIONS, 1).is_some_and(|d| d != [2.0]) {
        return None;
    }
    let declared = numbers(object, tags::NUMBER_OF_GRAPHIC_POINTS, 1)?;
    let count = usize::try_from(*declared.first()? as u64).ok()?;
    if count == 0 || count > MAX_POINTS_PER_OBJECT || count > room {
        return None;
    }
    let data = numbers(object, tags::GRAPHIC_DATA, count * 2)?;
    if data.len() != count * 2 {
        return None;
    }
    let kind = match text(object, tags::GRAPHIC_TYPE)?.as_str() {
        "POINT" if count == 1 => GraphicKind::Point,
        "POLYLINE" if count >= 2 => GraphicKind::Polyline,
        "INTERPOLATED" if count >= 2 => GraphicKind::Interpolated,
        "CIRCLE" if count == 2 => GraphicKind::Circle,
        "ELLIPSE" if count == 4 => GraphicKind::Ellipse,
        _ => return None,
    };
    Some((
        Graphic {
            kind,
            points: data.chunks_exact(2).map(|p| [p[0], p[1]]).collect(),
            filled: text(object, tags::GRAPHIC_FILLED).as_deref() == Some("Y"),
            layer: layer.to_owned(),
        },
        units,
    ))
}

/// Names what the state asks for that the viewer does not do.
fn note_unsupported(obj: &InMemDicomObject, state: &mut PresentationState) {
    let mut notes = Vec::new();
    let mut note = |s: &str| notes.push(s.to_owned());
    // C.10.6 Spatial Transformation.
    let rotation = numbers(obj, tags::IMAGE_ROTATION, 1).and_then(|v| v.first().copied());
    let flip = text(obj, tags::IMAGE_HORIZONTAL_FLIP).as_deref() == Some("Y");
    if rotation.is_some_and(|r| r != 0.0) || flip {
        note("Its rotation or flip of the image is not applied.");
        if state.annotations.iter().any(|a| {
            a.texts
                .iter()
                .any(|t| t.1 == Units::Display || t.2 == Units::Display)
                || a.graphics.iter().any(|g| g.1 == Units::Display)
        }) {
            // DISPLAY units are relative to the transformed image (C.10.5.1.1): without the
            // transformation they would land in the wrong place, so they are not drawn.
            for annotation in &mut state.annotations {
                annotation
                    .texts
                    .retain(|t| t.1 == Units::Pixel && t.2 == Units::Pixel);
                annotation.graphics.retain(|g| g.1 == Units::Pixel);
            }
            note("Its annotations placed on the display rather than the image are not drawn, because the rotation or flip they assume is not applied.");
        }
    }
    // C.7.6.11 Display Shutter, C.7.6.15 Bitmap Display Shutter.
    if obj.element(tags::SHUTTER_SHAPE).is_ok() {
        note("Its display shutter is not applied; the whole image is shown.");
    }
    // C.9.2 Overlay Plane, C.11.7 Overlay Activation (groups 60xx, even).
    if obj
        .iter()
        .any(|e| (0x6000..=0x601E).contains(&e.header().tag.group()))
    {
        note("Its overlay planes are not shown.");
    }
    // C.11.6 Presentation LUT.
    if text(obj, tags::PRESENTATION_LUT_SHAPE).as_deref() == Some("INVERSE") {
        note("It asks for the image inverted; that is not applied.");
    }
    if obj.element(tags::MASK_SUBTRACTION_SEQUENCE).is_ok() {
        note("Its mask subtraction is not applied.");
    }
    if obj.element(tags::GRAPHIC_GROUP_SEQUENCE).is_ok() {
        note("Its graphic groups are drawn as separate objects.");
    }
    if obj.element(Tag(0x0070, 0x0209)).is_ok() {
        note("Its compound graphics (arrows, rulers, crosshairs as single objects) are not drawn.");
    }
    if state.annotations.iter().any(|a| {
        a.graphics
            .iter()
            .any(|g| g.0.kind == GraphicKind::Interpolated)
    }) {
        note("Its curves are drawn as straight lines through their points.");
    }
    state.notes.extend(notes);
}

#[cfg(test)]
#[path = "presentation_state_tests.rs"]
pub(super) mod tests;
