//! One decoded frame made ready for the WebView: raw little-endian samples plus the
//! geometry and display defaults the shader needs, sent as response headers. Grayscale stays
//! as stored 16-bit integers (the shader applies rescale, window and inversion); a Modality
//! LUT table is applied here since the shader only knows slope and intercept; colour goes
//! as RGB8.

use crate::imaging::frame::{DecodedFrame, FramePixels, GraySamples, RgbSamples};
use crate::imaging::modality_lut::ModalityLut;

/// Pixels and their description, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayFrame {
    /// `u16`, `i16` or `rgb8`.
    pub format: &'static str,
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub columns: u32,
    /// Modality rescale slope for the shader.
    pub slope: f64,
    /// Modality rescale intercept for the shader.
    pub intercept: f64,
    /// Default window centre (in modality units).
    pub window_center: f64,
    /// Default window width.
    pub window_width: f64,
    /// Show inverted by default (MONOCHROME1 or an INVERSE presentation LUT shape).
    pub invert: bool,
    /// The samples, little-endian.
    pub bytes: Vec<u8>,
}

/// Converts a decoded frame.
pub fn to_display_frame(frame: &DecodedFrame, rows: u32, columns: u32) -> DisplayFrame {
    match &frame.pixels {
        FramePixels::Grayscale {
            samples,
            modality,
            voi,
            presentation,
        } => {
            let (format, bytes, slope, intercept) = grey_bytes(samples, modality);
            let (center, width) = voi
                .presets
                .first()
                .map(|p| (p.center, p.width))
                .unwrap_or_else(|| full_range_window(samples, modality));
            DisplayFrame {
                format,
                rows,
                columns,
                slope,
                intercept,
                window_center: center,
                window_width: width.max(1.0),
                invert: presentation.invert,
                bytes,
            }
        }
        FramePixels::Colour(rgb) => DisplayFrame {
            format: "rgb8",
            rows,
            columns,
            slope: 1.0,
            intercept: 0.0,
            window_center: 127.5,
            window_width: 256.0,
            invert: false,
            bytes: match rgb {
                RgbSamples::Rgb8(v) => v.clone(),
                RgbSamples::Rgb16(v) => v.iter().map(|&x| (x >> 8) as u8).collect(),
                RgbSamples::Rgb32(v) => v.iter().map(|&x| (x >> 24) as u8).collect(),
            },
        },
    }
}

/// Stored samples as 16-bit bytes with the linear rescale the shader applies; a LUT table
/// or values wider than 16 bits are mapped here and sent with an identity rescale.
fn grey_bytes(samples: &GraySamples, modality: &ModalityLut) -> (&'static str, Vec<u8>, f64, f64) {
    match (samples, modality) {
        (GraySamples::Unsigned16(v), ModalityLut::Rescale(r)) => (
            "u16",
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            r.slope,
            r.intercept,
        ),
        (GraySamples::Signed16(v), ModalityLut::Rescale(r)) => (
            "i16",
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            r.slope,
            r.intercept,
        ),
        _ => {
            let values: Vec<f64> = samples
                .to_i64()
                .into_iter()
                .map(|s| modality.apply(s))
                .collect();
            let (min, max) = min_max(&values);
            if min >= 0.0 && max <= f64::from(u16::MAX) {
                let bytes = values
                    .iter()
                    .flat_map(|&x| (x.round() as u16).to_le_bytes())
                    .collect();
                ("u16", bytes, 1.0, 0.0)
            } else if min >= f64::from(i16::MIN) && max <= f64::from(i16::MAX) {
                let bytes = values
                    .iter()
                    .flat_map(|&x| (x.round() as i16).to_le_bytes())
                    .collect();
                ("i16", bytes, 1.0, 0.0)
            } else {
                // Wider than 16 bits (e.g. 32-bit dose): scale into u16 and say how.
                let slope = ((max - min) / f64::from(u16::MAX)).max(f64::MIN_POSITIVE);
                let bytes = values
                    .iter()
                    .flat_map(|&x| (((x - min) / slope).round() as u16).to_le_bytes())
                    .collect();
                ("u16", bytes, slope, min)
            }
        }
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// The window covering the frame's whole output range, when the file offers none.
fn full_range_window(samples: &GraySamples, modality: &ModalityLut) -> (f64, f64) {
    let values: Vec<f64> = samples
        .to_i64()
        .into_iter()
        .map(|s| modality.apply(s))
        .collect();
    let (min, max) = min_max(&values);
    if !min.is_finite() || !max.is_finite() {
        return (0.0, 1.0);
    }
    ((min + max) / 2.0, (max - min).max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::modality_lut::Rescale;
    use crate::imaging::presentation::Presentation;
    use crate::imaging::voi_lut::VoiOptions;

    fn grey(samples: GraySamples, modality: ModalityLut) -> DecodedFrame {
        DecodedFrame {
            index: 0,
            pixels: FramePixels::Grayscale {
                samples,
                modality,
                voi: VoiOptions::default(),
                presentation: Presentation { invert: false },
            },
        }
    }

    #[test]
    fn signed_ct_goes_as_stored_with_its_rescale_and_a_full_range_window() {
        let frame = grey(
            GraySamples::Signed16(vec![-2000, 0, 1000]),
            ModalityLut::Rescale(Rescale {
                slope: 1.0,
                intercept: -1024.0,
            }),
        );
        let display = to_display_frame(&frame, 1, 3);
        assert_eq!(display.format, "i16");
        assert_eq!(
            display.bytes,
            [-2000i16, 0, 1000]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect::<Vec<_>>()
        );
        assert_eq!((display.slope, display.intercept), (1.0, -1024.0));
        assert_eq!(
            (display.window_center, display.window_width),
            (-1524.0, 3000.0)
        );
    }

    #[test]
    fn wide_values_are_scaled_into_sixteen_bits_with_the_scale_sent() {
        let frame = grey(
            GraySamples::Wide(vec![0, 1 << 20]),
            ModalityLut::Rescale(Rescale::IDENTITY),
        );
        let display = to_display_frame(&frame, 1, 2);
        assert_eq!(display.format, "u16");
        let top = u16::from_le_bytes([display.bytes[2], display.bytes[3]]);
        assert_eq!(top, u16::MAX);
        assert!(
            (f64::from(top) * display.slope + display.intercept - f64::from(1u32 << 20)).abs()
                < 1.0
        );
    }

    #[test]
    fn colour_goes_as_rgb8() {
        let frame = DecodedFrame {
            index: 0,
            pixels: FramePixels::Colour(RgbSamples::Rgb16(vec![0xff00, 0x0100, 0])),
        };
        let display = to_display_frame(&frame, 1, 1);
        assert_eq!(display.format, "rgb8");
        assert_eq!(display.bytes, vec![0xff, 0x01, 0]);
    }
}
