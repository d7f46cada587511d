//! Server-rendered pages, in English and Welsh. The templates are checked at compile time;
//! every page works without scripts, which only add copy buttons and upload progress.

mod access;
mod account;
mod audit;
mod charts;
mod deposit;
mod details;
mod i18n;
mod organizations;
mod pages;
mod policy;
mod problems;
mod report;
mod search;
pub(crate) mod session;

pub(crate) use access::{accept, decide, my_access, request_form, revoke, send_request, steward_queue};
pub(crate) use account::{account, create_token, revoke_token};
pub(crate) use audit::{dataset_audit, organization_audit, own_activity};
use axum::extract::{Path, Query, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
pub(crate) use deposit::{
    add_files, change_form, create_upload, my_uploads, new_upload_form, open_change, remove_file, save_upload, upload_form,
};
pub(crate) use organizations::{change, organization, organizations};
pub(crate) use pages::{ErrorPageFor, landing_page, localized_errors, no_such_address};
pub(crate) use policy::policy_page;
pub(crate) use report::report_form;
pub(crate) use search::{home_page, search_page};
pub(crate) use session::{current_session, login, login_form, logout, sso_callback, sso_login};

use crate::state::AppState;

/// A page's own address, for the language switch and sign-in to come back to.
pub(super) fn here(uri: &Uri) -> String {
    uri.path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string())
}

/// The first value of a form's field.
pub(super) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The confirmation a redirect asked for with `?done=`, in the reader's words: `notices` pairs
/// each value with its message.
pub(super) fn notice(t: &i18n::Tr, query: &[(String, String)], notices: &[(&str, &str)]) -> String {
    let done = field(query, "done");
    notices.iter().find(|(value, _)| Some(*value) == done).map(|(_, id)| t.t(id)).unwrap_or_default()
}

/// The pages' style sheet, a file of its own so the content security policy needs no inline
/// styles; built into the binary.
pub(crate) async fn style_sheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/tessera.css"),
    )
}

/// The pages' one script: copy buttons. Nothing depends on it.
pub(crate) async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/tessera.js"),
    )
}

/// The language switch: remembers the choice for a year and goes back to the page.
pub(crate) async fn switch_language(
    State(state): State<AppState>,
    Path(tag): Path<String>,
    Query(query): Query<session::NextQuery>,
) -> Response {
    let next = session::local_path(&query.next);
    let mut response = Redirect::to(&next).into_response();
    if let Some(lang) = i18n::Language::from_tag(&tag) {
        let attributes = session::cookie_attributes(&state);
        session::set_cookie(&mut response, format!("{}={}; Path=/; Max-Age=31536000{attributes}", i18n::LANG_COOKIE, lang.tag()));
    }
    response
}
