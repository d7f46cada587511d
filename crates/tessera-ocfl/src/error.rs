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
    /// The files given for a new version could not be read or set aside (`NewVersion::by_digest`).
    #[error("making a new version of OCFL object '{id}' failed: {source}")]
    NewFiles { id: String, source: std::io::Error },
    #[error(transparent)]
    Storage(#[from] tessera_storage::Error),
}
