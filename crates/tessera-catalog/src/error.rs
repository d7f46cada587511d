//! The one error type of the catalogue.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("the catalogue database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// A row the change refers to (a draft, a record) went in a concurrent change, such as a
    /// file added to a draft as it is published or discarded.
    #[error("what this change refers to was removed meanwhile: {0}")]
    Vanished(sqlx::Error),
    /// A change to a draft that is being published (`Catalog::begin_publishing`).
    #[error("draft {draft} is being published")]
    Publishing { draft: i64 },
    /// The disk under the catalogue is full; the change was rolled back.
    #[error("the catalogue's storage is full: {0}")]
    Full(sqlx::Error),
    #[error("catalogue query failed: {0}")]
    Query(sqlx::Error),
    #[error("catalogue migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Rows given to be written as they are read (`Catalog::unpack_into_draft`) that could not be.
    #[error("reading the rows to write failed: {0}")]
    Rows(#[from] std::io::Error),
    #[error("unsupported database url '{url}': use sqlite:PATH or postgres://…")]
    UnsupportedUrl { url: String },
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Error::Unavailable(err),
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::Vanished(err),
            // SQLITE_FULL, and PostgreSQL's disk_full.
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("13" | "53100")) => Error::Full(err),
            _ => Error::Query(err),
        }
    }
}
