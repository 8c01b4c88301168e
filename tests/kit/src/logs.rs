//! Captures the log lines a test produces, to assert what was (and was not) logged.
//!
//! The capture is the thread's default subscriber, so use it from a current-thread runtime
//! (`#[tokio::test]`'s default): everything the test's tasks log lands in it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use shared::telemetry::{LogSettings, subscriber};
use tracing::subscriber::DefaultGuard;

/// The log lines written while it is alive, in the JSON format Lambda gets.
#[derive(Debug)]
pub struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: DefaultGuard,
}

#[derive(Clone)]
struct Writer(Arc<Mutex<Vec<u8>>>);

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Starts capturing everything at `debug` and above.
    pub fn start() -> Self {
        // With the capture as the process's only subscriber, tracing caches "nobody listens"
        // for every log line another test's thread reaches first (`cargo test` runs tests on
        // threads of one process); a global subscriber that drops everything keeps those lines
        // enabled for the capture. Set once per process; later calls change nothing.
        let _ = tracing::dispatcher::set_global_default(tracing::Dispatch::new(
            tracing::subscriber::NoSubscriber::default(),
        ));
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Writer(buffer.clone());
        let guard =
            tracing::subscriber::set_default(subscriber(&LogSettings::json("debug"), move || {
                writer.clone()
            }));
        Self {
            buffer,
            _guard: guard,
        }
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        let bytes = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The captured lines.
    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }
}
