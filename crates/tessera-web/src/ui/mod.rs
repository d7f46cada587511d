//! Server-rendered pages: a record's landing page and the search page. The templates are
//! checked at compile time; the full, bilingual interface grows from these.

mod pages;

pub(crate) use pages::{landing_page, search_page};
