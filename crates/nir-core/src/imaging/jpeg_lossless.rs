//! Lossless JPEG (ISO 10918-1 Annex H, process 14: DICOM's JPEG Lossless and JPEG Lossless
//! SV1 transfer syntaxes) for the common case: one component, one scan, any of predictors
//! 1–7 and a point transform, with no restart interval or one of whole lines. Samples are
//! reconstructed line by line as their differences are decoded (one loop per predictor),
//! each line then going straight into the output at Bits Allocated (16-bit samples as
//! words), with no intermediate planes. Anything else (several components, restart
//! intervals that cut lines) is left to jpeg-decoder: [`decode_lossless`] says so by
//! returning `None`. The caller has already compared the frame header with the DICOM
//! attributes and with the length of the codestream ([`super::codestream_size`]).

use super::codec_output::CodecOutput;
use super::error::ImagingError;
use super::jpeg_differences::DifferenceTable;
use super::jpeg_entropy::BitReader;
use super::jpeg_markers::MarkerReader;
use super::pixel_module::PixelModule;

fn fail(reason: impl Into<String>) -> ImagingError {
    ImagingError::Codec {
        frame: 0,
        transfer_syntax: String::new(),
        reason: reason.into(),
    }
}

/// What the frame header (SOF3) says.
struct Frame {
    precision: u32,
    rows: usize,
    columns: usize,
    component: u8,
}

/// Decode a one-component lossless JPEG into samples of Bits Allocated (bytes for 8, words
/// for 16); `None` when the codestream is outside this decoder's case.
pub fn decode_lossless(
    data: &[u8],
    module: &PixelModule,
) -> Option<Result<CodecOutput, ImagingError>> {
    let mut tables: [Option<DifferenceTable>; 4] = Default::default();
    let mut frame = None;
    let mut restart_interval = 0usize;
    let mut markers = MarkerReader::after_start(data);
    while let Some((marker, segment)) = markers.next_segment() {
        match marker {
            0xC4 => {
                let mut rest = segment;
                while rest.len() >= 17 {
                    let total: usize = rest[1..17].iter().map(|&c| usize::from(c)).sum();
                    if rest.len() < 17 + total {
                        return Some(Err(fail("Huffman table is short")));
                    }
                    if rest[0] >> 4 == 0 {
                        tables[usize::from(rest[0] & 3)] =
                            Some(DifferenceTable::new(&rest[1..17], &rest[17..17 + total]));
                    }
                    rest = &rest[17 + total..];
                }
            }
            0xC3 => frame = Some(read_frame(segment)?),
            0xDD if segment.len() >= 2 => {
                restart_interval = usize::from(u16::from_be_bytes([segment[0], segment[1]]))
            }
            0xDA => {
                let frame = frame?;
                // Ns = 1, the component, its table; Ss (predictor), Se, Ah/Al.
                if segment.len() < 6 || segment[0] != 1 || segment[1] != frame.component {
                    return None;
                }
                let table = tables[usize::from(segment[2] >> 4 & 3)].as_ref()?;
                let predictor = segment[3];
                let point_transform = u32::from(segment[5] & 15);
                let whole_lines =
                    restart_interval == 0 || restart_interval.is_multiple_of(frame.columns);
                if !(1..=7).contains(&predictor) || !whole_lines {
                    return None;
                }
                let scan = Scan {
                    table,
                    predictor,
                    point_transform,
                    restart_lines: restart_interval / frame.columns,
                };
                return Some(decode_scan(
                    &data[markers.position..],
                    &frame,
                    &scan,
                    module,
                ));
            }
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => return None,
            _ => {}
        }
    }
    None
}

fn read_frame(segment: &[u8]) -> Option<Frame> {
    if segment.len() < 9 || segment[5] != 1 {
        return None;
    }
    let frame = Frame {
        precision: u32::from(segment[0]),
        rows: usize::from(u16::from_be_bytes([segment[1], segment[2]])),
        columns: usize::from(u16::from_be_bytes([segment[3], segment[4]])),
        component: segment[6],
    };
    let valid = (2..=16).contains(&frame.precision) && frame.rows > 0 && frame.columns > 0;
    valid.then_some(frame)
}

struct Scan<'a> {
    table: &'a DifferenceTable,
    predictor: u8,
    point_transform: u32,
    /// Lines per restart interval, 0 for none.
    restart_lines: usize,
}

