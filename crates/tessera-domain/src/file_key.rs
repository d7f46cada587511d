//! File keys: the names files have inside a record.
//!
//! A key becomes a path in the staging area, in the OCFL object and in zip archives, so every
//! trick that could escape a folder or make two names look alike is refused here, once.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// A validated file key: NFC-normalised, relative, with `/` as the only separator.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKey(String);

/// Longest key accepted, in bytes; well under common filesystem path limits.
pub const MAX_KEY_BYTES: usize = 1024;

impl FileKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("file key is empty".into());
        }
        let key: String = raw.nfc().collect();
        if key.len() > MAX_KEY_BYTES {
            return Err(format!("file key is longer than {MAX_KEY_BYTES} bytes"));
        }
        if key.starts_with('/') {
            return Err("file key must be relative, not start with '/'".into());
        }
        if key.contains('\\') {
            return Err("file key must not contain a backslash".into());
        }
        if let Some(c) = key.chars().find(|c| c.is_control() || is_invisible(*c)) {
            return Err(format!("file key must not contain the character U+{:04X}", c as u32));
        }
        // Full-width and other look-alike separators become '/' or '.' under NFKC.
        let compat: String = key.nfkc().collect();
        for segment in compat.split('/') {
            match segment {
                "" => return Err("file key must not contain empty segments ('//' or a trailing '/')".into()),
                "." | ".." => return Err("file key must not contain '.' or '..' segments".into()),
                _ => {}
            }
        }
        if compat.contains('\\') || compat.split('/').count() != key.split('/').count() {
            return Err("file key contains a character that looks like a path separator".into());
        }
        if key.split('/').any(|segment| segment.len() > 255) {
            return Err("a segment of the file key is longer than 255 bytes".into());
        }
        Ok(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that render as nothing and would let two different keys look the same.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

impl From<FileKey> for String {
    fn from(key: FileKey) -> String {
        key.0
    }
}

impl fmt::Display for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, expect: Result<&str, &str>) {
        match (FileKey::parse(raw), expect) {
            (Ok(key), Ok(want)) => assert_eq!(key.as_str(), want, "{raw:?}"),
            (Err(err), Err(want)) => assert!(err.contains(want), "{raw:?}: {err}"),
            (got, want) => panic!("{raw:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn keys() {
        check("data.csv", Ok("data.csv"));
        check("raw/2024/run-1.csv", Ok("raw/2024/run-1.csv"));
        check("e\u{301}t\u{e9}.txt", Ok("\u{e9}t\u{e9}.txt"));
        check("../etc/passwd", Err("'..'"));
        check("a/../../b", Err("'..'"));
        check("./a", Err("'.'"));
        check("/etc/passwd", Err("relative"));
        check("a\\b", Err("backslash"));
        check("a\0b", Err("U+0000"));
        check("a\nb", Err("U+000A"));
        check("a//b", Err("empty segments"));
        check("a/", Err("empty segments"));
        check("", Err("empty"));
        check("a\u{200B}b", Err("U+200B"));
        check("\u{FF0E}\u{FF0E}/x", Err("'..'"));
        check("a\u{FF0F}b", Err("path separator"));
        check("a\u{FF3C}b", Err("path separator"));
        check(&"x".repeat(2000), Err("longer than"));
    }
}
