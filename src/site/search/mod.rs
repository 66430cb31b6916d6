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
//!   id, title, type, owner, a few sentences for the snippet and, for a document not in force, its
//!   status (`draft`, `in-review`, `retired`). The manifest lists the retired documents, which rank
//!   after the others. The sentences are chosen greedily
//!   to cover as many of the document's distinctive words as fit in [`EXCERPT_PERCENT`] of its text,
//!   so a body match usually has a sentence to show it in context.
//!
//! Everything is sorted and contains no timestamps: the same input gives byte-identical files.

#[cfg(test)]
use std::borrow::Cow;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU8, AtomicU32};

use rayon::prelude::*;

mod extract;

use super::{Model, Sink};
use crate::diagnostics::Fatal;
use crate::isms::control::Status;
use crate::load::Document;
use extract::{ExtractBuffers, decode_into, extract_each};

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

/// Terms encoded by one task when the term shards are written.
const TERMS_PER_TASK: usize = 1024;

/// Write the index files of `model` into `sink`, each as soon as it is made (the document shards
/// from several threads at once): none waits in memory for the others.
///
/// Two passes: the first reads every document (in parallel chunks, each numbering its own terms)
/// into compact form; the chunks' terms are then merged into one table, which gives the postings
/// and document frequencies; the second pass picks each document's sentences and writes the
/// document shards, dropping each document's data as soon as its shard is written. The second pass
/// reads again only the blocks of the body that hold a kept sentence, from where the first pass
/// saw them start.
pub fn write_index(model: &Model, sink: &dyn Sink) -> Result<(), Fatal> {
    let docs = &model.handbook.documents;
    let bodies = &model.bodies[..docs.len().min(model.bodies.len())];
    let docs_read = &docs[..bodies.len()];
    // Chunks of documents read by one task; each numbers its own terms, so fewer chunks mean
    // less merging, while a few per thread keep the threads busy to the end.
    let chunk_docs = (docs_read.len() / (4 * rayon::current_num_threads())).clamp(32, 512);
    let mut chunks: Vec<Chunk> = docs_read
        .par_chunks(chunk_docs)
        .zip(bodies.par_chunks(chunk_docs))
        .map(|(docs, bodies)| parse_chunk(docs, bodies))
        .collect();

    // One table of terms: the chunks' own numbers, mapped to global ones. The numbering does not
    // reach the output, which lists terms sorted.
    let mut table = Interner::default();
    let maps: Vec<Vec<u32>> = chunks
        .iter()
        .map(|chunk| {
            (0..chunk.names.len() as u32)
                .map(|n| table.intern(chunk.names.get(n)))
                .collect()
        })
        .collect();
    chunks.par_iter_mut().zip(maps).for_each(|(chunk, map)| {
        chunk.names = Interner::default();
        for doc in &mut chunk.docs {
            for term in &mut doc.terms {
                *term = map[*term as usize];
            }
        }
    });
    let names: Vec<&str> = (0..table.len() as u32).map(|n| table.get(n)).collect();
    let parsed: Vec<ParsedDoc> = chunks.into_iter().flat_map(|c| c.docs).collect();

    // Postings, in document order, stored as one array. The documents are cut into parts, each
    // counting its postings per term, which says where each part writes them.
    let part_docs = parsed
        .len()
        .div_ceil(2 * rayon::current_num_threads())
        .max(1);
    let mut fill: Vec<Vec<u32>> = parsed
        .par_chunks(part_docs)
        .map(|part| {
            let mut count = vec![0u32; names.len()];
            for doc in part {
                for &t in &doc.terms {
                    count[t as usize] += 1;
                }
            }
            count
        })
        .collect();
    // Where each term's postings start, and each part's among them; document frequencies.
    let total = docs.len().max(1) as f64;
    let mut start = Vec::with_capacity(names.len() + 1);
    let mut idf = Vec::with_capacity(names.len());
    let mut size = 0;
    for t in 0..names.len() {
        start.push(size);
        let mut count = 0;
        for part in &mut fill {
            let n = part[t];
            part[t] = size + count;
            count += n;
        }
        idf.push((total / count as f64).ln());
        size += count;
    }
    start.push(size);
    // The parts write to places of their own, through atomics (plain stores on common machines).
    let posting_doc: Vec<AtomicU32> = (0..size).map(|_| AtomicU32::new(0)).collect();
    let posting_flags: Vec<AtomicU8> = (0..size).map(|_| AtomicU8::new(0)).collect();
    parsed
        .par_chunks(part_docs)
        .zip(fill)
        .enumerate()
        .for_each(|(p, (part, mut fill))| {
            for (i, doc) in part.iter().enumerate() {
                let n = (p * part_docs + i) as u32;
                for (&t, &flags) in doc.terms.iter().zip(&doc.flags) {
                    let at = &mut fill[t as usize];
                    posting_doc[*at as usize].store(n, Relaxed);
                    posting_flags[*at as usize].store(flags, Relaxed);
                    *at += 1;
                }
            }
        });
    let posting_doc: Vec<u32> = posting_doc.into_iter().map(AtomicU32::into_inner).collect();
    let posting_flags: Vec<u8> = posting_flags
        .into_iter()
        .map(AtomicU8::into_inner)
        .collect();

    // Term shards: the postings encoded in parallel, in term order, then cut into shards.
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| js_order(names[a as usize], names[b as usize]));
    let encoded: Vec<(Vec<u8>, Vec<u32>)> = order
        .par_chunks(TERMS_PER_TASK)
        .map(|terms| {
            let mut out = Vec::new();
            let mut ends = Vec::with_capacity(terms.len());
            for &t in terms {
                let range = start[t as usize] as usize..start[t as usize + 1] as usize;
                encode_postings_into(&posting_doc[range.clone()], &posting_flags[range], &mut out);
                ends.push(out.len() as u32);
            }
            (out, ends)
        })
        .collect();
    drop((posting_doc, posting_flags, start));
    let mut shard_first: Vec<&str> = Vec::new();
    let mut shards: Vec<Vec<u8>> = Vec::new();
    let mut shard: Vec<u8> = Vec::new();
    let mut previous = "";
    for (terms, (postings, ends)) in order.chunks(TERMS_PER_TASK).zip(&encoded) {
        let mut from = 0;
        for (&t, &end) in terms.iter().zip(ends) {
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
            shard.extend_from_slice(&postings[from..end as usize]);
            from = end as usize;
            previous = term;
            if shard.len() >= SHARD_BYTES {
                shards.push(std::mem::replace(
                    &mut shard,
                    Vec::with_capacity(SHARD_BYTES + SHARD_BYTES / 4),
                ));
            }
        }
    }
    if !shard.is_empty() {
        shards.push(shard);
    }
    drop((encoded, order));
    shards
        .into_par_iter()
        .enumerate()
        .try_for_each(|(n, shard)| {
            let text = String::from_utf8(shard).expect("terms are UTF-8");
            let json = serde_json::to_string(&text).expect("strings serialise");
            sink.write(
                &format!("{DIR}/t{n}.js"),
                script_file("PolicybookSearch.terms", n, &json).as_bytes(),
            )
        })?;

    // Document shards. A document not in force carries its status, for the result to say so.
    let statuses: Vec<Option<&str>> = model
        .isms
        .controls
        .iter()
        .map(|c| {
            c.status
                .filter(|s| *s != Status::Approved)
                .map(Status::as_str)
        })
        .collect();
    parsed
        .into_par_iter()
        .zip(docs_read.par_iter().zip(bodies).zip(&statuses))
        .chunks(DOCS_PER_SHARD)
        .enumerate()
        .try_for_each_init(ExtractBuffers::default, |buffers, (n, chunk)| {
            let mut json = Vec::with_capacity(16 * 1024);
            json.push(b'[');
            for (i, (p, ((doc, body), status))) in chunk.into_iter().enumerate() {
                if i > 0 {
                    json.push(b',');
                }
                write_record(doc, *status, &p, &body.html, &idf, &mut json, buffers);
            }
            json.push(b']');
            let json = String::from_utf8(json).expect("JSON is UTF-8");
            sink.write(
                &format!("{DIR}/d{n}.js"),
                script_file("PolicybookSearch.docs", n, &json).as_bytes(),
            )
        })?;

    // Retired documents rank after the others.
    let retired: Vec<usize> = (statuses.iter().enumerate())
        .filter(|(_, s)| **s == Some(Status::Retired.as_str()))
        .map(|(n, _)| n)
        .collect();
    let manifest = serde_json::json!({
        "version": 1,
        "documents": docs.len(),
        "retired": retired,
        "docsPerShard": DOCS_PER_SHARD,
        "alphabet": std::str::from_utf8(ALPHABET).expect("ASCII"),
        "base": BASE,
        "flagBits": FLAG_BITS,
        "shards": shard_first,
    });
    sink.write(
        &format!("{DIR}/manifest.js"),
        format!(
            "PolicybookSearch.manifest({});\n",
            script_safe(&manifest.to_string())
        )
        .as_bytes(),
    )
}

