//! What the search index is told about a record.

use tessera_search::IndexDoc;

use crate::model::RecordView;
use crate::tessera::parse_time;

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
    let md = &doc.metadata;
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
    IndexDoc {
        id: doc.id.0 as u64,
        is_latest: view.is_latest,
        title: md.title.clone().unwrap_or_default(),
        description: md.description.clone().unwrap_or_default(),
        creators: md.creator_names().map(str::to_string).collect(),
        subjects: subjects.clone(),
        other_text,
        created: parse_time(&doc.created).unix_timestamp(),
        updated: parse_time(&doc.updated).unix_timestamp(),
        facets: [
            md.resource_type.iter().map(|r| r.id.clone()).collect(),
            subjects,
            licenses,
            affiliations,
            md.publication_year().map(|y| y.to_string()).into_iter().collect(),
            md.languages.iter().map(|l| l.id.clone()).collect(),
            vec![status.to_string()],
        ],
    }
}
