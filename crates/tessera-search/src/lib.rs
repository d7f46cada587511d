#![doc = include_str!("../README.md")]

mod error;
mod index;
mod schema;

pub use error::Error;
pub use index::{DocKey, FacetCounts, IndexDoc, SearchIndex, SearchRequest, SearchResult, Sort};
pub use schema::FACETS;

pub type Result<T, E = Error> = std::result::Result<T, E>;
