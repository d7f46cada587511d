//! The signed-in person's account: who they are, signing out, and their API tokens for the
//! CLI and scripts. A new token's secret is shown once, on the page that made it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use tessera_app::domain::authz::{Scope, Scopes};
use tessera_app::{Error as AppError, TokenRequest};

use super::i18n::{Lang, Tr};
use super::pages::{HtmlError, render};
use super::session::SignedIn;
use super::{field, here, notice};
use crate::error::ApiError;
use crate::state::AppState;

struct TokenLine {
    id: String,
    name: String,
    scopes: String,
    created: String,
    expires: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    here: String,
    csrf: String,
    email: String,
    tokens: Vec<TokenLine>,
    /// The secret of the token just made, shown this once.
    secret: Option<String>,
    notice: String,
    errors: Vec<(String, String)>,
    scopes: Vec<(&'static str, bool)>,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, message)| message.clone())
    }
}

async fn account_page(state: &AppState, user: &SignedIn, lang: Lang, uri: &Uri) -> Result<AccountPage, HtmlError> {
    let tokens = state.tessera.tokens(&user.subject).await?;
    let today = time::OffsetDateTime::now_utc().date().to_string();
    Ok(AccountPage {
        t: lang.tr(),
        here: here(uri),
        csrf: user.csrf.clone(),
        email: user.email.clone(),
        tokens: tokens
            .into_iter()
            .map(|token| TokenLine {
                id: token.id.to_string(),
                active: token.revoked.is_none() && token.expires.as_deref().is_none_or(|e| e.get(..10).unwrap_or(e) >= today.as_str()),
                name: token.name,
                scopes: token.scopes.to_text(),
                created: token.created.get(..10).unwrap_or(&token.created).to_string(),
                expires: token.expires.map(|e| e.get(..10).unwrap_or(&e).to_string()).unwrap_or_default(),
            })
            .collect(),
        secret: None,
        notice: String::new(),
        errors: Vec::new(),
        // The scopes a new token may have are the session's own; read and deposit are ticked.
        scopes: Scope::ALL
            .into_iter()
            .filter(|scope| user.subject.scopes.contains(*scope))
            .map(|scope| (scope.as_str(), Scopes::DEFAULT_TOKEN.contains(scope)))
            .collect(),
    })
}

pub(crate) async fn account(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let mut page = account_page(&state, &user, lang, &uri).await?;
    page.notice = notice(&page.t, &query, &[("revoked", "token-revoked")]);
    Ok(render(StatusCode::OK, &page))
}

pub(crate) async fn create_token(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let chosen: Vec<&str> = fields.iter().filter(|(name, _)| name == "scope").map(|(_, value)| value.as_str()).collect();
    let scopes = Scopes::parse(&chosen.join(" ")).map_err(|message| ApiError::invalid_field("scope", message))?;
    let expires = field(&fields, "expires").map(str::trim).filter(|e| !e.is_empty()).map(str::to_string);
    let request = TokenRequest { name: field(&fields, "name").unwrap_or_default().trim().to_string(), scopes: Some(scopes), expires };
    let made = state.tessera.create_token(&user.subject, request).await;
    let mut page = account_page(&state, &user, lang, &uri).await?;
    match made {
        Ok(token) => {
            page.secret = Some(token.secret);
            Ok(render(StatusCode::CREATED, &page))
        }
        Err(AppError::Validation(problems)) => {
            page.errors = problems.into_iter().map(|p| (p.field, p.message)).collect();
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(err) => Err(err.into()),
    }
}

pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let id = id.parse().map_err(|_| ApiError::NotFound(format!("token {id}")))?;
    state.tessera.revoke_token(&user.subject, id).await?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}
