//! The pages in a real browser: Debian's Chromium, driven by Playwright through
//! `scripts/browser/flows.mjs`, in English and in Welsh, with axe-core on every page kind: a
//! visitor finds and downloads, a depositor is told what a draft lacks and publishes it, a
//! researcher asks for restricted data, a steward approves, the researcher downloads and the
//! steward revokes; an organization's administrator reads its dashboard and audit trail and
//! manages its members and partners.
//! Screenshots are kept in `target/browser-artifacts/`.

use std::process::Command;

use serde_json::{Value, json};
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, member, metadata, start};

/// Where the flows script is, installed beside its node_modules by scripts/test.sh.
fn flows_script() -> String {
    std::env::var("TESSERA_BROWSER_FLOWS")
        .expect("TESSERA_BROWSER_FLOWS must name scripts/browser/flows.mjs installed beside its node_modules; scripts/test.sh sets it")
}

/// Screenshots outlive the test, as CI artifacts.
fn artifacts() -> std::path::PathBuf {
    std::env::var_os("TESSERA_BROWSER_ARTIFACTS")
        .map(Into::into)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts"))
}

#[tokio::test]
async fn visitors_depositors_researchers_and_stewards_in_english_and_welsh() {
    let server = start(TestServerConfig::default()).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    server.cli_ok(&["admin", "create-org", "uni", "University of the Valleys"]);
    // The home page lists communities.
    server.cli_ok(&["admin", "create-community", "welsh-rivers", "Welsh rivers", "--organization", "uni"]);
    let depositor = Api::new(&server, Some(server.user_token("ada@example.org")));
    let admin = member(&server, "admin@example.org", "trust", "admin");

    // A dataset with a Welsh title beside its English one, and a photograph that shares a word.
    let mut river = metadata("River temperatures of the Taff");
    river["additional_titles"] = json!([{"title": "Tymheredd afon Taf", "type": {"id": "translated-title"}, "lang": {"id": "cym"}}]);
    let content = "day,celsius\n2024-05-01,11.5\n";
    let dataset = depositor.draft_with_files(river, &[("temperatures.csv", content.as_bytes())]).await;
    depositor.publish(&dataset).await;
    let mut photo = metadata("Photographs of the Taff at Pontypridd");
    photo["resource_type"] = json!({"id": "image-photo"});
    let photographs = depositor.draft_with_files(photo, &[("bridge.txt", b"a photograph")]).await;
    depositor.publish(&photographs).await;
    // A restricted cohort of the trust's, whose stewards decide who may have it.
    let owner = member(&server, "owner@example.org", "trust", "depositor");
    let cohort = "participant,age\n1,54\n";
    let restricted = json!({"organization": "trust", "metadata": metadata("Hidden cohort"),
        "access": {"record": "restricted", "files": "restricted"}});
    let hidden = owner.draft_from(restricted, &[("cohort.csv", cohort.as_bytes())]).await;
    owner.publish(&hidden).await;
    server.cli_ok(&["admin", "create-user", "steward@example.org"]);
    server.cli_ok(&["admin", "add-member", "trust", "steward@example.org", "steward"]);
    let dua = json!({"id": "trust-dua", "kind": "agreement", "title": "Trust data use agreement", "organization": "trust",
        "text": "Use the data only for the approved purpose.", "effective": "2026-01-01"});
    assert!(admin.post("/api/policies", dua).await.0.is_success());

    // People who sign in with a password: a depositor and a researcher for each language's
    // flows, and the trust's steward.
    for email in ["deposit-en@example.org", "deposit-cy@example.org", "researcher-en@example.org", "researcher-cy@example.org"] {
        server.cli_ok(&["admin", "create-user", email]);
    }
    for email in [
        "deposit-en@example.org",
        "deposit-cy@example.org",
        "researcher-en@example.org",
        "researcher-cy@example.org",
        "steward@example.org",
        "admin@example.org",
    ] {
        let set = server.cli_with_input(&["admin", "set-password", email], "correct horse battery staple\n");
        assert!(set.status.success(), "{}", tessera_testkit::describe(&set));
    }

    let out = artifacts();
    let facts = json!({
        "base": server.url(""),
        "out": out,
        "query": "taff",
        "file": {"key": "temperatures.csv", "content": content},
        "citation": "Lovelace, A., & Afon Data Group (2024).",
        "restricted": hidden,
        "policy": "trust-dua",
        "cohort": {"key": "cohort.csv", "content": cohort},
        "steward": {"email": "steward@example.org", "password": "correct horse battery staple"},
        "admin": {"email": "admin@example.org", "password": "correct horse battery staple"},
        "org": "trust",
        "partner": "uni",
        "researchers": {
            "en": {"email": "researcher-en@example.org", "password": "correct horse battery staple", "purpose": "Ageing and river flooding"},
            "cy": {"email": "researcher-cy@example.org", "password": "correct horse battery staple", "purpose": "Heneiddio a llifogydd"},
        },
        "users": {
            "en": {"email": "deposit-en@example.org", "password": "correct horse battery staple", "title": "Readings from the Taff"},
            "cy": {"email": "deposit-cy@example.org", "password": "correct horse battery staple", "title": "Darlleniadau o afon Taf"},
        },
        "words": {
            "en": {"homeSearch": "Search datasets, collections and their files", "searchHeading": "2 records for “taff”",
                   "facet": "Dataset", "title": "River temperatures of the Taff", "skip": "Skip to content", "notFound": "Not found",
                   "problems": "There are 3 problems to fix before publishing",
                   "creatorProblem": "Name at least one creator."},
            "cy": {"homeSearch": "Chwilio setiau data, casgliadau a'u ffeiliau", "searchHeading": "2 gofnod ar gyfer “taff”",
                   "facet": "Set ddata", "title": "Tymheredd afon Taf", "skip": "Neidio i'r cynnwys", "notFound": "Heb ei ganfod",
                   "problems": "Mae 3 problem i'w datrys cyn cyhoeddi",
                   "creatorProblem": "Enwch o leiaf un crëwr."},
        },
    });
    let facts_file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(facts_file.path(), facts.to_string()).expect("writing the facts");
    let run = Command::new("node").arg(flows_script()).arg(facts_file.path()).output().expect("starting node");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let summary: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|_| panic!("the flows printed no summary:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr)));
    assert_eq!(summary["failures"], json!([]), "{summary:#}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success());
    // Twenty-three page kinds in each language, each checked and screenshotted at both widths.
    let kinds = [
        "home",
        "search",
        "record",
        "record-metadata-only",
        "login",
        "policy",
        "not-found",
        "uploads",
        "deposit-new",
        "deposit-errors",
        "request-access",
        "request-access-errors",
        "stewarding",
        "access",
        "account",
        "record-change",
        "deposit-version",
        "stewarding-grants",
        "dataset-audit",
        "organizations",
        "organization",
        "organization-errors",
        "audit",
        "activity",
    ];
    assert_eq!(summary["checked"].as_array().map(Vec::len), Some(2 * kinds.len()), "{summary:#}");
    for (lang, kind, width) in ["en", "cy"].iter().flat_map(|lang| kinds.iter().flat_map(move |kind| [360, 1280].map(|w| (lang, kind, w))))
    {
        assert!(out.join(format!("{lang}-{kind}-{width}.png")).is_file(), "no screenshot of {lang} {kind} at {width} px");
    }
}
