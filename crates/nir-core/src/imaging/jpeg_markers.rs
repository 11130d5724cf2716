//! Walking the marker segments of a JPEG codestream (ISO 10918-1 B.1) without decoding it:
//! enough to learn the sample precision, the component identifiers and whether JFIF or
//! Adobe colour markers are present, which decide how the codestream is decoded.

/// Iterates over `(marker, segment)` pairs after SOI.
pub struct MarkerReader<'a> {
    data: &'a [u8],
    /// Byte offset of the next unread byte.
    pub position: usize,
}

impl<'a> MarkerReader<'a> {
    /// A reader positioned after the two-byte SOI marker.
    pub fn after_start(data: &'a [u8]) -> Self {
        MarkerReader { data, position: 2 }
    }

    /// The next marker and its segment (empty for EOI); `None` at the end or on damage.
    pub fn next_segment(&mut self) -> Option<(u8, &'a [u8])> {
        let data = self.data;
        while self.position + 1 < data.len() {
            if data[self.position] != 0xFF || data[self.position + 1] == 0xFF {
                self.position += 1;
                continue;
            }
            let marker = data[self.position + 1];
            self.position += 2;
            if marker == 0xD9 {
                return Some((marker, &[]));
            }
            if marker == 0x00 || marker == 0x01 || (0xD0..=0xD8).contains(&marker) {
                continue;
            }
            let high = *data.get(self.position)? as usize;
            let length = high * 256 + *data.get(self.position + 1)? as usize;
            let end = self.position.checked_add(length)?;
            if length < 2 || end > data.len() {
                return None;
            }
            let segment = &data[self.position + 2..end];
            self.position = end;
            return Some((marker, segment));
        }
        None
    }
}

/// What the header segments of a JPEG codestream say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JpegHeader {
    /// Frame marker (0xC0 baseline, 0xC1 extended, 0xC3 lossless, …), 0 when absent.
    pub frame_marker: u8,
    /// Sample precision in bits.
    pub precision: u8,
    /// Component identifiers in frame-header order.
    pub component_ids: Vec<u8>,
    /// An APP0 JFIF segment is present.
    pub jfif: bool,
    /// An APP14 Adobe segment is present.
    pub adobe: bool,
}

/// Read the header segments up to the first scan.
pub fn read_header(data: &[u8]) -> JpegHeader {
    let mut header = JpegHeader::default();
    let mut markers = MarkerReader::after_start(data);
    while let Some((marker, segment)) = markers.next_segment() {
        match marker {
            0xE0 if segment.starts_with(b"JFIF\0") => header.jfif = true,
            0xEE if segment.starts_with(b"Adobe") => header.adobe = true,
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                header.frame_marker = marker;
                header.precision = segment.first().copied().unwrap_or(0);
                let count = segment.get(5).copied().unwrap_or(0) as usize;
                header.component_ids = (0..count)
                    .filter_map(|i| segment.get(6 + i * 3).copied())
                    .collect();
            }
            0xDA | 0xD9 => break,
            _ => {}
        }
    }
    header
}

/// True when the codestream ends with EOI (`FFD9`), allowing trailing zero padding.
pub fn ends_with_end_of_image(data: &[u8]) -> bool {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let tail = &data[end.saturating_sub(16)..end];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_are_read_up_to_the_scan() {
        let data = [
            0xFF, 0xD8, // SOI
            0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00, // APP0 JFIF
            0xFF, 0xC1, 0x00, 0x0B, 12, 0, 8, 0, 8, 1, 7, 0x11,
            0, // SOF1, 12-bit, 1 component
            0xFF, 0xDA, 0x00, 0x02, // SOS
            0xFF, 0xD9,
        ];
        let header = read_header(&data);
        assert_eq!(header.frame_marker, 0xC1);
        assert_eq!(header.precision, 12);
        assert_eq!(header.component_ids, [7]);
        assert!(header.jfif && !header.adobe);
        assert!(ends_with_end_of_image(&data));
    }

    #[test]
    fn truncated_codestreams_have_no_end_marker() {
        assert!(!ends_with_end_of_image(&[0xFF, 0xD8, 0x12, 0x34]));
        assert!(ends_with_end_of_image(&[0xFF, 0xD8, 0xFF, 0xD9, 0, 0]));
        assert!(read_header(&[0xFF, 0xD8, 0xFF, 0xC0, 0xFF])
            .component_ids
            .is_empty());
    }
}
