//! Logging to stderr, as text or JSON lines. The filter can be changed at run time (the admin
//! API's `setLoglevel`).

use std::sync::{Mutex, OnceLock};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

use crate::config::LogFormat;

static FILTER: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();
/// The filter in force, as text (what `setLoglevel` last set, else the start-up filter).
static CURRENT: Mutex<String> = Mutex::new(String::new());

/// Installs the global subscriber writing text lines (once; later calls do nothing).
pub fn init(level: &str) {
    init_with_format(level, LogFormat::Text);
}

/// Installs the global subscriber (once; later calls do nothing). `RUST_LOG` wins over `level`.
pub fn init_with_format(level: &str, format: LogFormat) {
    let text = std::env::var("RUST_LOG").ok().filter(|f| EnvFilter::try_new(f).is_ok()).unwrap_or(level.to_string());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let (filter, handle) = reload::Layer::new(filter);
    let lines = (format == LogFormat::Text).then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
    // Each event as one JSON object on one line, with the fields of its spans.
    let json = (format == LogFormat::Json)
        .then(|| tracing_subscriber::fmt::layer().json().with_ansi(false).with_writer(std::io::stderr));
    let installed = tracing_subscriber::registry().with(filter).with(lines).with(json).try_init();
    if installed.is_ok() {
        let _ = FILTER.set(handle);
        remember(&text);
    }
}

/// Replaces the log filter at once. Without a subscriber (an embedding program, the tests)
/// there is nothing to reload; the filter is only remembered.
pub fn set_level(level: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(level).map_err(|e| e.to_string())?;
    if let Some(handle) = FILTER.get() {
        handle.reload(filter).map_err(|e| e.to_string())?;
    }
    remember(level);
    Ok(())
}

/// The filter in force (`info` until something else is set).
pub fn current_level() -> String {
    let current = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
    if current.is_empty() { "info".to_string() } else { current }
}

fn remember(level: &str) {
    if let Ok(mut current) = CURRENT.lock() {
        *current = level.to_string();
    }
}

/// The filter above, for the admin API's `getLoglevel` and `setLoglevel`.
pub struct ProcessLog;

impl gatehouse_api::admin::LogLevels for ProcessLog {
    fn current(&self) -> String {
        current_level()
    }
    fn set(&self, filter: &str) -> Result<(), String> {
        set_level(filter)
    }
}
