//! Drafts: create, read, update, discard, publish; edit and new-version drafts of records.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::tasks::{self, Preferences};
use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller, record_id};
use crate::state::AppState;
use crate::wire::{draft_json, record_input, record_json};

/// Create a draft.
#[utoipa::path(post, path = "/api/records", tag = "drafts", request_body = crate::openapi::shapes::RecordBody,
    responses((status = 201, description = "The new draft, with its links", body = crate::openapi::shapes::Draft), (status = 400, description = "Malformed body"), (status = 401, description = "No valid token")))]
pub(crate) async fn create_draft(
    State(state): State<AppState>,
    Caller(subject): Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    let draft = state.tessera.create_draft(&subject, record_input(body)?).await?;
    Ok((StatusCode::CREATED, Json(draft_json(&state, &draft))).into_response())
}

/// Read a draft, with every problem that would stop it being published under `errors`.
#[utoipa::path(get, path = "/api/records/{id}/draft", tag = "drafts", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The draft", body = crate::openapi::shapes::Draft), (status = 404, description = "No such draft")))]
pub(crate) async fn read_draft(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let draft = state.tessera.draft(&subject, record_id(&id)?).await?;
    Ok(Json(draft_json(&state, &draft)))
}

/// Reserve the DOI the draft will be published with (InvenioRDM's `pids/doi`): DataCite holds
/// it as a draft DOI until publishing registers it.
#[utoipa::path(post, path = "/api/records/{id}/draft/pids/doi", tag = "drafts", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The draft, with pids.doi", body = crate::openapi::shapes::Draft), (status = 400, description = "No DataCite account configured"),
        (status = 502, description = "DataCite refused or could not be reached")))]
pub(crate) async fn reserve_doi(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let draft = state.tessera.reserve_doi(&subject, record_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(draft_json(&state, &draft))).into_response())
}

/// Replace a draft's metadata, access and files settings.
#[utoipa::path(put, path = "/api/records/{id}/draft", tag = "drafts", request_body = crate::openapi::shapes::RecordBody, params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The updated draft", body = crate::openapi::shapes::Draft), (status = 400, description = "Malformed body or unknown field")))]
pub(crate) async fn update_draft(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let draft = state.tessera.update_draft(&subject, record_id(&id)?, record_input(body)?).await?;
    Ok(Json(draft_json(&state, &draft)))
}

/// Discard a draft and its uploaded files.
#[utoipa::path(delete, path = "/api/records/{id}/draft", tag = "drafts", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 204, description = "Discarded")))]
pub(crate) async fn delete_draft(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.tessera.delete_draft(&subject, record_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open a draft to edit a published record's metadata (its files cannot change).
#[utoipa::path(post, path = "/api/records/{id}/draft", tag = "drafts", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The edit draft", body = crate::openapi::shapes::Draft)))]
pub(crate) async fn edit_record(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let draft = state.tessera.edit_record(&subject, record_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(draft_json(&state, &draft))).into_response())
}

/// Publish a draft as a new version (or a metadata edit) of its dataset. With
/// `Prefer: respond-async`, the answer comes once the draft is checked and marked as being
/// published: 202 with the task, which `Location` names, and the publish goes on; with
/// `wait=N` too, a publish done within N seconds is answered as without the preference.
#[utoipa::path(post, path = "/api/records/{id}/draft/actions/publish", tag = "drafts",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), crate::openapi::shapes::PreferAsync),
    responses((status = 202, description = "The published record; with `Prefer: respond-async`, the task publishing it (`Preference-Applied: respond-async`)", body = crate::openapi::shapes::Publishing),
        (status = 400, description = "Every problem with the draft, under errors")))]
pub(crate) async fn publish_draft(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let prefer = Preferences::of(&headers);
    if prefer.respond_async {
        let task = state.tessera.publish_in_background(&subject, id).await?;
        return tasks::answer(&state, &subject, task, prefer.wait).await;
    }
    let record = state.tessera.publish(&subject, id).await?;
    Ok((StatusCode::ACCEPTED, Json(record_json(&state, &record))).into_response())
}

/// Start a new version of a dataset, beginning with the latest version's metadata and files.
#[utoipa::path(post, path = "/api/records/{id}/versions", tag = "drafts", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The new-version draft", body = crate::openapi::shapes::Draft)))]
pub(crate) async fn create_version(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let draft = state.tessera.new_version(&subject, record_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(draft_json(&state, &draft))).into_response())
}
