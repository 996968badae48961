//! The limits of one listener, as the configuration's `[limits]` sets them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub body_bytes: usize,
    pub query_bytes: usize,
    pub depth: usize,
    /// The most a query may cost: one per field, a list counting its page size times what
    /// it selects.
    pub complexity: usize,
    pub aliases: usize,
    /// The most records (users, roles, permissions) one user API response may carry.
    pub response_records: usize,
    /// Levels of lists and objects in one input value (argument or variable).
    pub input_depth: usize,
    /// Items in one input list.
    pub input_list_items: usize,
    /// Seconds a connection may take to send a request's head; also the longest wait for the
    /// next request on a kept-alive connection.
    pub header_timeout_seconds: u64,
    /// Seconds a request body may take to arrive.
    pub body_timeout_seconds: u64,
    /// Seconds a connection may go without a byte read or written (event streams send
    /// keep-alives more often than this).
    pub idle_timeout_seconds: u64,
    /// Open connections per listener; more are answered 503 and closed.
    pub max_connections: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            body_bytes: 1 << 20,
            query_bytes: 64 * 1024,
            depth: 15,
            complexity: 5000,
            aliases: 30,
            response_records: 10_000,
            input_depth: 16,
            input_list_items: 1000,
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            idle_timeout_seconds: 60,
            max_connections: 10_000,
        }
    }
}

/// How one listener treats its connections (see [`LimitsConfig`]).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// How long open requests may run on after the listener stops accepting.
    pub drain: Duration,
}

impl LimitsConfig {
    pub fn connections(&self, drain: Duration) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(self.header_timeout_seconds),
            body_timeout: Duration::from_secs(self.body_timeout_seconds),
            idle_timeout: Duration::from_secs(self.idle_timeout_seconds),
            max_connections: self.max_connections,
            drain,
        }
    }

    /// The deepest bracket nesting a document within the other limits can have: a level per
    /// selection set, per input value level, the argument list and the operation's own braces,
    /// and a few for list types in variable definitions.
    pub fn text_nesting(&self) -> usize {
        self.depth + self.input_depth + 4
    }
}
