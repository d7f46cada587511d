//! Resumable uploads over tus 1.0 (<https://tus.io/protocols/resumable-upload>) at
//! `/api/uploads/`: core, creation, creation-with-upload, checksum (sha1, md5, sha256),
//! expiration and termination. An upload names its draft and file in `Upload-Metadata`
//! (`record`, and `filename` or `key`) and becomes that draft's committed file when its last
//! byte arrives; the answer carrying that byte, and `HEAD` afterwards, give the file's
//! digests in `Repr-Digest` (RFC 9530).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::TryStreamExt;
use tessera_app::{NewUpload, PIECE_ALGORITHMS, Piece, PieceCheck, UploadView};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, record_id};
use crate::state::AppState;
use crate::wire::base64_of_hex;

pub(crate) const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,creation-with-upload,checksum,expiration,termination";
/// The media type of every piece of content.
const PIECE_TYPE: &str = "application/offset+octet-stream";

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");
const REPR_DIGEST: HeaderName = HeaderName::from_static("repr-digest");

/// What the server supports (tus's `OPTIONS`); needs no credentials.
#[utoipa::path(options, path = "/api/uploads/", tag = "uploads",
    responses((status = 204, description = "What the server supports", headers(
        ("Tus-Version" = String, description = "1.0.0"), ("Tus-Extension" = String, description = "The extensions supported"),
        ("Tus-Max-Size" = u64, description = "The largest upload taken, in bytes"),
        ("Tus-Checksum-Algorithm" = String, description = "The algorithms a piece's Upload-Checksum may use")))))]
pub(crate) async fn options(State(state): State<AppState>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    headers.insert("tus-extension", HeaderValue::from_static(EXTENSIONS));
    headers.insert("tus-max-size", HeaderValue::from(state.tessera.max_file_bytes()));
    insert(headers, HeaderName::from_static("tus-checksum-algorithm"), &PIECE_ALGORITHMS.join(","));
    response
}

/// Starts an upload; with a body (creation-with-upload), its first piece too. Headers:
/// `Tus-Resumable: 1.0.0`, `Upload-Length`, `Upload-Metadata` naming `record` (the draft) and
/// `filename` (the file's key), base64-encoded.
#[utoipa::path(post, path = "/api/uploads/", tag = "uploads",
    request_body(content = Option<crate::openapi::shapes::Bytes>, content_type = "application/offset+octet-stream", description = "The first bytes, with creation-with-upload"),
    params(("Tus-Resumable" = String, Header, pattern = "^1\\.0\\.0$", description = "1.0.0"),
        ("Upload-Length" = u64, Header, description = "The whole upload's size in bytes"),
        ("Upload-Metadata" = String, Header, description = "Comma-separated pairs of a name and a base64 value: `record`, the draft's id, and `filename` or `key`, the file's key"),
        ("Upload-Checksum" = Option<String>, Header, description = "The first piece's digest: an algorithm of Tus-Checksum-Algorithm, a space, and the digest in base64")),
    responses((status = 201, description = "Created", headers(("Location" = String, description = "The upload's address"),
            ("Upload-Offset" = u64, description = "The bytes received so far"), ("Upload-Expires" = Option<String>, description = "When an unfinished upload is removed (an HTTP date)"),
            ("Repr-Digest" = Option<String>, description = "Once the last byte is in: the file's SHA-512 and MD5 (RFC 9530)"))),
        (status = 400, description = "Missing or malformed Upload-Length or Upload-Metadata"), (status = 409, description = "The file is already committed"),
        (status = 412, description = "Tus-Resumable is not 1.0.0"), (status = 413, description = "Larger than Tus-Max-Size")))]
pub(crate) async fn create(State(state): State<AppState>, Caller(subject): Caller, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    check_version(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(ApiError::invalid_field("Upload-Defer-Length", "give the upload's size in Upload-Length; it cannot be deferred here"));
    }
    let length = number_header(&headers, &UPLOAD_LENGTH)?
        .ok_or_else(|| ApiError::invalid_field("Upload-Length", "give the upload's size in bytes in Upload-Length"))?;
    let metadata = header_text(&headers, &UPLOAD_METADATA)?.unwrap_or_default();
    let (draft, key) = target(metadata)?;
    let piece = piece_of(&headers, 0)?;
    let new = NewUpload { draft, key, length, metadata: metadata.to_string() };
    let created = state.tessera.create_upload(&subject, new).await?;
    let location = state.link(&format!("/api/uploads/{}", created.id));
    let upload = match piece {
        Some(piece) if created.digests.is_none() => {
            let stream = body.into_data_stream().map_err(|err| err.to_string());
            match state.tessera.append_upload(&subject, &created.id, piece, stream).await {
                Ok(upload) => upload,
                Err(err) => {
                    // The upload exists; the client resumes it from what HEAD reports.
                    let mut response = ApiError::from(err).into_response();
                    insert(response.headers_mut(), header::LOCATION, &location);
                    return Ok(response);
                }
            }
        }
        _ => created,
    };
    let mut response = StatusCode::CREATED.into_response();
    insert(response.headers_mut(), header::LOCATION, &location);
    progress_headers(response.headers_mut(), &upload);
    Ok(response)
}

