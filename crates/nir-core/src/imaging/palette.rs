//! PALETTE COLOR (PS3.3 C.7.6.3.1.5, C.7.9): indices looked up in the red, green and blue
//! Palette Color LUTs, which may be plain or segmented (discrete, linear and indirect
//! segments) and have 8- or 16-bit entries. Values are kept as stored in the LUT Data.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::ImagingError;
use super::modality_lut::{read_lut, LookupTable};

/// The three Palette Color LUTs of an image.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// Red, green and blue tables.
    pub channels: [LookupTable; 3],
}

impl Palette {
    /// Read the palette of `dataset` (plain LUT Data, else Segmented LUT Data).
    pub fn from_object(dataset: &InMemDicomObject) -> Result<Palette, ImagingError> {
        let red = read_channel(
            dataset,
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            tags::SEGMENTED_RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        )?;
        let green = read_channel(
            dataset,
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            tags::SEGMENTED_GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        )?;
        let blue = read_channel(
            dataset,
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            tags::SEGMENTED_BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        )?;
        Ok(Palette {
            channels: [red, green, blue],
        })
    }

    /// Look up interleaved RGB values for the given indices.
    pub fn apply(&self, indices: &[i64]) -> Vec<u32> {
        let mut out = Vec::with_capacity(indices.len() * 3);
        for &index in indices {
            out.extend(self.channels.iter().map(|table| table.apply(index)));
        }
        out
    }

    /// True when any table has 16-bit entries (or 8-bit ones holding larger values).
    pub fn is_sixteen_bit(&self) -> bool {
        self.channels
            .iter()
            .any(|table| table.bits > 8 || table.entries.iter().any(|&v| v > 255))
    }
}

fn read_channel(
    dataset: &InMemDicomObject,
    descriptor: Tag,
    data: Tag,
    segmented: Tag,
) -> Result<LookupTable, ImagingError> {
    let plain = dataset.element_opt(data).ok().flatten().is_some();
    if plain {
        return read_lut(dataset, descriptor, data, false, "Palette Color LUT");
    }
    let bad = |reason: String| ImagingError::Lut {
        table: "Segmented Palette Color LUT",
        reason,
    };
    let words: Vec<u32> = dataset
        .element_opt(segmented)
        .ok()
        .flatten()
        .and_then(|e| e.to_multi_int::<u32>().ok())
        .ok_or_else(|| bad("no LUT Data".to_owned()))?;
    let mut table = read_descriptor_only(dataset, descriptor)?;
    let expanded = expand_segmented(&words).map_err(bad)?;
    let count = table.entries.len();
    if expanded.len() < count {
        return Err(bad(format!(
            "{} entries expanded, {count} declared",
            expanded.len()
        )));
    }
    table.entries = expanded[..count].to_vec();
    Ok(table)
}

fn read_descriptor_only(
    dataset: &InMemDicomObject,
    descriptor: Tag,
) -> Result<LookupTable, ImagingError> {
    let values: Vec<i64> = dataset
        .element_opt(descriptor)
        .ok()
        .flatten()
        .and_then(|e| e.to_multi_int::<i64>().ok())
        .unwrap_or_default();
    let [count, first, bits] = values[..] else {
        return Err(ImagingError::Lut {
            table: "Palette Color LUT",
            reason: "LUT Descriptor needs three values".to_owned(),
        });
    };
    let count = if count == 0 { 65_536 } else { count & 0xFFFF } as usize;
    Ok(LookupTable {
        first_mapped: first,
        bits: bits.clamp(1, 16) as u32,
        entries: vec![0; count],
    })
}

/// Expand Segmented Palette Color LUT Data (PS3.3 C.7.9.2). Linear segments are rounded
/// half to even, as NumPy does, so results match common reference decoders.
pub fn expand_segmented(words: &[u32]) -> Result<Vec<u32>, String> {
    let mut out: Vec<u32> = Vec::new();
    expand_into(words, &mut out, 0)?;
    Ok(out)
}

