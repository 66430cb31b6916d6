//! Site: the pages (documents, home, print) rendered through the theme's templates, and the files
//! written beside them. Reads the model built by the earlier stages and never changes it.
//!
//! Page size stays independent of the number of documents: the sidebar comes from one shared
//! `static/nav.js`, not from a list inlined into every page.

pub mod csv_export;
pub mod isms;
pub mod output;
pub mod print;
pub mod search;
pub mod theme;

use rayon::prelude::*;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::Config;
use crate::diagnostics::Fatal;
use crate::load::{Document, Handbook, kind_label};
use crate::render::markdown::{FILES_DIR, page_url, page_url_from};
use crate::render::{Heading, RenderedBody};
use crate::resolve::LinkGraph;
pub use print::write_print;
use theme::Theme;

/// Everything the pages are made from.
pub struct Model<'a> {
    pub handbook: &'a Handbook,
    pub bodies: &'a [RenderedBody],
    pub graph: &'a LinkGraph,
    pub isms: &'a crate::isms::Isms,
    /// `None` outside git (or for a shallow clone).
    pub history: Option<&'a crate::history::History>,
    /// The revision a `policybook snapshot` is of: every page shows a banner.
    pub snapshot: Option<&'a crate::git::SnapshotInfo>,
}

/// Fills a streamed file.
pub type Fill<'a> = dyn FnMut(&mut dyn std::io::Write) -> Result<(), Fatal> + 'a;

/// Receives every file of the site: a site-relative path and its bytes.
pub trait Sink: Sync {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Fatal>;
    /// Write a file made of `parts`, in order.
    /// Write a file by streaming into it (for pages too large to hold twice in memory).
    fn write_stream(&self, rel: &str, fill: &mut Fill) -> Result<(), Fatal>;
    fn copy(&self, rel: &str, from: &std::path::Path) -> Result<(), Fatal>;
}

impl Sink for output::Staging {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Fatal> {
        output::Staging::write(self, rel, bytes)
    }
    fn write_stream(&self, rel: &str, fill: &mut Fill) -> Result<(), Fatal> {
        output::Staging::write_stream(self, rel, fill)
    }
    fn copy(&self, rel: &str, from: &std::path::Path) -> Result<(), Fatal> {
        output::Staging::copy(self, rel, from)
    }
}

/// Renders everything but keeps nothing: `policybook check` validates templates this way.
pub struct Discard;

impl Sink for Discard {
    fn write(&self, _: &str, _: &[u8]) -> Result<(), Fatal> {
        Ok(())
    }
    fn write_stream(&self, _: &str, fill: &mut Fill) -> Result<(), Fatal> {
        fill(&mut std::io::sink())
    }
    fn copy(&self, _: &str, from: &std::path::Path) -> Result<(), Fatal> {
        std::fs::metadata(from)
            .map(drop)
            .map_err(|e| Fatal::io("read", from, e))
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    pub pages: u64,
    pub bytes: u64,
}

#[derive(Serialize)]
struct SiteInfo<'a> {
    title: &'a str,
    organisation: Option<&'a str>,
    language: &'a str,
    description: Option<&'a str>,
    repository_url: Option<&'a str>,
    print: PrintInfo<'a>,
}

/// What printed pages carry in their margins (`@page` margin boxes take CSS strings only).
#[derive(Serialize)]
struct PrintInfo<'a> {
    /// `[output.print] footer`; empty for none.
    footer: &'a str,
    footer_css: String,
    title_css: String,
}

#[derive(Serialize)]
pub struct DocLink<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub kind: &'a str,
    pub url: String,
    pub description: Option<&'a str>,
}

#[derive(Serialize)]
struct Group<'a> {
    kind: &'a str,
    label: String,
    documents: Vec<DocSummary<'a>>,
}

#[derive(Serialize)]
struct DocSummary<'a> {
    #[serde(flatten)]
    link: DocLink<'a>,
    owner: Option<&'a str>,
    version: Option<String>,
    status: Option<&'a str>,
}

