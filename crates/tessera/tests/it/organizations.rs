//! An organization's pages: a dashboard whose figures are exactly what happened, members and
//! partners managed by its administrators with each change in its audit trail, and nothing
//! for anyone without a role there.

use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, member, metadata, person, start};
use crate::sessions::{browser, form_token, location, session_of};

/// The value in a chart's table, in the section titled `chart`, on the row named `row`.
fn figure(page: &str, chart: &str, row: &str) -> String {
    let section = page.split(&format!("id=\"{chart}-title\"")).nth(1).unwrap_or_else(|| panic!("no {chart} chart in {page}"));
    let cell = section.split(&format!("<th scope=\"row\">{row}</th><td>")).nth(1).unwrap_or_else(|| panic!("no {row} in {chart}"));
    cell.split('<').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn an_organization_page_counts_what_happened_and_manages_members_and_partners() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    server.cli_ok(&["admin", "create-org", "uni", "University of the Valleys"]);
    let owner = member(&server, "owner@example.org", "trust", "depositor");
    member(&server, "admin@example.org", "trust", "admin");
    member(&server, "steward@example.org", "trust", "steward");

    // Two versions: the second keeps a.csv and b.csv and adds c.csv, so 25 bytes are stored, not 45.
    let body = json!({"organization": "trust", "metadata": metadata("Ward temperatures")});
    let id = owner.draft_from(body, &[("a.csv", b"0123456789"), ("b.csv", b"abcdefghij")]).await;
    owner.publish(&id).await;
    let (status, version) = owner.post_empty(&format!("/api/records/{id}/versions")).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let second = version["id"].as_str().unwrap().to_string();
    assert_eq!(owner.post(&format!("/api/records/{second}/draft/files"), json!([{"key": "c.csv"}])).await.0, StatusCode::CREATED);
    assert_eq!(owner.upload(&format!("/api/records/{second}/draft/files/c.csv/content"), b"12345".to_vec()).await.0, StatusCode::OK);
    assert_eq!(owner.post_empty(&format!("/api/records/{second}/draft/files/c.csv/commit")).await.0, StatusCode::OK);
    owner.publish(&second).await;

    // Whole downloads count, and so does an archive; a resumed range and a HEAD do not.
    let client = browser();
    let file = server.url(&format!("/api/records/{id}/files/a.csv/content"));
    for _ in 0..2 {
        assert_eq!(client.get(&file).send().await.unwrap().bytes().await.unwrap().as_ref(), b"0123456789");
    }
    let resumed = client.get(&file).header("range", "bytes=5-").send().await.unwrap();
    assert_eq!((resumed.status(), resumed.bytes().await.unwrap().len()), (StatusCode::PARTIAL_CONTENT, 5));
    assert_eq!(client.head(&file).send().await.unwrap().status(), StatusCode::OK);
    let archive = client.get(server.url(&format!("/api/records/{second}/files-archive"))).send().await.unwrap();
    assert_eq!(archive.status(), StatusCode::OK);
    archive.bytes().await.unwrap();

    // A restricted dataset with one request waiting.
    let restricted =
        json!({"organization": "trust", "metadata": metadata("Admissions"), "access": {"record": "public", "files": "restricted"}});
    let cohort = owner.draft_from(restricted, &[("cohort.csv", b"id\n1\n")]).await;
    owner.publish(&cohort).await;
    let researcher = person(&server, "researcher@example.org", None);
    let ask = json!({"purpose": "Bed planning", "intended_use": "tables"});
    assert_eq!(researcher.post(&format!("/api/records/{cohort}/access/requests"), ask).await.0, StatusCode::CREATED);

    let admin = session_of(&server, "admin@example.org").await;
    let page = |session: String, path: &str| {
        let client = client.clone();
        let url = server.url(path);
        async move {
            let response = client.get(url).header("cookie", session).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, dashboard) = page(admin.clone(), "/organizations/trust").await;
    assert_eq!(status, StatusCode::OK, "{dashboard}");
    let today = time::OffsetDateTime::now_utc().date();
    let month = format!("{:04}-{:02}", today.year(), u8::from(today.month()));
    assert_eq!(figure(&dashboard, "deposits", &month), "3", "two versions and the restricted dataset");
    assert_eq!(figure(&dashboard, "downloads", &month), "3", "two whole files and an archive");
    assert_eq!(figure(&dashboard, "storage", "Hospital Trust (4 files)"), "30 B", "a.csv, b.csv and c.csv once, and cohort.csv");
    assert_eq!(figure(&dashboard, "waiting", "0–6 days"), "1");
    assert_eq!(figure(&dashboard, "waiting", "90+ days"), "0");
    assert!(dashboard.contains("The oldest waiting request was made today."), "{dashboard}");
    assert!(dashboard.contains("<svg viewBox=") && dashboard.contains("owner@example.org"), "charts, and the members for an admin");

    // A steward sees the figures but not the members; a depositor sees neither.
    let steward = session_of(&server, "steward@example.org").await;
    let (status, stewards_view) = page(steward.clone(), "/organizations/trust").await;
    assert_eq!(status, StatusCode::OK);
    assert!(stewards_view.contains("id=\"downloads-title\"") && !stewards_view.contains("owner@example.org"), "{stewards_view}");
    let depositor = session_of(&server, "owner@example.org").await;
    assert_eq!(page(depositor.clone(), "/organizations/trust").await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(depositor.clone(), "/organizations/trust/audit").await.0, StatusCode::FORBIDDEN);
    let (_, listed) = page(depositor.clone(), "/organizations").await;
    assert!(listed.contains("href=\"/organizations/trust\"") && !listed.contains("/organizations/uni"), "{listed}");

    // A steward reads one dataset's trail, from its page, with who acted; its depositor may not.
    let cohort_trail = format!("/records/{cohort}/audit");
    let (_, landing) = page(steward.clone(), &format!("/records/{cohort}")).await;
    assert!(landing.contains(&format!("href=\"{cohort_trail}\"")), "{landing}");
    let (status, trail) = page(steward.clone(), &cohort_trail).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    assert!(trail.contains("<code>access-requested</code>") && trail.contains("<td>researcher@example.org</td>"), "{trail}");
    let (_, other) = page(steward, &format!("/records/{id}/audit")).await;
    assert!(other.contains("<code>record-published</code>") && !other.contains("<code>access-requested</code>"), "{other}");
    let (_, owners_landing) = page(depositor.clone(), &format!("/records/{cohort}")).await;
    assert!(!owners_landing.contains(&cohort_trail), "{owners_landing}");
    assert_eq!(page(depositor, &cohort_trail).await.0, StatusCode::FORBIDDEN);

    // Members: an unknown email comes back beside its field; a known one gets the role.
    let token = form_token(&dashboard);
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        client.post(server.url(path)).header("cookie", admin.clone()).form(&form).send()
    };
    let unknown = vec![("csrf_token", token.clone()), ("email", "nobody@example.org".into()), ("role", "auditor".into())];
    let refused = post("/organizations/trust/members", unknown).await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("aria-invalid=\"true\"") && refused.contains("No account has this email"), "{refused}");
    let forged = vec![("csrf_token", "elsewhere".to_string()), ("email", "researcher@example.org".into()), ("role", "auditor".into())];
    assert_eq!(post("/organizations/trust/members", forged).await.unwrap().status(), StatusCode::FORBIDDEN);
    let known = vec![("csrf_token", token.clone()), ("email", "researcher@example.org".into()), ("role", "auditor".into())];
    let given = post("/organizations/trust/members", known).await.unwrap();
    assert_eq!((given.status(), location(&given)), (StatusCode::SEE_OTHER, "/organizations/trust?done=member-added"));
    let auditor = Api::new(
        &server,
        Some(server.cli_ok(&["admin", "create-token", "researcher@example.org", "--scopes", "read steward"]).trim().to_string()),
    );
    assert_eq!(auditor.get("/api/organizations/trust/compliance").await.0, StatusCode::OK, "the new auditor reads reports");

    // Partners: trusted for restricted data, then no longer.
    let trust = vec![("csrf_token", token.clone()), ("partner", "uni".into()), ("data_class", "restricted".into())];
    let trusted = post("/organizations/trust/partners", trust.clone()).await.unwrap();
    assert_eq!(location(&trusted), "/organizations/trust?done=partner-added");
    let (_, with_partner) = page(admin.clone(), "/organizations/trust").await;
    assert!(with_partner.contains("<td>University of the Valleys</td>"), "{with_partner}");
    let ended = post("/organizations/trust/partners-remove", trust).await.unwrap();
    assert_eq!(location(&ended), "/organizations/trust?done=partner-removed");

    // The audit trail shows each change, with who made it.
    let (status, trail) = page(admin.clone(), "/organizations/trust/audit").await;
    assert_eq!(status, StatusCode::OK);
    for action in ["role-given", "partner-trusted", "partner-trust-ended", "access-requested"] {
        assert!(trail.contains(&format!("<code>{action}</code>")), "{action} missing from {trail}");
    }
    assert!(trail.contains("<td>admin@example.org</td>"), "{trail}");

    // Everyone signed in reads their own doings, and only theirs.
    let (status, own) = page(admin, "/account/activity").await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert!(own.contains("<code>role-given</code>") && !own.contains("<code>access-requested</code>"), "{own}");
}
