//! Validation of an OCFL object (OCFL 1.0 and 1.1 §3), reporting the specification's own
//! error and warning codes, and recomputing every content digest.
//!
//! Inventories are read as plain JSON here, not as `Inventory`, so that a malformed one is
//! described precisely instead of failing to parse.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{FutureExt, StreamExt, TryStreamExt};
use rayon::iter::{IntoParallelRefIterator, ParallelIterator};
use serde_json::{Map, Value};
use tessera_storage::Store;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::inventory::version_number;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing found wrong, with its code from the OCFL validation-codes list, or `LAYOUT` for
/// an object stored where the storage root's layout does not put its id (see `check_placement`),
/// for which OCFL has no code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The object's id, as its root inventory gives it.
    pub id: Option<String>,
    /// Content files whose digests were recomputed, and their bytes.
    pub files_checked: u64,
    pub bytes_checked: u64,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Error)
    }

    fn error(&mut self, code: &'static str, message: impl Into<String>) {
        self.findings.push(Finding { severity: Severity::Error, code, message: message.into() });
    }

    fn warn(&mut self, code: &'static str, message: impl Into<String>) {
        self.findings.push(Finding { severity: Severity::Warning, code, message: message.into() });
    }
}

/// How many streamed files are hashed at once: enough to keep every core busy while some wait
/// for their next chunk.
fn streams_at_once() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

/// How many objects in local folders may be checked at once: as many as there are checking
/// threads (see `checkers`).
pub fn checks_at_once() -> usize {
    checkers().map_or_else(rayon::current_num_threads, rayon::ThreadPool::current_num_threads)
}

/// The threads that check objects in local folders and hash their files: four a core. A file
/// not in the page cache keeps its thread waiting for the disk: from a cold cache, 50,000
/// small objects took 41–46 s to check with one thread a core and 16 s with four. `None` if
/// they could not be started: rayon's own threads, one a core, check instead.
fn checkers() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) * 4;
        rayon::ThreadPoolBuilder::new().num_threads(threads).thread_name(|n| format!("fixity-{n}")).build().ok()
    });
    pool.as_ref()
}

/// Validates the object whose root is `root` (a key prefix in `store`).
pub async fn validate_object(store: &dyn Store, root: &str) -> Report {
    validate_object_counting(store, root, &Arc::default()).await
}

/// As `validate_object`, adding the bytes of content to `hashed` as they are hashed, so that a
/// long check can show its progress within one large object.
///
/// An object in a local folder is checked wholly on one of the checking threads (`checkers`),
/// its files hashed across all of them: a hop to a blocking thread for each listing and
/// inventory read, and to the hashing threads for each file, cost an eighth of the CPU time of
/// a check of many small objects.
pub async fn validate_object_counting(store: &dyn Store, root: &str, hashed: &Arc<AtomicU64>) -> Report {
    let Some(folder) = store.local_path(root) else {
        return validate(Source::Store { store, root }, hashed).await;
    };
    let hashed = hashed.clone();
    let (done, report) = tokio::sync::oneshot::channel();
    let check = move || {
        // A folder's reads never wait, so one poll runs the whole check; were one ever to
        // wait, the check would say below that it stopped.
        if let Some(report) = validate(Source::Folder(&folder), &hashed).now_or_never() {
            let _ = done.send(report);
        }
    };
    match checkers() {
        Some(pool) => pool.spawn(check),
        None => rayon::spawn(check),
    }
    report.await.unwrap_or_else(|_| {
        let mut report = Report::default();
        report.error("E003", "the check of the object stopped before it finished");
        report
    })
}

/// Adds an error to `report`, the check of the object at `root` in a storage root, when the
/// storage root's layout does not put the object's id there: a copy of an object, or one moved
/// by hand, would be taken for the object its id names.
pub fn check_placement(root: &str, report: &mut Report) {
    let Some(id) = &report.id else { return };
    let expected = crate::layout::object_root(id);
    if expected != root {
        report.error("LAYOUT", format!("object '{id}' belongs at {expected} under the storage root's layout"));
    }
}

