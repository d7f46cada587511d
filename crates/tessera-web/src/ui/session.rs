//! Signing in and out with a password, in the browser.
//!
//! The sign-in form carries a CSRF token that is also set as a short-lived cookie (a session
//! does not exist yet); signing out needs the session's own token. Sign-in always makes a new
//! session and ends the one the browser had, so a session id planted before sign-in is useless.
//! Pages that need someone signed in take a `SignedIn`, and check the token of every form.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, RequestPartsExt};
use serde::Deserialize;
use serde_json::json;
use tessera_app::domain::authz::Subject;
use tessera_app::{Error as AppError, NewSession, PendingSignIn, SESSION_LIFETIME, SsoCallback, same_secret};

use super::here;
use super::i18n::{Lang, Tr};
use super::pages::{HtmlError, render};
use crate::error::{ApiError, ApiResult};
use crate::extract::{SESSION_COOKIE, cookie};
use crate::state::AppState;
use crate::wire::escape_segment;

const LOGIN_CSRF_COOKIE: &str = "tessera_login_csrf";

/// Someone signed in with a browser session. Pages that need one send everyone else to sign in
/// and come back.
pub(crate) struct SignedIn {
    pub(super) subject: Subject,
    pub(super) csrf: String,
    pub(super) email: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let uri: Uri = parts.extract().await.map_err(IntoResponse::into_response)?;
        let to_sign_in = || Redirect::to(&format!("/login?next={}", escape_segment(&here(&uri)))).into_response();
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(to_sign_in()) };
        match state.tessera.authenticate_session(secret).await {
            Ok(session) => Ok(SignedIn { subject: session.subject, csrf: session.csrf, email: session.email }),
            Err(AppError::BadCredentials { .. }) => Err(to_sign_in()),
            Err(err) => Err(HtmlError::from(err).into_response()),
        }
    }
}

impl SignedIn {
    /// A form's token must be the session's, so another site cannot post in its name.
    pub(super) fn check(&self, sent: Option<&str>) -> Result<(), HtmlError> {
        if same_secret(sent.unwrap_or_default(), &self.csrf) { Ok(()) } else { Err(ApiError::Csrf.into()) }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    here: String,
    csrf: String,
    next: String,
    email: String,
    message: String,
    /// Single sign-on: each provider's id and name.
    providers: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    #[serde(default)]
    pub(crate) next: String,
}

/// Only paths on this server are followed after sign-in, never another site.
pub(crate) fn local_path(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next.to_string() } else { "/".to_string() }
}

/// `Secure` when users reach the server over HTTPS.
pub(super) fn cookie_attributes(state: &AppState) -> &'static str {
    if state.config.public_url.starts_with("https://") { "; HttpOnly; SameSite=Lax; Secure" } else { "; HttpOnly; SameSite=Lax" }
}

