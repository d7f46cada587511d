//! `tessera import FOLDER`: checks a BagIt bag (versions 0.93 to 1.0) as strictly as the spec
//! asks, or a Frictionless data package against every size and hash its descriptor gives,
//! names every problem it finds, and only then deposits the files as a new draft, each file's
//! checksum held again to what the server reports. A bag Tessera exported brings its record's
//! metadata back with it; a data package gives its title, description and keywords.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};
use tessera_app::domain::FileKey;
use tessera_formats::bagit::{self, Algorithm, Declaration};
use unicode_normalization::UnicodeNormalization;

use super::deposit::{Upload, deposit_files, read_metadata};
use super::remote::{Remote, RemoteArgs};
use super::transfer::TransferArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The bag (a folder holding bagit.txt) or data package (a folder holding datapackage.json).
    folder: PathBuf,
    /// The record's metadata (a JSON or YAML file, as for `deposit`), instead of what the bag
    /// says of itself.
    #[arg(long, short)]
    metadata: Option<PathBuf>,
    /// Publish the record once every file is uploaded.
    #[arg(long)]
    publish: bool,
    #[command(flatten)]
    transfer: TransferArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub(crate) async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let remote = Remote::new(&args.remote)?;
    let folder = args.folder.clone();
    let is_package = folder.join("datapackage.json").is_file() && !folder.join("bagit.txt").exists();
    let (body, files) = if is_package {
        let (body, files) = tokio::task::spawn_blocking(move || check_package(&folder)).await??;
        eprintln!("{} is a valid data package of {}; every size and hash verified", args.folder.display(), super::files(files.len()));
        (body, files)
    } else {
        let bag = tokio::task::spawn_blocking(move || check_bag(&folder)).await??;
        for warning in &bag.warnings {
            eprintln!("warning: {warning}");
        }
        let (major, minor) = bag.declaration.version;
        eprintln!(
            "{} is a valid BagIt {major}.{minor} bag of {}; every checksum verified",
            args.folder.display(),
            super::files(bag.payload.len())
        );
        (bag.record_body(&args.folder), bag.payload)
    };
    let body = match &args.metadata {
        Some(path) => read_metadata(path)?,
        None => body,
    };
    deposit_files(&remote, &body, &files, args.publish, &args.transfer).await?;
    Ok(ExitCode::SUCCESS)
}

