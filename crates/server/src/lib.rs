//! Gatehouse put together: the configuration, logging, and the start of storage, core and
//! listeners, shared by `serve` and the commands that work on the database.

pub mod app;
pub mod boot;
pub mod config;
pub mod limits;
pub mod telemetry;
