//! RO-Crate 1.1: `ro-crate-metadata.json`, a flattened JSON-LD graph with the metadata
//! descriptor, the record as the root `Dataset`, each file as a data entity named by its path
//! in the crate, and the people, organizations and licences they refer to as contextual
//! entities.

use serde_json::{Value, json};
use tessera_domain::metadata::{Creator, PartyType};

use crate::schema_org::{schema_type, tidy};
use crate::{Described, pretty};

pub const SPECIFICATION: &str = "https://w3id.org/ro/crate/1.1";
pub const CONTEXT: &str = "https://w3id.org/ro/crate/1.1/context";
pub const METADATA_FILE: &str = "ro-crate-metadata.json";

/// The crate's metadata for the record and its files (`record.files`, whose keys are their
/// paths in the crate), as pretty-printed JSON. Each file's entity is written as it is made,
/// so the metadata of 100,000 files never holds them all as a tree.
pub fn metadata(record: &Described<'_>) -> Vec<u8> {
    let md = record.metadata;
    let mut context = Entities::default();
    let authors: Vec<Value> = md.creators.iter().map(|c| context.party(c)).collect();
    let contributors: Vec<Value> = md.contributors.iter().map(|c| context.party(c)).collect();
    let licences: Vec<Value> = record
        .rights()
        .filter_map(|right| {
            let url = right.url?;
            context.add(json!({"@id": url, "@type": "CreativeWork", "name": right.title}));
            Some(json!({"@id": url}))
        })
        .collect();
    let publisher = context.organization(record.publisher(), None);
    let type_id = md.resource_type.as_ref().map_or("dataset", |t| t.id.as_str());
    let mut types = vec!["Dataset"];
    types.extend(Some(schema_type(type_id)).filter(|t| !matches!(*t, "Dataset" | "CreativeWork")));
    let mut root = json!({
        "@id": "./",
        "@type": types,
        "identifier": record.pid_url(),
        "url": record.landing_page,
        "name": md.title,
        "description": md.description.as_deref().filter(|d| !d.trim().is_empty()).or(md.title.as_deref()),
        "datePublished": date_published(record),
        "dateModified": record.updated,
        "version": md.version,
        "author": authors,
        "contributor": contributors,
        "publisher": publisher,
        "license": licences,
        "keywords": md.subjects.iter().filter_map(|s| s.subject.clone()).collect::<Vec<_>>().join(", "),
        "inLanguage": md.languages.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
        "conditionsOfAccess": record.access_right().label(),
    });
    tidy(&mut root);
    let descriptor = json!({"@id": METADATA_FILE, "@type": "CreativeWork", "conformsTo": {"@id": SPECIFICATION}, "about": {"@id": "./"}});
    let mut out = Vec::new();
    pretty::open_object_at(&mut out, &json!({"@context": CONTEXT}), 0);
    pretty::open_array_member(&mut out, "@graph", 0);
    pretty::item(&mut out, true, &descriptor, 2);
    // The root dataset, with its parts last.
    out.extend_from_slice(b",\n    ");
    pretty::open_object_at(&mut out, &root, 2);
    if !record.files.is_empty() {
        pretty::open_array_member(&mut out, "hasPart", 2);
        for (i, file) in record.files.iter().enumerate() {
            pretty::item(&mut out, i == 0, &json!({"@id": path_id(&file.key)}), 4);
        }
        pretty::close_array(&mut out, false, 4);
    }
    pretty::close_object(&mut out, 2);
    for file in record.files {
        let mut entity = json!({
            "@id": path_id(&file.key),
            "@type": "File",
            "name": file.key.rsplit('/').next().unwrap_or(&file.key),
            "contentSize": file.size.to_string(),
            "encodingFormat": media_type(&file.key),
        });
        tidy(&mut entity);
        pretty::item(&mut out, false, &entity, 2);
    }
    for mut entity in context.entities {
        tidy(&mut entity);
        pretty::item(&mut out, false, &entity, 2);
    }
    pretty::close_array(&mut out, false, 2);
    pretty::close_object(&mut out, 0);
    out
}

/// The day the record counts as published, in ISO 8601 as RO-Crate requires: its own
/// publication date when that is a plain date, else the day this version appeared.
fn date_published(record: &Described<'_>) -> String {
    let own = record
        .metadata
        .publication_date
        .as_deref()
        .filter(|d| d.len() == 10 && d.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() }));
    own.map_or_else(|| record.published.chars().take(10).collect(), str::to_string)
}

