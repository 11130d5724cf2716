//! From bytes to a parsed DICOM data set and, for encapsulated Pixel Data, to the compressed
//! bytes of each frame; an image's native Pixel Data is located in the bytes instead of
//! parsed ([`parse_image`]). Files with a preamble, without one, and bare data sets with no file
//! meta group (read as implicit VR little endian, as PS3.5 prescribes for that legacy form)
//! are accepted; everything else is a [`ImagingError::Parse`].

use std::borrow::Cow;
use std::ops::Range;

use dicom_core::value::Value;
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::declared_lengths::{
    check_and_find_native_pixel_data, check_declared_lengths, DeclaredLengthError,
    DeclaredPixelData, Scope,
};
use super::error::ImagingError;

/// A parsed object and the transfer syntax its Pixel Data is encoded in.
#[derive(Debug, Clone)]
pub struct ParsedObject {
    /// The data set (without the file meta group).
    pub dataset: InMemDicomObject,
    /// Transfer Syntax UID, trimmed.
    pub transfer_syntax: String,
    /// True when the data set was deflated in the file (its bytes differ from the file's).
    pub deflated: bool,
}

/// Parse a whole DICOM file held in memory.
/// Every declared value length is checked against the bytes present first
/// ([`check_declared_lengths`]), because the parser allocates what a header declares.
pub fn parse_dicom(bytes: &[u8]) -> Result<ParsedObject, ImagingError> {
    check_declared_lengths(bytes, Scope::Whole).map_err(declared_length_error)?;
    parse_checked(bytes)
}

/// An image to decode: its data set and, when the Pixel Data is native, where its stored
/// values lie in the file.
#[derive(Debug, Clone)]
pub struct ParsedImage {
    /// The object; without its Pixel Data element when `native_pixel_data` is `Some`.
    pub object: ParsedObject,
    /// The native Pixel Data value in the file's bytes, read there in place instead of
    /// being copied into the data set by the parser.
    pub native_pixel_data: Option<Range<usize>>,
}

/// Parse a DICOM image held in memory, checked as [`parse_dicom`] checks it. Native Pixel
/// Data in a little-endian data set stored as it is (the common case: a CT slice, a CR or a
/// multi-frame XA) is not parsed: only the bytes before its element are, and the caller
/// reads the stored values from the file in place, which saves the parser's copy of the
/// largest value in the object (as large as the file) and a pass over it.
pub fn parse_image(bytes: &[u8]) -> Result<ParsedImage, ImagingError> {
    let native = check_and_find_native_pixel_data(bytes).map_err(declared_length_error)?;
    match native {
        Some(place) => {
            // The bytes before the element were checked with the whole object.
            Ok(ParsedImage {
                object: parse_checked(&bytes[..place.element_start])?,
                native_pixel_data: Some(place.value),
            })
        }
        None => Ok(ParsedImage {
            object: parse_checked(bytes)?,
            native_pixel_data: None,
        }),
    }
}

/// The header of an image whose native Pixel Data has not been read: `prefix` holds the
/// object's first bytes, up to at least the Pixel Data element `declared` (found by
/// [`find_declared_native_pixel_data`](super::declared_lengths::find_declared_native_pixel_data)); the result's `native_pixel_data` is where the
/// header says the value lies in the whole object, a claim for the caller to check.
pub fn parse_image_header(
    prefix: &[u8],
    declared: &DeclaredPixelData,
) -> Result<ParsedImage, ImagingError> {
    let header = prefix.get(..declared.element_start).ok_or_else(|| {
        ImagingError::Parse("the Pixel Data element lies beyond the bytes read".to_owned())
    })?;
    Ok(ParsedImage {
        object: parse_checked(header)?,
        native_pixel_data: Some(
            declared.value_start
                ..declared
                    .value_start
                    .saturating_add(declared.declared_length),
        ),
    })
}

