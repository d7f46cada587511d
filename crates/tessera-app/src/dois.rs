//! DOIs through DataCite's REST API, when the installation has a DataCite repository account.
//! Each record version gets `{prefix}/tessera.{id}` when it is first published, and a durable
//! job registers it with the record's DataCite metadata and landing page: again after each
//! metadata edit, and again later when DataCite cannot be reached. A draft's DOI can be
//! reserved before publishing: DataCite then holds it as a draft DOI.

use serde_json::json;
use tessera_domain::RecordId;
use tessera_domain::authz::{Action, Subject};
use tessera_formats::{Described, Pid, datacite};

use crate::drafts::{KIND_EDIT, draft_event, from_json, to_json};
use crate::model::{DraftDoc, DraftView, PidDoc, RecordDoc, stub_metadata};
use crate::tessera::now;
use crate::{Error, Result, Tessera};

pub(crate) const REGISTER_DOI: &str = "register-doi";
pub(crate) const DISCARD_DOI: &str = "discard-doi";

/// A DataCite repository account.
#[derive(Clone, Debug)]
pub struct DataCiteConfig {
    /// `https://api.datacite.org`, or `https://api.test.datacite.org` for the test system.
    pub api_url: String,
    /// The repository's DOI prefix: `10.1234`.
    pub prefix: String,
    /// The repository id: `ABC.XYZ`.
    pub username: String,
    pub password: String,
}

impl Tessera {
    /// The DOI a record version gets, if DOIs are registered here.
    pub(crate) fn doi_for(&self, id: RecordId) -> Option<String> {
        self.config.datacite.as_ref().map(|dc| format!("{}/tessera.{id}", dc.prefix))
    }

    /// The persistent identifier a draft gets when it is published: its DOI when DataCite is
    /// configured, else its ARK.
    pub fn future_pid(&self, id: RecordId) -> String {
        self.doi_for(id).unwrap_or_else(|| self.config.ark.mint(id.0))
    }

    /// Reserves the DOI a draft will be published with: DataCite holds it as a draft DOI (not
    /// yet resolvable), and the draft shows it, so it can be cited in a paper before the data
    /// are published. Reserving again is harmless.
    pub async fn reserve_doi(&self, subject: &Subject, id: RecordId) -> Result<DraftView> {
        let row = self.draft_row(subject, id, Action::EditDraft).await?;
        let mut doc: DraftDoc = from_json(&row.doc)?;
        if doc.pids.contains_key("doi") {
            return self.draft_view(row).await;
        }
        if row.kind == KIND_EDIT {
            return Err(Error::Conflict(format!("record {id} is published; its identifiers were given then")));
        }
        let (Some(dc), Some(doi)) = (&self.config.datacite, self.doi_for(id)) else {
            return Err(Error::BadRequest("no DataCite account is configured here; records get ARKs when published".into()));
        };
        let body = json!({"data": {"type": "dois", "attributes": {"doi": doi}}});
        let response = self.datacite(dc, reqwest::Method::POST, "/dois", Some(&body)).await?;
        let status = response.status();
        // 422 with the DOI taken: an earlier reservation reached DataCite, its answer did not reach us.
        let taken = status == reqwest::StatusCode::UNPROCESSABLE_ENTITY && self.doi_exists(dc, &doi).await?;
        if !status.is_success() && !taken {
            let detail: String = response.text().await.unwrap_or_default().chars().take(500).collect();
            return Err(Error::ProviderUnavailable(format!("DataCite answered {status} when reserving {doi}: {detail}")));
        }
        doc.pids.insert("doi".into(), PidDoc { identifier: doi.clone(), provider: "datacite".into() });
        let entry = self.entry(draft_event("doi-reserved", subject, &row).detail(json!({"doi": doi})));
        if !self.catalog.update_draft_doc(id, &to_json(&doc)?, &now(), vec![entry]).await? {
            return Err(Error::not_found(format!("draft {id}")));
        }
        tracing::info!(draft = id.0, doi = %doi, "DOI reserved");
        self.draft(subject, id).await
    }

    /// After a draft with a reserved DOI is discarded: a job to delete the draft DOI at
    /// DataCite, tried until DataCite answers.
    pub(crate) async fn schedule_doi_discard(&self, doi: &str) -> Result<()> {
        let stamp = now();
        Ok(self.catalog.schedule_job(DISCARD_DOI, doi, &stamp, None, &stamp).await?)
    }

