//! The OCFL inventory (OCFL 1.1 §3.5): manifest, versions and their states.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

pub use crate::pathmap::{PathMap, Paths};
use crate::sharing::{self, Carried};
use crate::spill::SpilledState;

// A manifest and each state is a `PathMap`, sorted, which keeps the serialised inventory
// deterministic, and compact; a parsed inventory shares its digests and paths (`sharing`).

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub digest_algorithm: String,
    #[serde(deserialize_with = "sharing::head")]
    pub head: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_directory: Option<String>,
    /// All of it, but when it is `spilled_manifest`: then only the entries of the digests that
    /// the states held in memory name.
    #[serde(deserialize_with = "sharing::manifest")]
    pub manifest: PathMap,
    #[serde(deserialize_with = "sharing::versions")]
    pub versions: BTreeMap<String, Version>,
    #[serde(default)]
    pub fixity: Option<BTreeMap<String, PathMap>>,
    /// Where the manifest is, when it is held in a file: in an inventory read to commit on, and
    /// in the one such a commit makes, or one that comes by digest (`NewVersion::by_digest`).
    /// Written back from there; walked in digest order by the next commit.
    #[serde(skip)]
    pub spilled_manifest: Option<SpilledState>,
}

/// The fields in the order OCFL's examples give them; the manifest from its file when it is
/// spilled.
impl Serialize for Inventory {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = 6 + usize::from(self.content_directory.is_some()) + usize::from(self.fixity.is_some());
        let mut inventory = serializer.serialize_struct("Inventory", fields)?;
        inventory.serialize_field("id", &self.id)?;
        inventory.serialize_field("type", &self.kind)?;
        inventory.serialize_field("digestAlgorithm", &self.digest_algorithm)?;
        inventory.serialize_field("head", &self.head)?;
        if let Some(directory) = &self.content_directory {
            inventory.serialize_field("contentDirectory", directory)?;
        }
        match &self.spilled_manifest {
            Some(spilled) => inventory.serialize_field("manifest", spilled)?,
            None => inventory.serialize_field("manifest", &self.manifest)?,
        }
        inventory.serialize_field("versions", &self.versions)?;
        if let Some(fixity) = &self.fixity {
            inventory.serialize_field("fixity", fixity)?;
        }
        inventory.end()
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Version {
    /// RFC 3339 with seconds and a time zone (OCFL 1.1 §3.5.3.1).
    pub created: String,
    /// Empty when the state is `spilled`, but for the head of an inventory read to commit on
    /// with `carried`, which holds what that keeps.
    #[serde(deserialize_with = "sharing::state")]
    pub state: PathMap,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
    /// Where the state is, when it is held in a file rather than in `state`: in an inventory
    /// read to commit on, every state but the head's (`Inventory::from_reader_to_commit`).
    /// Such an inventory is written back whole, but only its head's state can be looked at:
    /// a purge, which changes every state, reads the inventory whole again.
    #[serde(skip)]
    pub spilled: Option<SpilledState>,
}

/// Fields in the order `Version` declares them; the state from its file when it is spilled.
impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = 2 + usize::from(self.message.is_some()) + usize::from(self.user.is_some());
        let mut version = serializer.serialize_struct("Version", fields)?;
        version.serialize_field("created", &self.created)?;
        match &self.spilled {
            Some(spilled) => version.serialize_field("state", spilled)?,
            None => version.serialize_field("state", &self.state)?,
        }
        if let Some(message) = &self.message {
            version.serialize_field("message", message)?;
        }
        if let Some(user) = &self.user {
            version.serialize_field("user", user)?;
        }
        version.end()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Inventory {
    /// Reads an inventory, holding each digest once and most paths once (see `sharing`).
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Inventory> {
        sharing::while_reading(None, || serde_json::from_slice(bytes)).map(|(inventory, _)| inventory)
    }

    /// Reads an inventory as `from_json` does, from bytes as they come.
    pub fn from_reader(reader: impl std::io::Read) -> serde_json::Result<Inventory> {
        sharing::while_reading(None, || serde_json::from_reader(reader)).map(|(inventory, _)| inventory)
    }

    /// Reads an inventory to commit a new version on, as `from_reader` does but with the
    /// manifest and every state other than the head's set aside in a file in `spill_dir`
    /// (`spilled_manifest`, `Version::spilled`) and written back from there: a commit needs
    /// only the head's state, and walks the manifest in digest order. Of the manifest, the
    /// entries of the head's digests are held (`manifest`); a manifest not written in digest
    /// order is held whole.
    /// With `carried`, the head's state is set aside too, and only the paths `carried` says
    /// yes to are kept in its `state`: those the new version carries, when the caller gives
    /// the rest itself. Tessera writes `head` before the manifest and the versions; an
    /// inventory that does not is read whole.
    pub fn from_reader_to_commit(
        reader: impl std::io::Read,
        spill_dir: &std::path::Path,
        carried: Option<Carried>,
    ) -> serde_json::Result<Inventory> {
        let (mut inventory, spilled): (Inventory, _) =
            sharing::while_reading(Some((spill_dir, carried)), || serde_json::from_reader(reader))?;
        if let Some(spilled) = spilled {
            inventory.hold_manifest_of_held_states(spilled).map_err(serde_json::Error::io)?;
        }
        Ok(inventory)
    }

    /// Holds the entries of the spilled manifest that the held states name; the whole of it
    /// when it was not written in digest order, which the next commit could not walk.
    fn hold_manifest_of_held_states(&mut self, spilled: SpilledState) -> std::io::Result<()> {
        let Some(entries) = spilled.entries_in_order() else {
            let entries = spilled.entries().map(|entry| entry.map(|(digest, paths)| (digest.into(), paths_of(paths))));
            self.manifest = PathMap::from_entries(entries.collect::<std::io::Result<_>>()?);
            return Ok(());
        };
        let mut wanted: Vec<&Arc<str>> = self.versions.values().flat_map(|v| v.state.keys()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut held = Vec::with_capacity(wanted.len());
        let mut wanted = wanted.into_iter().peekable();
        for entry in entries {
            if wanted.peek().is_none() {
                break;
            }
            let (digest, paths) = entry?;
            // A digest the manifest lacks is passed over: validation reports it.
            while wanted.next_if(|want| ***want < *digest).is_some() {}
            if let Some(want) = wanted.next_if(|want| ***want == *digest) {
                held.push((want.clone(), paths_of(paths)));
            }
        }
        self.manifest = PathMap::from_entries(held);
        self.spilled_manifest = Some(spilled);
        Ok(())
    }

    pub fn head_number(&self) -> u32 {
        version_number(&self.head).unwrap_or(0)
    }

    pub fn content_dir(&self) -> &str {
        self.content_directory.as_deref().unwrap_or("content")
    }

    pub fn version(&self, number: u32) -> Option<&Version> {
        self.versions.get(&format!("v{number}"))
    }

    pub fn head_version(&self) -> Option<&Version> {
        self.versions.get(&self.head)
    }

    /// The inventory as it stood at version `number`: the versions up to it, and the content
    /// they refer to. Each version folder holds this for its own number.
    pub fn truncated(&self, number: u32) -> Inventory {
        let versions: BTreeMap<String, Version> = self
            .versions
            .iter()
            .filter(|(name, _)| version_number(name).is_some_and(|n| n <= number))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let referenced: HashSet<&str> = versions.values().flat_map(|v| v.state.keys().map(|digest| &**digest)).collect();
        // Field by field: copying the whole inventory first, as `..self.clone()` would, costs
        // its every version again for each version a purge rewrites.
        Inventory {
            id: self.id.clone(),
            kind: self.kind.clone(),
            digest_algorithm: self.digest_algorithm.clone(),
            head: format!("v{number}"),
            content_directory: self.content_directory.clone(),
            manifest: self.manifest.filtered(|digest| referenced.contains(&**digest)),
            versions,
            fixity: None,
            spilled_manifest: None,
        }
    }

    /// Where the content with `digest` is stored, relative to the object root. Of a spilled
    /// manifest, only content the states held in memory name is found.
    pub fn content_path(&self, digest: &str) -> Option<&str> {
        self.manifest.get(digest).and_then(<[_]>::first).map(|path| &**path)
    }
}

impl Version {
    /// Logical path → digest, the inverse of `state`.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.state.iter().flat_map(|(digest, paths)| paths.iter().map(move |p| (&**p, &**digest)))
    }

    /// As `files`, each path and digest the inventory's own, to share rather than copy.
    pub fn shared_files(&self) -> impl Iterator<Item = (&Arc<str>, &Arc<str>)> {
        self.state.iter().flat_map(|(digest, paths)| paths.iter().map(move |p| (p, digest)))
    }

    /// How many logical files the version has.
    pub fn file_count(&self) -> usize {
        self.state.values().map(|paths| paths.len()).sum()
    }

    pub fn digest_of(&self, logical_path: &str) -> Option<&str> {
        self.files().find(|(path, _)| *path == logical_path).map(|(_, digest)| digest)
    }
}

/// A list of paths read back from a spill.
pub(crate) fn paths_of(paths: Vec<String>) -> Paths {
    paths.into_iter().map(Arc::from).collect::<Vec<Arc<str>>>().into()
}

/// The inventory as it stood at version `number` (see `Inventory::truncated`), written from the
/// whole one as it is: the same JSON, without copying any version's state.
pub(crate) struct Truncated {
    pub(crate) inventory: Arc<Inventory>,
    pub(crate) number: u32,
}

impl Serialize for Truncated {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Inventory { id, kind, digest_algorithm, content_directory, manifest, versions, .. } = &*self.inventory;
        let kept = || versions.iter().filter(|(name, _)| version_number(name).is_some_and(|n| n <= self.number));
        let referenced: HashSet<&str> = kept().flat_map(|(_, v)| v.state.keys().map(|digest| &**digest)).collect();
        // Fields in the order `Inventory` is written in; a truncated inventory has no fixity.
        let mut fields = serializer.serialize_struct("Inventory", 7)?;
        fields.serialize_field("id", id)?;
        fields.serialize_field("type", kind)?;
        fields.serialize_field("digestAlgorithm", digest_algorithm)?;
        fields.serialize_field("head", &format!("v{}", self.number))?;
        if let Some(directory) = content_directory {
            fields.serialize_field("contentDirectory", directory)?;
        }
        fields.serialize_field("manifest", &MapOf(|| manifest.iter().filter(|(digest, _)| referenced.contains(&***digest))))?;
        fields.serialize_field("versions", &MapOf(kept))?;
        fields.end()
    }
}