async fn validate(source: Source<'_>, hashed: &AtomicU64) -> Report {
    let mut report = Report::default();
    let relative = match source.list().await {
        Ok(files) => files,
        Err(err) => {
            report.error("E003", format!("cannot list the object: {err}"));
            return report;
        }
    };
    let Some(spec) = check_declaration(source, &relative, &mut report).await else {
        return report;
    };

    let Some(root_inv) = read_checked_inventory(source, "", &relative, &mut report).await else {
        if !relative.contains("inventory.json") {
            report.error("E063", "the object has no root inventory.json");
        }
        return report;
    };
    report.id = root_inv.json.get("id").and_then(Value::as_str).map(str::to_string);
    let Some(inv) = check_inventory(&root_inv.json, spec, "inventory.json", &mut report) else {
        return report;
    };

    check_root_entries(&relative, &inv, &mut report);
    check_versions_on_disk(source, &relative, &inv, &root_inv, hashed, &mut report).await;
    check_content(source, &relative, &inv, hashed, &mut report).await;
    report
}

/// Where an object's files are read from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// Through the store: each read awaited, each file streamed.
    Store { store: &'a dyn Store, root: &'a str },
    /// The object's local folder, read on the calling thread.
    Folder(&'a Path),
}

impl Source<'_> {
    /// The object's files, relative to its root.
    async fn list(self) -> Result<BTreeSet<String>, String> {
        match self {
            Source::Store { store, root } => {
                let prefix = format!("{root}/");
                let keys = store.list(root).await.map_err(|err| err.to_string())?;
                Ok(keys.iter().filter_map(|k| k.strip_prefix(&prefix)).map(str::to_string).collect())
            }
            Source::Folder(folder) => {
                Ok(tessera_storage::list_blocking(folder, folder).map_err(|err| err.to_string())?.into_iter().collect())
            }
        }
    }

    /// The whole of a file, named relative to the object's root.
    async fn read(self, name: &str) -> Result<Bytes, String> {
        match self {
            Source::Store { store, root } => store.get_bytes(&format!("{root}/{name}")).await.map_err(|err| err.to_string()),
            Source::Folder(folder) => std::fs::read(folder.join(name)).map(Bytes::from).map_err(|err| err.to_string()),
        }
    }

    /// The digest and size of each file (name, algorithm), in the files' order.
    async fn hash(self, files: &[(String, String)], hashed: &AtomicU64) -> Vec<Result<(String, u64), String>> {
        match self {
            Source::Store { store, root } => {
                // Finished in any order, so that one large file does not hold up the rest.
                let mut outcomes: Vec<_> = futures::stream::iter(files.iter().enumerate())
                    .map(|(n, (name, algorithm))| async move { (n, hash_stream(store, format!("{root}/{name}"), algorithm, hashed).await) })
                    .buffer_unordered(streams_at_once())
                    .collect()
                    .await;
                outcomes.sort_unstable_by_key(|(n, _)| *n);
                outcomes.into_iter().map(|(_, outcome)| outcome).collect()
            }
            // Spread over the checking threads, from the one the check runs on.
            Source::Folder(folder) => files
                .par_iter()
                .map(|(name, algorithm)| {
                    let hasher = Hasher::new(algorithm).ok_or_else(|| "unsupported algorithm".to_string())?;
                    hash_file(&folder.join(name), hasher, hashed)
                })
                .collect(),
        }
    }
}

