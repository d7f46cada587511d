//! The storage root and its layout: OCFL extension 0004-hashed-n-tuple-storage-layout with
//! SHA-256, three tuples of three characters, so objects spread evenly over folders.

use tessera_storage::Sha512;

pub(crate) const LAYOUT_EXTENSION: &str = "0004-hashed-n-tuple-storage-layout";
pub(crate) const ROOT_NAMASTE: &str = "0=ocfl_1.1";
pub(crate) const OBJECT_NAMASTE: &str = "0=ocfl_object_1.1";

/// The path of the object root for `id`, relative to the storage root.
pub fn object_root(id: &str) -> String {
    let hash = tessera_storage::sha256_hex(id.as_bytes());
    format!("{}/{}/{}/{}", &hash[0..3], &hash[3..6], &hash[6..9], hash)
}

/// The files that declare a storage root: namaste, layout and the extension's config.
pub(crate) fn root_declaration() -> Vec<(String, String)> {
    vec![
        (ROOT_NAMASTE.to_string(), "ocfl_1.1\n".to_string()),
        (
            "ocfl_layout.json".to_string(),
            serde_json::json!({
                "extension": LAYOUT_EXTENSION,
                "description": "Hashed N-tuple storage layout: sha256 of the object id, three tuples of three characters",
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
                "shortObjectRoot": false,
            })
            .to_string(),
        ),
    ]
}

/// The sidecar file's content for an inventory (OCFL 1.1 §3.5.6).
pub(crate) fn sidecar(inventory_bytes: &[u8]) -> String {
    format!("{}  inventory.json\n", Sha512::digest_hex(inventory_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_extension_example() {
        // The example from the 0004 extension's specification.
        assert_eq!(
            object_root("object-01"),
            "3c0/ff4/240/3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4"
        );
    }
}
