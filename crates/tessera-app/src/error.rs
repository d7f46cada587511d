//! The one error type of the application layer; the web layer maps each variant to a status.

use tessera_domain::Problem;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("sign-in required")]
    Unauthenticated,
    /// A credential was presented and refused: unknown, expired or revoked.
    #[error("{reason}")]
    BadCredentials { reason: &'static str },
    /// Signing in through an OpenID provider failed: its answer was refused or the person
    /// cannot be matched to an account.
    #[error("{0}")]
    SignInRefused(String),
    /// An OpenID provider could not be reached or answered nonsense.
    #[error("{0}")]
    ProviderUnavailable(String),
    /// Too many failed sign-ins; try again after this many seconds.
    #[error("too many failed attempts; try again in {retry_after} seconds")]
    TooManyAttempts { retry_after: u64 },
    #[error("permission denied: {reason}")]
    Forbidden { reason: &'static str },
    /// The record is taken down pending review of a reported problem.
    #[error("this record is taken down pending review of a reported problem")]
    TakenDown,
    #[error("validation failed")]
    Validation(Vec<Problem>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// It existed and was deleted on purpose; the message says when and why.
    #[error("{0}")]
    Gone(String),
    /// A piece of content did not match the digest sent with it, and was not kept.
    #[error("{0}")]
    ChecksumMismatch(String),
    /// A piece of an upload would end past the upload's declared length, and was not kept.
    #[error("{0}")]
    PieceTooLong(String),
    #[error("content is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the catalogue failed: {0}")]
    Catalog(#[from] tessera_catalog::Error),
    #[error("storage failed: {0}")]
    Storage(#[from] tessera_storage::Error),
    #[error("OCFL storage failed: {0}")]
    Ocfl(tessera_ocfl::Error),
    #[error("the search index failed: {0}")]
    Search(#[from] tessera_search::Error),
    #[error("i/o failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("a stored document is unreadable: {0}")]
    Corrupt(String),
}

impl From<tessera_ocfl::Error> for Error {
    fn from(err: tessera_ocfl::Error) -> Self {
        match err {
            // Someone else changed the dataset first; trying again builds on their change.
            tessera_ocfl::Error::Changed { .. } => Error::Conflict(format!("{err}; try again")),
            // A staged file went: another request changed or discarded its draft meanwhile.
            tessera_ocfl::Error::Storage(tessera_storage::Error::SourceGone { .. }) => {
                Error::Conflict("a file of the draft was changed or removed by another request while it was stored; try again".into())
            }
            other => Error::Ocfl(other),
        }
    }
}

impl Error {
    /// Whether this is damage to what one stored object holds (a file missing, misplaced or
    /// unreadable as what it should be), rather than a failure of storage, the catalogue or
    /// the index as a whole.
    pub fn is_damage(&self) -> bool {
        use tessera_ocfl::Error as Ocfl;
        match self {
            Error::Corrupt(_) | Error::Storage(tessera_storage::Error::NotFound { .. }) => true,
            Error::Ocfl(err) => {
                matches!(err, Ocfl::CorruptObject { .. } | Ocfl::NoSuchFile { .. } | Ocfl::Storage(tessera_storage::Error::NotFound { .. }))
            }
            _ => false,
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }
}