/// The object declaration (OCFL §3.1): `0=ocfl_object_1.x` holding that same text.
async fn check_declaration(source: Source<'_>, files: &BTreeSet<String>, report: &mut Report) -> Option<&'static str> {
    let declared: Vec<&String> = files.iter().filter(|f| f.starts_with("0=")).collect();
    let [name] = declared.as_slice() else {
        report.error("E003", "the object has no single 0=ocfl_object_1.x declaration file");
        return None;
    };
    let spec = match name.as_str() {
        "0=ocfl_object_1.1" => "1.1",
        "0=ocfl_object_1.0" => "1.0",
        other => {
            report.error("E003", format!("unknown object declaration '{other}'"));
            return None;
        }
    };
    let content = source.read(name).await.unwrap_or_default();
    if content.as_ref() != format!("ocfl_object_{spec}\n").as_bytes() {
        report.error("E007", format!("the declaration file must contain 'ocfl_object_{spec}' and a newline"));
    }
    Some(spec)
}

struct RawInventory {
    json: Value,
    digest: String,
    algorithm: String,
}

/// Reads `{dir}inventory.json`, checks its sidecar (E058, E060, E061) and parses it (E033).
async fn read_checked_inventory(source: Source<'_>, dir: &str, files: &BTreeSet<String>, report: &mut Report) -> Option<RawInventory> {
    let where_ = if dir.is_empty() { "the root".to_string() } else { dir.trim_end_matches('/').to_string() };
    if !files.contains(&format!("{dir}inventory.json")) {
        return None;
    }
    let bytes = match source.read(&format!("{dir}inventory.json")).await {
        Ok(bytes) => bytes,
        Err(err) => {
            report.error("E063", format!("cannot read the inventory in {where_}: {err}"));
            return None;
        }
    };
    let json: Value = match serde_json::from_slice(&bytes) {
        Ok(json) => json,
        Err(err) => {
            report.error("E033", format!("the inventory in {where_} is not JSON: {err}"));
            return None;
        }
    };
    let algorithm = json.get("digestAlgorithm").and_then(Value::as_str).unwrap_or("sha512").to_string();
    let digest = digest_bytes(&algorithm, &bytes).unwrap_or_default();
    let sidecar_name = format!("{dir}inventory.json.{algorithm}");
    if !files.contains(&sidecar_name) {
        report.error("E058", format!("the inventory in {where_} has no sidecar inventory.json.{algorithm}"));
    } else {
        let sidecar = source.read(&sidecar_name).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&sidecar);
        let parts: Vec<&str> = text.split_whitespace().collect();
        match parts.as_slice() {
            [given, "inventory.json"] if given.bytes().all(|b| b.is_ascii_hexdigit()) => {
                if !given.eq_ignore_ascii_case(&digest) {
                    report.error("E060", format!("the inventory in {where_} does not match the digest in its sidecar"));
                }
            }
            _ => report.error("E061", format!("the sidecar in {where_} is not '<digest> inventory.json'")),
        }
    }
    Some(RawInventory { json, digest, algorithm })
}

/// What the rest of validation needs from a structurally checked inventory.
struct Checked {
    head: u32,
    content_dir: String,
    algorithm: String,
    kind: String,
    /// Content path → digest.
    manifest: BTreeMap<String, String>,
    /// Version number → logical path → digest.
    states: BTreeMap<u32, BTreeMap<String, String>>,
    /// Algorithm → content path → digest.
    fixity: Vec<(String, String, String)>,
}

fn check_inventory(json: &Value, spec: &str, name: &str, report: &mut Report) -> Option<Checked> {
    let Some(obj) = json.as_object() else {
        report.error("E033", format!("{name} is not a JSON object"));
        return None;
    };
    let field = |key: &str| obj.get(key).and_then(Value::as_str);
    let mut ok = true;
    for key in ["id", "type", "digestAlgorithm", "head"] {
        if field(key).is_none() {
            report.error("E036", format!("{name} has no string '{key}'"));
            ok = false;
        }
    }
    let kind = field("type").unwrap_or_default().to_string();
    if !kind.is_empty()
        && kind != format!("https://ocfl.io/{spec}/spec/#inventory")
        && !(spec == "1.1" && kind == "https://ocfl.io/1.0/spec/#inventory")
    {
        report.error("E038", format!("{name} has type '{kind}', which is not an OCFL {spec} inventory"));
    }
    let algorithm = field("digestAlgorithm").unwrap_or("sha512").to_string();
    match algorithm.as_str() {
        "sha512" => {}
        "sha256" => report.warn("W004", format!("{name} uses sha256; sha512 is recommended")),
        other => {
            report.error("E025", format!("{name} uses digest algorithm '{other}'; only sha512 and sha256 are allowed"));
            ok = false;
        }
    }
    if let Some(id) = field("id")
        && !id.contains(':')
    {
        report.warn("W005", format!("{name} has an id that is not a URI"));
    }
    let content_dir = match obj.get("contentDirectory") {
        None => "content".to_string(),
        Some(Value::String(dir)) if !dir.is_empty() && !dir.contains('/') && dir != "." && dir != ".." => dir.clone(),
        Some(_) => {
            report.error("E017", format!("{name} has an invalid contentDirectory"));
            "content".to_string()
        }
    };

    let manifest = check_manifest(obj.get("manifest"), name, &content_dir, report);
    let Some(versions) = obj.get("versions").and_then(Value::as_object).filter(|v| !v.is_empty()) else {
        report.error("E008", format!("{name} has no versions"));
        return None;
    };
    let (states, head) = check_version_blocks(versions, field("head"), name, &manifest, report);
    let used: HashSet<&String> = states.values().flat_map(|s| s.values()).collect();
    for digest in manifest.values().collect::<BTreeSet<_>>() {
        if !used.contains(digest) {
            report.error("E107", format!("{name} lists content {digest} that no version uses"));
        }
    }
    let fixity = check_fixity(obj.get("fixity"), name, &manifest, report);
    (ok && head > 0).then_some(Checked { head, content_dir, algorithm, kind, manifest, states, fixity })
}

