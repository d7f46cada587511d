//! OAI-PMH 2.0 at `/oai`: the six verbs over GET and POST, `oai_dc` and `oai_datacite`,
//! sets by organization and resource type, deleted records kept for good.
//!
//! Lists follow the feed's order (`seq`, under which datestamps never go backwards). A
//! resumption token carries the request's own arguments and the number of the last item
//! sent, so it needs no server state and never expires; an item that changes during a harvest
//! moves behind that number and comes later, so nothing is skipped however far into a
//! million records the harvest has gone.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_app::domain::RecordId;
use tessera_app::{OaiItem, OaiRange};
use tessera_formats::xml::Xml;
use tessera_formats::{datacite, dublin_core};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::ApiError;
use crate::state::AppState;

/// Records per ListRecords answer, and headers per ListIdentifiers answer.
const RECORDS_PAGE: i64 = 100;
const HEADERS_PAGE: i64 = 500;
const NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/";
const SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd";

/// A metadata format every item can be disseminated in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Format {
    prefix: &'static str,
    schema: &'static str,
    namespace: &'static str,
}

const FORMATS: [Format; 2] = [
    Format { prefix: "oai_dc", schema: dublin_core::SCHEMA_LOCATION, namespace: dublin_core::NAMESPACE },
    Format { prefix: "oai_datacite", schema: datacite::SCHEMA_LOCATION, namespace: datacite::NAMESPACE },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    Identify,
    ListMetadataFormats,
    ListSets,
    ListIdentifiers,
    ListRecords,
    GetRecord,
}

impl Verb {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "Identify" => Self::Identify,
            "ListMetadataFormats" => Self::ListMetadataFormats,
            "ListSets" => Self::ListSets,
            "ListIdentifiers" => Self::ListIdentifiers,
            "ListRecords" => Self::ListRecords,
            "GetRecord" => Self::GetRecord,
            _ => return None,
        })
    }

    /// The arguments the verb takes: (required, optional, exclusive).
    fn arguments(self) -> (&'static [&'static str], &'static [&'static str], Option<&'static str>) {
        match self {
            Self::Identify => (&[], &[], None),
            Self::ListMetadataFormats => (&[], &["identifier"], None),
            Self::ListSets => (&[], &[], Some("resumptionToken")),
            Self::ListIdentifiers | Self::ListRecords => (&["metadataPrefix"], &["from", "until", "set"], Some("resumptionToken")),
            Self::GetRecord => (&["identifier", "metadataPrefix"], &[], None),
        }
    }
}

/// One of the protocol's error conditions, with words for the harvester's operator.
#[derive(Debug, PartialEq, Eq)]
struct OaiError {
    code: &'static str,
    message: String,
}

fn oai_error(code: &'static str, message: impl Into<String>) -> OaiError {
    OaiError { code, message: message.into() }
}

/// A request whose verb and arguments are well formed.
#[derive(Debug)]
struct Request {
    verb: Verb,
    /// The arguments as sent, echoed in the answer.
    args: Vec<(String, String)>,
}

