//! Extractors whose failures are `ApiError`s, so malformed input gets the same problem+json
//! as everything else: the caller's identity, JSON bodies and record ids.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;
use tessera_app::domain::{Problem, RecordId, Subject};
use utoipa::PartialSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Who is calling: from `Authorization: Bearer TOKEN` or the `access_token` query parameter
/// (both are what InvenioRDM and Zenodo clients send), else from the session cookie. A
/// credential that is sent but not valid is refused rather than treated as anonymous, so a
/// client learns it is wrong. A request that changes something on the strength of a cookie
/// must carry the session's CSRF token in `X-CSRF-Token`.
pub(crate) struct Caller(pub(crate) Subject);

/// The cookie holding a browser session's secret.
pub(crate) const SESSION_COOKIE: &str = "tessera_session";

/// The value of cookie `name`, if the request has it.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri).map(|q| q.0).unwrap_or_default();
        let mut subject = person(parts, state, &query).await?;
        // A secret link (`?token=`, as InvenioRDM's share links) adds to whoever is calling.
        if let Some(secret) = query.get("token") {
            subject.link = Some(state.tessera.authenticate_link(secret).await?);
        }
        Ok(Caller(subject))
    }
}

/// The person calling, from a token or a session cookie, or anonymous.
async fn person(parts: &Parts, state: &AppState, query: &HashMap<String, String>) -> Result<Subject, ApiError> {
    let header_token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string());
    if let Some(token) = header_token.or_else(|| query.get("access_token").cloned()) {
        return Ok(state.tessera.authenticate_token(&token).await?);
    }
    let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(Subject::anonymous()) };
    let session = state.tessera.authenticate_session(secret).await?;
    if !parts.method.is_safe() {
        let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !tessera_app::same_secret(sent, &session.csrf) {
            return Err(ApiError::Csrf);
        }
    }
    Ok(session.subject)
}

/// A JSON body, with every way it can be wrong reported as a clear 400 (or 413 when too large);
/// a body of the wrong shape names each member that is wrong, as validation does.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + PartialSchema> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::bad_request("expected a JSON body with Content-Type: application/json"));
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("the JSON body is larger than the configured limit".into())
            } else {
                ApiError::bad_request(rejection.body_text())
            }
        })?;
        // Read as a tree first, whose every wrong member can be named, and whose lists given
        // for objects can be found (`typed`): bodies are small, as the JSON limit keeps them.
        match serde_json::from_slice(&body) {
            Ok(tree) => typed("", tree).map(ApiJson),
            Err(err) => Err(ApiError::bad_request(format!("the body is not valid JSON: {err}"))),
        }
    }
}

/// `application/json`, or a `+json` type such as `application/merge-patch+json`.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads `tree` as a `T`, or refuses it with one problem for each member of its top level
/// that is wrong (the first wrong thing within each), named by its full path under `prefix`:
/// `metadata.creators.0.person_or_org.family_name`.
pub(crate) fn typed<T: DeserializeOwned + PartialSchema>(prefix: &str, tree: Value) -> ApiResult<T> {
    typed_or_problems(prefix, tree).map_err(shape_error)
}

