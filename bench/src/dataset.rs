//! A dataset of many files, deposited the way a folder of instrument output would be: one zip
//! uploaded and unpacked on the server, published, then new versions that change ten files
//! each, the file list paged, one file downloaded, all of them downloaded as a streamed zip,
//! and, when asked, every file of the first version deleted.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

use crate::load::{call, metadata, ms, print_latency, tokio_util_stream};

fn key_of(i: usize) -> String {
    format!("run-{:03}/reading-{i:06}.csv", i / 1000)
}

fn content_of(i: usize, version: u32) -> String {
    format!("station,reading,version\n{},{:.3},{version}\n", i % 97, (i as f64).sqrt()).repeat(4)
}

/// Writes a stored zip of `files` small files with Tessera's own streaming zip writer.
fn write_archive(path: &Path, files: usize) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut zip = tessera_formats::zip::ZipWriter::new();
    let when = time::OffsetDateTime::now_utc();
    for i in 0..files {
        let content = content_of(i, 1);
        out.write_all(&zip.start_entry(&key_of(i), when))?;
        zip.write(content.as_bytes());
        out.write_all(content.as_bytes())?;
        out.write_all(&zip.finish_entry())?;
    }
    let (descriptor, mut directory) = zip.directory();
    out.write_all(&descriptor)?;
    for i in 0..files {
        out.write_all(&directory.entry(&key_of(i), content_of(i, 1).len() as u64).map_err(anyhow::Error::msg)?)?;
    }
    out.write_all(&directory.finish().map_err(anyhow::Error::msg)?)?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

pub(crate) async fn large_dataset(server: &str, token: &str, files: usize, versions: usize, delete_first: bool) -> anyhow::Result<()> {
    let client = Client::new();
    let work = tempfile::tempdir()?;
    let archive = work.path().join("dataset.zip");
    let size = write_archive(&archive, files)?;
    let draft = call(&client, Method::POST, format!("{server}/api/records"), token, Some(metadata("A dataset of many files"))).await?;
    let id = draft["id"].as_str().context("draft id")?.to_string();
    let files_url = format!("{server}/api/records/{id}/draft/files");
    call(&client, Method::POST, files_url.clone(), token, Some(json!([{"key": "dataset.zip"}]))).await?;
    let started = Instant::now();
    let response = client
        .put(format!("{files_url}/dataset.zip/content"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(tokio_util_stream(&archive).await?)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("uploading the archive: {}", response.status());
    }
    call(&client, Method::POST, format!("{files_url}/dataset.zip/commit"), token, None).await?;
    let upload = started.elapsed();
    let unpack = in_background(&client, server, format!("{files_url}/dataset.zip/unpack"), token).await?;
    if unpack.result["files"] != files {
        bail!("the server unpacked {} files, not {files}", unpack.result["files"]);
    }
    let publish = in_background(&client, server, format!("{server}/api/records/{id}/draft/actions/publish"), token).await?;
    println!(
        "{files} files in a {:.1} MB zip: upload {:.2} s, unpack {:.2} s ({:.0} files/s), publish {:.2} s ({:.0} files/s)",
        size as f64 / 1e6,
        upload.as_secs_f64(),
        unpack.done.as_secs_f64(),
        files as f64 / unpack.done.as_secs_f64(),
        publish.done.as_secs_f64(),
        files as f64 / publish.done.as_secs_f64()
    );
    println!(
        "asked with Prefer: respond-async, the unpack was answered in {:.1} ms and the publish in {:.1} ms",
        ms(unpack.answered),
        ms(publish.answered)
    );

    // New versions that change ten files each; the others are carried by reference.
    let mut next = id.clone();
    let mut took = Vec::new();
    for number in 2..versions as u32 + 2 {
        let started = Instant::now();
        next = new_version(&client, server, token, &next, files, number).await?;
        took.push(started.elapsed().as_secs_f64());
    }
    if let Some(first) = took.first() {
        println!("a new version changing 10 of the {files} files: {first:.2} s from start to published");
    }
    if took.len() > 1 {
        let each: Vec<String> = took.iter().map(|s| format!("{s:.2}")).collect();
        println!("{} new versions, each from start to published: {} s", took.len(), each.join(" "));
    }

    let last_page = files.div_ceil(100);
    for (what, url) in [
        ("file list, first page of 100", format!("{server}/api/records/{next}/files?size=100&page=1")),
        ("file list, last page of 100", format!("{server}/api/records/{next}/files?size=100&page={last_page}")),
        ("one file's content", format!("{server}/api/records/{next}/files/{}/content", key_of(files / 2))),
        ("landing page", format!("{server}/records/{next}")),
    ] {
        print_latency(&client, what, &url, StatusCode::OK).await?;
    }

    // Everything, as one streamed zip.
    let started = Instant::now();
    let response = client.get(format!("{server}/api/records/{next}/files-archive")).send().await?;
    if !response.status().is_success() {
        bail!("files-archive: {}", response.status());
    }
    let mut first_byte: Option<Duration> = None;
    let mut bytes = 0u64;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        first_byte.get_or_insert_with(|| started.elapsed());
        bytes += chunk?.len() as u64;
    }
    let all = started.elapsed();
    println!(
        "download all as zip: {:.1} MB in {:.2} s ({:.0} files/s), first byte after {:.1} ms",
        bytes as f64 / 1e6,
        all.as_secs_f64(),
        files as f64 / all.as_secs_f64(),
        ms(first_byte.unwrap_or_default())
    );

    if delete_first {
        let request = json!({"reason": "Benchmark: every file of the first version"});
        let asked = call(&client, Method::POST, format!("{server}/api/records/{id}/deletion-requests"), token, Some(request)).await?;
        let request = asked["id"].as_str().context("deletion request id")?;
        let started = Instant::now();
        call(&client, Method::POST, format!("{server}/api/deletion-requests/{request}/approve"), token, Some(json!({}))).await?;
        println!("every file of the first version deleted: {:.2} s", started.elapsed().as_secs_f64());
        // What is left of it: the record with its tombstones, and a deleted file's answer.
        for (what, url, status) in [
            ("the first version after the deletion, as JSON", format!("{server}/api/records/{id}"), StatusCode::OK),
            ("its landing page", format!("{server}/records/{id}"), StatusCode::OK),
            ("a deleted file's content", format!("{server}/api/records/{id}/files/{}/content", key_of(files / 2)), StatusCode::GONE),
        ] {
            print_latency(&client, what, &url, status).await?;
        }
    }
    Ok(())
}

