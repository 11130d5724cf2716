//! The Modality LUT stage (PS3.3 C.11.1): stored values to modality units (e.g. Hounsfield)
//! through Rescale Slope/Intercept — from the top level, else the Enhanced per-frame or
//! shared functional groups (Pixel Value Transformation) — or a Modality LUT Sequence.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::ImagingError;

/// A linear rescale, `value × slope + intercept`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rescale {
    /// Rescale Slope.
    pub slope: f64,
    /// Rescale Intercept.
    pub intercept: f64,
}

impl Rescale {
    /// The identity rescale.
    pub const IDENTITY: Rescale = Rescale {
        slope: 1.0,
        intercept: 0.0,
    };

    /// Apply to one stored value.
    pub fn apply(&self, stored: i64) -> f64 {
        stored as f64 * self.slope + self.intercept
    }
}

/// A Modality LUT: `first_mapped` is the stored value mapped by `entries[0]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupTable {
    /// First stored value mapped.
    pub first_mapped: i64,
    /// Bits per entry, from the LUT Descriptor.
    pub bits: u32,
    /// The table itself.
    pub entries: Vec<u32>,
}

impl LookupTable {
    /// Look a value up, clamping below the first and above the last entry.
    pub fn apply(&self, stored: i64) -> u32 {
        let last = self.entries.len().saturating_sub(1) as i64;
        let index = (stored - self.first_mapped).clamp(0, last) as usize;
        self.entries.get(index).copied().unwrap_or(0)
    }
}

/// The Modality LUT in force for one frame.
#[derive(Debug, Clone, PartialEq)]
pub enum ModalityLut {
    /// Rescale Slope/Intercept (identity when absent).
    Rescale(Rescale),
    /// A Modality LUT Sequence item.
    Table(LookupTable),
}

impl ModalityLut {
    /// Apply to one stored value.
    pub fn apply(&self, stored: i64) -> f64 {
        match self {
            ModalityLut::Rescale(rescale) => rescale.apply(stored),
            ModalityLut::Table(table) => f64::from(table.apply(stored)),
        }
    }

    /// Read the Modality LUT for `frame` (0-based) of `dataset`.
    pub fn for_frame(
        dataset: &InMemDicomObject,
        frame: u32,
        signed: bool,
    ) -> Result<ModalityLut, ImagingError> {
        if let Some(rescale) = rescale_in(dataset)? {
            return Ok(ModalityLut::Rescale(rescale));
        }
        if let Some(item) = first_item(dataset, tags::MODALITY_LUT_SEQUENCE) {
            let table = read_lut(
                item,
                tags::LUT_DESCRIPTOR,
                tags::LUT_DATA,
                signed,
                "Modality LUT",
            )?;
            return Ok(ModalityLut::Table(table));
        }
        let transforms = frame_macros(dataset, frame, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE);
        for transform in transforms {
            if let Some(rescale) = rescale_in(transform)? {
                return Ok(ModalityLut::Rescale(rescale));
            }
        }
        Ok(ModalityLut::Rescale(Rescale::IDENTITY))
    }
}

fn rescale_in(object: &InMemDicomObject) -> Result<Option<Rescale>, ImagingError> {
    let slope = decimal(object, tags::RESCALE_SLOPE, "RescaleSlope")?;
    let intercept = decimal(object, tags::RESCALE_INTERCEPT, "RescaleIntercept")?;
    if slope.is_none() && intercept.is_none() {
        return Ok(None);
    }
    Ok(Some(Rescale {
        slope: slope.unwrap_or(1.0),
        intercept: intercept.unwrap_or(0.0),
    }))
}

/// A decimal-string attribute's first value, `None` when absent or empty.
pub fn decimal(
    object: &InMemDicomObject,
    tag: Tag,
    name: &'static str,
) -> Result<Option<f64>, ImagingError> {
    Ok(decimals(object, tag, name)?.first().copied())
}

/// All values of a decimal-string attribute (empty when absent).
pub fn decimals(
    object: &InMemDicomObject,
    tag: Tag,
    name: &'static str,
) -> Result<Vec<f64>, ImagingError> {
    match object.element_opt(tag).ok().flatten() {
        None => Ok(Vec::new()),
        Some(element) if element.value().multiplicity() == 0 => Ok(Vec::new()),
        Some(element) => {
            let values = element
                .to_multi_float64()
                .map_err(|_| ImagingError::Attribute { name })?;
            if values.iter().any(|v| !v.is_finite()) {
                return Err(ImagingError::Attribute { name });
            }
            Ok(values)
        }
    }
}

