//! Files of drafts: declaring keys, uploading content into staging, committing, deleting.
//! Files of a published version never change; an edit draft's files are locked.

use std::collections::HashMap;

use bytes::Bytes;
use futures::Stream;
use tessera_catalog::{DraftFileRow, UploadRow};
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{FileKey, Problem, RecordId};

use crate::drafts::{KIND_EDIT, KIND_VERSION, draft_event, from_json};
use crate::model::{DraftDoc, DraftFileView, FileView, RecordDoc};
use crate::multipart::{MultipartRequest, MultipartView, multipart_view};
use crate::records::ReadableFile;
use crate::staging::Staging;
use crate::tessera::now;
use crate::{Error, Result, Tessera};

impl Tessera {
    /// Declares new files on a draft (InvenioRDM's "initialize upload"); a file declared with
    /// a multipart transfer gets its parts' addresses.
    pub async fn init_files(&self, subject: &Subject, id: RecordId, files: Vec<FileDeclaration>) -> Result<Vec<DraftFileView>> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let mut problems = Vec::new();
        let mut parsed: Vec<(FileKey, Option<MultipartRequest>)> = Vec::new();
        // A set, so a list of many thousands of keys is checked in one pass.
        let mut listed = std::collections::HashSet::new();
        for (i, file) in files.iter().enumerate() {
            match FileKey::parse(&file.key) {
                Ok(key) if !listed.insert(key.clone()) => {
                    problems.push(Problem::new(format!("{i}.key"), format!("'{key}' is listed twice")))
                }
                Ok(key) => parsed.push((key, file.multipart)),
                Err(message) => problems.push(Problem::new(format!("{i}.key"), message)),
            }
        }
        if files.is_empty() {
            problems.push(Problem::new("", "list at least one file"));
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let stamp = now();
        let mut uploads = Vec::new();
        for (key, multipart) in &parsed {
            if let Some(request) = multipart {
                match self.start_multipart(subject, id, key.as_str(), *request).await {
                    Ok(upload) => uploads.push(upload),
                    Err(err) => {
                        self.remove_upload_files(&uploads).await;
                        return Err(err);
                    }
                }
            }
        }
        let rows: Vec<DraftFileRow> = parsed
            .iter()
            .map(|(key, _)| DraftFileRow {
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
        if let Err(err) = self.catalog.insert_draft_files(&rows, &uploads).await {
            self.remove_upload_files(&uploads).await;
            return Err(match err {
                tessera_catalog::Error::Conflict { .. } => {
                    Error::Conflict("a file with one of these keys already exists in the draft".into())
                }
                other => other.into(),
            });
        }
        let parts: HashMap<&str, MultipartView> =
            uploads.iter().filter_map(|upload| Some((upload.key.as_str(), multipart_view(upload)?))).collect();
        Ok(rows
            .into_iter()
            .map(|row| {
                let multipart = parts.get(row.key.as_str()).cloned();
                DraftFileView { multipart, ..file_view(row) }
            })
            .collect())
    }

    async fn remove_upload_files(&self, uploads: &[tessera_catalog::UploadRow]) {
        for upload in uploads {
            let _ = self.staging.remove_upload(upload.draft_id, &upload.id).await;
        }
    }

    /// Streams a file's content into the staging area, hashing it on the way.
    pub async fn upload_content<S, E>(&self, subject: &Subject, id: RecordId, key: &str, body: S) -> Result<DraftFileView>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let (mut file, transfer) = self.draft_file_row(id, key).await?;
        if file.status == "completed" {
            return Err(Error::BadRequest(format!("'{key}' is already committed; delete it to upload it again")));
        }
        if transfer.is_some() {
            return Err(Error::BadRequest(format!("'{key}' is sent in parts: put each part to its address in links.parts")));
        }
        let digests = self.staging.write(id, body, self.config.max_file_bytes).await?;
        file.size = Some(digests.size as i64);
        file.md5 = Some(digests.md5);
        file.sha512 = Some(digests.sha512);
        file.staged = true;
        file.updated = now();
        if !self.catalog.update_draft_file(&file, Vec::new()).await? {
            return Err(no_file(id, &file.key));
        }
        Ok(file_view(file))
    }

    /// Marks an uploaded file complete (InvenioRDM's "commit").
    pub async fn commit_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<DraftFileView> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let (mut file, transfer) = self.draft_file_row(id, key).await?;
        if let Some(upload) = self.transfer(transfer).await? {
            self.commit_multipart(subject, &row, upload).await?;
            return Ok(file_view(self.draft_file_row(id, key).await?.0));
        }
        if file.sha512.is_none() {
            return Err(Error::BadRequest(format!("no content has been uploaded for '{key}'")));
        }
        if file.status == "completed" && !file.staged {
            // Carried from the version before: committed there, and unchanged.
            return Ok(file_view(file));
        }
        file.status = "completed".into();
        file.updated = now();
        // The entry is written with the change, or neither is.
        let detail = serde_json::json!({"key": file.key, "size": file.size, "sha512": file.sha512});
        let entry = self.entry(draft_event("draft-file-committed", subject, &row).detail(detail));
        if !self.catalog.update_draft_file(&file, vec![entry]).await? {
            return Err(no_file(id, &file.key));
        }
        Ok(file_view(file))
    }

