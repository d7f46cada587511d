//! Workloads that drive a running server over HTTP, as clients would.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::generate::{LANGUAGES, LICENCES, PLACES, SUBJECTS, TOPICS, TYPES};

pub(crate) fn metadata(title: &str) -> Value {
    json!({"metadata": {"resource_type": {"id": "dataset"}, "title": title, "publication_date": "2026",
        "creators": [{"person_or_org": {"type": "personal", "family_name": "Bench", "given_name": "Mark"}}]}})
}

pub(crate) async fn call(client: &Client, method: Method, url: String, token: &str, body: Option<Value>) -> anyhow::Result<Value> {
    let mut request = client.request(method, &url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{url}: {status}: {value}");
    }
    Ok(value)
}

pub(crate) async fn deposit_file(server: &str, token: &str, file: &Path) -> anyhow::Result<()> {
    let client = Client::new();
    let size = std::fs::metadata(file)?.len();
    let started = Instant::now();
    let draft = call(&client, Method::POST, format!("{server}/api/records"), token, Some(metadata("One large file"))).await?;
    let id = draft["id"].as_str().context("draft id")?.to_string();
    call(&client, Method::POST, format!("{server}/api/records/{id}/draft/files"), token, Some(json!([{"key": "large.bin"}]))).await?;
    let upload_started = Instant::now();
    let body = tokio_util_stream(file).await?;
    let response = client
        .put(format!("{server}/api/records/{id}/draft/files/large.bin/content"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await?;
    if response.status() != StatusCode::OK {
        bail!("upload: {}", response.status());
    }
    let upload = upload_started.elapsed();
    call(&client, Method::POST, format!("{server}/api/records/{id}/draft/files/large.bin/commit"), token, None).await?;
    let publish_started = Instant::now();
    call(&client, Method::POST, format!("{server}/api/records/{id}/draft/actions/publish"), token, None).await?;
    let publish = publish_started.elapsed();
    let total = started.elapsed();
    let mib = size as f64 / (1024.0 * 1024.0);
    println!(
        "deposit {mib:.0} MiB: upload {:.2} s ({:.0} MiB/s), publish {:.3} s, whole deposit {:.2} s = {:.0} MiB/s",
        upload.as_secs_f64(),
        mib / upload.as_secs_f64(),
        publish.as_secs_f64(),
        total.as_secs_f64(),
        mib / total.as_secs_f64()
    );
    Ok(())
}

/// Streams a file as a request body without reading it whole.
pub(crate) async fn tokio_util_stream(file: &Path) -> anyhow::Result<reqwest::Body> {
    let file = tokio::fs::File::open(file).await?;
    let stream = futures::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(buffer), file))
            }
            Err(err) => Some((Err(err), file)),
        }
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

