//! A memo of the rows downloads are decided on. A download of an open file is the request a
//! repository answers most, and asking the database for its row cost half of each one's time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::rows::DownloadRow;

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
