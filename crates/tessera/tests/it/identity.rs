//! Organizations, data classes and scoped, expiring, revocable tokens, end to end.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, person, start};

#[tokio::test]
async fn data_classes_decide_who_downloads() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "home-uni", "Home University"]);
    server.cli_ok(&["admin", "create-org", "partner-uni", "Partner University"]);
    let owner = person(&server, "owner@example.org", Some(("home-uni", "depositor")));
    let steward = person(&server, "steward@example.org", Some(("home-uni", "steward")));
    let partner = person(&server, "partner@example.org", Some(("partner-uni", "depositor")));
    let stranger = person(&server, "stranger@example.org", None);
    let anonymous = Api::new(&server, None);

    // Only members deposit for an organization, and access settings must agree.
    let (status, body) = owner.post("/api/records", json!({"organization": "partner-uni", "metadata": metadata("x")})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) =
        owner.post("/api/records", json!({"metadata": metadata("x"), "access": {"files": "public", "data_class": "restricted"}})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("access.files")), "{body}");

    // Expected statuses for: anonymous, stranger, partner member, owner, steward.
    let cases: [(&str, [u16; 5]); 5] = [
        ("public", [200, 200, 200, 200, 200]),
        ("registered", [401, 200, 200, 200, 200]),
        ("partner", [401, 403, 200, 200, 200]),
        ("restricted", [401, 403, 403, 200, 200]),
        ("enclave", [403, 403, 403, 403, 403]),
    ];
    for (class, expected) in cases {
        let files = if class == "public" { "public" } else { "restricted" };
        let partners: Vec<&str> = if class == "partner" { vec!["partner-uni"] } else { vec![] };
        let body = json!({
            "organization": "home-uni",
            "metadata": metadata(&format!("Survey {class}")),
            "access": {"record": "public", "files": files, "data_class": class, "partners": partners},
        });
        let id = owner.draft_from(body, &[("data.csv", b"a,b\n1,2\n")]).await;
        let record = owner.publish(&id).await;
        assert_eq!((record["access"]["data_class"].as_str(), record["organization"].as_str()), (Some(class), Some("home-uni")));
        let path = format!("/api/records/{id}/files/data.csv/content");
        for (who, (api, want)) in [&anonymous, &stranger, &partner, &owner, &steward].into_iter().zip(expected).enumerate() {
            let (status, body) = api.get(&path).await;
            assert_eq!(status.as_u16(), want, "{class} file for caller {who}: {body}");
            // The zip of all files follows the same decision.
            assert_eq!(api.get(&format!("/api/records/{id}/files-archive")).await.0.as_u16(), want, "{class} archive for caller {who}");
        }
        // Everyone may read the metadata of these records.
        assert_eq!(anonymous.get(&format!("/api/records/{id}")).await.0, StatusCode::OK);
    }
    assert!(server.log().contains("enclave data never leaves the enclave"), "refusals are logged");
}