pub(crate) async fn many_files(server: &str, token: &str, files: usize) -> anyhow::Result<()> {
    let client = Client::new();
    let draft = call(&client, Method::POST, format!("{server}/api/records"), token, Some(metadata("Many small files"))).await?;
    let id = draft["id"].as_str().context("draft id")?.to_string();
    let keys: Vec<String> = (0..files).map(|i| format!("dir-{:02}/file-{i:06}.txt", i % 50)).collect();
    for chunk in keys.chunks(500) {
        let body: Vec<Value> = chunk.iter().map(|k| json!({"key": k})).collect();
        call(&client, Method::POST, format!("{server}/api/records/{id}/draft/files"), token, Some(Value::Array(body))).await?;
    }
    let upload_started = Instant::now();
    let uploads = futures::stream::iter(keys.iter().cloned())
        .map(|key| {
            let (client, id) = (client.clone(), id.clone());
            async move {
                let url = format!("{server}/api/records/{id}/draft/files/{key}");
                let response = client
                    .put(format!("{url}/content"))
                    .bearer_auth(token)
                    .header("content-type", "application/octet-stream")
                    .body(format!("content of {key}\n"))
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("upload {key}: {}", response.status());
                }
                call(&client, Method::POST, format!("{url}/commit"), token, None).await?;
                Ok(())
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<anyhow::Result<()>>>()
        .await;
    uploads.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let upload = upload_started.elapsed();
    let publish_started = Instant::now();
    call(&client, Method::POST, format!("{server}/api/records/{id}/draft/actions/publish"), token, None).await?;
    let publish = publish_started.elapsed();
    println!(
        "{files} files: upload and commit {:.1} s ({:.0} files/s over HTTP), publish {:.2} s",
        upload.as_secs_f64(),
        files as f64 / upload.as_secs_f64(),
        publish.as_secs_f64()
    );
    for (what, url) in [
        ("landing page (first page of files)", format!("{server}/records/{id}")),
        ("landing page (page 50 of files)", format!("{server}/records/{id}?files_page=50")),
        ("file listing, 100 per page", format!("{server}/api/records/{id}/files?size=100&page=37")),
        ("record", format!("{server}/api/records/{id}")),
    ] {
        print_latency(&client, what, &url, StatusCode::OK).await?;
    }
    Ok(())
}

/// How long each kind of page takes to come back whole, in English and in Welsh: the home
/// page, the search page with and without a query and a facet, a landing page, sign-in; and
/// with an account, the pages of someone signed in, with an organization's dashboard.
pub(crate) async fn pages(server: &str, account: Option<&str>, org: Option<&str>) -> anyhow::Result<()> {
    let found: Value = Client::new().get(format!("{server}/api/records?size=1&sort=newest")).send().await?.json().await?;
    let id = found["hits"]["hits"][0]["id"].as_str().context("a published record to open")?.to_string();
    let word = TOPICS.first().unwrap_or(&"river");
    for lang in ["en", "cy"] {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ACCEPT_LANGUAGE, lang.parse()?);
        let client = Client::builder().default_headers(headers).build()?;
        for (what, path) in [
            ("home page", "/".to_string()),
            ("search page, no query", "/search".to_string()),
            ("search page, a word and a facet", format!("/search?q={word}&resource_type=dataset")),
            ("landing page", format!("/records/{id}")),
            ("sign-in page", "/login".to_string()),
        ] {
            print_latency(&client, &format!("{lang} {what}"), &format!("{server}{path}"), StatusCode::OK).await?;
        }
    }
    let Some(account) = account else { return Ok(()) };
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, sign_in(server, account).await?.parse()?);
    let client = Client::builder().default_headers(headers).build()?;
    let mut signed_in = vec![("my uploads", "/uploads".to_string()), ("my access", "/access".into()), ("stewarding", "/stewarding".into())];
    if let Some(org) = org {
        signed_in.push(("an organization's dashboard", format!("/organizations/{org}")));
        signed_in.push(("its audit trail, first page", format!("/organizations/{org}/audit")));
    }
    for (what, path) in signed_in {
        print_latency(&client, what, &format!("{server}{path}"), StatusCode::OK).await?;
    }
    Ok(())
}

/// Signs in with a password as a browser does (the form's token and its cookie, then the
/// post); returns the session's cookie.
async fn sign_in(server: &str, account: &str) -> anyhow::Result<String> {
    let (email, password) = account.split_once(':').context("an account is EMAIL:PASSWORD")?;
    let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let cookie = |response: &reqwest::Response, name: &str| -> anyhow::Result<String> {
        let found =
            response.headers().get_all(reqwest::header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find(|v| v.starts_with(name));
        Ok(found.and_then(|v| v.split(';').next()).with_context(|| format!("no {name} cookie"))?.to_string())
    };
    let form = client.get(format!("{server}/login")).send().await?;
    let form_cookie = cookie(&form, "tessera_login_csrf=")?;
    let page = form.text().await?;
    let token = page.split("name=\"csrf_token\" value=\"").nth(1).and_then(|s| s.split('"').next()).context("the form's token")?;
    let fields = [("email", email), ("password", password), ("csrf_token", token), ("next", "/")];
    let answer = client.post(format!("{server}/login")).header(reqwest::header::COOKIE, form_cookie).form(&fields).send().await?;
    cookie(&answer, "tessera_session=").context("signing in failed")
}

/// Times fifty requests for `url`, each answered with `status`, and prints the median and p99.
pub(crate) async fn print_latency(client: &Client, what: &str, url: &str, status: StatusCode) -> anyhow::Result<()> {
    let mut times = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        let response = client.get(url).send().await?;
        if response.status() != status {
            bail!("{url}: {}, not {status}", response.status());
        }
        response.bytes().await?;
        times.push(started.elapsed());
    }
    times.sort();
    println!("{what}: median {:.1} ms, p99 {:.1} ms", ms(times[times.len() / 2]), ms(times[times.len() * 99 / 100]));
    Ok(())
}