impl Request {
    fn parse(pairs: Vec<(String, String)>) -> Result<Self, OaiError> {
        let verbs: Vec<&str> = pairs.iter().filter(|(k, _)| k == "verb").map(|(_, v)| v.as_str()).collect();
        let verb = match verbs.as_slice() {
            [] => return Err(oai_error("badVerb", "the verb argument is missing")),
            [one] => Verb::parse(one).ok_or_else(|| oai_error("badVerb", format!("'{one}' is not an OAI-PMH verb")))?,
            _ => return Err(oai_error("badVerb", "the verb argument is repeated")),
        };
        let args: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "verb").collect();
        let (required, optional, exclusive) = verb.arguments();
        for (i, (key, _)) in args.iter().enumerate() {
            if !(required.contains(&key.as_str()) || optional.contains(&key.as_str()) || exclusive == Some(key.as_str())) {
                return Err(oai_error("badArgument", format!("{key} is not an argument of {verb:?}")));
            }
            if args[..i].iter().any(|(earlier, _)| earlier == key) {
                return Err(oai_error("badArgument", format!("the argument {key} is repeated")));
            }
        }
        let has = |name: &str| args.iter().any(|(k, _)| k == name);
        match exclusive.filter(|name| has(name)) {
            Some(name) if args.len() > 1 => {
                return Err(oai_error("badArgument", format!("{name} must be the only argument beside the verb")));
            }
            Some(_) => {}
            None => {
                if let Some(missing) = required.iter().find(|name| !has(name)) {
                    return Err(oai_error("badArgument", format!("{verb:?} needs the argument {missing}")));
                }
            }
        }
        Ok(Self { verb, args })
    }

    fn arg(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Where a list resumes: the request's selection, the number of the last item sent, how many
/// were sent and how many the list held when it began.
#[derive(Debug, PartialEq, Eq)]
struct Listing {
    format: Format,
    range: OaiRange,
    after: Option<i64>,
    cursor: i64,
    total: Option<i64>,
}

impl Listing {
    fn token(&self) -> String {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let fields = [
            "1".to_string(),
            self.format.prefix.to_string(),
            opt(&self.range.set),
            opt(&self.range.from),
            opt(&self.range.until),
            self.after.unwrap_or_default().to_string(),
            self.cursor.to_string(),
            self.total.unwrap_or(0).to_string(),
        ];
        URL_SAFE_NO_PAD.encode(fields.join("|"))
    }

    fn from_token(token: &str) -> Result<Self, OaiError> {
        let bad = || oai_error("badResumptionToken", "the resumption token is not one this repository issued");
        let text = URL_SAFE_NO_PAD.decode(token).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)?;
        let fields: Vec<&str> = text.split('|').collect();
        let [version, prefix, set, from, until, seq, cursor, total] = fields[..] else { return Err(bad()) };
        let format = FORMATS.into_iter().find(|f| f.prefix == prefix).filter(|_| version == "1").ok_or_else(bad)?;
        let number = |raw: &str| raw.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(bad);
        let optional = |raw: &str| (!raw.is_empty()).then(|| raw.to_string());
        let stamp_ok = |raw: &str| raw.is_empty() || parse_datestamp(raw).is_ok();
        if !(stamp_ok(from) && stamp_ok(until)) {
            return Err(bad());
        }
        Ok(Self {
            format,
            range: OaiRange { set: optional(set), from: optional(from), until: optional(until) },
            after: Some(number(seq)?),
            cursor: number(cursor)?,
            total: Some(number(total)?),
        })
    }
}

/// GET /oai
pub(crate) async fn get(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    answer(&state, query.unwrap_or_default().as_bytes()).await
}

/// POST /oai, with the arguments form-encoded in the body.
pub(crate) async fn post(State(state): State<AppState>, body: Bytes) -> Response {
    answer(&state, &body).await
}

