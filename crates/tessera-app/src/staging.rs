//! The staging area: files uploaded to drafts, on local disk until they are published.
//!
//! An upload is written to `{draft}/upload-{uuid}.part`, hashed on the way, fsynced, then
//! renamed to `{draft}/{sha512}`: content-addressed, so a staged file never changes and can be
//! linked into OCFL storage. Partial uploads left by a crash are removed at start-up.
//! A resumable upload grows in `{draft}/{upload id}.upload` over many requests and is renamed
//! the same way when its last byte arrives.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tessera_domain::RecordId;
use tessera_storage::{Digests, HashingWriter, LocalStore, Store};

use crate::{Error, Result};

const UPLOAD_EXTENSION: &str = "upload";

#[derive(Clone)]
pub(crate) struct Staging {
    root: PathBuf,
    /// The same folder as a store, to read staged content as stored content is read.
    store: Arc<dyn Store>,
}

impl Staging {
    pub(crate) fn new(root: PathBuf) -> std::io::Result<Self> {
        let store = Arc::new(LocalStore::new(&root)?);
        Ok(Self { root, store })
    }

    /// The staging folder, on a local disk: work files of a commit can wait there too.
    pub(crate) fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// The staging area as a store, in which a draft's content is at `content_key`.
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub(crate) fn content_key(draft: RecordId, sha512: &str) -> String {
        format!("{draft}/{sha512}")
    }

    /// The draft's staging folder, where its committed content is named by its SHA-512.
    pub(crate) fn draft_dir(&self, draft: RecordId) -> PathBuf {
        self.root.join(draft.to_string())
    }

    /// Where the staged content with this digest lives.
    pub(crate) fn content_path(&self, draft: RecordId, sha512: &str) -> PathBuf {
        self.draft_dir(draft).join(sha512)
    }

