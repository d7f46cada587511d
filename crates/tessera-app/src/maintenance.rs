//! Rebuilding derived state from storage, re-indexing, and verifying storage.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use futures::StreamExt;
use tessera_ocfl::validate::Report;

use crate::publish::Loaded;
use crate::{Error, Result, Tessera};

/// How many records a rebuild gathers from storage, at most, before it writes them in one
/// transaction; counted apart from their rows because their documents can be large. The
/// records of one object are never split.
const RECORDS_AT_ONCE: usize = 1_000;
/// How many catalogue rows (records, files, tombstones) a rebuild gathers, likewise.
const ROWS_AT_ONCE: usize = 10_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub objects: usize,
    pub records: usize,
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
    /// Users, tokens and drafts are kept. `progress` is called after each object.
    pub async fn rebuild(&self, mut progress: impl FnMut(usize, usize)) -> Result<RebuildReport> {
        let roots = self.ocfl.object_roots().await?;
        self.catalog.clear_records().await?;
        let mut report = RebuildReport::default();
        let mut highest = 0;
        // Records of several objects go to the catalogue in one transaction.
        let (mut pending, mut rows) = (Vec::new(), 0);
        let drafts = self.catalog.draft_ids().await?.into_iter().collect();
        for (done, root) in roots.iter().enumerate() {
            let inventory =
                self.ocfl.inventory_at(root).await?.ok_or_else(|| Error::Corrupt(format!("object root {root} has no inventory")))?;
            let inventory = self.ocfl.recover(&inventory.id).await?.unwrap_or(inventory);
            if inventory.id.starts_with(crate::policies::POLICY_OBJECT_PREFIX) {
                self.load_policy(&inventory, Vec::new()).await?;
            } else {
                let loaded = self.read_object(&inventory, &drafts).await?;
                rows += loaded.iter().map(Loaded::rows).sum::<usize>();
                pending.extend(loaded);
                if rows >= ROWS_AT_ONCE || pending.len() >= RECORDS_AT_ONCE {
                    highest = highest.max(self.write_loaded(std::mem::take(&mut pending)).await?);
                    rows = 0;
                }
            }
            report.objects += 1;
            progress(done + 1, roots.len());
        }
        highest = highest.max(self.write_loaded(pending).await?);
        self.catalog.reserve_ids_through(highest).await?;
        report.records = self.reindex(|_| {}).await?;
        self.staging_cleanup().await?;
        Ok(report)
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
                async move { (root, tessera_ocfl::validate_object_counting(store.as_ref(), root, hashed).await) }
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
