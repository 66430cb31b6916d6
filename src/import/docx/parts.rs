//! The parts beside the body that give it meaning: relationships (link and image targets),
//! styles (which paragraph is a heading, a title or a list) and numbering (bullet or numbered).

use std::collections::HashMap;

use super::xml::{Element, is_on};

/// A relationship of the main document part: `rId7` → its target.
pub struct Relationship {
    pub kind: String,
    pub target: String,
    pub external: bool,
}

pub fn relationships(root: Option<&Element>) -> HashMap<String, Relationship> {
    let mut out = HashMap::new();
    for r in root.into_iter().flat_map(Element::elements) {
        if let (Some(id), Some(target)) = (r.attr("Id"), r.attr("Target")) {
            out.insert(
                id.to_string(),
                Relationship {
                    kind: r.attr("Type").unwrap_or_default().to_string(),
                    target: target.to_string(),
                    external: r.attr("TargetMode") == Some("External"),
                },
            );
        }
    }
    out
}

/// Resolves a relationship target relative to the folder of the part that owns it
/// (`word/` for `word/document.xml`): `media/a.png` → `word/media/a.png`, `/word/x` → `word/x`.
pub fn resolve_target(base_dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base_dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for p in target.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[derive(Default, Clone)]
pub struct Style {
    pub name: String,
    pub based_on: Option<String>,
    pub outline_level: Option<u8>,
    pub num: Option<(String, u8)>,
    pub bold: Option<bool>,
    pub italic: Option<bool>,
}

/// What a paragraph style means for the Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParagraphKind {
    Title,
    Subtitle,
    Heading(u8),
    TableOfContents,
    Normal,
}

pub struct Styles {
    by_id: HashMap<String, Style>,
}

impl Styles {
    pub fn read(root: Option<&Element>) -> Styles {
        let mut by_id = HashMap::new();
        for s in root.into_iter().flat_map(Element::elements) {
            if s.name != "w:style" {
                continue;
            }
            let Some(id) = s.attr("w:styleId") else {
                continue;
            };
            let ppr = s.child("w:pPr");
            let rpr = s.child("w:rPr");
            let style = Style {
                name: s.child_val("w:name").unwrap_or(id).to_string(),
                based_on: s.child_val("w:basedOn").map(str::to_string),
                outline_level: ppr
                    .and_then(|p| p.child_val("w:outlineLvl"))
                    .and_then(|v| v.parse().ok()),
                num: ppr.and_then(numbering_of),
                bold: is_on(rpr.and_then(|r| r.child("w:b"))),
                italic: is_on(rpr.and_then(|r| r.child("w:i"))),
            };
            by_id.insert(id.to_string(), style);
        }
        Styles { by_id }
    }

