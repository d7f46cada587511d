//! The CLI: `deposit` a folder and `get` it back, and clear errors for bad settings.

use std::path::Path;

use tessera_testkit::{TestServer, TestServerConfig, describe};

use crate::helpers::{Api, BIN, check_exports, start};
use crate::lifecycle::zip_listing;

#[tokio::test]
async fn deposit_a_folder_and_get_it_back() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("survey");
    std::fs::create_dir_all(folder.join("raw/2024")).unwrap();
    std::fs::write(folder.join("README.md"), "# Survey\n").unwrap();
    std::fs::write(folder.join("raw/2024/counts.csv"), "site,count\nA,3\n").unwrap();
    std::fs::write(folder.join("raw/big.bin"), vec![42u8; 1_500_000]).unwrap();
    let metadata = work.path().join("record.yaml");
    std::fs::write(
        &metadata,
        "resource_type: {id: dataset}\ntitle: Bird survey\npublication_date: '2025'\ncreators:\n  - person_or_org: {type: personal, family_name: Nightingale, given_name: Florence}\n",
    )
    .unwrap();

    let id = deposit_published(&server, &token, &metadata, &folder);

    let out = work.path().join("copy");
    let get = std::process::Command::new(BIN).args(["get", &id, "--server", &server.base_url, "--output"]).arg(&out).output().unwrap();
    assert!(get.status.success(), "{}", describe(&get));
    for file in ["README.md", "raw/2024/counts.csv", "raw/big.bin"] {
        assert_eq!(std::fs::read(out.join(file)).unwrap(), std::fs::read(folder.join(file)).unwrap(), "{file}");
    }

    // A metadata problem is reported with its field, and nothing is published.
    std::fs::write(&metadata, "{\"title\": \"No creators\"}").unwrap();
    std::fs::rename(&metadata, work.path().join("record.json")).unwrap();
    let failed = std::process::Command::new(BIN)
        .args(["deposit", "--server", &server.base_url, "--token", &token, "--publish", "--metadata"])
        .arg(work.path().join("record.json"))
        .arg(folder.join("README.md"))
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("metadata.creators: at least one creator is required"), "{stderr}");
    // Found before any byte went, and the empty draft made to find it is gone.
    assert!(stderr.contains("nothing was uploaded;"), "{stderr}");
    assert!(!stderr.contains("files.enabled"), "the files it would have sent are not a problem: {stderr}");
    let mine = Api::new(&server, Some(token.clone()));
    let (_, listed) = mine.get("/api/user/records").await;
    assert_eq!(listed["hits"]["total"], 1, "only the record published above: {listed}");

    // Without --publish the draft is kept, with what it lacks to be published.
    let kept = std::process::Command::new(BIN)
        .args(["deposit", "--server", &server.base_url, "--token", &token, "--metadata"])
        .arg(work.path().join("record.json"))
        .arg(folder.join("README.md"))
        .output()
        .unwrap();
    assert!(kept.status.success(), "{}", describe(&kept));
    let stderr = String::from_utf8_lossy(&kept.stderr);
    assert!(stderr.contains("uploaded 1 file, ") && stderr.contains("before it can be published"), "{stderr}");
    assert!(stderr.contains("metadata.creators: at least one creator is required"), "{stderr}");
    let (_, listed) = mine.get("/api/user/records").await;
    assert_eq!(listed["hits"]["total"], 2, "{listed}");
}

