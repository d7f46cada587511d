//! The landing and search pages, and the HTML rendering of errors.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tessera_app::domain::RecordId;
use tessera_app::{Error as AppError, RecordView, SearchHit};

use crate::api::export;
use crate::api::search::{FACET_LABELS, aggregations, bucket_label, parse_search};
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;
use crate::wire::escape_segment;

/// Files listed per page on a landing page.
const FILES_PER_PAGE: i64 = 100;

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

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    id: RecordId,
    title: String,
    creators: Vec<String>,
    description: String,
    subjects: Vec<String>,
    resource_type: String,
    publication_date: String,
    version_index: i64,
    is_latest: bool,
    latest_id: RecordId,
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
    /// `?token=…` when the page was opened with a secret link, for the download links.
    link: String,
    versions: Vec<VersionRow>,
    citation: String,
    /// Tombstones of deleted files: (day, reason, how many files when the caller may know).
    deletions: Vec<(String, String, usize)>,
    /// The persistent identifier and the link it resolves through.
    pid: Option<(String, String)>,
    /// schema.org JSON-LD for search engines, made safe to sit inside a `<script>` element.
    json_ld: String,
    /// The export formats the page links to: (name in the path, label).
    exports: Vec<(&'static str, &'static str)>,
}

struct Bucket {
    label: String,
    count: u64,
    href: String,
    selected: bool,
}

struct FacetBox {
    label: &'static str,
    buckets: Vec<Bucket>,
}

struct Hit {
    /// The record's page here, or at its origin for a harvested record.
    href: String,
    /// The repository a harvested record comes from.
    origin: Option<String>,
    title: String,
    creators: String,
    date: String,
    resource_type: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    q: String,
    total: usize,
    hits: Vec<Hit>,
    facets: Vec<FacetBox>,
    prev: Option<String>,
    next: Option<String>,
}

/// A page with a heading and a paragraph: errors, and confirmations of forms.
#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct ErrorPage {
    pub(super) heading: String,
    pub(super) detail: String,
}

/// An error shown as a page, with the status the API would give.
pub(crate) struct HtmlError(ApiError);

