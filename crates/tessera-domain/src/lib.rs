#![doc = include_str!("../README.md")]

pub mod access;
pub mod audit;
pub mod authz;
pub mod edtf;
pub mod file_key;
pub mod identifiers;
pub mod ids;
pub mod metadata;
pub mod policy;
pub mod problem;
pub mod retention;
pub mod validate;
pub mod vocab;

pub use access::{Access, DataClass, Embargo, Visibility};
pub use authz::{
    Action, Decision, GrantState, LinkPermission, Membership, ResourceFacts, Role, Scope, Scopes, SecretLink, Subject, authorize,
};
pub use file_key::FileKey;
pub use identifiers::ArkMinter;
pub use ids::{GrantId, OrgId, ParentId, RecordId, TokenId, UserId};
pub use metadata::Metadata;
pub use problem::Problem;
