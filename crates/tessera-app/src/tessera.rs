//! The façade: `Tessera` holds the catalogue, OCFL storage, the search index and the staging
//! area, and is the only way adapters reach them.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;
use tessera_catalog::Catalog;
use tessera_domain::authz::{self, Action, Decision, ResourceFacts, Subject};
use tessera_domain::{DataClass, ParentId};
use tessera_ocfl::OcflRepo;
use tessera_search::SearchIndex;
use tessera_storage::Store;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::Event;
use crate::staging::Staging;
use crate::{Error, Result};

#[derive(Clone, Debug)]
pub struct TesseraConfig {
    /// Where drafts' uploaded files wait until they are published.
    pub staging_dir: PathBuf,
    /// Where the search index lives.
    pub index_dir: PathBuf,
    /// The largest file accepted in one upload, in bytes.
    pub max_file_bytes: u64,
    /// Where notifications are mailed; None logs them instead.
    pub mail: Option<crate::MailConfig>,
    /// The address users reach the server at, for links in notifications.
    pub public_url: String,
    /// The OpenID providers people may sign in with.
    pub sso: Vec<crate::SsoProvider>,
    /// An Ed25519 key that signs the audit trail's checkpoints, as `new_signing_key` writes
    /// it (PKCS#8, base64), if any.
    pub audit_signing_key: Option<String>,
    /// Where each published record version's ARK is minted.
    pub ark: tessera_domain::ArkMinter,
    /// The DataCite account DOIs are registered with, if any.
    pub datacite: Option<crate::DataCiteConfig>,
    /// The repository's name: the publisher of records whose metadata names none.
    pub repository_name: String,
    /// How long after a complete harvest of a partner repository the next one starts.
    pub harvest_interval: std::time::Duration,
    /// How long a resumable upload may wait for its next piece before it is removed.
    pub upload_expiry: std::time::Duration,
    /// How many times its stored size an archive's entry (and the whole archive) may expand to
    /// when unpacked; beyond it the archive is refused as a decompression bomb.
    pub max_unpack_ratio: u64,
}

impl TesseraConfig {
    /// Staging and the index in `data_dir`, and nothing else configured (no mail, single
    /// sign-on, DataCite or signing key; ARKs under the test NAAN 99999): for benchmarks and tests.
    pub fn in_folder(data_dir: &std::path::Path) -> Self {
        Self {
            staging_dir: data_dir.join("staging"),
            index_dir: data_dir.join("index"),
            max_file_bytes: 1 << 40,
            mail: None,
            public_url: String::new(),
            sso: Vec::new(),
            audit_signing_key: None,
            ark: tessera_domain::ArkMinter::new("99999", "fk4").expect("the test NAAN is valid"),
            datacite: None,
            repository_name: "Tessera".into(),
            harvest_interval: std::time::Duration::from_secs(3600),
            upload_expiry: std::time::Duration::from_secs(86_400),
            max_unpack_ratio: 100,
        }
    }
}

#[derive(Clone)]
pub struct Tessera {
    pub(crate) catalog: Catalog,
    pub(crate) ocfl: Arc<OcflRepo>,
    pub(crate) search: Arc<SearchIndex>,
    pub(crate) staging: Staging,
    pub(crate) upload_slots: crate::uploads::UploadSlots,
    pub(crate) config: TesseraConfig,
    pub(crate) throttle: crate::accounts::Throttle,
    pub(crate) mailer: Option<crate::mail::Mailer>,
    pub(crate) sso: crate::sso::Sso,
    pub(crate) signing_key: Option<Arc<ring::signature::Ed25519KeyPair>>,
    /// For the services Tessera calls: DataCite.
    pub(crate) http: reqwest::Client,
    pub(crate) downloads: Arc<crate::dashboard::DownloadTally>,
    /// Publishes and unpacks going on in the background.
    pub(crate) tasks: crate::tasks::Tasks,
}

