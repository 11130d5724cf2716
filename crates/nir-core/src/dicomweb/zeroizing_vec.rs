//! Growing a buffer of clinical bytes without leaving copies behind and without trusting a
//! declared length: `Vec` growth frees the old allocation without clearing it, so
//! [`append`] grows by hand into a new allocation and lets the old one be zeroised as it
//! drops. A length a server declares (`Content-Length`, a part's header) is only a claim:
//! room is reserved for at most [`MAX_AHEAD`] bytes of it up front, and the buffer then
//! grows with the bytes that arrive, never more than [`MAX_AHEAD`] beyond them — except
//! that once at least half of a declared length has arrived, the buffer may jump to that
//! length, which saves large bodies their repeated moves while costing at most what
//! already arrived again.

use zeroize::Zeroizing;

/// Smallest capacity a growing buffer jumps to.
const MIN_GROWTH: usize = 64 * 1024;
/// The most room a buffer holds beyond the bytes that arrived (and the most reserved up
/// front for a declared length).
pub const MAX_AHEAD: usize = 8 << 20;

/// Appends `bytes` to `buffer`, reallocating (and zeroising the old allocation) when needed.
pub fn append(buffer: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    append_toward(buffer, bytes, None);
}

/// Appends `bytes` to a buffer expected, by a claim from outside, to reach `declared` bytes.
pub fn append_toward(buffer: &mut Zeroizing<Vec<u8>>, bytes: &[u8], declared: Option<u64>) {
    let needed = buffer.len() + bytes.len();
    if needed > buffer.capacity() {
        let mut grown = Zeroizing::new(Vec::with_capacity(grown_capacity(needed, declared)));
        grown.extend_from_slice(buffer);
        std::mem::swap(buffer, &mut grown);
        // `grown` now holds the old allocation and is zeroised here.
    }
    buffer.extend_from_slice(bytes);
}

/// The capacity to move to when `needed` bytes no longer fit.
fn grown_capacity(needed: usize, declared: Option<u64>) -> usize {
    if let Some(declared) = declared.and_then(|d| usize::try_from(d).ok()) {
        if declared >= needed && declared / 2 <= needed {
            return declared;
        }
    }
    needed.saturating_add(needed.clamp(MIN_GROWTH, MAX_AHEAD))
}

/// An empty buffer for a body said to be `declared` bytes long: room for at most
/// [`MAX_AHEAD`] of them until more arrives.
pub fn for_declared_length(declared: Option<u64>) -> Zeroizing<Vec<u8>> {
    let capacity = declared
        .map_or(0, |d| usize::try_from(d).unwrap_or(usize::MAX))
        .min(MAX_AHEAD);
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
        let mut buffer = for_declared_length(Some(1000));
        let before = buffer.as_ptr();
        append_toward(&mut buffer, &[7; 1000], Some(1000));
        assert_eq!(buffer.as_ptr(), before);
    }

    #[test]
    fn a_declared_length_reserves_at_most_the_room_ahead() {
        assert!(for_declared_length(Some(2_000_000_000)).capacity() <= MAX_AHEAD);
        assert!(for_declared_length(Some(u64::MAX)).capacity() <= MAX_AHEAD);
        assert_eq!(for_declared_length(None).capacity(), 0);
    }

    #[test]
    fn growth_stays_within_reach_of_what_arrived() {
        let chunk = vec![1u8; 300_000];
        let mut buffer = for_declared_length(Some(2_000_000_000));
        for _ in 0..100 {
            append_toward(&mut buffer, &chunk, Some(2_000_000_000));
            assert!(buffer.capacity() <= buffer.len() + MAX_AHEAD);
        }
        // Once half the declared length is in, the buffer goes straight to it.
        let mut buffer = Zeroizing::new(Vec::new());
        append_toward(&mut buffer, &chunk, Some(500_000));
        assert_eq!(buffer.capacity(), 500_000);
    }
}
