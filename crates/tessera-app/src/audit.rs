//! The tamper-evident audit trail: what happened is appended to a hash chain in the
//! catalogue, and the chain's head is copied now and then into the storage root, so that even
//! someone who can edit the database cannot rewrite, remove or reorder entries, nor cut off
//! the newest ones, without `verify_audit` saying where.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use tessera_domain::audit::{AuditEntry, ChainBreak, ChainWalk, Period};
use tessera_domain::authz::{Action, Subject};
use tessera_domain::{OrgId, ParentId, RecordId, UserId};

use crate::drafts::from_json;
use crate::tessera::now;
use crate::{Error, Result, Tessera};

/// Entries per page of an audit view.
pub const AUDIT_PAGE: i64 = 1000;
/// Where checkpoints live: a local extension folder of the OCFL storage root.
const CHECKPOINTS: &str = "extensions/tessera-audit/checkpoints";
/// Entries read per query while walking the chain.
const PAGE: i64 = 10_000;

/// A page of audit entries as a person reads them.
#[derive(Clone, Debug, Default)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Whether entries follow this page.
    pub more: bool,
    /// The email of each user who acted, by id.
    pub actors: BTreeMap<i64, String>,
}

/// One thing that happened, before the chain numbers it.
pub(crate) struct Event {
    pub(crate) action: String,
    pub(crate) actor: Option<UserId>,
    pub(crate) dataset: Option<ParentId>,
    pub(crate) target: String,
    pub(crate) outcome: &'static str,
    /// The detail as JSON, serialised once it is given; empty when there is none.
    pub(crate) detail: String,
}

impl Event {
    pub(crate) fn new(action: impl Into<String>, actor: Option<UserId>, target: impl Into<String>) -> Self {
        Self { action: action.into(), actor, dataset: None, target: target.into(), outcome: "done", detail: String::new() }
    }

    pub(crate) fn dataset(mut self, dataset: ParentId) -> Self {
        self.dataset = Some(dataset);
        self
    }

    pub(crate) fn outcome(mut self, outcome: &'static str) -> Self {
        self.outcome = outcome;
        self
    }

    /// The event's detail, serialised at once: a deletion's lists 100,000 files, which as a
    /// `serde_json::Value` would take ten times the memory of their JSON.
    pub(crate) fn detail(mut self, detail: impl Serialize) -> Self {
        self.detail =
            serde_json::to_string(&detail).unwrap_or_else(|err| serde_json::json!({"unserialisable_detail": err.to_string()}).to_string());
        self
    }
}

/// The chain's head as copied into storage at some moment, signed when the installation has
/// an Ed25519 key for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    /// The signer's Ed25519 public key and the signature of `signed_text`, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Checkpoint {
    /// What a signature covers: every field but the signature itself.
    fn signed_text(&self) -> String {
        format!("tessera audit checkpoint\n{}\n{}\n{}\n", self.seq, self.hash, self.at)
    }

    /// Whether the signature (if any) is the public key's signature of this checkpoint.
    fn signature_holds(&self) -> bool {
        let decode = |text: &Option<String>| text.as_deref().and_then(|t| BASE64.decode(t).ok());
        match (decode(&self.public_key), decode(&self.signature)) {
            (Some(key), Some(signature)) => UnparsedPublicKey::new(&ED25519, key).verify(self.signed_text().as_bytes(), &signature).is_ok(),
            _ => self.signature.is_none(),
        }
    }
}

/// Makes a new Ed25519 signing key: its PKCS#8 document, base64, for a key file, and its
/// public key, base64, to publish.
pub fn new_signing_key() -> Result<(String, String)> {
    let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| Error::Corrupt("no randomness for a key".into()))?;
    let text = BASE64.encode(document.as_ref());
    let pair = signing_key(&text)?;
    Ok((text, BASE64.encode(pair.public_key().as_ref())))
}

