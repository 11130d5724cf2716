//! Arbitrary bytes through the declared-length check that runs before DICOM parsing: it
//! must never panic, and when it lets an object through, parsing that object must never
//! ask for a block larger than the input could inflate to (a deflated data set expands at
//! most about 1032:1, RFC 1951), however large the lengths its headers declare.
#![no_main]

// Including the module installs its recording allocator for the whole target.
#[path = "common/largest_allocation.rs"]
mod largest_allocation;

use libfuzzer_sys::fuzz_target;
use nir_viewer::imaging::declared_lengths::{check_declared_lengths, Scope};
use nir_viewer::imaging::source::parse_dicom;

/// Fixed overhead a parse may allocate whatever the input (buffers, dictionaries).
const OVERHEAD: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let _ = check_declared_lengths(data, Scope::BeforePixelData);
    if check_declared_lengths(data, Scope::Whole).is_err() {
        return;
    }
    largest_allocation::reset();
    let _ = parse_dicom(data);
    let bound = data.len().saturating_mul(1100).saturating_add(OVERHEAD);
    assert!(
        largest_allocation::largest() <= bound,
        "{} bytes allocated at once while parsing {} bytes",
        largest_allocation::largest(),
        data.len()
    );
});
