#![doc = include_str!("../README.md")]

mod error;
mod inventory;
mod layout;
mod manifest;
mod pathmap;
mod repo;
mod sharing;
mod spill;
#[cfg(test)]
mod streamed;
pub mod validate;

pub use error::Error;
pub use inventory::{Inventory, PathMap, Paths, User, Version};
pub use layout::object_root;
pub use repo::{Batches, ByDigest, Document, FileSource, Hierarchy, NewVersion, OcflRepo, ReadInventory};
pub use sharing::Carried;
pub use spill::SpilledState;
pub use validate::{Finding, Report, check_placement, checks_at_once, validate_object, validate_object_counting};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The inventory `type` this crate writes.
pub const INVENTORY_TYPE: &str = "https://ocfl.io/1.1/spec/#inventory";
