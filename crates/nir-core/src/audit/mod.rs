//! The audit trail NIR requires: who accessed what, when, with what outcome. Each event
//! becomes a FHIR R4 `AuditEvent` shaped after the IHE Basic Audit Log Patterns (BALP)
//! profile, is queued in memory and sent to the organisation's audit endpoint (FHIR
//! `POST AuditEvent`, or syslog RFC 5424 over TLS) with retry. Events name the patient by
//! NHS number and the records by their ids — never pixel data, report text or names — and
//! nothing is ever written to disk: what cannot be sent before exit is reported instead.

mod configured;
mod event;
mod fhir;
mod sink;
mod trail;

pub use configured::{live_trail, sink_from_settings, DELIVERY_INTERVAL};
pub use event::{Action, Actor, AuditEvent, EntityRef, Outcome};
pub use fhir::to_fhir_audit_event;
pub use sink::{AuditSink, FhirAuditSink, SinkError, SyslogTlsSink};
pub use trail::{AuditTrail, FlushReport};
