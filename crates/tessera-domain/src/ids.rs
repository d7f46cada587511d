//! Identifier newtypes: records, their version groups (parents), users, organizations, grants
//! and tokens.
//!
//! Record and parent ids are positive integers drawn from one sequence, as Zenodo's are,
//! so a URL such as `/records/42` names exactly one thing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ();
            /// Only positive decimal integers are ids; anything else names nothing.
            fn from_str(s: &str) -> Result<Self, ()> {
                match s.parse::<i64>() {
                    Ok(n) if n > 0 && !s.starts_with('+') => Ok(Self(n)),
                    _ => Err(()),
                }
            }
        }
    };
}

int_id!(
    /// One version of a dataset, draft or published.
    RecordId
);
int_id!(
    /// The group of all versions of one dataset; one OCFL object each.
    ParentId
);
int_id!(
    /// An account.
    UserId
);

int_id!(
    /// A grant of access to one dataset.
    GrantId
);
int_id!(
    /// An API token, as its owner lists and revokes it.
    TokenId
);

/// An organization (a member institution), named by a short lowercase slug such as
/// `cardiff-uni`. Records name their organizations by slug, so storage alone says who owns
/// what, whatever the catalogue's row numbers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(pattern = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$"))]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(pub String);

impl OrgId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (2..=63).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && !s.ends_with('-')
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(format!("'{s}' is not an organization id: 2 to 63 lowercase letters, digits and hyphens, starting with a letter"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<OrgId> for String {
    fn from(id: OrgId) -> String {
        id.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_positive_integers() {
        for (input, ok) in [("1", true), ("42", true), ("0", false), ("-3", false), ("+3", false), ("x", false), ("", false)] {
            assert_eq!(input.parse::<RecordId>().is_ok(), ok, "{input}");
        }
    }

    #[test]
    fn organization_ids_are_slugs() {
        for (input, ok) in
            [("cardiff-uni", true), ("nhs2", true), ("a", false), ("Cardiff", false), ("2uni", false), ("uni-", false), ("u_n", false)]
        {
            assert_eq!(OrgId::parse(input).is_ok(), ok, "{input}");
        }
        assert!(serde_json::from_str::<OrgId>("\"Bad Org\"").is_err());
    }
}
