//! Fuzzes the XCA readers: ITI-38 query responses and ITI-39 MTOM retrieve responses.
#![no_main]

use libfuzzer_sys::fuzz_target;

const MTOM: &str = "multipart/related; boundary=MIMEBoundary_nirtest; type=\"application/xop+xml\"";

fuzz_target!(|data: &[u8]| {
    let _ = nir_viewer::registry::xca::parse_query_response(data, &[]);
    let _ = nir_viewer::registry::xca::parse_retrieve_response(MTOM, data);
});