    /// Streams `body` into the draft's staging folder, refusing more than `limit` bytes.
    pub(crate) async fn write<S, E>(&self, draft: RecordId, body: S, limit: u64) -> Result<Digests>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.write_in(&self.draft_dir(draft), body, limit, |err| in_draft(draft, err)).await
    }

    /// A folder of its own, beside the drafts', for the documents one change to a dataset's
    /// published records stages (`Tessera::rewrite_records`): the caller removes it
    /// (`remove_folder`), and start-up's `clean` whatever a crash left.
    pub(crate) fn scratch_dir(&self) -> PathBuf {
        self.root.join(format!("rewrite-{}", uuid::Uuid::new_v4().simple()))
    }

    /// Removes a folder `scratch_dir` gave.
    pub(crate) async fn remove_folder(&self, dir: &std::path::Path) {
        if let Err(err) = tokio::fs::remove_dir_all(dir).await
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(folder = %dir.display(), error = %err, "staging folder left for the next start");
        }
    }

    /// `write` into the folder `dir`, each failure to write there told by `failed`.
    pub(crate) async fn write_in<S, E>(
        &self,
        dir: &std::path::Path,
        mut body: S,
        limit: u64,
        failed: impl Fn(std::io::Error) -> Error,
    ) -> Result<Digests>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        tokio::fs::create_dir_all(dir).await?;
        let part = dir.join(format!("upload-{}.part", uuid::Uuid::new_v4().simple()));
        let mut writer = HashingWriter::create(&part).map_err(&failed)?;
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(err) => {
                    writer.abort().await;
                    return Err(Error::BadRequest(format!("the upload was interrupted: {err}")));
                }
            };
            written += chunk.len() as u64;
            if written > limit {
                writer.abort().await;
                return Err(Error::TooLarge { limit });
            }
            if let Err(err) = writer.write(chunk).await {
                writer.abort().await;
                return Err(err.into());
            }
        }
        let digests = match writer.finish().await {
            Ok(digests) => digests,
            Err(err) => {
                let _ = tokio::fs::remove_file(&part).await;
                return Err(err.into());
            }
        };
        Self::settle(dir, part, &digests.sha512).await.map_err(failed)?;
        Ok(digests)
    }

    /// Gives a durable file its content address in its folder `dir`, and makes the name
    /// durable too.
    async fn settle(dir: &std::path::Path, part: PathBuf, sha512: &str) -> std::io::Result<()> {
        let (target, folder) = (dir.join(sha512), dir.to_path_buf());
        tokio::task::spawn_blocking(move || if give_content_address(&part, &target)? { tessera_storage::sync_dir(&folder) } else { Ok(()) })
            .await
            .map_err(std::io::Error::other)?
    }

    /// Where one unpacking writes its archive's entries (see `EntryParts`).
    pub(crate) fn entry_parts(&self, draft: RecordId) -> std::io::Result<EntryParts> {
        let dir = self.draft_dir(draft);
        std::fs::create_dir_all(&dir)?;
        let unpacking = uuid::Uuid::new_v4().simple().to_string();
        let ledger = std::fs::File::create_new(dir.join(format!("unpack-{unpacking}-entries.part")))?;
        Ok(EntryParts { dir, unpacking, ledger: std::io::BufWriter::with_capacity(64 * 1024, ledger), written: 0 })
    }

    /// Where the bytes of a resumable upload accumulate.
    pub(crate) fn upload_path(&self, draft: RecordId, upload: &str) -> PathBuf {
        self.draft_dir(draft).join(format!("{upload}.{UPLOAD_EXTENSION}"))
    }

    /// Creates a resumable upload's empty file, durably, so each piece can append to it.
    pub(crate) async fn create_upload(&self, draft: RecordId, upload: &str) -> Result<()> {
        let dir = self.draft_dir(draft);
        tokio::fs::create_dir_all(&dir).await?;
        let file = tokio::fs::File::options().write(true).create_new(true).open(self.upload_path(draft, upload)).await;
        file.map_err(|err| in_draft(draft, err))?.sync_all().await?;
        tokio::task::spawn_blocking(move || tessera_storage::sync_dir(&dir))
            .await
            .map_err(std::io::Error::other)?
            .map_err(|err| in_draft(draft, err))
    }

    /// Gives a finished upload its content-addressed name, as `write` does.
    pub(crate) async fn finish_upload(&self, draft: RecordId, upload: &str, sha512: &str) -> Result<()> {
        Self::settle(&self.draft_dir(draft), self.upload_path(draft, upload), sha512).await.map_err(|err| in_draft(draft, err))
    }

    pub(crate) async fn remove_upload(&self, draft: RecordId, upload: &str) -> Result<()> {
        match tokio::fs::remove_file(self.upload_path(draft, upload)).await {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err.into()),
            _ => Ok(()),
        }
    }

    /// Removes the staging folder of a draft the catalogue no longer has, once it is published
    /// or discarded. An upload still under way may write into the folder as it goes, and the
    /// removal then finds it not empty: it tries again, and what is still left is the hourly
    /// sweep's (`sweep_staging`), never the error of a request whose change is committed.
    pub(crate) async fn remove_draft(&self, draft: RecordId) {
        let dir = self.draft_dir(draft);
        for attempt in 1..=3 {
            match tokio::fs::remove_dir_all(&dir).await {
                Ok(()) => return,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return,
                Err(err) if err.kind() == std::io::ErrorKind::DirectoryNotEmpty && attempt < 3 => continue,
                Err(err) => {
                    tracing::warn!(draft = draft.0, error = %err, "staging folder left for the sweep");
                    return;
                }
            }
        }
    }

    /// The drafts that have a staging folder.
    pub(crate) async fn drafts(&self) -> Result<Vec<RecordId>> {
        let mut drafts = Vec::new();
        let mut entries = tokio::fs::read_dir(&self.root).await?;
        while let Some(entry) = entries.next_entry().await? {
            drafts.extend(entry.file_name().to_str().and_then(|name| name.parse::<RecordId>().ok()));
        }
        Ok(drafts)
    }

    /// Removes the content in a draft's folder that none of its files names (`named`) and that
    /// was neither written nor found again for `grace`: a file deleted, or given other bytes,
    /// leaves its old content behind, and an upload names its content only once its catalogue
    /// row is written, a moment after the content is in place. `None` for a draft that is gone:
    /// an upload that was under way as it was published or discarded may have made its folder
    /// again, and everything in it goes after `grace`, then the folder. Returns the bytes freed.
    pub(crate) async fn sweep_unnamed(&self, draft: RecordId, named: Option<HashSet<String>>, grace: Duration) -> Result<u64> {
        let dir = self.draft_dir(draft);
        let swept = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            let cutoff = SystemTime::now() - grace;
            let mut freed = 0;
            let entries = match std::fs::read_dir(&dir) {
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
                entries => entries?,
            };
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let unnamed = match &named {
                    Some(named) => is_content_name(&name) && !named.contains(&name),
                    None => true,
                };
                let meta = entry.metadata()?;
                if unnamed && meta.is_file() && meta.modified()? < cutoff {
                    std::fs::remove_file(entry.path())?;
                    freed += meta.len();
                }
            }
            if named.is_none() {
                // Left when something in it is still within its grace.
                let _ = std::fs::remove_dir(&dir);
            }
            Ok(freed)
        });
        Ok(swept.await.map_err(std::io::Error::other)??)
    }

    /// Removes partial uploads, resumable uploads that no longer exist, and the folders of
    /// drafts that no longer exist.
    pub(crate) async fn clean(&self, live_drafts: &[RecordId], live_uploads: &[String]) -> Result<()> {
        let mut entries = tokio::fs::read_dir(&self.root).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let live = name.parse::<RecordId>().is_ok_and(|id| live_drafts.contains(&id));
            if !live {
                tracing::info!(folder = name, "removing staging folder of a draft that no longer exists");
                let path = entry.path();
                let _ = if entry.file_type().await?.is_dir() {
                    tokio::fs::remove_dir_all(&path).await
                } else {
                    tokio::fs::remove_file(&path).await
                };
                continue;
            }
            let mut files = tokio::fs::read_dir(entry.path()).await?;
            while let Some(file) = files.next_entry().await? {
                let name = file.file_name().to_string_lossy().into_owned();
                if name.ends_with(".part") {
                    tracing::info!(path = %file.path().display(), "removing a partial upload");
                    tokio::fs::remove_file(file.path()).await?;
                } else if let Some(upload) = name.strip_suffix(&format!(".{UPLOAD_EXTENSION}"))
                    && !live_uploads.iter().any(|live| live == upload)
                {
                    tracing::info!(path = %file.path().display(), "removing a resumable upload that no longer exists");
                    tokio::fs::remove_file(file.path()).await?;
                }
            }
        }
        Ok(())
    }
}

