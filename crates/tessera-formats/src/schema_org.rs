//! schema.org JSON-LD, the description search engines and dataset search read from a landing
//! page, and what `json-ld` exports.

use serde_json::{Value, json};
use tessera_domain::metadata::{Creator, PartyType};

use crate::{AccessRight, Described};

/// schema.org's type for one of InvenioRDM's resource type ids.
pub fn schema_type(id: &str) -> &'static str {
    match id {
        "dataset" => "Dataset",
        "image-photo" => "Photograph",
        "audio" => "AudioObject",
        "video" => "VideoObject",
        "publication-article" => "ScholarlyArticle",
        "publication-book" => "Book",
        "publication-report" => "Report",
        "publication-thesis" => "Thesis",
        "presentation" => "PresentationDigitalDocument",
        "event" => "Event",
        "lesson" => "LearningResource",
        "software" | "software-computationalnotebook" => "SoftwareSourceCode",
        id if id.starts_with("image") => "ImageObject",
        _ => "CreativeWork",
    }
}

pub fn json_ld(record: &Described<'_>) -> Value {
    let md = record.metadata;
    let type_id = md.resource_type.as_ref().map_or("other", |t| t.id.as_str());
    let access = record.access_right();
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": schema_type(type_id),
        "@id": record.pid_url(),
        "identifier": record.pid_url(),
        "url": record.landing_page,
        "name": md.title,
        "description": md.description,
        "creator": md.creators.iter().map(person).collect::<Vec<_>>(),
        "contributor": md.contributors.iter().map(person).collect::<Vec<_>>(),
        "datePublished": md.publication_date,
        "dateModified": record.updated,
        "publisher": {"@type": "Organization", "name": record.publisher()},
        "license": record.licence_urls().collect::<Vec<_>>(),
        "keywords": md.subjects.iter().filter_map(|s| s.subject.clone()).collect::<Vec<_>>(),
        "inLanguage": md.languages.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
        "version": md.version,
        "isAccessibleForFree": access == AccessRight::Open,
        "conditionsOfAccess": access.label(),
        "sameAs": md.identifiers.iter().map(|id| id.identifier.clone()).collect::<Vec<_>>(),
        "funder": md.funding.iter().filter_map(|f| Some(json!({
            "@type": "Organization",
            "name": f.funder.name.clone()?,
            "@id": f.funder.id.as_ref().map(|ror| format!("https://ror.org/{ror}")),
        }))).collect::<Vec<_>>(),
        "spatialCoverage": md.locations.iter().flat_map(|l| &l.features).map(|f| {
            let point = f.geometry.as_ref().filter(|g| g["type"] == "Point").and_then(|g| g["coordinates"].as_array().cloned());
            json!({
                "@type": "Place",
                "name": f.place,
                "geo": point.map(|p| json!({"@type": "GeoCoordinates", "longitude": p.first(), "latitude": p.get(1)})),
            })
        }).collect::<Vec<_>>(),
        "distribution": record.files.iter().map(|f| json!({
            "@type": "DataDownload",
            "name": f.key,
            "contentUrl": f.url,
            "contentSize": f.size.to_string(),
        })).collect::<Vec<_>>(),
    });
    tidy(&mut value);
    value
}

fn person(who: &Creator) -> Value {
    let p = &who.person_or_org;
    let orcid =
        p.identifiers.iter().find(|id| id.scheme.eq_ignore_ascii_case("orcid")).map(|id| format!("https://orcid.org/{}", id.identifier));
    let personal = p.kind == PartyType::Personal;
    json!({
        "@type": if personal { "Person" } else { "Organization" },
        "@id": orcid,
        "name": p.name,
        "givenName": p.given_name.as_ref().filter(|_| personal),
        "familyName": p.family_name.as_ref().filter(|_| personal),
        "affiliation": who.affiliations.iter().map(|a| json!({
            "@type": "Organization",
            "name": a.name,
            "@id": a.id.as_ref().map(|ror| format!("https://ror.org/{ror}")),
        })).collect::<Vec<_>>(),
    })
}

/// Leaves out what says nothing: nulls and empty lists, all the way down.
pub(crate) fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(tidy);
            map.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}
