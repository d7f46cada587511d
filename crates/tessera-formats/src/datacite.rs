//! DataCite Metadata Schema 4 XML, the form DOIs are registered in and `oai_datacite` serves.
//!
//! Tessera keeps InvenioRDM's vocabulary ids (`iscitedby`, `alternative-title`, `datacollector`);
//! DataCite's controlled lists take the same words in their own spelling, so ids are matched
//! to them ignoring case, hyphens and underscores. A value DataCite has no word for becomes
//! `Other` where the list has it, and is left out where it does not (a relation of unknown type
//! tells a reader nothing).

use serde_json::{Value, json};
use tessera_domain::metadata::{Creator, PartyType, SchemeId};
use tessera_domain::vocab::{self, CONTRIBUTOR_TYPES, DATE_TYPES, RELATION_TYPES};

use crate::xml::Xml;
use crate::{Described, english};

pub const NAMESPACE: &str = "http://datacite.org/schema/kernel-4";
pub const SCHEMA_LOCATION: &str = "http://schema.datacite.org/meta/kernel-4.6/metadata.xsd";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

const DESCRIPTION_TYPES: &[&str] = &["Abstract", "Methods", "SeriesInformation", "TableOfContents", "TechnicalInfo", "Other"];
const TITLE_TYPES: &[&str] = &["AlternativeTitle", "Subtitle", "TranslatedTitle", "Other"];
const IDENTIFIER_TYPES: &[&str] = &[
    "ARK", "arXiv", "bibcode", "CSTR", "DOI", "EAN13", "EISSN", "Handle", "IGSN", "ISBN", "ISSN", "ISTC", "LISSN", "LSID", "PMID", "PURL",
    "RRID", "UPC", "URL", "URN", "w3id",
];

/// DataCite's word for an InvenioRDM vocabulary id, from one of its controlled lists.
fn term(list: &'static [&'static str], id: &str) -> Option<&'static str> {
    vocab::datacite_term(list, id)
}

/// The term, or `Other` when the list has no word for it.
fn term_or_other(list: &'static [&'static str], id: &str) -> &'static str {
    term(list, id).unwrap_or("Other")
}

/// DataCite's general resource type for one of InvenioRDM's resource type ids.
pub fn resource_type_general(id: &str) -> &'static str {
    match id {
        "dataset" => "Dataset",
        "audio" => "Sound",
        "video" => "Audiovisual",
        "model" => "Model",
        "physicalobject" => "PhysicalObject",
        "publication-article" => "JournalArticle",
        "publication-book" => "Book",
        "publication-report" => "Report",
        "publication-thesis" => "Dissertation",
        "publication-preprint" => "Preprint",
        "event" => "Event",
        "software" => "Software",
        "software-computationalnotebook" => "ComputationalNotebook",
        "workflow" => "Workflow",
        id if id.starts_with("image") => "Image",
        id if id.starts_with("publication") || matches!(id, "poster" | "presentation" | "lesson") => "Text",
        _ => "Other",
    }
}

/// A record in DataCite's terms: mapped once from Tessera's metadata, then written as XML
/// (`write_xml`) or as the JSON of DataCite's REST API (`to_json`).
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    identifier: (String, String),
    creators: Vec<Party>,
    titles: Vec<Text>,
    publisher: String,
    publication_year: String,
    /// (resourceTypeGeneral, free text)
    resource_type: (&'static str, String),
    subjects: Vec<Subject>,
    contributors: Vec<Party>,
    dates: Vec<Date>,
    language: Option<String>,
    alternate_identifiers: Vec<(String, String)>,
    related_identifiers: Vec<Related>,
    sizes: Vec<String>,
    formats: Vec<String>,
    version: Option<String>,
    rights: Vec<Rights>,
    descriptions: Vec<Text>,
    geo_locations: Vec<GeoLocation>,
    funding: Vec<FundingReference>,
    url: String,
}

