//! DOIs: with a DataCite account configured, every record version gets a DOI. A durable job
//! registers it through DataCite's REST API, here a local stand-in that answers as DataCite's
//! documentation says. The registration carries the record's metadata and landing page, is
//! sent again after an edit, and waits while DataCite refuses it.

use std::process::{Child, Command};
use std::time::Duration;

use serde_json::{Value, json};
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, person, start};

/// The DataCite stand-in, stopped when dropped.
struct DataCite {
    child: Child,
    store: tempfile::TempDir,
    url: String,
}

impl DataCite {
    async fn start(username: &str, password: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let store = tempfile::tempdir().unwrap();
        let python = std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names a Python; scripts/test.sh sets it");
        let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/datacite-mock.py");
        let child = Command::new(python).arg(script).args([&port.to_string(), username, password]).arg(store.path()).spawn().unwrap();
        // Built at once, so the process is stopped however the wait below ends.
        let datacite = Self { child, store, url: format!("http://127.0.0.1:{port}") };
        for _ in 0..100 {
            if reqwest::get(format!("{}/heartbeat", datacite.url)).await.is_ok_and(|r| r.status().is_success()) {
                return datacite;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the DataCite stand-in did not start");
    }

    /// What DataCite holds for `doi` once the registration whose title is `title` arrived.
    async fn registered(&self, doi: &str, title: &str) -> Value {
        let path = self.store.path().join(format!("{}.json", doi.replace('/', "_")));
        for _ in 0..200 {
            if let Ok(body) = std::fs::read_to_string(&path).map(|text| serde_json::from_str::<Value>(&text).unwrap())
                && body["data"]["attributes"]["titles"][0]["title"] == title
            {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("DataCite never received {doi} titled {title}");
    }
}

impl Drop for DataCite {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn env(datacite: &DataCite, password_file: &std::path::Path) -> Vec<(String, String)> {
    [
        ("TESSERA_DATACITE_API_URL", datacite.url.as_str()),
        ("TESSERA_DATACITE_PREFIX", "10.80000"),
        ("TESSERA_DATACITE_USERNAME", "TESSERA.TEST"),
        ("TESSERA_DATACITE_PASSWORD_FILE", password_file.to_str().unwrap()),
        ("TESSERA_JOBS_INTERVAL_SECONDS", "1"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec()
}

fn password_file(dir: &std::path::Path, password: &str) -> std::path::PathBuf {
    let path = dir.join("datacite-password");
    std::fs::write(&path, password).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    path
}

#[tokio::test]
async fn dois_are_registered_at_datacite_and_updated_after_an_edit() {
    let datacite = DataCite::start("TESSERA.TEST", "s3cret").await;
    let secrets = tempfile::tempdir().unwrap();
    let server = start(TestServerConfig { env: env(&datacite, &password_file(secrets.path(), "s3cret")), ..Default::default() }).await;
    let depositor = person(&server, "depositor@example.org", None);
    let id = depositor.draft_with_files(metadata("River temperatures"), &[("a.csv", b"1")]).await;
    let record = depositor.publish(&id).await;
    let doi = format!("10.80000/tessera.{id}");
    assert_eq!(record["pids"]["doi"], json!({"identifier": doi, "provider": "datacite"}), "{record}");

    let registered = datacite.registered(&doi, "River temperatures").await;
    let attributes = &registered["data"]["attributes"];
    assert_eq!((attributes["doi"].as_str(), attributes["event"].as_str()), (Some(doi.as_str()), Some("publish")));
    assert_eq!(attributes["url"], server.url(&format!("/records/{id}")));
    assert_eq!(
        (attributes["types"]["resourceTypeGeneral"].as_str(), attributes["publicationYear"].as_i64()),
        (Some("Dataset"), Some(2024))
    );
    assert_eq!(attributes["creators"][0]["nameIdentifiers"][0]["nameIdentifier"], "https://orcid.org/0000-0002-1825-0097");

    // Exports name the DOI first; the ARK stays beside it.
    let (_, datacite_xml) = Api::new(&server, None).get(&format!("/api/records/{id}/export/datacite-xml")).await;
    assert!(datacite_xml.as_str().unwrap().contains(&format!(r#"<identifier identifierType="DOI">{doi}</identifier>"#)));
    assert!(record["pids"]["ark"]["identifier"].as_str().is_some());

    // An edit sends the new metadata.
    assert_eq!(depositor.post_empty(&format!("/api/records/{id}/draft")).await.0, reqwest::StatusCode::CREATED);
    let (status, body) =
        depositor.put(&format!("/api/records/{id}/draft"), json!({"metadata": metadata("River temperatures, corrected")})).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    depositor.publish(&id).await;
    datacite.registered(&doi, "River temperatures, corrected").await;
}

#[tokio::test]
async fn a_registration_datacite_refuses_waits_and_publishing_goes_on() {
    let datacite = DataCite::start("TESSERA.TEST", "s3cret").await;
    let secrets = tempfile::tempdir().unwrap();
    let server = start(TestServerConfig { env: env(&datacite, &password_file(secrets.path(), "wrong")), ..Default::default() }).await;
    let depositor = person(&server, "depositor@example.org", None);
    let id = depositor.draft_with_files(metadata("River temperatures"), &[("a.csv", b"1")]).await;
    let record = depositor.publish(&id).await;
    assert_eq!(record["pids"]["doi"]["identifier"], format!("10.80000/tessera.{id}"));
    for _ in 0..100 {
        if server.log().contains("DataCite answered 401") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.log().contains("job failed; will retry") && server.log().contains("DataCite answered 401"), "{}", server.log());
    let stored = datacite.store.path().join(format!("10.80000_tessera.{id}.json"));
    assert!(!stored.exists(), "nothing was registered with wrong credentials");
}

#[tokio::test]
async fn a_draft_reserves_its_doi_and_publishing_registers_the_same() {
    let datacite = DataCite::start("TESSERA.TEST", "s3cret").await;
    let secrets = tempfile::tempdir().unwrap();
    let server = start(TestServerConfig { env: env(&datacite, &password_file(secrets.path(), "s3cret")), ..Default::default() }).await;
    let depositor = person(&server, "depositor@example.org", None);
    let id = depositor.draft_with_files(metadata("River temperatures"), &[("a.csv", b"1")]).await;
    let doi = format!("10.80000/tessera.{id}");
    let (status, draft) = depositor.post_empty(&format!("/api/records/{id}/draft/pids/doi")).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{draft}");
    assert_eq!(draft["pids"]["doi"], json!({"identifier": doi, "provider": "datacite"}));
    let stored = datacite.store.path().join(format!("{}.json", doi.replace('/', "_")));
    let reserved: Value = serde_json::from_str(&std::fs::read_to_string(&stored).unwrap()).unwrap();
    assert_eq!(reserved["data"]["attributes"], json!({"doi": doi, "state": "draft"}), "a draft DOI, with nothing published yet");
    // Again: the draft already has it, and DataCite is not asked twice.
    let (status, again) = depositor.post_empty(&format!("/api/records/{id}/draft/pids/doi")).await;
    assert_eq!((status, &again["pids"]), (reqwest::StatusCode::CREATED, &draft["pids"]));
    let (_, read) = depositor.get(&format!("/api/records/{id}/draft")).await;
    assert_eq!(read["pids"]["doi"]["identifier"], doi.as_str());

    let record = depositor.publish(&id).await;
    assert_eq!(record["pids"]["doi"]["identifier"], doi.as_str());
    let registered = datacite.registered(&doi, "River temperatures").await;
    assert_eq!(registered["data"]["attributes"]["state"], "findable");
    // A published record's edit draft shows its identifiers and reserves nothing new.
    assert_eq!(depositor.post_empty(&format!("/api/records/{id}/draft")).await.0, reqwest::StatusCode::CREATED);
    let (status, edit) = depositor.post_empty(&format!("/api/records/{id}/draft/pids/doi")).await;
    assert_eq!((status, edit["pids"]["doi"]["identifier"].as_str()), (reqwest::StatusCode::CREATED, Some(doi.as_str())), "{edit}");

    // A reserved DOI whose draft is discarded goes from DataCite too.
    let dropped = depositor.draft_with_files(metadata("Abandoned"), &[]).await;
    assert_eq!(depositor.post_empty(&format!("/api/records/{dropped}/draft/pids/doi")).await.0, reqwest::StatusCode::CREATED);
    let reserved = datacite.store.path().join(format!("10.80000_tessera.{dropped}.json"));
    assert!(reserved.exists());
    assert_eq!(depositor.delete(&format!("/api/records/{dropped}/draft")).await.0, reqwest::StatusCode::NO_CONTENT);
    for _ in 0..100 {
        if !reserved.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!reserved.exists(), "the draft DOI was deleted at DataCite\n{}", server.log());

    // DataCite refusing the account leaves the draft without a DOI, saying why.
    let refused = start(TestServerConfig { env: env(&datacite, &password_file(secrets.path(), "wrong")), ..Default::default() }).await;
    let depositor = person(&refused, "depositor@example.org", None);
    let other = depositor.draft_with_files(metadata("Lake levels"), &[]).await;
    let (status, problem) = depositor.post_empty(&format!("/api/records/{other}/draft/pids/doi")).await;
    assert_eq!(status, reqwest::StatusCode::BAD_GATEWAY, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("401"), "{problem}");
    let (_, draft) = depositor.get(&format!("/api/records/{other}/draft")).await;
    assert_eq!(draft["pids"], json!({}));

    // Without a DataCite account there is nothing to reserve: records get ARKs.
    let plain = start(TestServerConfig::default()).await;
    let depositor = person(&plain, "depositor@example.org", None);
    let draft = depositor.draft_with_files(metadata("Lake levels"), &[]).await;
    let (status, problem) = depositor.post_empty(&format!("/api/records/{draft}/draft/pids/doi")).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("ARK"), "{problem}");
}
