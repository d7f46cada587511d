//! `tessera export`: a record in one of the server's export formats, written to a folder.
//! A package (`bagit`, `ro-crate`, `datapackage`) is downloaded whole, unpacked with every entry held to
//! its CRC, and a bag is then checked as `tessera import` would check it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use futures::StreamExt;
use reqwest::Method;
use tessera_formats::unzip::ZipArchive;
use tokio::io::AsyncWriteExt;

use super::remote::{Remote, RemoteArgs};

#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The record's id.
    id: String,
    /// bagit, ro-crate, datapackage, datacite-xml, datacite-json, dublincore, json-ld,
    /// dcat-ap, dcat-ap-jsonld, csl or bibtex.
    #[arg(long, short)]
    format: String,
    /// The folder to write into; a package goes into `record-{id}/` inside it.
    #[arg(long, short)]
    output: PathBuf,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// The file name extension of each single-document format.
const EXTENSIONS: [(&str, &str); 8] = [
    ("datacite-xml", "datacite.xml"),
    ("datacite-json", "datacite.json"),
    ("dublincore", "dc.xml"),
    ("json-ld", "jsonld"),
    ("dcat-ap", "ttl"),
    ("dcat-ap-jsonld", "dcat.jsonld"),
    ("csl", "csl.json"),
    ("bibtex", "bib"),
];

pub(crate) async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let remote = Remote::new(&args.remote)?;
    let (id, format) = (&args.id, args.format.as_str());
    let package = matches!(format, "bagit" | "ro-crate" | "datapackage");
    let extension = match EXTENSIONS.iter().find(|(name, _)| *name == format) {
        Some((_, extension)) => *extension,
        None if package => "zip",
        None => {
            bail!("'{format}' is not an export format (bagit, ro-crate, datapackage, {})", EXTENSIONS.map(|(name, _)| name).join(", "))
        }
    };
    std::fs::create_dir_all(&args.output).with_context(|| format!("creating {}", args.output.display()))?;
    let response = remote.request(Method::GET, &format!("/api/records/{id}/export/{format}")).send().await?;
    if !response.status().is_success() {
        let status = response.status();
        let detail = response.json::<serde_json::Value>().await.ok().and_then(|p| p["detail"].as_str().map(str::to_string));
        bail!("exporting record {id}: the server answered {status}{}", detail.map(|d| format!(": {d}")).unwrap_or_default());
    }
    let partial = args.output.join(format!(".record-{id}.{extension}.part"));
    let bar = super::progress_bar(response.content_length().unwrap_or(0), "{msg} {bytes} {binary_bytes_per_sec}");
    bar.set_message(format!("record {id} as {format}"));
    let mut file = tokio::fs::File::create(&partial).await.with_context(|| format!("creating {}", partial.display()))?;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.with_context(|| format!("downloading record {id}: the transfer broke off"))?;
        file.write_all(&chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    file.sync_all().await?;
    bar.finish_and_clear();
    if !package {
        let target = args.output.join(format!("record-{id}.{extension}"));
        std::fs::rename(&partial, &target)?;
        println!("{}", target.display());
        return Ok(ExitCode::SUCCESS);
    }
    let unpacked = unpack(&partial, &args.output);
    std::fs::remove_file(&partial)?;
    let root = unpacked?;
    if format == "bagit" {
        let bag = root.clone();
        tokio::task::spawn_blocking(move || super::import::check_bag(&bag)).await??;
        eprintln!("wrote a BagIt bag to {} and checked every checksum", root.display());
    } else {
        let kind = if format == "ro-crate" { "an RO-Crate" } else { "a data package" };
        eprintln!("wrote {kind} to {}", root.display());
    }
    println!("{}", root.display());
    Ok(ExitCode::SUCCESS)
}

/// Unpacks an archive the server made into `into`, holding each entry to its CRC; returns the
/// folder it held (its one top-level folder).
fn unpack(archive: &Path, into: &Path) -> anyhow::Result<PathBuf> {
    let mut zip = ZipArchive::open(archive).context("reading the archive")?;
    let mut roots = std::collections::BTreeSet::new();
    for entry in zip.entries()? {
        let entry = entry.context("reading the archive")?;
        let name = entry.name().context("the archive names a file in bytes that are not UTF-8")?.into_owned();
        // The server names entries safely, but a local path must never escape `into`.
        if name.starts_with('/') || name.contains('\\') || name.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
            bail!("refusing to write the unsafe file name '{name}'");
        }
        roots.insert(name.split('/').next().unwrap_or_default().to_string());
        let target = into.join(&name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut out = std::fs::File::create(&target).with_context(|| format!("creating {}", target.display()))?;
        let copied = std::io::copy(&mut zip.content(&entry)?.take(entry.size + 1), &mut out);
        if copied.with_context(|| format!("'{name}' in the archive is damaged"))? != entry.size {
            bail!("'{name}' in the archive does not hold the {} bytes it declares", entry.size);
        }
    }
    match roots.into_iter().collect::<Vec<_>>().as_slice() {
        [root] => Ok(into.join(root)),
        roots => bail!("the archive holds {} top-level entries, not one folder", roots.len()),
    }
}
