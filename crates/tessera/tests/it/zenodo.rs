//! A script written for Zenodo's deposit API works against Tessera unchanged: it creates a
//! deposition, uploads into its bucket (replacing a key), sends back its own GET with new
//! metadata, and publishes, with the token as a query parameter or a Bearer header. And
//! InvenioRDM's own Python client, inveniordm-py, works given Tessera's address, as do the
//! vocabulary endpoints InvenioRDM's forms and scripts look terms up in.

use md5::Digest;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_testkit::TestServerConfig;

use crate::helpers::start;

/// The JSON body a request gets back.
async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.expect("request sent").json().await.expect("a JSON body")
}

#[tokio::test]
async fn a_zenodo_script_deposits_and_publishes_unchanged() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let client = reqwest::Client::new();
    let depositions = server.url("/api/deposit/depositions");

    let response = client.post(&depositions).query(&[("access_token", &token)]).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let deposition: Value = response.json().await.unwrap();
    let (id, bucket) = (deposition["id"].as_i64().unwrap(), deposition["links"]["bucket"].as_str().unwrap().to_string());
    assert_eq!((deposition["state"].as_str(), deposition["submitted"].as_bool()), (Some("unsubmitted"), Some(false)));
    let reserved = deposition["metadata"]["prereserve_doi"]["doi"].as_str().unwrap().to_string();
    assert!(reserved.starts_with(&format!("ark:/99999/fk4{id}")), "{deposition}");
    // Discarding is for the edit of a published deposition: this one is refused and kept.
    let discard = client.post(format!("{depositions}/{id}/actions/discard")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(discard.status(), StatusCode::BAD_REQUEST);
    let kept = client.get(format!("{depositions}/{id}")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(kept.status(), StatusCode::OK, "the deposition is still there");
    // Metadata that is not an object is refused, not taken as none.
    for body in [json!({"metadata": [null, null]}), json!({"metadata": 2.5}), json!([{"metadata": {}}])] {
        let refused = client.put(format!("{depositions}/{id}")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
        let refused = client.post(&depositions).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
    }

    // Bucket uploads, the second replacing the first.
    for content in [&b"first draft"[..], b"site,temp\nA,4.5\n"] {
        let response = client.put(format!("{bucket}/data.csv")).bearer_auth(&token).body(content.to_vec()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let file: Value = response.json().await.unwrap();
        let md5 = format!("md5:{}", tessera_storage::hex(&md5::Md5::digest(content)));
        assert_eq!(
            (file["key"].as_str(), file["size"].as_i64(), file["checksum"].as_str()),
            (Some("data.csv"), Some(content.len() as i64), Some(md5.as_str()))
        );
    }

    // A multipart form upload, named by its `name` part, as Zenodo's older clients send it.
    let form = |parts: &[(&str, Option<&str>, &[u8])]| {
        let mut body = Vec::new();
        for (name, file_name, content) in parts {
            let file_name = file_name.map(|f| format!("; filename=\"{f}\"")).unwrap_or_default();
            body.extend(format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"{file_name}\r\n\r\n").as_bytes());
            body.extend(*content);
            body.extend(b"\r\n");
        }
        body.extend(b"--XyZ--\r\n");
        client
            .post(format!("{depositions}/{id}/files"))
            .bearer_auth(&token)
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(body)
    };
    let notes = b"Measured at dawn.\r\n--not a boundary\n".repeat(1000);
    let response = form(&[("name", None, b"notes.txt"), ("file", Some("upload.bin"), &notes)]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let file: Value = response.json().await.unwrap();
    let md5 = tessera_storage::hex(&md5::Md5::digest(&notes));
    assert_eq!(
        (file["filename"].as_str(), file["filesize"].as_u64(), file["checksum"].as_str()),
        (Some("notes.txt"), Some(notes.len() as u64), Some(md5.as_str())),
        "{file}"
    );
    let response = form(&[("name", None, b"nothing.txt")]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "file", "{problem}");

    // The client sends back its own GET, read-only fields and all, with the metadata filled in.
    let mut full: Value = client.get(format!("{depositions}/{id}")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let metadata = json!({
        "title": "River temperatures",
        "upload_type": "dataset",
        "description": "Hourly water temperature.",
        "creators": [{"name": "Lovelace, Ada", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"}],
        "publication_date": "2024-05-17",
        "license": "cc-by-4.0",
        "keywords": ["rivers"],
        "access_right": "open",
        "prereserve_doi": full["metadata"]["prereserve_doi"].clone(),
    });
    full["metadata"] = metadata;
    let response = client.put(format!("{depositions}/{id}")).bearer_auth(&token).json(&full).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["metadata"]["creators"][0]["name"], "Lovelace, Ada", "{updated}");

    let response = client.post(format!("{depositions}/{id}/actions/publish")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let published: Value = response.json().await.unwrap();
    assert_eq!((published["state"].as_str(), published["submitted"].as_bool()), (Some("done"), Some(true)));
    assert_eq!(published["metadata"]["prereserve_doi"]["doi"], reserved.as_str(), "the reserved identifier is the one it got");

    // The same record through the InvenioRDM API.
    let record: Value = client.get(server.url(&format!("/api/records/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(record["metadata"]["creators"][0]["person_or_org"]["family_name"], "Lovelace");
    assert_eq!(record["metadata"]["rights"][0]["id"], "cc-by-4.0");
    assert_eq!(record["files"]["count"], 2);
    let stored = client.get(server.url(&format!("/api/records/{id}/files/notes.txt/content"))).send().await.unwrap();
    assert_eq!(stored.bytes().await.unwrap().as_ref(), notes.as_slice(), "the form's file part is stored byte for byte");
    let listed: Value = client.get(&depositions).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(listed.as_array().unwrap().iter().any(|d| d["id"] == id && d["state"] == "done"), "{listed}");
    // A page of one at a time, until one is empty, lists the same.
    let mut paged = Vec::new();
    for page in 1.. {
        let query = [("size", "1".to_string()), ("page", format!("{page}"))];
        let one: Value = client.get(&depositions).query(&query).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        match one.as_array().unwrap().as_slice() {
            [] => break,
            [deposition] => paged.push(deposition.clone()),
            more => panic!("{} depositions on a page of one", more.len()),
        }
    }
    assert_eq!(Value::Array(paged), listed);

    // Zenodo's representation of the published record, for clients that ask for it.
    let zenodo = json_of(client.get(server.url(&format!("/api/records/{id}"))).header("accept", "application/vnd.zenodo.v1+json")).await;
    let file = &zenodo["files"][0];
    assert_eq!((file["key"].as_str(), file["size"].as_i64()), (Some("data.csv"), Some(16)), "{zenodo}");
    assert!(file["checksum"].as_str().unwrap().starts_with("md5:") && file["links"]["self"].as_str().unwrap().ends_with("/content"));

    // Edit, discard; a new version carries the files over and is found at latest_draft.
    let actions = |action: &str| client.post(format!("{depositions}/{id}/actions/{action}")).bearer_auth(&token).send();
    let editing = actions("edit").await.unwrap();
    assert_eq!(editing.status(), StatusCode::CREATED);
    assert_eq!(editing.json::<Value>().await.unwrap()["state"], "inprogress");
    let discarded = actions("discard").await.unwrap();
    assert_eq!((discarded.status(), discarded.json::<Value>().await.unwrap()["state"].clone()), (StatusCode::CREATED, json!("done")));
    let versioned: Value = actions("newversion").await.unwrap().json().await.unwrap();
    let latest_draft = versioned["links"]["latest_draft"].as_str().unwrap().to_string();
    assert_ne!(latest_draft, format!("{depositions}/{id}"), "{versioned}");
    let next_id = json_of(client.get(&latest_draft).bearer_auth(&token)).await["id"].as_i64().unwrap();
    let files = json_of(client.get(server.url(&format!("/api/records/{next_id}/draft/files"))).bearer_auth(&token)).await;
    assert_eq!(files["entries"][0]["key"], "data.csv", "the previous files came over: {files}");

    // An unpublished deposition can be deleted; bad metadata is a 400 naming the field.
    let draft: Value = client.post(&depositions).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let other = draft["id"].as_i64().unwrap();
    let bad = json!({"metadata": {"access_right": "secret"}});
    let response = client.put(format!("{depositions}/{other}")).bearer_auth(&token).json(&bad).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("access_right"));
    assert_eq!(client.delete(format!("{depositions}/{other}")).bearer_auth(&token).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(client.get(format!("{depositions}/{other}")).bearer_auth(&token).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(client.post(&depositions).send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "a token is needed");
}

/// `scripts/invenio-client.py` runs a record's whole life through inveniordm-py, InvenioRDM's
/// own client, with nothing changed but the address, down to a new version's files-import and
/// a draft's files read back; what it got back is checked here.
#[tokio::test]
async fn inveniordm_py_deposits_publishes_finds_and_versions_unchanged() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let python =
        std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names the Python with inveniordm-py; scripts/test.sh sets it");
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/invenio-client.py");
    let output = std::process::Command::new(python).arg(script).arg(&server.base_url).arg(&token).output().expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: Value = serde_json::from_slice(&output.stdout).expect("the script prints JSON");

    let id = seen["draft"].as_str().expect("a draft id");
    assert_eq!(seen["published"], json!({"id": id, "is_published": true}), "{seen}");
    assert_eq!((seen["retitled"].as_str(), seen["title"].as_str()), (Some("River gauges, 2024"), Some("River gauges, 2024")));
    let contents = [("data/levels.csv", &b"site,level\nA,1.5\nB,2.25\n"[..]), ("readme.txt", b"Gauges read daily.\n")];
    for (key, content) in contents {
        let md5 = format!("md5:{}", tessera_storage::hex(&md5::Md5::digest(content)));
        assert_eq!(seen["checksums"][key].as_str(), Some(md5.as_str()), "{key}: {seen}");
    }
    assert_eq!(seen["files"], json!(["data/levels.csv", "readme.txt"]));
    assert_eq!(seen["content"].as_str().map(str::as_bytes), Some(contents[0].1));
    assert_eq!(seen["search"], json!([id]), "found at once after its publish");
    let new_version = seen["new_version"].as_str().expect("a new version's draft");
    assert_ne!(new_version, id);
    let client = reqwest::Client::new();
    let draft = json_of(client.get(server.url(&format!("/api/records/{new_version}/draft"))).bearer_auth(&token)).await;
    assert_eq!((draft["is_draft"].as_bool(), draft["versions"]["index"].as_u64()), (Some(true), Some(2)), "{draft}");
    assert_eq!(seen["imported"], json!({"status": 201, "keys": ["data/levels.csv", "readme.txt"]}), "{seen}");
    assert_eq!((seen["carried"].as_str(), seen["staged"].as_str()), (Some("Gauges read daily.\n"), Some("Added in version 2.\n")));
    assert_eq!((seen["latest"].as_str(), seen["edit"].as_str()), (Some(id), Some(id)));
    assert_eq!(seen["untitled"]["status"], 400, "{seen}");
    let fields: Vec<&str> =
        seen["untitled"]["problem"]["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(fields.contains(&"metadata.title"), "{seen}");
}

/// Each vocabulary a record's metadata is checked against is served in InvenioRDM's shape,
/// searched, paged, and looked up by id, for anyone.
#[tokio::test]
async fn vocabularies_are_listed_searched_and_looked_up_as_inveniordm_does() {
    let server = start(TestServerConfig::default()).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(server.url(path));
    let welsh = json_of(get("/api/vocabularies/languages?q=welsh")).await;
    let hit = &welsh["hits"]["hits"][0];
    assert_eq!(
        (hit["id"].as_str(), hit["title"]["en"].as_str(), hit["props"]["alpha_2"].as_str()),
        (Some("cym"), Some("Welsh"), Some("cy"))
    );
    assert_eq!(hit["type"], "languages");
    let types = json_of(get("/api/vocabularies/resourcetypes?size=5&page=2")).await;
    assert_eq!(types["hits"]["hits"].as_array().map(Vec::len), Some(5), "{types}");
    let total = types["hits"]["total"].as_u64().expect("a total");
    assert!(total > 10 && types["links"]["prev"].as_str().is_some_and(|prev| prev.contains("page=1")), "{types}");
    let cited = json_of(get("/api/vocabularies/relationtypes/IsCitedBy")).await;
    assert_eq!((cited["id"].as_str(), cited["title"]["en"].as_str()), (Some("iscitedby"), Some("Is cited by")), "{cited}");
    let licence = json_of(get("/api/vocabularies/licenses/CC-BY-4.0")).await;
    assert_eq!((licence["id"].as_str(), licence["props"]["scheme"].as_str()), (Some("cc-by-4.0"), Some("spdx")), "{licence}");
    assert_eq!(json_of(get("/api/vocabularies/datetypes?q=collected")).await["hits"]["hits"][0]["id"], "collected");
    assert_eq!(json_of(get("/api/vocabularies/contributorsroles/datacollector")).await["title"]["en"], "Data collector");
    // Every term a list gives is found by its own link.
    let link = licence["links"]["self"].as_str().expect("a link");
    assert_eq!(json_of(client.get(link)).await, licence);
    for (path, status) in [
        ("/api/vocabularies/licenses/not-a-licence", StatusCode::NOT_FOUND),
        ("/api/vocabularies/colours", StatusCode::NOT_FOUND),
        ("/api/vocabularies/languages?page=0", StatusCode::BAD_REQUEST),
        ("/api/vocabularies/languages?size=5000", StatusCode::BAD_REQUEST),
    ] {
        let response = get(path).send().await.expect("an answer");
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
    }
}