/// The first item of a sequence attribute.
pub fn first_item(object: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    nth_item(object, tag, 0)
}

/// The `macro_tag` items that apply to `frame` (0-based) of an enhanced multi-frame object:
/// from the frame's Per-Frame Functional Groups item first, then from the Shared one
/// (PS3.3 C.7.6.16).
pub fn frame_macros(
    dataset: &InMemDicomObject,
    frame: u32,
    macro_tag: Tag,
) -> impl Iterator<Item = &InMemDicomObject> {
    let groups = [
        nth_item(
            dataset,
            tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
            frame as usize,
        ),
        first_item(dataset, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE),
    ];
    groups
        .into_iter()
        .flatten()
        .filter_map(move |group| first_item(group, macro_tag))
}

/// Item `index` of a sequence attribute.
pub fn nth_item(object: &InMemDicomObject, tag: Tag, index: usize) -> Option<&InMemDicomObject> {
    object.element_opt(tag).ok().flatten()?.items()?.get(index)
}

/// Read a LUT Descriptor (entries, first mapped, bits) and its LUT Data from `item`.
pub fn read_lut(
    item: &InMemDicomObject,
    descriptor_tag: Tag,
    data_tag: Tag,
    signed: bool,
    table: &'static str,
) -> Result<LookupTable, ImagingError> {
    let bad = |reason: &str| ImagingError::Lut {
        table,
        reason: reason.to_owned(),
    };
    let descriptor: Vec<i64> = item
        .element_opt(descriptor_tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_multi_int::<i64>().ok())
        .ok_or_else(|| bad("LUT Descriptor is missing"))?;
    let [count, first, bits] = descriptor[..] else {
        return Err(bad("LUT Descriptor needs three values"));
    };
    let count = if count == 0 { 65_536 } else { count & 0xFFFF } as usize;
    let first = if signed && first > 32_767 {
        first - 65_536
    } else {
        first
    };
    let data: Vec<u32> = item
        .element_opt(data_tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_multi_int::<u32>().ok())
        .ok_or_else(|| bad("LUT Data is missing"))?;
    if data.len() < count {
        return Err(bad(&format!(
            "{} entries present, {count} declared",
            data.len()
        )));
    }
    Ok(LookupTable {
        first_mapped: first,
        bits: bits.clamp(1, 16) as u32,
        entries: data[..count].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, PrimitiveValue, VR};

    #[test]
    fn rescale_gives_hounsfield_units() {
        let ct = Rescale {
            slope: 1.0,
            intercept: -1024.0,
        };
        assert_eq!(ct.apply(0), -1024.0);
        assert_eq!(ct.apply(1024), 0.0);
        let mr = Rescale {
            slope: 0.5,
            intercept: 10.0,
        };
        assert_eq!(mr.apply(-4), 8.0);
    }

    #[test]
    fn lookup_clamps_outside_the_table() {
        let table = LookupTable {
            first_mapped: -2,
            bits: 16,
            entries: vec![10, 20, 30],
        };
        assert_eq!(table.apply(-5), 10);
        assert_eq!(table.apply(-1), 20);
        assert_eq!(table.apply(0), 30);
        assert_eq!(table.apply(100), 30);
    }

    #[test]
    fn top_level_rescale_wins_and_absent_means_identity() {
        let mut object = InMemDicomObject::new_empty();
        assert_eq!(
            ModalityLut::for_frame(&object, 0, false).unwrap(),
            ModalityLut::Rescale(Rescale::IDENTITY)
        );
        object.put(DataElement::new(
            tags::RESCALE_INTERCEPT,
            VR::DS,
            PrimitiveValue::from("-1024"),
        ));
        object.put(DataElement::new(
            tags::RESCALE_SLOPE,
            VR::DS,
            PrimitiveValue::from("2.5"),
        ));
        let lut = ModalityLut::for_frame(&object, 0, true).unwrap();
        assert_eq!(lut.apply(10), -999.0);
    }

    #[test]
    fn garbage_rescale_is_an_attribute_error() {
        let mut object = InMemDicomObject::new_empty();
        object.put(DataElement::new(
            tags::RESCALE_SLOPE,
            VR::DS,
            PrimitiveValue::from("abc"),
        ));
        assert!(matches!(
            ModalityLut::for_frame(&object, 0, false),
            Err(ImagingError::Attribute {
                name: "RescaleSlope"
            })
        ));
    }
}
