//! Publishing: a draft becomes a new OCFL version of its dataset's object, then catalogue
//! rows and index entries derived from what was committed.
//!
//! Order matters for crash safety: the pending-commit journal entry is written first, the
//! OCFL version second (content, then inventory), the catalogue last in one transaction
//! that also clears the journal. Start-up reconciles any parent left in the journal from
//! storage, the same way `rebuild` does, so a crash at any point leaves the old state or
//! the new one.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use futures::stream::{BoxStream, Stream, StreamExt};
use serde_json::json;
use tessera_catalog::{DeletedFileRow, FileRow, Placements, Present, Published, RecordFiles, RecordRow};
use tessera_domain::audit::AuditEntry;
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{ParentId, Problem, RecordId};
use tessera_ocfl::{Batches, ByDigest, FileSource, Inventory, NewVersion, User, Version, object_root};
use tessera_search::DocKey;

use crate::audit::Event;
use crate::drafts::{KIND_EDIT, draft_problems, from_json};
use crate::model::{DraftDoc, EntryPages, FileEntry, FilesDoc, Md5Digest, PidDoc, RecordDoc, RecordView};
use crate::tessera::{now, object_id, parse_time};
use crate::{Error, Result, Tessera};

impl Tessera {
    /// Publishes draft `id`. The draft takes no changes while it is published
    /// (`Catalog::begin_publishing`), so what the caller was told of a change, done or
    /// refused, is what the published version holds.
    pub async fn publish(&self, subject: &Subject, id: RecordId) -> Result<RecordView> {
        self.mark_for_publishing(subject, id).await?;
        self.publish_or_give_back(subject, id).await
    }

    /// Checks that `subject` may publish draft `id`, and marks it as being published.
    pub(crate) async fn mark_for_publishing(&self, subject: &Subject, id: RecordId) -> Result<()> {
        self.draft_row(subject, id, Action::PublishDraft).await?;
        if !self.catalog.begin_publishing(id, &now()).await? {
            return Err(Error::not_found(format!("draft {id}")));
        }
        Ok(())
    }

    /// Publishes the marked draft `id`, or gives it back to its editors if that fails.
    pub(crate) async fn publish_or_give_back(&self, subject: &Subject, id: RecordId) -> Result<RecordView> {
        let published = self.publish_marked(subject, id).await;
        if published.is_err() {
            self.give_back(id).await;
        }
        published
    }

    /// Ends the mark on draft `id` after its publish failed, or never began. A draft published
    /// after all is gone, and this changes nothing.
    pub(crate) async fn give_back(&self, id: RecordId) {
        if let Err(err) = self.catalog.end_publishing(id).await {
            tracing::error!(draft = id.0, error = %err, "giving a draft back after its publish failed");
        }
    }

