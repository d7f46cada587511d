//! The OCFL storage root: creating objects, committing versions, reading and recovering them.
//!
//! A version is written content first, then `vN/inventory.json` and its sidecar, then the root
//! inventory and its sidecar. Replacing the root `inventory.json` is the commit point: until
//! then readers and `recover` see the previous version, after it the new one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use futures::TryStreamExt;
use futures::stream::BoxStream;
use serde::Serialize;
use tessera_storage::{ByteStream, Sha512, Store, WriteFn};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::inventory::{Inventory, PathMap, Paths, Truncated, User, Version, version_number};
use crate::layout::{self, OBJECT_NAMASTE};
use crate::manifest::NewManifest;
use crate::sharing::Carried;
use crate::spill::{Spill, SpilledState};
use crate::{Error, INVENTORY_TYPE, Result};

/// Files `Version::carried_by_digest` and `Inventory::head_content` give at once.
const CARRIED_BATCH: usize = 1000;

/// Local files a commit stores at once: enough that a store syncs thousands together, few
/// enough that their keys and paths stay near 2 MB however many files the version has.
const PUT_FILES_BATCH: usize = 4096;

/// Where the content of one logical file of a new version comes from.
#[derive(Clone, Debug)]
pub enum FileSource {
    /// Content already in the object (carried over from an earlier version).
    Existing { sha512: Arc<str> },
    /// A durable local file whose SHA-512 the caller computed while writing it, named by that
    /// digest in `dir`, a folder of content by digest. The folder is shared and the path made
    /// only when the file is stored: at 100,000 files, a path each is 16 MB.
    LocalFile { dir: Arc<Path>, sha512: Arc<str> },
    /// Small content produced in memory.
    Bytes(Bytes),
    /// A document written as JSON when it is stored (`FileSource::json`), never held as bytes.
    Document { sha512: Arc<str>, document: Document },
}

/// Writes a document's JSON. The same each time it is called: once to hash the document, and
/// again to store it when the object lacks its content.
#[derive(Clone)]
pub struct Document(Arc<WriteJson>);

type WriteJson = dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()> + Send + Sync;

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Document")
    }
}

impl FileSource {
    /// `value` as pretty JSON, hashed now and serialised again as it is stored: a record of
    /// 100,000 files is about 30 MB of JSON, which need not sit in memory beside the record.
    pub fn json<T: Serialize + Send + Sync + 'static>(value: Arc<T>) -> std::io::Result<FileSource> {
        let document = Document(Arc::new(move |out: &mut dyn std::io::Write| write_pretty(out, &*value)));
        let mut sha512 = Sha512::default();
        (document.0)(&mut Hashing { out: &mut std::io::sink(), sha512: &mut sha512 })?;
        Ok(FileSource::Document { sha512: sha512.finish_hex().into(), document })
    }
}

/// A version to commit: the complete state (logical path → content) plus who and why.
#[derive(Debug)]
pub struct NewVersion {
    /// The head version number the state was built from (0 for a new object). A commit
    /// refuses when the object has moved on meanwhile, so no concurrent change is lost.
    pub base: u32,
    /// Paths and digests carried from an inventory are shared with it, not copied (see
    /// `Version::carried`): at 100,000 files a copy is about 17 MB.
    pub state: Vec<(Arc<str>, FileSource)>,
    /// More of the state, too many files to hold: with it, the new version's state is set
    /// aside as it is made, as an inventory read to commit on sets its states aside.
    pub by_digest: Option<ByDigest>,
    pub message: String,
    pub user: User,
    pub created: OffsetDateTime,
    /// The inventory the state was built from, when the caller read it with `OcflRepo::read`:
    /// the commit then takes it rather than reading and parsing it again.
    pub read: Option<ReadInventory>,
}

/// Files of a new version in batches, in order of digest and then path, each given once
/// (`NewVersion::by_digest`). Content the object lacks is stored as it comes; the state goes
/// into a file in `spill_dir` and is written into the inventory from there.
pub struct ByDigest {
    pub batches: Batches,
    pub spill_dir: PathBuf,
}

/// Batches of logical paths and their content (`ByDigest`), or of other pairs.
pub type Batches<T = (Arc<str>, FileSource)> = BoxStream<'static, std::io::Result<Vec<T>>>;

impl std::fmt::Debug for ByDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByDigest").field("spill_dir", &self.spill_dir).finish_non_exhaustive()
    }
}

impl FileSource {
    /// The SHA-512 of the content, hashing it when it is bytes.
    fn digest(&self) -> Arc<str> {
        match self {
            FileSource::Existing { sha512 } | FileSource::LocalFile { sha512, .. } | FileSource::Document { sha512, .. } => sha512.clone(),
            FileSource::Bytes(bytes) => Sha512::digest_hex(bytes).into(),
        }
    }
}

impl Version {
    /// The version's files that `keep` says yes to, as `carried` gives them but a batch at a
    /// time in digest order, read back from where the state was set aside (`spilled`), for
    /// `NewVersion::by_digest`; `None` when the state is held, or was not read in digest order.
    pub fn carried_by_digest(&self, keep: impl Fn(&str) -> bool + Send + 'static) -> Option<Batches> {
        let entries = self.spilled.as_ref()?.entries_in_order()?;
        let files = entries.flat_map(move |entry| {
            let files: Vec<std::io::Result<(Arc<str>, FileSource)>> = match entry {
                Ok((digest, paths)) => {
                    let digest: Arc<str> = digest.into();
                    let kept = paths.into_iter().filter(|path| keep(path));
                    kept.map(|path| Ok((path.into(), FileSource::Existing { sha512: digest.clone() }))).collect()
                }
                Err(err) => vec![Err(err)],
            };
            files
        });
        Some(in_batches(files))
    }

    /// The version's files as the state of a new version that keeps them as they are.
    pub fn carried(&self) -> impl Iterator<Item = (Arc<str>, FileSource)> + '_ {
        self.state
            .iter()
            .flat_map(|(digest, paths)| paths.iter().map(|path| (path.clone(), FileSource::Existing { sha512: digest.clone() })))
    }
}

impl Inventory {
    /// Where the content of the head's files that `keep` says yes to is stored, relative to
    /// the object root: each digest once with its content path, in digest order a batch at a
    /// time, read from where the head's state and the manifest were set aside if they were.
    pub fn head_content(&self, keep: impl Fn(&str) -> bool + Send + 'static) -> Batches<(Arc<str>, Arc<str>)> {
        let Some(head) = self.head_version() else { return in_batches(std::iter::empty()) };
        let Some(spilled) = &head.spilled else {
            // Held, the head's digests are in the manifest held, whole or in part.
            let content = head.state.iter().filter(|(_, paths)| paths.iter().any(|path| keep(path))).map(|(digest, _)| {
                let path = self.content_path(digest).ok_or_else(|| std::io::Error::other(format!("no content with digest {digest}")))?;
                Ok((digest.clone(), Arc::from(path)))
            });
            return in_batches(content.collect::<Vec<_>>().into_iter());
        };
        let out_of_order = || std::io::Error::other("a state set aside is not in digest order");
        let Some(entries) = spilled.entries_in_order() else { return in_batches(std::iter::once(Err(out_of_order()))) };
        let mut manifest = match &self.spilled_manifest {
            Some(manifest) => match manifest.entries_in_order() {
                Some(entries) => ContentPaths::Spilled { entries, next: None },
                None => return in_batches(std::iter::once(Err(out_of_order()))),
            },
            // Held whole, as a manifest read out of digest order is: the thread reading the
            // state set aside takes a copy of its pointers, not of its strings.
            None => ContentPaths::Held(self.manifest.clone()),
        };
        let content = entries.filter_map(move |entry| {
            let found = entry.and_then(|(digest, paths)| {
                if !paths.iter().any(|path| keep(path)) {
                    return Ok(None);
                }
                let path = manifest.of(&digest)?.ok_or_else(|| std::io::Error::other(format!("no content with digest {digest}")))?;
                Ok(Some((Arc::from(digest), path)))
            });
            found.transpose()
        });
        in_batches(content)
    }
}

/// Where content is stored, found in a manifest held or, by digests asked about in order, in
/// one set aside.
enum ContentPaths {
    Held(PathMap),
    Spilled { entries: crate::spill::Entries, next: Option<(String, Vec<String>)> },
}

impl ContentPaths {
    fn of(&mut self, digest: &str) -> std::io::Result<Option<Arc<str>>> {
        match self {
            ContentPaths::Held(manifest) => Ok(manifest.get(digest).and_then(|paths| paths.first()).cloned()),
            ContentPaths::Spilled { entries, next } => loop {
                let entry = match next.take() {
                    Some(entry) => entry,
                    None => match entries.next().transpose()? {
                        Some(entry) => entry,
                        None => return Ok(None),
                    },
                };
                match (*entry.0).cmp(digest) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => return Ok(entry.1.into_iter().next().map(Arc::from)),
                    std::cmp::Ordering::Greater => {
                        *next = Some(entry);
                        return Ok(None);
                    }
                }
            },
        }
    }
}

