//! `Catalog`: every query Tessera makes, written once and run on SQLite or PostgreSQL.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row};
use tessera_domain::audit::AuditEntry;
use tessera_domain::{OrgId, ParentId, RecordId, Role, UserId};

use crate::memo::{AccessMemo, DownloadMemo};
use crate::rows::{
    DeletedFileRow, DownloadRow, DraftFileRow, DraftRow, FileRow, Placements, Present, Published, RecordFiles, RecordRow, RecordStats,
    TaskEnd, UploadRow,
};
use crate::{Error, Result};

/// Every engine the catalogue runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
enum Pool {
    /// Two pools on one file. A connection that maps the file into memory reads its pages
    /// without a system call each, but SQLite drops that map whenever another connection has
    /// written since it last read, and mapping again (and sending the other core a TLB flush)
    /// costs more than a request's few lookups save. So reads of many rows at a time go
    /// through `mapped` (`on_mapped!`); writes and lookups of a few rows through `plain`.
    Sqlite {
        plain: SqlitePool,
        mapped: SqlitePool,
    },
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Catalog {
    pool: Pool,
    downloads: Arc<DownloadMemo>,
    access: Arc<AccessMemo>,
}

/// Runs the same body on whichever pool the catalogue holds; `$pool` is bound to it.
macro_rules! on_pool {
    ($catalog:expr, $pool:ident => $body:expr) => {
        match &$catalog.pool {
            Pool::Sqlite { plain: $pool, .. } => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// Starts a transaction that writes. On SQLite it takes the write lock at once, waiting for it
/// as long as the busy timeout allows: a transaction that reads first takes a snapshot, and if
/// another connection writes before its own first write, SQLite refuses that write at once
/// ("database is locked") rather than wait, since the snapshot is stale.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    /// What a `SELECT` of one row ends with to keep that row from changing until the
    /// transaction ends: nothing on SQLite, whose write transactions hold the whole database.
    const SHARE_ROW: &'static str;
    /// What a text column is followed by to compare as bytes, as Rust and SQLite compare.
    const BYTE_ORDER: &'static str;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Self::Db>>;
}

/// `BeginWrite::SHARE_ROW` of the pool `on_pool!` bound.
pub(crate) fn share_row<P: BeginWrite>(_: &P) -> &'static str {
    P::SHARE_ROW
}

/// `BeginWrite::BYTE_ORDER` of the pool `on_pool!` bound.
pub(crate) fn byte_order<P: BeginWrite>(_: &P) -> &'static str {
    P::BYTE_ORDER
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    const SHARE_ROW: &'static str = "";
    const BYTE_ORDER: &'static str = "";
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    const SHARE_ROW: &'static str = " FOR SHARE";
    const BYTE_ORDER: &'static str = " COLLATE \"C\"";
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.begin().await
    }
}

/// As `on_pool!`, for a read of many rows: on SQLite, through connections that map the file.
macro_rules! on_mapped {
    ($catalog:expr, $pool:ident => $body:expr) => {
        match &$catalog.pool {
            Pool::Sqlite { mapped: $pool, .. } => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// The rows of a `fetch` stream, each mapped as it arrives. A list of 100,000 files read with
/// `fetch_all` held every row as the engine gave it (SQLite copies each value) beside what was
/// made of them: more memory than the list itself.
macro_rules! map_rows {
    ($rows:expr, |$row:ident| $map:expr) => {{
        let mut rows = $rows;
        let mut mapped = Vec::new();
        while let Some($row) = futures::TryStreamExt::try_next(&mut rows).await? {
            mapped.push($map);
        }
        mapped
    }};
}

/// Appends audit entries after the chain's head inside the transaction `$tx`, numbering and
/// chaining them; evaluates to the sealed entries. Taking the head row first locks it
/// (PostgreSQL) or the database (SQLite) until the transaction ends, so concurrent appends
/// wait, and an entry is written exactly when the change it records is.
macro_rules! append_in_tx {
    ($tx:expr, $entries:expr) => {{
        let entries: Vec<tessera_domain::audit::AuditEntry> = $entries;
        let mut sealed = Vec::with_capacity(entries.len());
        if !entries.is_empty() {
            let count = entries.len() as i64;
            let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
                .bind(count)
                .fetch_one(&mut *$tx)
                .await?;
            let (last, mut prev): (i64, String) = (sqlx::Row::try_get(&head, "seq")?, sqlx::Row::try_get(&head, "hash")?);
            for (offset, entry) in entries.into_iter().enumerate() {
                let entry = entry.seal(last - count + 1 + offset as i64, &prev);
                prev = entry.hash.clone();
                sealed.push(entry);
            }
            for chunk in $crate::catalog::audit::batches(&sealed) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_log (seq, at, actor, action, dataset, target, outcome, detail, prev, hash) ",
                );
                insert.push_values(chunk, |mut b, e| {
                    b.push_bind(e.seq)
                        .push_bind(&e.at)
                        .push_bind(e.actor)
                        .push_bind(&e.action)
                        .push_bind(e.dataset)
                        .push_bind(&e.target)
                        .push_bind(&e.outcome)
                        .push_bind(&e.detail)
                        .push_bind(&e.prev)
                        .push_bind(&e.hash);
                });
                insert.build().execute(&mut *$tx).await?;
            }
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev).execute(&mut *$tx).await?;
        }
        sealed
    }};
}

/// Appends `$entries` to the audit trail inside `$tx` and commits it. The entries go to the
/// log only once committed, so the log never shows a change that did not happen; evaluates to
/// the sealed entries.
macro_rules! commit_audited {
    ($tx:expr, $entries:expr) => {{
        let sealed = append_in_tx!($tx, $entries);
        $tx.commit().await?;
        $crate::catalog::audit::log_committed(&sealed);
        sealed
    }};
}

/// Moves published records to the end of the OAI-PMH feed inside the transaction `$tx`, in
/// the order given: each gets the next number and a datestamp no earlier than its time (`$at`
/// of its place in `$records`) nor than any before it, and is marked deleted exactly when its
/// dataset is under a takedown. `$sets`, when given, replaces each record's sets (one list a
/// record). Taking the counter row first makes concurrent writers wait, so numbers become
/// visible in order and a resumed harvest never jumps past an uncommitted one.
macro_rules! touch_oai_in_tx {
    ($tx:expr, $records:expr, $sets:expr, $at:expr) => {{
        let records: &[tessera_domain::RecordId] = $records;
        let sets: Option<&[&[String]]> = $sets;
        if !records.is_empty() {
            let count = records.len() as i64;
            let last: i64 = sqlx::Row::try_get(
                &sqlx::query("UPDATE counters SET value = value + $1 WHERE name = 'oai' RETURNING value")
                    .bind(count)
                    .fetch_one(&mut *$tx)
                    .await?,
                "value",
            )?;
            let latest: Option<String> =
                sqlx::Row::try_get(&sqlx::query("SELECT MAX(datestamp) AS latest FROM oai_items").fetch_one(&mut *$tx).await?, "latest")?;
            let at = $at;
            let mut stamp = latest.unwrap_or_default();
            let stamps: Vec<String> = (0..records.len())
                .map(|n| {
                    stamp = $crate::catalog::oai_datestamp(at(n)).max(std::mem::take(&mut stamp));
                    stamp.clone()
                })
                .collect();
            let seq_of = |n: usize| last - count + 1 + n as i64;
            for (n, chunk) in records.chunks($crate::catalog::INSERT_BATCH).enumerate() {
                // The takedown check is written once, over the rows: written into each row,
                // SQLite's cost grew with the square of their number (125 ms for a thousand).
                // SQLite needs the `WHERE` to read the `ON CONFLICT` after a `SELECT` rightly.
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO oai_items (record_id, seq, datestamp, deleted) SELECT v.column1, v.column2, v.column3, \
                     EXISTS (SELECT 1 FROM takedowns t JOIN records r ON r.parent_id = t.parent_id \
                     WHERE r.id = v.column1 AND t.lifted IS NULL) FROM (",
                );
                insert.push_values(chunk.iter().enumerate(), |mut b, (i, record)| {
                    let n = n * $crate::catalog::INSERT_BATCH + i;
                    b.push_bind(record.0).push_bind(seq_of(n)).push_bind(&stamps[n]);
                });
                insert.push(
                    ") AS v WHERE TRUE \
                     ON CONFLICT (record_id) DO UPDATE SET seq = excluded.seq, datestamp = excluded.datestamp, deleted = excluded.deleted",
                );
                insert.build().persistent($crate::catalog::kept_prepared(chunk.len())).execute(&mut *$tx).await?;
            }
            match sets {
                Some(sets) => {
                    for chunk in records.chunks($crate::catalog::INSERT_BATCH) {
                        let mut delete = sqlx::QueryBuilder::new("DELETE FROM oai_item_sets WHERE record_id IN (");
                        $crate::catalog::push_list(&mut delete, chunk.iter().map(|record| record.0));
                        delete.build().persistent($crate::catalog::kept_prepared(chunk.len())).execute(&mut *$tx).await?;
                    }
                    let rows: Vec<(&String, i64, usize)> = records
                        .iter()
                        .zip(sets)
                        .enumerate()
                        .flat_map(|(n, (record, sets))| sets.iter().map(move |set| (set, record.0, n)))
                        .collect();
                    for chunk in rows.chunks($crate::catalog::INSERT_BATCH) {
                        let mut insert = sqlx::QueryBuilder::new("INSERT INTO oai_item_sets (set_spec, record_id, datestamp, seq) ");
                        insert.push_values(chunk, |mut b, (set, record, n)| {
                            b.push_bind(*set).push_bind(*record).push_bind(&stamps[*n]).push_bind(seq_of(*n));
                        });
                        insert.build().persistent($crate::catalog::kept_prepared(chunk.len())).execute(&mut *$tx).await?;
                    }
                }
                None => {
                    for (n, record) in records.iter().enumerate() {
                        sqlx::query("UPDATE oai_item_sets SET datestamp = $1, seq = $2 WHERE record_id = $3")
                            .bind(&stamps[n])
                            .bind(seq_of(n))
                            .bind(record.0)
                            .execute(&mut *$tx)
                            .await?;
                    }
                }
            }
        }
    }};
}

/// The ids of every published version of `$parent`, read inside the transaction `$tx`.
macro_rules! versions_in_tx {
    ($tx:expr, $parent:expr) => {{
        let rows = sqlx::query("SELECT id FROM records WHERE parent_id = $1 ORDER BY id").bind($parent.0).fetch_all(&mut *$tx).await?;
        rows.iter().map(|row| Ok(tessera_domain::RecordId(sqlx::Row::try_get(row, "id")?))).collect::<Result<Vec<_>>>()?
    }};
}

/// Inserts a batch of published files, `(record id, row, place in key order)`, inside the
/// transaction `$tx`.
macro_rules! insert_record_files_in_tx {
    ($tx:expr, $chunk:expr) => {{
        let chunk: &[(i64, &FileRow, i64)] = $chunk;
        let mut insert = QueryBuilder::new("INSERT INTO record_files (record_id, key, size, md5, sha512, content_key, ordinal) ");
        insert.push_values(chunk, |mut b, (id, f, ordinal)| {
            b.push_bind(id)
                .push_bind(&f.key)
                .push_bind(f.size)
                .push_bind(&f.md5)
                .push_bind(&*f.sha512)
                .push_bind(&f.content_key)
                .push_bind(ordinal);
        });
        insert.build().persistent(kept_prepared(chunk.len())).execute(&mut *$tx).await?;
    }};
}

