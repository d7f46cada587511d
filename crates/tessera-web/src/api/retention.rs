//! Retention schedules, upcoming deletions, legal holds and requests for deletion.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::domain::retention::{Anchor, EndAction};
use tessera_app::domain::{DataClass, OrgId};
use tessera_app::{DeletionRequestRow, DueFiles, HoldRow, ScheduleInput, ScheduleRow};

use super::access::list;
use super::search::{page_and_size, page_links};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, number_id, record_id};
use crate::state::AppState;

fn schedule_json(s: &ScheduleRow) -> Value {
    json!({
        "id": s.id.to_string(),
        "organization": s.org_id.as_ref().map(OrgId::as_str),
        "data_class": s.data_class,
        "years": s.years,
        "after": s.anchor,
        "action": s.action,
        "note": s.note,
        "created": s.created,
    })
}

fn due_json(d: &DueFiles) -> Value {
    json!({
        "record": d.record.to_string(),
        "title": d.title,
        "organization": d.organization.as_ref().map(OrgId::as_str),
        "due": d.on,
        "action": d.action.as_str(),
        "basis": d.basis,
        "files": d.keys,
        "held": d.held,
    })
}

fn hold_json(h: &HoldRow) -> Value {
    json!({
        "id": h.id.to_string(),
        "reason": h.reason,
        "placed_by": h.placed_by.map(|u| u.to_string()),
        "placed": h.placed,
        "released_by": h.released_by.map(|u| u.to_string()),
        "released": h.released,
        "active": h.released.is_none(),
    })
}

fn deletion_request_json(r: &DeletionRequestRow) -> Value {
    json!({
        "id": r.id.to_string(),
        "record": r.record_id.to_string(),
        "requested_by": r.requested_by.map(|u| u.to_string()),
        "reason": r.reason,
        "status": r.status,
        "decided_by": r.decided_by.map(|u| u.to_string()),
        "decided": r.decided,
        "note": r.note,
        "created": r.created,
    })
}

fn parsed<T: std::str::FromStr<Err = String>>(field: &str, text: Option<&str>) -> ApiResult<Option<T>> {
    text.map(|t| t.parse().map_err(|e: String| ApiError::invalid_field(field, e))).transpose()
}

/// Every retention schedule in force; anyone may see how long data is kept.
#[utoipa::path(get, path = "/api/retention/schedules", tag = "retention", responses((status = 200, description = "The schedules", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Schedule>)))]
pub(crate) async fn list_schedules(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(list(&state.tessera.retention_schedules().await?, schedule_json))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduleBody {
    #[serde(default)]
    #[schema(value_type = Option<OrgId>)]
    organization: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<DataClass>)]
    data_class: Option<String>,
    #[schema(minimum = 1, maximum = 500)]
    years: i64,
    /// `publication` unless given.
    #[serde(default)]
    #[schema(value_type = Option<Anchor>)]
    after: Option<String>,
    /// `delete-files` unless given.
    #[serde(default)]
    #[schema(value_type = Option<EndAction>)]
    action: Option<String>,
    #[serde(default)]
    note: String,
}

/// Add a schedule: keep files of a class, of an organization, or both, for `years` after
/// `publication` or the `project-end`, then `delete-files` (the default) or `review`.
#[utoipa::path(post, path = "/api/retention/schedules", request_body = ScheduleBody, tag = "retention",
    responses((status = 201, description = "The schedule", body = crate::openapi::shapes::Schedule), (status = 400, description = "A field is wrong"),
        (status = 403, description = "Not an administrator of the organization or the platform")))]
pub(crate) async fn add_schedule(
    State(state): State<AppState>,
    Caller(subject): Caller,
    ApiJson(b): ApiJson<ScheduleBody>,
) -> ApiResult<Response> {
    let input = ScheduleInput {
        organization: b.organization.map(OrgId),
        data_class: parsed::<DataClass>("data_class", b.data_class.as_deref())?,
        years: b.years,
        after: parsed::<Anchor>("after", b.after.as_deref())?.unwrap_or_default(),
        action: parsed::<EndAction>("action", b.action.as_deref())?.unwrap_or_default(),
        note: b.note,
    };
    let schedule = state.tessera.add_retention_schedule(&subject, input).await?;
    Ok((StatusCode::CREATED, Json(schedule_json(&schedule))).into_response())
}

#[utoipa::path(delete, path = "/api/retention/schedules/{schedule}", tag = "retention", params(("schedule" = String, Path, description = "Schedule id")),
    responses((status = 204, description = "Removed"), (status = 403, description = "May not remove it")))]
pub(crate) async fn remove_schedule(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.tessera.remove_retention_schedule(&subject, number_id(&id, "retention schedule")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(crate) struct DaysQuery {
    #[serde(default = "thirty")]
    days: i64,
}

fn thirty() -> i64 {
    30
}

/// Files due for deletion within `days` (30 unless said), and any overdue, on the datasets
/// the caller looks after.
#[utoipa::path(get, path = "/api/retention/upcoming", tag = "retention", params(("days" = Option<i64>, Query, description = "How far ahead; 30 by default")),
    responses((status = 200, description = "Due files by record, soonest first", body = crate::openapi::shapes::HitList<crate::openapi::shapes::DueFiles>), (status = 401, description = "Not signed in")))]
