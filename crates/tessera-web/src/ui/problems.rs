//! The checks' problems in the reader's language. The checks word each problem in English
//! for the API, naming the value at fault; a page finds the problem's pattern here and says
//! it with the same values in its own words.

use tessera_app::domain::Problem;

use super::i18n::Tr;

/// Each problem the checks report, as its English pattern (`{}` standing for a value it
/// names) and the message that says it on a page, with the values as `$v` and `$w`.
const PATTERNS: &[(&str, &str)] = &[
    ("a resource type is required", "problem-type-required"),
    ("unknown resource type '{}'", "problem-unknown-type"),
    ("a title is required", "problem-title-required"),
    ("a publication date is required", "problem-date-required"),
    ("at least one creator is required", "problem-creator-required"),
    ("'{}' is not a licence id on the SPDX list", "problem-unknown-licence"),
    ("a licence needs an SPDX id, or a title for a custom licence", "problem-licence-needs-id"),
    ("a subject needs an id or a term", "problem-subject-empty"),
    ("a place needs a name, a point or a description", "problem-place-empty"),
    ("a funder needs a ROR id or a name", "problem-funder-needed"),
    ("a person needs a family name", "problem-family-name"),
    ("an organization needs a name", "problem-organization-name"),
    ("an affiliation needs a ROR id or a name", "problem-affiliation-name"),
    ("a contributor role is required", "problem-role-required"),
    ("a date type is required", "problem-date-type-required"),
    ("a relation type is required", "problem-relation-required"),
    ("'{}' is not a DataCite {}", "problem-unknown-choice"),
    ("a longitude is a number from -180 to 180", "problem-longitude"),
    ("a latitude is a number from -90 to 90", "problem-latitude"),
    ("a shape's corners need longitudes from -180 to 180 and latitudes from -90 to 90", "problem-shape"),
    ("a geometry is a GeoJSON Point, Polygon or MultiPolygon", "problem-geometry"),
    ("an identifier needs a scheme", "problem-scheme"),
    ("'{}' is not an ISO 639-3 language code", "problem-language"),
    ("'{}' is an interval with no known end", "problem-interval-open"),
    ("'{}' is an interval that ends before it starts", "problem-interval-backwards"),
    ("'{}' is not an EDTF date (expected YYYY, YYYY-MM or YYYY-MM-DD)", "problem-not-date"),
    ("'{}' has no month {}", "problem-no-month"),
    ("'{}' has no day {}", "problem-no-day"),
    ("'{}' is not an ORCID (expected the form 0000-0000-0000-000X)", "problem-not-orcid"),
    ("'{}' is not a valid ORCID: its check digit should be {}", "problem-orcid-check"),
    ("'{}' is not a ROR id (expected 0 followed by six letters or digits and two check digits)", "problem-not-ror"),
    ("'{}' is not a valid ROR id: its check digits should be {}", "problem-ror-check"),
    ("'{}' is not a DOI (expected the form 10.1234/suffix)", "problem-not-doi"),
    ("identifier is empty", "problem-identifier-empty"),
    ("upload at least one file, or set files.enabled to false for a metadata-only record", "problem-files-required"),
    ("files are disabled but the draft has files; delete them or enable files", "problem-files-disabled"),
    ("the upload of '{}' has not been committed", "problem-upload-unfinished"),
    ("an active embargo needs an end date (YYYY-MM-DD)", "problem-embargo-date"),
    ("names '{}', which is not a file of this draft", "problem-file-class"),
    ("is required: stewards decide on it", "problem-request-required"),
    ("must be from 1 to {}", "problem-days-range"),
    ("the record has no file '{}'", "problem-no-file"),
];

