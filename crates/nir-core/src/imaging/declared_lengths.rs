//! Every value length a DICOM object declares, checked against the bytes that actually
//! follow it, before dicom-rs parses the object: the parser sizes (and, by filling with
//! zeros, makes resident) a buffer of the declared length before it reads the value, so a
//! few hundred bytes declaring a 1 GiB Pixel Data would otherwise cost a gigabyte. The walk
//! follows the encoding rules of PS3.5 section 7 (explicit VR with 2- or 4-byte lengths by
//! VR, 7.1.2; implicit VR, 7.1.3; nested data sets with defined or undefined lengths and
//! their delimitation items, 7.5), encapsulated Pixel Data fragments (A.4) and the File Meta
//! Information group of PS3.10 7.1 (explicit VR little endian, bounded by its group length);
//! a deflated data set (PS3.5 A.5) is inflated once, bounded by the output the input can
//! produce, and walked the same way. It allocates nothing in proportion to a declared
//! length: each step only reads a header and moves on.

use std::io::Read;
use std::ops::Range;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_encoding::{Codec, TransferSyntaxIndex};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

/// Nesting deeper than this is refused (real objects rarely exceed 5 levels).
const MAX_DEPTH: usize = 64;
/// DEFLATE (RFC 1951) cannot expand data by more than about 1032:1.
const MAX_INFLATE_RATIO: u64 = 1100;
/// Whatever the ratio allows, an inflated data set larger than this is refused.
const MAX_INFLATED_BYTES: u64 = 2 << 30;

const UNDEFINED: u32 = u32::MAX;
const ITEM: Tag = Tag(0xFFFE, 0xE000);
const ITEM_END: Tag = Tag(0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = Tag(0xFFFE, 0xE0DD);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// How much of the object to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every element.
    Whole,
    /// Elements before the top-level Pixel Data (for readers that stop there).
    BeforePixelData,
}

/// Why a declared length was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeclaredLengthError {
    /// An element (or item) declares more bytes than follow it.
    #[error(
        "element ({group:04X},{element:04X}) declares {declared} bytes but only {available} \
         follow it"
    )]
    BeyondData {
        /// Group of the tag.
        group: u16,
        /// Element of the tag.
        element: u16,
        /// Length in the header.
        declared: u64,
        /// Bytes present after the header (within the enclosing item, if any).
        available: u64,
    },
    /// Sequences nested deeper than any real object.
    #[error("sequences are nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    /// A deflated data set that would inflate beyond the limit.
    #[error("the deflated data set inflates to more than {limit} bytes")]
    InflatesTooFar {
        /// The limit in force.
        limit: u64,
    },
    /// A deflated data set that cannot be inflated.
    #[error("the deflated data set cannot be inflated: {0}")]
    Inflate(String),
    /// The data set is encoded in a transfer syntax whose back end was left out of this
    /// build (feature `deflate`, see [`super::codecs`]); its bytes cannot even be walked.
    #[error("{0} is not supported in this build (its decoder was left out)")]
    NotInThisBuild(String),
}

/// Where a top-level native Pixel Data element lies in the bytes of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativePixelData {
    /// Offset of the element's tag: everything before it is the rest of the object (the
    /// file meta group and the data set's other elements; those after Pixel Data, such as
    /// trailing padding, are not needed to decode the image).
    pub element_start: usize,
    /// The value: stored values, little endian, frame after frame (PS3.5 8.1.1).
    pub value: Range<usize>,
}

/// A top-level native Pixel Data element as its header declares it
/// ([`find_declared_native_pixel_data`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredPixelData {
    /// Offset of the element's tag in the object.
    pub element_start: usize,
    /// Offset of its value.
    pub value_start: usize,
    /// The length its header declares: a claim.
    pub declared_length: usize,
}

/// Byte order and VR encoding of a stretch of the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Encoding {
    explicit: bool,
    big_endian: bool,
}

const EXPLICIT_LE: Encoding = Encoding {
    explicit: true,
    big_endian: false,
};
const IMPLICIT_LE: Encoding = Encoding {
    explicit: false,
    big_endian: false,
};

/// Checks `bytes` (a Part-10 file with or without preamble, or a bare implicit VR little
/// endian data set) before it is parsed.
pub fn check_declared_lengths(bytes: &[u8], scope: Scope) -> Result<(), DeclaredLengthError> {
    walk_object(bytes, scope).map(|_| ())
}

