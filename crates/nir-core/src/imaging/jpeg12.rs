//! A small decoder for sequential DCT JPEG with 12-bit samples (ISO 10918-1 process 4, as
//! used by DICOM's JPEG Extended transfer syntax), which the dicom-rs JPEG codec refuses.
//! Huffman coding, 8- or 16-bit quantisation tables, restart intervals, and one component
//! or several without subsampling; the inverse DCT is computed in floating point. Huffman
//! codes up to nine bits are decoded by table look-up from a 64-bit bit buffer, and the
//! inverse DCT of each band of block rows runs on the thread pool while the next band is
//! entropy-decoded, so a large single frame uses more than one core. The output is sized
//! only after the frame header has been compared with the DICOM attributes and with the
//! length of the codestream ([`super::codestream_size`]).

use super::codec_output::CodecOutput;
use super::codestream_size::{check_codestream_size, CodestreamSize};
use super::error::ImagingError;
use super::jpeg_entropy::{BitReader, Huffman};
use super::jpeg_markers::MarkerReader;
use super::pixel_module::PixelModule;

const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

fn fail(reason: impl Into<String>) -> ImagingError {
    ImagingError::Codec {
        frame: 0,
        transfer_syntax: "JPEG Extended".to_owned(),
        reason: reason.into(),
    }
}

/// True when the codestream's frame header is sequential DCT (SOF0/SOF1) with 12-bit
/// precision, the case this module exists for.
pub fn is_twelve_bit_dct(data: &[u8]) -> bool {
    let mut markers = MarkerReader::after_start(data);
    while let Some((marker, segment)) = markers.next_segment() {
        if marker == 0xC0 || marker == 0xC1 {
            return segment.first() == Some(&12);
        }
        if marker == 0xDA {
            break;
        }
    }
    false
}

/// Decode a 12-bit sequential JPEG into 16-bit samples: words for one component, else
/// little-endian interleaved bytes.
pub fn decode_twelve_bit(data: &[u8], module: &PixelModule) -> Result<CodecOutput, ImagingError> {
    let mut state = Decoder::default();
    let mut markers = MarkerReader::after_start(data);
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(fail("no start-of-image marker"));
    }
    while let Some((marker, segment)) = markers.next_segment() {
        match marker {
            0xDB => state.read_quantisation(segment)?,
            0xC4 => state.read_huffman(segment)?,
            0xC0 | 0xC1 => state.read_frame(segment, data.len(), module)?,
            0xDD if segment.len() >= 2 => {
                state.restart_interval = u16::from_be_bytes([segment[0], segment[1]]) as usize
            }
            0xDA => {
                state.read_scan_header(segment)?;
                let consumed = state.decode_scan(&data[markers.position..])?;
                markers.position += consumed;
            }
            0xD9 => break,
            0xC2..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                return Err(fail(format!(
                    "unsupported JPEG process (SOF{:X})",
                    marker - 0xC0
                )))
            }
            _ => {}
        }
    }
    state.output(module)
}

#[derive(Clone, Copy, Default)]
struct Component {
    id: u8,
    quant: usize,
    dc: usize,
    ac: usize,
}

struct Decoder {
    quant: [[i32; 64]; 4],
    dc_tables: [Huffman; 4],
    ac_tables: [Huffman; 4],
    components: Vec<Component>,
    scan: Vec<usize>,
    rows: usize,
    columns: usize,
    precision: u8,
    restart_interval: usize,
    /// The decoded samples, interleaved.
    out: Vec<u16>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            quant: [[1; 64]; 4],
            dc_tables: Default::default(),
            ac_tables: Default::default(),
            components: Vec::new(),
            scan: Vec::new(),
            rows: 0,
            columns: 0,
            precision: 0,
            restart_interval: 0,
            out: Vec::new(),
        }
    }
}

/// Block rows whose coefficients are decoded before their inverse DCT is handed to another
/// core: entropy decoding is sequential, the transform of each band runs beside it.
const BAND_BLOCK_ROWS: usize = 8;

