//! Depositing in the browser: "my uploads", the deposit form, files and publishing.
//!
//! Every form works without scripts: the deposit form shows one more empty row of each kind
//! (creator, contributor, date, place…) each time it is saved, licences, languages and
//! subjects are offered as the browser types from `<datalist>`s, and files go up in an
//! ordinary multipart form, which the page's script only enhances with a progress bar. Changes carry the session's CSRF token in a hidden field.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use futures::TryStreamExt;
use serde_json::{Value, json};
use tessera_app::domain::metadata::{Creator, Metadata};
use tessera_app::domain::{Access, DataClass, Problem, RecordId, vocab};
use tessera_app::{DraftView, Error as AppError, FileDeclaration, SearchRequest, TaskKind, TaskStatus, TaskView};

use super::i18n::{Lang, Tr};
use super::pages::{FILES_PER_PAGE, HtmlError, failure_page, human_size, render};
use super::problems::in_words;
use super::session::SignedIn;
use super::{field, here, notice};
use crate::error::ApiError;
use crate::extract::record_id;
use crate::state::AppState;
use crate::wire::record_input;

struct UploadRow {
    href: String,
    title: String,
    status: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "uploads.html")]
struct UploadsPage {
    t: Tr,
    here: String,
    drafts: Vec<UploadRow>,
    records: Vec<UploadRow>,
    /// The last record listed, when older ones follow.
    older: Option<RecordId>,
}

/// Published records listed per page of "my uploads".
const UPLOADS_PER_PAGE: i64 = 50;

/// The caller's drafts, and their published records newest first, a page at a time: `before`
/// is the record the last page ended with.
pub(crate) async fn my_uploads(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let before = field(&query, "before").and_then(|b| b.parse().ok());
    let (drafts, records, more) = state.tessera.user_records_page(&user.subject, before, UPLOADS_PER_PAGE).await?;
    let page = UploadsPage {
        here: here(&uri),
        older: records.last().filter(|_| more).map(|last| last.doc.id),
        drafts: drafts
            .iter()
            .map(|d| UploadRow {
                href: format!("/uploads/{}", d.id),
                title: t.title(&d.metadata),
                status: t.t(match d.kind.as_str() {
                    "edit" => "upload-kind-edit",
                    "version" => "upload-kind-version",
                    _ => "upload-kind-new",
                }),
                updated: d.updated.get(..10).unwrap_or_default().to_string(),
            })
            .collect(),
        records: records
            .iter()
            .map(|r| UploadRow {
                href: format!("/records/{}", r.doc.id),
                title: t.title(&r.doc.metadata),
                status: t.n("version-n", r.doc.version_index),
                updated: r.doc.created.get(..10).unwrap_or_default().to_string(),
            })
            .collect(),
        t,
    };
    Ok(render(StatusCode::OK, &page))
}

/// One creator or contributor row of the form: a person (family and given names, ORCID) or
/// an organization, and a contributor's role.
struct PartyRow {
    /// Which of the draft's creators or contributors the row shows, by its place (none for a
    /// new one); what the form does not show of them (other identifiers and affiliations, a
    /// ROR id) is kept. The form carries it in a hidden field.
    place: Option<usize>,
    family: String,
    given: String,
    orcid: String,
    affiliation: String,
    organization: String,
    /// A contributor's role, as DataCite's term in lower case; a creator's is not shown.
    role: String,
}

