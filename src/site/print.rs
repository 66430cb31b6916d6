//! `print.html`: every document on one page, each under its control block, for the browser's Print
//! and for the snapshot's PDF. Links between documents become anchors inside the page, so a PDF
//! printed from it links within itself instead of to the folder it was printed from.

use rayon::prelude::*;

use super::theme::Theme;
use super::{Model, Sink, link, site_info};
use crate::diagnostics::Fatal;

/// Where `print.html` puts the documents, one `print-document.html` each.
const PRINT_DOCUMENTS_MARKER: &str = "<!-- policybook:documents -->";
/// Where `print-document.html` puts the document's body.
const PRINT_BODY_MARKER: &str = "<!-- policybook:body -->";

/// `print.html`: every document on one page; and the search index (`search/`).
pub fn write_print(model: &Model, theme: &Theme, sink: &dyn Sink) -> Result<(), Fatal> {
    let docs = &model.handbook.documents;
    let mut cx = tera::Context::new();
    cx.insert("site", &site_info(&model.handbook.config));
    cx.insert("snapshot", &model.snapshot);
    cx.insert("root", "");
    let contents: Vec<_> = docs.iter().map(|d| link(d, "")).collect();
    cx.insert("documents", &contents);
    let classifications: Vec<&str> = crate::isms::control::Classification::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    cx.insert("classifications", &classifications);
    sink.write_stream("print.html", &mut |out| print_page(model, theme, &cx, out))?;
    // The search index is, like this page, made from every body: `serve` refreshes both together.
    super::search::write_index(model, sink)
}

/// The single-page handbook, streamed into `out` a few hundred documents at a time: the bodies are
/// never copied into one template context or one string (at 10,000 documents with diagrams the page
/// is hundreds of megabytes).
fn print_page(
    model: &Model,
    theme: &Theme,
    cx: &tera::Context,
    out: &mut dyn std::io::Write,
) -> Result<(), Fatal> {
    let shell = theme.render("print.html", cx)?;
    let Some((head, tail)) = shell.split_once(PRINT_DOCUMENTS_MARKER) else {
        return Err(Fatal::new(format!(
            "template `print.html` must contain `{PRINT_DOCUMENTS_MARKER}` where the documents go"
        )));
    };
    let write = |out: &mut dyn std::io::Write, text: &str| {
        out.write_all(text.as_bytes())
            .map_err(|e| Fatal::new(format!("cannot write print.html: {e}")))
    };
    write(out, head)?;
    let docs = &model.handbook.documents;
    let ids: std::collections::HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let is_document = |id: &str| ids.contains(id);
    let mut start = 0;
    while start < docs.len() {
        let end = (start + 256).min(docs.len());
        // Wrappers and bodies are made in parallel, a chunk at a time.
        let parts: Vec<(String, String)> = (start..end)
            .into_par_iter()
            .map(|i| {
                let doc = &docs[i];
                let mut cx = tera::Context::new();
                cx.insert("document", &link(doc, ""));
                cx.insert("control", &super::isms::control_block(model, i, ""));
                let wrapper = theme.render("print-document.html", &cx)?;
                let mut body = String::with_capacity(model.bodies[i].html.len() + 1024);
                print_body(&model.bodies[i].html, &doc.id, is_document, &mut body);
                Ok((wrapper, body))
            })
            .collect::<Result<_, Fatal>>()?;
        for (wrapper, body) in &parts {
            match wrapper.split_once(PRINT_BODY_MARKER) {
                Some((before, after)) => {
                    write(out, before)?;
                    write(out, body)?;
                    write(out, after)?;
                }
                None => write(out, wrapper)?,
            }
        }
        start = end;
    }
    write(out, tail)
}

/// The anchor of document `doc` in `print.html` (its `<article>`), or of its element `anchor`.
fn print_anchor(doc: &str, anchor: Option<&str>) -> String {
    match anchor {
        None | Some("") => format!("doc-{doc}"),
        // Document ids never contain `--`, so no element's anchor is another document's.
        Some(a) => format!("doc-{doc}--{a}"),
    }
}

