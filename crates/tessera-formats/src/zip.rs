//! A zip writer for streaming: entries are stored (not compressed), sizes and CRCs follow
//! each entry in a data descriptor, and every size is ZIP64, so an archive needs no seeking,
//! no temporary file and has no size limit (APPNOTE.TXT 6.3, §4.3.9 and §4.5.3).
//!
//! The central directory at the end is made from the entries' names and sizes given again
//! by the caller (from the catalogue, a page at a time), so the writer keeps 8 bytes per
//! entry rather than every name.
//!
//! The writer only produces bytes; the caller moves them. Research data is mostly already
//! compressed or quick to transfer, and storing keeps the server's CPU for hashing.
//! `unzip` reads these archives back, as it reads any other.

use bytes::{BufMut, Bytes, BytesMut};
use time::OffsetDateTime;

// The records' signatures, and the ZIP64 extra field's id; `unzip` reads them too.
pub(crate) const LOCAL_HEADER: u32 = 0x0403_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
pub(crate) const CENTRAL_HEADER: u32 = 0x0201_4b50;
pub(crate) const ZIP64_END: u32 = 0x0606_4b50;
pub(crate) const ZIP64_LOCATOR: u32 = 0x0706_4b50;
pub(crate) const END: u32 = 0x0605_4b50;
/// Version 4.5: ZIP64.
const VERSION: u16 = 45;
/// Made on Unix (high byte 3), so permissions in the external attributes mean something.
const MADE_BY: u16 = (3 << 8) | VERSION;
/// Bit 3: sizes and CRC follow in a data descriptor; bit 11: names are UTF-8.
const FLAGS: u16 = (1 << 3) | (1 << 11);
pub(crate) const ZIP64_EXTRA: u16 = 0x0001;

/// What the central directory needs of a written entry beyond its name and size, which
/// the caller gives again: so a writer holds 8 bytes per entry, not its name.
#[derive(Clone, Copy)]
struct Written {
    crc: u32,
    dos_time: u16,
    dos_date: u16,
}

/// Writes one archive: `start_entry`, `write` for each chunk and `finish_entry` for every
/// entry, then `directory` and, for every entry again in the same order, `Directory::entry`,
/// and `Directory::finish`.
#[derive(Default)]
pub struct ZipWriter {
    offset: u64,
    written: Vec<Written>,
    current: Option<(Written, u64, crc32fast::Hasher)>,
}

impl ZipWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// The local header of a new entry. `name` must already be a safe relative path.
    pub fn start_entry(&mut self, name: &str, modified: OffsetDateTime) -> Bytes {
        let (dos_time, dos_date) = dos_datetime(modified);
        let mut out = BytesMut::with_capacity(local_header_len(name));
        out.put_u32_le(LOCAL_HEADER);
        out.put_u16_le(VERSION);
        out.put_u16_le(FLAGS);
        out.put_u16_le(0); // stored
        out.put_u16_le(dos_time);
        out.put_u16_le(dos_date);
        out.put_u32_le(0); // CRC, in the descriptor
        out.put_u32_le(u32::MAX); // sizes, in the ZIP64 extra field and the descriptor
        out.put_u32_le(u32::MAX);
        out.put_u16_le(name.len() as u16);
        out.put_u16_le(20);
        out.put_slice(name.as_bytes());
        out.put_u16_le(ZIP64_EXTRA);
        out.put_u16_le(16);
        out.put_u64_le(0);
        out.put_u64_le(0);
        self.offset += out.len() as u64;
        self.current = Some((Written { crc: 0, dos_time, dos_date }, 0, crc32fast::Hasher::new()));
        out.freeze()
    }

    /// Accounts for a chunk of the current entry's content, which the caller sends as it is.
    pub fn write(&mut self, chunk: &[u8]) {
        if let Some((_, size, crc)) = &mut self.current {
            crc.update(chunk);
            *size += chunk.len() as u64;
            self.offset += chunk.len() as u64;
        }
    }

    /// The data descriptor that closes the current entry.
    pub fn finish_entry(&mut self) -> Bytes {
        let Some((mut entry, size, crc)) = self.current.take() else { return Bytes::new() };
        entry.crc = crc.finalize();
        let mut out = BytesMut::with_capacity(DESCRIPTOR_LEN as usize);
        out.put_u32_le(DATA_DESCRIPTOR);
        out.put_u32_le(entry.crc);
        out.put_u64_le(size);
        out.put_u64_le(size);
        self.offset += out.len() as u64;
        self.written.push(entry);
        out.freeze()
    }

    /// Closes the last entry (its descriptor is returned) and starts the central directory.
    pub fn directory(mut self) -> (Bytes, Directory) {
        let descriptor = self.finish_entry();
        let directory = Directory { written: self.written, next: 0, replayed: 0, start: self.offset, size: 0 };
        (descriptor, directory)
    }
}

