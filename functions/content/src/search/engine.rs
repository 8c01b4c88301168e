//! In-memory full-text search over the published catalogue: courses,
//! articles and career paths.
//!
//! The catalogue is small (thousands of entries, not millions) and changes
//! only when something is published, so the whole index is rebuilt from the
//! entries with [`Index::new`] and queried read-only afterwards. That keeps the
//! engine free of locking, persistence and incremental-update code, and lets
//! the inverted index use compact, sorted, immutable arrays.
//!
//! # How text becomes words
//!
//! Every field is split on anything that is not alphanumeric ("rest-api" →
//! `rest`, `api`; "node.js" → `node`, `js`), lowercased and folded (NFKD with
//! combining marks dropped, so "Café" = `cafe`). A fixed list of English stop
//! words is ignored, both in the index and in queries. The folded word is the
//! *dictionary word*; its English (Porter2) stem groups it with its variants
//! ("testing", "tests" → `test`).
//!
//! # How a query word matches
//!
//! A query word matches a dictionary word, from best to worst, when
//!
//! 1. **exact**: they share a stem (equal words always do);
//! 2. **prefix**: it is the last word of a query whose text does not end in
//!    whitespace (the learner is still typing it), is at least two chars long,
//!    and the dictionary word starts with it ("kube" → `kubernetes`);
//! 3. **fuzzy**: it is at least five chars long and is within one edit
//!    (insert, delete, substitute, or swap two neighbours) of the dictionary
//!    word, or its stem is within one edit of the word's stem.
//!
//! Every query word must match somewhere in an entry (AND).
//!
//! # Ranking
//!
//! Each query word contributes its best field weight (title 100, tags 60,
//! sections 30, summary 10) times its match quality (exact 3, prefix 2,
//! fuzzy 1). Entries are ordered first by how many query words hit the title,
//! then by that sum, then newest first, then by URL. Counting title hits first
//! is what guarantees that a title match always outranks body-only matches,
//! however many body words an entry has.
//!
//! # Data layout
//!
//! The dictionary is a sorted `Vec` of folded words (prefix lookups are a
//! range), postings are one flat `Vec<u32>` (entry index and field bitmask
//! packed together), stems map to their words through a second sorted table,
//! and fuzzy lookups only scan words whose length is within one char of the
//! query word. Nothing but the entries themselves keeps a copy of their text.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Longest accepted query, in chars.
pub const MAX_QUERY_CHARS: usize = 200;

/// Longest snippet, in chars, ellipses included.
const SNIPPET_MAX_CHARS: usize = 160;
/// How many chars of context to try to keep before the first highlight.
const SNIPPET_CONTEXT_CHARS: usize = 40;
/// Shortest last query word that also matches as a prefix.
const MIN_PREFIX_CHARS: usize = 2;
/// Shortest query word (or stem) that forgives one typo.
const MIN_FUZZY_CHARS: usize = 5;

const TITLE: u8 = 1;
const TAGS: u8 = 2;
const SECTIONS: u8 = 4;
const SUMMARY: u8 = 8;
/// A posting is `entry << FIELD_BITS | fields`.
const FIELD_BITS: u32 = 4;
const FIELD_MASK: u32 = (1 << FIELD_BITS) - 1;
/// Entries beyond this cannot be packed into a posting.
const MAX_ENTRIES: usize = (u32::MAX >> FIELD_BITS) as usize;

/// Each query word that hits the title adds this much, so title hits dominate
/// the weighted sum (at most 100 words × 300 = 30 000 < 2^20).
const TITLE_TIER: u32 = 1 << 20;

/// One published document as the index sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// `"course"`, `"article"` or `"path"`.
    pub kind: String,
    pub id: String,
    pub url: String,
    pub title: String,
    /// Course summary, article excerpt or path summary.
    pub summary: String,
    /// Lowercase slugs like `"rest-api"`, `"kubernetes"`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `"beginner"`, `"intermediate"` or `"advanced"`.
    #[serde(default)]
    pub level: Option<String>,
    /// Module and lesson titles, article headings or path step titles.
    #[serde(default)]
    pub sections: Vec<String>,
    /// Unix microseconds.
    pub published_at: i64,
}

/// Restricts a search; `None` accepts anything.
///
/// `kind` and `level` compare exactly; `tag` compares folded and lowercased
/// (`"Kubernetes"` accepts an entry tagged `"kubernetes"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kind: Option<String>,
    pub level: Option<String>,
    pub tag: Option<String>,
}

/// Why a query text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    /// The text is empty or only whitespace.
    Empty,
    /// The text has more than [`MAX_QUERY_CHARS`] chars.
    TooLong,
}

/// A parsed query: its words, folded and stemmed, stop words removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    words: Vec<QueryWord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct QueryWord {
    folded: String,
    stem: String,
    chars: usize,
    /// Also matches dictionary words it is a prefix of.
    prefix: bool,
}

impl Query {
    /// Parses what a learner typed.
    ///
    /// The last word also matches as a prefix unless the text ends in
    /// whitespace: "kube" finds "kubernetes", "kube " does not. Repeated
    /// words count once.
    ///
    /// # Errors
    ///
    /// [`QueryError::Empty`] for blank text, [`QueryError::TooLong`] for text
    /// over [`MAX_QUERY_CHARS`] chars. Text made only of stop words or
    /// punctuation parses fine into a query that [`is_empty`](Query::is_empty)
    /// and matches nothing.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        if text.trim().is_empty() {
            return Err(QueryError::Empty);
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let still_typing = !text.ends_with(char::is_whitespace);
        let mut raw = Vec::new();
        for_each_word(text, |_, _, word| raw.push(word.to_owned()));
        let last = raw.len().saturating_sub(1);
        let stemmer = Stemmer::create(Algorithm::English);
        let mut words: Vec<QueryWord> = Vec::new();
        for (i, folded) in raw.into_iter().enumerate() {
            // An earlier exact copy of a word already demands everything a
            // later copy (even a prefix one) would.
            if is_stop_word(&folded) || words.iter().any(|w| w.folded == folded) {
                continue;
            }
            let chars = folded.chars().count();
            words.push(QueryWord {
                stem: stemmer.stem(&folded).into_owned(),
                prefix: still_typing && i == last && chars >= MIN_PREFIX_CHARS,
                chars,
                folded,
            });
        }
        Ok(Query { words })
    }

    /// Whether no searchable word is left (blank or only stop words).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// How well a query word matched a dictionary word; the value is the score
/// multiplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Quality {
    Fuzzy = 1,
    Prefix = 2,
    Exact = 3,
}

/// One search result.
#[derive(Debug)]
pub struct Hit<'a> {
    pub entry: &'a Entry,
    /// Only meaningful for comparing hits of the same search.
    pub score: u32,
    pub snippet: Snippet,
}

/// A short excerpt of the entry with the matched words marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    pub text: String,
    /// `[start, end)` of each matched word in `text`, counted in Unicode
    /// scalar values (chars), ascending, non-overlapping.
    pub highlights: Vec<[usize; 2]>,
}

/// The catalogue, indexed for [`search`](Index::search).
#[derive(Debug)]
pub struct Index {
    entries: Vec<Entry>,
    /// Distinct folded words, sorted; a word's position is its id.
    words: Vec<Box<str>>,
    /// `postings[posting_starts[w]..posting_starts[w + 1]]` are word `w`'s
    /// postings, ascending by entry: `entry << FIELD_BITS | field bits`.
    posting_starts: Vec<usize>,
    postings: Vec<u32>,
    /// Distinct stems, sorted; a stem's position is its id.
    stems: Vec<Box<str>>,
    /// `stem_words[stem_word_starts[s]..stem_word_starts[s + 1]]` are the
    /// ids of the words with stem `s`.
    stem_word_starts: Vec<usize>,
    stem_words: Vec<u32>,
    /// `(char length, word id)`, sorted, to scan only near-length words.
    words_by_len: Vec<(u32, u32)>,
    /// `(char length, stem id)`, sorted.
    stems_by_len: Vec<(u32, u32)>,
}

