//! BibTeX, for LaTeX bibliographies.

use crate::{Author, Described};

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// The entry type for one of InvenioRDM's resource type ids; what BibTeX has no type for is `misc`.
pub fn entry_type(id: &str) -> &'static str {
    match id {
        "publication-article" => "article",
        "publication-book" => "book",
        "publication-report" => "techreport",
        "publication-thesis" => "phdthesis",
        _ => "misc",
    }
}

/// One entry, keyed `{first creator's family name}{year}_{id}`.
pub fn entry(record: &Described<'_>, id: &str) -> String {
    let md = record.metadata;
    let type_id = md.resource_type.as_ref().map_or("other", |t| t.id.as_str());
    let parts = record.date_parts();
    let year = parts.first().map(i32::to_string).unwrap_or_else(|| record.publication_year());
    let first = md.creators.first().and_then(|c| c.person_or_org.family_name.clone().or(c.person_or_org.name.clone())).unwrap_or_default();
    let key: String = format!("{first}{year}_{id}").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let authors: Vec<String> = record
        .authors()
        .map(|author| match author {
            Author::Person { family, given: Some(given) } => format!("{}, {}", escape(family), escape(given)),
            Author::Person { family, given: None } => escape(family),
            // Braces keep an organization's name from being split into first and last names.
            Author::Named(name) => format!("{{{}}}", escape(name)),
        })
        .collect();
    let mut fields: Vec<(&str, String)> =
        vec![("title", md.title.as_deref().map(escape).unwrap_or_default()), ("author", authors.join(" and "))];
    let publisher = if entry_type(type_id) == "techreport" { "institution" } else { "publisher" };
    fields.extend([("year", year), (publisher, escape(record.publisher()))]);
    if let Some(month) = parts.get(1).and_then(|m| MONTHS.get((*m as usize).wrapping_sub(1))) {
        fields.push(("month", (*month).to_string()));
    }
    if let Some(version) = &md.version {
        fields.push(("version", escape(version)));
    }
    if record.pid.kind == "DOI" {
        fields.push(("doi", escape(record.pid.value)));
    }
    fields.push(("url", escape(record.landing_page)));
    let mut out = format!("@{}{{{key},\n", entry_type(type_id));
    for (name, value) in fields.into_iter().filter(|(_, value)| !value.is_empty()) {
        // Months are BibTeX's own macros; everything else is braced text.
        if name == "month" {
            out.push_str(&format!("  {name:<9} = {value},\n"));
        } else {
            out.push_str(&format!("  {name:<9} = {{{value}}},\n"));
        }
    }
    out.push_str("}\n");
    out
}

/// Text with LaTeX's special characters escaped, so braces always balance.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str(r"\textbackslash{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str(r"\textasciitilde{}"),
            '^' => out.push_str(r"\textasciicircum{}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped_and_braces_balance() {
        let escaped = escape(r"50% of {x} & y_1 \ ~z^");
        assert_eq!(escaped, r"50\% of \{x\} \& y\_1 \textbackslash{} \textasciitilde{}z\textasciicircum{}");
        let opens = escaped.matches('{').count() - escaped.matches(r"\{").count();
        let closes = escaped.matches('}').count() - escaped.matches(r"\}").count();
        assert_eq!(opens, closes);
    }
}
