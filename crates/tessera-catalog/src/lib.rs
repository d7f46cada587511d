#![doc = include_str!("../README.md")]

mod catalog;
mod error;
mod rows;

pub use catalog::{Catalog, Engine};
pub use error::Error;
pub use rows::{
    AccessRequestRow, DraftFileRow, DraftRow, FileRow, GrantRow, IdentityUser, JobRow, MemberRow, OrgRow, RecordRow, RecordStats,
    SecretLinkRow, SessionRow, TokenRow, UserRow,
};

pub type Result<T, E = Error> = std::result::Result<T, E>;
