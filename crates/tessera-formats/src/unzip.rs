//! A zip reader for archives of any number of entries: the central directory is read an
//! entry at a time from the file, never held whole, so walking an archive of a million
//! entries takes the memory of one (APPNOTE.TXT 6.3, §4.3).
//!
//! It reads what depositors' tools write: stored and deflated entries, ZIP64 sizes, offsets
//! and counts, names in UTF-8, in Info-ZIP's Unicode path field, or in code page 437. It does
//! not read archives split across files or with bytes before their first entry.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::zip::{CENTRAL_HEADER, END, LOCAL_HEADER, ZIP64_END, ZIP64_EXTRA, ZIP64_LOCATOR};

const UNICODE_PATH_EXTRA: u16 = 0x7075;
/// The end record, without its comment.
const END_LEN: u64 = 22;
const LOCATOR_LEN: u64 = 20;
/// Compression methods read: stored and deflated.
pub const STORED: u16 = 0;
pub const DEFLATED: u16 = 8;

/// Code page 437's characters for the bytes 0x80 to 0xFF, for names not written in UTF-8.
const CP437_HIGH: &str =
    "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// An archive on disk, its central directory located.
pub struct ZipArchive {
    path: PathBuf,
    directory_start: u64,
    directory_len: u64,
    entries: u64,
    /// Where entries' content is read from, apart from the directory's reader.
    content: BufReader<File>,
}

/// One entry as the central directory describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipEntry {
    name: Vec<u8>,
    /// The name from Info-ZIP's Unicode path field, when it matches the name's CRC.
    unicode_name: Option<String>,
    made_by: u16,
    flags: u16,
    pub method: u16,
    pub crc: u32,
    pub compressed_size: u64,
    pub size: u64,
    pub header_offset: u64,
    external_attributes: u32,
}

impl ZipArchive {
    /// Opens the archive at `path` and finds its central directory from its end records.
    pub fn open(path: &Path) -> io::Result<ZipArchive> {
        let mut file = File::open(path)?;
        let length = file.metadata()?.len();
        // The end record is the last thing in the archive but for a comment of up to 64 KiB.
        let tail_start = length.saturating_sub(END_LEN + u64::from(u16::MAX));
        let mut tail = Vec::with_capacity((length - tail_start) as usize);
        file.seek(SeekFrom::Start(tail_start))?;
        file.by_ref().take(length - tail_start).read_to_end(&mut tail)?;
        let end = (0..tail.len().saturating_sub(END_LEN as usize - 1))
            .rev()
            .find(|&at| {
                le32(&tail, at) == Some(END) && at + END_LEN as usize + usize::from(le16(&tail, at + 20).unwrap_or(0)) <= tail.len()
            })
            .ok_or_else(|| damaged("it has no end record: it is not a zip archive, or it is cut short"))?;
        let field16 = |offset: usize| u64::from(le16(&tail, end + offset).unwrap_or(0));
        let field32 = |offset: usize| u64::from(le32(&tail, end + offset).unwrap_or(0));
        if field16(4) != 0 || field16(6) != 0 {
            return Err(damaged("it is split across several files"));
        }
        let (mut entries, mut directory_len, mut directory_start) = (field16(10), field32(12), field32(16));
        let end_at = tail_start + end as u64;
        // A ZIP64 archive's locator comes just before the end record and says where the ZIP64
        // end record, with the full counts and offsets, is.
        if end_at >= LOCATOR_LEN {
            let mut locator = [0u8; LOCATOR_LEN as usize];
            file.seek(SeekFrom::Start(end_at - LOCATOR_LEN))?;
            file.read_exact(&mut locator)?;
            if le32(&locator, 0) == Some(ZIP64_LOCATOR) {
                let record_at = le64(&locator, 8).unwrap_or(u64::MAX);
                let mut record = [0u8; 56];
                file.seek(SeekFrom::Start(record_at))
                    .and_then(|_| file.read_exact(&mut record))
                    .map_err(|_| damaged("its ZIP64 end record is missing"))?;
                if le32(&record, 0) != Some(ZIP64_END) {
                    return Err(damaged("its ZIP64 end record is missing"));
                }
                entries = le64(&record, 32).unwrap_or(0);
                directory_len = le64(&record, 40).unwrap_or(0);
                directory_start = le64(&record, 48).unwrap_or(0);
            }
        }
        if directory_start.checked_add(directory_len).is_none_or(|directory_end| directory_end > end_at) {
            return Err(damaged("its central directory lies outside it"));
        }
        Ok(ZipArchive { path: path.to_path_buf(), directory_start, directory_len, entries, content: BufReader::new(file) })
    }

