//! Integration tests: every test starts a real Gatehouse on free ports, on a fresh SQLite
//! file, or on a fresh PostgreSQL database when `GATEHOUSE_TEST_DATABASE_URL` names a server.

mod basic_auth;
mod binary;
mod binary_logging;
mod cli_admin;
mod cli_import;
mod cli_strapi;
mod cli_support;
mod connections;
mod endpoints_pages;
mod endpoints_sdl;
mod endpoints_sse;
mod endpoints_sse_shared;
mod foundation;
mod fuzz_inputs;
mod hardening;
mod rest_auth;
mod rest_listing;
mod rest_mail_flows;
mod rest_roles;
mod rest_sessions;
#[allow(dead_code)] // Each REST suite uses its own part of the support.
mod rest_support;
mod rest_transport;
mod rest_users;
mod sqlite_shared_file;
mod transport;
mod transport_documents;
mod user_authorization;
mod user_authorization_support;
mod user_cors;
mod user_cost;
mod user_crud;
mod user_deep_pages;
mod user_email;
mod user_limits;
mod user_listing;
mod user_nulls;
mod user_sessions;
#[allow(dead_code)] // Each user suite uses its own part of the support.
mod user_support;
mod user_validation;

mod admin_account;
mod admin_auth;
mod admin_domain;
mod admin_paging;
mod admin_protection;
mod admin_server;
mod admin_support;
