//! The CLI: `deposit` a folder and `get` it back, and clear errors for bad settings.

use tessera_testkit::{TestServerConfig, describe};

use crate::helpers::{BIN, start};

#[tokio::test]
async fn deposit_a_folder_and_get_it_back() {
    let server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("survey");
    std::fs::create_dir_all(folder.join("raw/2024")).unwrap();
    std::fs::write(folder.join("README.md"), "# Survey\n").unwrap();
    std::fs::write(folder.join("raw/2024/counts.csv"), "site,count\nA,3\n").unwrap();
    std::fs::write(folder.join("raw/big.bin"), vec![42u8; 1_500_000]).unwrap();
    let metadata = work.path().join("record.yaml");
    std::fs::write(
        &metadata,
        "resource_type: {id: dataset}\ntitle: Bird survey\npublication_date: '2025'\ncreators:\n  - person_or_org: {type: personal, family_name: Nightingale, given_name: Florence}\n",
    )
    .unwrap();

    let deposit = std::process::Command::new(BIN)
        .args(["deposit", "--server", &server.base_url, "--token", &token, "--publish", "--metadata"])
        .arg(&metadata)
        .arg(&folder)
        .output()
        .unwrap();
    assert!(deposit.status.success(), "{}", describe(&deposit));
    let url = String::from_utf8(deposit.stdout.clone()).unwrap();
    let id = url.trim().rsplit('/').next().unwrap().to_string();
    assert!(url.trim().ends_with(&format!("/records/{id}")), "{}", describe(&deposit));

    let out = work.path().join("copy");
    let get = std::process::Command::new(BIN).args(["get", &id, "--server", &server.base_url, "--output"]).arg(&out).output().unwrap();
    assert!(get.status.success(), "{}", describe(&get));
    for file in ["README.md", "raw/2024/counts.csv", "raw/big.bin"] {
        assert_eq!(std::fs::read(out.join(file)).unwrap(), std::fs::read(folder.join(file)).unwrap(), "{file}");
    }

    // A metadata problem is reported with its field, and nothing is published.
    std::fs::write(&metadata, "{\"title\": \"No creators\"}").unwrap();
    std::fs::rename(&metadata, work.path().join("record.json")).unwrap();
    let failed = std::process::Command::new(BIN)
        .args(["deposit", "--server", &server.base_url, "--token", &token, "--publish", "--metadata"])
        .arg(work.path().join("record.json"))
        .arg(folder.join("README.md"))
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("metadata.creators: at least one creator is required"), "{stderr}");
}

#[test]
fn bad_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tessera.toml");
    std::fs::write(&config, "[http]\nbnd = \"127.0.0.1:1\"\n").unwrap();
    let output =
        std::process::Command::new(BIN).args(["verify", "--config"]).arg(&config).arg("--data-dir").arg(dir.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown field `bnd`"), "{}", describe(&output));
    let output = std::process::Command::new(BIN).args(["serve", "--bind", "nowhere", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("'nowhere' is not an address"), "{}", describe(&output));
}
