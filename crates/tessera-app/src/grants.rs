//! Access requests and grants: a signed-in person asks for a dataset's restricted files with a
//! purpose; the dataset's stewards approve with conditions or refuse with a reason; the
//! requester accepts the conditions and holds a grant until it expires or is revoked.

use std::collections::BTreeMap;

use serde_json::json;
use tessera_catalog::{AccessRequestRow, GrantRow};
use tessera_domain::authz::{Action, GrantState, ResourceFacts, Role, Subject};
use tessera_domain::{GrantId, OrgId, ParentId, RecordId};
use time::OffsetDateTime;

use crate::audit::Event;
use crate::drafts::{facts_of_record, from_json, to_json};
use crate::identity::expiry;
use crate::model::RecordDoc;
use crate::tessera::{from_now, now, parse_time};
use crate::{Error, Result, Tessera};

/// The longest grant anyone may ask for, in days.
const MAX_DAYS: i64 = 3650;

/// What a requester says about the use they intend.
#[derive(Clone, Debug, Default)]
pub struct AccessRequestInput {
    pub purpose: String,
    pub project: String,
    pub intended_use: String,
    /// How long the access is wanted for.
    pub days: Option<i64>,
    /// Some of the files only; None asks for all of them.
    pub files: Option<Vec<String>>,
}

/// A steward's conditions when approving.
#[derive(Clone, Debug, Default)]
pub struct Approval {
    /// A date (`2027-06-30`) or RFC 3339 time; None gives the requested duration from today.
    pub expires: Option<String>,
    pub field_of_use: Option<String>,
    /// The text the requester must accept before the grant starts.
    pub agreement: Option<String>,
    /// An agreement policy the requester must accept, in the version in force when they do.
    pub agreement_policy: Option<String>,
}

/// A grant as its stewards see it: with the dataset's latest record and title, and who holds it.
#[derive(Clone, Debug)]
pub struct StewardedGrant {
    pub grant: GrantRow,
    pub record: RecordId,
    pub title: String,
    pub holder: String,
}

impl Tessera {
    /// The facts for deciding about `doc`, with the caller's grant for the dataset (covering
    /// `key`, or every file when None).
    pub(crate) async fn record_facts(&self, subject: &Subject, doc: &RecordDoc, key: Option<&str>) -> Result<ResourceFacts> {
        let taken_down = self.is_taken_down(doc.parent_id).await?;
        self.record_facts_when(subject, doc, key, taken_down).await
    }

    /// `record_facts`, when whether the dataset is taken down is known already.
    pub(crate) async fn record_facts_when(
        &self,
        subject: &Subject,
        doc: &RecordDoc,
        key: Option<&str>,
        taken_down: bool,
    ) -> Result<ResourceFacts> {
        let mut facts = ResourceFacts { taken_down, ..facts_of_record(doc) };
        if let Some(key) = key {
            facts.data_class = doc.access.class_of(key);
        }
        // Curators, stewards and grants are people's: for a caller not signed in they change
        // nothing, and anonymous reads (most downloads) ask the catalogue two questions fewer.
        if let Some(user) = subject.user {
            facts = self.with_named_people(facts).await?;
            let grants = self.catalog.grants_for(user, doc.parent_id).await?;
            (facts.grant, facts.grant_id) = deciding_grant(&grants, key);
        }
        Ok(facts)
    }

    /// The latest published version of a dataset, and the facts for deciding about it.
    async fn dataset(&self, subject: &Subject, parent: ParentId) -> Result<(RecordDoc, ResourceFacts)> {
        let latest = self.catalog.records_of_parent(parent).await?.pop().ok_or_else(|| Error::not_found(format!("dataset {parent}")))?;
        let doc: RecordDoc = from_json(&latest.doc)?;
        let facts = self.record_facts(subject, &doc, None).await?;
        Ok((doc, facts))
    }