    /// How many entries the central directory lists.
    pub fn len(&self) -> u64 {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The entries in the central directory's order, read from the file as they are asked for.
    pub fn entries(&self) -> io::Result<Entries> {
        let mut reader = BufReader::with_capacity(64 * 1024, File::open(&self.path)?);
        reader.seek(SeekFrom::Start(self.directory_start))?;
        Ok(Entries { reader: reader.take(self.directory_len), left: self.entries, fixed: [0; 46], variable: Vec::new() })
    }

    /// The content of `entry`, decompressed. The reader fails (`InvalidData`) at its end if
    /// the bytes do not match the entry's CRC-32; it does not stop at the declared size, which
    /// the caller holds them to.
    pub fn content(&mut self, entry: &ZipEntry) -> io::Result<impl Read + '_> {
        if entry.is_encrypted() {
            return Err(damaged("an entry is encrypted"));
        }
        let mut header = [0u8; 30];
        self.content.seek(SeekFrom::Start(entry.header_offset))?;
        self.content.read_exact(&mut header).map_err(|_| damaged("an entry's local header is missing"))?;
        if le32(&header, 0) != Some(LOCAL_HEADER) {
            return Err(damaged("an entry's local header is missing"));
        }
        let skip = i64::from(le16(&header, 26).unwrap_or(0)) + i64::from(le16(&header, 28).unwrap_or(0));
        self.content.seek_relative(skip)?;
        let stored = (&mut self.content).take(entry.compressed_size);
        let bytes: Box<dyn Read + '_> = match entry.method {
            STORED => Box::new(stored),
            DEFLATED => Box::new(flate2::read::DeflateDecoder::new(stored)),
            other => return Err(damaged(&format!("compression method {other} is not one Tessera reads"))),
        };
        Ok(Checked { bytes, crc: crc32fast::Hasher::new(), expected: entry.crc })
    }
}

/// The entries of a central directory, one at a time.
pub struct Entries {
    reader: io::Take<BufReader<File>>,
    left: u64,
    fixed: [u8; 46],
    variable: Vec<u8>,
}

impl Iterator for Entries {
    type Item = io::Result<ZipEntry>;

    fn next(&mut self) -> Option<io::Result<ZipEntry>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let entry = self.read_entry();
        if entry.is_err() {
            self.left = 0;
        }
        Some(entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        (0, Some(left))
    }
}

impl Entries {
    fn read_entry(&mut self) -> io::Result<ZipEntry> {
        let header = &mut self.fixed;
        self.reader.read_exact(header).map_err(|_| damaged("its central directory ends early"))?;
        if le32(header, 0) != Some(CENTRAL_HEADER) {
            return Err(damaged("an entry of its central directory has no header"));
        }
        let (name_len, extra_len, comment_len) = (
            usize::from(le16(header, 28).unwrap_or(0)),
            usize::from(le16(header, 30).unwrap_or(0)),
            usize::from(le16(header, 32).unwrap_or(0)),
        );
        self.variable.resize(name_len + extra_len + comment_len, 0);
        self.reader.read_exact(&mut self.variable).map_err(|_| damaged("its central directory ends early"))?;
        let (name, extra) = (&self.variable[..name_len], &self.variable[name_len..name_len + extra_len]);
        let field32 = |offset: usize| le32(header, offset).unwrap_or(0);
        let mut entry = ZipEntry {
            name: name.to_vec(),
            unicode_name: None,
            made_by: le16(header, 4).unwrap_or(0),
            flags: le16(header, 8).unwrap_or(0),
            method: le16(header, 10).unwrap_or(0),
            crc: field32(16),
            compressed_size: u64::from(field32(20)),
            size: u64::from(field32(24)),
            header_offset: u64::from(field32(42)),
            external_attributes: field32(38),
        };
        for (id, data) in extra_fields(extra) {
            match id {
                // Only the fields the header marks as too large for it are here, in this order.
                ZIP64_EXTRA => {
                    let mut values = data.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
                    for (field, value) in [(24, &mut entry.size), (20, &mut entry.compressed_size), (42, &mut entry.header_offset)] {
                        if field32(field) == u32::MAX {
                            *value = values.next().ok_or_else(|| damaged("an entry's ZIP64 sizes are missing"))?;
                        }
                    }
                }
                UNICODE_PATH_EXTRA if data.len() > 5 && data[0] == 1 => {
                    let unicode = std::str::from_utf8(&data[5..]).ok();
                    if le32(data, 1) == Some(crc32fast::hash(name)) {
                        entry.unicode_name = unicode.map(str::to_string);
                    }
                }
                _ => {}
            }
        }
        Ok(entry)
    }
}

