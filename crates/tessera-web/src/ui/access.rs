//! Access to restricted data in the browser: a researcher asks a record's stewards, saying why;
//! a steward approves with conditions or refuses with a reason; the researcher accepts the
//! conditions and holds a grant until it expires.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use tessera_app::domain::RecordId;
use tessera_app::{AccessRequestInput, AccessRequestRow, Approval, Error as AppError, StewardedGrant};

use super::i18n::{Lang, Tr};
use super::pages::{HtmlError, render};
use super::session::SignedIn;
use super::{field, here, notice};
use crate::error::ApiError;
use crate::extract::{number_id, record_id};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "request_access.html")]
struct RequestPage {
    t: Tr,
    here: String,
    csrf: String,
    id: RecordId,
    title: String,
    /// The form as sent, when it comes back with problems.
    purpose: String,
    project: String,
    intended_use: String,
    days: String,
    errors: Vec<(String, String)>,
}

impl RequestPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, message)| message.clone())
    }
}

pub(crate) async fn request_form(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let id = record_id(&id)?;
    let view = state.tessera.record(&user.subject, id).await?;
    let t = lang.tr();
    let page = RequestPage {
        here: here(&uri),
        csrf: user.csrf.clone(),
        id,
        title: t.title(&view.doc.metadata),
        purpose: String::new(),
        project: String::new(),
        intended_use: String::new(),
        days: String::new(),
        errors: Vec::new(),
        t,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(crate) async fn send_request(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let id = record_id(&id)?;
    let text = |name: &str| field(&fields, name).unwrap_or_default().trim().to_string();
    let days_text = text("duration_days");
    let days = days_text.parse::<i64>().ok();
    let input =
        AccessRequestInput { purpose: text("purpose"), project: text("project"), intended_use: text("intended_use"), days, files: None };
    let problems = if !days_text.is_empty() && days.is_none_or(|d| d < 1) {
        vec![("duration_days".to_string(), lang.tr().t("problem-days"))]
    } else {
        match state.tessera.request_access(&user.subject, id, input).await {
            Ok(_) => return Ok(Redirect::to("/access?done=requested").into_response()),
            Err(AppError::Validation(problems)) => {
                let t = lang.tr();
                problems.iter().map(|p| (p.field.clone(), super::problems::in_words(&t, p))).collect()
            }
            Err(err) => return Err(err.into()),
        }
    };
    let view = state.tessera.record(&user.subject, id).await?;
    let t = lang.tr();
    let page = RequestPage {
        here: here(&uri),
        csrf: user.csrf.clone(),
        id,
        title: t.title(&view.doc.metadata),
        purpose: text("purpose"),
        project: text("project"),
        intended_use: text("intended_use"),
        days: days_text,
        errors: problems,
        t,
    };
    Ok(render(StatusCode::BAD_REQUEST, &page))
}

/// A request as a row of the researcher's or the steward's page.
#[derive(Clone)]
struct RequestRow {
    id: i64,
    record: RecordId,
    title: String,
    purpose: String,
    intended_use: String,
    status: String,
    /// Days since it was made.
    age: i64,
    /// The approval's conditions, for the requester to accept.
    conditions: Vec<String>,
    /// The agreement policy and its version in force, which the requester accepts.
    agreement: Option<(String, i64)>,
    reason: String,
}

async fn rows(state: &AppState, user: &SignedIn, t: &Tr, requests: &[AccessRequestRow]) -> Result<Vec<RequestRow>, HtmlError> {
    let today = time::OffsetDateTime::now_utc().date();
    let mut rows = Vec::with_capacity(requests.len());
    for r in requests {
        let title = match state.tessera.record(&user.subject, r.record_id).await {
            Ok(view) => t.title(&view.doc.metadata),
            Err(_) => t.v("record-n", r.record_id),
        };
        let made = time::Date::parse(r.created.get(..10).unwrap_or_default(), time::macros::format_description!("[year]-[month]-[day]"));
        let agreement = match &r.policy_id {
            Some(policy) => Some((policy.clone(), state.tessera.policy(policy).await?.in_force)),
            None => None,
        };
        let conditions = [
            r.expires.as_ref().map(|e| t.v("condition-expires", e.get(..10).unwrap_or(e))),
            r.field_of_use.as_ref().map(|f| t.v("condition-field-of-use", f)),
            r.agreement.as_ref().map(|a| t.v("condition-agreement", a)),
        ];
        rows.push(RequestRow {
            id: r.id,
            record: r.record_id,
            title,
            purpose: r.purpose.clone(),
            intended_use: r.intended_use.clone(),
            status: t.t(&format!("request-status-{}", r.status)),
            age: made.map(|d| (today - d).whole_days()).unwrap_or_default(),
            conditions: conditions.into_iter().flatten().collect(),
            agreement,
            reason: r.reason.clone().unwrap_or_default(),
        });
    }
    Ok(rows)
}

struct GrantLine {
    /// The record the grant came from, and its title.
    record: Option<(RecordId, String)>,
    expires: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    t: Tr,
    here: String,
    csrf: String,
    notice: String,
    waiting: Vec<RequestRow>,
    decided: Vec<RequestRow>,
    grants: Vec<GrantLine>,
}

/// The researcher's requests (those approved waiting for them to accept the conditions) and grants.
pub(crate) async fn my_access(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let requests = state.tessera.my_access_requests(&user.subject).await?;
    let all = rows(&state, &user, &t, &requests).await?;
    // Grants name their dataset; the request each came from names the record to link to.
    let now = time::OffsetDateTime::now_utc();
    let grants = state
        .tessera
        .my_grants(&user.subject)
        .await?
        .into_iter()
        .map(|g| {
            let expires = time::OffsetDateTime::parse(&g.expires, &time::format_description::well_known::Rfc3339);
            let from = requests.iter().zip(&all).find(|(r, _)| Some(r.id) == g.request_id);
            GrantLine {
                active: g.revoked.is_none() && g.reaccept_version.is_none() && expires.is_ok_and(|e| e > now),
                record: from.map(|(r, row)| (r.record_id, row.title.clone())),
                expires: g.expires.get(..10).unwrap_or(&g.expires).to_string(),
            }
        })
        .collect();
    let notice = notice(&t, &query, &[("requested", "access-requested"), ("granted", "access-granted")]);
    let page = AccessPage {
        here: here(&uri),
        csrf: user.csrf.clone(),
        notice,
        grants,
        // Approved requests wait for their requester to accept the conditions.
        waiting: all.iter().zip(&requests).filter(|(_, r)| r.status == "approved").map(|(row, _)| row.clone()).collect(),
        decided: all.iter().zip(&requests).filter(|(_, r)| r.status != "approved").map(|(row, _)| row.clone()).collect(),
        t,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The requester accepts an approval's conditions, and holds a grant from now.
pub(crate) async fn accept(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let accepted = field(&fields, "agreement_accepted") == Some("yes");
    let version = field(&fields, "agreement_version").and_then(|v| v.parse().ok());
    state.tessera.accept_access_request(&user.subject, number_id(&id, "access request")?, accepted, version).await?;
    Ok(Redirect::to("/access?done=granted").into_response())
}

/// A grant as its stewards see it.
struct StewardedLine {
    id: String,
    record: RecordId,
    title: String,
    holder: String,
    purpose: String,
    from: String,
    until: String,
    /// Current, so it can be revoked.
    active: bool,
    /// Its state in words; for a revoked grant, with the reason.
    state: String,
}

#[derive(Template)]
#[template(path = "stewarding.html")]
struct StewardPage {
    t: Tr,
    here: String,
    csrf: String,
    notice: String,
    queue: Vec<RequestRow>,
    grants: Vec<StewardedLine>,
    ended: Vec<StewardedLine>,
}

fn stewarded_line(t: &Tr, g: StewardedGrant, now: time::OffsetDateTime) -> StewardedLine {
    let day = |text: &str| text.get(..10).unwrap_or(text).to_string();
    let expired = time::OffsetDateTime::parse(&g.grant.expires, &time::format_description::well_known::Rfc3339).is_ok_and(|e| e <= now);
    let (active, state) = match (&g.grant.revoked, g.grant.reaccept_version) {
        (Some(when), _) => {
            (false, t.v("grant-revoked-on", format!("{} — {}", day(when), g.grant.revoke_reason.clone().unwrap_or_default())))
        }
        (None, _) if expired => (false, t.t("grant-expired")),
        (None, Some(_)) => (true, t.t("grant-reaccept")),
        (None, None) => (true, t.t("grant-active")),
    };
    StewardedLine {
        id: g.grant.id.to_string(),
        record: g.record,
        title: g.title,
        holder: g.holder,
        purpose: g.grant.purpose,
        from: day(&g.grant.created),
        until: day(&g.grant.expires),
        active,
        state,
    }
}

/// Requests waiting in the organizations where the caller is a steward, oldest first, and
/// the grants to the same datasets.
pub(crate) async fn steward_queue(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let (mut requests, grants) = state.tessera.stewarding(&user.subject).await?;
    requests.sort_by(|a, b| a.created.cmp(&b.created));
    let notice = notice(&t, &query, &[("approved", "steward-approved"), ("refused", "steward-refused"), ("revoked", "steward-revoked")]);
    let now = time::OffsetDateTime::now_utc();
    let (grants, ended) = grants.into_iter().map(|g| stewarded_line(&t, g, now)).partition(|g| g.active);
    let queue = rows(&state, &user, &t, &requests).await?;
    let page = StewardPage { here: here(&uri), csrf: user.csrf.clone(), notice, queue, grants, ended, t };
    Ok(render(StatusCode::OK, &page))
}

/// A steward ends a grant at once, saying why; the holder is told.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let id = id.parse().map_err(|_| ApiError::NotFound(format!("grant {id}")))?;
    let reason = field(&fields, "reason").unwrap_or_default().trim();
    if reason.is_empty() {
        return Err(ApiError::invalid_field("reason", "say why the grant ends: its holder is told").into());
    }
    state.tessera.revoke_grant(&user.subject, id, reason).await?;
    Ok(Redirect::to("/stewarding?done=revoked").into_response())
}

/// A steward's decision: approve with conditions, or refuse with a reason.
pub(crate) async fn decide(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, decision)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let id = number_id(&id, "access request")?;
    let given = |name: &str| field(&fields, name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    match decision.as_str() {
        "approve" => {
            let approval = Approval {
                expires: given("expires"),
                field_of_use: given("field_of_use"),
                agreement: given("agreement"),
                agreement_policy: given("agreement_policy"),
            };
            state.tessera.approve_access_request(&user.subject, id, approval).await?;
            Ok(Redirect::to("/stewarding?done=approved").into_response())
        }
        "refuse" => {
            state.tessera.refuse_access_request(&user.subject, id, &given("reason").unwrap_or_default()).await?;
            Ok(Redirect::to("/stewarding?done=refused").into_response())
        }
        _ => Err(ApiError::NotFound(format!("decision '{decision}'")).into()),
    }
}
