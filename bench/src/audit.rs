//! The audit trail at scale: append N entries in batches, checkpoint, then verify the chain.

use std::path::Path;
use std::time::Instant;

use tessera_app::domain::audit::AuditEntry;
use tessera_catalog::Catalog;

/// Entries per transaction while filling: what a busy server's many small appends add up to.
const BATCH: usize = 1000;

pub(crate) async fn audit(data_dir: &Path, entries: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let catalog = Catalog::connect(&format!("sqlite:{}", data_dir.join("catalog.db").display())).await?;
    let started = Instant::now();
    let mut written = 0;
    while written < entries {
        let batch = (written..entries.min(written + BATCH))
            .map(|n| AuditEntry {
                at: format!("2026-11-22T{:02}:{:02}:{:02}Z", n / 3_600_000 % 24, n / 60_000 % 60, n / 1000 % 60),
                actor: Some((n % 5000) as i64),
                action: if n % 3 == 0 { "read-files" } else { "read-metadata" }.into(),
                dataset: Some((n % 20_000) as i64),
                target: format!("file 'data-{n}.csv' of record {}", n % 20_000),
                outcome: if n % 7 == 0 { "refused" } else { "allowed" }.into(),
                detail: format!(r#"{{"reason":"active grant","data_class":"restricted","grant":"active","link":null,"n":{n}}}"#),
                ..AuditEntry::default()
            })
            .collect();
        written += catalog.append_audit(batch).await?.len();
        if written % 1_000_000 == 0 {
            eprintln!("{written} entries, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("append: {written} entries in {seconds:.1} s = {:.0} entries/s (batches of {BATCH})", written as f64 / seconds);

    let tessera = crate::generate::open(data_dir, catalog).await?;
    tessera.checkpoint_audit().await?;
    let started = Instant::now();
    let report = tessera.verify_audit(|_, _| {}).await?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.problem.is_none(), "the chain is broken: {:?}", report.problem);
    println!("verify: {} entries in {seconds:.1} s = {:.0} entries/s", report.entries, report.entries as f64 / seconds);
    // What has not yet been moved from the write-ahead log into the database counts too.
    let size: u64 = ["catalog.db", "catalog.db-wal"].iter().filter_map(|f| std::fs::metadata(data_dir.join(f)).ok()).map(|m| m.len()).sum();
    println!("catalogue size: {:.2} GB ({:.0} bytes an entry)", size as f64 / 1e9, size as f64 / written as f64);
    Ok(())
}
