//! Access requests and grants, secret links, and the people named on datasets.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{GrantId, OrgId, ParentId, RecordId, Role, UserId};

use super::{Catalog, Pool};
use crate::catalog::BeginWrite;
use crate::rows::{AccessRequestRow, GrantRow, SecretLinkRow, UserRow};
use crate::{Error, Result};

const REQUEST_COLUMNS: &str = "id, parent_id, record_id, org_id, requester_id, purpose, project, intended_use, requested_days, files, \
                               status, decided_by, decided, reason, expires, field_of_use, agreement, policy_id, created, updated";
const LINK_COLUMNS: &str = "id, parent_id, permission, created_by, created, expires, revoked";
const GRANT_COLUMNS: &str = "id, request_id, parent_id, user_id, files, purpose, field_of_use, agreement, granted_by, created, expires, \
                             revoked, revoked_by, revoke_reason, policy_id, policy_version, reaccept_version";

macro_rules! request_row {
    ($row:expr) => {
        AccessRequestRow {
            id: $row.try_get("id")?,
            parent_id: ParentId($row.try_get("parent_id")?),
            record_id: RecordId($row.try_get("record_id")?),
            org_id: $row.try_get::<Option<String>, _>("org_id")?.map(OrgId),
            requester_id: UserId($row.try_get("requester_id")?),
            purpose: $row.try_get("purpose")?,
            project: $row.try_get("project")?,
            intended_use: $row.try_get("intended_use")?,
            requested_days: $row.try_get("requested_days")?,
            files: $row.try_get("files")?,
            status: $row.try_get("status")?,
            decided_by: $row.try_get::<Option<i64>, _>("decided_by")?.map(UserId),
            decided: $row.try_get("decided")?,
            reason: $row.try_get("reason")?,
            expires: $row.try_get("expires")?,
            field_of_use: $row.try_get("field_of_use")?,
            agreement: $row.try_get("agreement")?,
            policy_id: $row.try_get("policy_id")?,
            created: $row.try_get("created")?,
            updated: $row.try_get("updated")?,
        }
    };
}

macro_rules! link_row {
    ($row:expr) => {
        SecretLinkRow {
            id: $row.try_get("id")?,
            parent_id: ParentId($row.try_get("parent_id")?),
            permission: $row.try_get("permission")?,
            created_by: $row.try_get::<Option<i64>, _>("created_by")?.map(UserId),
            created: $row.try_get("created")?,
            expires: $row.try_get("expires")?,
            revoked: $row.try_get("revoked")?,
        }
    };
}

macro_rules! grant_row {
    ($row:expr) => {
        GrantRow {
            id: GrantId($row.try_get("id")?),
            request_id: $row.try_get("request_id")?,
            parent_id: ParentId($row.try_get("parent_id")?),
            user_id: UserId($row.try_get("user_id")?),
            files: $row.try_get("files")?,
            purpose: $row.try_get("purpose")?,
            field_of_use: $row.try_get("field_of_use")?,
            agreement: $row.try_get("agreement")?,
            granted_by: $row.try_get::<Option<i64>, _>("granted_by")?.map(UserId),
            created: $row.try_get("created")?,
            expires: $row.try_get("expires")?,
            revoked: $row.try_get("revoked")?,
            revoked_by: $row.try_get::<Option<i64>, _>("revoked_by")?.map(UserId),
            revoke_reason: $row.try_get("revoke_reason")?,
            policy_id: $row.try_get("policy_id")?,
            policy_version: $row.try_get("policy_version")?,
            reaccept_version: $row.try_get("reaccept_version")?,
        }
    };
}

/// Inserts a grant through `$executor` and evaluates to its id.
macro_rules! insert_grant {
    ($executor:expr, $grant:expr) => {{
        let g = $grant;
        let sql = "INSERT INTO grants (request_id, parent_id, user_id, files, purpose, field_of_use, agreement, granted_by, created, expires, \
                   policy_id, policy_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
        sqlx::query(sql)
            .bind(g.request_id).bind(g.parent_id.0).bind(g.user_id.0).bind(&g.files).bind(&g.purpose).bind(&g.field_of_use)
            .bind(&g.agreement).bind(g.granted_by.map(|u| u.0)).bind(&g.created).bind(&g.expires).bind(&g.policy_id).bind(g.policy_version)
            .fetch_one($executor).await?.try_get::<i64, _>("id")?
    }};
}

