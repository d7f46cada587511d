//! InvenioRDM's multipart transfer for draft files: a file declared with its size and its
//! number of parts, each part sent to its own address, in any order and in parallel, then
//! committed. Parts are written in place into one file in the draft's staging folder, each
//! checked against its length (so no part runs into the next) and, when sent, its MD5; the
//! commit checks every part arrived, hashes the whole file and makes it the draft's file.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tessera_catalog::{DraftRow, UploadRow};
use tessera_domain::RecordId;
use tessera_domain::authz::{Action, Subject};
use tessera_storage::HashState;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use crate::tessera::now;
use crate::{Error, Result, Tessera};

/// S3's bound, which clients written for it respect.
pub const MAX_PARTS: u64 = 10_000;

/// A file to be sent in parts, as InvenioRDM's `transfer: {type: "M", parts, part_size}` with
/// the file's `size` declares it.
#[derive(Clone, Copy, Debug)]
pub struct MultipartRequest {
    pub size: u64,
    pub parts: u64,
    /// Every part's size but the last's; by default the size shared out over the parts.
    pub part_size: Option<u64>,
}

/// A pending multipart file's parts, for its links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartView {
    pub parts: u64,
    pub part_size: u64,
    /// RFC 3339: the parts are removed if none arrives before this.
    pub expires: String,
}

/// A part as its request announces it.
#[derive(Clone, Debug, Default)]
pub struct PartUpload {
    pub part: u64,
    /// Its size, when the request declares one.
    pub size: Option<u64>,
    /// Its MD5 (`Content-MD5`), when sent.
    pub md5: Option<Vec<u8>>,
}

impl MultipartRequest {
    /// The part size, checked against the size and the number of parts.
    fn part_size(&self, limit: u64) -> Result<u64> {
        let invalid = |message: String| Err(Error::Validation(vec![tessera_domain::Problem::new("transfer", message)]));
        if self.size == 0 {
            return invalid("a multipart file needs its size, and it cannot be empty".into());
        }
        if self.size > limit {
            return Err(Error::TooLarge { limit });
        }
        if self.parts == 0 || self.parts > MAX_PARTS {
            return invalid(format!("parts must be from 1 to {MAX_PARTS}, not {}", self.parts));
        }
        let part_size = self.part_size.unwrap_or_else(|| self.size.div_ceil(self.parts));
        if part_size == 0 || self.size.div_ceil(part_size) != self.parts {
            return invalid(format!("{} parts of {part_size} bytes do not make a file of {} bytes", self.parts, self.size));
        }
        Ok(part_size)
    }
}

pub(crate) fn multipart_view(row: &UploadRow) -> Option<MultipartView> {
    let part_size = row.part_size? as u64;
    Some(MultipartView { parts: (row.length as u64).div_ceil(part_size), part_size, expires: row.expires.clone() })
}

