//! The decoded image the viewer uploads to WebGL2, and the one entry point that makes it
//! from file bytes. Grayscale frames keep stored values (16-bit when they fit) beside their
//! Modality LUT, window presets and presentation, so windowing can run in the shader;
//! colour frames are RGB with 8-, 16- or 32-bit samples after YBR conversion or palette.

use dicom_object::InMemDicomObject;

use super::colour::{ybr_full_to_rgb, ybr_rct_to_rgb};
use super::decode::{decode_frames, DecodedFrames, FrameValues};
use super::error::ImagingError;
use super::modality_lut::ModalityLut;
use super::palette::Palette;
use super::pixel_module::{DecodeLimits, Photometric, PixelModule};
use super::presentation::Presentation;
use super::source::parse_image;
use super::voi_lut::VoiOptions;

/// Stored grayscale values at their stored width: 8 bits for unsigned 8-bit data, else
/// 16 bits whenever they fit.
#[derive(Debug, Clone, PartialEq)]
pub enum GraySamples {
    /// Unsigned values of 8 bits allocated.
    Unsigned8(Vec<u8>),
    /// Unsigned values up to 16 bits.
    Unsigned16(Vec<u16>),
    /// Signed values up to 16 bits.
    Signed16(Vec<i16>),
    /// Anything wider (e.g. 32-bit RT Dose).
    Wide(Vec<i64>),
}

impl GraySamples {
    /// All values widened to `i64`.
    pub fn to_i64(&self) -> Vec<i64> {
        match self {
            GraySamples::Unsigned8(v) => v.iter().map(|&x| i64::from(x)).collect(),
            GraySamples::Unsigned16(v) => v.iter().map(|&x| i64::from(x)).collect(),
            GraySamples::Signed16(v) => v.iter().map(|&x| i64::from(x)).collect(),
            GraySamples::Wide(v) => v.clone(),
        }
    }

    /// All values after the Modality LUT (PS3.3 C.11.1), in modality units.
    pub fn modality_values(&self, modality: &ModalityLut) -> Vec<f64> {
        self.to_i64()
            .into_iter()
            .map(|v| modality.apply(v))
            .collect()
    }
}

/// The smallest and largest of `values` (infinite both when there are none).
pub fn value_range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// RGB samples, interleaved.
#[derive(Debug, Clone, PartialEq)]
pub enum RgbSamples {
    /// 8 bits per sample.
    Rgb8(Vec<u8>),
    /// 16 bits per sample (16-bit RGB, 16-bit palettes).
    Rgb16(Vec<u16>),
    /// Wider samples (32-bit RGB).
    Rgb32(Vec<u32>),
}

impl RgbSamples {
    /// The samples scaled to 8 bits (their most significant byte).
    pub fn to_rgb8(&self) -> Vec<u8> {
        match self {
            RgbSamples::Rgb8(v) => v.clone(),
            RgbSamples::Rgb16(v) => v.iter().map(|&x| (x >> 8) as u8).collect(),
            RgbSamples::Rgb32(v) => v.iter().map(|&x| (x >> 24) as u8).collect(),
        }
    }
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub enum FramePixels {
    /// Grayscale: stored values and everything needed to display them.
    Grayscale {
        /// Stored values, row by row.
        samples: GraySamples,
        /// Stored → modality units.
        modality: ModalityLut,
        /// Windows and VOI LUT offered.
        voi: VoiOptions,
        /// MONOCHROME1 / INVERSE handling.
        presentation: Presentation,
    },
    /// Colour, ready to show.
    Colour(RgbSamples),
}

/// A decoded frame and its 0-based number in the object.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFrame {
    /// 0-based frame number.
    pub index: u32,
    /// Its pixels.
    pub pixels: FramePixels,
}

