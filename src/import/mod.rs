//! `policybook import FORMAT SRC [DEST]`: convert another tool's handbook into a policybook
//! handbook, never touching SRC.
//!
//! Each format reads SRC into [`Page`]s (frontmatter fields with their source lines, body, type,
//! order) and returns a [`Converted`]: the files to write and the report [`Entry`]s. This module
//! owns what the formats share: the DEST rules (a non-empty DEST needs `--force`, and even then no
//! existing file is overwritten), writing, and `IMPORT-REPORT.md`. A new format is a variant of
//! [`Format`] and a `convert(src) -> Result<Converted, Fatal>` function.

mod body;
mod comply;
mod docusaurus;
pub mod docx;
mod links;
mod mkdocs;
mod page;
mod word;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostics::Fatal;
pub use page::{Field, Page};

/// The formats `import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// strongdm/comply: narratives/, policies/, procedures/, standards/
    Comply,
    /// A Docusaurus site's docs/ folder (MDX, admonitions, _category_.json)
    Docusaurus,
    /// An MkDocs site: mkdocs.yml and its docs_dir
    Mkdocs,
    /// Word documents: one .docx file, or a folder of them
    Docx,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Comply => "comply",
            Format::Docusaurus => "docusaurus",
            Format::Mkdocs => "mkdocs",
            Format::Docx => "docx",
        }
    }

    fn convert(self, src: &Path, date_order: docx::DateOrder) -> Result<Converted, Fatal> {
        match self {
            Format::Comply => comply::convert(src),
            Format::Docusaurus => docusaurus::convert(src),
            Format::Mkdocs => mkdocs::convert(src),
            Format::Docx => word::convert(
                src,
                &docx::DocxOptions {
                    date_order,
                    ..Default::default()
                },
            ),
        }
    }
}

/// What a report entry asks of the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Something a person must look at: a value dropped, assumed or kept unread.
    Check,
    /// A change made, nothing to decide.
    Changed,
}

/// One line of IMPORT-REPORT.md.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The source file, relative to SRC (`/`-separated), or empty for the handbook as a whole.
    pub source: String,
    /// 1-based line in the source file.
    pub line: usize,
    pub action: Action,
    pub what: String,
}

impl Entry {
    pub fn change(source: &str, line: usize, what: impl Into<String>) -> Entry {
        Entry {
            source: source.into(),
            line,
            action: Action::Changed,
            what: what.into(),
        }
    }

    pub fn check(source: &str, line: usize, what: impl Into<String>) -> Entry {
        Entry {
            source: source.into(),
            line,
            action: Action::Check,
            what: what.into(),
        }
    }
}

/// A converted handbook, before anything is written.
#[derive(Debug, Default)]
pub struct Converted {
    /// The handbook's title, for book.toml.
    pub title: Option<String>,
    /// The organisation the handbook is for, when the source names it.
    pub organisation: Option<String>,
    /// Files to write, relative to DEST, with their content (book.toml is added by [`run`]).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Files to copy from SRC: DEST-relative path → source file.
    pub copies: BTreeMap<String, PathBuf>,
    pub entries: Vec<Entry>,
}

impl Converted {
    /// Types, orders and ids of every page (before links between them can be resolved).
    fn prepare(&mut self, pages: &mut [Page]) {
        for page in pages.iter_mut() {
            take_type_and_order(page, &mut self.entries);
        }
        page::assign_ids(pages, &mut self.entries);
    }

    /// Turn prepared `pages` into documents: links (line-preserving, so every report line is the
    /// source's), brackets that would be references, then the format's own syntax (`convert`),
    /// then the frontmatter.
    fn add_pages(
        &mut self,
        pages: &mut [Page],
        links: Option<&links::Links>,
        convert: fn(&mut Page, &mut Vec<Entry>),
    ) {
        let ids: BTreeSet<String> = pages.iter().map(|p| p.id.clone()).collect();
        for page in pages.iter_mut() {
            if let Some(links) = links {
                page.body = links.rewrite(page, self);
            }
            let (body, notes) = body::escape_unknown_references(&page.body, &ids);
            for (line, what) in notes {
                self.entries
                    .push(Entry::change(&page.source, page.body_line + line, what));
            }
            page.body = body;
            convert(page, &mut self.entries);
            let text = page::finish(page, &mut self.entries);
            self.files.insert(page.out_path(), text.into_bytes());
        }
    }
}

