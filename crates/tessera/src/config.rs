//! Configuration: defaults, overridden by an optional TOML file, then by `TESSERA_*`
//! environment variables, then by command-line flags. Only the binary reads any of these;
//! library crates receive the resulting values.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The settings file, as written. Every field is optional; unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// Folder holding everything by default. Env: `TESSERA_DATA_DIR`. Default `./tessera-data`.
    data_dir: Option<PathBuf>,
    #[serde(default)]
    http: HttpFile,
    #[serde(default)]
    database: DatabaseFile,
    #[serde(default)]
    storage: StorageFile,
    #[serde(default)]
    search: SearchFile,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    jobs: JobsFile,
    #[serde(default)]
    harvest: HarvestFile,
    #[serde(default)]
    uploads: UploadsFile,
    #[serde(default)]
    mail: MailFile,
    /// OpenID providers for single sign-on, each a `[[oidc]]` table.
    #[serde(default)]
    oidc: Vec<OidcFile>,
    #[serde(default)]
    audit: AuditFile,
    #[serde(default)]
    repository: RepositoryFile,
    #[serde(default)]
    pids: PidsFile,
    #[serde(default)]
    datacite: DataCiteFile,
}

/// A DataCite repository account; with it, every record version gets a registered DOI.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataCiteFile {
    /// Env: `TESSERA_DATACITE_API_URL`, such as `https://api.test.datacite.org`.
    api_url: Option<String>,
    /// Env: `TESSERA_DATACITE_PREFIX`, such as `10.1234`.
    prefix: Option<String>,
    /// The repository id. Env: `TESSERA_DATACITE_USERNAME`.
    username: Option<String>,
    /// A file holding the repository's password (chmod 600). Env: `TESSERA_DATACITE_PASSWORD_FILE`.
    password_file: Option<PathBuf>,
}

/// Where records' ARKs are minted.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PidsFile {
    /// Env: `TESSERA_ARK_NAAN`. Default `99999`, the NAAN set aside for testing.
    ark_naan: Option<String>,
    /// Env: `TESSERA_ARK_SHOULDER`. Default `fk4`.
    ark_shoulder: Option<String>,
}

/// How the repository names itself to harvesters (OAI-PMH `Identify`) and in citations.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RepositoryFile {
    /// Env: `TESSERA_REPOSITORY_NAME`. Default `Tessera`.
    name: Option<String>,
    /// Env: `TESSERA_ADMIN_EMAIL`. Default: the address mail is sent from, or `tessera@` the public host.
    admin_email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    /// A file holding the Ed25519 key that signs the audit trail's checkpoints (made by
    /// `tessera audit keygen`; chmod 600). Env: `TESSERA_AUDIT_SIGNING_KEY_FILE`. Default: unsigned.
    signing_key_file: Option<PathBuf>,
}

/// One OpenID provider. Tessera's callback at the provider is `PUBLIC_URL/auth/callback`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcFile {
    /// A short name for URLs, such as `uni-york`; never change it once people have signed in.
    id: String,
    /// The name on the sign-in button. Default: the id.
    name: Option<String>,
    /// The issuer URL; Tessera reads `ISSUER/.well-known/openid-configuration`.
    issuer: String,
    client_id: String,
    /// The client secret, or a file holding it (readable only by its owner).
    client_secret: Option<String>,
    client_secret_file: Option<PathBuf>,
    /// Scopes besides `openid`. Default `["email", "profile"]`.
    scopes: Option<Vec<String>>,
    /// Everyone who signs in through this provider becomes a depositor of this organization.
    organization: Option<String>,
    /// A claim naming the person's organizations (a string or a list of organization ids).
    organization_claim: Option<String>,
    /// Join a first sign-in to an existing account with the same, provider-verified email.
    /// Only for providers that verify emails. Default false.
    #[serde(default)]
    link_by_email: bool,
}

