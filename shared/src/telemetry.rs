//! Logging: JSON lines in Lambda, readable text locally.
//!
//! In Lambda the format and level follow the function's logging configuration
//! (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`); locally `RUST_LOG` sets the level. Every
//! line written while a request is handled carries the request span, and so its request id
//! (see [`crate::http`]).

use tracing::Subscriber;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

use crate::config::Env;

/// How logs are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    json: bool,
    filter: String,
}

impl LogSettings {
    /// JSON lines at `filter`: a level, then `target=level` pairs (`info,aws_config=warn`).
    pub fn json(filter: &str) -> Self {
        Self {
            json: true,
            filter: filter.to_owned(),
        }
    }

    /// Human-readable text at `filter`.
    pub fn text(filter: &str) -> Self {
        Self {
            json: false,
            filter: filter.to_owned(),
        }
    }

    /// Lambda's advanced logging controls when present, else `RUST_LOG`, else `info`.
    /// In Lambda the default format is JSON; `AWS_LAMBDA_LOG_FORMAT=Text` turns it off.
    pub fn from_env(env: &Env) -> Self {
        let json = match env.optional("AWS_LAMBDA_LOG_FORMAT") {
            Some(format) => format.eq_ignore_ascii_case("json"),
            None => env.in_lambda(),
        };
        let filter = match env.optional("AWS_LAMBDA_LOG_LEVEL") {
            // Lambda's levels are coarse; keep the SDK's chatter out at INFO and below.
            Some(level) => {
                let level = match level.to_ascii_lowercase().as_str() {
                    "fatal" => "error".to_owned(),
                    other => other.to_owned(),
                };
                format!("{level},aws_config=warn,aws_smithy_runtime=warn,hyper=warn")
            }
            None => env.optional("RUST_LOG").unwrap_or("info").to_owned(),
        };
        Self { json, filter }
    }
}

/// A subscriber writing to `writer`; for tests and for [`init`].
pub fn subscriber<W>(settings: &LogSettings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = settings
        .filter
        .parse::<Targets>()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO));
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::level_filters::LevelFilter::TRACE)
        .with_writer(writer)
        .with_target(false);
    if settings.json {
        Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish()
                .with(filter),
        )
    } else {
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
        Box::new(builder.with_ansi(ansi).compact().finish().with(filter))
    }
}

/// Installs the process-wide subscriber, writing to stdout (which Lambda ships to CloudWatch).
/// Call once, first thing in `main`.
pub fn init(env: &Env) {
    let settings = LogSettings::from_env(env);
    // A second call (a test harness, say) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber(&settings, std::io::stdout));
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A log writer that keeps what it is given, for tests.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        pub(crate) fn lines(&self) -> Vec<String> {
            String::from_utf8(self.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect()
        }
    }

    #[test]
    fn a_level_then_targets_decides_what_is_written() {
        let captured = Captured::default();
        let writer = captured.clone();
        let settings = LogSettings::json("info,aws_config=warn,content=debug");
        let _guard =
            tracing::subscriber::set_default(subscriber(&settings, move || writer.clone()));
        tracing::info!(target: "shared", "kept: info by default");
        tracing::debug!(target: "shared", "dropped: debug by default");
        tracing::info!(target: "aws_config::meta", "dropped: the SDK at info");
        tracing::warn!(target: "aws_config::meta", "kept: the SDK at warn");
        tracing::debug!(target: "content::store", "kept: content at debug");
        let lines = captured.lines();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines.iter().all(|line| line.contains("kept")), "{lines:?}");
    }

    #[test]
    fn a_filter_that_does_not_parse_writes_info() {
        let captured = Captured::default();
        let writer = captured.clone();
        let settings = LogSettings::text("content=[loud]");
        let _guard =
            tracing::subscriber::set_default(subscriber(&settings, move || writer.clone()));
        tracing::info!("kept");
        tracing::debug!("dropped");
        assert_eq!(captured.lines().len(), 1, "{:?}", captured.lines());
    }

    #[test]
    fn lambda_defaults_to_json_at_info() {
        let env = Env::from_pairs([("AWS_LAMBDA_FUNCTION_NAME", "auth")]);
        assert_eq!(LogSettings::from_env(&env), LogSettings::json("info"));
    }

    #[test]
    fn lambda_log_controls_win_over_rust_log() {
        let env = Env::from_pairs([
            ("AWS_LAMBDA_FUNCTION_NAME", "auth"),
            ("AWS_LAMBDA_LOG_FORMAT", "Text"),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("RUST_LOG", "trace"),
        ]);
        let settings = LogSettings::from_env(&env);
        assert!(!settings.json);
        assert!(settings.filter.starts_with("debug,"), "{}", settings.filter);
    }

    #[test]
    fn locally_text_follows_rust_log() {
        let env = Env::from_pairs([("RUST_LOG", "content=debug")]);
        assert_eq!(
            LogSettings::from_env(&env),
            LogSettings::text("content=debug")
        );
    }

    #[test]
    fn fatal_maps_to_error() {
        let env = Env::from_pairs([("AWS_LAMBDA_LOG_LEVEL", "FATAL")]);
        assert!(LogSettings::from_env(&env).filter.starts_with("error,"));
    }
}