/// `type` and `order` (or another tool's name for them) from the frontmatter, when usable.
fn take_type_and_order(page: &mut Page, entries: &mut Vec<Entry>) {
    let type_field = page
        .fields
        .iter()
        .find(|f| f.key == "type" || crate::load::hints::meant_field(&f.key) == Some("type"))
        .cloned();
    if let Some(field) = type_field {
        page.fields.retain(|f| f.key != field.key);
        if field.key != "type" {
            entries.push(Entry::change(
                &page.source,
                field.line,
                format!("`{}` became `type`", field.key),
            ));
        }
        let kind = page::scalar(&field.value).to_lowercase().replace(' ', "-");
        if crate::load::is_valid_id(&kind) {
            page.kind = kind;
        } else {
            entries.push(Entry::check(
                &page.source,
                field.line,
                format!(
                    "dropped `type: {}`: not a type policybook can use; the folder gives `{}`",
                    page::scalar(&field.value),
                    page.kind
                ),
            ));
        }
    }
    let order_field = page
        .fields
        .iter()
        .find(|f| f.key == "order" || crate::load::hints::meant_field(&f.key) == Some("order"))
        .cloned();
    if let Some(field) = order_field {
        let number = field
            .value
            .as_f64()
            .or_else(|| field.value.as_str().and_then(|s| s.trim().parse().ok()));
        match number {
            Some(n) if n.fract() == 0.0 => page.order = Some(n as i64),
            Some(n) => {
                page.order = Some(n.round() as i64);
                entries.push(Entry::change(
                    &page.source,
                    field.line,
                    format!(
                        "`{}: {n}` became `order: {}` (whole numbers only)",
                        field.key,
                        n.round()
                    ),
                ));
            }
            None => entries.push(Entry::check(
                &page.source,
                field.line,
                format!("dropped `{}`: not a number", field.key),
            )),
        }
        if field.key != "order" {
            entries.push(Entry::change(
                &page.source,
                field.line,
                format!("`{}` became `order`", field.key),
            ));
        }
        page.fields.retain(|f| f.key != field.key);
    }
}

/// The outcome of a run, for the command to print.
#[derive(Debug)]
pub struct Imported {
    pub dest: PathBuf,
    pub written: Vec<String>,
    /// Files that existed in DEST and were kept (`--force`).
    pub kept: Vec<String>,
    pub report: PathBuf,
    pub to_check: usize,
    pub changes: usize,
}

/// DEST when none is given: `<src-name>-policybook` next to the current folder.
pub fn default_dest(src: &Path) -> PathBuf {
    let name = fs::canonicalize(src)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "handbook".into());
    PathBuf::from(format!("{name}-policybook"))
}

