//! Search index: built here at build time, read in the browser by `static/search.js`.
//!
//! The site must be searchable from `file://`, where `fetch` is not allowed, so every index file is
//! a script that registers its data with `PolicybookSearch` and is loaded on demand with a `<script>`
//! element. Three kinds of file go into `search/`:
//!
//! - `manifest.js`: the number of documents, the first term of every term shard, and the alphabet
//!   of the postings encoding. Small: a few kilobytes at 10,000 documents.
//! - `t<N>.js`, the term shards: every term of the handbook in sorted order, cut into consecutive
//!   runs of about [`SHARD_BYTES`]. A term, and all terms it is a prefix of, live in one shard or a
//!   few neighbours, so a query loads only those. A shard is one string of space-separated pairs:
//!   the term, front-coded (one character for the length shared with the previous term, then the
//!   rest), and its postings: the documents it occurs in (delta-coded) and where (title, id,
//!   headings, owner/controls, body count) as six flag bits, packed into one variable-length number
//!   per posting (see [`encode_postings`]).
//! - `d<N>.js`, the document shards: [`DOCS_PER_SHARD`] documents each, with what a result shows:
//!   id, title, type, owner and a few sentences for the snippet. The sentences are chosen greedily
//!   to cover as many of the document's distinctive words as fit in [`EXCERPT_PERCENT`] of its text,
//!   so a body match usually has a sentence to show it in context.
//!
//! Everything is sorted and contains no timestamps: the same input gives byte-identical files.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::{Model, Sink};
use crate::diagnostics::Fatal;
use crate::load::Document;

/// Folder of the index, relative to the site root.
pub const DIR: &str = "search";
/// Target size of one term shard, in bytes.
const SHARD_BYTES: usize = 48 * 1024;
/// Documents per document shard.
const DOCS_PER_SHARD: usize = 8;
/// Share of a document's text kept for snippets, in percent, and its bounds in characters.
const EXCERPT_PERCENT: usize = 10;
const EXCERPT_MIN: usize = 300;
const EXCERPT_MAX: usize = 2000;
/// A stored sentence is cut to this many characters.
const SENTENCE_CHARS: usize = 180;
/// Longer tokens (hashes, URLs run together) are not indexed.
const MAX_TERM_CHARS: usize = 40;

/// Posting flags, one bit per field; the two low bits (below `HEADING`) are the body count: 0, 1, 2–3, 4+.
const HEADING: u8 = 1 << 2;
const META: u8 = 1 << 3;
const ID: u8 = 1 << 4;
const TITLE: u8 = 1 << 5;
const FLAG_BITS: u32 = 6;

/// The postings alphabet: printable ASCII without `"` and `\`, so encoded postings sit in a JSON
/// string unescaped. The first [`BASE`] characters end a number, the next [`BASE`] continue it.
const ALPHABET: &[u8; 91] =
    b"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
const BASE: u32 = 45;

/// Write the index files of `model` into `sink`.
pub fn write_index(model: &Model, sink: &dyn Sink) -> Result<(), Fatal> {
    for (path, content) in build(model) {
        sink.write(&path, content.as_bytes())?;
    }
    Ok(())
}

/// Documents read by one task of the first pass; their terms are numbered per chunk, then merged.
const CHUNK_DOCS: usize = 64;

