#![doc = include_str!("../README.md")]

mod database;
mod fixtures;
mod server;

pub use database::{DatabaseUrl, fresh_postgres, fresh_postgres_ordering_by_language};
pub use fixtures::fixtures_dir;
pub use server::{TestServer, TestServerConfig, describe};
