//! Retention: schedules decide when files are deleted, a sweep run with a clock past the end
//! date purges exactly the files due (a legal hold stops it), storage stays valid for the
//! OCFL validator, a tombstone remains, and the audit trail keeps the deleted digests.
//! Depositors ask for deletion and curators decide.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_testkit::{TestServerConfig, describe};

use crate::helpers::{Api, member, metadata, ocfl_validator, person, start};

/// Publishes a record of the trust with these access settings and files; returns its id.
async fn publish(owner: &Api, title: &str, access: Value, files: &[(&str, &[u8])]) -> String {
    let id = owner.draft_from(json!({"organization": "trust", "metadata": metadata(title), "access": access}), files).await;
    owner.publish(&id).await;
    id
}

fn sha512_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha512::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn files_are_deleted_when_their_retention_ends() {
    // The sweep runs at start-up; later passes wait an hour, so the test decides when it runs.
    let config = TestServerConfig { env: vec![("TESSERA_JOBS_INTERVAL_SECONDS".into(), "3600".into())], ..Default::default() };
    let mut server = start(config).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    server.cli_ok(&["admin", "create-org", "museum", "City Museum"]);
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    let steward = member(&server, "steward@example.org", "trust", "steward");
    let curator = member(&server, "curator@example.org", "trust", "curator");
    let admin = member(&server, "admin@example.org", "trust", "admin");
    let elsewhere = member(&server, "elsewhere@example.org", "museum", "steward");
    let anonymous = Api::new(&server, None);

    // Restricted files of the trust are kept five years after their project ends; everything
    // of the trust twenty years after publication.
    let schedule =
        json!({"organization": "trust", "data_class": "restricted", "years": 5, "after": "project-end", "note": "NHS records policy"});
    assert_eq!(steward.post("/api/retention/schedules", schedule.clone()).await.0, StatusCode::FORBIDDEN, "administrators set schedules");
    let (status, restricted_rule) = admin.post("/api/retention/schedules", schedule).await;
    assert_eq!(status, StatusCode::CREATED, "{restricted_rule}");
    let (status, body) = admin.post("/api/retention/schedules", json!({"organization": "trust", "years": 0})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("years")), "{body}");
    let (status, body) = admin.post("/api/retention/schedules", json!({"organization": "trust", "years": 20})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(anonymous.get("/api/retention/schedules").await.1["hits"]["total"], 2, "schedules are public");

    // A clinical study: an open README beside a restricted table, the project ended mid-2026.
    let study_access = json!({"record": "public", "files": "restricted", "file_classes": {"README.md": "public"},
        "retention": {"project_end": "2026-06-30"}});
    let table = b"patient,ward\n1,A\n".as_slice();
    let study = publish(&owner, "Ward study", study_access.clone(), &[("table.csv", table), ("README.md", b"About the study")]).await;
    // Open data of the trust, kept twenty years.
    let open = publish(&owner, "Open survey", json!({"files": "public"}), &[("survey.csv", b"q,a\n")]).await;
    // A record that sets its own date, and another whose date is ten days away.
    let held =
        publish(&owner, "Held audit", json!({"files": "public", "retention": {"delete_files_on": "2030-01-01"}}), &[("audit.csv", b"x\n")])
            .await;
    let soon_date = (time::OffsetDateTime::now_utc().date() + time::Duration::days(10)).to_string();
    let soon =
        publish(&owner, "Soon gone", json!({"files": "public", "retention": {"delete_files_on": soon_date}}), &[("tmp.csv", b"t\n")]).await;
    let (status, body) =
        owner.post("/api/records", json!({"metadata": metadata("x"), "access": {"retention": {"project_end": "mid 2026"}}})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("access.retention.project_end")), "{body}");

    // Stewards see what goes within 30 days, for their own datasets only.
    let (_, upcoming) = steward.get("/api/retention/upcoming").await;
    assert_eq!(upcoming["hits"]["total"], 1, "{upcoming}");
    assert_eq!(
        (upcoming["hits"]["hits"][0]["record"].as_str(), upcoming["hits"]["hits"][0]["due"].as_str()),
        (Some(soon.as_str()), Some(soon_date.as_str()))
    );
    assert_eq!(elsewhere.get("/api/retention/upcoming").await.1["hits"]["total"], 0);
    assert_eq!(anonymous.get("/api/retention/upcoming").await.0, StatusCode::UNAUTHORIZED);

    // A legal hold stops the deletion of one dataset.
    let holds = format!("/api/records/{held}/holds");
    assert_eq!(owner.post(&holds, json!({"reason": "litigation"})).await.0, StatusCode::FORBIDDEN, "depositors do not place holds");
    assert_eq!(steward.post(&holds, json!({})).await.0, StatusCode::BAD_REQUEST, "a hold needs a reason");
    let (status, hold) = steward.post(&holds, json!({"reason": "Litigation hold, case 42"})).await;
    assert_eq!((status, hold["active"].as_bool()), (StatusCode::CREATED, Some(true)), "{hold}");

    // The sweep runs with a clock past the study's end date (2031-06-30) but before the open
    // survey's (2046). Not beside a running server, which writes to the same storage; the
    // operator may rehearse it first, and a rehearsal changes nothing.
    let refused = server.cli(&["retention", "run", "--as-of", "2031-07-01"]);
    assert!(!refused.status.success() && describe(&refused).contains("stop it first"), "{}", describe(&refused));
    server.stop();
    let rehearsal = server.cli_ok(&["retention", "run", "--as-of", "2031-07-01", "--dry-run"]);
    assert!(rehearsal.contains(&format!("would delete 2031-06-30 record {study} (1 file,")), "{rehearsal}");
    assert!(rehearsal.contains(&format!("record {held} (1 file, record, held)")), "{rehearsal}");
    assert!(!rehearsal.contains(&format!("record {open} ")), "{rehearsal}");
    let output = server.cli(&["retention", "run", "--as-of", "2031-07-01"]);
    let printed = describe(&output);
    assert!(output.status.success(), "{printed}");
    assert!(printed.contains("deleted files of 2 records; 1 held, 0 for review, 0 failed"), "{printed}");
    let again = server.cli_ok(&["retention", "run", "--as-of", "2031-07-01"]);
    assert!(again.contains("deleted files of 0 records; 1 held"), "a second run finds nothing more: {again}");

    // Storage is valid for the reference validator and for Tessera's own check.
    let reference = Command::new(ocfl_validator()).arg(server.data_dir.join("ocfl")).output().expect("running ocfl-validate.py");
    assert!(reference.status.success(), "ocfl-py rejects the storage root: {}", describe(&reference));
    let verified = server.cli(&["verify"]);
    assert!(verified.status.success(), "{}", describe(&verified));
    assert!(!contains_bytes(&server.data_dir.join("ocfl"), table), "the table's bytes are gone from storage");
    server.start_again().await;

    // Exactly the files due are gone: the study's table, and the file due in ten days.
    let (status, body) = owner.get(&format!("/api/records/{study}/files/table.csv/content")).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("the retention period ended"), "{body}");
    assert_eq!(anonymous.get(&format!("/api/records/{study}/files/README.md/content")).await.0, StatusCode::OK);
    assert_eq!(
        anonymous.get(&format!("/api/records/{study}/files/table.csv/content")).await.0,
        StatusCode::UNAUTHORIZED,
        "refused before anything is said"
    );
    assert_eq!(owner.get(&format!("/api/records/{soon}/files/tmp.csv/content")).await.0, StatusCode::GONE);
    assert_eq!(anonymous.get(&format!("/api/records/{open}/files/survey.csv/content")).await.0, StatusCode::OK);
    assert_eq!(anonymous.get(&format!("/api/records/{held}/files/audit.csv/content")).await.0, StatusCode::OK, "the hold kept it");

    // The tombstone: the metadata stays, with the date and reason; only those who may edit the
    // record see which files went.
    let (_, record) = anonymous.get(&format!("/api/records/{study}")).await;
    assert_eq!(record["metadata"]["title"], "Ward study");
    assert_eq!(record["files"]["count"], 1, "{record}");
    let deletion = &record["deletions"][0];
    assert!(deletion["reason"].as_str().unwrap().contains("kept 5 years after the project's end"), "{record}");
    assert_eq!((deletion["basis"].as_str(), deletion["files_count"].as_i64()), (Some("schedule:1"), Some(1)), "{record}");
    assert!(deletion.get("files").is_none() && record["links"].get("deleted_files").is_none(), "{record}");
    let (_, own_view) = owner.get(&format!("/api/records/{study}")).await;
    assert_eq!(own_view["deletions"], record["deletions"]);
    let deleted_files = format!("/api/records/{study}/deleted-files");
    assert!(own_view["links"]["deleted_files"].as_str().is_some_and(|link| link.ends_with(&deleted_files)), "{own_view}");
    let (status, listed) = owner.get(&deleted_files).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let tombstone = &listed["hits"]["hits"][0];
    assert_eq!((tombstone["key"].as_str(), listed["hits"]["total"].as_i64()), (Some("table.csv"), Some(1)), "{listed}");
    assert_eq!(tombstone["sha512"], sha512_hex(table));
    assert_eq!((tombstone["basis"].as_str(), tombstone["deleted"].as_str()), (deletion["basis"].as_str(), deletion["date"].as_str()));
    assert_eq!(elsewhere.get(&deleted_files).await.0, StatusCode::FORBIDDEN, "the names are for those who may edit the record");
    assert_eq!(anonymous.get(&deleted_files).await.0, StatusCode::UNAUTHORIZED);
    let page = server_text(&server, &format!("/records/{study}")).await;
    assert!(page.contains("deleted") && page.contains("kept 5 years after the project"), "{page}");

    // The audit trail keeps the digest of what was deleted, and still proves intact.
    let trail = server.cli_ok(&["audit", "export"]);
    let deleted: Vec<Value> =
        trail.lines().map(|l| serde_json::from_str(l).unwrap()).filter(|e: &Value| e["action"] == "files-deleted").collect();
    assert_eq!(deleted.len(), 2, "{trail}");
    let detail: Value = serde_json::from_str(deleted[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(
        (detail["files"][0]["sha512"].as_str(), detail["files"][0]["erased"].as_bool()),
        (Some(sha512_hex(table).as_str()), Some(true))
    );
    assert_eq!((&detail["part"], &detail["parts"]), (&json!(1), &json!(1)));
    assert!(trail.contains("legal-hold-placed") && trail.contains("retention-schedule-added"), "{trail}");
    assert!(server.cli(&["audit", "verify"]).status.success());

    // With no schedule left, only records' own dates make files due (the catalogue lists those
    // records alone): a sweep far ahead finds the held record, not the open survey.
    let (_, schedules) = anonymous.get("/api/retention/schedules").await;
    for schedule in schedules["hits"]["hits"].as_array().unwrap() {
        let id = schedule["id"].as_str().unwrap();
        assert_eq!(admin.delete(&format!("/api/retention/schedules/{id}")).await.0, StatusCode::NO_CONTENT);
    }
    server.stop();
    let unscheduled = server.cli_ok(&["retention", "run", "--as-of", "2099-01-01", "--dry-run"]);
    assert!(unscheduled.contains(&format!("record {held} (1 file, record, held)")), "{unscheduled}");
    assert!(!unscheduled.contains(&format!("record {open} ")) && !unscheduled.contains(&format!("record {study} ")), "{unscheduled}");
    server.start_again().await;

    // Once the hold is lifted, the next sweep deletes the held files.
    let hold_id = hold["id"].as_str().unwrap();
    let (status, lifted) = steward.delete(&format!("{holds}/{hold_id}")).await;
    assert_eq!((status, lifted["active"].as_bool()), (StatusCode::OK, Some(false)), "{lifted}");
    server.stop();
    let after = server.cli_ok(&["retention", "run", "--as-of", "2031-07-01"]);
    assert!(after.contains("deleted files of 1 records; 0 held"), "{after}");
    server.start_again().await;
    assert_eq!(owner.get(&format!("/api/records/{held}/files/audit.csv/content")).await.0, StatusCode::GONE);

    // The depositor asks for deletion; a curator refuses once and approves the next request.
    let requests = format!("/api/records/{open}/deletion-requests");
    assert_eq!(owner.post(&requests, json!({})).await.0, StatusCode::BAD_REQUEST, "a request needs a reason");
    assert_eq!(elsewhere.post(&requests, json!({"reason": "x"})).await.0, StatusCode::FORBIDDEN);
    let (status, first) = owner.post(&requests, json!({"reason": "Consent withdrawn by a participant"})).await;
    assert_eq!((status, first["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{first}");
    assert_eq!(owner.post(&requests, json!({"reason": "again"})).await.0, StatusCode::CONFLICT);
    let (_, queue) = curator.get("/api/user/deletion-queue").await;
    assert_eq!(queue["hits"]["total"], 1, "{queue}");
    assert_eq!(elsewhere.get("/api/user/deletion-queue").await.1["hits"]["total"], 0);
    let first_id = first["id"].as_str().unwrap();
    assert_eq!(owner.post(&format!("/api/deletion-requests/{first_id}/approve"), json!({})).await.0, StatusCode::FORBIDDEN);
    let (status, refused) =
        curator.post(&format!("/api/deletion-requests/{first_id}/refuse"), json!({"note": "Only one row is affected"})).await;
    assert_eq!((status, refused["status"].as_str()), (StatusCode::OK, Some("refused")), "{refused}");
    assert_eq!(anonymous.get(&format!("/api/records/{open}/files/survey.csv/content")).await.0, StatusCode::OK);
    let (_, second) = owner.post(&requests, json!({"reason": "Consent withdrawn by every participant"})).await;
    let second_id = second["id"].as_str().unwrap();
    let (status, approved) = curator.post(&format!("/api/deletion-requests/{second_id}/approve"), json!({})).await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("approved")), "{approved}");
    let (status, body) = anonymous.get(&format!("/api/records/{open}/files/survey.csv/content")).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("Consent withdrawn by every participant"), "{body}");
    // Its description can still be mended, though none of its files is left.
    assert_eq!(owner.post_empty(&format!("/api/records/{open}/draft")).await.0, StatusCode::CREATED);
    owner.publish(&open).await;
    let reference = Command::new(ocfl_validator()).arg(server.data_dir.join("ocfl")).output().expect("running ocfl-validate.py");
    assert!(reference.status.success(), "ocfl-py rejects the storage root: {}", describe(&reference));

    // An edit keeps the tombstones, in storage too: the rebuild below reads them there.
    assert_eq!(owner.post_empty(&format!("/api/records/{study}/draft")).await.0, StatusCode::CREATED);
    let edit = json!({"metadata": metadata("Ward study"), "access": study_access});
    assert_eq!(owner.put(&format!("/api/records/{study}/draft"), edit).await.0, StatusCode::OK);
    owner.publish(&study).await;
    assert_eq!(owner.get(&deleted_files).await.1, listed, "an edit keeps the deleted files");
    let (_, record) = anonymous.get(&format!("/api/records/{study}")).await;

    // A rebuild from storage alone brings the tombstones back.
    server.stop();
    server.cli_ok(&["rebuild"]);
    server.start_again().await;
    let (_, rebuilt) = anonymous.get(&format!("/api/records/{study}")).await;
    assert_eq!(rebuilt["deletions"], record["deletions"]);
    assert_eq!(owner.get(&deleted_files).await.1, listed, "and the deleted files");
    assert_eq!(owner.get(&format!("/api/records/{study}/files/table.csv/content")).await.0, StatusCode::GONE);
}