/// The index files: (site-relative path, contents), in path order.
///
/// Two passes: the first reads every document (in parallel chunks, each numbering its own terms)
/// into compact form; the chunks' terms are then merged into one table, which gives the postings
/// and document frequencies; the second pass picks each document's sentences and writes the
/// document shards, dropping each document's data as soon as its shard is written.
pub fn build(model: &Model) -> Vec<(String, String)> {
    let docs = &model.handbook.documents;
    let bodies = &model.bodies[..docs.len().min(model.bodies.len())];
    let docs_read = &docs[..bodies.len()];
    let mut chunks: Vec<Chunk> = docs_read
        .par_chunks(CHUNK_DOCS)
        .zip(bodies.par_chunks(CHUNK_DOCS))
        .map(|(docs, bodies)| parse_chunk(docs, bodies))
        .collect();

    // One table of terms: the chunks' own numbers, mapped to global ones.
    let mut number: HashMap<Box<str>, u32, Fnv> = HashMap::default();
    let maps: Vec<Vec<u32>> = chunks
        .iter_mut()
        .map(|chunk| {
            std::mem::take(&mut chunk.names)
                .into_iter()
                .map(|name| {
                    if let Some(&n) = number.get(&*name) {
                        n
                    } else {
                        let n = number.len() as u32;
                        number.insert(name, n);
                        n
                    }
                })
                .collect()
        })
        .collect();
    chunks.par_iter_mut().zip(maps).for_each(|(chunk, map)| {
        for doc in &mut chunk.docs {
            for term in &mut doc.terms {
                term.0 = map[term.0 as usize];
            }
        }
    });
    let mut names: Vec<&str> = vec![""; number.len()];
    for (name, &n) in &number {
        names[n as usize] = name;
    }
    let parsed: Vec<ParsedDoc> = chunks.into_iter().flat_map(|c| c.docs).collect();

    // Postings, in document order because documents are visited in order, stored as one array.
    let mut start = vec![0u32; names.len() + 1];
    for doc in &parsed {
        for &(t, _) in &doc.terms {
            start[t as usize + 1] += 1;
        }
    }
    let total = docs.len().max(1) as f64;
    let idf: Vec<f64> = start[1..]
        .iter()
        .map(|&count| (total / count as f64).ln())
        .collect();
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let size = start[names.len()] as usize;
    let mut posting_doc = vec![0u32; size];
    let mut posting_flags = vec![0u8; size];
    for (n, doc) in parsed.iter().enumerate() {
        for &(t, flags) in &doc.terms {
            let at = &mut fill[t as usize];
            posting_doc[*at as usize] = n as u32;
            posting_flags[*at as usize] = flags;
            *at += 1;
        }
    }
    drop(fill);

    let mut files = Vec::new();
    // Term shards.
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| js_order(names[a as usize], names[b as usize]));
    let mut shard_first: Vec<&str> = Vec::new();
    let mut shard: Vec<u8> = Vec::new();
    let mut previous = "";
    let flush = |shard: &mut Vec<u8>, files: &mut Vec<(String, String)>| {
        if !shard.is_empty() {
            let n = files.len();
            let text = std::str::from_utf8(shard).expect("terms are UTF-8");
            let json = serde_json::to_string(text).expect("strings serialise");
            files.push((
                format!("{DIR}/t{n}.js"),
                format!("PolicybookSearch.terms({n},{});\n", script_safe(&json)),
            ));
            shard.clear();
        }
    };
    for &t in &order {
        let term = names[t as usize];
        if shard.is_empty() {
            shard_first.push(term);
            previous = "";
        } else {
            shard.push(b' ');
        }
        // Front coding: how many UTF-16 units the term shares with the previous one, then the rest.
        let (units, bytes) = shared_prefix(previous, term);
        shard.push(ALPHABET[units]);
        shard.extend_from_slice(&term.as_bytes()[bytes..]);
        shard.push(b' ');
        let range = start[t as usize] as usize..start[t as usize + 1] as usize;
        encode_postings_into(
            &posting_doc[range.clone()],
            &posting_flags[range],
            &mut shard,
        );
        previous = term;
        if shard.len() >= SHARD_BYTES {
            flush(&mut shard, &mut files);
        }
    }
    flush(&mut shard, &mut files);
    drop((posting_doc, posting_flags, start, order));

    // Document shards.
    let first_doc_shard = files.len();
    let shards: Vec<(String, String)> = parsed
        .into_par_iter()
        .zip(docs_read.par_iter().zip(bodies))
        .chunks(DOCS_PER_SHARD)
        .enumerate()
        .map(|(n, chunk)| {
            let mut json = Vec::with_capacity(4096);
            json.push(b'[');
            let mut buffers = ExtractBuffers::default();
            for (i, (p, (doc, body))) in chunk.into_iter().enumerate() {
                if i > 0 {
                    json.push(b',');
                }
                write_record(doc, &p, &body.html, &idf, &mut json, &mut buffers);
            }
            json.push(b']');
            let json = String::from_utf8(json).expect("JSON is UTF-8");
            (
                format!("{DIR}/d{n}.js"),
                format!("PolicybookSearch.docs({n},{});\n", script_safe(&json)),
            )
        })
        .collect();
    debug_assert!(first_doc_shard == files.len());
    files.extend(shards);

    let manifest = serde_json::json!({
        "version": 1,
        "documents": docs.len(),
        "docsPerShard": DOCS_PER_SHARD,
        "alphabet": std::str::from_utf8(ALPHABET).expect("ASCII"),
        "base": BASE,
        "flagBits": FLAG_BITS,
        "shards": shard_first,
    });
    files.push((
        format!("{DIR}/manifest.js"),
        format!(
            "PolicybookSearch.manifest({});\n",
            script_safe(&manifest.to_string())
        ),
    ));
    files.sort_unstable();
    files
}

