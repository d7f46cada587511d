//! The one error type of the catalogue.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("the catalogue database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error("catalogue query failed: {0}")]
    Query(sqlx::Error),
    #[error("catalogue migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url '{url}': use sqlite:PATH or postgres://…")]
    UnsupportedUrl { url: String },
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Error::Unavailable(err),
            _ => Error::Query(err),
        }
    }
}
