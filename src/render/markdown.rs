//! Markdown to HTML for one document: pulldown-cmark events in, rewritten events out.
//!
//! One pass over the events resolves `[doc-id]` references (shown with the target's title), rewrites
//! relative links to page URLs, gives headings unique ids and swaps ```` ```mermaid ```` fences for
//! drawn SVG. Everything it learns (headings, references, attachments, problems) is returned as data;
//! it touches no files.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{
    BrokenLink, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd,
};

use super::diagrams::{self, DiagramCache, DiagramRequest};
use crate::diagnostics::{Diagnostic, FileId};
use crate::load::Document;
use crate::load::markdown::{options, plain_text};
use crate::resolve::{Index, Label, Reference, Target};

/// Where a document's attachments are copied, relative to the site root.
pub const FILES_DIR: &str = "files";

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct RenderedBody {
    pub html: String,
    pub headings: Vec<Heading>,
    pub references: Vec<Reference>,
    /// Content-relative paths of files this document links to, to be copied to the site.
    pub attachments: BTreeSet<String>,
    pub diagram_count: usize,
    pub diagnostics: Vec<Diagnostic>,
}

pub struct Context<'a> {
    pub index: &'a Index<'a>,
    pub diagrams: &'a DiagramCache,
}

/// The URL of document `id` from a page at the site root.
pub fn page_url(id: &str) -> String {
    page_url_from("", id)
}

/// The URL of document `id` from a page `root` below the site root (`""` or `"../"`).
pub fn page_url_from(root: &str, id: &str) -> String {
    [root, id, ".html"].concat()
}

pub fn render(doc: &Document, source: &str, cx: &Context) -> RenderedBody {
    let body = &source[doc.body_start..];
    let offset = doc.body_start;
    let mut out = RenderedBody::default();

    let mut unknown = Vec::new();
    let callback = |link: BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        match cx.index.label(&link.reference) {
            Label::Document { doc, anchor } => {
                let mut url = page_url(&cx.index.documents[doc].id);
                if let Some(a) = anchor {
                    url.push('#');
                    url.push_str(a);
                }
                Some((url.into(), "".into()))
            }
            Label::UnknownId { id, suggestion } => {
                unknown.push((
                    link.span.clone(),
                    id.to_string(),
                    suggestion.map(str::to_string),
                ));
                None
            }
            Label::Prose => None,
        }
    };
    let events: Vec<(Event, Range<usize>)> =
        Parser::new_with_broken_link_callback(body, options(), Some(callback))
            .into_offset_iter()
            .collect();

    let mut seen = HashSet::new();
    for (span, id, suggestion) in unknown {
        if !seen.insert(span.clone()) {
            continue;
        }
        let help = match suggestion {
            Some(s) => format!("did you mean `[{s}]`?"),
            None => "check the id in the target document's frontmatter; to show brackets literally, write `\\[`".into(),
        };
        out.diagnostics.push(
            Diagnostic::error(
                "unknown-reference",
                format!("no document has the id `{id}`"),
            )
            .at(doc.file, offset + span.start..offset + span.end)
            .label("unknown document id")
            .help(help),
        );
    }

    let mut r = Rewriter {
        doc,
        file: doc.file,
        offset,
        source,
        cx,
        out: &mut out,
        slugs: HashSet::new(),
        next_suffix: HashMap::new(),
        title_skipped: false,
    };
    let events = r.rewrite(events);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    // Every body is held until the site is written: keep no slack (diagrams overshoot the guess).
    html.shrink_to_fit();
    out.html = html;
    out
}

struct Rewriter<'a, 'o> {
    doc: &'a Document,
    file: FileId,
    offset: usize,
    source: &'a str,
    cx: &'a Context<'a>,
    out: &'o mut RenderedBody,
    slugs: HashSet<String>,
    /// Per heading slug: the next `-N` suffix to try.
    next_suffix: HashMap<String, usize>,
    title_skipped: bool,
}

