//! Hashing while writing: an upload is streamed to a local file and hashed on the way, with
//! SHA-512 (OCFL's digest) and MD5 (what InvenioRDM clients check) on two threads, and a
//! CRC-32 that lets a client check the transfer at a hundredth of SHA-512's cost.

use std::fs::File;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::direct::BlockFile;

/// Size and digests of written content, digests in lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digests {
    pub size: u64,
    pub sha512: String,
    pub md5: String,
    /// Known while the upload that wrote the content is; not kept afterwards.
    pub crc32: Option<u32>,
}

/// Size and digests as bytes, a third of their size in hex: for holding those of many files at
/// once, as unpacking an archive does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigestBytes {
    pub size: u64,
    sha512: [u8; 64],
    md5: [u8; 16],
}

impl DigestBytes {
    pub fn sha512_hex(&self) -> String {
        hex(&self.sha512)
    }

    pub fn md5_hex(&self) -> String {
        hex(&self.md5)
    }
}

/// A SHA-512 hasher: OpenSSL's, whose AVX2 code runs wherever the processor has AVX2 (ring's
/// and aws-lc's run only on Intel's; on AMD's they fall back to code 0.75–0.85× as fast).
#[derive(Clone)]
pub struct Sha512(openssl::sha::Sha512);

impl Default for Sha512 {
    fn default() -> Self {
        Self(openssl::sha::Sha512::new())
    }
}

impl Sha512 {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> [u8; 64] {
        self.0.finish()
    }

    pub fn finish_hex(self) -> String {
        hex(&self.finish())
    }

    pub fn digest_hex(bytes: &[u8]) -> String {
        let mut hasher = Self::default();
        hasher.update(bytes);
        hasher.finish_hex()
    }
}

/// An MD5 hasher: OpenSSL's, 1.3× as fast here as the md-5 crate's assembly (680 against
/// 531 MiB/s), which matters because every upload is hashed with MD5 beside SHA-512.
#[derive(Clone)]
pub struct Md5(openssl::hash::Hasher);

// MD5 is in the default provider of the OpenSSL built into the binary (the `vendored`
// feature), and a digest in memory has nothing else to fail on.
const MD5_IS_BUILT_IN: &str = "the OpenSSL built into Tessera has MD5";

impl Default for Md5 {
    fn default() -> Self {
        Self(openssl::hash::Hasher::new(openssl::hash::MessageDigest::md5()).expect(MD5_IS_BUILT_IN))
    }
}

impl Md5 {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes).expect(MD5_IS_BUILT_IN);
    }

    pub fn finish(mut self) -> [u8; 16] {
        let digest = self.0.finish().expect(MD5_IS_BUILT_IN);
        digest.as_ref().try_into().expect("an MD5 digest is 16 bytes")
    }

    pub fn finish_hex(self) -> String {
        hex(&self.finish())
    }
}

impl io::Write for Md5 {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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

/// The digests of the content written so far. A resumable upload keeps one between its
/// requests, so each byte is hashed once, as it arrives.
#[derive(Clone, Default)]
pub struct HashState {
    size: u64,
    sha512: Sha512,
    md5: Md5,
    crc32: crc32fast::Hasher,
}

impl HashState {
    /// How many bytes have been hashed.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.sha512.update(bytes);
        self.md5.update(bytes);
        self.crc32.update(bytes);
        self.size += bytes.len() as u64;
    }

    pub fn digests(self) -> Digests {
        Digests { size: self.size, sha512: self.sha512.finish_hex(), md5: self.md5.finish_hex(), crc32: Some(self.crc32.finalize()) }
    }

    /// The digests as bytes, without the CRC-32.
    pub fn digest_bytes(self) -> DigestBytes {
        DigestBytes { size: self.size, sha512: self.sha512.finish(), md5: self.md5.finish() }
    }

    /// Hashes the first `size` bytes of `path`: what a restart lost of a resumable upload, or
    /// a file sent in parts. MD5 runs on a thread of its own beside SHA-512, which halves the
    /// time on two cores: a commit of many gigabytes must answer before its client gives up.
    pub fn of_prefix(path: &Path, size: u64) -> io::Result<Self> {
        let mut file = File::open(path)?.take(size);
        let Self { size: _, mut sha512, mut md5, mut crc32 } = Self::default();
        let (to_md5, blocks) = std::sync::mpsc::sync_channel::<Bytes>(PREFIX_WAITING);
        let (read, md5) = std::thread::scope(|scope| {
            let md5_thread = scope.spawn(move || {
                for block in blocks {
                    md5.update(&block);
                }
                md5
            });
            // Dropping the sender, however reading ends, is what stops the MD5 thread.
            let read = read_blocks(&mut file, to_md5, |block| {
                sha512.update(block);
                crc32.update(block);
            });
            (read, md5_thread.join())
        });
        let read = read?;
        let md5 = md5.map_err(|_| io::Error::other("the MD5 thread panicked"))?;
        if read < size {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("{} holds fewer than {size} bytes", path.display())));
        }
        Ok(Self { size: read, sha512, md5, crc32 })
    }
}

/// Reads `file` to its end in blocks, each given to `hash` and sent to `beside`; returns how
/// many bytes it read.
fn read_blocks(file: &mut impl io::Read, beside: std::sync::mpsc::SyncSender<Bytes>, mut hash: impl FnMut(&[u8])) -> io::Result<u64> {
    let mut read = 0u64;
    loop {
        let mut buffer = Vec::with_capacity(PREFIX_BLOCK);
        let filled = file.by_ref().take(PREFIX_BLOCK as u64).read_to_end(&mut buffer)?;
        if filled == 0 {
            return Ok(read);
        }
        let block = Bytes::from(buffer);
        hash(&block);
        read += filled as u64;
        if beside.send(block).is_err() {
            return Err(io::Error::other("the thread hashing beside stopped"));
        }
    }
}

