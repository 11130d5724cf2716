//! Synthetic DICOM instances, made on demand from the catalogue: a header
//! ([`header::instance_header`]), phantom pixels ([`phantom`]), then encoding into the
//! series' stored transfer syntax (explicit VR LE, RLE lossless written here, JPEG-LS
//! lossless through CharLS, JPEG baseline for the colour cine) or into native explicit
//! VR LE on request. Document series carry an encapsulated PDF or a Basic Text SR instead,
//! presentation state series a Grayscale Softcopy Presentation State ([`gsps`]). Everything is deterministic, so regenerating gives identical bytes.

mod elements;
pub mod gsps;
pub mod header;
pub mod kos;
pub mod pdf;
pub mod phantom;
pub mod rle;
pub mod sr;
pub mod voi_table;

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use crate::catalogue::{SeriesKind, TS_EXPLICIT_LE, TS_JPEG_BASELINE, TS_JPEG_LS, TS_RLE};
use header::{instance_header, pixel_layout, InstanceRef};

/// Why an instance could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DicomGenError {
    /// Building or writing the object failed.
    #[error("could not build DICOM object {0}: {1}")]
    Build(String, String),
    /// A codec failed.
    #[error("could not encode instance {0}: {1}")]
    Encode(String, String),
}

/// Which encoding of an instance to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// The series' stored transfer syntax.
    Stored,
    /// Native explicit VR little endian.
    Native,
}

/// The transfer syntax an instance is stored in (the corrupt instance is kept native so
/// that its short Pixel Data is visible as such).
pub fn stored_transfer_syntax(at: InstanceRef<'_>) -> &'static str {
    if at.is_corrupt() {
        TS_EXPLICIT_LE
    } else {
        at.series.transfer_syntax
    }
}

/// The transfer syntax `encoding` yields for this instance.
pub fn transfer_syntax_for(at: InstanceRef<'_>, encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Stored => stored_transfer_syntax(at),
        Encoding::Native => TS_EXPLICIT_LE,
    }
}

/// The native frames of an image instance (empty for documents); the corrupt instance's
/// single frame is cut to half length.
pub fn native_frames(at: InstanceRef<'_>) -> Vec<Vec<u8>> {
    let frames = if matches!(
        at.series.kind,
        SeriesKind::Pdf | SeriesKind::Sr | SeriesKind::Pr | SeriesKind::Ko
    ) {
        0
    } else {
        at.series.frames.max(1)
    };
    let mut out: Vec<Vec<u8>> = (0..frames)
        .map(|f| phantom::frame_pixels(at.series, at.number, f))
        .collect();
    if at.is_corrupt() {
        for frame in &mut out {
            frame.truncate(frame.len() / 2);
        }
    }
    out
}

/// The Part-10 bytes of one instance in the requested encoding.
pub fn part10(at: InstanceRef<'_>, encoding: Encoding) -> Result<Vec<u8>, DicomGenError> {
    let ts = transfer_syntax_for(at, encoding);
    let sop = at.sop_uid();
    let mut obj = instance_header(at);
    if at.series.kind == SeriesKind::Pdf {
        let pdf = pdf::text_pdf(
            at.study.description,
            "Synthetic outside imaging report for training. \
            No real patient data. Findings: no abnormality detected on the outside study.",
        );
        let mut pdf = pdf;
        if pdf.len() % 2 == 1 {
            pdf.push(0);
        }
        obj.put(DataElement::new(
            tags::ENCAPSULATED_DOCUMENT,
            VR::OB,
            PrimitiveValue::from(pdf),
        ));
    } else {
        put_pixel_data(&mut obj, at, ts)?;
    }
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts))
        .map_err(|e| DicomGenError::Build(sop.clone(), e.to_string()))?;
    let mut out = Vec::new();
    file.write_all(&mut out)
        .map_err(|e| DicomGenError::Build(sop, e.to_string()))?;
    Ok(out)
}

fn put_pixel_data(
    obj: &mut InMemDicomObject,
    at: InstanceRef<'_>,
    ts: &str,
) -> Result<(), DicomGenError> {
    let Some(layout) = pixel_layout(at.series.kind) else {
        return Ok(());
    };
    let frames = native_frames(at);
    let sop = at.sop_uid();
    let fragments: Vec<Vec<u8>> = match ts {
        TS_RLE => frames
            .iter()
            .map(|f| {
                rle::encode_frame(
                    f,
                    usize::from(layout.samples),
                    usize::from(layout.bits_allocated / 8),
                )
            })
            .collect(),
        TS_JPEG_LS => {
            let mut codec = charls::CharLS::default();
            let info = || charls::FrameInfo {
                width: u32::from(at.series.cols),
                height: u32::from(at.series.rows),
                bits_per_sample: i32::from(layout.bits_stored),
                component_count: i32::from(layout.samples),
            };
            frames
                .iter()
                .map(|f| {
                    codec
                        .encode(info(), 0, f)
                        .map_err(|e| DicomGenError::Encode(sop.clone(), e.to_string()))
                })
                .collect::<Result<_, _>>()?
        }
        TS_JPEG_BASELINE => {
            obj.put(DataElement::new(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                PrimitiveValue::from("YBR_FULL_422"),
            ));
            obj.put(DataElement::new(
                tags::LOSSY_IMAGE_COMPRESSION,
                VR::CS,
                PrimitiveValue::from("01"),
            ));
            obj.put(DataElement::new(
                tags::LOSSY_IMAGE_COMPRESSION_METHOD,
                VR::CS,
                PrimitiveValue::from("ISO_10918_1"),
            ));
            frames
                .iter()
                .map(|f| jpeg_baseline(at, f))
                .collect::<Result<_, _>>()?
        }
        _ => {
            let mut native: Vec<u8> = frames.concat();
            if native.len() % 2 == 1 {
                native.push(0);
            }
            let vr = if layout.bits_allocated == 8 {
                VR::OB
            } else {
                VR::OW
            };
            obj.put(DataElement::new(
                tags::PIXEL_DATA,
                vr,
                PrimitiveValue::from(native),
            ));
            return Ok(());
        }
    };
    let fragments: Vec<Vec<u8>> = fragments
        .into_iter()
        .map(|mut f| {
            if f.len() % 2 == 1 {
                f.push(0);
            }
            f
        })
        .collect();
    let sequence = PixelFragmentSequence::new(Vec::<u32>::new(), fragments);
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(sequence),
    ));
    Ok(())
}

fn jpeg_baseline(at: InstanceRef<'_>, rgb: &[u8]) -> Result<Vec<u8>, DicomGenError> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_2);
    encoder
        .encode(
            rgb,
            at.series.cols,
            at.series.rows,
            jpeg_encoder::ColorType::Rgb,
        )
        .map_err(|e| DicomGenError::Encode(at.sop_uid(), e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
