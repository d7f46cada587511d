//! The API's answers fit the schemas its OpenAPI document gives them: real answers checked with
//! jsonschema, and requests made from the document by schemathesis.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::{TestServer, TestServerConfig, fresh_postgres};

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

    /// Keeps an answer got some other way (a file's bytes sent, a form, a browser session).
    fn note(&mut self, method: Method, template: &str, (status, answer): (StatusCode, Value)) -> Value {
        assert!(status.is_success(), "{method} {template}: {status} {answer}");
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

/// A hospital trust with a depositor and a steward, a researcher from outside it, and a
/// published dataset of theirs whose files are restricted.
struct Trust {
    server: TestServer,
    owner: Api,
    steward: Api,
    researcher: Api,
    /// The dataset's record.
    id: String,
}

async fn trust_with_restricted_dataset(config: TestServerConfig) -> Trust {
    let server = start(config).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    let owner = member(&server, "owner@example.org", "trust", "depositor");
    let steward = member(&server, "steward@example.org", "trust", "steward");
    let researcher = Api::new(&server, Some(server.user_token("researcher@example.org")));
    let body = json!({"organization": "trust", "metadata": metadata("Admissions"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("admissions.csv", b"ward,count\nA,3\n")]).await;
    owner.publish(&id).await;
    Trust { server, owner, steward, researcher, id }
}

/// A platform administrator with a token of every scope.
fn administrator(server: &TestServer) -> Api {
    server.cli_ok(&["admin", "create-user", "admin@example.org", "--admin"]);
    let token = server.cli_ok(&["admin", "create-token", "admin@example.org", "--scopes", "read deposit steward admin"]);
    Api::new(server, Some(token.trim().to_string()))
}

/// Every kind of answer a client of the records API reads, from a dataset described in full
/// and taken through its life, checked with jsonschema against the document served beside it.
#[tokio::test]
async fn answers_fit_the_documented_schemas() {
    record_answers(TestServerConfig::default()).await;
}

async fn record_answers(config: TestServerConfig) {
    let server = start(config).await;
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
    let uploaded = api.upload(&format!("{files}/data.csv/content"), b"station,celsius\nTaff,11.5\n".to_vec()).await;
    answers.note(Method::PUT, "/api/records/{id}/draft/files/{key}/content", uploaded);
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
    access_and_identity_answers(TestServerConfig::default()).await;
}

async fn access_and_identity_answers(config: TestServerConfig) {
    let Trust { server, owner, steward, researcher, id } = trust_with_restricted_dataset(config).await;
    let mut answers = Answers { api: researcher.clone(), seen: Vec::new() };

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
    let admin = administrator(&server);
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

/// The answers of governance: who looks after a dataset, every request and grant for it, its
/// audit trail and one's own, an organization's compliance report, sample, checks and figures,
/// a call for re-acceptance, retention schedules, due deletions, legal holds, and a request
/// for deletion approved, with the tombstones it leaves.
#[tokio::test]
async fn governance_answers_fit_the_documented_schemas() {
    governance_answers(TestServerConfig::default()).await;
}

async fn governance_answers(config: TestServerConfig) {
    let Trust { server, owner, steward, researcher, id } = trust_with_restricted_dataset(config).await;
    let curator = member(&server, "curator@example.org", "trust", "curator");
    let admin = administrator(&server);
    let mut answers = Answers { api: steward.clone(), seen: Vec::new() };

    let agreement = json!({"id": "trust-dua", "kind": "agreement", "title": "Data use agreement", "organization": "trust",
        "text": "No re-identification.", "effective": "2026-01-01"});
    assert_eq!(admin.post("/api/policies", agreement).await.0, StatusCode::CREATED);
    let ask = json!({"purpose": "Bed planning", "intended_use": "tables"});
    let (status, request) = researcher.post(&format!("/api/records/{id}/access/requests"), ask).await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    let rid = request["id"].as_str().unwrap();
    let approval = json!({"expires": "2099-12-31", "agreement_policy": "trust-dua"});
    assert_eq!(steward.post(&format!("/api/access/requests/{rid}/approve"), approval).await.0, StatusCode::OK);
    let accepted = researcher.post(&format!("/api/access/requests/{rid}/accept"), json!({"agreement_accepted": true})).await;
    assert_eq!(accepted.0, StatusCode::CREATED, "{}", accepted.1);
    assert_eq!(researcher.bytes(&format!("/api/records/{id}/files/admissions.csv/content")).await.0, StatusCode::OK);

    let people = json!({"curators": ["curator@example.org"]});
    answers.ask_as(&owner, Method::PUT, "/api/records/{id}/people", &format!("/api/records/{id}/people"), Some(people)).await;
    answers.ask(Method::GET, "/api/records/{id}/people", &format!("/api/records/{id}/people"), None).await;
    answers.ask(Method::GET, "/api/records/{id}/access", &format!("/api/records/{id}/access"), None).await;
    let trail = answers.ask(Method::GET, "/api/records/{id}/audit", &format!("/api/records/{id}/audit"), None).await;
    assert!(trail["hits"]["total"].as_u64().is_some_and(|total| total > 3), "{trail}");
    answers.ask_as(&researcher, Method::GET, "/api/user/audit", "/api/user/audit", None).await;
    let sample =
        answers.ask(Method::GET, "/api/organizations/{org}/compliance/sample", "/api/organizations/trust/compliance/sample", None).await;
    let seq = &sample["hits"]["hits"][0]["seq"];
    assert!(seq.is_i64(), "the grant's download is sampled: {sample}");
    let check = json!({"seq": seq, "verdict": "fine", "finding": "Read once, as agreed."});
    answers
        .ask(Method::POST, "/api/organizations/{org}/compliance/checks", "/api/organizations/trust/compliance/checks", Some(check))
        .await;
    let report = answers.ask(Method::GET, "/api/organizations/{org}/compliance", "/api/organizations/trust/compliance", None).await;
    assert_eq!(report["grants"]["active"].as_array().map(Vec::len), Some(1), "{report}");
    answers.ask_as(&researcher, Method::GET, "/api/organizations/{org}/figures", "/api/organizations/trust/figures", None).await;
    let version = json!({"title": "Data use agreement", "text": "No re-identification, no linkage.", "effective": "2026-02-01",
        "changes": "Linkage is forbidden too."});
    assert_eq!(admin.post("/api/policies/trust-dua/versions", version).await.0, StatusCode::CREATED);
    let asked = answers
        .ask(Method::POST, "/api/policies/{policy}/require-reacceptance", "/api/policies/trust-dua/require-reacceptance", None)
        .await;
    assert_eq!(asked["grants"].as_array().map(Vec::len), Some(1), "{asked}");

    // Retention: a schedule, the deletions it makes due, a hold placed and lifted, and a
    // request for deletion approved.
    let schedules = "/api/retention/schedules";
    let schedule = json!({"organization": "trust", "data_class": "restricted", "years": 10, "after": "publication", "note": "NHS records"});
    answers.ask_as(&admin, Method::POST, schedules, schedules, Some(schedule)).await;
    answers.ask(Method::GET, schedules, schedules, None).await;
    let due = answers.ask(Method::GET, "/api/retention/upcoming", "/api/retention/upcoming?days=4000", None).await;
    assert_eq!(due["hits"]["total"], 1, "{due}");
    let holds = format!("/api/records/{id}/holds");
    let hold = answers.ask(Method::POST, "/api/records/{id}/holds", &holds, Some(json!({"reason": "Inquiry"}))).await;
    answers.ask(Method::GET, "/api/records/{id}/holds", &holds, None).await;
    let lift = format!("{holds}/{}", hold["id"].as_str().unwrap());
    answers.ask(Method::DELETE, "/api/records/{id}/holds/{hold}", &lift, None).await;
    let requests = format!("/api/records/{id}/deletion-requests");
    let asked = answers
        .ask_as(&owner, Method::POST, "/api/records/{id}/deletion-requests", &requests, Some(json!({"reason": "Consent withdrawn"})))
        .await;
    answers.ask_as(&curator, Method::GET, "/api/user/deletion-queue", "/api/user/deletion-queue", None).await;
    let approve = format!("/api/deletion-requests/{}/approve", asked["id"].as_str().unwrap());
    answers.ask_as(&curator, Method::POST, "/api/deletion-requests/{request}/approve", &approve, Some(json!({"note": "Agreed"}))).await;
    let gone =
        answers.ask_as(&owner, Method::GET, "/api/records/{id}/deleted-files", &format!("/api/records/{id}/deleted-files"), None).await;
    assert_eq!(gone["hits"]["total"], 1, "{gone}");
    answers.check().await;
}

/// The answers of the ways in: Zenodo's deposit API from a new deposition to a new version,
/// communities, vocabularies, an archive unpacked into a draft, the search index's state and
/// a rebuild, a browser's session, and the probes.
#[tokio::test]
async fn deposit_and_platform_answers_fit_the_documented_schemas() {
    deposit_and_platform_answers(TestServerConfig::default()).await;
}

async fn deposit_and_platform_answers(config: TestServerConfig) {
    let server = start(config).await;
    server.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    let admin = administrator(&server);
    let curator = member(&server, "curator@example.org", "uni", "curator");
    let mut answers = Answers { api: curator.clone(), seen: Vec::new() };

    // Zenodo's deposit API.
    let deposition = answers.ask(Method::POST, "/api/deposit/depositions", "/api/deposit/depositions", Some(json!({}))).await;
    let did = deposition["id"].as_i64().unwrap();
    let bucket = curator.upload(&format!("/api/files/{did}/data.csv"), b"site,level\nTaff,1.2\n".to_vec()).await;
    answers.note(Method::PUT, "/api/files/{bucket}/{key}", bucket);
    let form = reqwest::multipart::Form::new()
        .text("name", "notes.txt")
        .part("file", reqwest::multipart::Part::bytes(b"Gauged hourly.".to_vec()).file_name("upload.txt"));
    let posted = curator.send(curator.request(Method::POST, &format!("/api/deposit/depositions/{did}/files")).multipart(form)).await;
    answers.note(Method::POST, "/api/deposit/depositions/{id}/files", posted);
    let zenodo = json!({"metadata": {"title": "Taff levels", "upload_type": "publication", "publication_type": "report",
        "description": "Hourly levels.", "creators": [{"name": "Hopper, Grace", "affiliation": "Navy", "orcid": "0000-0002-1825-0097"}],
        "keywords": ["rivers"], "license": "cc-by-4.0", "access_right": "open", "publication_date": "2024-05-01"}});
    let deposition_path = format!("/api/deposit/depositions/{did}");
    answers.ask(Method::PUT, "/api/deposit/depositions/{id}", &deposition_path, Some(zenodo)).await;
    answers.ask(Method::GET, "/api/deposit/depositions/{id}", &deposition_path, None).await;
    answers.ask(Method::GET, "/api/deposit/depositions", "/api/deposit/depositions", None).await;
    let actions = |action: &str| format!("{deposition_path}/actions/{action}");
    answers.ask(Method::POST, "/api/deposit/depositions/{id}/actions/publish", &actions("publish"), None).await;
    answers.ask(Method::POST, "/api/deposit/depositions/{id}/actions/edit", &actions("edit"), None).await;
    answers.ask(Method::POST, "/api/deposit/depositions/{id}/actions/discard", &actions("discard"), None).await;
    let published = answers.ask(Method::POST, "/api/deposit/depositions/{id}/actions/newversion", &actions("newversion"), None).await;
    assert_eq!(published["state"], "done", "{published}");

    // Communities, with the published deposition in one and out again.
    let community = json!({"slug": "rivers", "title": "Welsh rivers", "organization": "uni"});
    answers.ask_as(&admin, Method::POST, "/api/communities", "/api/communities", Some(community)).await;
    answers.ask(Method::GET, "/api/communities", "/api/communities", None).await;
    answers.ask(Method::GET, "/api/communities/{id}", "/api/communities/rivers", None).await;
    let into = json!({"communities": [{"id": "rivers"}]});
    let record_communities = format!("/api/records/{did}/communities");
    answers.ask(Method::POST, "/api/records/{id}/communities", &record_communities, Some(into.clone())).await;
    let found = answers.ask(Method::GET, "/api/communities/{id}/records", "/api/communities/rivers/records", None).await;
    assert_eq!(found["hits"]["total"], 1, "{found}");
    answers.ask(Method::DELETE, "/api/records/{id}/communities", &record_communities, Some(into)).await;

    // Vocabularies: the SPDX licences and the languages, a page and a term.
    let licences = answers.ask(Method::GET, "/api/vocabularies/{vocabulary}", "/api/vocabularies/licenses?q=cc-by&size=3", None).await;
    assert!(licences["hits"]["total"].as_u64().is_some_and(|total| total > 3), "{licences}");
    answers.ask(Method::GET, "/api/vocabularies/{vocabulary}", "/api/vocabularies/languages?q=welsh", None).await;
    answers.ask(Method::GET, "/api/vocabularies/{vocabulary}/{id}", "/api/vocabularies/licenses/cc-by-4.0", None).await;

    // A tar unpacked into a draft.
    let mut tar = tar::Builder::new(Vec::new());
    for (name, content) in [("levels/taff.csv", &b"hour,level\n1,1.2\n"[..]), ("levels/ely.csv", b"hour,level\n1,0.8\n")] {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, content).unwrap();
    }
    let levels = tar.into_inner().unwrap();
    let draft = curator.draft_from(json!({"organization": "uni", "metadata": metadata("Levels")}), &[("levels.tar", &levels)]).await;
    let unpack = format!("/api/records/{draft}/draft/files/levels.tar/unpack");
    let unpacked = answers.ask(Method::POST, "/api/records/{id}/draft/files/{key}/unpack", &unpack, None).await;
    assert_eq!(unpacked["files"], 2, "{unpacked}");
    // The same, and its publish, answered at once as tasks, and the tasks as they end.
    let draft = curator.draft_from(json!({"organization": "uni", "metadata": metadata("Levels again")}), &[("levels.tar", &levels)]).await;
    let unpack = format!("/api/records/{draft}/draft/files/levels.tar/unpack");
    let publish = format!("/api/records/{draft}/draft/actions/publish");
    for (template, path) in [("/api/records/{id}/draft/files/{key}/unpack", unpack), ("/api/records/{id}/draft/actions/publish", publish)] {
        let started = curator.send(curator.request(Method::POST, &path).header("prefer", "respond-async")).await;
        let task = answers.note(Method::POST, template, started);
        let path = format!("/api/tasks/{}", task["id"].as_str().unwrap());
        loop {
            let task = answers.ask_as(&curator, Method::GET, "/api/tasks/{id}", &path, None).await;
            if task["status"] != "running" {
                assert_eq!(task["status"], "done", "{task}");
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    // The platform: the index, a session, and the probes.
    answers.ask_as(&admin, Method::GET, "/api/admin/search-index", "/api/admin/search-index", None).await;
    answers.ask_as(&admin, Method::POST, "/api/admin/search-index/rebuild", "/api/admin/search-index/rebuild", None).await;
    let session = crate::sessions::session_of(&server, "curator@example.org").await;
    let anonymous = Api::new(&server, None);
    let signed_in = anonymous.send(anonymous.request(Method::GET, "/api/user/session").header("cookie", session)).await;
    answers.note(Method::GET, "/api/user/session", signed_in);
    answers.ask(Method::GET, "/health", "/health", None).await;
    answers.ask(Method::GET, "/ready", "/ready", None).await;
    answers.check().await;
}

/// The same answers from a server whose catalogue is PostgreSQL, each scenario on a database
/// of its own: what the catalogue gives back (numbers, times, nulls) has the documented shapes
/// on both.
#[tokio::test]
async fn answers_from_postgres_fit_the_documented_schemas() {
    let on = |database: &tessera_testkit::DatabaseUrl| TestServerConfig { database_url: Some(database.url.clone()), ..Default::default() };
    let database = fresh_postgres().await;
    record_answers(on(&database)).await;
    let database = fresh_postgres().await;
    access_and_identity_answers(on(&database)).await;
    let database = fresh_postgres().await;
    governance_answers(on(&database)).await;
    let database = fresh_postgres().await;
    deposit_and_platform_answers(on(&database)).await;
}

/// schemathesis, the reference fuzzer for OpenAPI documents, sends requests it makes from the
/// document to every operation (tus's pieces as bytes, which `scripts/schemathesis_hooks.py`
/// tells it how to make), alone and chained through the links it infers, and finds each answer
/// as documented: no server error, a documented status, content type, headers and body;
/// nothing still there once deleted; and nothing answered without the token an operation
/// needs. A fixed seed makes the run repeat.
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
    let (_, hooks) = reference_python("schemathesis_hooks.py");
    let output = std::process::Command::new(st)
        .current_dir(scratch.path())
        .env("NO_COLOR", "1")
        .env("PYTHONPATH", hooks.parent().unwrap())
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .args(["run", &server.url("/api/openapi.json"), "--url", &server.base_url, "--checks", checks])
        .args(["--phases", "examples,fuzzing,stateful", "--max-examples", "10"])
        .args(["--workers", "1", "--seed", "7", "--generation-database", "none"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .output()
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains("passed") && !server.log().contains("panicked"), "{report}");
    // Every operation, tus's among them.
    let selected = report.lines().find_map(|line| line.trim().strip_prefix("Operations:")).map(str::trim);
    let (chosen, total) = selected.and_then(|counts| counts.split_once(" selected / ")).expect("the report counts the operations");
    assert_eq!(Some(chosen), total.strip_suffix(" total"), "{report}");
}