impl OidcFile {
    fn resolve(self) -> anyhow::Result<tessera_app::SsoProvider> {
        let valid_id = !self.id.is_empty() && self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_id {
            bail!("the OpenID provider id '{}' may only hold lower-case letters, digits and hyphens", self.id);
        }
        let client_secret = match (self.client_secret, self.client_secret_file) {
            (Some(secret), None) => secret,
            (None, Some(path)) => read_secret(&path, &format!("the client secret file of OpenID provider {}", self.id))?,
            _ => bail!("OpenID provider {} needs one of client_secret or client_secret_file", self.id),
        };
        Ok(tessera_app::SsoProvider {
            name: self.name.unwrap_or_else(|| self.id.clone()),
            id: self.id,
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret,
            scopes: self.scopes.unwrap_or_else(|| vec!["email".into(), "profile".into()]),
            organization: self.organization,
            organization_claim: self.organization_claim,
            link_by_email: self.link_by_email,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailFile {
    /// The SMTP server for notifications. Env: `TESSERA_SMTP_URL` (or `TESSERA_SMTP_URL_FILE`). Default: none (logged only).
    smtp_url: Option<String>,
    /// The sender. Env: `TESSERA_MAIL_FROM`. Default `Tessera <tessera@localhost>`.
    from: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobsFile {
    /// Seconds between looks at the job table. Env: `TESSERA_JOBS_INTERVAL_SECONDS`. Default 60.
    interval_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HarvestFile {
    /// Seconds from a complete harvest of a partner repository to the next. Env:
    /// `TESSERA_HARVEST_INTERVAL_SECONDS`. Default 3600.
    interval_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadsFile {
    /// Seconds a resumable upload may wait for its next piece before it is removed. Env:
    /// `TESSERA_UPLOADS_EXPIRE_SECONDS`. Default 86400 (a day).
    expire_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    /// Address to listen on. Env: `TESSERA_BIND`. Default `127.0.0.1:8080`.
    bind: Option<String>,
    /// URL users reach the server at, for links. Env: `TESSERA_PUBLIC_URL`. Default `http://BIND`.
    public_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseFile {
    /// `sqlite:PATH` or `postgres://…`. Env: `TESSERA_DATABASE_URL` (or `TESSERA_DATABASE_URL_FILE`). Default `sqlite:DATA_DIR/catalog.db`.
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageFile {
    /// The OCFL storage root folder. Env: `TESSERA_STORAGE_ROOT`. Default `DATA_DIR/ocfl`.
    root: Option<PathBuf>,
    /// Where drafts' uploads wait. Env: `TESSERA_STAGING_DIR`. Default `DATA_DIR/staging`.
    staging: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchFile {
    /// The search index folder. Env: `TESSERA_INDEX_DIR`. Default `DATA_DIR/index`.
    index_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    /// Largest JSON body in bytes. Env: `TESSERA_MAX_JSON_BYTES`. Default 1 MiB.
    max_json_bytes: Option<usize>,
    /// Largest uploaded file in bytes. Env: `TESSERA_MAX_FILE_BYTES`. Default 1 TiB.
    max_file_bytes: Option<u64>,
    /// How many times its stored size an unpacked archive may expand to. Env:
    /// `TESSERA_MAX_UNPACK_RATIO`. Default 100.
    max_unpack_ratio: Option<u64>,
}

/// The resolved configuration every command works from.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) data_dir: PathBuf,
    pub(crate) bind: SocketAddr,
    pub(crate) public_url: String,
    pub(crate) database_url: String,
    pub(crate) storage_root: PathBuf,
    pub(crate) staging_dir: PathBuf,
    pub(crate) index_dir: PathBuf,
    pub(crate) max_json_bytes: usize,
    pub(crate) max_file_bytes: u64,
    /// How often the server runs due background jobs (embargo lifting, mail).
    pub(crate) jobs_interval: std::time::Duration,
    /// How long after a complete harvest the next one of the same source starts.
    pub(crate) harvest_interval: std::time::Duration,
    /// How long a resumable upload may wait for its next piece.
    pub(crate) upload_expiry: std::time::Duration,
    /// How far an archive unpacked on the server may expand.
    pub(crate) max_unpack_ratio: u64,
    pub(crate) mail: Option<tessera_app::MailConfig>,
    pub(crate) sso: Vec<tessera_app::SsoProvider>,
    /// The key that signs audit checkpoints, as its file holds it.
    pub(crate) audit_signing_key: Option<String>,
    pub(crate) repository_name: String,
    pub(crate) admin_email: String,
    pub(crate) ark: tessera_app::domain::ArkMinter,
    pub(crate) datacite: Option<tessera_app::DataCiteConfig>,
}

/// Every environment variable Tessera reads; `docs/config.md` must describe each one.
#[cfg(test)]
pub(crate) const ENV_VARS: &[&str] = &[
    "TESSERA_DATA_DIR",
    "TESSERA_CONFIG",
    "TESSERA_BIND",
    "TESSERA_PUBLIC_URL",
    "TESSERA_DATABASE_URL",
    "TESSERA_DATABASE_URL_FILE",
    "TESSERA_STORAGE_ROOT",
    "TESSERA_STAGING_DIR",
    "TESSERA_UPLOADS_EXPIRE_SECONDS",
    "TESSERA_MAX_UNPACK_RATIO",
    "TESSERA_INDEX_DIR",
    "TESSERA_MAX_JSON_BYTES",
    "TESSERA_MAX_FILE_BYTES",
    "TESSERA_JOBS_INTERVAL_SECONDS",
    "TESSERA_SMTP_URL",
    "TESSERA_SMTP_URL_FILE",
    "TESSERA_MAIL_FROM",
    "TESSERA_AUDIT_SIGNING_KEY_FILE",
    "TESSERA_REPOSITORY_NAME",
    "TESSERA_ADMIN_EMAIL",
    "TESSERA_ARK_NAAN",
    "TESSERA_ARK_SHOULDER",
    "TESSERA_DATACITE_API_URL",
    "TESSERA_DATACITE_PREFIX",
    "TESSERA_DATACITE_USERNAME",
    "TESSERA_DATACITE_PASSWORD_FILE",
    "TESSERA_LOG",
    "TESSERA_LOG_FORMAT",
    "TESSERA_SERVER",
    "TESSERA_TOKEN",
];

/// What the command line says about where things are.
#[derive(Clone, Debug, Default, clap::Args)]
pub(crate) struct LocalArgs {
    /// The data folder [env: TESSERA_DATA_DIR] [default: ./tessera-data]
    #[arg(long, value_name = "DIR", global = true)]
    pub(crate) data_dir: Option<PathBuf>,
    /// A TOML settings file [env: TESSERA_CONFIG]
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_parsed<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>> {
    match env(name) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| anyhow::anyhow!("{name}='{raw}' is not a valid value")),
    }
}

/// Reads a secret from the file a `*_FILE` variable names.
fn secret_file(name: &str) -> anyhow::Result<Option<String>> {
    let Some(path) = env(name) else { return Ok(None) };
    read_secret(Path::new(&path), &format!("{name}={path}")).map(Some)
}

/// Reads a secret from a file, refusing files others can read.
fn read_secret(path: &Path, what: &str) -> anyhow::Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).with_context(|| format!("reading {what}"))?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!("{what} can be read by other users (mode {:o}); run chmod 600 on it", mode & 0o777);
        }
    }
    Ok(std::fs::read_to_string(path).with_context(|| format!("reading {what}"))?.trim().to_string())
}

/// The DataCite account, when all four of its settings are given; some but not all is an error.
fn datacite_config(file: DataCiteFile) -> anyhow::Result<Option<tessera_app::DataCiteConfig>> {
    let api_url = env("TESSERA_DATACITE_API_URL").or(file.api_url);
    let prefix = env("TESSERA_DATACITE_PREFIX").or(file.prefix);
    let username = env("TESSERA_DATACITE_USERNAME").or(file.username);
    let password_file = env("TESSERA_DATACITE_PASSWORD_FILE").map(PathBuf::from).or(file.password_file);
    match (api_url, prefix, username, password_file) {
        (None, None, None, None) => Ok(None),
        (Some(api_url), Some(prefix), Some(username), Some(path)) => {
            let doi_prefix =
                prefix.strip_prefix("10.").is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.'));
            if !doi_prefix {
                bail!("datacite.prefix '{prefix}' is not a DOI prefix such as 10.1234");
            }
            let password = read_secret(&path, &format!("the DataCite password file {}", path.display()))?;
            Ok(Some(tessera_app::DataCiteConfig { api_url, prefix, username, password }))
        }
        _ => bail!("DataCite needs all of datacite.api_url, prefix, username and password_file (or their TESSERA_DATACITE_* variables)"),
    }
}

/// The address harvesters are given when none is set: the sender of mail, or one at the
/// public host; OAI-PMH wants a domain with a dot in it.
fn default_admin_email(mail_from: &str, public_url: &str) -> String {
    let sender = match (mail_from.find('<'), mail_from.rfind('>')) {
        (Some(start), Some(end)) if start < end => &mail_from[start + 1..end],
        _ => mail_from.trim(),
    };
    let host = public_url.split("://").nth(1).unwrap_or(public_url).split(['/', ':']).next().unwrap_or_default();
    [sender.to_string(), format!("tessera@{host}")]
        .into_iter()
        .find(|candidate| is_dotted_address(candidate))
        .unwrap_or_else(|| "tessera@localhost.localdomain".into())
}

fn is_dotted_address(email: &str) -> bool {
    email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !email.contains(char::is_whitespace) && domain.contains('.') && !domain.ends_with('.')
    })
}

impl Config {
    pub(crate) fn load(args: &LocalArgs, bind_flag: Option<&str>) -> anyhow::Result<Self> {
        let config_path = args.config.clone().or_else(|| env("TESSERA_CONFIG").map(PathBuf::from));
        let file: FileConfig = match &config_path {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading the settings file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("in the settings file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = args
            .data_dir
            .clone()
            .or_else(|| env("TESSERA_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./tessera-data"));
        let under = |name: &str| data_dir.join(name);
        let bind_text =
            bind_flag.map(str::to_string).or_else(|| env("TESSERA_BIND")).or(file.http.bind).unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr =
            bind_text.parse().with_context(|| format!("'{bind_text}' is not an address and port such as 127.0.0.1:8080"))?;
        let public_url = env("TESSERA_PUBLIC_URL").or(file.http.public_url).unwrap_or_else(|| format!("http://{bind}"));
        let database_url = match (env("TESSERA_DATABASE_URL"), secret_file("TESSERA_DATABASE_URL_FILE")?, file.database.url) {
            (Some(url), _, _) | (None, Some(url), _) | (None, None, Some(url)) => url,
            (None, None, None) => format!("sqlite:{}", under("catalog.db").display()),
        };
        let smtp_url = match (env("TESSERA_SMTP_URL"), secret_file("TESSERA_SMTP_URL_FILE")?) {
            (Some(url), _) | (None, Some(url)) => Some(url),
            (None, None) => file.mail.smtp_url,
        };
        let from = env("TESSERA_MAIL_FROM").or(file.mail.from).unwrap_or_else(|| "Tessera <tessera@localhost>".into());
        let sso = file.oidc.into_iter().map(OidcFile::resolve).collect::<anyhow::Result<Vec<_>>>()?;
        if let Some(twice) = sso.iter().enumerate().find_map(|(i, p)| sso[..i].iter().any(|q| q.id == p.id).then_some(&p.id)) {
            bail!("two OpenID providers have the id {twice}");
        }
        let key_file = env("TESSERA_AUDIT_SIGNING_KEY_FILE").map(PathBuf::from).or(file.audit.signing_key_file);
        let audit_signing_key =
            key_file.map(|path| read_secret(&path, &format!("the audit signing key {}", path.display()))).transpose()?;
        let repository_name = env("TESSERA_REPOSITORY_NAME").or(file.repository.name).unwrap_or_else(|| "Tessera".into());
        let admin_email = match env("TESSERA_ADMIN_EMAIL").or(file.repository.admin_email) {
            Some(email) if is_dotted_address(&email) => email,
            Some(email) => bail!("the admin email '{email}' is not an address such as data@example.org"),
            None => default_admin_email(&from, &public_url),
        };
        let naan = env("TESSERA_ARK_NAAN").or(file.pids.ark_naan).unwrap_or_else(|| "99999".into());
        let shoulder = env("TESSERA_ARK_SHOULDER").or(file.pids.ark_shoulder).unwrap_or_else(|| "fk4".into());
        let ark = tessera_app::domain::ArkMinter::new(&naan, &shoulder).map_err(|problem| anyhow::anyhow!("pids: {problem}"))?;
        let datacite = datacite_config(file.datacite)?;
        Ok(Self {
            sso,
            audit_signing_key,
            repository_name,
            admin_email,
            ark,
            datacite,
            mail: smtp_url.map(|smtp_url| tessera_app::MailConfig { smtp_url, from }),
            bind,
            public_url,
            database_url,
            storage_root: env("TESSERA_STORAGE_ROOT").map(PathBuf::from).or(file.storage.root).unwrap_or_else(|| under("ocfl")),
            staging_dir: env("TESSERA_STAGING_DIR").map(PathBuf::from).or(file.storage.staging).unwrap_or_else(|| under("staging")),
            index_dir: env("TESSERA_INDEX_DIR").map(PathBuf::from).or(file.search.index_dir).unwrap_or_else(|| under("index")),
            max_json_bytes: env_parsed("TESSERA_MAX_JSON_BYTES")?.or(file.limits.max_json_bytes).unwrap_or(1 << 20),
            max_file_bytes: env_parsed("TESSERA_MAX_FILE_BYTES")?.or(file.limits.max_file_bytes).unwrap_or(1 << 40),
            max_unpack_ratio: env_parsed("TESSERA_MAX_UNPACK_RATIO")?.or(file.limits.max_unpack_ratio).unwrap_or(100).max(1),
            jobs_interval: std::time::Duration::from_secs(
                env_parsed("TESSERA_JOBS_INTERVAL_SECONDS")?.or(file.jobs.interval_seconds).unwrap_or(60).max(1),
            ),
            harvest_interval: std::time::Duration::from_secs(
                env_parsed("TESSERA_HARVEST_INTERVAL_SECONDS")?.or(file.harvest.interval_seconds).unwrap_or(3600).max(1),
            ),
            upload_expiry: std::time::Duration::from_secs(
                env_parsed("TESSERA_UPLOADS_EXPIRE_SECONDS")?.or(file.uploads.expire_seconds).unwrap_or(86_400).max(1),
            ),
            data_dir,
        })
    }

    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_describe_every_variable() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/config.md")).expect("docs/config.md exists");
        for name in ENV_VARS {
            assert!(docs.contains(name), "docs/config.md does not describe {name}");
        }
    }

    #[test]
    fn harvesters_get_an_address_with_a_domain() {
        assert_eq!(default_admin_email("Data <data@uni.ac.uk>", "https://repo.uni.ac.uk"), "data@uni.ac.uk");
        assert_eq!(default_admin_email("Tessera <tessera@localhost>", "https://repo.uni.ac.uk/"), "tessera@repo.uni.ac.uk");
        assert_eq!(default_admin_email("tessera@localhost", "http://localhost:8080"), "tessera@localhost.localdomain");
        assert!(!is_dotted_address("a b@x.org") && !is_dotted_address("@x.org") && is_dotted_address("a@127.0.0.1"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<FileConfig>("[http]\nbnd = \"x\"").unwrap_err();
        assert!(err.to_string().contains("unknown field `bnd`"), "{err}");
        let ok: FileConfig = toml::from_str("data_dir = \"/srv\"\n[http]\nbind = \"0.0.0.0:80\"\n[limits]\nmax_file_bytes = 10").unwrap();
        assert_eq!(ok.limits.max_file_bytes, Some(10));
    }

    #[test]
    fn openid_providers_need_a_valid_id_and_exactly_one_secret() {
        let parse = |text: &str| toml::from_str::<FileConfig>(text).unwrap().oidc.into_iter().next().unwrap().resolve();
        let base = "[[oidc]]\nissuer = \"https://idp.example.org\"\nclient_id = \"tessera\"\n";
        let provider = parse(&format!("{base}id = \"uni\"\nclient_secret = \"s\"")).unwrap();
        assert_eq!((provider.name.as_str(), provider.scopes.len(), provider.link_by_email), ("uni", 2, false));
        assert!(parse(&format!("{base}id = \"Uni York\"\nclient_secret = \"s\"")).unwrap_err().to_string().contains("lower-case"));
        assert!(parse(&format!("{base}id = \"uni\"")).unwrap_err().to_string().contains("client_secret"));
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "from-file\n").unwrap();
        let from_file = format!("{base}id = \"uni\"\nclient_secret_file = \"{}\"", secret.display());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(parse(&from_file).unwrap_err().to_string().contains("chmod 600"));
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(parse(&from_file).unwrap().client_secret, "from-file");
    }
}