async fn answer(state: &AppState, raw: &[u8]) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
    let (request, body) = match Request::parse(pairs) {
        Err(error) => (None, Err(error)),
        Ok(request) => match respond(state, &request).await {
            Ok(body) => (Some(request), Ok(body)),
            Err(Failure::Protocol(error)) => (Some(request), Err(error)),
            Err(Failure::Internal(err)) => return err.into_response(),
        },
    };
    let mut xml = Xml::document_of(body.as_ref().map_or(0, String::len) + 1024);
    let location = format!("{NAMESPACE} {SCHEMA}");
    xml.open(
        "OAI-PMH",
        &[("xmlns", NAMESPACE), ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"), ("xsi:schemaLocation", &location)],
    );
    xml.leaf("responseDate", &[], &datestamp_now());
    let mut echo: Vec<(&str, &str)> = Vec::new();
    // Arguments that were themselves the problem are not echoed, as the protocol says.
    let arguments_wrong = body.as_ref().is_err_and(|error| matches!(error.code, "badVerb" | "badArgument"));
    if let Some(request) = request.as_ref().filter(|_| !arguments_wrong) {
        echo.push(("verb", verb_name(request.verb)));
        echo.extend(request.args.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    xml.leaf("request", &echo, &state.link("/oai"));
    match body {
        Ok(body) => xml.raw(&body),
        Err(error) => xml.leaf("error", &[("code", error.code)], &error.message),
    };
    xml.close("OAI-PMH");
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml.finish()).into_response()
}

enum Failure {
    Protocol(OaiError),
    Internal(ApiError),
}

impl From<OaiError> for Failure {
    fn from(error: OaiError) -> Self {
        Failure::Protocol(error)
    }
}

impl From<tessera_app::Error> for Failure {
    fn from(err: tessera_app::Error) -> Self {
        Failure::Internal(err.into())
    }
}

/// The verb's element, written out.
async fn respond(state: &AppState, request: &Request) -> Result<String, Failure> {
    let tessera = &state.tessera;
    // Room for a full page, about 2 KB a record and 100 bytes a header, so that its buffer is
    // not copied over and over as it grows.
    let mut xml = match request.verb {
        Verb::ListRecords => Xml::fragment_of(RECORDS_PAGE as usize * 2048),
        Verb::ListIdentifiers => Xml::fragment_of(HEADERS_PAGE as usize * 128),
        _ => Xml::fragment(),
    };
    match request.verb {
        Verb::Identify => {
            let earliest = tessera.oai_earliest().await?.unwrap_or_else(datestamp_now);
            xml.open("Identify", &[]);
            xml.leaf("repositoryName", &[], &state.config.repository_name);
            xml.leaf("baseURL", &[], &state.link("/oai"));
            xml.leaf("protocolVersion", &[], "2.0");
            xml.leaf("adminEmail", &[], &state.config.admin_email);
            xml.leaf("earliestDatestamp", &[], &earliest);
            xml.leaf("deletedRecord", &[], "persistent");
            xml.leaf("granularity", &[], "YYYY-MM-DDThh:mm:ssZ");
            xml.close("Identify");
        }
        Verb::ListMetadataFormats => {
            if let Some(identifier) = request.arg("identifier") {
                item(state, identifier).await?;
            }
            xml.open("ListMetadataFormats", &[]);
            for format in FORMATS {
                xml.open("metadataFormat", &[]);
                xml.leaf("metadataPrefix", &[], format.prefix).leaf("schema", &[], format.schema).leaf(
                    "metadataNamespace",
                    &[],
                    format.namespace,
                );
                xml.close("metadataFormat");
            }
            xml.close("ListMetadataFormats");
        }
        Verb::ListSets => {
            if request.arg("resumptionToken").is_some() {
                return Err(oai_error("badResumptionToken", "the list of sets is never split, so it takes no resumption token").into());
            }
            xml.open("ListSets", &[]);
            for (spec, name) in tessera.oai_sets().await? {
                xml.open("set", &[]).leaf("setSpec", &[], &spec).leaf("setName", &[], &name).close("set");
            }
            xml.close("ListSets");
        }
        Verb::GetRecord => {
            let format = format(request.arg("metadataPrefix").unwrap_or_default())?;
            let item = item(state, request.arg("identifier").unwrap_or_default()).await?;
            xml.open("GetRecord", &[]);
            record(state, &mut xml, &item, format);
            xml.close("GetRecord");
        }
        Verb::ListIdentifiers | Verb::ListRecords => {
            let (element, page) =
                if request.verb == Verb::ListRecords { ("ListRecords", RECORDS_PAGE) } else { ("ListIdentifiers", HEADERS_PAGE) };
            let listing = match request.arg("resumptionToken") {
                Some(token) => Listing::from_token(token)?,
                None => fresh_listing(request)?,
            };
            let mut items = tessera.oai_items(&listing.range, listing.after, page + 1).await?;
            if items.is_empty() {
                return Err(oai_error("noRecordsMatch", "no records match the arguments").into());
            }
            let more = items.len() as i64 > page;
            items.truncate(page as usize);
            let total = match listing.total {
                Some(total) => Some(total),
                None if more => Some(tessera.oai_count(&listing.range).await?),
                None => None,
            };
            xml.open(element, &[]);
            for item in &items {
                if request.verb == Verb::ListRecords {
                    record(state, &mut xml, item, listing.format);
                } else {
                    header(state, &mut xml, item);
                }
            }
            // cursor counts the items sent before this answer; harvesters read completeListSize
            // as an estimate, since the feed may grow meanwhile.
            let sent = listing.cursor + items.len() as i64;
            let (size, cursor) = (total.unwrap_or(sent).max(sent).to_string(), listing.cursor.to_string());
            let attrs = [("completeListSize", size.as_str()), ("cursor", cursor.as_str())];
            if more {
                let next = Listing { after: items.last().map(|item| item.seq), cursor: sent, total, ..listing };
                xml.leaf("resumptionToken", &attrs, &next.token());
            } else if request.arg("resumptionToken").is_some() {
                xml.leaf("resumptionToken", &attrs, "");
            }
            xml.close(element);
        }
    }
    Ok(xml.finish())
}

/// A list's selection from the request's arguments, checked.
fn fresh_listing(request: &Request) -> Result<Listing, OaiError> {
    let format = format(request.arg("metadataPrefix").unwrap_or_default())?;
    let from = request.arg("from").map(|raw| parse_datestamp(raw).map(|d| (d, raw.len()))).transpose()?;
    let until = request.arg("until").map(|raw| parse_datestamp(raw).map(|d| (d, raw.len()))).transpose()?;
    if let (Some((_, from_len)), Some((_, until_len))) = (&from, &until)
        && from_len != until_len
    {
        return Err(oai_error("badArgument", "from and until must have the same granularity"));
    }
    let from = from.map(|(d, _)| d.0);
    let until = until.map(|(d, _)| d.1);
    if let (Some(from), Some(until)) = (&from, &until)
        && from > until
    {
        return Err(oai_error("badArgument", "from is later than until"));
    }
    let set = request.arg("set").map(str::to_string);
    if let Some(set) = &set {
        let valid_part = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c));
        if !set.split(':').all(valid_part) {
            return Err(oai_error("badArgument", format!("'{set}' is not a set spec")));
        }
    }
    Ok(Listing { format, range: OaiRange { from, until, set }, after: None, cursor: 0, total: None })
}

