//! Reading a Word `.docx` file into a policybook document: frontmatter fields, a Markdown body, the
//! images it shows, and a report of everything dropped or altered that a person must look at.
//!
//! Pure: bytes in, values out; the caller writes files. A `.docx` is a zip of XML parts, and the
//! file may come from anyone, so both are read within limits ([`Limits`]): entry count, size per
//! entry and in total (through `Read::take`, whatever the headers claim), entry names that stay
//! inside the package, XML nesting depth, and no DOCTYPE (so no entity is ever expanded).
//!
//! What becomes what: Title style → `title`; Heading 1–9 styles and outline levels → headings one
//! level below the page title (`##` for the top level); numbering.xml's bullet or numbered formats
//! with their `ilvl` → nested lists; tables → GFM pipe tables; `r:embed` images →
//! `![alt](images/<source>-<name>)`; hyperlinks, bold, italic and line breaks as Markdown. A
//! leading document-control table becomes fields (id from the title; the document's own number
//! is kept as `reference`), and a revision history table becomes a `## Revision history` section.

mod assemble;
mod body;
mod control;
mod package;
mod parts;
#[cfg(test)]
mod tests;
mod xml;

use std::collections::HashMap;
use std::fmt;

use package::Package;
use xml::Element;

/// How numeric dates such as `03/04/2025` are read when both readings are possible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrder {
    /// 03/04/2025 is 3 April 2025.
    #[default]
    DayFirst,
    /// 03/04/2025 is March 4, 2025.
    MonthFirst,
}

/// Bounds on what a `.docx` may make us read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_entry_bytes: u64,
    pub max_total_bytes: u64,
    pub max_xml_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            max_entry_bytes: 50 * 1024 * 1024,
            max_total_bytes: 200 * 1024 * 1024,
            max_xml_depth: 256,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DocxOptions {
    pub date_order: DateOrder,
    pub limits: Limits,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// Where in the Word file, e.g. "paragraph 12" or "table 1, row 3".
    pub location: String,
    pub message: String,
}

#[derive(Debug)]
pub struct DocxDocument {
    /// Frontmatter fields with policybook's names, in a stable order, values as text.
    pub fields: Vec<(String, String)>,
    pub markdown: String,
    /// (file name, bytes): each linked from the body as `images/<file name>`.
    pub images: Vec<(String, Vec<u8>)>,
    pub report: Vec<ReportLine>,
}

/// A `.docx` that cannot be read at all.
#[derive(Debug)]
pub struct DocxError {
    pub source_name: String,
    pub problem: Problem,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    OldWordFormat,
    NotZip(String),
    MissingDocument,
    TooManyEntries {
        count: usize,
        limit: usize,
    },
    EntryTooLarge {
        part: String,
        limit: u64,
    },
    TotalTooLarge {
        limit: u64,
    },
    UnsafeEntryName(String),
    Entry {
        part: String,
        message: String,
    },
    NotUtf8 {
        part: String,
        offset: usize,
    },
    Xml {
        part: String,
        offset: u64,
        message: String,
    },
    TooDeep {
        part: String,
        limit: usize,
    },
    Doctype {
        part: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mb = |b: &u64| b / (1024 * 1024);
        match self {
            Problem::OldWordFormat => write!(
                f,
                "this is an old Word .doc file or a password-protected document, not a .docx; \
                 open it in Word and save it as .docx without a password"
            ),
            Problem::NotZip(why) => write!(
                f,
                "this is not a .docx file (a .docx is a zip archive, and this one cannot be read \
                 as one: {why}); open it in Word and save it as .docx"
            ),
            Problem::MissingDocument => write!(
                f,
                "the zip holds no Word document (no word/document.xml); is it really a .docx?"
            ),
            Problem::TooManyEntries { count, limit } => write!(
                f,
                "the zip holds {count} entries, more than the {limit} a Word document needs; \
                 refusing to read it"
            ),
            Problem::EntryTooLarge { part, limit } => write!(
                f,
                "`{part}` unpacks to more than {} MB; refusing to read it (a zip bomb?)",
                mb(limit)
            ),
            Problem::TotalTooLarge { limit } => write!(
                f,
                "the parts unpack to more than {} MB in total; refusing to read further",
                mb(limit)
            ),
            Problem::UnsafeEntryName(name) => write!(
                f,
                "the zip holds an entry named `{name}`, which points outside the document; \
                 refusing to read it"
            ),
            Problem::Entry { part, message } => write!(f, "cannot unpack `{part}`: {message}"),
            Problem::NotUtf8 { part, offset } => write!(
                f,
                "`{part}` is not UTF-8 text (bad byte at offset {offset}); save the document \
                 again from Word"
            ),
            Problem::Xml {
                part,
                offset,
                message,
            } => write!(
                f,
                "`{part}` is not well-formed XML at byte {offset}: {message}"
            ),
            Problem::TooDeep { part, limit } => write!(
                f,
                "`{part}` nests elements deeper than {limit} levels; refusing to read it"
            ),
            Problem::Doctype { part } => write!(
                f,
                "`{part}` declares a DOCTYPE, which Word never writes and which could define \
                 entities; refusing to read it"
            ),
        }
    }
}

