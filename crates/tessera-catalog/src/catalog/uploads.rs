//! Resumable uploads: how much of each has arrived, and the moment one becomes a draft's file.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{RecordId, UserId};

use super::{Catalog, DRAFT_FILE_COLUMNS, Pool, is_unique_violation};
use crate::catalog::BeginWrite;
use crate::rows::{DraftFileRow, UploadRow};
use crate::{Error, Result};

const UPLOAD_COLUMNS: &str = "id, owner_id, draft_id, key, length, received, metadata, created, expires, completed, part_size";

macro_rules! upload_row {
    ($row:expr) => {
        UploadRow {
            id: $row.try_get("id")?,
            owner_id: UserId($row.try_get("owner_id")?),
            draft_id: RecordId($row.try_get("draft_id")?),
            key: $row.try_get("key")?,
            length: $row.try_get("length")?,
            received: $row.try_get("received")?,
            metadata: $row.try_get("metadata")?,
            created: $row.try_get("created")?,
            expires: $row.try_get("expires")?,
            completed: $row.try_get("completed")?,
            part_size: $row.try_get("part_size")?,
        }
    };
}

pub(super) fn insert_upload_sql() -> String {
    format!("INSERT INTO uploads ({UPLOAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
}

/// Binds an upload's columns to `insert_upload_sql`, on either engine.
macro_rules! bind_upload {
    ($query:expr, $u:expr) => {
        $query
            .bind(&$u.id)
            .bind($u.owner_id.0)
            .bind($u.draft_id.0)
            .bind(&$u.key)
            .bind($u.length)
            .bind($u.received)
            .bind(&$u.metadata)
            .bind(&$u.created)
            .bind(&$u.expires)
            .bind(&$u.completed)
            .bind($u.part_size)
    };
}
pub(super) use bind_upload;

impl Catalog {
    pub async fn insert_upload(&self, u: &UploadRow) -> Result<()> {
        on_pool!(self, pool => bind_upload!(sqlx::query(&insert_upload_sql()), u).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// The unfinished multipart transfer of a draft's file.
    pub async fn multipart_upload(&self, draft: RecordId, key: &str) -> Result<Option<UploadRow>> {
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE draft_id = $1 AND key = $2 AND part_size IS NOT NULL AND completed IS NULL"
        );
        on_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(draft.0).bind(key).fetch_optional(pool).await?;
            row.map(|row| Ok(upload_row!(row))).transpose()
        })
    }

    /// Every unfinished multipart transfer of a draft, for its file list.
    pub async fn multipart_uploads(&self, draft: RecordId) -> Result<Vec<UploadRow>> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE draft_id = $1 AND part_size IS NOT NULL AND completed IS NULL");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(draft.0).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(upload_row!(row))).collect()
        })
    }

    /// Records that a part arrived whole (again, if it was sent before), and pushes the
    /// upload's expiry back.
    pub async fn record_part(&self, upload: &str, part: i64, size: i64, expires: &str) -> Result<()> {
        let insert = "INSERT INTO upload_parts (upload_id, part, size) VALUES ($1, $2, $3) \
                      ON CONFLICT (upload_id, part) DO UPDATE SET size = excluded.size";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(insert).bind(upload).bind(part).bind(size).execute(&mut *tx).await?;
            sqlx::query("UPDATE uploads SET expires = $2 WHERE id = $1").bind(upload).bind(expires).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The numbers of the parts that have arrived, in order.
    pub async fn upload_parts(&self, upload: &str) -> Result<Vec<i64>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT part FROM upload_parts WHERE upload_id = $1 ORDER BY part").bind(upload).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(row.try_get("part")?)).collect()
        })
    }

    pub async fn upload(&self, id: &str) -> Result<Option<UploadRow>> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1");
        on_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
            row.map(|row| Ok(upload_row!(row))).transpose()
        })
    }

    /// Records that `received` bytes are durable, and pushes the expiry back.
    pub async fn set_upload_received(&self, id: &str, received: i64, expires: &str) -> Result<()> {
        let sql = "UPDATE uploads SET received = $2, expires = $3 WHERE id = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(id).bind(received).bind(expires).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Makes a finished upload the draft's file `file.key` (declaring the key if the draft has
    /// no such file yet), marks the upload complete and appends `audit`, in one transaction.
    /// Refused, with nothing written, when the draft's file of that key is already committed.
    pub async fn complete_upload(&self, upload: &UploadRow, file: &DraftFileRow, audit: Vec<AuditEntry>) -> Result<()> {
        let mark = "UPDATE uploads SET received = length, completed = $2, expires = $3 WHERE id = $1";
        // The draft's file of that key, its own or carried; a carried file it deleted leaves
        // its mark to this one.
        let status = format!("SELECT status FROM ({}) f", super::draft_files_sql(|key| format!("AND {key} = $2"), "", |_| String::new()));
        let unmark = "DELETE FROM draft_files WHERE draft_id = $1 AND key = $2 AND status = 'removed'";
        let insert = format!("INSERT INTO draft_files ({DRAFT_FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        let update = "UPDATE draft_files SET status = $3, size = $4, md5 = $5, sha512 = $6, staged = $7, updated = $9 \
                      WHERE draft_id = $1 AND key = $2";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            refuse_while_publishing!(pool, tx, file.draft_id);
            sqlx::query(mark).bind(&upload.id).bind(&file.updated).bind(&upload.expires).execute(&mut *tx).await?;
            let existing: Option<String> =
                sqlx::query(&status).bind(file.draft_id.0).bind(&file.key).fetch_optional(&mut *tx).await?.map(|row| row.try_get("status")).transpose()?;
            if existing.as_deref() == Some("completed") {
                tx.rollback().await?;
                return Err(Error::Conflict { what: format!("a committed file '{}'", file.key) });
            }
            sqlx::query(unmark).bind(file.draft_id.0).bind(&file.key).execute(&mut *tx).await?;
            let written = sqlx::query(if existing.is_some() { update } else { &insert })
                .bind(file.draft_id.0).bind(&file.key).bind(&file.status).bind(file.size).bind(&file.md5).bind(&file.sha512)
                .bind(file.staged).bind(&file.created).bind(&file.updated)
                .execute(&mut *tx).await;
            if let Err(err) = written {
                tx.rollback().await?;
                // Another upload of the same key finished first.
                return Err(if is_unique_violation(&err) { Error::Conflict { what: format!("a file '{}'", file.key) } } else { err.into() });
            }
            commit_audited!(tx, audit);
        });
        Ok(())
    }

    pub async fn delete_upload(&self, id: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM uploads WHERE id = $1").bind(id).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Up to `limit` uploads whose expiry is before `now`, oldest first.
    pub async fn expired_uploads(&self, now: &str, limit: i64) -> Result<Vec<UploadRow>> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE expires < $1 ORDER BY expires LIMIT $2");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(now).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(upload_row!(row))).collect()
        })
    }

    /// Every upload id, for cleaning staging folders of bytes no upload owns.
    pub async fn upload_ids(&self) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT id FROM uploads").fetch_all(pool).await?;
            rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
        })
    }
}
