//! The OCFL storage root: creating objects, committing versions, reading and recovering them.
//!
//! A version is written content first, then `vN/inventory.json` and its sidecar, then the root
//! inventory and its sidecar. Replacing the root `inventory.json` is the commit point: until
//! then readers and `recover` see the previous version, after it the new one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tessera_storage::{ByteStream, Sha512, Store};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::inventory::{Inventory, PathMap, User, Version, version_number};
use crate::layout::{self, OBJECT_NAMASTE};
use crate::{Error, INVENTORY_TYPE, Result};

/// Where the content of one logical file of a new version comes from.
#[derive(Clone, Debug)]
pub enum FileSource {
    /// Content already in the object (carried over from an earlier version).
    Existing { sha512: String },
    /// A durable local file whose SHA-512 the caller computed while writing it.
    LocalFile { path: PathBuf, sha512: String },
    /// Small content produced in memory, such as a metadata document.
    Bytes(Bytes),
}

/// A version to commit: the complete state (logical path → content) plus who and why.
#[derive(Clone, Debug)]
pub struct NewVersion {
    pub state: Vec<(String, FileSource)>,
    pub message: String,
    pub user: User,
    pub created: OffsetDateTime,
}

pub struct OcflRepo {
    store: Arc<dyn Store>,
    /// One lock per object id, so two commits to one object never interleave.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
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

    fn lock_for(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(id.to_string()).or_default().clone()
    }

