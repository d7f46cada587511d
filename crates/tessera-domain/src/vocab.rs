//! Controlled vocabularies that metadata refers to by id: licences (the SPDX licence list,
//! shipped inside the binary), languages (ISO 639-3) and resource types (InvenioRDM's ids).

use std::collections::HashMap;
use std::sync::OnceLock;

/// A licence from the SPDX list. Ids are matched case-insensitively and stored lowercase,
/// as InvenioRDM stores them (`cc-by-4.0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct License {
    pub spdx_id: &'static str,
    pub title: &'static str,
}

impl License {
    pub fn id(&self) -> String {
        self.spdx_id.to_ascii_lowercase()
    }

    pub fn url(&self) -> String {
        format!("https://spdx.org/licenses/{}.html", self.spdx_id)
    }
}

pub fn license(id: &str) -> Option<License> {
    static BY_LOWER: OnceLock<HashMap<String, License>> = OnceLock::new();
    let table = BY_LOWER.get_or_init(|| {
        spdx::identifiers::LICENSES.iter().map(|(spdx_id, title, _)| (spdx_id.to_ascii_lowercase(), License { spdx_id, title })).collect()
    });
    table.get(&id.to_ascii_lowercase()).copied()
}

/// Every licence, for type-ahead and the vocabulary endpoint.
pub fn licenses() -> impl Iterator<Item = License> {
    spdx::identifiers::LICENSES.iter().map(|(spdx_id, title, _)| License { spdx_id, title })
}

/// The English name of an ISO 639-3 language code.
pub fn language_name(code: &str) -> Option<&'static str> {
    isolang::Language::from_639_3(code).map(|lang| lang.to_name())
}

/// The languages that have an ISO 639-1 code, as (ISO 639-3 code, English name): the widely
/// written ones, offered first when a depositor types a language.
pub fn major_languages() -> impl Iterator<Item = (&'static str, &'static str)> {
    isolang::languages().filter(|lang| lang.to_639_1().is_some()).map(|lang| (lang.to_639_3(), lang.to_name()))
}

/// Every ISO 639-3 language, as (code, English name).
pub fn languages() -> impl Iterator<Item = (&'static str, &'static str)> {
    isolang::languages().map(|lang| (lang.to_639_3(), lang.to_name()))
}

/// A DataCite term in words, as a vocabulary's English title gives it: `IsCitedBy` → "Is
/// cited by", `DataCollector` → "Data collector".
pub fn term_words(term: &str) -> String {
    let mut words = String::with_capacity(term.len() + 4);
    for (i, c) in term.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            words.push(' ');
            words.push(c.to_ascii_lowercase());
        } else {
            words.push(c);
        }
    }
    words
}

/// The ISO 639-1 code of an ISO 639-3 one, where the language has one (`eng` → `en`).
pub fn language_639_1(code: &str) -> Option<&'static str> {
    isolang::Language::from_639_3(code).and_then(|lang| lang.to_639_1())
}

/// The ISO 639-3 code of a language named by either code (`en` → `eng`), for metadata from
/// elsewhere that uses the shorter one.
pub fn language_639_3(code: &str) -> Option<&'static str> {
    isolang::Language::from_639_3(code).or_else(|| isolang::Language::from_639_1(code)).map(|lang| lang.to_639_3())
}

/// InvenioRDM's resource types: id and English title.
pub const RESOURCE_TYPES: &[(&str, &str)] = &[
    ("dataset", "Dataset"),
    ("image", "Image"),
    ("image-photo", "Photo"),
    ("image-figure", "Figure"),
    ("image-drawing", "Drawing"),
    ("image-diagram", "Diagram"),
    ("image-plot", "Plot"),
    ("audio", "Audio"),
    ("video", "Video"),
    ("model", "Model"),
    ("physicalobject", "Physical object"),
    ("publication", "Publication"),
    ("publication-article", "Journal article"),
    ("publication-book", "Book"),
    ("publication-report", "Report"),
    ("publication-thesis", "Thesis"),
    ("publication-preprint", "Preprint"),
    ("poster", "Poster"),
    ("presentation", "Presentation"),
    ("event", "Event"),
    ("lesson", "Lesson"),
    ("software", "Software"),
    ("software-computationalnotebook", "Computational notebook"),
    ("workflow", "Workflow"),
    ("other", "Other"),
];

