//! Search over published records, in InvenioRDM's response shape with facets.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tessera_app::domain::Subject;
use tessera_app::domain::vocab;
use tessera_app::{LOCAL_ORIGIN, MAX_RESULT_WINDOW, SearchHit, SearchPage, SearchRequest, Sort};

use crate::error::{ApiError, ApiResult};
use crate::extract::Caller;
use crate::state::AppState;
use crate::wire::{RecordWire, record_wire, remote_wire};

/// The most hits one page may ask for.
pub(crate) const MAX_PAGE_SIZE: usize = 100;

pub(crate) const FACET_LABELS: [(&str, &str); 8] = [
    ("resource_type", "Resource types"),
    ("subject", "Subjects"),
    ("license", "Licences"),
    ("affiliation", "Affiliations"),
    ("publication_year", "Publication year"),
    ("language", "Languages"),
    ("access_status", "Access status"),
    ("origin", "Origin"),
];

/// A search as the query string states it: `q`, `sort`, `page`, `size`, `allversions`,
/// `community`, and facet filters either as `FACET=VALUE` or as InvenioRDM's `f=FACET:VALUE`.
pub(crate) struct ParsedSearch {
    pub(crate) request: SearchRequest,
    pub(crate) page: usize,
    pub(crate) size: usize,
    pub(crate) sort_name: String,
}

/// The `page` (from 1) and `size` (from 1 to `MAX_PAGE_SIZE`, 10 unless given) a query asks for.
pub(crate) fn page_and_size(params: &[(String, String)]) -> ApiResult<(usize, usize)> {
    let (page, size) = numbered_page(params, MAX_PAGE_SIZE)?;
    let size = size.unwrap_or(10);
    // Past the end of any list, and of what an offset can hold: refused, not wrapped round.
    if page.checked_mul(size).is_none_or(|end| end > i64::MAX as usize) {
        return Err(ApiError::invalid_field("page", "is past the end of any list"));
    }
    Ok((page, size))
}

/// The `page` (from 1) and `size` (from 1 to `max`, if given) a query asks for.
pub(crate) fn numbered_page(params: &[(String, String)], max: usize) -> ApiResult<(usize, Option<usize>)> {
    let (mut page, mut size) = (1, None);
    for (name, value) in params {
        match name.as_str() {
            "page" => {
                page = value
                    .parse()
                    .ok()
                    .filter(|p| *p >= 1)
                    .ok_or_else(|| ApiError::invalid_field("page", "must be a whole number from 1"))?
            }
            "size" => {
                size = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|s| (1..=max).contains(s))
                        .ok_or_else(|| ApiError::invalid_field("size", format!("must be from 1 to {max}")))?,
                )
            }
            _ => {}
        }
    }
    Ok((page, size))
}

/// The links of a numbered page at `path`: itself, and the pages before and after it when
/// there are such, each the same query with another `page`.
pub(crate) fn page_links(state: &AppState, path: &str, params: &[(String, String)], (page, size): (usize, usize), total: usize) -> Value {
    let link = |page: usize| {
        let mut query: Vec<String> = params
            .iter()
            .filter(|(k, _)| k != "page" && k != "access_token")
            .map(|(k, v)| format!("{k}={}", crate::wire::escape_segment(v)))
            .collect();
        query.push(format!("page={page}"));
        state.link(&format!("{path}?{}", query.join("&")))
    };
    let mut links = Map::new();
    links.insert("self".into(), link(page).into());
    if page > 1 {
        links.insert("prev".into(), link(page - 1).into());
    }
    if page.saturating_mul(size) < total {
        links.insert("next".into(), link(page + 1).into());
    }
    Value::Object(links)
}

pub(crate) fn parse_search(params: &[(String, String)]) -> ApiResult<ParsedSearch> {
    let mut request = SearchRequest::default();
    let (page, size) = page_and_size(params)?;
    let mut sort_name = String::new();
    for (name, value) in params {
        match name.as_str() {
            "q" => request.query = value.clone(),
            "community" => request.community = Some(value.clone()),
            "sort" => sort_name = value.clone(),
            "allversions" => {
                request.all_versions = match value.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" | "" => false,
                    _ => return Err(ApiError::invalid_field("allversions", format!("'{value}' is not true or false"))),
                }
            }
            "f" => match value.split_once(':') {
                Some((facet, v)) if FACET_LABELS.iter().any(|(n, _)| *n == facet) => {
                    request.filters.push((facet.to_string(), v.to_string()))
                }
                _ => return Err(ApiError::invalid_field("f", format!("'{value}' is not FACET:VALUE with a known facet"))),
            },
            facet if FACET_LABELS.iter().any(|(n, _)| *n == facet) => request.filters.push((facet.to_string(), value.clone())),
            _ => {} // Other parameters (access_token, InvenioRDM's UI flags) do not affect the search.
        }
    }
    request.sort = match sort_name.as_str() {
        "" => Sort::BestMatch,
        "bestmatch" => Sort::BestMatch,
        "newest" => Sort::Newest,
        "oldest" => Sort::Oldest,
        "updated-desc" | "mostrecent" => Sort::UpdatedDesc,
        "updated-asc" => Sort::UpdatedAsc,
        other => {
            return Err(ApiError::invalid_field(
                "sort",
                format!("'{other}' is not one of bestmatch, newest, oldest, updated-desc, updated-asc"),
            ));
        }
    };
    if sort_name.is_empty() {
        sort_name = if request.query.trim().is_empty() { "newest".into() } else { "bestmatch".into() };
    }
    if page * size > MAX_RESULT_WINDOW {
        let message = format!("search hits can be paged up to the {MAX_RESULT_WINDOW}th; narrow the search to reach the ones after");
        return Err(ApiError::invalid_field("page", message));
    }
    request.offset = (page - 1) * size;
    request.limit = size;
    Ok(ParsedSearch { request, page, size, sort_name })
}

