//! The people named on a dataset beside its organization's: curators, who may edit it, and
//! stewards, who decide who may use its data. Naming someone needs no new version: the names
//! live with the dataset in the catalogue, and every decision about the dataset reads them.

use tessera_catalog::UserRow;
use tessera_domain::authz::{self, Action, Decision, ResourceFacts, Role, Subject};
use tessera_domain::{ParentId, Problem, RecordId, UserId};

use crate::audit::Event;
use crate::drafts::from_json;
use crate::model::RecordDoc;
use crate::tessera::now;
use crate::{Error, Result, Tessera};

/// Who looks after a dataset, by name.
#[derive(Clone, Debug, Default)]
pub struct DatasetPeople {
    pub depositor: Option<UserRow>,
    pub curators: Vec<UserRow>,
    pub stewards: Vec<UserRow>,
}

/// Adds people named on a dataset, by role, to the facts a decision about it is made on.
pub(crate) fn name_people(facts: &mut ResourceFacts, people: impl IntoIterator<Item = (Role, UserId)>) {
    for (role, user) in people {
        match role {
            Role::Curator => facts.curators.push(user),
            Role::Steward => facts.stewards.push(user),
            _ => {}
        }
    }
}

/// A change to the people named on a dataset: each list given replaces the one before.
#[derive(Clone, Debug, Default)]
pub struct PeopleInput {
    /// Emails of the curators.
    pub curators: Option<Vec<String>>,
    /// Emails of the stewards.
    pub stewards: Option<Vec<String>>,
}

impl Tessera {
    /// Adds the people named on the dataset `facts.parent` to the facts.
    pub(crate) async fn with_named_people(&self, mut facts: ResourceFacts) -> Result<ResourceFacts> {
        if let Some(parent) = facts.parent {
            let people = self.catalog.dataset_people(parent).await?;
            name_people(&mut facts, people.into_iter().map(|(role, user)| (role, user.id)));
        }
        Ok(facts)
    }

    /// The curators and the stewards named on a dataset.
    async fn named(&self, parent: ParentId) -> Result<(Vec<UserRow>, Vec<UserRow>)> {
        let (mut curators, mut stewards) = (Vec::new(), Vec::new());
        for (role, user) in self.catalog.dataset_people(parent).await? {
            match role {
                Role::Curator => curators.push(user),
                Role::Steward => stewards.push(user),
                _ => {}
            }
        }
        Ok((curators, stewards))
    }

    /// The people who look after the dataset of record `id`, for those who look after it too.
    pub async fn dataset_people(&self, subject: &Subject, id: RecordId) -> Result<DatasetPeople> {
        let (doc, facts) = self.people_facts(subject, id).await?;
        self.authorize_any(subject, &[Action::EditRecord, Action::DecideAccess, Action::ManageOrganization], &facts, id).await?;
        self.people_of(&doc).await
    }

    /// Names curators (the depositor and curators may) or stewards (stewards and the
    /// organization's administrators may). Everyone named needs an account.
    pub async fn name_people(&self, subject: &Subject, id: RecordId, input: PeopleInput) -> Result<DatasetPeople> {
        let (doc, facts) = self.people_facts(subject, id).await?;
        let mut changes = Vec::new();
        let mut problems = Vec::new();
        for (role, emails, field) in [(Role::Curator, &input.curators, "curators"), (Role::Steward, &input.stewards, "stewards")] {
            let Some(emails) = emails else { continue };
            let deciders: &[Action] =
                if role == Role::Curator { &[Action::EditRecord] } else { &[Action::DecideAccess, Action::ManageOrganization] };
            self.authorize_any(subject, deciders, &facts, id).await?;
            let mut users = Vec::new();
            for (index, email) in emails.iter().enumerate() {
                match self.catalog.user_by_email(email.trim()).await? {
                    Some(user) => users.push(user.id),
                    None => problems.push(Problem::new(format!("{field}.{index}"), format!("no account has the email '{}'", email.trim()))),
                }
            }
            changes.push((role, users));
        }
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        let parent = doc.parent_id;
        for (role, users) in changes {
            let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
            let event = Event::new("people-named", subject.user_id(), format!("dataset {parent}")).dataset(parent);
            let entry = self.entry(event.detail(serde_json::json!({"role": role.as_str(), "users": ids})));
            self.catalog.set_dataset_people(parent, role, &users, &now(), vec![entry]).await?;
        }
        self.people_of(&doc).await
    }

    /// The latest version of record `id`'s dataset and the facts for deciding about it.
    async fn people_facts(&self, subject: &Subject, id: RecordId) -> Result<(RecordDoc, ResourceFacts)> {
        let row = self.published_row(id).await?;
        let latest = self.catalog.records_of_parent(row.parent_id).await?.pop().unwrap_or(row);
        let doc: RecordDoc = from_json(&latest.doc)?;
        let facts = self.record_facts(subject, &doc, None).await?;
        Ok((doc, facts))
    }

    async fn people_of(&self, doc: &RecordDoc) -> Result<DatasetPeople> {
        let (curators, stewards) = self.named(doc.parent_id).await?;
        Ok(DatasetPeople { depositor: self.user_row(doc.owner).await?, curators, stewards })
    }

    async fn user_row(&self, user: Option<UserId>) -> Result<Option<UserRow>> {
        match user {
            Some(id) => Ok(self.catalog.user(id).await?),
            None => Ok(None),
        }
    }

    /// Allowed when any of `actions` is; the decision logged is the one that allowed it, or
    /// the first one's refusal.
    async fn authorize_any(&self, subject: &Subject, actions: &[Action], facts: &ResourceFacts, id: RecordId) -> Result<Decision> {
        let action = actions.iter().copied().find(|action| authz::authorize(subject, *action, facts).allowed).unwrap_or(actions[0]);
        self.authorize(subject, action, facts, &format!("people of record {id}")).await
    }

    /// The named stewards of a dataset, for notifications.
    pub(crate) async fn named_stewards(&self, parent: ParentId) -> Result<Vec<UserId>> {
        Ok(self.named(parent).await?.1.into_iter().map(|u| u.id).collect())
    }
}