impl Index {
    /// Indexes `entries`. Runs in roughly linear time in the catalogue's text.
    ///
    /// # Panics
    ///
    /// With more than 268 million entries (`u32::MAX >> 4`).
    #[must_use]
    pub fn new(entries: Vec<Entry>) -> Index {
        assert!(entries.len() <= MAX_ENTRIES, "too many entries to index");
        // Collect postings under provisional ids in first-seen order.
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut found: Vec<(String, Vec<u32>)> = Vec::new();
        for (e, entry) in (0u32..).zip(&entries) {
            let mut add = |field: u8, text: &str| {
                for_each_word(text, |_, _, word| {
                    if is_stop_word(word) {
                        return;
                    }
                    let id = if let Some(&id) = ids.get(word) {
                        id
                    } else {
                        ids.insert(word.to_owned(), found.len());
                        found.push((word.to_owned(), Vec::new()));
                        found.len() - 1
                    };
                    let postings = &mut found[id].1;
                    match postings.last_mut() {
                        Some(last) if *last >> FIELD_BITS == e => *last |= u32::from(field),
                        _ => postings.push(e << FIELD_BITS | u32::from(field)),
                    }
                });
            };
            add(TITLE, &entry.title);
            entry.tags.iter().for_each(|tag| add(TAGS, tag));
            entry.sections.iter().for_each(|s| add(SECTIONS, s));
            add(SUMMARY, &entry.summary);
        }
        drop(ids);
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0));

        let stemmer = Stemmer::create(Algorithm::English);
        let mut words = Vec::with_capacity(found.len());
        let mut posting_starts = Vec::with_capacity(found.len() + 1);
        let mut postings = Vec::with_capacity(found.iter().map(|f| f.1.len()).sum());
        let mut words_by_len = Vec::with_capacity(found.len());
        let mut stem_of_word: Vec<(Box<str>, u32)> = Vec::with_capacity(found.len());
        for ((word, list), id) in found.into_iter().zip(0u32..) {
            posting_starts.push(postings.len());
            postings.extend_from_slice(&list);
            words_by_len.push((char_len(&word), id));
            stem_of_word.push((stemmer.stem(&word).into(), id));
            words.push(word.into_boxed_str());
        }
        posting_starts.push(postings.len());
        words_by_len.sort_unstable();

        // Sorting (stem, word id) groups each stem's words, in id order.
        stem_of_word.sort_unstable();
        let mut stems: Vec<Box<str>> = Vec::new();
        let mut stem_word_starts = Vec::new();
        let mut stem_words = Vec::with_capacity(stem_of_word.len());
        for (stem, word) in stem_of_word {
            if stems.last() != Some(&stem) {
                stem_word_starts.push(stem_words.len());
                stems.push(stem);
            }
            stem_words.push(word);
        }
        stem_word_starts.push(stem_words.len());
        let mut stems_by_len: Vec<(u32, u32)> = (0u32..)
            .zip(&stems)
            .map(|(id, s)| (char_len(s), id))
            .collect();
        stems_by_len.sort_unstable();

        Index {
            entries,
            words,
            posting_starts,
            postings,
            stems,
            stem_word_starts,
            stem_words,
            words_by_len,
            stems_by_len,
        }
    }

    /// Number of indexed entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in the order given to [`Index::new`].
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Rough heap plus inline size of the index in bytes, entries included
    /// (string and vector capacities; allocator overhead not counted).
    #[must_use]
    pub fn approx_bytes(&self) -> usize {
        let strings = |v: &[String]| v.iter().map(String::capacity).sum::<usize>();
        let entry_heap: usize = self
            .entries
            .iter()
            .map(|e| {
                e.kind.capacity()
                    + e.id.capacity()
                    + e.url.capacity()
                    + e.title.capacity()
                    + e.summary.capacity()
                    + e.level.as_ref().map_or(0, String::capacity)
                    + e.tags.capacity() * size_of::<String>()
                    + strings(&e.tags)
                    + e.sections.capacity() * size_of::<String>()
                    + strings(&e.sections)
            })
            .sum();
        let boxed = |v: &[Box<str>]| size_of_val(v) + v.iter().map(|s| s.len()).sum::<usize>();
        size_of::<Index>()
            + self.entries.capacity() * size_of::<Entry>()
            + entry_heap
            + boxed(&self.words)
            + boxed(&self.stems)
            + (self.posting_starts.capacity() + self.stem_word_starts.capacity())
                * size_of::<usize>()
            + (self.postings.capacity() + self.stem_words.capacity()) * size_of::<u32>()
            + (self.words_by_len.capacity() + self.stems_by_len.capacity())
                * size_of::<(u32, u32)>()
    }

    /// Every entry that matches all query words and passes `filter`, best
    /// first (see the module docs for the order), each with its snippet.
    #[must_use]
    pub fn search(&self, query: &Query, filter: &Filter) -> Vec<Hit<'_>> {
        self.results(query, filter).page(0, usize::MAX)
    }

    /// What [`Index::search`] finds, ranked, without the snippets: a caller
    /// that shows a page of it makes only that page's ([`Results::page`]),
    /// which is most of a search's work.
    #[must_use]
    pub fn results(&self, query: &Query, filter: &Filter) -> Results<'_> {
        let nothing = || Results {
            index: self,
            ranked: Vec::new(),
            matched: MatchedWords::new(&self.words, Vec::new()),
        };
        let n = self.entries.len();
        if query.words.is_empty() || n == 0 {
            return nothing();
        }
        // Per entry: how many query words matched so far, score so far, and
        // the fields where they matched.
        let mut state = vec![Tally::default(); n];
        // Best (value, hit title) of the current query word, per entry.
        let mut best: Vec<(u32, bool)> = vec![(0, false); n];
        let mut touched: Vec<usize> = Vec::new();
        let mut word_matches: Vec<(u32, Quality)> = Vec::new();
        let mut all_matched: Vec<u32> = Vec::new();
        for (round, q) in query.words.iter().enumerate() {
            self.match_word(q, &mut word_matches);
            touched.clear();
            for &(word, quality) in &word_matches {
                all_matched.push(word);
                for &posting in self.postings_of(word) {
                    let e = (posting >> FIELD_BITS) as usize;
                    // Only entries that matched every earlier word can still win.
                    if state[e].words != round {
                        continue;
                    }
                    let fields = posting & FIELD_MASK;
                    let value = field_weight(fields) * quality as u32;
                    let slot = &mut best[e];
                    if slot.0 == 0 {
                        touched.push(e);
                    }
                    slot.0 = slot.0.max(value);
                    slot.1 |= fields & u32::from(TITLE) != 0;
                    state[e].fields |= fields;
                }
            }
            if touched.is_empty() {
                return nothing();
            }
            for &e in &touched {
                let (value, title) = std::mem::take(&mut best[e]);
                let tally = &mut state[e];
                tally.words += 1;
                tally.score = tally.score.saturating_add(value);
                if title {
                    tally.score = tally.score.saturating_add(TITLE_TIER);
                }
            }
        }
        let matched = MatchedWords::new(&self.words, all_matched);
        let tag = filter.tag.as_deref().map(fold_tag);
        let rounds = query.words.len();
        let mut ranked: Vec<(usize, Tally)> = state
            .into_iter()
            .enumerate()
            .filter(|(e, tally)| {
                tally.words == rounds && accepts(filter, tag.as_deref(), &self.entries[*e])
            })
            .collect();
        ranked.sort_unstable_by(|(a, ta), (b, tb)| {
            let (ea, eb) = (&self.entries[*a], &self.entries[*b]);
            tb.score
                .cmp(&ta.score)
                .then_with(|| eb.published_at.cmp(&ea.published_at))
                .then_with(|| ea.url.cmp(&eb.url))
                .then_with(|| a.cmp(b))
        });
        Results {
            index: self,
            ranked,
            matched,
        }
    }

    fn postings_of(&self, word: u32) -> &[u32] {
        let w = word as usize;
        &self.postings[self.posting_starts[w]..self.posting_starts[w + 1]]
    }

    fn words_of_stem(&self, stem: usize) -> &[u32] {
        &self.stem_words[self.stem_word_starts[stem]..self.stem_word_starts[stem + 1]]
    }

    /// Fills `out` with every dictionary word `q` matches, each once with its
    /// best quality.
    fn match_word(&self, q: &QueryWord, out: &mut Vec<(u32, Quality)>) {
        out.clear();
        if let Ok(s) = self.stems.binary_search_by(|s| (**s).cmp(q.stem.as_str())) {
            out.extend(self.words_of_stem(s).iter().map(|&w| (w, Quality::Exact)));
        }
        if q.prefix {
            let from = self.words.partition_point(|w| **w < *q.folded);
            out.extend(
                (from..self.words.len())
                    .take_while(|&w| self.words[w].starts_with(q.folded.as_str()))
                    .filter_map(|w| u32::try_from(w).ok())
                    .map(|w| (w, Quality::Prefix)),
            );
        }
        if q.chars >= MIN_FUZZY_CHARS {
            for (_, w) in near_length(&self.words_by_len, q.chars) {
                if within_one_edit(&q.folded, &self.words[*w as usize]) {
                    out.push((*w, Quality::Fuzzy));
                }
            }
            let stem_chars = char_len(&q.stem) as usize;
            if stem_chars >= MIN_FUZZY_CHARS {
                for (_, s) in near_length(&self.stems_by_len, stem_chars) {
                    let s = *s as usize;
                    if within_one_edit(&q.stem, &self.stems[s]) {
                        out.extend(self.words_of_stem(s).iter().map(|&w| (w, Quality::Fuzzy)));
                    }
                }
            }
        }
        // Keep each word once, with its best quality.
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        out.dedup_by_key(|m| m.0);
    }

    /// Picks the field to excerpt: the summary if a query word matched there,
    /// else the first matching section, else the title if it matched, else
    /// (tag-only matches) the summary, or the title when the summary is blank.
    fn snippet(entry: &Entry, fields: u32, matched: &MatchedWords<'_>) -> Snippet {
        let has = |bit: u8| fields & u32::from(bit) != 0;
        let section = || {
            let mut sections = entry.sections.iter();
            sections.find(|s| has(SECTIONS) && matched.any_in(s))
        };
        let text = if has(SUMMARY) {
            &entry.summary
        } else if let Some(section) = section() {
            section
        } else if has(TITLE) || entry.summary.trim().is_empty() {
            &entry.title
        } else {
            &entry.summary
        };
        make_snippet(text, matched)
    }
}

/// The entries a search found, ranked; snippets are made for the page shown.
#[derive(Debug)]
pub struct Results<'a> {
    index: &'a Index,
    ranked: Vec<(usize, Tally)>,
    matched: MatchedWords<'a>,
}

impl<'a> Results<'a> {
    /// How many entries were found.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ranked.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }

