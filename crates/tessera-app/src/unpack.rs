//! Archives unpacked on the server into a draft: a zip, or a tar (gzip-compressed or not),
//! uploaded as one of the draft's files becomes its entries as files. Every entry is checked
//! before anything is written: its name (no path that leaves the archive, no absolute path,
//! nothing a file key refuses), its kind (no links, devices or encrypted entries), its size
//! against the file limit, and how far it expands against the configured bound, so a crafted
//! archive is refused whole. The entries then stream into staging, hashed on the way, are
//! made durable together, and join the draft in one catalogue transaction.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use tessera_catalog::{DraftFileRow, DraftRow, TaskEnd};
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{FileKey, Problem, RecordId};
use tessera_formats::unzip::{self, ZipArchive, ZipEntry};

use crate::drafts::draft_event;
use crate::staging::{EntryParts, Staging};
use crate::tessera::now;
use crate::{Error, Result, Tessera};

/// What unpacking an archive added to its draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpacked {
    pub files: usize,
    pub bytes: u64,
    /// Whether the archive itself stayed a file of the draft.
    pub archive_kept: bool,
}

impl Unpacked {
    /// As a task keeps it: its fields, which cannot fail to serialize.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// How many problems a refusal lists; an archive can have thousands.
const SHOWN_PROBLEMS: usize = 50;

/// How many of the archive's keys the catalogue is asked about at once.
const KEYS_ASKED: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Zip,
    Tar,
    TarGz,
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
    ///
    /// The archive is read through twice, and nothing of its entries is held in memory but a
    /// fingerprint of each key: once to check every entry, asking the catalogue which of their
    /// keys the draft has a thousand at a time, and once to write them, each noted in a ledger
    /// on disk from which the catalogue's rows are then made.
    pub async fn unpack_archive(&self, subject: &Subject, id: RecordId, key: &str, into: Option<&str>, keep: bool) -> Result<Unpacked> {
        let plan = self.plan_unpack(subject, id, key, into, keep).await?;
        self.run_unpack(plan, None).await
    }

    /// What can be checked of an unpack without reading the archive's entries: who asks, the
    /// draft, the archive's key, state and kind, and the folder.
    pub(crate) async fn plan_unpack(
        &self,
        subject: &Subject,
        id: RecordId,
        key: &str,
        into: Option<&str>,
        keep: bool,
    ) -> Result<UnpackPlan> {
        let draft = self.draft_row(subject, id, Action::EditDraft).await?;
        self.plan_unpack_of(subject, draft, key, into, keep).await
    }

    /// `plan_unpack` for a draft whose change `subject` is known to be allowed.
    pub(crate) async fn plan_unpack_of(
        &self,
        subject: &Subject,
        draft: DraftRow,
        key: &str,
        into: Option<&str>,
        keep: bool,
    ) -> Result<UnpackPlan> {
        let id = draft.id;
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
        let looked_at = path.clone();
        let kind = tokio::task::spawn_blocking(move || kind_of(&looked_at)).await.map_err(std::io::Error::other)??;
        Ok(UnpackPlan { subject: subject.clone(), draft, key, sha512, path, kind, prefix, keep })
    }

