//! End-to-end tests: each starts the real `tessera` binary on a free port with its own data
//! folder, and drives it over HTTP and through its CLI.

mod access;
mod audit;
mod bad_input;
mod bags;
mod browser;
mod cli;
mod compliance;
mod crash;
mod dois;
mod embargo;
mod exports;
mod fuzz;
mod harvest;
mod helpers;
mod identity;
mod incidents;
mod lifecycle;
mod mail;
mod oai;
mod openapi;
mod organizations;
mod pages;
mod policies;
mod retention;
mod search_index;
mod sessions;
mod sso;
mod tasks;
mod unpack;
mod uploads;
mod zenodo;