    /// The object's current inventory, or `None` if there is no such object.
    pub async fn inventory(&self, id: &str) -> Result<Option<Inventory>> {
        read_inventory(self.store.as_ref(), &layout::object_root(id), id).await
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
    pub async fn commit(&self, id: &str, new: NewVersion) -> Result<Inventory> {
        let lock = self.lock_for(id);
        let _guard = lock.lock().await;
        let root = layout::object_root(id);
        let previous = read_inventory(self.store.as_ref(), &root, id).await?;
        let number = previous.as_ref().map_or(1, |inv| inv.head_number() + 1);
        let version_dir = format!("v{number}");
        // Anything already there is the debris of a commit that crashed before its commit point.
        self.store.delete_prefix(&format!("{root}/{version_dir}")).await?;
        if previous.is_none() {
            self.store.put_bytes(&format!("{root}/{OBJECT_NAMASTE}"), Bytes::from_static(b"ocfl_object_1.1\n")).await?;
        }

        let mut manifest = previous.as_ref().map(|inv| inv.manifest.clone()).unwrap_or_default();
        let mut state = PathMap::new();
        for (logical_path, source) in new.state {
            let (sha512, write): (String, Option<FileSource>) = match source {
                FileSource::Existing { sha512 } => {
                    if !manifest.contains_key(&sha512) {
                        return Err(Error::CorruptObject { id: id.to_string(), reason: format!("no content with digest {sha512}") });
                    }
                    (sha512, None)
                }
                FileSource::LocalFile { ref sha512, .. } => (sha512.clone(), Some(source)),
                FileSource::Bytes(ref bytes) => (Sha512::digest_hex(bytes), Some(source)),
            };
            if let (Some(source), false) = (write, manifest.contains_key(&sha512)) {
                let content_path = format!("{version_dir}/content/{logical_path}");
                let key = format!("{root}/{content_path}");
                match source {
                    FileSource::LocalFile { path, .. } => self.store.put_file(&key, &path).await?,
                    FileSource::Bytes(bytes) => self.store.put_bytes(&key, bytes).await?,
                    FileSource::Existing { .. } => unreachable!("existing content is never written"),
                }
                manifest.insert(sha512.clone(), vec![content_path]);
            }
            state.entry(sha512).or_default().push(logical_path);
        }
        for paths in state.values_mut() {
            paths.sort();
        }

        let mut versions = previous.map(|inv| inv.versions).unwrap_or_default();
        let created = new.created.replace_nanosecond(0).unwrap_or(new.created).format(&Rfc3339).unwrap_or_default();
        versions.insert(version_dir.clone(), Version { created, state, message: Some(new.message), user: Some(new.user) });
        let inventory = Inventory {
            id: id.to_string(),
            kind: INVENTORY_TYPE.to_string(),
            digest_algorithm: "sha512".to_string(),
            head: version_dir.clone(),
            content_directory: None,
            manifest,
            versions,
            fixity: None,
        };
        let bytes = Bytes::from(serde_json::to_vec_pretty(&inventory).map_err(|e| corrupt(id, e))?);
        let sidecar = Bytes::from(layout::sidecar(&bytes));
        self.store.put_bytes(&format!("{root}/{version_dir}/inventory.json"), bytes.clone()).await?;
        self.store.put_bytes(&format!("{root}/{version_dir}/inventory.json.sha512"), sidecar.clone()).await?;
        // The commit point.
        self.store.put_bytes(&format!("{root}/inventory.json"), bytes).await?;
        self.store.put_bytes(&format!("{root}/inventory.json.sha512"), sidecar).await?;
        Ok(inventory)
    }

    /// Brings object `id` back to a valid state after a crash during `commit`: repairs a root
    /// sidecar left behind by the last step and removes any uncommitted version folder.
    /// Returns the object's inventory, or `None` if no version was ever committed.
    pub async fn recover(&self, id: &str) -> Result<Option<Inventory>> {
        let lock = self.lock_for(id);
        let _guard = lock.lock().await;
        let root = layout::object_root(id);
        let store = self.store.as_ref();
        let inventory_bytes = match store.get_bytes(&format!("{root}/inventory.json")).await {
            Ok(bytes) => bytes,
            Err(tessera_storage::Error::NotFound { .. }) => {
                // The first version never reached its commit point.
                store.delete_prefix(&root).await?;
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        };
        let inventory: Inventory = serde_json::from_slice(&inventory_bytes).map_err(|e| corrupt(id, e))?;
        let sidecar = layout::sidecar(&inventory_bytes);
        let sidecar_key = format!("{root}/inventory.json.sha512");
        let stored_sidecar = store.get_bytes(&sidecar_key).await.ok();
        if stored_sidecar.as_deref() != Some(sidecar.as_bytes()) {
            tracing::warn!(object = id, "repairing the root inventory sidecar after an interrupted commit");
            store.put_bytes(&sidecar_key, Bytes::from(sidecar)).await?;
        }
        for dir in store.list_dirs(&root).await? {
            if version_number(&dir).is_some_and(|n| n > inventory.head_number()) {
                tracing::warn!(object = id, version = dir, "removing an uncommitted version");
                store.delete_prefix(&format!("{root}/{dir}")).await?;
            }
        }
        for key in store.list(&root).await? {
            if store.is_temporary(&key) {
                tracing::warn!(object = id, key, "removing the temporary file of an interrupted write");
                store.delete(&key).await?;
            }
        }
        Ok(Some(inventory))
    }

    /// Every object root in the storage root, found by walking the layout's three tuple levels.
    pub async fn object_roots(&self) -> Result<Vec<String>> {
        let mut level = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for prefix in &level {
                for name in self.store.list_dirs(prefix).await? {
                    if prefix.is_empty() && name == "extensions" {
                        continue;
                    }
                    next.push(if prefix.is_empty() { name } else { format!("{prefix}/{name}") });
                }
            }
            level = next;
        }
        Ok(level)
    }

    /// Folders of the layout's tuple levels that lead to no object (OCFL 1.1 §4.2 forbids them).
    pub async fn empty_hierarchy_dirs(&self) -> Result<Vec<String>> {
        let mut empty = Vec::new();
        let mut level = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for prefix in &level {
                let dirs = self.store.list_dirs(prefix).await?;
                if dirs.is_empty() && !prefix.is_empty() && self.store.list(prefix).await?.is_empty() {
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
        Ok(empty)
    }

    /// Reads the inventory at an object root, whatever its id.
    pub async fn inventory_at(&self, root: &str) -> Result<Option<Inventory>> {
        read_inventory(self.store.as_ref(), root, root).await
    }
}

async fn read_inventory(store: &dyn Store, root: &str, id: &str) -> Result<Option<Inventory>> {
    match store.get_bytes(&format!("{root}/inventory.json")).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| corrupt(id, e)),
        Err(tessera_storage::Error::NotFound { .. }) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

fn corrupt(id: &str, reason: impl std::fmt::Display) -> Error {
    Error::CorruptObject { id: id.to_string(), reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use tessera_storage::LocalStore;

    fn version(files: Vec<(&str, FileSource)>) -> NewVersion {
        NewVersion {
            state: files.into_iter().map(|(p, s)| (p.to_string(), s)).collect(),
            message: "test".into(),
            user: User { name: "Tester".into(), address: Some("mailto:t@example.org".into()) },
            created: OffsetDateTime::now_utc(),
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
        let big = dir.path().join("staged");
        std::fs::write(&big, b"large content").unwrap();
        let big_digest = Sha512::digest_hex(b"large content");

        let v1 = repo
            .commit(
                "obj",
                version(vec![
                    ("1/files/data.bin", FileSource::LocalFile { path: big.clone(), sha512: big_digest.clone() }),
                    ("1/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":1}"))),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(v1.head, "v1");
        let v2 = repo
            .commit(
                "obj",
                version(vec![
                    ("1/files/data.bin", FileSource::Existing { sha512: big_digest.clone() }),
                    ("1/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":1}"))),
                    ("2/files/data.bin", FileSource::Existing { sha512: big_digest.clone() }),
                    ("2/record.json", FileSource::Bytes(Bytes::from_static(b"{\"v\":2}"))),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(v2.head, "v2");
        assert_eq!(v2.manifest.len(), 3, "the shared file and the unchanged record are stored once");
        assert_eq!(read(&repo, &v2, 2, "2/record.json").await, b"{\"v\":2}");
        assert_eq!(read(&repo, &v2, 1, "1/files/data.bin").await, b"large content");
        assert_eq!(repo.inventory("obj").await.unwrap(), Some(v2));
        assert_eq!(repo.object_roots().await.unwrap(), [layout::object_root("obj")]);

        let report = crate::validate_object(store.as_ref(), &layout::object_root("obj")).await;
        assert!(report.is_valid(), "{report:?}");
    }

    #[tokio::test]
    async fn recovery_after_crashes_at_each_step() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path()).unwrap());
        let repo = OcflRepo::open(store.clone()).await.unwrap();
        let root = layout::object_root("obj");
        repo.commit("obj", version(vec![("a", FileSource::Bytes(Bytes::from_static(b"one")))])).await.unwrap();

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
        let v2 = repo.commit("obj", version(vec![("a", FileSource::Bytes(Bytes::from_static(b"two")))])).await.unwrap();
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
    }
}
