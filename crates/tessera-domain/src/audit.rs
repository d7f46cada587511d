//! The audit trail's entries and the hash chain that makes rewriting them detectable.
//!
//! Each entry carries the hash of the one before it, and its own hash is SHA-256 over that
//! and a JSON array of its fields in a fixed order. Editing, removing, inserting or reordering
//! an entry breaks the chain at that entry; cutting off the tail is caught by the checkpoints
//! kept in storage.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit trail, chained to the entry before it by its hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// 1 for the first entry, then one more for each; never reused.
    pub seq: i64,
    /// When, in RFC 3339.
    pub at: String,
    /// The user who acted, if anyone signed in.
    pub actor: Option<i64>,
    /// What happened, such as `sign-in`, `read-files` or `grant-revoked`.
    pub action: String,
    /// The dataset concerned, if any, for finding its history quickly.
    pub dataset: Option<i64>,
    /// What it happened to, in words: `record 12`, `file 'a.csv' of record 12`.
    pub target: String,
    /// `allowed`, `refused` or `done`.
    pub outcome: String,
    /// Further facts (reason, grant, purpose, address) as compact JSON text, hashed as stored.
    pub detail: String,
    /// The previous entry's hash.
    pub prev: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry should have, from its fields and `prev`.
    pub fn expected_hash(&self) -> String {
        let fields = (self.seq, &self.at, self.actor, &self.action, self.dataset, &self.target, &self.outcome, &self.detail);
        let canonical = serde_json::to_string(&fields).unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(self.prev.as_bytes());
        hasher.update(b"\n");
        hasher.update(canonical.as_bytes());
        const HEX: &[u8; 16] = b"0123456789abcdef";
        hasher.finalize().iter().flat_map(|b| [HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 15)] as char]).collect()
    }

    /// Places the entry after the one numbered `seq - 1` whose hash is `prev`.
    pub fn seal(mut self, seq: i64, prev: &str) -> Self {
        self.seq = seq;
        self.prev = prev.to_string();
        self.hash = self.expected_hash();
        self
    }
}

/// Where a chain stops being intact.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {expected} is missing: the next one found is {found}")]
    Missing { expected: i64, found: i64 },
    #[error("entry {seq} does not follow entry {}: its link to the previous hash is wrong (an entry before it was changed, removed or moved)", seq - 1)]
    Unlinked { seq: i64 },
    #[error("entry {seq} was changed after it was written: its hash does not match its contents")]
    Altered { seq: i64 },
}

/// Follows a chain entry by entry, from the start or from a known entry.
#[derive(Clone, Debug)]
pub struct ChainWalk {
    /// The last entry checked: its number and hash.
    pub seq: i64,
    pub hash: String,
}

impl Default for ChainWalk {
    fn default() -> Self {
        Self { seq: 0, hash: GENESIS.to_string() }
    }
}

impl ChainWalk {
    /// Checks that `entry` is intact and comes next.
    pub fn next(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.seq + 1 {
            return Err(ChainBreak::Missing { expected: self.seq + 1, found: entry.seq });
        }
        if entry.prev != self.hash {
            return Err(ChainBreak::Unlinked { seq: entry.seq });
        }
        if entry.hash != entry.expected_hash() {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        (self.seq, self.hash) = (entry.seq, entry.hash.clone());
        Ok(())
    }
}

/// A span of time to read entries from: `from` inclusive, `until` exclusive, both compared
/// as RFC 3339 texts, which sort as times do when written the way Tessera writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: String,
    pub until: String,
}

impl Period {
    /// From a first and a last day (`2026-01-31`) or moment (RFC 3339), each optional; a last
    /// day includes all of its moments.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, String> {
        for text in [from, to].into_iter().flatten() {
            let valid = if text.len() == 10 {
                crate::retention::parse_date(text).is_some()
            } else {
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
            };
            if !valid {
                return Err(format!("'{text}' is neither a date such as 2026-01-31 nor an RFC 3339 time"));
            }
        }
        // Every RFC 3339 time of a day sorts before "DAYT9"; a moment is included by the
        // smallest text after it.
        let until = match to {
            Some(day) if day.len() == 10 => format!("{day}T9"),
            Some(moment) => format!("{moment}\u{1}"),
            None => "9999".to_string(),
        };
        Ok(Self { from: from.unwrap_or_default().to_string(), until })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    at: "2026-11-22T10:00:00Z".into(),
                    actor: Some(7),
                    action: "read-files".into(),
                    target: format!("record {seq}"),
                    outcome: "allowed".into(),
                    detail: "{}".into(),
                    ..AuditEntry::default()
                }
                .seal(seq, &prev);
                prev = entry.hash.clone();
                entry
            })
            .collect()
    }

    fn walk(entries: &[AuditEntry]) -> Result<(), ChainBreak> {
        let mut walk = ChainWalk::default();
        entries.iter().try_for_each(|e| walk.next(e))
    }

    #[test]
    fn every_kind_of_tampering_breaks_the_chain_where_it_happened() {
        let entries = chain(5);
        assert_eq!(walk(&entries), Ok(()));
        assert_eq!(entries[0].hash.len(), 64);

        let mut edited = entries.clone();
        edited[2].outcome = "refused".into();
        assert_eq!(walk(&edited), Err(ChainBreak::Altered { seq: 3 }));

        let mut rehashed = entries.clone();
        rehashed[2].actor = Some(8);
        rehashed[2].hash = rehashed[2].expected_hash();
        assert_eq!(walk(&rehashed), Err(ChainBreak::Unlinked { seq: 4 }), "resealing one entry breaks the next link");

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(walk(&removed), Err(ChainBreak::Missing { expected: 2, found: 3 }));

        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        (reordered[1].seq, reordered[2].seq) = (2, 3);
        assert_eq!(walk(&reordered), Err(ChainBreak::Unlinked { seq: 2 }));

        let mut inserted = entries.clone();
        inserted.insert(2, inserted[1].clone().seal(3, &entries[1].hash));
        assert!(walk(&inserted).is_err());
    }

    #[test]
    fn periods_take_days_and_moments() {
        let day = Period::parse(Some("2026-01-01"), Some("2026-01-31")).unwrap();
        assert!(day.from.as_str() <= "2026-01-01T00:00:00Z" && "2026-01-31T23:59:59Z" < day.until.as_str());
        assert!("2026-02-01T00:00:00Z" >= day.until.as_str());
        let open = Period::parse(None, None).unwrap();
        assert!(open.from.as_str() <= "0000" && "9000-01-01" < open.until.as_str());
        assert!(Period::parse(Some("January"), None).unwrap_err().contains("'January'"));
        assert!(Period::parse(None, Some("2026-02-30")).is_err());
    }
}
