//! Normalises metadata and reports every problem that stops it from being published.
//!
//! Drafts may be saved with problems (the response lists them); publishing refuses them all
//! at once. Normalising fills derived values (a person's display name, vocabulary titles,
//! bare identifiers) so that what is stored is what is shown.

use crate::metadata::{Creator, I18n, Metadata, PartyType, SchemeId, VocabRef};
use crate::problem::Problem;
use crate::{edtf, identifiers, vocab};
use serde_json::Value;

/// Normalises `md` in place and returns every problem found, each tied to its field.
pub fn check_metadata(md: &mut Metadata) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut report = |field: String, message: String| problems.push(Problem::new(field, message));

    match &mut md.resource_type {
        None => report("metadata.resource_type".into(), "a resource type is required".into()),
        Some(rt) => match vocab::resource_type_title(&rt.id) {
            Some(title) => rt.title = Some(english(title)),
            None => report("metadata.resource_type.id".into(), format!("unknown resource type '{}'", rt.id)),
        },
    }

    match md.title.as_deref().map(str::trim) {
        None | Some("") => report("metadata.title".into(), "a title is required".into()),
        Some(title) => md.title = Some(title.to_string()),
    }

    match md.publication_date.as_deref() {
        None | Some("") => report("metadata.publication_date".into(), "a publication date is required".into()),
        Some(date) => {
            if let Err(message) = edtf::check(date) {
                report("metadata.publication_date".into(), message);
            }
        }
    }

    if md.creators.is_empty() {
        report("metadata.creators".into(), "at least one creator is required".into());
    }
    for (group, people) in [("creators", &mut md.creators), ("contributors", &mut md.contributors)] {
        for (i, creator) in people.iter_mut().enumerate() {
            check_creator(creator, &format!("metadata.{group}.{i}"), &mut report);
        }
    }
    for (i, contributor) in md.contributors.iter_mut().enumerate() {
        let field = format!("metadata.contributors.{i}.role");
        match &mut contributor.role {
            Some(role) => check_term(vocab::CONTRIBUTOR_TYPES, "contributor role", &mut role.id, &field, &mut report),
            None => report(field, "a contributor role is required".into()),
        }
    }

    for (i, right) in md.rights.iter_mut().enumerate() {
        let field = format!("metadata.rights.{i}");
        match right.id.as_deref() {
            Some(id) => match vocab::license(id) {
                Some(license) => {
                    right.id = Some(license.id());
                    right.title = Some(english(license.title));
                    right.props = Some(serde_json::json!({"scheme": "spdx", "url": license.url()}));
                }
                None => report(format!("{field}.id"), format!("'{id}' is not a licence id on the SPDX list")),
            },
            None if right.title.as_ref().is_none_or(BTreeMapExt::all_blank) => {
                report(field, "a licence needs an SPDX id, or a title for a custom licence".into())
            }
            None => {}
        }
    }

    for (i, lang) in md.languages.iter_mut().enumerate() {
        fill_language(lang, &format!("metadata.languages.{i}"), &mut report);
    }
    for (group, texts) in [("additional_titles", &mut md.additional_titles), ("additional_descriptions", &mut md.additional_descriptions)] {
        for (i, text) in texts.iter_mut().enumerate() {
            if let Some(lang) = &mut text.lang {
                fill_language(lang, &format!("metadata.{group}.{i}.lang"), &mut report);
            }
        }
    }

    for (i, subject) in md.subjects.iter().enumerate() {
        if subject.id.is_none() && subject.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
            report(format!("metadata.subjects.{i}"), "a subject needs an id or a term".into());
        }
    }

    for (i, date) in md.dates.iter_mut().enumerate() {
        if let Err(message) = edtf::check(&date.date) {
            report(format!("metadata.dates.{i}.date"), message);
        }
        check_term(vocab::DATE_TYPES, "date type", &mut date.kind.id, &format!("metadata.dates.{i}.type"), &mut report);
    }

    for (i, feature) in md.locations.iter().flat_map(|l| &l.features).enumerate() {
        let field = format!("metadata.locations.features.{i}");
        let blank = |text: &Option<String>| text.as_deref().is_none_or(|t| t.trim().is_empty());
        match &feature.geometry {
            Some(geometry) => check_geometry(geometry, &format!("{field}.geometry"), &mut report),
            None if blank(&feature.place) && blank(&feature.description) && feature.identifiers.is_empty() => {
                report(field, "a place needs a name, a point or a description".into())
            }
            None => {}
        }
    }

    check_identifiers(&mut md.identifiers, "metadata.identifiers", &mut report);
    for (i, related) in md.related_identifiers.iter_mut().enumerate() {
        let field = format!("metadata.related_identifiers.{i}");
        match identifiers::normalize(&related.scheme, &related.identifier) {
            Ok(bare) => related.identifier = bare,
            Err(message) => report(format!("{field}.identifier"), message),
        }
        check_term(vocab::RELATION_TYPES, "relation type", &mut related.relation_type.id, &format!("{field}.relation_type"), &mut report);
    }

    for (i, funding) in md.funding.iter_mut().enumerate() {
        let field = format!("metadata.funding.{i}.funder");
        match (&funding.funder.id, &funding.funder.name) {
            (None, None) => report(field, "a funder needs a ROR id or a name".into()),
            (Some(id), _) => match identifiers::normalize_ror(id) {
                Ok(bare) => funding.funder.id = Some(bare),
                Err(message) => report(format!("{field}.id"), message),
            },
            _ => {}
        }
    }

    problems
}