pub fn resource_type_title(id: &str) -> Option<&'static str> {
    RESOURCE_TYPES.iter().find(|(known, _)| *known == id).map(|(_, title)| *title)
}

/// DataCite 4.6's contributor types, the roles a contributor may have.
pub const CONTRIBUTOR_TYPES: &[&str] = &[
    "ContactPerson",
    "DataCollector",
    "DataCurator",
    "DataManager",
    "Distributor",
    "Editor",
    "HostingInstitution",
    "Other",
    "Producer",
    "ProjectLeader",
    "ProjectManager",
    "ProjectMember",
    "RegistrationAgency",
    "RegistrationAuthority",
    "RelatedPerson",
    "ResearchGroup",
    "RightsHolder",
    "Researcher",
    "Sponsor",
    "Supervisor",
    "Translator",
    "WorkPackageLeader",
];

/// DataCite 4.6's date types.
pub const DATE_TYPES: &[&str] = &[
    "Accepted",
    "Available",
    "Collected",
    "Copyrighted",
    "Coverage",
    "Created",
    "Issued",
    "Other",
    "Submitted",
    "Updated",
    "Valid",
    "Withdrawn",
];

/// DataCite 4.6's relation types, between a dataset and a related work.
pub const RELATION_TYPES: &[&str] = &[
    "IsCitedBy",
    "Cites",
    "IsSupplementTo",
    "IsSupplementedBy",
    "IsContinuedBy",
    "Continues",
    "IsNewVersionOf",
    "IsPreviousVersionOf",
    "IsPartOf",
    "HasPart",
    "IsPublishedIn",
    "IsReferencedBy",
    "References",
    "IsDocumentedBy",
    "Documents",
    "IsCompiledBy",
    "Compiles",
    "IsVariantFormOf",
    "IsOriginalFormOf",
    "IsIdenticalTo",
    "HasMetadata",
    "IsMetadataFor",
    "Reviews",
    "IsReviewedBy",
    "IsDerivedFrom",
    "IsSourceOf",
    "Describes",
    "IsDescribedBy",
    "HasVersion",
    "IsVersionOf",
    "Requires",
    "IsRequiredBy",
    "Obsoletes",
    "IsObsoletedBy",
    "Collects",
    "IsCollectedBy",
    "HasTranslation",
    "IsTranslationOf",
];

/// The DataCite term a vocabulary id stands for, from one of its lists: ids are the terms in
/// lower case, and may have dashes (`iscitedby`, `data-collector`).
pub fn datacite_term(list: &'static [&'static str], id: &str) -> Option<&'static str> {
    let key: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    list.iter().copied().find(|term| term.eq_ignore_ascii_case(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        let cc = license("CC-BY-4.0").expect("cc-by-4.0 is on the SPDX list");
        assert_eq!(cc.id(), "cc-by-4.0");
        assert_eq!(cc.title, "Creative Commons Attribution 4.0 International");
        assert_eq!(license("mit").map(|l| l.spdx_id), Some("MIT"));
        assert!(license("not-a-licence").is_none());
        assert_eq!(language_name("cym"), Some("Welsh"));
        assert_eq!(language_name("xx"), None);
        assert_eq!((language_639_1("cym"), language_639_1("ang")), (Some("cy"), None));
        let major: Vec<_> = major_languages().collect();
        assert!(major.contains(&("cym", "Welsh")) && !major.iter().any(|(code, _)| *code == "ang"), "{} languages", major.len());
        assert_eq!(resource_type_title("dataset"), Some("Dataset"));
        assert_eq!((term_words("IsCitedBy"), term_words("Other")), ("Is cited by".to_string(), "Other".to_string()));
        assert!(languages().count() > 7000 && languages().any(|lang| lang == ("cym", "Welsh")));
        assert!(licenses().count() > 500);
    }
}
