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

/// The index files: (site-relative path, contents), in path order.
pub fn build(model: &Model) -> Vec<(String, String)> {
    let docs = &model.handbook.documents;
    let parsed: Vec<ParsedDoc> = docs
        .par_iter()
        .zip(model.bodies)
        .map(|(doc, body)| parse_doc(doc, &body.html))
        .collect();

    // Postings, in document order because documents are visited in order.
    let mut postings: HashMap<&str, Vec<(u32, u8)>> = HashMap::new();
    for (n, doc) in parsed.iter().enumerate() {
        for (term, flags) in &doc.terms {
            postings
                .entry(term.as_str())
                .or_default()
                .push((n as u32, *flags));
        }
    }
    let total = docs.len().max(1) as f64;
    let idf: HashMap<&str, f64> = postings
        .iter()
        .map(|(t, p)| (*t, (total / p.len() as f64).ln()))
        .collect();

    let mut files = Vec::new();
    // Term shards.
    let mut terms: Vec<(&str, String)> = postings
        .iter()
        .map(|(t, p)| (*t, encode_postings(p)))
        .collect();
    terms.sort_by(|a, b| js_order(a.0, b.0));
    let mut shard_first: Vec<&str> = Vec::new();
    let mut shard = String::new();
    let mut previous = "";
    let flush = |shard: &mut String, files: &mut Vec<(String, String)>| {
        if !shard.is_empty() {
            let n = files.len();
            let json = serde_json::to_string(&shard).expect("strings serialise");
            files.push((
                format!("{DIR}/t{n}.js"),
                format!("PolicybookSearch.terms({n},{});\n", script_safe(&json)),
            ));
            shard.clear();
        }
    };
    for (term, encoded) in &terms {
        if shard.is_empty() {
            shard_first.push(term);
            previous = "";
        } else {
            shard.push(' ');
        }
        // Front coding: how many UTF-16 units the term shares with the previous one, then the rest.
        let (units, bytes) = shared_prefix(previous, term);
        shard.push(ALPHABET[units] as char);
        shard.push_str(&term[bytes..]);
        shard.push(' ');
        shard.push_str(encoded);
        previous = term;
        if shard.len() >= SHARD_BYTES {
            flush(&mut shard, &mut files);
        }
    }
    flush(&mut shard, &mut files);

    // Document shards.
    let records: Vec<serde_json::Value> = parsed
        .par_iter()
        .zip(docs)
        .map(|(p, doc)| record(doc, p, &idf))
        .collect();
    for (n, chunk) in records.chunks(DOCS_PER_SHARD).enumerate() {
        let json = serde_json::to_string(chunk).expect("plain data serialises");
        files.push((
            format!("{DIR}/d{n}.js"),
            format!("PolicybookSearch.docs({n},{});\n", script_safe(&json)),
        ));
    }

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
    files.sort();
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
    a.encode_utf16().cmp(b.encode_utf16())
}

/// One document, read for the index.
struct ParsedDoc {
    /// Every term of the document with its flags.
    terms: Vec<(String, u8)>,
    /// Headings (level 2 and 3) as (anchor id, text); sentences point into this list.
    headings: Vec<(String, String)>,
    /// The body's sentences, for snippets.
    sentences: Vec<Sentence>,
    /// Characters of body text.
    text_chars: usize,
}

struct Sentence {
    /// 0 before the first heading, k under `headings[k - 1]`.
    section: usize,
    /// Cut to [`SENTENCE_CHARS`].
    text: String,
    /// Characters in `text`.
    len: usize,
    /// The terms of `text`, as indexes into `ParsedDoc::terms`, without repeats.
    words: Vec<u32>,
}

