//! Compliance reports per organization: grants by state, accesses per restricted dataset,
//! overdue deletions, records missing governance fields, a risk-based sample of restricted
//! downloads for stewards to check (with their findings), and aggregate figures that can be
//! published.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use tessera_catalog::{CheckRow, GrantRow};
use tessera_domain::audit::{AuditEntry, Period};
use tessera_domain::authz::{Action, Role, Subject};
use tessera_domain::retention::{self, EndAction};
use tessera_domain::{DataClass, OrgId, ParentId, Problem, RecordId};
use time::{Duration, OffsetDateTime};

use crate::audit::Event;
use crate::drafts::from_json;
use crate::model::RecordDoc;
use crate::retention::DueFiles;
use crate::tessera::{from_now, now, parse_time};
use crate::{Error, Result, Tessera};

/// Grants ending within this many days are "expiring".
const EXPIRING_DAYS: i64 = 30;

/// One restricted dataset's reads in the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetAccesses {
    pub parent: ParentId,
    pub record: RecordId,
    pub title: String,
    pub data_class: DataClass,
    pub downloads: usize,
    pub refusals: usize,
    /// Different people who downloaded.
    pub people: usize,
}

/// A record lacking what governance needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingFields {
    pub record: RecordId,
    pub title: String,
    /// `steward`, `licence`, `retention`.
    pub missing: Vec<&'static str>,
}

#[derive(Clone, Debug, Default)]
pub struct ComplianceReport {
    pub active: Vec<GrantRow>,
    /// Active, ending within 30 days.
    pub expiring: Vec<GrantRow>,
    pub expired: Vec<GrantRow>,
    pub revoked: Vec<GrantRow>,
    pub accesses: Vec<DatasetAccesses>,
    /// Files whose deletion date has passed (before today) but which are still stored.
    pub overdue: Vec<DueFiles>,
    pub missing: Vec<MissingFields>,
    pub checks: Vec<CheckRow>,
}

impl Tessera {
    /// The compliance report of an organization for a period (accesses are counted in it;
    /// grants and fields are as they stand): its administrators, auditors and stewards.
    pub async fn compliance_report(&self, subject: &Subject, org: &OrgId, period: &Period) -> Result<ComplianceReport> {
        self.authorize_org(subject, org, Action::ReadAudit, &format!("compliance report of {org}")).await?;
        let datasets = self.datasets(org).await?;
        let mut report = ComplianceReport::default();
        let now_time = OffsetDateTime::now_utc();
        for parent in datasets.keys() {
            for grant in self.catalog.grants_of_parent(*parent).await? {
                let expires = parse_time(&grant.expires);
                if grant.revoked.is_some() {
                    report.revoked.push(grant);
                } else if expires <= now_time {
                    report.expired.push(grant);
                } else {
                    if expires <= now_time + Duration::days(EXPIRING_DAYS) {
                        report.expiring.push(grant.clone());
                    }
                    report.active.push(grant);
                }
            }
        }
        for (parent, doc) in &datasets {
            let restricted =
                doc.access.data_class() > DataClass::Registered || doc.access.file_classes.values().any(|c| *c > DataClass::Registered);
            if !restricted {
                continue;
            }
            let entries = self.dataset_entries(*parent, period).await?;
            let reads = entries.iter().filter(|e| e.action == "read-files");
            let downloads: Vec<&AuditEntry> = reads.clone().filter(|e| e.outcome == "allowed").collect();
            report.accesses.push(DatasetAccesses {
                parent: *parent,
                record: doc.id,
                title: doc.metadata.title.clone().unwrap_or_default(),
                data_class: doc.access.data_class(),
                downloads: downloads.len(),
                refusals: reads.filter(|e| e.outcome == "refused").count(),
                people: downloads.iter().filter_map(|e| e.actor).collect::<BTreeSet<_>>().len(),
            });
        }
        let yesterday = now_time.date() - Duration::days(1);
        report.overdue = self
            .files_due(yesterday)
            .await?
            .into_iter()
            .filter(|due| due.organization.as_ref() == Some(org) && due.action == EndAction::DeleteFiles && !due.held)
            .collect();
        report.missing = self.missing_fields(org, &datasets).await?;
        report.checks = self.catalog.checks_of(org).await?;
        Ok(report)
    }

    /// Records whose dataset has nobody to decide access, no licence, or nothing that ever
    /// ends how long their files are kept.
    async fn missing_fields(&self, org: &OrgId, datasets: &BTreeMap<ParentId, RecordDoc>) -> Result<Vec<MissingFields>> {
        let org_has_stewards = self.catalog.members_of(org).await?.iter().any(|m| m.role == Role::Steward);
        let schedules: Vec<_> = self.catalog.schedules().await?.iter().filter_map(crate::retention::schedule_of).collect();
        let mut missing = Vec::new();
        for (parent, doc) in datasets {
            let mut lacks = Vec::new();
            if !org_has_stewards && self.named_stewards(*parent).await?.is_empty() {
                lacks.push("steward");
            }
            if doc.metadata.rights.is_empty() {
                lacks.push("licence");
            }
            let published = doc.created.get(..10).and_then(retention::parse_date).unwrap_or(time::Date::MIN);
            if retention::due(&doc.access.retention, Some(org), doc.access.data_class(), published, &schedules).is_none() {
                lacks.push("retention");
            }
            if !lacks.is_empty() {
                missing.push(MissingFields { record: doc.id, title: doc.metadata.title.clone().unwrap_or_default(), missing: lacks });
            }
        }
        Ok(missing)
    }