/// What the inverse DCT of one band needs to place its samples.
#[derive(Clone, Copy)]
struct Placement {
    blocks_x: usize,
    rows: usize,
    columns: usize,
    components: usize,
    shift: i32,
    max: i32,
}

impl Decoder {
    fn read_quantisation(&mut self, mut segment: &[u8]) -> Result<(), ImagingError> {
        while let Some((&info, rest)) = segment.split_first() {
            let wide = info >> 4 == 1;
            let id = usize::from(info & 3);
            let size = if wide { 128 } else { 64 };
            if rest.len() < size {
                return Err(fail("quantisation table is short"));
            }
            for (k, slot) in self.quant[id].iter_mut().enumerate() {
                *slot = if wide {
                    i32::from(u16::from_be_bytes([rest[2 * k], rest[2 * k + 1]]))
                } else {
                    i32::from(rest[k])
                };
            }
            segment = &rest[size..];
        }
        Ok(())
    }

    fn read_huffman(&mut self, mut segment: &[u8]) -> Result<(), ImagingError> {
        while segment.len() >= 17 {
            let class = segment[0] >> 4;
            let id = usize::from(segment[0] & 3);
            let counts = &segment[1..17];
            let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
            if segment.len() < 17 + total {
                return Err(fail("Huffman table is short"));
            }
            let table = Huffman::new(counts, &segment[17..17 + total]);
            if class == 0 {
                self.dc_tables[id] = table;
            } else {
                self.ac_tables[id] = table;
            }
            segment = &segment[17 + total..];
        }
        Ok(())
    }

    /// Reads SOF0/SOF1 and sizes the output, only once the header agrees with the DICOM
    /// attributes and could be held by the `data_len` bytes of the codestream.
    fn read_frame(
        &mut self,
        segment: &[u8],
        data_len: usize,
        module: &PixelModule,
    ) -> Result<(), ImagingError> {
        if segment.len() < 6 {
            return Err(fail("frame header is short"));
        }
        if !self.out.is_empty() {
            return Err(fail("a second frame header"));
        }
        self.precision = segment[0];
        self.rows = usize::from(u16::from_be_bytes([segment[1], segment[2]]));
        self.columns = usize::from(u16::from_be_bytes([segment[3], segment[4]]));
        let count = usize::from(segment[5]);
        if segment.len() < 6 + count * 3 || count == 0 || self.rows == 0 || self.columns == 0 {
            return Err(fail("frame header is inconsistent"));
        }
        let size = CodestreamSize {
            marker: 0xC1,
            rows: self.rows as u32,
            columns: self.columns as u32,
            components: count as u32,
        };
        check_codestream_size(Some(size), data_len, module)?;
        self.components = (0..count)
            .map(|i| {
                let spec = &segment[6 + i * 3..9 + i * 3];
                Component {
                    id: spec[0],
                    quant: usize::from(spec[2] & 3),
                    ..Default::default()
                }
            })
            .collect();
        if (0..count).any(|i| segment[7 + i * 3] != 0x11) && count > 1 {
            return Err(fail("subsampled 12-bit JPEG is not supported"));
        }
        self.out = vec![0; self.rows * self.columns * count];
        Ok(())
    }

