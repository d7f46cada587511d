//! Background work from the durable job table: lifting embargoes on their date, mail, DOIs,
//! harvests and rebuilds of the search index. Each job stays in the table until it has run,
//! so a restart (or a crash) loses none; a failed job is tried again later with its error kept.

use tessera_catalog::{JobRow, RecordRow};
use tessera_domain::RecordId;
use time::OffsetDateTime;

use crate::audit::Event;
use crate::drafts::from_json;
use crate::model::RecordDoc;
use crate::tessera::{from_now, now, parse_time};
use crate::{Error, Result, Tessera};

const LIFT_EMBARGO: &str = "lift-embargo";
/// Jobs run per pass; the rest wait for the next pass.
const JOBS_PER_PASS: i64 = 100;
/// How long a job that failed once waits before it is tried again; each further failure
/// doubles the wait, up to `LONGEST_WAIT`, so a service that is down for days is not hammered.
const RETRY_AFTER: time::Duration = time::Duration::minutes(10);
const LONGEST_WAIT: time::Duration = time::Duration::hours(12);

/// The wait after a job's `attempts`-th failure (the first is 1).
fn backoff(attempts: i64) -> time::Duration {
    let doublings = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    (RETRY_AFTER * 2i32.pow(doublings)).min(LONGEST_WAIT)
}

impl Tessera {
    /// Runs every job that is due; returns how many ran (successfully or not).
    pub async fn run_due_jobs(&self) -> Result<usize> {
        let jobs = self.catalog.due_jobs(&now(), JOBS_PER_PASS).await?;
        for job in &jobs {
            if job.kind == crate::tasks::TASK_JOB {
                // A task runs beside the jobs, for as long as it takes, and removes its job.
                self.resume_task(job);
                continue;
            }
            match self.run_job(job).await {
                Ok(()) => self.catalog.finish_job(job).await?,
                Err(err) => {
                    let attempts = job.attempts + 1;
                    let wait = backoff(attempts);
                    tracing::warn!(job = job.id, kind = %job.kind, key = %job.key, attempts, retry_in_minutes = wait.whole_minutes(), error = %err, "job failed; will retry");
                    self.catalog.fail_job(job.id, &err.to_string(), &from_now(wait)).await?;
                }
            }
        }
        Ok(jobs.len())
    }

    async fn run_job(&self, job: &JobRow) -> Result<()> {
        match job.kind.as_str() {
            LIFT_EMBARGO => {
                let id: RecordId = job.key.parse().map_err(|()| Error::Corrupt(format!("job {} names no record: {}", job.id, job.key)))?;
                self.lift_embargo(id).await
            }
            crate::mail::SEND_MAIL => self.send_mail(job.payload.as_deref().unwrap_or_default()).await,
            crate::dois::REGISTER_DOI => {
                let id: RecordId = job.key.parse().map_err(|()| Error::Corrupt(format!("job {} names no record: {}", job.id, job.key)))?;
                self.register_doi(id).await
            }
            crate::dois::DISCARD_DOI => self.discard_doi(&job.key).await,
            crate::harvest::HARVEST => {
                let id: i64 = job.key.parse().map_err(|_| Error::Corrupt(format!("job {} names no harvest: {}", job.id, job.key)))?;
                self.harvest(id).await
            }
            crate::harvest::FORGET_HARVEST => self.forget_harvest(&job.key).await,
            crate::reindex::REINDEX => self.run_reindex_job().await,
            other => Err(Error::Corrupt(format!("job {} has an unknown kind '{other}'", job.id))),
        }
    }

    /// After a publish: a job to lift the record's embargo at its end date, or none.
    pub(crate) async fn schedule_embargo_lift(&self, record: &RecordRow) -> Result<()> {
        let doc: RecordDoc = from_json(&record.doc)?;
        let key = record.id.to_string();
        match embargo_end(&doc) {
            Some(end) => self.catalog.schedule_job(LIFT_EMBARGO, &key, &end, None, &now()).await?,
            None => self.catalog.cancel_job(LIFT_EMBARGO, &key).await?,
        }
        Ok(())
    }

    /// Lifts the embargo of record `id` if its date has come: a new version of the dataset's
    /// object records the change, so the record's history shows when its files opened.
    async fn lift_embargo(&self, id: RecordId) -> Result<()> {
        let Some(row) = self.catalog.record(id).await? else { return Ok(()) };
        let doc: RecordDoc = from_json(&row.doc)?;
        let Some(end) = embargo_end(&doc) else { return Ok(()) };
        if parse_time(&end) > OffsetDateTime::now_utc() {
            // The date moved later in an edit since this job was scheduled.
            return self.catalog.schedule_job(LIFT_EMBARGO, &id.to_string(), &end, None, &now()).await.map_err(Into::into);
        }
        let until = doc.access.embargo.until.clone().unwrap_or_default();
        let event = Event::new("embargo-lifted", None, format!("record {id}")).dataset(row.parent_id);
        let message = format!("Lift the embargo of record {id}, which ended on {until}");
        self.rewrite_records(row.parent_id, Some(id), message, (event, serde_json::json!({"until": until})), |doc| {
            doc.access.embargo.active = false;
        })
        .await
    }
}

/// When an active embargo ends (the start of its `until` day, UTC), if the record has one.
fn embargo_end(doc: &RecordDoc) -> Option<String> {
    let embargo = &doc.access.embargo;
    embargo.active.then(|| embargo.until.as_ref().map(|until| format!("{until}T00:00:00Z"))).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_doubles_the_wait_up_to_half_a_day() {
        let minutes: Vec<i64> = [1, 2, 3, 4, 7, 8, 40].map(|n| backoff(n).whole_minutes()).to_vec();
        assert_eq!(minutes, [10, 20, 40, 80, 640, 720, 720]);
    }
}
