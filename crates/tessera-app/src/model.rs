//! The documents Tessera stores for drafts and records, and the views it hands to adapters.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tessera_domain::{Access, Metadata, OrgId, ParentId, Problem, RecordId, UserId};

/// A published record version as stored: `{id}/record.json` in its dataset's OCFL object,
/// and (without the file entries) the `doc` column of the catalogue. Everything needed to
/// recreate the catalogue row is here, so `rebuild` needs nothing but storage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordDoc {
    pub id: RecordId,
    pub parent_id: ParentId,
    /// 1 for a dataset's first version, 2 for the next, and so on.
    pub version_index: i64,
    pub owner: Option<UserId>,
    /// The member institution that owns the dataset; its curators and stewards look after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrgId>,
    pub created: String,
    pub updated: String,
    pub metadata: Metadata,
    pub access: Access,
    pub files: FilesDoc,
    /// Files deleted from storage (under a retention schedule, or on request), oldest first:
    /// what remains of them is this tombstone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deletions: Vec<Deletion>,
    /// Persistent identifiers by scheme (`ark`), in InvenioRDM's `pids` shape; minted when
    /// the version is first published and kept for good.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pids: BTreeMap<String, PidDoc>,
    /// The communities the dataset is in, by id; every version says the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communities: Vec<String>,
}

impl RecordDoc {
    /// Version `version` of dataset `parent`, as record `id`, with a title and a creator and
    /// nothing else, for tests.
    #[cfg(test)]
    pub(crate) fn sample(id: i64, parent: i64, version: i64, title: &str) -> RecordDoc {
        let metadata = serde_json::json!({"title": title, "resource_type": {"id": "dataset"}, "publication_date": "2026",
            "creators": [{"person_or_org": {"type": "personal", "family_name": "Jones", "given_name": "Nia"}}]});
        RecordDoc {
            id: RecordId(id),
            parent_id: ParentId(parent),
            version_index: version,
            owner: None,
            organization: None,
            created: "2026-01-01T00:00:00Z".into(),
            updated: "2026-01-01T00:00:00Z".into(),
            metadata: serde_json::from_value(metadata).expect("sample metadata"),
            access: Default::default(),
            files: Default::default(),
            deletions: Vec::new(),
            pids: Default::default(),
            communities: Vec::new(),
        }
    }

    /// The catalogue row of this version, committed as OCFL version `ocfl_version` of its dataset.
    pub fn catalogue_row(&self, ocfl_version: i64) -> crate::Result<tessera_catalog::RecordRow> {
        Ok(tessera_catalog::RecordRow {
            id: self.id,
            parent_id: self.parent_id,
            version_index: self.version_index,
            owner_id: self.owner,
            org_id: self.organization.clone(),
            ocfl_version,
            doc: crate::drafts::to_json(self)?,
            created: self.created.clone(),
            updated: self.updated.clone(),
        })
    }
}

/// A persistent identifier and who issued it (`local` for ARKs Tessera mints).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PidDoc {
    pub identifier: String,
    pub provider: String,
}

/// Files whose bytes were purged from storage, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// When, in RFC 3339.
    pub date: String,
    /// Why, in words for the landing page.
    pub reason: String,
    /// What decided it: `record` (its own date), `schedule:{id}` or `request:{id}`.
    pub basis: String,
    /// How many files it deleted.
    #[serde(default)]
    pub files_count: usize,
    /// Which, in the `record.json` of storage only: the catalogue keeps them in a table of
    /// their own, so that a record whose 100,000 files were deleted does not carry them into
    /// every view and download of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<DeletedFile>,
}

/// A file deleted from storage, as its tombstone and its deletion tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedFileView {
    pub key: String,
    pub size: i64,
    pub md5: String,
    pub sha512: Arc<str>,
    /// When, in RFC 3339.
    pub date: String,
    pub reason: String,
    pub basis: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedFile {
    pub key: String,
    pub size: i64,
    pub md5: String,
    /// Shared with the inventory when the deletion makes it.
    pub sha512: Arc<str>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct FilesDoc {
    pub enabled: bool,
    /// The files with their sizes and MD5s; their SHA-512s are the OCFL state's.
    #[serde(default)]
    pub entries: Vec<FileEntry>,
    /// Where the entries are read from a page at a time as the document is written, in place
    /// of `entries`: a publish writes a record of 100,000 files without holding their 7.4 MB.
    #[serde(skip)]
    pub pages: Option<EntryPages>,
    /// The version of the dataset's OCFL object whose state holds this record's files: the
    /// one that published them. Later versions carry only the latest record's files, so the
    /// object's inventory grows with the files of each version published, not with the files
    /// of every earlier version again. Absent for records published before 2026-12-01, whose
    /// files every later version carries, as it did then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// Fields in the order declared; the entries from their pages when there are pages, and
/// absent when there are none.
impl Serialize for FilesDoc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut files = serializer.serialize_struct("FilesDoc", 3)?;
        files.serialize_field("enabled", &self.enabled)?;
        match &self.pages {
            Some(pages) => files.serialize_field("entries", pages)?,
            None if !self.entries.is_empty() => files.serialize_field("entries", &self.entries)?,
            None => files.skip_field("entries")?,
        }
        match self.version {
            Some(version) => files.serialize_field("version", &version)?,
            None => files.skip_field("version")?,
        }
        files.end()
    }
}

