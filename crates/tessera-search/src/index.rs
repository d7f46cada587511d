//! `SearchIndex`: adding, removing and finding records.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};

use tantivy::collector::{Count, FruitHandle, MultiCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, SegmentReader, TantivyDocument, Term, Warmer};

use crate::Result;
use crate::facets::{CountFacets, FacetColumns, FacetTally};
use crate::filter::FacetFilter;
use crate::query::with_index_fields;
use crate::schema::{FACETS, Fields, schema};

/// What a search hit is: a published record of Tessera's, or a record harvested from a
/// partner repository. Both live in one index so one search ranks and counts them together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKey {
    Record(u64),
    Remote(u64),
}

/// Marks harvested records' ids in the index; record ids are positive `i64`s and never have it.
const REMOTE: u64 = 1 << 63;

impl DocKey {
    pub(crate) fn encode(self) -> u64 {
        match self {
            Self::Record(id) => id,
            Self::Remote(id) => id | REMOTE,
        }
    }

    fn decode(value: u64) -> Self {
        if value & REMOTE == 0 { Self::Record(value) } else { Self::Remote(value & !REMOTE) }
    }
}

impl Default for DocKey {
    fn default() -> Self {
        Self::Record(0)
    }
}

/// What the index knows of one published or harvested record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexDoc {
    pub key: DocKey,
    /// Whether this is the latest published version of its dataset.
    pub is_latest: bool,
    pub title: String,
    pub description: String,
    pub creators: Vec<String>,
    pub subjects: Vec<String>,
    /// Other searchable text: identifiers, publisher, additional titles.
    pub other_text: Vec<String>,
    /// The communities the record's dataset is in, by id.
    pub communities: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    pub updated: i64,
    /// Facet values, in the order of `FACETS`.
    pub facets: [Vec<String>; FACETS.len()],
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// By relevance when there is a query, else newest first.
    #[default]
    BestMatch,
    Newest,
    Oldest,
    UpdatedDesc,
    UpdatedAsc,
}

/// How far hits can be paged: a page ends at the 10,000th hit at most, as in InvenioRDM's
/// search. Collecting hits keeps every hit up to the page's end, so a page at offset N costs
/// memory for N hits: without a bound, one request for a far page could exhaust the server's.
pub const MAX_RESULT_WINDOW: usize = 10_000;

#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    pub query: String,
    /// (facet name, value) pairs; values of one facet are alternatives, different facets all apply.
    pub filters: Vec<(String, String)>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// Include every version, not only the latest of each dataset.
    pub all_versions: bool,
    /// Only the records of this community.
    pub community: Option<String>,
}

/// Facet name → (value, count), most frequent first.
pub type FacetCounts = BTreeMap<&'static str, Vec<(String, u64)>>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchResult {
    pub total: usize,
    pub keys: Vec<DocKey>,
    pub facets: FacetCounts,
}

/// The search index: one generation answers and takes live changes, while a `Rebuild` may be
/// filling the next one beside it.
pub struct SearchIndex {
    /// The folder of the generations and the `current` pointer; `None` for an index in memory.
    pub(crate) root: Option<PathBuf>,
    pub(crate) fields: Fields,
    /// The generation searches read, replaced in one step when a rebuild takes over.
    pub(crate) live: RwLock<Arc<Generation>>,
    pub(crate) changes: Mutex<Changes>,
    /// True when the index was just created (or recreated) and must be filled.
    fresh: bool,
    /// The total and facet counts of browsing everything (no words, no filters), and the last
    /// page of it, kept until the index changes: over a million records, counting and ordering
    /// everything costs two hundred times more than showing the page.
    browse: Mutex<Option<BrowseCounts>>,
}

/// A search's total and facet counts: known already, or collected by these handles.
enum Counting {
    Known(BrowseCounts),
    Collect(FruitHandle<usize>, FruitHandle<FacetTally>),
}

/// What browsing everything counts, and which view of the index it counted.
#[derive(Clone)]
struct BrowseCounts {
    /// The generation, and the reader's view of it, the counts are true of.
    view: (u64, u64),
    total: usize,
    facets: FacetCounts,
    /// The last page of hits browsed in this view, by its sort, offset and limit: the home
    /// page and the search page without words ask for the same one again and again.
    page: Option<((Sort, usize, usize), Vec<DocKey>)>,
}

