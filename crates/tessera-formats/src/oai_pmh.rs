//! Reading the OAI-PMH answers of other repositories, for harvesting: `Identify`, and pages
//! of `ListRecords` whose records carry `oai_dc` or DataCite metadata, mapped onto Tessera's
//! metadata model. Elements are matched by local name: repositories differ in the prefixes
//! they bind, never in the names the schemas define.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use tessera_domain::metadata::{AdditionalText, Affiliation, Creator, PartyType, PersonOrOrg, Right, SchemeId, Subject, VocabRef};
use tessera_domain::{Metadata, vocab};

use crate::AccessRight;
use crate::datacite::resource_type_general;

/// Why an answer could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Not well-formed XML, or not an OAI-PMH answer.
    Malformed(String),
    /// The repository answered with an OAI-PMH error.
    Protocol { code: String, message: String },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "not a usable OAI-PMH answer: {why}"),
            Self::Protocol { code, message } => write!(f, "the repository answered {code}: {message}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// What `Identify` says of a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identify {
    pub repository_name: String,
    pub base_url: String,
    /// Whether `from` may carry a time (`YYYY-MM-DDThh:mm:ssZ`) or only a day.
    pub seconds: bool,
    /// `no`, `transient` or `persistent`.
    pub deleted_record: String,
}

/// One page of a `ListRecords` harvest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListPage {
    pub response_date: String,
    pub records: Vec<Harvested>,
    /// The token for the next page; none on the last.
    pub token: Option<String>,
    pub complete_list_size: Option<u64>,
}

/// One record of a harvest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Harvested {
    pub identifier: String,
    pub datestamp: String,
    pub sets: Vec<String>,
    /// The repository no longer offers it.
    pub deleted: bool,
    /// None for deleted records.
    pub metadata: Option<Metadata>,
    /// Where the record is read at its origin, when the metadata says.
    pub landing_page: Option<String>,
    pub access: Option<AccessRight>,
}

pub fn read_identify(xml: &str) -> Result<Identify, ReadError> {
    let root = answer(xml)?;
    let identify = root.child("Identify").ok_or_else(|| malformed("it holds no <Identify>"))?;
    let text = |name: &str| identify.child(name).map(|n| n.text.trim().to_string()).unwrap_or_default();
    Ok(Identify {
        repository_name: text("repositoryName"),
        base_url: text("baseURL"),
        seconds: text("granularity").contains('T'),
        deleted_record: text("deletedRecord"),
    })
}

/// The `metadataPrefix` of each format a repository offers.
pub fn read_metadata_formats(xml: &str) -> Result<Vec<String>, ReadError> {
    let root = answer(xml)?;
    let list = root.child("ListMetadataFormats").ok_or_else(|| malformed("it holds no <ListMetadataFormats>"))?;
    Ok(list.children_named("metadataFormat").filter_map(|f| f.child("metadataPrefix")).map(|p| p.text.trim().to_string()).collect())
}

/// A `ListRecords` page. `noRecordsMatch` is an empty last page, not an error.
pub fn read_list_records(xml: &str) -> Result<ListPage, ReadError> {
    let root = match answer(xml) {
        Err(ReadError::Protocol { code, .. }) if code == "noRecordsMatch" => return Ok(ListPage::default()),
        other => other?,
    };
    let response_date = root.child("responseDate").map(|n| n.text.trim().to_string()).unwrap_or_default();
    let list = root.child("ListRecords").ok_or_else(|| malformed("it holds no <ListRecords>"))?;
    let records = list.children_named("record").map(harvested).collect::<Result<_, _>>()?;
    let token = list.child("resumptionToken");
    Ok(ListPage {
        response_date,
        records,
        token: token.map(|t| t.text.trim().to_string()).filter(|t| !t.is_empty()),
        complete_list_size: token.and_then(|t| t.attr("completeListSize")).and_then(|n| n.parse().ok()),
    })
}

