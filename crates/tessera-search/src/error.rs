//! The one error type of the search index.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("cannot open the search index folder: {0}")]
    Folder(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("i/o error in the search index: {0}")]
    Io(#[from] std::io::Error),
    #[error("the search index is being rebuilt already")]
    Busy,
}
