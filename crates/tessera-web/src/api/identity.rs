//! The caller's API tokens, and organizations with their members.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::TokenRequest;
use tessera_app::domain::{DataClass, OrgId, Role, Scopes, TokenId, UserId};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, org_id};
use crate::state::AppState;

fn token_json(token: &tessera_app::TokenRow) -> Value {
    json!({
        "id": token.id.to_string(),
        "name": token.name,
        "scopes": token.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "created": token.created,
        "expires": token.expires,
        "revoked": token.revoked,
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenBody {
    #[serde(default)]
    name: String,
    /// `["read", "deposit"]` or `"read deposit"`.
    #[serde(default)]
    #[schema(value_type = Option<crate::openapi::shapes::Scopes>)]
    scopes: Option<Value>,
    #[serde(default)]
    expires: Option<String>,
}

/// List the caller's API tokens (never their secrets).
#[utoipa::path(get, path = "/api/user/tokens", tag = "identity", responses((status = 200, description = "The caller's tokens", body = crate::openapi::shapes::HitList<crate::openapi::shapes::ApiToken>)))]
pub(crate) async fn list_tokens(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Json<Value>> {
    let tokens = state.tessera.tokens(&subject).await?;
    Ok(Json(json!({"hits": {"hits": tokens.iter().map(token_json).collect::<Vec<_>>(), "total": tokens.len()}})))
}

/// Make an API token; its secret is in the answer, and only there.
#[utoipa::path(post, path = "/api/user/tokens", request_body = TokenBody, tag = "identity",
    responses((status = 201, description = "The token, with its secret under `token`", body = crate::openapi::shapes::ApiToken), (status = 400, description = "Unknown scope or bad expiry")))]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    Caller(subject): Caller,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<Response> {
    let scopes = match body.scopes {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(Scopes::parse(&text).map_err(|e| ApiError::invalid_field("scopes", e))?),
        Some(Value::Array(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            let names = names.ok_or_else(|| ApiError::invalid_field("scopes", "must be a list of scope names"))?;
            Some(Scopes::parse(&names.join(" ")).map_err(|e| ApiError::invalid_field("scopes", e))?)
        }
        Some(_) => return Err(ApiError::invalid_field("scopes", "must be a list of scope names")),
    };
    let made = state.tessera.create_token(&subject, TokenRequest { name: body.name, scopes, expires: body.expires }).await?;
    let mut answer = token_json(&made.token);
    answer["token"] = made.secret.into();
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// Revoke one of the caller's tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/user/tokens/{id}", tag = "identity", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "The caller has no such token")))]
pub(crate) async fn revoke_token(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: TokenId = id.parse().map_err(|_| ApiError::NotFound(format!("token {id}")))?;
    state.tessera.revoke_token(&subject, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn org_json(org: &tessera_app::OrgRow) -> Value {
    json!({"id": org.id.as_str(), "name": org.name, "ror": org.ror, "created": org.created})
}

/// The member institutions.
#[utoipa::path(get, path = "/api/organizations", tag = "organizations", responses((status = 200, description = "Every organization", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Organization>)))]
pub(crate) async fn list_organizations(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let orgs = state.tessera.organizations().await?;
    Ok(Json(json!({"hits": {"hits": orgs.iter().map(org_json).collect::<Vec<_>>(), "total": orgs.len()}})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrgBody {
    #[schema(value_type = OrgId)]
    id: String,
    name: String,
    #[serde(default)]
    ror: Option<String>,
}

/// Add a member institution (platform administrators).
#[utoipa::path(post, path = "/api/organizations", request_body = OrgBody, tag = "organizations",
    responses((status = 201, description = "The organization", body = crate::openapi::shapes::Organization), (status = 409, description = "The id is taken")))]
pub(crate) async fn create_organization(
    State(state): State<AppState>,
    Caller(subject): Caller,
    ApiJson(body): ApiJson<OrgBody>,
) -> ApiResult<Response> {
    let org = state.tessera.create_organization(&subject, &body.id, &body.name, body.ror.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(org_json(&org))).into_response())
}

/// One organization.
#[utoipa::path(get, path = "/api/organizations/{org}", tag = "organizations", params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id")),
    responses((status = 200, description = "The organization", body = crate::openapi::shapes::Organization), (status = 404, description = "No such organization")))]
pub(crate) async fn read_organization(State(state): State<AppState>, Path(org): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(org_json(&state.tessera.organization(&org_id(&org)?).await?)))
}

fn member_json(member: &tessera_app::MemberRow) -> Value {
    json!({"organization": member.org.as_str(), "user": member.user.to_string(), "email": member.email, "role": member.role.as_str()})
}

/// An organization's members and their roles (its administrators).
#[utoipa::path(get, path = "/api/organizations/{org}/members", tag = "organizations", params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id")),
    responses((status = 200, description = "Members", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Member>), (status = 403, description = "Not an administrator of the organization")))]
pub(crate) async fn list_members(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(org): Path<String>,
) -> ApiResult<Json<Value>> {
    let members = state.tessera.members(&subject, &org_id(&org)?).await?;
    Ok(Json(json!({"hits": {"hits": members.iter().map(member_json).collect::<Vec<_>>(), "total": members.len()}})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberBody {
    email: String,
    #[schema(pattern = "^(depositor|curator|steward|admin|auditor)$")]
    role: String,
}

/// Give a person a role in the organization (its administrators).
#[utoipa::path(post, path = "/api/organizations/{org}/members", request_body = MemberBody, tag = "organizations", params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id")),
    responses((status = 201, description = "The membership", body = crate::openapi::shapes::Member), (status = 404, description = "No such person or organization")))]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<MemberBody>,
) -> ApiResult<Response> {
    let role: Role = body.role.parse().map_err(|e: String| ApiError::invalid_field("role", e))?;
    let member = state.tessera.add_member(&subject, &org_id(&org)?, &body.email, role).await?;
    Ok((StatusCode::CREATED, Json(member_json(&member))).into_response())
}

#[derive(Deserialize)]
pub(crate) struct RoleQuery {
    role: String,
}

/// Take a role away from a member (its administrators).
#[utoipa::path(delete, path = "/api/organizations/{org}/members/{user}", tag = "organizations",
    params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id"), ("user" = String, Path, pattern = "^[1-9][0-9]*$", description = "User id"), ("role" = String, Query, pattern = "^(depositor|curator|steward|admin|auditor)$", description = "The role to take away")),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such membership")))]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((org, user)): Path<(String, String)>,
    Query(query): Query<RoleQuery>,
) -> ApiResult<StatusCode> {
    let role: Role = query.role.parse().map_err(|e: String| ApiError::invalid_field("role", e))?;
    let user: UserId = user.parse().map_err(|_| ApiError::NotFound(format!("user {user}")))?;
    state.tessera.remove_member(&subject, &org_id(&org)?, user, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn trust_list(org: &OrgId, trusts: &[(OrgId, DataClass)]) -> Json<Value> {
    let hits: Vec<Value> =
        trusts.iter().map(|(partner, class)| json!({"organization": partner.as_str(), "data_class": class.as_str()})).collect();
    Json(json!({"organization": org.as_str(), "hits": {"hits": hits, "total": trusts.len()}}))
}

/// The partners an organization trusts, and for which data classes.
#[utoipa::path(get, path = "/api/organizations/{org}/trust", tag = "organizations", params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id")),
    responses((status = 200, description = "Trusted partners", body = crate::openapi::shapes::Trusts)))]