pub(crate) async fn upcoming(State(state): State<AppState>, Caller(subject): Caller, Query(q): Query<DaysQuery>) -> ApiResult<Json<Value>> {
    let mut due = state.tessera.upcoming_deletions(&subject, q.days).await?;
    due.sort_by(|a, b| (&a.on, a.record).cmp(&(&b.on, b.record)));
    Ok(list(&due, due_json))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonBody {
    #[serde(default)]
    reason: String,
}

/// The files of a record deleted from storage, by deletion and then key, a numbered page at
/// a time: for those who may edit the record.
#[utoipa::path(get, path = "/api/records/{id}/deleted-files", tag = "retention",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"),
        ("size" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Files per page, at most 100; 10 unless given")),
    responses((status = 200, description = "Each file with its size, checksums, and when and why it was deleted", body = crate::openapi::shapes::Page<crate::openapi::shapes::DeletedFile>),
        (status = 403, description = "May not edit the record")))]
pub(crate) async fn deleted_files(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let id = record_id(&id)?;
    let (page, size) = page_and_size(&params)?;
    let offset = ((page - 1) as i64).saturating_mul(size as i64);
    let (files, total) = state.tessera.deleted_files(&subject, id, offset, size as i64).await?;
    let hits: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "key": f.key,
                "size": f.size,
                "checksum": format!("md5:{}", f.md5),
                "sha512": f.sha512,
                "deleted": f.date,
                "reason": f.reason,
                "basis": f.basis,
            })
        })
        .collect();
    let links = page_links(&state, &format!("/api/records/{id}/deleted-files"), &params, (page, size), total as usize);
    Ok(Json(json!({"hits": {"hits": hits, "total": total}, "links": links})))
}

/// Every legal hold on a record's dataset, lifted or not.
#[utoipa::path(get, path = "/api/records/{id}/holds", tag = "retention", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The holds", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Hold>), (status = 403, description = "Does not look after the record")))]
pub(crate) async fn list_holds(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(list(&state.tessera.holds(&subject, record_id(&id)?).await?, hold_json))
}

/// Place a legal hold: no file of the dataset is deleted, by schedule or on request, until it is lifted.
#[utoipa::path(post, path = "/api/records/{id}/holds", request_body = ReasonBody, tag = "retention", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The hold", body = crate::openapi::shapes::Hold), (status = 400, description = "No reason"), (status = 403, description = "Does not look after the record")))]
pub(crate) async fn place_hold(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Response> {
    let hold = state.tessera.place_hold(&subject, record_id(&id)?, &b.reason).await?;
    Ok((StatusCode::CREATED, Json(hold_json(&hold))).into_response())
}

/// Lift a legal hold.
#[utoipa::path(delete, path = "/api/records/{id}/holds/{hold}", tag = "retention",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("hold" = String, Path, description = "Hold id")),
    responses((status = 200, description = "The hold, lifted", body = crate::openapi::shapes::Hold), (status = 409, description = "Lifted already")))]
pub(crate) async fn release_hold(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, hold)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let hold = state.tessera.release_hold(&subject, record_id(&id)?, number_id(&hold, "legal hold")?).await?;
    Ok(Json(hold_json(&hold)))
}

/// Ask for a record's files to be deleted (its depositor or curators); a curator decides.
#[utoipa::path(post, path = "/api/records/{id}/deletion-requests", request_body = ReasonBody, tag = "retention", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The request, pending", body = crate::openapi::shapes::DeletionRequest), (status = 400, description = "No reason"),
        (status = 409, description = "A request is waiting already")))]
pub(crate) async fn request_deletion(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Response> {
    let request = state.tessera.request_deletion(&subject, record_id(&id)?, &b.reason).await?;
    Ok((StatusCode::CREATED, Json(deletion_request_json(&request))).into_response())
}

/// Requests for deletion waiting for the caller's decision.
#[utoipa::path(get, path = "/api/user/deletion-queue", tag = "retention", responses((status = 200, description = "Pending requests", body = crate::openapi::shapes::HitList<crate::openapi::shapes::DeletionRequest>)))]
pub(crate) async fn deletion_queue(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Json<Value>> {
    Ok(list(&state.tessera.pending_deletion_requests(&subject).await?, deletion_request_json))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    #[serde(default)]
    note: Option<String>,
}

/// Approve a request for deletion: the record's files are deleted at once, leaving a tombstone.
#[utoipa::path(post, path = "/api/deletion-requests/{request}/approve", request_body = DecisionBody, tag = "retention", params(("request" = String, Path, pattern = "^[1-9][0-9]*$", description = "Request id")),
    responses((status = 200, description = "The request, approved", body = crate::openapi::shapes::DeletionRequest), (status = 409, description = "Decided already, or a legal hold")))]
pub(crate) async fn approve_deletion(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult<Json<Value>> {
    let request = state.tessera.decide_deletion(&subject, number_id(&id, "deletion request")?, true, b.note.as_deref()).await?;
    Ok(Json(deletion_request_json(&request)))
}

/// Refuse a request for deletion, saying why in `note`.
#[utoipa::path(post, path = "/api/deletion-requests/{request}/refuse", request_body = DecisionBody, tag = "retention", params(("request" = String, Path, pattern = "^[1-9][0-9]*$", description = "Request id")),
    responses((status = 200, description = "The request, refused", body = crate::openapi::shapes::DeletionRequest), (status = 409, description = "Decided already")))]
pub(crate) async fn refuse_deletion(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult<Json<Value>> {
    let request = state.tessera.decide_deletion(&subject, number_id(&id, "deletion request")?, false, b.note.as_deref()).await?;
    Ok(Json(deletion_request_json(&request)))
}
