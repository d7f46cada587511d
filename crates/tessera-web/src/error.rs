//! `ApiError`: every failure an API handler can return, rendered as RFC 9457 problem+json.
//!
//! The body also carries InvenioRDM's `message` and `errors` fields, so clients written for
//! InvenioRDM read Tessera's errors unchanged. Internal causes are logged, never sent.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tessera_app::domain::Problem;
use tessera_app::{Error as AppError, TaskFailure};

/// tus's status for a piece whose checksum differs from the one sent with it.
fn checksum_mismatch() -> StatusCode {
    StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST)
}

#[derive(Debug)]
pub(crate) enum ApiError {
    App(AppError),
    /// Malformed input caught before the application layer: bad JSON, wrong content type.
    BadRequest {
        detail: String,
        problems: Vec<Problem>,
    },
    PayloadTooLarge(String),
    RangeNotSatisfiable {
        size: u64,
    },
    NotFound(String),
    /// A request with a session cookie that changes something came without the session's
    /// CSRF token.
    Csrf,
    /// A resumable-upload request without `Tus-Resumable: 1.0.0`.
    TusVersion,
    UnsupportedMediaType(String),
    /// An address that exists, asked with a method it does not take: `Allow` lists those it does.
    MethodNotAllowed {
        allow: &'static str,
    },
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError::App(err)
    }
}

