//! The client side of resumable uploads: each file goes to the server's tus endpoint in
//! pieces, so a dropped connection or a restarted server costs at most the piece in flight.
//! A journal of what a deposit has done lets the same command, run again, continue it.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use super::remote::Remote;

/// Waits between tries after a failure, in seconds: about two and a half minutes in all, long
/// enough for a server to restart.
const RETRY_WAITS: [u64; 9] = [1, 2, 3, 5, 10, 15, 30, 30, 60];

#[derive(Clone, Debug, clap::Args)]
pub(crate) struct TransferArgs {
    /// Size of each piece of an upload, in MiB; a failure costs at most one piece. Files no
    /// larger go in one request.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    piece_mib: u64,
    /// Send at most this many bytes a second (suffixes K, M and G count in 1024s), to leave
    /// room on a shared connection.
    #[arg(long, value_parser = parse_rate)]
    limit_rate: Option<u64>,
}

fn parse_rate(text: &str) -> Result<u64, String> {
    let (digits, scale) = match text.trim().to_ascii_uppercase().chars().last() {
        Some('K') => (&text[..text.len() - 1], 1 << 10),
        Some('M') => (&text[..text.len() - 1], 1 << 20),
        Some('G') => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    match digits.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n * scale),
        _ => Err(format!("'{text}' is not a rate such as 500K or 20M")),
    }
}

/// A file to send: its key in the draft, where it is, and its size.
pub(super) struct Target<'a> {
    pub(super) draft: &'a str,
    pub(super) key: &'a str,
    pub(super) path: &'a Path,
    pub(super) size: u64,
}

/// Sends files over tus, with a progress bar counting every byte of the deposit.
pub(super) struct Uploader<'a> {
    remote: &'a Remote,
    piece: u64,
    pacer: Option<Arc<Mutex<Pacer>>>,
    bar: indicatif::ProgressBar,
}

/// Why one try failed: worth trying again (the network, a restarting server), or not.
enum Failure {
    Retry(anyhow::Error),
    Fatal(anyhow::Error),
}

impl From<reqwest::Error> for Failure {
    fn from(err: reqwest::Error) -> Self {
        Failure::Retry(anyhow!("the connection failed: {err}"))
    }
}

/// Where an upload stands on the server.
struct Standing {
    offset: u64,
    /// The finished file's SHA-512 (hex), once complete.
    sha512: Option<String>,
    /// The finished file's CRC-32, in the answer to its last piece.
    crc32: Option<u32>,
}

/// What has been sent of one file: the CRC-32 of its bytes while they have gone in order
/// from the start, and how many of them the progress bar counts.
#[derive(Default)]
struct Sent {
    crc32: Option<crc32fast::Hasher>,
    size: u64,
    counted: u64,
}

impl Sent {
    /// Makes the bar count exactly the `offset` bytes the server holds of this file; other
    /// files in flight move the bar too, so only this file's share is changed.
    fn count(&mut self, bar: &indicatif::ProgressBar, offset: u64) {
        if offset > self.counted {
            bar.inc(offset - self.counted);
        } else {
            bar.dec(self.counted - offset);
        }
        self.counted = offset;
    }
}

impl<'a> Uploader<'a> {
    pub(super) fn new(remote: &'a Remote, args: &TransferArgs, bar: indicatif::ProgressBar) -> Self {
        let pacer = args.limit_rate.map(|rate| Arc::new(Mutex::new(Pacer { rate, start: Instant::now(), sent: 0 })));
        Self { remote, piece: args.piece_mib << 20, pacer, bar }
    }

    /// Counts `bytes` more on the progress bar: a bundle's zip headers.
    pub(super) fn grow_by(&self, bytes: u64) {
        self.bar.inc_length(bytes);
    }

    /// The largest file the server takes, from its tus `OPTIONS`.
    pub(super) async fn server_limit(&self) -> anyhow::Result<u64> {
        let response = self.remote.request(Method::OPTIONS, "/api/uploads/").send().await.context("asking the server about uploads")?;
        let limit = response.headers().get("tus-max-size").and_then(|v| v.to_str().ok()?.parse().ok());
        limit.ok_or_else(|| anyhow!("the server does not offer resumable uploads (it answered {})", response.status()))
    }