    fn read_scan_header(&mut self, segment: &[u8]) -> Result<(), ImagingError> {
        let count = usize::from(
            *segment
                .first()
                .ok_or_else(|| fail("scan header is empty"))?,
        );
        if segment.len() < 1 + count * 2 + 3 || self.components.is_empty() {
            return Err(fail("scan header is short or precedes the frame header"));
        }
        self.scan.clear();
        for i in 0..count {
            let id = segment[1 + i * 2];
            let tables = segment[2 + i * 2];
            let index = self
                .components
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| fail("scan names an unknown component"))?;
            self.components[index].dc = usize::from(tables >> 4 & 3);
            self.components[index].ac = usize::from(tables & 3);
            self.scan.push(index);
        }
        Ok(())
    }

    /// Decode the entropy-coded segment; returns the bytes consumed. Coefficients are
    /// decoded band by band (sequential by nature); each band's inverse DCT and output then
    /// runs on the thread pool while the next band is decoded.
    fn decode_scan(&mut self, data: &[u8]) -> Result<usize, ImagingError> {
        let blocks_x = self.columns.div_ceil(8);
        let blocks_y = self.rows.div_ceil(8);
        let precision = u32::from(self.precision.clamp(2, 16));
        let place = Placement {
            blocks_x,
            rows: self.rows,
            columns: self.columns,
            components: self.components.len(),
            shift: 1 << (precision - 1),
            max: (1 << precision) - 1,
        };
        // (component index in the frame, quantisation table in natural order, DC, AC tables)
        let scan: Vec<(usize, [f32; 64], &Huffman, &Huffman)> = self
            .scan
            .iter()
            .map(|&index| {
                let component = self.components[index];
                let mut quant = [0f32; 64];
                for (k, &q) in self.quant[component.quant].iter().enumerate() {
                    quant[ZIGZAG[k]] = q as f32;
                }
                (
                    index,
                    quant,
                    &self.dc_tables[component.dc],
                    &self.ac_tables[component.ac],
                )
            })
            .collect();
        let restart_interval = self.restart_interval;
        let row_words = self.columns * place.components;
        let mut bits = BitReader::new(data);
        let mut predictors = vec![0i32; scan.len()];
        let out = &mut self.out;
        rayon::scope(|pool| -> Result<(), ImagingError> {
            let mut rest: &mut [u16] = out.as_mut_slice();
            let mut mcu = 0usize;
            for first in (0..blocks_y).step_by(BAND_BLOCK_ROWS) {
                let band_blocks = (blocks_y - first).min(BAND_BLOCK_ROWS) * blocks_x;
                let mut coefficients = vec![0i16; band_blocks * scan.len() * 64];
                for blocks in coefficients.chunks_exact_mut(scan.len() * 64) {
                    if restart_interval > 0 && mcu > 0 && mcu.is_multiple_of(restart_interval) {
                        bits.restart();
                        predictors.iter_mut().for_each(|p| *p = 0);
                    }
                    for ((_, _, dc, ac), (block, predictor)) in scan
                        .iter()
                        .zip(blocks.chunks_exact_mut(64).zip(predictors.iter_mut()))
                    {
                        decode_block(&mut bits, dc, ac, predictor, block)?;
                    }
                    mcu += 1;
                }
                let first_row = first * 8;
                let band_rows = (place.rows - first_row).min(BAND_BLOCK_ROWS * 8);
                let (samples, tail) = std::mem::take(&mut rest).split_at_mut(band_rows * row_words);
                rest = tail;
                let targets: Vec<(usize, [f32; 64])> = scan
                    .iter()
                    .map(|&(index, quant, _, _)| (index, quant))
                    .collect();
                pool.spawn(move |_| {
                    transform_band(&coefficients, &targets, first_row, samples, place)
                });
            }
            Ok(())
        })?;
        Ok(bits.position)
    }

    fn output(self, module: &PixelModule) -> Result<CodecOutput, ImagingError> {
        if self.out.is_empty() {
            return Err(fail("no frame decoded"));
        }
        if self.rows != module.rows as usize
            || self.columns != module.columns as usize
            || self.components.len() != module.samples_per_pixel as usize
        {
            return Err(fail(
                "codestream dimensions differ from the DICOM attributes",
            ));
        }
        if self.components.len() == 1 {
            return Ok(CodecOutput::Words(self.out));
        }
        Ok(CodecOutput::Bytes(
            self.out.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ))
    }
}

/// `value` rounded half away from zero, as `f32::round` does, without the call to the C
/// library's `roundf` that `round` becomes on x86-64 processors without SSE4.1, and without
/// branches: the conversion truncates and the fraction left is exact. Values are first held
/// within a billion, so the sum with the level shift cannot overflow on hostile data.
#[inline]
fn round(value: f32) -> i32 {
    let value = value.clamp(-1.0e9, 1.0e9);
    let whole = value as i32;
    let fraction = value - whole as f32;
    whole + i32::from(fraction >= 0.5) - i32::from(fraction <= -0.5)
}

