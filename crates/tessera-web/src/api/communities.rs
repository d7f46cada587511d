//! Communities, their records, and which of them a record's dataset is in (InvenioRDM's
//! `/api/communities/{id}/records` and `/api/records/{id}/communities`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::search::{parse_search, search_answer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, org_id, record_id};
use crate::state::AppState;
use crate::wire::record_json;

fn community_json(state: &AppState, community: &tessera_app::CommunityRow) -> Value {
    json!({
        "id": community.id,
        "slug": community.id,
        "metadata": {"title": community.title, "organization": community.organization.as_str()},
        "created": community.created,
        "links": {"self": state.link(&format!("/api/communities/{}", community.id))},
        "oai_pmh_set": format!("{}:{}", tessera_app::COMMUNITY_SETS, community.id),
    })
}

/// One community.
#[utoipa::path(get, path = "/api/communities/{id}", tag = "communities", params(("id" = String, Path, description = "Community id")),
    responses((status = 200, description = "The community", body = crate::openapi::shapes::Community), (status = 404, description = "No such community")))]
pub(crate) async fn read(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(community_json(&state, &state.tessera.community(&id).await?)))
}

/// A community's records, searched, sorted, paged and counted as `/api/records` is.
#[utoipa::path(get, path = "/api/communities/{id}/records", tag = "communities",
    params(("id" = String, Path, description = "Community id"), ("q" = Option<String>, Query, description = "Query text"),
        ("sort" = Option<String>, Query, description = "bestmatch, newest, oldest, updated-desc or updated-asc"),
        ("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"), ("size" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Hits per page, at most 100")),
    responses((status = 200, description = "Hits, total and aggregations", body = crate::openapi::shapes::SearchResult), (status = 404, description = "No such community")))]
pub(crate) async fn records(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    state.tessera.community(&id).await?;
    let mut parsed = parse_search(&params)?;
    parsed.request.community = Some(id.clone());
    let path = format!("/api/communities/{}/records", crate::wire::escape_segment(&id));
    search_answer(&state, &subject, parsed, &params, &path).await
}

/// Every community.
#[utoipa::path(get, path = "/api/communities", tag = "communities", responses((status = 200, description = "The communities", body = crate::openapi::shapes::HitList<crate::openapi::shapes::Community>)))]
pub(crate) async fn list(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let communities = state.tessera.communities().await?;
    let hits: Vec<Value> = communities.iter().map(|c| community_json(&state, c)).collect();
    Ok(Json(json!({"hits": {"hits": hits, "total": communities.len()}})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommunityBody {
    slug: String,
    title: String,
    #[schema(value_type = tessera_app::domain::OrgId)]
    organization: String,
}

/// Create a community, curated by an organization (its administrators).
#[utoipa::path(post, path = "/api/communities", request_body = CommunityBody, tag = "communities",
    responses((status = 201, description = "The community", body = crate::openapi::shapes::Community), (status = 409, description = "The id is taken")))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Caller(subject): Caller,
    ApiJson(body): ApiJson<CommunityBody>,
) -> ApiResult<Response> {
    let community = state.tessera.create_community(&subject, &body.slug, &body.title, &org_id(&body.organization)?).await?;
    Ok((StatusCode::CREATED, Json(community_json(&state, &community))).into_response())
}

/// `{"communities": [{"id": "rivers"}, …]}`, as InvenioRDM's clients send it.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct CommunitiesBody {
    communities: Vec<CommunityRef>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CommunityRef {
    id: String,
}

impl CommunitiesBody {
    fn ids(&self) -> ApiResult<Vec<String>> {
        if self.communities.is_empty() {
            return Err(ApiError::invalid_field("communities", "name at least one community"));
        }
        Ok(self.communities.iter().map(|c| c.id.clone()).collect())
    }
}

/// Add the record's dataset to communities (whoever may edit the record and curates them).
#[utoipa::path(post, path = "/api/records/{id}/communities", request_body = CommunitiesBody, tag = "communities", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The record, with parent.communities", body = crate::openapi::shapes::Record), (status = 403, description = "Not a curator of a community")))]
pub(crate) async fn include(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommunitiesBody>,
) -> ApiResult<Json<Value>> {
    let record = state.tessera.set_communities(&subject, record_id(&id)?, &body.ids()?, true).await?;
    Ok(Json(record_json(&state, &record)))
}

/// Take the record's dataset out of communities.
#[utoipa::path(delete, path = "/api/records/{id}/communities", request_body = CommunitiesBody, tag = "communities", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The record, with parent.communities", body = crate::openapi::shapes::Record)))]
pub(crate) async fn remove(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommunitiesBody>,
) -> ApiResult<Json<Value>> {
    let record = state.tessera.set_communities(&subject, record_id(&id)?, &body.ids()?, false).await?;
    Ok(Json(record_json(&state, &record)))
}