    pub async fn draft_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<DraftFileView> {
        self.draft_row(subject, id, Action::ReadDraft).await?;
        let (file, transfer) = self.draft_file_row(id, key).await?;
        let multipart = self.transfer(transfer).await?.as_ref().and_then(multipart_view);
        Ok(DraftFileView { multipart, ..file_view(file) })
    }

    /// A draft's files as `subject` may list them, checked once; the list is then read a
    /// page at a time through it.
    pub async fn draft_file_list(&self, subject: &Subject, id: RecordId) -> Result<DraftFileList> {
        let row = self.draft_row(subject, id, Action::ReadDraft).await?;
        let doc: DraftDoc = from_json(&row.doc)?;
        let uploads = self.catalog.multipart_uploads(id).await?;
        let multipart = uploads.iter().filter_map(|upload| Some((upload.key.clone(), multipart_view(upload)?))).collect();
        Ok(DraftFileList { draft: id, files_enabled: doc.files_enabled, multipart })
    }

    /// At most `limit` of the files after the key `after` in key order (from the first when
    /// it is empty): however far into the list, one index range.
    pub async fn draft_files_after(&self, list: &DraftFileList, after: &str, limit: i64) -> Result<Vec<DraftFileView>> {
        Ok(list.views(self.catalog.draft_files_after(list.draft, after, limit).await?))
    }

    /// A numbered page of the files in key order, from `offset`, and how many there are.
    pub async fn draft_files_page(&self, list: &DraftFileList, offset: i64, limit: i64) -> Result<(Vec<DraftFileView>, i64)> {
        let rows = self.catalog.draft_files(list.draft, offset, Some(limit)).await?;
        let (total, _) = self.catalog.draft_files_summary(list.draft).await?;
        Ok((list.views(rows), total))
    }