/// Copies draft `$draft`'s files into record `$id`'s rows inside the transaction `$tx`, each
/// with the storage key `$placements` gives its SHA-512, and its place in key order as bytes
/// (`$bytes`, `BeginWrite::BYTE_ORDER`): the placements go into a table of their own, and the
/// rows are copied in one statement, never read out. A file not committed or not placed
/// refuses the copy.
macro_rules! copy_draft_files_in_tx {
    ($tx:expr, $id:expr, $draft:expr, $placements:expr, $bytes:expr) => {{
        let (id, draft, placements): (i64, RecordId, &Placements) = ($id, $draft, $placements);
        let mut batches = placements
            .take()
            .ok_or_else(|| Error::Rows(std::io::Error::other(format!("the placements of draft {draft} were read already"))))?;
        while let Some(batch) = futures::TryStreamExt::try_next(&mut batches).await.map_err(Error::Rows)? {
            for chunk in batch.chunks(INSERT_BATCH) {
                let mut insert = QueryBuilder::new("INSERT INTO draft_placements (draft_id, sha512, content_key) ");
                insert.push_values(chunk, |mut b, (sha512, content_key)| {
                    b.push_bind(draft.0).push_bind(&**sha512).push_bind(content_key);
                });
                insert.build().persistent(kept_prepared(chunk.len())).execute(&mut *$tx).await?;
            }
        }
        // Only committed and placed files are copied; when that is not all of them, the one
        // left out is found and named, and the transaction goes with the error. Looked for
        // first, it cost a scan of the draft's rows as long as the copy.
        let committed = "d.status = 'completed' AND d.md5 IS NOT NULL AND d.sha512 IS NOT NULL";
        let copy = format!(
            "INSERT INTO record_files (record_id, key, size, md5, sha512, content_key, ordinal) \
             SELECT $1, d.key, COALESCE(d.size, 0), d.md5, d.sha512, p.content_key, ROW_NUMBER() OVER (ORDER BY d.key{}) - 1 \
             FROM draft_files d JOIN draft_placements p ON p.draft_id = d.draft_id AND p.sha512 = d.sha512 \
             WHERE d.draft_id = $2 AND {committed}",
            $bytes
        );
        let copied = sqlx::query(&copy).bind(id).bind(draft.0).execute(&mut *$tx).await?.rows_affected();
        let files: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM draft_files WHERE draft_id = $1").bind(draft.0).fetch_one(&mut *$tx).await?;
        if i64::try_from(copied).ok() != Some(files) {
            let refused = format!(
                "SELECT d.key, {committed} AS committed FROM draft_files d WHERE d.draft_id = $1 AND NOT ({committed} \
                 AND EXISTS (SELECT 1 FROM draft_placements p WHERE p.draft_id = d.draft_id AND p.sha512 = d.sha512)) LIMIT 1"
            );
            let row = sqlx::query(&refused).bind(draft.0).fetch_one(&mut *$tx).await?;
            let (key, committed): (String, bool) = (row.try_get("key")?, row.try_get("committed")?);
            let what = if committed { "is not in storage" } else { "was never committed" };
            return Err(Error::Rows(std::io::Error::other(format!("file '{key}' of draft {draft} {what}"))));
        }
        sqlx::query("DELETE FROM draft_placements WHERE draft_id = $1").bind(draft.0).execute(&mut *$tx).await?;
    }};
}

/// Inserts draft `$draft`'s files inside the transaction `$tx`, a batch at a time; a key the
/// draft has already, as its own or carried, rolls the transaction back and returns a conflict.
/// A carried file the draft deleted leaves its mark to the new file of its key.
macro_rules! insert_draft_files_in_tx {
    ($tx:expr, $draft:expr, $files:expr) => {
        let draft: RecordId = $draft;
        let carries = carried_from_in_tx!($tx, draft).is_some();
        for chunk in $files.chunks($crate::catalog::INSERT_BATCH) {
            if carries {
                let mut carried = QueryBuilder::new("");
                push_carried_among(&mut carried, draft, chunk.iter().map(|f| f.key.as_str()));
                carried.push(" LIMIT 1");
                if carried.build().fetch_optional(&mut *$tx).await?.is_some() {
                    $tx.rollback().await?;
                    return Err(Error::Conflict { what: "a file with that key".into() });
                }
                let mut marks = QueryBuilder::new("DELETE FROM draft_files WHERE status = 'removed' AND draft_id = ");
                marks.push_bind(draft.0).push(" AND key IN (");
                push_list(&mut marks, chunk.iter().map(|f| f.key.as_str()));
                marks.build().execute(&mut *$tx).await?;
            }
            let mut insert = QueryBuilder::new(format!("INSERT INTO draft_files ({DRAFT_FILE_COLUMNS}) "));
            insert.push_values(chunk, |mut b, f| {
                b.push_bind(f.draft_id.0)
                    .push_bind(&f.key)
                    .push_bind(&f.status)
                    .push_bind(f.size)
                    .push_bind(&f.md5)
                    .push_bind(&f.sha512)
                    .push_bind(f.staged)
                    .push_bind(&f.created)
                    .push_bind(&f.updated);
            });
            if let Err(err) = insert.build().execute(&mut *$tx).await {
                // At once, not when dropped: SQLite would keep the write lock meanwhile. What
                // SQLite rolled back itself (at a full disk) has nothing left to roll back, and
                // the failure to report is the first.
                let _ = $tx.rollback().await;
                return if is_unique_violation(&err) {
                    Err(Error::Conflict { what: "a file with that key".into() })
                } else {
                    Err(err.into())
                };
            }
        }
    };
}

/// Runs `$query` (a conditional UPDATE) in a transaction that also appends `$audit` when it
/// changed a row, and rolls back at once when it changed none; evaluates to whether it did.
macro_rules! update_audited {
    ($catalog:expr, $audit:expr, $query:expr) => {{
        let changed: Result<bool> = on_pool!($catalog, pool => {
            let mut tx = $crate::catalog::BeginWrite::begin_write(pool).await?;
            if $query.execute(&mut *tx).await?.rows_affected() == 0 {
                tx.rollback().await?;
                Ok(false)
            } else {
                commit_audited!(tx, $audit);
                Ok(true)
            }
        });
        changed
    }};
}

/// Inside the transaction `$tx`, the record whose files draft `$draft` carries, if any.
macro_rules! carried_from_in_tx {
    ($tx:expr, $draft:expr) => {{
        let sql = "SELECT carried_from FROM drafts WHERE id = $1";
        let from: Option<Option<i64>> = sqlx::query_scalar(sql).bind($draft.0).fetch_optional(&mut *$tx).await?;
        from.flatten()
    }};
}

/// Removes draft `$draft`'s file `$key` inside the transaction `$tx`: its own row goes, and a
/// carried file of that key is marked deleted ('removed'). Evaluates to whether there was a
/// file of that key.
macro_rules! remove_draft_file_in_tx {
    ($tx:expr, $draft:expr, $key:expr) => {{
        let (draft, key): (RecordId, &str) = ($draft, $key);
        let own = "DELETE FROM draft_files WHERE draft_id = $1 AND key = $2 AND status <> 'removed'";
        let removed = sqlx::query(own).bind(draft.0).bind(key).execute(&mut *$tx).await?.rows_affected();
        let mark = format!(
            "INSERT INTO draft_files ({DRAFT_FILE_COLUMNS}) SELECT draft_id, key, 'removed', NULL, NULL, NULL, staged, created, updated \
             FROM ({}) c",
            carried_files_sql("AND f.key = $2")
        );
        let marked = sqlx::query(&mark).bind(draft.0).bind(key).execute(&mut *$tx).await?.rows_affected();
        removed + marked > 0
    }};
}

/// The files draft `$1` carries from the record it started from (`drafts.carried_from`) and
/// has no row of its own for, as draft files' columns; `only` narrows them (on `f`, the
/// record's file).
fn carried_files_sql(only: &str) -> String {
    carried_files_keyed("f.key", only)
}

/// `carried_files_sql` with `key` for the key's column. The record and the draft's time are
/// asked for once, apart (not joined), so that PostgreSQL plans the record's files as one
/// index range in key order.
fn carried_files_keyed(key: &str, only: &str) -> String {
    format!(
        "SELECT CAST($1 AS BIGINT) AS draft_id, {key}, 'completed' AS status, f.size, f.md5, f.sha512, FALSE AS staged, \
         (SELECT created FROM drafts WHERE id = $1) AS created, (SELECT created FROM drafts WHERE id = $1) AS updated \
         FROM record_files f WHERE f.record_id = (SELECT carried_from FROM drafts WHERE id = $1) \
         AND NOT EXISTS (SELECT 1 FROM draft_files o WHERE o.draft_id = $1 AND o.key = f.key) {only}"
    )
}

/// Pushes onto `select` a query of the keys among `keys` of the files draft `draft` carries
/// and has no row of its own for (as `carried_files_sql`).
fn push_carried_among<'args, DB>(select: &mut QueryBuilder<'args, DB>, draft: RecordId, keys: impl IntoIterator<Item = &'args str>)
where
    DB: sqlx::Database,
    i64: 'args + sqlx::Encode<'args, DB> + sqlx::Type<DB>,
    &'args str: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
{
    select.push("SELECT f.key FROM drafts d JOIN record_files f ON f.record_id = d.carried_from WHERE d.id = ");
    select
        .push_bind(draft.0)
        .push(" AND NOT EXISTS (SELECT 1 FROM draft_files o WHERE o.draft_id = d.id AND o.key = f.key) AND f.key IN (");
    push_list(select, keys);
}

/// Draft `$1`'s files, its own and those it carries, to be ordered by `key` as bytes (`bytes`,
/// `BeginWrite::BYTE_ORDER`); `only` narrows both, given the key's column, and `each` ends
/// each side's query.
pub(crate) fn draft_files_sql(only: impl Fn(&str) -> String, bytes: &str, each: impl Fn(&str) -> String) -> String {
    format!(
        "SELECT * FROM (SELECT draft_id, key{bytes} AS key, status, size, md5, sha512, staged, created, updated FROM draft_files \
         WHERE draft_id = $1 AND status <> 'removed' {} {}) own UNION ALL SELECT * FROM ({} {}) carried",
        only("key"),
        each("key"),
        carried_files_keyed(&format!("f.key{bytes} AS key"), &only("f.key")),
        each("f.key"),
    )
}

/// Inside the write transaction `$tx` on `$pool`, refuses a change to draft `$draft` while it is
/// being published (`Catalog::begin_publishing`), since the publish has read its document and
/// files. On PostgreSQL the draft's row is then share-locked until the transaction ends, so a
/// publish that begins meanwhile waits for the change and reads it.
macro_rules! refuse_while_publishing {
    ($pool:ident, $tx:ident, $draft:expr) => {{
        let draft: tessera_domain::RecordId = $draft;
        let sql = format!("SELECT publishing FROM drafts WHERE id = $1{}", $crate::catalog::share_row($pool));
        let publishing: Option<Option<String>> = sqlx::query_scalar(&sql).bind(draft.0).fetch_optional(&mut *$tx).await?;
        if publishing.flatten().is_some() {
            $tx.rollback().await?;
            return Err($crate::Error::Publishing { draft: draft.0 });
        }
    }};
}