/// Digest → paths, with valid, unique content paths (E041, E096, E099–E101, E015).
fn check_manifest(value: Option<&Value>, name: &str, content_dir: &str, report: &mut Report) -> BTreeMap<String, String> {
    let mut by_path = BTreeMap::new();
    let Some(manifest) = value.and_then(Value::as_object) else {
        report.error("E041", format!("{name} has no manifest object"));
        return by_path;
    };
    let mut seen_digests = HashSet::new();
    for (digest, paths) in manifest {
        if !seen_digests.insert(digest.to_ascii_lowercase()) {
            report.error("E096", format!("{name} lists digest {digest} twice"));
        }
        for path in paths.as_array().into_iter().flatten() {
            let Some(path) = path.as_str() else {
                report.error("E092", format!("{name} has a manifest path that is not a string"));
                continue;
            };
            if !valid_path(path) {
                report.error("E099", format!("{name} has an invalid content path '{path}'"));
                continue;
            }
            let mut segments = path.split('/');
            let in_version = segments.next().and_then(version_number).is_some();
            if !in_version || segments.next() != Some(content_dir) || segments.next().is_none() {
                report.error("E015", format!("content path '{path}' in {name} is not inside a version's content directory"));
            }
            if by_path.insert(path.to_string(), digest.clone()).is_some() {
                report.error("E101", format!("{name} lists content path '{path}' more than once"));
            }
        }
    }
    if let Some(conflict) = path_conflict(by_path.keys()) {
        report.error("E101", format!("{name} uses '{conflict}' as both a file and a folder"));
    }
    by_path
}

fn check_version_blocks(
    versions: &Map<String, Value>,
    head: Option<&str>,
    name: &str,
    manifest: &BTreeMap<String, String>,
    report: &mut Report,
) -> (BTreeMap<u32, BTreeMap<String, String>>, u32) {
    let digests: HashSet<&String> = manifest.values().collect();
    let mut states = BTreeMap::new();
    let mut widths = BTreeSet::new();
    for (version, block) in versions {
        let Some(number) = version_number(version) else {
            report.error("E046", format!("{name} has a version named '{version}'"));
            continue;
        };
        widths.insert(if version.starts_with("v0") { version.len() } else { 0 });
        let mut state = BTreeMap::new();
        let Some(block) = block.as_object() else {
            report.error("E047", format!("version {version} in {name} is not an object"));
            continue;
        };
        match block.get("created").and_then(Value::as_str) {
            Some(created) if valid_created(created) => {}
            _ => report
                .error("E049", format!("version {version} in {name} needs 'created' as an RFC 3339 time with seconds and a time zone")),
        }
        match block.get("message") {
            None => report.warn("W007", format!("version {version} in {name} has no message")),
            Some(Value::String(_)) => {}
            Some(_) => report.error("E094", format!("the message of version {version} in {name} is not a string")),
        }
        match block.get("user") {
            None => report.warn("W007", format!("version {version} in {name} has no user")),
            Some(Value::Object(user)) => {
                if !user.get("name").is_some_and(Value::is_string) {
                    report.error("E054", format!("the user of version {version} in {name} has no name"));
                }
                match user.get("address") {
                    None => report.warn("W008", format!("the user of version {version} in {name} has no address")),
                    Some(Value::String(address)) if !address.contains(':') => report.warn("W009", "a user address is not a URI"),
                    Some(Value::String(_)) => {}
                    Some(_) => report.error("E054", format!("the user address of version {version} in {name} is not a string")),
                }
            }
            Some(_) => report.error("E054", format!("the user of version {version} in {name} is not an object")),
        }
        match block.get("state").and_then(Value::as_object) {
            None => report.error("E048", format!("version {version} in {name} has no state object")),
            Some(entries) => {
                for (digest, paths) in entries {
                    if !digests.contains(digest) {
                        report.error("E050", format!("version {version} in {name} uses digest {digest}, which is not in the manifest"));
                    }
                    for path in paths.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        if !valid_path(path) {
                            report.error("E053", format!("version {version} in {name} has an invalid logical path '{path}'"));
                        } else if state.insert(path.to_string(), digest.clone()).is_some() {
                            report.error("E095", format!("version {version} in {name} lists logical path '{path}' twice"));
                        }
                    }
                }
                if let Some(conflict) = path_conflict(state.keys()) {
                    report.error("E095", format!("version {version} in {name} uses '{conflict}' as both a file and a folder"));
                }
            }
        }
        states.insert(number, state);
    }
    if widths.len() > 1 {
        report.error("E011", format!("{name} mixes zero-padded and unpadded version names"));
    } else if widths.iter().any(|w| *w > 0) {
        report.warn("W001", format!("{name} uses zero-padded version names"));
    }
    let highest = states.keys().max().copied().unwrap_or(0);
    if states.keys().copied().ne(1..=highest) {
        report.error("E010", format!("the versions in {name} are not v1 to v{highest} without gaps"));
    }
    let head_number = head.and_then(version_number).unwrap_or(0);
    if head_number != highest || head.is_some_and(|h| h.len() != versions.keys().max_by_key(|k| version_number(k)).map_or(0, String::len)) {
        report.error("E040", format!("the head of {name} is not its latest version v{highest}"));
    }
    (states, highest)
}

