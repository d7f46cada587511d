//! Retention and deletion: schedules say how long files are kept, a sweep purges the files
//! whose time is up (unless a legal hold stops it), and depositors may ask for deletion,
//! which curators decide. A purge removes the files' bytes from the dataset's OCFL object and
//! leaves a tombstone in the record: its metadata, the date, the reason and the digests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use tessera_catalog::{DeletionRequestRow, FileRow, HoldRow, ScheduleRow};
use tessera_domain::authz::{self, Action, ResourceFacts, Subject};
use tessera_domain::retention::{self, Anchor, Basis, EndAction, Schedule};
use tessera_domain::{Access, DataClass, OrgId, ParentId, Problem, RecordId, UserId};
use tessera_ocfl::{FileSource, NewVersion, User};
use time::{Date, OffsetDateTime};

use crate::audit::Event;
use crate::drafts::{facts_of_record, from_json};
use crate::model::{DeletedFile, DeletedFileView, Deletion, RecordDoc};
use crate::publish::{derive_rows, files_state, record_file};
use crate::tessera::{now, object_id, parse_time};
use crate::{Error, Result, Tessera};

/// The longest a schedule may keep files, in years.
const MAX_YEARS: i64 = 500;

/// A new retention schedule.
#[derive(Clone, Debug)]
pub struct ScheduleInput {
    pub organization: Option<OrgId>,
    pub data_class: Option<DataClass>,
    pub years: i64,
    pub after: Anchor,
    pub action: EndAction,
    pub note: String,
}

/// What the sweep reads of each record's document; the rest (most of the metadata) is skipped.
#[derive(serde::Deserialize)]
struct SweptRecord {
    id: RecordId,
    parent_id: ParentId,
    #[serde(default)]
    organization: Option<OrgId>,
    created: String,
    access: Access,
    metadata: Titled,
}

#[derive(serde::Deserialize)]
struct Titled {
    #[serde(default)]
    title: Option<String>,
}

/// Files of one record that fall due together, for one reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueFiles {
    pub record: RecordId,
    pub parent: ParentId,
    pub title: String,
    pub organization: Option<OrgId>,
    /// YYYY-MM-DD.
    pub on: String,
    pub action: EndAction,
    /// `record` or `schedule:{id}`.
    pub basis: String,
    pub keys: Vec<String>,
    /// A legal hold on the dataset stops the deletion.
    pub held: bool,
}

/// Which files of a record a deletion takes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Doomed<'a> {
    /// Every file the record has, as its own document lists them: at 100,000 files, asking
    /// the catalogue for their rows first cost 13.6 MB for the keys alone.
    All,
    Keys(&'a [String]),
}

/// What one pass of the retention sweep did.
#[derive(Clone, Debug, Default)]
pub struct RetentionRun {
    pub deleted: Vec<DueFiles>,
    /// Due, but a legal hold stops the deletion.
    pub held: Vec<DueFiles>,
    /// Due under a schedule that asks for a steward's review instead of deletion.
    pub review: Vec<DueFiles>,
    pub failed: Vec<(DueFiles, String)>,
}

impl Tessera {
    /// The retention schedules in force: public, so anyone can see how long data is kept.
    pub async fn retention_schedules(&self) -> Result<Vec<ScheduleRow>> {
        Ok(self.catalog.schedules().await?)
    }

