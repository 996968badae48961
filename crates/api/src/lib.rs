//! The two GraphQL APIs: the Strapi-compatible user API and the MongooseIM-shaped admin API,
//! each a module of thin resolvers over the core plugged into the shared HTTP transport; and
//! the user API's REST twin, Strapi's REST routes over the same core.

pub mod admin;
pub mod nulls;
pub mod rest;
pub mod user;
