//! Drafts: creating, reading, editing and discarding them, and opening edit and new-version
//! drafts of published records.

use serde_json::json;
use tessera_catalog::{DraftRow, RecordRow};
use tessera_domain::authz::{Action, ResourceFacts, Subject};
use tessera_domain::validate::check_metadata;
use tessera_domain::{Access, OrgId, Problem, RecordId, UserId};

use crate::audit::Event;
use crate::model::{DraftDoc, DraftView, OwnRecords, RecordDoc, RecordInput, RecordView};
use crate::tessera::now;
use crate::{Error, Result, Tessera};

pub(crate) const KIND_NEW: &str = "new";
pub(crate) const KIND_EDIT: &str = "edit";
pub(crate) const KIND_VERSION: &str = "version";

impl Tessera {
    pub async fn create_draft(&self, subject: &Subject, input: RecordInput) -> Result<DraftView> {
        let organization = input.organization.clone();
        let facts = ResourceFacts { organization: organization.clone(), ..ResourceFacts::default() };
        self.authorize(subject, Action::CreateDraft, &facts, "new draft").await?;
        let owner = subject.user_id().ok_or(Error::Unauthenticated)?;
        if let Some(org) = &organization {
            self.catalog.organization(org).await?.ok_or_else(|| Error::BadRequest(format!("there is no organization '{org}'")))?;
        }
        let parent_id = tessera_domain::ParentId(self.catalog.next_id().await?);
        let id = RecordId(self.catalog.next_id().await?);
        let mut doc = DraftDoc {
            organization,
            metadata: input.metadata,
            access: settled(input.access.unwrap_or_default())?,
            files_enabled: input.files_enabled.unwrap_or(true),
            version_index: 1,
            pids: Default::default(),
        };
        let _ = check_metadata(&mut doc.metadata);
        let stamp = now();
        let row =
            DraftRow { id, parent_id, owner_id: owner, kind: KIND_NEW.into(), doc: to_json(&doc)?, created: stamp.clone(), updated: stamp };
        let entry = self.entry(draft_event("draft-created", subject, &row).detail(json!({"kind": row.kind})));
        self.catalog.insert_draft(&row, None, vec![entry]).await?;
        self.draft_view(row).await
    }

    pub async fn draft(&self, subject: &Subject, id: RecordId) -> Result<DraftView> {
        let row = self.draft_row(subject, id, Action::ReadDraft).await?;
        self.draft_view(row).await
    }

