//! BagIt in: the BagIt conformance suite goes through `tessera import`. Every valid bag
//! becomes a draft with all its files. Every invalid one is refused with its problems named,
//! and nothing is created. A bag `tessera export` wrote comes back with its record's metadata.

use std::path::{Path, PathBuf};
use std::process::Output;

use reqwest::StatusCode;
use tessera_testkit::{TestServer, TestServerConfig, describe, fixtures_dir};

use crate::helpers::{Api, BIN, metadata, start};

fn import(server: &TestServer, token: &str, bag: &Path) -> Output {
    std::process::Command::new(BIN).args(["import", "--server", &server.base_url, "--token", token]).arg(bag).output().unwrap()
}

/// The bags of one kind (`valid`, `invalid`, …) of every BagIt version in the suite.
fn bags(kind: &str) -> Vec<PathBuf> {
    let suite = fixtures_dir().join("bagit");
    let mut bags: Vec<PathBuf> = std::fs::read_dir(&suite)
        .unwrap()
        .flatten()
        .flat_map(|version| std::fs::read_dir(version.path().join(kind)).into_iter().flatten().flatten())
        .map(|bag| bag.path())
        .filter(|path| path.is_dir())
        .collect();
    bags.sort();
    bags
}

fn payload_count(bag: &Path) -> usize {
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum()
    }
    count(&bag.join("data"))
}

#[tokio::test]
async fn the_bagit_conformance_suite_imports_exactly_the_valid_bags() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("archivist@example.org");
    let api = Api::new(&server, Some(token.clone()));
    let drafts = || async { api.get("/api/user/records").await.1["hits"]["total"].as_u64().unwrap() };

    let valid = bags("valid");
    assert!(valid.len() >= 25, "the suite's valid bags are there: {valid:?}");
    for bag in &valid {
        let output = import(&server, &token, bag);
        assert!(output.status.success(), "{}: {}", bag.display(), describe(&output));
        let link = String::from_utf8(output.stdout).unwrap();
        let id = link.trim().rsplit('/').nth(1).expect("the draft's link").to_string();
        let (status, files) = api.get(&format!("/api/records/{id}/draft/files")).await;
        assert_eq!((status, files["entries"].as_array().map(Vec::len)), (StatusCode::OK, Some(payload_count(bag))), "{}", bag.display());
        assert_eq!(files["total"], payload_count(bag), "{}", bag.display());
    }

    let before = drafts().await;
    let refused: Vec<PathBuf> = bags("invalid").into_iter().chain(bags("linux-only")).collect();
    assert!(refused.len() >= 20, "{refused:?}");
    for bag in &refused {
        let output = import(&server, &token, bag);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{} was accepted: {}", bag.display(), describe(&output));
        assert!(stderr.contains("is not a valid bag") || stderr.contains("is not a bag"), "{}: {stderr}", bag.display());
    }
    assert_eq!(drafts().await, before, "a refused bag creates nothing");

    // Bags that are valid with a warning import, and say what they noticed. One of the suite's
    // bags lists a .DS_Store that copies of the suite often lose; without it, that bag is
    // incomplete and refused.
    for bag in bags("warning") {
        let output = import(&server, &token, &bag);
        let complete = !bag.ends_with("special-system-files") || bag.join("data/.DS_Store").exists();
        assert_eq!(output.status.success(), complete, "{}: {}", bag.display(), describe(&output));
    }
    let case = import(&server, &token, &fixtures_dir().join("bagit/v0.97/warning/duplicate-file-with-different-case"));
    assert!(String::from_utf8_lossy(&case.stderr).contains("warning: manifest-sha512.txt lists 'data/HELLO.txt'"), "{}", describe(&case));
}

#[tokio::test]
async fn a_bag_tessera_exported_imports_with_its_metadata() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let api = Api::new(&server, Some(token.clone()));
    let id =
        api.draft_with_files(metadata("River temperatures"), &[("table.csv", b"site,temp\nA,4.5\n"), ("docs/notes.txt", b"calm")]).await;
    api.publish(&id).await;
    // `tessera export` writes the bag to a folder, unpacked and checked.
    let work = tempfile::tempdir().unwrap();
    let export = |format: &str, into: &Path| {
        std::process::Command::new(BIN)
            .args(["export", &id, "--format", format, "--server", &server.base_url, "--token", &token, "--output"])
            .arg(into)
            .output()
            .unwrap()
    };
    let bag = export("bagit", work.path());
    assert!(bag.status.success(), "{}", describe(&bag));
    assert!(String::from_utf8_lossy(&bag.stderr).contains("checked every checksum"), "{}", describe(&bag));
    assert!(work.path().join(format!("record-{id}/data/docs/notes.txt")).is_file());
    let bibtex = export("bibtex", work.path());
    assert!(bibtex.status.success(), "{}", describe(&bibtex));
    assert!(std::fs::read_to_string(work.path().join(format!("record-{id}.bib"))).unwrap().contains("River temperatures"));
    let wrong = export("marc21", work.path());
    assert!(!wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("not an export format"), "{}", describe(&wrong));

    let output = import(&server, &token, &work.path().join(format!("record-{id}")));
    assert!(output.status.success(), "{}", describe(&output));
    let draft = String::from_utf8(output.stdout).unwrap().trim().rsplit('/').nth(1).unwrap().to_string();
    let (_, body) = api.get(&format!("/api/records/{draft}/draft")).await;
    assert_eq!(body["metadata"]["title"], "River temperatures", "{body}");
    assert_eq!(body["metadata"]["creators"][0]["person_or_org"]["family_name"], "Lovelace");
    let (_, files) = api.get(&format!("/api/records/{draft}/draft/files")).await;
    let keys: Vec<&str> = files["entries"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["docs/notes.txt", "table.csv"]);
    // A data package comes back too: its files, the descriptor, and its title.
    let packages = tempfile::tempdir().unwrap();
    let package = export("datapackage", packages.path());
    assert!(package.status.success(), "{}", describe(&package));
    let package_dir = packages.path().join(format!("record-{id}"));
    let imported = import(&server, &token, &package_dir);
    assert!(imported.status.success(), "{}", describe(&imported));
    let draft = String::from_utf8(imported.stdout).unwrap().trim().rsplit('/').nth(1).unwrap().to_string();
    assert_eq!(api.get(&format!("/api/records/{draft}/draft")).await.1["metadata"]["title"], "River temperatures");
    let (_, files) = api.get(&format!("/api/records/{draft}/draft/files")).await;
    let keys: Vec<&str> = files["entries"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["datapackage.json", "docs/notes.txt", "table.csv"]);
    std::fs::write(package_dir.join("table.csv"), b"site,temp\nA,4.6\n").unwrap();
    std::fs::remove_file(package_dir.join("docs/notes.txt")).unwrap();
    let refused = import(&server, &token, &package_dir);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("2 problems"), "{}", describe(&refused));
    assert!(
        stderr.contains("'table.csv' does not match its hash") && stderr.contains("'docs/notes.txt' is not in the package"),
        "{stderr}"
    );

    // The same bag with one payload byte changed is refused before anything is uploaded.
    std::fs::write(work.path().join(format!("record-{id}/data/table.csv")), b"site,temp\nA,4.6\n").unwrap();
    let tampered = import(&server, &token, &work.path().join(format!("record-{id}")));
    assert!(
        !tampered.status.success()
            && String::from_utf8_lossy(&tampered.stderr).contains("'data/table.csv' does not match manifest-sha512.txt")
    );
}