fn harvested(record: &Node) -> Result<Harvested, ReadError> {
    let header = record.child("header").ok_or_else(|| malformed("a record has no <header>"))?;
    let identifier = header.child("identifier").map(|n| n.text.trim().to_string()).filter(|i| !i.is_empty());
    let identifier = identifier.ok_or_else(|| malformed("a record's header has no identifier"))?;
    let mut out = Harvested {
        datestamp: header.child("datestamp").map(|n| n.text.trim().to_string()).unwrap_or_default(),
        sets: header.children_named("setSpec").map(|n| n.text.trim().to_string()).collect(),
        deleted: header.attr("status") == Some("deleted"),
        identifier,
        ..Harvested::default()
    };
    if out.deleted {
        return Ok(out);
    }
    let Some(content) = record.child("metadata").and_then(|m| m.children.first()) else {
        return Err(malformed(&format!("record {} has neither metadata nor a deleted status", out.identifier)));
    };
    match content.name.as_str() {
        "dc" => dublin_core(content, &mut out),
        "resource" => datacite(content, &mut out),
        other => return Err(malformed(&format!("record {} carries <{other}>, neither oai_dc nor DataCite", out.identifier))),
    }
    Ok(out)
}

/// Simple Dublin Core: the first title and description are the record's, the rest kept beside.
fn dublin_core(dc: &Node, out: &mut Harvested) {
    let mut md = Metadata::default();
    let values = |name: &'static str| dc.children_named(name).map(|n| n.text.trim()).filter(|t| !t.is_empty());
    let mut titles = values("title");
    md.title = titles.next().map(str::to_string);
    md.additional_titles = titles.map(|t| additional(t, "alternative-title")).collect();
    md.creators = values("creator").map(|name| creator(name, None, None)).collect();
    md.contributors = values("contributor").map(|name| creator(name, None, None)).collect();
    md.subjects = values("subject").map(|s| Subject { subject: Some(s.to_string()), ..Subject::default() }).collect();
    let mut descriptions = values("description");
    md.description = descriptions.next().map(str::to_string);
    md.additional_descriptions = descriptions.map(|d| additional(d, "other")).collect();
    md.publisher = values("publisher").next().map(str::to_string);
    md.publication_date = values("date").find_map(date);
    md.resource_type = values("type").find_map(resource_type);
    md.formats = values("format").map(str::to_string).collect();
    md.languages = values("language").filter_map(language).collect();
    for right in values("rights") {
        if let Some(access) = access_right(right) {
            out.access = Some(access);
        } else {
            md.rights.extend(rights(right, None));
        }
    }
    // A licence is often given twice, by its name and by its address.
    md.rights.dedup();
    out.landing_page = values("identifier").find(|i| is_http(i)).map(str::to_string);
    md.identifiers = values("identifier").filter(|i| !is_http(i)).filter_map(scheme_id).collect();
    out.metadata = Some(md);
}

/// A DataCite `<resource>`, kernel 3 or 4.
fn datacite(resource: &Node, out: &mut Harvested) {
    let mut md = Metadata::default();
    let list = |outer: &str, inner: &'static str| resource.child(outer).into_iter().flat_map(move |n| n.children_named(inner));
    for title in list("titles", "title") {
        match title.attr("titleType") {
            None if md.title.is_none() => md.title = Some(title.text.trim().to_string()),
            kind => md.additional_titles.push(additional(title.text.trim(), title_kind(kind.unwrap_or("Other")))),
        }
    }
    md.creators = list("creators", "creator").map(|c| party(c, "creatorName")).collect();
    md.contributors = list("contributors", "contributor").map(|c| party(c, "contributorName")).collect();
    md.subjects = list("subjects", "subject")
        .map(|s| Subject { subject: Some(s.text.trim().to_string()), scheme: s.attr("subjectScheme").map(str::to_string), id: None })
        .collect();
    for description in list("descriptions", "description") {
        let text = description.text.trim();
        match description.attr("descriptionType") {
            Some("Abstract") | None if md.description.is_none() => md.description = Some(text.to_string()),
            _ => md.additional_descriptions.push(additional(text, "other")),
        }
    }
    md.publisher = resource.child("publisher").map(|p| p.text.trim().to_string());
    let issued = list("dates", "date").find(|d| d.attr("dateType") == Some("Issued")).and_then(|d| date(d.text.trim()));
    md.publication_date = issued.or_else(|| resource.child("publicationYear").and_then(|y| date(y.text.trim())));
    md.resource_type = resource.child("resourceType").and_then(|t| t.attr("resourceTypeGeneral")).and_then(resource_type);
    md.languages = resource.child("language").and_then(|l| language(l.text.trim())).into_iter().collect();
    md.version = resource.child("version").map(|v| v.text.trim().to_string());
    md.formats = list("formats", "format").map(|f| f.text.trim().to_string()).collect();
    md.sizes = list("sizes", "size").map(|s| s.text.trim().to_string()).collect();
    for right in list("rightsList", "rights") {
        let uri = right.attr("rightsURI").unwrap_or_default();
        match access_right(uri) {
            Some(access) => out.access = Some(access),
            None => md.rights.extend(rights(right.text.trim(), right.attr("rightsIdentifier")).or_else(|| rights(uri, None))),
        }
    }
    if let Some(id) = resource.child("identifier") {
        let value = id.text.trim();
        match id.attr("identifierType").unwrap_or_default() {
            "DOI" => {
                md.identifiers.push(SchemeId { identifier: value.to_string(), scheme: "doi".into() });
                out.landing_page = Some(format!("https://doi.org/{value}"));
            }
            "URL" if is_http(value) => out.landing_page = Some(value.to_string()),
            "URL" => {}
            other => md.identifiers.extend(scheme_id(value).or(Some(SchemeId { identifier: value.into(), scheme: other.to_lowercase() }))),
        }
    }
    for alternate in list("alternateIdentifiers", "alternateIdentifier") {
        let value = alternate.text.trim();
        if alternate.attr("alternateIdentifierType") == Some("URL") {
            // A landing page at the origin says more than a resolver's redirect to it. Only a
            // web address: pages link to it, and `javascript:` must never become a link.
            if is_http(value) {
                out.landing_page = Some(value.to_string());
            }
        } else if let Some(kind) = alternate.attr("alternateIdentifierType") {
            md.identifiers.push(SchemeId { identifier: value.to_string(), scheme: kind.to_lowercase() });
        }
    }
    out.metadata = Some(md);
}

