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
/// The licence of a record whose metadata states none.
const NO_LICENCE: &str = "No licence is stated for this dataset: ask its publisher before reusing it.";

/// The crate's metadata for the record and its files (`record.files`, whose keys are their
/// paths in the crate), as pretty-printed JSON in pieces of at most a thousand files' entries,
/// so that the metadata of 100,000 files is never held whole, as a tree or as text.
pub fn metadata<'a>(record: Described<'a>) -> impl Iterator<Item = Vec<u8>> + Send + 'a {
    metadata_in_pieces(record, pretty::PIECE_ITEMS)
}

fn metadata_in_pieces<'a>(record: Described<'a>, per_piece: usize) -> impl Iterator<Item = Vec<u8>> + Send + 'a {
    let md = record.metadata;
    let mut context = Entities::default();
    let authors: Vec<Value> = md.creators.iter().map(|c| context.party(c)).collect();
    let contributors: Vec<Value> = md.contributors.iter().map(|c| context.party(c)).collect();
    // RO-Crate requires the root to have a licence: a rights statement with no link of its own
    // is a local entity, and a record with none says so in words, as the spec allows.
    let licences: Vec<Value> = record
        .rights()
        .filter(|right| right.url.is_some() || !right.title.trim().is_empty())
        .map(|right| {
            let id = right.url.unwrap_or_else(|| context.local("licence", right.title));
            context.add(json!({"@id": id, "@type": "CreativeWork", "name": right.title}));
            json!({"@id": id})
        })
        .collect();
    let licences = if licences.is_empty() { json!(NO_LICENCE) } else { Value::from(licences) };
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
        "datePublished": date_published(&record),
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
    let files = record.files;
    let mut head = Vec::new();
    pretty::open_object_at(&mut head, &json!({"@context": CONTEXT}), 0);
    pretty::open_array_member(&mut head, "@graph", 0);
    pretty::item(&mut head, true, &descriptor, 2);
    // The root dataset, with its parts last.
    head.extend_from_slice(b",\n    ");
    pretty::open_object_at(&mut head, &root, 2);
    if !files.is_empty() {
        pretty::open_array_member(&mut head, "hasPart", 2);
    }
    let parts = files.chunks(per_piece).enumerate().map(|(n, chunk)| {
        let mut out = Vec::new();
        for (i, file) in chunk.iter().enumerate() {
            pretty::item(&mut out, n == 0 && i == 0, &json!({"@id": path_id(&file.key)}), 4);
        }
        out
    });
    let root_end = std::iter::once_with(move || {
        let mut out = Vec::new();
        if !files.is_empty() {
            pretty::close_array(&mut out, false, 4);
        }
        pretty::close_object(&mut out, 2);
        out
    });
    let file_entities = files.chunks(per_piece).map(|chunk| {
        let mut out = Vec::new();
        for file in chunk {
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
        out
    });
    let tail = std::iter::once_with(move || {
        let mut out = Vec::new();
        for mut entity in context.entities {
            tidy(&mut entity);
            pretty::item(&mut out, false, &entity, 2);
        }
        pretty::close_array(&mut out, false, 2);
        pretty::close_object(&mut out, 0);
        out
    });
    std::iter::once(head).chain(parts).chain(root_end).chain(file_entities).chain(tail)
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
            let written = metadata(described).flatten().collect::<Vec<u8>>();
            assert!(metadata_in_pieces(described, 2).count() > 4 || described.files.is_empty());
            assert_eq!(metadata_in_pieces(described, 2).flatten().collect::<Vec<u8>>(), written);
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
            assert_eq!(graph[1]["license"], NO_LICENCE, "a record with no rights says so");
        }
        // A rights statement with no link is an entity of the crate's own.
        let md: tessera_domain::Metadata =
            serde_json::from_value(json!({"title": "Plates", "rights": [{"title": {"en": "Ask the observatory"}}]})).unwrap();
        let described = crate::described_with(&md, &access, &[]);
        let value: Value = serde_json::from_slice(&metadata(described).flatten().collect::<Vec<u8>>()).unwrap();
        let graph = value["@graph"].as_array().unwrap();
        assert_eq!(graph[1]["license"], json!([{"@id": "#licence-ask-the-observatory"}]));
        assert!(graph.iter().any(|e| e["@id"] == "#licence-ask-the-observatory" && e["name"] == "Ask the observatory"), "{graph:?}");
    }

    #[test]
    fn file_paths_become_relative_uris() {
        assert_eq!(path_id("raw data/río #1.csv"), "raw%20data/r%C3%ADo%20%231.csv");
        assert_eq!(media_type("a/B.CSV"), Some("text/csv"));
    }
}
