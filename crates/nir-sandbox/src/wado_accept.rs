//! Accept-header negotiation for WADO-RS: which encoding a retrieve gets (stored syntax
//! for `transfer-syntax=*` or the stored UID, native explicit VR LE for that UID or by
//! default) and whether frames can be served; anything else is 406 Not Acceptable.

use super::catalogue::TS_EXPLICIT_LE;
use super::dicom_gen::Encoding;

/// One media range of an Accept header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MediaRange {
    essence: String,
    part_type: Option<String>,
    transfer_syntax: Option<String>,
}

fn ranges(accept: Option<&str>) -> Vec<MediaRange> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return vec![MediaRange {
            essence: "*/*".into(),
            part_type: None,
            transfer_syntax: None,
        }];
    };
    accept
        .split(',')
        .map(|range| {
            let mut pieces = range.split(';');
            let essence = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut part_type = None;
            let mut transfer_syntax = None;
            for param in pieces {
                let Some((name, value)) = param.split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches('"').to_string();
                match name.trim().to_ascii_lowercase().as_str() {
                    "type" => part_type = Some(value.to_ascii_lowercase()),
                    "transfer-syntax" => transfer_syntax = Some(value),
                    _ => {}
                }
            }
            MediaRange {
                essence,
                part_type,
                transfer_syntax,
            }
        })
        .collect()
}

/// The encoding to send instances in, given the stored syntaxes of the instances asked
/// for; `None` means 406.
pub fn instance_encoding(accept: Option<&str>, stored: &[&str]) -> Option<Encoding> {
    ranges(accept).into_iter().find_map(|range| {
        let multipart_dicom = range.essence == "multipart/related"
            && range
                .part_type
                .as_deref()
                .is_none_or(|t| t == "application/dicom");
        let wildcard = range.essence == "*/*" || range.essence == "multipart/*";
        if !(multipart_dicom || wildcard) {
            return None;
        }
        match range.transfer_syntax.as_deref() {
            None if wildcard => Some(Encoding::Native),
            None | Some(TS_EXPLICIT_LE) => Some(Encoding::Native),
            Some("*") => Some(Encoding::Stored),
            Some(uid) if !stored.is_empty() && stored.iter().all(|s| *s == uid) => {
                Some(Encoding::Stored)
            }
            Some(_) => None,
        }
    })
}

/// Whether native frames (`application/octet-stream`) are acceptable.
pub fn frames_acceptable(accept: Option<&str>) -> bool {
    ranges(accept).into_iter().any(|range| {
        let octets = range.essence == "application/octet-stream"
            || (range.essence == "multipart/related"
                && range
                    .part_type
                    .as_deref()
                    .is_none_or(|t| t == "application/octet-stream"))
            || range.essence == "*/*"
            || range.essence == "multipart/*";
        octets
            && range
                .transfer_syntax
                .as_deref()
                .is_none_or(|t| t == "*" || t == TS_EXPLICIT_LE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{TS_JPEG_LS, TS_RLE};

    #[test]
    fn negotiates_instances() {
        let mt = |ts: &str| {
            format!("multipart/related; type=\"application/dicom\"; transfer-syntax={ts}")
        };
        assert_eq!(
            instance_encoding(Some(&mt("*")), &[TS_RLE]),
            Some(Encoding::Stored)
        );
        assert_eq!(
            instance_encoding(Some(&mt(TS_EXPLICIT_LE)), &[TS_RLE]),
            Some(Encoding::Native)
        );
        assert_eq!(
            instance_encoding(Some(&mt(TS_RLE)), &[TS_RLE, TS_RLE]),
            Some(Encoding::Stored)
        );
        assert_eq!(instance_encoding(Some(&mt(TS_JPEG_LS)), &[TS_RLE]), None);
        assert_eq!(
            instance_encoding(Some("multipart/related; type=application/dicom"), &[TS_RLE]),
            Some(Encoding::Native)
        );
        assert_eq!(instance_encoding(None, &[TS_RLE]), Some(Encoding::Native));
        assert_eq!(instance_encoding(Some("application/json"), &[TS_RLE]), None);
        let two = format!("{}, {}", mt("1.2.840.10008.1.2.4.90"), mt("*"));
        assert_eq!(
            instance_encoding(Some(&two), &[TS_RLE]),
            Some(Encoding::Stored)
        );
    }

    #[test]
    fn negotiates_frames() {
        assert!(frames_acceptable(None));
        assert!(frames_acceptable(Some(
            "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*"
        )));
        assert!(frames_acceptable(Some("application/octet-stream")));
        assert!(!frames_acceptable(Some(
            "multipart/related; type=\"image/jls\""
        )));
        assert!(!frames_acceptable(Some(
            "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.5"
        )));
    }
}
