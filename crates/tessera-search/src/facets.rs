//! Facet counts from plain arrays of each document's facet values, one set per segment.
//!
//! tantivy keeps a document's facets in compressed columns; reading them back for every hit
//! of every search was half of a search's time at a million records. A segment never changes
//! once written, so its facet values are read out once into arrays when a reader first sees
//! it (the reader's warmer does it before the segment answers a search), each document's
//! values of all facets side by side, and a search counts them with one or two cache lines a
//! hit. Segments no reader uses any more are let go.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SearcherGeneration, SegmentOrdinal, SegmentReader, TERMINATED, Term, Warmer};

use crate::filter::words_for;
use crate::schema::FACETS;

/// The facet values of every document, by segment, for all the readers of one index.
#[derive(Default)]
pub(crate) struct FacetColumns {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentFacets>>>,
}

impl FacetColumns {
    /// The arrays of a segment, read out now if no reader has seen it yet.
    pub(crate) fn of(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentFacets>> {
        let id = reader.segment_id();
        if let Some(known) = self.lock().get(&id) {
            return Ok(known.clone());
        }
        let read = Arc::new(SegmentFacets::read(reader)?);
        self.lock().insert(id, read.clone());
        Ok(read)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentFacets>>> {
        self.segments.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Warmer for FacetColumns {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for reader in searcher.segment_readers() {
            self.of(reader)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live: &[&SearcherGeneration]) {
        let used: HashSet<SegmentId> = live.iter().flat_map(|generation| generation.segments().keys().copied()).collect();
        self.lock().retain(|id, _| used.contains(id));
    }
}

/// One segment's facet values, laid out for counting: each document's values of every facet
/// side by side, so a hit costs one or two cache lines rather than one per facet.
pub(crate) struct SegmentFacets {
    /// Each facet's values, each once: a facet's first level, as tantivy's own collector
    /// counts them under the root. Facet `f`'s values are numbered from `first[f]` on, in one
    /// numbering for the whole segment.
    names: Vec<String>,
    first: Vec<usize>,
    /// Document `d`'s values, of all facets, are `values[starts[d]..starts[d + 1]]`.
    starts: Vec<u32>,
    values: Values,
    /// The documents of each value searches have filtered on, a bit each (see `filter.rs`).
    filtered: Mutex<Filtered>,
}

/// At most this many bytes of filter bits are kept for a segment: 256 values at a million
/// documents. Past it the kept ones are let go, and each is read again when next asked for.
const FILTERED_BYTES: usize = 32 << 20;

#[derive(Default)]
struct Filtered {
    docs: HashMap<Term, Arc<Vec<u64>>>,
    bytes: usize,
}

/// Value numbers in as few bytes as the segment's count of values allows: a million
/// documents' values then fit in the processor's cache, where a search finds them faster.
enum Values {
    Narrow(Vec<u8>),
    Middle(Vec<u16>),
    Wide(Vec<u32>),
}

impl Values {
    /// `numbers` are all below `distinct`, so each fits the width chosen for it.
    fn of(numbers: Vec<u32>, distinct: usize) -> Self {
        match distinct {
            0..=0x100 => Values::Narrow(numbers.iter().map(|&n| n as u8).collect()),
            0x101..=0x1_0000 => Values::Middle(numbers.iter().map(|&n| n as u16).collect()),
            _ => Values::Wide(numbers),
        }
    }
}

/// Counts the value numbers of documents `docs` into `counts`. Each document costs two reads
/// from memory, its place among the values and then its values; the places of all `docs` are
/// read first, so the processor waits for many of those reads at once rather than in turn.
fn count<T: Copy + Into<u32>>(starts: &[u32], values: &[T], docs: &[DocId], counts: &mut [u32]) {
    let mut ranges = [(0, 0); BATCH];
    for (range, &doc) in ranges.iter_mut().zip(docs) {
        *range = (starts[doc as usize] as usize, starts[doc as usize + 1] as usize);
    }
    for &(start, end) in &ranges[..docs.len()] {
        for &value in &values[start..end] {
            counts[value.into() as usize] += 1;
        }
    }
}

/// Hits counted together; see `count`.
const BATCH: usize = 64;

impl SegmentFacets {
    fn read(reader: &SegmentReader) -> tantivy::Result<Self> {
        let (mut names, mut first, mut columns) = (Vec::new(), Vec::with_capacity(FACETS.len() + 1), Vec::new());
        for name in FACETS {
            let column = reader.facet_reader(&format!("f_{name}"))?;
            first.push(names.len());
            // Each of the column's ordinals as the number of its first level among the names.
            let mut numbers: HashMap<String, u32> = HashMap::new();
            let mut facet = Facet::root();
            let mut of_ord = Vec::with_capacity(column.num_facets());
            for ord in 0..column.num_facets() as u64 {
                column.facet_from_ord(ord, &mut facet)?;
                let value = facet.to_path().first().map(|level| level.to_string()).unwrap_or_default();
                let next = names.len() as u32;
                of_ord.push(*numbers.entry(value.clone()).or_insert_with(|| {
                    names.push(value);
                    next
                }));
            }
            columns.push((column, of_ord));
        }
        first.push(names.len());
        let mut starts = Vec::with_capacity(reader.max_doc() as usize + 1);
        let (mut values, mut own) = (Vec::new(), Vec::new());
        for doc in 0..reader.max_doc() {
            starts.push(values.len() as u32);
            for (column, of_ord) in &columns {
                own.clear();
                own.extend(column.facet_ords(doc).map(|ord| of_ord[ord as usize]));
                own.sort_unstable();
                own.dedup();
                values.extend_from_slice(&own);
            }
        }
        starts.push(values.len() as u32);
        let values = Values::of(values, names.len());
        Ok(Self { names, first, starts, values, filtered: Mutex::default() })
    }

    /// The documents with the facet value `term`, one bit each, read from its posting list
    /// the first time a search filters on it.
    pub(crate) fn docs_with(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Arc<Vec<u64>>> {
        let lock = || self.filtered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = lock().docs.get(term) {
            return Ok(known.clone());
        }
        let mut words = vec![0u64; words_for(reader.max_doc())];
        if let Some(mut postings) = reader.inverted_index(term.field())?.read_postings(term, IndexRecordOption::Basic)? {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                words[doc as usize / 64] |= 1 << (doc % 64);
                doc = postings.advance();
            }
        }
        let words = Arc::new(words);
        let mut filtered = lock();
        let bytes = words.len() * 8;
        if filtered.bytes + bytes > FILTERED_BYTES {
            *filtered = Filtered::default();
        }
        filtered.bytes += bytes;
        filtered.docs.insert(term.clone(), words.clone());
        Ok(words)
    }
}

/// Counts the values of every facet over a search's hits: facet → value → hits.
pub(crate) struct CountFacets(pub(crate) Arc<FacetColumns>);

pub(crate) type FacetTally = Vec<BTreeMap<String, u64>>;

impl Collector for CountFacets {
    type Fruit = FacetTally;
    type Child = SegmentCount;

    fn for_segment(&self, _: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentCount> {
        let facets = self.0.of(reader)?;
        let counts = vec![0; facets.names.len()];
        Ok(SegmentCount { facets, counts, waiting: Vec::with_capacity(BATCH) })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        let mut total: FacetTally = vec![BTreeMap::new(); FACETS.len()];
        for segment in segments {
            for (sum, counts) in total.iter_mut().zip(segment) {
                for (value, count) in counts {
                    *sum.entry(value).or_default() += count;
                }
            }
        }
        Ok(total)
    }
}

pub(crate) struct SegmentCount {
    facets: Arc<SegmentFacets>,
    /// Hits with each value, in the segment's numbering.
    counts: Vec<u32>,
    /// Hits not counted yet, fewer than `BATCH`.
    waiting: Vec<DocId>,
}

impl SegmentCount {
    fn count_waiting(&mut self) {
        let facets = &*self.facets;
        match &facets.values {
            Values::Narrow(values) => count(&facets.starts, values, &self.waiting, &mut self.counts),
            Values::Middle(values) => count(&facets.starts, values, &self.waiting, &mut self.counts),
            Values::Wide(values) => count(&facets.starts, values, &self.waiting, &mut self.counts),
        }
        self.waiting.clear();
    }
}

impl SegmentCollector for SegmentCount {
    type Fruit = FacetTally;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.waiting.push(doc);
        if self.waiting.len() == BATCH {
            self.count_waiting();
        }
    }

    fn harvest(mut self) -> FacetTally {
        self.count_waiting();
        let facets = &*self.facets;
        facets
            .first
            .windows(2)
            .map(|range| {
                let named = facets.names[range[0]..range[1]].iter().zip(&self.counts[range[0]..range[1]]);
                named.filter(|(_, count)| **count > 0).map(|(name, count)| (name.clone(), u64::from(*count))).collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::FacetCollector;
    use tantivy::query::AllQuery;

    use super::*;
    use crate::index::tests::doc;
    use crate::{DocKey, IndexDoc, SearchIndex};

    /// The arrays count what tantivy's own facet collector counts, over several segments, with
    /// documents replaced and removed, and documents with several values, one or none.
    #[test]
    fn counts_agree_with_tantivys_collector() {
        let index = SearchIndex::in_memory().unwrap();
        let varied = |id: u64, subjects: &[&str]| {
            let mut d = doc(
                id,
                "River",
                if id.is_multiple_of(3) { "image" } else { "dataset" },
                &format!("{}", 2000 + id % 4),
                !id.is_multiple_of(5),
            );
            d.facets[1] = subjects.iter().map(|s| s.to_string()).collect();
            d
        };
        // Each call commits a segment of its own.
        index.replace(&[varied(1, &["Hydrology", "Rivers"]), varied(2, &[]), varied(3, &["Rivers", "Rivers"])], &[]).unwrap();
        index.replace(&(4..40).map(|id| varied(id, &["Soil"][..(id % 2) as usize])).collect::<Vec<_>>(), &[]).unwrap();
        index.replace(&[varied(2, &["Lakes"]), varied(41, &["Hydrology"])], &[DocKey::Record(7), DocKey::Record(8)]).unwrap();
        assert!(index.live().reader.searcher().segment_readers().len() >= 2);
        let ours = agree(&index);
        assert_eq!(ours[1]["Rivers"], 2, "a value given twice counts once");
        assert_eq!(ours[0].values().sum::<u64>(), 38, "40 documents, two removed");

        // More values than one byte numbers, then more than two bytes do.
        for subjects in [300, 70_000] {
            let index = SearchIndex::in_memory().unwrap();
            let docs: Vec<IndexDoc> = (1..=subjects)
                .map(|id| {
                    let mut d = doc(id, "River", "dataset", "2020", true);
                    d.facets[1] = vec![format!("s{id}"), "all".into()];
                    d
                })
                .collect();
            index.replace(&docs, &[]).unwrap();
            assert_eq!(agree(&index)[1]["all"], subjects);
        }
    }

    /// What the arrays count over every document, checked against tantivy's own collector.
    fn agree(index: &SearchIndex) -> FacetTally {
        let live = index.live();
        let searcher = live.reader.searcher();
        let ours = searcher.search(&AllQuery, &CountFacets(live.facets.clone())).unwrap();
        for (position, name) in FACETS.iter().enumerate() {
            let mut theirs = FacetCollector::for_field(format!("f_{name}"));
            theirs.add_facet(Facet::root());
            let counts = searcher.search(&AllQuery, &theirs).unwrap();
            let expected: BTreeMap<String, u64> = counts.get("/").map(|(facet, count)| (facet.to_path()[0].to_string(), count)).collect();
            assert_eq!(ours[position], expected, "{name}");
        }
        ours
    }
}
