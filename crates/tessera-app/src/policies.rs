//! Policies as versioned documents: data use agreements and Tessera's own licences. Each
//! policy is an OCFL object (`urn:tessera:policy:{id}`) whose versions are the policy's
//! versions, so storage alone keeps every text and the change log; the catalogue's rows are
//! derived from it. A grant records the agreement version its holder accepted; a new version
//! leaves grants on theirs until a steward asks the holders to accept it again.

use bytes::Bytes;
use serde_json::json;
use tessera_catalog::{GrantRow, PolicyVersionRow};
use tessera_domain::audit::AuditEntry;
use tessera_domain::authz::{Action, ResourceFacts, Subject};
use tessera_domain::policy::{PolicyKind, PolicyVersion, Terms, in_force};
use tessera_domain::retention::format_date;
use tessera_domain::{GrantId, OrgId, Problem};
use tessera_ocfl::{FileSource, Inventory, NewVersion, User};
use time::OffsetDateTime;

use crate::audit::Event;
use crate::drafts::{from_json, to_json};
use crate::tessera::{now, parse_time};
use crate::{Error, Result, Tessera};

/// Policies' OCFL objects are named with this prefix and the policy's id.
pub(crate) const POLICY_OBJECT_PREFIX: &str = "urn:tessera:policy:";
const POLICY_FILE: &str = "policy.json";

/// A new policy, or a new version of one (then `id`, `kind` and `organization` are the
/// policy's own and ignored).
#[derive(Clone, Debug)]
pub struct PolicyInput {
    pub id: String,
    pub kind: PolicyKind,
    pub title: String,
    pub organization: Option<OrgId>,
    pub text: String,
    /// What changed, for the change log; "First version" when none is given for a new policy.
    pub changes: Option<String>,
    /// YYYY-MM-DD; today when none is given.
    pub effective: Option<String>,
    pub terms: Terms,
}

/// A policy with every version, oldest first, and the one in force today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub versions: Vec<PolicyVersion>,
    pub in_force: i64,
}

impl Policy {
    pub fn current(&self) -> &PolicyVersion {
        self.versions.iter().find(|v| v.version == self.in_force).unwrap_or(&self.versions[0])
    }
}

impl Tessera {
    /// A new policy, version 1: the organization's administrators for their organization,
    /// platform administrators for the platform's.
    pub async fn create_policy(&self, subject: &Subject, input: PolicyInput) -> Result<Policy> {
        self.authorize_governance(subject, input.organization.as_ref(), "policies").await?;
        if !self.catalog.policy_versions(&input.id).await?.is_empty() {
            return Err(Error::Conflict(format!("there is a policy '{}' already; publish a new version of it instead", input.id)));
        }
        let first = PolicyVersion {
            id: input.id,
            kind: input.kind,
            title: input.title.trim().to_string(),
            organization: input.organization,
            version: 1,
            effective: input.effective.unwrap_or_else(today),
            text: input.text,
            changes: input.changes.unwrap_or_else(|| "First version".into()),
            terms: input.terms,
            created: now(),
            created_by: subject.user,
        };
        self.publish_policy_version(subject, first).await
    }

    /// The next version of a policy, effective from its date; grants stay on the version their
    /// holders accepted.
    pub async fn add_policy_version(&self, subject: &Subject, id: &str, input: PolicyInput) -> Result<Policy> {
        let policy = self.policy(id).await?;
        let latest = policy.versions.last().ok_or_else(|| Error::not_found(format!("policy {id}")))?;
        self.authorize_governance(subject, latest.organization.as_ref(), "policies").await?;
        let next = PolicyVersion {
            version: latest.version + 1,
            title: if input.title.trim().is_empty() { latest.title.clone() } else { input.title.trim().to_string() },
            effective: input.effective.unwrap_or_else(today),
            text: input.text,
            changes: input.changes.unwrap_or_default(),
            // A licence's terms carry over unless the new version states its own.
            terms: if input.terms.is_empty() { latest.terms.clone() } else { input.terms },
            created: now(),
            created_by: subject.user,
            ..latest.clone()
        };
        self.publish_policy_version(subject, next).await
    }

