//! Access settings of a record: InvenioRDM's `access` block, plus Tessera's data classes.
//!
//! InvenioRDM clients send `record`, `files` and `embargo`; Tessera adds `data_class` and
//! `partners`. The two views are kept consistent by [`Access::settle`]: `files` is `public`
//! exactly when the data class is `public`, and `record: restricted` means that people without
//! full access see a metadata-only stub.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::OrgId;
use crate::retention::Retention;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Public,
    Restricted,
}

/// Who may have a record's files, from the most open to the least.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DataClass {
    /// Anyone.
    #[default]
    Public,
    /// Anyone signed in.
    Registered,
    /// Members of the owning organization and of the partner organizations it names.
    Partner,
    /// Holders of an active grant.
    Restricted,
    /// Nobody downloads; analysis happens inside the enclave.
    Enclave,
}

impl DataClass {
    pub const ALL: [DataClass; 5] = [Self::Public, Self::Registered, Self::Partner, Self::Restricted, Self::Enclave];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Registered => "registered",
            Self::Partner => "partner",
            Self::Restricted => "restricted",
            Self::Enclave => "enclave",
        }
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|class| class.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a data class (public, registered, partner, restricted, enclave)"))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Embargo {
    #[serde(default)]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// `restricted`: only a metadata-only stub is public.
    #[serde(default)]
    pub record: Visibility,
    /// InvenioRDM's view of the data class: `public` or not.
    #[serde(default)]
    pub files: Visibility,
    #[serde(default)]
    pub embargo: Embargo,
    /// Absent in what InvenioRDM clients send (and in records written before data classes);
    /// then it follows `files`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_class: Option<DataClass>,
    /// For the `partner` class: organizations whose members may download, beside the owner's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partners: Vec<OrgId>,
    /// Files whose class differs from the record's, by key: an open README beside restricted
    /// data, or one sensitive table in an open dataset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub file_classes: BTreeMap<String, DataClass>,
    /// How long the files are kept when the record says so itself; otherwise the retention
    /// schedules of its classes and organization decide.
    #[serde(default, skip_serializing_if = "Retention::is_unset")]
    pub retention: Retention,
}

impl Access {
    pub fn data_class(&self) -> DataClass {
        self.data_class.unwrap_or(match self.files {
            Visibility::Public => DataClass::Public,
            Visibility::Restricted => DataClass::Restricted,
        })
    }

    /// The class of one file: its own, or the record's.
    pub fn class_of(&self, key: &str) -> DataClass {
        self.file_classes.get(key).copied().unwrap_or_else(|| self.data_class())
    }

    /// Whether only a metadata-only stub is shown to people without full access.
    pub fn metadata_stub(&self) -> bool {
        self.record == Visibility::Restricted
    }

    /// Makes `files` and `data_class` agree, or says why they cannot: (field, message) pairs.
    pub fn settle(&mut self) -> Result<(), Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let class = self.data_class();
        match (self.data_class, self.files) {
            (Some(DataClass::Public), Visibility::Restricted) => {
                problems.push(("access.files", "is restricted but access.data_class is public".to_string()))
            }
            (Some(class), Visibility::Public) if class != DataClass::Public => {
                problems.push(("access.files", format!("is public but access.data_class is {class}")))
            }
            _ => {}
        }
        let partner_files = self.file_classes.values().any(|c| *c == DataClass::Partner);
        if class != DataClass::Partner && !partner_files && !self.partners.is_empty() {
            problems.push(("access.partners", format!("names partner organizations but the data class is {class}, not partner")));
        }
        // A file of the record's own class needs no entry.
        self.file_classes.retain(|_, file_class| *file_class != class);
        self.partners.sort();
        self.partners.dedup();
        problems.extend(self.retention.problems());
        if !problems.is_empty() {
            return Err(problems);
        }
        self.data_class = Some(class);
        Ok(())
    }

    /// InvenioRDM's access status, used for the `access_status` facet.
    pub fn status(&self, has_files: bool) -> &'static str {
        if self.embargo.active {
            "embargoed"
        } else if !has_files {
            "metadata-only"
        } else if self.data_class() == DataClass::Public && !self.metadata_stub() {
            "open"
        } else {
            "restricted"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(files: Visibility, class: Option<DataClass>, partners: &[&str]) -> Access {
        Access { files, data_class: class, partners: partners.iter().map(|p| OrgId(p.to_string())).collect(), ..Access::default() }
    }

    #[test]
    fn classes_follow_invenio_files_and_disagreements_are_named() {
        let mut from_files = access(Visibility::Restricted, None, &[]);
        from_files.settle().unwrap();
        assert_eq!(from_files.data_class, Some(DataClass::Restricted));

        let mut partner = access(Visibility::Restricted, Some(DataClass::Partner), &["b-org", "a-org", "b-org"]);
        partner.settle().unwrap();
        assert_eq!(partner.partners, [OrgId("a-org".into()), OrgId("b-org".into())]);

        let problems = access(Visibility::Public, Some(DataClass::Registered), &["x"]).settle().unwrap_err();
        let fields: Vec<_> = problems.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["access.files", "access.partners"]);
        assert!(access(Visibility::Restricted, Some(DataClass::Public), &[]).settle().is_err());
        assert_eq!("enclave".parse(), Ok(DataClass::Enclave));

        // Files may differ from the record; partners may serve a partner file alone.
        let mut mixed = access(Visibility::Restricted, None, &["a-org"]);
        mixed.file_classes = [("README.md", DataClass::Public), ("shared.csv", DataClass::Partner), ("x.csv", DataClass::Restricted)]
            .map(|(k, c)| (k.to_string(), c))
            .into();
        mixed.settle().unwrap();
        assert_eq!(mixed.file_classes.len(), 2, "the entry repeating the record's class is dropped");
        assert_eq!((mixed.class_of("README.md"), mixed.class_of("data.csv")), (DataClass::Public, DataClass::Restricted));

        assert!("secret".parse::<DataClass>().unwrap_err().contains("not a data class"));
    }
}
