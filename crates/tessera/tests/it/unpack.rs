//! Archives unpacked on the server into a draft: zips and tars that Python's zipfile and
//! tarfile made, including crafted ones (paths that leave the archive, absolute paths, links,
//! a decompression bomb), which are refused whole before anything is written.

use md5::Digest as _;
use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, Mounted, metadata, person, start};

/// Makes the test's archives in `dir` with Python's own zipfile and tarfile.
const MAKE_ARCHIVES: &str = r#"
import io, sys, tarfile, warnings, zipfile
warnings.simplefilter("ignore")
out = sys.argv[1]
def zip_of(name, entries, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(f"{out}/{name}", "w", method) as z:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                z.writestr(entry, b"/etc/passwd")
            else:
                z.writestr(entry[0], entry[1])
def tar_of(name, entries, mode="w"):
    with tarfile.open(f"{out}/{name}", mode) as t:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                t.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0]); info.size = len(entry[1])
                t.addfile(info, io.BytesIO(entry[1]))
zip_of("survey.zip", [("survey/", b"")] + [(f"survey/site-{i:03}.csv", f"site,level\n{i},{i * 0.5}\n".encode() * 20) for i in range(300)]
       + [("survey/readme.txt", b"Gauges read daily."), ("survey/copy.txt", b"Gauges read daily.")])
tar_of("notes.tar.gz", [("notes/a.txt", b"first"), ("notes/b/c.txt", b"second")], "w:gz")
zip_of("traversal.zip", [("ok.txt", b"fine"), ("../../outside.txt", b"escaped")])
zip_of("absolute.zip", [("/tmp/absolute.txt", b"escaped")])
link = zipfile.ZipInfo("passwd"); link.external_attr = 0o120777 << 16
zip_of("link.zip", [("ok.txt", b"fine"), link])
zip_of("bomb.zip", [("zeros.bin", bytes(20 * 1024 * 1024))])
symlink = tarfile.TarInfo("notes/passwd"); symlink.type = tarfile.SYMTYPE; symlink.linkname = "/etc/passwd"
tar_of("link.tar", [("notes/a.txt", b"first"), symlink])
tar_of("traversal.tar", [("../outside.txt", b"escaped")])
tar_of("twice.tar", [("notes/a.txt", b"first"), ("notes/b.txt", b"other"), ("notes/a.txt", b"again")])
zip_of("twice.zip", [("a.txt", b"first"), ("b.txt", b"other"), ("a.txt", b"again")])
zip_of("bzip2.zip", [("a.txt", b"first")], zipfile.ZIP_BZIP2)
zip_of("many-bad.zip", [(f"../escaped-{i}.txt", b"x") for i in range(60)])
zip_of("damaged.zip", [("ok.txt", b"fine"), ("gauge.csv", b"station,1\n")], zipfile.ZIP_STORED)
damaged = open(f"{out}/damaged.zip", "rb").read().replace(b"station,1", b"station,2")
open(f"{out}/damaged.zip", "wb").write(damaged)
"#;

