//! DataCite Metadata Schema 4 XML, the form DOIs are registered in and `oai_datacite` serves.
//!
//! Tessera keeps InvenioRDM's vocabulary ids (`iscitedby`, `alternative-title`, `datacollector`);
//! DataCite's controlled lists take the same words in their own spelling, so ids are matched
//! to them ignoring case, hyphens and underscores. A value DataCite has no word for becomes
//! `Other` where the list has it, and is left out where it does not (a relation of unknown type
//! tells a reader nothing).

use serde_json::Value;
use tessera_domain::metadata::{Creator, PartyType, SchemeId};
use tessera_domain::vocab;

use crate::Described;
use crate::xml::Xml;

pub const NAMESPACE: &str = "http://datacite.org/schema/kernel-4";
pub const SCHEMA_LOCATION: &str = "http://schema.datacite.org/meta/kernel-4.6/metadata.xsd";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

const CONTRIBUTOR_TYPES: &[&str] = &[
    "ContactPerson",
    "DataCollector",
    "DataCurator",
    "DataManager",
    "Distributor",
    "Editor",
    "HostingInstitution",
    "Other",
    "Producer",
    "ProjectLeader",
    "ProjectManager",
    "ProjectMember",
    "RegistrationAgency",
    "RegistrationAuthority",
    "RelatedPerson",
    "ResearchGroup",
    "RightsHolder",
    "Researcher",
    "Sponsor",
    "Supervisor",
    "Translator",
    "WorkPackageLeader",
];
const RELATION_TYPES: &[&str] = &[
    "IsCitedBy",
    "Cites",
    "IsSupplementTo",
    "IsSupplementedBy",
    "IsContinuedBy",
    "Continues",
    "IsNewVersionOf",
    "IsPreviousVersionOf",
    "IsPartOf",
    "HasPart",
    "IsPublishedIn",
    "IsReferencedBy",
    "References",
    "IsDocumentedBy",
    "Documents",
    "IsCompiledBy",
    "Compiles",
    "IsVariantFormOf",
    "IsOriginalFormOf",
    "IsIdenticalTo",
    "HasMetadata",
    "IsMetadataFor",
    "Reviews",
    "IsReviewedBy",
    "IsDerivedFrom",
    "IsSourceOf",
    "Describes",
    "IsDescribedBy",
    "HasVersion",
    "IsVersionOf",
    "Requires",
    "IsRequiredBy",
    "Obsoletes",
    "IsObsoletedBy",
    "Collects",
    "IsCollectedBy",
    "HasTranslation",
    "IsTranslationOf",
];
const DATE_TYPES: &[&str] = &[
    "Accepted",
    "Available",
    "Collected",
    "Copyrighted",
    "Coverage",
    "Created",
    "Issued",
    "Other",
    "Submitted",
    "Updated",
    "Valid",
    "Withdrawn",
];
const DESCRIPTION_TYPES: &[&str] = &["Abstract", "Methods", "SeriesInformation", "TableOfContents", "TechnicalInfo", "Other"];
const TITLE_TYPES: &[&str] = &["AlternativeTitle", "Subtitle", "TranslatedTitle", "Other"];
const IDENTIFIER_TYPES: &[&str] = &[
    "ARK", "arXiv", "bibcode", "CSTR", "DOI", "EAN13", "EISSN", "Handle", "IGSN", "ISBN", "ISSN", "ISTC", "LISSN", "LSID", "PMID", "PURL",
    "RRID", "UPC", "URL", "URN", "w3id",
];

/// DataCite's word for an InvenioRDM vocabulary id, from one of its controlled lists.
fn term(list: &'static [&'static str], id: &str) -> Option<&'static str> {
    let key: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    list.iter().copied().find(|term| term.eq_ignore_ascii_case(&key))
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

/// The record as a standalone DataCite XML document.
pub fn document(record: &Described<'_>) -> String {
    let mut xml = Xml::document();
    resource(&mut xml, record);
    xml.finish()
}

