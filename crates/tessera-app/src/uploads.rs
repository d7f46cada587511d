//! Resumable uploads (tus 1.0): a file sent in pieces over as many requests as it takes. Each
//! piece is written, hashed and made durable before it is acknowledged, so an upload resumes
//! from its last acknowledged byte after a dropped connection or a restart. The last byte
//! makes the upload a committed file of its draft.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tessera_catalog::{DraftFileRow, DraftRow, UploadRow};
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{FileKey, Problem, RecordId};
use tessera_formats::bagit::Algorithm;
use tessera_storage::{Digests, HashState, HashingWriter};

use crate::drafts::draft_event;
use crate::tessera::{from_now, now};
use crate::{Error, Result, Tessera};

/// The digests a client may send with a piece (tus's `Upload-Checksum`).
pub const PIECE_ALGORITHMS: [&str; 3] = ["sha1", "md5", "sha256"];

/// What a client asks for when it starts an upload.
#[derive(Clone, Debug)]
pub struct NewUpload {
    pub draft: RecordId,
    pub key: String,
    pub length: u64,
    /// The client's `Upload-Metadata`, kept to be echoed back.
    pub metadata: String,
}

/// An upload as the protocol reports it.
#[derive(Clone, Debug)]
pub struct UploadView {
    pub id: String,
    pub draft: RecordId,
    pub key: String,
    pub length: u64,
    /// Bytes received and durable.
    pub offset: u64,
    pub metadata: String,
    /// RFC 3339: an unfinished upload is removed after this.
    pub expires: String,
    /// The finished file's digests, once the upload is complete.
    pub digests: Option<Digests>,
}

/// A piece of an upload as its request announces it.
#[derive(Clone, Debug, Default)]
pub struct Piece {
    /// Where it starts: where the upload stands.
    pub offset: u64,
    /// Its size, when the request declares one.
    pub size: Option<u64>,
    pub check: Option<PieceCheck>,
}

/// A digest the client sent for one piece; the piece is kept only if it matches.
#[derive(Clone, Debug)]
pub struct PieceCheck {
    name: &'static str,
    algorithm: Algorithm,
    expected_hex: String,
}

impl PieceCheck {
    /// None for an algorithm outside `PIECE_ALGORITHMS`.
    pub fn new(algorithm: &str, expected: &[u8]) -> Option<Self> {
        let name = PIECE_ALGORITHMS.into_iter().find(|name| *name == algorithm)?;
        Some(Self { name, algorithm: Algorithm::parse(name)?, expected_hex: tessera_storage::hex(expected) })
    }
}

/// The running digests of unfinished uploads between their pieces, and which are being written
/// now. Lost on a restart: the next piece then hashes the acknowledged bytes from the file.
#[derive(Clone, Default)]
pub(crate) struct UploadSlots(Arc<Mutex<HashMap<String, Slot>>>);

enum Slot {
    Writing,
    Idle(Box<HashState>),
}

impl UploadSlots {
    /// Marks the upload as being written and hands out its digests so far, if they are known
    /// for exactly `received` bytes. Refused while another request writes it.
    pub(crate) fn take(&self, id: &str, received: u64) -> Result<SlotGuard> {
        let mut slots = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let state = match slots.insert(id.to_string(), Slot::Writing) {
            Some(Slot::Writing) => {
                return Err(Error::Conflict("another request is sending this upload's bytes; retry when it ends".into()));
            }
            Some(Slot::Idle(state)) if state.size() == received => Some(*state),
            _ => None,
        };
        Ok(SlotGuard { slots: self.clone(), id: id.to_string(), state })
    }

    fn is_writing(&self, id: &str) -> bool {
        matches!(self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(id), Some(Slot::Writing))
    }

    fn forget(&self, id: &str) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(id);
    }
}

/// Holds an upload's slot while a piece is written; leaves its digests (or nothing) behind when
/// dropped, however the writing ended.
pub(crate) struct SlotGuard {
    slots: UploadSlots,
    id: String,
    state: Option<HashState>,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        let mut slots = self.slots.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match self.state.take() {
            Some(state) => slots.insert(self.id.clone(), Slot::Idle(Box::new(state))),
            None => slots.remove(&self.id),
        };
    }
}