/// [`check_declared_lengths`] over the whole object, also giving where the value of its
/// top-level native Pixel Data lies in `bytes`: `Some` only for a defined-length Pixel Data
/// (native, PS3.5 A.4 gives encapsulated data an undefined length) in a data set that is
/// little endian and stored as it is (not deflated), so that its bytes are the stored
/// values as they are, in place.
pub fn check_and_find_native_pixel_data(
    bytes: &[u8],
) -> Result<Option<NativePixelData>, DeclaredLengthError> {
    walk_object(bytes, Scope::Whole)
}

/// The top-level native Pixel Data element of an object of which only `prefix`, its first
/// bytes, has been read: where its element starts, where its value starts and the length it
/// declares (a claim, to be checked against the bytes that follow before anything is sized
/// from it). Everything before the element is checked as [`check_declared_lengths`] checks
/// it, and must lie within `prefix`. `None` when the element is not in the prefix, is
/// encapsulated, or its bytes would not be the stored values as they lie (big endian,
/// deflated).
pub fn find_declared_native_pixel_data(
    prefix: &[u8],
) -> Result<Option<DeclaredPixelData>, DeclaredLengthError> {
    // Neither walked nor inflated here when it cannot give `Some`: the caller reads such
    // an object whole, and it is checked then.
    if let Some(start) = meta_start(prefix) {
        let Some((_, transfer_syntax)) = walk_meta(prefix, start)? else {
            return Ok(None);
        };
        let uid = transfer_syntax.trim_end_matches(['\0', ' ']);
        let dataset_codec = TransferSyntaxRegistry
            .get(uid)
            .is_some_and(|ts| matches!(ts.codec(), Codec::Dataset(_)));
        if uid == "1.2.840.10008.1.2.2" || dataset_codec {
            return Ok(None);
        }
    }
    Ok(
        walk_object(prefix, Scope::BeforePixelData)?.map(|found| DeclaredPixelData {
            element_start: found.element_start,
            value_start: found.value.start,
            declared_length: found.value.len(),
        }),
    )
}

/// Where the File Meta Information starts: after `DICM`, itself after the 128-byte preamble
/// or at the very start; `None` without it.
fn meta_start(bytes: &[u8]) -> Option<usize> {
    if bytes.get(128..132) == Some(b"DICM") {
        Some(132)
    } else if bytes.starts_with(b"DICM") {
        Some(4)
    } else {
        None
    }
}

/// Walks the object as [`check_declared_lengths`] describes; `Some` is the top-level native
/// Pixel Data in `bytes` (its value unchecked with [`Scope::BeforePixelData`]), left `None`
/// when the walk read another buffer (an inflated data set) or another byte order.
fn walk_object(bytes: &[u8], scope: Scope) -> Result<Option<NativePixelData>, DeclaredLengthError> {
    let start = if let Some(start) = meta_start(bytes) {
        start
    } else if bytes.starts_with(&[0x08, 0x00]) {
        // A bare data set (no meta group) is read as implicit VR little endian.
        return walk(bytes, 0, IMPLICIT_LE, scope);
    } else {
        // Not DICOM at all: the parser refuses it without sizing anything.
        return Ok(None);
    };
    let Some((dataset_start, transfer_syntax)) = walk_meta(bytes, start)? else {
        // Without a usable meta group the parser refuses the object on its own.
        return Ok(None);
    };
    let uid = transfer_syntax.trim_end_matches(['\0', ' ']);
    match uid {
        "1.2.840.10008.1.2" => walk(bytes, dataset_start, IMPLICIT_LE, scope),
        "1.2.840.10008.1.2.2" => walk(
            bytes,
            dataset_start,
            Encoding {
                explicit: true,
                big_endian: true,
            },
            scope,
        )
        .map(|_| None),
        _ => match TransferSyntaxRegistry.get(uid).map(|ts| ts.codec()) {
            Some(Codec::Dataset(Some(adapter))) => {
                let compressed = &bytes[dataset_start..];
                let limit = (compressed.len() as u64)
                    .saturating_mul(MAX_INFLATE_RATIO)
                    .min(MAX_INFLATED_BYTES);
                let mut reader = adapter
                    .adapt_reader(Box::new(compressed))
                    .take(limit.saturating_add(1));
                let mut inflated = Vec::new();
                reader
                    .read_to_end(&mut inflated)
                    .map_err(|error| DeclaredLengthError::Inflate(error.to_string()))?;
                if inflated.len() as u64 > limit {
                    return Err(DeclaredLengthError::InflatesTooFar { limit });
                }
                walk(&inflated, 0, EXPLICIT_LE, scope).map(|_| None)
            }
            Some(Codec::Dataset(None)) => Err(DeclaredLengthError::NotInThisBuild(
                super::decode::transfer_syntax_name(uid),
            )),
            _ => walk(bytes, dataset_start, EXPLICIT_LE, scope),
        },
    }
}