/// Checks a data package: every resource's file is in the folder, with the size and hash its
/// descriptor gives. Returns the new draft's body and the files (the descriptor among them).
fn check_package(root: &Path) -> anyhow::Result<(Value, Vec<Upload>)> {
    let descriptor_path = root.join("datapackage.json");
    let text = std::fs::read_to_string(&descriptor_path).with_context(|| format!("reading {}", descriptor_path.display()))?;
    let descriptor: Value = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{} is not a valid data package: datapackage.json is not JSON: {e}", root.display()))?;
    let (mut problems, mut files) = (Vec::new(), Vec::new());
    let resources = descriptor["resources"].as_array().cloned().unwrap_or_default();
    if resources.is_empty() {
        problems.push("datapackage.json lists no resources".to_string());
    }
    for (n, resource) in resources.iter().enumerate() {
        let name = resource["name"].as_str().map_or_else(|| format!("resource {}", n + 1), |name| format!("resource '{name}'"));
        let paths: Vec<&str> = match &resource["path"] {
            Value::String(path) => vec![path.as_str()],
            Value::Array(paths) => paths.iter().filter_map(Value::as_str).collect(),
            // Inline data travels in the descriptor itself.
            _ if resource.get("data").is_some() => continue,
            _ => {
                problems.push(format!("{name} has no path"));
                continue;
            }
        };
        for path in &paths {
            if path.starts_with("http://") || path.starts_with("https://") {
                problems.push(format!("{name} is at {path}: download it into the package first"));
                continue;
            }
            let key = match FileKey::parse(path) {
                Ok(key) if !path.split('/').any(|part| part == ".." || part == ".") => key,
                _ => {
                    problems.push(format!("{name}: '{path}' points outside the package"));
                    continue;
                }
            };
            let file = root.join(path);
            let Ok(size) = std::fs::metadata(&file).map(|m| m.len()) else {
                problems.push(format!("{name}: '{path}' is not in the package"));
                continue;
            };
            // Size and hash describe the resource's one file; a multi-file resource is checked file by file only for presence.
            if paths.len() == 1 {
                if let Some(bytes) = resource["bytes"].as_u64().filter(|bytes| *bytes != size) {
                    problems.push(format!("{name}: '{path}' has {size} bytes, the descriptor says {bytes}"));
                }
                if let Some(hash) = resource["hash"].as_str() {
                    let (algorithm, expected) = hash.split_once(':').unwrap_or(("md5", hash));
                    match Algorithm::parse(algorithm) {
                        Some(algorithm) => {
                            let found = hash_file(&file, [algorithm], &indicatif::ProgressBar::hidden())?.pop().unwrap_or_default();
                            if !found.eq_ignore_ascii_case(expected) {
                                problems.push(format!(
                                    "{name}: '{path}' does not match its hash: it is {found}, the descriptor says {expected}"
                                ));
                            }
                        }
                        None => problems.push(format!("{name}: the hash algorithm '{algorithm}' is not one Tessera knows")),
                    }
                }
            }
            files.push((key.to_string(), file, size));
        }
    }
    if !problems.is_empty() {
        bail!("{} is not a valid data package; {} problems:\n  - {}", root.display(), problems.len(), problems.join("\n  - "));
    }
    if !files.iter().any(|(key, _, _)| key == "datapackage.json") {
        files.push(("datapackage.json".to_string(), descriptor_path, text.len() as u64));
    }
    files.sort();
    let title = descriptor["title"].as_str().or(descriptor["name"].as_str()).map(str::to_string);
    let folder = root.file_name().map(|n| n.to_string_lossy().into_owned());
    let keywords: Vec<Value> =
        descriptor["keywords"].as_array().into_iter().flatten().filter_map(Value::as_str).map(|k| json!({"subject": k})).collect();
    let mut metadata =
        json!({"title": title.or(folder).unwrap_or_else(|| "Imported data package".into()), "resource_type": {"id": "dataset"}});
    for field in ["description", "version"] {
        if let Some(text) = descriptor[field].as_str() {
            metadata[field] = json!(text);
        }
    }
    if !keywords.is_empty() {
        metadata["subjects"] = Value::Array(keywords);
    }
    Ok((json!({"metadata": metadata}), files))
}

/// A bag that passed every check.
pub(super) struct Bag {
    declaration: Declaration,
    info: Vec<(String, String)>,
    /// (key in the record, path, size) of every payload file.
    payload: Vec<Upload>,
    /// The record a Tessera bag carries in `metadata/record.json`.
    record: Option<Value>,
    warnings: Vec<String>,
}

impl Bag {
    /// The new draft's body: the metadata a Tessera bag carries, or a title from bag-info.
    fn record_body(&self, root: &Path) -> Value {
        if let Some(metadata) = self.record.as_ref().and_then(|r| r.get("metadata")) {
            return json!({"metadata": metadata});
        }
        let label = |name: &str| self.info.iter().find(|(label, _)| label.eq_ignore_ascii_case(name)).map(|(_, value)| value.clone());
        let folder = root.file_name().map(|n| n.to_string_lossy().into_owned());
        let title = label("Title").or_else(|| label("External-Description")).or(folder).unwrap_or_else(|| "Imported bag".into());
        json!({"metadata": {"title": title, "resource_type": {"id": "dataset"}}})
    }
}

/// A manifest: its file name, algorithm and entries (path, digest).
struct Manifest {
    name: String,
    algorithm: Algorithm,
    entries: Vec<(String, String)>,
}

