//! Native (uncompressed) sample layouts to stored values: little-endian words of 1, 8, 16 or
//! 32 bits, bit-packed 1-bit data that runs across frame boundaries, planar configuration 1,
//! and YBR_FULL_422's shared chroma. High bits above Bits Stored are masked off and signed
//! samples sign-extended, so every later stage sees plain integers. Values are narrowed to
//! the width the frame is kept at as they are read ([`unpack_gray_frame`]: 16 bits for
//! grayscale up to 16 bits stored), so no 64-bit copy of a grayscale frame is made.

use rayon::prelude::*;

use super::error::ImagingError;
use super::frame::GraySamples;
use super::pixel_module::{Photometric, PixelModule};

/// Bytes one native frame occupies (for 1-bit data, rounded up; frames may share a byte).
pub fn native_frame_bytes(module: &PixelModule) -> usize {
    let samples = if module.photometric == Photometric::YbrFull422 {
        module.pixels_per_frame() * 2
    } else {
        module.samples_per_frame()
    };
    if module.bits_allocated == 1 {
        samples.div_ceil(8)
    } else {
        samples * (module.bits_allocated as usize / 8)
    }
}

/// Bytes of native Pixel Data that all frames need.
pub fn native_total_bytes(module: &PixelModule) -> usize {
    if module.bits_allocated == 1 {
        (module.pixels_per_frame() * module.frames as usize).div_ceil(8)
    } else {
        native_frame_bytes(module) * module.frames as usize
    }
}

/// Stored values of frame `frame` from the whole native Pixel Data (little-endian bytes).
/// The result is interleaved (pixel by pixel) with `samples_per_pixel` values per pixel.
pub fn unpack_native_frame(
    pixel_data: &[u8],
    module: &PixelModule,
    frame: u32,
) -> Result<Vec<i64>, ImagingError> {
    unpack_native_frame_as(pixel_data, module, frame, |value| value)
}

/// [`unpack_native_frame`] with every stored value passed through `narrow` as it is read,
/// so no wider copy of the frame is ever made.
pub fn unpack_native_frame_as<T: Copy>(
    pixel_data: &[u8],
    module: &PixelModule,
    frame: u32,
    narrow: impl Fn(i64) -> T,
) -> Result<Vec<T>, ImagingError> {
    let expected = native_total_bytes(module);
    if pixel_data.len() < expected {
        return Err(ImagingError::PixelDataTooShort {
            found: pixel_data.len(),
            expected,
        });
    }
    if module.bits_allocated == 1 {
        let pixels = module.pixels_per_frame();
        let first_bit = frame as usize * pixels;
        let values = (first_bit..first_bit + pixels)
            .map(|bit| narrow(i64::from((pixel_data[bit / 8] >> (bit % 8)) & 1)))
            .collect();
        return Ok(values);
    }
    let size = native_frame_bytes(module);
    let start = frame as usize * size;
    unpack_frame_as(
        &pixel_data[start..start + size],
        module,
        module.planar,
        narrow,
    )
}

/// Stored values of one frame whose bytes are little-endian words of Bits Allocated,
/// interleaved unless `planar`. Used for native frames and for codec output alike.
pub fn unpack_frame(
    bytes: &[u8],
    module: &PixelModule,
    planar: bool,
) -> Result<Vec<i64>, ImagingError> {
    unpack_frame_as(bytes, module, planar, |value| value)
}

