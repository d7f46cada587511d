//! Policies as versioned documents: data use agreements, and licences of Tessera's own with
//! terms on the field of use and duration. Each version has an effective date and a line for
//! the public change log; a grant names the version its holder accepted.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{OrgId, UserId};
use crate::problem::Problem;
use crate::retention::parse_date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// A data use agreement, accepted by each holder of a grant.
    Agreement,
    /// A licence of Tessera's own (beside the SPDX list), with terms.
    Licence,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agreement => "agreement",
            Self::Licence => "licence",
        }
    }
}

impl FromStr for PolicyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Agreement, Self::Licence]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a kind of policy (agreement, licence)"))
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a custom licence allows: for which use, and for how long after access is given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Terms {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_of_use: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<u32>,
}

impl Terms {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// One version of a policy, as stored: `policy.json` in the policy's OCFL object, one OCFL
/// version per policy version, so storage alone holds the whole change log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// A slug, like an organization's: `trust-dua`.
    pub id: String,
    pub kind: PolicyKind,
    pub title: String,
    /// The organization whose policy it is; None for the platform's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrgId>,
    /// 1, 2, …
    pub version: i64,
    /// The day it takes effect (YYYY-MM-DD).
    pub effective: String,
    /// The full text.
    pub text: String,
    /// What changed, for the change log.
    pub changes: String,
    #[serde(default, skip_serializing_if = "Terms::is_empty")]
    pub terms: Terms,
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserId>,
}

impl PolicyVersion {
    /// Every problem with a new version, each with its field.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Err(message) = OrgId::parse(&self.id) {
            problems.push(Problem::new("id", message.replace("an organization id", "a policy id")));
        }
        for (field, value) in [("title", &self.title), ("text", &self.text), ("changes", &self.changes)] {
            if value.trim().is_empty() {
                problems.push(Problem::new(field, "is required"));
            }
        }
        if parse_date(&self.effective).is_none() {
            problems.push(Problem::new("effective", format!("'{}' is not a date (YYYY-MM-DD)", self.effective)));
        }
        if self.kind == PolicyKind::Agreement && !self.terms.is_empty() {
            problems.push(Problem::new("terms", "only licences have terms; an agreement's text says what it allows"));
        }
        if self.terms.duration_days == Some(0) {
            problems.push(Problem::new("terms.duration_days", "must be at least one day"));
        }
        problems
    }
}

/// The version in force on `today` (YYYY-MM-DD): the newest already effective, else the
/// first (a policy whose first version starts later is shown as it will be).
pub fn in_force<'a>(versions: &'a [PolicyVersion], today: &str) -> Option<&'a PolicyVersion> {
    versions
        .iter()
        .filter(|v| v.effective.as_str() <= today)
        .max_by_key(|v| v.version)
        .or_else(|| versions.iter().min_by_key(|v| v.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(number: i64, effective: &str) -> PolicyVersion {
        PolicyVersion {
            id: "trust-dua".into(),
            kind: PolicyKind::Agreement,
            title: "Trust data use agreement".into(),
            organization: None,
            version: number,
            effective: effective.into(),
            text: "No re-identification.".into(),
            changes: "First version".into(),
            terms: Terms::default(),
            created: "2026-01-01T00:00:00Z".into(),
            created_by: None,
        }
    }

    #[test]
    fn the_newest_effective_version_is_in_force() {
        let versions = [version(1, "2026-01-01"), version(2, "2026-06-01"), version(3, "2027-01-01")];
        assert_eq!(in_force(&versions, "2026-05-31").map(|v| v.version), Some(1));
        assert_eq!(in_force(&versions, "2026-06-01").map(|v| v.version), Some(2));
        assert_eq!(in_force(&versions, "2025-01-01").map(|v| v.version), Some(1), "before any, the first");
        assert_eq!(in_force(&[], "2026-01-01"), None);
    }

    #[test]
    fn problems_name_their_fields() {
        let mut bad = version(1, "soon");
        bad.id = "Trust DUA".into();
        bad.text = " ".into();
        bad.terms.duration_days = Some(0);
        let fields: Vec<String> = bad.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["id", "text", "effective", "terms", "terms.duration_days"]);
        assert!(version(1, "2026-01-01").problems().is_empty());
    }
}