    /// The hits from `offset`, at most `limit` of them, with their snippets.
    #[must_use]
    pub fn page(&self, offset: usize, limit: usize) -> Vec<Hit<'a>> {
        self.ranked
            .iter()
            .skip(offset)
            .take(limit)
            .map(|&(e, tally)| {
                let entry = &self.index.entries[e];
                Hit {
                    entry,
                    score: tally.score,
                    snippet: Index::snippet(entry, tally.fields, &self.matched),
                }
            })
            .collect()
    }
}

/// The dictionary words a search matched, for marking them in snippets. Every
/// word of an entry is in the dictionary, so a word of a snippet matched a
/// query word exactly when it is in this set.
#[derive(Debug)]
struct MatchedWords<'a> {
    words: &'a [Box<str>],
    /// Sorted ids, hence sorted words.
    ids: Vec<u32>,
    /// Bit `n % 64` is set when some matched word is `n` bytes long: a cheap
    /// check that spares most binary searches.
    lengths: u64,
    /// Bit `b % 64` is set when some matched word starts with byte `b`.
    firsts: u64,
}

impl<'a> MatchedWords<'a> {
    fn new(words: &'a [Box<str>], mut ids: Vec<u32>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        let (mut lengths, mut firsts) = (0, 0);
        for &id in &ids {
            let word = words[id as usize].as_bytes();
            lengths |= bit(word.len());
            firsts |= word.first().map_or(0, |&b| bit(b.into()));
        }
        Self {
            words,
            ids,
            lengths,
            firsts,
        }
    }

    /// Whether `word` (folded) is one of the matched words.
    fn contains(&self, word: &str) -> bool {
        self.lengths & bit(word.len()) != 0
            && word
                .as_bytes()
                .first()
                .is_some_and(|&b| self.firsts & bit(b.into()) != 0)
            && self
                .ids
                .binary_search_by(|&w| (*self.words[w as usize]).cmp(word))
                .is_ok()
    }

    /// Whether any word of `text` is a matched word.
    fn any_in(&self, text: &str) -> bool {
        let mut found = false;
        for_each_word(text, |_, _, w| found = found || self.contains(w));
        found
    }
}

fn bit(n: usize) -> u64 {
    1 << (n % 64)
}

/// Per-entry progress of a search.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    /// Query words matched so far.
    words: usize,
    score: u32,
    /// Union of the field bits where any query word matched.
    fields: u32,
}

/// The best field weight present in a posting's field bits.
fn field_weight(fields: u32) -> u32 {
    if fields & u32::from(TITLE) != 0 {
        100
    } else if fields & u32::from(TAGS) != 0 {
        60
    } else if fields & u32::from(SECTIONS) != 0 {
        30
    } else {
        10
    }
}

fn accepts(filter: &Filter, folded_tag: Option<&str>, entry: &Entry) -> bool {
    filter.kind.as_ref().is_none_or(|k| *k == entry.kind)
        && filter
            .level
            .as_ref()
            .is_none_or(|l| entry.level.as_ref() == Some(l))
        && folded_tag.is_none_or(|t| entry.tags.iter().any(|tag| fold_tag(tag) == t))
}

/// Folds a whole tag for comparison: trimmed, NFKD without combining marks,
/// lowercase; punctuation such as `-` is kept.
fn fold_tag(tag: &str) -> String {
    tag.trim()
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words ignored in queries and in the index: a small fixed English list.
#[rustfmt::skip]
fn is_stop_word(word: &str) -> bool {
    // The length check settles most words with one compare.
    word.len() <= 5 && matches!(word,
        "a" | "about" | "an" | "and" | "are" | "as" | "at" | "be" | "by" | "do" | "for" | "from"
        | "how" | "i" | "if" | "in" | "into" | "is" | "it" | "its" | "me" | "my" | "of" | "on"
        | "or" | "so" | "than" | "that" | "the" | "their" | "then" | "this" | "to" | "was" | "we"
        | "what" | "when" | "where" | "which" | "who" | "why" | "with" | "you" | "your"
    )
}

/// Char length, saturating (no word is anywhere near 4 billion chars).
fn char_len(s: &str) -> u32 {
    u32::try_from(s.chars().count()).unwrap_or(u32::MAX)
}

/// The `(length, id)` pairs whose length is within one of `len`.
fn near_length(by_len: &[(u32, u32)], len: usize) -> &[(u32, u32)] {
    let lo = u32::try_from(len.saturating_sub(1)).unwrap_or(u32::MAX);
    let hi = u32::try_from(len + 1).unwrap_or(u32::MAX);
    let from = by_len.partition_point(|p| p.0 < lo);
    let to = by_len.partition_point(|p| p.0 <= hi);
    &by_len[from..to.max(from)]
}

/// Calls `f(start, end, folded)` for every word of `text`, where `start..end`
/// is the word's position in chars and `folded` its lowercased, diacritic-free
/// form. A word is a run of alphanumeric chars, with any combining marks that
/// follow them; words that fold to nothing are skipped.
fn for_each_word(text: &str, mut f: impl FnMut(usize, usize, &str)) {
    if text.is_ascii() {
        for_each_ascii_word(text, f);
        return;
    }
    let mut folded = String::new();
    let mut start = None;
    let mut len = 0;
    for (i, c) in text.chars().enumerate() {
        len = i + 1;
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
                folded.clear();
            }
            push_folded(c, &mut folded);
        } else if start.is_some() && !c.is_ascii() && is_combining_mark(c) {
            // An accent on the previous letter: part of the word, folds away.
        } else if let Some(s) = start.take()
            && !folded.is_empty()
        {
            f(s, i, &folded);
        }
    }
    if let Some(s) = start
        && !folded.is_empty()
    {
        f(s, len, &folded);
    }
}

/// [`for_each_word`] for ASCII text (the common case), where chars are bytes
/// and already-lowercase words need no copy.
fn for_each_ascii_word(text: &str, mut f: impl FnMut(usize, usize, &str)) {
    let bytes = text.as_bytes();
    let mut lower = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &text[start..i];
        if word.bytes().any(|b| b.is_ascii_uppercase()) {
            lower.clear();
            lower.push_str(word);
            lower.make_ascii_lowercase();
            f(start, i, &lower);
        } else {
            f(start, i, word);
        }
    }
}

/// Appends the folded form of one alphanumeric char.
fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) {
            out.extend(
                d.to_lowercase()
                    .filter(|l| l.is_alphanumeric() && !is_combining_mark(*l)),
            );
        }
    });
}