    /// Replaces the draft's metadata (and access and files settings, when given).
    pub async fn update_draft(&self, subject: &Subject, id: RecordId, input: RecordInput) -> Result<DraftView> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        let mut doc: DraftDoc = from_json(&row.doc)?;
        if let Some(enabled) = input.files_enabled {
            if row.kind == KIND_EDIT && enabled != doc.files_enabled {
                return Err(Error::BadRequest("files.enabled cannot change on a published version; create a new version".into()));
            }
            doc.files_enabled = enabled;
        }
        doc.metadata = input.metadata;
        if let Some(access) = input.access {
            doc.access = settled(access)?;
        }
        let _ = check_metadata(&mut doc.metadata);
        let entry = self.entry(draft_event("draft-updated", subject, &row).detail(json!({"kind": row.kind})));
        if !self.catalog.update_draft_doc(id, &to_json(&doc)?, &now(), vec![entry]).await? {
            return Err(Error::not_found(format!("draft {id}")));
        }
        self.draft(subject, id).await
    }

    /// Discards a draft and its staged files; a published version it edits is untouched.
    pub async fn delete_draft(&self, subject: &Subject, id: RecordId) -> Result<()> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        let doc: DraftDoc = from_json(&row.doc)?;
        let entry = self.entry(draft_event("draft-discarded", subject, &row).detail(json!({"kind": row.kind})));
        self.catalog.delete_draft(id, vec![entry]).await?;
        if row.kind != KIND_EDIT
            && let Some(doi) = doc.pids.get("doi")
        {
            // A DOI reserved for a draft that will never be published goes from DataCite too.
            self.schedule_doi_discard(&doi.identifier).await?;
        }
        self.staging.remove_draft(id).await;
        Ok(())
    }

    /// Opens a draft to edit the metadata of published record `id` (its files stay as they are).
    pub async fn edit_record(&self, subject: &Subject, id: RecordId) -> Result<DraftView> {
        let record = self.published_row(id).await?;
        let doc: RecordDoc = from_json(&record.doc)?;
        self.authorize(subject, Action::EditRecord, &self.record_facts(subject, &doc, None).await?, &format!("record {id}")).await?;
        if let Some(existing) = self.catalog.draft(id).await? {
            return self.draft_view(existing).await;
        }
        let draft = DraftDoc {
            organization: doc.organization.clone(),
            metadata: doc.metadata.clone(),
            access: doc.access.clone(),
            files_enabled: doc.files.enabled,
            version_index: doc.version_index,
            pids: doc.pids.clone(),
        };
        let owner = doc.owner.or(subject.user_id()).ok_or(Error::Unauthenticated)?;
        self.open_draft_from(subject, &record, id, KIND_EDIT, owner, draft).await
    }

    /// Opens a draft of the next version of record `id`'s dataset, starting with the latest
    /// version's metadata and files (carried by reference, never copied).
    pub async fn new_version(&self, subject: &Subject, id: RecordId) -> Result<DraftView> {
        let record = self.published_row(id).await?;
        let versions = self.catalog.records_of_parent(record.parent_id).await?;
        let latest = versions.last().cloned().unwrap_or(record);
        let doc: RecordDoc = from_json(&latest.doc)?;
        self.authorize(subject, Action::EditRecord, &self.record_facts(subject, &doc, None).await?, &format!("record {id}")).await?;
        if let Some(existing) = self.catalog.draft_of_parent(latest.parent_id).await?.filter(|d| d.kind == KIND_VERSION) {
            return self.draft_view(existing).await;
        }
        let mut metadata = doc.metadata.clone();
        metadata.version = None;
        let draft = DraftDoc {
            organization: doc.organization.clone(),
            metadata,
            access: doc.access.clone(),
            files_enabled: doc.files.enabled,
            version_index: latest.version_index + 1,
            pids: Default::default(),
        };
        let new_id = RecordId(self.catalog.next_id().await?);
        let owner = doc.owner.or(subject.user_id()).ok_or(Error::Unauthenticated)?;
        self.open_draft_from(subject, &latest, new_id, KIND_VERSION, owner, draft).await
    }

    async fn open_draft_from(
        &self,
        subject: &Subject,
        record: &RecordRow,
        id: RecordId,
        kind: &str,
        owner: UserId,
        doc: DraftDoc,
    ) -> Result<DraftView> {
        let stamp = now();
        let row = DraftRow {
            id,
            parent_id: record.parent_id,
            owner_id: owner,
            kind: kind.into(),
            doc: to_json(&doc)?,
            created: stamp.clone(),
            updated: stamp.clone(),
        };
        // The draft names the record whose files it carries in its own row, so a crash never
        // leaves a new version without its files, and the request costs the same at any number.
        let entry = self.entry(draft_event("draft-created", subject, &row).detail(json!({"kind": row.kind})));
        self.catalog.insert_draft(&row, Some(record.id), vec![entry]).await?;
        self.draft_view(row).await
    }

    /// A numbered page of what the caller deposited, as the API lists it: their drafts, then
    /// their published records newest first; `size` of them from the `start`th on, and how many
    /// there are in all.
    pub async fn user_records_at(&self, subject: &Subject, start: usize, size: usize) -> Result<OwnRecords> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own records").await?;
        let owner = subject.user_id().ok_or(Error::Unauthenticated)?;
        let all_drafts = self.catalog.drafts_of_owner(owner).await?;
        let (draft_count, record_count) = (all_drafts.len(), self.catalog.count_records_of_owner(owner).await?);
        let mut drafts = Vec::new();
        for row in all_drafts.into_iter().skip(start).take(size) {
            drafts.push(self.draft_view(row).await?);
        }
        let (skip, room) = (start.saturating_sub(draft_count), size - drafts.len());
        let rows = if room == 0 { Vec::new() } else { self.catalog.records_of_owner(owner, None, skip as i64, room as i64).await? };
        Ok(OwnRecords { drafts, records: self.record_views(rows).await?, total: draft_count + record_count as usize })
    }

    /// The caller's drafts, and up to `limit` of their published records, newest first, from
    /// those numbered below `before`; and whether older ones follow.
    pub async fn user_records_page(
        &self,
        subject: &Subject,
        before: Option<RecordId>,
        limit: i64,
    ) -> Result<(Vec<DraftView>, Vec<RecordView>, bool)> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own records").await?;
        let owner = subject.user_id().ok_or(Error::Unauthenticated)?;
        let mut drafts = Vec::new();
        for row in self.catalog.drafts_of_owner(owner).await? {
            drafts.push(self.draft_view(row).await?);
        }
        let mut rows = self.catalog.records_of_owner(owner, before, 0, limit.saturating_add(1)).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok((drafts, self.record_views(rows).await?, more))
    }

    /// Loads a draft and checks the caller may do `action` to it.
    pub(crate) async fn draft_row(&self, subject: &Subject, id: RecordId, action: Action) -> Result<DraftRow> {
        let (row, people) = self.catalog.draft_with_people(id).await?.ok_or_else(|| Error::not_found(format!("draft {id}")))?;
        let doc: DraftDoc = from_json(&row.doc)?;
        let mut facts =
            ResourceFacts { parent: Some(row.parent_id), ..facts_of(Some(row.owner_id), doc.organization.clone(), &doc.access) };
        crate::people::name_people(&mut facts, people);
        self.authorize(subject, action, &facts, &format!("draft {id}")).await?;
        Ok(row)
    }

    pub(crate) async fn draft_view(&self, row: DraftRow) -> Result<DraftView> {
        let mut doc: DraftDoc = from_json(&row.doc)?;
        let (files_count, files_bytes) = self.catalog.draft_files_summary(row.id).await?;
        let problems = draft_problems(&mut doc, &row.kind, usize::try_from(files_count).unwrap_or(usize::MAX));
        let is_published = row.kind == KIND_EDIT;
        Ok(DraftView {
            id: row.id,
            parent_id: row.parent_id,
            owner: row.owner_id,
            organization: doc.organization,
            kind: row.kind,
            version_index: doc.version_index,
            created: row.created,
            updated: row.updated,
            metadata: doc.metadata,
            access: doc.access,
            files_enabled: doc.files_enabled,
            files_count,
            files_bytes,
            problems,
            is_published,
            pids: doc.pids,
        })
    }

    pub(crate) async fn published_row(&self, id: RecordId) -> Result<RecordRow> {
        self.catalog.record(id).await?.ok_or_else(|| Error::not_found(format!("record {id}")))
    }
}