pub fn run(
    format: Format,
    src: &Path,
    dest: &Path,
    force: bool,
    date_order: docx::DateOrder,
) -> Result<Imported, Fatal> {
    if !(src.is_dir() || format == Format::Docx && src.is_file()) {
        return Err(Fatal::new(format!("`{}` is not a folder", src.display()))
            .help(format!("pass the folder of the {} handbook", format.name())));
    }
    let src_abs = fs::canonicalize(src).map_err(|e| Fatal::io("read", src, e))?;
    let dest_abs = std::path::absolute(dest).map_err(|e| Fatal::io("read", dest, e))?;
    let dest_abs = fs::canonicalize(&dest_abs).unwrap_or(dest_abs);
    if dest_abs.starts_with(&src_abs) || src_abs.starts_with(&dest_abs) {
        return Err(Fatal::new(format!(
            "`{}` is inside the handbook being imported (or holds it)",
            dest.display()
        ))
        .help("import never writes into SRC: pass a DEST outside it, e.g. `policybook import FORMAT SRC ../new-handbook`"));
    }
    if dest.exists() {
        let non_empty = fs::read_dir(dest)
            .map_err(|e| Fatal::io("read", dest, e))?
            .next()
            .is_some();
        if non_empty && !force {
            return Err(Fatal::new(format!("`{}` is not empty", dest.display()))
                .help("choose an empty or new folder, or pass `--force` (existing files are kept, never overwritten)"));
        }
    }
    let mut converted = format.convert(src, date_order)?;
    let title = converted
        .title
        .clone()
        .unwrap_or_else(|| "ISMS Handbook".into());
    let organisation = match &converted.organisation {
        Some(name) => format!("organisation = {}\n", toml::Value::String(name.clone())),
        None => String::new(),
    };
    let book = format!(
        "[book]\ntitle = {}\n{organisation}language = \"en\"\n\n[build]\ncontent-dir = \"content\"\noutput-dir = \"site\"\n",
        toml::Value::String(title)
    );
    converted
        .files
        .insert("book.toml".into(), book.into_bytes());
    converted
        .files
        .insert(".gitignore".into(), b"/site\n/.policybook-cache\n".to_vec());

    let mut written = Vec::new();
    let mut kept = Vec::new();
    for (rel, bytes) in &converted.files {
        if write_new(&dest.join(rel), bytes)? {
            written.push(rel.clone());
        } else {
            kept.push(rel.clone());
        }
    }
    for (rel, from) in &converted.copies {
        let bytes = fs::read(from).map_err(|e| Fatal::io("read", from, e))?;
        if write_new(&dest.join(rel), &bytes)? {
            written.push(rel.clone());
        } else {
            kept.push(rel.clone());
        }
    }
    for rel in &kept {
        converted.entries.push(Entry::check(
            "",
            0,
            format!(
                "`{rel}` already existed in DEST and was kept: the imported version was not written"
            ),
        ));
    }
    let report_name = (0..)
        .map(|n| {
            if n == 0 {
                "IMPORT-REPORT.md".to_string()
            } else {
                format!("IMPORT-REPORT-{n}.md")
            }
        })
        .find(|name| !dest.join(name).exists())
        .unwrap_or_default();
    let report = dest.join(&report_name);
    let text = report_markdown(format, src, &converted.entries);
    write_new(&report, text.as_bytes())?;
    Ok(Imported {
        dest: dest.to_path_buf(),
        written,
        kept,
        report,
        to_check: converted
            .entries
            .iter()
            .filter(|e| e.action == Action::Check)
            .count(),
        changes: converted
            .entries
            .iter()
            .filter(|e| e.action == Action::Changed)
            .count(),
    })
}

/// Create `path` with `bytes`; `false` (nothing written) when it exists.
fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, Fatal> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Fatal::io("create", parent, e))?;
    }
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(Fatal::io("create", path, e)),
    };
    std::io::Write::write_all(&mut file, bytes).map_err(|e| Fatal::io("write", path, e))?;
    Ok(true)
}

/// IMPORT-REPORT.md: what to look at first, then every change, each with its source file and line.
fn report_markdown(format: Format, src: &Path, entries: &[Entry]) -> String {
    let mut entries = entries.to_vec();
    entries.sort();
    entries.dedup();
    let mut out = format!(
        "# Import report\n\nImported from `{}` ({} format) by `policybook import`. Lines are `source file:line: what`.\n",
        src.display(),
        format.name()
    );
    for (action, heading, empty) in [
        (
            Action::Check,
            "To look at",
            "Nothing: every value was read as it was meant.",
        ),
        (Action::Changed, "Changes made", "None."),
    ] {
        out.push_str(&format!("\n## {heading}\n\n"));
        let mut any = false;
        for e in entries.iter().filter(|e| e.action == action) {
            any = true;
            let at = match (e.source.as_str(), e.line) {
                ("", _) => "DEST".to_string(),
                (s, 0) => s.to_string(),
                (s, n) => format!("{s}:{n}"),
            };
            out.push_str(&format!("- `{at}`: {}\n", e.what.replace('\n', " ")));
        }
        if !any {
            out.push_str(empty);
            out.push('\n');
        }
    }
    out
}

/// The files under `dir` (relative, `/`-separated, sorted), skipping hidden ones.
fn walk(dir: &Path) -> Result<Vec<String>, Fatal> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
    {
        let entry =
            entry.map_err(|e| Fatal::new(format!("cannot read `{}`: {e}", dir.display())))?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            files.push(crate::load::relative_slash_path(rel));
        }
    }
    Ok(files)
}

