#![doc = include_str!("../README.md")]

mod error;
mod facets;
mod filter;
mod index;
mod query;
mod rebuild;
mod schema;

pub use error::Error;
pub use index::{DocKey, FacetCounts, IndexDoc, IndexStatus, MAX_RESULT_WINDOW, SearchIndex, SearchRequest, SearchResult, Sort, Touched};
pub use rebuild::{Finish, Rebuild};
pub use schema::FACETS;

pub type Result<T, E = Error> = std::result::Result<T, E>;
