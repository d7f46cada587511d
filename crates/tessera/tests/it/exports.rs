//! Every record exports as DataCite XML and JSON, Dublin Core, schema.org JSON-LD, DCAT-AP
//! (Turtle and JSON-LD), CSL-JSON and BibTeX, by name and by content negotiation; the
//! reference tools read each (xmlschema with the official schemas, rdflib, bibtexparser).

use reqwest::StatusCode;
use serde_json::Value;
use tessera_testkit::{TestServer, TestServerConfig};

use crate::helpers::{Api, check_exports, check_paths, member, person, start, validate_xml};
use crate::oai::varied_records;

/// An export as anyone gets it: status, content type and body.
async fn fetch(server: &TestServer, path: &str, accept: &str) -> (StatusCode, String, String) {
    let response = reqwest::Client::new().get(server.url(path)).header("accept", accept).send().await.expect("request sent");
    let status = response.status();
    let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, media, response.text().await.expect("body read"))
}

async fn export(server: &TestServer, id: &str, format: &str) -> String {
    let (status, _, body) = fetch(server, &format!("/api/records/{id}/export/{format}"), "*/*").await;
    assert_eq!(status, StatusCode::OK, "{format} of {id}: {body}");
    body
}

#[tokio::test]
async fn every_record_exports_in_formats_the_reference_tools_read() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    let depositor = person(&server, "depositor@example.org", Some(("uni", "depositor")));
    let steward = member(&server, "steward@example.org", "uni", "steward");
    let ids = varied_records(&depositor, &steward).await;
    let visible: Vec<(&str, &String)> = ids.iter().filter(|(name, _)| **name != "withdrawn").map(|(n, id)| (*n, id)).collect();

    let (mut datacite, mut dublin_core) = (Vec::new(), Vec::new());
    for (name, id) in &visible {
        datacite.push((name.to_string(), export(&server, id, "datacite-xml").await));
        dublin_core.push((name.to_string(), export(&server, id, "dublincore").await));
    }
    validate_xml("datacite", &datacite);
    validate_xml("oai_dc", &dublin_core);

    let many = &ids["many"];
    // The dataset is named by its ARK, through the link it resolves at.
    let ark =
        Api::new(&server, None).get(&format!("/api/records/{many}")).await.1["pids"]["ark"]["identifier"].as_str().unwrap().to_string();
    let landing = server.url(&format!("/{ark}"));
    let turtle = export(&server, many, "dcat-ap").await;
    let json_ld = export(&server, many, "dcat-ap-jsonld").await;
    let graph = check_exports("rdf", &[("dcat.ttl", turtle.as_bytes()), ("dcat.jsonld", json_ld.as_bytes())]);
    assert_eq!((graph["datasets"].clone(), graph["distributions"].as_u64()), (serde_json::json!([landing]), Some(1)), "{graph}");
    assert!(graph["triples"].as_u64().unwrap() > 60, "{graph}");

    let schema = check_exports("schema-org", &[("schema.jsonld", export(&server, many, "json-ld").await.as_bytes())]);
    assert!(schema["types"].as_array().unwrap().contains(&"https://schema.org/Dataset".into()), "{schema}");
    let photo = check_exports("schema-org", &[("photo.jsonld", export(&server, &ids["photo"], "json-ld").await.as_bytes())]);
    assert!(photo["types"].as_array().unwrap().contains(&"https://schema.org/Photograph".into()), "{photo}");

    let entry = check_exports("bibtex", &[("many.bib", export(&server, many, "bibtex").await.as_bytes())]);
    assert_eq!((entry["ENTRYTYPE"].as_str(), entry["year"].as_str(), entry["month"].as_str()), (Some("misc"), Some("2024"), Some("May")));
    assert_eq!(entry["author"].as_str().unwrap().split(" and ").count(), 40, "{entry}");
    let scripts = check_exports("bibtex", &[("scripts.bib", export(&server, &ids["scripts"], "bibtex").await.as_bytes())]);
    assert_eq!(scripts["title"].as_str(), Some("河流温度 · Αφόν · نهر"), "{scripts}");
    let ris = check_exports("ris", &[("many.ris", export(&server, many, "ris").await.as_bytes())]);
    assert_eq!(
        (ris["type_of_reference"].as_str(), ris["year"].as_str(), ris["date"].as_str()),
        (Some("DATA"), Some("2024"), Some("2024/05/17/"))
    );
    assert_eq!(ris["authors"].as_array().map(Vec::len), Some(40), "{ris}");
    let scripts = check_exports("ris", &[("scripts.ris", export(&server, &ids["scripts"], "ris").await.as_bytes())]);
    assert_eq!(scripts["title"].as_str(), Some("河流温度 · Αφόν · نهر"), "{scripts}");

    let csl: Value = serde_json::from_str(&export(&server, many, "csl").await).unwrap();
    assert_eq!((csl["type"].as_str(), csl["author"].as_array().map(Vec::len)), (Some("dataset"), Some(40)), "{csl}");
    assert_eq!(csl["issued"]["date-parts"], serde_json::json!([[2024, 5, 17]]));
    let json: Value = serde_json::from_str(&export(&server, many, "datacite-json").await).unwrap();
    assert_eq!((json["types"]["resourceTypeGeneral"].as_str(), json["creators"].as_array().map(Vec::len)), (Some("Dataset"), Some(40)));
    assert_eq!(json["titles"][1]["titleType"], "TranslatedTitle", "{json}");

    // The landing page carries the schema.org description for search engines, safely, and
    // links to every export.
    let page = reqwest::get(server.url(&format!("/records/{}", ids["scripts"]))).await.unwrap().text().await.unwrap();
    let open = r#"<script type="application/ld+json">"#;
    let start = page.find(open).expect("JSON-LD in the page") + open.len();
    let embedded: Value = serde_json::from_str(&page[start..start + page[start..].find("</script>").unwrap()]).unwrap();
    assert_eq!(embedded["name"], "河流温度 · Αφόν · نهر");
    assert!(embedded["description"].as_str().unwrap().contains("Temperatures < 4 °C"), "{embedded}");
    assert!(page.contains(&format!("/api/records/{}/export/bibtex", ids["scripts"])) && page.contains("Persistent identifier: <a href="));

    // A metadata-only record exports only its stub to those who may not see more.
    let hidden: Value = serde_json::from_str(&export(&server, &ids["hidden"], "datacite-json").await).unwrap();
    assert_eq!((hidden["descriptions"].clone(), hidden["titles"][0]["title"].as_str()), (serde_json::json!([]), Some("Hidden cohort")));
    let depositor_view = depositor.get(&format!("/api/records/{}/export/datacite-json", ids["hidden"])).await.1;
    assert_eq!(depositor_view["descriptions"][0]["descriptionType"], "Abstract", "its depositor exports it whole: {depositor_view}");
    // A record taken down is not exported.
    let withdrawn = fetch(&server, &format!("/api/records/{}/export/bibtex", ids["withdrawn"]), "*/*").await;
    assert_eq!(withdrawn.0, StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS);

    // Content negotiation on the record and on its page; HTML and JSON stay the defaults.
    let (status, media, body) = fetch(&server, &format!("/api/records/{many}"), "application/x-bibtex").await;
    assert_eq!((status, media.as_str(), body.starts_with("@misc{")), (StatusCode::OK, "application/x-bibtex; charset=utf-8", true));
    let (_, media, body) = fetch(&server, &format!("/records/{many}"), "text/turtle").await;
    assert_eq!((media.as_str(), body.contains("dcat:Dataset")), ("text/turtle; charset=utf-8", true));
    let (_, media, _) = fetch(&server, &format!("/records/{many}"), "application/vnd.datacite.datacite+xml").await;
    assert_eq!(media, "application/vnd.datacite.datacite+xml");
    let (_, media, _) = fetch(&server, &format!("/records/{many}"), "text/html,application/xhtml+xml,*/*;q=0.8").await;
    assert!(media.starts_with("text/html"), "{media}");
    let (_, media, _) = fetch(&server, &format!("/api/records/{many}"), "application/json").await;
    assert!(media.starts_with("application/json"), "{media}");
    let (status, _, body) = fetch(&server, &format!("/api/records/{many}/export/marcxml"), "*/*").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("datacite-xml, datacite-json") && body.contains("bagit"), "{body}");
    let anonymous = Api::new(&server, None);
    assert_eq!(anonymous.get("/api/records/999999/export/bibtex").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_record_exports_as_a_bag_that_bagit_python_validates() {
    let server = start(TestServerConfig::default()).await;
    let depositor = person(&server, "depositor@example.org", None);
    // A name longer than tar's 100 bytes, and not ASCII, needs a pax header in a tar bag.
    let long = format!("docs/{}río.csv", "measurements-".repeat(8));
    let files: [(&str, &[u8]); 4] = [
        ("table.csv", b"site,temp\nA,4.5\n"),
        ("docs/read me.md", b"# About\n"),
        ("results 100%.txt", &[0u8, 159, 146, 150]),
        (&long, b"1\n"),
    ];
    let id = depositor.draft_with_files(crate::helpers::metadata("River temperatures"), &files).await;
    depositor.publish(&id).await;

    let mut payloads = Vec::new();
    for (archive, media) in [("zip", "application/zip"), ("tar", "application/x-tar")] {
        let (status, headers, bytes) = Api::new(&server, None).bytes(&format!("/api/records/{id}/export/bagit?archive={archive}")).await;
        assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, media));
        payloads.push(check_exports("bagit", &[(&format!("bag.{archive}"), &bytes)]));
    }
    assert_eq!(payloads[0], payloads[1], "the zip and the tar hold the same bag");
    let bag = &payloads[0];
    assert_eq!((bag["root"].as_str(), bag["version"].as_str()), (Some(format!("record-{id}").as_str()), Some("1.0")), "{bag}");
    let expected = serde_json::json!([format!("data/{long}"), "data/docs/read me.md", "data/results 100%.txt", "data/table.csv"]);
    assert_eq!(bag["payload"], expected, "{bag}");
    assert_eq!(bag["algorithms"], serde_json::json!(["sha512"]));
    assert_eq!(bag["info"]["Payload-Oxum"], "30.4", "{bag}");
    let (status, headers, tar) = Api::new(&server, None).bytes(&format!("/api/records/{id}/files-archive?archive=tar")).await;
    assert_eq!(
        (status, headers["content-disposition"].to_str().unwrap()),
        (StatusCode::OK, format!("attachment; filename=\"record-{id}.tar\"").as_str())
    );
    assert!(tar.len() % 512 == 0 && tar.ends_with(&[0; 1024]) && tar.windows(long.len()).any(|w| w == long.as_bytes()));
    let (status, problem) = Api::new(&server, None).get(&format!("/api/records/{id}/export/bagit?archive=rar")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(bag["info"]["External-Description"], "River temperatures");
    for tag in ["metadata/datacite.xml", "metadata/record.json", "bag-info.txt", "manifest-sha512.txt"] {
        assert!(bag["tags"].as_array().unwrap().contains(&tag.into()), "{tag} in {bag}");
    }

    // A file whose stored bytes went bad stops the stream instead of shipping a wrong bag.
    let stored = stored_file(&server.data_dir.join("ocfl"), b"site,temp\nA,4.5\n").expect("the CSV is in storage");
    std::fs::write(&stored, b"site,temp\nA,9.9\n").unwrap();
    let response = reqwest::get(server.url(&format!("/api/records/{id}/export/bagit"))).await.unwrap();
    assert!(response.bytes().await.is_err(), "the download breaks off");
    assert!(server.log().contains("does not match its SHA-512"), "and the server says why");

    // Only those who may read every file get the bag.
    let hidden = depositor
        .draft_from(
            serde_json::json!({"metadata": crate::helpers::metadata("Closed"), "access": {"record": "public", "files": "restricted"}}),
            &[("secret.csv", b"x")],
        )
        .await;
    depositor.publish(&hidden).await;
    let refused = Api::new(&server, None).get(&format!("/api/records/{hidden}/export/bagit")).await.0;
    assert!(matches!(refused, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN), "{refused}");
    assert_eq!(depositor.bytes(&format!("/api/records/{hidden}/export/bagit")).await.0, StatusCode::OK);
}

