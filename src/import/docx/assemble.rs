//! From blocks to a document: the title, the leading document-control table as fields, revision
//! history tables as a `## Revision history` section, heading levels below the page title, lists
//! with their nesting, and GFM tables.

use std::collections::HashMap;

use super::body::{Block, Paragraph, Table, snippet};
use super::control::{self, field_of_label};
use super::parts::ParagraphKind;
use super::{DocxOptions, ReportLine};

pub struct Assembled {
    pub title: Option<String>,
    pub fields: Vec<(String, String)>,
    pub markdown: String,
}

fn note(report: &mut Vec<ReportLine>, location: &str, message: impl Into<String>) {
    report.push(ReportLine {
        location: location.to_string(),
        message: message.into(),
    });
}

fn words(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_history_caption(text: &str) -> bool {
    let w = words(text);
    [
        "revision history",
        "document history",
        "version history",
        "change history",
        "change log",
        "changelog",
        "amendment history",
        "version control",
        "record of changes",
        "document revision history",
        "revisions",
    ]
    .contains(&w.as_str())
}

fn is_control_caption(text: &str) -> bool {
    let w = words(text);
    [
        "document control",
        "document information",
        "document details",
        "document properties",
        "document control information",
    ]
    .contains(&w.as_str())
}

/// Whether a table looks like a revision history by its header row (version, date, changes…).
fn has_history_header(table: &Table) -> bool {
    let Some(first) = table.rows.first() else {
        return false;
    };
    let labels: Vec<String> = first.iter().map(|c| words(&c.plain)).collect();
    let has = |ws: &[&str]| labels.iter().any(|l| ws.iter().any(|w| l.contains(w)));
    has(&["version", "revision", "rev", "issue"])
        && has(&["date"])
        && has(&[
            "change",
            "description",
            "summary",
            "amendment",
            "reason",
            "comment",
        ])
}

/// (field, label, value, location) pairs of a table read as label/value columns.
fn label_pairs(table: &Table) -> Vec<(Option<&'static str>, String, String, String)> {
    let mut out = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        let location = format!("{}, row {}", table.location, r + 1);
        for pair in row.chunks(2) {
            let label = pair[0].plain.trim().to_string();
            let value = pair
                .get(1)
                .map(|c| c.plain.trim().to_string())
                .unwrap_or_default();
            if label.is_empty() && value.is_empty()
                || is_control_caption(&label) && value.is_empty()
            {
                continue;
            }
            out.push((field_of_label(&label), label, value, location.clone()));
        }
    }
    out
}

pub fn assemble(
    blocks: Vec<Block>,
    options: &DocxOptions,
    report: &mut Vec<ReportLine>,
) -> Assembled {
    let mut blocks: Vec<Option<Block>> = blocks
        .into_iter()
        .filter(|b| match b {
            Block::Paragraph(p) => {
                p.kind != ParagraphKind::TableOfContents
                    && !(p.markdown.is_empty() && p.plain.is_empty())
            }
            Block::Table(t) => !t.rows.is_empty(),
        })
        .map(Some)
        .collect();
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut title: Option<String> = None;

    // The Title (and Subtitle) paragraphs.
    for slot in blocks.iter_mut() {
        if let Some(Block::Paragraph(p)) = slot {
            match p.kind {
                ParagraphKind::Title if title.is_none() => {
                    title = Some(p.plain.clone());
                    *slot = None;
                }
                ParagraphKind::Subtitle => {
                    if !fields.iter().any(|(k, _)| k == "description") {
                        fields.push(("description".into(), p.plain.clone()));
                        note(
                            report,
                            &p.location,
                            "the subtitle became the `description` field",
                        );
                    }
                    *slot = None;
                }
                _ => {}
            }
        }
    }

    // The first heading that is not a caption marks the end of the leading part.
    let is_real_heading = |b: &Option<Block>| {
        matches!(b, Some(Block::Paragraph(p)) if matches!(p.kind, ParagraphKind::Heading(_))
            && !is_control_caption(&p.plain) && !is_history_caption(&p.plain))
    };
    let leading_end = blocks
        .iter()
        .position(is_real_heading)
        .unwrap_or(blocks.len());

    // The leading document-control table.
    let control_at = (0..leading_end).find(|&i| match &blocks[i] {
        Some(Block::Table(t)) => {
            !has_history_header(t)
                && label_pairs(t)
                    .iter()
                    .filter(|(field, ..)| field.is_some())
                    .count()
                    >= 2
        }
        _ => false,
    });
    if let Some(i) = control_at {
        if let Some(Block::Table(t)) = blocks[i].take() {
            read_control_table(&t, options, &mut fields, &mut title, report);
        }
        if i > 0
            && matches!(&blocks[i - 1], Some(Block::Paragraph(p)) if is_control_caption(&p.plain))
        {
            blocks[i - 1] = None;
        }
    }

    // Revision history tables, with the caption before them; leading ones move to the end.
    let mut histories: Vec<(usize, Table, bool)> = Vec::new();
    for i in 0..blocks.len() {
        let captioned = i > 0
            && matches!(&blocks[i - 1], Some(Block::Paragraph(p)) if is_history_caption(&p.plain));
        let is_history = match &blocks[i] {
            Some(Block::Table(t)) => captioned || has_history_header(t),
            _ => false,
        };
        if is_history {
            if captioned {
                blocks[i - 1] = None;
            }
            if let Some(Block::Table(t)) = blocks[i].take() {
                histories.push((i, t, i < leading_end));
            }
        }
    }

    let mut kept: Vec<Block> = Vec::new();
    let mut history_at: HashMap<usize, Table> = HashMap::new();
    let mut trailing: Vec<Table> = Vec::new();
    for (i, t, leading) in histories {
        if leading {
            note(
                report,
                &t.location,
                "revision history moved to the end, as `## Revision history`",
            );
            trailing.push(t);
        } else {
            history_at.insert(i, t);
        }
    }
    let mut history_markers: Vec<(usize, Table)> = Vec::new();
    for (i, slot) in blocks.into_iter().enumerate() {
        if let Some(t) = history_at.remove(&i) {
            history_markers.push((kept.len(), t));
        }
        if let Some(b) = slot {
            kept.push(b);
        }
    }

    // A title from the first heading when nothing else gave one and it is the only top heading.
    let top = kept
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => match p.kind {
                ParagraphKind::Heading(l) => Some(l),
                _ => None,
            },
            _ => None,
        })
        .min();
    if let Some(Block::Paragraph(first)) = kept.first()
        && let ParagraphKind::Heading(level) = first.kind
    {
        let alone = kept
            .iter()
            .filter(|b| matches!(b, Block::Paragraph(p) if p.kind == ParagraphKind::Heading(level)))
            .count()
            == 1;
        let same_as_title = title
            .as_deref()
            .is_some_and(|t| words(t) == words(&first.plain));
        if same_as_title || (title.is_none() && alone && Some(level) == top) {
            if title.is_none() {
                title = Some(first.plain.clone());
                note(
                    report,
                    &first.location,
                    "the first heading became the title",
                );
            }
            kept.remove(0);
            history_markers
                .iter_mut()
                .for_each(|(at, _)| *at = at.saturating_sub(1));
        }
    }

    let markdown = write_markdown(&kept, history_markers, trailing, report);
    Assembled {
        title,
        fields,
        markdown,
    }
}