/// `{call}({n},{json});` and a newline, with the JSON made [`script_safe`].
fn script_file(call: &str, n: usize, json: &str) -> String {
    let mut out = String::with_capacity(call.len() + json.len() + 16);
    out.push_str(call);
    out.push('(');
    out.push_str(&n.to_string());
    out.push(',');
    let bytes = json.as_bytes();
    let (mut from, mut at) = (0, 0);
    while let Some(i) = find_byte(&bytes[at..], |b| b == b'<') {
        at += i + 1;
        if bytes.get(at) == Some(&b'/') {
            out.push_str(&json[from..at]);
            out.push('\\');
            from = at;
        }
    }
    out.push_str(&json[from..]);
    out.push_str(");\n");
    out
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
    names: Interner,
    docs: Vec<ParsedDoc>,
}

/// One document, read for the index, in compact form: what the postings and the choice of
/// sentences need. Texts (sentences, headings) are read again from the body for the record.
struct ParsedDoc {
    /// Every term of the document (chunk number, later global number), in the order met.
    terms: Vec<u32>,
    /// Each term's flags, with its body count in the low bits.
    flags: Vec<u8>,
    /// Where each heading that starts a section (level 2 or 3, with an id) starts in the body's
    /// HTML. A sentence is under the last one before its block.
    headings: Vec<u32>,
    /// The body's sentences, for snippets.
    sentences: Vec<Sentence>,
    /// Each sentence's length in characters (cut to [`SENTENCE_CHARS`]).
    lens: Vec<u8>,
    /// The sentences' terms, one after the other: indexes into `terms`, without repeats per sentence.
    words: Words,
    /// Characters of body text.
    text_chars: usize,
}

const _: () = assert!(
    SENTENCE_CHARS < u8::MAX as usize,
    "a cut sentence's length fits a u8"
);

#[derive(Clone, Copy)]
struct Sentence {
    /// Where its terms end in `ParsedDoc::words`.
    words_end: u32,
    /// Where the text block it is part of starts in the body's HTML (see [`extract_each`]).
    block: u32,
}

