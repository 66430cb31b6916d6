//! Load: walk the content folder and turn every Markdown file into a [`Document`].
//!
//! Loading never stops at a bad file: it records a diagnostic and carries on, so one run reports every
//! problem. Nothing here knows about other documents; ids are cross-checked by `resolve`.

pub mod frontmatter;
pub mod markdown;
pub mod read;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::config::{Config, FileSize};
use crate::diagnostics::{Diagnostic, Fatal, FileId, Report, SourceFile, Sources};
use frontmatter::Fields;

/// Ids the site itself uses for pages at its root.
pub const RESERVED_IDS: &[&str] = &["index", "404", "print"];

#[derive(Debug)]
pub struct Document {
    pub file: FileId,
    /// Relative to the content folder, with `/` separators, e.g. `policies/access-control-policy.md`.
    pub path: String,
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// The document type (`policy`, `procedure`, …), from frontmatter or the folder name.
    pub kind: String,
    pub order: Option<i64>,
    /// Every frontmatter field, including the ones above, for templates.
    pub fields: Fields,
    pub key_spans: BTreeMap<String, Range<usize>>,
    /// Byte offset of the Markdown body in the source file.
    pub body_start: usize,
}

impl Document {
    /// The span to blame for a problem with frontmatter field `key`, or the file's first line.
    pub fn field_span(&self, key: &str) -> Range<usize> {
        self.key_spans.get(key).cloned().unwrap_or(0..0)
    }
}

/// Everything loaded from disk: configuration, documents and the other files of the content folder.
#[derive(Debug)]
pub struct Handbook {
    pub root: PathBuf,
    pub config: Config,
    pub content_dir: PathBuf,
    /// Sorted by type, `order`, title, id.
    pub documents: Vec<Document>,
    /// Non-Markdown files in the content folder (relative, `/`-separated), which documents may link to.
    pub assets: BTreeSet<String>,
    /// The Statement of Applicability data file (`[isms] soa`), if the handbook has one.
    pub soa: Option<FileId>,
}