fn format(prefix: &str) -> Result<Format, OaiError> {
    FORMATS
        .into_iter()
        .find(|f| f.prefix == prefix)
        .ok_or_else(|| oai_error("cannotDisseminateFormat", format!("'{prefix}' is not a metadata format here (oai_dc, oai_datacite)")))
}

/// The item an OAI identifier names.
async fn item(state: &AppState, identifier: &str) -> Result<OaiItem, Failure> {
    let unknown = || oai_error("idDoesNotExist", format!("'{identifier}' is not an identifier of this repository"));
    let id = identifier.strip_prefix(&identifier_prefix(state)).and_then(|id| id.parse().ok()).ok_or_else(unknown)?;
    Ok(state.tessera.oai_item(RecordId(id)).await?.ok_or_else(unknown)?)
}

/// `oai:{host}:` — items are named `oai:{host}:{record id}`.
fn identifier_prefix(state: &AppState) -> String {
    let url = &state.config.public_url;
    let host = url.split("://").nth(1).unwrap_or(url).split(['/', ':']).next().unwrap_or("localhost");
    format!("oai:{host}:")
}

fn header(state: &AppState, xml: &mut Xml, item: &OaiItem) {
    let status = if item.record.is_none() { "deleted" } else { "" };
    xml.open("header", &[("status", status)]);
    xml.leaf("identifier", &[], &format!("{}{}", identifier_prefix(state), item.id));
    xml.leaf("datestamp", &[], &item.datestamp);
    for set in &item.sets {
        xml.leaf("setSpec", &[], set);
    }
    xml.close("header");
}