/// The key pair in a key file's text, or why it is not one.
pub(crate) fn signing_key(text: &str) -> Result<Ed25519KeyPair> {
    let refused = |why: String| Error::BadRequest(format!("the audit signing key is not an Ed25519 key from tessera audit keygen: {why}"));
    let pkcs8 = BASE64.decode(text.trim()).map_err(|e| refused(e.to_string()))?;
    Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|e| refused(e.to_string()))
}

/// What `verify_audit` found.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// Entries that were checked and found intact, from the first.
    pub entries: i64,
    pub checkpoints: usize,
    /// How many of the checkpoints are signed.
    pub signed: usize,
    /// The first problem, if any.
    pub problem: Option<String>,
}

impl Tessera {
    /// Appends an event to the audit trail, and to the log.
    pub(crate) async fn audit(&self, event: Event) -> Result<()> {
        self.catalog.append_audit(vec![self.entry(event)]).await?;
        Ok(())
    }

    /// An event as an entry for the catalogue to chain, in the same transaction as the change
    /// it records; the catalogue logs it once that commits.
    pub(crate) fn entry(&self, event: Event) -> AuditEntry {
        let detail = if event.detail.is_empty() || event.detail == "null" { "{}".to_string() } else { event.detail };
        AuditEntry {
            at: now(),
            actor: event.actor.map(|u| u.0),
            action: event.action,
            dataset: event.dataset.map(|d| d.0),
            target: event.target,
            outcome: event.outcome.into(),
            detail,
            ..AuditEntry::default()
        }
    }

    /// Copies the chain's head into the storage root, unless the last checkpoint has it already.
    pub async fn checkpoint_audit(&self) -> Result<Option<Checkpoint>> {
        let (seq, hash) = self.catalog.audit_head().await?;
        // A checkpoint is named by its entry number, so one look says whether it exists.
        let key = format!("{CHECKPOINTS}/{seq:020}.json");
        if seq == 0 || self.ocfl.store().size(&key).await?.is_some() {
            return Ok(None);
        }
        let mut checkpoint = Checkpoint { seq, hash, at: now(), public_key: None, signature: None };
        if let Some(key) = &self.signing_key {
            checkpoint.signature = Some(BASE64.encode(key.sign(checkpoint.signed_text().as_bytes()).as_ref()));
            checkpoint.public_key = Some(BASE64.encode(key.public_key().as_ref()));
        }
        let bytes = serde_json::to_vec_pretty(&checkpoint).map_err(|e| Error::Corrupt(e.to_string()))?;
        self.ocfl.store().put_bytes(&key, bytes.into()).await?;
        Ok(Some(checkpoint))
    }

