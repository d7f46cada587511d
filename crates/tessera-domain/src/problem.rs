//! One thing wrong with some input, tied to the field it concerns.

use serde::{Deserialize, Serialize};

/// A validation problem. Validation collects all of them, so a user fixes everything in one go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A dotted path into the submitted JSON, such as `metadata.creators.0.person_or_org.family_name`.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