/// Indexes into a document's terms: two bytes each when it has at most 65,536 terms, as nearly
/// every document has.
enum Words {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Words {
    fn new(words: &[u32], terms: usize) -> Words {
        if terms <= 1 << 16 {
            Words::Narrow(words.iter().map(|&w| w as u16).collect())
        } else {
            Words::Wide(words.to_vec())
        }
    }
}

/// An index into a document's terms as [`Words`] keeps it.
trait Word: Copy {
    fn index(self) -> usize;
}

impl Word for u16 {
    fn index(self) -> usize {
        self as usize
    }
}

impl Word for u32 {
    fn index(self) -> usize {
        self as usize
    }
}

impl ParsedDoc {
    /// The terms of sentence `i`, from the document's `words`.
    fn sentence_words<'w, W: Word>(&self, words: &'w [W], i: usize) -> &'w [W] {
        let from = if i == 0 {
            0
        } else {
            self.sentences[i - 1].words_end as usize
        };
        &words[from..self.sentences[i].words_end as usize]
    }

    /// The section of sentence `i`: 0 before the first heading, k under `headings[k - 1]`. A
    /// heading's tag ends the block before it (see [`extract_each`]), so blocks read before it
    /// start before it and blocks read after it start after it.
    fn section(&self, i: usize) -> usize {
        let block = self.sentences[i].block;
        self.headings.partition_point(|&h| h < block)
    }
}

/// Strings numbered in the order first met, kept one after the other in one `String`, found by an
/// open-addressing hash table whose slots hold the strings' first and last eight bytes: no
/// allocation per string, and a string of up to sixteen bytes is found with one memory access.
#[derive(Default)]
struct Interner {
    /// A power of two long, at most half full, probed linearly from where the hash's top bits say.
    slots: Vec<Slot>,
    /// log2 of `slots.len()`.
    bits: u32,
    text: String,
    /// Where each string ends in `text`; it starts where the previous one ends.
    ends: Vec<u32>,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    key: Key,
    /// The string's number + 1, or 0 for a free slot.
    n: u32,
    /// The high bits of the hash, with the length (up to 255) in the low byte.
    tag: u32,
}

impl Interner {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, n: u32) -> &str {
        let n = n as usize;
        let from = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        &self.text[from..self.ends[n] as usize]
    }

    /// The number of `s`, given it the next one if it is new.
    fn intern(&mut self, s: &str) -> u32 {
        self.intern_key(s, Key::of(s.as_bytes()))
    }

    /// [`Interner::intern`] of `s` with its key, `Key::of(s)`.
    #[inline(always)]
    fn intern_key(&mut self, s: &str, key: Key) -> u32 {
        if 2 * (self.len() + 1) > self.slots.len() {
            self.grow();
        }
        let b = s.as_bytes();
        let (h, tag) = slot_hash(b, key);
        let mask = self.slots.len() - 1;
        let mut i = (h >> (64 - self.bits)) as usize;
        loop {
            let slot = self.slots[i];
            if slot.n == 0 {
                let n = self.len() as u32;
                self.text.push_str(s);
                self.ends.push(self.text.len() as u32);
                self.slots[i] = Slot { key, n: n + 1, tag };
                return n;
            }
            if slot.tag == tag
                && slot.key == key
                && (b.len() <= 16 || self.get(slot.n - 1).as_bytes() == b)
            {
                return slot.n - 1;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        self.bits = (self.bits + 1).max(10);
        let mask = (1usize << self.bits) - 1;
        let mut slots = vec![Slot::default(); 1 << self.bits];
        for n in 0..self.len() as u32 {
            let b = self.get(n).as_bytes();
            let key = Key::of(b);
            let (h, tag) = slot_hash(b, key);
            let mut i = (h >> (64 - self.bits)) as usize;
            while slots[i].n != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = Slot { key, n: n + 1, tag };
        }
        self.slots = slots;
    }
}

/// What a [`Slot`] keeps of a string: with its length (in the tag), all of a string of up to
/// sixteen bytes.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Key {
    /// The first eight bytes, zero-padded, little-endian.
    first: u64,
    /// The last eight bytes of a longer string, else 0.
    last: u64,
}

impl Key {
    fn of(b: &[u8]) -> Key {
        let n = b.len();
        let first = if n >= 8 {
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
        } else {
            load8(b, 0)
        };
        let last = if n > 8 {
            u64::from_le_bytes(b[n - 8..].try_into().expect("8 bytes"))
        } else {
            0
        };
        Key { first, last }
    }

    /// [`Key::of`] `text[start..end]` (not empty), read from `text` with whole-word loads and masks
    /// instead of branches on its length, which is hard to predict.
    #[inline(always)]
    fn within(text: &[u8], start: usize, end: usize) -> Key {
        let n = end - start;
        let first = load8(text, start) & (u64::MAX >> (64 - 8 * n.min(8)));
        // Past its eighth byte, a string's last eight bytes are whole in `text`.
        let tail = load8(text, end.saturating_sub(8));
        let last = tail & ((n > 8) as u64).wrapping_neg();
        Key { first, last }
    }
}

/// A string's hash and tag (see [`Slot`]), from its key and the bytes between.
#[inline(always)]
fn slot_hash(b: &[u8], key: Key) -> (u64, u32) {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = b.len();
    let mut h = (key.first ^ (n as u64).wrapping_mul(K)).wrapping_mul(K);
    // The bytes between the first and last eight, a word at a time; the last word may overlap the
    // one before.
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let mut i = 8;
    while i + 8 < n {
        h = (h ^ word(i)).wrapping_mul(K);
        h ^= h >> 29;
        i += 8;
    }
    h = (h ^ key.last).wrapping_mul(K);
    let tag = ((h >> 32) as u32 & !0xFF) | n.min(255) as u32;
    (h, tag)
}

const NONE: u32 = u32::MAX;

