//! Access requests, stewards' decisions and grants.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::domain::{GrantId, LinkPermission};
use tessera_app::{AccessRequestInput, AccessRequestRow, Approval, GrantRow, SecretLinkRow};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, number_id, record_id};
use crate::state::AppState;

fn files_json(files: &Option<String>) -> Value {
    files.as_deref().and_then(|f| serde_json::from_str(f).ok()).unwrap_or(Value::Null)
}

fn request_json(state: &AppState, r: &AccessRequestRow) -> Value {
    json!({
        "id": r.id.to_string(),
        "record": r.record_id.to_string(),
        "organization": r.org_id.as_ref().map(|o| o.as_str()),
        "requester": r.requester_id.to_string(),
        "purpose": r.purpose,
        "project": r.project,
        "intended_use": r.intended_use,
        "duration_days": r.requested_days,
        "files": files_json(&r.files),
        "status": r.status,
        "decided_by": r.decided_by.map(|u| u.to_string()),
        "decided": r.decided,
        "reason": r.reason,
        "conditions": {"expires": r.expires, "field_of_use": r.field_of_use, "agreement": r.agreement, "agreement_policy": r.policy_id},
        "created": r.created,
        "updated": r.updated,
        "links": {
            "self": state.link(&format!("/api/access/requests/{}", r.id)),
            "record": state.link(&format!("/api/records/{}", r.record_id)),
        },
    })
}

pub(crate) fn grant_json(g: &GrantRow) -> Value {
    json!({
        "id": g.id.to_string(),
        "request": g.request_id.map(|r| r.to_string()),
        "dataset": g.parent_id.to_string(),
        "user": g.user_id.to_string(),
        "files": files_json(&g.files),
        "purpose": g.purpose,
        "field_of_use": g.field_of_use,
        "agreement": g.agreement,
        "granted_by": g.granted_by.map(|u| u.to_string()),
        "created": g.created,
        "expires": g.expires,
        "revoked": g.revoked,
        "revoke_reason": g.revoke_reason,
        "agreement_policy": g.policy_id.as_ref().map(|id| json!({"id": id, "version": g.policy_version, "reaccept_version": g.reaccept_version})),
    })
}

pub(crate) fn list<T>(items: &[T], to_json: impl Fn(&T) -> Value) -> Json<Value> {
    Json(json!({"hits": {"hits": items.iter().map(to_json).collect::<Vec<_>>(), "total": items.len()}}))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestBody {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    intended_use: String,
    #[serde(default)]
    duration_days: Option<i64>,
    #[serde(default)]
    files: Option<Vec<String>>,
}

/// Ask a record's stewards for access to its files, saying why.
#[utoipa::path(post, path = "/api/records/{id}/access/requests", request_body = RequestBody, tag = "access", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The request, pending", body = crate::openapi::shapes::AccessRequest), (status = 400, description = "Purpose or intended use missing"),
        (status = 403, description = "Nothing to request, or a grant exists"), (status = 409, description = "A request is waiting already")))]
pub(crate) async fn create_request(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RequestBody>,
) -> ApiResult<Response> {
    let input =
        AccessRequestInput { purpose: b.purpose, project: b.project, intended_use: b.intended_use, days: b.duration_days, files: b.files };
    let request = state.tessera.request_access(&subject, record_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(request_json(&state, &request))).into_response())
}

/// Every request and grant for a record's dataset (its stewards).
#[utoipa::path(get, path = "/api/records/{id}/access", tag = "access", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "`requests` and `grants`", body = crate::openapi::shapes::RecordAccess), (status = 403, description = "Not a steward of the record")))]
pub(crate) async fn record_access(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (requests, grants) = state.tessera.access_of_record(&subject, record_id(&id)?).await?;
    Ok(Json(json!({
        "requests": requests.iter().map(|r| request_json(&state, r)).collect::<Vec<_>>(),
        "grants": grants.iter().map(grant_json).collect::<Vec<_>>(),
    })))
}

/// One request (its requester and the dataset's stewards).
#[utoipa::path(get, path = "/api/access/requests/{request}", tag = "access", params(("request" = String, Path, pattern = "^[1-9][0-9]*$", description = "Request id")),
    responses((status = 200, description = "The request", body = crate::openapi::shapes::AccessRequest), (status = 404, description = "No such request")))]