/// The label of a facet value, from its vocabulary when it has one.
pub(crate) fn bucket_label(facet: &str, key: &str) -> String {
    let label = match facet {
        "resource_type" => vocab::resource_type_title(key).map(str::to_string),
        "license" => vocab::license(key).map(|l| l.title.to_string()),
        "language" => vocab::language_name(key).map(str::to_string),
        "access_status" => Some(match key {
            "open" => "Open".into(),
            "restricted" => "Restricted".into(),
            "embargoed" => "Embargoed".into(),
            "metadata-only" => "Metadata-only".into(),
            other => other.to_string(),
        }),
        _ => None,
    };
    label.unwrap_or_else(|| key.to_string())
}

/// The facets of a search answer; the `origin` facet's values are labelled with repository
/// names, this one's for `local`.
pub(crate) fn aggregations(state: &AppState, page: &SearchPage, filters: &[(String, String)]) -> Value {
    let origin_label = |key: &str| {
        if key == LOCAL_ORIGIN {
            return state.config.repository_name.clone();
        }
        page.origins.iter().find(|(name, _)| name == key).map_or_else(|| key.to_string(), |(_, repository)| repository.clone())
    };
    let mut out = Map::new();
    for (facet, label) in FACET_LABELS {
        let buckets: Vec<Value> = page
            .facets
            .get(facet)
            .into_iter()
            .flatten()
            .map(|(key, count)| {
                let selected = filters.iter().any(|(f, v)| f == facet && v == key);
                let label = if facet == "origin" { origin_label(key) } else { bucket_label(facet, key) };
                json!({"key": key, "doc_count": count, "label": label, "is_selected": selected})
            })
            .collect();
        out.insert(facet.to_string(), json!({"buckets": buckets, "label": label}));
    }
    Value::Object(out)
}

/// Search published records.
#[utoipa::path(get, path = "/api/records", tag = "records",
    params(("q" = Option<String>, Query, description = "Query text"), ("sort" = Option<String>, Query, description = "bestmatch, newest, oldest, updated-desc or updated-asc"),
        ("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"), ("size" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Hits per page, at most 100")),
    responses((status = 200, description = "Hits, total and aggregations", body = crate::openapi::shapes::SearchResult)))]
pub(crate) async fn search_records(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    search_answer(&state, &subject, parse_search(&params)?, &params, "/api/records").await
}

/// A search's answer in InvenioRDM's shape, its page links to `path`.
pub(crate) async fn search_answer(
    state: &AppState,
    subject: &Subject,
    parsed: ParsedSearch,
    params: &[(String, String)],
    path: &str,
) -> ApiResult<Response> {
    let filters = parsed.request.filters.clone();
    let result = state.tessera.search(subject, parsed.request).await?;
    let hits: Vec<HitWire<'_>> = result
        .hits
        .iter()
        .map(|hit| match hit {
            SearchHit::Record(view) => HitWire::Record(Box::new(record_wire(state, view))),
            SearchHit::Remote(record) => HitWire::Remote(remote_wire(record)),
        })
        .collect();
    let body = SearchResponse {
        hits: Hits { hits, total: result.total },
        aggregations: aggregations(state, &result, &filters),
        sort_by: parsed.sort_name,
        // No link to a page beyond the window.
        links: page_links(state, path, params, (parsed.page, parsed.size), result.total.min(MAX_RESULT_WINDOW)),
    };
    Ok(Json(body).into_response())
}

/// A search answer in InvenioRDM's shape.
#[derive(Serialize)]
struct SearchResponse<'a> {
    hits: Hits<'a>,
    aggregations: Value,
    #[serde(rename = "sortBy")]
    sort_by: String,
    links: Value,
}

#[derive(Serialize)]
struct Hits<'a> {
    hits: Vec<HitWire<'a>>,
    total: usize,
}

#[derive(Serialize)]
#[serde(untagged)]
enum HitWire<'a> {
    Record(Box<RecordWire<'a>>),
    Remote(Value),
}