/// Terms of a chunk, numbered as met, and what the current document has of each: one record per
/// term, so a token costs a hash lookup and one more memory access.
#[derive(Default)]
struct Terms {
    names: Interner,
    /// Per chunk term, its record in the current document.
    state: Vec<TermState>,
    /// The current document's terms (chunk numbers), in the order met: by number in the document.
    list: Vec<u32>,
    /// The current document's number in the chunk.
    doc: u32,
    /// Sentences begun in the chunk: the current one's number (see [`TermState::sentence`]).
    sentence: u32,
    /// Lowercasing buffer.
    lower: String,
}

/// A chunk term in the current document; the rest is stale when `doc` is another document.
#[derive(Clone, Copy)]
struct TermState {
    doc: u32,
    /// The term's number in the document.
    local: u32,
    /// The last sentence it was listed among the words of.
    sentence: u32,
    /// Body count, up to 4 (all the flags tell).
    count: u8,
    flags: u8,
}

impl Terms {
    /// Count `term` (with its key) in the current document, in the body if `flag` is 0; its record.
    #[inline(always)]
    fn add(&mut self, term: &str, key: Key, flag: u8) -> &mut TermState {
        let id = self.names.intern_key(term, key);
        if id as usize == self.state.len() {
            self.state.push(TermState {
                doc: NONE,
                local: 0,
                sentence: 0,
                count: 0,
                flags: 0,
            });
        }
        let state = &mut self.state[id as usize];
        if state.doc != self.doc {
            *state = TermState {
                doc: self.doc,
                local: self.list.len() as u32,
                sentence: 0,
                count: 0,
                flags: 0,
            };
            self.list.push(id);
        }
        if flag == 0 {
            state.count = (state.count + 1).min(4);
        } else {
            state.flags |= flag;
        }
        state
    }

    fn mark(&mut self, text: &str, flag: u8) {
        let mut lower = std::mem::take(&mut self.lower);
        each_token(text, &mut lower, |_, t, key| {
            self.add(t, key, flag);
        });
        self.lower = lower;
    }

    /// The current document's terms and their flags with the body count; readies for the next
    /// document.
    fn finish_doc(&mut self) -> (Vec<u32>, Vec<u8>) {
        let flags = self
            .list
            .iter()
            .map(|&id| {
                let state = &self.state[id as usize];
                let body = match state.count {
                    0 => 0,
                    1 => 1,
                    2 | 3 => 2,
                    _ => 3,
                };
                state.flags | body
            })
            .collect();
        let terms = self.list.to_vec();
        self.list.clear();
        self.doc += 1;
        (terms, flags)
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
    Chunk {
        names: terms.names,
        docs,
    }
}

/// Buffers reused from document to document.
#[derive(Default)]
struct Scratch {
    extract: ExtractBuffers,
    lower: String,
    /// The document's sentences, their lengths and their words, as they are read.
    sentences: Vec<Sentence>,
    lens: Vec<u8>,
    words: Vec<u32>,
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
    let mut text_chars = 0;
    let Scratch {
        extract: buffers,
        lower,
        sentences,
        lens,
        words,
    } = scratch;
    sentences.clear();
    lens.clear();
    words.clear();
    extract_each(html, 0, buffers, |heading, block, at| {
        match heading {
            Some((level, id)) => {
                terms.mark(block, HEADING);
                if (2..=3).contains(&level) && !id.is_empty() {
                    headings.push(at as u32);
                }
            }
            None => {
                let chars = block.chars().count();
                text_chars += chars;
                let ascii = chars == block.len();
                each_sentence(block, |s| {
                    let (visible, len) = cut_size(s, SENTENCE_CHARS, ascii);
                    terms.sentence += 1;
                    let sentence = terms.sentence;
                    each_token(s, lower, |at, t, key| {
                        let term = terms.add(t, key, 0);
                        // Listed once per sentence, if in the part a snippet shows.
                        if at < visible && term.sentence != sentence {
                            term.sentence = sentence;
                            words.push(term.local);
                        }
                    });
                    sentences.push(Sentence {
                        words_end: words.len() as u32,
                        block: at as u32,
                    });
                    lens.push(len as u8);
                });
            }
        }
        true
    });
    let (terms, flags) = terms.finish_doc();
    // Copied to their size: kept until the second pass.
    ParsedDoc {
        words: Words::new(words, terms.len()),
        terms,
        flags,
        headings,
        sentences: sentences.to_vec(),
        lens: lens.to_vec(),
        text_chars,
    }
}

/// What a result shows: `[id, title, type, owner, description, [heading id, heading text, …],
/// [section, sentence, …]]`. Section 0 is before the first heading, k is the k-th heading listed;
/// only headings of kept sentences are listed. Written as JSON to `out`.
fn write_record(
    doc: &Document,
    status: Option<&str>,
    parsed: &ParsedDoc,
    html: &str,
    idf: &[f64],
    out: &mut Vec<u8>,
    buffers: &mut ExtractBuffers,
) {
    let chosen = match &parsed.words {
        Words::Narrow(words) => choose(doc, parsed, words, idf),
        Words::Wide(words) => choose(doc, parsed, words, idf),
    };
    // The kept sentences' texts, read again from the body (cheaper than keeping every sentence),
    // block by block from where each starts.
    let mut texts = String::new();
    let mut ends: Vec<usize> = Vec::with_capacity(chosen.len());
    while ends.len() < chosen.len() {
        let block = parsed.sentences[chosen[ends.len()]].block;
        // The block's first sentence.
        let mut k = chosen[ends.len()];
        while k > 0 && parsed.sentences[k - 1].block == block {
            k -= 1;
        }
        let before = ends.len();
        extract_each(html, block as usize, buffers, |heading, text, _| {
            if heading.is_some() {
                return true;
            }
            each_sentence(text, |s| {
                if ends.len() < chosen.len() && chosen[ends.len()] == k {
                    cut_into(s, SENTENCE_CHARS, &mut texts);
                    ends.push(texts.len());
                }
                k += 1;
            });
            false
        });
        if ends.len() == before {
            // Not met again (cannot happen: the same text gives the same blocks); show nothing.
            ends.push(texts.len());
        }
    }
    // Keep only the headings the kept sentences are under, renumbered, read again from the body:
    // ids and texts one after the other in `heading_texts`, each ending where `heading_ends` says.
    let mut heading_texts = String::new();
    let mut heading_ends: Vec<usize> = Vec::new();
    let mut renumber: Vec<usize> = vec![0; parsed.headings.len() + 1];
    let mut sections: Vec<usize> = Vec::with_capacity(chosen.len());
    for &i in &chosen {
        let section = match parsed.section(i) {
            0 => 0,
            k => {
                if renumber[k] == 0 {
                    let at = parsed.headings[k - 1] as usize;
                    read_heading(html, at, buffers, &mut heading_texts, &mut heading_ends);
                    renumber[k] = heading_ends.len() / 2;
                }
                renumber[k]
            }
        };
        sections.push(section);
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
    let mut from = 0;
    for (n, &end) in heading_ends.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        string(out, &heading_texts[from..end]);
        from = end;
    }
    out.extend_from_slice(b"],[");
    for (n, section) in sections.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        push_decimal(out, *section);
        out.push(b',');
        let from = if n == 0 { 0 } else { ends[n - 1] };
        string(out, &texts[from..ends[n]]);
    }
    out.push(b']');
    if let Some(status) = status {
        out.push(b',');
        string(out, status);
    }
    out.push(b']');
}

