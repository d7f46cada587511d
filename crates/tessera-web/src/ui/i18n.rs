//! The interface's languages: English and Welsh, each a Fluent message file built into the
//! binary. A reader's language comes from the switch in every page's header (a cookie), else
//! from `Accept-Language`, else English.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use tessera_app::domain::metadata::{AdditionalText, Metadata};

use crate::extract::{SESSION_COOKIE, cookie};

/// The cookie the language switch sets.
pub(crate) const LANG_COOKIE: &str = "tessera_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Language {
    En,
    Cy,
}

impl Language {
    pub(crate) const ALL: [Language; 2] = [Language::En, Language::Cy];

    /// The BCP 47 tag, as `<html lang>` and the cookie carry it.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Cy => "cy",
        }
    }

    /// The language's name in itself, as the switch offers it.
    pub(crate) fn own_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Cy => "Cymraeg",
        }
    }

    /// The ISO 639-3 code records tag their titles and descriptions with.
    fn iso639_3(self) -> &'static str {
        match self {
            Language::En => "eng",
            Language::Cy => "cym",
        }
    }

    pub(crate) fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Language::ALL.into_iter().find(|lang| primary.eq_ignore_ascii_case(lang.tag()))
    }

    /// The switch's choice, else the best of `Accept-Language` by its weights, else English.
    pub(crate) fn of(headers: &HeaderMap) -> Language {
        if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(Language::from_tag) {
            return lang;
        }
        let accepted = headers.get_all(axum::http::header::ACCEPT_LANGUAGE).iter().filter_map(|v| v.to_str().ok());
        let mut best: Option<(f32, Language)> = None;
        for range in accepted.flat_map(|v| v.split(',')) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let weight = parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
            // Earlier ranges win ties, as their order is the reader's preference.
            if let Some(lang) = Language::from_tag(tag).filter(|_| weight > 0.0 && best.is_none_or(|(w, _)| weight > w)) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Language::En, |(_, lang)| lang)
    }

    /// The language's messages.
    fn messages(self) -> &'static Bundle {
        &BUNDLES[self as usize]
    }

    /// The messages, for someone not known to be signed in.
    pub(crate) fn tr(self) -> Tr {
        Tr { lang: self, signed_in: false }
    }
}

/// Who reads a page, as far as the page's words go: their language, and whether their browser
/// holds a session (checked by the pages that need one), so the header offers their account.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lang {
    pub(crate) language: Language,
    signed_in: bool,
}

impl Lang {
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        Lang { language: Language::of(headers), signed_in: cookie(headers, SESSION_COOKIE).is_some() }
    }

    pub(crate) fn tr(self) -> Tr {
        Tr { lang: self.language, signed_in: self.signed_in }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of(&parts.headers))
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Language, source: &'static str) -> Bundle {
    let id = lang.tag().parse().expect("a language tag of Tessera's own");
    let mut bundle = Bundle::new_concurrent(vec![id]);
    // Isolation marks would land in attributes and copied citations; no message mixes scripts.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(resource, errors)| {
        tracing::error!(?errors, lang = lang.tag(), "the interface's message file has errors");
        resource
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, lang = lang.tag(), "the interface's message file repeats messages");
    }
    bundle
}

/// Each language's bundle, in the order of `Language::ALL`.
static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| {
    [bundle(Language::En, include_str!("../../locales/en.ftl")), bundle(Language::Cy, include_str!("../../locales/cy.ftl"))]
});

/// A number a message counts, whether a template hands it over by value or by reference.
pub(crate) trait Count {
    fn count(&self) -> i64;
}

impl Count for i64 {
    fn count(&self) -> i64 {
        *self
    }
}

