//! The audit trail: appended in order under the head row's lock, read back in pages by number.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{OrgId, ParentId, UserId};

use super::{Catalog, Pool};
use crate::catalog::BeginWrite;
use crate::{Error, Result};

const COLUMNS: &str = "seq, at, actor, action, dataset, target, outcome, detail, prev, hash";

macro_rules! audit_row {
    ($row:expr) => {
        AuditEntry {
            seq: $row.try_get("seq")?,
            at: $row.try_get("at")?,
            actor: $row.try_get("actor")?,
            action: $row.try_get("action")?,
            dataset: $row.try_get("dataset")?,
            target: $row.try_get("target")?,
            outcome: $row.try_get("outcome")?,
            detail: $row.try_get("detail")?,
            prev: $row.try_get("prev")?,
            hash: $row.try_get("hash")?,
        }
    };
}

/// How much detail one statement appending entries carries at most, unless one entry alone
/// has more: the driver and the database each copy what a statement binds.
const BATCH_DETAIL_BYTES: usize = 1 << 20;

/// Entries in the batches they are inserted in: a thousand at most, and no more detail than
/// `BATCH_DETAIL_BYTES` beyond the first entry of each.
pub(crate) fn batches(entries: &[AuditEntry]) -> impl Iterator<Item = &[AuditEntry]> {
    let mut rest = entries;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let (mut count, mut bytes) = (1, first.detail.len());
        while let Some(next) = rest.get(count) {
            if count == super::INSERT_BATCH || bytes + next.detail.len() > BATCH_DETAIL_BYTES {
                break;
            }
            bytes += next.detail.len();
            count += 1;
        }
        let (batch, after) = rest.split_at(count);
        rest = after;
        Some(batch)
    })
}

/// Writes committed entries to the log too, where operators follow them as they happen.
pub(crate) fn log_committed(entries: &[AuditEntry]) {
    for entry in entries {
        tracing::info!(
            target: "audit",
            seq = entry.seq,
            action = %entry.action,
            // Left out when there is none, rather than logged as `None` and `Some(7)`.
            actor = entry.actor,
            dataset = entry.dataset,
            target = %entry.target,
            outcome = %entry.outcome,
            detail = %entry.detail,
            "{}",
            entry.action.replace('-', " "),
        );
    }
}

impl Catalog {
    /// Appends entries after the current head, numbering and chaining them, in a transaction
    /// of their own; returns them sealed. Concurrent appends wait for each other.
    pub async fn append_audit(&self, entries: Vec<AuditEntry>) -> Result<Vec<AuditEntry>> {
        if entries.is_empty() {
            return Ok(entries);
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let sealed = commit_audited!(tx, entries);
            Ok(sealed)
        })
    }

    /// Up to `limit` entries numbered above `after`, in order: for walking the whole trail.
    pub async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        on_mapped!(self, pool => {
            let rows = sqlx::query(&sql).bind(after).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(audit_row!(row))).collect()
        })
    }

    /// The first and last entry numbers written at or after `from` and before `until` (RFC 3339
    /// texts, compared as such), if any were.
    pub async fn audit_seq_range(&self, from: &str, until: &str) -> Result<Option<(i64, i64)>> {
        let sql = "SELECT MIN(seq) AS first, MAX(seq) AS last FROM audit_log WHERE at >= $1 AND at < $2";
        on_pool!(self, pool => {
            let row = sqlx::query(sql).bind(from).bind(until).fetch_one(pool).await?;
            let (first, last): (Option<i64>, Option<i64>) = (row.try_get("first")?, row.try_get("last")?);
            Ok::<_, Error>(first.zip(last))
        })
    }

    /// Up to `limit` entries about one dataset written in a period, numbered above `after`.
    pub async fn audit_of_dataset(&self, dataset: ParentId, from: &str, until: &str, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        self.audit_where("dataset", dataset.0, from, until, after, limit).await
    }

    /// Up to `limit` entries written in a period about an organization's datasets or about the
    /// organization itself (whose entries name it as `target`), in time order (then number),
    /// after the entry written at `after.0` numbered `after.1`. Each page walks the period's
    /// entries by time from where the last one ended, so it costs the same however long the
    /// trail and however many datasets the organization has.
    pub async fn audit_of_org(
        &self,
        org: &OrgId,
        target: &str,
        (from, until): (&str, &str),
        after: Option<(&str, i64)>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let (after_at, after_seq) = after.unwrap_or(("", 0));
        // The scan starts at the later of the period's start and the last page's end; the
        // comparison of pairs is one the planners keep to the index of times.
        let start = from.max(after_at);
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log WHERE at >= $1 AND at < $2 AND (at, seq) > ($3, $4) \
             AND (target = $5 OR EXISTS (SELECT 1 FROM records r WHERE r.parent_id = audit_log.dataset AND r.org_id = $6)) \
             ORDER BY at, seq LIMIT $7"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql)
                .bind(start).bind(until).bind(after_at).bind(after_seq).bind(target).bind(org.as_str()).bind(limit)
                .fetch_all(pool).await?;
            rows.iter().map(|row| Ok(audit_row!(row))).collect()
        })
    }

    /// Up to `limit` entries of one person's doings written in a period, numbered above `after`.
    pub async fn audit_of_actor(&self, actor: UserId, from: &str, until: &str, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        self.audit_where("actor", actor.0, from, until, after, limit).await
    }

    /// `column` is one of the indexed columns above, never input.
    async fn audit_where(
        &self,
        column: &'static str,
        value: i64,
        from: &str,
        until: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let sql =
            format!("SELECT {COLUMNS} FROM audit_log WHERE {column} = $1 AND at >= $2 AND at < $3 AND seq > $4 ORDER BY seq LIMIT $5");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(value).bind(from).bind(until).bind(after).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(audit_row!(row))).collect()
        })
    }

    /// The entry numbered `seq`.
    pub async fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(seq).fetch_optional(pool).await? {
            Some(row) => Ok(Some(audit_row!(row))),
            None => Ok(None),
        })
    }

    /// The number and hash of the last entry appended (0 and the genesis hash when none).
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?;
            Ok::<_, Error>((row.try_get("seq")?, row.try_get("hash")?))
        })
    }
}

#[cfg(test)]
mod tests {
    use tessera_domain::audit::AuditEntry;

    use super::{BATCH_DETAIL_BYTES, batches};

    fn sizes(details: &[usize]) -> Vec<usize> {
        let entries: Vec<AuditEntry> = details.iter().map(|&n| AuditEntry { detail: "x".repeat(n), ..AuditEntry::default() }).collect();
        let batched: Vec<&[AuditEntry]> = batches(&entries).collect();
        assert_eq!(batched.concat(), entries, "every entry once, in order");
        batched.iter().map(|batch| batch.len()).collect()
    }

    #[test]
    fn a_batch_holds_a_thousand_entries_or_a_mebibyte_of_detail() {
        assert_eq!(sizes(&[]), Vec::<usize>::new());
        assert_eq!(sizes(&[2; 2500]), [1000, 1000, 500]);
        let third = BATCH_DETAIL_BYTES / 3;
        assert_eq!(sizes(&[third; 7]), [3, 3, 1]);
        // An entry larger than the bound goes alone, and does not hold back the ones after it.
        assert_eq!(sizes(&[10, BATCH_DETAIL_BYTES * 2, 10, 10]), [1, 1, 2]);
    }
}
