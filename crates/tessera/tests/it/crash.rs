//! Killing the server (SIGKILL) in the middle of uploads and publishes loses nothing that was
//! acknowledged, leaves no half-published version and no corrupt object.

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::{TestServerConfig, describe};

use crate::helpers::{Api, metadata, ocfl_validator, start};

const ROUNDS: usize = 4;
const DRAFTS_PER_ROUND: usize = 6;

fn content(draft: usize, file: usize) -> Vec<u8> {
    (0..400_000).map(|i| ((i * 7 + draft * 13 + file) % 256) as u8).collect()
}

#[tokio::test]
async fn sigkill_during_uploads_and_publishes() {
    let mut server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let mut rng = rand::thread_rng();
    // Record id → the files it was published with, for every publish the server acknowledged.
    let mut acknowledged: HashMap<String, Vec<(String, Vec<u8>)>> = HashMap::new();
    let mut unacknowledged: Vec<String> = Vec::new();

    for round in 0..ROUNDS {
        let api = Api::new(&server, Some(token.clone()));
        let mut ids = Vec::new();
        for d in 0..DRAFTS_PER_ROUND {
            let files: Vec<(String, Vec<u8>)> = (0..4).map(|f| (format!("part-{f}.bin"), content(round * 10 + d, f))).collect();
            let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(k, c)| (k.as_str(), c.as_slice())).collect();
            let id = api.draft_with_files(metadata(&format!("Crash round {round} draft {d}")), &borrowed).await;
            ids.push((id, files));
        }
        // Publish every draft and upload into new ones at once, then kill at a random moment.
        let mut tasks = Vec::new();
        for (id, files) in ids.clone() {
            let api = api.clone();
            tasks.push(tokio::spawn(async move {
                let response = api.request(reqwest::Method::POST, &format!("/api/records/{id}/draft/actions/publish")).send().await;
                (id, files, response.map(|r| r.status()).ok())
            }));
        }
        for u in 0..3u8 {
            let api = api.clone();
            // These requests die with the server; their errors are expected and ignored.
            tokio::spawn(async move {
                let created =
                    api.request(reqwest::Method::POST, "/api/records").json(&json!({"metadata": metadata("in flight")})).send().await;
                let Ok(draft) = created else { return };
                let Ok(draft) = draft.json::<serde_json::Value>().await else { return };
                let Some(id) = draft["id"].as_str() else { return };
                let _ = api
                    .request(reqwest::Method::POST, &format!("/api/records/{id}/draft/files"))
                    .json(&json!([{"key": "big.bin"}]))
                    .send()
                    .await;
                let _ = api
                    .request(reqwest::Method::PUT, &format!("/api/records/{id}/draft/files/big.bin/content"))
                    .header("content-type", "application/octet-stream")
                    .body(vec![u; 5_000_000])
                    .send()
                    .await;
            });
        }
        // Early kills catch commits in progress; later ones let some publishes finish. The last
        // round waits long enough that acknowledged publishes exist whatever the dice said.
        let delay = if round == ROUNDS - 1 { 2000 } else { rng.gen_range(20..700) };
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill();
        let mut acknowledged_now = 0;
        for task in tasks {
            let (id, files, status) = task.await.unwrap();
            if status == Some(StatusCode::ACCEPTED) {
                acknowledged_now += 1;
                acknowledged.insert(id, files);
            } else {
                unacknowledged.push(id);
            }
        }
        eprintln!("round {round}: {acknowledged_now} of {DRAFTS_PER_ROUND} publishes acknowledged before the kill");
        server.start_again().await;
    }

    let api = Api::new(&server, Some(token.clone()));
    for (id, files) in &acknowledged {
        let (status, record) = api.get(&format!("/api/records/{id}")).await;
        assert_eq!(status, StatusCode::OK, "acknowledged record {id} was lost: {record}");
        for (key, bytes) in files {
            assert_eq!(&api.bytes(&format!("/api/records/{id}/files/{key}/content")).await.2, bytes, "{id}/{key}");
        }
    }
    // Unacknowledged publishes either happened completely or not at all.
    let mut published_ids: Vec<&String> = acknowledged.keys().collect();
    let mut still_drafts = Vec::new();
    for id in &unacknowledged {
        let published = api.get(&format!("/api/records/{id}")).await.0 == StatusCode::OK;
        let drafted = api.get(&format!("/api/records/{id}/draft")).await.0 == StatusCode::OK;
        assert!(published ^ drafted, "record {id}: published {published}, draft {drafted}");
        if published {
            assert_eq!(api.get(&format!("/api/records/{id}/files")).await.1["entries"].as_array().unwrap().len(), 4, "record {id}");
            published_ids.push(id);
        } else {
            still_drafts.push(id);
        }
    }
    // Each publish that happened is in the audit trail exactly once, whenever the kill came.
    let trail = server.cli_ok(&["audit", "export"]);
    for id in published_ids {
        let entries = trail.lines().filter(|l| l.contains("\"record-published\"") && l.contains(&format!("\"record {id}\""))).count();
        assert_eq!(entries, 1, "record {id} has {entries} publish entries");
    }
    assert!(server.cli(&["audit", "verify"]).status.success());
    assert!(!acknowledged.is_empty(), "no publish finished before any kill; the test proved nothing");
    // A publish the kill cut short gave its draft back at the restart: it publishes now, or
    // says what it lacks, rather than that it is being published.
    for id in still_drafts {
        let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/actions/publish")).await;
        assert!(matches!(status.as_u16(), 202 | 400), "draft {id}: {status} {body}");
    }
    let verify = server.cli(&["verify"]);
    assert!(verify.status.success(), "{}", describe(&verify));
    let reference = Command::new(ocfl_validator()).arg(server.data_dir.join("ocfl")).output().unwrap();
    assert!(reference.status.success(), "{}", describe(&reference));
    // No partial upload survives a restart.
    for draft in std::fs::read_dir(server.data_dir.join("staging")).unwrap() {
        for file in std::fs::read_dir(draft.unwrap().path()).unwrap() {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".part"), "partial upload {name} left behind");
        }
    }
}