/// Append the id and text of the heading whose reading starts at byte `at` of `html` (see
/// [`extract_each`]) to `texts`, and where each ends to `ends`.
fn read_heading(
    html: &str,
    at: usize,
    buffers: &mut ExtractBuffers,
    texts: &mut String,
    ends: &mut Vec<usize>,
) {
    let before = ends.len();
    extract_each(html, at, buffers, |heading, text, _| {
        if let Some((_, id)) = heading {
            decode_into(id, texts);
            ends.push(texts.len());
            texts.push_str(text);
            ends.push(texts.len());
        }
        false
    });
    // Not met again (cannot happen: the heading is the first block read from there); show nothing.
    ends.resize(before + 2, texts.len());
}

/// The sentences of a record, in document order, picked greedily: each time the one whose not yet
/// covered words have the highest total inverse document frequency per character, until
/// [`EXCERPT_PERCENT`] of the text is used (within [`EXCERPT_MIN`] and [`EXCERPT_MAX`]
/// characters). A query that matches the body then usually finds one of its words in a kept
/// sentence.
fn choose<W: Word>(doc: &Document, parsed: &ParsedDoc, words: &[W], idf: &[f64]) -> Vec<usize> {
    let weight: Vec<f64> = parsed
        .terms
        .iter()
        .zip(&parsed.flags)
        .map(|(&t, &flags)| {
            // Words of the title and id are shown (highlighted) in the result's title already.
            if flags & (TITLE | ID) != 0 {
                0.0
            } else {
                idf[t as usize]
            }
        })
        .collect();
    let len = |i: usize| parsed.lens[i] as usize;
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
        *budget = budget.saturating_sub(len(i));
        for &w in parsed.sentence_words(words, i) {
            covered[w.index()] = true;
        }
    };
    if doc.description.is_none() && !parsed.sentences.is_empty() {
        // Without a description the first sentence stands in for one.
        take(0, &mut chosen, &mut taken, &mut covered, &mut budget);
    }
    // Lazily: a sentence's gain only falls as words get covered, so a score computed earlier is an
    // upper bound, and one computed since the last pick is exact. The best entry is taken when its
    // score is exact; else it is scored again and put back. Ties go to the earlier sentence, as
    // they would in a scan of all sentences.
    let gain = |i: usize, covered: &[bool]| -> f64 {
        parsed
            .sentence_words(words, i)
            .iter()
            .filter(|&&w| !covered[w.index()])
            .map(|&w| weight[w.index()])
            .sum()
    };
    // Per character, but short fragments (a table cell) count as a short sentence.
    let score = |gain: f64, i: usize| gain / (len(i).max(40) as f64);
    let mut heap: std::collections::BinaryHeap<Candidate> = (0..parsed.sentences.len())
        .filter(|&i| len(i) <= budget && !taken[i])
        .filter_map(|i| {
            let gain = gain(i, &covered);
            (gain > 0.0).then(|| Candidate {
                score: score(gain, i),
                sentence: i as u32,
                picks: chosen.len() as u32,
            })
        })
        .collect();
    while let Some(c) = heap.pop() {
        let i = c.sentence as usize;
        if len(i) > budget {
            continue;
        }
        if c.picks as usize == chosen.len() {
            take(i, &mut chosen, &mut taken, &mut covered, &mut budget);
        } else {
            let gain = gain(i, &covered);
            if gain > 0.0 {
                heap.push(Candidate {
                    score: score(gain, i),
                    sentence: i as u32,
                    picks: chosen.len() as u32,
                });
            }
        }
    }
    chosen.sort_unstable();
    chosen
}

/// A sentence that may be picked for a record, with its score after `picks` picks; the greatest
/// is the best score, then the earliest sentence.
struct Candidate {
    score: f64,
    sentence: u32,
    picks: u32,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.sentence.cmp(&self.sentence))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Candidate {}

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

