//! Partner repositories harvested over OAI-PMH and the records harvested from them.

use sqlx::Row;

use super::{Catalog, Pool, is_unique_violation, push_list};
use crate::catalog::BeginWrite;
use crate::rows::{HarvestProgress, HarvestSourceRow, RemoteRecordRow};
use crate::{Error, Result};

const SOURCE_COLUMNS: &str = "id, name, base_url, set_spec, metadata_prefix, repository_name, seconds, created, harvested_from, \
                              resume_token, list_started, last_finished, deleted_record, list_full, last_full";

macro_rules! source_row {
    ($row:expr) => {
        HarvestSourceRow {
            id: $row.try_get("id")?,
            name: $row.try_get("name")?,
            base_url: $row.try_get("base_url")?,
            set_spec: $row.try_get("set_spec")?,
            metadata_prefix: $row.try_get("metadata_prefix")?,
            repository_name: $row.try_get("repository_name")?,
            seconds: $row.try_get("seconds")?,
            created: $row.try_get("created")?,
            harvested_from: $row.try_get("harvested_from")?,
            resume_token: $row.try_get("resume_token")?,
            list_started: $row.try_get("list_started")?,
            last_finished: $row.try_get("last_finished")?,
            deleted_record: $row.try_get("deleted_record")?,
            list_full: $row.try_get("list_full")?,
            last_full: $row.try_get("last_full")?,
        }
    };
}

