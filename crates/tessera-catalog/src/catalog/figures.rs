//! Counts for the organizations' dashboards: deposits and downloads by month, and the bytes
//! each organization keeps in storage.

use sqlx::Row;
use tessera_domain::{OrgId, ParentId};

use super::{Catalog, Pool};
use crate::Result;

/// Counts by month (`2026-11`), oldest first.
type Monthly = Vec<(String, i64)>;

impl Catalog {
    /// Adds downloads to each dataset's count for a month, in one transaction.
    pub async fn add_downloads(&self, counts: &[(ParentId, String, i64)]) -> Result<()> {
        let sql = "INSERT INTO download_counts (parent_id, month, downloads) VALUES ($1, $2, $3) \
                   ON CONFLICT (parent_id, month) DO UPDATE SET downloads = download_counts.downloads + excluded.downloads";
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (parent, month, downloads) in counts {
                sqlx::query(sql).bind(parent.0).bind(month).bind(downloads).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Versions an organization published in each month from `since` (`2026-01`) on.
    pub async fn monthly_deposits(&self, org: &OrgId, since: &str) -> Result<Monthly> {
        let sql = "SELECT substr(created, 1, 7) AS month, COUNT(*) AS n FROM records WHERE org_id = $1 AND created >= $2 \
                   GROUP BY substr(created, 1, 7) ORDER BY month";
        self.monthly(sql, org, since).await
    }

    /// Downloads of an organization's datasets in each month from `since` on.
    pub async fn monthly_downloads(&self, org: &OrgId, since: &str) -> Result<Monthly> {
        let sql = "SELECT month, CAST(SUM(downloads) AS BIGINT) AS n FROM download_counts \
                   WHERE parent_id IN (SELECT parent_id FROM records WHERE org_id = $1) AND month >= $2 GROUP BY month ORDER BY month";
        self.monthly(sql, org, since).await
    }

    async fn monthly(&self, sql: &str, org: &OrgId, since: &str) -> Result<Monthly> {
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(org.as_str()).bind(since).fetch_all(pool).await?;
            rows.iter().map(|row| Ok((row.try_get("month")?, row.try_get("n")?))).collect()
        })
    }

    /// The bytes each organization keeps (None: datasets of no organization) and in how many
    /// files; a file kept unchanged in several versions is stored, and counted, once.
    pub async fn storage_by_org(&self) -> Result<Vec<(Option<OrgId>, i64, i64)>> {
        let sql = "SELECT org_id, CAST(SUM(size) AS BIGINT) AS bytes, COUNT(*) AS files FROM \
                   (SELECT DISTINCT r.org_id, f.content_key, f.size FROM record_files f JOIN records r ON r.id = f.record_id) AS stored \
                   GROUP BY org_id ORDER BY org_id";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter()
                .map(|row| Ok((row.try_get::<Option<String>, _>("org_id")?.map(OrgId), row.try_get("bytes")?, row.try_get("files")?)))
                .collect()
        })
    }
}