    /// Every checkpoint in storage, oldest first.
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let mut checkpoints = Vec::new();
        for key in self.ocfl.store().list(CHECKPOINTS).await? {
            let bytes = self.ocfl.store().get_bytes(&key).await?;
            checkpoints.push(serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt(format!("the audit checkpoint {key}: {e}")))?);
        }
        checkpoints.sort_by_key(|c: &Checkpoint| c.seq);
        Ok(checkpoints)
    }

    /// Walks the whole chain from the first entry, then holds it against every checkpoint in
    /// storage: an entry changed, removed, inserted or moved, or entries cut off the end, are
    /// reported with the first entry where it shows. `progress` hears the entries checked.
    pub async fn verify_audit(&self, mut progress: impl FnMut(i64, i64)) -> Result<AuditReport> {
        let (head, _) = self.catalog.audit_head().await?;
        let checkpoints = self.checkpoints().await?;
        let signed = checkpoints.iter().filter(|c| c.signature.is_some()).count();
        let mut report = AuditReport { entries: 0, checkpoints: checkpoints.len(), signed, problem: None };
        if let Some(problem) = self.checkpoint_problem(&checkpoints) {
            report.problem = Some(problem);
            return Ok(report);
        }
        let mut walk = ChainWalk::default();
        let mut pending = checkpoints.iter().peekable();
        'pages: loop {
            let page = self.catalog.audit_entries(walk.seq, PAGE).await?;
            if page.is_empty() {
                break;
            }
            for entry in &page {
                if let Err(broken) = walk.next(entry) {
                    report.problem = Some(broken.to_string());
                    break 'pages;
                }
                while let Some(checkpoint) = pending.next_if(|c| c.seq <= walk.seq) {
                    if checkpoint.seq == walk.seq && checkpoint.hash != walk.hash {
                        report.problem = Some(ChainBreak::Altered { seq: walk.seq }.to_string() + " (it differs from the checkpoint)");
                        break 'pages;
                    }
                }
            }
            report.entries = walk.seq;
            progress(walk.seq, head.max(walk.seq));
        }
        if report.problem.is_none()
            && let Some(last) = checkpoints.last().filter(|c| c.seq > walk.seq)
        {
            report.problem = Some(format!(
                "the trail ends at entry {}, but a checkpoint made at {} records entry {}: entries {} to {} were removed",
                walk.seq,
                last.at,
                last.seq,
                walk.seq + 1,
                last.seq
            ));
        }
        Ok(report)
    }

    /// What is wrong with the checkpoints themselves: a signature that does not hold, one made
    /// with another key than this installation's, or an unsigned checkpoint after signed ones.
    fn checkpoint_problem(&self, checkpoints: &[Checkpoint]) -> Option<String> {
        let ours = self.signing_key.as_ref().map(|key| BASE64.encode(key.public_key().as_ref()));
        let mut signed_before = false;
        for checkpoint in checkpoints {
            let (seq, at) = (checkpoint.seq, &checkpoint.at);
            if !checkpoint.signature_holds() {
                return Some(format!("the checkpoint of entry {seq} (made at {at}) does not match its signature: it was altered"));
            }
            if let (Some(ours), Some(theirs)) = (&ours, &checkpoint.public_key)
                && ours != theirs
            {
                return Some(format!("the checkpoint of entry {seq} (made at {at}) is signed with another key than this installation's"));
            }
            if ours.is_some() && signed_before && checkpoint.signature.is_none() {
                return Some(format!("the checkpoint of entry {seq} (made at {at}) is unsigned, though earlier ones are signed"));
            }
            signed_before |= checkpoint.signature.is_some();
        }
        None
    }

    /// The first and last entry numbers written in a period (`from` inclusive, `until`
    /// exclusive, RFC 3339).
    pub async fn audit_period(&self, from: &str, until: &str) -> Result<Option<(i64, i64)>> {
        Ok(self.catalog.audit_seq_range(from, until).await?)
    }

    /// The entries numbered `from` to `to` (inclusive), for export; each carries the hash of
    /// the one before, so an export can be checked on its own.
    pub async fn audit_range(&self, from: i64, to: i64, mut each: impl FnMut(&AuditEntry) -> Result<()>) -> Result<i64> {
        let mut after = from.max(1) - 1;
        let mut count = 0;
        while after < to {
            let page = self.catalog.audit_entries(after, PAGE.min(to - after)).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for entry in &page {
                each(entry)?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Who did what to the dataset of record `id` in a period, a page of entries numbered
    /// above `after`: for its stewards, its organization's administrators and auditors, and
    /// platform administrators. Reading it is itself an entry.
    pub async fn dataset_audit(&self, subject: &Subject, id: RecordId, period: &Period, after: i64) -> Result<Vec<AuditEntry>> {
        let row = self.published_row(id).await?;
        let facts = self.record_facts(subject, &from_json(&row.doc)?, None).await?;
        self.authorize(subject, Action::ReadAudit, &facts, &format!("audit trail of record {id}")).await?;
        Ok(self.catalog.audit_of_dataset(row.parent_id, &period.from, &period.until, after, AUDIT_PAGE).await?)
    }

    /// A page of the trail of record `id`'s dataset for reading: up to `limit` entries numbered
    /// above `after`, whether more follow, and who acted in them.
    pub async fn dataset_audit_page(
        &self,
        subject: &Subject,
        id: RecordId,
        period: &Period,
        after: i64,
        limit: usize,
    ) -> Result<AuditPage> {
        let row = self.published_row(id).await?;
        let facts = self.record_facts(subject, &from_json(&row.doc)?, None).await?;
        self.authorize(subject, Action::ReadAudit, &facts, &format!("audit trail of record {id}")).await?;
        let entries = self.catalog.audit_of_dataset(row.parent_id, &period.from, &period.until, after, limit as i64 + 1).await?;
        self.audit_page(entries, limit).await
    }

    /// The caller's own doings in a period: their downloads, requests, refusals and sign-ins.
    pub async fn own_audit(&self, subject: &Subject, period: &Period, after: i64) -> Result<Vec<AuditEntry>> {
        let user = subject.user.ok_or(Error::Unauthenticated)?;
        Ok(self.catalog.audit_of_actor(user, &period.from, &period.until, after, AUDIT_PAGE).await?)
    }

    /// Every entry about an organization's datasets, or about the organization itself, in a
    /// period, in time order, for its administrators, auditors and stewards; returns how many
    /// there were.
    pub async fn organization_audit(
        &self,
        subject: &Subject,
        org: &OrgId,
        period: &Period,
        mut each: impl FnMut(&AuditEntry) -> Result<()>,
    ) -> Result<usize> {
        self.authorize_org(subject, org, Action::ReadAudit, &format!("audit trail of {org}")).await?;
        let (mut after, mut count): (Option<(String, i64)>, usize) = (None, 0);
        loop {
            let from = after.as_ref().map(|(at, seq)| (at.as_str(), *seq));
            let page = self.organization_entries(org, period, from, AUDIT_PAGE).await?;
            let Some(last) = page.last() else { return Ok(count) };
            after = Some((last.at.clone(), last.seq));
            count += page.len();
            for entry in &page {
                each(entry)?;
            }
        }
    }

    async fn organization_entries(&self, org: &OrgId, period: &Period, after: Option<(&str, i64)>, limit: i64) -> Result<Vec<AuditEntry>> {
        // Entries about the organization itself name it so: roles given, partners trusted.
        let target = format!("organization {org}");
        Ok(self.catalog.audit_of_org(org, &target, (&period.from, &period.until), after, limit).await?)
    }

    /// A page of an organization's audit trail for reading, in time order: up to `limit`
    /// entries after the one written at `after.0` numbered `after.1`, whether more follow, and
    /// the email of each person who acted in them.
    pub async fn organization_audit_page(
        &self,
        subject: &Subject,
        org: &OrgId,
        period: &Period,
        after: Option<(&str, i64)>,
        limit: usize,
    ) -> Result<AuditPage> {
        self.authorize_org(subject, org, Action::ReadAudit, &format!("audit trail of {org}")).await?;
        let entries = self.organization_entries(org, period, after, limit as i64 + 1).await?;
        self.audit_page(entries, limit).await
    }

    /// Entries read one more than a page's `limit`, as a page: the first `limit`, whether
    /// more follow, and the email of each person who acted in them.
    async fn audit_page(&self, mut entries: Vec<AuditEntry>, limit: usize) -> Result<AuditPage> {
        let more = entries.len() > limit;
        entries.truncate(limit);
        let mut actors = BTreeMap::new();
        for actor in entries.iter().filter_map(|e| e.actor) {
            if let std::collections::btree_map::Entry::Vacant(slot) = actors.entry(actor) {
                slot.insert(self.catalog.user(UserId(actor)).await?.map(|u| u.email).unwrap_or_else(|| format!("user {actor}")));
            }
        }
        Ok(AuditPage { entries, more, actors })
    }
}
