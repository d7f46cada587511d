//! Every operation the OpenAPI document names, every page and OAI-PMH, sent seeded random input:
//! odd path segments and query values, mangled metadata and forms, bodies of the wrong kind,
//! stray protocol headers, and callers from an administrator's token or a signed-in browser to a
//! made-up token; and many clients at once on the same datasets. None may get a server error
//! or panic the server.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Map, Value, json};
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, start};

/// Requests sent; a failure prints its seed, and `TESSERA_FUZZ_SEED` replays it.
const REQUESTS: usize = 2_000;

/// Path segments and query values, beside the ids of a real record and draft.
const ODD: &[&str] = &[
    "",
    "0",
    "-1",
    "1",
    "99999999999999999999",
    "1e3",
    "abc",
    "%00",
    "..%2F..%2Fetc",
    "%E2%80%AE",
    "a%2Fb",
    "%F0%9F%92%A9",
    "README.md",
    "data.csv",
    "null",
    "%25",
    "cardiff-uni",
    "v1",
    "md5:abc",
    "*",
    "%C0%AF",
    "\"",
    "(",
    "title:",
    "a AND",
    "~",
];

/// Strings put into JSON bodies.
const STRINGS: &[&str] = &[
    "",
    "a",
    "\u{0}",
    "\u{202E}",
    "../../etc/passwd",
    "2026-13-45",
    "2026-01-01",
    "1/2",
    "CC-BY-4.0",
    "cc-by-4.0",
    "0000-0002-1825-0097",
    "10.1234/abc",
    "https://ror.org/03kk7td41",
    "eng",
    "xx",
    "<script>",
    "'; DROP TABLE records;--",
    "public",
    "restricted",
    "enclave",
    "dataset",
    "{}",
    "-1",
    "99999999999999999999999999",
    "\\",
    "\u{FF0E}\u{FF0E}/x",
];

/// Field names put into JSON bodies: those of metadata, access, files and the admin calls.
const KEYS: &[&str] = &[
    "metadata",
    "access",
    "files",
    "title",
    "creators",
    "person_or_org",
    "type",
    "given_name",
    "family_name",
    "name",
    "identifiers",
    "scheme",
    "identifier",
    "affiliations",
    "id",
    "resource_type",
    "publication_date",
    "rights",
    "subjects",
    "languages",
    "dates",
    "description",
    "record",
    "data_class",
    "embargo",
    "active",
    "until",
    "reason",
    "enabled",
    "key",
    "email",
    "role",
    "scopes",
    "expires",
    "organization",
    "partners",
    "file_classes",
    "slug",
    "communities",
    "curators",
    "stewards",
    "purpose",
    "days",
    "version",
    "funding",
    "locations",
    "related_identifiers",
    "retention",
    "delete_files_on",
    "url",
    "decision",
    "policy",
];

/// Headers of the protocols the API speaks, with values each could be sent wrongly.
const HEADERS: &[(&str, &[&str])] = &[
    ("range", &["bytes=0-0", "bytes=-5", "bytes=5-2", "bytes=a-b", "bytes=0-1,3-4", "bytes=99999999999-"]),
    ("upload-length", &["-1", "abc", "99999999999999999999", "0"]),
    ("upload-offset", &["-1", "5", "x"]),
    ("tus-resumable", &["1.0.0", "0.2", ""]),
    ("upload-checksum", &["sha1 xx", "md5", "sha256 AAAA", "crc32 AAAA"]),
    ("upload-metadata", &["filename %%%", "filename", "a b,c", "filename ZmlsZQ==,draft MQ=="]),
    ("if-none-match", &["\"x\"", "*"]),
    ("accept", &["application/xml", "text/html", "application/ld+json", "application/x-bibtex", "*/*"]),
];