impl Tessera {
    /// Opens Tessera over its parts, changing nothing; a server calls `recover` next.
    pub async fn open(catalog: Catalog, store: Arc<dyn Store>, config: TesseraConfig) -> Result<Self> {
        let ocfl = Arc::new(OcflRepo::open(store).await?);
        let index_dir = config.index_dir.clone();
        let search = Arc::new(tokio::task::spawn_blocking(move || SearchIndex::open(&index_dir)).await.map_err(std::io::Error::other)??);
        let staging = Staging::new(config.staging_dir.clone())?;
        let mailer = config.mail.as_ref().map(crate::mail::Mailer::new).transpose()?;
        let sso = crate::sso::Sso::new(config.sso.clone(), &config.public_url)?;
        let signing_key = config.audit_signing_key.as_deref().map(crate::audit::signing_key).transpose()?.map(Arc::new);
        let http = reqwest::Client::builder()
            .user_agent(concat!("Tessera/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| crate::Error::ProviderUnavailable(format!("the HTTP client: {e}")))?;
        Ok(Self {
            catalog,
            ocfl,
            search,
            staging,
            upload_slots: Default::default(),
            config,
            throttle: Default::default(),
            mailer,
            sso,
            signing_key,
            http,
            downloads: Default::default(),
            tasks: Default::default(),
        })
    }

    /// Brings the parts into agreement after a stop or crash: commits left in the journal are
    /// reconciled from storage, partial uploads removed, and a new or outdated index filled.
    /// Only the process that owns the installation (the server, or `rebuild`) may call this:
    /// beside a running server it would undo that server's commits in progress.
    pub async fn recover(&self) -> Result<()> {
        for parent in self.catalog.pending_commits().await? {
            tracing::warn!(parent = parent.0, "reconciling a publish that was interrupted");
            self.reconcile_parent(parent).await?;
        }
        let given_back = self.catalog.end_all_publishing().await?;
        if given_back > 0 {
            tracing::warn!(drafts = given_back, "gave back drafts whose publish was interrupted");
        }
        // No other process runs this installation's tasks: those the stop interrupted start again.
        let interrupted = self.catalog.release_jobs(crate::tasks::TASK_JOB, &now()).await?;
        if interrupted > 0 {
            tracing::warn!(tasks = interrupted, "tasks the stop interrupted will run again");
        }
        self.staging.clean(&self.catalog.draft_ids().await?, &self.catalog.upload_ids().await?).await?;
        let added = self.fill_oai_feed().await?;
        if added > 0 {
            tracing::info!(records = added, "added records to the OAI-PMH feed");
        }
        if self.search.is_fresh() {
            let count = self.reindex(|_| {}).await?;
            tracing::info!(records = count, "filled the new search index from the catalogue");
        }
        Ok(())
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The single authorization decision point: every use case calls it before it reads or
    /// writes. Every decision about non-public data, and every refusal, goes into the audit
    /// trail with its reason.
    pub(crate) async fn authorize(&self, subject: &Subject, action: Action, resource: &ResourceFacts, target: &str) -> Result<Decision> {
        let decision = authz::authorize(subject, action, resource);
        let sensitive = resource.metadata_stub
            || (action == Action::ReadFiles && (resource.data_class != DataClass::Public || resource.embargoed))
            || matches!(action, Action::DecideAccess | Action::ReadAudit | Action::ManageOrganization | Action::AdministerPlatform);
        if sensitive || !decision.allowed {
            let mut detail = json!({
                "reason": decision.reason,
                "data_class": resource.data_class,
                "grant": format!("{:?}", resource.grant).to_lowercase(),
                "link": subject.link.map(|link| link.permission.as_str()),
            });
            // Which grant, for what purpose and on which terms, so a read can be traced to them.
            if let Some(grant) = resource.grant_id
                && let Some(row) = self.catalog.grant(grant).await?
                && let Some(detail) = detail.as_object_mut()
            {
                detail.insert("grant_id".into(), json!(grant.to_string()));
                detail.insert("purpose".into(), json!(row.purpose));
                detail.insert("field_of_use".into(), json!(row.field_of_use));
                detail.insert("agreement".into(), json!(row.agreement));
            }
            let mut event = Event::new(action_name(action), subject.user_id(), target)
                .outcome(if decision.allowed { "allowed" } else { "refused" })
                .detail(detail);
            if let Some(parent) = resource.parent {
                event = event.dataset(parent);
            }
            self.audit(event).await?;
        }
        match decision {
            Decision { allowed: true, .. } => Ok(decision),
            Decision { reason: authz::SIGN_IN_REQUIRED, .. } => Err(Error::Unauthenticated),
            Decision { reason: authz::TAKEN_DOWN, .. } => Err(Error::TakenDown),
            Decision { reason, .. } => Err(Error::Forbidden { reason }),
        }
    }

    /// Whether the catalogue answers, for readiness checks.
    pub async fn ready(&self) -> Result<()> {
        Ok(self.catalog.ping().await?)
    }
}

/// An action's name in the audit trail: `ReadFiles` is `read-files`.
fn action_name(action: Action) -> String {
    let mut name = String::new();
    for c in format!("{action:?}").chars() {
        if c.is_uppercase() && !name.is_empty() {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

/// The current time in RFC 3339, to the second.
pub(crate) fn now() -> String {
    from_now(time::Duration::ZERO)
}

/// The time `after` from now in RFC 3339, to the second: expiries and retries.
pub(crate) fn from_now(after: time::Duration) -> String {
    let t = OffsetDateTime::now_utc() + after;
    t.replace_nanosecond(0).unwrap_or(t).format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn parse_time(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The OCFL object id of a dataset: all of its versions live in one object.
pub(crate) fn object_id(parent: ParentId) -> String {
    format!("{OBJECT_PREFIX}{parent}")
}

/// The dataset whose OCFL object has the id `object`, the inverse of `object_id`.
pub(crate) fn object_parent(object: &str) -> Option<ParentId> {
    object.strip_prefix(OBJECT_PREFIX)?.parse().ok().map(ParentId)
}

const OBJECT_PREFIX: &str = "urn:tessera:parent:";
