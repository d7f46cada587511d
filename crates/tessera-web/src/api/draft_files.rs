//! Files of drafts: declare keys, upload content (streamed to disk), commit, read, delete.
//! Keys may contain `/`, so one wildcard route takes `KEY`, `KEY/content`, `KEY/content/{part}`,
//! `KEY/commit` and `KEY/unpack`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use base64::Engine as _;
use tessera_app::domain::RecordId;
use tessera_app::{DraftFileList, FileDeclaration, MultipartRequest, PartUpload};

use super::record_files::{LIST_PAGE, files_list_response, files_offset, files_page, send_file};
use super::search::page_links;
use super::tasks::{self, Preferences, unpacked_json};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, record_id};
use crate::state::AppState;
use crate::wire::{draft_file_json, files_list_json};

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewFile {
    key: String,
    /// The file's size: needed for a multipart transfer.
    size: Option<u64>,
    transfer: Option<Transfer>,
}

/// How the content will arrive: `L` (uploaded whole, the default) or `M` (in parts).
#[derive(Deserialize, utoipa::ToSchema)]
struct Transfer {
    #[serde(rename = "type")]
    kind: String,
    parts: Option<u64>,
    part_size: Option<u64>,
}

impl NewFile {
    fn declaration(self, i: usize) -> ApiResult<FileDeclaration> {
        let Some(transfer) = self.transfer else { return Ok(FileDeclaration::whole(self.key)) };
        let field = |name: &str| format!("{i}.{name}");
        match transfer.kind.as_str() {
            "L" => Ok(FileDeclaration::whole(self.key)),
            "M" => {
                let size =
                    self.size.ok_or_else(|| ApiError::invalid_field(&field("size"), "a multipart transfer needs the file's size"))?;
                let parts = transfer
                    .parts
                    .ok_or_else(|| ApiError::invalid_field(&field("transfer.parts"), "a multipart transfer needs its number of parts"))?;
                let multipart = MultipartRequest { size, parts, part_size: transfer.part_size };
                Ok(FileDeclaration { key: self.key, multipart: Some(multipart) })
            }
            other => Err(ApiError::invalid_field(
                &field("transfer.type"),
                format!("transfer type '{other}' is not offered here; use L (the content uploaded whole) or M (in parts)"),
            )),
        }
    }
}

/// Declare files to upload: `[{"key": "data.csv"}, ...]`; for a multipart transfer,
/// `{"key": …, "size": N, "transfer": {"type": "M", "parts": P, "part_size": S}}`.
#[utoipa::path(post, path = "/api/records/{id}/draft/files", request_body = Vec<NewFile>, tag = "draft files", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The declared files, pending upload", body = crate::openapi::shapes::FileList<crate::openapi::shapes::DraftFile>), (status = 400, description = "An unsafe or repeated key"), (status = 409, description = "A key already exists")))]
pub(crate) async fn init_files(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(files): ApiJson<Vec<NewFile>>,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let files = files.into_iter().enumerate().map(|(i, file)| file.declaration(i)).collect::<ApiResult<Vec<_>>>()?;
    let created = state.tessera.init_files(&subject, id, files).await?;
    let entries = created.iter().map(|f| draft_file_json(&state, id, f)).collect();
    let total = created.len() as i64;
    let links = json!({"self": state.link(&format!("/api/records/{id}/draft/files"))});
    Ok((StatusCode::CREATED, Json(files_list_json(links, true, entries, total))).into_response())
}

/// List a draft's files, all of them unless `size` (with `page`) asks for a page.
#[utoipa::path(get, path = "/api/records/{id}/draft/files", tag = "draft files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"),
        ("size" = Option<usize>, Query, minimum = 1, maximum = 1000, description = "Files per page, at most 1,000; all unless given")),
    responses((status = 200, description = "The draft's files", body = crate::openapi::shapes::FileList<crate::openapi::shapes::DraftFile>)))]
pub(crate) async fn list_files(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let paging = files_page(&params)?;
    let list = state.tessera.draft_file_list(&subject, id).await?;
    let path = format!("/api/records/{id}/draft/files");
    let enabled = list.files_enabled;
    let Some((page, size)) = paging else {
        return Ok(whole_list(&state, id, list));
    };
    let (files, total) = state.tessera.draft_files_page(&list, files_offset(page, size), size as i64).await?;
    let entries: Vec<Value> = files.iter().map(|f| draft_file_json(&state, id, f)).collect();
    let links = page_links(&state, &path, &params, (page, size), usize::try_from(total).unwrap_or(0));
    Ok(Json(files_list_json(links, enabled, entries, total)).into_response())
}