/// How far an upload has come (tus's `HEAD`).
#[utoipa::path(head, path = "/api/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "Upload id"), ("Tus-Resumable" = String, Header, pattern = "^1\\.0\\.0$", description = "1.0.0")),
    responses((status = 200, description = "How far it has come", headers(("Upload-Offset" = u64, description = "The bytes received so far"),
            ("Upload-Length" = u64, description = "The whole upload's size"), ("Upload-Metadata" = Option<String>, description = "As the upload was created with"),
            ("Upload-Expires" = Option<String>, description = "When an unfinished upload is removed (an HTTP date)"),
            ("Repr-Digest" = Option<String>, description = "Once complete: the file's SHA-512 and MD5 (RFC 9530)"))),
        (status = 404, description = "Unknown, expired or terminated"), (status = 412, description = "Tus-Resumable is not 1.0.0")))]
pub(crate) async fn status(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_version(&headers)?;
    let upload = state.tessera.upload(&subject, &id).await?;
    let mut response = StatusCode::OK.into_response();
    let out = response.headers_mut();
    progress_headers(out, &upload);
    out.insert(UPLOAD_LENGTH, HeaderValue::from(upload.length));
    if !upload.metadata.is_empty() {
        insert(out, UPLOAD_METADATA, &upload.metadata);
    }
    Ok(response)
}

/// Appends a piece at `Upload-Offset` (tus's `PATCH`), as `application/offset+octet-stream`,
/// optionally with `Upload-Checksum`.
#[utoipa::path(patch, path = "/api/uploads/{id}", tag = "uploads",
    request_body(content = crate::openapi::shapes::Bytes, content_type = "application/offset+octet-stream"),
    params(("id" = String, Path, description = "Upload id"), ("Tus-Resumable" = String, Header, pattern = "^1\\.0\\.0$", description = "1.0.0"),
        ("Upload-Offset" = u64, Header, description = "Where this piece starts: the offset HEAD gave"),
        ("Upload-Checksum" = Option<String>, Header, description = "The piece's digest: an algorithm of Tus-Checksum-Algorithm, a space, and the digest in base64")),
    responses((status = 204, description = "Kept", headers(("Upload-Offset" = u64, description = "The bytes received so far"),
            ("Upload-Expires" = Option<String>, description = "When an unfinished upload is removed (an HTTP date)"),
            ("Repr-Digest" = Option<String>, description = "Once the last byte is in: the file's SHA-512, MD5 and the transfer's CRC-32 (RFC 9530)"))),
        (status = 409, description = "Upload-Offset is not where the upload stands"), (status = 412, description = "Tus-Resumable is not 1.0.0"),
        (status = 413, description = "The piece would end past Upload-Length"), (status = 415, description = "Not application/offset+octet-stream"),
        (status = 460, description = "Checksum mismatch: the piece was not kept"), (status = 507, description = "Storage full: the upload was removed")))]
pub(crate) async fn append(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    check_version(&headers)?;
    let offset = number_header(&headers, &UPLOAD_OFFSET)?
        .ok_or_else(|| ApiError::invalid_field("Upload-Offset", "give the offset this piece starts at in Upload-Offset"))?;
    let Some(piece) = piece_of(&headers, offset)? else {
        return Err(ApiError::UnsupportedMediaType(format!("send each piece with Content-Type: {PIECE_TYPE}")));
    };
    let stream = body.into_data_stream().map_err(|err| err.to_string());
    let upload = state.tessera.append_upload(&subject, &id, piece, stream).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    progress_headers(response.headers_mut(), &upload);
    Ok(response)
}

/// Stops an upload and frees its space (tus termination).
#[utoipa::path(delete, path = "/api/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "Upload id"), ("Tus-Resumable" = String, Header, pattern = "^1\\.0\\.0$", description = "1.0.0")),
    responses((status = 204, description = "Removed"), (status = 412, description = "Tus-Resumable is not 1.0.0")))]