    async fn publish_policy_version(&self, subject: &Subject, version: PolicyVersion) -> Result<Policy> {
        let mut problems = version.problems();
        if let Some(org) = &version.organization
            && self.catalog.organization(org).await?.is_none()
        {
            problems.push(Problem::new("organization", format!("there is no organization '{org}'")));
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let object = format!("{POLICY_OBJECT_PREFIX}{}", version.id);
        let json = serde_json::to_vec_pretty(&version).map_err(|e| Error::Corrupt(e.to_string()))?;
        let user = match subject.user {
            Some(user) => User { name: format!("Tessera user {user}"), address: Some(format!("urn:tessera:user:{user}")) },
            None => User { name: "Tessera operator".into(), address: Some("urn:tessera:operator".into()) },
        };
        let message = format!("{} version {}: {}", version.title, version.version, version.changes);
        // Policy versions are the object's versions, one for one.
        let base = u32::try_from(version.version - 1)
            .map_err(|_| Error::Corrupt(format!("policy {} has version {}", version.id, version.version)))?;
        let new = NewVersion {
            base,
            state: vec![(POLICY_FILE.into(), FileSource::Bytes(Bytes::from(json)))],
            message,
            user,
            created: parse_time(&version.created),
            read: None,
            by_digest: None,
        };
        let inventory = self.ocfl.commit(&object, new).await?;
        let event = Event::new("policy-version-published", subject.user, format!("policy {}", version.id));
        let detail = json!({"version": version.version, "effective": version.effective, "changes": version.changes, "kind": version.kind});
        self.load_policy(&inventory, vec![self.entry(event.detail(detail))]).await?;
        self.policy(&version.id).await
    }

    /// Every policy, with its versions.
    pub async fn policies(&self) -> Result<Vec<Policy>> {
        let mut policies = Vec::new();
        for id in self.catalog.policy_ids().await? {
            policies.push(self.policy(&id).await?);
        }
        Ok(policies)
    }

    /// One policy and its whole change log; public, like the policies themselves.
    pub async fn policy(&self, id: &str) -> Result<Policy> {
        let versions: Vec<PolicyVersion> =
            self.catalog.policy_versions(id).await?.iter().map(|doc| from_json(doc)).collect::<Result<_>>()?;
        let in_force = in_force(&versions, &today()).map(|v| v.version).ok_or_else(|| Error::not_found(format!("policy {id}")))?;
        Ok(Policy { versions, in_force })
    }

    /// The catalogue's rows for every version of a policy object, from storage: after each new
    /// version, with `audit` written with the head's row, and in a rebuild.
    /// Every version is read before any is written, so a damaged one leaves none behind.
    pub(crate) async fn load_policy(&self, inventory: &Inventory, mut audit: Vec<AuditEntry>) -> Result<()> {
        let mut rows = Vec::new();
        for number in 1..=inventory.head_number() {
            let bytes = self.ocfl.read_bytes(inventory, number, POLICY_FILE).await?;
            let version: PolicyVersion =
                serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt(format!("{POLICY_FILE} of {} v{number}: {e}", inventory.id)))?;
            rows.push(PolicyVersionRow {
                policy_id: version.id.clone(),
                kind: version.kind.as_str().to_string(),
                org_id: version.organization.clone(),
                version: version.version,
                effective: version.effective.clone(),
                doc: to_json(&version)?,
                created: version.created.clone(),
            });
        }
        let head = rows.len();
        for (number, row) in (1..).zip(rows) {
            let entries = if number == head { std::mem::take(&mut audit) } else { Vec::new() };
            self.catalog.put_policy_version(&row, entries).await?;
        }
        Ok(())
    }