/// `items` read on a blocking thread (they come from a file) and given a batch at a time.
fn in_batches<T: Send + 'static>(items: impl Iterator<Item = std::io::Result<T>> + Send + 'static) -> Batches<T> {
    let (batches, received) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(CARRIED_BATCH);
        for item in items {
            match item {
                Ok(item) => batch.push(item),
                Err(err) => {
                    let _ = batches.blocking_send(Err(err));
                    return;
                }
            }
            if batch.len() >= CARRIED_BATCH
                && batches.blocking_send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(CARRIED_BATCH)))).is_err()
            {
                return;
            }
        }
        if !batch.is_empty() {
            let _ = batches.blocking_send(Ok(batch));
        }
    });
    Box::pin(futures::stream::unfold(received, |mut received| async move { received.recv().await.map(|batch| (batch, received)) }))
}

/// An object's inventory with the SHA-512 of its bytes as read. A commit built on it takes it
/// as it is while the root's sidecar still names those bytes, and reads the inventory afresh
/// when it does not.
#[derive(Clone, Debug)]
pub struct ReadInventory {
    pub inventory: Inventory,
    digest: String,
}

pub struct OcflRepo {
    store: Arc<dyn Store>,
    /// One lock per object id in use, so two commits to one object never interleave.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// An object's lock, held. The last holder takes the lock out of the map: kept for every
/// object ever written, the map grew by about a hundred bytes an object, in a server and in
/// a rebuild alike.
struct ObjectLock<'a> {
    locks: &'a Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    id: String,
    held: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for ObjectLock<'_> {
    fn drop(&mut self) {
        let mut locks = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Only the map and this guard hold it, and nobody can take it from the map while the
        // map is locked: nobody waits for it.
        if locks
            .get(&self.id)
            .is_some_and(|lock| Arc::ptr_eq(lock, tokio::sync::OwnedMutexGuard::mutex(&self.held)) && Arc::strong_count(lock) == 2)
        {
            locks.remove(&self.id);
        }
    }
}

