//! An organization's compliance report: grants by state, accesses per restricted dataset,
//! records missing governance fields, overdue deletions, a risk-ranked sample of downloads that
//! stewards check with their findings, and figures fit to publish.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, member, metadata, person, start};

/// Requests access to record `id` and has it approved until `expires` and accepted; returns
/// the grant's id.
async fn granted(researcher: &Api, steward: &Api, id: &str, expires: &str) -> String {
    let ask = json!({"purpose": "Service planning", "intended_use": "tables"});
    let (_, request) = researcher.post(&format!("/api/records/{id}/access/requests"), ask).await;
    let rid = request["id"].as_str().unwrap();
    steward.post(&format!("/api/access/requests/{rid}/approve"), json!({"expires": expires})).await;
    let (status, grant) = researcher.post(&format!("/api/access/requests/{rid}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    grant["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn organizations_get_compliance_reports() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    server.cli_ok(&["admin", "create-org", "museum", "City Museum"]);
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    let steward = member(&server, "steward@example.org", "trust", "steward");
    let auditor = member(&server, "auditor@example.org", "trust", "auditor");
    let outsider = member(&server, "outsider@example.org", "museum", "admin");
    let first = person(&server, "first@example.org", None);
    let second = person(&server, "second@example.org", None);
    let anonymous = Api::new(&server, None);

    // A restricted dataset with a licence, and an open one with none.
    let restricted = json!({"organization": "trust", "metadata": metadata("Admissions"), "access": {"files": "restricted"}});
    let admissions = owner.draft_from(restricted, &[("a.csv", b"a\n")]).await;
    owner.publish(&admissions).await;
    let mut bare = metadata("Leaflets");
    bare.as_object_mut().unwrap().remove("rights");
    let leaflets = owner.draft_from(json!({"organization": "trust", "metadata": bare}), &[("l.pdf", b"%PDF")]).await;
    owner.publish(&leaflets).await;

    // Grants: one ending within 30 days, one far off, one revoked.
    let soon = (time::OffsetDateTime::now_utc().date() + time::Duration::days(10)).to_string();
    let expiring = granted(&first, &steward, &admissions, &soon).await;
    let lasting = granted(&second, &steward, &admissions, "2099-01-01").await;
    let third = person(&server, "third@example.org", None);
    let revoked = granted(&third, &steward, &admissions, "2099-01-01").await;
    steward.post(&format!("/api/access/grants/{revoked}/revoke"), json!({"reason": "left the project"})).await;
    let content = format!("/api/records/{admissions}/files/a.csv/content");
    for reader in [&first, &first, &second] {
        assert_eq!(reader.get(&content).await.0, StatusCode::OK);
    }
    assert_eq!(third.get(&content).await.0, StatusCode::FORBIDDEN);

    // The report, for the organization's auditors and stewards only.
    assert_eq!(outsider.get("/api/organizations/trust/compliance").await.0, StatusCode::FORBIDDEN);
    assert_eq!(first.get("/api/organizations/trust/compliance").await.0, StatusCode::FORBIDDEN);
    let (status, report) = auditor.get("/api/organizations/trust/compliance").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(ids(&report["grants"]["active"]).len(), 2, "{report}");
    assert_eq!(ids(&report["grants"]["expiring"]), [expiring]);
    assert_eq!(ids(&report["grants"]["revoked"]), [revoked]);
    assert!(ids(&report["grants"]["active"]).contains(&lasting));
    let accesses = &report["accesses"][0];
    assert_eq!(
        (accesses["record"].as_str(), accesses["downloads"].as_u64(), accesses["refusals"].as_u64(), accesses["people"].as_u64()),
        (Some(admissions.as_str()), Some(3), Some(1), Some(2)),
        "{report}"
    );
    assert_eq!(report["accesses"].as_array().unwrap().len(), 1, "open datasets are not access-reported");
    // No schedule exists, so nothing limits retention; the leaflets also lack a licence.
    let missing: Vec<(&str, Vec<&str>)> = report["missing_governance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["record"].as_str().unwrap(), m["missing"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect()))
        .collect();
    assert_eq!(missing, [(admissions.as_str(), vec!["retention"]), (leaflets.as_str(), vec!["licence", "retention"])]);
    assert_eq!(report["overdue_deletions"].as_array().unwrap().len(), 0);

    // Stewards check a sample of downloads; reads under a grant rank first.
    assert_eq!(auditor.get("/api/organizations/trust/compliance/sample").await.0, StatusCode::FORBIDDEN, "stewards check");
    let (_, sample) = steward.get("/api/organizations/trust/compliance/sample?size=2").await;
    let hits = sample["hits"]["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2, "{sample}");
    assert!(hits.iter().all(|e| e["action"] == "read-files" && e["detail"].as_str().unwrap().contains("grant_id")), "{sample}");
    let seq = hits[0]["seq"].as_i64().unwrap();
    let checks = "/api/organizations/trust/compliance/checks";
    assert_eq!(steward.post(checks, json!({"seq": seq, "verdict": "maybe", "finding": ""})).await.0, StatusCode::BAD_REQUEST);
    let finding = json!({"seq": seq, "verdict": "concern", "finding": "Downloaded twice in a minute; asked the holder why."});
    let (status, check) = steward.post(checks, finding.clone()).await;
    assert_eq!((status, check["verdict"].as_str()), (StatusCode::CREATED, Some("concern")), "{check}");
    assert_eq!(steward.post(checks, finding).await.0, StatusCode::CONFLICT, "checked once");
    assert_eq!(outsider.post(checks, json!({"seq": seq, "verdict": "fine", "finding": "x"})).await.0, StatusCode::FORBIDDEN);
    let (_, again) = steward.get("/api/organizations/trust/compliance/sample?size=10").await;
    assert!(
        again["hits"]["hits"].as_array().unwrap().iter().all(|e| e["seq"].as_i64() != Some(seq)),
        "a checked download leaves the sample"
    );
    let (_, report) = auditor.get("/api/organizations/trust/compliance").await;
    assert_eq!((report["download_checks"]["total"].as_u64(), report["download_checks"]["concerns"].as_u64()), (Some(1), Some(1)));

    // Figures anyone may see: counts only.
    let (status, figures) = anonymous.get("/api/organizations/trust/figures").await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    assert_eq!(
        (figures["datasets"].as_u64(), figures["restricted_downloads"].as_u64(), figures["grants_active"].as_u64()),
        (Some(2), Some(3), Some(2))
    );
    assert_eq!(figures["access_requests"]["received"], 3);
    assert!(!figures.to_string().contains("example.org"), "nobody is named: {figures}");
    assert!(server.cli_ok(&["audit", "export"]).contains("\"download-checked\""));
}
