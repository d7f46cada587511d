//! Counts for the organizations' dashboards: deposits and downloads by month, and the bytes
//! each organization keeps in storage.

use sqlx::Row;
use tessera_domain::{OrgId, ParentId};

use super::{Catalog, Pool};
use crate::Result;
use crate::catalog::BeginWrite;

/// Counts by month (`2026-11`), oldest first.
type Monthly = Vec<(String, i64)>;

impl Catalog {
    /// Adds downloads to each dataset's count for a month, and to its organization's, in one
    /// transaction.
    pub async fn add_downloads(&self, counts: &[(ParentId, String, i64)]) -> Result<()> {
        let dataset = "INSERT INTO download_counts (parent_id, month, downloads) VALUES ($1, $2, $3) \
                       ON CONFLICT (parent_id, month) DO UPDATE SET downloads = download_counts.downloads + excluded.downloads";
        let organization = "INSERT INTO org_monthly (org_id, month, versions, downloads) \
                            SELECT COALESCE(MAX(org_id), ''), $2, 0, $3 FROM records WHERE parent_id = $1 \
                            ON CONFLICT (org_id, month) DO UPDATE SET downloads = org_monthly.downloads + excluded.downloads";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (parent, month, downloads) in counts {
                for sql in [dataset, organization] {
                    sqlx::query(sql).bind(parent.0).bind(month).bind(downloads).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Versions an organization published in each month from `since` (`2026-01`) on.
    pub async fn monthly_deposits(&self, org: &OrgId, since: &str) -> Result<Monthly> {
        self.monthly("versions", org, since).await
    }

    /// Downloads of an organization's datasets in each month from `since` on.
    pub async fn monthly_downloads(&self, org: &OrgId, since: &str) -> Result<Monthly> {
        self.monthly("downloads", org, since).await
    }

    /// `column` is one of org_monthly's counts, never input.
    async fn monthly(&self, column: &'static str, org: &OrgId, since: &str) -> Result<Monthly> {
        let sql = format!("SELECT month, {column} AS n FROM org_monthly WHERE org_id = $1 AND month >= $2 AND {column} > 0 ORDER BY month");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(org.as_str()).bind(since).fetch_all(pool).await?;
            rows.iter().map(|row| Ok((row.try_get("month")?, row.try_get("n")?))).collect()
        })
    }

    /// The bytes each organization keeps (None: datasets of no organization) and in how many
    /// files; a file kept unchanged in several versions is stored, and counted, once.
    pub async fn storage_by_org(&self) -> Result<Vec<(Option<OrgId>, i64, i64)>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT org_id, bytes, files FROM org_storage ORDER BY org_id").fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let org: String = row.try_get("org_id")?;
                    Ok(((!org.is_empty()).then_some(OrgId(org)), row.try_get("bytes")?, row.try_get("files")?))
                })
                .collect()
        })
    }
}