impl OcflRepo {
    /// Opens the storage root in `store`, declaring it if it is new.
    pub async fn open(store: Arc<dyn Store>) -> Result<Self> {
        if store.size(layout::ROOT_NAMASTE).await?.is_none() {
            for (key, content) in layout::root_declaration() {
                store.put_bytes(&key, Bytes::from(content)).await?;
            }
        }
        Ok(Self { store, locks: Mutex::default() })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Waits for object `id`'s lock and holds it until the guard is dropped.
    async fn lock(&self, id: &str) -> ObjectLock<'_> {
        let lock = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).entry(id.to_string()).or_default().clone();
        ObjectLock { locks: &self.locks, id: id.to_string(), held: lock.lock_owned().await }
    }

    /// The object's current inventory, or `None` if there is no such object.
    pub async fn inventory(&self, id: &str) -> Result<Option<Inventory>> {
        read_inventory(self.store.as_ref(), &layout::object_root(id), id).await
    }

    /// The object's current inventory, to build a new version on; `None` if there is no such
    /// object.
    pub async fn read(&self, id: &str) -> Result<Option<ReadInventory>> {
        read_streamed(self.store.as_ref(), &format!("{}/inventory.json", layout::object_root(id)), id).await
    }

    /// As `read`, for a commit that needs no state but the head's: the others are set aside in
    /// a file in `spill_dir` and written back from there (`Version::spilled`).
    ///
    /// With `carried`, the head's state is set aside too and only the paths `carried` keeps
    /// are held in it (see `Inventory::from_reader_to_commit`).
    pub async fn read_to_commit(&self, id: &str, spill_dir: &Path, carried: Option<Carried>) -> Result<Option<ReadInventory>> {
        let key = format!("{}/inventory.json", layout::object_root(id));
        read_streamed_spilling(self.store.as_ref(), &key, id, Some((spill_dir.to_path_buf(), carried))).await
    }

    /// The inventory a commit under the object's lock builds on: the one the caller read, when
    /// the root's sidecar still names it, and otherwise the one in storage now.
    async fn previous(&self, id: &str, read: Option<ReadInventory>) -> Result<Option<Inventory>> {
        let root = layout::object_root(id);
        if let Some(read) = read {
            let sidecar = self.store.get_bytes(&format!("{root}/inventory.json.sha512")).await.ok();
            if sidecar.as_deref() == Some(layout::sidecar_of(&read.digest).as_bytes()) {
                return Ok(Some(read.inventory));
            }
        }
        read_inventory(self.store.as_ref(), &root, id).await
    }

    /// Streams the content of `logical_path` as it was in version `version`.
    pub async fn read_file(
        &self,
        inventory: &Inventory,
        version: u32,
        logical_path: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<ByteStream> {
        let key = self.content_key(inventory, version, logical_path)?;
        Ok(self.store.get_stream(&key, range).await?)
    }

    /// Reads a small file (such as a metadata document) of a version whole.
    pub async fn read_bytes(&self, inventory: &Inventory, version: u32, logical_path: &str) -> Result<Bytes> {
        let key = self.content_key(inventory, version, logical_path)?;
        Ok(self.store.get_bytes(&key).await?)
    }

    /// The storage key holding a version's logical file.
    pub fn content_key(&self, inventory: &Inventory, version: u32, logical_path: &str) -> Result<String> {
        let no_file = || Error::NoSuchFile { id: inventory.id.clone(), version, path: logical_path.to_string() };
        let digest = inventory.version(version).and_then(|v| v.digest_of(logical_path)).ok_or_else(no_file)?;
        let content_path = inventory.content_path(digest).ok_or_else(no_file)?;
        Ok(format!("{}/{}", layout::object_root(&inventory.id), content_path))
    }

    /// Commits `new` as the next version of object `id`, creating the object if needed.
    pub async fn commit(&self, id: &str, mut new: NewVersion) -> Result<Inventory> {
        let _locked = self.lock(id).await;
        let previous = self.previous(id, new.read.take()).await?;
        let (inventory, sidecar) = self.write_version(id, previous, new).await?;
        self.commit_root(&inventory, sidecar).await?;
        Ok(inventory)
    }

    /// Removes the paths `purging` says yes to from every version of object `id` and commits
    /// `next` (which must not name them) as a new version explaining why. Content no
    /// remaining path refers to is erased from storage; content another path still holds is
    /// kept. Returns the new inventory and the digests of the content erased.
    ///
    /// OCFL versions are otherwise immutable, so this rewrites each earlier version's
    /// inventory as the new root inventory truncated to that version. The root inventory is
    /// still the commit point: `recover` brings the version inventories and content in line
    /// with whichever root inventory a crash left.
    ///
    /// A function rather than a set of paths: a caller that has them in a map already need
    /// not copy them into a set (at 100,000 files, 19 MB).
    pub async fn purge(
        &self,
        id: &str,
        purging: &(dyn Fn(&str) -> bool + Sync),
        mut next: NewVersion,
    ) -> Result<(Inventory, Vec<Arc<str>>)> {
        let _locked = self.lock(id).await;
        let root = layout::object_root(id);
        // A purge changes every version's state: an inventory set aside in part is read whole.
        let read = next
            .read
            .take()
            .filter(|read| read.inventory.spilled_manifest.is_none() && read.inventory.versions.values().all(|v| v.spilled.is_none()));
        let mut previous = self
            .previous(id, read)
            .await?
            .ok_or_else(|| Error::CorruptObject { id: id.to_string(), reason: "there is no such object to purge".into() })?;
        // Not only the head's: a record's files are in the version that published it, and in
        // later ones only while it is the latest. Content some other path still holds stays,
        // and so does its history: erasing a path from old versions while its bytes remain
        // would leave them unaccounted for.
        let kept: HashSet<Arc<str>> = previous
            .versions
            .values()
            .flat_map(|v| v.state.iter())
            .filter(|(_, logical)| logical.iter().any(|path| !purging(path)))
            .map(|(digest, _)| digest.clone())
            .collect();
        for version in previous.versions.values_mut() {
            version.state.retain_paths(|digest, path| kept.contains(digest) || !purging(path));
        }
        drop(kept);
        // Content no version refers to any more, which is the content only purged paths held,
        // leaves the manifest now, and storage once the new root inventory is in place.
        let mut erased = Vec::new();
        let mut erased_paths = Vec::new();
        previous.manifest.retain(|digest, content_paths| {
            let referenced = previous.versions.values().any(|v| v.state.contains_key(digest));
            if !referenced {
                erased.push(digest.clone());
                erased_paths.extend(content_paths.iter().cloned());
            }
            referenced
        });

        let (inventory, sidecar) = self.write_version(id, Some(previous), next).await?;
        // Each written from a view of the whole inventory: a copy of each was tens of MB.
        let inventory = Arc::new(inventory);
        for number in 1..inventory.head_number() {
            let dir = format!("{root}/v{number}");
            self.write_inventory_in(&dir, id, Arc::new(Truncated { inventory: inventory.clone(), number })).await?;
        }
        let inventory = Arc::try_unwrap(inventory).unwrap_or_else(|shared| (*shared).clone());
        self.commit_root(&inventory, sidecar).await?;
        for content_path in erased_paths {
            self.store.delete(&format!("{root}/{content_path}")).await?;
        }
        Ok((inventory, erased))
    }

    /// Writes a new version's content and its version inventory; the caller commits it by
    /// making that the root inventory, with the sidecar returned.
    async fn write_version(&self, id: &str, previous: Option<Inventory>, new: NewVersion) -> Result<(Inventory, Bytes)> {
        let root = layout::object_root(id);
        let head = previous.as_ref().map_or(0, Inventory::head_number);
        if head != new.base {
            return Err(Error::Changed { id: id.to_string(), base: new.base, head });
        }
        let number = head + 1;
        let version_dir = format!("v{number}");
        // Anything already there is the debris of a commit that crashed before its commit point.
        self.store.delete_prefix(&format!("{root}/{version_dir}")).await?;
        if previous.is_none() {
            self.store.put_bytes(&format!("{root}/{OBJECT_NAMASTE}"), Bytes::from_static(b"ocfl_object_1.1\n")).await?;
        }

        // Taken apart rather than copied: at a hundred thousand files each part is tens of MB.
        let (manifest, spilled_manifest, mut versions) =
            previous.map(|inv| (inv.manifest, inv.spilled_manifest, inv.versions)).unwrap_or_default();
        // The files in order of digest, then path: those given in `state` merged with those
        // that come `by_digest`. A digest's paths are then together, and its content is
        // stored, when the object lacks it, under the first of them.
        let mut given: Vec<(Arc<str>, Arc<str>, FileSource)> = digested(new.state).collect();
        given.sort_unstable_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut given = given.into_iter().peekable();
        let (mut batches, mut state, spill_dir) = match new.by_digest {
            Some(ByDigest { batches, spill_dir }) => (Some(batches), NewState::Spilled(Spill::new(&spill_dir)), Some(spill_dir)),
            None => (None, NewState::Held(Vec::new()), None),
        };
        state.begin();
        let failed = |source| Error::NewFiles { id: id.to_string(), source };
        // The previous manifest is walked beside the files, the new one made as they come.
        let hold = matches!(state, NewState::Held(_));
        let mut manifest = NewManifest::new(manifest, spilled_manifest, spill_dir.as_deref(), hold).map_err(failed)?;
        let mut streamed = digested(Vec::new()).peekable();
        // The digest whose paths are being gathered.
        let mut gathering: Option<(Arc<str>, Vec<Arc<str>>)> = None;
        // Local files are stored in batches, so the store can sync many at once.
        let mut local_files = Vec::with_capacity(PUT_FILES_BATCH);
        loop {
            while streamed.peek().is_none()
                && let Some(next) = &mut batches
            {
                match next.try_next().await.map_err(failed)? {
                    Some(batch) => streamed = digested(batch).peekable(),
                    None => batches = None,
                }
            }
            let from_given = match (given.peek(), streamed.peek()) {
                (Some(a), Some(b)) => (&a.0, &a.1) <= (&b.0, &b.1),
                (given, streamed) => given.is_some() || streamed.is_none(),
            };
            let Some((digest, path, source)) = (if from_given { given.next() } else { streamed.next() }) else { break };
            if let Some((last, mut paths)) = gathering.take() {
                let order = (&*last, paths.last().map(|p| &**p)).cmp(&(&*digest, Some(&*path)));
                if order.is_gt() {
                    return Err(failed(std::io::Error::other(format!("'{path}' was given out of digest order"))));
                }
                if last == digest {
                    // A path given twice is one path.
                    if order.is_lt() {
                        paths.push(path);
                    }
                    gathering = Some((last, paths));
                    continue;
                }
                state.push(last, paths).map_err(failed)?;
            }
            // Content the object has is not written again, and the state takes the manifest's
            // own copy of its digest, held once (see `sharing`).
            let digest = match manifest.known(&digest).map_err(failed)? {
                Some(known) => known,
                None => {
                    let content_path = format!("{version_dir}/content/{path}");
                    let key = format!("{root}/{content_path}");
                    match source {
                        FileSource::Existing { .. } => return Err(corrupt(id, format!("no content with digest {digest}"))),
                        FileSource::LocalFile { dir, .. } => {
                            local_files.push((key, dir.join(&*digest)));
                            if local_files.len() == PUT_FILES_BATCH {
                                self.store.put_files(std::mem::take(&mut local_files)).await?;
                            }
                        }
                        FileSource::Bytes(bytes) => self.store.put_bytes(&key, bytes).await?,
                        FileSource::Document { document, .. } => {
                            self.store.put_written(&key, Box::new(move |out| (document.0)(out))).await?;
                        }
                    }
                    manifest.add(digest.clone(), content_path.into()).map_err(failed)?;
                    digest
                }
            };
            gathering = Some((digest, vec![path]));
        }
        if let Some((last, paths)) = gathering {
            state.push(last, paths).map_err(failed)?;
        }
        self.store.put_files(local_files).await?;
        let (manifest, spilled_manifest) = manifest.end().map_err(failed)?;
        let (state, spilled) = state.end().map_err(failed)?;

        let created = new.created.replace_nanosecond(0).unwrap_or(new.created).format(&Rfc3339).unwrap_or_default();
        versions.insert(version_dir.clone(), Version { created, state, message: Some(new.message), user: Some(new.user), spilled });
        let inventory = Inventory {
            id: id.to_string(),
            kind: INVENTORY_TYPE.to_string(),
            digest_algorithm: "sha512".to_string(),
            head: version_dir,
            content_directory: None,
            manifest,
            versions,
            fixity: None,
            spilled_manifest,
        };
        self.write_version_inventory(inventory).await
    }

    /// Writes `inventory` and then its sidecar into its head version's folder, and gives it back
    /// with the sidecar. The inventory is serialised into the store as it is hashed: at a
    /// hundred thousand files it is tens of MB, never held whole.
    async fn write_version_inventory(&self, inventory: Inventory) -> Result<(Inventory, Bytes)> {
        let dir = format!("{}/{}", layout::object_root(&inventory.id), inventory.head);
        let inventory = Arc::new(inventory);
        let sidecar = self.write_inventory_in(&dir, &inventory.id, inventory.clone()).await?;
        // The writer has run and let go of its share by now.
        let inventory = Arc::try_unwrap(inventory).unwrap_or_else(|shared| (*shared).clone());
        Ok((inventory, sidecar))
    }

    /// Writes the inventory of object `id` into `dir`, then its sidecar, which it gives back.
    async fn write_inventory_in(&self, dir: &str, id: &str, inventory: Arc<impl Serialize + Send + Sync + 'static>) -> Result<Bytes> {
        let digest = Arc::new(OnceLock::new());
        let (writing, written) = (inventory, digest.clone());
        let write: WriteFn = Box::new(move |out| {
            let mut sha512 = Sha512::default();
            write_pretty(&mut Hashing { out, sha512: &mut sha512 }, &*writing)?;
            let _ = written.set(sha512.finish_hex());
            Ok(())
        });
        self.store.put_written(&format!("{dir}/inventory.json"), write).await?;
        let digest = digest.get().ok_or_else(|| corrupt(id, "its inventory was not written"))?;
        let sidecar = Bytes::from(layout::sidecar_of(digest));
        self.store.put_bytes(&format!("{dir}/inventory.json.sha512"), sidecar.clone()).await?;
        Ok(sidecar)
    }

    /// Makes the head version's inventory the object's root inventory, then writes its sidecar:
    /// the commit point. The store copies it, which on a local disk is one more name for the
    /// same file.
    async fn commit_root(&self, inventory: &Inventory, sidecar: Bytes) -> Result<()> {
        let root = layout::object_root(&inventory.id);
        self.store.copy(&format!("{root}/{}/inventory.json", inventory.head), &format!("{root}/inventory.json")).await?;
        self.store.put_bytes(&format!("{root}/inventory.json.sha512"), sidecar).await?;
        Ok(())
    }

    /// Brings object `id` back to a valid state after a crash during `commit`: repairs a root
    /// sidecar left behind by the last step and removes any uncommitted version folder.
    /// Returns the object's inventory, or `None` if no version was ever committed.
    pub async fn recover(&self, id: &str) -> Result<Option<Inventory>> {
        let _locked = self.lock(id).await;
        let root = layout::object_root(id);
        let store = self.store.as_ref();
        let Some(read) = read_streamed(store, &format!("{root}/inventory.json"), id).await? else {
            // The first version never reached its commit point.
            store.delete_prefix(&root).await?;
            return Ok(None);
        };
        let stored_sidecar = store.get_bytes(&format!("{root}/inventory.json.sha512")).await.ok();
        self.recover_read(&root, read, stored_sidecar).await.map(Some)
    }

    /// Recovers the object stored at `root`, whatever its id, as `recover` does, reading its
    /// root inventory once rather than once to learn the id and again to recover. An object
    /// stored where the storage layout does not put its id is refused. `None` when `root` has
    /// no inventory: it is left as it is, since nothing there says which object it is.
    pub async fn recover_at(&self, root: &str) -> Result<Option<Inventory>> {
        let store = self.store.as_ref();
        let key = format!("{root}/inventory.json");
        let Some(mut read) = read_streamed(store, &key, root).await? else { return Ok(None) };
        let id = read.inventory.id.clone();
        let expected = layout::object_root(&id);
        if expected != root {
            return Err(corrupt(&id, format!("it is stored at {root}, where the storage layout puts it at {expected}")));
        }
        let _locked = self.lock(&id).await;
        // Read before the lock was had: a commit may have moved the object on since, and
        // then the sidecar no longer names what was read.
        let stored_sidecar = store.get_bytes(&format!("{root}/inventory.json.sha512")).await.ok();
        if stored_sidecar.as_deref() != Some(layout::sidecar_of(&read.digest).as_bytes()) {
            read = read_streamed(store, &key, &id).await?.ok_or_else(|| corrupt(&id, "its inventory went while it was recovered"))?;
        }
        self.recover_read(root, read, stored_sidecar).await.map(Some)
    }

    /// Brings the object at `root` in line with its root inventory, `read` under the object's
    /// lock; `stored_sidecar` is the root's sidecar as read.
    async fn recover_read(&self, root: &str, read: ReadInventory, stored_sidecar: Option<Bytes>) -> Result<Inventory> {
        let store = self.store.as_ref();
        let ReadInventory { inventory, digest } = read;
        let id = &inventory.id.clone();
        let sidecar = layout::sidecar_of(&digest);
        if stored_sidecar.as_deref() != Some(sidecar.as_bytes()) {
            tracing::warn!(object = id, "repairing the root inventory sidecar after an interrupted commit");
            store.put_bytes(&format!("{root}/inventory.json.sha512"), Bytes::from(sidecar)).await?;
        }
        for dir in store.list_dirs(root).await? {
            if version_number(&dir).is_some_and(|n| n > inventory.head_number()) {
                tracing::warn!(object = id, version = dir, "removing an uncommitted version");
                store.delete_prefix(&format!("{root}/{dir}")).await?;
            }
        }
        // A purge rewrites earlier version inventories before its commit point and erases
        // content after it; either half may have been cut short.
        let inventory = Arc::new(inventory);
        for number in 1..inventory.head_number() {
            let dir = format!("{root}/v{number}");
            let expected = Truncated { inventory: inventory.clone(), number };
            if self.stored_inventory(&format!("{dir}/inventory.json"), &expected).await? == Stored::Different {
                tracing::warn!(object = id, version = number, "rewriting a version inventory after an interrupted purge");
                self.write_inventory_in(&dir, id, Arc::new(expected)).await?;
            }
        }
        let inventory = Arc::try_unwrap(inventory).unwrap_or_else(|shared| (*shared).clone());
        let content: HashSet<&str> = inventory.manifest.values().flatten().map(|path| &**path).collect();
        for key in store.list(root).await? {
            if store.is_temporary(&key) {
                tracing::warn!(object = id, key, "removing the temporary file of an interrupted write");
                store.delete(&key).await?;
            } else if content_path(root, &key).is_some_and(|path| !content.contains(path)) {
                tracing::warn!(object = id, key, "erasing content an interrupted purge left behind");
                store.delete(&key).await?;
            }
        }
        Ok(inventory)
    }

    /// How the inventory stored at `key` compares with `expected`. Its bytes are hashed against
    /// those `expected` is written as, so that neither is parsed nor held; only an inventory
    /// written otherwise (another tool's spacing) is parsed and compared field by field.
    async fn stored_inventory(&self, key: &str, expected: &Truncated) -> Result<Stored> {
        let mut sha512 = Sha512::default();
        write_pretty(&mut Hashing { out: &mut std::io::sink(), sha512: &mut sha512 }, expected)
            .map_err(|e| corrupt(&expected.inventory.id, e))?;
        let mut stream = match self.store.get_stream(key, None).await {
            Ok(stream) => stream,
            Err(tessera_storage::Error::NotFound { .. }) => return Ok(Stored::Different),
            Err(err) => return Err(err.into()),
        };
        let mut stored = Sha512::default();
        let failed = |source| Error::Storage(tessera_storage::Error::Io { key: key.to_string(), source });
        while let Some(chunk) = futures::TryStreamExt::try_next(&mut stream).await.map_err(failed)? {
            stored.update(&chunk);
        }
        if stored.finish_hex() == sha512.finish_hex() {
            return Ok(Stored::Same);
        }
        let parsed = self.store.get_bytes(key).await.ok().and_then(|bytes| Inventory::from_json(&bytes).ok());
        let truncated = expected.inventory.truncated(expected.number);
        Ok(if parsed.as_ref() == Some(&truncated) { Stored::Equivalent } else { Stored::Different })
    }

    /// Every object root in the storage root, found by walking the layout's three tuple levels.
    pub async fn object_roots(&self) -> Result<Vec<String>> {
        Ok(self.hierarchy().await?.roots)
    }

    /// Folders of the layout's tuple levels that lead to no object (OCFL 1.1 §4.2 forbids them).
    pub async fn empty_hierarchy_dirs(&self) -> Result<Vec<String>> {
        Ok(self.hierarchy().await?.empty)
    }

    /// Walks the layout's tuple levels once for both of the above. The folders of a level are
    /// listed several at a time: a storage root of a million objects has over a million folders.
    /// A local root's level is listed in sixteen runs of folders, each on a blocking thread: not
    /// a hop to one a folder, and with a cold page cache, sixteen reads waiting for the disk.
    pub async fn hierarchy(&self) -> Result<Hierarchy> {
        use futures::{StreamExt, TryStreamExt};
        let local = self.store.local_path("");
        let mut empty = Vec::new();
        let mut level = vec![String::new()];
        for _ in 0..4 {
            let listed: Vec<(String, Vec<String>)> = match &local {
                Some(root) => {
                    let io = |source| tessera_storage::Error::Io { key: "(the storage hierarchy)".into(), source };
                    let runs = level.chunks(level.len().div_ceil(LISTINGS_AT_ONCE).max(1)).map(|run| {
                        let (root, run) = (root.clone(), run.to_vec());
                        tokio::task::spawn_blocking(move || -> std::io::Result<Vec<_>> {
                            run.into_iter()
                                .map(|prefix| {
                                    let dirs = tessera_storage::list_dirs_blocking(&root.join(&prefix))?;
                                    Ok((prefix, dirs))
                                })
                                .collect()
                        })
                    });
                    let runs = futures::future::try_join_all(runs).await.map_err(|join| io(std::io::Error::other(join)))?;
                    let mut listed = Vec::with_capacity(level.len());
                    for run in runs {
                        listed.extend(run.map_err(io)?);
                    }
                    listed
                }
                None => {
                    futures::stream::iter(level)
                        .map(|prefix| async move {
                            let dirs = self.store.list_dirs(&prefix).await?;
                            Ok::<_, Error>((prefix, dirs))
                        })
                        .buffered(LISTINGS_AT_ONCE)
                        .try_collect()
                        .await?
                }
            };
            let mut next = Vec::new();
            for (prefix, dirs) in listed {
                if dirs.is_empty() && !prefix.is_empty() && self.store.list(&prefix).await?.is_empty() {
                    empty.push(prefix.clone());
                }
                for name in dirs {
                    if prefix.is_empty() && name == "extensions" {
                        continue;
                    }
                    next.push(if prefix.is_empty() { name } else { format!("{prefix}/{name}") });
                }
            }
            level = next;
        }
        Ok(Hierarchy { roots: level, empty })
    }

    /// Reads the inventory at an object root, whatever its id.
    pub async fn inventory_at(&self, root: &str) -> Result<Option<Inventory>> {
        read_inventory(self.store.as_ref(), root, root).await
    }
}

