//! Archives unpacked on the server into a draft: a zip, or a tar (gzip-compressed or not),
//! uploaded as one of the draft's files becomes its entries as files. Every entry is checked
//! before anything is written: its name (no path that leaves the archive, no absolute path,
//! nothing a file key refuses), its kind (no links, devices or encrypted entries), its size
//! against the file limit, and how far it expands against the configured bound, so a crafted
//! archive is refused whole. The entries then stream into staging, hashed on the way, are
//! made durable together, and join the draft in one catalogue transaction.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Component, Path};

use tessera_catalog::DraftFileRow;
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{FileKey, Problem, RecordId};
use tessera_storage::DigestBytes;

use crate::drafts::draft_event;
use crate::staging::Staging;
use crate::tessera::now;
use crate::{Error, Result, Tessera};

/// What unpacking an archive added to its draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpacked {
    pub files: usize,
    pub bytes: u64,
    /// Whether the archive itself stayed a file of the draft.
    pub archive_kept: bool,
}

/// How many problems a refusal lists; an archive can have thousands.
const SHOWN_PROBLEMS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Zip,
    Tar,
    TarGz,
}

/// An entry that will become a file.
struct Planned {
    /// Its place among the archive's entries.
    index: usize,
    key: FileKey,
    size: u64,
}

/// The bounds an archive is held to.
#[derive(Clone, Copy)]
struct Limits {
    max_file_bytes: u64,
    max_ratio: u64,
}

impl Tessera {
    /// Unpacks the draft's file `key` (a zip or tar archive) into the draft, under the folder
    /// `into` when given; the archive itself is removed from the draft unless `keep`.
    pub async fn unpack_archive(&self, subject: &Subject, id: RecordId, key: &str, into: Option<&str>, keep: bool) -> Result<Unpacked> {
        let draft = self.draft_row(subject, id, Action::EditDraft).await?;
        self.check_files_writable(&draft)?;
        let key = FileKey::parse(key).map_err(Error::BadRequest)?;
        let archive =
            self.catalog.draft_file(id, key.as_str()).await?.ok_or_else(|| Error::not_found(format!("file '{key}' of draft {id}")))?;
        let Some(sha512) = archive.sha512.clone().filter(|_| archive.status == "completed" && archive.staged) else {
            return Err(Error::BadRequest(format!("'{key}' must be uploaded and committed before it is unpacked")));
        };
        let prefix = match into.map(|folder| folder.trim_matches('/')).filter(|folder| !folder.is_empty()) {
            Some(folder) => format!("{}/", FileKey::parse(folder).map_err(|message| Error::BadRequest(format!("into: {message}")))?),
            None => String::new(),
        };
        let path = self.staging.content_path(id, &sha512);
        let limits = Limits { max_file_bytes: self.config.max_file_bytes, max_ratio: self.config.max_unpack_ratio };
        let (planning, folder) = (path.clone(), prefix.clone());
        let (kind, planned, mut problems) = tokio::task::spawn_blocking(move || -> Result<_> {
            let kind = kind_of(&planning)?;
            let (planned, problems) = plan(kind, &planning, &folder, limits)?;
            Ok((kind, planned, problems))
        })
        .await
        .map_err(std::io::Error::other)??;
        // Entries that would replace files of the draft, asked of the catalogue for the
        // archive's keys only, so the draft's other files are never read.
        let keys: Vec<&str> = planned.iter().map(|entry| entry.key.as_str()).collect();
        for taken in self.catalog.draft_keys_among(id, &keys).await? {
            if keep || taken != key.as_str() {
                let name = taken.strip_prefix(prefix.as_str()).unwrap_or(&taken);
                problems.push(Problem::new(format!("entries.{name}"), format!("'{taken}' is already a file of the draft")));
            }
        }
        drop(keys);
        refuse_with(problems, planned.is_empty())?;
        let staging = self.staging.clone();
        let (planned, digests) = tokio::task::spawn_blocking(move || -> Result<_> {
            let digests = extract(kind, &path, &planned, &staging, id)?;
            Ok((planned, digests))
        })
        .await
        .map_err(std::io::Error::other)??;

        let bytes = planned.iter().map(|entry| entry.size).sum();
        let unpacked = Unpacked { files: planned.len(), bytes, archive_kept: keep };
        // The rows are made a batch at a time, as the catalogue takes them: all at once, they
        // came to 30 MB at 100,000 entries.
        let stamp = now();
        let rows = planned.into_iter().zip(digests).map(move |(entry, digests)| DraftFileRow {
            draft_id: id,
            key: entry.key.into(),
            status: "completed".into(),
            size: Some(digests.size as i64),
            md5: Some(digests.md5_hex()),
            sha512: Some(digests.sha512_hex()),
            staged: true,
            created: stamp.clone(),
            updated: stamp.clone(),
        });
        let detail = serde_json::json!({"archive": key.as_str(), "sha512": sha512, "files": unpacked.files, "bytes": bytes, "kept": keep});
        let entry = self.entry(draft_event("draft-archive-unpacked", subject, &draft).detail(detail));
        // The archive leaves the draft only as its entries join it, with the entry in the trail.
        let replacing = (!keep).then_some(key.as_str());
        if let Err(err) = self.catalog.unpack_into_draft(id, replacing, rows, vec![entry]).await {
            return Err(match err {
                tessera_catalog::Error::Conflict { .. } => {
                    Error::Conflict("a file the archive holds was added to the draft meanwhile".into())
                }
                other => other.into(),
            });
        }
        Ok(unpacked)
    }
}

