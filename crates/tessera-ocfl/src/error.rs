//! The one error type of the OCFL layer.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("no OCFL object with id '{id}'")]
    NotFound { id: String },
    #[error("OCFL object '{id}' is corrupt: {reason}")]
    CorruptObject { id: String, reason: String },
    #[error("version {version} of OCFL object '{id}' has no file '{path}'")]
    NoSuchFile { id: String, version: u32, path: String },
    /// The object gained a version since the caller read the one it built on.
    #[error("OCFL object '{id}' changed meanwhile: the new version was built on version {base}, but the head is now version {head}")]
    Changed { id: String, base: u32, head: u32 },
    #[error(transparent)]
    Storage(#[from] tessera_storage::Error),
}
