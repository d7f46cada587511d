//! The landing page's "report a problem" form.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tessera_app::Error as AppError;
use tessera_app::domain::RecordId;
use tessera_app::domain::authz::Subject;

use super::i18n::Lang;
use super::pages::{ErrorPage, HtmlError, render};
use crate::api::incidents::ReportBody;
use crate::error::ApiError;
use crate::state::AppState;

/// Files the report as from someone without an account, whoever's browser sends it: a form
/// any site could post carries no one's authority, so it needs no CSRF token.
pub(crate) async fn report_form(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Form(form): Form<ReportBody>,
) -> Result<Response, HtmlError> {
    let id: RecordId = id.parse().map_err(|()| ApiError::NotFound("record".into()))?;
    let t = lang.tr();
    let here = format!("/records/{id}");
    match state.tessera.report_problem(&Subject::anonymous(), id, form.into()).await {
        Ok(report) => {
            let mut detail = t.nv("report-sent", report.id, id);
            if report.reporter_email.is_some() {
                detail = format!("{detail} {}", t.t("report-sent-email"));
            }
            Ok(render(StatusCode::CREATED, &ErrorPage { heading: t.t("report-thanks"), detail, reason: String::new(), t, here }))
        }
        Err(AppError::Validation(problems)) => {
            let detail = problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join(". ");
            Ok(render(StatusCode::BAD_REQUEST, &ErrorPage { heading: t.t("report-not-sent"), detail, reason: String::new(), t, here }))
        }
        Err(err) => Err(err.into()),
    }
}
