//! The body walk: `w:body` → blocks (paragraphs with their kind and list level, tables), each
//! paragraph's runs already written as Markdown inline text. What cannot be carried over
//! (comments, tracked deletions, fields, footnotes, text boxes, charts, merged cells) is reported
//! with where it was.

use std::collections::{HashMap, HashSet};

use super::ReportLine;
use super::parts::{Numbering, ParagraphKind, Relationship, Styles, numbering_of};
use super::xml::{Element, Node, is_on};

pub struct List {
    pub num_id: String,
    pub level: u8,
    pub ordered: bool,
    pub start: u32,
}

pub struct Paragraph {
    pub kind: ParagraphKind,
    pub list: Option<List>,
    /// Markdown inline text (may contain hard breaks as `\` + newline).
    pub markdown: String,
    /// What a reader sees, for matching labels and titles.
    pub plain: String,
    pub location: String,
}

pub struct Cell {
    pub markdown: String,
    pub plain: String,
}

pub struct Table {
    pub rows: Vec<Vec<Cell>>,
    pub location: String,
}

pub enum Block {
    Paragraph(Paragraph),
    Table(Table),
}

/// Where inline text goes, which decides how breaks and pipes are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Paragraph,
    Heading,
    Cell,
}

enum Piece {
    Text {
        text: String,
        bold: bool,
        italic: bool,
        link: Option<String>,
    },
    Break,
    Image(String),
}

struct Field {
    instruction: String,
    in_result: bool,
}

pub struct Walker<'a> {
    pub styles: &'a Styles,
    pub numbering: &'a Numbering,
    pub rels: &'a HashMap<String, Relationship>,
    /// Relationship id → (file name in the handbook), for images present in the package.
    pub images: &'a HashMap<String, String>,
    /// Comment, footnote and endnote texts by id, to quote in the report.
    pub notes: &'a HashMap<String, String>,
    pub report: Vec<ReportLine>,
    pub used_images: Vec<String>,
    seen_images: HashSet<String>,
    fields: Vec<Field>,
    ignored_fields: usize,
    paragraphs: usize,
    tables: usize,
    quiet: bool,
}

impl<'a> Walker<'a> {
    pub fn new(
        styles: &'a Styles,
        numbering: &'a Numbering,
        rels: &'a HashMap<String, Relationship>,
        images: &'a HashMap<String, String>,
        notes: &'a HashMap<String, String>,
    ) -> Self {
        Walker {
            styles,
            numbering,
            rels,
            images,
            notes,
            report: Vec::new(),
            used_images: Vec::new(),
            seen_images: HashSet::new(),
            fields: Vec::new(),
            ignored_fields: 0,
            paragraphs: 0,
            tables: 0,
            quiet: false,
        }
    }

    fn note(&mut self, location: &str, message: impl Into<String>) {
        if !self.quiet {
            self.report.push(ReportLine {
                location: location.to_string(),
                message: message.into(),
            });
        }
    }

    /// The blocks of `w:body` (or of a content control inside it).
    pub fn blocks(&mut self, container: &Element, out: &mut Vec<Block>) {
        for e in container.elements() {
            match e.name.as_str() {
                "w:p" => {
                    self.paragraphs += 1;
                    let location = format!("paragraph {}", self.paragraphs);
                    let p = self.paragraph(e, &location, Mode::Paragraph);
                    out.push(Block::Paragraph(p));
                }
                "w:tbl" => {
                    self.tables += 1;
                    let location = format!("table {}", self.tables);
                    let t = self.table(e, &location);
                    out.push(Block::Table(t));
                }
                "w:sdt" => {
                    let gallery = e
                        .descendant("w:docPartGallery")
                        .and_then(|g| g.attr("w:val"))
                        .unwrap_or_default();
                    if gallery.eq_ignore_ascii_case("Table of Contents") {
                        let location = format!("after paragraph {}", self.paragraphs);
                        self.note(
                            &location,
                            "table of contents left out (the handbook builds its own navigation)",
                        );
                        // Walk it quietly: it opens and closes fields.
                        let was = std::mem::replace(&mut self.quiet, true);
                        let mut ignored = Vec::new();
                        if let Some(content) = e.child("w:sdtContent") {
                            let saved = (self.paragraphs, self.tables);
                            self.blocks(content, &mut ignored);
                            (self.paragraphs, self.tables) = saved;
                        }
                        self.quiet = was;
                    } else if let Some(content) = e.child("w:sdtContent") {
                        self.blocks(content, out);
                    }
                }
                "w:customXml" | "w:ins" | "w:moveTo" => self.blocks(e, out),
                "mc:AlternateContent" => {
                    if let Some(choice) = alternate(e) {
                        self.blocks(choice, out);
                    }
                }
                _ => {}
            }
        }
    }