    /// Unpacks as planned; `task`, when it runs as one, ends with the files' transaction.
    pub(crate) async fn run_unpack(&self, plan: UnpackPlan, task: Option<&str>) -> Result<Unpacked> {
        let UnpackPlan { subject, draft, key, sha512, path, kind, prefix, keep } = plan;
        let id = draft.id;
        let limits = Limits { max_file_bytes: self.config.max_file_bytes, max_ratio: self.config.max_unpack_ratio };
        // Entries that would replace files of the draft, asked of the catalogue for the
        // archive's keys only, so the draft's other files are never read.
        let (catalog, runtime) = (self.catalog.clone(), tokio::runtime::Handle::current());
        let mut taken = move |keys: &[String]| -> Result<Vec<String>> {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            Ok(runtime.block_on(catalog.draft_keys_among(id, &keys))?)
        };
        let replacing = (!keep).then(|| key.to_string());
        let (surveyed, folder) = (path.clone(), prefix.clone());
        let survey = tokio::task::spawn_blocking(move || {
            Survey::of(kind, &surveyed, &folder, limits, replacing.as_deref(), &mut taken, Fingerprints::<RandomState>::default())
        })
        .await
        .map_err(std::io::Error::other)??;
        let (files, bytes) = (survey.files, survey.bytes);
        survey.problems.refuse(files == 0)?;
        let staging = self.staging.clone();
        let mut parts = tokio::task::spawn_blocking(move || extract(kind, &path, &prefix, files, &staging, id))
            .await
            .map_err(std::io::Error::other)??;

        let unpacked = Unpacked { files, bytes, archive_kept: keep };
        let stamp = now();
        // The rows are made as the catalogue takes them, from the ledger: blocking reads, but of a
        // local file just written, 64 KiB at a time.
        let rows = match parts.entries() {
            Ok(rows) => rows,
            Err(err) => {
                parts.remove(true);
                return Err(err.into());
            }
        };
        let updated = stamp.clone();
        let rows = rows.map(move |entry| {
            entry.map(|entry| DraftFileRow {
                draft_id: id,
                key: entry.key,
                status: "completed".into(),
                size: Some(entry.size as i64),
                md5: Some(entry.md5),
                sha512: Some(entry.sha512),
                staged: true,
                created: stamp.clone(),
                updated: stamp.clone(),
            })
        });
        let detail = serde_json::json!({"archive": key.as_str(), "sha512": sha512, "files": files, "bytes": bytes, "kept": keep});
        let entry = self.entry(draft_event("draft-archive-unpacked", &subject, &draft).detail(detail));
        let done = task.map(|task| TaskEnd {
            id: task.into(),
            status: "done".into(),
            result: Some(unpacked.to_json().to_string()),
            problem: None,
            updated,
        });
        // The archive leaves the draft only as its entries join it, with the entry in the trail.
        let replacing = (!keep).then_some(key.as_str());
        let joined = self.catalog.unpack_into_draft(id, replacing, rows, vec![entry], done.as_ref()).await;
        // The files stay, named by their content; only the ledger goes.
        parts.remove(false);
        match joined {
            Ok(()) => Ok(unpacked),
            Err(tessera_catalog::Error::Conflict { .. }) => {
                Err(Error::Conflict("a file the archive holds was added to the draft meanwhile".into()))
            }
            Err(other) => Err(other.into()),
        }
    }
}

/// An unpack checked as far as it can be without reading the archive's entries.
pub(crate) struct UnpackPlan {
    subject: Subject,
    draft: DraftRow,
    key: FileKey,
    sha512: String,
    /// The archive's staged content.
    path: PathBuf,
    kind: Kind,
    /// The folder the entries go in, with its `/`, or nothing.
    prefix: String,
    keep: bool,
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

/// An entry of an archive that is not a folder, as a walk (`walk`) meets it.
struct Seen<'a> {
    /// Its place among the archive's entries.
    index: usize,
    /// `None` when its name is not text.
    name: Option<&'a str>,
    /// Its size and stored size, or why it cannot become a file.
    sizes: std::result::Result<(u64, u64), String>,
}

/// What `visit` is given of each entry: how it is seen, and its content when the walk was
/// asked for content and the entry can become a file.
type Visit<'v> = dyn FnMut(Seen<'_>, Option<&mut dyn Read>) -> Result<bool> + 'v;

