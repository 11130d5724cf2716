//! What a codec hands back for one frame: little-endian words of Bits Allocated as bytes
//! (the layout of native Pixel Data, which [`super::native`] unpacks), or, for grayscale of
//! one 16-bit sample per pixel, the 16-bit words themselves, so that the frame is not turned
//! into bytes only to be read back into words. Either way Bits Stored is not yet applied:
//! masking and sign extension are [`super::native`]'s.

/// One frame as a codec decoded it.
#[derive(Debug, Clone, PartialEq)]
pub enum CodecOutput {
    /// Little-endian words of Bits Allocated, interleaved, as bytes.
    Bytes(Vec<u8>),
    /// One grayscale sample per pixel of 16 bits allocated, one word each.
    Words(Vec<u16>),
}

impl CodecOutput {
    /// Bytes of the frame's samples.
    pub fn len_bytes(&self) -> usize {
        match self {
            CodecOutput::Bytes(bytes) => bytes.len(),
            CodecOutput::Words(words) => words.len() * 2,
        }
    }
}

impl From<Vec<u8>> for CodecOutput {
    fn from(bytes: Vec<u8>) -> Self {
        CodecOutput::Bytes(bytes)
    }
}
