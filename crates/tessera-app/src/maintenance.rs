//! Rebuilding derived state from storage, re-indexing, and verifying storage.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use futures::StreamExt;
use tessera_domain::RecordId;
use tessera_ocfl::Inventory;
use tessera_ocfl::validate::Report;

use crate::publish::Loaded;
use crate::{Error, Result, Tessera};

/// How many records a rebuild gathers from storage, at most, before it writes them in one
/// transaction; counted apart from their rows because their documents can be large. The
/// records of one object are never split.
const RECORDS_AT_ONCE: usize = 1_000;
/// How many catalogue rows (records, files, tombstones) a rebuild gathers, likewise.
const ROWS_AT_ONCE: usize = 10_000;

/// How many objects a rebuild reads at once.
const OBJECTS_AT_ONCE: usize = 8;
/// The root inventory size past which a rebuild reads an object alone: eight objects of a
/// hundred thousand files each would hold about 800 MB at once.
const LARGE_INVENTORY: u64 = 1024 * 1024;

/// What a rebuild found at an object root.
enum Found {
    Records(Vec<Loaded>),
    /// Policies are few and small; they are loaded once every record is in.
    Policy(Inventory),
    /// An object too damaged to load, and the highest dataset or record id it names, as far
    /// as it can be read.
    Damaged(Damaged, i64),
}

/// An object a rebuild left out because what it holds is damaged; the rest of storage is
/// loaded without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damaged {
    pub root: String,
    pub reason: String,
}

/// A rebuild's reading of storage, round by round.
#[derive(Default)]
struct Read {
    total: usize,
    done: usize,
    policies: Vec<Inventory>,
    damaged: Vec<Damaged>,
    /// The highest id that damaged objects name, which no new dataset or record may take.
    highest_damaged: i64,
}

impl Read {
    /// The records of the next objects, up to a transaction's worth; empty at the end.
    async fn round(
        &mut self,
        objects: &mut (impl futures::Stream<Item = Result<Found>> + Unpin),
        progress: &mut impl FnMut(usize, usize),
    ) -> Result<Vec<Loaded>> {
        let (mut round, mut rows) = (Vec::new(), 0);
        while rows < ROWS_AT_ONCE && round.len() < RECORDS_AT_ONCE {
            let Some(found) = objects.next().await else { break };
            match found? {
                Found::Records(loaded) => {
                    rows += loaded.iter().map(Loaded::rows).sum::<usize>();
                    round.extend(loaded);
                }
                Found::Policy(inventory) => self.policies.push(inventory),
                Found::Damaged(damaged, highest) => {
                    self.highest_damaged = self.highest_damaged.max(highest);
                    self.damaged.push(damaged);
                }
            }
            self.done += 1;
            progress(self.done, self.total);
        }
        Ok(round)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RebuildReport {
    /// Objects loaded, leaving out the damaged ones.
    pub objects: usize,
    pub records: usize,
    pub damaged: Vec<Damaged>,
}

/// What a whole verification found, in totals: each object's findings go to the caller as the
/// object is checked, so a storage root of millions of objects is verified in bounded memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Objects checked, and folders of the hierarchy that hold none.
    pub objects: usize,
    pub files: u64,
    pub bytes: u64,
    pub errors: usize,
    pub warnings: usize,
}

impl VerifyReport {
    pub fn is_valid(&self) -> bool {
        self.errors == 0
    }

    /// Counts one more object (or empty folder) and its findings.
    pub fn add(&mut self, report: &Report) {
        self.objects += 1;
        self.files += report.files_checked;
        self.bytes += report.bytes_checked;
        let errors = report.errors().count();
        self.errors += errors;
        self.warnings += report.findings.len() - errors;
    }
}

impl Tessera {
    /// Recreates the catalogue's record tables from OCFL storage alone, and the search index
    /// from them.
    /// Users, tokens and drafts are kept. `progress` is called as each object is read.
    /// An object whose content is damaged is left out and named in the report, so one bad
    /// object among millions does not leave the catalogue empty; a failure of storage or the
    /// catalogue as a whole stops the rebuild.
    pub async fn rebuild(&self, mut progress: impl FnMut(usize, usize)) -> Result<RebuildReport> {
        let roots = self.ocfl.object_roots().await?;
        self.catalog.clear_records().await?;
        let drafts = self.catalog.draft_ids().await?.into_iter().collect();
        // Objects are read several at a time, and the next round of them while the records of
        // the last go to the catalogue in one transaction: the disk and the catalogue each
        // have a core.
        let reading = tokio::sync::Semaphore::new(OBJECTS_AT_ONCE);
        let mut objects = futures::stream::iter(&roots).map(|root| self.read_root(root, &drafts, &reading)).buffered(OBJECTS_AT_ONCE);
        let mut read = Read { total: roots.len(), ..Read::default() };
        let mut highest = 0;
        let mut round = read.round(&mut objects, &mut progress).await?;
        while !round.is_empty() {
            let (written, next) = futures::join!(self.write_loaded(round), read.round(&mut objects, &mut progress));
            highest = highest.max(written?);
            round = next?;
        }
        for policy in &read.policies {
            match self.load_policy(policy, Vec::new()).await {
                Err(err) if err.is_damage() => {
                    let root = tessera_ocfl::object_root(&policy.id);
                    read.damaged.push(Damaged { root, reason: err.to_string() });
                }
                loaded => loaded?,
            }
        }
        self.catalog.reserve_ids_through(highest.max(read.highest_damaged)).await?;
        let records = self.reindex(|_| {}).await?;
        self.staging_cleanup().await?;
        Ok(RebuildReport { objects: read.done - read.damaged.len(), records, damaged: read.damaged })
    }

