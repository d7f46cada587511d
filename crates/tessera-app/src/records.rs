//! Reading published records: metadata, versions, file listings, downloads and search.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tessera_catalog::{FileRow, GrantRow, RecordRow, RecordStats};
use tessera_domain::authz::{self, Action, ResourceFacts, Subject};
use tessera_domain::{Access, ParentId, RecordId};
use tessera_search::{DocKey, SearchRequest};
use tessera_storage::{ByteStream, Store};

use crate::dashboard::DownloadTally;
use crate::drafts::{facts_of_record, from_json};
use crate::grants::deciding_grant;
use crate::index_doc::{LOCAL_ORIGIN, ORIGIN_FACET};
use crate::model::{FileView, RecordDoc, RecordView, SearchHit, SearchPage};
use crate::{Error, Result, Tessera};

/// The files of one record that a caller was allowed to read: a capability handed out by
/// the decision point, so adapters can stream many files (an archive) after one check. The
/// files come a page at a time (`Tessera::readable_page`), so an archive of any number of
/// them streams in bounded memory.
pub struct ReadableFiles {
    pub record: RecordView,
    subject: Subject,
    readable: Readable,
    /// Whether a file was read yet: the first counts as one download of the whole archive.
    counted: AtomicBool,
    /// The files of a class of their own whose read was allowed and audited already. A data
    /// package reads each table twice (its schema, then the archive) but hands it out once.
    audited: Mutex<HashSet<String>>,
}

/// A page of the files a caller may read, in key order, from `Tessera::readable_page`.
#[derive(Debug)]
pub struct ReadablePage {
    pub files: Vec<FileView>,
    /// Where each file's content is, and the facts to audit its read on when it has a class
    /// of its own.
    sources: Vec<(String, Option<ResourceFacts>)>,
    /// Where the next page starts, if there is one.
    pub next: Option<i64>,
}

/// One file a caller was allowed to read, from `Tessera::readable_file` (a published record's)
/// or `Tessera::readable_draft_file` (a draft's).
pub struct ReadableFile {
    pub file: FileView,
    /// Whether anyone at all may read it, so shared caches may keep it.
    pub open_to_all: bool,
    pub(crate) content_key: String,
    pub(crate) store: Arc<dyn Store>,
    /// The dataset whose downloads a read counts toward; none for a draft's file.
    pub(crate) counted: Option<(ParentId, Arc<DownloadTally>)>,
}

impl ReadableFile {
    /// Streams the file, or a byte range of it. Reading a published file from the first byte
    /// counts as a download; resuming from later does not.
    pub async fn open(&self, range: Option<Range<u64>>) -> Result<ByteStream> {
        let whole = range.as_ref().is_none_or(|r| r.start == 0);
        let stream = self.store.get_stream(&self.content_key, range).await?;
        Ok(match &self.counted {
            Some((parent, downloads)) if whole => downloads.counting(*parent, stream),
            _ => stream,
        })
    }
}

impl Tessera {
    pub async fn record(&self, subject: &Subject, id: RecordId) -> Result<RecordView> {
        let row = self.published_row(id).await?;
        let view = self.record_view(row).await?;
        self.visible(subject, view).await
    }

    /// The view as the caller may see it: whole, as a metadata-only stub, or refused.
    async fn visible(&self, subject: &Subject, view: RecordView) -> Result<RecordView> {
        let facts = self.record_facts(subject, &view.doc, None).await?;
        // Seeing the public stub instead of the whole record is no refusal worth auditing.
        if view.doc.access.metadata_stub() && !facts.taken_down && !authz::authorize(subject, Action::ReadMetadata, &facts).allowed {
            return Ok(view.into_stub());
        }
        self.authorize(subject, Action::ReadMetadata, &facts, &format!("record {}", view.doc.id)).await?;
        // A question for the page to ask, not an access: nothing to audit.
        let editable = authz::authorize(subject, Action::EditRecord, &facts).allowed;
        let auditable = authz::authorize(subject, Action::ReadAudit, &facts).allowed;
        Ok(RecordView { editable, auditable, ..without_file_names(subject, view) })
    }

    /// The record an ARK minted here names (`naan` and the name after it), if it was minted
    /// for a published record.
    pub async fn record_of_ark(&self, naan: &str, name: &str) -> Result<RecordId> {
        let ark = format!("ark:/{naan}/{name}");
        let unknown = || Error::not_found(format!("the ARK {ark}"));
        let minter = &self.config.ark;
        let id = (naan == minter.naan).then(|| minter.record_of(name)).flatten().ok_or_else(unknown)?;
        let row = self.catalog.record(RecordId(id)).await?.ok_or_else(unknown)?;
        let doc: RecordDoc = from_json(&row.doc)?;
        doc.pids.get("ark").filter(|pid| pid.identifier == ark).ok_or_else(unknown)?;
        Ok(row.id)
    }