fn decode_scan(
    data: &[u8],
    frame: &Frame,
    scan: &Scan,
    module: &PixelModule,
) -> Result<CodecOutput, ImagingError> {
    let (rows, columns) = (frame.rows, frame.columns);
    if rows != module.rows as usize || columns != module.columns as usize {
        return Err(fail(format!(
            "codestream is {columns}x{rows}, attributes say {}x{}",
            module.columns, module.rows
        )));
    }
    if module.samples_per_pixel != 1 || !matches!(module.bits_allocated, 8 | 16) {
        return Err(fail("lossless JPEG samples do not match the attributes"));
    }
    let shift = scan.point_transform;
    let initial = if frame.precision > 1 + shift {
        1i32 << (frame.precision - shift - 1)
    } else {
        0
    };
    let mut bits = BitReader::new(data);
    // Reconstructed values before the point transform: this line and the one above.
    let mut above = vec![0u16; columns];
    let mut line = vec![0u16; columns];
    let wide = module.bits_allocated == 16;
    // Filled line by line as lines decode: nothing is allocated for lines not yet in hand.
    let mut words: Vec<u16> = Vec::new();
    let mut bytes: Vec<u8> = Vec::new();
    let mut first_line = true;
    for y in 0..rows {
        if scan.restart_lines > 0 && y > 0 && y.is_multiple_of(scan.restart_lines) {
            bits.restart();
            first_line = true;
        }
        if first_line {
            decode_first_line(&mut bits, scan.table, initial, &mut line)?;
        } else {
            match scan.predictor {
                1 => decode_line::<1>(&mut bits, scan.table, &above, &mut line)?,
                2 => decode_line::<2>(&mut bits, scan.table, &above, &mut line)?,
                3 => decode_line::<3>(&mut bits, scan.table, &above, &mut line)?,
                4 => decode_line::<4>(&mut bits, scan.table, &above, &mut line)?,
                5 => decode_line::<5>(&mut bits, scan.table, &above, &mut line)?,
                6 => decode_line::<6>(&mut bits, scan.table, &above, &mut line)?,
                _ => decode_line::<7>(&mut bits, scan.table, &above, &mut line)?,
            }
        }
        if wide {
            words.extend(line.iter().map(|&v| v << shift));
        } else {
            bytes.extend(line.iter().map(|&v| (v << shift) as u8));
        }
        std::mem::swap(&mut above, &mut line);
        first_line = false;
    }
    Ok(if wide {
        CodecOutput::Words(words)
    } else {
        CodecOutput::Bytes(bytes)
    })
}

/// The first line of the scan or of a restart interval: the first sample is predicted by
/// 2^(P-Pt-1), the others by the sample to their left (H.1.2.1).
fn decode_first_line(
    bits: &mut BitReader,
    table: &DifferenceTable,
    initial: i32,
    line: &mut [u16],
) -> Result<(), ImagingError> {
    let mut left = initial;
    for slot in line.iter_mut() {
        // Modulo 2^16 (H.1.2.2).
        let value = left.wrapping_add(table.next(bits)?) as u16;
        *slot = value;
        left = i32::from(value);
    }
    Ok(())
}