/// Runs `$query` (an INSERT … RETURNING id) in a transaction that also appends the entries
/// `$audit` makes for the new id; evaluates to the id.
macro_rules! insert_audited {
    ($catalog:expr, $audit:expr, $query:expr) => {{
        let id: Result<i64> = on_pool!($catalog, pool => {
            let mut tx = $crate::catalog::BeginWrite::begin_write(pool).await?;
            let id: i64 = sqlx::Row::try_get(&$query.fetch_one(&mut *tx).await?, "id")?;
            commit_audited!(tx, $audit(id));
            Ok(id)
        });
        id
    }};
}

/// Runs `$insert` (a future that names the transaction `$tx` and yields a value the same on
/// both engines) and appends the entries `$audit` makes from that value, in one transaction.
/// An insert that breaks a unique key rolls back at once and is a conflict over `$what`.
macro_rules! insert_unique_audited {
    ($catalog:expr, $tx:ident => $insert:expr, $what:expr, $audit:expr) => {{
        let inserted: Result<_> = on_pool!($catalog, pool => {
            let mut $tx = $crate::catalog::BeginWrite::begin_write(pool).await?;
            let inserted: std::result::Result<_, sqlx::Error> = $insert.await;
            match inserted {
                Ok(value) => {
                    commit_audited!($tx, $audit(&value));
                    Ok(value)
                }
                Err(err) => {
                    // At once, not when dropped, as `insert_draft_files_in_tx!` does.
                    let _ = $tx.rollback().await;
                    Err(if is_unique_violation(&err) { Error::Conflict { what: $what } } else { err.into() })
                }
            }
        });
        inserted
    }};
}

/// Every row a query selects, made by `$row!`, as `Result<Vec<_>>`; the query takes one
/// bound parameter or none.
macro_rules! rows_of {
    ($catalog:expr, $sql:expr, $row:ident $(, $bind:expr)?) => {{
        let rows: Result<Vec<_>> = on_pool!($catalog, pool => {
            let rows = sqlx::query(&$sql)$(.bind($bind))?.fetch_all(pool).await?;
            rows.iter().map(|row| Ok($row!(row))).collect()
        });
        rows
    }};
}

macro_rules! user_row {
    ($row:expr) => {
        UserRow {
            id: UserId($row.try_get("id")?),
            email: $row.try_get("email")?,
            name: $row.try_get("name")?,
            is_admin: $row.try_get("is_admin")?,
            created: $row.try_get("created")?,
        }
    };
}

macro_rules! draft_row {
    ($row:expr) => {
        DraftRow {
            id: RecordId($row.try_get("id")?),
            parent_id: ParentId($row.try_get("parent_id")?),
            owner_id: UserId($row.try_get("owner_id")?),
            kind: $row.try_get("kind")?,
            doc: $row.try_get("doc")?,
            created: $row.try_get("created")?,
            updated: $row.try_get("updated")?,
        }
    };
}

macro_rules! draft_file_row {
    ($row:expr) => {
        DraftFileRow {
            draft_id: RecordId($row.try_get("draft_id")?),
            key: $row.try_get("key")?,
            status: $row.try_get("status")?,
            size: $row.try_get("size")?,
            md5: $row.try_get("md5")?,
            sha512: $row.try_get("sha512")?,
            staged: $row.try_get("staged")?,
            created: $row.try_get("created")?,
            updated: $row.try_get("updated")?,
        }
    };
}

macro_rules! record_stats {
    ($row:expr) => {
        RecordStats {
            id: RecordId($row.try_get("id")?),
            latest_id: RecordId($row.try_get("latest_id")?),
            versions_count: $row.try_get("versions_count")?,
            files_count: $row.try_get("files_count")?,
            files_bytes: $row.try_get("files_bytes")?,
            taken_down: $row.try_get("taken_down")?,
        }
    };
}

macro_rules! record_row {
    ($row:expr) => {
        RecordRow {
            id: RecordId($row.try_get("id")?),
            parent_id: ParentId($row.try_get("parent_id")?),
            version_index: $row.try_get("version_index")?,
            owner_id: $row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
            org_id: $row.try_get::<Option<String>, _>("org_id")?.map(OrgId),
            ocfl_version: $row.try_get("ocfl_version")?,
            doc: $row.try_get("doc")?,
            created: $row.try_get("created")?,
            updated: $row.try_get("updated")?,
        }
    };
}

macro_rules! file_row {
    ($row:expr) => {
        FileRow {
            key: $row.try_get("key")?,
            size: $row.try_get("size")?,
            md5: $row.try_get("md5")?,
            sha512: $row.try_get::<String, _>("sha512")?.into(),
            content_key: $row.try_get("content_key")?,
        }
    };
}

/// Counts again what each of `$datasets` keeps in storage when its files changed or it moved
/// to another organization, and moves the differences into the organizations' totals; inside
/// `apply_published`'s transaction, so the totals never disagree with the files. `$datasets`
/// names each dataset once: its parent id, its organization and whether its files changed.
macro_rules! count_storage_in_tx {
    ($tx:ident, $datasets:expr) => {{
        let datasets: &[(i64, &str, bool)] = $datasets;
        for chunk in datasets.chunks(INSERT_BATCH) {
            let mut select = QueryBuilder::new("SELECT parent_id, org_id, bytes, files FROM dataset_storage WHERE parent_id IN (");
            push_list(&mut select, chunk.iter().map(|(parent, _, _)| *parent));
            let mut before = std::collections::HashMap::new();
            for row in select.build().persistent(kept_prepared(chunk.len())).fetch_all(&mut *$tx).await? {
                let (parent, org, bytes, files): (i64, String, i64, i64) =
                    (row.try_get("parent_id")?, row.try_get("org_id")?, row.try_get("bytes")?, row.try_get("files")?);
                before.insert(parent, (org, bytes, files));
            }
            let counted: Vec<&(i64, &str, bool)> = chunk
                .iter()
                .filter(|(parent, org, changed)| *changed || before.get(parent).is_none_or(|(was, _, _): &(String, i64, i64)| was != org))
                .collect();
            if counted.is_empty() {
                continue;
            }
            let mut select = QueryBuilder::new(
                "SELECT parent_id, COALESCE(CAST(SUM(size) AS BIGINT), 0) AS bytes, COUNT(*) AS files FROM \
                 (SELECT DISTINCT r.parent_id, f.content_key, f.size FROM record_files f JOIN records r ON r.id = f.record_id \
                 WHERE r.parent_id IN (",
            );
            push_list(&mut select, counted.iter().map(|(parent, _, _)| *parent));
            select.push(") AS kept GROUP BY parent_id");
            let mut kept = std::collections::HashMap::new();
            for row in select.build().persistent(kept_prepared(counted.len())).fetch_all(&mut *$tx).await? {
                let (parent, bytes, files): (i64, i64, i64) = (row.try_get("parent_id")?, row.try_get("bytes")?, row.try_get("files")?);
                kept.insert(parent, (bytes, files));
            }
            let mut insert = QueryBuilder::new("INSERT INTO dataset_storage (parent_id, org_id, bytes, files) ");
            insert.push_values(&counted, |mut b, (parent, org, _)| {
                let (bytes, files) = kept.get(parent).copied().unwrap_or_default();
                b.push_bind(*parent).push_bind(*org).push_bind(bytes).push_bind(files);
            });
            insert.push(" ON CONFLICT (parent_id) DO UPDATE SET org_id = excluded.org_id, bytes = excluded.bytes, files = excluded.files");
            insert.build().persistent(kept_prepared(counted.len())).execute(&mut *$tx).await?;
            // One change an organization, so that no row is changed twice in one statement.
            let mut orgs: std::collections::BTreeMap<&str, (i64, i64)> = std::collections::BTreeMap::new();
            for (parent, org, _) in &counted {
                if let Some((was, old_bytes, old_files)) = before.get(parent) {
                    let total = orgs.entry(was.as_str()).or_default();
                    (total.0, total.1) = (total.0 - old_bytes, total.1 - old_files);
                }
                let (bytes, files) = kept.get(parent).copied().unwrap_or_default();
                let total = orgs.entry(org).or_default();
                (total.0, total.1) = (total.0 + bytes, total.1 + files);
            }
            let mut insert = QueryBuilder::new("INSERT INTO org_storage (org_id, bytes, files) ");
            insert.push_values(&orgs, |mut b, (org, (bytes, files))| {
                b.push_bind(*org).push_bind(*bytes).push_bind(*files);
            });
            insert.push(
                " ON CONFLICT (org_id) DO UPDATE SET bytes = org_storage.bytes + excluded.bytes, files = org_storage.files + excluded.files",
            );
            insert.build().persistent(kept_prepared(orgs.len())).execute(&mut *$tx).await?;
        }
    }};
}

mod access;
mod audit;
mod checks;
mod figures;
mod harvest;
mod identity;
mod incidents;
mod jobs;
mod oai;

pub use oai::OaiRange;
mod policies;
mod retention;
mod tasks;
mod uploads;

/// `draft_files_after`'s query, with what makes keys compare as bytes (`BeginWrite::BYTE_ORDER`).
fn draft_files_after_sql(bytes: &str) -> String {
    format!(
        "SELECT {DRAFT_FILE_COLUMNS} FROM draft_files WHERE draft_id = $1 AND status <> 'removed' AND key{bytes} > $2 \
         ORDER BY key{bytes} LIMIT $3"
    )
}

/// The first `limit` of two lists each in key order (as bytes), in key order.
fn merged_by_key(one: Vec<DraftFileRow>, other: Vec<DraftFileRow>, limit: usize) -> Vec<DraftFileRow> {
    let (mut one, mut other) = (one.into_iter().peekable(), other.into_iter().peekable());
    let mut merged = Vec::with_capacity(limit.min(one.len() + other.len()));
    while merged.len() < limit {
        let next = match (one.peek(), other.peek()) {
            (Some(a), Some(b)) if b.key < a.key => other.next(),
            (Some(_), _) => one.next(),
            (None, _) => other.next(),
        };
        let Some(next) = next else { break };
        merged.push(next);
    }
    merged
}

pub(crate) const DRAFT_FILE_COLUMNS: &str = "draft_id, key, status, size, md5, sha512, staged, created, updated";
const RECORD_COLUMNS: &str = "id, parent_id, version_index, owner_id, org_id, ocfl_version, doc, created, updated";
/// What a record's view needs beside its row (`RecordStats`), as columns of `records r`.
const STATS_COLUMNS: &str = "(SELECT v.id FROM records v WHERE v.parent_id = r.parent_id ORDER BY v.version_index DESC LIMIT 1) AS latest_id, \
     (SELECT COUNT(*) FROM records v WHERE v.parent_id = r.parent_id) AS versions_count, r.files_count, r.files_bytes, \
     EXISTS (SELECT 1 FROM takedowns t WHERE t.parent_id = r.parent_id AND t.lifted IS NULL) AS taken_down";