pub(crate) async fn read_request(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(request_json(&state, &state.tessera.access_request(&subject, number_id(&id, "access request")?).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApprovalBody {
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    field_of_use: Option<String>,
    #[serde(default)]
    agreement: Option<String>,
    #[serde(default)]
    agreement_policy: Option<String>,
}

/// Approve with conditions: expiry, field of use, and an agreement the requester must accept
/// (free text, or `agreement_policy`: a versioned agreement whose version in force the grant
/// records).
#[utoipa::path(post, path = "/api/access/requests/{request}/approve", request_body = ApprovalBody, tag = "access", params(("request" = String, Path, pattern = "^[1-9][0-9]*$", description = "Request id")),
    responses((status = 200, description = "Approved; waiting for the requester to accept", body = crate::openapi::shapes::AccessRequest), (status = 409, description = "Decided already")))]
pub(crate) async fn approve_request(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ApprovalBody>,
) -> ApiResult<Json<Value>> {
    let approval =
        Approval { expires: b.expires, field_of_use: b.field_of_use, agreement: b.agreement, agreement_policy: b.agreement_policy };
    let request = state.tessera.approve_access_request(&subject, number_id(&id, "access request")?, approval).await?;
    Ok(Json(request_json(&state, &request)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefusalBody {
    #[serde(default)]
    reason: String,
}

/// Refuse, with a reason for the requester.
#[utoipa::path(post, path = "/api/access/requests/{request}/refuse", request_body = RefusalBody, tag = "access", params(("request" = String, Path, pattern = "^[1-9][0-9]*$", description = "Request id")),
    responses((status = 200, description = "Refused", body = crate::openapi::shapes::AccessRequest), (status = 400, description = "No reason given")))]
pub(crate) async fn refuse_request(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RefusalBody>,
) -> ApiResult<Json<Value>> {
    let request = state.tessera.refuse_access_request(&subject, number_id(&id, "access request")?, &b.reason).await?;
    Ok(Json(request_json(&state, &request)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptBody {
    #[serde(default)]
    agreement_accepted: bool,
    /// The version of the agreement policy the requester read; refused if another is in force.
    #[serde(default)]
    agreement_version: Option<i64>,
}

/// The requester accepts the approval's conditions and receives the grant.
#[utoipa::path(post, path = "/api/access/requests/{request}/accept", request_body = AcceptBody, tag = "access", params(("request" = String, Path, pattern = "^[1-9][0-9]*$", description = "Request id")),
    responses((status = 201, description = "The grant", body = crate::openapi::shapes::Grant), (status = 400, description = "The agreement was not accepted"), (status = 409, description = "Not approved")))]
pub(crate) async fn accept_request(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AcceptBody>,
) -> ApiResult<Response> {
    let grant =
        state.tessera.accept_access_request(&subject, number_id(&id, "access request")?, b.agreement_accepted, b.agreement_version).await?;
    Ok((StatusCode::CREATED, Json(grant_json(&grant))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReacceptBody {
    version: i64,
}

/// The holder accepts the new version of the grant's agreement they were asked to; access resumes.
#[utoipa::path(post, path = "/api/access/grants/{grant}/reaccept", request_body = ReacceptBody, tag = "access", params(("grant" = String, Path, pattern = "^[1-9][0-9]*$", description = "Grant id")),
    responses((status = 200, description = "The grant, on the new version", body = crate::openapi::shapes::Grant), (status = 409, description = "Not the version asked for")))]
pub(crate) async fn reaccept_grant(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReacceptBody>,
) -> ApiResult<Json<Value>> {
    let id: GrantId = id.parse().map_err(|_| ApiError::NotFound(format!("grant {id}")))?;
    Ok(Json(grant_json(&state.tessera.reaccept_agreement(&subject, id, b.version).await?)))
}

/// End a grant at once (the dataset's stewards).
#[utoipa::path(post, path = "/api/access/grants/{grant}/revoke", request_body = RefusalBody, tag = "access", params(("grant" = String, Path, pattern = "^[1-9][0-9]*$", description = "Grant id")),
    responses((status = 200, description = "The revoked grant", body = crate::openapi::shapes::Grant), (status = 409, description = "Revoked already")))]
pub(crate) async fn revoke_grant(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RefusalBody>,
) -> ApiResult<Json<Value>> {
    let id: GrantId = id.parse().map_err(|_| ApiError::NotFound(format!("grant {id}")))?;
    Ok(Json(grant_json(&state.tessera.revoke_grant(&subject, id, &b.reason).await?)))
}

/// The caller's own access requests.
#[utoipa::path(get, path = "/api/user/access-requests", tag = "access", responses((status = 200, description = "The caller's requests", body = crate::openapi::shapes::HitList<crate::openapi::shapes::AccessRequest>)))]
pub(crate) async fn my_requests(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Json<Value>> {
    let requests = state.tessera.my_access_requests(&subject).await?;
    Ok(list(&requests, |r| request_json(&state, r)))
}

/// Requests waiting in the organizations where the caller is a steward.
#[utoipa::path(get, path = "/api/user/access-queue", tag = "access", responses((status = 200, description = "Pending requests", body = crate::openapi::shapes::HitList<crate::openapi::shapes::AccessRequest>)))]
pub(crate) async fn steward_queue(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Json<Value>> {
    let requests = state.tessera.steward_queue(&subject).await?;
    Ok(list(&requests, |r| request_json(&state, r)))
}

/// The caller's grants, current and past.
#[utoipa::path(get, path = "/api/user/grants", tag = "access", responses((status = 200, description = "The caller's grants", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Grant>)))]
pub(crate) async fn my_grants(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Json<Value>> {
    Ok(list(&state.tessera.my_grants(&subject).await?, grant_json))
}

fn link_json(state: &AppState, record: &str, link: &SecretLinkRow, secret: Option<&str>) -> Value {
    let mut value = json!({
        "id": link.id.to_string(),
        "permission": link.permission,
        "created_by": link.created_by.map(|u| u.to_string()),
        "created": link.created,
        "expires": link.expires,
        "revoked": link.revoked,
    });
    if let Some(secret) = secret {
        value["token"] = secret.into();
        value["links"] = json!({
            "html": state.link(&format!("/records/{record}?token={secret}")),
            "record": state.link(&format!("/api/records/{record}?token={secret}")),
        });
    }
    value
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkBody {
    #[schema(pattern = "^(metadata|files)$")]
    permission: String,
    #[serde(default)]
    expires: Option<String>,
}

/// Make a secret link for someone without an account (the depositor and curators).
#[utoipa::path(post, path = "/api/records/{id}/access/links", request_body = LinkBody, tag = "access", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 201, description = "The link, with its secret under `token` (shown only now)", body = crate::openapi::shapes::SecretLink), (status = 403, description = "Not the depositor or a curator")))]
pub(crate) async fn create_link(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LinkBody>,
) -> ApiResult<Response> {
    let permission: LinkPermission = b.permission.parse().map_err(|e: String| ApiError::invalid_field("permission", e))?;
    let (link, secret) = state.tessera.create_secret_link(&subject, record_id(&id)?, permission, b.expires).await?;
    Ok((StatusCode::CREATED, Json(link_json(&state, &id, &link, Some(&secret)))).into_response())
}

/// A record's secret links (never their secrets).
#[utoipa::path(get, path = "/api/records/{id}/access/links", tag = "access", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The links", body = crate::openapi::shapes::HitList<crate::openapi::shapes::SecretLink>)))]
pub(crate) async fn list_links(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let links = state.tessera.secret_links(&subject, record_id(&id)?).await?;
    Ok(list(&links, |l| link_json(&state, &id, l, None)))
}

/// Revoke a secret link; it stops working at once.
#[utoipa::path(delete, path = "/api/records/{id}/access/links/{link}", tag = "access",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("link" = String, Path, description = "Link id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such link")))]
pub(crate) async fn revoke_link(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, link)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let link: i64 = link.parse().map_err(|_| ApiError::NotFound(format!("link {link}")))?;
    state.tessera.revoke_secret_link(&subject, record_id(&id)?, link).await?;
    Ok(StatusCode::NO_CONTENT)
}
