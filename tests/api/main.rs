//! Integration tests: every test starts a real Gatehouse on free ports, on a fresh SQLite
//! file, or on a fresh PostgreSQL database when `GATEHOUSE_TEST_DATABASE_URL` names a server.

#[allow(dead_code)] // Each suite uses its own part of the harness.
mod helpers;

mod config;
mod endpoints_pages;
mod endpoints_sdl;
mod endpoints_sse;
mod foundation;
mod transport;

mod admin_auth;
mod admin_domain;
mod admin_protection;
mod admin_server;
mod admin_support;
