//! Secret links: the people who look after a dataset give a reviewer without an account a link
//! to see it (and, if they choose, download its files) until a date; links can be revoked.

use serde_json::json;
use tessera_catalog::SecretLinkRow;
use tessera_domain::authz::{Action, LinkPermission, SecretLink, Subject};
use tessera_domain::{ParentId, RecordId};
use time::OffsetDateTime;

use crate::audit::Event;
use crate::drafts::from_json;
use crate::identity::{expiry, token_hash};
use crate::model::RecordDoc;
use crate::tessera::{now, parse_time};
use crate::{Error, Result, Tessera};

impl Tessera {
    /// The dataset of record `id`, checked for `EditRecord`: only its depositor and curators
    /// manage its links.
    async fn link_manager(&self, subject: &Subject, id: RecordId) -> Result<ParentId> {
        let row = self.published_row(id).await?;
        let doc: RecordDoc = from_json(&row.doc)?;
        self.authorize(subject, Action::EditRecord, &self.record_facts(subject, &doc, None).await?, &format!("links of record {id}"))
            .await?;
        Ok(row.parent_id)
    }

    /// Makes a link; its secret is returned this once.
    pub async fn create_secret_link(
        &self,
        subject: &Subject,
        id: RecordId,
        permission: LinkPermission,
        expires: Option<String>,
    ) -> Result<(SecretLinkRow, String)> {
        let parent = self.link_manager(subject, id).await?;
        let expires = expires.map(|text| expiry(&text)).transpose()?;
        let secret = crate::accounts::random_token()?;
        let mut link = SecretLinkRow {
            id: 0,
            parent_id: parent,
            permission: permission.as_str().into(),
            created_by: subject.user,
            created: now(),
            expires,
            revoked: None,
        };
        let detail = json!({"permission": permission.as_str(), "expires": link.expires});
        let entry = |link: i64| {
            let event = Event::new("secret-link-made", subject.user_id(), format!("secret link {link} of record {id}")).dataset(parent);
            vec![self.entry(event.detail(detail))]
        };
        link.id = self.catalog.create_secret_link(&link, &token_hash(&secret), entry).await?;
        Ok((link, secret))
    }

    pub async fn secret_links(&self, subject: &Subject, id: RecordId) -> Result<Vec<SecretLinkRow>> {
        let parent = self.link_manager(subject, id).await?;
        Ok(self.catalog.secret_links_of_parent(parent).await?)
    }

    pub async fn revoke_secret_link(&self, subject: &Subject, id: RecordId, link: i64) -> Result<()> {
        let parent = self.link_manager(subject, id).await?;
        let entry =
            self.entry(Event::new("secret-link-revoked", subject.user_id(), format!("secret link {link} of record {id}")).dataset(parent));
        if !self.catalog.revoke_secret_link(parent, link, &now(), vec![entry]).await? {
            return Err(Error::not_found(format!("link {link} of record {id}")));
        }
        Ok(())
    }

    /// What a link's secret opens. Unknown, expired and revoked links are refused and logged.
    pub async fn authenticate_link(&self, secret: &str) -> Result<SecretLink> {
        let refuse = |reason: &'static str| {
            tracing::warn!(target: "audit", reason, "secret link refused");
            Err(Error::BadCredentials { reason })
        };
        let Some(link) = self.catalog.secret_link_by_hash(&token_hash(secret)).await? else {
            return refuse("the link is not valid");
        };
        if link.revoked.is_some() {
            return refuse("the link was revoked");
        }
        if link.expires.as_deref().is_some_and(|expires| parse_time(expires) <= OffsetDateTime::now_utc()) {
            return refuse("the link has expired");
        }
        let permission = link.permission.parse().map_err(Error::Corrupt)?;
        Ok(SecretLink { parent: link.parent_id, permission })
    }
}