    /// Publishes draft `id`, which `publish` has marked. The draft is read again: a change
    /// may have come between the caller's authorization and the mark.
    async fn publish_marked(&self, subject: &Subject, id: RecordId) -> Result<RecordView> {
        let row = self.catalog.draft(id).await?.ok_or_else(|| Error::not_found(format!("draft {id}")))?;
        let mut draft: DraftDoc = from_json(&row.doc)?;
        // The files a new version carries become rows of its own here, off the request that
        // made it; the publish then reads them in digest order with the rest.
        self.catalog.copy_carried_files(id).await?;
        // The draft takes no changes while it is published: its totals are its files.
        let (count, _) = self.catalog.draft_files_summary(id).await?;
        let uncommitted = self.catalog.draft_keys_uncommitted(id).await?;
        let mut problems = draft_problems(&mut draft, &row.kind, usize::try_from(count).unwrap_or(0));
        for key in uncommitted {
            problems.push(Problem::new(format!("files.entries.{key}"), format!("the upload of '{key}' has not been committed")));
        }
        if !draft.access.file_classes.is_empty() {
            let named: Vec<&str> = draft.access.file_classes.keys().map(String::as_str).collect();
            let found: HashSet<String> = self.catalog.draft_keys_among(id, &named).await?.into_iter().collect();
            for key in named.iter().filter(|key| !found.contains(**key)) {
                problems
                    .push(Problem::new(format!("access.file_classes.{key}"), format!("names '{key}', which is not a file of this draft")));
            }
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }

        let stamp = now();
        // An edit keeps the record's first publication date and the tombstones of its files.
        // A dataset stays in its communities through edits and new versions.
        let (created, deletions, before, pids, communities) = match row.kind.as_str() {
            KIND_EDIT => {
                let published: RecordDoc = from_json(&self.published_row(id).await?.doc)?;
                (published.created, published.deletions, Some(published.access), published.pids, published.communities)
            }
            _ => {
                let previous = self.catalog.records_of_parent(row.parent_id).await?.pop();
                let previous = previous.map(|r| from_json::<RecordDoc>(&r.doc)).transpose()?;
                let (before, communities) = previous.map(|d| (Some(d.access), d.communities)).unwrap_or_default();
                let mut pids = std::collections::BTreeMap::new();
                pids.insert("ark".to_string(), PidDoc { identifier: self.config.ark.mint(id.0), provider: "local".into() });
                // A DOI reserved for the draft is the one it gets.
                let reserved = draft.pids.get("doi").map(|pid| pid.identifier.clone());
                if let Some(doi) = reserved.or_else(|| self.doi_for(id)) {
                    pids.insert("doi".to_string(), PidDoc { identifier: doi, provider: "datacite".into() });
                }
                (stamp.clone(), Vec::new(), before, pids, communities)
            }
        };
        let mut doc = RecordDoc {
            id,
            parent_id: row.parent_id,
            version_index: draft.version_index,
            owner: Some(row.owner_id),
            organization: draft.organization,
            created,
            updated: stamp.clone(),
            metadata: draft.metadata,
            access: draft.access,
            files: FilesDoc {
                enabled: draft.files_enabled,
                entries: Vec::new(),
                pages: (count > 0).then(|| self.entry_pages(id)),
                version: None,
            },
            deletions,
            pids,
            communities,
        };

        // What the new version carries of the last: every path but the draft's own and the files
        // of records that stay in the versions that published them.
        let dropped = self.files_left_behind(row.parent_id, row.kind == KIND_EDIT).await?;
        let own_prefix = format!("{id}/");
        let carries = move |path: &str| !path.starts_with(&own_prefix) && !files_of(path).is_some_and(|record| dropped.contains(&record));
        let carries = Arc::new(carries);
        // The commit builds on this read of the inventory rather than parsing it again, unless
        // the object moves on meanwhile. The states of the last version and those before it
        // wait in a file beside the drafts: at 100,000 files each, each held in memory cost
        // about 10 MB. Of the last, what the new version carries is kept, and the record's
        // document, which an edit reads.
        let record_path = format!("{id}/record.json");
        let kept = carries.clone();
        let keep: tessera_ocfl::Carried = Arc::new(move |path: &str| path == record_path || kept(path));
        let previous = self.ocfl.read_to_commit(&object_id(row.parent_id), self.staging.root(), Some(keep)).await?;
        let base = previous.as_ref().map_or(0, |read| read.inventory.head_number());
        // The catalogue says how many files each deletion took; the record as stored says which.
        if let Some(read) = previous.as_ref().filter(|_| row.kind == KIND_EDIT && !doc.deletions.is_empty()) {
            doc.deletions = self.stored_record(&read.inventory, id).await?.deletions;
        }
        // The state is what the new version carries, the record's own document, and the
        // draft's files, which come from the catalogue by digest a page at a time as they are
        // stored: held, at 100,000 files they were 26 MB.
        let mut state: Vec<(Arc<str>, FileSource)> = previous
            .iter()
            .filter_map(|read| read.inventory.head_version())
            .flat_map(Version::carried)
            .filter(|(path, _)| carries(path))
            .collect();
        doc.files.version = Some(base + 1);
        let doc = Arc::new(doc);
        state.push(self.staged_record(doc.clone()).await?);
        let by_digest = ByDigest { batches: self.draft_files_by_digest(id), spill_dir: self.staging.root().to_path_buf() };
        let message = match row.kind.as_str() {
            KIND_EDIT => format!("Edit the metadata of record {id}"),
            _ => format!("Publish record {id} (version {})", doc.version_index),
        };
        let user = User { name: format!("Tessera user {}", row.owner_id), address: Some(format!("urn:tessera:user:{}", row.owner_id)) };
        let version = NewVersion { base, state, message, user, created: parse_time(&stamp), read: previous, by_digest: Some(by_digest) };
        let inventory = match self.commit_version(row.parent_id, version).await {
            // Discarded while it was published: storage and catalogue are as they were.
            Err(Error::Conflict(_)) if self.catalog.draft(id).await?.is_none() => return Err(Error::not_found(format!("draft {id}"))),
            committed => committed?,
        };
        let (record, deleted, sets) = catalogue_rows(Arc::unwrap_or_clone(doc), inventory.head_number())?;
        let files_changed = row.kind != KIND_EDIT;
        let published: RecordDoc = from_json(&record.doc)?;
        let action = if row.kind == KIND_EDIT { "metadata-edited" } else { "record-published" };
        let detail = json!({"ocfl_version": inventory.head, "data_class": published.access.data_class(), "files": count});
        let mut audit = vec![self.entry(Event::new(action, subject.user, format!("record {id}")).dataset(row.parent_id).detail(detail))];
        if let Some(before) = before.filter(|before| *before != published.access) {
            let event = Event::new("access-changed", subject.user, format!("record {id}")).dataset(row.parent_id);
            audit.push(self.entry(event.detail(json!({"before": before, "after": published.access}))));
        }
        // The file rows are the draft's, copied in the catalogue, each with where the new
        // version stores its content: read in digest order from the inventory set aside.
        let root = object_root(&inventory.id);
        let own_files = format!("{id}/files/");
        let placed = inventory.head_content(move |path: &str| path.starts_with(&own_files));
        let placements = Placements::new(Box::pin(
            placed.map_ok(move |batch| batch.into_iter().map(|(sha512, path)| (sha512, format!("{root}/{path}"))).collect()),
        ));
        let files = RecordFiles { present: Present::FromDraft { draft: id, placements: &placements }, deleted: &deleted };
        self.catalog.apply_published(&record, files_changed.then_some(files), Some(id), &sets, audit).await?;
        tracing::info!(record = id.0, parent = row.parent_id.0, ocfl_version = inventory.head, "published");
        drop(inventory);
        self.staging.remove_draft(id).await;
        self.index_parent(row.parent_id).await?;
        self.schedule_embargo_lift(&record).await?;
        self.schedule_doi_registration(&published).await?;
        self.record_view(record).await
    }

