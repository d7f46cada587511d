//! Rebuilding derived state from storage, re-indexing, and verifying storage.

use tessera_ocfl::validate::Report;

use crate::{Error, Result, Tessera};

/// Records indexed per commit when the whole index is filled.
const REINDEX_PAGE: i64 = 2000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub objects: usize,
    pub records: usize,
}

#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Each object root with what its validation found.
    pub objects: Vec<(String, Report)>,
}

impl VerifyReport {
    pub fn is_valid(&self) -> bool {
        self.objects.iter().all(|(_, report)| report.is_valid())
    }
}

impl Tessera {
    /// Recreates the catalogue's record tables and the search index from OCFL storage alone.
    /// Users, tokens and drafts are kept. `progress` is called after each object.
    pub async fn rebuild(&self, mut progress: impl FnMut(usize, usize)) -> Result<RebuildReport> {
        let roots = self.ocfl.object_roots().await?;
        self.catalog.clear_records().await?;
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.clear()).await.map_err(std::io::Error::other)??;
        let mut report = RebuildReport::default();
        let mut highest = 0;
        for (done, root) in roots.iter().enumerate() {
            let inventory =
                self.ocfl.inventory_at(root).await?.ok_or_else(|| Error::Corrupt(format!("object root {root} has no inventory")))?;
            let inventory = self.ocfl.recover(&inventory.id).await?.unwrap_or(inventory);
            if inventory.id.starts_with(crate::policies::POLICY_OBJECT_PREFIX) {
                self.load_policy(&inventory).await?;
            } else {
                highest = highest.max(self.load_object(&inventory).await?);
            }
            report.objects += 1;
            progress(done + 1, roots.len());
        }
        self.catalog.reserve_ids_through(highest).await?;
        report.records = self.reindex().await?;
        self.staging_cleanup().await?;
        Ok(report)
    }

    /// Fills the search index from the catalogue in pages, one index commit per page, with
    /// Tessera's records and then harvested ones; returns how many records it indexed.
    pub async fn reindex(&self) -> Result<usize> {
        let mut after = 0;
        let mut count = 0;
        loop {
            let ids = self.catalog.record_ids_after(after, REINDEX_PAGE).await?;
            let Some(last) = ids.last() else { break };
            after = last.0;
            let views = self.record_views(self.catalog.records_by_ids(&ids).await?).await?;
            count += views.len();
            self.index_views(views).await?;
        }
        count += self.reindex_remote(REINDEX_PAGE).await?;
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.compact()).await.map_err(std::io::Error::other)??;
        Ok(count)
    }

    async fn staging_cleanup(&self) -> Result<()> {
        self.staging.clean(&self.catalog.draft_ids().await?, &self.catalog.upload_ids().await?).await
    }

    /// Validates every object in storage and recomputes every digest.
    pub async fn verify(&self, mut progress: impl FnMut(usize, usize, &str)) -> Result<VerifyReport> {
        let roots = self.ocfl.object_roots().await?;
        let mut report = VerifyReport::default();
        for dir in self.ocfl.empty_hierarchy_dirs().await? {
            let mut finding = Report::default();
            finding.findings.push(tessera_ocfl::Finding {
                severity: tessera_ocfl::validate::Severity::Error,
                code: "E073",
                message: "a folder in the storage hierarchy holds no OCFL object".into(),
            });
            report.objects.push((dir, finding));
        }
        for (done, root) in roots.iter().enumerate() {
            let object = tessera_ocfl::validate_object(self.ocfl.store().as_ref(), root).await;
            progress(done + 1, roots.len(), root);
            report.objects.push((root.clone(), object));
        }
        Ok(report)
    }
}
