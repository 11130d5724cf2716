//! Which optional codec back ends this build carries. JPEG 2000 (OpenJPEG), JPEG-LS (CharLS)
//! and deflated data sets (flate2) are Cargo features of this crate, all on by default, so
//! that a build can leave one out as dicom-rs allows (docs/imaging.md). An object in a
//! transfer syntax whose back end was left out is refused here, by name, before any of its
//! bytes reach a decoder: [`ImagingError::NotInThisBuild`], never a panic and never a
//! decode by some other route.

use super::decode::transfer_syntax_name;
use super::error::ImagingError;

/// JPEG-LS Lossless and Near-Lossless (PS3.5 A.4.3).
pub const JPEG_LS: [&str; 2] = ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"];
/// JPEG 2000 (lossless only, and lossy) and HTJ2K (PS3.5 A.4.4, A.4.11).
pub const JPEG_2000: [&str; 5] = [
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.91",
    "1.2.840.10008.1.2.4.201",
    "1.2.840.10008.1.2.4.202",
    "1.2.840.10008.1.2.4.203",
];
/// Deflated Explicit VR Little Endian (PS3.5 A.5) and JPIP Referenced Deflate (A.6).
pub const DEFLATED: [&str; 2] = ["1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.95"];

/// An optional back end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// OpenJPEG, feature `jpeg2000`.
    Jpeg2000,
    /// CharLS, feature `jpegls`.
    JpegLs,
    /// flate2, feature `deflate`.
    Deflate,
}

impl Backend {
    /// The optional back end `uid` needs, if any.
    pub fn for_transfer_syntax(uid: &str) -> Option<Self> {
        if JPEG_2000.contains(&uid) {
            Some(Self::Jpeg2000)
        } else if JPEG_LS.contains(&uid) {
            Some(Self::JpegLs)
        } else if DEFLATED.contains(&uid) {
            Some(Self::Deflate)
        } else {
            None
        }
    }

    /// Whether this build carries it.
    pub fn is_built(self) -> bool {
        match self {
            Self::Jpeg2000 => cfg!(feature = "jpeg2000"),
            Self::JpegLs => cfg!(feature = "jpegls"),
            Self::Deflate => cfg!(feature = "deflate"),
        }
    }
}

/// Refuses `uid` when its optional back end was left out of this build.
pub fn require_backend(uid: &str) -> Result<(), ImagingError> {
    match Backend::for_transfer_syntax(uid) {
        Some(backend) if !backend.is_built() => Err(ImagingError::NotInThisBuild {
            transfer_syntax: transfer_syntax_name(uid),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_back_end_of_each_optional_syntax_and_none_for_the_rest() {
        assert_eq!(
            Backend::for_transfer_syntax("1.2.840.10008.1.2.4.201"),
            Some(Backend::Jpeg2000)
        );
        assert_eq!(
            Backend::for_transfer_syntax("1.2.840.10008.1.2.4.81"),
            Some(Backend::JpegLs)
        );
        assert_eq!(
            Backend::for_transfer_syntax("1.2.840.10008.1.2.1.99"),
            Some(Backend::Deflate)
        );
        for always in [
            "1.2.840.10008.1.2.1",
            "1.2.840.10008.1.2.5",
            "1.2.840.10008.1.2.4.50",
        ] {
            assert_eq!(Backend::for_transfer_syntax(always), None);
            assert_eq!(require_backend(always), Ok(()));
        }
    }

    /// An explicit VR little endian element (2-byte length; 4 bytes for OB).
    fn element(group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = [group.to_le_bytes(), element.to_le_bytes()].concat();
        out.extend_from_slice(vr);
        if vr == b"OB" {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&u32::MAX.to_le_bytes()); // undefined length
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(value);
        out
    }

    /// A 2×2 8-bit image in `uid`, its one frame a codestream of SOI and EOI only.
    fn encapsulated_file(uid: &str) -> Vec<u8> {
        let us = |value: u16| value.to_le_bytes();
        let item = |tag: u16, value: &[u8]| {
            let mut out = [0xFFFEu16.to_le_bytes(), tag.to_le_bytes()].concat();
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
            out.extend_from_slice(value);
            out
        };
        let pixel_sequence = [
            item(0xE000, &[]),
            item(0xE000, &[0xFF, 0xD8, 0xFF, 0xD9]),
            item(0xE0DD, &[]),
        ]
        .concat();
        let dataset = [
            element(0x0028, 0x0002, b"US", &us(1)),
            element(0x0028, 0x0004, b"CS", b"MONOCHROME2 "),
            element(0x0028, 0x0010, b"US", &us(2)),
            element(0x0028, 0x0011, b"US", &us(2)),
            element(0x0028, 0x0100, b"US", &us(8)),
            element(0x0028, 0x0101, b"US", &us(8)),
            element(0x0028, 0x0102, b"US", &us(7)),
            element(0x0028, 0x0103, b"US", &us(0)),
            element(0x7FE0, 0x0010, b"OB", &pixel_sequence),
        ]
        .concat();
        let mut uid = uid.as_bytes().to_vec();
        if uid.len() % 2 == 1 {
            uid.push(0);
        }
        // File Meta Information Version (0002,0001) OB 00 01, with its defined length.
        let mut meta = vec![0x02, 0x00, 0x01, 0x00, b'O', b'B', 0, 0, 2, 0, 0, 0, 0, 1];
        meta.extend(element(0x0002, 0x0010, b"UI", &uid));
        let mut file = vec![0u8; 128];
        file.extend_from_slice(b"DICM");
        file.extend(element(
            0x0002,
            0x0000,
            b"UL",
            &(meta.len() as u32).to_le_bytes(),
        ));
        file.extend(meta);
        file.extend(dataset);
        file
    }

    #[test]
    fn decoding_a_left_out_syntax_is_refused_by_name_and_a_built_one_reaches_its_checks() {
        let limits = crate::imaging::DecodeLimits::default();
        for (uid, built, name) in [
            (
                "1.2.840.10008.1.2.4.80",
                cfg!(feature = "jpegls"),
                "JPEG-LS Lossless",
            ),
            (
                "1.2.840.10008.1.2.4.90",
                cfg!(feature = "jpeg2000"),
                "JPEG 2000",
            ),
        ] {
            let outcome = crate::imaging::decode_image(&encapsulated_file(uid), &limits, None);
            match outcome {
                Err(ImagingError::NotInThisBuild { transfer_syntax }) => {
                    assert!(!built, "{uid} refused although built");
                    assert!(transfer_syntax.starts_with(name), "{transfer_syntax}");
                }
                Err(other) => assert!(built, "{uid}: {other}"),
                Ok(_) => panic!("{uid}: an empty codestream decoded"),
            }
        }
    }

    #[test]
    fn a_syntax_is_refused_exactly_when_its_feature_is_off() {
        let cases = [
            ("1.2.840.10008.1.2.4.90", cfg!(feature = "jpeg2000")),
            ("1.2.840.10008.1.2.4.80", cfg!(feature = "jpegls")),
            ("1.2.840.10008.1.2.1.99", cfg!(feature = "deflate")),
        ];
        for (uid, built) in cases {
            match require_backend(uid) {
                Ok(()) => assert!(built, "{uid} accepted without its back end"),
                Err(error) => {
                    assert!(!built, "{uid} refused although built");
                    assert!(error.to_string().contains("not supported in this build"));
                }
            }
        }
    }
}
