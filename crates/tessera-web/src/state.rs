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

/// A record's landing page, and the link its persistent identifier resolves through.
pub(crate) struct Links {
    pub(crate) landing: String,
    pub(crate) pid: String,
}

/// Cloned for every request, so it holds only shared pointers.
#[derive(Clone)]
pub struct AppState {
    pub tessera: Arc<Tessera>,
    pub config: Arc<WebConfig>,
}

impl AppState {
    pub fn new(tessera: Tessera, config: WebConfig) -> Self {
        // A task's failure reads as the request's answer would have.
        tessera.describe_failures(crate::error::task_failure);
        Self { tessera: Arc::new(tessera), config: Arc::new(config) }
    }

    /// An absolute link to `path` on this server.
    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The public URL that links start with, without a closing slash.
    pub(crate) fn base_url(&self) -> &str {
        self.config.public_url.trim_end_matches('/')
    }

    /// A record's landing page.
    pub(crate) fn landing_page(&self, id: RecordId) -> String {
        self.link(&format!("/records/{id}"))
    }

    pub(crate) fn links(&self, doc: &RecordDoc) -> Links {
        let landing = self.landing_page(doc.id);
        // A DOI resolves through doi.org; an ARK here, at `/ark:/NAAN/name`.
        let pid = match (doc.pids.get("doi"), doc.pids.get("ark")) {
            (Some(doi), _) => format!("https://doi.org/{}", doi.identifier),
            (None, Some(ark)) => self.link(&format!("/{}", ark.identifier)),
            (None, None) => landing.clone(),
        };
        Links { landing, pid }
    }

    /// What the exports need to know of a published record; `links` are its landing page and
    /// its persistent identifier's link, from `Links::of`.
    pub(crate) fn described<'a>(&'a self, doc: &'a RecordDoc, links: &'a Links) -> Described<'a> {
        let pid = match (doc.pids.get("doi"), doc.pids.get("ark")) {
            (Some(doi), _) => Pid { kind: "DOI", value: &doi.identifier, url: &links.pid },
            (None, Some(ark)) => Pid { kind: "ARK", value: &ark.identifier, url: &links.pid },
            (None, None) => Pid { kind: "URL", value: &links.landing, url: &links.landing },
        };
        let landing = links.landing.as_str();
        Described {
            metadata: &doc.metadata,
            access: &doc.access,
            pid,
            landing_page: landing,
            publisher: &self.config.repository_name,
            published: &doc.created,
            updated: &doc.updated,
            files: &[],
        }
    }
}
