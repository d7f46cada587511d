//! Stewards' checks of sampled restricted downloads.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{OrgId, UserId};

use super::{Catalog, Pool};
use crate::Result;
use crate::rows::CheckRow;

const CHECK_COLUMNS: &str = "seq, org_id, checked_by, checked, verdict, finding";

macro_rules! check_row {
    ($row:expr) => {
        CheckRow {
            seq: $row.try_get("seq")?,
            org_id: OrgId($row.try_get("org_id")?),
            checked_by: $row.try_get::<Option<i64>, _>("checked_by")?.map(UserId),
            checked: $row.try_get("checked")?,
            verdict: $row.try_get("verdict")?,
            finding: $row.try_get("finding")?,
        }
    };
}

impl Catalog {
    /// Records a check; false if that entry was checked already.
    pub async fn insert_check(&self, c: &CheckRow, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "INSERT INTO download_checks (seq, org_id, checked_by, checked, verdict, finding) VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (seq) DO NOTHING";
        update_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(c.seq)
                .bind(c.org_id.as_str())
                .bind(c.checked_by.map(|u| u.0))
                .bind(&c.checked)
                .bind(&c.verdict)
                .bind(&c.finding)
        )
    }

    /// Every check of an organization's downloads, oldest first.
    pub async fn checks_of(&self, org: &OrgId) -> Result<Vec<CheckRow>> {
        rows_of!(
            self,
            format!("SELECT {CHECK_COLUMNS} FROM download_checks WHERE org_id = $1 ORDER BY checked, seq"),
            check_row,
            org.as_str()
        )
    }
}
