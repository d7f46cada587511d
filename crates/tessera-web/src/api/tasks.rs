//! Tasks: a publish or an unpack sent with `Prefer: respond-async` (RFC 7240) is answered at
//! once with 202, `Location` naming the task, and goes on in the background; the task says
//! how it went, with the answer the request would have had. With `wait=N` beside it, the
//! request waits up to N seconds first, and a task that ends by then is answered as the
//! request would have been; reading a task with `Prefer: wait=N` waits for it to end.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tessera_app::domain::authz::Subject;
use tessera_app::{Error as AppError, TaskKind, TaskStatus, TaskView, Unpacked};

use crate::error::{ApiResult, ProblemBody, failure_response};
use crate::extract::Caller;
use crate::state::AppState;
use crate::wire::record_json;

/// How long a client is asked to wait before it reads a running task again, in seconds.
const POLL_AFTER: u32 = 1;

/// What a request's `Prefer` headers ask of a long request.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Preferences {
    /// `respond-async`: answer before the work is done.
    pub(crate) respond_async: bool,
    /// `wait=SECONDS`: how long the client will wait for the answer.
    pub(crate) wait: Option<Duration>,
}

impl Preferences {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let mut preferences = Preferences::default();
        let values = headers.get_all("prefer").into_iter().filter_map(|value| value.to_str().ok());
        for preference in values.flat_map(|value| value.split(',')) {
            // A preference's parameters, after `;`, say nothing these two need.
            let preference = preference.split(';').next().unwrap_or_default();
            let (name, value) = preference.split_once('=').unwrap_or((preference, ""));
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "respond-async" => preferences.respond_async = true,
                "wait" => preferences.wait = value.parse().ok().map(Duration::from_secs),
                _ => {}
            }
        }
        preferences
    }
}

/// The answer to a long request started as `task`: as the request would have answered if the
/// task ends within the wait preferred, else 202 with the task.
pub(crate) async fn answer(state: &AppState, subject: &Subject, task: TaskView, wait: Option<Duration>) -> ApiResult<Response> {
    let task = match wait {
        Some(wait) => state.tessera.await_task(subject, &task.id, wait).await?,
        None => task,
    };
    if let Some(failure) = &task.failure {
        return Ok(failure_response(failure));
    }
    if task.status == TaskStatus::Running {
        return Ok(accepted(state, &task));
    }
    let status = if task.kind == TaskKind::Publish { StatusCode::ACCEPTED } else { StatusCode::OK };
    let mut body = task_json(state, subject, &task).await?;
    Ok((status, Json(body["result"].take())).into_response())
}

/// 202 for a task still running: its address in `Location`, and the task as it stands.
fn accepted(state: &AppState, task: &TaskView) -> Response {
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
/// `failed` with `error` (the problem it would have answered with). With `Prefer: wait=N`,
/// a running task is answered when it ends, or after N seconds (at most 60). Only its asker
/// reads it; it is kept for a week after it ends.
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "tasks", params(("id" = String, Path, description = "Task id"), crate::openapi::shapes::PreferAsync),
    responses((status = 200, description = "The task", body = crate::openapi::shapes::Task), (status = 404, description = "No such task of the caller's")))]
pub(crate) async fn read_task(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let task = match Preferences::of(&headers).wait {
        Some(wait) => state.tessera.await_task(&subject, &id, wait).await?,
        None => state.tessera.task(&subject, &id).await?,
    };
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
            // A record deleted since, or taken down, leaves the task readable without it.
            match state.tessera.record(subject, id).await {
                Ok(record) => record_json(state, &record),
                Err(AppError::NotFound { .. } | AppError::Gone(_) | AppError::TakenDown) => Value::Null,
                Err(err) => return Err(err.into()),
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[&str]) -> Preferences {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("prefer", HeaderValue::from_str(value).unwrap());
        }
        Preferences::of(&headers)
    }

    #[test]
    fn preferences_are_read_from_every_prefer_header() {
        let waits = |seconds| Some(Duration::from_secs(seconds));
        assert_eq!(of(&[]), Preferences::default());
        assert_eq!(of(&["respond-async"]), Preferences { respond_async: true, wait: None });
        assert_eq!(of(&["Respond-Async; foo=bar, wait=10"]), Preferences { respond_async: true, wait: waits(10) });
        assert_eq!(of(&["return=minimal", "wait=\"5\", respond-async"]), Preferences { respond_async: true, wait: waits(5) });
        assert_eq!(of(&["wait=soon", "respond-asyncly"]), Preferences::default(), "neither is a preference of these");
    }
}
