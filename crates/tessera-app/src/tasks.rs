//! Tasks: a publish or an unpack of a large dataset takes longer than a client, or a proxy in
//! front of the server, may wait for an answer. Asked for with `Prefer: respond-async`, it is
//! accepted once the checks that read nothing of the dataset pass, and goes on in the
//! background; its row says how it ended, for its asker to read.
//!
//! A task ends exactly when its work does, even across a crash. An unpack ends its task in the
//! transaction that adds the files. A publish is ended by its outcome: after a restart, the
//! journal has completed or undone it, and the draft is either gone or still there.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_catalog::{TaskEnd, TaskRow};
use tessera_domain::authz::{Action, ResourceFacts, Subject};
use tessera_domain::{Problem, RecordId};

use crate::tessera::{from_now, now};
use crate::unpack::Unpacked;
use crate::{Error, Result, Tessera};

/// What a task does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    Publish,
    Unpack,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Unpack => "unpack",
        }
    }
}

/// How long an ended task is kept for its asker to read.
const KEPT_FOR: time::Duration = time::Duration::days(7);

/// The longest a request waits for a task to end (`await_task`).
pub const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    Done,
    Failed,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// Why a task failed, as the request would have answered had it waited: the web layer makes
/// it from the error (`Failing`), and a restart from what it interrupted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFailure {
    /// The HTTP status.
    pub status: u16,
    /// The kind of problem, such as `validation`.
    pub kind: String,
    pub detail: String,
    /// Each field at fault, when the input was checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// How the web layer describes an error, so a task's failure reads as the request's would.
pub type Failing = fn(Error) -> TaskFailure;

#[derive(Clone, Debug, PartialEq)]
pub struct TaskView {
    pub id: String,
    pub kind: TaskKind,
    /// The draft acted on; once published, the record.
    pub record: RecordId,
    pub status: TaskStatus,
    /// An unpack's counts, once done.
    pub unpacked: Option<Unpacked>,
    pub failure: Option<TaskFailure>,
    pub created: String,
    pub updated: String,
}

impl Tessera {
    /// Publishes draft `id` in the background: the draft is checked and marked as being
    /// published before the answer, so it takes no changes from then on.
    pub async fn publish_in_background(&self, subject: &Subject, id: RecordId, failing: Failing) -> Result<TaskView> {
        self.mark_for_publishing(subject, id).await?;
        let task = match self.start_task(subject, TaskKind::Publish, id).await {
            Ok(task) => task,
            Err(err) => {
                self.give_back(id).await;
                return Err(err);
            }
        };
        let (this, subject, task_id) = (self.clone(), subject.clone(), task.id.clone());
        self.tasks.spawn(async move {
            let published = this.publish_or_give_back(&subject, id).await.map(|_| None);
            this.end_task(task_id, published, failing).await;
        });
        Ok(task)
    }

    /// Unpacks the draft's archive `key` in the background (see `unpack_archive`): the draft,
    /// the archive and the folder are checked before the answer, the entries after it.
    pub async fn unpack_in_background(
        &self,
        subject: &Subject,
        id: RecordId,
        key: &str,
        into: Option<&str>,
        keep: bool,
        failing: Failing,
    ) -> Result<TaskView> {
        let plan = self.plan_unpack(subject, id, key, into, keep).await?;
        let task = self.start_task(subject, TaskKind::Unpack, id).await?;
        let (this, task_id) = (self.clone(), task.id.clone());
        self.tasks.spawn(async move {
            let unpacked = this.run_unpack(plan, Some(&task_id)).await;
            // Done already, in the unpack's own transaction; a failure is ended here.
            this.end_task(task_id, unpacked.map(|unpacked| Some(unpacked.to_json())), failing).await;
        });
        Ok(task)
    }

