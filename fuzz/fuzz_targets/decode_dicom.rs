//! Arbitrary bytes through DICOM parsing and pixel decoding: whatever the input, the
//! pipeline must return an error or an image, never panic, hang or allocate without bound.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nir_viewer::imaging::{decode_image, DecodeLimits};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast and make oversized headers fail the size checks.
    let limits = DecodeLimits {
        max_rows: 2048,
        max_columns: 2048,
        max_frames: 64,
        max_decoded_bytes: 64 << 20,
    };
    if let Ok(image) = decode_image(data, &limits, None) {
        for frame in &image.frames {
            let _ = frame.output_values();
            let _ = frame.display8();
        }
    }
});
