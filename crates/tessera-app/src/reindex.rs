//! Rebuilding the search index from the catalogue while the server keeps answering: the
//! records are written in bulk into a new generation of the index, the live one goes on
//! serving searches and taking publishes, and the new one takes over once it has caught up
//! with what those publishes changed.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;
use tessera_domain::authz::{Action, ResourceFacts, Subject};
use tessera_domain::{ParentId, RecordId};
use tessera_search::{DocKey, Finish, IndexDoc, Rebuild};

use crate::index_doc::{index_doc, remote_index_doc};
use crate::tessera::now;
use crate::{Result, Tessera};

/// The job that rebuilds the index inside the server, asked for by `tessera reindex` or the API.
pub(crate) const REINDEX: &str = "reindex";
const REINDEX_KEY: &str = "search-index";
/// Records read from the catalogue per page.
const PAGE: i64 = 2000;

/// The search index as an operator sees it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct IndexState {
    /// Counts up by one with each rebuild.
    pub generation: u64,
    /// Documents searches see: each version of Tessera's records, and harvested records.
    pub documents: u64,
    /// While a rebuild runs: the documents it has written so far.
    pub rebuilding: Option<u64>,
    /// A rebuild's job is in the table: waiting for the server's next pass over its jobs, or
    /// running. One asked for while another runs follows it.
    pub queued: bool,
}

type Step<T> = tokio::task::JoinHandle<tessera_search::Result<T>>;

/// What a step of the index on a blocking thread came to.
async fn finished<T>(step: Step<T>) -> Result<T> {
    Ok(step.await.map_err(std::io::Error::other)??)
}

/// Runs a step of the index on a blocking thread.
async fn blocking<T: Send + 'static>(step: impl FnOnce() -> tessera_search::Result<T> + Send + 'static) -> Result<T> {
    finished(tokio::task::spawn_blocking(step)).await
}

impl Tessera {
    /// Rebuilds the search index from the catalogue, Tessera's records and then harvested ones,
    /// while the current index keeps answering; returns how many records the new one holds.
    /// `progress` is told how many have been written so far.
    pub async fn reindex(&self, progress: impl FnMut(usize)) -> Result<usize> {
        let (rebuild, count) = self.fill_rebuild(progress).await?;
        self.finish_rebuild(rebuild).await?;
        Ok(count)
    }

    /// Starts a rebuild and writes every record into it, in pages.
    pub(crate) async fn fill_rebuild(&self, mut progress: impl FnMut(usize)) -> Result<(Rebuild, usize)> {
        let search = self.search.clone();
        // Each page is added on a blocking thread while the next is read from the catalogue.
        let mut adding: Step<Rebuild> = tokio::task::spawn_blocking(move || search.begin_rebuild());
        let hidden = self.taken_down().await?;
        let mut count = 0;
        let mut after = 0;
        loop {
            let ids = self.catalog.record_ids_after(after, PAGE).await?;
            let Some(last) = ids.last() else { break };
            after = last.0;
            let views = self.record_views(self.catalog.records_by_ids(&ids).await?).await?;
            let docs: Vec<IndexDoc> = views.iter().filter(|view| !hidden.contains(&view.doc.parent_id)).map(index_doc).collect();
            count += docs.len();
            let mut rebuild = finished(adding).await?;
            adding = tokio::task::spawn_blocking(move || rebuild.add(&docs).map(|()| rebuild));
            progress(count);
        }
        let sources = self.catalog.harvest_sources().await?;
        let mut after = 0;
        loop {
            let ids = self.catalog.remote_ids_after(after, PAGE).await?;
            let Some(last) = ids.last() else { break };
            after = *last;
            let docs: Vec<IndexDoc> = self.remote_records(&ids, &sources).await?.iter().map(remote_index_doc).collect();
            count += docs.len();
            let mut rebuild = finished(adding).await?;
            adding = tokio::task::spawn_blocking(move || rebuild.add(&docs).map(|()| rebuild));
            progress(count);
        }
        let mut rebuild = finished(adding).await?;
        Ok((blocking(move || rebuild.settle().map(|()| rebuild)).await?, count))
    }

    /// Catches the rebuild up with what live changes touched since it read the catalogue, until
    /// nothing more has, then puts it in place of the live index.
    pub(crate) async fn finish_rebuild(&self, mut rebuild: Rebuild) -> Result<()> {
        loop {
            match blocking(move || rebuild.try_finish()).await? {
                Finish::Done => return Ok(()),
                Finish::CatchUp(behind, touched) => {
                    let (docs, removed) = self.index_entries(&touched.keys).await?;
                    let mut behind = *behind;
                    rebuild = blocking(move || behind.catch_up(&touched.removed_where, &docs, &removed).map(|()| behind)).await?;
                }
            }
        }
    }

