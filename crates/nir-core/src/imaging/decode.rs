//! Pixel Data to stored values, frame by frame: native data is unpacked here, RLE and 12-bit
//! JPEG by this module's own decoders, and every other compressed syntax by the dicom-rs
//! codec registry (jpeg-decoder, CharLS, OpenJPEG). Limits are checked by
//! [`PixelModule::from_object`] before anything is allocated, each codestream's own header
//! is compared with those attributes before its codec runs ([`super::codestream_size`]),
//! frames decode in parallel with rayon, and a panic inside a third-party codec becomes an
//! [`ImagingError::Codec`].

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_encoding::adapters::PixelDataObject;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use rayon::prelude::*;

use super::codestream_size::{check_codestream_size, jpeg2000_size, jpeg_frame_size};
use super::error::ImagingError;
use super::frame::GraySamples;
use super::jpeg::decode_jpeg_frame;
use super::jpeg_markers::ends_with_end_of_image;
use super::native::{unpack_frame, unpack_gray_frame, unpack_native_frame};
use super::pixel_module::{Photometric, PixelModule};
use super::rle::decode_rle_frame;
use super::source::{
    encapsulated_fragments, pixel_sequence_is_terminated, split_frames, ParsedObject,
};

const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";
const JPEG_LOSSLESS: &str = "1.2.840.10008.1.2.4.57";
const JPEG_LOSSLESS_SV1: &str = "1.2.840.10008.1.2.4.70";
const JPEG_LS: [&str; 2] = ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"];
const JPEG_2000: [&str; 5] = [
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.91",
    "1.2.840.10008.1.2.4.201",
    "1.2.840.10008.1.2.4.202",
    "1.2.840.10008.1.2.4.203",
];

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

/// Decode the frames listed in `selection` (0-based), in that order.
pub fn decode_frames(
    file: &[u8],
    parsed: &ParsedObject,
    module: &PixelModule,
    selection: &[u32],
) -> Result<DecodedFrames, ImagingError> {
    if let Some(&frame) = selection.iter().find(|&&f| f >= module.frames) {
        return Err(ImagingError::FrameOutOfRange {
            frame,
            frames: module.frames,
        });
    }
    let uid = parsed.transfer_syntax.as_str();
    match encapsulated_fragments(&parsed.dataset) {
        None => {
            let bytes = native_pixel_bytes(&parsed.dataset)?;
            let frames = selection
                .par_iter()
                .map(|&frame| {
                    if module.photometric.is_grayscale() {
                        unpack_gray_frame(&bytes, module, Some(frame)).map(FrameValues::Gray)
                    } else {
                        unpack_native_frame(&bytes, module, frame).map(FrameValues::Colour)
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(DecodedFrames {
                frames,
                photometric: module.photometric,
            })
        }
        Some((offsets, fragments)) => {
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
                        .and_then(|bytes| {
                            if photometric.is_grayscale() {
                                unpack_gray_frame(&bytes, &codec_module, None)
                                    .map(FrameValues::Gray)
                            } else {
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

/// Native Pixel Data as little-endian bytes. The parser has already read big-endian OW as
/// 16-bit words, so their little-endian bytes are what PS3.5 8.1.1 means for 8-bit samples
/// packed in OW as well.
fn native_pixel_bytes(dataset: &InMemDicomObject) -> Result<Cow<'_, [u8]>, ImagingError> {
    let element = dataset
        .element_opt(tags::PIXEL_DATA)
        .ok()
        .flatten()
        .ok_or(ImagingError::NoPixelData)?;
    match element.value() {
        Value::Primitive(primitive) => Ok(primitive.to_bytes()),
        _ => Err(ImagingError::NoPixelData),
    }
}

/// One compressed frame to little-endian interleaved words of Bits Allocated.
fn decode_encapsulated_frame(
    uid: &str,
    data: &[u8],
    module: &PixelModule,
) -> Result<Vec<u8>, ImagingError> {
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
    let reader = TransferSyntaxRegistry
        .get(uid)
        .and_then(|ts| ts.pixel_data_reader())
        .ok_or_else(|| ImagingError::Unsupported {
            what: "transfer syntax (no decoder in this build)",
            value: transfer_syntax_name(uid),
        })?;
    let frame = SingleFrame { module, uid, data };
    let mut out = Vec::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        reader.decode_frame(&frame, 0, &mut out)
    }));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(fail(error.to_string())),
        Err(_) => return Err(fail("the codec failed on malformed data".to_owned())),
    }
    let expected = module.samples_per_frame() * bytes_per_sample;
    if out.len() < expected {
        return Err(fail(format!(
            "{} bytes decoded, {expected} expected",
            out.len()
        )));
    }
    Ok(out)
}

/// One frame's compressed bytes dressed as the object the codec registry expects.
struct SingleFrame<'a> {
    module: &'a PixelModule,
    uid: &'a str,
    data: &'a [u8],
}

fn narrow(value: u32) -> Option<u16> {
    u16::try_from(value).ok()
}

impl PixelDataObject for SingleFrame<'_> {
    fn transfer_syntax_uid(&self) -> &str {
        self.uid
    }
    fn rows(&self) -> Option<u16> {
        narrow(self.module.rows)
    }
    fn cols(&self) -> Option<u16> {
        narrow(self.module.columns)
    }
    fn samples_per_pixel(&self) -> Option<u16> {
        narrow(self.module.samples_per_pixel)
    }
    fn bits_allocated(&self) -> Option<u16> {
        narrow(self.module.bits_allocated)
    }
    fn bits_stored(&self) -> Option<u16> {
        narrow(self.module.bits_stored)
    }
    fn photometric_interpretation(&self) -> Option<&str> {
        Some(match self.module.photometric {
            Photometric::Monochrome1 => "MONOCHROME1",
            Photometric::Monochrome2 => "MONOCHROME2",
            Photometric::PaletteColor => "PALETTE COLOR",
            Photometric::Rgb => "RGB",
            Photometric::YbrFull => "YBR_FULL",
            Photometric::YbrFull422 => "YBR_FULL_422",
            Photometric::YbrRct => "YBR_RCT",
            Photometric::YbrIct => "YBR_ICT",
        })
    }
    fn number_of_frames(&self) -> Option<u32> {
        Some(1)
    }
    fn number_of_fragments(&self) -> Option<u32> {
        Some(1)
    }
    fn fragment(&self, fragment: usize) -> Option<Cow<'_, [u8]>> {
        (fragment == 0).then_some(Cow::Borrowed(self.data))
    }
    fn offset_table(&self) -> Option<Cow<'_, [u32]>> {
        Some(Cow::Borrowed(&[]))
    }
    fn raw_pixel_data(&self) -> Option<dicom_encoding::adapters::RawPixelData> {
        Some(dicom_encoding::adapters::RawPixelData {
            fragments: dicom_core::value::C::from_vec(vec![self.data.to_vec()]),
            offset_table: Default::default(),
        })
    }
}