impl<E: Into<ApiError>> From<E> for HtmlError {
    fn from(err: E) -> Self {
        HtmlError(err.into())
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let status = self.0.into_response().status();
        let (heading, detail) = match status {
            StatusCode::NOT_FOUND => ("Not found", "There is nothing at this address."),
            StatusCode::UNAUTHORIZED => ("Sign-in required", "This record is not public."),
            StatusCode::FORBIDDEN => ("Permission denied", "You do not have access to this record."),
            StatusCode::BAD_REQUEST => ("Bad request", "The address or search could not be understood."),
            StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS => (
                "Taken down",
                "This record is taken down while a reported problem is reviewed. Its curators and stewards will restore or remove it.",
            ),
            _ => ("Something went wrong", "The error has been logged. Please try again later."),
        };
        render(status, &ErrorPage { heading: heading.into(), detail: detail.into() })
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

/// A citation in the style of APA 7 for data sets.
fn citation(state: &AppState, view: &RecordView) -> String {
    let md = &view.doc.metadata;
    let creators: Vec<&str> = md.creator_names().collect();
    let year = md.publication_year().map_or("n.d.".to_string(), |y| y.to_string());
    let kind = md.resource_type.as_ref().and_then(|r| tessera_app::domain::vocab::resource_type_title(&r.id)).unwrap_or("Data set");
    let mut text = format!("{} ({year}). {}", creators.join("; "), md.title.as_deref().unwrap_or("Untitled"));
    if let Some(version) = &md.version {
        text.push_str(&format!(" (Version {version})"));
    }
    text.push_str(&format!(" [{kind}]."));
    if let Some(publisher) = &md.publisher {
        text.push_str(&format!(" {publisher}."));
    }
    text.push_str(&format!(" {}", state.link(&format!("/records/{}", view.doc.id))));
    text
}

pub(crate) async fn landing_page(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, HtmlError> {
    let id: RecordId = id.parse().map_err(|()| ApiError::NotFound("record".into()))?;
    if let Some(format) = export::negotiated(&headers) {
        return Ok(export::render(&state, &subject, id, format).await?);
    }
    let view = state.tessera.record(&subject, id).await?;
    let files_page = query.get("files_page").and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    // The files the caller may have; when files have classes of their own, that can be some.
    let (files, files_total, refused) =
        match state.tessera.record_files(&subject, id, (files_page - 1) * FILES_PER_PAGE, Some(FILES_PER_PAGE)).await {
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
    let link = query.get("token").map(|t| format!("?token={}", escape_segment(t))).unwrap_or_default();
    let md = &view.doc.metadata;
    let links = state.links(&view.doc);
    let described = state.described(&view.doc, &links);
    let json_ld = tessera_formats::schema_org::json_ld(&described).to_string();
    let page = RecordPage {
        pid: view.doc.pids.get("ark").map(|ark| (ark.identifier.clone(), links.pid.clone())),
        exports: export::linked().collect(),
        // `<` and `&` as JSON escapes, so no text in the record can close the script element.
        json_ld: json_ld.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026"),
        id,
        title: md.title.clone().unwrap_or_else(|| "Untitled".into()),
        creators: md.creator_names().map(str::to_string).collect(),
        description: md.description.clone().unwrap_or_default(),
        subjects: md.subjects.iter().filter_map(|s| s.subject.clone()).collect(),
        resource_type: md.resource_type.as_ref().map(|r| bucket_label("resource_type", &r.id)).unwrap_or_default(),
        publication_date: md.publication_date.clone().unwrap_or_default(),
        version_index: view.doc.version_index,
        is_latest: view.is_latest,
        latest_id: view.latest_id,
        license: described.rights().next().map(|r| (r.title.to_string(), r.url.unwrap_or_default())),
        files: files
            .into_iter()
            .map(|f| FileRow {
                url: format!("/api/records/{id}/files/{}/content{link}", crate::wire::key_path(&f.key)),
                size: human_size(f.size),
                md5: f.md5,
                key: f.key,
            })
            .collect(),
        deletions: view
            .doc
            .deletions
            .iter()
            .map(|d| (d.date.get(..10).unwrap_or(&d.date).to_string(), d.reason.clone(), d.files.len()))
            .collect(),
        files_total,
        files_bytes: human_size(view.files_bytes),
        files_page,
        files_pages: (files_total + FILES_PER_PAGE - 1) / FILES_PER_PAGE,
        // A metadata-only stub counts no files, yet has some the caller may not have.
        files_restricted: if refused { view.files_count.max(1) } else { view.files_count - files_total },
        metadata_only: view.is_stub,
        link,
        versions,
        citation: citation(&state, &view),
    };
    Ok(render(StatusCode::OK, &page))
}

pub(crate) async fn search_page(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let parsed = parse_search(&params)?;
    let filters = parsed.request.filters.clone();
    let q = parsed.request.query.clone();
    let (page_number, size) = (parsed.page, parsed.size);
    let result = state.tessera.search(&subject, parsed.request).await?;
    let link_with = |params: &[(String, String)]| {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", escape_segment(v))).collect();
        format!("/search?{}", query.join("&"))
    };
    let without_page: Vec<(String, String)> = params.iter().filter(|(k, _)| k != "page").cloned().collect();
    let aggregations = aggregations(&state, &result, &filters);
    let facets = FACET_LABELS
        .iter()
        // Origins say something only once partner repositories are harvested.
        .filter(|(name, _)| *name != "origin" || !result.origins.is_empty())
        .map(|(name, label)| FacetBox {
            label,
            buckets: aggregations[name]["buckets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| {
                    let key = b["key"].as_str().unwrap_or_default().to_string();
                    let selected = b["is_selected"].as_bool().unwrap_or(false);
                    // A selected value's link removes it; any other adds it.
                    let mut toggled: Vec<(String, String)> =
                        without_page.iter().filter(|(k, v)| !(k == name && *v == key)).cloned().collect();
                    if !selected {
                        toggled.push((name.to_string(), key));
                    }
                    Bucket {
                        label: b["label"].as_str().unwrap_or_default().to_string(),
                        count: b["doc_count"].as_u64().unwrap_or(0),
                        href: link_with(&toggled),
                        selected,
                    }
                })
                .collect(),
        })
        .collect();
    let hits = result
        .hits
        .iter()
        .map(|hit| {
            let (md, href, origin) = match hit {
                SearchHit::Record(view) => (&view.doc.metadata, format!("/records/{}", view.doc.id), None),
                SearchHit::Remote(record) => (&record.doc.metadata, record.origin_link(), Some(record.origin.repository_name.clone())),
            };
            let description = md.description.clone().unwrap_or_default();
            Hit {
                href,
                origin,
                title: md.title.clone().unwrap_or_else(|| "Untitled".into()),
                creators: md.creator_names().collect::<Vec<_>>().join("; "),
                date: md.publication_date.clone().unwrap_or_default(),
                resource_type: md.resource_type.as_ref().map(|r| bucket_label("resource_type", &r.id)).unwrap_or_default(),
                summary: description.chars().take(300).collect(),
            }
        })
        .collect();
    let page_link = |page: usize| {
        let mut with_page = without_page.clone();
        with_page.push(("page".into(), page.to_string()));
        link_with(&with_page)
    };
    let page = SearchPage {
        q,
        total: result.total,
        hits,
        facets,
        prev: (page_number > 1).then(|| page_link(page_number - 1)),
        next: (page_number * size < result.total).then(|| page_link(page_number + 1)),
    };
    Ok(render(StatusCode::OK, &page))
}
