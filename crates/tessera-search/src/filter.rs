//! Facet filters as sets of bits, one bit a document.
//!
//! A filter such as `language=eng` matches a large share of the records, and intersecting its
//! posting list with a query word's meant stepping through one of the two long lists and
//! seeking in the other for every document: at a million records, more time than anything
//! else in a search. Instead, the documents of each filtered value are read out of its posting
//! list once per segment and kept with the segment's facet arrays; a search joins its filters
//! into one set (any value of a facet, every facet), and tantivy's intersection starts from
//! whichever is smaller, that set or the word's list, and leaps through the other.

use std::fmt;
use std::sync::Arc;

use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

use crate::facets::FacetColumns;

/// Documents with one of the values of each group, each group a facet's accepted values.
#[derive(Clone)]
pub(crate) struct FacetFilter {
    pub(crate) columns: Arc<FacetColumns>,
    pub(crate) groups: Vec<Vec<Term>>,
}

impl fmt::Debug for FacetFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacetFilter").field("groups", &self.groups).finish()
    }
}

impl Query for FacetFilter {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for FacetFilter {
    /// The filter adds nothing to a hit's score: every hit matches it alike.
    fn scorer(&self, reader: &SegmentReader, _: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let segment = self.columns.of(reader)?;
        let mut all: Option<Vec<u64>> = None;
        for group in &self.groups {
            let mut any = vec![0u64; words_for(reader.max_doc())];
            for term in group {
                let docs = segment.docs_with(reader, term)?;
                any.iter_mut().zip(docs.iter()).for_each(|(word, with)| *word |= with);
            }
            all = Some(match all {
                None => any,
                Some(mut every) => {
                    every.iter_mut().zip(&any).for_each(|(word, with)| *word &= with);
                    every
                }
            });
        }
        let words = all.unwrap_or_else(|| every_doc(reader.max_doc()));
        Ok(Box::new(ConstScorer::new(Bits::new(words), 0.0)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.scorer(reader, 1.0)?.seek(doc) == doc {
            Ok(Explanation::new("facet filter", 0.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} does not match the facet filter")))
        }
    }
}

/// Words of 64 bits enough for documents numbered below `max_doc`.
pub(crate) fn words_for(max_doc: DocId) -> usize {
    max_doc.div_ceil(64) as usize
}

fn every_doc(max_doc: DocId) -> Vec<u64> {
    let mut words = vec![u64::MAX; words_for(max_doc)];
    if let Some(last) = words.last_mut()
        && !max_doc.is_multiple_of(64)
    {
        *last = (1 << (max_doc % 64)) - 1;
    }
    words
}

/// The documents whose bits are set, in order.
struct Bits {
    words: Vec<u64>,
    doc: DocId,
    len: u32,
}

impl Bits {
    fn new(words: Vec<u64>) -> Self {
        let len = words.iter().map(|word| word.count_ones()).sum();
        let mut bits = Bits { words, doc: 0, len };
        bits.doc = bits.first_from(0);
        bits
    }

    /// The first document numbered `doc` or above, or TERMINATED.
    fn first_from(&self, doc: DocId) -> DocId {
        let mut index = (doc / 64) as usize;
        let Some(&first) = self.words.get(index) else { return TERMINATED };
        let mut word = first & (u64::MAX << (doc % 64));
        loop {
            if word != 0 {
                return index as DocId * 64 + word.trailing_zeros();
            }
            index += 1;
            match self.words.get(index) {
                Some(&next) => word = next,
                None => return TERMINATED,
            }
        }
    }
}

impl DocSet for Bits {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.first_from(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target > self.doc {
            self.doc = self.first_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::index::tests::doc;
    use crate::{DocKey, IndexDoc, SearchIndex, SearchRequest};

    /// Filtered searches find exactly the documents a plain reading of their facets finds, over
    /// several segments with documents replaced and removed, asked twice (the second time from
    /// the kept bits), with and without a word.
    #[test]
    fn filters_find_what_the_documents_say() {
        let index = SearchIndex::in_memory().unwrap();
        let made = |id: u64| {
            let mut d =
                doc(id, if id.is_multiple_of(3) { "River" } else { "Lake" }, ["dataset", "image", "text"][id as usize % 3], "2020", true);
            d.facets[1] = (0..id % 4).map(|n| format!("s{}", (id + n) % 5)).collect();
            d.facets[4] = vec![format!("{}", 2019 + id % 4)];
            d
        };
        let mut docs: Vec<IndexDoc> = (1..=300).map(made).collect();
        // Each call commits a segment of its own.
        index.replace(&docs[..100], &[]).unwrap();
        index.replace(&docs[100..250], &[DocKey::Record(7), DocKey::Record(8)]).unwrap();
        let mut changed = made(20);
        changed.facets[1] = vec!["s9".into()];
        index.replace(&[changed.clone(), docs[250].clone()], &[]).unwrap();
        docs.truncate(251);
        docs.retain(|d| !matches!(d.key, DocKey::Record(7 | 8 | 20)));
        docs.push(changed);
        assert!(index.live().reader.searcher().segment_readers().len() >= 3);

        let filters: [&[(&str, &str)]; 6] = [
            &[("subject", "s1")],
            &[("subject", "s1"), ("subject", "s9")],
            &[("subject", "s2"), ("resource_type", "image")],
            &[("subject", "s3"), ("subject", "s4"), ("publication_year", "2021"), ("resource_type", "text")],
            &[("subject", "none such")],
            &[("publication_year", "2022"), ("publication_year", "2019")],
        ];
        for filters in filters {
            for query in ["", "river"] {
                let expected: BTreeSet<u64> = docs
                    .iter()
                    .filter(|d| query.is_empty() || d.title == "River")
                    .filter(|d| {
                        let facets: BTreeSet<&str> = filters.iter().map(|(facet, _)| *facet).collect();
                        facets.iter().all(|facet| {
                            let position = crate::FACETS.iter().position(|name| name == facet).unwrap();
                            filters.iter().any(|(name, value)| name == facet && d.facets[position].iter().any(|v| v == value))
                        })
                    })
                    .map(|d| d.key.encode())
                    .collect();
                for _ in 0..2 {
                    let request = SearchRequest {
                        query: query.into(),
                        filters: filters.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect(),
                        limit: 1000,
                        ..Default::default()
                    };
                    let result = index.search(&request).unwrap();
                    let found: BTreeSet<u64> = result.keys.iter().map(|key| key.encode()).collect();
                    assert_eq!((&found, result.total), (&expected, expected.len()), "{filters:?} {query:?}");
                }
            }
        }
    }

    #[test]
    fn bits_walk_and_leap_over_word_edges() {
        let docs = [0, 1, 63, 64, 127, 200, 640, 1000];
        let mut words = vec![0u64; words_for(1001)];
        for doc in docs {
            words[doc as usize / 64] |= 1 << (doc % 64);
        }
        let mut bits = Bits::new(words);
        assert_eq!(bits.size_hint(), 8);
        let mut walked = vec![bits.doc()];
        while bits.advance() != TERMINATED {
            walked.push(bits.doc());
        }
        assert_eq!(walked, docs);
        assert_eq!(bits.advance(), TERMINATED, "stays at the end");

        let mut bits = Bits::new(every_doc(130));
        assert_eq!((bits.size_hint(), bits.doc()), (130, 0));
        assert_eq!(bits.seek(64), 64);
        assert_eq!(bits.seek(10), 64, "never goes back");
        assert_eq!(bits.seek(129), 129);
        assert_eq!(bits.seek(130), TERMINATED);
        assert_eq!(Bits::new(vec![0; 3]).doc(), TERMINATED);
    }
}