    /// Sends a file whole, resuming the upload at `resume` if it is still there, and checks
    /// that the server holds the local file's bytes. `started` is told each new upload's
    /// address.
    ///
    /// The check compares the CRC-32 of the bytes sent with the server's of the bytes it
    /// wrote, both computed on the way: hashing the file with SHA-512 here as well would cost
    /// the client as much as the server's own hashing. Where the bytes did not all go in one
    /// pass, the local file is read again and its SHA-512 compared instead.
    pub(super) async fn upload(&self, target: &Target<'_>, resume: Option<String>, started: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
        let mut url = resume;
        let sent = Arc::new(Mutex::new(Sent { crc32: Some(Default::default()), ..Default::default() }));
        for (tries, wait) in std::iter::once(0).chain(RETRY_WAITS).enumerate() {
            if wait > 0 {
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            match self.attempt(target, &mut url, &sent, started).await {
                Ok((sha512, crc32)) => {
                    let sent = std::mem::take(&mut *sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
                    let same = match (sent.crc32, crc32) {
                        (Some(local), Some(server)) if sent.size == target.size => local.finalize() == server,
                        _ => local_sha512(target.path, target.size).await? == sha512,
                    };
                    if !same {
                        bail!("the server holds different bytes of {} than the local file has", target.key);
                    }
                    return Ok(());
                }
                Err(Failure::Fatal(err)) => return Err(err),
                Err(Failure::Retry(err)) if tries < RETRY_WAITS.len() => {
                    let next = RETRY_WAITS[tries];
                    self.bar.suspend(|| eprintln!("{}: {err:#}; trying again in {next} s", target.key));
                }
                Err(Failure::Retry(err)) => return Err(err.context(format!("uploading {} failed {} times", target.key, tries + 1))),
            }
        }
        unreachable!("the last try returns")
    }

    /// One try at sending the rest of a file: the server's SHA-512 of the whole, and its
    /// CRC-32 when this try sent the last piece.
    async fn attempt(
        &self,
        target: &Target<'_>,
        url: &mut Option<String>,
        sent: &Arc<Mutex<Sent>>,
        started: &mut dyn FnMut(&str),
    ) -> Result<(String, Option<u32>), Failure> {
        let count = |offset: u64| sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).count(&self.bar, offset);
        let mut offset = 0;
        if let Some(known) = url.as_deref() {
            match self.standing(known).await? {
                Some(Standing { sha512: Some(sha512), crc32, .. }) => return Ok((sha512, crc32)),
                Some(standing) => offset = standing.offset,
                // Expired or removed: start again.
                None => *url = None,
            }
        }
        let url = match url {
            Some(url) => url.clone(),
            None => {
                let (created, standing) = self.create(target, sent).await?;
                started(&created);
                *url = Some(created.clone());
                if let Some(sha512) = standing.sha512 {
                    return Ok((sha512, standing.crc32));
                }
                offset = standing.offset;
                created
            }
        };
        count(offset);
        loop {
            let len = self.piece.min(target.size - offset);
            let standing = self.patch(&url, target, offset, len, sent).await?;
            count(standing.offset);
            if let Some(sha512) = standing.sha512 {
                return Ok((sha512, standing.crc32));
            }
            if standing.offset >= target.size {
                return Err(Failure::Fatal(anyhow!("the server holds all of {} but gives no digest for it", target.key)));
            }
            offset = standing.offset;
        }
    }

    /// Starts an upload; a file no larger than a piece goes whole in the same request.
    async fn create(&self, target: &Target<'_>, sent: &Arc<Mutex<Sent>>) -> Result<(String, Standing), Failure> {
        let metadata = format!("record {},filename {}", STANDARD.encode(target.draft), STANDARD.encode(target.key));
        let mut request = self
            .remote
            .request(Method::POST, "/api/uploads/")
            .header("tus-resumable", "1.0.0")
            .header("upload-length", target.size)
            .header("upload-metadata", metadata);
        if target.size <= self.piece {
            sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).count(&self.bar, 0);
            request = request
                .header("content-type", "application/offset+octet-stream")
                .header(reqwest::header::CONTENT_LENGTH, target.size)
                .body(self.body(target.path, 0, target.size, sent).await?);
        }
        let response = request.send().await?;
        let response = check(response, &format!("starting the upload of {}", target.key)).await?;
        let location = response.headers().get("location").and_then(|v| v.to_str().ok());
        let location = location.ok_or_else(|| Failure::Fatal(anyhow!("the server started an upload but gave no Location")))?;
        let url = reqwest::Url::parse(&self.remote.url("/api/uploads/")).and_then(|base| base.join(location));
        let url = url.map_err(|err| Failure::Fatal(anyhow!("the upload's Location '{location}' is not an address: {err}")))?;
        Ok((url.to_string(), standing_of(&response)))
    }

