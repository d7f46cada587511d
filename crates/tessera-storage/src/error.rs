//! The one error type of the storage layer.

use std::io;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("no object at '{key}'")]
    NotFound { key: String },
    #[error("'{key}' already exists")]
    AlreadyExists { key: String },
    #[error("'{key}' is not a valid storage key")]
    InvalidKey { key: String },
    #[error("i/o error at '{key}': {source}")]
    Io { key: String, source: io::Error },
    /// A local file given to be stored was removed before it could be.
    #[error("the local file '{path}' to be stored at '{key}' is gone")]
    SourceGone { key: String, path: String },
}

impl Error {
    pub(crate) fn io(key: &str, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::NotFound => Error::NotFound { key: key.to_string() },
            io::ErrorKind::AlreadyExists => Error::AlreadyExists { key: key.to_string() },
            _ => Error::Io { key: key.to_string(), source },
        }
    }
}
