#![doc = include_str!("../README.md")]

mod accounts;
mod audit;
mod communities;
mod compliance;
mod dashboard;
mod dois;
mod drafts;
mod error;
mod files;
mod grants;
mod harvest;
mod identity;
mod incidents;
mod index_doc;
mod jobs;
mod links;
mod mail;
mod maintenance;
mod model;
mod multipart;
mod oai;
mod people;
mod policies;
mod publish;
mod records;
mod reindex;
mod retention;
mod sso;
mod staging;
mod tasks;
mod tessera;
mod unpack;
mod uploads;

pub use accounts::{NewSession, SESSION_LIFETIME, Session, WRONG_CREDENTIALS, random_token, same_secret};
pub use audit::{AUDIT_PAGE, AuditPage, AuditReport, Checkpoint, new_signing_key};
pub use compliance::{ComplianceReport, DatasetAccesses, MissingFields};
pub use dashboard::{Dashboard, WAITING_AGES};
pub use dois::DataCiteConfig;
pub use error::Error;
pub use files::{DraftFileList, FileDeclaration};
pub use grants::{AccessRequestInput, Approval, StewardedGrant};
pub use harvest::{HARVEST_FORMATS, HarvestRequest, HarvestSource, Origin, RemoteDoc, RemoteRecord};
pub use identity::{NewToken, TokenRequest};
pub use incidents::{REPORT_KINDS, ReportInput};
pub use index_doc::LOCAL_ORIGIN;
pub use mail::MailConfig;
pub use maintenance::{Damaged, RebuildReport, VerifyReport};
pub use model::{
    DeletedFile, DeletedFileView, Deletion, DraftFileView, DraftView, FileView, OwnRecords, PidDoc, RecordDoc, RecordInput, RecordView,
    SearchHit, SearchPage,
};
pub use multipart::{MAX_PARTS, MultipartRequest, MultipartView, PartUpload};
pub use oai::{COMMUNITY_SETS, ORGANIZATION_SETS, OaiItem, TYPE_SETS};
pub use people::{DatasetPeople, PeopleInput};
pub use policies::{Policy, PolicyInput};
pub use records::{ReadableFile, ReadableFiles, ReadablePage};
pub use reindex::IndexState;
pub use retention::{DueFiles, RetentionRun, ScheduleInput};
pub use sso::{PendingSignIn, SsoCallback, SsoProvider};
pub use tasks::{Failing, LONGEST_WAIT, TaskFailure, TaskKind, TaskStatus, TaskView};
pub use tessera::{Tessera, TesseraConfig};
pub use tessera_catalog::{
    AccessRequestRow, CheckRow, CommunityRow, DeletionRequestRow, Error as CatalogError, GrantRow, HarvestSourceRow, HoldRow, MemberRow,
    OaiRange, OrgRow, ReportRow, ScheduleRow, SecretLinkRow, TakedownRow, TokenRow, UserRow,
};
pub use tessera_domain as domain;
pub use tessera_search::{MAX_RESULT_WINDOW, SearchRequest, Sort};
pub use tessera_storage::ByteStream;
pub use unpack::Unpacked;
pub use uploads::{NewUpload, PIECE_ALGORITHMS, Piece, PieceCheck, UploadView};

pub type Result<T, E = Error> = std::result::Result<T, E>;