pub(crate) async fn terminate(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    check_version(&headers)?;
    state.tessera.terminate_upload(&subject, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn check_version(headers: &HeaderMap) -> ApiResult<()> {
    match headers.get(&TUS_RESUMABLE).map(HeaderValue::as_bytes) {
        Some(version) if version == TUS_VERSION.as_bytes() => Ok(()),
        _ => Err(ApiError::TusVersion),
    }
}

/// The piece a request carries, if its body is one (`Content-Type` says so).
fn piece_of(headers: &HeaderMap, offset: u64) -> ApiResult<Option<Piece>> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with(PIECE_TYPE) {
        return Ok(None);
    }
    let size = number_header(headers, &header::CONTENT_LENGTH)?;
    let Some(value) = header_text(headers, &UPLOAD_CHECKSUM)? else { return Ok(Some(Piece { offset, size, check: None })) };
    let invalid = || {
        ApiError::invalid_field(
            "Upload-Checksum",
            "give the piece's digest as ALGORITHM BASE64, such as 'sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0='",
        )
    };
    let (algorithm, digest) = value.split_once(' ').ok_or_else(invalid)?;
    let digest = STANDARD.decode(digest.trim()).map_err(|_| invalid())?;
    let check = PieceCheck::new(algorithm, &digest).ok_or_else(|| {
        ApiError::invalid_field("Upload-Checksum", format!("'{algorithm}' is not checked here; use one of {}", PIECE_ALGORITHMS.join(", ")))
    })?;
    Ok(Some(Piece { offset, size, check: Some(check) }))
}

/// The draft and file key an upload is for, from `Upload-Metadata`: comma-separated pairs of
/// a key and a base64 value.
fn target(metadata: &str) -> ApiResult<(tessera_app::domain::RecordId, String)> {
    let invalid = |message: String| ApiError::invalid_field("Upload-Metadata", message);
    let mut pairs = Vec::new();
    for pair in metadata.split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let value = STANDARD.decode(value.trim()).map_err(|_| invalid(format!("the value of '{key}' is not base64")))?;
        let value = String::from_utf8(value).map_err(|_| invalid(format!("the value of '{key}' is not UTF-8 text")))?;
        pairs.push((key, value));
    }
    let value = |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.clone());
    let draft = value("record").ok_or_else(|| invalid("name the draft the file is for: 'record' with its id".into()))?;
    let draft = record_id(&draft).map_err(|_| invalid(format!("'{draft}' is not a record id")))?;
    let key = value("key").or_else(|| value("filename")).ok_or_else(|| invalid("name the file: 'filename' or 'key'".into()))?;
    Ok((draft, key))
}

fn number_header(headers: &HeaderMap, name: &HeaderName) -> ApiResult<Option<u64>> {
    let Some(text) = header_text(headers, name)? else { return Ok(None) };
    text.trim().parse().map(Some).map_err(|_| ApiError::invalid_field(&label(name), format!("'{text}' is not a number of bytes")))
}

fn header_text<'a>(headers: &'a HeaderMap, name: &HeaderName) -> ApiResult<Option<&'a str>> {
    headers.get(name).map(|v| v.to_str().map_err(|_| ApiError::invalid_field(&label(name), "use ASCII text"))).transpose()
}

/// A header's name as the protocol writes it: `Upload-Length`.
fn label(name: &HeaderName) -> String {
    let words = name.as_str().split('-').map(|word| {
        let mut chars = word.chars();
        chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
    });
    words.collect::<Vec<_>>().join("-")
}

/// `Upload-Offset`, and `Upload-Expires` while unfinished or `Repr-Digest` once complete.
fn progress_headers(headers: &mut HeaderMap, upload: &UploadView) {
    headers.insert(UPLOAD_OFFSET, HeaderValue::from(upload.offset));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match &upload.digests {
        Some(digests) => {
            let mut value = format!("sha-512=:{}:, md5=:{}:", base64_of_hex(&digests.sha512), base64_of_hex(&digests.md5));
            // Right after the last piece: a CRC-32 (big-endian) the client checks the transfer with.
            if let Some(crc32) = digests.crc32 {
                value.push_str(&format!(", crc32=:{}:", base64_of_hex(&format!("{crc32:08x}"))));
            }
            insert(headers, REPR_DIGEST, &value)
        }
        None => {
            if let Ok(expires) = OffsetDateTime::parse(&upload.expires, &Rfc3339) {
                insert(headers, UPLOAD_EXPIRES, &http_date(expires));
            }
        }
    }
}

fn insert(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate), as `Upload-Expires` wants.
fn http_date(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_names_the_draft_and_file() {
        let metadata = format!("record {},filename {},empty", STANDARD.encode("12"), STANDARD.encode("data/a b.csv"));
        assert_eq!(target(&metadata).unwrap(), (tessera_app::domain::RecordId(12), "data/a b.csv".to_string()));
        let keyed = format!("record {},filename {},key {}", STANDARD.encode("12"), STANDARD.encode("x"), STANDARD.encode("y"));
        assert_eq!(target(&keyed).unwrap().1, "y");
        assert!(target(&format!("filename {}", STANDARD.encode("x"))).is_err());
        assert!(target("record !!!").is_err());
        assert!(target(&format!("record {},filename x", STANDARD.encode("0"))).is_err());
    }

    #[test]
    fn dates_and_digests_are_written_as_http_wants() {
        let at = OffsetDateTime::parse("2014-06-25T16:00:00Z", &Rfc3339).unwrap();
        assert_eq!(http_date(at), "Wed, 25 Jun 2014 16:00:00 GMT");
        assert_eq!(base64_of_hex("5eb63bbbe01eeed093cb22bb8f5acdc3"), "XrY7u+Ae7tCTyyK7j1rNww==");
        assert_eq!(label(&UPLOAD_LENGTH), "Upload-Length");
    }
}