impl Count for usize {
    fn count(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: Count> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// The messages of one language, as templates use them: `t.t("id")`, `t.n("id", count)` for
/// a message with `$n`, `t.v("id", text)` for one with `$v`, `t.nv(…)` for both.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tr {
    pub(crate) lang: Language,
    /// The header offers the reader's account rather than signing in.
    pub(crate) signed_in: bool,
}

impl Tr {
    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.lang.messages();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            // The message-file tests keep this from happening; the id is better than nothing.
            tracing::error!(id, lang = self.lang.tag(), "no such interface message");
            return id.to_string();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors).into_owned();
        if !errors.is_empty() {
            tracing::error!(id, ?errors, "formatting an interface message");
        }
        text
    }

    pub(crate) fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    pub(crate) fn n(&self, id: &str, n: impl Count) -> String {
        let mut args = FluentArgs::new();
        args.set("n", FluentValue::from(n.count()));
        self.format(id, Some(&args))
    }

    pub(crate) fn v(&self, id: &str, v: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set("v", FluentValue::from(v.to_string()));
        self.format(id, Some(&args))
    }

    pub(crate) fn nv(&self, id: &str, n: impl Count, v: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set("n", FluentValue::from(n.count()));
        args.set("v", FluentValue::from(v.to_string()));
        self.format(id, Some(&args))
    }

    /// A message with two values, `$v` and `$w`.
    pub(crate) fn vw(&self, id: &str, v: impl std::fmt::Display, w: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set("v", FluentValue::from(v.to_string()));
        args.set("w", FluentValue::from(w.to_string()));
        self.format(id, Some(&args))
    }

    fn has(&self, id: &str) -> bool {
        self.lang.messages().has_message(id)
    }

    /// A facet value as readers see it: resource types and access statuses in the reader's
    /// language, anything else (licences, languages, names) as `fallback` gives it.
    pub(crate) fn bucket_or(&self, facet: &str, key: &str, fallback: &str) -> String {
        let id = match facet {
            "resource_type" => format!("resource-type-{key}"),
            "access_status" => format!("access-status-{key}"),
            _ => return fallback.to_string(),
        };
        if self.has(&id) { self.t(&id) } else { fallback.to_string() }
    }

    /// `bucket_or` with the API's label as the fallback.
    pub(crate) fn bucket(&self, facet: &str, key: &str) -> String {
        self.bucket_or(facet, key, &crate::api::search::bucket_label(facet, key))
    }

    pub(crate) fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The other languages, as the switch offers them: (tag, own name).
    pub(crate) fn others(&self) -> Vec<(&'static str, &'static str)> {
        Language::ALL.into_iter().filter(|l| *l != self.lang).map(|l| (l.tag(), l.own_name())).collect()
    }

    /// A record's title in the reader's language when it has one among its additional titles.
    pub(crate) fn title(&self, md: &Metadata) -> String {
        self.pick(&md.additional_titles).or_else(|| md.title.clone()).unwrap_or_else(|| self.t("untitled"))
    }

    /// A record's description in the reader's language when it has one.
    pub(crate) fn description(&self, md: &Metadata) -> String {
        self.pick(&md.additional_descriptions).or_else(|| md.description.clone()).unwrap_or_default()
    }

    fn pick(&self, texts: &[AdditionalText]) -> Option<String> {
        let own = self.lang.iso639_3();
        texts.iter().find(|t| t.lang.as_ref().is_some_and(|l| l.id == own)).map(|t| t.title.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const SOURCES: [(Language, &str); 2] =
        [(Language::En, include_str!("../../locales/en.ftl")), (Language::Cy, include_str!("../../locales/cy.ftl"))];

    /// The ids a message file defines: lines that start a message.
    fn defined(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter_map(|line| line.split_once(" ="))
            .map(|(id, _)| id)
            .filter(|id| id.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter(|id| id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .map(str::to_string)
            .collect()
    }

    /// The ids the templates and the page code ask for: `.t("…")`, `.n("…"`, `.v("…"`, `.nv("…"`.
    fn used() -> BTreeSet<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = BTreeSet::new();
        for folder in ["templates", "src/ui"] {
            for entry in std::fs::read_dir(root.join(folder)).expect("the folder is there") {
                let path = entry.expect("a folder entry").path();
                if path.ends_with("i18n.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(path).expect("a text file");
                for call in [".t(\"", ".n(\"", ".v(\"", ".nv(\""] {
                    for (at, _) in text.match_indices(call) {
                        let rest = &text[at + call.len()..];
                        let id = &rest[..rest.find('"').expect("a closing quote")];
                        if !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                            found.insert(id.to_string());
                        }
                    }
                }
            }
        }
        found
    }

    #[test]
    fn both_languages_are_complete_and_parse() {
        let [(_, en), (_, cy)] = SOURCES;
        for (lang, source) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new(source.to_string()) {
                panic!("{} has syntax errors: {errors:?}", lang.tag());
            }
        }
        let (en_ids, cy_ids) = (defined(en), defined(cy));
        assert!(en_ids.len() > 100, "{} English messages", en_ids.len());
        assert_eq!(en_ids.difference(&cy_ids).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in Welsh");
        assert_eq!(cy_ids.difference(&en_ids).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in English");
        let missing: Vec<_> = used().into_iter().filter(|id| !en_ids.contains(id)).collect();
        assert!(missing.is_empty(), "asked for but not defined: {missing:?}");
    }

    #[test]
    fn every_message_formats_with_any_count() {
        for (lang, source) in SOURCES {
            let bundle = lang.messages();
            for id in defined(source) {
                let pattern = bundle.get_message(&id).and_then(|m| m.value()).expect("a message with a value");
                for n in [0, 1, 2, 3, 6, 11, 100] {
                    let mut args = FluentArgs::new();
                    args.set("n", FluentValue::from(n));
                    args.set("v", FluentValue::from("x"));
                    args.set("w", FluentValue::from("y"));
                    let mut errors = Vec::new();
                    let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                    assert!(errors.is_empty() && !text.trim().is_empty(), "{} {id} with n={n}: {errors:?}", lang.tag());
                }
            }
        }
    }

    #[test]
    fn every_value_a_page_shows_has_its_words() {
        for lang in Language::ALL {
            let t = lang.tr();
            use tessera_app::domain::vocab;
            for (id, _) in vocab::RESOURCE_TYPES {
                assert!(t.has(&format!("resource-type-{id}")), "{} resource-type-{id}", lang.tag());
            }
            for status in ["open", "restricted", "embargoed", "metadata-only"] {
                assert!(t.has(&format!("access-status-{status}")), "{} access-status-{status}", lang.tag());
            }
            for (facet, _) in crate::api::search::FACET_LABELS {
                assert!(t.has(&format!("facet-{}", facet.replace('_', "-"))), "{} facet {facet}", lang.tag());
            }
            // Messages whose ids the pages make from values.
            let made = tessera_app::domain::authz::Scope::ALL
                .iter()
                .map(|scope| format!("scope-{}", scope.as_str()))
                .chain(tessera_app::domain::DataClass::ALL.iter().map(|class| format!("data-class-{class}")))
                .chain(tessera_app::domain::authz::Role::ALL.iter().map(|role| format!("role-{role}")))
                .chain(["pending", "approved", "refused", "accepted", "withdrawn"].map(|status| format!("request-status-{status}")))
                .chain(["bestmatch", "newest", "oldest", "updated-desc", "updated-asc"].map(|sort| format!("sort-{sort}")))
                .chain(vocab::CONTRIBUTOR_TYPES.iter().map(|term| format!("contributor-type-{}", term.to_lowercase())))
                .chain(vocab::DATE_TYPES.iter().map(|term| format!("date-type-{}", term.to_lowercase())))
                .chain(vocab::RELATION_TYPES.iter().map(|term| format!("relation-{}", term.to_lowercase())))
                .chain(
                    ["not-found", "unauthorized", "forbidden", "bad-request", "conflict", "taken-down", "internal"]
                        .iter()
                        .flat_map(|key| [format!("error-{key}"), format!("error-{key}-detail")]),
                );
            for id in made {
                assert!(t.has(&id), "{} {id}", lang.tag());
            }
        }
    }

    #[test]
    fn welsh_counts_take_their_own_forms() {
        let (cy, en) = (Language::Cy.tr(), Language::En.tr());
        let welsh: Vec<String> = [0_i64, 1, 2, 3, 6, 7].iter().map(|n| cy.n("records-found", n)).collect();
        assert_eq!(welsh, ["Dim cofnodion", "1 cofnod", "2 gofnod", "3 chofnod", "6 chofnod", "7 cofnod"]);
        assert_eq!((en.n("records-found", 1_i64), en.n("records-found", 2_i64)), ("1 record".into(), "2 records".into()));
    }

    #[test]
    fn language_follows_the_switch_then_accept_language() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.append(*name, value.parse().expect("a header value"));
            }
            map
        };
        assert_eq!(Language::of(&headers(&[])), Language::En);
        assert_eq!(Language::of(&headers(&[("accept-language", "cy-GB,cy;q=0.9,en;q=0.8")])), Language::Cy);
        assert_eq!(Language::of(&headers(&[("accept-language", "fr, en;q=0.5, cy;q=0.7")])), Language::Cy);
        assert_eq!(Language::of(&headers(&[("accept-language", "cy;q=0, en")])), Language::En);
        assert_eq!(Language::of(&headers(&[("accept-language", "de")])), Language::En);
        let switched = headers(&[("accept-language", "cy"), ("cookie", "a=b; tessera_lang=en")]);
        assert_eq!(Language::of(&switched), Language::En);
        assert!(!Lang::of(&switched).tr().signed_in);
        assert!(Lang::of(&headers(&[("cookie", "tessera_session=s")])).tr().signed_in);
    }
}