fn read_control_table(
    table: &Table,
    options: &DocxOptions,
    fields: &mut Vec<(String, String)>,
    title: &mut Option<String>,
    report: &mut Vec<ReportLine>,
) {
    for (field, label, value, location) in label_pairs(table) {
        let Some(field) = field else {
            if !value.is_empty() || !label.is_empty() {
                note(
                    report,
                    &location,
                    format!(
                        "document-control row «{}: {}» has no policybook field: left out",
                        snippet(&label),
                        snippet(&value)
                    ),
                );
            }
            continue;
        };
        if value.is_empty() {
            note(
                report,
                &location,
                format!("`{label}` is empty in the document-control table"),
            );
            continue;
        }
        if fields.iter().any(|(k, _)| k == field) || (field == "title" && title.is_some()) {
            let existing = if field == "title" {
                title.clone().unwrap_or_default()
            } else {
                fields
                    .iter()
                    .find(|(k, _)| k == field)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            if words(&existing) != words(&value) {
                note(
                    report,
                    &location,
                    format!("`{label}` «{value}» left out: `{field}` is already «{existing}»"),
                );
            }
            continue;
        }
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        let stored = if control::is_date_field(field) {
            match control::parse_date(&value, options.date_order) {
                Ok(date) => {
                    let message = date
                        .note
                        .unwrap_or_else(|| format!("`{label}` «{value}» became {}", date.iso));
                    if date.iso != value {
                        note(report, &location, message);
                    }
                    date.iso
                }
                Err(why) => {
                    note(
                        report,
                        &location,
                        format!("`{label}` left out: {why}; write it as YYYY-MM-DD"),
                    );
                    continue;
                }
            }
        } else if field == "classification" {
            match control::classification(&value) {
                Some(c) => {
                    if c != value {
                        note(
                            report,
                            &location,
                            format!("classification «{value}» became `{c}`"),
                        );
                    }
                    c.to_string()
                }
                None => {
                    note(
                        report,
                        &location,
                        format!(
                            "classification «{value}» is not public, internal, confidential or \
                             restricted: left out, set it by hand"
                        ),
                    );
                    continue;
                }
            }
        } else if field == "status" {
            match control::status(&value) {
                Some(s) => {
                    if s != value {
                        note(report, &location, format!("status «{value}» became `{s}`"));
                    }
                    s.to_string()
                }
                None => {
                    note(
                        report,
                        &location,
                        format!(
                            "status «{value}» is not draft, in-review, approved or retired: left \
                             out, set it by hand"
                        ),
                    );
                    continue;
                }
            }
        } else {
            let placeholder = value.starts_with(['[', '<', '{'])
                || ["tbd", "tbc", "n a", "na", "none", "todo"].contains(&words(&value).as_str());
            if placeholder {
                note(
                    report,
                    &location,
                    format!("`{field}` «{value}» looks like a placeholder: fill it in"),
                );
            }
            value
        };
        if field == "title" {
            *title = Some(stored);
        } else {
            fields.push((field.to_string(), stored));
        }
    }
}

fn write_markdown(
    blocks: &[Block],
    history: Vec<(usize, Table)>,
    trailing: Vec<Table>,
    report: &mut Vec<ReportLine>,
) -> String {
    let top = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => match p.kind {
                ParagraphKind::Heading(l) => Some(l),
                _ => None,
            },
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let mut out = String::new();
    let mut list = ListWriter::default();
    let mut history = history.into_iter().peekable();
    let mut capped = false;
    for (i, block) in blocks.iter().enumerate() {
        while history.peek().is_some_and(|(at, _)| *at == i) {
            if let Some((_, t)) = history.next() {
                list.end();
                push_block(&mut out, &format!("## Revision history\n\n{}", table(&t)));
            }
        }
        match block {
            Block::Paragraph(p) => match (&p.kind, &p.list) {
                (ParagraphKind::Heading(level), _) => {
                    list.end();
                    let wanted = level - top + 2;
                    if wanted > 6 && !capped {
                        capped = true;
                        note(
                            report,
                            &p.location,
                            "headings nested deeper than Markdown allows are written at level 6",
                        );
                    }
                    if !p.markdown.is_empty() {
                        let hashes = "#".repeat(wanted.min(6) as usize);
                        push_block(&mut out, &format!("{hashes} {}", p.markdown));
                    }
                }
                (_, Some(_)) => list.item(&mut out, p, report),
                _ => {
                    list.end();
                    push_block(&mut out, &p.markdown);
                }
            },
            Block::Table(t) => {
                list.end();
                push_block(&mut out, &table(t));
            }
        }
    }
    for (_, t) in history {
        push_block(&mut out, &format!("## Revision history\n\n{}", table(&t)));
    }
    for t in trailing {
        push_block(&mut out, &format!("## Revision history\n\n{}", table(&t)));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn push_block(out: &mut String, block: &str) {
    if block.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
    }
    out.push_str(block);
}

#[derive(Default)]
struct ListWriter {
    /// Marker widths of the open levels.
    open: Vec<usize>,
    /// Whether the top-level list is numbered.
    top_ordered: bool,
    /// The last number given at each level, per list (`numId`).
    counters: HashMap<String, Vec<u32>>,
}

impl ListWriter {
    fn end(&mut self) {
        self.open.clear();
    }

    fn item(&mut self, out: &mut String, p: &Paragraph, report: &mut Vec<ReportLine>) {
        let Some(list) = &p.list else { return };
        if p.markdown.is_empty() {
            return;
        }
        // A list of the other kind at the top level starts a new block.
        let continuing =
            !self.open.is_empty() && (list.level > 0 || self.top_ordered == list.ordered);
        if list.level == 0 || self.open.is_empty() {
            self.top_ordered = list.ordered;
        }
        let level = (list.level as usize).min(self.open.len());
        if level < list.level as usize {
            note(
                report,
                &p.location,
                format!(
                    "list item at level {} directly under level {}: written one level deeper",
                    list.level + 1,
                    level
                ),
            );
        }
        self.open.truncate(level);
        let marker = if list.ordered {
            let levels = self.counters.entry(list.num_id.clone()).or_default();
            let at = list.level as usize;
            levels.truncate(at + 1);
            let n = match levels.get_mut(at) {
                Some(n) if *n > 0 => {
                    *n += 1;
                    *n
                }
                _ => {
                    levels.resize(at + 1, 0);
                    levels[at] = list.start;
                    list.start
                }
            };
            format!("{n}. ")
        } else {
            let levels = self.counters.entry(list.num_id.clone()).or_default();
            levels.truncate(list.level as usize + 1);
            "- ".to_string()
        };
        let indent: usize = self.open.iter().sum();
        let pad = " ".repeat(indent);
        let continuation = " ".repeat(indent + marker.len());
        let text = p.markdown.replace('\n', &format!("\n{continuation}"));
        let item = format!("{pad}{marker}{text}");
        if !continuing {
            push_block(out, &item);
        } else {
            out.push('\n');
            out.push_str(&item);
        }
        self.open.push(marker.len());
    }
}

/// A GFM pipe table: the first row is the header, rows padded to the widest.
fn table(t: &Table) -> String {
    let width = t.rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut lines = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        let mut cells: Vec<&str> = row.iter().map(|c| c.markdown.as_str()).collect();
        cells.resize(width, "");
        lines.push(format!("| {} |", cells.join(" | ")));
        if r == 0 {
            lines.push(format!("|{}", " --- |".repeat(width)));
        }
    }
    lines.join("\n")
}
