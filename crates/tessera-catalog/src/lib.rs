#![doc = include_str!("../README.md")]

mod catalog;
mod error;
mod memo;
mod rows;

pub use catalog::{Catalog, Engine, OaiRange};
pub use error::Error;
pub use memo::MEMO_AGE;
pub use rows::{
    AccessRequestRow, CheckRow, CommunityRow, DeletedFileRow, DeletionRequestRow, DownloadRow, DraftFileRow, DraftRow, FileRow, GrantRow,
    HarvestProgress, HarvestSourceRow, HoldRow, IdentityUser, JobRow, MemberRow, OaiItemRow, OrgRow, Placements, PolicyVersionRow, Present,
    Published, RecordFiles, RecordRow, RecordStats, RemoteRecordRow, ReportRow, ScheduleRow, SecretLinkRow, SessionRow, TakedownRow,
    TaskEnd, TaskRow, TokenRow, UploadRow, UserRow,
};

pub type Result<T, E = Error> = std::result::Result<T, E>;
