//! Errors of the imaging pipeline. Each message names the failing item (attribute, frame,
//! transfer syntax) so that `render` can print one useful line per file; the clinician sees
//! a plain-language message through [`UserFacing`].

use crate::error::{ErrorCode, UserFacing};

/// Why a DICOM object could not be turned into pixels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImagingError {
    /// The bytes are not a readable DICOM object.
    #[error("not a readable DICOM object: {0}")]
    Parse(String),
    /// A value length declares more bytes than the object holds (checked before parsing,
    /// so nothing is allocated for it).
    #[error("refused before parsing: {0}")]
    DeclaredLength(#[from] super::declared_lengths::DeclaredLengthError),
    /// The object holds no Pixel Data (a report, plan, waveform or document).
    #[error("no Pixel Data: this object is not an image")]
    NoPixelData,
    /// A required attribute of the Image Pixel module is absent or unreadable.
    #[error("attribute {name} is missing or invalid")]
    Attribute {
        /// The attribute's keyword.
        name: &'static str,
    },
    /// A combination of attributes the pipeline does not support.
    #[error("unsupported {what}: {value}")]
    Unsupported {
        /// The attribute or feature (e.g. "Bits Allocated").
        what: &'static str,
        /// The offending value.
        value: String,
    },
    /// The transfer syntax's codec back end was left out of this build (a Cargo feature of
    /// nir-core, see [`super::codecs`]).
    #[error("{transfer_syntax} is not supported in this build (its decoder was left out)")]
    NotInThisBuild {
        /// Name of the transfer syntax.
        transfer_syntax: String,
    },
    /// The image is larger than the configured limits (a decompression bomb or a mistake).
    #[error("{what} {value} exceeds the limit of {limit}")]
    TooLarge {
        /// What was measured (rows, columns, frames, decoded bytes).
        what: &'static str,
        /// The value found.
        value: u64,
        /// The limit in force.
        limit: u64,
    },
    /// Native Pixel Data holds fewer bytes than the attributes promise.
    #[error("Pixel Data too short: {found} bytes, {expected} expected")]
    PixelDataTooShort {
        /// Bytes present.
        found: usize,
        /// Bytes the attributes require.
        expected: usize,
    },
    /// The requested frame does not exist.
    #[error("frame {frame} requested but the image has {frames} frame(s)")]
    FrameOutOfRange {
        /// The 0-based frame asked for.
        frame: u32,
        /// Number of frames in the image.
        frames: u32,
    },
    /// The compressed frame could not be decoded.
    #[error("frame {frame} ({transfer_syntax}): {reason}")]
    Codec {
        /// 0-based frame number.
        frame: u32,
        /// Name of the transfer syntax.
        transfer_syntax: String,
        /// What the codec reported.
        reason: String,
    },
    /// A lookup table (modality, VOI, palette) is malformed.
    #[error("invalid {table}: {reason}")]
    Lut {
        /// Which table.
        table: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Writing an output file failed (render subcommand only).
    #[error("cannot write {path}: {reason}")]
    Output {
        /// The file that could not be written.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
}

impl UserFacing for ImagingError {
    fn code(&self) -> ErrorCode {
        match self {
            ImagingError::Parse(_) => ErrorCode::DicomUnreadable,
            ImagingError::DeclaredLength(_) => ErrorCode::DicomDeclaredLength,
            ImagingError::NoPixelData => ErrorCode::DicomNotAnImage,
            ImagingError::Attribute { .. } => ErrorCode::DicomAttributeInvalid,
            ImagingError::Unsupported { .. } | ImagingError::NotInThisBuild { .. } => {
                ErrorCode::DicomUnsupported
            }
            ImagingError::TooLarge { .. } => ErrorCode::DicomTooLarge,
            ImagingError::PixelDataTooShort { .. } => ErrorCode::DicomTruncated,
            ImagingError::FrameOutOfRange { .. } => ErrorCode::DicomFrameOutOfRange,
            ImagingError::Codec { .. } => ErrorCode::DicomDecodeFailed,
            ImagingError::Lut { .. } => ErrorCode::DicomLutInvalid,
            ImagingError::Output { .. } => ErrorCode::OutputWriteFailed,
        }
    }

    fn user_message(&self) -> String {
        match self {
            ImagingError::NoPixelData => {
                "This item is not an image (for example a report or a document), so it \
                 cannot be shown in the image viewer."
                    .to_owned()
            }
            ImagingError::Unsupported { .. } => {
                "This image uses a format the viewer does not support yet. Open it in the \
                 PACS viewer instead."
                    .to_owned()
            }
            ImagingError::NotInThisBuild { .. } => {
                "This image uses a format this installation of the viewer was built without. \
                 Open it in the PACS viewer instead."
                    .to_owned()
            }
            ImagingError::TooLarge { .. } => {
                "This image is larger than the viewer's safety limits, so it was not opened."
                    .to_owned()
            }
            ImagingError::Output { .. } => "The output file could not be written.".to_owned(),
            _ => "This image is damaged or incomplete and cannot be shown. Ask the sending \
                  organisation to check it."
                .to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_and_names_the_item() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ImagingError>();
        let error = ImagingError::Attribute { name: "Rows" };
        assert!(error.to_string().contains("Rows"));
        assert_eq!(error.code(), "dicom-attribute-invalid");
        assert!(!error.user_message().contains("Rows"));
    }
}