/// A map written from the pairs `.0` gives.
struct MapOf<F>(F);

impl<F, I, K, V> Serialize for MapOf<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (K, V)>,
    K: Serialize,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map((self.0)())
    }
}

/// `v3` → 3; `v003` → 3 (zero-padded names are legal but discouraged).
pub(crate) fn version_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('v')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Inventory;

    /// An inventory's JSON with its manifest's and its second state's digests in the orders
    /// given, as other tools may write them.
    fn inventory_json(manifest: &[String], state: &[String]) -> Vec<u8> {
        let mut json = String::from(
            r#"{"id": "o", "type": "https://ocfl.io/1.1/spec/#inventory", "digestAlgorithm": "sha512", "head": "v2", "manifest": {"#,
        );
        let entries: Vec<String> = manifest.iter().map(|d| format!(r#""{d}": ["v1/content/{}.csv"]"#, &d[..1])).collect();
        json += &entries.join(", ");
        json += r#"}, "versions": {"v1": {"created": "2026-12-01T00:00:00Z", "state": {"#;
        let entries: Vec<String> = manifest.iter().map(|d| format!(r#""{d}": ["{}.csv"]"#, &d[..1])).collect();
        json += &entries.join(", ");
        json += r#"}}, "v2": {"created": "2026-12-02T00:00:00Z", "state": {"#;
        let entries: Vec<String> = state.iter().map(|d| format!(r#""{d}": ["{}.csv", "copy-{}.csv"]"#, &d[..1], &d[..1])).collect();
        json += &entries.join(", ");
        json += "}}}}";
        json.into_bytes()
    }

    /// How many digests of the states are the manifest's own copy.
    fn shared(inventory: &Inventory) -> usize {
        let states = inventory.versions.values().flat_map(|v| v.state.keys());
        states.filter(|digest| Arc::ptr_eq(inventory.manifest.get_key_value(digest).unwrap().0, digest)).count()
    }

    /// How many paths of the second version are the first's own copy.
    fn shared_paths(inventory: &Inventory) -> usize {
        let first: Vec<&Arc<str>> = inventory.versions["v1"].state.values().flat_map(|paths| paths.iter()).collect();
        let second = inventory.versions["v2"].state.values().flat_map(|paths| paths.iter());
        second.filter(|path| first.iter().any(|known| Arc::ptr_eq(known, path))).count()
    }

    #[test]
    fn a_truncated_inventory_is_written_from_a_view_as_from_a_copy() {
        let (a, b, c) = ("a".repeat(128), "b".repeat(128), "c".repeat(128));
        // The second version drops content of the first and adds its own.
        let json = format!(
            r#"{{"id": "o", "type": "https://ocfl.io/1.1/spec/#inventory", "digestAlgorithm": "sha512", "head": "v2",
                "manifest": {{"{a}": ["v1/content/a"], "{b}": ["v1/content/b"], "{c}": ["v2/content/c"]}},
                "versions": {{"v1": {{"created": "2026-12-01T00:00:00Z", "state": {{"{a}": ["a"], "{b}": ["b"]}}}},
                              "v2": {{"created": "2026-12-02T00:00:00Z", "state": {{"{b}": ["b"], "{c}": ["c", "d"]}}, "message": "m"}}}},
                "fixity": {{"md5": {{}}}}}}"#
        );
        let mut inventory = Inventory::from_json(json.as_bytes()).unwrap();
        assert_eq!(inventory.truncated(1).manifest.len(), 2);
        for content_directory in [None, Some("stuff".to_string())] {
            inventory.content_directory = content_directory;
            let whole = Arc::new(inventory.clone());
            for number in 1..=2 {
                let view = super::Truncated { inventory: whole.clone(), number };
                let copy = inventory.truncated(number);
                assert_eq!(serde_json::to_string_pretty(&view).unwrap(), serde_json::to_string_pretty(&copy).unwrap());
            }
        }
    }

    /// The head's state is not kept for a state after it to share, which one written in order
    /// never has: one that does (`v2` after `v10`) shares the paths of the state before the head.
    #[test]
    fn a_state_read_after_the_heads_shares_with_the_one_before_it() {
        let a = "a".repeat(128);
        let state = format!(r#"{{"created": "2026-12-01T00:00:00Z", "state": {{"{a}": ["a.csv"]}}}}"#);
        let json = format!(
            r#"{{"id": "o", "type": "https://ocfl.io/1.1/spec/#inventory", "digestAlgorithm": "sha512", "head": "v10",
                "manifest": {{"{a}": ["v1/content/a.csv"]}}, "versions": {{"v1": {state}, "v10": {state}, "v2": {state}}}}}"#
        );
        let inventory = Inventory::from_json(json.as_bytes()).unwrap();
        let path = |version: &str| inventory.versions[version].state.values().next().unwrap().iter().next().unwrap().clone();
        assert!(Arc::ptr_eq(&path("v1"), &path("v10")) && Arc::ptr_eq(&path("v1"), &path("v2")));
        assert_eq!(inventory, serde_json::from_str(&json).unwrap(), "read the same");
    }

    /// Read to commit on, an inventory keeps only the head's state in memory, and the entries of
    /// its digests in the manifest; the rest is in a file, and it is written back exactly as the
    /// same inventory read whole.
    #[test]
    fn states_before_the_heads_are_set_aside_and_written_back_as_they_were() {
        let (a, b, c) = ("a".repeat(128), "b".repeat(128), "c".repeat(128));
        let state = |entries: &[(&str, &[&str])]| {
            let entries: Vec<String> =
                entries.iter().map(|(d, paths)| format!(r#""{d}": {}"#, serde_json::to_string(paths).unwrap())).collect();
            format!(r#"{{"created": "2026-12-01T00:00:00Z", "state": {{{}}}, "message": "m"}}"#, entries.join(", "))
        };
        let versions = [
            state(&[(&a, &["1/files/a.csv", "1/files/copy \"quoted\".csv"]), (&b, &["1/record.json"])]),
            state(&[]),
            state(&[(&a, &["3/files/a.csv"]), (&c, &["3/record.json"])]),
        ];
        let entries = [format!(r#""{a}": ["v1/content/a"]"#), format!(r#""{b}": ["v1/content/b"]"#), format!(r#""{c}": ["v3/content/c"]"#)];
        let in_order = entries.join(", ");
        let json_with = |head_first: bool, manifest: &str| {
            let versions = format!(r#""versions": {{"v1": {}, "v2": {}, "v3": {}}}"#, versions[0], versions[1], versions[2]);
            let (before, after) = if head_first { (r#""head": "v3","#, "") } else { ("", r#", "head": "v3""#) };
            format!(
                r#"{{"id": "o", "type": "https://ocfl.io/1.1/spec/#inventory", "digestAlgorithm": "sha512", {before} "manifest": {{{manifest}}}, {versions}{after}}}"#
            )
        };
        let json = |head_first: bool| json_with(head_first, &in_order);
        let dir = tempfile::tempdir().unwrap();
        let whole = Inventory::from_json(json(true).as_bytes()).unwrap();
        let read = Inventory::from_reader_to_commit(json(true).as_bytes(), dir.path(), None).unwrap();
        let spilled: Vec<bool> = read.versions.values().map(|v| v.spilled.is_some()).collect();
        assert_eq!(spilled, [true, true, false]);
        assert!(read.versions["v1"].state.is_empty() && read.versions["v3"].state == whole.versions["v3"].state);
        assert!(read.spilled_manifest.is_some());
        assert_eq!(read.manifest, whole.manifest.filtered(|digest| **digest != *b), "the head's content is held");
        assert_eq!(serde_json::to_string_pretty(&read).unwrap(), serde_json::to_string_pretty(&whole).unwrap());
        // Written back a second time, and alongside a new version, the same.
        assert_eq!(serde_json::to_value(&read).unwrap(), serde_json::to_value(&whole).unwrap());
        // With what the head carries named, its state is set aside too, and only that kept.
        let records: super::Carried = Arc::new(|path: &str| path.ends_with("record.json"));
        let carried = Inventory::from_reader_to_commit(json(true).as_bytes(), dir.path(), Some(records)).unwrap();
        assert!(carried.versions.values().all(|v| v.spilled.is_some()));
        let head: Vec<(&str, &str)> = carried.versions["v3"].files().collect();
        assert_eq!(head, [("3/record.json", c.as_str())]);
        assert!(Arc::ptr_eq(carried.versions["v3"].state.keys().next().unwrap(), carried.manifest.get_key_value(&c).unwrap().0));
        assert_eq!(carried.manifest.len(), 1, "only the content of what is kept is held");
        assert_eq!(serde_json::to_string_pretty(&carried).unwrap(), serde_json::to_string_pretty(&whole).unwrap());
        // A manifest out of digest order, which a commit could not walk, is held whole.
        let reversed: Vec<String> = entries.iter().rev().cloned().collect();
        let unordered = Inventory::from_reader_to_commit(json_with(true, &reversed.join(", ")).as_bytes(), dir.path(), None).unwrap();
        assert!(unordered.spilled_manifest.is_none() && unordered.versions["v1"].spilled.is_some());
        assert_eq!(unordered.manifest, whole.manifest);
        // An inventory that names its head after its versions is read whole.
        let late = Inventory::from_reader_to_commit(json(false).as_bytes(), dir.path(), None).unwrap();
        assert!(late.versions.values().all(|v| v.spilled.is_none()));
        assert_eq!(late, Inventory::from_json(json(false).as_bytes()).unwrap());
        // A folder that cannot take the file is a failure to read, not a fault of the JSON.
        let failed = Inventory::from_reader_to_commit(json(true).as_bytes(), &dir.path().join("missing"), None).unwrap_err();
        assert!(failed.is_io(), "{failed}");
    }

    /// The head's files, set aside as it is read, are given back by digest a batch at a time
    /// when its digests came in order, and not when they did not.
    #[tokio::test]
    async fn a_heads_files_set_aside_are_given_back_by_digest_when_in_order() {
        use futures::TryStreamExt;
        let digests: Vec<String> = ["a", "b", "c"].iter().map(|c| c.repeat(128)).collect();
        let reversed: Vec<String> = digests.iter().rev().cloned().collect();
        let dir = tempfile::tempdir().unwrap();
        let nothing: super::Carried = Arc::new(|_: &str| false);
        let read = |bytes: &[u8]| Inventory::from_reader_to_commit(bytes, dir.path(), Some(nothing.clone())).unwrap();
        let sorted = read(&inventory_json(&digests, &digests));
        let batches = sorted.versions["v2"].carried_by_digest(|path: &str| path != "copy-b.csv").unwrap();
        let given: Vec<(String, String)> = batches
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .into_iter()
            .flatten()
            .map(|(path, source)| match source {
                crate::FileSource::Existing { sha512 } => (sha512.to_string(), path.to_string()),
                other => panic!("{other:?}"),
            })
            .collect();
        let whole = Inventory::from_json(&inventory_json(&digests, &digests)).unwrap();
        let mut expected: Vec<(String, String)> =
            whole.versions["v2"].files().filter(|(path, _)| *path != "copy-b.csv").map(|(p, d)| (d.to_string(), p.to_string())).collect();
        expected.sort();
        assert_eq!((given.len(), &given), (5, &expected));
        let unsorted = read(&inventory_json(&digests, &reversed));
        assert!(unsorted.versions["v2"].carried_by_digest(|_: &str| true).is_none(), "out of order");
    }

    #[test]
    fn each_digest_and_most_paths_are_held_once_however_many_versions_name_them() {
        let digests: Vec<String> = ["a", "b", "c"].iter().map(|c| c.repeat(128)).collect();
        let reversed: Vec<String> = digests.iter().rev().cloned().collect();
        let (sorted, unsorted_state, unsorted_manifest) =
            (inventory_json(&digests, &digests[..2]), inventory_json(&digests, &reversed[..2]), inventory_json(&reversed, &digests[..2]));
        // What is out of order shares less, and reads the same.
        for (bytes, digests, paths) in [(&sorted, 5, 2), (&unsorted_state, 5, 1), (&unsorted_manifest, 0, 0)] {
            let inventory = Inventory::from_json(bytes).unwrap();
            assert_eq!((shared(&inventory), shared_paths(&inventory)), (digests, paths));
            let mut lists = inventory.manifest.values().chain(inventory.versions.values().flat_map(|v| v.state.values()));
            assert!(lists.all(|paths| paths.len() > 1 || matches!(paths, super::Paths::One(_))), "a digest's one path is held in place");
            // Read any other way, it is equal, only not shared; written back, it is what it was.
            let unshared: Inventory = serde_json::from_slice(bytes).unwrap();
            assert_eq!((shared(&unshared), shared_paths(&unshared), &unshared), (0, 0, &inventory));
            let json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(serde_json::to_value(&inventory).unwrap(), json);
        }
    }
}
