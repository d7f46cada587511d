//! Reported problems, triage and takedowns.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::{ReportInput, ReportRow, TakedownRow};

use super::access::list;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller, number_id, record_id};
use crate::state::AppState;

fn report_json(state: &AppState, r: &ReportRow) -> Value {
    json!({
        "id": r.id.to_string(),
        "record": r.record_id.to_string(),
        "kind": r.kind,
        "description": r.description,
        "reporter": r.reporter_id.map(|u| u.to_string()),
        "status": r.status,
        "outcome": r.outcome,
        "note": r.note,
        "created": r.created,
        "updated": r.updated,
        "links": {"self": state.link(&format!("/api/reports/{}", r.id)), "record": state.link(&format!("/api/records/{}", r.record_id))},
    })
}

fn takedown_json(t: &TakedownRow) -> Value {
    json!({"id": t.id.to_string(), "reason": t.reason, "report": t.report_id.map(|r| r.to_string()), "placed": t.placed})
}

/// A report, as JSON from the API or as the landing page's form.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    email: Option<String>,
}

impl From<ReportBody> for ReportInput {
    fn from(b: ReportBody) -> Self {
        ReportInput { kind: b.kind, description: b.description, email: b.email }
    }
}

/// Report a problem with a record (anyone, signed in or not): `{"kind": "privacy-breach" |
/// "wrong-data" | "rights-claim" | "other", "description", "email"}`; the email, for someone
/// without an account, is where the outcome is sent.
#[utoipa::path(post, path = "/api/records/{id}/reports", request_body = ReportBody, tag = "incidents", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The report, open", body = crate::openapi::shapes::Report), (status = 400, description = "A field is wrong")))]
pub(crate) async fn create_report(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReportBody>,
) -> ApiResult<Response> {
    let report = state.tessera.report_problem(&subject, record_id(&id)?, b.into()).await?;
    Ok((StatusCode::CREATED, Json(report_json(&state, &report))).into_response())
}

/// Reports not yet closed on the datasets the caller reviews (curators, stewards, administrators).
#[utoipa::path(get, path = "/api/user/report-queue", tag = "incidents", responses((status = 200, description = "Open reports", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Report>)))]
pub(crate) async fn report_queue(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Json<Value>> {
    Ok(list(&state.tessera.report_queue(&subject).await?, |r| report_json(&state, r)))
}

/// One report (its reporter, and those who review the dataset).
#[utoipa::path(get, path = "/api/reports/{report}", tag = "incidents", params(("report" = String, Path, pattern = "^[1-9][0-9]*$", description = "Report id")),
    responses((status = 200, description = "The report", body = crate::openapi::shapes::Report), (status = 403, description = "Neither reporter nor reviewer")))]
pub(crate) async fn read_report(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(report_json(&state, &state.tessera.report(&subject, number_id(&id, "report")?).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriageBody {
    status: String,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// Move a report on: `{"status": "investigating"}`, or `{"status": "closed", "outcome":
/// "dismissed" | "corrected", "note"}` (the reporter is told).
#[utoipa::path(post, path = "/api/reports/{report}/triage", request_body = TriageBody, tag = "incidents", params(("report" = String, Path, pattern = "^[1-9][0-9]*$", description = "Report id")),
    responses((status = 200, description = "The report", body = crate::openapi::shapes::Report), (status = 400, description = "A status or outcome is wrong"), (status = 409, description = "Closed already")))]
pub(crate) async fn triage_report(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TriageBody>,
) -> ApiResult<Json<Value>> {
    let report =
        state.tessera.triage_report(&subject, number_id(&id, "report")?, &b.status, b.outcome.as_deref(), b.note.as_deref()).await?;
    Ok(Json(report_json(&state, &report)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TakedownBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    report: Option<String>,
}

/// Take a record's dataset down at once, pending review: `{"reason", "report"}`.
#[utoipa::path(post, path = "/api/records/{id}/takedown", request_body = TakedownBody, tag = "incidents", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The takedown", body = crate::openapi::shapes::Takedown), (status = 409, description = "Taken down already")))]
pub(crate) async fn take_down(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TakedownBody>,
) -> ApiResult<Response> {
    let report = b.report.as_deref().map(|r| number_id(r, "report")).transpose()?;
    let takedown = state.tessera.take_down(&subject, record_id(&id)?, &b.reason, report).await?;
    Ok((StatusCode::CREATED, Json(takedown_json(&takedown))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EndBody {
    #[serde(default)]
    note: String,
}

/// End a takedown by giving access back; open reports close as `restored`.
#[utoipa::path(post, path = "/api/records/{id}/takedown/restore", request_body = EndBody, tag = "incidents", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 204, description = "Restored"), (status = 409, description = "Not taken down")))]
pub(crate) async fn restore(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EndBody>,
) -> ApiResult<StatusCode> {
    state.tessera.end_takedown(&subject, record_id(&id)?, true, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End a takedown by deleting every file of the dataset (the metadata stays, with a
/// tombstone); open reports close as `deleted`.
#[utoipa::path(post, path = "/api/records/{id}/takedown/delete", request_body = EndBody, tag = "incidents", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 204, description = "Deleted"), (status = 409, description = "Not taken down, or a legal hold")))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EndBody>,
) -> ApiResult<StatusCode> {
    state.tessera.end_takedown(&subject, record_id(&id)?, false, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}
