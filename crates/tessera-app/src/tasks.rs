//! Tasks: a publish or an unpack of a large dataset takes longer than a client, or a proxy in
//! front of the server, may wait for an answer. Asked for with `Prefer: respond-async`, it is
//! accepted once the checks that read nothing of the dataset pass, and goes on in the
//! background; its row says how it ended, for its asker to read.
//!
//! Each task is carried by a durable job (`TASK_JOB`, keyed by the task's id), written with
//! it and removed as it ends. The request starts the work at once; after a crash, the job
//! loop starts it again. Work done before the crash is not done twice. An unpack ends its task
//! in the transaction that adds the files, so a task found ended is left so. A publish whose
//! draft is gone was completed, by the journal if not before the crash.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_catalog::{JobRow, TaskEnd, TaskRow};
use tessera_domain::authz::{Action, ResourceFacts, Subject};
use tessera_domain::{Problem, RecordId};

use crate::tessera::{from_now, now};
use crate::unpack::Unpacked;
use crate::{Error, Result, Tessera};

/// The kind of the job that carries each task.
pub(crate) const TASK_JOB: &str = "task";

/// How long an ended task is kept for its asker to read.
const KEPT_FOR: time::Duration = time::Duration::days(7);

/// How long a task's job is left to the process running it: it renews the lease a third of the
/// way through, and another process starts the task again only once it has run out. A restart
/// of the process that owns the installation ends every lease at once (`recover`).
const LEASE: time::Duration = time::Duration::minutes(1);

/// The longest a request waits for a task to end (`await_task`).
pub const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// How often a wait reads the task again though no end was heard of: another server on the
/// same catalogue may be the one running it.
const READ_AGAIN: std::time::Duration = std::time::Duration::from_secs(1);

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

/// Why a task failed, as the request would have answered had it waited: the web layer says
/// how (`Tessera::describe_failures`).
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

/// What a task's job holds besides the task's row: an unpack's arguments.
#[derive(Serialize, Deserialize)]
struct UnpackArgs {
    key: String,
    into: Option<String>,
    keep: bool,
}

/// The tasks this process runs, and how their failures are told.
#[derive(Clone, Default)]
pub(crate) struct Tasks {
    /// Every task's work, so a stop can wait for them.
    tracker: tokio_util::task::TaskTracker,
    /// The ids of the tasks running here, so the job loop does not start one twice.
    running: Arc<Mutex<HashSet<String>>>,
    /// Told whenever a task ends, for those waiting on one (`await_task`).
    ended: Arc<tokio::sync::Notify>,
    failing: Arc<OnceLock<Failing>>,
}

impl Tasks {
    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Tessera {
    /// Says how a task's failure is told: as the web layer would answer the error.
    pub fn describe_failures(&self, failing: Failing) {
        let _ = self.tasks.failing.set(failing);
    }

    /// Publishes draft `id` in the background: the draft is checked and marked as being
    /// published before the answer, so it takes no changes from then on.
    pub async fn publish_in_background(&self, subject: &Subject, id: RecordId) -> Result<TaskView> {
        self.mark_for_publishing(subject, id).await?;
        let task = match self.start_task(subject, TaskKind::Publish, id, None).await {
            Ok(task) => task,
            Err(err) => {
                self.give_back(id).await;
                return Err(err);
            }
        };
        let (this, subject) = (self.clone(), subject.clone());
        self.run_reserved(task.id.clone(), async move { this.publish_or_give_back(&subject, id).await.map(|_| None) });
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
    ) -> Result<TaskView> {
        let plan = self.plan_unpack(subject, id, key, into, keep).await?;
        let args = UnpackArgs { key: key.into(), into: into.map(String::from), keep };
        let args = serde_json::to_string(&args).map_err(|e| Error::Corrupt(e.to_string()))?;
        let task = self.start_task(subject, TaskKind::Unpack, id, Some(&args)).await?;
        let (this, task_id) = (self.clone(), task.id.clone());
        self.run_reserved(
            task.id.clone(),
            async move { this.run_unpack(plan, Some(&task_id)).await.map(|unpacked| Some(unpacked.to_json())) },
        );
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
            let ended = self.tasks.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let task = self.task(subject, id).await?;
            let now = tokio::time::Instant::now();
            if task.status != TaskStatus::Running || now >= deadline {
                return Ok(task);
            }
            let _ = tokio::time::timeout_at(deadline.min(now + READ_AGAIN), ended).await;
        }
    }