    pub async fn delete_draft_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<()> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        let (file, transfer) = self.draft_file_row(id, key).await?;
        if let Some(upload) = self.transfer(transfer).await? {
            self.discard_upload(&upload).await;
        }
        // The staged bytes stay until the draft is published or discarded: another key may share them.
        let detail = serde_json::json!({"key": file.key, "sha512": file.sha512});
        let entry = self.entry(draft_event("draft-file-deleted", subject, &row).detail(detail));
        if !self.catalog.delete_draft_file(id, &file.key, vec![entry]).await? {
            return Err(no_file(id, &file.key));
        }
        Ok(())
    }

    /// Brings into a new version's draft every file of the latest published version whose key
    /// the draft does not have (InvenioRDM's "files-import"). A new version starts with them
    /// already, so this brings back only those deleted from the draft since; returns how many.
    pub async fn import_files(&self, subject: &Subject, id: RecordId) -> Result<u64> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&row)?;
        if row.kind != KIND_VERSION {
            return Err(Error::BadRequest(format!(
                "draft {id} is the first version of its dataset: there is no earlier version to import files from"
            )));
        }
        let latest = self
            .catalog
            .records_of_parent(row.parent_id)
            .await?
            .pop()
            .ok_or_else(|| Error::not_found(format!("the versions of draft {id}")))?;
        let doc: RecordDoc = from_json(&latest.doc)?;
        self.authorize(subject, Action::EditRecord, &self.record_facts(subject, &doc, None).await?, &format!("record {}", latest.id))
            .await?;
        let audit = |files: u64| {
            let detail = serde_json::json!({"from": latest.id.0, "files": files});
            // An import that brought nothing changed nothing.
            if files == 0 { vec![] } else { vec![self.entry(draft_event("draft-files-imported", subject, &row).detail(detail))] }
        };
        Ok(self.catalog.import_draft_files(id, latest.id, &now(), audit).await?)
    }

    /// A draft's file whose content the caller may read: what was uploaded to it, or what a
    /// new version carries from the version before.
    pub async fn readable_draft_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<ReadableFile> {
        let row = self.draft_row(subject, id, Action::ReadDraft).await?;
        let (file, _) = self.draft_file_row(id, key).await?;
        let no_content = || Error::not_found(format!("the content of '{}' in draft {id}: none was uploaded yet", file.key));
        let sha512 = file.sha512.clone().ok_or_else(no_content)?;
        let (store, content_key) = if file.staged {
            (self.staging.store().clone(), Staging::content_key(id, &sha512))
        } else {
            let stored = self.catalog.stored_content_key(row.parent_id, &sha512).await?;
            let stored = stored.ok_or_else(|| {
                Error::Corrupt(format!("draft {id} carries '{}', whose content no version of its dataset holds", file.key))
            })?;
            (self.ocfl.store().clone(), stored)
        };
        let doc: DraftDoc = from_json(&row.doc)?;
        let view = FileView {
            data_class: doc.access.class_of(&file.key),
            size: file.size.unwrap_or(0),
            md5: file.md5.clone().unwrap_or_default(),
            sha512: sha512.into(),
            key: file.key,
        };
        Ok(ReadableFile { file: view, open_to_all: false, content_key, store, counted: None })
    }

    /// A draft's file, and the id of its unfinished multipart transfer if it has one.
    async fn draft_file_row(&self, id: RecordId, key: &str) -> Result<(DraftFileRow, Option<String>)> {
        let key = FileKey::parse(key).map_err(Error::BadRequest)?;
        self.catalog.draft_file_and_transfer(id, key.as_str()).await?.ok_or_else(|| no_file(id, key.as_str()))
    }

    /// The multipart transfer `draft_file_row` named, if any.
    async fn transfer(&self, id: Option<String>) -> Result<Option<UploadRow>> {
        Ok(match id {
            Some(id) => self.catalog.upload(&id).await?,
            None => None,
        })
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

fn no_file(id: RecordId, key: &str) -> Error {
    Error::not_found(format!("file '{key}' of draft {id}"))
}

fn file_view(row: DraftFileRow) -> DraftFileView {
    DraftFileView {
        key: row.key,
        status: row.status,
        size: row.size,
        md5: row.md5,
        created: row.created,
        updated: row.updated,
        multipart: None,
    }
}

/// A file to declare on a draft: its key, and its parts if it is sent by multipart transfer.
#[derive(Clone, Debug)]
pub struct FileDeclaration {
    pub key: String,
    pub multipart: Option<MultipartRequest>,
}

impl FileDeclaration {
    /// A file whose content is uploaded whole.
    pub fn whole(key: impl Into<String>) -> Self {
        Self { key: key.into(), multipart: None }
    }
}

/// A draft's files as one caller may list them, from `Tessera::draft_file_list`.
pub struct DraftFileList {
    draft: RecordId,
    pub files_enabled: bool,
    /// The parts of the files sent by multipart transfers under way, by key: few, however
    /// many files the draft has.
    multipart: HashMap<String, MultipartView>,
}

impl DraftFileList {
    fn views(&self, rows: Vec<DraftFileRow>) -> Vec<DraftFileView> {
        rows.into_iter()
            .map(|row| {
                let multipart = self.multipart.get(&row.key).cloned();
                DraftFileView { multipart, ..file_view(row) }
            })
            .collect()
    }
}
