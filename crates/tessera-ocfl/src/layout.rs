//! The storage root and its layout: OCFL extension 0003-hash-and-id-n-tuple-storage-layout
//! with SHA-256 and three tuples of three characters, so objects spread evenly over folders,
//! and the object's id (percent-encoded) as the last folder, so a person can find an object.

pub(crate) const LAYOUT_EXTENSION: &str = "0003-hash-and-id-n-tuple-storage-layout";
pub(crate) const ROOT_NAMASTE: &str = "0=ocfl_1.1";
pub(crate) const OBJECT_NAMASTE: &str = "0=ocfl_object_1.1";

/// The path of the object root for `id`, relative to the storage root.
pub fn object_root(id: &str) -> String {
    let hash = tessera_storage::sha256_hex(id.as_bytes());
    format!("{}/{}/{}/{}", &hash[0..3], &hash[3..6], &hash[6..9], encapsulation_dir(id, &hash))
}

/// The id with every byte outside `[A-Za-z0-9_-]` percent-encoded (lowercase hex); ids whose
/// encoding passes 100 characters are cut there and end with the hash (extension 0003).
fn encapsulation_dir(id: &str, hash: &str) -> String {
    let mut dir = String::with_capacity(id.len());
    for b in id.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => dir.push(b as char),
            _ => dir.push_str(&format!("%{b:02x}")),
        }
    }
    if dir.len() > 100 {
        dir.truncate(100);
        dir.push('-');
        dir.push_str(hash);
    }
    dir
}

/// The files that declare a storage root: namaste, layout and the extension's config.
pub(crate) fn root_declaration() -> Vec<(String, String)> {
    vec![
        (ROOT_NAMASTE.to_string(), "ocfl_1.1\n".to_string()),
        (
            "ocfl_layout.json".to_string(),
            serde_json::json!({
                "extension": LAYOUT_EXTENSION,
                "description": "Hashed truncated n-tuple trees with an object id encapsulating directory: sha256, three tuples of three characters",
            })
            .to_string(),
        ),
        (
            format!("extensions/{LAYOUT_EXTENSION}/config.json"),
            serde_json::json!({
                "extensionName": LAYOUT_EXTENSION,
                "digestAlgorithm": "sha256",
                "tupleSize": 3,
                "numberOfTuples": 3,
            })
            .to_string(),
        ),
    ]
}

/// The sidecar file's content (OCFL 1.1 §3.5.6) for an inventory whose SHA-512 is `digest`
/// (hex).
pub(crate) fn sidecar_of(digest: &str) -> String {
    format!("{digest}  inventory.json\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_extension_examples() {
        // The examples from the 0003 extension's specification.
        assert_eq!(object_root("object-01"), "3c0/ff4/240/object-01");
        assert_eq!(object_root("..hor/rib:le-$id"), "487/326/d8c/%2e%2ehor%2frib%3ale-%24id");
        let long = "abcdefghij".repeat(11);
        let root = object_root(&long);
        assert!(root.ends_with(&format!("{}-{}", &long[..100], tessera_storage::sha256_hex(long.as_bytes()))), "{root}");
    }
}