/// The `<resource>` element, namespaced, for a document of its own or an OAI-PMH response.
pub fn resource(xml: &mut Xml, record: &Described<'_>) {
    let md = record.metadata;
    let location = format!("{NAMESPACE} {SCHEMA_LOCATION}");
    xml.open("resource", &[("xmlns", NAMESPACE), ("xmlns:xsi", XSI), ("xsi:schemaLocation", &location)]);
    xml.leaf("identifier", &[("identifierType", record.pid.kind)], record.pid.value);

    xml.open("creators", &[]);
    for creator in &md.creators {
        party(xml, "creator", creator, None);
    }
    if md.creators.is_empty() {
        xml.open("creator", &[]).leaf("creatorName", &[], ":unav").close("creator");
    }
    xml.close("creators");

    xml.open("titles", &[]);
    xml.leaf("title", &[], non_empty(md.title.as_deref()));
    for extra in md.additional_titles.iter().filter(|t| !t.title.trim().is_empty()) {
        let lang = extra.lang.as_ref().map(|l| language(&l.id)).unwrap_or_default();
        xml.leaf("title", &[("titleType", term_or_other(TITLE_TYPES, &extra.kind.id)), ("xml:lang", lang)], &extra.title);
    }
    xml.close("titles");

    xml.leaf("publisher", &[], record.publisher());
    xml.leaf("publicationYear", &[], &record.publication_year());
    let type_id = md.resource_type.as_ref().map_or("other", |t| t.id.as_str());
    let type_title = vocab::resource_type_title(type_id).unwrap_or(type_id);
    xml.leaf("resourceType", &[("resourceTypeGeneral", resource_type_general(type_id))], type_title);

    let subjects: Vec<_> = md.subjects.iter().filter_map(|s| Some((s.subject.as_deref()?, s))).collect();
    if !subjects.is_empty() {
        xml.open("subjects", &[]);
        for (text, subject) in subjects {
            let uri = subject.id.as_deref().filter(|id| is_http(id)).unwrap_or_default();
            xml.leaf("subject", &[("subjectScheme", subject.scheme.as_deref().unwrap_or_default()), ("valueURI", uri)], text);
        }
        xml.close("subjects");
    }

    if !md.contributors.is_empty() {
        xml.open("contributors", &[]);
        for contributor in &md.contributors {
            let kind = contributor.role.as_ref().map_or("Other", |role| term_or_other(CONTRIBUTOR_TYPES, &role.id));
            party(xml, "contributor", contributor, Some(kind));
        }
        xml.close("contributors");
    }

    xml.open("dates", &[]);
    if let Some(date) = md.publication_date.as_deref() {
        xml.leaf("date", &[("dateType", "Issued")], date);
    }
    if let Some(until) = record.access.embargo.until.as_deref().filter(|_| record.access.embargo.active) {
        xml.leaf("date", &[("dateType", "Available")], until);
    }
    xml.leaf("date", &[("dateType", "Updated")], record.updated.get(..10).unwrap_or(record.updated));
    for date in &md.dates {
        let info = date.description.as_deref().unwrap_or_default();
        xml.leaf("date", &[("dateType", term_or_other(DATE_TYPES, &date.kind.id)), ("dateInformation", info)], &date.date);
    }
    xml.close("dates");

    if let Some(lang) = md.languages.first() {
        xml.leaf("language", &[], language(&lang.id));
    }

    // The landing page is another identifier of the same thing when the PID is not a URL.
    let mut alternates: Vec<(&str, &str)> = md.identifiers.iter().map(|id| (scheme_name(&id.scheme), id.identifier.as_str())).collect();
    if record.pid.kind != "URL" {
        alternates.push(("URL", record.landing_page));
    }
    if !alternates.is_empty() {
        xml.open("alternateIdentifiers", &[]);
        for (kind, value) in alternates {
            xml.leaf("alternateIdentifier", &[("alternateIdentifierType", kind)], value);
        }
        xml.close("alternateIdentifiers");
    }

    let related: Vec<_> = md
        .related_identifiers
        .iter()
        .filter_map(|r| Some((r, term(IDENTIFIER_TYPES, &r.scheme)?, term(RELATION_TYPES, &r.relation_type.id)?)))
        .collect();
    if !related.is_empty() {
        xml.open("relatedIdentifiers", &[]);
        for (r, kind, relation) in related {
            let general = r.resource_type.as_ref().map(|t| resource_type_general(&t.id)).unwrap_or_default();
            let attrs = [("relatedIdentifierType", kind), ("relationType", relation), ("resourceTypeGeneral", general)];
            xml.leaf("relatedIdentifier", &attrs, &r.identifier);
        }
        xml.close("relatedIdentifiers");
    }

    xml.list("sizes", "size", md.sizes.iter().map(String::as_str));
    xml.list("formats", "format", md.formats.iter().map(String::as_str));
    if let Some(version) = md.version.as_deref() {
        xml.leaf("version", &[], version);
    }

    xml.open("rightsList", &[]);
    for right in &md.rights {
        let licence = right.id.as_deref().and_then(vocab::license);
        let title = right.title.as_ref().and_then(|t| t.get("en").or_else(|| t.values().next())).map(String::as_str);
        let text = title.or(licence.map(|l| l.title)).or(right.id.as_deref()).unwrap_or_default();
        let uri = right.link.clone().filter(|l| is_http(l)).or_else(|| licence.map(|l| l.url())).unwrap_or_default();
        let spdx = licence.map(|l| l.spdx_id).unwrap_or_default();
        let scheme = if spdx.is_empty() { "" } else { "SPDX" };
        let spdx_uri = if spdx.is_empty() { "" } else { "https://spdx.org/licenses/" };
        let attrs = [("rightsURI", uri.as_str()), ("rightsIdentifier", spdx), ("rightsIdentifierScheme", scheme), ("schemeURI", spdx_uri)];
        xml.leaf("rights", &attrs, text);
    }
    let access = record.access_right();
    xml.leaf("rights", &[("rightsURI", access.eu_repo())], access.label());
    xml.close("rightsList");

    let descriptions: Vec<(&str, &str, &str)> = md
        .description
        .iter()
        .map(|d| ("Abstract", d.as_str(), ""))
        .chain(md.additional_descriptions.iter().map(|d| {
            (term_or_other(DESCRIPTION_TYPES, &d.kind.id), d.title.as_str(), d.lang.as_ref().map(|l| language(&l.id)).unwrap_or_default())
        }))
        .filter(|(_, text, _)| !text.trim().is_empty())
        .collect();
    if !descriptions.is_empty() {
        xml.open("descriptions", &[]);
        for (kind, text, lang) in descriptions {
            xml.leaf("description", &[("descriptionType", kind), ("xml:lang", lang)], text);
        }
        xml.close("descriptions");
    }

    geo_locations(xml, record);
    funding(xml, record);
    xml.close("resource");
}

