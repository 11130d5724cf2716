//! Arbitrary bytes, in arbitrary chunks, through the streaming multipart parser (RFC 2046):
//! it must return parts or an error, never panic, and never hold much more room for a part
//! than the bytes that arrived, whatever `Content-Length` a part header declares.
#![no_main]

// Including the module installs its recording allocator for the whole target.
#[path = "common/largest_allocation.rs"]
mod largest_allocation;

use libfuzzer_sys::fuzz_target;
use nir_viewer::dicomweb::multipart::MultipartParser;

/// Room a part body may hold beyond twice what arrived (the parser's growth step).
const SLACK: usize = 9 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 64) + 1;
    let Ok(mut parser) = MultipartParser::new("fz") else {
        return;
    };
    largest_allocation::reset();
    for piece in body.chunks(chunk) {
        match parser.push(piece) {
            Ok(parts) => {
                for part in parts {
                    assert!(part.body.len() <= body.len());
                    assert!(part.body.capacity() <= 2 * part.body.len() + SLACK);
                }
            }
            Err(_) => return,
        }
    }
    let _ = parser.finish();
    assert!(
        largest_allocation::largest() <= 2 * body.len() + SLACK,
        "{} bytes allocated at once for {} bytes of input",
        largest_allocation::largest(),
        body.len()
    );
});
