//! The durable job queue.

use sqlx::Row;

use super::{Catalog, Pool};

/// A `JobRow` from a row of either engine.
macro_rules! job_row {
    ($row:expr) => {
        JobRow {
            id: $row.try_get("id")?,
            kind: $row.try_get("kind")?,
            key: $row.try_get("key")?,
            run_at: $row.try_get("run_at")?,
            payload: $row.try_get("payload")?,
            attempts: $row.try_get("attempts")?,
            last_error: $row.try_get("last_error")?,
        }
    };
}
use crate::Result;
use crate::rows::JobRow;

impl Catalog {
    /// Schedules a job, or moves an existing job of the same kind and key to `run_at`.
    pub async fn schedule_job(&self, kind: &str, key: &str, run_at: &str, payload: Option<&str>, created: &str) -> Result<()> {
        let sql = "INSERT INTO jobs (kind, key, run_at, payload, created) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (kind, key) DO UPDATE SET run_at = excluded.run_at, payload = excluded.payload, attempts = 0, last_error = NULL";
        on_pool!(self, pool => sqlx::query(sql).bind(kind).bind(key).bind(run_at).bind(payload).bind(created).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Moves the job of this kind and key, if there is one, to `run_at`, keeping the rest.
    pub async fn postpone_job(&self, kind: &str, key: &str, run_at: &str) -> Result<()> {
        let sql = "UPDATE jobs SET run_at = $3 WHERE kind = $1 AND key = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(kind).bind(key).bind(run_at).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Makes every job of this kind due at `run_at`; returns how many there are.
    pub async fn release_jobs(&self, kind: &str, run_at: &str) -> Result<u64> {
        let sql = "UPDATE jobs SET run_at = $2 WHERE kind = $1";
        on_pool!(self, pool => Ok(sqlx::query(sql).bind(kind).bind(run_at).execute(pool).await?.rows_affected()))
    }

    pub async fn cancel_job(&self, kind: &str, key: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM jobs WHERE kind = $1 AND key = $2").bind(kind).bind(key).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// The job of this kind and key, if one is waiting.
    pub async fn job(&self, kind: &str, key: &str) -> Result<Option<JobRow>> {
        let sql = "SELECT id, kind, key, run_at, payload, attempts, last_error FROM jobs WHERE kind = $1 AND key = $2";
        on_pool!(self, pool => {
            let row = sqlx::query(sql).bind(kind).bind(key).fetch_optional(pool).await?;
            row.map(|row| Ok(job_row!(row))).transpose()
        })
    }

    /// Jobs due at `now`, oldest first.
    pub async fn due_jobs(&self, now: &str, limit: i64) -> Result<Vec<JobRow>> {
        let sql = "SELECT id, kind, key, run_at, payload, attempts, last_error FROM jobs WHERE run_at <= $1 ORDER BY run_at, id LIMIT $2";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(now).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(job_row!(row))).collect()
        })
    }

    /// A job that ran: gone, unless it was rescheduled meanwhile.
    pub async fn finish_job(&self, job: &JobRow) -> Result<()> {
        let sql = "DELETE FROM jobs WHERE id = $1 AND run_at = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(job.id).bind(&job.run_at).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// A job that failed: tried again at `retry_at`, with the error kept for operators.
    pub async fn fail_job(&self, id: i64, error: &str, retry_at: &str) -> Result<()> {
        let sql = "UPDATE jobs SET attempts = attempts + 1, last_error = $1, run_at = $2 WHERE id = $3";
        on_pool!(self, pool => sqlx::query(sql).bind(error).bind(retry_at).bind(id).execute(pool).await.map(drop)?);
        Ok(())
    }
}