pub(super) fn set_cookie(response: &mut Response, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn login_page(state: &AppState, lang: Lang, status: StatusCode, next: &str, email: &str, message: &str) -> ApiResult<Response> {
    let csrf = tessera_app::random_token()?;
    let page = LoginPage {
        t: lang.tr(),
        here: format!("/login?next={}", crate::wire::escape_segment(&local_path(next))),
        csrf: csrf.clone(),
        next: local_path(next),
        email: email.to_string(),
        message: message.to_string(),
        providers: state.tessera.sso_providers(),
    };
    let mut response = render(status, &page);
    set_cookie(&mut response, format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; Max-Age=3600{}", cookie_attributes(state)));
    Ok(response)
}

pub(crate) async fn login_form(State(state): State<AppState>, lang: Lang, Query(query): Query<NextQuery>) -> ApiResult<Response> {
    login_page(&state, lang, StatusCode::OK, &query.next, "", "")
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> ApiResult<Response> {
    let t = lang.tr();
    if !same_secret(&form.csrf_token, cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default()) {
        return login_page(&state, lang, StatusCode::FORBIDDEN, &form.next, &form.email, &t.t("login-expired"));
    }
    let session = match state.tessera.sign_in(&form.email, &form.password, peer.ip()).await {
        Ok(session) => session,
        Err(AppError::BadCredentials { .. }) => {
            return login_page(&state, lang, StatusCode::UNAUTHORIZED, &form.next, &form.email, &t.t("login-wrong"));
        }
        Err(AppError::TooManyAttempts { retry_after }) => {
            let message = t.n("login-too-many", retry_after.div_ceil(60) as i64);
            let mut response = login_page(&state, lang, StatusCode::TOO_MANY_REQUESTS, &form.next, &form.email, &message)?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return Ok(response);
        }
        Err(other) => return Err(other.into()),
    };
    let mut response = signed_in(&state, &headers, &session, &form.next).await?;
    set_cookie(&mut response, format!("{LOGIN_CSRF_COOKIE}=; Path=/login; Max-Age=0{}", cookie_attributes(&state)));
    Ok(response)
}

/// Sends a browser that has just signed in on to `next`, with its new session. The session it
/// brought, if any, ends: sign-in always starts a fresh one.
async fn signed_in(state: &AppState, headers: &HeaderMap, session: &NewSession, next: &str) -> ApiResult<Response> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state.tessera.sign_out(old).await?;
    }
    let mut response = Redirect::to(&local_path(next)).into_response();
    let attributes = cookie_attributes(state);
    set_cookie(&mut response, format!("{SESSION_COOKIE}={}; Path=/; Max-Age={}{attributes}", session.secret, SESSION_LIFETIME.as_secs()));
    Ok(response)
}

/// Where the provider sends the browser back to; the pending sign-in cookie lives only there.
const SSO_COOKIE: &str = "tessera_sso";
const CALLBACK_PATH: &str = "/auth/callback";

/// Leaves for an OpenID provider's sign-in page, remembering in a cookie what must come back.
pub(crate) async fn sso_login(
    State(state): State<AppState>,
    lang: Lang,
    Path(provider): Path<String>,
    Query(query): Query<NextQuery>,
) -> ApiResult<Response> {
    let (url, pending) = match state.tessera.sso_begin(&provider, &local_path(&query.next)).await {
        Ok(started) => started,
        Err(err @ AppError::ProviderUnavailable(_)) => {
            let message = lang.tr().v("login-provider-unavailable", capitalised(&err.to_string()));
            return login_page(&state, lang, StatusCode::BAD_GATEWAY, &query.next, "", &message);
        }
        Err(other) => return Err(other.into()),
    };
    let mut response = Redirect::to(&url).into_response();
    set_cookie(&mut response, format!("{SSO_COOKIE}={}; Path={CALLBACK_PATH}; Max-Age=900{}", pending.encode(), cookie_attributes(&state)));
    Ok(response)
}

/// The provider's answer: a session when it holds, the sign-in page with the reason when not.
pub(crate) async fn sso_callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    headers: HeaderMap,
    Query(callback): Query<SsoCallback>,
) -> ApiResult<Response> {
    let t = lang.tr();
    let Some(pending) = cookie(&headers, SSO_COOKIE).and_then(PendingSignIn::decode) else {
        tracing::warn!(target: "audit", address = %peer.ip(), "single sign-on answer without a sign-in in progress");
        return login_page(&state, lang, StatusCode::BAD_REQUEST, "/", "", &t.t("login-sso-not-started"));
    };
    let mut response = match state.tessera.sso_finish(&pending, &callback, peer.ip()).await {
        Ok(session) => signed_in(&state, &headers, &session, &pending.next).await?,
        Err(err @ (AppError::SignInRefused(_) | AppError::ProviderUnavailable(_))) => {
            let status = if matches!(err, AppError::SignInRefused(_)) { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_GATEWAY };
            let message = match err {
                AppError::SignInRefused(_) => t.v("login-sso-refused", capitalised(&err.to_string())),
                _ => t.v("login-provider-unavailable", capitalised(&err.to_string())),
            };
            login_page(&state, lang, status, &pending.next, "", &message)?
        }
        Err(other) => return Err(other.into()),
    };
    // The pending sign-in is used up either way.
    set_cookie(&mut response, format!("{SSO_COOKIE}=; Path={CALLBACK_PATH}; Max-Age=0{}", cookie_attributes(&state)));
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

pub(crate) async fn logout(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<LogoutForm>) -> ApiResult<Response> {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        let session = state.tessera.authenticate_session(secret).await?;
        if !same_secret(&form.csrf_token, &session.csrf) {
            return Err(ApiError::Csrf);
        }
        state.tessera.sign_out(secret).await?;
    }
    let mut response = Redirect::to("/").into_response();
    set_cookie(&mut response, format!("{SESSION_COOKIE}=; Path=/; Max-Age=0{}", cookie_attributes(&state)));
    Ok(response)
}

/// The signed-in person and the CSRF token scripts send back with changes.
#[utoipa::path(get, path = "/api/user/session", tag = "identity",
    responses((status = 200, description = "`user`, `email` and `csrf_token`", body = crate::openapi::shapes::Session), (status = 401, description = "No session")))]
pub(crate) async fn current_session(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let secret = cookie(&headers, SESSION_COOKIE).ok_or(ApiError::App(AppError::Unauthenticated))?;
    let session = state.tessera.authenticate_session(secret).await?;
    let user = session.subject.user.map(|u| u.to_string());
    Ok(axum::Json(json!({"user": user, "email": session.email, "csrf_token": session.csrf})).into_response())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>() + ".").unwrap_or_default()
}