/// Terms of one document, numbered as met, with their flags and body count.
#[derive(Default)]
struct Terms {
    number: HashMap<String, u32, Fnv>,
    list: Vec<(String, u8, u32)>,
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
    fn add(&mut self, term: Cow<str>, flag: u8) -> u32 {
        let n = match self.number.get(term.as_ref()) {
            Some(&n) => n,
            None => {
                let n = self.list.len() as u32;
                let term = term.into_owned();
                self.number.insert(term.clone(), n);
                self.list.push((term, 0, 0));
                n
            }
        };
        let entry = &mut self.list[n as usize];
        if flag == 0 {
            entry.2 += 1;
        } else {
            entry.1 |= flag;
        }
        n
    }

    fn mark(&mut self, text: &str, flag: u8) {
        for (_, t) in tokens(text) {
            self.add(t, flag);
        }
    }
}

fn parse_doc(doc: &Document, html: &str) -> ParsedDoc {
    let mut terms = Terms::default();
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
    let mut section = 0;
    let mut text_chars = 0;
    for block in extract(html) {
        match block {
            Block::Heading { level, id, text } => {
                terms.mark(&text, HEADING);
                if (2..=3).contains(&level) && !id.is_empty() {
                    headings.push((id, text));
                    section = headings.len();
                }
            }
            Block::Text(text) => {
                text_chars += text.chars().count();
                for s in split_sentences(&text) {
                    let shown = cut(s, SENTENCE_CHARS);
                    let visible = shown.len();
                    let len = shown.chars().count();
                    let mut words = Vec::new();
                    for (at, t) in tokens(s) {
                        let n = terms.add(t, 0);
                        if at < visible && !words.contains(&n) {
                            words.push(n);
                        }
                    }
                    sentences.push(Sentence {
                        section,
                        len,
                        text: shown,
                        words,
                    });
                }
            }
        }
    }
    let terms = terms
        .list
        .into_iter()
        .map(|(t, f, count)| {
            let body = match count {
                0 => 0,
                1 => 1,
                2 | 3 => 2,
                _ => 3,
            };
            (t, f | body)
        })
        .collect();
    ParsedDoc {
        terms,
        headings,
        sentences,
        text_chars,
    }
}