impl Catalog {
    /// Files an access request, with the audit entries `audit` makes for its id, in one
    /// transaction.
    pub async fn insert_access_request(&self, r: &AccessRequestRow, audit: impl FnOnce(i64) -> Vec<AuditEntry>) -> Result<i64> {
        let sql = "INSERT INTO access_requests (parent_id, record_id, org_id, requester_id, purpose, project, intended_use, requested_days, \
                   files, status, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
        insert_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(r.parent_id.0)
                .bind(r.record_id.0)
                .bind(r.org_id.as_ref().map(OrgId::as_str))
                .bind(r.requester_id.0)
                .bind(&r.purpose)
                .bind(&r.project)
                .bind(&r.intended_use)
                .bind(r.requested_days)
                .bind(&r.files)
                .bind(&r.status)
                .bind(&r.created)
                .bind(&r.updated)
        )
    }

    pub async fn access_request(&self, id: i64) -> Result<Option<AccessRequestRow>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM access_requests WHERE id = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(id).fetch_optional(pool).await? {
            Some(row) => Ok(Some(request_row!(row))),
            None => Ok(None),
        })
    }

    /// Records a decision: the status and whatever came with it, and its audit entries, in one
    /// transaction. Only a request whose status is still `from` changes, so two stewards
    /// deciding at once cannot both win.
    pub async fn decide_access_request(&self, r: &AccessRequestRow, from: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "UPDATE access_requests SET status = $1, decided_by = $2, decided = $3, reason = $4, expires = $5, field_of_use = $6, \
                   agreement = $7, updated = $8, policy_id = $9 WHERE id = $10 AND status = $11";
        update_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(&r.status)
                .bind(r.decided_by.map(|u| u.0))
                .bind(&r.decided)
                .bind(&r.reason)
                .bind(&r.expires)
                .bind(&r.field_of_use)
                .bind(&r.agreement)
                .bind(&r.updated)
                .bind(&r.policy_id)
                .bind(r.id)
                .bind(from)
        )
    }

    pub async fn access_requests_of_parent(&self, parent: ParentId) -> Result<Vec<AccessRequestRow>> {
        rows_of!(self, format!("SELECT {REQUEST_COLUMNS} FROM access_requests WHERE parent_id = $1 ORDER BY id"), request_row, parent.0)
    }

    pub async fn access_requests_of_requester(&self, user: UserId) -> Result<Vec<AccessRequestRow>> {
        rows_of!(self, format!("SELECT {REQUEST_COLUMNS} FROM access_requests WHERE requester_id = $1 ORDER BY id"), request_row, user.0)
    }

    /// Requests still waiting for a steward of this organization.
    pub async fn pending_access_requests_of_org(&self, org: &OrgId) -> Result<Vec<AccessRequestRow>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM access_requests WHERE org_id = $1 AND status = 'pending' ORDER BY id");
        rows_of!(self, sql, request_row, org.as_str())
    }

    /// Pending requests for the datasets `user` stewards by name, or as the depositor of a
    /// dataset without an organization; driven by the requests, so someone who deposited a
    /// great many datasets waits no longer.
    pub async fn pending_access_requests_for_steward(&self, user: UserId) -> Result<Vec<AccessRequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM access_requests q WHERE status = 'pending' AND ( \
               EXISTS (SELECT 1 FROM dataset_people p WHERE p.parent_id = q.parent_id AND p.user_id = $1 AND p.role = 'steward') \
               OR (org_id IS NULL AND EXISTS (SELECT 1 FROM records r WHERE r.parent_id = q.parent_id AND r.owner_id = $1))) ORDER BY id"
        );
        rows_of!(self, sql, request_row, user.0)
    }

    /// Marks the request accepted and creates its grant, in one transaction.
    /// Accepts an approved request and starts its grant, with the audit entries `audit` makes
    /// for the new grant, in one transaction; None if the request is no longer approved.
    pub async fn accept_access_request(
        &self,
        request: i64,
        grant: &GrantRow,
        audit: impl FnOnce(GrantId) -> Vec<AuditEntry>,
    ) -> Result<Option<GrantId>> {
        let accept = "UPDATE access_requests SET status = 'accepted', updated = $1 WHERE id = $2 AND status = 'approved'";
        let accepted: Result<Option<GrantId>> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if sqlx::query(accept).bind(&grant.created).bind(request).execute(&mut *tx).await?.rows_affected() == 0 {
                // At once, not when dropped: SQLite would keep the write lock meanwhile.
                tx.rollback().await?;
                return Ok(None);
            }
            let id = GrantId(insert_grant!(&mut *tx, grant));
            commit_audited!(tx, audit(id));
            Ok(Some(id))
        });
        self.access_changed(accepted)
    }

    /// A grant given without a request's acceptance step (a trusted partner's member).
    pub async fn insert_grant(&self, grant: &GrantRow) -> Result<GrantId> {
        let id = GrantId(on_pool!(self, pool => insert_grant!(pool, grant)));
        self.access.changed();
        Ok(id)
    }

    pub async fn grant(&self, id: GrantId) -> Result<Option<GrantRow>> {
        let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(id.0).fetch_optional(pool).await? {
            Some(row) => Ok(Some(grant_row!(row))),
            None => Ok(None),
        })
    }

    pub async fn grants_of_user(&self, user: UserId) -> Result<Vec<GrantRow>> {
        rows_of!(self, format!("SELECT {GRANT_COLUMNS} FROM grants WHERE user_id = $1 ORDER BY id"), grant_row, user.0)
    }

    pub async fn grants_of_parent(&self, parent: ParentId) -> Result<Vec<GrantRow>> {
        rows_of!(self, format!("SELECT {GRANT_COLUMNS} FROM grants WHERE parent_id = $1 ORDER BY id"), grant_row, parent.0)
    }

    /// Every grant to the datasets of an organization.
    pub async fn grants_of_org(&self, org: &OrgId) -> Result<Vec<GrantRow>> {
        // Driven by the grants, each probing its dataset: a list of the organization's
        // datasets first would be read whole, 107 ms for 200,000 of them.
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM grants g WHERE EXISTS (SELECT 1 FROM records r WHERE r.parent_id = g.parent_id AND r.org_id = $1) ORDER BY id"
        );
        rows_of!(self, sql, grant_row, org.as_str())
    }

    /// Every grant to the datasets `user` stewards by name, or as the depositor of a dataset
    /// without an organization: the grants beside `pending_access_requests_for_steward`.
    pub async fn grants_for_steward(&self, user: UserId) -> Result<Vec<GrantRow>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM grants g WHERE \
               EXISTS (SELECT 1 FROM dataset_people p WHERE p.parent_id = g.parent_id AND p.user_id = $1 AND p.role = 'steward') \
               OR EXISTS (SELECT 1 FROM records r WHERE r.parent_id = g.parent_id AND r.org_id IS NULL AND r.owner_id = $1) ORDER BY id"
        );
        rows_of!(self, sql, grant_row, user.0)
    }

    /// The people named on a dataset, with their role (curator or steward), by role and email.
    pub async fn dataset_people(&self, parent: ParentId) -> Result<Vec<(Role, UserRow)>> {
        let generation = self.access.generation();
        if let Some(kept) = self.access.get(&self.access.people, &parent.0) {
            return Ok(kept);
        }
        let sql = "SELECT p.role, u.id, u.email, u.name, u.is_admin, u.created FROM dataset_people p JOIN users u ON u.id = p.user_id \
                   WHERE p.parent_id = $1 ORDER BY p.role, u.email";
        let people: Vec<(Role, UserRow)> = on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(parent.0).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let role: Role = row.try_get::<String, _>("role")?.parse().map_err(|e: String| Error::Query(sqlx::Error::Decode(e.into())))?;
                    Ok((role, user_row!(row)))
                })
                .collect::<Result<_>>()?
        });
        self.access.people.keep(parent.0, generation, people.clone());
        Ok(people)
    }

    /// Names exactly these people in `role` on a dataset, in one transaction.
    pub async fn set_dataset_people(
        &self,
        parent: ParentId,
        role: Role,
        users: &[UserId],
        created: &str,
        audit: Vec<AuditEntry>,
    ) -> Result<()> {
        let insert = "INSERT INTO dataset_people (parent_id, user_id, role, created) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM dataset_people WHERE parent_id = $1 AND role = $2").bind(parent.0).bind(role.as_str()).execute(&mut *tx).await?;
            for user in users {
                sqlx::query(insert).bind(parent.0).bind(user.0).bind(role.as_str()).bind(created).execute(&mut *tx).await?;
            }
            commit_audited!(tx, audit);
        });
        self.access.changed();
        Ok(())
    }

    /// `user`'s grants for one dataset, newest first.
    pub async fn grants_for(&self, user: UserId, parent: ParentId) -> Result<Vec<GrantRow>> {
        let generation = self.access.generation();
        if let Some(kept) = self.access.get(&self.access.grants, &(user.0, parent.0)) {
            return Ok(kept);
        }
        let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE user_id = $1 AND parent_id = $2 ORDER BY id DESC");
        let grants: Vec<GrantRow> = on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(user.0).bind(parent.0).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(grant_row!(row))).collect::<Result<_>>()?
        });
        self.access.grants.keep((user.0, parent.0), generation, grants.clone());
        Ok(grants)
    }

    /// Revokes a grant at once; false if it was revoked already or does not exist.
    /// Ends a grant at once and appends `audit`, in one transaction; false if it had ended.
    pub async fn revoke_grant(&self, id: GrantId, by: UserId, reason: &str, at: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "UPDATE grants SET revoked = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4 AND revoked IS NULL";
        self.access_changed(update_audited!(self, audit, sqlx::query(sql).bind(at).bind(by.0).bind(reason).bind(id.0)))
    }

    // Secret links.

    /// Stores a new secret link and appends the entries `audit` makes for its id, in one
    /// transaction.
    pub async fn create_secret_link(
        &self,
        link: &SecretLinkRow,
        token_hash: &str,
        audit: impl FnOnce(i64) -> Vec<AuditEntry>,
    ) -> Result<i64> {
        let sql = "INSERT INTO secret_links (parent_id, token_hash, permission, created_by, created, expires) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        insert_audited!(
            self,
            audit,
            sqlx::query(sql)
                .bind(link.parent_id.0)
                .bind(token_hash)
                .bind(&link.permission)
                .bind(link.created_by.map(|u| u.0))
                .bind(&link.created)
                .bind(&link.expires)
        )
    }

    pub async fn secret_link_by_hash(&self, token_hash: &str) -> Result<Option<SecretLinkRow>> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM secret_links WHERE token_hash = $1");
        on_pool!(self, pool => match sqlx::query(&sql).bind(token_hash).fetch_optional(pool).await? {
            Some(row) => Ok(Some(link_row!(row))),
            None => Ok(None),
        })
    }

    pub async fn secret_links_of_parent(&self, parent: ParentId) -> Result<Vec<SecretLinkRow>> {
        rows_of!(self, format!("SELECT {LINK_COLUMNS} FROM secret_links WHERE parent_id = $1 ORDER BY id"), link_row, parent.0)
    }

    /// Revokes a link of this dataset; false when it has no such link.
    /// Revokes a dataset's link (a second revocation keeps the first time) and appends `audit`,
    /// in one transaction; false, with no entry, when the dataset has no such link.
    pub async fn revoke_secret_link(&self, parent: ParentId, id: i64, at: &str, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "UPDATE secret_links SET revoked = COALESCE(revoked, $1) WHERE id = $2 AND parent_id = $3";
        update_audited!(self, audit, sqlx::query(sql).bind(at).bind(id).bind(parent.0))
    }
}
