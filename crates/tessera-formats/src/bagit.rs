//! BagIt (RFC 8493) both ways. Out: a record version's tag files, made from the payload files
//! as they went out, the payload manifest a piece at a time; manifests use SHA-512, the digest
//! OCFL already keeps for every file. In: strict parsers for the tag files of bags
//! from version 0.93 to 1.0, each problem named, and digests of every algorithm bags use.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384};

use crate::Described;

/// One payload file: its key in the record and its SHA-512, hex.
#[derive(Clone, Copy, Debug)]
pub struct BagFile<'a> {
    pub key: &'a str,
    pub size: i64,
    pub sha512: &'a str,
}

/// The payload manifest's name: SHA-512, the digest OCFL already keeps for every file.
pub const MANIFEST: &str = "manifest-sha512.txt";
/// The tag manifest's name, over every other tag file.
pub const TAG_MANIFEST: &str = "tagmanifest-sha512.txt";

/// The tag files a bag writes before its manifests, by path relative to its root, for a
/// payload of `bytes` in `count` files bagged on `bagging_date` (YYYY-MM-DD): `bagit.txt`,
/// `bag-info.txt`, then the `extra` tag files (such as `metadata/datacite.xml`). [`MANIFEST`]
/// follows them, and [`TAG_MANIFEST`] comes last.
pub fn tag_files(
    record: &Described<'_>,
    (bytes, count): (i64, usize),
    bagging_date: &str,
    extra: Vec<(String, Vec<u8>)>,
) -> Vec<(String, Vec<u8>)> {
    let mut info = vec![
        ("Source-Organization", record.publisher().to_string()),
        ("External-Identifier", record.pid_url()),
        ("External-Description", record.metadata.title.clone().unwrap_or_default()),
        ("Bagging-Date", bagging_date.to_string()),
        ("Payload-Oxum", format!("{bytes}.{count}")),
        ("Bag-Size", human_size(bytes)),
        ("Bag-Software-Agent", "Tessera".to_string()),
    ];
    info.retain(|(_, value)| !value.trim().is_empty());
    let bag_info: String = info.iter().map(|(label, value)| format!("{label}: {}\n", one_line(value))).collect();
    let mut tags = vec![
        ("bagit.txt".to_string(), b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec()),
        ("bag-info.txt".to_string(), bag_info.into_bytes()),
    ];
    tags.extend(extra);
    tags
}

/// [`MANIFEST`] for the payload `files`, in pieces of at most a thousand lines.
pub fn manifest<'a>(files: impl Iterator<Item = BagFile<'a>> + Send + 'a) -> impl Iterator<Item = Vec<u8>> + Send + 'a {
    let mut files = files.peekable();
    std::iter::from_fn(move || {
        files.peek()?;
        let lines: String =
            files.by_ref().take(crate::pretty::PIECE_ITEMS).map(|f| format!("{}  data/{}\n", f.sha512, manifest_path(f.key))).collect();
        Some(lines.into_bytes())
    })
}

/// [`TAG_MANIFEST`] over the tag files before it, each by its path and SHA-512 ([`sha512_hex`]).
pub fn tag_manifest(digests: &[(String, String)]) -> Vec<u8> {
    digests.iter().map(|(path, digest)| format!("{digest}  {}\n", manifest_path(path))).collect::<String>().into_bytes()
}

/// The SHA-512 of bytes given in pieces, hex.
pub fn sha512_hex<P: AsRef<[u8]>>(pieces: impl IntoIterator<Item = P>) -> String {
    let mut hasher = Algorithm::Sha512.hasher();
    pieces.into_iter().for_each(|piece| hasher.update(piece.as_ref()));
    hasher.finish_hex()
}

/// A path as manifests write it: CR and LF percent-encoded. RFC 8493 asks for `%` too, but
/// the reference tools (bagit-python, the Library of Congress's) neither write nor read `%25`,
/// and refuse a bag that has it, so a literal `%` stays as it is, as theirs do.
fn manifest_path(path: &str) -> String {
    path.replace('\r', "%0D").replace('\n', "%0A")
}