/// The central directory of a `ZipWriter`'s archive, made from its entries given again by
/// name and size, so that an archive of any number of entries is written in bounded memory.
pub struct Directory {
    written: Vec<Written>,
    next: usize,
    /// Where the entry given next starts, from the names and sizes given so far.
    replayed: u64,
    start: u64,
    size: u64,
}

impl Directory {
    /// The central directory header of the next entry, which must be the one written under
    /// this name with this size.
    pub fn entry(&mut self, name: &str, size: u64) -> Result<Bytes, String> {
        let Some(written) = self.written.get(self.next) else {
            return Err(format!("'{name}' is one entry more than the archive holds"));
        };
        let mut out = BytesMut::with_capacity(46 + name.len() + 28);
        out.put_u32_le(CENTRAL_HEADER);
        out.put_u16_le(MADE_BY);
        out.put_u16_le(VERSION);
        out.put_u16_le(FLAGS);
        out.put_u16_le(0);
        out.put_u16_le(written.dos_time);
        out.put_u16_le(written.dos_date);
        out.put_u32_le(written.crc);
        out.put_u32_le(u32::MAX);
        out.put_u32_le(u32::MAX);
        out.put_u16_le(name.len() as u16);
        out.put_u16_le(28);
        out.put_u16_le(0); // comment
        out.put_u16_le(0); // disk
        out.put_u16_le(0); // internal attributes
        out.put_u32_le(0o100_644 << 16); // a regular file, rw-r--r--
        out.put_u32_le(u32::MAX);
        out.put_slice(name.as_bytes());
        out.put_u16_le(ZIP64_EXTRA);
        out.put_u16_le(24);
        out.put_u64_le(size);
        out.put_u64_le(size);
        out.put_u64_le(self.replayed);
        self.next += 1;
        self.replayed += local_header_len(name) as u64 + size + DESCRIPTOR_LEN;
        self.size += out.len() as u64;
        Ok(out.freeze())
    }

    /// The end records, once every entry was given again, each as it was written.
    pub fn finish(self) -> Result<Bytes, String> {
        if self.next != self.written.len() || self.replayed != self.start {
            return Err(format!(
                "the central directory does not match the archive: {} of {} entries given, ending at byte {} rather than {}",
                self.next,
                self.written.len(),
                self.replayed,
                self.start
            ));
        }
        let (directory_start, directory_size) = (self.start, self.size);
        let zip64_end = directory_start + directory_size;
        let count = self.written.len() as u64;
        let mut out = BytesMut::with_capacity(TAIL_LEN);
        out.put_u32_le(ZIP64_END);
        out.put_u64_le(44);
        out.put_u16_le(MADE_BY);
        out.put_u16_le(VERSION);
        out.put_u32_le(0);
        out.put_u32_le(0);
        out.put_u64_le(count);
        out.put_u64_le(count);
        out.put_u64_le(directory_size);
        out.put_u64_le(directory_start);
        out.put_u32_le(ZIP64_LOCATOR);
        out.put_u32_le(0);
        out.put_u64_le(zip64_end);
        out.put_u32_le(1);
        out.put_u32_le(END);
        out.put_u16_le(0);
        out.put_u16_le(0);
        out.put_u16_le(u16::MAX);
        out.put_u16_le(u16::MAX);
        out.put_u32_le(u32::MAX);
        out.put_u32_le(u32::MAX);
        out.put_u16_le(0);
        Ok(out.freeze())
    }
}

