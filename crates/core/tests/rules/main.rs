//! The core's rules, exercised without HTTP on the real store (a fresh SQLite file, or a
//! database on the test PostgreSQL when `GATEHOUSE_TEST_DATABASE_URL` is set).

mod caching;
mod permissions;
mod register;
mod support;
mod tokens;
mod updates;