/// Whether a staged file's name is a content address (a SHA-512 in hex).
fn is_content_name(name: &str) -> bool {
    name.len() == 128 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An I/O error in a draft's folder. The folder gone means another request discarded or
/// published the draft meanwhile, and the draft is what the caller is told is missing.
pub(crate) fn in_draft(draft: RecordId, err: std::io::Error) -> Error {
    match err.kind() {
        std::io::ErrorKind::NotFound => Error::not_found(format!("draft {draft}")),
        _ => err.into(),
    }
}

/// The partial files of one unpacking in a draft's folder, `unpack-{unpacking}-{n}.part` for
/// the archive's `n`th file, and its ledger, `unpack-{unpacking}-entries.part`: a line for
/// each file written, with its digests, size and key. Named by their place, the files need no
/// list of paths, and with the ledger on disk nothing of them is held in memory: at 100,000
/// entries their paths were 12 MB and their keys and digests 17 MB.
pub(crate) struct EntryParts {
    dir: PathBuf,
    unpacking: String,
    ledger: std::io::BufWriter<std::fs::File>,
    /// How many files were written.
    written: usize,
}

/// A file an unpacking wrote, as its ledger has it.
pub(crate) struct EntryPart {
    pub(crate) key: String,
    pub(crate) size: u64,
    pub(crate) md5: String,
    pub(crate) sha512: String,
}

impl EntryParts {
    fn path(&self, n: usize) -> PathBuf {
        self.dir.join(format!("unpack-{}-{n}.part", self.unpacking))
    }

    fn ledger_path(&self) -> PathBuf {
        self.dir.join(format!("unpack-{}-entries.part", self.unpacking))
    }

    /// How many files were written.
    pub(crate) fn written(&self) -> usize {
        self.written
    }

    /// Writes the next file, `key` of `declared` bytes, hashing it on the way. No fsync: the
    /// caller makes all of them durable with one `sync_filesystem`, then gives them their
    /// content addresses with `name`. An entry holding other than it declares is refused
    /// (`InvalidData`) and leaves nothing behind.
    pub(crate) fn write(&mut self, key: &str, reader: &mut dyn std::io::Read, declared: u64) -> std::io::Result<()> {
        use std::io::{Read as _, Write as _};
        let part = self.path(self.written);
        let written = (|| {
            let mut file = std::fs::File::options().write(true).create_new(true).open(&part)?;
            let mut state = tessera_storage::HashState::default();
            // Most entries are small: a buffer their size spares zeroing 256 KiB for each.
            let mut buffer = vec![0u8; (declared + 1).min(256 * 1024) as usize];
            let mut limited = reader.take(declared + 1);
            loop {
                let read = limited.read(&mut buffer)?;
                if read == 0 {
                    break;
                }
                state.update(&buffer[..read]);
                file.write_all(&buffer[..read])?;
            }
            if state.size() != declared {
                let what = if state.size() > declared { "more" } else { "fewer" };
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("it holds {what} bytes than the {declared} it declares"),
                ));
            }
            let digests = state.digest_bytes();
            // A key holds no control characters (`FileKey`), so it ends its line safely.
            writeln!(self.ledger, "{} {} {} {key}", digests.sha512_hex(), digests.md5_hex(), digests.size)
        })();
        match written {
            Ok(()) => self.written += 1,
            Err(_) => {
                let _ = std::fs::remove_file(&part);
            }
        }
        written
    }

    /// Gives the durable files their content addresses, then makes the names durable with one
    /// fsync of the folder.
    pub(crate) fn name(&mut self) -> std::io::Result<()> {
        for (n, entry) in self.entries()?.enumerate() {
            give_content_address(&self.path(n), &self.dir.join(entry?.sha512))?;
        }
        tessera_storage::sync_dir(&self.dir)
    }

    /// The files written, in order, read back from the ledger.
    pub(crate) fn entries(&mut self) -> std::io::Result<impl Iterator<Item = std::io::Result<EntryPart>> + Send + use<>> {
        use std::io::{BufRead as _, Write as _};
        self.ledger.flush()?;
        let lines = std::io::BufReader::with_capacity(64 * 1024, std::fs::File::open(self.ledger_path())?).lines();
        Ok(lines.map(|line| {
            let line = line?;
            let mut fields = line.splitn(4, ' ');
            let mut field = || fields.next().map(str::to_string).ok_or_else(|| std::io::Error::other("an unpacking's ledger is damaged"));
            let (sha512, md5, size, key) = (field()?, field()?, field()?, field()?);
            let size = size.parse().map_err(|_| std::io::Error::other("an unpacking's ledger is damaged"))?;
            Ok(EntryPart { key, size, md5, sha512 })
        }))
    }

    /// Removes the ledger, and after a failure the files written too; those given content
    /// addresses are content like any other, which `sweep_unnamed` removes once no file names it.
    pub(crate) fn remove(self, failed: bool) {
        if failed {
            for n in 0..self.written {
                let _ = std::fs::remove_file(self.path(n));
            }
        }
        let _ = std::fs::remove_file(self.ledger_path());
    }
}

