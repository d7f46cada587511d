//! DCAT-AP, the European profile of W3C's Data Catalog Vocabulary that data portals harvest,
//! as Turtle and as JSON-LD. The triples are made once and written both ways, so the two
//! always say the same.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::{AccessRight, Described};

const PREFIXES: [(&str, &str); 6] = [
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];
const ACCESS_RIGHTS: &str = "http://publications.europa.eu/resource/authority/access-right/";
const LANGUAGES: &str = "http://publications.europa.eu/resource/authority/language/";

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Term {
    Iri(String),
    /// A prefixed name such as `dcat:Dataset`.
    Name(&'static str),
    Blank(usize),
    Literal(String),
    /// A literal with an `xsd:` datatype.
    Typed(String, &'static str),
}

#[derive(Default)]
struct Graph {
    triples: Vec<(Term, &'static str, Term)>,
    blanks: usize,
}

impl Graph {
    fn add(&mut self, subject: &Term, predicate: &'static str, object: Term) {
        self.triples.push((subject.clone(), predicate, object));
    }

    fn text(&mut self, subject: &Term, predicate: &'static str, text: Option<&str>) {
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            self.add(subject, predicate, Term::Literal(text.to_string()));
        }
    }

    /// A link, if the text is an IRI Turtle can carry; what is not is left out.
    fn link(&mut self, subject: &Term, predicate: &'static str, iri: &str) {
        if is_iri(iri) {
            self.add(subject, predicate, Term::Iri(iri.to_string()));
        }
    }

    fn blank(&mut self, kind: &'static str) -> Term {
        self.blanks += 1;
        let node = Term::Blank(self.blanks);
        self.add(&node, "rdf:type", Term::Name(kind));
        node
    }
}

fn graph(record: &Described<'_>) -> Graph {
    let md = record.metadata;
    let mut g = Graph::default();
    let dataset = Term::Iri(if is_iri(&record.pid_url()) { record.pid_url() } else { record.landing_page.to_string() });
    g.add(&dataset, "rdf:type", Term::Name("dcat:Dataset"));
    g.text(&dataset, "dct:title", md.title.as_deref());
    g.text(&dataset, "dct:description", md.description.as_deref());
    g.text(&dataset, "dct:identifier", Some(record.pid.value));
    if let Some(date) = md.publication_date.as_deref() {
        g.add(&dataset, "dct:issued", date_term(date));
    }
    g.add(&dataset, "dct:modified", Term::Typed(record.updated.to_string(), "xsd:dateTime"));
    g.link(&dataset, "dcat:landingPage", record.landing_page);
    let publisher = g.blank("foaf:Agent");
    g.add(&dataset, "dct:publisher", publisher.clone());
    g.text(&publisher, "foaf:name", Some(record.publisher()));
    for creator in &md.creators {
        let p = &creator.person_or_org;
        let orcid = p.identifiers.iter().find(|id| id.scheme.eq_ignore_ascii_case("orcid"));
        let agent = match orcid {
            Some(id) => {
                let node = Term::Iri(format!("https://orcid.org/{}", id.identifier));
                g.add(&node, "rdf:type", Term::Name("foaf:Person"));
                node
            }
            None => g.blank("foaf:Agent"),
        };
        g.text(&agent, "foaf:name", p.name.as_deref());
        g.add(&dataset, "dct:creator", agent);
    }
    for subject in md.subjects.iter().filter_map(|s| s.subject.as_deref()) {
        g.text(&dataset, "dcat:keyword", Some(subject));
    }
    for language in &md.languages {
        g.link(&dataset, "dct:language", &format!("{LANGUAGES}{}", language.id.to_ascii_uppercase()));
    }
    g.text(&dataset, "dcat:version", md.version.as_deref());
    let rights = match record.access_right() {
        AccessRight::Open => "PUBLIC",
        AccessRight::Embargoed | AccessRight::Restricted => "RESTRICTED",
        AccessRight::MetadataOnly => "NON_PUBLIC",
    };
    g.add(&dataset, "dct:accessRights", Term::Iri(format!("{ACCESS_RIGHTS}{rights}")));
    for related in md.related_identifiers.iter().filter(|r| is_iri(&r.identifier)) {
        g.link(&dataset, "dct:relation", &related.identifier);
    }
    let licences: Vec<String> = record.licence_urls().filter(|l| is_iri(l)).collect();
    // DCAT-AP wants a distribution with an access URL even when no file may be listed.
    let mut distributions: Vec<Option<&crate::FileFacts>> = record.files.iter().map(Some).collect();
    if distributions.is_empty() {
        distributions.push(None);
    }
    for file in distributions {
        let distribution = g.blank("dcat:Distribution");
        g.add(&dataset, "dcat:distribution", distribution.clone());
        g.link(&distribution, "dcat:accessURL", record.landing_page);
        licences.iter().for_each(|licence| g.link(&distribution, "dct:license", licence));
        let Some(file) = file else { continue };
        g.text(&distribution, "dct:title", Some(&file.key));
        g.link(&distribution, "dcat:downloadURL", &file.url);
        g.add(&distribution, "dcat:byteSize", Term::Typed(file.size.to_string(), "xsd:nonNegativeInteger"));
        let checksum = g.blank("spdx:Checksum");
        g.add(&distribution, "spdx:checksum", checksum.clone());
        g.add(&checksum, "spdx:algorithm", Term::Name("spdx:checksumAlgorithm_md5"));
        g.add(&checksum, "spdx:checksumValue", Term::Typed(file.md5.clone(), "xsd:hexBinary"));
    }
    g
}

/// A date as xsd:date, xsd:gYearMonth or xsd:gYear where it is one, else as text (an EDTF interval).
fn date_term(date: &str) -> Term {
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let parts: Vec<&str> = date.split('-').collect();
    match parts[..] {
        [y, m, d] if digits(y) && digits(m) && digits(d) && y.len() == 4 => Term::Typed(date.into(), "xsd:date"),
        [y, m] if digits(y) && digits(m) && y.len() == 4 => Term::Typed(date.into(), "xsd:gYearMonth"),
        [y] if digits(y) && y.len() == 4 => Term::Typed(date.into(), "xsd:gYear"),
        _ => Term::Literal(date.into()),
    }
}

/// Whether Turtle can carry `text` as an IRI: an http(s) link without the characters its IRI
/// syntax forbids.
fn is_iri(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
}

pub fn turtle(record: &Described<'_>) -> String {
    let mut out = String::new();
    for (prefix, iri) in PREFIXES {
        out.push_str(&format!("@prefix {prefix}: <{iri}> .\n"));
    }
    out.push('\n');
    for (subject, predicate, object) in &graph(record).triples {
        let predicate = if *predicate == "rdf:type" { "a" } else { predicate };
        out.push_str(&format!("{} {predicate} {} .\n", turtle_term(subject), turtle_term(object)));
    }
    out
}

fn turtle_term(term: &Term) -> String {
    match term {
        Term::Iri(iri) => format!("<{iri}>"),
        Term::Name(name) => (*name).to_string(),
        Term::Blank(n) => format!("_:b{n}"),
        Term::Literal(text) => quoted(text),
        Term::Typed(text, datatype) => format!("{}^^{datatype}", quoted(text)),
    }
}

/// A Turtle string literal.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON-LD: one node object for each subject, prefixed names resolved by the context.
pub fn json_ld(record: &Described<'_>) -> Value {
    let mut nodes: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut order = Vec::new();
    for (subject, predicate, object) in graph(record).triples {
        let id = node_id(&subject);
        let node = nodes.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            Map::from_iter([("@id".to_string(), json!(id))])
        });
        let (key, value) = match (predicate, object) {
            ("rdf:type", Term::Name(name)) => ("@type", json!(name)),
            (predicate, Term::Iri(iri)) => (predicate, json!({"@id": iri})),
            (predicate, Term::Name(name)) => (predicate, json!({"@id": name})),
            (predicate, Term::Blank(n)) => (predicate, json!({"@id": format!("_:b{n}")})),
            (predicate, Term::Literal(text)) => (predicate, json!({"@value": text})),
            (predicate, Term::Typed(text, datatype)) => (predicate, json!({"@value": text, "@type": datatype})),
        };
        match node.get_mut(key) {
            Some(Value::Array(values)) => values.push(value),
            _ => {
                node.insert(key.to_string(), json!([value]));
            }
        }
    }
    let context: Map<String, Value> = PREFIXES.iter().map(|(prefix, iri)| (prefix.to_string(), json!(iri))).collect();
    let graph: Vec<Value> = order.into_iter().filter_map(|id| nodes.remove(&id)).map(Value::Object).collect();
    json!({"@context": context, "@graph": graph})
}

fn node_id(term: &Term) -> String {
    match term {
        Term::Iri(iri) => iri.clone(),
        Term::Blank(n) => format!("_:b{n}"),
        other => turtle_term(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_links_are_written_safely() {
        assert_eq!(quoted("a \"b\"\n\\c\u{1}"), r#""a \"b\"\n\\c\u0001""#);
        assert!(is_iri("https://example.org/a?b=c") && !is_iri("https://example.org/a b") && !is_iri("urn:x"));
        assert_eq!(date_term("2024-05"), Term::Typed("2024-05".into(), "xsd:gYearMonth"));
        assert_eq!(date_term("2020/2021"), Term::Literal("2020/2021".into()));
    }
}