    /// The index entries of these records as the catalogue has them now, and the keys of those
    /// that are gone or whose dataset is taken down.
    async fn index_entries(&self, keys: &BTreeSet<DocKey>) -> Result<(Vec<IndexDoc>, Vec<DocKey>)> {
        let (mut records, mut remote) = (Vec::new(), Vec::new());
        for key in keys {
            match *key {
                DocKey::Record(id) => records.push(RecordId(id as i64)),
                DocKey::Remote(id) => remote.push(id as i64),
            }
        }
        let hidden = self.taken_down().await?;
        let mut docs = Vec::new();
        for page in records.chunks(PAGE as usize) {
            let views = self.record_views(self.catalog.records_by_ids(page).await?).await?;
            docs.extend(views.iter().filter(|view| !hidden.contains(&view.doc.parent_id)).map(index_doc));
        }
        let sources = self.catalog.harvest_sources().await?;
        for page in remote.chunks(PAGE as usize) {
            docs.extend(self.remote_records(page, &sources).await?.iter().map(remote_index_doc));
        }
        let present: HashSet<DocKey> = docs.iter().map(|doc| doc.key).collect();
        let removed = keys.iter().filter(|key| !present.contains(key)).copied().collect();
        Ok((docs, removed))
    }

    /// Datasets under a takedown, which stay out of the index until they are restored.
    async fn taken_down(&self) -> Result<HashSet<ParentId>> {
        Ok(self.catalog.taken_down_parents().await?.into_iter().collect())
    }

    /// Asks the server to rebuild its index at its next pass over the jobs (a platform
    /// administrator's call).
    pub async fn request_reindex(&self, subject: &Subject) -> Result<IndexState> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "search index").await?;
        let stamp = now();
        self.catalog.schedule_job(REINDEX, REINDEX_KEY, &stamp, None, &stamp).await?;
        self.index_state(subject).await
    }

    /// The index's generation, its size, and any rebuild running or asked for.
    pub async fn index_state(&self, subject: &Subject) -> Result<IndexState> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "search index").await?;
        let status = self.search.status();
        let queued = self.catalog.job(REINDEX, REINDEX_KEY).await?.is_some();
        Ok(IndexState { generation: status.generation, documents: status.documents, rebuilding: status.rebuilding, queued })
    }

    /// The `reindex` job: a rebuild already running covers it.
    pub(crate) async fn run_reindex_job(&self) -> Result<()> {
        match self.reindex(|_| {}).await {
            Ok(count) => {
                tracing::info!(records = count, "rebuilt the search index");
                Ok(())
            }
            Err(crate::Error::Search(tessera_search::Error::Busy)) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tessera_catalog::{Catalog, RecordFiles};
    use tessera_search::SearchRequest;

    use super::*;
    use crate::{RecordDoc, TesseraConfig};

    /// Writes version `version` of dataset `parent` into the catalogue and indexes the dataset,
    /// as publishing does once its OCFL commit is made.
    async fn publish(tessera: &Tessera, id: i64, parent: i64, version: i64, title: &str) {
        let doc = RecordDoc::sample(id, parent, version, title);
        tessera
            .catalog
            .apply_published(&doc.catalogue_row(version).unwrap(), Some(RecordFiles::present(&[])), None, &[], Vec::new())
            .await
            .unwrap();
        tessera.index_parent(ParentId(parent)).await.unwrap();
    }

    fn found(tessera: &Tessera, query: &str) -> Vec<DocKey> {
        tessera.search.search(&SearchRequest { query: query.into(), limit: 10, ..Default::default() }).unwrap().keys
    }

    #[tokio::test]
    async fn publishes_during_a_rebuild_are_searchable_at_once_and_after_it_takes_over() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::connect(&format!("sqlite:{}", dir.path().join("catalog.db").display())).await.unwrap();
        let store = Arc::new(tessera_storage::LocalStore::new(dir.path().join("ocfl")).unwrap());
        let tessera = Tessera::open(catalog, store, TesseraConfig::in_folder(dir.path())).await.unwrap();
        publish(&tessera, 2, 1, 1, "Afon Taf temperatures").await;
        publish(&tessera, 4, 3, 1, "Llyn Tegid depths").await;
        let generation = tessera.search.status().generation;

        let (rebuild, count) = tessera.fill_rebuild(|_| {}).await.unwrap();
        assert_eq!(count, 2);
        // While the rebuild waits to take over: a new dataset, and a new version of the first.
        publish(&tessera, 6, 5, 1, "Afon Teifi levels").await;
        publish(&tessera, 7, 1, 2, "Afon Taf temperatures, corrected").await;
        assert_eq!(found(&tessera, "teifi"), [DocKey::Record(6)], "searchable at once, from the live index");
        assert_eq!(found(&tessera, "taf"), [DocKey::Record(7)], "only the latest version is listed");

        tessera.finish_rebuild(rebuild).await.unwrap();
        assert_eq!(tessera.search.status().generation, generation + 1);
        assert_eq!(found(&tessera, "teifi"), [DocKey::Record(6)], "the rebuild caught up");
        assert_eq!(found(&tessera, "taf"), [DocKey::Record(7)], "and knows which version is the latest");
        assert_eq!(found(&tessera, "tegid"), [DocKey::Record(4)]);
        assert_eq!(tessera.search.count(), 4);
    }
}
