//! One pass over yaml-rust2's event stream, run before any YAML value is built.
//!
//! gray_matter turns YAML into values but keeps no positions, no scalar source text, and no
//! limits: a list nested a few thousand levels deep overflows the stack while the value is built
//! or dropped, and a few hundred bytes of nested aliases expand to billions of values. This pass
//! refuses both with a located error before gray_matter sees the text ([`Limits`]), and records
//! where every mapping key is written and how its scalar value was spelled ([`Outline`]), so that
//! frontmatter, `soa.yaml` and the ISMS data files share one reader of positions.
//!
//! The pass holds one frame per open collection (bounded by the depth limit) and one entry per
//! mapping key; it never materialises an alias.

use std::collections::HashMap;
use std::ops::Range;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Bounds on what a YAML text may make the reader build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Collections nested inside each other, aliases counted as what they stand for.
    pub depth: usize,
    /// Values that aliases stand for, summed over the whole text.
    pub alias_values: usize,
}

/// Generous for any handbook (frontmatter nests two or three levels and rarely uses an alias),
/// small enough that building and dropping the values stays far from the stack and memory limits.
pub const LIMITS: Limits = Limits {
    depth: 64,
    alias_values: 100_000,
};

/// A YAML text that could not be read or that breaks a [`Limits`] bound.
#[derive(Debug, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    /// Bytes of the text: from the position to the end of its line.
    pub span: Range<usize>,
    pub kind: ErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    TooDeep,
    TooManyAliasValues,
}

impl Error {
    /// What to tell an author who meets this error.
    pub fn help(&self) -> &'static str {
        self.kind.help()
    }
}

impl ErrorKind {
    /// What to tell an author who meets an error of this kind.
    pub fn help(self) -> &'static str {
        match self {
            ErrorKind::Syntax => {
                "check the indentation and quoting; values containing `: ` or starting with `[`, `{`, `*` \
                 or `&` need quotes"
            }
            ErrorKind::TooDeep => {
                "no handbook field needs this much nesting: flatten the structure, or quote the value \
                 if it is meant as text"
            }
            ErrorKind::TooManyAliasValues => {
                "write the values out instead of repeating anchors (`&name`) through aliases (`*name`)"
            }
        }
    }
}

/// Where the keys of a YAML text are written, in the order they appear.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outline {
    pub entries: Vec<Entry>,
}

/// One mapping key and, when its value is a scalar, how that scalar was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry of the mapping key this key sits under (through any sequences), `None` at the top.
    pub parent: Option<usize>,
    /// When the mapping holding this key is an item of a sequence: its position there.
    pub item: Option<usize>,
    pub key: String,
    /// The key as written (quotes included), in bytes of the text.
    pub key_span: Range<usize>,
    pub value: Option<Scalar>,
}

/// A scalar value: its text after unquoting, and whether it was written without quotes (and so
/// may be read by YAML as a number, a boolean or null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    pub text: String,
    pub plain: bool,
    /// Where the scalar starts, to the end of its line.
    pub span: Range<usize>,
}

impl Scalar {
    /// Whether YAML (1.2 core schema, as yaml-rust2 reads it) takes this scalar for a number.
    pub fn reads_as_number(&self) -> bool {
        self.plain
            && matches!(
                yaml_rust2::Yaml::from_str(&self.text),
                yaml_rust2::Yaml::Integer(_) | yaml_rust2::Yaml::Real(_)
            )
    }
}

impl Outline {
    /// The keys directly under `parent` (`None`: the top level), in order.
    pub fn children(&self, parent: Option<usize>) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.parent == parent)
    }

    /// The first key called `key` directly under `parent`.
    pub fn child(&self, parent: Option<usize>, key: &str) -> Option<(usize, &Entry)> {
        self.children(parent).find(|(_, e)| e.key == key)
    }

    /// The top-level key called `key`.
    pub fn top(&self, key: &str) -> Option<&Entry> {
        self.child(None, key).map(|(_, e)| e)
    }
}

/// Read `text` once: its outline, or the first syntax error or broken limit.
pub fn outline(text: &str, limits: Limits) -> Result<Outline, Error> {
    let mut pass = Pass {
        text,
        limits,
        positions: Positions::new(text),
        frames: Vec::new(),
        anchors: HashMap::new(),
        alias_values: 0,
        outline: Outline::default(),
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| pass.syntax_error(&e))?;
        match event {
            Event::StreamEnd => return Ok(pass.outline),
            // Frontmatter and data files are one document; a second one is gray_matter's to ignore.
            Event::DocumentEnd => return Ok(pass.outline),
            event => pass.event(event, mark)?,
        }
    }
}

struct Pass<'a> {
    text: &'a str,
    limits: Limits,
    positions: Positions<'a>,
    frames: Vec<Frame>,
    /// Per anchor id: how many values it stands for and how deep it nests.
    anchors: HashMap<usize, Size>,
    alias_values: usize,
    outline: Outline,
}

