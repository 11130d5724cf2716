//! Entropy-coded segments of ISO 10918-1 JPEG (DCT and lossless): canonical Huffman tables
//! (Annex C) decoded by one table look-up for codes up to nine bits, and a bit reader that
//! takes 64 bits at a time (eight bytes in one load when none of them is 0xFF), removes
//! stuffed zero bytes, and stops at markers. Shared by the
//! 12-bit DCT decoder ([`super::jpeg12`]) and the lossless decoder ([`super::jpeg_lossless`]).

use super::error::ImagingError;

fn fail(reason: impl Into<String>) -> ImagingError {
    ImagingError::Codec {
        frame: 0,
        transfer_syntax: String::new(),
        reason: reason.into(),
    }
}

/// Codes up to this many bits are decoded with one table look-up.
pub const LOOKUP_BITS: u32 = 9;

#[derive(Default, Clone)]
pub struct Huffman {
    /// Largest code of each length (-1 when there is none), canonical order (C.2).
    max_code: [i32; 17],
    val_offset: [i32; 17],
    symbols: Vec<u8>,
    /// The next [`LOOKUP_BITS`] bits → `length << 8 | symbol` for codes that short, else 0.
    lookup: Vec<u16>,
}

impl Huffman {
    /// The table of a DHT segment: code counts per length (16) and symbols.
    pub fn new(counts: &[u8], symbols: &[u8]) -> Self {
        let mut table = Huffman {
            symbols: symbols.to_vec(),
            lookup: vec![0; 1 << LOOKUP_BITS],
            ..Default::default()
        };
        let mut code = 0i32;
        let mut index = 0i32;
        for length in 1..=16 {
            let count = i32::from(counts[length - 1]);
            table.val_offset[length] = index - code;
            if length as u32 <= LOOKUP_BITS {
                let spread = LOOKUP_BITS - length as u32;
                for k in 0..count {
                    let Some(&symbol) = symbols.get((index + k) as usize) else {
                        break;
                    };
                    let first = ((code + k) as usize) << spread;
                    let last = (((code + k + 1) as usize) << spread).min(table.lookup.len());
                    for slot in table.lookup.get_mut(first..last).into_iter().flatten() {
                        *slot = (length as u16) << 8 | u16::from(symbol);
                    }
                }
            }
            code += count;
            index += count;
            table.max_code[length] = if count > 0 { code - 1 } else { -1 };
            code <<= 1;
        }
        table
    }
}

