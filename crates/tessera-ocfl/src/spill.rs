//! Versions' states held in a file rather than in memory, for an inventory read only to commit
//! a new version on (`OcflRepo::read_to_commit`): such a commit needs the head's state and the
//! manifest, and writes every earlier state back as it was. Each version of a dataset is a
//! record whose files stay in the version that published it, so at 100,000 files a version
//! each earlier state is about 10 MB parsed; in a file, it costs a few KB of buffer to read
//! and to write back.
//!
//! The file is anonymous, in a folder the caller names (on a local disk, not a RAM-backed
//! temporary folder), and goes when the last inventory holding its states does.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};

/// One state in a spill file: its entries, a JSON array `[digest, [path, …]]` a line, from
/// `offset` for `len` bytes.
#[derive(Clone, Debug)]
pub struct SpilledState {
    file: Arc<SpillFile>,
    offset: u64,
    len: u64,
}

impl PartialEq for SpilledState {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.file, &other.file) && self.offset == other.offset && self.len == other.len
    }
}

#[derive(Debug)]
struct SpillFile(Mutex<File>);

/// Writes states into a spill file as a parse reads them; the file is made with the first.
pub(crate) struct Spill {
    dir: PathBuf,
    open: Option<(Arc<SpillFile>, BufWriter<File>)>,
    written: u64,
    /// Where the state being written started.
    start: u64,
}

impl Spill {
    pub(crate) fn new(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf(), open: None, written: 0, start: 0 }
    }

    /// Starts a state.
    pub(crate) fn begin(&mut self) {
        self.start = self.written;
    }

    /// Writes one entry of the state begun.
    pub(crate) fn entry(&mut self, digest: &str, paths: &[String]) -> std::io::Result<()> {
        let (_, writer) = match self.open.take() {
            Some(open) => self.open.insert(open),
            None => {
                let file = tempfile::tempfile_in(&self.dir)?;
                let writer = BufWriter::with_capacity(64 * 1024, file.try_clone()?);
                self.open.insert((Arc::new(SpillFile(Mutex::new(file))), writer))
            }
        };
        let mut line = serde_json::to_vec(&(digest, paths))?;
        line.push(b'\n');
        writer.write_all(&line)?;
        self.written += line.len() as u64;
        Ok(())
    }

    /// Ends the state begun, and says where it is.
    pub(crate) fn end(&mut self) -> std::io::Result<Option<SpilledState>> {
        let Some((file, writer)) = &mut self.open else {
            // A state with no entries, and none before it: nothing to read back.
            return Ok(None);
        };
        writer.flush()?;
        Ok(Some(SpilledState { file: file.clone(), offset: self.start, len: self.written - self.start }))
    }
}

/// Written back as the map of digests to paths it was read as, reading the file as it goes.
impl Serialize for SpilledState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut file = self.file.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        file.seek(SeekFrom::Start(self.offset)).map_err(S::Error::custom)?;
        let lines = BufReader::with_capacity(64 * 1024, (&mut *file).take(self.len));
        let mut map = serializer.serialize_map(None)?;
        for entry in serde_json::Deserializer::from_reader(lines).into_iter::<(String, Vec<String>)>() {
            let (digest, paths) = entry.map_err(S::Error::custom)?;
            map.serialize_entry(&digest, &paths)?;
        }
        map.end()
    }
}
