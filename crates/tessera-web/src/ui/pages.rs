//! A record's landing page, and errors as pages in the reader's language.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tessera_app::Error as AppError;
use tessera_app::domain::RecordId;
use tessera_app::domain::metadata::Metadata;
use tessera_app::domain::vocab;
use tessera_formats::{Described, bibtex, citation};

use super::details::{Detail, details};
use super::here;
use super::i18n::{Lang, Language, Tr};
use crate::api::export;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;
use crate::wire::escape_segment;

/// Files listed per page on a landing page.
pub(super) const FILES_PER_PAGE: i64 = 100;

struct FileRow {
    key: String,
    size: String,
    md5: String,
    url: String,
}

struct VersionRow {
    id: RecordId,
    index: i64,
    date: String,
    current: bool,
}

/// A citation in one style, with a copy button.
struct Citation {
    id: &'static str,
    label: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    t: Tr,
    here: String,
    id: RecordId,
    title: String,
    /// Each creator's name, and their ORCID link when they have one.
    creators: Vec<(String, Option<String>)>,
    description: String,
    subjects: Vec<String>,
    /// The communities the dataset is in: (id, title).
    communities: Vec<(String, String)>,
    details: Vec<Detail>,
    resource_type: String,
    publication_date: String,
    version_index: i64,
    is_latest: bool,
    latest_id: RecordId,
    access_status: String,
    embargo_until: Option<String>,
    license: Option<(String, String)>,
    files: Vec<FileRow>,
    files_total: i64,
    files_bytes: String,
    files_page: i64,
    files_pages: i64,
    /// How many files the caller may not have.
    files_restricted: i64,
    /// Only the record's public stub is shown.
    metadata_only: bool,
    /// The reader may edit it or make its next version.
    editable: bool,
    auditable: bool,
    /// `?token=…` when the page was opened with a secret link, for the download links, and
    /// the same as `&token=…` for links that have a query already.
    link: String,
    link_amp: String,
    versions: Vec<VersionRow>,
    citations: Vec<Citation>,
    /// Highwire Press `citation_*` meta tags.
    citation_meta: Vec<(&'static str, String)>,
    /// Tombstones of deleted files: (day, reason, how many files when the caller may know).
    deletions: Vec<(String, String, usize)>,
    /// The persistent identifier and the link it resolves through.
    pid: Option<(String, String)>,
    /// schema.org JSON-LD for search engines, made safe to sit inside a `<script>` element.
    json_ld: String,
    /// The export formats the page links to: (name in the path, label).
    exports: Vec<(&'static str, &'static str)>,
}

/// A page with a heading and a paragraph: errors, and confirmations of forms.
#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct ErrorPage {
    pub(super) t: Tr,
    pub(super) here: String,
    pub(super) heading: String,
    pub(super) detail: String,
    /// What exactly was wrong, when the reader can mend it: the checks' own words.
    pub(super) reason: String,
}

/// An error shown as a page, with the status the API would give. It is rendered in English
/// here; `localized_errors` renders it again in the reader's language.
pub(crate) struct HtmlError(ApiError);

impl<E: Into<ApiError>> From<E> for HtmlError {
    fn from(err: E) -> Self {
        HtmlError(err.into())
    }
}

/// Marks a response as an error page, for `localized_errors`: its status and reason.
#[derive(Clone)]
struct FailedPage(StatusCode, String);

fn error_page(t: Tr, here: String, status: StatusCode, reason: String) -> Response {
    let key = match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::BAD_REQUEST => "bad-request",
        StatusCode::CONFLICT => "conflict",
        StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS => "taken-down",
        status if status.is_client_error() => "bad-request",
        _ => "internal",
    };
    let page =
        ErrorPage { heading: t.t(&format!("error-{key}")), detail: t.t(&format!("error-{key}-detail")), reason: reason.clone(), t, here };
    let mut response = render(status, &page);
    response.extensions_mut().insert(FailedPage(status, reason));
    response
}

/// The page of a task's failure: as the request's own error page would have been.
pub(crate) fn failure_page(t: Tr, here: String, failure: &tessera_app::TaskFailure) -> Response {
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = if matches!(status, StatusCode::BAD_REQUEST | StatusCode::CONFLICT) { failure.detail.clone() } else { String::new() };
    error_page(t, here, status, reason)
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let (status, _, detail) = self.0.parts();
        // What a reader can mend is said, as the API says it; nothing else is.
        let reason = match status {
            StatusCode::BAD_REQUEST | StatusCode::CONFLICT => {
                let problems = self.0.problems().iter().map(|p| p.message.clone());
                let all: Vec<String> = std::iter::once(detail).chain(problems).collect();
                all.join(" · ")
            }
            _ => String::new(),
        };
        error_page(Language::En.tr(), "/".into(), status, reason)
    }
}