/// A record's file entries in key order, a page at a time: given the key of the last entry
/// read (empty at first), the next page, empty at the end. Written as a list.
#[derive(Clone)]
pub struct EntryPages(Arc<NextPage>);

/// The page of entries after a key (`EntryPages`).
type NextPage = dyn Fn(&str) -> std::io::Result<Vec<FileEntry>> + Send + Sync;

impl EntryPages {
    pub(crate) fn new(next: impl Fn(&str) -> std::io::Result<Vec<FileEntry>> + Send + Sync + 'static) -> Self {
        Self(Arc::new(next))
    }
}

impl Serialize for EntryPages {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut list = serializer.serialize_seq(None)?;
        let mut after = String::new();
        loop {
            let page = (self.0)(&after).map_err(S::Error::custom)?;
            let Some(last) = page.last() else { break };
            after.clone_from(&last.key);
            for entry in &page {
                list.serialize_element(entry)?;
            }
        }
        list.end()
    }
}

impl std::fmt::Debug for EntryPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EntryPages")
    }
}

impl PartialEq for EntryPages {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub key: String,
    pub size: i64,
    pub md5: Md5Digest,
}

/// An MD5 digest, held as its 16 bytes and written as hex: as text, a record's descriptions
/// held 4 MB more at 100,000 files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Md5Digest([u8; 16]);

impl Md5Digest {
    /// The digest written as 32 hex digits, or `None`.
    pub fn parse(hex: &str) -> Option<Self> {
        let mut bytes = [0u8; 16];
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(Self(bytes))
    }

    pub fn to_hex(self) -> String {
        tessera_storage::hex(&self.0)
    }
}

impl Serialize for Md5Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Md5Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let hex = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&hex).ok_or_else(|| serde::de::Error::custom(format!("'{hex}' is not an MD5 digest in hex")))
    }
}

/// A draft as stored in the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct DraftDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) organization: Option<OrgId>,
    pub(crate) metadata: Metadata,
    pub(crate) access: Access,
    pub(crate) files_enabled: bool,
    pub(crate) version_index: i64,
    /// Identifiers it already has: a DOI reserved at DataCite, or an edited record's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) pids: BTreeMap<String, PidDoc>,
}

/// What a client sends to create or update a draft.
#[derive(Clone, Debug, Default)]
pub struct RecordInput {
    /// Only when a draft is created; the dataset keeps its organization after that.
    pub organization: Option<OrgId>,
    pub metadata: Metadata,
    pub access: Option<Access>,
    pub files_enabled: Option<bool>,
}

/// A published record as an adapter shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordView {
    pub doc: RecordDoc,
    /// Only the public stub of a metadata-only record: title, creators, resource type,
    /// publication date and access settings, no files.
    pub is_stub: bool,
    pub is_latest: bool,
    pub latest_id: RecordId,
    pub versions_count: i64,
    pub files_count: i64,
    pub files_bytes: i64,
    /// Whether the caller may edit the record or make a new version of it, so pages offer to.
    pub editable: bool,
    /// Whether the caller may read the dataset's audit trail, so pages link to it.
    pub auditable: bool,
}

/// A numbered page of what someone deposited: drafts first, then published records.
#[derive(Debug)]
pub struct OwnRecords {
    pub drafts: Vec<DraftView>,
    pub records: Vec<RecordView>,
    /// Drafts and records in all, on every page.
    pub total: usize,
}

impl RecordView {
    /// The metadata-only stub of this view, for people without full access.
    pub(crate) fn into_stub(mut self) -> Self {
        self.doc.metadata = stub_metadata(std::mem::take(&mut self.doc.metadata));
        self.doc.files.entries.clear();
        self.doc.access.file_classes.clear();
        for deletion in &mut self.doc.deletions {
            deletion.files_count = 0;
        }
        (self.files_count, self.files_bytes, self.is_stub) = (0, 0, true);
        self
    }
}