/// The pages, their forms and OAI-PMH, which the OpenAPI document leaves out, with their query
/// parameters.
const PAGES: &[(&str, &str, &[&str])] = &[
    ("GET", "/", &[]),
    ("GET", "/search", &["q", "page", "sort", "resource_type", "subject", "license", "year", "language", "access", "origin"]),
    ("GET", "/records/{id}", &["page", "token"]),
    ("POST", "/records/{id}/report", &[]),
    ("GET", "/records/{id}/change", &[]),
    ("GET", "/records/{id}/audit", &["page"]),
    ("POST", "/records/{id}/change/{change}", &[]),
    ("GET", "/policies/{policy}", &["version"]),
    ("GET", "/records/{id}/request-access", &[]),
    ("POST", "/records/{id}/request-access", &[]),
    ("GET", "/access", &[]),
    ("POST", "/access/requests/{id}/accept", &[]),
    ("POST", "/access/requests/{id}/{decision}", &[]),
    ("GET", "/stewarding", &[]),
    ("POST", "/access/grants/{id}/revoke", &[]),
    ("GET", "/organizations", &[]),
    ("GET", "/organizations/{org}", &[]),
    ("GET", "/organizations/{org}/audit", &["page"]),
    ("POST", "/organizations/{org}/{change}", &[]),
    ("GET", "/account", &[]),
    ("GET", "/account/activity", &["page"]),
    ("POST", "/account/tokens", &[]),
    ("GET", "/uploads", &[]),
    ("GET", "/uploads/new", &[]),
    ("POST", "/uploads/new", &[]),
    ("GET", "/uploads/{id}", &[]),
    ("POST", "/uploads/{id}", &[]),
    ("POST", "/uploads/{id}/files", &[]),
    ("POST", "/uploads/{id}/files/remove", &[]),
    ("GET", "/oai", &["verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken"]),
    ("POST", "/oai", &[]),
    ("GET", "/ark:/{naan}/{name}", &[]),
    ("GET", "/language/{lang}", &["next"]),
    ("GET", "/login", &["next"]),
    ("POST", "/login", &[]),
    ("GET", "/login/sso/{provider}", &["next"]),
    ("GET", "/auth/callback", &["code", "state", "error"]),
];

/// Who sends a request.
#[derive(Clone, Copy)]
enum Caller<'a> {
    Token(&'a str),
    /// A signed-in browser: its session cookie, and the CSRF token it sends with most changes.
    Browser(&'a str, &'a str),
    Anonymous,
}

struct Fuzz {
    rng: StdRng,
    ids: [String; 2],
}