fn check_fixity(
    value: Option<&Value>,
    name: &str,
    manifest: &BTreeMap<String, String>,
    report: &mut Report,
) -> Vec<(String, String, String)> {
    let mut entries = Vec::new();
    let Some(fixity) = value else { return entries };
    let Some(fixity) = fixity.as_object() else {
        report.error("E056", format!("the fixity block of {name} is not an object"));
        return entries;
    };
    for (algorithm, digests) in fixity {
        let mut seen = HashSet::new();
        for (digest, paths) in digests.as_object().into_iter().flatten() {
            if !seen.insert(digest.to_ascii_lowercase()) {
                report.error("E097", format!("the {algorithm} fixity of {name} lists digest {digest} twice"));
            }
            for path in paths.as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !valid_path(path) || !manifest.contains_key(path) {
                    report.error("E100", format!("the fixity of {name} names '{path}', which is not a content path in the manifest"));
                } else {
                    entries.push((algorithm.clone(), path.to_string(), digest.clone()));
                }
            }
        }
    }
    entries
}

/// Only the declaration, inventories, version folders, `extensions/` and `logs/` belong in an object root (E001, E067).
fn check_root_entries(files: &BTreeSet<String>, inv: &Checked, report: &mut Report) {
    let sidecar = format!("inventory.json.{}", inv.algorithm);
    let mut reported = HashSet::new();
    for file in files {
        let (top, rest) = file.split_once('/').map_or((file.as_str(), None), |(t, r)| (t, Some(r)));
        let allowed = match (top, rest) {
            (_, None) => top.starts_with("0=") || top == "inventory.json" || top == sidecar,
            ("extensions", Some(rest)) => {
                if !rest.contains('/') {
                    report.error("E067", format!("'{file}' is a file directly in the extensions folder"));
                }
                true
            }
            ("logs", Some(_)) => true,
            (version, Some(_)) => match version_number(version) {
                Some(n) if n > inv.head => {
                    if reported.insert(top) {
                        report.error("E046", format!("folder {version} is newer than the root inventory's head"));
                    }
                    true
                }
                Some(_) => true,
                None => false,
            },
        };
        if !allowed && reported.insert(top) {
            report.error("E001", format!("'{top}' does not belong in an object root"));
        }
    }
}