    /// A sample of recent restricted downloads for a steward to check, riskiest first: reads
    /// through a secret link, then under a grant, then by the people who look after the data;
    /// entries checked already are left out.
    pub async fn download_sample(&self, subject: &Subject, org: &OrgId, days: i64, size: usize) -> Result<Vec<AuditEntry>> {
        self.authorize_org(subject, org, Action::DecideAccess, &format!("download sample of {org}")).await?;
        let period = Period { from: from_now(-Duration::days(days.clamp(1, 366))), until: "9999".into() };
        let checked: BTreeSet<i64> = self.catalog.checks_of(org).await?.iter().map(|c| c.seq).collect();
        let mut candidates = Vec::new();
        for parent in self.datasets(org).await?.keys() {
            for entry in self.dataset_entries(*parent, &period).await? {
                if entry.action == "read-files" && entry.outcome == "allowed" && !checked.contains(&entry.seq) {
                    let detail: Value = serde_json::from_str(&entry.detail).unwrap_or_default();
                    let risk = if !detail["link"].is_null() {
                        3
                    } else if detail["grant_id"].is_string() {
                        2
                    } else {
                        1
                    };
                    candidates.push((risk, entry));
                }
            }
        }
        candidates.sort_by(|(a, x), (b, y)| b.cmp(a).then(y.seq.cmp(&x.seq)));
        Ok(candidates.into_iter().take(size.clamp(1, 100)).map(|(_, entry)| entry).collect())
    }

    /// A steward records what checking one sampled download found.
    pub async fn check_download(&self, subject: &Subject, org: &OrgId, seq: i64, verdict: &str, finding: &str) -> Result<CheckRow> {
        self.authorize_org(subject, org, Action::DecideAccess, &format!("download checks of {org}")).await?;
        let mut problems = Vec::new();
        if !["fine", "concern"].contains(&verdict) {
            problems.push(Problem::new("verdict", "is fine or concern"));
        }
        if finding.trim().is_empty() {
            problems.push(Problem::new("finding", "is required: say what the check found"));
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let entry = self.catalog.audit_entry(seq).await?.filter(|e| e.action == "read-files" && e.outcome == "allowed");
        let entry = entry.ok_or_else(|| Error::not_found(format!("download {seq}")))?;
        let parents = self.datasets(org).await?;
        if !entry.dataset.is_some_and(|d| parents.contains_key(&ParentId(d))) {
            return Err(Error::not_found(format!("download {seq} of {org}'s data")));
        }
        let check = CheckRow {
            seq,
            org_id: org.clone(),
            checked_by: subject.user,
            checked: now(),
            verdict: verdict.to_string(),
            finding: finding.trim().to_string(),
        };
        let event =
            Event::new("download-checked", subject.user, format!("audit entry {seq}")).dataset(ParentId(entry.dataset.unwrap_or_default()));
        let checked = self.entry(event.detail(json!({"verdict": verdict, "finding": check.finding})));
        if !self.catalog.insert_check(&check, vec![checked]).await? {
            return Err(Error::Conflict(format!("download {seq} was checked already")));
        }
        Ok(check)
    }

    /// Figures about an organization that can be published: counts only, no one named.
    pub async fn published_figures(&self, org: &OrgId, period: &Period) -> Result<Value> {
        self.catalog.organization(org).await?.ok_or_else(|| Error::not_found(format!("organization {org}")))?;
        let datasets = self.datasets(org).await?;
        let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut requests, mut approved, mut refused, mut downloads, mut grants_active) = (0, 0, 0, 0, 0);
        let now_time = OffsetDateTime::now_utc();
        for (parent, doc) in &datasets {
            *by_class.entry(doc.access.data_class().as_str()).or_default() += 1;
            for entry in self.dataset_entries(*parent, period).await? {
                match (entry.action.as_str(), entry.outcome.as_str()) {
                    ("access-requested", _) => requests += 1,
                    ("access-request-approved", _) => approved += 1,
                    ("access-request-refused", _) => refused += 1,
                    ("read-files", "allowed") => downloads += 1,
                    _ => {}
                }
            }
            grants_active += self
                .catalog
                .grants_of_parent(*parent)
                .await?
                .iter()
                .filter(|g| g.revoked.is_none() && parse_time(&g.expires) > now_time)
                .count();
        }
        Ok(json!({
            "organization": org,
            "period": {"from": period.from, "until": period.until},
            "datasets": datasets.len(),
            "datasets_by_class": by_class,
            "access_requests": {"received": requests, "approved": approved, "refused": refused},
            "grants_active": grants_active,
            "restricted_downloads": downloads,
        }))
    }

    /// The latest version of each of an organization's datasets, by dataset.
    pub(crate) async fn datasets(&self, org: &OrgId) -> Result<BTreeMap<ParentId, RecordDoc>> {
        let mut latest = BTreeMap::new();
        // In version order, so the last of each dataset is its latest.
        for row in self.catalog.records_of_org(org).await? {
            latest.insert(row.parent_id, from_json::<RecordDoc>(&row.doc)?);
        }
        Ok(latest)
    }

    /// Every audit entry about one dataset in a period.
    pub(crate) async fn dataset_entries(&self, parent: ParentId, period: &Period) -> Result<Vec<AuditEntry>> {
        let mut entries = Vec::new();
        let mut after = 0;
        loop {
            let page = self.catalog.audit_of_dataset(parent, &period.from, &period.until, after, crate::audit::AUDIT_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            entries.extend(page);
        }
        Ok(entries)
    }
}