fn check_creator(creator: &mut Creator, field: &str, report: &mut impl FnMut(String, String)) {
    let party = &mut creator.person_or_org;
    let trimmed = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    match party.kind {
        PartyType::Personal => {
            let family = trimmed(&party.family_name);
            let given = trimmed(&party.given_name);
            match &family {
                None => report(format!("{field}.person_or_org.family_name"), "a person needs a family name".into()),
                Some(family) => {
                    party.name = Some(match &given {
                        Some(given) => format!("{family}, {given}"),
                        None => family.clone(),
                    })
                }
            }
            party.family_name = family;
            party.given_name = given;
        }
        PartyType::Organizational => match trimmed(&party.name) {
            None => report(format!("{field}.person_or_org.name"), "an organization needs a name".into()),
            name => party.name = name,
        },
    }
    check_identifiers(&mut party.identifiers, &format!("{field}.person_or_org.identifiers"), report);
    for (i, affiliation) in creator.affiliations.iter_mut().enumerate() {
        let at = format!("{field}.affiliations.{i}");
        match (&affiliation.id, &affiliation.name) {
            (None, None) => report(at, "an affiliation needs a ROR id or a name".into()),
            (Some(id), _) => match identifiers::normalize_ror(id) {
                Ok(bare) => affiliation.id = Some(bare),
                Err(message) => report(format!("{at}.id"), message),
            },
            _ => {}
        }
    }
}

/// A vocabulary id that must name one of DataCite's terms, `what` the list holds; a known
/// one is kept as the term in lower case (`data-collector` as `datacollector`), as forms offer it.
fn check_term(list: &'static [&'static str], what: &str, id: &mut String, field: &str, report: &mut impl FnMut(String, String)) {
    if id.trim().is_empty() {
        report(field.to_string(), format!("a {what} is required"));
        return;
    }
    match vocab::datacite_term(list, id) {
        Some(term) => *id = term.to_lowercase(),
        None => report(format!("{field}.id"), format!("'{id}' is not a DataCite {what}")),
    }
}

/// A place's GeoJSON geometry: a point, or a shape whose corners are all on the globe.
fn check_geometry(geometry: &Value, field: &str, report: &mut impl FnMut(String, String)) {
    let coordinates = geometry.get("coordinates");
    match geometry.get("type").and_then(Value::as_str) {
        Some("Point") => {
            let axis = |n: usize| coordinates.and_then(|c| c.get(n)).and_then(Value::as_f64);
            if !axis(0).is_some_and(|lon| (-180.0..=180.0).contains(&lon)) {
                report(format!("{field}.coordinates.0"), "a longitude is a number from -180 to 180".into());
            }
            if !axis(1).is_some_and(|lat| (-90.0..=90.0).contains(&lat)) {
                report(format!("{field}.coordinates.1"), "a latitude is a number from -90 to 90".into());
            }
        }
        Some("Polygon" | "MultiPolygon") if !on_the_globe(coordinates) => {
            report(format!("{field}.coordinates"), "a shape's corners need longitudes from -180 to 180 and latitudes from -90 to 90".into())
        }
        Some("Polygon" | "MultiPolygon") => {}
        _ => report(format!("{field}.type"), "a geometry is a GeoJSON Point, Polygon or MultiPolygon".into()),
    }
}

