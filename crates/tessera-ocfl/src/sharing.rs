//! Reading an inventory with each digest held once, and each path once with the version read
//! before it: at 100,000 files a version, a copy of each digest and path for each place it
//! appears came to most of a parsed inventory's memory. Every version names each of its files' digests, so digests are
//! shared with the manifest. Paths repeat where versions of one record follow each other (an
//! edit of its metadata lists the same files under the same paths), so they are shared with
//! the state read before.
//!
//! Both are found by walking side by side: Tessera and most tools write each object in order,
//! a state's digests as the manifest's, so the next match is at or just past the last one and
//! nothing is hashed (looking each up in a hash set made reading 1.5 to 3.5 times as slow). What is out of
//! order is found by a binary search (digests) or kept as read (paths): any valid inventory
//! reads the same, with less shared.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::inventory::{PathMap, Paths, Version};
use crate::spill::{Spill, SpilledState};

/// What a parse has read so far, for what comes after to share.
#[derive(Default)]
struct Reading {
    /// The manifest's digests, in the order read.
    digests: Vec<Arc<str>>,
    /// Whether `digests` is in order; if not, no digest is shared.
    sorted: bool,
    /// How far the state being read has come through `digests`.
    cursor: usize,
    /// The state read before this one, as (digest, path) pairs, and how far this one has come
    /// through it.
    previous: Vec<(Arc<str>, Arc<str>)>,
    previous_cursor: usize,
    /// This state as read so far, to be the next one's `previous`.
    current: Vec<(Arc<str>, Arc<str>)>,
    /// The head version's name, once read. Its state is not kept in `current`: written in
    /// order, no state follows it, and its pairs were 4 MB at 100,000 files.
    head: Option<String>,
    /// Whether the state being read is the head's.
    in_head: bool,
    /// Where states other than the head's go, when the inventory is read to commit on
    /// (`Inventory::from_reader_to_commit`); the last one spilled; and what failed writing one.
    /// With `carried`, the head's goes too, and only the paths it keeps stay in memory.
    spill: Option<Spill>,
    carried: Option<Carried>,
    spilled: Option<SpilledState>,
    spill_failed: Option<std::io::Error>,
    /// The manifest, when it was set aside too.
    spilled_manifest: Option<SpilledState>,
    /// How many digests the state read before named: room for as many is made for the next
    /// (for the first, the manifest's), which grown a digest at a time had up to twice that,
    /// and then a copy to shrink it: 9.2 MB at 100,000 files rather than 4.
    last_state_len: usize,
}

impl Reading {
    fn manifest_digest(&mut self, text: &str) -> Arc<str> {
        self.sorted = self.digests.last().is_none_or(|last| **last < *text) && (self.sorted || self.digests.is_empty());
        let digest: Arc<str> = Arc::from(text);
        self.digests.push(digest.clone());
        digest
    }

    fn state_digest(&mut self, text: &str) -> Arc<str> {
        if !self.sorted {
            return Arc::from(text);
        }
        while let Some(next) = self.digests.get(self.cursor) {
            match (**next).cmp(text) {
                Ordering::Less => self.cursor += 1,
                Ordering::Equal => return next.clone(),
                Ordering::Greater => break,
            }
        }
        // Out of order, or not in the manifest (which validation reports).
        match self.digests.binary_search_by(|digest| (**digest).cmp(text)) {
            Ok(found) => self.digests[found].clone(),
            Err(_) => Arc::from(text),
        }
    }

    /// `text`, a path of the content with `digest`, as the previous state's copy if it has one.
    fn path(&mut self, digest: &Arc<str>, text: &str) -> Arc<str> {
        while let Some((next, _)) = self.previous.get(self.previous_cursor) {
            // Shared with the manifest, the same digest is mostly the same string.
            let order = if Arc::ptr_eq(next, digest) { Ordering::Equal } else { (**next).cmp(&**digest) };
            match order {
                Ordering::Less => self.previous_cursor += 1,
                Ordering::Equal => {
                    let same_digest = self.previous[self.previous_cursor..].iter().take_while(|(next, _)| **next == **digest);
                    let known = same_digest.map(|(_, path)| path).find(|path| ***path == *text);
                    return known.cloned().unwrap_or_else(|| Arc::from(text));
                }
                Ordering::Greater => break,
            }
        }
        Arc::from(text)
    }
}