#[derive(Serialize)]
struct PageInfo<'a> {
    #[serde(flatten)]
    link: DocLink<'a>,
    kind_label: String,
    source_path: String,
    meta: &'a crate::load::frontmatter::Fields,
    toc: Vec<&'a Heading>,
    body: &'a str,
    /// [`DocLink`]s, shared from [`LinkValues`].
    references: Vec<tera::Value>,
    referenced_by: Vec<tera::Value>,
    /// `toc`, `references` and `referenced_by` as ready `<li>` items, which the default theme
    /// uses: a template loop over them took a quarter of a page's rendering time.
    toc_html: String,
    references_html: String,
    referenced_by_html: String,
    edit_url: Option<String>,
    control: isms::ControlBlock<'a>,
    /// Newest first; empty outside git.
    history: &'a [crate::history::Revision],
    last_changed: Option<&'a str>,
}

pub fn link<'a>(doc: &'a Document, root: &str) -> DocLink<'a> {
    DocLink {
        id: &doc.id,
        title: &doc.title,
        kind: &doc.kind,
        url: page_url_from(root, &doc.id),
        description: doc.description.as_deref(),
    }
}

fn text_field<'a>(doc: &'a Document, key: &str) -> Option<&'a str> {
    doc.fields.get(key).and_then(|v| v.as_str())
}

fn version(doc: &Document) -> Option<String> {
    match doc.fields.get("version")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn site_info(config: &Config) -> SiteInfo<'_> {
    SiteInfo {
        title: &config.book.title,
        organisation: config.book.organisation.as_deref(),
        language: &config.book.language,
        description: config.book.description.as_deref(),
        repository_url: config.output.html.repository_url.as_deref(),
        print: PrintInfo {
            footer: &config.output.print.footer,
            footer_css: print::css_string(&config.output.print.footer),
            title_css: print::css_string(&config.book.title),
        },
    }
}

fn groups<'a>(documents: &'a [Document], root: &str) -> Vec<Group<'a>> {
    let mut groups: Vec<Group> = Vec::new();
    for doc in documents {
        if groups.last().is_none_or(|g| g.kind != doc.kind) {
            groups.push(Group {
                kind: &doc.kind,
                label: kind_label(&doc.kind),
                documents: Vec::new(),
            });
        }
        let summary = DocSummary {
            link: link(doc, root),
            owner: text_field(doc, "owner"),
            version: version(doc),
            status: text_field(doc, "status"),
        };
        groups
            .last_mut()
            .expect("pushed above")
            .documents
            .push(summary);
    }
    groups
}

/// The sidebar's data, shared by every page: `[[label, [[id, title], …]], …]`, with a document's
/// status third when it is not in force (`[id, title, "draft"]`), for the sidebar to mark it.
fn nav_script(
    documents: &[Document],
    controls: &[crate::isms::control::DocumentControl],
) -> String {
    use crate::isms::control::Status;
    let mut nav: Vec<(String, Vec<Vec<&str>>)> = Vec::new();
    let mut last_kind = None;
    for (doc, control) in documents.iter().zip(controls) {
        if last_kind != Some(&doc.kind) {
            nav.push((kind_label(&doc.kind), Vec::new()));
            last_kind = Some(&doc.kind);
        }
        let mut entry = vec![doc.id.as_str(), doc.title.as_str()];
        if let Some(status) = control.status.filter(|s| *s != Status::Approved) {
            entry.push(status.as_str());
        }
        nav.last_mut().expect("pushed above").1.push(entry);
    }
    let json = serde_json::to_string(&nav).expect("plain data serialises");
    // `</` must not appear inside a script file that might be inlined; escape it anyway.
    format!("window.POLICYBOOK_NAV = {};\n", json.replace("</", "<\\/"))
}

/// Render every page into `sink`.
pub fn write_site(model: &Model, theme: &Theme, sink: &dyn Sink) -> Result<Stats, Fatal> {
    let counting = Counting::new(sink);
    // The shared pages and the print page are mostly serial work: they run beside the document
    // pages, which fill whichever cores are left.
    let (documents, (shared, print)) = rayon::join(
        || write_documents(model, theme, &counting, 0..model.handbook.documents.len()),
        || {
            rayon::join(
                || write_shared(model, theme, &counting),
                || write_print(model, theme, &counting),
            )
        },
    );
    documents.and(shared).and(print)?;
    write_assets(model, theme, sink)?;
    Ok(counting.stats())
}