/// One complete index: a folder of its own on disk.
pub(crate) struct Generation {
    pub(crate) number: u64,
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    /// Each segment's facet values, read out when the reader first sees the segment.
    pub(crate) facets: Arc<FacetColumns>,
}

impl Generation {
    pub(crate) fn new(number: u64, index: Index) -> Result<Self> {
        let facets = Arc::new(FacetColumns::default());
        let warmer: Weak<dyn Warmer> = Arc::downgrade(&facets) as Weak<dyn Warmer>;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).warmers(vec![warmer]).try_into()?;
        Ok(Self { number, index, reader, facets })
    }
}

/// Live changes go through here one at a time.
#[derive(Default)]
pub(crate) struct Changes {
    /// The live generation's writer, opened on the first write, so read-only users (verify,
    /// admin commands beside a running server) never take the index's single-writer lock.
    pub(crate) writer: Option<IndexWriter>,
    /// While a rebuild runs: what live changes touched since it began, for it to catch up on.
    pub(crate) rebuilding: Option<Touched>,
}

/// What live changes touched while a rebuild was filling the next generation. The rebuild
/// may have read these records before they changed, so it reads them again before it takes over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touched {
    pub keys: BTreeSet<DocKey>,
    /// (facet, value) pairs whose documents were all removed.
    pub removed_where: Vec<(String, String)>,
    /// Documents the rebuild has added so far.
    pub(crate) added: u64,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.removed_where.is_empty()
    }
}

/// What an operator sees of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexStatus {
    pub generation: u64,
    pub documents: u64,
    /// Documents added to the next generation, while a rebuild runs.
    pub rebuilding: Option<u64>,
}

/// Memory for the live writer's buffer; bounded so the server's footprint stays small.
pub(crate) const WRITER_MEMORY: usize = 30_000_000;
/// Most facet values reported per facet.
const FACET_VALUES: usize = 20;

impl SearchIndex {
    /// Opens the index under `root`, creating it (and marking it fresh) when it is missing or
    /// was written with another schema version.
    pub fn open(root: &Path) -> Result<Self> {
        let (schema, fields) = schema();
        let (number, fresh) = match crate::rebuild::current_generation(root) {
            Some(number) => (number, false),
            None => {
                if root.exists() {
                    tracing::info!(dir = %root.display(), "recreating the search index");
                    std::fs::remove_dir_all(root)?;
                }
                crate::rebuild::create_generation(root, 1, schema)?;
                crate::rebuild::make_current(root, 1)?;
                (1, true)
            }
        };
        let index = Index::open_in_dir(root.join(number.to_string()))?;
        Self::with_generation(Some(root.to_path_buf()), Generation::new(number, index)?, fields, fresh)
    }

