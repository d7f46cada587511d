//! `tessera rebuild` and `tessera verify`.

use std::process::ExitCode;

use crate::config::Config;

pub(crate) async fn rebuild(config: &Config) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn verify(config: &Config) -> anyhow::Result<ExitCode> {
    let tessera = super::open(config).await?;
    let bar = super::progress_bar(0, "{spinner} verifying [{bar:40}] {pos}/{len} objects ({elapsed})");
    let report = tessera
        .verify(|done, total, _| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    let (mut files, mut bytes, mut errors, mut warnings) = (0, 0, 0, 0);
    for (root, object) in &report.objects {
        files += object.files_checked;
        bytes += object.bytes_checked;
        for finding in &object.findings {
            let error = finding.severity == tessera_ocfl::validate::Severity::Error;
            if error {
                errors += 1;
            } else {
                warnings += 1;
            }
            println!("{} {} {root}: {}", if error { "ERROR" } else { "warning" }, finding.code, finding.message);
        }
    }
    println!("checked {} objects, {files} files, {bytes} bytes: {errors} errors, {warnings} warnings", report.objects.len());
    tessera.catalog().close().await;
    Ok(if report.is_valid() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
