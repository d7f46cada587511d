//! Signing in and out with a password, in the browser.
//!
//! The sign-in form carries a CSRF token that is also set as a short-lived cookie (a session
//! does not exist yet); signing out needs the session's own token. Sign-in always makes a new
//! session and ends the one the browser had, so a session id planted before sign-in is useless.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tessera_app::{Error as AppError, SESSION_LIFETIME};

use super::pages::render;
use crate::error::{ApiError, ApiResult};
use crate::extract::{SESSION_COOKIE, cookie, same_secret};
use crate::state::AppState;

const LOGIN_CSRF_COOKIE: &str = "tessera_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    message: String,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only paths on this server are followed after sign-in, never another site.
fn local_path(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next.to_string() } else { "/".to_string() }
}

/// `Secure` when users reach the server over HTTPS.
fn cookie_attributes(state: &AppState) -> &'static str {
    if state.config.public_url.starts_with("https://") { "; HttpOnly; SameSite=Lax; Secure" } else { "; HttpOnly; SameSite=Lax" }
}

fn set_cookie(response: &mut Response, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn login_page(state: &AppState, status: StatusCode, next: &str, email: &str, message: &str) -> ApiResult<Response> {
    let csrf = tessera_app::random_token()?;
    let page = LoginPage { csrf: csrf.clone(), next: local_path(next), email: email.to_string(), message: message.to_string() };
    let mut response = render(status, &page);
    set_cookie(&mut response, format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; Max-Age=3600{}", cookie_attributes(state)));
    Ok(response)
}

pub(crate) async fn login_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> ApiResult<Response> {
    login_page(&state, StatusCode::OK, &query.next, "", "")
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
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> ApiResult<Response> {
    if !same_secret(&form.csrf_token, cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default()) {
        return login_page(&state, StatusCode::FORBIDDEN, &form.next, &form.email, "The form had expired. Please sign in again.");
    }
    let session = match state.tessera.sign_in(&form.email, &form.password, peer.ip()).await {
        Ok(session) => session,
        Err(AppError::BadCredentials { reason }) => {
            return login_page(&state, StatusCode::UNAUTHORIZED, &form.next, &form.email, &capitalised(reason));
        }
        Err(AppError::TooManyAttempts { retry_after }) => {
            let message = format!("Too many failed attempts. Try again in {} minutes.", retry_after.div_ceil(60));
            let mut response = login_page(&state, StatusCode::TOO_MANY_REQUESTS, &form.next, &form.email, &message)?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return Ok(response);
        }
        Err(other) => return Err(other.into()),
    };
    // End the session the browser brought, if any: sign-in always starts a fresh one.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state.tessera.sign_out(old).await?;
    }
    let mut response = Redirect::to(&local_path(&form.next)).into_response();
    let attributes = cookie_attributes(&state);
    set_cookie(&mut response, format!("{SESSION_COOKIE}={}; Path=/; Max-Age={}{attributes}", session.secret, SESSION_LIFETIME.as_secs()));
    set_cookie(&mut response, format!("{LOGIN_CSRF_COOKIE}=; Path=/login; Max-Age=0{attributes}"));
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
    responses((status = 200, description = "`user`, `email` and `csrf_token`"), (status = 401, description = "No session")))]
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
