//! Frictionless Data Packages: `datapackage.json` describing a record's files, with a Table
//! Schema for each CSV or TSV file inferred from every one of its rows, read as they stream.

use std::borrow::Borrow;
use std::cell::RefCell;

use serde_json::{Value, json};

use crate::schema_org::tidy;
use crate::{Described, pretty};

/// The Table Schema type a column's values all fit, from the narrowest up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Only empty cells so far (missing values, which fit any type).
    Empty,
    Integer,
    Number,
    Boolean,
    Date,
    String,
}

impl Kind {
    fn of(value: &str) -> Self {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
        if value.is_empty() {
            Self::Empty
        } else if digits(unsigned) {
            Self::Integer
        } else if is_decimal(unsigned) {
            Self::Number
        } else if matches!(value, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
            Self::Boolean
        } else if value.len() == 10 && time::Date::parse(value, time::macros::format_description!("[year]-[month]-[day]")).is_ok() {
            Self::Date
        } else {
            Self::String
        }
    }

    fn merge(self, other: Self) -> Self {
        match (self, other) {
            (Self::Empty, kind) | (kind, Self::Empty) => kind,
            (a, b) if a == b => a,
            (Self::Integer, Self::Number) | (Self::Number, Self::Integer) => Self::Number,
            _ => Self::String,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Empty | Self::String => "string",
        }
    }
}

/// Digits with at most one decimal point and an optional exponent: what Table Schema reads
/// as a number.
fn is_decimal(s: &str) -> bool {
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let has_digits = !whole.is_empty() || fraction.is_some_and(|f| !f.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    has_digits && digits(whole) && fraction.is_none_or(digits) && exponent_ok
}

/// A Table Schema being inferred from a delimited file fed in chunks of any size.
pub struct SchemaInference {
    delimiter: u8,
    reader: csv_core::Reader,
    output: Vec<u8>,
    output_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    header: Option<Vec<String>>,
    kinds: Vec<Kind>,
    /// Whether every byte so far was UTF-8, as Table Schema readers expect by default.
    utf8: bool,
}

impl SchemaInference {
    pub fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            reader: reader(delimiter),
            output: vec![0; 4096],
            output_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            header: None,
            kinds: Vec::new(),
            utf8: true,
        }
    }

    pub fn feed(&mut self, mut input: &[u8]) {
        loop {
            let (result, read, written, ended) =
                self.reader.read_record(input, &mut self.output[self.output_len..], &mut self.ends[self.ends_len..]);
            input = &input[read..];
            self.output_len += written;
            self.ends_len += ended;
            match result {
                csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => return,
                csv_core::ReadRecordResult::OutputFull => self.output.resize(self.output.len() * 2, 0),
                csv_core::ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                csv_core::ReadRecordResult::Record => self.take_record(),
            }
        }
    }

    fn take_record(&mut self) {
        let mut start = 0;
        let mut fields = Vec::with_capacity(self.ends_len);
        for &end in &self.ends[..self.ends_len] {
            let bytes = &self.output[start..end];
            let text = std::str::from_utf8(bytes).unwrap_or_else(|_| {
                self.utf8 = false;
                ""
            });
            fields.push(text.to_string());
            start = end;
        }
        (self.output_len, self.ends_len) = (0, 0);
        match &self.header {
            None => {
                self.kinds = vec![Kind::Empty; fields.len()];
                self.header = Some(fields);
            }
            Some(_) => {
                for (i, value) in fields.iter().enumerate() {
                    if let Some(kind) = self.kinds.get_mut(i) {
                        *kind = kind.merge(Kind::of(value));
                    }
                }
            }
        }
    }

    /// The Table Schema, once every byte has been fed; `None` when the file had no header or
    /// was not UTF-8.
    pub fn finish(mut self) -> Option<Value> {
        self.feed(&[]);
        recycle(self.delimiter, self.reader);
        let header = self.header.filter(|_| self.utf8)?;
        let fields: Vec<Value> = header.iter().zip(&self.kinds).map(|(name, kind)| json!({"name": name, "type": kind.name()})).collect();
        Some(json!({"fields": fields, "missingValues": [""]}))
    }
}

thread_local! {
    /// Readers of finished tables, reset for the next. Building a reader makes its state
    /// machine, which takes longer than reading a small table, and a built reader cannot be
    /// copied (csv-core's copy leaves the machine behind).
    static SPARE_READERS: RefCell<Vec<(u8, csv_core::Reader)>> = const { RefCell::new(Vec::new()) };
}

