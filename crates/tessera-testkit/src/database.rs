//! A fresh, empty PostgreSQL database for each test, on the server `TEST_DATABASE_URL` names.

use sqlx::Connection;

/// A database URL; the database is dropped when this is.
pub struct DatabaseUrl {
    pub url: String,
    admin_url: String,
    name: String,
}

/// Creates a new database on `TEST_DATABASE_URL`'s server. Fails, never skips, when there is
/// none: the test command (`scripts/test.sh`) starts a throwaway PostgreSQL for this.
pub async fn fresh_postgres() -> DatabaseUrl {
    created("").await
}

/// As `fresh_postgres`, with text ordered by a language's rules (ICU's root locale) rather
/// than as bytes: `a` before `B`, `_x` before both. A database made with the server's default
/// locale orders as bytes here, and would hide a query that forgets the order it needs.
pub async fn fresh_postgres_ordering_by_language() -> DatabaseUrl {
    created(" LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8' TEMPLATE template0").await
}

async fn created(options: &str) -> DatabaseUrl {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL must name a PostgreSQL server for the catalogue tests; scripts/test.sh starts one");
    let name = format!("tessera_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connecting to TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}{options}")).execute(&mut admin).await.expect("creating a test database");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    DatabaseUrl { url: format!("{base}/{name}"), admin_url, name }
}

impl Drop for DatabaseUrl {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Dropping happens outside any runtime the test may have; use a small one of our own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
    }
}