    /// What storage holds at an object root, recovered first from any interrupted commit. A
    /// large object takes every permit of `reading`, a small one one.
    async fn read_root(&self, root: &str, drafts: &HashSet<RecordId>, reading: &tokio::sync::Semaphore) -> Result<Found> {
        let size = self.ocfl.store().size(&format!("{root}/inventory.json")).await?.unwrap_or(0);
        let permits = if size > LARGE_INVENTORY { OBJECTS_AT_ONCE } else { 1 };
        let _reading = reading.acquire_many(permits as u32).await.map_err(std::io::Error::other)?;
        let damaged = |reason: String| Damaged { root: root.to_string(), reason };
        let inventory = match self.ocfl.recover_at(root).await.map_err(Error::from) {
            Ok(Some(inventory)) => inventory,
            Ok(None) => return Ok(Found::Damaged(damaged("it has no inventory".into()), 0)),
            Err(err) if err.is_damage() => return Ok(Found::Damaged(damaged(err.to_string()), 0)),
            Err(err) => return Err(err),
        };
        if inventory.id.starts_with(crate::policies::POLICY_OBJECT_PREFIX) {
            return Ok(Found::Policy(inventory));
        }
        match self.read_object(&inventory, drafts).await {
            Ok(records) => Ok(Found::Records(records)),
            Err(err) if err.is_damage() => Ok(Found::Damaged(damaged(err.to_string()), highest_id_named(&inventory))),
            Err(err) => Err(err),
        }
    }

    async fn staging_cleanup(&self) -> Result<()> {
        self.staging.clean(&self.catalog.draft_ids().await?, &self.catalog.upload_ids().await?).await
    }

