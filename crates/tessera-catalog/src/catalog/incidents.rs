//! Problems reported with records, and takedowns.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{ParentId, RecordId, UserId};

use super::{Catalog, Pool};
use crate::Result;
use crate::catalog::BeginWrite;
use crate::rows::{ReportRow, TakedownRow};

const REPORT_COLUMNS: &str =
    "id, record_id, parent_id, kind, description, reporter_id, reporter_email, status, outcome, note, created, updated";
const TAKEDOWN_COLUMNS: &str = "id, parent_id, report_id, reason, placed_by, placed, lifted_by, lifted, outcome";

macro_rules! report_row {
    ($row:expr) => {
        ReportRow {
            id: $row.try_get("id")?,
            record_id: RecordId($row.try_get("record_id")?),
            parent_id: ParentId($row.try_get("parent_id")?),
            kind: $row.try_get("kind")?,
            description: $row.try_get("description")?,
            reporter_id: $row.try_get::<Option<i64>, _>("reporter_id")?.map(UserId),
            reporter_email: $row.try_get("reporter_email")?,
            status: $row.try_get("status")?,
            outcome: $row.try_get("outcome")?,
            note: $row.try_get("note")?,
            created: $row.try_get("created")?,
            updated: $row.try_get("updated")?,
        }
    };
}

macro_rules! takedown_row {
    ($row:expr) => {
        TakedownRow {
            id: $row.try_get("id")?,
            parent_id: ParentId($row.try_get("parent_id")?),
            report_id: $row.try_get("report_id")?,
            reason: $row.try_get("reason")?,
            placed_by: $row.try_get::<Option<i64>, _>("placed_by")?.map(UserId),
            placed: $row.try_get("placed")?,
            lifted_by: $row.try_get::<Option<i64>, _>("lifted_by")?.map(UserId),
            lifted: $row.try_get("lifted")?,
            outcome: $row.try_get("outcome")?,
        }
    };
}

impl Catalog {
    /// Files a report, with the audit entries `audit` makes for its id, in one transaction.
    pub async fn insert_report(&self, r: &ReportRow, audit: impl FnOnce(i64) -> Vec<AuditEntry>) -> Result<i64> {
        let sql = "INSERT INTO incident_reports (record_id, parent_id, kind, description, reporter_id, reporter_email, status, created, updated) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
        insert_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(r.record_id.0)
                .bind(r.parent_id.0)
                .bind(&r.kind)
                .bind(&r.description)
                .bind(r.reporter_id.map(|u| u.0))
                .bind(&r.reporter_email)
                .bind(&r.status)
                .bind(&r.created)
                .bind(&r.updated)
        )
    }

    pub async fn report(&self, id: i64) -> Result<Option<ReportRow>> {
        Ok(rows_of!(self, format!("SELECT {REPORT_COLUMNS} FROM incident_reports WHERE id = $1"), report_row, id)?.pop())
    }

    /// Reports not yet closed, oldest first.
    pub async fn open_reports(&self) -> Result<Vec<ReportRow>> {
        rows_of!(self, format!("SELECT {REPORT_COLUMNS} FROM incident_reports WHERE status <> 'closed' ORDER BY id"), report_row)
    }

    /// Moves a report on; false if it was closed already.
    /// Moves a report that is not closed and appends `audit`, in one transaction; false, with
    /// no entry, when it is closed or gone.
    pub async fn update_report(
        &self,
        id: i64,
        (status, outcome, note): (&str, Option<&str>, Option<&str>),
        at: &str,
        audit: Vec<AuditEntry>,
    ) -> Result<bool> {
        let sql = "UPDATE incident_reports SET status = $1, outcome = $2, note = $3, updated = $4 WHERE id = $5 AND status <> 'closed'";
        update_audited!(self, audit, sqlx::query(sql).bind(status).bind(outcome).bind(note).bind(at).bind(id))
    }

    /// Takes a dataset down, with the audit entries `audit` makes for it, in one transaction
    /// that also tells OAI-PMH harvesters its versions are deleted.
    pub async fn place_takedown(
        &self,
        parent: ParentId,
        report: Option<i64>,
        reason: &str,
        by: Option<UserId>,
        at: &str,
        audit: impl FnOnce(i64) -> Vec<AuditEntry>,
    ) -> Result<i64> {
        let sql = "INSERT INTO takedowns (parent_id, report_id, reason, placed_by, placed) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query(sql).bind(parent.0).bind(report).bind(reason).bind(by.map(|u| u.0)).bind(at).fetch_one(&mut *tx).await?.try_get("id")?;
            let versions = versions_in_tx!(tx, parent);
            touch_oai_in_tx!(tx, &versions, None, |_| at);
            commit_audited!(tx, audit(id));
            self.downloads.changed();
            Ok(id)
        })
    }

    /// The takedown in force on a dataset, if any.
    pub async fn active_takedown(&self, parent: ParentId) -> Result<Option<TakedownRow>> {
        let sql = format!("SELECT {TAKEDOWN_COLUMNS} FROM takedowns WHERE parent_id = $1 AND lifted IS NULL ORDER BY id");
        Ok(rows_of!(self, sql, takedown_row, parent.0)?.pop())
    }

    /// Every dataset under a takedown now.
    pub async fn taken_down_parents(&self) -> Result<Vec<ParentId>> {
        let sql = "SELECT DISTINCT parent_id FROM takedowns WHERE lifted IS NULL ORDER BY parent_id";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(ParentId(row.try_get("parent_id")?))).collect()
        })
    }

    /// Ends a takedown with its outcome, appends `audit` and brings the versions back to
    /// harvesters, in one transaction; false if none was in force.
    pub async fn lift_takedown(
        &self,
        parent: ParentId,
        outcome: &str,
        by: Option<UserId>,
        at: &str,
        audit: Vec<AuditEntry>,
    ) -> Result<bool> {
        let sql = "UPDATE takedowns SET lifted = $1, lifted_by = $2, outcome = $3 WHERE parent_id = $4 AND lifted IS NULL";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if sqlx::query(sql).bind(at).bind(by.map(|u| u.0)).bind(outcome).bind(parent.0).execute(&mut *tx).await?.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            let versions = versions_in_tx!(tx, parent);
            touch_oai_in_tx!(tx, &versions, None, |_| at);
            commit_audited!(tx, audit);
            self.downloads.changed();
            Ok(true)
        })
    }
}
