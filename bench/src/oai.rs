//! A full OAI-PMH `ListRecords` harvest from a running server, as an aggregator makes it:
//! records per second over every resumption. With changes asked for, a share of the records
//! is revised and a share taken down straight in the catalogue after the first page, and the
//! harvest is then checked against the catalogue: every record exactly once in its final state.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use tessera_app::domain::RecordId;
use tessera_catalog::Catalog;

/// What the harvester holds of each identifier: its title, or `None` once deleted.
type Harvested = HashMap<String, Option<String>>;

pub(crate) async fn harvest(server: &str, data_dir: &Path, change_percent: u32, delete_percent: u32) -> anyhow::Result<()> {
    let catalog = Catalog::connect(&format!("sqlite:{}", data_dir.join("catalog.db").display())).await?;
    let client = reqwest::Client::new();
    let (mut harvested, mut sent, mut pages) = (Harvested::new(), 0usize, 0usize);
    let mut url = format!("{server}/oai?verb=ListRecords&metadataPrefix=oai_dc");
    let started = Instant::now();
    let mut changing = Duration::ZERO;
    loop {
        let body = client.get(&url).send().await?.error_for_status()?.text().await?;
        anyhow::ensure!(!body.contains("<error code="), "the server answered an error: {}", &body[..body.len().min(600)]);
        pages += 1;
        sent += take_page(&body, &mut harvested);
        if pages == 1 && change_percent + delete_percent > 0 {
            let at = Instant::now();
            let (changed, deleted) = change(&catalog, change_percent, delete_percent).await?;
            changing = at.elapsed();
            eprintln!("after page 1: revised {changed} records and took down {deleted} datasets in {:.1} s", changing.as_secs_f64());
        }
        match resumption_token(&body) {
            Some(token) => url = format!("{server}/oai?verb=ListRecords&resumptionToken={token}"),
            None => break,
        }
    }
    let seconds = (started.elapsed() - changing).as_secs_f64();
    println!(
        "oai: harvested {} records ({sent} sent) in {pages} pages, {seconds:.1} s = {:.0} records/s",
        harvested.len(),
        sent as f64 / seconds
    );
    if change_percent + delete_percent > 0 {
        check(&catalog, &harvested, server).await?;
    }
    Ok(())
}

/// Reads one answer's records into `into`; returns how many it held.
fn take_page(xml: &str, into: &mut Harvested) -> usize {
    let mut count = 0;
    for record in xml.split("<record>").skip(1) {
        let Some(id) = between(record, "<identifier>", "</identifier>") else { continue };
        let state = if record.contains("status=\"deleted\"") { None } else { between(record, "<dc:title>", "</dc:title>").map(unescape) };
        into.insert(id.to_string(), state);
        count += 1;
    }
    count
}

fn resumption_token(xml: &str) -> Option<String> {
    let element = &xml[xml.find("<resumptionToken")?..];
    let token = between(element, ">", "</resumptionToken>")?;
    (!token.is_empty()).then(|| token.to_string())
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    Some(&text[start..start + text[start..].find(close)?])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#10;", "\n").replace("&amp;", "&")
}

/// Revises every record whose place is a multiple of 100 / `change_percent`, and takes down
/// the datasets of a `delete_percent` share, as publishing and takedowns write the catalogue.
async fn change(catalog: &Catalog, change_percent: u32, delete_percent: u32) -> anyhow::Result<(usize, usize)> {
    let now = "2099-01-01T00:00:00Z";
    let (mut changed, mut deleted, mut n, mut after) = (0, 0, 0u32, 0);
    loop {
        let ids = catalog.record_ids_after(after, 1000).await?;
        let Some(last) = ids.last() else { return Ok((changed, deleted)) };
        after = last.0;
        for id in ids {
            n += 1;
            if change_percent > 0 && n % (100 / change_percent) == 3 {
                let mut row = catalog.record(id).await?.ok_or_else(|| anyhow::anyhow!("record {id} vanished"))?;
                let mut doc: Value = serde_json::from_str(&row.doc)?;
                let title = format!("{} (revised)", doc["metadata"]["title"].as_str().unwrap_or_default());
                doc["metadata"]["title"] = title.into();
                doc["updated"] = now.into();
                (row.doc, row.updated) = (serde_json::to_string(&doc)?, now.to_string());
                catalog.apply_published(&row, None, None, &[], Vec::new()).await?;
                changed += 1;
            }
            if delete_percent > 0 && n % (100 / delete_percent) == 50 {
                let row = catalog.record(id).await?.ok_or_else(|| anyhow::anyhow!("record {id} vanished"))?;
                catalog.place_takedown(row.parent_id, None, "benchmark", None, now, |_| Vec::new()).await?;
                deleted += 1;
            }
        }
    }
}

/// Compares the harvest with the catalogue: each record once, with its last title, or deleted.
async fn check(catalog: &Catalog, harvested: &Harvested, server: &str) -> anyhow::Result<()> {
    let host = server.split("://").nth(1).unwrap_or(server).split(':').next().unwrap_or_default();
    let (mut live, mut deleted, mut wrong, mut after) = (0, 0, Vec::new(), 0);
    let mut expected_count = 0;
    loop {
        let ids: Vec<RecordId> = catalog.record_ids_after(after, 1000).await?;
        let Some(last) = ids.last() else { break };
        after = last.0;
        for id in ids {
            expected_count += 1;
            let row = catalog.record(id).await?.ok_or_else(|| anyhow::anyhow!("record {id} vanished"))?;
            let doc: Value = serde_json::from_str(&row.doc)?;
            let expected = match catalog.active_takedown(row.parent_id).await? {
                Some(_) => None,
                None => doc["metadata"]["title"].as_str().map(str::to_string),
            };
            if expected.is_some() {
                live += 1
            } else {
                deleted += 1
            }
            if harvested.get(&format!("oai:{host}:{id}")) != Some(&expected) {
                wrong.push(id);
            }
        }
    }
    anyhow::ensure!(
        wrong.is_empty() && harvested.len() == expected_count,
        "the harvest differs from the catalogue: {} records wrong (first {:?}), {} harvested for {expected_count}",
        wrong.len(),
        wrong.first(),
        harvested.len()
    );
    println!("oai: exact: every record once in its final state ({live} live, {deleted} deleted)");
    Ok(())
}