impl<'a> Rewriter<'a, '_> {
    fn rewrite<'e>(&mut self, events: Vec<(Event<'e>, Range<usize>)>) -> Vec<Event<'e>> {
        let mut result = Vec::with_capacity(events.len());
        let mut iter = events.into_iter().peekable();
        while let Some((event, span)) = iter.next() {
            match event {
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let mut inner = Vec::new();
                    for (e, _) in iter.by_ref() {
                        if matches!(e, Event::End(TagEnd::Link)) {
                            break;
                        }
                        inner.push(e);
                    }
                    self.link(link_type, dest_url, title, id, inner, span, &mut result);
                }
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let dest_url = self.image(&dest_url, &span).map_or(dest_url, CowStr::from);
                    result.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let mut inner = Vec::new();
                    for (e, s) in iter.by_ref() {
                        if matches!(e, Event::End(TagEnd::Heading(_))) {
                            break;
                        }
                        inner.push((e, s));
                    }
                    let inner = self.rewrite(inner);
                    self.heading(level, id, classes, attrs, inner, &mut result);
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                    if lang.split_whitespace().next() == Some("mermaid") =>
                {
                    let mut code = String::new();
                    for (e, _) in iter.by_ref() {
                        match e {
                            Event::End(TagEnd::CodeBlock) => break,
                            Event::Text(t) => code.push_str(&t),
                            _ => {}
                        }
                    }
                    let html = self.diagram(&code, &span);
                    result.push(Event::Html(html.into()));
                }
                other => result.push(other),
            }
        }
        result
    }

    fn file_span(&self, span: &Range<usize>) -> Range<usize> {
        self.offset + span.start..self.offset + span.end
    }

    fn reference(&mut self, to: usize, anchor: Option<&str>, span: &Range<usize>) {
        self.out.references.push(Reference {
            to,
            anchor: anchor.map(str::to_string),
            file: self.file,
            span: self.file_span(span),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn link<'e>(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        id: CowStr<'e>,
        inner: Vec<Event<'e>>,
        span: Range<usize>,
        result: &mut Vec<Event<'e>>,
    ) {
        let documents = self.cx.index.documents;
        let resolved_by_callback = matches!(
            link_type,
            LinkType::ShortcutUnknown | LinkType::CollapsedUnknown | LinkType::ReferenceUnknown
        );
        if resolved_by_callback && let Label::Document { doc, anchor } = self.cx.index.label(&id) {
            self.reference(doc, anchor, &span);
            let target = &documents[doc];
            let mut open = String::with_capacity(48 + dest_url.len() + target.title.len() * 2);
            open.push_str("<a class=\"doc-ref\" href=\"");
            escape_attr_into(&dest_url, &mut open);
            open.push_str("\" title=\"");
            escape_attr_into(&target.title, &mut open);
            open.push_str(" (");
            escape_attr_into(&target.id, &mut open);
            open.push_str(")\">");
            result.push(Event::InlineHtml(open.into()));
            if link_type == LinkType::ReferenceUnknown {
                result.extend(inner);
            } else {
                result.push(Event::Text(target.title.clone().into()));
            }
            result.push(Event::InlineHtml("</a>".into()));
            return;
        }
        let dest = match self.cx.index.target(&self.doc.path, &dest_url) {
            Target::External => None,
            Target::SamePage(anchor) => {
                self.reference_same_page(anchor, &span);
                None
            }
            Target::Document { doc, anchor } => {
                self.reference(doc, anchor, &span);
                let mut url = page_url(&documents[doc].id);
                if let Some(a) = anchor {
                    url = format!("{url}#{a}");
                }
                Some(url)
            }
            Target::Asset(path) => Some(self.attachment(path)),
            Target::Missing { path, suggestion } => {
                self.missing(&path, suggestion, &span, "link");
                None
            }
            Target::Outside => {
                self.outside(&dest_url, &span, "link");
                None
            }
        };
        let dest_url = dest.map_or(dest_url, CowStr::from);
        result.push(Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }));
        result.extend(inner);
        result.push(Event::End(TagEnd::Link));
    }

    /// Same-page anchors are checked once the headings are known: recorded as a reference to itself.
    fn reference_same_page(&mut self, anchor: &str, span: &Range<usize>) {
        if let Some(me) = self.cx.index.get(&self.doc.id) {
            self.reference(me, Some(anchor), span);
        }
    }

    fn image(&mut self, dest: &str, span: &Range<usize>) -> Option<String> {
        match self.cx.index.target(&self.doc.path, dest) {
            Target::External => {
                if dest.starts_with("data:") {
                    return None;
                }
                self.out.diagnostics.push(
                    Diagnostic::error("external-image", format!("image `{dest}` is outside the handbook"))
                        .at(self.file, self.file_span(span))
                        .label("would not load offline or from a snapshot")
                        .help("download the image into the content folder and link to it with a relative path"),
                );
                None
            }
            Target::Asset(path) => Some(self.attachment(path)),
            Target::Missing { path, suggestion } => {
                self.missing(&path, suggestion, span, "image");
                None
            }
            Target::Outside => {
                self.outside(dest, span, "image");
                None
            }
            Target::Document { .. } | Target::SamePage(_) => {
                self.out.diagnostics.push(
                    Diagnostic::error("invalid-image", format!("image `{dest}` is not an image file"))
                        .at(self.file, self.file_span(span))
                        .help("link to documents with `[doc-id]`; images must be files such as .png or .svg"),
                );
                None
            }
        }
    }

    fn attachment(&mut self, path: String) -> String {
        let url = format!("{FILES_DIR}/{}", encode_path(&path));
        self.out.attachments.insert(path);
        url
    }

    fn missing(&mut self, path: &str, suggestion: Option<String>, span: &Range<usize>, what: &str) {
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                "paths are relative to this document's folder; use `[doc-id]` to link to a document"
                    .into()
            }
        };
        self.out.diagnostics.push(
            Diagnostic::error(
                "missing-file",
                format!("{what} to `{path}`, which does not exist"),
            )
            .at(self.file, self.file_span(span))
            .label("no such file in the content folder")
            .help(help),
        );
    }

    fn outside(&mut self, dest: &str, span: &Range<usize>, what: &str) {
        self.out.diagnostics.push(
            Diagnostic::error("outside-content", format!("{what} `{dest}` points outside the content folder"))
                .at(self.file, self.file_span(span))
                .label("the published handbook cannot contain this file")
                .help("move the file into the content folder and use a relative path, or link with `[doc-id]`"),
        );
    }

    fn heading<'e>(
        &mut self,
        level: HeadingLevel,
        id: Option<CowStr<'e>>,
        classes: Vec<CowStr<'e>>,
        attrs: Vec<(CowStr<'e>, Option<CowStr<'e>>)>,
        inner: Vec<Event<'e>>,
        result: &mut Vec<Event<'e>>,
    ) {
        let text = plain_text(&inner);
        // The page template shows the title: the first level-1 heading that gives it is not
        // repeated, wherever it stands.
        if !self.title_skipped && level == HeadingLevel::H1 && text.trim() == self.doc.title {
            self.title_skipped = true;
            return;
        }
        let base = match &id {
            Some(custom) => custom.to_string(),
            None => slugify(&text),
        };
        // `base`, else the first free `base-N`; each base remembers where its search ended, so
        // many equal headings cost linear time.
        let mut slug = base.clone();
        if !self.slugs.insert(slug.clone()) {
            let n = self.next_suffix.entry(base.clone()).or_insert(1);
            loop {
                slug = format!("{base}-{n}");
                *n += 1;
                if self.slugs.insert(slug.clone()) {
                    break;
                }
            }
        }
        self.out.headings.push(Heading {
            level: level as u8,
            id: slug.clone(),
            text: text.trim().to_string(),
        });
        result.push(Event::Start(Tag::Heading {
            level,
            id: Some(slug.into()),
            classes,
            attrs,
        }));
        result.extend(inner);
        result.push(Event::End(TagEnd::Heading(level)));
    }

    fn diagram(&mut self, code: &str, span: &Range<usize>) -> String {
        let fence_start = self.offset + span.start;
        // Line 1 of the diagram is the line after the opening fence.
        let first_line = fence_start + self.source[fence_start..].find('\n').map_or(0, |n| n + 1);
        let line_span = |line: usize| -> Range<usize> {
            let mut start = first_line;
            for _ in 1..line {
                match self.source[start..].find('\n') {
                    Some(n) => start += n + 1,
                    None => break,
                }
            }
            let end = self.source[start..]
                .find('\n')
                .map_or(self.source.len(), |n| start + n);
            start..end.max(start)
        };
        let fence_span = fence_start
            ..self.source[fence_start..]
                .find('\n')
                .map_or(fence_start, |n| fence_start + n);

        let mut links = BTreeMap::new();
        let clicks = match diagrams::extract_clicks(code) {
            Ok(clicks) => clicks,
            Err(e) => {
                let at = e.line.map_or(fence_span.clone(), line_span);
                self.diagram_error(&e.message, e.help.as_deref(), at);
                return String::new();
            }
        };
        let mut failed = false;
        for click in clicks {
            let at = line_span(click.line);
            match self.cx.index.label(&click.target) {
                Label::Document { doc, anchor } => {
                    self.out.references.push(Reference {
                        to: doc,
                        anchor: anchor.map(str::to_string),
                        file: self.file,
                        span: at,
                    });
                    let mut url = page_url(&self.cx.index.documents[doc].id);
                    if let Some(a) = anchor {
                        url = format!("{url}#{a}");
                    }
                    links.insert(click.node, url);
                }
                _ => {
                    failed = true;
                    let help = match self.cx.index.suggest(&click.target) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "a `click` target is a document id from this handbook".into(),
                    };
                    self.out.diagnostics.push(
                        Diagnostic::error(
                            "unknown-reference",
                            format!(
                                "diagram links to `{}`, but no document has that id",
                                click.target
                            ),
                        )
                        .at(self.file, at)
                        .label("unknown document id")
                        .help(help),
                    );
                }
            }
        }
        if failed {
            return String::new();
        }
        self.out.diagram_count += 1;
        let id_prefix = format!("{}-diagram-{}", self.doc.id, self.out.diagram_count);
        let label = self.out.headings.last().map_or_else(
            || format!("Diagram in {}", self.doc.title),
            |h| format!("Diagram: {}", h.text),
        );
        let request = DiagramRequest {
            source: code,
            id_prefix: &id_prefix,
            fallback_label: &label,
            links: &links,
        };
        match self.cx.diagrams.get_or_render(&request) {
            Ok(svg) => format!("<figure class=\"diagram\" id=\"{id_prefix}\">{svg}</figure>\n"),
            Err(e) => {
                let at = e.line.map_or(fence_span, line_span);
                self.diagram_error(&e.message, e.help.as_deref(), at);
                String::new()
            }
        }
    }

    fn diagram_error(&mut self, message: &str, help: Option<&str>, at: Range<usize>) {
        self.out.diagnostics.push(
            Diagnostic::error("invalid-diagram", format!("mermaid diagram: {message}"))
                .at(self.file, at)
                .help(help.unwrap_or(
                    "see the README's mermaid section for the supported diagram kinds and syntax",
                )),
        );
    }
}

