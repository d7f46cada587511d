//! Anyone reports a problem with a record, from its page or the API; its stewards triage it,
//! take the dataset down at once (every access but theirs suspended, the page saying so),
//! then restore it or delete its files; each step is audited and the reporter is told.

use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, member, metadata, person, start};
use crate::mail::MailSink;

#[tokio::test]
async fn reported_records_are_taken_down_then_restored_or_deleted() {
    let sink = MailSink::start().await;
    let mut server = start(TestServerConfig { env: sink.server_env(), ..Default::default() }).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    let steward = member(&server, "steward@example.org", "trust", "steward");
    let outsider = person(&server, "outsider@example.org", None);
    let anonymous = Api::new(&server, None);
    let mut ids = Vec::new();
    for title in ["Clinic list", "Ward rota"] {
        let id =
            owner.draft_from(json!({"organization": "trust", "metadata": metadata(title)}), &[("list.csv", b"name\nA. Patient\n")]).await;
        owner.publish(&id).await;
        ids.push(id);
    }
    let (clinic, rota) = (&ids[0], &ids[1]);

    // A report through the API, with an address for the outcome, and one from the page's form.
    let reports = format!("/api/records/{clinic}/reports");
    let (status, body) = anonymous.post(&reports, json!({"kind": "gossip", "description": ""})).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((status, fields), (StatusCode::BAD_REQUEST, vec!["kind", "description"]), "{body}");
    let complaint = json!({"kind": "privacy-breach", "description": "list.csv names a patient", "email": "reporter@example.net"});
    let (status, report) = anonymous.post(&reports, complaint).await;
    assert_eq!((status, report["status"].as_str()), (StatusCode::CREATED, Some("open")), "{report}");
    let report_id = report["id"].as_str().unwrap().to_string();
    let page = reqwest::get(server.url(&format!("/records/{clinic}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("action=\"/records/{clinic}/report\"")), "the page offers the form");
    let form = reqwest::Client::new()
        .post(server.url(&format!("/records/{rota}/report")))
        .form(&[("kind", "wrong-data"), ("description", "The rota is last year's."), ("email", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::CREATED);
    assert!(form.text().await.unwrap().contains("Thank you"));
    sink.wait_for("steward@example.org", "list.csv names a patient").await;

    // The stewards see both; others see neither.
    assert_eq!(steward.get("/api/user/report-queue").await.1["hits"]["total"], 2);
    assert_eq!(outsider.get("/api/user/report-queue").await.1["hits"]["total"], 0);
    assert_eq!(outsider.get(&format!("/api/reports/{report_id}")).await.0, StatusCode::FORBIDDEN);

    // Taken down at once: nobody but its reviewers reaches it, and its page says so.
    let takedown = format!("/api/records/{clinic}/takedown");
    assert_eq!(owner.post(&takedown, json!({"reason": "x"})).await.0, StatusCode::FORBIDDEN, "depositors do not take down");
    let (status, body) = steward.post(&takedown, json!({"reason": "Possible patient names", "report": report_id})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(steward.post(&takedown, json!({"reason": "again"})).await.0, StatusCode::CONFLICT);
    for caller in [&anonymous, &owner, &outsider] {
        for path in [
            format!("/api/records/{clinic}"),
            format!("/api/records/{clinic}/files/list.csv/content"),
            format!("/api/records/{clinic}/files-archive"),
        ] {
            assert_eq!(caller.get(&path).await.0, StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS, "{path}");
        }
    }
    let page = reqwest::get(server.url(&format!("/records/{clinic}"))).await.unwrap();
    assert_eq!(page.status(), StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS);
    assert!(page.text().await.unwrap().contains("Taken down"));
    assert_eq!(anonymous.get("/api/records?q=clinic").await.1["hits"]["total"], 0, "out of search");
    assert_eq!(anonymous.get("/api/records?q=rota").await.1["hits"]["total"], 1, "the other dataset stays");
    server.stop();
    assert_eq!(server.cli_ok(&["reindex"]).trim(), "indexed 1 records", "a rebuilt index leaves it out too");
    server.start_again().await;
    assert_eq!(anonymous.get("/api/records?q=clinic").await.1["hits"]["total"], 0);
    assert_eq!(
        steward.get(&format!("/api/records/{clinic}/files/list.csv/content")).await.0,
        StatusCode::OK,
        "its reviewers still reach it"
    );
    assert_eq!(steward.get(&format!("/api/reports/{report_id}")).await.1["status"], "investigating");

    // Restored: access returns, the report closes, and the reporter hears the outcome.
    let (status, body) =
        steward.post(&format!("/api/reports/{report_id}/triage"), json!({"status": "closed", "outcome": "restored"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a takedown decides that outcome: {body}");
    let (status, _) = steward.post(&format!("{takedown}/restore"), json!({"note": "The names are fictitious test data."})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(anonymous.get(&format!("/api/records/{clinic}/files/list.csv/content")).await.0, StatusCode::OK);
    assert_eq!(anonymous.get("/api/records?q=clinic").await.1["hits"]["total"], 1, "back in search");
    let closed = steward.get(&format!("/api/reports/{report_id}")).await.1;
    assert_eq!((closed["status"].as_str(), closed["outcome"].as_str()), (Some("closed"), Some("restored")), "{closed}");
    let told = sink.wait_for("reporter@example.net", "fictitious test data").await;
    assert!(told.contains("Outcome: restored"), "{told}");
    assert_eq!(steward.post(&format!("{takedown}/restore"), json!({})).await.0, StatusCode::CONFLICT, "nothing to restore");

    // The rota is taken down and then deleted: its files go, its metadata stays as a tombstone.
    let rota_takedown = format!("/api/records/{rota}/takedown");
    steward.post(&rota_takedown, json!({"reason": "Out of date and misleading"})).await;
    let (status, _) = steward.post(&format!("{rota_takedown}/delete"), json!({"note": "Removed at the trust's request."})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = anonymous.get(&format!("/api/records/{rota}/files/list.csv/content")).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    let (_, record) = anonymous.get(&format!("/api/records/{rota}")).await;
    assert!(record["deletions"][0]["reason"].as_str().unwrap().contains("Out of date and misleading"), "{record}");
    assert_eq!(steward.get("/api/user/report-queue").await.1["hits"]["total"], 0, "both reports are closed");

    // Every step is in the audit trail.
    let trail = server.cli_ok(&["audit", "export"]);
    for action in ["problem-reported", "record-taken-down", "report-triaged", "record-restored", "record-deleted", "files-deleted"] {
        assert!(trail.contains(&format!("\"{action}\"")), "{action} is audited");
    }
}