pub(crate) async fn list_trust(State(state): State<AppState>, Path(org): Path<String>) -> ApiResult<Json<Value>> {
    let org = org_id(&org)?;
    Ok(trust_list(&org, &state.tessera.trusts(&org).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrustBody {
    #[schema(value_type = OrgId)]
    organization: String,
    #[schema(value_type = DataClass)]
    data_class: String,
}

/// Trust a partner for a data class: its members' requests are granted at once (the organization's administrators).
#[utoipa::path(post, path = "/api/organizations/{org}/trust", request_body = TrustBody, tag = "organizations", params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id")),
    responses((status = 201, description = "Trusted", body = crate::openapi::shapes::Trusts), (status = 403, description = "Not an administrator of the organization")))]
pub(crate) async fn add_trust(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<TrustBody>,
) -> ApiResult<Response> {
    let class: DataClass = body.data_class.parse().map_err(|e: String| ApiError::invalid_field("data_class", e))?;
    let (org, partner) = (org_id(&org)?, OrgId::parse(&body.organization).map_err(|e| ApiError::invalid_field("organization", e))?);
    state.tessera.add_trust(&subject, &org, &partner, class).await?;
    Ok((StatusCode::CREATED, trust_list(&org, &state.tessera.trusts(&org).await?)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ClassQuery {
    data_class: String,
}

/// Stop trusting a partner for a data class.
#[utoipa::path(delete, path = "/api/organizations/{org}/trust/{partner}", tag = "organizations",
    params(("org" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Organization id"), ("partner" = String, Path, pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$", description = "Trusted organization"), ("data_class" = DataClass, Query, description = "The class")),
    responses((status = 204, description = "No longer trusted"), (status = 404, description = "No such trust")))]
pub(crate) async fn remove_trust(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((org, partner)): Path<(String, String)>,
    Query(query): Query<ClassQuery>,
) -> ApiResult<StatusCode> {
    let class: DataClass = query.data_class.parse().map_err(|e: String| ApiError::invalid_field("data_class", e))?;
    state.tessera.remove_trust(&subject, &org_id(&org)?, &org_id(&partner)?, class).await?;
    Ok(StatusCode::NO_CONTENT)
}