    /// Task `id`, for the person who asked for it.
    pub async fn task(&self, subject: &Subject, id: &str) -> Result<TaskView> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own tasks").await?;
        let row = self.catalog.task(id).await?.filter(|row| Some(row.owner_id) == subject.user_id());
        row.ok_or_else(|| Error::not_found(format!("task {id}")))?.try_into()
    }

    /// Task `id` once it has ended, or as it stands after `wait` (at most `LONGEST_WAIT`):
    /// so a client learns of the end at once, without asking again and again.
    pub async fn await_task(&self, subject: &Subject, id: &str, wait: std::time::Duration) -> Result<TaskView> {
        let deadline = tokio::time::Instant::now() + wait.min(LONGEST_WAIT);
        loop {
            // Listening before reading, so an end between the two is not missed.
            let ended = self.task_ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let task = self.task(subject, id).await?;
            if task.status != TaskStatus::Running || tokio::time::timeout_at(deadline, ended).await.is_err() {
                return Ok(task);
            }
        }
    }

    /// Waits for the tasks in progress to end, and takes no more: a server stopping gracefully
    /// leaves none for the next start to end as interrupted.
    pub async fn finish_tasks(&self) {
        self.tasks.close();
        if !self.tasks.is_empty() {
            tracing::info!(tasks = self.tasks.len(), "waiting for tasks in progress to end");
        }
        self.tasks.wait().await;
    }

    /// Forgets the tasks that ended more than a week ago; returns how many.
    pub async fn forget_ended_tasks(&self) -> Result<u64> {
        Ok(self.catalog.forget_tasks(&from_now(-KEPT_FOR)).await?)
    }

    /// After a restart, ends the tasks the stop interrupted: a publish as its draft shows (the
    /// journal has completed or undone it by now), an unpack as failed, since one that added
    /// its files ended its task with them.
    pub(crate) async fn end_interrupted_tasks(&self) -> Result<()> {
        for task in self.catalog.running_tasks().await? {
            let publish = task.kind == TaskKind::Publish.as_str();
            let (status, failure) = if publish && self.catalog.draft(task.record_id).await?.is_none() {
                (TaskStatus::Done, None)
            } else if publish {
                (TaskStatus::Failed, Some(interrupted(format!("draft {} was published", task.record_id))))
            } else {
                (TaskStatus::Failed, Some(interrupted(format!("the archive was unpacked into draft {}", task.record_id))))
            };
            tracing::warn!(task = %task.id, kind = %task.kind, draft = task.record_id.0, status = status.as_str(), "ended a task the stop interrupted");
            let failure = failure.map(|failure| serde_json::to_string(&failure)).transpose().map_err(|e| Error::Corrupt(e.to_string()))?;
            let end = TaskEnd { id: task.id, status: status.as_str().into(), result: None, problem: failure, updated: now() };
            self.catalog.end_task(&end).await?;
        }
        Ok(())
    }

    async fn start_task(&self, subject: &Subject, kind: TaskKind, id: RecordId) -> Result<TaskView> {
        let owner = subject.user_id().ok_or(Error::Unauthenticated)?;
        let stamp = now();
        let row = TaskRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            kind: kind.as_str().into(),
            record_id: id,
            owner_id: owner,
            status: TaskStatus::Running.as_str().into(),
            result: None,
            problem: None,
            created: stamp.clone(),
            updated: stamp,
        };
        self.catalog.insert_task(&row).await?;
        tracing::info!(task = %row.id, kind = kind.as_str(), draft = id.0, "task started");
        row.try_into()
    }

    /// Ends a task with its work's outcome, unless the work ended it in its own transaction.
    /// There is no one to tell of a failure to end it but the log; a restart ends it then.
    async fn end_task(&self, id: String, outcome: Result<Option<Value>>, failing: Failing) {
        let (status, result, problem) = match outcome {
            Ok(result) => (TaskStatus::Done, result.map(|result| result.to_string()), None),
            Err(err) => (TaskStatus::Failed, None, serde_json::to_string(&failing(err)).ok()),
        };
        tracing::info!(task = %id, status = status.as_str(), "task ended");
        let end = TaskEnd { id, status: status.as_str().into(), result, problem, updated: now() };
        if let Err(err) = self.catalog.end_task(&end).await {
            tracing::error!(task = %end.id, error = %err, "recording how a task ended");
        }
        self.task_ended.notify_waiters();
    }
}

/// A task the server's stop interrupted: nothing of it was kept, and it may be asked again.
fn interrupted(what: String) -> TaskFailure {
    TaskFailure {
        status: 503,
        kind: "interrupted".into(),
        detail: format!("the server stopped before {what}; nothing was changed: send the same request again"),
        problems: Vec::new(),
    }
}

impl TryFrom<TaskRow> for TaskView {
    type Error = Error;
    fn try_from(row: TaskRow) -> Result<Self> {
        let kind = match row.kind.as_str() {
            "publish" => TaskKind::Publish,
            "unpack" => TaskKind::Unpack,
            other => return Err(Error::Corrupt(format!("task {} has an unknown kind '{other}'", row.id))),
        };
        let status = match row.status.as_str() {
            "running" => TaskStatus::Running,
            "done" => TaskStatus::Done,
            "failed" => TaskStatus::Failed,
            other => return Err(Error::Corrupt(format!("task {} has an unknown status '{other}'", row.id))),
        };
        let unreadable = |err: serde_json::Error| Error::Corrupt(format!("task {}: {err}", row.id));
        let unpacked = row.result.as_deref().map(Unpacked::from_json).transpose().map_err(unreadable)?;
        let failure = row.problem.as_deref().map(serde_json::from_str).transpose().map_err(unreadable)?;
        Ok(TaskView { id: row.id, kind, record: row.record_id, status, unpacked, failure, created: row.created, updated: row.updated })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tessera_catalog::Catalog;
    use tessera_domain::UserId;

    use super::*;
    use crate::TesseraConfig;

    /// After a crash, a publish whose draft is gone was completed (by the journal, or before
    /// the crash) and is done; an unpack still running added nothing, and failed.
    #[tokio::test]
    async fn a_restart_ends_interrupted_tasks_as_their_work_stands() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::connect(&format!("sqlite:{}", dir.path().join("catalog.db").display())).await.unwrap();
        let store = Arc::new(tessera_storage::LocalStore::new(dir.path().join("ocfl")).unwrap());
        let tessera = Tessera::open(catalog, store, TesseraConfig::in_folder(dir.path())).await.unwrap();
        let running = |id: &str, kind: TaskKind| TaskRow {
            id: id.into(),
            kind: kind.as_str().into(),
            record_id: RecordId(7),
            owner_id: UserId(1),
            status: "running".into(),
            result: None,
            problem: None,
            created: now(),
            updated: now(),
        };
        tessera.catalog.insert_task(&running("published", TaskKind::Publish)).await.unwrap();
        tessera.catalog.insert_task(&running("unpacking", TaskKind::Unpack)).await.unwrap();
        tessera.end_interrupted_tasks().await.unwrap();
        let view = |id: &'static str| {
            let catalog = tessera.catalog.clone();
            async move { TaskView::try_from(catalog.task(id).await.unwrap().unwrap()).unwrap() }
        };
        let published = view("published").await;
        assert_eq!((published.status, published.failure), (TaskStatus::Done, None));
        let unpacking = view("unpacking").await;
        assert_eq!(unpacking.status, TaskStatus::Failed);
        let failure = unpacking.failure.unwrap();
        assert_eq!((failure.status, failure.kind.as_str()), (503, "interrupted"));
        assert!(failure.detail.contains("before the archive was unpacked into draft 7"), "{}", failure.detail);
        assert!(tessera.catalog.running_tasks().await.unwrap().is_empty());
    }
}
