//! Policies and their versions, and the agreement versions grants were accepted under.

use sqlx::Row;
use tessera_domain::audit::AuditEntry;
use tessera_domain::{GrantId, OrgId};

use super::{Catalog, Pool};
use crate::catalog::BeginWrite;
use crate::rows::PolicyVersionRow;
use crate::{Error, Result};

impl Catalog {
    /// Stores one version of a policy (creating the policy with its first); storing a version
    /// again replaces it, so a rebuild may repeat itself.
    /// Writes a policy version's row (and the policy's, the first time), with `audit` in the
    /// same transaction.
    pub async fn put_policy_version(&self, v: &PolicyVersionRow, audit: Vec<AuditEntry>) -> Result<()> {
        let policy = "INSERT INTO policies (id, kind, org_id, created) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING";
        let version = "INSERT INTO policy_versions (policy_id, version, effective, doc) VALUES ($1, $2, $3, $4) \
                       ON CONFLICT (policy_id, version) DO UPDATE SET effective = excluded.effective, doc = excluded.doc";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(policy).bind(&v.policy_id).bind(&v.kind).bind(v.org_id.as_ref().map(OrgId::as_str)).bind(&v.created).execute(&mut *tx).await?;
            sqlx::query(version).bind(&v.policy_id).bind(v.version).bind(&v.effective).bind(&v.doc).execute(&mut *tx).await?;
            commit_audited!(tx, audit);
            Ok::<_, Error>(())
        })
    }

    pub async fn policy_ids(&self) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT id FROM policies ORDER BY id").fetch_all(pool).await?;
            rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
        })
    }

    /// Every version of a policy as stored, oldest first; empty when there is no such policy.
    pub async fn policy_versions(&self, id: &str) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT doc FROM policy_versions WHERE policy_id = $1 ORDER BY version").bind(id).fetch_all(pool).await?;
            rows.iter().map(|row| Ok(row.try_get("doc")?)).collect()
        })
    }

    /// Asks every holder of a current grant under an older version of `policy` to accept
    /// `version`; returns the grants concerned.
    /// Asks the holders of `policy`'s grants in force under an older version to accept
    /// `version`, and appends the entries `audit` makes for the grants it paused, in one
    /// transaction. Returns those grants.
    pub async fn require_reacceptance(
        &self,
        policy: &str,
        version: i64,
        now: &str,
        audit: impl FnOnce(&[GrantId]) -> Vec<AuditEntry>,
    ) -> Result<Vec<GrantId>> {
        let select = "SELECT id FROM grants WHERE policy_id = $1 AND policy_version < $2 AND revoked IS NULL AND expires > $3";
        let update =
            "UPDATE grants SET reaccept_version = $2 WHERE policy_id = $1 AND policy_version < $2 AND revoked IS NULL AND expires > $3";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows = sqlx::query(select).bind(policy).bind(version).bind(now).fetch_all(&mut *tx).await?;
            sqlx::query(update).bind(policy).bind(version).bind(now).execute(&mut *tx).await?;
            let paused = rows.iter().map(|row| Ok(GrantId(row.try_get("id")?))).collect::<Result<Vec<_>>>()?;
            commit_audited!(tx, audit(&paused));
            self.access.changed();
            Ok(paused)
        })
    }

    /// The holder accepted `version`: access resumes. False if that version was not asked for.
    /// Appends `audit` with the change, in one transaction; nothing when it was not asked for.
    pub async fn reaccept_grant(&self, id: GrantId, version: i64, audit: Vec<AuditEntry>) -> Result<bool> {
        let sql = "UPDATE grants SET policy_version = $2, reaccept_version = NULL WHERE id = $1 AND reaccept_version = $2";
        self.access_changed(update_audited!(self, audit, sqlx::query(sql).bind(id.0).bind(version)))
    }
}