/// Reads the entropy-coded segment 64 bits at a time. At a marker or the end of the data
/// it feeds zero bits, and reports an error only when such a bit is actually consumed.
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Byte offset of the next byte to read.
    pub position: usize,
    /// Unread bits, most significant first.
    buffer: u64,
    count: u32,
    /// How many of the last `count` bits are padding past a marker or the end.
    padding: u32,
    stopped: bool,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `data` (entropy-coded segment, stuffed bytes included).
    pub fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            position: 0,
            buffer: 0,
            count: 0,
            padding: 0,
            stopped: false,
        }
    }

    /// Tops the buffer up to at least 57 bits. Bits past `count` may hold the bytes that
    /// follow (a whole eight-byte load is shifted in); they are cleared before the next
    /// byte-by-byte fill and never read before they are counted.
    #[inline]
    pub fn refill(&mut self) {
        if self.count > 56 {
            return;
        }
        if !self.stopped {
            if let Some(chunk) = self.data.get(self.position..self.position + 8) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                let word = u64::from_be_bytes(word);
                if !has_ff_byte(word) {
                    let bytes = (64 - self.count) / 8;
                    self.buffer = (self.buffer & !(u64::MAX >> self.count)) | (word >> self.count);
                    self.position += bytes as usize;
                    self.count += bytes * 8;
                    return;
                }
            }
        }
        self.buffer &= !(u64::MAX >> self.count);
        while self.count <= 56 {
            let mut byte = 0u8;
            if !self.stopped {
                match self.data.get(self.position) {
                    Some(&0xFF) => match self.data.get(self.position + 1) {
                        Some(0x00) => {
                            byte = 0xFF;
                            self.position += 2;
                        }
                        _ => self.stopped = true,
                    },
                    Some(&value) => {
                        byte = value;
                        self.position += 1;
                    }
                    None => self.stopped = true,
                }
            }
            if self.stopped {
                self.padding += 8;
            }
            self.buffer |= u64::from(byte) << (56 - self.count);
            self.count += 8;
        }
    }

    /// The next `length` bits (1 to 32) without consuming them; bits past the data read
    /// as zeros.
    #[inline]
    pub fn peek(&self, length: u32) -> u32 {
        (self.buffer >> (64 - length)) as u32
    }

    /// Drops `length` bits already in the buffer; an error if one of them was padding past
    /// a marker or the end of the data.
    #[inline]
    pub fn consume(&mut self, length: u32) -> Result<(), ImagingError> {
        self.buffer <<= length;
        self.count -= length;
        if self.count < self.padding {
            return Err(fail(if self.position < self.data.len() {
                "marker inside entropy-coded data"
            } else {
                "entropy data ends early"
            }));
        }
        Ok(())
    }

    #[inline]
    /// The next Huffman-coded symbol.
    pub fn decode(&mut self, table: &Huffman) -> Result<u8, ImagingError> {
        self.refill();
        self.decode_filled(table)
    }

    #[inline]
    /// [`Self::decode`] after a [`Self::refill`] that left at least 16 bits unread.
    pub fn decode_filled(&mut self, table: &Huffman) -> Result<u8, ImagingError> {
        let entry = table
            .lookup
            .get((self.buffer >> (64 - LOOKUP_BITS)) as usize)
            .copied()
            .unwrap_or(0);
        if entry != 0 {
            self.consume(u32::from(entry >> 8))?;
            return Ok(entry as u8);
        }
        for length in LOOKUP_BITS as usize + 1..=16 {
            let code = (self.buffer >> (64 - length)) as i32;
            if code <= table.max_code[length] {
                let index = (table.val_offset[length] + code) as usize;
                let symbol = table
                    .symbols
                    .get(index)
                    .copied()
                    .ok_or_else(|| fail("bad Huffman code"))?;
                self.consume(length as u32)?;
                return Ok(symbol);
            }
        }
        Err(fail("bad Huffman code"))
    }

    #[inline]
    /// The next `size`-bit value, sign-extended (ISO 10918-1 F.2.2.1).
    pub fn receive_extend(&mut self, size: u8) -> Result<i32, ImagingError> {
        self.refill();
        self.receive_extend_filled(size)
    }

    #[inline]
    /// [`Self::receive_extend`] after a [`Self::refill`] that left at least `size` bits
    /// unread.
    pub fn receive_extend_filled(&mut self, size: u8) -> Result<i32, ImagingError> {
        if size == 0 {
            return Ok(0);
        }
        if size > 16 {
            return Err(fail("coefficient size out of range"));
        }
        let size = u32::from(size);
        let value = (self.buffer >> (64 - size)) as i32;
        self.consume(size)?;
        Ok(if value < 1 << (size - 1) {
            value - (1 << size) + 1
        } else {
            value
        })
    }

    /// Skip to the byte after the next RSTn marker.
    pub fn restart(&mut self) {
        self.buffer = 0;
        self.count = 0;
        self.padding = 0;
        self.stopped = false;
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

/// True when one of the eight bytes of `word` is 0xFF (a zero byte of its complement).
#[inline]
fn has_ff_byte(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    (!word).wrapping_sub(ONES) & word & HIGHS != 0
}

/// Test codestreams: `bits` as entropy-coded bytes, the last byte padded with one-bits and
/// every 0xFF followed by a stuffed 0x00 (ISO 10918-1 F.1.2.3).
#[cfg(test)]
pub(crate) fn entropy_coded_bytes(mut bits: Vec<bool>) -> Vec<u8> {
    while !bits.len().is_multiple_of(8) {
        bits.push(true);
    }
    let mut bytes = Vec::new();
    for chunk in bits.chunks(8) {
        let byte = chunk.iter().fold(0u8, |b, &bit| b << 1 | u8::from(bit));
        bytes.push(byte);
        if byte == 0xFF {
            bytes.push(0);
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ff_bytes_are_found_in_every_position() {
        assert!(!has_ff_byte(0));
        assert!(!has_ff_byte(0xFEFE_FEFE_FEFE_FEFE));
        assert!(!has_ff_byte(0x7F80_0001_FE00_7FFE));
        for k in 0..8 {
            assert!(has_ff_byte(0xFF << (8 * k)));
            assert!(has_ff_byte((0xFF << (8 * k)) | 0x0101_0101_0101_0101));
        }
    }

    #[test]
    fn bits_read_the_same_whether_bytes_come_eight_at_once_or_one_by_one() {
        // A stuffed 0xFF 0x00 in the middle forces the byte-by-byte fill between loads.
        let mut data: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) & 0xFE).collect();
        data.splice(20..20, [0xFF, 0x00]);
        let mut expected: Vec<bool> = Vec::new();
        let mut position = 0;
        while position < data.len() {
            let byte = data[position];
            position += if byte == 0xFF { 2 } else { 1 };
            expected.extend((0..8).rev().map(|k| byte >> k & 1 == 1));
        }
        let mut bits = BitReader::new(&data);
        let mut got = Vec::new();
        // Odd sizes so that loads land at every bit offset.
        for size in [3u8, 5, 7, 1, 9, 11, 13, 2].iter().cycle() {
            if got.len() + usize::from(*size) > expected.len() {
                break;
            }
            bits.refill();
            let value = bits.receive_extend_filled(*size).unwrap();
            // Undo the sign extension to get the raw bits back.
            let raw = if value < 0 {
                (value + (1 << size) - 1) as u32
            } else {
                value as u32
            };
            got.extend((0..*size).rev().map(|k| raw >> k & 1 == 1));
        }
        assert_eq!(got[..], expected[..got.len()]);
        assert!(got.len() > expected.len() - 16);
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
}
