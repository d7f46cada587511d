//! DOIs through DataCite's REST API, when the installation has a DataCite repository account.
//! Each record version gets `{prefix}/tessera.{id}` when it is first published, and a durable
//! job registers it with the record's DataCite metadata and landing page: again after each
//! metadata edit, and again later when DataCite cannot be reached.

use serde_json::json;
use tessera_domain::RecordId;
use tessera_formats::{Described, Pid, datacite};

use crate::drafts::from_json;
use crate::model::{RecordDoc, stub_metadata};
use crate::tessera::now;
use crate::{Error, Result, Tessera};

pub(crate) const REGISTER_DOI: &str = "register-doi";

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
        let response = self
            .http
            .put(format!("{}/dois/{doi}", dc.api_url.trim_end_matches('/')))
            .basic_auth(&dc.username, Some(&dc.password))
            .header("content-type", "application/vnd.api+json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| Error::ProviderUnavailable(format!("DataCite: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            let detail: String = response.text().await.unwrap_or_default().chars().take(500).collect();
            return Err(Error::ProviderUnavailable(format!("DataCite answered {status} for {doi}: {detail}")));
        }
        tracing::info!(record = id.0, doi = %doi, "DOI registered");
        Ok(())
    }
}
