//! Rebuilding the whole index as a new generation beside the live one, which keeps answering
//! and taking changes until the new one is complete and takes its place in one step.
//!
//! On disk the index is a folder of generations, each a tantivy index in a folder named by its
//! number, and a `current` file naming the one that answers. A rebuild fills the next number;
//! a crash during it leaves `current` as it was, and the next rebuild clears the leftovers.

use std::path::Path;
use std::sync::Arc;

use tantivy::indexer::NoMergePolicy;
use tantivy::schema::Schema;
use tantivy::{Index, IndexWriter};

use crate::index::{Generation, SearchIndex, Touched};
use crate::schema::{SCHEMA_VERSION, schema};
use crate::{DocKey, Error, IndexDoc, Result};

const CURRENT: &str = "current";
const VERSION_FILE: &str = "tessera-schema-version";
/// Memory for each of a rebuild's indexing threads: enough for segments of some 100,000
/// records, and a bound on the rebuild's footprint whatever the number of records.
const REBUILD_MEMORY_PER_THREAD: usize = 64_000_000;
const REBUILD_THREADS: usize = 4;

/// The number of the generation `current` names, if it exists and has this schema version.
pub(crate) fn current_generation(root: &Path) -> Option<u64> {
    let number: u64 = std::fs::read_to_string(root.join(CURRENT)).ok()?.trim().parse().ok()?;
    let version = std::fs::read_to_string(root.join(number.to_string()).join(VERSION_FILE)).ok()?;
    (version == SCHEMA_VERSION).then_some(number)
}

/// An empty index in the folder of generation `number`.
pub(crate) fn create_generation(root: &Path, number: u64, schema: Schema) -> Result<Index> {
    let dir = root.join(number.to_string());
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let index = Index::create_in_dir(&dir, schema)?;
    std::fs::write(dir.join(VERSION_FILE), SCHEMA_VERSION)?;
    Ok(index)
}

/// Points `current` at generation `number`: written aside, synced, then renamed over the old
/// pointer, so a crash leaves one or the other.
pub(crate) fn make_current(root: &Path, number: u64) -> Result<()> {
    use std::io::Write;
    let aside = root.join(format!("{CURRENT}.new"));
    let mut file = std::fs::File::create(&aside)?;
    file.write_all(number.to_string().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&aside, root.join(CURRENT))?;
    std::fs::File::open(root)?.sync_all()?;
    Ok(())
}

/// The next generation, being filled. Dropping it unfinished discards it and leaves the live
/// generation as it was.
pub struct Rebuild {
    owner: Arc<SearchIndex>,
    next: Option<Generation>,
    writer: Option<IndexWriter>,
    /// Whether the writer holds changes not yet committed.
    dirty: bool,
    added: u64,
}

/// What `Rebuild::try_finish` did.
pub enum Finish {
    /// The new generation answers now.
    Done,
    /// Live changes touched these records since the rebuild read them: write them again with
    /// `Rebuild::catch_up` and try to finish once more.
    CatchUp(Box<Rebuild>, Touched),
}

