//! Citations as people copy them from a landing page: APA 7, DataCite's recommended form and
//! RIS for reference managers (BibTeX is `bibtex::entry`), and the Highwire `citation_*`
//! meta tags that scholarly search engines read.

use crate::{Author, Described, datacite};

/// Text with its line breaks and runs of spaces made single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Family, Given Names" for a person, the name for an organization.
fn inverted(author: &Author<'_>) -> String {
    match author {
        Author::Person { family, given: Some(given) } => format!("{family}, {given}"),
        Author::Person { family, given: None } => family.to_string(),
        Author::Named(name) => name.to_string(),
    }
}

/// "Family, G. N." for a person, the name for an organization.
fn apa_name(author: &Author<'_>) -> String {
    match author {
        Author::Person { family, given: Some(given) } => {
            let initials: Vec<String> = given
                .split([' ', '-'])
                .filter_map(|part| part.chars().next())
                .filter(|c| c.is_alphabetic())
                .map(|c| format!("{c}."))
                .collect();
            if initials.is_empty() { family.to_string() } else { format!("{family}, {}", initials.join(" ")) }
        }
        Author::Person { family, given: None } => family.to_string(),
        Author::Named(name) => name.to_string(),
    }
}

/// APA 7 for data sets: up to 20 authors, then an ellipsis and the last.
pub fn apa(record: &Described<'_>, kind: &str) -> String {
    let names: Vec<String> = record.authors().map(|a| apa_name(&a)).filter(|n| !n.is_empty()).collect();
    let authors = match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] if names.len() <= 20 => format!("{}, & {last}", first.join(", ")),
        [first @ .., last] => format!("{}, . . . {last}", first[..19].join(", ")),
    };
    let title = one_line(record.metadata.title.as_deref().unwrap_or_default());
    let mut text = if authors.is_empty() {
        format!("{title} ({}).", record.publication_year())
    } else {
        format!("{authors} ({}). {title}", record.publication_year())
    };
    if let Some(version) = &record.metadata.version {
        text.push_str(&format!(" (Version {version})"));
    }
    text.push_str(&format!(" [{kind}]. {}. {}", record.publisher(), record.pid_url()));
    text
}

/// DataCite's recommended form: Creator (PublicationYear): Title. Version. Publisher.
/// ResourceType. Identifier.
pub fn datacite(record: &Described<'_>) -> String {
    let names: Vec<String> = record.authors().map(|a| inverted(&a)).collect();
    let md = record.metadata;
    let title = one_line(md.title.as_deref().unwrap_or_default());
    let mut parts = vec![format!("{} ({}): {title}", names.join("; "), record.publication_year())];
    parts.extend(md.version.as_ref().map(|v| format!("Version {v}")));
    parts.push(record.publisher().to_string());
    parts.push(datacite::resource_type_general(md.resource_type.as_ref().map_or("other", |t| t.id.as_str())).to_string());
    format!("{}. {}", parts.join(". "), record.pid_url())
}

/// RIS's reference type for one of InvenioRDM's resource type ids.
fn ris_type(id: &str) -> &'static str {
    match id.split('-').next().unwrap_or_default() {
        "dataset" => "DATA",
        "software" => "COMP",
        "image" => "FIGURE",
        "audio" => "SOUND",
        "video" => "VIDEO",
        "presentation" | "poster" | "event" => "CONF",
        "publication" => match id {
            "publication-article" => "JOUR",
            "publication-book" => "BOOK",
            "publication-report" => "RPRT",
            "publication-thesis" => "THES",
            _ => "GEN",
        },
        _ => "GEN",
    }
}

/// One RIS record; each tag on its own line, values on one line.
pub fn ris(record: &Described<'_>) -> String {
    let md = record.metadata;
    let mut lines = vec![("TY", ris_type(md.resource_type.as_ref().map_or("other", |t| t.id.as_str())).to_string())];
    for author in record.authors() {
        lines.push(("AU", one_line(&inverted(&author))));
    }
    lines.push(("TI", one_line(md.title.as_deref().unwrap_or_default())));
    lines.push(("PY", record.publication_year()));
    let parts = record.date_parts();
    if parts.len() == 3 {
        lines.push(("DA", format!("{:04}/{:02}/{:02}/", parts[0], parts[1], parts[2])));
    }
    lines.push(("PB", one_line(record.publisher())));
    lines.extend(md.version.as_deref().map(|v| ("ET", one_line(v))));
    if record.pid.kind == "DOI" {
        lines.push(("DO", record.pid.value.to_string()));
    }
    lines.push(("UR", record.pid_url()));
    lines.extend(md.description.as_deref().map(|d| ("AB", one_line(d))));
    lines.extend(md.subjects.iter().filter_map(|s| s.subject.as_deref()).map(|s| ("KW", one_line(s))));
    lines.extend(md.languages.iter().map(|l| ("LA", l.id.clone())));
    let mut out: String = lines.into_iter().filter(|(_, v)| !v.is_empty()).map(|(tag, value)| format!("{tag}  - {value}\n")).collect();
    out.push_str("ER  - \n");
    out
}

