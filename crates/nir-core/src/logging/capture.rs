//! Logging into memory for tests: [`logged`] runs a closure under a subscriber that formats
//! like the process-wide one and passes every line through the same redaction, then hands
//! back what reached the "log". Nothing is written anywhere else.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use super::RedactingWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What `lines` logs on this thread, after redaction, as text.
pub fn logged(lines: impl FnOnce()) -> String {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(RedactingWriter::new(move || sink.clone()))
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, lines);
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8_lossy(&bytes).into_owned()
}
