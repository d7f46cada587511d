//! Access settings are enforced on every path to a restricted record's files, and `tessera
//! verify` notices when stored bytes change.

use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::{TestServerConfig, describe};

use crate::helpers::{Api, metadata, start};

#[tokio::test]
async fn restricted_files_are_refused_everywhere() {
    let server = start(TestServerConfig::default()).await;
    let owner = Api::new(&server, Some(server.user_token("owner@example.org")));
    let other = Api::new(&server, Some(server.user_token("other@example.org")));
    let anonymous = Api::new(&server, None);
    let id = owner.draft_with_files(metadata("Clinic visits"), &[("visits.csv", b"patient,visit\n1,2024-01-02\n")]).await;
    let (status, draft) = owner
        .put(
            &format!("/api/records/{id}/draft"),
            json!({"metadata": metadata("Clinic visits"), "access": {"record": "public", "files": "restricted"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    let record = owner.publish(&id).await;
    assert_eq!(record["access"]["status"], "restricted");

    let content = format!("/api/records/{id}/files/visits.csv/content");
    for (path, _) in [(content.clone(), ""), (format!("/api/records/{id}/files"), ""), (format!("/api/records/{id}/files-archive"), "")] {
        assert_eq!(anonymous.get(&path).await.0, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(other.get(&path).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(owner.get(&path).await.0, StatusCode::OK, "{path}");
    }
    // What the owner downloads stays out of every cache.
    let (_, headers, _) = owner.bytes(&content).await;
    assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-store"));
    // The metadata stays public and findable; the landing page says the files are restricted.
    assert_eq!(anonymous.get(&format!("/api/records/{id}")).await.0, StatusCode::OK);
    assert_eq!(anonymous.get("/api/records?q=clinic").await.1["hits"]["total"], 1);
    let page = reqwest::get(server.url(&format!("/records/{id}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains("The files of this record are restricted."), "{page}");
    assert!(!page.contains("visits.csv"), "the page must not list restricted files: {page}");
    assert!(server.log().contains("an active grant is needed"), "refusals are logged for audit");

    // A metadata-only record shows everyone its stub: title, creators, type, date; nothing else,
    // in the API, in search and on its page.
    let hidden = owner.draft_with_files(metadata("Hidden study"), &[("a.txt", b"a")]).await;
    owner
        .put(
            &format!("/api/records/{hidden}/draft"),
            json!({"metadata": metadata("Hidden study"), "access": {"record": "restricted", "files": "restricted"}}),
        )
        .await;
    owner.publish(&hidden).await;
    for api in [&anonymous, &other] {
        let (status, stub) = api.get(&format!("/api/records/{hidden}")).await;
        assert_eq!((status, stub["metadata_only"].as_bool()), (StatusCode::OK, Some(true)), "{stub}");
        assert_eq!(stub["metadata"]["title"], "Hidden study");
        assert_eq!(stub["metadata"]["creators"][0]["person_or_org"]["family_name"], "Lovelace");
        for private in ["description", "subjects", "rights", "identifiers", "publisher"] {
            assert!(stub["metadata"].get(private).is_none(), "the stub shows {private}: {stub}");
        }
        assert_eq!(stub["files"]["count"], 0);
        assert!(stub["links"]["request_access"].is_string(), "{stub}");
    }
    let (_, full) = owner.get(&format!("/api/records/{hidden}")).await;
    assert_eq!((full["metadata_only"].as_bool(), full["metadata"]["publisher"].as_str()), (None, Some("Tessera")));
    let (_, found) = anonymous.get("/api/records?q=hidden").await;
    assert_eq!((found["hits"]["total"].as_u64(), found["hits"]["hits"][0]["metadata_only"].as_bool()), (Some(1), Some(true)), "{found}");
    assert!(found["hits"]["hits"][0]["metadata"].get("description").is_none());
    // Words only the full metadata holds do not find it, and facets do not count its subjects.
    let (_, by_publisher) = anonymous.get("/api/records?q=hidden%20tessera").await;
    assert_eq!(by_publisher["hits"]["total"], 0, "{by_publisher}");
    // Nor does naming the field; the fields of its stub still find it.
    assert_eq!(anonymous.get("/api/records?q=metadata.publisher:tessera%20AND%20hidden").await.1["hits"]["total"], 0);
    assert_eq!(anonymous.get("/api/records?q=metadata.title:hidden").await.1["hits"]["total"], 1);
    let page = reqwest::get(server.url(&format!("/records/{hidden}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains("Only a short description of this record is public") && !page.contains("gauging stations"), "{page}");
}

#[tokio::test]
async fn verify_reports_a_damaged_file() {
    let mut server = start(TestServerConfig::default()).await;
    let api = Api::new(&server, Some(server.user_token("ada@example.org")));
    let id = api.draft_with_files(metadata("Fragile"), &[("data.bin", b"original bytes")]).await;
    api.publish(&id).await;
    assert!(server.cli(&["verify"]).status.success());

    let stored = walk(&server.data_dir.join("ocfl")).into_iter().find(|p| p.ends_with("files/data.bin")).expect("the stored file");
    std::fs::write(&stored, b"changed bytes!").unwrap();
    let verify = server.cli(&["verify"]);
    assert_eq!(verify.status.code(), Some(1), "{}", describe(&verify));
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(stdout.contains("ERROR E092") && stdout.contains("files/data.bin"), "{stdout}");

    // A copy of the object, put by hand where the storage root's layout does not put its id.
    let object = stored.ancestors().nth(5).expect("the object's folder");
    let elsewhere = server.data_dir.join("ocfl/fff/fff/fff");
    std::fs::create_dir_all(&elsewhere).unwrap();
    assert!(std::process::Command::new("cp").arg("-r").arg(object).arg(&elsewhere).status().unwrap().success());
    let verify = server.cli(&["verify"]);
    assert_eq!(verify.status.code(), Some(1), "{}", describe(&verify));
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(stdout.lines().any(|line| line.contains("fff/fff/fff/") && line.contains("ERROR LAYOUT")), "{stdout}");

    // A rebuild leaves the copy out, says so, and loads the object from its own place.
    server.stop();
    let rebuild = server.cli(&["rebuild"]);
    assert_eq!(rebuild.status.code(), Some(1), "{}", describe(&rebuild));
    let (stdout, stderr) = (String::from_utf8_lossy(&rebuild.stdout), String::from_utf8_lossy(&rebuild.stderr));
    assert!(stdout.contains("rebuilt 1 records from 1 OCFL objects"), "{stdout}");
    assert!(stderr.contains("left out fff/fff/fff/") && stderr.contains("1 damaged OCFL object was left out"), "{stderr}");
    server.start_again().await;
    assert_eq!(api.get(&format!("/api/records/{id}")).await.0, StatusCode::OK);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let server = start(TestServerConfig::default()).await;
    for path in ["/search", "/api/records", "/api/records/999", "/nowhere", "/assets/tessera.css"] {
        let response = reqwest::get(server.url(path)).await.unwrap();
        let headers = response.headers();
        let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        let cache = headers.get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let expected = if path.starts_with("/assets/") { "public, max-age=3600" } else { "no-store" };
        assert_eq!(cache, expected, "{path}");
    }
    // An open file may be kept by shared caches, which check back (ETag) before reusing it.
    let owner = Api::new(&server, Some(server.user_token("owner@example.org")));
    let id = owner.draft_with_files(metadata("Open"), &[("open.csv", b"a\n")]).await;
    owner.publish(&id).await;
    let (status, headers, _) = Api::new(&server, None).bytes(&format!("/api/records/{id}/files/open.csv/content")).await;
    assert_eq!((status, headers.get("cache-control").and_then(|v| v.to_str().ok())), (StatusCode::OK, Some("public, no-cache")));
    let page = reqwest::get(server.url("/search")).await.unwrap().text().await.unwrap();
    assert!(!page.contains("<style") && !page.contains("<script") && page.contains("/assets/tessera.css"), "no inline code: {page}");
}