pub(super) fn declared_length_error(error: DeclaredLengthError) -> ImagingError {
    match error {
        DeclaredLengthError::NotInThisBuild(transfer_syntax) => {
            ImagingError::NotInThisBuild { transfer_syntax }
        }
        other => ImagingError::DeclaredLength(other),
    }
}

/// Parse bytes whose declared lengths have been checked.
fn parse_checked(bytes: &[u8]) -> Result<ParsedObject, ImagingError> {
    let parse_error = |error: dicom_object::ReadError| ImagingError::Parse(error.to_string());
    let body = if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        Some(&bytes[128..])
    } else if bytes.starts_with(b"DICM") {
        Some(bytes)
    } else {
        None
    };
    if let Some(body) = body {
        let object = OpenFileOptions::new()
            .read_preamble(dicom_object::file::ReadPreamble::Never)
            .from_reader(body)
            .map_err(parse_error)?;
        let transfer_syntax = trim_uid(object.meta().transfer_syntax());
        let deflated = transfer_syntax.starts_with("1.2.840.10008.1.2.1.99");
        return Ok(ParsedObject {
            dataset: object.into_inner(),
            transfer_syntax,
            deflated,
        });
    }
    parse_bare_dataset(bytes)
}

/// A data set with no file meta group: only plausible when it opens with an even group
/// number of a standard data set (0008 is the usual first group).
fn parse_bare_dataset(bytes: &[u8]) -> Result<ParsedObject, ImagingError> {
    let looks_like_dataset = bytes.len() >= 8 && bytes[0] == 0x08 && bytes[1] == 0x00;
    if !looks_like_dataset {
        return Err(ImagingError::Parse(
            "no DICM prefix and no recognisable data set".to_owned(),
        ));
    }
    let implicit = TransferSyntaxRegistry
        .get(uids::IMPLICIT_VR_LITTLE_ENDIAN)
        .ok_or_else(|| ImagingError::Parse("implicit VR little endian unavailable".to_owned()))?;
    let dataset = InMemDicomObject::read_dataset_with_ts(bytes, implicit)
        .map_err(|error| ImagingError::Parse(error.to_string()))?;
    Ok(ParsedObject {
        dataset,
        transfer_syntax: uids::IMPLICIT_VR_LITTLE_ENDIAN.to_owned(),
        deflated: false,
    })
}

fn trim_uid(uid: &str) -> String {
    uid.trim_matches(|c: char| c == '\0' || c == ' ').to_owned()
}

/// The encapsulated fragments of Pixel Data and its Basic Offset Table, or `None` when the
/// Pixel Data is native.
pub fn encapsulated_fragments(dataset: &InMemDicomObject) -> Option<(Vec<u32>, Vec<&[u8]>)> {
    let element = dataset.element_opt(tags::PIXEL_DATA).ok().flatten()?;
    match element.value() {
        Value::PixelSequence(sequence) => Some((
            sequence.offset_table().to_vec(),
            sequence.fragments().iter().map(|f| f.as_slice()).collect(),
        )),
        _ => None,
    }
}

/// True when the last fragment in `file` is followed by the Sequence Delimitation Item
/// (FFFE,E0DD) that PS3.5 A.4 requires; a file cut inside Pixel Data lacks it even when
/// the parser recovered every fragment it could.
pub fn pixel_sequence_is_terminated(file: &[u8], last_fragment: &[u8]) -> bool {
    const DELIMITER: [u8; 8] = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];
    let tail = &last_fragment[last_fragment.len().saturating_sub(32)..];
    if tail.is_empty() {
        return file.windows(8).any(|w| w == DELIMITER);
    }
    let Some(start) = file.windows(tail.len()).rposition(|w| w == tail) else {
        return false;
    };
    file.get(start + tail.len()..start + tail.len() + 8) == Some(&DELIMITER[..])
}

