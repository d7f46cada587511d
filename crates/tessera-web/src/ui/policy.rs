//! A policy's public page: the text in force and the change log of every version.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::pages::{HtmlError, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    title: String,
    kind: &'static str,
    organization: String,
    in_force: i64,
    text: String,
    terms: String,
    /// Version, effective date, what changed; newest first.
    versions: Vec<(i64, String, String)>,
}

pub(crate) async fn policy_page(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let policy = state.tessera.policy(&id).await?;
    let current = policy.current();
    let terms = [
        current.terms.field_of_use.as_ref().map(|f| format!("field of use: {f}")),
        current.terms.duration_days.map(|d| format!("for {d} days from access")),
    ];
    let page = PolicyPage {
        title: current.title.clone(),
        kind: if current.kind == tessera_app::domain::policy::PolicyKind::Agreement { "Data use agreement" } else { "Licence" },
        organization: current.organization.as_ref().map(ToString::to_string).unwrap_or_default(),
        in_force: policy.in_force,
        text: current.text.clone(),
        terms: terms.into_iter().flatten().collect::<Vec<_>>().join("; "),
        versions: policy.versions.iter().rev().map(|v| (v.version, v.effective.clone(), v.changes.clone())).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
