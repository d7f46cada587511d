//! Policies are versioned documents with a public change log; a grant records the agreement
//! version accepted, keeps it through a new version, and pauses when a steward asks for the
//! new one to be accepted, until its holder does. Storage alone restores them.

use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, member, metadata, person, start};

#[tokio::test]
async fn agreements_have_versions_and_grants_keep_theirs() {
    let mut server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    server.cli_ok(&["admin", "create-org", "museum", "City Museum"]);
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    let admin = member(&server, "admin@example.org", "trust", "admin");
    let steward = member(&server, "steward@example.org", "trust", "steward");
    let museum_admin = member(&server, "curator@museum.example", "museum", "admin");
    let researcher = person(&server, "researcher@example.org", None);
    let anonymous = Api::new(&server, None);

    // An organization's administrators publish its agreement; stewards and others may not.
    let dua = json!({"id": "trust-dua", "kind": "agreement", "title": "Trust data use agreement", "organization": "trust",
        "text": "Use the data only for the approved purpose. Do not attempt re-identification.", "effective": "2026-01-01"});
    assert_eq!(steward.post("/api/policies", dua.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(museum_admin.post("/api/policies", dua.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, created) = admin.post("/api/policies", dua.clone()).await;
    assert_eq!((status, created["in_force"].as_i64()), (StatusCode::CREATED, Some(1)), "{created}");
    assert_eq!(admin.post("/api/policies", dua).await.0, StatusCode::CONFLICT);
    let (status, body) = admin
        .post(
            "/api/policies",
            json!({"id": "Bad Id", "kind": "agreement", "title": "", "organization": "trust", "text": "x", "effective": "soon"}),
        )
        .await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((status, fields), (StatusCode::BAD_REQUEST, vec!["id", "title", "effective"]), "{body}");
    // A licence of the trust's own, with terms.
    let licence = json!({"id": "trust-research-only", "kind": "licence", "title": "Trust research-only licence", "organization": "trust",
        "text": "Research use only.", "terms": {"field_of_use": "non-commercial health research", "duration_days": 365}});
    let (status, body) = admin.post("/api/policies", licence).await;
    assert_eq!((status, body["versions"][0]["terms"]["duration_days"].as_i64()), (StatusCode::CREATED, Some(365)), "{body}");
    // The licence vocabulary holds the SPDX list and the trust's own licence.
    let (_, spdx) = anonymous.get("/api/vocabularies/licenses?q=cc-by-4").await;
    assert_eq!(spdx["hits"]["hits"][0]["id"], "cc-by-4.0", "{spdx}");
    let (_, own) = anonymous.get("/api/vocabularies/licenses?q=research-only").await;
    assert_eq!((own["hits"]["total"].as_u64(), own["hits"]["hits"][0]["props"]["scheme"].as_str()), (Some(1), Some("tessera")), "{own}");
    assert_eq!(own["hits"]["hits"][0]["terms"]["field_of_use"], "non-commercial health research");
    let (status, body) = admin
        .post("/api/policies/trust-research-only/versions", json!({"text": "Research use only, cited.", "changes": "Citation asked for."}))
        .await;
    assert_eq!(
        (status, body["versions"][1]["terms"]["duration_days"].as_i64()),
        (StatusCode::CREATED, Some(365)),
        "terms carry over: {body}"
    );

    // A restricted dataset; the approval names the agreement; the grant records version 1.
    let body = json!({"organization": "trust", "metadata": metadata("Admissions"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("admissions.csv", b"ward,count\nA,3\n")]).await;
    owner.publish(&id).await;
    let content = format!("/api/records/{id}/files/admissions.csv/content");
    let (_, request) = researcher
        .post(
            &format!("/api/records/{id}/access/requests"),
            json!({"purpose": "Bed planning", "intended_use": "tables", "duration_days": 90}),
        )
        .await;
    let rid = request["id"].as_str().unwrap();
    let (status, body) =
        steward.post(&format!("/api/access/requests/{rid}/approve"), json!({"agreement_policy": "trust-research-only"})).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("agreement_policy")),
        "a licence is not an agreement: {body}"
    );
    let (status, approved) = steward.post(&format!("/api/access/requests/{rid}/approve"), json!({"agreement_policy": "trust-dua"})).await;
    assert_eq!((status, approved["conditions"]["agreement"].as_str()), (StatusCode::OK, Some("Trust data use agreement")), "{approved}");
    let accept = format!("/api/access/requests/{rid}/accept");
    assert_eq!(researcher.post(&accept, json!({})).await.0, StatusCode::BAD_REQUEST, "the agreement must be accepted");
    let (status, grant) = researcher.post(&accept, json!({"agreement_accepted": true, "agreement_version": 1})).await;
    assert_eq!((status, grant["agreement_policy"]["version"].as_i64()), (StatusCode::CREATED, Some(1)), "{grant}");
    let gid = grant["id"].as_str().unwrap().to_string();
    assert_eq!(researcher.get(&content).await.0, StatusCode::OK);

    // Version 2: the grant stays on version 1 and keeps working.
    let v2 = json!({"text": "Use the data only for the approved purpose. No re-identification. Report any breach within 24 hours.",
        "changes": "Breaches must be reported within 24 hours.", "effective": "2026-06-01"});
    assert_eq!(steward.post("/api/policies/trust-dua/versions", v2.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, policy) = admin.post("/api/policies/trust-dua/versions", v2).await;
    assert_eq!((status, policy["in_force"].as_i64()), (StatusCode::CREATED, Some(2)), "{policy}");
    assert_eq!(researcher.get(&content).await.0, StatusCode::OK);
    let (_, grants) = researcher.get("/api/user/grants").await;
    assert_eq!(grants["hits"]["hits"][0]["agreement_policy"]["version"], 1);

    // The public change log, in the API and on its page.
    let (_, public) = anonymous.get("/api/policies/trust-dua").await;
    assert_eq!(public["versions"][1]["changes"], "Breaches must be reported within 24 hours.");
    let page = reqwest::get(server.url("/policies/trust-dua")).await.unwrap().text().await.unwrap();
    assert!(page.contains("Report any breach within 24 hours") && page.contains("2026-06-01") && page.contains("First version"), "{page}");
    assert_eq!(anonymous.get("/api/policies").await.1["hits"]["total"], 2);

    // A steward asks for re-acceptance: access pauses, the holder sees it, accepts, and resumes.
    assert_eq!(researcher.post("/api/policies/trust-dua/require-reacceptance", json!({})).await.0, StatusCode::FORBIDDEN);
    let (status, asked) = steward.post("/api/policies/trust-dua/require-reacceptance", json!({})).await;
    assert_eq!((status, asked["grants"][0].as_str()), (StatusCode::OK, Some(gid.as_str())), "{asked}");
    let (status, body) = researcher.get(&content).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (StatusCode::FORBIDDEN, Some("permission denied: the data use agreement has a new version; accept it to continue"))
    );
    let (_, grants) = researcher.get("/api/user/grants").await;
    assert_eq!(grants["hits"]["hits"][0]["agreement_policy"]["reaccept_version"], 2);
    assert_eq!(researcher.post(&format!("/api/access/grants/{gid}/reaccept"), json!({"version": 1})).await.0, StatusCode::CONFLICT);
    let (status, reaccepted) = researcher.post(&format!("/api/access/grants/{gid}/reaccept"), json!({"version": 2})).await;
    assert_eq!((status, reaccepted["agreement_policy"]["version"].as_i64()), (StatusCode::OK, Some(2)), "{reaccepted}");
    assert_eq!(researcher.get(&content).await.0, StatusCode::OK);
    let trail = server.cli_ok(&["audit", "export"]);
    for action in ["policy-version-published", "reacceptance-required", "agreement-reaccepted"] {
        assert!(trail.contains(action), "{action} is audited");
    }

    // Storage alone holds every version: a rebuild restores them.
    server.stop();
    server.cli_ok(&["rebuild"]);
    server.start_again().await;
    let (_, rebuilt) = anonymous.get("/api/policies/trust-dua").await;
    assert_eq!(rebuilt, public);
}
