//! What the search index is told about a record, of Tessera's own or harvested.

use tessera_domain::Metadata;
use tessera_search::{DocKey, FACETS, IndexDoc};

use crate::harvest::RemoteRecord;
use crate::model::RecordView;
use crate::tessera::parse_time;

/// The facet that tells Tessera's own records from harvested ones.
pub(crate) const ORIGIN_FACET: &str = "origin";
/// The `origin` facet's value for Tessera's own records.
pub const LOCAL_ORIGIN: &str = "local";

/// The index entry for a record. A metadata-only record is indexed by its public stub alone,
/// so nothing else of it reaches search results or facet counts.
pub(crate) fn index_doc(view: &RecordView) -> IndexDoc {
    let status = view.doc.access.status(view.files_count > 0);
    let stub;
    let view = if view.doc.access.metadata_stub() && !view.is_stub {
        stub = view.clone().into_stub();
        &stub
    } else {
        view
    };
    let doc = &view.doc;
    IndexDoc {
        key: DocKey::Record(doc.id.0 as u64),
        is_latest: view.is_latest,
        created: parse_time(&doc.created).unix_timestamp(),
        updated: parse_time(&doc.updated).unix_timestamp(),
        communities: doc.communities.clone(),
        ..described(&doc.metadata, status, LOCAL_ORIGIN)
    }
}

/// The index entry for a harvested record: always the latest of itself, dated by its
/// datestamp at the origin.
pub(crate) fn remote_index_doc(record: &RemoteRecord) -> IndexDoc {
    let status = record.doc.access.as_deref().unwrap_or("metadata-only");
    let stamp = parse_datestamp(&record.datestamp);
    IndexDoc {
        key: DocKey::Remote(record.id as u64),
        is_latest: true,
        created: stamp,
        updated: stamp,
        ..described(&record.doc.metadata, status, &record.origin.name)
    }
}

/// Unix seconds of an OAI-PMH datestamp, to the day or to the second.
fn parse_datestamp(stamp: &str) -> i64 {
    let full = if stamp.len() == 10 { format!("{stamp}T00:00:00Z") } else { stamp.to_string() };
    parse_time(&full).unix_timestamp()
}

/// The searchable text and facet values of a record's metadata.
fn described(md: &Metadata, status: &str, origin: &str) -> IndexDoc {
    let subjects: Vec<String> = md.subjects.iter().filter_map(|s| s.subject.clone().or_else(|| s.id.clone())).collect();
    let mut affiliations: Vec<String> =
        md.creators.iter().flat_map(|c| &c.affiliations).filter_map(|a| a.name.clone().or_else(|| a.id.clone())).collect();
    affiliations.sort();
    affiliations.dedup();
    let licenses =
        md.rights.iter().filter_map(|r| r.id.clone().or_else(|| r.title.as_ref().and_then(|t| t.values().next().cloned()))).collect();
    let mut other_text: Vec<String> = md.identifiers.iter().map(|i| i.identifier.clone()).collect();
    other_text.extend(md.additional_titles.iter().map(|t| t.title.clone()));
    other_text.extend(md.publisher.clone());
    other_text.extend(md.contributors.iter().filter_map(|c| c.person_or_org.name.clone()));
    let facets: [Vec<String>; FACETS.len()] = [
        md.resource_type.iter().map(|r| r.id.clone()).collect(),
        subjects.clone(),
        licenses,
        affiliations,
        md.publication_year().map(|y| y.to_string()).into_iter().collect(),
        md.languages.iter().map(|l| l.id.clone()).collect(),
        vec![status.to_string()],
        vec![origin.to_string()],
    ];
    IndexDoc {
        title: md.title.clone().unwrap_or_default(),
        description: md.description.clone().unwrap_or_default(),
        creators: md.creator_names().map(str::to_string).collect(),
        subjects,
        other_text,
        facets,
        ..IndexDoc::default()
    }
}