/// The common start of `a` and `b` in whole characters, at most `ALPHABET.len() - 1` UTF-16 units:
/// (UTF-16 units, bytes of `b`).
fn shared_prefix(a: &str, b: &str) -> (usize, usize) {
    let (mut units, mut bytes) = (0, 0);
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y || units + y.len_utf16() >= ALPHABET.len() {
            break;
        }
        units += y.len_utf16();
        bytes += y.len_utf8();
    }
    (units, bytes)
}

/// `</` must not appear in a script that might be inlined.
fn script_safe(json: &str) -> String {
    json.replace("</", "<\\/")
}

/// JavaScript compares strings by UTF-16 code units; the shard lookup in the browser relies on the
/// same order.
fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    // UTF-8 bytes sort like UTF-16 units unless a character beyond U+FFFF (four bytes) is involved.
    if a.bytes().chain(b.bytes()).all(|x| x < 0xF0) {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// Documents read by one task of the first pass.
struct Chunk {
    /// The chunk's terms, by their number in the chunk.
    names: Vec<Box<str>>,
    docs: Vec<ParsedDoc>,
}

/// One document, read for the index, in compact form.
struct ParsedDoc {
    /// Every term of the document (chunk number, later global number) with its flags.
    terms: Vec<(u32, u8)>,
    /// Headings (level 2 and 3) as (anchor id, text); sentences point into this list.
    headings: Vec<(String, String)>,
    /// The body's sentences, for snippets.
    sentences: Vec<Sentence>,
    /// The sentences' terms, one after the other: indexes into `terms`, without repeats per sentence.
    words: Vec<u32>,
    /// Characters of body text.
    text_chars: usize,
}

struct Sentence {
    /// 0 before the first heading, k under `headings[k - 1]`.
    section: u32,
    /// Characters of its text (cut to [`SENTENCE_CHARS`]).
    len: u32,
    /// Where its terms end in `ParsedDoc::words`.
    words_end: u32,
}

impl ParsedDoc {
    fn sentence_words(&self, i: usize) -> &[u32] {
        let from = if i == 0 {
            0
        } else {
            self.sentences[i - 1].words_end as usize
        };
        &self.words[from..self.sentences[i].words_end as usize]
    }
}

const NONE: u32 = u32::MAX;

/// Terms of a chunk, numbered as met, and of its current document, numbered as met in it, with
/// their flags and body count.
#[derive(Default)]
struct Terms {
    number: HashMap<Box<str>, u32, Fnv>,
    /// Chunk number → number in the current document, or [`NONE`].
    local: Vec<u32>,
    /// The current document's terms: (chunk number, flags, body count).
    list: Vec<(u32, u8, u32)>,
    /// Lowercasing buffer.
    lower: String,
}

/// FNV-1a: terms are short and trusted, and SipHash showed in build profiles.
#[derive(Default)]
struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Fnv = BuildHasherDefault<FnvHasher>;

impl Terms {
    fn add(&mut self, term: &str, flag: u8) -> u32 {
        let id = match self.number.get(term) {
            Some(&id) => id,
            None => {
                let id = self.local.len() as u32;
                self.number.insert(term.into(), id);
                self.local.push(NONE);
                id
            }
        };
        let slot = &mut self.local[id as usize];
        if *slot == NONE {
            *slot = self.list.len() as u32;
            self.list.push((id, 0, 0));
        }
        let n = *slot;
        let entry = &mut self.list[n as usize];
        if flag == 0 {
            entry.2 += 1;
        } else {
            entry.1 |= flag;
        }
        n
    }

    fn mark(&mut self, text: &str, flag: u8) {
        let mut lower = std::mem::take(&mut self.lower);
        each_token(text, &mut lower, |_, t| {
            self.add(t, flag);
        });
        self.lower = lower;
    }

    /// The current document's terms with flags and body count; readies for the next document.
    fn finish_doc(&mut self) -> Vec<(u32, u8)> {
        let terms = self
            .list
            .iter()
            .map(|&(id, f, count)| {
                self.local[id as usize] = NONE;
                let body = match count {
                    0 => 0,
                    1 => 1,
                    2 | 3 => 2,
                    _ => 3,
                };
                (id, f | body)
            })
            .collect();
        self.list.clear();
        terms
    }
}

fn parse_chunk(docs: &[Document], bodies: &[crate::render::markdown::RenderedBody]) -> Chunk {
    let mut terms = Terms::default();
    let mut scratch = Scratch::default();
    let docs = docs
        .iter()
        .zip(bodies)
        .map(|(doc, body)| parse_doc(doc, &body.html, &mut terms, &mut scratch))
        .collect();
    let mut names: Vec<Box<str>> = vec![Box::from(""); terms.local.len()];
    for (name, n) in terms.number {
        names[n as usize] = name;
    }
    Chunk { names, docs }
}

/// Buffers reused from document to document.
#[derive(Default)]
struct Scratch {
    extract: ExtractBuffers,
    /// Per term of the document: the last sentence it was seen in, plus one.
    seen: Vec<u32>,
    lower: String,
}

fn parse_doc(doc: &Document, html: &str, terms: &mut Terms, scratch: &mut Scratch) -> ParsedDoc {
    terms.mark(&doc.title, TITLE);
    terms.mark(&doc.id, ID);
    if let Some(d) = &doc.description {
        terms.mark(d, HEADING);
    }
    terms.mark(&doc.kind, META);
    if let Some(owner) = doc.fields.get("owner").and_then(|v| v.as_str()) {
        terms.mark(owner, META);
    }
    match doc.fields.get("controls") {
        Some(serde_json::Value::Array(list)) => {
            for c in list.iter().filter_map(|v| v.as_str()) {
                terms.mark(c, META);
            }
        }
        Some(serde_json::Value::String(c)) => terms.mark(c, META),
        _ => {}
    }
    let mut headings = Vec::new();
    let mut sentences = Vec::new();
    let mut shown = String::new();
    let mut words: Vec<u32> = Vec::new();
    let mut section = 0;
    let mut text_chars = 0;
    let Scratch {
        extract: buffers,
        seen,
        lower,
    } = scratch;
    seen.clear();
    extract_each(html, buffers, |heading, block| match heading {
        Some((level, id)) => {
            terms.mark(block, HEADING);
            if (2..=3).contains(&level) && !id.is_empty() {
                headings.push((id, block.to_string()));
                section = headings.len();
            }
        }
        None => {
            text_chars += block.chars().count();
            each_sentence(block, |s| {
                shown.clear();
                cut_into(s, SENTENCE_CHARS, &mut shown);
                let visible = shown.len();
                let len = shown.chars().count();
                let mark = sentences.len() as u32 + 1;
                each_token(s, lower, |at, t| {
                    let n = terms.add(t, 0);
                    if at < visible {
                        if seen.len() <= n as usize {
                            seen.resize(n as usize + 1, 0);
                        }
                        if seen[n as usize] != mark {
                            seen[n as usize] = mark;
                            words.push(n);
                        }
                    }
                });
                sentences.push(Sentence {
                    section: section as u32,
                    len: len as u32,
                    words_end: words.len() as u32,
                });
            });
        }
    });
    words.shrink_to_fit();
    sentences.shrink_to_fit();
    ParsedDoc {
        terms: terms.finish_doc(),
        headings,
        sentences,
        words,
        text_chars,
    }
}

/// What a result shows: `[id, title, type, owner, description, [heading id, heading text, …],
/// [section, sentence, …]]`. Section 0 is before the first heading, k is the k-th heading listed;
/// only headings of kept sentences are listed. Written as JSON to `out`.
///
/// Sentences are picked greedily: each time the one whose not yet covered words have the highest
/// total inverse document frequency per character, until [`EXCERPT_PERCENT`] of the text is used
/// (within [`EXCERPT_MIN`] and [`EXCERPT_MAX`] characters). A query that
/// matches the body then usually finds one of its words in a kept sentence.
fn write_record(
    doc: &Document,
    parsed: &ParsedDoc,
    html: &str,
    idf: &[f64],
    out: &mut Vec<u8>,
    buffers: &mut ExtractBuffers,
) {
    let weight: Vec<f64> = parsed
        .terms
        .iter()
        .map(|&(t, flags)| {
            // Words of the title and id are shown (highlighted) in the result's title already.
            if flags & (TITLE | ID) != 0 {
                0.0
            } else {
                idf[t as usize]
            }
        })
        .collect();
    let mut covered = vec![false; weight.len()];
    let mut taken = vec![false; parsed.sentences.len()];
    let mut chosen: Vec<usize> = Vec::new();
    let mut budget = (parsed.text_chars * EXCERPT_PERCENT / 100).clamp(EXCERPT_MIN, EXCERPT_MAX);
    let take = |i: usize,
                chosen: &mut Vec<usize>,
                taken: &mut [bool],
                covered: &mut [bool],
                budget: &mut usize| {
        chosen.push(i);
        taken[i] = true;
        *budget = budget.saturating_sub(parsed.sentences[i].len as usize);
        for &w in parsed.sentence_words(i) {
            covered[w as usize] = true;
        }
    };
    if doc.description.is_none() && !parsed.sentences.is_empty() {
        // Without a description the first sentence stands in for one.
        take(0, &mut chosen, &mut taken, &mut covered, &mut budget);
    }
    loop {
        let mut best: Option<(f64, usize)> = None;
        for (i, s) in parsed.sentences.iter().enumerate() {
            let len = s.len as usize;
            if len > budget || taken[i] {
                continue;
            }
            let gain: f64 = parsed
                .sentence_words(i)
                .iter()
                .filter(|&&w| !covered[w as usize])
                .map(|&w| weight[w as usize])
                .sum();
            // Per character, but short fragments (a table cell) count as a short sentence.
            let score = gain / (len.max(40) as f64);
            if gain > 0.0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        let Some((_, i)) = best else { break };
        take(i, &mut chosen, &mut taken, &mut covered, &mut budget);
    }
    chosen.sort_unstable();
    // The kept sentences' texts, read again from the body: cheaper than keeping every sentence.
    let mut texts = String::new();
    let mut ends: Vec<usize> = Vec::with_capacity(chosen.len());
    if !chosen.is_empty() {
        let mut k = 0;
        extract_each(html, buffers, |heading, block| {
            if heading.is_none() {
                each_sentence(block, |s| {
                    if ends.len() < chosen.len() && chosen[ends.len()] == k {
                        cut_into(s, SENTENCE_CHARS, &mut texts);
                        ends.push(texts.len());
                    }
                    k += 1;
                });
            }
        });
    }
    // Keep only the headings the kept sentences are under, renumbered.
    let mut headings: Vec<&str> = Vec::new();
    let mut renumber: Vec<usize> = vec![0; parsed.headings.len() + 1];
    let mut sentences: Vec<(usize, &str)> = Vec::with_capacity(chosen.len());
    for (n, &i) in chosen.iter().enumerate() {
        let s = &parsed.sentences[i];
        let section = match s.section as usize {
            0 => 0,
            k => {
                if renumber[k] == 0 {
                    let (id, text) = &parsed.headings[k - 1];
                    headings.push(id);
                    headings.push(text);
                    renumber[k] = headings.len() / 2;
                }
                renumber[k]
            }
        };
        let from = if n == 0 { 0 } else { ends[n - 1] };
        sentences.push((section, &texts[from..ends[n]]));
    }
    let owner = doc
        .fields
        .get("owner")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let description = doc
        .description
        .as_deref()
        .map(|d| cut(d, SENTENCE_CHARS))
        .unwrap_or_default();
    let string = |out: &mut Vec<u8>, s: &str| {
        serde_json::to_writer(&mut *out, s).expect("strings serialise");
    };
    out.push(b'[');
    for field in [doc.id.as_str(), &doc.title, &doc.kind, owner, &description] {
        string(out, field);
        out.push(b',');
    }
    out.push(b'[');
    for (i, h) in headings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, h);
    }
    out.extend_from_slice(b"],[");
    for (i, (section, text)) in sentences.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(section.to_string().as_bytes());
        out.push(b',');
        string(out, text);
    }
    out.extend_from_slice(b"]]");
}

