//! Resumable uploads over tus 1.0: tuspy (the tus project's Python client) uploads in pieces,
//! the server is killed midway, and the upload resumes from the last acknowledged byte into
//! a committed draft file; every protocol error leaves the upload where it was.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Digest as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::{TestServer, TestServerConfig, fresh_postgres};
use tokio::io::AsyncWriteExt;

use crate::helpers::{Api, Mounted, metadata, person, start};

/// Bytes that differ at every offset, so a piece written at the wrong place shows.
fn content(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn tus(api: &Api, method: Method, path_or_url: &str) -> reqwest::RequestBuilder {
    let request = if path_or_url.starts_with("http") {
        let request = api.client.request(method, path_or_url);
        match &api.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    } else {
        api.request(method, path_or_url)
    };
    request.header("tus-resumable", "1.0.0")
}

fn metadata_header(record: &str, key: &str) -> String {
    format!("record {},filename {}", STANDARD.encode(record), STANDARD.encode(key))
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

async fn offset_of(api: &Api, url: &str) -> (StatusCode, Option<u64>) {
    let response = tus(api, Method::HEAD, url).send().await.unwrap();
    let offset = response.headers().get("upload-offset").and_then(|v| v.to_str().ok()?.parse().ok());
    (response.status(), offset)
}

async fn patch(api: &Api, url: &str, offset: usize, piece: &[u8], checksum: Option<String>) -> reqwest::Response {
    let mut request = tus(api, Method::PATCH, url)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", offset.to_string())
        .body(piece.to_vec());
    if let Some(checksum) = checksum {
        request = request.header("upload-checksum", checksum);
    }
    request.send().await.unwrap()
}

/// Runs `scripts/tus-client.py` (tuspy) and returns what it prints.
fn tuspy(args: &[&str]) -> Value {
    let python = std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names the Python with tuspy; scripts/test.sh sets it");
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/tus-client.py");
    let output = std::process::Command::new(python).arg(script).args(args).output().expect("tuspy runs");
    assert!(output.status.success(), "tuspy {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("tuspy prints JSON")
}

async fn draft(api: &Api) -> String {
    let (status, draft) = api.post("/api/records", json!({"metadata": metadata("Resumable")})).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    draft["id"].as_str().unwrap().to_string()
}

fn staged_uploads(server: &TestServer, draft: &str) -> usize {
    let dir = server.data_dir.join("staging").join(draft);
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".upload")).count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_tus_upload_resumes_after_the_server_is_killed_and_becomes_a_draft_file() {
    let database = fresh_postgres().await;
    let mut server = start(TestServerConfig { database_url: Some(database.url.clone()), ..Default::default() }).await;
    let token = server.user_token("ada@example.org");
    let api = Api::new(&server, Some(token.clone()));
    let id = draft(&api).await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = content(5 * 1024 * 1024 + 123);
    let path = dir.path().join("river.bin");
    std::fs::write(&path, &bytes).unwrap();
    let path = path.to_str().unwrap();

    // tuspy sends two 1 MiB pieces, each with its sha1, and stops.
    let started = tuspy(&["upload", &server.url("/api/uploads/"), &token, path, &id, "levels/river.bin", "1048576", "2097152"]);
    let url = started["url"].as_str().unwrap().to_string();
    assert_eq!(started["offset"], 2_097_152);
    let response = tus(&api, Method::HEAD, &url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!((header(&response, "upload-offset"), header(&response, "upload-length")), ("2097152", "5243003"));
    assert_eq!(header(&response, "tus-resumable"), "1.0.0");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert!(header(&response, "upload-metadata").contains(&STANDARD.encode("levels/river.bin")));
    assert!(header(&response, "upload-expires").ends_with(" GMT"), "{:?}", response.headers());
    // Nobody else sees it.
    let other = person(&server, "eve@example.org", None);
    assert_eq!(offset_of(&other, &url).await, (StatusCode::NOT_FOUND, None));

    // A power cut; the acknowledged bytes are still there, and tuspy sends the rest.
    server.kill();
    server.start_again().await;
    assert_eq!(offset_of(&api, &url).await, (StatusCode::OK, Some(2_097_152)));
    let finished = tuspy(&["resume", &url, &token, path, "1048576"]);
    assert_eq!(finished["offset"], bytes.len());

    // The upload is the draft's committed file, with the digests of the whole file.
    let (status, file) = api.get(&format!("/api/records/{id}/draft/files/levels/river.bin")).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["status"], "completed");
    assert_eq!(file["size"], bytes.len());
    assert_eq!(file["checksum"], format!("md5:{}", tessera_storage::hex(&md5::Md5::digest(&bytes))));
    let response = tus(&api, Method::HEAD, &url).send().await.unwrap();
    let sha512 = STANDARD.encode(sha2::Sha512::digest(&bytes));
    assert!(header(&response, "repr-digest").contains(&format!("sha-512=:{sha512}:")), "{:?}", response.headers());
    assert_eq!(staged_uploads(&server, &id), 0, "the upload's bytes became the staged file");

    // Published, it downloads whole.
    api.publish(&id).await;
    let (status, _, downloaded) = api.bytes(&format!("/api/records/{id}/files/levels/river.bin/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(downloaded == bytes, "the downloaded file differs from the uploaded one");
    assert_eq!(offset_of(&api, &url).await.0, StatusCode::NOT_FOUND, "a published draft's uploads are gone");
    server.cli_ok(&["verify"]);
}

#[tokio::test]
async fn tus_requests_that_are_wrong_are_refused_and_leave_the_upload_as_it_was() {
    let server = start(TestServerConfig { env: vec![("TESSERA_MAX_FILE_BYTES".into(), "1000000".into())], ..Default::default() }).await;
    let api = person(&server, "ada@example.org", None);
    let id = draft(&api).await;
    let bytes = content(1000);

    // What the server offers, to anyone.
    let response = Api::new(&server, None).request(Method::OPTIONS, "/api/uploads/").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&response, "tus-version"), "1.0.0");
    assert_eq!(header(&response, "tus-max-size"), "1000000");
    assert_eq!(header(&response, "tus-checksum-algorithm"), "sha1,md5,sha256");
    for extension in ["creation", "creation-with-upload", "checksum", "expiration", "termination"] {
        assert!(header(&response, "tus-extension").split(',').any(|e| e == extension), "{extension}");
    }

    // Creation: each missing or wrong header is named.
    let create = |length: &str, metadata: &str| {
        tus(&api, Method::POST, "/api/uploads/").header("upload-length", length).header("upload-metadata", metadata)
    };
    let response = api.request(Method::POST, "/api/uploads/").header("upload-length", "10").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(header(&response, "tus-version"), "1.0.0");
    for (request, status, field) in [
        (tus(&api, Method::POST, "/api/uploads/").header("upload-metadata", metadata_header(&id, "a.bin")), 400, "Upload-Length"),
        (create("ten", &metadata_header(&id, "a.bin")), 400, "Upload-Length"),
        (create("10", &format!("filename {}", STANDARD.encode("a.bin"))), 400, "Upload-Metadata"),
        (create("10", &metadata_header(&id, "../a.bin")), 400, "filename"),
        (create("2000000", &metadata_header(&id, "a.bin")), 413, ""),
        (create("10", &metadata_header("999999", "a.bin")), 404, ""),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{field}");
        assert_eq!(header(&response, "content-type"), "application/problem+json");
        let body: Value = response.json().await.unwrap();
        assert!(body.to_string().contains(field), "{body}");
    }
    let anonymous = Api::new(&server, None);
    let response = tus(&anonymous, Method::POST, "/api/uploads/")
        .header("upload-length", "10")
        .header("upload-metadata", metadata_header(&id, "a.bin"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Creation with the first piece and its md5.
    let md5 = STANDARD.encode(md5::Md5::digest(&bytes[..100]));
    let response = create("1000", &metadata_header(&id, "data/a.bin"))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-checksum", format!("md5 {md5}"))
        .body(bytes[..100].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "upload-offset"), "100");
    let url = header(&response, "location").to_string();
    assert!(url.starts_with(&server.url("/api/uploads/")), "{url}");

    // Pieces that are refused change nothing.
    let sha256 = |piece: &[u8]| format!("sha256 {}", STANDARD.encode(sha2::Sha256::digest(piece)));
    let response = patch(&api, &url, 50, &bytes[50..100], None).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = patch(&api, &url, 100, &bytes[100..200], Some(sha256(&bytes[101..201]))).await;
    assert_eq!(response.status().as_u16(), 460, "a piece that does not match its checksum");
    let response = patch(&api, &url, 100, &bytes[100..200], Some("crc32 AAAA".into())).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = patch(&api, &url, 100, &content(1000)[..901], None).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "a piece past the declared length");
    let response = tus(&api, Method::PATCH, &url).header("upload-offset", "100").body(bytes[100..200].to_vec()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(offset_of(&api, &url).await, (StatusCode::OK, Some(100)));
    // A piece that grows past the length without saying so is cut off and refused whole.
    assert_eq!(raw_patch(&server, api.token.as_deref().unwrap(), &url, 100, &[7u8; 950], Ending::Chunked).await, 413);
    assert_eq!(offset_of(&api, &url).await, (StatusCode::OK, Some(100)));

    // A dropped connection keeps what arrived of a piece without a checksum, and nothing of one with.
    let token = api.token.as_deref().unwrap();
    raw_patch(&server, token, &url, 100, &bytes[100..400], Ending::DroppedWithChecksum).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(offset_of(&api, &url).await.1, Some(100), "a piece cut short cannot be checked, so none of it is kept");
    raw_patch(&server, token, &url, 100, &bytes[100..400], Ending::Dropped).await;
    let mut offset = None;
    for _ in 0..100 {
        offset = offset_of(&api, &url).await.1;
        if offset == Some(400) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(offset, Some(400), "the 300 bytes that arrived before the drop are kept");

    // The rest, checked with sha256, completes the file.
    let response = patch(&api, &url, 400, &bytes[400..], Some(sha256(&bytes[400..]))).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&response, "upload-offset"), "1000");
    assert!(header(&response, "repr-digest").contains(&format!("md5=:{}:", STANDARD.encode(md5::Md5::digest(&bytes)))));
    // The CRC-32 a client checks the transfer with runs on across the pieces, as the digests do.
    let crc32 = STANDARD.encode(crc32fast::hash(&bytes).to_be_bytes());
    assert!(header(&response, "repr-digest").contains(&format!("crc32=:{crc32}:")), "{:?}", response.headers());
    let response = patch(&api, &url, 1000, b"", None).await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "a complete upload takes no more");
    let (_, file) = api.get(&format!("/api/records/{id}/draft/files/data/a.bin")).await;
    assert_eq!((file["status"].as_str(), file["size"].as_u64()), (Some("completed"), Some(1000)));
    // Its key is taken now; an empty file needs no piece at all.
    assert_eq!(create("10", &metadata_header(&id, "data/a.bin")).send().await.unwrap().status(), StatusCode::CONFLICT);
    let response = create("0", &metadata_header(&id, "empty.txt")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(header(&response, "repr-digest").contains("md5=:1B2M2Y8AsgTpgAmY7PhCfg==:"), "{:?}", response.headers());

    // Termination frees the space.
    let response = create("500", &metadata_header(&id, "gone.bin")).send().await.unwrap();
    let url = header(&response, "location").to_string();
    assert_eq!(patch(&api, &url, 0, &bytes[..200], None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(staged_uploads(&server, &id), 1);
    let other = person(&server, "eve@example.org", None);
    assert_eq!(tus(&other, Method::DELETE, &url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(tus(&api, Method::DELETE, &url).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&api, &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(staged_uploads(&server, &id), 0);
    let (_, files) = api.get(&format!("/api/records/{id}/draft/files")).await;
    let keys: Vec<&str> = files["entries"].as_array().unwrap().iter().filter_map(|f| f["key"].as_str()).collect();
    assert_eq!(keys, ["data/a.bin", "empty.txt"]);
}

#[tokio::test]
async fn an_abandoned_upload_expires_and_its_space_is_freed() {
    let config = TestServerConfig {
        env: vec![("TESSERA_UPLOADS_EXPIRE_SECONDS".into(), "2".into()), ("TESSERA_JOBS_INTERVAL_SECONDS".into(), "1".into())],
        ..Default::default()
    };
    let server = start(config).await;
    let api = person(&server, "ada@example.org", None);
    let id = draft(&api).await;
    let response = tus(&api, Method::POST, "/api/uploads/")
        .header("upload-length", "100")
        .header("upload-metadata", metadata_header(&id, "slow.bin"))
        .header("content-type", "application/offset+octet-stream")
        .body(vec![1u8; 40])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let url = header(&response, "location").to_string();
    assert_eq!(staged_uploads(&server, &id), 1);
    let mut left = 1;
    for _ in 0..100 {
        left = staged_uploads(&server, &id);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "the server's sweep removed the abandoned bytes");
    assert_eq!(offset_of(&api, &url).await.0, StatusCode::NOT_FOUND);
    assert!(server.log().contains("removing an abandoned upload"));
}

/// How a hand-made PATCH ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// The connection drops partway through a body declared 400 bytes longer.
    Dropped,
    /// The same, for a piece sent with a checksum.
    DroppedWithChecksum,
    /// The body is sent whole, chunked, without a declared length.
    Chunked,
}

/// Sends a PATCH by hand and returns the answer's status (0 when the connection dropped).
async fn raw_patch(server: &TestServer, token: &str, url: &str, offset: usize, piece: &[u8], ending: Ending) -> u16 {
    let address = server.base_url.trim_start_matches("http://").to_string();
    let path = url.trim_start_matches(&server.base_url);
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let mut head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\nConnection: close\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\n"
    );
    if ending == Ending::DroppedWithChecksum {
        head.push_str(&format!("Upload-Checksum: sha1 {}\r\n", STANDARD.encode([0u8; 20])));
    }
    if ending == Ending::Chunked {
        head.push_str(&format!("Transfer-Encoding: chunked\r\n\r\n{:x}\r\n", piece.len()));
    } else {
        head.push_str(&format!("Content-Length: {}\r\n\r\n", piece.len() + 400));
    }
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(piece).await.unwrap();
    if ending != Ending::Chunked {
        stream.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        return 0;
    }
    stream.write_all(b"\r\n0\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer)).await;
    String::from_utf8_lossy(&answer).get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Bytes held by unfinished uploads in the server's staging area.
fn bytes_in_uploads(server: &TestServer) -> u64 {
    let staging = server.data_dir.join("staging");
    let drafts = std::fs::read_dir(staging).into_iter().flatten().flatten();
    let files = drafts.flat_map(|draft| std::fs::read_dir(draft.path()).into_iter().flatten().flatten());
    files.filter(|f| f.file_name().to_string_lossy().ends_with(".upload")).filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn tessera_deposit_rides_out_a_server_restart_and_continues_when_run_again() {
    let mut server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("survey");
    std::fs::create_dir_all(folder.join("notes")).unwrap();
    std::fs::write(folder.join("a.csv"), "site,level\nA,1.2\n").unwrap();
    std::fs::write(folder.join("notes/b.txt"), "calibrated in May").unwrap();
    let big = content(48 << 20);
    std::fs::write(folder.join("big.bin"), &big).unwrap();
    let metadata_file = dir.path().join("record.json");
    std::fs::write(&metadata_file, metadata("Survey").to_string()).unwrap();
    let state = dir.path().join("state");
    let base_url = server.base_url.clone();
    let deposit = |extra: &[&str]| {
        let mut command = std::process::Command::new(crate::helpers::BIN);
        command
            .args(["deposit", folder.to_str().unwrap(), "-m", metadata_file.to_str().unwrap(), "--piece-mib", "2"])
            .args(["--server", &base_url, "--token", &token])
            .args(extra)
            .env("XDG_STATE_HOME", &state)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command
    };

    // A slow deposit; the server dies under it and comes back, and the deposit carries on.
    let mut first = deposit(&["--limit-rate", "16M"]).spawn().unwrap();
    wait_until("8 MiB of the large file arrived", || bytes_in_uploads(&server) >= 8 << 20).await;
    server.kill();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.start_again().await;
    wait_until("24 MiB of the large file arrived", || bytes_in_uploads(&server) >= 24 << 20).await;
    // Then the deposit itself is stopped for good.
    first.kill().unwrap();
    let output = first.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("big.bin: ") && said.contains("trying again"), "{said}");

    // Run again, the same command continues the same draft and publishes it.
    let output = deposit(&["--publish"]).output().unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("continuing draft"), "{said}");
    assert!(said.contains("every checksum verified"), "{said}");
    assert!(std::fs::read_dir(state.join("tessera/deposits")).unwrap().next().is_none(), "the finished deposit's journal is gone");

    let api = Api::new(&server, Some(token.clone()));
    let (_, mine) = api.get("/api/user/records").await;
    assert_eq!(mine["hits"]["total"], 1, "one record, not one per run: {mine}");
    let id = mine["hits"]["hits"][0]["id"].as_str().unwrap().to_string();
    let (_, files) = api.get(&format!("/api/records/{id}/files")).await;
    let keys: Vec<&str> = files["entries"].as_array().unwrap().iter().filter_map(|f| f["key"].as_str()).collect();
    assert_eq!(keys, ["a.csv", "big.bin", "notes/b.txt"]);
    let (status, _, downloaded) = api.bytes(&format!("/api/records/{id}/files/big.bin/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(downloaded == big, "the large file arrived changed");
    assert_eq!(bytes_in_uploads(&server), 0);
}

#[tokio::test]
async fn an_invenio_multipart_transfer_takes_checked_parts_in_any_order_and_in_parallel() {
    let server = start(TestServerConfig::default()).await;
    let api = person(&server, "ada@example.org", None);
    let id = draft(&api).await;
    let files = format!("/api/records/{id}/draft/files");
    let mib = 1 << 20;
    let bytes = content(3 * mib + 5000);

    // Declarations that cannot work are refused, each naming its field.
    for (declaration, field) in [
        (json!({"key": "a.bin", "transfer": {"type": "M", "parts": 2}}), "0.size"),
        (json!({"key": "a.bin", "size": 10, "transfer": {"type": "M"}}), "0.transfer.parts"),
        (json!({"key": "a.bin", "size": 10, "transfer": {"type": "F"}}), "0.transfer.type"),
        (json!({"key": "a.bin", "size": 10, "transfer": {"type": "M", "parts": 0}}), "transfer"),
        (json!({"key": "a.bin", "size": 3 * mib + 5000, "transfer": {"type": "M", "parts": 3, "part_size": mib}}), "transfer"),
    ] {
        let (status, body) = api.post(&files, json!([declaration])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains(field), "{field}: {body}");
    }
    let (_, listed) = api.get(&files).await;
    assert_eq!(listed["entries"], json!([]), "nothing was declared");

    let declaration = json!([{"key": "scan.tif", "size": bytes.len(), "transfer": {"type": "M", "parts": 4, "part_size": mib}}]);
    let (status, body) = api.post(&files, declaration).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let entry = &body["entries"][0];
    assert_eq!(entry["transfer"], json!({"type": "M", "parts": 4, "part_size": mib}));
    assert_eq!(entry["links"]["content"], Value::Null);
    let parts: Vec<String> = entry["links"]["parts"].as_array().unwrap().iter().map(|p| p["url"].as_str().unwrap().to_string()).collect();
    assert_eq!(parts.len(), 4);
    assert!(parts[3].ends_with(&format!("{files}/scan.tif/content/4")), "{}", parts[3]);
    let piece = |n: usize| &bytes[(n - 1) * mib..(n * mib).min(bytes.len())];
    let put = |url: String, body: Vec<u8>, md5: Option<String>| {
        let mut request = api.client.put(url).bearer_auth(api.token.as_deref().unwrap()).header("content-type", "application/octet-stream");
        if let Some(md5) = md5 {
            request = request.header("content-md5", md5);
        }
        request.body(body).send()
    };
    let md5_of = |piece: &[u8]| Some(STANDARD.encode(md5::Md5::digest(piece)));

    // Parts that are wrong are refused and leave nothing behind.
    let wrong = put(server.url(&format!("{files}/scan.tif/content/5")), piece(4).to_vec(), None).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let wrong = put(parts[1].clone(), piece(2)[..1000].to_vec(), None).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST, "a part shorter than its place");
    let wrong = put(parts[3].clone(), bytes[3 * mib - 10..].to_vec(), None).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST, "a last part that would overlap the one before");
    let wrong = put(parts[1].clone(), piece(2).to_vec(), md5_of(piece(3))).await.unwrap();
    assert_eq!(wrong.status().as_u16(), 460, "a part whose MD5 differs");
    // (On a connection of its own: the server answers before reading the body and closes it.)
    let alone = Api { client: reqwest::Client::new(), ..api.clone() };
    let wrong = alone.upload(&format!("{files}/scan.tif/content"), bytes.clone()).await;
    assert_eq!(wrong.0, StatusCode::BAD_REQUEST, "{}", wrong.1);
    let (status, body) = api.post_empty(&format!("{files}/scan.tif/commit")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("parts 1, 2, 3, 4 have not arrived"), "{body}");

    // The parts, last first, all at once.
    let sent = futures::future::join_all(
        [4, 2, 3, 1].map(|n| put(parts[n - 1].clone(), piece(n).to_vec(), if n % 2 == 0 { md5_of(piece(n)) } else { None })),
    )
    .await;
    assert!(sent.iter().all(|r| r.as_ref().unwrap().status() == StatusCode::OK), "{sent:?}");
    let (_, file) = api.get(&format!("{files}/scan.tif")).await;
    assert_eq!(file["status"], "pending", "not until it is committed");
    let (status, file) = api.post_empty(&format!("{files}/scan.tif/commit")).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!((file["status"].as_str(), file["size"].as_u64()), (Some("completed"), Some(bytes.len() as u64)));
    assert_eq!(file["checksum"], format!("md5:{}", tessera_storage::hex(&md5::Md5::digest(&bytes))));
    assert_eq!(file["transfer"], json!({"type": "L"}));

    // Dropping a file whose parts are still arriving frees their space.
    let (status, _) = api.post(&files, json!([{"key": "gone.bin", "size": 2 * mib, "transfer": {"type": "M", "parts": 2}}])).await;
    assert_eq!(status, StatusCode::CREATED);
    let response = put(server.url(&format!("{files}/gone.bin/content/1")), bytes[..mib].to_vec(), None).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(staged_uploads(&server, &id), 1);
    assert_eq!(api.delete(&format!("{files}/gone.bin")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(staged_uploads(&server, &id), 0);

    api.publish(&id).await;
    let (status, _, downloaded) = api.bytes(&format!("/api/records/{id}/files/scan.tif/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(downloaded == bytes, "the file assembled from its parts differs");
}

#[tokio::test]
async fn tessera_deposit_sends_many_small_files_as_one_bundle_the_server_unpacks() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("readings");
    for i in 0..60 {
        let sub = folder.join(format!("day-{:02}", i % 6));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("r{i:03}.csv")), format!("t,level\n{i},{}\n", i * 3)).unwrap();
    }
    let large = content(3 << 20);
    std::fs::write(folder.join("overview.bin"), &large).unwrap();
    let metadata_file = dir.path().join("record.json");
    std::fs::write(&metadata_file, metadata("Readings").to_string()).unwrap();
    let output = std::process::Command::new(crate::helpers::BIN)
        .args(["deposit", folder.to_str().unwrap(), "-m", metadata_file.to_str().unwrap(), "--publish"])
        .args(["--server", &server.base_url, "--token", &token])
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("uploaded 61 files"), "{said}");
    assert!(server.log().contains("draft-archive-unpacked"), "the small files went as one bundle");

    let api = Api::new(&server, Some(token));
    let (_, mine) = api.get("/api/user/records").await;
    let id = mine["hits"]["hits"][0]["id"].as_str().unwrap().to_string();
    let (_, files) = api.get(&format!("/api/records/{id}/files?size=100")).await;
    assert_eq!(files["total"], 61, "every file, and no bundle left behind: {files}");
    let (_, file) = api.get(&format!("/api/records/{id}/files/day-05/r059.csv")).await;
    let expected = format!("t,level\n59,{}\n", 59 * 3);
    assert_eq!(file["checksum"], format!("md5:{}", tessera_storage::hex(&md5::Md5::digest(expected.as_bytes()))));
    let (_, _, downloaded) = api.bytes(&format!("/api/records/{id}/files/overview.bin/content")).await;
    assert!(downloaded == large);
}

#[tokio::test]
async fn a_full_disk_fails_only_the_upload_that_filled_it_and_frees_its_space() {
    // Staging on a 4 MiB filesystem of its own, where it fills up quickly.
    let dir = tempfile::tempdir().unwrap();
    let staging = dir.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let Some(_unmount) = Mounted::small(&staging, "4m") else { return };
    let config = TestServerConfig { env: vec![("TESSERA_STAGING_DIR".into(), staging.to_str().unwrap().into())], ..Default::default() };
    let server = start(config).await;
    let api = person(&server, "ada@example.org", None);
    let kept = api.draft_with_files(metadata("Kept"), &[("kept.csv", b"site,level\nA,1\n")]).await;
    let id = draft(&api).await;

    // 6 MiB do not fit: the piece that meets the full disk fails the upload, which goes.
    let response = tus(&api, Method::POST, "/api/uploads/")
        .header("upload-length", (6 << 20).to_string())
        .header("upload-metadata", metadata_header(&id, "big.bin"))
        .send()
        .await
        .unwrap();
    let url = header(&response, "location").to_string();
    let piece = vec![7u8; 256 << 10];
    let mut failed = None;
    for n in 0..24 {
        let response = patch(&api, &url, n * piece.len(), &piece, None).await;
        if response.status() != StatusCode::NO_CONTENT {
            failed = Some(response);
            break;
        }
    }
    let failed = failed.expect("the disk filled up");
    assert_eq!(failed.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: Value = failed.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("storage is full"), "{body}");
    assert_eq!(offset_of(&api, &url).await.0, StatusCode::NOT_FOUND, "the upload is gone");
    let upload_files = std::fs::read_dir(staging.join(&id)).unwrap().count();
    assert_eq!(upload_files, 0, "and its bytes with it");

    // The space is free again, and nothing else changed.
    let response = tus(&api, Method::POST, "/api/uploads/")
        .header("upload-length", (2 << 20).to_string())
        .header("upload-metadata", metadata_header(&id, "fits.bin"))
        .header("content-type", "application/offset+octet-stream")
        .body(vec![1u8; 2 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "upload-offset"), (2 << 20).to_string());
    api.publish(&kept).await;
    let (status, _, bytes) = api.bytes(&format!("/api/records/{kept}/files/kept.csv/content")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &b"site,level\nA,1\n"[..]));
    server.cli_ok(&["verify"]);
}
