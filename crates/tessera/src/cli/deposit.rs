//! `tessera deposit`: create a draft from a metadata file, upload files and folders with
//! progress, check every checksum the server reports, and optionally publish.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use futures::StreamExt;
use md5::Digest;
use reqwest::Method;
use serde_json::{Value, json};

use super::remote::{Remote, RemoteArgs, key_path};

#[derive(Debug, clap::Args)]
pub(crate) struct DepositArgs {
    /// Files and folders to upload; a folder's files keep their paths inside it.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The record's metadata: a JSON or YAML file holding either the `metadata` object or a
    /// whole record body with `metadata`, `access` and `files`.
    #[arg(long, short)]
    metadata: PathBuf,
    /// Publish the record once every file is uploaded.
    #[arg(long)]
    publish: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// A file to upload: its key in the record, where it is, and its size.
pub(super) type Upload = (String, PathBuf, u64);

/// How many keys are declared per request.
const KEYS_PER_REQUEST: usize = 500;

pub(crate) async fn deposit(args: DepositArgs) -> anyhow::Result<ExitCode> {
    let remote = Remote::new(&args.remote)?;
    let body = read_metadata(&args.metadata)?;
    let files = collect_files(&args.paths)?;
    if files.is_empty() {
        bail!("there are no files to upload in {:?}", args.paths);
    }
    deposit_files(&remote, &body, &files, args.publish).await?;
    Ok(ExitCode::SUCCESS)
}

/// Creates a draft from `body`, uploads `files` (key, path, size) with a progress bar, holds
/// every checksum the server reports to the local file's, and publishes if asked; prints the
/// record's link.
pub(super) async fn deposit_files(remote: &Remote, body: &Value, files: &[Upload], publish: bool) -> anyhow::Result<()> {
    let total_bytes: u64 = files.iter().map(|(_, _, size)| size).sum();
    let draft = remote.json(remote.request(Method::POST, "/api/records").json(body), "creating the draft").await?;
    let id = draft["id"].as_str().context("the server's draft has no id")?.to_string();
    eprintln!("created draft {id}");

    for chunk in files.chunks(KEYS_PER_REQUEST) {
        let keys: Vec<Value> = chunk.iter().map(|(key, _, _)| json!({"key": key})).collect();
        remote.json(remote.request(Method::POST, &format!("/api/records/{id}/draft/files")).json(&keys), "declaring files").await?;
    }

    let bar = super::progress_bar(total_bytes, "{msg:30!} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}");
    for (key, path, _) in files {
        bar.set_message(key.clone());
        let local_md5 = upload(remote, &id, key, path, &bar).await?;
        let committed = remote
            .json(
                remote.request(Method::POST, &format!("/api/records/{id}/draft/files/{}/commit", key_path(key))),
                &format!("committing {key}"),
            )
            .await?;
        let checksum = committed["checksum"].as_str().unwrap_or_default();
        if checksum != format!("md5:{local_md5}") {
            bar.abandon();
            bail!(
                "the server's checksum of {key} ({checksum}) differs from the local file's (md5:{local_md5}); the draft {id} is kept for inspection"
            );
        }
    }
    bar.finish_and_clear();
    eprintln!("uploaded {} files, {total_bytes} bytes, every checksum verified", files.len());

    if publish {
        let record = remote.json(remote.request(Method::POST, &format!("/api/records/{id}/draft/actions/publish")), "publishing").await?;
        eprintln!("published record {id}");
        println!("{}", record["links"]["self_html"].as_str().unwrap_or(&id));
    } else {
        println!("{}", draft["links"]["self"].as_str().unwrap_or(&id));
    }
    Ok(())
}

pub(super) fn read_metadata(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: Value = match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => serde_yaml::from_str(&text).with_context(|| format!("{} is not valid YAML", path.display()))?,
        _ => serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))?,
    };
    if !value.is_object() {
        bail!("{} must hold an object", path.display());
    }
    Ok(if value.get("metadata").is_some() { value } else { json!({"metadata": value}) })
}

/// (key, path, size) of every file: a file's key is its name, a folder's files keep their
/// paths relative to the folder.
fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, PathBuf, u64)>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
        if meta.is_dir() {
            walk(path, path, &mut files)?;
        } else {
            let name = path.file_name().and_then(|n| n.to_str()).with_context(|| format!("{} has no usable file name", path.display()))?;
            files.push((name.to_string(), path.clone(), meta.len()));
        }
    }
    files.sort();
    Ok(files)
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf, u64)>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, files)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let key = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((key, path.clone(), entry.metadata()?.len()));
        }
    }
    Ok(())
}

/// Streams one file to the server, hashing it on the way; returns its MD5.
async fn upload(remote: &Remote, id: &str, key: &str, path: &Path, bar: &indicatif::ProgressBar) -> anyhow::Result<String> {
    let file = tokio::fs::File::open(path).await.with_context(|| format!("opening {}", path.display()))?;
    let (hash_tx, hash_rx) = std::sync::mpsc::channel::<bytes::Bytes>();
    let hasher = std::thread::spawn(move || {
        let mut md5 = md5::Md5::new();
        for chunk in hash_rx {
            md5.update(&chunk);
        }
        tessera_storage::hex(&md5.finalize())
    });
    let progress = bar.clone();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map(move |chunk| {
        if let Ok(bytes) = &chunk {
            progress.inc(bytes.len() as u64);
            let _ = hash_tx.send(bytes.clone());
        }
        chunk
    });
    let request = remote
        .request(Method::PUT, &format!("/api/records/{id}/draft/files/{}/content", key_path(key)))
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(stream));
    remote.json(request, &format!("uploading {key}")).await?;
    hasher.join().map_err(|_| anyhow::anyhow!("hashing {key} failed"))
}
