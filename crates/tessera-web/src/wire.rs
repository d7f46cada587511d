//! Wire shapes: Tessera's views turned into InvenioRDM's JSON, and request bodies parsed.
//! Converted by hand, so the API's shape is visible here and cannot drift by accident.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};
use tessera_app::domain::{Access, DataClass, Metadata, OrgId, ParentId, Problem, RecordId, UserId};
use tessera_app::{DraftFileView, DraftView, FileView, PidDoc, RecordInput, RecordView, RemoteRecord};

use crate::error::{ApiError, ApiResult};
use crate::extract::{shape_error, typed_or_problems};
use crate::state::AppState;

/// Fields that clients echo back from a GET and that are ignored on input, as InvenioRDM does.
const READ_ONLY_FIELDS: &[&str] = &[
    "id",
    "links",
    "created",
    "updated",
    "revision_id",
    "parent",
    "versions",
    "is_published",
    "is_draft",
    "status",
    "expires_at",
    "errors",
    "stats",
    "pids",
    "custom_fields",
    "media_files",
    "deletion_status",
    "tombstone",
    "owners",
    "conceptrecid",
    "recid",
];

/// The members a draft's create and update body may set (`openapi::bodies::RecordBody`).
pub(crate) const RECORD_MEMBERS: [&str; 4] = ["metadata", "access", "files", "organization"];

/// Parses a create or update body: `metadata`, `access` and `files.enabled`.
pub(crate) fn record_input(body: Value) -> ApiResult<RecordInput> {
    let Value::Object(mut body) = body else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    if let Some(unknown) = body.keys().find(|k| !RECORD_MEMBERS.contains(&k.as_str()) && !READ_ONLY_FIELDS.contains(&k.as_str())) {
        return Err(ApiError::invalid_field(unknown, "unknown field"));
    }
    // Both read before either is refused, so one answer names what is wrong in each.
    let metadata: Result<Metadata, _> = match body.remove("metadata") {
        None | Some(Value::Null) => Ok(Metadata::default()),
        Some(value) => typed_or_problems("metadata", value),
    };
    let access: Result<Option<Access>, _> = match body.remove("access") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(mut access)) => {
            // Derived on output; a client sending back what it read must not be refused.
            access.remove("status");
            access.remove("owned_by");
            typed_or_problems("access", Value::Object(access)).map(Some)
        }
        Some(_) => Err(vec![Problem::new("access", "must be an object")]),
    };
    let (metadata, access) = match (metadata, access) {
        (Ok(metadata), Ok(access)) => (metadata, access),
        (metadata, access) => {
            return Err(shape_error(metadata.err().into_iter().chain(access.err()).flatten().collect()));
        }
    };
    let files_enabled = match body.remove("files") {
        None | Some(Value::Null) => None,
        Some(Value::Object(files)) => match files.get("enabled") {
            None => None,
            Some(Value::Bool(enabled)) => Some(*enabled),
            Some(_) => return Err(ApiError::invalid_field("files.enabled", "must be true or false")),
        },
        Some(_) => return Err(ApiError::invalid_field("files", "must be an object")),
    };
    let organization = match body.remove("organization") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(OrgId::parse(&id).map_err(|e| ApiError::invalid_field("organization", e))?),
        Some(_) => return Err(ApiError::invalid_field("organization", "must be an organization id")),
    };
    Ok(RecordInput { organization, metadata, access, files_enabled })
}

fn access_json(access: &Access, has_files: bool) -> Value {
    serde_json::to_value(AccessWire { access, status: access.status(has_files) }).unwrap_or_default()
}

/// `access` as stored, plus the derived `status`.
#[derive(Serialize)]
struct AccessWire<'a> {
    #[serde(flatten)]
    access: &'a Access,
    status: &'static str,
}

/// A published record in InvenioRDM's shape, borrowing from the view so search pages are
/// serialised without building an intermediate `Value` per hit.
#[derive(Serialize)]
pub(crate) struct RecordWire<'a> {
    id: Text<RecordId>,
    created: &'a str,
    updated: &'a str,
    parent: ParentWire<'a>,
    versions: VersionsWire,
    is_published: bool,
    is_draft: bool,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<&'a OrgId>,
    /// Only the public stub of a metadata-only record is shown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    metadata_only: bool,
    metadata: &'a Metadata,
    access: AccessWire<'a>,
    files: FilesWire,
    /// Tombstones of files deleted from storage: when, why and how many. Those who may edit
    /// the record find which at `links.deleted_files`.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    deletions: &'a [tessera_app::Deletion],
    pids: &'a BTreeMap<String, PidDoc>,
    custom_fields: Empty,
    links: RecordLinks<'a>,
}