/// What stops a draft of `kind` with `files` files being published, short of each file's own
/// state: its metadata, its embargo, and whether it has files as it says. Publishing checks
/// these and then each file; a draft's view lists these, so a client sees them beforehand.
pub(crate) fn draft_problems(draft: &mut DraftDoc, kind: &str, files: usize) -> Vec<Problem> {
    let mut problems = check_metadata(&mut draft.metadata);
    // An edit keeps the record's files, which may all have been deleted since.
    if draft.files_enabled && files == 0 && kind != KIND_EDIT {
        problems.push(Problem::new("files.enabled", "upload at least one file, or set files.enabled to false for a metadata-only record"));
    }
    if !draft.files_enabled && files > 0 {
        problems.push(Problem::new("files.enabled", "files are disabled but the draft has files; delete them or enable files"));
    }
    if draft.access.embargo.active {
        match draft.access.embargo.until.as_deref() {
            Some(until) if until.len() == 10 && tessera_domain::edtf::check(until).is_ok() => {}
            _ => problems.push(Problem::new("access.embargo.until", "an active embargo needs an end date (YYYY-MM-DD)")),
        }
    }
    problems
}

/// What `subject` did to a draft, for the audit trail.
pub(crate) fn draft_event(action: &str, subject: &Subject, row: &DraftRow) -> Event {
    Event::new(action, subject.user_id(), format!("draft {}", row.id)).dataset(row.parent_id)
}

pub(crate) fn facts_of_record(doc: &RecordDoc) -> ResourceFacts {
    ResourceFacts { parent: Some(doc.parent_id), ..facts_of(doc.owner, doc.organization.clone(), &doc.access) }
}

fn facts_of(owner: Option<UserId>, organization: Option<OrgId>, access: &Access) -> ResourceFacts {
    ResourceFacts {
        owner,
        organization,
        data_class: access.data_class(),
        partners: access.partners.clone(),
        metadata_stub: access.metadata_stub(),
        embargoed: access.embargo.active,
        ..ResourceFacts::default()
    }
}

/// Access settings with `files` and `data_class` made to agree, or every reason they cannot.
fn settled(mut access: Access) -> Result<Access> {
    match access.settle() {
        Ok(()) => Ok(access),
        Err(problems) => Err(Error::Validation(problems.into_iter().map(|(field, message)| Problem::new(field, message)).collect())),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(e.to_string()))
}
