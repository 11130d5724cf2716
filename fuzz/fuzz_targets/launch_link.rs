//! Fuzzes the launch-link parser and what a link goes through on arrival (parsing, signed
//! context verification, the replay memory): any input must give a launch or a refusal,
//! never a panic, and an accepted link must hold what the parser promises (a valid NHS
//! number, `from` not after `to`, an https or loopback `iss`, a bounded `launch` id).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nir_viewer::launch::{
    is_acceptable_endpoint, is_fhir_id, parse_link, ContextKey, LaunchQueue, LaunchRequest,
    SignedContextPolicy,
};
use nir_viewer::nhs_number::NhsNumber;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Both link forms, with and without the scheme the fuzzer would otherwise rarely find.
    for raw in [text.to_owned(), format!("nir-viewer://open?{text}")] {
        match parse_link(&raw) {
            Ok(LaunchRequest::Open(context)) => {
                assert!(NhsNumber::parse(&context.nhs_number.as_digits()).is_ok());
                if let (Some(from), Some(to)) = (context.from, context.to) {
                    assert!(from <= to);
                }
            }
            Ok(LaunchRequest::Smart(launch)) => {
                assert!(is_acceptable_endpoint(&launch.iss));
                assert!(!launch.launch.is_empty() && launch.launch.len() <= 1024);
            }
            Err(_) => {}
        }
        let queue = LaunchQueue::default();
        for key in [ContextKey::None, ContextKey::Unreadable("fuzz".into())] {
            let policy = SignedContextPolicy {
                required: false,
                key,
                issuer: "https://epr.example.nhs.uk".into(),
                audience: "nir-viewer".into(),
                max_lifetime_secs: 300,
            };
            queue.queue(&raw, &policy, 1_700_000_000);
            // No key can verify anything: a signed context is never accepted.
            if let Some(Ok(launch)) = queue.take() {
                assert!(launch.claims.is_none());
            }
        }
    }
    let _ = is_fhir_id(text);
});