/// What a walk of the storage hierarchy found.
#[derive(Debug, Default)]
pub struct Hierarchy {
    /// Every object's root folder, in order.
    pub roots: Vec<String>,
    /// Tuple folders that lead to no object.
    pub empty: Vec<String>,
}

/// A stored inventory against the one expected.
#[derive(Debug, PartialEq)]
enum Stored {
    /// Byte for byte.
    Same,
    /// Written otherwise, with the same content.
    Equivalent,
    /// Missing, unreadable or other.
    Different,
}

/// How many folders a walk of the hierarchy lists at once.
const LISTINGS_AT_ONCE: usize = 16;

/// The path of `key` within the object at `root`, when it lies in a version's content folder
/// (`{root}/vN/content/...`), as the manifest names it.
fn content_path<'k>(root: &str, key: &'k str) -> Option<&'k str> {
    let rest = key.strip_prefix(root)?.strip_prefix('/')?;
    let mut parts = rest.splitn(3, '/');
    let is_content =
        matches!((parts.next(), parts.next(), parts.next()), (Some(dir), Some("content"), Some(_)) if version_number(dir).is_some());
    is_content.then_some(rest)
}

/// The buffer an inventory or a document is written through, and an inventory read through.
const INVENTORY_BUFFER: usize = 256 * 1024;

