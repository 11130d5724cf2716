//! The VOI LUT stage (PS3.3 C.11.2): modality values to display values through a window
//! (LINEAR, LINEAR_EXACT or SIGMOID, PS3.3 C.11.2.1.2/3) or a VOI LUT Sequence table. Every
//! Window Center/Width pair becomes a [`WindowPreset`], read from the top level or from the
//! Enhanced per-frame / shared functional groups (Frame VOI LUT).

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::ImagingError;
use super::modality_lut::{decimals, first_item, frame_macros, read_lut, LookupTable};

/// VOI LUT Function (0028,1056).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VoiFunction {
    /// The default, PS3.3 C.11.2.1.2.1.
    #[default]
    Linear,
    /// PS3.3 C.11.2.1.3.2: exact centre and width, no half-unit offsets.
    LinearExact,
    /// PS3.3 C.11.2.1.3.1: a logistic curve.
    Sigmoid,
}

impl VoiFunction {
    /// Parse the attribute value; unknown or absent means LINEAR.
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some("LINEAR_EXACT") => Self::LinearExact,
            Some("SIGMOID") => Self::Sigmoid,
            _ => Self::Linear,
        }
    }
}

/// One window the image offers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowPreset {
    /// Window Center.
    pub center: f64,
    /// Window Width.
    pub width: f64,
    /// The function to apply it with.
    pub function: VoiFunction,
}

impl WindowPreset {
    /// Map a modality value to `[y_min, y_max]`.
    pub fn apply(&self, x: f64, y_min: f64, y_max: f64) -> f64 {
        let (c, w, range) = (self.center, self.width, y_max - y_min);
        match self.function {
            VoiFunction::Linear => {
                let w = w.max(1.0);
                if x <= c - 0.5 - (w - 1.0) / 2.0 {
                    y_min
                } else if x > c - 0.5 + (w - 1.0) / 2.0 {
                    y_max
                } else {
                    ((x - (c - 0.5)) / (w - 1.0).max(f64::MIN_POSITIVE) + 0.5) * range + y_min
                }
            }
            VoiFunction::LinearExact => {
                let w = w.max(f64::MIN_POSITIVE);
                if x <= c - w / 2.0 {
                    y_min
                } else if x > c + w / 2.0 {
                    y_max
                } else {
                    ((x - c) / w + 0.5) * range + y_min
                }
            }
            VoiFunction::Sigmoid => {
                let w = w.max(f64::MIN_POSITIVE);
                range / (1.0 + (-4.0 * (x - c) / w).exp()) + y_min
            }
        }
    }
}

/// The VOI transforms an image (or one frame of it) offers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VoiOptions {
    /// Every window pair, in file order.
    pub presets: Vec<WindowPreset>,
    /// The first VOI LUT Sequence item, if any.
    pub table: Option<LookupTable>,
}

impl VoiOptions {
    /// Read the windows and VOI LUT for `frame` (0-based).
    pub fn for_frame(dataset: &InMemDicomObject, frame: u32) -> Result<VoiOptions, ImagingError> {
        let mut presets = presets_in(dataset)?;
        if presets.is_empty() {
            for voi in frame_macros(dataset, frame, tags::FRAME_VOILUT_SEQUENCE) {
                presets = presets_in(voi)?;
                if !presets.is_empty() {
                    break;
                }
            }
        }
        let table = match first_item(dataset, tags::VOILUT_SEQUENCE) {
            Some(item) => Some(read_lut(
                item,
                tags::LUT_DESCRIPTOR,
                tags::LUT_DATA,
                false,
                "VOI LUT",
            )?),
            None => None,
        };
        Ok(VoiOptions { presets, table })
    }