/// Whether any file under `dir` contains `needle`.
fn contains_bytes(dir: &std::path::Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            contains_bytes(&path, needle)
        } else {
            std::fs::read(&path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        }
    })
}

async fn server_text(server: &tessera_testkit::TestServer, path: &str) -> String {
    reqwest::get(server.url(path)).await.expect("page").text().await.expect("text")
}

/// A dataset's object keeps each version's files in the OCFL version that published them: a
/// newer version's state does not list the older one's files again. Deleting the files of an
/// older version finds them there, keeps the bytes a newer version still holds, and a rebuild
/// from storage alone gives the same answers.
#[tokio::test]
async fn files_of_an_older_version_are_deleted_where_they_are_kept() {
    let mut server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    let curator = member(&server, "curator@example.org", "trust", "curator");
    let anonymous = Api::new(&server, None);
    let first = publish(&owner, "Ward counts", json!({}), &[("shared.csv", b"ward,count\nA,3\n"), ("old.csv", b"old\n")]).await;
    let (status, draft) = owner.post_empty(&format!("/api/records/{first}/versions")).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let second = draft["id"].as_str().unwrap().to_string();
    let old = format!("/api/records/{second}/draft/files/old.csv");
    assert_eq!(owner.send(owner.request(reqwest::Method::DELETE, &old)).await.0, StatusCode::NO_CONTENT);
    let mut body = draft.clone();
    body["metadata"]["version"] = "2".into();
    assert_eq!(owner.put(&format!("/api/records/{second}/draft"), body).await.0, StatusCode::OK);
    owner.publish(&second).await;

    // The head lists the second version's files and both records, not the first's files.
    let inventory = object_inventory(&server, &second);
    let head = &inventory["versions"][inventory["head"].as_str().unwrap()]["state"];
    let mut paths: Vec<&str> = head.as_object().unwrap().values().flat_map(|p| p.as_array().unwrap()).filter_map(Value::as_str).collect();
    paths.sort();
    assert_eq!(paths, [format!("{first}/record.json"), format!("{second}/files/shared.csv"), format!("{second}/record.json")]);
    assert_eq!(anonymous.bytes(&format!("/api/records/{first}/files/old.csv/content")).await.2, b"old\n");

    // Every file of the first version goes; the second keeps the content they shared.
    let (_, request) = owner.post(&format!("/api/records/{first}/deletion-requests"), json!({"reason": "Consent withdrawn"})).await;
    let request = request["id"].as_str().unwrap().to_string();
    let (status, approved) = curator.post(&format!("/api/deletion-requests/{request}/approve"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    for key in ["shared.csv", "old.csv"] {
        assert_eq!(anonymous.get(&format!("/api/records/{first}/files/{key}/content")).await.0, StatusCode::GONE, "{key}");
    }
    assert_eq!(anonymous.bytes(&format!("/api/records/{second}/files/shared.csv/content")).await.2, b"ward,count\nA,3\n");
    // The audit trail says which bytes left storage: those no other record holds.
    let trail = server.cli_ok(&["audit", "export"]);
    let entry: Value = trail.lines().map(|l| serde_json::from_str(l).unwrap()).find(|e: &Value| e["action"] == "files-deleted").unwrap();
    let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
    let erased: Vec<(&str, bool)> =
        detail["files"].as_array().unwrap().iter().map(|f| (f["key"].as_str().unwrap(), f["erased"].as_bool().unwrap())).collect();
    assert_eq!(erased, [("old.csv", true), ("shared.csv", false)]);
    let reference = Command::new(ocfl_validator()).arg(server.data_dir.join("ocfl")).output().expect("running ocfl-validate.py");
    assert!(reference.status.success(), "ocfl-py rejects the storage root: {}", describe(&reference));

    let answers = async |api: &Api| {
        let mut all = Vec::new();
        for id in [&first, &second] {
            for path in [format!("/api/records/{id}"), format!("/api/records/{id}/files")] {
                all.push(api.get(&path).await.1);
            }
        }
        all
    };
    let before = answers(&anonymous).await;
    server.stop();
    server.cli_ok(&["rebuild"]);
    server.start_again().await;
    assert_eq!(answers(&anonymous).await, before);
}

/// The root inventory of the dataset object that holds `record`, as JSON.
fn object_inventory(server: &tessera_testkit::TestServer, record: &str) -> Value {
    let needle = format!("\"{record}/record.json\"");
    let mut pending = vec![server.data_dir.join("ocfl")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('v')) {
                pending.push(path);
            } else if path.file_name().is_some_and(|name| name == "inventory.json") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains(&needle) {
                    return serde_json::from_str(&text).unwrap();
                }
            }
        }
    }
    panic!("no object holds record {record}");
}
