//! Access settings of a record, in InvenioRDM's `access` shape.
//!
//! The finer data classes (registered, partner, enclave) and grants arrive with the identity
//! and access work; `public` and `restricted` already mean what they will mean then.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Public,
    Restricted,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(deny_unknown_fields)]
pub struct Access {
    #[serde(default)]
    pub record: Visibility,
    #[serde(default)]
    pub files: Visibility,
    #[serde(default)]
    pub embargo: Embargo,
}

impl Access {
    /// InvenioRDM's access status, used for the `access_status` facet.
    pub fn status(&self, has_files: bool) -> &'static str {
        if self.embargo.active {
            "embargoed"
        } else if !has_files {
            "metadata-only"
        } else if self.record == Visibility::Public && self.files == Visibility::Public {
            "open"
        } else {
            "restricted"
        }
    }
}