    /// The entries of draft `id`'s files for its record's document, read a page at a time as
    /// it is written (see `staged_record`), a page ahead.
    fn entry_pages(&self, id: RecordId) -> EntryPages {
        let catalog = self.catalog.clone();
        let pages = futures::stream::try_unfold(Some(String::new()), move |after: Option<String>| {
            let catalog = catalog.clone();
            async move {
                let Some(after) = after else { return Ok(None) };
                let page = catalog.draft_files_after(id, &after, FILES_PAGE).await.map_err(std::io::Error::other)?;
                let next = page.last().map(|last| last.key.clone());
                let entries = page
                    .into_iter()
                    .map(|file| {
                        let md5 = file.md5.as_deref().and_then(Md5Digest::parse).filter(|_| file.status == "completed");
                        let md5 =
                            md5.ok_or_else(|| std::io::Error::other(format!("file '{}' of draft {id} is not committed", file.key)))?;
                        Ok(FileEntry { key: file.key, size: file.size.unwrap_or(0), md5 })
                    })
                    .collect::<std::io::Result<Vec<FileEntry>>>()?;
                Ok(Some((entries, next)))
            }
        });
        let pages = std::sync::Mutex::new(read_ahead(pages));
        // Asked for in order, each page once: the page after `after` is the next one read.
        EntryPages::new(move |_after: &str| {
            let mut pages = pages.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            futures::executor::block_on(futures::StreamExt::next(&mut *pages)).unwrap_or_else(|| Ok(Vec::new()))
        })
    }

    /// Writes record `doc`'s `record.json` into its draft's staging folder, as a file of the
    /// new version: on a blocking thread, since its entries are read from the catalogue as it
    /// is written, and streamed to the folder as it is hashed, never held.
    async fn staged_record(&self, doc: Arc<RecordDoc>) -> Result<(Arc<str>, FileSource)> {
        let (dir, id) = (self.staging.draft_dir(doc.id), doc.id);
        self.staged_document(doc, dir, move |err| crate::staging::in_draft(id, err)).await
    }

