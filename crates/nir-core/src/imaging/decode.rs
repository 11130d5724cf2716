//! Pixel Data to stored values, frame by frame: native data is unpacked here, RLE and 12-bit
//! JPEG by this module's own decoders, lossy and lossless JPEG by jpeg-decoder ([`super::jpeg`]),
//! and JPEG-LS and JPEG 2000 by dicom-pixeldata (CharLS, OpenJPEG) once this module's own
//! checks have passed. Limits are checked by [`PixelModule::from_image`] before anything is
//! allocated; an optional back end left out of the build is refused by name
//! ([`super::codecs`]); each codestream must be complete and its own header is compared with
//! those attributes before its codec runs ([`super::codestream_size`]); frames decode in
//! parallel with rayon, and a panic inside a third-party codec becomes an
//! [`ImagingError::Codec`]. docs/imaging.md says which stages are our own and why.

use std::panic::{catch_unwind, AssertUnwindSafe};

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{FileDicomObject, FileMetaTableBuilder, InMemDicomObject};
use dicom_pixeldata::PixelDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use rayon::prelude::*;

use super::codec_output::CodecOutput;
use super::codecs::{require_backend, JPEG_2000, JPEG_LS};
use super::codestream_size::{check_codestream_size, jpeg2000_size, jpeg_frame_size};
use super::error::ImagingError;
use super::frame::GraySamples;
use super::jpeg::decode_jpeg_frame;
use super::jpeg_markers::ends_with_end_of_image;
use super::native::{
    gray16_frame, gray16_frames, is_gray16, unpack_frame, unpack_gray_frame, unpack_native_frame,
};
use super::pixel_module::{Photometric, PixelModule};
use super::rle::decode_rle_frame;
use super::source::{
    encapsulated_fragments, pixel_sequence_is_terminated, split_frames, ParsedImage,
};

const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";
const JPEG_LOSSLESS: &str = "1.2.840.10008.1.2.4.57";
const JPEG_LOSSLESS_SV1: &str = "1.2.840.10008.1.2.4.70";

/// One frame's stored values.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameValues {
    /// Grayscale, kept at the stored width.
    Gray(GraySamples),
    /// Colour or palette indices, interleaved, widened for the colour transforms.
    Colour(Vec<i64>),
}

/// Decoded stored values of the selected frames, and the colour model they are in.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFrames {
    /// Stored values, one entry per selected frame.
    pub frames: Vec<FrameValues>,
    /// Colour model of the values (codecs may already have turned YBR into RGB).
    pub photometric: Photometric,
}