/// What `of_prefix` reads at a time.
const PREFIX_BLOCK: usize = 1 << 20;
/// How many blocks may wait for `of_prefix`'s MD5 thread: a few MiB per commit.
const PREFIX_WAITING: usize = 4;

/// How many chunks may wait for each thread; bounds memory to a few MiB per upload.
const QUEUE_CHUNKS: usize = 16;

/// Streams chunks to a local file, hashing them, and makes the file durable on `finish`.
/// One thread computes SHA-512 and fills the blocks another writes (see `BlockFile`); a
/// third computes MD5.
pub struct HashingWriter {
    path: PathBuf,
    senders: Vec<mpsc::Sender<Bytes>>,
    file_thread: JoinHandle<io::Result<(u64, Sha512, crc32fast::Hasher)>>,
    md5_thread: JoinHandle<Md5>,
}

impl HashingWriter {
    /// Creates `path`, which must not exist yet.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = File::options().write(true).create_new(true).open(path)?;
        Ok(Self::start(path, file, HashState::default()))
    }

    /// Continues writing `path` after the `state.size()` bytes `state` has hashed; anything
    /// the file holds beyond them (a piece that was refused or never acknowledged) is cut off.
    pub fn append(path: &Path, state: HashState) -> io::Result<Self> {
        let file = File::options().write(true).open(path)?;
        file.set_len(state.size)?;
        Ok(Self::start(path, file, state))
    }

    fn start(path: &Path, file: File, state: HashState) -> Self {
        let HashState { size, mut sha512, mut md5, mut crc32 } = state;
        let (to_file, mut file_rx) = mpsc::channel::<Bytes>(QUEUE_CHUNKS);
        let file_thread = tokio::task::spawn_blocking(move || {
            let mut blocks = BlockFile::new(file, size);
            while let Some(chunk) = file_rx.blocking_recv() {
                blocks.push(&chunk)?;
                sha512.update(&chunk);
                crc32.update(&chunk);
            }
            Ok((blocks.finish()?, sha512, crc32))
        });
        let (to_md5, mut md5_rx) = mpsc::channel::<Bytes>(QUEUE_CHUNKS);
        let md5_thread = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = md5_rx.blocking_recv() {
                md5.update(&chunk);
            }
            md5
        });
        Self { path: path.to_path_buf(), senders: vec![to_file, to_md5], file_thread, md5_thread }
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
        Ok(self.finish_state().await?.digests())
    }

    /// Flushes and fsyncs the file and returns the digests so far, to be continued by `append`.
    pub async fn finish_state(self) -> io::Result<HashState> {
        drop(self.senders);
        let written = self.file_thread.await.map_err(io::Error::other)?;
        let md5 = self.md5_thread.await.map_err(io::Error::other)?;
        let (size, sha512, crc32) = written?;
        Ok(HashState { size, sha512, md5, crc32 })
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
        assert_eq!(digests.crc32, Some(0x0d4a1185));
        assert_eq!(Sha512::digest_hex(b"hello world"), digests.sha512);
        assert!(digests.sha512.starts_with("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"));
    }

    #[tokio::test]
    async fn continues_where_the_last_piece_ended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload");
        let mut writer = HashingWriter::create(&path).unwrap();
        writer.write(Bytes::from_static(b"hello ")).await.unwrap();
        let state = writer.finish_state().await.unwrap();
        // A refused piece was written past the acknowledged bytes; appending cuts it off.
        std::fs::write(&path, b"hello XXXX").unwrap();
        let mut writer = HashingWriter::append(&path, state.clone()).unwrap();
        writer.write(Bytes::from_static(b"world")).await.unwrap();
        let digests = writer.finish().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello world");
        assert_eq!(digests.md5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        // After a restart the running digests are recomputed from the file.
        let recomputed = HashState::of_prefix(&path, 6).unwrap();
        assert_eq!(recomputed.size(), 6);
        assert_eq!(recomputed.digests(), state.digests());
        assert!(HashState::of_prefix(&path, 12).is_err());
    }

    #[test]
    fn a_prefix_of_many_blocks_hashes_as_one_pass_would() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parts");
        let content: Vec<u8> = (0..5 * PREFIX_BLOCK / 2).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        for size in [0, 1, PREFIX_BLOCK, PREFIX_BLOCK + 1, content.len() - 7, content.len()] {
            let mut expected = HashState::default();
            expected.update(&content[..size]);
            assert_eq!(HashState::of_prefix(&path, size as u64).unwrap().digests(), expected.digests(), "{size} bytes");
        }
        let error = HashState::of_prefix(&path, content.len() as u64 + 1).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn digests_as_bytes_are_the_digests_in_hex() {
        for content in [&b""[..], b"abc", &[7u8; 300_000]] {
            let mut state = HashState::default();
            state.update(content);
            let (hex, bytes) = (state.clone().digests(), state.digest_bytes());
            assert_eq!((bytes.size, bytes.sha512_hex(), bytes.md5_hex()), (hex.size, hex.sha512, hex.md5));
        }
        let mut abc = HashState::default();
        abc.update(b"abc");
        assert_eq!(abc.digest_bytes().md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[tokio::test]
    async fn refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exists");
        std::fs::write(&path, b"x").unwrap();
        assert!(HashingWriter::create(&path).is_err());
    }
}
