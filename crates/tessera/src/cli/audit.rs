//! `tessera audit`: prove the audit trail intact, export it, checkpoint it.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use tessera_app::domain::audit::{AuditEntry, ChainWalk, Period};

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum AuditCommand {
    /// Check every entry against the one before it and against the checkpoints in storage;
    /// exits non-zero and names the first bad entry when anything was changed, removed,
    /// inserted, moved or cut off.
    Verify {
        /// Check an exported JSON Lines file on its own instead of the catalogue.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Write entries as JSON Lines (one object per line, with its hash and the previous one's).
    Export {
        /// The first day (2026-01-31) or moment (RFC 3339) to include. Default: the beginning.
        #[arg(long)]
        from: Option<String>,
        /// The last day or moment to include. Default: now.
        #[arg(long)]
        to: Option<String>,
        /// Where to write; default standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Copy the trail's newest entry number and hash into the storage root now (the server
    /// does this by itself after its background jobs and when it stops).
    Checkpoint,
    /// Make an Ed25519 key for signing checkpoints: the key goes into FILE (readable by its
    /// owner only; name it in `audit.signing_key_file`), the public key to standard output.
    Keygen {
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
}

pub(crate) async fn run(command: AuditCommand, config: &Config) -> anyhow::Result<ExitCode> {
    if matches!(command, AuditCommand::Verify { file: None } | AuditCommand::Export { .. } | AuditCommand::Checkpoint) {
        super::existing_installation(config)?;
    }
    match command {
        AuditCommand::Verify { file: Some(file) } => verify_file(&file),
        AuditCommand::Verify { file: None } => verify(config).await,
        AuditCommand::Export { from, to, output } => export(config, from, to, output).await,
        AuditCommand::Keygen { output } => keygen(&output),
        AuditCommand::Checkpoint => {
            let tessera = super::open(config).await?;
            match tessera.checkpoint_audit().await? {
                Some(checkpoint) => println!("checkpoint written at entry {} ({})", checkpoint.seq, checkpoint.hash),
                None => println!("the last checkpoint is up to date"),
            }
            tessera.catalog().close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn verify(config: &Config) -> anyhow::Result<ExitCode> {
    let tessera = super::open(config).await?;
    let bar = super::progress_bar(0, "{spinner} verifying the audit trail [{bar:40}] {pos}/{len} entries ({elapsed})");
    let report = tessera
        .verify_audit(|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    tessera.catalog().close().await;
    match report.problem {
        None => {
            println!(
                "the audit trail is intact: {} entries, {} checkpoints agree ({} signed)",
                report.entries, report.checkpoints, report.signed
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            println!("the audit trail is broken: {problem} ({} entries before it are intact)", report.entries);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Checks an export by itself: each entry follows the one before, from the first one's link.
fn verify_file(path: &PathBuf) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut walk: Option<ChainWalk> = None;
    let mut count = 0;
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        let entry: AuditEntry =
            serde_json::from_str(&line).with_context(|| format!("line {} of {} is not an audit entry", number + 1, path.display()))?;
        let walk = walk.get_or_insert_with(|| ChainWalk { seq: entry.seq - 1, hash: entry.prev.clone() });
        if let Err(broken) = walk.next(&entry) {
            println!("the export is broken at line {}: {broken}", number + 1);
            return Ok(ExitCode::FAILURE);
        }
        count += 1;
    }
    println!("the export is intact: {count} entries, each following the one before");
    Ok(ExitCode::SUCCESS)
}

async fn export(config: &Config, from: Option<String>, to: Option<String>, output: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let tessera = super::open(config).await?;
    let Period { from, until } = Period::parse(from.as_deref(), to.as_deref()).map_err(anyhow::Error::msg)?;
    let mut out: Box<dyn Write> = match &output {
        Some(path) => {
            Box::new(std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let count = match tessera.audit_period(&from, &until).await? {
        Some((first, last)) => {
            tessera
                .audit_range(first, last, |entry| {
                    serde_json::to_writer(&mut out, entry).map_err(std::io::Error::other)?;
                    out.write_all(b"\n")?;
                    Ok(())
                })
                .await?
        }
        None => 0,
    };
    out.flush()?;
    tessera.catalog().close().await;
    if output.is_some() {
        eprintln!("exported {count} entries");
    }
    Ok(ExitCode::SUCCESS)
}

fn keygen(output: &std::path::Path) -> anyhow::Result<ExitCode> {
    let (key, public_key) = tessera_app::new_signing_key()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(output).with_context(|| format!("creating {} (it must not exist yet)", output.display()))?;
    file.write_all(key.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    println!("{public_key}");
    eprintln!("wrote the signing key to {}; publish the public key above so others can check signed checkpoints", output.display());
    Ok(ExitCode::SUCCESS)
}