#[derive(Clone, Debug, PartialEq)]
struct Party {
    name: String,
    name_type: &'static str,
    given_name: Option<String>,
    family_name: Option<String>,
    /// (identifier, scheme, scheme URI)
    identifiers: Vec<(String, String, &'static str)>,
    /// (name, ROR URL)
    affiliations: Vec<(String, Option<String>)>,
    contributor_type: Option<&'static str>,
}

/// A title or description, with its type and language.
#[derive(Clone, Debug, PartialEq)]
struct Text {
    text: String,
    kind: Option<&'static str>,
    lang: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Subject {
    subject: String,
    scheme: Option<String>,
    uri: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Date {
    date: String,
    kind: &'static str,
    information: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Related {
    identifier: String,
    kind: &'static str,
    relation: &'static str,
    general: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
struct Rights {
    rights: String,
    uri: Option<String>,
    spdx: Option<&'static str>,
}

/// A place's name, and its point (longitude, latitude) if it has one.
type GeoLocation = (Option<String>, Option<(f64, f64)>);

#[derive(Clone, Debug, PartialEq)]
struct FundingReference {
    funder: String,
    ror: Option<String>,
    award_number: Option<String>,
    award_title: Option<String>,
}

impl Resource {
    pub fn of(record: &Described<'_>) -> Self {
        let md = record.metadata;
        let mut creators: Vec<Party> = md.creators.iter().map(|c| party(c, None)).collect();
        if creators.is_empty() {
            creators.push(Party {
                name: ":unav".into(),
                name_type: "Organizational",
                given_name: None,
                family_name: None,
                identifiers: Vec::new(),
                affiliations: Vec::new(),
                contributor_type: None,
            });
        }
        let mut titles = vec![Text { text: non_empty(md.title.as_deref()).to_string(), kind: None, lang: None }];
        titles.extend(md.additional_titles.iter().filter(|t| !t.title.trim().is_empty()).map(|t| Text {
            text: t.title.clone(),
            kind: Some(term_or_other(TITLE_TYPES, &t.kind.id)),
            lang: t.lang.as_ref().map(|l| language(&l.id).to_string()),
        }));
        let type_id = md.resource_type.as_ref().map_or("other", |t| t.id.as_str());
        let mut dates: Vec<Date> =
            md.publication_date.iter().map(|d| Date { date: d.clone(), kind: "Issued", information: None }).collect();
        if let Some(until) = record.access.embargo.until.as_ref().filter(|_| record.access.embargo.active) {
            dates.push(Date { date: until.clone(), kind: "Available", information: None });
        }
        dates.push(Date { date: record.updated.get(..10).unwrap_or(record.updated).to_string(), kind: "Updated", information: None });
        dates.extend(md.dates.iter().map(|d| Date {
            date: d.date.clone(),
            kind: term_or_other(DATE_TYPES, &d.kind.id),
            information: d.description.clone(),
        }));
        // The landing page is another identifier of the same thing when the PID is not a URL.
        let mut alternate_identifiers: Vec<(String, String)> =
            md.identifiers.iter().map(|id| (scheme_name(&id.scheme).to_string(), id.identifier.clone())).collect();
        if record.pid.kind != "URL" {
            alternate_identifiers.push(("URL".into(), record.landing_page.to_string()));
        }
        let mut rights: Vec<Rights> =
            record.rights().map(|r| Rights { rights: r.title.to_string(), uri: r.url, spdx: r.licence.map(|l| l.spdx_id) }).collect();
        let access = record.access_right();
        rights.push(Rights { rights: access.label().into(), uri: Some(access.eu_repo().into()), spdx: None });
        let descriptions = md
            .description
            .iter()
            .map(|d| Text { text: d.clone(), kind: Some("Abstract"), lang: None })
            .chain(md.additional_descriptions.iter().map(|d| Text {
                text: d.title.clone(),
                kind: Some(term_or_other(DESCRIPTION_TYPES, &d.kind.id)),
                lang: d.lang.as_ref().map(|l| language(&l.id).to_string()),
            }))
            .filter(|d| !d.text.trim().is_empty())
            .collect();
        let geo_locations = md.locations.iter().flat_map(|l| &l.features).map(|f| (f.place.clone(), f.geometry.as_ref().and_then(point)));
        let funding = md.funding.iter().filter_map(|f| {
            Some(FundingReference {
                funder: f.funder.name.clone().filter(|n| !n.trim().is_empty())?,
                ror: f.funder.id.as_ref().map(|ror| format!("https://ror.org/{ror}")),
                award_number: f.award.as_ref().and_then(|a| a.number.clone()),
                award_title: f.award.as_ref().and_then(|a| a.title.as_ref()).and_then(english).map(str::to_string),
            })
        });
        Resource {
            identifier: (record.pid.kind.to_string(), record.pid.value.to_string()),
            creators,
            titles,
            publisher: record.publisher().to_string(),
            publication_year: record.publication_year(),
            resource_type: (resource_type_general(type_id), vocab::resource_type_title(type_id).unwrap_or(type_id).to_string()),
            subjects: md
                .subjects
                .iter()
                .filter_map(|s| {
                    Some(Subject { subject: s.subject.clone()?, scheme: s.scheme.clone(), uri: s.id.clone().filter(|id| is_http(id)) })
                })
                .collect(),
            contributors: md
                .contributors
                .iter()
                .map(|c| party(c, Some(c.role.as_ref().map_or("Other", |role| term_or_other(CONTRIBUTOR_TYPES, &role.id)))))
                .collect(),
            dates,
            language: md.languages.first().map(|l| language(&l.id).to_string()),
            alternate_identifiers,
            related_identifiers: md
                .related_identifiers
                .iter()
                .filter_map(|r| {
                    Some(Related {
                        identifier: r.identifier.clone(),
                        kind: term(IDENTIFIER_TYPES, &r.scheme)?,
                        relation: term(RELATION_TYPES, &r.relation_type.id)?,
                        general: r.resource_type.as_ref().map(|t| resource_type_general(&t.id)),
                    })
                })
                .collect(),
            sizes: md.sizes.clone(),
            formats: md.formats.clone(),
            version: md.version.clone(),
            rights,
            descriptions,
            geo_locations: geo_locations.filter(|(place, point)| place.is_some() || point.is_some()).collect(),
            funding: funding.collect(),
            url: record.landing_page.to_string(),
        }
    }

    /// The `<resource>` element, namespaced, for a document of its own or an OAI-PMH answer.
    pub fn write_xml(&self, xml: &mut Xml) {
        let location = format!("{NAMESPACE} {SCHEMA_LOCATION}");
        xml.open("resource", &[("xmlns", NAMESPACE), ("xmlns:xsi", XSI), ("xsi:schemaLocation", &location)]);
        xml.leaf("identifier", &[("identifierType", &self.identifier.0)], &self.identifier.1);
        xml.open("creators", &[]);
        self.creators.iter().for_each(|p| p.write_xml(xml, "creator"));
        xml.close("creators");
        xml.open("titles", &[]);
        for t in &self.titles {
            xml.leaf("title", &[("titleType", t.kind.unwrap_or_default()), ("xml:lang", t.lang.as_deref().unwrap_or_default())], &t.text);
        }
        xml.close("titles");
        xml.leaf("publisher", &[], &self.publisher);
        xml.leaf("publicationYear", &[], &self.publication_year);
        xml.leaf("resourceType", &[("resourceTypeGeneral", self.resource_type.0)], &self.resource_type.1);
        if !self.subjects.is_empty() {
            xml.open("subjects", &[]);
            for s in &self.subjects {
                let attrs =
                    [("subjectScheme", s.scheme.as_deref().unwrap_or_default()), ("valueURI", s.uri.as_deref().unwrap_or_default())];
                xml.leaf("subject", &attrs, &s.subject);
            }
            xml.close("subjects");
        }
        if !self.contributors.is_empty() {
            xml.open("contributors", &[]);
            self.contributors.iter().for_each(|p| p.write_xml(xml, "contributor"));
            xml.close("contributors");
        }
        xml.open("dates", &[]);
        for d in &self.dates {
            xml.leaf("date", &[("dateType", d.kind), ("dateInformation", d.information.as_deref().unwrap_or_default())], &d.date);
        }
        xml.close("dates");
        if let Some(language) = &self.language {
            xml.leaf("language", &[], language);
        }
        if !self.alternate_identifiers.is_empty() {
            xml.open("alternateIdentifiers", &[]);
            for (kind, value) in &self.alternate_identifiers {
                xml.leaf("alternateIdentifier", &[("alternateIdentifierType", kind)], value);
            }
            xml.close("alternateIdentifiers");
        }
        if !self.related_identifiers.is_empty() {
            xml.open("relatedIdentifiers", &[]);
            for r in &self.related_identifiers {
                let attrs = [
                    ("relatedIdentifierType", r.kind),
                    ("relationType", r.relation),
                    ("resourceTypeGeneral", r.general.unwrap_or_default()),
                ];
                xml.leaf("relatedIdentifier", &attrs, &r.identifier);
            }
            xml.close("relatedIdentifiers");
        }
        xml.list("sizes", "size", self.sizes.iter().map(String::as_str));
        xml.list("formats", "format", self.formats.iter().map(String::as_str));
        if let Some(version) = &self.version {
            xml.leaf("version", &[], version);
        }
        xml.open("rightsList", &[]);
        for r in &self.rights {
            let spdx = r.spdx.unwrap_or_default();
            let (scheme, scheme_uri) = if spdx.is_empty() { ("", "") } else { ("SPDX", "https://spdx.org/licenses/") };
            let uri = r.uri.as_deref().unwrap_or_default();
            let attrs = [("rightsURI", uri), ("rightsIdentifier", spdx), ("rightsIdentifierScheme", scheme), ("schemeURI", scheme_uri)];
            xml.leaf("rights", &attrs, &r.rights);
        }
        xml.close("rightsList");
        if !self.descriptions.is_empty() {
            xml.open("descriptions", &[]);
            for d in &self.descriptions {
                let attrs = [("descriptionType", d.kind.unwrap_or("Other")), ("xml:lang", d.lang.as_deref().unwrap_or_default())];
                xml.leaf("description", &attrs, &d.text);
            }
            xml.close("descriptions");
        }
        if !self.geo_locations.is_empty() {
            xml.open("geoLocations", &[]);
            for (place, point) in &self.geo_locations {
                xml.open("geoLocation", &[]);
                if let Some(place) = place {
                    xml.leaf("geoLocationPlace", &[], place);
                }
                if let Some((lon, lat)) = point {
                    xml.open("geoLocationPoint", &[]);
                    xml.leaf("pointLongitude", &[], &lon.to_string()).leaf("pointLatitude", &[], &lat.to_string());
                    xml.close("geoLocationPoint");
                }
                xml.close("geoLocation");
            }
            xml.close("geoLocations");
        }
        if !self.funding.is_empty() {
            xml.open("fundingReferences", &[]);
            for f in &self.funding {
                xml.open("fundingReference", &[]);
                xml.leaf("funderName", &[], &f.funder);
                if let Some(ror) = &f.ror {
                    xml.leaf("funderIdentifier", &[("funderIdentifierType", "ROR"), ("schemeURI", "https://ror.org")], ror);
                }
                if let Some(number) = &f.award_number {
                    xml.leaf("awardNumber", &[], number);
                }
                if let Some(title) = &f.award_title {
                    xml.leaf("awardTitle", &[], title);
                }
                xml.close("fundingReference");
            }
            xml.close("fundingReferences");
        }
        xml.close("resource");
    }

    /// The attributes of a DOI in DataCite's REST API (JSON:API `data.attributes`).
    pub fn to_json(&self) -> Value {
        let texts = |texts: &[Text], field: &str, kind_field: &str| -> Vec<Value> {
            texts
                .iter()
                .map(|t| {
                    let mut value = json!({ field: t.text });
                    if let Some(kind) = t.kind {
                        value[kind_field] = json!(kind);
                    }
                    if let Some(lang) = &t.lang {
                        value["lang"] = json!(lang);
                    }
                    value
                })
                .collect()
        };
        let mut value = json!({
            "identifiers": [{"identifier": self.identifier.1, "identifierType": self.identifier.0}],
            "creators": self.creators.iter().map(Party::to_json).collect::<Vec<_>>(),
            "titles": texts(&self.titles, "title", "titleType"),
            "publisher": {"name": self.publisher},
            "publicationYear": self.publication_year.parse::<i64>().ok(),
            "types": {"resourceTypeGeneral": self.resource_type.0, "resourceType": self.resource_type.1},
            "subjects": self.subjects.iter().map(|s| json!({"subject": s.subject, "subjectScheme": s.scheme, "valueUri": s.uri})).collect::<Vec<_>>(),
            "contributors": self.contributors.iter().map(Party::to_json).collect::<Vec<_>>(),
            "dates": self.dates.iter().map(|d| json!({"date": d.date, "dateType": d.kind, "dateInformation": d.information})).collect::<Vec<_>>(),
            "language": self.language,
            "alternateIdentifiers": self.alternate_identifiers.iter().map(|(kind, value)| json!({"alternateIdentifier": value, "alternateIdentifierType": kind})).collect::<Vec<_>>(),
            "relatedIdentifiers": self.related_identifiers.iter().map(|r| json!({
                "relatedIdentifier": r.identifier, "relatedIdentifierType": r.kind, "relationType": r.relation, "resourceTypeGeneral": r.general,
            })).collect::<Vec<_>>(),
            "sizes": self.sizes,
            "formats": self.formats,
            "version": self.version,
            "rightsList": self.rights.iter().map(|r| json!({
                "rights": r.rights, "rightsUri": r.uri, "rightsIdentifier": r.spdx.map(str::to_ascii_lowercase),
                "rightsIdentifierScheme": r.spdx.map(|_| "SPDX"),
            })).collect::<Vec<_>>(),
            "descriptions": texts(&self.descriptions, "description", "descriptionType"),
            "geoLocations": self.geo_locations.iter().map(|(place, point)| json!({
                "geoLocationPlace": place,
                "geoLocationPoint": point.map(|(lon, lat)| json!({"pointLongitude": lon, "pointLatitude": lat})),
            })).collect::<Vec<_>>(),
            "fundingReferences": self.funding.iter().map(|f| json!({
                "funderName": f.funder, "funderIdentifier": f.ror, "funderIdentifierType": f.ror.as_ref().map(|_| "ROR"),
                "awardNumber": f.award_number, "awardTitle": f.award_title,
            })).collect::<Vec<_>>(),
            "url": self.url,
            "schemaVersion": NAMESPACE,
        });
        if self.identifier.0 == "DOI" {
            value["doi"] = json!(self.identifier.1);
        }
        without_nulls(&mut value);
        value
    }
}

impl Party {
    fn write_xml(&self, xml: &mut Xml, element: &str) {
        xml.open(element, &[("contributorType", self.contributor_type.unwrap_or_default())]);
        xml.leaf(&format!("{element}Name"), &[("nameType", self.name_type)], &self.name);
        for (tag, value) in [("givenName", &self.given_name), ("familyName", &self.family_name)] {
            if let Some(value) = value {
                xml.leaf(tag, &[], value);
            }
        }
        for (value, scheme, uri) in &self.identifiers {
            xml.leaf("nameIdentifier", &[("nameIdentifierScheme", scheme), ("schemeURI", uri)], value);
        }
        for (name, ror) in &self.affiliations {
            let (id, scheme, scheme_uri) = match ror {
                Some(ror) => (ror.as_str(), "ROR", "https://ror.org"),
                None => ("", "", ""),
            };
            let attrs = [("affiliationIdentifier", id), ("affiliationIdentifierScheme", scheme), ("schemeURI", scheme_uri)];
            xml.leaf("affiliation", &attrs, name);
        }
        xml.close(element);
    }

    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "nameType": self.name_type,
            "givenName": self.given_name,
            "familyName": self.family_name,
            "contributorType": self.contributor_type,
            "nameIdentifiers": self.identifiers.iter().map(|(value, scheme, uri)| json!({
                "nameIdentifier": value, "nameIdentifierScheme": scheme, "schemeUri": (!uri.is_empty()).then_some(uri),
            })).collect::<Vec<_>>(),
            "affiliation": self.affiliations.iter().map(|(name, ror)| json!({
                "name": name, "affiliationIdentifier": ror, "affiliationIdentifierScheme": ror.as_ref().map(|_| "ROR"),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The record as a standalone DataCite XML document.
pub fn document(record: &Described<'_>) -> String {
    let mut xml = Xml::document();
    Resource::of(record).write_xml(&mut xml);
    xml.finish()
}

/// The record as DataCite JSON.
pub fn json(record: &Described<'_>) -> Value {
    Resource::of(record).to_json()
}

/// A creator or contributor in DataCite's terms; contributors carry their type.
fn party(who: &Creator, contributor_type: Option<&'static str>) -> Party {
    let p = &who.person_or_org;
    let personal = p.kind == PartyType::Personal;
    let name_part = |part: &Option<String>| part.clone().filter(|v| personal && !v.trim().is_empty());
    Party {
        name: non_empty(p.name.as_deref()).to_string(),
        name_type: if personal { "Personal" } else { "Organizational" },
        given_name: name_part(&p.given_name),
        family_name: name_part(&p.family_name),
        identifiers: p.identifiers.iter().filter(|id| !id.identifier.trim().is_empty()).map(name_identifier).collect(),
        affiliations: who
            .affiliations
            .iter()
            .filter_map(|a| {
                let name = a.name.clone().or_else(|| a.id.clone())?;
                Some((name, a.id.as_ref().map(|id| format!("https://ror.org/{id}"))))
            })
            .collect(),
        contributor_type,
    }
}

/// Removes null members from objects, all the way down: DataCite's JSON leaves absent
/// properties out.
fn without_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(without_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(without_nulls),
        _ => {}
    }
}

/// A name identifier as DataCite writes it: the identifier in full, its scheme and the scheme's URI.
fn name_identifier(id: &SchemeId) -> (String, String, &'static str) {
    match id.scheme.to_ascii_lowercase().as_str() {
        "orcid" => (format!("https://orcid.org/{}", id.identifier), "ORCID".into(), "https://orcid.org"),
        "ror" => (format!("https://ror.org/{}", id.identifier), "ROR".into(), "https://ror.org"),
        "isni" => (id.identifier.clone(), "ISNI".into(), "https://isni.org"),
        "gnd" => (id.identifier.clone(), "GND".into(), "https://d-nb.info/gnd/"),
        _ => (id.identifier.clone(), if id.scheme.is_empty() { "Other".into() } else { id.scheme.clone() }, ""),
    }
}

/// The name of an identifier scheme as DataCite spells it (`doi` → `DOI`), or as given.
fn scheme_name(scheme: &str) -> &str {
    term(IDENTIFIER_TYPES, scheme).unwrap_or(if scheme.is_empty() { "Other" } else { scheme })
}

/// A GeoJSON point's longitude and latitude, if the geometry is one and they are in range.
fn point(geometry: &Value) -> Option<(f64, f64)> {
    if geometry.get("type")?.as_str()? != "Point" {
        return None;
    }
    let coordinates = geometry.get("coordinates")?.as_array()?;
    let (lon, lat) = (coordinates.first()?.as_f64()?, coordinates.get(1)?.as_f64()?);
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
}

/// A language as BCP 47 prefers it: ISO 639-1 where there is such a code, else ISO 639-3.
fn language(code: &str) -> &str {
    vocab::language_639_1(code).unwrap_or(code)
}

fn is_http(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

/// A required text, or DataCite's standard value for "unavailable".
fn non_empty(text: Option<&str>) -> &str {
    text.filter(|t| !t.trim().is_empty()).unwrap_or(":unav")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invenio_ids_find_datacite_terms() {
        assert_eq!(term(RELATION_TYPES, "iscitedby"), Some("IsCitedBy"));
        assert_eq!(term(TITLE_TYPES, "alternative-title"), Some("AlternativeTitle"));
        assert_eq!(term(CONTRIBUTOR_TYPES, "datacollector"), Some("DataCollector"));
        assert_eq!(term(IDENTIFIER_TYPES, "arxiv"), Some("arXiv"));
        assert_eq!(term_or_other(DESCRIPTION_TYPES, "notes"), "Other");
        assert_eq!(term(RELATION_TYPES, "likes"), None);
        assert_eq!((resource_type_general("image-photo"), resource_type_general("lesson")), ("Image", "Text"));
    }
}
