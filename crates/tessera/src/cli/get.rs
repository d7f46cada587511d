//! `tessera get`: download every file of a record with progress, verifying each checksum,
//! writing each file under a temporary name until it is complete and correct.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use futures::StreamExt;
use md5::Digest;
use reqwest::Method;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::remote::{Remote, RemoteArgs, key_path};

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

pub(crate) async fn get(args: GetArgs) -> anyhow::Result<ExitCode> {
    let remote = Remote::new(&args.remote)?;
    let id = &args.id;
    let listing =
        remote.json(remote.request(Method::GET, &format!("/api/records/{id}/files")), &format!("listing the files of record {id}")).await?;
    let entries: Vec<(String, u64, String)> = listing["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e: &Value| {
            (
                e["key"].as_str().unwrap_or_default().to_string(),
                e["size"].as_u64().unwrap_or(0),
                e["checksum"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from(id));
    let total: u64 = entries.iter().map(|(_, size, _)| size).sum();
    let bar = super::progress_bar(total, "{msg:30!} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}");
    for (key, _, checksum) in &entries {
        // Keys were checked by the server, but a local path must never escape `output`.
        if key.split('/').any(|s| s.is_empty() || s == "." || s == "..") || key.contains('\\') {
            bail!("refusing to write the unsafe file name '{key}'");
        }
        bar.set_message(key.clone());
        let target = output.join(key);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.with_context(|| format!("creating {}", parent.display()))?;
        }
        let partial = target.with_file_name(format!(".{}.part", target.file_name().and_then(|n| n.to_str()).unwrap_or("download")));
        let response = remote.request(Method::GET, &format!("/api/records/{id}/files/{}/content", key_path(key))).send().await?;
        if !response.status().is_success() {
            bail!("downloading {key}: the server answered {}", response.status());
        }
        let mut file = tokio::fs::File::create(&partial).await.with_context(|| format!("creating {}", partial.display()))?;
        let mut md5 = md5::Md5::new();
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.with_context(|| format!("downloading {key}"))?;
            md5.update(&chunk);
            file.write_all(&chunk).await?;
            bar.inc(chunk.len() as u64);
        }
        file.sync_all().await?;
        let got = format!("md5:{}", tessera_storage::hex(&md5.finalize()));
        if &got != checksum {
            let _ = tokio::fs::remove_file(&partial).await;
            bail!("{key} arrived with checksum {got}, but the server lists {checksum}");
        }
        tokio::fs::rename(&partial, &target).await?;
    }
    bar.finish_and_clear();
    eprintln!("downloaded {} files, {total} bytes, into {}; every checksum verified", entries.len(), output.display());
    Ok(ExitCode::SUCCESS)
}
