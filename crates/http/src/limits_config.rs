//! The limits of one listener, as the configuration's `[limits]` sets them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub body_bytes: usize,
    pub query_bytes: usize,
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    /// Levels of lists and objects in one input value (argument or variable).
    pub input_depth: usize,
    /// Items in one input list.
    pub input_list_items: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            body_bytes: 1 << 20,
            query_bytes: 64 * 1024,
            depth: 15,
            complexity: 1000,
            aliases: 30,
            input_depth: 16,
            input_list_items: 1000,
        }
    }
}

impl LimitsConfig {
    /// The deepest bracket nesting a document within the other limits can have: a level per
    /// selection set, per input value level, the argument list and the operation's own braces,
    /// and a few for list types in variable definitions.
    pub fn text_nesting(&self) -> usize {
        self.depth + self.input_depth + 4
    }
}