    /// Adds a schedule: an organization's administrators for their organization, platform
    /// administrators for everyone's.
    pub async fn add_retention_schedule(&self, subject: &Subject, input: ScheduleInput) -> Result<ScheduleRow> {
        self.authorize_governance(subject, input.organization.as_ref(), "retention schedules").await?;
        let mut problems = Vec::new();
        if !(1..=MAX_YEARS).contains(&input.years) {
            problems.push(Problem::new("years", format!("must be a whole number of years from 1 to {MAX_YEARS}")));
        }
        if let Some(org) = &input.organization
            && self.catalog.organization(org).await?.is_none()
        {
            problems.push(Problem::new("organization", format!("there is no organization '{org}'")));
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let mut row = ScheduleRow {
            id: 0,
            org_id: input.organization,
            data_class: input.data_class.map(|c| c.as_str().to_string()),
            years: input.years,
            anchor: input.after.as_str().to_string(),
            action: input.action.as_str().to_string(),
            note: input.note.trim().to_string(),
            created_by: subject.user,
            created: now(),
        };
        let detail = json!({"schedule": describe(&row), "note": row.note});
        let entry = |id: i64| {
            vec![self.entry(Event::new("retention-schedule-added", subject.user, format!("retention schedule {id}")).detail(detail))]
        };
        row.id = self.catalog.insert_schedule(&row, entry).await?;
        Ok(row)
    }

    pub async fn remove_retention_schedule(&self, subject: &Subject, id: i64) -> Result<()> {
        let row = self.catalog.schedule(id).await?.ok_or_else(|| Error::not_found(format!("retention schedule {id}")))?;
        self.authorize_governance(subject, row.org_id.as_ref(), "retention schedules").await?;
        let event = Event::new("retention-schedule-removed", subject.user, format!("retention schedule {id}"));
        let entry = self.entry(event.detail(json!({"schedule": describe(&row)})));
        if !self.catalog.delete_schedule(id, vec![entry]).await? {
            return Err(Error::not_found(format!("retention schedule {id}")));
        }
        Ok(())
    }

    /// Deletions due within `days` (and any overdue) on the datasets the caller looks after.
    pub async fn upcoming_deletions(&self, subject: &Subject, days: i64) -> Result<Vec<DueFiles>> {
        if subject.user.is_none() && !subject.is_admin {
            return Err(Error::Unauthenticated);
        }
        let until = OffsetDateTime::now_utc().date() + time::Duration::days(days.clamp(0, 3660));
        let mut mine = Vec::new();
        for due in self.files_due(until).await? {
            let row = self.published_row(due.record).await?;
            let facts = self.with_named_people(facts_of_record(&from_json(&row.doc)?)).await?;
            // A list, not a read of anyone's data: decided without an audit entry each.
            if authz::authorize(subject, Action::GovernRecord, &facts).allowed {
                mine.push(due);
            }
        }
        Ok(mine)
    }

    /// The retention sweep: purges every file due on or before `as_of` whose schedule says
    /// delete, unless a legal hold is on its dataset. The server runs it daily with today's
    /// date; `tessera retention run --as-of` runs it by hand.
    pub async fn enforce_retention(&self, as_of: Date) -> Result<RetentionRun> {
        let mut run = RetentionRun::default();
        for due in self.files_due(as_of).await? {
            if due.held {
                run.held.push(due);
            } else if due.action == EndAction::Review {
                run.review.push(due);
            } else {
                let reason = match self.catalog.schedule(schedule_id(&due.basis)).await? {
                    Some(schedule) => format!("the retention period ended ({})", describe(&schedule)),
                    None => "the retention period the record set for its files ended".to_string(),
                };
                match self.delete_files(due.record, Doomed::Keys(&due.keys), &reason, &due.basis, None).await {
                    Ok(_) => run.deleted.push(due),
                    Err(err) => {
                        tracing::error!(record = due.record.0, error = %err, "deleting files whose retention ended");
                        run.failed.push((due, err.to_string()));
                    }
                }
            }
        }
        Ok(run)
    }

    /// Every file of every record due on or before `until`, grouped by record and reason,
    /// whoever looks after it (the caller filters, or is the operator at the console).
    pub async fn files_due(&self, until: Date) -> Result<Vec<DueFiles>> {
        let schedules: Vec<Schedule> = self.catalog.schedules().await?.iter().filter_map(schedule_of).collect();
        let held: HashSet<ParentId> = self.catalog.active_holds().await?.into_iter().map(|h| h.parent_id).collect();
        let mut found = Vec::new();
        let mut after = 0;
        const PAGE: i64 = 500;
        loop {
            // Without a schedule only a record's own date can make anything due.
            let ids = if schedules.is_empty() {
                self.catalog.records_with_own_deletion_after(after, PAGE).await?
            } else {
                self.catalog.record_ids_after(after, PAGE).await?
            };
            let Some(last) = ids.last() else { break };
            after = last.0;
            let docs: Vec<SweptRecord> = self.record_docs(&ids).await?;
            let mut files_of: HashMap<RecordId, Vec<FileRow>> = HashMap::new();
            for (record, file) in self.catalog.files_of_records(&ids).await? {
                files_of.entry(record).or_default().push(file);
            }
            for doc in docs {
                let published = doc.created.get(..10).and_then(retention::parse_date).unwrap_or(Date::MIN);
                let files = files_of.remove(&doc.id).unwrap_or_default();
                let mut groups: BTreeMap<(Date, &str, String), Vec<String>> = BTreeMap::new();
                for file in files {
                    let class = doc.access.class_of(&file.key);
                    let Some(due) = retention::due(&doc.access.retention, doc.organization.as_ref(), class, published, &schedules) else {
                        continue;
                    };
                    if due.on <= until {
                        groups.entry((due.on, due.action.as_str(), basis_text(due.basis))).or_default().push(file.key);
                    }
                }
                for ((on, action, basis), keys) in groups {
                    found.push(DueFiles {
                        record: doc.id,
                        parent: doc.parent_id,
                        title: doc.metadata.title.clone().unwrap_or_default(),
                        organization: doc.organization.clone(),
                        on: retention::format_date(on),
                        action: action.parse().unwrap_or_default(),
                        basis,
                        keys,
                        held: held.contains(&doc.parent_id),
                    });
                }
            }
        }
        Ok(found)
    }

    /// Purges files of a record from storage: a new version of the dataset's object without
    /// them (and without them in any earlier version), a tombstone in the record, and an
    /// audit entry with their digests. Answers how many were deleted.
    pub(crate) async fn delete_files(
        &self,
        id: RecordId,
        doomed: Doomed<'_>,
        reason: &str,
        basis: &str,
        actor: Option<UserId>,
    ) -> Result<usize> {
        let row = self.published_row(id).await?;
        if self.catalog.active_holds().await?.iter().any(|h| h.parent_id == row.parent_id) {
            return Err(Error::Conflict(format!("a legal hold on dataset {} stops every deletion", row.parent_id)));
        }
        let object = object_id(row.parent_id);
        let read = self.ocfl.read(&object).await?.ok_or_else(|| Error::not_found(format!("the object of record {id}")))?;
        let inventory = &read.inventory;
        let head = inventory.head_version().ok_or_else(|| Error::Corrupt(format!("{object} has no versions")))?;
        let mut doc = self.stored_record(inventory, id).await?;
        // Each doomed file's key and digest, the digest shared with the inventory. The record's
        // files are in the version that published them, not always in the head.
        let prefix = format!("{id}/files/");
        let digests: HashMap<String, Arc<str>> = {
            let keys: HashSet<&str> = match doomed {
                Doomed::All => doc.files.entries.iter().map(|entry| entry.key.as_str()).collect(),
                Doomed::Keys(keys) => keys.iter().map(String::as_str).collect(),
            };
            let state = files_state(inventory, &doc)?;
            let doomed = state.shared_files().filter_map(|(path, digest)| Some((path.strip_prefix(&prefix)?, digest)));
            doomed.filter(|(key, _)| keys.contains(key)).map(|(key, digest)| (key.to_string(), digest.clone())).collect()
        };
        let is_doomed = |path: &str| path.strip_prefix(&prefix).is_some_and(|key| digests.contains_key(key));
        let stamp = now();
        // Taken out of the record's list of files, not copied from it. The lists here are sized
        // up front: grown by doubling, each held up to twice its size (18 MB at 100,000 files).
        let mut files: Vec<DeletedFile> = Vec::with_capacity(digests.len());
        files.extend(doc.files.entries.extract_if(.., |entry| digests.contains_key(&entry.key)).map(|entry| {
            // Taken out above because `digests` has its key.
            let sha512 = digests[&entry.key].clone();
            DeletedFile { key: entry.key, size: entry.size, md5: entry.md5.to_hex(), sha512 }
        }));
        let deletion =
            Deletion { date: stamp.clone(), reason: reason.to_string(), basis: basis.to_string(), files_count: files.len(), files };
        if deletion.files.is_empty() {
            return Err(Error::Conflict(format!("record {id} has none of these files any more")));
        }
        for file in &deletion.files {
            doc.access.file_classes.remove(&file.key);
        }
        let message = format!("Delete {} file(s) of record {id} ({}): {reason}", deletion.files.len(), named_in_message(&deletion.files));
        doc.deletions.push(deletion);
        let number = doc.deletions.len() as i64 - 1;
        doc.updated = stamp.clone();

        let doc = Arc::new(doc);
        let record = record_file(&doc)?;
        let mut state: Vec<(Arc<str>, FileSource)> = Vec::with_capacity(head.file_count() + 1);
        state.extend(head.carried().filter(|(path, _)| *path != record.0 && !is_doomed(path)));
        state.push(record);
        let user = match actor {
            Some(user) => User { name: format!("Tessera user {user}"), address: Some(format!("urn:tessera:user:{user}")) },
            None => User { name: "Tessera".into(), address: Some("urn:tessera:system".into()) },
        };
        let version = NewVersion {
            base: inventory.head_number(),
            state,
            message,
            user,
            created: parse_time(&stamp),
            read: Some(read),
            by_digest: None,
        };
        // Past the rows, only the version's name is needed: the inventory, tens of MB at
        // 100,000 files, goes before the catalogue's transaction.
        let (derived, erased_digests, ocfl_version) = {
            let (inventory, erased) = self.journalled(row.parent_id, self.ocfl.purge(&object, &is_doomed, version)).await?;
            (derive_rows(&inventory, Arc::unwrap_or_clone(doc))?, erased, inventory.head)
        };
        let erased: HashSet<&str> = erased_digests.iter().map(|digest| &**digest).collect();
        let files: Vec<DeletedFileDetail<'_>> = derived
            .deleted
            .iter()
            .filter(|t| t.deletion == number)
            .map(|t| DeletedFileDetail { key: &t.key, size: t.size, sha512: &t.sha512, erased: erased.contains(&*t.sha512) })
            .collect();
        let deleted = files.len();
        // An entry for each thousand files, all in the deletion's transaction: one entry of
        // 100,000 files was 34 MB of JSON, copied again by the driver and by SQLite.
        let parts = deleted.div_ceil(FILES_PER_ENTRY);
        let entries = files
            .chunks(FILES_PER_ENTRY)
            .enumerate()
            .map(|(n, files)| {
                let detail = DeletionDetail { reason, basis, ocfl_version: &ocfl_version, part: n + 1, parts, files };
                self.entry(Event::new("files-deleted", actor, format!("record {id}")).dataset(row.parent_id).detail(detail))
            })
            .collect();
        self.catalog.apply_published(&derived.record, Some(derived.record_files()), None, &derived.sets, entries).await?;
        self.catalog.drop_carried_draft_files(row.parent_id, &erased_digests).await?;
        self.index_parent(row.parent_id).await?;
        tracing::info!(record = id.0, files = deleted, ocfl_version, "deleted files");
        Ok(deleted)
    }

    /// Places a legal hold on the dataset of record `id`: nothing of it is deleted until the
    /// hold is lifted.
    pub async fn place_hold(&self, subject: &Subject, id: RecordId, reason: &str) -> Result<HoldRow> {
        let facts = self.governed(subject, id, "legal holds").await?;
        if reason.trim().is_empty() {
            return Err(Error::Validation(vec![Problem::new("reason", "is required: say why the data must be kept")]));
        }
        let parent = facts.parent.ok_or_else(|| Error::Corrupt(format!("record {id} has no dataset")))?;
        let placed = |hold: i64| {
            let event = Event::new("legal-hold-placed", subject.user, format!("record {id}")).dataset(parent);
            vec![self.entry(event.detail(json!({"hold": hold, "reason": reason.trim()})))]
        };
        let hold = self.catalog.place_hold(parent, reason.trim(), subject.user, &now(), placed).await?;
        self.catalog.hold(hold).await?.ok_or_else(|| Error::not_found(format!("legal hold {hold}")))
    }

    pub async fn release_hold(&self, subject: &Subject, id: RecordId, hold: i64) -> Result<HoldRow> {
        let facts = self.governed(subject, id, "legal holds").await?;
        let row = self.catalog.hold(hold).await?.filter(|h| Some(h.parent_id) == facts.parent);
        let row = row.ok_or_else(|| Error::not_found(format!("legal hold {hold} of record {id}")))?;
        let event = Event::new("legal-hold-released", subject.user, format!("record {id}")).dataset(row.parent_id);
        let entry = self.entry(event.detail(json!({"hold": hold, "reason": row.reason})));
        if !self.catalog.release_hold(hold, subject.user, &now(), vec![entry]).await? {
            return Err(Error::Conflict(format!("legal hold {hold} was lifted already")));
        }
        self.catalog.hold(hold).await?.ok_or_else(|| Error::not_found(format!("legal hold {hold}")))
    }

    /// Every legal hold on the dataset of record `id`, lifted or not.
    pub async fn holds(&self, subject: &Subject, id: RecordId) -> Result<Vec<HoldRow>> {
        let facts = self.governed(subject, id, "legal holds").await?;
        let parent = facts.parent.ok_or_else(|| Error::Corrupt(format!("record {id} has no dataset")))?;
        Ok(self.catalog.holds_of_parent(parent).await?)
    }

    /// A page of the files of record `id` deleted from storage, by deletion and then key, and
    /// how many there are. Only those who may edit the record see them: a file's name can say
    /// too much; everyone sees when and why, and how many, in the record itself.
    pub async fn deleted_files(&self, subject: &Subject, id: RecordId, offset: i64, limit: i64) -> Result<(Vec<DeletedFileView>, i64)> {
        let row = self.published_row(id).await?;
        let doc: RecordDoc = from_json(&row.doc)?;
        let facts = self.record_facts(subject, &doc, None).await?;
        self.authorize(subject, Action::ReadMetadata, &facts, &format!("record {id}")).await?;
        self.authorize(subject, Action::EditRecord, &facts, &format!("deleted files of record {id}")).await?;
        let total = doc.deletions.iter().map(|d| d.files_count as i64).sum();
        let mut page = Vec::new();
        for tombstone in self.catalog.deleted_files(id, offset.max(0), limit.max(0)).await? {
            let deletion = usize::try_from(tombstone.deletion).ok().and_then(|n| doc.deletions.get(n));
            let deletion = deletion.ok_or_else(|| Error::Corrupt(format!("record {id} has no deletion {}", tombstone.deletion)))?;
            page.push(DeletedFileView {
                key: tombstone.key,
                size: tombstone.size,
                md5: tombstone.md5,
                sha512: tombstone.sha512,
                date: deletion.date.clone(),
                reason: deletion.reason.clone(),
                basis: deletion.basis.clone(),
            });
        }
        Ok((page, total))
    }

    /// The depositor (or a curator) asks for the files of record `id` to be deleted.
    pub async fn request_deletion(&self, subject: &Subject, id: RecordId, reason: &str) -> Result<DeletionRequestRow> {
        let row = self.published_row(id).await?;
        let facts = self.record_facts(subject, &from_json(&row.doc)?, None).await?;
        self.authorize(subject, Action::RequestDeletion, &facts, &format!("record {id}")).await?;
        if reason.trim().is_empty() {
            return Err(Error::Validation(vec![Problem::new("reason", "is required: curators decide on it")]));
        }
        if self.catalog.deletion_requests_of_record(id).await?.iter().any(|r| r.status == "pending") {
            return Err(Error::Conflict(format!("a request to delete the files of record {id} is waiting for a decision already")));
        }
        let mut request = DeletionRequestRow {
            id: 0,
            record_id: id,
            parent_id: row.parent_id,
            requested_by: subject.user,
            reason: reason.trim().to_string(),
            status: "pending".into(),
            decided_by: None,
            decided: None,
            note: None,
            created: now(),
        };
        let entry = |request_id: i64| {
            let event = Event::new("deletion-requested", subject.user, format!("record {id}")).dataset(row.parent_id);
            vec![self.entry(event.detail(json!({"request": request_id, "reason": request.reason})))]
        };
        request.id = self.catalog.insert_deletion_request(&request, entry).await?;
        Ok(request)
    }

    /// Requests for deletion waiting for a curator the caller is.
    pub async fn pending_deletion_requests(&self, subject: &Subject) -> Result<Vec<DeletionRequestRow>> {
        subject.user.ok_or(Error::Unauthenticated)?;
        let mut mine = Vec::new();
        for request in self.catalog.pending_deletion_requests().await? {
            let row = self.published_row(request.record_id).await?;
            let facts = self.with_named_people(facts_of_record(&from_json(&row.doc)?)).await?;
            if authz::authorize(subject, Action::GovernRecord, &facts).allowed {
                mine.push(request);
            }
        }
        Ok(mine)
    }

    /// A curator approves (the files are deleted at once) or refuses a request for deletion.
    pub async fn decide_deletion(&self, subject: &Subject, request: i64, approve: bool, note: Option<&str>) -> Result<DeletionRequestRow> {
        let found = self.catalog.deletion_request(request).await?.ok_or_else(|| Error::not_found(format!("deletion request {request}")))?;
        let id = found.record_id;
        let facts = self.governed(subject, id, "deletion requests").await?;
        let decider = subject.user.ok_or(Error::Unauthenticated)?;
        if approve && self.catalog.active_holds().await?.iter().any(|h| Some(h.parent_id) == facts.parent) {
            return Err(Error::Conflict(format!("a legal hold on the dataset of record {id} stops every deletion; lift it first")));
        }
        let status = if approve { "approved" } else { "refused" };
        let event = Event::new(format!("deletion-{status}"), subject.user, format!("record {id}")).dataset(found.parent_id);
        let entry = self.entry(event.detail(json!({"request": request, "note": note})));
        if !self.catalog.decide_deletion_request(request, status, decider, &now(), note, vec![entry]).await? {
            return Err(Error::Conflict(format!("deletion request {request} was decided already")));
        }
        if approve {
            let reason = format!("deleted at the depositor's request: {}", found.reason);
            self.delete_files(id, Doomed::All, &reason, &format!("request:{request}"), subject.user).await?;
        }
        self.catalog.deletion_request(request).await?.ok_or_else(|| Error::not_found(format!("deletion request {request}")))
    }

    /// The facts of record `id` once the caller is known to govern it.
    pub(crate) async fn governed(&self, subject: &Subject, id: RecordId, what: &str) -> Result<ResourceFacts> {
        let row = self.published_row(id).await?;
        let facts = self.record_facts(subject, &from_json(&row.doc)?, None).await?;
        self.authorize(subject, Action::GovernRecord, &facts, &format!("{what} of record {id}")).await?;
        Ok(facts)
    }
}

/// How many files one audit entry of a deletion lists.
const FILES_PER_ENTRY: usize = 1000;

/// The audit entries of a deletion: every file, with its digest and whether its bytes left
/// storage (not when a newer record holds the same bytes), a thousand files an entry; `part`
/// of `parts` says which.
#[derive(Serialize)]
struct DeletionDetail<'a> {
    reason: &'a str,
    basis: &'a str,
    ocfl_version: &'a str,
    part: usize,
    parts: usize,
    files: &'a [DeletedFileDetail<'a>],
}