/// The body of document `doc` as `print.html` shows it, appended to `out`: every `id` and
/// same-page `#anchor` carries the document's prefix (`doc-<id>--`), so anchors of different
/// documents never collide; a link to another document (`other.html`, `other.html#a`) becomes an
/// anchor in the page and names its target in `data-doc` (print shows it). Inside inline SVG
/// (diagrams, whose ids are unique already) only links to documents change; `<script>`, `<style>`
/// and comments are copied as they are.
pub fn print_body(html: &str, doc: &str, is_document: impl Fn(&str) -> bool, out: &mut String) {
    let mut rest = html;
    // How many `<svg>` elements are open: inside one, ids and `#` links are the diagram's own.
    let mut svg_depth = 0usize;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        let copy = if rest.starts_with("<!--") {
            rest.find("-->").map_or(rest.len(), |i| i + 3)
        } else if opens_tag(rest, "</svg") {
            svg_depth = svg_depth.saturating_sub(1);
            rest.find('>').map_or(rest.len(), |i| i + 1)
        } else {
            let name = tag_name(&rest[1..]);
            if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style") {
                raw_text_end(rest, name)
            } else if name.is_empty() {
                // An end tag, `<!doctype`, or a `<` that starts no tag.
                if rest[1..].starts_with(['/', '!']) {
                    rest.find('>').map_or(rest.len(), |i| i + 1)
                } else {
                    1
                }
            } else {
                let in_svg = svg_depth > 0 || name.eq_ignore_ascii_case("svg");
                let used = match rest.find('>') {
                    // Most of a diagram's tags link nowhere: copied whole, without reading them.
                    Some(end) if in_svg && !contains_href(&rest[..end]) => {
                        out.push_str(&rest[..=end]);
                        end + 1
                    }
                    _ => start_tag(rest, 1 + name.len(), doc, in_svg, &is_document, out),
                };
                if name.eq_ignore_ascii_case("svg") && !rest[..used].ends_with("/>") {
                    svg_depth += 1;
                }
                rest = &rest[used..];
                continue;
            }
        };
        out.push_str(&rest[..copy]);
        rest = &rest[copy..];
    }
    out.push_str(rest);
}

/// Whether `tag` may have an `href` attribute (in any case).
fn contains_href(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b | 0x20 == b'h'
            && bytes
                .get(i..i + 4)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"href"))
    })
}

/// The element name at the start of `s` (ASCII letters and digits).
fn tag_name(s: &str) -> &str {
    let end = s
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(s.len());
    if s[..end].starts_with(|c: char| c.is_ascii_alphabetic()) {
        &s[..end]
    } else {
        ""
    }
}

/// Whether `s` starts with the tag `<name` or `</name` (case-insensitively, and not `<name2`).
fn opens_tag(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        && !s[prefix.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// The length of the `<script>` or `<style>` element `name` at the start of `s`.
fn raw_text_end(s: &str, name: &str) -> usize {
    let close = format!("</{name}");
    let mut at = 1;
    while let Some(lt) = s[at..].find('<') {
        at += lt;
        if opens_tag(&s[at..], &close) {
            return s[at..].find('>').map_or(s.len(), |i| at + i + 1);
        }
        at += 1;
    }
    s.len()
}

/// Copies the start tag at the start of `s` (its name ends at `from`) to `out` with `id` and `href`
/// rewritten for print (only links to documents `in_svg`); returns its length.
fn start_tag(
    s: &str,
    from: usize,
    doc: &str,
    in_svg: bool,
    is_document: &impl Fn(&str) -> bool,
    out: &mut String,
) -> usize {
    let bytes = s.as_bytes();
    let mut at = from;
    let mut copied = 0;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at >= bytes.len() || bytes[at] == b'>' {
            break;
        }
        if bytes[at] == b'/' {
            at += 1;
            continue;
        }
        let name_start = at;
        while at < bytes.len() && !matches!(bytes[at], b'=' | b'>' | b'/') {
            if bytes[at].is_ascii_whitespace() {
                break;
            }
            at += 1;
        }
        let name = &s[name_start..at];
        let mut look = at;
        while look < bytes.len() && bytes[look].is_ascii_whitespace() {
            look += 1;
        }
        if look >= bytes.len() || bytes[look] != b'=' {
            continue;
        }
        at = look + 1;
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let (value_start, value_end, after) = match bytes.get(at) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = s[at + 1..].find(q as char).map_or(s.len(), |i| at + 1 + i);
                (at + 1, end, (end + 1).min(s.len()))
            }
            _ => {
                let end = s[at..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .map_or(s.len(), |i| at + i);
                (at, end, end)
            }
        };
        at = after;
        let value = &s[value_start..value_end];
        let (new_value, target) = if in_svg && value.starts_with('#') {
            (None, None)
        } else if name.eq_ignore_ascii_case("id") && !in_svg {
            (Some(print_anchor(doc, Some(value))), None)
        } else if name.eq_ignore_ascii_case("href") || name.eq_ignore_ascii_case("xlink:href") {
            match print_href(value, doc, is_document) {
                Some((href, target)) => (Some(href), target),
                None => (None, None),
            }
        } else {
            (None, None)
        };
        if let Some(new_value) = new_value {
            out.push_str(&s[copied..value_start]);
            out.push_str(&new_value);
            out.push_str(&s[value_end..after]);
            if let Some(target) = target {
                out.push_str(" data-doc=\"");
                out.push_str(target);
                out.push('"');
            }
            copied = after;
        }
    }
    let end = if at < bytes.len() { at + 1 } else { at };
    out.push_str(&s[copied..end]);
    end
}