/// A DataCite creator or contributor, with its ORCID or ROR and its affiliations.
fn party(node: &Node, name_element: &str) -> Creator {
    let name = node.child(name_element).map(|n| n.text.trim()).unwrap_or_default();
    let organizational = node.child(name_element).and_then(|n| n.attr("nameType")) == Some("Organizational");
    let mut who = creator(name, node.child("givenName").map(|n| n.text.trim()), node.child("familyName").map(|n| n.text.trim()));
    if organizational {
        who.person_or_org.kind = PartyType::Organizational;
    }
    for id in node.children_named("nameIdentifier") {
        let scheme = id.attr("nameIdentifierScheme").unwrap_or_default().to_lowercase();
        let value = id.text.trim();
        let value = value.rsplit_once("orcid.org/").map_or(value, |(_, bare)| bare);
        who.person_or_org.identifiers.push(SchemeId { identifier: value.to_string(), scheme });
    }
    who.affiliations = node
        .children_named("affiliation")
        .map(|a| Affiliation { id: a.attr("affiliationIdentifier").map(str::to_string), name: Some(a.text.trim().to_string()) })
        .filter(|a| a.name.as_deref().is_some_and(|n| !n.is_empty()))
        .collect();
    who
}

/// A person when the name reads "Family, Given" or the parts are given; else an organization.
fn creator(name: &str, given: Option<&str>, family: Option<&str>) -> Creator {
    let personal = name.contains(", ") || given.is_some() || family.is_some();
    Creator {
        person_or_org: PersonOrOrg {
            kind: if personal { PartyType::Personal } else { PartyType::Organizational },
            given_name: given.filter(|g| !g.is_empty()).map(str::to_string),
            family_name: family.filter(|f| !f.is_empty()).map(str::to_string),
            name: Some(name.to_string()),
            identifiers: Vec::new(),
        },
        ..Creator::default()
    }
}

fn additional(text: &str, kind: &str) -> AdditionalText {
    AdditionalText { title: text.to_string(), kind: VocabRef::new(kind), lang: None }
}

fn title_kind(datacite: &str) -> &'static str {
    match datacite {
        "AlternativeTitle" => "alternative-title",
        "Subtitle" => "subtitle",
        "TranslatedTitle" => "translated-title",
        _ => "other",
    }
}

/// An EDTF day, month or year from the start of a date (`2024-03-01T10:00:00Z` gives the day).
fn date(text: &str) -> Option<String> {
    let shape = |s: &str| s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    [10, 7, 4].into_iter().map(|n| text.get(..n)).find_map(|part| part.filter(|p| shape(p)).map(str::to_string))
}