fn record(state: &AppState, xml: &mut Xml, item: &OaiItem, format: Format) {
    xml.open("record", &[]);
    header(state, xml, item);
    if let Some(doc) = &item.record {
        let links = state.links(doc);
        let described = state.described(doc, &links);
        xml.open("metadata", &[]);
        if format.prefix == "oai_datacite" {
            datacite::Resource::of(&described).write_xml(xml);
        } else {
            dublin_core::oai_dc(xml, &described);
        }
        xml.close("metadata");
    }
    xml.close("record");
}

fn verb_name(verb: Verb) -> &'static str {
    match verb {
        Verb::Identify => "Identify",
        Verb::ListMetadataFormats => "ListMetadataFormats",
        Verb::ListSets => "ListSets",
        Verb::ListIdentifiers => "ListIdentifiers",
        Verb::ListRecords => "ListRecords",
        Verb::GetRecord => "GetRecord",
    }
}

/// A datestamp argument as the first and last second it covers: `2026-11-29` is the whole
/// day, `2026-11-29T19:04:28Z` that second.
fn parse_datestamp(raw: &str) -> Result<(String, String), OaiError> {
    let bad = || oai_error("badArgument", format!("'{raw}' is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDThh:mm:ssZ)"));
    if raw.len() == 10 {
        time::Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| bad())?;
        Ok((format!("{raw}T00:00:00Z"), format!("{raw}T23:59:59Z")))
    } else {
        time::PrimitiveDateTime::parse(raw, format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).map_err(|_| bad())?;
        Ok((raw.to_string(), raw.to_string()))
    }
}

fn datestamp_now() -> String {
    let now = OffsetDateTime::now_utc();
    now.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    fn code(query: &str) -> &'static str {
        Request::parse(pairs(query)).err().map_or("ok", |e| e.code)
    }

    #[test]
    fn arguments_are_checked_as_the_protocol_says() {
        assert_eq!(code("verb=Identify"), "ok");
        assert_eq!(code(""), "badVerb");
        assert_eq!(code("verb=Frobnicate"), "badVerb");
        assert_eq!(code("verb=Identify&verb=Identify"), "badVerb");
        assert_eq!(code("verb=Identify&set=x"), "badArgument");
        assert_eq!(code("verb=ListRecords"), "badArgument");
        assert_eq!(code("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc"), "badArgument");
        assert_eq!(code("verb=ListRecords&resumptionToken=x&set=a"), "badArgument");
        assert_eq!(code("verb=ListRecords&resumptionToken=x"), "ok");
        assert_eq!(code("verb=GetRecord&identifier=x"), "badArgument");
    }

    #[test]
    fn dates_take_either_granularity_and_tokens_round_trip() {
        assert_eq!(parse_datestamp("2026-02-03").unwrap().1, "2026-02-03T23:59:59Z");
        assert!(parse_datestamp("2026-02-30").is_err());
        assert!(parse_datestamp("2026-02-03T10:00:00").is_err());
        let listing = Listing {
            format: FORMATS[1],
            range: OaiRange { set: Some("org:uni".into()), from: Some("2026-01-01T00:00:00Z".into()), until: None },
            after: Some(42),
            cursor: 100,
            total: Some(1000),
        };
        assert_eq!(Listing::from_token(&listing.token()).unwrap(), listing);
        for bad in ["", "!!", &URL_SAFE_NO_PAD.encode("1|marc||||1|1|1"), &URL_SAFE_NO_PAD.encode("1|oai_dc||||x|1|1")] {
            assert_eq!(Listing::from_token(bad).unwrap_err().code, "badResumptionToken", "{bad}");
        }
    }
}