/// A heading's id: lowercase letters and digits, everything else folded into single hyphens.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let len = slug.trim_end_matches('-').len();
    if len == 0 {
        return "section".into();
    }
    slug.truncate(len);
    slug
}

/// `s` with `& " < > '` escaped for an attribute value.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_attr_into(s, &mut out);
    out
}

/// Append `s` to `out` with `& " < > '` escaped for an attribute value.
pub fn escape_attr_into(s: &str, out: &mut String) {
    escape_runs(s, "&#39;", |run| out.push_str(run));
}

/// `input` with `& < > "` and `'` (as `apostrophe`) escaped, handed to `push` in runs: the text
/// between special characters goes in one piece. Bodies write `'` as `&#39;`, templates as
/// `&#x27;`; both are kept so that output stays byte-identical.
pub fn escape_runs<'a>(input: &'a str, apostrophe: &'a str, mut push: impl FnMut(&'a str)) {
    let mut from = 0;
    for (i, b) in input.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\'' => apostrophe,
            _ => continue,
        };
        // The special characters are ASCII, so `from..i` are character boundaries.
        push(&input[from..i]);
        push(entity);
        from = i + 1;
    }
    push(&input[from..]);
}

/// Percent-encode a content-relative path for use in a URL.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Top risks/mitigations"), "top-risks-mitigations");
        assert_eq!(slugify("  Password rules!  "), "password-rules");
        assert_eq!(slugify("Über 9.3 Review"), "über-9-3-review");
        assert_eq!(slugify("???"), "section");
        assert_eq!(slugify("ΣΙΓΜΑ и Ünïcode—dash"), "σιγμα-и-ünïcode-dash");
        assert_eq!(slugify("A\u{a0}B"), "a-b", "a non-breaking space separates");
    }

    #[test]
    fn attributes_are_escaped_in_runs() {
        assert_eq!(
            escape_attr(r#"Tom & "Jerry's" <b>"#),
            "Tom &amp; &quot;Jerry&#39;s&quot; &lt;b&gt;"
        );
        assert_eq!(escape_attr("plain ünïcode"), "plain ünïcode");
        assert_eq!(escape_attr(""), "");
    }

    #[test]
    fn paths_are_encoded() {
        assert_eq!(
            encode_path("images/flow chart.png"),
            "images/flow%20chart.png"
        );
    }
}
