//! Identifier newtypes: records, their version groups (parents) and users.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_positive_integers() {
        for (input, ok) in [("1", true), ("42", true), ("0", false), ("-3", false), ("+3", false), ("x", false), ("", false)] {
            assert_eq!(input.parse::<RecordId>().is_ok(), ok, "{input}");
        }
    }
}