/// A bag-info value on one line: line breaks would start a new label.
fn one_line(value: &str) -> String {
    value.split(['\r', '\n']).filter(|part| !part.trim().is_empty()).collect::<Vec<_>>().join(" ")
}

fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{size:.1} {}", UNITS[unit]) }
}

/// What `bagit.txt` declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub version: (u32, u32),
    pub encoding: String,
}

/// Reads `bagit.txt`: exactly `BagIt-Version: M.N` and `Tag-File-Character-Encoding: ENC`,
/// in UTF-8 without a byte order mark, as every version of the spec has it.
pub fn parse_declaration(bytes: &[u8]) -> Result<Declaration, String> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err("bagit.txt starts with a byte order mark, which BagIt forbids".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "bagit.txt is not UTF-8".to_string())?;
    let lines: Vec<&str> = text.lines().collect();
    let field = |n: usize, label: &str| {
        lines.get(n).and_then(|line| line.strip_prefix(label)).and_then(|rest| rest.strip_prefix(": ")).map(str::trim_end).ok_or_else(
            || format!("line {} of bagit.txt must be '{label}: …' (found '{}')", n + 1, lines.get(n).copied().unwrap_or_default()),
        )
    };
    let version = field(0, "BagIt-Version")?;
    let parsed = version.split_once('.').and_then(|(major, minor)| {
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        (digits(major) && digits(minor)).then(|| Some((major.parse().ok()?, minor.parse().ok()?))).flatten()
    });
    let version = parsed.ok_or_else(|| format!("'{version}' is not a BagIt version (M.N)"))?;
    let encoding = field(1, "Tag-File-Character-Encoding")?.to_string();
    if lines.len() > 2 {
        return Err("bagit.txt has lines beyond its two declarations".into());
    }
    Ok(Declaration { version, encoding })
}

/// A tag file's text, decoded from the bag's declared encoding: UTF-8, ISO-8859-1 or UTF-16.
pub fn decode(bytes: &[u8], encoding: &str) -> Result<String, String> {
    match encoding.to_ascii_uppercase().replace('_', "-").as_str() {
        "UTF-8" => {
            let text =
                std::str::from_utf8(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes)).map_err(|e| format!("not UTF-8: {e}"))?;
            Ok(text.to_string())
        }
        "ISO-8859-1" | "LATIN-1" | "LATIN1" => Ok(bytes.iter().map(|b| char::from(*b)).collect()),
        "UTF-16" | "UTF-16LE" | "UTF-16BE" => {
            let (big, body) = match bytes {
                [0xFE, 0xFF, rest @ ..] => (true, rest),
                [0xFF, 0xFE, rest @ ..] => (false, rest),
                _ => (encoding.eq_ignore_ascii_case("UTF-16BE") || !encoding.eq_ignore_ascii_case("UTF-16LE"), bytes),
            };
            if body.len() % 2 != 0 {
                return Err("not UTF-16: an odd number of bytes".into());
            }
            let units = body
                .chunks(2)
                .map(|pair| if big { u16::from_be_bytes([pair[0], pair[1]]) } else { u16::from_le_bytes([pair[0], pair[1]]) });
            char::decode_utf16(units).collect::<Result<String, _>>().map_err(|e| format!("not UTF-16: {e}"))
        }
        other => Err(format!("the tag file encoding '{other}' is not one Tessera reads (UTF-8, ISO-8859-1, UTF-16)")),
    }
}

/// The entries of a manifest: (path relative to the bag, digest), each path as the bag's
/// files name it (CR and LF decoded, a leading `./` dropped). `name` is the manifest's own
/// name, for the problems, which name every bad line at once.
pub fn parse_manifest(text: &str, name: &str) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let Some((digest, path)) = line.split_once([' ', '\t']) else {
            problems.push(format!("{name} line {}: expected a checksum and a path", n + 1));
            continue;
        };
        // md5sum and sha*sum mark binary reads with a `*` before the path.
        let path = path.trim_start_matches([' ', '\t']);
        let path = path.strip_prefix('*').unwrap_or(path);
        let path = path.strip_prefix("./").unwrap_or(path).replace("%0D", "\r").replace("%0A", "\n");
        if !digest.chars().all(|c| c.is_ascii_hexdigit()) || digest.is_empty() {
            problems.push(format!("{name} line {}: '{digest}' is not a hexadecimal checksum", n + 1));
        } else if !in_scope(&path) {
            problems.push(format!("{name} line {}: the path '{path}' points outside the bag", n + 1));
        } else {
            entries.push((path, digest.to_ascii_lowercase()));
        }
    }
    if problems.is_empty() { Ok(entries) } else { Err(problems) }
}

