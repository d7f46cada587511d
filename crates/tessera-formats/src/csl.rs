//! CSL-JSON, the citation data reference managers and citeproc processors read.

use crate::schema_org::tidy;
use crate::{Author, Described};
use serde_json::{Value, json};

/// CSL's item type for one of InvenioRDM's resource type ids.
pub fn csl_type(id: &str) -> &'static str {
    match id {
        "dataset" => "dataset",
        "publication-article" => "article-journal",
        "publication-book" => "book",
        "publication-report" => "report",
        "publication-thesis" => "thesis",
        "software" | "software-computationalnotebook" => "software",
        "audio" => "song",
        "video" => "motion_picture",
        "presentation" | "lesson" => "speech",
        "event" => "event",
        id if id.starts_with("image") => "graphic",
        _ => "document",
    }
}

pub fn csl_json(record: &Described<'_>, id: &str) -> Value {
    let md = record.metadata;
    let type_id = md.resource_type.as_ref().map_or("other", |t| t.id.as_str());
    let authors: Vec<Value> = record
        .authors()
        .map(|author| match author {
            Author::Person { family, given } => json!({"family": family, "given": given}),
            Author::Named(name) => json!({"literal": name}),
        })
        .collect();
    let mut value = json!({
        "id": id,
        "type": csl_type(type_id),
        "title": md.title,
        "author": authors,
        "issued": {"date-parts": [record.date_parts()]},
        "publisher": record.publisher(),
        "DOI": (record.pid.kind == "DOI").then_some(record.pid.value),
        "URL": record.landing_page,
        "abstract": md.description,
        "version": md.version,
        "language": md.languages.first().map(|l| l.id.clone()),
        "keyword": md.subjects.iter().filter_map(|s| s.subject.clone()).collect::<Vec<_>>().join(", "),
    });
    if value["keyword"] == "" {
        value["keyword"] = Value::Null;
    }
    tidy(&mut value);
    value
}