    /// Every published version of the dataset record `id` belongs to, newest first.
    pub async fn versions(&self, subject: &Subject, id: RecordId) -> Result<Vec<RecordView>> {
        let row = self.published_row(id).await?;
        let mut views = Vec::new();
        let versions = self.catalog.records_of_parent(row.parent_id).await?.into_iter().rev().collect();
        for view in self.record_views(versions).await? {
            if let Ok(visible) = self.visible(subject, view).await {
                views.push(visible);
            }
        }
        Ok(views)
    }

    pub async fn latest_version(&self, subject: &Subject, id: RecordId) -> Result<RecordView> {
        let row = self.published_row(id).await?;
        let latest = self.catalog.records_of_parent(row.parent_id).await?.pop().ok_or_else(|| Error::not_found(format!("record {id}")))?;
        self.record(subject, latest.id).await
    }

    /// A page of a record's files, and how many it has.
    pub async fn record_files(&self, subject: &Subject, id: RecordId, offset: i64, limit: i64) -> Result<(Vec<FileView>, i64)> {
        let (view, readable) = self.readable(subject, id).await?;
        let access = &view.doc.access;
        match readable {
            Readable::All => {
                let (rows, total) = self.catalog.record_files(id, offset, Some(limit)).await?;
                Ok((rows.into_iter().map(|row| file_view(row, access)).collect(), total))
            }
            Readable::Only { division, .. } => {
                // A page is a range of positions with the named files the caller may not read
                // left out, or, when the others are all hidden, a page of the named ones.
                let Division { others, shown, hidden } = *division;
                let (skip, take) = (offset.max(0), limit.max(0));
                if !others {
                    let total = shown.len() as i64;
                    let page = shown.into_iter().skip(skip as usize).take(take as usize);
                    return Ok((page.map(|(_, row)| file_view(row, access)).collect(), total));
                }
                let start = position_skipping(&hidden, skip);
                let (rows, all) = self.catalog.record_files(id, start, Some(take.saturating_add(hidden.len() as i64))).await?;
                // Positions are numbered from 0 in key order, so the rows are `start`, `start + 1`, ….
                let page = rows
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| hidden.binary_search(&(start + *i as i64)).is_err())
                    .take(take as usize)
                    .map(|(_, row)| file_view(row, access));
                Ok((page.collect(), all - hidden.len() as i64))
            }
        }
    }

    /// One file of a record, checked once; its details are known before any byte is read.
    /// The record, the file and whether the dataset is taken down come in one question to the
    /// catalogue (often answered from its memo), and no view of the record is built: a
    /// download needs no more.
    pub async fn readable_file(&self, subject: &Subject, id: RecordId, key: &str) -> Result<ReadableFile> {
        let found = self.catalog.record_for_download(id, key).await?.ok_or_else(|| Error::not_found(format!("record {id}")))?;
        let doc: RecordDoc = from_json(&found.record.doc)?;
        let facts = self.record_facts_when(subject, &doc, Some(key), found.taken_down).await?;
        self.authorize(subject, Action::ReadMetadata, &facts, &format!("record {id}")).await?;
        self.authorize(subject, Action::ReadFiles, &facts, &format!("files of record {id}")).await?;
        let Some(row) = found.file.clone() else {
            let tombstone = self.catalog.deleted_file(id, key).await?;
            let deleted = tombstone.and_then(|t| usize::try_from(t.deletion).ok()).and_then(|n| doc.deletions.get(n));
            return Err(match deleted {
                Some(deletion) => Error::Gone(format!(
                    "file '{key}' of record {id} was deleted on {}: {}",
                    deletion.date.get(..10).unwrap_or(&deletion.date),
                    deletion.reason
                )),
                None => Error::not_found(format!("file '{key}' of record {id}")),
            });
        };
        let facts = ResourceFacts { data_class: doc.access.class_of(key), ..facts_of_record(&doc) };
        Ok(ReadableFile {
            content_key: row.content_key.clone(),
            file: file_view(row, &doc.access),
            open_to_all: authz::authorize(&Subject::anonymous(), Action::ReadFiles, &facts).allowed,
            store: self.ocfl.store().clone(),
            counted: Some((doc.parent_id, self.downloads.clone())),
        })
    }

    /// The files of a record the caller may read, checked once, for streaming an archive.
    pub async fn readable_files(&self, subject: &Subject, id: RecordId) -> Result<ReadableFiles> {
        let (record, readable) = self.readable(subject, id).await?;
        Ok(ReadableFiles { record, subject: subject.clone(), readable, counted: AtomicBool::new(false), audited: Mutex::default() })
    }

    /// The files `files` may read among the record's files from position `offset` on, at most
    /// `limit` of them (all the rest if `None`).
    pub async fn readable_page(&self, files: &ReadableFiles, offset: i64, limit: Option<i64>) -> Result<ReadablePage> {
        let (rows, total) = self.catalog.record_files(files.record.doc.id, offset, limit).await?;
        let end = offset + rows.len() as i64;
        let next = (!rows.is_empty() && end < total).then_some(end);
        let access = &files.record.doc.access;
        let (sources, files) = files
            .readable
            .filter(&files.subject, access, rows)
            .into_iter()
            .map(|(row, facts)| ((row.content_key.clone(), facts), file_view(row, access)))
            .unzip();
        Ok(ReadablePage { files, sources, next })
    }

    /// Streams file `index` of `page`. Reading a file of a class of its own is decided and
    /// audited, once for the whole `files`; the first file read counts as one download of the
    /// whole archive.
    pub async fn open_readable(&self, files: &ReadableFiles, page: &ReadablePage, index: usize) -> Result<ByteStream> {
        let ((content_key, facts), file) = page.sources.get(index).zip(page.files.get(index)).ok_or_else(|| Error::not_found("file"))?;
        let decided = || files.audited.lock().unwrap_or_else(PoisonError::into_inner).contains(&file.key);
        if let Some(facts) = facts.as_ref().filter(|_| !decided()) {
            let what = format!("file '{}' of record {}", file.key, files.record.doc.id);
            self.authorize(&files.subject, Action::ReadFiles, facts, &what).await?;
            files.audited.lock().unwrap_or_else(PoisonError::into_inner).insert(file.key.clone());
        }
        let stream = self.ocfl.store().get_stream(content_key, None).await?;
        Ok(if files.counted.swap(true, Ordering::Relaxed) { stream } else { self.downloads.counting(files.record.doc.parent_id, stream) })
    }

    /// A record whose metadata the caller may read, and which of its files they may read:
    /// all or none when every file has the record's class, else file by file. The names of
    /// files the caller may not read are never handed out.
    async fn readable(&self, subject: &Subject, id: RecordId) -> Result<(RecordView, Readable)> {
        let row = self.published_row(id).await?;
        let doc: RecordDoc = from_json(&row.doc)?;
        let facts = self.record_facts(subject, &doc, None).await?;
        self.authorize(subject, Action::ReadMetadata, &facts, &format!("record {id}")).await?;
        if doc.access.file_classes.is_empty() {
            self.authorize(subject, Action::ReadFiles, &facts, &format!("files of record {id}")).await?;
            return Ok((self.record_view(row).await?, Readable::All));
        }
        let grants = match subject.user {
            Some(user) => self.catalog.grants_for(user, doc.parent_id).await?,
            None => Vec::new(),
        };
        let division = self.divide(subject, id, &doc.access, &facts, &grants).await?;
        // Nothing to show: refuse as the record's own class does, with its reason.
        let named = (division.shown.len() + division.hidden.len()) as i64;
        let any = !division.shown.is_empty() || (division.others && self.catalog.record_files_summary(id).await?.0 > named);
        if !any {
            self.authorize(subject, Action::ReadFiles, &facts, &format!("files of record {id}")).await?;
        }
        Ok((self.record_view(row).await?, Readable::Only { facts, grants, division: Box::new(division) }))
    }

    /// How a record's files divide for a caller when some have a class of their own. Only the
    /// files named somewhere, with a class of their own or in a grant for single files, can be
    /// decided apart from the rest: those are read by key and decided one by one. Every other
    /// file is decided as one, with the record's class and the dataset's grants, so nothing here
    /// reads the whole list.
    async fn divide(
        &self,
        subject: &Subject,
        id: RecordId,
        access: &Access,
        facts: &ResourceFacts,
        grants: &[GrantRow],
    ) -> Result<Division> {
        let grant_files = grants
            .iter()
            .filter_map(|grant| grant.files.as_deref())
            .flat_map(|files| serde_json::from_str::<Vec<String>>(files).unwrap_or_default());
        let named: BTreeSet<String> = access.file_classes.keys().cloned().chain(grant_files).collect();
        let named: Vec<&str> = named.iter().map(String::as_str).collect();
        let named_rows = self.catalog.record_files_among(id, &named).await?;
        let (shown, hidden): (Vec<_>, Vec<_>) = named_rows
            .into_iter()
            .partition(|(_, row)| authz::authorize(subject, Action::ReadFiles, &file_facts(facts, grants, access, Some(&row.key))).allowed);
        Ok(Division {
            others: authz::authorize(subject, Action::ReadFiles, &file_facts(facts, grants, access, None)).allowed,
            shown,
            hidden: hidden.into_iter().map(|(position, _)| position).collect(),
        })
    }

    pub async fn search(&self, subject: &Subject, request: SearchRequest) -> Result<SearchPage> {
        let search = self.search.clone();
        let result = tokio::task::spawn_blocking(move || search.search(&request)).await.map_err(std::io::Error::other)??;
        let ids: Vec<RecordId> = result
            .keys
            .iter()
            .filter_map(|key| match key {
                DocKey::Record(id) => Some(RecordId(*id as i64)),
                DocKey::Remote(_) => None,
            })
            .collect();
        let remote_ids: Vec<i64> = result
            .keys
            .iter()
            .filter_map(|key| match key {
                DocKey::Remote(id) => Some(*id as i64),
                DocKey::Record(_) => None,
            })
            .collect();
        // Metadata-only records are indexed by their stub alone; each hit is still checked, so
        // the answer stays right while the index lags behind a change of access.
        let mut found: HashMap<DocKey, SearchHit> = HashMap::with_capacity(result.keys.len());
        for (row, stats) in self.catalog.records_with_stats(&ids).await? {
            let view = record_view(row, &stats)?;
            let key = DocKey::Record(view.doc.id.0 as u64);
            if stats.taken_down {
                // Found only by those who review it; listing it is no read worth an entry.
                let facts = self.record_facts(subject, &view.doc, None).await?;
                if authz::authorize(subject, Action::ReadMetadata, &facts).allowed {
                    found.insert(key, SearchHit::Record(without_file_names(subject, view)));
                }
                continue;
            }
            let public = !view.doc.access.metadata_stub();
            if public && authz::authorize(subject, Action::ReadMetadata, &facts_of_record(&view.doc)).allowed {
                found.insert(key, SearchHit::Record(without_file_names(subject, view)));
            } else if let Ok(visible) = self.visible(subject, view).await {
                found.insert(key, SearchHit::Record(visible));
            }
        }
        // Harvested records are public metadata from elsewhere: anyone may see them. The
        // sources name their origins and label the origin facet; read only when needed.
        let harvested = result.facets.get(ORIGIN_FACET).is_some_and(|values| values.iter().any(|(v, _)| v != LOCAL_ORIGIN));
        let sources = if harvested || !remote_ids.is_empty() { self.catalog.harvest_sources().await? } else { Vec::new() };
        for record in self.remote_records(&remote_ids, &sources).await? {
            found.insert(DocKey::Remote(record.id as u64), SearchHit::Remote(record));
        }
        let hits = result.keys.iter().filter_map(|key| found.remove(key)).collect();
        let origins = sources.into_iter().map(|s| (s.name, s.repository_name)).collect();
        Ok(SearchPage { total: result.total, hits, facets: result.facets, origins })
    }

    /// The documents of published records `ids`, for sweeps over the catalogue. A sweep names
    /// in `T` the parts of each document it reads; the rest is skipped, not parsed.
    pub(crate) async fn record_docs<T: serde::de::DeserializeOwned>(&self, ids: &[RecordId]) -> Result<Vec<T>> {
        self.catalog.records_by_ids(ids).await?.iter().map(|row| from_json(&row.doc)).collect()
    }

    pub(crate) async fn record_view(&self, row: RecordRow) -> Result<RecordView> {
        let mut views = self.record_views(vec![row]).await?;
        views.pop().ok_or_else(|| Error::Corrupt("a record view went missing".into()))
    }

    /// Views of many records with one query in all, whatever their number.
    pub(crate) async fn record_views(&self, rows: Vec<RecordRow>) -> Result<Vec<RecordView>> {
        let ids: Vec<RecordId> = rows.iter().map(|r| r.id).collect();
        let stats: HashMap<RecordId, RecordStats> = self.catalog.record_stats(&ids).await?.into_iter().map(|s| (s.id, s)).collect();
        rows.into_iter()
            .map(|row| {
                let stats = stats.get(&row.id).ok_or_else(|| Error::Corrupt(format!("record {} has no catalogue row", row.id)))?;
                record_view(row, stats)
            })
            .collect()
    }
}