/// A dataset of more files than the server reads from its catalogue at once (1,000) comes out
/// whole: as a zip made a page at a time, with a central directory listing every file, and
/// as a file list paged by the client.
#[tokio::test]
async fn a_dataset_of_many_files_streams_out_whole() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("plates");
    let names: Vec<String> = (0..2_345).map(|i| format!("box-{:02}/plate-{i:05}.txt", i % 7)).collect();
    for (i, name) in names.iter().enumerate() {
        std::fs::create_dir_all(folder.join(name).parent().unwrap()).unwrap();
        std::fs::write(folder.join(name), "x".repeat(i % 50)).unwrap();
    }
    let metadata = work.path().join("record.yaml");
    std::fs::write(
        &metadata,
        "resource_type: {id: image}\ntitle: Glass plates\npublication_date: '1911'\ncreators:\n  - person_or_org: {type: organizational, name: Observatory}\n",
    )
    .unwrap();
    let id = deposit_published(&server, &token, &metadata, &folder);

    let mut expected: Vec<String> = names.iter().enumerate().map(|(i, name)| format!("{name} {}", i % 50)).collect();
    expected.sort();
    let anonymous = Api::new(&server, None);
    let (status, _, zip) = anonymous.bytes(&format!("/api/records/{id}/files-archive")).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(zip_listing(&zip), expected);

    let mut listed = Vec::new();
    for page in 1..=3 {
        let (status, body) = anonymous.get(&format!("/api/records/{id}/files?page={page}&size=1000")).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        assert_eq!(body["total"], 2_345);
        let entries = body["entries"].as_array().unwrap();
        listed.extend(entries.iter().map(|e| format!("{} {}", e["key"].as_str().unwrap(), e["size"])));
    }
    assert_eq!(listed, expected);
    // Asked for no page, the whole list comes streamed a thousand files at a time, and so does
    // a new version's draft, each of its pages after the last key of the one before.
    let listing = |body: &serde_json::Value| -> Vec<String> {
        body["entries"].as_array().unwrap().iter().map(|e| format!("{} {}", e["key"].as_str().unwrap(), e["size"])).collect()
    };
    let (status, body) = anonymous.get(&format!("/api/records/{id}/files")).await;
    assert_eq!((status, &body["total"]), (reqwest::StatusCode::OK, &serde_json::json!(2_345)));
    assert_eq!(listing(&body), expected);
    // A data package of them lists each, in the descriptor written after them.
    let (status, _, package) = anonymous.bytes(&format!("/api/records/{id}/export/datapackage")).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let entries = zip_listing(&package);
    let root = format!("record-{id}/");
    let packaged: Vec<String> = entries[..entries.len() - 1].iter().map(|entry| entry.strip_prefix(&root).unwrap().to_string()).collect();
    assert_eq!((packaged, entries.last().unwrap().starts_with(&format!("{root}datapackage.json "))), (expected.clone(), true));
    // A bag and an RO-Crate too: their files first, then the metadata made from them.
    for (format, files_under, metadata) in [("bagit", "data/", "tagmanifest-sha512.txt"), ("ro-crate", "", "ro-crate-metadata.json")] {
        let (status, _, package) = anonymous.bytes(&format!("/api/records/{id}/export/{format}")).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{format}");
        let entries = zip_listing(&package);
        let under = format!("{root}{files_under}");
        let packaged: Vec<String> = entries.iter().filter_map(|entry| entry.strip_prefix(&under).map(str::to_string)).collect();
        assert_eq!(packaged[..2_345], expected[..], "{format}");
        assert!(entries[..2_345].iter().all(|entry| entry.starts_with(&under)), "{format}: files first");
        assert!(entries.last().unwrap().starts_with(&format!("{root}{metadata} ")), "{format}: {:?}", &entries[2_345..]);
    }
    // As tars, whose headers state each entry's size before it, so the metadata is made twice,
    // a thousand files at a time: the reference tools read all 2,345 files in each.
    let mut checked = Vec::new();
    for format in ["bagit", "ro-crate", "datapackage"] {
        let (status, _, package) = anonymous.bytes(&format!("/api/records/{id}/export/{format}?archive=tar")).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{format}");
        checked.push(check_exports(format, &[(&format!("{format}.tar"), &package)]));
    }
    let [bag, crate_metadata, package] = &checked[..] else { unreachable!() };
    assert_eq!((bag["payload"].as_array().unwrap().len(), &bag["info"]["Payload-Oxum"]), (2_345, &serde_json::json!("57340.2345")));
    assert!(crate_metadata["valid"].as_bool().unwrap(), "{:?}", crate_metadata["issues"]);
    let graph = crate_metadata["metadata"]["@graph"].as_array().unwrap();
    assert_eq!(graph.iter().filter(|entity| entity["@type"] == "File").count(), 2_345);
    assert!(package["valid"].as_bool().unwrap(), "{:?}", package["errors"]);
    assert_eq!(package["descriptor"]["resources"].as_array().unwrap().len(), 2_345);
    // So does Zenodo's view of the record.
    let zenodo = anonymous.request(reqwest::Method::GET, &format!("/api/records/{id}")).header("accept", "application/vnd.zenodo.v1+json");
    let (status, body) = anonymous.send(zenodo).await;
    assert_eq!((status, &body["metadata"]["title"]), (reqwest::StatusCode::OK, &serde_json::json!("Glass plates")));
    let zenodo_files: Vec<String> =
        body["files"].as_array().unwrap().iter().map(|f| format!("{} {}", f["key"].as_str().unwrap(), f["size"])).collect();
    assert_eq!(zenodo_files, expected);
    let owner = Api::new(&server, Some(token.clone()));
    let (status, draft) = owner.post_empty(&format!("/api/records/{id}/versions")).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{draft}");
    let draft_files = format!("/api/records/{}/draft/files", draft["id"].as_str().unwrap());
    let (_, body) = owner.get(&draft_files).await;
    assert_eq!((listing(&body), &body["total"], &body["enabled"]), (expected.clone(), &serde_json::json!(2_345), &serde_json::json!(true)));
    // A numbered page links to its neighbours.
    let (_, body) = owner.get(&format!("{draft_files}?size=1000&page=2")).await;
    assert_eq!(listing(&body), expected[1000..2000]);
    assert!(body["links"]["prev"].as_str().unwrap().ends_with("size=1000&page=1"), "{}", body["links"]);
    assert!(body["links"]["next"].as_str().unwrap().ends_with("size=1000&page=3"), "{}", body["links"]);
    let (_, body) = owner.get(&format!("{draft_files}?size=1000&page=3")).await;
    assert_eq!((listing(&body).len(), body["links"].get("next")), (345, None));
    // A page far past the end is empty, not an overflow.
    let (status, body) = anonymous.get(&format!("/api/records/{id}/files?page={}&size=1000", i64::MAX)).await;
    assert_eq!((status, body["entries"].as_array().map(Vec::len)), (reqwest::StatusCode::OK, Some(0)), "{body}");
    let (status, _) = anonymous.get(&format!("/records/{id}?files_page={}", i64::MAX)).await;
    assert_eq!(status, reqwest::StatusCode::OK);

    // `tessera get` reads the list a page at a time. Run again, it keeps the files that are
    // there with their checksums and fetches those missing or damaged.
    let out = work.path().join("copy");
    let get = || std::process::Command::new(BIN).args(["get", &id, "--server", &server.base_url, "--output"]).arg(&out).output().unwrap();
    let first = get();
    assert!(first.status.success(), "{}", describe(&first));
    let same = |name: &str| std::fs::read(out.join(name)).ok() == std::fs::read(folder.join(name)).ok();
    assert!(names.iter().all(|name| same(name)));
    std::fs::remove_file(out.join(&names[7])).unwrap();
    std::fs::write(out.join(&names[49]), "y".repeat(49)).unwrap();
    let again = get();
    assert!(again.status.success(), "{}", describe(&again));
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("2345 files (2343 of them already there)"), "{said}");
    assert!(same(&names[7]) && same(&names[49]), "fetched again");

    // Deleting them all: the audit trail names every file, a thousand to an entry, and each
    // entry says which part of the deletion it is.
    server.cli_ok(&["admin", "create-user", "root@example.org", "--admin"]);
    let admin = server.cli_ok(&["admin", "create-token", "root@example.org", "--scopes", "read deposit steward admin"]);
    let admin = Api::new(&server, Some(admin.trim().to_string()));
    let (status, request) =
        owner.post(&format!("/api/records/{id}/deletion-requests"), serde_json::json!({"reason": "Plates lent out"})).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{request}");
    let approve = format!("/api/deletion-requests/{}/approve", request["id"].as_str().unwrap());
    let (status, approved) = admin.post(&approve, serde_json::json!({})).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{approved}");
    let trail = server.cli_ok(&["audit", "export"]);
    let parts: Vec<serde_json::Value> = trail
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|entry| entry["action"] == "files-deleted")
        .map(|entry| serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap())
        .collect();
    let numbered: Vec<(u64, u64, usize)> =
        parts.iter().map(|p| (p["part"].as_u64().unwrap(), p["parts"].as_u64().unwrap(), p["files"].as_array().unwrap().len())).collect();
    assert_eq!(numbered, [(1, 3, 1000), (2, 3, 1000), (3, 3, 345)]);
    let mut named: Vec<&str> = parts.iter().flat_map(|p| p["files"].as_array().unwrap()).map(|f| f["key"].as_str().unwrap()).collect();
    named.sort_unstable();
    let mut sorted_names: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted_names.sort_unstable();
    assert_eq!(named, sorted_names);
    let reason = "deleted at the depositor's request: Plates lent out";
    assert!(parts.iter().all(|p| p["reason"] == reason && p["ocfl_version"] == parts[0]["ocfl_version"]), "{:?}", parts[0]["reason"]);
    assert!(server.cli(&["audit", "verify"]).status.success());
}

