//! Reading rendered HTML as text: blocks (paragraphs, list items, table rows, headings) with
//! whitespace collapsed and character references decoded, `<style>` and `<script>` left out. Each
//! block can be read again from where its reading started, which the index's second pass uses to
//! fetch the sentences it keeps.

use super::{HIGH_BITS, ONES, alnum_bits, find_byte, first_byte, load8};

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
    let mut buffers = ExtractBuffers::default();
    extract_each(html, 0, &mut buffers, |heading, text, _| {
        blocks.push(match heading {
            Some((level, id)) => Block::Heading {
                level,
                id: {
                    let mut decoded = String::new();
                    decode_into(id, &mut decoded);
                    decoded
                },
                text: text.to_string(),
            },
            None => Block::Text(text.to_string()),
        });
        true
    });
    blocks
}

/// Buffers of [`extract_each`], reused from document to document.
#[derive(Default)]
pub(super) struct ExtractBuffers {
    text: Collapsed,
}

/// [`extract`] from byte `from` of `html`, calling `f` with each block: heading level and id as
/// written in the tag, character references not decoded (`None` for text), text, and where in
/// `html` its reading started; `f` returns whether to go on.
///
/// A block can be read again on its own from where its reading started: a text block from its
/// first text, where no heading, `<style>` or `<script>` is open and no text is pending; a heading
/// from its tag, which ends what came before.
pub(super) fn extract_each<'h>(
    html: &'h str,
    from: usize,
    buffers: &mut ExtractBuffers,
    mut f: impl FnMut(Option<(u8, &'h str)>, &str, usize) -> bool,
) {
    let text = &mut buffers.text;
    text.clear();
    let mut heading: Option<(u8, &'h str)> = None;
    // The name of the `<style>` or `<script>` being skipped.
    let mut skip: Option<u128> = None;
    // Where the current block's reading started.
    let mut block_at = from;
    let mut at = from;
    // Emit the pending block, if any; `false` when `f` asks to stop.
    let mut finish =
        |text: &mut Collapsed, heading: &mut Option<(u8, &'h str)>, block_at: usize| {
            let go = if let Some(h) = heading.take() {
                f(Some(h), &text.out, block_at)
            } else if !text.out.is_empty() {
                f(None, &text.out, block_at)
            } else {
                true
            };
            text.clear();
            go
        };
    while at < html.len() {
        let rest = &html[at..];
        let lt = find_byte(rest.as_bytes(), |b| b == b'<').unwrap_or(rest.len());
        if skip.is_none() && lt > 0 {
            let empty = text.out.is_empty();
            text.push_html(&rest[..lt]);
            if empty && !text.out.is_empty() && heading.is_none() {
                // The block's first text: it can be read again from here.
                block_at = at;
            }
        }
        if lt == rest.len() {
            break;
        }
        let rest = &rest[lt..];
        at += lt;
        if let Some(s) = skip {
            // Raw text: only the element's own end tag ends it; any other `<` (`a < b` in a
            // script) is text, even when a `>` follows later.
            if rest.starts_with("</") && tag_name(html.as_bytes(), at + 2, rest.len() - 2) == s {
                at += find_byte(rest.as_bytes(), |b| b == b'>').map_or(rest.len(), |i| i + 1);
                skip = None;
            } else {
                at += 1;
            }
            continue;
        }
        if rest.starts_with("<!--") {
            at = rest.find("-->").map_or(html.len(), |i| at + i + 3);
            continue;
        }
        let end = find_byte(rest.as_bytes(), |b| b == b'>').map_or(rest.len(), |i| i + 1);
        // Without a `>`, the tag is the rest but its last character.
        let tag_end = end.saturating_sub(1).max(1);
        let tag = rest.get(1..tag_end).unwrap_or(&rest[1..]);
        let tag_at = at;
        at += end;
        let closing = tag.starts_with('/');
        // The tag name as a number (see `name_key`).
        let raw = tag.trim_start_matches('/');
        let name = tag_name(
            html.as_bytes(),
            tag_at + 1 + tag.len() - raw.len(),
            raw.len(),
        );
        match name {
            tag::STYLE | tag::SCRIPT if !closing => skip = Some(name),
            tag::H1 | tag::H2 | tag::H3 | tag::H4 | tag::H5 | tag::H6 => {
                if !finish(text, &mut heading, block_at) {
                    return;
                }
                if closing {
                    block_at = at;
                } else {
                    let level = (name >> 8) as u8 - b'0';
                    heading = Some((level, id_attribute(tag).unwrap_or_default()));
                    // Read from its tag, a heading is read again the same.
                    block_at = tag_at;
                }
            }
            // Cells of a row read as one block: a snippet shows the row.
            tag::TD | tag::TH if !closing && !text.out.is_empty() => text.push_html(" · "),
            tag::P
            | tag::LI
            | tag::TR
            | tag::PRE
            | tag::BLOCKQUOTE
            | tag::DIV
            | tag::FIGURE
            | tag::DT
            | tag::DD
            | tag::UL
            | tag::OL
            | tag::TABLE
            | tag::BR
            | tag::HR
            | tag::FIGCAPTION
            | tag::SECTION
            | tag::TEXT
            | tag::TSPAN => {
                if heading.is_none() {
                    if !finish(text, &mut heading, block_at) {
                        return;
                    }
                    block_at = at;
                } else {
                    text.space = true;
                }
            }
            _ => {}
        }
    }
    finish(text, &mut heading, block_at);
}

/// A tag name of up to 16 bytes as one number, ASCII lowercase, little-endian; a longer one as
/// `u128::MAX`, which is no name below.
const fn name_key(name: &[u8]) -> u128 {
    if name.len() > 16 {
        return u128::MAX;
    }
    let mut key = 0;
    let mut i = 0;
    while i < name.len() {
        key |= (name[i].to_ascii_lowercase() as u128) << (8 * i);
        i += 1;
    }
    key
}

/// [`name_key`] of the tag name at byte `at` of `html`: its letters and digits there, but at most
/// `max` bytes. Read a word at a time: names are short, of a length hard to predict.
#[inline(always)]
fn tag_name(html: &[u8], at: usize, max: usize) -> u128 {
    let word = |i: usize| html.get(at + i..).map_or(0, |rest| load8(rest, 0));
    let (w0, w1, w2) = (word(0), word(8), word(16));
    let stop = |w: u64| !alnum_bits(w) & HIGH_BITS;
    let run = match (stop(w0), stop(w1), stop(w2)) {
        (s, _, _) if s != 0 => first_byte(s),
        (_, s, _) if s != 0 => 8 + first_byte(s),
        (_, _, s) if s != 0 => 16 + first_byte(s),
        _ => 24,
    };
    let len = run.min(max);
    if len > 16 {
        return u128::MAX;
    }
    // The first `n` bytes of `w`, lowercase: 0x20 set turns a letter lowercase and keeps a digit.
    let lower = |w: u64, n: usize| {
        let mask = u64::MAX.checked_shr(64 - 8 * n as u32).unwrap_or(0);
        (w | (0x20 * ONES)) & mask
    };
    (lower(w1, len.saturating_sub(8)) as u128) << 64 | lower(w0, len.min(8)) as u128
}

/// The tag names [`extract_each`] knows, as [`name_key`]s.
mod tag {
    use super::name_key;

    pub const STYLE: u128 = name_key(b"style");
    pub const SCRIPT: u128 = name_key(b"script");
    pub const H1: u128 = name_key(b"h1");
    pub const H2: u128 = name_key(b"h2");
    pub const H3: u128 = name_key(b"h3");
    pub const H4: u128 = name_key(b"h4");
    pub const H5: u128 = name_key(b"h5");
    pub const H6: u128 = name_key(b"h6");
    pub const TD: u128 = name_key(b"td");
    pub const TH: u128 = name_key(b"th");
    pub const P: u128 = name_key(b"p");
    pub const LI: u128 = name_key(b"li");
    pub const TR: u128 = name_key(b"tr");
    pub const PRE: u128 = name_key(b"pre");
    pub const BLOCKQUOTE: u128 = name_key(b"blockquote");
    pub const DIV: u128 = name_key(b"div");
    pub const FIGURE: u128 = name_key(b"figure");
    pub const DT: u128 = name_key(b"dt");
    pub const DD: u128 = name_key(b"dd");
    pub const UL: u128 = name_key(b"ul");
    pub const OL: u128 = name_key(b"ol");
    pub const TABLE: u128 = name_key(b"table");
    pub const BR: u128 = name_key(b"br");
    pub const HR: u128 = name_key(b"hr");
    pub const FIGCAPTION: u128 = name_key(b"figcaption");
    pub const SECTION: u128 = name_key(b"section");
    pub const TEXT: u128 = name_key(b"text");
    pub const TSPAN: u128 = name_key(b"tspan");
}

/// The value of the `id` attribute in a tag's text (`h2 id="x"`), as written.
fn id_attribute(tag: &str) -> Option<&str> {
    const ID: &str = " id=\"";
    let value = tag.find(ID)? + ID.len();
    let end = tag[value..].find('"')? + value;
    Some(&tag[value..end])
}

/// Text with runs of whitespace made one space and none at either end, made as it comes.
#[derive(Default)]
struct Collapsed {
    out: String,
    /// Whitespace came after the last of `out`.
    space: bool,
}

impl Collapsed {
    fn clear(&mut self) {
        self.out.clear();
        self.space = false;
    }

    /// Append text without whitespace.
    fn push_word(&mut self, word: &str) {
        if self.space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.space = false;
        self.out.push_str(word);
    }

    fn push_char(&mut self, c: char) {
        if c.is_whitespace() {
            self.space = true;
        } else {
            self.push_word(c.encode_utf8(&mut [0; 4]));
        }
    }

    /// Append text without character references.
    fn push_text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // `char::is_whitespace`: ASCII tab to carriage return and space, and a few longer
            // characters (see `may_be_space`).
            let width = if b < 0x80 {
                if matches!(b, b'\t'..=b'\r' | b' ') {
                    self.space = true;
                    i += 1;
                    continue;
                }
                1
            } else {
                let c = text[i..].chars().next().expect("a character starts here");
                if c.is_whitespace() {
                    self.space = true;
                    i += c.len_utf8();
                    continue;
                }
                c.len_utf8()
            };
            // A run of words with one space between them is copied as it is, up to the first byte
            // that may be whitespace other than such a space.
            let end = i
                + width
                + find_pair(&bytes[i + width..], |b, next| {
                    may_be_space(b) | ((b == b' ') & ((next == b' ') | may_be_space(next)))
                });
            self.push_word(&text[i..end]);
            i = end;
        }
    }

    /// Append text with HTML character references decoded.
    fn push_html(&mut self, raw: &str) {
        let mut rest = raw;
        while let Some(amp) = find_byte(rest.as_bytes(), |b| b == b'&') {
            self.push_text(&rest[..amp]);
            rest = &rest[amp..];
            match decode_reference(rest) {
                Some((c, len)) => {
                    self.push_char(c);
                    rest = &rest[len..];
                }
                None => {
                    self.push_word("&");
                    rest = &rest[1..];
                }
            }
        }
        self.push_text(rest);
    }
}

