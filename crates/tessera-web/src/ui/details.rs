//! What a landing page says about the data beyond its title and description: who else took
//! part, when, where, what it relates to, who paid for it, and in what form it comes.

use tessera_app::domain::identifiers;
use tessera_app::domain::metadata::Metadata;
use tessera_app::domain::vocab;

use super::i18n::Tr;

/// One entry of the list: its name and its values, each linked when it names something on
/// the web.
pub(super) struct Detail {
    pub(super) term: String,
    pub(super) values: Vec<Value>,
}

/// A value's words, and the address it links to.
type Value = (String, Option<String>);

pub(super) fn details(t: &Tr, md: &Metadata) -> Vec<Detail> {
    // A vocabulary term in the reader's language, or the id as given when it is not one.
    let term = |words: &str, list: &'static [&'static str], id: &str| match vocab::datacite_term(list, id) {
        Some(known) => t.t(&format!("{words}-{}", known.to_lowercase())),
        None => id.to_string(),
    };
    let plain = |text: String| (text, None);
    let contributors = md.contributors.iter().map(|c| {
        let name = c.person_or_org.name.clone().unwrap_or_default();
        match &c.role {
            Some(role) => plain(format!("{name} ({})", term("contributor-type", vocab::CONTRIBUTOR_TYPES, &role.id))),
            None => plain(name),
        }
    });
    let dates = md.dates.iter().map(|d| {
        let about = d.description.as_deref().map(|about| format!(": {about}")).unwrap_or_default();
        plain(format!("{} {}{about}", term("date-type", vocab::DATE_TYPES, &d.kind.id), d.date))
    });
    let places = md.locations.iter().flat_map(|l| &l.features).map(|f| {
        let point = f
            .geometry
            .as_ref()
            .filter(|g| g["type"] == "Point")
            .and_then(|g| Some((g["coordinates"][1].as_f64()?, g["coordinates"][0].as_f64()?)));
        let words: Vec<String> =
            [f.place.clone(), point.map(|(lat, lon)| format!("{lat}, {lon}")), f.description.clone()].into_iter().flatten().collect();
        let map = point.map(|(lat, lon)| format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=12/{lat}/{lon}"));
        (words.join(" · "), map)
    });
    let related = md.related_identifiers.iter().map(|r| {
        let relation = term("relation", vocab::RELATION_TYPES, &r.relation_type.id);
        (format!("{relation} {}", r.identifier), identifiers::resolver_url(&r.scheme, &r.identifier))
    });
    let funding = md.funding.iter().map(|f| {
        let award = f.award.as_ref();
        let title = award.and_then(|a| a.title.as_ref()).and_then(|t| t.get("en"));
        let parts: Vec<&str> =
            [f.funder.name.as_deref().or(f.funder.id.as_deref()), award.and_then(|a| a.number.as_deref()), title.map(String::as_str)]
                .into_iter()
                .flatten()
                .collect();
        plain(parts.join(" · "))
    });
    let identifiers =
        md.identifiers.iter().map(|i| (format!("{}: {}", i.scheme, i.identifier), identifiers::resolver_url(&i.scheme, &i.identifier)));
    let languages = md.languages.iter().map(|l| plain(vocab::language_name(&l.id).unwrap_or(&l.id).to_string()));
    let one = |value: &Option<String>| value.iter().cloned().map(plain).collect::<Vec<_>>();
    let entries: [(&str, Vec<Value>); 11] = [
        ("deposit-contributors", contributors.collect()),
        ("deposit-dates", dates.collect()),
        ("deposit-locations", places.collect()),
        ("deposit-related", related.collect()),
        ("deposit-funding", funding.collect()),
        ("field-languages", languages.collect()),
        ("field-version", one(&md.version)),
        ("field-publisher", one(&md.publisher)),
        ("deposit-identifiers", identifiers.collect()),
        ("field-sizes", md.sizes.iter().cloned().map(plain).collect()),
        ("field-formats", md.formats.iter().cloned().map(plain).collect()),
    ];
    entries.into_iter().filter(|(_, values)| !values.is_empty()).map(|(id, values)| Detail { term: t.t(id), values }).collect()
}