/// One line of `fetch.txt`: where a payload file not in the bag can be fetched from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchItem {
    pub url: String,
    pub length: Option<u64>,
    pub path: String,
}

/// The entries of `fetch.txt`.
pub fn parse_fetch(text: &str) -> Result<Vec<FetchItem>, Vec<String>> {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let mut parts = line.splitn(3, [' ', '\t']);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(url), Some(length), Some(path)) => {
                let path = path.trim_start().replace("%0D", "\r").replace("%0A", "\n");
                if !in_scope(&path) || !path.starts_with("data/") {
                    problems.push(format!("fetch.txt line {}: the path '{path}' points outside the payload", n + 1));
                } else {
                    entries.push(FetchItem { url: url.to_string(), length: length.parse().ok(), path });
                }
            }
            _ => problems.push(format!("fetch.txt line {}: expected a URL, a length and a path", n + 1)),
        }
    }
    if problems.is_empty() { Ok(entries) } else { Err(problems) }
}

/// The labels and values of `bag-info.txt`, in order; a line starting with whitespace
/// continues the value before it.
pub fn parse_bag_info(text: &str) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, line)| !line.is_empty()) {
        if line.starts_with([' ', '\t']) {
            match fields.last_mut() {
                Some((_, value)) => {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                None => problems.push(format!("bag-info.txt line {}: a continuation with nothing to continue", n + 1)),
            }
        } else if let Some((label, value)) = line.split_once(':') {
            fields.push((label.trim().to_string(), value.trim().to_string()));
        } else {
            problems.push(format!("bag-info.txt line {}: expected 'Label: value'", n + 1));
        }
    }
    if problems.is_empty() { Ok(fields) } else { Err(problems) }
}

/// Whether a path from a manifest stays inside the bag: relative, and never through `..` or
/// a home-folder shortcut.
fn in_scope(path: &str) -> bool {
    !path.is_empty() && !path.starts_with(['/', '\\', '~']) && !path.contains(':') && !path.split(['/', '\\']).any(|part| part == "..")
}

/// A checksum algorithm a manifest is named for (`manifest-sha256.txt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "md5" => Self::Md5,
            "sha1" => Self::Sha1,
            "sha224" => Self::Sha224,
            "sha256" => Self::Sha256,
            "sha384" => Self::Sha384,
            "sha512" => Self::Sha512,
            _ => return None,
        })
    }

    pub fn hasher(self) -> Hasher {
        match self {
            Self::Md5 => Hasher::Md5(Md5::new()),
            Self::Sha1 => Hasher::Sha1(Sha1::new()),
            Self::Sha224 => Hasher::Sha224(Sha224::new()),
            Self::Sha256 => Hasher::Sha256(Sha256::new()),
            Self::Sha384 => Hasher::Sha384(Sha384::new()),
            Self::Sha512 => Hasher::Sha512(openssl::sha::Sha512::new()),
        }
    }
}

/// A digest in progress, of any algorithm bags use. SHA-512, every stored file's digest, is
/// OpenSSL's, as in the storage layer.
pub enum Hasher {
    Md5(Md5),
    Sha1(Sha1),
    Sha224(Sha224),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(openssl::sha::Sha512),
}

impl Hasher {
    pub fn update(&mut self, chunk: &[u8]) {
        match self {
            Self::Md5(h) => h.update(chunk),
            Self::Sha1(h) => h.update(chunk),
            Self::Sha224(h) => h.update(chunk),
            Self::Sha256(h) => h.update(chunk),
            Self::Sha384(h) => h.update(chunk),
            Self::Sha512(h) => h.update(chunk),
        }
    }

