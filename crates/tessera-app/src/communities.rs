//! Communities: collections an organization's curators keep, which datasets of any
//! organization may be in. A community is named in the catalogue; which datasets are in it is
//! written into every version's `record.json` by a new OCFL version of the dataset's object,
//! so storage alone still says it after a rebuild, and the OAI-PMH feed offers each community
//! as a set.

use serde_json::json;
use tessera_catalog::CommunityRow;
use tessera_domain::authz::{Action, ResourceFacts, Subject};
use tessera_domain::{OrgId, RecordId};

use crate::audit::Event;
use crate::drafts::from_json;
use crate::model::{RecordDoc, RecordView};
use crate::tessera::now;
use crate::{Error, Result, Tessera};

impl Tessera {
    /// A new community, curated by `organization`'s curators; its administrators create it.
    pub async fn create_community(&self, subject: &Subject, id: &str, title: &str, organization: &OrgId) -> Result<CommunityRow> {
        self.authorize_org(subject, organization, Action::ManageOrganization, &format!("organization {organization}")).await?;
        // Community ids follow the rules of organization ids: short, lowercase, stable.
        let id = OrgId::parse(id.trim()).map_err(|e| Error::BadRequest(e.replace("an organization id", "a community id")))?;
        let title = title.trim();
        if title.is_empty() {
            return Err(Error::BadRequest("a community needs a title".into()));
        }
        let community =
            CommunityRow { id: id.as_str().to_string(), title: title.to_string(), organization: organization.clone(), created: now() };
        let event = Event::new("community-created", subject.user_id(), format!("community {}", community.id));
        let entry = self.entry(event.detail(json!({"organization": organization})));
        self.catalog.create_community(&community, vec![entry]).await.map_err(|err| match err {
            tessera_catalog::Error::Conflict { what } => Error::Conflict(format!("{what} already exists")),
            other => other.into(),
        })?;
        Ok(community)
    }

    pub async fn communities(&self) -> Result<Vec<CommunityRow>> {
        Ok(self.catalog.communities().await?)
    }

    /// One community, by id.
    pub async fn community(&self, id: &str) -> Result<CommunityRow> {
        let found = self.communities().await?.into_iter().find(|c| c.id == id);
        found.ok_or_else(|| Error::not_found(format!("community {id}")))
    }

    /// Adds record `id`'s dataset to these communities (`include`), or takes it out.
    /// Adding takes both sides' consent in one person: the caller must be able to edit the
    /// record and to curate each community (be a curator, steward or administrator of its
    /// organization). Either side alone may take the dataset out again.
    pub async fn set_communities(&self, subject: &Subject, id: RecordId, ids: &[String], include: bool) -> Result<RecordView> {
        let row = self.published_row(id).await?;
        let doc: RecordDoc = from_json(&row.doc)?;
        let record_facts = self.record_facts(subject, &doc, None).await?;
        let edits_record = tessera_domain::authz::authorize(subject, Action::EditRecord, &record_facts).allowed;
        if include || !edits_record {
            // The refusal (with its audit entry) comes from the decision point itself.
            if include {
                self.authorize(subject, Action::EditRecord, &record_facts, &format!("record {id}")).await?;
            }
            let known = self.catalog.communities().await?;
            for wanted in ids {
                let community = known.iter().find(|c| c.id == *wanted).ok_or_else(|| Error::not_found(format!("community {wanted}")))?;
                let facts = ResourceFacts { organization: Some(community.organization.clone()), ..ResourceFacts::default() };
                self.authorize(subject, Action::EditRecord, &facts, &format!("community {wanted}")).await?;
            }
        }
        let mut communities = doc.communities.clone();
        if include {
            communities.extend(ids.iter().cloned());
            communities.sort();
            communities.dedup();
        } else {
            communities.retain(|c| !ids.contains(c));
        }
        if communities != doc.communities {
            let verb = if include { "Add" } else { "Remove" };
            let message =
                format!("{verb} dataset {} {} communities {}", row.parent_id, if include { "to" } else { "from" }, ids.join(", "));
            let action = if include { "community-included" } else { "community-removed" };
            let event = Event::new(action, subject.user_id(), format!("record {id}")).dataset(row.parent_id);
            let detail = json!({"communities": ids});
            self.rewrite_records(row.parent_id, None, message, (event, detail), |doc| doc.communities = communities.clone()).await?;
        }
        self.record_view(self.published_row(id).await?).await
    }
}
