//! A small XML writer: elements, attributes and text appended to a `String`, escaped as they go.
//!
//! Metadata arrives as JSON, which may hold characters XML 1.0 cannot carry at all (most C0
//! controls, U+FFFE, U+FFFF); they are dropped, so every document written is well-formed.

/// An XML document being written.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    /// A document starting with the XML declaration.
    pub fn document() -> Self {
        Self::document_of(0)
    }

    /// A document starting with the XML declaration, with room for about `bytes` of it: a
    /// large answer is then not copied each time it outgrows its buffer.
    pub fn document_of(bytes: usize) -> Self {
        let mut out = String::with_capacity(bytes.max(64));
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        Self { out }
    }

    /// A fragment with room for about `bytes`.
    pub fn fragment_of(bytes: usize) -> Self {
        Self { out: String::with_capacity(bytes) }
    }

    /// A fragment, to be placed inside another document.
    pub fn fragment() -> Self {
        Self::default()
    }

    /// `<name attr="value" …>`; attributes with an empty value are left out.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name attrs>text</name>`, or `<name attrs/>` when the text is empty.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start_tag(name, attrs);
        if text.is_empty() {
            self.out.push_str("/>");
        } else {
            self.out.push('>');
            escape_into(&mut self.out, text);
            self.close(name);
        }
        self
    }

    /// `<wrapper><item>value</item>…</wrapper>`, or nothing when there are no values.
    pub fn list<'v>(&mut self, wrapper: &str, item: &str, values: impl IntoIterator<Item = &'v str>) -> &mut Self {
        let mut values = values.into_iter().peekable();
        if values.peek().is_some() {
            self.open(wrapper, &[]);
            for value in values {
                self.leaf(item, &[], value);
            }
            self.close(wrapper);
        }
        self
    }

    /// Escaped character data.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.out, text);
        self
    }

    /// Markup written elsewhere (by another `Xml`), placed as it is.
    pub fn raw(&mut self, markup: &str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs.iter().filter(|(_, value)| !value.is_empty()) {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }
}

/// Appends `text` escaped for both character data and double-quoted attribute values. Runs
/// of plain text are copied whole: every character that needs a reference or is dropped is
/// ASCII, or U+FFFE and U+FFFF, which start with the byte 0xEF.
pub fn escape_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (replacement, width) = match bytes[i] {
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'&' => ("&amp;", 1),
            b'"' => ("&quot;", 1),
            // Kept as references so attribute values keep their line breaks and tabs.
            b'\n' => ("&#10;", 1),
            b'\r' => ("&#13;", 1),
            b'\t' => ("&#9;", 1),
            // The other control characters, U+FFFE and U+FFFF are not XML characters: dropped.
            0..0x20 => ("", 1),
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[plain..i]);
        out.push_str(replacement);
        i += width;
        plain = i;
    }
    out.push_str(&text[plain..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        let mut xml = Xml::fragment();
        xml.open("a", &[("x", "1 < 2 \"q\""), ("empty", "")]).text("fish & chips\u{1}\u{FFFF} 鱼").leaf("b", &[], "").close("a");
        assert_eq!(xml.finish(), r#"<a x="1 &lt; 2 &quot;q&quot;">fish &amp; chips 鱼<b/></a>"#);
        let mut lines = String::new();
        escape_into(&mut lines, "one\ntwo\tthree");
        assert_eq!(lines, "one&#10;two&#9;three");
    }

    /// The byte scan escapes exactly as a character-by-character walk of XML's rules does.
    #[test]
    fn escaping_by_runs_matches_escaping_each_character() {
        fn by_character(text: &str) -> String {
            let mut out = String::new();
            for c in text.chars() {
                match c {
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '&' => out.push_str("&amp;"),
                    '"' => out.push_str("&quot;"),
                    '\n' => out.push_str("&#10;"),
                    '\r' => out.push_str("&#13;"),
                    '\t' => out.push_str("&#9;"),
                    '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'.. => out.push(c),
                    _ => {}
                }
            }
            out
        }
        let pieces = [
            "",
            "plain",
            "<",
            ">",
            "&",
            "\"",
            "\n",
            "\r",
            "\t",
            "\u{0}",
            "\u{1f}",
            "\u{7f}",
            "é",
            "鱼",
            "🐟",
            "\u{D7FF}",
            "\u{E000}",
            "\u{F000}",
            "\u{FFFD}",
            "\u{FFFE}",
            "\u{FFFF}",
            "\u{10000}",
            "\u{10FFFF}",
            "Afon Taf",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    let mut out = String::from("kept ");
                    escape_into(&mut out, &text);
                    assert_eq!(out, format!("kept {}", by_character(&text)), "{text:?}");
                }
            }
        }
    }
}
