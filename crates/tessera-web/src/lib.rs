#![doc = include_str!("../README.md")]

mod api;
mod error;
mod extract;
mod health;
mod oai;
mod openapi;
mod router;
mod state;
mod ui;
mod wire;

pub use router::router;
pub use state::{AppState, WebConfig};
pub use wire::key_path;