/// The pages of documents `which` (indices in document order).
pub fn write_documents(
    model: &Model,
    theme: &Theme,
    sink: &dyn Sink,
    which: impl IntoParallelIterator<Item = usize>,
) -> Result<(), Fatal> {
    let which: Vec<usize> = which.into_par_iter().collect();
    let links = LinkValues::for_pages(model, &which);
    which.into_par_iter().try_for_each_init(
        || Vec::with_capacity(64 * 1024),
        |page, i| {
            page.clear();
            document_page(model, theme, &links, i, page)?;
            sink.write(&page_url(&model.handbook.documents[i].id), page)
        },
    )
}

/// Documents' [`DocLink`]s from the site root as template values, each made once: a link listed on
/// many pages (references, backlinks, previous and next) is then shared rather than converted for
/// every page again.
struct LinkValues(Vec<Option<tera::Value>>);

impl LinkValues {
    /// The links the pages of `pages` show.
    fn for_pages(model: &Model, pages: &[usize]) -> Self {
        let docs = &model.handbook.documents;
        let graph = model.graph;
        let mut needed = vec![false; docs.len()];
        for &i in pages {
            for &j in graph.outgoing[i].iter().chain(&graph.incoming[i]) {
                needed[j] = true;
            }
            needed[i.saturating_sub(1)..(i + 2).min(docs.len())].fill(true);
        }
        LinkValues(
            needed
                .par_iter()
                .zip(docs)
                .map(|(&needed, doc)| {
                    needed.then(|| tera::Value::from_serializable(&link(doc, "")))
                })
                .collect(),
        )
    }

    fn get(&self, i: usize) -> tera::Value {
        self.0[i]
            .clone()
            .expect("made for every document a page shows")
    }
}

/// `<li><a href="url">title</a> <span class="doc-id">id</span></li>` per document of `which`.
fn link_items(docs: &[Document], which: &[usize]) -> String {
    let mut html = String::new();
    for doc in which.iter().map(|&j| &docs[j]) {
        html.push_str("<li><a href=\"");
        theme::escape_html_into(&page_url(&doc.id), &mut html);
        html.push_str("\">");
        theme::escape_html_into(&doc.title, &mut html);
        html.push_str("</a> <span class=\"doc-id\">");
        theme::escape_html_into(&doc.id, &mut html);
        html.push_str("</span></li>");
    }
    html
}

/// `<li class="toc-level-N"><a href="#id">text</a></li>` per heading.
fn toc_items(toc: &[&Heading]) -> String {
    let mut html = String::new();
    for h in toc {
        html.push_str("<li class=\"toc-level-");
        html.push_str(&h.level.to_string());
        html.push_str("\"><a href=\"#");
        theme::escape_html_into(&h.id, &mut html);
        html.push_str("\">");
        theme::escape_html_into(&h.text, &mut html);
        html.push_str("</a></li>");
    }
    html
}