/// A problem as the page says it: in the reader's language when its pattern is known, else
/// as the checks word it.
pub(super) fn in_words(t: &Tr, problem: &Problem) -> String {
    for (pattern, id) in PATTERNS {
        if let Some(values) = matches(pattern, &problem.message) {
            let mut values = values.into_iter();
            return t.vw(id, values.next().unwrap_or_default(), values.next().unwrap_or_default());
        }
    }
    let mut chars = problem.message.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The values a message holds where its pattern has `{}`, if the message has that pattern.
fn matches<'a>(pattern: &str, message: &'a str) -> Option<Vec<&'a str>> {
    let mut pieces = pattern.split("{}");
    let mut rest = message.strip_prefix(pieces.next()?)?;
    let mut values = Vec::new();
    let mut pieces = pieces.peekable();
    while let Some(piece) = pieces.next() {
        // A value runs to where the next literal piece starts; the last piece ends the message.
        let end = if pieces.peek().is_none() && !piece.is_empty() {
            rest.strip_suffix(piece).map(str::len)?
        } else if piece.is_empty() {
            rest.len()
        } else {
            rest.find(piece)?
        };
        values.push(&rest[..end]);
        rest = &rest[end + piece.len()..];
    }
    rest.is_empty().then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Language;

    #[test]
    fn values_are_found_between_the_words() {
        assert_eq!(matches("'{}' has no month {}", "'2024-13' has no month 13"), Some(vec!["2024-13", "13"]));
        assert_eq!(matches("'{}' is not a DataCite {}", "'likes' is not a DataCite relation type"), Some(vec!["likes", "relation type"]));
        assert_eq!(matches("a title is required", "a title is required"), Some(vec![]));
        assert_eq!(matches("a title is required", "a title is required today"), None);
        assert_eq!(matches("'{}' has no day {}", "'2024-13' has no month 13"), None);
    }

    /// Every problem the checks report on a bad deposit is said in Welsh, not left in English.
    #[test]
    fn the_checks_problems_are_said_in_welsh() {
        let mut md: tessera_app::domain::metadata::Metadata = serde_json::from_value(serde_json::json!({
            "resource_type": {"id": "spaceship"},
            "publication_date": "2024-13",
            "creators": [
                {"person_or_org": {"type": "personal", "given_name": "Solo", "identifiers": [{"scheme": "orcid", "identifier": "0000-0002-1825-0098"}]},
                 "affiliations": [{"id": "01ggx4158"}, {}]},
                {"person_or_org": {"type": "organizational", "identifiers": [{"scheme": "", "identifier": "x"}]}},
            ],
            "contributors": [{"person_or_org": {"type": "organizational", "name": "A"}}, {"person_or_org": {"type": "organizational", "name": "B"}, "role": {"id": "x"}}],
            "rights": [{"id": "made-up-1.0"}, {}],
            "languages": [{"id": "english"}],
            "subjects": [{}],
            "dates": [{"date": "2020-02-30", "type": {"id": ""}}, {"date": "2021/2020", "type": {"id": "collected"}}, {"date": "2020/..", "type": {"id": "collected"}}],
            "related_identifiers": [{"identifier": "11.x/y", "scheme": "doi", "relation_type": {"id": ""}}, {"identifier": " ", "scheme": "url", "relation_type": {"id": "cites"}}],
            "funding": [{"funder": {}}, {"funder": {"id": "11ggx4157"}}],
            "locations": {"features": [{}, {"geometry": {"type": "Point", "coordinates": ["north", 91]}}, {"geometry": {"type": "Polygon", "coordinates": []}}, {"geometry": {"type": "Circle"}}]},
        }))
        .expect("well-formed metadata");
        let mut problems = tessera_app::domain::validate::check_metadata(&mut md);
        problems.push(Problem::new("metadata.title", "a title is required"));
        assert!(problems.len() > 25, "{problems:#?}");
        let cy = Language::Cy.tr();
        for problem in &problems {
            let words = in_words(&cy, problem);
            assert_ne!(words.to_lowercase(), problem.message.to_lowercase(), "{} is said in English", problem.message);
        }
    }
}