thread_local! {
    /// The inventory this thread is reading (`while_reading`), else `None`: parsing is
    /// synchronous, so this lives exactly as long as one parse.
    static READING: RefCell<Option<Reading>> = const { RefCell::new(None) };
}

/// The paths of the head's state a caller keeps in memory (`Inventory::from_reader_to_commit`).
pub type Carried = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Runs `parse` (of one inventory) with sharing on, and the manifest and states other than the
/// head's spilled into a file in `spill_dir` when one is given, the head's too when only what
/// `carried` keeps of it is. Gives the manifest back too when it was spilled.
pub(crate) fn while_reading<T>(
    spill_dir: Option<(&std::path::Path, Option<Carried>)>,
    parse: impl FnOnce() -> serde_json::Result<T>,
) -> serde_json::Result<(T, Option<SpilledState>)> {
    let (spill, carried) = spill_dir.map_or((None, None), |(dir, carried)| (Some(Spill::new(dir)), carried));
    READING.with(|reading| *reading.borrow_mut() = Some(Reading { spill, carried, ..Reading::default() }));
    let parsed = parse();
    let reading = READING.with(|reading| reading.borrow_mut().take()).unwrap_or_default();
    match reading.spill_failed {
        // Reported as the failure it is, not as a fault of the inventory's JSON.
        Some(failed) => Err(serde_json::Error::io(failed)),
        None => Ok((parsed?, reading.spilled_manifest)),
    }
}

/// `f` on what the parse has read, or `None` outside `while_reading`.
fn with_reading<T>(f: impl FnOnce(Option<&mut Reading>) -> T) -> T {
    READING.with(|reading| f(reading.borrow_mut().as_mut()))
}

/// The manifest: its digests are kept for the states to share, or, when the inventory is read
/// to commit on, it is set aside as the states are (`Inventory::spilled_manifest`).
pub(crate) fn manifest<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathMap, D::Error> {
    let spilling = with_reading(|reading| match reading {
        Some(Reading { spill: Some(spill), head: Some(_), .. }) => {
            spill.begin();
            true
        }
        _ => false,
    });
    if spilling {
        deserializer.deserialize_map(SpillVisitor { keep: None })?;
        with_reading(|reading| reading.map(|reading| reading.spilled_manifest = reading.spilled.take()));
        return Ok(PathMap::new());
    }
    deserializer.deserialize_map(PathMapVisitor { state: false, keep: false, capacity: 0 })
}

/// A version's state: its digests are the manifest's, its paths if it can the state's before.
pub(crate) fn state<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathMap, D::Error> {
    // `Some` to spill the state, with what of it to keep.
    let spilling = with_reading(|reading| match reading {
        Some(Reading { spill: Some(spill), head: Some(_), in_head, carried, previous, current, cursor, .. })
            if !*in_head || carried.is_some() =>
        {
            spill.begin();
            // Nothing is kept for a later state to share; what is kept shares the manifest's digests.
            (*previous, *current, *cursor) = (Vec::new(), Vec::new(), 0);
            Some(carried.clone().filter(|_| *in_head))
        }
        _ => None,
    });
    if let Some(keep) = spilling {
        return deserializer.deserialize_map(SpillVisitor { keep });
    }
    let (in_head, capacity) = with_reading(|reading| match reading {
        Some(reading) => {
            reading.cursor = 0;
            reading.previous = std::mem::take(&mut reading.current);
            reading.previous_cursor = 0;
            let expected = if reading.last_state_len > 0 { reading.last_state_len } else { reading.digests.len() };
            (reading.in_head, expected)
        }
        None => (false, 0),
    });
    let state = deserializer.deserialize_map(PathMapVisitor { state: true, keep: !in_head, capacity })?;
    with_reading(|reading| {
        if let Some(reading) = reading {
            reading.last_state_len = state.len();
            if in_head {
                // A state after the head's (`v2` after `v10`) shares with the one before it.
                reading.current = std::mem::take(&mut reading.previous);
            }
        }
    });
    Ok(state)
}

