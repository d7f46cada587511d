//! `tessera retention`: run the retention sweep by hand, or see what it will do.

use std::process::ExitCode;

use anyhow::Context;
use tessera_app::DueFiles;
use tessera_app::domain::retention::parse_date;
use time::OffsetDateTime;

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum RetentionCommand {
    /// Delete every file whose retention has ended (the server does this by itself once a
    /// day; this refuses to run beside it). Files of a dataset under a legal hold are kept
    /// and listed.
    Run {
        /// Run as if today were this day (YYYY-MM-DD), to enforce or rehearse a date ahead.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Only list what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the files due for deletion within the next days, and any overdue.
    Upcoming {
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

pub(crate) async fn run(command: RetentionCommand, config: &Config) -> anyhow::Result<ExitCode> {
    super::existing_installation(config)?;
    let tessera = super::open(config).await?;
    let today = OffsetDateTime::now_utc().date();
    match command {
        RetentionCommand::Run { as_of, dry_run } => {
            let as_of = match as_of {
                Some(text) => parse_date(&text).with_context(|| format!("--as-of '{text}' is not a date (YYYY-MM-DD)"))?,
                None => today,
            };
            if dry_run {
                print_due(&tessera.files_due(as_of).await?, "would delete");
            } else {
                let _lock = super::lock_installation(config)?;
                let run = tessera.enforce_retention(as_of).await?;
                print_due(&run.deleted, "deleted");
                print_due(&run.held, "held");
                print_due(&run.review, "review");
                for (due, error) in &run.failed {
                    println!("FAILED record {}: {error}", due.record);
                }
                println!(
                    "as of {as_of}: deleted files of {} records; {} held, {} for review, {} failed",
                    run.deleted.len(),
                    run.held.len(),
                    run.review.len(),
                    run.failed.len()
                );
                tessera.catalog().close().await;
                return Ok(if run.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
            }
        }
        RetentionCommand::Upcoming { days } => print_due(&tessera.files_due(today + time::Duration::days(days.max(0))).await?, "due"),
    }
    tessera.catalog().close().await;
    Ok(ExitCode::SUCCESS)
}

/// One line a record: `due 2031-06-30 record 12 (3 files, schedule:2): Title`.
fn print_due(due: &[DueFiles], what: &str) {
    for d in due {
        let held = if d.held { ", held" } else { "" };
        println!("{what} {} record {} ({}, {}{held}): {}", d.on, d.record, super::files(d.keys.len()), d.basis, d.title);
    }
}
