//! A store on the local filesystem: each key is a file under the root folder.
//!
//! Durability: content is fsynced before it gets its final name, and the folder is fsynced
//! after, so an object that exists after a crash is complete. So is each folder a put made:
//! the folder holding it is fsynced too.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

use crate::store::{ByteStream, Store, WriteFn, check_key};
use crate::{Error, Result};

/// Chunk size for streamed reads: large enough for throughput, small enough to keep memory flat.
const READ_CHUNK: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub struct LocalStore {
    root: PathBuf,
    /// Whether a small read is first tried from the page cache on the calling thread; off once
    /// the filesystem says it cannot read without waiting (some network filesystems).
    cached_reads: Arc<AtomicBool>,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root, cached_reads: Arc::new(AtomicBool::new(true)) })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A small read whose bytes are all in the page cache, made on the calling thread: a trip
    /// to a blocking thread costs two thread switches, more than a small download's other
    /// work. Opening the file may still wait for the disk, as it does in nginx's event loop.
    fn read_in_memory(&self, path: &Path, range: Option<Range<u64>>) -> Option<Bytes> {
        if !self.cached_reads.load(Ordering::Relaxed) {
            return None;
        }
        match read_cached(path, range) {
            Cached::Read(bytes) => Some(bytes),
            Cached::Unsupported => {
                self.cached_reads.store(false, Ordering::Relaxed);
                None
            }
            Cached::NotNow => None,
        }
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    /// Removes the folders above `path` that are left empty, up to the root: like an object
    /// store, a local store has no empty folders (an OCFL storage hierarchy must not contain
    /// any). A folder already gone is passed over, not taken for the end: a crash may have cut
    /// an earlier pruning short, or come while the folders of a new object were being made.
    async fn prune_empty_parents(&self, path: &Path) {
        let mut current = path.parent();
        while let Some(dir) = current {
            if dir == self.root || !dir.starts_with(&self.root) {
                break;
            }
            match tokio::fs::remove_dir(dir).await {
                Err(err) if err.kind() != io::ErrorKind::NotFound => break,
                _ => current = dir.parent(),
            }
        }
    }

    fn dir_path(&self, prefix: &str) -> Result<PathBuf> {
        if prefix.is_empty() { Ok(self.root.clone()) } else { self.path(prefix) }
    }
}

/// Temporary files sit beside their target, so the final rename never crosses filesystems.
const TEMP_MARKER: &str = ".tmp-";

fn temp_sibling(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!("{TEMP_MARKER}{}", uuid::Uuid::new_v4().simple()));
    path.with_file_name(name)
}

/// Makes a new or renamed entry in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Makes everything written to the filesystem holding `path` durable at once: cheaper than an
/// fsync per file when thousands were written together.
pub fn sync_filesystem(path: &Path) -> io::Result<()> {
    let dir = std::fs::File::open(path)?;
    rustix::fs::syncfs(&dir).map_err(io::Error::from)
}

/// Makes the folder `dir` if it is missing, and notes in `to_sync` the folders whose entries
/// a put into it changes: `dir` itself and the parent of each folder made.
fn make_dir(dir: &Path, to_sync: &mut BTreeSet<PathBuf>) -> io::Result<()> {
    if !to_sync.insert(dir.to_path_buf()) {
        return Ok(()); // made or found by an earlier put of the same batch
    }
    let mut missing = dir;
    while !missing.exists() {
        let Some(parent) = missing.parent() else { break };
        to_sync.insert(parent.to_path_buf());
        missing = parent;
    }
    std::fs::create_dir_all(dir)
}

/// Puts each local file (destination, key, source) at its key's path, then fsyncs each
/// folder changed once: a thousand files into one folder cost one folder fsync, not a
/// thousand.
fn put_files_blocking(files: &[(PathBuf, String, PathBuf)]) -> Result<()> {
    let mut to_sync = BTreeSet::new();
    for (dest, key, src) in files {
        put_file_unsynced(src, dest, &mut to_sync).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound if !src.exists() => Error::SourceGone { key: key.clone(), path: src.to_string_lossy().into_owned() },
            _ => Error::io(key, err),
        })?;
    }
    for dir in &to_sync {
        sync_dir(dir).map_err(|err| Error::io(&dir.to_string_lossy(), err))?;
    }
    Ok(())
}

