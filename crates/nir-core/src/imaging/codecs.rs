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
