//! The search index is rebuilt from the catalogue beside the one that answers: asked of the
//! running server through the API or `tessera reindex`, or done by `tessera reindex` itself
//! while no server runs.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, start};

/// Waits for the index to reach `generation` with nothing queued, and returns its state.
async fn wait_for_generation(admin: &Api, generation: u64) -> Value {
    for _ in 0..300 {
        let (status, state) = admin.get("/api/admin/search-index").await;
        assert_eq!(status, StatusCode::OK, "{state}");
        if state["generation"] == generation && state["queued"] == false {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the index did not reach generation {generation}");
}

/// The generation folders under the index folder.
fn generations(server: &tessera_testkit::TestServer) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(server.data_dir.join("index"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "current")
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_index_is_rebuilt_while_the_server_answers_from_the_current_one() {
    let config = TestServerConfig { env: vec![("TESSERA_JOBS_INTERVAL_SECONDS".into(), "1".into())], ..Default::default() };
    let mut server = start(config).await;
    server.cli_ok(&["admin", "create-user", "root@example.org", "--admin"]);
    let admin =
        Api::new(&server, Some(server.cli_ok(&["admin", "create-token", "root@example.org", "--scopes", "read,admin"]).trim().into()));
    let owner = Api::new(&server, Some(server.user_token("owner@example.org")));
    let anonymous = Api::new(&server, None);
    for title in ["Afon Taf temperatures", "Afon Teifi levels", "Llyn Tegid depths"] {
        let id = owner.draft_with_files(metadata(title), &[("data.csv", b"a\n1\n")]).await;
        owner.publish(&id).await;
    }
    let (status, state) = admin.get("/api/admin/search-index").await;
    assert_eq!(status, StatusCode::OK, "{state}");
    let first = state["generation"].as_u64().unwrap();
    assert_eq!((&state["documents"], &state["rebuilding"], &state["queued"]), (&3.into(), &Value::Null, &false.into()));
    assert_eq!(owner.get("/api/admin/search-index").await.0, StatusCode::FORBIDDEN);
    assert_eq!(owner.post_empty("/api/admin/search-index/rebuild").await.0, StatusCode::FORBIDDEN);
    assert_eq!(anonymous.post_empty("/api/admin/search-index/rebuild").await.0, StatusCode::UNAUTHORIZED);

    // Through the API: queued, then run by the server's jobs.
    let (status, state) = admin.post_empty("/api/admin/search-index/rebuild").await;
    assert_eq!((status, &state["queued"]), (StatusCode::ACCEPTED, &true.into()), "{state}");
    let state = wait_for_generation(&admin, first + 1).await;
    assert_eq!(state["documents"], 3);
    assert_eq!(anonymous.get("/api/records?q=teifi").await.1["hits"]["total"], 1);
    assert_eq!(generations(&server), [(first + 1).to_string()], "the replaced generation is gone");

    // `tessera reindex` beside the running server asks it to.
    let output = server.cli(&["reindex"]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && said.contains("the rebuild is left to the server"), "{said}");
    wait_for_generation(&admin, first + 2).await;

    // With the server stopped, the command rebuilds the index itself.
    server.stop();
    assert_eq!(server.cli_ok(&["reindex"]).trim(), "indexed 3 records");
    server.start_again().await;
    wait_for_generation(&admin, first + 3).await;
    assert_eq!(anonymous.get("/api/records?q=teifi").await.1["hits"]["total"], 1);
    assert_eq!(anonymous.get("/api/records?q=tegid").await.1["hits"]["total"], 1);
}
