//! Versions' states and manifests held in a file rather than in memory, for an inventory read
//! only to commit a new version on (`OcflRepo::read_to_commit`): such a commit walks the
//! manifest once in digest order beside the new version's files, and writes every earlier
//! state back as it was. Each version of a dataset is a record whose files stay in the version
//! that published it, so at 100,000 files a version each earlier state is about 10 MB parsed,
//! and the manifest 40 MB; in a file, each costs a few KB of buffer to read and to write back.
//! A new version's state given by digest (`NewVersion::by_digest`), and the manifest that goes
//! with it, are written into one as they are made; the head's state, read in digest order, can
//! be given back a batch at a time (`Version::carried_by_digest`).
//!
//! The file is anonymous, in a folder the caller names (on a local disk, not a RAM-backed
//! temporary folder), and goes when the last inventory holding its states does. Each string
//! is written as it is read, its length and then its bytes, so nothing is escaped or parsed
//! twice: a digest, its paths, then `END_OF_ENTRY`. A file is read back only once it is
//! written whole: its writer and its readers share the file's position.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// Where a length would be: the entry's paths end here.
const END_OF_ENTRY: u32 = u32::MAX;

/// One state or manifest in a spill file, from `offset` for `len` bytes.
#[derive(Clone, Debug)]
pub struct SpilledState {
    file: Arc<SpillFile>,
    offset: u64,
    len: u64,
    /// Whether its digests were written in order, each once.
    in_order: bool,
}

impl PartialEq for SpilledState {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.file, &other.file) && self.offset == other.offset && self.len == other.len
    }
}

impl SpilledState {
    /// Where the state's bytes are read from, a buffer at a time.
    fn reader(&self) -> BufReader<SpillReader> {
        BufReader::with_capacity(64 * 1024, SpillReader { file: self.file.clone(), at: self.offset, end: self.offset + self.len })
    }

    /// Whether its digests were written in order, each once.
    pub fn is_in_order(&self) -> bool {
        self.in_order
    }

    /// The folder its file is in, for a spill that follows from it.
    pub(crate) fn dir(&self) -> &Path {
        &self.file.dir
    }

    /// The state read back an entry at a time, each digest with its paths; `None` when its
    /// digests were not written in order.
    pub(crate) fn entries_in_order(&self) -> Option<Entries> {
        self.in_order.then(|| self.entries())
    }

    /// The state read back an entry at a time, in the order it was written.
    pub(crate) fn entries(&self) -> Entries {
        let mut reader = self.reader();
        let entries = std::iter::from_fn(move || {
            let entry = (|| {
                let Some(len) = read_len(&mut reader)? else { return Ok(None) };
                let digest = read_owned(&mut reader, len)?;
                let mut paths = Vec::new();
                loop {
                    match read_len(&mut reader)? {
                        Some(END_OF_ENTRY) => return Ok(Some((digest, paths))),
                        Some(len) => paths.push(read_owned(&mut reader, len)?),
                        None => return Err(std::io::Error::other("a set-aside state ends early")),
                    }
                }
            })();
            entry.transpose()
        });
        Box::new(entries)
    }
}

/// A spilled state's entries as they are read back: each digest with its paths.
pub(crate) type Entries = Box<dyn Iterator<Item = std::io::Result<(String, Vec<String>)>> + Send>;

/// Reads a span of a spill file, taking the file's lock for each read only: a state is read
/// back while others are.
struct SpillReader {
    file: Arc<SpillFile>,
    at: u64,
    end: u64,
}

impl Read for SpillReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let wanted = buf.len().min(usize::try_from(self.end - self.at).unwrap_or(usize::MAX));
        if wanted == 0 {
            return Ok(0);
        }
        let mut file = self.file.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        file.seek(SeekFrom::Start(self.at))?;
        let read = file.read(&mut buf[..wanted])?;
        self.at += read as u64;
        Ok(read)
    }
}