/// Ends `select` with `v, v, …)`, each value bound: the rest of an `IN (` list.
pub(crate) fn push_list<'args, DB, T>(select: &mut QueryBuilder<'args, DB>, values: impl IntoIterator<Item = T>)
where
    DB: sqlx::Database,
    T: 'args + sqlx::Encode<'args, DB> + sqlx::Type<DB>,
{
    let mut list = select.separated(", ");
    for value in values {
        list.push_bind(value);
    }
    select.push(")");
}

/// Each record's rows in `order`, numbered from 0 in it, one record after another.
fn numbered<'a, T>(records: &[(i64, &'a [T])], order: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<(i64, &'a T, i64)> {
    let mut numbered = Vec::with_capacity(records.iter().map(|(_, rows)| rows.len()).sum());
    for (id, rows) in records {
        let mut sorted: Vec<&T> = rows.iter().collect();
        sorted.sort_by(|a, b| order(a, b));
        numbered.extend(sorted.into_iter().enumerate().map(|(n, row)| (*id, row, n as i64)));
    }
    numbered
}

/// `rows` in the order of `ids`; a map, as a rebuild asks for thousands at a time.
fn in_order_asked<T>(ids: &[RecordId], mut rows: Vec<T>, id_of: impl Fn(&T) -> RecordId) -> Vec<T> {
    let order: std::collections::HashMap<RecordId, usize> = ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
    rows.sort_by_key(|row| order.get(&id_of(row)).copied());
    rows
}

/// Rows per multi-row insert: well under SQLite's and PostgreSQL's bound-parameter limits.
pub(crate) const INSERT_BATCH: usize = 1000;

/// Whether a statement whose text depends on how many rows (or listed values) it carries is
/// kept prepared: only for one row and for a full batch, the counts that recur. A connection
/// keeps every statement it prepares, up to a hundred, and a rebuild's grew by megabytes a
/// batch; preparing a single publish's statements afresh each time made it half as slow again.
pub(crate) fn kept_prepared(rows: usize) -> bool {
    rows == 1 || rows == INSERT_BATCH
}

/// One migration: the same file name in each engine's folder.
macro_rules! migration {
    ($version:literal, $description:literal, $file:literal) => {
        (
            $version,
            $description,
            include_str!(concat!("../migrations/sqlite/", $file)),
            include_str!(concat!("../migrations/postgres/", $file)),
        )
    };
}

/// Migrations of each engine, in order: (version, description, SQLite's text, PostgreSQL's).
const MIGRATIONS: [(i64, &str, &str, &str); 35] = [
    migration!(1, "initial", "0001_initial.sql"),
    migration!(2, "organizations and tokens", "0002_organizations_and_tokens.sql"),
    migration!(3, "access requests and grants", "0003_access_requests_and_grants.sql"),
    migration!(4, "jobs", "0004_jobs.sql"),
    migration!(5, "passwords and sessions", "0005_passwords_and_sessions.sql"),
    migration!(6, "secret links", "0006_secret_links.sql"),
    migration!(7, "job payloads", "0007_job_payloads.sql"),
    migration!(8, "organization trust", "0008_organization_trust.sql"),
    migration!(9, "identities", "0009_identities.sql"),
    migration!(10, "dataset people", "0010_dataset_people.sql"),
    migration!(11, "audit log", "0011_audit_log.sql"),
    migration!(12, "retention", "0012_retention.sql"),
    migration!(13, "policies", "0013_policies.sql"),
    migration!(14, "incidents", "0014_incidents.sql"),
    migration!(15, "download checks", "0015_download_checks.sql"),
    migration!(16, "records' organizations", "0016_records_organization.sql"),
    migration!(17, "OAI-PMH feed", "0017_oai_feed.sql"),
    migration!(18, "OAI-PMH set order", "0018_oai_set_order.sql"),
    migration!(19, "harvesting", "0019_harvesting.sql"),
    migration!(20, "communities", "0020_communities.sql"),
    migration!(21, "resumable uploads", "0021_uploads.sql"),
    migration!(22, "record file totals", "0022_record_file_totals.sql"),
    migration!(23, "download counts", "0023_download_counts.sql"),
    migration!(24, "dashboard totals", "0024_dashboard_totals.sql"),
    migration!(25, "records by owner", "0025_records_by_owner.sql"),
    migration!(26, "file positions", "0026_file_positions.sql"),
    migration!(27, "latest version in index", "0027_latest_version_in_index.sql"),
    migration!(28, "records with own deletion", "0028_records_with_own_deletion.sql"),
    migration!(29, "deleted files", "0029_deleted_files.sql"),
    migration!(30, "draft totals", "0030_draft_totals.sql"),
    migration!(31, "drafts publishing", "0031_drafts_publishing.sql"),
    migration!(32, "draft files by digest", "0032_draft_files_by_digest.sql"),
    migration!(33, "draft placements", "0033_draft_placements.sql"),
    migration!(34, "tasks", "0034_tasks.sql"),
    migration!(35, "carried files", "0035_carried_files.sql"),
];

fn migrator(engine: Engine) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sqlite, postgres)| {
            let sql = if engine == Engine::Sqlite { sqlite } else { postgres };
            Migration::new(*version, Cow::Borrowed(description), MigrationType::Simple, Cow::Borrowed(sql), false)
        })
        .collect();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

impl Catalog {
    /// Connects to `sqlite:PATH` (created if missing) or `postgres://…` and applies migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = if let Some(path) = url.strip_prefix("sqlite:") {
            let options = SqliteConnectOptions::from_str(&format!("sqlite:{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // With WAL, NORMAL loses at most the last transactions on power loss, never consistency;
                // what matters for durability (published data) is in OCFL storage, fsynced.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10));
            // A connection to a local file does not drop, so the pool need not ping it before
            // each use: that ping is a round trip to the connection's thread, a third of a query's.
            let pool = || SqlitePoolOptions::new().max_connections(8).test_before_acquire(false);
            let plain = pool().connect_with(options.clone()).await?;
            // Reads through a memory map skip a system call and a copy per page; record
            // lookups on a large catalogue spent much of their time in pread otherwise.
            // The mapped pages are the shared page cache, not the process's own memory.
            let mapped = pool().connect_with(options.pragma("mmap_size", "1073741824")).await?;
            Pool::Sqlite { plain, mapped }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Pool::Postgres(PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?)
        } else {
            return Err(Error::UnsupportedUrl { url: url.to_string() });
        };
        let catalog = Self { pool, downloads: Arc::default(), access: Arc::default() };
        on_pool!(catalog, pool => migrator(catalog.engine()).run(pool).await?);
        Ok(catalog)
    }