/// Split encapsulated fragments into frames (PS3.5 A.4): one fragment per frame when the
/// counts agree, else by the Basic Offset Table, else by the codestream start markers
/// (JPEG SOI `FFD8`, JPEG 2000 SOC `FF4F`) at fragment starts; a single frame takes all.
/// A frame of one fragment borrows it; only frames of several fragments are copied.
pub fn split_frames<'a>(
    offset_table: &[u32],
    fragments: &[&'a [u8]],
    frames: u32,
) -> Result<Vec<Cow<'a, [u8]>>, ImagingError> {
    let frames = frames as usize;
    let bad = |reason: &str| ImagingError::Parse(format!("encapsulated Pixel Data: {reason}"));
    if fragments.is_empty() {
        return Err(bad("no fragments"));
    }
    if fragments.len() == frames {
        return Ok(fragments.iter().map(|&f| Cow::Borrowed(f)).collect());
    }
    if frames == 1 {
        return Ok(vec![Cow::Owned(fragments.concat())]);
    }
    if offset_table.len() == frames {
        let mut out: Vec<Cow<'a, [u8]>> = vec![Cow::Borrowed(&[]); frames];
        let mut position: u64 = 0;
        for fragment in fragments {
            let frame = offset_table
                .iter()
                .rposition(|&offset| u64::from(offset) <= position)
                .ok_or_else(|| bad("offset table does not start at 0"))?;
            out[frame].to_mut().extend_from_slice(fragment);
            position += fragment.len() as u64 + 8;
        }
        return Ok(out);
    }
    let mut out: Vec<Cow<'a, [u8]>> = Vec::with_capacity(frames);
    for &fragment in fragments {
        let starts_codestream = fragment.starts_with(&[0xFF, 0xD8])
            || fragment.starts_with(&[0xFF, 0x4F])
            || fragment.len() >= 12 && &fragment[4..8] == b"jP  ";
        match out.last_mut() {
            Some(current) if !starts_codestream => current.to_mut().extend_from_slice(fragment),
            _ => out.push(Cow::Borrowed(fragment)),
        }
    }
    if out.len() != frames {
        return Err(bad(&format!(
            "{} frames found in the fragments, {frames} expected",
            out.len()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_not_dicom() {
        assert!(matches!(
            parse_dicom(b"hello, this is not an image"),
            Err(ImagingError::Parse(_))
        ));
        assert!(matches!(parse_dicom(b""), Err(ImagingError::Parse(_))));
    }

    #[test]
    fn frames_split_one_fragment_each() {
        let frames = split_frames(&[], &[b"ab", b"cd"], 2).unwrap();
        assert_eq!(frames, vec![b"ab".to_vec(), b"cd".to_vec()]);
    }

    #[test]
    fn frames_split_by_offset_table() {
        let fragments: [&[u8]; 3] = [b"aa", b"bb", b"cc"];
        // frame 0 = fragments 0 and 1 (2 + 8 + 2 + 8 = 20 bytes), frame 1 starts at 20
        let frames = split_frames(&[0, 20], &fragments, 2).unwrap();
        assert_eq!(frames, vec![b"aabb".to_vec(), b"cc".to_vec()]);
    }

    #[test]
    fn frames_split_by_codestream_markers() {
        let fragments: [&[u8]; 3] = [&[0xFF, 0xD8, 1], &[2], &[0xFF, 0xD8, 3]];
        let frames = split_frames(&[], &fragments, 2).unwrap();
        assert_eq!(frames, vec![vec![0xFF, 0xD8, 1, 2], vec![0xFF, 0xD8, 3]]);
        assert!(split_frames(&[], &fragments, 4).is_err());
    }

    #[test]
    fn a_pixel_sequence_needs_its_delimiter() {
        let mut file = b"....\xFE\xFF\x00\xE0\x04\x00\x00\x00abcd".to_vec();
        assert!(!pixel_sequence_is_terminated(&file, b"abcd"));
        file.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        assert!(pixel_sequence_is_terminated(&file, b"abcd"));
    }

    #[test]
    fn a_single_frame_takes_every_fragment() {
        let frames = split_frames(&[], &[b"ab", b"cd"], 1).unwrap();
        assert_eq!(frames, vec![b"abcd".to_vec()]);
    }
}