pub fn load(root: &Path, sources: &mut Sources, report: &mut Report) -> Result<Handbook, Fatal> {
    if !root.is_dir() {
        return Err(Fatal::new(format!("handbook folder `{}` does not exist", root.display()))
            .help("pass the folder that holds book.toml and content/, or run `policybook init` to start one"));
    }
    let (config, diagnostics) = crate::config::load(root, sources)
        .map_err(|e| Fatal::io("read", &root.join("book.toml"), e))?;
    report.extend(diagnostics);
    let content_dir = root.join(&config.build.content_dir);
    if !content_dir.is_dir() {
        return Err(Fatal::new(format!(
            "content folder `{}` does not exist",
            content_dir.display()
        ))
        .help(
            "put the Markdown documents in `content/`, or set `[build] content-dir` in book.toml",
        ));
    }
    let (markdown, assets) = walk(&content_dir, report)?;

    // Read and parse in parallel; file ids are assigned in walk order, so they are deterministic.
    let first_id = sources.next_id();
    let limit = config.build.max_file_size;
    let content_prefix = &config.build.content_dir;
    let loaded: Vec<Result<Loaded, Fatal>> = markdown
        .into_par_iter()
        .enumerate()
        .map(|(i, rel)| {
            let path = content_dir.join(&rel);
            let source = read::read(&path, limit.0).map_err(|e| Fatal::io("read", &path, e))?;
            let file = FileId(first_id.0 + i);
            let display = content_prefix.join(&rel);
            let mut local = Report::default();
            let (text, problem) = source_text(file, source, limit);
            let document = match problem {
                Some(problem) => {
                    local.push(problem);
                    None
                }
                None => document(file, rel, &text, &mut local),
            };
            Ok(Loaded {
                source: SourceFile::new(display, text),
                document,
                diagnostics: local.diagnostics,
            })
        })
        .collect();
    let mut documents = Vec::new();
    for loaded in loaded {
        let loaded = loaded?;
        sources.push(loaded.source);
        documents.extend(loaded.document);
        report.extend(loaded.diagnostics);
    }
    documents.sort_by(|a, b| {
        (
            type_rank(&a.kind),
            &a.kind,
            a.order.unwrap_or(i64::MAX),
            &a.title,
            &a.id,
        )
            .cmp(&(
                type_rank(&b.kind),
                &b.kind,
                b.order.unwrap_or(i64::MAX),
                &b.title,
                &b.id,
            ))
    });
    let soa_path = content_dir.join(&config.isms.soa);
    let soa = match read::read(&soa_path, limit.0) {
        Ok(source) => {
            let display = config.build.content_dir.join(&config.isms.soa);
            let (file, problem) = add_source(sources, display, source, limit);
            // A file that could not be read whole is reported, not parsed.
            match problem {
                Some(problem) => {
                    report.push(problem);
                    None
                }
                None => Some(file),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Fatal::io("read", &soa_path, e)),
    };
    Ok(Handbook {
        root: root.to_path_buf(),
        config,
        content_dir,
        documents,
        assets,
        soa,
    })
}

/// Add a source file read with [`read::read`] to `sources`; a file that is too large or not UTF-8
/// is added with the text it has (none, or the lossy text) and comes back with its diagnostic.
pub fn add_source(
    sources: &mut Sources,
    display: PathBuf,
    source: read::Source,
    limit: FileSize,
) -> (FileId, Option<Diagnostic>) {
    let file = sources.next_id();
    let (text, problem) = source_text(file, source, limit);
    (sources.add(display, text), problem)
}

fn source_text(
    file: FileId,
    source: read::Source,
    limit: FileSize,
) -> (String, Option<Diagnostic>) {
    match source {
        read::Source::Text(text) => (text, None),
        read::Source::TooLarge(size) => (
            String::new(),
            Some(
                Diagnostic::error(
                    "file-too-large",
                    format!(
                        "the file is {}, larger than the limit of {}",
                        read::human_size(size),
                        read::human_size(limit.0)
                    ),
                )
                .at(file, 0..0)
                .help("split it into smaller documents, or raise `max-file-size` under `[build]` in book.toml"),
            ),
        ),
        read::Source::NotUtf8 { text, at } => {
            let bad = text[at..].chars().next().map_or(0, char::len_utf8);
            let problem = Diagnostic::error("not-utf8", "the file is not UTF-8 text")
                .at(file, at..at + bad)
                .label("this byte is not UTF-8 (shown as \u{fffd})")
                .help("save the file as UTF-8 in your editor (in many editors: File → Save with encoding → UTF-8)");
            (text, Some(problem))
        }
    }
}

struct Loaded {
    source: SourceFile,
    document: Option<Document>,
    diagnostics: Vec<Diagnostic>,
}

/// All files under `content_dir`, sorted: Markdown documents and other files. Hidden files and folders
/// are skipped; symbolic links are followed only when they stay inside the content folder.
fn walk(content_dir: &Path, report: &mut Report) -> Result<(Vec<String>, BTreeSet<String>), Fatal> {
    let canonical_root = content_dir
        .canonicalize()
        .map_err(|e| Fatal::io("open", content_dir, e))?;
    let mut markdown = Vec::new();
    let mut assets = BTreeSet::new();
    let walker = walkdir::WalkDir::new(content_dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(content_dir).to_path_buf();
            Fatal::new(format!("cannot read `{}`: {e}", path.display()))
        })?;
        let path = entry.path();
        let mut is_file = entry.file_type().is_file();
        if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) => is_file = target.is_file(),
                _ => {
                    report.push(
                        Diagnostic::warning(
                            "symlink-outside",
                            format!(
                                "skipped `{}`: it is a link to a place outside the content folder",
                                path.display()
                            ),
                        )
                        .help("copy the file into the content folder instead of linking to it"),
                    );
                    continue;
                }
            }
        }
        if !is_file {
            continue;
        }
        let rel = relative_slash_path(path.strip_prefix(content_dir).unwrap_or(path));
        if rel.ends_with(".md") {
            markdown.push(rel);
        } else {
            assets.insert(rel);
        }
    }
    Ok((markdown, assets))
}

