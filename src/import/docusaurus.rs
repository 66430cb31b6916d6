//! Docusaurus: the `docs/` folder of a site (or the folder itself). Number prefixes of folders and
//! files (`10-policies/01-intro.md`) give order, not names; `_category_.json` labels name the
//! types; admonitions become GitHub alerts; MDX `import`/`export` lines and JSX components are
//! removed; site-absolute links become relative, and the files they point to are copied.

use std::collections::BTreeMap;
use std::path::Path;

use super::body::{self, Fences};
use super::links::Links;
use super::page::{self, split_number_prefix};
use super::{Converted, Entry, Page};
use crate::diagnostics::Fatal;

/// Frontmatter fields that only steer Docusaurus' own pages and sidebar.
const DISPLAY_FIELDS: &[&str] = &[
    "slug",
    "sidebar_label",
    "sidebar_class_name",
    "sidebar_custom_props",
    "displayed_sidebar",
    "hide_title",
    "hide_table_of_contents",
    "pagination_label",
    "pagination_next",
    "pagination_prev",
    "custom_edit_url",
    "keywords",
    "image",
    "toc_min_heading_level",
    "toc_max_heading_level",
    "parse_number_prefixes",
    "draft",
    "unlisted",
];

pub fn convert(src: &Path) -> Result<Converted, Fatal> {
    let docs_dir = if src.join("docs").is_dir() {
        "docs"
    } else {
        ""
    };
    let docs = src.join(docs_dir);
    let static_dirs: Vec<String> = ["static"]
        .iter()
        .filter(|d| src.join(d).is_dir())
        .map(|d| d.to_string())
        .collect();
    let mut out = Converted {
        title: site_title(src),
        ..Converted::default()
    };
    let files = super::walk(&docs)?;
    let labels = category_labels(&docs, &files, docs_dir, &mut out.entries);
    let mut pages = Vec::new();
    for rel in &files {
        let source = prefixed(docs_dir, rel);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if !(rel.ends_with(".md") || rel.ends_with(".mdx")) {
            continue;
        }
        if name.starts_with('_') {
            out.entries.push(Entry::check(&source, 1, "skipped: a partial (its name starts with `_`), which Docusaurus only includes into other pages; copy its text where it is used"));
            continue;
        }
        let Some(mut page) = super::markdown_page(&docs.join(rel), &source, &mut out.entries)
        else {
            continue;
        };
        let (stem, number) = split_number_prefix(name);
        page.stem = if matches!(stem.as_str(), "index" | "README" | "readme") {
            rel.rsplit('/')
                .nth(1)
                .map_or(stem.clone(), |d| split_number_prefix(&format!("{d}.x")).0)
        } else {
            stem
        };
        page.order = number;
        page.kind = match rel.split_once('/') {
            Some((folder, _)) => labels
                .get(folder)
                .cloned()
                .unwrap_or_else(|| page::kind_from_folder(folder)),
            None => "document".into(),
        };
        for field in page
            .fields
            .iter()
            .filter(|f| DISPLAY_FIELDS.contains(&f.key.as_str()))
        {
            out.entries.push(Entry::change(&source, field.line, format!("dropped `{}`: it steers Docusaurus' sidebar or URLs, which policybook makes itself", field.key)));
        }
        page.fields
            .retain(|f| !DISPLAY_FIELDS.contains(&f.key.as_str()) || f.key == "slug");
        pages.push(page);
    }
    out.prepare(&mut pages);
    let links = links(src, docs_dir, &pages, static_dirs);
    for page in &mut pages {
        page.fields.retain(|f| f.key != "slug");
    }
    out.add_pages(&mut pages, Some(&links), convert_body);
    Ok(out)
}