impl Fuzz {
    fn pick<'a>(&mut self, from: &'a [&'a str]) -> &'a str {
        from.choose(&mut self.rng).expect("a choice")
    }

    fn value(&mut self, depth: usize) -> Value {
        match self.rng.gen_range(0..if depth < 4 { 9 } else { 5 }) {
            0 => Value::Null,
            1 => Value::Bool(self.rng.r#gen()),
            2 => [json!(0), json!(-1), json!(1.5), json!(1e308), json!(i64::MIN), json!(u64::MAX)]
                .choose(&mut self.rng)
                .expect("a number")
                .clone(),
            3 | 4 => Value::String(self.pick(STRINGS).to_string()),
            5 | 6 => Value::Object((0..self.rng.gen_range(0..6)).map(|_| (self.pick(KEYS).to_string(), self.value(depth + 1))).collect()),
            _ => Value::Array((0..self.rng.gen_range(0..5)).map(|_| self.value(depth + 1)).collect()),
        }
    }

    /// A valid document with fields dropped, replaced by random values or added.
    fn mutate(&mut self, doc: &Value, depth: usize) -> Value {
        match doc {
            Value::Object(fields) => {
                let mut out = Map::new();
                for (key, value) in fields {
                    match self.rng.gen_range(0..20) {
                        0..3 => {}
                        3..7 => {
                            out.insert(key.clone(), self.value(depth + 1));
                        }
                        _ => {
                            out.insert(key.clone(), self.mutate(value, depth + 1));
                        }
                    }
                }
                if self.rng.gen_bool(0.2) {
                    out.insert(self.pick(KEYS).to_string(), self.value(depth + 1));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|item| self.mutate(item, depth + 1)).collect()),
            _ if self.rng.gen_bool(0.3) => self.value(depth + 1),
            other => other.clone(),
        }
    }

    fn body(&mut self) -> (Vec<u8>, Option<&'static str>) {
        let json = Some("application/json");
        match self.rng.gen_range(0..10) {
            0..5 => {
                let draft =
                    json!({"metadata": metadata("Fuzzed"), "access": {"record": "public", "files": "public"}, "files": {"enabled": true}});
                (self.mutate(&draft, 0).to_string().into_bytes(), json)
            }
            5 => (self.value(0).to_string().into_bytes(), json),
            6 => (Value::Array((0..3).map(|_| json!({"key": self.pick(STRINGS)})).collect()).to_string().into_bytes(), json),
            7 => {
                let kinds = [
                    "application/json",
                    "application/octet-stream",
                    "text/plain",
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                ];
                ((0..self.rng.gen_range(0..200)).map(|_| self.rng.r#gen()).collect(), Some(*kinds.choose(&mut self.rng).expect("a kind")))
            }
            8 => (b"{\"metadata\": {\"title\": \"unterminated".to_vec(), json),
            _ => (Vec::new(), [json, Some("application/octet-stream"), None].choose(&mut self.rng).copied().flatten()),
        }
    }

    /// A page's form: its usual fields, and others, with odd values.
    fn form(&mut self, csrf: Option<&str>) -> Vec<u8> {
        let mut fields: Vec<(String, String)> = (0..self.rng.gen_range(0..6))
            .map(|_| {
                let name = self.pick(&[
                    "email",
                    "password",
                    "next",
                    "title",
                    "description",
                    "purpose",
                    "reason",
                    "key",
                    "name",
                    "scopes",
                    "decision",
                    "note",
                    "days",
                    "role",
                    "lang",
                ]);
                (name.to_string(), self.pick(STRINGS).to_string())
            })
            .collect();
        if let Some(csrf) = csrf.filter(|_| self.rng.gen_bool(0.8)) {
            fields.push(("csrf_token".into(), csrf.into()));
        }
        let mut form = reqwest::Url::parse("http://form/").expect("a URL");
        form.query_pairs_mut().extend_pairs(fields);
        form.query().unwrap_or_default().as_bytes().to_vec()
    }

    /// The path with each `{parameter}` filled: mostly the real record or draft for ids.
    fn path(&mut self, template: &str) -> String {
        let segments: Vec<String> = template
            .split('/')
            .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some("id") if self.rng.gen_bool(0.6) => self.ids.choose(&mut self.rng).expect("an id").clone(),
                Some(_) => self.pick(ODD).to_string(),
                None => segment.to_string(),
            })
            .collect();
        segments.join("/")
    }

    fn query(&mut self, parameters: &[String]) -> Vec<(String, String)> {
        let mut query = Vec::new();
        for name in parameters {
            if self.rng.gen_bool(0.7) {
                query.push((name.clone(), self.pick(ODD).to_string()));
            }
        }
        if self.rng.gen_bool(0.3) {
            let name =
                self.pick(&["q", "sort", "page", "size", "verb", "metadataPrefix", "resumptionToken", "from", "set", "access_token"]);
            query.push((name.to_string(), self.pick(ODD).to_string()));
        }
        query
    }
}

/// `(method, path template, query parameter names)` of every operation in the document.
fn operations(openapi: &Value) -> Vec<(Method, String, Vec<String>)> {
    let mut found = Vec::new();
    for (path, item) in openapi["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else { continue };
            // Revoking the callers' own tokens would leave the rest of the run at the door.
            if method == Method::DELETE && path == "/api/user/tokens/{id}" {
                continue;
            }
            let parameters = operation["parameters"].as_array().into_iter().flatten();
            let query = parameters.filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str().map(String::from)).collect();
            found.push((method, path.clone(), query));
        }
    }
    for (method, path, query) in PAGES {
        found.push((method.parse().expect("a method"), path.to_string(), query.iter().map(|name| name.to_string()).collect()));
    }
    found
}

