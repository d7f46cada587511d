//! Rebuilding the search index while the server serves: records published during the rebuild,
//! how long until each is found, and how searches fare meanwhile.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::load::{call, metadata, ms};

/// Asks the server to rebuild its index, then publishes one record after another until the new
/// index takes over: each must be found by search as soon as its publish answers, and still after.
pub(crate) async fn reindex_live(server: &str, token: &str) -> anyhow::Result<()> {
    let client = Client::new();
    let state_url = format!("{server}/api/admin/search-index");
    let state = || call(&client, Method::GET, state_url.clone(), token, None);
    let before = state().await?;
    let generation = before["generation"].as_u64().context("the index's generation")?;
    let documents = before["documents"].as_u64().unwrap_or(0);
    let started = Instant::now();
    call(&client, Method::POST, format!("{state_url}/rebuild"), token, None).await?;
    // The server's jobs pick the rebuild up on their next pass.
    while state().await?["rebuilding"].is_null() {
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the rebuild did not start within two minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let began = started.elapsed();
    let (mut publishes, mut until_found, mut searches) = (Vec::new(), Vec::new(), Vec::new());
    // A word of this run's own, so earlier runs' records do not answer for it.
    let probe = |n: usize| format!("probe{generation}x{n}");
    while state().await?["generation"] == generation {
        let word = probe(publishes.len());
        let mut body = metadata(&word);
        body["files"] = json!({"enabled": false});
        let draft = call(&client, Method::POST, format!("{server}/api/records"), token, Some(body)).await?;
        let id = draft["id"].as_str().context("draft id")?.to_string();
        let publish = Instant::now();
        call(&client, Method::POST, format!("{server}/api/records/{id}/draft/actions/publish"), token, None).await?;
        publishes.push(publish.elapsed());
        let answered = Instant::now();
        while found(&client, server, &word).await? == 0 {
            if answered.elapsed() > Duration::from_secs(10) {
                bail!("{word} was not found 10 s after its publish answered");
            }
        }
        until_found.push(answered.elapsed());
        let search = Instant::now();
        found(&client, server, "river&resource_type=dataset&language=cym").await?;
        searches.push(search.elapsed());
    }
    let took = started.elapsed();
    let after = state().await?;
    for n in 0..publishes.len() {
        if found(&client, server, &probe(n)).await? != 1 {
            bail!("{}, published during the rebuild, is missing from the new index", probe(n));
        }
    }
    let summary = |times: &mut Vec<Duration>| {
        times.sort();
        format!("median {:.1} ms, max {:.1} ms", ms(times[times.len() / 2]), ms(times[times.len() - 1]))
    };
    if publishes.is_empty() {
        bail!("the rebuild ended before a record could be published during it");
    }
    println!(
        "rebuild of {documents} documents while serving: started after {:.1} s, took over after {:.1} s with {} documents; {} records published meanwhile (publish {}), each found {} after its publish answered, and still after the rebuild; a search with two facets meanwhile: {}",
        began.as_secs_f64(),
        took.as_secs_f64(),
        after["documents"],
        publishes.len(),
        summary(&mut publishes),
        summary(&mut until_found),
        summary(&mut searches),
    );
    Ok(())
}

/// How many records a search for `query` finds.
async fn found(client: &Client, server: &str, query: &str) -> anyhow::Result<u64> {
    let body: Value = client.get(format!("{server}/api/records?q={query}&size=1")).send().await?.error_for_status()?.json().await?;
    Ok(body["hits"]["total"].as_u64().unwrap_or(0))
}