/// Decode the frames listed in `selection` (0-based), in that order. Native Pixel Data is
/// read in place from `file` when [`parse_image`](super::source::parse_image) left it there,
/// else taken out of the data set (so that a frame can keep the parser's buffer); the rest
/// of the data set is left as it was.
pub fn decode_frames(
    file: &[u8],
    image: &mut ParsedImage,
    module: &PixelModule,
    selection: &[u32],
) -> Result<DecodedFrames, ImagingError> {
    if let Some(&frame) = selection.iter().find(|&&f| f >= module.frames) {
        return Err(ImagingError::FrameOutOfRange {
            frame,
            frames: module.frames,
        });
    }
    if let Some(value) = &image.native_pixel_data {
        let pixel_data = file
            .get(value.clone())
            .ok_or(ImagingError::PixelDataTooShort {
                found: file.len().saturating_sub(value.start),
                expected: value.len(),
            })?;
        return native_frames(pixel_data, module, selection);
    }
    let parsed = &mut image.object;
    let uid = parsed.transfer_syntax.as_str();
    match encapsulated_fragments(&parsed.dataset) {
        None => {
            let pixel_data = take_native_pixel_data(&mut parsed.dataset)?;
            // 16-bit grayscale the parser read as words (OW) is used as it is.
            match pixel_data {
                PrimitiveValue::U16(words) if is_gray16(module) => Ok(DecodedFrames {
                    frames: gray16_frames(words.into_vec(), module, selection)?
                        .into_iter()
                        .map(FrameValues::Gray)
                        .collect(),
                    photometric: module.photometric,
                }),
                other => native_frames(&other.to_bytes(), module, selection),
            }
        }
        Some((offsets, fragments)) => {
            require_backend(uid)?;
            let last = fragments.last().copied().unwrap_or_default();
            if !parsed.deflated && !pixel_sequence_is_terminated(file, last) {
                return Err(ImagingError::Parse(
                    "encapsulated Pixel Data ends without its sequence delimiter".to_owned(),
                ));
            }
            let encoded = split_frames(&offsets, &fragments, module.frames)?;
            let photometric = photometric_after_codec(uid, module);
            let codec_module = PixelModule {
                photometric,
                ..*module
            };
            let frames = selection
                .par_iter()
                .map(|&frame| {
                    decode_encapsulated_frame(uid, &encoded[frame as usize], module)
                        .and_then(|output| match output {
                            CodecOutput::Words(words) if is_gray16(&codec_module) => {
                                gray16_frame(words, &codec_module).map(FrameValues::Gray)
                            }
                            CodecOutput::Words(_) => Err(ImagingError::Codec {
                                frame: 0,
                                transfer_syntax: String::new(),
                                reason: "decoded samples do not match the attributes".to_owned(),
                            }),
                            CodecOutput::Bytes(bytes) if photometric.is_grayscale() => {
                                unpack_gray_frame(&bytes, &codec_module, None)
                                    .map(FrameValues::Gray)
                            }
                            CodecOutput::Bytes(bytes) => {
                                unpack_frame(&bytes, &codec_module, false).map(FrameValues::Colour)
                            }
                        })
                        .map_err(|error| with_frame(error, frame, uid))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(DecodedFrames {
                frames,
                photometric,
            })
        }
    }
}

/// Colour model of codec output: lossy JPEG decoders and JPEG 2000's component transform
/// already deliver RGB; other codecs keep the stored colour model.
fn photometric_after_codec(uid: &str, module: &PixelModule) -> Photometric {
    let ybr = matches!(
        module.photometric,
        Photometric::YbrFull | Photometric::YbrFull422
    );
    if (uid == JPEG_BASELINE || uid == JPEG_EXTENDED) && ybr {
        return Photometric::Rgb;
    }
    if module.photometric == Photometric::YbrFull422 {
        return Photometric::YbrFull;
    }
    if matches!(
        module.photometric,
        Photometric::YbrRct | Photometric::YbrIct
    ) {
        return Photometric::Rgb;
    }
    module.photometric
}

fn with_frame(error: ImagingError, frame: u32, uid: &str) -> ImagingError {
    match error {
        ImagingError::Codec { reason, .. } => ImagingError::Codec {
            frame,
            transfer_syntax: transfer_syntax_name(uid),
            reason,
        },
        other => other,
    }
}

/// The registered name of a transfer syntax, or its UID when unknown.
pub fn transfer_syntax_name(uid: &str) -> String {
    TransferSyntaxRegistry
        .get(uid)
        .map(|ts| ts.name().to_owned())
        .unwrap_or_else(|| uid.to_owned())
}

/// The `selection` of frames from native Pixel Data (little-endian bytes), side by side.
fn native_frames(
    pixel_data: &[u8],
    module: &PixelModule,
    selection: &[u32],
) -> Result<DecodedFrames, ImagingError> {
    let frames = selection
        .par_iter()
        .map(|&frame| {
            if module.photometric.is_grayscale() {
                unpack_gray_frame(pixel_data, module, Some(frame)).map(FrameValues::Gray)
            } else {
                unpack_native_frame(pixel_data, module, frame).map(FrameValues::Colour)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DecodedFrames {
        frames,
        photometric: module.photometric,
    })
}

/// Native Pixel Data, taken out of the data set. The parser has already read big-endian OW as
/// 16-bit words, so their little-endian bytes ([`PrimitiveValue::to_bytes`]) are what
/// PS3.5 8.1.1 means for 8-bit samples packed in OW as well.
fn take_native_pixel_data(dataset: &mut InMemDicomObject) -> Result<PrimitiveValue, ImagingError> {
    let element = dataset
        .take(tags::PIXEL_DATA)
        .ok_or(ImagingError::NoPixelData)?;
    match element.into_value() {
        Value::Primitive(primitive) => Ok(primitive),
        _ => Err(ImagingError::NoPixelData),
    }
}

/// One compressed frame to little-endian interleaved words of Bits Allocated.
fn decode_encapsulated_frame(
    uid: &str,
    data: &[u8],
    module: &PixelModule,
) -> Result<CodecOutput, ImagingError> {
    let fail = |reason: String| ImagingError::Codec {
        frame: 0,
        transfer_syntax: String::new(),
        reason,
    };
    if module.bits_allocated == 1 {
        return Err(ImagingError::Unsupported {
            what: "1-bit compressed Pixel Data",
            value: transfer_syntax_name(uid),
        });
    }
    let bytes_per_sample = module.bits_allocated as usize / 8;
    if uid == RLE_LOSSLESS {
        return decode_rle_frame(
            data,
            module.pixels_per_frame(),
            module.samples_per_pixel as usize,
            bytes_per_sample,
        );
    }
    let is_jpeg = [
        JPEG_BASELINE,
        JPEG_EXTENDED,
        JPEG_LOSSLESS,
        JPEG_LOSSLESS_SV1,
    ]
    .contains(&uid);
    if is_jpeg {
        return decode_jpeg_frame(data, module);
    }
    let is_jpeg_2000 = JPEG_2000.contains(&uid);
    if JPEG_LS.contains(&uid) && !ends_with_end_of_image(data) {
        return Err(fail(
            "codestream is truncated (no end-of-image marker)".to_owned(),
        ));
    }
    if is_jpeg_2000 && !ends_with_end_of_image(data) {
        return Err(fail(
            "codestream is truncated (no end-of-codestream marker)".to_owned(),
        ));
    }
    if !(is_jpeg_2000 || JPEG_LS.contains(&uid)) {
        return Err(ImagingError::Unsupported {
            what: "transfer syntax",
            value: transfer_syntax_name(uid),
        });
    }
    let size = if is_jpeg_2000 {
        jpeg2000_size(data)
    } else {
        jpeg_frame_size(data)
    };
    check_codestream_size(size, data.len(), module)?;
    let object = frame_object(uid, data, module)?;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        object
            .decode_pixel_data_frame(0)
            .map(|decoded| decoded.into_data())
    }));
    let out = match outcome {
        Ok(Ok(out)) => out,
        Ok(Err(error)) => return Err(fail(with_causes(&error))),
        Err(_) => return Err(fail("the codec failed on malformed data".to_owned())),
    };
    let expected = module.samples_per_frame() * bytes_per_sample;
    if out.len() < expected {
        return Err(fail(format!(
            "{} bytes decoded, {expected} expected",
            out.len()
        )));
    }
    Ok(CodecOutput::Bytes(out))
}

/// An error and what caused it, as dicom-pixeldata's own message only says which step failed.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    for _ in 0..8 {
        let Some(inner) = cause else { break };
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// One frame's compressed bytes as the one-frame object dicom-pixeldata decodes: the Image
/// Pixel module's attributes (already validated, and checked against the codestream's own
/// header) and a pixel sequence of one fragment. Nothing of the patient is in it, and it is
/// never written anywhere; the meta group names Secondary Capture only because it must name
/// a class.
fn frame_object(
    uid: &str,
    data: &[u8],
    module: &PixelModule,
) -> Result<FileDicomObject<InMemDicomObject>, ImagingError> {
    let us = |name: &'static str, value: u32| {
        u16::try_from(value)
            .map(PrimitiveValue::from)
            .map_err(|_| ImagingError::Attribute { name })
    };
    let mut object = InMemDicomObject::new_empty();
    for (tag, name, value) in [
        (tags::ROWS, "Rows", module.rows),
        (tags::COLUMNS, "Columns", module.columns),
        (
            tags::SAMPLES_PER_PIXEL,
            "SamplesPerPixel",
            module.samples_per_pixel,
        ),
        (tags::BITS_ALLOCATED, "BitsAllocated", module.bits_allocated),
        (tags::BITS_STORED, "BitsStored", module.bits_stored),
        (
            tags::HIGH_BIT,
            "HighBit",
            module.bits_stored.saturating_sub(1),
        ),
        (
            tags::PIXEL_REPRESENTATION,
            "PixelRepresentation",
            u32::from(module.signed),
        ),
    ] {
        object.put(DataElement::new(tag, VR::US, us(name, value)?));
    }
    object.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from(photometric_name(module.photometric)),
    ));
    object.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from("1"),
    ));
    object.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new_fragments(vec![data.to_vec()])),
    ));
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(uid)
        .media_storage_sop_class_uid(uids::SECONDARY_CAPTURE_IMAGE_STORAGE)
        .media_storage_sop_instance_uid("2.25.0")
        .build()
        .map_err(|error| ImagingError::Parse(error.to_string()))?;
    Ok(object.with_exact_meta(meta))
}

/// The Photometric Interpretation term (PS3.3 C.7.6.3.1.2).
fn photometric_name(photometric: Photometric) -> &'static str {
    match photometric {
        Photometric::Monochrome1 => "MONOCHROME1",
        Photometric::Monochrome2 => "MONOCHROME2",
        Photometric::PaletteColor => "PALETTE COLOR",
        Photometric::Rgb => "RGB",
        Photometric::YbrFull => "YBR_FULL",
        Photometric::YbrFull422 => "YBR_FULL_422",
        Photometric::YbrRct => "YBR_RCT",
        Photometric::YbrIct => "YBR_ICT",
    }
}
