//! Policies: data use agreements and Tessera's own licences, each with versions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::domain::OrgId;
use tessera_app::domain::policy::{PolicyKind, PolicyVersion, Terms};
use tessera_app::{Policy, PolicyInput};

use super::access::list;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

fn version_json(v: &PolicyVersion) -> Value {
    json!({"version": v.version, "effective": v.effective, "title": v.title, "text": v.text, "changes": v.changes,
        "terms": v.terms, "created": v.created})
}

fn policy_json(state: &AppState, p: &Policy) -> Value {
    let current = p.current();
    json!({
        "id": current.id,
        "kind": current.kind,
        "organization": current.organization,
        "title": current.title,
        "in_force": p.in_force,
        "versions": p.versions.iter().map(version_json).collect::<Vec<_>>(),
        "links": {"self": state.link(&format!("/api/policies/{}", current.id)), "self_html": state.link(&format!("/policies/{}", current.id))},
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyBody {
    /// The new policy's id; not sent for a new version.
    #[serde(default)]
    #[schema(pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$")]
    id: String,
    #[serde(default)]
    #[schema(value_type = Option<tessera_app::domain::policy::PolicyKind>)]
    kind: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    #[schema(value_type = Option<tessera_app::domain::OrgId>)]
    organization: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    changes: Option<String>,
    /// The day it takes effect (YYYY-MM-DD).
    #[serde(default)]
    #[schema(format = Date)]
    effective: Option<String>,
    #[serde(default)]
    terms: Terms,
}

impl PolicyBody {
    fn input(self) -> ApiResult<PolicyInput> {
        let kind = match self.kind.as_deref() {
            Some(kind) => kind.parse().map_err(|e: String| ApiError::invalid_field("kind", e))?,
            None => PolicyKind::Agreement,
        };
        let organization =
            self.organization.map(|o| OrgId::parse(&o).map_err(|e| ApiError::invalid_field("organization", e))).transpose()?;
        Ok(PolicyInput {
            id: self.id,
            kind,
            title: self.title,
            organization,
            text: self.text,
            changes: self.changes,
            effective: self.effective,
            terms: self.terms,
        })
    }
}

/// Every policy with its versions; public.
#[utoipa::path(get, path = "/api/policies", tag = "policies", responses((status = 200, description = "The policies", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Policy>)))]
pub(crate) async fn list_policies(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(list(&state.tessera.policies().await?, |p| policy_json(&state, p)))
}

/// A new policy: `{"id", "kind": "agreement" | "licence", "title", "organization", "text",
/// "effective", "terms": {"field_of_use", "duration_days"}}` (licences only have terms).
#[utoipa::path(post, path = "/api/policies", request_body = PolicyBody, tag = "policies",
    responses((status = 201, description = "The policy at version 1", body = crate::openapi::shapes::Policy), (status = 400, description = "A field is wrong"),
        (status = 403, description = "Not an administrator of the organization or platform"), (status = 409, description = "The id is taken")))]
pub(crate) async fn create_policy(
    State(state): State<AppState>,
    Caller(subject): Caller,
    ApiJson(b): ApiJson<PolicyBody>,
) -> ApiResult<Response> {
    let policy = state.tessera.create_policy(&subject, b.input()?).await?;
    Ok((StatusCode::CREATED, Json(policy_json(&state, &policy))).into_response())
}

/// One policy and its change log; public.
#[utoipa::path(get, path = "/api/policies/{policy}", tag = "policies", params(("policy" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Policy id")),
    responses((status = 200, description = "The policy", body = crate::openapi::shapes::Policy), (status = 404, description = "No such policy")))]
pub(crate) async fn read_policy(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(policy_json(&state, &state.tessera.policy(&id).await?)))
}

/// Publish the next version: `{"text", "changes", "effective", "title", "terms"}`. Grants stay
/// on the version their holders accepted.
#[utoipa::path(post, path = "/api/policies/{policy}/versions", request_body = PolicyBody, tag = "policies", params(("policy" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Policy id")),
    responses((status = 201, description = "The policy with its new version", body = crate::openapi::shapes::Policy), (status = 400, description = "A field is wrong")))]
pub(crate) async fn add_version(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PolicyBody>,
) -> ApiResult<Response> {
    let policy = state.tessera.add_policy_version(&subject, &id, b.input()?).await?;
    Ok((StatusCode::CREATED, Json(policy_json(&state, &policy))).into_response())
}

/// Ask every holder of a grant under an older version to accept the version in force (the
/// organization's stewards); their access pauses until they do.
#[utoipa::path(post, path = "/api/policies/{policy}/require-reacceptance", tag = "policies", params(("policy" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Policy id")),
    responses((status = 200, description = "`grants`: the grants now waiting", body = crate::openapi::shapes::Reacceptance), (status = 403, description = "Not a steward of the organization")))]
pub(crate) async fn require_reacceptance(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let grants = state.tessera.require_reacceptance(&subject, &id).await?;
    Ok(Json(json!({"grants": grants.iter().map(ToString::to_string).collect::<Vec<_>>()})))
}