/// The head version's name, noted for `versions`.
pub(crate) fn head<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let head = String::deserialize(deserializer)?;
    with_reading(|reading| {
        if let Some(reading) = reading {
            reading.head = Some(head.clone());
        }
    });
    Ok(head)
}

/// The versions by name, each told while it is read whether it is the head.
pub(crate) fn versions<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, Version>, D::Error> {
    deserializer.deserialize_map(VersionsVisitor)
}

struct VersionsVisitor;

impl<'de> Visitor<'de> for VersionsVisitor {
    type Value = BTreeMap<String, Version>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of versions by name")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut versions = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            with_reading(|reading| {
                if let Some(reading) = reading {
                    reading.in_head = reading.head.as_deref() == Some(name.as_str());
                }
            });
            let mut version = map.next_value::<Version>()?;
            version.spilled = with_reading(|reading| reading.and_then(|reading| reading.spilled.take()));
            versions.insert(name, version);
        }
        with_reading(|reading| {
            if let Some(reading) = reading {
                reading.in_head = false;
            }
        });
        Ok(versions)
    }
}

struct PathMapVisitor {
    state: bool,
    /// Whether a state's pairs are kept for the next state to share.
    keep: bool,
    capacity: usize,
}

impl<'de> Visitor<'de> for PathMapVisitor {
    type Value = PathMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of digests, each with a list of paths")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PathMap, A::Error> {
        let mut entries = Vec::with_capacity(self.capacity);
        while let Some(digest) = map.next_key_seed(Digest { state: self.state })? {
            if !self.state {
                let list = map.next_value_seed(PathList { digest: None })?;
                entries.push((digest, list));
                continue;
            }
            let list = map.next_value_seed(PathList { digest: Some(&digest) })?;
            if self.keep {
                with_reading(|reading| {
                    if let Some(reading) = reading {
                        reading.current.extend(list.iter().map(|path| (digest.clone(), path.clone())));
                    }
                });
            }
            entries.push((digest, list));
        }
        Ok(PathMap::from_entries(entries))
    }
}

/// A state written to the spill as it is read (see `spill`), each string as it comes; the
/// paths `keep` says yes to are kept in memory too, with their digests.
struct SpillVisitor {
    keep: Option<Carried>,
}

impl<'de> Visitor<'de> for SpillVisitor {
    type Value = PathMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of digests, each with a list of paths")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PathMap, A::Error> {
        let mut count = 0;
        let mut kept = Vec::new();
        // Whether the digests come in order, each once, as Tessera writes them: a manifest can
        // then be walked beside a new version's files, and a head's files given back by digest
        // (`Version::carried_by_digest`).
        let mut in_order = true;
        let mut last = String::new();
        match &self.keep {
            None => {
                while map.next_key_seed(SpilledDigest { last: &mut last, in_order: &mut in_order, first: count == 0 })?.is_some() {
                    map.next_value_seed(Spilled { list: true })?;
                    spilling(|spill| spill.end_entry())?;
                    count += 1;
                }
            }
            Some(keep) => {
                while let Some((digest, paths)) = map.next_entry::<String, Vec<String>>()? {
                    in_order = in_order && (count == 0 || last < digest);
                    last.clone_from(&digest);
                    spilling(|spill| {
                        spill.string(&digest)?;
                        paths.iter().try_for_each(|path| spill.string(path))?;
                        spill.end_entry()
                    })?;
                    count += 1;
                    let paths: Vec<Arc<str>> = paths.iter().filter(|path| keep(path)).map(|path| Arc::from(path.as_str())).collect();
                    if !paths.is_empty() {
                        let digest =
                            with_reading(|reading| reading.map_or_else(|| Arc::from(digest.as_str()), |r| r.state_digest(&digest)));
                        kept.push((digest, paths.into()));
                    }
                }
            }
        }
        let ended = with_reading(|reading| match reading {
            Some(Reading { spill: Some(spill), spilled, last_state_len, .. }) => {
                *last_state_len = count;
                spill.end(in_order).map(|state| *spilled = state)
            }
            _ => Ok(()),
        });
        ended.map_err(spill_failed)?;
        Ok(PathMap::from_entries(kept))
    }
}

