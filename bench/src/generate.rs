//! Realistic generated records: varied creators, affiliations, subjects, languages, years and
//! titles in several scripts, written as published records into a catalogue.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;
use tessera_app::domain::{Access, Metadata, ParentId, RecordId, UserId};
use tessera_app::{RecordDoc, Tessera, TesseraConfig};
use tessera_catalog::{Catalog, Published, RecordFiles, RecordRow};

pub(crate) const TOPICS: &[&str] = &[
    "river",
    "temperature",
    "soil",
    "carbon",
    "survey",
    "genome",
    "archive",
    "letters",
    "census",
    "coral",
    "glacier",
    "traffic",
    "speech",
    "manuscript",
    "pollen",
    "seismic",
    "migration",
    "harvest",
    "lichen",
    "estuary",
];
const KINDS: &[&str] = &["measurements", "observations", "transcriptions", "images", "interviews", "samples", "records", "maps"];
pub(crate) const PLACES: &[&str] = &["Cardiff", "Aberystwyth", "Bangor", "Swansea", "Edinburgh", "Leeds", "Bristol", "Norwich"];
const NON_LATIN: &[&str] =
    &["河流温度观测", "Наблюдения за рекой", "ρέμα θερμοκρασία", "نهر درجة الحرارة", "川の水温の記録", "नदी का तापमान"];
const FAMILY: &[&str] = &[
    "Jones",
    "Williams",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Hughes",
    "Lewis",
    "Morgan",
    "Griffiths",
    "Zhang",
    "Ivanova",
    "Okafor",
    "Nakamura",
    "García",
];
const GIVEN: &[&str] =
    &["Ada", "Bryn", "Carys", "Dylan", "Eira", "Gareth", "Nia", "Owain", "Siân", "Tomos", "Wei", "Olga", "Chidi", "Yuki", "Lucía"];
const AFFILIATIONS: &[&str] = &[
    "Cardiff University",
    "Bangor University",
    "Swansea University",
    "National Library of Wales",
    "Aberystwyth University",
    "Velindre NHS Trust",
    "Amgueddfa Cymru",
];
pub(crate) const SUBJECTS: &[&str] =
    &["Hydrology", "Ecology", "History", "Linguistics", "Genomics", "Climate", "Archaeology", "Public health", "Geology", "Oceanography"];
pub(crate) const LANGUAGES: &[&str] = &["eng", "cym", "fra", "deu", "zho", "rus", "jpn", "ara"];
pub(crate) const TYPES: &[&str] = &["dataset", "dataset", "dataset", "image", "software", "publication-article", "audio", "video"];
pub(crate) const LICENCES: &[&str] = &["cc-by-4.0", "cc0-1.0", "cc-by-sa-4.0", "mit", "odbl-1.0"];

pub(crate) fn metadata(rng: &mut impl Rng, n: usize) -> Metadata {
    let title = if n.is_multiple_of(10) {
        format!("{} {}", NON_LATIN.choose(rng).unwrap_or(&""), n)
    } else {
        format!(
            "{} {} from {} ({n})",
            capitalise(TOPICS.choose(rng).unwrap_or(&"")),
            KINDS.choose(rng).unwrap_or(&""),
            PLACES.choose(rng).unwrap_or(&"")
        )
    };
    let creators: Vec<_> = (0..rng.gen_range(1..5))
        .map(|_| {
            json!({"person_or_org": {"type": "personal", "family_name": FAMILY.choose(rng), "given_name": GIVEN.choose(rng)},
                   "affiliations": [{"name": AFFILIATIONS.choose(rng)}]})
        })
        .collect();
    let mut md: Metadata = serde_json::from_value(json!({
        "resource_type": {"id": TYPES.choose(rng)},
        "title": title,
        "publication_date": format!("{}-{:02}-{:02}", rng.gen_range(1995..2027), rng.gen_range(1..13), rng.gen_range(1..29)),
        "description": format!("{} {} of {} collected near {}.", capitalise(KINDS.choose(rng).unwrap_or(&"")), TOPICS.choose(rng).unwrap_or(&""), TOPICS.choose(rng).unwrap_or(&""), PLACES.choose(rng).unwrap_or(&"")),
        "creators": creators,
        "subjects": [{"subject": SUBJECTS.choose(rng)}, {"subject": SUBJECTS.choose(rng)}],
        "languages": [{"id": LANGUAGES.choose(rng)}],
        "rights": [{"id": LICENCES.choose(rng)}],
        "publisher": "Tessera",
    }))
    .expect("generated metadata has the right shape");
    let _ = tessera_app::domain::validate::check_metadata(&mut md);
    md
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

pub(crate) async fn generate(data_dir: &Path, records: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let catalog = Catalog::connect(&format!("sqlite:{}", data_dir.join("catalog.db").display())).await?;
    let owner = match catalog.user_by_email("bench@example.org").await? {
        Some(user) => user.id,
        None => catalog.create_user("bench@example.org", None, false, "2026-01-01T00:00:00Z", |_| vec![]).await?.id,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let started = Instant::now();
    // Every id at once: taking two from the sequence for each record was two more write
    // transactions a record, two thirds of the time.
    let first = catalog.next_id().await?;
    catalog.reserve_ids_through(first + 2 * records as i64).await?;
    // A thousand records a transaction, as a rebuild writes them.
    const AT_ONCE: usize = 1000;
    for start in (0..records).step_by(AT_ONCE) {
        let mut rows = Vec::with_capacity(AT_ONCE);
        for n in start..records.min(start + AT_ONCE) {
            let (parent, id) = (first + 1 + 2 * n as i64, first + 2 + 2 * n as i64);
            let stamp = format!("2026-{:02}-{:02}T10:00:00Z", 1 + n % 12, 1 + n % 28);
            rows.push(record_row(RecordId(id), ParentId(parent), Some(UserId(owner.0)), &stamp, metadata(&mut rng, n), Access::default())?);
        }
        let published: Vec<Published<'_>> =
            rows.iter().map(|record| Published { record, files: Some(RecordFiles::present(&[])), draft: None, sets: &[] }).collect();
        catalog.apply_all_published(&published, Vec::new()).await?;
    }
    eprintln!("wrote {records} catalogue records in {:.1} s", started.elapsed().as_secs_f64());
    let tessera = open(data_dir, catalog).await?;
    let started = Instant::now();
    let indexed = tessera.reindex(|_| {}).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!("reindex: {indexed} records in {seconds:.2} s = {:.0} records/s", indexed as f64 / seconds);
    Ok(())
}

/// The catalogue row of a first version published at `stamp`, as publishing would write it.
pub(crate) fn record_row(
    id: RecordId,
    parent_id: ParentId,
    owner: Option<UserId>,
    stamp: &str,
    metadata: Metadata,
    access: Access,
) -> anyhow::Result<RecordRow> {
    let doc = RecordDoc {
        id,
        parent_id,
        version_index: 1,
        owner,
        organization: None,
        created: stamp.to_string(),
        updated: stamp.to_string(),
        metadata,
        access,
        files: Default::default(),
        deletions: Vec::new(),
        pids: Default::default(),
        communities: Vec::new(),
    };
    Ok(doc.catalogue_row(1)?)
}

/// Tessera over a bench catalogue, with its other parts beside it in `data_dir`.
pub(crate) async fn open(data_dir: &Path, catalog: Catalog) -> anyhow::Result<Tessera> {
    let config = TesseraConfig::in_folder(data_dir);
    let store = tessera_storage::LocalStore::new(data_dir.join("ocfl"))?;
    Ok(Tessera::open(catalog, Arc::new(store), config).await?)
}
