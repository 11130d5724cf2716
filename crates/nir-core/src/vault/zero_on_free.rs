//! A global allocator that overwrites every heap block with zeros when it is given back
//! (and the old block when one is moved by `realloc`), so strings and buffers the program
//! has finished with — an NHS number typed into a search, a JSON body, a decoded frame — do
//! not linger in freed heap memory where a later memory dump or a reader of `/proc/PID/mem`
//! could find them. Large blocks (a frame, a file, an instance) are mapped from the kernel
//! on their own and unmapped when given back: their pages then leave the process, and the
//! kernel zeroes a page before it maps it anywhere again, so they need no wipe, and one
//! grows or shrinks by moving its pages (`mremap`) rather than copying them. On Linux, one
//! below 2 MiB (an instance as it arrives, a frame of a CT) has its pages made at once when
//! it is mapped (`MAP_POPULATE`) instead of one page fault per 4 KiB as it is first
//! written (a 400-slice CT took about 53 000 faults to be kept, and 17 % more CPU time,
//! without it), and those of 2 MiB or more are offered transparent huge pages, so that
//! filling a decoded frame takes a few page faults. The bound keeps a block sized from a
//! length announced by a server, before its bytes have arrived, from becoming that much
//! real memory at once. Everything else
//! goes to the system allocator. It covers Rust allocations only (C libraries such as
//! WebKitGTK call `malloc` directly).

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, zeroising blocks on free. Install it with
/// `#[global_allocator] static ALLOC: ZeroOnFree = ZeroOnFree;` in the binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZeroOnFree;

