//! `tessera rebuild` and `tessera verify`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::HumanBytes;
use tessera_app::VerifyReport;
use tessera_app::domain::authz::Subject;

use crate::config::Config;

pub(crate) async fn rebuild(config: &Config) -> anyhow::Result<ExitCode> {
    super::existing_storage(config)?;
    let _lock = super::lock_installation(config)?;
    let tessera = super::open(config).await?;
    let bar = super::progress_bar(0, "{spinner} rebuilding [{bar:40}] {pos}/{len} objects ({elapsed})");
    let report = tessera
        .rebuild(|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    println!("rebuilt {} records from {} OCFL objects", report.records, report.objects);
    tessera.catalog().close().await;
    if report.damaged.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for damaged in &report.damaged {
        eprintln!("left out {}: {}", damaged.root, damaged.reason);
    }
    let (what, their) = match report.damaged.len() {
        1 => ("1 damaged OCFL object was".to_string(), "its"),
        n => (format!("{n} damaged OCFL objects were"), "their"),
    };
    eprintln!(
        "{what} left out, and {their} records are missing from the catalogue. `tessera verify` says what is wrong; restore the objects from a replica or backup, then run `tessera rebuild` again."
    );
    Ok(ExitCode::FAILURE)
}

/// Rebuilds the index here when the installation is free; beside a running server, which owns
/// the index, asks it to.
pub(crate) async fn reindex(config: &Config) -> anyhow::Result<ExitCode> {
    super::existing_installation(config)?;
    let lock = super::try_lock_installation(config)?;
    let tessera = super::open(config).await?;
    if lock.is_none() {
        let state = tessera.request_reindex(&Subject::operator()).await?;
        eprintln!(
            "Another Tessera process holds this installation, so the rebuild is left to the server: it runs it with its next jobs, and answers from the current index ({} documents) until the new one is complete.",
            state.documents
        );
        tessera.catalog().close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let bar = super::progress_bar(0, "{spinner} indexing {pos} records ({per_sec}, {elapsed})");
    let count = tessera.reindex(|done| bar.set_position(done as u64)).await?;
    bar.finish_and_clear();
    println!("indexed {count} records");
    tessera.catalog().close().await;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn verify(config: &Config) -> anyhow::Result<ExitCode> {
    // Listened for from the start, so that Ctrl-C at any moment gives the totals so far.
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    super::existing_storage(config)?;
    let tessera = super::open(config).await?;
    let bar = super::progress_bar(0, "{spinner} verifying [{bar:40}] {pos}/{len} objects, {msg} ({elapsed})");
    // Bytes hashed, shown as they go, so one large object does not look stuck.
    let hashed = Arc::new(AtomicU64::new(0));
    let ticker = tokio::spawn({
        let (bar, hashed) = (bar.clone(), hashed.clone());
        async move {
            loop {
                let bytes = hashed.load(Ordering::Relaxed);
                let rate = bytes as f64 / bar.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!("{} hashed, {}/s", HumanBytes(bytes), HumanBytes(rate as u64)));
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    });
    let (mut so_far, mut all) = (VerifyReport::default(), None);
    let checked = {
        let found = |total: usize| {
            all = Some(total);
            bar.set_length(total as u64);
        };
        let checking = tessera.verify(&hashed, found, |root, object, done, _| {
            for finding in &object.findings {
                let error = finding.severity == tessera_ocfl::validate::Severity::Error;
                let kind = if error { "ERROR" } else { "warning" };
                // Printed as each object is checked, with the bar out of the way.
                bar.suspend(|| println!("{kind} {} {root}: {}", finding.code, finding.message));
            }
            so_far.add(object);
            bar.set_position(done as u64);
        });
        tokio::select! {
            report = checking => Some(report),
            _ = interrupt.recv() => None,
        }
    };
    ticker.abort();
    bar.finish_and_clear();
    let Some(report) = checked.transpose()? else {
        println!("interrupted: {}", totals(&so_far, all));
        return Ok(ExitCode::from(130));
    };
    println!("{}", totals(&report, None));
    tessera.catalog().close().await;
    Ok(if report.is_valid() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// What was checked, and of how many objects when the check stopped short.
fn totals(report: &VerifyReport, of: Option<usize>) -> String {
    let VerifyReport { objects, files, bytes, errors, warnings } = report;
    let of = of.map_or_else(String::new, |all| format!(" of {all}"));
    format!("checked {objects}{of} objects, {files} files, {bytes} bytes: {errors} errors, {warnings} warnings")
}
