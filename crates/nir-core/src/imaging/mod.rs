//! The imaging pipeline: DICOM bytes to pixels a clinician can look at. Declared lengths
//! checked against the bytes present ([`declared_lengths`]), parsing and frame
//! splitting ([`source`]), validated attributes and safety limits ([`pixel_module`]),
//! decoding of native and compressed Pixel Data ([`decode`], [`codec_output`], [`native`], [`rle`],
//! [`jpeg`], [`jpeg12`], [`jpeg_lossless`], [`jpeg_differences`], [`jpeg_entropy`]), then the PS3.3/PS3.4 display chain in order — Modality LUT
//! ([`modality_lut`]), VOI ([`voi_lut`]), presentation ([`presentation`]) — and colour
//! ([`colour`], [`palette`]). Optional codec back ends are Cargo features ([`codecs`]).
//! [`frame::decode_image`] is the entry point; [`render`] is the headless subcommand that
//! proves the pipeline on a corpus.

pub mod codec_output;
pub mod codecs;
pub mod codestream_size;
pub mod colour;
pub mod declared_lengths;
pub mod decode;
pub mod error;
pub mod file_image;
pub mod frame;
pub mod jpeg;
pub mod jpeg12;
pub mod jpeg_differences;
pub mod jpeg_entropy;
pub mod jpeg_lossless;
pub mod jpeg_markers;
pub mod modality_lut;
pub mod native;
pub mod npy;
pub mod palette;
pub mod pixel_module;
pub mod presentation;
/// Hand-made element bytes for hostile-input tests (this crate's and the shell's).
#[cfg(any(test, feature = "test-support"))]
pub mod raw_element;
pub mod render;
pub mod rle;
pub mod source;
pub mod voi_lut;

pub use error::ImagingError;
pub use frame::{decode_image, DecodedFrame, DecodedImage, FramePixels, GraySamples, RgbSamples};
pub use pixel_module::DecodeLimits;