    /// A steward asks every holder of a grant under an older version of an agreement to
    /// accept the version in force; their access pauses until they do.
    pub async fn require_reacceptance(&self, subject: &Subject, id: &str) -> Result<Vec<GrantId>> {
        let policy = self.policy(id).await?;
        let current = policy.current();
        let target = format!("grants under policy {id}");
        match &current.organization {
            Some(org) => {
                let facts = ResourceFacts { organization: Some(org.clone()), ..ResourceFacts::default() };
                self.authorize(subject, Action::DecideAccess, &facts, &target).await?;
            }
            None => self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), &target).await.map(drop)?,
        }
        let entry = |grants: &[GrantId]| {
            let event = Event::new("reacceptance-required", subject.user, format!("policy {id}"));
            vec![self.entry(event.detail(json!({"version": current.version, "grants": grants.iter().map(|g| g.0).collect::<Vec<_>>()})))]
        };
        let grants = self.catalog.require_reacceptance(id, current.version, &now(), entry).await?;
        for grant in &grants {
            if let Some(row) = self.catalog.grant(*grant).await? {
                let body = format!(
                    "\"{}\" has a new version ({}), in force from {}.\n\nWhat changed: {}\n\nYour access under grant {grant} pauses until you accept it at {}.\n",
                    current.title,
                    current.version,
                    current.effective,
                    current.changes,
                    self.url(&format!("/policies/{id}"))
                );
                self.notify(&[row.user_id], format!("Please accept the new version of \"{}\"", current.title), body).await?;
            }
        }
        Ok(grants)
    }

    /// The holder of a grant accepts the version of its agreement they were asked to.
    pub async fn reaccept_agreement(&self, subject: &Subject, id: GrantId, version: i64) -> Result<GrantRow> {
        let grant = self.catalog.grant(id).await?.filter(|g| Some(g.user_id) == subject.user);
        let grant = grant.ok_or_else(|| Error::not_found(format!("grant {id} of yours")))?;
        if grant.reaccept_version != Some(version) {
            let asked = grant.reaccept_version.map_or("nothing".to_string(), |v| format!("version {v}"));
            return Err(Error::Conflict(format!("grant {id} asks you to accept {asked}, not version {version}")));
        }
        let event = Event::new("agreement-reaccepted", subject.user, format!("grant {id}")).dataset(grant.parent_id);
        let entry = self.entry(event.detail(json!({"policy": grant.policy_id, "version": version})));
        if !self.catalog.reaccept_grant(id, version, vec![entry]).await? {
            return Err(Error::Conflict(format!("grant {id} changed meanwhile")));
        }
        self.catalog.grant(id).await?.ok_or_else(|| Error::not_found(format!("grant {id}")))
    }

    /// An agreement policy an approval for a dataset of `organization` may name: the
    /// organization's own or the platform's.
    pub(crate) async fn agreement_for(&self, id: &str, organization: Option<&OrgId>) -> Result<Policy> {
        let policy = match self.policy(id).await {
            Err(Error::NotFound { .. }) => {
                return Err(Error::Validation(vec![Problem::new("agreement_policy", format!("there is no policy '{id}'"))]));
            }
            other => other?,
        };
        let current = policy.current();
        if current.kind != PolicyKind::Agreement {
            return Err(Error::Validation(vec![Problem::new(
                "agreement_policy",
                format!("'{id}' is a {}, not an agreement", current.kind),
            )]));
        }
        if current.organization.as_ref().is_some_and(|org| Some(org) != organization) {
            return Err(Error::Validation(vec![Problem::new("agreement_policy", format!("'{id}' belongs to another organization"))]));
        }
        Ok(policy)
    }

    /// An organization's administrators act for it, platform administrators for the platform.
    pub(crate) async fn authorize_governance(&self, subject: &Subject, organization: Option<&OrgId>, what: &str) -> Result<()> {
        let (action, target) = match organization {
            Some(org) => (Action::ManageOrganization, format!("{what} of {org}")),
            None => (Action::AdministerPlatform, format!("{what} of the platform")),
        };
        let facts = ResourceFacts { organization: organization.cloned(), ..ResourceFacts::default() };
        self.authorize(subject, action, &facts, &target).await.map(drop)
    }
}

fn today() -> String {
    format_date(OffsetDateTime::now_utc().date())
}