/// Whether nested GeoJSON positions (`[longitude, latitude]` at the innermost level) are
/// all on the globe, and there is at least one.
fn on_the_globe(coordinates: Option<&Value>) -> bool {
    let Some(Value::Array(items)) = coordinates else { return false };
    match (items.first().and_then(Value::as_f64), items.get(1).and_then(Value::as_f64)) {
        (Some(lon), Some(lat)) => (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat),
        _ => !items.is_empty() && items.iter().all(|item| on_the_globe(Some(item))),
    }
}

fn check_identifiers(ids: &mut [SchemeId], field: &str, report: &mut impl FnMut(String, String)) {
    for (i, id) in ids.iter_mut().enumerate() {
        id.scheme = id.scheme.trim().to_ascii_lowercase();
        if id.scheme.is_empty() {
            report(format!("{field}.{i}.scheme"), "an identifier needs a scheme".into());
            continue;
        }
        match identifiers::normalize(&id.scheme, &id.identifier) {
            Ok(bare) => id.identifier = bare,
            Err(message) => report(format!("{field}.{i}.identifier"), message),
        }
    }
}

fn fill_language(lang: &mut VocabRef, field: &str, report: &mut impl FnMut(String, String)) {
    match vocab::language_name(&lang.id) {
        Some(name) => lang.title = Some(english(name)),
        None => report(format!("{field}.id"), format!("'{}' is not an ISO 639-3 language code", lang.id)),
    }
}

fn english(text: &str) -> I18n {
    I18n::from([("en".to_string(), text.to_string())])
}

trait BTreeMapExt {
    fn all_blank(&self) -> bool;
}