pub fn relative_slash_path(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn document(file: FileId, path: String, text: &str, report: &mut Report) -> Option<Document> {
    let fm = match frontmatter::split(text) {
        Ok(fm) => fm,
        Err(e) => {
            report.push(
                Diagnostic::error("invalid-frontmatter", e.message)
                    .at(file, e.span)
                    .help(e.help),
            );
            return None;
        }
    };
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(&path)
        .trim_end_matches(".md")
        .to_string();
    let field_span = |key: &str| fm.key_spans.get(key).cloned().unwrap_or(0..0);
    let mut text_field = |key: &str| -> Option<String> {
        match fm.fields.get(key)? {
            Value::Null => None,
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            other => {
                report.push(
                    Diagnostic::error(
                        "invalid-field",
                        format!(
                            "`{key}` must be text, not {}",
                            frontmatter::json_kind(other)
                        ),
                    )
                    .at(file, field_span(key))
                    .help(format!("write it on one line, e.g. `{key}: some text`")),
                );
                None
            }
        }
    };

    let (id, id_span) = match text_field("id") {
        Some(id) => (id, field_span("id")),
        None => (stem.clone(), 0..0),
    };
    let title = text_field("title");
    let description = text_field("description").filter(|d| !d.is_empty());
    let kind = text_field("type").unwrap_or_else(|| kind_from_path(&path));
    let body_start = fm.body_start;
    let title = title
        .filter(|t| !t.is_empty())
        .or_else(|| markdown::first_h1(&text[body_start..]))
        .unwrap_or_else(|| id.clone());

    let mut valid = true;
    if !is_valid_id(&id) {
        valid = false;
        let origin = if fm.fields.contains_key("id") {
            "the `id` field"
        } else {
            "the file name"
        };
        report.push(
            Diagnostic::error(
                "invalid-id",
                format!("invalid document id `{id}` (from {origin})"),
            )
            .at(file, id_span.clone())
            .help(format!(
                "ids are lowercase words joined by hyphens, like `access-control-policy`; try `{}`",
                suggest_id(&id)
            )),
        );
    } else if RESERVED_IDS.contains(&id.as_str()) {
        valid = false;
        report.push(
            Diagnostic::error(
                "reserved-id",
                format!("`{id}` is reserved for a page the site generates"),
            )
            .at(file, id_span)
            .help(format!(
                "choose another id, e.g. `{id}-document`; reserved ids: {}",
                RESERVED_IDS.join(", ")
            )),
        );
    }
    if !is_valid_id(&kind) {
        report.push(
            Diagnostic::error("invalid-type", format!("invalid document type `{kind}`"))
                .at(file, field_span("type"))
                .help("types are lowercase words, e.g. `policy`, `procedure`, `standard`, `guideline`, `record`"),
        );
    }
    if let Some(written) = fm.unquoted_numbers.get("version") {
        let read = fm
            .fields
            .get("version")
            .map(Value::to_string)
            .unwrap_or_default();
        let message = if read == *written {
            format!("`version: {written}` is read as a number, not as text")
        } else {
            format!("`version: {written}` is read as the number {read}, not as written")
        };
        report.push(
            Diagnostic::warning("unquoted-version", message)
                .at(file, field_span("version"))
                .help(format!(
                    "quote it so it stays as written (`1.10` is not `1.1`): `version: \"{written}\"`"
                )),
        );
    }
    let order = match fm.fields.get("order") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
        Some(other) => {
            report.push(
                Diagnostic::error(
                    "invalid-field",
                    format!(
                        "`order` must be a whole number, not {}",
                        frontmatter::json_kind(other)
                    ),
                )
                .at(file, field_span("order"))
                .help("e.g. `order: 10`; documents are sorted by order within their type"),
            );
            None
        }
    };
    valid.then_some(Document {
        file,
        path,
        id,
        title,
        description,
        kind,
        order,
        fields: fm.fields,
        key_spans: fm.key_spans,
        body_start,
    })
}

/// `[a-z0-9]+(-[a-z0-9]+)*`
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A valid id that looks like `id`, for the help text.
pub fn suggest_id(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "my-document".into()
    } else {
        out
    }
}

/// The type a folder implies: `policies/x.md` → `policy`; files at the top level are `document`s.
pub fn kind_from_path(path: &str) -> String {
    let Some((folder, _)) = path.split_once('/') else {
        return "document".into();
    };
    let folder = folder.to_lowercase();
    if let Some(stem) = folder.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = folder.strip_suffix('s') {
        stem.to_string()
    } else {
        folder
    }
}

/// The folder `policybook new` puts a document of `kind` in: `policy` → `policies`.
pub fn folder_for_kind(kind: &str) -> String {
    if let Some(stem) = kind.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{kind}s")
    }
}

/// The heading for a group of documents of one type: `policy` → `Policies`.
pub fn kind_label(kind: &str) -> String {
    let plural = folder_for_kind(kind).replace('-', " ");
    let mut chars = plural.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The usual types first, in the order a reader meets them; others alphabetically after.
fn type_rank(kind: &str) -> usize {
    const ORDER: &[&str] = &["policy", "standard", "procedure", "guideline", "record"];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id("management-review-procedure"));
        assert!(is_valid_id("a1-2b"));
        assert!(!is_valid_id("Access-Control"));
        assert!(!is_valid_id("a--b"));
        assert!(!is_valid_id("-a"));
        assert!(!is_valid_id("a_b"));
        assert_eq!(suggest_id("Access Control_Policy"), "access-control-policy");
    }

    #[test]
    fn kinds_from_folders() {
        assert_eq!(kind_from_path("policies/a.md"), "policy");
        assert_eq!(kind_from_path("procedures/x/a.md"), "procedure");
        assert_eq!(kind_from_path("records/a.md"), "record");
        assert_eq!(kind_from_path("a.md"), "document");
        assert_eq!(folder_for_kind("policy"), "policies");
        assert_eq!(folder_for_kind("standard"), "standards");
        assert_eq!(kind_label("policy"), "Policies");
    }
}