impl Tessera {
    /// Starts the parts of a file being declared on a draft.
    pub(crate) async fn start_multipart(
        &self,
        subject: &Subject,
        draft: RecordId,
        key: &str,
        request: MultipartRequest,
    ) -> Result<UploadRow> {
        let owner = subject.user_id().ok_or(Error::Unauthenticated)?;
        let part_size = request.part_size(self.config.max_file_bytes)?;
        let row = UploadRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            owner_id: owner,
            draft_id: draft,
            key: key.to_string(),
            length: request.size as i64,
            received: 0,
            metadata: String::new(),
            created: now(),
            expires: self.upload_expiry(),
            completed: None,
            part_size: Some(part_size as i64),
        };
        self.staging.create_upload(draft, &row.id).await?;
        Ok(row)
    }

    /// Writes one part of a multipart file in its place. A part is kept only whole, of its
    /// exact length and matching its MD5 when one is sent; sent again, it replaces itself.
    pub async fn upload_part<S, E>(&self, subject: &Subject, id: RecordId, key: &str, part: PartUpload, body: S) -> Result<()>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let (_, upload) = self.pending_multipart(subject, id, key).await?;
        let view = multipart_view(&upload).ok_or_else(|| Error::BadRequest(format!("'{key}' is not sent in parts")))?;
        if part.part == 0 || part.part > view.parts {
            return Err(Error::not_found(format!("part {} of '{key}' (it has parts 1 to {})", part.part, view.parts)));
        }
        let offset = (part.part - 1) * view.part_size;
        let expected = view.part_size.min(upload.length as u64 - offset);
        if let Some(size) = part.size
            && size != expected
        {
            return Err(Error::BadRequest(format!(
                "part {} of '{key}' must have exactly {expected} bytes, not {size}, so that no part overlaps another",
                part.part
            )));
        }
        let guard = self.upload_slots.take(&format!("{}#{}", upload.id, part.part), 0)?;
        let tessera = self.clone();
        tokio::spawn(async move {
            let _guard = guard;
            tessera.write_part(upload, part, offset, expected, body).await
        })
        .await
        .map_err(std::io::Error::other)?
    }

    async fn write_part<S, E>(&self, upload: UploadRow, part: PartUpload, offset: u64, expected: u64, mut body: S) -> Result<()>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let number = part.part;
        let path = self.staging.upload_path(upload.draft_id, &upload.id);
        let written: Result<(u64, Option<String>)> = async {
            let mut file = tokio::fs::File::options().write(true).open(&path).await?;
            file.seek(std::io::SeekFrom::Start(offset)).await?;
            // A part's MD5 is worked out only to check the one its client sent.
            let mut md5 = part.md5.as_ref().map(|_| tessera_storage::Md5::default());
            let mut written = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk =
                    chunk.map_err(|err| Error::BadRequest(format!("part {number} was interrupted after {written} bytes: {err}")))?;
                if written + chunk.len() as u64 > expected {
                    return Err(Error::PieceTooLong(format!("part {number} runs past its {expected} bytes into the next part")));
                }
                file.write_all(&chunk).await?;
                if let Some(md5) = &mut md5 {
                    md5.update(&chunk);
                }
                written += chunk.len() as u64;
            }
            file.sync_data().await?;
            Ok((written, md5.map(tessera_storage::Md5::finish_hex)))
        }
        .await;
        let (written, md5) = match written {
            Ok(done) => done,
            Err(Error::Io(err)) => {
                // Storage failed, as when the disk is full: this upload goes and frees its space.
                tracing::error!(upload = upload.id, error = %err, "writing a part failed; removing the upload");
                self.discard_upload(&upload).await;
                return Err(Error::Io(err));
            }
            Err(err) => return Err(err),
        };
        if written < expected {
            return Err(Error::BadRequest(format!("part {number} ended after {written} of its {expected} bytes")));
        }
        if let (Some(sent), Some(md5)) = (part.md5, md5)
            && tessera_storage::hex(&sent) != md5
        {
            return Err(Error::ChecksumMismatch(format!("part {number}'s MD5 differs from its Content-MD5; send it again")));
        }
        self.catalog.record_part(&upload.id, number as i64, written as i64, &self.upload_expiry()).await?;
        Ok(())
    }

    /// Commits a multipart file once every part has arrived.
    pub(crate) async fn commit_multipart(&self, subject: &Subject, draft: &DraftRow, upload: UploadRow) -> Result<()> {
        let view = multipart_view(&upload).ok_or_else(|| Error::BadRequest(format!("'{}' is not sent in parts", upload.key)))?;
        let arrived = self.catalog.upload_parts(&upload.id).await?;
        let missing: Vec<String> = (1..=view.parts as i64).filter(|p| arrived.binary_search(p).is_err()).map(|p| p.to_string()).collect();
        if !missing.is_empty() {
            let shown = missing.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
            let more = if missing.len() > 20 { format!(" and {} more", missing.len() - 20) } else { String::new() };
            return Err(Error::BadRequest(format!("'{}' cannot be committed: parts {shown}{more} have not arrived", upload.key)));
        }
        let (path, length) = (self.staging.upload_path(upload.draft_id, &upload.id), upload.length as u64);
        let state = tokio::task::spawn_blocking(move || HashState::of_prefix(&path, length)).await.map_err(std::io::Error::other)??;
        self.complete_upload(subject, draft, upload, state).await.map(drop)
    }

    /// The draft (for editing) and the pending multipart upload of its file `key`.
    pub(crate) async fn pending_multipart(&self, subject: &Subject, id: RecordId, key: &str) -> Result<(DraftRow, UploadRow)> {
        let draft = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&draft)?;
        let key = tessera_domain::FileKey::parse(key).map_err(Error::BadRequest)?;
        let upload = self.catalog.multipart_upload(id, key.as_str()).await?;
        let upload = upload.ok_or_else(|| Error::not_found(format!("a multipart upload of '{key}' in draft {id}")))?;
        Ok((draft, upload))
    }
}