fn kind_of(path: &Path) -> Result<Kind> {
    let mut head = [0u8; 262];
    let mut file = File::open(path)?;
    let read = file.read(&mut head)?;
    let head = &head[..read];
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Ok(Kind::Zip)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Kind::TarGz)
    } else if head.get(257..262) == Some(b"ustar") {
        Ok(Kind::Tar)
    } else {
        Err(Error::BadRequest("the file is not a zip or tar archive (nor a gzip-compressed tar)".into()))
    }
}

/// The entries checked so far.
struct Plan<'a> {
    prefix: &'a str,
    limits: Limits,
    planned: Vec<Planned>,
    problems: Vec<Problem>,
    /// Bytes the entries declare, in all.
    total: u64,
}

impl Plan<'_> {
    /// Adds an entry named `name` with its (size, stored size), or the reason it is refused.
    fn add(&mut self, index: usize, name: &str, entry: std::result::Result<(u64, u64), &str>) {
        let field = format!("entries.{name}");
        let (size, stored) = match entry {
            Ok(sizes) => sizes,
            Err(reason) => return self.problems.push(Problem::new(field, reason)),
        };
        let key = match FileKey::parse(&format!("{}{name}", self.prefix)) {
            Ok(key) => key,
            Err(message) => return self.problems.push(Problem::new(field, message)),
        };
        let Limits { max_file_bytes, max_ratio } = self.limits;
        if size > max_file_bytes {
            self.problems.push(Problem::new(field.clone(), format!("{size} bytes is more than the file limit of {max_file_bytes}")));
        }
        if size > stored.max(1).saturating_mul(max_ratio) {
            self.problems.push(Problem::new(field, format!("it expands from {stored} to {size} bytes, beyond the bound of {max_ratio}×")));
        }
        self.total = self.total.saturating_add(size);
        self.planned.push(Planned { index, key, size });
    }
}

/// Checks every entry and returns those that become files, in the archive's order, and every
/// problem found.
fn plan(kind: Kind, path: &Path, prefix: &str, limits: Limits) -> Result<(Vec<Planned>, Vec<Problem>)> {
    let archive_size = std::fs::metadata(path)?.len().max(1);
    let bound = archive_size.saturating_mul(limits.max_ratio);
    let mut plan = Plan { prefix, limits, planned: Vec::new(), problems: Vec::new(), total: 0 };
    match kind {
        Kind::Zip => {
            let mut zip = zip::ZipArchive::new(BufReader::new(File::open(path)?)).map_err(|err| unreadable(&err))?;
            for index in 0..zip.len() {
                let entry = zip.by_index_raw(index).map_err(|err| unreadable(&err))?;
                let Ok(name) = entry.name().map(|name| name.to_string()) else {
                    plan.problems.push(Problem::new(format!("entries.{index}"), "its name is not UTF-8 text"));
                    continue;
                };
                if entry.is_dir() {
                    continue;
                }
                let file_type = entry.unix_mode().map(|mode| mode & 0o170000).filter(|kind| *kind != 0);
                let refusal = if entry.is_symlink() {
                    Some("it is a symbolic link")
                } else if file_type.is_some_and(|kind| kind != 0o100000) {
                    Some("it is not a regular file")
                } else if entry.encrypted() {
                    Some("it is encrypted")
                } else if entry.enclosed_name().is_none() || !encloses(Path::new(&name)) {
                    Some("its path leaves the archive (an absolute path, or ..)")
                } else {
                    None
                };
                plan.add(index, &name, refusal.map_or(Ok((entry.size(), entry.compressed_size())), Err));
            }
        }
        Kind::Tar | Kind::TarGz => {
            let mut archive = tar::Archive::new(tar_reader(kind, path)?);
            for (index, entry) in archive.entries().map_err(|err| unreadable(&err))?.enumerate() {
                let entry = entry.map_err(|err| unreadable(&err))?;
                let Ok(name) = entry.path().map(|path| path.into_owned()) else {
                    plan.problems.push(Problem::new(format!("entries.{index}"), "its name is not UTF-8 text"));
                    continue;
                };
                let entry_type = entry.header().entry_type();
                if entry_type.is_dir() {
                    continue;
                }
                let refusal = if entry_type.is_symlink() || entry_type.is_hard_link() {
                    Some("it is a link")
                } else if !entry_type.is_file() {
                    Some("it is not a regular file")
                } else if !encloses(&name) {
                    Some("its path leaves the archive (an absolute path, or ..)")
                } else {
                    None
                };
                let size = entry.size();
                // A tar stores its entries whole; only gzip compresses them, all together.
                plan.add(index, &name.to_string_lossy(), refusal.map_or(Ok((size, size)), Err));
                if plan.total > bound {
                    break; // a compressed bomb: read no further
                }
            }
        }
    }
    let Plan { planned, mut problems, total, .. } = plan;
    // Found in key order rather than with a set of every key seen, a copy of each.
    let mut keys: Vec<&str> = planned.iter().map(|entry| entry.key.as_str()).collect();
    keys.sort_unstable();
    for pair in keys.windows(2).filter(|pair| pair[0] == pair[1]) {
        let name = pair[0].strip_prefix(prefix).unwrap_or(pair[0]);
        problems.push(Problem::new(format!("entries.{name}"), format!("'{}' is in the archive more than once", pair[0])));
    }
    drop(keys);
    if total > bound {
        problems.push(Problem::new(
            "entries",
            format!("the archive of {archive_size} bytes expands to over {total} bytes, beyond the bound of {}×", limits.max_ratio),
        ));
    }
    Ok((planned, problems))
}

