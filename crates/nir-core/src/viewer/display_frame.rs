//! One decoded frame made ready for the WebView: raw little-endian samples plus the
//! geometry and display defaults the shader needs, sent as response headers. Grayscale stays
//! as stored 16-bit integers (the shader applies rescale, window and inversion); a Modality
//! LUT table is applied here since the shader only knows slope and intercept; colour goes
//! as RGB8. The VOI LUT Function of the first window (PS3.3 C.11.2.1.2/3) and a VOI LUT
//! Sequence table (PS3.3 C.11.2.1.1) go along, so the shader can apply what the image
//! declares.

use crate::imaging::frame::{value_range, DecodedFrame, FramePixels, GraySamples};
use crate::imaging::modality_lut::{LookupTable, ModalityLut};
use crate::imaging::voi_lut::VoiFunction;

/// Pixels and their description, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayFrame {
    /// `u8`, `u16`, `i16` or `rgb8`.
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
    /// VOI LUT Function (0028,1056) of the image's windows: `LINEAR`, `LINEAR_EXACT` or
    /// `SIGMOID`; `LINEAR` for the full-range window and for colour.
    pub voi_function: &'static str,
    /// The first VOI LUT Sequence item, for grayscale images that carry one.
    pub voi_lut: Option<VoiTable>,
    /// The samples, little-endian.
    pub bytes: Vec<u8>,
}

/// A VOI LUT Sequence table as the shader takes it: modality values from `first_mapped`
/// on, one 16-bit output per entry, the outputs `bits` wide (PS3.3 C.11.2.1.1).
#[derive(Debug, Clone, PartialEq)]
pub struct VoiTable {
    /// The first modality value mapped; lower values take the first entry.
    pub first_mapped: i64,
    /// Bits of each output value (1..=16), from the LUT Descriptor.
    pub bits: u32,
    /// The outputs, little-endian u16, one per entry.
    pub entries: Vec<u8>,
}

impl VoiTable {
    fn from_lookup(table: &LookupTable) -> Self {
        let max = (1u32 << table.bits.clamp(1, 16)) - 1;
        VoiTable {
            first_mapped: table.first_mapped,
            bits: table.bits.clamp(1, 16),
            entries: table
                .entries
                .iter()
                .flat_map(|&v| (v.min(max) as u16).to_le_bytes())
                .collect(),
        }
    }

    /// The `x-voi-lut` header: first value mapped, bits and entry count (a count of 65536
    /// is written out, never as a LUT Descriptor's 0).
    pub fn header_value(&self) -> String {
        format!("{}\\{}\\{}", self.first_mapped, self.bits, self.len())
    }

    /// How many entries the table holds.
    pub fn len(&self) -> usize {
        self.entries.len() / 2
    }

    /// Whether the table holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The attribute value naming a VOI LUT Function.
fn function_name(function: VoiFunction) -> &'static str {
    match function {
        VoiFunction::Linear => "LINEAR",
        VoiFunction::LinearExact => "LINEAR_EXACT",
        VoiFunction::Sigmoid => "SIGMOID",
    }
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
            let first = voi.presets.first();
            let (center, width) = first
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
                voi_function: function_name(first.map_or(VoiFunction::Linear, |p| p.function)),
                voi_lut: voi
                    .table
                    .as_ref()
                    .filter(|t| !t.entries.is_empty())
                    .map(VoiTable::from_lookup),
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
            voi_function: "LINEAR",
            voi_lut: None,
            bytes: rgb.to_rgb8(),
        },
    }
}

/// Stored samples as 8- or 16-bit bytes with the linear rescale the shader applies; a LUT table
/// or values wider than 16 bits are mapped here and sent with an identity rescale.
fn grey_bytes(samples: &GraySamples, modality: &ModalityLut) -> (&'static str, Vec<u8>, f64, f64) {
    match (samples, modality) {
        (GraySamples::Unsigned8(v), ModalityLut::Rescale(r)) => {
            ("u8", v.clone(), r.slope, r.intercept)
        }
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
            let values = samples.modality_values(modality);
            let (min, max) = value_range(&values);
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

/// The window covering the frame's whole output range, when the file offers none.
fn full_range_window(samples: &GraySamples, modality: &ModalityLut) -> (f64, f64) {
    let (min, max) = value_range(&samples.modality_values(modality));
    if !min.is_finite() || !max.is_finite() {
        return (0.0, 1.0);
    }
    ((min + max) / 2.0, (max - min).max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::frame::RgbSamples;
    use crate::imaging::modality_lut::Rescale;
    use crate::imaging::presentation::Presentation;
    use crate::imaging::voi_lut::{VoiOptions, WindowPreset};

    fn grey(samples: GraySamples, modality: ModalityLut) -> DecodedFrame {
        grey_with(samples, modality, VoiOptions::default())
    }

    fn grey_with(samples: GraySamples, modality: ModalityLut, voi: VoiOptions) -> DecodedFrame {
        DecodedFrame {
            index: 0,
            pixels: FramePixels::Grayscale {
                samples,
                modality,
                voi,
                presentation: Presentation { invert: false },
            },
        }
    }

    #[test]
    fn eight_bit_samples_are_sent_as_bytes() {
        let display = to_display_frame(
            &grey(
                GraySamples::Unsigned8(vec![7, 250]),
                ModalityLut::Rescale(Rescale::IDENTITY),
            ),
            1,
            2,
        );
        assert_eq!(display.format, "u8");
        assert_eq!(display.bytes, [7, 250]);
    }

    #[test]
    fn the_first_windows_function_goes_with_it() {
        let voi = VoiOptions {
            presets: vec![WindowPreset {
                center: 100.0,
                width: 50.0,
                function: VoiFunction::Sigmoid,
            }],
            table: None,
        };
        let frame = grey_with(
            GraySamples::Unsigned16(vec![0, 200]),
            ModalityLut::Rescale(Rescale::IDENTITY),
            voi,
        );
        let display = to_display_frame(&frame, 1, 2);
        assert_eq!(display.voi_function, "SIGMOID");
        assert_eq!((display.window_center, display.window_width), (100.0, 50.0));
        assert_eq!(display.voi_lut, None);
        let plain = to_display_frame(
            &grey(
                GraySamples::Unsigned16(vec![0, 200]),
                ModalityLut::Rescale(Rescale::IDENTITY),
            ),
            1,
            2,
        );
        assert_eq!(plain.voi_function, "LINEAR");
    }

    #[test]
    fn a_voi_lut_sequence_table_goes_as_sixteen_bit_entries() {
        let voi = VoiOptions {
            presets: Vec::new(),
            table: Some(LookupTable {
                first_mapped: -10,
                bits: 12,
                entries: vec![0, 2048, 4095, 70_000],
            }),
        };
        let frame = grey_with(
            GraySamples::Signed16(vec![-10, 0]),
            ModalityLut::Rescale(Rescale::IDENTITY),
            voi,
        );
        let table = to_display_frame(&frame, 1, 2).voi_lut.unwrap();
        assert_eq!((table.first_mapped, table.bits, table.len()), (-10, 12, 4));
        assert_eq!(table.header_value(), "-10\\12\\4");
        // An entry wider than the declared bits is held to the largest output.
        let last = u16::from_le_bytes([table.entries[6], table.entries[7]]);
        assert_eq!(last, 4095);
        assert_eq!(
            u16::from_le_bytes([table.entries[2], table.entries[3]]),
            2048
        );
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