    fn paragraph(&mut self, p: &Element, location: &str, mode: Mode) -> Paragraph {
        let ppr = p.child("w:pPr");
        let style = ppr.and_then(|p| p.child_val("w:pStyle"));
        let outline = ppr
            .and_then(|p| p.child_val("w:outlineLvl"))
            .and_then(|v| v.parse().ok());
        let kind = self.styles.kind(style, outline);
        let direct = ppr.and_then(numbering_of);
        let from_style = direct.is_none();
        let num = direct
            .or_else(|| style.and_then(|s| self.styles.numbering(s)))
            .filter(|(id, _)| id != "0");
        let list = match (&kind, num) {
            (ParagraphKind::Normal, Some((num_id, level))) => {
                let format = self.numbering.format(&num_id, level).cloned();
                let (ordered, start) = match &format {
                    Some((f, start)) => (f != "bullet" && f != "none", *start),
                    None => {
                        self.note(
                            location,
                            "list item whose numbering is not defined in the file: written as a \
                             bullet",
                        );
                        (false, 1)
                    }
                };
                let nesting = match (from_style, level, style) {
                    (true, 0, Some(style)) => self.styles.list_level_from_name(style),
                    _ => None,
                };
                Some(List {
                    num_id,
                    level: nesting.unwrap_or(level).min(8),
                    ordered,
                    start,
                })
            }
            _ => None,
        };
        let was = self.quiet;
        if kind == ParagraphKind::TableOfContents {
            self.quiet = true;
        }
        let mode = match (mode, kind) {
            (Mode::Paragraph, ParagraphKind::Heading(_) | ParagraphKind::Title) => Mode::Heading,
            (mode, _) => mode,
        };
        let reported_before = self.report.len();
        let mut pieces = Vec::new();
        self.inlines(p, None, location, &mut pieces);
        self.quiet = was;
        let plain = plain_text(&pieces);
        let markdown = render(&pieces, mode);
        // A body paragraph is found in Word by its words, not its number: quote its start.
        let location = if mode == Mode::Cell || plain.is_empty() {
            location.to_string()
        } else {
            let start: String = plain.chars().take(40).collect();
            let more = if start.len() < plain.len() { "…" } else { "" };
            let quoted = format!("{location} «{start}{more}»");
            for line in &mut self.report[reported_before..] {
                if line.location == location {
                    line.location = quoted.clone();
                }
            }
            quoted
        };
        Paragraph {
            kind,
            list,
            markdown,
            plain,
            location,
        }
    }