/// The path of the file in a storage root holding exactly `content`.
fn stored_file(dir: &std::path::Path, content: &[u8]) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let path = entry.path();
        if path.is_dir() { stored_file(&path, content) } else { (std::fs::read(&path).ok()? == content).then_some(path) }
    })
}

#[tokio::test]
async fn every_record_version_has_an_ark_that_resolves_to_its_page() {
    let server = start(TestServerConfig::default()).await;
    let depositor = person(&server, "depositor@example.org", None);
    let id = depositor.draft_with_files(crate::helpers::metadata("River temperatures"), &[("a.csv", b"1")]).await;
    let record = depositor.publish(&id).await;
    let ark = record["pids"]["ark"]["identifier"].as_str().expect("an ARK").to_string();
    assert!(ark.starts_with(&format!("ark:/99999/fk4{id}")) && ark.len() == format!("ark:/99999/fk4{id}").len() + 1, "{ark}");
    assert_eq!(record["pids"]["ark"]["provider"], "local");

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resolved = client.get(server.url(&format!("/{ark}"))).send().await.unwrap();
    assert_eq!(resolved.status(), StatusCode::FOUND);
    assert_eq!(resolved.headers()["location"], server.url(&format!("/records/{id}")).as_str());
    let mut wrong = ark.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert_eq!(client.get(server.url(&format!("/{wrong}"))).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{wrong}");
    let elsewhere = ark.replace("99999", "12345");
    assert_eq!(client.get(server.url(&format!("/{elsewhere}"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Exports name the ARK; an edit keeps it and a new version gets its own.
    let datacite = export(&server, &id, "datacite-xml").await;
    assert!(datacite.contains(&format!(r#"<identifier identifierType="ARK">{ark}</identifier>"#)), "{datacite}");
    assert_eq!(depositor.post_empty(&format!("/api/records/{id}/draft")).await.0, StatusCode::CREATED);
    let edited = depositor.publish(&id).await;
    assert_eq!(edited["pids"]["ark"]["identifier"], ark.as_str());
    let (status, version) = depositor.post_empty(&format!("/api/records/{id}/versions")).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let second = version["id"].as_str().unwrap().to_string();
    let published = depositor.publish(&second).await;
    assert_ne!(published["pids"]["ark"]["identifier"], ark.as_str());
}

#[tokio::test]
async fn a_record_exports_as_a_data_package_that_frictionless_validates() {
    let server = start(TestServerConfig::default()).await;
    let depositor = person(&server, "depositor@example.org", None);
    let table = "site,temp,frozen,day,note,blank\nA,4.5,false,2024-01-02,\"calm, then \"\"gusty\"\"\",\nB,-2,true,2024-01-03,,\nC,1e1,FALSE,,windy,\n";
    let files: [(&str, &[u8]); 3] =
        [("table.csv", table.as_bytes()), ("counts.tsv", b"year\tcount\n2023\t7\n2024\t12\n"), ("README.md", b"# About\n")];
    let id = depositor.draft_with_files(crate::helpers::metadata("River temperatures"), &files).await;
    depositor.publish(&id).await;

    let (status, _, zip) = Api::new(&server, None).bytes(&format!("/api/records/{id}/export/datapackage")).await;
    assert_eq!(status, StatusCode::OK);
    let package = check_exports("datapackage", &[("package.zip", &zip)]);
    assert_eq!(package["valid"], true, "{package}");
    let resources = package["descriptor"]["resources"].as_array().unwrap();
    let types = |name: &str| -> Vec<String> {
        let resource = resources.iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("{name} in {resources:?}"));
        resource["schema"]["fields"].as_array().unwrap().iter().map(|f| f["type"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(types("table.csv"), ["string", "number", "boolean", "date", "string", "string"]);
    assert_eq!(types("counts.tsv"), ["integer", "integer"]);
    let readme = resources.iter().find(|r| r["name"] == "readme.md").unwrap();
    assert!(readme.get("schema").is_none() && readme["bytes"] == 8, "{readme}");
    assert_eq!(package["descriptor"]["licenses"][0]["name"], "CC-BY-4.0");
    // The descriptor follows the files, made as they went out; as tar too.
    let listing = crate::lifecycle::zip_listing(&zip);
    assert!(listing.last().unwrap().starts_with(&format!("record-{id}/datapackage.json ")), "{listing:?}");
    let (status, _, tar) = Api::new(&server, None).bytes(&format!("/api/records/{id}/export/datapackage?archive=tar")).await;
    assert_eq!(status, StatusCode::OK);
    let from_tar = check_exports("datapackage", &[("package.tar", &tar)]);
    assert_eq!((&from_tar["valid"], &from_tar["descriptor"]), (&serde_json::json!(true), &package["descriptor"]), "{from_tar}");
}

#[tokio::test]
async fn a_record_exports_as_an_ro_crate_that_the_validator_accepts() {
    let server = start(TestServerConfig::default()).await;
    let depositor = person(&server, "depositor@example.org", None);
    let mut metadata = crate::helpers::metadata("River temperatures");
    metadata["publication_date"] = serde_json::json!("2024");
    let files: [(&str, &[u8]); 2] = [("raw/río 1.csv", b"site,temp\nA,4.5\n"), ("README.md", b"# About\n")];
    let id = depositor.draft_with_files(metadata, &files).await;
    depositor.publish(&id).await;

    let (status, headers, zip) = Api::new(&server, None).bytes(&format!("/api/records/{id}/export/ro-crate")).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "application/zip"));
    let checked = check_exports("ro-crate", &[("crate.zip", &zip)]);
    assert_eq!(checked["valid"], true, "{checked}");
    let graph = checked["metadata"]["@graph"].as_array().unwrap();
    let root = graph.iter().find(|e| e["@id"] == "./").unwrap();
    let parts: Vec<&str> = root["hasPart"].as_array().unwrap().iter().map(|p| p["@id"].as_str().unwrap()).collect();
    assert_eq!(parts, ["README.md", "raw/r%C3%ADo%201.csv"]);
    assert_eq!(root["name"], "River temperatures");
    assert_eq!(root["datePublished"].as_str().map(|d| d.len()), Some(10), "a year alone is no ISO 8601 date: the publishing day is");
    let author = &root["author"][0]["@id"];
    assert!(graph.iter().any(|e| e["@id"] == *author && e["@type"] == "Person"), "{root}");

    // The CLI writes the same crate to a folder; a file missing from it fails the validator.
    let out = tempfile::tempdir().unwrap();
    let written = std::process::Command::new(crate::helpers::BIN)
        .args(["export", &id, "--format", "ro-crate", "--server", &server.base_url, "--output"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(written.status.success(), "{}", tessera_testkit::describe(&written));
    let folder = std::path::PathBuf::from(String::from_utf8_lossy(&written.stdout).trim());
    assert_eq!(check_paths("ro-crate", std::slice::from_ref(&folder))["valid"], true);
    std::fs::remove_file(folder.join("README.md")).unwrap();
    let broken = check_paths("ro-crate", &[folder]);
    assert_eq!(broken["valid"], false, "{broken}");
    assert!(broken["issues"].to_string().contains("README.md"), "{broken}");
}
