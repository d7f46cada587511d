//! The home page and the search page: results, facets, sorting and paging.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use tessera_app::SearchHit;

use super::here;
use super::i18n::{Lang, Tr};
use super::pages::{HtmlError, render};
use crate::api::search::{FACET_LABELS, aggregations, parse_search};
use crate::extract::Caller;
use crate::state::AppState;
use crate::wire::escape_segment;

/// The sorts the page offers, by their names in the query string.
const SORTS: [&str; 5] = ["bestmatch", "newest", "oldest", "updated-desc", "updated-asc"];

/// Records the home page lists as recently published.
const RECENT: usize = 10;

struct Bucket {
    label: String,
    count: u64,
    href: String,
    selected: bool,
}

struct FacetBox {
    name: &'static str,
    label: String,
    buckets: Vec<Bucket>,
}

pub(super) struct Hit {
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

impl Hit {
    fn of(t: &Tr, hit: &SearchHit) -> Hit {
        let (md, href, origin) = match hit {
            SearchHit::Record(view) => (&view.doc.metadata, format!("/records/{}", view.doc.id), None),
            SearchHit::Remote(record) => (&record.doc.metadata, record.origin_link(), Some(record.origin.repository_name.clone())),
        };
        Hit {
            href,
            origin,
            title: t.title(md),
            creators: md.creator_names().collect::<Vec<_>>().join("; "),
            date: md.publication_date.clone().unwrap_or_default(),
            resource_type: md.resource_type.as_ref().map(|r| t.bucket("resource_type", &r.id)).unwrap_or_default(),
            summary: t.description(md).chars().take(300).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    t: Tr,
    here: String,
    q: String,
    total: usize,
    hits: Vec<Hit>,
    facets: Vec<FacetBox>,
    /// The query's other parameters, kept by the sort form.
    kept: Vec<(String, String)>,
    sort: String,
    sorts: Vec<(&'static str, String)>,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    /// The community searched in, and the same search in every record.
    community: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Tr,
    here: String,
    repository: String,
    total: usize,
    recent: Vec<Hit>,
    /// Every community: (id, title).
    communities: Vec<(String, String)>,
}

pub(crate) async fn home_page(State(state): State<AppState>, Caller(subject): Caller, lang: Lang, uri: Uri) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let params = [("sort".to_string(), "newest".to_string()), ("size".to_string(), RECENT.to_string())];
    let result = state.tessera.search(&subject, parse_search(&params)?.request).await?;
    let page = HomePage {
        here: here(&uri),
        repository: state.config.repository_name.clone(),
        total: result.total,
        recent: result.hits.iter().map(|hit| Hit::of(&t, hit)).collect(),
        communities: state.tessera.communities().await?.into_iter().map(|c| (c.id, c.title)).collect(),
        t,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(crate) async fn search_page(
    State(state): State<AppState>,
    Caller(subject): Caller,
    lang: Lang,
    uri: Uri,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let parsed = parse_search(&params)?;
    let filters = parsed.request.filters.clone();
    let q = parsed.request.query.clone();
    let (page_number, size) = (parsed.page, parsed.size);
    let sort = if parsed.sort_name.is_empty() { if q.is_empty() { "newest" } else { "bestmatch" } } else { &parsed.sort_name };
    let sort = sort.to_string();
    let community = match &parsed.request.community {
        Some(id) => Some(state.tessera.community(id).await?.title),
        None => None,
    };
    let result = state.tessera.search(&subject, parsed.request).await?;
    let link_with = |params: &[(String, String)]| {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", escape_segment(v))).collect();
        if query.is_empty() { "/search".to_string() } else { format!("/search?{}", query.join("&")) }
    };
    let without_page: Vec<(String, String)> = params.iter().filter(|(k, _)| k != "page").cloned().collect();
    let aggregations = aggregations(&state, &result, &filters);
    let facets = FACET_LABELS
        .iter()
        // Origins say something only once partner repositories are harvested.
        .filter(|(name, _)| *name != "origin" || !result.origins.is_empty())
        .map(|(name, _)| FacetBox {
            name,
            label: t.t(&format!("facet-{}", name.replace('_', "-"))),
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
                        toggled.push((name.to_string(), key.clone()));
                    }
                    let fallback = b["label"].as_str().unwrap_or_default();
                    Bucket {
                        label: t.bucket_or(name, &key, fallback),
                        count: b["doc_count"].as_u64().unwrap_or(0),
                        href: link_with(&toggled),
                        selected,
                    }
                })
                .collect(),
        })
        .collect();
    let hits = result.hits.iter().map(|hit| Hit::of(&t, hit)).collect();
    let page_link = |page: usize| {
        let mut with_page = without_page.clone();
        with_page.push(("page".into(), page.to_string()));
        link_with(&with_page)
    };
    let everywhere: Vec<(String, String)> = without_page.iter().filter(|(k, _)| k != "community").cloned().collect();
    let page = SearchPage {
        community: community.map(|title| (title, link_with(&everywhere))),
        here: here(&uri),
        kept: without_page.iter().filter(|(k, _)| k != "sort").cloned().collect(),
        sorts: SORTS.iter().map(|name| (*name, t.t(&format!("sort-{name}")))).collect(),
        sort,
        q,
        total: result.total,
        hits,
        facets,
        page: page_number,
        pages: result.total.div_ceil(size).max(1),
        prev: (page_number > 1).then(|| page_link(page_number - 1)),
        next: (page_number * size < result.total.min(tessera_app::MAX_RESULT_WINDOW)).then(|| page_link(page_number + 1)),
        t,
    };
    Ok(render(StatusCode::OK, &page))
}