    /// Deletes a draft DOI at DataCite (only draft DOIs can be deleted there; one that is
    /// already gone is fine).
    pub(crate) async fn discard_doi(&self, doi: &str) -> Result<()> {
        let dc = self.config.datacite.as_ref().ok_or_else(|| Error::Corrupt("a DOI job, but no DataCite account is configured".into()))?;
        let response = self.datacite(dc, reqwest::Method::DELETE, &format!("/dois/{doi}"), None).await?;
        let status = response.status();
        if !(status.is_success() || status == reqwest::StatusCode::NOT_FOUND) {
            let detail: String = response.text().await.unwrap_or_default().chars().take(500).collect();
            return Err(Error::ProviderUnavailable(format!("DataCite answered {status} when deleting the draft DOI {doi}: {detail}")));
        }
        tracing::info!(doi = %doi, "reserved DOI discarded with its draft");
        Ok(())
    }

    async fn doi_exists(&self, dc: &DataCiteConfig, doi: &str) -> Result<bool> {
        Ok(self.datacite(dc, reqwest::Method::GET, &format!("/dois/{doi}"), None).await?.status().is_success())
    }

    /// A request to DataCite's REST API with the account's credentials, and a JSON:API body.
    async fn datacite(
        &self,
        dc: &DataCiteConfig,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<reqwest::Response> {
        let mut request =
            self.http.request(method, format!("{}{path}", dc.api_url.trim_end_matches('/'))).basic_auth(&dc.username, Some(&dc.password));
        if let Some(body) = body {
            request = request.header("content-type", "application/vnd.api+json").body(body.to_string());
        }
        request.send().await.map_err(|e| Error::ProviderUnavailable(format!("DataCite: {e}")))
    }

    /// After a publish or an edit: a job to register the record's DOI (or its new metadata).
    pub(crate) async fn schedule_doi_registration(&self, doc: &RecordDoc) -> Result<()> {
        if self.config.datacite.is_some() && doc.pids.contains_key("doi") {
            let stamp = now();
            self.catalog.schedule_job(REGISTER_DOI, &doc.id.to_string(), &stamp, None, &stamp).await?;
        }
        Ok(())
    }

    /// Registers (or updates) a record's DOI at DataCite as findable, with the metadata
    /// anyone may see: a metadata-only record registers its stub. A dataset under a takedown
    /// waits: its job fails and is tried again later.
    pub(crate) async fn register_doi(&self, id: RecordId) -> Result<()> {
        let dc = self.config.datacite.as_ref().ok_or_else(|| Error::Corrupt("a DOI job, but no DataCite account is configured".into()))?;
        let Some(row) = self.catalog.record(id).await? else { return Ok(()) };
        let mut doc: RecordDoc = from_json(&row.doc)?;
        let Some(doi) = doc.pids.get("doi").map(|pid| pid.identifier.clone()) else { return Ok(()) };
        if self.is_taken_down(row.parent_id).await? {
            return Err(Error::Conflict(format!("record {id} is taken down; its DOI {doi} is registered when it is restored")));
        }
        if doc.access.metadata_stub() {
            doc.metadata = stub_metadata(std::mem::take(&mut doc.metadata));
        }
        let landing = self.url(&format!("/records/{id}"));
        let pid_url = format!("https://doi.org/{doi}");
        let described = Described {
            metadata: &doc.metadata,
            access: &doc.access,
            pid: Pid { kind: "DOI", value: &doi, url: &pid_url },
            landing_page: &landing,
            publisher: &self.config.repository_name,
            published: &doc.created,
            updated: &doc.updated,
            files: &[],
        };
        let mut attributes = datacite::json(&described);
        attributes["event"] = json!("publish");
        attributes["url"] = json!(landing);
        let body = json!({"data": {"id": doi, "type": "dois", "attributes": attributes}});
        let response = self.datacite(dc, reqwest::Method::PUT, &format!("/dois/{doi}"), Some(&body)).await?;
        let status = response.status();
        if !status.is_success() {
            let detail: String = response.text().await.unwrap_or_default().chars().take(500).collect();
            return Err(Error::ProviderUnavailable(format!("DataCite answered {status} for {doi}: {detail}")));
        }
        tracing::info!(record = id.0, doi = %doi, "DOI registered");
        Ok(())
    }
}