/// One block's quantised coefficients, in natural (not zig-zag) order.
fn decode_block(
    bits: &mut BitReader,
    dc: &Huffman,
    ac: &Huffman,
    predictor: &mut i32,
    block: &mut [i16],
) -> Result<(), ImagingError> {
    let size = bits.decode(dc)?;
    *predictor = predictor.wrapping_add(bits.receive_extend(size)?);
    block[0] = *predictor as i16;
    let mut k = 1;
    while k < 64 {
        let symbol = bits.decode(ac)?;
        let (run, size) = (usize::from(symbol >> 4), symbol & 15);
        if size == 0 {
            if run != 15 {
                break;
            }
            k += 16;
            continue;
        }
        k += run;
        if k > 63 {
            return Err(fail("AC coefficient index out of range"));
        }
        block[ZIGZAG[k]] = bits.receive_extend(size)? as i16;
        k += 1;
    }
    Ok(())
}

/// Inverse DCT of one band's blocks, written as 16-bit samples into the band's rows
/// (`samples` starts at row `first_row`; blocks are cut at the image's right and bottom).
fn transform_band(
    coefficients: &[i16],
    targets: &[(usize, [f32; 64])],
    first_row: usize,
    samples: &mut [u16],
    place: Placement,
) {
    let per_mcu = targets.len() * 64;
    for (n, blocks) in coefficients.chunks_exact(per_mcu).enumerate() {
        let (bx, by) = (n % place.blocks_x, n / place.blocks_x);
        let x0 = bx * 8;
        let y0 = by * 8;
        let width = (place.columns - x0).min(8);
        let height = (place.rows - first_row - y0).min(8);
        for (&(component, ref quant), block) in targets.iter().zip(blocks.chunks_exact(64)) {
            let mut dequantised = [0f32; 64];
            for ((d, &c), &q) in dequantised.iter_mut().zip(block).zip(quant) {
                *d = f32::from(c) * q;
            }
            let values = inverse_dct(&dequantised);
            for y in 0..height {
                let row = (y0 + y) * place.columns;
                for x in 0..width {
                    let value = (round(values[y * 8 + x]) + place.shift).clamp(0, place.max);
                    samples[(row + x0 + x) * place.components + component] = value as u16;
                }
            }
        }
    }
}

/// `C(u)/2 · cos((2x + 1)uπ/16)`, indexed `[x][u]`.
fn idct_basis() -> &'static [[f32; 8]; 8] {
    static BASIS: std::sync::OnceLock<[[f32; 8]; 8]> = std::sync::OnceLock::new();
    BASIS.get_or_init(|| {
        let mut basis = [[0f32; 8]; 8];
        for (x, row) in basis.iter_mut().enumerate() {
            for (u, value) in row.iter_mut().enumerate() {
                let scale = if u == 0 {
                    std::f32::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                let angle = (2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / 16.0;
                *value = scale * angle.cos() / 2.0;
            }
        }
        basis
    })
}

/// [`idct_basis`] transposed, indexed `[u][x]`.
fn idct_basis_transposed() -> &'static [[f32; 8]; 8] {
    static TRANSPOSED: std::sync::OnceLock<[[f32; 8]; 8]> = std::sync::OnceLock::new();
    TRANSPOSED.get_or_init(|| {
        let basis = idct_basis();
        let mut transposed = [[0f32; 8]; 8];
        for (u, row) in transposed.iter_mut().enumerate() {
            for (x, value) in row.iter_mut().enumerate() {
                *value = basis[x][u];
            }
        }
        transposed
    })
}

