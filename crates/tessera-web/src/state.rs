//! The state every handler shares.

use std::sync::Arc;

use tessera_app::Tessera;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The URL users reach this server at, used in links (`http://127.0.0.1:8080`).
    pub public_url: String,
    /// The largest JSON body accepted, in bytes.
    pub max_json_bytes: usize,
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
}
