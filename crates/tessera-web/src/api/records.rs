//! Published records: read one, its versions, the latest version, and the caller's own.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tessera_app::OwnRecords;
use tessera_app::domain::Subject;

use crate::api::export;
use crate::api::search::{page_and_size, page_links};
use crate::error::ApiResult;
use crate::extract::{Caller, record_id};
use crate::state::AppState;
use crate::wire::{draft_json, record_json};

/// Read a published record; an `Accept` header naming an export format (DataCite, Dublin
/// Core, schema.org, DCAT, CSL, BibTeX) gets the record in that format.
#[utoipa::path(get, path = "/api/records/{id}", tag = "records", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The record", body = crate::openapi::shapes::Record), (status = 404, description = "No published record with this id")))]
pub(crate) async fn read_record(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    if headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("application/vnd.zenodo.v1+json")) {
        return super::zenodo::zenodo_record(&state, &subject, id).await;
    }
    if let Some(format) = export::negotiated(&headers) {
        return export::render(&state, &subject, id, format).await;
    }
    let record = state.tessera.record(&subject, id).await?;
    Ok(Json(record_json(&state, &record)).into_response())
}

/// Resolve an ARK minted here (`/ark:/NAAN/NAME`) to its record's landing page.
#[utoipa::path(get, path = "/ark:/{naan}/{name}", tag = "records",
    params(("naan" = String, Path, description = "Name Assigning Authority Number"), ("name" = String, Path, description = "Shoulder, record and check character")),
    responses((status = 302, description = "To the record's landing page"), (status = 404, description = "No record has this ARK")))]
pub(crate) async fn resolve_ark(State(state): State<AppState>, Path((naan, name)): Path<(String, String)>) -> ApiResult<Response> {
    let id = state.tessera.record_of_ark(&naan, &name).await?;
    Ok((StatusCode::FOUND, [(header::LOCATION, state.landing_page(id))]).into_response())
}

/// Every published version of the record's dataset, newest first.
#[utoipa::path(get, path = "/api/records/{id}/versions", tag = "records", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The versions, as search hits", body = crate::openapi::shapes::Page<crate::openapi::shapes::Record>)))]
pub(crate) async fn list_versions(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = record_id(&id)?;
    let versions = state.tessera.versions(&subject, id).await?;
    let hits: Vec<Value> = versions.iter().map(|v| record_json(&state, v)).collect();
    Ok(Json(json!({"hits": {"hits": hits, "total": hits.len()}, "links": {"self": state.link(&format!("/api/records/{id}/versions"))}})))
}

/// The latest published version of the record's dataset.
#[utoipa::path(get, path = "/api/records/{id}/versions/latest", tag = "records", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The latest version", body = crate::openapi::shapes::Record)))]
pub(crate) async fn latest_version(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let record = state.tessera.latest_version(&subject, record_id(&id)?).await?;
    Ok(Json(record_json(&state, &record)))
}

/// The caller's drafts and published records, a numbered page at a time.
#[utoipa::path(get, path = "/api/user/records", tag = "records",
    params(("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"), ("size" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Hits per page, at most 100; 10 unless given")),
    responses((status = 200, description = "Drafts first, then published records, newest first", body = crate::openapi::shapes::Page<crate::openapi::shapes::Own>), (status = 401, description = "No valid token")))]
pub(crate) async fn list_user_records(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let (paging, own) = own_records(&state, &subject, &params).await?;
    let mut hits: Vec<Value> = own.drafts.iter().map(|d| draft_json(&state, d)).collect();
    hits.extend(own.records.iter().map(|r| record_json(&state, r)));
    let links = page_links(&state, "/api/user/records", &params, paging, own.total);
    Ok(Json(json!({"hits": {"hits": hits, "total": own.total}, "links": links})))
}

/// The numbered page of the caller's drafts and records a query asks for, with its number and size.
pub(crate) async fn own_records(
    state: &AppState,
    subject: &Subject,
    params: &[(String, String)],
) -> ApiResult<((usize, usize), OwnRecords)> {
    let (page, size) = page_and_size(params)?;
    Ok(((page, size), state.tessera.user_records_at(subject, (page - 1).saturating_mul(size), size).await?))
}
