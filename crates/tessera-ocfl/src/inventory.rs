//! The OCFL inventory (OCFL 1.1 §3.5): manifest, versions and their states.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Digest → paths. Sorted maps keep the serialised inventory deterministic.
pub(crate) type PathMap = BTreeMap<String, Vec<String>>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub digest_algorithm: String,
    pub head: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_directory: Option<String>,
    pub manifest: PathMap,
    pub versions: BTreeMap<String, Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixity: Option<BTreeMap<String, PathMap>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// RFC 3339 with seconds and a time zone (OCFL 1.1 §3.5.3.1).
    pub created: String,
    pub state: PathMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Inventory {
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
        let referenced: std::collections::BTreeSet<&String> = versions.values().flat_map(|v| v.state.keys()).collect();
        // Field by field: copying the whole inventory first, as `..self.clone()` would, costs
        // its every version again for each version a purge rewrites.
        Inventory {
            id: self.id.clone(),
            kind: self.kind.clone(),
            digest_algorithm: self.digest_algorithm.clone(),
            head: format!("v{number}"),
            content_directory: self.content_directory.clone(),
            manifest: self.manifest.iter().filter(|(digest, _)| referenced.contains(digest)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            versions,
            fixity: None,
        }
    }

    /// Where the content with `digest` is stored, relative to the object root.
    pub fn content_path(&self, digest: &str) -> Option<&str> {
        self.manifest.get(digest).and_then(|paths| paths.first()).map(String::as_str)
    }
}

impl Version {
    /// Logical path → digest, the inverse of `state`.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.state.iter().flat_map(|(digest, paths)| paths.iter().map(move |p| (p.as_str(), digest.as_str())))
    }

    pub fn digest_of(&self, logical_path: &str) -> Option<&str> {
        self.files().find(|(path, _)| *path == logical_path).map(|(_, digest)| digest)
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