/// Overwrites `len` bytes at `ptr` with zeros in a way the optimiser cannot drop as a dead
/// store before `free` (`black_box` makes the written memory observable).
///
/// # Safety
/// `ptr` must be valid for writes of `len` bytes.
unsafe fn wipe(ptr: *mut u8, len: usize) {
    // SAFETY: the caller guarantees `ptr..ptr+len` is writable.
    unsafe { std::ptr::write_bytes(ptr, 0, len) };
    std::hint::black_box(ptr);
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// Blocks of at least this many bytes are mapped on their own (see the module doc).
const MAPPED_FROM: usize = 256 << 10;

/// Whether a block of `size` bytes aligned to `align` is (or would be) mapped on its own.
/// The decision depends on the layout only, which `dealloc` and `realloc` receive unchanged.
fn is_mapped(size: usize, align: usize) -> bool {
    cfg!(unix) && size >= MAPPED_FROM && align <= mapped::PAGE
}

#[cfg(unix)]
mod mapped {
    //! Anonymous private mappings: zero-filled on first touch, gone from the process when
    //! unmapped.

    /// The smallest page size of the platforms built for; mappings are aligned to it.
    pub const PAGE: usize = 4096;

    /// Mappings at least this large are offered transparent huge pages (Linux).
    #[cfg(target_os = "linux")]
    const HUGE_PAGE: usize = 2 << 20;

    fn rounded(size: usize) -> usize {
        size.div_ceil(PAGE) * PAGE
    }

    /// Blocks below [`HUGE_PAGE`] have their pages made at once (`MAP_POPULATE`), in one
    /// call instead of one page fault per 4 KiB page as they are first written.
    #[cfg(target_os = "linux")]
    fn populate(size: usize) -> libc::c_int {
        if size < HUGE_PAGE {
            libc::MAP_POPULATE
        } else {
            0
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn populate(_size: usize) -> libc::c_int {
        0
    }

    /// A new mapping of at least `size` bytes, or null.
    pub fn map(size: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping at an address the kernel chooses touches no
        // existing memory.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                rounded(size),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | populate(size),
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        #[cfg(target_os = "linux")]
        if size >= HUGE_PAGE {
            // Ask for 2 MiB pages where the kernel leaves that to the program (transparent
            // huge pages "madvise"): a large frame then takes a handful of page faults, not
            // one per 4 KiB. Only advice: if refused, the mapping is as it was.
            // SAFETY: advice about a mapping just made here, of that length.
            unsafe { libc::madvise(ptr, rounded(size), libc::MADV_HUGEPAGE) };
        }
        ptr.cast()
    }

    /// Gives a mapping of `size` bytes made by [`map`] back to the kernel.
    ///
    /// # Safety
    /// `ptr` must come from [`map`] (or [`remap`]) with the same `size`, and not be used after.
    pub unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: per the caller, `ptr..ptr+rounded(size)` is one mapping of ours.
        unsafe { libc::munmap(ptr.cast(), rounded(size)) };
    }

    /// Moves a mapping of `old` bytes to one of `new` bytes, keeping its contents (pages are
    /// moved, not copied); null if it cannot, the old mapping then still valid.
    ///
    /// # Safety
    /// As for [`unmap`]; on success the old pointer is no longer valid.
    #[cfg(target_os = "linux")]
    pub unsafe fn remap(ptr: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: per the caller, `ptr` is one mapping of ours of `rounded(old)` bytes.
        let moved =
            unsafe { libc::mremap(ptr.cast(), rounded(old), rounded(new), libc::MREMAP_MAYMOVE) };
        if moved == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            moved.cast()
        }
    }
}

#[cfg(not(unix))]
mod mapped {
    //! No mappings off Unix: every block goes to the system allocator.
    pub const PAGE: usize = 0;
    pub fn map(_size: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub unsafe fn unmap(_ptr: *mut u8, _size: usize) {}
}

// SAFETY: small blocks are forwarded to `System` with the layout they were given, the only
// extra work writing inside blocks this allocator handed out and still owns; large ones are
// page-aligned anonymous mappings of at least the layout's size, made and given back here
// alone (`is_mapped` sends a block's every call the same way).
unsafe impl GlobalAlloc for ZeroOnFree {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_mapped(layout.size(), layout.align()) {
            return mapped::map(layout.size());
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_mapped(layout.size(), layout.align()) {
            // Anonymous pages read as zeros.
            return mapped::map(layout.size());
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes until it is given back below,
        // made by the same branch of `alloc` (same layout).
        unsafe {
            if is_mapped(layout.size(), layout.align()) {
                mapped::unmap(ptr, layout.size());
            } else {
                wipe(ptr, layout.size());
                System.dealloc(ptr, layout);
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if is_mapped(layout.size(), layout.align()) && is_mapped(new_size, layout.align()) {
            // SAFETY: `ptr` is our mapping of `layout.size()` bytes.
            let moved = unsafe { mapped::remap(ptr, layout.size(), new_size) };
            if !moved.is_null() {
                return moved;
            }
        }
        // Otherwise always move to a fresh block and give back (wiping if it is not mapped)
        // the whole old one: the system realloc may move a block silently (leaving a copy
        // behind) or shrink it in place (leaving the tail), and neither can be seen from here.
        // SAFETY: `new_size` is non-zero and, rounded to `layout.align()`, does not overflow
        // (the `GlobalAlloc::realloc` contract); `ptr` is live for `layout.size()` bytes.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let fresh = self.alloc(new_layout);
            if fresh.is_null() {
                return fresh;
            }
            std::ptr::copy_nonoverlapping(ptr, fresh, layout.size().min(new_size));
            self.dealloc(ptr, layout);
            fresh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_and_moved_blocks_are_zeroed_and_contents_survive_a_move() {
        let allocator = ZeroOnFree;
        let layout = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: the blocks are used within the layouts they were allocated with; the old
        // block is only inspected through `wipe`'s effect before being given back, which the
        // test reproduces by calling `wipe` directly on a block it still owns.
        unsafe {
            let block = allocator.alloc(layout);
            assert!(!block.is_null());
            std::ptr::copy_nonoverlapping(b"9912003888".as_ptr(), block, 10);
            let moved = allocator.realloc(block, layout, 4096);
            assert!(!moved.is_null());
            assert_eq!(std::slice::from_raw_parts(moved, 10), b"9912003888");
            wipe(moved, 4096);
            assert!(std::slice::from_raw_parts(moved, 4096)
                .iter()
                .all(|&b| b == 0));
            allocator.dealloc(moved, Layout::from_size_align(4096, 8).unwrap());

            let zeroed = allocator.alloc_zeroed(layout);
            assert!(std::slice::from_raw_parts(zeroed, 64)
                .iter()
                .all(|&b| b == 0));
            allocator.dealloc(zeroed, layout);
        }
    }

    #[test]
    fn large_blocks_are_mapped_and_keep_their_contents_as_they_grow_and_shrink() {
        let allocator = ZeroOnFree;
        let mut layout = Layout::from_size_align(MAPPED_FROM, 8).unwrap();
        // SAFETY: each realloc receives the block and layout of the previous step, and every
        // access stays within the current layout.
        unsafe {
            let zeroed = allocator.alloc_zeroed(layout);
            assert!(!zeroed.is_null());
            assert_eq!(zeroed as usize % mapped::PAGE.max(1), 0, "page-aligned");
            assert!(std::slice::from_raw_parts(zeroed, MAPPED_FROM)
                .iter()
                .all(|&b| b == 0));
            allocator.dealloc(zeroed, layout);

            let mut block = allocator.alloc(layout);
            assert!(!block.is_null());
            std::ptr::write_bytes(block, 7, MAPPED_FROM);
            for size in [3 << 20, (5 << 20) + 3, MAPPED_FROM + 1, 100, 1 << 22] {
                block = allocator.realloc(block, layout, size);
                assert!(!block.is_null());
                let kept = layout.size().min(size).min(100);
                assert!(std::slice::from_raw_parts(block, kept)
                    .iter()
                    .all(|&b| b == 7));
                layout = Layout::from_size_align(size, 8).unwrap();
            }
            allocator.dealloc(block, layout);
        }
    }

    #[test]
    fn ordinary_collections_work_on_top_of_it() {
        // Exercised through the real allocator entry points with a Vec-like growth pattern.
        let allocator = ZeroOnFree;
        let mut layout = Layout::from_size_align(1, 1).unwrap();
        // SAFETY: each realloc receives the block and layout of the previous step.
        unsafe {
            let mut block = allocator.alloc(layout);
            *block = 42;
            for size in [2usize, 7, 300, 5, 1 << 20, 3] {
                block = allocator.realloc(block, layout, size);
                assert_eq!(*block, 42);
                layout = Layout::from_size_align(size, 1).unwrap();
            }
            allocator.dealloc(block, layout);
        }
    }
}