/// Postings as one string: per document, `(doc - previous doc - 1) << 6 | flags` as a variable-length
/// number in [`ALPHABET`] (continuation digits first, most significant first, then one final digit).
#[cfg(test)]
fn encode_postings(postings: &[(u32, u8)]) -> String {
    let docs: Vec<u32> = postings.iter().map(|p| p.0).collect();
    let flags: Vec<u8> = postings.iter().map(|p| p.1).collect();
    let mut out = Vec::with_capacity(postings.len() * 2);
    encode_postings_into(&docs, &flags, &mut out);
    String::from_utf8(out).expect("ASCII alphabet")
}

/// [`encode_postings`] of documents and their flags, appended to `out`.
fn encode_postings_into(docs: &[u32], flags: &[u8], out: &mut Vec<u8>) {
    let mut previous: i64 = -1;
    for (&doc, &flags) in docs.iter().zip(flags) {
        let delta = (doc as i64 - previous - 1) as u64;
        previous = doc as i64;
        push_number(out, (delta << FLAG_BITS) | flags as u64);
    }
}

fn push_number(out: &mut Vec<u8>, mut value: u64) {
    let base = BASE as u64;
    let mut digits = [0u8; 16];
    let mut n = 0;
    digits[n] = ALPHABET[(value % base) as usize];
    n += 1;
    value /= base;
    while value > 0 {
        digits[n] = ALPHABET[(BASE as u64 + value % base) as usize];
        n += 1;
        value /= base;
    }
    out.extend(digits[..n].iter().rev());
}