    async fn standing(&self, url: &str) -> Result<Option<Standing>, Failure> {
        let response = self.remote.request_url(Method::HEAD, url).header("tus-resumable", "1.0.0").send().await?;
        if matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::GONE) {
            return Ok(None);
        }
        let response = check(response, "asking where the upload stands").await?;
        Ok(Some(standing_of(&response)))
    }

    async fn patch(&self, url: &str, target: &Target<'_>, offset: u64, len: u64, sent: &Arc<Mutex<Sent>>) -> Result<Standing, Failure> {
        let response = self
            .remote
            .request_url(Method::PATCH, url)
            .header("tus-resumable", "1.0.0")
            .header("upload-offset", offset)
            .header("content-type", "application/offset+octet-stream")
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(self.body(target.path, offset, len, sent).await?)
            .send()
            .await?;
        if response.status() == StatusCode::CONFLICT {
            // Not where the server stands (an earlier piece was cut short): ask it again.
            return Err(Failure::Retry(anyhow!("the server holds a different part of {}", target.key)));
        }
        let response = check(response, &format!("sending {}", target.key)).await?;
        Ok(standing_of(&response))
    }

    /// `len` bytes of the file from `offset`, counted on the bar, paced, and hashed while
    /// the whole file is being sent in order.
    async fn body(&self, path: &Path, offset: u64, len: u64, sent: &Arc<Mutex<Sent>>) -> Result<reqwest::Body, Failure> {
        let mut file = tokio::fs::File::open(path).await.map_err(|err| Failure::Fatal(anyhow!("opening {}: {err}", path.display())))?;
        file.seek(std::io::SeekFrom::Start(offset)).await.map_err(|err| Failure::Fatal(err.into()))?;
        {
            let mut sent = sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if sent.size != offset {
                // Bytes are being sent again or skipped: the running digest no longer fits.
                sent.crc32 = None;
            }
        }
        let (bar, sent, pacer) = (self.bar.clone(), sent.clone(), self.pacer.clone());
        let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024).then(move |chunk| {
            let (bar, sent, pacer) = (bar.clone(), sent.clone(), pacer.clone());
            async move {
                if let Ok(bytes) = &chunk {
                    bar.inc(bytes.len() as u64);
                    {
                        let mut sent = sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                        if let Some(crc32) = &mut sent.crc32 {
                            crc32.update(bytes);
                        }
                        sent.size += bytes.len() as u64;
                        sent.counted += bytes.len() as u64;
                    }
                    if let Some(pacer) = pacer {
                        let wait = pacer.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).wait_after(bytes.len() as u64);
                        tokio::time::sleep(wait).await;
                    }
                }
                chunk
            }
        });
        Ok(reqwest::Body::wrap_stream(stream))
    }
}

/// The SHA-512 of a local file's first `size` bytes.
async fn local_sha512(path: &Path, size: u64) -> anyhow::Result<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let state = tessera_storage::HashState::of_prefix(&path, size).with_context(|| format!("reading {}", path.display()))?;
        Ok(state.digests().sha512)
    })
    .await?
}

fn standing_of(response: &reqwest::Response) -> Standing {
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
    let offset = header("upload-offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let digest = |key: &str| {
        let encoded = header("repr-digest")?.split(',').find_map(|d| d.trim().strip_prefix(key)?.strip_prefix("=:")?.strip_suffix(':'))?;
        STANDARD.decode(encoded).ok()
    };
    let sha512 = digest("sha-512").map(|bytes| tessera_storage::hex(&bytes));
    let crc32 = digest("crc32").and_then(|bytes| Some(u32::from_be_bytes(bytes.try_into().ok()?)));
    Standing { offset, sha512, crc32 }
}

/// Passes a successful answer on; turns the others into failures, retrying those a server
/// that is restarting or overloaded gives.
async fn check(response: reqwest::Response, what: &str) -> Result<reqwest::Response, Failure> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let detail = body["detail"].as_str().unwrap_or("no details");
    let err = anyhow!("{what}: the server answered {status}: {detail}");
    let passing = status.is_server_error() && status != StatusCode::INSUFFICIENT_STORAGE;
    Err(if passing || status == StatusCode::TOO_MANY_REQUESTS || status.as_u16() == 460 {
        Failure::Retry(err)
    } else {
        Failure::Fatal(err)
    })
}

/// Keeps the average rate at or under `rate` bytes a second.
struct Pacer {
    rate: u64,
    start: Instant,
    sent: u64,
}

/// How far ahead of the rate a pause lets sending run afterwards.
const PACER_CREDIT: Duration = Duration::from_secs(1);

impl Pacer {
    fn wait_after(&mut self, bytes: u64) -> Duration {
        let due = Duration::from_secs_f64(self.sent as f64 / self.rate as f64);
        // After a pause (a retry's wait) the average would allow a burst; allow a second's worth.
        let behind = self.start.elapsed().saturating_sub(due);
        if behind > PACER_CREDIT {
            self.start += behind - PACER_CREDIT;
        }
        self.sent += bytes;
        Duration::from_secs_f64(self.sent as f64 / self.rate as f64).saturating_sub(self.start.elapsed())
    }
}