/// Writes `value` as pretty JSON through a buffer, so that `out` (a hasher, a file) sees large
/// blocks rather than every token.
fn write_pretty(out: &mut dyn std::io::Write, value: &impl Serialize) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(INVENTORY_BUFFER, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    std::io::Write::flush(&mut buffered)
}

/// Passes bytes on while hashing them.
struct Hashing<'a> {
    out: &'a mut dyn std::io::Write,
    sha512: &'a mut Sha512,
}

impl std::io::Write for Hashing<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(bytes)?;
        self.sha512.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

async fn read_inventory(store: &dyn Store, root: &str, id: &str) -> Result<Option<Inventory>> {
    Ok(read_streamed(store, &format!("{root}/inventory.json"), id).await?.map(|read| read.inventory))
}

/// Reads and parses the inventory at `key` as its bytes arrive, on a blocking thread, hashing
/// them; `None` when there is none. Read whole, the JSON (80 MB at three versions of 100,000
/// files) was held beside the inventory parsed from it.
async fn read_streamed(store: &dyn Store, key: &str, id: &str) -> Result<Option<ReadInventory>> {
    read_streamed_spilling(store, key, id, None).await
}

/// As `read_streamed`, states set aside in `spill_dir` if given (see `OcflRepo::read_to_commit`).
async fn read_streamed_spilling(
    store: &dyn Store,
    key: &str,
    id: &str,
    spill: Option<(std::path::PathBuf, Option<Carried>)>,
) -> Result<Option<ReadInventory>> {
    let failed = |source| Error::Storage(tessera_storage::Error::Io { key: key.to_string(), source });
    let joined = |parsed: std::result::Result<_, tokio::task::JoinError>| parsed.map_err(|e| failed(std::io::Error::other(e)));
    // A local file is opened and read on the parsing thread: through the runtime, a chunk at
    // a time, the parse took twice as long.
    let parsed = if let Some(path) = store.local_path(key) {
        let opened = tokio::task::spawn_blocking(move || {
            let file = match std::fs::File::open(&path) {
                Ok(file) => file,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(err),
            };
            // A buffer is zeroed as it is first filled, and most inventories are a few KB.
            let capacity = file.metadata()?.len().saturating_add(1).clamp(8 * 1024, INVENTORY_BUFFER as u64) as usize;
            Ok(Some(parse_hashed(file, capacity, spill)))
        });
        match opened.await.map_err(|e| failed(std::io::Error::other(e)))?.map_err(failed)? {
            Some(parsed) => parsed,
            None => return Ok(None),
        }
    } else {
        let mut stream = match store.get_stream(key, None).await {
            Ok(stream) => stream,
            Err(tessera_storage::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let (chunks, arriving) = tokio::sync::mpsc::channel(4);
        let arriving = Arriving { chunks: arriving, chunk: Bytes::new() };
        let parse = tokio::task::spawn_blocking(move || parse_hashed(arriving, INVENTORY_BUFFER, spill));
        while let Some(chunk) = futures::TryStreamExt::try_next(&mut stream).await.map_err(failed)? {
            if chunks.send(chunk).await.is_err() {
                break; // The parser has stopped, at an error it reports.
            }
        }
        drop(chunks);
        joined(parse.await)?
    };
    let (inventory, digest) = parsed.map_err(|err| match err {
        Parse::Json(err) => corrupt(id, err),
        Parse::Io(err) => failed(err),
    })?;
    Ok(Some(ReadInventory { inventory, digest }))
}

enum Parse {
    Json(serde_json::Error),
    Io(std::io::Error),
}

/// An inventory parsed from `bytes`, read through a `buffer` of that many bytes, with the
/// SHA-512 of every byte: parsing reads to the end, as anything but whitespace after the JSON
/// is an error. States are set aside in `spill_dir` if given (see `read_to_commit`).
fn parse_hashed(
    bytes: impl std::io::Read,
    buffer: usize,
    spill: Option<(std::path::PathBuf, Option<Carried>)>,
) -> std::result::Result<(Inventory, String), Parse> {
    let mut sha512 = Sha512::default();
    // Given by value: serde_json reads a byte at a time, quickly from a `BufReader` it owns and
    // at half the speed through a reference to one.
    let reader = std::io::BufReader::with_capacity(buffer, HashingReader { inner: bytes, sha512: &mut sha512 });
    let parsed = match spill {
        Some((dir, carried)) => Inventory::from_reader_to_commit(reader, &dir, carried),
        None => Inventory::from_reader(reader),
    };
    let inventory = parsed.map_err(|err| if err.is_io() { Parse::Io(err.into()) } else { Parse::Json(err) })?;
    Ok((inventory, sha512.finish_hex()))
}

/// Hashes what is read through it.
struct HashingReader<'a, R> {
    inner: R,
    sha512: &'a mut Sha512,
}

impl<R: std::io::Read> std::io::Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha512.update(&buf[..n]);
        Ok(n)
    }
}

/// The chunks of a stream as a reader, for a blocking thread.
struct Arriving {
    chunks: tokio::sync::mpsc::Receiver<Bytes>,
    chunk: Bytes,
}

impl std::io::Read for Arriving {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.chunks.blocking_recv() {
                Some(chunk) => self.chunk = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// Each file with its digest first.
fn digested(files: Vec<(Arc<str>, FileSource)>) -> impl Iterator<Item = (Arc<str>, Arc<str>, FileSource)> {
    files.into_iter().map(|(path, source)| (source.digest(), path, source))
}

/// A new version's state as it is made, digest by digest in order: held, or set aside.
enum NewState {
    Held(Vec<(Arc<str>, Paths)>),
    Spilled(Spill),
}

impl NewState {
    fn begin(&mut self) {
        if let NewState::Spilled(spill) = self {
            spill.begin();
        }
    }

    /// Adds a digest and its paths, sorted.
    fn push(&mut self, digest: Arc<str>, paths: Vec<Arc<str>>) -> std::io::Result<()> {
        match self {
            NewState::Held(entries) => entries.push((digest, paths.into())),
            NewState::Spilled(spill) => {
                spill.string(&digest)?;
                for path in &paths {
                    spill.string(path)?;
                }
                spill.end_entry()?;
            }
        }
        Ok(())
    }