/// The length of an entry's local header.
fn local_header_len(name: &str) -> usize {
    30 + name.len() + 20
}

/// The length of the data descriptor after an entry's content.
const DESCRIPTOR_LEN: u64 = 24;

/// The end of an archive: the ZIP64 end record, its locator and the end record.
const TAIL_LEN: usize = 56 + 20 + 22;

/// MS-DOS time and date; years before 1980 (the format's epoch) are clamped to it.
fn dos_datetime(t: OffsetDateTime) -> (u16, u16) {
    let year = t.year().clamp(1980, 2107) as u16;
    let time = (u16::from(t.hour()) << 11) | (u16::from(t.minute()) << 5) | (u16::from(t.second()) / 2);
    let date = ((year - 1980) << 9) | (u16::from(u8::from(t.month())) << 5) | u16::from(t.day());
    (time, date)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The archive opens with Python's zipfile, which checks CRCs and the ZIP64 records.
    #[test]
    fn python_reads_the_archive() {
        let entries = [("a.txt", &b"hello"[..]), ("dir/b\u{e9}.csv", &b"x,y\n1,2\n"[..]), ("empty", &b""[..])];
        let bytes = archive_of(&entries);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zip");
        std::fs::write(&path, &bytes).unwrap();
        let script = "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nfor i in z.infolist(): print(i.filename, i.file_size, i.date_time, z.read(i).decode())";
        let output = std::process::Command::new("python3").args(["-c", script]).arg(&path).output().expect("python3 is on the machine");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "a.txt 5 (2024, 5, 17, 10, 30, 8) hello\ndir/b\u{e9}.csv 8 (2024, 5, 17, 10, 30, 8) x,y\n1,2\n\nempty 0 (2024, 5, 17, 10, 30, 8) \n"
        );
    }

    /// A central directory given entries other than those written is refused, not written.
    #[test]
    fn the_directory_must_list_what_was_written() {
        let entries = [("a.txt", &b"hello"[..]), ("b.txt", &b"bye"[..])];
        let replay = |given: &[(&str, u64)]| {
            let (_, zip) = written(&entries);
            let (_, mut directory) = zip.directory();
            for (name, size) in given {
                directory.entry(name, *size)?;
            }
            directory.finish().map(|_| ())
        };
        assert!(replay(&[("a.txt", 5), ("b.txt", 3)]).is_ok());
        assert!(replay(&[("a.txt", 5)]).unwrap_err().contains("1 of 2 entries"));
        assert!(replay(&[("a.txt", 5), ("b.txt", 4)]).is_err());
        assert!(replay(&[("a.txt", 5), ("bb.txt", 3)]).is_err());
        assert!(replay(&[("a.txt", 5), ("b.txt", 3), ("c.txt", 0)]).unwrap_err().contains("one entry more"));
    }

    /// A whole archive of `entries`, as a download of them would be.
    pub(crate) fn archive_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let (mut bytes, zip) = written(entries);
        let (descriptor, mut directory) = zip.directory();
        bytes.extend_from_slice(&descriptor);
        for (name, content) in entries {
            bytes.extend_from_slice(&directory.entry(name, content.len() as u64).unwrap());
        }
        bytes.extend_from_slice(&directory.finish().unwrap());
        bytes
    }

    /// The entries written, chunk by chunk, and the writer left to close the archive.
    fn written(entries: &[(&str, &[u8])]) -> (Vec<u8>, ZipWriter) {
        let mut zip = ZipWriter::new();
        let mut bytes = Vec::new();
        let when = time::macros::datetime!(2024-05-17 10:30:08 UTC);
        for (name, content) in entries {
            bytes.extend_from_slice(&zip.start_entry(name, when));
            for chunk in content.chunks(3) {
                zip.write(chunk);
                bytes.extend_from_slice(chunk);
            }
            bytes.extend_from_slice(&zip.finish_entry());
        }
        (bytes, zip)
    }
}