/// A draft's whole file list, streamed: each page starts after the last key of the one
/// before, so the last page costs what the first does.
fn whole_list(state: &AppState, id: RecordId, list: DraftFileList) -> Response {
    let (enabled, path) = (list.files_enabled, format!("/api/records/{id}/draft/files"));
    let pages = futures::stream::try_unfold((state.clone(), list, Some(String::new())), move |(state, list, after)| async move {
        let Some(after) = after else { return Ok(None) };
        let files = state.tessera.draft_files_after(&list, &after, LIST_PAGE).await?;
        let next = (files.len() as i64 == LIST_PAGE).then(|| files.last().map(|f| f.key.clone())).flatten();
        let entries = files.iter().map(|f| draft_file_json(&state, id, f)).collect();
        Ok(Some((entries, (state, list, next))))
    });
    files_list_response(json!({"self": state.link(&path)}), enabled, pages)
}

/// Bring back into a new version's draft the files of the version before that it no longer
/// has (InvenioRDM's files-import; a new version starts with them all); answers with the
/// draft's whole file list.
#[utoipa::path(post, path = "/api/records/{id}/draft/actions/files-import", tag = "draft files", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The draft's files", body = crate::openapi::shapes::FileList<crate::openapi::shapes::DraftFile>), (status = 400, description = "Not a new version's draft, or its files cannot change")))]
pub(crate) async fn import_files(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let id = record_id(&id)?;
    state.tessera.import_files(&subject, id).await?;
    let list = state.tessera.draft_file_list(&subject, id).await?;
    let mut response = whole_list(&state, id, list);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

enum FileAction<'a> {
    File(&'a str),
    Content(&'a str),
    /// A part of a multipart transfer: `KEY/content/N`.
    Part(&'a str, u64),
    Commit(&'a str),
    Unpack(&'a str),
}

impl FileAction<'_> {
    /// The refusal of a method this address does not take, naming those it does.
    fn not_taking(&self) -> ApiError {
        let allow = match self {
            FileAction::File(_) => "GET,HEAD,DELETE",
            FileAction::Content(_) => "GET,HEAD,PUT",
            FileAction::Part(..) => "PUT",
            FileAction::Commit(_) | FileAction::Unpack(_) => "POST",
        };
        ApiError::MethodNotAllowed { allow }
    }
}

/// Any other method on a file's addresses, OPTIONS among them: refused with what the address
/// takes, as the router refuses a method elsewhere.
pub(crate) async fn other_method(Path((_, rest)): Path<(String, String)>) -> ApiError {
    split_action(&rest).not_taking()
}

fn split_action(rest: &str) -> FileAction<'_> {
    if let Some((key, part)) = rest.rsplit_once("/content/")
        && let Ok(part) = part.parse()
    {
        FileAction::Part(key, part)
    } else if let Some(key) = rest.strip_suffix("/content") {
        FileAction::Content(key)
    } else if let Some(key) = rest.strip_suffix("/commit") {
        FileAction::Commit(key)
    } else if let Some(key) = rest.strip_suffix("/unpack") {
        FileAction::Unpack(key)
    } else {
        FileAction::File(rest)
    }
}

/// Read one file's details.
#[utoipa::path(get, path = "/api/records/{id}/draft/files/{key}", tag = "draft files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "File key")),
    responses((status = 200, description = "The file", body = crate::openapi::shapes::DraftFile)))]
pub(crate) async fn get_file(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, rest)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    match split_action(&rest) {
        FileAction::File(key) => Ok(Json(draft_file_json(&state, id, &state.tessera.draft_file(&subject, id, key).await?)).into_response()),
        FileAction::Content(key) => send_file(&state.tessera.readable_draft_file(&subject, id, key).await?, &headers).await,
        other => Err(other.not_taking()),
    }
}

/// Download a draft file's content as uploaded, or as a new version carries it from the
/// version before, with Range support, to check it before publishing.
#[utoipa::path(get, path = "/api/records/{id}/draft/files/{key}/content", tag = "draft files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "File key"), crate::openapi::shapes::ContentConditions),
    responses(crate::openapi::shapes::ContentAnswers, (status = 404, description = "No such file, or no content uploaded yet"),
        (status = 416, description = "Range not satisfiable")))]
#[allow(dead_code)]
fn get_content_doc() {}