/// `write` on the spill of the parse under way; a failure is kept to be reported as what it
/// is (`while_reading`).
fn spilling<E: serde::de::Error>(write: impl FnOnce(&mut Spill) -> std::io::Result<()>) -> Result<(), E> {
    let written = with_reading(|reading| match reading.and_then(|reading| reading.spill.as_mut()) {
        Some(spill) => write(spill),
        None => Ok(()),
    });
    written.map_err(spill_failed)
}

fn spill_failed<E: serde::de::Error>(err: std::io::Error) -> E {
    with_reading(|reading| reading.map(|reading| reading.spill_failed = Some(err)));
    E::custom("a state could not be set aside")
}

/// A digest written to the spill, noting whether it comes after the `last` one.
struct SpilledDigest<'a> {
    last: &'a mut String,
    in_order: &'a mut bool,
    first: bool,
}

impl<'de> DeserializeSeed<'de> for SpilledDigest<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for SpilledDigest<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a digest")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        *self.in_order = *self.in_order && (self.first || **self.last < *text);
        self.last.clear();
        self.last.push_str(text);
        spilling(|spill| spill.string(text))
    }
}

/// A digest or a path, or with `list` a digest's paths, written to the spill.
struct Spilled {
    list: bool,
}

impl<'de> DeserializeSeed<'de> for Spilled {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.list { deserializer.deserialize_seq(self) } else { deserializer.deserialize_str(self) }
    }
}

impl<'de> Visitor<'de> for Spilled {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.list { "a list of paths" } else { "a digest or a path" })
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        spilling(|spill| spill.string(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Spilled { list: false })?.is_some() {}
        Ok(())
    }
}

/// A digest, read as the manifest's copy.
struct Digest {
    state: bool,
}

impl<'de> DeserializeSeed<'de> for Digest {
    type Value = Arc<str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Arc<str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Digest {
    type Value = Arc<str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a digest")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Arc<str>, E> {
        Ok(with_reading(|reading| match reading {
            Some(reading) if self.state => reading.state_digest(text),
            Some(reading) => reading.manifest_digest(text),
            None => Arc::from(text),
        }))
    }
}

/// A list of paths for a digest: a state's for `digest`, else the manifest's. Most lists hold
/// one path, which is held in place (`Paths::One`).
struct PathList<'a> {
    digest: Option<&'a Arc<str>>,
}

impl<'de> DeserializeSeed<'de> for PathList<'_> {
    type Value = Paths;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Paths, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PathList<'_> {
    type Value = Paths;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of paths")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Paths, A::Error> {
        let Some(first) = seq.next_element_seed(Path { digest: self.digest })? else {
            return Ok(Paths::Many(Box::default()));
        };
        let Some(second) = seq.next_element_seed(Path { digest: self.digest })? else {
            return Ok(Paths::One(first));
        };
        let mut list = vec![first, second];
        while let Some(path) = seq.next_element_seed(Path { digest: self.digest })? {
            list.push(path);
        }
        Ok(Paths::Many(list.into_boxed_slice()))
    }
}

/// One path of a state, read as the previous state's copy, or of the manifest.
struct Path<'a> {
    digest: Option<&'a Arc<str>>,
}

impl<'de> DeserializeSeed<'de> for Path<'_> {
    type Value = Arc<str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Arc<str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Path<'_> {
    type Value = Arc<str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a path")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Arc<str>, E> {
        Ok(with_reading(|reading| match (reading, self.digest) {
            (Some(reading), Some(digest)) => reading.path(digest, text),
            _ => Arc::from(text),
        }))
    }
}
