//! The audit trail records who read restricted data and who was refused, and `tessera audit
//! verify` finds any entry changed, removed, inserted or moved in the database, and a tail
//! cut off behind the last checkpoint, on both engines.

use reqwest::StatusCode;
use serde_json::json;
use tessera_app::domain::audit::AuditEntry;
use tessera_testkit::{TestServer, TestServerConfig, describe};

use crate::helpers::{Api, member, metadata, person, start};

/// Direct access to the catalogue, as someone who can edit the database has.
enum Database {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Database {
    async fn open(server: &TestServer, url: Option<&str>) -> Self {
        match url {
            Some(url) => Database::Postgres(sqlx::PgPool::connect(url).await.unwrap()),
            None => Database::Sqlite(
                sqlx::SqlitePool::connect(&format!("sqlite:{}", server.data_dir.join("catalog.db").display())).await.unwrap(),
            ),
        }
    }

    async fn run(&self, sql: &str) {
        match self {
            Database::Sqlite(pool) => drop(sqlx::raw_sql(sql).execute(pool).await.unwrap()),
            Database::Postgres(pool) => drop(sqlx::raw_sql(sql).execute(pool).await.unwrap()),
        }
    }

    async fn text(&self, sql: &str) -> String {
        match self {
            Database::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
            Database::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        }
    }
}

/// `tessera audit verify`: whether it passed, and what it printed.
fn verify(server: &TestServer) -> (bool, String) {
    let output = server.cli(&["audit", "verify"]);
    (output.status.success(), format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}

async fn tampering_is_found(database_url: Option<String>) {
    let mut server = start(TestServerConfig { database_url: database_url.clone(), ..Default::default() }).await;
    let owner = Api::new(&server, Some(server.user_token("owner@example.org")));
    let stranger = Api::new(&server, Some(server.user_token("stranger@example.org")));
    let body = json!({"metadata": metadata("Cohort"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("cohort.csv", b"a,b\n")]).await;
    owner.publish(&id).await;
    let content = format!("/api/records/{id}/files/cohort.csv/content");
    for _ in 0..3 {
        assert_eq!(owner.get(&content).await.0, StatusCode::OK);
        assert_eq!(stranger.get(&content).await.0, StatusCode::FORBIDDEN);
    }
    // Stopping checkpoints the head into the storage root.
    server.stop();

    let (ok, said) = verify(&server);
    assert!(ok, "{said}");
    let exported = server.data_dir.join("audit.jsonl");
    server.cli_ok(&["audit", "export", "--from", "2000-01-01", "--output", exported.to_str().unwrap()]);
    let lines: Vec<AuditEntry> =
        std::fs::read_to_string(&exported).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let reads = lines.iter().filter(|e| e.action == "read-files").count();
    assert_eq!(reads, 6, "every restricted download and refusal is recorded: {lines:#?}");
    let refused = lines.iter().find(|e| e.action == "read-files" && e.outcome == "refused").unwrap();
    assert!(refused.detail.contains("an active grant is needed") && refused.dataset.is_some(), "{refused:?}");
    assert!(server.cli_ok(&["audit", "verify", "--file", exported.to_str().unwrap()]).contains("intact"));
    let total = lines.len();
    assert!(total >= 8, "{total}");

    let db = Database::open(&server, database_url.as_deref()).await;
    db.run("CREATE TABLE audit_saved AS SELECT * FROM audit_log").await;
    let restore = "DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM audit_saved";

    // One entry edited.
    db.run("UPDATE audit_log SET target = target || ' (edited)' WHERE seq = 4").await;
    let (ok, said) = verify(&server);
    assert!(!ok && said.contains("entry 4 was changed"), "{said}");
    db.run(restore).await;
    assert!(verify(&server).0);

    // One entry removed.
    db.run("DELETE FROM audit_log WHERE seq = 5").await;
    let (ok, said) = verify(&server);
    assert!(!ok && said.contains("entry 5 is missing"), "{said}");
    db.run(restore).await;

    // Two entries swapped.
    db.run("UPDATE audit_log SET seq = -1 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = -1").await;
    let (ok, said) = verify(&server);
    assert!(!ok && said.contains("entry 2 "), "{said}");
    db.run(restore).await;

    // A well-formed entry inserted after entry 3, the later ones moved up to make room.
    let prev = db.text("SELECT hash FROM audit_log WHERE seq = 3").await;
    let forged = AuditEntry {
        at: "2026-01-01T00:00:00Z".into(),
        action: "read-files".into(),
        target: "nothing".into(),
        outcome: "allowed".into(),
        detail: "{}".into(),
        ..AuditEntry::default()
    }
    .seal(4, &prev);
    db.run("UPDATE audit_log SET seq = seq + 1000000 WHERE seq > 3; UPDATE audit_log SET seq = seq - 999999 WHERE seq > 1000000").await;
    db.run(&format!(
        "INSERT INTO audit_log (seq, at, actor, action, dataset, target, outcome, detail, prev, hash) VALUES (4, '{}', NULL, '{}', NULL, '{}', '{}', '{}', '{}', '{}')",
        forged.at, forged.action, forged.target, forged.outcome, forged.detail, forged.prev, forged.hash
    ))
    .await;
    let (ok, said) = verify(&server);
    assert!(!ok && said.contains("entry 5 "), "{said}");
    db.run(restore).await;

    // The newest entries cut off, the head moved back to match: the checkpoint remembers.
    db.run(&format!("DELETE FROM audit_log WHERE seq > {}", total - 2)).await;
    let hash = db.text(&format!("SELECT hash FROM audit_log WHERE seq = {}", total - 2)).await;
    db.run(&format!("UPDATE audit_head SET seq = {}, hash = '{hash}' WHERE id = 1", total - 2)).await;
    let (ok, said) = verify(&server);
    assert!(!ok && said.contains(&format!("entries {} to {total} were removed", total - 1)), "{said}");
    let output = server.cli(&["audit", "verify"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
}

#[tokio::test]
async fn tampering_is_found_on_sqlite() {
    tampering_is_found(None).await;
}

#[tokio::test]
async fn tampering_is_found_on_postgres() {
    let database = tessera_testkit::fresh_postgres().await;
    tampering_is_found(Some(database.url.clone())).await;
}

/// A grant that was revoked or has run out opens nothing, and each refusal, like each
/// download under a grant, is an audit entry naming the grant, its purpose and its terms.
#[tokio::test]
async fn downloads_under_expired_or_revoked_grants_are_refused_and_audited() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    let steward = member(&server, "steward@example.org", "trust", "steward");
    let body = json!({"organization": "trust", "metadata": metadata("Admissions"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("admissions.csv", b"ward,count\nA,3\n")]).await;
    owner.publish(&id).await;
    let content = format!("/api/records/{id}/files/admissions.csv/content");

    let mut grants = Vec::new();
    for (email, purpose) in [("revoked@example.org", "Bed planning"), ("expired@example.org", "Winter pressures")] {
        let researcher = person(&server, email, None);
        let ask = json!({"purpose": purpose, "intended_use": "aggregate tables", "duration_days": 30});
        let (_, request) = researcher.post(&format!("/api/records/{id}/access/requests"), ask).await;
        let rid = request["id"].as_str().unwrap();
        let terms = json!({"field_of_use": "service planning", "agreement": "No re-identification."});
        assert_eq!(steward.post(&format!("/api/access/requests/{rid}/approve"), terms).await.0, StatusCode::OK);
        let (status, grant) = researcher.post(&format!("/api/access/requests/{rid}/accept"), json!({"agreement_accepted": true})).await;
        assert_eq!(status, StatusCode::CREATED, "{grant}");
        assert_eq!(researcher.get(&content).await.0, StatusCode::OK);
        grants.push((researcher, grant["id"].as_str().unwrap().to_string()));
    }
    let (status, _) = steward.post(&format!("/api/access/grants/{}/revoke", grants[0].1), json!({"reason": "study closed"})).await;
    assert_eq!(status, StatusCode::OK);
    // The second grant's time runs out.
    let db = Database::open(&server, None).await;
    db.run(&format!("UPDATE grants SET expires = '2020-01-01T00:00:00Z' WHERE id = {}", grants[1].1)).await;

    let (status, body) = grants[0].0.get(&content).await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::FORBIDDEN, Some("permission denied: the grant was revoked")));
    let (status, body) = grants[1].0.get(&content).await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::FORBIDDEN, Some("permission denied: the grant has expired")));
    assert_eq!(grants[1].0.get(&format!("/api/records/{id}/files-archive")).await.0, StatusCode::FORBIDDEN);

    let trail: Vec<AuditEntry> = server.cli_ok(&["audit", "export"]).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let reads = |grant: &str, outcome: &str| -> Vec<serde_json::Value> {
        trail
            .iter()
            .filter(|e| e.action == "read-files" && e.outcome == outcome)
            .map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).unwrap())
            .filter(|d| d["grant_id"] == grant)
            .collect()
    };
    for ((_, grant), (state, purpose)) in grants.iter().zip([("revoked", "Bed planning"), ("expired", "Winter pressures")]) {
        let allowed = reads(grant, "allowed");
        assert_eq!((allowed.len(), allowed[0]["grant"].as_str()), (1, Some("active")), "{allowed:?}");
        let refused = reads(grant, "refused");
        assert!(!refused.is_empty(), "the refusal under grant {grant} is audited: {trail:#?}");
        assert_eq!(
            (refused[0]["grant"].as_str(), refused[0]["purpose"].as_str(), refused[0]["agreement"].as_str()),
            (Some(state), Some(purpose), Some("No re-identification."))
        );
    }

    // Stewards and auditors see who read the dataset; researchers see only their own doings.
    server.cli_ok(&["admin", "create-org", "museum", "City Museum"]);
    let auditor = member(&server, "auditor@example.org", "trust", "auditor");
    let outsider = member(&server, "outsider@example.org", "museum", "auditor");
    // A period of days around now, so a test that runs across midnight still finds its entries.
    let today = time::OffsetDateTime::now_utc().date();
    let (from, to) = (today - time::Duration::days(1), today + time::Duration::days(1));
    let dataset_trail = format!("/api/records/{id}/audit?from={from}&to={to}");
    for reader in [&steward, &auditor] {
        let (status, page) = reader.get(&dataset_trail).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let reads = page["hits"]["hits"].as_array().unwrap().iter().filter(|e| e["action"] == "read-files").count();
        assert_eq!(reads, 5, "two downloads, two refusals and the refused archive: {page}");
    }
    assert_eq!(auditor.get(&format!("/api/records/{id}/audit?from=yesterday")).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(outsider.get(&dataset_trail).await.0, StatusCode::FORBIDDEN);
    assert_eq!(grants[0].0.get(&dataset_trail).await.0, StatusCode::FORBIDDEN);
    assert_eq!(auditor.get(&content).await.0, StatusCode::FORBIDDEN, "auditors see the trail, not the data");
    let (_, own) = grants[1].0.get("/api/user/audit").await;
    let own = own["hits"]["hits"].as_array().unwrap();
    assert!(own.iter().any(|e| e["outcome"] == "refused") && own.iter().all(|e| e["actor"] == own[0]["actor"]), "{own:?}");

    // An organization's export holds only its datasets' entries and those about the
    // organization itself (roles given), each with its chain hashes.
    let export = auditor.request(reqwest::Method::GET, "/api/organizations/trust/audit").send().await.unwrap();
    assert_eq!(export.headers()["content-type"], "application/jsonl");
    let lines: Vec<AuditEntry> = export.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (about_datasets, about_org): (Vec<&AuditEntry>, Vec<&AuditEntry>) = lines.iter().partition(|e| e.dataset.is_some());
    assert!(about_datasets.len() >= 10 && about_datasets.iter().all(|e| e.dataset == about_datasets[0].dataset), "{lines:#?}");
    assert!(!about_org.is_empty() && about_org.iter().all(|e| e.target == "organization trust"), "{about_org:#?}");
    assert!(about_org.iter().any(|e| e.action == "role-given"), "{about_org:#?}");
    assert!(lines.iter().all(|e| e.clone().seal(e.seq, &e.prev).hash == e.hash), "every line carries its own true hash");
    assert_eq!(outsider.get("/api/organizations/trust/audit").await.0, StatusCode::FORBIDDEN);
    let trail = server.cli_ok(&["audit", "export"]);
    assert!(trail.contains("\"read-audit\"") && trail.contains("audit trail of trust"), "reading the trail is itself audited");

    // Changes are entries too: drafts, publishing, edits and access changes, accounts, tokens.
    assert_eq!(owner.post_empty(&format!("/api/records/{id}/draft")).await.0, StatusCode::CREATED);
    let edit = json!({"metadata": metadata("Admissions 2025"), "access": {"record": "restricted", "files": "restricted"}});
    assert_eq!(owner.put(&format!("/api/records/{id}/draft"), edit).await.0, StatusCode::OK);
    owner.publish(&id).await;
    let trail: Vec<AuditEntry> = server.cli_ok(&["audit", "export"]).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "organization-created",
        "account-created",
        "token-created",
        "draft-created",
        "draft-file-committed",
        "draft-updated",
        "record-published",
        "metadata-edited",
    ] {
        assert!(actions.contains(&action), "{action} is audited: {actions:?}");
    }
    let changed = trail.iter().find(|e| e.action == "access-changed").expect("the access change is audited");
    let detail: serde_json::Value = serde_json::from_str(&changed.detail).unwrap();
    assert_eq!((detail["before"]["record"].as_str(), detail["after"]["record"].as_str()), (Some("public"), Some("restricted")));
}

