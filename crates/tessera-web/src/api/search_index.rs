//! The search index as platform administrators run it: its state, and a rebuild while it
//! keeps answering.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiResult;
use crate::extract::Caller;
use crate::state::AppState;

/// The index's generation, how many documents searches see, and any rebuild running or asked for.
#[utoipa::path(get, path = "/api/admin/search-index", tag = "operations",
    responses((status = 200, description = "The index's state", body = crate::openapi::shapes::IndexState), (status = 403, description = "Not a platform administrator")))]
pub(crate) async fn read(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Json<tessera_app::IndexState>> {
    Ok(Json(state.tessera.index_state(&subject).await?))
}

/// Rebuild the index from the catalogue with the server's next jobs; searches keep answering
/// from the current index until the new one has caught up and takes over.
#[utoipa::path(post, path = "/api/admin/search-index/rebuild", tag = "operations",
    responses((status = 202, description = "Queued; the state follows", body = crate::openapi::shapes::IndexState), (status = 403, description = "Not a platform administrator")))]
pub(crate) async fn rebuild(State(state): State<AppState>, Caller(subject): Caller) -> ApiResult<Response> {
    let queued = state.tessera.request_reindex(&subject).await?;
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, state.link("/api/admin/search-index"))], Json(queued)).into_response())
}