#[tokio::test]
async fn tokens_are_scoped_expire_and_can_be_revoked() {
    let server = start(TestServerConfig::default()).await;
    let ada = person(&server, "ada@example.org", None);

    let (status, made) = ada.post("/api/user/tokens", json!({"name": "laptop", "scopes": ["read"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["scopes"], json!(["read"]));
    let reader = Api::new(&server, made["token"].as_str().map(str::to_string));
    assert_eq!(reader.get("/api/user/records").await.0, StatusCode::OK);
    let (status, body) = reader.post("/api/records", json!({"metadata": metadata("x")})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["detail"].as_str().unwrap_or_default().contains("scopes"), "{body}");
    // A token cannot make a token with more power than its own.
    let (status, body) = reader.post("/api/user/tokens", json!({"scopes": "read deposit"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = ada.post("/api/user/tokens", json!({"scopes": ["read", "write"]})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("scopes")), "{body}");
    let (status, body) = ada.post("/api/user/tokens", json!({"expires": "2001-01-01"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Listing shows tokens without their secrets; revoking stops one at once.
    let (_, list) = ada.get("/api/user/tokens").await;
    assert_eq!(list["hits"]["total"], 2, "{list}");
    assert!(list["hits"]["hits"].as_array().unwrap().iter().all(|t| t.get("token").is_none()));
    let id = made["id"].as_str().unwrap();
    assert_eq!(
        Api::new(&server, Some(server.user_token("eve@example.org"))).delete(&format!("/api/user/tokens/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ada.delete(&format!("/api/user/tokens/{id}")).await.0, StatusCode::NO_CONTENT);
    let (status, body) = reader.get("/api/user/records").await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::UNAUTHORIZED, Some("the API token was revoked")), "{body}");

    // An expiring token works until its time, then is refused.
    let soon =
        (time::OffsetDateTime::now_utc() + time::Duration::seconds(2)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let short = server.cli_ok(&["admin", "create-token", "ada@example.org", "--expires", &soon, "--scopes", "read"]).trim().to_string();
    let short = Api::new(&server, Some(short));
    assert_eq!(short.get("/api/user/records").await.0, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (status, body) = short.get("/api/user/records").await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::UNAUTHORIZED, Some("the API token has expired")), "{body}");
    let (status, body) = Api::new(&server, Some("not-a-token".into())).get("/api/user/records").await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::UNAUTHORIZED, Some("the API token is not valid")), "{body}");
    assert!(server.log().contains("API token refused"), "refused tokens are logged");
}

#[tokio::test]
async fn organizations_are_managed_by_their_administrators() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-user", "root@example.org", "--admin"]);
    let root =
        Api::new(&server, Some(server.cli_ok(&["admin", "create-token", "root@example.org", "--scopes", "read,admin"]).trim().into()));
    let stranger = person(&server, "stranger@example.org", None);

    let org = json!({"id": "museum", "name": "City Museum"});
    assert_eq!(stranger.post("/api/organizations", org.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(root.post("/api/organizations", org.clone()).await.0, StatusCode::CREATED);
    assert_eq!(root.post("/api/organizations", org).await.0, StatusCode::CONFLICT);
    let (status, body) = root.post("/api/organizations", json!({"id": "Bad Id", "name": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, list) = Api::new(&server, None).get("/api/organizations").await;
    assert_eq!(list["hits"]["hits"][0]["name"], "City Museum");

    server.cli_ok(&["admin", "create-user", "keeper@example.org"]);
    // Managing members needs a token with the admin scope, beside the role.
    let keeper =
        Api::new(&server, Some(server.cli_ok(&["admin", "create-token", "keeper@example.org", "--scopes", "read admin"]).trim().into()));
    let (status, member) = root.post("/api/organizations/museum/members", json!({"email": "keeper@example.org", "role": "admin"})).await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    // The new organization administrator manages members; others may not even list them.
    assert_eq!(stranger.get("/api/organizations/museum/members").await.0, StatusCode::FORBIDDEN);
    let (status, _) = keeper.post("/api/organizations/museum/members", json!({"email": "stranger@example.org", "role": "curator"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, members) = keeper.get("/api/organizations/museum/members").await;
    let roles: Vec<&str> = members["hits"]["hits"].as_array().unwrap().iter().filter_map(|m| m["role"].as_str()).collect();
    assert_eq!(roles, ["admin", "curator"]);
    let (status, body) = keeper.post("/api/organizations/museum/members", json!({"email": "stranger@example.org", "role": "owner"})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("role")), "{body}");
    let user = members["hits"]["hits"][1]["user"].as_str().unwrap().to_string();
    assert_eq!(keeper.delete(&format!("/api/organizations/museum/members/{user}?role=curator")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(keeper.delete(&format!("/api/organizations/museum/members/{user}?role=curator")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(keeper.get("/api/organizations/nowhere/members").await.0, StatusCode::NOT_FOUND);
    let (status, _) = keeper.post("/api/organizations/museum/members", json!({"email": "keeper@example.org", "role": "admin"})).await;
    assert_eq!(status, StatusCode::CREATED, "a role held already is no error");

    // The log shows each change once it is made, with its place in the trail, and nothing for
    // the ones refused or that changed nothing.
    let log = server.log();
    let logged = |what: &str| log.lines().filter(|line| line.contains(what) && line.contains("seq=")).count();
    assert_eq!(logged("organization created"), 1, "{log}");
    assert_eq!(logged("role given"), 2, "{log}");
    assert_eq!(logged("role taken away"), 1, "{log}");
}

#[tokio::test]
async fn access_is_requested_approved_accepted_and_revoked() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    server.cli_ok(&["admin", "create-user", "steward@example.org"]);
    server.cli_ok(&["admin", "add-member", "trust", "steward@example.org", "steward"]);
    let steward_token = server.cli_ok(&["admin", "create-token", "steward@example.org", "--scopes", "read steward"]);
    let steward = Api::new(&server, Some(steward_token.trim().into()));
    let researcher = person(&server, "researcher@example.org", None);
    let other = person(&server, "other@example.org", None);

    let body = json!({"organization": "trust", "metadata": metadata("Admissions"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("admissions.csv", b"ward,count\nA,3\n"), ("readme.txt", b"about")]).await;
    owner.publish(&id).await;
    let content = format!("/api/records/{id}/files/admissions.csv/content");
    assert_eq!(researcher.get(&content).await.0, StatusCode::FORBIDDEN);

    // Asking needs a purpose; a complete request waits in the stewards' queue.
    let requests = format!("/api/records/{id}/access/requests");
    let (status, body) = researcher.post(&requests, json!({"project": "P"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let ask = json!({"purpose": "Bed planning study", "project": "BP-7", "intended_use": "aggregate statistics", "duration_days": 90});
    let (status, request) = researcher.post(&requests, ask.clone()).await;
    assert_eq!((status, request["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{request}");
    assert_eq!(researcher.post(&requests, ask.clone()).await.0, StatusCode::CONFLICT, "one waiting request at a time");
    let rid = request["id"].as_str().unwrap().to_string();
    let (_, queue) = steward.get("/api/user/access-queue").await;
    assert_eq!(queue["hits"]["hits"][0]["purpose"], "Bed planning study", "{queue}");
    assert_eq!(other.get(&format!("/api/access/requests/{rid}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        owner.post(&format!("/api/access/requests/{rid}/approve"), json!({})).await.0,
        StatusCode::FORBIDDEN,
        "depositors do not decide"
    );

    // The steward approves with conditions; the grant starts only when the requester accepts.
    let conditions = json!({"expires": "2099-12-31", "field_of_use": "NHS service planning", "agreement": "No re-identification."});
    let (status, approved) = steward.post(&format!("/api/access/requests/{rid}/approve"), conditions).await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("approved")), "{approved}");
    assert_eq!(steward.post(&format!("/api/access/requests/{rid}/refuse"), json!({"reason": "late"})).await.0, StatusCode::CONFLICT);
    assert_eq!(researcher.get(&content).await.0, StatusCode::FORBIDDEN, "no access before accepting");
    let accept = format!("/api/access/requests/{rid}/accept");
    assert_eq!(researcher.post(&accept, json!({})).await.0, StatusCode::BAD_REQUEST, "the agreement must be accepted");
    assert_eq!(other.post(&accept, json!({"agreement_accepted": true})).await.0, StatusCode::FORBIDDEN);
    let (status, grant) = researcher.post(&accept, json!({"agreement_accepted": true})).await;
    assert_eq!((status, grant["expires"].as_str()), (StatusCode::CREATED, Some("2099-12-31T23:59:59Z")), "{grant}");
    assert_eq!(researcher.get(&content).await.0, StatusCode::OK);
    assert_eq!(researcher.get(&format!("/api/records/{id}/files-archive")).await.0, StatusCode::OK);
    assert_eq!(other.get(&content).await.0, StatusCode::FORBIDDEN, "a grant is personal");
    assert_eq!(researcher.get("/api/user/grants").await.1["hits"]["total"], 1);
    let (_, overview) = steward.get(&format!("/api/records/{id}/access")).await;
    assert_eq!(
        (overview["requests"][0]["status"].as_str(), overview["grants"][0]["field_of_use"].as_str()),
        (Some("accepted"), Some("NHS service planning"))
    );

    // Revoking ends access at once; the requester may ask again.
    let gid = grant["id"].as_str().unwrap();
    let (status, revoked) = steward.post(&format!("/api/access/grants/{gid}/revoke"), json!({"reason": "project ended"})).await;
    assert_eq!((status, revoked["revoke_reason"].as_str()), (StatusCode::OK, Some("project ended")), "{revoked}");
    let (status, body) = researcher.get(&content).await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::FORBIDDEN, Some("permission denied: the grant was revoked")), "{body}");

    // A refusal carries its reason; a request for some files only covers those.
    let (status, second) = researcher
        .post(&requests, json!({"purpose": "Follow-up", "intended_use": "tables", "files": ["readme.txt"], "duration_days": 5}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(steward.post(&format!("/api/access/requests/{second_id}/refuse"), json!({})).await.0, StatusCode::BAD_REQUEST);
    let (_, refused) = steward.post(&format!("/api/access/requests/{second_id}/refuse"), json!({"reason": "use the summary tables"})).await;
    assert_eq!(refused["reason"], "use the summary tables");
    let (_, third) = researcher
        .post(&requests, json!({"purpose": "Follow-up", "intended_use": "tables", "files": ["readme.txt"], "duration_days": 5}))
        .await;
    let third_id = third["id"].as_str().unwrap();
    let (status, approved) = steward.post(&format!("/api/access/requests/{third_id}/approve"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "the requested duration sets the expiry: {approved}");
    researcher.post(&format!("/api/access/requests/{third_id}/accept"), json!({})).await;
    assert_eq!(researcher.get(&format!("/api/records/{id}/files/readme.txt/content")).await.0, StatusCode::OK);
    assert_eq!(researcher.get(&content).await.0, StatusCode::FORBIDDEN);
    assert_eq!(researcher.get(&format!("/api/records/{id}/files-archive")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(researcher.get("/api/user/access-requests").await.1["hits"]["total"], 3);
    let log = server.log();
    assert!(log.contains("access requested") && log.contains("grant started") && log.contains("grant revoked"), "decisions are logged");
}

/// Walks every route in the router's source with every method, as an anonymous caller and as a
/// signed-in stranger without a grant: no answer may carry a restricted file's name or bytes,
/// and nothing they send may change the dataset. A route added later is walked too.
#[tokio::test]
async fn every_route_keeps_restricted_files_from_callers_without_a_grant() {
    const SECRET_KEY: &str = "secret-cohort.csv";
    const SECRET: &[u8] = b"patient,diagnosis\nSECRET-MARKER-4711,x\n";
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    server.cli_ok(&["admin", "create-user", "owner@example.org"]);
    server.cli_ok(&["admin", "add-member", "trust", "owner@example.org", "steward"]);
    server.cli_ok(&["admin", "add-member", "trust", "owner@example.org", "admin"]);
    let token = server.cli_ok(&["admin", "create-token", "owner@example.org", "--scopes", "read deposit steward admin"]);
    let owner = Api::new(&server, Some(token.trim().into()));
    let requester = person(&server, "requester@example.org", None);
    let body = json!({"organization": "trust", "metadata": metadata("Cohort"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[(SECRET_KEY, SECRET)]).await;
    owner.publish(&id).await;
    // An open edit draft, a request naming the file, and a grant, so every route has something to find.
    owner.post_empty(&format!("/api/records/{id}/draft")).await;
    let ask = json!({"purpose": "p", "intended_use": "u", "files": [SECRET_KEY], "duration_days": 3});
    let (_, request) = requester.post(&format!("/api/records/{id}/access/requests"), ask).await;
    let rid = request["id"].as_str().expect("request id").to_string();
    owner.post(&format!("/api/access/requests/{rid}/approve"), json!({})).await;
    let (_, grant) = requester.post(&format!("/api/access/requests/{rid}/accept"), json!({})).await;
    let gid = grant["id"].as_str().expect("grant id").to_string();
    let user = owner.get("/api/organizations/trust/members").await.1["hits"]["hits"][0]["user"].as_str().unwrap_or("1").to_string();

    // A record open by default whose one sensitive file is restricted, so its name sits in
    // `access.file_classes`: no answer to a stranger may carry it either.
    let body = json!({"metadata": metadata("Mixed"), "access": {"file_classes": {SECRET_KEY: "restricted"}}});
    let mixed = owner.draft_from(body, &[(SECRET_KEY, SECRET), ("README.md", b"open")]).await;
    owner.publish(&mixed).await;

    let router = include_str!("../../../tessera-web/src/router.rs");
    let routes: Vec<&str> = router.split(".route(\"").skip(1).filter_map(|r| r.split('"').next()).collect();
    assert!(routes.len() > 25, "routes read from the router: {routes:?}");
    let anonymous = Api::new(&server, None);
    let stranger = person(&server, "stranger@example.org", None);
    for (route, id) in routes.iter().flat_map(|route| [(route, &id), (route, &mixed)]) {
        let path = route
            .replace("{id}", id)
            .replace("{*rest}", &format!("{SECRET_KEY}/content"))
            .replace("{request}", &rid)
            .replace("{grant}", &gid)
            .replace("{org}", "trust")
            .replace("{user}", &user)
            .replace("{link}", "1")
            .replace("{partner}", "trust");
        for method in [reqwest::Method::GET, reqwest::Method::POST, reqwest::Method::PUT, reqwest::Method::DELETE] {
            for (who, api) in [("anonymous", &anonymous), ("stranger", &stranger)] {
                let request =
                    api.request(method.clone(), &format!("{path}?role=steward")).header("content-type", "application/json").body("{}");
                let response = request.send().await.expect("request sent");
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let leak = text.contains("SECRET-MARKER") || text.contains(SECRET_KEY);
                assert!(!leak, "{method} {path} as {who} ({status}) shows the restricted file: {text}");
            }
        }
    }
    // Nothing the two sent changed the dataset, its draft, the request or the grant.
    let (status, _, bytes) = owner.bytes(&format!("/api/records/{id}/files/{SECRET_KEY}/content")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, SECRET));
    assert_eq!(owner.get(&format!("/api/records/{id}/draft")).await.0, StatusCode::OK, "the edit draft is still there");
    assert_eq!(owner.get(&format!("/api/records/{id}/access")).await.1["grants"][0]["revoked"], serde_json::Value::Null);
    assert_eq!(requester.get(&format!("/api/records/{id}/files/{SECRET_KEY}/content")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn files_can_have_classes_of_their_own() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-user", "owner@example.org"]);
    let token = server.cli_ok(&["admin", "create-token", "owner@example.org", "--scopes", "read deposit steward"]);
    let owner = Api::new(&server, Some(token.trim().into()));
    let researcher = person(&server, "researcher@example.org", None);
    let anonymous = Api::new(&server, None);

    // A restricted dataset with an open README.
    let access = json!({"files": "restricted", "file_classes": {"README.md": "public", "missing.csv": "public"}});
    let id = owner
        .draft_from(json!({"metadata": metadata("Cohort"), "access": access}), &[("README.md", b"read me"), ("cohort.csv", b"a,b\n")])
        .await;
    let (status, body) = owner.post_empty(&format!("/api/records/{id}/draft/actions/publish")).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("access.file_classes.missing.csv")), "{body}");
    let fixed = json!({"metadata": metadata("Cohort"), "access": {"files": "restricted", "file_classes": {"README.md": "public"}}});
    assert_eq!(owner.put(&format!("/api/records/{id}/draft"), fixed).await.0, StatusCode::OK);
    owner.publish(&id).await;

    // Anyone reads the README, and sees only it; the data's name stays hidden.
    let (status, files) = anonymous.get(&format!("/api/records/{id}/files")).await;
    assert_eq!((status, files["total"].as_i64()), (StatusCode::OK, Some(1)), "{files}");
    assert_eq!(
        (files["entries"][0]["key"].as_str(), files["entries"][0]["access"]["data_class"].as_str()),
        (Some("README.md"), Some("public"))
    );
    assert_eq!(anonymous.bytes(&format!("/api/records/{id}/files/README.md/content")).await.2, b"read me");
    assert_eq!(anonymous.get(&format!("/api/records/{id}/files/cohort.csv/content")).await.0, StatusCode::UNAUTHORIZED);
    // A file's details are decided as its content is.
    let (status, readme) = anonymous.get(&format!("/api/records/{id}/files/README.md")).await;
    assert_eq!((status, readme["key"].as_str(), readme["size"].as_i64()), (StatusCode::OK, Some("README.md"), Some(7)), "{readme}");
    assert_eq!(anonymous.get(&format!("/api/records/{id}/files/cohort.csv")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(owner.get(&format!("/api/records/{id}/files/cohort.csv")).await.1["size"], 4);
    assert_eq!(owner.get(&format!("/api/records/{id}/files/absent.csv")).await.0, StatusCode::NOT_FOUND);
    let (status, _, archive) = anonymous.bytes(&format!("/api/records/{id}/files-archive")).await;
    let archive = String::from_utf8_lossy(&archive);
    assert!(status == StatusCode::OK && archive.contains("README.md") && !archive.contains("cohort.csv"), "{status}");
    let (_, record) = anonymous.get(&format!("/api/records/{id}")).await;
    assert_eq!(record["access"]["file_classes"], serde_json::Value::Null, "file names are for the depositor: {record}");
    assert_eq!(owner.get(&format!("/api/records/{id}")).await.1["access"]["file_classes"]["README.md"], "public");
    let page = reqwest::get(server.url(&format!("/records/{id}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains("README.md") && !page.contains("cohort.csv") && page.contains("1 of its 2 files are open to you"), "{page}");

    // A grant for the data opens it, and the listing shows both.
    let ask = json!({"purpose": "p", "intended_use": "u", "files": ["cohort.csv"], "duration_days": 30});
    let (_, request) = researcher.post(&format!("/api/records/{id}/access/requests"), ask).await;
    let rid = request["id"].as_str().expect("request id").to_string();
    let (status, approved) = owner.post(&format!("/api/access/requests/{rid}/approve"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    let (status, grant) = researcher.post(&format!("/api/access/requests/{rid}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    assert_eq!(researcher.get(&format!("/api/records/{id}/files")).await.1["total"], 2);
    assert_eq!(researcher.bytes(&format!("/api/records/{id}/files/cohort.csv/content")).await.2, b"a,b\n");
    let (status, _, archive) = researcher.bytes(&format!("/api/records/{id}/files-archive")).await;
    assert_eq!(status, StatusCode::OK, "a grant for one file opens the archive too");
    assert!(String::from_utf8_lossy(&archive).contains("cohort.csv"));

    // A data package reads the table twice, for its schema and into the archive, and hands
    // it out once: one audited read.
    let today = time::OffsetDateTime::now_utc().date();
    let trail = format!("/api/records/{id}/audit?from={}&to={}", today - time::Duration::days(1), today + time::Duration::days(1));
    let reads = |page: serde_json::Value| page["hits"]["hits"].as_array().unwrap().iter().filter(|e| e["action"] == "read-files").count();
    let before = reads(owner.get(&trail).await.1);
    let (status, _, package) = researcher.bytes(&format!("/api/records/{id}/export/datapackage")).await;
    assert!(status == StatusCode::OK && String::from_utf8_lossy(&package).contains("cohort.csv"), "{status}");
    assert_eq!(reads(owner.get(&trail).await.1) - before, 1, "the data package's read of cohort.csv");
}

/// A file list with classes of their own pages by position like any other: the files a
/// caller may not read are left out of every page and of the total, wherever they fall.
#[tokio::test]
async fn file_lists_with_classes_of_their_own_page_like_any_other() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-user", "owner@example.org"]);
    let token = server.cli_ok(&["admin", "create-token", "owner@example.org"]);
    let owner = Api::new(&server, Some(token.trim().into()));
    let anonymous = Api::new(&server, None);
    let keys: Vec<String> = (0..60).map(|i| format!("f{i:02}.csv")).collect();
    let files: Vec<(&str, &[u8])> = keys.iter().map(|k| (k.as_str(), b"a,b\n".as_slice())).collect();
    // Open files with a few restricted ones, at the ends and side by side; then restricted
    // files with a few open ones.
    let odd = ["f00.csv", "f05.csv", "f06.csv", "f07.csv", "f59.csv"];
    for (files_class, own_class) in [("public", "restricted"), ("restricted", "public")] {
        let classes: serde_json::Map<String, serde_json::Value> = odd.iter().map(|k| (k.to_string(), json!(own_class))).collect();
        let access = json!({"files": files_class, "file_classes": classes});
        let id = owner.draft_from(json!({"metadata": metadata("Many classes"), "access": access}), &files).await;
        owner.publish(&id).await;
        let expected: Vec<&str> = keys.iter().map(String::as_str).filter(|k| odd.contains(k) == (own_class == "public")).collect();
        for size in [1, 7, 100] {
            let mut listed = Vec::new();
            for page in 1.. {
                let (status, body) = anonymous.get(&format!("/api/records/{id}/files?page={page}&size={size}")).await;
                assert_eq!((status, body["total"].as_u64()), (StatusCode::OK, Some(expected.len() as u64)), "{body}");
                let entries = body["entries"].as_array().unwrap();
                if entries.is_empty() {
                    break;
                }
                listed.extend(entries.iter().map(|e| e["key"].as_str().unwrap().to_string()));
            }
            assert_eq!(listed, expected, "{files_class} files, {own_class} ones among them, pages of {size}");
        }
        let (status, body) = anonymous.get(&format!("/api/records/{id}/files")).await;
        let whole: Vec<&str> = body["entries"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
        assert_eq!(
            (status, whole, body["total"].as_u64()),
            (StatusCode::OK, expected.clone(), Some(expected.len() as u64)),
            "the whole list"
        );
        let (status, body) = anonymous.get(&format!("/api/records/{id}/files?page={}&size=7", i64::MAX)).await;
        assert_eq!((status, body["entries"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "far past the end: {body}");
    }
    // With no file open to the caller, the list is refused as the record's own class refuses.
    let access = json!({"files": "restricted", "file_classes": {"f00.csv": "enclave"}});
    let id = owner.draft_from(json!({"metadata": metadata("Nothing open"), "access": access}), &files).await;
    owner.publish(&id).await;
    assert_eq!(anonymous.get(&format!("/api/records/{id}/files")).await.0, StatusCode::UNAUTHORIZED);
    let zenodo = anonymous.request(Method::GET, &format!("/api/records/{id}")).header("accept", "application/vnd.zenodo.v1+json");
    let (status, body) = anonymous.send(zenodo).await;
    assert_eq!(
        (status, &body["files"], &body["metadata"]["title"]),
        (StatusCode::OK, &json!([]), &json!("Nothing open")),
        "Zenodo's view, with no files"
    );
    assert_eq!(owner.get(&format!("/api/records/{id}/files")).await.1["total"], 59, "enclave-only data is not listed for download");
}

#[tokio::test]
async fn datasets_name_their_curators_and_stewards() {
    let server = start(TestServerConfig::default()).await;
    let scoped = |email: &str| {
        server.cli_ok(&["admin", "create-user", email]);
        let token = server.cli_ok(&["admin", "create-token", email, "--scopes", "read deposit steward"]);
        Api::new(&server, Some(token.trim().into()))
    };
    let (owner, curator, steward, researcher) =
        (scoped("owner@example.org"), scoped("cura@example.org"), scoped("stew@example.org"), scoped("researcher@example.org"));
    let body = json!({"metadata": metadata("Interviews"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("interviews.csv", b"q,a\n")]).await;
    owner.publish(&id).await;
    let people = format!("/api/records/{id}/people");
    let (_, named) = owner.get(&people).await;
    assert_eq!((named["depositor"]["email"].as_str(), named["stewards"].as_array().map(Vec::len)), (Some("owner@example.org"), Some(0)));

    // Before being named, neither may do anything to the dataset.
    let ask = json!({"purpose": "p", "intended_use": "u", "duration_days": 10});
    let (_, request) = researcher.post(&format!("/api/records/{id}/access/requests"), ask).await;
    let approve = format!("/api/access/requests/{}/approve", request["id"].as_str().expect("request id"));
    assert_eq!(steward.post(&approve, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(curator.post_empty(&format!("/api/records/{id}/draft")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(curator.get(&people).await.0, StatusCode::FORBIDDEN);
    assert_eq!(Api::new(&server, None).get(&people).await.0, StatusCode::UNAUTHORIZED);

    // Everyone named needs an account; then the depositor (steward of a dataset without an
    // organization) names both.
    let (status, body) = owner.put(&people, json!({"stewards": ["stew@example.org", "nobody@example.org"]})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("stewards.1")), "{body}");
    let (status, named) = owner.put(&people, json!({"curators": ["cura@example.org"], "stewards": ["stew@example.org"]})).await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(
        (named["curators"][0]["email"].as_str(), named["stewards"][0]["email"].as_str()),
        (Some("cura@example.org"), Some("stew@example.org"))
    );
    assert!(server.log().contains("people named"));

    // The named steward sees the request in their queue and decides; the named curator
    // edits, but may not name stewards.
    assert_eq!(steward.get("/api/user/access-queue").await.1["hits"]["total"], 1);
    assert_eq!(owner.get("/api/user/access-queue").await.1["hits"]["total"], 1, "the depositor stewards it too");
    assert_eq!(steward.post(&approve, json!({})).await.0, StatusCode::OK);
    assert_eq!(steward.get("/api/user/access-queue").await.1["hits"]["total"], 0);
    assert_eq!(curator.post_empty(&format!("/api/records/{id}/draft")).await.0, StatusCode::CREATED);
    assert_eq!(curator.put(&people, json!({"stewards": ["cura@example.org"]})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(researcher.get(&people).await.0, StatusCode::FORBIDDEN);

    // A list sent replaces the one before: the curator is no longer one.
    assert_eq!(owner.put(&people, json!({"curators": []})).await.1["stewards"][0]["email"], "stew@example.org");
    assert_eq!(curator.get(&format!("/api/records/{id}/draft")).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn secret_links_let_reviewers_in_until_revoked() {
    let server = start(TestServerConfig::default()).await;
    let owner = person(&server, "owner@example.org", None);
    let stranger = person(&server, "stranger@example.org", None);
    let anonymous = Api::new(&server, None);
    let access = json!({"record": "restricted", "files": "restricted", "embargo": {"active": true, "until": "2999-01-01"}});
    let body = json!({"metadata": metadata("Under review"), "access": access});
    let id = owner.draft_from(body, &[("results.csv", b"effect,0.4\n")]).await;
    owner.publish(&id).await;
    let other = owner.draft_with_files(metadata("Elsewhere"), &[("x.csv", b"x")]).await;
    owner.publish(&other).await;

    let links = format!("/api/records/{id}/access/links");
    assert_eq!(stranger.post(&links, json!({"permission": "files"})).await.0, StatusCode::FORBIDDEN);
    let (status, body) = owner.post(&links, json!({"permission": "everything"})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("permission")), "{body}");
    for expires in ["2020-01-01", "soon"] {
        let (status, body) = owner.post(&links, json!({"permission": "files", "expires": expires})).await;
        assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("expires")), "{body}");
    }
    let (status, files_link) = owner.post(&links, json!({"permission": "files", "expires": "2099-01-01"})).await;
    assert_eq!(status, StatusCode::CREATED, "{files_link}");
    let (_, metadata_link) = owner.post(&links, json!({"permission": "metadata"})).await;
    let files_token = files_link["token"].as_str().unwrap().to_string();
    let metadata_token = metadata_link["token"].as_str().unwrap().to_string();

    // A reviewer with the files link sees everything, during the embargo, without an account.
    let content = format!("/api/records/{id}/files/results.csv/content");
    let (_, record) = anonymous.get(&format!("/api/records/{id}?token={files_token}")).await;
    assert_eq!((record["metadata_only"].as_bool(), record["metadata"]["publisher"].as_str()), (None, Some("Tessera")), "{record}");
    assert_eq!(anonymous.get(&format!("{content}?token={files_token}")).await.0, StatusCode::OK);
    assert_eq!(anonymous.get(&format!("/api/records/{id}/files-archive?token={files_token}")).await.0, StatusCode::OK);
    let page = reqwest::get(server.url(&format!("/records/{id}?token={files_token}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("results.csv/content?token={files_token}")), "the page's download links keep the link: {page}");
    // The metadata link shows the record but not its files; neither opens another dataset.
    let (_, record) = anonymous.get(&format!("/api/records/{id}?token={metadata_token}")).await;
    assert_eq!(record["metadata_only"].as_bool(), None);
    assert_eq!(anonymous.get(&format!("{content}?token={metadata_token}")).await.0, StatusCode::FORBIDDEN);
    let (_, elsewhere) = anonymous.get(&format!("/api/records/{other}?token={files_token}")).await;
    assert_eq!(elsewhere["metadata"]["title"], "Elsewhere", "public records stay readable with any link");
    assert_eq!(anonymous.get(&content).await.0, StatusCode::FORBIDDEN, "no link, no files");

    // Listing shows no secrets; revoking stops the link at once; bad links are refused.
    let (_, list) = owner.get(&links).await;
    assert_eq!(list["hits"]["total"], 2);
    assert!(list["hits"]["hits"][0].get("token").is_none());
    let link_id = files_link["id"].as_str().unwrap();
    assert_eq!(stranger.delete(&format!("{links}/{link_id}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(owner.delete(&format!("{links}/{link_id}")).await.0, StatusCode::NO_CONTENT);
    let (status, body) = anonymous.get(&format!("{content}?token={files_token}")).await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::UNAUTHORIZED, Some("the link was revoked")));
    let (status, body) = anonymous.get(&format!("{content}?token=made-up")).await;
    assert_eq!((status, body["detail"].as_str()), (StatusCode::UNAUTHORIZED, Some("the link is not valid")));
    assert!(server.log().contains("secret link refused") && server.log().contains("secret link made"));
}

#[tokio::test]
async fn trusted_partners_are_granted_at_once() {
    let server = start(TestServerConfig::default()).await;
    for (id, name) in [("trust", "Hospital Trust"), ("uni", "University"), ("other", "Other")] {
        server.cli_ok(&["admin", "create-org", id, name]);
    }
    let owner = person(&server, "owner@example.org", Some(("trust", "depositor")));
    let member = person(&server, "member@example.org", Some(("uni", "depositor")));
    let outsider = person(&server, "outsider@example.org", Some(("other", "depositor")));
    server.cli_ok(&["admin", "create-user", "admin@example.org"]);
    server.cli_ok(&["admin", "add-member", "trust", "admin@example.org", "admin"]);
    let admin =
        Api::new(&server, Some(server.cli_ok(&["admin", "create-token", "admin@example.org", "--scopes", "read admin"]).trim().into()));

    // Only the organization's administrators declare trust, and only where a grant is needed.
    let trust = json!({"organization": "uni", "data_class": "restricted"});
    assert_eq!(member.post("/api/organizations/trust/trust", trust.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.post("/api/organizations/trust/trust", json!({"organization": "uni", "data_class": "public"})).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, list) = admin.post("/api/organizations/trust/trust", trust).await;
    assert_eq!((status, list["hits"]["hits"][0]["organization"].as_str()), (StatusCode::CREATED, Some("uni")), "{list}");

    let body = json!({"organization": "trust", "metadata": metadata("Outcomes"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("outcomes.csv", b"a\n")]).await;
    owner.publish(&id).await;
    let content = format!("/api/records/{id}/files/outcomes.csv/content");
    let ask = json!({"purpose": "Joint audit", "intended_use": "tables", "duration_days": 10});
    let (status, granted) = member.post(&format!("/api/records/{id}/access/requests"), ask.clone()).await;
    assert_eq!((status, granted["status"].as_str()), (StatusCode::CREATED, Some("accepted")), "{granted}");
    assert!(granted["reason"].as_str().unwrap_or_default().contains("trusted partner"));
    assert_eq!(member.get(&content).await.0, StatusCode::OK);
    let (_, grants) = member.get("/api/user/grants").await;
    assert_eq!(grants["hits"]["total"], 1, "recorded as a grant with an expiry: {grants}");
    assert!(grants["hits"]["hits"][0]["expires"].is_string());
    // Others still wait for a steward.
    let (_, pending) = outsider.post(&format!("/api/records/{id}/access/requests"), ask).await;
    assert_eq!(pending["status"], "pending");
    assert_eq!(outsider.get(&content).await.0, StatusCode::FORBIDDEN);
    assert_eq!(admin.delete("/api/organizations/trust/trust/uni?data_class=restricted").await.0, StatusCode::NO_CONTENT);
    assert_eq!(Api::new(&server, None).get("/api/organizations/trust/trust").await.1["hits"]["total"], 0);
}