/// Checks everything RFC 8493 asks of a bag; the error names every problem found.
pub(super) fn check_bag(root: &Path) -> anyhow::Result<Bag> {
    let declaration = std::fs::read(root.join("bagit.txt")).map_err(|_| anyhow!("{} is not a bag: it has no bagit.txt", root.display()))?;
    let declaration =
        bagit::parse_declaration(&declaration).map_err(|problem| anyhow!("{} is not a valid bag: {problem}", root.display()))?;
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    if !((0, 93)..=(1, 0)).contains(&declaration.version) {
        problems.push(format!("BagIt version {}.{} is not one Tessera reads (0.93 to 1.0)", declaration.version.0, declaration.version.1));
    }
    let read_tag = |name: &str| -> Result<Option<String>, String> {
        match std::fs::read(root.join(name)) {
            Ok(bytes) => bagit::decode(&bytes, &declaration.encoding).map(Some).map_err(|e| format!("{name} is {e}")),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(format!("{name} cannot be read: {err}")),
        }
    };

    let (mut payload_manifests, mut tag_manifests) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let (kind, list) = if let Some(rest) = name.strip_prefix("tagmanifest-") {
            (rest, &mut tag_manifests)
        } else if let Some(rest) = name.strip_prefix("manifest-") {
            (rest, &mut payload_manifests)
        } else {
            continue;
        };
        let Some(algorithm) = kind.strip_suffix(".txt").and_then(Algorithm::parse) else {
            problems.push(format!("{name} names a checksum algorithm Tessera does not know"));
            continue;
        };
        match read_tag(&name) {
            Ok(text) => match bagit::parse_manifest(&text.unwrap_or_default(), &name) {
                Ok(entries) => list.push(Manifest { name, algorithm, entries }),
                Err(bad) => problems.extend(bad),
            },
            Err(problem) => problems.push(problem),
        }
    }
    if payload_manifests.is_empty() && problems.is_empty() {
        problems.push("there is no payload manifest (manifest-ALGORITHM.txt)".into());
    }

    // The payload on disk, by NFC-normalised path, since manifests and file systems may
    // disagree on how an accented name is spelt.
    let mut on_disk: BTreeMap<String, (PathBuf, u64)> = BTreeMap::new();
    if root.join("data").is_dir() {
        walk(root, &root.join("data"), &mut on_disk)?;
    } else {
        problems.push("there is no data/ folder".into());
    }
    let fetch = parsed(read_tag("fetch.txt"), bagit::parse_fetch, &mut problems);

    // What each payload file must hash to, by algorithm, from every manifest.
    let mut expected: HashMap<String, Vec<(Algorithm, String, String)>> = HashMap::new();
    for manifest in &payload_manifests {
        let mut listed: HashMap<String, &str> = HashMap::new();
        for (path, digest) in &manifest.entries {
            let normal: String = path.nfc().collect();
            if !normal.starts_with("data/") {
                problems.push(format!("{} lists '{path}', which is not in data/", manifest.name));
                continue;
            }
            match listed.insert(normal.clone(), digest) {
                Some(earlier) if earlier != digest => {
                    problems.push(format!("{} lists '{path}' twice with different checksums", manifest.name));
                }
                Some(_) if declaration.version >= (1, 0) => problems.push(format!("{} lists '{path}' twice", manifest.name)),
                Some(_) => warnings.push(format!("{} lists '{path}' twice", manifest.name)),
                None => {}
            }
            let target = if on_disk.contains_key(&normal) {
                Some(normal.clone())
            } else if let Some(other) = on_disk.keys().find(|k| k.to_lowercase() == normal.to_lowercase()) {
                warnings.push(format!("{} lists '{path}', which the bag has as '{other}'", manifest.name));
                Some(other.clone())
            } else {
                match fetch.iter().find(|item| item.path.nfc().collect::<String>() == normal) {
                    Some(item) => problems.push(format!("'{path}' is not in the bag: fetch it from {} first", item.url)),
                    None => problems.push(format!("{} lists '{path}', which is not in the bag", manifest.name)),
                }
                None
            };
            if let Some(target) = target {
                expected.entry(target).or_default().push((manifest.algorithm, digest.clone(), manifest.name.clone()));
            }
        }
        for path in
            on_disk.keys().filter(|path| !listed.contains_key(*path) && !listed.keys().any(|l| l.to_lowercase() == path.to_lowercase()))
        {
            problems.push(format!("'{path}' is in the bag but not in {}", manifest.name));
        }
    }

    let total: u64 = on_disk.values().map(|(_, size)| size).sum();
    let bar = super::progress_bar(total, "verifying {msg:30!} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec}");
    for (path, (file, size)) in &on_disk {
        bar.set_message(path.clone());
        let wanted = expected.get(path).map(Vec::as_slice).unwrap_or_default();
        if wanted.is_empty() {
            bar.inc(*size);
            continue;
        }
        for (found, (_, digest, manifest)) in
            hash_file(file, wanted.iter().map(|(algorithm, _, _)| *algorithm), &bar)?.into_iter().zip(wanted)
        {
            if found != *digest {
                problems.push(format!("'{path}' does not match {manifest}: its checksum is {found}, the manifest says {digest}"));
            }
        }
    }
    bar.finish_and_clear();

    for manifest in &tag_manifests {
        for (path, digest) in &manifest.entries {
            let file = root.join(path);
            if !file.is_file() {
                problems.push(format!("{} lists the tag file '{path}', which is not in the bag", manifest.name));
            } else if hash_file(&file, [manifest.algorithm], &indicatif::ProgressBar::hidden())?.pop().as_deref() != Some(digest.as_str()) {
                problems.push(format!("the tag file '{path}' does not match {}", manifest.name));
            }
        }
    }

    let info = parsed(read_tag("bag-info.txt"), bagit::parse_bag_info, &mut problems);
    if let Some((_, oxum)) = info.iter().find(|(label, _)| label == "Payload-Oxum") {
        let actual = format!("{total}.{}", on_disk.len());
        if *oxum != actual && fetch.is_empty() {
            problems.push(format!("bag-info.txt says Payload-Oxum {oxum}, but the payload is {actual} (bytes.files)"));
        }
    }

    let mut payload = Vec::new();
    for (path, (file, size)) in on_disk {
        let key = path.strip_prefix("data/").unwrap_or(&path);
        match FileKey::parse(key) {
            Ok(key) => payload.push((key.to_string(), file, size)),
            Err(problem) => problems.push(format!("'{path}' cannot be a file of a record: {problem}")),
        }
    }
    if !problems.is_empty() {
        bail!("{} is not a valid bag; {} problems:\n  - {}", root.display(), problems.len(), problems.join("\n  - "));
    }
    let record = std::fs::read(root.join("metadata/record.json")).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
    Ok(Bag { declaration, info, payload, record, warnings })
}

