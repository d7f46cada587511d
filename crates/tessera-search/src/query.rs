//! Field names in a query as InvenioRDM's clients write them (`metadata.title:river`,
//! `creators.person_or_org.name:Lovelace`, `doi:"10.1234/abc"`), turned into this index's.

use std::borrow::Cow;

/// InvenioRDM's names, and Zenodo's older ones, for the fields the index has.
const NAMES: [(&str, &str); 17] = [
    ("metadata.title", "title"),
    ("metadata.description", "description"),
    ("metadata.creators.person_or_org.name", "creators"),
    ("metadata.creators.person_or_org.family_name", "creators"),
    ("metadata.creators.person_or_org.given_name", "creators"),
    ("metadata.creators.name", "creators"),
    ("creators.person_or_org.name", "creators"),
    ("creators.name", "creators"),
    ("creator", "creators"),
    ("author", "creators"),
    ("metadata.subjects.subject", "subjects"),
    ("subjects.subject", "subjects"),
    ("subject", "subjects"),
    ("keywords", "subjects"),
    ("metadata.keywords", "subjects"),
    ("parent.communities.ids", "community"),
    ("recid", "id"),
];

/// The fields a query may name as they are: searched text, the community filter and the
/// record id.
const OWN: [&str; 6] = ["title", "description", "creators", "subjects", "community", "id"];

/// `query` with each field it names replaced by the index's own: one it knows under another
/// name, or `all` for one it does not have (`doi:`, `metadata.publisher:`), whose words are
/// then searched everywhere rather than nowhere. Quoted text is left alone, and so is a colon
/// not followed at once by a value (`Afon Taf: tymheredd`).
pub(crate) fn with_index_fields(query: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut quoted = false;
    let mut token_start = true;
    let bytes = query.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && token_start && byte.is_ascii_alphabetic() {
            let name_len = bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'.').count();
            let end = at + name_len;
            let value_follows = bytes.get(end) == Some(&b':') && bytes.get(end + 1).is_some_and(|b| !b.is_ascii_whitespace());
            if value_follows {
                let name = &query[at..end];
                let field = NAMES.iter().find(|(theirs, _)| theirs.eq_ignore_ascii_case(name)).map(|(_, ours)| *ours);
                let field = field.or_else(|| OWN.into_iter().find(|own| own.eq_ignore_ascii_case(name))).unwrap_or("all");
                if field != name {
                    out.push_str(&query[copied..at]);
                    out.push_str(field);
                    copied = end;
                }
                at = end + 1;
                token_start = false;
                continue;
            }
        }
        token_start = !quoted && (byte.is_ascii_whitespace() || matches!(byte, b'(' | b'+' | b'-'));
        at += 1;
    }
    if copied == 0 {
        return Cow::Borrowed(query);
    }
    out.push_str(&query[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn their_field_names_become_ours() {
        let cases = [
            ("river", "river"),
            ("metadata.title:river", "title:river"),
            ("creators.person_or_org.name:Lovelace AND title:tides", "creators:Lovelace AND title:tides"),
            ("+metadata.description:(salt marsh) -subject:lakes", "+description:(salt marsh) -subjects:lakes"),
            (r#"doi:"10.1234/abc" river"#, r#"all:"10.1234/abc" river"#),
            ("Metadata.Title:river", "title:river"),
            ("parent.communities.ids:welsh-rivers", "community:welsh-rivers"),
            // Not field names: quoted, a colon with a space after it, or not a word before it.
            (r#""metadata.title:river""#, r#""metadata.title:river""#),
            ("Afon Taf: tymheredd", "Afon Taf: tymheredd"),
            ("ratio 3:1", "ratio 3:1"),
            ("dŵr:afon", "dŵr:afon"),
            ("latest:0", "all:0"),
            ("recid:12 OR id:13 OR Title:river", "id:12 OR id:13 OR title:river"),
        ];
        for (query, expected) in cases {
            assert_eq!(with_index_fields(query), expected, "{query}");
        }
    }
}
