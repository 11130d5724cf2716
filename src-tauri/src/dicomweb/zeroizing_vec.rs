//! Growing a buffer of clinical bytes without leaving copies behind: `Vec` growth frees
//! the old allocation without clearing it, so [`append`] grows by hand into a new
//! allocation and lets the old one be zeroised as it drops.

use zeroize::Zeroizing;

/// Smallest capacity a growing buffer jumps to.
const MIN_GROWTH: usize = 64 * 1024;

/// Appends `bytes` to `buffer`, reallocating (and zeroising the old allocation) when needed.
pub fn append(buffer: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    let needed = buffer.len() + bytes.len();
    if needed > buffer.capacity() {
        let capacity = needed.max(buffer.capacity() * 2).max(MIN_GROWTH);
        let mut grown = Zeroizing::new(Vec::with_capacity(capacity));
        grown.extend_from_slice(buffer);
        std::mem::swap(buffer, &mut grown);
        // `grown` now holds the old allocation and is zeroised here.
    }
    buffer.extend_from_slice(bytes);
}

/// A buffer with room for `capacity` bytes up front (e.g. from a `Content-Length`).
pub fn with_capacity(capacity: usize) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(Vec::with_capacity(capacity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_across_reallocations() {
        let mut buffer = Zeroizing::new(Vec::new());
        for round in 0..200u32 {
            append(&mut buffer, &round.to_le_bytes().repeat(100));
        }
        assert_eq!(buffer.len(), 200 * 400);
        assert_eq!(&buffer[400..404], &1u32.to_le_bytes());
    }

    #[test]
    fn reserved_capacity_is_used_without_reallocating() {
        let mut buffer = with_capacity(1000);
        let before = buffer.as_ptr();
        append(&mut buffer, &[7; 1000]);
        assert_eq!(buffer.as_ptr(), before);
    }
}