    pub fn finish_hex(self) -> String {
        match self {
            Self::Md5(h) => format!("{:x}", h.finalize()),
            Self::Sha1(h) => format!("{:x}", h.finalize()),
            Self::Sha224(h) => format!("{:x}", h.finalize()),
            Self::Sha256(h) => format!("{:x}", h.finalize()),
            Self::Sha384(h) => format!("{:x}", h.finalize()),
            Self::Sha512(h) => h.finish().iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_encode_what_would_break_a_line() {
        assert_eq!(manifest_path("a%b\nc\r.txt"), "a%b%0Ac%0D.txt");
        assert_eq!(one_line("Title\non two lines"), "Title on two lines");
        assert_eq!((human_size(999), human_size(1_500_000)), ("999 bytes".to_string(), "1.5 MB".to_string()));
    }

    #[test]
    fn the_manifest_comes_in_pieces_of_a_thousand_lines() {
        let keys: Vec<String> = (0..2_500).map(|n| format!("f{n}\n.txt")).collect();
        let files = keys.iter().map(|key| BagFile { key, size: 1, sha512: "ab" });
        let pieces: Vec<Vec<u8>> = manifest(files).collect();
        let lines: Vec<usize> = pieces.iter().map(|p| p.iter().filter(|b| **b == b'\n').count()).collect();
        assert_eq!(lines, [1_000, 1_000, 500]);
        assert!(pieces[0].starts_with(b"ab  data/f0%0A.txt\nab  data/f1%0A.txt\n"));
        assert_eq!(manifest(std::iter::empty()).count(), 0);
        let digests = [("bagit.txt".to_string(), sha512_hex([b"a".as_slice(), b"bc"])), ("x\ny".to_string(), "00".to_string())];
        let tag_manifest = String::from_utf8(tag_manifest(&digests)).unwrap();
        assert_eq!(tag_manifest, format!("{}  bagit.txt\n00  x%0Ay\n", sha512_hex([b"abc"])));
        assert!(tag_manifest.starts_with("ddaf35a193617aba"), "{tag_manifest}");
    }

    #[test]
    fn tag_files_are_read_strictly() {
        let ok = parse_declaration(b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n").unwrap();
        assert_eq!(ok, Declaration { version: (0, 97), encoding: "UTF-8".into() });
        for bad in [
            &b"BagIt-Version : 1.0\nTag-File-Character-Encoding: UTF-8\n"[..],
            b"BagIt-Version: .97\nTag-File-Character-Encoding: UTF-8\n",
            b"BagIt-Version: 1.0\n",
        ] {
            assert!(parse_declaration(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(decode(&[0xFF, 0xFE, b'h', 0, b'i', 0], "UTF-16").unwrap(), "hi");
        assert_eq!(decode(&[0xE9], "ISO-8859-1").unwrap(), "é");
        let entries = parse_manifest("ABC  ./data/a%0Ab.txt\nabc data/x y.txt\n", "manifest-md5.txt").unwrap();
        assert_eq!(entries, [("data/a\nb.txt".to_string(), "abc".to_string()), ("data/x y.txt".to_string(), "abc".to_string())]);
        let problems = parse_manifest("abc data/../../etc/passwd\nxyz data/a\nabc\n", "m").unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(parse_bag_info("A: 1\n  more\nB:2\n").unwrap(), [("A".into(), "1 more".into()), ("B".into(), "2".into())]);
        let mut md5 = Algorithm::parse("md5").unwrap().hasher();
        md5.update(b"abc");
        assert_eq!(md5.finish_hex(), "900150983cd24fb0d6963f7d28e17f72");
        // FIPS 180-2's example, whose digest has bytes under 0x10: each is two hex digits.
        let mut sha512 = Algorithm::Sha512.hasher();
        sha512.update(b"abc");
        let hex = sha512.finish_hex();
        assert_eq!(hex.len(), 128);
        assert!(hex.starts_with("ddaf35a193617aba") && hex.ends_with("a54ca49f"), "{hex}");
    }
}
