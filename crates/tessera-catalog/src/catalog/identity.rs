//! Users, organizations, memberships and API tokens.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{DataClass, OrgId, Role, Scopes, TokenId, UserId};

use super::{Catalog, Pool, is_unique_violation};
use crate::catalog::BeginWrite;
use crate::rows::{CommunityRow, IdentityUser, MemberRow, OrgRow, SessionRow, TokenRow, UserRow};
use crate::{Error, Result};

const USER_COLUMNS: &str = "id, email, name, is_admin, created";
const TOKEN_COLUMNS: &str = "id, user_id, name, scopes, created, expires, revoked";

macro_rules! token_row {
    ($row:expr) => {
        TokenRow {
            id: TokenId($row.try_get("id")?),
            user_id: UserId($row.try_get("user_id")?),
            name: $row.try_get("name")?,
            scopes: stored(Scopes::parse(&$row.try_get::<String, _>("scopes")?))?,
            created: $row.try_get("created")?,
            expires: $row.try_get("expires")?,
            revoked: $row.try_get("revoked")?,
        }
    };
}

macro_rules! org_row {
    ($row:expr) => {
        OrgRow {
            id: stored(OrgId::parse(&$row.try_get::<String, _>("id")?))?,
            name: $row.try_get("name")?,
            ror: $row.try_get("ror")?,
            created: $row.try_get("created")?,
        }
    };
}

const MEMBER_SELECT: &str = "SELECT m.org_id, m.user_id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id";

macro_rules! member_row {
    ($row:expr) => {
        MemberRow {
            org: stored(OrgId::parse(&$row.try_get::<String, _>("org_id")?))?,
            user: UserId($row.try_get("user_id")?),
            email: $row.try_get("email")?,
            role: stored($row.try_get::<String, _>("role")?.parse())?,
        }
    };
}

/// A value the catalogue wrote itself no longer parses: the database was changed by hand.
fn stored<T>(parsed: std::result::Result<T, String>) -> Result<T> {
    parsed.map_err(|message| Error::Query(sqlx::Error::Decode(message.into())))
}