/// Each version folder: its inventory agrees with the root one, and it holds nothing unexpected.
async fn check_versions_on_disk(
    source: Source<'_>,
    files: &BTreeSet<String>,
    inv: &Checked,
    root_raw: &RawInventory,
    hashed: &AtomicU64,
    report: &mut Report,
) {
    let version_names: BTreeMap<u32, String> = root_raw
        .json
        .get("versions")
        .and_then(Value::as_object)
        .map(|v| v.keys().filter_map(|k| Some((version_number(k)?, k.clone()))).collect())
        .unwrap_or_default();
    let mut previous_kind = String::new();
    for (&number, name) in &version_names {
        let dir = format!("{name}/");
        if !files.iter().any(|f| f.starts_with(&dir)) {
            if number > 0 {
                report.error("E010", format!("version folder {name} is missing"));
            }
            continue;
        }
        for file in files.iter().filter_map(|f| f.strip_prefix(&dir)) {
            let top = file.split('/').next().unwrap_or_default();
            let is_inventory = file == "inventory.json" || file.starts_with("inventory.json.");
            if !file.contains('/') && !is_inventory {
                report.error("E015", format!("'{name}/{file}' is a file outside the content folder"));
            } else if file.contains('/') && top != inv.content_dir {
                report.warn("W002", format!("'{name}/{top}' is an unexpected folder in a version folder"));
            }
        }
        let Some(raw) = read_checked_inventory(source, &dir, files, report).await else {
            report.warn("W010", format!("version folder {name} has no inventory"));
            continue;
        };
        let Some(version_inv) = check_inventory(&raw.json, "1.1", &format!("{name}/inventory.json"), report) else {
            continue;
        };
        if raw.json.get("id") != root_raw.json.get("id") {
            report.error("E037", format!("the inventory in {name} has a different id from the root inventory"));
        }
        if version_inv.head != number {
            report.error("E040", format!("the inventory in {name} says its head is v{}", version_inv.head));
        }
        if version_inv.content_dir != inv.content_dir {
            report.error("E019", format!("the inventory in {name} uses a different content directory"));
        }
        if !previous_kind.is_empty() && spec_rank(&version_inv.kind) < spec_rank(&previous_kind) {
            report.error("E103", format!("version {name} follows an older OCFL specification than the version before it"));
        }
        previous_kind = version_inv.kind.clone();
        if number == inv.head {
            if raw.digest != root_raw.digest || raw.algorithm != root_raw.algorithm {
                report.error("E064", format!("the root inventory differs from the inventory of the latest version {name}"));
            }
        } else {
            // Earlier versions must describe the same files at the same content paths (E066).
            for (v, state) in &version_inv.states {
                let resolve = |s: &BTreeMap<String, String>, m: &BTreeMap<String, String>| -> BTreeMap<String, BTreeSet<String>> {
                    let mut by_digest: HashMap<&String, BTreeSet<String>> = HashMap::new();
                    for (path, digest) in m {
                        by_digest.entry(digest).or_default().insert(path.clone());
                    }
                    s.iter().map(|(logical, digest)| (logical.clone(), by_digest.get(digest).cloned().unwrap_or_default())).collect()
                };
                let here = resolve(state, &version_inv.manifest);
                let there = inv.states.get(v).map(|s| resolve(s, &inv.manifest)).unwrap_or_default();
                let same = here.len() == there.len()
                    && here.iter().all(|(path, content)| there.get(path).is_some_and(|c| !c.is_disjoint(content)));
                if !same {
                    report.error("E066", format!("the inventory in {name} describes version v{v} differently from the root inventory"));
                }
            }
            // Content written up to this version must all be in its manifest (E023).
            for file in files {
                let mut segments = file.splitn(3, '/');
                let (Some(v), Some(dir), Some(_)) = (segments.next(), segments.next(), segments.next()) else { continue };
                if version_number(v).is_some_and(|n| n <= number) && dir == inv.content_dir && !version_inv.manifest.contains_key(file) {
                    report.error("E023", format!("'{file}' is missing from the manifest of the inventory in {name}"));
                }
            }
            if version_inv.algorithm == inv.algorithm {
                for (path, digest) in &version_inv.manifest {
                    if inv.manifest.get(path).is_some_and(|root_digest| !root_digest.eq_ignore_ascii_case(digest)) {
                        report.error("E066", format!("the inventory in {name} gives '{path}' a different digest from the root inventory"));
                    }
                }
            } else {
                // Content this inventory describes must match under its own algorithm too (E092).
                let entries: Vec<(String, String, String)> = version_inv
                    .manifest
                    .iter()
                    .map(|(path, digest)| (version_inv.algorithm.clone(), path.clone(), digest.clone()))
                    .collect();
                hash_and_compare(source, files, entries, "E092", hashed, report).await;
            }
        }
    }
}