/// A creator or contributor; contributors carry their type.
fn party(xml: &mut Xml, element: &str, who: &Creator, contributor_type: Option<&str>) {
    let p = &who.person_or_org;
    let name_type = match p.kind {
        PartyType::Personal => "Personal",
        PartyType::Organizational => "Organizational",
    };
    xml.open(element, &[("contributorType", contributor_type.unwrap_or_default())]);
    xml.leaf(&format!("{element}Name"), &[("nameType", name_type)], non_empty(p.name.as_deref()));
    if p.kind == PartyType::Personal {
        for (tag, value) in [("givenName", &p.given_name), ("familyName", &p.family_name)] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                xml.leaf(tag, &[], value);
            }
        }
    }
    for id in p.identifiers.iter().filter(|id| !id.identifier.trim().is_empty()) {
        let (scheme, uri, value) = name_identifier(id);
        xml.leaf("nameIdentifier", &[("nameIdentifierScheme", scheme), ("schemeURI", uri)], &value);
    }
    for affiliation in &who.affiliations {
        let ror = affiliation.id.as_deref().map(|id| format!("https://ror.org/{id}")).unwrap_or_default();
        let Some(name) = affiliation.name.as_deref().or(affiliation.id.as_deref()) else { continue };
        let scheme = if ror.is_empty() { "" } else { "ROR" };
        let scheme_uri = if ror.is_empty() { "" } else { "https://ror.org" };
        let attrs = [("affiliationIdentifier", ror.as_str()), ("affiliationIdentifierScheme", scheme), ("schemeURI", scheme_uri)];
        xml.leaf("affiliation", &attrs, name);
    }
    xml.close(element);
}

