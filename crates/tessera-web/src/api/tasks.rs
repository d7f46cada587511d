//! Tasks: a publish or an unpack sent with `Prefer: respond-async` (RFC 7240) is answered at
//! once with 202, `Location` naming the task, and goes on in the background; the task says
//! how it went, with the answer the request would have had.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tessera_app::domain::authz::Subject;
use tessera_app::{TaskKind, TaskStatus, TaskView, Unpacked};

use crate::error::{ApiResult, ProblemBody};
use crate::extract::Caller;
use crate::state::AppState;
use crate::wire::record_json;

/// How long a client is asked to wait before it reads a running task again, in seconds.
const POLL_AFTER: u32 = 1;

/// Whether the request prefers to be answered before its work is done: `Prefer` names
/// `respond-async` among its preferences, in any of its headers.
pub(crate) fn respond_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|preference| preference.split([';', '=']).next().is_some_and(|name| name.trim().eq_ignore_ascii_case("respond-async")))
}

/// 202 for a task just started: its address in `Location`, and the task as it stands.
pub(crate) fn accepted(state: &AppState, task: &TaskView) -> Response {
    let mut response = (StatusCode::ACCEPTED, Json(running_json(state, task))).into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&state.link(&task_path(task))) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert("preference-applied", HeaderValue::from_static("respond-async"));
    headers.insert(header::RETRY_AFTER, HeaderValue::from(POLL_AFTER));
    response
}

/// Read a task: `running`, `done` with `result` (what the request would have answered), or
/// `failed` with `error` (the problem it would have answered with). Only its asker reads it;
/// it is kept for a week after it ends.
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "tasks", params(("id" = String, Path, description = "Task id")),
    responses((status = 200, description = "The task", body = crate::openapi::shapes::Task), (status = 404, description = "No such task of the caller's")))]
pub(crate) async fn read_task(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let task = state.tessera.task(&subject, &id).await?;
    let body = task_json(&state, &subject, &task).await?;
    let mut response = Json(body).into_response();
    if task.status == TaskStatus::Running {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(POLL_AFTER));
    }
    Ok(response)
}

fn task_path(task: &TaskView) -> String {
    format!("/api/tasks/{}", task.id)
}

/// The task with what it has come to: a published record as it now reads, an unpack's counts,
/// or the problem.
async fn task_json(state: &AppState, subject: &Subject, task: &TaskView) -> ApiResult<Value> {
    let mut body = running_json(state, task);
    let id = task.record;
    let result = match (task.status, task.kind, &task.unpacked) {
        (TaskStatus::Done, TaskKind::Publish, _) => {
            body["links"]["record"] = json!(state.link(&format!("/api/records/{id}")));
            record_json(state, &state.tessera.record(subject, id).await?)
        }
        (TaskStatus::Done, TaskKind::Unpack, Some(unpacked)) => unpacked_json(state, id, unpacked),
        _ => Value::Null,
    };
    body["result"] = result;
    if let Some(failure) = &task.failure {
        body["error"] = json!(ProblemBody::from(failure));
    }
    Ok(body)
}

fn running_json(state: &AppState, task: &TaskView) -> Value {
    json!({
        "id": task.id,
        "kind": task.kind.as_str(),
        "status": task.status.as_str(),
        "created": task.created,
        "updated": task.updated,
        "result": null,
        "error": null,
        "links": {
            "self": state.link(&task_path(task)),
            "draft": state.link(&format!("/api/records/{}/draft", task.record)),
        },
    })
}

/// What an unpack answers, waited for or read from its task.
pub(crate) fn unpacked_json(state: &AppState, id: tessera_app::domain::RecordId, unpacked: &Unpacked) -> Value {
    json!({
        "files": unpacked.files,
        "bytes": unpacked.bytes,
        "archive_kept": unpacked.archive_kept,
        "links": {"files": state.link(&format!("/api/records/{id}/draft/files"))},
    })
}