    /// `staged_record` into the folder `dir`, each failure to write there told by `failed`.
    async fn staged_document(
        &self,
        doc: Arc<RecordDoc>,
        dir: PathBuf,
        failed: impl Fn(std::io::Error) -> Error,
    ) -> Result<(Arc<str>, FileSource)> {
        let id = doc.id;
        let (chunks, received) = tokio::sync::mpsc::channel(4);
        let writing = tokio::task::spawn_blocking(move || {
            let mut out = Chunks { chunks, buffer: Vec::with_capacity(CHUNK) };
            let written = serde_json::to_writer_pretty(&mut out, &*doc).map_err(std::io::Error::from).and_then(|()| out.send());
            if let Err(err) = &written {
                // The staging folder is told, and keeps nothing of a document cut short.
                let _ = out.chunks.blocking_send(Err(std::io::Error::new(err.kind(), err.to_string())));
            }
            written
        });
        let received =
            futures::stream::unfold(received, |mut received| async move { received.recv().await.map(|chunk| (chunk, received)) });
        let staged = self.staging.write_in(&dir, Box::pin(received), u64::MAX, failed).await;
        writing.await.map_err(std::io::Error::other)?.map_err(|e| Error::Corrupt(format!("the document of record {id}: {e}")))?;
        let sha512 = staged?.sha512.into();
        Ok((format!("{id}/record.json").into(), FileSource::LocalFile { dir: dir.into(), sha512 }))
    }

    /// The committed files of draft `id` as files of a new version, in digest order a page at a
    /// time (`tessera_ocfl::ByDigest`).
    fn draft_files_by_digest(&self, id: RecordId) -> Batches {
        let (catalog, staged): (_, Arc<Path>) = (self.catalog.clone(), self.staging.draft_dir(id).into());
        let pages = futures::stream::try_unfold(Some(None), move |after: Option<Option<(String, String)>>| {
            let (catalog, staged) = (catalog.clone(), staged.clone());
            async move {
                let Some(after) = after else { return Ok(None) };
                let after_ref = after.as_ref().map(|(sha512, key)| (sha512.as_str(), key.as_str()));
                let page = catalog.draft_files_by_digest(id, after_ref, FILES_PAGE).await.map_err(std::io::Error::other)?;
                let Some(last) = page.last() else { return Ok(None) };
                let next = Some(Some((last.sha512.clone().unwrap_or_default(), last.key.clone())));
                let files = page
                    .into_iter()
                    .map(|file| {
                        let sha512: Arc<str> = file.sha512.unwrap_or_default().into();
                        let source = if file.staged {
                            FileSource::LocalFile { dir: staged.clone(), sha512 }
                        } else {
                            FileSource::Existing { sha512 }
                        };
                        (format!("{id}/files/{}", file.key).into(), source)
                    })
                    .collect();
                Ok(Some((files, next)))
            }
        });
        read_ahead(pages)
    }

    /// Commits a new version of a dataset's object, journalled so that a crash at any point
    /// leaves the old state or the new one.
    pub(crate) async fn commit_version(&self, parent: ParentId, version: NewVersion) -> Result<Inventory> {
        self.journalled(parent, self.ocfl.commit(&object_id(parent), version)).await
    }

    /// Runs a change to a dataset's object with the catalogue's journal around it: whatever
    /// happens, the catalogue ends up agreeing with storage.
    pub(crate) async fn journalled<T>(&self, parent: ParentId, change: impl Future<Output = tessera_ocfl::Result<T>>) -> Result<T> {
        self.catalog.begin_commit(parent, &now()).await?;
        match change.await {
            Ok(done) => Ok(done),
            Err(err) => {
                // Put storage and catalogue back in agreement before reporting the failure.
                if let Err(recovery) = self.reconcile_parent(parent).await {
                    tracing::error!(parent = parent.0, error = %recovery, "reconciling after a failed commit");
                }
                Err(err.into())
            }
        }
    }

    /// Makes the catalogue agree with the object of `parent` in storage, after recovering the
    /// object from an interrupted commit. Used at start-up and by `rebuild`.
    pub(crate) async fn reconcile_parent(&self, parent: ParentId) -> Result<()> {
        match self.ocfl.recover(&object_id(parent)).await? {
            Some(inventory) => {
                self.load_object(&inventory).await?;
            }
            None => self.catalog.end_commit(parent).await?,
        }
        self.index_parent(parent).await
    }

    /// Writes catalogue rows for every record in the head version of an object; returns the
    /// highest id seen.
    pub(crate) async fn load_object(&self, inventory: &Inventory) -> Result<i64> {
        let drafts = self.catalog.draft_ids().await?.into_iter().collect();
        let loaded = self.read_object(inventory, &drafts).await?;
        self.write_loaded(loaded).await
    }

