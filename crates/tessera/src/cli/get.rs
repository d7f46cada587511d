//! `tessera get`: download every file of a record with progress, several at once, verifying
//! each checksum and writing each file under a temporary name until it is complete and
//! correct. Files already there with the right checksum are kept, so an interrupted download
//! goes on where it stopped when run again.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::Method;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::deposit::local_md5;
use super::remote::{FILES_IN_FLIGHT, Remote, RemoteArgs, key_path};

/// Files in each page of the record's list: the list of a record of 100,000 files is read a
/// page at a time rather than held whole.
const LIST_PAGE: usize = 1000;

#[derive(Debug, clap::Args)]
pub(crate) struct GetArgs {
    /// The record's id.
    id: String,
    /// Where to put the files [default: a folder named after the record id]
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// A file of the record as its list gives it.
struct Listed {
    key: String,
    size: u64,
    /// `md5:<hex>`.
    checksum: String,
}

/// What became of a file: fetched, or found already there.
enum Outcome {
    Fetched,
    Kept,
}

pub(crate) async fn get(args: GetArgs) -> anyhow::Result<ExitCode> {
    let remote = Remote::new(&args.remote)?;
    let id = &args.id;
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from(id));
    let bar = super::progress_bar(0, "{msg:30!} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}");
    // Each page of the list lengthens the bar by its bytes as it arrives; the pages come far
    // faster than the files, so the bar is whole long before the end.
    let pages = stream::try_unfold(Some(1), |page| {
        let (remote, bar) = (&remote, &bar);
        async move {
            let Some(page) = page else { return Ok(None) };
            let files = list_page(remote, id, page).await?;
            bar.inc_length(files.iter().map(|f| f.size).sum());
            let next = (files.len() == LIST_PAGE).then_some(page + 1);
            anyhow::Ok(Some((stream::iter(files.into_iter().map(anyhow::Ok)), next)))
        }
    });
    let outcomes: Vec<(Outcome, u64)> = pages
        .try_flatten()
        .map_ok(|file| {
            let (remote, bar, output) = (&remote, &bar, &output);
            async move {
                let outcome = fetch(remote, id, &file, output, bar).await?;
                anyhow::Ok((outcome, file.size))
            }
        })
        .try_buffer_unordered(FILES_IN_FLIGHT)
        .try_collect()
        .await
        .inspect_err(|_| bar.abandon())?;
    // One flush of the whole filesystem, not one per file: a file cut short by a crash before
    // it has its checksum checked again, and fetched again, by the next run.
    if !outcomes.is_empty() {
        let folder = output.clone();
        tokio::task::spawn_blocking(move || tessera_storage::sync_filesystem(&folder))
            .await?
            .with_context(|| format!("making the files in {} durable", output.display()))?;
    }
    bar.finish_and_clear();
    let bytes: u64 = outcomes.iter().map(|(_, size)| size).sum();
    let kept = outcomes.iter().filter(|(outcome, _)| matches!(outcome, Outcome::Kept)).count();
    let fetched = outcomes.len() - kept;
    let already = if kept > 0 { format!(" ({kept} of them already there)") } else { String::new() };
    eprintln!("{}{already}, {bytes} bytes, in {}; every checksum verified", super::files(fetched + kept), output.display());
    Ok(ExitCode::SUCCESS)
}

/// Page `page` (from 1) of the files of record `id` the caller may read.
async fn list_page(remote: &Remote, id: &str, page: usize) -> anyhow::Result<Vec<Listed>> {
    let path = format!("/api/records/{id}/files?size={LIST_PAGE}&page={page}");
    let listing = remote.json(remote.request(Method::GET, &path), &format!("listing the files of record {id}")).await?;
    Ok(listing["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e: &Value| Listed {
            key: e["key"].as_str().unwrap_or_default().to_string(),
            size: e["size"].as_u64().unwrap_or(0),
            checksum: e["checksum"].as_str().unwrap_or_default().to_string(),
        })
        .collect())
}

/// Puts `file` at its place under `output`, unless it is there already with its checksum.
async fn fetch(remote: &Remote, id: &str, file: &Listed, output: &Path, bar: &indicatif::ProgressBar) -> anyhow::Result<Outcome> {
    let key = &file.key;
    // Keys were checked by the server, but a local path must never escape `output`.
    if key.split('/').any(|s| s.is_empty() || s == "." || s == "..") || key.contains('\\') {
        bail!("refusing to write the unsafe file name '{key}'");
    }
    let target = output.join(key);
    if is_there(&target, file).await? {
        bar.inc(file.size);
        return Ok(Outcome::Kept);
    }
    bar.set_message(key.clone());
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent).await.with_context(|| format!("creating {}", parent.display()))?;
    }
    let partial = target.with_file_name(format!(".{}.part", target.file_name().and_then(|n| n.to_str()).unwrap_or("download")));
    let response = remote.request(Method::GET, &format!("/api/records/{id}/files/{}/content", key_path(key))).send().await?;
    if !response.status().is_success() {
        bail!("downloading {key}: the server answered {}", response.status());
    }
    let mut written = tokio::fs::File::create(&partial).await.with_context(|| format!("creating {}", partial.display()))?;
    let mut md5 = tessera_storage::Md5::default();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.with_context(|| format!("downloading {key}"))?;
        md5.update(&chunk);
        written.write_all(&chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    written.flush().await?;
    let got = format!("md5:{}", md5.finish_hex());
    if got != file.checksum {
        let _ = tokio::fs::remove_file(&partial).await;
        bail!("{key} arrived with checksum {got}, but the server lists {}", file.checksum);
    }
    tokio::fs::rename(&partial, &target).await.with_context(|| format!("moving {key} into place"))?;
    Ok(Outcome::Fetched)
}

/// Whether `target` holds `file` already: its size, then its checksum.
async fn is_there(target: &Path, file: &Listed) -> anyhow::Result<bool> {
    match tokio::fs::metadata(target).await {
        Ok(found) if found.is_file() && found.len() == file.size => Ok(format!("md5:{}", local_md5(target).await?) == file.checksum),
        _ => Ok(false),
    }
}
