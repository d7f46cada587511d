//! Bad input gets a clear problem+json error, never a panic, a partial write or a change.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, start};

/// Files left in a draft's staging folder (partial uploads would show up here).
fn staged_files(data_dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for draft in std::fs::read_dir(data_dir.join("staging")).unwrap() {
        for file in std::fs::read_dir(draft.unwrap().path()).unwrap() {
            found.push(file.unwrap().file_name().to_string_lossy().into_owned());
        }
    }
    found
}

#[tokio::test]
async fn bad_input_is_refused_cleanly() {
    let env =
        vec![("TESSERA_MAX_JSON_BYTES".to_string(), "20000".to_string()), ("TESSERA_MAX_FILE_BYTES".to_string(), "100000".to_string())];
    let server = start(TestServerConfig { env, ..Default::default() }).await;
    let api = Api::new(&server, Some(server.user_token("ada@example.org")));
    let id = api.draft_with_files(metadata("Bad input"), &[("ok.txt", b"fine")]).await;
    let files = format!("/api/records/{id}/draft/files");

    // Unsafe keys, each refused with 400 and the reason.
    for key in
        ["../etc/passwd", "/abs", "a/../../b", "a\\b", "nul\u{0}byte", "dot/./x", "", "a//b", "zero\u{200B}width", "\u{FF0E}\u{FF0E}/x"]
    {
        let (status, problem) = api.post(&files, json!([{"key": key}])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}: {problem}");
        assert_eq!(problem["type"], "/problems/validation");
        assert!(problem["errors"][0]["messages"][0].as_str().is_some(), "{problem}");
    }
    // Traversal through the URL path is refused too.
    let (status, _) = api.upload(&format!("/api/records/{id}/draft/files/..%2F..%2Fescape/content"), b"x".to_vec()).await;
    assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{status}");
    // Keys that are the same after Unicode normalisation collide.
    assert_eq!(api.post(&files, json!([{"key": "caf\u{e9}.txt"}])).await.0, StatusCode::CREATED);
    assert_eq!(api.post(&files, json!([{"key": "cafe\u{301}.txt"}])).await.0, StatusCode::CONFLICT);
    assert_eq!(api.post(&files, json!([{"key": "twice"}, {"key": "twice"}])).await.0, StatusCode::BAD_REQUEST);

    // Oversize bodies: 413, and no partial file is left behind.
    let staged_before = staged_files(&server.data_dir);
    api.post(&files, json!([{"key": "big.bin"}])).await;
    let (status, problem) = api.upload(&format!("{files}/big.bin/content"), vec![7u8; 200_000]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    // Files declared and never committed stop a publish, each named by its key.
    let (status, problem) = api.post_empty(&format!("/api/records/{id}/draft/actions/publish")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let uncommitted: Vec<&str> = problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(uncommitted, ["files.entries.big.bin", "files.entries.café.txt"], "{problem}");
    assert_eq!(staged_files(&server.data_dir), staged_before);
    assert_eq!(api.get(&format!("{files}/big.bin")).await.1["size"], Value::Null);
    let huge_title = "x".repeat(30_000);
    let (status, problem) = api.put(&format!("/api/records/{id}/draft"), json!({"metadata": {"title": huge_title}})).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");

    // Malformed JSON, wrong content types, wrong shapes, unknown fields: clear 400s.
    let draft = format!("/api/records/{id}/draft");
    let (status, problem) =
        api.send(api.request(Method::PUT, &draft).header("content-type", "application/json").body("{\"metadata\": ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(problem["detail"].as_str().unwrap().contains("not valid JSON"), "{problem}");
    let (status, problem) = api.send(api.request(Method::PUT, &draft).header("content-type", "text/plain").body("{}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(problem["detail"].as_str().unwrap().contains("Content-Type: application/json"), "{problem}");
    let (status, problem) =
        api.send(api.request(Method::PUT, &format!("{files}/ok.txt/content")).header("content-type", "text/plain").body("x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    // A file's addresses each take their own methods, and a refusal names them.
    for (method, address, allow) in [
        (Method::PUT, format!("{files}/ok.txt"), "GET,HEAD,DELETE"),
        (Method::DELETE, format!("{files}/ok.txt/content"), "GET,HEAD,PUT"),
        (Method::GET, format!("{files}/ok.txt/commit"), "POST"),
        (Method::DELETE, format!("{files}/ok.txt/content/2"), "PUT"),
        (Method::OPTIONS, format!("{files}/ok.txt/commit"), "POST"),
        (Method::PATCH, format!("{files}/ok.txt"), "GET,HEAD,DELETE"),
    ] {
        let response = api.request(method.clone(), &address).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {address}");
        let headers = response.headers();
        assert_eq!((headers["allow"].to_str().unwrap(), headers["content-type"].to_str().unwrap()), (allow, "application/problem+json"));
    }
    assert_eq!(api.get(&format!("{files}/ok.txt")).await.1["key"], "ok.txt");
    let mut unknown = metadata("Bad input");
    unknown["colour"] = "blue".into();
    let (status, problem) = api.put(&draft, json!({"metadata": unknown})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(problem["detail"].as_str().unwrap().contains("unknown field `colour`"), "{problem}");
    // Every member of the wrong shape is named in one answer, by its full path.
    let mut shapeless = metadata("Bad input");
    shapeless["creators"][0]["person_or_org"]["family_name"] = 7.into();
    shapeless["subjects"] = "rivers".into();
    shapeless["tittle"] = "typo".into();
    let (status, problem) = api.put(&draft, json!({"metadata": shapeless, "access": {"record": "public", "files": "secret"}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["metadata.creators.0.person_or_org.family_name", "metadata.subjects", "metadata.tittle", "access.files"],
        "{problem}"
    );
    assert!(problem["detail"].as_str().unwrap().contains("and 3 more problems"), "{problem}");
    // An object given as the list of its fields, which serde alone would read by position.
    let mut positional = metadata("Bad input");
    positional["subjects"] = json!([["an-id", "a term"]]);
    positional["creators"][0]["affiliations"] = json!([["01ggx4157", "CERN"]]);
    let (status, problem) = api.put(&draft, json!({"metadata": positional, "access": {"embargo": [true, "2030-01-01"]}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["metadata.creators.0.affiliations.0", "metadata.subjects.0", "access.embargo"], "{problem}");
    assert_eq!(problem["errors"][0]["messages"][0], "must be an object, not a list");
    let positional = json!([{"key": "parts.bin", "size": 10, "transfer": ["M", 2, 5]}]);
    let (status, problem) = api.post(&files, positional).await;
    assert_eq!((status, &problem["errors"][0]["field"]), (StatusCode::BAD_REQUEST, &json!("0.transfer")), "{problem}");
    let (status, problem) = api.post(&files, json!([{"key": "fine.txt"}, {"key": 5}])).await;
    assert_eq!((status, &problem["errors"][0]["field"]), (StatusCode::BAD_REQUEST, &json!("1.key")), "{problem}");
    assert_eq!(api.put(&draft, json!({"metadata": metadata("x"), "surprise": 1})).await.0, StatusCode::BAD_REQUEST);
    // A draft lists what would stop its publication beyond its metadata, such as an embargo
    // with no end.
    let embargo = json!({"record": "public", "files": "restricted", "embargo": {"active": true, "until": "tomorrow"}});
    let (_, saved) = api.put(&draft, json!({"metadata": metadata("x"), "access": embargo})).await;
    assert_eq!(
        saved["errors"],
        json!([{"field": "access.embargo.until", "messages": ["an active embargo needs an end date (YYYY-MM-DD)"]}])
    );
    let (_, saved) = api.put(&draft, json!({"metadata": metadata("x"), "access": {"record": "public", "files": "public"}})).await;
    assert_eq!(saved.get("errors"), None, "{saved}");
    assert_eq!(api.put(&draft, json!({"metadata": {"creators": "Ada"}})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(api.put(&draft, json!([1, 2])).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(api.get("/api/records/abc").await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get("/api/records/-1").await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get("/api/records?page=0").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(api.get("/api/records?sort=sideways").await.0, StatusCode::BAD_REQUEST);
    let (status, problem) = api.get("/api/records?allversions=maybe").await;
    assert_eq!((status, &problem["errors"][0]["field"]), (StatusCode::BAD_REQUEST, &json!("allversions")), "{problem}");
    // A file list's page and size are checked as a search's are; a page needs a size.
    for (query, field) in [("size=0", "size"), ("size=many", "size"), ("size=1001", "size"), ("page=0&size=5", "page"), ("page=2", "page")]
    {
        let (status, problem) = api.get(&format!("{files}?{query}")).await;
        assert_eq!((status, &problem["errors"][0]["field"]), (StatusCode::BAD_REQUEST, &json!(field)), "{query}: {problem}");
    }
    let (status, problem) = api.get("/api/records?q=%22unbalanced%20AND%20(").await;
    assert_eq!(status, StatusCode::OK, "a stray quote still searches: {problem}");

    // A publish with invalid metadata changes nothing.
    let mut invalid = metadata("Bad input");
    invalid["creators"][0]["person_or_org"]["identifiers"][0]["identifier"] = "0000-0002-1825-0098".into();
    invalid["rights"] = json!([{"id": "no-such-licence"}]);
    let (_, saved) = api.put(&draft, json!({"metadata": invalid})).await;
    assert_eq!(saved["errors"].as_array().unwrap().len(), 2, "{saved}");
    api.send(api.request(Method::DELETE, &format!("{files}/big.bin"))).await;
    api.send(api.request(Method::DELETE, &format!("{files}/caf\u{e9}.txt"))).await;
    let (_, before) = api.get(&draft).await;
    let (status, problem) = api.post_empty(&format!("{draft}/actions/publish")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["metadata.creators.0.person_or_org.identifiers.0.identifier", "metadata.rights.0.id"]);
    assert_eq!(api.get(&format!("/api/records/{id}")).await.0, StatusCode::NOT_FOUND);
    assert!(
        std::fs::read_dir(server.data_dir.join("ocfl")).unwrap().all(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.starts_with("0=") || name == "extensions" || name == "ocfl_layout.json"
        }),
        "nothing was written to storage"
    );
    assert_eq!(api.get(&draft).await.1, before);

    // Pages past any list's end, or past how far search hits can be paged, are refused with
    // the field, not wrapped round nor collected. With a record in the index, a far enough
    // page of hits made the index ask for room for every hit before it, and the server abort.
    let findable = api.draft_with_files(metadata("Findable"), &[("a.txt", b"a")]).await;
    api.publish(&findable).await;
    for path in [
        "/api/records?page=10000000000&size=100",
        "/api/records?page=18446744073709551615",
        "/api/records?page=9223372036854775809&size=10",
        "/api/records?page=1001&size=10",
        "/api/records?page=101&size=100",
        "/api/user/records?page=18446744073709551615&size=100",
        "/search?page=100000000",
    ] {
        let response = api.request(Method::GET, path).send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body.contains("page"), "{path}: {body}");
    }
    let (status, last) = api.get("/api/records?page=1000&size=10").await;
    assert_eq!((status, last["links"].get("next")), (StatusCode::OK, None), "the window's last page is served: {last}");
    assert!(!server.log().contains("panicked"), "{}", server.log());
}
