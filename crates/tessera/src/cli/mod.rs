//! The subcommands, each in its own module, and what they share: opening a local installation
//! and logging.

mod admin;
mod audit;
mod bundle;
mod deposit;
mod export;
mod get;
mod harvest;
mod import;
mod maintenance;
mod remote;
mod retention;
mod serve;
mod transfer;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tessera_app::{Tessera, TesseraConfig};
use tessera_catalog::Catalog;
use tessera_storage::LocalStore;

use crate::config::{Config, LocalArgs};

#[derive(Debug, Parser)]
#[command(name = "tessera", version, about = "Tessera: deposit, preserve, find and share research data")]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the repository server.
    Serve {
        #[command(flatten)]
        local: LocalArgs,
        /// Address and port to listen on [env: TESSERA_BIND] [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
    },
    /// Manage accounts, organizations and tokens.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Prove the audit trail intact, export it, or checkpoint it into storage.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Enforce retention schedules by hand, or list the deletions they will bring.
    Retention {
        #[command(subcommand)]
        command: retention::RetentionCommand,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Harvest partner repositories over OAI-PMH into search: add, list, run now, remove.
    Harvest {
        #[command(subcommand)]
        command: harvest::HarvestCommand,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Recreate the catalogue's record tables and the search index from OCFL storage alone.
    Rebuild {
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Rebuild the search index from the catalogue: here when no server runs, else by the
    /// server with its next jobs while it keeps answering searches from the current index.
    Reindex {
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Check every OCFL object and every stored file's digest; exits non-zero on any problem.
    Verify {
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Upload files or folders as a new dataset through a server's API.
    Deposit(deposit::DepositArgs),
    /// Download a record's files, verifying their checksums.
    Get(get::GetArgs),
    /// Check a BagIt bag, then deposit its files as a new dataset through a server's API.
    Import(import::ImportArgs),
    /// Write a record in an export format (a BagIt bag, a data package, DataCite, …) to a folder.
    Export(export::ExportArgs),
}

pub(crate) async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { local, bind } => serve::serve(Config::load(&local, bind.as_deref())?).await,
        Command::Admin { command, local } => admin::run(command, &Config::load(&local, None)?).await,
        Command::Audit { command, local } => audit::run(command, &Config::load(&local, None)?).await,
        Command::Retention { command, local } => retention::run(command, &Config::load(&local, None)?).await,
        Command::Harvest { command, local } => harvest::run(command, &Config::load(&local, None)?).await,
        Command::Rebuild { local } => maintenance::rebuild(&Config::load(&local, None)?).await,
        Command::Reindex { local } => maintenance::reindex(&Config::load(&local, None)?).await,
        Command::Verify { local } => maintenance::verify(&Config::load(&local, None)?).await,
        Command::Deposit(args) => deposit::deposit(args).await,
        Command::Get(args) => get::get(args).await,
        Command::Import(args) => import::import(args).await,
        Command::Export(args) => export::export(args).await,
    }
}

/// Opens the local installation a configuration describes.
pub(crate) async fn open(config: &Config) -> anyhow::Result<Tessera> {
    std::fs::create_dir_all(config.data_dir()).with_context(|| format!("creating the data folder {}", config.data_dir().display()))?;
    let catalog = Catalog::connect(&config.database_url).await.context("opening the catalogue database")?;
    let store =
        LocalStore::new(&config.storage_root).with_context(|| format!("opening the storage root {}", config.storage_root.display()))?;
    let app_config = TesseraConfig {
        staging_dir: config.staging_dir.clone(),
        index_dir: config.index_dir.clone(),
        max_file_bytes: config.max_file_bytes,
        mail: config.mail.clone(),
        public_url: config.public_url.clone(),
        sso: config.sso.clone(),
        audit_signing_key: config.audit_signing_key.clone(),
        ark: config.ark.clone(),
        datacite: config.datacite.clone(),
        repository_name: config.repository_name.clone(),
        harvest_interval: config.harvest_interval,
        upload_expiry: config.upload_expiry,
        max_unpack_ratio: config.max_unpack_ratio,
    };
    Tessera::open(catalog, Arc::new(store), app_config).await.context("opening Tessera")
}

/// For the commands that read what is stored (`rebuild`, `verify`): refuses a storage root that
/// is not there, most often a mistyped `--data-dir`, rather than making an empty one and
/// reporting that all is well.
pub(crate) fn existing_storage(config: &Config) -> anyhow::Result<()> {
    if !["0=ocfl_1.1", "0=ocfl_1.0"].iter().any(|declaration| config.storage_root.join(declaration).is_file()) {
        anyhow::bail!(
            "there is no OCFL storage root at {} (it has no 0=ocfl_1.1); check --data-dir, or storage.root in the settings",
            config.storage_root.display()
        );
    }
    Ok(())
}

/// For the commands that look at an installation rather than make one (`audit`, `retention`,
/// `reindex`): refuses a data folder or catalogue that is not there, rather than making empty
/// ones and reporting, say, an intact audit trail of no entries.
pub(crate) fn existing_installation(config: &Config) -> anyhow::Result<()> {
    if !config.data_dir().is_dir() {
        anyhow::bail!("there is no Tessera installation at {} (no such folder); check --data-dir", config.data_dir().display());
    }
    let sqlite = config.database_url.strip_prefix("sqlite://").or_else(|| config.database_url.strip_prefix("sqlite:"));
    if let Some(file) = sqlite.map(|rest| rest.split('?').next().unwrap_or_default())
        && !std::path::Path::new(file).is_file()
    {
        anyhow::bail!("there is no catalogue at {file}; check --data-dir, or database.url in the settings");
    }
    Ok(())
}

/// Takes the installation's write lock, held until the returned file is dropped (or the
/// process dies): the server and the commands that write to storage beside it (`rebuild`,
/// `retention run`) never run at once.
pub(crate) fn lock_installation(config: &Config) -> anyhow::Result<std::fs::File> {
    try_lock_installation(config)?.with_context(|| {
        format!(
            "another Tessera process (a running server, a rebuild or a retention run) is using {}; stop it first",
            config.data_dir().display()
        )
    })
}

/// The installation's write lock, or `None` while another process holds it.
pub(crate) fn try_lock_installation(config: &Config) -> anyhow::Result<Option<std::fs::File>> {
    std::fs::create_dir_all(config.data_dir()).with_context(|| format!("creating the data folder {}", config.data_dir().display()))?;
    let path = config.data_dir().join("tessera.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(err)) => Err(err).with_context(|| format!("locking {}", path.display())),
    }
}

/// Logs go to standard error, so standard output carries only a command's results; colours
/// only on a terminal, so a log file or journal holds plain text.
pub(crate) fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TESSERA_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tantivy=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
    if std::env::var("TESSERA_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// A progress bar on standard error, hidden when that is not a terminal.
pub(crate) fn progress_bar(len: u64, template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// `n` files, as a person would write it: "1 file", "2 files".
pub(crate) fn files(n: usize) -> String {
    if n == 1 { "1 file".into() } else { format!("{n} files") }
}
