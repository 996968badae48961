use async_trait::async_trait;

use crate::error::StoreResult;

/// A rate-limit window as the database counts it, shared by every node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedWindow {
    /// Hits in the window, this one included (or, for a check, so far).
    pub hits: i64,
    /// Milliseconds until the window ends.
    pub remaining_ms: i64,
}

#[async_trait]
pub trait RateStore: Send + Sync + 'static {
    /// Whether windows are kept here for every node (PostgreSQL); when false, each node counts
    /// in its own memory and the methods below are not called (SQLite: one node).
    fn shares_rate_windows(&self) -> bool;
    /// Counts a hit on `key` in one statement: a window that has ended starts again with this
    /// hit and lasts `interval_ms` (the database's clock, so the nodes' clocks do not matter).
    async fn hit_window(&self, key: &str, interval_ms: i64) -> StoreResult<SharedWindow>;
    /// The key's window, without counting a hit; none when it has ended or never started.
    async fn peek_window(&self, key: &str) -> StoreResult<Option<SharedWindow>>;
    /// Deletes the windows that have ended.
    async fn sweep_windows(&self) -> StoreResult<()>;
}