impl ZipEntry {
    /// The entry's name: UTF-8 where the entry says so or its bytes are, otherwise code page
    /// 437, the format's original encoding. `None` for a name that claims UTF-8 and is not.
    pub fn name(&self) -> Option<Cow<'_, str>> {
        if let Some(name) = &self.unicode_name {
            return Some(Cow::Borrowed(name));
        }
        match std::str::from_utf8(&self.name) {
            Ok(name) => Some(Cow::Borrowed(name)),
            Err(_) if self.flags & (1 << 11) != 0 => None,
            Err(_) => Some(Cow::Owned(
                self.name
                    .iter()
                    .map(|&b| if b < 0x80 { char::from(b) } else { CP437_HIGH.chars().nth(usize::from(b - 0x80)).unwrap_or('?') })
                    .collect(),
            )),
        }
    }

    /// A folder: its name ends in `/`.
    pub fn is_dir(&self) -> bool {
        self.name.last() == Some(&b'/')
    }

    /// The Unix mode bits, for entries made on Unix (or macOS) that record them.
    pub fn unix_mode(&self) -> Option<u32> {
        let host = self.made_by >> 8;
        let mode = self.external_attributes >> 16;
        (matches!(host, 3 | 19) && mode != 0).then_some(mode)
    }

    pub fn is_symlink(&self) -> bool {
        self.unix_mode().is_some_and(|mode| mode & 0o170000 == 0o120000)
    }

    /// Whether its mode says it is anything but a regular file: a device, a pipe, a link, or a
    /// folder not named as one.
    pub fn is_special(&self) -> bool {
        self.unix_mode().map(|mode| mode & 0o170000).is_some_and(|kind| kind != 0 && kind != 0o100000)
    }

    pub fn is_encrypted(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// An entry's bytes, checked against its CRC-32 once they end.
struct Checked<R> {
    bytes: R,
    crc: crc32fast::Hasher,
    expected: u32,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.bytes.read(buf)?;
        self.crc.update(&buf[..read]);
        if read == 0 && !buf.is_empty() && self.crc.clone().finalize() != self.expected {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "its bytes do not match its CRC-32"));
        }
        Ok(read)
    }
}

