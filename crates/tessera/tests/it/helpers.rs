//! A small HTTP client for the tests, and the record bodies they deposit.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::{TestServer, TestServerConfig};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_tessera");

pub(crate) async fn start(config: TestServerConfig) -> TestServer {
    TestServer::start(BIN, config).await
}

/// Requests on behalf of one token (or none).
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) base: String,
    pub(crate) token: Option<String>,
    pub(crate) client: reqwest::Client,
}

impl Api {
    pub(crate) fn new(server: &TestServer, token: Option<String>) -> Self {
        Self { base: server.base_url.clone(), token, client: reqwest::Client::new() }
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, body)
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).json(&body)).await
    }

    pub(crate) async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path)).await
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    pub(crate) async fn upload(&self, path: &str, content: Vec<u8>) -> (StatusCode, Value) {
        self.send(self.request(Method::PUT, path).header("content-type", "application/octet-stream").body(content)).await
    }

    /// Creates a draft, uploads and commits `files`, and returns the draft id.
    pub(crate) async fn draft_with_files(&self, metadata: Value, files: &[(&str, &[u8])]) -> String {
        self.draft_from(json!({"metadata": metadata}), files).await
    }

    /// Creates a draft from a whole body (organization, metadata, access), with `files`.
    pub(crate) async fn draft_from(&self, body: Value, files: &[(&str, &[u8])]) -> String {
        let (status, draft) = self.post("/api/records", body).await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        let id = draft["id"].as_str().expect("draft id").to_string();
        let keys: Vec<Value> = files.iter().map(|(key, _)| json!({"key": key})).collect();
        if !keys.is_empty() {
            let (status, body) = self.post(&format!("/api/records/{id}/draft/files"), Value::Array(keys)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        for (key, content) in files {
            let (status, body) = self.upload(&format!("/api/records/{id}/draft/files/{key}/content"), content.to_vec()).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (status, body) = self.post_empty(&format!("/api/records/{id}/draft/files/{key}/commit")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        id
    }

    pub(crate) async fn publish(&self, id: &str) -> Value {
        let (status, record) = self.post_empty(&format!("/api/records/{id}/draft/actions/publish")).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{record}");
        record
    }

    pub(crate) async fn bytes(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self.request(Method::GET, path).send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.expect("body").to_vec())
    }
}

/// A new user with a token of the default scopes, and a role in an organization if given.
pub(crate) fn person(server: &TestServer, email: &str, org_role: Option<(&str, &str)>) -> Api {
    let token = server.user_token(email);
    if let Some((org, role)) = org_role {
        server.cli_ok(&["admin", "add-member", org, email, role]);
    }
    Api::new(server, Some(token))
}

/// A new member of `org` in `role` whose token has every scope; the role limits it.
pub(crate) fn member(server: &TestServer, email: &str, org: &str, role: &str) -> Api {
    server.cli_ok(&["admin", "create-user", email]);
    server.cli_ok(&["admin", "add-member", org, email, role]);
    let token = server.cli_ok(&["admin", "create-token", email, "--scopes", "read deposit steward admin"]);
    Api::new(server, Some(token.trim().to_string()))
}

/// Metadata that passes every check, with a chosen title.
pub(crate) fn metadata(title: &str) -> Value {
    json!({
        "resource_type": {"id": "dataset"},
        "title": title,
        "publication_date": "2024-05-17",
        "description": "Hourly water temperature at three gauging stations.",
        "creators": [
            {"person_or_org": {"type": "personal", "given_name": "Ada", "family_name": "Lovelace",
                "identifiers": [{"scheme": "orcid", "identifier": "0000-0002-1825-0097"}]},
             "affiliations": [{"id": "01ggx4157", "name": "CERN"}]},
            {"person_or_org": {"type": "organizational", "name": "Afon Data Group"}}
        ],
        "rights": [{"id": "cc-by-4.0"}],
        "subjects": [{"subject": "Hydrology"}],
        "languages": [{"id": "eng"}],
        "publisher": "Tessera",
        "identifiers": [{"scheme": "doi", "identifier": "10.1234/river.5"}],
    })
}

/// ocfl-py's validator, run over the storage the tests write.
pub(crate) fn ocfl_validator() -> String {
    std::env::var("TESSERA_OCFL_VALIDATE")
        .expect("TESSERA_OCFL_VALIDATE must name ocfl-py's ocfl-validate.py; scripts/test.sh installs it into a virtual environment")
}

/// The Python that has the reference validators, and the path of one of the project's
/// checking scripts.
pub(crate) fn reference_python(script: &str) -> (String, std::path::PathBuf) {
    let python = std::env::var("TESSERA_TEST_PYTHON").expect(
        "TESSERA_TEST_PYTHON must name the Python with the reference validators; scripts/test.sh installs them into a virtual environment",
    );
    (python, std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts").join(script))
}

/// Validates XML documents (named for the report) against the official schemas with
/// xmlschema; `kind` is `oai-pmh`, `datacite` or `oai_dc`. Panics naming every invalid one.
pub(crate) fn validate_xml(kind: &str, documents: &[(String, String)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (n, (what, xml)) in documents.iter().enumerate() {
        let path = dir.path().join(format!("{n:03}-{}.xml", what.replace(|c: char| !c.is_ascii_alphanumeric(), "_")));
        std::fs::write(&path, xml).unwrap();
        paths.push(path);
    }
    let (python, script) = reference_python("validate-xml.py");
    let output = std::process::Command::new(python).arg(script).arg(kind).args(&paths).output().expect("the validator runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains(&format!("{} valid, 0 invalid", documents.len())), "{report}");
}

/// What `scripts/check-exports.py` (rdflib, bibtexparser, bagit-python) reads in the given
/// documents, each saved under its name.
pub(crate) fn check_exports(kind: &str, documents: &[(&str, &[u8])]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = documents
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    check_paths(kind, &paths)
}

/// Runs `scripts/check-exports.py` on files or folders already on disk.
pub(crate) fn check_paths(kind: &str, paths: &[std::path::PathBuf]) -> Value {
    let (python, script) = reference_python("check-exports.py");
    let output = std::process::Command::new(python).arg(script).arg(kind).args(paths).output().expect("the checker runs");
    assert!(output.status.success(), "{kind}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("the checker prints JSON")
}

/// A small filesystem of its own at a test's folder, unmounted when the test ends, however it
/// ends: where a disk fills up quickly.
pub(crate) struct Mounted(std::path::PathBuf);

impl Mounted {
    /// Mounts a tmpfs of `size` (`4m`) at `dir`; `None`, with the reason printed, where the
    /// test may not mount one (it needs CAP_SYS_ADMIN, which the CI machine has, as this one does).
    pub(crate) fn small(dir: &std::path::Path, size: &str) -> Option<Self> {
        let mounted =
            std::process::Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(dir).output().ok()?;
        if !mounted.status.success() {
            eprintln!("skipped: cannot mount a small filesystem here: {}", String::from_utf8_lossy(&mounted.stderr));
            return None;
        }
        Some(Self(dir.to_path_buf()))
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}
