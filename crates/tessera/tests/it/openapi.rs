//! The API's answers fit the schemas its OpenAPI document gives them: real answers checked with
//! jsonschema, and requests made from the document by schemathesis.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Api, member, metadata, reference_python, start};

/// Answers as they came, each with the document's path of its operation.
struct Answers {
    api: Api,
    seen: Vec<Value>,
}

impl Answers {
    async fn ask(&mut self, method: Method, template: &str, path: &str, body: Option<Value>) -> Value {
        let api = self.api.clone();
        self.ask_as(&api, method, template, path, body).await
    }

    /// As `ask`, on behalf of `api`'s caller.
    async fn ask_as(&mut self, api: &Api, method: Method, template: &str, path: &str, body: Option<Value>) -> Value {
        let mut request = api.request(method.clone(), path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, answer) = api.send(request).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        self.seen.push(json!({"method": method.as_str(), "path": template, "status": status.as_u16(), "body": answer}));
        answer
    }

    /// Checks every answer against the schema the server's document gives it, with jsonschema
    /// (`scripts/check-answers.py`).
    async fn check(&self) {
        let dir = tempfile::tempdir().unwrap();
        let (status, document) = self.api.get("/api/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        let (doc, seen) = (dir.path().join("openapi.json"), dir.path().join("answers.json"));
        std::fs::write(&doc, document.to_string()).unwrap();
        std::fs::write(&seen, Value::Array(self.seen.clone()).to_string()).unwrap();
        let (python, script) = reference_python("check-answers.py");
        let output = std::process::Command::new(python).arg(script).arg(&doc).arg(&seen).output().expect("the checker runs");
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{report}{}", String::from_utf8_lossy(&output.stderr));
        assert!(report.contains(&format!("{} fit, 0 do not", self.seen.len())), "{report}");
    }
}

/// Every kind of answer a client of the records API reads, from a dataset described in full
/// and taken through its life, checked with jsonschema against the document served beside it.
#[tokio::test]
async fn answers_fit_the_documented_schemas() {
    let server = start(Default::default()).await;
    let api = Api::new(&server, Some(server.user_token("ada@example.org")));
    let mut answers = Answers { api: api.clone(), seen: Vec::new() };

    let mut described = metadata("River temperatures");
    described["contributors"] = json!([{"person_or_org": {"type": "personal", "given_name": "Grace", "family_name": "Hopper"},
        "role": {"id": "datacollector"}, "affiliations": [{"name": "Afon Institute"}]}]);
    described["additional_titles"] = json!([{"title": "Tymheredd afonydd", "type": {"id": "translated-title"}, "lang": {"id": "cym"}}]);
    described["dates"] = json!([{"date": "2023-01/2023-12", "type": {"id": "collected"}}]);
    described["related_identifiers"] = json!([{"identifier": "10.1234/other", "scheme": "doi", "relation_type": {"id": "issupplementto"}}]);
    described["funding"] = json!([{"funder": {"name": "Research Council"}, "award": {"number": "RC-1", "title": {"en": "Rivers"}}}]);
    described["locations"] = json!({"features": [{"geometry": {"type": "Point", "coordinates": [-3.18, 51.48]}, "place": "Cardiff"}]});
    described["version"] = json!("1.0");
    let body = json!({"metadata": described, "access": {"record": "public", "files": "public"}, "files": {"enabled": true}});
    let draft = answers.ask(Method::POST, "/api/records", "/api/records", Some(body.clone())).await;
    let id = draft["id"].as_str().unwrap().to_string();
    let files = format!("/api/records/{id}/draft/files");
    let declared =
        json!([{"key": "data.csv"}, {"key": "big.bin", "size": 12_582_912, "transfer": {"type": "M", "parts": 2, "part_size": 6_291_456}}]);
    answers.ask(Method::POST, "/api/records/{id}/draft/files", &files, Some(declared)).await;
    answers.ask(Method::GET, "/api/records/{id}/draft/files/{key}", &format!("{files}/big.bin"), None).await;
    assert_eq!(api.delete(&format!("{files}/big.bin")).await.0, StatusCode::NO_CONTENT);
    let (status, uploaded) = api.upload(&format!("{files}/data.csv/content"), b"station,celsius\nTaff,11.5\n".to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    answers.seen.push(json!({"method": "PUT", "path": "/api/records/{id}/draft/files/{key}/content", "status": 200, "body": uploaded}));
    answers.ask(Method::POST, "/api/records/{id}/draft/files/{key}/commit", &format!("{files}/data.csv/commit"), None).await;
    answers.ask(Method::GET, "/api/records/{id}/draft/files/{key}", &format!("{files}/data.csv"), None).await;
    answers.ask(Method::GET, "/api/records/{id}/draft/files", &files, None).await;
    answers.ask(Method::PUT, "/api/records/{id}/draft", &format!("/api/records/{id}/draft"), Some(body)).await;
    answers.ask(Method::GET, "/api/records/{id}/draft", &format!("/api/records/{id}/draft"), None).await;
    let record = answers
        .ask(Method::POST, "/api/records/{id}/draft/actions/publish", &format!("/api/records/{id}/draft/actions/publish"), None)
        .await;
    assert_eq!(record["metadata"]["funding"][0]["award"]["number"], "RC-1", "{record}");

    answers.ask(Method::GET, "/api/records/{id}", &format!("/api/records/{id}"), None).await;
    answers.ask(Method::GET, "/api/records/{id}/files", &format!("/api/records/{id}/files"), None).await;
    answers.ask(Method::GET, "/api/records/{id}/files/{key}", &format!("/api/records/{id}/files/data.csv"), None).await;
    answers.ask(Method::GET, "/api/records/{id}/versions", &format!("/api/records/{id}/versions"), None).await;
    answers.ask(Method::GET, "/api/records/{id}/versions/latest", &format!("/api/records/{id}/versions/latest"), None).await;
    let found = answers.ask(Method::GET, "/api/records", "/api/records?q=river&size=5", None).await;
    assert_eq!(found["hits"]["total"], 1, "{found}");
    answers.ask(Method::POST, "/api/records/{id}/draft", &format!("/api/records/{id}/draft"), None).await;
    answers.ask(Method::POST, "/api/records/{id}/versions", &format!("/api/records/{id}/versions"), None).await;
    // A draft that could not be published yet says why.
    let incomplete =
        json!({"metadata": {"title": "Half done"}, "access": {"record": "public", "files": "restricted", "data_class": "restricted"}});
    let unfinished = answers.ask(Method::POST, "/api/records", "/api/records", Some(incomplete)).await;
    assert!(unfinished["errors"].as_array().is_some_and(|errors| !errors.is_empty()), "{unfinished}");
    answers.ask(Method::GET, "/api/user/records", "/api/user/records", None).await;

    answers.check().await;
}

/// The access API's answers, from a request through its approval, the grant, its revocation
/// and a secret link, and those about tokens, organizations, policies and reports, fit the
/// document's schemas too.
#[tokio::test]
async fn access_and_identity_answers_fit_the_documented_schemas() {
    let server = start(Default::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    let owner = member(&server, "owner@example.org", "trust", "depositor");
    let steward = member(&server, "steward@example.org", "trust", "steward");
    let researcher = Api::new(&server, Some(server.user_token("researcher@example.org")));
    let mut answers = Answers { api: researcher.clone(), seen: Vec::new() };

    let body = json!({"organization": "trust", "metadata": metadata("Admissions"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("admissions.csv", b"ward,count\nA,3\n")]).await;
    owner.publish(&id).await;
    let ask = json!({"purpose": "Bed planning", "project": "BP-7", "intended_use": "aggregate statistics", "duration_days": 90});
    let requests = format!("/api/records/{id}/access/requests");
    let request = answers.ask(Method::POST, "/api/records/{id}/access/requests", &requests, Some(ask)).await;
    let rid = request["id"].as_str().unwrap().to_string();
    answers.ask(Method::GET, "/api/access/requests/{request}", &format!("/api/access/requests/{rid}"), None).await;
    answers.ask_as(&steward, Method::GET, "/api/user/access-queue", "/api/user/access-queue", None).await;
    let conditions = json!({"expires": "2099-12-31", "field_of_use": "service planning", "agreement": "No re-identification."});
    let approve = format!("/api/access/requests/{rid}/approve");
    answers.ask_as(&steward, Method::POST, "/api/access/requests/{request}/approve", &approve, Some(conditions)).await;
    let accept = format!("/api/access/requests/{rid}/accept");
    let grant =
        answers.ask(Method::POST, "/api/access/requests/{request}/accept", &accept, Some(json!({"agreement_accepted": true}))).await;
    answers.ask(Method::GET, "/api/user/grants", "/api/user/grants", None).await;
    answers.ask(Method::GET, "/api/user/access-requests", "/api/user/access-requests", None).await;
    let revoke = format!("/api/access/grants/{}/revoke", grant["id"].as_str().unwrap());
    answers.ask_as(&steward, Method::POST, "/api/access/grants/{grant}/revoke", &revoke, Some(json!({"reason": "project ended"}))).await;
    let second = answers
        .ask(
            Method::POST,
            "/api/records/{id}/access/requests",
            &requests,
            Some(json!({"purpose": "Follow-up",
        "intended_use": "tables", "files": ["admissions.csv"], "duration_days": 5})),
        )
        .await;
    let refuse = format!("/api/access/requests/{}/refuse", second["id"].as_str().unwrap());
    answers
        .ask_as(&steward, Method::POST, "/api/access/requests/{request}/refuse", &refuse, Some(json!({"reason": "use the tables"})))
        .await;
    let links = format!("/api/records/{id}/access/links");
    let link = answers.ask_as(&owner, Method::POST, "/api/records/{id}/access/links", &links, Some(json!({"permission": "files"}))).await;
    assert!(link["token"].is_string(), "{link}");
    answers.ask_as(&owner, Method::GET, "/api/records/{id}/access/links", &links, None).await;

    // Tokens, organizations, their members and the partners they trust.
    let tokens = "/api/user/tokens";
    answers.ask(Method::POST, tokens, tokens, Some(json!({"name": "laptop", "scopes": ["read"], "expires": "2099-01-01"}))).await;
    answers.ask(Method::GET, tokens, tokens, None).await;
    server.cli_ok(&["admin", "create-user", "admin@example.org", "--admin"]);
    let admin_token = server.cli_ok(&["admin", "create-token", "admin@example.org", "--scopes", "read deposit steward admin"]);
    let admin = Api::new(&server, Some(admin_token.trim().to_string()));
    let museum = json!({"id": "museum", "name": "City Museum", "ror": "05gq02987"});
    answers.ask_as(&admin, Method::POST, "/api/organizations", "/api/organizations", Some(museum)).await;
    answers.ask(Method::GET, "/api/organizations", "/api/organizations", None).await;
    answers.ask(Method::GET, "/api/organizations/{org}", "/api/organizations/trust", None).await;
    let members = "/api/organizations/{org}/members";
    let curator = json!({"email": "researcher@example.org", "role": "curator"});
    answers.ask_as(&admin, Method::POST, members, "/api/organizations/trust/members", Some(curator)).await;
    answers.ask_as(&admin, Method::GET, members, "/api/organizations/trust/members", None).await;
    let trust = json!({"organization": "museum", "data_class": "partner"});
    answers.ask_as(&admin, Method::POST, "/api/organizations/{org}/trust", "/api/organizations/trust/trust", Some(trust)).await;
    answers.ask(Method::GET, "/api/organizations/{org}/trust", "/api/organizations/trust/trust", None).await;
    // A platform agreement, read back, and a second version of it.
    let agreement = json!({"id": "trust-dua", "kind": "agreement", "title": "Data use agreement", "organization": "trust",
        "text": "No re-identification.", "effective": "2026-01-01"});
    answers.ask_as(&admin, Method::POST, "/api/policies", "/api/policies", Some(agreement)).await;
    let versions = json!({"title": "Data use agreement", "text": "No re-identification, no linkage.", "effective": "2027-01-01",
        "changes": "Linkage is forbidden too."});
    let policy = "/api/policies/trust-dua";
    answers.ask_as(&admin, Method::POST, "/api/policies/{policy}/versions", &format!("{policy}/versions"), Some(versions)).await;
    answers.ask(Method::GET, "/api/policies/{policy}", policy, None).await;
    answers.ask(Method::GET, "/api/policies", "/api/policies", None).await;

    // A report on the dataset, moved on by its steward, who takes the dataset down.
    let reports = format!("/api/records/{id}/reports");
    let complaint = json!({"kind": "privacy-breach", "description": "The file names a patient"});
    let report = answers.ask(Method::POST, "/api/records/{id}/reports", &reports, Some(complaint)).await;
    let report = format!("/api/reports/{}", report["id"].as_str().unwrap());
    answers.ask_as(&steward, Method::GET, "/api/user/report-queue", "/api/user/report-queue", None).await;
    answers.ask_as(&steward, Method::GET, "/api/reports/{report}", &report, None).await;
    let triage = json!({"status": "investigating"});
    answers.ask_as(&steward, Method::POST, "/api/reports/{report}/triage", &format!("{report}/triage"), Some(triage)).await;
    let takedown = json!({"reason": "Possible patient names"});
    answers.ask_as(&steward, Method::POST, "/api/records/{id}/takedown", &format!("/api/records/{id}/takedown"), Some(takedown)).await;
    answers.check().await;
}

/// schemathesis, the reference fuzzer for OpenAPI documents, sends requests it makes from the
/// document to every operation (but tus uploads, whose media type it cannot write), alone and
/// chained through the links it infers, and finds each answer as documented: no server error,
/// a documented status, content type, headers and body; nothing still there once deleted; and
/// nothing answered without the token an operation needs. A fixed seed makes the run repeat.
#[tokio::test]
async fn schemathesis_finds_every_answer_as_documented() {
    let server = start(Default::default()).await;
    server.cli_ok(&["admin", "create-user", "fuzzer@example.org", "--admin"]);
    let token =
        server.cli_ok(&["admin", "create-token", "fuzzer@example.org", "--scopes", "read deposit steward admin"]).trim().to_string();
    let python = std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names the test virtual environment's Python");
    let st = std::path::Path::new(&python).with_file_name("st");
    let scratch = tempfile::tempdir().unwrap();
    let checks = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,\
                  response_schema_conformance,use_after_free,ignored_auth";
    let output = std::process::Command::new(st)
        .current_dir(scratch.path())
        .env("NO_COLOR", "1")
        .args(["run", &server.url("/api/openapi.json"), "--url", &server.base_url, "--checks", checks])
        .args(["--phases", "examples,fuzzing,stateful", "--exclude-path-regex", "^/api/uploads", "--max-examples", "10"])
        .args(["--workers", "1", "--seed", "7", "--generation-database", "none"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .output()
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains("passed") && !server.log().contains("panicked"), "{report}");
}
