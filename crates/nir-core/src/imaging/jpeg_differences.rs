//! The differences of lossless JPEG (ISO 10918-1 H.1.2.2): a Huffman-coded category followed
//! by that many extra bits. One table indexed by the next [`DIRECT_BITS`] bits of the
//! entropy-coded data gives, whenever the code and its extra bits both fit in them (the
//! usual case on real images), the difference itself and how many bits it took, so most
//! differences cost one look-up; the others go through the Huffman table and the extra bits
//! one after the other ([`super::jpeg_entropy`]).

use super::error::ImagingError;
use super::jpeg_entropy::{BitReader, Huffman};

/// Bits looked at by the one-look-up path (a 16 KiB table).
pub const DIRECT_BITS: u32 = 12;

/// A DHT table for differences: the Huffman table and the direct table built from it.
pub struct DifferenceTable {
    huffman: Huffman,
    /// The next [`DIRECT_BITS`] bits → `bits used << 16 | difference as u16`, or 0 when
    /// the code and its extra bits do not both fit.
    direct: Vec<u32>,
}

fn fail(reason: &str) -> ImagingError {
    ImagingError::Codec {
        frame: 0,
        transfer_syntax: String::new(),
        reason: reason.to_owned(),
    }
}

/// `bits` (the `size` extra bits) as a difference (F.2.2.1, EXTEND).
fn extend(bits: u32, size: u32) -> i32 {
    if size == 0 {
        0
    } else if bits < 1 << (size - 1) {
        bits as i32 - (1 << size) + 1
    } else {
        bits as i32
    }
}

impl DifferenceTable {
    /// The table of a DHT segment: code counts per length (16) and symbols.
    pub fn new(counts: &[u8], symbols: &[u8]) -> Self {
        let mut direct = vec![0u32; 1 << DIRECT_BITS];
        // Canonical codes (C.2): consecutive within a length, doubled at each next length.
        let mut code = 0u32;
        let mut index = 0usize;
        for (length, &count) in (1u32..=16).zip(counts) {
            for _ in 0..count {
                let Some(&size) = symbols.get(index) else {
                    break;
                };
                let size = u32::from(size);
                // Category 16 (32768, no extra bits) is left to the slow path.
                if size <= 15 && length + size <= DIRECT_BITS {
                    let free = DIRECT_BITS - length - size;
                    for extra in 0..1u32 << size {
                        let value = extend(extra, size) as u16;
                        let entry = (length + size) << 16 | u32::from(value);
                        let first = ((code << size | extra) << free) as usize;
                        for slot in direct.iter_mut().skip(first).take(1 << free) {
                            *slot = entry;
                        }
                    }
                }
                code += 1;
                index += 1;
            }
            code <<= 1;
        }
        DifferenceTable {
            huffman: Huffman::new(counts, symbols),
            direct,
        }
    }

    /// The next difference: category 16 is 32768 with no extra bits. A code (16 bits at
    /// most) and its extra bits (15 at most) fit in one refill of the reader.
    #[inline(always)]
    pub fn next(&self, bits: &mut BitReader) -> Result<i32, ImagingError> {
        bits.refill();
        let entry = self
            .direct
            .get(bits.peek(DIRECT_BITS) as usize)
            .copied()
            .unwrap_or(0);
        if entry != 0 {
            bits.consume(entry >> 16)?;
            return Ok(i32::from(entry as u16 as i16));
        }
        match bits.decode_filled(&self.huffman)? {
            16 => Ok(32768),
            size @ 0..=15 => bits.receive_extend_filled(size),
            _ => Err(fail("invalid difference category")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every difference of categories 0..=15 under a table with long and short codes reads
    /// the same through the direct table as through the Huffman table and extra bits.
    #[test]
    fn direct_and_slow_paths_agree() {
        // Lengths 2 (three codes), 3, 4, ..., 16 (one each), so that some codes plus extra
        // bits fit in 12 bits and some do not; symbols are the categories 0..=16.
        let mut counts = [1u8; 16];
        counts[0] = 0;
        counts[1] = 3;
        let symbols: Vec<u8> = (0..=16).collect();
        let table = DifferenceTable::new(&counts, &symbols);
        // Write category, extra bits pairs with the canonical codes.
        let mut codes = Vec::new();
        let mut code = 0u32;
        for (length, &count) in (1u32..=16).zip(&counts) {
            for _ in 0..count {
                codes.push((code, length));
                code += 1;
            }
            code <<= 1;
        }
        let mut stream: Vec<bool> = Vec::new();
        let mut want = Vec::new();
        for size in 0..=16u32 {
            let extras: Vec<u32> = if size == 0 || size == 16 {
                vec![0]
            } else {
                vec![0, (1 << size) - 1, 1 << (size - 1), (1 << (size - 1)) - 1]
            };
            for extra in extras {
                let (code, length) = codes[size as usize];
                stream.extend((0..length).rev().map(|k| code >> k & 1 == 1));
                if size < 16 {
                    stream.extend((0..size).rev().map(|k| extra >> k & 1 == 1));
                }
                want.push(if size == 16 {
                    32768
                } else {
                    extend(extra, size)
                });
            }
        }
        let data = crate::imaging::jpeg_entropy::entropy_coded_bytes(stream);
        let mut bits = BitReader::new(&data);
        let got: Vec<i32> = want
            .iter()
            .map(|_| table.next(&mut bits).unwrap())
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn extend_gives_negative_and_positive_values() {
        assert_eq!(extend(0, 0), 0);
        assert_eq!(extend(0b01, 2), -2);
        assert_eq!(extend(0b11, 2), 3);
        assert_eq!(extend(0, 15), -32767);
    }
}
