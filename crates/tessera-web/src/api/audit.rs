//! Views of the audit trail: a dataset's, one's own, and an organization's export.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::domain::OrgId;
use tessera_app::domain::audit::{AuditEntry, Period};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, record_id};
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    /// Entries numbered above this one: the next page.
    #[serde(default)]
    after: i64,
}

impl PeriodQuery {
    pub(crate) fn period(&self) -> ApiResult<Period> {
        Period::parse(self.from.as_deref(), self.to.as_deref()).map_err(|e| ApiError::invalid_field("from", e))
    }
}

/// A page of entries, with a link to the next when it is full.
fn page(state: &AppState, path: &str, q: &PeriodQuery, entries: &[AuditEntry]) -> Json<Value> {
    let full = entries.len() as i64 == tessera_app::AUDIT_PAGE;
    let next = entries.last().filter(|_| full).map(|last| {
        let mut query = format!("after={}", last.seq);
        for (name, value) in [("from", &q.from), ("to", &q.to)] {
            if let Some(value) = value {
                query.push_str(&format!("&{name}={}", crate::wire::escape_segment(value)));
            }
        }
        state.link(&format!("{path}?{query}"))
    });
    Json(json!({"hits": {"hits": entries, "total": entries.len()}, "links": {"next": next}}))
}

/// Who did what to a record's dataset in a period (`from`, `to`: days or RFC 3339 times): its
/// stewards, its organization's administrators and auditors. Each entry carries its hash.
#[utoipa::path(get, path = "/api/records/{id}/audit", tag = "audit",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("from" = Option<String>, Query, description = "First day or moment"),
        ("to" = Option<String>, Query, description = "Last day or moment"), ("after" = Option<i64>, Query, description = "Next page: entries after this number")),
    responses((status = 200, description = "Entries, oldest first, 1,000 a page", body = crate::openapi::shapes::AuditPage), (status = 403, description = "May not see the trail")))]
pub(crate) async fn dataset_audit(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    let entries = state.tessera.dataset_audit(&subject, record_id(&id)?, &q.period()?, q.after).await?;
    Ok(page(&state, &format!("/api/records/{id}/audit"), &q, &entries))
}

/// The caller's own history: downloads, requests, refusals, sign-ins.
#[utoipa::path(get, path = "/api/user/audit", tag = "audit",
    params(("from" = Option<String>, Query, description = "First day or moment"), ("to" = Option<String>, Query, description = "Last day or moment"),
        ("after" = Option<i64>, Query, description = "Next page: entries after this number")),
    responses((status = 200, description = "Entries, oldest first, 1,000 a page", body = crate::openapi::shapes::AuditPage), (status = 401, description = "Not signed in")))]
pub(crate) async fn own_audit(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    let entries = state.tessera.own_audit(&subject, &q.period()?, q.after).await?;
    Ok(page(&state, "/api/user/audit", &q, &entries))
}

/// Every entry about an organization's datasets in a period, as JSON Lines (its
/// administrators, auditors and stewards). Each line carries its own hash and the one before
/// it in the whole trail, so each can be checked against `tessera audit verify`.
#[utoipa::path(get, path = "/api/organizations/{org}/audit", tag = "audit",
    params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id"), ("from" = Option<String>, Query, description = "First day or moment"),
        ("to" = Option<String>, Query, description = "Last day or moment")),
    responses((status = 200, description = "JSON Lines, oldest first, each line an `AuditEntry`", content_type = "application/jsonl"), (status = 403, description = "May not see the trail")))]
pub(crate) async fn organization_audit(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(org): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Response> {
    let mut body = Vec::new();
    state
        .tessera
        .organization_audit(&subject, &OrgId(org.clone()), &q.period()?, |entry| {
            serde_json::to_writer(&mut body, entry).map_err(std::io::Error::other)?;
            body.push(b'\n');
            Ok(())
        })
        .await?;
    let disposition = format!("attachment; filename=\"audit-{org}.jsonl\"");
    Ok(([(header::CONTENT_TYPE, "application/jsonl".to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}