    /// An index in memory, for tests.
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema();
        Self::with_generation(None, Generation::new(1, Index::create_in_ram(schema))?, fields, true)
    }

    fn with_generation(root: Option<PathBuf>, generation: Generation, fields: Fields, fresh: bool) -> Result<Self> {
        Ok(Self {
            root,
            fields,
            live: RwLock::new(Arc::new(generation)),
            changes: Mutex::new(Changes::default()),
            fresh,
            browse: Mutex::new(None),
        })
    }

    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    pub(crate) fn live(&self) -> Arc<Generation> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn browse_counts(&self) -> MutexGuard<'_, Option<BrowseCounts>> {
        self.browse.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn changes(&self) -> MutexGuard<'_, Changes> {
        self.changes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `change` with the live writer and makes its effect visible to searches; a rebuild
    /// in progress is told what it touched.
    fn write(&self, touched: impl FnOnce(&mut Touched), change: impl FnOnce(&mut IndexWriter) -> Result<()>) -> Result<()> {
        let mut changes = self.changes();
        let live = self.live();
        let writer = match &mut changes.writer {
            Some(writer) => writer,
            empty => empty.insert(live.index.writer_with_num_threads(1, WRITER_MEMORY)?),
        };
        change(writer)?;
        live.reader.reload()?;
        if let Some(rebuilding) = &mut changes.rebuilding {
            touched(rebuilding);
        }
        Ok(())
    }

    /// Adds or replaces `docs` and removes `removed`, in one commit.
    pub fn replace(&self, docs: &[IndexDoc], removed: &[DocKey]) -> Result<()> {
        self.write(
            |touched| touched.keys.extend(removed.iter().copied().chain(docs.iter().map(|doc| doc.key))),
            |writer| {
                self.apply(writer, docs, removed)?;
                writer.commit()?;
                Ok(())
            },
        )
    }

    /// Deletes `removed` and replaces `docs` through `writer`, uncommitted.
    pub(crate) fn apply(&self, writer: &IndexWriter, docs: &[IndexDoc], removed: &[DocKey]) -> Result<()> {
        for key in removed {
            writer.delete_term(Term::from_field_u64(self.fields.id, key.encode()));
        }
        for doc in docs {
            writer.delete_term(Term::from_field_u64(self.fields.id, doc.key.encode()));
            writer.add_document(self.document(doc))?;
        }
        Ok(())
    }

    /// Removes every document with this value of the facet `facet` (all of one origin's).
    pub fn remove_where(&self, facet: &str, value: &str) -> Result<()> {
        let Some(term) = self.facet_term(facet, value) else { return Ok(()) };
        self.write(
            |touched| touched.removed_where.push((facet.to_string(), value.to_string())),
            |writer| {
                writer.delete_term(term);
                writer.commit()?;
                Ok(())
            },
        )
    }

    pub(crate) fn facet_term(&self, facet: &str, value: &str) -> Option<Term> {
        let position = FACETS.iter().position(|name| *name == facet)?;
        Some(Term::from_facet(self.fields.facets[position], &Facet::from_path([value])))
    }

    pub fn count(&self) -> u64 {
        self.live().reader.searcher().num_docs()
    }

    pub fn status(&self) -> IndexStatus {
        let live = self.live();
        let rebuilding = self.changes().rebuilding.as_ref().map(|touched| touched.added);
        IndexStatus { generation: live.number, documents: live.reader.searcher().num_docs(), rebuilding }
    }

    pub(crate) fn document(&self, doc: &IndexDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut out = TantivyDocument::new();
        out.add_u64(f.id, doc.key.encode());
        out.add_text(f.latest, if doc.is_latest { "1" } else { "0" });
        out.add_text(f.title, &doc.title);
        out.add_text(f.description, &doc.description);
        for creator in &doc.creators {
            out.add_text(f.creators, creator);
        }
        for subject in &doc.subjects {
            out.add_text(f.subjects_text, subject);
        }
        let everything = [&doc.title, &doc.description].into_iter().chain(&doc.creators).chain(&doc.subjects).chain(&doc.other_text);
        for text in everything {
            out.add_text(f.all, text);
        }
        for community in &doc.communities {
            out.add_text(f.community, community);
        }
        out.add_i64(f.created, doc.created);
        out.add_i64(f.updated, doc.updated);
        for (field, values) in f.facets.iter().zip(&doc.facets) {
            for value in values {
                out.add_facet(*field, Facet::from_path([value.as_str()]));
            }
        }
        out
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResult> {
        let f = &self.fields;
        let live = self.live();
        let text = request.query.trim();
        let fielded = with_index_fields(text);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if text.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        } else {
            // Lenient parsing: a stray quote or colon in a user's query still searches.
            let mut parser = QueryParser::for_index(&live.index, vec![f.all]);
            parser.set_conjunction_by_default();
            clauses.push((Occur::Must, parser.parse_query_lenient(&fielded).0));
            // Words in the title or among the creators rank higher; this clause only scores the
            // documents the required clauses found.
            let mut boost = QueryParser::for_index(&live.index, vec![f.title, f.creators]);
            boost.set_field_boost(f.title, 3.0);
            boost.set_field_boost(f.creators, 2.0);
            clauses.push((Occur::Should, boost.parse_query_lenient(&fielded).0));
        }
        if !request.all_versions {
            // Excluding the few earlier versions is cheaper than intersecting with every latest one.
            clauses.push((Occur::MustNot, term_query(Term::from_field_text(f.latest, "0"))));
        }
        if let Some(community) = &request.community {
            clauses.push((Occur::Must, term_query(Term::from_field_text(f.community, community))));
        }
        let groups: Vec<Vec<Term>> = FACETS
            .iter()
            .enumerate()
            .map(|(position, name)| {
                let values = request.filters.iter().filter(|(facet, _)| facet == name);
                values.map(|(_, value)| Term::from_facet(f.facets[position], &Facet::from_path([value.as_str()]))).collect()
            })
            .filter(|alternatives: &Vec<Term>| !alternatives.is_empty())
            .collect();
        if !groups.is_empty() {
            clauses.push((Occur::Must, Box::new(FacetFilter { columns: live.facets.clone(), groups })));
        }
        let query = BooleanQuery::new(clauses);

        let searcher = live.reader.searcher();
        let view = (live.number, searcher.generation().generation_id());
        let browsing = text.is_empty() && request.filters.is_empty() && !request.all_versions && request.community.is_none();
        let cached = if browsing { self.browse_counts().clone().filter(|counts| counts.view == view) } else { None };
        let sort = match (request.sort, text.is_empty()) {
            (Sort::BestMatch, true) => Sort::Newest,
            (sort, _) => sort,
        };
        // Callers refuse pages beyond the window; this only keeps the collectors bounded.
        let limit = request.limit.clamp(1, MAX_RESULT_WINDOW);
        let offset = request.offset.min(MAX_RESULT_WINDOW);
        let page = (sort, offset, limit);
        if let Some(BrowseCounts { total, facets, page: Some((seen, keys)), .. }) = &cached
            && *seen == page
        {
            return Ok(SearchResult { total: *total, keys: keys.clone(), facets: facets.clone() });
        }
        let mut collectors = MultiCollector::new();
        // Counts already known for this view are not counted again.
        let counting = match cached {
            Some(known) => Counting::Known(known),
            None => Counting::Collect(collectors.add_collector(Count), collectors.add_collector(CountFacets(live.facets.clone()))),
        };
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let keys: Vec<DocKey>;
        let mut fruits;
        match sort {
            Sort::BestMatch => {
                let handle = collectors.add_collector(top);
                fruits = searcher.search(&query, &collectors)?;
                keys = self.keys(&searcher, handle.extract(&mut fruits).into_iter().map(|(_, address)| address))?;
            }
            Sort::Newest | Sort::Oldest | Sort::UpdatedDesc | Sort::UpdatedAsc => {
                let (field, descending) = match sort {
                    Sort::Newest => ("created", true),
                    Sort::Oldest => ("created", false),
                    Sort::UpdatedDesc => ("updated", true),
                    _ => ("updated", false),
                };
                // Records of the same second are ordered by id, so the order does not depend on
                // where a rebuild's threads happened to put them.
                let by_date = top.custom_score(move |segment: &SegmentReader| {
                    let (date, id) = (segment.fast_fields().i64(field).ok(), segment.fast_fields().u64("id").ok());
                    move |doc: DocId| {
                        let date = date.as_ref().and_then(|column| column.first(doc)).unwrap_or_default();
                        let id = id.as_ref().and_then(|column| column.first(doc)).unwrap_or_default();
                        if descending { (date, id) } else { (date.saturating_neg(), u64::MAX - id) }
                    }
                });
                let handle = collectors.add_collector(by_date);
                fruits = searcher.search(&query, &collectors)?;
                keys = self.keys(&searcher, handle.extract(&mut fruits).into_iter().map(|(_, address)| address))?;
            }
        }
        let (count_handle, facet_handles) = match counting {
            Counting::Known(known) => {
                *self.browse_counts() = Some(BrowseCounts { page: Some((page, keys.clone())), ..known.clone() });
                return Ok(SearchResult { total: known.total, keys, facets: known.facets });
            }
            Counting::Collect(count, facets) => (count, facets),
        };
        let total = count_handle.extract(&mut fruits);
        let mut facets = FacetCounts::new();
        for (name, counts) in FACETS.iter().zip(facet_handles.extract(&mut fruits)) {
            let mut values: Vec<(String, u64)> = counts.into_iter().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            values.truncate(FACET_VALUES);
            facets.insert(*name, values);
        }
        if browsing {
            *self.browse_counts() = Some(BrowseCounts { view, total, facets: facets.clone(), page: Some((page, keys.clone())) });
        }
        Ok(SearchResult { total, keys, facets })
    }

    /// The keys of hits, read from the `id` fast field rather than the compressed document
    /// store, which would decompress a block per hit; each segment's column is opened once.
    fn keys(&self, searcher: &tantivy::Searcher, addresses: impl Iterator<Item = DocAddress>) -> Result<Vec<DocKey>> {
        let mut columns: BTreeMap<u32, tantivy::columnar::Column<u64>> = BTreeMap::new();
        addresses
            .map(|address| {
                let column = match columns.entry(address.segment_ord) {
                    std::collections::btree_map::Entry::Occupied(open) => open.into_mut(),
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(searcher.segment_reader(address.segment_ord).fast_fields().u64("id")?)
                    }
                };
                Ok(DocKey::decode(column.first(address.doc_id).unwrap_or_default()))
            })
            .collect()
    }
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn doc(id: u64, title: &str, resource_type: &str, year: &str, latest: bool) -> IndexDoc {
        let mut facets: [Vec<String>; FACETS.len()] = Default::default();
        facets[0] = vec![resource_type.into()];
        facets[1] = vec!["Hydrology".into(), "Rivers/Lakes".into()];
        facets[4] = vec![year.into()];
        IndexDoc {
            key: DocKey::Record(id),
            is_latest: latest,
            title: title.into(),
            description: "Measurements".into(),
            creators: vec!["Lovelace, Ada".into()],
            subjects: vec!["hydrology".into()],
            other_text: vec!["10.1234/abc".into()],
            communities: Vec::new(),
            created: id as i64,
            updated: 100 - id as i64,
            facets,
        }
    }

    pub(crate) fn check(index: &SearchIndex, request: SearchRequest, ids: &[u64], total: usize) -> SearchResult {
        let result = index.search(&SearchRequest { limit: 10, ..request }).unwrap();
        let keys: Vec<DocKey> = ids.iter().map(|id| DocKey::Record(*id)).collect();
        assert_eq!((result.keys.as_slice(), result.total), (keys.as_slice(), total));
        result
    }

    #[test]
    fn search_filter_sort_and_count() {
        let index = SearchIndex::in_memory().unwrap();
        index
            .replace(
                &[
                    doc(1, "River temperatures", "dataset", "2020", true),
                    doc(2, "Lake levels", "dataset", "2021", true),
                    doc(3, "River maps", "image", "2021", false),
                    doc(4, "Afon Taf: tymheredd y dŵr", "dataset", "2022", true),
                ],
                &[],
            )
            .unwrap();
        check(&index, SearchRequest::default(), &[4, 2, 1], 3);
        check(&index, SearchRequest { all_versions: true, ..Default::default() }, &[4, 3, 2, 1], 4);
        check(&index, SearchRequest { query: "river".into(), ..Default::default() }, &[1], 1);
        check(&index, SearchRequest { query: "dŵr".into(), ..Default::default() }, &[4], 1);
        check(&index, SearchRequest { query: "lovelace river".into(), all_versions: true, ..Default::default() }, &[1, 3], 2);
        check(&index, SearchRequest { query: "10.1234/abc AND \"unbalanced".into(), ..Default::default() }, &[], 0);
        check(&index, SearchRequest { sort: Sort::Oldest, ..Default::default() }, &[1, 2, 4], 3);
        check(&index, SearchRequest { sort: Sort::UpdatedDesc, offset: 1, ..Default::default() }, &[2, 4], 3);
        let filtered = check(
            &index,
            SearchRequest {
                filters: vec![
                    ("publication_year".into(), "2021".into()),
                    ("publication_year".into(), "2022".into()),
                    ("resource_type".into(), "dataset".into()),
                ],
                ..Default::default()
            },
            &[4, 2],
            2,
        );
        assert_eq!(filtered.facets["publication_year"], [("2021".to_string(), 1), ("2022".to_string(), 1)]);
        let all = check(&index, SearchRequest::default(), &[4, 2, 1], 3);
        assert_eq!(all.facets["resource_type"], [("dataset".to_string(), 3)]);
        assert_eq!(all.facets["subject"], [("Hydrology".to_string(), 3), ("Rivers/Lakes".to_string(), 3)]);
        check(&index, SearchRequest { filters: vec![("subject".into(), "Rivers/Lakes".into())], ..Default::default() }, &[4, 2, 1], 3);

        index.replace(&[doc(2, "Lake depths", "dataset", "2021", true)], &[]).unwrap();
        check(&index, SearchRequest { query: "lake".into(), ..Default::default() }, &[2], 1);
        index.replace(&[], &[DocKey::Record(2)]).unwrap();
        check(&index, SearchRequest { query: "lake".into(), ..Default::default() }, &[], 0);
        index.replace(&[doc(5, "Estuary", "dataset", "2023", true)], &[]).unwrap();
        check(&index, SearchRequest { all_versions: true, ..Default::default() }, &[5, 4, 3, 1], 4);
    }

    #[test]
    fn browsing_counts_are_kept_until_the_index_changes() {
        let index = SearchIndex::in_memory().unwrap();
        index.replace(&[doc(1, "River", "dataset", "2020", true), doc(2, "Lake", "image", "2021", true)], &[]).unwrap();
        let first = check(&index, SearchRequest::default(), &[2, 1], 2);
        assert!(index.browse_counts().is_some(), "browsing everything keeps its counts");
        // The next page of the same view reuses them and still finds its own hits; the first
        // page again, and in another order, are what they were.
        let second = check(&index, SearchRequest { offset: 1, ..Default::default() }, &[1], 2);
        // However far a page is asked for, only the window's hits are collected.
        let far = index.search(&SearchRequest { offset: usize::MAX, limit: usize::MAX, ..Default::default() }).unwrap();
        assert_eq!((far.keys.len(), far.total), (0, 2));
        assert_eq!(first.facets, second.facets);
        check(&index, SearchRequest::default(), &[2, 1], 2);
        check(&index, SearchRequest { sort: Sort::Oldest, ..Default::default() }, &[1, 2], 2);
        check(&index, SearchRequest::default(), &[2, 1], 2);
        // A change is counted afresh, whether it adds or removes.
        index.replace(&[doc(3, "Estuary", "dataset", "2022", true)], &[]).unwrap();
        let after = check(&index, SearchRequest::default(), &[3, 2, 1], 3);
        assert_eq!(after.facets["resource_type"], [("dataset".to_string(), 2), ("image".to_string(), 1)]);
        index.replace(&[], &[DocKey::Record(3)]).unwrap();
        check(&index, SearchRequest::default(), &[2, 1], 2);
        // Searches with words or filters count for themselves.
        let images =
            check(&index, SearchRequest { filters: vec![("resource_type".into(), "image".into())], ..Default::default() }, &[2], 1);
        assert_eq!(images.facets["resource_type"], [("image".to_string(), 1)]);
        check(&index, SearchRequest { all_versions: true, ..Default::default() }, &[2, 1], 2);
    }

    #[test]
    fn a_community_lists_only_its_records() {
        let index = SearchIndex::in_memory().unwrap();
        let member = |id, communities: &[&str]| IndexDoc {
            communities: communities.iter().map(|c| c.to_string()).collect(),
            ..doc(id, "River", "dataset", "2020", true)
        };
        index.replace(&[member(1, &["welsh-rivers"]), member(2, &["welsh-rivers", "lakes"]), member(3, &[])], &[]).unwrap();
        let community = |id: &str| Some(id.to_string());
        // Browsing everything first keeps its counts, which a community's list must not take.
        check(&index, SearchRequest::default(), &[3, 2, 1], 3);
        let welsh = check(&index, SearchRequest { community: community("welsh-rivers"), ..Default::default() }, &[2, 1], 2);
        assert_eq!(welsh.facets["resource_type"], [("dataset".to_string(), 2)]);
        check(&index, SearchRequest { community: community("lakes"), query: "river".into(), ..Default::default() }, &[2], 1);
        check(&index, SearchRequest { community: community("welsh"), ..Default::default() }, &[], 0);
        index.replace(&[member(2, &["lakes"])], &[]).unwrap();
        check(&index, SearchRequest { community: community("welsh-rivers"), ..Default::default() }, &[1], 1);
    }

    #[test]
    fn records_of_the_same_second_are_ordered_by_id_wherever_they_lie() {
        let index = SearchIndex::in_memory().unwrap();
        let same_second = |id| IndexDoc { created: 5, updated: 5, ..doc(id, "River", "dataset", "2020", true) };
        index.replace(&[same_second(2)], &[]).unwrap();
        index.replace(&[same_second(3), same_second(1)], &[]).unwrap();
        check(&index, SearchRequest { sort: Sort::Newest, ..Default::default() }, &[3, 2, 1], 3);
        check(&index, SearchRequest { sort: Sort::Oldest, ..Default::default() }, &[1, 2, 3], 3);
        check(&index, SearchRequest { sort: Sort::UpdatedAsc, offset: 1, ..Default::default() }, &[2, 3], 3);
    }

    #[test]
    fn any_field_matches_and_title_matches_rank_first() {
        let index = SearchIndex::in_memory().unwrap();
        let in_description = IndexDoc { description: "Samples from the Severn".into(), ..doc(1, "Lake levels", "dataset", "2020", true) };
        let in_subject = IndexDoc { subjects: vec!["Severn estuary".into()], ..doc(2, "Tides", "dataset", "2020", true) };
        let in_title = doc(3, "Severn flows", "dataset", "2020", true);
        index.replace(&[in_description, in_subject, in_title], &[]).unwrap();
        let result = index.search(&SearchRequest { query: "severn".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(result.keys.first(), Some(&DocKey::Record(3)));
        assert_eq!(result.total, 3);
        // Both words must match, each in any field.
        let both = index.search(&SearchRequest { query: "severn lovelace tides".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(both.keys, [DocKey::Record(2)]);
    }

    #[test]
    fn queries_may_name_fields_as_inveniordm_clients_do() {
        let index = SearchIndex::in_memory().unwrap();
        let in_description = IndexDoc { description: "Samples from the Severn".into(), ..doc(1, "Lake levels", "dataset", "2020", true) };
        index.replace(&[in_description, doc(3, "Severn flows", "dataset", "2020", true)], &[]).unwrap();
        let found = |query: &str| index.search(&SearchRequest { query: query.into(), limit: 10, ..Default::default() }).unwrap().keys;
        assert_eq!(found("metadata.title:severn"), [DocKey::Record(3)]);
        assert_eq!(found("metadata.description:severn"), [DocKey::Record(1)]);
        assert_eq!(found("creators.person_or_org.name:lovelace AND metadata.title:lake").len(), 1);
        assert_eq!(found(r#"doi:"10.1234/abc" AND title:severn"#), [DocKey::Record(3)], "a field it lacks is searched everywhere");
        assert_eq!(found("metadata.publisher:nobody"), []);
    }

    #[test]
    fn harvested_records_share_the_index_under_keys_of_their_own() {
        let index = SearchIndex::in_memory().unwrap();
        let origin = FACETS.iter().position(|f| *f == "origin").unwrap();
        let mut local = doc(7, "River", "dataset", "2020", true);
        local.facets[origin] = vec!["local".into()];
        let mut remote = IndexDoc { key: DocKey::Remote(7), ..doc(8, "River too", "dataset", "2020", true) };
        remote.facets[origin] = vec!["partner".into()];
        index.replace(&[local, remote], &[]).unwrap();
        let all = index.search(&SearchRequest { query: "river".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(all.keys, [DocKey::Record(7), DocKey::Remote(7)]);
        assert_eq!(all.facets["origin"], [("local".to_string(), 1), ("partner".to_string(), 1)]);
        let filters = vec![("origin".to_string(), "partner".to_string())];
        let partner = index.search(&SearchRequest { filters, limit: 10, ..Default::default() }).unwrap();
        assert_eq!(partner.keys, [DocKey::Remote(7)]);
        index.replace(&[], &[DocKey::Remote(7)]).unwrap();
        assert_eq!(index.count(), 1);
        index.remove_where("origin", "local").unwrap();
        assert_eq!(index.count(), 0);
        assert_eq!(DocKey::decode(DocKey::Remote(i64::MAX as u64).encode()), DocKey::Remote(i64::MAX as u64));
    }

    #[test]
    fn reopening_keeps_documents_and_a_schema_change_recreates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let index = SearchIndex::open(&path).unwrap();
        assert!(index.is_fresh());
        index.replace(&[doc(1, "River", "dataset", "2020", true)], &[]).unwrap();
        drop(index);
        let index = SearchIndex::open(&path).unwrap();
        assert!(!index.is_fresh());
        assert_eq!(index.count(), 1);
        drop(index);
        std::fs::write(path.join("1").join("tessera-schema-version"), "0").unwrap();
        let index = SearchIndex::open(&path).unwrap();
        assert!(index.is_fresh());
        assert_eq!(index.count(), 0);
        drop(index);
        // An index in the layout before generations: one tantivy folder, no `current`.
        std::fs::remove_file(path.join("current")).unwrap();
        let index = SearchIndex::open(&path).unwrap();
        assert!(index.is_fresh());
        assert_eq!(index.status(), IndexStatus { generation: 1, documents: 0, rebuilding: None });
    }
}
