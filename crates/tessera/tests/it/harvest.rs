//! Harvesting: one Tessera (on PostgreSQL) harvests another over OAI-PMH, across resumption
//! tokens, and its search follows the partner as records are edited, taken down and added,
//! survives a rebuild, and forgets the partner when the harvest is removed.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_testkit::{TestServer, TestServerConfig, fresh_postgres};

use crate::helpers::{Api, member, metadata, person, start};
use crate::oai::varied_records;

/// Searches `server` until `done` holds for the answer, or fails after a while.
async fn search_until(server: &TestServer, query: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let api = Api::new(server, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = api.get(&format!("/api/records?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{what}: still {body}\n{}", server.log());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn titles(body: &Value) -> Vec<String> {
    let mut titles: Vec<String> =
        body["hits"]["hits"].as_array().into_iter().flatten().map(|h| h["metadata"]["title"].as_str().unwrap_or("").to_string()).collect();
    titles.sort();
    titles
}

fn total(body: &Value) -> u64 {
    body["hits"]["total"].as_u64().unwrap_or(u64::MAX)
}

#[tokio::test]
async fn one_tessera_harvests_another_and_follows_its_changes() {
    let partner =
        start(TestServerConfig { env: vec![("TESSERA_REPOSITORY_NAME".into(), "Partner Archive".into())], ..TestServerConfig::default() })
            .await;
    partner.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    let depositor = person(&partner, "depositor@example.org", Some(("uni", "depositor")));
    let steward = member(&partner, "steward@example.org", "uni", "steward");
    let varied = varied_records(&depositor, &steward).await;
    // More than one OAI-PMH page, so the harvest follows resumption tokens.
    for n in 0..105 {
        let body = json!({"organization": "uni", "metadata": metadata(&format!("Gauge {n}")), "files": {"enabled": false}});
        let id = depositor.draft_from(body, &[]).await;
        depositor.publish(&id).await;
    }

    let database = fresh_postgres().await;
    let harvester = start(TestServerConfig {
        database_url: Some(database.url.clone()),
        env: [("TESSERA_REPOSITORY_NAME", "Harvester"), ("TESSERA_JOBS_INTERVAL_SECONDS", "1"), ("TESSERA_HARVEST_INTERVAL_SECONDS", "1")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec(),
    })
    .await;
    let local = person(&harvester, "local@example.org", None);
    let own = local.draft_with_files(metadata("Heron counts, local"), &[("a.csv", b"a\n1\n")]).await;
    local.publish(&own).await;

    // Bad sources are refused before anything is stored, each with its reason.
    let oai = partner.url("/oai");
    for (args, expected) in [
        (vec!["http://127.0.0.1:9/oai".to_string()], "127.0.0.1:9"),
        (vec![partner.url("/api/records")], "does not answer as an OAI-PMH repository"),
        (vec![oai.clone(), "--prefix".into(), "marc21".into()], "not a format Tessera harvests"),
        (vec![oai.clone(), "--name".into(), "local".into()], "cannot name a harvest"),
    ] {
        let mut command = vec!["harvest", "add"];
        command.extend(args.iter().map(String::as_str));
        let output = harvester.cli(&command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(expected), "{command:?}: {stderr}");
    }
    let added = harvester.cli_ok(&["harvest", "add", &oai, "--prefix", "oai_datacite", "--name", "partner"]);
    assert!(added.starts_with("partner\tPartner Archive\t"), "{added}");
    let again = harvester.cli(&["harvest", "add", &oai, "--prefix", "oai_datacite", "--name", "partner-2"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{again:?}");

    // Everything the partner shows anyone arrives, and what it took down does not.
    let expected = 6 - 1 + 105;
    search_until(&harvester, "origin=partner", "the first harvest", |b| total(b) == expected).await;
    let found = search_until(&harvester, "origin=partner&q=heron", "the photo", |b| total(b) == 1).await;
    let photo = &found["hits"]["hits"][0];
    assert_eq!(photo["metadata"]["title"], "Heron at dawn");
    assert_eq!(photo["origin"]["repository"], "Partner Archive");
    assert_eq!(photo["links"]["self_html"], partner.url(&format!("/records/{}", varied["photo"])));
    assert_eq!(photo["metadata"]["resource_type"]["id"], "image");
    search_until(&harvester, "q=withdrawn", "the record taken down before the harvest", |b| total(b) == 0).await;
    let hidden = search_until(&harvester, "q=cohort", "the metadata-only record", |b| total(b) == 1).await;
    assert_eq!(hidden["hits"]["hits"][0]["access"]["status"], "metadata-only", "{hidden}");
    let embargoed = search_until(&harvester, "q=embargoed", "the embargoed record", |b| total(b) == 1).await;
    assert_eq!(embargoed["hits"]["hits"][0]["access"]["status"], "embargoed", "{embargoed}");

    // Local and harvested records are found together, and the origin facet names both.
    let both = search_until(&harvester, "q=heron", "one search over both", |b| total(b) == 2).await;
    let origins = &both["aggregations"]["origin"]["buckets"];
    let labels: Vec<(&str, &str)> =
        origins.as_array().unwrap().iter().map(|b| (b["key"].as_str().unwrap(), b["label"].as_str().unwrap())).collect();
    assert_eq!(labels, [("local", "Harvester"), ("partner", "Partner Archive")]);
    let page = reqwest::get(harvester.url("/search?q=heron")).await.unwrap().text().await.unwrap();
    assert!(page.contains("from Partner Archive") && page.contains(&partner.url(&format!("/records/{}", varied["photo"]))), "{page}");
    assert!(page.contains(&format!("/records/{own}")), "{page}");
    // Harvested records are not Tessera's own: its OAI-PMH feed offers only its local record.
    let feed = reqwest::get(harvester.url("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc")).await.unwrap().text().await.unwrap();
    assert_eq!(feed.matches("<header>").count(), 1, "{feed}");

    // The partner edits one record, takes one down and publishes one; the next incremental
    // harvest brings exactly those changes.
    let photo_id = &varied["photo"];
    assert_eq!(depositor.post_empty(&format!("/api/records/{photo_id}/draft")).await.0, StatusCode::CREATED);
    let mut renamed = metadata("Heron at dusk");
    renamed["resource_type"] = json!({"id": "image-photo"});
    let (status, body) = depositor.put(&format!("/api/records/{photo_id}/draft"), json!({"metadata": renamed})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    depositor.publish(photo_id).await;
    let (status, body) = steward.post(&format!("/api/records/{}/takedown", varied["many"]), json!({"reason": "Consent withdrawn"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let late =
        depositor.draft_from(json!({"organization": "uni", "metadata": metadata("Late arrival"), "files": {"enabled": false}}), &[]).await;
    depositor.publish(&late).await;
    let changed = "origin=partner&q=heron%20OR%20late%20OR%20forty";
    search_until(&harvester, changed, "the changes", |b| titles(b) == ["Heron at dusk", "Late arrival"]).await;
    search_until(&harvester, "origin=partner", "as many records as before", |b| total(b) == expected).await;

    let list = harvester.cli_ok(&["harvest", "list"]);
    let row = list.lines().find(|l| l.starts_with("partner\t")).unwrap_or_default().split('\t').collect::<Vec<_>>();
    assert_eq!((row[1], row[4], row[5]), ("Partner Archive", "oai_datacite", expected.to_string().as_str()), "{list}");
    assert_ne!(row[6], "never", "{list}");

    // The index is derived: a rebuild from storage brings harvested records back from the catalogue.
    let mut harvester = harvester;
    harvester.stop();
    harvester.cli_ok(&["rebuild"]);
    harvester.start_again().await;
    search_until(&harvester, "origin=partner", "harvested records after a rebuild", |b| total(b) == expected).await;

    // Removing the harvest takes its records out of search; local records stay.
    harvester.cli_ok(&["harvest", "remove", "partner"]);
    search_until(&harvester, "origin=partner", "the removal", |b| total(b) == 0).await;
    search_until(&harvester, "", "the local record", |b| total(b) == 1).await;
    drop(database);
}

#[tokio::test]
async fn a_full_harvest_removes_what_left_the_harvested_set() {
    let partner = start(TestServerConfig::default()).await;
    partner.cli_ok(&["admin", "create-org", "uni", "University of Afon"]);
    partner.cli_ok(&["admin", "create-community", "welsh-rivers", "Welsh rivers", "--organization", "uni"]);
    let curator = member(&partner, "curator@example.org", "uni", "curator");
    let body = json!({"organization": "uni", "metadata": metadata("Taff flows"), "files": {"enabled": false}});
    let id = curator.draft_from(body, &[]).await;
    curator.publish(&id).await;
    let into = json!({"communities": [{"id": "welsh-rivers"}]});
    assert_eq!(curator.post(&format!("/api/records/{id}/communities"), into.clone()).await.0, StatusCode::OK);

    let harvester = start(TestServerConfig {
        env: [("TESSERA_JOBS_INTERVAL_SECONDS", "1"), ("TESSERA_HARVEST_INTERVAL_SECONDS", "1")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec(),
        ..TestServerConfig::default()
    })
    .await;
    harvester.cli_ok(&["harvest", "add", &partner.url("/oai"), "--set", "community:welsh-rivers", "--name", "rivers"]);
    search_until(&harvester, "origin=rivers", "the set's record", |b| total(b) == 1).await;

    // The record leaves the community: the set stops listing it, with no deletion to harvest.
    let out = curator.send(curator.request(reqwest::Method::DELETE, &format!("/api/records/{id}/communities")).json(&into)).await;
    assert_eq!(out.0, StatusCode::OK, "{}", out.1);
    let passes = harvester.log().matches("harvest complete").count();
    for _ in 0..100 {
        if harvester.log().matches("harvest complete").count() >= passes + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    search_until(&harvester, "origin=rivers", "incremental harvests cannot see it leave", |b| total(b) == 1).await;
    // A full harvest lists the whole set, and what it no longer names goes.
    harvester.cli_ok(&["harvest", "run", "rivers", "--full"]);
    search_until(&harvester, "origin=rivers", "the full harvest", |b| total(b) == 0).await;
    assert!(harvester.log().contains("records the source no longer lists are removed"), "{}", harvester.log());
}
