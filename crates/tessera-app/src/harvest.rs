//! Harvesting partner repositories over OAI-PMH. Each source is a durable `harvest` job: it
//! pages through `ListRecords` (from where the last complete harvest began), stores each
//! page with the token of the next in one transaction, so a crash or a failed request
//! resumes at the page it stopped on, and indexes what changed. A complete harvest schedules
//! the next one. Harvested records are public metadata found elsewhere: they appear in
//! search beside Tessera's own, faceted by origin and linking to it, and never in Tessera's
//! storage, its OAI-PMH feed or its exports.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tessera_catalog::{HarvestProgress, HarvestSourceRow};
use tessera_domain::Metadata;
use tessera_domain::authz::{Action, ResourceFacts, Subject};
use tessera_formats::oai_pmh::{self, Harvested, ReadError};
use tessera_search::DocKey;

use crate::index_doc::{LOCAL_ORIGIN, ORIGIN_FACET, remote_index_doc};
use crate::tessera::{from_now, now};
use crate::{Error, Result, Tessera};

pub(crate) const HARVEST: &str = "harvest";
/// Removes a deleted source's records from the index, which only the server may write.
pub(crate) const FORGET_HARVEST: &str = "forget-harvest";
/// The formats Tessera reads.
pub const HARVEST_FORMATS: [&str; 2] = ["oai_dc", "oai_datacite"];
/// How long one run of a harvest job goes on before it yields to other jobs; the next run
/// continues from the page it reached.
const RUN_BUDGET: Duration = Duration::from_secs(30);
/// Tries of one request before the run fails and the job backs off.
const TRIES: u32 = 3;
/// The longest `Retry-After` honoured within a run; a longer wait fails the run instead.
const LONGEST_RETRY_AFTER: u64 = 120;
/// How often a source that can stop listing a record without a deletion notice (one that
/// keeps no deleted records, or a harvested set that a record can leave) is listed whole, so
/// what it removed is removed here too.
const FULL_EVERY: time::Duration = time::Duration::days(1);
/// The largest answer read: a page of records is a few megabytes, and an answer that will
/// not end must not take the server's memory.
const LARGEST_ANSWER: usize = 64 << 20;

/// What is kept of a harvested record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoteDoc {
    pub metadata: Metadata,
    /// The record's page at its origin.
    pub landing_page: Option<String>,
    /// The `access_status` facet's value, when the origin says.
    pub access: Option<String>,
    pub sets: Vec<String>,
}

/// Where harvested records come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The harvest's short name, the `origin` facet's value.
    pub name: String,
    pub repository_name: String,
    pub base_url: String,
}

/// A harvested record, as search shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteRecord {
    pub id: i64,
    pub origin: Origin,
    /// Its OAI-PMH identifier at the origin.
    pub identifier: String,
    pub datestamp: String,
    pub doc: RemoteDoc,
}

impl RemoteRecord {
    /// Where to read the record at its origin: its landing page, or else its OAI-PMH record
    /// there (always a web address, checked when the source was added).
    pub fn origin_link(&self) -> String {
        self.doc.landing_page.clone().unwrap_or_else(|| {
            let identifier = tessera_formats::percent_encode(&self.identifier, b"");
            format!("{}?verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier}", self.origin.base_url)
        })
    }
}

/// A partner repository to harvest.
#[derive(Clone, Debug, Default)]
pub struct HarvestRequest {
    pub base_url: String,
    pub set: Option<String>,
    pub metadata_prefix: String,
    /// The origin's short name; by default from the repository's host.
    pub name: Option<String>,
}

/// A source with how its harvesting goes.
#[derive(Clone, Debug)]
pub struct HarvestSource {
    pub source: HarvestSourceRow,
    pub records: i64,
    /// When it runs next, and the last error if its last run failed.
    pub next_run: Option<String>,
    pub last_error: Option<String>,
}

