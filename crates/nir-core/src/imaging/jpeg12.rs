//! A small decoder for sequential DCT JPEG with 12-bit samples (ISO 10918-1 process 4, as
//! used by DICOM's JPEG Extended transfer syntax), which the dicom-rs JPEG codec refuses.
//! Huffman coding, 8- or 16-bit quantisation tables, restart intervals, and one component
//! or several without subsampling; the inverse DCT is computed in floating point. The
//! sample planes are sized only after the frame header has been compared with the DICOM
//! attributes and with the length of the codestream ([`super::codestream_size`]).

use super::codestream_size::{check_codestream_size, CodestreamSize};
use super::error::ImagingError;
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

/// Decode a 12-bit sequential JPEG into little-endian 16-bit interleaved samples.
pub fn decode_twelve_bit(data: &[u8], module: &PixelModule) -> Result<Vec<u8>, ImagingError> {
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

#[derive(Default, Clone)]
struct Huffman {
    /// (code length, code) → symbol, searched length by length.
    max_code: [i32; 17],
    val_offset: [i32; 17],
    symbols: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8], symbols: &[u8]) -> Self {
        let mut table = Huffman {
            symbols: symbols.to_vec(),
            ..Default::default()
        };
        let mut code = 0i32;
        let mut index = 0i32;
        for length in 1..=16 {
            let count = i32::from(counts[length - 1]);
            table.val_offset[length] = index - code;
            code += count;
            index += count;
            table.max_code[length] = if count > 0 { code - 1 } else { -1 };
            code <<= 1;
        }
        table
    }
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
    /// Decoded samples per component, row-major, padded to whole blocks.
    planes: Vec<Vec<f32>>,
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
            planes: Vec::new(),
        }
    }
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

    /// Reads SOF0/SOF1 and sizes the planes, only once the header agrees with the DICOM
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
        if !self.planes.is_empty() {
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
        let padded = self.rows.div_ceil(8) * 8 * self.columns.div_ceil(8) * 8;
        self.planes = vec![vec![0.0; padded]; count];
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

    /// Decode the entropy-coded segment; returns the bytes consumed.
    fn decode_scan(&mut self, data: &[u8]) -> Result<usize, ImagingError> {
        let blocks_x = self.columns.div_ceil(8);
        let blocks_y = self.rows.div_ceil(8);
        let mut bits = BitReader::new(data);
        let mut predictors = vec![0i32; self.components.len()];
        let total = blocks_x * blocks_y;
        for mcu in 0..total {
            if self.restart_interval > 0 && mcu > 0 && mcu % self.restart_interval == 0 {
                bits.restart();
                predictors.iter_mut().for_each(|p| *p = 0);
            }
            for &index in &self.scan.clone() {
                let component = self.components[index];
                let coefficients =
                    self.decode_block(&mut bits, &component, &mut predictors[index])?;
                let (bx, by) = (mcu % blocks_x, mcu / blocks_x);
                let stride = blocks_x * 8;
                let plane = &mut self.planes[index];
                let block = inverse_dct(&coefficients);
                for y in 0..8 {
                    let row = (by * 8 + y) * stride + bx * 8;
                    plane[row..row + 8].copy_from_slice(&block[y * 8..y * 8 + 8]);
                }
            }
        }
        Ok(bits.position)
    }

    fn decode_block(
        &self,
        bits: &mut BitReader,
        component: &Component,
        predictor: &mut i32,
    ) -> Result<[f32; 64], ImagingError> {
        let quant = &self.quant[component.quant];
        let mut block = [0f32; 64];
        let size = bits.decode(&self.dc_tables[component.dc])?;
        *predictor = predictor.wrapping_add(bits.receive_extend(size)?);
        block[0] = *predictor as f32 * quant[0] as f32;
        let mut k = 1;
        while k < 64 {
            let symbol = bits.decode(&self.ac_tables[component.ac])?;
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
            block[ZIGZAG[k]] = bits.receive_extend(size)? as f32 * quant[k] as f32;
            k += 1;
        }
        Ok(block)
    }

    fn output(&self, module: &PixelModule) -> Result<Vec<u8>, ImagingError> {
        if self.planes.is_empty() {
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
        let shift = 1i32 << (self.precision.clamp(2, 16) - 1);
        let max = (1i32 << self.precision.clamp(2, 16)) - 1;
        let stride = self.columns.div_ceil(8) * 8;
        let mut out = Vec::with_capacity(self.rows * self.columns * self.planes.len() * 2);
        for y in 0..self.rows {
            for x in 0..self.columns {
                for plane in &self.planes {
                    let value = (plane[y * stride + x].round() as i32 + shift).clamp(0, max);
                    out.extend_from_slice(&(value as u16).to_le_bytes());
                }
            }
        }
        Ok(out)
    }
}

struct BitReader<'a> {
    data: &'a [u8],
    position: usize,
    buffer: u32,
    count: u32,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `data` (entropy-coded segment, stuffed bytes included).
    fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            position: 0,
            buffer: 0,
            count: 0,
        }
    }

    fn bit(&mut self) -> Result<u32, ImagingError> {
        if self.count == 0 {
            let byte = *self
                .data
                .get(self.position)
                .ok_or_else(|| fail("entropy data ends early"))?;
            if byte == 0xFF {
                match self.data.get(self.position + 1) {
                    Some(0x00) => self.position += 2,
                    _ => return Err(fail("marker inside entropy-coded data")),
                }
            } else {
                self.position += 1;
            }
            self.buffer = u32::from(byte);
            self.count = 8;
        }
        self.count -= 1;
        Ok((self.buffer >> self.count) & 1)
    }

    fn decode(&mut self, table: &Huffman) -> Result<u8, ImagingError> {
        let mut code = 0i32;
        for length in 1..=16 {
            code = (code << 1) | self.bit()? as i32;
            if code <= table.max_code[length] {
                let index = (table.val_offset[length] + code) as usize;
                return table
                    .symbols
                    .get(index)
                    .copied()
                    .ok_or_else(|| fail("bad Huffman code"));
            }
        }
        Err(fail("bad Huffman code"))
    }

    fn receive_extend(&mut self, size: u8) -> Result<i32, ImagingError> {
        if size == 0 {
            return Ok(0);
        }
        if size > 16 {
            return Err(fail("coefficient size out of range"));
        }
        let mut value = 0i32;
        for _ in 0..size {
            value = (value << 1) | self.bit()? as i32;
        }
        Ok(if value < 1 << (size - 1) {
            value - (1 << size) + 1
        } else {
            value
        })
    }

    /// Skip to the byte after the next RSTn marker.
    fn restart(&mut self) {
        self.count = 0;
        while self.position + 1 < self.data.len() {
            if self.data[self.position] == 0xFF
                && (0xD0..=0xD7).contains(&self.data[self.position + 1])
            {
                self.position += 2;
                return;
            }
            self.position += 1;
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

/// Separable 8×8 inverse DCT (ISO 10918-1 A.3.3), in f32.
fn inverse_dct(coefficients: &[f32; 64]) -> [f32; 64] {
    let basis = idct_basis();
    let mut rows = [0f32; 64];
    for v in 0..8 {
        for x in 0..8 {
            rows[v * 8 + x] = (0..8).map(|u| basis[x][u] * coefficients[v * 8 + u]).sum();
        }
    }
    let mut out = [0f32; 64];
    for y in 0..8 {
        for x in 0..8 {
            out[y * 8 + x] = (0..8).map(|v| basis[y][v] * rows[v * 8 + x]).sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_dct_of_a_dc_coefficient_is_flat() {
        let mut coefficients = [0f32; 64];
        coefficients[0] = 80.0; // DC of 80 → every sample 80 / 8 = 10
        let block = inverse_dct(&coefficients);
        assert!(block.iter().all(|v| (v - 10.0).abs() < 1e-4), "{block:?}");
    }

    #[test]
    fn canonical_huffman_codes_decode() {
        // two codes of length 2 (00 → 5, 01 → 6), one of length 3 (100 → 7)
        let mut counts = [0u8; 16];
        counts[1] = 2;
        counts[2] = 1;
        let table = Huffman::new(&counts, &[5, 6, 7]);
        let data = [0b0001_1000u8];
        let mut bits = BitReader::new(&data);
        assert_eq!(bits.decode(&table).unwrap(), 5);
        assert_eq!(bits.decode(&table).unwrap(), 6);
        assert_eq!(bits.decode(&table).unwrap(), 7);
    }

    #[test]
    fn receive_extend_gives_negative_and_positive_values() {
        let data = [0b0111_0000u8];
        let mut bits = BitReader::new(&data);
        assert_eq!(bits.receive_extend(2).unwrap(), -2); // 01 → -2
        assert_eq!(bits.receive_extend(2).unwrap(), 3); // 11 → 3
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
