//! Files of published records: listing, details, downloads with HTTP Range and ETag, and a
//! streamed zip of all files with no size cap and no temporary file.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tessera_app::domain::RecordId;
use tessera_app::{FileView, ReadableFile, ReadableFiles, Tessera};

use crate::api::search::{numbered_page, page_links};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, record_id};
use crate::state::AppState;
use crate::wire::{file_json, files_list_json};

/// List a record's files, all of them unless `size` (with `page`) asks for a page.
#[utoipa::path(get, path = "/api/records/{id}/files", tag = "record files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("page" = Option<usize>, Query, minimum = 1, description = "Page, from 1"),
        ("size" = Option<usize>, Query, minimum = 1, maximum = 1000, description = "Files per page, at most 1,000; all unless given")),
    responses((status = 200, description = "The files", body = crate::openapi::shapes::FileList<crate::openapi::shapes::File>), (status = 403, description = "The files are restricted")))]
pub(crate) async fn list_record_files(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let path = format!("/api/records/{id}/files");
    let Some((page, size)) = files_page(&params)? else {
        let readable = state.tessera.readable_files(&subject, id).await?;
        let pages = readable_entries(state.clone(), readable, file_json);
        return Ok(files_list_response(json!({"self": state.link(&path)}), true, pages));
    };
    let (files, total) = state.tessera.record_files(&subject, id, files_offset(page, size), size as i64).await?;
    let entries = files.iter().map(|f| file_json(&state, id, f)).collect();
    let links = page_links(&state, &path, &params, (page, size), usize::try_from(total).unwrap_or(0));
    Ok(Json(files_list_json(links, true, entries, total)).into_response())
}

/// `entries` as JSON array members, with a comma first when they follow others.
fn entries_json(entries: &[Value], following: bool) -> Result<Bytes, std::io::Error> {
    let mut bytes = Vec::with_capacity(entries.len() * 400);
    for (i, entry) in entries.iter().enumerate() {
        if following || i > 0 {
            bytes.push(b',');
        }
        serde_json::to_writer(&mut bytes, entry)?;
    }
    Ok(Bytes::from(bytes))
}

/// The most files a numbered page of a file list holds.
const MAX_FILES_PAGE: usize = 1_000;

/// How many files a whole file list reads from the catalogue at a time.
pub(crate) const LIST_PAGE: i64 = 1_000;

/// The numbered page of a file list a query asks for, as its number and size, or `None` for
/// every file: InvenioRDM lists every file, and Tessera pages only when asked to.
pub(crate) fn files_page(params: &[(String, String)]) -> ApiResult<Option<(usize, usize)>> {
    match numbered_page(params, MAX_FILES_PAGE)? {
        (1, None) => Ok(None),
        (_, None) => Err(ApiError::invalid_field("page", "needs a size: without one the list holds every file")),
        (page, Some(size)) => Ok(Some((page, size))),
    }
}

/// Where numbered page `page` of `size` files starts; far past the end, an empty page rather
/// than an overflow.
pub(crate) fn files_offset(page: usize, size: usize) -> i64 {
    i64::try_from(page - 1).unwrap_or(i64::MAX).saturating_mul(size as i64)
}

