//! `server`: the running process.

use async_graphql::{Context, Enum, Object, SimpleObject};

use super::ServerInfo;
use super::core;
use super::error::AdminResult;
use super::protection::{ProtectedType, protected};
use crate::telemetry;

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
            storage: core(ctx).store.backend().into(),
        }))
    }

    /// The current log level.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn get_loglevel(&self) -> Option<LogLevel> {
        Some(LogLevel::of_filter(&telemetry::current_level()))
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
        telemetry::set_level(level.filter()).map_err(async_graphql::Error::new)?;
        tracing::info!(level = level.filter(), "log level changed through the admin API");
        Ok(Some("Log level successfully set.".into()))
    }
}
