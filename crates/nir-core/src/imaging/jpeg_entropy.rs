//! Entropy-coded segments of ISO 10918-1 JPEG (DCT and lossless): canonical Huffman tables
//! (Annex C) decoded by one table look-up for codes up to nine bits, and a bit reader that
//! takes 64 bits at a time, removes stuffed zero bytes, and stops at markers. Shared by the
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

    /// Tops the buffer up to at least 57 bits.
    #[inline]
    fn fill(&mut self) {
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

    #[inline]
    fn consume(&mut self, length: u32) -> Result<(), ImagingError> {
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
        self.fill();
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
        if size == 0 {
            return Ok(0);
        }
        if size > 16 {
            return Err(fail("coefficient size out of range"));
        }
        self.fill();
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

#[cfg(test)]
mod tests {
    use super::*;

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
