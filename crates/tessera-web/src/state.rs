//! The state every handler shares.

use std::sync::Arc;

use tessera_app::domain::RecordId;
use tessera_app::{RecordDoc, Tessera};
use tessera_formats::{Described, Pid};

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The URL users reach this server at, used in links (`http://127.0.0.1:8080`).
    pub public_url: String,
    /// The largest JSON body accepted, in bytes.
    pub max_json_bytes: usize,
    /// The repository's name, as harvesters and citations show it.
    pub repository_name: String,
    /// Where harvesters write about the repository.
    pub admin_email: String,
}

#[derive(Clone)]
pub struct AppState {
    pub tessera: Tessera,
    pub config: Arc<WebConfig>,
}

impl AppState {
    pub fn new(tessera: Tessera, config: WebConfig) -> Self {
        Self { tessera, config: Arc::new(config) }
    }

    /// An absolute link to `path` on this server.
    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url.trim_end_matches('/'))
    }

    /// A record's landing page.
    pub(crate) fn landing_page(&self, id: RecordId) -> String {
        self.link(&format!("/records/{id}"))
    }

    /// What the exports need to know of a published record; `landing` is its landing page.
    pub(crate) fn described<'a>(&'a self, doc: &'a RecordDoc, landing: &'a str) -> Described<'a> {
        Described {
            metadata: &doc.metadata,
            access: &doc.access,
            pid: Pid { kind: "URL", value: landing },
            landing_page: landing,
            publisher: &self.config.repository_name,
            published: &doc.created,
            updated: &doc.updated,
            files: &[],
        }
    }
}