/// A whole file list, in the shape of `files_list_json`, written a page of entries at a time
/// as `pages` gives them; `total` comes last, counted as the entries are written.
pub(crate) fn files_list_response<S>(links: Value, enabled: bool, pages: S) -> Response
where
    S: futures::Stream<Item = Result<Vec<Value>, tessera_app::Error>> + Send + 'static,
{
    let head = json!({"enabled": enabled, "default_preview": null, "order": [], "links": links});
    let mut response = Response::new(streamed_json(&head, "entries", Some("total"), pages));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The JSON object `head` with an array member `member` whose entries `pages` gives a page at
/// a time, written as they come, so its memory does not grow with the number of entries; with
/// `count`, a member of that name follows with how many were written. A page that fails breaks
/// the body, so a client sees a cut-off answer rather than a shorter list.
pub(crate) fn streamed_json<S>(head: &Value, member: &'static str, count: Option<&'static str>, pages: S) -> Body
where
    S: futures::Stream<Item = Result<Vec<Value>, tessera_app::Error>> + Send + 'static,
{
    let head = head.to_string();
    // The object without its closing brace, then the array's name.
    let open = head.strip_suffix('}').unwrap_or("{");
    let comma = if open.len() > 1 { "," } else { "" };
    let head = Bytes::from(format!("{open}{comma}{}:[", Value::from(member)));
    let entries = futures::stream::unfold((Box::pin(pages), 0u64, false), move |(mut pages, written, ended)| async move {
        if ended {
            return None;
        }
        let (bytes, written, ended) = match pages.next().await {
            Some(Ok(page)) => (entries_json(&page, written > 0), written + page.len() as u64, false),
            Some(Err(err)) => {
                tracing::warn!(error = %err, "a streamed list stopped");
                (Err(std::io::Error::other(err.to_string())), written, true)
            }
            None => {
                let count = count.map(|name| format!(",{}:{written}", Value::from(name))).unwrap_or_default();
                (Ok(Bytes::from(format!("]{count}}}"))), written, true)
            }
        };
        Some((bytes, (pages, written, ended)))
    });
    Body::from_stream(futures::stream::once(async { Ok::<_, std::io::Error>(head) }).chain(entries))
}

/// The files `readable` holds, in key order, a thousand at a time, each as `entry` writes it.
pub(crate) fn readable_entries(
    state: AppState,
    readable: ReadableFiles,
    entry: fn(&AppState, RecordId, &FileView) -> Value,
) -> impl futures::Stream<Item = Result<Vec<Value>, tessera_app::Error>> + Send + 'static {
    let id = readable.record.doc.id;
    futures::stream::try_unfold((state, readable, Some(0)), move |(state, readable, next)| async move {
        let Some(offset) = next else { return Ok(None) };
        let page = state.tessera.readable_page(&readable, offset, Some(LIST_PAGE)).await?;
        let entries = page.files.iter().map(|f| entry(&state, id, f)).collect();
        Ok(Some((entries, (state, readable, page.next))))
    })
}

/// One file's details: its size, checksum and data class.
#[utoipa::path(get, path = "/api/records/{id}/files/{key}", tag = "record files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "File key")),
    responses((status = 200, description = "The file", body = crate::openapi::shapes::File), (status = 403, description = "The files are restricted"), (status = 404, description = "No such file")))]
#[allow(dead_code)]
fn get_file_doc() {}

/// A file's details (`KEY`) or its content (`KEY/content`, with Range support).
#[utoipa::path(get, path = "/api/records/{id}/files/{key}/content", tag = "record files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("key" = String, Path, description = "File key"), crate::openapi::shapes::ContentConditions),
    responses(crate::openapi::shapes::ContentAnswers, (status = 416, description = "Range not satisfiable")))]
pub(crate) async fn get_record_file(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path((id, rest)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    match rest.strip_suffix("/content") {
        Some(key) => download(&state, subject, id, key, &headers).await,
        // One file looked up, not the whole list searched: a record may have 100,000.
        None => Ok(Json(file_json(&state, id, &state.tessera.readable_file(&subject, id, &rest).await?.file)).into_response()),
    }
}

async fn download(
    state: &AppState,
    subject: tessera_app::domain::Subject,
    id: RecordId,
    key: &str,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    // The decision point runs before anything about the file, even its size, is revealed.
    let readable = state.tessera.readable_file(&subject, id, key).await?;
    send_file(&readable, headers).await
}

/// A file's bytes as a caller asked for them: whole, a range (`Range`, `If-Range`), or
/// nothing when the copy they have is current (`If-None-Match`).
pub(crate) async fn send_file(readable: &ReadableFile, headers: &HeaderMap) -> ApiResult<Response> {
    let file = &readable.file;
    let etag = format!("\"{}\"", file.md5);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok(with_file_headers(StatusCode::NOT_MODIFIED.into_response(), readable, &etag));
    }
    let size = file.size as u64;
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(value) if if_range_matches(headers, &etag) => parse_range(value, size)?,
        _ => None,
    };
    let (status, start, end) = match range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end),
        None => (StatusCode::OK, 0, size),
    };
    let stream = readable.open(Some(start..end)).await?;
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = status;
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    if status == StatusCode::PARTIAL_CONTENT {
        response_headers.insert(header::CONTENT_RANGE, header_value(&format!("bytes {start}-{}/{size}", end - 1)));
    }
    Ok(with_file_headers(response, readable, &etag))
}