/// Renames a durable `part` to its content address `target`, or drops it when the same
/// content is already there (staged content never changes); says whether it renamed.
/// Content found there is made new again, so that `sweep_unnamed` leaves it to the file about
/// to name it.
fn give_content_address(part: &std::path::Path, target: &std::path::Path) -> std::io::Result<bool> {
    if target.exists() {
        std::fs::remove_file(part)?;
        std::fs::File::options().write(true).open(target)?.set_modified(SystemTime::now())?;
        Ok(false)
    } else {
        std::fs::rename(part, target)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Content no file names goes once its grace has passed; content a file names, content
    /// written or found again within the grace, and files of other kinds stay.
    #[tokio::test]
    async fn content_no_file_names_is_swept_after_its_grace() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path().to_path_buf()).unwrap();
        let draft = RecordId(7);
        let body = |bytes: &'static [u8]| futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(bytes))]);
        let kept = staging.write(draft, body(b"kept"), 100).await.unwrap().sha512;
        let replaced = staging.write(draft, body(b"replaced"), 100).await.unwrap().sha512;
        staging.create_upload(draft, "an-upload").await.unwrap();
        let named: HashSet<String> = [kept.clone()].into();
        assert_eq!(staging.sweep_unnamed(draft, Some(named.clone()), Duration::from_secs(3600)).await.unwrap(), 0, "within its grace");
        assert_eq!(staging.sweep_unnamed(draft, Some(named), Duration::ZERO).await.unwrap(), 8);
        assert!(staging.content_path(draft, &kept).exists() && !staging.content_path(draft, &replaced).exists());
        assert!(staging.upload_path(draft, "an-upload").exists(), "an upload's growing file is not content");

        // Old content found again by a new upload is new again.
        let old = SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options().write(true).open(staging.content_path(draft, &kept)).unwrap().set_modified(old).unwrap();
        staging.write(draft, body(b"kept"), 100).await.unwrap();
        let hour = Duration::from_secs(3600);
        assert_eq!(staging.sweep_unnamed(draft, Some(HashSet::new()), hour).await.unwrap(), 0);
        assert_eq!(staging.drafts().await.unwrap(), [draft]);
        assert_eq!(staging.sweep_unnamed(RecordId(8), Some(HashSet::new()), hour).await.unwrap(), 0, "a draft with no folder");

        // A draft that is gone loses all of its folder once its grace is over, the folder too.
        assert_eq!(staging.sweep_unnamed(draft, None, hour).await.unwrap(), 0, "within its grace");
        assert_eq!(staging.drafts().await.unwrap(), [draft]);
        assert_eq!(staging.sweep_unnamed(draft, None, Duration::ZERO).await.unwrap(), 4);
        assert!(staging.drafts().await.unwrap().is_empty(), "its folder went");
        assert!(!staging.upload_path(draft, "an-upload").exists());
    }
}
