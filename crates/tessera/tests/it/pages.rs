//! What the pages say to machines and in which language: FAIR Signposting links, Highwire
//! meta tags, the language switch and `Accept-Language`, and errors as pages.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE, COOKIE, LINK, LOCATION, SET_COOKIE};
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, start};

#[tokio::test]
async fn landing_pages_signpost_and_speak_the_readers_language() {
    let server = start(TestServerConfig::default()).await;
    let depositor = Api::new(&server, Some(server.user_token("ada@example.org")));
    let mut river = metadata("River temperatures of the Taff");
    river["additional_titles"] = json!([{"title": "Tymheredd afon Taf", "type": {"id": "translated-title"}, "lang": {"id": "cym"}}]);
    let id = depositor.draft_with_files(river, &[("temperatures.csv", b"day,celsius\n")]).await;
    depositor.publish(&id).await;
    let hidden = depositor.draft_with_files(metadata("Hidden cohort"), &[("cohort.csv", b"a")]).await;
    let restricted = json!({"metadata": metadata("Hidden cohort"), "access": {"record": "restricted", "files": "restricted"}});
    assert!(depositor.put(&format!("/api/records/{hidden}/draft"), restricted).await.0.is_success());
    depositor.publish(&hidden).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Signposting: the landing page's Link header names what a harvester needs.
    let page = client.get(server.url(&format!("/records/{id}"))).send().await.unwrap();
    let link = page.headers().get(LINK).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body = page.text().await.unwrap();
    for expected in [
        "rel=\"cite-as\"".to_string(),
        format!(
            "<{}>; rel=\"describedby\"; type=\"application/vnd.datacite.datacite+xml\"",
            server.url(&format!("/api/records/{id}/export/datacite-xml"))
        ),
        format!("<{}>; rel=\"item\"", server.url(&format!("/api/records/{id}/files/temperatures.csv/content"))),
        "<https://spdx.org/licenses/CC-BY-4.0.html>; rel=\"license\"".to_string(),
        "<https://orcid.org/0000-0002-1825-0097>; rel=\"author\"".to_string(),
        "<https://schema.org/Dataset>; rel=\"type\"".to_string(),
    ] {
        assert!(link.contains(&expected), "{expected} missing from Link: {link}");
    }
    let cite_as = link.split(", ").find(|l| l.ends_with("rel=\"cite-as\"")).unwrap();
    assert!(cite_as.contains("/ark:/"), "a record is cited by its ARK: {cite_as}");
    // Highwire meta tags, one per author.
    for tag in [
        r#"<meta name="citation_title" content="River temperatures of the Taff">"#,
        r#"<meta name="citation_author" content="Lovelace, Ada">"#,
        r#"<meta name="citation_author" content="Afon Data Group">"#,
        r#"<meta name="citation_publication_date" content="2024/05/17">"#,
    ] {
        assert!(body.contains(tag), "{tag} missing: {body}");
    }
    assert!(body.contains("TY  - DATA") && body.contains("@misc{Lovelace2024_"), "RIS and BibTeX are on the page: {body}");
    // A metadata-only stub signposts nothing it would not show.
    let stub = client.get(server.url(&format!("/records/{hidden}"))).send().await.unwrap();
    assert!(stub.headers().get(LINK).is_none());
    // Opened with a reviewer's secret link, the page links its files with the secret, and
    // signposts them without it.
    let (_, made) = depositor.post(&format!("/api/records/{hidden}/access/links"), json!({"permission": "files"})).await;
    let secret = made["token"].as_str().unwrap();
    let shared = client.get(server.url(&format!("/records/{hidden}?token={secret}"))).send().await.unwrap();
    let link = shared.headers().get(LINK).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let page = shared.text().await.unwrap();
    assert!(link.contains("/files/cohort.csv/content>; rel=\"item\"") && !link.contains(secret), "{link}");
    assert!(page.contains(&format!("/files/cohort.csv/content?token={secret}")), "{page}");

    // Welsh by Accept-Language: the interface and the record's Welsh title.
    let welsh = client.get(server.url(&format!("/records/{id}"))).header(ACCEPT_LANGUAGE, "cy-GB,cy;q=0.9,en;q=0.5").send().await;
    let welsh = welsh.unwrap().text().await.unwrap();
    assert!(welsh.contains(r#"<html lang="cy">"#) && welsh.contains("<h1>Tymheredd afon Taf</h1>"), "{welsh}");
    assert!(welsh.contains("Sut i ddyfynnu") && welsh.contains("Lawrlwytho&#39;r cyfan (zip)"), "{welsh}");

    // The switch remembers the choice and goes back only to a page of this server.
    let switched = client.get(server.url("/language/cy?next=/search%3Fq%3Dtaff")).send().await.unwrap();
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    assert_eq!(switched.headers()[LOCATION], "/search?q=taff");
    let cookie = switched.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("tessera_lang=cy;") && cookie.contains("Max-Age=31536000"), "{cookie}");
    let elsewhere = client.get(server.url("/language/en?next=//evil.example/")).send().await.unwrap();
    assert_eq!(elsewhere.headers()[LOCATION], "/");
    // The cookie wins over Accept-Language, on pages and on their errors.
    let search = client.get(server.url("/search?q=taff")).header(COOKIE, "tessera_lang=cy").header(ACCEPT_LANGUAGE, "en").send().await;
    let search = search.unwrap().text().await.unwrap();
    assert!(search.contains("1 cofnod ar gyfer “taff”") && search.contains("Set ddata"), "{search}");
    let missing = client.get(server.url("/records/999999")).header(COOKIE, "tessera_lang=cy").send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing = missing.text().await.unwrap();
    assert!(missing.contains("<h1>Heb ei ganfod</h1>") && missing.contains(r#"<html lang="cy">"#), "{missing}");
    let english = client.get(server.url("/records/999999")).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("<h1>Not found</h1>"), "{english}");
    // An address nothing answers is a page for a browser, and problem+json for an API client.
    let browser = |path: &str| {
        client.get(server.url(path)).header(ACCEPT, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8").header(COOKIE, "tessera_lang=cy")
    };
    let nowhere = browser("/records/1/nowhere").send().await.unwrap();
    assert_eq!((nowhere.status(), nowhere.headers()[CONTENT_TYPE].to_str().unwrap()), (StatusCode::NOT_FOUND, "text/html; charset=utf-8"));
    assert!(nowhere.text().await.unwrap().contains("<h1>Heb ei ganfod</h1>"));
    for request in [browser("/api/nowhere"), client.get(server.url("/records/1/nowhere"))] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
    }
    // So are the refusals the framework makes itself before any page is asked: a query it
    // cannot read, a method the address does not take (which keeps its Allow header).
    let unreadable = browser("/login?next=/a&next=/b").send().await.unwrap();
    assert_eq!(
        (unreadable.status(), unreadable.headers()[CONTENT_TYPE].to_str().unwrap()),
        (StatusCode::BAD_REQUEST, "text/html; charset=utf-8")
    );
    let unreadable = unreadable.text().await.unwrap();
    assert!(unreadable.contains("<h1>Cais gwallus</h1>") && unreadable.contains("duplicate field `next`"), "{unreadable}");
    let unrouted = client.delete(server.url("/search")).header(ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(
        (unrouted.status(), unrouted.headers()[CONTENT_TYPE].to_str().unwrap()),
        (StatusCode::METHOD_NOT_ALLOWED, "text/html; charset=utf-8")
    );
    assert_eq!(unrouted.headers()["allow"], "GET,HEAD");
    let unreadable = client.get(server.url("/login?next=/a&next=/b")).send().await.unwrap();
    assert_eq!(
        (unreadable.status(), unreadable.headers()[CONTENT_TYPE].to_str().unwrap()),
        (StatusCode::BAD_REQUEST, "application/problem+json")
    );

    // The home page lists what was published last, newest first.
    let home = client.get(server.url("/")).send().await.unwrap().text().await.unwrap();
    let (newest, older) = (home.find("Hidden cohort").unwrap(), home.find("River temperatures of the Taff").unwrap());
    assert!(newest < older, "{home}");
}

#[tokio::test]
async fn landing_pages_say_who_took_part_when_where_and_what_else() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    let depositor = crate::helpers::person(&server, "depositor@example.org", Some(("uni", "depositor")));
    let steward = crate::helpers::member(&server, "steward@example.org", "uni", "steward");
    let ids = crate::oai::varied_records(&depositor, &steward).await;
    let page = |lang: &'static str| {
        let url = server.url(&format!("/records/{}", ids["many"]));
        async move { reqwest::Client::new().get(url).header(ACCEPT_LANGUAGE, lang).send().await.unwrap().text().await.unwrap() }
    };
    let english = page("en").await;
    let details =
        english.split("<dl class=\"details\">").nth(1).and_then(|rest| rest.split("</dl>").next()).unwrap_or_else(|| panic!("{english}"));
    for expected in [
        "<dt>Contributors</dt><dd>Hopper, Grace (Data collector)</dd><dd>Afon Trust (Sponsor)</dd>",
        "<dt>Dates</dt><dd>Collected 2020/2021</dd>",
        "<dd><a href=\"https://www.openstreetmap.org/?mlat=50.72&#38;mlon=-3.53#map=12/50.72/-3.53\">Exeter · 50.72, -3.53</a></dd>",
        "<dd><a href=\"https://doi.org/10.1234/paper.1\">is cited by 10.1234/paper.1</a></dd>",
        "<dd><a href=\"https://example.org/x\">references https://example.org/x</a></dd>",
        "<dt>Funding</dt><dd>European Commission · 101000001 · Rivers</dd>",
        "<dt>Version</dt><dd>v2.1</dd>",
        "<dt>Size</dt><dd>3 tables</dd><dt>Formats</dt><dd>text/csv</dd>",
    ] {
        assert!(details.contains(expected), "{expected} missing from {details}");
    }
    let welsh = page("cy").await;
    assert!(welsh.contains("<dd>Hopper, Grace (Casglwr data)</dd>") && welsh.contains("yn cael ei dyfynnu gan 10.1234/paper.1"), "{welsh}");
}