impl ApiError {
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest { detail: detail.into(), problems: Vec::new() }
    }

    pub(crate) fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::BadRequest { detail: format!("{field}: {message}"), problems: vec![Problem::new(field, message)] }
    }

    /// The status, problem type and a safe detail, in one exhaustive match.
    pub(crate) fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::App(err) => match err {
                AppError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found", err.to_string()),
                AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "sign in, or send a valid API token".into()),
                AppError::BadCredentials { reason } => (StatusCode::UNAUTHORIZED, "bad-credentials", (*reason).to_string()),
                AppError::SignInRefused(message) => (StatusCode::UNAUTHORIZED, "sign-in-refused", message.clone()),
                AppError::ProviderUnavailable(message) => (StatusCode::BAD_GATEWAY, "provider-unavailable", message.clone()),
                AppError::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-attempts", err.to_string()),
                AppError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden", err.to_string()),
                AppError::Validation(_) => (StatusCode::BAD_REQUEST, "validation", "A validation error occurred.".into()),
                AppError::BadRequest(message) => (StatusCode::BAD_REQUEST, "bad-request", message.clone()),
                AppError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message.clone()),
                AppError::Gone(message) => (StatusCode::GONE, "gone", message.clone()),
                AppError::TakenDown => (StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS, "taken-down", err.to_string()),
                AppError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too-large", err.to_string()),
                AppError::PieceTooLong(message) => (StatusCode::PAYLOAD_TOO_LARGE, "piece-too-long", message.clone()),
                // tus's own status for a piece whose checksum does not match.
                AppError::ChecksumMismatch(message) => (checksum_mismatch(), "checksum-mismatch", message.clone()),
                AppError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => (
                    StatusCode::INSUFFICIENT_STORAGE,
                    "storage-full",
                    "the server's storage is full; the upload was removed and nothing else changed".into(),
                ),
                AppError::Catalog(tessera_app::CatalogError::Full(_)) => {
                    (StatusCode::INSUFFICIENT_STORAGE, "storage-full", "the server's storage is full; nothing was changed".into())
                }
                // Two requests made the same thing at once, and this one came second.
                AppError::Catalog(err @ tessera_app::CatalogError::Conflict { .. }) => (StatusCode::CONFLICT, "conflict", err.to_string()),
                AppError::Catalog(tessera_app::CatalogError::Vanished(_)) => (
                    StatusCode::CONFLICT,
                    "conflict",
                    "what this request refers to was changed or removed by another request meanwhile; read it again".into(),
                ),
                AppError::Catalog(tessera_app::CatalogError::Publishing { draft }) => (
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("draft {draft} is being published and takes no changes meanwhile; read it again once the publish ends"),
                ),
                AppError::Catalog(tessera_app::CatalogError::Unavailable(_)) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the catalogue database is unavailable; try again shortly".into())
                }
                AppError::Catalog(_)
                | AppError::Storage(_)
                | AppError::Ocfl(_)
                | AppError::Search(_)
                | AppError::Io(_)
                | AppError::Corrupt(_) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal", "an internal error occurred; it has been logged".into())
                }
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "an internal error occurred; it has been logged".into()),
            },
            ApiError::BadRequest { detail, .. } => (StatusCode::BAD_REQUEST, "bad-request", detail.clone()),
            ApiError::PayloadTooLarge(detail) => (StatusCode::PAYLOAD_TOO_LARGE, "too-large", detail.clone()),
            ApiError::RangeNotSatisfiable { size } => {
                (StatusCode::RANGE_NOT_SATISFIABLE, "range-not-satisfiable", format!("the file has {size} bytes"))
            }
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, "not-found", format!("{what} not found")),
            ApiError::Csrf => (StatusCode::FORBIDDEN, "csrf", "the request lacks this session's CSRF token (X-CSRF-Token)".into()),
            ApiError::TusVersion => (
                StatusCode::PRECONDITION_FAILED,
                "tus-version",
                format!("send Tus-Resumable: {} with each upload request", crate::api::uploads::TUS_VERSION),
            ),
            ApiError::UnsupportedMediaType(detail) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", detail.clone()),
            ApiError::MethodNotAllowed { allow } => {
                (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", format!("this address takes {allow}"))
            }
        }
    }

    pub(crate) fn problems(&self) -> &[Problem] {
        match self {
            ApiError::App(AppError::Validation(problems)) | ApiError::BadRequest { problems, .. } => problems,
            _ => &[],
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, detail) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let mut response = (status, axum::Json(ProblemBody::new(status, kind, detail, field_problems(self.problems())))).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let ApiError::RangeNotSatisfiable { size } = self
            && let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        if let ApiError::App(AppError::TooManyAttempts { retry_after }) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if let ApiError::MethodNotAllowed { allow } = self {
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let ApiError::TusVersion = self {
            response.headers_mut().insert("tus-version", HeaderValue::from_static(crate::api::uploads::TUS_VERSION));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

fn field_problems(problems: &[Problem]) -> Vec<FieldProblem> {
    problems.iter().map(|p| FieldProblem { field: p.field.clone(), messages: vec![p.message.clone()] }).collect()
}

/// How a task's failure is kept: as the request would have answered, had it waited.
pub(crate) fn task_failure(err: AppError) -> TaskFailure {
    let error = ApiError::App(err);
    let (status, kind, detail) = error.parts();
    if status.is_server_error() {
        tracing::error!(error = ?error, "task failed");
    }
    TaskFailure { status: status.as_u16(), kind: kind.into(), detail, problems: error.problems().to_vec() }
}

/// The body of every error the API answers with: RFC 9457's members, with InvenioRDM's
/// `message` and `errors` beside them. The OpenAPI document names it `Problem`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
pub(crate) struct ProblemBody {
    /// `/problems/` and the kind of problem, such as `/problems/not-found`.
    #[serde(rename = "type")]
    kind: String,
    /// The status's reason phrase.
    title: String,
    status: u16,
    detail: String,
    /// `detail` again, where InvenioRDM's clients read it.
    message: String,
    /// Each field of the input that is wrong, when the input was checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldProblem>,
}

impl ProblemBody {
    fn new(status: StatusCode, kind: &str, detail: String, errors: Vec<FieldProblem>) -> Self {
        ProblemBody {
            kind: format!("/problems/{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            message: detail.clone(),
            detail,
            errors,
        }
    }
}

/// The answer a request that failed as a task would have had.
pub(crate) fn failure_response(failure: &TaskFailure) -> Response {
    let body = ProblemBody::from(failure);
    let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl From<&TaskFailure> for ProblemBody {
    fn from(failure: &TaskFailure) -> Self {
        let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ProblemBody::new(status, &failure.kind, failure.detail.clone(), field_problems(&failure.problems))
    }
}

/// The media type of every error the API answers with.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// Gives every error the shape its reader expects: a problem under `/api/` and for clients,
/// a page in the reader's language for a browser. The refusals axum makes itself (a path that
/// is not UTF-8, a method not routed, a query or multipart body it cannot read) come as plain
/// text, and are rewritten here with their status and headers, their text as the detail.
pub(crate) async fn explained_errors(request: Request, next: Next) -> Response {
    let page = crate::ui::ErrorPageFor::of(&request);
    let response = next.run(request).await;
    let status = response.status();
    let kind = response.headers().get(header::CONTENT_TYPE).and_then(|kind| kind.to_str().ok()).unwrap_or_default();
    let plain = kind.is_empty() || kind.starts_with("text/plain");
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Such answers are a line of text; one longer than this is replaced by the reason phrase.
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let reason = status.canonical_reason().unwrap_or("Error");
    let detail = match String::from_utf8_lossy(&text).trim() {
        "" => reason.to_lowercase(),
        text => text.to_string(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let answer = match page {
        Some(page) => page.render(status, detail),
        None => {
            let body = ProblemBody::new(status, &reason.to_ascii_lowercase().replace(' ', "-"), detail, Vec::new());
            ([(header::CONTENT_TYPE, PROBLEM_JSON)], serde_json::to_vec(&body).unwrap_or_default()).into_response()
        }
    };
    let (answer, body) = answer.into_parts();
    parts.headers.extend(answer.headers);
    Response::from_parts(parts, body)
}

/// A field of the input (a dotted path into the JSON sent) and what is wrong with it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FieldProblem {
    field: String,
    messages: Vec<String>,
}