/// What a result shows: `[id, title, type, owner, description, [heading id, heading text, …],
/// [section, sentence, …]]`. Section 0 is before the first heading, k is the k-th heading listed;
/// only headings of kept sentences are listed.
///
/// Sentences are picked greedily: each time the one whose not yet covered words have the highest
/// total inverse document frequency per character, until [`EXCERPT_PERCENT`] of the text is used
/// (within [`EXCERPT_MIN`] and [`EXCERPT_MAX`] characters). A query that
/// matches the body then usually finds one of its words in a kept sentence.
fn record(doc: &Document, parsed: &ParsedDoc, idf: &HashMap<&str, f64>) -> serde_json::Value {
    let weight: Vec<f64> = parsed
        .terms
        .iter()
        .map(|(t, flags)| {
            // Words of the title and id are shown (highlighted) in the result's title already.
            if flags & (TITLE | ID) != 0 {
                0.0
            } else {
                idf.get(t.as_str()).copied().unwrap_or(0.0)
            }
        })
        .collect();
    let mut covered = vec![false; weight.len()];
    let mut chosen: Vec<usize> = Vec::new();
    let mut budget = (parsed.text_chars * EXCERPT_PERCENT / 100).clamp(EXCERPT_MIN, EXCERPT_MAX);
    let take = |i: usize, chosen: &mut Vec<usize>, covered: &mut [bool], budget: &mut usize| {
        chosen.push(i);
        *budget = budget.saturating_sub(parsed.sentences[i].len);
        for &w in &parsed.sentences[i].words {
            covered[w as usize] = true;
        }
    };
    if doc.description.is_none() && !parsed.sentences.is_empty() {
        // Without a description the first sentence stands in for one.
        take(0, &mut chosen, &mut covered, &mut budget);
    }
    loop {
        let mut best: Option<(f64, usize)> = None;
        for (i, s) in parsed.sentences.iter().enumerate() {
            let len = s.len;
            if len > budget || chosen.contains(&i) {
                continue;
            }
            let gain: f64 = s
                .words
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
        take(i, &mut chosen, &mut covered, &mut budget);
    }
    chosen.sort_unstable();
    // Keep only the headings the kept sentences are under, renumbered.
    let mut headings: Vec<&str> = Vec::new();
    let mut renumber: HashMap<usize, usize> = HashMap::new();
    let mut sentences: Vec<serde_json::Value> = Vec::new();
    for i in chosen {
        let s = &parsed.sentences[i];
        let section = match s.section {
            0 => 0,
            k => *renumber.entry(k).or_insert_with(|| {
                let (id, text) = &parsed.headings[k - 1];
                headings.push(id);
                headings.push(text);
                headings.len() / 2
            }),
        };
        sentences.push(section.into());
        sentences.push(s.text.as_str().into());
    }
    let owner = doc
        .fields
        .get("owner")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    serde_json::json!([
        doc.id,
        doc.title,
        doc.kind,
        owner,
        doc.description
            .as_deref()
            .map(|d| cut(d, SENTENCE_CHARS))
            .unwrap_or_default(),
        headings,
        sentences,
    ])
}

/// Postings as one string: per document, `(doc - previous doc - 1) << 6 | flags` as a variable-length
/// number in [`ALPHABET`] (continuation digits first, most significant first, then one final digit).
fn encode_postings(postings: &[(u32, u8)]) -> String {
    let mut out = Vec::with_capacity(postings.len() * 2);
    let mut previous: i64 = -1;
    for &(doc, flags) in postings {
        let delta = (doc as i64 - previous - 1) as u64;
        previous = doc as i64;
        push_number(&mut out, (delta << FLAG_BITS) | flags as u64);
    }
    String::from_utf8(out).expect("ASCII alphabet")
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

/// Sentences of a block of text: split after `.`, `!` or `?` followed by a space and a capital
/// letter or digit.
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let end_of_sentence = matches!(b, b'.' | b'!' | b'?')
            && bytes.get(i + 1) == Some(&b' ')
            && bytes
                .get(i + 2)
                .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if end_of_sentence {
            out.push(text[start..=i].trim());
            start = i + 2;
        }
    }
    out.push(text[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// `text`, cut at a word boundary to at most `max` characters (plus an ellipsis).
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let head = head.rfind(' ').map_or(head, |i| &head[..i]);
    format!("{}…", head.trim_end_matches([',', ';', ':', ' ']))
}

/// A rendered body, read as text.
#[derive(Debug, PartialEq)]
enum Block {
    Heading { level: u8, id: String, text: String },
    Text(String),
}

/// The text of rendered HTML in blocks (paragraphs, list items, table cells, headings), with
/// entities decoded and `<style>`/`<script>` contents dropped.
fn extract(html: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut heading: Option<(u8, String)> = None;
    let mut skip: Option<&'static str> = None;
    let mut rest = html;
    let finish =
        |text: &mut String, heading: &mut Option<(u8, String)>, blocks: &mut Vec<Block>| {
            let t = collapse(text);
            text.clear();
            if let Some((level, id)) = heading.take() {
                blocks.push(Block::Heading { level, id, text: t });
            } else if !t.is_empty() {
                blocks.push(Block::Text(t));
            }
        };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip.is_none() {
                decode_into(rest, &mut text);
            }
            break;
        };
        if skip.is_none() {
            decode_into(&rest[..lt], &mut text);
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
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(s) = skip {
            if closing && name == s {
                skip = None;
            }
            continue;
        }
        match name.as_str() {
            "style" | "script" if !closing => {
                skip = Some(if name == "style" { "style" } else { "script" })
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                finish(&mut text, &mut heading, &mut blocks);
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
                    finish(&mut text, &mut heading, &mut blocks);
                } else {
                    text.push(' ');
                }
            }
            _ => {}
        }
    }
    finish(&mut text, &mut heading, &mut blocks);
    blocks
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

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