    /// The state held, or where it was set aside.
    fn end(self) -> std::io::Result<(PathMap, Option<SpilledState>)> {
        match self {
            NewState::Held(entries) => Ok((PathMap::from_entries(entries), None)),
            NewState::Spilled(mut spill) => Ok((PathMap::new(), spill.end(true)?)),
        }
    }
}

fn corrupt(id: &str, reason: impl std::fmt::Display) -> Error {
    Error::CorruptObject { id: id.to_string(), reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use std::collections::{BTreeMap, BTreeSet};
    use tessera_storage::LocalStore;

    fn version(base: u32, files: Vec<(&str, FileSource)>) -> NewVersion {
        NewVersion {
            base,
            state: files.into_iter().map(|(p, s)| (p.into(), s)).collect(),
            message: "test".into(),
            user: User { name: "Tester".into(), address: Some("mailto:t@example.org".into()) },
            created: OffsetDateTime::now_utc(),
            read: None,
            by_digest: None,
        }
    }

    async fn read(repo: &OcflRepo, inv: &Inventory, v: u32, path: &str) -> Vec<u8> {
        let chunks: Vec<Bytes> = repo.read_file(inv, v, path, None).await.unwrap().try_collect().await.unwrap();
        chunks.concat()
    }

    #[tokio::test]
    async fn versions_share_content_and_validate() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        let staged: Arc<Path> = dir.path().join("staged").into();
        let big_digest = Sha512::digest_hex(b"large content");
        std::fs::create_dir(&staged).unwrap();
        std::fs::write(staged.join(&big_digest), b"large content").unwrap();

        let v1 = repo
            .commit(
                "obj",
                version(
                    0,
                    vec![
                        ("1/files/data.bin", FileSource::LocalFile { dir: staged.clone(), sha512: big_digest.as_str().into() }),
                        ("1/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":1}"))),
                    ],
                ),
            )
            .await
            .unwrap();
        assert_eq!(v1.head, "v1");
        let v2 = repo
            .commit(
                "obj",
                version(
                    1,
                    vec![
                        ("1/files/data.bin", FileSource::Existing { sha512: big_digest.as_str().into() }),
                        ("1/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":1}"))),
                        ("2/files/data.bin", FileSource::Existing { sha512: big_digest.as_str().into() }),
                        ("2/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":2}"))),
                    ],
                ),
            )
            .await
            .unwrap();
        assert_eq!(v2.head, "v2");
        let lists: Vec<&Paths> = v2.head_version().unwrap().state.values().collect();
        assert!(lists.iter().all(|paths| paths.len() > 1 || matches!(paths, Paths::One(_))), "a digest's one path is held in place");
        let stale = repo.commit("obj", version(1, vec![("1/record.json", FileSource::Bytes(Bytes::from_static(b"{}")))])).await;
        assert!(matches!(stale, Err(Error::Changed { base: 1, head: 2, .. })), "a version built on an old head is refused: {stale:?}");
        assert_eq!(v2.manifest.len(), 3, "the shared file and the unchanged record are stored once");
        assert_eq!(read(&repo, &v2, 2, "2/record.json").await, b"{\"v\":2}");
        assert_eq!(read(&repo, &v2, 1, "1/files/data.bin").await, b"large content");
        assert_eq!(repo.inventory("obj").await.unwrap(), Some(v2));
        assert_eq!(repo.object_roots().await.unwrap(), [layout::object_root("obj")]);

        let report = crate::validate_object(store.as_ref(), &layout::object_root("obj")).await;
        assert!(report.is_valid(), "{report:?}");
    }

    /// Local files are stored a batch at a time; a version of more than one batch holds
    /// every file, each with its content.
    #[tokio::test]
    async fn a_version_of_more_local_files_than_one_batch_is_whole() {
        let (dir, staging) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        let staged: Arc<Path> = staging.path().into();
        let count = PUT_FILES_BATCH + 1;
        let files: Vec<(String, FileSource)> = (0..count)
            .map(|n| {
                let sha512 = Sha512::digest_hex(n.to_string().as_bytes());
                std::fs::write(staged.join(&sha512), n.to_string()).unwrap();
                (format!("1/files/{n}.txt"), FileSource::LocalFile { dir: staged.clone(), sha512: sha512.as_str().into() })
            })
            .collect();
        let v1 = repo.commit("obj", version(0, files.iter().map(|(p, s)| (p.as_str(), s.clone())).collect())).await.unwrap();
        assert_eq!(v1.manifest.len(), count);
        for n in [0, PUT_FILES_BATCH - 1, PUT_FILES_BATCH] {
            assert_eq!(read(&repo, &v1, 1, &format!("1/files/{n}.txt")).await, n.to_string().as_bytes());
        }
        let report = crate::validate_object(store.as_ref(), &layout::object_root("obj")).await;
        assert!(report.is_valid(), "{report:?}");
    }

    /// Files given by digest a batch at a time make the version that the same files given
    /// whole make, byte for byte, on an inventory read whole or read to commit on (its manifest
    /// set aside); the state and manifest are set aside rather than held, and files given out
    /// of digest order are refused with nothing committed.
    #[tokio::test]
    async fn a_version_given_by_digest_is_the_version_given_whole() {
        let (staging, spill) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let staged: Arc<Path> = staging.path().into();
        // Twelve files, two of them the same content, and a document of each version's own.
        let mut files: Vec<(Arc<str>, FileSource)> = (0..12)
            .map(|n| {
                let content = (n % 11).to_string();
                let sha512 = Sha512::digest_hex(content.as_bytes());
                std::fs::write(staged.join(&sha512), content).unwrap();
                (format!("1/files/{n}.txt").into(), FileSource::LocalFile { dir: staged.clone(), sha512: sha512.as_str().into() })
            })
            .collect();
        files.sort_by(|a, b| (source_digest(&a.1), &a.0).cmp(&(source_digest(&b.1), &b.0)));
        let record = ("1/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":1}")));
        let by_digest = |files: Vec<(Arc<str>, FileSource)>| {
            let batches: Vec<std::io::Result<_>> = files.chunks(5).map(|batch| Ok(batch.to_vec())).collect();
            Some(ByDigest { batches: Box::pin(futures::stream::iter(batches)), spill_dir: spill.path().into() })
        };
        let mut inventories = Vec::new();
        for (given_by_digest, read_to_commit) in [(false, false), (false, true), (true, true)] {
            let dir = tempfile::tempdir().unwrap();
            let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
            let repo = OcflRepo::open(store.clone()).await.unwrap();
            let mut first = version(0, vec![record.clone()]);
            first.created = OffsetDateTime::UNIX_EPOCH;
            match given_by_digest {
                true => first.by_digest = by_digest(files.clone()),
                false => first.state.extend(files.iter().cloned()),
            }
            let v1 = repo.commit("obj", first).await.unwrap();
            assert_eq!(v1.head_version().unwrap().state.is_empty(), given_by_digest, "the state is set aside only when given by digest");
            assert_eq!((v1.head_version().unwrap().spilled.is_some(), v1.spilled_manifest.is_some()), (given_by_digest, given_by_digest));
            assert_eq!(repo.inventory("obj").await.unwrap().unwrap().manifest.len(), 12, "the same content is stored once");
            // A second version on the first, the first's state set aside as it is read.
            let mut second = version(1, vec![("2/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":2}")))]);
            second.created = OffsetDateTime::UNIX_EPOCH;
            let carried: Vec<_> =
                files.iter().map(|(path, source)| (path.clone(), FileSource::Existing { sha512: source_digest(source).clone() })).collect();
            second.read = match read_to_commit {
                true => repo.read_to_commit("obj", spill.path(), None).await.unwrap(),
                false => repo.read("obj").await.unwrap(),
            };
            assert_eq!(second.read.as_ref().unwrap().inventory.spilled_manifest.is_some(), read_to_commit);
            match given_by_digest {
                true => second.by_digest = by_digest(carried),
                false => second.state.extend(carried),
            }
            let v2 = repo.commit("obj", second).await.unwrap();
            let report = crate::validate_object(store.as_ref(), &layout::object_root("obj")).await;
            assert!(report.is_valid(), "{report:?}");
            let whole = repo.inventory("obj").await.unwrap().unwrap();
            assert_eq!(read(&repo, &whole, 2, "1/files/11.txt").await, b"0");
            // Where the head's files are stored, however the inventory is held.
            let content: Vec<(Arc<str>, Arc<str>)> =
                v2.head_content(|path: &str| path.starts_with("1/files/")).try_collect::<Vec<_>>().await.unwrap().concat();
            let head = whole.head_version().unwrap();
            let expected: Vec<(Arc<str>, Arc<str>)> = head
                .state
                .iter()
                .filter(|(_, paths)| paths[0].starts_with("1/files/"))
                .map(|(digest, _)| (digest.clone(), whole.content_path(digest).unwrap().into()))
                .collect();
            assert_eq!((content.len(), &content), (11, &expected));
            let root = layout::object_root("obj");
            let stored = [format!("{root}/v1/inventory.json"), format!("{root}/inventory.json")];
            inventories.push(futures::future::try_join_all(stored.iter().map(|key| store.get_bytes(key))).await.unwrap());

            if given_by_digest {
                let mut backwards = files.clone();
                backwards.swap(3, 7);
                let mut refused = version(2, Vec::new());
                refused.by_digest = by_digest(backwards);
                let err = repo.commit("obj", refused).await.unwrap_err();
                assert!(matches!(&err, Error::NewFiles { source, .. } if source.to_string().contains("out of digest order")), "{err}");
                assert_eq!(repo.inventory("obj").await.unwrap().unwrap().head, "v2", "nothing was committed");
            }
        }
        assert!(inventories[0] == inventories[1] && inventories[1] == inventories[2]);
    }

    fn source_digest(source: &FileSource) -> &Arc<str> {
        match source {
            FileSource::LocalFile { sha512, .. } | FileSource::Existing { sha512 } => sha512,
            _ => unreachable!("only files by digest are given"),
        }
    }

    /// A document is stored as the JSON it serialises to, under that JSON's digest, and not
    /// written again when the object holds the same bytes already.
    #[tokio::test]
    async fn documents_are_stored_as_their_json() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        let doc: BTreeMap<String, Vec<String>> = [("files".to_string(), (0..5_000).map(|n| format!("f{n}.csv")).collect())].into();
        let json = serde_json::to_vec_pretty(&doc).unwrap();
        let doc = Arc::new(doc);
        let source = FileSource::json(doc.clone()).unwrap();
        assert!(matches!(&source, FileSource::Document { sha512, .. } if **sha512 == *Sha512::digest_hex(&json)));
        let v1 = repo.commit("obj", version(0, vec![("1/record.json", source)])).await.unwrap();
        assert_eq!(read(&repo, &v1, 1, "1/record.json").await, json);
        let again = FileSource::json(doc.clone()).unwrap();
        let v2 = repo.commit("obj", version(1, vec![("1/record.json", again.clone()), ("2/record.json", again)])).await.unwrap();
        assert_eq!(v2.manifest.len(), 1, "the same document is stored once");
        assert_eq!(read(&repo, &v2, 2, "2/record.json").await, json);
        assert_eq!(Arc::strong_count(&doc), 1, "the commit let go of the document");
        let report = crate::validate_object(store.as_ref(), &layout::object_root("obj")).await;
        assert!(report.is_valid(), "{report:?}");
    }

    /// An inventory of many megabytes is parsed as it is read, from a local file or in many
    /// chunks from a store that streams, and hashed whole; one cut short is corrupt, not half read.
    #[tokio::test]
    async fn an_inventory_is_read_as_it_streams_in() {
        let dir = tempfile::tempdir().unwrap();
        let local = LocalStore::new(dir.path()).unwrap();
        let state: PathMap =
            (0..20_000).map(|n| (Sha512::digest_hex(&[n as u8, (n >> 8) as u8]).into(), vec![format!("f{n}").into()])).collect();
        let inventory = Inventory {
            id: "big".into(),
            kind: INVENTORY_TYPE.into(),
            digest_algorithm: "sha512".into(),
            head: "v1".into(),
            content_directory: None,
            manifest: state.iter().map(|(digest, paths)| (digest.clone(), vec![format!("v1/content/{}", paths[0]).into()])).collect(),
            versions: [(
                "v1".to_string(),
                Version { created: "2026-12-01T00:00:00Z".into(), state, message: None, user: None, spilled: None },
            )]
            .into(),
            fixity: None,
            spilled_manifest: None,
        };
        let json = serde_json::to_vec_pretty(&inventory).unwrap();
        assert!(json.len() > 4 * 1024 * 1024, "{} bytes", json.len());
        local.put_bytes("big/inventory.json", Bytes::from(json.clone())).await.unwrap();
        local.put_bytes("cut/inventory.json", Bytes::from(json[..json.len() / 2].to_vec())).await.unwrap();
        let streamed = crate::streamed::Streamed(local.clone());
        for store in [&local as &dyn Store, &streamed] {
            let read = read_streamed(store, "big/inventory.json", "big").await.unwrap().unwrap();
            assert_eq!((&read.inventory, read.digest), (&inventory, Sha512::digest_hex(&json)));
            assert!(read_streamed(store, "none/inventory.json", "none").await.unwrap().is_none());
            let cut = read_streamed(store, "cut/inventory.json", "cut").await;
            assert!(matches!(cut, Err(Error::CorruptObject { .. })), "{cut:?}");
        }
    }

    /// A commit takes the inventory its caller read while the object has not moved on; once it
    /// has, it reads the object again and refuses to build on the old head.
    #[tokio::test]
    async fn a_commit_builds_on_the_inventory_read_only_while_it_is_current() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        assert!(repo.read("obj").await.unwrap().is_none());
        repo.commit("obj", version(0, vec![("a", FileSource::Bytes(Bytes::from_static(b"one")))])).await.unwrap();

        let read = repo.read("obj").await.unwrap().unwrap();
        let next = |read: ReadInventory, content: &'static [u8]| NewVersion {
            read: Some(read),
            ..version(1, vec![("a", FileSource::Bytes(Bytes::from_static(content)))])
        };
        let v2 = repo.commit("obj", next(read.clone(), b"two")).await.unwrap();
        assert_eq!((v2.head.as_str(), v2.version(1)), ("v2", read.inventory.version(1)));
        assert_eq!(repo.inventory("obj").await.unwrap(), Some(v2));
        let stale = repo.commit("obj", next(read, b"three")).await;
        assert!(matches!(stale, Err(Error::Changed { base: 1, head: 2, .. })), "{stale:?}");
        let report = crate::validate_object(store.as_ref(), &layout::object_root("obj")).await;
        assert!(report.is_valid(), "{report:?}");
    }