/// Split text into index terms: lowercase runs of letters and digits. A `.` followed by a digit
/// joins when the run so far is a number or one letter, so `A.5.15`, `5.15` and `v1.2` stay whole
/// while `e.g.` does not. `static/search.js` splits queries with the same rule.
pub fn tokens(text: &str) -> impl Iterator<Item = (usize, Cow<'_, str>)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        loop {
            // Skip to the start of a run.
            let (start, _) = loop {
                let (i, c) = chars.next()?;
                if c.is_alphanumeric() {
                    break (i, c);
                }
            };
            let mut end = text.len();
            while let Some(&(i, c)) = chars.peek() {
                let joined_dot =
                    c == '.' && joins(&text[start..i]) && next_is_digit(&text[i + 1..]);
                if c.is_alphanumeric() || joined_dot {
                    chars.next();
                } else {
                    end = i;
                    break;
                }
            }
            let word = &text[start..end];
            if word.chars().count() <= MAX_TERM_CHARS {
                let lower = if word
                    .bytes()
                    .any(|b| !b.is_ascii() || b.is_ascii_uppercase())
                {
                    Cow::Owned(word.to_lowercase())
                } else {
                    Cow::Borrowed(word)
                };
                return Some((start, lower));
            }
        }
    })
}

fn joins(run: &str) -> bool {
    let mut chars = run.chars();
    let rest = match run.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => {
            chars.next();
            chars.as_str()
        }
        _ => run,
    };
    rest.chars().all(|c| c.is_ascii_digit() || c == '.')
}