impl Catalog {
    /// Adds a source; its `id` is assigned and returned. Refused when its name, or the same
    /// repository, set and format, is already harvested.
    pub async fn add_harvest_source(&self, source: &HarvestSourceRow) -> Result<i64> {
        let sql = "INSERT INTO harvest_sources (name, base_url, set_spec, metadata_prefix, repository_name, seconds, created, deleted_record) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        let result = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(&source.name)
                .bind(&source.base_url)
                .bind(&source.set_spec)
                .bind(&source.metadata_prefix)
                .bind(&source.repository_name)
                .bind(source.seconds)
                .bind(&source.created)
                .bind(&source.deleted_record)
                .fetch_one(pool)
                .await
                .and_then(|row| row.try_get::<i64, _>("id"))
        });
        match result {
            Ok(id) => Ok(id),
            Err(err) if is_unique_violation(&err) => {
                Err(Error::Conflict { what: format!("a harvest named {} or of the same repository, set and format", source.name) })
            }
            Err(err) => Err(err.into()),
        }
    }

    pub async fn harvest_sources(&self) -> Result<Vec<HarvestSourceRow>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM harvest_sources ORDER BY id");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(source_row!(row))).collect()
        })
    }

    pub async fn harvest_source(&self, id: i64) -> Result<Option<HarvestSourceRow>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM harvest_sources WHERE id = $1");
        on_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
            row.map(|row| Ok(source_row!(row))).transpose()
        })
    }

    /// Removes a source and everything harvested from it; returns the removed records' ids.
    pub async fn remove_harvest_source(&self, id: i64) -> Result<Vec<i64>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows = sqlx::query("DELETE FROM remote_records WHERE source_id = $1 RETURNING id").bind(id).fetch_all(&mut *tx).await?;
            sqlx::query("DELETE FROM harvest_sources WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
        })
    }

    /// Stores one page of a harvest in one transaction: records added or changed (identifier,
    /// datestamp, document), marked as seen by the list that began at `seen`; records the
    /// origin deleted; and where the harvest goes on from. Returns the ids of the stored
    /// records and of the removed ones.
    pub async fn save_harvest_page(
        &self,
        source: i64,
        (changed, seen): (&[(String, String, String)], &str),
        deleted: &[String],
        progress: &HarvestProgress,
    ) -> Result<(Vec<i64>, Vec<i64>)> {
        let upsert = "INSERT INTO remote_records (source_id, identifier, datestamp, doc, seen) VALUES ($1, $2, $3, $4, $5) \
                      ON CONFLICT (source_id, identifier) DO UPDATE SET datestamp = excluded.datestamp, doc = excluded.doc, seen = excluded.seen \
                      RETURNING id";
        let delete = "DELETE FROM remote_records WHERE source_id = $1 AND identifier = $2 RETURNING id";
        let progress_sql = "UPDATE harvest_sources SET resume_token = $1, list_started = $2, list_full = $3 WHERE id = $4";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut stored = Vec::with_capacity(changed.len());
            for (identifier, datestamp, doc) in changed {
                let row = sqlx::query(upsert).bind(source).bind(identifier).bind(datestamp).bind(doc).bind(seen).fetch_one(&mut *tx).await?;
                stored.push(row.try_get("id")?);
            }
            let mut removed = Vec::new();
            for identifier in deleted {
                if let Some(row) = sqlx::query(delete).bind(source).bind(identifier).fetch_optional(&mut *tx).await? {
                    removed.push(row.try_get("id")?);
                }
            }
            sqlx::query(progress_sql)
                .bind(&progress.resume_token)
                .bind(&progress.list_started)
                .bind(progress.list_full)
                .bind(source)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((stored, removed))
        })
    }

    /// A harvest that reached the end of its list: the next one asks for changes `from` then.
    /// After a list of every record (`full`), the records it did not name are gone from the
    /// origin: they are removed, and their ids returned.
    pub async fn finish_harvest(&self, source: i64, from: &str, finished: &str, full: bool) -> Result<Vec<i64>> {
        let sql = "UPDATE harvest_sources SET harvested_from = $1, last_finished = $2, resume_token = NULL, list_started = NULL, \
                   list_full = FALSE, last_full = CASE WHEN $3 THEN $1 ELSE last_full END WHERE id = $4";
        let unseen = "DELETE FROM remote_records WHERE source_id = $1 AND seen < $2 RETURNING id";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(sql).bind(from).bind(finished).bind(full).bind(source).execute(&mut *tx).await?;
            let removed = if full { sqlx::query(unseen).bind(source).bind(from).fetch_all(&mut *tx).await? } else { Vec::new() };
            tx.commit().await?;
            removed.iter().map(|row| Ok(row.try_get("id")?)).collect()
        })
    }

    /// Makes the next harvest of a source list every record, and so find what it removed.
    pub async fn require_full_harvest(&self, source: i64) -> Result<()> {
        let sql = "UPDATE harvest_sources SET last_full = NULL WHERE id = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(source).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Forgets a harvest in progress, so the next one starts its list again.
    pub async fn restart_harvest(&self, source: i64) -> Result<()> {
        let sql = "UPDATE harvest_sources SET resume_token = NULL, list_started = NULL WHERE id = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(source).execute(pool).await.map(drop)?);
        Ok(())
    }

    pub async fn remote_records_by_ids(&self, ids: &[i64]) -> Result<Vec<RemoteRecordRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        on_mapped!(self, pool => {
            let mut query = sqlx::QueryBuilder::new("SELECT id, source_id, identifier, datestamp, doc FROM remote_records WHERE id IN (");
            push_list(&mut query, ids.iter().copied());
            let rows = query.build().fetch_all(pool).await?;
            let mut found: Vec<RemoteRecordRow> = rows
                .iter()
                .map(|row| {
                    Ok(RemoteRecordRow {
                        id: row.try_get("id")?,
                        source_id: row.try_get("source_id")?,
                        identifier: row.try_get("identifier")?,
                        datestamp: row.try_get("datestamp")?,
                        doc: row.try_get("doc")?,
                    })
                })
                .collect::<Result<_>>()?;
            // In the order asked for, as search hits are.
            found.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
            Ok(found)
        })
    }

    /// How many records each source has given: (source id, count).
    pub async fn remote_record_counts(&self) -> Result<Vec<(i64, i64)>> {
        let sql = "SELECT source_id, COUNT(*) AS n FROM remote_records GROUP BY source_id";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter().map(|row| Ok((row.try_get("source_id")?, row.try_get("n")?))).collect()
        })
    }

    /// Harvested record ids in order, in pages, for re-indexing.
    pub async fn remote_ids_after(&self, after: i64, limit: i64) -> Result<Vec<i64>> {
        on_mapped!(self, pool => {
            let rows = sqlx::query("SELECT id FROM remote_records WHERE id > $1 ORDER BY id LIMIT $2").bind(after).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
        })
    }
}