/// A CSV reader for `delimiter`: a spare one when this thread has one.
fn reader(delimiter: u8) -> csv_core::Reader {
    let spare = SPARE_READERS.with_borrow_mut(|spare| {
        let at = spare.iter().position(|(of, _)| *of == delimiter)?;
        Some(spare.swap_remove(at).1)
    });
    spare.unwrap_or_else(|| csv_core::ReaderBuilder::new().delimiter(delimiter).build())
}

/// Keeps a reader done with for the next table, a few at most.
fn recycle(delimiter: u8, mut reader: csv_core::Reader) {
    reader.reset();
    SPARE_READERS.with_borrow_mut(|spare| {
        if spare.len() < 4 {
            spare.push((delimiter, reader));
        }
    });
}

/// The delimiter of a file Tessera describes with a Table Schema, by its extension.
pub fn delimiter_of(key: &str) -> Option<u8> {
    let extension = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    match extension.as_str() {
        "csv" => Some(b','),
        "tsv" | "tab" => Some(b'\t'),
        _ => None,
    }
}

/// A resource's name: lower-case letters, digits and `-._/`, as the spec requires.
fn resource_name(key: &str) -> String {
    key.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() || "-._/".contains(c) { c } else { '-' }).collect()
}

/// One file as a data package describes it, its members in the order written.
#[derive(serde::Serialize)]
struct Resource<'a> {
    name: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    bytes: i64,
    hash: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dialect: Option<Dialect>,
}

#[derive(serde::Serialize)]
struct Dialect {
    delimiter: &'static str,
}

/// `datapackage.json` for `record`'s files, as pretty-printed JSON in pieces of at most a
/// thousand resources, with `schemas[i]` the Table Schema of file `i` when it is a table. So
/// the descriptor of 100,000 files is never held whole; files sharing a schema may share one
/// value.
pub fn descriptor<'a, S: Borrow<Value> + Sync>(
    record: Described<'a>,
    id: &str,
    schemas: &'a [Option<S>],
) -> impl Iterator<Item = Vec<u8>> + Send + use<'a, S> {
    descriptor_in_pieces(record, id, schemas, pretty::PIECE_ITEMS)
}