fn prefixed(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// The site's title from `docusaurus.config.js`/`.ts` (`title: '…'`), when written plainly.
fn site_title(src: &Path) -> Option<String> {
    [
        "docusaurus.config.js",
        "docusaurus.config.ts",
        "docusaurus.config.mjs",
    ]
    .iter()
    .find_map(|f| super::read_text(&src.join(f)).ok())
    .and_then(|config| {
        config.lines().find_map(|line| {
            let rest = line.trim().strip_prefix("title:")?.trim();
            let quote = rest
                .chars()
                .next()
                .filter(|c| matches!(c, '\'' | '"' | '`'))?;
            let inner = &rest[1..];
            Some(inner[..inner.find(quote)?].to_string())
        })
    })
}

/// Top-level folder → type, from its `_category_.json` label (else its name without number prefix).
fn category_labels(
    docs: &Path,
    files: &[String],
    docs_dir: &str,
    entries: &mut Vec<Entry>,
) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    for rel in files
        .iter()
        .filter(|f| f.ends_with("_category_.json") || f.ends_with("_category_.yml"))
    {
        let Some((folder, "_category_.json" | "_category_.yml")) = rel.split_once('/') else {
            continue;
        };
        let source = prefixed(docs_dir, rel);
        let text = super::read_text(&docs.join(rel)).unwrap_or_default();
        let label = if rel.ends_with(".json") {
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("label")?.as_str().map(String::from))
        } else {
            page::fields_from_yaml(&text, 1)
                .ok()
                .and_then(|f| f.into_iter().find(|f| f.key == "label"))
                .map(|f| page::scalar(&f.value))
        };
        match label {
            Some(label) => {
                let kind = page::kind_from_folder(&label);
                entries.push(Entry::change(&source, 1, format!("the category `{label}` (folder `{folder}`) became the document type `{kind}`")));
                labels.insert(folder.to_string(), kind);
            }
            None => entries.push(Entry::check(
                &source,
                1,
                "no `label` read: the folder name gives the type",
            )),
        }
    }
    labels
}