    pub async fn request_access(&self, subject: &Subject, id: RecordId, input: AccessRequestInput) -> Result<AccessRequestRow> {
        let row = self.published_row(id).await?;
        let (doc, facts) = self.dataset(subject, row.parent_id).await?;
        self.authorize(subject, Action::RequestAccess, &facts, &format!("record {id}")).await?;
        let requester = subject.user.ok_or(Error::Unauthenticated)?;
        let mut problems = Vec::new();
        for (field, value) in [("purpose", &input.purpose), ("intended_use", &input.intended_use)] {
            if value.trim().is_empty() {
                problems.push(tessera_domain::Problem::new(field, "is required: stewards decide on it"));
            }
        }
        if input.days.is_some_and(|days| !(1..=MAX_DAYS).contains(&days)) {
            problems.push(tessera_domain::Problem::new("duration_days", format!("must be from 1 to {MAX_DAYS}")));
        }
        if let Some(keys) = &input.files {
            for key in keys {
                if self.catalog.record_file(id, key).await?.is_none() {
                    problems.push(tessera_domain::Problem::new("files", format!("the record has no file '{key}'")));
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let open = self.catalog.access_requests_of_requester(requester).await?;
        if open.iter().any(|r| r.parent_id == row.parent_id && matches!(r.status.as_str(), "pending" | "approved")) {
            return Err(Error::Conflict("you have a request for this dataset waiting already".into()));
        }
        let trusted = self.trusted_partner(subject, &doc, facts.data_class).await?;
        let stamp = now();
        let mut request = AccessRequestRow {
            id: 0,
            parent_id: row.parent_id,
            record_id: id,
            org_id: doc.organization.clone(),
            requester_id: requester,
            purpose: input.purpose.trim().into(),
            project: input.project.trim().into(),
            intended_use: input.intended_use.trim().into(),
            requested_days: input.days,
            files: input.files.as_ref().map(to_json).transpose()?,
            status: "pending".into(),
            decided_by: None,
            decided: None,
            reason: None,
            expires: None,
            field_of_use: None,
            agreement: None,
            policy_id: None,
            created: stamp.clone(),
            updated: stamp,
        };
        let entry = |request_id: i64| {
            let event = Event::new("access-requested", Some(requester), format!("access request {request_id}")).dataset(request.parent_id);
            vec![self.entry(event.detail(json!({"record": id.0, "purpose": request.purpose, "files": request.files})))]
        };
        request.id = self.catalog.insert_access_request(&request, entry).await?;
        if let Some(partner) = trusted {
            return self.grant_to_trusted_partner(request, &doc, &partner).await;
        }
        let body = format!(
            "{} asks for access to \"{}\" (record {id}).\n\nPurpose: {}\nProject: {}\nIntended use: {}\nDuration: {}\n\nDecide at {}\n",
            self.email_of(requester).await?,
            title(&doc),
            request.purpose,
            request.project,
            request.intended_use,
            request.requested_days.map_or("not given".to_string(), |d| format!("{d} days")),
            self.url(&format!("/api/access/requests/{}", request.id)),
        );
        self.notify(&self.stewards_of(&doc).await?, format!("Access request for \"{}\"", title(&doc)), body).await?;
        Ok(request)
    }

    /// The organization the caller belongs to that the dataset's organization trusts for this
    /// class of data, if any.
    async fn trusted_partner(&self, subject: &Subject, doc: &RecordDoc, class: tessera_domain::DataClass) -> Result<Option<OrgId>> {
        let Some(org) = &doc.organization else { return Ok(None) };
        let trusts = self.catalog.trusts_of(org).await?;
        Ok(trusts
            .into_iter()
            .find(|(partner, trusted_class)| *trusted_class == class && subject.is_member_of(partner))
            .map(|(partner, _)| partner))
    }

    /// A trusted partner's request is granted at once, for the requested time (a year if none
    /// was given), and still recorded as a decided request and a grant.
    async fn grant_to_trusted_partner(&self, request: AccessRequestRow, doc: &RecordDoc, partner: &OrgId) -> Result<AccessRequestRow> {
        let days = request.requested_days.unwrap_or(365);
        let expires = from_now(time::Duration::days(days));
        let stamp = now();
        let decided = AccessRequestRow {
            status: "approved".into(),
            decided: Some(stamp.clone()),
            reason: Some(format!("member of {partner}, a trusted partner")),
            expires: Some(expires.clone()),
            updated: stamp.clone(),
            ..request
        };
        self.catalog.decide_access_request(&decided, "pending", Vec::new()).await?;
        let grant = GrantRow {
            id: GrantId(0),
            request_id: Some(decided.id),
            parent_id: decided.parent_id,
            user_id: decided.requester_id,
            files: decided.files.clone(),
            purpose: decided.purpose.clone(),
            field_of_use: None,
            agreement: None,
            granted_by: None,
            created: stamp.clone(),
            expires,
            revoked: None,
            revoked_by: None,
            revoke_reason: None,
            policy_id: None,
            policy_version: None,
            reaccept_version: None,
        };
        let started = |grant: GrantId| {
            let event = Event::new("grant-started", Some(decided.requester_id), format!("grant {grant}")).dataset(decided.parent_id);
            vec![self.entry(event.detail(json!({"request": decided.id, "trusted_partner": partner.as_str(), "expires": decided.expires})))]
        };
        self.catalog
            .accept_access_request(decided.id, &grant, started)
            .await?
            .ok_or_else(|| Error::Conflict("the request changed meanwhile".into()))?;
        let body = format!(
            "{} of {partner}, a trusted partner, was granted access to \"{}\" until {}.\n\nPurpose: {}\n",
            self.email_of(decided.requester_id).await?,
            title(doc),
            grant.expires,
            decided.purpose
        );
        self.notify(&self.stewards_of(doc).await?, format!("Access granted to \"{}\"", title(doc)), body).await?;
        Ok(AccessRequestRow { status: "accepted".into(), ..decided })
    }

    /// A request, with the facts about its dataset; only its requester and the dataset's
    /// stewards may see it.
    async fn visible_request(&self, subject: &Subject, id: i64) -> Result<(AccessRequestRow, ResourceFacts)> {
        let request = self.catalog.access_request(id).await?.ok_or_else(|| Error::not_found(format!("access request {id}")))?;
        let (_, facts) = self.dataset(subject, request.parent_id).await?;
        if subject.user != Some(request.requester_id) {
            self.authorize(subject, Action::DecideAccess, &facts, &format!("access request {id}")).await?;
        }
        Ok((request, facts))
    }

    pub async fn access_request(&self, subject: &Subject, id: i64) -> Result<AccessRequestRow> {
        Ok(self.visible_request(subject, id).await?.0)
    }

    /// The caller's own requests.
    pub async fn my_access_requests(&self, subject: &Subject) -> Result<Vec<AccessRequestRow>> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own access requests").await?;
        Ok(self.catalog.access_requests_of_requester(subject.user.ok_or(Error::Unauthenticated)?).await?)
    }

    /// Requests waiting for a decision in every organization where the caller is a steward, and
    /// for every dataset they steward themselves.
    pub async fn steward_queue(&self, subject: &Subject) -> Result<Vec<AccessRequestRow>> {
        let orgs = self.stewarded_orgs(subject, "access requests").await?;
        self.queue_of(subject, &orgs).await
    }

    /// What a steward's page shows: the requests waiting, as `steward_queue` finds them, and
    /// every grant, current or ended, to the same datasets, so they can see who holds access
    /// and revoke it. Each organization is decided on once for both.
    pub async fn stewarding(&self, subject: &Subject) -> Result<(Vec<AccessRequestRow>, Vec<StewardedGrant>)> {
        let orgs = self.stewarded_orgs(subject, "access requests and grants").await?;
        Ok((self.queue_of(subject, &orgs).await?, self.grants_of(subject, &orgs).await?))
    }

    async fn queue_of(&self, subject: &Subject, orgs: &[OrgId]) -> Result<Vec<AccessRequestRow>> {
        let mut queue = Vec::new();
        for org in orgs {
            queue.extend(self.catalog.pending_access_requests_of_org(org).await?);
        }
        if let Some(user) = subject.user {
            queue.extend(self.catalog.pending_access_requests_for_steward(user).await?);
        }
        queue.sort_by_key(|request| request.id);
        queue.dedup_by_key(|request| request.id);
        Ok(queue)
    }

    async fn grants_of(&self, subject: &Subject, orgs: &[OrgId]) -> Result<Vec<StewardedGrant>> {
        let mut grants = Vec::new();
        for org in orgs {
            grants.extend(self.catalog.grants_of_org(org).await?);
        }
        if let Some(user) = subject.user {
            grants.extend(self.catalog.grants_for_steward(user).await?);
        }
        grants.sort_by_key(|grant| grant.id);
        grants.dedup_by_key(|grant| grant.id);
        // Each dataset and each holder is looked up once, however many grants they have.
        let mut datasets: BTreeMap<ParentId, (RecordId, String)> = BTreeMap::new();
        let mut holders: BTreeMap<tessera_domain::UserId, String> = BTreeMap::new();
        let mut named = Vec::with_capacity(grants.len());
        for grant in grants {
            if let std::collections::btree_map::Entry::Vacant(slot) = datasets.entry(grant.parent_id) {
                let latest = self.catalog.records_of_parent(grant.parent_id).await?.pop();
                let doc: RecordDoc = from_json(&latest.ok_or_else(|| Error::not_found(format!("dataset {}", grant.parent_id)))?.doc)?;
                slot.insert((doc.id, title(&doc).to_string()));
            }
            if let std::collections::btree_map::Entry::Vacant(slot) = holders.entry(grant.user_id) {
                slot.insert(self.email_of(grant.user_id).await?);
            }
            let (record, title) = datasets[&grant.parent_id].clone();
            named.push(StewardedGrant { record, title, holder: holders[&grant.user_id].clone(), grant });
        }
        Ok(named)
    }

    /// The organizations where the caller decides access, each checked at the decision point,
    /// as are the datasets they steward by name or as the depositor of one without an organization.
    async fn stewarded_orgs(&self, subject: &Subject, what: &str) -> Result<Vec<OrgId>> {
        let mut orgs = Vec::new();
        for membership in subject.memberships.iter().filter(|m| m.role == Role::Steward) {
            let facts = ResourceFacts { organization: Some(membership.org.clone()), ..ResourceFacts::default() };
            self.authorize(subject, Action::DecideAccess, &facts, &format!("{what} of {}", membership.org)).await?;
            orgs.push(membership.org.clone());
        }
        let own = ResourceFacts { owner: subject.user, ..ResourceFacts::default() };
        self.authorize(subject, Action::DecideAccess, &own, &format!("{what} of the caller's datasets")).await?;
        Ok(orgs)
    }

    /// Every request and grant for the dataset of record `id`, for its stewards.
    pub async fn access_of_record(&self, subject: &Subject, id: RecordId) -> Result<(Vec<AccessRequestRow>, Vec<GrantRow>)> {
        let row = self.published_row(id).await?;
        let (_, facts) = self.dataset(subject, row.parent_id).await?;
        self.authorize(subject, Action::DecideAccess, &facts, &format!("access to record {id}")).await?;
        Ok((self.catalog.access_requests_of_parent(row.parent_id).await?, self.catalog.grants_of_parent(row.parent_id).await?))
    }

    pub async fn approve_access_request(&self, subject: &Subject, id: i64, approval: Approval) -> Result<AccessRequestRow> {
        let (request, facts) = self.visible_request(subject, id).await?;
        self.authorize(subject, Action::DecideAccess, &facts, &format!("access request {id}")).await?;
        let expires = match approval.expires {
            Some(text) => expiry(&text)?,
            None => {
                let days = request
                    .requested_days
                    .ok_or_else(|| Error::BadRequest("the request names no duration, so the approval needs an expiry date".into()))?;
                from_now(time::Duration::days(days))
            }
        };
        let mut agreement = approval.agreement.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        if let Some(policy) = &approval.agreement_policy {
            let policy = self.agreement_for(policy, request.org_id.as_ref()).await?;
            agreement.get_or_insert_with(|| policy.current().title.clone());
        }
        let stamp = now();
        let decided = AccessRequestRow {
            status: "approved".into(),
            decided_by: subject.user,
            decided: Some(stamp.clone()),
            expires: Some(expires),
            field_of_use: approval.field_of_use.map(|f| f.trim().to_string()).filter(|f| !f.is_empty()),
            agreement,
            policy_id: approval.agreement_policy,
            updated: stamp,
            ..request
        };
        self.decide(decided, "approved").await
    }

    pub async fn refuse_access_request(&self, subject: &Subject, id: i64, reason: &str) -> Result<AccessRequestRow> {
        let (request, facts) = self.visible_request(subject, id).await?;
        self.authorize(subject, Action::DecideAccess, &facts, &format!("access request {id}")).await?;
        if reason.trim().is_empty() {
            return Err(Error::Validation(vec![tessera_domain::Problem::new("reason", "a refusal needs a reason for the requester")]));
        }
        let stamp = now();
        let decided = AccessRequestRow {
            status: "refused".into(),
            decided_by: subject.user,
            decided: Some(stamp.clone()),
            reason: Some(reason.trim().into()),
            updated: stamp,
            ..request
        };
        self.decide(decided, "refused").await
    }

    async fn decide(&self, decided: AccessRequestRow, outcome: &str) -> Result<AccessRequestRow> {
        let event = Event::new(format!("access-request-{outcome}"), decided.decided_by, format!("access request {}", decided.id));
        let conditions = json!({"reason": decided.reason, "expires": decided.expires, "field_of_use": decided.field_of_use,
            "agreement": decided.agreement, "policy": decided.policy_id});
        let entry = self.entry(event.dataset(decided.parent_id).detail(conditions));
        if !self.catalog.decide_access_request(&decided, "pending", vec![entry]).await? {
            return Err(Error::Conflict(format!("access request {} has been decided already", decided.id)));
        }
        let (doc, _) = self.dataset(&Subject::operator(), decided.parent_id).await?;
        let body = match outcome {
            "approved" => format!(
                "Your request for access to \"{}\" was approved.\n\nUntil: {}\nField of use: {}\nAgreement: {}\n\nAccept the conditions at {}/accept to start your access.\n",
                title(&doc),
                decided.expires.as_deref().unwrap_or_default(),
                decided.field_of_use.as_deref().unwrap_or("not restricted"),
                decided.agreement.as_deref().unwrap_or("none"),
                self.url(&format!("/api/access/requests/{}", decided.id)),
            ),
            _ => format!(
                "Your request for access to \"{}\" was refused.\n\nReason: {}\n",
                title(&doc),
                decided.reason.as_deref().unwrap_or_default()
            ),
        };
        self.notify(&[decided.requester_id], format!("Your access request was {outcome}"), body).await?;
        Ok(decided)
    }

    /// The requester accepts an approval's conditions and receives the grant. When the
    /// approval names an agreement policy, the grant records the version in force now; a
    /// requester who read another version (`agreement_version`) is told so instead.
    pub async fn accept_access_request(
        &self,
        subject: &Subject,
        id: i64,
        agreement_accepted: bool,
        agreement_version: Option<i64>,
    ) -> Result<GrantRow> {
        let (request, _) = self.visible_request(subject, id).await?;
        if subject.user != Some(request.requester_id) {
            return Err(Error::Forbidden { reason: "only the requester accepts an approval" });
        }
        if request.status != "approved" {
            return Err(Error::Conflict(format!("access request {id} is {}, not approved", request.status)));
        }
        if request.agreement.is_some() && !agreement_accepted {
            return Err(Error::Validation(vec![tessera_domain::Problem::new("agreement_accepted", "the agreement must be accepted")]));
        }
        let expires = request.expires.clone().ok_or_else(|| Error::Corrupt(format!("approved request {id} has no expiry")))?;
        let mut policy_version = None;
        if let Some(policy) = &request.policy_id {
            let current = self.policy(policy).await?.current().version;
            if agreement_version.is_some_and(|read| read != current) {
                return Err(Error::Conflict(format!(
                    "the agreement '{policy}' is at version {current} now; read it and accept that version"
                )));
            }
            policy_version = Some(current);
        }
        let mut grant = GrantRow {
            id: GrantId(0),
            request_id: Some(id),
            parent_id: request.parent_id,
            user_id: request.requester_id,
            files: request.files.clone(),
            purpose: request.purpose.clone(),
            field_of_use: request.field_of_use.clone(),
            agreement: request.agreement.clone(),
            granted_by: request.decided_by,
            created: now(),
            expires,
            revoked: None,
            revoked_by: None,
            revoke_reason: None,
            policy_id: request.policy_id.clone(),
            policy_version,
            reaccept_version: None,
        };
        let started = |grant_id: GrantId| {
            let event = Event::new("grant-started", Some(grant.user_id), format!("grant {grant_id}")).dataset(grant.parent_id);
            let terms = json!({"request": id, "expires": grant.expires, "purpose": grant.purpose, "agreement": grant.agreement,
                "policy": grant.policy_id, "policy_version": grant.policy_version});
            vec![self.entry(event.detail(terms))]
        };
        let started = self.catalog.accept_access_request(id, &grant, started).await?;
        grant.id = started.ok_or_else(|| Error::Conflict(format!("access request {id} was accepted already")))?;
        let (doc, _) = self.dataset(subject, grant.parent_id).await?;
        let body = format!(
            "{} accepted the conditions and now has access to \"{}\" until {}.\n",
            self.email_of(grant.user_id).await?,
            title(&doc),
            grant.expires
        );
        self.notify(&self.stewards_of(&doc).await?, format!("Access granted to \"{}\"", title(&doc)), body).await?;
        Ok(grant)
    }

    pub async fn my_grants(&self, subject: &Subject) -> Result<Vec<GrantRow>> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own grants").await?;
        Ok(self.catalog.grants_of_user(subject.user.ok_or(Error::Unauthenticated)?).await?)
    }

    /// A steward ends a grant at once.
    pub async fn revoke_grant(&self, subject: &Subject, id: GrantId, reason: &str) -> Result<GrantRow> {
        let grant = self.catalog.grant(id).await?.ok_or_else(|| Error::not_found(format!("grant {id}")))?;
        let (_, facts) = self.dataset(subject, grant.parent_id).await?;
        self.authorize(subject, Action::DecideAccess, &facts, &format!("grant {id}")).await?;
        let by = subject.user.ok_or(Error::Unauthenticated)?;
        let event = Event::new("grant-revoked", Some(by), format!("grant {id}")).dataset(grant.parent_id);
        let entry = self.entry(event.detail(json!({"reason": reason.trim(), "holder": grant.user_id.0})));
        if !self.catalog.revoke_grant(id, by, reason.trim(), &now(), vec![entry]).await? {
            return Err(Error::Conflict(format!("grant {id} was revoked already")));
        }
        let (doc, _) = self.dataset(subject, grant.parent_id).await?;
        let body = format!("Your access to \"{}\" has ended: a steward revoked it.\n\nReason: {}\n", title(&doc), reason.trim());
        self.notify(&[grant.user_id], "Your access was revoked".into(), body).await?;
        self.catalog.grant(id).await?.ok_or_else(|| Error::not_found(format!("grant {id}")))
    }
}

impl Tessera {
    /// Who decides access to a dataset: the stewards named on it, and its organization's
    /// stewards, or its depositor when it has no organization.
    pub(crate) async fn stewards_of(&self, doc: &RecordDoc) -> Result<Vec<tessera_domain::UserId>> {
        let mut stewards: Vec<_> = match &doc.organization {
            Some(org) => self.catalog.members_of(org).await?.into_iter().filter(|m| m.role == Role::Steward).map(|m| m.user).collect(),
            None => doc.owner.into_iter().collect(),
        };
        stewards.extend(self.named_stewards(doc.parent_id).await?);
        Ok(stewards)
    }