/// Separable 8×8 inverse DCT (ISO 10918-1 A.3.3), in f32. A row of coefficients that is
/// all zero (most of them, after quantisation) contributes nothing and is skipped. Each
/// pass adds whole rows of eight (which the compiler turns into vector operations), term by
/// term in the same order as a sum per sample would, so the values are the same.
fn inverse_dct(coefficients: &[f32; 64]) -> [f32; 64] {
    let basis = idct_basis();
    let transposed = idct_basis_transposed();
    let mut rows = [[0f32; 8]; 8];
    let mut nonzero = [false; 8];
    for ((row, out), nonzero) in coefficients
        .chunks_exact(8)
        .zip(rows.iter_mut())
        .zip(nonzero.iter_mut())
    {
        if row.iter().all(|&c| c == 0.0) {
            continue;
        }
        *nonzero = true;
        // out[x] = Σ_u basis[x][u] · row[u], u in order
        for (&coefficient, column) in row.iter().zip(transposed) {
            for (sum, &b) in out.iter_mut().zip(column) {
                *sum += b * coefficient;
            }
        }
    }
    let mut out = [0f32; 64];
    for (line, weights) in out.chunks_exact_mut(8).zip(basis) {
        // line[x] = Σ_v basis[y][v] · rows[v][x], v in order
        for ((&weight, row), &nonzero) in weights.iter().zip(&rows).zip(&nonzero) {
            if nonzero {
                for (sum, &r) in line.iter_mut().zip(row) {
                    *sum += weight * r;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transform as a plain sum per sample (A.3.3), for comparison.
    fn reference_idct(coefficients: &[f32; 64]) -> [f32; 64] {
        let basis = idct_basis();
        let mut rows = [0f32; 64];
        for v in 0..8 {
            for x in 0..8 {
                let mut sum = 0f32;
                for u in 0..8 {
                    sum += basis[x][u] * coefficients[v * 8 + u];
                }
                rows[v * 8 + x] = sum;
            }
        }
        let mut out = [0f32; 64];
        for y in 0..8 {
            for x in 0..8 {
                let mut sum = 0f32;
                for v in 0..8 {
                    sum += basis[y][v] * rows[v * 8 + x];
                }
                out[y * 8 + x] = sum;
            }
        }
        out
    }

    #[test]
    fn the_row_wise_transform_gives_the_same_values_as_the_plain_sums() {
        let mut state = 12345u32;
        for block in 0..200 {
            let mut coefficients = [0f32; 64];
            for (k, c) in coefficients.iter_mut().enumerate() {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                // Sparse high frequencies, as after quantisation; some all-zero rows.
                if k < 8 * (block % 9) || state.is_multiple_of(5) {
                    *c = f32::from((state >> 16) as u16 as i16 % 2048);
                }
            }
            let got = inverse_dct(&coefficients);
            let want = reference_idct(&coefficients);
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "block {block}");
            }
        }
    }

    #[test]
    fn rounding_matches_the_standard_library() {
        let mut values = vec![
            0.5f32,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999997,
            -0.49999997,
            4095.5,
        ];
        values.extend((-40_000..40_000).map(|k| k as f32 * 0.173));
        for v in values {
            assert_eq!(round(v), v.round() as i32, "{v}");
        }
        // Hostile magnitudes are held, not overflowed.
        assert_eq!(round(f32::MAX), 1_000_000_000);
        assert_eq!(round(f32::MIN), -1_000_000_000);
        assert_eq!(round(f32::NAN), 0);
    }

    #[test]
    fn inverse_dct_of_a_dc_coefficient_is_flat() {
        let mut coefficients = [0f32; 64];
        coefficients[0] = 80.0; // DC of 80 → every sample 80 / 8 = 10
        let block = inverse_dct(&coefficients);
        assert!(block.iter().all(|v| (v - 10.0).abs() < 1e-4), "{block:?}");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(!is_twelve_bit_dct(&[0xFF, 0xD8, 0xFF]));
        let module = PixelModule {
            rows: 8,
            columns: 8,
            frames: 1,
            samples_per_pixel: 1,
            bits_allocated: 16,
            bits_stored: 12,
            signed: false,
            photometric: super::super::pixel_module::Photometric::Monochrome2,
            planar: false,
        };
        assert!(decode_twelve_bit(&[0xFF, 0xD8, 0xFF, 0xD9], &module).is_err());
        assert!(decode_twelve_bit(b"nonsense", &module).is_err());
    }
}