/// The (id, data) pairs of an extra field; a truncated last pair is ignored.
fn extra_fields(mut extra: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let (id, len) = (le16(extra, 0)?, usize::from(le16(extra, 2)?));
        let data = extra.get(4..4 + len)?;
        extra = &extra[4 + len..];
        Some((id, data))
    })
}

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn le64(bytes: &[u8], at: usize) -> Option<u64> {
    bytes.get(at..at + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a Python script that writes an archive to the path it is given, and opens it.
    fn made_by_python(dir: &Path, script: &str) -> ZipArchive {
        let path = dir.join("made.zip");
        let script = format!("import sys, zipfile\npath = sys.argv[1]\n{script}");
        let output = std::process::Command::new("python3").args(["-c", &script]).arg(&path).output().expect("python3 is on the machine");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        ZipArchive::open(&path).unwrap()
    }

    /// Every entry's name and content, read as the caller would.
    fn read_all(archive: &mut ZipArchive) -> Vec<(String, io::Result<Vec<u8>>)> {
        let entries: Vec<ZipEntry> = archive.entries().unwrap().map(Result::unwrap).collect();
        assert_eq!(entries.len() as u64, archive.len());
        entries
            .iter()
            .map(|entry| {
                let mut bytes = Vec::new();
                let read = archive.content(entry).and_then(|mut content| content.read_to_end(&mut bytes)).map(|_| bytes);
                (entry.name().unwrap().into_owned(), read)
            })
            .collect()
    }

    #[test]
    fn stored_and_deflated_entries_read_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = made_by_python(
            dir.path(),
            r#"
with zipfile.ZipFile(path, "w") as z:
    z.writestr("stored.txt", b"hello", compress_type=zipfile.ZIP_STORED)
    z.writestr("data/deflated.csv", b"x,y\n" * 1000, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("data/", b"")
    z.writestr("données/é.txt", b"\xc3\xa9")
    link = zipfile.ZipInfo("link")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    z.writestr(link, "stored.txt")
    z.comment = b"a comment the end record is found past"
"#,
        );
        let read = read_all(&mut archive);
        let names: Vec<&str> = read.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["stored.txt", "data/deflated.csv", "data/", "données/é.txt", "link"]);
        assert_eq!(read[0].1.as_ref().unwrap(), b"hello");
        assert_eq!(read[1].1.as_ref().unwrap(), &b"x,y\n".repeat(1000));
        let entries: Vec<ZipEntry> = archive.entries().unwrap().map(Result::unwrap).collect();
        assert_eq!((entries[1].method, entries[1].size), (DEFLATED, 4000));
        assert!(entries[1].compressed_size < 100);
        assert!(entries[2].is_dir() && !entries[1].is_dir());
        assert!(entries[4].is_symlink() && entries[4].is_special() && !entries[0].is_symlink());
    }

    /// Tessera's own archives give every size and offset in ZIP64 fields, and end with
    /// ZIP64 end records.
    #[test]
    fn zip64_fields_and_end_records_are_read() {
        let files = [("a.txt", &b"first"[..]), ("b/c.txt", &b"second"[..]), ("empty", &b""[..])];
        let bytes = crate::zip::tests::archive_of(&files);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tessera.zip");
        std::fs::write(&path, &bytes).unwrap();
        let read = read_all(&mut ZipArchive::open(&path).unwrap());
        let read: Vec<(&str, &[u8])> = read.iter().map(|(name, bytes)| (name.as_str(), bytes.as_ref().unwrap().as_slice())).collect();
        assert_eq!(read, files);
    }

    /// More entries than the end record can count: Python writes ZIP64 end records.
    #[test]
    fn an_archive_of_more_than_65535_entries_is_walked_whole() {
        let dir = tempfile::tempdir().unwrap();
        let archive = made_by_python(
            dir.path(),
            "with zipfile.ZipFile(path, 'w') as z:\n    for n in range(70000):\n        z.writestr(f'f{n}', b'')",
        );
        assert_eq!(archive.len(), 70_000);
        let mut last = None;
        let mut count = 0;
        for entry in archive.entries().unwrap() {
            last = Some(entry.unwrap());
            count += 1;
        }
        assert_eq!((count, last.unwrap().name().unwrap().as_ref()), (70_000, "f69999"));
    }

    #[test]
    fn names_not_in_utf8_are_code_page_437_unless_marked_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("made.zip");
        let _ = made_by_python(dir.path(), "with zipfile.ZipFile(path, 'w') as z:\n    z.writestr('cafX.txt', b'')");
        // Both the local and the central header name the entry.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, replace(&bytes, b"cafX.txt", b"caf\x82.txt")).unwrap();
        let archive = ZipArchive::open(&path).unwrap();
        let entry = archive.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(entry.name().unwrap(), "café.txt");
        // The same bytes with the UTF-8 flag set are no name at all.
        let flagged = ZipEntry { flags: entry.flags | (1 << 11), ..entry };
        assert_eq!(flagged.name(), None);
    }

    #[test]
    fn damage_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = made_by_python(
            dir.path(),
            "with zipfile.ZipFile(path, 'w') as z:\n    z.writestr('a.txt', b'hello world', compress_type=zipfile.ZIP_STORED)",
        );
        let path = dir.path().join("made.zip");
        assert!(read_all(&mut archive)[0].1.is_ok());
        // One byte of content changed: the CRC-32 no longer matches.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, replace(&bytes, b"hello world", b"hello World")).unwrap();
        let err = read_all(&mut ZipArchive::open(&path).unwrap()).remove(0).1.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("CRC-32"), "{err}");
        // Cut short, or not a zip at all.
        std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
        assert!(ZipArchive::open(&path).err().unwrap().to_string().contains("no end record"));
        std::fs::write(&path, b"not an archive").unwrap();
        assert!(ZipArchive::open(&path).is_err());
        // A central directory that names more entries than it holds.
        let mut more = bytes;
        let end = more.len() - 22;
        more[end + 10] = 2;
        more[end + 8] = 2;
        std::fs::write(&path, &more).unwrap();
        let entries: Vec<io::Result<ZipEntry>> = ZipArchive::open(&path).unwrap().entries().unwrap().collect();
        assert!(entries[0].is_ok() && entries[1].as_ref().unwrap_err().to_string().contains("ends early"));
    }

    fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at..].starts_with(from) {
                out.extend_from_slice(to);
                at += from.len();
            } else {
                out.push(bytes[at]);
                at += 1;
            }
        }
        out
    }
}
