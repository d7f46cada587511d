//! Organizations, data classes and scoped, expiring, revocable tokens, end to end.

use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::{TestServer, TestServerConfig};

use crate::helpers::{Api, metadata, start};

fn person(server: &TestServer, email: &str, org_role: Option<(&str, &str)>) -> Api {
    let token = server.user_token(email);
    if let Some((org, role)) = org_role {
        server.cli_ok(&["admin", "add-member", org, email, role]);
    }
    Api::new(server, Some(token))
}

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
}