/// Whether `b` is ASCII whitespace other than a space or the first byte of a character that may be
/// whitespace.
fn may_be_space(b: u8) -> bool {
    // Not `matches!`, which compiles to a bit test that is not vectorised.
    (b.wrapping_sub(b'\t') <= b'\r' - b'\t') | (b == 0xC2) | (b.wrapping_sub(0xE1) <= 2)
}

/// The first index `i` of `hay` for which `hit(hay[i], hay[i + 1])` holds (with a space past the
/// end), or `hay.len()`; looked for 32 bytes at a time, then one by one.
#[inline(always)]
fn find_pair(hay: &[u8], hit: impl Fn(u8, u8) -> bool + Copy) -> usize {
    let mut at = 0;
    while at + 33 <= hay.len() {
        let window: &[u8; 33] = hay[at..at + 33].try_into().expect("33 bytes");
        // Not `any`, which stops early and is not vectorised.
        let mut any = 0u8;
        for k in 0..32 {
            any |= hit(window[k], window[k + 1]) as u8;
        }
        if any != 0 {
            break;
        }
        at += 32;
    }
    while at < hay.len() {
        if hit(hay[at], hay.get(at + 1).copied().unwrap_or(b' ')) {
            return at;
        }
        at += 1;
    }
    hay.len()
}

