//! Incidents: anyone may report a problem with a record (a privacy breach, wrong data, a
//! rights claim); the dataset's curators and stewards triage it, may take the dataset down at
//! once (every access but theirs suspended, the landing page saying so), and then restore it
//! or delete its files. Every step is audited, and the reporter is told the outcome.

use serde_json::json;
use tessera_catalog::{ReportRow, TakedownRow};
use tessera_domain::authz::{self, Action, Subject};
use tessera_domain::{ParentId, Problem, RecordId};

use crate::audit::Event;
use crate::drafts::{facts_of_record, from_json};
use crate::model::RecordDoc;
use crate::retention::Doomed;
use crate::tessera::now;
use crate::{Error, Result, Tessera};

/// What can be reported.
pub const REPORT_KINDS: [&str; 4] = ["privacy-breach", "wrong-data", "rights-claim", "other"];
/// How a closed report ended when no takedown decided it.
const CLOSING_OUTCOMES: [&str; 2] = ["dismissed", "corrected"];
const MAX_DESCRIPTION: usize = 20_000;

#[derive(Clone, Debug, Default)]
pub struct ReportInput {
    pub kind: String,
    pub description: String,
    /// Where to tell a reporter without an account the outcome.
    pub email: Option<String>,
}

impl Tessera {
    /// Anyone, signed in or not, reports a problem with record `id`; its curators and
    /// stewards are told.
    pub async fn report_problem(&self, subject: &Subject, id: RecordId, input: ReportInput) -> Result<ReportRow> {
        let row = self.published_row(id).await?;
        let doc: RecordDoc = from_json(&row.doc)?;
        let mut problems = Vec::new();
        if !REPORT_KINDS.contains(&input.kind.as_str()) {
            problems.push(Problem::new("kind", format!("'{}' is not a kind of problem ({})", input.kind, REPORT_KINDS.join(", "))));
        }
        let description = input.description.trim();
        if description.is_empty() || description.len() > MAX_DESCRIPTION {
            problems.push(Problem::new("description", format!("say what is wrong, in at most {MAX_DESCRIPTION} characters")));
        }
        let email = input.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
        if email.as_deref().is_some_and(|e| !e.contains('@') || e.contains(char::is_whitespace)) {
            problems.push(Problem::new("email", "is not an email address"));
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let stamp = now();
        let mut report = ReportRow {
            id: 0,
            record_id: id,
            parent_id: row.parent_id,
            kind: input.kind,
            description: description.to_string(),
            reporter_id: subject.user,
            reporter_email: if subject.user.is_some() { None } else { email },
            status: "open".into(),
            outcome: None,
            note: None,
            created: stamp.clone(),
            updated: stamp,
        };
        let entry = |report_id: i64| {
            let event = Event::new("problem-reported", subject.user, format!("record {id}")).dataset(row.parent_id);
            vec![self.entry(event.detail(json!({"report": report_id, "kind": report.kind})))]
        };
        report.id = self.catalog.insert_report(&report, entry).await?;
        let body = format!(
            "A problem ({}) was reported with \"{}\" (record {id}):\n\n{}\n\nTriage it at {}\n",
            report.kind,
            doc.metadata.title.as_deref().unwrap_or("Untitled"),
            report.description,
            self.url(&format!("/api/reports/{}", report.id))
        );
        self.notify(&self.reviewers_of(&doc).await?, format!("Problem reported: record {id}"), body).await?;
        Ok(report)
    }

    /// Reports not yet closed on the datasets the caller reviews.
    pub async fn report_queue(&self, subject: &Subject) -> Result<Vec<ReportRow>> {
        subject.user.ok_or(Error::Unauthenticated)?;
        let mut mine = Vec::new();
        for report in self.catalog.open_reports().await? {
            let doc: RecordDoc = from_json(&self.published_row(report.record_id).await?.doc)?;
            let facts = self.with_named_people(facts_of_record(&doc)).await?;
            if authz::authorize(subject, Action::GovernRecord, &facts).allowed {
                mine.push(report);
            }
        }
        Ok(mine)
    }

    /// One report, for its reporter and for those who review its dataset.
    pub async fn report(&self, subject: &Subject, id: i64) -> Result<ReportRow> {
        let report = self.catalog.report(id).await?.ok_or_else(|| Error::not_found(format!("report {id}")))?;
        if subject.user.is_none() || report.reporter_id != subject.user {
            self.governed(subject, report.record_id, "reports").await?;
        }
        Ok(report)
    }

    /// Moves a report on: `investigating`, or `closed` as `dismissed` or `corrected`.
    pub async fn triage_report(
        &self,
        subject: &Subject,
        id: i64,
        status: &str,
        outcome: Option<&str>,
        note: Option<&str>,
    ) -> Result<ReportRow> {
        let report = self.catalog.report(id).await?.ok_or_else(|| Error::not_found(format!("report {id}")))?;
        self.governed(subject, report.record_id, "reports").await?;
        match (status, outcome) {
            ("investigating", None) => {}
            ("closed", Some(outcome)) if CLOSING_OUTCOMES.contains(&outcome) => {}
            ("closed", _) => {
                let message =
                    format!("closing needs an outcome: {} (a takedown ends as restored or deleted)", CLOSING_OUTCOMES.join(" or "));
                return Err(Error::Validation(vec![Problem::new("outcome", message)]));
            }
            _ => return Err(Error::Validation(vec![Problem::new("status", "is investigating or closed")])),
        }
        self.move_report(subject, report, status, outcome, note).await
    }

    /// Takes the dataset of record `id` down at once: only those who review it reach it until
    /// it is restored or its files are deleted.
    pub async fn take_down(&self, subject: &Subject, id: RecordId, reason: &str, report: Option<i64>) -> Result<TakedownRow> {
        let facts = self.governed(subject, id, "takedowns").await?;
        let parent = facts.parent.ok_or_else(|| Error::Corrupt(format!("record {id} has no dataset")))?;
        if reason.trim().is_empty() {
            return Err(Error::Validation(vec![Problem::new("reason", "is required: say why the record is taken down")]));
        }
        if self.catalog.active_takedown(parent).await?.is_some() {
            return Err(Error::Conflict(format!("the dataset of record {id} is taken down already")));
        }
        let linked =
            match report {
                Some(report) => Some(self.catalog.report(report).await?.filter(|r| r.parent_id == parent).ok_or_else(|| {
                    Error::Validation(vec![Problem::new("report", format!("report {report} is not about this dataset"))])
                })?),
                None => None,
            };
        let placed = |takedown: i64| {
            let event = Event::new("record-taken-down", subject.user, format!("record {id}")).dataset(parent);
            vec![self.entry(event.detail(json!({"takedown": takedown, "reason": reason.trim(), "report": report})))]
        };
        self.catalog.place_takedown(parent, report, reason.trim(), subject.user, &now(), placed).await?;
        // Out of the index at once; the takedown also stops every read that the index misses.
        self.index_parent(parent).await?;
        if let Some(linked) = linked.filter(|r| r.status == "open") {
            self.move_report(subject, linked, "investigating", None, Some("The record was taken down while this is reviewed.")).await?;
        }
        self.catalog.active_takedown(parent).await?.ok_or_else(|| Error::Corrupt("a takedown went missing".into()))
    }

    /// Ends a takedown: `restore` gives access back; otherwise every file of the dataset is
    /// deleted (the metadata stays, with a tombstone). Open reports about it are closed with
    /// that outcome and their reporters told.
    pub async fn end_takedown(&self, subject: &Subject, id: RecordId, restore: bool, note: &str) -> Result<()> {
        let facts = self.governed(subject, id, "takedowns").await?;
        let parent = facts.parent.ok_or_else(|| Error::Corrupt(format!("record {id} has no dataset")))?;
        let takedown = self
            .catalog
            .active_takedown(parent)
            .await?
            .ok_or_else(|| Error::Conflict(format!("the dataset of record {id} is not taken down")))?;
        let outcome = if restore { "restored" } else { "deleted" };
        if !restore {
            let reason = format!("deleted after review of a reported problem: {}", takedown.reason);
            for record in self.catalog.records_of_parent(parent).await? {
                // No rows, only the record's count of files.
                let (_, files) = self.catalog.record_files(record.id, 0, Some(0)).await?;
                if files > 0 {
                    self.delete_files(record.id, Doomed::All, &reason, &format!("takedown:{}", takedown.id), subject.user).await?;
                }
            }
        }
        let event = Event::new(format!("record-{outcome}"), subject.user, format!("record {id}")).dataset(parent);
        let entry = self.entry(event.detail(json!({"takedown": takedown.id, "note": note})));
        if !self.catalog.lift_takedown(parent, outcome, subject.user, &now(), vec![entry]).await? {
            return Err(Error::Conflict(format!("the takedown of record {id} was ended meanwhile")));
        }
        self.index_parent(parent).await?;
        for report in self.catalog.open_reports().await?.into_iter().filter(|r| r.parent_id == parent) {
            self.move_report(subject, report, "closed", Some(outcome), Some(note)).await?;
        }
        Ok(())
    }

    /// Records a report's new status, audits it, and tells the reporter when it closes.
    async fn move_report(
        &self,
        subject: &Subject,
        report: ReportRow,
        status: &str,
        outcome: Option<&str>,
        note: Option<&str>,
    ) -> Result<ReportRow> {
        let event = Event::new("report-triaged", subject.user, format!("report {}", report.id)).dataset(report.parent_id);
        let entry = self.entry(event.detail(json!({"status": status, "outcome": outcome, "note": note})));
        if !self.catalog.update_report(report.id, (status, outcome, note), &now(), vec![entry]).await? {
            return Err(Error::Conflict(format!("report {} is closed already", report.id)));
        }
        if status == "closed" {
            let body = format!(
                "Thank you for reporting a problem with record {} on {}.\n\nOutcome: {}\n{}\n",
                report.record_id,
                report.created.get(..10).unwrap_or(&report.created),
                outcome.unwrap_or_default(),
                note.map(|n| format!("Note: {n}\n")).unwrap_or_default()
            );
            let subject_line = format!("Your report about record {}", report.record_id);
            match (report.reporter_id, &report.reporter_email) {
                (Some(user), _) => self.notify(&[user], subject_line, body).await?,
                (None, Some(email)) => self.mail_to(vec![email.clone()], subject_line, body).await?,
                (None, None) => {}
            }
        }
        self.catalog.report(report.id).await?.ok_or_else(|| Error::not_found(format!("report {}", report.id)))
    }

    /// Who is told of a new report: the dataset's stewards and its named curators.
    async fn reviewers_of(&self, doc: &RecordDoc) -> Result<Vec<tessera_domain::UserId>> {
        let mut reviewers = self.stewards_of(doc).await?;
        let facts = self.with_named_people(facts_of_record(doc)).await?;
        reviewers.extend(facts.curators);
        Ok(reviewers)
    }

    /// Whether a dataset is taken down now.
    pub(crate) async fn is_taken_down(&self, parent: ParentId) -> Result<bool> {
        Ok(self.catalog.active_takedown(parent).await?.is_some())
    }
}
