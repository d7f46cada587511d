//! Signing in with a password: cookies, CSRF, throttling, and the same answer for an unknown
//! email as for a wrong password.

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::{TestServer, TestServerConfig};

use crate::helpers::{metadata, start};

const PASSWORD: &str = "correct horse battery staple";

pub(crate) fn browser() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// `name=value` of the cookie `name` the response sets, with its attributes.
fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn value(cookie: &str) -> &str {
    cookie.split(';').next().unwrap_or_default()
}

/// Opens the sign-in form and posts it; returns the answer.
async fn sign_in(server: &TestServer, email: &str, password: &str, extra_cookie: Option<&str>) -> Response {
    let client = browser();
    let form = client.get(server.url("/login")).send().await.unwrap();
    let csrf_cookie = set_cookie(&form, "tessera_login_csrf").expect("the form sets its CSRF cookie");
    let page = form.text().await.unwrap();
    let csrf = page.split("name=\"csrf_token\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("CSRF field").to_string();
    let cookies = [Some(value(&csrf_cookie)), extra_cookie].into_iter().flatten().collect::<Vec<_>>().join("; ");
    let body = [("email", email), ("password", password), ("csrf_token", &csrf), ("next", "/search?q=river")];
    client.post(server.url("/login")).header("cookie", cookies).form(&body).send().await.unwrap()
}

/// Gives an existing account a password and signs it in; returns the session's cookie pair.
pub(crate) async fn session_of(server: &TestServer, email: &str) -> String {
    assert!(server.cli_with_input(&["admin", "set-password", email], &format!("{PASSWORD}\n")).status.success());
    value(&set_cookie(&sign_in(server, email, PASSWORD, None).await, "tessera_session").expect("a session")).to_string()
}

#[tokio::test]
async fn password_sign_in_sessions_and_csrf() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-user", "ada@example.org"]);
    let short = server.cli_with_input(&["admin", "set-password", "ada@example.org"], "short\n");
    assert!(!short.status.success(), "short passwords are refused");
    let set = server.cli_with_input(&["admin", "set-password", "ada@example.org"], &format!("{PASSWORD}\n"));
    assert!(set.status.success(), "{}", tessera_testkit::describe(&set));

    // A wrong password and an unknown email get the same answer.
    let wrong = sign_in(&server, "ada@example.org", "not the password at all", None).await;
    let unknown = sign_in(&server, "nobody@example.org", "not the password at all", None).await;
    assert_eq!((wrong.status(), unknown.status()), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert!(set_cookie(&wrong, "tessera_session").is_none());
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(wrong.contains("The email or password is wrong.") && unknown.contains("The email or password is wrong."));

    // Without the form's CSRF token, nothing happens.
    let forged = browser().post(server.url("/login")).form(&[("email", "ada@example.org"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Success: a secure cookie and a redirect to where the person was going, on this site only.
    let planted = "tessera_session=0000planted";
    let ok = sign_in(&server, "ada@example.org", PASSWORD, Some(planted)).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/search?q=river");
    let cookie = set_cookie(&ok, "tessera_session").expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert_ne!(value(&cookie), planted, "sign-in makes a new session id");
    let session = value(&cookie).to_string();
    let again = sign_in(&server, "ada@example.org", PASSWORD, Some(&session)).await;
    let renewed = value(&set_cookie(&again, "tessera_session").unwrap()).to_string();
    assert_ne!(renewed, session, "each sign-in renews the id");
    let client = browser();
    let get = |path: &str, cookie: &str| client.get(server.url(path)).header("cookie", cookie.to_string()).send();
    assert_eq!(get("/api/user/records", &session).await.unwrap().status(), StatusCode::UNAUTHORIZED, "the old session ended");

    // With the cookie: reads work; changes need the session's CSRF token.
    let me: Value = get("/api/user/session", &renewed).await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], "ada@example.org");
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let create = |token: Option<&str>| {
        let request = client.post(server.url("/api/records")).header("cookie", renewed.clone()).json(&json!({"metadata": metadata("x")}));
        match token {
            Some(token) => request.header("x-csrf-token", token.to_string()),
            None => request,
        }
        .send()
    };
    let refused = create(None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(refused.json::<Value>().await.unwrap()["type"], "/problems/csrf");
    assert_eq!(create(Some("not-the-token")).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(create(Some(&csrf)).await.unwrap().status(), StatusCode::CREATED);

    // A forged cookie is refused and logged.
    let forged = get("/api/user/records", "tessera_session=forged").await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(forged.json::<Value>().await.unwrap()["detail"], "the session is not valid; sign in again");
    assert!(server.log().contains("session refused") && server.log().contains("sign in refused"));

    // Signing out needs the token too, and ends the session.
    let out = client.post(server.url("/logout")).header("cookie", renewed.clone()).form(&[("csrf_token", "wrong")]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::FORBIDDEN);
    let out =
        client.post(server.url("/logout")).header("cookie", renewed.clone()).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&out, "tessera_session").is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(get("/api/user/records", &renewed).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-user", "ada@example.org"]);
    server.cli_with_input(&["admin", "set-password", "ada@example.org"], PASSWORD);
    for _ in 0..5 {
        assert_eq!(sign_in(&server, "ada@example.org", "guess guess guess", None).await.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = sign_in(&server, "ada@example.org", PASSWORD, None).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(server.log().contains("sign in throttled"));
    // Another account from the same address is not locked by these five.
    server.cli_ok(&["admin", "create-user", "bob@example.org"]);
    server.cli_with_input(&["admin", "set-password", "bob@example.org"], PASSWORD);
    assert_eq!(sign_in(&server, "bob@example.org", PASSWORD, None).await.status(), StatusCode::SEE_OTHER);
}

/// Where a redirect sends the browser.
pub(crate) fn location(response: &Response) -> &str {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The CSRF token a page's form carries.
pub(crate) fn form_token(page: &str) -> String {
    page.split("name=\"csrf_token\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("a CSRF field").to_string()
}

#[tokio::test]
async fn deposit_forms_need_a_session_and_its_token() {
    let server = start(TestServerConfig::default()).await;
    for email in ["ada@example.org", "grace@example.org"] {
        server.cli_ok(&["admin", "create-user", email]);
        assert!(server.cli_with_input(&["admin", "set-password", email], &format!("{PASSWORD}\n")).status.success());
    }
    let client = browser();
    let anonymous = client.get(server.url("/uploads/new")).send().await.unwrap();
    assert_eq!((anonymous.status(), location(&anonymous)), (StatusCode::SEE_OTHER, "/login?next=%2Fuploads%2Fnew"));
    let session = value(&set_cookie(&sign_in(&server, "ada@example.org", PASSWORD, None).await, "tessera_session").unwrap()).to_string();
    let page = |path: &str| client.get(server.url(path)).header("cookie", &session).send();
    let token = form_token(&page("/uploads/new").await.unwrap().text().await.unwrap());

    // A form another site posts carries no token, and changes nothing.
    let forged = client.post(server.url("/uploads/new")).header("cookie", &session).form(&[("title", "Forged")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(page("/uploads").await.unwrap().text().await.unwrap().contains("You have no drafts."));

    let form = [
        ("csrf_token", token.as_str()),
        ("title", "Water quality of the Taff"),
        ("title_cy", "Ansawdd dŵr afon Taf"),
        ("resource_type", "dataset"),
        ("publication_date", "2024-05-17"),
        ("creator-0-family", "Lovelace"),
        ("creator-0-given", "Ada"),
        ("creator-0-orcid", "0000-0002-1825-0097"),
        ("creator-1-organization", "Afon Data Group"),
        ("licence", "cc-by-4.0"),
        ("subject-0", "Hydrology"),
        ("subject-1", ""),
        ("language-0", "cym"),
        ("data_class", "public"),
        ("visibility", "public"),
        ("action", "save"),
    ];
    let created = client.post(server.url("/uploads/new")).header("cookie", &session).form(&form).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let draft = location(&created).to_string();
    let id = draft.trim_start_matches("/uploads/").to_string();
    // Nobody else opens it.
    let grace = value(&set_cookie(&sign_in(&server, "grace@example.org", PASSWORD, None).await, "tessera_session").unwrap()).to_string();
    let other = client.get(server.url(&draft)).header("cookie", &grace).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::FORBIDDEN);

    // Files: the token must come first, then each file streams into the draft.
    let upload = |token: &str| {
        let part = reqwest::multipart::Part::bytes(b"day,ph\n2024-05-01,7.4\n".to_vec()).file_name("quality.csv");
        let body = reqwest::multipart::Form::new().text("csrf_token", token.to_string()).part("files", part);
        client.post(server.url(&format!("{draft}/files"))).header("cookie", &session).multipart(body).send()
    };
    assert_eq!(upload("not-the-token").await.unwrap().status(), StatusCode::FORBIDDEN);
    let uploaded = upload(&token).await.unwrap();
    assert_eq!((uploaded.status(), location(&uploaded)), (StatusCode::SEE_OTHER, format!("{draft}?done=files#files").as_str()));
    let edit = page(location(&uploaded)).await.unwrap().text().await.unwrap();
    assert!(edit.contains("quality.csv") && edit.contains("md5:") && edit.contains("The files are uploaded."), "{edit}");

    let mut publish = form.to_vec();
    publish.retain(|(name, _)| *name != "action");
    publish.push(("action", "publish"));
    let published = client.post(server.url(&draft)).header("cookie", &session).form(&publish).send().await.unwrap();
    assert_eq!((published.status(), location(&published)), (StatusCode::SEE_OTHER, format!("/records/{id}").as_str()));
    let record: Value = reqwest::get(server.url(&format!("/api/records/{id}"))).await.unwrap().json().await.unwrap();
    let md = &record["metadata"];
    assert_eq!(md["creators"][1]["person_or_org"], json!({"type": "organizational", "name": "Afon Data Group"}), "{md}");
    assert_eq!(
        (md["subjects"].clone(), md["languages"].clone()),
        (json!([{"subject": "Hydrology"}]), json!([{"id": "cym", "title": {"en": "Welsh"}}])),
        "{md}"
    );
    assert_eq!(md["additional_titles"][0]["title"], "Ansawdd dŵr afon Taf", "{md}");
    assert_eq!(md["rights"][0]["id"], "cc-by-4.0", "{md}");
    assert!(page("/uploads").await.unwrap().text().await.unwrap().contains("Water quality of the Taff"));

    // A draft made through the API, saved from the page, keeps what the form does not show.
    let api = crate::helpers::Api::new(&server, Some(server.cli_ok(&["admin", "create-token", "ada@example.org"]).trim().to_string()));

    // A draft of many files shows them a hundred at a time.
    let names: Vec<String> = (0..150).map(|i| format!("plate-{i:03}.txt")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), &b"x"[..])).collect();
    let many = api.draft_with_files(metadata("Many plates"), &files).await;
    let first = page(&format!("/uploads/{many}")).await.unwrap().text().await.unwrap();
    assert!(first.contains("plate-000.txt") && first.contains("plate-099.txt") && !first.contains("plate-100.txt"), "{first}");
    assert!(first.contains("Page 1 of 2.") && first.contains("href=\"?files_page=2#files\" rel=\"next\""), "{first}");
    let second = page(&format!("/uploads/{many}?files_page=2")).await.unwrap().text().await.unwrap();
    assert!(second.contains("plate-100.txt") && second.contains("plate-149.txt") && !second.contains("plate-099.txt"), "{second}");
    assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""), "{second}");
    let mut rich = metadata("Rich draft");
    rich["related_identifiers"] = json!([{"identifier": "10.1234/earlier", "scheme": "doi", "relation_type": {"id": "isnewversionof"},
        "resource_type": {"id": "dataset"}}]);
    rich["funding"] =
        json!([{"funder": {"id": "00k4n6c32", "name": "European Commission"}, "award": {"number": "101000001", "acronym": "TAFF"}}]);
    rich["contributors"] = json!([{"person_or_org": {"type": "personal", "family_name": "Hopper", "given_name": "Grace"},
        "role": {"id": "datacurator"}, "affiliations": [{"id": "01ggx4157", "name": "CERN"}]}]);
    rich["locations"] = json!({"features": [{"place": "Taff estuary", "identifiers": [{"scheme": "geonames", "identifier": "2653822"}],
        "geometry": {"type": "Polygon", "coordinates": [[[-3.18, 51.45], [-3.15, 51.45], [-3.15, 51.47], [-3.18, 51.45]]]}}]});
    let rich_id = api.draft_with_files(rich, &[]).await;
    let token = form_token(&page(&format!("/uploads/{rich_id}")).await.unwrap().text().await.unwrap());
    let form = [
        ("csrf_token", token.as_str()),
        ("title", "Rich draft, renamed"),
        ("resource_type", "dataset"),
        ("publication_date", "2024-05-17"),
        ("creator-0-place", "0"),
        ("creator-0-family", "Lovelace"),
        ("creator-0-given", "Ada"),
        ("creator-0-orcid", "0000-0002-1825-0097"),
        ("creator-0-affiliation", "CERN"),
        ("creator-1-place", "1"),
        ("creator-1-organization", "Afon Data Group"),
        ("licence", "cc-by-4.0"),
        ("subject-0", "Hydrology"),
        ("language-0", "eng"),
        ("publisher", "Tessera"),
        // The related work and the grant the page shows, and one more of each.
        ("related-0-place", "0"),
        ("related-0-identifier", "10.1234/earlier"),
        ("related-0-scheme", "doi"),
        ("related-0-relation", "isnewversionof"),
        ("related-1-identifier", "https://github.com/afon/taff-tools"),
        ("related-1-scheme", "url"),
        ("related-1-relation", "issupplementedby"),
        ("related-2-identifier", ""),
        ("related-2-scheme", "doi"),
        ("related-2-relation", ""),
        ("funding-0-place", "0"),
        ("funding-0-funder", "European Commission"),
        ("funding-0-number", "101000001"),
        ("funding-0-title", "Rivers of Wales"),
        ("funding-1-funder", "Natural Environment Research Council"),
        ("funding-1-number", "NE/X000001/1"),
        // A contributor shown, whose role changes, and one more; a date; the estuary as shown
        // (its shape is not), and a new place given as a point.
        ("contributor-0-place", "0"),
        ("contributor-0-family", "Hopper"),
        ("contributor-0-given", "Grace"),
        ("contributor-0-affiliation", "CERN"),
        ("contributor-0-role", "datacollector"),
        ("contributor-1-organization", "Afon Trust"),
        ("contributor-1-role", "sponsor"),
        ("date-0-date", "2020/2021"),
        ("date-0-type", "collected"),
        ("date-0-description", "Two summers of sampling"),
        ("date-1-date", ""),
        ("date-1-type", ""),
        ("location-0-place", "0"),
        ("location-0-name", "Taff estuary"),
        ("location-0-latitude", ""),
        ("location-0-longitude", ""),
        ("location-1-name", "Pontypridd"),
        ("location-1-latitude", "51.6014"),
        ("location-1-longitude", "-3.3424"),
        ("identifier-0-identifier", "10.1234/river.5"),
        ("identifier-0-scheme", "doi"),
        ("size-0", "3 tables"),
        ("format-0", "text/csv"),
        ("data_class", "public"),
        ("visibility", "public"),
        ("action", "save"),
    ];
    let saved = client.post(server.url(&format!("/uploads/{rich_id}"))).header("cookie", &session).form(&form[..]).send().await.unwrap();
    assert_eq!(location(&saved), format!("/uploads/{rich_id}?done=saved"));
    let (_, kept) = api.get(&format!("/api/records/{rich_id}/draft")).await;
    let md = &kept["metadata"];
    assert_eq!(md["title"], "Rich draft, renamed");
    assert_eq!(md["related_identifiers"][0]["identifier"], "10.1234/earlier", "{md}");
    assert_eq!(md["related_identifiers"][0]["resource_type"]["id"], "dataset", "what the row does not show is kept: {md}");
    assert_eq!(
        (md["related_identifiers"][1]["identifier"].as_str(), md["related_identifiers"][1]["relation_type"]["id"].as_str()),
        (Some("https://github.com/afon/taff-tools"), Some("issupplementedby")),
        "{md}"
    );
    assert_eq!(md["related_identifiers"].as_array().map(Vec::len), Some(2), "the empty row adds nothing: {md}");
    assert_eq!(md["funding"][0]["funder"]["id"], "00k4n6c32", "an unchanged funder keeps its ROR id: {md}");
    assert_eq!(
        (md["funding"][0]["award"]["acronym"].as_str(), md["funding"][0]["award"]["title"]["en"].as_str()),
        (Some("TAFF"), Some("Rivers of Wales"))
    );
    assert_eq!(md["funding"][1]["funder"], json!({"name": "Natural Environment Research Council"}), "{md}");
    assert_eq!(md["funding"][1]["award"]["number"], "NE/X000001/1", "{md}");
    assert_eq!(
        (md["contributors"][0]["role"]["id"].as_str(), md["contributors"][0]["affiliations"][0]["id"].as_str()),
        (Some("datacollector"), Some("01ggx4157")),
        "{md}"
    );
    assert_eq!(md["contributors"][1]["person_or_org"], json!({"type": "organizational", "name": "Afon Trust"}), "{md}");
    assert_eq!(md["dates"], json!([{"date": "2020/2021", "type": {"id": "collected"}, "description": "Two summers of sampling"}]), "{md}");
    let places = &md["locations"]["features"];
    assert_eq!(places[0]["geometry"]["type"], "Polygon", "the estuary keeps its shape: {md}");
    assert_eq!(places[0]["identifiers"][0]["identifier"], "2653822", "{md}");
    assert_eq!(places[1], json!({"place": "Pontypridd", "geometry": {"type": "Point", "coordinates": [-3.3424, 51.6014]}}), "{md}");
    assert_eq!((md["sizes"].clone(), md["formats"].clone()), (json!(["3 tables"]), json!(["text/csv"])), "{md}");
    // Published, a related work without a relation, a contributor without a role and a
    // latitude off the globe each come back beside their field.
    let mut wrong = form.to_vec();
    wrong.retain(|(name, _)| !name.starts_with("related-1") && !["contributor-1-role", "location-1-latitude", "action"].contains(name));
    wrong.extend([
        ("related-1-identifier", "10.1234/other"),
        ("related-1-scheme", "doi"),
        ("related-1-relation", ""),
        ("contributor-1-role", ""),
        ("location-1-latitude", "95"),
        ("action", "publish"),
    ]);
    let refused = client.post(server.url(&format!("/uploads/{rich_id}"))).header("cookie", &session).form(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused = refused.text().await.unwrap();
    for field in ["related-1-relation", "contributor-1-role", "location-1-latitude"] {
        assert!(
            refused.contains(&format!("href=\"#{field}\"")) && refused.contains(&format!("id=\"{field}-error\"")),
            "{field}: {refused}"
        );
    }
    assert!(refused.contains("value=\"95\""), "the form comes back as sent: {refused}");
    assert_eq!(md["identifiers"][0]["identifier"], "10.1234/river.5", "{md}");
    assert_eq!(md["creators"][0]["affiliations"][0]["id"], "01ggx4157", "the ROR id of an unchanged affiliation stays: {md}");
}

#[tokio::test]
async fn api_tokens_are_made_and_revoked_from_the_account_page() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-user", "ada@example.org"]);
    assert!(server.cli_with_input(&["admin", "set-password", "ada@example.org"], &format!("{PASSWORD}\n")).status.success());
    let client = browser();
    let session = value(&set_cookie(&sign_in(&server, "ada@example.org", PASSWORD, None).await, "tessera_session").unwrap()).to_string();
    let account = client.get(server.url("/account")).header("cookie", &session).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("Signed in as ada@example.org.") && account.contains("You have no tokens."), "{account}");
    let token = form_token(&account);

    // A token with the read scope only: its secret is on the page that made it, once.
    let form = [("csrf_token", token.as_str()), ("name", "laptop"), ("scope", "read"), ("expires", "")];
    let made = client.post(server.url("/account/tokens")).header("cookie", &session).form(&form).send().await.unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let page = made.text().await.unwrap();
    let secret = page.split("id=\"new-token\"").nth(1).and_then(|s| s.split('>').nth(1)).and_then(|s| s.split('<').next()).unwrap();
    let api = |secret: &str| client.get(server.url("/api/user/records")).bearer_auth(secret).send();
    assert_eq!(api(secret).await.unwrap().status(), StatusCode::OK);
    let deposit = client.post(server.url("/api/records")).bearer_auth(secret).json(&json!({"metadata": metadata("x")})).send().await;
    assert_eq!(deposit.unwrap().status(), StatusCode::FORBIDDEN, "a read token cannot deposit");
    let listed = client.get(server.url("/account")).header("cookie", &session).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("<td>laptop</td><td>read</td>") && !listed.contains(secret), "the secret is shown only once: {listed}");

    let id = listed.split("action=\"/account/tokens/").nth(1).and_then(|s| s.split('/').next()).unwrap().to_string();
    let revoke = client.post(server.url(&format!("/account/tokens/{id}/revoke"))).header("cookie", &session);
    let forged = revoke.form(&[("csrf_token", "from another site")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(api(secret).await.unwrap().status(), StatusCode::OK, "a forged form revokes nothing");
    let revoked = client
        .post(server.url(&format!("/account/tokens/{id}/revoke")))
        .header("cookie", &session)
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!((revoked.status(), location(&revoked)), (StatusCode::SEE_OTHER, "/account?done=revoked"));
    assert_eq!(api(secret).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn published_records_are_edited_and_versioned_from_the_pages() {
    let server = start(TestServerConfig::default()).await;
    for email in ["ada@example.org", "grace@example.org"] {
        server.cli_ok(&["admin", "create-user", email]);
    }
    let api = crate::helpers::Api::new(&server, Some(server.cli_ok(&["admin", "create-token", "ada@example.org"]).trim().to_string()));
    let id = api.draft_with_files(metadata("Tide gauges of Cardiff Bay"), &[("levels.csv", b"t,level\n0,1.2\n")]).await;
    api.publish(&id).await;
    let client = browser();
    let ada = session_of(&server, "ada@example.org").await;
    let grace = session_of(&server, "grace@example.org").await;
    let get = |path: String, session: &str| client.get(server.url(&path)).header("cookie", session.to_string()).send();

    // Only those who may change the record are offered to, and only they open the page that does.
    let offer = format!("href=\"/records/{id}/change\"");
    assert!(get(format!("/records/{id}"), &ada).await.unwrap().text().await.unwrap().contains(&offer));
    assert!(!get(format!("/records/{id}"), &grace).await.unwrap().text().await.unwrap().contains(&offer));
    assert!(!reqwest::get(server.url(&format!("/records/{id}"))).await.unwrap().text().await.unwrap().contains(&offer));
    assert_eq!(get(format!("/records/{id}/change"), &grace).await.unwrap().status(), StatusCode::FORBIDDEN);
    let choices = get(format!("/records/{id}/change"), &ada).await.unwrap().text().await.unwrap();
    assert!(choices.contains("Start version 2"), "{choices}");
    let token = form_token(&choices);
    let open = |change: &str, token: &str| {
        let url = server.url(&format!("/records/{id}/change/{change}"));
        client.post(url).header("cookie", &ada).form(&[("csrf_token", token)]).send()
    };
    assert_eq!(open("edit", "elsewhere").await.unwrap().status(), StatusCode::FORBIDDEN);

    // An edit changes the description; the files stay and cannot be changed from its form.
    let edit = open("edit", &token).await.unwrap();
    assert_eq!((edit.status(), location(&edit)), (StatusCode::SEE_OTHER, format!("/uploads/{id}").as_str()));
    let form_page = get(format!("/uploads/{id}"), &ada).await.unwrap().text().await.unwrap();
    assert!(form_page.contains("Edit the published record") && form_page.contains("levels.csv"), "{form_page}");
    assert!(!form_page.contains("/files/remove") && !form_page.contains("type=\"file\""), "an edit keeps its files: {form_page}");
    let fields = |title: &'static str, action: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("title", title.to_string()),
            ("resource_type", "dataset".into()),
            ("publication_date", "2024-05-17".into()),
            ("creator-0-family", "Lovelace".into()),
            ("creator-0-given", "Ada".into()),
            ("licence", "cc-by-4.0".into()),
            ("data_class", "public".into()),
            ("visibility", "public".into()),
            ("action", action.into()),
        ]
    };
    let published = client
        .post(server.url(&format!("/uploads/{id}")))
        .header("cookie", &ada)
        .form(&fields("Tide gauges of Cardiff Bay, corrected", "publish"));
    let published = published.send().await.unwrap();
    assert_eq!(location(&published), format!("/records/{id}"));
    let record: Value = reqwest::get(server.url(&format!("/api/records/{id}"))).await.unwrap().json().await.unwrap();
    assert_eq!(
        (record["metadata"]["title"].as_str(), record["files"]["count"].as_i64()),
        (Some("Tide gauges of Cardiff Bay, corrected"), Some(1))
    );

    // A new version starts with this one's files; it adds one and is published beside it.
    let version = open("new-version", &token).await.unwrap();
    let draft = location(&version).to_string();
    assert!(draft.starts_with("/uploads/") && draft != format!("/uploads/{id}"), "{draft}");
    let form_page = get(draft.clone(), &ada).await.unwrap().text().await.unwrap();
    assert!(form_page.contains("A new version") && form_page.contains("levels.csv") && form_page.contains("type=\"file\""), "{form_page}");
    let part = reqwest::multipart::Part::bytes(b"t,level\n1,1.4\n".to_vec()).file_name("levels-2025.csv");
    let body = reqwest::multipart::Form::new().text("csrf_token", token.clone()).part("files", part);
    assert_eq!(
        client.post(server.url(&format!("{draft}/files"))).header("cookie", &ada).multipart(body).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let published =
        client.post(server.url(&draft)).header("cookie", &ada).form(&fields("Tide gauges of Cardiff Bay", "publish")).send().await.unwrap();
    let second = location(&published).trim_start_matches("/records/").to_string();
    let record: Value = reqwest::get(server.url(&format!("/api/records/{second}"))).await.unwrap().json().await.unwrap();
    assert_eq!((record["versions"]["index"].as_i64(), record["files"]["count"].as_i64()), (Some(2), Some(2)), "{record}");
    let first: Value = reqwest::get(server.url(&format!("/api/records/{id}"))).await.unwrap().json().await.unwrap();
    assert_eq!(first["files"]["count"].as_i64(), Some(1), "the first version keeps its own files");
    let uploads = get("/uploads".into(), &ada).await.unwrap().text().await.unwrap();
    let (newest, oldest) = (uploads.find(&format!("/records/{second}\"")), uploads.find(&format!("/records/{id}\"")));
    assert!(newest.is_some() && newest < oldest && !uploads.contains("?before="), "both versions, newest first, one page: {uploads}");
}