/// Every content file is in the manifest (E023), every manifest path exists, and every digest matches (E092, E093).
async fn check_content(source: Source<'_>, files: &BTreeSet<String>, inv: &Checked, hashed: &AtomicU64, report: &mut Report) {
    for file in files {
        let mut segments = file.splitn(3, '/');
        let (Some(version), Some(dir), Some(_)) = (segments.next(), segments.next(), segments.next()) else { continue };
        if version_number(version).is_some() && dir == inv.content_dir && !inv.manifest.contains_key(file) {
            report.error("E023", format!("'{file}' is not in the manifest"));
        }
    }
    let entries = inv.manifest.iter().map(|(path, digest)| (inv.algorithm.clone(), path.clone(), digest.clone())).collect();
    hash_and_compare(source, files, entries, "E092", hashed, report).await;
    hash_and_compare(source, files, inv.fixity.clone(), "E093", hashed, report).await;
}

async fn hash_and_compare(
    source: Source<'_>,
    files: &BTreeSet<String>,
    entries: Vec<(String, String, String)>,
    code: &'static str,
    hashed: &AtomicU64,
    report: &mut Report,
) {
    let mut checks = Vec::new();
    let mut expected = Vec::new();
    for (algorithm, path, digest) in entries {
        if !files.contains(&path) {
            report.error(code, format!("content file '{path}' does not exist"));
            continue;
        }
        if digest_bytes(&algorithm, b"").is_none() {
            continue; // An algorithm this validator cannot compute, such as blake2b in fixity.
        }
        checks.push((path, algorithm));
        expected.push(digest);
    }
    let outcomes = source.hash(&checks, hashed).await;
    for (((path, _), expected), outcome) in checks.iter().zip(expected).zip(outcomes) {
        match outcome {
            Ok((digest, size)) => {
                report.files_checked += 1;
                report.bytes_checked += size;
                if !digest.eq_ignore_ascii_case(&expected) {
                    report.error(code, format!("content file '{path}' has digest {digest}, not {expected}"));
                }
            }
            Err(err) => report.error(code, format!("cannot read content file '{path}': {err}")),
        }
    }
}

async fn hash_stream(store: &dyn Store, key: String, algorithm: &str, hashed: &AtomicU64) -> Result<(String, u64), String> {
    let mut hasher = Hasher::new(algorithm).ok_or("unsupported algorithm")?;
    let mut stream = store.get_stream(&key, None).await.map_err(|e| e.to_string())?;
    let mut size = 0;
    while let Some(chunk) = stream.try_next().await.map_err(|e| e.to_string())? {
        size += chunk.len() as u64;
        hashed.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        // Hash large chunks off the async threads, so hashing uses every core.
        hasher = tokio::task::spawn_blocking(move || {
            hasher.update(&chunk);
            hasher
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    Ok((hasher.finish_hex(), size))
}

/// Reads and hashes a local file on the calling thread, through that thread's buffer.
fn hash_file(path: &std::path::Path, mut hasher: Hasher, hashed: &AtomicU64) -> Result<(String, u64), String> {
    use std::io::Read;
    thread_local! {
        // Kept for the thread's life: a fresh buffer for each of thousands of small files
        // costs the kernel zeroing new pages, about 4% of a fixity check.
        static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; HASH_BUFFER]);
    }
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    BUFFER.with_borrow_mut(|buffer| {
        let mut size = 0;
        loop {
            let read = match file.read(buffer) {
                Ok(0) => return Ok((hasher.finish_hex(), size)),
                Ok(read) => read,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err.to_string()),
            };
            hasher.update(&buffer[..read]);
            size += read as u64;
            hashed.fetch_add(read as u64, Ordering::Relaxed);
        }
    })
}

/// Large enough that reads cost little beside hashing, small enough to stay in the CPU's cache.
const HASH_BUFFER: usize = 256 * 1024;

enum Hasher {
    Sha512(tessera_storage::Sha512),
    Ring(ring::digest::Context),
    Md5(tessera_storage::Md5),
}

