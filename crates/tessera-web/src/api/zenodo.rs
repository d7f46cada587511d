//! Zenodo's deposit API beside the InvenioRDM one, so the many scripts written for Zenodo
//! upload to Tessera with only the base URL changed: depositions (create, read, list, update,
//! delete), bucket uploads and multipart form uploads, and publishing. A deposition is a Tessera draft; its bucket is the
//! draft's id.

use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use tessera_app::domain::{Metadata, RecordId};
use tessera_app::{DraftView, Error as AppError, RecordInput, RecordView};

use crate::api::records::own_records;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, record_id};
use crate::state::AppState;

/// Create a deposition, with Zenodo metadata or none.
#[utoipa::path(post, path = "/api/deposit/depositions", tag = "zenodo", request_body = Option<crate::openapi::shapes::DepositionBody>,
    responses((status = 201, description = "The new deposition", body = crate::openapi::shapes::Deposition), (status = 400, description = "Metadata Tessera cannot read")))]
pub(crate) async fn create(State(state): State<AppState>, Caller(subject): Caller, body: Body) -> ApiResult<Response> {
    let body = axum::body::to_bytes(body, state.config.max_json_bytes)
        .await
        .map_err(|_| ApiError::PayloadTooLarge("the JSON body is larger than the configured limit".into()))?;
    // Zenodo's clients send `{}`, or nothing at all.
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?
    };
    let input = input_of(deposition_metadata(&body)?)?;
    let draft = state.tessera.create_draft(&subject, input).await?;
    Ok((StatusCode::CREATED, Json(deposition_of_draft(&state, &draft))).into_response())
}

/// One deposition.
#[utoipa::path(get, path = "/api/deposit/depositions/{id}", tag = "zenodo", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")),
    responses((status = 200, description = "The deposition", body = crate::openapi::shapes::Deposition)))]
pub(crate) async fn read(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id = record_id(&id)?;
    match state.tessera.draft(&subject, id).await {
        Ok(draft) => Ok(Json(deposition_of_draft(&state, &draft))),
        Err(tessera_app::Error::NotFound { .. }) => Ok(Json(deposition_of_record(&state, &state.tessera.record(&subject, id).await?))),
        Err(err) => Err(err.into()),
    }
}