    fn inlines(
        &mut self,
        container: &Element,
        link: Option<&str>,
        location: &str,
        out: &mut Vec<Piece>,
    ) {
        for e in container.elements() {
            match e.name.as_str() {
                "w:r" => self.run(e, link, location, out),
                "w:hyperlink" => {
                    let target = self.link_target(e, location);
                    let target = target.as_deref().or(link);
                    self.inlines(e, target, location, out);
                }
                "w:ins" | "w:moveTo" => {
                    self.note(location, "tracked insertion accepted");
                    self.inlines(e, link, location, out);
                }
                "w:del" | "w:moveFrom" => {
                    let deleted = deleted_text(e);
                    self.note(
                        location,
                        format!("tracked deletion left out: «{}»", snippet(&deleted)),
                    );
                }
                "w:fldSimple" => {
                    let instruction = e.attr("w:instr").unwrap_or_default().trim().to_string();
                    let field_link = hyperlink_field(&instruction);
                    if field_link.is_none() {
                        self.note(
                            location,
                            format!("field `{instruction}` kept as the text Word last showed"),
                        );
                    }
                    let target = field_link.as_deref().or(link);
                    self.inlines(e, target, location, out);
                }
                "w:smartTag" | "w:customXml" | "w:dir" | "w:bdo" => {
                    self.inlines(e, link, location, out)
                }
                "w:sdt" => {
                    if let Some(content) = e.child("w:sdtContent") {
                        self.inlines(content, link, location, out);
                    }
                }
                "mc:AlternateContent" => {
                    if let Some(choice) = alternate(e) {
                        self.inlines(choice, link, location, out);
                    }
                }
                "other:oMath" | "other:oMathPara" => {
                    self.note(location, "equation left out");
                }
                _ => {}
            }
        }
    }

