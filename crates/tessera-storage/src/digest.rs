//! Hashing while writing: an upload is streamed to a local file and hashed on the way, with
//! SHA-512 (OCFL's digest) and MD5 (what InvenioRDM clients check) on two threads.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use md5::Digest as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Size and digests of written content, digests in lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digests {
    pub size: u64,
    pub sha512: String,
    pub md5: String,
}

/// A SHA-512 hasher backed by ring's assembly implementation.
pub struct Sha512(ring::digest::Context);

impl Default for Sha512 {
    fn default() -> Self {
        Self(ring::digest::Context::new(&ring::digest::SHA512))
    }
}

impl Sha512 {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish_hex(self) -> String {
        hex(self.0.finish().as_ref())
    }

    pub fn digest_hex(bytes: &[u8]) -> String {
        let mut hasher = Self::default();
        hasher.update(bytes);
        hasher.finish_hex()
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// How many chunks may wait for each thread; bounds memory to a few MiB per upload.
const QUEUE_CHUNKS: usize = 16;
/// Written bytes are flushed to disk every this many, so the disk works while the upload is
/// still arriving and the final fsync has only the tail left.
const SYNC_EVERY: u64 = 64 * 1024 * 1024;

/// Streams chunks to a new local file, hashing them, and makes the file durable on `finish`.
/// One thread writes and computes SHA-512, another computes MD5.
pub struct HashingWriter {
    path: PathBuf,
    senders: Vec<mpsc::Sender<Bytes>>,
    file_thread: JoinHandle<io::Result<(u64, String)>>,
    md5_thread: JoinHandle<String>,
}

impl HashingWriter {
    /// Creates `path`, which must not exist yet.
    pub fn create(path: &Path) -> io::Result<Self> {
        let mut file = File::options().write(true).create_new(true).open(path)?;
        let (to_file, mut file_rx) = mpsc::channel::<Bytes>(QUEUE_CHUNKS);
        let file_thread = tokio::task::spawn_blocking(move || {
            let mut sha512 = Sha512::default();
            let mut size = 0u64;
            let mut unsynced = 0u64;
            while let Some(chunk) = file_rx.blocking_recv() {
                file.write_all(&chunk)?;
                sha512.update(&chunk);
                size += chunk.len() as u64;
                unsynced += chunk.len() as u64;
                if unsynced >= SYNC_EVERY {
                    file.sync_data()?;
                    unsynced = 0;
                }
            }
            file.sync_all()?;
            Ok((size, sha512.finish_hex()))
        });
        let (to_md5, mut md5_rx) = mpsc::channel::<Bytes>(QUEUE_CHUNKS);
        let md5_thread = tokio::task::spawn_blocking(move || {
            let mut md5 = md5::Md5::new();
            while let Some(chunk) = md5_rx.blocking_recv() {
                md5.update(&chunk);
            }
            hex(&md5.finalize())
        });
        Ok(Self { path: path.to_path_buf(), senders: vec![to_file, to_md5], file_thread, md5_thread })
    }

    pub async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        for sender in &self.senders {
            if sender.send(chunk.clone()).await.is_err() {
                // The file thread stopped early; its own error says why (for example a full disk).
                return Err(io::Error::other("the writer stopped; see finish() for the cause"));
            }
        }
        Ok(())
    }

    /// Flushes and fsyncs the file and returns its size and digests.
    pub async fn finish(self) -> io::Result<Digests> {
        drop(self.senders);
        let (size, sha512) = self.file_thread.await.map_err(io::Error::other)??;
        let md5 = self.md5_thread.await.map_err(io::Error::other)?;
        Ok(Digests { size, sha512, md5 })
    }

    /// Stops writing and removes the partial file.
    pub async fn abort(self) {
        drop(self.senders);
        let _ = self.file_thread.await;
        let _ = self.md5_thread.await;
        let _ = tokio::fs::remove_file(&self.path).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_what_it_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload");
        let mut writer = HashingWriter::create(&path).unwrap();
        writer.write(Bytes::from_static(b"hello ")).await.unwrap();
        writer.write(Bytes::from_static(b"world")).await.unwrap();
        let digests = writer.finish().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello world");
        assert_eq!(digests.size, 11);
        assert_eq!(digests.md5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(Sha512::digest_hex(b"hello world"), digests.sha512);
        assert!(digests.sha512.starts_with("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"));
    }

    #[tokio::test]
    async fn refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exists");
        std::fs::write(&path, b"x").unwrap();
        assert!(HashingWriter::create(&path).is_err());
    }
}
