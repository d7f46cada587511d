//! A record in the formats of the outside world: `/api/records/{id}/export/{format}` with
//! InvenioRDM's format names, and the same by content negotiation on the record and its page.
//! An export shows what the caller may see: a metadata-only stub stays a stub.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tessera_app::Error as AppError;
use tessera_app::domain::{RecordId, Subject};
use tessera_app::{FileView, RecordView};
use tessera_formats::bagit::{self, BagFile};
use tessera_formats::xml::Xml;
use tessera_formats::{FileFacts, bibtex, citation, csl, datacite, datapackage, dcat, dublin_core, ro_crate, schema_org};

use crate::api::record_files::{ArchiveKind, ArchivePlan, Pieces, Trailer, TrailingEntry, archive_response};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, record_id};
use crate::state::{AppState, Links};
use crate::wire::key_path;

/// Files listed in an export, at most; a dataset's full listing is `/api/records/{id}/files`.
const LISTED_FILES: i64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    DataciteXml,
    DataciteJson,
    DublinCore,
    SchemaOrg,
    DcatTurtle,
    DcatJsonLd,
    Csl,
    Bibtex,
    Ris,
}

/// Each format's name in the path, its media type and its label on landing pages. The DCAT
/// JSON-LD shares schema.org's media type, so it is reached by name only.
const FORMATS: [(Format, &str, &str, &str); 9] = [
    (Format::DataciteXml, "datacite-xml", "application/vnd.datacite.datacite+xml", "DataCite XML"),
    (Format::DataciteJson, "datacite-json", "application/vnd.datacite.datacite+json", "DataCite JSON"),
    (Format::DublinCore, "dublincore", "application/x-dc+xml", "Dublin Core"),
    (Format::SchemaOrg, "json-ld", "application/ld+json", "schema.org JSON-LD"),
    (Format::DcatTurtle, "dcat-ap", "text/turtle", "DCAT-AP"),
    (Format::DcatJsonLd, "dcat-ap-jsonld", "application/ld+json", "DCAT-AP JSON-LD"),
    (Format::Csl, "csl", "application/vnd.citationstyles.csl+json", "CSL-JSON"),
    (Format::Bibtex, "bibtex", "application/x-bibtex", "BibTeX"),
    (Format::Ris, "ris", "application/x-research-info-systems", "RIS"),
];

/// The packages, streamed as zips: name in the path and label.
const PACKAGES: [(&str, &str); 3] = [("bagit", "BagIt bag (zip)"), ("ro-crate", "RO-Crate (zip)"), ("datapackage", "Data package (zip)")];

/// Every export a landing page links to: (name in the path, label).
pub(crate) fn linked() -> impl Iterator<Item = (&'static str, &'static str)> {
    FORMATS.iter().map(|(_, name, _, label)| (*name, *label)).chain(PACKAGES)
}

/// How a package is archived: `?archive=zip` (the default) or `?archive=tar`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ArchiveQuery {
    pub(crate) archive: Option<String>,
}

/// Export a published record in another format.
#[utoipa::path(get, path = "/api/records/{id}/export/{format}", tag = "records",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"),
           ("format" = String, Path, description = "datacite-xml, datacite-json, dublincore, json-ld, dcat-ap, dcat-ap-jsonld, csl, bibtex, ris, or the packages bagit, ro-crate and datapackage"),
           ("archive" = Option<String>, Query, pattern = "^(zip|tar)$", description = "For a package: zip (the default) or tar")),
    responses((status = 200, description = "The record in that format", content(
        (String = "application/vnd.datacite.datacite+xml"), (Object = "application/vnd.datacite.datacite+json"), (String = "application/x-dc+xml"),
        (Object = "application/ld+json"), (String = "text/turtle"), (Value = "application/vnd.citationstyles.csl+json"), (String = "application/x-bibtex"),
        (String = "application/x-research-info-systems"), (crate::openapi::shapes::Bytes = "application/zip"), (crate::openapi::shapes::Bytes = "application/x-tar"))),
        (status = 404, description = "No such record or format")))]
pub(crate) async fn export(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, format)): Path<(String, String)>,
    Query(query): Query<ArchiveQuery>,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let kind = ArchiveKind::parse(query.archive.as_deref())?;
    if let name @ ("bagit" | "datapackage" | "ro-crate") = format.as_str() {
        return package(&state, &subject, id, name, kind).await;
    }
    let Some((format, ..)) = FORMATS.iter().find(|(_, name, ..)| *name == format) else {
        let names: Vec<&str> = linked().map(|(name, _)| name).collect();
        return Err(ApiError::NotFound(format!("export format '{format}' (there are {})", names.join(", "))));
    };
    render(&state, &subject, id, *format).await
}

