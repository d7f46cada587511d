//! The index schema. Changing it means bumping `SCHEMA_VERSION`, which makes Tessera rebuild
//! the index at start-up instead of reading an incompatible one.

use tantivy::schema::{FAST, FacetOptions, Field, INDEXED, STORED, STRING, Schema, TEXT};

pub(crate) const SCHEMA_VERSION: &str = "4";

/// The facets, by the names the API uses for their aggregations and filters. `origin` is
/// `local` for Tessera's own records and the harvest's name for harvested ones.
pub const FACETS: [&str; 8] =
    ["resource_type", "subject", "license", "affiliation", "publication_year", "language", "access_status", "origin"];

#[derive(Clone, Debug)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) latest: Field,
    pub(crate) title: Field,
    pub(crate) description: Field,
    pub(crate) creators: Field,
    pub(crate) subjects_text: Field,
    pub(crate) all: Field,
    pub(crate) community: Field,
    pub(crate) created: Field,
    pub(crate) updated: Field,
    pub(crate) facets: [Field; FACETS.len()],
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // A `DocKey`: record ids, and harvested records' ids with the top bit set.
    let id = builder.add_u64_field("id", INDEXED | STORED | FAST);
    let latest = builder.add_text_field("latest", STRING);
    let title = builder.add_text_field("title", TEXT);
    let description = builder.add_text_field("description", TEXT);
    let creators = builder.add_text_field("creators", TEXT);
    let subjects_text = builder.add_text_field("subjects", TEXT);
    // Every searchable word of the record, the fields above included, so a query word is one
    // posting list rather than a union over five fields.
    let all = builder.add_text_field("all", TEXT);
    // Filtered on, never counted: a community's records are a list of their own, not a facet.
    let community = builder.add_text_field("community", STRING);
    let created = builder.add_i64_field("created", FAST);
    let updated = builder.add_i64_field("updated", FAST);
    let facets = FACETS.map(|name| builder.add_facet_field(&format!("f_{name}"), FacetOptions::default()));
    (builder.build(), Fields { id, latest, title, description, creators, subjects_text, all, community, created, updated, facets })
}