/// The link `href` of document `doc` as `print.html` has it, and the document it goes to when
/// that is another one; `None` when it stays as it is.
fn print_href<'h>(
    href: &'h str,
    doc: &str,
    is_document: &impl Fn(&str) -> bool,
) -> Option<(String, Option<&'h str>)> {
    if let Some(anchor) = href.strip_prefix('#') {
        return Some((format!("#{}", print_anchor(doc, Some(anchor))), None));
    }
    let (page, anchor) = match href.split_once('#') {
        Some((page, anchor)) => (page, Some(anchor)),
        None => (href, None),
    };
    let id = page.strip_suffix(".html")?;
    is_document(id).then(|| (format!("#{}", print_anchor(id, anchor)), Some(id)))
}

/// `text` as a CSS string literal, safe inside `<style>`: for `@page` margin boxes, whose
/// `content` cannot read the page's text.
pub fn css_string(text: &str) -> String {
    let mut css = String::with_capacity(text.len() + 2);
    css.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                css.push('\\');
                css.push(c);
            }
            c if c.is_control() || matches!(c, '<' | '>' | '&') => {
                css.push_str(&format!("\\{:x} ", c as u32));
            }
            c => css.push(c),
        }
    }
    css.push('"');
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(html: &str) -> String {
        let mut out = String::new();
        print_body(html, "this", |id| ["other", "this"].contains(&id), &mut out);
        out
    }

    #[test]
    fn links_between_documents_become_anchors_in_the_page() {
        assert_eq!(
            print(
                r#"<p>See <a class="doc-ref" href="other.html" title="Other (other)">Other</a>.</p>"#
            ),
            r##"<p>See <a class="doc-ref" href="#doc-other" data-doc="other" title="Other (other)">Other</a>.</p>"##
        );
        assert_eq!(
            print(r#"<a href="other.html#scope">x</a>"#),
            r##"<a href="#doc-other--scope" data-doc="other">x</a>"##
        );
        // Attachments, other pages and the web stay links (relative ones work beside print.html).
        for kept in [
            r#"<a href="files/form.pdf">f</a>"#,
            r#"<a href="https://example.org/other.html">w</a>"#,
            r#"<a href="unknown.html">u</a>"#,
            r#"<a href="handbook/soa.html#A.5.1">s</a>"#,
        ] {
            assert_eq!(print(kept), kept);
        }
    }

    #[test]
    fn ids_and_same_page_anchors_carry_the_document() {
        assert_eq!(
            print(
                r##"<h2 id="scope">Scope</h2><p>Note<sup class="footnote-reference"><a href="#n">1</a></sup></p><div class="footnote-definition" id="n">"##
            ),
            r##"<h2 id="doc-this--scope">Scope</h2><p>Note<sup class="footnote-reference"><a href="#doc-this--n">1</a></sup></p><div class="footnote-definition" id="doc-this--n">"##
        );
        // Unquoted, single-quoted, upper case, and `>` inside a quoted value.
        assert_eq!(
            print(r#"<A HREF=#x ID='y' title="a > b">"#),
            r##"<A HREF=#doc-this--x ID='doc-this--y' title="a > b">"##
        );
    }

    #[test]
    fn text_diagrams_scripts_and_comments_are_kept() {
        for kept in [
            r#"<p>Write <code>&lt;a href="other.html"&gt;</code> or id="x" in text.</p>"#,
            r##"<figure class="diagram"><svg id="this-diagram-1-svg"><style>#this-diagram-1-svg .a{}</style><svg id="in"><a href="#m"/></svg><path id="m"/></svg></figure>"##,
            r##"<svg><use xlink:href="#m"/></svg>"##,
            r#"<script>if (a <b) { x.id="y" }</script>"#,
            r#"<!-- <a href="other.html"> -->"#,
            "a < b and </p> <br/> <input disabled type=checkbox/>",
        ] {
            assert_eq!(print(kept), kept);
        }
        assert_eq!(
            print(r#"<svg/><h2 id="a">"#),
            r#"<svg/><h2 id="doc-this--a">"#
        );
        // A diagram's node that links to a document links within the page too.
        assert_eq!(
            print(
                r#"<svg id="d"><g id="n"><a href="other.html"><text>Other</text></a></g></svg><p id="p">"#
            ),
            r##"<svg id="d"><g id="n"><a href="#doc-other" data-doc="other"><text>Other</text></a></g></svg><p id="doc-this--p">"##
        );
    }

    #[test]
    fn css_strings_are_quoted_and_cannot_end_the_style_element() {
        assert_eq!(css_string("Uncontrolled"), "\"Uncontrolled\"");
        assert_eq!(
            css_string("A \"B\" \\ </style>\n"),
            r#""A \"B\" \\ \3c /style\3e \a ""#
        );
    }
}