    /// Passes on the outcome of a change to accounts, memberships, tokens, named people or
    /// grants, first forgetting the access memo's answers if it was made.
    fn access_changed<T>(&self, done: Result<T>) -> Result<T> {
        if done.is_ok() {
            self.access.changed();
        }
        done
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite { .. } => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Whether the database answers; for `/ready`.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop)?);
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { plain, mapped } => {
                mapped.close().await;
                plain.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    // Identifiers.

    /// The next record or parent id; ids are never reused.
    pub async fn next_id(&self) -> Result<i64> {
        let sql = "UPDATE counters SET value = value + 1 WHERE name = 'pid' RETURNING value";
        Ok(on_pool!(self, pool => sqlx::query(sql).fetch_one(pool).await?.try_get::<i64, _>("value")?))
    }

    /// Makes sure future ids are above `at_least` (after a rebuild from storage).
    pub async fn reserve_ids_through(&self, at_least: i64) -> Result<()> {
        let sql = "UPDATE counters SET value = $1 WHERE name = 'pid' AND value < $1";
        on_pool!(self, pool => sqlx::query(sql).bind(at_least).execute(pool).await.map(drop)?);
        Ok(())
    }

    // Drafts.

    /// Makes a draft, with `audit` appended in the same transaction. A new version's draft
    /// starts with every file of the published record `carrying`, carried by reference to the
    /// record: nothing is copied for each file, however many.
    pub async fn insert_draft(&self, draft: &DraftRow, carrying: Option<RecordId>, audit: Vec<AuditEntry>) -> Result<()> {
        let sql = "INSERT INTO drafts (id, parent_id, owner_id, kind, doc, created, updated, carried_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(sql)
                .bind(draft.id.0).bind(draft.parent_id.0).bind(draft.owner_id.0).bind(&draft.kind).bind(&draft.doc).bind(&draft.created).bind(&draft.updated)
                .bind(carrying.map(|record| record.0))
                .execute(&mut *tx).await;
            if let Err(err) = inserted {
                tx.rollback().await?;
                return Err(if is_unique_violation(&err) { Error::Conflict { what: format!("a draft of record {}", draft.id) } } else { err.into() });
            }
            commit_audited!(tx, audit);
        });
        Ok(())
    }

    /// Copies the rows of the files draft `id` carries into its own, and ends its carrying, in
    /// one transaction: a publish does so first, and then reads the draft's files as its own.
    pub async fn copy_carried_files(&self, id: RecordId) -> Result<()> {
        // Every file of the record, less those whose key the draft has a row of its own for:
        // left to the key's conflict, rather than looked for in the table being written, which
        // SQLite would first copy the whole selection aside for.
        let copy = format!(
            "INSERT INTO draft_files ({DRAFT_FILE_COLUMNS}) \
             SELECT d.id, f.key, 'completed', f.size, f.md5, f.sha512, FALSE, d.created, d.created \
             FROM drafts d JOIN record_files f ON f.record_id = d.carried_from WHERE d.id = $1 ON CONFLICT (draft_id, key) DO NOTHING"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if carried_from_in_tx!(tx, id).is_some() {
                sqlx::query(&copy).bind(id.0).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM draft_files WHERE draft_id = $1 AND status = 'removed'").bind(id.0).execute(&mut *tx).await?;
                sqlx::query("UPDATE drafts SET carried_from = NULL WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn draft(&self, id: RecordId) -> Result<Option<DraftRow>> {
        let sql = "SELECT id, parent_id, owner_id, kind, doc, created, updated FROM drafts WHERE id = $1";
        on_pool!(self, pool => match sqlx::query(sql).bind(id.0).fetch_optional(pool).await? {
            Some(row) => Ok(Some(draft_row!(row))),
            None => Ok(None),
        })
    }

    /// A draft and the people named on its dataset (curators and stewards, by role and id), in
    /// one query: every decision about a draft needs both.
    pub async fn draft_with_people(&self, id: RecordId) -> Result<Option<(DraftRow, Vec<(Role, UserId)>)>> {
        let sql = "SELECT d.id, d.parent_id, d.owner_id, d.kind, d.doc, d.created, d.updated, p.role, p.user_id \
                   FROM drafts d LEFT JOIN dataset_people p ON p.parent_id = d.parent_id WHERE d.id = $1 ORDER BY p.role, p.user_id";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(id.0).fetch_all(pool).await?;
            let Some(first) = rows.first() else { return Ok(None) };
            let mut people = Vec::new();
            for row in &rows {
                let Some(role) = row.try_get::<Option<String>, _>("role")? else { continue };
                let role: Role = role.parse().map_err(|e: String| Error::Query(sqlx::Error::Decode(e.into())))?;
                people.push((role, UserId(row.try_get("user_id")?)));
            }
            Ok(Some((draft_row!(first), people)))
        })
    }

    /// The open draft of any version of `parent`, if there is one (a parent has at most one).
    pub async fn draft_of_parent(&self, parent: ParentId) -> Result<Option<DraftRow>> {
        let sql = "SELECT id, parent_id, owner_id, kind, doc, created, updated FROM drafts WHERE parent_id = $1 ORDER BY id LIMIT 1";
        on_pool!(self, pool => match sqlx::query(sql).bind(parent.0).fetch_optional(pool).await? {
            Some(row) => Ok(Some(draft_row!(row))),
            None => Ok(None),
        })
    }

    /// Replaces a draft's document and appends `audit`, in one transaction; false, with no
    /// entry, when the draft is gone.
    pub async fn update_draft_doc(&self, id: RecordId, doc: &str, updated: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "UPDATE drafts SET doc = $2, updated = $3 WHERE id = $1 AND publishing IS NULL";
        let changed = update_audited!(self, audit, sqlx::query(sql).bind(id.0).bind(doc).bind(updated))?;
        self.unless_publishing(id, changed).await
    }

    /// Removes a draft with its files and uploads, and appends `audit`, in one transaction.
    pub async fn delete_draft(&self, id: RecordId, audit: Vec<AuditEntry>) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            refuse_while_publishing!(pool, tx, id);
            sqlx::query("DELETE FROM draft_files WHERE draft_id = $1").bind(id.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM uploads WHERE draft_id = $1").bind(id.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM drafts WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
            commit_audited!(tx, audit);
        });
        Ok(())
    }

    /// Marks draft `id` as being published since `at`: every change to it is refused from now
    /// until the publish removes it or `end_publishing` gives it back. False when there is no
    /// such draft; `Error::Publishing` when another publish has it.
    pub async fn begin_publishing(&self, id: RecordId, at: &str) -> Result<bool> {
        let mark = "UPDATE drafts SET publishing = $2 WHERE id = $1 AND publishing IS NULL";
        let marked = on_pool!(self, pool => sqlx::query(mark).bind(id.0).bind(at).execute(pool).await?.rows_affected() > 0);
        if marked {
            return Ok(true);
        }
        match self.draft(id).await? {
            Some(_) => Err(Error::Publishing { draft: id.0 }),
            None => Ok(false),
        }
    }

    /// Gives a draft back to its editors after a publish that did not happen.
    pub async fn end_publishing(&self, id: RecordId) -> Result<()> {
        let sql = "UPDATE drafts SET publishing = NULL WHERE id = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(id.0).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Gives back every draft a publish had when the server stopped; returns how many.
    pub async fn end_all_publishing(&self) -> Result<u64> {
        let sql = "UPDATE drafts SET publishing = NULL WHERE publishing IS NOT NULL";
        Ok(on_pool!(self, pool => sqlx::query(sql).execute(pool).await?.rows_affected()))
    }

    pub async fn drafts_of_owner(&self, owner: UserId) -> Result<Vec<DraftRow>> {
        let sql = "SELECT id, parent_id, owner_id, kind, doc, created, updated FROM drafts WHERE owner_id = $1 ORDER BY id DESC";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(owner.0).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(draft_row!(row))).collect()
        })
    }

    /// Every draft id, for cleaning staging folders that no draft owns.
    pub async fn draft_ids(&self) -> Result<Vec<RecordId>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT id FROM drafts").fetch_all(pool).await?;
            rows.iter().map(|row| Ok(RecordId(row.try_get("id")?))).collect()
        })
    }

    // Draft files.

    /// The digests of the content a draft's files have in its staging folder.
    pub async fn staged_digests(&self, draft: RecordId) -> Result<std::collections::HashSet<String>> {
        let sql = "SELECT DISTINCT sha512 FROM draft_files WHERE draft_id = $1 AND staged AND sha512 IS NOT NULL";
        Ok(on_pool!(self, pool => sqlx::query_scalar::<_, String>(sql).bind(draft.0).fetch_all(pool).await?).into_iter().collect())
    }

    /// Carries into draft `draft` every file of the published record `from` whose key the
    /// draft does not have, by reference, and appends the entries `audit` makes of how many,
    /// in one transaction; returns how many. Refused while the draft is being published.
    pub async fn import_draft_files(
        &self,
        draft: RecordId,
        from: RecordId,
        at: &str,
        audit: impl FnOnce(u64) -> Vec<AuditEntry>,
    ) -> Result<u64> {
        // A carried file the draft deleted comes back as its mark goes.
        let unmark = "DELETE FROM draft_files WHERE draft_id = $1 AND status = 'removed' \
                      AND key IN (SELECT key FROM record_files WHERE record_id = $2)";
        let copy = format!(
            "INSERT INTO draft_files ({DRAFT_FILE_COLUMNS}) SELECT $1, f.key, 'completed', f.size, f.md5, f.sha512, FALSE, $3, $3 \
             FROM record_files f WHERE f.record_id = $2 AND NOT EXISTS (SELECT 1 FROM draft_files o WHERE o.draft_id = $1 AND o.key = f.key) \
             AND NOT EXISTS (SELECT 1 FROM drafts d JOIN record_files c ON c.record_id = d.carried_from WHERE d.id = $1 AND c.key = f.key)"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            refuse_while_publishing!(pool, tx, draft);
            let carried = carried_from_in_tx!(tx, draft);
            let mut imported = sqlx::query(unmark).bind(draft.0).bind(from.0).execute(&mut *tx).await?.rows_affected();
            // A draft carrying `from` has every one of its keys already, as its own or carried.
            if carried != Some(from.0) {
                imported += sqlx::query(&copy).bind(draft.0).bind(from.0).bind(at).execute(&mut *tx).await?.rows_affected();
            }
            commit_audited!(tx, audit(imported));
            Ok(imported)
        })
    }

    /// Where the content with digest `sha512` is stored among the published files of dataset
    /// `parent`, for a draft's file carried from one of them.
    pub async fn stored_content_key(&self, parent: ParentId, sha512: &str) -> Result<Option<String>> {
        let sql = "SELECT f.content_key FROM record_files f JOIN records r ON r.id = f.record_id \
                   WHERE r.parent_id = $1 AND f.sha512 = $2 LIMIT 1";
        Ok(on_pool!(self, pool => sqlx::query_scalar(sql).bind(parent.0).bind(sha512).fetch_optional(pool).await?))
    }

    /// Declares files on a draft, with the multipart transfers some of them start, at once.
    pub async fn insert_draft_files(&self, files: &[DraftFileRow], uploads: &[UploadRow]) -> Result<()> {
        let insert_upload = uploads::insert_upload_sql();
        let draft = files.first().map(|file| file.draft_id).or_else(|| uploads.first().map(|upload| upload.draft_id));
        let Some(draft) = draft else { return Ok(()) };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            refuse_while_publishing!(pool, tx, draft);
            for upload in uploads {
                uploads::bind_upload!(sqlx::query(&insert_upload), upload).execute(&mut *tx).await?;
            }
            insert_draft_files_in_tx!(tx, draft, files);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Adds an archive's entries to its draft as files and appends `audit`, in one transaction;
    /// `replacing` names the archive's own file when it leaves the draft as its entries join.
    /// A key the draft has already refuses the whole change, and so does a row that cannot be
    /// read: the rows are read as they are written, never all held at once. `task`, when the
    /// unpack runs as one, ends with the transaction.
    pub async fn unpack_into_draft(
        &self,
        draft: RecordId,
        replacing: Option<&str>,
        files: impl Iterator<Item = std::io::Result<DraftFileRow>> + Send,
        audit: Vec<AuditEntry>,
        task: Option<&TaskEnd>,
    ) -> Result<()> {
        let mut files = files.peekable();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            refuse_while_publishing!(pool, tx, draft);
            if let Some(key) = replacing {
                let _ = remove_draft_file_in_tx!(tx, draft, key);
            }
            // Taken a batch at a time, so an archive's rows are never all made at once.
            // A row that cannot be read leaves the transaction, and so the draft, as it was.
            while files.peek().is_some() {
                let batch: Vec<DraftFileRow> = files.by_ref().take(INSERT_BATCH).collect::<std::io::Result<_>>()?;
                insert_draft_files_in_tx!(tx, draft, batch);
            }
            tasks::end_task_in_tx!(tx, task);
            commit_audited!(tx, audit);
        });
        Ok(())
    }

    /// Which of `keys` are files of the draft already, its own or carried, asked a thousand
    /// keys at a time.
    pub async fn draft_keys_among(&self, draft: RecordId, keys: &[&str]) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(INSERT_BATCH) {
            let keys: Vec<String> = on_pool!(self, pool => {
                let mut select = QueryBuilder::new("SELECT key FROM draft_files WHERE status <> 'removed' AND draft_id = ");
                select.push_bind(draft.0).push(" AND key IN (");
                push_list(&mut select, chunk.iter().copied());
                select.push(" UNION ALL ");
                push_carried_among(&mut select, draft, chunk.iter().copied());
                select.push(" ORDER BY key");
                let rows = select.build().fetch_all(pool).await?;
                rows.iter().map(|row| row.try_get("key")).collect::<std::result::Result<_, _>>()?
            });
            found.extend(keys);
        }
        Ok(found)
    }

    /// The keys of a draft's files whose content is not committed, in key order (as bytes).
    /// Carried files are committed.
    pub async fn draft_keys_uncommitted(&self, draft: RecordId) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT key FROM draft_files WHERE draft_id = $1 AND status NOT IN ('completed', 'removed') ORDER BY key{}",
                byte_order(pool)
            );
            Ok(sqlx::query_scalar(&sql).bind(draft.0).fetch_all(pool).await?)
        })
    }

    /// How many files a draft has, and their bytes so far.
    pub async fn draft_files_summary(&self, draft: RecordId) -> Result<(i64, i64)> {
        // Its own rows' totals are kept by triggers as they change (migrations 30 and 35); the
        // files it carries are its record's, less those its own rows replace or delete.
        let sql = "SELECT t.files + COALESCE(r.files_count, 0) - COALESCE(o.files, 0) AS files, \
                   t.bytes + COALESCE(r.files_bytes, 0) - COALESCE(o.bytes, 0) AS bytes \
                   FROM drafts d JOIN draft_totals t ON t.draft_id = d.id LEFT JOIN records r ON r.id = d.carried_from \
                   LEFT JOIN (SELECT COUNT(*) AS files, CAST(SUM(f.size) AS BIGINT) AS bytes FROM drafts c \
                   JOIN draft_files own ON own.draft_id = c.id JOIN record_files f ON f.record_id = c.carried_from AND f.key = own.key \
                   WHERE c.id = $1) o ON TRUE WHERE d.id = $1";
        on_pool!(self, pool => match sqlx::query(sql).bind(draft.0).fetch_optional(pool).await? {
            Some(row) => Ok((row.try_get("files")?, row.try_get("bytes")?)),
            None => Ok((0, 0)),
        })
    }

    /// A draft's file, its own or carried.
    pub async fn draft_file(&self, draft: RecordId, key: &str) -> Result<Option<DraftFileRow>> {
        Ok(self.draft_file_and_transfer(draft, key).await?.map(|(file, _)| file))
    }

    /// A draft's file and the id of its unfinished multipart transfer, if it has one, in one
    /// query: every request about one file of a draft asks for both.
    pub async fn draft_file_and_transfer(&self, draft: RecordId, key: &str) -> Result<Option<(DraftFileRow, Option<String>)>> {
        let files = draft_files_sql(|key| format!("AND {key} = $2"), "", |_| String::new());
        let sql = format!(
            "SELECT {DRAFT_FILE_COLUMNS}, (SELECT u.id FROM uploads u WHERE u.draft_id = f.draft_id AND u.key = f.key \
             AND u.part_size IS NOT NULL AND u.completed IS NULL LIMIT 1) AS transfer FROM ({files}) f"
        );
        on_pool!(self, pool => match sqlx::query(&sql).bind(draft.0).bind(key).fetch_optional(pool).await? {
            Some(row) => Ok(Some((draft_file_row!(row), row.try_get("transfer")?))),
            None => Ok(None),
        })
    }

    /// A draft's files, its own and carried, in key order (as bytes); `limit` of `None` means all.
    pub async fn draft_files(&self, draft: RecordId, offset: i64, limit: Option<i64>) -> Result<Vec<DraftFileRow>> {
        let limit = limit.unwrap_or(i64::MAX);
        let engine = self.engine();
        on_pool!(self, pool => {
            // SQLite merges the two sides as its indexes give them. PostgreSQL sorted the whole
            // of both, so there each side is read from its index only as far as the page
            // reaches, and those rows are merged.
            let bytes = byte_order(pool);
            let each = |key: &str| if engine == Engine::Sqlite { String::new() } else { format!("ORDER BY {key}{bytes} LIMIT $2") };
            let files = draft_files_sql(|_| String::new(), bytes, each);
            let sql = format!("{files} ORDER BY key LIMIT $3 OFFSET $4");
            let rows = sqlx::query(&sql).bind(draft.0).bind(offset.saturating_add(limit)).bind(limit).bind(offset).fetch(pool);
            Ok(map_rows!(rows, |row| draft_file_row!(row)))
        })
    }

    /// At most `limit` of a draft's files, its own and carried, in key order (as bytes) after
    /// `after` (from the first when it is empty): an index range of each however far into the
    /// list, merged.
    pub async fn draft_files_after(&self, draft: RecordId, after: &str, limit: i64) -> Result<Vec<DraftFileRow>> {
        let (own, carried) = on_pool!(self, pool => {
            let bytes = byte_order(pool);
            let own = draft_files_after_sql(bytes);
            let carried = format!("{} ORDER BY f.key{bytes} LIMIT $3", carried_files_sql(&format!("AND f.key{bytes} > $2")));
            let own = sqlx::query(&own).bind(draft.0).bind(after).bind(limit).fetch(pool);
            let own = map_rows!(own, |row| draft_file_row!(row));
            let carried = sqlx::query(&carried).bind(draft.0).bind(after).bind(limit).fetch(pool);
            (own, map_rows!(carried, |row| draft_file_row!(row)))
        });
        Ok(merged_by_key(own, carried, usize::try_from(limit).unwrap_or(usize::MAX)))
    }

    /// At most `limit` of a draft's committed files in order of digest, then key, after the
    /// digest and key of `after` (from the first when `None`), as a publish stores them. Only
    /// its own: a publish copies the carried ones in first (`copy_carried_files`).
    pub async fn draft_files_by_digest(&self, draft: RecordId, after: Option<(&str, &str)>, limit: i64) -> Result<Vec<DraftFileRow>> {
        on_pool!(self, pool => {
            let bytes = byte_order(pool);
            let sql = format!(
                "SELECT {DRAFT_FILE_COLUMNS} FROM draft_files WHERE draft_id = $1 AND status = 'completed' \
                 AND (sha512{bytes}, key{bytes}) > ($2, $3) ORDER BY sha512{bytes}, key{bytes} LIMIT $4"
            );
            let (sha512, key) = after.unwrap_or_default();
            let rows = sqlx::query(&sql).bind(draft.0).bind(sha512).bind(key).bind(limit).fetch(pool);
            Ok(map_rows!(rows, |row| draft_file_row!(row)))
        })
    }

    /// Writes a draft file's row as given, with the entries of `audit` in the same transaction
    /// when there are any; nothing is written, not even them, when the draft no longer has the
    /// file. Returns whether it had.
    pub async fn update_draft_file(&self, file: &DraftFileRow, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = format!(
            "UPDATE draft_files SET status = $3, size = $4, md5 = $5, sha512 = $6, staged = $7, updated = $8 \
             WHERE draft_id = $1 AND key = $2 AND status <> 'removed'{}",
            self.while_not_publishing()
        );
        macro_rules! update {
            () => {
                sqlx::query(&sql)
                    .bind(file.draft_id.0)
                    .bind(&file.key)
                    .bind(&file.status)
                    .bind(file.size)
                    .bind(&file.md5)
                    .bind(&file.sha512)
                    .bind(file.staged)
                    .bind(&file.updated)
            };
        }
        // An upload's row is written alone, one statement: no transaction to wait for.
        let changed = if audit.is_empty() {
            on_pool!(self, pool => update!().execute(pool).await?.rows_affected() > 0)
        } else {
            update_audited!(self, audit, update!())?
        };
        self.unless_publishing(file.draft_id, changed).await
    }

    /// Removes a draft's file, its own or carried, and appends `audit`, in one transaction;
    /// false, with no entry, when the draft no longer has it.
    pub async fn delete_draft_file(&self, draft: RecordId, key: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            refuse_while_publishing!(pool, tx, draft);
            if !remove_draft_file_in_tx!(tx, draft, key) {
                tx.rollback().await?;
                return Ok(false);
            }
            commit_audited!(tx, audit);
        });
        Ok(true)
    }

    /// The condition a statement on the files of draft `$1` ends with so that it changes
    /// nothing while the draft is being published (`Catalog::begin_publishing`): in the
    /// statement itself, so that a file's upload stays one statement. On PostgreSQL it
    /// share-locks the draft's row, so a publish that begins meanwhile waits for the change.
    fn while_not_publishing(&self) -> String {
        let share = on_pool!(self, pool => share_row(pool));
        format!(" AND EXISTS (SELECT 1 FROM drafts WHERE id = $1 AND publishing IS NULL{share})")
    }

    /// A change to draft `draft` that changed nothing: `Error::Publishing` when that was
    /// because the draft is being published, else `changed` as it is.
    async fn unless_publishing(&self, draft: RecordId, changed: bool) -> Result<bool> {
        if changed {
            return Ok(true);
        }
        let sql = "SELECT publishing FROM drafts WHERE id = $1";
        let publishing: Option<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(draft.0).fetch_optional(pool).await?);
        match publishing.flatten() {
            Some(_) => Err(Error::Publishing { draft: draft.0 }),
            None => Ok(false),
        }
    }

    // Published records.

    /// Writes a published record's row (replacing it) and its files and tombstones when given,
    /// moves it to the end of the OAI-PMH feed with its `sets`, removes the draft it came from
    /// and the journal entry, and appends `audit` (what happened), all in one transaction.
    pub async fn apply_published(
        &self,
        record: &RecordRow,
        files: Option<RecordFiles<'_>>,
        draft: Option<RecordId>,
        sets: &[String],
        audit: Vec<AuditEntry>,
    ) -> Result<()> {
        self.apply_all_published(&[Published { record, files, draft, sets }], audit).await
    }

    /// `apply_published` for several records (each at most once) in one transaction, in the
    /// order given. A rebuild loads thousands: each statement is a round trip to the engine,
    /// so the records share theirs.
    pub async fn apply_all_published(&self, published: &[Published<'_>], audit: Vec<AuditEntry>) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let sealed = append_in_tx!(tx, audit);
            for round in published.chunks(INSERT_BATCH) {
                let ids: Vec<RecordId> = round.iter().map(|p| p.record.id).collect();
                // Each version new to the catalogue counts in its organization's month.
                let mut select = QueryBuilder::new("SELECT id FROM records WHERE id IN (");
                push_list(&mut select, ids.iter().map(|id| id.0));
                let mut known = std::collections::HashSet::new();
                for row in select.build().persistent(kept_prepared(ids.len())).fetch_all(&mut *tx).await? {
                    known.insert(row.try_get::<i64, _>("id")?);
                }
                let mut months: std::collections::BTreeMap<(&str, &str), i64> = std::collections::BTreeMap::new();
                for Published { record, .. } in round.iter().filter(|p| !known.contains(&p.record.id.0)) {
                    let org = record.org_id.as_ref().map_or("", OrgId::as_str);
                    *months.entry((org, record.created.get(..7).unwrap_or_default())).or_default() += 1;
                }
                if !months.is_empty() {
                    let mut insert = QueryBuilder::new("INSERT INTO org_monthly (org_id, month, versions, downloads) ");
                    insert.push_values(&months, |mut b, ((org, month), versions)| {
                        b.push_bind(*org).push_bind(*month).push_bind(*versions).push_bind(0_i64);
                    });
                    insert.push(" ON CONFLICT (org_id, month) DO UPDATE SET versions = org_monthly.versions + excluded.versions");
                    insert.build().persistent(kept_prepared(months.len())).execute(&mut *tx).await?;
                }
                let mut insert = QueryBuilder::new(format!("INSERT INTO records ({RECORD_COLUMNS}) "));
                insert.push_values(round, |mut b, Published { record, .. }| {
                    b.push_bind(record.id.0).push_bind(record.parent_id.0).push_bind(record.version_index).push_bind(record.owner_id.map(|u| u.0))
                        .push_bind(record.org_id.as_ref().map(OrgId::as_str)).push_bind(record.ocfl_version).push_bind(&record.doc)
                        .push_bind(&record.created).push_bind(&record.updated);
                });
                insert.push(" ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, version_index = excluded.version_index, \
                    owner_id = excluded.owner_id, org_id = excluded.org_id, ocfl_version = excluded.ocfl_version, doc = excluded.doc, \
                    created = excluded.created, updated = excluded.updated");
                insert.build().persistent(kept_prepared(round.len())).execute(&mut *tx).await?;
                let with_files: Vec<(i64, RecordFiles<'_>)> = round.iter().filter_map(|p| Some((p.record.id.0, p.files?))).collect();
                if !with_files.is_empty() {
                    for table in ["record_files", "deleted_files"] {
                        let mut delete = QueryBuilder::new(format!("DELETE FROM {table} WHERE record_id IN ("));
                        push_list(&mut delete, with_files.iter().map(|(id, _)| *id));
                        delete.build().persistent(kept_prepared(with_files.len())).execute(&mut *tx).await?;
                    }
                    // Each file's place in key order (bytes, as Rust and SQLite compare): pages
                    // of the list are ranges of it.
                    let at_hand: Vec<(i64, &[FileRow])> =
                        with_files.iter().filter_map(|(id, files)| if let Present::Rows(rows) = files.present { Some((*id, rows)) } else { None }).collect();
                    for chunk in numbered(&at_hand, |a, b| a.key.cmp(&b.key)).chunks(INSERT_BATCH) {
                        insert_record_files_in_tx!(tx, chunk);
                    }
                    for (id, draft, placements) in with_files.iter().filter_map(|(id, files)| match files.present {
                        Present::FromDraft { draft, placements } => Some((*id, draft, placements)),
                        _ => None,
                    }) {
                        copy_draft_files_in_tx!(tx, id, draft, placements, byte_order(pool));
                    }
                    // Tombstones are listed by deletion, then key.
                    let deleted: Vec<(i64, &[DeletedFileRow])> = with_files.iter().map(|(id, files)| (*id, files.deleted)).collect();
                    for chunk in numbered(&deleted, |a, b| (a.deletion, &a.key).cmp(&(b.deletion, &b.key))).chunks(INSERT_BATCH) {
                        let mut insert = QueryBuilder::new("INSERT INTO deleted_files (record_id, key, deletion, size, md5, sha512, ordinal) ");
                        insert.push_values(chunk, |mut b, (id, f, ordinal)| {
                            b.push_bind(id).push_bind(&f.key).push_bind(f.deletion).push_bind(f.size).push_bind(&f.md5).push_bind(&*f.sha512)
                                .push_bind(ordinal);
                        });
                        insert.build().persistent(kept_prepared(chunk.len())).execute(&mut *tx).await?;
                    }
                    let mut update = QueryBuilder::new(
                        "UPDATE records SET files_count = (SELECT COUNT(*) FROM record_files f WHERE f.record_id = records.id), \
                         files_bytes = (SELECT COALESCE(CAST(SUM(f.size) AS BIGINT), 0) FROM record_files f WHERE f.record_id = records.id) \
                         WHERE id IN (",
                    );
                    push_list(&mut update, with_files.iter().map(|(id, _)| *id));
                    update.build().persistent(kept_prepared(with_files.len())).execute(&mut *tx).await?;
                }
                let drafts: Vec<i64> = round.iter().filter_map(|p| p.draft).map(|d| d.0).collect();
                if !drafts.is_empty() {
                    for (table, column) in [("draft_files", "draft_id"), ("uploads", "draft_id"), ("drafts", "id")] {
                        let mut delete = QueryBuilder::new(format!("DELETE FROM {table} WHERE {column} IN ("));
                        push_list(&mut delete, drafts.iter().copied());
                        delete.build().persistent(kept_prepared(drafts.len())).execute(&mut *tx).await?;
                    }
                }
                // Each dataset once, with the organization of its last record here.
                let mut datasets: Vec<(i64, &str, bool)> = Vec::new();
                let mut place: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
                for Published { record, files, .. } in round {
                    let org = record.org_id.as_ref().map_or("", OrgId::as_str);
                    match place.get(&record.parent_id.0) {
                        Some(&n) => (datasets[n].1, datasets[n].2) = (org, datasets[n].2 || files.is_some()),
                        None => {
                            place.insert(record.parent_id.0, datasets.len());
                            datasets.push((record.parent_id.0, org, files.is_some()));
                        }
                    }
                }
                let mut delete = QueryBuilder::new("DELETE FROM pending_commits WHERE parent_id IN (");
                push_list(&mut delete, datasets.iter().map(|(parent, _, _)| *parent));
                delete.build().persistent(kept_prepared(datasets.len())).execute(&mut *tx).await?;
                count_storage_in_tx!(tx, &datasets);
                let sets: Vec<&[String]> = round.iter().map(|p| p.sets).collect();
                touch_oai_in_tx!(tx, &ids, Some(&sets), |n: usize| round[n].record.updated.as_str());
            }
            tx.commit().await?;
            audit::log_committed(&sealed);
        });
        self.downloads.changed();
        Ok(())
    }

    pub async fn record(&self, id: RecordId) -> Result<Option<RecordRow>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(id.0).fetch_optional(pool).await? {
            Some(row) => Ok(Some(record_row!(row))),
            None => Ok(None),
        })
    }

    /// Every published version of `parent`, oldest first.
    pub async fn records_of_parent(&self, parent: ParentId) -> Result<Vec<RecordRow>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE parent_id = $1 ORDER BY version_index");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(parent.0).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(record_row!(row))).collect()
        })
    }

    /// Up to `limit` of the records `owner` deposited, newest first, from those numbered below
    /// `before` (from the newest when none), after skipping `skip` of them.
    pub async fn records_of_owner(&self, owner: UserId, before: Option<RecordId>, skip: i64, limit: i64) -> Result<Vec<RecordRow>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE owner_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3 OFFSET $4");
        on_pool!(self, pool => {
            let before = before.map_or(i64::MAX, |id| id.0);
            let rows = sqlx::query(&sql).bind(owner.0).bind(before).bind(limit).bind(skip).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(record_row!(row))).collect()
        })
    }

    /// How many records `owner` deposited, every version counted.
    pub async fn count_records_of_owner(&self, owner: UserId) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM records WHERE owner_id = $1";
        on_pool!(self, pool => Ok(sqlx::query_scalar(sql).bind(owner.0).fetch_one(pool).await?))
    }

    /// Published records by id, in the order asked, skipping ids that are not there.
    pub async fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<RecordRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<RecordRow> = on_mapped!(self, pool => {
            let mut select = QueryBuilder::new(format!("SELECT {RECORD_COLUMNS} FROM records WHERE id IN ("));
            push_list(&mut select, ids.iter().map(|id| id.0));
            let fetched = select.build().fetch_all(pool).await?;
            fetched.iter().map(|row| Ok(record_row!(row))).collect::<Result<Vec<_>>>()?
        });
        Ok(in_order_asked(ids, rows, |row| row.id))
    }

    /// Records `ids` (those that exist) in the order asked for, each with what its view needs
    /// (as `record_stats` gives it), in one query: a search page's hits.
    pub async fn records_with_stats(&self, ids: &[RecordId]) -> Result<Vec<(RecordRow, RecordStats)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(RecordRow, RecordStats)> = on_mapped!(self, pool => {
            let mut select = QueryBuilder::new(format!("SELECT {RECORD_COLUMNS}, {STATS_COLUMNS} FROM records r WHERE r.id IN ("));
            push_list(&mut select, ids.iter().map(|id| id.0));
            let fetched = select.build().fetch_all(pool).await?;
            fetched.iter().map(|row| Ok((record_row!(row), record_stats!(row)))).collect::<Result<Vec<_>>>()?
        });
        Ok(in_order_asked(ids, rows, |(row, _)| row.id))
    }

    /// What a record's view needs beside its row: its dataset's versions and its files' totals,
    /// for many records in one query.
    pub async fn record_stats(&self, records: &[RecordId]) -> Result<Vec<RecordStats>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        on_pool!(self, pool => {
            let mut select = QueryBuilder::new(format!("SELECT r.id, {STATS_COLUMNS} FROM records r WHERE r.id IN ("));
            push_list(&mut select, records.iter().map(|id| id.0));
            let rows = select.build().fetch_all(pool).await?;
            rows.iter().map(|row| Ok(record_stats!(row))).collect()
        })
    }

    /// A page of a record's files in key order, and how many there are in all.
    pub async fn record_files(&self, record: RecordId, offset: i64, limit: Option<i64>) -> Result<(Vec<FileRow>, i64)> {
        on_mapped!(self, pool => {
            // By position, not OFFSET: a late page costs what the first does.
            let rows = sqlx::query(
                "SELECT key, size, md5, sha512, content_key FROM record_files WHERE record_id = $1 AND ordinal >= $3 ORDER BY ordinal LIMIT $2")
                .bind(record.0).bind(limit.unwrap_or(i64::MAX)).bind(offset).fetch(pool);
            let files = map_rows!(rows, |row| file_row!(row));
            let total: i64 = sqlx::query("SELECT files_count FROM records WHERE id = $1").bind(record.0).fetch_optional(pool).await?
                .map(|row| row.try_get("files_count")).transpose()?.unwrap_or(0);
            Ok((files, total))
        })
    }

    /// The files among `keys` that a record has, each with its position in key order, ordered
    /// by it; asked a thousand keys at a time.
    pub async fn record_files_among(&self, record: RecordId, keys: &[&str]) -> Result<Vec<(i64, FileRow)>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(INSERT_BATCH) {
            let rows: Vec<(i64, FileRow)> = on_pool!(self, pool => {
                let mut select = QueryBuilder::new("SELECT ordinal, key, size, md5, sha512, content_key FROM record_files WHERE record_id = ");
                select.push_bind(record.0).push(" AND key IN (");
                push_list(&mut select, chunk.iter().copied());
                let rows = select.build().fetch_all(pool).await?;
                rows.iter().map(|row| Ok((row.try_get("ordinal")?, file_row!(row)))).collect::<Result<_>>()?
            });
            found.extend(rows);
        }
        found.sort_by_key(|(ordinal, _)| *ordinal);
        Ok(found)
    }

    /// The files of many records in one query, each with its record's id, by record and key.
    pub async fn files_of_records(&self, records: &[RecordId]) -> Result<Vec<(RecordId, FileRow)>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        on_mapped!(self, pool => {
            let mut select = QueryBuilder::new("SELECT record_id, key, size, md5, sha512, content_key FROM record_files WHERE record_id IN (");
            push_list(&mut select, records.iter().map(|id| id.0));
            select.push(" ORDER BY record_id, key");
            let rows = select.build().fetch(pool);
            Ok(map_rows!(rows, |row| (RecordId(row.try_get("record_id")?), file_row!(row))))
        })
    }

    /// Every version of every dataset an organization owns, by dataset and version.
    pub async fn records_of_org(&self, org: &OrgId) -> Result<Vec<RecordRow>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE org_id = $1 ORDER BY parent_id, version_index");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(org.as_str()).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(record_row!(row))).collect()
        })
    }

    pub async fn record_file(&self, record: RecordId, key: &str) -> Result<Option<FileRow>> {
        on_pool!(self, pool => match sqlx::query("SELECT key, size, md5, sha512, content_key FROM record_files WHERE record_id = $1 AND key = $2")
            .bind(record.0).bind(key).fetch_optional(pool).await? {
            Some(row) => Ok(Some(file_row!(row))),
            None => Ok(None),
        })
    }

    /// What deciding on and serving one file's download needs, in one question: the record,
    /// its file `key` if it has one, and whether its dataset is taken down now. A row read
    /// lately is answered from memory, unless this catalogue has changed a record, its files or
    /// a takedown since (or another process may have: see `MEMO_AGE`).
    pub async fn record_for_download(&self, record: RecordId, key: &str) -> Result<Option<Arc<DownloadRow>>> {
        if let Some(row) = self.downloads.get(record.0, key) {
            return Ok(Some(row));
        }
        let generation = self.downloads.generation();
        let sql = format!(
            "SELECT {RECORD_COLUMNS}, f.key, f.size, f.md5, f.sha512, f.content_key, \
             EXISTS (SELECT 1 FROM takedowns t WHERE t.parent_id = records.parent_id AND t.lifted IS NULL) AS taken_down \
             FROM records LEFT JOIN record_files f ON f.record_id = records.id AND f.key = $2 WHERE records.id = $1"
        );
        on_pool!(self, pool => {
            let Some(row) = sqlx::query(&sql).bind(record.0).bind(key).fetch_optional(pool).await? else { return Ok(None) };
            let file = match row.try_get::<Option<String>, _>("key")? {
                Some(_) => Some(file_row!(row)),
                None => None,
            };
            let row = Arc::new(DownloadRow { record: record_row!(row), file, taken_down: row.try_get("taken_down")? });
            self.downloads.keep(generation, row.clone());
            Ok(Some(row))
        })
    }

    /// Total count and bytes of a record's files.
    pub async fn record_files_summary(&self, record: RecordId) -> Result<(i64, i64)> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT files_count, files_bytes FROM records WHERE id = $1").bind(record.0).fetch_optional(pool).await?;
            row.map_or(Ok((0, 0)), |row| Ok((row.try_get("files_count")?, row.try_get("files_bytes")?)))
        })
    }

    /// Removes every published record and policy (the derived tables, and what is counted from
    /// them) before a rebuild from storage.
    pub async fn clear_records(&self) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM record_files").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM deleted_files").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM records").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM dataset_storage").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM org_storage").execute(&mut *tx).await?;
            // Downloads are not in storage: only the versions are counted again.
            sqlx::query("UPDATE org_monthly SET versions = 0").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM policy_versions").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM policies").execute(&mut *tx).await?;
            tx.commit().await?;
        });
        self.downloads.changed();
        Ok(())
    }

    /// Every published record id in id order, in pages, for re-indexing.
    pub async fn record_ids_after(&self, after: i64, limit: i64) -> Result<Vec<RecordId>> {
        on_mapped!(self, pool => {
            let rows = sqlx::query("SELECT id FROM records WHERE id > $1 ORDER BY id LIMIT $2").bind(after).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(RecordId(row.try_get("id")?))).collect()
        })
    }

    /// Like `record_ids_after`, of the records that set their own date for deleting their files
    /// (`access.retention.delete_files_on`), read from an index of them alone.
    pub async fn records_with_own_deletion_after(&self, after: i64, limit: i64) -> Result<Vec<RecordId>> {
        // Each engine's index repeats its own expression, which the query must match to use it.
        const SQLITE: &str = "SELECT id FROM records WHERE json_extract(doc, '$.access.retention.delete_files_on') IS NOT NULL \
             AND id > $1 ORDER BY id LIMIT $2";
        const POSTGRES: &str = "SELECT id FROM records WHERE (doc::jsonb #>> '{access,retention,delete_files_on}') IS NOT NULL \
             AND id > $1 ORDER BY id LIMIT $2";
        let ids = match &self.pool {
            Pool::Sqlite { mapped: pool, .. } => sqlx::query_scalar::<_, i64>(SQLITE).bind(after).bind(limit).fetch_all(pool).await?,
            Pool::Postgres(pool) => sqlx::query_scalar::<_, i64>(POSTGRES).bind(after).bind(limit).fetch_all(pool).await?,
        };
        Ok(ids.into_iter().map(RecordId).collect())
    }

    // The pending-commit journal.

    /// Notes that a commit to `parent`'s object is about to start.
    pub async fn begin_commit(&self, parent: ParentId, started: &str) -> Result<()> {
        let sql = "INSERT INTO pending_commits (parent_id, started) VALUES ($1, $2) ON CONFLICT (parent_id) DO UPDATE SET started = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(parent.0).bind(started).execute(pool).await.map(drop)?);
        Ok(())
    }

    pub async fn end_commit(&self, parent: ParentId) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM pending_commits WHERE parent_id = $1").bind(parent.0).execute(pool).await.map(drop)?);
        Ok(())
    }

    pub async fn pending_commits(&self) -> Result<Vec<ParentId>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT parent_id FROM pending_commits ORDER BY parent_id").fetch_all(pool).await?;
            rows.iter().map(|row| Ok(ParentId(row.try_get("parent_id")?))).collect()
        })
    }
}