/// The straightforward statement of [`each_token`]'s rule, which the tests hold it to.
#[cfg(test)]
fn tokens(text: &str) -> impl Iterator<Item = (usize, Cow<'_, str>)> + '_ {
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

/// Split text into index terms: lowercase runs of letters and digits. A `.` followed by a digit
/// joins when the run so far is a number or one letter, so `A.5.15`, `5.15` and `v1.2` stay whole
/// while `e.g.` does not. `static/search.js` splits queries with the same rule. Calls `f` with
/// each term's byte offset and the term, lowercased in `lower` when needed; allocates nothing.
///
/// ASCII text, nearly all of it, takes [`each_ascii_token`], which has fewer branches to mispredict.
#[inline(always)]
fn each_token(text: &str, lower: &mut String, f: impl FnMut(usize, &str, Key)) {
    if text.is_ascii() {
        each_ascii_token(text, lower, f)
    } else {
        each_general_token(text, lower, f)
    }
}

/// [`each_token`] of any text, a byte at a time.
#[inline(always)]
fn each_general_token(text: &str, lower: &mut String, mut f: impl FnMut(usize, &str, Key)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        // Skip to the start of a run.
        match ASCII_CLASS[bytes[i] as usize] {
            OTHER => {
                i += 1;
                continue;
            }
            WIDE => {
                let c = text[i..].chars().next().expect("a character starts here");
                if !c.is_alphanumeric() {
                    i += c.len_utf8();
                    continue;
                }
            }
            _ => {}
        }
        let start = i;
        // Whether the run has uppercase ASCII letters, and longer characters.
        let (mut upper, mut wide) = (false, false);
        loop {
            while i < n && ASCII_CLASS[bytes[i] as usize] == PLAIN {
                i += 1;
            }
            if i == n {
                break;
            }
            match ASCII_CLASS[bytes[i] as usize] {
                UPPER => {
                    upper = true;
                    i += 1;
                }
                WIDE => {
                    let c = text[i..].chars().next().expect("a character starts here");
                    if !c.is_alphanumeric() {
                        break;
                    }
                    wide = true;
                    i += c.len_utf8();
                }
                _ => {
                    if bytes[i] == b'.' && joins(&text[start..i]) && next_is_digit(&text[i + 1..]) {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
        }
        let word = &text[start..i];
        let term = if !wide {
            // ASCII: one byte per character.
            if word.len() > MAX_TERM_CHARS {
                continue;
            }
            if upper {
                lower.clear();
                lower.push_str(word);
                lower.make_ascii_lowercase();
                lower.as_str()
            } else {
                word
            }
        } else {
            if word.chars().count() > MAX_TERM_CHARS {
                continue;
            }
            *lower = word.to_lowercase();
            lower.as_str()
        };
        f(start, term, Key::of(term.as_bytes()));
    }
}

/// Classes of bytes for [`each_general_token`]: ASCII lowercase letters and digits, uppercase
/// letters, other ASCII, and the bytes of longer characters.
const PLAIN: u8 = 0;
const UPPER: u8 = 1;
const OTHER: u8 = 2;
const WIDE: u8 = 3;
const ASCII_CLASS: [u8; 256] = {
    let mut class = [WIDE; 256];
    let mut b = 0;
    while b < 128 {
        class[b] = match b as u8 {
            b'a'..=b'z' | b'0'..=b'9' => PLAIN,
            b'A'..=b'Z' => UPPER,
            _ => OTHER,
        };
        b += 1;
    }
    class
};

/// [`each_token`] of ASCII text: runs found in a bit mask of letters and digits (64 bytes at a
/// time, without a branch per byte), terms cut from a lowercased copy of the text in `lower`.
#[inline(always)]
fn each_ascii_token(text: &str, lower: &mut String, mut f: impl FnMut(usize, &str, Key)) {
    lower.clear();
    lower.push_str(text);
    lower.make_ascii_lowercase();
    let mut bits = AlnumBits::new(lower.as_bytes());
    let bytes = lower.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let start = bits.next(i, true);
        if start == n {
            break;
        }
        let mut end = bits.next(start, false);
        while end + 1 < n
            && bytes[end] == b'.'
            && bytes[end + 1].is_ascii_digit()
            && joins(&lower[start..end])
        {
            end = bits.next(end + 1, false);
        }
        if end - start <= MAX_TERM_CHARS {
            f(start, &lower[start..end], Key::within(bytes, start, end));
        }
        i = end;
    }
}

/// Which bytes of ASCII text are letters or digits, one bit each, computed 64 bytes at a time as
/// needed.
struct AlnumBits<'a> {
    bytes: &'a [u8],
    /// The 64-byte chunk `mask` is of.
    chunk: usize,
    mask: u64,
}

impl<'a> AlnumBits<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        AlnumBits {
            bytes,
            chunk: usize::MAX,
            mask: 0,
        }
    }

    /// The first index from `i` on whose byte is a letter or digit (`alnum`) or is not (or the
    /// text's length).
    #[inline(always)]
    fn next(&mut self, mut i: usize, alnum: bool) -> usize {
        let n = self.bytes.len();
        while i < n {
            let chunk = i / 64;
            if chunk != self.chunk {
                self.chunk = chunk;
                self.mask = alnum_mask(&self.bytes[chunk * 64..]);
            }
            let wanted = if alnum { self.mask } else { !self.mask } >> (i % 64);
            if wanted != 0 {
                return (i + wanted.trailing_zeros() as usize).min(n);
            }
            i = (chunk + 1) * 64;
        }
        n
    }
}