impl Tessera {
    /// Starts an upload that will become the file `key` of a draft.
    pub async fn create_upload(&self, subject: &Subject, new: NewUpload) -> Result<UploadView> {
        let owner = subject.user_id().ok_or(Error::Unauthenticated)?;
        let draft = self.draft_row(subject, new.draft, Action::EditDraft).await?;
        self.check_files_writable(&draft)?;
        let key = FileKey::parse(&new.key).map_err(|message| Error::Validation(vec![Problem::new("filename", message)]))?;
        if new.length > self.config.max_file_bytes {
            return Err(Error::TooLarge { limit: self.config.max_file_bytes });
        }
        if self.catalog.draft_file(draft.id, key.as_str()).await?.is_some_and(|file| file.status == "completed") {
            return Err(Error::Conflict(format!("'{key}' is already committed to draft {}; delete it to upload it again", draft.id)));
        }
        let row = UploadRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            owner_id: owner,
            draft_id: draft.id,
            key: key.to_string(),
            length: i64::try_from(new.length).map_err(|_| Error::TooLarge { limit: self.config.max_file_bytes })?,
            received: 0,
            metadata: new.metadata,
            created: now(),
            expires: self.upload_expiry(),
            completed: None,
            part_size: None,
        };
        self.staging.create_upload(draft.id, &row.id).await?;
        if let Err(err) = self.catalog.insert_upload(&row).await {
            let _ = self.staging.remove_upload(draft.id, &row.id).await;
            return Err(err.into());
        }
        if row.length == 0 {
            return self.complete_upload(subject, &draft, row, HashState::default()).await;
        }
        Ok(upload_view(row, None))
    }

    /// An upload's progress; its digests once complete.
    pub async fn upload(&self, subject: &Subject, id: &str) -> Result<UploadView> {
        let (row, _) = self.authorized_upload(subject, id).await?;
        let digests = match row.completed {
            Some(_) => self.catalog.draft_file(row.draft_id, &row.key).await?.and_then(|file| {
                Some(Digests { size: u64::try_from(file.size?).ok()?, sha512: file.sha512?, md5: file.md5?, crc32: None })
            }),
            None => None,
        };
        Ok(upload_view(row, digests))
    }

    /// Appends a piece that starts at `offset`, which must be where the upload stands. The
    /// piece is kept only whole and matching `check` when one is given; a piece without a
    /// check that is cut short is kept as far as it arrived, so the client resumes from there.
    /// The writing runs on its own task, so a client that disconnects leaves it finished.
    pub async fn append_upload<S, E>(&self, subject: &Subject, id: &str, piece: Piece, body: S) -> Result<UploadView>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let (row, draft) = self.authorized_upload(subject, id).await?;
        let received = row.received as u64;
        if row.completed.is_some() {
            return Err(Error::Conflict(format!("the upload is complete: all {} bytes arrived", row.length)));
        }
        let Piece { offset, size, check } = piece;
        if offset != received {
            return Err(Error::Conflict(format!(
                "the upload has {received} bytes; send the next piece from offset {received}, not {offset}"
            )));
        }
        if let Some(size) = size
            && offset.saturating_add(size) > row.length as u64
        {
            return Err(Error::PieceTooLong(format!(
                "a piece of {size} bytes at offset {offset} would end past the upload's length of {} bytes",
                row.length
            )));
        }
        let guard = self.upload_slots.take(&row.id, received)?;
        let (tessera, subject) = (self.clone(), subject.clone());
        tokio::spawn(async move { tessera.write_piece(&subject, &draft, row, guard, check, body).await })
            .await
            .map_err(std::io::Error::other)?
    }

    async fn write_piece<S, E>(
        &self,
        subject: &Subject,
        draft: &DraftRow,
        row: UploadRow,
        mut guard: SlotGuard,
        check: Option<PieceCheck>,
        mut body: S,
    ) -> Result<UploadView>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let path = self.staging.upload_path(row.draft_id, &row.id);
        // A missing file: the draft was published or discarded meanwhile, and its uploads with it.
        let gone = |err: std::io::Error| match err.kind() {
            std::io::ErrorKind::NotFound => Error::not_found(format!("upload {}", row.id)),
            _ => Error::Io(err),
        };
        let before = match guard.state.take() {
            Some(state) => state,
            None => {
                let (path, size) = (path.clone(), row.received as u64);
                let state = tokio::task::spawn_blocking(move || HashState::of_prefix(&path, size)).await.map_err(std::io::Error::other)?;
                state.map_err(gone)?
            }
        };
        let mut writer = HashingWriter::append(&path, before.clone()).map_err(gone)?;
        let room = (row.length - row.received) as u64;
        let mut hasher = check.as_ref().map(|check| check.algorithm.hasher());
        let mut piece = 0u64;
        let mut cut_short: Option<Error> = None;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(err) => {
                    cut_short = Some(Error::BadRequest(format!("the piece was interrupted after {piece} bytes: {err}")));
                    break;
                }
            };
            if piece + chunk.len() as u64 > room {
                cut_short = Some(Error::PieceTooLong(format!("the piece runs past the upload's length of {} bytes", row.length)));
                break;
            }
            piece += chunk.len() as u64;
            if let Some(hasher) = &mut hasher {
                hasher.update(&chunk);
            }
            if writer.write(chunk).await.is_err() {
                break; // finish_state says why
            }
        }
        let after = match writer.finish_state().await {
            Ok(state) => state,
            Err(err) => {
                // Storage failed, as when the disk is full: this upload goes and frees its space.
                tracing::error!(upload = row.id, error = %err, "writing an upload failed; removing it");
                self.discard_upload(&row).await;
                return Err(err.into());
            }
        };
        let checked = check.is_some();
        let mismatch = check.zip(hasher).and_then(|(check, hasher)| (hasher.finish_hex() != check.expected_hex).then_some(check.name));
        let refusal = match cut_short.take() {
            Some(too_long @ Error::PieceTooLong(_)) => Some(too_long),
            Some(_) if checked => {
                Some(Error::BadRequest("the piece was interrupted before its checksum could be checked; send it again".into()))
            }
            // Cut short without a checksum: what arrived is kept, and the client resumes after it.
            Some(interrupted) => {
                cut_short = Some(interrupted);
                None
            }
            None => mismatch
                .map(|name| Error::ChecksumMismatch(format!("the piece's {name} digest differs from its Upload-Checksum; send it again"))),
        };
        if let Some(refusal) = refusal {
            // The refused bytes stay in the file until the next piece cuts them off.
            guard.state = Some(before);
            return Err(refusal);
        }
        let received = after.size();
        if received == row.length as u64 {
            drop(guard); // a finished upload needs no running digests
            return self.complete_upload(subject, draft, row, after).await;
        }
        let expires = self.upload_expiry();
        self.catalog.set_upload_received(&row.id, received as i64, &expires).await?;
        guard.state = Some(after);
        match cut_short {
            Some(interrupted) => Err(interrupted),
            None => Ok(upload_view(UploadRow { received: received as i64, expires, ..row }, None)),
        }
    }

    /// Makes a finished upload the draft's committed file.
    pub(crate) async fn complete_upload(
        &self,
        subject: &Subject,
        draft: &DraftRow,
        row: UploadRow,
        state: HashState,
    ) -> Result<UploadView> {
        let digests = state.digests();
        self.staging.finish_upload(row.draft_id, &row.id, &digests.sha512).await?;
        let stamp = now();
        let file = DraftFileRow {
            draft_id: row.draft_id,
            key: row.key.clone(),
            status: "completed".into(),
            size: Some(digests.size as i64),
            md5: Some(digests.md5.clone()),
            sha512: Some(digests.sha512.clone()),
            staged: true,
            created: stamp.clone(),
            updated: stamp.clone(),
        };
        let row = UploadRow { received: row.length, completed: Some(stamp), expires: self.upload_expiry(), ..row };
        let detail = serde_json::json!({"key": file.key, "size": file.size, "sha512": file.sha512, "upload": row.id});
        let entry = self.entry(draft_event("draft-file-committed", subject, draft).detail(detail));
        match self.catalog.complete_upload(&row, &file, vec![entry]).await {
            Ok(()) => {}
            Err(tessera_catalog::Error::Conflict { .. }) => {
                self.catalog.delete_upload(&row.id).await?;
                return Err(Error::Conflict(format!("'{}' was committed to the draft meanwhile; delete it to upload it again", row.key)));
            }
            // Its bytes have their content address already, so it cannot be resumed: it goes,
            // and the hourly sweep frees the bytes unless the draft names them.
            Err(err @ tessera_catalog::Error::Publishing { .. }) => {
                self.catalog.delete_upload(&row.id).await?;
                return Err(err.into());
            }
            Err(err) => return Err(err.into()),
        }
        Ok(upload_view(row, Some(digests)))
    }

    /// Stops an upload and frees its space (tus termination). A complete upload's file stays
    /// in the draft.
    pub async fn terminate_upload(&self, subject: &Subject, id: &str) -> Result<()> {
        let (row, _) = self.authorized_upload(subject, id).await?;
        if self.upload_slots.is_writing(&row.id) {
            return Err(Error::Conflict("a request is sending this upload's bytes; stop it first".into()));
        }
        self.discard_upload(&row).await;
        Ok(())
    }

    /// Removes uploads whose expiry has passed, freeing the space of unfinished ones; returns
    /// how many went. The server runs it with its background jobs.
    pub async fn expire_uploads(&self) -> Result<usize> {
        const BATCH: usize = 500;
        let mut removed = 0;
        loop {
            let expired = self.catalog.expired_uploads(&now(), BATCH as i64).await?;
            let idle: Vec<&UploadRow> = expired.iter().filter(|row| !self.upload_slots.is_writing(&row.id)).collect();
            for row in &idle {
                if row.completed.is_none() {
                    tracing::info!(upload = row.id, draft = row.draft_id.0, received = row.received, "removing an abandoned upload");
                }
                self.discard_upload(row).await;
            }
            removed += idle.len();
            if expired.len() < BATCH || idle.is_empty() {
                return Ok(removed);
            }
        }
    }

    /// Frees the staging space of content no draft file names any more (a file deleted, or
    /// given other bytes), and the folders of drafts that are gone, once an hour old; returns
    /// the bytes freed. The server runs it every hour beside its jobs.
    pub async fn sweep_staging(&self) -> Result<u64> {
        const GRACE: std::time::Duration = std::time::Duration::from_secs(3600);
        let mut freed = 0;
        for draft in self.staging.drafts().await? {
            // Ids are never given twice, so a draft that is gone does not come back.
            let named = match self.catalog.draft(draft).await? {
                Some(_) => Some(self.catalog.staged_digests(draft).await?),
                None => None,
            };
            freed += self.staging.sweep_unnamed(draft, named, GRACE).await?;
        }
        Ok(freed)
    }

    pub(crate) async fn discard_upload(&self, row: &UploadRow) {
        self.upload_slots.forget(&row.id);
        if let Err(err) = self.catalog.delete_upload(&row.id).await {
            tracing::error!(upload = row.id, error = %err, "removing an upload's row");
        }
        if row.completed.is_none()
            && let Err(err) = self.staging.remove_upload(row.draft_id, &row.id).await
        {
            tracing::error!(upload = row.id, error = %err, "removing an upload's bytes");
        }
    }

    /// The upload, if the caller started it and may still edit its draft; unfinished uploads
    /// past their expiry are gone.
    async fn authorized_upload(&self, subject: &Subject, id: &str) -> Result<(UploadRow, DraftRow)> {
        let missing = || Error::not_found(format!("upload {id}"));
        let wellformed = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        let row = if wellformed { self.catalog.upload(id).await? } else { None }.ok_or_else(missing)?;
        // A multipart transfer's parts go to the draft's file, not here.
        if Some(row.owner_id) != subject.user_id() || row.part_size.is_some() {
            return Err(missing());
        }
        if row.completed.is_none() && row.expires < now() {
            self.discard_upload(&row).await;
            return Err(missing());
        }
        let draft = self.draft_row(subject, row.draft_id, Action::EditDraft).await?;
        self.check_files_writable(&draft)?;
        Ok((row, draft))
    }

    /// The largest upload accepted, in bytes.
    pub fn max_file_bytes(&self) -> u64 {
        self.config.max_file_bytes
    }

    pub(crate) fn upload_expiry(&self) -> String {
        from_now(time::Duration::try_from(self.config.upload_expiry).unwrap_or(time::Duration::DAY))
    }
}

fn upload_view(row: UploadRow, digests: Option<Digests>) -> UploadView {
    UploadView {
        id: row.id,
        draft: row.draft_id,
        key: row.key,
        length: row.length as u64,
        offset: row.received as u64,
        metadata: row.metadata,
        expires: row.expires,
        digests,
    }
}