    /// Waits for the tasks in progress to end, and takes no more: a server stopping gracefully
    /// leaves none for the next start to run again.
    pub async fn finish_tasks(&self) {
        self.tasks.tracker.close();
        if !self.tasks.tracker.is_empty() {
            tracing::info!(tasks = self.tasks.tracker.len(), "waiting for tasks in progress to end");
        }
        self.tasks.tracker.wait().await;
    }

    /// Forgets the tasks that ended more than a week ago; returns how many.
    pub async fn forget_ended_tasks(&self) -> Result<u64> {
        Ok(self.catalog.forget_tasks(&from_now(-KEPT_FOR)).await?)
    }

    /// Starts again, from the job loop, a task whose job is due and which this process is not
    /// running: one a crash or a failure to record its end interrupted.
    pub(crate) fn resume_task(&self, job: &JobRow) {
        if !self.tasks.running().insert(job.key.clone()) {
            return;
        }
        let this = self.clone();
        let job = job.clone();
        self.run_reserved(job.key.clone(), async move { this.resumed(&job).await });
    }

    /// The work of an interrupted task, done again as far as it was not done. The request's
    /// authorization stands; its asker is named in the trail as before.
    async fn resumed(&self, job: &JobRow) -> Result<Option<Value>> {
        let Some(task) = self.catalog.task(&job.key).await? else {
            return Err(Error::not_found(format!("task {}", job.key)));
        };
        if task.status != TaskStatus::Running.as_str() {
            // Ended, an unpack with its files, but its job was not removed: nothing to do again.
            return Ok(None);
        }
        tracing::warn!(task = %task.id, kind = %task.kind, draft = task.record_id.0, "running again a task a stop interrupted");
        let id = task.record_id;
        let subject = Subject::user(task.owner_id);
        if task.kind == TaskKind::Publish.as_str() {
            // The restart gave the draft back; it is marked again, unless it is gone: published,
            // or discarded since.
            if !self.catalog.begin_publishing(id, &now()).await? {
                return match self.catalog.record(id).await? {
                    Some(_) => Ok(None),
                    None => Err(Error::not_found(format!("draft {id}"))),
                };
            }
            return self.publish_or_give_back(&subject, id).await.map(|_| None);
        }
        let args: UnpackArgs = job
            .payload
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| Error::Corrupt(e.to_string()))?
            .ok_or_else(|| Error::Corrupt(format!("the job of task {} has no arguments", task.id)))?;
        let draft = self.catalog.draft(id).await?.ok_or_else(|| Error::not_found(format!("draft {id}")))?;
        let plan = self.plan_unpack_of(&subject, draft, &args.key, args.into.as_deref(), args.keep).await?;
        self.run_unpack(plan, Some(&task.id)).await.map(|unpacked| Some(unpacked.to_json()))
    }

    async fn start_task(&self, subject: &Subject, kind: TaskKind, id: RecordId, args: Option<&str>) -> Result<TaskView> {
        let owner = subject.user_id().ok_or(Error::Unauthenticated)?;
        let stamp = now();
        let task_id = uuid::Uuid::new_v4().simple().to_string();
        // Reserved before its job is written, so the job loop never starts it too.
        self.tasks.running().insert(task_id.clone());
        let row = TaskRow {
            id: task_id,
            kind: kind.as_str().into(),
            record_id: id,
            owner_id: owner,
            status: TaskStatus::Running.as_str().into(),
            result: None,
            problem: None,
            created: stamp.clone(),
            updated: stamp,
        };
        if let Err(err) = self.catalog.insert_task(&row, TASK_JOB, &from_now(LEASE), args).await {
            self.tasks.running().remove(&row.id);
            return Err(err.into());
        }
        tracing::info!(task = %row.id, kind = kind.as_str(), draft = id.0, "task started");
        row.try_into()
    }

    /// Runs the `work` of task `id`, reserved as running here, on the tracker, and ends the
    /// task with its outcome.
    fn run_reserved(&self, id: String, work: impl Future<Output = Result<Option<Value>>> + Send + 'static) {
        let this = self.clone();
        self.tasks.tracker.spawn(async move {
            let outcome = tokio::select! {
                outcome = work => outcome,
                never = this.hold_lease(&id) => match never {},
            };
            this.end_task(&id, outcome).await;
            this.tasks.running().remove(&id);
        });
    }

    /// Renews the lease on task `id`'s job for as long as it runs.
    async fn hold_lease(&self, id: &str) -> std::convert::Infallible {
        let mut renewals = tokio::time::interval((LEASE / 3_u32).unsigned_abs());
        loop {
            renewals.tick().await;
            if let Err(err) = self.catalog.postpone_job(TASK_JOB, id, &from_now(LEASE)).await {
                tracing::warn!(task = %id, error = %err, "renewing a task's lease");
            }
        }
    }

    /// Ends a task with its work's outcome, unless the work ended it in its own transaction,
    /// and removes its job. If that cannot be recorded, the job stays and runs the task again.
    async fn end_task(&self, id: &str, outcome: Result<Option<Value>>) {
        let (status, result, problem) = match outcome {
            Ok(result) => (TaskStatus::Done, result.map(|result| result.to_string()), None),
            Err(err) => {
                let failure = match self.tasks.failing.get() {
                    Some(failing) => failing(err),
                    None => TaskFailure { status: 500, kind: "internal".into(), detail: err.to_string(), problems: Vec::new() },
                };
                (TaskStatus::Failed, None, serde_json::to_string(&failure).ok())
            }
        };
        let end = TaskEnd { id: id.into(), status: status.as_str().into(), result, problem, updated: now() };
        let recorded = match self.catalog.end_task(&end).await {
            Ok(_) => self.catalog.cancel_job(TASK_JOB, id).await,
            Err(err) => Err(err),
        };
        match recorded {
            Ok(()) => tracing::info!(task = %id, status = status.as_str(), "task ended"),
            Err(err) => tracing::error!(task = %id, error = %err, "recording how a task ended; its job will run it again"),
        }
        self.tasks.ended.notify_waiters();
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
        let unpacked: Option<Unpacked> = row.result.as_deref().map(serde_json::from_str).transpose().map_err(unreadable)?;
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

    /// After a restart, the job loop starts again each task whose job it finds: a publish or
    /// an unpack whose draft is gone and never became a record fails with why; a task already
    /// ended only loses its job. (A publish that the journal completed is done: the
    /// integration test `tasks::a_stop_finishes_tasks_and_a_restart_after_a_crash_runs_them_again`.)
    #[tokio::test]
    async fn the_job_loop_runs_interrupted_tasks_again_as_far_as_they_were_not_done() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::connect(&format!("sqlite:{}", dir.path().join("catalog.db").display())).await.unwrap();
        let store = Arc::new(tessera_storage::LocalStore::new(dir.path().join("ocfl")).unwrap());
        let tessera = Tessera::open(catalog, store, TesseraConfig::in_folder(dir.path())).await.unwrap();
        let task = |id: &str, kind: TaskKind, status: &str| TaskRow {
            id: id.into(),
            kind: kind.as_str().into(),
            record_id: RecordId(7),
            owner_id: UserId(1),
            status: status.into(),
            result: None,
            problem: None,
            created: now(),
            updated: now(),
        };
        let args = r#"{"key": "a.zip", "into": null, "keep": false}"#;
        let leased = from_now(LEASE);
        tessera.catalog.insert_task(&task("discarded", TaskKind::Publish, "running"), TASK_JOB, &leased, None).await.unwrap();
        tessera.catalog.insert_task(&task("unpacking", TaskKind::Unpack, "running"), TASK_JOB, &leased, Some(args)).await.unwrap();
        tessera.catalog.insert_task(&task("ended", TaskKind::Unpack, "done"), TASK_JOB, &leased, Some(args)).await.unwrap();
        assert_eq!(tessera.run_due_jobs().await.unwrap(), 0, "another process holds their leases");
        // A restart of the process that owns the installation: no other runs them.
        tessera.recover().await.unwrap();
        assert_eq!(tessera.run_due_jobs().await.unwrap(), 3);
        tessera.finish_tasks().await;

        let view = |id: &'static str| {
            let catalog = tessera.catalog.clone();
            async move { TaskView::try_from(catalog.task(id).await.unwrap().unwrap()).unwrap() }
        };
        let discarded = view("discarded").await;
        assert_eq!(discarded.status, TaskStatus::Failed, "no record 7 was published: the draft was discarded");
        assert!(discarded.failure.unwrap().detail.contains("draft 7 not found"));
        let unpacking = view("unpacking").await;
        assert_eq!(unpacking.status, TaskStatus::Failed);
        assert!(unpacking.failure.unwrap().detail.contains("draft 7 not found"));
        let ended = view("ended").await;
        assert_eq!((ended.status, ended.failure), (TaskStatus::Done, None), "an ended task is left as it ended");
        for id in ["discarded", "unpacking", "ended"] {
            assert_eq!(tessera.catalog.job(TASK_JOB, id).await.unwrap(), None, "{id}'s job is gone");
        }
        assert!(tessera.catalog.running_tasks().await.unwrap().is_empty());
    }
}
