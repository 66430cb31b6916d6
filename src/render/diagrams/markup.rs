//! A flat reading of the engine's SVG markup: tags with their attributes, and everything else
//! copied verbatim, so post-processing can rewrite tags without an XML tree.

use std::ops::Range;

// SVG post-processing

/// One piece of the SVG markup.
pub(super) enum Piece<'a> {
    /// Text, comments, CDATA, processing instructions: copied verbatim. The whole text of a
    /// `<style>` element is one `Raw` piece.
    Raw(&'a str),
    /// An opening (or self-closing) tag; its attributes are `Markup::attrs[attrs]`.
    Open {
        name: &'a str,
        attrs: Range<usize>,
        self_closing: bool,
    },
    /// A closing tag (`text` is copied verbatim).
    Close { name: &'a str, text: &'a str },
}

/// SVG markup split into pieces. The attributes of all tags share one vector, so tokenizing
/// allocates twice, not once per tag. Attribute values are kept escaped.
pub(super) struct Markup<'a> {
    pub(super) pieces: Vec<Piece<'a>>,
    pub(super) attrs: Vec<(&'a str, &'a str)>,
}

impl<'a> Markup<'a> {
    pub(super) fn attrs(&self, range: &Range<usize>) -> &[(&'a str, &'a str)] {
        &self.attrs[range.clone()]
    }

    /// Attributes of every opening tag.
    pub(super) fn all_attrs(&self) -> &[(&'a str, &'a str)] {
        &self.attrs
    }

    /// The index of the `Close` piece matching the `Open` piece at `open`, if the markup is
    /// balanced up to there.
    pub(super) fn matching_close(&self, open: usize) -> Option<usize> {
        let Piece::Open { name, .. } = &self.pieces[open] else {
            return None;
        };
        let mut depth = 0usize;
        for (i, p) in self.pieces.iter().enumerate().skip(open + 1) {
            match p {
                Piece::Open {
                    self_closing: false,
                    ..
                } => depth += 1,
                Piece::Close { name: closing, .. } => {
                    if depth == 0 {
                        return (closing == name).then_some(i);
                    }
                    depth -= 1;
                }
                _ => {}
            }
        }
        None
    }
}

/// The position of ASCII byte `c` in `s` at or after `from`, eight bytes at a time (the
/// lowest zero byte of `w ^ pattern` is found exactly by the usual `(w - 0x01…) & !w & 0x80…`
/// test). Most searches here end within a few dozen bytes (the next `<`, a closing quote),
/// where calling out to `memchr` costs more than it saves.
#[inline]
pub(super) fn find_byte(s: &str, from: usize, c: u8) -> Option<usize> {
    pub(super) const ONES: u64 = 0x0101_0101_0101_0101;
    pub(super) const HIGHS: u64 = 0x8080_8080_8080_8080;
    let b = s.as_bytes();
    let pattern = ONES * u64::from(c);
    let mut j = from;
    while let Some(chunk) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word) ^ pattern;
        let found = w.wrapping_sub(ONES) & !w & HIGHS;
        if found != 0 {
            return Some(j + (found.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    b.get(j..)?.iter().position(|&x| x == c).map(|p| j + p)
}

pub(super) fn tokenize(svg: &str) -> Markup<'_> {
    let mut pieces = Vec::with_capacity(svg.len() / 48);
    let mut attrs = Vec::with_capacity(svg.len() / 24);
    let mut i = 0;
    let mut text_start = 0;
    while let Some(at) = find_byte(svg, i, b'<') {
        i = at;
        let rest = &svg[i..];
        let special_end = if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else if rest.starts_with("<![CDATA[") {
            rest.find("]]>").map(|e| e + 3)
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest.find('>').map(|e| e + 1)
        } else {
            None
        };
        if let Some(len) = special_end {
            i += len;
            continue;
        }
        if let Some(after) = rest.strip_prefix("</") {
            let Some(end) = find_byte(after, 0, b'>') else {
                i += 1;
                continue;
            };
            if text_start < i {
                pieces.push(Piece::Raw(&svg[text_start..i]));
            }
            pieces.push(Piece::Close {
                name: after[..end].trim(),
                text: &rest[..end + 3],
            });
            i += end + 3;
            text_start = i;
            continue;
        }
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        let first_attr = attrs.len();
        let Some((name, self_closing, len)) = parse_tag(rest, &mut attrs) else {
            attrs.truncate(first_attr);
            i += 1;
            continue;
        };
        if text_start < i {
            pieces.push(Piece::Raw(&svg[text_start..i]));
        }
        pieces.push(Piece::Open {
            name,
            attrs: first_attr..attrs.len(),
            self_closing,
        });
        i += len;
        text_start = i;
        if !self_closing && (name == "style" || name == "script") {
            // Raw text: a `<` in a style sheet starts no tag.
            let mut end = svg.len();
            let mut from = i;
            while let Some(pos) = svg[from..].find("</") {
                let at = from + pos;
                if svg[at + 2..].starts_with(name) {
                    end = at;
                    break;
                }
                from = at + 2;
            }
            if i < end {
                pieces.push(Piece::Raw(&svg[i..end]));
            }
            i = end;
            text_start = end;
        }
    }
    if text_start < svg.len() {
        pieces.push(Piece::Raw(&svg[text_start..]));
    }
    Markup { pieces, attrs }
}

/// Parses the opening tag at the start of `s`, appending its attributes to `attrs`; returns
/// (name, self-closing, length).
pub(super) fn parse_tag<'a>(
    s: &'a str,
    attrs: &mut Vec<(&'a str, &'a str)>,
) -> Option<(&'a str, bool, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let name = &s[1..i];
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some((name, false, i + 1));
        }
        if b[i] == b'/' && b.get(i + 1) == Some(&b'>') {
            return Some((name, true, i + 2));
        }
        let start = i;
        while i < b.len()
            && b[i] != b'='
            && !b[i].is_ascii_whitespace()
            && b[i] != b'>'
            && b[i] != b'/'
        {
            i += 1;
        }
        let key = &s[start..i];
        if key.is_empty() {
            i += 1;
            continue;
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            attrs.push((key, ""));
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = *b.get(i)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let vstart = i + 1;
        let vend = find_byte(s, vstart, quote)?;
        attrs.push((key, &s[vstart..vend]));
        i = vend + 1;
    }
}