fn with_file_headers(mut response: Response, readable: &ReadableFile, etag: &str) -> Response {
    let file = &readable.file;
    let headers = response.headers_mut();
    // Shared caches may keep what anyone may read (checking back each time, as access can
    // change); everything else stays out of every cache.
    let cache = if readable.open_to_all { "public, no-cache" } else { "private, no-store" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::ETAG, header_value(etag));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_DISPOSITION, header_value(&content_disposition(file.key.rsplit('/').next().unwrap_or(&file.key))));
    // Base64, as RFC 3230 (`Digest`) and RFC 9530 (`Repr-Digest`) give digests.
    let (md5, sha512) = (crate::wire::base64_of_hex(&file.md5), crate::wire::base64_of_hex(&file.sha512));
    headers.insert("digest", header_value(&format!("md5={md5}")));
    headers.insert("repr-digest", header_value(&format!("sha-512=:{sha512}:, md5=:{md5}:")));
    response
}

/// `attachment` with an ASCII fallback name and the exact name in RFC 5987 form.
fn content_disposition(name: &str) -> String {
    let fallback: String = name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", crate::wire::escape_segment(name))
}

fn header_value(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `If-Range` with an ETag: ranges apply only if the file is still the one the client has.
fn if_range_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.trim() == etag)
}

/// One `bytes=` range, as a half-open interval. Several ranges are answered with the whole
/// file, which RFC 9110 §14.2 allows.
fn parse_range(value: &str, size: u64) -> ApiResult<Option<(u64, u64)>> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Ok(None) };
    let unsatisfiable = ApiError::RangeNotSatisfiable { size };
    let range = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| ApiError::bad_request("malformed Range header"))?;
            if n == 0 || size == 0 {
                return Err(unsatisfiable);
            }
            (size.saturating_sub(n), size)
        }
        (start, end) => {
            let start: u64 = start.parse().map_err(|_| ApiError::bad_request("malformed Range header"))?;
            let end = if end.is_empty() {
                size.saturating_sub(1)
            } else {
                end.parse::<u64>().map_err(|_| ApiError::bad_request("malformed Range header"))?.min(size.saturating_sub(1))
            };
            if start >= size || end < start {
                return Err(unsatisfiable);
            }
            (start, end + 1)
        }
    };
    Ok(Some(range))
}

/// All files of a record as one zip (or tar, with `?archive=tar`), streamed as it is made.
#[utoipa::path(get, path = "/api/records/{id}/files-archive", tag = "record files",
    params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id"), ("archive" = Option<String>, Query, pattern = "^(zip|tar)$", description = "zip (the default) or tar")),
    responses((status = 200, description = "Every file the caller may read, in one archive", content((crate::openapi::shapes::Bytes = "application/zip"), (crate::openapi::shapes::Bytes = "application/x-tar")))))]
pub(crate) async fn download_archive(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    Query(query): Query<crate::api::export::ArchiveQuery>,
) -> ApiResult<Response> {
    let id = record_id(&id)?;
    let kind = ArchiveKind::parse(query.archive.as_deref())?;
    let readable = state.tessera.readable_files(&subject, id).await?;
    Ok(archive_response(&state, readable, &format!("record-{id}"), ArchivePlan { kind, ..ArchivePlan::default() }))
}

/// The archive formats files stream out in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ArchiveKind {
    #[default]
    Zip,
    /// POSIX pax tar, for tools that unpack tar and not zip.
    Tar,
}

impl ArchiveKind {
    /// From an `archive` query parameter: `zip` (the default) or `tar`.
    pub(crate) fn parse(value: Option<&str>) -> ApiResult<Self> {
        match value {
            None | Some("zip") => Ok(Self::Zip),
            Some("tar") => Ok(Self::Tar),
            Some(other) => Err(ApiError::invalid_field("archive", format!("'{other}' is not zip or tar"))),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Zip => "zip",
            Self::Tar => "tar",
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Self::Zip => "application/zip",
            Self::Tar => "application/x-tar",
        }
    }
}

/// What a streamed archive holds beside the files themselves.
#[derive(Default)]
pub(crate) struct ArchivePlan {
    pub(crate) kind: ArchiveKind,
    /// The folder the files go under (`record-1/data/`); empty for the zip's root.
    pub(crate) files_under: String,
    /// Whether each file is held to its SHA-512 as it goes out; a file that differs stops
    /// the stream, so the client sees a broken download rather than wrong bytes.
    pub(crate) verify: bool,
    /// What writes entries after the files (a package's metadata), from what went out.
    pub(crate) trailer: Option<Box<dyn Trailer>>,
}