impl Tessera {
    /// Adds a partner repository after checking that it answers OAI-PMH and offers the
    /// format; its first harvest is due at once.
    pub async fn add_harvest(&self, subject: &Subject, request: HarvestRequest) -> Result<HarvestSourceRow> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "harvest sources").await?;
        let base_url = request.base_url.trim().to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) || base_url.contains(['?', '#']) {
            return Err(Error::BadRequest(format!("'{base_url}' is not an OAI-PMH base URL: an http(s) address without a query")));
        }
        let prefix = request.metadata_prefix.trim();
        if !HARVEST_FORMATS.contains(&prefix) {
            return Err(Error::BadRequest(format!("'{prefix}' is not a format Tessera harvests: use {}", HARVEST_FORMATS.join(" or "))));
        }
        let name = match request.name {
            Some(name) => name.trim().to_string(),
            None => default_name(&base_url),
        };
        if name.is_empty() || name == LOCAL_ORIGIN || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(Error::BadRequest(format!(
                "'{name}' cannot name a harvest: use lowercase letters, digits and hyphens, and not '{LOCAL_ORIGIN}'"
            )));
        }
        let unusable = |what: &str, err: &dyn std::fmt::Display| Error::BadRequest(format!("{base_url} {what}: {err}"));
        let identify = self.fetch_oai(&base_url, &[("verb", "Identify")]).await?;
        let identify = oai_pmh::read_identify(&identify).map_err(|e| unusable("does not answer as an OAI-PMH repository", &e))?;
        let formats = self.fetch_oai(&base_url, &[("verb", "ListMetadataFormats")]).await?;
        let formats = oai_pmh::read_metadata_formats(&formats).map_err(|e| unusable("does not list its formats", &e))?;
        if !formats.iter().any(|f| f == prefix) {
            return Err(Error::BadRequest(format!("{base_url} does not offer {prefix}; it offers {}", formats.join(", "))));
        }
        let stamp = now();
        let mut source = HarvestSourceRow {
            id: 0,
            name,
            base_url,
            set_spec: request.set.map(|s| s.trim().to_string()).unwrap_or_default(),
            metadata_prefix: prefix.to_string(),
            repository_name: Some(identify.repository_name).filter(|n| !n.is_empty()).unwrap_or_else(|| identify.base_url.clone()),
            seconds: identify.seconds,
            created: stamp.clone(),
            harvested_from: None,
            resume_token: None,
            list_started: None,
            last_finished: None,
            deleted_record: identify.deleted_record.clone(),
            list_full: false,
            last_full: None,
        };
        source.id = self.catalog.add_harvest_source(&source).await.map_err(|err| match err {
            tessera_catalog::Error::Conflict { what } => Error::Conflict(format!("{what} already exists")),
            other => other.into(),
        })?;
        self.catalog.schedule_job(HARVEST, &source.id.to_string(), &stamp, None, &stamp).await?;
        tracing::info!(source = %source.name, url = %source.base_url, set = %source.set_spec, prefix = %source.metadata_prefix, "harvest added");
        Ok(source)
    }

    pub async fn harvest_sources(&self, subject: &Subject) -> Result<Vec<HarvestSource>> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "harvest sources").await?;
        let counts: std::collections::HashMap<i64, i64> = self.catalog.remote_record_counts().await?.into_iter().collect();
        let mut out = Vec::new();
        for source in self.catalog.harvest_sources().await? {
            let job = self.catalog.job(HARVEST, &source.id.to_string()).await?;
            out.push(HarvestSource {
                records: counts.get(&source.id).copied().unwrap_or(0),
                next_run: job.as_ref().map(|j| j.run_at.clone()),
                last_error: job.and_then(|j| j.last_error),
                source,
            });
        }
        Ok(out)
    }

    /// Makes a source's harvest due now; with `full`, it lists every record, and records the
    /// source no longer lists are removed.
    pub async fn run_harvest_soon(&self, subject: &Subject, name: &str, full: bool) -> Result<()> {
        let source = self.harvest_source_named(subject, name).await?;
        if full {
            self.catalog.require_full_harvest(source.id).await?;
        }
        let stamp = now();
        self.catalog.schedule_job(HARVEST, &source.id.to_string(), &stamp, None, &stamp).await?;
        Ok(())
    }

    /// Stops harvesting a source and forgets what it gave; the server takes its records out
    /// of search with its next jobs.
    pub async fn remove_harvest(&self, subject: &Subject, name: &str) -> Result<usize> {
        let source = self.harvest_source_named(subject, name).await?;
        let removed = self.catalog.remove_harvest_source(source.id).await?;
        self.catalog.cancel_job(HARVEST, &source.id.to_string()).await?;
        let stamp = now();
        self.catalog.schedule_job(FORGET_HARVEST, &source.name, &stamp, None, &stamp).await?;
        Ok(removed.len())
    }

    async fn harvest_source_named(&self, subject: &Subject, name: &str) -> Result<HarvestSourceRow> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "harvest sources").await?;
        let sources = self.catalog.harvest_sources().await?;
        sources.into_iter().find(|s| s.name == name).ok_or_else(|| Error::not_found(format!("harvest {name}")))
    }

    pub(crate) async fn forget_harvest(&self, name: &str) -> Result<()> {
        if self.catalog.harvest_sources().await?.iter().any(|s| s.name == name) {
            // Added again since: the new source's records are in the index under the same name.
            return Ok(());
        }
        let search = self.search.clone();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || search.remove_where(ORIGIN_FACET, &name)).await.map_err(std::io::Error::other)??;
        Ok(())
    }

    /// One run of a source's harvest job: pages until the list ends or the run's time is up.
    pub(crate) async fn harvest(&self, id: i64) -> Result<()> {
        let Some(mut source) = self.catalog.harvest_source(id).await? else { return Ok(()) };
        let deadline = Instant::now() + RUN_BUDGET;
        let mut restarted = false;
        let mut pages = 0;
        loop {
            if source.resume_token.is_none() {
                source.list_full = lists_whole(&source);
            }
            let from = source.harvested_from.as_deref().map(|from| if source.seconds { from } else { &from[..from.len().min(10)] });
            let query: Vec<(&str, &str)> = match &source.resume_token {
                Some(token) => vec![("verb", "ListRecords"), ("resumptionToken", token)],
                None => {
                    let mut query = vec![("verb", "ListRecords"), ("metadataPrefix", source.metadata_prefix.as_str())];
                    query.extend(Some(source.set_spec.as_str()).filter(|s| !s.is_empty()).map(|set| ("set", set)));
                    query.extend(from.filter(|_| !source.list_full).map(|from| ("from", from)));
                    query
                }
            };
            let body = self.fetch_oai(&source.base_url, &query).await?;
            let page = match oai_pmh::read_list_records(&body) {
                Err(ReadError::Protocol { code, .. }) if code == "badResumptionToken" && !restarted => {
                    // Tokens may expire; the list is asked for again from the same place.
                    tracing::warn!(source = %source.name, "resumption token refused; starting the list again");
                    self.catalog.restart_harvest(id).await?;
                    (source.resume_token, source.list_started, restarted) = (None, None, true);
                    continue;
                }
                other => other.map_err(|e| Error::ProviderUnavailable(format!("harvest {}: {e}", source.name)))?,
            };
            let started = source.list_started.clone().or(Some(page.response_date.clone()).filter(|d| !d.is_empty())).unwrap_or_else(now);
            let progress = HarvestProgress {
                list_started: page.token.as_ref().map(|_| started.clone()),
                list_full: page.token.is_some() && source.list_full,
                resume_token: page.token,
            };
            self.store_page(&source, (page.records, &started), &progress).await?;
            pages += 1;
            let Some(token) = progress.resume_token else {
                let gone = self.catalog.finish_harvest(id, &started, &now(), source.list_full).await?;
                if !gone.is_empty() {
                    tracing::info!(source = %source.name, removed = gone.len(), "records the source no longer lists are removed");
                    let gone: Vec<DocKey> = gone.into_iter().map(|id| DocKey::Remote(id as u64)).collect();
                    let search = self.search.clone();
                    tokio::task::spawn_blocking(move || search.replace(&[], &gone)).await.map_err(std::io::Error::other)??;
                }
                let next = from_now(time::Duration::seconds(self.config.harvest_interval.as_secs() as i64));
                self.catalog.schedule_job(HARVEST, &id.to_string(), &next, None, &now()).await?;
                tracing::info!(source = %source.name, pages, next = %next, "harvest complete");
                return Ok(());
            };
            (source.resume_token, source.list_started) = (Some(token), Some(started));
            if Instant::now() >= deadline {
                let stamp = now();
                self.catalog.schedule_job(HARVEST, &id.to_string(), &stamp, None, &stamp).await?;
                tracing::info!(source = %source.name, pages, "harvest continues in the next run");
                return Ok(());
            }
        }
    }

    /// Stores a page's records and deletions with where the harvest goes on from, in one
    /// transaction, then indexes them.
    async fn store_page(
        &self,
        source: &HarvestSourceRow,
        (records, seen): (Vec<Harvested>, &str),
        progress: &HarvestProgress,
    ) -> Result<()> {
        let origin =
            Origin { name: source.name.clone(), repository_name: source.repository_name.clone(), base_url: source.base_url.clone() };
        let mut changed = Vec::new();
        let mut kept = Vec::new();
        let mut deleted = Vec::new();
        // Should a page name a record twice, its last state is the one that counts.
        let mut named = std::collections::HashSet::new();
        let last_states: Vec<Harvested> = records.into_iter().rev().filter(|r| named.insert(r.identifier.clone())).collect();
        for record in last_states.into_iter().rev() {
            let Some(metadata) = record.metadata.filter(|_| !record.deleted) else {
                deleted.push(record.identifier);
                continue;
            };
            let doc = RemoteDoc {
                metadata,
                landing_page: record.landing_page,
                access: record.access.map(|a| a.status().into()),
                sets: record.sets,
            };
            let json = serde_json::to_string(&doc).map_err(|e| Error::Corrupt(e.to_string()))?;
            changed.push((record.identifier.clone(), record.datestamp.clone(), json));
            kept.push(RemoteRecord { id: 0, origin: origin.clone(), identifier: record.identifier, datestamp: record.datestamp, doc });
        }
        let (stored, removed) = self.catalog.save_harvest_page(source.id, (&changed, seen), &deleted, progress).await?;
        for (record, id) in kept.iter_mut().zip(stored) {
            record.id = id;
        }
        let docs: Vec<_> = kept.iter().map(remote_index_doc).collect();
        let removed: Vec<DocKey> = removed.into_iter().map(|id| DocKey::Remote(id as u64)).collect();
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.replace(&docs, &removed)).await.map_err(std::io::Error::other)??;
        Ok(())
    }

    /// Harvested records by id, in the order asked for, with their origins among `sources`.
    pub(crate) async fn remote_records(&self, ids: &[i64], sources: &[HarvestSourceRow]) -> Result<Vec<RemoteRecord>> {
        let rows = self.catalog.remote_records_by_ids(ids).await?;
        rows.into_iter()
            .filter_map(|row| {
                let source = sources.iter().find(|s| s.id == row.source_id)?;
                let origin = Origin {
                    name: source.name.clone(),
                    repository_name: source.repository_name.clone(),
                    base_url: source.base_url.clone(),
                };
                Some(
                    serde_json::from_str(&row.doc)
                        .map_err(|e| Error::Corrupt(format!("harvested record {}: {e}", row.id)))
                        .map(|doc| RemoteRecord { id: row.id, origin, identifier: row.identifier, datestamp: row.datestamp, doc }),
                )
            })
            .collect()
    }

    /// One OAI-PMH request, tried again after a network failure or a `503 Retry-After`.
    async fn fetch_oai(&self, base_url: &str, query: &[(&str, &str)]) -> Result<String> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wait = match self.http.get(base_url).query(query).send().await {
                Ok(mut response) if response.status().is_success() => {
                    let mut body = Vec::new();
                    while let Some(chunk) = response.chunk().await.map_err(|e| Error::ProviderUnavailable(format!("{base_url}: {e}")))? {
                        if body.len() + chunk.len() > LARGEST_ANSWER {
                            return Err(Error::ProviderUnavailable(format!("{base_url} answered with more than {LARGEST_ANSWER} bytes")));
                        }
                        body.extend_from_slice(&chunk);
                    }
                    return String::from_utf8(body)
                        .map_err(|_| Error::ProviderUnavailable(format!("{base_url} answered with text that is not UTF-8")));
                }
                Ok(response) if response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE && attempt < TRIES => {
                    let after =
                        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
                    match after {
                        Some(seconds) if seconds > LONGEST_RETRY_AFTER => {
                            return Err(Error::ProviderUnavailable(format!("{base_url} asks to come back in {seconds} seconds")));
                        }
                        Some(seconds) => Duration::from_secs(seconds),
                        None => Duration::from_secs(2u64.pow(attempt)),
                    }
                }
                Ok(response) => return Err(Error::ProviderUnavailable(format!("{base_url} answered {}", response.status()))),
                Err(err) if attempt < TRIES => {
                    tracing::debug!(url = base_url, error = %err, "OAI-PMH request failed; trying again");
                    Duration::from_secs(2u64.pow(attempt))
                }
                Err(err) => return Err(Error::ProviderUnavailable(format!("{base_url}: {err}"))),
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// Whether a new list of this source asks for every record: the first, one asked for, and
/// daily for a source that can stop listing a record without saying it was deleted.
fn lists_whole(source: &HarvestSourceRow) -> bool {
    let Some(last_full) = source.last_full.as_deref() else { return true };
    let silent_removals = source.deleted_record != "persistent" || !source.set_spec.is_empty();
    silent_removals && crate::tessera::parse_time(last_full) + FULL_EVERY <= time::OffsetDateTime::now_utc()
}

/// A short name from the repository's host: `https://data.partner.ac.uk/oai` gives
/// `data-partner-ac-uk`.
fn default_name(base_url: &str) -> String {
    let host = base_url.split("://").nth(1).unwrap_or_default().split(['/', ':']).next().unwrap_or_default();
    host.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_host() {
        assert_eq!(default_name("https://data.partner.ac.uk/oai"), "data-partner-ac-uk");
        assert_eq!(default_name("http://127.0.0.1:8080/oai"), "127-0-0-1");
    }

    #[test]
    fn a_record_without_a_landing_page_links_to_its_oai_pmh_record() {
        let origin = Origin { name: "p".into(), repository_name: "P".into(), base_url: "https://p.example/oai".into() };
        let mut record =
            RemoteRecord { id: 1, origin, identifier: "oai:p:7/a b".into(), datestamp: String::new(), doc: RemoteDoc::default() };
        assert_eq!(record.origin_link(), "https://p.example/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai%3Ap%3A7%2Fa%20b");
        record.doc.landing_page = Some("https://p.example/records/7".into());
        assert_eq!(record.origin_link(), "https://p.example/records/7");
    }
}