/// A later line with predictor `P` (Table H.1); the first sample is predicted by the one
/// above it.
fn decode_line<const P: u8>(
    bits: &mut BitReader,
    table: &DifferenceTable,
    above: &[u16],
    line: &mut [u16],
) -> Result<(), ImagingError> {
    let Some((&first_above, _)) = above.split_first() else {
        return Ok(());
    };
    let mut left = i32::from(first_above).wrapping_add(table.next(bits)?) as u16;
    let Some((first, rest)) = line.split_first_mut() else {
        return Ok(());
    };
    *first = left;
    for (slot, pair) in rest.iter_mut().zip(above.windows(2)) {
        let (ra, rb, rc) = (i32::from(left), i32::from(pair[1]), i32::from(pair[0]));
        let prediction = match P {
            1 => ra,
            2 => rb,
            3 => rc,
            4 => ra + rb - rc,
            5 => ra + ((rb - rc) >> 1),
            6 => rb + ((ra - rc) >> 1),
            _ => (ra + rb) >> 1,
        };
        // Modulo 2^16 (H.1.2.2).
        left = prediction.wrapping_add(table.next(bits)?) as u16;
        *slot = left;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::pixel_module::Photometric;

    fn module(rows: u32, columns: u32, bits: u32) -> PixelModule {
        PixelModule {
            rows,
            columns,
            frames: 1,
            samples_per_pixel: 1,
            bits_allocated: bits,
            bits_stored: bits,
            signed: false,
            photometric: Photometric::Monochrome2,
            planar: false,
        }
    }

    /// A 2x3 8-bit lossless JPEG, predictor `ss`, every difference coded with a table
    /// whose only code of each category 0..=8 is that many ones then a zero.
    fn codestream(ss: u8, diffs: &[(u8, u16)]) -> Vec<u8> {
        let mut bits: Vec<bool> = Vec::new();
        for &(size, value) in diffs {
            bits.extend(std::iter::repeat_n(true, usize::from(size)));
            bits.push(false);
            for k in (0..size).rev() {
                bits.push(value >> k & 1 == 1);
            }
        }
        let entropy = crate::imaging::jpeg_entropy::entropy_coded_bytes(bits);
        let mut counts = [0u8; 16];
        counts[..9].fill(1);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xC4, 0, 3 + 16 + 9, 0x00];
        out.extend_from_slice(&counts);
        out.extend(0..9u8);
        out.extend_from_slice(&[0xFF, 0xC3, 0, 11, 8, 0, 2, 0, 3, 1, 1, 0x11, 0]);
        out.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0x00, ss, 0, 0]);
        out.extend(entropy);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    #[test]
    fn predictors_reconstruct_the_samples() {
        // Samples 10 20 30 / 40 50 60. First line: 128 (2^(8-1)) then left; later lines
        // start from the sample above; predictor 4 is Ra + Rb - Rc.
        // diffs: 10-128=-118, 10, 10, 40-10=30, 50-(40+20-10)=0, 60-(50+30-20)=0
        let diffs = [(7, 127 - 118), (4, 10), (4, 10), (5, 30), (0, 0), (0, 0)];
        let data = codestream(4, &diffs);
        let out = decode_lossless(&data, &module(2, 3, 8)).unwrap().unwrap();
        assert_eq!(out, CodecOutput::Bytes(vec![10, 20, 30, 40, 50, 60]));
        let wide = decode_lossless(&data, &module(2, 3, 16)).unwrap().unwrap();
        assert_eq!(wide, CodecOutput::Words(vec![10, 20, 30, 40, 50, 60]));
    }

    #[test]
    fn every_predictor_reconstructs_the_samples() {
        let samples = [[10i32, 20, 35], [40, 52, 61]];
        for ss in 1..=7u8 {
            // The encoder's side of Table H.1, with the first line and column rules.
            let mut diffs = Vec::new();
            for y in 0..2 {
                for x in 0..3 {
                    let prediction = match (y, x) {
                        (0, 0) => 128,
                        (0, _) => samples[0][x - 1],
                        (_, 0) => samples[y - 1][0],
                        _ => {
                            let (ra, rb, rc) =
                                (samples[y][x - 1], samples[y - 1][x], samples[y - 1][x - 1]);
                            match ss {
                                1 => ra,
                                2 => rb,
                                3 => rc,
                                4 => ra + rb - rc,
                                5 => ra + ((rb - rc) >> 1),
                                6 => rb + ((ra - rc) >> 1),
                                _ => (ra + rb) >> 1,
                            }
                        }
                    };
                    let diff = samples[y][x] - prediction;
                    let size = (32 - diff.unsigned_abs().leading_zeros()) as u8;
                    let bits = if diff < 0 {
                        diff + (1 << size) - 1
                    } else {
                        diff
                    };
                    diffs.push((size, bits as u16));
                }
            }
            let data = codestream(ss, &diffs);
            let out = decode_lossless(&data, &module(2, 3, 16)).unwrap().unwrap();
            let want: Vec<u16> = samples.iter().flatten().map(|&v| v as u16).collect();
            assert_eq!(out, CodecOutput::Words(want), "predictor {ss}");
        }
    }

    #[test]
    fn truncated_or_mismatched_streams_are_errors() {
        let diffs = [(7, 9), (4, 10), (4, 10), (5, 30), (0, 0), (0, 0)];
        let data = codestream(4, &diffs);
        let cut = [&data[..data.len() - 4], &[0xFF, 0xD9][..]].concat();
        assert!(decode_lossless(&cut, &module(2, 3, 8)).unwrap().is_err());
        assert!(decode_lossless(&data, &module(3, 2, 8)).unwrap().is_err());
        assert!(decode_lossless(&data[..20], &module(2, 3, 8)).is_none());
    }
}