    /// Validates every object in storage and recomputes every digest. `found` is told how many
    /// objects there are before any is checked; `each` is told of every object (its root, what
    /// its check found, and how many of how many are done) in the roots' order, and of every
    /// folder of the hierarchy that leads to no object; `hashed` counts the bytes hashed as it
    /// goes, for progress within large objects.
    pub async fn verify(
        &self,
        hashed: &Arc<AtomicU64>,
        found: impl FnOnce(usize),
        mut each: impl FnMut(&str, &Report, usize, usize),
    ) -> Result<VerifyReport> {
        let hierarchy = self.ocfl.hierarchy().await?;
        let roots = hierarchy.roots;
        found(roots.len());
        let mut report = VerifyReport::default();
        for dir in hierarchy.empty {
            let mut finding = Report::default();
            finding.findings.push(tessera_ocfl::Finding {
                severity: tessera_ocfl::validate::Severity::Error,
                code: "E073",
                message: "a folder in the storage hierarchy holds no OCFL object".into(),
            });
            report.add(&finding);
            each(&dir, &finding, 0, roots.len());
        }
        // Several objects at once, so that while one object's inventories are read and checked,
        // or its files wait for the disk, the files of others keep the cores busy. Reports
        // still come in the roots' order.
        let store = self.ocfl.store();
        let mut checked = futures::stream::iter(&roots)
            .map(|root| {
                let store = &store;
                async move {
                    let mut report = tessera_ocfl::validate_object_counting(store.as_ref(), root, hashed).await;
                    tessera_ocfl::check_placement(root, &mut report);
                    (root, report)
                }
            })
            .buffered(tessera_ocfl::checks_at_once() * 2);
        let mut done = 0;
        while let Some((root, object)) = checked.next().await {
            done += 1;
            report.add(&object);
            each(root, &object, done, roots.len());
        }
        Ok(report)
    }
}

/// The highest dataset or record id an object's inventory names: its own id, and the records
/// whose documents its head holds, read from their paths alone.
fn highest_id_named(inventory: &Inventory) -> i64 {
    let dataset = crate::tessera::object_parent(&inventory.id).map(|parent| parent.0);
    let records = inventory
        .head_version()
        .into_iter()
        .flat_map(|head| head.files())
        .filter_map(|(path, _)| path.strip_suffix("/record.json")?.parse().ok());
    dataset.into_iter().chain(records).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use tessera_catalog::Catalog;
    use tessera_domain::ParentId;
    use tessera_ocfl::{FileSource, NewVersion, User, object_root};

    use super::*;
    use crate::tessera::object_id;
    use crate::{RecordDoc, TesseraConfig};

    /// Stores the `record.json` of record `id` at `path` as the next version of dataset
    /// `object`'s OCFL object, the document saying it belongs to dataset `parent`, with
    /// `padding` small files that are no record's.
    async fn store(tessera: &Tessera, object: i64, path: &str, (id, parent): (i64, i64), padding: usize) {
        let doc = RecordDoc::sample(id, parent, 1, &format!("Record {id}"));
        let object = object_id(ParentId(object));
        let base = tessera.ocfl.inventory(&object).await.unwrap().map_or(0, |inventory| inventory.head_number());
        let mut state = vec![(path.into(), FileSource::Bytes(Bytes::from(serde_json::to_vec(&doc).unwrap())))];
        // Long names, so that a large inventory takes few files.
        let name = |n: usize| format!("padding/{n:0>200}").into();
        state.extend((0..padding).map(|n| (name(n), FileSource::Bytes(Bytes::from(n.to_string())))));
        let new = NewVersion {
            base,
            state,
            message: "stored by a test".into(),
            user: User { name: "Tester".into(), address: None },
            created: time::OffsetDateTime::now_utc(),
            read: None,
            by_digest: None,
        };
        tessera.ocfl.commit(&object, new).await.unwrap();
    }

    /// A rebuild takes each record from the object of its own dataset, under its own id, and
    /// leaves out an object where one is found anywhere else (written to the catalogue, it
    /// would take the place of the record it names), or whose content is missing, naming it
    /// and loading the rest. An object with a large inventory is read alone, between the others.
    #[tokio::test]
    async fn a_rebuild_leaves_out_a_damaged_object_and_loads_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let connect = |name: &str| {
            let url = format!("sqlite:{}", dir.path().join(name).display());
            async move { Catalog::connect(&url).await }
        };
        let store_root = Arc::new(tessera_storage::LocalStore::new(dir.path().join("ocfl")).unwrap());
        let tessera =
            Tessera::open(connect("catalog.db").await.unwrap(), store_root.clone(), TesseraConfig::in_folder(dir.path())).await.unwrap();
        for parent in (1..20).step_by(2) {
            store(&tessera, parent, &format!("{}/record.json", parent + 1), (parent + 1, parent), 0).await;
        }
        store(&tessera, 21, "22/record.json", (22, 21), 1_600).await;
        let large = tessera.ocfl.store().size(&format!("{}/inventory.json", object_root(&object_id(ParentId(21))))).await.unwrap();
        assert!(large > Some(LARGE_INVENTORY), "{large:?}");
        let report = tessera.rebuild(|_, _| {}).await.unwrap();
        assert_eq!(report, RebuildReport { objects: 11, records: 11, damaged: Vec::new() });

        let root_of = |parent: i64| object_root(&object_id(ParentId(parent)));
        let left_out = |parent: i64, reason: &str| vec![Damaged { root: root_of(parent), reason: reason.into() }];
        let parent_of = |id: i64| {
            let catalog = tessera.catalog.clone();
            async move { catalog.record(RecordId(id)).await.unwrap().map(|record| record.parent_id.0) }
        };
        store(&tessera, 5, "2/record.json", (2, 1), 0).await;
        let report = tessera.rebuild(|_, _| {}).await.unwrap();
        let reason = "a stored document is unreadable: 2/record.json in urn:tessera:parent:5 is record 2 of dataset 1";
        assert_eq!(report, RebuildReport { objects: 10, records: 10, damaged: left_out(5, reason) }, "another dataset's record");
        assert_eq!((parent_of(2).await, parent_of(6).await), (Some(1), None));

        store(&tessera, 5, "6/record.json", (2, 5), 0).await;
        let report = tessera.rebuild(|_, _| {}).await.unwrap();
        let reason = "a stored document is unreadable: 6/record.json in urn:tessera:parent:5 is record 2 of dataset 5";
        assert_eq!(report.damaged, left_out(5, reason), "a record under another id");

        // The object with the highest ids loses its record's content. A catalogue made anew
        // from storage still gives out no id the object names.
        store(&tessera, 5, "6/record.json", (6, 5), 0).await;
        store(&tessera, 41, "42/record.json", (42, 41), 0).await;
        let inventory = tessera.ocfl.inventory(&object_id(ParentId(41))).await.unwrap().unwrap();
        let content = tessera.ocfl.content_key(&inventory, 1, "42/record.json").unwrap();
        std::fs::remove_file(dir.path().join("ocfl").join(&content)).unwrap();
        let fresh = Tessera::open(connect("fresh.db").await.unwrap(), store_root, TesseraConfig::in_folder(dir.path())).await.unwrap();
        let report = fresh.rebuild(|_, _| {}).await.unwrap();
        let reason = format!("OCFL storage failed: no object at '{content}'");
        assert_eq!(report, RebuildReport { objects: 11, records: 11, damaged: left_out(41, &reason) }, "a file missing");
        assert_eq!(fresh.catalog.next_id().await.unwrap(), 43);
    }
}
