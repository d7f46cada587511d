//! Retention schedules, legal holds and deletion requests.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{OrgId, ParentId, RecordId, UserId};

use super::{Catalog, Pool};
use crate::Result;
use crate::rows::{DeletedFileRow, DeletionRequestRow, HoldRow, ScheduleRow};

const SCHEDULE_COLUMNS: &str = "id, org_id, data_class, years, anchor, action, note, created_by, created";
const HOLD_COLUMNS: &str = "id, parent_id, reason, placed_by, placed, released_by, released";
const DELETION_COLUMNS: &str = "id, record_id, parent_id, requested_by, reason, status, decided_by, decided, note, created";

macro_rules! schedule_row {
    ($row:expr) => {
        ScheduleRow {
            id: $row.try_get("id")?,
            org_id: $row.try_get::<Option<String>, _>("org_id")?.map(OrgId),
            data_class: $row.try_get("data_class")?,
            years: $row.try_get("years")?,
            anchor: $row.try_get("anchor")?,
            action: $row.try_get("action")?,
            note: $row.try_get("note")?,
            created_by: $row.try_get::<Option<i64>, _>("created_by")?.map(UserId),
            created: $row.try_get("created")?,
        }
    };
}

macro_rules! deleted_file_row {
    ($row:expr) => {
        DeletedFileRow {
            key: $row.try_get("key")?,
            deletion: $row.try_get("deletion")?,
            size: $row.try_get("size")?,
            md5: $row.try_get("md5")?,
            sha512: $row.try_get::<String, _>("sha512")?.into(),
        }
    };
}

macro_rules! hold_row {
    ($row:expr) => {
        HoldRow {
            id: $row.try_get("id")?,
            parent_id: ParentId($row.try_get("parent_id")?),
            reason: $row.try_get("reason")?,
            placed_by: $row.try_get::<Option<i64>, _>("placed_by")?.map(UserId),
            placed: $row.try_get("placed")?,
            released_by: $row.try_get::<Option<i64>, _>("released_by")?.map(UserId),
            released: $row.try_get("released")?,
        }
    };
}

macro_rules! deletion_row {
    ($row:expr) => {
        DeletionRequestRow {
            id: $row.try_get("id")?,
            record_id: RecordId($row.try_get("record_id")?),
            parent_id: ParentId($row.try_get("parent_id")?),
            requested_by: $row.try_get::<Option<i64>, _>("requested_by")?.map(UserId),
            reason: $row.try_get("reason")?,
            status: $row.try_get("status")?,
            decided_by: $row.try_get::<Option<i64>, _>("decided_by")?.map(UserId),
            decided: $row.try_get("decided")?,
            note: $row.try_get("note")?,
            created: $row.try_get("created")?,
        }
    };
}

