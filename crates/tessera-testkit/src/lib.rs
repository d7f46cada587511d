#![doc = include_str!("../README.md")]

mod database;
mod fixtures;
mod server;

pub use database::{DatabaseUrl, fresh_postgres};
pub use fixtures::fixtures_dir;
pub use server::{TestServer, TestServerConfig, describe};