/// Whether `a` and `b` are at most one edit apart (Damerau: insertion,
/// deletion, substitution or transposition of two adjacent chars).
fn within_one_edit(a: &str, b: &str) -> bool {
    // Identical chars have identical encodings, so `common` is a char
    // boundary in both strings.
    let common: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (a, b) = (&a[common..], &b[common..]);
    let (mut ac, mut bc) = (a.chars(), b.chars());
    let (a0, b0) = (ac.next(), bc.next());
    let (a_rest, b_rest) = (ac.as_str(), bc.as_str());
    if a_rest == b_rest || a_rest == b || a == b_rest {
        return true;
    }
    let (mut ac, mut bc) = (a_rest.chars(), b_rest.chars());
    a0.is_some() && ac.next() == b0 && bc.next() == a0 && ac.as_str() == bc.as_str()
}

const SPACE: u8 = 0;
const WORD: u8 = 1;
const PUNCT: u8 = 2;

/// Classifies an ASCII byte. Whitespace is as `char::is_whitespace` has it,
/// which unlike `u8::is_ascii_whitespace` includes `\x0B`.
fn ascii_class(b: u8) -> u8 {
    if b.is_ascii_alphanumeric() {
        WORD
    } else if b.is_ascii_whitespace() || b == 0x0B {
        SPACE
    } else {
        PUNCT
    }
}

/// `text` trimmed with every run of whitespace turned into one space, and
/// the char spans of its matching words.
fn collapse_and_mark(text: &str, matched: &MatchedWords<'_>) -> (String, Vec<[usize; 2]>) {
    let mut out = String::with_capacity(text.len());
    let mut spans = Vec::new();
    if !text.is_ascii() {
        for part in text.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(part);
        }
        for_each_word(&out, |s, e, w| {
            if matched.contains(w) {
                spans.push([s, e]);
            }
        });
        return (out, spans);
    }
    // ASCII, the common case: one pass over bytes, which are chars here.
    let bytes = text.as_bytes();
    let class = |i: usize| ascii_class(bytes[i]);
    let mut buf = [0u8; 64];
    let mut i = 0;
    while i < bytes.len() {
        let kind = class(i);
        if kind == SPACE {
            i += 1;
            continue;
        }
        if i > 0 && class(i - 1) == SPACE && !out.is_empty() {
            out.push(' ');
        }
        let start = i;
        while i < bytes.len() && class(i) == kind {
            i += 1;
        }
        let alphanumeric = kind == WORD;
        let piece = &text[start..i];
        let at = out.len();
        out.push_str(piece);
        if alphanumeric {
            let matched = if !piece.bytes().any(|b| b.is_ascii_uppercase()) {
                matched.contains(piece)
            } else if let Some(lower) = buf.get_mut(..piece.len()) {
                // Lowercase on the stack: no allocation per capitalised word.
                lower.copy_from_slice(piece.as_bytes());
                lower.make_ascii_lowercase();
                std::str::from_utf8(lower).is_ok_and(|w| matched.contains(w))
            } else {
                matched.contains(&piece.to_ascii_lowercase())
            };
            if matched {
                spans.push([at, out.len()]);
            }
        }
    }
    (out, spans)
}

/// Excerpts `text` (whitespace collapsed) to at most [`SNIPPET_MAX_CHARS`]
/// chars around its first matching word, cutting at word boundaries and
/// marking each cut with "…".
fn make_snippet(text: &str, matched: &MatchedWords<'_>) -> Snippet {
    let (display, spans) = collapse_and_mark(text, matched);
    // Byte length bounds char length: skip counting short texts.
    let len = if display.len() <= SNIPPET_MAX_CHARS {
        0
    } else {
        display.chars().count()
    };
    if len <= SNIPPET_MAX_CHARS {
        return Snippet {
            text: display,
            highlights: spans,
        };
    }

    // ASCII text is cut by bytes; anything else through a char buffer.
    let chars: Vec<char> = if display.is_ascii() {
        Vec::new()
    } else {
        display.chars().collect()
    };
    let is_space = |i: usize| {
        if chars.is_empty() {
            display.as_bytes()[i] == b' '
        } else {
            chars[i] == ' '
        }
    };
    let budget = SNIPPET_MAX_CHARS - 2; // room for an ellipsis at each end
    let [anchor, anchor_end] = spans.first().copied().unwrap_or([0, 0]);
    let mut start = anchor.saturating_sub(SNIPPET_CONTEXT_CHARS);
    if len - start < budget {
        start = len - budget;
    }
    // Move forward to the start of a word, unless that skips the anchor.
    if let Some(s) = (start..=anchor).find(|&s| s == 0 || is_space(s - 1)) {
        start = s;
    }
    let mut end = (start + budget).min(len);
    if end < len {
        // Move back to just before a space, unless that cuts the anchor.
        let floor = anchor_end.max(start + 1).min(end);
        if let Some(e) = (floor..=end).rev().find(|&e| is_space(e)) {
            end = e;
        }
    }
    while start < end && is_space(start) {
        start += 1;
    }
    while end > start && is_space(end - 1) {
        end -= 1;
    }

    let lead = usize::from(start > 0);
    let ellipsis = if start > 0 { "…" } else { "" };
    let mut out = if chars.is_empty() {
        // ASCII: cut in place, char offsets are byte offsets.
        let mut out = display;
        out.truncate(end);
        out.replace_range(..start, ellipsis);
        out
    } else {
        let mut out = String::with_capacity(4 * (end - start) + 6);
        out.push_str(ellipsis);
        out.extend(&chars[start..end]);
        out
    };
    if end < len {
        out.push('…');
    }
    let highlights = spans
        .into_iter()
        .filter_map(|[s, e]| {
            let (s, e) = (s.max(start), e.min(end));
            (s < e).then(|| [s - start + lead, e - start + lead])
        })
        .collect();
    Snippet {
        text: out,
        highlights,
    }
}

