//! The byte-store interface that OCFL storage is written through.

use std::ops::Range;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

use crate::{Error, Result};

/// A stream of an object's bytes, in chunks.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Writes an object's bytes, on a thread where blocking is allowed.
pub type WriteFn = Box<dyn FnOnce(&mut dyn std::io::Write) -> std::io::Result<()> + Send>;

/// Keys are `/`-separated relative paths. Every put is atomic: a reader sees the whole new
/// object or the old one, never part of one. There is no rename, so that object stores fit.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores the content of the local file `src` under `key`, refusing to replace an existing
    /// object. The source file must not change afterwards: a store may link to it.
    async fn put_file(&self, key: &str, src: &Path) -> Result<()>;

    /// Stores many local files (key, source) as `put_file` does each. A store may make them
    /// durable together, so a version of thousands of files costs far fewer syncs.
    async fn put_files(&self, files: Vec<(String, PathBuf)>) -> Result<()> {
        for (key, src) in files {
            self.put_file(&key, &src).await?;
        }
        Ok(())
    }

    /// Stores `bytes` under `key`, replacing any existing object.
    async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<()>;

    /// Stores what `write` writes under `key`, replacing any existing object. A store that can
    /// writes it as it comes, so a large object (an inventory of many files) is never held
    /// whole; this default gathers it and puts it with `put_bytes`.
    async fn put_written(&self, key: &str, write: WriteFn) -> Result<()> {
        let mut bytes = Vec::new();
        write(&mut bytes).map_err(|err| Error::io(key, err))?;
        self.put_bytes(key, Bytes::from(bytes)).await
    }

    /// Copies the object `from` to `to`, replacing any object there.
    async fn copy(&self, from: &str, to: &str) -> Result<()> {
        let bytes = self.get_bytes(from).await?;
        self.put_bytes(to, bytes).await
    }

    /// Reads a small object (an inventory, a sidecar) whole.
    async fn get_bytes(&self, key: &str) -> Result<Bytes>;

    /// Streams an object, or the given byte range of it.
    async fn get_stream(&self, key: &str, range: Option<Range<u64>>) -> Result<ByteStream>;

    /// The object's size, or `None` if there is none.
    async fn size(&self, key: &str) -> Result<Option<u64>>;

    /// Every key under `prefix` (a folder path without the trailing `/`, or `""` for all), sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;

    /// The names directly under `prefix` that have objects below them (like S3's common prefixes).
    async fn list_dirs(&self, prefix: &str) -> Result<Vec<String>>;

    /// Deletes one object; deleting what is not there is not an error.
    async fn delete(&self, key: &str) -> Result<()>;

    /// Deletes every object under `prefix`.
    async fn delete_prefix(&self, prefix: &str) -> Result<()>;

    /// The local file that holds `key`, or the folder of a prefix (`""`: the store's root), for
    /// a caller that reads many files or bytes on a thread of its own: a fixity check hashes
    /// at the disk's speed that way, with no hand-off per file or chunk. `None` for stores that
    /// keep no local files: read those with `get_stream`.
    fn local_path(&self, _key: &str) -> Option<PathBuf> {
        None
    }

    /// Whether `key` is a temporary file of an atomic write that a crash interrupted; such
    /// leftovers are removed by recovery. Stores with atomic puts of their own have none.
    fn is_temporary(&self, _key: &str) -> bool {
        false
    }
}

/// Refuses keys that could escape the store's root or mean different things on different stores.
pub fn check_key(key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && !key.starts_with('/')
        && !key.contains('\\')
        && !key.contains('\0')
        && key.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    if valid { Ok(()) } else { Err(Error::InvalidKey { key: key.to_string() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in ["a", "a/b.txt", "0=ocfl_object_1.1", "v1/content/x y.csv"] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/a", "a/../b", "..", "a//b", "a/", "a\\b", "./a", "a\0"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }
}