/// A record's view as anyone who may read it sees it, before it is narrowed for the caller.
fn record_view(row: RecordRow, stats: &RecordStats) -> Result<RecordView> {
    Ok(RecordView {
        is_stub: false,
        is_latest: stats.latest_id == row.id,
        latest_id: stats.latest_id,
        versions_count: stats.versions_count,
        files_count: stats.files_count,
        files_bytes: stats.files_bytes,
        editable: false,
        auditable: false,
        doc: from_json(&row.doc)?,
    })
}

/// The view without the keys of `access.file_classes`, unless the caller may edit the record:
/// a file's name can say too much. Others see each file's class in the file listing, which
/// holds only the files they may read. (Nor does the view name deleted files: they are listed
/// apart, for those who may edit the record, by `Tessera::deleted_files`.)
fn without_file_names(subject: &Subject, mut view: RecordView) -> RecordView {
    if !view.doc.access.file_classes.is_empty() && !authz::authorize(subject, Action::EditRecord, &facts_of_record(&view.doc)).allowed {
        view.doc.access.file_classes.clear();
    }
    view
}

/// The files of a record with classes of their own, as they divide for one caller.
struct Division {
    /// Whether the caller may read the files named nowhere.
    others: bool,
    /// The named files the caller may read, with their positions in key order, in that order.
    shown: Vec<(i64, FileRow)>,
    /// The positions of the named files the caller may not read, ascending.
    hidden: Vec<i64>,
}

