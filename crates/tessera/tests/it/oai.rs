//! OAI-PMH: every verb and error answer validates against the official OAI-PMH, oai_dc and
//! DataCite 4.6 schemas for varied records, and a harvest that resumes while records are
//! edited, added and taken down ends with exactly the repository's records.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_testkit::{TestServer, TestServerConfig};

use crate::helpers::{Api, member, metadata, person, start, validate_xml};

/// An OAI-PMH answer's body.
async fn oai(server: &TestServer, query: &str) -> String {
    let response = reqwest::get(server.url(&format!("/oai?{query}"))).await.expect("request sent");
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    assert_eq!(response.headers()["content-type"], "text/xml; charset=utf-8");
    response.text().await.expect("body read")
}

/// The text of the first `<tag>` in `xml` after `from`, unescaped enough for the tests.
fn text_of<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..end])
}

fn error_code(xml: &str) -> Option<&str> {
    let start = xml.find("<error code=\"")? + "<error code=\"".len();
    Some(&xml[start..start + xml[start..].find('"')?])
}

/// Records that stretch the mappings: many people, other scripts, embargoed, metadata-only,
/// taken down, and text XML cannot carry as it is.
pub(crate) async fn varied_records(depositor: &Api, steward: &Api) -> BTreeMap<&'static str, String> {
    let mut many = metadata("Forty hands");
    many["creators"] = Value::Array(
        (0..40)
            .map(|n| json!({"person_or_org": {"type": "personal", "given_name": format!("Given{n}"), "family_name": "Family"}}))
            .collect(),
    );
    many["contributors"] = json!([
        {"person_or_org": {"type": "personal", "given_name": "Grace", "family_name": "Hopper"}, "role": {"id": "datacollector"}},
        {"person_or_org": {"type": "organizational", "name": "Afon Trust"}, "role": {"id": "sponsor"}}
    ]);
    many["additional_titles"] = json!([{"title": "Deugain llaw", "type": {"id": "translated-title"}, "lang": {"id": "cym"}}]);
    many["additional_descriptions"] = json!([{"description": "Counted by hand.", "type": {"id": "methods"}}]);
    many["dates"] = json!([{"date": "2020/2021", "type": {"id": "collected"}}]);
    many["related_identifiers"] = json!([
        {"identifier": "10.1234/paper.1", "scheme": "doi", "relation_type": {"id": "iscitedby"}, "resource_type": {"id": "publication-article"}},
        {"identifier": "https://example.org/x", "scheme": "url", "relation_type": {"id": "references"}}
    ]);
    many["funding"] = json!([{"funder": {"id": "00k4n6c32", "name": "European Commission"}, "award": {"number": "101000001", "title": {"en": "Rivers"}}}]);
    many["locations"] = json!({"features": [{"geometry": {"type": "Point", "coordinates": [-3.53, 50.72]}, "place": "Exeter"}]});
    many["version"] = json!("v2.1");
    many["sizes"] = json!(["3 tables"]);
    many["formats"] = json!(["text/csv"]);
    let mut scripts = metadata("河流温度 · Αφόν · نهر");
    scripts["creators"] = json!([{"person_or_org": {"type": "personal", "given_name": "Siân", "family_name": "Llŷr-Øster"}}]);
    scripts["description"] = json!("Temperatures < 4 °C & \"ice\" \u{1} days");
    scripts["languages"] = json!([{"id": "cym"}, {"id": "zho"}]);
    let mut photo = metadata("Heron at dawn");
    photo["resource_type"] = json!({"id": "image-photo"});
    let embargo = json!({"record": "public", "files": "restricted", "embargo": {"active": true, "until": "2999-01-01", "reason": "paper"}});
    let hidden = json!({"record": "restricted", "files": "restricted"});
    let bodies = [
        ("many", json!({"organization": "uni", "metadata": many})),
        ("scripts", json!({"organization": "uni", "metadata": scripts})),
        ("photo", json!({"metadata": photo})),
        ("embargoed", json!({"organization": "uni", "metadata": metadata("Embargoed survey"), "access": embargo})),
        ("hidden", json!({"organization": "uni", "metadata": metadata("Hidden cohort"), "access": hidden})),
        ("withdrawn", json!({"organization": "uni", "metadata": metadata("Withdrawn list")})),
    ];
    let mut ids = BTreeMap::new();
    for (name, body) in bodies {
        let id = depositor.draft_from(body, &[("data.csv", b"a,b\n1,2\n")]).await;
        depositor.publish(&id).await;
        ids.insert(name, id);
    }
    let (status, body) = steward.post(&format!("/api/records/{}/takedown", ids["withdrawn"]), json!({"reason": "Consent withdrawn"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    ids
}

#[tokio::test]
async fn every_answer_validates_against_the_official_schemas() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    let depositor = person(&server, "depositor@example.org", Some(("uni", "depositor")));
    let steward = member(&server, "steward@example.org", "uni", "steward");
    let ids = varied_records(&depositor, &steward).await;
    let host = "oai:127.0.0.1:";

    let mut answers = Vec::new();
    for query in [
        "verb=Identify",
        "verb=ListMetadataFormats",
        &format!("verb=ListMetadataFormats&identifier={host}{}", ids["many"]),
        "verb=ListSets",
        "verb=ListIdentifiers&metadataPrefix=oai_dc",
        "verb=ListRecords&metadataPrefix=oai_dc",
        "verb=ListRecords&metadataPrefix=oai_datacite",
        "verb=ListRecords&metadataPrefix=oai_dc&set=type:image",
        "verb=ListRecords&metadataPrefix=oai_datacite&from=2000-01-01&until=2999-12-31",
    ] {
        let xml = oai(&server, query).await;
        assert_eq!(error_code(&xml), None, "{query}: {xml}");
        answers.push((query.to_string(), xml));
    }
    for (name, id) in &ids {
        for prefix in ["oai_dc", "oai_datacite"] {
            let xml = oai(&server, &format!("verb=GetRecord&metadataPrefix={prefix}&identifier={host}{id}")).await;
            answers.push((format!("{name}-{prefix}"), xml));
        }
    }
    let errors = [
        ("", "badVerb"),
        ("verb=Harvest", "badVerb"),
        ("verb=Identify&verb=ListSets", "badVerb"),
        ("verb=ListRecords", "badArgument"),
        ("verb=Identify&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-01", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-01-01T00:00:00Z", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2024-01-01", "badArgument"),
        ("verb=ListRecords&resumptionToken=abc&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&resumptionToken=bm9uc2Vuc2U", "badResumptionToken"),
        ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
        ("verb=GetRecord&metadataPrefix=marc21&identifier=oai:127.0.0.1:1", "cannotDisseminateFormat"),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere.org:1", "idDoesNotExist"),
        ("verb=ListMetadataFormats&identifier=oai:127.0.0.1:999999", "idDoesNotExist"),
        ("verb=ListRecords&metadataPrefix=oai_dc&until=1990-01-01", "noRecordsMatch"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&set=org:nowhere", "noRecordsMatch"),
    ];
    for (query, code) in errors {
        let xml = oai(&server, query).await;
        assert_eq!(error_code(&xml), Some(code), "{query}: {xml}");
        if matches!(code, "badVerb" | "badArgument") {
            assert!(xml.contains("<request>"), "arguments that were the problem are not echoed: {xml}");
        }
        answers.push((query.to_string(), xml));
    }
    // POST carries the same arguments in a form.
    let posted = reqwest::Client::new().post(server.url("/oai")).form(&[("verb", "Identify")]).send().await.unwrap().text().await.unwrap();
    assert!(posted.contains("<deletedRecord>persistent</deletedRecord>"), "{posted}");
    answers.push(("post".into(), posted));
    validate_xml("oai-pmh", &answers);

    // What the answers say, beside being valid.
    let find = |what: &str| answers.iter().find(|(q, _)| q == what).map(|(_, xml)| xml.as_str()).unwrap();
    let withdrawn = find("withdrawn-oai_dc");
    assert!(withdrawn.contains("<header status=\"deleted\">") && !withdrawn.contains("<metadata>"), "{withdrawn}");
    let hidden = find("hidden-oai_dc");
    assert!(hidden.contains("Hidden cohort") && !hidden.contains("Hourly water temperature"), "a stub shows no description: {hidden}");
    assert!(hidden.contains("info:eu-repo/semantics/closedAccess"), "{hidden}");
    assert!(find("embargoed-oai_datacite").contains(r#"<date dateType="Available">2999-01-01</date>"#));
    let many = find("many-oai_datacite");
    assert_eq!(many.matches("<creator>").count(), 40);
    for expected in [
        r#"<contributor contributorType="DataCollector">"#,
        r#"<title titleType="TranslatedTitle" xml:lang="cy">Deugain llaw</title>"#,
        r#"<relatedIdentifier relatedIdentifierType="DOI" relationType="IsCitedBy" resourceTypeGeneral="JournalArticle">10.1234/paper.1</relatedIdentifier>"#,
        r#"<funderIdentifier funderIdentifierType="ROR" schemeURI="https://ror.org">https://ror.org/00k4n6c32</funderIdentifier>"#,
        "<pointLongitude>-3.53</pointLongitude>",
    ] {
        assert!(many.contains(expected), "{expected} in {many}");
    }
    let scripts = find("scripts-oai_datacite");
    assert!(
        scripts.contains("河流温度 · Αφόν · نهر") && scripts.contains("Temperatures &lt; 4 °C &amp; &quot;ice&quot;  days"),
        "{scripts}"
    );
    let photos = find("verb=ListRecords&metadataPrefix=oai_dc&set=type:image");
    assert_eq!((photos.matches("<record>").count(), photos.contains("Heron at dawn")), (1, true), "{photos}");
    let sets = find("verb=ListSets");
    for spec in ["org:uni", "type:image:photo", "type:dataset"] {
        assert!(sets.contains(&format!("<setSpec>{spec}</setSpec>")), "{spec} in {sets}");
    }
    assert!(sets.contains("<setName>University of Afon</setName>"), "{sets}");
    assert_eq!(find("verb=ListIdentifiers&metadataPrefix=oai_dc").matches("<header").count(), ids.len());
}

/// The harvester's view: each identifier's latest state, `None` once deleted.
type Harvested = BTreeMap<String, Option<String>>;

/// Reads one ListRecords answer into `into`; returns the resumption token, if any.
/// `sent` collects every item sent, so that none is sent twice in the same state.
fn take_page(xml: &str, into: &mut Harvested, sent: &mut Vec<(String, Option<String>)>) -> Option<String> {
    for record in xml.split("<record>").skip(1) {
        let id = text_of(record, "identifier").unwrap().to_string();
        let deleted = record.contains("status=\"deleted\"");
        let state = if deleted { None } else { text_of(record, "dc:title").map(str::to_string) };
        assert!(!sent.contains(&(id.clone(), state.clone())), "{id} was sent twice as {state:?}");
        sent.push((id.clone(), state.clone()));
        into.insert(id, state);
    }
    let start = xml.find("<resumptionToken")?;
    let token = &xml[start..];
    let body = &token[token.find('>')? + 1..];
    let token = &body[..body.find("</resumptionToken>").unwrap_or(0)];
    (!token.is_empty()).then(|| token.to_string())
}

#[tokio::test]
async fn a_harvest_during_changes_ends_with_exactly_the_repository_records() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    let depositor = person(&server, "depositor@example.org", Some(("uni", "depositor")));
    let steward = member(&server, "steward@example.org", "uni", "steward");
    let mut truth: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut ids = Vec::new();
    for n in 0..230 {
        let title = format!("Series {n}");
        let id = depositor.draft_from(json!({"organization": "uni", "metadata": metadata(&title), "files": {"enabled": false}}), &[]).await;
        depositor.publish(&id).await;
        truth.insert(format!("oai:127.0.0.1:{id}"), Some(title));
        ids.push(id);
    }

    let (mut harvested, mut sent) = (Harvested::new(), Vec::new());
    let first = oai(&server, "verb=ListRecords&metadataPrefix=oai_dc").await;
    assert!(first.contains(r#"completeListSize="230" cursor="0""#), "{}", &first[first.len() - 300..]);
    let mut token = take_page(&first, &mut harvested, &mut sent);
    let mut pages = 1;
    while let Some(resume) = token {
        if pages == 1 {
            // Mid-harvest: records behind and ahead of the harvest's place are edited or taken
            // down, and new ones published.
            for n in [3, 150, 229] {
                let id = &ids[n];
                assert_eq!(depositor.post_empty(&format!("/api/records/{id}/draft")).await.0, StatusCode::CREATED);
                let title = format!("Series {n}, corrected");
                let (status, body) = depositor.put(&format!("/api/records/{id}/draft"), json!({"metadata": metadata(&title)})).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                depositor.publish(id).await;
                truth.insert(format!("oai:127.0.0.1:{id}"), Some(title));
            }
            for n in [10, 200] {
                let (status, body) =
                    steward.post(&format!("/api/records/{}/takedown", ids[n]), json!({"reason": "Consent withdrawn"})).await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                truth.insert(format!("oai:127.0.0.1:{}", ids[n]), None);
            }
            let late = json!({"organization": "uni", "metadata": metadata("Late arrival"), "files": {"enabled": false}});
            let id = depositor.draft_from(late, &[]).await;
            depositor.publish(&id).await;
            truth.insert(format!("oai:127.0.0.1:{id}"), Some("Late arrival".into()));
        }
        let page = oai(&server, &format!("verb=ListRecords&resumptionToken={resume}")).await;
        assert_eq!(error_code(&page), None, "{page}");
        token = take_page(&page, &mut harvested, &mut sent);
        pages += 1;
    }
    assert_eq!(harvested, truth, "after {pages} pages");
    assert_eq!(sent.len(), 230 + 2 + 1, "the changes behind the harvest's place (3 and 10) and the new record came later");
}

#[tokio::test]
async fn communities_are_sets_their_curators_fill() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    server.cli_ok(&["admin", "create-org", "museum", "Museum of the Valleys"]);
    server.cli_ok(&["admin", "create-community", "welsh-rivers", "Welsh rivers", "--organization", "uni"]);
    let heritage = json!({"slug": "heritage", "title": "Industrial heritage", "organization": "museum"});
    let museum_admin = member(&server, "admin@museum.example", "museum", "admin");
    assert_eq!(museum_admin.post("/api/communities", heritage.clone()).await.0, StatusCode::CREATED);
    let depositor = person(&server, "depositor@example.org", Some(("uni", "depositor")));
    let curator = member(&server, "curator@example.org", "uni", "curator");
    assert_eq!(curator.post("/api/communities", heritage).await.0, StatusCode::FORBIDDEN, "only the museum's administrators");

    let id =
        depositor.draft_from(json!({"organization": "uni", "metadata": metadata("Taff flows"), "files": {"enabled": false}}), &[]).await;
    depositor.publish(&id).await;
    let other =
        depositor.draft_from(json!({"organization": "uni", "metadata": metadata("Usk flows"), "files": {"enabled": false}}), &[]).await;
    depositor.publish(&other).await;
    let into = |ids: &[&str]| json!({"communities": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()});
    let path = format!("/api/records/{id}/communities");
    // Adding takes someone who may edit the record and curates the community.
    assert_eq!(depositor.post(&path, into(&["welsh-rivers"])).await.0, StatusCode::FORBIDDEN, "a depositor curates nothing");
    assert_eq!(curator.post(&path, into(&["heritage"])).await.0, StatusCode::FORBIDDEN, "the museum's community");
    assert_eq!(curator.post(&path, into(&["nowhere"])).await.0, StatusCode::NOT_FOUND);
    let (status, record) = curator.post(&path, into(&["welsh-rivers"])).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["parent"]["communities"]["ids"], json!(["welsh-rivers"]));

    // A community's records are searched as every record is, and only its own are found.
    let anyone = Api::new(&server, None);
    let members = |community: &str, query: &str| {
        let anyone = &anyone;
        let path = format!("/api/communities/{community}/records{query}");
        async move {
            let (status, body) = anyone.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let ids: Vec<String> = body["hits"]["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect();
            (ids, body)
        }
    };
    let (ids, body) = members("welsh-rivers", "?size=5").await;
    assert_eq!((ids, &body["hits"]["total"]), (vec![id.clone()], &json!(1)));
    assert_eq!(body["aggregations"]["resource_type"]["buckets"][0]["doc_count"], 1, "{body}");
    assert!(body["links"]["self"].as_str().unwrap().contains("/api/communities/welsh-rivers/records?size=5&page=1"), "{body}");
    assert_eq!(members("welsh-rivers", "?q=usk").await.0, Vec::<String>::new());
    assert_eq!(members("heritage", "").await.0, Vec::<String>::new());
    assert_eq!(anyone.get("/api/communities/nowhere/records").await.0, StatusCode::NOT_FOUND);
    assert_eq!(anyone.get("/api/communities/welsh-rivers/records?sort=loudest").await.0, StatusCode::BAD_REQUEST);
    // The landing page names the community, whose link searches in it alone.
    let html = |path: &str| {
        let url = server.url(path);
        async move {
            let response = reqwest::get(url).await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (_, landing) = html(&format!("/records/{id}")).await;
    assert!(landing.contains(r#"Communities: <a href="/search?community=welsh-rivers">Welsh rivers</a>"#), "{landing}");
    let (status, page) = html("/search?community=welsh-rivers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("In the community Welsh rivers") && page.contains("Taff flows") && !page.contains("Usk flows"), "{page}");
    assert!(page.contains(r#"<a href="/search">Search all records</a>"#), "{page}");
    assert_eq!(html("/search?community=nowhere").await.0, StatusCode::NOT_FOUND);
    let (_, home) = html("/").await;
    assert!(home.contains(r#"<li><a href="/search?community=welsh-rivers">Welsh rivers</a></li>"#), "{home}");

    let listed = oai(&server, "verb=ListRecords&metadataPrefix=oai_dc&set=community:welsh-rivers").await;
    assert!(listed.contains("Taff flows") && listed.contains("<setSpec>community:welsh-rivers</setSpec>"), "{listed}");
    let sets = oai(&server, "verb=ListSets").await;
    assert!(sets.contains("<setSpec>community:welsh-rivers</setSpec><setName>Welsh rivers</setName>"), "{sets}");
    validate_xml("oai-pmh", &[("community set".into(), listed), ("sets".into(), sets)]);

    // A new version stays in the community; the owner may take the dataset out.
    let (status, version) = depositor.post_empty(&format!("/api/records/{id}/versions")).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let second = version["id"].as_str().unwrap().to_string();
    let published = depositor.publish(&second).await;
    assert_eq!(published["parent"]["communities"]["ids"], json!(["welsh-rivers"]));
    assert_eq!(members("welsh-rivers", "").await.0, vec![second.clone()], "the latest version stands for the dataset");
    let (status, record) = depositor.send(depositor.request(reqwest::Method::DELETE, &path).json(&into(&["welsh-rivers"]))).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["parent"]["communities"]["ids"], json!([]));
    assert_eq!(members("welsh-rivers", "?allversions=true").await.0, Vec::<String>::new());
    let gone = oai(&server, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=community:welsh-rivers").await;
    assert_eq!(error_code(&gone), Some("noRecordsMatch"), "{gone}");
    let (_, communities) = Api::new(&server, None).get("/api/communities").await;
    assert_eq!(communities["hits"]["total"], 2, "{communities}");
    // Membership lives in each version's record.json, in new versions of the dataset's object,
    // each staged as it was changed and the staging let go of once committed.
    server.cli_ok(&["verify"]);
    let staged: Vec<String> = std::fs::read_dir(server.data_dir.join("staging"))
        .map(|entries| entries.flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(!staged.iter().any(|name| name.starts_with("rewrite-")), "{staged:?}");
}
