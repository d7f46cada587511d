//! Rows as the catalogue stores them. Documents are JSON text; `tessera-app` gives them meaning.

use tessera_domain::{GrantId, OrgId, ParentId, RecordId, Role, Scopes, TokenId, UserId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub is_admin: bool,
    pub created: String,
}

/// Whom a new identity at an OpenID provider belongs to.
#[derive(Clone, Copy, Debug)]
pub enum IdentityUser<'a> {
    /// A new account, made with the identity.
    New {
        email: &'a str,
        name: Option<&'a str>,
    },
    Existing(UserId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftRow {
    pub id: RecordId,
    pub parent_id: ParentId,
    pub owner_id: UserId,
    /// `new`, `edit` (of a published record) or `version` (a new version of one).
    pub kind: String,
    pub doc: String,
    pub created: String,
    pub updated: String,
}

/// A resumable upload (tus, or a multipart transfer) that becomes the file `key` of its draft
/// when all `length` bytes have arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRow {
    pub id: String,
    pub owner_id: UserId,
    pub draft_id: RecordId,
    pub key: String,
    pub length: i64,
    /// Bytes written and made durable.
    pub received: i64,
    /// The client's `Upload-Metadata` header, as sent.
    pub metadata: String,
    pub created: String,
    pub expires: String,
    /// When it became the draft's file.
    pub completed: Option<String>,
    /// For a multipart transfer, every part's size but the last's; None for tus.
    pub part_size: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftFileRow {
    pub draft_id: RecordId,
    pub key: String,
    /// `pending` until its content is committed, then `completed`.
    pub status: String,
    pub size: Option<i64>,
    pub md5: Option<String>,
    pub sha512: Option<String>,
    /// True when the content is in the staging area; false when it is carried over from storage.
    pub staged: bool,
    pub created: String,
    pub updated: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRow {
    pub id: RecordId,
    pub parent_id: ParentId,
    pub version_index: i64,
    pub owner_id: Option<UserId>,
    /// The organization that owns the dataset, as its document says.
    pub org_id: Option<OrgId>,
    /// The OCFL version of the parent's object that holds this record's current state.
    pub ocfl_version: i64,
    pub doc: String,
    pub created: String,
    pub updated: String,
}

/// A published record version as OAI-PMH harvesters see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OaiItemRow {
    pub record_id: RecordId,
    /// Its place in the feed, after `datestamp`: the order changes are made in.
    pub seq: i64,
    pub datestamp: String,
    pub deleted: bool,
    /// The record's document.
    pub doc: String,
    pub sets: Vec<String>,
}

/// A community: a collection an organization's curators keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunityRow {
    pub id: String,
    pub title: String,
    pub organization: OrgId,
    pub created: String,
}

/// A partner repository harvested over OAI-PMH, and how far its harvest has come.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HarvestSourceRow {
    pub id: i64,
    pub name: String,
    pub base_url: String,
    /// Empty for the whole repository.
    pub set_spec: String,
    pub metadata_prefix: String,
    pub repository_name: String,
    pub seconds: bool,
    pub created: String,
    pub harvested_from: Option<String>,
    pub resume_token: Option<String>,
    pub list_started: Option<String>,
    pub last_finished: Option<String>,
    /// As the repository's Identify says: `no`, `transient` or `persistent`.
    pub deleted_record: String,
    /// Whether the list in progress asks for every record (no `from`).
    pub list_full: bool,
    /// When the last complete list of every record began.
    pub last_full: Option<String>,
}

/// Where a harvest stands after a page: the next page's token and when the list began, or
/// none when the list is complete; whether the list asks for every record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HarvestProgress {
    pub resume_token: Option<String>,
    pub list_started: Option<String>,
    pub list_full: bool,
}

/// A record harvested from a partner repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteRecordRow {
    pub id: i64,
    pub source_id: i64,
    pub identifier: String,
    pub datestamp: String,
    pub doc: String,
}

/// A published record's place among its dataset's versions, and its files' totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordStats {
    pub id: RecordId,
    pub latest_id: RecordId,
    pub versions_count: i64,
    pub files_count: i64,
    pub files_bytes: i64,
    /// Whether the record's dataset is under a takedown now.
    pub taken_down: bool,
}

/// What deciding on and serving one file's download needs: the record, its file if it has one
/// by that key, and whether its dataset is taken down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadRow {
    pub record: RecordRow,
    pub file: Option<FileRow>,
    pub taken_down: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRow {
    pub key: String,
    pub size: i64,
    pub md5: String,
    /// Shared with the inventory when publishing derives the row.
    pub sha512: std::sync::Arc<str>,
    /// The storage key of the content, so a download reads no inventory.
    pub content_key: String,
}

