//! Logging: structured `tracing` output that can never carry patient data. Every line
//! passes through the redaction in [`redact`] before it reaches stderr, so an NHS number,
//! a DICOM UID, a DICOM person name, a bearer token or a registered patient name that slips
//! into a message or a field is replaced by a placeholder. Nothing is logged to files.

/// An in-memory log for tests of what reaches the log (this crate's and the shell's).
#[cfg(any(test, feature = "test-support"))]
#[allow(
    clippy::unwrap_used,
    reason = "test helper: a poisoned lock is a failed test"
)]
mod capture;
mod redact;

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

#[cfg(any(test, feature = "test-support"))]
pub use capture::logged;
pub use redact::{
    forget_sensitive_terms, hold_sensitive_term, redact, register_sensitive_term, SensitiveTerm,
};

/// Installs the process-wide subscriber (stderr, redacted). `RUST_LOG` adjusts the level.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _already_set = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactingWriter::new(io::stderr))
        .with_ansi(false)
        .try_init();
}

/// A `MakeWriter` that redacts each formatted event before passing it on.
#[derive(Clone)]
pub struct RedactingWriter<M> {
    inner: M,
}

impl<M> RedactingWriter<M> {
    /// Wraps another writer factory.
    pub fn new(inner: M) -> Self {
        Self { inner }
    }
}

impl<'a, M> MakeWriter<'a> for RedactingWriter<M>
where
    M: MakeWriter<'a>,
{
    type Writer = LineRedactor<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        LineRedactor {
            inner: self.inner.make_writer(),
            pending: Vec::new(),
        }
    }
}

/// Buffers one event, redacts it, and writes it out when dropped or flushed.
pub struct LineRedactor<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for LineRedactor<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending);
            self.inner.write_all(redact(&text).as_bytes())?;
            self.pending.clear();
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for LineRedactor<W> {
    fn drop(&mut self) {
        let _ignored = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)] // read only through Debug, which is the point of the test
    struct Careless {
        patient_id: String,
        name: String,
    }

    #[test]
    fn nothing_identifying_reaches_the_log() {
        register_sensitive_term("Alexandra Testpatient");
        let text = logged(|| {
            tracing::info!(
                nhs = "9912003888",
                "looking up 991 200 3888 and 991-200-3888"
            );
            tracing::warn!(study = "1.2.826.0.1.3680043.8.498.12345", "opened");
            tracing::error!(header = "Bearer abc.def-ghi_jkl", "refused");
            tracing::info!(
                token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
                "token refreshed"
            );
            let careless = Careless {
                patient_id: "9000000009".into(),
                name: "TESTPATIENT^ALEXANDRA".into(),
            };
            tracing::info!(?careless, "a careless debug print");
            tracing::info!("viewing Alexandra Testpatient");
        });
        forget_sensitive_terms();
        for leak in [
            "9912003888",
            "991 200 3888",
            "991-200-3888",
            "9000000009",
            "1.2.826.0.1.3680043.8.498.12345",
            "abc.def-ghi_jkl",
            "eyJhbGciOiJSUzI1NiJ9",
            "TESTPATIENT^ALEXANDRA",
            "Alexandra Testpatient",
        ] {
            assert!(!text.contains(leak), "{leak} leaked into the log:\n{text}");
        }
        assert!(
            text.contains("looking up"),
            "the rest of the message survives:\n{text}"
        );
        assert_eq!(text.lines().count(), 6, "{text}");
    }
}