fn next_is_digit(rest: &str) -> bool {
    rest.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// [`tokens`] without allocating: calls `f` with each term's byte offset and the term, lowercased
/// in `lower` when needed.
fn each_token(text: &str, lower: &mut String, mut f: impl FnMut(usize, &str)) {
    let bytes = text.as_bytes();
    let char_at = |i: usize| -> (char, usize) {
        let b = bytes[i];
        if b < 0x80 {
            (b as char, 1)
        } else {
            let c = text[i..].chars().next().expect("in bounds");
            (c, c.len_utf8())
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        // Skip to the start of a run.
        let (c, width) = char_at(i);
        if !c.is_alphanumeric() {
            i += width;
            continue;
        }
        let start = i;
        i += width;
        let mut plain = c.is_ascii_lowercase() || c.is_ascii_digit();
        while i < bytes.len() {
            let (c, width) = char_at(i);
            if c.is_alphanumeric() {
                plain &= c.is_ascii_lowercase() || c.is_ascii_digit();
                i += width;
            } else if c == '.' && joins(&text[start..i]) && next_is_digit(&text[i + 1..]) {
                i += 1;
            } else {
                break;
            }
        }
        let word = &text[start..i];
        if plain {
            // ASCII: one byte per character.
            if word.len() <= MAX_TERM_CHARS {
                f(start, word);
            }
        } else if word.chars().count() <= MAX_TERM_CHARS {
            lower.clear();
            if word.is_ascii() {
                lower.push_str(word);
                lower.make_ascii_lowercase();
            } else {
                *lower = word.to_lowercase();
            }
            f(start, lower);
        }
    }
}

/// [`split_sentences`], calling `f` with each sentence.
fn each_sentence<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut emit = |s: &'a str| {
        let s = s.trim();
        if !s.is_empty() {
            f(s);
        }
    };
    for (i, &b) in bytes.iter().enumerate() {
        let end_of_sentence = matches!(b, b'.' | b'!' | b'?')
            && bytes.get(i + 1) == Some(&b' ')
            && bytes
                .get(i + 2)
                .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if end_of_sentence {
            emit(&text[start..=i]);
            start = i + 2;
        }
    }
    emit(&text[start..]);
}

