//! `PathMap`: digest → paths, an inventory's manifest or a version's state, held compactly.
//!
//! An inventory of 100,000 files holds its manifest and a state or more of 100,000 digests
//! each. As a B-tree of lists these came to about 135 bytes a digest beside the strings
//! themselves (nodes part-filled as entries arrive in order, and a list allocated for each
//! digest's one path): 27 MB for a manifest and a state. Here each is a sorted list, a
//! digest's one path held in place: 40 bytes a digest.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};

/// Digest → paths, in digest order, each digest once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathMap {
    entries: Vec<(Arc<str>, Paths)>,
}

/// The paths of one digest: nearly always one, held in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paths {
    One(Arc<str>),
    Many(Box<[Arc<str>]>),
}

impl Deref for Paths {
    type Target = [Arc<str>];

    fn deref(&self) -> &[Arc<str>] {
        match self {
            Paths::One(path) => std::slice::from_ref(path),
            Paths::Many(paths) => paths,
        }
    }
}

impl<'a> IntoIterator for &'a Paths {
    type Item = &'a Arc<str>;
    type IntoIter = std::slice::Iter<'a, Arc<str>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<Arc<str>>> for Paths {
    fn from(mut paths: Vec<Arc<str>>) -> Self {
        match paths.len() {
            1 => Paths::One(paths.swap_remove(0)),
            _ => Paths::Many(paths.into_boxed_slice()),
        }
    }
}

impl PathMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// The map of `entries` in any order; of a digest given twice, the last stands, as it
    /// would in a map it was inserted into.
    pub fn from_entries(mut entries: Vec<(Arc<str>, Paths)>) -> Self {
        if !entries.is_sorted_by(|a, b| a.0 < b.0) {
            entries.reverse();
            // Stable: of equal digests the last given comes first now, and is the one kept.
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|later, kept| later.0 == kept.0);
        }
        // Read a digest at a time, the list has room for up to twice as many.
        entries.shrink_to_fit();
        Self { entries }
    }

    /// The map of (digest, path) pairs in any order: each digest's paths sorted, each once.
    pub fn from_pairs(mut pairs: Vec<(Arc<str>, Arc<str>)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut entries: Vec<(Arc<str>, Paths)> = Vec::new();
        let mut pairs = pairs.into_iter().peekable();
        while let Some((digest, path)) = pairs.next() {
            let mut more = Vec::new();
            while let Some((_, next)) = pairs.next_if(|(next, _)| *next == digest) {
                more.push(next);
            }
            let paths = if more.is_empty() {
                Paths::One(path)
            } else {
                more.insert(0, path);
                Paths::Many(more.into_boxed_slice())
            };
            entries.push((digest, paths));
        }
        entries.shrink_to_fit();
        Self { entries }
    }

    /// The entries, in digest order.
    pub(crate) fn into_entries(self) -> Vec<(Arc<str>, Paths)> {
        self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, digest: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(known, _)| (**known).cmp(digest))
    }

    pub fn get(&self, digest: &str) -> Option<&[Arc<str>]> {
        self.get_key_value(digest).map(|(_, paths)| paths)
    }

    /// The digest as the map holds it, to share, and its paths.
    pub fn get_key_value(&self, digest: &str) -> Option<(&Arc<str>, &[Arc<str>])> {
        self.find(digest).ok().map(|n| (&self.entries[n].0, &*self.entries[n].1))
    }

    pub fn contains_key(&self, digest: &str) -> bool {
        self.find(digest).is_ok()
    }

    /// Each digest and its paths, in digest order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Arc<str>, &[Arc<str>])> + Clone {
        self.entries.iter().map(|(digest, paths)| (digest, &**paths))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Arc<str>> + Clone {
        self.entries.iter().map(|(digest, _)| digest)
    }

    pub fn values(&self) -> impl Iterator<Item = &Paths> + Clone {
        self.entries.iter().map(|(_, paths)| paths)
    }

    /// A copy of the entries of the digests `keep` says yes to.
    pub fn filtered(&self, keep: impl Fn(&Arc<str>) -> bool) -> PathMap {
        Self { entries: self.entries.iter().filter(|(digest, _)| keep(digest)).cloned().collect() }
    }

    /// Keeps the digests `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Arc<str>, &[Arc<str>]) -> bool) {
        self.entries.retain(|(digest, paths)| keep(digest, paths));
    }

    /// Keeps the paths `keep` says yes to, and the digests left with any.
    pub fn retain_paths(&mut self, mut keep: impl FnMut(&Arc<str>, &Arc<str>) -> bool) {
        self.entries.retain_mut(|(digest, paths)| {
            if paths.iter().all(|path| keep(digest, path)) {
                return true;
            }
            let kept: Vec<Arc<str>> = paths.iter().filter(|path| keep(digest, path)).cloned().collect();
            let any = !kept.is_empty();
            *paths = kept.into();
            any
        });
    }
}