impl PartyRow {
    /// The rows of a draft's creators or contributors, each knowing its place.
    fn all(people: &[Creator]) -> Vec<PartyRow> {
        people
            .iter()
            .enumerate()
            .map(|(place, c)| {
                let p = &c.person_or_org;
                let personal = p.family_name.is_some();
                PartyRow {
                    place: Some(place),
                    family: p.family_name.clone().unwrap_or_default(),
                    given: p.given_name.clone().unwrap_or_default(),
                    orcid: p.identifiers.iter().find(|i| i.scheme == "orcid").map(|i| i.identifier.clone()).unwrap_or_default(),
                    affiliation: c.affiliations.first().and_then(|a| a.name.clone()).unwrap_or_default(),
                    organization: if personal { String::new() } else { p.name.clone().unwrap_or_default() },
                    role: c.role.as_ref().map(|r| r.id.clone()).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The rows a form sent under `prefix` (`creator-`, `contributor-`).
    fn sent(fields: &[(String, String)], prefix: &str) -> Vec<PartyRow> {
        let part = |row: &BTreeMap<String, String>, name: &str| row.get(name).cloned().unwrap_or_default();
        numbered_rows(fields, prefix)
            .iter()
            .map(|row| PartyRow {
                place: row.get("place").and_then(|p| p.parse().ok()),
                family: part(row, "family"),
                given: part(row, "given"),
                orcid: part(row, "orcid"),
                affiliation: part(row, "affiliation"),
                organization: part(row, "organization"),
                role: part(row, "role"),
            })
            .collect()
    }

    /// The creator as the row gives it, over what the draft held for it.
    fn merged(&self, base: Option<&Value>) -> Value {
        let mut creator = base.cloned().unwrap_or_else(|| json!({}));
        let text = |v: &str| if v.trim().is_empty() { Value::Null } else { Value::String(v.trim().to_string()) };
        let mut identifiers: Vec<Value> =
            creator["person_or_org"]["identifiers"].as_array().into_iter().flatten().filter(|i| i["scheme"] != "orcid").cloned().collect();
        if !self.orcid.trim().is_empty() {
            identifiers.insert(0, json!({"scheme": "orcid", "identifier": self.orcid.trim()}));
        }
        creator["person_or_org"] = if self.organization.trim().is_empty() || !self.family.trim().is_empty() {
            json!({"type": "personal", "family_name": text(&self.family), "given_name": text(&self.given), "identifiers": identifiers})
        } else {
            json!({"type": "organizational", "name": text(&self.organization), "identifiers": identifiers})
        };
        // The first affiliation is the one the row shows; renamed, it loses its old id.
        let mut affiliations: Vec<Value> = creator["affiliations"].as_array().cloned().unwrap_or_default();
        let shown = affiliations.first().map(|a| a["name"].as_str().unwrap_or_default().to_string());
        if shown.as_deref() != Some(self.affiliation.trim()) {
            if shown.is_some() {
                affiliations.remove(0);
            }
            if !self.affiliation.trim().is_empty() {
                affiliations.insert(0, json!({"name": self.affiliation.trim()}));
            }
        }
        creator["affiliations"] = Value::Array(affiliations);
        if let Some(person) = creator["person_or_org"].as_object_mut() {
            person.retain(|_, v| !v.is_null());
        }
        creator
    }
}

/// A related work: its identifier, the identifier's scheme and how this data relates to it.
struct RelatedRow {
    place: Option<usize>,
    identifier: String,
    scheme: String,
    relation: String,
}

/// A grant that paid for the work: the funder's name, the award's number and title.
struct FundingRow {
    place: Option<usize>,
    funder: String,
    number: String,
    title: String,
}

/// A date besides publication: when the data was collected, the period it covers…
struct DateRow {
    date: String,
    /// DataCite's date type in lower case.
    kind: String,
    description: String,
}

/// A place the data is about: its name, a point on the globe, what it is.
struct LocationRow {
    place: Option<usize>,
    name: String,
    latitude: String,
    longitude: String,
    description: String,
}

impl LocationRow {
    /// The place as the row gives it, over what the draft held for it: a point replaces the
    /// geometry, and a shape the form cannot show (a polygon) stays while no point is given.
    fn merged(&self, base: Option<&Value>) -> Value {
        let mut feature = base.cloned().unwrap_or_else(|| json!({}));
        let text = |v: &str| if v.is_empty() { Value::Null } else { Value::String(v.to_string()) };
        // A coordinate that is not a number goes as typed, for the checks to name.
        let axis = |v: &str| v.parse::<serde_json::Number>().map(Value::Number).unwrap_or_else(|_| text(v));
        let shape = feature["geometry"]["type"].as_str().is_some_and(|kind| kind != "Point");
        if !self.latitude.is_empty() || !self.longitude.is_empty() {
            feature["geometry"] = json!({"type": "Point", "coordinates": [axis(&self.longitude), axis(&self.latitude)]});
        } else if !shape {
            feature["geometry"] = Value::Null;
        }
        feature["place"] = text(&self.name);
        feature["description"] = text(&self.description);
        if let Some(fields) = feature.as_object_mut() {
            fields.retain(|_, v| !v.is_null());
        }
        feature
    }
}

/// An identifier the data has elsewhere, and its scheme.
struct IdentifierRow {
    identifier: String,
    scheme: String,
}

/// The schemes a related work's identifier may be given in, as the form offers them.
const RELATED_SCHEMES: [&str; 9] = ["doi", "url", "handle", "ark", "arxiv", "isbn", "issn", "pmid", "urn"];

/// Numbered groups of fields (`related-0-identifier`, `related-0-scheme`…) as rows, in the
/// order of their numbers, each a map of its parts; rows left empty are dropped.
fn numbered_rows(fields: &[(String, String)], prefix: &str) -> Vec<BTreeMap<String, String>> {
    let mut rows: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    for (name, value) in fields {
        let Some((index, part)) = name.strip_prefix(prefix).and_then(|rest| rest.split_once('-')) else { continue };
        let Ok(index) = index.parse::<usize>() else { continue };
        rows.entry(index.min(500)).or_default().insert(part.to_string(), value.trim().to_string());
    }
    rows.into_values().filter(|row| row.iter().any(|(part, value)| part != "place" && !value.is_empty())).collect()
}

/// Numbered fields (`subject-0`, `subject-1`…) as a list in the order of their numbers,
/// without those left empty.
fn numbered_list(fields: &[(String, String)], prefix: &str) -> Vec<String> {
    let numbered: BTreeMap<usize, &str> = fields
        .iter()
        .filter_map(|(name, value)| Some((name.strip_prefix(prefix)?.parse().ok()?, value.trim())))
        .filter(|(_, value)| !value.is_empty())
        .collect();
    numbered.into_values().map(str::to_string).collect()
}

/// What the deposit form holds, as text, so that a refused form comes back as it was sent.
#[derive(Default)]
struct DepositForm {
    title: String,
    title_cy: String,
    resource_type: String,
    publication_date: String,
    description: String,
    description_cy: String,
    licence: String,
    subjects: Vec<String>,
    /// ISO 639-3 codes.
    languages: Vec<String>,
    version: String,
    publisher: String,
    creators: Vec<PartyRow>,
    contributors: Vec<PartyRow>,
    related: Vec<RelatedRow>,
    funding: Vec<FundingRow>,
    dates: Vec<DateRow>,
    locations: Vec<LocationRow>,
    identifiers: Vec<IdentifierRow>,
    sizes: Vec<String>,
    formats: Vec<String>,
    data_class: String,
    /// Only a short description is public.
    metadata_only: bool,
    embargo_until: String,
}

/// The Welsh additional title and description are tagged so; a Welsh reader sees them.
const WELSH: &str = "cym";

impl DepositForm {
    fn of(md: &Metadata, access: &Access) -> DepositForm {
        let welsh = |texts: &[tessera_app::domain::metadata::AdditionalText]| {
            texts.iter().find(|t| t.lang.as_ref().is_some_and(|l| l.id == WELSH)).map(|t| t.title.clone()).unwrap_or_default()
        };
        DepositForm {
            title: md.title.clone().unwrap_or_default(),
            title_cy: welsh(&md.additional_titles),
            resource_type: md.resource_type.as_ref().map(|r| r.id.clone()).unwrap_or_default(),
            publication_date: md.publication_date.clone().unwrap_or_default(),
            description: md.description.clone().unwrap_or_default(),
            description_cy: welsh(&md.additional_descriptions),
            licence: md.rights.first().and_then(|r| r.id.clone()).unwrap_or_default(),
            subjects: md.subjects.iter().filter_map(|s| s.subject.clone()).collect(),
            languages: md.languages.iter().map(|l| l.id.clone()).collect(),
            version: md.version.clone().unwrap_or_default(),
            publisher: md.publisher.clone().unwrap_or_default(),
            creators: PartyRow::all(&md.creators),
            contributors: PartyRow::all(&md.contributors),
            dates: md
                .dates
                .iter()
                .map(|d| DateRow { date: d.date.clone(), kind: d.kind.id.clone(), description: d.description.clone().unwrap_or_default() })
                .collect(),
            locations: md
                .locations
                .iter()
                .flat_map(|l| &l.features)
                .enumerate()
                .map(|(place, f)| {
                    let point = f.geometry.as_ref().filter(|g| g["type"] == "Point");
                    let axis = |n: usize| match point.map(|g| &g["coordinates"][n]) {
                        Some(Value::String(typed)) => typed.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => String::new(),
                    };
                    LocationRow {
                        place: Some(place),
                        name: f.place.clone().unwrap_or_default(),
                        latitude: axis(1),
                        longitude: axis(0),
                        description: f.description.clone().unwrap_or_default(),
                    }
                })
                .collect(),
            identifiers: md
                .identifiers
                .iter()
                .map(|i| IdentifierRow { identifier: i.identifier.clone(), scheme: i.scheme.clone() })
                .collect(),
            sizes: md.sizes.clone(),
            formats: md.formats.clone(),
            related: md
                .related_identifiers
                .iter()
                .enumerate()
                .map(|(place, r)| RelatedRow {
                    place: Some(place),
                    identifier: r.identifier.clone(),
                    scheme: r.scheme.clone(),
                    relation: r.relation_type.id.clone(),
                })
                .collect(),
            funding: md
                .funding
                .iter()
                .enumerate()
                .map(|(place, f)| FundingRow {
                    place: Some(place),
                    funder: f.funder.name.clone().or_else(|| f.funder.id.clone()).unwrap_or_default(),
                    number: f.award.as_ref().and_then(|a| a.number.clone()).unwrap_or_default(),
                    title: f.award.as_ref().and_then(|a| a.title.as_ref()).and_then(|t| t.get("en").cloned()).unwrap_or_default(),
                })
                .collect(),
            data_class: access.data_class().as_str().to_string(),
            metadata_only: access.metadata_stub(),
            embargo_until: access.embargo.until.clone().filter(|_| access.embargo.active).unwrap_or_default(),
        }
    }

    /// The form as sent: `creator-N-family`, `related-N-identifier`, `funding-N-funder` and
    /// their siblings make the rows, `subject-N` and `language-N` the lists, in the order of
    /// their numbers.
    fn parse(fields: &[(String, String)]) -> DepositForm {
        let mut form = DepositForm::default();
        for (name, value) in fields {
            let value = value.clone();
            let slot = match name.as_str() {
                "title" => &mut form.title,
                "title_cy" => &mut form.title_cy,
                "resource_type" => &mut form.resource_type,
                "publication_date" => &mut form.publication_date,
                "description" => &mut form.description,
                "description_cy" => &mut form.description_cy,
                "licence" => &mut form.licence,
                "version" => &mut form.version,
                "publisher" => &mut form.publisher,
                "data_class" => &mut form.data_class,
                "embargo_until" => &mut form.embargo_until,
                "visibility" => {
                    form.metadata_only = value == "restricted";
                    continue;
                }
                _ => continue,
            };
            *slot = value;
        }
        let part = |row: &BTreeMap<String, String>, name: &str| row.get(name).cloned().unwrap_or_default();
        form.creators = PartyRow::sent(fields, "creator-");
        form.contributors = PartyRow::sent(fields, "contributor-");
        form.related = numbered_rows(fields, "related-")
            .iter()
            .map(|row| RelatedRow {
                place: row.get("place").and_then(|p| p.parse().ok()),
                identifier: part(row, "identifier"),
                scheme: part(row, "scheme"),
                relation: part(row, "relation"),
            })
            // The scheme always has a value, chosen or not: a row says something only with the others.
            .filter(|row| !row.identifier.is_empty() || !row.relation.is_empty())
            .collect();
        form.funding = numbered_rows(fields, "funding-")
            .iter()
            .map(|row| FundingRow {
                place: row.get("place").and_then(|p| p.parse().ok()),
                funder: part(row, "funder"),
                number: part(row, "number"),
                title: part(row, "title"),
            })
            .collect();
        form.dates = numbered_rows(fields, "date-")
            .iter()
            .map(|row| DateRow { date: part(row, "date"), kind: part(row, "type"), description: part(row, "description") })
            .collect();
        form.locations = numbered_rows(fields, "location-")
            .iter()
            .map(|row| LocationRow {
                place: row.get("place").and_then(|p| p.parse().ok()),
                name: part(row, "name"),
                latitude: part(row, "latitude"),
                longitude: part(row, "longitude"),
                description: part(row, "description"),
            })
            .collect();
        form.identifiers = numbered_rows(fields, "identifier-")
            .iter()
            .map(|row| IdentifierRow { identifier: part(row, "identifier"), scheme: part(row, "scheme") })
            .filter(|row| !row.identifier.is_empty())
            .collect();
        form.subjects = numbered_list(fields, "subject-");
        form.languages = numbered_list(fields, "language-");
        form.sizes = numbered_list(fields, "size-");
        form.formats = numbered_list(fields, "format-");
        form
    }

    /// The draft's metadata and access as the API would take them: what the form shows,
    /// over what the draft holds already, so that what the form does not show (titles and
    /// descriptions in other languages, further rights, partners, file classes…) is kept.
    fn input(&self, draft: Option<&DraftView>) -> Result<tessera_app::RecordInput, ApiError> {
        let as_json = |value: serde_json::Result<Value>| value.map_err(|e| ApiError::bad_request(e.to_string()));
        let mut metadata = match draft {
            Some(draft) => as_json(serde_json::to_value(&draft.metadata))?,
            None => json!({}),
        };
        let mut access = match draft {
            Some(draft) => as_json(serde_json::to_value(&draft.access))?,
            None => json!({}),
        };
        let text = |v: &str| if v.trim().is_empty() { Value::Null } else { Value::String(v.trim().to_string()) };
        let list = |value: &Value| value.as_array().cloned().unwrap_or_default();
        let base_creators = list(&metadata["creators"]);
        let creators: Vec<Value> = self.creators.iter().map(|row| row.merged(row.place.and_then(|p| base_creators.get(p)))).collect();
        let base_contributors = list(&metadata["contributors"]);
        let contributors: Vec<Value> = self
            .contributors
            .iter()
            .map(|row| {
                let mut contributor = row.merged(row.place.and_then(|p| base_contributors.get(p)));
                contributor["role"] = if row.role.is_empty() { Value::Null } else { json!({"id": row.role}) };
                contributor
            })
            .collect();
        let base_features = list(&metadata["locations"]["features"]);
        let features: Vec<Value> = self.locations.iter().map(|row| row.merged(row.place.and_then(|p| base_features.get(p)))).collect();
        // The Welsh text replaces the Welsh one it showed; others stay.
        let welsh = |existing: &Value, v: &str, kind: &str| {
            let mut texts: Vec<Value> = list(existing).into_iter().filter(|t| t["lang"]["id"] != WELSH).collect();
            if !v.trim().is_empty() {
                texts.push(json!({"title": v.trim(), "type": {"id": kind}, "lang": {"id": WELSH}}));
            }
            Value::Array(texts)
        };
        // A subject the draft has keeps its vocabulary id; a new one is free text.
        let old_subjects = list(&metadata["subjects"]);
        let subjects: Vec<Value> = self
            .subjects
            .iter()
            .map(|s| old_subjects.iter().find(|old| old["subject"] == s.as_str()).cloned().unwrap_or_else(|| json!({"subject": s})))
            .collect();
        // The licence is the first of the rights; any further rights statements stay.
        let mut rights = list(&metadata["rights"]);
        if !rights.is_empty() {
            rights.remove(0);
        }
        if !self.licence.trim().is_empty() {
            rights.insert(0, json!({"id": self.licence.trim()}));
        }
        // Related works and grants the form shows replace the draft's, keeping what the form
        // does not show of each (a related work's resource type, a funder's ROR id while its
        // name is unchanged, an award's id).
        let base_related = list(&metadata["related_identifiers"]);
        let related: Vec<Value> = self
            .related
            .iter()
            .map(|row| {
                let mut related = row.place.and_then(|p| base_related.get(p)).cloned().unwrap_or_else(|| json!({}));
                related["identifier"] = json!(row.identifier);
                related["scheme"] = json!(row.scheme);
                related["relation_type"] = json!({"id": row.relation});
                related
            })
            .collect();
        let base_funding = list(&metadata["funding"]);
        let funding: Vec<Value> = self
            .funding
            .iter()
            .map(|row| {
                let mut funding = row.place.and_then(|p| base_funding.get(p)).cloned().unwrap_or_else(|| json!({}));
                let shown = funding["funder"]["name"].as_str().or(funding["funder"]["id"].as_str()).unwrap_or_default().to_string();
                if shown != row.funder {
                    funding["funder"] = json!({"name": text(&row.funder)});
                }
                let mut award = funding["award"].as_object().cloned().unwrap_or_default();
                award.insert("number".into(), text(&row.number));
                award.insert("title".into(), if row.title.is_empty() { Value::Null } else { json!({"en": row.title}) });
                award.retain(|_, v| !v.is_null());
                funding["award"] = if award.is_empty() { Value::Null } else { Value::Object(award) };
                if let Some(fields) = funding.as_object_mut() {
                    fields.retain(|_, v| !v.is_null());
                }
                funding
            })
            .collect();
        let fields = [
            ("title", text(&self.title)),
            ("additional_titles", welsh(&metadata["additional_titles"], &self.title_cy, "translated-title")),
            ("resource_type", if self.resource_type.trim().is_empty() { Value::Null } else { json!({"id": self.resource_type.trim()}) }),
            ("publication_date", text(&self.publication_date)),
            ("description", text(&self.description)),
            ("additional_descriptions", welsh(&metadata["additional_descriptions"], &self.description_cy, "abstract")),
            ("creators", Value::Array(creators)),
            ("subjects", Value::Array(subjects)),
            ("languages", self.languages.iter().map(|l| json!({"id": l})).collect()),
            ("version", text(&self.version)),
            ("publisher", text(&self.publisher)),
            ("rights", Value::Array(rights)),
            ("related_identifiers", Value::Array(related)),
            ("funding", Value::Array(funding)),
            ("contributors", Value::Array(contributors)),
            (
                "dates",
                self.dates.iter().map(|d| json!({"date": d.date, "type": {"id": d.kind}, "description": text(&d.description)})).collect(),
            ),
            ("locations", if features.is_empty() { Value::Null } else { json!({"features": features}) }),
            ("identifiers", self.identifiers.iter().map(|i| json!({"identifier": i.identifier, "scheme": i.scheme})).collect()),
            ("sizes", json!(self.sizes)),
            ("formats", json!(self.formats)),
        ];
        for (name, value) in fields {
            metadata[name] = value;
        }
        // Empty values are left out, as an API client would leave them out.
        if let Value::Object(fields) = &mut metadata {
            fields.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
        }
        let class = self.data_class.parse().unwrap_or(DataClass::Public);
        access["record"] = json!(if self.metadata_only { "restricted" } else { "public" });
        access["files"] = json!(if class == DataClass::Public { "public" } else { "restricted" });
        access["data_class"] = json!(class.as_str());
        access["embargo"] = if self.embargo_until.trim().is_empty() {
            json!({"active": false})
        } else {
            json!({"active": true, "until": self.embargo_until.trim(), "reason": access["embargo"]["reason"]})
        };
        if let Some(embargo) = access["embargo"].as_object_mut() {
            embargo.retain(|_, v| !v.is_null());
        }
        record_input(json!({"metadata": metadata, "access": access}))
    }
}

/// Which form field a problem belongs to, by its id; the others (empty) are listed only in
/// the summary.
fn field_of(problem: &str) -> String {
    let path: Vec<&str> = problem.split('.').collect();
    let field = match path.as_slice() {
        ["metadata", "title", ..] => "title",
        ["metadata", "additional_titles", ..] => "title_cy",
        ["metadata", "resource_type", ..] => "resource_type",
        ["metadata", "publication_date", ..] => "publication_date",
        ["metadata", "description", ..] => "description",
        ["metadata", "additional_descriptions", ..] => "description_cy",
        ["metadata", "rights", ..] => "licence",
        ["metadata", "subjects", index, ..] => return format!("subject-{index}"),
        ["metadata", "languages", index, ..] => return format!("language-{index}"),
        ["metadata", "version", ..] => "version",
        ["metadata", "publisher", ..] => "publisher",
        ["metadata", "creators"] => "creator-0-family",
        ["metadata", group @ ("creators" | "contributors"), index, rest @ ..] => {
            let Ok(index) = index.parse::<usize>() else { return String::new() };
            let part = match rest {
                [_, "identifiers", ..] => "orcid",
                ["affiliations", ..] => "affiliation",
                ["role", ..] => "role",
                [_, "name"] => "organization",
                _ => "family",
            };
            return format!("{}-{index}-{part}", group.trim_end_matches('s'));
        }
        ["metadata", "dates", index, rest @ ..] => {
            let part = if rest.first() == Some(&"type") { "type" } else { "date" };
            return format!("date-{index}-{part}");
        }
        ["metadata", "locations", "features", index, rest @ ..] => {
            let part = match rest {
                ["geometry", "coordinates", "0"] => "longitude",
                ["geometry", ..] => "latitude",
                _ => "name",
            };
            return format!("location-{index}-{part}");
        }
        ["metadata", "identifiers", index, ..] => return format!("identifier-{index}-identifier"),
        ["metadata", "sizes", index, ..] => return format!("size-{index}"),
        ["metadata", "formats", index, ..] => return format!("format-{index}"),
        ["metadata", "related_identifiers", index, rest @ ..] => {
            let part = if rest.first() == Some(&"relation_type") { "relation" } else { "identifier" };
            return format!("related-{index}-{part}");
        }
        ["metadata", "funding", index, ..] => return format!("funding-{index}-funder"),
        ["access", "embargo", ..] => "embargo_until",
        ["access", ..] => "data_class",
        ["files", ..] => "files",
        _ => "",
    };
    field.to_string()
}

struct FieldError {
    /// The id of the field it belongs to, or empty for the form as a whole.
    field: String,
    message: String,
}

struct DraftFileRow {
    key: String,
    size: String,
    checksum: String,
}

#[derive(Template)]
#[template(path = "deposit.html")]
struct DepositPage {
    t: Tr,
    here: String,
    csrf: String,
    /// The draft's id, or none for a deposit not yet saved.
    id: Option<RecordId>,
    form: DepositForm,
    errors: Vec<FieldError>,
    notice: String,
    files: Vec<DraftFileRow>,
    files_page: i64,
    files_pages: i64,
    files_enabled: bool,
    /// `new`, `edit` (of a published record: its files stay) or `version`.
    kind: String,
    resource_types: Vec<(String, String)>,
    data_classes: Vec<(String, String)>,
    licences: &'static [(String, String)],
    languages: &'static [(String, String)],
    subjects: Vec<String>,
}

impl DepositPage {
    /// The page's heading: a new upload, a draft, an edit of a published record, or its next version.
    fn heading(&self) -> String {
        match (self.id, self.kind.as_str()) {
            (None, _) => self.t.t("deposit-new-title"),
            (Some(_), "edit") => self.t.t("deposit-edit-record-title"),
            (Some(_), "version") => self.t.t("deposit-version-title"),
            (Some(_), _) => self.t.t("deposit-edit-title"),
        }
    }

    /// The message for one field, if it has a problem.
    fn error(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> = self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    }

    /// Related works and grants, with one empty row more to add another.
    fn related_rows(&self) -> Vec<(usize, &RelatedRow)> {
        static EMPTY: RelatedRow = RelatedRow { place: None, identifier: String::new(), scheme: String::new(), relation: String::new() };
        self.form.related.iter().chain(std::iter::once(&EMPTY)).enumerate().collect()
    }

    /// The creators' and the contributors' fieldsets: each row with its number, and one
    /// empty row more to add another.
    fn party_groups(&self) -> Vec<PartyGroup<'_>> {
        vec![
            self.party_group(
                "creator",
                &self.form.creators,
                ["deposit-creators", "deposit-creators-hint", "creator-n", "field-organization-hint"],
            ),
            self.party_group(
                "contributor",
                &self.form.contributors,
                ["deposit-contributors", "deposit-contributors-hint", "contributor-n", "field-organization-contributor-hint"],
            ),
        ]
    }

    fn party_group<'a>(
        &self,
        prefix: &'static str,
        rows: &'a [PartyRow],
        [legend, hint, row, organization_hint]: [&str; 4],
    ) -> PartyGroup<'a> {
        static EMPTY: PartyRow = PartyRow {
            place: None,
            family: String::new(),
            given: String::new(),
            orcid: String::new(),
            affiliation: String::new(),
            organization: String::new(),
            role: String::new(),
        };
        let t = &self.t;
        PartyGroup {
            prefix,
            legend: t.t(legend),
            hint: t.t(hint),
            organization_hint: t.t(organization_hint),
            rows: rows.iter().chain(std::iter::once(&EMPTY)).enumerate().map(|(i, r)| (i, t.n(row, i + 1), r)).collect(),
            roles: prefix == "contributor",
        }
    }

    fn date_rows(&self) -> Vec<(usize, &DateRow)> {
        static EMPTY: DateRow = DateRow { date: String::new(), kind: String::new(), description: String::new() };
        self.form.dates.iter().chain(std::iter::once(&EMPTY)).enumerate().collect()
    }

    fn location_rows(&self) -> Vec<(usize, &LocationRow)> {
        static EMPTY: LocationRow =
            LocationRow { place: None, name: String::new(), latitude: String::new(), longitude: String::new(), description: String::new() };
        self.form.locations.iter().chain(std::iter::once(&EMPTY)).enumerate().collect()
    }

    fn identifier_rows(&self) -> Vec<(usize, &IdentifierRow)> {
        static EMPTY: IdentifierRow = IdentifierRow { identifier: String::new(), scheme: String::new() };
        self.form.identifiers.iter().chain(std::iter::once(&EMPTY)).enumerate().collect()
    }

    /// A vocabulary to choose from, as (id, words) in the reader's language, after an empty choice.
    fn choices(&self, words: &str, terms: &[&str]) -> Vec<(String, String)> {
        let ids = terms.iter().map(|term| term.to_lowercase());
        std::iter::once((String::new(), "—".to_string())).chain(ids.map(|id| (id.clone(), self.t.t(&format!("{words}-{id}"))))).collect()
    }

    fn funding_rows(&self) -> Vec<(usize, &FundingRow)> {
        static EMPTY: FundingRow = FundingRow { place: None, funder: String::new(), number: String::new(), title: String::new() };
        self.form.funding.iter().chain(std::iter::once(&EMPTY)).enumerate().collect()
    }

    /// The schemes an identifier may be given in, and the choices of the rows' vocabularies.
    fn schemes(&self) -> Vec<(String, String)> {
        RELATED_SCHEMES.iter().map(|scheme| (scheme.to_string(), scheme.to_string())).collect()
    }

    fn relations(&self) -> Vec<(String, String)> {
        self.choices("relation", vocab::RELATION_TYPES)
    }

    fn roles(&self) -> Vec<(String, String)> {
        self.choices("contributor-type", vocab::CONTRIBUTOR_TYPES)
    }

    fn date_types(&self) -> Vec<(String, String)> {
        self.choices("date-type", vocab::DATE_TYPES)
    }

    /// A list of single fields (subjects, languages, sizes, formats) with one empty field
    /// more to add another.
    fn list_rows<'a>(&self, list: &'a [String]) -> Vec<(usize, &'a str)> {
        list.iter().map(String::as_str).chain([""]).enumerate().collect()
    }
}