#[tokio::test]
async fn random_input_never_gets_a_server_error() {
    let server = start(TestServerConfig::default()).await;
    let owner = Api::new(&server, Some(server.user_token("ada@example.org")));
    server.cli_ok(&["admin", "create-user", "root@example.org", "--admin"]);
    let admin = server.cli_ok(&["admin", "create-token", "root@example.org", "--scopes", "read deposit steward admin"]).trim().to_string();
    let record = owner.draft_with_files(metadata("Target"), &[("data.csv", b"a,b\n1,2\n")]).await;
    owner.publish(&record).await;
    let draft = owner.draft_with_files(metadata("Draft"), &[("notes.txt", b"notes")]).await;
    let session = crate::sessions::session_of(&server, "ada@example.org").await;
    let (_, me) =
        Api::new(&server, None).send(reqwest::Client::new().get(server.url("/api/user/session")).header("cookie", &session)).await;
    let csrf = me["csrf_token"].as_str().expect("the session's CSRF token").to_string();
    let (_, openapi) = owner.get("/api/openapi.json").await;
    let operations = operations(&openapi);
    assert!(operations.len() > 50 + PAGES.len(), "{} operations", operations.len());

    let seed = std::env::var("TESSERA_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261202);
    let mut fuzz = Fuzz { rng: StdRng::seed_from_u64(seed), ids: [record, draft] };
    let callers = [
        Caller::Token(&admin),
        Caller::Token(&admin),
        Caller::Token(owner.token.as_deref().expect("a token")),
        Caller::Browser(&session, &csrf),
        Caller::Anonymous,
        Caller::Token("made-up"),
    ];
    // A redirect is an answer in itself; where it leads is requested on its own.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let (mut failures, mut answered) = (Vec::new(), std::collections::BTreeMap::new());
    for _ in 0..REQUESTS {
        let (method, template, parameters) = operations.choose(&mut fuzz.rng).expect("an operation").clone();
        let mut url = reqwest::Url::parse(&server.url(&fuzz.path(&template))).expect("a URL");
        let query = fuzz.query(&parameters);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut request = client.request(method.clone(), url.clone());
        let caller = *callers.choose(&mut fuzz.rng).expect("a caller");
        let csrf = match caller {
            Caller::Token(token) => {
                request = request.bearer_auth(token);
                None
            }
            Caller::Browser(session, csrf) => {
                request = request.header("cookie", session);
                if fuzz.rng.gen_bool(0.8) {
                    request = request.header("x-csrf-token", csrf);
                }
                Some(csrf)
            }
            Caller::Anonymous => None,
        };
        let mut sent = String::new();
        if [Method::POST, Method::PUT, Method::PATCH].contains(&method) {
            let (body, kind) = if !template.starts_with("/api") && fuzz.rng.gen_bool(0.7) {
                (fuzz.form(csrf), Some("application/x-www-form-urlencoded"))
            } else {
                fuzz.body()
            };
            sent = String::from_utf8_lossy(&body).chars().take(300).collect();
            request = request.body(body);
            if let Some(kind) = kind {
                request = request.header("content-type", kind);
            }
        }
        if fuzz.rng.gen_bool(0.3) {
            let (name, values) = HEADERS.choose(&mut fuzz.rng).expect("a header");
            request = request.header(*name, *values.choose(&mut fuzz.rng).expect("a value"));
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        *answered.entry(status.as_u16()).or_insert(0) += 1;
        // The API's refusals are problems, as its document says, axum's own among them; a page's
        // are pages or problems, never bare text.
        let kind = response.headers().get("content-type").and_then(|kind| kind.to_str().ok()).unwrap_or_default().to_string();
        let unexplained = status.is_client_error()
            && match template.starts_with("/api") {
                true => kind != "application/problem+json",
                false => kind.is_empty() || kind.starts_with("text/plain"),
            };
        if status.is_server_error() || unexplained {
            let said = response.text().await.unwrap_or_default();
            failures.push(format!("{status} ({kind}) {method} {url} {sent:?}: {said}"));
        }
    }
    // Every kind of answer is reached, not only refusals at the door.
    for status in [200, 201, 400, 401, 404] {
        assert!(answered.contains_key(&status), "seed {seed}: no {status} among {answered:?}");
    }
    assert!(failures.is_empty(), "seed {seed}: {} server errors or refusals unexplained:\n{}", failures.len(), failures.join("\n"));
    assert!(!server.log().contains("panicked"), "seed {seed}: the server panicked:\n{}", server.log());
}

/// Sixteen clients at once on the same few datasets: declaring, uploading, committing and
/// deleting files (directly, by tus and in parts), publishing, opening edits and new versions,
/// discarding drafts, reading and downloading. A request that loses a race is told so (404,
/// 409), and none gets a server error.
#[tokio::test]
async fn racing_requests_never_get_a_server_error() {
    let server = start(TestServerConfig::default()).await;
    let api = Api::new(&server, Some(server.user_token("ada@example.org")));
    let draft = json!({"metadata": metadata("Raced"), "files": {"enabled": true}});
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, made) = api.post("/api/records", draft.clone()).await;
        ids.push(made["id"].as_str().expect("an id").to_string());
    }
    let ids = std::sync::Arc::new(std::sync::Mutex::new(ids));
    let clients = (0..16u64).map(|client| {
        let (api, ids, draft) = (api.clone(), ids.clone(), draft.clone());
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(client);
            let mut failures = Vec::new();
            for _ in 0..60 {
                let id = ids.lock().expect("the ids").choose(&mut rng).expect("an id").clone();
                let key = *["a.csv", "b.txt", "c/d.bin"].choose(&mut rng).expect("a key");
                let files = format!("/api/records/{id}/draft/files");
                let content: Vec<u8> = (0..rng.gen_range(1..3000)).map(|_| rng.r#gen()).collect();
                let (status, body) = match rng.gen_range(0..16) {
                    0 | 1 => api.post(&files, json!([{"key": key}])).await,
                    2 | 3 => api.upload(&format!("{files}/{key}/content"), content).await,
                    4 | 5 => api.post_empty(&format!("{files}/{key}/commit")).await,
                    6 => api.delete(&format!("{files}/{key}")).await,
                    7 => api.post_empty(&format!("/api/records/{id}/draft/actions/publish")).await,
                    8 => api.post_empty(&format!("/api/records/{id}/draft")).await,
                    9 => api.put(&format!("/api/records/{id}/draft"), draft.clone()).await,
                    10 => api.delete(&format!("/api/records/{id}/draft")).await,
                    11 | 12 => {
                        let path = if rng.gen_bool(0.5) { "/api/records".to_string() } else { format!("/api/records/{id}/versions") };
                        let (status, made) = api.post(&path, draft.clone()).await;
                        if let Some(made) = made["id"].as_str().filter(|_| status.is_success()) {
                            ids.lock().expect("the ids").push(made.to_string());
                        }
                        (status, made)
                    }
                    13 => {
                        let metadata = format!("record {},filename {}", BASE64.encode(&id), BASE64.encode(key));
                        let length = content.len().to_string();
                        let request = api.request(Method::POST, "/api/uploads/").header("tus-resumable", "1.0.0");
                        let request = request.header("upload-length", length).header("upload-metadata", metadata);
                        api.send(request.header("content-type", "application/offset+octet-stream").body(content)).await
                    }
                    14 => api.post(&files, json!([{"key": key, "size": 2048, "transfer": {"type": "M", "parts": 2}}])).await,
                    _ => api.get(&format!("/api/records/{id}/files-archive")).await,
                };
                if status.is_server_error() {
                    failures.push(format!("{status}: {body}"));
                }
            }
            failures
        })
    });
    let mut failures = Vec::new();
    for client in clients.collect::<Vec<_>>() {
        failures.extend(client.await.expect("a client"));
    }
    assert!(failures.is_empty(), "{} server errors:\n{}", failures.len(), failures.join("\n"));
    assert!(!server.log().contains("panicked"), "the server panicked:\n{}", server.log());
}