impl BTreeMapExt for I18n {
    fn all_blank(&self) -> bool {
        self.values().all(|v| v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: serde_json::Value, expect_fields: &[&str]) -> Metadata {
        let mut md: Metadata = serde_json::from_value(input).expect("well-formed metadata");
        let problems = check_metadata(&mut md);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, expect_fields, "{problems:#?}");
        md
    }

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "resource_type": {"id": "dataset"},
            "title": "  River temperatures ",
            "publication_date": "2024-05",
            "creators": [{"person_or_org": {"type": "personal", "given_name": "Ada", "family_name": "Lovelace",
                "identifiers": [{"scheme": "orcid", "identifier": "https://orcid.org/0000-0002-1825-0097"}]},
                "affiliations": [{"id": "https://ror.org/01ggx4157"}]}],
            "rights": [{"id": "CC-BY-4.0"}],
            "languages": [{"id": "eng"}],
        })
    }

    #[test]
    fn minimal_record_is_normalised() {
        let md = check(minimal(), &[]);
        assert_eq!(md.title.as_deref(), Some("River temperatures"));
        let person = &md.creators[0].person_or_org;
        assert_eq!(person.name.as_deref(), Some("Lovelace, Ada"));
        assert_eq!(person.identifiers[0].identifier, "0000-0002-1825-0097");
        assert_eq!(md.creators[0].affiliations[0].id.as_deref(), Some("01ggx4157"));
        assert_eq!(md.rights[0].id.as_deref(), Some("cc-by-4.0"));
        assert_eq!(md.languages[0].title.as_ref().and_then(|t| t.get("en")).map(String::as_str), Some("English"));
    }

    #[test]
    fn empty_record_lists_every_required_field() {
        check(serde_json::json!({}), &["metadata.resource_type", "metadata.title", "metadata.publication_date", "metadata.creators"]);
    }

    #[test]
    fn every_bad_value_is_reported_together() {
        let mut input = minimal();
        input["resource_type"]["id"] = "spaceship".into();
        input["publication_date"] = "2024-13".into();
        input["creators"][0]["person_or_org"]["identifiers"][0]["identifier"] = "0000-0002-1825-0098".into();
        input["creators"][0]["affiliations"][0]["id"] = "01ggx4158".into();
        input["rights"][0]["id"] = "made-up-1.0".into();
        input["languages"][0]["id"] = "english".into();
        input["related_identifiers"] = serde_json::json!([{"identifier": "11.x/y", "scheme": "doi", "relation_type": {"id": "cites"}}]);
        input["dates"] = serde_json::json!([{"date": "later", "type": {"id": "collected"}}]);
        check(
            input,
            &[
                "metadata.resource_type.id",
                "metadata.publication_date",
                "metadata.creators.0.person_or_org.identifiers.0.identifier",
                "metadata.creators.0.affiliations.0.id",
                "metadata.rights.0.id",
                "metadata.languages.0.id",
                "metadata.dates.0.date",
                "metadata.related_identifiers.0.identifier",
            ],
        );
    }

    #[test]
    fn contributors_dates_relations_and_places_are_checked() {
        let mut input = minimal();
        input["contributors"] = serde_json::json!([
            {"person_or_org": {"type": "organizational", "name": "Afon Trust"}, "role": {"id": "sponsor"}},
            {"person_or_org": {"type": "organizational", "name": "Tidy Data Ltd"}},
            {"person_or_org": {"type": "organizational", "name": "Guessers"}, "role": {"id": "fortune-teller"}},
        ]);
        input["dates"] =
            serde_json::json!([{"date": "2020/2021", "type": {"id": "collected"}}, {"date": "2020", "type": {"id": "harvested"}}]);
        input["related_identifiers"] = serde_json::json!([{"identifier": "10.1234/a", "scheme": "doi", "relation_type": {"id": "is-cited-by"}},
                {"identifier": "10.1234/b", "scheme": "doi", "relation_type": {"id": "likes"}}]);
        input["locations"] = serde_json::json!({"features": [
            {"geometry": {"type": "Point", "coordinates": [-3.18, 51.48]}, "place": "Cardiff"},
            {"geometry": {"type": "Point", "coordinates": [200, "north"]}},
            {"geometry": {"type": "Polygon", "coordinates": [[[-3.2, 51.4], [-3.1, 51.4], [-3.1, 51.5], [-3.2, 51.4]]]}},
            {"geometry": {"type": "Polygon", "coordinates": [[[-3.2, 91.0]]]}},
            {"geometry": {"type": "Circle"}},
            {"place": "  "},
        ]});
        input["contributors"][0]["role"]["id"] = "Sponsor".into();
        input["related_identifiers"][0]["relation_type"]["id"] = "is-cited-by".into();
        let md = check(
            input,
            &[
                "metadata.contributors.1.role",
                "metadata.contributors.2.role.id",
                "metadata.dates.1.type.id",
                "metadata.locations.features.1.geometry.coordinates.0",
                "metadata.locations.features.1.geometry.coordinates.1",
                "metadata.locations.features.3.geometry.coordinates",
                "metadata.locations.features.4.geometry.type",
                "metadata.locations.features.5",
                "metadata.related_identifiers.1.relation_type.id",
            ],
        );
        let ids = (md.contributors[0].role.as_ref().map(|r| r.id.as_str()), md.related_identifiers[0].relation_type.id.as_str());
        assert_eq!(ids, (Some("sponsor"), "iscitedby"), "known terms are kept as the forms offer them");
    }

    #[test]
    fn organizations_need_names_and_people_family_names() {
        let mut input = minimal();
        input["creators"] = serde_json::json!([
            {"person_or_org": {"type": "organizational"}},
            {"person_or_org": {"type": "personal", "given_name": "Solo"}},
        ]);
        check(input, &["metadata.creators.0.person_or_org.name", "metadata.creators.1.person_or_org.family_name"]);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut input = minimal();
        input["colour"] = "blue".into();
        let err = serde_json::from_value::<Metadata>(input).unwrap_err();
        assert!(err.to_string().contains("unknown field `colour`"), "{err}");
    }
}