/// The creators' or the contributors' rows, with the words of their fieldset.
struct PartyGroup<'a> {
    /// What the rows' field names start with: `creator`, `contributor`.
    prefix: &'static str,
    legend: String,
    hint: String,
    organization_hint: String,
    /// Each row's number, its legend and what it holds.
    rows: Vec<(usize, String, &'a PartyRow)>,
    /// Whether each row has a role to choose.
    roles: bool,
}

/// The SPDX licences, for the licence field's suggestions.
static LICENCES: std::sync::LazyLock<Vec<(String, String)>> =
    std::sync::LazyLock::new(|| vocab::licenses().map(|l| (l.id(), l.title.to_string())).collect());

static LANGUAGES: std::sync::LazyLock<Vec<(String, String)>> =
    std::sync::LazyLock::new(|| vocab::major_languages().map(|(code, name)| (code.to_string(), name.to_string())).collect());

/// The page of the draft's files asked for by `?files_page=`, from 1.
fn files_page_of(here: &str) -> i64 {
    let query = here.split_once('?').map_or("", |(_, query)| query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "files_page")
        .and_then(|(_, page)| page.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

async fn deposit_page(
    state: &AppState,
    user: &SignedIn,
    t: Tr,
    here: String,
    draft: Option<&DraftView>,
    form: DepositForm,
    problems: &[Problem],
) -> Result<DepositPage, HtmlError> {
    // A page of the files: a draft of many files opens as quickly as one of a few.
    let files_page = files_page_of(&here);
    let (files, files_total) = match draft {
        Some(draft) => {
            let list = state.tessera.draft_file_list(&user.subject, draft.id).await?;
            state.tessera.draft_files_page(&list, (files_page - 1).saturating_mul(FILES_PER_PAGE), FILES_PER_PAGE).await?
        }
        None => (Vec::new(), 0),
    };
    // The subjects most used already, as the search facet counts them.
    let used = SearchRequest { limit: 1, ..SearchRequest::default() };
    let subjects = state.tessera.search(&user.subject, used).await?.facets.remove("subject").unwrap_or_default();
    Ok(DepositPage {
        here,
        csrf: user.csrf.clone(),
        id: draft.map(|d| d.id),
        form,
        errors: problems.iter().map(|p| FieldError { field: field_of(&p.field), message: in_words(&t, p) }).collect(),
        notice: String::new(),
        files: files
            .into_iter()
            .map(|f| DraftFileRow {
                size: f.size.map(human_size).unwrap_or_else(|| t.t("file-pending")),
                checksum: f.md5.map(|m| format!("md5:{m}")).unwrap_or_default(),
                key: f.key,
            })
            .collect(),
        files_page,
        files_pages: (files_total + FILES_PER_PAGE - 1) / FILES_PER_PAGE,
        files_enabled: draft.is_none_or(|d| d.files_enabled),
        kind: draft.map_or_else(|| "new".to_string(), |d| d.kind.clone()),
        resource_types: vocab::RESOURCE_TYPES.iter().map(|(id, _)| (id.to_string(), t.bucket("resource_type", id))).collect(),
        data_classes: DataClass::ALL.iter().map(|c| (c.as_str().to_string(), t.t(&format!("data-class-{}", c.as_str())))).collect(),
        licences: &LICENCES,
        languages: &LANGUAGES,
        subjects: subjects.into_iter().map(|(subject, _)| subject).collect(),
        t,
    })
}

pub(crate) async fn new_upload_form(State(state): State<AppState>, user: SignedIn, lang: Lang, uri: Uri) -> Result<Response, HtmlError> {
    let form = DepositForm { data_class: "public".into(), resource_type: "dataset".into(), ..DepositForm::default() };
    let page = deposit_page(&state, &user, lang.tr(), here(&uri), None, form, &[]).await?;
    Ok(render(StatusCode::OK, &page))
}

/// A new deposit: the draft is made with what the form holds, and its page opened.
pub(crate) async fn create_upload(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let form = DepositForm::parse(&fields);
    match state.tessera.create_draft(&user.subject, form.input(None)?).await {
        Ok(draft) => Ok(Redirect::to(&format!("/uploads/{}", draft.id)).into_response()),
        Err(AppError::Validation(problems)) => {
            let page = deposit_page(&state, &user, lang.tr(), here(&uri), None, form, &problems).await?;
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(err) => Err(err.into()),
    }
}

pub(crate) async fn upload_form(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let id = record_id(&id)?;
    // Come back to while its publish goes on: the draft until it is done, then its record.
    let publishing = match field(&query, "publishing") {
        Some(task) => {
            Some(state.tessera.task(&user.subject, task).await?).filter(|task| task.record == id && task.kind == TaskKind::Publish)
        }
        None => None,
    };
    if let Some(task) = publishing.as_ref().filter(|task| task.status != TaskStatus::Running) {
        return published_or_not(&state, &user, lang, uri, task).await;
    }
    let draft = state.tessera.draft(&user.subject, id).await?;
    let mut notice = notice(&t, &query, &[("saved", "deposit-saved"), ("files", "deposit-files-added")]);
    if publishing.is_some() {
        notice = t.t("deposit-publishing");
    }
    let form = DepositForm::of(&draft.metadata, &draft.access);
    let mut page = deposit_page(&state, &user, t, here(&uri), Some(&draft), form, &[]).await?;
    page.notice = notice;
    Ok(render(StatusCode::OK, &page))
}

/// How long the publish button waits for the publish before the page says it goes on.
const PUBLISH_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Where a publish that has ended leads: to the record, or back to the draft with every problem
/// that stopped it, or to the page of any other failure.
async fn published_or_not(state: &AppState, user: &SignedIn, lang: Lang, uri: Uri, task: &TaskView) -> Result<Response, HtmlError> {
    let id = task.record;
    let Some(failure) = &task.failure else { return Ok(Redirect::to(&format!("/records/{id}")).into_response()) };
    if failure.problems.is_empty() {
        return Ok(failure_page(lang.tr(), here(&uri), failure));
    }
    let draft = state.tessera.draft(&user.subject, id).await?;
    let form = DepositForm::of(&draft.metadata, &draft.access);
    let page = deposit_page(state, user, lang.tr(), format!("/uploads/{id}"), Some(&draft), form, &failure.problems).await?;
    Ok(render(StatusCode::BAD_REQUEST, &page))
}

/// Saves the form, and publishes when that button was pressed. Every problem that stops
/// publishing comes back beside its field, with the form as it was sent.
pub(crate) async fn save_upload(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let id = record_id(&id)?;
    let form = DepositForm::parse(&fields);
    let draft = state.tessera.draft(&user.subject, id).await?;
    // Shown again with its problems: the form as sent when it was not saved, else the draft
    // as saved, whose creators are then in the places the problems name.
    let (form, draft, problems) = match state.tessera.update_draft(&user.subject, id, form.input(Some(&draft))?).await {
        Ok(_) if field(&fields, "action") != Some("publish") => {
            return Ok(Redirect::to(&format!("/uploads/{id}?done=saved")).into_response());
        }
        Ok(_) => {
            // Published as a task, so a dataset of many files does not hold the page past
            // what a browser or a proxy waits for: after a while it says the publish goes on.
            let task = state.tessera.publish_in_background(&user.subject, id).await?;
            let task = state.tessera.await_task(&user.subject, &task.id, PUBLISH_WAIT).await?;
            if task.status == TaskStatus::Running {
                return Ok(Redirect::to(&format!("/uploads/{id}?publishing={}", task.id)).into_response());
            }
            return published_or_not(&state, &user, lang, uri, &task).await;
        }
        Err(AppError::Validation(problems)) => (form, draft, problems),
        Err(err) => return Err(err.into()),
    };
    let page = deposit_page(&state, &user, lang.tr(), here(&uri), Some(&draft), form, &problems).await?;
    Ok(render(StatusCode::BAD_REQUEST, &page))
}

/// Files from the page's upload form, each streamed into the draft as the API's uploads are.
/// The form's token comes first in the body, so nothing is written for a forged form.
pub(crate) async fn add_files(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, HtmlError> {
    let id = record_id(&id)?;
    let bad = |err: axum::extract::multipart::MultipartError| ApiError::bad_request(err.body_text());
    let first = multipart.next_field().await.map_err(bad)?;
    let token = match first {
        Some(field) if field.name() == Some("csrf_token") => Some(field.text().await.map_err(bad)?),
        _ => None,
    };
    user.check(token.as_deref())?;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let Some(key) = field.file_name().map(str::to_string).filter(|k| !k.is_empty()) else { continue };
        state.tessera.init_files(&user.subject, id, vec![FileDeclaration::whole(key.clone())]).await?;
        let stream = field.map_err(|err| err.body_text());
        state.tessera.upload_content(&user.subject, id, &key, stream).await?;
        state.tessera.commit_file(&user.subject, id, &key).await?;
    }
    Ok(Redirect::to(&format!("/uploads/{id}?done=files#files")).into_response())
}

pub(crate) async fn remove_file(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let id = record_id(&id)?;
    let key = field(&fields, "key").ok_or_else(|| ApiError::invalid_field("key", "name the file to remove"))?;
    state.tessera.delete_draft_file(&user.subject, id, key).await?;
    Ok(Redirect::to(&format!("/uploads/{id}#files")).into_response())
}

#[derive(Template)]
#[template(path = "change.html")]
struct ChangePage {
    t: Tr,
    here: String,
    csrf: String,
    id: RecordId,
    title: String,
    next_version: i64,
}

/// What a depositor can do to a published record: edit its description, or start its next
/// version. Each is a form, so it carries the session's token.
pub(crate) async fn change_form(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let id = record_id(&id)?;
    let view = state.tessera.record(&user.subject, id).await?;
    if !view.editable {
        return Err(ApiError::from(AppError::Forbidden { reason: "only its depositor and curators change a record" }).into());
    }
    let t = lang.tr();
    let page = ChangePage {
        here: here(&uri),
        csrf: user.csrf.clone(),
        id,
        title: t.title(&view.doc.metadata),
        next_version: view.versions_count + 1,
        t,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Opens the draft that edits a published record (`edit`) or starts its next version
/// (`new-version`), or the one already open, and goes to its form.
pub(crate) async fn open_change(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, change)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let id = record_id(&id)?;
    let draft = match change.as_str() {
        "edit" => state.tessera.edit_record(&user.subject, id).await?,
        "new-version" => state.tessera.new_version(&user.subject, id).await?,
        _ => return Err(ApiError::NotFound(format!("'{change}' of record {id}")).into()),
    };
    Ok(Redirect::to(&format!("/uploads/{}", draft.id)).into_response())
}