/// Walks the File Meta Information group: `Some((where the data set starts, Transfer
/// Syntax UID))`, or `None` when the group does not open with its group length.
fn walk_meta(bytes: &[u8], start: usize) -> Result<Option<(usize, String)>, DeclaredLengthError> {
    let Some(first) = read_header(bytes, start, EXPLICIT_LE) else {
        return Ok(None);
    };
    if first.tag != Tag(0x0002, 0x0000) || first.length != 4 {
        return Ok(None);
    }
    let Some(word) = bytes.get(first.value_start..first.value_start + 4) else {
        return Ok(None);
    };
    let group_length = u32::from_le_bytes([word[0], word[1], word[2], word[3]]) as usize;
    let meta_start = first.value_start + 4;
    let mut position = meta_start;
    let mut transfer_syntax = String::new();
    while position - meta_start < group_length {
        let Some(header) = read_header(bytes, position, EXPLICIT_LE) else {
            return Ok(None);
        };
        if header.length == UNDEFINED {
            return Ok(None);
        }
        let end = value_end(bytes, &header, bytes.len())?;
        if header.tag == Tag(0x0002, 0x0010) {
            transfer_syntax = String::from_utf8_lossy(&bytes[header.value_start..end]).into();
        }
        position = end;
    }
    Ok(Some((position, transfer_syntax)))
}

/// One element header as read from the bytes.
struct Header {
    tag: Tag,
    vr: Option<VR>,
    length: u32,
    value_start: usize,
}

fn read_u16(bytes: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let pair: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(pair)
    } else {
        u16::from_le_bytes(pair)
    })
}

fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let word: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(word)
    } else {
        u32::from_le_bytes(word)
    })
}

/// The header at `at`, or `None` when the bytes end inside it.
fn read_header(bytes: &[u8], at: usize, encoding: Encoding) -> Option<Header> {
    let big = encoding.big_endian;
    let tag = Tag(read_u16(bytes, at, big)?, read_u16(bytes, at + 2, big)?);
    // Items and delimiters carry no VR in any transfer syntax (PS3.5 7.5).
    if tag.group() == 0xFFFE || !encoding.explicit {
        return Some(Header {
            tag,
            vr: None,
            length: read_u32(bytes, at + 4, big)?,
            value_start: at + 8,
        });
    }
    let code: [u8; 2] = bytes.get(at + 4..at + 6)?.try_into().ok()?;
    // An unknown VR is read as UN, as the parser does.
    let vr = Some(VR::from_binary(code).unwrap_or(VR::UN));
    // PS3.5 table 7.1-1: these VRs have two reserved bytes and a 32-bit length.
    let long = matches!(
        vr,
        Some(
            VR::OB
                | VR::OD
                | VR::OF
                | VR::OL
                | VR::OV
                | VR::OW
                | VR::SQ
                | VR::SV
                | VR::UC
                | VR::UN
                | VR::UR
                | VR::UT
                | VR::UV
        )
    );
    if long {
        Some(Header {
            tag,
            vr,
            length: read_u32(bytes, at + 8, big)?,
            value_start: at + 12,
        })
    } else {
        Some(Header {
            tag,
            vr,
            length: u32::from(read_u16(bytes, at + 6, big)?),
            value_start: at + 8,
        })
    }
}

/// End of a defined-length value, refused when it would pass `limit`.
fn value_end(bytes: &[u8], header: &Header, limit: usize) -> Result<usize, DeclaredLengthError> {
    let limit = limit.min(bytes.len());
    let available = limit.saturating_sub(header.value_start);
    let declared = header.length as usize;
    if declared > available {
        return Err(DeclaredLengthError::BeyondData {
            group: header.tag.group(),
            element: header.tag.element(),
            declared: u64::from(header.length),
            available: available as u64,
        });
    }
    Ok(header.value_start + declared)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sequence,
    Item,
    PixelSequence,
}