fn expand_into(words: &[u32], out: &mut Vec<u32>, depth: u32) -> Result<(), String> {
    const MAX_ENTRIES: usize = 1 << 20;
    let mut position = 0;
    while position < words.len() {
        let opcode = words[position];
        let length = *words
            .get(position + 1)
            .ok_or("segment header is cut short")? as usize;
        if opcode != 2 && out.len() + length > MAX_ENTRIES {
            return Err("expands beyond 2^20 entries".to_owned());
        }
        match opcode {
            0 => {
                let values = words
                    .get(position + 2..position + 2 + length)
                    .ok_or("discrete segment is cut short")?;
                out.extend_from_slice(values);
                position += 2 + length;
            }
            1 => {
                let end = f64::from(
                    *words
                        .get(position + 2)
                        .ok_or("linear segment is cut short")?,
                );
                let start = f64::from(*out.last().ok_or("linear segment with no previous value")?);
                for step in 1..=length {
                    let value = start + (end - start) * step as f64 / length as f64;
                    out.push(value.round_ties_even() as u32);
                }
                position += 3;
            }
            2 => {
                if depth > 0 {
                    return Err("nested indirect segment".to_owned());
                }
                let low = *words
                    .get(position + 2)
                    .ok_or("indirect segment is cut short")?;
                let high = *words
                    .get(position + 3)
                    .ok_or("indirect segment is cut short")?;
                let offset = ((high as usize) << 16) | low as usize;
                let mut cursor = offset;
                for _ in 0..length {
                    if out.len() > MAX_ENTRIES {
                        return Err("expands beyond 2^20 entries".to_owned());
                    }
                    let segment_end = segment_length(words, cursor)
                        .ok_or("indirect segment points outside the data")?;
                    expand_into(&words[cursor..segment_end], out, depth + 1)?;
                    cursor = segment_end;
                }
                position += 4;
            }
            other => return Err(format!("unknown segment opcode {other}")),
        }
        if out.len() > MAX_ENTRIES {
            return Err("expands beyond 2^20 entries".to_owned());
        }
    }
    Ok(())
}

fn segment_length(words: &[u32], start: usize) -> Option<usize> {
    let length = *words.get(start + 1)? as usize;
    let end = match words.get(start)? {
        0 => start + 2 + length,
        1 => start + 3,
        _ => start + 4,
    };
    (end <= words.len()).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discrete_and_linear_segments_expand() {
        // discrete [0, 10], then linear to 20 over 4 steps: 12.5 → 12 (half to even), 15, 17.5 → 18, 20
        let words = [0, 2, 0, 10, 1, 4, 20];
        assert_eq!(expand_segmented(&words).unwrap(), [0, 10, 12, 15, 18, 20]);
    }

    #[test]
    fn indirect_segments_repeat_earlier_ones() {
        // discrete [5, 6]; then indirect: 1 segment at word offset 0
        let words = [0, 2, 5, 6, 2, 1, 0, 0];
        assert_eq!(expand_segmented(&words).unwrap(), [5, 6, 5, 6]);
    }

    #[test]
    fn malformed_segments_are_errors() {
        assert!(expand_segmented(&[0, 5, 1]).is_err());
        assert!(expand_segmented(&[1, 3, 9]).is_err());
        assert!(expand_segmented(&[7, 1]).is_err());
        assert!(expand_segmented(&[2, 1, 100, 0]).is_err());
        // a linear segment claiming four billion entries is refused before expanding
        assert!(expand_segmented(&[0, 1, 0, 1, u32::MAX, 9]).is_err());
    }

    #[test]
    fn indices_look_up_all_three_channels() {
        let table = |entries: Vec<u32>| LookupTable {
            first_mapped: 0,
            bits: 16,
            entries,
        };
        let palette = Palette {
            channels: [table(vec![0, 65535]), table(vec![1, 2]), table(vec![3, 4])],
        };
        assert_eq!(
            palette.apply(&[1, 0, 9]),
            [65535, 2, 4, 0, 1, 3, 65535, 2, 4]
        );
        assert!(palette.is_sixteen_bit());
    }
}