/// People and organizations referred to from the root, each once.
#[derive(Default)]
struct Entities {
    entities: Vec<Value>,
}

impl Entities {
    fn add(&mut self, entity: Value) {
        if !self.entities.iter().any(|e| e["@id"] == entity["@id"]) {
            self.entities.push(entity);
        }
    }

    /// A local id for an entity with no global one.
    fn local(&self, prefix: &str, name: &str) -> String {
        let slug: String = name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
        format!("#{prefix}-{}", slug.trim_matches('-'))
    }

    fn organization(&mut self, name: &str, ror: Option<&str>) -> Value {
        let id = ror.map_or_else(|| self.local("organization", name), |ror| format!("https://ror.org/{ror}"));
        self.add(json!({"@id": id, "@type": "Organization", "name": name}));
        json!({"@id": id})
    }

    fn party(&mut self, who: &Creator) -> Value {
        let p = &who.person_or_org;
        let name = p.name.clone().unwrap_or_default();
        let personal = p.kind == PartyType::Personal;
        let orcid = p.identifiers.iter().find(|id| id.scheme.eq_ignore_ascii_case("orcid"));
        let id = orcid.map_or_else(
            || self.local(if personal { "person" } else { "organization" }, &name),
            |o| format!("https://orcid.org/{}", o.identifier),
        );
        let affiliations: Vec<Value> = who
            .affiliations
            .iter()
            .filter_map(|a| Some(self.organization(a.name.as_deref().or(a.id.as_deref())?, a.id.as_deref())))
            .collect();
        self.add(json!({
            "@id": id,
            "@type": if personal { "Person" } else { "Organization" },
            "name": name,
            "givenName": p.given_name.as_ref().filter(|_| personal),
            "familyName": p.family_name.as_ref().filter(|_| personal),
            "affiliation": affiliations,
        }));
        json!({"@id": id})
    }
}

/// A file's path as a relative URI: each segment percent-encoded but for RFC 3986's
/// unreserved characters.
pub fn path_id(key: &str) -> String {
    crate::percent_encode(key, b"/")
}

/// The IANA media type of common research file kinds, by extension.
fn media_type(key: &str) -> Option<&'static str> {
    let extension = key.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "csv" => "text/csv",
        "tsv" | "tab" => "text/tab-separated-values",
        "txt" | "md" => "text/plain",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "tif" | "tiff" => "image/tiff",
        "nc" => "application/x-netcdf",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_written_a_file_at_a_time_is_pretty_json() {
        let md: tessera_domain::Metadata = serde_json::from_value(json!({
            "resource_type": {"id": "dataset"}, "title": "Gauges", "publication_date": "2024",
            "creators": [{"person_or_org": {"type": "personal", "given_name": "Ada", "family_name": "Lovelace", "name": "Lovelace, Ada"},
                "affiliations": [{"name": "Afon Data Group"}]}],
        }))
        .unwrap();
        let access = tessera_domain::Access::default();
        let files = crate::files_named(&["a.csv", "raw/b c.nc", "notes"]);
        let described = crate::described_with(&md, &access, &files);
        for described in [Described { files: &[], ..described }, described] {
            let written = metadata(&described);
            let value: Value = serde_json::from_slice(&written).unwrap();
            assert_eq!(serde_json::to_vec_pretty(&value).unwrap(), written, "{}", String::from_utf8_lossy(&written));
            let graph = value["@graph"].as_array().unwrap();
            let ids: Vec<&str> = graph.iter().map(|e| e["@id"].as_str().unwrap()).collect();
            let parts: Vec<&str> = graph[1]["hasPart"].as_array().into_iter().flatten().map(|p| p["@id"].as_str().unwrap()).collect();
            let files: Vec<&str> = described.files.iter().map(|f| f.key.as_str()).collect();
            let expected_parts: Vec<String> = files.iter().map(|key| path_id(key)).collect();
            assert_eq!(parts, expected_parts);
            assert_eq!(ids[..2], [METADATA_FILE, "./"]);
            assert_eq!(ids[2..2 + files.len()], expected_parts);
            assert!(ids.iter().any(|id| id.starts_with("#person-")), "{ids:?}");
            assert!(ids.iter().any(|id| id.starts_with("#organization-afon")), "{ids:?}");
        }
    }

    #[test]
    fn file_paths_become_relative_uris() {
        assert_eq!(path_id("raw data/río #1.csv"), "raw%20data/r%C3%ADo%20%231.csv");
        assert_eq!(media_type("a/B.CSV"), Some("text/csv"));
    }
}