impl Catalog {
    /// Makes an account and appends the entries `audit` makes for it, in one transaction.
    pub async fn create_user(
        &self,
        email: &str,
        name: Option<&str>,
        is_admin: bool,
        created: &str,
        audit: impl FnOnce(&UserRow) -> Vec<AuditEntry>,
    ) -> Result<UserRow> {
        let sql = format!("INSERT INTO users (email, name, is_admin, created) VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}");
        insert_unique_audited!(
            self,
            tx => async {
                let row = sqlx::query(&sql).bind(email).bind(name).bind(is_admin).bind(created).fetch_one(&mut *tx).await?;
                Ok(user_row!(row))
            },
            format!("a user with email {email}"),
            audit
        )
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(email).fetch_optional(pool).await? {
            Some(row) => Ok(Some(user_row!(row))),
            None => Ok(None),
        })
    }

    pub async fn user(&self, id: UserId) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(id.0).fetch_optional(pool).await? {
            Some(row) => Ok(Some(user_row!(row))),
            None => Ok(None),
        })
    }

    /// Sets (or, with None, removes) a person's password hash, ends their sessions and appends `audit`, in one
    /// transaction.
    pub async fn set_password_hash(&self, user: UserId, hash: Option<&str>, audit: Vec<AuditEntry>) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            commit_audited!(tx, audit);
        });
        self.access.changed();
        Ok(())
    }

    /// The user with this email and their password hash, if they have one.
    pub async fn user_with_password(&self, email: &str) -> Result<Option<(UserRow, Option<String>)>> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(email).fetch_optional(pool).await? {
            Some(row) => Ok(Some((user_row!(row), row.try_get("password_hash")?))),
            None => Ok(None),
        })
    }

    pub async fn create_session(&self, id_hash: &str, session: &SessionRow) -> Result<()> {
        let sql = "INSERT INTO sessions (id_hash, user_id, csrf, created, expires) VALUES ($1, $2, $3, $4, $5)";
        on_pool!(self, pool => sqlx::query(sql).bind(id_hash).bind(session.user_id.0).bind(&session.csrf).bind(&session.created).bind(&session.expires).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// The session with this id hash and its user, whether or not it has expired.
    pub async fn session(&self, id_hash: &str) -> Result<Option<(SessionRow, UserRow)>> {
        let generation = self.access.generation();
        if let Some(kept) = self.access.get(&self.access.sessions, id_hash) {
            return Ok(Some(kept));
        }
        let sql = "SELECT s.user_id, s.csrf, s.created AS session_created, s.expires, u.id, u.email, u.name, u.is_admin, u.created \
                   FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1";
        let found = on_pool!(self, pool => match sqlx::query(sql).bind(id_hash).fetch_optional(pool).await? {
            Some(row) => {
                let session = SessionRow {
                    user_id: UserId(row.try_get("user_id")?),
                    csrf: row.try_get("csrf")?,
                    created: row.try_get("session_created")?,
                    expires: row.try_get("expires")?,
                };
                (session, user_row!(row))
            }
            None => return Ok(None),
        });
        self.access.sessions.keep(id_hash.to_string(), generation, found.clone());
        Ok(Some(found))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(pool).await.map(drop)?);
        self.access.changed();
        Ok(())
    }

    // Identities at OpenID providers.

    /// The user a provider's subject signed in as before.
    pub async fn user_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserRow>> {
        let sql = "SELECT u.id, u.email, u.name, u.is_admin, u.created FROM identities i JOIN users u ON u.id = i.user_id \
                   WHERE i.provider = $1 AND i.subject = $2";
        on_pool!(self, pool => match sqlx::query(sql).bind(provider).bind(subject).fetch_optional(pool).await? {
            Some(row) => Ok(Some(user_row!(row))),
            None => Ok(None),
        })
    }

    /// Links a provider's subject to a user and appends the entries `audit` makes for them, in
    /// one transaction; a new user is created in it too, so a crash leaves no account that
    /// nobody can sign in to.
    pub async fn link_identity(
        &self,
        provider: &str,
        subject: &str,
        user: IdentityUser<'_>,
        created: &str,
        audit: impl FnOnce(&UserRow) -> Vec<AuditEntry>,
    ) -> Result<UserRow> {
        let insert_user = format!("INSERT INTO users (email, name, is_admin, created) VALUES ($1, $2, FALSE, $3) RETURNING {USER_COLUMNS}");
        let select_user = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let link = "INSERT INTO identities (provider, subject, user_id, created) VALUES ($1, $2, $3, $4)";
        insert_unique_audited!(
            self,
            tx => async {
                let row = match user {
                    IdentityUser::New { email, name } => sqlx::query(&insert_user).bind(email).bind(name).bind(created).fetch_one(&mut *tx).await?,
                    IdentityUser::Existing(id) => sqlx::query(&select_user).bind(id.0).fetch_one(&mut *tx).await?,
                };
                let user = user_row!(row);
                sqlx::query(link).bind(provider).bind(subject).bind(user.id.0).bind(created).execute(&mut *tx).await?;
                Ok(user)
            },
            format!("an account for this person (provider {provider}, or their email)"),
            audit
        )
    }

    /// Updates the email and name a provider reports.
    pub async fn update_profile(&self, user: UserId, email: &str, name: Option<&str>) -> Result<()> {
        let sql = "UPDATE users SET email = $1, name = $2 WHERE id = $3";
        let result = on_pool!(self, pool => sqlx::query(sql).bind(email).bind(name).bind(user.0).execute(pool).await.map(drop));
        self.access.changed();
        match result {
            Err(err) if is_unique_violation(&err) => Err(Error::Conflict { what: format!("a user with email {email}") }),
            other => Ok(other?),
        }
    }

    // Organizations and memberships.

    /// Makes an organization and appends `audit`, in one transaction.
    pub async fn create_organization(&self, org: &OrgRow, audit: Vec<AuditEntry>) -> Result<()> {
        let sql = "INSERT INTO organizations (id, name, ror, created) VALUES ($1, $2, $3, $4)";
        insert_unique_audited!(
            self,
            tx => async { sqlx::query(sql).bind(org.id.as_str()).bind(&org.name).bind(&org.ror).bind(&org.created).execute(&mut *tx).await.map(drop) },
            format!("organization {}", org.id),
            |_: &()| audit
        )
    }

    pub async fn organization(&self, id: &OrgId) -> Result<Option<OrgRow>> {
        let sql = "SELECT id, name, ror, created FROM organizations WHERE id = $1";
        on_pool!(self, pool => match sqlx::query(sql).bind(id.as_str()).fetch_optional(pool).await? {
            Some(row) => Ok(Some(org_row!(row))),
            None => Ok(None),
        })
    }

    pub async fn organizations(&self) -> Result<Vec<OrgRow>> {
        let sql = "SELECT id, name, ror, created FROM organizations ORDER BY id";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(org_row!(row))).collect()
        })
    }

    /// Gives `user` a role in `org` and appends `audit`, in one transaction; false, with no
    /// entry, when they hold it already.
    pub async fn add_membership(&self, org: &OrgId, user: UserId, role: Role, created: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "INSERT INTO memberships (org_id, user_id, role, created) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        self.access_changed(update_audited!(
            self,
            audit,
            sqlx::query(sql).bind(org.as_str()).bind(user.0).bind(role.as_str()).bind(created)
        ))
    }

    /// Takes a role away and appends `audit`, in one transaction; false, with no entry, when
    /// there was no such membership.
    pub async fn remove_membership(&self, org: &OrgId, user: UserId, role: Role, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2 AND role = $3";
        self.access_changed(update_audited!(self, audit, sqlx::query(sql).bind(org.as_str()).bind(user.0).bind(role.as_str())))
    }

    /// Every role `user` holds, in every organization.
    pub async fn memberships_of(&self, user: UserId) -> Result<Vec<MemberRow>> {
        let generation = self.access.generation();
        if let Some(kept) = self.access.get(&self.access.memberships, &user.0) {
            return Ok(kept);
        }
        let sql = format!("{MEMBER_SELECT} WHERE m.user_id = $1 ORDER BY m.org_id, m.role");
        let memberships: Vec<MemberRow> = on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(user.0).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(member_row!(row))).collect::<Result<_>>()?
        });
        self.access.memberships.keep(user.0, generation, memberships.clone());
        Ok(memberships)
    }

    pub async fn members_of(&self, org: &OrgId) -> Result<Vec<MemberRow>> {
        let sql = format!("{MEMBER_SELECT} WHERE m.org_id = $1 ORDER BY u.email, m.role");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(org.as_str()).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(member_row!(row))).collect()
        })
    }

    // Communities.

    /// Makes a community and appends `audit`, in one transaction.
    pub async fn create_community(&self, community: &CommunityRow, audit: Vec<AuditEntry>) -> Result<()> {
        let sql = "INSERT INTO communities (id, title, organization, created) VALUES ($1, $2, $3, $4)";
        insert_unique_audited!(
            self,
            tx => async {
                sqlx::query(sql)
                    .bind(&community.id)
                    .bind(&community.title)
                    .bind(community.organization.as_str())
                    .bind(&community.created)
                    .execute(&mut *tx)
                    .await
                    .map(drop)
            },
            format!("community {}", community.id),
            |_: &()| audit
        )
    }

    pub async fn communities(&self) -> Result<Vec<CommunityRow>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, title, organization, created FROM communities ORDER BY id").fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    Ok(CommunityRow {
                        id: row.try_get("id")?,
                        title: row.try_get("title")?,
                        organization: stored(OrgId::parse(&row.try_get::<String, _>("organization")?))?,
                        created: row.try_get("created")?,
                    })
                })
                .collect()
        })
    }

    // Trust between organizations.

    /// `org` trusts `trusted` for `class`, with `audit` appended in the same transaction;
    /// false, with no entry, when it did already.
    pub async fn add_trust(&self, org: &OrgId, trusted: &OrgId, class: DataClass, created: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql =
            "INSERT INTO organization_trust (org_id, trusted_org_id, data_class, created) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        update_audited!(self, audit, sqlx::query(sql).bind(org.as_str()).bind(trusted.as_str()).bind(class.as_str()).bind(created))
    }

    /// Ends a trust and appends `audit`, in one transaction; false, with no entry, when there
    /// was none.
    pub async fn remove_trust(&self, org: &OrgId, trusted: &OrgId, class: DataClass, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "DELETE FROM organization_trust WHERE org_id = $1 AND trusted_org_id = $2 AND data_class = $3";
        update_audited!(self, audit, sqlx::query(sql).bind(org.as_str()).bind(trusted.as_str()).bind(class.as_str()))
    }

    /// (trusted organization, data class) pairs `org` has declared.
    pub async fn trusts_of(&self, org: &OrgId) -> Result<Vec<(OrgId, DataClass)>> {
        let sql = "SELECT trusted_org_id, data_class FROM organization_trust WHERE org_id = $1 ORDER BY trusted_org_id, data_class";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(org.as_str()).fetch_all(pool).await?;
            rows.iter()
                .map(|row| Ok((stored(OrgId::parse(&row.try_get::<String, _>("trusted_org_id")?))?, stored(row.try_get::<String, _>("data_class")?.parse())?)))
                .collect()
        })
    }

    // API tokens.

    /// Stores a new token and appends the entries `audit` makes for its id, in one transaction.
    pub async fn create_token(&self, token: &TokenRow, token_hash: &str, audit: impl FnOnce(i64) -> Vec<AuditEntry>) -> Result<TokenId> {
        let sql = "INSERT INTO tokens (user_id, token_hash, name, scopes, created, expires) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let id = insert_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(token.user_id.0)
                .bind(token_hash)
                .bind(&token.name)
                .bind(token.scopes.to_text())
                .bind(&token.created)
                .bind(&token.expires)
        )?;
        Ok(TokenId(id))
    }

    /// The token with this hash (valid or not), its holder and the holder's memberships, asked
    /// in one query since every request that carries a token needs all three.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<(TokenRow, UserRow, Vec<MemberRow>)>> {
        let generation = self.access.generation();
        if let Some(kept) = self.access.get(&self.access.tokens, token_hash) {
            return Ok(Some(kept));
        }
        let sql = "SELECT t.id, t.user_id, t.name, t.scopes, t.created, t.expires, t.revoked, \
                   u.id AS uid, u.email, u.name AS user_name, u.is_admin, u.created AS user_created, m.org_id, m.role \
                   FROM tokens t JOIN users u ON u.id = t.user_id LEFT JOIN memberships m ON m.user_id = u.id \
                   WHERE t.token_hash = $1 ORDER BY m.org_id, m.role";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(token_hash).fetch_all(pool).await?;
            let Some(row) = rows.first() else { return Ok(None) };
            let user = UserRow {
                id: UserId(row.try_get("uid")?),
                email: row.try_get("email")?,
                name: row.try_get("user_name")?,
                is_admin: row.try_get("is_admin")?,
                created: row.try_get("user_created")?,
            };
            let mut memberships = Vec::new();
            for row in &rows {
                let Some(org) = row.try_get::<Option<String>, _>("org_id")? else { continue };
                let role = stored(row.try_get::<String, _>("role")?.parse())?;
                memberships.push(MemberRow { org: stored(OrgId::parse(&org))?, user: user.id, email: user.email.clone(), role });
            }
            let found = (token_row!(row), user, memberships);
            self.access.tokens.keep(token_hash.to_string(), generation, found.clone());
            Ok(Some(found))
        })
    }

    pub async fn tokens_of(&self, user: UserId) -> Result<Vec<TokenRow>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1 ORDER BY id");
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(user.0).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(token_row!(row))).collect()
        })
    }

    /// Revokes one of `user`'s tokens; false when `user` has no such token.
    /// Revokes one of `user`'s tokens (a second revocation keeps the first time) and appends
    /// `audit`, in one transaction; false, with no entry, when `user` has no such token.
    pub async fn revoke_token(&self, user: UserId, token: TokenId, at: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "UPDATE tokens SET revoked = COALESCE(revoked, $1) WHERE id = $2 AND user_id = $3";
        self.access_changed(update_audited!(self, audit, sqlx::query(sql).bind(at).bind(token.0).bind(user.0)))
    }
}
