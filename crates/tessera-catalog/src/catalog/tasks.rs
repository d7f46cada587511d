//! Tasks: long requests answered at once and carried on in the background. Each is a row
//! from the moment it is accepted until it is forgotten, saying how it ended; a job carries it
//! until it ends.

use sqlx::Row;
use tessera_domain::{RecordId, UserId};

use super::{Catalog, Pool};
use crate::Result;
use crate::catalog::BeginWrite;
use crate::rows::{TaskEnd, TaskRow};

const TASK_COLUMNS: &str = "id, kind, record_id, owner_id, status, result, problem, created, updated";

macro_rules! task_row {
    ($row:expr) => {
        TaskRow {
            id: $row.try_get("id")?,
            kind: $row.try_get("kind")?,
            record_id: RecordId($row.try_get("record_id")?),
            owner_id: UserId($row.try_get("owner_id")?),
            status: $row.try_get("status")?,
            result: $row.try_get("result")?,
            problem: $row.try_get("problem")?,
            created: $row.try_get("created")?,
            updated: $row.try_get("updated")?,
        }
    };
}

pub(super) const END_TASK: &str =
    "UPDATE tasks SET status = $1, result = $2, problem = $3, updated = $4 WHERE id = $5 AND status = 'running'";

/// Binds a `TaskEnd` to `END_TASK`, on either engine.
macro_rules! bind_end {
    ($query:expr, $end:expr) => {
        $query
            .bind($end.status.as_str())
            .bind($end.result.as_deref())
            .bind($end.problem.as_deref())
            .bind($end.updated.as_str())
            .bind($end.id.as_str())
    };
}

/// Ends a running task inside the transaction `$tx`, so that it is done exactly when its work
/// is: a restart never finds it running with its work in place.
macro_rules! end_task_in_tx {
    ($tx:expr, $end:expr) => {
        if let Some(end) = $end {
            $crate::catalog::tasks::bind_end!(sqlx::query($crate::catalog::tasks::END_TASK), end).execute(&mut *$tx).await?;
        }
    };
}
pub(super) use {bind_end, end_task_in_tx};

impl Catalog {
    /// Writes a new task and the job that carries it (of `job_kind`, keyed by the task's id,
    /// due at `run_at`, with `payload`), in one transaction.
    pub async fn insert_task(&self, task: &TaskRow, job_kind: &str, run_at: &str, payload: Option<&str>) -> Result<()> {
        let insert_task = format!("INSERT INTO tasks ({TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        let insert_job = "INSERT INTO jobs (kind, key, run_at, payload, created) VALUES ($1, $2, $3, $4, $5)";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(&insert_task)
                .bind(&task.id)
                .bind(&task.kind)
                .bind(task.record_id.0)
                .bind(task.owner_id.0)
                .bind(&task.status)
                .bind(&task.result)
                .bind(&task.problem)
                .bind(&task.created)
                .bind(&task.updated)
                .execute(&mut *tx)
                .await?;
            let job = sqlx::query(insert_job).bind(job_kind).bind(&task.id).bind(run_at).bind(payload).bind(&task.created);
            job.execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn task(&self, id: &str) -> Result<Option<TaskRow>> {
        let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1");
        on_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
            row.map(|row| Ok(task_row!(row))).transpose()
        })
    }

    /// Ends a running task; false when it had ended already (its work ended it in its own
    /// transaction).
    pub async fn end_task(&self, end: &TaskEnd) -> Result<bool> {
        on_pool!(self, pool => Ok(bind_end!(sqlx::query(END_TASK), end).execute(pool).await?.rows_affected() > 0))
    }

    /// Every task still running: after a restart, those the stop interrupted.
    pub async fn running_tasks(&self) -> Result<Vec<TaskRow>> {
        let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE status = 'running' ORDER BY created, id");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(task_row!(row))).collect()
        })
    }

    /// Forgets the tasks that ended before `before`; returns how many.
    pub async fn forget_tasks(&self, before: &str) -> Result<u64> {
        let sql = "DELETE FROM tasks WHERE status <> 'running' AND updated < $1";
        on_pool!(self, pool => Ok(sqlx::query(sql).bind(before).execute(pool).await?.rows_affected()))
    }
}
