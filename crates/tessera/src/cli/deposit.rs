//! `tessera deposit`: create a draft from a metadata file, upload files and folders with
//! progress over resumable uploads, check every digest the server reports, and optionally
//! publish. Interrupted, the same command continues where it stopped.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::collections::HashMap;

use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt};
use reqwest::Method;
use serde_json::{Value, json};

use super::bundle;
use super::remote::{FILES_IN_FLIGHT, Remote, RemoteArgs, key_path, problems};
use super::transfer::{Journal, Target, TransferArgs, Uploader};

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
    transfer: TransferArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// A file to upload: its key in the record, where it is, and its size.
pub(super) type Upload = (String, PathBuf, u64);

pub(crate) async fn deposit(args: DepositArgs) -> anyhow::Result<ExitCode> {
    let remote = Remote::new(&args.remote)?;
    let body = read_metadata(&args.metadata)?;
    let files = collect_files(&args.paths)?;
    if files.is_empty() {
        bail!("there are no files to upload in {:?}", args.paths);
    }
    deposit_files(&remote, &body, &files, args.publish, &args.transfer).await?;
    Ok(ExitCode::SUCCESS)
}

/// Creates a draft from `body`, uploads `files` (key, path, size) with a progress bar, holds
/// every digest the server reports to the local file's, and publishes if asked; prints the
/// record's link. Uploads are resumable: failures are retried from the last byte the server
/// acknowledged, and the same deposit run again continues the draft it started.
pub(super) async fn deposit_files(
    remote: &Remote,
    body: &Value,
    files: &[Upload],
    publish: bool,
    transfer: &TransferArgs,
) -> anyhow::Result<()> {
    let total_bytes: u64 = files.iter().map(|(_, _, size)| size).sum();
    let bar = super::progress_bar(total_bytes, "{msg:30!} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}");
    let uploader = Uploader::new(remote, transfer, bar.clone());
    let limit = uploader.server_limit().await?;
    if let Some((key, _, size)) = files.iter().find(|(_, _, size)| *size > limit) {
        bail!("{key} has {size} bytes; the server takes files of at most {limit} bytes");
    }
    let mut journal = Journal::open(&deposit_identity(remote, body, files))?;
    let (id, links, committed) = match resumable_draft(remote, &journal).await? {
        Some((id, links, committed)) => {
            eprintln!("continuing draft {id}, started by an earlier run of this deposit");
            (id, links, committed)
        }
        None => {
            let draft = remote.json(remote.request(Method::POST, "/api/records").json(body), "creating the draft").await?;
            let id = draft["id"].as_str().context("the server's draft has no id")?.to_string();
            // Problems with anything but the files it has yet to get would stop the publish
            // once every byte had gone: they stop the deposit before the first.
            let unpublishable: Vec<String> = problems(&draft).filter(|problem| !problem.starts_with("files.")).collect();
            if publish && !unpublishable.is_empty() {
                let discard = remote.request(Method::DELETE, &format!("/api/records/{id}/draft")).send().await;
                let kept = if discard.is_ok_and(|answer| answer.status().is_success()) {
                    String::new()
                } else {
                    format!(" (draft {id} is left, empty)")
                };
                journal.remove();
                bail!(
                    "the record could not be published as described, so nothing was uploaded{kept}; correct these and run the deposit again:\n  {}",
                    unpublishable.join("\n  ")
                );
            }
            eprintln!("created draft {id}");
            journal.start(&id)?;
            (id, draft["links"].clone(), HashMap::new())
        }
    };

    // Many small files go in bundles the server unpacks, one bundle after another; files an
    // earlier run committed are checked one by one with the rest.
    let small: Vec<&Upload> = files.iter().filter(|(key, _, size)| *size <= bundle::SMALL_FILE && !committed.contains_key(key)).collect();
    let bundled: Vec<&Upload> = if small.len() >= bundle::MIN_BUNDLED { small } else { Vec::new() };
    let in_bundles: std::collections::HashSet<&str> = bundled.iter().map(|(key, _, _)| key.as_str()).collect();
    let journal = std::sync::Mutex::new(journal);
    let bundles = async {
        for chunk in bundled.chunks(bundle::BUNDLE_FILES) {
            bar.set_message(format!("a bundle of {} files", chunk.len()));
            bundle::send_bundle(remote, &uploader, &id, chunk).await?;
            locked(&journal, |journal| chunk.iter().for_each(|(key, path, _)| journal.file_done(key, path)));
        }
        anyhow::Ok(())
    };

    // The other files, several at once and beside the bundles, largest first: each costs a
    // round trip or more, which one at a time would leave the connection idle most of the
    // time, and a large file sent after the bundles would leave the server's second core idle
    // while it unpacked them.
    let mut others: Vec<&Upload> = files.iter().filter(|(key, _, _)| !in_bundles.contains(key.as_str())).collect();
    others.sort_by_key(|(_, _, size)| std::cmp::Reverse(*size));
    let singles = futures::stream::iter(others)
        .map(|(key, path, size)| {
            let (bar, uploader, committed, id, journal) = (&bar, &uploader, &committed, &id, &journal);
            async move {
                bar.set_message(key.clone());
                if let Some(checksum) = committed.get(key) {
                    let done = locked(journal, |journal| journal.is_done(key, path));
                    if done || *checksum == format!("md5:{}", local_md5(path).await?) {
                        bar.inc(*size);
                        locked(journal, |journal| journal.file_done(key, path));
                        return Ok(());
                    }
                    // Changed since the earlier run sent it.
                    remote
                        .request(Method::DELETE, &format!("/api/records/{id}/draft/files/{}", key_path(key)))
                        .send()
                        .await?
                        .error_for_status()?;
                }
                let target = Target { draft: id, key, path, size: *size };
                let resume = locked(journal, |journal| journal.uploads.get(key).cloned());
                let mut started = |url: &str| locked(journal, |journal| journal.upload_started(key, url));
                uploader
                    .upload(&target, resume, &mut started)
                    .await
                    .with_context(|| format!("the draft {id} is kept: run the same deposit again to continue it"))?;
                locked(journal, |journal| journal.file_done(key, path));
                anyhow::Ok(())
            }
        })
        .buffer_unordered(FILES_IN_FLIGHT)
        .try_collect::<()>();
    if let Err(err) = futures::future::try_join(bundles, singles).await {
        bar.abandon();
        return Err(err);
    }
    let journal = journal.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    bar.finish_and_clear();
    eprintln!("uploaded {}, {total_bytes} bytes, every checksum verified", super::files(files.len()));

    let page = links["self_html"].as_str().unwrap_or(&id).to_string();
    if publish {
        let publishing = remote.request(Method::POST, &format!("/api/records/{id}/draft/actions/publish"));
        let what =
            format!("publishing draft {id}, which keeps its files (put right what is wrong at {page}, or run the same deposit again)");
        let record = remote.awaited(publishing, &what, &format!("publishing {}", super::files(files.len()))).await?;
        journal.remove();
        eprintln!("published record {id}");
        println!("{}", record["links"]["self_html"].as_str().unwrap_or(&id));
    } else {
        // The draft as it now is: what it still lacks to be published, if anything.
        let draft = remote.json(remote.request(Method::GET, &format!("/api/records/{id}/draft")), "reading the draft").await?;
        let lacking: Vec<String> = problems(&draft).collect();
        if !lacking.is_empty() {
            eprintln!("draft {id} is kept; before it can be published, put right:\n  {}", lacking.join("\n  "));
        }
        journal.remove();
        println!("{}", links["self"].as_str().unwrap_or(&id));
    }
    Ok(())
}