/// `tessera verify` stopped with Ctrl-C says what it had checked so far, and fails.
#[tokio::test]
async fn verify_stopped_short_says_how_far_it_got() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("scans");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("large.tif"), b"a stand-in").unwrap();
    let metadata = work.path().join("record.yaml");
    std::fs::write(
        &metadata,
        "resource_type: {id: image}\ntitle: Scans\npublication_date: '2025'\ncreators:\n  - person_or_org: {type: organizational, name: Archive}\n",
    )
    .unwrap();
    deposit_published(&server, &token, &metadata, &folder);
    // The stored file grows to a GiB with nothing on disk, so hashing it takes a second or more.
    let stored = find_file(&server.data_dir.join("ocfl"), "large.tif").expect("the stored file");
    std::fs::OpenOptions::new().write(true).open(&stored).unwrap().set_len(1 << 30).unwrap();

    let verify = server.cli_spawn(&["verify"]);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(std::process::Command::new("kill").args(["-INT", &verify.id().to_string()]).status().unwrap().success());
    let output = verify.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let totals = stdout.lines().last().unwrap_or_default();
    // Out of one object ("of 1"), unless the signal came before storage was even walked.
    let stopped = ["interrupted: checked 0 of 1 objects, ", "interrupted: checked 0 objects, "];
    assert!(stopped.iter().any(|start| totals.starts_with(start)), "{}", describe(&output));
    assert!(totals.ends_with("0 files, 0 bytes: 0 errors, 0 warnings"), "{}", describe(&output));
}