/// Which files of a record a caller may read: all, or, when some files have a class of their
/// own, each decided on its class and the caller's grant for it.
enum Readable {
    All,
    Only { facts: ResourceFacts, grants: Vec<GrantRow>, division: Box<Division> },
}

impl Readable {
    /// The rows the caller may read, each with the facts it was decided on when it has a class
    /// of its own (a read of it is audited on those).
    fn filter(&self, subject: &Subject, access: &Access, rows: Vec<FileRow>) -> Vec<(FileRow, Option<ResourceFacts>)> {
        match self {
            Self::All => rows.into_iter().map(|row| (row, None)).collect(),
            Self::Only { facts, grants, .. } => rows
                .into_iter()
                .map(|row| {
                    let file = file_facts(facts, grants, access, Some(&row.key));
                    (row, file)
                })
                .filter(|(_, file)| authz::authorize(subject, Action::ReadFiles, file).allowed)
                .map(|(row, file)| (row, Some(file)))
                .collect(),
        }
    }
}

/// The facts a file is decided on: its class and the caller's grant for it. `None` stands for
/// any file named neither in the record's classes nor in a grant for single files.
fn file_facts(facts: &ResourceFacts, grants: &[GrantRow], access: &Access, key: Option<&str>) -> ResourceFacts {
    let (grant, grant_id) = deciding_grant(grants, key);
    let data_class = key.map_or_else(|| access.data_class(), |key| access.class_of(key));
    ResourceFacts { data_class, grant, grant_id, ..facts.clone() }
}

/// The position of the `index`th file when the files at the positions in `hidden` (ascending)
/// are left out.
fn position_skipping(hidden: &[i64], index: i64) -> i64 {
    let mut position = index;
    for &left_out in hidden {
        if left_out > position {
            break;
        }
        // Saturating: a page far past the end asks for an index near `i64::MAX`.
        position = position.saturating_add(1);
    }
    position
}

fn file_view(row: FileRow, access: &Access) -> FileView {
    FileView { data_class: access.class_of(&row.key), key: row.key, size: row.size, md5: row.md5, sha512: row.sha512 }
}

#[cfg(test)]
mod tests {
    use super::position_skipping;

    /// Against counting the positions one by one, for every index and many sets left out.
    #[test]
    fn positions_skip_the_files_left_out() {
        for mask in 0u32..256 {
            let hidden: Vec<i64> = (0..8).filter(|bit| mask & (1 << bit) != 0).collect();
            let shown: Vec<i64> = (0..12).filter(|position| !hidden.contains(position)).collect();
            for (index, &position) in shown.iter().enumerate() {
                assert_eq!(position_skipping(&hidden, index as i64), position, "{hidden:?}, index {index}");
            }
        }
    }
}