#[derive(Clone, Copy, Default)]
struct Size {
    values: usize,
    height: usize,
}

struct Frame {
    anchor: usize,
    mapping: bool,
    /// Values of this collection so far, itself included.
    values: usize,
    /// Height of the tallest child (0 when only scalars).
    child_height: usize,
    /// The entry whose value this collection is, or that the enclosing collection belongs to.
    owner: Option<usize>,
    /// In a mapping: the key just read, waiting for its value.
    pending_key: Option<usize>,
    /// In a mapping: the next node is a key.
    expect_key: bool,
    /// In a sequence: the position of the next item.
    next_item: usize,
    /// Position of this collection in its parent sequence.
    item: Option<usize>,
}

impl Pass<'_> {
    fn event(&mut self, event: Event, mark: Marker) -> Result<(), Error> {
        match event {
            Event::Scalar(value, style, anchor, _) => {
                let span = self.line_span(mark);
                self.node(
                    Size {
                        values: 1,
                        height: 0,
                    },
                    anchor,
                    Some((value, style, span)),
                );
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let mapping = matches!(event, Event::MappingStart(..));
                if self.frames.len() >= self.limits.depth {
                    return Err(self.too_deep(mark));
                }
                let (owner, item) = self.place_child();
                self.frames.push(Frame {
                    anchor,
                    mapping,
                    values: 1,
                    child_height: 0,
                    owner,
                    pending_key: None,
                    expect_key: true,
                    next_item: 0,
                    item,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.frames.pop() {
                    let size = Size {
                        values: frame.values,
                        height: frame.child_height + 1,
                    };
                    self.node(size, frame.anchor, None);
                }
            }
            Event::Alias(id) => {
                let size = self.anchors.get(&id).copied().unwrap_or_default();
                if self.frames.len() + size.height > self.limits.depth {
                    return Err(self.too_deep(mark));
                }
                self.alias_values = self.alias_values.saturating_add(size.values);
                if self.alias_values > self.limits.alias_values {
                    let span = self.line_span(mark);
                    return Err(Error {
                        message: format!(
                            "aliases expand to more than {} values",
                            self.limits.alias_values
                        ),
                        span,
                        kind: ErrorKind::TooManyAliasValues,
                    });
                }
                self.node(size, 0, None);
            }
            _ => {}
        }
        Ok(())
    }

    /// Where a collection starting now sits: the entry it belongs to and its position in a sequence.
    fn place_child(&mut self) -> (Option<usize>, Option<usize>) {
        match self.frames.last_mut() {
            None => (None, None),
            Some(frame) if frame.mapping => {
                if frame.expect_key {
                    // A complex key (`? [a, b]`): it has no name to record.
                    (None, None)
                } else {
                    (frame.pending_key.or(frame.owner), None)
                }
            }
            Some(frame) => {
                let item = frame.next_item;
                (frame.owner, Some(item))
            }
        }
    }

    /// A finished node (scalar, alias or closed collection) of `size` inside the current frame.
    fn node(
        &mut self,
        size: Size,
        anchor: usize,
        scalar: Option<(String, TScalarStyle, Range<usize>)>,
    ) {
        if anchor != 0 {
            self.anchors.insert(anchor, size);
        }
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        frame.values = frame.values.saturating_add(size.values);
        frame.child_height = frame.child_height.max(size.height);
        if !frame.mapping {
            frame.next_item += 1;
            return;
        }
        if frame.expect_key {
            frame.expect_key = false;
            frame.pending_key = None;
            if let Some((key, _, span)) = scalar {
                let key_span = span.start..key_end(self.text, span.start, span.end);
                self.outline.entries.push(Entry {
                    parent: frame.owner,
                    item: frame.item,
                    key,
                    key_span,
                    value: None,
                });
                frame.pending_key = Some(self.outline.entries.len() - 1);
            }
        } else {
            frame.expect_key = true;
            if let (Some(entry), Some((text, style, span))) = (frame.pending_key.take(), scalar) {
                self.outline.entries[entry].value = Some(Scalar {
                    text,
                    plain: style == TScalarStyle::Plain,
                    span,
                });
            }
        }
    }

    fn line_span(&mut self, mark: Marker) -> Range<usize> {
        let start = self.positions.byte(mark.index());
        let end = self.text[start..]
            .find(['\n', '\r'])
            .map_or(self.text.len(), |n| start + n);
        start..end
    }

    fn too_deep(&mut self, mark: Marker) -> Error {
        Error {
            message: format!("nested deeper than {} levels", self.limits.depth),
            span: self.line_span(mark),
            kind: ErrorKind::TooDeep,
        }
    }

    fn syntax_error(&mut self, e: &ScanError) -> Error {
        Error {
            message: e.info().to_string(),
            span: self.line_span(*e.marker()),
            kind: ErrorKind::Syntax,
        }
    }
}

/// The end of a key starting at `start` on a line ending at `line_end`: before the `:` that
/// follows it (quoted keys may contain `:`).
fn key_end(text: &str, start: usize, line_end: usize) -> usize {
    let line = &text[start..line_end];
    let search_from = match line.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => line[1..].find(*q as char).map_or(0, |n| n + 2),
        _ => 0,
    };
    line[search_from..]
        .find(':')
        .map_or(line_end, |n| start + search_from + n)
        .min(line_end)
}

