//! A small element tree read with quick-xml, bounded: nesting deeper than the limit is an error, a
//! DOCTYPE is refused (Office Open XML forbids DTDs, and refusing it means no entity is ever
//! expanded), and only the predefined and numeric character references are resolved.
//!
//! Names are canonical: the namespaces Word uses get their usual prefixes (`w:`, `r:`, `a:`,
//! `wp:`, `pic:`, `mc:`, `v:`, `dc:`) whatever prefix the file binds them to, so a document
//! written by another tool reads the same.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::Problem;

#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The `w:val` of the child `name`, e.g. `w:pStyle` → its style id.
    pub fn child_val(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(|c| c.attr("w:val"))
    }

    /// The first descendant named `name`, depth first (the tree's depth is bounded).
    pub fn descendant(&self, name: &str) -> Option<&Element> {
        for e in self.elements() {
            if e.name == name {
                return Some(e);
            }
            if let Some(found) = e.descendant(name) {
                return Some(found);
            }
        }
        None
    }

    /// All text below this element, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => {
                    if e.name == "w:tab" {
                        out.push(' ');
                    }
                    e.collect_text(out);
                    if e.name == "w:p" {
                        out.push(' ');
                    }
                }
            }
        }
    }
}

/// Whether an on/off property (`w:b`, `w:i`) is on: present, and not `w:val="false"`/`"0"`/`"off"`.
pub fn is_on(e: Option<&Element>) -> Option<bool> {
    e.map(|e| !matches!(e.attr("w:val"), Some("0" | "false" | "off" | "none")))
}

const NAMESPACES: &[(&str, &str)] = &[
    (
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "w",
    ),
    ("http://purl.oclc.org/ooxml/wordprocessingml/main", "w"),
    (
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "r",
    ),
    (
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
        "r",
    ),
    (
        "http://schemas.openxmlformats.org/package/2006/relationships",
        "rel",
    ),
    ("http://schemas.openxmlformats.org/drawingml/2006/main", "a"),
    ("http://purl.oclc.org/ooxml/drawingml/main", "a"),
    (
        "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        "wp",
    ),
    (
        "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing",
        "wp",
    ),
    (
        "http://schemas.openxmlformats.org/drawingml/2006/picture",
        "pic",
    ),
    ("http://purl.oclc.org/ooxml/drawingml/picture", "pic"),
    (
        "http://schemas.openxmlformats.org/markup-compatibility/2006",
        "mc",
    ),
    ("urn:schemas-microsoft-com:vml", "v"),
    ("http://purl.org/dc/elements/1.1/", "dc"),
    (
        "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
        "wps",
    ),
];

fn canonical(resolved: ResolveResult, local: &str) -> String {
    let prefix = match resolved {
        ResolveResult::Bound(ns) => NAMESPACES
            .iter()
            .find(|(uri, _)| *uri == ns.0)
            .map(|(_, p)| *p)
            .unwrap_or("other"),
        _ => "",
    };
    if prefix.is_empty() {
        local.to_string()
    } else {
        format!("{prefix}:{local}")
    }
}