/// `typed`, with the problems as they are, for a caller that reads several parts of a body
/// and reports what is wrong with all of them together.
pub(crate) fn typed_or_problems<T: DeserializeOwned + PartialSchema>(prefix: &str, mut tree: Value) -> Result<T, Vec<Problem>> {
    let schema = serde_json::to_value(T::schema()).unwrap_or_default();
    let mut problems = Vec::new();
    lists_for_objects(&schema, &tree, &mut prefix.split('.').filter(|s| !s.is_empty()).map(String::from).collect(), &mut problems);
    loop {
        let err = match serde_path_to_error::deserialize::<_, T>(&tree) {
            Ok(value) if problems.is_empty() => return Ok(value),
            Ok(_) => return Err(problems),
            Err(err) => err,
        };
        let path: Vec<String> = err
            .path()
            .iter()
            .filter_map(|segment| match segment {
                Segment::Seq { index } => Some(index.to_string()),
                Segment::Map { key } => Some(key.clone()),
                Segment::Enum { .. } | Segment::Unknown => None,
            })
            .collect();
        let field = std::iter::once(prefix).chain(path.iter().map(String::as_str)).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(".");
        problems.push(Problem::new(field, err.inner().to_string()));
        // Set the wrong member aside and read again, until what is left reads or nothing can be.
        let set_aside = match (&mut tree, path.first()) {
            (Value::Object(members), Some(first)) => members.shift_remove(first).is_some(),
            _ => false,
        };
        if !set_aside {
            return Err(problems);
        }
    }
}

/// Finds where `tree` gives a list where `schema` describes an object. serde reads a struct
/// from the list of its fields in order, a form the API neither documents nor takes: such a
/// list is refused, by its path, rather than read by position.
fn lists_for_objects(schema: &Value, tree: &Value, path: &mut Vec<String>, problems: &mut Vec<Problem>) {
    let schema = match schema["$ref"].as_str().and_then(|name| name.strip_prefix("#/components/schemas/")) {
        Some(name) => &crate::openapi::schemas()[name],
        None => schema,
    };
    // An optional value is a choice of null or the value itself; a choice of more is left be.
    if let Some(choices) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        if let [only] = &choices.iter().filter(|choice| choice["type"] != "null").collect::<Vec<_>>()[..] {
            lists_for_objects(only, tree, path, problems);
        }
        return;
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        lists_for_objects(part, tree, path, problems);
    }
    let is_object = schema["type"] == "object" || schema["type"].as_array().is_some_and(|types| types.contains(&"object".into()));
    match tree {
        Value::Array(_) if is_object && !schema["type"].as_array().is_some_and(|types| types.contains(&"array".into())) => {
            problems.push(Problem::new(path.join("."), "must be an object, not a list"));
        }
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                path.push(n.to_string());
                lists_for_objects(&schema["items"], item, path, problems);
                path.pop();
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let described =
                    schema["properties"].get(name).or(schema["additionalProperties"].as_object().map(|_| &schema["additionalProperties"]));
                if let Some(described) = described {
                    path.push(name.clone());
                    lists_for_objects(described, member, path, problems);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// A 400 listing `problems`, the first of them in its detail.
pub(crate) fn shape_error(mut problems: Vec<Problem>) -> ApiError {
    let detail = match &problems[..] {
        [only] => format!("{}: {}", only.field, only.message),
        [first, rest @ ..] => {
            let more = if rest.len() == 1 { "1 more problem".to_string() } else { format!("{} more problems", rest.len()) };
            format!("{}: {} (and {more}, listed under errors)", first.field, first.message)
        }
        [] => "the JSON does not have the expected shape".to_string(),
    };
    // A problem with the whole body has no field to name; the detail says it.
    problems.retain(|problem| !problem.field.is_empty());
    ApiError::BadRequest { detail, problems }
}

/// A record id from the path; anything but a positive integer names no record.
pub(crate) fn record_id(raw: &str) -> ApiResult<RecordId> {
    raw.parse().map_err(|()| ApiError::NotFound(format!("record '{raw}'")))
}

/// A positive number naming `what` in a path (a request, a report, a hold); anything else
/// names nothing there.
pub(crate) fn number_id(raw: &str, what: &str) -> ApiResult<i64> {
    raw.parse().ok().filter(|id| *id > 0).ok_or_else(|| ApiError::NotFound(format!("{what} {raw}")))
}

/// An organization's slug in a path.
pub(crate) fn org_id(raw: &str) -> ApiResult<tessera_app::domain::OrgId> {
    tessera_app::domain::OrgId::parse(raw).map_err(|_| ApiError::NotFound(format!("organization {raw}")))
}
