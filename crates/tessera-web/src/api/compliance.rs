//! Compliance reports per organization, the download sample stewards check, and the figures
//! an organization can publish.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::{CheckRow, GrantRow};

use super::access::grant_json;
use super::audit::PeriodQuery;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller, org_id};
use crate::state::AppState;

fn check_json(c: &CheckRow) -> Value {
    json!({"seq": c.seq, "checked_by": c.checked_by.map(|u| u.to_string()), "checked": c.checked, "verdict": c.verdict, "finding": c.finding})
}

/// An organization's compliance report: grants active, expiring within 30 days, expired and
/// revoked; reads and refusals per restricted dataset in the period; overdue deletions;
/// records missing a steward, licence or retention; the download checks and their findings.
#[utoipa::path(get, path = "/api/organizations/{org}/compliance", tag = "compliance",
    params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id"), ("from" = Option<String>, Query, description = "First day or moment"),
        ("to" = Option<String>, Query, description = "Last day or moment")),
    responses((status = 200, description = "The report", body = crate::openapi::shapes::ComplianceReport), (status = 403, description = "Not an administrator, auditor or steward of it")))]
pub(crate) async fn report(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(org): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    let r = state.tessera.compliance_report(&subject, &org_id(&org)?, &q.period()?).await?;
    let grants = |list: &[GrantRow]| list.iter().map(grant_json).collect::<Vec<_>>();
    let checks: Vec<Value> = r.checks.iter().map(check_json).collect();
    Ok(Json(json!({
        "organization": org,
        "grants": {"active": grants(&r.active), "expiring": grants(&r.expiring), "expired": grants(&r.expired), "revoked": grants(&r.revoked)},
        "accesses": r.accesses.iter().map(|a| json!({"record": a.record.to_string(), "title": a.title, "data_class": a.data_class,
            "downloads": a.downloads, "refusals": a.refusals, "people": a.people})).collect::<Vec<_>>(),
        "overdue_deletions": r.overdue.iter().map(|d| json!({"record": d.record.to_string(), "due": d.on, "files": d.keys.len(), "basis": d.basis})).collect::<Vec<_>>(),
        "missing_governance": r.missing.iter().map(|m| json!({"record": m.record.to_string(), "title": m.title, "missing": m.missing})).collect::<Vec<_>>(),
        "download_checks": {"total": checks.len(), "concerns": r.checks.iter().filter(|c| c.verdict == "concern").count(), "checks": checks},
    })))
}

#[derive(Deserialize)]
pub(crate) struct SampleQuery {
    #[serde(default = "thirty")]
    days: i64,
    #[serde(default = "ten")]
    size: usize,
}

fn thirty() -> i64 {
    30
}

fn ten() -> usize {
    10
}

/// Recent restricted downloads not yet checked, riskiest first (secret links, then grants),
/// for the organization's stewards to check.
#[utoipa::path(get, path = "/api/organizations/{org}/compliance/sample", tag = "compliance",
    params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id"), ("days" = Option<i64>, Query, description = "How far back, in days from 1 to 366; 30 by default"),
        ("size" = Option<usize>, Query, description = "How many, from 1 to 100; 10 by default")),
    responses((status = 200, description = "Audit entries to check", body = crate::openapi::shapes::HitList<tessera_app::domain::audit::AuditEntry>), (status = 403, description = "Not a steward of it")))]
pub(crate) async fn sample(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(org): Path<String>,
    Query(q): Query<SampleQuery>,
) -> ApiResult<Json<Value>> {
    let entries = state.tessera.download_sample(&subject, &org_id(&org)?, q.days, q.size).await?;
    Ok(Json(json!({"hits": {"hits": entries, "total": entries.len()}})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckBody {
    /// The audit entry of the download checked.
    #[schema(minimum = 1)]
    seq: i64,
    #[serde(default)]
    #[schema(pattern = "^(fine|concern)$")]
    verdict: String,
    #[serde(default)]
    finding: String,
}

/// Record what checking one sampled download found: `{"seq", "verdict": "fine" | "concern", "finding"}`.
#[utoipa::path(post, path = "/api/organizations/{org}/compliance/checks", request_body = CheckBody, tag = "compliance", params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id")),
    responses((status = 201, description = "The check", body = crate::openapi::shapes::DownloadCheck), (status = 400, description = "A field is wrong"), (status = 409, description = "Checked already")))]
pub(crate) async fn check(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<CheckBody>,
) -> ApiResult<Response> {
    let check = state.tessera.check_download(&subject, &org_id(&org)?, b.seq, &b.verdict, &b.finding).await?;
    Ok((StatusCode::CREATED, Json(check_json(&check))).into_response())
}

/// Figures about an organization fit to publish: counts of datasets by class, access
/// requests, active grants and restricted downloads in the period; nobody is named.
#[utoipa::path(get, path = "/api/organizations/{org}/figures", tag = "compliance",
    params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id"), ("from" = Option<String>, Query, description = "First day or moment"),
        ("to" = Option<String>, Query, description = "Last day or moment")),
    responses((status = 200, description = "The figures", body = crate::openapi::shapes::Figures)))]
pub(crate) async fn figures(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(state.tessera.published_figures(&org_id(&org)?, &q.period()?).await?))
}