    fn link_target(&mut self, e: &Element, location: &str) -> Option<String> {
        if let Some(id) = e.attr("r:id") {
            let Some(rel) = self.rels.get(id) else {
                self.note(
                    location,
                    format!("link `{id}` has no target in the file: text kept"),
                );
                return None;
            };
            let target = rel.target.trim();
            if target.len() > 4 && target[..4].eq_ignore_ascii_case("www.") {
                self.note(
                    location,
                    format!("link `{target}` written as https://{target}"),
                );
                return Some(format!("https://{target}"));
            }
            let scheme = target.split_once(':').map(|(s, _)| s).filter(|s| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            });
            return match scheme {
                Some(s) if !s.eq_ignore_ascii_case("file") && s.len() > 1 => {
                    let anchor = e
                        .attr("w:anchor")
                        .map(|a| format!("#{a}"))
                        .unwrap_or_default();
                    Some(format!("{target}{anchor}"))
                }
                _ => {
                    self.note(
                        location,
                        format!(
                            "link to the local file `{target}` left out (text kept); link to the \
                             document's id instead"
                        ),
                    );
                    None
                }
            };
        }
        if let Some(anchor) = e.attr("w:anchor") {
            self.note(
                location,
                format!("link to the bookmark `{anchor}` inside the document left out (text kept)"),
            );
        }
        None
    }

    fn field_link(&self) -> Option<String> {
        self.fields
            .iter()
            .rev()
            .filter(|f| f.in_result)
            .find_map(|f| hyperlink_field(&f.instruction))
    }

    fn in_instruction(&self) -> bool {
        self.fields.iter().any(|f| !f.in_result)
    }

    fn run(&mut self, r: &Element, link: Option<&str>, location: &str, out: &mut Vec<Piece>) {
        let rpr = r.child("w:rPr");
        let (style_bold, style_italic) = rpr
            .and_then(|p| p.child_val("w:rStyle"))
            .map(|s| self.styles.emphasis(s))
            .unwrap_or_default();
        let bold = is_on(rpr.and_then(|p| p.child("w:b")))
            .or(style_bold)
            .unwrap_or(false);
        let italic = is_on(rpr.and_then(|p| p.child("w:i")))
            .or(style_italic)
            .unwrap_or(false);
        if is_on(rpr.and_then(|p| p.child("w:vanish"))) == Some(true) {
            let hidden = r.text();
            if !hidden.trim().is_empty() {
                self.note(
                    location,
                    format!("hidden text left out: «{}»", snippet(&hidden)),
                );
            }
            return;
        }
        for c in r.elements() {
            let field_link = self.field_link();
            let link = field_link.as_deref().or(link).map(str::to_string);
            let text = |s: &str, out: &mut Vec<Piece>| {
                out.push(Piece::Text {
                    text: s.to_string(),
                    bold,
                    italic,
                    link: link.clone(),
                })
            };
            match c.name.as_str() {
                "w:t" if !self.in_instruction() => text(&c.text(), out),
                "w:tab" | "w:ptab" if !self.in_instruction() => text(" ", out),
                "w:noBreakHyphen" => text("-", out),
                "w:br" => match c.attr("w:type") {
                    Some("page" | "column") => {}
                    _ => out.push(Piece::Break),
                },
                "w:cr" => out.push(Piece::Break),
                "w:sym" => self.note(
                    location,
                    format!(
                        "symbol character {} of font {} left out",
                        c.attr("w:char").unwrap_or("?"),
                        c.attr("w:font").unwrap_or("?")
                    ),
                ),
                "w:fldChar" => match c.attr("w:fldCharType") {
                    // Fields nest a few levels in real documents; beyond 16 they are counted,
                    // not kept, so a hostile file cannot make each run cost the whole stack.
                    Some("begin") if self.fields.len() >= 16 => self.ignored_fields += 1,
                    Some("begin") => self.fields.push(Field {
                        instruction: String::new(),
                        in_result: false,
                    }),
                    Some("separate") => {
                        if let Some(f) = self.fields.last_mut() {
                            f.in_result = true;
                            let instruction = f.instruction.trim().to_string();
                            let kind = instruction.split_whitespace().next().unwrap_or("");
                            if !kind.eq_ignore_ascii_case("HYPERLINK")
                                && !kind.eq_ignore_ascii_case("TOC")
                                && !kind.eq_ignore_ascii_case("PAGEREF")
                            {
                                self.note(
                                    location,
                                    format!(
                                        "field `{instruction}` kept as the text Word last showed"
                                    ),
                                );
                            }
                        }
                    }
                    Some("end") if self.ignored_fields > 0 => self.ignored_fields -= 1,
                    Some("end") => {
                        self.fields.pop();
                    }
                    _ => {}
                },
                "w:instrText" => {
                    if let Some(f) = self.fields.last_mut() {
                        f.instruction.push_str(&c.text());
                    }
                }
                "w:drawing" => self.drawing(c, location, out),
                "w:pict" => self.picture(c, location, out),
                "w:object" => self.note(location, "embedded object (OLE) left out"),
                "w:footnoteReference" | "w:endnoteReference" => {
                    let kind = if c.name == "w:footnoteReference" {
                        "footnote"
                    } else {
                        "endnote"
                    };
                    let id = c.attr("w:id").unwrap_or_default();
                    let quoted = self.notes.get(&format!("{kind}:{id}")).cloned();
                    self.note(
                        location,
                        format!(
                            "{kind} left out: «{}»; add it to the text by hand",
                            snippet(quoted.as_deref().unwrap_or(""))
                        ),
                    );
                }
                "w:commentReference" => {
                    let id = c.attr("w:id").unwrap_or_default();
                    let quoted = self.notes.get(&format!("comment:{id}")).cloned();
                    self.note(
                        location,
                        format!(
                            "comment left out: «{}»",
                            snippet(quoted.as_deref().unwrap_or(""))
                        ),
                    );
                }
                "mc:AlternateContent" => {
                    if let Some(choice) = alternate(c) {
                        for inner in choice.elements() {
                            match inner.name.as_str() {
                                "w:drawing" => self.drawing(inner, location, out),
                                "w:pict" => self.picture(inner, location, out),
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn image(&mut self, rel_id: &str, alt: &str, location: &str, out: &mut Vec<Piece>) {
        let Some(name) = self.images.get(rel_id) else {
            self.note(
                location,
                format!("image `{rel_id}` is not in the file: left out"),
            );
            return;
        };
        let name = name.clone();
        if alt.trim().is_empty() {
            self.note(
                location,
                format!("image `{name}` has no alternative text: add a description"),
            );
        }
        let lower = name.to_lowercase();
        if lower.ends_with(".emf")
            || lower.ends_with(".wmf")
            || lower.ends_with(".tif")
            || lower.ends_with(".tiff")
        {
            self.note(
                location,
                format!("image `{name}` is in a format browsers do not show: convert it to PNG"),
            );
        }
        if self.seen_images.insert(name.clone()) {
            self.used_images.push(name.clone());
        }
        out.push(Piece::Image(format!(
            "![{}](images/{})",
            escape(alt.trim(), Mode::Heading),
            name
        )));
    }

    fn drawing(&mut self, d: &Element, location: &str, out: &mut Vec<Piece>) {
        let alt = d
            .descendant("wp:docPr")
            .and_then(|p| p.attr("descr").or(p.attr("title")))
            .unwrap_or_default()
            .to_string();
        if let Some(blip) = d.descendant("a:blip") {
            match (blip.attr("r:embed"), blip.attr("r:link")) {
                (Some(id), _) => self.image(id, &alt, location, out),
                (None, Some(_)) => {
                    self.note(location, "image linked from outside the file left out")
                }
                _ => self.note(location, "image without data left out"),
            }
        } else if let Some(text_box) = d.descendant("w:txbxContent") {
            self.note(
                location,
                format!("text box left out: «{}»", snippet(&text_box.text())),
            );
        } else {
            self.note(location, "drawing (chart, diagram or shape) left out");
        }
    }

    fn picture(&mut self, p: &Element, location: &str, out: &mut Vec<Piece>) {
        if let Some(text_box) = p.descendant("w:txbxContent") {
            self.note(
                location,
                format!("text box left out: «{}»", snippet(&text_box.text())),
            );
        } else if let Some(id) = p.descendant("v:imagedata").and_then(|i| i.attr("r:id")) {
            let alt = p
                .descendant("v:shape")
                .and_then(|s| s.attr("alt"))
                .unwrap_or_default()
                .to_string();
            self.image(id, &alt, location, out);
        } else {
            self.note(location, "drawing (VML shape) left out");
        }
    }

    fn table(&mut self, tbl: &Element, location: &str) -> Table {
        let mut rows = Vec::new();
        for (r, tr) in rows_of(tbl).into_iter().enumerate() {
            let row_location = format!("{location}, row {}", r + 1);
            let mut cells = Vec::new();
            let before = tr
                .child("w:trPr")
                .and_then(|p| p.child_val("w:gridBefore"))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            for _ in 0..before.min(64) {
                cells.push(Cell {
                    markdown: String::new(),
                    plain: String::new(),
                });
            }
            for (c, tc) in cells_of(tr).into_iter().enumerate() {
                let tcpr = tc.child("w:tcPr");
                let span = tcpr
                    .and_then(|p| p.child_val("w:gridSpan"))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 64);
                let continued = tcpr
                    .and_then(|p| p.child("w:vMerge"))
                    .is_some_and(|m| m.attr("w:val") != Some("restart"));
                let cell = if continued {
                    self.note(
                        &row_location,
                        format!(
                            "cell {} is merged with the cell above: left empty here",
                            c + 1
                        ),
                    );
                    Cell {
                        markdown: String::new(),
                        plain: String::new(),
                    }
                } else {
                    self.cell(tc, &row_location)
                };
                cells.push(cell);
                if span > 1 {
                    self.note(
                        &row_location,
                        format!(
                            "cell {} spans {span} columns: its text is in the first, the others \
                             are empty",
                            c + 1
                        ),
                    );
                    for _ in 1..span {
                        cells.push(Cell {
                            markdown: String::new(),
                            plain: String::new(),
                        });
                    }
                }
            }
            rows.push(cells);
        }
        Table {
            rows,
            location: location.to_string(),
        }
    }

    fn cell(&mut self, tc: &Element, location: &str) -> Cell {
        let mut markdown = Vec::new();
        let mut plain = Vec::new();
        let mut blocks = Vec::new();
        self.cell_blocks(tc, location, &mut blocks);
        for p in blocks {
            if p.markdown.is_empty() {
                continue;
            }
            let marker = match &p.list {
                Some(l) if l.ordered => "1. ".to_string(),
                Some(_) => "• ".to_string(),
                None => String::new(),
            };
            markdown.push(format!("{marker}{}", p.markdown));
            plain.push(p.plain);
        }
        Cell {
            markdown: markdown.join("<br>"),
            plain: plain.join(" ").trim().to_string(),
        }
    }

    fn cell_blocks(&mut self, container: &Element, location: &str, out: &mut Vec<Paragraph>) {
        for e in container.elements() {
            match e.name.as_str() {
                "w:p" => out.push(self.paragraph(e, location, Mode::Cell)),
                "w:tbl" => {
                    self.note(
                        location,
                        "table inside a table cell: its cells were joined into the outer cell",
                    );
                    for tr in rows_of(e) {
                        for tc in cells_of(tr) {
                            self.cell_blocks(tc, location, out);
                        }
                    }
                }
                "w:sdt" => {
                    if let Some(content) = e.child("w:sdtContent") {
                        self.cell_blocks(content, location, out);
                    }
                }
                "w:customXml" => self.cell_blocks(e, location, out),
                _ => {}
            }
        }
    }
}

fn rows_of(tbl: &Element) -> Vec<&Element> {
    let mut out = Vec::new();
    for e in tbl.elements() {
        match e.name.as_str() {
            "w:tr" => out.push(e),
            "w:sdt" | "w:customXml" => {
                if let Some(content) = e.child("w:sdtContent").or(Some(e)) {
                    out.extend(content.elements().filter(|r| r.name == "w:tr"));
                }
            }
            _ => {}
        }
    }
    out
}

fn cells_of(tr: &Element) -> Vec<&Element> {
    let mut out = Vec::new();
    for e in tr.elements() {
        match e.name.as_str() {
            "w:tc" => out.push(e),
            "w:sdt" | "w:customXml" => {
                if let Some(content) = e.child("w:sdtContent").or(Some(e)) {
                    out.extend(content.elements().filter(|c| c.name == "w:tc"));
                }
            }
            _ => {}
        }
    }
    out
}

/// The branch of `mc:AlternateContent` to read: the first `mc:Choice`, else `mc:Fallback`.
fn alternate(e: &Element) -> Option<&Element> {
    e.child("mc:Choice").or_else(|| e.child("mc:Fallback"))
}

fn deleted_text(e: &Element) -> String {
    let mut out = String::new();
    for n in &e.children {
        if let Node::Element(c) = n {
            if c.name == "w:delText" || c.name == "w:t" {
                out.push_str(&c.text());
            } else {
                out.push_str(&deleted_text(c));
            }
        }
    }
    out
}

/// The URL of a `HYPERLINK "url"` field instruction (`\l` bookmarks are not links out).
fn hyperlink_field(instruction: &str) -> Option<String> {
    let rest = instruction.trim().strip_prefix("HYPERLINK")?.trim();
    if rest.starts_with("\\l") {
        return None;
    }
    let url = rest.strip_prefix('"')?.split('"').next()?;
    (!url.is_empty() && url.contains(':')).then(|| url.to_string())
}

/// At most about 80 characters of `text`, on one line.
pub fn snippet(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        let cut: String = one_line.chars().take(79).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

fn plain_text(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text { text, .. } => out.push_str(text),
            Piece::Break => out.push(' '),
            Piece::Image(_) => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Markdown for a run of pieces: links and emphasis grouped, text escaped, breaks as the mode
/// needs them; each line starting with something Markdown would read as a block is escaped.
fn render(pieces: &[Piece], mode: Mode) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Break => {
                out.push_str(match mode {
                    Mode::Paragraph => "\\\n",
                    Mode::Heading => " ",
                    Mode::Cell => "<br>",
                });
                i += 1;
            }
            Piece::Image(md) => {
                out.push_str(md);
                i += 1;
            }
            Piece::Text { link, .. } => {
                let link = link.clone();
                let mut j = i;
                while j < pieces.len()
                    && matches!(&pieces[j], Piece::Text { link: l, .. } if *l == link)
                {
                    j += 1;
                }
                let inner = emphasised(&pieces[i..j], mode);
                match link {
                    Some(url) if !inner.trim().is_empty() => {
                        let lead = &inner[..inner.len() - inner.trim_start().len()];
                        let trail = &inner[inner.trim_end().len()..];
                        out.push_str(&format!(
                            "{lead}[{}]({}){trail}",
                            inner.trim(),
                            link_destination(&url)
                        ));
                    }
                    _ => out.push_str(&inner),
                }
                i = j;
            }
        }
    }
    let lines: Vec<String> = out
        .trim()
        .split('\n')
        .map(|line| escape_line_start(line.trim_start()))
        .collect();
    lines.join("\n")
}

fn emphasised(pieces: &[Piece], mode: Mode) -> String {
    let mut out = String::new();
    let mut groups: Vec<(bool, bool, String)> = Vec::new();
    for p in pieces {
        if let Piece::Text {
            text, bold, italic, ..
        } = p
        {
            let (bold, italic) = if mode == Mode::Heading {
                (false, *italic)
            } else {
                (*bold, *italic)
            };
            match groups.last_mut() {
                Some((b, it, s)) if *b == bold && *it == italic => s.push_str(text),
                _ => groups.push((bold, italic, text.clone())),
            }
        }
    }
    for (i, (bold, italic, text)) in groups.iter().enumerate() {
        let text = text.replace(['\n', '\t', '\r'], " ");
        let escaped = escape(&text, mode);
        let core = escaped.trim();
        if !(*bold || *italic) || core.is_empty() {
            out.push_str(&escaped);
            continue;
        }
        let lead = &escaped[..escaped.len() - escaped.trim_start().len()];
        let trail = &escaped[escaped.trim_end().len()..];
        // CommonMark does not open emphasis between a letter and punctuation (`a**"b"**`), nor
        // close it between punctuation and a letter; there the HTML tags say the same.
        let punctuation =
            |c: Option<char>| c.is_some_and(|c| !c.is_alphanumeric() && !c.is_whitespace());
        let before = if lead.is_empty() {
            out.chars().last()
        } else {
            None
        };
        let after = if trail.is_empty() {
            groups.get(i + 1).and_then(|(_, _, t)| t.chars().next())
        } else {
            None
        };
        let blocked = (before.is_some_and(char::is_alphanumeric)
            && punctuation(core.chars().next()))
            || (after.is_some_and(char::is_alphanumeric) && punctuation(core.chars().last()));
        let (open, close) = match (bold, italic, blocked) {
            (true, true, false) => ("***", "***"),
            (true, false, false) => ("**", "**"),
            (false, true, false) => ("*", "*"),
            (true, true, true) => ("<strong><em>", "</em></strong>"),
            (true, false, true) => ("<strong>", "</strong>"),
            _ => ("<em>", "</em>"),
        };
        out.push_str(&format!("{lead}{open}{core}{close}{trail}"));
    }
    out
}

/// Escapes the characters Markdown (and policybook's `[id]` references) would read as markup.
fn escape(text: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let special = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '~' => true,
            '|' => mode == Mode::Cell,
            '{' | '#' => mode == Mode::Heading,
            '&' => chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            _ => false,
        };
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes what would start a block at the start of a line: `#`, `>`, `|`, a list marker
/// (`-`, `+`, `1.`, `1)` before a space), a thematic break or a setext underline.
fn escape_line_start(line: &str) -> String {
    let bytes = line.as_bytes();
    let ends_marker = |at: usize| matches!(bytes.get(at), None | Some(b' ' | b'\t'));
    let block_start = match bytes.first() {
        Some(b'#' | b'>' | b'|' | b':') => true,
        Some(&c @ (b'-' | b'+' | b'=' | b'*' | b'_')) => {
            ends_marker(1) || bytes.iter().all(|&b| b == c || b == b' ')
        }
        _ => false,
    };
    if block_start {
        return format!("\\{line}");
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if (1..=9).contains(&digits)
        && matches!(bytes.get(digits), Some(b'.' | b')'))
        && ends_marker(digits + 1)
    {
        return format!("{}\\{}", &line[..digits], &line[digits..]);
    }
    line.to_string()
}

fn link_destination(url: &str) -> String {
    if url.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", url.replace('<', "%3C").replace('>', "%3E"))
    } else {
        url.to_string()
    }
}
