//! Simple Dublin Core as OAI-PMH's `oai_dc` format carries it, following the OpenAIRE habits
//! aggregators rely on: access rights as `info:eu-repo` terms, related identifiers as
//! `dc:relation`, the resource type as DataCite's general type.

use crate::xml::Xml;
use crate::{Described, datacite};

pub const NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
pub const SCHEMA_LOCATION: &str = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd";
const DC: &str = "http://purl.org/dc/elements/1.1/";

/// The record as a standalone `oai_dc:dc` document.
pub fn document(record: &Described<'_>) -> String {
    let mut xml = Xml::document();
    oai_dc(&mut xml, record);
    xml.finish()
}

/// The `<oai_dc:dc>` element, namespaced.
pub fn oai_dc(xml: &mut Xml, record: &Described<'_>) {
    let md = record.metadata;
    let location = format!("{NAMESPACE} {SCHEMA_LOCATION}");
    let xsi = "http://www.w3.org/2001/XMLSchema-instance";
    xml.open("oai_dc:dc", &[("xmlns:oai_dc", NAMESPACE), ("xmlns:dc", DC), ("xmlns:xsi", xsi), ("xsi:schemaLocation", &location)]);
    let mut dc = |element: &str, text: &str| {
        if !text.trim().is_empty() {
            xml.leaf(&format!("dc:{element}"), &[], text);
        }
    };
    dc("title", md.title.as_deref().unwrap_or_default());
    md.additional_titles.iter().for_each(|t| dc("title", &t.title));
    md.creator_names().for_each(|name| dc("creator", name));
    md.contributors.iter().filter_map(|c| c.person_or_org.name.as_deref()).for_each(|name| dc("contributor", name));
    md.subjects.iter().filter_map(|s| s.subject.as_deref()).for_each(|subject| dc("subject", subject));
    dc("description", md.description.as_deref().unwrap_or_default());
    md.additional_descriptions.iter().for_each(|d| dc("description", &d.title));
    dc("publisher", record.publisher());
    dc("date", md.publication_date.as_deref().unwrap_or(&record.publication_year()));
    if let Some(until) = record.access.embargo.until.as_deref().filter(|_| record.access.embargo.active) {
        dc("date", &format!("info:eu-repo/date/embargoEnd/{until}"));
    }
    let type_id = md.resource_type.as_ref().map_or("other", |t| t.id.as_str());
    dc("type", datacite::resource_type_general(type_id));
    md.formats.iter().for_each(|format| dc("format", format));
    dc("identifier", record.landing_page);
    if record.pid.kind != "URL" {
        dc("identifier", &record.pid_url());
    }
    md.identifiers.iter().for_each(|id| dc("identifier", &id.identifier));
    md.languages.iter().for_each(|lang| dc("language", &lang.id));
    md.related_identifiers.iter().for_each(|r| dc("relation", &format!("{}:{}", r.scheme, r.identifier)));
    if let Some(locations) = &md.locations {
        locations.features.iter().filter_map(|f| f.place.as_deref()).for_each(|place| dc("coverage", place));
    }
    dc("rights", record.access_right().eu_repo());
    for right in record.rights() {
        dc("rights", right.title);
        if let Some(url) = &right.url {
            dc("rights", url);
        }
    }
    xml.close("oai_dc:dc");
}
