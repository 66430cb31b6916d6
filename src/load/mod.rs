//! Load: walk the content folder and turn every Markdown file into a [`Document`].
//!
//! Loading never stops at a bad file: it records a diagnostic and carries on, so one run reports every
//! problem. Nothing here knows about other documents; ids are cross-checked by `resolve`.

pub mod frontmatter;
pub mod hints;
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
    /// For frontmatter lists: each entry's span, so a problem with one points at it.
    pub item_spans: BTreeMap<String, Vec<Range<usize>>>,
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
    /// Files and folders left out (relative to the content folder), for `-v`.
    pub skipped: Vec<String>,
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
    let exclusions = Exclusions::new(&config.build.exclude, report);
    let (markdown, assets, skipped) = walk(&content_dir, &exclusions, report)?;

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
            let mut rejected = None;
            let document = match problem {
                Some(problem) => {
                    local.push(problem);
                    None
                }
                None => document(file, rel, &text, &mut local, &mut rejected),
            };
            Ok(Loaded {
                source: SourceFile::new(display, text),
                document,
                diagnostics: local.diagnostics,
                rejected,
            })
        })
        .collect();
    let mut documents = Vec::new();
    let mut rejected = Vec::new();
    for loaded in loaded {
        let loaded = loaded?;
        sources.push(loaded.source);
        documents.extend(loaded.document);
        report.extend(loaded.diagnostics);
        rejected.extend(loaded.rejected);
    }
    let taken: BTreeSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
    report.extend(rejected.into_iter().map(|r| r.into_diagnostic(&taken)));
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
    // One warning per shared title, at its first document, naming the others.
    for (title, docs) in hints::shared_titles(documents.iter().map(|d| d.title.as_str())) {
        let first = &documents[docs[0]];
        let others: Vec<&str> = docs[1..]
            .iter()
            .map(|&i| documents[i].path.as_str())
            .collect();
        let listed = if others.len() <= 5 {
            others.join(", ")
        } else {
            format!("{} and {} more", others[..5].join(", "), others.len() - 5)
        };
        report.push(
            Diagnostic::warning(
                "shared-title",
                format!("{} documents have the title `{title}`", docs.len()),
            )
            .at(first.file, first.field_span("title"))
            .help(format!(
                "readers tell documents apart by their titles: give each its own `title:` in the frontmatter, or a first `# heading` that names it; the others: {listed}"
            )),
        );
    }
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
        skipped,
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
    rejected: Option<Rejected>,
}

/// A document refused for its id. Its help names a new id that no other document has, so it is
/// written once every document is loaded.
struct Rejected {
    diagnostic: Diagnostic,
    why: &'static str,
    suggestion: String,
    from_file_name: bool,
    /// Relative to the content folder.
    path: String,
}

impl Rejected {
    fn into_diagnostic(self, taken: &BTreeSet<&str>) -> Diagnostic {
        let mut id = self.suggestion.clone();
        let mut n = 2;
        while taken.contains(id.as_str()) || RESERVED_IDS.contains(&id.as_str()) {
            id = format!("{}-{n}", self.suggestion);
            n += 1;
        }
        let rename = if self.from_file_name {
            let folder = self.path.rsplit_once('/').map_or("", |(f, _)| f);
            let sep = if folder.is_empty() { "" } else { "/" };
            format!(
                "rename the file to `{folder}{sep}{id}.md` or add `id: {id}` to its frontmatter"
            )
        } else {
            format!("write `id: {id}`")
        };
        self.diagnostic.help(format!(
            "{}: {rename}; if it is not a handbook document, leave it out with `[build] exclude = [\"{}\"]` in book.toml or a name starting with `_`",
            self.why, self.path
        ))
    }
}

/// Files and folders left out of the handbook: hidden ones (`.git`), those starting with `_`
/// (Docusaurus' `_category_.json`, drafts kept aside), `README.md` files (a folder's notes for
/// people browsing the repository), and whatever `[build] exclude` matches.
struct Exclusions {
    globs: globset::GlobSet,
}

impl Exclusions {
    fn new(patterns: &[String], report: &mut Report) -> Self {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            match globset::GlobBuilder::new(pattern).literal_separator(true).build() {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => report.push(
                    Diagnostic::error(
                        "invalid-config",
                        format!("book.toml: `[build] exclude` pattern `{pattern}` is not a glob: {e}"),
                    )
                    .help("write patterns like `drafts/**` or `**/*.draft.md`, relative to the content folder"),
                ),
            }
        }
        let globs = builder
            .build()
            .unwrap_or_else(|_| globset::GlobSet::empty());
        Exclusions { globs }
    }

    /// Whether the file or folder at `rel` (relative, `/`-separated) is left out.
    fn excludes(&self, name: &str, rel: &str) -> bool {
        name.starts_with(['.', '_'])
            || name.eq_ignore_ascii_case("README.md")
            || self.globs.is_match(rel)
    }
}

/// What [`walk`] found: Markdown documents, other files, and what was left out.
type Walked = (Vec<String>, BTreeSet<String>, Vec<String>);

/// All files under `content_dir`, sorted: Markdown documents and other files, and what
/// [`Exclusions`] left out. Symbolic links are followed only when they stay inside the content
/// folder.
fn walk(content_dir: &Path, exclusions: &Exclusions, report: &mut Report) -> Result<Walked, Fatal> {
    let canonical_root = content_dir
        .canonicalize()
        .map_err(|e| Fatal::io("open", content_dir, e))?;
    let mut markdown = Vec::new();
    let mut assets = BTreeSet::new();
    let mut skipped = Vec::new();
    let walker = walkdir::WalkDir::new(content_dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let rel = relative_slash_path(e.path().strip_prefix(content_dir).unwrap_or(e.path()));
            let left_out = exclusions.excludes(&e.file_name().to_string_lossy(), &rel);
            if left_out && !e.file_name().to_string_lossy().starts_with('.') {
                skipped.push(rel);
            }
            !left_out
        });
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
    Ok((markdown, assets, skipped))
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

fn document(
    file: FileId,
    path: String,
    text: &str,
    report: &mut Report,
    rejected: &mut Option<Rejected>,
) -> Option<Document> {
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
    if fm.fields.is_empty()
        && let Some(span) = hints::unfenced_frontmatter(&text[fm.body_start..])
    {
        let at = fm.body_start;
        report.push(hints::unfenced_frontmatter_warning().at(file, at + span.start..at + span.end));
    }
    for key in fm.fields.keys() {
        if let Some(ours) = hints::meant_field(key) {
            report.push(hints::foreign_field(key, ours).at(file, field_span(key)));
        }
    }
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
        *rejected = Some(Rejected {
            diagnostic: Diagnostic::error(
                "invalid-id",
                format!("invalid document id `{id}` (from {origin})"),
            )
            .at(file, id_span.clone()),
            why: "ids are lowercase words joined by hyphens, like `access-control-policy`",
            suggestion: suggest_id(&id),
            from_file_name: !fm.fields.contains_key("id"),
            path: path.clone(),
        });
    } else if RESERVED_IDS.contains(&id.as_str()) {
        valid = false;
        *rejected = Some(Rejected {
            diagnostic: Diagnostic::error(
                "reserved-id",
                format!("`{id}` is reserved for a page the site generates"),
            )
            .at(file, id_span),
            why: "the site's own pages use index, 404 and print",
            suggestion: format!("{id}-document"),
            from_file_name: !fm.fields.contains_key("id"),
            path: path.clone(),
        });
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
        item_spans: fm.item_spans,
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