/// The record version as the package `name` in a zip or tar (`record-{id}/`): every file the
/// caller may read, each held to its SHA-512 as it streams out, then the package's metadata
/// made from the files that went out. Like "download all", it holds the files the caller may
/// read.
async fn package(state: &AppState, subject: &Subject, id: RecordId, name: &str, kind: ArchiveKind) -> ApiResult<Response> {
    let readable = state.tessera.readable_files(subject, id).await?;
    let (root, links) = (format!("record-{id}/"), state.links(&readable.record.doc));
    let (files_under, trailer): (String, Box<dyn Trailer>) = match name {
        "bagit" => (format!("{root}data/"), Box::new(BagTags { state: state.clone(), links, root, files: Vec::new() })),
        "datapackage" => {
            let path = format!("{root}datapackage.json");
            let trailer = DataPackage {
                state: state.clone(),
                links,
                path,
                files: Vec::new(),
                schemas: Vec::new(),
                table: None,
                distinct: HashMap::new(),
            };
            (root, Box::new(trailer))
        }
        "ro-crate" => {
            let path = format!("{root}{}", ro_crate::METADATA_FILE);
            (root, Box::new(RoCrate { state: state.clone(), links, path, files: Vec::new() }))
        }
        other => return Err(ApiError::NotFound(format!("package '{other}'"))),
    };
    let plan = ArchivePlan { kind, files_under, verify: true, trailer: Some(trailer) };
    Ok(archive_response(state, readable, &format!("record-{id}-{name}"), plan))
}

/// A BagIt 1.0 bag's tag files, made from its payload (under `data/`) as it went out: with the
/// DataCite XML and the record's JSON under `metadata/`.
struct BagTags {
    state: AppState,
    links: Links,
    /// The bag's folder in the archive.
    root: String,
    files: Vec<FileView>,
}

impl Trailer for BagTags {
    fn start(&mut self, file: &FileView) {
        self.files.push(file.clone());
    }

    fn feed(&mut self, _: &[u8]) {}

    fn entries<'a>(&'a mut self, record: &'a RecordView) -> Vec<TrailingEntry<'a>> {
        let this = &*self;
        let described = this.state.described(&record.doc, &this.links);
        let record_json = serde_json::to_vec_pretty(&crate::wire::record_json(&this.state, record)).unwrap_or_default();
        let metadata = vec![
            ("metadata/datacite.xml".to_string(), datacite::document(&described).into_bytes()),
            ("metadata/record.json".to_string(), record_json),
        ];
        let payload = (this.files.iter().map(|f| f.size).sum(), this.files.len());
        let tags = bagit::tag_files(&described, payload, &time::OffsetDateTime::now_utc().date().to_string(), metadata);
        let manifest = move || bagit::manifest(this.files.iter().map(|f| BagFile { key: &f.key, size: f.size, sha512: &f.sha512 }));
        let mut digests: Vec<(String, String)> = tags.iter().map(|(path, content)| (path.clone(), bagit::sha512_hex([content]))).collect();
        digests.push((bagit::MANIFEST.to_string(), bagit::sha512_hex(manifest())));
        let under = |path: &str| format!("{}{path}", this.root);
        let mut entries: Vec<TrailingEntry<'a>> =
            tags.into_iter().map(|(path, content)| TrailingEntry::whole(under(&path), content)).collect();
        entries.push(TrailingEntry { path: under(bagit::MANIFEST), pieces: Box::new(move || Box::new(manifest().map(Bytes::from))) });
        entries.push(TrailingEntry::whole(under(bagit::TAG_MANIFEST), bagit::tag_manifest(&digests)));
        entries
    }
}

/// The export format an `Accept` header asks for before HTML or JSON, if any.
pub(crate) fn negotiated(headers: &HeaderMap) -> Option<Format> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    let mut ranges: Vec<(String, f32)> = accept
        .split(',')
        .map(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts.filter_map(|p| p.trim().strip_prefix("q=")?.parse().ok()).next().unwrap_or(1.0);
            (media, q)
        })
        .filter(|(_, q)| *q > 0.0)
        .collect();
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (media, _) = ranges.first()?;
    FORMATS.iter().find(|(_, _, known, _)| known == media).map(|(format, ..)| *format)
}

/// A Frictionless Data Package's `datapackage.json`, made from its files as they stream into
/// the archive: a Table Schema for each CSV and TSV file, inferred from all its rows.
struct DataPackage {
    state: AppState,
    links: Links,
    path: String,
    files: Vec<FileFacts>,
    schemas: Vec<Option<Arc<serde_json::Value>>>,
    /// The schema of the table going out, as far as it has gone.
    table: Option<datapackage::SchemaInference>,
    /// Tables of one instrument share their schema: held once, by the text it is written as.
    distinct: HashMap<String, Arc<serde_json::Value>>,
}