impl DecodedFrame {
    /// Values as the corpus convention wants them: grayscale after the Modality LUT,
    /// colour as RGB samples; float32, row by row (3 values per pixel for colour).
    pub fn output_values(&self) -> Vec<f32> {
        match &self.pixels {
            FramePixels::Grayscale {
                samples, modality, ..
            } => samples
                .modality_values(modality)
                .into_iter()
                .map(|v| v as f32)
                .collect(),
            FramePixels::Colour(RgbSamples::Rgb8(v)) => v.iter().map(|&x| f32::from(x)).collect(),
            FramePixels::Colour(RgbSamples::Rgb16(v)) => v.iter().map(|&x| f32::from(x)).collect(),
            FramePixels::Colour(RgbSamples::Rgb32(v)) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// Writes the frame's values at the width they are kept at (stored values for
    /// grayscale, 32 bits for values wider than 16; RGB samples for colour), little-endian.
    /// 16-bit values are written from the frame's own memory on little-endian machines;
    /// wider ones go through one small buffer, a block at a time, so no second copy of the
    /// frame is made.
    pub fn write_stored_le(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        fn write<const N: usize, T: Copy>(
            out: &mut impl std::io::Write,
            values: &[T],
            le: fn(T) -> [u8; N],
        ) -> std::io::Result<()> {
            const BLOCK: usize = 32 * 1024;
            let mut bytes = vec![0u8; BLOCK * N];
            for block in values.chunks(BLOCK) {
                let bytes = &mut bytes[..block.len() * N];
                // Fixed-size chunks: the compiler turns this into wide moves.
                for (slot, &value) in bytes.chunks_exact_mut(N).zip(block) {
                    slot.copy_from_slice(&le(value));
                }
                out.write_all(bytes)?;
            }
            Ok(())
        }
        /// 16-bit values: on a little-endian machine their memory already is their
        /// little-endian bytes, so it is written as it is.
        fn write16<T: bytemuck::Pod>(
            out: &mut impl std::io::Write,
            values: &[T],
            le: fn(T) -> [u8; 2],
        ) -> std::io::Result<()> {
            if cfg!(target_endian = "little") {
                out.write_all(bytemuck::cast_slice(values))
            } else {
                write(out, values, le)
            }
        }
        match &self.pixels {
            FramePixels::Grayscale { samples, .. } => match samples {
                GraySamples::Unsigned8(v) => out.write_all(v),
                GraySamples::Unsigned16(v) => write16(out, v, u16::to_le_bytes),
                GraySamples::Signed16(v) => write16(out, v, i16::to_le_bytes),
                GraySamples::Wide(v) => write(out, v, |x| (x as i32).to_le_bytes()),
            },
            FramePixels::Colour(RgbSamples::Rgb8(v)) => out.write_all(v),
            FramePixels::Colour(RgbSamples::Rgb16(v)) => write16(out, v, u16::to_le_bytes),
            FramePixels::Colour(RgbSamples::Rgb32(v)) => write(out, v, u32::to_le_bytes),
        }
    }

    /// 8-bit display values after the default VOI and presentation (grayscale), or RGB
    /// scaled to 8 bits (colour).
    pub fn display8(&self) -> Vec<u8> {
        match &self.pixels {
            FramePixels::Colour(rgb) => rgb.to_rgb8(),
            FramePixels::Grayscale {
                samples,
                modality,
                voi,
                presentation,
            } => {
                let values = samples.modality_values(modality);
                let (min, max) = value_range(&values);
                values
                    .iter()
                    .map(|&x| {
                        presentation
                            .apply(voi.to_display8(x, (min, max)), 255.0)
                            .round()
                            .clamp(0.0, 255.0) as u8
                    })
                    .collect()
            }
        }
    }
}

/// A decoded image: the selected frames of one object.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedImage {
    /// Rows per frame.
    pub rows: u32,
    /// Columns per frame.
    pub columns: u32,
    /// Number of frames in the object (not only those decoded).
    pub frames_in_object: u32,
    /// The decoded frames, in the order asked for.
    pub frames: Vec<DecodedFrame>,
}

impl DecodedImage {
    /// True when frames are RGB (3 values per pixel).
    pub fn is_colour(&self) -> bool {
        self.frames
            .iter()
            .any(|f| matches!(f.pixels, FramePixels::Colour(_)))
    }
}

/// Parse and decode `bytes`: every frame, or only `frame` (0-based) when given.
pub fn decode_image(
    bytes: &[u8],
    limits: &DecodeLimits,
    frame: Option<u32>,
) -> Result<DecodedImage, ImagingError> {
    let mut image = parse_image(bytes)?;
    let module = PixelModule::from_image(&image, limits)?;
    let selection: Vec<u32> = match frame {
        Some(frame) => vec![frame],
        None => (0..module.frames).collect(),
    };
    let decoded = decode_frames(bytes, &mut image, &module, &selection)?;
    assemble_image(&image.object.dataset, &module, &selection, decoded)
}

/// The decoded image from the stored values of the `selection` of frames and the data set
/// they came from (its palette, Modality LUT, VOI and presentation).
pub(super) fn assemble_image(
    dataset: &InMemDicomObject,
    module: &PixelModule,
    selection: &[u32],
    decoded: DecodedFrames,
) -> Result<DecodedImage, ImagingError> {
    let palette = match decoded.photometric {
        Photometric::PaletteColor => Some(Palette::from_object(dataset)?),
        _ => None,
    };
    let presentation = Presentation::from_object(dataset, module.photometric);
    let mut frames = Vec::with_capacity(selection.len());
    for (index, values) in selection.iter().copied().zip(decoded.frames) {
        let pixels = match values {
            FrameValues::Gray(samples) => FramePixels::Grayscale {
                samples,
                modality: ModalityLut::for_frame(dataset, index, module.signed)?,
                voi: VoiOptions::for_frame(dataset, index)?,
                presentation,
            },
            FrameValues::Colour(values) if decoded.photometric == Photometric::PaletteColor => {
                let Some(palette) = &palette else {
                    return Err(ImagingError::NoPixelData);
                };
                let rgb = palette.apply(&values);
                FramePixels::Colour(if palette.is_sixteen_bit() {
                    RgbSamples::Rgb16(rgb.iter().map(|&v| v as u16).collect())
                } else {
                    RgbSamples::Rgb8(rgb.iter().map(|&v| v as u8).collect())
                })
            }
            FrameValues::Colour(mut values) => {
                match decoded.photometric {
                    Photometric::YbrFull | Photometric::YbrFull422 | Photometric::YbrIct => {
                        ybr_full_to_rgb(&mut values, module.bits_allocated)
                    }
                    Photometric::YbrRct => ybr_rct_to_rgb(&mut values, module.bits_allocated),
                    _ => {}
                }
                FramePixels::Colour(match module.bits_allocated {
                    0..=8 => RgbSamples::Rgb8(values.iter().map(|&v| v as u8).collect()),
                    9..=16 => RgbSamples::Rgb16(values.iter().map(|&v| v as u16).collect()),
                    _ => RgbSamples::Rgb32(values.iter().map(|&v| v as u32).collect()),
                })
            }
        };
        frames.push(DecodedFrame { index, pixels });
    }
    Ok(DecodedImage {
        rows: module.rows,
        columns: module.columns,
        frames_in_object: module.frames,
        frames,
    })
}

/// Each grayscale frame's stored values (tests compare decodes with it).
#[cfg(test)]
pub(crate) fn stored_gray_values(image: &DecodedImage) -> Vec<Vec<i64>> {
    image
        .frames
        .iter()
        .map(|frame| match &frame.pixels {
            FramePixels::Grayscale { samples, .. } => samples.to_i64(),
            FramePixels::Colour(_) => panic!("grayscale expected"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::raw_element::MonochromeImage;
    use super::*;

    fn grey(samples: GraySamples) -> DecodedFrame {
        DecodedFrame {
            index: 0,
            pixels: FramePixels::Grayscale {
                samples,
                modality: ModalityLut::Rescale(super::super::modality_lut::Rescale::IDENTITY),
                voi: VoiOptions::default(),
                presentation: Presentation { invert: false },
            },
        }
    }

    #[test]
    fn native_pixel_data_read_in_place_decodes_as_the_parser_reads_it() {
        let limits = DecodeLimits::default();
        let words: [u16; 8] = [1, 2, 3, 4000, 5, 6, 7, 65535];
        let little: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let big: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        let mut in_place = MonochromeImage::little_endian(2, 2, 2, 16);
        // Trailing padding (FFFC,FFFC) after Pixel Data, as PS3.10 allows.
        in_place.after_pixel_data = in_place.element(0xFFFC, 0xFFFC, b"OB", &[0; 4]);
        let parsed = MonochromeImage {
            transfer_syntax: "1.2.840.10008.1.2.2",
            big_endian: true,
            ..MonochromeImage::little_endian(2, 2, 2, 16)
        };
        let want: Vec<Vec<i64>> = words
            .chunks(4)
            .map(|c| c.iter().map(|&w| i64::from(w)).collect())
            .collect();
        for file in [in_place.file(&little), parsed.file(&big)] {
            let image = decode_image(&file, &limits, None).unwrap();
            assert_eq!(stored_gray_values(&image), want);
        }
        let eight = MonochromeImage {
            after_pixel_data: in_place.after_pixel_data.clone(),
            ..MonochromeImage::little_endian(2, 2, 2, 8)
        };
        let image = decode_image(
            &eight.file(&[0, 1, 2, 3, 250, 251, 252, 255]),
            &limits,
            Some(1),
        )
        .unwrap();
        assert_eq!(stored_gray_values(&image), vec![vec![250, 251, 252, 255]]);
    }

    #[test]
    fn attributes_after_pixel_data_are_read_as_the_parser_reads_them() {
        // Out of order, but the parser accepts it: the object is then parsed whole.
        let mut image = MonochromeImage::little_endian(2, 2, 1, 16);
        image.after_pixel_data = image.element(0x0028, 0x1053, b"DS", b"2 ");
        let decoded = decode_image(
            &image.file(&[1, 0, 2, 0, 3, 0, 4, 0]),
            &DecodeLimits::default(),
            None,
        )
        .unwrap();
        match &decoded.frames[0].pixels {
            FramePixels::Grayscale {
                modality: ModalityLut::Rescale(rescale),
                ..
            } => assert_eq!(rescale.slope, 2.0),
            other => panic!("a rescale expected, not {other:?}"),
        }
    }

    #[test]
    fn native_pixel_data_too_short_for_its_frames_is_an_error() {
        let file = MonochromeImage::little_endian(2, 2, 2, 16).file(&[1, 0, 2, 0, 3, 0]);
        assert!(matches!(
            decode_image(&file, &DecodeLimits::default(), None),
            Err(ImagingError::PixelDataTooShort { .. })
        ));
    }

    #[test]
    fn stored_bytes_keep_the_stored_width() {
        let mut out = Vec::new();
        let frames = [
            grey(GraySamples::Unsigned8(vec![1, 255])),
            grey(GraySamples::Signed16(vec![-2])),
            grey(GraySamples::Wide(vec![1 << 20])),
        ];
        for frame in &frames {
            frame.write_stored_le(&mut out).unwrap();
        }
        let colour = DecodedFrame {
            index: 0,
            pixels: FramePixels::Colour(RgbSamples::Rgb16(vec![0x0102])),
        };
        colour.write_stored_le(&mut out).unwrap();
        assert_eq!(out, [1, 255, 0xFE, 0xFF, 0, 0, 0x10, 0, 0x02, 0x01]);
    }

    #[test]
    fn stored_bytes_of_a_frame_larger_than_one_block_are_all_written() {
        let values: Vec<u16> = (0..70_000u32).map(|v| v as u16).collect();
        let mut out = Vec::new();
        grey(GraySamples::Unsigned16(values.clone()))
            .write_stored_le(&mut out)
            .unwrap();
        let want: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(out, want);
    }
}
