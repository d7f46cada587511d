//! A tar writer for streaming (POSIX.1-2001 pax): each entry is a 512-byte ustar header, the
//! content, and zeros to the next 512-byte boundary. A name that ustar cannot hold (over 100
//! bytes, or not ASCII) or a size over its 8 GiB goes in a pax extended header before it, so
//! names and sizes have no limit. Sizes are known before an entry starts, so nothing is
//! buffered and nothing seeks.

use bytes::{BufMut, Bytes, BytesMut};

const BLOCK: usize = 512;
/// The largest size ustar's 11 octal digits hold.
const USTAR_MAX_SIZE: u64 = 0o77_777_777_777;

/// The header(s) of an entry of `size` bytes named `name` (a safe relative path), last
/// modified at `mtime` (Unix seconds).
pub fn entry_header(name: &str, size: u64, mtime: i64) -> Bytes {
    let mut out = BytesMut::with_capacity(3 * BLOCK);
    let plain = name.len() <= 100 && name.is_ascii() && !name.contains('\0');
    if !plain || size > USTAR_MAX_SIZE {
        let mut records = String::new();
        if !plain {
            records.push_str(&pax_record("path", name));
        }
        if size > USTAR_MAX_SIZE {
            records.push_str(&pax_record("size", &size.to_string()));
        }
        out.put_slice(&ustar(&pax_name(name), records.len() as u64, mtime, b'x'));
        out.put_slice(records.as_bytes());
        out.put_bytes(0, padding(records.len() as u64));
    }
    let short: String = if plain { name.to_string() } else { fallback_name(name) };
    out.put_slice(&ustar(&short, size.min(USTAR_MAX_SIZE), mtime, b'0'));
    out.freeze()
}

/// The zeros that end an entry of `size` bytes at a block boundary.
pub fn entry_end(size: u64) -> Bytes {
    Bytes::from(vec![0; padding(size)])
}

/// The end of the archive: two zero blocks.
pub fn finish() -> Bytes {
    Bytes::from(vec![0; 2 * BLOCK])
}

fn padding(size: u64) -> usize {
    (BLOCK - (size % BLOCK as u64) as usize) % BLOCK
}

/// `"{length} {key}={value}\n"`, where the length counts the whole record, its own digits too.
fn pax_record(key: &str, value: &str) -> String {
    let rest = key.len() + value.len() + 3; // space, '=', newline
    let mut length = rest + 1;
    while length != rest + length.to_string().len() {
        length = rest + length.to_string().len();
    }
    format!("{length} {key}={value}\n")
}

/// The ustar name of a pax header: readers that know pax never show it.
fn pax_name(name: &str) -> String {
    format!("PaxHeaders/{}", fallback_name(name))
}

/// What a reader without pax sees: the name's last 100 ASCII-safe bytes.
fn fallback_name(name: &str) -> String {
    let safe: String = name.chars().map(|c| if c.is_ascii() && c != '\0' { c } else { '_' }).collect();
    safe[safe.len().saturating_sub(100)..].to_string()
}

fn ustar(name: &str, size: u64, mtime: i64, kind: u8) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    block[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut block[100..108], 0o644);
    octal(&mut block[108..116], 0);
    octal(&mut block[116..124], 0);
    octal(&mut block[124..136], size);
    octal(&mut block[136..148], u64::try_from(mtime).unwrap_or(0));
    block[156] = kind;
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    // The checksum is taken with its own field as spaces.
    block[148..156].fill(b' ');
    let sum: u32 = block.iter().map(|b| u32::from(*b)).sum();
    block[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    block
}

/// A zero-padded octal number ending in NUL, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    field[..digits].copy_from_slice(format!("{value:0digits$o}").as_bytes());
    field[digits] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_lengths_count_themselves() {
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        assert_eq!(pax_record("path", "abcd"), "13 path=abcd\n");
        let long = "x".repeat(95);
        let record = pax_record("path", &long);
        assert_eq!(record.len(), record.split(' ').next().unwrap().parse::<usize>().unwrap());
    }

    #[test]
    fn headers_are_blocks_with_a_valid_checksum() {
        let header = entry_header("data/a.csv", 3, 1_700_000_000);
        assert_eq!(header.len(), BLOCK);
        assert_eq!(&header[..10], b"data/a.csv");
        assert_eq!(&header[124..136], b"00000000003\0");
        let stated = u32::from_str_radix(std::str::from_utf8(&header[148..154]).unwrap(), 8).unwrap();
        let mut copy = header.to_vec();
        copy[148..156].fill(b' ');
        assert_eq!(stated, copy.iter().map(|b| u32::from(*b)).sum::<u32>());
        assert_eq!(entry_end(3).len(), 509);
        assert_eq!(entry_end(1024).len(), 0);
        // A long or non-ASCII name goes first in a pax header.
        let named = entry_header(&format!("data/{}/río.csv", "d".repeat(120)), 3, 0);
        assert_eq!(named.len(), 3 * BLOCK);
        assert_eq!(named[156], b'x');
        assert!(std::str::from_utf8(&named[BLOCK..2 * BLOCK]).unwrap().contains("path=data/ddd"));
    }
}