/// Upload a file's content as `application/octet-stream`; it is streamed to disk and hashed.
/// For a multipart transfer, `…/content/{part}` takes one part, in any order, with its
/// optional `Content-MD5`.
#[utoipa::path(put, path = "/api/records/{id}/draft/files/{key}/content", tag = "draft files",
    request_body(content = crate::openapi::shapes::Bytes, content_type = "application/octet-stream"),
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "File key")),
    responses((status = 200, description = "The file, with its size and checksum", body = crate::openapi::shapes::DraftFile), (status = 413, description = "Larger than the configured limit")))]
pub(crate) async fn put_content(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, rest)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let id = record_id(&id)?;
    let action = split_action(&rest);
    if !matches!(action, FileAction::Content(_) | FileAction::Part(..)) {
        return Err(action.not_taking());
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/octet-stream") {
        return Err(ApiError::bad_request(format!(
            "upload file content with Content-Type: application/octet-stream, not '{content_type}'"
        )));
    }
    let stream = body.into_data_stream().map_err(|err| err.to_string());
    match action {
        FileAction::Content(key) => {
            let file = state.tessera.upload_content(&subject, id, key, stream).await?;
            Ok(Json(draft_file_json(&state, id, &file)))
        }
        FileAction::Part(key, part) => {
            let size = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
            let md5 = match headers.get("content-md5") {
                Some(value) => Some(
                    value
                        .to_str()
                        .ok()
                        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.trim()).ok())
                        .filter(|digest| digest.len() == 16)
                        .ok_or_else(|| ApiError::invalid_field("Content-MD5", "give the part's MD5 in base64"))?,
                ),
                None => None,
            };
            state.tessera.upload_part(&subject, id, key, PartUpload { part, size, md5 }, stream).await?;
            Ok(Json(draft_file_json(&state, id, &state.tessera.draft_file(&subject, id, key).await?)))
        }
        other => Err(other.not_taking()),
    }
}

/// Commit an uploaded file.
#[utoipa::path(post, path = "/api/records/{id}/draft/files/{key}/commit", tag = "draft files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "File key")),
    responses((status = 200, description = "The committed file, with size and checksum", body = crate::openapi::shapes::DraftFile)))]
pub(crate) async fn commit_file(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, rest)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    match split_action(&rest) {
        FileAction::Commit(key) => {
            Ok(Json(draft_file_json(&state, id, &state.tessera.commit_file(&subject, id, key).await?)).into_response())
        }
        FileAction::Unpack(key) => {
            let keep = match query.get("keep").map(String::as_str) {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => return Err(ApiError::invalid_field("keep", format!("'{other}' is neither true nor false"))),
            };
            let into = query.get("into").map(String::as_str);
            let prefer = Preferences::of(&headers);
            if prefer.respond_async {
                let task = state.tessera.unpack_in_background(&subject, id, key, into, keep).await?;
                return tasks::answer(&state, &subject, task, prefer.wait).await;
            }
            let unpacked = state.tessera.unpack_archive(&subject, id, key, into, keep).await?;
            Ok(Json(unpacked_json(&state, id, &unpacked)).into_response())
        }
        other => Err(other.not_taking()),
    }
}

/// Unpack an archive (zip, tar or tar.gz) that is a committed file of the draft into files of
/// the draft, under `?into=FOLDER`; the archive is removed unless `?keep=true`. Every entry
/// is checked first: paths that leave the archive, links, devices, encrypted entries and
/// expansion beyond the configured ratio refuse the whole archive before anything is written.
/// With `Prefer: respond-async`, the answer comes once the draft, the archive's kind and the
/// folder are checked: 202 with the task, which `Location` names, and the entries after; with
/// `wait=N` too, an unpack done within N seconds is answered as without the preference.
#[utoipa::path(post, path = "/api/records/{id}/draft/files/{key}/unpack", tag = "draft files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "The archive's key"),
        ("into" = Option<String>, Query, description = "Folder to unpack into"), ("keep" = Option<bool>, Query, description = "Keep the archive"),
        crate::openapi::shapes::PreferAsync),
    responses((status = 200, description = "How many files and bytes were added", body = crate::openapi::shapes::Unpacked),
        (status = 202, description = "With `Prefer: respond-async`: the task unpacking it", body = crate::openapi::shapes::Task),
        (status = 400, description = "Not an archive, or an entry refused; every problem is listed")))]
#[allow(dead_code)]
fn unpack_doc() {}

/// Remove a file from a draft.
#[utoipa::path(delete, path = "/api/records/{id}/draft/files/{key}", tag = "draft files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "File key")),
    responses((status = 204, description = "Removed")))]
pub(crate) async fn delete_file(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, rest)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = record_id(&id)?;
    match split_action(&rest) {
        FileAction::File(key) => {
            state.tessera.delete_draft_file(&subject, id, key).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        other => Err(other.not_taking()),
    }
}
