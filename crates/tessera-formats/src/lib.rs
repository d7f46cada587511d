#![doc = include_str!("../README.md")]

pub mod datacite;
pub mod dublin_core;
pub mod xml;
pub mod zip;

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
}

/// A persistent identifier with its kind, as DataCite names kinds: `DOI`, `ARK`, or `URL`
/// for a record that has neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pid<'a> {
    pub kind: &'a str,
    pub value: &'a str,
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

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open access",
            Self::Embargoed => "Embargoed access",
            Self::Restricted => "Restricted access",
            Self::MetadataOnly => "Metadata-only access",
        }
    }
}