/// What an archive writes after its files, made from the files as they went out: a bag's tag
/// files, an RO-Crate's metadata, a data package's descriptor with the schema of each table
/// inferred from its bytes on their way. So the first byte leaves at once, the files are
/// read once, and the metadata lists exactly the files the archive holds.
pub(crate) trait Trailer: Send + Sync {
    /// The next file begins.
    fn start(&mut self, file: &FileView);
    /// The file's next bytes.
    fn feed(&mut self, chunk: &[u8]);
    /// The files are all out: the entries to write after them.
    fn entries<'a>(&'a mut self, record: &'a tessera_app::RecordView) -> Vec<TrailingEntry<'a>>;
}

/// An entry written after the files. Its bytes are made a piece at a time, so that metadata
/// listing every file is never held whole; a tar, which states an entry's size before it,
/// makes them twice.
pub(crate) struct TrailingEntry<'a> {
    pub(crate) path: String,
    pub(crate) pieces: Box<dyn Fn() -> Pieces<'a> + Send + Sync + 'a>,
}

pub(crate) type Pieces<'a> = Box<dyn Iterator<Item = Bytes> + Send + 'a>;

impl TrailingEntry<'_> {
    /// An entry small enough to hold whole.
    pub(crate) fn whole(path: String, content: Vec<u8>) -> Self {
        let content = Bytes::from(content);
        TrailingEntry { path, pieces: Box::new(move || Box::new(std::iter::once(content.clone()))) }
    }
}

/// Streams the files as an archive named `{stem}.zip` or `{stem}.tar`, with no size cap, no
/// temporary file, and in memory that does not grow with the number of files.
pub(crate) fn archive_response(state: &AppState, readable: ReadableFiles, stem: &str, plan: ArchivePlan) -> Response {
    let (media, filename) = (plan.kind.media_type(), format!("{stem}.{}", plan.kind.extension()));
    let id = readable.record.doc.id;
    let (mut sender, receiver) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let tessera = state.tessera.clone();
    tokio::spawn(async move {
        if let Err(err) = write_archive(&tessera, &readable, plan, &mut sender).await {
            tracing::warn!(record = id.0, error = %err, "the archive stream stopped");
            let _ = sender.send(Err(std::io::Error::other(err))).await;
        }
    });
    let mut response = Response::new(Body::from_stream(receiver));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    headers.insert(header::CONTENT_DISPOSITION, header_value(&format!("attachment; filename=\"{filename}\"")));
    response
}

/// How many files an archive reads from the catalogue at a time.
const ARCHIVE_PAGE: i64 = 1_000;