/// Highwire Press meta tags (`citation_title`, one `citation_author` each…), as Google
/// Scholar and Zotero read them: (name, content) pairs.
pub fn highwire(record: &Described<'_>) -> Vec<(&'static str, String)> {
    let md = record.metadata;
    let mut tags = vec![("citation_title", md.title.clone().unwrap_or_default())];
    for author in record.authors() {
        tags.push(("citation_author", inverted(&author)));
    }
    let parts = record.date_parts();
    let date: Vec<String> = parts.iter().enumerate().map(|(i, p)| if i == 0 { format!("{p:04}") } else { format!("{p:02}") }).collect();
    tags.push(("citation_publication_date", date.join("/")));
    tags.push(("citation_publisher", record.publisher().to_string()));
    if record.pid.kind == "DOI" {
        tags.push(("citation_doi", record.pid.value.to_string()));
    }
    tags.push(("citation_abstract_html_url", record.landing_page.to_string()));
    tags.extend(md.languages.iter().map(|l| ("citation_language", l.id.clone())));
    let keywords: Vec<&str> = md.subjects.iter().filter_map(|s| s.subject.as_deref()).collect();
    if !keywords.is_empty() {
        tags.push(("citation_keywords", keywords.join("; ")));
    }
    tags.retain(|(_, content)| !content.is_empty());
    tags
}

#[cfg(test)]
mod tests {
    use tessera_domain::{Access, Metadata};

    use super::*;
    use crate::Pid;

    fn metadata(creators: usize) -> Metadata {
        let mut people: Vec<serde_json::Value> = (0..creators)
            .map(|i| {
                serde_json::json!({"person_or_org": {"type": "personal", "family_name": format!("Family{i}"), "given_name": "Ada Mary-Jane"}})
            })
            .collect();
        people.push(serde_json::json!({"person_or_org": {"type": "organizational", "name": "Afon Data Group"}}));
        serde_json::from_value(serde_json::json!({
            "resource_type": {"id": "dataset"},
            "creators": people,
            "title": "River temperatures\nof the Taff",
            "publication_date": "2024-05-17",
            "version": "2.0",
            "subjects": [{"subject": "hydrology"}, {"subject": "rivers"}],
            "languages": [{"id": "cym"}],
        }))
        .expect("metadata")
    }

    fn described<'a>(md: &'a Metadata, access: &'a Access, kind: &'a str) -> Described<'a> {
        Described {
            metadata: md,
            access,
            pid: Pid { kind, value: "10.1234/taff", url: "https://doi.org/10.1234/taff" },
            landing_page: "https://data.example.org/records/7",
            publisher: "Tessera",
            published: "2024-05-18T10:00:00Z",
            updated: "2024-05-18T10:00:00Z",
            files: &[],
        }
    }

    #[test]
    fn apa_abbreviates_given_names_and_cuts_long_author_lists() {
        let (md, access) = (metadata(2), Access::default());
        assert_eq!(
            apa(&described(&md, &access, "DOI"), "Dataset"),
            "Family0, A. M. J., Family1, A. M. J., & Afon Data Group (2024). River temperatures of the Taff (Version 2.0) [Dataset]. Tessera. https://doi.org/10.1234/taff"
        );
        let many = metadata(30);
        let text = apa(&described(&many, &access, "DOI"), "Dataset");
        assert!(text.starts_with("Family0, A. M. J., ") && text.contains("Family18, A. M. J., . . . Afon Data Group (2024)."), "{text}");
        assert!(!text.contains("Family19"), "{text}");
    }

    #[test]
    fn ris_and_datacite_forms() {
        let (md, access) = (metadata(1), Access::default());
        let record = described(&md, &access, "DOI");
        assert_eq!(
            ris(&record),
            "TY  - DATA\nAU  - Family0, Ada Mary-Jane\nAU  - Afon Data Group\nTI  - River temperatures of the Taff\nPY  - 2024\n\
             DA  - 2024/05/17/\nPB  - Tessera\nET  - 2.0\nDO  - 10.1234/taff\nUR  - https://doi.org/10.1234/taff\n\
             KW  - hydrology\nKW  - rivers\nLA  - cym\nER  - \n"
        );
        assert_eq!(
            datacite(&record),
            "Family0, Ada Mary-Jane; Afon Data Group (2024): River temperatures of the Taff. Version 2.0. Tessera. Dataset. https://doi.org/10.1234/taff"
        );
        let ark = ris(&described(&md, &access, "ARK"));
        assert!(!ark.contains("DO  -"), "only a DOI is a DOI: {ark}");
    }

    #[test]
    fn highwire_names_every_author_and_the_doi() {
        let (md, access) = (metadata(2), Access::default());
        let tags = highwire(&described(&md, &access, "DOI"));
        let of = |name: &str| tags.iter().filter(|(n, _)| *n == name).map(|(_, c)| c.as_str()).collect::<Vec<_>>();
        assert_eq!(of("citation_author"), ["Family0, Ada Mary-Jane", "Family1, Ada Mary-Jane", "Afon Data Group"]);
        assert_eq!((of("citation_publication_date"), of("citation_doi")), (vec!["2024/05/17"], vec!["10.1234/taff"]));
        assert_eq!(of("citation_keywords"), ["hydrology; rivers"]);
    }
}