/// An open sequence or item: where it ends when its length is defined.
#[derive(Debug, Clone, Copy)]
struct Open {
    kind: Kind,
    end: Option<usize>,
}

fn is_sequence(header: &Header, encoding: Encoding) -> bool {
    if encoding.explicit {
        return header.vr == Some(VR::SQ);
    }
    // Implicit VR: the parser takes the VR from the data dictionary.
    StandardDataDictionary
        .by_tag(header.tag)
        .is_some_and(|entry| entry.vr() == VirtualVr::Exact(VR::SQ))
}

/// Walks the data set from `start` to the end of `bytes`; `Some` is the value of the first
/// top-level Pixel Data of defined length (native).
fn walk(
    bytes: &[u8],
    start: usize,
    encoding: Encoding,
    scope: Scope,
) -> Result<Option<NativePixelData>, DeclaredLengthError> {
    let mut open: Vec<Open> = Vec::new();
    let mut position = start;
    let mut native_pixel_data = None;
    let mut out_of_order = false;
    loop {
        while let Some(Open { end: Some(end), .. }) = open.last() {
            if position < *end {
                break;
            }
            open.pop();
        }
        let limit = open.iter().rev().find_map(|o| o.end).unwrap_or(bytes.len());
        let Some(header) = read_header(bytes, position, encoding) else {
            // The bytes end inside a header: the parser reports that, nothing is sized.
            return Ok(native_pixel_data.filter(|_| !out_of_order));
        };
        let in_pixels = matches!(
            open.last(),
            Some(Open {
                kind: Kind::PixelSequence,
                ..
            })
        );
        if header.tag == ITEM {
            if header.length == UNDEFINED && !in_pixels {
                open.push(Open {
                    kind: Kind::Item,
                    end: None,
                });
                position = header.value_start;
            } else {
                let end = value_end(bytes, &header, limit)?;
                if in_pixels {
                    position = end;
                } else {
                    open.push(Open {
                        kind: Kind::Item,
                        end: Some(end),
                    });
                    position = header.value_start;
                }
            }
        } else if header.tag == ITEM_END {
            if matches!(
                open.last(),
                Some(Open {
                    kind: Kind::Item,
                    end: None
                })
            ) {
                open.pop();
            }
            position = header.value_start;
        } else if header.tag == SEQUENCE_END {
            if let Some(at) = open
                .iter()
                .rposition(|o| o.kind != Kind::Item && o.end.is_none())
            {
                open.truncate(at);
            }
            position = header.value_start;
        } else {
            if open.is_empty() && scope == Scope::BeforePixelData && header.tag >= PIXEL_DATA {
                // The value was not asked for: its range is as declared, unchecked (`None`
                // if it cannot even be represented).
                let declared = (header.tag == PIXEL_DATA && header.length != UNDEFINED)
                    .then(|| header.value_start.checked_add(header.length as usize))
                    .flatten()
                    .map(|end| NativePixelData {
                        element_start: position,
                        value: header.value_start..end,
                    });
                return Ok(declared);
            }
            if open.is_empty() && native_pixel_data.is_some() && header.tag <= PIXEL_DATA {
                // An element out of order after Pixel Data (or a second Pixel Data): the
                // parser reads the whole object as it is, so the object is parsed whole.
                out_of_order = true;
            }
            if header.length == UNDEFINED {
                let kind = if header.tag == PIXEL_DATA {
                    Kind::PixelSequence
                } else {
                    Kind::Sequence
                };
                open.push(Open { kind, end: None });
                position = header.value_start;
            } else {
                let end = value_end(bytes, &header, limit)?;
                if open.is_empty() && header.tag == PIXEL_DATA && native_pixel_data.is_none() {
                    native_pixel_data = Some(NativePixelData {
                        element_start: position,
                        value: header.value_start..end,
                    });
                }
                if is_sequence(&header, encoding) {
                    open.push(Open {
                        kind: Kind::Sequence,
                        end: Some(end),
                    });
                    position = header.value_start;
                } else {
                    position = end;
                }
            }
        }
        if open.len() > MAX_DEPTH {
            return Err(DeclaredLengthError::TooDeep);
        }
    }
}

#[cfg(test)]
#[path = "declared_lengths_tests.rs"]
mod tests;