/// A grayscale frame's stored values at their stored width: 8-bit for unsigned samples of
/// 8 bits allocated, 16-bit (signed or not) when Bits Stored allows, 64-bit only for wider
/// samples. Used for native frames (`frame` of
/// the whole Pixel Data) and codec output (`frame` is `None`: `bytes` is the frame).
pub fn unpack_gray_frame(
    bytes: &[u8],
    module: &PixelModule,
    frame: Option<u32>,
) -> Result<GraySamples, ImagingError> {
    fn unpack<T: Copy>(
        bytes: &[u8],
        module: &PixelModule,
        frame: Option<u32>,
        narrow: impl Fn(i64) -> T,
    ) -> Result<Vec<T>, ImagingError> {
        match frame {
            Some(frame) => unpack_native_frame_as(bytes, module, frame, narrow),
            None => unpack_frame_as(bytes, module, false, narrow),
        }
    }
    if let Some(samples) = plain_gray_frame(bytes, module, frame)? {
        return Ok(samples);
    }
    Ok(if module.bits_allocated == 8 && !module.signed {
        GraySamples::Unsigned8(unpack(bytes, module, frame, |v| v as u8)?)
    } else if module.bits_stored <= 16 && module.signed {
        GraySamples::Signed16(unpack(bytes, module, frame, |v| v as i16)?)
    } else if module.bits_stored <= 16 {
        GraySamples::Unsigned16(unpack(bytes, module, frame, |v| v as u16)?)
    } else {
        GraySamples::Wide(unpack(bytes, module, frame, |v| v)?)
    })
}

/// The common grayscale layouts (one sample per pixel, 8 or 16 bits allocated, at most
/// 16 stored) read word by word with the mask and sign extension of Bits Stored done on the
/// word itself, which the compiler vectorises; `None` for every other layout.
fn plain_gray_frame(
    bytes: &[u8],
    module: &PixelModule,
    frame: Option<u32>,
) -> Result<Option<GraySamples>, ImagingError> {
    let plain = module.samples_per_pixel == 1
        && module.photometric != Photometric::YbrFull422
        && matches!(module.bits_allocated, 8 | 16)
        && (1..=module.bits_allocated).contains(&module.bits_stored);
    if !plain {
        return Ok(None);
    }
    let size = native_frame_bytes(module);
    let start = match frame {
        Some(frame) => {
            let expected = native_total_bytes(module);
            if bytes.len() < expected {
                return Err(ImagingError::PixelDataTooShort {
                    found: bytes.len(),
                    expected,
                });
            }
            frame as usize * size
        }
        None => 0,
    };
    let Some(words) = bytes.get(start..start + size) else {
        return Err(ImagingError::PixelDataTooShort {
            found: bytes.len(),
            expected: start + size,
        });
    };
    // Shifting the stored bits to the top of the word and back masks them (unsigned) or
    // sign-extends them (signed).
    let spare = module.bits_allocated - module.bits_stored;
    Ok(Some(match (module.bits_allocated, module.signed) {
        (8, false) => GraySamples::Unsigned8(words.iter().map(|&b| unsigned8(b, spare)).collect()),
        (8, true) => GraySamples::Signed16(
            words
                .iter()
                .map(|&b| i16::from(((b << spare) as i8) >> spare))
                .collect(),
        ),
        (_, false) => GraySamples::Unsigned16(
            words
                .chunks_exact(2)
                .map(|w| unsigned16(u16::from_le_bytes([w[0], w[1]]), spare))
                .collect(),
        ),
        (_, true) => GraySamples::Signed16(
            words
                .chunks_exact(2)
                .map(|w| signed16(u16::from_le_bytes([w[0], w[1]]), spare))
                .collect(),
        ),
    }))
}

/// True for the layout [`gray16_frames`] and [`gray16_frame`] take: grayscale, one sample
/// per pixel, 16 bits allocated, 1 to 16 stored.
pub fn is_gray16(module: &PixelModule) -> bool {
    module.photometric.is_grayscale()
        && module.samples_per_pixel == 1
        && module.bits_allocated == 16
        && (1..=16).contains(&module.bits_stored)
}

/// True for unsigned grayscale of one sample per pixel, 8 bits allocated, 1 to 8 stored:
/// the 8-bit twin of [`is_gray16`], kept at 8 bits ([`GraySamples::Unsigned8`]).
pub fn is_gray8_unsigned(module: &PixelModule) -> bool {
    module.photometric.is_grayscale()
        && module.samples_per_pixel == 1
        && module.bits_allocated == 8
        && !module.signed
        && (1..=8).contains(&module.bits_stored)
}

