//! Imaging history discovery end to end: every sandbox scenario run through BOTH backends
//! (FHIR and XCA) by the same behaviour functions (`scenarios`), ITI-39 retrieval of
//! manifests and reports, and the failure table of `docs/failure-behaviour.md`
//! (`failures`) against the sandbox or a small scripted loopback server.

mod failures;
mod fake_gateway;
mod harness;
mod scenarios;