/// With a signing key, every checkpoint is signed; an altered checkpoint, or an unsigned one
/// after signed ones, makes `tessera audit verify` fail even for someone who can write storage.
#[tokio::test]
async fn signed_checkpoints_cannot_be_forged() {
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("audit.key");
    let (key, public_key) = tessera_app::new_signing_key().unwrap();
    std::fs::write(&key_file, key).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&key_file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let env = vec![("TESSERA_AUDIT_SIGNING_KEY_FILE".to_string(), key_file.display().to_string())];
    let mut server = start(TestServerConfig { env, ..Default::default() }).await;
    let owner = Api::new(&server, Some(server.user_token("owner@example.org")));
    let id = owner.draft_from(json!({"metadata": metadata("Cohort"), "access": {"files": "restricted"}}), &[("c.csv", b"c\n")]).await;
    owner.publish(&id).await;
    server.stop();
    server.start_again().await;
    assert_eq!(owner.get(&format!("/api/records/{id}/files/c.csv/content")).await.0, StatusCode::OK);
    server.stop();

    let dir = server.data_dir.join("ocfl/extensions/tessera-audit/checkpoints");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    let newest = files.last().unwrap().clone();
    let original = std::fs::read_to_string(&newest).unwrap();
    let checkpoint: serde_json::Value = serde_json::from_str(&original).unwrap();
    assert_eq!(checkpoint["public_key"].as_str(), Some(public_key.as_str()));
    let (ok, said) = verify(&server);
    assert!(ok && said.contains(&format!("{} checkpoints agree ({} signed)", files.len(), files.len())), "{said}");

    // A forger rewrites the newest checkpoint's hash, then drops its signature instead.
    let mut forged = checkpoint;
    forged["hash"] = json!("0".repeat(64));
    std::fs::write(&newest, forged.to_string()).unwrap();
    let (ok, said) = verify(&server);
    assert!(!ok && said.contains("does not match its signature"), "{said}");
    let mut unsigned = forged;
    unsigned.as_object_mut().unwrap().retain(|k, _| k != "signature" && k != "public_key");
    std::fs::write(&newest, unsigned.to_string()).unwrap();
    let (ok, said) = verify(&server);
    assert!(!ok && said.contains("is unsigned, though earlier ones are signed"), "{said}");
    std::fs::write(&newest, original).unwrap();
    assert!(verify(&server).0);

    // The key comes from `tessera audit keygen`, which never overwrites a key.
    let made = keys.path().join("new.key");
    let public = server.cli_ok(&["audit", "keygen", "-o", made.to_str().unwrap()]);
    assert_eq!(public.trim().len(), 44, "a base64 Ed25519 public key: {public}");
    #[cfg(unix)]
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&made).unwrap().permissions()) & 0o777, 0o600);
    assert!(!server.cli(&["audit", "keygen", "-o", made.to_str().unwrap()]).status.success());
}