    /// The catalogue rows of every record in the head version of an object, as storage has
    /// them. `drafts` are the ids of the catalogue's drafts.
    pub(crate) async fn read_object(&self, inventory: &Inventory, drafts: &HashSet<RecordId>) -> Result<Vec<Loaded>> {
        let Some(head) = inventory.head_version() else { return Ok(Vec::new()) };
        let record_paths: Vec<&str> =
            head.files().map(|(path, _)| path).filter(|p| p.ends_with("/record.json") && p.matches('/').count() == 1).collect();
        let mut loaded = Vec::with_capacity(record_paths.len());
        for path in record_paths {
            let bytes = self.ocfl.read_bytes(inventory, inventory.head_number(), path).await?;
            let doc: RecordDoc = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt(format!("{path} in {}: {e}", inventory.id)))?;
            let id = doc.id;
            // A record belongs to one dataset and is kept under its own id: one found anywhere
            // else would take the place of the record it names.
            if path != format!("{id}/record.json") || object_id(doc.parent_id) != inventory.id {
                return Err(Error::Corrupt(format!("{path} in {} is record {id} of dataset {}", inventory.id, doc.parent_id)));
            }
            let embargoed = doc.access.embargo.active;
            let derived = derive_rows(inventory, doc)?;
            // A new or new-version draft whose record now exists was published before a crash.
            let published_draft = if drafts.contains(&id) { self.catalog.draft(id).await?.filter(|d| d.kind != KIND_EDIT) } else { None };
            // Its entry never reached the trail: the catalogue's transaction did not happen.
            let audit = published_draft.as_ref().map(|draft| {
                let event = Event::new("record-published", Some(draft.owner_id), format!("record {id}")).dataset(derived.record.parent_id);
                self.entry(event.detail(json!({"ocfl_version": inventory.head, "files": derived.files.len(), "recovered": true})))
            });
            loaded.push(Loaded { derived, published_draft: published_draft.map(|d| d.id), audit, embargoed });
        }
        Ok(loaded)
    }

    /// Writes records read from storage to the catalogue in one transaction, then schedules
    /// their embargoes' ends and removes the drafts they were published from; returns the
    /// highest id seen.
    pub(crate) async fn write_loaded(&self, mut loaded: Vec<Loaded>) -> Result<i64> {
        if loaded.is_empty() {
            return Ok(0);
        }
        let audit = loaded.iter_mut().filter_map(|l| l.audit.take()).collect();
        let published: Vec<Published<'_>> = loaded
            .iter()
            .map(|l| Published {
                record: &l.derived.record,
                files: Some(l.derived.record_files()),
                draft: l.published_draft,
                sets: &l.derived.sets,
            })
            .collect();
        self.catalog.apply_all_published(&published, audit).await?;
        let mut highest = 0;
        for l in &loaded {
            highest = highest.max(l.derived.record.id.0).max(l.derived.record.parent_id.0);
            if l.embargoed {
                // Jobs live in the catalogue; after a rebuild, storage says which are owed.
                self.schedule_embargo_lift(&l.derived.record).await?;
            }
            if let Some(draft) = l.published_draft {
                self.staging.remove_draft(draft).await;
            }
        }
        Ok(highest)
    }

    /// The records of a dataset whose files a new version of its object no longer carries:
    /// each stays in the version that published it. Those published before versions kept
    /// their files apart stay in every version; so does the latest record's, when this is an
    /// edit rather than a new version, so that the head always holds the dataset's files.
    async fn files_left_behind(&self, parent: ParentId, edit: bool) -> Result<HashSet<i64>> {
        let records = self.catalog.records_of_parent(parent).await?;
        let latest = records.iter().map(|r| r.version_index).max();
        let mut left = HashSet::new();
        for record in records {
            let kept_apart = from_json::<RecordDoc>(&record.doc)?.files.version.is_some();
            if kept_apart && !(edit && Some(record.version_index) == latest) {
                left.insert(record.id.0);
            }
        }
        Ok(left)
    }

    /// Record `id` as stored in the head of its object: unlike the catalogue's copy, it lists
    /// its files.
    pub(crate) async fn stored_record(&self, inventory: &Inventory, id: RecordId) -> Result<RecordDoc> {
        let path = format!("{id}/record.json");
        let bytes = self.ocfl.read_bytes(inventory, inventory.head_number(), &path).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt(format!("{path} in {}: {e}", inventory.id)))
    }

    /// Changes the `record.json` of one version of a dataset (`only`), or of every version, in
    /// one new OCFL version whose message says why; then the catalogue (and so the OAI-PMH
    /// feed), every version in one transaction, and the index, as publishing does. The audit
    /// entry (`event` with its detail) names the OCFL version too.
    pub(crate) async fn rewrite_records(
        &self,
        parent: ParentId,
        only: Option<RecordId>,
        message: String,
        (event, mut detail): (Event, serde_json::Value),
        change: impl Fn(&mut RecordDoc),
    ) -> Result<()> {
        let object = object_id(parent);
        // Of the head's state only the records' documents are held, which are read to be
        // rewritten; its files are given back from where the state was set aside.
        let documents: tessera_ocfl::Carried = Arc::new(|path: &str| record_of_document(path).is_some());
        let mut read = self.ocfl.read_to_commit(&object, self.staging.root(), Some(documents)).await?;
        let head_in_order = read.as_ref().and_then(|read| read.inventory.head_version()).and_then(|head| head.spilled.as_ref());
        if head_in_order.is_none_or(|spilled| !spilled.is_in_order()) {
            // Written by another tool, out of order: read with the head's state held.
            read = self.ocfl.read_to_commit(&object, self.staging.root(), None).await?;
        }
        let read = read.ok_or_else(|| Error::not_found(format!("the object of dataset {parent}")))?;
        let inventory = &read.inventory;
        let head = inventory.head_version().ok_or_else(|| Error::Corrupt(format!("{} has no versions", inventory.id)))?;
        let stamp = now();
        let number = inventory.head_number() + 1;
        // Each document is staged as it is changed, and only its catalogue row is kept: at
        // 100,000 files each held its entries until the commit, for every version at once.
        let scratch = self.staging.scratch_dir();
        let staged = async {
            let (mut rewritten, mut rows) = (Vec::new(), Vec::new());
            for record in self.catalog.records_of_parent(parent).await?.into_iter().filter(|r| only.is_none_or(|id| id == r.id)) {
                let mut doc = self.stored_record(inventory, record.id).await?;
                change(&mut doc);
                doc.updated = stamp.clone();
                let doc = Arc::new(doc);
                rewritten.push(self.staged_document(doc.clone(), scratch.clone(), Error::from).await?);
                let (row, _, sets) = catalogue_rows(Arc::unwrap_or_clone(doc), number)?;
                rows.push((row, sets));
            }
            Ok::<_, Error>((rewritten, rows))
        };
        let (rewritten, rows) = match staged.await {
            Ok(staged) => staged,
            Err(err) => {
                self.staging.remove_folder(&scratch).await;
                return Err(err);
            }
        };
        let ids: HashSet<i64> = rows.iter().map(|(row, _)| row.id.0).collect();
        let kept = move |path: &str| !record_of_document(path).is_some_and(|id| ids.contains(&id));
        let by_digest =
            head.carried_by_digest(kept.clone()).map(|batches| ByDigest { batches, spill_dir: self.staging.root().to_path_buf() });
        let mut state: Vec<(Arc<str>, FileSource)> = match by_digest {
            Some(_) => Vec::new(),
            None => head.carried().filter(|(path, _)| kept(path)).collect(),
        };
        state.extend(rewritten);
        let version = NewVersion {
            base: inventory.head_number(),
            state,
            message,
            user: User { name: "Tessera".into(), address: Some("urn:tessera:system".into()) },
            created: parse_time(&stamp),
            read: Some(read),
            by_digest,
        };
        // The files are as they were: only the records' rows change, and the inventory goes
        // before the catalogue's writes.
        let committed = self.commit_version(parent, version).await;
        self.staging.remove_folder(&scratch).await;
        // Version `number`: a commit on any other head is refused.
        detail["ocfl_version"] = json!(committed?.head);
        let published: Vec<Published<'_>> =
            rows.iter().map(|(record, sets)| Published { record, files: None, draft: None, sets }).collect();
        self.catalog.apply_all_published(&published, vec![self.entry(event.detail(detail))]).await?;
        self.index_parent(parent).await
    }

    /// Re-indexes every version of a dataset (publishing one changes which is the latest).
    /// A dataset taken down stays out of the index until it is restored.
    pub(crate) async fn index_parent(&self, parent: ParentId) -> Result<()> {
        let rows = self.catalog.records_of_parent(parent).await?;
        if self.is_taken_down(parent).await? {
            let ids: Vec<DocKey> = rows.iter().map(|r| DocKey::Record(r.id.0 as u64)).collect();
            let search = self.search.clone();
            tokio::task::spawn_blocking(move || search.replace(&[], &ids)).await.map_err(std::io::Error::other)??;
            return Ok(());
        }
        let views = self.record_views(rows).await?;
        self.index_views(views).await
    }

    /// Adds or replaces these records in the index in one commit.
    pub(crate) async fn index_views(&self, views: Vec<RecordView>) -> Result<()> {
        let docs: Vec<_> = views.iter().map(crate::index_doc::index_doc).collect();
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.replace(&docs, &[])).await.map_err(std::io::Error::other)??;
        Ok(())
    }
}

