//! The retention sweep's scan over a large catalogue: how long finding every due file takes.

use std::path::Path;
use std::time::Instant;

use rand::SeedableRng;
use tessera_app::domain::retention::parse_date;
use tessera_app::domain::{Access, DataClass, ParentId, RecordId, Visibility};
use tessera_catalog::{Catalog, FileRow, RecordFiles, ScheduleRow};

use crate::generate::{metadata, open, record_row};

/// Files per generated record.
const FILES: usize = 3;

pub(crate) async fn retention(data_dir: &Path, records: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let catalog = Catalog::connect(&format!("sqlite:{}", data_dir.join("catalog.db").display())).await?;
    // Restricted files are kept five years after publication, everything else twenty.
    for (class, years) in [(Some("restricted"), 5), (None, 20)] {
        let schedule = ScheduleRow {
            id: 0,
            org_id: None,
            data_class: class.map(str::to_string),
            years,
            anchor: "publication".into(),
            action: "delete-files".into(),
            note: String::new(),
            created_by: None,
            created: "2020-01-01T00:00:00Z".into(),
        };
        catalog.insert_schedule(&schedule, |_| Vec::new()).await?;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let started = Instant::now();
    for n in 0..records {
        let (parent, id) = (catalog.next_id().await?, catalog.next_id().await?);
        let stamp = format!("20{:02}-{:02}-01T10:00:00Z", 18 + n % 8, 1 + n % 12);
        // Every other record restricted: half of all files fall due in the scan below.
        let restricted = n % 2 == 0;
        let access = Access {
            files: if restricted { Visibility::Restricted } else { Visibility::Public },
            data_class: Some(if restricted { DataClass::Restricted } else { DataClass::Public }),
            ..Access::default()
        };
        let row = record_row(RecordId(id), ParentId(parent), None, &stamp, metadata(&mut rng, n), access)?;
        let files: Vec<FileRow> = (0..FILES)
            .map(|f| FileRow {
                key: format!("part-{f}.csv"),
                size: 1000,
                md5: String::new(),
                sha512: format!("{id:x}{f}").into(),
                content_key: format!("bench/{id}/{f}"),
            })
            .collect();
        catalog.apply_published(&row, Some(RecordFiles::present(&files)), None, &[], Vec::new()).await?;
    }
    eprintln!("wrote {records} records with {FILES} files each in {:.1} s", started.elapsed().as_secs_f64());
    let tessera = open(data_dir, catalog).await?;
    let as_of = parse_date("2030-01-01").expect("a date");
    let started = Instant::now();
    let due = tessera.files_due(as_of).await?;
    let seconds = started.elapsed().as_secs_f64();
    let files: usize = due.iter().map(|d| d.keys.len()).sum();
    println!(
        "retention scan: {records} records, {} due with {files} files, in {seconds:.2} s = {:.0} records/s",
        due.len(),
        records as f64 / seconds
    );
    Ok(())
}