/// What a metadata-only stub shows of a record's metadata.
pub(crate) fn stub_metadata(full: Metadata) -> Metadata {
    Metadata {
        resource_type: full.resource_type,
        creators: full.creators,
        title: full.title,
        publication_date: full.publication_date,
        ..Metadata::default()
    }
}

/// A draft as an adapter shows it, with every problem that would stop it being published.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftView {
    pub id: RecordId,
    pub parent_id: ParentId,
    pub owner: UserId,
    pub organization: Option<OrgId>,
    /// `new`, `edit` or `version`.
    pub kind: String,
    pub version_index: i64,
    pub created: String,
    pub updated: String,
    pub metadata: Metadata,
    pub access: Access,
    pub files_enabled: bool,
    pub files_count: i64,
    pub files_bytes: i64,
    pub problems: Vec<Problem>,
    /// Whether a published version with this id exists (an edit draft).
    pub is_published: bool,
    /// A DOI reserved for it, or the identifiers of the record it edits.
    pub pids: BTreeMap<String, PidDoc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftFileView {
    pub key: String,
    pub status: String,
    pub size: Option<i64>,
    pub md5: Option<String>,
    pub created: String,
    pub updated: String,
    /// Its parts, while it is sent by a multipart transfer.
    pub multipart: Option<crate::MultipartView>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileView {
    pub key: String,
    /// The file's own class, or the record's.
    pub data_class: tessera_domain::DataClass,
    pub size: i64,
    pub md5: String,
    pub sha512: Arc<str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SearchPage {
    pub total: usize,
    pub hits: Vec<SearchHit>,
    pub facets: tessera_search::FacetCounts,
    /// The repository name of each harvest among the `origin` facet's values.
    pub origins: Vec<(String, String)>,
}

/// A search hit: a record of Tessera's own, or one harvested from a partner repository.
#[derive(Clone, Debug, PartialEq)]
#[expect(clippy::large_enum_variant, reason = "both kinds are large and a page holds at most a hundred")]
pub enum SearchHit {
    Record(RecordView),
    Remote(crate::harvest::RemoteRecord),
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{EntryPages, FileEntry, FilesDoc, Md5Digest};

    /// A description's MD5 is read from hex and written back as it was stored.
    #[test]
    fn an_md5_is_held_as_bytes_and_written_as_hex() {
        let stored = r#"{"key":"a.csv","size":3,"md5":"900150983cd24fb0d6963f7d28e17f72"}"#;
        let entry: FileEntry = serde_json::from_str(stored).unwrap();
        assert_eq!(serde_json::to_string(&entry).unwrap(), stored);
        let wrong = ["", "900150983cd24fb0d6963f7d28e17f7", "900150983cd24fb0d6963f7d28e17f7g", "+00150983cd24fb0d6963f7d28e17f72"];
        for hex in wrong {
            assert_eq!(Md5Digest::parse(hex), None, "{hex}");
        }
        let refused = serde_json::from_str::<FileEntry>(r#"{"key":"a.csv","size":3,"md5":"abc"}"#).unwrap_err();
        assert!(refused.to_string().contains("'abc' is not an MD5 digest in hex"), "{refused}");
    }

    /// Entries read a page at a time are written as the same entries held; a page that cannot
    /// be read fails the document rather than cutting it short.
    #[test]
    fn entries_read_by_the_page_are_written_as_entries_held() {
        let md5 = Md5Digest::parse("0123456789abcdef0123456789abcdef").unwrap();
        let entries: Vec<FileEntry> = (0..2500).map(|n| FileEntry { key: format!("f{n:04}"), size: n, md5 }).collect();
        let held = FilesDoc { enabled: true, entries: entries.clone(), pages: None, version: Some(3) };
        let all = Arc::new(entries);
        let pages = EntryPages::new(move |after: &str| Ok(all.iter().filter(|e| e.key.as_str() > after).take(1000).cloned().collect()));
        let paged = FilesDoc { enabled: true, entries: Vec::new(), pages: Some(pages), version: Some(3) };
        assert_eq!(serde_json::to_string_pretty(&paged).unwrap(), serde_json::to_string_pretty(&held).unwrap());

        let failing = EntryPages::new(move |after: &str| match after {
            "" => Ok(vec![FileEntry { key: "a".into(), size: 1, md5 }]),
            _ => Err(std::io::Error::other("the catalogue went away")),
        });
        let failed = serde_json::to_string(&FilesDoc { pages: Some(failing), ..FilesDoc::default() }).unwrap_err();
        assert!(failed.to_string().contains("the catalogue went away"), "{failed}");
        let none = FilesDoc { enabled: false, ..FilesDoc::default() };
        assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"enabled":false}"#, "no entries, no list");
    }
}