/// The page of document `i`, appended to `out`.
fn document_page(
    model: &Model,
    theme: &Theme,
    links: &LinkValues,
    i: usize,
    out: &mut Vec<u8>,
) -> Result<(), Fatal> {
    let handbook = model.handbook;
    let config = &handbook.config;
    let docs = &handbook.documents;
    let doc = &docs[i];
    let body = &model.bodies[i];
    let revisions = model
        .history
        .and_then(|h| h.by_path.get(&doc.path))
        .map_or(&[][..], Vec::as_slice);
    let toc: Vec<&Heading> = body
        .headings
        .iter()
        .filter(|h| (2..=3).contains(&h.level))
        .collect();
    let outgoing = &model.graph.outgoing[i];
    let incoming = &model.graph.incoming[i];
    let page = PageInfo {
        link: link(doc, ""),
        kind_label: kind_label(&doc.kind),
        source_path: format!(
            "{}/{}",
            crate::load::relative_slash_path(&config.build.content_dir),
            doc.path
        ),
        meta: &doc.fields,
        toc_html: toc_items(&toc),
        references_html: link_items(docs, outgoing),
        referenced_by_html: link_items(docs, incoming),
        toc,
        body: &body.html,
        references: outgoing.iter().map(|&j| links.get(j)).collect(),
        referenced_by: incoming.iter().map(|&j| links.get(j)).collect(),
        edit_url: config
            .output
            .html
            .edit_url(&config.build.content_dir.join(&doc.path)),
        control: isms::control_block(model, i, ""),
        history: revisions,
        last_changed: revisions.first().map(|r| r.date.as_str()),
    };
    let mut cx = tera::Context::new();
    cx.insert("site", &site_info(config));
    cx.insert("snapshot", &model.snapshot);
    cx.insert("root", "");
    cx.insert("page", &page);
    cx.insert("prev", &i.checked_sub(1).map(|p| links.get(p)));
    cx.insert("next", &(i + 1 < docs.len()).then(|| links.get(i + 1)));
    theme.render_into("page.html", &cx, out)
}

/// The pages that list documents or their metadata: home, 404, the ISMS records, and the nav data.
pub fn write_shared(model: &Model, theme: &Theme, sink: &dyn Sink) -> Result<(), Fatal> {
    let config = &model.handbook.config;
    let docs = &model.handbook.documents;
    let mut cx = tera::Context::new();
    cx.insert("site", &site_info(config));
    cx.insert("snapshot", &model.snapshot);
    cx.insert("root", "");
    cx.insert("groups", &groups(docs, ""));
    cx.insert("document_count", &docs.len());
    sink.write("index.html", theme.render("index.html", &cx)?.as_bytes())?;
    sink.write("404.html", theme.render("404.html", &cx)?.as_bytes())?;
    let mut base = tera::Context::new();
    base.insert("site", &site_info(config));
    base.insert("snapshot", &model.snapshot);
    isms::write_pages(model, theme, &base, sink)?;
    sink.write(
        "static/nav.js",
        nav_script(docs, &model.isms.controls).as_bytes(),
    )
}

/// The theme's static files and the attachments documents link to.
pub fn write_assets(model: &Model, theme: &Theme, sink: &dyn Sink) -> Result<(), Fatal> {
    for (path, content) in &theme.static_files {
        sink.write(path, content)?;
    }
    let attachments: std::collections::BTreeSet<&String> =
        model.bodies.iter().flat_map(|b| &b.attachments).collect();
    for rel in attachments {
        sink.copy(
            &format!("{FILES_DIR}/{rel}"),
            &model.handbook.content_dir.join(rel),
        )?;
    }
    Ok(())
}

struct CountingWriter<'a> {
    inner: &'a mut dyn std::io::Write,
    bytes: usize,
}

impl std::io::Write for CountingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Counts the pages and bytes written through it.
struct Counting<'a> {
    inner: &'a dyn Sink,
    pages: AtomicU64,
    bytes: AtomicU64,
}

impl<'a> Counting<'a> {
    fn new(inner: &'a dyn Sink) -> Self {
        Counting {
            inner,
            pages: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    fn stats(self) -> Stats {
        Stats {
            pages: self.pages.into_inner(),
            bytes: self.bytes.into_inner(),
        }
    }

    fn count(&self, bytes: usize) {
        self.pages.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

impl Sink for Counting<'_> {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Fatal> {
        if rel.ends_with(".html") {
            self.count(bytes.len());
        }
        self.inner.write(rel, bytes)
    }
    fn write_stream(&self, rel: &str, fill: &mut Fill) -> Result<(), Fatal> {
        self.inner.write_stream(rel, &mut |out| {
            let mut counted = CountingWriter {
                inner: out,
                bytes: 0,
            };
            let result = fill(&mut counted);
            self.count(counted.bytes);
            result
        })
    }
    fn copy(&self, rel: &str, from: &std::path::Path) -> Result<(), Fatal> {
        self.inner.copy(rel, from)
    }
}
