//! A policy's public page: the text in force and the change log of every version.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use super::i18n::{Lang, Tr};
use super::pages::{HtmlError, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    t: Tr,
    here: String,
    title: String,
    kind: String,
    organization: String,
    in_force: i64,
    text: String,
    terms: String,
    /// Version, effective date, what changed; newest first.
    versions: Vec<(i64, String, String)>,
}

pub(crate) async fn policy_page(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let policy = state.tessera.policy(&id).await?;
    let current = policy.current();
    let terms = [
        current.terms.field_of_use.as_ref().map(|f| t.v("policy-field-of-use", f)),
        current.terms.duration_days.map(|d| t.n("policy-duration", i64::from(d))),
    ];
    let agreement = current.kind == tessera_app::domain::policy::PolicyKind::Agreement;
    let page = PolicyPage {
        here: super::here(&uri),
        title: current.title.clone(),
        kind: t.t(if agreement { "policy-kind-agreement" } else { "policy-kind-licence" }),
        organization: current.organization.as_ref().map(ToString::to_string).unwrap_or_default(),
        in_force: policy.in_force,
        text: current.text.clone(),
        terms: terms.into_iter().flatten().collect::<Vec<_>>().join("; "),
        versions: policy.versions.iter().rev().map(|v| (v.version, v.effective.clone(), v.changes.clone())).collect(),
        t,
    };
    Ok(render(StatusCode::OK, &page))
}