impl Catalog {
    /// Adds a schedule, with the audit entries `audit` makes for its id, in one transaction.
    pub async fn insert_schedule(&self, s: &ScheduleRow, audit: impl FnOnce(i64) -> Vec<AuditEntry>) -> Result<i64> {
        let sql = "INSERT INTO retention_schedules (org_id, data_class, years, anchor, action, note, created_by, created) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        insert_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(s.org_id.as_ref().map(OrgId::as_str))
                .bind(&s.data_class)
                .bind(s.years)
                .bind(&s.anchor)
                .bind(&s.action)
                .bind(&s.note)
                .bind(s.created_by.map(|u| u.0))
                .bind(&s.created)
        )
    }

    pub async fn schedules(&self) -> Result<Vec<ScheduleRow>> {
        rows_of!(self, format!("SELECT {SCHEDULE_COLUMNS} FROM retention_schedules ORDER BY id"), schedule_row)
    }

    pub async fn schedule(&self, id: i64) -> Result<Option<ScheduleRow>> {
        let rows: Vec<ScheduleRow> =
            rows_of!(self, format!("SELECT {SCHEDULE_COLUMNS} FROM retention_schedules WHERE id = $1"), schedule_row, id)?;
        Ok(rows.into_iter().next())
    }

    /// Removes a schedule and appends `audit`, in one transaction; false, with no entry, when
    /// there is no such schedule.
    pub async fn delete_schedule(&self, id: i64, audit: Vec<AuditEntry>) -> Result<bool> {
        update_audited!(self, audit, sqlx::query("DELETE FROM retention_schedules WHERE id = $1").bind(id))
    }

    /// Places a hold, with the audit entries `audit` makes for it, in one transaction.
    pub async fn place_hold(
        &self,
        parent: ParentId,
        reason: &str,
        by: Option<UserId>,
        at: &str,
        audit: impl FnOnce(i64) -> Vec<AuditEntry>,
    ) -> Result<i64> {
        let sql = "INSERT INTO legal_holds (parent_id, reason, placed_by, placed) VALUES ($1, $2, $3, $4) RETURNING id";
        insert_audited!(self, audit, sqlx::query(sql).bind(parent.0).bind(reason).bind(by.map(|u| u.0)).bind(at))
    }

    /// Lifts a hold still in force and appends `audit`; false if there is none with this id.
    pub async fn release_hold(&self, id: i64, by: Option<UserId>, at: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "UPDATE legal_holds SET released = $1, released_by = $2 WHERE id = $3 AND released IS NULL";
        update_audited!(self, audit, sqlx::query(sql).bind(at).bind(by.map(|u| u.0)).bind(id))
    }

    pub async fn hold(&self, id: i64) -> Result<Option<HoldRow>> {
        let rows: Vec<HoldRow> = rows_of!(self, format!("SELECT {HOLD_COLUMNS} FROM legal_holds WHERE id = $1"), hold_row, id)?;
        Ok(rows.into_iter().next())
    }

    /// Every hold still in force, on any dataset.
    pub async fn active_holds(&self) -> Result<Vec<HoldRow>> {
        rows_of!(self, format!("SELECT {HOLD_COLUMNS} FROM legal_holds WHERE released IS NULL ORDER BY id"), hold_row)
    }

    /// Every hold on a dataset, lifted or not, oldest first.
    pub async fn holds_of_parent(&self, parent: ParentId) -> Result<Vec<HoldRow>> {
        rows_of!(self, format!("SELECT {HOLD_COLUMNS} FROM legal_holds WHERE parent_id = $1 ORDER BY id"), hold_row, parent.0)
    }

    /// Files a deletion request, with the audit entries `audit` makes for its id, in one
    /// transaction.
    pub async fn insert_deletion_request(&self, r: &DeletionRequestRow, audit: impl FnOnce(i64) -> Vec<AuditEntry>) -> Result<i64> {
        let sql = "INSERT INTO deletion_requests (record_id, parent_id, requested_by, reason, status, created) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        insert_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(r.record_id.0)
                .bind(r.parent_id.0)
                .bind(r.requested_by.map(|u| u.0))
                .bind(&r.reason)
                .bind(&r.status)
                .bind(&r.created)
        )
    }

    pub async fn deletion_request(&self, id: i64) -> Result<Option<DeletionRequestRow>> {
        let rows: Vec<DeletionRequestRow> =
            rows_of!(self, format!("SELECT {DELETION_COLUMNS} FROM deletion_requests WHERE id = $1"), deletion_row, id)?;
        Ok(rows.into_iter().next())
    }

    pub async fn deletion_requests_of_record(&self, record: RecordId) -> Result<Vec<DeletionRequestRow>> {
        rows_of!(self, format!("SELECT {DELETION_COLUMNS} FROM deletion_requests WHERE record_id = $1 ORDER BY id"), deletion_row, record.0)
    }

    pub async fn pending_deletion_requests(&self) -> Result<Vec<DeletionRequestRow>> {
        rows_of!(self, format!("SELECT {DELETION_COLUMNS} FROM deletion_requests WHERE status = 'pending' ORDER BY id"), deletion_row)
    }

    /// Records a curator's decision on a request still pending, and `audit`; false if it was
    /// decided already.
    pub async fn decide_deletion_request(
        &self,
        id: i64,
        status: &str,
        by: UserId,
        at: &str,
        note: Option<&str>,
        audit: Vec<AuditEntry>,
    ) -> Result<bool> {
        let sql = "UPDATE deletion_requests SET status = $1, decided_by = $2, decided = $3, note = $4 WHERE id = $5 AND status = 'pending'";
        update_audited!(self, audit, sqlx::query(sql).bind(status).bind(by.0).bind(at).bind(note).bind(id))
    }

    /// Drops, from the drafts of a dataset, files carried over from storage whose content a
    /// purge erased: they can no longer be published.
    pub async fn drop_carried_draft_files(&self, parent: ParentId, sha512s: &[impl AsRef<str>]) -> Result<u64> {
        let mut dropped = 0;
        // A thousand digests a statement: deleting every file of a large record erases as many.
        for chunk in sha512s.chunks(super::INSERT_BATCH) {
            dropped += on_pool!(self, pool => {
                let mut delete = sqlx::QueryBuilder::new("DELETE FROM draft_files WHERE staged = ");
                delete.push_bind(false).push(" AND draft_id IN (SELECT id FROM drafts WHERE parent_id = ").push_bind(parent.0);
                delete.push(") AND sha512 IN (");
                let mut digests = delete.separated(", ");
                for sha512 in chunk {
                    digests.push_bind(sha512.as_ref());
                }
                delete.push(")");
                delete.build().execute(pool).await?.rows_affected()
            });
        }
        Ok(dropped)
    }

    /// The tombstone of file `key` of a record, if that file was deleted.
    pub async fn deleted_file(&self, record: RecordId, key: &str) -> Result<Option<DeletedFileRow>> {
        let sql = "SELECT key, deletion, size, md5, sha512 FROM deleted_files WHERE record_id = $1 AND key = $2";
        on_pool!(self, pool => match sqlx::query(sql).bind(record.0).bind(key).fetch_optional(pool).await? {
            Some(row) => Ok(Some(deleted_file_row!(row))),
            None => Ok(None),
        })
    }

    /// Up to `limit` tombstones of a record's deleted files from the `offset`th, by deletion
    /// and then key.
    pub async fn deleted_files(&self, record: RecordId, offset: i64, limit: i64) -> Result<Vec<DeletedFileRow>> {
        // By position, not OFFSET: a late page costs what the first does.
        let sql =
            "SELECT key, deletion, size, md5, sha512 FROM deleted_files WHERE record_id = $1 AND ordinal >= $2 ORDER BY ordinal LIMIT $3";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(record.0).bind(offset).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(deleted_file_row!(row))).collect()
        })
    }
}