/// The entries of an optional tag file, read and parsed; nothing when it is absent. Its
/// problems join the bag's.
fn parsed<T>(read: Result<Option<String>, String>, parse: fn(&str) -> Result<Vec<T>, Vec<String>>, problems: &mut Vec<String>) -> Vec<T> {
    match read.map(|text| text.map(|text| parse(&text))) {
        Ok(Some(Ok(entries))) => entries,
        Ok(None) => Vec::new(),
        Ok(Some(Err(bad))) => {
            problems.extend(bad);
            Vec::new()
        }
        Err(problem) => {
            problems.push(problem);
            Vec::new()
        }
    }
}

/// Every file under `dir`, by its NFC-normalised path relative to `root`, with its size.
fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, (PathBuf, u64)>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, into)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name: String = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/").nfc().collect();
            into.insert(name, (path.clone(), entry.metadata()?.len()));
        }
    }
    Ok(())
}

/// The file's digests in each of `algorithms`, in one pass over its bytes.
fn hash_file(path: &Path, algorithms: impl IntoIterator<Item = Algorithm>, bar: &indicatif::ProgressBar) -> anyhow::Result<Vec<String>> {
    let mut hashers: Vec<_> = algorithms.into_iter().map(Algorithm::hasher).collect();
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).with_context(|| format!("reading {}", path.display()))?;
        if read == 0 {
            break;
        }
        hashers.iter_mut().for_each(|h| h.update(&buffer[..read]));
        bar.inc(read as u64);
    }
    Ok(hashers.into_iter().map(|h| h.finish_hex()).collect())
}