#[derive(Serialize)]
struct ParentWire<'a> {
    id: Text<ParentId>,
    access: OwnedBy,
    communities: Ids<'a>,
}

#[derive(Serialize)]
struct OwnedBy {
    owned_by: Option<Owner>,
}

#[derive(Serialize)]
struct Owner {
    user: Text<UserId>,
}

#[derive(Serialize)]
struct Ids<'a> {
    ids: &'a [String],
}

#[derive(Serialize)]
struct VersionsWire {
    index: i64,
    is_latest: bool,
    is_latest_draft: bool,
}

#[derive(Serialize)]
struct FilesWire {
    enabled: bool,
    count: i64,
    total_bytes: i64,
    order: [(); 0],
}

#[derive(Serialize)]
struct Empty {}

/// A value written as a JSON string, the way InvenioRDM writes ids.
struct Text<T>(T);

impl<T: fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A record's links, each written out as it is serialised: a search page has twenty records
/// of nine links each.
struct RecordLinks<'a> {
    base: &'a str,
    id: RecordId,
    latest: RecordId,
    /// Whether to say where to ask for the files: when they are not open to everyone.
    request_access: bool,
    /// Whether to say where the deleted files are listed: to those who may edit the record.
    deleted_files: bool,
}

impl Serialize for RecordLinks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (base, id) = (self.base, self.id);
        let mut links = serializer.serialize_map(None)?;
        links.serialize_entry("self", &format_args!("{base}/api/records/{id}"))?;
        links.serialize_entry("self_html", &format_args!("{base}/records/{id}"))?;
        links.serialize_entry("files", &format_args!("{base}/api/records/{id}/files"))?;
        links.serialize_entry("archive", &format_args!("{base}/api/records/{id}/files-archive"))?;
        links.serialize_entry("versions", &format_args!("{base}/api/records/{id}/versions"))?;
        links.serialize_entry("latest", &format_args!("{base}/api/records/{id}/versions/latest"))?;
        links.serialize_entry("latest_html", &format_args!("{base}/records/{}", self.latest))?;
        links.serialize_entry("draft", &format_args!("{base}/api/records/{id}/draft"))?;
        if self.request_access {
            links.serialize_entry("request_access", &format_args!("{base}/api/records/{id}/access/requests"))?;
        }
        if self.deleted_files {
            links.serialize_entry("deleted_files", &format_args!("{base}/api/records/{id}/deleted-files"))?;
        }
        links.end()
    }
}

pub(crate) fn record_wire<'a>(state: &'a AppState, view: &'a RecordView) -> RecordWire<'a> {
    let doc = &view.doc;
    let id = doc.id;
    RecordWire {
        id: Text(id),
        created: &doc.created,
        updated: &doc.updated,
        parent: ParentWire {
            id: Text(doc.parent_id),
            access: OwnedBy { owned_by: doc.owner.map(|user| Owner { user: Text(user) }) },
            communities: Ids { ids: &doc.communities },
        },
        versions: VersionsWire { index: doc.version_index, is_latest: view.is_latest, is_latest_draft: view.is_latest },
        is_published: true,
        is_draft: false,
        status: "published",
        organization: doc.organization.as_ref(),
        metadata_only: view.is_stub,
        metadata: &doc.metadata,
        access: AccessWire { access: &doc.access, status: doc.access.status(view.files_count > 0) },
        files: FilesWire { enabled: doc.files.enabled, count: view.files_count, total_bytes: view.files_bytes, order: [] },
        deletions: &doc.deletions,
        pids: &doc.pids,
        custom_fields: Empty {},
        links: RecordLinks {
            base: state.base_url(),
            id,
            latest: view.latest_id,
            request_access: doc.access.data_class() > DataClass::Registered,
            deleted_files: view.editable && !doc.deletions.is_empty(),
        },
    }
}

/// A harvested record among search hits: its metadata as harvested, where it comes from, and
/// links to its page at the origin.
pub(crate) fn remote_wire(record: &RemoteRecord) -> Value {
    let doc = &record.doc;
    json!({
        "id": record.identifier,
        "created": record.datestamp,
        "updated": record.datestamp,
        "is_published": true,
        "is_draft": false,
        "status": "harvested",
        "metadata": doc.metadata,
        "access": {"status": doc.access},
        "origin": {
            "name": record.origin.name,
            "repository": record.origin.repository_name,
            "oai_pmh": record.origin.base_url,
            "identifier": record.identifier,
            "sets": doc.sets,
        },
        "links": {"self_html": record.origin_link()},
    })
}