impl FromIterator<(Arc<str>, Vec<Arc<str>>)> for PathMap {
    fn from_iter<I: IntoIterator<Item = (Arc<str>, Vec<Arc<str>>)>>(entries: I) -> Self {
        Self::from_entries(entries.into_iter().map(|(digest, paths)| (digest, paths.into())).collect())
    }
}

impl Serialize for PathMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// As any map of lists; `sharing` reads the manifest and states of an inventory, which share
/// their strings.
impl<'de> Deserialize<'de> for PathMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;

        impl<'de> Visitor<'de> for Entries {
            type Value = PathMap;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of digests, each with a list of paths")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PathMap, A::Error> {
                let mut entries = Vec::new();
                while let Some((digest, paths)) = map.next_entry::<Arc<str>, Vec<Arc<str>>>()? {
                    entries.push((digest, paths.into()));
                }
                Ok(PathMap::from_entries(entries))
            }
        }

        deserializer.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Arc<str> {
        s.into()
    }

    #[test]
    fn entries_in_any_order_read_as_a_map_would() {
        let map = PathMap::from_entries(vec![
            (text("c"), Paths::One(text("c1"))),
            (text("a"), Paths::One(text("first"))),
            (text("b"), vec![text("b1"), text("b2")].into()),
            (text("a"), Paths::One(text("last"))),
        ]);
        let read: Vec<(&str, Vec<&str>)> = map.iter().map(|(d, p)| (&**d, p.iter().map(|p| &**p).collect())).collect();
        assert_eq!(read, [("a", vec!["last"]), ("b", vec!["b1", "b2"]), ("c", vec!["c1"])]);
        assert_eq!(map.get("b").map(<[_]>::len), Some(2));
        assert!(map.contains_key("c") && !map.contains_key("d"));
        let json: PathMap = serde_json::from_str(r#"{"z": ["z1"], "y": ["y1", "y2"], "z": ["z2"]}"#).unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), r#"{"y":["y1","y2"],"z":["z2"]}"#);
    }

    #[test]
    fn pairs_group_by_digest() {
        let pairs = vec![(text("b"), text("2")), (text("a"), text("x")), (text("b"), text("1")), (text("b"), text("1"))];
        let map = PathMap::from_pairs(pairs);
        assert_eq!(map.get("b").unwrap(), [text("1"), text("2")]);
        assert!(matches!(map.values().next(), Some(Paths::One(path)) if **path == *"x"), "one path is held in place");
        assert_eq!(map.entries.capacity(), map.len());
    }

    #[test]
    fn retaining_paths_drops_digests_left_with_none() {
        let mut map: PathMap = [(text("a"), vec![text("keep"), text("drop")]), (text("b"), vec![text("drop")])].into_iter().collect();
        map.retain_paths(|_, path| **path != *"drop");
        assert_eq!(map.len(), 1);
        assert!(matches!(map.values().next(), Some(Paths::One(path)) if **path == *"keep"));
    }
}
