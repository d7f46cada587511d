//! Memos of the rows downloads are decided on, and of who a caller is and may be on a dataset.
//! A download of an open file is the request a repository answers most, and asking the
//! database for its row cost half of each one's time; a signed-in caller's download asked
//! three questions more (the token's holder, the dataset's named people, the caller's grants).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tessera_domain::Role;

use crate::rows::{DownloadRow, GrantRow, MemberRow, SessionRow, TokenRow, UserRow};

/// How long a row may be used. This catalogue forgets every row as soon as it commits a change
/// to a record, its files or a takedown; other servers sharing a PostgreSQL catalogue write
/// without telling it, and their changes reach its downloads within this time.
pub const MEMO_AGE: Duration = Duration::from_secs(1);

/// About how many bytes of rows are kept; past it the memo starts again empty.
const MEMO_BYTES: usize = 16 << 20;

/// Each entry's bookkeeping beside its text, roughly.
const ENTRY_BYTES: usize = 256;

#[derive(Debug, Default)]
pub(crate) struct DownloadMemo {
    /// Moves on at each commit that changes what a download row says; a row read before it
    /// moved is not used again.
    generation: AtomicU64,
    rows: Mutex<Rows>,
}

#[derive(Debug, Default)]
struct Rows {
    by_file: HashMap<(i64, String), Kept>,
    bytes: usize,
}

#[derive(Debug)]
struct Kept {
    generation: u64,
    read: Instant,
    row: Arc<DownloadRow>,
}

impl DownloadMemo {
    /// The generation to give `keep` for a row about to be read.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn get(&self, record: i64, key: &str) -> Option<Arc<DownloadRow>> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = rows.by_file.get(&(record, key.to_string()))?;
        (kept.generation == self.generation() && kept.read.elapsed() < MEMO_AGE).then(|| kept.row.clone())
    }

    /// Keeps `row` if it has a file, read after `generation` was current: if a change was
    /// committed since, the row may predate it, and it is never used.
    pub(crate) fn keep(&self, generation: u64, row: Arc<DownloadRow>) {
        let Some(key) = row.file.as_ref().map(|file| file.key.clone()) else { return };
        let size = ENTRY_BYTES + row.record.doc.len() + key.len();
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        if rows.bytes + size > MEMO_BYTES {
            *rows = Rows::default();
        }
        rows.bytes += size;
        let kept = Kept { generation, read: Instant::now(), row };
        if let Some(old) = rows.by_file.insert((kept.row.record.id.0, key), kept) {
            rows.bytes -= ENTRY_BYTES + old.row.record.doc.len() + old.row.file.as_ref().map_or(0, |file| file.key.len());
        }
    }

    /// Called after each commit that changes a record, its files or a takedown.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// How many answers each kind of `AccessMemo` keeps; past it, that kind starts again empty.
const ACCESS_ANSWERS: usize = 10_000;

/// An API token's row, its holder and the holder's memberships.
pub(crate) type TokenAnswer = (TokenRow, UserRow, Vec<MemberRow>);

/// Answers about who a caller is and what they may do on a dataset, read lately: an API
/// token's or a browser session's holder, a person's roles, the people named on a dataset, a
/// person's grants for one. This catalogue forgets them all as soon as it commits a change to
/// accounts, memberships, tokens, sessions, named people or grants; changes other servers make
/// reach it within `MEMO_AGE`, as downloads'. Expiry dates are in the answers and compared
/// with the time at each use.
#[derive(Debug, Default)]
pub(crate) struct AccessMemo {
    generation: AtomicU64,
    pub(crate) tokens: Answers<String, TokenAnswer>,
    pub(crate) sessions: Answers<String, (SessionRow, UserRow)>,
    pub(crate) memberships: Answers<i64, Vec<MemberRow>>,
    pub(crate) people: Answers<i64, Vec<(Role, UserRow)>>,
    pub(crate) grants: Answers<(i64, i64), Vec<GrantRow>>,
}

impl AccessMemo {
    /// The generation to keep an answer under, taken before it is read.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Called after each commit that changes an account, a membership, a token, a session,
    /// the people named on a dataset or a grant.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The answer kept under `key` in `answers`, if it is of this generation and fresh.
    pub(crate) fn get<K, V, Q>(&self, answers: &Answers<K, V>, key: &Q) -> Option<V>
    where
        K: Eq + Hash + Borrow<Q>,
        Q: Eq + Hash + ?Sized,
        V: Clone,
    {
        let kept = answers.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let (generation, read, value) = kept.get(key)?;
        (*generation == self.generation() && read.elapsed() < MEMO_AGE).then(|| value.clone())
    }
}

/// One kind of answer, by what it answers.
#[derive(Debug)]
pub(crate) struct Answers<K, V> {
    kept: Mutex<HashMap<K, (u64, Instant, V)>>,
}

impl<K, V> Default for Answers<K, V> {
    fn default() -> Self {
        Self { kept: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash, V> Answers<K, V> {
    /// Keeps `value`, read after `generation` was current: if a change was committed since,
    /// it may predate it, and it is never used.
    pub(crate) fn keep(&self, key: K, generation: u64, value: V) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= ACCESS_ANSWERS {
            kept.clear();
        }
        kept.insert(key, (generation, Instant::now(), value));
    }
}