/// The character reference `rest` starts with (at its `&`), and its length in bytes. The `;` is
/// looked for among bytes: cutting the text at 12 bytes could split a character (and panicked).
fn decode_reference(rest: &str) -> Option<(char, usize)> {
    let semi = rest.as_bytes()[..rest.len().min(12)]
        .iter()
        .position(|&b| b == b';')?;
    let entity = &rest[1..semi];
    let c = match entity {
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
    }?;
    Some((c, semi + 1))
}

/// Append `raw` with HTML character references decoded.
pub(super) fn decode_into(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match decode_reference(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
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
    fn collapses_whitespace_and_decodes_as_it_reads() {
        let raw = [
            "  a  b\t\nc  ",
            "x\u{a0}y\u{2003}z\u{3000}",
            "&nbsp;a&#9;b&#xA0;c &amp;&lt;&gt;&quot;&apos;",
            "R&amp;D ééééééé and &ééééé; &unknown; &#x110000; & end",
            "· – ‘quoted’ 𝔞",
            "",
            "   ",
        ];
        for raw in raw {
            let mut decoded = String::new();
            decode_into(raw, &mut decoded);
            let expected = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut text = Collapsed::default();
            text.push_html(raw);
            assert_eq!(text.out, expected, "{raw:?}");
            // In pieces (as between tags), too.
            let mut text = Collapsed::default();
            let mut from = 0;
            for (i, c) in raw.char_indices() {
                if c == ' ' || !raw.contains('&') {
                    text.push_html(&raw[from..i]);
                    from = i;
                }
            }
            text.push_html(&raw[from..]);
            assert_eq!(text.out, expected, "{raw:?} in pieces");
        }
    }

    #[test]
    fn text_blocks_read_again_from_where_they_start() {
        let html = "<p>Intro  text.</p>\n<h2 id=\"a\">Head <em>one</em></h2><p>First. Second &amp; more.</p>\
            <!-- <p>not</p> --><table><tr><td>A</td><td>B</td></tr><tr><th>C</th></tr></table>\
            <svg><style>p{}</style><text>Label</text><tspan>x</tspan></svg><script>var a = 1;</script>\
            <ul><li>One<li>Two</ul>tail &lt;end&gt;";
        let mut buffers = ExtractBuffers::default();
        let mut blocks = Vec::new();
        extract_each(html, 0, &mut buffers, |heading, text, at| {
            if heading.is_none() {
                blocks.push((text.to_string(), at));
            }
            true
        });
        assert_eq!(blocks.len(), 9, "{blocks:?}");
        for (text, at) in blocks {
            let mut again = None;
            extract_each(
                html,
                at,
                &mut ExtractBuffers::default(),
                |heading, block, _| {
                    assert!(heading.is_none());
                    again = Some(block.to_string());
                    false
                },
            );
            assert_eq!(again.as_deref(), Some(text.as_str()));
        }
    }

    #[test]
    fn headings_read_again_from_their_tag() {
        let html = "<p>Intro.</p><h2 id=\"a&amp;b\">Head <em>one</em><p>in</p></h2><h3 id=\"c\">Two<h4>Three</h4>\
            <p>Text.</p><!-- <h2 id=\"x\">not</h2> --><svg><style>h2{}</style></svg><H3 ID=\"d\">Four";
        let mut buffers = ExtractBuffers::default();
        let mut headings = Vec::new();
        extract_each(html, 0, &mut buffers, |heading, text, at| {
            if let Some((level, id)) = heading {
                headings.push((level, id, text.to_string(), at));
            }
            true
        });
        assert_eq!(headings.len(), 4, "{headings:?}");
        for (level, id, text, at) in headings {
            let mut again = None;
            extract_each(html, at, &mut buffers, |heading, block, _| {
                again = heading.map(|(l, i)| (l, i, block.to_string()));
                false
            });
            assert_eq!(again, Some((level, id, text)));
        }
    }

    #[test]
    fn script_and_style_end_only_at_their_end_tag() {
        let html = "<p>Before.</p><script>if (a < b && c > d) { s = \"</b> <p>x\"; }\
            while (i < n) i++;</script><p>After.</p><style>a < b {} </styles> p{}</STYLE ><p>Last <b>word</b>.</p>\
            <script>unclosed < 1";
        assert_eq!(
            extract(html),
            [
                Block::Text("Before.".into()),
                Block::Text("After.".into()),
                Block::Text("Last word.".into()),
            ]
        );
    }

    #[test]
    fn tag_names_are_matched_without_case() {
        let html = "<P>One</P><DIV>Two</div><Figcaption>Three</FIGCAPTION><H2 ID=\"x\" id=\"y\">Four</h2>\
            <StYlE>p{}</sTyLe><blockquotes>Five</blockquotes><averyveryverylongtagname>Six<BR>7";
        assert_eq!(
            extract(html),
            [
                Block::Text("One".into()),
                Block::Text("Two".into()),
                Block::Text("Three".into()),
                Block::Heading {
                    level: 2,
                    id: "y".into(),
                    text: "Four".into()
                },
                Block::Text("FiveSix".into()),
                Block::Text("7".into()),
            ]
        );
    }

    #[test]
    fn tag_names_are_read_as_name_key_reads_them() {
        let tags = [
            "p",
            "P",
            "h2 id=\"x\"",
            "H3>",
            "td5",
            "x-y",
            "",
            "/",
            "é",
            "blockquote",
            "FigCaption",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnop q",
            "averyveryverylongtagname",
        ];
        for tag in tags {
            let len = tag
                .bytes()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(tag.len());
            let expected = name_key(&tag.as_bytes()[..len]);
            for max in [tag.len(), len, len.saturating_sub(1)] {
                let expected = if max < len {
                    name_key(&tag.as_bytes()[..max])
                } else {
                    expected
                };
                // At the end of the HTML, and with more after it.
                assert_eq!(tag_name(tag.as_bytes(), 0, max), expected, "{tag:?} {max}");
                let html = format!("<{tag}>more text after it");
                assert_eq!(tag_name(html.as_bytes(), 1, max), expected, "{tag:?} {max}");
            }
        }
    }

    #[test]
    fn find_pair_finds_the_first() {
        let hit = |b: u8, next: u8| (b == b'a') & (next == b'b') | (b == b'c') & (next == b' ');
        for len in 0..110 {
            for at in (0..len).chain([usize::MAX]) {
                for pair in [*b"ab", *b"cd", *b"c "] {
                    let mut hay = vec![b'x'; len];
                    for (k, &b) in pair.iter().enumerate() {
                        if let Some(x) = hay.get_mut(at.wrapping_add(k)) {
                            *x = b;
                        }
                    }
                    let expected = (0..len)
                        .find(|&i| hit(hay[i], hay.get(i + 1).copied().unwrap_or(b' ')))
                        .unwrap_or(len);
                    assert_eq!(find_pair(&hay, hit), expected, "{len} {at} {pair:?}");
                }
            }
        }
    }
}