/// A record's rows in the catalogue, as `derive_rows` makes them from storage.
pub(crate) struct Derived {
    pub(crate) record: RecordRow,
    pub(crate) files: Vec<FileRow>,
    /// The tombstones of its deleted files.
    pub(crate) deleted: Vec<DeletedFileRow>,
    /// Its OAI-PMH sets.
    pub(crate) sets: Vec<String>,
}

impl Derived {
    pub(crate) fn record_files(&self) -> RecordFiles<'_> {
        RecordFiles { present: Present::Rows(&self.files), deleted: &self.deleted }
    }
}

/// A record read back from storage (see `Tessera::read_object`).
pub(crate) struct Loaded {
    derived: Derived,
    /// The draft it was published from, when a crash came between storage's commit and the
    /// catalogue's.
    published_draft: Option<RecordId>,
    /// What the trail is then owed.
    audit: Option<AuditEntry>,
    embargoed: bool,
}

impl Loaded {
    /// How many rows it takes in the catalogue.
    pub(crate) fn rows(&self) -> usize {
        1 + self.derived.files.len() + self.derived.deleted.len()
    }
}

/// The catalogue rows for a record as committed in `inventory`, from its document as stored.
pub(crate) fn derive_rows(inventory: &Inventory, mut doc: RecordDoc) -> Result<Derived> {
    let files = StoredFiles::of(inventory, &mut doc)?.into_rows();
    let (record, deleted, sets) = catalogue_rows(doc, inventory.head_number())?;
    Ok(Derived { record, files, deleted, sets })
}