impl Hasher {
    fn new(algorithm: &str) -> Option<Self> {
        use ring::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY, SHA256};
        Some(match algorithm {
            "sha512" => Hasher::Sha512(tessera_storage::Sha512::default()),
            "sha256" => Hasher::Ring(Context::new(&SHA256)),
            "sha1" => Hasher::Ring(Context::new(&SHA1_FOR_LEGACY_USE_ONLY)),
            "md5" => Hasher::Md5(tessera_storage::Md5::default()),
            _ => return None,
        })
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha512(sha512) => sha512.update(bytes),
            Hasher::Ring(ctx) => ctx.update(bytes),
            Hasher::Md5(md5) => md5.update(bytes),
        }
    }

    fn finish_hex(self) -> String {
        match self {
            Hasher::Sha512(sha512) => sha512.finish_hex(),
            Hasher::Ring(ctx) => tessera_storage::hex(ctx.finish().as_ref()),
            Hasher::Md5(md5) => md5.finish_hex(),
        }
    }
}

fn digest_bytes(algorithm: &str, bytes: &[u8]) -> Option<String> {
    let mut hasher = Hasher::new(algorithm)?;
    hasher.update(bytes);
    Some(hasher.finish_hex())
}

fn spec_rank(kind: &str) -> u32 {
    if kind.contains("/1.1/") { 11 } else { 10 }
}

/// A content or logical path: relative, `/`-separated, without empty, `.` or `..` segments.
fn valid_path(path: &str) -> bool {
    !path.is_empty() && path.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// A path that is also used as a folder of another path, if any.
fn path_conflict<'a>(paths: impl Iterator<Item = &'a String>) -> Option<String> {
    let paths: BTreeSet<&String> = paths.collect();
    paths.iter().find_map(|path| {
        let mut prefix = String::new();
        for segment in path.split('/').collect::<Vec<_>>().split_last()?.1 {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(segment);
            if paths.contains(&prefix) {
                return Some(prefix);
            }
        }
        None
    })
}

fn valid_created(created: &str) -> bool {
    // RFC 3339 requires seconds and an offset; OCFL adds that both must be present.
    OffsetDateTime::parse(created, &Rfc3339).is_ok() && created.len() >= 20 && created.as_bytes().get(16) == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streamed::Streamed;
    use std::path::PathBuf;
    use tessera_storage::LocalStore;

    fn fixtures() -> PathBuf {
        let dir = std::env::var("TESSERA_FIXTURES")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"));
        assert!(
            dir.join("ocfl").is_dir(),
            "OCFL fixtures not found at {}; set TESSERA_FIXTURES to the shared fixtures folder",
            dir.display()
        );
        dir.join("ocfl")
    }

    /// Every fixture object of the OCFL community's suite is classified as its folder says, both
    /// when content is hashed from local files and when it is streamed, as from an object store.
    #[tokio::test]
    async fn fixtures_are_classified() {
        let mut wrong = Vec::new();
        for spec in ["1.0", "1.1"] {
            for (kind, want_valid) in [("good-objects", true), ("warn-objects", true), ("bad-objects", false)] {
                let dir = fixtures().join(spec).join(kind);
                let local = LocalStore::new(&dir).unwrap();
                let streamed = Streamed(local.clone());
                let mut names: Vec<_> =
                    std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
                names.sort();
                for name in names {
                    let hashed = Arc::new(AtomicU64::new(0));
                    let report = validate_object_counting(&local, &name, &hashed).await;
                    if hashed.load(Ordering::Relaxed) != report.bytes_checked {
                        wrong.push(format!("{spec}/{kind}/{name}: {hashed:?} bytes counted as hashed, {} checked", report.bytes_checked));
                    }
                    if report.is_valid() != want_valid {
                        wrong.push(format!("{spec}/{kind}/{name}: {:?}", report.errors().collect::<Vec<_>>()));
                    }
                    let again = validate_object(&streamed, &name).await;
                    let codes = |report: &Report| report.findings.iter().map(|f| f.code).collect::<Vec<_>>();
                    if codes(&again) != codes(&report) || again.bytes_checked != report.bytes_checked {
                        wrong.push(format!("{spec}/{kind}/{name} streamed: {:?}, not {:?}", codes(&again), codes(&report)));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
    }
}
