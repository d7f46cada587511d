//! The manifest of a new version as it is made: the previous manifest walked in digest order
//! beside the new version's files, which come in that order too, with the new content's
//! entries merged in. Held, or set aside in a spill file when the previous one was or the new
//! state is: at 100,000 files a manifest held was 40 MB.

use std::path::Path;
use std::sync::Arc;

use crate::inventory::{PathMap, Paths, paths_of};
use crate::spill::{Entries, Spill, SpilledState};

pub(crate) struct NewManifest {
    previous: Previous,
    /// The previous entry read and not yet passed.
    next: Option<(Arc<str>, Paths)>,
    out: Out,
}

/// The previous manifest, entry by entry in digest order.
enum Previous {
    Held(std::vec::IntoIter<(Arc<str>, Paths)>),
    Spilled(Entries),
}

enum Out {
    Held(Vec<(Arc<str>, Paths)>),
    /// Set aside; with `hold`, the entries of the new state's digests are held too, as an
    /// inventory read to commit on holds those of its held states (`Inventory::manifest`).
    Spilled {
        spill: Spill,
        held: Vec<(Arc<str>, Paths)>,
        hold: bool,
    },
}

impl NewManifest {
    /// Walks the previous manifest, `held` or `spilled`; the new one is set aside in the folder
    /// of the previous spill or in `spill_dir`, if either is given. `hold` says the new state
    /// is held, whose digests' entries are then held too.
    pub(crate) fn new(held: PathMap, spilled: Option<SpilledState>, spill_dir: Option<&Path>, hold: bool) -> std::io::Result<Self> {
        let dir = spilled.as_ref().map(|spilled| spilled.dir().to_path_buf()).or_else(|| spill_dir.map(Path::to_path_buf));
        let previous = match spilled {
            Some(spilled) => Previous::Spilled(
                spilled.entries_in_order().ok_or_else(|| std::io::Error::other("the manifest set aside is not in digest order"))?,
            ),
            None => Previous::Held(held.into_entries().into_iter()),
        };
        let out = match dir {
            Some(dir) => {
                let mut spill = Spill::new(&dir);
                spill.begin();
                Out::Spilled { spill, held: Vec::new(), hold }
            }
            None => Out::Held(Vec::new()),
        };
        Ok(Self { previous, next: None, out })
    }

    /// The digest as the previous manifest holds it, when it has `digest`: the digests asked
    /// about come in order, each once. Entries passed on the way go into the new manifest.
    pub(crate) fn known(&mut self, digest: &str) -> std::io::Result<Option<Arc<str>>> {
        while let Some((next, paths)) = self.next_previous()? {
            match (*next).cmp(digest) {
                std::cmp::Ordering::Less => self.push(next, paths, false)?,
                std::cmp::Ordering::Equal => {
                    self.push(next.clone(), paths, true)?;
                    return Ok(Some(next));
                }
                std::cmp::Ordering::Greater => {
                    self.next = Some((next, paths));
                    break;
                }
            }
        }
        Ok(None)
    }

    /// The previous manifest's next entry.
    fn next_previous(&mut self) -> std::io::Result<Option<(Arc<str>, Paths)>> {
        if let Some(next) = self.next.take() {
            return Ok(Some(next));
        }
        Ok(match &mut self.previous {
            Previous::Held(entries) => entries.next(),
            Previous::Spilled(entries) => entries.next().transpose()?.map(|(digest, paths)| (digest.into(), paths_of(paths))),
        })
    }

    /// Adds content the previous manifest does not have, stored at `content_path`, after every
    /// digest asked about so far.
    pub(crate) fn add(&mut self, digest: Arc<str>, content_path: Arc<str>) -> std::io::Result<()> {
        self.push(digest, Paths::One(content_path), true)
    }

    /// An entry of the new manifest, of a digest the new state names when `in_state`.
    fn push(&mut self, digest: Arc<str>, paths: Paths, in_state: bool) -> std::io::Result<()> {
        match &mut self.out {
            Out::Held(entries) => entries.push((digest, paths)),
            Out::Spilled { spill, held, hold } => {
                spill.string(&digest)?;
                for path in &paths {
                    spill.string(path)?;
                }
                spill.end_entry()?;
                if *hold && in_state {
                    held.push((digest, paths));
                }
            }
        }
        Ok(())
    }

    /// The new manifest, with the rest of the previous one: held, or set aside with the entries
    /// of the new state's digests held.
    pub(crate) fn end(mut self) -> std::io::Result<(PathMap, Option<SpilledState>)> {
        while let Some((digest, paths)) = self.next_previous()? {
            self.push(digest, paths, false)?;
        }
        match self.out {
            Out::Held(entries) => Ok((PathMap::from_entries(entries), None)),
            Out::Spilled { mut spill, held, .. } => Ok((PathMap::from_entries(held), spill.end(true)?)),
        }
    }
}