/// Tessera's resource type for a DataCite general type (as oai_dc's `dc:type` also carries it).
fn resource_type(general: &str) -> Option<VocabRef> {
    let general = general.trim();
    let found = vocab::RESOURCE_TYPES.iter().map(|(id, _)| *id).find(|id| resource_type_general(id).eq_ignore_ascii_case(general));
    found.or_else(|| vocab::resource_type_title(&general.to_lowercase()).map(|_| "other")).map(VocabRef::new)
}

/// An ISO 639-3 language from a 639-3 or 639-1 code.
fn language(code: &str) -> Option<VocabRef> {
    let code = code.trim().to_lowercase();
    let code = code.split(['-', '_']).next().unwrap_or_default();
    vocab::language_639_3(code).map(VocabRef::new)
}

/// Open, embargoed, restricted or closed, from OpenAIRE's or COAR's terms.
fn access_right(term: &str) -> Option<AccessRight> {
    [AccessRight::Open, AccessRight::Embargoed, AccessRight::Restricted, AccessRight::MetadataOnly]
        .into_iter()
        .find(|right| term == right.eu_repo() || term == right.coar())
}

/// A licence: one Tessera knows by its SPDX id, name or address, or a statement kept as written.
fn rights(text: &str, spdx: Option<&str>) -> Option<Right> {
    if text.is_empty() && spdx.is_none() {
        return None;
    }
    let known = spdx
        .and_then(vocab::license)
        .or_else(|| vocab::license(text))
        .or_else(|| vocab::licenses().find(|l| l.title == text || same_url(&l.url(), text)));
    Some(match known {
        Some(licence) => Right { id: Some(licence.id()), ..Right::default() },
        None if is_http(text) => Right { link: Some(text.to_string()), ..Right::default() },
        None => Right { title: Some([("en".to_string(), text.to_string())].into()), ..Right::default() },
    })
}

fn same_url(a: &str, b: &str) -> bool {
    let bare = |s: &str| s.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/').to_lowercase();
    is_http(b) && bare(a) == bare(b)
}

/// A DOI, ARK, Handle or URN named by its form.
fn scheme_id(text: &str) -> Option<SchemeId> {
    let (scheme, value) = if let Some(doi) = text.strip_prefix("doi:").or_else(|| text.starts_with("10.").then_some(text)) {
        ("doi", doi)
    } else if text.starts_with("ark:") {
        ("ark", text)
    } else if let Some(handle) = text.strip_prefix("hdl:") {
        ("handle", handle)
    } else if text.starts_with("urn:") {
        ("urn", text)
    } else {
        return None;
    };
    Some(SchemeId { identifier: value.to_string(), scheme: scheme.into() })
}

