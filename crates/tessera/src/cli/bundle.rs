//! Small files go to the server in bundles: one stored zip that the server unpacks into the
//! draft. Thousands of files then cost one upload and one durable write on the server,
//! instead of a request, a transaction and three fsyncs each.

use std::io::{Read as _, Write as _};
use std::path::Path;

use anyhow::{Context, bail};
use reqwest::Method;

use super::deposit::Upload;
use super::remote::Remote;
use super::transfer::{Target, Uploader};

/// The bundle's key while it is a file of the draft; unpacking removes it.
const BUNDLE_KEY: &str = ".tessera-bundle.zip";
/// Files up to this size go in bundles.
pub(super) const SMALL_FILE: u64 = 1 << 20;
/// With fewer small files than this, each goes on its own.
pub(super) const MIN_BUNDLED: usize = 32;
/// A bundle holds at most this many files, so each is unpacked in a reasonable time.
pub(super) const BUNDLE_FILES: usize = 20_000;

/// Sends `files` as one bundle into draft `id` and has the server unpack it. Each entry
/// carries the CRC-32 of the bytes read from the local file, which the server checks on the
/// bytes it hashes and writes: one file that arrived other than it left refuses the bundle.
pub(super) async fn send_bundle(remote: &Remote, uploader: &Uploader<'_>, id: &str, files: &[&Upload]) -> anyhow::Result<()> {
    // A bundle an interrupted run left in the draft goes first.
    remote.request(Method::DELETE, &format!("/api/records/{id}/draft/files/{BUNDLE_KEY}")).send().await?;
    let path = std::env::temp_dir().join(format!("tessera-bundle-{}.zip", std::process::id()));
    let owned: Vec<Upload> = files.iter().map(|file| (*file).clone()).collect();
    let written = path.clone();
    let size = tokio::task::spawn_blocking(move || write_bundle(&written, &owned)).await??;
    let sent = async {
        let payload: u64 = files.iter().map(|(_, _, size)| size).sum();
        uploader.grow_by(size.saturating_sub(payload));
        let target = Target { draft: id, key: BUNDLE_KEY, path: &path, size };
        uploader.upload(&target, None, &mut |_| {}).await?;
        let unpack = remote.request(Method::POST, &format!("/api/records/{id}/draft/files/{BUNDLE_KEY}/unpack"));
        remote.json(unpack, &format!("unpacking a bundle of {} files", files.len())).await
    }
    .await;
    let _ = std::fs::remove_file(&path);
    let unpacked = sent?;
    if unpacked["files"].as_u64() != Some(files.len() as u64) {
        bail!("the server unpacked {} of the bundle's {} files; the draft {id} is kept for inspection", unpacked["files"], files.len());
    }
    Ok(())
}

/// Writes `files` into a stored zip at `path`, and returns its size.
fn write_bundle(path: &Path, files: &[Upload]) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    let mut zip = tessera_formats::zip::ZipWriter::new();
    let mut buffer = vec![0u8; 256 * 1024];
    for (key, file, size) in files {
        let mut input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        let modified =
            input.metadata().and_then(|meta| meta.modified()).map(time::OffsetDateTime::from).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        out.write_all(&zip.start_entry(key, modified))?;
        let mut read_total = 0u64;
        loop {
            let read = input.read(&mut buffer).with_context(|| format!("reading {}", file.display()))?;
            if read == 0 {
                break;
            }
            zip.write(&buffer[..read]);
            out.write_all(&buffer[..read])?;
            read_total += read as u64;
        }
        if read_total != *size {
            bail!("{} changed while it was bundled ({size} bytes before, {read_total} now)", file.display());
        }
        out.write_all(&zip.finish_entry())?;
    }
    let (descriptor, mut directory) = zip.directory();
    out.write_all(&descriptor)?;
    for (key, _, size) in files {
        out.write_all(&directory.entry(key, *size).map_err(anyhow::Error::msg)?)?;
    }
    out.write_all(&directory.finish().map_err(anyhow::Error::msg)?)?;
    // Not synced: a bundle lost in a crash is made again from the files.
    out.into_inner().map_err(|err| err.into_error())?;
    Ok(std::fs::metadata(path)?.len())
}
