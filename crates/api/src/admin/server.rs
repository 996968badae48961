//! `server`: the running process.

use async_graphql::{Context, Enum, Object, SimpleObject};

use super::ServerInfo;
use super::core;
use super::error::AdminResult;
use super::protection::{ProtectedType, protected};

/// The process's log filter, which the program that runs the API installs (the server's
/// telemetry).
pub trait LogLevels: Send + Sync {
    fn current(&self) -> String;
    fn set(&self, filter: &str) -> Result<(), String>;
}

static LOG_LEVELS: std::sync::OnceLock<&'static dyn LogLevels> = std::sync::OnceLock::new();

/// Hands the process's log filter to `getLoglevel`/`setLoglevel` (the first call wins).
pub fn install_log_levels(levels: &'static dyn LogLevels) {
    let _ = LOG_LEVELS.set(levels);
}

fn current_level() -> String {
    LOG_LEVELS.get().map_or_else(|| "info".into(), |levels| levels.current())
}

fn set_level(filter: &str) -> Result<(), String> {
    LOG_LEVELS.get().ok_or("This process has no log filter to change")?.set(filter)
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StatusCode {
    Running,
    NotRunning,
}

#[derive(SimpleObject)]
pub struct Status {
    pub status_code: StatusCode,
    pub message: String,
    pub version: String,
    pub uptime_seconds: i64,
    /// `sqlite` or `postgres`.
    pub storage: String,
}

/// Log levels, most quiet first. `ALL` includes tracing's `trace` level.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum LogLevel {
    None,
    Error,
    Warning,
    Info,
    Debug,
    All,
}

impl LogLevel {
    fn filter(self) -> &'static str {
        match self {
            LogLevel::None => "off",
            LogLevel::Error => "error",
            LogLevel::Warning => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::All => "trace",
        }
    }

    /// The default level of a filter (`info,sqlx=warn` is INFO).
    fn of_filter(filter: &str) -> LogLevel {
        let default = filter.split(',').map(str::trim).find(|d| !d.contains('=')).unwrap_or("info");
        match default.to_ascii_lowercase().as_str() {
            "off" => LogLevel::None,
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warning,
            "debug" => LogLevel::Debug,
            "trace" => LogLevel::All,
            _ => LogLevel::Info,
        }
    }
}

#[derive(Default)]
pub struct ServerAdminQuery;

/// The server.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl ServerAdminQuery {
    /// Whether the server runs, its version, uptime and storage.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn status(&self, ctx: &Context<'_>) -> AdminResult<Option<Status>> {
        let started = ctx.data_unchecked::<ServerInfo>().started;
        Ok(Some(Status {
            status_code: StatusCode::Running,
            message: "Gatehouse is running".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            uptime_seconds: started.elapsed().as_secs() as i64,
            storage: core(ctx).backend().into(),
        }))
    }

    /// The current log level.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn get_loglevel(&self) -> Option<LogLevel> {
        Some(LogLevel::of_filter(&current_level()))
    }
}

#[derive(Default)]
pub struct ServerAdminMutation;

/// The server.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl ServerAdminMutation {
    /// Sets the log level of the whole process, at once (until the next restart).
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn set_loglevel(&self, level: LogLevel) -> AdminResult<Option<String>> {
        set_level(level.filter()).map_err(async_graphql::Error::new)?;
        tracing::info!(level = level.filter(), "log level changed through the admin API");
        Ok(Some("Log level successfully set.".into()))
    }
}