/// An RFC 3339 UTC time as an OAI-PMH datestamp, to the second: `2026-11-29T19:04:28Z`.
pub(crate) fn oai_datestamp(at: &str) -> String {
    format!("{}Z", at.get(..19).unwrap_or(at))
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|db| db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeSet;

    use serde_json::{Value, json};
    use sqlx::migrate::Migrator;
    use tessera_domain::RecordId;

    use super::{Catalog, Engine, MIGRATIONS, migrator};

    /// A migration written but not listed is never applied, on either engine.
    #[test]
    fn every_migration_file_is_listed() {
        let listed: BTreeSet<i64> = MIGRATIONS.iter().map(|(version, ..)| *version).collect();
        for engine in ["sqlite", "postgres"] {
            let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
            let written: BTreeSet<i64> = std::fs::read_dir(&folder)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".sql"))
                .map(|name| name.split('_').next().and_then(|number| number.parse().ok()).expect("migrations are named NNNN_what.sql"))
                .collect();
            assert_eq!(written, listed, "the {engine} migrations written and those listed in MIGRATIONS differ");
        }
    }

    /// A record's document before migration 29, with two deletions; and one with none.
    const TOMBSTONED: &str = r#"{"id": 5, "metadata": {"title": "Ward study"}, "deletions": [
        {"date": "2026-01-01T00:00:00Z", "reason": "expired", "basis": "record", "files": [
            {"key": "b.csv", "size": 2, "md5": "m2", "sha512": "s2"}, {"key": "a.csv", "size": 1, "md5": "m1", "sha512": "s1"}]},
        {"date": "2026-02-01T00:00:00Z", "reason": "withdrawn", "basis": "request:1", "files": [
            {"key": "c.csv", "size": 3, "md5": "m3", "sha512": "s3"}]}]}"#;
    const UNTOUCHED: &str = r#"{"id": 6, "metadata": {"title": "Survey"}}"#;

    /// The records of `TOMBSTONED` and `UNTOUCHED`, as statements.
    fn records_before_29() -> Vec<String> {
        [(5, TOMBSTONED), (6, UNTOUCHED)]
            .iter()
            .map(|(id, doc)| {
                format!("INSERT INTO records (id, parent_id, version_index, ocfl_version, doc, created, updated) VALUES ({id}, {id}, 1, 1, '{doc}', 'c', 'u')")
            })
            .collect()
    }

    /// The catalogue's migrations up to `version`.
    fn migrator_to(engine: Engine, version: i64) -> Migrator {
        let migrations = migrator(engine).migrations.iter().filter(|m| m.version <= version).cloned().collect();
        Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
    }

    /// A SQLite catalogue migrated up to `version` with `statements` run on it: its folder and URL.
    async fn sqlite_at<S: AsRef<str>>(version: i64, statements: &[S]) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("catalog.db").display());
        let options = url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        migrator_to(Engine::Sqlite, version).run(&pool).await.unwrap();
        for sql in statements {
            sqlx::query(sql.as_ref()).execute(&pool).await.unwrap();
        }
        pool.close().await;
        (dir, url)
    }

    /// A fresh PostgreSQL catalogue migrated up to `version` with `statements` run on it.
    async fn postgres_at<S: AsRef<str>>(version: i64, statements: &[S]) -> tessera_testkit::DatabaseUrl {
        let database = tessera_testkit::fresh_postgres().await;
        let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
        migrator_to(Engine::Postgres, version).run(&pool).await.unwrap();
        for sql in statements {
            sqlx::query(sql.as_ref()).execute(&pool).await.unwrap();
        }
        pool.close().await;
        database
    }

    /// Migration 29 moves the deleted files out of records' documents into their table,
    /// leaving how many each deletion took.
    async fn tombstones_move_out(url: &str) {
        let catalog = Catalog::connect(url).await.unwrap();
        let tombstones = catalog.deleted_files(RecordId(5), 0, 10).await.unwrap();
        let listed: Vec<(&str, i64, i64, &str)> = tombstones.iter().map(|t| (t.key.as_str(), t.deletion, t.size, &*t.sha512)).collect();
        assert_eq!(listed, [("a.csv", 0, 1, "s1"), ("b.csv", 0, 2, "s2"), ("c.csv", 1, 3, "s3")]);
        let catalog = &catalog;
        let doc = |id: i64| async move {
            let row = catalog.record(RecordId(id)).await.unwrap().unwrap();
            serde_json::from_str::<Value>(&row.doc).unwrap()
        };
        let moved = doc(5).await;
        assert_eq!(
            moved["deletions"],
            json!([
                {"date": "2026-01-01T00:00:00Z", "reason": "expired", "basis": "record", "files_count": 2},
                {"date": "2026-02-01T00:00:00Z", "reason": "withdrawn", "basis": "request:1", "files_count": 1},
            ])
        );
        assert_eq!(moved["metadata"]["title"], "Ward study");
        assert_eq!(doc(6).await, serde_json::from_str::<Value>(UNTOUCHED).unwrap());
        catalog.close().await;
    }

    /// Drafts before migration 30: one with three files (one not uploaded yet), one with none.
    const DRAFTS: [&str; 4] = [
        "INSERT INTO drafts (id, parent_id, owner_id, kind, doc, created, updated) VALUES (7, 7, 1, 'new', '{}', 'c', 'u'), (8, 8, 1, 'new', '{}', 'c', 'u')",
        "INSERT INTO draft_files (draft_id, key, status, size, staged, created, updated) VALUES (7, 'a', 'completed', 5, true, 'c', 'u')",
        "INSERT INTO draft_files (draft_id, key, status, size, staged, created, updated) VALUES (7, 'b', 'completed', 6, true, 'c', 'u')",
        "INSERT INTO draft_files (draft_id, key, status, size, staged, created, updated) VALUES (7, 'c', 'pending', NULL, true, 'c', 'u')",
    ];

    /// Migration 30 counts the files of drafts already there, and the count follows changes.
    async fn drafts_are_counted(url: &str) {
        let catalog = Catalog::connect(url).await.unwrap();
        assert_eq!(catalog.draft_files_summary(RecordId(7)).await.unwrap(), (3, 11));
        assert_eq!(catalog.draft_files_summary(RecordId(8)).await.unwrap(), (0, 0));
        assert!(catalog.delete_draft_file(RecordId(7), "a", vec![]).await.unwrap());
        assert_eq!(catalog.draft_files_summary(RecordId(7)).await.unwrap(), (2, 6));
        catalog.close().await;
    }

    #[tokio::test]
    async fn sqlite_drafts_are_counted() {
        let (_dir, url) = sqlite_at(29, &DRAFTS).await;
        drafts_are_counted(&url).await;
    }

    #[tokio::test]
    async fn postgres_drafts_are_counted() {
        let database = postgres_at(29, &DRAFTS).await;
        drafts_are_counted(&database.url).await;
    }

    #[tokio::test]
    async fn sqlite_tombstones_move_out_of_documents() {
        let (_dir, url) = sqlite_at(28, &records_before_29()).await;
        tombstones_move_out(&url).await;
    }

    #[tokio::test]
    async fn postgres_tombstones_move_out_of_documents() {
        let database = postgres_at(28, &records_before_29()).await;
        tombstones_move_out(&database.url).await;
    }
}
