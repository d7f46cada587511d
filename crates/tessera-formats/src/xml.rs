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
        Self { out: String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#) + "\n" }
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

/// Appends `text` escaped for both character data and double-quoted attribute values.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            // Kept as references so attribute values keep their line breaks and tabs.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
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
}