/// Puts `src` at `dest`, leaving the folders that changed in `to_sync` to be fsynced.
fn put_file_unsynced(src: &Path, dest: &Path, to_sync: &mut BTreeSet<PathBuf>) -> io::Result<()> {
    make_dir(dest.parent().unwrap_or(Path::new(".")), to_sync)?;
    if dest.exists() {
        return Err(io::ErrorKind::AlreadyExists.into());
    }
    // A hard link publishes the already-durable file without copying a byte; across
    // filesystems fall back to copy, fsync and rename.
    if std::fs::hard_link(src, dest).is_err() {
        let tmp = temp_sibling(dest);
        std::fs::copy(src, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, dest)?;
    }
    Ok(())
}

fn put_bytes_blocking(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut to_sync = BTreeSet::new();
    make_dir(dest.parent().unwrap_or(Path::new(".")), &mut to_sync)?;
    let tmp = temp_sibling(dest);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, dest)?;
    to_sync.iter().try_for_each(|dir| sync_dir(dir))
}

/// Writes through `write` into a temporary file beside `dest`, makes it durable and renames it
/// into place; on failure the temporary file goes.
fn put_written_blocking(dest: &Path, write: WriteFn) -> io::Result<()> {
    let mut to_sync = BTreeSet::new();
    make_dir(dest.parent().unwrap_or(Path::new(".")), &mut to_sync)?;
    let tmp = temp_sibling(dest);
    let written = (|| {
        let mut file = io::BufWriter::with_capacity(READ_CHUNK, std::fs::File::create(&tmp)?);
        write(&mut file)?;
        file.into_inner().map_err(io::IntoInnerError::into_error)?.sync_all()?;
        std::fs::rename(&tmp, dest)
    })();
    if let Err(err) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err);
    }
    to_sync.iter().try_for_each(|dir| sync_dir(dir))
}

/// Puts a second name on `src`'s file at `dest`, replacing what is there: a hard link made
/// beside `dest` and renamed over it, so no byte is copied (across filesystems, a copy).
fn copy_blocking(src: &Path, dest: &Path) -> io::Result<()> {
    let mut to_sync = BTreeSet::new();
    make_dir(dest.parent().unwrap_or(Path::new(".")), &mut to_sync)?;
    let tmp = temp_sibling(dest);
    let copied = (|| {
        if std::fs::hard_link(src, &tmp).is_err() {
            std::fs::copy(src, &tmp)?;
            std::fs::File::open(&tmp)?.sync_all()?;
        }
        std::fs::rename(&tmp, dest)
    })();
    if let Err(err) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(err);
    }
    to_sync.iter().try_for_each(|dir| sync_dir(dir))
}

/// The files under `dir`, as sorted `/`-separated keys relative to `root`, read on the calling
/// thread: a store's `list` without the hop to a blocking thread, for callers already on one.
pub fn list_blocking(root: &Path, dir: &Path) -> io::Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err),
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                keys.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    keys.sort();
    Ok(keys)
}