/// A request that went on as a task: when it was answered, when its task was seen to end
/// (read every 20 ms), and what it came to.
struct Background {
    answered: Duration,
    done: Duration,
    result: serde_json::Value,
}

/// POSTs `url` with `Prefer: respond-async` and reads its task until it ends.
async fn in_background(client: &Client, server: &str, url: String, token: &str) -> anyhow::Result<Background> {
    let started = Instant::now();
    let response = client.post(&url).bearer_auth(token).header("prefer", "respond-async").send().await?;
    let answered = started.elapsed();
    if response.status() != StatusCode::ACCEPTED {
        bail!("{url}: {} where 202 was expected", response.status());
    }
    let task: serde_json::Value = response.json().await?;
    let path = format!("{server}/api/tasks/{}", task["id"].as_str().context("task id")?);
    loop {
        let task = call(client, Method::GET, path.clone(), token, None).await?;
        match task["status"].as_str() {
            Some("running") => tokio::time::sleep(Duration::from_millis(20)).await,
            Some("done") => return Ok(Background { answered, done: started.elapsed(), result: task["result"].clone() }),
            _ => bail!("{url}: the task failed: {}", task["error"]),
        }
    }
}

/// Publishes a new version of record `id` with ten of its files changed; returns its id.
async fn new_version(client: &Client, server: &str, token: &str, id: &str, files: usize, number: u32) -> anyhow::Result<String> {
    let started = Instant::now();
    let version = call(client, Method::POST, format!("{server}/api/records/{id}/versions"), token, None).await?;
    println!("new version {number}'s draft, carrying {files} files, made in {:.1} ms", ms(started.elapsed()));
    let next = version["id"].as_str().context("new version id")?.to_string();
    let next_files = format!("{server}/api/records/{next}/draft/files");
    for n in 0..10 {
        let i = n * files / 10;
        let key = key_of(i);
        call(client, Method::DELETE, format!("{next_files}/{key}"), token, None).await.ok();
        call(client, Method::POST, next_files.clone(), token, Some(json!([{"key": key}]))).await?;
        let response = client
            .put(format!("{next_files}/{key}/content"))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(content_of(i, number))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("uploading {key}: {}", response.status());
        }
        call(client, Method::POST, format!("{next_files}/{key}/commit"), token, None).await?;
    }
    let publish = in_background(client, server, format!("{server}/api/records/{next}/draft/actions/publish"), token).await?;
    println!("new version {number}'s publish answered in {:.1} ms, done in {:.2} s", ms(publish.answered), publish.done.as_secs_f64());
    Ok(next)
}