/// Vocabulary of [`generated_corpus`].
#[rustfmt::skip]
mod vocabulary {
    pub const TOPICS: &[&str] = &[
        "http", "rest", "api", "postgresql", "postgres", "kubernetes", "docker", "jwt",
        "authentication", "authorization", "caching", "redis", "microservices", "testing", "deployment",
        "observability", "graphql", "grpc", "terraform", "kafka", "queues", "sql", "indexes",
        "transactions", "migrations", "logging", "metrics", "tracing", "security", "oauth",
        "containers", "helm", "nginx", "websockets", "serverless", "python", "golang", "rust", "java",
        "node", "typescript", "schemas", "pagination", "concurrency", "async", "performance",
        "profiling", "pipelines", "git", "linux", "networking", "dns", "tls", "sessions", "cookies",
        "cors", "validation", "retries", "timeouts", "monitoring", "backups", "replication", "sharding",
        "scaling", "events", "streaming", "storage", "serialization", "json", "protobuf",
    ];
    pub const FILLER: &[&str] = &[
        "learn", "build", "guide", "introduction", "practical", "modern", "production", "hands",
        "complete", "fundamentals", "patterns", "real", "world", "systems", "services", "data",
        "applications", "teams", "best", "practices", "beginners", "understanding", "working", "using",
        "building", "designing", "scalable", "reliable", "secure", "fast", "simple", "effective",
        "essential", "mastering", "clean", "robust", "cloud", "backend", "server", "client",
        "developers", "engineers", "step", "project", "lab", "overview",
    ];
    pub const TAGS: &[&str] = &[
        "rest-api", "kubernetes", "docker", "postgresql", "redis", "security", "testing", "ci-cd",
        "cloud-native", "graphql", "grpc", "kafka", "observability", "python", "golang", "rust",
        "node-js", "terraform", "databases", "performance",
    ];
    pub const KINDS: &[&str] = &[
        "course", "article", "path",
    ];
    pub const LEVELS: &[&str] = &[
        "beginner", "intermediate", "advanced",
    ];
}