/// Refuses the archive with every problem found (up to `SHOWN_PROBLEMS`), or when it holds
/// no files.
fn refuse_with(mut problems: Vec<Problem>, nothing_planned: bool) -> Result<()> {
    if nothing_planned && problems.is_empty() {
        problems.push(Problem::new("entries", "the archive holds no files"));
    }
    if !problems.is_empty() {
        let count = problems.len();
        problems.truncate(SHOWN_PROBLEMS);
        if count > SHOWN_PROBLEMS {
            problems.push(Problem::new("entries", format!("and {} more problems", count - SHOWN_PROBLEMS)));
        }
        return Err(Error::Validation(problems));
    }
    Ok(())
}

/// Streams each planned entry into staging as a partial file, makes them all durable with
/// one `syncfs`, and only then gives them their content addresses, so a crash never leaves a
/// content address holding bytes that did not reach the disk. On any failure, the partial
/// files written so far are removed.
fn extract(kind: Kind, path: &Path, planned: &[Planned], staging: &Staging, draft: RecordId) -> Result<Vec<DigestBytes>> {
    let parts = staging.entry_parts(draft)?;
    let mut written = Vec::with_capacity(planned.len());
    let write = |entry: &Planned, reader: &mut dyn Read, written: &mut Vec<_>| -> Result<()> {
        let digests = parts.write(written.len(), reader, entry.size).map_err(|err| match err.kind() {
            std::io::ErrorKind::InvalidData => Error::BadRequest(format!("the archive's entry '{}' is damaged: {err}", entry.key)),
            _ => Error::Io(err),
        })?;
        written.push(digests);
        Ok(())
    };
    let result = (|| -> Result<()> {
        match kind {
            Kind::Zip => {
                let mut zip = zip::ZipArchive::new(BufReader::new(File::open(path)?)).map_err(|err| unreadable(&err))?;
                for entry in planned {
                    let mut file = zip.by_index(entry.index).map_err(|err| unreadable(&err))?;
                    write(entry, &mut file, &mut written)?;
                }
            }
            Kind::Tar | Kind::TarGz => {
                let mut archive = tar::Archive::new(tar_reader(kind, path)?);
                let mut next = planned.iter().peekable();
                for (index, entry) in archive.entries().map_err(|err| unreadable(&err))?.enumerate() {
                    let Some(planned) = next.next_if(|planned| planned.index == index) else { continue };
                    let mut entry = entry.map_err(|err| unreadable(&err))?;
                    write(planned, &mut entry, &mut written)?;
                }
            }
        }
        if written.len() != planned.len() {
            return Err(Error::BadRequest("the archive changed while it was unpacked".into()));
        }
        tessera_storage::sync_filesystem(path)?;
        parts.name(&written)?;
        Ok(())
    })();
    if let Err(err) = result {
        parts.remove(written.len());
        return Err(err);
    }
    Ok(written)
}

fn tar_reader(kind: Kind, path: &Path) -> Result<Box<dyn Read>> {
    let mut file = BufReader::new(File::open(path)?);
    file.seek(SeekFrom::Start(0))?;
    Ok(if kind == Kind::TarGz { Box::new(flate2::read::GzDecoder::new(file)) } else { Box::new(file) })
}

/// Whether a path stays inside the folder it is unpacked into.
fn encloses(path: &Path) -> bool {
    path.components().all(|component| matches!(component, Component::Normal(_) | Component::CurDir))
}

fn unreadable(err: &dyn std::fmt::Display) -> Error {
    Error::BadRequest(format!("the archive cannot be read: {err}"))
}