/// A name identifier as DataCite writes it: scheme, scheme URI, and the identifier in full.
fn name_identifier(id: &SchemeId) -> (&str, &'static str, String) {
    match id.scheme.to_ascii_lowercase().as_str() {
        "orcid" => ("ORCID", "https://orcid.org", format!("https://orcid.org/{}", id.identifier)),
        "ror" => ("ROR", "https://ror.org", format!("https://ror.org/{}", id.identifier)),
        "isni" => ("ISNI", "https://isni.org", id.identifier.clone()),
        "gnd" => ("GND", "https://d-nb.info/gnd/", id.identifier.clone()),
        _ => (if id.scheme.is_empty() { "Other" } else { id.scheme.as_str() }, "", id.identifier.clone()),
    }
}

/// The name of an identifier scheme as DataCite spells it (`doi` → `DOI`), or as given.
fn scheme_name(scheme: &str) -> &str {
    term(IDENTIFIER_TYPES, scheme).unwrap_or(if scheme.is_empty() { "Other" } else { scheme })
}

fn geo_locations(xml: &mut Xml, record: &Described<'_>) {
    let Some(locations) = &record.metadata.locations else { return };
    let features: Vec<_> = locations
        .features
        .iter()
        .map(|f| (f.place.as_deref(), f.geometry.as_ref().and_then(point)))
        .filter(|(p, pt)| p.is_some() || pt.is_some())
        .collect();
    if features.is_empty() {
        return;
    }
    xml.open("geoLocations", &[]);
    for (place, point) in features {
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

/// A GeoJSON point's longitude and latitude, if the geometry is one and they are in range.
fn point(geometry: &Value) -> Option<(f64, f64)> {
    if geometry.get("type")?.as_str()? != "Point" {
        return None;
    }
    let coordinates = geometry.get("coordinates")?.as_array()?;
    let (lon, lat) = (coordinates.first()?.as_f64()?, coordinates.get(1)?.as_f64()?);
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
}

fn funding(xml: &mut Xml, record: &Described<'_>) {
    let funded: Vec<_> =
        record.metadata.funding.iter().filter_map(|f| Some((f.funder.name.as_deref().filter(|n| !n.trim().is_empty())?, f))).collect();
    if funded.is_empty() {
        return;
    }
    xml.open("fundingReferences", &[]);
    for (name, funding) in funded {
        xml.open("fundingReference", &[]);
        xml.leaf("funderName", &[], name);
        if let Some(ror) = funding.funder.id.as_deref() {
            xml.leaf(
                "funderIdentifier",
                &[("funderIdentifierType", "ROR"), ("schemeURI", "https://ror.org")],
                &format!("https://ror.org/{ror}"),
            );
        }
        if let Some(award) = &funding.award {
            if let Some(number) = award.number.as_deref() {
                xml.leaf("awardNumber", &[], number);
            }
            if let Some(title) = award.title.as_ref().and_then(|t| t.get("en").or_else(|| t.values().next())) {
                xml.leaf("awardTitle", &[], title);
            }
        }
        xml.close("fundingReference");
    }
    xml.close("fundingReferences");
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
