//! Audit trails in the browser, for a period (the last thirty days unless the reader chooses)
//! a page at a time: an organization's and each of its datasets', for its administrators,
//! auditors and stewards, and one's own doings, for everyone signed in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use tessera_app::AuditPage;
use tessera_app::domain::audit::{AuditEntry, Period};

use super::i18n::{Lang, Tr};
use super::pages::{HtmlError, render};
use super::session::SignedIn;
use super::{field, here};
use crate::error::ApiError;
use crate::extract::{org_id, record_id};
use crate::state::AppState;
use crate::wire::escape_segment;

/// Entries per page.
const AUDIT_ROWS: usize = 100;

struct AuditLine {
    seq: i64,
    at: String,
    /// Who acted, by email; empty on one's own trail.
    actor: String,
    action: String,
    target: String,
    outcome: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditView {
    t: Tr,
    here: String,
    heading: String,
    /// Where the page belongs, and the words of the link back there.
    back: (String, String),
    /// The page's own path, for the period's form and the next page.
    path: String,
    /// Whether the trail names who acted (an organization's) or is the reader's own.
    shows_actor: bool,
    from: String,
    to: String,
    /// The period in words, for the table's caption.
    period: String,
    lines: Vec<AuditLine>,
    /// The query of the next page, when there is one.
    next: Option<String>,
}

/// The period a trail page asks for, in the reader's terms (`from`, `to`) and as the trail's.
struct Asked {
    from: String,
    to: String,
    period: Period,
}

fn asked(query: &[(String, String)]) -> Result<Asked, HtmlError> {
    let given = |name: &str| field(query, name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let today = time::OffsetDateTime::now_utc().date();
    let from = given("from").unwrap_or_else(|| (today - time::Duration::days(30)).to_string());
    let to = given("to").unwrap_or_else(|| today.to_string());
    let period = Period::parse(Some(&from), Some(&to)).map_err(|e| ApiError::invalid_field("from", e))?;
    Ok(Asked { from, to, period })
}

/// The next page's query: the same period, after the last entry shown.
fn next_query(asked: &Asked, after: &[(&str, String)]) -> String {
    let mut pairs = vec![("from", asked.from.clone()), ("to", asked.to.clone())];
    pairs.extend(after.iter().cloned());
    pairs.iter().map(|(k, v)| format!("{k}={}", escape_segment(v))).collect::<Vec<_>>().join("&")
}

fn line(e: &AuditEntry, actor: String) -> AuditLine {
    AuditLine {
        seq: e.seq,
        at: e.at.get(..19).unwrap_or(&e.at).replace('T', " "),
        actor,
        action: e.action.clone(),
        target: e.target.clone(),
        outcome: e.outcome.clone(),
    }
}

impl AuditView {
    fn new(t: Tr, uri: &Uri, heading: String, back: (String, String), shows_actor: bool, asked: Asked) -> Self {
        AuditView {
            here: here(uri),
            heading,
            back,
            path: uri.path().to_string(),
            shows_actor,
            period: format!("{} – {}", asked.from, asked.to),
            from: asked.from,
            to: asked.to,
            lines: Vec::new(),
            next: None,
            t,
        }
    }
}

/// An organization's trail, in time order, paged after the last entry's time and number.
pub(crate) async fn organization_audit(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(org): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let org = org_id(&org)?;
    let t = lang.tr();
    let asked = asked(&query)?;
    let after_at = field(&query, "after_at").map(str::to_string);
    let after = after_at.as_deref().zip(field(&query, "after").and_then(|a| a.parse::<i64>().ok()));
    let page = state.tessera.organization_audit_page(&user.subject, &org, &asked.period, after, AUDIT_ROWS).await?;
    let row = state.tessera.organization(&org).await?;
    let next = page
        .entries
        .last()
        .filter(|_| page.more)
        .map(|last| next_query(&asked, &[("after_at", last.at.clone()), ("after", last.seq.to_string())]));
    Ok(named_trail(t, &uri, asked, (&row.name, format!("/organizations/{org}")), &page, next))
}

/// The trail of one dataset (every version of the record), for its stewards, its
/// organization's administrators and auditors: who read, downloaded, changed or asked for it.
pub(crate) async fn dataset_audit(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let id = record_id(&id)?;
    let t = lang.tr();
    let asked = asked(&query)?;
    let after = field(&query, "after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let page = state.tessera.dataset_audit_page(&user.subject, id, &asked.period, after, AUDIT_ROWS).await?;
    let record = state.tessera.record(&user.subject, id).await?;
    let title = t.title(&record.doc.metadata);
    let next = page.entries.last().filter(|_| page.more).map(|last| next_query(&asked, &[("after", last.seq.to_string())]));
    Ok(named_trail(t, &uri, asked, (&title, format!("/records/{id}")), &page, next))
}

/// A page of a trail that names who acted in each entry, by email: its heading names what it
/// is about, and it links back there.
fn named_trail(t: Tr, uri: &Uri, asked: Asked, (about, back): (&str, String), page: &AuditPage, next: Option<String>) -> Response {
    let heading = format!("{}: {about}", t.t("audit-title"));
    let mut view = AuditView::new(t, uri, heading, (back, t.v("audit-back", about)), true, asked);
    view.lines = page
        .entries
        .iter()
        .map(|e| line(e, e.actor.and_then(|a| page.actors.get(&a).cloned()).unwrap_or_else(|| t.t("audit-nobody"))))
        .collect();
    view.next = next;
    render(StatusCode::OK, &view)
}

/// The reader's own doings: their sign-ins, downloads of data that is not public, requests,
/// and what they were refused, in order.
pub(crate) async fn own_activity(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let asked = asked(&query)?;
    let after = field(&query, "after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let mut entries = state.tessera.own_audit(&user.subject, &asked.period, after).await?;
    let more = entries.len() > AUDIT_ROWS;
    entries.truncate(AUDIT_ROWS);
    let next = entries.last().filter(|_| more).map(|last| next_query(&asked, &[("after", last.seq.to_string())]));
    let mut view = AuditView::new(t, &uri, t.t("activity-title"), ("/account".into(), t.t("activity-back")), false, asked);
    view.lines = entries.iter().map(|e| line(e, String::new())).collect();
    view.next = next;
    Ok(render(StatusCode::OK, &view))
}