pub(crate) fn record_json(state: &AppState, view: &RecordView) -> Value {
    serde_json::to_value(record_wire(state, view)).unwrap_or_default()
}

pub(crate) fn draft_json(state: &AppState, view: &DraftView) -> Value {
    let id = view.id;
    let errors: Vec<Value> = view.problems.iter().map(|p| json!({"field": p.field, "messages": [p.message]})).collect();
    let status = match view.kind.as_str() {
        "edit" => "published",
        "version" => "new_version_draft",
        _ => "draft",
    };
    let mut value = json!({
        "id": id.to_string(),
        "created": view.created,
        "updated": view.updated,
        "parent": {"id": view.parent_id.to_string(), "access": {"owned_by": {"user": view.owner.to_string()}}},
        "versions": {"index": view.version_index, "is_latest": false, "is_latest_draft": true},
        "is_published": view.is_published,
        "is_draft": true,
        "status": status,
        "metadata": view.metadata,
        "access": access_json(&view.access, view.files_count > 0),
        "files": {"enabled": view.files_enabled, "count": view.files_count, "total_bytes": view.files_bytes, "order": []},
        "pids": view.pids,
        "custom_fields": {},
        "links": {
            "self": state.link(&format!("/api/records/{id}/draft")),
            "self_html": state.link(&format!("/uploads/{id}")),
            "files": state.link(&format!("/api/records/{id}/draft/files")),
            "publish": state.link(&format!("/api/records/{id}/draft/actions/publish")),
            "record": state.link(&format!("/api/records/{id}")),
            "record_html": state.link(&format!("/records/{id}")),
            "versions": state.link(&format!("/api/records/{id}/versions")),
            "latest": state.link(&format!("/api/records/{id}/versions/latest")),
        },
    });
    if let Some(org) = &view.organization {
        value["organization"] = org.as_str().into();
    }
    if !errors.is_empty() {
        value["errors"] = errors.into();
    }
    value
}

/// A file key as a URL path: each `/`-separated segment percent-encoded.
pub fn key_path(key: &str) -> String {
    key.split('/').map(escape_segment).collect::<Vec<_>>().join("/")
}

/// A digest given in hex, in base64, as HTTP's digest headers give it.
pub(crate) fn base64_of_hex(hex: &str) -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters pass through).
pub(crate) fn escape_segment(segment: &str) -> String {
    tessera_formats::percent_encode(segment, b"")
}

pub(crate) fn draft_file_json(state: &AppState, id: tessera_app::domain::RecordId, file: &DraftFileView) -> Value {
    let base = format!("/api/records/{id}/draft/files/{}", key_path(&file.key));
    let mut json = json!({
        "key": file.key,
        "created": file.created,
        "updated": file.updated,
        "status": file.status,
        "size": file.size,
        "checksum": file.md5.as_ref().map(|m| format!("md5:{m}")),
        "mimetype": "application/octet-stream",
        "metadata": null,
        "transfer": {"type": "L"},
        "links": {
            "self": state.link(&base),
            "content": state.link(&format!("{base}/content")),
            "commit": state.link(&format!("{base}/commit")),
        },
    });
    // A multipart transfer's parts each have an address; the whole has none until committed.
    if let Some(multipart) = &file.multipart {
        json["transfer"] = json!({"type": "M", "parts": multipart.parts, "part_size": multipart.part_size});
        let parts: Vec<Value> = (1..=multipart.parts)
            .map(|part| json!({"part": part, "url": state.link(&format!("{base}/content/{part}")), "expiration": multipart.expires}))
            .collect();
        json["links"]["parts"] = parts.into();
        json["links"]["content"] = Value::Null;
    }
    json
}

pub(crate) fn file_json(state: &AppState, id: tessera_app::domain::RecordId, file: &FileView) -> Value {
    let base = format!("/api/records/{id}/files/{}", key_path(&file.key));
    json!({
        "key": file.key,
        "size": file.size,
        "checksum": format!("md5:{}", file.md5),
        "mimetype": "application/octet-stream",
        "status": "completed",
        "metadata": null,
        "access": {"data_class": file.data_class},
        "links": {"self": state.link(&base), "content": state.link(&format!("{base}/content"))},
    })
}

/// A file list, InvenioRDM's shape; `record_files::files_list_response` streams the same.
pub(crate) fn files_list_json(links: Value, enabled: bool, entries: Vec<Value>, total: i64) -> Value {
    json!({"enabled": enabled, "default_preview": null, "order": [], "entries": entries, "total": total, "links": links})
}