/// The tombstone of a published file deleted from storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedFileRow {
    pub key: String,
    /// Which of the record's deletions took it: its place in the document's list, from 0.
    pub deletion: i64,
    pub size: i64,
    pub md5: String,
    /// Taken from the record's document, where the deletion shared it with the inventory.
    pub sha512: std::sync::Arc<str>,
}

/// A published record's files as the catalogue keeps them: those it has, and the tombstones
/// of those deleted from storage.
#[derive(Clone, Copy, Debug)]
pub struct RecordFiles<'a> {
    pub present: Present<'a>,
    pub deleted: &'a [DeletedFileRow],
}

impl<'a> RecordFiles<'a> {
    /// Files of a record none of whose files were deleted.
    pub fn present(files: &'a [FileRow]) -> Self {
        Self { present: Present::Rows(files), deleted: &[] }
    }
}

/// The files a published record has.
#[derive(Clone, Copy)]
pub enum Present<'a> {
    /// Rows at hand, in any order.
    Rows(&'a [FileRow]),
    /// The committed files of the draft the record is published from, copied in the
    /// transaction that publishes it, each with the storage key `placements` gives its
    /// SHA-512. All are committed and all are placed, or nothing is written.
    FromDraft { draft: RecordId, placements: &'a Placements },
}

/// Where content is stored, by SHA-512: batches of (SHA-512, storage key), each SHA-512 once,
/// in any order. Read once, by the publish they are given to.
pub struct Placements(std::sync::Mutex<Option<PlacementBatches>>);

type PlacementBatches = futures::stream::BoxStream<'static, std::io::Result<Vec<(std::sync::Arc<str>, String)>>>;

impl Placements {
    pub fn new(batches: PlacementBatches) -> Self {
        Self(std::sync::Mutex::new(Some(batches)))
    }

    /// The batches, the first time they are asked for.
    pub(crate) fn take(&self) -> Option<PlacementBatches> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }
}

impl std::fmt::Debug for Present<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rows(rows) => f.debug_tuple("Rows").field(rows).finish(),
            Self::FromDraft { draft, .. } => write!(f, "FromDraft({draft})"),
        }
    }
}

/// One record to write as published (see `Catalog::apply_published`).
#[derive(Clone, Copy, Debug)]
pub struct Published<'a> {
    pub record: &'a RecordRow,
    /// Its files, when they changed.
    pub files: Option<RecordFiles<'a>>,
    /// The draft it was published from, which goes with its files and uploads.
    pub draft: Option<RecordId>,
    /// Its OAI-PMH sets.
    pub sets: &'a [String],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: String,
    /// The organization's ROR id, when it has one.
    pub ror: Option<String>,
    pub created: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub org: OrgId,
    pub user: UserId,
    pub email: String,
    pub role: Role,
}

/// An API token as its owner sees it; the secret itself is never stored, only its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub scopes: Scopes,
    pub created: String,
    /// RFC 3339 UTC; None never expires.
    pub expires: Option<String>,
    pub revoked: Option<String>,
}

/// Someone's request for access to a dataset, and the stewards' decision on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRequestRow {
    pub id: i64,
    pub parent_id: ParentId,
    pub record_id: RecordId,
    pub org_id: Option<OrgId>,
    pub requester_id: UserId,
    pub purpose: String,
    pub project: String,
    pub intended_use: String,
    pub requested_days: Option<i64>,
    /// A JSON list of file keys; None asks for every file.
    pub files: Option<String>,
    /// `pending`, `approved` (waiting for the requester to accept), `refused`, `accepted` or `withdrawn`.
    pub status: String,
    pub decided_by: Option<UserId>,
    pub decided: Option<String>,
    /// Why it was refused.
    pub reason: Option<String>,
    /// The conditions of an approval.
    pub expires: Option<String>,
    pub field_of_use: Option<String>,
    pub agreement: Option<String>,
    /// The agreement policy the approval names, whose version in force the grant records.
    pub policy_id: Option<String>,
    pub created: String,
    pub updated: String,
}