/// Bits Stored applied to one unsigned byte (`spare` = 8 − Bits Stored), as [`unsigned16`]
/// does to a word.
#[inline]
pub(super) fn unsigned8(byte: u8, spare: u32) -> u8 {
    (byte << spare) >> spare
}

/// Bits Stored applied to one 16-bit word: masked (unsigned) or sign-extended (signed), by
/// shifting the stored bits to the top of the word and back.
#[inline]
pub(super) fn unsigned16(word: u16, spare: u32) -> u16 {
    (word << spare) >> spare
}

#[inline]
fn signed16(word: u16, spare: u32) -> i16 {
    ((word << spare) as i16) >> spare
}

/// One frame of [`is_gray16`] layout from its words, Bits Stored applied in place: no copy
/// of the frame is made. Words beyond the frame are dropped; too few is an error.
pub fn gray16_frame(
    mut words: Vec<u16>,
    module: &PixelModule,
) -> Result<GraySamples, ImagingError> {
    let pixels = module.pixels_per_frame();
    if words.len() < pixels {
        return Err(ImagingError::PixelDataTooShort {
            found: words.len() * 2,
            expected: pixels * 2,
        });
    }
    words.truncate(pixels);
    let spare = 16 - module.bits_stored.clamp(1, 16);
    Ok(if module.signed {
        // Same size and alignment: collected in place.
        GraySamples::Signed16(words.into_iter().map(|w| signed16(w, spare)).collect())
    } else {
        for word in &mut words {
            *word = unsigned16(*word, spare);
        }
        GraySamples::Unsigned16(words)
    })
}

/// The `selection` of frames (0-based, already checked against Number of Frames) of native
/// Pixel Data of [`is_gray16`] layout that the parser has read as 16-bit words (OW). A
/// single frame keeps the parser's buffer ([`gray16_frame`]); several are copied out frame
/// by frame, in parallel.
pub fn gray16_frames(
    words: Vec<u16>,
    module: &PixelModule,
    selection: &[u32],
) -> Result<Vec<GraySamples>, ImagingError> {
    let pixels = module.pixels_per_frame();
    let expected = pixels.saturating_mul(module.frames as usize);
    if words.len() < expected {
        return Err(ImagingError::PixelDataTooShort {
            found: words.len() * 2,
            expected: expected.saturating_mul(2),
        });
    }
    if module.frames == 1 && selection == [0] {
        return Ok(vec![gray16_frame(words, module)?]);
    }
    let spare = 16 - module.bits_stored.clamp(1, 16);
    selection
        .par_iter()
        .map(|&frame| {
            let start = frame as usize * pixels;
            let Some(frame_words) = words.get(start..start + pixels) else {
                return Err(ImagingError::PixelDataTooShort {
                    found: words.len() * 2,
                    expected: (start + pixels) * 2,
                });
            };
            Ok(if module.signed {
                GraySamples::Signed16(frame_words.iter().map(|&w| signed16(w, spare)).collect())
            } else {
                GraySamples::Unsigned16(frame_words.iter().map(|&w| unsigned16(w, spare)).collect())
            })
        })
        .collect()
}

/// [`unpack_frame`] with every stored value passed through `narrow` as it is read.
pub fn unpack_frame_as<T: Copy>(
    bytes: &[u8],
    module: &PixelModule,
    planar: bool,
    narrow: impl Fn(i64) -> T,
) -> Result<Vec<T>, ImagingError> {
    let subsampled = module.photometric == Photometric::YbrFull422 && !planar;
    let mut layout = *module;
    if subsampled {
        layout.samples_per_pixel = 1;
        layout.columns *= 2;
    }
    let count = layout.samples_per_frame();
    let width = module.bits_allocated as usize / 8;
    if width == 0 || bytes.len() < count * width {
        return Err(ImagingError::PixelDataTooShort {
            found: bytes.len(),
            expected: count * width,
        });
    }
    let raw: Vec<T> = match width {
        1 => bytes[..count]
            .iter()
            .map(|&b| narrow(stored_value(u64::from(b), module)))
            .collect(),
        2 => bytes[..count * 2]
            .chunks_exact(2)
            .map(|w| {
                narrow(stored_value(
                    u64::from(u16::from_le_bytes([w[0], w[1]])),
                    module,
                ))
            })
            .collect(),
        _ => bytes[..count * 4]
            .chunks_exact(4)
            .map(|w| {
                narrow(stored_value(
                    u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])),
                    module,
                ))
            })
            .collect(),
    };
    if subsampled {
        return upsample_422(&raw, module);
    }
    if planar && module.samples_per_pixel > 1 {
        return Ok(interleave_planes(&raw, module.samples_per_pixel as usize));
    }
    Ok(raw)
}