/// A record's files as committed, each matched with its description, for its catalogue rows
/// (`into_rows`) when they are read back from storage.
struct StoredFiles<'a> {
    inventory: &'a Inventory,
    root: String,
    /// Each stored file's digest, shared with the inventory, and the description in
    /// `described` it matches, in key order.
    matched: Vec<(&'a Arc<str>, usize)>,
    /// The descriptions taken from the document, in key order.
    described: Vec<FileEntry>,
}

impl<'a> StoredFiles<'a> {
    /// Record `doc`'s files as committed in `inventory`; their descriptions are taken from the
    /// document. Every stored file must be described, or deleted, and in the manifest.
    fn of(inventory: &'a Inventory, doc: &mut RecordDoc) -> Result<Self> {
        let state = files_state(inventory, doc)?;
        let prefix = format!("{}/files/", doc.id);
        // The files as stored and as described, each in key order, are merged: a map of one
        // to look the other up in came to 7.5 MB at 100,000 files.
        let mut stored: Vec<(&str, &Arc<str>)> =
            state.shared_files().filter_map(|(path, digest)| Some((path.strip_prefix(&prefix)?, digest))).collect();
        stored.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut described = std::mem::take(&mut doc.files.entries);
        described.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        let deleted: HashSet<&str> = doc.deletions.iter().flat_map(|d| d.files.iter().map(|f| f.key.as_str())).collect();
        let mut matched = Vec::with_capacity(stored.len());
        let mut next = 0;
        for (key, digest) in stored {
            // Described files that are not stored have no row.
            while described.get(next).is_some_and(|entry| entry.key.as_str() < key) {
                next += 1;
            }
            if described.get(next).is_none_or(|entry| entry.key != key) {
                // A deleted file whose content another record still holds stays in the
                // versions before its deletion; the record's tombstone says it is gone.
                if deleted.contains(key) {
                    continue;
                }
                return Err(Error::Corrupt(format!("record {} does not describe its file '{key}'", doc.id)));
            }
            if inventory.content_path(digest).is_none() {
                return Err(Error::Corrupt(format!("{digest} is not in the manifest of {}", inventory.id)));
            }
            matched.push((digest, next));
            next += 1;
        }
        Ok(Self { inventory, root: object_root(&inventory.id), matched, described })
    }

