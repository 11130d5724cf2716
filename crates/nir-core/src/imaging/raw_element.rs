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
