//! A byte buffer for clinical content: locked in RAM where the OS allows (so it is not
//! written to swap), zeroised and unlocked when dropped, and never printed by `Debug`.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use zeroize::Zeroize;

/// Set once `mlock` has been refused, so the refusal is reported only once.
static MLOCK_REFUSED: AtomicBool = AtomicBool::new(false);

/// Clinical bytes held in memory only.
pub struct SecretBuffer {
    bytes: Vec<u8>,
    locked: bool,
}

impl SecretBuffer {
    /// Takes ownership of the bytes and tries to lock them in RAM.
    pub fn new(bytes: Vec<u8>) -> Self {
        let locked = lock_in_ram(&bytes);
        Self { bytes, locked }
    }

    /// The content.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether the OS agreed to keep these pages out of swap.
    pub fn is_locked(&self) -> bool {
        self.locked
    }
}

impl Drop for SecretBuffer {
    fn drop(&mut self) {
        let (address, len) = (self.bytes.as_ptr(), self.bytes.len());
        // Zeroise while still locked, so the content never reaches swap; zeroize keeps the
        // allocation in place, so the locked range is still this one.
        self.bytes.zeroize();
        if self.locked {
            unlock(address, len);
        }
    }
}

impl fmt::Debug for SecretBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBuffer({} bytes)", self.bytes.len())
    }
}

#[cfg(unix)]
fn lock_in_ram(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    // SAFETY: the pointer and length describe memory owned by `bytes` for the call.
    let result = unsafe { libc::mlock(bytes.as_ptr().cast(), bytes.len()) };
    if result != 0 && !MLOCK_REFUSED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "memory locking refused by the OS (RLIMIT_MEMLOCK); clinical buffers may be swapped"
        );
    }
    result == 0
}

#[cfg(unix)]
fn unlock(address: *const u8, len: usize) {
    // SAFETY: unlocking a range this buffer locked and still owns (not yet deallocated).
    unsafe {
        libc::munlock(address.cast(), len);
    }
}

#[cfg(not(unix))]
fn lock_in_ram(_bytes: &[u8]) -> bool {
    if !MLOCK_REFUSED.swap(true, Ordering::Relaxed) {
        tracing::warn!("memory locking is not implemented on this platform");
    }
    false
}

#[cfg(not(unix))]
fn unlock(_address: *const u8, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_only_the_length() {
        let buffer = SecretBuffer::new(b"9912003888 TRAINING^ALEX".to_vec());
        let text = format!("{buffer:?}");
        assert_eq!(text, "SecretBuffer(24 bytes)");
    }

    #[test]
    fn holds_the_bytes_it_was_given() {
        let buffer = SecretBuffer::new(vec![1, 2, 3]);
        assert_eq!(buffer.as_bytes(), &[1, 2, 3]);
        assert_eq!(buffer.len(), 3);
        assert!(!buffer.is_empty());
    }
}