/// The names of the folders directly in `dir`, sorted, read on the calling thread.
pub fn list_dirs_blocking(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(names),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

#[async_trait]
impl Store for LocalStore {
    async fn put_file(&self, key: &str, src: &Path) -> Result<()> {
        self.put_files(vec![(key.to_string(), src.to_path_buf())]).await
    }

    async fn put_files(&self, files: Vec<(String, PathBuf)>) -> Result<()> {
        let files = files.into_iter().map(|(key, src)| Ok((self.path(&key)?, key, src))).collect::<Result<Vec<_>>>()?;
        tokio::task::spawn_blocking(move || put_files_blocking(&files))
            .await
            .map_err(|join| Error::io("(a batch of files)", io::Error::other(join)))?
    }

    async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<()> {
        let dest = self.path(key)?;
        blocking(key, move || put_bytes_blocking(&dest, &bytes)).await
    }

    async fn put_written(&self, key: &str, write: WriteFn) -> Result<()> {
        let dest = self.path(key)?;
        blocking(key, move || put_written_blocking(&dest, write)).await
    }

    async fn copy(&self, from: &str, to: &str) -> Result<()> {
        let (src, dest) = (self.path(from)?, self.path(to)?);
        blocking(to, move || copy_blocking(&src, &dest)).await
    }

    async fn get_bytes(&self, key: &str) -> Result<Bytes> {
        let path = self.path(key)?;
        if let Some(bytes) = self.read_in_memory(&path, None) {
            return Ok(bytes);
        }
        tokio::fs::read(&path).await.map(Bytes::from).map_err(|e| Error::io(key, e))
    }

    async fn get_stream(&self, key: &str, range: Option<Range<u64>>) -> Result<ByteStream> {
        let path = self.path(key)?;
        let whole = |bytes: Bytes| futures::stream::iter((!bytes.is_empty()).then_some(Ok(bytes))).boxed();
        if let Some(bytes) = self.read_in_memory(&path, range.clone()) {
            return Ok(whole(bytes));
        }
        // Otherwise one trip opens the file and, when what is asked for fits in one chunk,
        // reads it too.
        Ok(match blocking(key, move || open_range(&path, range)).await? {
            Opened::Read(bytes) => whole(bytes),
            Opened::Open(file, len) => ReaderStream::with_capacity(tokio::fs::File::from_std(file).take(len), READ_CHUNK).boxed(),
        })
    }

    async fn size(&self, key: &str) -> Result<Option<u64>> {
        let path = self.path(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Error::io(key, err)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let dir = self.dir_path(prefix)?;
        let root = self.root.clone();
        blocking(prefix, move || list_blocking(&root, &dir)).await
    }

    async fn list_dirs(&self, prefix: &str) -> Result<Vec<String>> {
        let dir = self.dir_path(prefix)?;
        blocking(prefix, move || list_dirs_blocking(&dir)).await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(Error::io(key, err)),
            _ => {
                self.prune_empty_parents(&path).await;
                Ok(())
            }
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<()> {
        let dir = self.path(prefix)?;
        match tokio::fs::remove_dir_all(&dir).await {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(Error::io(prefix, err)),
            _ => {
                self.prune_empty_parents(&dir).await;
                Ok(())
            }
        }
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.dir_path(key).ok()
    }

    fn is_temporary(&self, key: &str) -> bool {
        key.rsplit('/').next().is_some_and(|name| name.contains(TEMP_MARKER))
    }
}

/// A file opened for reading a range of it: already read when the range fits in one chunk.
enum Opened {
    Read(Bytes),
    /// Positioned at the range's start, with the range's length.
    Open(std::fs::File, u64),
}

enum Cached {
    Read(Bytes),
    /// Too large, not all in memory, or not readable here for any other reason: the caller
    /// reads it on a blocking thread, which also reports any error.
    NotNow,
    /// The filesystem cannot read without waiting.
    Unsupported,
}

/// What is asked for, when it fits in one chunk and every byte of it is in the page cache:
/// read without waiting for the disk (`RWF_NOWAIT`), so on the calling thread.
fn read_cached(path: &Path, range: Option<Range<u64>>) -> Cached {
    let Ok(file) = std::fs::File::open(path) else { return Cached::NotNow };
    let Ok(size) = file.metadata().map(|meta| meta.len()) else { return Cached::NotNow };
    let Range { start, end } = range.unwrap_or(0..size);
    let len = end.min(size).saturating_sub(start);
    if len > READ_CHUNK as u64 {
        return Cached::NotNow;
    }
    let mut bytes = vec![0; len as usize];
    let mut done = 0;
    while done < bytes.len() {
        let slice = &mut [io::IoSliceMut::new(&mut bytes[done..])];
        match rustix::io::preadv2(&file, slice, start + done as u64, rustix::io::ReadWriteFlags::NOWAIT) {
            Ok(0) => return Cached::NotNow,
            Ok(read) => done += read,
            Err(rustix::io::Errno::OPNOTSUPP) => return Cached::Unsupported,
            Err(_) => return Cached::NotNow,
        }
    }
    Cached::Read(Bytes::from(bytes))
}

fn open_range(path: &Path, range: Option<Range<u64>>) -> io::Result<Opened> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let Range { start, end } = range.unwrap_or(0..size);
    let len = end.min(size).saturating_sub(start);
    if start > 0 {
        file.seek(SeekFrom::Start(start))?;
    }
    if len > READ_CHUNK as u64 {
        return Ok(Opened::Open(file, len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len).read_to_end(&mut bytes)?;
    Ok(Opened::Read(Bytes::from(bytes)))
}

async fn blocking<T: Send + 'static>(key: &str, work: impl FnOnce() -> io::Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|join| Error::io(key, io::Error::other(join)))?.map_err(|e| Error::io(key, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    async fn read_all(store: &LocalStore, key: &str, range: Option<Range<u64>>) -> Vec<u8> {
        let chunks: Vec<Bytes> = store.get_stream(key, range).await.unwrap().try_collect().await.unwrap();
        chunks.concat()
    }

    /// The contract every store must meet; a later S3 store runs the same body. Small reads
    /// are made from the page cache, and also, as when their bytes are not in memory, on a
    /// blocking thread.
    #[tokio::test]
    async fn contract() {
        for cached_reads in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let store = LocalStore::new(dir.path().join("root")).unwrap();
            store.cached_reads.store(cached_reads, Ordering::Relaxed);
            contract_on(&store, dir.path()).await;
        }
    }

    /// `read_cached` reads just what `open_range` reads, for every kind of range.
    #[test]
    fn cached_reads_read_what_blocking_reads_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, (0..1000).map(|i| (i % 251) as u8).collect::<Vec<u8>>()).unwrap();
        if matches!(read_cached(&path, None), Cached::Unsupported) {
            eprintln!("this filesystem cannot read without waiting; every read takes a blocking thread");
            return;
        }
        for range in [
            None,
            Some(0..0),
            Some(0..1000),
            Some(3..17),
            Some(990..2000),
            Some(1000..1001),
            Some(5000..6000),
            Some(Range { start: 7, end: 3 }),
        ] {
            let Cached::Read(cached) = read_cached(&path, range.clone()) else { panic!("{range:?} was not read from memory") };
            let Ok(Opened::Read(read)) = open_range(&path, range.clone()) else { panic!("{range:?}") };
            assert_eq!(cached, read, "{range:?}");
        }
        assert!(matches!(read_cached(&dir.path().join("missing"), None), Cached::NotNow));
    }

    async fn contract_on(store: &LocalStore, dir: &Path) {
        store.put_bytes("a/b/one.txt", Bytes::from_static(b"0123456789")).await.unwrap();
        store.put_bytes("a/b/one.txt", Bytes::from_static(b"replaced!!")).await.unwrap();
        assert_eq!(&store.get_bytes("a/b/one.txt").await.unwrap()[..], b"replaced!!");
        assert_eq!(read_all(store, "a/b/one.txt", Some(2..5)).await, b"pla");
        assert_eq!(store.size("a/b/one.txt").await.unwrap(), Some(10));
        assert_eq!(store.size("a/b").await.unwrap(), None);
        assert_eq!(store.size("missing").await.unwrap(), None);

        let src = dir.join("src");
        std::fs::write(&src, b"file content").unwrap();
        store.put_file("a/c/two.bin", &src).await.unwrap();
        assert!(matches!(store.put_file("a/c/two.bin", &src).await, Err(Error::AlreadyExists { .. })));
        assert_eq!(read_all(store, "a/c/two.bin", None).await, b"file content");
        // A batch, into folders new and old; one key already there refuses the batch.
        store.put_files(vec![("d/x/1.txt".into(), src.clone()), ("d/y/z/2.txt".into(), src.clone())]).await.unwrap();
        assert_eq!(store.list("d").await.unwrap(), ["d/x/1.txt", "d/y/z/2.txt"]);
        let again = store.put_files(vec![("d/x/3.txt".into(), src.clone()), ("d/y/z/2.txt".into(), src.clone())]).await;
        assert!(matches!(again, Err(Error::AlreadyExists { key }) if key == "d/y/z/2.txt"));
        // A source removed before it is stored is told apart from a key that is not there.
        let gone = store.put_file("d/x/4.txt", &dir.join("removed")).await;
        assert!(matches!(&gone, Err(Error::SourceGone { key, .. }) if key == "d/x/4.txt"), "{gone:?}");
        store.delete_prefix("d").await.unwrap();
        // What fits in one read chunk comes read at once; more streams, and ranges cross both.
        let big: Vec<u8> = (0..READ_CHUNK * 2 + 7).map(|i| (i % 251) as u8).collect();
        store.put_bytes("e/big.bin", Bytes::from(big.clone())).await.unwrap();
        assert_eq!(read_all(store, "e/big.bin", None).await, big);
        let start = READ_CHUNK - 3;
        assert_eq!(read_all(store, "e/big.bin", Some(start as u64..start as u64 + 10)).await, big[start..start + 10]);
        assert_eq!(read_all(store, "e/big.bin", Some(5..u64::MAX)).await, big[5..]);
        store.put_bytes("e/empty", Bytes::new()).await.unwrap();
        assert!(read_all(store, "e/empty", None).await.is_empty());
        assert!(matches!(store.get_stream("e/missing", None).await, Err(Error::NotFound { .. })));
        store.delete_prefix("e").await.unwrap();

        // Written as it comes, replacing; a write that fails leaves the old object and no
        // temporary file. A copy replaces too, and stays as it was when its source changes.
        let whole = big.clone();
        let written: WriteFn = Box::new(move |out| out.write_all(&whole));
        store.put_written("f/inventory.json", written).await.unwrap();
        store.put_written("f/inventory.json", Box::new(|out| out.write_all(b"second"))).await.unwrap();
        let failing: WriteFn = Box::new(|out| {
            out.write_all(b"half")?;
            Err(io::Error::other("the serialiser failed"))
        });
        assert!(store.put_written("f/inventory.json", failing).await.is_err());
        assert_eq!(&store.get_bytes("f/inventory.json").await.unwrap()[..], b"second");
        store.put_bytes("f/v2/inventory.json", Bytes::from_static(b"old root")).await.unwrap();
        store.copy("f/inventory.json", "f/v2/inventory.json").await.unwrap();
        store.put_bytes("f/inventory.json", Bytes::from_static(b"third")).await.unwrap();
        assert_eq!(&store.get_bytes("f/v2/inventory.json").await.unwrap()[..], b"second");
        assert!(store.copy("f/missing", "f/v3/inventory.json").await.is_err());
        assert_eq!(store.list("f").await.unwrap(), ["f/inventory.json", "f/v2/inventory.json"], "no temporary file is left");
        store.delete_prefix("f").await.unwrap();

        assert_eq!(store.list("").await.unwrap(), ["a/b/one.txt", "a/c/two.bin"]);
        assert_eq!(store.list("a/c").await.unwrap(), ["a/c/two.bin"]);
        assert_eq!(store.list_dirs("a").await.unwrap(), ["b", "c"]);
        assert!(store.list("nothing").await.unwrap().is_empty());

        store.delete("a/b/one.txt").await.unwrap();
        store.delete("a/b/one.txt").await.unwrap();
        store.delete_prefix("a/c").await.unwrap();
        assert!(store.list("").await.unwrap().is_empty());
        assert!(store.list_dirs("").await.unwrap().is_empty(), "deletes leave no empty folders behind");
        assert!(store.root().exists(), "the root itself stays");
        assert!(matches!(store.get_bytes("a/b/one.txt").await, Err(Error::NotFound { .. })));
        assert!(matches!(store.get_bytes("../escape").await, Err(Error::InvalidKey { .. })));
        assert!(store.is_temporary(&temp_sibling(Path::new("a/inventory.json")).to_string_lossy()));
        assert!(!store.is_temporary("a/inventory.json"));
    }

    /// A crash can leave the folders of a new object half made, or an object's folders half
    /// pruned: deleting its prefix again removes the empty folders above it, and no more.
    #[tokio::test]
    async fn deleting_again_prunes_the_folders_a_crash_left() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("root")).unwrap();
        store.put_bytes("640/kept.txt", Bytes::from_static(b"kept")).await.unwrap();
        std::fs::create_dir_all(store.root().join("640/ad9")).unwrap();
        store.delete_prefix("640/ad9/5c1/object-7").await.unwrap();
        assert_eq!(store.list_dirs("640").await.unwrap(), Vec::<String>::new(), "the empty folder is gone");
        assert_eq!(store.list("").await.unwrap(), ["640/kept.txt"], "a folder that holds something stays");
    }
}
