//! Finding the Pixel Data element in a Part-10 instance without decoding it: verification
//! only needs its declared length (native) or whether it holds a fragment (encapsulated),
//! and copying hundreds of kilobytes per slice just to measure them would double the memory
//! traffic of retrieval. The element header is located by its tag and validated (VR and
//! reserved bytes in explicit VR, a plausible length in implicit VR).

use memchr::memmem;

/// Item tag (FFFE,E000) in little endian.
const ITEM_TAG: [u8; 4] = [0xFE, 0xFF, 0x00, 0xE0];
/// Undefined length: encapsulated Pixel Data.
const UNDEFINED: u32 = u32::MAX;

/// What the instance holds as Pixel Data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelDataSpan {
    /// No Pixel Data element.
    Absent,
    /// Native pixels: the declared value length and the bytes actually present after the
    /// element header.
    Native {
        /// Length in the element header.
        declared: u64,
        /// Bytes present after the header.
        available: u64,
    },
    /// Encapsulated (compressed) pixels.
    Encapsulated {
        /// Whether a non-empty fragment follows the basic offset table.
        has_fragment: bool,
    },
}

/// Locates Pixel Data in `bytes` encoded with `transfer_syntax`.
pub fn locate(bytes: &[u8], transfer_syntax: &str) -> PixelDataSpan {
    let big_endian = transfer_syntax == "1.2.840.10008.1.2.2";
    let implicit = transfer_syntax == "1.2.840.10008.1.2";
    let tag: [u8; 4] = if big_endian {
        [0x7F, 0xE0, 0x00, 0x10]
    } else {
        [0xE0, 0x7F, 0x10, 0x00]
    };
    let read_u32 = |at: &[u8]| -> Option<u32> {
        let word: [u8; 4] = at.get(..4)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(word)
        } else {
            u32::from_le_bytes(word)
        })
    };
    let mut implicit_fallback = None;
    for at in memmem::find_iter(bytes, &tag) {
        let rest = &bytes[at + 4..];
        let (length, header_len) = if implicit {
            match read_u32(rest) {
                Some(length) => (length, 8),
                None => continue,
            }
        } else {
            let Some(header) = rest.get(..8) else {
                continue;
            };
            if !matches!(&header[..2], b"OB" | b"OW" | b"UN") || header[2..4] != [0, 0] {
                continue;
            }
            match read_u32(&header[4..]) {
                Some(length) => (length, 12),
                None => continue,
            }
        };
        let available = (bytes.len() - at - header_len) as u64;
        let span = if length == UNDEFINED {
            PixelDataSpan::Encapsulated {
                has_fragment: has_fragment(&bytes[at + header_len..]),
            }
        } else {
            PixelDataSpan::Native {
                declared: u64::from(length),
                available,
            }
        };
        if implicit && length != UNDEFINED && u64::from(length) > available {
            implicit_fallback.get_or_insert(span);
            continue;
        }
        return span;
    }
    implicit_fallback.unwrap_or(PixelDataSpan::Absent)
}

/// After the basic offset table item, is there an item with content?
fn has_fragment(items: &[u8]) -> bool {
    let item = |at: usize| -> Option<u32> {
        let header = items.get(at..at + 8)?;
        (header[..4] == ITEM_TAG)
            .then(|| u32::from_le_bytes([header[4], header[5], header[6], header[7]]))
    };
    let Some(table_len) = item(0) else {
        return false;
    };
    let next = 8usize.saturating_add(table_len as usize);
    item(next).is_some_and(|length| length > 0 && items.len() > next + 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit(vr: &[u8; 2], length: u32, value: &[u8]) -> Vec<u8> {
        let mut bytes = b"\x08\x00\x18\x00UI\x04\x001.2\0".to_vec();
        bytes.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
        bytes.extend_from_slice(vr);
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(&length.to_le_bytes());
        bytes.extend_from_slice(value);
        bytes
    }

    #[test]
    fn finds_native_pixel_data_and_what_is_present() {
        let bytes = explicit(b"OW", 8, &[1; 6]);
        assert_eq!(
            locate(&bytes, "1.2.840.10008.1.2.1"),
            PixelDataSpan::Native {
                declared: 8,
                available: 6
            }
        );
    }

    #[test]
    fn skips_tag_bytes_that_are_not_an_element_header() {
        let mut bytes = b"\x10\x00\x20\x00LO\x08\x00\xE0\x7F\x10\x00AB\x00\x00".to_vec();
        bytes.extend_from_slice(&explicit(b"OB", 4, &[9; 4]));
        assert_eq!(
            locate(&bytes, "1.2.840.10008.1.2.1"),
            PixelDataSpan::Native {
                declared: 4,
                available: 4
            }
        );
    }

    #[test]
    fn tells_encapsulated_data_with_and_without_fragments() {
        let mut items = ITEM_TAG.to_vec();
        items.extend_from_slice(&0u32.to_le_bytes());
        let empty = explicit(b"OB", UNDEFINED, &items);
        assert_eq!(
            locate(&empty, "1.2.840.10008.1.2.4.50"),
            PixelDataSpan::Encapsulated {
                has_fragment: false
            }
        );
        items.extend_from_slice(&ITEM_TAG);
        items.extend_from_slice(&4u32.to_le_bytes());
        items.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xD9]);
        let full = explicit(b"OB", UNDEFINED, &items);
        assert_eq!(
            locate(&full, "1.2.840.10008.1.2.4.50"),
            PixelDataSpan::Encapsulated { has_fragment: true }
        );
    }

    #[test]
    fn reads_implicit_and_big_endian_headers() {
        let mut implicit = vec![0xE0, 0x7F, 0x10, 0x00];
        implicit.extend_from_slice(&2u32.to_le_bytes());
        let mut big = vec![0x7F, 0xE0, 0x00, 0x10, b'O', b'W', 0, 0];
        big.extend_from_slice(&2u32.to_be_bytes());
        for (mut element, syntax) in [
            (implicit, "1.2.840.10008.1.2"),
            (big, "1.2.840.10008.1.2.2"),
        ] {
            element.extend_from_slice(&[5, 5]);
            assert_eq!(
                locate(&element, syntax),
                PixelDataSpan::Native {
                    declared: 2,
                    available: 2
                },
                "{syntax}"
            );
        }
        assert_eq!(
            locate(b"no pixels here", "1.2.840.10008.1.2.1"),
            PixelDataSpan::Absent
        );
    }
}
