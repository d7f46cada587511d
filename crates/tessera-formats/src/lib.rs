#![doc = include_str!("../README.md")]

pub mod bagit;
pub mod bibtex;
pub mod citation;
pub mod csl;
pub mod datacite;
pub mod datapackage;
pub mod dcat;
pub mod dublin_core;
pub mod oai_pmh;
mod pretty;
pub mod ro_crate;
pub mod schema_org;
pub mod tar;
pub mod unzip;
pub mod xml;
pub mod zip;

use tessera_domain::metadata::PartyType;
use tessera_domain::{Access, DataClass, Metadata};

/// What every export needs to know of a record version beside its descriptive metadata.
#[derive(Clone, Copy, Debug)]
pub struct Described<'a> {
    pub metadata: &'a Metadata,
    pub access: &'a Access,
    /// The record's persistent identifier.
    pub pid: Pid<'a>,
    /// Where people read about the record.
    pub landing_page: &'a str,
    /// Who publishes it when the metadata names nobody: the repository.
    pub publisher: &'a str,
    /// When this version was published, in RFC 3339.
    pub published: &'a str,
    /// When it last changed, in RFC 3339.
    pub updated: &'a str,
    /// The files a reader may list, with where to download them; none for metadata-only.
    pub files: &'a [FileFacts],
}

/// One file of a record, as the exports that list files describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFacts {
    pub key: String,
    pub size: i64,
    pub md5: String,
    /// Where it is downloaded from (access may still be refused).
    pub url: String,
}

/// A persistent identifier with its kind, as DataCite names kinds: `DOI`, `ARK`, or `URL`
/// for a record that has neither; and the link it resolves through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pid<'a> {
    pub kind: &'a str,
    pub value: &'a str,
    pub url: &'a str,
}

impl Described<'_> {
    pub fn publisher(&self) -> &str {
        self.metadata.publisher.as_deref().filter(|p| !p.trim().is_empty()).unwrap_or(self.publisher)
    }

    /// The year the record counts as published: its publication date's, or the year this version appeared.
    pub fn publication_year(&self) -> String {
        match self.metadata.publication_year() {
            Some(year) => format!("{year:04}"),
            None => self.published.get(..4).unwrap_or("0000").to_string(),
        }
    }

    pub fn access_right(&self) -> AccessRight {
        AccessRight::of(self.access)
    }

    /// The persistent identifier as a link that resolves.
    pub fn pid_url(&self) -> String {
        self.pid.url.to_string()
    }

    /// The record's licences and rights statements, each with its title, its link (the
    /// record's own when it is a web link, else SPDX's for a known licence) and its SPDX id.
    pub fn rights(&self) -> impl Iterator<Item = Rights<'_>> {
        self.metadata.rights.iter().map(|right| {
            let licence = right.id.as_deref().and_then(tessera_domain::vocab::license);
            let title = right.title.as_ref().and_then(english).or(licence.map(|l| l.title)).or(right.id.as_deref());
            Rights {
                title: title.unwrap_or_default(),
                url: right
                    .link
                    .clone()
                    .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
                    .or_else(|| licence.map(|l| l.url())),
                licence,
            }
        })
    }

    /// The licences' links.
    pub fn licence_urls(&self) -> impl Iterator<Item = String> + '_ {
        self.rights().filter_map(|r| r.url)
    }

    /// The creators as citations name them.
    pub fn authors(&self) -> impl Iterator<Item = Author<'_>> {
        self.metadata.creators.iter().map(|c| {
            let p = &c.person_or_org;
            match (p.kind, p.family_name.as_deref()) {
                (PartyType::Personal, Some(family)) => Author::Person { family, given: p.given_name.as_deref() },
                _ => Author::Named(p.name.as_deref().unwrap_or_default()),
            }
        })
    }

    /// The publication date's parts (year, month, day) as far as it gives them.
    pub fn date_parts(&self) -> Vec<i32> {
        let date = self.metadata.publication_date.as_deref().unwrap_or(self.published);
        let first = date.split('/').next().unwrap_or_default();
        first.get(..10).unwrap_or(first).split('-').map_while(|part| part.parse().ok()).take(3).collect()
    }
}

/// A licence or rights statement, as `Described::rights` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rights<'a> {
    pub title: &'a str,
    pub url: Option<String>,
    /// The SPDX licence, when the id names one.
    pub licence: Option<tessera_domain::vocab::License>,
}

/// Percent-encodes `text` for a URI: RFC 3986's unreserved characters and those in `keep`
/// (`b"/"` for a path) pass through, every other byte becomes `%XX`.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep.contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A multilingual text in English where it has English, else in any language it has.
pub fn english(text: &tessera_domain::metadata::I18n) -> Option<&str> {
    text.get("en").or_else(|| text.values().next()).map(String::as_str)
}

/// A creator in a citation: a person by family and given name, anyone else by their name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author<'a> {
    Person { family: &'a str, given: Option<&'a str> },
    Named(&'a str),
}

/// How open a record's files are, in the terms aggregators share (COAR access rights).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRight {
    Open,
    Embargoed,
    Restricted,
    /// Only the metadata is public.
    MetadataOnly,
}

impl AccessRight {
    pub fn of(access: &Access) -> Self {
        if access.embargo.active {
            Self::Embargoed
        } else if access.metadata_stub() {
            Self::MetadataOnly
        } else if access.data_class() == DataClass::Public {
            Self::Open
        } else {
            Self::Restricted
        }
    }

    /// The OpenAIRE term (`info:eu-repo/semantics/openAccess`) that OAI-PMH aggregators read.
    pub fn eu_repo(self) -> &'static str {
        match self {
            Self::Open => "info:eu-repo/semantics/openAccess",
            Self::Embargoed => "info:eu-repo/semantics/embargoedAccess",
            Self::Restricted => "info:eu-repo/semantics/restrictedAccess",
            Self::MetadataOnly => "info:eu-repo/semantics/closedAccess",
        }
    }

    /// The COAR vocabulary's URI for it.
    pub fn coar(self) -> &'static str {
        match self {
            Self::Open => "http://purl.org/coar/access_right/c_abf2",
            Self::Embargoed => "http://purl.org/coar/access_right/c_f1cf",
            Self::Restricted => "http://purl.org/coar/access_right/c_16ec",
            Self::MetadataOnly => "http://purl.org/coar/access_right/c_14cb",
        }
    }

    /// The value of search's `access_status` facet.
    pub fn status(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Embargoed => "embargoed",
            Self::Restricted => "restricted",
            Self::MetadataOnly => "metadata-only",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open access",
            Self::Embargoed => "Embargoed access",
            Self::Restricted => "Restricted access",
            Self::MetadataOnly => "Metadata-only access",
        }
    }
}

/// A record with `files` as the package writers' tests describe it.
#[cfg(test)]
pub(crate) fn described_with<'a>(metadata: &'a Metadata, access: &'a Access, files: &'a [FileFacts]) -> Described<'a> {
    Described {
        metadata,
        access,
        pid: Pid { kind: "DOI", value: "10.1234/g", url: "https://doi.org/10.1234/g" },
        landing_page: "https://data.example.org/records/7",
        publisher: "Tessera",
        published: "2024-05-18T10:00:00Z",
        updated: "2024-05-18T10:00:00Z",
        files,
    }
}

/// Files of `keys`, three bytes each, as the package writers' tests list them.
#[cfg(test)]
pub(crate) fn files_named(keys: &[&str]) -> Vec<FileFacts> {
    keys.iter().map(|key| FileFacts { key: key.to_string(), size: 3, md5: "m".into(), url: String::new() }).collect()
}