/// Mask a raw word to Bits Stored and sign-extend it when Pixel Representation is 1.
pub fn stored_value(raw: u64, module: &PixelModule) -> i64 {
    let bits = module.bits_stored.min(63);
    let mask = (1u64 << bits) - 1;
    let value = raw & mask;
    if module.signed && bits > 0 && value & (1u64 << (bits - 1)) != 0 {
        value as i64 - (1i64 << bits)
    } else {
        value as i64
    }
}

/// Planes `RRR…GGG…BBB…` to pixels `RGBRGB…`.
pub fn interleave_planes<T: Copy>(planes: &[T], samples: usize) -> Vec<T> {
    let plane = planes.len() / samples;
    let mut out = Vec::with_capacity(planes.len());
    for pixel in 0..plane {
        for sample in 0..samples {
            out.push(planes[sample * plane + pixel]);
        }
    }
    out
}

/// `Y1 Y2 Cb Cr` groups (PS3.3 C.7.6.3.1.2, YBR_FULL_422) to full `Y Cb Cr` pixels.
fn upsample_422<T: Copy>(groups: &[T], module: &PixelModule) -> Result<Vec<T>, ImagingError> {
    if !module.columns.is_multiple_of(2) {
        return Err(ImagingError::Unsupported {
            what: "YBR_FULL_422 with odd Columns",
            value: module.columns.to_string(),
        });
    }
    let mut out = Vec::with_capacity(module.samples_per_frame());
    for group in groups.chunks_exact(4) {
        out.extend_from_slice(&[group[0], group[2], group[3], group[1], group[2], group[3]]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gray(bits_allocated: u32, bits_stored: u32, signed: bool) -> PixelModule {
        PixelModule {
            rows: 1,
            columns: 2,
            frames: 1,
            samples_per_pixel: 1,
            bits_allocated,
            bits_stored,
            signed,
            photometric: Photometric::Monochrome2,
            planar: false,
        }
    }

    #[test]
    fn high_bits_are_masked_and_sign_extended() {
        let module = gray(16, 12, true);
        // 0xF800: high 4 bits are overlay garbage, 12-bit value 0x800 = -2048
        assert_eq!(stored_value(0xF800, &module), -2048);
        assert_eq!(stored_value(0x07FF, &module), 2047);
        assert_eq!(stored_value(0xFFFF, &gray(16, 12, false)), 4095);
        assert_eq!(stored_value(0xFFFF, &gray(16, 16, true)), -1);
    }

    #[test]
    fn sixteen_and_thirty_two_bit_words_are_little_endian() {
        let module = gray(16, 16, false);
        assert_eq!(
            unpack_frame(&[0x34, 0x12, 0xFF, 0x00], &module, false).unwrap(),
            [0x1234, 255]
        );
        let module = gray(32, 32, false);
        let bytes = [0, 0, 0, 0x80, 1, 0, 0, 0];
        assert_eq!(
            unpack_frame(&bytes, &module, false).unwrap(),
            [0x8000_0000, 1]
        );
    }

    #[test]
    fn one_bit_frames_run_across_byte_boundaries() {
        // 3 frames of 1x3 pixels: bits 0..9 = 1,0,1 | 1,1,0 | 0,0,1
        let module = PixelModule {
            columns: 3,
            frames: 3,
            ..gray(1, 1, false)
        };
        let data = [0b0001_1101u8, 0b0000_0001];
        assert_eq!(unpack_native_frame(&data, &module, 0).unwrap(), [1, 0, 1]);
        assert_eq!(unpack_native_frame(&data, &module, 1).unwrap(), [1, 1, 0]);
        assert_eq!(unpack_native_frame(&data, &module, 2).unwrap(), [0, 0, 1]);
    }

    #[test]
    fn planar_and_subsampled_colour_become_interleaved_pixels() {
        let rgb = PixelModule {
            samples_per_pixel: 3,
            photometric: Photometric::Rgb,
            planar: true,
            ..gray(8, 8, false)
        };
        let planes = [1, 2, 10, 20, 100, 200];
        assert_eq!(
            unpack_frame(&planes, &rgb, true).unwrap(),
            [1, 10, 100, 2, 20, 200]
        );
        let ybr = PixelModule {
            photometric: Photometric::YbrFull422,
            planar: false,
            ..rgb
        };
        assert_eq!(
            unpack_frame(&[50, 60, 7, 9], &ybr, false).unwrap(),
            [50, 7, 9, 60, 7, 9]
        );
    }

    #[test]
    fn the_word_by_word_path_reads_every_layout_as_the_general_one_does() {
        // Every 16-bit word pattern's interesting corners, at every Bits Stored, both signs,
        // two frames (the second read from the whole Pixel Data).
        let words: Vec<u16> = vec![
            0, 1, 0x7F, 0x80, 0xFF, 0x0FFF, 0x0800, 0x8000, 0xFFFF, 0x1234,
        ];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        for bits_allocated in [8u32, 16] {
            for bits_stored in 1..=bits_allocated {
                for signed in [false, true] {
                    let mut module = gray(bits_allocated, bits_stored, signed);
                    module.columns = (bytes.len() / (bits_allocated as usize / 8) / 2) as u32;
                    module.frames = 2;
                    for frame in [None, Some(1)] {
                        let fast = plain_gray_frame(&bytes, &module, frame).unwrap().unwrap();
                        let general = match frame {
                            Some(f) => unpack_native_frame(&bytes, &module, f),
                            None => unpack_frame(&bytes, &module, false),
                        }
                        .unwrap();
                        let values: Vec<i64> = match &fast {
                            GraySamples::Unsigned8(v) => {
                                assert!(!signed && bits_allocated == 8);
                                v.iter().map(|&x| i64::from(x)).collect()
                            }
                            GraySamples::Unsigned16(v) => {
                                assert!(!signed && bits_allocated == 16);
                                v.iter().map(|&x| i64::from(x)).collect()
                            }
                            GraySamples::Signed16(v) => {
                                assert!(signed);
                                v.iter().map(|&x| i64::from(x)).collect()
                            }
                            GraySamples::Wide(_) => panic!("kept wide"),
                        };
                        assert_eq!(
                            values, general,
                            "{bits_allocated}/{bits_stored}/{signed}/{frame:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn grayscale_frames_are_kept_at_their_stored_width() {
        let bytes = [0x34, 0x12, 0xFF, 0x0F];
        assert_eq!(
            unpack_gray_frame(&bytes, &gray(16, 12, false), None).unwrap(),
            GraySamples::Unsigned16(vec![0x234, 0xFFF])
        );
        assert_eq!(
            unpack_gray_frame(&bytes, &gray(16, 12, true), Some(0)).unwrap(),
            GraySamples::Signed16(vec![0x234, -1])
        );
        assert_eq!(
            unpack_gray_frame(&bytes, &gray(8, 8, false), None).unwrap(),
            GraySamples::Unsigned8(vec![0x34, 0x12])
        );
        let wide = [0, 0, 0, 0x80, 1, 0, 0, 0];
        assert_eq!(
            unpack_gray_frame(&wide, &gray(32, 32, false), None).unwrap(),
            GraySamples::Wide(vec![0x8000_0000, 1])
        );
    }

    #[test]
    fn short_pixel_data_is_an_error_not_a_panic() {
        let module = gray(16, 16, false);
        assert!(matches!(
            unpack_native_frame(&[1, 2], &module, 0),
            Err(ImagingError::PixelDataTooShort {
                found: 2,
                expected: 4
            })
        ));
    }
}
