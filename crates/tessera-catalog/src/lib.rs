#![doc = include_str!("../README.md")]

mod catalog;
mod error;
mod rows;

pub use catalog::{Catalog, Engine, OaiRange};
pub use error::Error;
pub use rows::{
    AccessRequestRow, CheckRow, CommunityRow, DeletionRequestRow, DraftFileRow, DraftRow, FileRow, GrantRow, HarvestProgress,
    HarvestSourceRow, HoldRow, IdentityUser, JobRow, MemberRow, OaiItemRow, OrgRow, PolicyVersionRow, RecordRow, RecordStats,
    RemoteRecordRow, ReportRow, ScheduleRow, SecretLinkRow, SessionRow, TakedownRow, TokenRow, UploadRow, UserRow,
};

pub type Result<T, E = Error> = std::result::Result<T, E>;
