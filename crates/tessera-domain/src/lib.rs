#![doc = include_str!("../README.md")]

pub mod access;
pub mod authz;
pub mod edtf;
pub mod file_key;
pub mod identifiers;
pub mod ids;
pub mod metadata;
pub mod problem;
pub mod validate;
pub mod vocab;

pub use access::{Access, Embargo, Visibility};
pub use authz::{Action, Decision, ResourceFacts, Subject, authorize};
pub use file_key::FileKey;
pub use ids::{ParentId, RecordId, UserId};
pub use metadata::Metadata;
pub use problem::Problem;