/// Parses `bytes` (the part `part`) into its root element. `keep_text` says in which elements
/// text is kept (everything else is whitespace or content this reader does not use).
pub fn parse(
    part: &str,
    bytes: &[u8],
    max_depth: usize,
    keep_text: &[&str],
) -> Result<Element, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| Problem::NotUtf8 {
        part: part.to_string(),
        offset: e.valid_up_to(),
    })?;
    let mut reader = NsReader::from_str(text);
    let xml_error = |reader: &NsReader<&[u8]>, message: String| Problem::Xml {
        part: part.to_string(),
        offset: reader.error_position(),
        message,
    };
    // The open elements; the root is collected into `stack[0]`.
    let mut stack: Vec<Element> = vec![Element::default()];
    // Open elements inside one that is not kept.
    let mut skipping = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| xml_error(&reader, e.to_string()))?;
        match event {
            Event::Start(start) => {
                if stack.len() + skipping > max_depth {
                    return Err(Problem::TooDeep {
                        part: part.to_string(),
                        limit: max_depth,
                    });
                }
                if skipping > 0 || unused(stack.last(), &name_of(&reader, &start)) {
                    skipping += 1;
                } else {
                    stack.push(element_of(&reader, &start));
                }
            }
            Event::Empty(start) => {
                if skipping == 0 && !unused(stack.last(), &name_of(&reader, &start)) {
                    let element = element_of(&reader, &start);
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(Node::Element(element));
                    }
                }
            }
            Event::End(_) if skipping > 0 => skipping -= 1,
            Event::End(_) => {
                let Some(mut done) = stack.pop() else { break };
                done.children.shrink_to_fit();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => return Err(xml_error(&reader, "unexpected end tag".into())),
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if skipping > 0 => {}
            Event::Text(t) => push_text(&mut stack, keep_text, &t.xml10_content()),
            Event::CData(t) => {
                push_text(&mut stack, keep_text, &t);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => match &*r.xml10_content() {
                        "amp" => Some("&".into()),
                        "lt" => Some("<".into()),
                        "gt" => Some(">".into()),
                        "quot" => Some("\"".into()),
                        "apos" => Some("'".into()),
                        _ => None,
                    },
                    Err(_) => None,
                };
                // An undeclared entity is dropped; without a DOCTYPE none can be declared.
                if let Some(s) = resolved {
                    push_text(&mut stack, keep_text, &s);
                }
            }
            Event::DocType(_) => return Err(Problem::Doctype { part: part.into() }),
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if stack.len() != 1 {
        return Err(xml_error(&reader, "the file ends inside an element".into()));
    }
    let document = stack.pop().unwrap_or_default();
    document
        .children
        .into_iter()
        .find_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| Problem::Xml {
            part: part.to_string(),
            offset: 0,
            message: "no root element".into(),
        })
}

fn push_text(stack: &mut [Element], keep_text: &[&str], text: &str) {
    if let Some(current) = stack.last_mut()
        && keep_text.contains(&current.name.as_str())
    {
        match current.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => current.children.push(Node::Text(text.to_string())),
        }
    }
}

/// Whether an element is of no use to the converter, so neither it nor its content is kept:
/// formatting other than bold, italic, hidden and the style; bookmarks, proofing marks, section and
/// table layout. They are most of a part's elements.
fn unused(parent: Option<&Element>, name: &str) -> bool {
    let parent = parent.map(|p| p.name.as_str()).unwrap_or_default();
    match parent {
        "w:rPr" => !matches!(name, "w:b" | "w:i" | "w:rStyle" | "w:vanish"),
        "w:pPr" => !matches!(name, "w:pStyle" | "w:numPr" | "w:outlineLvl"),
        _ => matches!(
            name,
            "w:sectPr"
                | "w:proofErr"
                | "w:bookmarkStart"
                | "w:bookmarkEnd"
                | "w:lastRenderedPageBreak"
                | "w:tblPr"
                | "w:tblGrid"
                | "w:rsids"
        ),
    }
}

fn name_of(reader: &NsReader<&[u8]>, start: &BytesStart) -> String {
    let (ns, local) = reader.resolver().resolve_element(start.name());
    canonical(ns, local.as_ref())
}

fn element_of(reader: &NsReader<&[u8]>, start: &BytesStart) -> Element {
    let name = name_of(reader, start);
    let mut attrs = Vec::new();
    for attr in start.attributes().flatten() {
        let key = attr.key;
        if key.as_ref().starts_with("xmlns") {
            continue;
        }
        let (ns, local) = reader.resolver().resolve_attribute(key);
        let name = canonical(ns, local.as_ref());
        // Revision ids and other vendors' attributes are most of a part's attributes; the
        // converter reads neither, so they are not kept.
        if name.starts_with("w:rsid") || name.starts_with("other:") {
            continue;
        }
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| attr.value.clone().into_owned());
        attrs.push((name, value));
    }
    attrs.shrink_to_fit();
    Element {
        name,
        attrs,
        children: Vec::new(),
    }
}
