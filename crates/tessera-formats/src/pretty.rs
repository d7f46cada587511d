//! Pretty-printed JSON written a piece at a time, exactly as `serde_json::to_vec_pretty` would
//! write the whole: for documents that describe every file of a record, so that no tree of
//! all of them is held at once. A piece "at depth d" has its opening bracket indented d levels
//! (two spaces each), its members d + 1.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::Formatter;

/// How many files' entries a document of every file of a record holds in one piece: small
/// enough to pass through memory unnoticed, large enough that pieces are few.
pub(crate) const PIECE_ITEMS: usize = 1_000;

fn indent(out: &mut Vec<u8>, depth: usize) {
    out.extend(std::iter::repeat_n(b' ', depth * 2));
}

/// `value`, whose first line is already placed, at `depth`.
pub(crate) fn value_at<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T, depth: usize) {
    let mut serializer = serde_json::Serializer::with_formatter(out, Indented { depth, has_value: false });
    // Writing JSON values or plain structs into memory cannot fail.
    let _ = value.serialize(&mut serializer);
}

/// serde_json's pretty printing, begun `depth` levels in: the same lines it would write for
/// the value where it stands in the whole document, with no copy to indent afterwards.
struct Indented {
    depth: usize,
    has_value: bool,
}

impl Indented {
    fn line<W: ?Sized + Write>(&self, out: &mut W, lead: &[u8]) -> io::Result<()> {
        out.write_all(lead)?;
        (0..self.depth).try_for_each(|_| out.write_all(b"  "))
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(out, b"\n")?;
        }
        out.write_all(bracket)
    }
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, if first { b"\n" } else { b",\n" })
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, if first { b"\n" } else { b",\n" })
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The members of `object` (at least one) at `depth`, left open for more.
pub(crate) fn open_object_at(out: &mut Vec<u8>, object: &Value, depth: usize) {
    value_at(out, object, depth);
    // Its closing line: a newline, the indent and the brace.
    out.truncate(out.len() - (depth * 2 + 2));
}

/// An array member `name` of an object left open at `depth`, its items to follow at `depth + 2`.
pub(crate) fn open_array_member(out: &mut Vec<u8>, name: &str, depth: usize) {
    out.extend_from_slice(b",\n");
    indent(out, depth + 1);
    out.extend_from_slice(Value::from(name).to_string().as_bytes());
    out.extend_from_slice(b": [");
}

/// The next item of an array whose items stand at `depth`.
pub(crate) fn item<T: Serialize + ?Sized>(out: &mut Vec<u8>, first: bool, value: &T, depth: usize) {
    out.extend_from_slice(if first { b"\n" } else { b",\n" });
    indent(out, depth);
    value_at(out, value, depth);
}

/// Closes an array whose items stood at `depth`: `[]` when it has none.
pub(crate) fn close_array(out: &mut Vec<u8>, empty: bool, depth: usize) {
    if !empty {
        out.push(b'\n');
        indent(out, depth - 1);
    }
    out.push(b']');
}

/// Closes an object left open at `depth`.
pub(crate) fn close_object(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    indent(out, depth);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pieces_make_what_the_whole_would() {
        let whole = json!({"a": 1, "list": [{"x": [1, 2], "y": {}}, "two", []], "inner": {"b": true, "parts": [{"p": 1}]}});
        let mut out = Vec::new();
        open_object_at(&mut out, &json!({"a": 1}), 0);
        open_array_member(&mut out, "list", 0);
        for (i, value) in [json!({"x": [1, 2], "y": {}}), json!("two"), json!([])].iter().enumerate() {
            item(&mut out, i == 0, value, 2);
        }
        close_array(&mut out, false, 2);
        out.extend_from_slice(b",\n  \"inner\": ");
        open_object_at(&mut out, &json!({"b": true}), 1);
        open_array_member(&mut out, "parts", 1);
        item(&mut out, true, &json!({"p": 1}), 3);
        close_array(&mut out, false, 3);
        close_object(&mut out, 1);
        close_object(&mut out, 0);
        assert_eq!(String::from_utf8(out).unwrap(), String::from_utf8(serde_json::to_vec_pretty(&whole).unwrap()).unwrap());
        let mut empty = Vec::new();
        open_object_at(&mut empty, &json!({"a": 1}), 0);
        open_array_member(&mut empty, "list", 0);
        close_array(&mut empty, true, 2);
        close_object(&mut empty, 0);
        assert_eq!(empty, serde_json::to_vec_pretty(&json!({"a": 1, "list": []})).unwrap());
    }
}
