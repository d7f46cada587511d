//! The descriptive metadata of a record: DataCite's model in InvenioRDM's JSON shape, so that
//! clients written for InvenioRDM send and read it unchanged.
//!
//! Unknown fields are refused (`deny_unknown_fields`) so a typo never silently drops data.
//! Expanded vocabulary titles that a client echoes back are accepted and then recomputed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A text in several languages, keyed by ISO 639-1 or 639-3 code (`{"en": "..."}`).
pub type I18n = BTreeMap<String, String>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<VocabRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub creators: Vec<Creator>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<Creator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_titles: Vec<AdditionalText>,
    /// An EDTF date or interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_descriptions: Vec<AdditionalText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rights: Vec<Right>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// ISO 639-3 codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<VocabRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<SchemeId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_identifiers: Vec<RelatedIdentifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub funding: Vec<Funding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Locations>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<String>,
}

/// A reference to a vocabulary entry. `title` is filled in by Tessera; what a client sends there is ignored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VocabRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub title: Option<I18n>,
}

impl VocabRef {
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into(), title: None }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Creator {
    pub person_or_org: PersonOrOrg,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<VocabRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<Affiliation>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PartyType {
    #[default]
    Personal,
    Organizational,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PersonOrOrg {
    #[serde(rename = "type")]
    pub kind: PartyType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// For people, derived as "Family, Given"; for organizations, their name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<SchemeId>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Affiliation {
    /// A ROR id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SchemeId {
    pub identifier: String,
    #[serde(default)]
    pub scheme: String,
}

/// An additional title or description, with its type and language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdditionalText {
    #[serde(alias = "description")]
    pub title: String,
    #[serde(rename = "type")]
    pub kind: VocabRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<VocabRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Right {
    /// An SPDX licence id, lowercase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub title: Option<I18n>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub description: Option<I18n>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub props: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Subject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DateEntry {
    pub date: String,
    #[serde(rename = "type")]
    pub kind: VocabRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RelatedIdentifier {
    pub identifier: String,
    pub scheme: String,
    pub relation_type: VocabRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<VocabRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Funding {
    pub funder: Funder,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award: Option<Award>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Funder {
    /// A ROR id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Award {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub title: Option<I18n>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<SchemeId>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Locations {
    pub features: Vec<Feature>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Feature {
    /// A GeoJSON geometry, kept as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<SchemeId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Metadata {
    /// Display names of the creators, in order.
    pub fn creator_names(&self) -> impl Iterator<Item = &str> {
        self.creators.iter().filter_map(|c| c.person_or_org.name.as_deref())
    }

    /// The year the record was published, from `publication_date`.
    pub fn publication_year(&self) -> Option<i32> {
        self.publication_date.as_deref().and_then(crate::edtf::year)
    }
}
