//! InvenioRDM's vocabulary endpoints, over the vocabularies a record's metadata is checked
//! against: licences (the SPDX list, then Tessera's own licences), resource types, languages
//! (ISO 639-3), and DataCite's relation, date and contributor types. A deposit form or a script
//! written for InvenioRDM looks terms up here before it sends them.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use tessera_app::domain::policy::PolicyKind;
use tessera_app::domain::vocab;

use super::search::{numbered_page, page_links};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The vocabularies served, by InvenioRDM's names.
const VOCABULARIES: &[&str] = &["licenses", "resourcetypes", "languages", "relationtypes", "datetypes", "contributorsroles"];

/// List a vocabulary's terms whose id or English title holds `q` (case aside), a page at a
/// time: `licenses`, `resourcetypes`, `languages`, `relationtypes`, `datetypes` or
/// `contributorsroles`. Licences are the SPDX list (`props.scheme: "spdx"`), then Tessera's own
/// (`props.scheme: "tessera"`, with their terms and the version in force).
#[utoipa::path(get, path = "/api/vocabularies/{vocabulary}", tag = "vocabularies",
    params(("vocabulary" = String, Path, description = "licenses, resourcetypes, languages, relationtypes, datetypes or contributorsroles"),
        ("q" = Option<String>, Query, description = "Words of an id or title"), ("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"),
        ("size" = Option<usize>, Query, minimum = 1, maximum = 1000, description = "Terms a page, 20 unless given, at most 1,000")),
    responses((status = 200, description = "Matching terms, `hits.total` counting them all", body = crate::openapi::shapes::Page<crate::openapi::shapes::Term>), (status = 404, description = "No such vocabulary")))]
pub(crate) async fn list_terms(
    State(state): State<AppState>,
    Path(vocabulary): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let (page, size) = numbered_page(&params, 1000)?;
    let size = size.unwrap_or(20);
    let needle = params.iter().find(|(name, _)| name == "q").map(|(_, q)| q.trim().to_lowercase()).unwrap_or_default();
    let matching: Vec<Value> = terms(&state, &vocabulary)
        .await?
        .into_iter()
        .filter(|term| {
            let (id, title) = (term["id"].as_str().unwrap_or(""), term["title"]["en"].as_str().unwrap_or(""));
            needle.is_empty() || id.to_lowercase().contains(&needle) || title.to_lowercase().contains(&needle)
        })
        .collect();
    let total = matching.len();
    let hits: Vec<Value> = matching.into_iter().skip((page - 1).saturating_mul(size)).take(size).collect();
    let links = page_links(&state, &format!("/api/vocabularies/{vocabulary}"), &params, (page, size), total);
    Ok(Json(json!({"hits": {"hits": hits, "total": total}, "links": links})))
}

/// One term of a vocabulary by its id (`/api/vocabularies/licenses/cc-by-4.0`).
#[utoipa::path(get, path = "/api/vocabularies/{vocabulary}/{id}", tag = "vocabularies",
    params(("vocabulary" = String, Path, description = "As for the list"), ("id" = String, Path, description = "The term's id")),
    responses((status = 200, description = "The term", body = crate::openapi::shapes::Term), (status = 404, description = "No such vocabulary or term")))]
pub(crate) async fn read_term(State(state): State<AppState>, Path((vocabulary, id)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let wanted = id.to_lowercase();
    let term =
        terms(&state, &vocabulary).await?.into_iter().find(|term| term["id"].as_str().is_some_and(|found| found.to_lowercase() == wanted));
    term.map(Json).ok_or_else(|| ApiError::NotFound(format!("term '{id}' of vocabulary '{vocabulary}'")))
}

/// Every term of `vocabulary`, in InvenioRDM's shape.
async fn terms(state: &AppState, vocabulary: &str) -> ApiResult<Vec<Value>> {
    let term = |id: &str, title: &str, props: Value| {
        let link = state.link(&format!("/api/vocabularies/{vocabulary}/{}", crate::wire::escape_segment(id)));
        json!({"id": id, "title": {"en": title}, "props": props, "type": vocabulary, "links": {"self": link}})
    };
    let datacite = |list: &[&str]| list.iter().map(|t| term(&t.to_lowercase(), &vocab::term_words(t), json!({"datacite": t}))).collect();
    Ok(match vocabulary {
        "licenses" => {
            let mut terms: Vec<Value> =
                vocab::licenses().map(|l| term(&l.id(), l.title, json!({"scheme": "spdx", "url": l.url()}))).collect();
            for policy in state.tessera.policies().await? {
                let current = policy.current();
                if current.kind == PolicyKind::Licence {
                    let mut own = term(
                        &current.id,
                        &current.title,
                        json!({"scheme": "tessera", "url": state.link(&format!("/policies/{}", current.id))}),
                    );
                    own["version"] = json!(policy.in_force);
                    own["terms"] = json!(current.terms);
                    terms.push(own);
                }
            }
            terms
        }
        "resourcetypes" => vocab::RESOURCE_TYPES.iter().map(|(id, title)| term(id, title, json!({}))).collect(),
        "languages" => vocab::languages()
            .map(|(code, name)| term(code, name, vocab::language_639_1(code).map_or_else(|| json!({}), |two| json!({"alpha_2": two}))))
            .collect(),
        "relationtypes" => datacite(vocab::RELATION_TYPES),
        "datetypes" => datacite(vocab::DATE_TYPES),
        "contributorsroles" => datacite(vocab::CONTRIBUTOR_TYPES),
        _ => return Err(ApiError::NotFound(format!("vocabulary '{vocabulary}': those served are {}", VOCABULARIES.join(", ")))),
    })
}