/// A source file as text, within policybook's default file size limit (the bounded reader of `load`).
fn read_text(path: &Path) -> Result<String, Fatal> {
    use crate::load::read::{Source, human_size};
    let limit = crate::config::DEFAULT_MAX_FILE_SIZE.0;
    match crate::load::read::read(path, limit).map_err(|e| Fatal::io("read", path, e))? {
        Source::Text(text) => Ok(text),
        Source::TooLarge(size) => Err(Fatal::new(format!(
            "`{}` is {}, more than the {} a document may hold",
            path.display(),
            human_size(size),
            human_size(limit)
        ))
        .help("split it into several documents")),
        Source::NotUtf8 { at, .. } => Err(Fatal::new(format!(
            "`{}` is not UTF-8 text (first bad byte at offset {at})",
            path.display()
        ))
        .help("save it as UTF-8 and import again")),
    }
}

/// The Markdown file at `path` (shown as `source`) as a page, or `None` when it cannot be read,
/// which is reported.
fn markdown_page(path: &Path, source: &str, entries: &mut Vec<Entry>) -> Option<Page> {
    match read_text(path) {
        Ok(text) => Some(page_from_markdown(source, &text, entries)),
        Err(e) => {
            entries.push(Entry::check(source, 1, format!("skipped: {}", e.message)));
            None
        }
    }
}

/// A Markdown file with optional `---` frontmatter read into a [`Page`] (fields, body).
fn page_from_markdown(source: &str, text: &str, entries: &mut Vec<Entry>) -> Page {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut page = Page {
        source: source.into(),
        body_line: 1,
        ..Page::default()
    };
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(|l| l.trim_end()) == Some("---") {
        let mut offset = 4;
        let mut yaml_end = None;
        for (n, line) in lines.enumerate() {
            if matches!(line.trim_end(), "---" | "...") {
                yaml_end = Some((offset, offset + line.len(), n + 2));
                break;
            }
            offset += line.len();
        }
        if let Some((end, body_start, close_line)) = yaml_end {
            let yaml = &text[4.min(end)..end];
            match page::fields_from_yaml(yaml, 2) {
                Ok(fields) => page.fields = fields,
                Err(e) => entries.push(Entry::check(source, 1, format!("dropped the frontmatter (lines 1–{close_line}): {}; copy what it says by hand", e.message))),
            }
            page.body = text[body_start..].to_string();
            page.body_line = close_line + 1;
            return page;
        }
        entries.push(Entry::check(
            source,
            1,
            "the frontmatter that starts on line 1 is never closed: it was kept as text",
        ));
    }
    page.body = text.to_string();
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, value: serde_json::Value, line: usize) -> Field {
        Field {
            key: key.into(),
            value,
            line,
            written: None,
        }
    }

    #[test]
    fn fields_meaning_id_type_and_order_are_read_once_and_reported() {
        let mut pages = vec![Page {
            source: "a.md".into(),
            kind: "document".into(),
            stem: "a".into(),
            body_line: 6,
            fields: vec![
                field("doc_id", "POL-007".into(), 2),
                field("category", "Policy".into(), 3),
                field("doc_type", "Standard".into(), 4),
                field("weight", 3.into(), 5),
            ],
            ..Page::default()
        }];
        let mut converted = Converted::default();
        converted.prepare(&mut pages);
        converted.add_pages(&mut pages, None, |_, _| {});
        let text = String::from_utf8(converted.files["content/policies/a.md"].clone()).unwrap();
        assert_eq!(text, "---\nid: a\norder: 3\ndoc_id: POL-007\n---\n\n");
        let lines: Vec<(usize, &str)> = converted
            .entries
            .iter()
            .map(|e| (e.line, e.what.as_str()))
            .collect();
        assert!(
            lines.contains(&(3, "`category` became `type`")),
            "{lines:?}"
        );
        assert!(lines.contains(&(5, "`weight` became `order`")), "{lines:?}");
        assert!(
            lines.contains(&(
                4,
                "dropped `doc_type: Standard`: another field already gives `type`"
            )),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(line, what)| *line == 2 && what.starts_with("kept `doc_id` as a field")),
            "{lines:?}"
        );
    }
}
