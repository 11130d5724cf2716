//! DICOM RLE Lossless encoding (PS3.5 Annex G): each frame is split into byte planes
//! (most significant byte first, one plane per sample and byte), each plane is
//! PackBits-compressed into a segment, and a 64-byte header of segment offsets leads.

/// Encodes one native little-endian frame into one RLE fragment.
pub fn encode_frame(native: &[u8], samples: usize, bytes_per_sample: usize) -> Vec<u8> {
    let planes = samples * bytes_per_sample;
    let pixels = native.len().checked_div(planes).unwrap_or(0);
    let mut segments: Vec<Vec<u8>> = Vec::with_capacity(planes);
    let mut plane = Vec::with_capacity(pixels);
    for sample in 0..samples {
        // Segments run from the most to the least significant byte of each sample.
        for byte in (0..bytes_per_sample).rev() {
            plane.clear();
            let offset = sample * bytes_per_sample + byte;
            plane.extend(native.chunks_exact(planes).map(|px| px[offset]));
            segments.push(pack_bits(&plane));
        }
    }
    let mut out = Vec::with_capacity(64 + segments.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(&(segments.len() as u32).to_le_bytes());
    let mut offset = 64u32;
    for index in 0..15 {
        let value = match segments.get(index) {
            Some(segment) => {
                let start = offset;
                offset += segment.len() as u32;
                start
            }
            None => 0,
        };
        out.extend_from_slice(&value.to_le_bytes());
    }
    for segment in segments {
        out.extend_from_slice(&segment);
    }
    out
}

/// PackBits: runs of 2..=128 equal bytes become `(1 - n, byte)`, other bytes go out as
/// literal groups `(n - 1, bytes...)`; the segment is padded to even length with a no-op.
pub fn pack_bits(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 8);
    let mut i = 0;
    let mut literal_start = 0;
    while i < input.len() {
        let mut run = 1;
        while i + run < input.len() && run < 128 && input[i + run] == input[i] {
            run += 1;
        }
        if run >= 3 || (run == 2 && literal_start == i) {
            flush_literal(&mut out, &input[literal_start..i]);
            out.push((257 - run) as u8);
            out.push(input[i]);
            i += run;
            literal_start = i;
        } else {
            i += run;
        }
    }
    flush_literal(&mut out, &input[literal_start..]);
    if out.len() % 2 == 1 {
        out.push(0x80);
    }
    out
}

fn flush_literal(out: &mut Vec<u8>, literal: &[u8]) {
    for chunk in literal.chunks(128) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A straightforward PackBits decoder, to check the encoder round-trips.
    fn unpack(input: &[u8], expected: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() && out.len() < expected {
            let header = input[i] as i8;
            i += 1;
            if header >= 0 {
                let n = header as usize + 1;
                out.extend_from_slice(&input[i..i + n]);
                i += n;
            } else if header != -128 {
                let n = (1 - i32::from(header)) as usize;
                out.extend(std::iter::repeat_n(input[i], n));
                i += 1;
            }
        }
        out
    }

    #[test]
    fn pack_bits_round_trips_runs_and_literals() {
        let mut data = vec![7u8; 300];
        data.extend((0..=255u8).cycle().take(400));
        data.extend([1, 1, 2, 3, 3, 3, 4]);
        let packed = pack_bits(&data);
        assert_eq!(packed.len() % 2, 0);
        assert!(packed.len() < data.len());
        assert_eq!(unpack(&packed, data.len()), data);
    }

    #[test]
    fn frame_has_header_with_one_segment_per_byte_plane() {
        let native: Vec<u8> = (0..64u16).flat_map(|v| (v * 300).to_le_bytes()).collect();
        let rle = encode_frame(&native, 1, 2);
        assert_eq!(u32::from_le_bytes(rle[0..4].try_into().unwrap()), 2);
        let first = u32::from_le_bytes(rle[4..8].try_into().unwrap()) as usize;
        let second = u32::from_le_bytes(rle[8..12].try_into().unwrap()) as usize;
        assert_eq!(first, 64);
        let high = unpack(&rle[first..second], 64);
        let low = unpack(&rle[second..], 64);
        let rebuilt: Vec<u8> = low.iter().zip(&high).flat_map(|(l, h)| [*l, *h]).collect();
        assert_eq!(rebuilt, native);
    }
}