/// What an address nothing answers gets: a page in the reader's language for a browser, and
/// problem+json for anything else (any address under `/api/`, or a client not asking for HTML).
pub(crate) async fn no_such_address(request: Request) -> Response {
    match ErrorPageFor::of(&request) {
        Some(page) => page.render(StatusCode::NOT_FOUND, String::new()),
        None => ApiError::NotFound("this address".into()).into_response(),
    }
}

/// A browser's request for a page, whose errors are pages in its reader's language.
pub(crate) struct ErrorPageFor {
    lang: Lang,
    here: String,
}

impl ErrorPageFor {
    /// None for an address under `/api/`, or a client not asking for HTML: theirs are problems.
    pub(crate) fn of(request: &Request) -> Option<ErrorPageFor> {
        let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        (accept.contains("text/html") && !request.uri().path().starts_with("/api/"))
            .then(|| ErrorPageFor { lang: Lang::of(request.headers()), here: here(request.uri()) })
    }

    pub(crate) fn render(self, status: StatusCode, reason: String) -> Response {
        error_page(self.lang.tr(), self.here, status, reason)
    }
}

/// Renders the error pages of the routes it wraps in their reader's language.
pub(crate) async fn localized_errors(request: Request, next: Next) -> Response {
    let (lang, here) = (Lang::of(request.headers()), here(request.uri()));
    let response = next.run(request).await;
    match response.extensions().get::<FailedPage>() {
        Some(FailedPage(status, reason)) if lang.language != Language::En || lang.tr().signed_in => {
            error_page(lang.tr(), here, *status, reason.clone())
        }
        _ => response,
    }
}

pub(super) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "rendering a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "rendering failed").into_response()
        }
    }
}

pub(crate) fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// The citations a landing page offers, each ready to copy. They follow each style's own
/// conventions, in English whatever the page's language.
fn citations(described: &Described<'_>, id: RecordId) -> Vec<Citation> {
    let kind = described.metadata.resource_type.as_ref().and_then(|r| vocab::resource_type_title(&r.id)).unwrap_or("Data set");
    vec![
        Citation { id: "apa", label: "APA", text: citation::apa(described, kind) },
        Citation { id: "bibtex", label: "BibTeX", text: bibtex::entry(described, &id.to_string()) },
        Citation { id: "ris", label: "RIS", text: citation::ris(described) },
        Citation { id: "datacite", label: "DataCite", text: citation::datacite(described) },
    ]
}

/// FAIR Signposting: typed links from the landing page to what a machine wants of it.
fn signposting(state: &AppState, described: &Described<'_>, id: RecordId, files: &[FileRow]) -> Option<HeaderValue> {
    let mut links = vec![format!("<{}>; rel=\"cite-as\"", described.pid_url())];
    for (name, media) in [("datacite-xml", "application/vnd.datacite.datacite+xml"), ("json-ld", "application/ld+json")] {
        links.push(format!("<{}>; rel=\"describedby\"; type=\"{media}\"", state.link(&format!("/api/records/{id}/export/{name}"))));
    }
    // A secret link's token stays in the page's own links, out of what machines are pointed to.
    let item = |url: &str| state.link(url.split('?').next().unwrap_or(url));
    links.extend(files.iter().map(|f| format!("<{}>; rel=\"item\"; type=\"application/octet-stream\"", item(&f.url))));
    links.extend(described.licence_urls().map(|url| format!("<{url}>; rel=\"license\"")));
    links.extend(orcids(described.metadata).into_iter().flatten().map(|url| format!("<{url}>; rel=\"author\"")));
    links.push("<https://schema.org/Dataset>; rel=\"type\"".into());
    links.push("<https://schema.org/AboutPage>; rel=\"type\"".into());
    HeaderValue::from_str(&links.join(", ")).ok()
}

/// Each creator's ORCID as a link, in the creators' order.
fn orcids(md: &Metadata) -> Vec<Option<String>> {
    md.creators
        .iter()
        .map(|c| {
            let orcid = c.person_or_org.identifiers.iter().find(|i| i.scheme == "orcid")?;
            Some(format!("https://orcid.org/{}", orcid.identifier.trim_start_matches("https://orcid.org/")))
        })
        .collect()
}

