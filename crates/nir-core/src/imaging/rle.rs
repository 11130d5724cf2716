//! RLE Lossless (PS3.5 Annex G) for 8, 16 and 32 bits allocated and any number of samples:
//! a 64-byte header of segment offsets, one PackBits segment per byte plane (most
//! significant byte first, sample by sample). Output is little-endian interleaved words, the
//! same layout as native Pixel Data, so [`super::native::unpack_frame`] takes it from there;
//! one 16-bit sample per pixel comes out as words instead, its two planes joined in one pass.
//! The segments of one frame decode in parallel.

use rayon::prelude::*;

use super::codec_output::CodecOutput;
use super::error::ImagingError;

/// Decode one RLE frame of `pixels` pixels, `samples` samples and `bytes_per_sample` bytes.
pub fn decode_rle_frame(
    data: &[u8],
    pixels: usize,
    samples: usize,
    bytes_per_sample: usize,
) -> Result<CodecOutput, ImagingError> {
    let fail = |reason: String| ImagingError::Codec {
        frame: 0,
        transfer_syntax: "RLE Lossless".to_owned(),
        reason,
    };
    if data.len() < 64 {
        return Err(fail(format!(
            "header needs 64 bytes, {} present",
            data.len()
        )));
    }
    let word = |i: usize| {
        u32::from_le_bytes([
            data[i * 4],
            data[i * 4 + 1],
            data[i * 4 + 2],
            data[i * 4 + 3],
        ])
    };
    let segments = word(0) as usize;
    let expected = samples * bytes_per_sample;
    if segments != expected {
        return Err(fail(format!("{segments} segments, {expected} expected")));
    }
    // A PackBits replicate run yields at most 128 bytes for 2 (G.3.1): fewer coded bytes
    // than that cannot fill the planes, so nothing is allocated for them.
    let least = expected
        .saturating_mul(pixels.div_ceil(128))
        .saturating_mul(2)
        .saturating_add(64);
    if data.len() < least {
        return Err(fail(format!(
            "{} bytes cannot hold {pixels} pixels ({least} needed at least)",
            data.len()
        )));
    }
    let offsets: Vec<usize> = (1..=segments).map(|i| word(i) as usize).collect();
    // Segments are independent byte planes: they decode in parallel, one plane each.
    let mut planes = offsets
        .par_iter()
        .enumerate()
        .map(|(index, &start)| {
            let end = offsets.get(index + 1).copied().unwrap_or(data.len());
            if start < 64 || start > end || end > data.len() {
                return Err(fail(format!(
                    "segment {index} has an invalid offset {start}"
                )));
            }
            let mut plane = vec![0u8; pixels];
            let filled = unpack_bits(&data[start..end], &mut plane);
            if filled < pixels {
                return Err(fail(format!(
                    "segment {index} holds {filled} of {pixels} bytes"
                )));
            }
            Ok(plane)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if planes.len() == 1 {
        return Ok(CodecOutput::Bytes(planes.swap_remove(0)));
    }
    if let [high, low] = &planes[..] {
        if samples == 1 {
            return Ok(CodecOutput::Words(join_planes(high, low)));
        }
    }
    let mut out = vec![0u8; pixels * expected];
    for (index, plane) in planes.iter().enumerate() {
        let sample = index / bytes_per_sample;
        // segments run from the most significant byte; little-endian output wants it last
        let byte = bytes_per_sample - 1 - index % bytes_per_sample;
        let first = sample * bytes_per_sample + byte;
        for (slot, &value) in out.iter_mut().skip(first).step_by(expected).zip(plane) {
            *slot = value;
        }
    }
    Ok(CodecOutput::Bytes(out))
}

/// The most and least significant byte planes of 16-bit samples to words, block by block
/// on every core.
fn join_planes(high: &[u8], low: &[u8]) -> Vec<u16> {
    const BLOCK: usize = 1 << 16;
    let mut words = vec![0u16; high.len().min(low.len())];
    words
        .par_chunks_mut(BLOCK)
        .zip(high.par_chunks(BLOCK).zip(low.par_chunks(BLOCK)))
        .for_each(|(words, (high, low))| {
            for ((word, &high), &low) in words.iter_mut().zip(high).zip(low) {
                *word = u16::from_be_bytes([high, low]);
            }
        });
    words
}

/// PackBits: fill `out` from `segment`, returning how many bytes were produced.
fn unpack_bits(segment: &[u8], out: &mut [u8]) -> usize {
    let mut read = 0;
    let mut written = 0;
    while read < segment.len() && written < out.len() {
        let header = segment[read] as i8;
        read += 1;
        if header >= 0 {
            let count = (header as usize + 1)
                .min(segment.len() - read)
                .min(out.len() - written);
            out[written..written + count].copy_from_slice(&segment[read..read + count]);
            read += header as usize + 1;
            written += count;
        } else if header != -128 {
            let Some(&value) = segment.get(read) else {
                break;
            };
            read += 1;
            let count = (1 - header as isize) as usize;
            let count = count.min(out.len() - written);
            out[written..written + count].fill(value);
            written += count;
        }
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(offsets: &[u32]) -> Vec<u8> {
        let mut bytes = vec![0u8; 64];
        bytes[0..4].copy_from_slice(&(offsets.len() as u32).to_le_bytes());
        for (i, offset) in offsets.iter().enumerate() {
            bytes[4 + i * 4..8 + i * 4].copy_from_slice(&offset.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn packbits_literal_and_repeat_runs() {
        let mut out = [0u8; 6];
        // literal of 2 (header 1), then repeat 4 times (header -3), then a no-op (-128)
        let written = unpack_bits(&[1, 7, 8, 0xFD, 9, 0x80], &mut out);
        assert_eq!(written, 6);
        assert_eq!(out, [7, 8, 9, 9, 9, 9]);
    }

    #[test]
    fn sixteen_bit_segments_are_msb_first() {
        // 2 pixels, 1 sample, 2 bytes: MSB plane [0x12, 0x00], LSB plane [0x34, 0xFF]
        let mut data = header(&[64, 67]);
        data.extend_from_slice(&[1, 0x12, 0x00]);
        data.extend_from_slice(&[1, 0x34, 0xFF]);
        let out = decode_rle_frame(&data, 2, 1, 2).unwrap();
        assert_eq!(out, CodecOutput::Words(vec![0x1234, 0x00FF]));
    }

    #[test]
    fn sixteen_bit_rgb_segments_are_interleaved_little_endian_bytes() {
        // 1 pixel, 3 samples of 2 bytes: six one-byte planes, MSB then LSB of each sample
        let mut data = header(&[64, 66, 68, 70, 72, 74]);
        data.extend_from_slice(&[0, 0x01, 0, 0x02, 0, 0x03, 0, 0x04, 0, 0x05, 0, 0x06]);
        let out = decode_rle_frame(&data, 1, 3, 2).unwrap();
        assert_eq!(out, CodecOutput::Bytes(vec![2, 1, 4, 3, 6, 5]));
    }

    #[test]
    fn planes_join_across_blocks() {
        let high: Vec<u8> = (0..200_000u32).map(|v| (v >> 8) as u8).collect();
        let low: Vec<u8> = (0..200_000u32).map(|v| v as u8).collect();
        let words = join_planes(&high, &low);
        assert!(words.iter().enumerate().all(|(i, &w)| w == i as u16));
    }

    #[test]
    fn rgb_segments_become_interleaved_pixels() {
        let mut data = header(&[64, 66, 68]);
        data.extend_from_slice(&[0xFF, 10, 0xFF, 20, 0xFF, 30]);
        let out = decode_rle_frame(&data, 2, 3, 1).unwrap();
        assert_eq!(out, CodecOutput::Bytes(vec![10, 20, 30, 10, 20, 30]));
    }

    #[test]
    fn short_or_inconsistent_data_is_an_error() {
        assert!(decode_rle_frame(&[0; 10], 4, 1, 1).is_err());
        let mut data = header(&[64]);
        data.extend_from_slice(&[0, 1]);
        assert!(decode_rle_frame(&data, 4, 1, 1).is_err());
        assert!(decode_rle_frame(&header(&[64, 70]), 4, 1, 1).is_err());
        assert!(decode_rle_frame(&header(&[200]), 4, 1, 1).is_err());
    }

    #[test]
    fn a_frame_larger_than_its_segments_could_hold_is_refused_before_allocating() {
        // One replicate run per 128 pixels is the densest PackBits allows: 2 bytes each.
        let mut data = header(&[64]);
        data.extend_from_slice(&[0x81, 5, 0x81, 5]);
        assert!(decode_rle_frame(&data, 256, 1, 1).is_ok());
        let outcome = decode_rle_frame(&data, 16384 * 16384, 1, 1);
        assert!(
            matches!(&outcome, Err(ImagingError::Codec { reason, .. }) if reason.contains("cannot hold")),
            "{outcome:?}"
        );
    }
}