/// Changes sent to a draft while it is published are made before the publish reads it, and
/// are published, or are refused with 409 and are not: a change answered as done is never
/// lost, and one refused never published.
#[tokio::test]
async fn changes_during_a_publish_are_published_or_refused() {
    const FILES: usize = 3_000;
    let server = start(TestServerConfig::default()).await;
    let api = Api::new(&server, Some(server.user_token("ada@example.org")));
    let dir = tempfile::tempdir().expect("a folder");
    let archive = dir.path().join("all.zip");
    let python = std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names a Python; scripts/test.sh sets it");
    let script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    for i in range(int(sys.argv[2])): z.writestr(f'f{i:05}.txt', f'{i}\\n')";
    let made = std::process::Command::new(python).args(["-c", script]).arg(&archive).arg(FILES.to_string()).output().expect("python runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let id = api.draft_with_files(metadata("Busy"), &[("all.zip", &std::fs::read(&archive).expect("the zip"))]).await;
    let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/files/all.zip/unpack")).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");

    let publishing = {
        let (api, path) = (api.clone(), format!("/api/records/{id}/draft/actions/publish"));
        tokio::spawn(async move { api.post_empty(&path).await })
    };
    // Every other change deletes a file; the rest retitle the draft.
    let mut changes = Vec::new();
    for n in 0..FILES {
        if publishing.is_finished() {
            break;
        }
        let (status, body) = match n % 2 {
            0 => api.delete(&format!("/api/records/{id}/draft/files/f{n:05}.txt")).await,
            _ => api.put(&format!("/api/records/{id}/draft"), json!({"metadata": metadata(&format!("Busy {n}"))})).await,
        };
        changes.push((n, status.as_u16(), body));
    }
    let (status, record) = publishing.await.expect("the publish");
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{record}");
    let (_, files) = api.get(&format!("/api/records/{id}/files")).await;
    let published: std::collections::HashSet<&str> =
        files["entries"].as_array().expect("entries").iter().filter_map(|file| file["key"].as_str()).collect();
    let title = record["metadata"]["title"].as_str().expect("a title");

    let mut refused = 0;
    let mut last_retitled = None;
    for (n, status, body) in &changes {
        let key = format!("f{n:05}.txt");
        match (n % 2, status) {
            (0, 204) => assert!(!published.contains(key.as_str()), "{key} was deleted, and published"),
            // Refused during the publish, or sent after it, when the draft was gone.
            (0, 409 | 404) => assert!(published.contains(key.as_str()), "{key} was not deleted, and not published"),
            (_, 200) => last_retitled = Some(*n),
            (_, 409) => assert_ne!(title, format!("Busy {n}"), "a title refused was published"),
            // After the publish; or made just before it, with the draft gone by its answer.
            (_, 404) => {}
            _ => panic!("change {n}: {status} {body}"),
        }
        refused += usize::from(*status == 409);
        if *status == 409 {
            assert!(body["detail"].as_str().is_some_and(|detail| detail.contains("is being published")), "{body}");
        }
    }
    // The last title answered as made is the one published, unless a later one was made just
    // before the publish and answered 404.
    if let Some(n) = last_retitled {
        let published_n: usize = title.strip_prefix("Busy ").and_then(|n| n.parse().ok()).expect("a title the test gave");
        assert!(published_n >= n, "title {n} was made, and {title} published");
    }
    assert!(refused > 0, "no change came while the publish ran, so nothing was tested ({} changes)", changes.len());
}