/// Access to a dataset's restricted files, for one person, under conditions, until a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRow {
    pub id: GrantId,
    pub request_id: Option<i64>,
    pub parent_id: ParentId,
    pub user_id: UserId,
    /// A JSON list of file keys; None covers every file.
    pub files: Option<String>,
    pub purpose: String,
    pub field_of_use: Option<String>,
    pub agreement: Option<String>,
    pub granted_by: Option<UserId>,
    pub created: String,
    pub expires: String,
    pub revoked: Option<String>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
    /// The agreement policy, and the version of it the holder accepted.
    pub policy_id: Option<String>,
    pub policy_version: Option<i64>,
    /// A newer version the holder must accept before access resumes.
    pub reaccept_version: Option<i64>,
}

/// A piece of background work waiting to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub run_at: String,
    pub payload: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// A signed-in browser session; the catalogue knows only the hash of its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub user_id: UserId,
    pub csrf: String,
    pub created: String,
    pub expires: String,
}

/// A link for someone without an account; the secret itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretLinkRow {
    pub id: i64,
    pub parent_id: ParentId,
    /// `metadata` or `files`.
    pub permission: String,
    pub created_by: Option<UserId>,
    pub created: String,
    pub expires: Option<String>,
    pub revoked: Option<String>,
}

/// A retention rule as stored; `tessera-domain::retention::Schedule` gives it meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleRow {
    pub id: i64,
    pub org_id: Option<OrgId>,
    pub data_class: Option<String>,
    pub years: i64,
    /// `publication` or `project-end`.
    pub anchor: String,
    /// `delete-files` or `review`.
    pub action: String,
    pub note: String,
    pub created_by: Option<UserId>,
    pub created: String,
}

/// A legal hold on a dataset: while it is in force no file of the dataset is deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRow {
    pub id: i64,
    pub parent_id: ParentId,
    pub reason: String,
    pub placed_by: Option<UserId>,
    pub placed: String,
    pub released_by: Option<UserId>,
    pub released: Option<String>,
}

/// A depositor's request that a record's files be deleted, and the curators' decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletionRequestRow {
    pub id: i64,
    pub record_id: RecordId,
    pub parent_id: ParentId,
    pub requested_by: Option<UserId>,
    pub reason: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    pub decided_by: Option<UserId>,
    pub decided: Option<String>,
    pub note: Option<String>,
    pub created: String,
}

/// One version of a policy, as the catalogue keeps it: the stored document and what queries need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyVersionRow {
    pub policy_id: String,
    /// `agreement` or `licence`.
    pub kind: String,
    pub org_id: Option<OrgId>,
    pub version: i64,
    pub effective: String,
    /// The version as stored (`policy.json`).
    pub doc: String,
    pub created: String,
}

/// A problem someone reported with a record, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub id: i64,
    pub record_id: RecordId,
    pub parent_id: ParentId,
    /// `privacy-breach`, `wrong-data`, `rights-claim` or `other`.
    pub kind: String,
    pub description: String,
    pub reporter_id: Option<UserId>,
    /// Where to tell a reporter without an account the outcome.
    pub reporter_email: Option<String>,
    /// `open`, `investigating` or `closed`.
    pub status: String,
    /// Once closed: `restored`, `deleted`, `corrected` or `dismissed`.
    pub outcome: Option<String>,
    pub note: Option<String>,
    pub created: String,
    pub updated: String,
}

/// A dataset taken down: while in force, only those who review it reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakedownRow {
    pub id: i64,
    pub parent_id: ParentId,
    pub report_id: Option<i64>,
    pub reason: String,
    pub placed_by: Option<UserId>,
    pub placed: String,
    pub lifted_by: Option<UserId>,
    pub lifted: Option<String>,
    /// `restored` or `deleted`, once lifted.
    pub outcome: Option<String>,
}

/// A steward's check of one sampled download (an audit entry) and what they found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRow {
    /// The audit entry checked.
    pub seq: i64,
    pub org_id: OrgId,
    pub checked_by: Option<UserId>,
    pub checked: String,
    /// `fine` or `concern`.
    pub verdict: String,
    pub finding: String,
}

/// A long request carried on in the background (`Prefer: respond-async`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    pub id: String,
    /// `publish` or `unpack`.
    pub kind: String,
    /// The draft acted on.
    pub record_id: RecordId,
    /// Who asked.
    pub owner_id: UserId,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// JSON: what the work came to, once done (an unpack's counts).
    pub result: Option<String>,
    /// JSON: the problem it would have answered, once failed.
    pub problem: Option<String>,
    pub created: String,
    pub updated: String,
}

/// How a running task ended: `done` with its result, or `failed` with its problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskEnd {
    pub id: String,
    pub status: String,
    pub result: Option<String>,
    pub problem: Option<String>,
    pub updated: String,
}
