//! Fuzzes the FHIR search Bundle and OperationOutcome readers: any input must give a page,
//! an outcome or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = nir_viewer::registry::fhir::parse_bundle(data, &[]);
    let _ = nir_viewer::registry::fhir::parse_operation_outcome(data);
});