fn make_archives(dir: &std::path::Path) {
    let python = std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names a Python; scripts/test.sh sets it");
    let output = std::process::Command::new(python).args(["-c", MAKE_ARCHIVES]).arg(dir).output().expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The archives refused whole.
const REFUSED: &[&str] = &[
    "traversal.zip",
    "absolute.zip",
    "link.zip",
    "bomb.zip",
    "link.tar",
    "traversal.tar",
    "twice.tar",
    "twice.zip",
    "bzip2.zip",
    "many-bad.zip",
    "damaged.zip",
];

async fn keys(api: &Api, id: &str) -> Vec<String> {
    let (_, files) = api.get(&format!("/api/records/{id}/draft/files")).await;
    files["entries"].as_array().unwrap().iter().filter_map(|f| f["key"].as_str().map(String::from)).collect()
}

/// Files in the draft's staging folder: what unpacking wrote.
fn staged(server: &tessera_testkit::TestServer, id: &str) -> usize {
    std::fs::read_dir(server.data_dir.join("staging").join(id)).map(|entries| entries.count()).unwrap_or(0)
}

#[tokio::test]
async fn archives_unpack_into_a_draft_and_crafted_ones_are_refused_before_anything_is_written() {
    let server = start(TestServerConfig::default()).await;
    let api = person(&server, "ada@example.org", None);
    let dir = tempfile::tempdir().unwrap();
    make_archives(dir.path());
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let mut files: Vec<(&str, Vec<u8>)> = ["survey.zip", "notes.tar.gz"].iter().chain(REFUSED).map(|name| (*name, read(name))).collect();
    files.push(("not-an-archive.bin", b"just bytes".to_vec()));
    let contents: Vec<(&str, &[u8])> = files.iter().map(|(name, bytes)| (*name, bytes.as_slice())).collect();
    let id = api.draft_with_files(metadata("Unpacked"), &contents).await;
    let before = (keys(&api, &id).await, staged(&server, &id));

    for (archive, problem) in [
        ("traversal.zip", "leaves the archive"),
        ("absolute.zip", "leaves the archive"),
        ("link.zip", "symbolic link"),
        ("bomb.zip", "beyond the bound of 100×"),
        ("link.tar", "is a link"),
        ("traversal.tar", "leaves the archive"),
        ("twice.tar", "'notes/a.txt' is in the archive more than once"),
        ("twice.zip", "'a.txt' is in the archive more than once"),
        ("bzip2.zip", "compressed with method 12"),
        ("many-bad.zip", "and 10 more problems"),
        ("damaged.zip", "entry 'gauge.csv' is damaged"),
        ("not-an-archive.bin", "not a zip or tar archive"),
    ] {
        let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/files/{archive}/unpack")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{archive}: {body}");
        assert!(body.to_string().contains(problem), "{archive}: {body}");
        assert_eq!((keys(&api, &id).await, staged(&server, &id)), before, "{archive} left nothing behind");
    }

    let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/files/survey.zip/unpack?keep=maybe")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "keep", "{body}");

    // A zip of 302 files, into a folder; the archive goes.
    let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/files/survey.zip/unpack?into=raw")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["files"].as_u64(), body["archive_kept"].as_bool()), (Some(302), Some(false)));
    let now = keys(&api, &id).await;
    assert!(!now.contains(&"survey.zip".to_string()));
    assert!(now.contains(&"raw/survey/site-299.csv".to_string()) && now.contains(&"raw/survey/readme.txt".to_string()));
    // The draft's list a page at a time holds the same files, in the same order.
    let mut paged = Vec::new();
    for page in 1.. {
        let (_, body) = api.get(&format!("/api/records/{id}/draft/files?size=100&page={page}")).await;
        assert_eq!(body["total"].as_u64(), Some(now.len() as u64), "{body}");
        let entries = body["entries"].as_array().unwrap();
        assert!(entries.len() <= 100, "page {page}");
        if entries.is_empty() {
            break;
        }
        paged.extend(entries.iter().map(|f| f["key"].as_str().unwrap().to_string()));
    }
    assert_eq!(paged, now);
    let (_, file) = api.get(&format!("/api/records/{id}/draft/files/raw/survey/site-007.csv")).await;
    let expected = "site,level\n7,3.5\n".repeat(20);
    assert_eq!(file["checksum"], format!("md5:{}", tessera_storage::hex(&md5::Md5::digest(expected.as_bytes()))));
    assert_eq!(file["status"], "completed");

    // A gzip-compressed tar, kept; unpacking it again would overwrite, so it is refused.
    let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/files/notes.tar.gz/unpack?keep=true")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["files"], 2);
    let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/files/notes.tar.gz/unpack?keep=true")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("is already a file of the draft"), "{body}");

    // Published, the unpacked files are the record's.
    for archive in REFUSED.iter().chain(&["not-an-archive.bin"]) {
        assert_eq!(api.delete(&format!("/api/records/{id}/draft/files/{archive}")).await.0, StatusCode::NO_CONTENT);
    }
    api.publish(&id).await;
    let (status, _, bytes) = api.bytes(&format!("/api/records/{id}/files/notes/b/c.txt/content")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &b"second"[..]));
    let (_, listed) = api.get(&format!("/api/records/{id}/files?size=10")).await;
    assert_eq!(listed["total"], json!(302 + 2 + 1), "{listed}");
    server.cli_ok(&["verify"]);
}

/// A catalogue whose disk fills up as an archive's entries are added refuses the unpack with
/// 507, and the draft is as it was: the failure SQLite rolled back itself is the one reported.
#[tokio::test]
async fn a_full_disk_under_the_catalogue_refuses_an_unpack_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("catalogue");
    std::fs::create_dir_all(&catalogue).unwrap();
    let Some(_unmount) = Mounted::small(&catalogue, "6m") else { return };
    let url = format!("sqlite:{}", catalogue.join("catalog.db").display());
    let server = start(TestServerConfig { env: vec![("TESSERA_DATABASE_URL".into(), url)], ..TestServerConfig::default() }).await;
    let api = person(&server, "ada@example.org", None);
    // Far more entries than 6 MiB of rows hold.
    let script = r#"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(40000):
        z.writestr(f"readings/day-{i // 1000:02}/reading-{i:05}.csv", f"t,level\n{i},{i % 7}\n")
"#;
    let python = std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names a Python; scripts/test.sh sets it");
    let archive = dir.path().join("many.zip");
    let output = std::process::Command::new(python).args(["-c", script]).arg(&archive).output().expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let id = api.draft_with_files(metadata("Too many for the disk"), &[("many.zip", &std::fs::read(&archive).unwrap())]).await;

    let (status, body) = api.post_empty(&format!("/api/records/{id}/draft/files/many.zip/unpack")).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("storage is full"), "{body}");
    // The entries' content stays in staging, named by its digest, until the hourly sweep finds
    // that no file of the draft names it.
    assert_eq!(keys(&api, &id).await, ["many.zip"], "the draft is as it was");
}