pub(crate) async fn landing_page(
    State(state): State<AppState>,
    Caller(subject): Caller,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, HtmlError> {
    let id: RecordId = id.parse().map_err(|()| ApiError::NotFound("record".into()))?;
    if let Some(format) = export::negotiated(&headers) {
        return Ok(export::render(&state, &subject, id, format).await?);
    }
    let t = lang.tr();
    let view = state.tessera.record(&subject, id).await?;
    let files_page: i64 = query.get("files_page").and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    // The files the caller may have; when files have classes of their own, that can be some.
    let (files, files_total, refused) =
        match state.tessera.record_files(&subject, id, (files_page - 1).saturating_mul(FILES_PER_PAGE), FILES_PER_PAGE).await {
            Ok((files, total)) => (files, total, false),
            Err(AppError::Unauthenticated | AppError::Forbidden { .. }) => (Vec::new(), 0, true),
            Err(err) => return Err(err.into()),
        };
    let versions = state
        .tessera
        .versions(&subject, id)
        .await?
        .iter()
        .map(|v| VersionRow {
            id: v.doc.id,
            index: v.doc.version_index,
            date: v.doc.created.get(..10).unwrap_or_default().to_string(),
            current: v.doc.id == id,
        })
        .collect();
    // A reviewer's secret link must follow them to the files.
    let secret = query.get("token").map(|t| format!("token={}", escape_segment(t)));
    let link = secret.as_ref().map(|s| format!("?{s}")).unwrap_or_default();
    let md = &view.doc.metadata;
    let links = state.links(&view.doc);
    let described = state.described(&view.doc, &links);
    let json_ld = tessera_formats::schema_org::json_ld(&described).to_string();
    let files: Vec<FileRow> = files
        .into_iter()
        .map(|f| FileRow {
            url: format!("/api/records/{id}/files/{}/content{link}", crate::wire::key_path(&f.key)),
            size: human_size(f.size),
            md5: f.md5,
            key: f.key,
        })
        .collect();
    let communities = if view.doc.communities.is_empty() {
        Vec::new()
    } else {
        let known = state.tessera.communities().await?;
        let title = |id: &String| known.iter().find(|c| c.id == *id).map_or_else(|| id.clone(), |c| c.title.clone());
        view.doc.communities.iter().map(|id| (id.clone(), title(id))).collect()
    };
    let signposts = if view.is_stub { None } else { signposting(&state, &described, id, &files) };
    let page = RecordPage {
        here: here(&uri),
        pid: view.doc.pids.get("ark").map(|ark| (ark.identifier.clone(), links.pid.clone())),
        exports: export::linked().collect(),
        // `<` and `&` as JSON escapes, so no text in the record can close the script element.
        json_ld: json_ld.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026"),
        id,
        title: t.title(md),
        creators: md.creator_names().map(str::to_string).zip(orcids(md)).collect(),
        description: t.description(md),
        subjects: md.subjects.iter().filter_map(|s| s.subject.clone()).collect(),
        communities,
        details: details(&t, md),
        resource_type: md.resource_type.as_ref().map(|r| t.bucket("resource_type", &r.id)).unwrap_or_default(),
        publication_date: md.publication_date.clone().unwrap_or_default(),
        version_index: view.doc.version_index,
        is_latest: view.is_latest,
        latest_id: view.latest_id,
        access_status: t.bucket("access_status", described.access_right().status()),
        embargo_until: view.doc.access.embargo.until.clone().filter(|_| view.doc.access.embargo.active),
        license: described.rights().next().map(|r| (r.title.to_string(), r.url.unwrap_or_default())),
        files,
        deletions: view
            .doc
            .deletions
            .iter()
            .map(|d| (d.date.get(..10).unwrap_or(&d.date).to_string(), d.reason.clone(), d.files_count))
            .collect(),
        files_total,
        files_bytes: human_size(view.files_bytes),
        files_page,
        files_pages: (files_total + FILES_PER_PAGE - 1) / FILES_PER_PAGE,
        // A metadata-only stub counts no files, yet has some the caller may not have.
        files_restricted: if refused { view.files_count.max(1) } else { view.files_count - files_total },
        metadata_only: view.is_stub,
        editable: view.editable,
        auditable: view.auditable,
        link,
        link_amp: secret.map(|s| format!("&{s}")).unwrap_or_default(),
        versions,
        citations: citations(&described, id),
        citation_meta: citation::highwire(&described),
        t,
    };
    let mut response = render(StatusCode::OK, &page);
    if let Some(value) = signposts {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}