/// Bit k set if byte k of the first 64 of `bytes` is an ASCII letter or digit.
#[inline(always)]
fn alnum_mask(bytes: &[u8]) -> u64 {
    let mut mask = 0;
    for k in 0..8 {
        if 8 * k >= bytes.len() {
            break;
        }
        let high = alnum_bits(load8(bytes, 8 * k));
        // The high bits gathered into the top byte, byte j's at bit 56 + j: the product adds one
        // shifted copy per byte, and no two copies carry into that byte.
        let byte = ((high >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        mask |= byte << (8 * k);
    }
    mask
}

/// The high bit of every byte of a `u64`.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
/// One in every byte of a `u64`.
const ONES: u64 = 0x0101_0101_0101_0101;

/// The ASCII letters and digits among eight bytes of text (little-endian in a `u64`): the high bit
/// of each such byte set.
#[inline(always)]
fn alnum_bits(w: u64) -> u64 {
    let ascii = !w & HIGH_BITS;
    // Each byte's low seven bits with the high bit set: subtracting at most 0x80 from a byte
    // borrows nothing from the next, and leaves the high bit set iff the low bits are >= it.
    let x = w | HIGH_BITS;
    let at_least = |v: u64, c: u8| v.wrapping_sub(c as u64 * ONES);
    let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
    // Letters folded to lowercase (0x20 set) to test one range.
    let folded = x | (0x20 * ONES);
    let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
    (digit | letter) & ascii
}

/// The index of the first byte whose high bit is set in `mask` (not zero).
#[inline(always)]
fn first_byte(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The eight bytes of `bytes` from `i` (at most its length), little-endian, padded with zeros past
/// the end: a zero is not part of any term.
#[inline(always)]
fn load8(bytes: &[u8], i: usize) -> u64 {
    match bytes.get(i..i + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().expect("8 bytes")),
        None => {
            let mut padded = [0u8; 8];
            let rest = &bytes[i..];
            padded[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(padded)
        }
    }
}

/// The first byte of `hay` for which `hit` holds, looked for 32 bytes at a time (which compiles to
/// vector instructions).
#[inline(always)]
fn find_byte(hay: &[u8], hit: impl Fn(u8) -> bool + Copy) -> Option<usize> {
    let mut at = 0;
    while at + 32 <= hay.len() {
        let chunk: &[u8; 32] = hay[at..at + 32].try_into().expect("32 bytes");
        let mut any = 0u8;
        for &b in chunk {
            any |= hit(b) as u8;
        }
        if any != 0 {
            break;
        }
        at += 32;
    }
    hay[at..].iter().position(|&b| hit(b)).map(|i| at + i)
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
    let mut at = 0;
    while let Some(i) = find_byte(&bytes[at..], |b| (b == b'.') | (b == b'!') | (b == b'?')) {
        let i = at + i;
        at = i + 1;
        let end_of_sentence = bytes.get(i + 1) == Some(&b' ')
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

/// [`cut`]'s length without making it: (bytes, characters); `ascii` if `text` is known to be ASCII.
fn cut_size(text: &str, max: usize, ascii: bool) -> (usize, usize) {
    if text.len() <= max {
        let chars = if ascii {
            text.len()
        } else {
            text.chars().count()
        };
        return (text.len(), chars);
    }
    let end = if text.as_bytes()[..max].is_ascii() {
        // The first `max` characters are one byte each; the next one starts at `max`.
        Some(max)
    } else {
        text.char_indices().nth(max).map(|(i, _)| i)
    };
    let Some(end) = end else {
        return (text.len(), text.chars().count());
    };
    let head = &text[..end];
    let head = head.rfind(' ').map_or(head, |i| &head[..i]);
    let head = head.trim_end_matches([',', ';', ':', ' ']);
    (head.len() + '…'.len_utf8(), head.chars().count() + 1)
}

/// Append `value` in decimal.
fn push_decimal(out: &mut Vec<u8>, mut value: usize) {
    let mut digits = [0u8; 20];
    let mut n = digits.len();
    loop {
        n -= 1;
        digits[n] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[n..]);
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
    fn each_token_agrees_with_tokens() {
        let texts = [
            "See A.5.15, clause 9.2 and v1.2 (e.g. MFA).",
            "Zugriffsrechte für Ärzte: ÜBERSICHT über 3 Räume; Ωmega ß.",
            "CamelCase UPPER lower 42 x.1 .5 5. a.b.c 1.2.3.4 Z9.8",
            "𝔞b 𝔞c ﬁne İstanbul — “quoted” it’s",
            &format!("{} {} {}", "y".repeat(40), "Y".repeat(41), "é".repeat(40)),
            "",
            " .,;",
        ];
        for text in texts {
            let mut ours = Vec::new();
            each_token(text, &mut String::new(), |at, t, key| {
                assert_eq!(key, Key::of(t.as_bytes()), "{t:?}");
                ours.push((at, t.to_string()))
            });
            let reference: Vec<(usize, String)> =
                tokens(text).map(|(at, t)| (at, t.into_owned())).collect();
            assert_eq!(ours, reference, "{text:?}");
        }
    }

    /// Random text from pieces that meet every branch of [`each_token`], at every alignment.
    #[test]
    fn each_token_agrees_with_tokens_on_random_text() {
        let pieces = [
            "a",
            "Q",
            "z",
            "0",
            "9",
            ".",
            ".5",
            "5.",
            " ",
            "  ",
            "-",
            "@",
            "[",
            "`",
            "{",
            "/",
            ":",
            "\0",
            "\u{7f}",
            "abcdefgh",
            "ABCDEFGHIJ",
            "A.5.15",
            "v1.2.3",
            "e.g.",
            "x".repeat(38).leak(),
            "é",
            "É",
            "ß",
            "İ",
            "Σ",
            "𝔞",
            "—",
            "\u{a0}",
            "ﬁ",
            "٣",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        // The first pieces are ASCII: half of the texts take the ASCII path.
        let ascii = pieces.iter().position(|p| !p.is_ascii()).unwrap();
        for round in 0..40_000 {
            let len = next(if round % 4 == 0 { 120 } else { 24 });
            let from = if round % 2 == 0 { ascii } else { pieces.len() };
            let text: String = (0..len).map(|_| pieces[next(from)]).collect();
            let mut ours = Vec::new();
            each_token(&text, &mut String::new(), |at, t, key| {
                assert_eq!(key, Key::of(t.as_bytes()), "{t:?}");
                ours.push((at, t.to_string()))
            });
            let reference: Vec<(usize, String)> =
                tokens(&text).map(|(at, t)| (at, t.into_owned())).collect();
            assert_eq!(ours, reference, "{text:?}");
        }
    }

    fn document(id: &str) -> Document {
        Document {
            file: crate::diagnostics::FileId(0),
            path: format!("{id}.md"),
            id: id.into(),
            title: "Title".into(),
            description: None,
            kind: "policy".into(),
            order: None,
            fields: Default::default(),
            key_spans: Default::default(),
            item_spans: Default::default(),
            body_start: 0,
        }
    }

    /// The record of a body, from [`parse_doc`] and [`write_record`], and whether its words were
    /// kept wide; written again with wide words when they were narrow.
    fn record(html: &str) -> (String, bool) {
        record_with_status(html, None)
    }

    fn record_with_status(html: &str, status: Option<&str>) -> (String, bool) {
        let doc = document("doc");
        let mut terms = Terms::default();
        let mut parsed = parse_doc(&doc, html, &mut terms, &mut Scratch::default());
        let idf: Vec<f64> = (0..terms.names.len())
            .map(|t| 1.0 + (t % 7) as f64)
            .collect();
        let write = |parsed: &ParsedDoc| {
            let mut out = Vec::new();
            write_record(
                &doc,
                status,
                parsed,
                html,
                &idf,
                &mut out,
                &mut ExtractBuffers::default(),
            );
            String::from_utf8(out).unwrap()
        };
        let record = write(&parsed);
        let wide = match &parsed.words {
            Words::Wide(_) => true,
            Words::Narrow(words) => {
                parsed.words = Words::Wide(words.iter().map(|&w| w as u32).collect());
                assert_eq!(write(&parsed), record);
                false
            }
        };
        (record, wide)
    }

    #[test]
    fn documents_with_many_terms_keep_wide_words() {
        assert!(matches!(Words::new(&[65_535], 65_536), Words::Narrow(w) if w == [65_535]));
        assert!(matches!(Words::new(&[65_536], 65_537), Words::Wide(w) if w == [65_536]));
        let (small, wide) = record(
            "<p>Alpha beta. Gamma alpha.</p><h2 id=\"s\">Sec</h2><p>Delta beta epsilon.</p>",
        );
        assert!(!wide);
        assert_eq!(
            small,
            r#"["doc","Title","policy","","",["s","Sec"],[0,"Alpha beta.",0,"Gamma alpha.",1,"Delta beta epsilon."]]"#
        );
        let (retired, _) = record_with_status("<p>Alpha.</p>", Some("retired"));
        assert_eq!(
            retired, r#"["doc","Title","policy","","",[],[0,"Alpha."],"retired"]"#,
            "a document not in force says so, eighth"
        );
        // 70,000 distinct terms, ten to a sentence; the last ones under a heading.
        let mut html = String::from("<p>");
        for i in 0..70_000 {
            html.push_str(&format!("w{i}"));
            html.push_str(if i % 10 == 9 { ". " } else { " " });
            if i == 69_990 {
                html.push_str("</p><h2 id=\"end\">The end</h2><p>");
            }
        }
        html.push_str("</p>");
        let (large, wide) = record(&html);
        assert!(wide);
        assert!(large.contains(r#"["end","The end"]"#), "{large}");
    }

    #[test]
    fn cut_size_is_the_size_of_cut() {
        let long = "word, ".repeat(40);
        let wide = "wört; ".repeat(40);
        for text in ["short", long.as_str(), wide.as_str(), &"x".repeat(200)] {
            let cut = cut(text, 30);
            let size = (cut.len(), cut.chars().count());
            assert_eq!(cut_size(text, 30, false), size, "{text:?}");
            if text.is_ascii() {
                assert_eq!(cut_size(text, 30, true), size, "{text:?}");
            }
        }
    }

    #[test]
    fn interner_numbers_strings_as_met() {
        let mut interner = Interner::default();
        let words: Vec<String> = (0..5000)
            .map(|i| match i % 4 {
                0 => format!("w{i}"),
                1 => format!("{i}"),
                2 => format!("longer-term-number-{i}"),
                _ => "é".repeat(i % 30),
            })
            .collect();
        let mut first = std::collections::HashMap::new();
        for w in &words {
            let n = interner.intern(w);
            assert_eq!(*first.entry(w.clone()).or_insert(n), n);
            assert_eq!(interner.get(n), w);
        }
        assert_eq!(interner.len(), first.len());
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

    #[test]
    fn find_byte_finds_the_first() {
        let hit = |b: u8| (b == b'<') | (b == b'!');
        for len in 0..100 {
            for at in (0..len).chain([usize::MAX]) {
                for second in [None, Some(at.wrapping_add(1)), Some(len.saturating_sub(1))] {
                    let mut hay = vec![b'x'; len];
                    if at < len {
                        hay[at] = b'<';
                    }
                    if let Some(s) = second.filter(|&s| s < len) {
                        hay[s] = b'!';
                    }
                    let expected = hay.iter().position(|&b| hit(b));
                    assert_eq!(find_byte(&hay, hit), expected, "{len} {at} {second:?}");
                }
            }
        }
    }
}
