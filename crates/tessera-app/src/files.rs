//! Files of drafts: declaring keys, uploading content into staging, committing, deleting.
//! Files of a published version never change; an edit draft's files are locked.

use bytes::Bytes;
use futures::Stream;
use tessera_catalog::DraftFileRow;
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{FileKey, Problem, RecordId};

use crate::drafts::{KIND_EDIT, from_json};
use crate::model::{DraftDoc, DraftFileView};
use crate::tessera::now;
use crate::{Error, Result, Tessera};

impl Tessera {
    /// Declares new files on a draft (InvenioRDM's "initialize upload").
    pub async fn init_files(&self, subject: &Subject, id: RecordId, keys: Vec<String>) -> Result<Vec<DraftFileView>> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let mut problems = Vec::new();
        let mut parsed: Vec<FileKey> = Vec::new();
        for (i, raw) in keys.iter().enumerate() {
            match FileKey::parse(raw) {
                Ok(key) if parsed.contains(&key) => problems.push(Problem::new(format!("{i}.key"), format!("'{key}' is listed twice"))),
                Ok(key) => parsed.push(key),
                Err(message) => problems.push(Problem::new(format!("{i}.key"), message)),
            }
        }
        if keys.is_empty() {
            problems.push(Problem::new("", "list at least one file"));
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let stamp = now();
        let rows: Vec<DraftFileRow> = parsed
            .iter()
            .map(|key| DraftFileRow {
                draft_id: id,
                key: key.to_string(),
                status: "pending".into(),
                size: None,
                md5: None,
                sha512: None,
                staged: true,
                created: stamp.clone(),
                updated: stamp.clone(),
            })
            .collect();
        self.catalog.insert_draft_files(&rows).await.map_err(|err| match err {
            tessera_catalog::Error::Conflict { .. } => Error::Conflict("a file with one of these keys already exists in the draft".into()),
            other => other.into(),
        })?;
        Ok(rows.into_iter().map(file_view).collect())
    }

    /// Streams a file's content into the staging area, hashing it on the way.
    pub async fn upload_content<S, E>(&self, subject: &Subject, id: RecordId, key: &str, body: S) -> Result<DraftFileView>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let mut file = self.draft_file_row(id, key).await?;
        if file.status == "completed" {
            return Err(Error::BadRequest(format!("'{key}' is already committed; delete it to upload it again")));
        }
        let digests = self.staging.write(id, body, self.config.max_file_bytes).await?;
        file.size = Some(digests.size as i64);
        file.md5 = Some(digests.md5);
        file.sha512 = Some(digests.sha512);
        file.staged = true;
        file.updated = now();
        self.catalog.update_draft_file(&file).await?;
        Ok(file_view(file))
    }

    /// Marks an uploaded file complete (InvenioRDM's "commit").
    pub async fn commit_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<DraftFileView> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let mut file = self.draft_file_row(id, key).await?;
        if file.sha512.is_none() {
            return Err(Error::BadRequest(format!("no content has been uploaded for '{key}'")));
        }
        file.status = "completed".into();
        file.updated = now();
        self.catalog.update_draft_file(&file).await?;
        let detail = serde_json::json!({"key": file.key, "size": file.size, "sha512": file.sha512});
        self.audit_draft("draft-file-committed", subject, &row, detail).await?;
        Ok(file_view(file))
    }

    pub async fn draft_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<DraftFileView> {
        self.draft_row(subject, id, Action::ReadDraft).await?;
        Ok(file_view(self.draft_file_row(id, key).await?))
    }

    pub async fn draft_files(&self, subject: &Subject, id: RecordId) -> Result<Vec<DraftFileView>> {
        self.draft_row(subject, id, Action::ReadDraft).await?;
        Ok(self.catalog.draft_files(id, 0, None).await?.into_iter().map(file_view).collect())
    }

    pub async fn delete_draft_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<()> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let file = self.draft_file_row(id, key).await?;
        // The staged bytes stay until the draft is published or discarded: another key may share them.
        self.catalog.delete_draft_file(id, key).await?;
        self.audit_draft("draft-file-deleted", subject, &row, serde_json::json!({"key": file.key, "sha512": file.sha512})).await
    }

    async fn draft_file_row(&self, id: RecordId, key: &str) -> Result<DraftFileRow> {
        let key = FileKey::parse(key).map_err(Error::BadRequest)?;
        self.catalog.draft_file(id, key.as_str()).await?.ok_or_else(|| Error::not_found(format!("file '{key}' of draft {id}")))
    }

    pub(crate) fn check_files_writable(&self, row: &tessera_catalog::DraftRow) -> Result<()> {
        if row.kind == KIND_EDIT {
            return Err(Error::BadRequest("the files of a published version cannot change; create a new version instead".into()));
        }
        let doc: DraftDoc = from_json(&row.doc)?;
        if !doc.files_enabled {
            return Err(Error::BadRequest("files are disabled for this draft (files.enabled is false)".into()));
        }
        Ok(())
    }
}

fn file_view(row: DraftFileRow) -> DraftFileView {
    DraftFileView { key: row.key, status: row.status, size: row.size, md5: row.md5, created: row.created, updated: row.updated }
}
