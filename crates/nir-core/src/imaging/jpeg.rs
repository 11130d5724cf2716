//! The JPEG transfer syntaxes of ISO 10918-1 (baseline, extended, lossless): 12-bit DCT goes
//! to [`super::jpeg12`], one-component lossless to [`super::jpeg_lossless`], everything else
//! to the jpeg-decoder crate. A codestream without an
//! EOI marker is refused as truncated (as DCMTK and GDCM do). Colour handling follows the
//! codestream's JFIF/Adobe markers and component identifiers, and the DICOM Photometric
//! Interpretation when those are silent, so RGB stored without a colour transform is not
//! converted a second time. The frame header is compared with the DICOM attributes (and
//! with the bytes present) before any decoder allocates, and jpeg-decoder's output buffer
//! is capped at the frame's size ([`super::codestream_size`]).

use std::panic::{catch_unwind, AssertUnwindSafe};

use jpeg_decoder::{ColorTransform, Decoder};

use super::codec_output::CodecOutput;
use super::codestream_size::{check_codestream_size, jpeg_frame_size};
use super::error::ImagingError;
use super::jpeg12::decode_twelve_bit;
use super::jpeg_lossless::decode_lossless;
use super::jpeg_markers::{ends_with_end_of_image, read_header};
use super::pixel_module::{Photometric, PixelModule};

fn fail(reason: impl Into<String>) -> ImagingError {
    ImagingError::Codec {
        frame: 0,
        transfer_syntax: String::new(),
        reason: reason.into(),
    }
}

/// Decode one JPEG frame to little-endian interleaved samples of Bits Allocated (or, from
/// the lossless decoder, 16-bit grayscale words).
pub fn decode_jpeg_frame(data: &[u8], module: &PixelModule) -> Result<CodecOutput, ImagingError> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(fail("no start-of-image marker"));
    }
    if !ends_with_end_of_image(data) {
        return Err(fail("codestream is truncated (no end-of-image marker)"));
    }
    check_codestream_size(jpeg_frame_size(data), data.len(), module)?;
    let header = read_header(data);
    let lossless = header.frame_marker == 0xC3;
    if !lossless && header.precision == 12 {
        return decode_twelve_bit(data, module);
    }
    if lossless {
        if let Some(outcome) = decode_lossless(data, module) {
            return outcome;
        }
    }
    let mut decoder = Decoder::new(data);
    // The decoder may not produce more than the attributes allow (16-bit samples at most).
    decoder.set_max_decoding_buffer_size(module.samples_per_frame().saturating_mul(2));
    if header.component_ids.len() == 3 && !lossless {
        let stored_as_rgb = !header.jfif
            && !header.adobe
            && header.component_ids != [1, 2, 3]
            && module.photometric == Photometric::Rgb;
        if stored_as_rgb {
            decoder.set_color_transform(ColorTransform::RGB);
        }
    }
    let decoded = catch_unwind(AssertUnwindSafe(|| decoder.decode()))
        .map_err(|_| fail("the JPEG decoder failed on malformed data"))?
        .map_err(|error| fail(error.to_string()))?;
    let info = decoder.info().ok_or_else(|| fail("no frame header"))?;
    if u32::from(info.width) != module.columns || u32::from(info.height) != module.rows {
        return Err(fail(format!(
            "codestream is {}x{}, attributes say {}x{}",
            info.width, info.height, module.columns, module.rows
        )));
    }
    let bytes_per_sample = module.bits_allocated as usize / 8;
    let decoded_width = info.pixel_format.pixel_bytes() / module.samples_per_pixel.max(1) as usize;
    let bytes = match (decoded_width, bytes_per_sample) {
        (a, b) if a == b => Ok(decoded),
        (1, 2) => Ok(decoded
            .iter()
            .flat_map(|&v| u16::from(v).to_le_bytes())
            .collect()),
        (2, 1) => Ok(decoded
            .chunks_exact(2)
            .map(|w| u16::from_ne_bytes([w[0], w[1]]) as u8)
            .collect()),
        _ => Err(fail("decoded sample size does not match Bits Allocated")),
    };
    bytes.map(CodecOutput::Bytes)
}