impl fmt::Display for DocxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source_name, self.problem)
    }
}

impl std::error::Error for DocxError {}

/// Converts the `.docx` in `bytes`; `source_name` (the file's name) names images and errors.
pub fn convert(
    bytes: &[u8],
    source_name: &str,
    options: &DocxOptions,
) -> Result<DocxDocument, DocxError> {
    convert_inner(bytes, source_name, options).map_err(|problem| DocxError {
        source_name: source_name.to_string(),
        problem,
    })
}

const TEXT: &[&str] = &["w:t", "w:instrText", "w:delText", "dc:title"];

fn read_xml(
    package: &mut Package,
    part: &str,
    limits: &Limits,
) -> Result<Option<Element>, Problem> {
    match package.read(part)? {
        Some(bytes) => xml::parse(part, &bytes, limits.max_xml_depth, TEXT).map(Some),
        None => Ok(None),
    }
}

fn convert_inner(
    bytes: &[u8],
    source_name: &str,
    options: &DocxOptions,
) -> Result<DocxDocument, Problem> {
    let limits = options.limits;
    let mut package = Package::open(bytes, limits)?;
    let mut report = Vec::new();

    // The main part is what `_rels/.rels` says it is; word/document.xml by convention.
    let package_rels = read_xml(&mut package, "_rels/.rels", &limits)?;
    let main = parts::relationships(package_rels.as_ref())
        .into_values()
        .find(|r| r.kind.ends_with("/officeDocument"))
        .map(|r| parts::resolve_target("", &r.target))
        .filter(|p| package.has(p))
        .unwrap_or_else(|| "word/document.xml".to_string());
    let document = read_xml(&mut package, &main, &limits)?.ok_or(Problem::MissingDocument)?;
    let (dir, file) = main.rsplit_once('/').unwrap_or(("", main.as_str()));
    let rels_part = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let rels = parts::relationships(read_xml(&mut package, &rels_part, &limits)?.as_ref());
    let part_of = |kind: &str| {
        let mut found: Vec<&parts::Relationship> = rels
            .values()
            .filter(|r| !r.external && r.kind.ends_with(kind))
            .collect();
        found.sort_by(|a, b| a.target.cmp(&b.target));
        found.first().map(|r| parts::resolve_target(dir, &r.target))
    };
    let styles = parts::Styles::read(
        match part_of("/styles") {
            Some(p) => read_xml(&mut package, &p, &limits)?,
            None => None,
        }
        .as_ref(),
    );
    let numbering = parts::Numbering::read(
        match part_of("/numbering") {
            Some(p) => read_xml(&mut package, &p, &limits)?,
            None => None,
        }
        .as_ref(),
    );
    let mut notes = HashMap::new();
    for (kind, element, rel) in [
        ("comment", "w:comment", "/comments"),
        ("footnote", "w:footnote", "/footnotes"),
        ("endnote", "w:endnote", "/endnotes"),
    ] {
        let Some(part) = part_of(rel) else { continue };
        if let Some(root) = read_xml(&mut package, &part, &limits)? {
            for n in root.elements().filter(|n| n.name == element) {
                if let Some(id) = n.attr("w:id") {
                    notes.insert(format!("{kind}:{id}"), n.text());
                }
            }
        }
    }
    if rels
        .values()
        .any(|r| r.kind.ends_with("/header") || r.kind.ends_with("/footer"))
    {
        report.push(ReportLine {
            location: "page headers and footers".into(),
            message: "not imported; copy anything that matters (such as a document number) by hand"
                .into(),
        });
    }

    // Images: every embedded image relationship, named after the source file.
    let prefix = control::id_from_title(
        source_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(source_name)
            .trim_end_matches(".docx"),
    );
    let mut image_names: HashMap<String, String> = HashMap::new();
    let mut image_bytes: HashMap<String, Vec<u8>> = HashMap::new();
    let mut image_rels: Vec<(&String, &parts::Relationship)> = rels
        .iter()
        .filter(|(_, r)| !r.external && r.kind.ends_with("/image"))
        .collect();
    image_rels.sort_by(|a, b| a.0.cmp(b.0));
    for (id, rel) in image_rels {
        let part = parts::resolve_target(dir, &rel.target);
        let base = part.rsplit('/').next().unwrap_or(&part);
        let clean: String = base
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let name = format!("{prefix}-{clean}");
        if !image_bytes.contains_key(&name)
            && let Some(bytes) = package.read(&part)?
        {
            image_bytes.insert(name.clone(), bytes);
        }
        if image_bytes.contains_key(&name) {
            image_names.insert(id.clone(), name);
        }
    }

    let Some(body) = document.child("w:body") else {
        return Err(Problem::Xml {
            part: main.clone(),
            offset: 0,
            message: "the document has no body (w:body)".into(),
        });
    };
    let mut walker = body::Walker::new(&styles, &numbering, &rels, &image_names, &notes);
    let mut blocks = Vec::new();
    walker.blocks(body, &mut blocks);
    report.append(&mut walker.report);
    let used_images = std::mem::take(&mut walker.used_images);

    let assembled = assemble::assemble(blocks, options, &mut report);
    let title = match assembled.title {
        Some(t) if !t.trim().is_empty() => t,
        _ => {
            let core = match package.read("docProps/core.xml")? {
                Some(bytes) => xml::parse("docProps/core.xml", &bytes, limits.max_xml_depth, TEXT)
                    .ok()
                    .and_then(|root| root.child("dc:title").map(Element::text))
                    .filter(|t| !t.trim().is_empty()),
                None => None,
            };
            match core {
                Some(t) => {
                    report.push(ReportLine {
                        location: "document properties".into(),
                        message: "the title comes from the file's properties".into(),
                    });
                    t
                }
                None => {
                    let stem = source_name
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or(source_name)
                        .trim_end_matches(".docx")
                        .to_string();
                    report.push(ReportLine {
                        location: "document".into(),
                        message: format!(
                            "no title found (no Title style, document-control row or single top \
                             heading): used the file name «{stem}»"
                        ),
                    });
                    stem
                }
            }
        }
    };
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let id = control::id_from_title(&title);
    let mut fields = vec![("id".to_string(), id), ("title".to_string(), title)];
    const ORDER: &[&str] = &[
        "description",
        "reference",
        "version",
        "status",
        "owner",
        "author",
        "approver",
        "effective",
        "last_reviewed",
        "next_review",
        "classification",
    ];
    let mut rest = assembled.fields;
    rest.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    fields.extend(rest);

    let images = used_images
        .into_iter()
        .filter_map(|name| image_bytes.remove(&name).map(|b| (name, b)))
        .collect();
    Ok(DocxDocument {
        fields,
        markdown: assembled.markdown,
        images,
        report,
    })
}