    async fn email_of(&self, user: tessera_domain::UserId) -> Result<String> {
        Ok(self.catalog.user(user).await?.map(|u| u.email).unwrap_or_else(|| format!("user {user}")))
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url.trim_end_matches('/'))
    }
}

fn title(doc: &RecordDoc) -> &str {
    doc.metadata.title.as_deref().unwrap_or("Untitled")
}

/// The grant that decides the caller's access to a file (or to every file) from their grants
/// (newest first), and its state: active if any grant covering the file is current, else what
/// became of the newest one.
pub(crate) fn deciding_grant(grants: &[GrantRow], key: Option<&str>) -> (GrantState, Option<GrantId>) {
    let now = OffsetDateTime::now_utc();
    let mut newest = (GrantState::None, None);
    for (position, grant) in grants.iter().filter(|grant| covers(grant, key)).enumerate() {
        let state = if grant.revoked.is_some() {
            GrantState::Revoked
        } else if parse_time(&grant.expires) <= now {
            GrantState::Expired
        } else if grant.reaccept_version.is_some() {
            GrantState::Suspended
        } else {
            GrantState::Active
        };
        if state == GrantState::Active {
            return (state, Some(grant.id));
        }
        if position == 0 {
            newest = (state, Some(grant.id));
        }
    }
    newest
}