fn descriptor_in_pieces<'a, S: Borrow<Value> + Sync>(
    record: Described<'a>,
    id: &str,
    schemas: &'a [Option<S>],
    per_piece: usize,
) -> impl Iterator<Item = Vec<u8>> + Send + use<'a, S> {
    let md = record.metadata;
    let all_tabular = !schemas.is_empty() && schemas.iter().all(Option::is_some);
    let licences: Vec<Value> = record
        .rights()
        .filter_map(|right| Some(json!({"name": right.licence?.spdx_id, "path": right.url, "title": right.title})))
        .collect();
    let mut head = json!({
        "profile": if all_tabular { "tabular-data-package" } else { "data-package" },
        "name": format!("record-{id}"),
        "id": record.pid_url(),
        "title": md.title,
        "description": md.description,
        "homepage": record.landing_page,
        "version": md.version,
        "created": record.published,
        "keywords": md.subjects.iter().filter_map(|s| s.subject.clone()).collect::<Vec<_>>(),
        "licenses": licences,
        "contributors": md.creator_names().map(|name| json!({"title": name, "role": "author"})).collect::<Vec<_>>(),
    });
    tidy(&mut head);
    let files = record.files;
    let mut opening = Vec::new();
    if files.is_empty() {
        opening = serde_json::to_vec_pretty(&head).unwrap_or_default();
    } else {
        pretty::open_object_at(&mut opening, &head, 0);
        pretty::open_array_member(&mut opening, "resources", 0);
    }
    let written = files.chunks(per_piece).enumerate().scan(std::collections::HashSet::new(), move |names, (n, chunk)| {
        let mut out = Vec::new();
        for (at, file) in chunk.iter().enumerate() {
            let i = n * per_piece + at;
            let schema = schemas.get(i).and_then(Option::as_ref);
            let mut name = resource_name(&file.key);
            while !names.insert(name.clone()) {
                name.push('_');
            }
            let schema = schema.map(Borrow::borrow);
            let resource = Resource {
                name: &name,
                path: &file.key,
                format: file.key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()),
                bytes: file.size,
                hash: &file.md5,
                profile: schema.map(|_| "tabular-data-resource"),
                encoding: schema.map(|_| "utf-8"),
                schema,
                dialect: schema.filter(|_| delimiter_of(&file.key) == Some(b'\t')).map(|_| Dialect { delimiter: "\t" }),
            };
            pretty::item(&mut out, i == 0, &resource, 2);
        }
        Some(out)
    });
    let closing = std::iter::once_with(move || {
        let mut out = Vec::new();
        if !files.is_empty() {
            pretty::close_array(&mut out, false, 2);
            pretty::close_object(&mut out, 0);
        }
        out
    });
    std::iter::once(opening).chain(written).chain(closing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(text: &str, chunk: usize) -> Value {
        let mut inference = SchemaInference::new(b',');
        text.as_bytes().chunks(chunk).for_each(|c| inference.feed(c));
        inference.finish().unwrap()
    }

    #[test]
    fn the_descriptor_written_a_resource_at_a_time_is_pretty_json() {
        let md: tessera_domain::Metadata = serde_json::from_value(json!({
            "resource_type": {"id": "dataset"}, "title": "Gauges", "publication_date": "2024",
            "creators": [{"person_or_org": {"type": "organizational", "name": "Afon Data Group"}}],
        }))
        .unwrap();
        let access = tessera_domain::Access::default();
        let files = crate::files_named(&["a.csv", "A.csv", "b.tsv", "notes.txt"]);
        let described = crate::described_with(&md, &access, &files);
        let table = std::sync::Arc::new(infer("x,y\n1,2\n", 100));
        let schemas = [Some(table.clone()), Some(table.clone()), Some(table), None];
        let written = descriptor(described, "7", &schemas).flatten().collect::<Vec<u8>>();
        assert_eq!(descriptor_in_pieces(described, "7", &schemas, 3).count(), 4);
        assert_eq!(descriptor_in_pieces(described, "7", &schemas, 3).flatten().collect::<Vec<u8>>(), written);
        let value: Value = serde_json::from_slice(&written).unwrap();
        assert_eq!(serde_json::to_vec_pretty(&value).unwrap(), written, "{}", String::from_utf8_lossy(&written));
        let resources = value["resources"].as_array().unwrap();
        let names: Vec<&str> = resources.iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["a.csv", "a.csv_", "b.tsv", "notes.txt"]);
        assert_eq!(resources[2]["dialect"], json!({"delimiter": "\t"}));
        assert_eq!(resources[0]["schema"]["fields"][1]["type"], "integer");
        assert_eq!((resources[3].get("schema"), &value["profile"]), (None, &json!("data-package")));
        let bare = Described { files: &[], ..described };
        let value: Value = serde_json::from_slice(&descriptor::<Value>(bare, "7", &[]).flatten().collect::<Vec<u8>>()).unwrap();
        assert_eq!((value.get("resources"), &value["title"]), (None, &json!("Gauges")));
    }

    #[test]
    fn every_row_decides_a_column_type_whatever_the_chunks() {
        let text = "id,temp,ok,day,note,blank\n1,4.5,true,2024-01-02,\"a, \"\"b\"\"\nc\",\n2,5,false,2024-02-30,x,\n-3,1e3,TRUE,,y,\n";
        for chunk in [1, 3, 1000] {
            let types: Vec<String> =
                infer(text, chunk)["fields"].as_array().unwrap().iter().map(|f| f["type"].as_str().unwrap().to_string()).collect();
            assert_eq!(types, ["integer", "number", "boolean", "string", "string", "string"], "chunks of {chunk}");
        }
        // Readers are reused table after table, each for its own delimiter.
        let mut tabs = SchemaInference::new(b'\t');
        tabs.feed(b"a,b\tc\n1\t2\n");
        assert_eq!(tabs.finish().unwrap()["fields"].as_array().unwrap().len(), 2);
        assert_eq!(infer("a,b\tc\n1,2\n", 4)["fields"].as_array().unwrap().len(), 2);
        assert!(
            is_decimal("0.5") && is_decimal(".5") && is_decimal("1e-3") && !is_decimal("1.2.3") && !is_decimal("e3") && !is_decimal("1e")
        );
        assert_eq!(resource_name("Data/Table 1.CSV"), "data/table-1.csv");
    }
}