/// Sentences of a block of text: split after `.`, `!` or `?` followed by a space and a capital
/// letter or digit.
#[cfg(test)]
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    each_sentence(text, |s| out.push(s));
    out
}

/// `text`, cut at a word boundary to at most `max` characters (plus an ellipsis).
fn cut(text: &str, max: usize) -> String {
    let mut out = String::new();
    cut_into(text, max, &mut out);
    out
}

/// [`cut`], appended to `out`.
fn cut_into(text: &str, max: usize, out: &mut String) {
    let end = if text.len() <= max {
        None
    } else {
        text.char_indices().nth(max).map(|(i, _)| i)
    };
    let Some(end) = end else {
        out.push_str(text);
        return;
    };
    let head = &text[..end];
    let head = head.rfind(' ').map_or(head, |i| &head[..i]);
    out.push_str(head.trim_end_matches([',', ';', ':', ' ']));
    out.push('…');
}

/// A rendered body, read as text.
#[cfg(test)]
#[derive(Debug, PartialEq)]
enum Block {
    Heading { level: u8, id: String, text: String },
    Text(String),
}

/// The text of rendered HTML in blocks (paragraphs, list items, table cells, headings), with
/// entities decoded and `<style>`/`<script>` contents dropped.
#[cfg(test)]
fn extract(html: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    extract_each(html, &mut ExtractBuffers::default(), |heading, text| {
        blocks.push(match heading {
            Some((level, id)) => Block::Heading {
                level,
                id,
                text: text.to_string(),
            },
            None => Block::Text(text.to_string()),
        })
    });
    blocks
}

/// Buffers of [`extract_each`], reused from document to document.
#[derive(Default)]
struct ExtractBuffers {
    text: String,
    collapsed: String,
}

/// [`extract`], calling `f` with each block: heading level and id (`None` for text), and text.
fn extract_each(
    html: &str,
    buffers: &mut ExtractBuffers,
    mut f: impl FnMut(Option<(u8, String)>, &str),
) {
    let ExtractBuffers { text, collapsed } = buffers;
    text.clear();
    let mut heading: Option<(u8, String)> = None;
    let mut skip: Option<&'static str> = None;
    let mut rest = html;
    let mut finish = |text: &mut String, heading: &mut Option<(u8, String)>| {
        collapse_into(text, collapsed);
        text.clear();
        if let Some(h) = heading.take() {
            f(Some(h), collapsed);
        } else if !collapsed.is_empty() {
            f(None, collapsed);
        }
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip.is_none() {
                decode_into(rest, text);
            }
            break;
        };
        if skip.is_none() {
            decode_into(&rest[..lt], text);
        }
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |i| &rest[i + 3..]);
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |i| i + 1);
        let tag = &rest[1..end.saturating_sub(1).max(1)];
        rest = &rest[end..];
        let closing = tag.starts_with('/');
        // The tag name, lowercased; longer names than any below read as no name.
        let raw = tag.trim_start_matches('/').as_bytes();
        let len = raw
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(raw.len());
        let mut lowered = [0u8; 12];
        let name = if len <= lowered.len() {
            lowered[..len].copy_from_slice(&raw[..len]);
            lowered[..len].make_ascii_lowercase();
            std::str::from_utf8(&lowered[..len]).expect("ASCII")
        } else {
            "-"
        };
        if let Some(s) = skip {
            if closing && name == s {
                skip = None;
            }
            continue;
        }
        match name {
            "style" | "script" if !closing => {
                skip = Some(if name == "style" { "style" } else { "script" })
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                finish(text, &mut heading);
                if !closing {
                    let level = name.as_bytes()[1] - b'0';
                    heading = Some((level, attribute(tag, "id").unwrap_or_default()));
                }
            }
            // Cells of a row read as one block: a snippet shows the row.
            "td" | "th" if !closing && !text.trim().is_empty() => text.push_str(" · "),
            "p" | "li" | "tr" | "pre" | "blockquote" | "div" | "figure" | "dt" | "dd" | "ul"
            | "ol" | "table" | "br" | "hr" | "figcaption" | "section" | "text" | "tspan" => {
                if heading.is_none() {
                    finish(text, &mut heading);
                } else {
                    text.push(' ');
                }
            }
            _ => {}
        }
    }
    finish(text, &mut heading);
}