/// Walks the archive's entries that are not folders, in order, until `visit` answers false.
fn walk(kind: Kind, path: &Path, with_content: bool, visit: &mut Visit<'_>) -> Result<()> {
    match kind {
        Kind::Zip => {
            let mut zip = ZipArchive::open(path).map_err(|err| unreadable(&err))?;
            for (index, entry) in zip.entries().map_err(|err| unreadable(&err))?.enumerate() {
                let entry = entry.map_err(|err| unreadable(&err))?;
                if entry.is_dir() {
                    continue;
                }
                let name = entry.name();
                let sizes = match zip_refusal(&entry, name.as_deref()) {
                    Some(reason) => Err(reason),
                    None => Ok((entry.size, entry.compressed_size)),
                };
                let mut content =
                    if with_content && sizes.is_ok() { Some(zip.content(&entry).map_err(|err| unreadable(&err))?) } else { None };
                let seen = Seen { index, name: name.as_deref(), sizes };
                if !visit(seen, content.as_mut().map(|content| content as &mut dyn Read))? {
                    break;
                }
            }
        }
        Kind::Tar | Kind::TarGz => {
            let mut archive = tar::Archive::new(tar_reader(kind, path)?);
            for (index, entry) in archive.entries().map_err(|err| unreadable(&err))?.enumerate() {
                let mut entry = entry.map_err(|err| unreadable(&err))?;
                let entry_type = entry.header().entry_type();
                if entry_type.is_dir() {
                    continue;
                }
                let name = entry.path().ok().map(|path| path.to_string_lossy().into_owned());
                let refusal = if entry_type.is_symlink() || entry_type.is_hard_link() {
                    Some("it is a link")
                } else if !entry_type.is_file() {
                    Some("it is not a regular file")
                } else if name.as_deref().is_some_and(|name| !encloses(Path::new(name))) {
                    Some("its path leaves the archive (an absolute path, or ..)")
                } else {
                    None
                };
                // A tar stores its entries whole; only gzip compresses them, all together.
                let size = entry.size();
                let sizes = refusal.map_or(Ok((size, size)), |reason| Err(reason.to_string()));
                let content = (with_content && sizes.is_ok()).then_some(&mut entry as &mut dyn Read);
                if !visit(Seen { index, name: name.as_deref(), sizes }, content)? {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Why a zip's entry cannot become a file, if it cannot.
fn zip_refusal(entry: &ZipEntry, name: Option<&str>) -> Option<String> {
    let reason = if entry.is_symlink() {
        "it is a symbolic link"
    } else if entry.is_special() {
        "it is not a regular file"
    } else if entry.is_encrypted() {
        "it is encrypted"
    } else if name.is_some_and(|name| name.contains('\0') || !encloses(Path::new(name))) {
        "its path leaves the archive (an absolute path, or ..)"
    } else if !matches!(entry.method, unzip::STORED | unzip::DEFLATED) {
        return Some(format!("it is compressed with method {}; Tessera reads stored and deflated entries", entry.method));
    } else {
        return None;
    };
    Some(reason.to_string())
}

/// The problems found, the first `SHOWN_PROBLEMS` of them kept.
#[derive(Default)]
struct Problems {
    shown: Vec<Problem>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: Problem) {
        if self.shown.len() < SHOWN_PROBLEMS {
            self.shown.push(problem);
        } else {
            self.more += 1;
        }
    }

    /// Refuses the archive with the problems found (the first `SHOWN_PROBLEMS`, and how many
    /// more there are), or when it holds no files.
    fn refuse(mut self, nothing_planned: bool) -> Result<()> {
        if nothing_planned && self.shown.is_empty() {
            self.shown.push(Problem::new("entries", "the archive holds no files"));
        }
        if self.more > 0 {
            self.shown.push(Problem::new("entries", format!("and {} more problems", self.more)));
        }
        if !self.shown.is_empty() {
            return Err(Error::Validation(self.shown));
        }
        Ok(())
    }
}

/// What checking every entry of an archive found.
struct Survey {
    /// Entries that become files.
    files: usize,
    /// Bytes they declare, in all.
    bytes: u64,
    problems: Problems,
}

impl Survey {
    /// Checks every entry: its name, its kind, its size against the file limit and how far it
    /// expands; that no key is given twice, nor names a file the draft has (`taken` says which
    /// of some keys it has) other than `replacing`, the archive's own when it leaves the draft.
    /// Keys given twice are found by their fingerprints (`keys`, empty).
    fn of<S: BuildHasher>(
        kind: Kind,
        path: &Path,
        prefix: &str,
        limits: Limits,
        replacing: Option<&str>,
        taken: &mut dyn FnMut(&[String]) -> Result<Vec<String>>,
        mut keys: Fingerprints<S>,
    ) -> Result<Survey> {
        let archive_size = std::fs::metadata(path)?.len().max(1);
        let bound = archive_size.saturating_mul(limits.max_ratio);
        let mut survey = Survey { files: 0, bytes: 0, problems: Problems::default() };
        let mut asking: Vec<String> = Vec::with_capacity(KEYS_ASKED);
        let mut ask = |asking: &mut Vec<String>, problems: &mut Problems| -> Result<()> {
            for found in taken(asking)?.into_iter().filter(|found| replacing != Some(found.as_str())) {
                let name = found.strip_prefix(prefix).unwrap_or(&found);
                problems.push(Problem::new(format!("entries.{name}"), format!("'{found}' is already a file of the draft")));
            }
            asking.clear();
            Ok(())
        };
        walk(kind, path, false, &mut |seen, _| {
            let Some(key) = survey.check(seen, prefix, limits) else { return Ok(true) };
            keys.add(key.as_str());
            asking.push(key.into());
            if asking.len() == KEYS_ASKED {
                ask(&mut asking, &mut survey.problems)?;
            }
            // Past the bound, a compressed bomb: read no further.
            Ok(survey.bytes <= bound)
        })?;
        ask(&mut asking, &mut survey.problems)?;
        // Keys whose fingerprints met are compared as keys, in a walk that keeps only those.
        if !keys.met.is_empty() {
            let mut twice = Vec::new();
            walk(kind, path, false, &mut |seen, _| {
                let key = seen.name.and_then(|name| FileKey::parse(&format!("{prefix}{name}")).ok());
                twice.extend(key.map(String::from).filter(|key| keys.met.contains(&keys.fingerprint(key))));
                Ok(true)
            })?;
            twice.sort_unstable();
            for pair in twice.windows(2).filter(|pair| pair[0] == pair[1]) {
                let name = pair[0].strip_prefix(prefix).unwrap_or(&pair[0]);
                survey.problems.push(Problem::new(format!("entries.{name}"), format!("'{}' is in the archive more than once", pair[0])));
            }
        }
        if survey.bytes > bound {
            survey.problems.push(Problem::new(
                "entries",
                format!(
                    "the archive of {archive_size} bytes expands to over {} bytes, beyond the bound of {}×",
                    survey.bytes, limits.max_ratio
                ),
            ));
        }
        Ok(survey)
    }

    /// Checks one entry and counts it; gives its key when it has one.
    fn check(&mut self, seen: Seen<'_>, prefix: &str, limits: Limits) -> Option<FileKey> {
        let Some(name) = seen.name else {
            self.problems.push(Problem::new(format!("entries.{}", seen.index), "its name is not UTF-8 text"));
            return None;
        };
        let field = format!("entries.{name}");
        let (size, stored) = match seen.sizes {
            Ok(sizes) => sizes,
            Err(reason) => {
                self.problems.push(Problem::new(field, reason));
                return None;
            }
        };
        let key = match FileKey::parse(&format!("{prefix}{name}")) {
            Ok(key) => key,
            Err(message) => {
                self.problems.push(Problem::new(field, message));
                return None;
            }
        };
        let Limits { max_file_bytes, max_ratio } = limits;
        if size > max_file_bytes {
            self.problems.push(Problem::new(field.clone(), format!("{size} bytes is more than the file limit of {max_file_bytes}")));
        }
        if size > stored.max(1).saturating_mul(max_ratio) {
            self.problems.push(Problem::new(field, format!("it expands from {stored} to {size} bytes, beyond the bound of {max_ratio}×")));
        }
        self.files += 1;
        self.bytes = self.bytes.saturating_add(size);
        Some(key)
    }
}

/// A 128-bit fingerprint of each key seen, to find a key given twice in 16 bytes a key rather
/// than a copy of each. Fingerprints that meet are only suspects (`met`): the keys themselves
/// are compared before anything is refused.
#[derive(Default)]
struct Fingerprints<S = RandomState> {
    hashers: (S, S),
    seen: HashSet<u128>,
    met: HashSet<u128>,
}

impl<S: BuildHasher> Fingerprints<S> {
    fn fingerprint(&self, key: &str) -> u128 {
        (u128::from(self.hashers.0.hash_one(key)) << 64) | u128::from(self.hashers.1.hash_one(key))
    }

    fn add(&mut self, key: &str) {
        let fingerprint = self.fingerprint(key);
        if !self.seen.insert(fingerprint) {
            self.met.insert(fingerprint);
        }
    }
}

/// Streams each entry into staging as a partial file, makes them all durable with one
/// `syncfs`, and only then gives them their content addresses, so a crash never leaves a
/// content address holding bytes that did not reach the disk. On any failure, the partial
/// files written so far are removed. `files` is how many the survey counted.
fn extract(kind: Kind, path: &Path, prefix: &str, files: usize, staging: &Staging, draft: RecordId) -> Result<EntryParts> {
    let mut parts = staging.entry_parts(draft)?;
    let result = (|| -> Result<()> {
        walk(kind, path, true, &mut |seen, content| {
            let key = seen.name.and_then(|name| FileKey::parse(&format!("{prefix}{name}")).ok());
            let (Some(key), Ok((size, _)), Some(content)) = (key, seen.sizes, content) else { return Err(changed()) };
            parts.write(key.as_str(), content, size).map_err(|err| match err.kind() {
                std::io::ErrorKind::InvalidData => Error::BadRequest(format!("the archive's entry '{key}' is damaged: {err}")),
                _ => Error::Io(err),
            })?;
            Ok(true)
        })?;
        if parts.written() != files {
            return Err(changed());
        }
        tessera_storage::sync_filesystem(path)?;
        parts.name()?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(parts),
        Err(err) => {
            parts.remove(true);
            Err(err)
        }
    }
}

fn changed() -> Error {
    Error::BadRequest("the archive changed while it was unpacked".into())
}

fn tar_reader(kind: Kind, path: &Path) -> Result<Box<dyn Read>> {
    let file = BufReader::new(File::open(path)?);
    Ok(if kind == Kind::TarGz { Box::new(flate2::read::GzDecoder::new(file)) } else { Box::new(file) })
}

/// Whether a path stays inside the folder it is unpacked into.
fn encloses(path: &Path) -> bool {
    path.components().all(|component| matches!(component, Component::Normal(_) | Component::CurDir))
}

fn unreadable(err: &dyn std::fmt::Display) -> Error {
    Error::BadRequest(format!("the archive cannot be read: {err}"))
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasherDefault;

    use super::*;

    /// A hasher that gives every key the same hash, so every fingerprint meets every other.
    #[derive(Default)]
    struct Same;

    impl std::hash::Hasher for Same {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }

    /// Fingerprints that meet by chance refuse nothing: the keys are compared as keys, and only
    /// one given twice is named.
    #[test]
    fn keys_whose_fingerprints_meet_are_compared_as_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        let mut tar = tar::Builder::new(File::create(&path).unwrap());
        for name in ["a.csv", "b.csv", "a.csv", "c.csv"] {
            let mut header = tar::Header::new_ustar();
            header.set_size(2);
            header.set_cksum();
            tar.append_data(&mut header, name, &b"1\n"[..]).unwrap();
        }
        tar.finish().unwrap();
        drop(tar);
        let limits = Limits { max_file_bytes: 1 << 20, max_ratio: 100 };
        let mut taken = |_: &[String]| Ok(Vec::new());
        let colliding: Fingerprints<BuildHasherDefault<Same>> = Fingerprints::default();
        let survey = Survey::of(Kind::Tar, &path, "in/", limits, None, &mut taken, colliding).unwrap();
        let problems: Vec<String> = survey.problems.shown.iter().map(|p| format!("{}: {}", p.field, p.message)).collect();
        assert_eq!(problems, ["entries.a.csv: 'in/a.csv' is in the archive more than once"]);
        assert_eq!((survey.files, survey.bytes), (4, 8));
        // Told apart by fingerprints that do not meet, the same keys give the same answer.
        let survey = Survey::of(Kind::Tar, &path, "in/", limits, None, &mut taken, Fingerprints::<RandomState>::default()).unwrap();
        assert_eq!(survey.problems.shown.len(), 1);
    }
}