    /// Map a modality value to 0..=255 with the default VOI: the VOI LUT Sequence when
    /// present, else the first window, else the `fallback` (min, max) range of the data.
    pub fn to_display8(&self, x: f64, fallback: (f64, f64)) -> f64 {
        if let Some(table) = &self.table {
            let max = ((1u64 << table.bits) - 1) as f64;
            return f64::from(table.apply(x.floor() as i64)) / max * 255.0;
        }
        let preset = self.presets.first().copied().unwrap_or(WindowPreset {
            center: (fallback.0 + fallback.1) / 2.0,
            width: (fallback.1 - fallback.0).max(0.0),
            function: VoiFunction::LinearExact,
        });
        if preset.width <= 0.0 {
            return if x > preset.center { 255.0 } else { 0.0 };
        }
        preset.apply(x, 0.0, 255.0)
    }
}

fn presets_in(object: &InMemDicomObject) -> Result<Vec<WindowPreset>, ImagingError> {
    let centers = decimals(object, tags::WINDOW_CENTER, "WindowCenter")?;
    let widths = decimals(object, tags::WINDOW_WIDTH, "WindowWidth")?;
    let function = VoiFunction::parse(
        object
            .element_opt(tags::VOILUT_FUNCTION)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .as_deref(),
    );
    Ok(centers
        .iter()
        .zip(&widths)
        .filter(|(_, &width)| width > 0.0)
        .map(|(&center, &width)| WindowPreset {
            center,
            width,
            function,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(center: f64, width: f64, function: VoiFunction) -> WindowPreset {
        WindowPreset {
            center,
            width,
            function,
        }
    }

    #[test]
    fn linear_follows_ps3_3_with_half_unit_offsets() {
        // c = 40, w = 400: below -159.5 is black, above 239.5 white
        let window = preset(40.0, 400.0, VoiFunction::Linear);
        assert_eq!(window.apply(-160.0, 0.0, 255.0), 0.0);
        assert_eq!(window.apply(240.0, 0.0, 255.0), 255.0);
        // x = c - 0.5 is the midpoint: ((0) / 399 + 0.5) * 255 = 127.5
        assert!((window.apply(39.5, 0.0, 255.0) - 127.5).abs() < 1e-9);
    }

    #[test]
    fn linear_exact_has_no_offsets() {
        let window = preset(100.0, 200.0, VoiFunction::LinearExact);
        assert_eq!(window.apply(0.0, 0.0, 255.0), 0.0);
        assert_eq!(window.apply(100.0, 0.0, 255.0), 127.5);
        assert_eq!(window.apply(150.0, 0.0, 255.0), 191.25);
        assert_eq!(window.apply(200.1, 0.0, 255.0), 255.0);
    }

    #[test]
    fn sigmoid_is_half_at_the_centre() {
        let window = preset(50.0, 100.0, VoiFunction::Sigmoid);
        assert!((window.apply(50.0, 0.0, 255.0) - 127.5).abs() < 1e-9);
        // x = c + w/4: 255 / (1 + e^-1) = 186.4199
        assert!((window.apply(75.0, 0.0, 255.0) - 186.4199).abs() < 1e-3);
    }

    #[test]
    fn function_names_parse() {
        assert_eq!(VoiFunction::parse(Some("SIGMOID ")), VoiFunction::Sigmoid);
        assert_eq!(
            VoiFunction::parse(Some("LINEAR_EXACT")),
            VoiFunction::LinearExact
        );
        assert_eq!(VoiFunction::parse(None), VoiFunction::Linear);
    }

    #[test]
    fn default_voi_prefers_the_table_then_the_first_window_then_the_range() {
        let table = LookupTable {
            first_mapped: 0,
            bits: 8,
            entries: vec![0, 51, 255],
        };
        let with_table = VoiOptions {
            presets: vec![preset(0.0, 1.0, VoiFunction::Linear)],
            table: Some(table),
        };
        assert_eq!(with_table.to_display8(1.0, (0.0, 2.0)), 51.0);
        let windows = VoiOptions {
            presets: vec![preset(100.0, 200.0, VoiFunction::LinearExact)],
            table: None,
        };
        assert_eq!(windows.to_display8(100.0, (0.0, 1.0)), 127.5);
        let nothing = VoiOptions::default();
        assert_eq!(nothing.to_display8(5.0, (0.0, 10.0)), 127.5);
    }
}