/// The first file named `name` under `dir`.
fn find_file(dir: &Path, name: &str) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let path = entry.path();
        if path.is_dir() { find_file(&path, name) } else { (entry.file_name() == name).then_some(path) }
    })
}

/// Deposits and publishes `folder` with `tessera deposit`, and returns the new record's id
/// from the landing page address it prints.
fn deposit_published(server: &TestServer, token: &str, metadata: &Path, folder: &Path) -> String {
    let deposit = std::process::Command::new(BIN)
        .args(["deposit", "--server", &server.base_url, "--token", token, "--publish", "--metadata"])
        .arg(metadata)
        .arg(folder)
        .output()
        .unwrap();
    assert!(deposit.status.success(), "{}", describe(&deposit));
    let url = String::from_utf8(deposit.stdout.clone()).unwrap();
    let id = url.trim().rsplit('/').next().unwrap().to_string();
    assert!(url.trim().ends_with(&format!("/records/{id}")), "{}", describe(&deposit));
    id
}

#[test]
fn bad_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tessera.toml");
    std::fs::write(&config, "[http]\nbnd = \"127.0.0.1:1\"\n").unwrap();
    let output =
        std::process::Command::new(BIN).args(["verify", "--config"]).arg(&config).arg("--data-dir").arg(dir.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown field `bnd`"), "{}", describe(&output));
    let output = std::process::Command::new(BIN).args(["serve", "--bind", "nowhere", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("'nowhere' is not an address"), "{}", describe(&output));
    // Checking or rebuilding from a folder with no storage in it fails, and makes nothing there:
    // a mistyped folder must not pass a fixity check. So do the commands that look at an
    // installation: an empty audit trail is not an intact one.
    let typo = dir.path().join("tesera-data");
    for (command, says) in [
        (&["verify"][..], "there is no OCFL storage root at"),
        (&["rebuild"], "there is no OCFL storage root at"),
        (&["audit", "verify"], "there is no Tessera installation at"),
        (&["reindex"], "there is no Tessera installation at"),
        (&["retention", "upcoming"], "there is no Tessera installation at"),
    ] {
        let output = std::process::Command::new(BIN).args(command).arg("--data-dir").arg(&typo).output().unwrap();
        assert!(!output.status.success(), "{command:?}: {}", describe(&output));
        assert!(String::from_utf8_lossy(&output.stderr).contains(says), "{}", describe(&output));
        assert!(!typo.exists(), "{command:?} made {}", typo.display());
    }
    // A folder without its catalogue is refused too.
    std::fs::create_dir(&typo).unwrap();
    let output = std::process::Command::new(BIN).args(["audit", "verify", "--data-dir"]).arg(&typo).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no catalogue at"), "{}", describe(&output));
    assert_eq!(std::fs::read_dir(&typo).unwrap().count(), 0);
}