/// Whether a grant covers one file (`Some(key)`) or every file (`None`).
fn covers(grant: &GrantRow, key: Option<&str>) -> bool {
    let Some(files) = &grant.files else { return true };
    let keys: Vec<String> = serde_json::from_str(files).unwrap_or_default();
    key.is_some_and(|key| keys.iter().any(|k| k == key))
}

#[cfg(test)]
mod tests {
    use tessera_domain::UserId;

    use super::*;

    fn grant(files: Option<&str>, expires: &str, revoked: bool) -> GrantRow {
        GrantRow {
            id: GrantId(1),
            request_id: None,
            parent_id: ParentId(1),
            user_id: UserId(1),
            files: files.map(str::to_string),
            purpose: String::new(),
            field_of_use: None,
            agreement: None,
            granted_by: None,
            created: String::new(),
            expires: expires.into(),
            revoked: revoked.then(|| "2026-01-01T00:00:00Z".into()),
            revoked_by: None,
            revoke_reason: None,
            policy_id: None,
            policy_version: None,
            reaccept_version: None,
        }
    }

    #[test]
    fn states_follow_the_newest_covering_grant_unless_one_is_active() {
        let future = "2999-01-01T00:00:00Z";
        let past = "2001-01-01T00:00:00Z";
        assert_eq!(deciding_grant(&[], None).0, GrantState::None);
        assert_eq!(deciding_grant(&[grant(None, future, false)], Some("a.csv")).0, GrantState::Active);
        assert_eq!(deciding_grant(&[grant(None, past, false)], None).0, GrantState::Expired);
        assert_eq!(deciding_grant(&[grant(None, future, true), grant(None, past, false)], None).0, GrantState::Revoked);
        assert_eq!(deciding_grant(&[grant(None, past, false), grant(None, future, false)], None).0, GrantState::Active);
        let some_files = grant(Some("[\"a.csv\"]"), future, false);
        assert_eq!(deciding_grant(std::slice::from_ref(&some_files), Some("a.csv")).0, GrantState::Active);
        assert_eq!(deciding_grant(std::slice::from_ref(&some_files), Some("b.csv")).0, GrantState::None);
        assert_eq!(deciding_grant(&[some_files], None).0, GrantState::None, "a grant for some files does not open the whole archive");
    }
}