fn is_http(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

fn malformed(why: &str) -> ReadError {
    ReadError::Malformed(why.to_string())
}

/// The `<OAI-PMH>` root of an answer, or the protocol error it carries.
fn answer(xml: &str) -> Result<Node, ReadError> {
    let root = tree(xml)?;
    if root.name != "OAI-PMH" {
        return Err(malformed(&format!("its root is <{}>, not <OAI-PMH>", root.name)));
    }
    if let Some(error) = root.child("error") {
        let code = error.attr("code").unwrap_or("unknown").to_string();
        return Err(ReadError::Protocol { code, message: error.text.trim().to_string() });
    }
    Ok(root)
}

/// An element: its local name and attributes, its own text, its child elements.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The document as a tree of elements; one page of a harvest is small enough to hold whole.
fn tree(xml: &str) -> Result<Node, ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<Node> = Vec::new();
    let bad = |e: &dyn std::fmt::Display| malformed(&e.to_string());
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match event {
            Event::Start(start) => open.push(element(&start)?),
            Event::Empty(start) => {
                let node = element(&start)?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::End(_) => {
                let node = open.pop().ok_or_else(|| malformed("an end tag closes nothing"))?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::Text(text) => {
                if let Some(node) = open.last_mut() {
                    node.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(node) = open.last_mut() {
                    node.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| bad(&e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference.xml10_content();
                        let predefined = quick_xml::escape::resolve_predefined_entity(&name);
                        predefined.ok_or_else(|| malformed(&format!("an unknown entity &{name};")))?.to_string()
                    }
                };
                if let Some(node) = open.last_mut() {
                    node.text.push_str(&resolved);
                }
            }
            Event::Eof => return Err(malformed("the document ends before its root element closes")),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

fn element(start: &BytesStart<'_>) -> Result<Node, ReadError> {
    let name = start.local_name().into_inner().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| malformed(&e.to_string()))?;
        let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| malformed(&e.to_string()))?;
        attrs.push((attr.key.local_name().into_inner().to_string(), value.into_owned()));
    }
    Ok(Node { name, attrs, text: String::new(), children: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(records: &str, token: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-29T10:00:00Z</responseDate>
<request verb="ListRecords">https://partner.example/oai</request><ListRecords>{records}{token}</ListRecords></OAI-PMH>"#
        )
    }

    #[test]
    fn dublin_core_records_map_onto_tessera_metadata() {
        let record = r#"<record><header><identifier>oai:partner:7</identifier><datestamp>2026-11-28T09:00:00Z</datestamp>
            <setSpec>type</setSpec><setSpec>type:dataset</setSpec></header><metadata>
            <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
              <dc:title>Afon Taf &amp; its &#x175;ater</dc:title><dc:title>Second title</dc:title>
              <dc:creator>Lovelace, Ada</dc:creator><dc:creator>British Geological Survey</dc:creator>
              <dc:subject>Hydrology</dc:subject><dc:description><![CDATA[Levels <daily>]]></dc:description>
              <dc:date>2024-03-01</dc:date><dc:date>info:eu-repo/date/embargoEnd/2027-01-01</dc:date>
              <dc:type>Dataset</dc:type><dc:language>cy</dc:language><dc:identifier>https://partner.example/records/7</dc:identifier>
              <dc:identifier>10.1234/abc</dc:identifier><dc:rights>info:eu-repo/semantics/embargoedAccess</dc:rights>
              <dc:rights>https://creativecommons.org/licenses/by/4.0/legalcode</dc:rights><dc:rights>All rights reserved</dc:rights>
            </oai_dc:dc></metadata></record>"#;
        let token = r#"<resumptionToken completeListSize="230" cursor="0">abc|1</resumptionToken>"#;
        let page = read_list_records(&page(record, token)).unwrap();
        assert_eq!((page.token.as_deref(), page.complete_list_size), (Some("abc|1"), Some(230)));
        assert_eq!(page.response_date, "2026-11-29T10:00:00Z");
        let record = &page.records[0];
        assert_eq!((record.identifier.as_str(), record.sets.len(), record.deleted), ("oai:partner:7", 2, false));
        assert_eq!(record.landing_page.as_deref(), Some("https://partner.example/records/7"));
        assert_eq!(record.access, Some(AccessRight::Embargoed));
        let md = record.metadata.as_ref().unwrap();
        assert_eq!(md.title.as_deref(), Some("Afon Taf & its ŵater"));
        assert_eq!(md.additional_titles[0].title, "Second title");
        assert_eq!(md.creators[0].person_or_org.kind, PartyType::Personal);
        assert_eq!(md.creators[1].person_or_org.kind, PartyType::Organizational);
        assert_eq!(md.description.as_deref(), Some("Levels <daily>"));
        assert_eq!(md.publication_date.as_deref(), Some("2024-03-01"));
        assert_eq!(md.resource_type.as_ref().map(|t| t.id.as_str()), Some("dataset"));
        assert_eq!(md.languages[0].id, "cym");
        assert_eq!(md.identifiers, [SchemeId { identifier: "10.1234/abc".into(), scheme: "doi".into() }]);
        assert_eq!(md.rights.len(), 2);
        assert_eq!(md.rights[0].link.as_deref(), Some("https://creativecommons.org/licenses/by/4.0/legalcode"));
        assert_eq!(md.rights[1].title.as_ref().and_then(|t| t.get("en")).map(String::as_str), Some("All rights reserved"));
    }

    #[test]
    fn datacite_records_map_onto_tessera_metadata() {
        let record = r#"<record><header><identifier>oai:partner:8</identifier><datestamp>2026-11-28</datestamp></header><metadata>
            <resource xmlns="http://datacite.org/schema/kernel-4"><identifier identifierType="DOI">10.5555/xyz</identifier>
              <creators><creator><creatorName nameType="Personal">Jones, Bethan</creatorName><givenName>Bethan</givenName>
                <familyName>Jones</familyName><nameIdentifier nameIdentifierScheme="ORCID">https://orcid.org/0000-0002-1825-0097</nameIdentifier>
                <affiliation affiliationIdentifier="https://ror.org/03kk7td41">Cardiff University</affiliation></creator></creators>
              <titles><title>Main</title><title titleType="Subtitle">Sub</title></titles><publisher>Partner</publisher>
              <publicationYear>2023</publicationYear><resourceType resourceTypeGeneral="Software">code</resourceType>
              <rightsList><rights rightsURI="info:eu-repo/semantics/openAccess"/><rights rightsIdentifier="CC-BY-4.0">CC BY 4.0</rights></rightsList>
              <descriptions><description descriptionType="Methods">How</description><description descriptionType="Abstract">What</description></descriptions>
              <alternateIdentifiers><alternateIdentifier alternateIdentifierType="URL">https://partner.example/r/8</alternateIdentifier>
              <alternateIdentifier alternateIdentifierType="URL">javascript:alert(1)</alternateIdentifier></alternateIdentifiers>
            </resource></metadata></record>
            <record><header status="deleted"><identifier>oai:partner:9</identifier><datestamp>2026-11-28</datestamp></header></record>"#;
        let page = read_list_records(&page(record, "<resumptionToken completeListSize=\"2\"/>")).unwrap();
        assert_eq!(page.token, None);
        let [found, deleted] = page.records.as_slice() else { panic!("two records expected") };
        assert!(deleted.deleted && deleted.metadata.is_none());
        assert_eq!(found.landing_page.as_deref(), Some("https://partner.example/r/8"));
        assert_eq!(found.access, Some(AccessRight::Open));
        let md = found.metadata.as_ref().unwrap();
        assert_eq!((md.title.as_deref(), md.description.as_deref()), (Some("Main"), Some("What")));
        assert_eq!(md.additional_titles[0].kind.id, "subtitle");
        let who = &md.creators[0];
        assert_eq!(who.person_or_org.identifiers[0].identifier, "0000-0002-1825-0097");
        assert_eq!(who.affiliations[0].id.as_deref(), Some("https://ror.org/03kk7td41"));
        assert_eq!(md.resource_type.as_ref().map(|t| t.id.as_str()), Some("software"));
        assert_eq!(md.publication_date.as_deref(), Some("2023"));
        assert_eq!(md.rights[0].id.as_deref(), Some("cc-by-4.0"));
        assert_eq!(md.identifiers[0].identifier, "10.5555/xyz");
    }

    #[test]
    fn errors_are_named_and_no_records_is_an_empty_page() {
        let error = |code: &str| {
            format!(
                r#"<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-29T10:00:00Z</responseDate>
                <request>https://p.example/oai</request><error code="{code}">Explained</error></OAI-PMH>"#
            )
        };
        assert_eq!(read_list_records(&error("noRecordsMatch")).unwrap(), ListPage::default());
        assert_eq!(
            read_list_records(&error("badResumptionToken")),
            Err(ReadError::Protocol { code: "badResumptionToken".into(), message: "Explained".into() })
        );
        for bad in ["<html><body>Gateway timeout</body></html>", "<OAI-PMH><ListRecords>", "not xml at all", "<a>&nbsp;</a>"] {
            assert!(matches!(read_list_records(bad), Err(ReadError::Malformed(_))), "{bad}");
        }
        let identify = r#"<OAI-PMH><responseDate>x</responseDate><Identify><repositoryName>Partner Archive</repositoryName>
            <baseURL>https://p.example/oai</baseURL><granularity>YYYY-MM-DDThh:mm:ssZ</granularity><deletedRecord>persistent</deletedRecord></Identify></OAI-PMH>"#;
        let formats = r#"<OAI-PMH><ListMetadataFormats><metadataFormat><metadataPrefix>oai_dc</metadataPrefix></metadataFormat>
            <metadataFormat><metadataPrefix> oai_datacite </metadataPrefix></metadataFormat></ListMetadataFormats></OAI-PMH>"#;
        assert_eq!(read_metadata_formats(formats).unwrap(), ["oai_dc", "oai_datacite"]);
        let identify = read_identify(identify).unwrap();
        assert_eq!((identify.repository_name.as_str(), identify.seconds), ("Partner Archive", true));
    }
}
