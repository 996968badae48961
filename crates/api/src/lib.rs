//! The two GraphQL APIs: the Strapi-compatible user API and the MongooseIM-shaped admin API.
//! Each is a module of thin resolvers over the core, plugged into the shared HTTP transport.

pub mod admin;
pub mod nulls;
pub mod user;