/// yaml-rust2 counts characters; diagnostics want bytes. Markers arrive in increasing order, so a
/// cursor walks forward (and restarts in the rare case one goes back).
struct Positions<'a> {
    text: &'a str,
    ascii: bool,
    char_at: usize,
    byte_at: usize,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions {
            text,
            ascii: text.is_ascii(),
            char_at: 0,
            byte_at: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        if char_index < self.char_at {
            self.char_at = 0;
            self.byte_at = 0;
        }
        let mut chars = self.text[self.byte_at..].chars();
        while self.char_at < char_index {
            match chars.next() {
                Some(c) => {
                    self.byte_at += c.len_utf8();
                    self.char_at += 1;
                }
                None => break,
            }
        }
        self.byte_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bomb(levels: usize) -> String {
        let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n".to_string();
        for i in 1..levels {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        text
    }

    #[test]
    fn keys_values_and_spans() {
        let text =
            "id: x\n\"title\": 'A: b'\nversion: 1.10\ncontrols: [A.5.1]\nowner:\n  name: CISO\n";
        let outline = outline(text, LIMITS).unwrap();
        let top: Vec<&str> = outline
            .children(None)
            .map(|(_, e)| e.key.as_str())
            .collect();
        assert_eq!(top, ["id", "title", "version", "controls", "owner"]);
        let title = outline.top("title").unwrap();
        assert_eq!(&text[title.key_span.clone()], "\"title\"");
        assert_eq!(title.value.as_ref().unwrap().text, "A: b");
        assert!(!title.value.as_ref().unwrap().plain);
        let version = outline.top("version").unwrap().value.clone().unwrap();
        assert_eq!(version.text, "1.10");
        assert!(version.reads_as_number());
        assert_eq!(&text[version.span], "1.10");
        assert!(outline.top("controls").unwrap().value.is_none());
        let (owner, _) = outline.child(None, "owner").unwrap();
        let (_, name) = outline.child(Some(owner), "name").unwrap();
        assert_eq!(&text[name.key_span.clone()], "name");
        assert!(
            !outline
                .top("id")
                .unwrap()
                .value
                .as_ref()
                .unwrap()
                .reads_as_number()
        );
    }

    #[test]
    fn items_of_a_sequence_know_their_position() {
        let text = "plan:\n  - action: a\n  - action: b\n";
        let outline = outline(text, LIMITS).unwrap();
        let (plan, _) = outline.child(None, "plan").unwrap();
        let items: Vec<Option<usize>> = outline.children(Some(plan)).map(|(_, e)| e.item).collect();
        assert_eq!(items, [Some(0), Some(1)]);
    }

    #[test]
    fn non_ascii_positions_are_bytes() {
        let text = "title: Zugriffsrichtlinie für Ärzte\nowner: CISO\n";
        let outline = outline(text, LIMITS).unwrap();
        assert_eq!(
            &text[outline.top("owner").unwrap().key_span.clone()],
            "owner"
        );
    }

    #[test]
    fn deep_block_nesting_is_refused_with_a_position() {
        let mut text = "x:\n".to_string();
        for i in 0..3_000 {
            text.push_str(&"  ".repeat(i));
            text.push_str("- \n");
        }
        let err = outline(&text, LIMITS).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooDeep);
        assert_eq!(err.message, "nested deeper than 64 levels");
        let line = text[..err.span.start].matches('\n').count() + 1;
        assert!((60..70).contains(&line), "line {line}");
    }

    #[test]
    fn deep_flow_nesting_is_refused() {
        let text = format!("x: {}{}\n", "[".repeat(500), "]".repeat(500));
        let err = outline(&text, LIMITS).unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::TooDeep | ErrorKind::Syntax),
            "{err:?}"
        );
    }

    #[test]
    fn alias_bomb_is_refused_at_the_alias() {
        let text = bomb(10);
        let err = outline(&text, LIMITS).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooManyAliasValues);
        assert_eq!(err.message, "aliases expand to more than 100000 values");
        assert!(
            text[err.span.clone()].starts_with('*'),
            "{:?}",
            &text[err.span]
        );
    }

    #[test]
    fn a_few_aliases_are_fine() {
        assert!(outline(&bomb(3), LIMITS).is_ok());
    }

    #[test]
    fn deep_anchor_through_an_alias_counts_its_depth() {
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let text = format!("a: &a {deep}\nb: {}*a{}\n", "[".repeat(30), "]".repeat(30));
        let err = outline(&text, LIMITS).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooDeep);
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let text = "id: x\ntitle: [unclosed\nowner: y\n";
        let err = outline(text, LIMITS).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax);
        assert!(err.span.start > 6, "{err:?}");
    }
}
