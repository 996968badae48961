//! Gatehouse: a multi-tenant users & permissions server with a GraphQL API.
//!
//! Layers, from the inside out: [`core`] (domains, users, roles, permissions, tokens, events;
//! no HTTP, no SQL), [`storage`] (the core's `Store` on SQLite or PostgreSQL), [`api`] (the
//! user and admin GraphQL schemas, thin resolvers over the core), [`http`] (GraphQL over
//! HTTP shared by every endpoint, and the listeners), and [`cli`] (a client of the admin API).

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod http;
pub mod storage;
pub mod telemetry;