    /// Every row at once, each file's key and MD5 moved from its description and its digest
    /// shared with the inventory: at 100,000 files, copies of them were 19 MB.
    fn into_rows(mut self) -> Vec<FileRow> {
        let mut rows = Vec::with_capacity(self.matched.len());
        for n in 0..self.matched.len() {
            let (digest, d) = self.matched[n];
            let FileEntry { key, size, md5 } = std::mem::take(&mut self.described[d]);
            rows.push(FileRow { key, size, md5: md5.to_hex(), sha512: digest.clone(), content_key: self.content_key(digest) });
        }
        rows
    }

    fn content_key(&self, digest: &str) -> String {
        // `of` found every digest in the manifest.
        format!("{}/{}", self.root, self.inventory.content_path(digest).unwrap_or_default())
    }
}

/// Record `doc`'s row as committed at OCFL version `head`, its tombstones and its OAI-PMH sets.
/// The catalogue keeps file details and tombstones in tables of their own, not in the
/// document, which says only how many files each deletion took.
fn catalogue_rows(mut doc: RecordDoc, head: u32) -> Result<(RecordRow, Vec<DeletedFileRow>, Vec<String>)> {
    doc.files.entries.clear();
    doc.files.pages = None;
    let mut tombstones = Vec::new();
    for (n, deletion) in doc.deletions.iter_mut().enumerate() {
        if !deletion.files.is_empty() {
            deletion.files_count = deletion.files.len();
        }
        tombstones.extend(deletion.files.drain(..).map(|f| DeletedFileRow {
            key: f.key,
            deletion: n as i64,
            size: f.size,
            md5: f.md5,
            sha512: f.sha512,
        }));
    }
    Ok((doc.catalogue_row(i64::from(head))?, tombstones, crate::oai::sets_of(&doc)))
}

/// The `{id}/record.json` of a new version, serialised as it is stored (see `FileSource::json`).
pub(crate) fn record_file(doc: &Arc<RecordDoc>) -> Result<(Arc<str>, FileSource)> {
    let source = FileSource::json(doc.clone()).map_err(|e| Error::Corrupt(format!("record {}: {e}", doc.id)))?;
    Ok((format!("{}/record.json", doc.id).into(), source))
}

/// The version of an object whose state holds the files of record `doc` (see `FilesDoc::version`).
pub(crate) fn files_state<'a>(inventory: &'a Inventory, doc: &RecordDoc) -> Result<&'a Version> {
    let number = doc.files.version.unwrap_or_else(|| inventory.head_number());
    inventory
        .version(number)
        .ok_or_else(|| Error::Corrupt(format!("{} has no version {number} for record {}'s files", inventory.id, doc.id)))
}

/// How many of a draft's files a publish reads at once.
const FILES_PAGE: i64 = 1000;

/// `pages` read a page ahead on a task of their own, so that the catalogue's query for the next
/// page runs while the last is used; they stop when the reader goes.
fn read_ahead<T: Send + 'static>(pages: impl Stream<Item = std::io::Result<T>> + Send + 'static) -> BoxStream<'static, std::io::Result<T>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let mut pages = std::pin::pin!(pages);
        while let Some(page) = pages.next().await {
            let failed = page.is_err();
            if sender.send(page).await.is_err() || failed {
                break;
            }
        }
    });
    Box::pin(futures::stream::unfold(receiver, |mut receiver| async move { receiver.recv().await.map(|page| (page, receiver)) }))
}

/// Bytes of a document sent on as they are written, a chunk at a time (`staged_record`).
struct Chunks {
    chunks: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
    buffer: Vec<u8>,
}

/// How many bytes of a document `Chunks` sends at once.
const CHUNK: usize = 64 * 1024;

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.chunks.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::other("the staging folder stopped reading"))
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The record whose document `path` (a logical path in a dataset's object) is.
fn record_of_document(path: &str) -> Option<i64> {
    let (record, rest) = path.split_once('/')?;
    (rest == "record.json").then(|| record.parse().ok()).flatten()
}

/// The record whose files `path` (a logical path in a dataset's object) is one of.
fn files_of(path: &str) -> Option<i64> {
    let (record, rest) = path.split_once('/')?;
    rest.starts_with("files/").then(|| record.parse().ok()).flatten()
}