/// What a deposit has done so far, in a file under the user's state folder named for the
/// server, the metadata and the files, so running the same command again continues it.
/// One line per event: `draft ID`, `upload KEY URL`, `done KEY SIZE MODIFIED` (tab-separated;
/// keys hold no control characters).
pub(super) struct Journal {
    path: Option<PathBuf>,
    pub(super) draft: Option<String>,
    pub(super) uploads: HashMap<String, String>,
    done: HashSet<(String, u64, u128)>,
}

impl Journal {
    /// The journal of this deposit, if it was started before; an empty one otherwise. Without
    /// a state folder (no `XDG_STATE_HOME` or `HOME`) nothing is kept.
    pub(super) fn open(identity: &str) -> anyhow::Result<Self> {
        let folder = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")));
        let mut journal = Self { path: None, draft: None, uploads: HashMap::new(), done: HashSet::new() };
        let Some(folder) = folder else { return Ok(journal) };
        let folder = folder.join("tessera").join("deposits");
        std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
        let name = &tessera_storage::sha256_hex(identity.as_bytes())[..32];
        let path = folder.join(format!("{name}.journal"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                let fields: Vec<&str> = line.split('\t').collect();
                match fields.as_slice() {
                    ["draft", id] => journal.draft = Some(id.to_string()),
                    ["upload", key, url] => {
                        journal.uploads.insert(key.to_string(), url.to_string());
                    }
                    ["done", key, size, modified] => {
                        if let (Ok(size), Ok(modified)) = (size.parse(), modified.parse()) {
                            journal.done.insert((key.to_string(), size, modified));
                        }
                    }
                    _ => {} // a line cut short by a crash
                }
            }
        }
        journal.path = Some(path);
        Ok(journal)
    }

    /// Starts the journal afresh for a new draft.
    pub(super) fn start(&mut self, draft: &str) -> anyhow::Result<()> {
        self.draft = Some(draft.to_string());
        self.uploads.clear();
        self.done.clear();
        if let Some(path) = &self.path {
            std::fs::write(path, format!("draft\t{draft}\n")).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    pub(super) fn upload_started(&mut self, key: &str, url: &str) {
        self.uploads.insert(key.to_string(), url.to_string());
        self.append(&format!("upload\t{key}\t{url}"));
    }

    /// Whether the file at `path` was uploaded as `key` by an earlier run, unchanged since.
    pub(super) fn is_done(&self, key: &str, path: &Path) -> bool {
        stamp(path).is_some_and(|(size, modified)| self.done.contains(&(key.to_string(), size, modified)))
    }

    pub(super) fn file_done(&mut self, key: &str, path: &Path) {
        if let Some((size, modified)) = stamp(path) {
            self.append(&format!("done\t{key}\t{size}\t{modified}"));
        }
    }

    /// The deposit is complete; nothing is left to continue.
    pub(super) fn remove(self) {
        if let Some(path) = self.path {
            let _ = std::fs::remove_file(path);
        }
    }

    fn append(&self, line: &str) {
        let Some(path) = &self.path else { return };
        // A journal that cannot be written only costs the chance to continue later.
        let written = std::fs::OpenOptions::new().append(true).create(true).open(path).and_then(|mut file| writeln!(file, "{line}"));
        if let Err(err) = written {
            eprintln!("warning: cannot write {}: {err}", path.display());
        }
    }
}

/// A file's size and modification time (nanoseconds since the epoch), to tell if it changed.
fn stamp(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some((meta.len(), modified))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_take_binary_suffixes() {
        assert_eq!(parse_rate("500"), Ok(500));
        assert_eq!(parse_rate("20M"), Ok(20 << 20));
        assert_eq!(parse_rate("2k"), Ok(2048));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[test]
    fn the_pacer_holds_the_average_rate() {
        let mut pacer = Pacer { rate: 1000, start: Instant::now(), sent: 0 };
        let wait = pacer.wait_after(500);
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500), "{wait:?}");
        // Ten seconds idle earn only a second's burst.
        pacer.start -= Duration::from_secs(10);
        assert_eq!(pacer.wait_after(1000), Duration::ZERO);
        let wait = pacer.wait_after(1000);
        assert!(wait > Duration::from_millis(900), "{wait:?}");
    }

    #[test]
    fn digests_are_read_from_repr_digest() {
        let response: reqwest::Response = axum::http::Response::builder()
            .header("upload-offset", "11")
            .header("repr-digest", "sha-512=:AAEC:, md5=:Aw==:, crc32=:DUoRhQ==:")
            .body(Vec::<u8>::new())
            .unwrap()
            .into();
        let standing = standing_of(&response);
        assert_eq!((standing.offset, standing.sha512.as_deref(), standing.crc32), (11, Some("000102"), Some(0x0d4a1185)));
    }
}