pub(crate) fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Searches use the generator's own words and facet values, so they find what it wrote.
const FACETS: &[(&str, &[&str])] = &[
    ("resource_type", TYPES),
    ("language", LANGUAGES),
    ("subject", SUBJECTS),
    ("license", LICENCES),
    ("publication_year", &["2019", "2020", "2021", "2022"]),
];

/// The same searches against datasette, over a table of the same records (`bench/peers.sh`
/// builds it): the word through its FTS5 index, the two filters as column filters (a subject
/// through `__arraycontains`), and counts of the five facets the filters draw on.
fn datasette_url(server: &str, word: &str, filters: &[(&str, &str)]) -> String {
    let mut url = format!("{server}/records/records.json?_search={word}&_size=20&_shape=objects");
    for (name, value) in filters {
        match *name {
            "subject" => url.push_str(&format!("&subjects__arraycontains={value}")),
            _ => url.push_str(&format!("&{name}={value}")),
        }
    }
    url + "&_facet=resource_type&_facet=language&_facet=license&_facet=publication_year&_facet_array=subjects"
}

/// `clients` clients search with a word and two facet filters, through Tessera's API or
/// (`datasette`) datasette's, and the throughput and latencies are printed.
pub(crate) async fn search(server: &str, clients: usize, requests: usize, datasette: bool) -> anyhow::Result<()> {
    let client = Client::builder().pool_max_idle_per_host(clients).build()?;
    let per_client = requests / clients;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, server) = (client.clone(), server.to_string());
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let mut times = Vec::with_capacity(per_client);
            let mut hits = 0u64;
            for _ in 0..per_client {
                let word = if rng.gen_bool(0.7) { TOPICS.choose(&mut rng) } else { PLACES.choose(&mut rng) }.unwrap_or(&"river");
                let mut facets = FACETS.to_vec();
                facets.shuffle(&mut rng);
                let filters: Vec<(&str, &str)> =
                    facets[..2].iter().map(|(name, values)| (*name, values[rng.gen_range(0..values.len())])).collect();
                let url = if datasette {
                    datasette_url(&server, word, &filters)
                } else {
                    let filters: Vec<String> = filters.iter().map(|(name, value)| format!("{name}={value}")).collect();
                    format!("{server}/api/records?q={word}&{}&size=20", filters.join("&"))
                };
                let begun = Instant::now();
                let response = client.get(&url).send().await?;
                if !response.status().is_success() {
                    bail!("{url}: {}", response.status());
                }
                let body: Value = response.json().await?;
                if datasette && body["facets_timed_out"].as_array().is_some_and(|late| !late.is_empty()) {
                    bail!("{url}: datasette gave up counting facets; raise its facet_time_limit_ms");
                }
                hits += if datasette { body["filtered_table_rows_count"].as_u64() } else { body["hits"]["total"].as_u64() }.unwrap_or(0);
                times.push(begun.elapsed());
            }
            Ok::<_, anyhow::Error>((times, hits))
        }));
    }
    let mut times = Vec::new();
    let mut hits = 0;
    for task in tasks {
        let (t, h) = task.await??;
        times.extend(t);
        hits += h;
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let pick = |q: usize| ms(times[(times.len() * q / 100).min(times.len() - 1)]);
    println!(
        "search, 2 facets, top 20, {clients} clients: {} queries in {elapsed:.1} s = {:.0} queries/s; median {:.1} ms, p99 {:.1} ms (mean {:.0} hits per query)",
        times.len(),
        times.len() as f64 / elapsed,
        pick(50),
        pick(99),
        hits as f64 / times.len() as f64
    );
    Ok(())
}