async fn write_archive(
    tessera: &Tessera,
    readable: &ReadableFiles,
    plan: ArchivePlan,
    sender: &mut futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), String> {
    let mut out = Outbox { sender, pending: BytesMut::new() };
    let modified = time::OffsetDateTime::parse(&readable.record.doc.updated, &time::format_description::well_known::Rfc3339)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut archive = Archive::new(plan.kind, modified);
    let page_at = |offset| async move { tessera.readable_page(readable, offset, Some(ARCHIVE_PAGE)).await.map_err(|e| e.to_string()) };
    let mut trailer = plan.trailer;
    let mut next = Some(0);
    while let Some(offset) = next {
        let page = page_at(offset).await?;
        next = page.next;
        for (index, file) in page.files.iter().enumerate() {
            let size = u64::try_from(file.size).unwrap_or(0);
            out.send(archive.start(&format!("{}{}", plan.files_under, file.key), size)).await?;
            let mut stream = tessera.open_readable(readable, &page, index).await.map_err(|e| e.to_string())?;
            let mut digest = plan.verify.then(|| tessera_formats::bagit::Algorithm::Sha512.hasher());
            let mut sent = 0u64;
            if let Some(trailer) = &mut trailer {
                trailer.start(file);
            }
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| e.to_string())?;
                archive.write(&chunk);
                if let Some(trailer) = &mut trailer {
                    trailer.feed(&chunk);
                }
                if let Some(digest) = &mut digest {
                    digest.update(&chunk);
                }
                sent += chunk.len() as u64;
                out.send(chunk).await?;
            }
            // A tar header stated the size before the content; any other length breaks the archive.
            if sent != size {
                return Err(format!("file '{}' is {sent} bytes, not the {size} its record says", file.key));
            }
            if let Some(digest) = digest.map(|d| d.finish_hex()).filter(|d| **d != *file.sha512) {
                return Err(format!("file '{}' does not match its SHA-512 (stored {}, read {digest})", file.key, file.sha512));
            }
            out.send(archive.finish_entry()).await?;
        }
    }
    let mut written_after = Vec::new();
    for entry in trailer.as_mut().map(|trailer| trailer.entries(&readable.record)).unwrap_or_default() {
        let size = if archive.sizes_first() { (entry.pieces)().map(|piece| piece.len() as u64).sum() } else { 0 };
        out.send(archive.start(&entry.path, size)).await?;
        let mut sent = 0u64;
        for piece in (entry.pieces)() {
            archive.write(&piece);
            sent += piece.len() as u64;
            out.send(piece).await?;
        }
        if archive.sizes_first() && sent != size {
            return Err(format!("'{}' came out as {sent} bytes the second time, not {size}", entry.path));
        }
        out.send(archive.finish_entry()).await?;
        written_after.push((entry.path, sent));
    }
    let zip = match archive {
        Archive::Tar(..) => {
            out.send(tessera_formats::tar::finish()).await?;
            return out.flush().await;
        }
        Archive::Zip(zip, _) => zip,
    };
    // The central directory lists every entry again: the files are read from the catalogue a
    // second time rather than held since the first. Should the list differ (a grant to some
    // of the files ended meanwhile), the directory is refused and the download breaks rather
    // than list other files than it holds.
    let (descriptor, mut directory) = zip.directory();
    out.send(descriptor).await?;
    let mut listing = BytesMut::new();
    let mut next = Some(0);
    while let Some(offset) = next {
        let page = page_at(offset).await?;
        next = page.next;
        for file in &page.files {
            listing
                .extend_from_slice(&directory.entry(&format!("{}{}", plan.files_under, file.key), u64::try_from(file.size).unwrap_or(0))?);
        }
        out.send(listing.split().freeze()).await?;
    }
    for (path, size) in written_after {
        listing.extend_from_slice(&directory.entry(&path, size)?);
    }
    out.send(listing.split().freeze()).await?;
    out.send(directory.finish()?).await?;
    out.flush().await
}

/// Where an archive's bytes go. Pieces smaller than a block (an entry's header, a small
/// file) are gathered into blocks, so that 100,000 small files are a few thousand hand-offs
/// to the connection's task rather than 300,000.
struct Outbox<'a> {
    sender: &'a mut futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>,
    pending: BytesMut,
}

impl Outbox<'_> {
    const BLOCK: usize = 64 * 1024;

    async fn send(&mut self, bytes: Bytes) -> Result<(), String> {
        if self.pending.len() + bytes.len() > Self::BLOCK {
            self.flush().await?;
        }
        if bytes.len() >= Self::BLOCK {
            return self.deliver(bytes).await;
        }
        self.pending.extend_from_slice(&bytes);
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let block = self.pending.split().freeze();
        self.deliver(block).await
    }

    async fn deliver(&mut self, bytes: Bytes) -> Result<(), String> {
        self.sender.send(Ok(bytes)).await.map_err(|_| "the client went away".to_string())
    }
}

/// One archive being written, whichever its format.
enum Archive {
    Zip(tessera_formats::zip::ZipWriter, time::OffsetDateTime),
    /// The modification time, and the size of the entry being written.
    Tar(i64, u64),
}

impl Archive {
    fn new(kind: ArchiveKind, modified: time::OffsetDateTime) -> Self {
        match kind {
            ArchiveKind::Zip => Self::Zip(tessera_formats::zip::ZipWriter::new(), modified),
            ArchiveKind::Tar => Self::Tar(modified.unix_timestamp(), 0),
        }
    }

    /// Whether an entry's size is written before its bytes (a tar's header), not after them.
    fn sizes_first(&self) -> bool {
        matches!(self, Self::Tar(..))
    }