    #[tokio::test]
    async fn recovery_after_crashes_at_each_step() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        let root = layout::object_root("obj");
        repo.commit("obj", version(0, vec![("a", FileSource::Bytes(Bytes::from_static(b"one")))])).await.unwrap();

        // A crash after writing v2's content and inventory but before the root inventory.
        store.put_bytes(&format!("{root}/v2/content/a"), Bytes::from_static(b"two")).await.unwrap();
        store.put_bytes(&format!("{root}/v2/inventory.json"), Bytes::from_static(b"{}")).await.unwrap();
        let recovered = repo.recover("obj").await.unwrap().unwrap();
        assert_eq!(recovered.head, "v1");
        assert!(store.list(&format!("{root}/v2")).await.unwrap().is_empty());
        assert!(crate::validate_object(store.as_ref(), &root).await.is_valid());

        // A crash in the middle of replacing the root inventory leaves a temporary file.
        let temporary = format!("{root}/inventory.json.tmp-0123456789abcdef");
        store.put_bytes(&temporary, Bytes::from_static(b"{")).await.unwrap();
        assert!(!crate::validate_object(store.as_ref(), &root).await.is_valid());
        repo.recover("obj").await.unwrap();
        assert_eq!(store.size(&temporary).await.unwrap(), None);

        // A crash between replacing the root inventory and its sidecar.
        let v2 = repo.commit("obj", version(1, vec![("a", FileSource::Bytes(Bytes::from_static(b"two")))])).await.unwrap();
        let v1_sidecar = store.get_bytes(&format!("{root}/v1/inventory.json.sha512")).await.unwrap();
        store.put_bytes(&format!("{root}/inventory.json.sha512"), v1_sidecar).await.unwrap();
        assert!(!crate::validate_object(store.as_ref(), &root).await.is_valid());
        assert_eq!(repo.recover("obj").await.unwrap(), Some(v2));
        assert!(crate::validate_object(store.as_ref(), &root).await.is_valid());

        // A crash while creating a new object, before its first inventory.
        let other = layout::object_root("other");
        store.put_bytes(&format!("{other}/{OBJECT_NAMASTE}"), Bytes::from_static(b"ocfl_object_1.1\n")).await.unwrap();
        assert_eq!(repo.recover("other").await.unwrap(), None);
        assert!(store.list(&other).await.unwrap().is_empty());
        assert!(repo.empty_hierarchy_dirs().await.unwrap().is_empty(), "no empty tuple folders are left behind (E073)");
        std::fs::create_dir_all(dir.path().join("abc/def")).unwrap();
        assert_eq!(repo.empty_hierarchy_dirs().await.unwrap(), ["abc/def"]);
        // Walked a folder at a time through the store, as an object store is, it is the same.
        let streamed = OcflRepo::open(Arc::new(crate::streamed::Streamed(LocalStore::new(dir.path()).unwrap()))).await.unwrap();
        let (walked, listed) = (repo.hierarchy().await.unwrap(), streamed.hierarchy().await.unwrap());
        assert_eq!((walked.roots, walked.empty), (listed.roots, listed.empty));
    }

    /// `recover_at` recovers as `recover` does, from the root alone; it refuses an object
    /// found where the layout does not put it and leaves a root without an inventory alone.
    #[tokio::test]
    async fn recovering_an_object_found_at_a_root() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        let root = layout::object_root("obj");
        let bytes = |b: &'static [u8]| FileSource::Bytes(Bytes::from_static(b));
        for (base, content) in [(0, b"one"), (1, b"two"), (2, b"tri")] {
            repo.commit("obj", version(base, vec![("a", bytes(content))])).await.unwrap();
        }
        let v3 = repo.inventory("obj").await.unwrap().unwrap();
        assert_eq!(repo.recover_at(&root).await.unwrap().as_ref(), Some(&v3));

        // Version inventories as Tessera writes them match byte for byte; one written with
        // other spacing matches by content; one cut short or missing does not.
        let shared = Arc::new(v3.clone());
        let expected = |number| Truncated { inventory: shared.clone(), number };
        let v1_key = format!("{root}/v1/inventory.json");
        for number in [1, 2] {
            let key = format!("{root}/v{number}/inventory.json");
            assert_eq!(repo.stored_inventory(&key, &expected(number)).await.unwrap(), Stored::Same, "v{number}");
        }
        let written = store.get_bytes(&v1_key).await.unwrap();
        store.put_bytes(&v1_key, Bytes::from(serde_json::to_vec(&v3.truncated(1)).unwrap())).await.unwrap();
        assert_eq!(repo.stored_inventory(&v1_key, &expected(1)).await.unwrap(), Stored::Equivalent);
        assert_eq!(repo.stored_inventory(&v1_key, &expected(2)).await.unwrap(), Stored::Different);
        store.put_bytes(&v1_key, Bytes::from_static(b"{}")).await.unwrap();
        assert_eq!(repo.stored_inventory(&v1_key, &expected(1)).await.unwrap(), Stored::Different);
        store.delete(&v1_key).await.unwrap();
        assert_eq!(repo.stored_inventory(&v1_key, &expected(1)).await.unwrap(), Stored::Different);

