//! The XCA client against an Initiating Gateway written from IHE ITI TF-2 (§3.38, §3.39,
//! Appendix V), separate from the embedded sandbox and reading requests with its own
//! namespace-aware XML reader: discovery answers of every shape, ITI-39 retrieval over
//! MTOM/XOP, and the live conformance checks built on them.

mod conformance_checks;
mod kos;
mod responder;
mod scenarios;
mod soap_xml;
