//! Server-rendered pages: a record's landing page and the search page. The templates are
//! checked at compile time; the full, bilingual interface grows from these.

mod pages;
mod policy;
mod report;
pub(crate) mod session;

use axum::http::header;
use axum::response::IntoResponse;
pub(crate) use pages::{landing_page, search_page};
pub(crate) use policy::policy_page;
pub(crate) use report::report_form;
pub(crate) use session::{current_session, login, login_form, logout, sso_callback, sso_login};

/// The pages' style sheet, a file of its own so the content security policy needs no inline
/// styles; built into the binary.
pub(crate) async fn style_sheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/tessera.css"),
    )
}
