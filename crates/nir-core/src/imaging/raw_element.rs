//! Hand-made DICOM bytes for tests of hostile input: one explicit VR little endian element
//! (DICOM PS3.5 7.1.2) that declares whatever length it is told, whatever its value holds,
//! so that tests can build files that lie about their sizes.

/// The VRs whose explicit-VR header has two reserved bytes and a 32-bit length (PS3.5
/// Table 7.1-1); every other VR has a 16-bit length.
const LONG_LENGTH_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
];

/// Tag, VR, `length` in the field the VR has (a 16-bit field keeps the low 16 bits), then
/// `value` as it is.
pub fn explicit_le_declaring(
    group: u16,
    element: u16,
    vr: &[u8; 2],
    length: u32,
    value: &[u8],
) -> Vec<u8> {
    let mut out = [group.to_le_bytes(), element.to_le_bytes()].concat();
    out.extend_from_slice(vr);
    if LONG_LENGTH_VRS.contains(&vr) {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&length.to_le_bytes());
    } else {
        out.extend_from_slice(&length.to_le_bytes()[..2]);
    }
    out.extend_from_slice(value);
    out
}

/// A Part-10 file (PS3.10 7.1): the 128-byte preamble, `DICM`, a File Meta Information
/// Group Length counting `meta` (the rest of group 0002, already encoded), `meta`, then
/// `dataset`.
pub fn part10_file(meta: &[u8], dataset: &[u8]) -> Vec<u8> {
    let group_length = u32::try_from(meta.len()).unwrap_or(u32::MAX).to_le_bytes();
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    out.extend(explicit_le_declaring(
        0x0002,
        0x0000,
        b"UL",
        4,
        &group_length,
    ));
    out.extend_from_slice(meta);
    out.extend_from_slice(dataset);
    out
}

/// A MONOCHROME2 image with native Pixel Data, built byte by byte.
#[derive(Debug, Clone)]
pub struct MonochromeImage {
    /// Transfer Syntax UID of the data set.
    pub transfer_syntax: &'static str,
    /// The data set is explicit VR big endian (`transfer_syntax` should say so).
    pub big_endian: bool,
    /// Rows, Columns and Number of Frames.
    pub rows: u16,
    /// Columns.
    pub columns: u16,
    /// Number of Frames.
    pub frames: u16,
    /// Bits Allocated (8 or 16) and Bits Stored.
    pub bits_allocated: u16,
    /// Bits Stored.
    pub bits_stored: u16,
    /// Elements placed just before Pixel Data, already encoded.
    pub before_pixel_data: Vec<u8>,
    /// Elements placed after Pixel Data, already encoded.
    pub after_pixel_data: Vec<u8>,
}

impl MonochromeImage {
    /// Little endian, `frames` frames of `rows` x `columns` at `bits` bits.
    pub fn little_endian(rows: u16, columns: u16, frames: u16, bits: u16) -> Self {
        Self {
            transfer_syntax: "1.2.840.10008.1.2.1",
            big_endian: false,
            rows,
            columns,
            frames,
            bits_allocated: bits,
            bits_stored: bits,
            before_pixel_data: Vec::new(),
            after_pixel_data: Vec::new(),
        }
    }

    /// One element in this image's byte order.
    pub fn element(&self, group: u16, number: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut bytes = explicit_le_declaring(group, number, vr, value.len() as u32, value);
        if self.big_endian {
            bytes[0..2].reverse();
            bytes[2..4].reverse();
            let length = if bytes.len() - value.len() == 12 {
                8..12
            } else {
                6..8
            };
            bytes[length].reverse();
        }
        bytes
    }

    /// The Part-10 file with `pixel_data` (already in the image's byte order) as its value.
    pub fn file(&self, pixel_data: &[u8]) -> Vec<u8> {
        let us = |value: u16| {
            if self.big_endian {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            }
        };
        let frames = format!("{:<2}", self.frames);
        let frames = if frames.len() % 2 == 1 {
            format!("{frames} ")
        } else {
            frames
        };
        let vr = if self.bits_allocated == 8 {
            b"OB"
        } else {
            b"OW"
        };
        let dataset = [
            self.element(0x0028, 0x0002, b"US", &us(1)),
            self.element(0x0028, 0x0004, b"CS", b"MONOCHROME2 "),
            self.element(0x0028, 0x0008, b"IS", frames.as_bytes()),
            self.element(0x0028, 0x0010, b"US", &us(self.rows)),
            self.element(0x0028, 0x0011, b"US", &us(self.columns)),
            self.element(0x0028, 0x0100, b"US", &us(self.bits_allocated)),
            self.element(0x0028, 0x0101, b"US", &us(self.bits_stored)),
            self.element(0x0028, 0x0102, b"US", &us(self.bits_stored - 1)),
            self.element(0x0028, 0x0103, b"US", &us(0)),
            self.before_pixel_data.clone(),
            self.element(0x7FE0, 0x0010, vr, pixel_data),
            self.after_pixel_data.clone(),
        ]
        .concat();
        let mut uid = self.transfer_syntax.as_bytes().to_vec();
        if uid.len() % 2 == 1 {
            uid.push(0);
        }
        let meta = [
            explicit_le_declaring(0x0002, 0x0001, b"OB", 2, &[0, 1]),
            explicit_le_declaring(0x0002, 0x0010, b"UI", uid.len() as u32, &uid),
        ]
        .concat();
        part10_file(&meta, &dataset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_length_headers() {
        assert_eq!(
            explicit_le_declaring(0x0008, 0x0060, b"CS", 2, b"CT"),
            [0x08, 0, 0x60, 0, b'C', b'S', 2, 0, b'C', b'T']
        );
        assert_eq!(
            explicit_le_declaring(0x7FE0, 0x0010, b"OW", 1 << 30, &[]),
            [0xE0, 0x7F, 0x10, 0, b'O', b'W', 0, 0, 0, 0, 0, 0x40]
        );
    }

    #[test]
    fn a_part10_file_counts_its_meta_group() {
        let file = part10_file(&[1, 2, 3, 4], &[9]);
        assert_eq!(&file[128..132], b"DICM");
        assert_eq!(&file[132..144], [2, 0, 0, 0, b'U', b'L', 4, 0, 4, 0, 0, 0]);
        assert_eq!(&file[144..], [1, 2, 3, 4, 9]);
    }
}