/// Routes of every page: `/docs/<folders without prefixes>/<id>`, and its `slug`.
fn links(src: &Path, docs_dir: &str, pages: &[Page], static_dirs: Vec<String>) -> Links {
    let mut links = Links::new(src, docs_dir, pages);
    links.static_dirs = static_dirs;
    let routes = &mut links.routes;
    let base = if docs_dir.is_empty() {
        String::new()
    } else {
        format!("/{docs_dir}")
    };
    for page in pages {
        let out = page.out_path();
        let rel = page
            .source
            .strip_prefix(&format!("{docs_dir}/"))
            .unwrap_or(&page.source);
        let folders: Vec<String> = rel
            .split('/')
            .rev()
            .skip(1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(|d| split_number_prefix(&format!("{d}.x")).0)
            .collect();
        let folder = folders.join("/");
        let at = |name: &str| {
            if folder.is_empty() {
                format!("{base}/{name}")
            } else {
                format!("{base}/{folder}/{name}")
            }
        };
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let (stem, _) = split_number_prefix(name);
        routes.insert(at(&stem), out.clone());
        if matches!(stem.as_str(), "index" | "README" | "readme") {
            routes.insert(
                if folder.is_empty() {
                    base.clone()
                } else {
                    format!("{base}/{folder}")
                },
                out.clone(),
            );
        }
        if let Some(id) = page.text("id") {
            routes.insert(at(&id), out.clone());
        }
        if let Some(slug) = page.text("slug") {
            let slug = slug.trim_end_matches('/');
            routes.insert(
                if slug.starts_with('/') {
                    format!("{base}{slug}")
                } else {
                    at(slug)
                },
                out.clone(),
            );
        }
    }
    links
}

/// Admonitions → alerts; MDX imports, exports, comments and JSX component lines removed.
fn convert_body(page: &mut Page, entries: &mut Vec<Entry>) {
    let lines: Vec<&str> = page.body.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut fences = Fences::default();
    let mut i = 0;
    let line_no = |i: usize| page.body_line + i;
    while i < lines.len() {
        let line = lines[i];
        if fences.in_code(line) {
            out.push(line.to_string());
            i += 1;
            continue;
        }
        let trimmed = line.trim_start();
        if (trimmed.starts_with("import ")
            && (trimmed.contains(" from ") || trimmed.contains('\'') || trimmed.contains('"')))
            || trimmed.starts_with("export ")
        {
            entries.push(Entry::change(
                &page.source,
                line_no(i),
                format!("removed the MDX line `{}`", trimmed.trim_end()),
            ));
            i += 1;
            continue;
        }
        if trimmed.starts_with("{/*") {
            let start = i;
            while i < lines.len() && !lines[i].contains("*/}") {
                i += 1;
            }
            entries.push(Entry::change(
                &page.source,
                line_no(start),
                "removed an MDX comment",
            ));
            i += 1;
            continue;
        }
        if is_jsx(trimmed) {
            let start = i;
            while i < lines.len() && !lines[i].contains('>') {
                i += 1;
            }
            let tag: String = trimmed
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '.')
                .collect();
            entries.push(Entry::check(&page.source, line_no(start), format!("removed the JSX component line `<{tag}…>` (policybook renders Markdown only): check the text around it still reads well")));
            i += 1;
            continue;
        }
        if let Some(rest) = trimmed
            .strip_prefix(":::")
            .filter(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let title = rest[name.len()..]
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim();
            let start = i;
            let mut depth = 1;
            let mut inner = Vec::new();
            i += 1;
            while i < lines.len() {
                let t = lines[i].trim();
                if t.starts_with(":::")
                    && t.len() > 3
                    && t[3..].starts_with(|c: char| c.is_ascii_alphabetic())
                {
                    depth += 1;
                } else if t == ":::" {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                inner.push(lines[i].to_string());
                i += 1;
            }
            let (kind, same) = body::alert_kind(&name);
            let what = format!("the `:::{name}` admonition became a `> [!{kind}]` alert");
            entries.push(if same {
                Entry::change(&page.source, line_no(start), what)
            } else {
                Entry::check(
                    &page.source,
                    line_no(start),
                    format!("{what} (the nearest GitHub alert kind)"),
                )
            });
            out.extend(body::alert(
                kind,
                Some(title).filter(|t| !t.is_empty()),
                &inner,
            ));
            i += 1;
            continue;
        }
        let (kept, tags) = strip_inline_jsx(line);
        if !tags.is_empty() {
            entries.push(Entry::check(
                &page.source,
                line_no(i),
                format!(
                    "removed the JSX tags {} from the line, keeping the text between them: check it still reads well",
                    tags.join(", ")
                ),
            ));
        }
        out.push(kept);
        i += 1;
    }
    let mut text = out.join("\n");
    text.push('\n');
    page.body = text;
}

/// `line` without inline JSX tags (`<Highlight color="x">`, `</Highlight>`, `<Icon />`) outside
/// code spans, and the tags removed.
fn strip_inline_jsx(line: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(line.len());
    let mut tags = Vec::new();
    let mut in_code = false;
    let mut rest = line;
    while let Some(at) = rest.find(['<', '`']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix('`') {
            in_code = !in_code;
            out.push('`');
            rest = after;
            continue;
        }
        match tail.find('>') {
            Some(end) if !in_code && is_jsx(tail) => {
                tags.push(format!("`{}`", &tail[..=end]));
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    (out, tags)
}

fn is_jsx(trimmed: &str) -> bool {
    let tag = trimmed
        .strip_prefix("</")
        .or_else(|| trimmed.strip_prefix('<'));
    tag.is_some_and(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn inline_jsx_tags_go_their_text_stays() {
        let (line, tags) = super::strip_inline_jsx(
            "Our <Highlight color=\"#25c2a0\">green</Highlight> brand, `<Code>` and a <b>tag</b>.",
        );
        assert_eq!(line, "Our green brand, `<Code>` and a <b>tag</b>.");
        assert_eq!(tags, ["`<Highlight color=\"#25c2a0\">`", "`</Highlight>`"]);
    }
}