fn locked<T>(journal: &std::sync::Mutex<Journal>, f: impl FnOnce(&mut Journal) -> T) -> T {
    f(&mut journal.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
}

/// What names one deposit: the server, the record and every file's key, path and size.
fn deposit_identity(remote: &Remote, body: &Value, files: &[Upload]) -> String {
    let mut identity = format!("{}\n{body}\n", remote.url(""));
    for (key, path, size) in files {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        identity.push_str(&format!("{key}\t{}\t{size}\n", path.display()));
    }
    identity
}

/// The draft an earlier run of this deposit started, if it is still a draft: its id, links
/// and the checksums of the files already committed to it.
async fn resumable_draft(remote: &Remote, journal: &Journal) -> anyhow::Result<Option<(String, Value, HashMap<String, String>)>> {
    let Some(id) = &journal.draft else { return Ok(None) };
    let response = remote.request(Method::GET, &format!("/api/records/{id}/draft")).send().await.context("reading the earlier draft")?;
    if !response.status().is_success() {
        return Ok(None); // published or discarded meanwhile: start afresh
    }
    let draft: Value = response.json().await?;
    let files = remote.json(remote.request(Method::GET, &format!("/api/records/{id}/draft/files")), "listing the draft's files").await?;
    let committed = files["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|file| file["status"] == "completed")
        .filter_map(|file| Some((file["key"].as_str()?.to_string(), file["checksum"].as_str()?.to_string())))
        .collect();
    Ok(Some((id.clone(), draft["links"].clone(), committed)))
}

pub(super) async fn local_md5(path: &Path) -> anyhow::Result<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
        let mut md5 = tessera_storage::Md5::default();
        std::io::copy(&mut file, &mut md5).with_context(|| format!("reading {}", path.display()))?;
        Ok(md5.finish_hex())
    })
    .await?
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
