//! The OAI-PMH feed as harvesters see it: which sets a record is in, and each item as anyone
//! may read it (whole, as its metadata-only stub, or deleted while taken down).

use tessera_catalog::{OaiItemRow, OaiRange};
use tessera_domain::RecordId;
use tessera_domain::authz::{self, Action, Subject};

use crate::drafts::{facts_of_record, from_json};
use crate::model::{RecordDoc, stub_metadata};
use crate::{Result, Tessera};

/// Records by organization: `org` and `org:{id}`.
pub const ORGANIZATION_SETS: &str = "org";
/// Records by resource type, nested as InvenioRDM's ids are: `type:image`, `type:image:photo`.
pub const TYPE_SETS: &str = "type";
/// Records by community: `community` and `community:{id}`.
pub const COMMUNITY_SETS: &str = "community";

/// A record version as harvesters see it.
#[derive(Clone, Debug, PartialEq)]
pub struct OaiItem {
    pub id: RecordId,
    pub datestamp: String,
    pub sets: Vec<String>,
    /// What anyone may read of it; `None` when it is deleted (taken down).
    pub record: Option<RecordDoc>,
    /// Its number in the feed, to resume a harvest after it.
    pub seq: i64,
}

/// The sets a record version is in: its organization's, its communities' and its resource
/// type's, each with the sets above it.
pub(crate) fn sets_of(doc: &RecordDoc) -> Vec<String> {
    let mut sets = Vec::new();
    if let Some(org) = &doc.organization {
        sets.extend([ORGANIZATION_SETS.to_string(), format!("{ORGANIZATION_SETS}:{}", org.as_str())]);
    }
    if !doc.communities.is_empty() {
        sets.push(COMMUNITY_SETS.to_string());
        sets.extend(doc.communities.iter().map(|id| format!("{COMMUNITY_SETS}:{id}")));
    }
    if let Some(kind) = &doc.metadata.resource_type {
        let mut spec = TYPE_SETS.to_string();
        sets.push(spec.clone());
        for part in kind.id.split('-').filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            spec = format!("{spec}:{part}");
            sets.push(spec.clone());
        }
    }
    sets
}

impl Tessera {
    /// Up to `limit` items of a harvest's range, after the item numbered `after`.
    pub async fn oai_items(&self, range: &OaiRange, after: Option<i64>, limit: i64) -> Result<Vec<OaiItem>> {
        self.catalog.oai_items(range, after, limit).await?.into_iter().map(harvested).collect()
    }

    /// How many items a harvest's range holds now.
    pub async fn oai_count(&self, range: &OaiRange) -> Result<i64> {
        Ok(self.catalog.oai_count(range).await?)
    }

    pub async fn oai_item(&self, id: RecordId) -> Result<Option<OaiItem>> {
        self.catalog.oai_item(id).await?.map(harvested).transpose()
    }

    /// Every set with records in it, and its name.
    pub async fn oai_sets(&self) -> Result<Vec<(String, String)>> {
        let organizations = self.catalog.organizations().await?;
        let communities = self.catalog.communities().await?;
        let sets = self.catalog.oai_sets().await?;
        Ok(sets
            .into_iter()
            .map(|spec| {
                let name = match spec.split_once(':') {
                    None if spec == ORGANIZATION_SETS => "Records by member institution".to_string(),
                    None if spec == TYPE_SETS => "Records by resource type".to_string(),
                    None if spec == COMMUNITY_SETS => "Records by community".to_string(),
                    Some((COMMUNITY_SETS, id)) => {
                        communities.iter().find(|c| c.id == id).map_or_else(|| id.to_string(), |c| c.title.clone())
                    }
                    Some((ORGANIZATION_SETS, org)) => {
                        organizations.iter().find(|o| o.id.as_str() == org).map_or_else(|| org.to_string(), |o| o.name.clone())
                    }
                    Some((TYPE_SETS, kind)) => {
                        let id = kind.replace(':', "-");
                        tessera_domain::vocab::resource_type_title(&id).map_or(id.clone(), str::to_string)
                    }
                    _ => spec.clone(),
                };
                (spec, name)
            })
            .collect())
    }

    /// The datestamp of the item that changed longest ago, if any.
    pub async fn oai_earliest(&self) -> Result<Option<String>> {
        Ok(self.catalog.oai_earliest().await?)
    }

    /// Adds to the feed every record it lacks (those published before it existed, or
    /// restored by a rebuild); returns how many.
    pub(crate) async fn fill_oai_feed(&self) -> Result<usize> {
        let mut added = 0;
        loop {
            let missing = self.catalog.records_missing_from_oai(500).await?;
            if missing.is_empty() {
                return Ok(added);
            }
            for row in &missing {
                let doc: RecordDoc = from_json(&row.doc)?;
                self.catalog.touch_oai(row.id, &sets_of(&doc), &row.updated).await?;
            }
            added += missing.len();
        }
    }
}

/// What an anonymous reader may see of an item, decided by the one decision point.
fn harvested(row: OaiItemRow) -> Result<OaiItem> {
    let mut doc: RecordDoc = from_json(&row.doc)?;
    let facts = tessera_domain::ResourceFacts { taken_down: row.deleted, ..facts_of_record(&doc) };
    let record = if authz::authorize(&Subject::anonymous(), Action::ReadMetadata, &facts).allowed {
        Some(doc)
    } else if doc.access.metadata_stub() && !row.deleted {
        doc.metadata = stub_metadata(std::mem::take(&mut doc.metadata));
        doc.access.file_classes.clear();
        doc.deletions.clear();
        Some(doc)
    } else {
        None
    };
    Ok(OaiItem { id: row.record_id, seq: row.seq, datestamp: row.datestamp, sets: row.sets, record })
}
