//! The command line beyond `serve`: `admin` (a client of the admin API), `import` and
//! `export` (bulk users, straight on the configured database).

pub mod admin;
mod database;
pub mod export;
pub mod import;
pub mod records;