    /// The style and the styles it is based on, nearest first (at most 16; cycles stop).
    fn chain(&self, id: &str) -> Vec<(&str, &Style)> {
        let mut out: Vec<(&str, &Style)> = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            if out.len() >= 16 || out.iter().any(|(seen, _)| *seen == id) {
                break;
            }
            let Some((key, style)) = self.by_id.get_key_value(id) else {
                break;
            };
            out.push((key.as_str(), style));
            next = style.based_on.as_deref();
        }
        out
    }

    pub fn name(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    pub fn kind(&self, id: Option<&str>, direct_outline: Option<u8>) -> ParagraphKind {
        let chain = id.map(|id| self.chain(id)).unwrap_or_default();
        let names: Vec<String> = match id {
            Some(id) => std::iter::once(id.to_lowercase())
                .chain(chain.iter().map(|(_, s)| s.name.to_lowercase()))
                .collect(),
            None => Vec::new(),
        };
        for name in &names {
            let squashed = name.replace(' ', "");
            if squashed == "title" {
                return ParagraphKind::Title;
            }
            if squashed == "subtitle" {
                return ParagraphKind::Subtitle;
            }
            if let Some(n) = squashed.strip_prefix("heading")
                && let Ok(level @ 1..=9) = n.parse::<u8>()
            {
                return ParagraphKind::Heading(level);
            }
            if let Some(n) = squashed.strip_prefix("toc")
                && (n.is_empty() || n.parse::<u8>().is_ok())
            {
                return ParagraphKind::TableOfContents;
            }
        }
        let outline = direct_outline.or_else(|| chain.iter().find_map(|(_, s)| s.outline_level));
        match outline {
            Some(level @ 0..=8) => ParagraphKind::Heading(level + 1),
            _ => ParagraphKind::Normal,
        }
    }

    /// The numbering a paragraph style gives (list styles such as "List Bullet").
    pub fn numbering(&self, id: &str) -> Option<(String, u8)> {
        self.chain(id).iter().find_map(|(_, s)| s.num.clone())
    }

    /// The nesting Word's numbered list styles carry in their name ("List Bullet 2" is the
    /// second level, although its numbering is level 0 of a list of its own).
    pub fn list_level_from_name(&self, id: &str) -> Option<u8> {
        let name = self.name(id).to_lowercase();
        let n = ["list bullet ", "list number ", "list "]
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix))?;
        match n.trim().parse::<u8>() {
            Ok(n @ 2..=9) => Some(n - 1),
            _ => None,
        }
    }

    /// Bold and italic a character or paragraph style gives.
    pub fn emphasis(&self, id: &str) -> (Option<bool>, Option<bool>) {
        let chain = self.chain(id);
        let name = self.name(id).to_lowercase();
        let bold = chain
            .iter()
            .find_map(|(_, s)| s.bold)
            .or((name == "strong").then_some(true));
        let italic = chain
            .iter()
            .find_map(|(_, s)| s.italic)
            .or((name == "emphasis").then_some(true));
        (bold, italic)
    }
}

/// `w:numPr` of a paragraph's properties: (numId, ilvl); numId 0 means "no list".
pub fn numbering_of(ppr: &Element) -> Option<(String, u8)> {
    let num = ppr.child("w:numPr")?;
    let id = num.child_val("w:numId")?.to_string();
    let level = num
        .child_val("w:ilvl")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some((id, level))
}

/// The format of each list level: `numId` → `ilvl` → (numFmt, start).
pub struct Numbering {
    formats: HashMap<String, HashMap<u8, (String, u32)>>,
}

impl Numbering {
    pub fn read(root: Option<&Element>) -> Numbering {
        let mut abstracts: HashMap<&str, HashMap<u8, (String, u32)>> = HashMap::new();
        for a in root.into_iter().flat_map(Element::elements) {
            if a.name != "w:abstractNum" {
                continue;
            }
            let Some(id) = a.attr("w:abstractNumId") else {
                continue;
            };
            let mut levels = HashMap::new();
            for l in a.elements().filter(|l| l.name == "w:lvl") {
                let Some(level) = l.attr("w:ilvl").and_then(|v| v.parse().ok()) else {
                    continue;
                };
                let format = l.child_val("w:numFmt").unwrap_or("decimal").to_string();
                let start = l
                    .child_val("w:start")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                levels.insert(level, (format, start));
            }
            abstracts.insert(id, levels);
        }
        let mut formats = HashMap::new();
        for n in root.into_iter().flat_map(Element::elements) {
            if n.name != "w:num" {
                continue;
            }
            let (Some(id), Some(abs)) = (n.attr("w:numId"), n.child_val("w:abstractNumId")) else {
                continue;
            };
            if let Some(levels) = abstracts.get(abs) {
                formats.insert(id.to_string(), levels.clone());
            }
        }
        Numbering { formats }
    }

    /// (numFmt, start) of a list level; `None` when numbering.xml does not define it.
    pub fn format(&self, num_id: &str, level: u8) -> Option<&(String, u32)> {
        self.formats.get(num_id)?.get(&level)
    }
}
