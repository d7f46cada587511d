//! Liveness and readiness for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// The process is up and serving requests.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, description = "Up", body = crate::openapi::shapes::Status)))]
pub(crate) async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can serve traffic: its catalogue database answers.
#[utoipa::path(get, path = "/ready", tag = "operations", responses((status = 200, description = "Ready", body = crate::openapi::shapes::Status), (status = 503, description = "Not ready", body = crate::openapi::shapes::Status)))]
pub(crate) async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.tessera.ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(err) => {
            tracing::warn!(error = %err, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"})))
        }
    }
}