    fn start(&mut self, name: &str, size: u64) -> Bytes {
        match self {
            Self::Zip(zip, modified) => zip.start_entry(name, *modified),
            Self::Tar(mtime, current) => {
                *current = size;
                tessera_formats::tar::entry_header(name, size, *mtime)
            }
        }
    }

    fn write(&mut self, chunk: &[u8]) {
        if let Self::Zip(zip, _) = self {
            zip.write(chunk);
        }
    }

    fn finish_entry(&mut self) -> Bytes {
        match self {
            Self::Zip(zip, _) => zip.finish_entry(),
            Self::Tar(_, size) => tessera_formats::tar::entry_end(*size),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let ok = |v: &str| parse_range(v, 100).unwrap();
        assert_eq!(ok("bytes=0-9"), Some((0, 10)));
        assert_eq!(ok("bytes=90-"), Some((90, 100)));
        assert_eq!(ok("bytes=-5"), Some((95, 100)));
        assert_eq!(ok("bytes=-500"), Some((0, 100)));
        assert_eq!(ok("bytes=50-1000"), Some((50, 100)));
        assert_eq!(ok("bytes=0-1,5-6"), None);
        assert_eq!(ok("items=0-1"), None);
        assert!(matches!(parse_range("bytes=100-", 100), Err(ApiError::RangeNotSatisfiable { size: 100 })));
        assert!(matches!(parse_range("bytes=5-2", 100), Err(ApiError::RangeNotSatisfiable { .. })));
        assert!(matches!(parse_range("bytes=x-2", 100), Err(ApiError::BadRequest { .. })));
    }

    #[tokio::test]
    async fn streamed_lists_are_whole_json_or_cut_off() {
        let pages = |pages: Vec<Result<Vec<Value>, tessera_app::Error>>| futures::stream::iter(pages);
        let read = |body: Body| async move { axum::body::to_bytes(body, usize::MAX).await };
        let given = vec![Ok(vec![json!({"key": "a"}), json!(2)]), Ok(vec![]), Ok(vec![json!("c")])];
        let body = read(streamed_json(&json!({"links": {"self": "x"}}), "entries", Some("total"), pages(given))).await.unwrap();
        let written: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(written, json!({"links": {"self": "x"}, "entries": [{"key": "a"}, 2, "c"], "total": 3}));
        let body = read(streamed_json(&json!({}), "files", None, pages(vec![]))).await.unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!({"files": []}));
        let failing = vec![Ok(vec![json!(1)]), Err(tessera_app::Error::Corrupt("a page".into())), Ok(vec![json!(2)])];
        assert!(read(streamed_json(&json!({}), "files", None, pages(failing))).await.is_err(), "a failed page breaks the body");
    }

    #[tokio::test]
    async fn small_pieces_leave_in_blocks_and_large_ones_as_they_are() {
        let (mut sender, receiver) = futures::channel::mpsc::channel(1_000);
        let mut out = Outbox { sender: &mut sender, pending: BytesMut::new() };
        let mut sent = Vec::new();
        for n in 0..1_000u32 {
            let piece = Bytes::from(n.to_le_bytes().repeat(50)); // 200 bytes
            sent.extend_from_slice(&piece);
            out.send(piece).await.unwrap();
        }
        let large = Bytes::from(vec![7; 100_000]);
        sent.extend_from_slice(&large);
        out.send(large.clone()).await.unwrap();
        sent.extend_from_slice(b"end");
        out.send(Bytes::from_static(b"end")).await.unwrap();
        out.flush().await.unwrap();
        drop(sender);
        let blocks: Vec<Bytes> = receiver.map(Result::unwrap).collect().await;
        let sizes: Vec<usize> = blocks.iter().map(Bytes::len).collect();
        assert_eq!(sizes, [65_400, 65_400, 65_400, 3_800, 100_000, 3], "blocks of at most 64 KiB, then the large piece alone");
        assert_eq!(blocks[4].as_ptr(), large.as_ptr(), "a large piece is not copied");
        assert!(blocks.concat() == sent, "the bytes, in their order");
    }

    #[test]
    fn dispositions() {
        assert_eq!(content_disposition("data.csv"), "attachment; filename=\"data.csv\"; filename*=UTF-8''data.csv");
        assert_eq!(content_disposition("tŷ \"x\".txt"), "attachment; filename=\"t_ _x_.txt\"; filename*=UTF-8''t%C5%B7%20%22x%22.txt");
    }
}