/// A deterministic catalogue of `n` plausible entries for tests and
/// benchmarks, built only from a fixed vocabulary, so that tests can
/// plant entries with words that appear nowhere else.
#[doc(hidden)]
#[must_use]
pub fn generated_corpus(n: usize, seed: u64) -> Vec<Entry> {
    use vocabulary::{FILLER, KINDS, LEVELS, TAGS, TOPICS};
    const START: i64 = 1_640_995_200_000_000; // 2022-01-01T00:00:00Z
    const SPAN: u64 = 3 * 365 * 86_400 * 1_000_000;

    let mut rng = XorShift::new(seed);
    // Alternates topic and filler words: "docker practical redis teams".
    let phrase = |rng: &mut XorShift, min: usize, extra: usize| -> String {
        let count = min + rng.below(extra);
        let picked: Vec<&str> = (0..count)
            .map(|i| {
                if i % 2 == 0 {
                    rng.pick(TOPICS)
                } else {
                    rng.pick(FILLER)
                }
            })
            .collect();
        picked.join(" ")
    };
    (0..n)
        .map(|i| {
            let kind = rng.pick(KINDS);
            let title = capitalise(&phrase(&mut rng, 2, 4));
            let mut summary = phrase(&mut rng, 8, 30);
            summary.push('.');
            let sections = (0..rng.below(8))
                .map(|m| format!("Module {}: {}", m + 1, capitalise(&phrase(&mut rng, 2, 4))))
                .collect();
            let tags = (0..=rng.below(3))
                .map(|_| rng.pick(TAGS).to_owned())
                .collect();
            let level =
                (kind != "article" || rng.below(2) == 0).then(|| rng.pick(LEVELS).to_owned());
            let offset = i64::try_from(rng.next() % SPAN).unwrap_or(0);
            Entry {
                kind: kind.to_owned(),
                id: format!("{kind}-{i:05}"),
                url: format!("/{kind}s/{kind}-{i:05}"),
                title,
                summary: capitalise(&summary),
                tags,
                level,
                sections,
                published_at: START + offset,
            }
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Marsaglia's xorshift64: tiny, deterministic, good enough for test data.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        Self((seed ^ 0x9E37_79B9_7F4A_7C15).max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, title: &str, summary: &str) -> Entry {
        Entry {
            kind: "course".into(),
            id: id.into(),
            url: format!("/courses/{id}"),
            title: title.into(),
            summary: summary.into(),
            tags: Vec::new(),
            level: None,
            sections: Vec::new(),
            published_at: 0,
        }
    }

    fn search_ids<'a>(index: &'a Index, text: &str) -> Vec<&'a str> {
        filtered_ids(index, text, &Filter::default())
    }

    fn filtered_ids<'a>(index: &'a Index, text: &str, filter: &Filter) -> Vec<&'a str> {
        let query = Query::parse(text).expect("valid query");
        index
            .search(&query, filter)
            .into_iter()
            .map(|h| h.entry.id.as_str())
            .collect()
    }

    fn words(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_word(text, |_, _, w| out.push(w.to_owned()));
        out
    }

    /// The highlighted substrings of a snippet.
    fn marked(snippet: &Snippet) -> Vec<String> {
        let chars: Vec<char> = snippet.text.chars().collect();
        snippet
            .highlights
            .iter()
            .map(|[s, e]| chars[*s..*e].iter().collect())
            .collect()
    }

    #[test]
    fn splits_on_non_alphanumerics_and_lowercases() {
        assert_eq!(
            words("REST-API with Node.js, v2!"),
            ["rest", "api", "with", "node", "js", "v2"]
        );
        assert!(words(" -- ... ").is_empty());
    }

    #[test]
    fn folds_diacritics_composed_and_decomposed() {
        assert_eq!(words("Café Müller ﬁle"), ["cafe", "muller", "file"]);
        assert_eq!(words("Cafe\u{301} naïve"), ["cafe", "naive"]);
        let index = Index::new(vec![entry("c", "Café Müller", "")]);
        assert_eq!(search_ids(&index, "cafe muller "), ["c"]);
        assert_eq!(search_ids(&index, "CAFÉ MÜLLER "), ["c"]);
    }

    #[test]
    fn word_positions_are_in_chars() {
        let mut spans = Vec::new();
        for_each_word("🦀 é-x", |s, e, _| spans.push([s, e]));
        assert_eq!(spans, [[2, 3], [4, 5]]);
    }

    #[test]
    fn stems_query_and_index_words() {
        let index = Index::new(vec![
            entry("t", "Writing unit tests", ""),
            entry("d", "Choosing a database", ""),
            entry("p", "Zero-downtime deployment", ""),
        ]);
        assert_eq!(search_ids(&index, "testing "), ["t"]);
        assert_eq!(search_ids(&index, "databases "), ["d"]);
        assert_eq!(search_ids(&index, "deploying "), ["p"]);
    }

    #[test]
    fn drops_stop_words_from_queries() {
        assert!(is_stop_word("the") && is_stop_word("your") && !is_stop_word("theme"));
        let query = Query::parse("How to the").expect("parses");
        assert!(query.is_empty());
        let index = Index::new(vec![entry("p", "How to ship a deployment", "")]);
        assert!(index.search(&query, &Filter::default()).is_empty());
        assert_eq!(search_ids(&index, "how to deploy"), ["p"]);
    }

    #[test]
    fn rejects_blank_and_overlong_queries() {
        assert_eq!(Query::parse("").unwrap_err(), QueryError::Empty);
        assert_eq!(Query::parse(" \t\n").unwrap_err(), QueryError::Empty);
        assert_eq!(
            Query::parse(&"a".repeat(201)).unwrap_err(),
            QueryError::TooLong
        );
        // Counted in chars: 200 two-byte chars are fine.
        assert!(Query::parse(&"é".repeat(200)).is_ok());
        assert!(Query::parse("?!").expect("parses").is_empty());
    }

    #[test]
    fn requires_every_query_word() {
        let index = Index::new(vec![
            entry("both", "Docker and Redis", ""),
            entry("docker", "Docker basics", ""),
            entry("redis", "Redis basics", ""),
        ]);
        assert_eq!(search_ids(&index, "docker redis "), ["both"]);
        assert_eq!(
            search_ids(&index, "redis docker graphql"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn last_word_matches_as_prefix_while_typing() {
        let index = Index::new(vec![entry("k", "Kubernetes for PostgreSQL", "")]);
        assert_eq!(search_ids(&index, "kube"), ["k"]);
        assert_eq!(search_ids(&index, "kubernetes postg"), ["k"]);
        assert!(
            search_ids(&index, "kube ").is_empty(),
            "trailing space ends the word"
        );
        assert!(
            search_ids(&index, "kube postgresql").is_empty(),
            "only the last word"
        );
        assert!(search_ids(&index, "k").is_empty(), "one char is too short");
    }

    #[test]
    fn forgives_one_typo_in_long_words() {
        assert!(within_one_edit("kubernetse", "kubernetes"));
        assert!(within_one_edit("postgress", "postgres"));
        assert!(within_one_edit("dockr", "docker"));
        assert!(within_one_edit("kafka", "kafka"));
        assert!(within_one_edit("é", ""));
        assert!(!within_one_edit("authentification", "authentication"));
        assert!(!within_one_edit("ab", "ba c"));
        let index = Index::new(vec![
            entry("k", "Kubernetes", ""),
            entry("p", "Postgres", ""),
            entry("a", "Authentication", ""),
            entry("r", "Kafka", ""),
        ]);
        assert_eq!(search_ids(&index, "kubernetse "), ["k"]);
        assert_eq!(search_ids(&index, "postgress "), ["p"]);
        // Two edits from "deployment", but its stem is one edit from "deploy".
        let deploy = Index::new(vec![entry("d", "Deployment", "")]);
        assert_eq!(search_ids(&deploy, "depolyments "), ["d"]);
        assert!(search_ids(&index, "authentification ").is_empty());
        assert!(
            search_ids(&index, "kafk ").is_empty(),
            "short words must match exactly"
        );
    }

    #[test]
    fn title_hits_outrank_body_only_hits() {
        let mut body = entry("body", "Other things", "Redis caching, redis caching.");
        body.tags = vec!["redis".into(), "caching".into()];
        body.sections = vec!["Redis caching".into()];
        body.published_at = 10;
        let title = entry("title", "Redis notes", "Some words about caching.");
        let index = Index::new(vec![body, title]);
        assert_eq!(search_ids(&index, "redis caching "), ["title", "body"]);
    }

    #[test]
    fn exact_beats_prefix_beats_fuzzy() {
        let mut fuzzy = entry("fuzzy", "Redix mistakes", "");
        fuzzy.published_at = 3;
        let mut prefix = entry("prefix", "Redisson clients", "");
        prefix.published_at = 2;
        let exact = entry("exact", "Redis basics", "");
        let index = Index::new(vec![fuzzy, prefix, exact]);
        assert_eq!(search_ids(&index, "redis"), ["exact", "prefix", "fuzzy"]);
    }

    #[test]
    fn ties_go_to_newer_then_url() {
        let mut a = entry("a", "Kafka", "");
        let mut b = entry("b", "Kafka", "");
        let mut c = entry("c", "Kafka", "");
        a.published_at = 1;
        b.published_at = 2;
        c.published_at = 1;
        c.url = "/0".into();
        let index = Index::new(vec![a, b, c]);
        assert_eq!(search_ids(&index, "kafka "), ["b", "c", "a"]);
    }

    #[test]
    fn filters_by_kind_level_and_folded_tag() {
        let mut a = entry("a", "Kubernetes", "");
        a.tags = vec!["kubernetes".into(), "rest-api".into()];
        a.level = Some("beginner".into());
        let mut b = entry("b", "Kubernetes", "");
        b.kind = "article".into();
        let index = Index::new(vec![a, b]);
        let only = |kind: Option<&str>, level: Option<&str>, tag: Option<&str>| Filter {
            kind: kind.map(Into::into),
            level: level.map(Into::into),
            tag: tag.map(Into::into),
        };
        assert_eq!(
            filtered_ids(&index, "kubernetes", &only(Some("article"), None, None)),
            ["b"]
        );
        assert_eq!(
            filtered_ids(&index, "kubernetes", &only(None, Some("beginner"), None)),
            ["a"]
        );
        assert_eq!(
            filtered_ids(&index, "kubernetes", &only(None, None, Some("Kubernetes"))),
            ["a"]
        );
        assert_eq!(
            filtered_ids(&index, "kubernetes", &only(None, None, Some(" REST-Ápi "))),
            ["a"]
        );
        assert!(filtered_ids(&index, "kubernetes", &only(None, Some("advanced"), None)).is_empty());
    }

    #[test]
    fn snippet_prefers_summary_then_section_then_title() {
        let mut e = entry(
            "e",
            "Docker volumes in depth",
            "Persist state with named volumes.",
        );
        e.sections = vec![
            "Bind mounts".into(),
            "Docker networks".into(),
            "Networks again".into(),
        ];
        e.tags = vec!["containers".into()];
        let index = Index::new(vec![e]);
        let snippet = |q: &str| {
            let hits = index.search(&Query::parse(q).expect("parses"), &Filter::default());
            hits.into_iter().next().expect("one hit").snippet
        };
        let s = snippet("volumes ");
        assert_eq!(s.text, "Persist state with named volumes.");
        assert_eq!(marked(&s), ["volumes"]);
        let s = snippet("network ");
        assert_eq!(s.text, "Docker networks");
        assert_eq!(s.highlights, [[7, 15]]);
        let s = snippet("docker ");
        assert_eq!(
            (s.text.as_str(), marked(&s)),
            ("Docker networks", vec!["Docker".to_owned()])
        );
        let s = snippet("depth ");
        assert_eq!(
            (s.text.as_str(), marked(&s)),
            ("Docker volumes in depth", vec!["depth".to_owned()])
        );
        // A tag-only match shows the summary, unmarked.
        let s = snippet("containers ");
        assert_eq!(
            (s.text.as_str(), s.highlights.len()),
            ("Persist state with named volumes.", 0)
        );
    }

    #[test]
    fn snippet_marks_every_matching_form_in_chars() {
        let summary = "Ça marche: tests, testing and a Kubernetes-testé kube\ncluster.";
        let index = Index::new(vec![entry("e", "x", summary)]);
        let hits = index.search(
            &Query::parse("test kube").expect("parses"),
            &Filter::default(),
        );
        let s = &hits[0].snippet;
        assert_eq!(
            s.text,
            "Ça marche: tests, testing and a Kubernetes-testé kube cluster."
        );
        assert_eq!(
            marked(s),
            ["tests", "testing", "Kubernetes", "testé", "kube"]
        );
        assert_eq!(s.highlights[0], [11, 16]);
    }

    #[test]
    fn long_snippets_are_cut_at_words_around_the_first_match() {
        let before = "alpha beta gamma delta ".repeat(10);
        let after = " epsilon zeta eta theta".repeat(10);
        let summary = format!("{before}Terraform{after}");
        let index = Index::new(vec![entry("e", "x", &summary)]);
        let hits = index.search(
            &Query::parse("terraform").expect("parses"),
            &Filter::default(),
        );
        let s = &hits[0].snippet;
        assert!(
            s.text.starts_with('…') && s.text.ends_with('…'),
            "{}",
            s.text
        );
        assert!(s.text.chars().count() <= SNIPPET_MAX_CHARS);
        assert_eq!(marked(s), ["Terraform"]);
        // Both cuts fall on word boundaries.
        let inner = s.text.trim_matches('…');
        for word in inner.split(' ') {
            assert!(summary.split(' ').any(|w| w == word), "cut inside {word:?}");
        }
    }

    #[test]
    fn cuts_non_ascii_snippets_by_chars() {
        let summary = format!(
            "{}Zürich{}",
            "Ünïcödé wörds ".repeat(12),
            " ñ café".repeat(30)
        );
        let index = Index::new(vec![entry("e", "x", &summary)]);
        let hits = index.search(&Query::parse("zurich").expect("parses"), &Filter::default());
        let s = &hits[0].snippet;
        assert!(
            s.text.starts_with("…wörds Ünïcödé") && s.text.ends_with("café ñ…"),
            "{}",
            s.text
        );
        assert!(s.text.chars().count() <= SNIPPET_MAX_CHARS);
        assert_eq!(marked(s), ["Zürich"]);
    }

    #[test]
    fn never_panics_on_odd_unicode() {
        // Emoji and ZWJ sequences, lone and stacked combining marks, RTL and
        // bidi controls, case mappings that change length, compatibility
        // forms, conjoining jamo, NUL, BOM.
        #[rustfmt::skip]
        const ODD: &[&str] = &[
            "", " ", "🦀", "👩\u{200d}💻", "🏳\u{fe0f}\u{200d}🌈", "e\u{301}", "\u{301}",
            "\u{301}\u{302}x", "שלום", "مرحبا", "\u{202e}abc", "İstanbul", "straße", "ﬁ", "½",
            "\u{0}", "\t\n", "Ǆ", "ǰ", "Ⅻ", "𝔘𝔫𝔦", "\u{feff}", "\u{1100}\u{1161}", "日本語",
            "a\u{200d}b", "ΣΊΣΥΦΟΣ", "kubernetes", "test", "-", "…", "\u{b}",
        ];
        let long_word = "x".repeat(300);
        let mut rng = XorShift::new(7);
        let text = |rng: &mut XorShift, max: usize| {
            let n = rng.below(max);
            let sep = if rng.below(2) == 0 { " " } else { "" };
            let parts: Vec<&str> = (0..n)
                .map(|_| {
                    if rng.below(40) == 0 {
                        &long_word
                    } else {
                        rng.pick(ODD)
                    }
                })
                .collect();
            parts.join(sep)
        };
        let entries: Vec<Entry> = (0..200)
            .map(|i| {
                let mut e = entry(&i.to_string(), &text(&mut rng, 6), &text(&mut rng, 60));
                e.sections = (0..rng.below(3)).map(|_| text(&mut rng, 8)).collect();
                e.tags = (0..rng.below(3)).map(|_| text(&mut rng, 2)).collect();
                e
            })
            .collect();
        let index = Index::new(entries);
        for _ in 0..300 {
            let raw = text(&mut rng, 4);
            let Ok(query) = Query::parse(&raw) else {
                continue;
            };
            let filter = Filter {
                tag: Some(text(&mut rng, 2)),
                ..Filter::default()
            };
            let _ = index.search(&query, &filter);
            for hit in index.search(&query, &Filter::default()) {
                let s = &hit.snippet;
                let len = s.text.chars().count();
                assert!(len <= SNIPPET_MAX_CHARS, "{raw:?} {s:?}");
                let mut last_end = 0;
                for [start, end] in &s.highlights {
                    assert!(
                        last_end <= *start && start < end && *end <= len,
                        "{raw:?} {s:?}"
                    );
                    last_end = *end;
                }
            }
        }
    }

    #[test]
    fn reports_size_and_length() {
        let small = Index::new(generated_corpus(10, 1));
        let big = Index::new(generated_corpus(100, 1));
        assert_eq!((small.len(), big.len()), (10, 100));
        assert!(!small.is_empty() && Index::new(Vec::new()).is_empty());
        assert!(big.approx_bytes() > small.approx_bytes());
        assert_eq!(generated_corpus(50, 9), generated_corpus(50, 9));
    }
}