#[derive(Serialize)]
struct DeletedFileDetail<'a> {
    key: &'a str,
    size: i64,
    sha512: &'a str,
    erased: bool,
}

/// The files a deletion names in the message of its OCFL version: ten at most, as every later
/// inventory repeats the message. The record's tombstone and the audit entries list them all.
fn named_in_message(files: &[DeletedFile]) -> String {
    const NAMED: usize = 10;
    let names: Vec<&str> = files.iter().take(NAMED).map(|f| f.key.as_str()).collect();
    match files.len().saturating_sub(NAMED) {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

/// A stored schedule as the rules see it; a row that no longer parses is skipped, loudly.
pub(crate) fn schedule_of(row: &ScheduleRow) -> Option<Schedule> {
    let parsed = (|| {
        Some(Schedule {
            id: row.id,
            organization: row.org_id.clone(),
            data_class: row.data_class.as_deref().map(str::parse).transpose().ok()?,
            years: u16::try_from(row.years).ok()?,
            after: row.anchor.parse().ok()?,
            action: row.action.parse().ok()?,
        })
    })();
    if parsed.is_none() {
        tracing::error!(schedule = row.id, "a retention schedule in the catalogue is unreadable and is ignored");
    }
    parsed
}

fn basis_text(basis: Basis) -> String {
    match basis {
        Basis::Record => "record".into(),
        Basis::Schedule(id) => format!("schedule:{id}"),
    }
}

fn schedule_id(basis: &str) -> i64 {
    basis.strip_prefix("schedule:").and_then(|id| id.parse().ok()).unwrap_or(0)
}

/// A schedule in words: "restricted files of cardiff-uni are kept 5 years after the project's end".
pub(crate) fn describe(row: &ScheduleRow) -> String {
    let files = match &row.data_class {
        Some(class) => format!("{class} files"),
        None => "files".to_string(),
    };
    let of = row.org_id.as_ref().map_or_else(|| "every organization".to_string(), ToString::to_string);
    let after = if row.anchor == Anchor::ProjectEnd.as_str() { "the project's end" } else { "publication" };
    let then = if row.action == EndAction::Review.as_str() { "then reviewed" } else { "then deleted" };
    format!("schedule {}: {files} of {of} are kept {} years after {after}, {then}", row.id, row.years)
}