#[derive(Debug)]
struct SpillFile {
    file: Mutex<File>,
    dir: PathBuf,
}

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

    /// Writes a digest, or a path of the digest written last.
    pub(crate) fn string(&mut self, text: &str) -> std::io::Result<()> {
        let len =
            u32::try_from(text.len()).ok().filter(|len| *len != END_OF_ENTRY).ok_or_else(|| std::io::Error::other("a path of 4 GiB"))?;
        self.write(&len.to_le_bytes())?;
        self.write(text.as_bytes())
    }

    /// Ends the paths of the digest written last.
    pub(crate) fn end_entry(&mut self) -> std::io::Result<()> {
        self.write(&END_OF_ENTRY.to_le_bytes())
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let (_, writer) = match self.open.take() {
            Some(open) => self.open.insert(open),
            None => {
                let file = tempfile::tempfile_in(&self.dir)?;
                let writer = BufWriter::with_capacity(64 * 1024, file.try_clone()?);
                self.open.insert((Arc::new(SpillFile { file: Mutex::new(file), dir: self.dir.clone() }), writer))
            }
        };
        writer.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Ends the state begun, whose digests came `in_order` (each once), and says where it is.
    pub(crate) fn end(&mut self, in_order: bool) -> std::io::Result<Option<SpilledState>> {
        let Some((file, writer)) = &mut self.open else {
            // A state with no entries, and none before it: nothing to read back.
            return Ok(None);
        };
        writer.flush()?;
        Ok(Some(SpilledState { file: file.clone(), offset: self.start, len: self.written - self.start, in_order }))
    }
}

/// Written back as the map of digests to paths it was read as, reading the file as it goes.
impl Serialize for SpilledState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut reader = self.reader();
        // One entry at a time, its strings end to end in one buffer reused for the next.
        let (mut text, mut ends) = (Vec::new(), Vec::new());
        let mut map = serializer.serialize_map(None)?;
        while let Some(len) = read_len(&mut reader).map_err(S::Error::custom)? {
            text.clear();
            ends.clear();
            read_string(&mut reader, len, &mut text).map_err(S::Error::custom)?;
            let digest_end = text.len();
            loop {
                match read_len(&mut reader).map_err(S::Error::custom)? {
                    Some(END_OF_ENTRY) => break,
                    Some(len) => {
                        read_string(&mut reader, len, &mut text).map_err(S::Error::custom)?;
                        ends.push(text.len());
                    }
                    None => return Err(S::Error::custom("a set-aside state ends early")),
                }
            }
            let digest = std::str::from_utf8(&text[..digest_end]).map_err(S::Error::custom)?;
            map.serialize_entry(digest, &Strings { text: &text, start: digest_end, ends: &ends })?;
        }
        map.end()
    }
}

/// The next length, or `None` at the end of the state.
fn read_len(reader: &mut impl Read) -> std::io::Result<Option<u32>> {
    let mut bytes = [0u8; 4];
    match reader.read_exact(&mut bytes) {
        Ok(()) => Ok(Some(u32::from_le_bytes(bytes))),
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(err) => Err(err),
    }
}

/// The next string, read into its own buffer.
fn read_owned(reader: &mut impl Read, len: u32) -> std::io::Result<String> {
    let mut text = Vec::new();
    read_string(reader, len, &mut text)?;
    String::from_utf8(text).map_err(std::io::Error::other)
}

fn read_string(reader: &mut impl Read, len: u32, text: &mut Vec<u8>) -> std::io::Result<()> {
    let read = reader.take(u64::from(len)).read_to_end(text)?;
    if read != len as usize {
        return Err(std::io::Error::other("a set-aside state ends early"));
    }
    Ok(())
}

/// Strings end to end in `text` from `start`, each ending where `ends` says, as a list.
struct Strings<'a> {
    text: &'a [u8],
    start: usize,
    ends: &'a [usize],
}

impl Serialize for Strings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_seq(Some(self.ends.len()))?;
        let mut start = self.start;
        for &end in self.ends {
            list.serialize_element(std::str::from_utf8(&self.text[start..end]).map_err(S::Error::custom)?)?;
            start = end;
        }
        list.end()
    }
}
