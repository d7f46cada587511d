//! Dashboards for an organization's administrators, auditors and stewards: deposits and
//! downloads by month, the storage each organization uses (the basis for sharing its cost),
//! and the access requests waiting for a steward, by age.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use tessera_catalog::OrgRow;
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{OrgId, ParentId};
use tessera_storage::ByteStream;
use time::OffsetDateTime;

use crate::tessera::parse_time;
use crate::{Result, Tessera};

/// Months a dashboard shows, the current one last.
const MONTHS: usize = 12;

/// Upper bounds (in days) of the age groups of waiting requests; the last group is open.
pub const WAITING_AGES: [i64; 3] = [7, 30, 90];

/// Downloads counted in memory and written to the catalogue now and then (by the server's
/// job loop, at shutdown, and before a dashboard is read), so a download costs no write.
#[derive(Default)]
pub(crate) struct DownloadTally(Mutex<HashMap<(ParentId, String), i64>>);

impl DownloadTally {
    /// Counts a download of a dataset's file or archive when its body is first read (an empty
    /// file too), so HEAD requests and answers never sent are not counted.
    pub(crate) fn counting(self: &Arc<Self>, parent: ParentId, stream: ByteStream) -> ByteStream {
        let tally = self.clone();
        let count = futures::stream::once(async move { tally.add(parent, month_of(OffsetDateTime::now_utc().date()), 1) });
        count.filter_map(|()| async { None }).chain(stream).boxed()
    }

    fn take(&self) -> HashMap<(ParentId, String), i64> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    fn add(&self, parent: ParentId, month: String, downloads: i64) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).entry((parent, month)).or_default() += downloads;
    }
}

#[derive(Clone, Debug)]
pub struct Dashboard {
    pub organization: OrgRow,
    /// Versions published in each of the last twelve months (`2026-11`), oldest first.
    pub deposits: Vec<(String, i64)>,
    /// Downloads of whole files and archives in each of the last twelve months.
    pub downloads: Vec<(String, i64)>,
    /// The bytes and files each organization keeps (None: datasets of no organization).
    pub storage: Vec<(Option<OrgId>, i64, i64)>,
    /// Requests waiting for a steward in each age group of `WAITING_AGES`, and older.
    pub waiting: [usize; WAITING_AGES.len() + 1],
    /// Days the oldest waiting request has waited.
    pub oldest_waiting: Option<i64>,
}

impl Tessera {
    /// Writes the downloads counted since the last call; on failure they are kept for the next.
    pub async fn flush_downloads(&self) -> Result<()> {
        let counts = self.downloads.take();
        if counts.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = counts.iter().map(|((parent, month), n)| (*parent, month.clone(), *n)).collect();
        if let Err(err) = self.catalog.add_downloads(&rows).await {
            for ((parent, month), n) in counts {
                self.downloads.add(parent, month, n);
            }
            return Err(err.into());
        }
        Ok(())
    }

    /// An organization's dashboard: for its administrators, auditors and stewards.
    pub async fn dashboard(&self, subject: &Subject, org: &OrgId) -> Result<Dashboard> {
        self.authorize_org(subject, org, Action::ReadAudit, &format!("dashboard of {org}")).await?;
        self.flush_downloads().await?;
        let now = OffsetDateTime::now_utc();
        let months = last_months(now.date());
        let since = &months[0];
        let every_month = |counts: Vec<(String, i64)>| -> Vec<(String, i64)> {
            let counts: HashMap<_, _> = counts.into_iter().collect();
            months.iter().map(|m| (m.clone(), counts.get(m).copied().unwrap_or(0))).collect()
        };
        let mut waiting = [0; WAITING_AGES.len() + 1];
        let mut oldest_waiting = None;
        for request in self.catalog.pending_access_requests_of_org(org).await? {
            let days = (now - parse_time(&request.created)).whole_days();
            waiting[WAITING_AGES.iter().position(|bound| days < *bound).unwrap_or(WAITING_AGES.len())] += 1;
            oldest_waiting = oldest_waiting.max(Some(days));
        }
        Ok(Dashboard {
            organization: self.organization(org).await?,
            deposits: every_month(self.catalog.monthly_deposits(org, since).await?),
            downloads: every_month(self.catalog.monthly_downloads(org, since).await?),
            storage: self.catalog.storage_by_org().await?,
            waiting,
            oldest_waiting,
        })
    }
}

fn month_of(date: time::Date) -> String {
    format!("{:04}-{:02}", date.year(), u8::from(date.month()))
}

/// The last twelve months to `today`'s, oldest first.
fn last_months(today: time::Date) -> Vec<String> {
    let (mut year, mut month) = (today.year(), today.month());
    let mut months = Vec::with_capacity(MONTHS);
    for _ in 0..MONTHS {
        months.push(format!("{year:04}-{:02}", u8::from(month)));
        if month == time::Month::January {
            year -= 1;
        }
        month = month.previous();
    }
    months.reverse();
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_months_cross_the_year() {
        let months = last_months(time::macros::date!(2026 - 02 - 14));
        assert_eq!(months.len(), 12);
        assert_eq!(months.first().map(String::as_str), Some("2025-03"));
        assert_eq!(&months[9..], ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(month_of(time::macros::date!(2026 - 02 - 14)), "2026-02");
    }
}
