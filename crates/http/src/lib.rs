//! The HTTP side shared by every endpoint: GraphQL over HTTP, subscriptions over SSE, GraphiQL,
//! the docs, and the listeners.

pub mod answers;
pub mod assets;
pub mod basic_auth;
pub mod cors;
pub mod docs;
pub mod documents;
pub mod graphiql;
pub mod graphql;
mod idle;
pub mod inputs;
pub mod limits;
mod limits_config;
pub mod metrics;
pub mod negotiate;
pub mod ops;
pub mod protection;
pub mod rejection;
pub mod request;
pub mod server;
pub mod shared_extension;
pub mod sse;
mod trace;
pub mod validated;

pub use graphql::{Endpoint, Mounted, RequestErrorKind, RequestHead, Transport};
pub use limits_config::{ConnectionLimits, LimitsConfig};
pub use rejection::Rejection;
