//! The conformance corpora shared beside the repository, like a conformance-suite submodule.

use std::path::PathBuf;

/// `$TESSERA_FIXTURES`, or `../shared/fixtures` beside the repository.
pub fn fixtures_dir() -> PathBuf {
    let dir = std::env::var_os("TESSERA_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"));
    assert!(
        dir.join("ocfl").is_dir(),
        "conformance fixtures not found at {}: set TESSERA_FIXTURES to a folder holding the OCFL, BagIt and XSD fixtures (see 'Test it' in README.md)",
        dir.display()
    );
    dir
}