        // A crash between the root inventory and its sidecar, and a version inventory lost:
        // both repaired, the inventory read again once the sidecar did not name it.
        let v1_sidecar = store.get_bytes(&format!("{root}/v1/inventory.json.sha512")).await.unwrap();
        store.put_bytes(&format!("{root}/inventory.json.sha512"), v1_sidecar).await.unwrap();
        assert_eq!(repo.recover_at(&root).await.unwrap().as_ref(), Some(&v3));
        assert_eq!(store.get_bytes(&v1_key).await.unwrap(), written);
        let report = crate::validate_object(store.as_ref(), &root).await;
        assert!(report.is_valid(), "{report:?}");

        // The same object copied to where another id belongs.
        let elsewhere = layout::object_root("copy");
        for key in store.list(&root).await.unwrap() {
            store.copy(&key, &key.replacen(&root, &elsewhere, 1)).await.unwrap();
        }
        let mut checked = crate::validate_object(store.as_ref(), &elsewhere).await;
        assert!(checked.is_valid(), "a valid object in itself: {checked:?}");
        crate::check_placement(&elsewhere, &mut checked);
        let misplaced: Vec<_> = checked.errors().map(|finding| (finding.code, finding.message.as_str())).collect();
        assert_eq!(misplaced, [("LAYOUT", format!("object 'obj' belongs at {root} under the storage root's layout").as_str())]);
        let mut checked = crate::validate_object(store.as_ref(), &root).await;
        crate::check_placement(&root, &mut checked);
        assert!(checked.is_valid(), "{checked:?}");
        let copied = repo.recover_at(&elsewhere).await;
        assert!(
            matches!(&copied, Err(Error::CorruptObject { id, reason }) if id == "obj" && reason.contains(&elsewhere) && reason.contains(&root)),
            "{copied:?}"
        );

        // A root with no inventory says nothing of what it holds: it stays.
        let bare = layout::object_root("bare");
        store.put_bytes(&format!("{bare}/{OBJECT_NAMASTE}"), Bytes::from_static(b"ocfl_object_1.1\n")).await.unwrap();
        assert_eq!(repo.recover_at(&bare).await.unwrap(), None);
        assert_eq!(store.list(&bare).await.unwrap().len(), 1);
    }

    /// Two commits to one object wait for each other; the lock goes once both are done.
    #[tokio::test]
    async fn an_object_lock_is_held_only_while_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let repo = OcflRepo::open(Arc::new(LocalStore::new(dir.path()).unwrap())).await.unwrap();
        let commit = |content: &'static [u8]| repo.commit("obj", version(0, vec![("a", FileSource::Bytes(Bytes::from_static(content)))]));
        let (first, second) = tokio::join!(commit(b"one"), commit(b"two"));
        let refused = [&first, &second].iter().filter(|r| matches!(r, Err(Error::Changed { base: 0, head: 1, .. }))).count();
        assert_eq!((first.is_ok() || second.is_ok(), refused), (true, 1), "{first:?} {second:?}");
        assert!(repo.locks.lock().unwrap().is_empty());
        for n in 0..20 {
            repo.commit(&format!("object-{n}"), version(0, vec![("a", FileSource::Bytes(Bytes::from_static(b"x")))])).await.unwrap();
            repo.recover(&format!("object-{n}")).await.unwrap();
        }
        assert!(repo.locks.lock().unwrap().is_empty(), "no lock is kept for an object not in use");
    }

    #[tokio::test]
    async fn a_local_hierarchy_is_walked_in_runs_as_a_store_walks_it() {
        let dir = tempfile::tempdir().unwrap();
        let repo = OcflRepo::open(Arc::new(LocalStore::new(dir.path()).unwrap())).await.unwrap();
        let streamed = OcflRepo::open(Arc::new(crate::streamed::Streamed(LocalStore::new(dir.path()).unwrap()))).await.unwrap();
        let walked = repo.hierarchy().await.unwrap();
        assert!(walked.roots.is_empty() && walked.empty.is_empty(), "an empty storage root: {walked:?}");
        // Enough objects that each level is listed in runs of several folders.
        let mut expected = Vec::new();
        for n in 0..50 {
            let id = format!("object-{n}");
            repo.commit(&id, version(0, vec![("a", FileSource::Bytes(Bytes::from(id.clone())))])).await.unwrap();
            expected.push(layout::object_root(&id));
        }
        expected.sort();
        std::fs::create_dir_all(dir.path().join("abc/def")).unwrap();
        let (walked, listed) = (repo.hierarchy().await.unwrap(), streamed.hierarchy().await.unwrap());
        assert_eq!(walked.roots, expected);
        assert_eq!(walked.empty, ["abc/def"]);
        assert_eq!((walked.roots, walked.empty), (listed.roots, listed.empty));
    }

    #[tokio::test]
    async fn purging_removes_paths_from_every_version_and_stays_valid() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        let root = layout::object_root("obj");
        let bytes = |b: &'static [u8]| FileSource::Bytes(Bytes::from_static(b));
        let digest = |b: &[u8]| FileSource::Existing { sha512: Sha512::digest_hex(b).into() };
        repo.commit(
            "obj",
            version(
                0,
                vec![("1/files/secret.csv", bytes(b"secret")), ("1/files/shared.txt", bytes(b"shared")), ("1/record.json", bytes(b"{1}"))],
            ),
        )
        .await
        .unwrap();
        repo.commit(
            "obj",
            version(
                1,
                vec![
                    ("1/files/secret.csv", digest(b"secret")),
                    ("1/files/shared.txt", digest(b"shared")),
                    ("1/record.json", digest(b"{1}")),
                    ("2/files/shared.txt", digest(b"shared")),
                    ("2/record.json", bytes(b"{2}")),
                ],
            ),
        )
        .await
        .unwrap();

        let paths: BTreeSet<String> = ["1/files/secret.csv".to_string(), "1/files/shared.txt".to_string()].into();
        let mut next = version(
            2,
            vec![("1/record.json", bytes(b"{1 purged}")), ("2/files/shared.txt", digest(b"shared")), ("2/record.json", digest(b"{2}"))],
        );
        // Read to commit on, with the first version's state set aside: the purge reads it whole.
        let spill = tempfile::tempdir().unwrap();
        next.read = repo.read_to_commit("obj", spill.path(), None).await.unwrap();
        assert!(next.read.as_ref().unwrap().inventory.versions["v1"].spilled.is_some());
        let (inventory, erased) = repo.purge("obj", &|path| paths.contains(path), next).await.unwrap();
        assert_eq!(inventory.head, "v3");
        assert_eq!(erased, [Arc::from(Sha512::digest_hex(b"secret"))], "content another record holds stays");
        assert_eq!(store.size(&format!("{root}/v1/content/1/files/secret.csv")).await.unwrap(), None);
        for v in 1..=3 {
            assert!(inventory.version(v).unwrap().digest_of("1/files/secret.csv").is_none(), "gone from v{v}");
        }
        assert!(inventory.version(1).unwrap().digest_of("1/files/shared.txt").is_some(), "kept content keeps its history");
        assert!(inventory.version(3).unwrap().digest_of("1/files/shared.txt").is_none());
        assert_eq!(read(&repo, &inventory, 3, "2/files/shared.txt").await, b"shared");
        let report = crate::validate_object(store.as_ref(), &root).await;
        assert!(report.is_valid(), "{report:?}");
        for v in 1..3 {
            let stored = store.get_bytes(&format!("{root}/v{v}/inventory.json")).await.unwrap();
            assert_eq!(stored, serde_json::to_vec_pretty(&inventory.truncated(v)).unwrap(), "v{v} is written as `truncated` gives it");
        }

        // A purge cut short: the old content is back and a version inventory is stale.
        let purged_v2 = store.get_bytes(&format!("{root}/v2/inventory.json")).await.unwrap();
        store.put_bytes(&format!("{root}/v2/inventory.json"), Bytes::from_static(b"{}")).await.unwrap();
        store.put_bytes(&format!("{root}/v1/content/1/files/secret.csv"), Bytes::from_static(b"secret")).await.unwrap();
        assert!(!crate::validate_object(store.as_ref(), &root).await.is_valid());
        repo.recover("obj").await.unwrap();
        assert_eq!(store.get_bytes(&format!("{root}/v2/inventory.json")).await.unwrap(), purged_v2);
        assert_eq!(store.size(&format!("{root}/v1/content/1/files/secret.csv")).await.unwrap(), None);
        let report = crate::validate_object(store.as_ref(), &root).await;
        assert!(report.is_valid(), "{report:?}");
    }
}
