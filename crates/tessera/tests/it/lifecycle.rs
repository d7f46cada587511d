//! The whole life of a dataset over HTTP: draft, files, publish, find, download, new
//! versions, edits; then storage checked by `tessera verify` and by ocfl-py, and rebuilt.

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Digest as _;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, ETAG, IF_NONE_MATCH, RANGE};
use serde_json::{Value, json};
use tessera_testkit::{TestServer, TestServerConfig, describe, fresh_postgres};

use crate::helpers::{Api, metadata, ocfl_validator, start};

async fn lifecycle(server: &TestServer) -> Vec<String> {
    let token = server.user_token("ada@example.org");
    let ada = Api::new(server, Some(token.clone()));
    let anonymous = Api::new(server, None);
    let other = Api::new(server, Some(server.user_token("bob@example.org")));

    // Anonymous callers cannot deposit; a wrong token is refused, not ignored.
    let (status, problem) = anonymous.post("/api/records", json!({"metadata": {}})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(problem["status"], 401);
    let wrong = Api::new(server, Some("not-a-token".into()));
    assert_eq!(wrong.get("/api/records").await.0, StatusCode::UNAUTHORIZED);

    // A draft saves with problems and lists them; publishing refuses them all at once.
    let (status, draft) = ada.post("/api/records", json!({"metadata": {"title": "Unfinished"}})).await;
    assert_eq!(status, StatusCode::CREATED);
    let draft_id = draft["id"].as_str().unwrap().to_string();
    let fields: Vec<&str> = draft["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["metadata.resource_type", "metadata.publication_date", "metadata.creators", "files.enabled"]);
    let (status, problem) = ada.post_empty(&format!("/api/records/{draft_id}/draft/actions/publish")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"], draft["errors"], "the draft listed what publishing refuses: {problem}");
    assert_eq!(other.get(&format!("/api/records/{draft_id}/draft")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(anonymous.get(&format!("/api/records/{draft_id}")).await.0, StatusCode::NOT_FOUND);

    // Fill it in (sending back what was read, read-only fields and all), add files, publish.
    let mut body = draft.clone();
    body["metadata"] = metadata("River temperatures of the Taff");
    let (status, updated) = ada.put(&format!("/api/records/{draft_id}/draft"), body).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        updated["errors"],
        json!([{"field": "files.enabled", "messages": ["upload at least one file, or set files.enabled to false for a metadata-only record"]}])
    );
    let csv = b"station,hour,celsius\nA,0,11.2\nA,1,11.0\n".to_vec();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let keys = json!([{"key": "data/taff.csv"}, {"key": "raw/readings.bin"}, {"key": "README.txt"}]);
    assert_eq!(ada.post(&format!("/api/records/{draft_id}/draft/files"), keys).await.0, StatusCode::CREATED);
    for (key, content) in [("data/taff.csv", &csv), ("raw/readings.bin", &big), ("README.txt", &b"Read me".to_vec())] {
        let (status, file) = ada.upload(&format!("/api/records/{draft_id}/draft/files/{key}/content"), content.clone()).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert_eq!(file["status"], "pending");
        let (status, file) = ada.post_empty(&format!("/api/records/{draft_id}/draft/files/{key}/commit")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(file["size"], content.len());
        assert_eq!(file["checksum"], format!("md5:{}", md5_hex(content)));
    }
    let (_, listing) = ada.get(&format!("/api/records/{draft_id}/draft/files")).await;
    assert_eq!(listing["entries"].as_array().unwrap().len(), 3);
    let (_, ready) = ada.get(&format!("/api/records/{draft_id}/draft")).await;
    assert!(ready.get("errors").is_none(), "{ready}");
    let record = ada.publish(&draft_id).await;
    assert_eq!(record["id"], draft_id.as_str());
    assert_eq!(record["status"], "published");
    assert_eq!(record["files"]["count"], 3);
    assert_eq!(record["metadata"]["creators"][0]["person_or_org"]["name"], "Lovelace, Ada");
    assert_eq!(record["metadata"]["rights"][0]["title"]["en"], "Creative Commons Attribution 4.0 International");
    assert_eq!(ada.get(&format!("/api/records/{draft_id}/draft")).await.0, StatusCode::NOT_FOUND, "the draft is gone once published");

    // Anyone finds it by search, with facets, and reads it.
    let (status, found) = anonymous.get("/api/records?q=taff&size=5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["hits"]["total"], 1);
    assert_eq!(found["hits"]["hits"][0]["id"], draft_id.as_str());
    assert_eq!(
        found["aggregations"]["resource_type"]["buckets"][0],
        json!({"key": "dataset", "doc_count": 1, "label": "Dataset", "is_selected": false})
    );
    assert_eq!(found["aggregations"]["affiliation"]["buckets"][0]["key"], "CERN");
    assert_eq!(found["aggregations"]["access_status"]["buckets"][0]["key"], "open");
    assert_eq!(anonymous.get("/api/records?q=taff&language=fra").await.1["hits"]["total"], 0);
    assert_eq!(anonymous.get("/api/records?f=publication_year:2024").await.1["hits"]["total"], 1);
    assert_eq!(anonymous.get("/api/records?size=1000").await.0, StatusCode::BAD_REQUEST);
    let (status, read) = anonymous.get(&format!("/api/records/{draft_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["metadata"], record["metadata"]);

    // Downloads: whole, ranged, conditional; the archive holds every file.
    let content = format!("/api/records/{draft_id}/files/raw/readings.bin/content");
    let (status, headers, bytes) = anonymous.bytes(&content).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, big);
    assert_eq!(headers[CONTENT_LENGTH], big.len().to_string().as_str());
    assert_eq!(headers[CONTENT_DISPOSITION], "attachment; filename=\"readings.bin\"; filename*=UTF-8''readings.bin");
    // The digests in base64, as RFC 9530 and RFC 3230 give them.
    let (md5, sha512) = (STANDARD.encode(md5::Md5::digest(&big)), STANDARD.encode(sha2::Sha512::digest(&big)));
    assert_eq!(headers["repr-digest"], format!("sha-512=:{sha512}:, md5=:{md5}:").as_str());
    assert_eq!(headers["digest"], format!("md5={md5}").as_str());
    let etag = headers[ETAG].to_str().unwrap().to_string();
    let response = anonymous.request(reqwest::Method::GET, &content).header(RANGE, "bytes=1000-1999").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()[CONTENT_RANGE], format!("bytes 1000-1999/{}", big.len()).as_str());
    assert_eq!(response.bytes().await.unwrap().to_vec(), big[1000..2000].to_vec());
    let response = anonymous.request(reqwest::Method::GET, &content).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    let response = anonymous.request(reqwest::Method::GET, &content).header(RANGE, "bytes=9999999-").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let (status, _, zip) = anonymous.bytes(&format!("/api/records/{draft_id}/files-archive")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(zip_listing(&zip), ["README.txt 7", &format!("data/taff.csv {}", csv.len()), &format!("raw/readings.bin {}", big.len())]);
    let (_, _, by_query_token) = anonymous.bytes(&format!("/api/records/{draft_id}/files/README.txt/content?access_token={token}")).await;
    assert_eq!(by_query_token, b"Read me");

    // A new version starts with the previous files, carried by reference; one changes.
    let (status, version) = ada.post_empty(&format!("/api/records/{draft_id}/versions")).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let v2 = version["id"].as_str().unwrap().to_string();
    assert_eq!(version["versions"]["index"], 2);
    assert_eq!(ada.get(&format!("/api/records/{v2}/draft/files")).await.1["entries"].as_array().unwrap().len(), 3);
    let (status, problem) = ada.post(&format!("/api/records/{v2}/draft/files"), json!([{"key": "data/taff.csv"}])).await;
    assert_eq!(status, StatusCode::CONFLICT, "a carried file's key is taken until it is deleted: {problem}");
    assert_eq!(
        ada.send(ada.request(reqwest::Method::DELETE, &format!("/api/records/{v2}/draft/files/data/taff.csv"))).await.0,
        StatusCode::NO_CONTENT
    );
    ada.post(&format!("/api/records/{v2}/draft/files"), json!([{"key": "data/taff.csv"}])).await;
    let csv2 = b"station,hour,celsius\nA,0,11.3\n".to_vec();
    ada.upload(&format!("/api/records/{v2}/draft/files/data/taff.csv/content"), csv2.clone()).await;
    ada.post_empty(&format!("/api/records/{v2}/draft/files/data/taff.csv/commit")).await;
    let mut body = version.clone();
    body["metadata"]["version"] = "2.0".into();
    assert_eq!(ada.put(&format!("/api/records/{v2}/draft"), body).await.0, StatusCode::OK);
    let second = ada.publish(&v2).await;
    assert_eq!(second["versions"], json!({"index": 2, "is_latest": true, "is_latest_draft": true}));
    let (_, first_again) = anonymous.get(&format!("/api/records/{draft_id}")).await;
    assert_eq!(first_again["versions"]["is_latest"], false);
    assert_eq!(first_again["id"], draft_id.as_str());
    assert!(first_again["parent"]["id"].is_string() && first_again["parent"]["id"] == second["parent"]["id"], "{first_again}");
    assert!(first_again["parent"]["access"]["owned_by"]["user"].is_string(), "{first_again}");
    assert!(first_again["links"]["latest_html"].as_str().unwrap().ends_with(&format!("/records/{v2}")), "{first_again}");
    assert!(first_again["links"]["self"].as_str().unwrap().ends_with(&format!("/api/records/{draft_id}")), "{first_again}");
    assert_eq!(
        anonymous.bytes(&format!("/api/records/{draft_id}/files/data/taff.csv/content")).await.2,
        csv,
        "old versions keep their files"
    );
    assert_eq!(anonymous.bytes(&format!("/api/records/{v2}/files/data/taff.csv/content")).await.2, csv2);
    let (_, versions) = anonymous.get(&format!("/api/records/{draft_id}/versions")).await;
    let ids: Vec<&str> = versions["hits"]["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [v2.as_str(), draft_id.as_str()]);
    assert_eq!(anonymous.get(&format!("/api/records/{draft_id}/versions/latest")).await.1["id"], v2.as_str());
    assert_eq!(anonymous.get("/api/records?q=taff").await.1["hits"]["total"], 1, "search shows the latest version only");
    assert_eq!(anonymous.get("/api/records?q=taff&allversions=true").await.1["hits"]["total"], 2);

    // Editing a published version's metadata: files are locked, the edit is a new OCFL version.
    let (status, edit) = ada.post_empty(&format!("/api/records/{draft_id}/draft")).await;
    assert_eq!(status, StatusCode::CREATED, "{edit}");
    assert_eq!(
        ada.upload(&format!("/api/records/{draft_id}/draft/files/README.txt/content"), b"x".to_vec()).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut body = edit.clone();
    body["metadata"]["title"] = "River temperatures of the Taff (corrected)".into();
    ada.put(&format!("/api/records/{draft_id}/draft"), body).await;
    let edited = ada.publish(&draft_id).await;
    assert_eq!(edited["metadata"]["title"], "River temperatures of the Taff (corrected)");
    assert_eq!(edited["created"], record["created"]);
    assert_eq!(anonymous.bytes(&content).await.2, big);

    // A metadata-only record, and the owner's own listing.
    let (_, metadata_only) =
        ada.post("/api/records", json!({"metadata": metadata("Station locations"), "files": {"enabled": false}})).await;
    let metadata_only_id = metadata_only["id"].as_str().unwrap().to_string();
    assert_eq!(ada.publish(&metadata_only_id).await["access"]["status"], "metadata-only");
    let (status, mine) = ada.get("/api/user/records").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["hits"]["total"], 3, "three records and no open drafts");
    // A page at a time, newest first, with links to the next.
    let (_, first) = ada.get("/api/user/records?size=2").await;
    let ids =
        |page: &Value| page["hits"]["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!((ids(&first).len(), first["hits"]["total"].as_u64()), (2, Some(3)), "{first}");
    assert!(first["links"]["next"].as_str().unwrap().ends_with("/api/user/records?size=2&page=2"), "{first}");
    let (_, second) = ada.get("/api/user/records?size=2&page=2").await;
    assert_eq!(ids(&second).len(), 1, "{second}");
    assert!(second["links"].get("next").is_none() && second["links"]["prev"].is_string(), "{second}");
    assert_eq!([ids(&first), ids(&second)].concat(), ids(&mine), "the pages hold the whole list, in its order");
    assert_eq!(ada.get("/api/user/records?size=0").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(anonymous.get("/api/user/records").await.0, StatusCode::UNAUTHORIZED);

    // Pages for people.
    let page = reqwest::get(server.url(&format!("/records/{draft_id}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>River temperatures of the Taff (corrected)</h1>"), "{page}");
    assert!(
        page.contains("Lovelace, A., &#38; Afon Data Group (2024). River temperatures of the Taff (corrected) [Dataset]. Tessera."),
        "{page}"
    );
    assert!(page.contains("a newer version exists"));
    let search = reqwest::get(server.url("/search?q=taff")).await.unwrap().text().await.unwrap();
    assert!(search.contains("1 record for “taff”"), "{search}");
    let openapi: Value = reqwest::get(server.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    for path in ["/api/records", "/api/records/{id}/draft/actions/publish", "/api/records/{id}/files-archive", "/api/user/records"] {
        assert!(openapi["paths"].get(path).is_some(), "the OpenAPI document lacks {path}");
    }
    vec![draft_id, v2, metadata_only_id]
}

fn md5_hex(content: &[u8]) -> String {
    use md5::Digest;
    tessera_storage::hex(&md5::Md5::digest(content))
}

/// The archive's entries as Python's zipfile reads them (it checks every CRC).
pub(crate) fn zip_listing(zip: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.zip");
    std::fs::write(&path, zip).unwrap();
    let script = "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nfor i in z.infolist(): print(i.filename, i.file_size)";
    let output = Command::new("python3").args(["-c", script]).arg(&path).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect()
}

/// Storage passes Tessera's own verify and the OCFL reference validator.
fn check_storage(server: &TestServer) {
    let verify = server.cli(&["verify"]);
    assert!(verify.status.success(), "{}", describe(&verify));
    assert!(String::from_utf8_lossy(&verify.stdout).contains(": 0 errors, 0 warnings"), "{}", describe(&verify));
    let reference = Command::new(ocfl_validator()).arg(server.data_dir.join("ocfl")).output().expect("running ocfl-validate.py");
    assert!(reference.status.success(), "ocfl-py rejects the storage root: {}", describe(&reference));
}

/// Every public API answer for these records, for comparison before and after a rebuild.
async fn snapshot(api: &Api, ids: &[String]) -> Vec<Value> {
    let mut answers = Vec::new();
    for id in ids {
        for path in [format!("/api/records/{id}"), format!("/api/records/{id}/versions"), format!("/api/records/{id}/files")] {
            answers.push(api.get(&path).await.1);
        }
    }
    for query in ["/api/records", "/api/records?q=river", "/api/records?allversions=true&sort=oldest"] {
        answers.push(api.get(query).await.1);
    }
    answers
}

#[tokio::test]
async fn lifecycle_on_sqlite_then_rebuild_from_storage() {
    let mut server = start(TestServerConfig::default()).await;
    let ids = lifecycle(&server).await;
    check_storage(&server);
    let before = snapshot(&Api::new(&server, None), &ids).await;

    // Lose the catalogue and the index entirely; storage alone brings the records back.
    server.stop();
    for entry in std::fs::read_dir(&server.data_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("catalog.db") {
            std::fs::remove_file(&path).unwrap();
        } else if name == "index" {
            std::fs::remove_dir_all(&path).unwrap();
        }
    }
    let rebuilt = server.cli_ok(&["rebuild"]);
    assert!(rebuilt.contains("rebuilt 3 records from 2 OCFL objects"), "{rebuilt}");
    server.start_again().await;
    let after = snapshot(&Api::new(&server, None), &ids).await;
    assert_eq!(before, after);
    check_storage(&server);
}

#[tokio::test]
async fn lifecycle_on_postgres() {
    let database = fresh_postgres().await;
    let server = start(TestServerConfig { database_url: Some(database.url.clone()), ..Default::default() }).await;
    lifecycle(&server).await;
    check_storage(&server);
}

/// A draft's file reads back before it is published, whether uploaded to it or carried from
/// the version before, whole or a range; only those who may see the draft read it. A new
/// version's draft brings back with `files-import` a file of the version before deleted from
/// it, and a first version has none to bring.
#[tokio::test]
async fn a_draft_file_reads_back_and_files_import_brings_back_the_last_versions() {
    let server = start(TestServerConfig::default()).await;
    let api = Api::new(&server, Some(server.user_token("ada@example.org")));
    let id = api.draft_with_files(metadata("Gauges"), &[("a.csv", b"site,level\nA,1\n"), ("b.txt", b"read daily")]).await;
    let (status, headers, body) = api.bytes(&format!("/api/records/{id}/draft/files/a.csv/content")).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"site,level\nA,1\n"[..]));
    assert_eq!(headers[ETAG], format!("\"{}\"", md5_hex(b"site,level\nA,1\n")).as_str());
    let ranged = api.request(reqwest::Method::GET, &format!("/api/records/{id}/draft/files/b.txt/content")).header(RANGE, "bytes=5-");
    let ranged = ranged.send().await.expect("a range");
    assert_eq!((ranged.status(), ranged.headers()[CONTENT_RANGE].to_str().unwrap()), (StatusCode::PARTIAL_CONTENT, "bytes 5-9/10"));
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), b"daily");
    let (status, _) = api.post(&format!("/api/records/{id}/draft/files"), json!([{"key": "empty.bin"}])).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, problem) = api.get(&format!("/api/records/{id}/draft/files/empty.bin/content")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no content yet: {problem}");
    let (status, _, _) =
        Api::new(&server, Some(server.user_token("eve@example.org"))).bytes(&format!("/api/records/{id}/draft/files/a.csv/content")).await;
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "another depositor: {status}");
    let (status, _, _) = Api::new(&server, None).bytes(&format!("/api/records/{id}/draft/files/a.csv/content")).await;
    assert!(status.is_client_error(), "anonymous: {status}");
    let (status, problem) = api.post_empty(&format!("/api/records/{id}/draft/actions/files-import")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a first version: {problem}");
    assert_eq!(api.delete(&format!("/api/records/{id}/draft/files/empty.bin")).await.0, StatusCode::NO_CONTENT);
    api.publish(&id).await;

    let (status, version) = api.post_empty(&format!("/api/records/{id}/versions")).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let next = version["id"].as_str().expect("an id").to_string();
    let (status, _, carried) = api.bytes(&format!("/api/records/{next}/draft/files/b.txt/content")).await;
    assert_eq!((status, carried.as_slice()), (StatusCode::OK, &b"read daily"[..]), "carried from version 1");
    assert_eq!(api.delete(&format!("/api/records/{next}/draft/files/a.csv")).await.0, StatusCode::NO_CONTENT);
    let imported = |body: &Value| body["entries"].as_array().expect("entries").iter().map(|f| f["key"].clone()).collect::<Vec<_>>();
    let (status, body) = api.post_empty(&format!("/api/records/{next}/draft/actions/files-import")).await;
    assert_eq!((status, imported(&body)), (StatusCode::CREATED, vec![json!("a.csv"), json!("b.txt")]), "{body}");
    let (status, body) = api.post_empty(&format!("/api/records/{next}/draft/actions/files-import")).await;
    assert_eq!((status, imported(&body).len()), (StatusCode::CREATED, 2), "again, nothing more: {body}");
    let trail = server.cli_ok(&["audit", "export"]);
    assert_eq!(trail.matches("\"draft-files-imported\"").count(), 1, "one import brought a file back");
    let (status, record) = api.post_empty(&format!("/api/records/{next}/draft/actions/publish")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{record}");
    let (_, _, back) = api.bytes(&format!("/api/records/{next}/files/a.csv/content")).await;
    assert_eq!(back, b"site,level\nA,1\n");
}