impl DataPackage {
    /// Ends the schema of the file that went out last.
    fn close_table(&mut self) {
        if self.schemas.len() < self.files.len() {
            let schema = self.table.take().and_then(datapackage::SchemaInference::finish);
            let distinct = &mut self.distinct;
            self.schemas.push(schema.map(|schema| distinct.entry(schema.to_string()).or_insert_with(|| Arc::new(schema)).clone()));
        }
    }
}

impl Trailer for DataPackage {
    fn start(&mut self, file: &FileView) {
        self.close_table();
        self.files.push(FileFacts { key: file.key.clone(), size: file.size, md5: file.md5.clone(), url: String::new() });
        self.table = datapackage::delimiter_of(&file.key).map(datapackage::SchemaInference::new);
    }

    fn feed(&mut self, chunk: &[u8]) {
        if let Some(table) = &mut self.table {
            table.feed(chunk);
        }
    }

    fn entries<'a>(&'a mut self, record: &'a RecordView) -> Vec<TrailingEntry<'a>> {
        self.close_table();
        let this = &*self;
        let described = tessera_formats::Described { files: &this.files, ..this.state.described(&record.doc, &this.links) };
        let id = record.doc.id.to_string();
        let pieces = move || -> Pieces<'a> { Box::new(datapackage::descriptor(described, &id, &this.schemas).map(Bytes::from)) };
        vec![TrailingEntry { path: this.path.clone(), pieces: Box::new(pieces) }]
    }
}

/// An RO-Crate 1.1's `ro-crate-metadata.json`, describing the record and each file at its path
/// in the crate, made from the files as they went out.
struct RoCrate {
    state: AppState,
    links: Links,
    path: String,
    files: Vec<FileFacts>,
}

impl Trailer for RoCrate {
    fn start(&mut self, file: &FileView) {
        self.files.push(FileFacts { key: file.key.clone(), size: file.size, md5: String::new(), url: String::new() });
    }

    fn feed(&mut self, _: &[u8]) {}

    fn entries<'a>(&'a mut self, record: &'a RecordView) -> Vec<TrailingEntry<'a>> {
        let this = &*self;
        let described = tessera_formats::Described { files: &this.files, ..this.state.described(&record.doc, &this.links) };
        let pieces = move || -> Pieces<'a> { Box::new(ro_crate::metadata(described).map(Bytes::from)) };
        vec![TrailingEntry { path: this.path.clone(), pieces: Box::new(pieces) }]
    }
}

/// The record as the caller may see it, in `format`.
pub(crate) async fn render(state: &AppState, subject: &Subject, id: RecordId, format: Format) -> ApiResult<Response> {
    let view = state.tessera.record(subject, id).await?;
    let files = match state.tessera.record_files(subject, id, 0, LISTED_FILES).await {
        Ok((files, _)) => files,
        Err(AppError::Unauthenticated | AppError::Forbidden { .. }) => Vec::new(),
        Err(err) => return Err(err.into()),
    };
    let files: Vec<FileFacts> = files
        .into_iter()
        .map(|f| FileFacts {
            url: state.link(&format!("/api/records/{id}/files/{}/content", key_path(&f.key))),
            key: f.key,
            size: f.size,
            md5: f.md5,
        })
        .collect();
    let links = state.links(&view.doc);
    let described = tessera_formats::Described { files: &files, ..state.described(&view.doc, &links) };
    let (body, media) = match format {
        Format::DataciteXml => (datacite::document(&described), "application/vnd.datacite.datacite+xml"),
        Format::DataciteJson => (json_text(&datacite::json(&described)), "application/vnd.datacite.datacite+json"),
        Format::DublinCore => {
            let mut xml = Xml::document();
            dublin_core::oai_dc(&mut xml, &described);
            (xml.finish(), "application/x-dc+xml")
        }
        Format::SchemaOrg => (json_text(&schema_org::json_ld(&described)), "application/ld+json"),
        Format::DcatTurtle => (dcat::turtle(&described), "text/turtle; charset=utf-8"),
        Format::DcatJsonLd => (json_text(&dcat::json_ld(&described)), "application/ld+json"),
        Format::Csl => (json_text(&csl::csl_json(&described, &id.to_string())), "application/vnd.citationstyles.csl+json"),
        Format::Bibtex => (bibtex::entry(&described, &id.to_string()), "application/x-bibtex; charset=utf-8"),
        Format::Ris => (citation::ris(&described), "application/x-research-info-systems; charset=utf-8"),
    };
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Format> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        negotiated(&headers)
    }

    #[test]
    fn the_most_wanted_type_decides() {
        assert_eq!(accept("application/x-bibtex"), Some(Format::Bibtex));
        assert_eq!(accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), None);
        assert_eq!(accept("application/json;q=0.5, application/vnd.datacite.datacite+xml"), Some(Format::DataciteXml));
        assert_eq!(accept("application/ld+json"), Some(Format::SchemaOrg));
        assert_eq!(accept("text/turtle;q=0"), None);
        assert_eq!(negotiated(&HeaderMap::new()), None);
    }
}
