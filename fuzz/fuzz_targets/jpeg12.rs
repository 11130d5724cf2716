//! Arbitrary codestreams through the 12-bit JPEG decoder and the JPEG entry point (which
//! also hands other precisions to jpeg-decoder), against an Image Pixel module taken from
//! the first bytes: never a panic, and never a block larger than the module's frame in the
//! decoder's widest working form (f32 planes padded to whole 8×8 blocks), whatever size the
//! frame header claims.
#![no_main]

// Including the module installs its recording allocator for the whole target.
#[path = "common/largest_allocation.rs"]
mod largest_allocation;

use libfuzzer_sys::fuzz_target;
use nir_viewer::imaging::jpeg::decode_jpeg_frame;
use nir_viewer::imaging::jpeg12::decode_twelve_bit;
use nir_viewer::imaging::pixel_module::{Photometric, PixelModule};

const OVERHEAD: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((header, codestream)) = data.split_first_chunk::<5>() else {
        return;
    };
    let rows = u32::from(u16::from_le_bytes([header[0], header[1]]) % 1024) + 1;
    let columns = u32::from(u16::from_le_bytes([header[2], header[3]]) % 1024) + 1;
    let colour = header[4] & 1 == 1;
    let module = PixelModule {
        rows,
        columns,
        frames: 1,
        samples_per_pixel: if colour { 3 } else { 1 },
        bits_allocated: if header[4] & 2 == 2 { 8 } else { 16 },
        bits_stored: if header[4] & 2 == 2 { 8 } else { 12 },
        signed: false,
        photometric: if colour {
            Photometric::Rgb
        } else {
            Photometric::Monochrome2
        },
        planar: false,
    };
    let padded = (rows as usize).div_ceil(8) * 8 * (columns as usize).div_ceil(8) * 8;
    let bound = padded * module.samples_per_pixel as usize * 4
        + codestream.len() * 4
        + OVERHEAD;
    largest_allocation::reset();
    let _ = decode_twelve_bit(codestream, &module);
    let _ = decode_jpeg_frame(codestream, &module);
    assert!(
        largest_allocation::largest() <= bound,
        "{} bytes allocated at once for a {columns}x{rows} frame",
        largest_allocation::largest()
    );
});