impl SearchIndex {
    /// Starts filling a new generation. Only one rebuild runs at a time.
    pub fn begin_rebuild(self: &Arc<Self>) -> Result<Rebuild> {
        let mut changes = self.changes();
        if changes.rebuilding.is_some() {
            return Err(Error::Busy);
        }
        let number = self.live().number + 1;
        let index = match &self.root {
            Some(root) => {
                remove_other_generations(root, self.live().number)?;
                create_generation(root, number, schema().0)?
            }
            None => Index::create_in_ram(schema().0),
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(REBUILD_THREADS);
        let writer: IndexWriter = index.writer_with_num_threads(threads, threads * REBUILD_MEMORY_PER_THREAD)?;
        // No merges while filling: `settle` merges everything once, and a merge of its own
        // running then would take segments from under it.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let next = Generation::new(number, index)?;
        changes.rebuilding = Some(Touched::default());
        Ok(Rebuild { owner: Arc::clone(self), next: Some(next), writer: Some(writer), dirty: false, added: 0 })
    }
}

/// Removes the folders of generations other than `keep`: earlier ones, and rebuilds that did
/// not finish.
fn remove_other_generations(root: &Path, keep: u64) -> Result<()> {
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let number: Option<u64> = entry.file_name().to_str().and_then(|name| name.parse().ok());
        if number.is_some_and(|number| number != keep) {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

impl Rebuild {
    /// Adds documents the new generation does not hold yet; the bulk of a rebuild.
    pub fn add(&mut self, docs: &[IndexDoc]) -> Result<()> {
        let owner = Arc::clone(&self.owner);
        let writer = self.writer()?;
        for doc in docs {
            writer.add_document(owner.document(doc))?;
        }
        self.dirty = true;
        self.added += docs.len() as u64;
        let added = self.added;
        if let Some(touched) = &mut self.owner.changes().rebuilding {
            touched.added = added;
        }
        Ok(())
    }

    /// Writes again what live changes touched: `removed_where` first, then `docs` replace and
    /// `removed` go, as the catalogue has them now.
    pub fn catch_up(&mut self, removed_where: &[(String, String)], docs: &[IndexDoc], removed: &[DocKey]) -> Result<()> {
        let owner = Arc::clone(&self.owner);
        let writer = self.writer()?;
        for (facet, value) in removed_where {
            if let Some(term) = owner.facet_term(facet, value) {
                writer.delete_term(term);
            }
        }
        owner.apply(writer, docs, removed)?;
        self.dirty = true;
        Ok(())
    }

    /// Commits, and merges the new generation into one segment, so each search opens one
    /// segment's postings and facet columns instead of one set per indexing buffer.
    pub fn settle(&mut self) -> Result<()> {
        self.commit()?;
        let next = self.next.as_ref().expect("an unfinished rebuild has its generation");
        let segments = next.index.searchable_segment_ids()?;
        if let Some(mut writer) = self.writer.take() {
            if segments.len() > 1 {
                tracing::info!(documents = self.added, segments = segments.len(), "merging the rebuilt search index");
                writer.merge(&segments).wait()?;
            }
            writer.garbage_collect_files().wait()?;
            writer.wait_merging_threads()?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.dirty {
            if let Some(writer) = &mut self.writer {
                writer.commit()?;
            }
            self.dirty = false;
        }
        Ok(())
    }

    /// The rebuild's writer; after `settle` a small one for catching up.
    fn writer(&mut self) -> Result<&mut IndexWriter> {
        let next = self.next.as_ref().expect("an unfinished rebuild has its generation");
        Ok(match &mut self.writer {
            Some(writer) => writer,
            empty => empty.insert(next.index.writer_with_num_threads(1, crate::index::WRITER_MEMORY)?),
        })
    }

    /// Puts the new generation in place of the live one, unless live changes touched records
    /// since the rebuild last caught up: then it hands those back.
    pub fn try_finish(mut self) -> Result<Finish> {
        self.commit()?;
        if let Some(writer) = self.writer.take() {
            writer.wait_merging_threads()?;
        }
        let next = self.next.as_ref().expect("an unfinished rebuild has its generation");
        next.reader.reload()?;
        let owner = Arc::clone(&self.owner);
        let mut changes = owner.changes();
        let touched = changes.rebuilding.as_mut().map(std::mem::take).unwrap_or_default();
        if !touched.is_empty() {
            if let Some(rebuilding) = &mut changes.rebuilding {
                rebuilding.added = self.added;
            }
            drop(changes);
            return Ok(Finish::CatchUp(Box::new(self), touched));
        }
        let number = self.next.as_ref().expect("an unfinished rebuild has its generation").number;
        if let Some(root) = &owner.root {
            // Failing here drops the rebuild, which discards it and leaves the live generation.
            make_current(root, number)?;
        }
        let next = self.next.take().expect("an unfinished rebuild has its generation");
        // The old writer goes first: its generation stops taking changes.
        changes.writer = None;
        let old = std::mem::replace(&mut *owner.live.write().unwrap_or_else(|p| p.into_inner()), Arc::new(next));
        changes.rebuilding = None;
        drop(changes);
        tracing::info!(generation = number, documents = self.added, "the rebuilt search index answers now");
        // Searches still holding the old generation keep their open files until they end.
        if let Some(root) = &owner.root {
            let dir = root.join(old.number.to_string());
            if let Err(err) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(dir = %dir.display(), error = %err, "removing the replaced search index; the next rebuild will");
            }
        }
        Ok(Finish::Done)
    }
}

impl Drop for Rebuild {
    fn drop(&mut self) {
        let Some(next) = self.next.take() else { return };
        drop(self.writer.take());
        self.owner.changes().rebuilding = None;
        if let Some(root) = &self.owner.root {
            let dir = root.join(next.number.to_string());
            drop(next);
            if let Err(err) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(dir = %dir.display(), error = %err, "removing an unfinished rebuild of the search index");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexStatus;
    use crate::index::tests::{check, doc};
    use crate::{FACETS, SearchRequest};

    fn query(text: &str) -> SearchRequest {
        SearchRequest { query: text.into(), ..Default::default() }
    }

    fn key_set(ids: &[u64]) -> std::collections::BTreeSet<DocKey> {
        ids.iter().map(|id| DocKey::Record(*id)).collect()
    }

    #[test]
    fn the_live_generation_answers_and_changes_until_the_rebuild_catches_up_and_takes_over() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("index");
        let index = Arc::new(SearchIndex::open(&root).unwrap());
        let origin = FACETS.iter().position(|f| *f == "origin").unwrap();
        let mut harvested = IndexDoc { key: DocKey::Remote(9), ..doc(9, "River too", "dataset", "2020", true) };
        harvested.facets[origin] = vec!["partner".into()];
        let (river, lake) = (doc(1, "River", "dataset", "2020", true), doc(2, "Lake", "dataset", "2021", true));
        index.replace(&[river.clone(), lake.clone(), harvested.clone()], &[]).unwrap();

        let mut rebuild = index.begin_rebuild().unwrap();
        assert!(matches!(index.begin_rebuild(), Err(Error::Busy)));
        // The rebuild reads the catalogue as it was...
        rebuild.add(&[river, lake, harvested]).unwrap();
        // ...while live changes retitle 2, publish 3, withdraw 1 and forget the partner.
        let (pond, estuary) = (doc(2, "Pond", "dataset", "2021", true), doc(3, "Estuary", "dataset", "2022", true));
        index.replace(&[pond.clone(), estuary.clone()], &[DocKey::Record(1)]).unwrap();
        index.remove_where("origin", "partner").unwrap();
        // Searches see each change at once, from the live generation.
        check(&index, query("pond"), &[2], 1);
        check(&index, query("river"), &[], 0);
        assert_eq!(index.status(), IndexStatus { generation: 1, documents: 2, rebuilding: Some(3) });

        rebuild.settle().unwrap();
        let Finish::CatchUp(mut rebuild, touched) = rebuild.try_finish().unwrap() else { panic!("live changes were not handed back") };
        assert_eq!(touched.keys, key_set(&[1, 2, 3]));
        assert_eq!(touched.removed_where, [("origin".to_string(), "partner".to_string())]);
        rebuild.catch_up(&touched.removed_where, &[pond, estuary], &[DocKey::Record(1)]).unwrap();
        assert_eq!(index.status().generation, 1);
        assert!(matches!(rebuild.try_finish().unwrap(), Finish::Done));

        assert_eq!(index.status(), IndexStatus { generation: 2, documents: 2, rebuilding: None });
        check(&index, query("pond"), &[2], 1);
        check(&index, query("estuary"), &[3], 1);
        check(&index, query("river"), &[], 0);
        // The new generation takes live changes, and is the one that opens next time.
        index.replace(&[doc(4, "Glacier", "dataset", "2023", true)], &[]).unwrap();
        assert!(!root.join("1").exists());
        drop(index);
        let index = SearchIndex::open(&root).unwrap();
        assert!(!index.is_fresh());
        assert_eq!(index.status(), IndexStatus { generation: 2, documents: 3, rebuilding: None });
    }

    #[test]
    fn a_rebuild_that_does_not_finish_leaves_the_live_generation_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("index");
        let index = Arc::new(SearchIndex::open(&root).unwrap());
        index.replace(&[doc(1, "River", "dataset", "2020", true)], &[]).unwrap();
        let mut rebuild = index.begin_rebuild().unwrap();
        rebuild.add(&[doc(5, "Lake", "dataset", "2020", true)]).unwrap();
        rebuild.settle().unwrap();
        assert!(root.join("2").exists());
        drop(rebuild);
        assert!(!root.join("2").exists());
        assert_eq!(index.status(), IndexStatus { generation: 1, documents: 1, rebuilding: None });
        check(&index, query("river"), &[1], 1);

        // A crash mid-rebuild leaves a folder behind; the next rebuild clears it.
        drop(index);
        std::fs::create_dir(root.join("7")).unwrap();
        let index = Arc::new(SearchIndex::open(&root).unwrap());
        assert!(!index.is_fresh());
        let rebuild = index.begin_rebuild().unwrap();
        assert!(!root.join("7").exists());
        assert!(matches!(rebuild.try_finish().unwrap(), Finish::Done));
        assert_eq!(index.status(), IndexStatus { generation: 2, documents: 0, rebuilding: None });
    }

    #[test]
    fn an_index_in_memory_rebuilds_too() {
        let index = Arc::new(SearchIndex::in_memory().unwrap());
        index.replace(&[doc(1, "River", "dataset", "2020", true)], &[]).unwrap();
        let mut rebuild = index.begin_rebuild().unwrap();
        rebuild.add(&[doc(1, "River", "dataset", "2020", true), doc(2, "Lake", "dataset", "2020", true)]).unwrap();
        rebuild.settle().unwrap();
        assert!(matches!(rebuild.try_finish().unwrap(), Finish::Done));
        check(&index, SearchRequest::default(), &[2, 1], 2);
    }
}