/// The caller's depositions, a numbered page at a time: drafts first, then published records.
#[utoipa::path(get, path = "/api/deposit/depositions", tag = "zenodo",
    params(("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"), ("size" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Depositions per page, at most 100; 10 unless given")),
    responses((status = 200, description = "The depositions", body = Vec<crate::openapi::shapes::Deposition>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let (_, own) = own_records(&state, &subject, &params).await?;
    let mut all: Vec<Value> = own.drafts.iter().map(|d| deposition_of_draft(&state, d)).collect();
    all.extend(own.records.iter().map(|r| deposition_of_record(&state, r)));
    Ok(Json(Value::Array(all)))
}

/// Replace a deposition's metadata; read-only fields a client echoes back are ignored.
#[utoipa::path(put, path = "/api/deposit/depositions/{id}", tag = "zenodo", request_body = crate::openapi::shapes::DepositionBody, params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")),
    responses((status = 200, description = "The updated deposition", body = crate::openapi::shapes::Deposition)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let id = record_id(&id)?;
    let draft = state.tessera.update_draft(&subject, id, input_of(deposition_metadata(&body)?)?).await?;
    Ok(Json(deposition_of_draft(&state, &draft)))
}

/// Delete an unpublished deposition.
#[utoipa::path(delete, path = "/api/deposit/depositions/{id}", tag = "zenodo", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")),
    responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.tessera.delete_draft(&subject, record_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Upload a file into a deposition's bucket; the same key again replaces it.
#[utoipa::path(put, path = "/api/files/{bucket}/{key}", tag = "zenodo",
    request_body(content = crate::openapi::shapes::Bytes, content_type = "application/octet-stream"),
    params(("bucket" = String, Path, pattern = "^[1-9][0-9]*$", description = "The deposition's bucket"), ("key" = String, Path, description = "File name")),
    responses((status = 201, description = "The stored file", body = crate::openapi::shapes::BucketFile)))]
pub(crate) async fn put_file(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((bucket, key)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Response> {
    let id = record_id(&bucket)?;
    let file = store_file(&state, &subject, id, &key, body.into_data_stream().map_err(|err| err.to_string())).await?;
    let link = state.link(&format!("/api/files/{id}/{}", crate::wire::key_path(&key)));
    let body = json!({
        "key": file.key,
        "size": file.size,
        "checksum": file.md5.map(|m| format!("md5:{m}")),
        "created": file.created,
        "updated": file.updated,
        "mimetype": "application/octet-stream",
        "links": {"self": link},
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Stores a file in a deposition's draft, replacing one of the same name.
async fn store_file(
    state: &AppState,
    subject: &tessera_app::domain::Subject,
    id: RecordId,
    key: &str,
    content: impl futures::Stream<Item = Result<bytes::Bytes, String>> + Unpin,
) -> ApiResult<tessera_app::DraftFileView> {
    let tessera = &state.tessera;
    if tessera.draft_file(subject, id, key).await.is_ok() {
        tessera.delete_draft_file(subject, id, key).await?;
    }
    tessera.init_files(subject, id, vec![tessera_app::FileDeclaration::whole(key)]).await?;
    tessera.upload_content(subject, id, key, content).await?;
    Ok(tessera.commit_file(subject, id, key).await?)
}

/// Upload a file as a multipart form, the way Zenodo's older clients do: a `file` part, and
/// optionally a `name` part before it to name the file otherwise. The part streams to disk.
#[utoipa::path(post, path = "/api/deposit/depositions/{id}/files", tag = "zenodo",
    request_body(content = crate::openapi::shapes::FileForm, content_type = "multipart/form-data"),
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")), responses((status = 201, description = "The stored file", body = crate::openapi::shapes::FormFile)))]
pub(crate) async fn post_file(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    mut form: Multipart,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let bad_form =
        |err: axum::extract::multipart::MultipartError| ApiError::invalid_field("file", format!("the form could not be read: {err}"));
    let mut name: Option<String> = None;
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        match field.name() {
            Some("name" | "filename") if name.is_none() => name = Some(field.text().await.map_err(bad_form)?.trim().to_string()),
            Some("file") => {
                let key = name.filter(|n| !n.is_empty()).or_else(|| field.file_name().map(str::to_string));
                let key = key.ok_or_else(|| {
                    ApiError::invalid_field("name", "give the file a name: a name field, or a file name on the file part")
                })?;
                let file = store_file(&state, &subject, id, &key, Box::pin(field.map_err(|err| err.to_string()))).await?;
                // The file's place in the bucket, where a PUT replaces it.
                let link = state.link(&format!("/api/files/{id}/{}", crate::wire::key_path(&key)));
                let body =
                    json!({"id": file.key, "filename": file.key, "filesize": file.size, "checksum": file.md5, "links": {"self": link}});
                return Ok((StatusCode::CREATED, Json(body)).into_response());
            }
            _ => {} // Other parts are not Zenodo's and say nothing about the file.
        }
    }
    Err(ApiError::invalid_field("file", "the form has no file part"))
}

/// Publish a deposition.
#[utoipa::path(post, path = "/api/deposit/depositions/{id}/actions/publish", tag = "zenodo",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")), responses((status = 202, description = "The published deposition", body = crate::openapi::shapes::Deposition)))]
pub(crate) async fn publish(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let record = state.tessera.publish(&subject, record_id(&id)?).await?;
    Ok((StatusCode::ACCEPTED, Json(deposition_of_record(&state, &record))).into_response())
}

/// Open a published deposition for editing its metadata.
#[utoipa::path(post, path = "/api/deposit/depositions/{id}/actions/edit", tag = "zenodo",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")), responses((status = 201, description = "The deposition, being edited", body = crate::openapi::shapes::Deposition)))]
pub(crate) async fn edit(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let draft = state.tessera.edit_record(&subject, record_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(deposition_of_draft(&state, &draft))).into_response())
}

/// Throw away the edits of a published deposition.
#[utoipa::path(post, path = "/api/deposit/depositions/{id}/actions/discard", tag = "zenodo",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")),
    responses((status = 201, description = "The deposition as published", body = crate::openapi::shapes::Deposition), (status = 400, description = "The deposition was never published")))]
pub(crate) async fn discard(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let id = record_id(&id)?;
    // A deposition never published has no edit to throw away: it is refused, not deleted,
    // since the deposition is all there is (`DELETE` removes it).
    if let Err(AppError::NotFound { .. }) = state.tessera.record(&subject, id).await {
        state.tessera.draft(&subject, id).await?;
        return Err(ApiError::bad_request(format!(
            "deposition {id} was never published, so it has no edit to discard; DELETE /api/deposit/depositions/{id} removes it"
        )));
    }
    state.tessera.delete_draft(&subject, id).await?;
    Ok((StatusCode::CREATED, Json(deposition_of_record(&state, &state.tessera.record(&subject, id).await?))).into_response())
}

/// Start a new version, carrying the files over. As on Zenodo, the answer is the published
/// deposition; the new version is at its `links.latest_draft`.
#[utoipa::path(post, path = "/api/deposit/depositions/{id}/actions/newversion", tag = "zenodo",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Deposition id")), responses((status = 201, description = "The published deposition", body = crate::openapi::shapes::Deposition)))]
pub(crate) async fn new_version(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let draft = state.tessera.new_version(&subject, id).await?;
    let mut deposition = deposition_of_record(&state, &state.tessera.record(&subject, id).await?);
    deposition["links"]["latest_draft"] = json!(state.link(&format!("/api/deposit/depositions/{}", draft.id)));
    deposition["links"]["latest_draft_html"] = json!(state.link(&format!("/records/{}", draft.id)));
    Ok((StatusCode::CREATED, Json(deposition)).into_response())
}

/// A published record as Zenodo's records API shows it, for `Accept: application/vnd.zenodo.v1+json`.
/// Its files are listed whole, streamed as the catalogue gives them.
pub(crate) async fn zenodo_record(state: &AppState, subject: &tessera_app::domain::Subject, id: RecordId) -> ApiResult<Response> {
    let record = state.tessera.record(subject, id).await?;
    let readable = match state.tessera.readable_files(subject, id).await {
        Ok(readable) => Some(readable),
        Err(tessera_app::Error::Unauthenticated | tessera_app::Error::Forbidden { .. }) => None,
        Err(err) => return Err(err.into()),
    };
    let mut body = deposition_of_record(state, &record);
    body["links"] = json!({
        "self": state.link(&format!("/api/records/{id}")),
        "html": state.link(&format!("/records/{id}")),
        "latest": state.link(&format!("/api/records/{id}/versions/latest")),
    });
    if let Some(map) = body.as_object_mut() {
        map.remove("files");
    }
    let state = state.clone();
    let files = futures::stream::iter(readable)
        .flat_map(move |readable| super::record_files::readable_entries(state.clone(), readable, zenodo_file));
    let mut response = Response::new(super::record_files::streamed_json(&body, "files", None, files));
    response.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/vnd.zenodo.v1+json"));
    Ok(response)
}

/// A record's file as Zenodo's records API lists it.
fn zenodo_file(state: &AppState, id: RecordId, file: &tessera_app::FileView) -> Value {
    let link = state.link(&format!("/api/records/{id}/files/{}/content", crate::wire::key_path(&file.key)));
    json!({"id": format!("{id}/{}", file.key), "key": file.key, "size": file.size, "checksum": format!("md5:{}", file.md5), "links": {"self": link}})
}

/// What a draft takes from Zenodo metadata. Unknown Zenodo fields are ignored, as Zenodo's
/// own read-only ones are; what Tessera cannot read is a 400 naming the field.
/// A deposition body's `metadata`: the body must be an object, as Zenodo's is.
fn deposition_metadata(body: &Value) -> ApiResult<&Value> {
    match body {
        Value::Object(members) => Ok(members.get("metadata").unwrap_or(&Value::Null)),
        _ => Err(ApiError::bad_request("the body must be a JSON object, with the deposition's metadata under `metadata`")),
    }
}

fn input_of(zenodo: &Value) -> ApiResult<RecordInput> {
    if !(zenodo.is_null() || zenodo.is_object()) {
        return Err(ApiError::invalid_field("metadata", "must be an object of Zenodo's metadata"));
    }
    let text = |field: &str| zenodo[field].as_str().filter(|s| !s.trim().is_empty()).map(str::to_string);
    let resource_type = text("upload_type").map(|kind| {
        let sub = match kind.as_str() {
            "publication" => text("publication_type"),
            "image" => text("image_type"),
            _ => None,
        };
        json!({"id": sub.map_or(kind.clone(), |sub| format!("{kind}-{sub}"))})
    });
    let creators: Vec<Value> = zenodo["creators"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|creator| {
            let name = creator["name"].as_str().unwrap_or_default();
            let mut person = match name.split_once(',') {
                Some((family, given)) => json!({"type": "personal", "family_name": family.trim(), "given_name": given.trim()}),
                None => json!({"type": "personal", "family_name": name.trim()}),
            };
            if let Some(orcid) = creator["orcid"].as_str() {
                person["identifiers"] = json!([{"scheme": "orcid", "identifier": orcid}]);
            }
            let affiliations: Vec<Value> = creator["affiliation"].as_str().map(|a| json!({"name": a})).into_iter().collect();
            json!({"person_or_org": person, "affiliations": affiliations})
        })
        .collect();
    let mut metadata = json!({
        "resource_type": resource_type,
        "title": text("title"),
        "description": text("description"),
        "publication_date": text("publication_date"),
        "version": text("version"),
        "creators": creators,
        "subjects": zenodo["keywords"].as_array().into_iter().flatten().filter_map(Value::as_str).map(|k| json!({"subject": k})).collect::<Vec<_>>(),
        "rights": text("license").map(|id| vec![json!({"id": id})]).unwrap_or_default(),
        "languages": text("language").map(|id| vec![json!({"id": id})]).unwrap_or_default(),
    });
    if let Value::Object(map) = &mut metadata {
        map.retain(|_, v| !v.is_null());
    }
    let metadata: Metadata = serde_json::from_value(metadata)
        .map_err(|e| ApiError::invalid_field("metadata", format!("is not Zenodo metadata Tessera reads: {e}")))?;
    let access = match zenodo["access_right"].as_str() {
        None | Some("open") => None,
        Some("embargoed") => {
            Some(json!({"record": "public", "files": "restricted", "embargo": {"active": true, "until": text("embargo_date")}}))
        }
        Some("restricted") => Some(json!({"record": "public", "files": "restricted"})),
        Some("closed") => Some(json!({"record": "restricted", "files": "restricted"})),
        Some(other) => {
            return Err(ApiError::invalid_field(
                "metadata.access_right",
                format!("'{other}' is not open, embargoed, restricted or closed"),
            ));
        }
    };
    let access =
        access.map(serde_json::from_value).transpose().map_err(|e| ApiError::invalid_field("metadata.access_right", e.to_string()))?;
    Ok(RecordInput { organization: None, metadata, access, files_enabled: Some(true) })
}

/// Zenodo's metadata from Tessera's.
fn zenodo_metadata(md: &Metadata, access: &tessera_app::domain::Access) -> Value {
    let (upload_type, subtype) = match md.resource_type.as_ref().map(|t| t.id.as_str()) {
        Some(id) => id.split_once('-').map_or((id.to_string(), None), |(kind, sub)| (kind.to_string(), Some(sub.to_string()))),
        None => ("other".to_string(), None),
    };
    let access_right = if access.embargo.active {
        "embargoed"
    } else if access.metadata_stub() {
        "closed"
    } else if access.data_class() == tessera_app::domain::DataClass::Public {
        "open"
    } else {
        "restricted"
    };
    let mut value = json!({
        "title": md.title,
        "upload_type": upload_type,
        "description": md.description,
        "publication_date": md.publication_date,
        "version": md.version,
        "creators": md.creators.iter().map(|c| json!({
            "name": c.person_or_org.name,
            "affiliation": c.affiliations.first().and_then(|a| a.name.clone()),
            "orcid": c.person_or_org.identifiers.iter().find(|i| i.scheme == "orcid").map(|i| i.identifier.clone()),
        })).collect::<Vec<_>>(),
        "keywords": md.subjects.iter().filter_map(|s| s.subject.clone()).collect::<Vec<_>>(),
        "license": md.rights.first().and_then(|r| r.id.clone()),
        "access_right": access_right,
        "embargo_date": access.embargo.until,
    });
    match upload_type.as_str() {
        "publication" => value["publication_type"] = json!(subtype),
        "image" => value["image_type"] = json!(subtype),
        _ => {}
    }
    value
}

fn links(state: &AppState, id: RecordId) -> Value {
    let api = |path: &str| state.link(&format!("/api/deposit/depositions/{id}{path}"));
    json!({
        "self": api(""),
        "html": state.link(&format!("/records/{id}")),
        "bucket": state.link(&format!("/api/files/{id}")),
        "files": api("/files"),
        "publish": api("/actions/publish"),
        "edit": api("/actions/edit"),
        "discard": api("/actions/discard"),
        "newversion": api("/actions/newversion"),
        "latest_draft": api(""),
        "latest_draft_html": state.link(&format!("/records/{id}")),
        "latest": state.link(&format!("/api/records/{id}/versions/latest")),
    })
}

fn deposition_of_draft(state: &AppState, draft: &DraftView) -> Value {
    let id = draft.id;
    let mut metadata = zenodo_metadata(&draft.metadata, &draft.access);
    // The identifier publishing will give: the DOI when DataCite is configured, else the ARK.
    metadata["prereserve_doi"] = json!({"doi": state.tessera.future_pid(id), "recid": id.0});
    json!({
        "id": id.0,
        "record_id": id.0,
        "conceptrecid": draft.parent_id.to_string(),
        "created": draft.created,
        "modified": draft.updated,
        "owner": draft.owner.0,
        "state": if draft.is_published { "inprogress" } else { "unsubmitted" },
        "submitted": draft.is_published,
        "title": draft.metadata.title.clone().unwrap_or_default(),
        "metadata": metadata,
        "links": links(state, id),
    })
}

fn deposition_of_record(state: &AppState, record: &RecordView) -> Value {
    let doc = &record.doc;
    let id = doc.id;
    let mut metadata = zenodo_metadata(&doc.metadata, &doc.access);
    let pid = doc.pids.get("doi").or(doc.pids.get("ark")).map(|p| p.identifier.clone());
    metadata["prereserve_doi"] = json!({"doi": pid, "recid": id.0});
    json!({
        "id": id.0,
        "record_id": id.0,
        "conceptrecid": doc.parent_id.to_string(),
        "created": doc.created,
        "modified": doc.updated,
        "owner": doc.owner.map(|o| o.0),
        "state": "done",
        "submitted": true,
        "title": doc.metadata.title.clone().unwrap_or_default(),
        "doi": doc.pids.get("doi").map(|p| p.identifier.clone()),
        "metadata": metadata,
        "links": links(state, id),
    })
}