/// The value of attribute `name` in a tag's text (`h2 id="x"`), decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let pattern = format!(" {name}=\"");
    let start = tag.find(&pattern)? + pattern.len();
    let end = tag[start..].find('"')? + start;
    let mut value = String::new();
    decode_into(&tag[start..end], &mut value);
    Some(value)
}

/// `text` with runs of whitespace made one space and none at either end, into `out`.
fn collapse_into(text: &str, out: &mut String) {
    out.clear();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Append `raw` with HTML character references decoded.
fn decode_into(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        tokens(text).map(|(_, t)| t.into_owned()).collect()
    }

    #[test]
    fn tokens_keep_control_ids_and_versions() {
        assert_eq!(
            toks("See A.5.15, clause 9.2 and v1.2 (e.g. MFA)."),
            [
                "see", "a.5.15", "clause", "9.2", "and", "v1.2", "e", "g", "mfa"
            ]
        );
        assert_eq!(
            toks("access-control-policy"),
            ["access", "control", "policy"]
        );
        assert_eq!(
            toks("Zugriffsrechte für Ärzte"),
            ["zugriffsrechte", "für", "ärzte"]
        );
        assert_eq!(toks("end."), ["end"]);
        assert_eq!(toks(&"x".repeat(41)), Vec::<String>::new());
    }

    #[test]
    fn postings_round_trip() {
        let postings = [(0, 1), (1, 3), (2, 0b100001), (500, 2), (9999, 63)];
        let encoded = encode_postings(&postings);
        assert!(!encoded.contains('"') && !encoded.contains('\\'));
        // Decode the way search.js does.
        let mut out = Vec::new();
        let mut value: u64 = 0;
        let mut previous: i64 = -1;
        for b in encoded.bytes() {
            let d = ALPHABET.iter().position(|&a| a == b).unwrap() as u64;
            if d >= BASE as u64 {
                value = value * BASE as u64 + (d - BASE as u64);
            } else {
                value = value * BASE as u64 + d;
                let doc = previous + 1 + (value >> FLAG_BITS) as i64;
                out.push((doc as u32, (value & 63) as u8));
                previous = doc;
                value = 0;
            }
        }
        assert_eq!(out, postings);
        // Consecutive documents with body-only matches cost one character each.
        assert_eq!(encode_postings(&[(0, 1), (1, 1), (2, 2)]).len(), 3);
    }

    #[test]
    fn front_coding_counts_utf16_units() {
        assert_eq!(shared_prefix("", "access"), (0, 0));
        assert_eq!(shared_prefix("access", "accounts"), (3, 3));
        assert_eq!(shared_prefix("ärzte", "ärztin"), (4, 5));
        assert_eq!(shared_prefix("𝔞b", "𝔞c"), (2, 4));
    }

    #[test]
    fn extracts_blocks_headings_and_entities() {
        let html = "<h2 id=\"scope\">Scope &amp; aims</h2>\n<p>All <em>staff</em> &lt;and&gt; visitors.</p>\
            <figure class=\"diagram\"><svg><style>.a{fill:red}</style><text>Triage</text></svg></figure>\
            <ul><li>One</li><li>Two</li></ul><table><tr><td>A.5.15</td><td>Access</td></tr></table>";
        assert_eq!(
            extract(html),
            [
                Block::Heading {
                    level: 2,
                    id: "scope".into(),
                    text: "Scope & aims".into()
                },
                Block::Text("All staff <and> visitors.".into()),
                Block::Text("Triage".into()),
                Block::Text("One".into()),
                Block::Text("Two".into()),
                Block::Text("A.5.15 · Access".into()),
            ]
        );
    }

    #[test]
    fn sentences_and_cuts() {
        assert_eq!(
            split_sentences("First one. Second one? third stays. 4 hours."),
            ["First one.", "Second one? third stays.", "4 hours."]
        );
        assert_eq!(cut("alpha beta gamma", 12), "alpha beta…");
        assert_eq!(cut("short", 12), "short");
    }
}
