//! Embargoes end by themselves on their date, through a job that survives a crash.

use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, start};

#[tokio::test]
async fn an_embargo_is_lifted_on_its_date_even_after_a_crash() {
    // Jobs run at start-up and then hourly, so nothing is lifted while the test publishes.
    let config = TestServerConfig { env: vec![("TESSERA_JOBS_INTERVAL_SECONDS".into(), "3600".into())], ..Default::default() };
    let mut server = start(config).await;
    let owner = Api::new(&server, Some(server.user_token("owner@example.org")));
    let anonymous = Api::new(&server, None);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let mut ids = Vec::new();
    for until in [today.as_str(), "2999-01-01"] {
        let id = owner.draft_with_files(metadata("Embargoed survey"), &[("data.csv", b"a\n1\n")]).await;
        let access =
            json!({"record": "public", "files": "public", "embargo": {"active": true, "until": until, "reason": "paper in review"}});
        let (status, body) =
            owner.put(&format!("/api/records/{id}/draft"), json!({"metadata": metadata("Embargoed survey"), "access": access})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let record = owner.publish(&id).await;
        assert_eq!(record["access"]["status"], "embargoed");
        let (status, body) = anonymous.get(&format!("/api/records/{id}/files/data.csv/content")).await;
        assert_eq!((status, body["detail"].as_str()), (StatusCode::FORBIDDEN, Some("permission denied: the files are under embargo")));
        assert_eq!(owner.get(&format!("/api/records/{id}/files/data.csv/content")).await.0, StatusCode::OK);
        ids.push(id);
    }

    // The server dies before its next pass; the job waits in the catalogue and runs at start-up.
    server.kill();
    server.set_env("TESSERA_JOBS_INTERVAL_SECONDS", "1");
    server.start_again().await;
    // The search index is the last thing the job updates; wait for it.
    let mut open_hits = 0;
    for _ in 0..100 {
        open_hits = anonymous.get("/api/records?q=embargoed&access_status=open").await.1["hits"]["total"].as_u64().unwrap_or(0);
        if open_hits > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(open_hits, 1, "the embargo that ended today is lifted, and the index follows");
    let ended = format!("/api/records/{}/files/data.csv/content", ids[0]);
    assert_eq!(anonymous.get(&ended).await.0, StatusCode::OK);
    let (_, record) = anonymous.get(&format!("/api/records/{}", ids[0])).await;
    assert_eq!(
        (record["access"]["embargo"]["active"].as_bool(), record["access"]["status"].as_str()),
        (Some(false), Some("open")),
        "{record}"
    );
    assert_eq!(
        anonymous.get(&format!("/api/records/{}/files/data.csv/content", ids[1])).await.0,
        StatusCode::FORBIDDEN,
        "the other is not due"
    );

    // The record's history in storage says when and why its files opened, and storage is sound.
    let output = server.cli(&["verify"]);
    assert!(output.status.success(), "{}", tessera_testkit::describe(&output));
    let history = find_text(&server.data_dir.join("ocfl"), "Lift the embargo of record");
    assert!(history, "an OCFL version records the lifting");
    assert!(server.log().contains("embargo lifted"));
}

/// Whether any `inventory.json` under `dir` contains `needle`.
fn find_text(dir: &std::path::Path, needle: &str) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            find_text(&path, needle)
        } else {
            path.file_name().is_some_and(|n| n == "inventory.json")
                && std::fs::read_to_string(&path).is_ok_and(|text| text.contains(needle))
        }
    })
}
