//! MkDocs: `mkdocs.yml` (`site_name`, `docs_dir`, `nav`) and its pages. The `nav` gives the order,
//! its top-level sections the types, its labels the titles of pages that have none;
//! `!!! note "Title"` and `??? warning` admonitions (indented bodies) become GitHub alerts.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::body::{self, Fences};
use super::links::Links;
use super::page::{self, Field};
use super::{Converted, Entry, Page};
use crate::diagnostics::Fatal;

/// A page's place in the nav.
struct Placed {
    kind: Option<String>,
    order: i64,
    label: Option<String>,
}

pub fn convert(src: &Path) -> Result<Converted, Fatal> {
    let config_path = ["mkdocs.yml", "mkdocs.yaml"]
        .iter()
        .map(|f| src.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Fatal::new(format!("`{}` has no mkdocs.yml", src.display()))
                .help("pass the folder that holds mkdocs.yml")
        })?;
    let config_text = super::read_text(&config_path)?;
    let config = page::fields_from_yaml(&strip_tags(&config_text), 1).map_err(|e| {
        Fatal::new(format!(
            "`{}` is not valid YAML: {}",
            config_path.display(),
            e.message
        ))
        .help(e.help)
    })?;
    let get = |key: &str| config.iter().find(|f| f.key == key);
    let docs_dir = get("docs_dir").map_or("docs".to_string(), |f| {
        page::scalar(&f.value).trim_matches('/').to_string()
    });
    let mut out = Converted {
        title: get("site_name").map(|f| page::scalar(&f.value)),
        ..Converted::default()
    };
    let mut placed = BTreeMap::new();
    if let Some(nav) = get("nav") {
        let mut next = 0;
        walk_nav(
            &nav.value,
            None,
            &mut placed,
            &mut next,
            nav.line,
            &mut out.entries,
        );
    }
    let docs = src.join(&docs_dir);
    if !docs.is_dir() {
        return Err(Fatal::new(format!(
            "the docs folder `{}` does not exist",
            docs.display()
        ))
        .help("set `docs_dir` in mkdocs.yml, or pass the folder that holds mkdocs.yml"));
    }
    let mut pages = Vec::new();
    for rel in super::walk(&docs)? {
        if !rel.ends_with(".md") {
            continue;
        }
        let source = format!("{docs_dir}/{rel}");
        let Some(mut page) = super::markdown_page(&docs.join(&rel), &source, &mut out.entries)
        else {
            continue;
        };
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let (stem, number) = page::split_number_prefix(name);
        page.stem = if matches!(stem.as_str(), "index" | "README" | "readme") {
            rel.rsplit('/').nth(1).map_or(stem, str::to_string)
        } else {
            stem
        };
        let folder_kind = rel
            .split_once('/')
            .map_or("document".to_string(), |(f, _)| page::kind_from_folder(f));
        match placed.get(&rel) {
            Some(Placed { kind, order, label }) => {
                page.kind = kind.clone().unwrap_or(folder_kind);
                page.order = Some(*order);
                if let Some(label) = label
                    && page.field("title").is_none()
                    && crate::load::markdown::first_h1(&page.body).is_none()
                {
                    page.fields.push(Field {
                        key: "title".into(),
                        value: Value::String(label.clone()),
                        line: 1,
                        written: None,
                    });
                    out.entries.push(Entry::change(
                        &source,
                        1,
                        format!("the title `{label}` comes from the nav of mkdocs.yml"),
                    ));
                }
            }
            None => {
                page.kind = folder_kind;
                page.order = number;
                if get("nav").is_some() {
                    out.entries.push(Entry::check(
                        &source,
                        1,
                        format!(
                            "not in the nav of mkdocs.yml: imported as type `{}`, after the others",
                            page.kind
                        ),
                    ));
                }
            }
        }
        pages.push(page);
    }
    out.prepare(&mut pages);
    let links = Links::new(src, &docs_dir, &pages);
    out.add_pages(&mut pages, Some(&links), convert_body);
    Ok(out)
}

/// YAML tags of MkDocs plugins (`!!python/name:…`, `!ENV`) that are not needed here: they are
/// removed so that the rest of the file reads.
fn strip_tags(text: &str) -> String {
    text.lines()
        .map(|line| {
            let Some(at) = line.find(" !") else {
                return line.to_string();
            };
            let tag_end = line[at + 1..].find(' ').map_or(line.len(), |n| at + 1 + n);
            if line[at + 1..tag_end].starts_with("!!python") {
                format!("{} \"\"", &line[..at])
            } else {
                format!("{}{}", &line[..at + 1], &line[tag_end..].trim_start())
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Number the nav's pages in order; top-level sections are types.
fn walk_nav(
    value: &Value,
    section: Option<&str>,
    placed: &mut BTreeMap<String, Placed>,
    next: &mut i64,
    line: usize,
    entries: &mut Vec<Entry>,
) {
    let Value::Array(items) = value else { return };
    for item in items {
        let (label, target) = match item {
            Value::String(path) => (None, Value::String(path.clone())),
            Value::Object(map) => match map.iter().next() {
                Some((label, target)) => (Some(label.as_str()), target.clone()),
                None => continue,
            },
            _ => continue,
        };
        match target {
            Value::String(path) if path.contains("://") => {
                entries.push(Entry::check(
                    "mkdocs.yml",
                    line,
                    format!(
                        "the nav's external link `{path}` was left out: link to it from a document"
                    ),
                ));
            }
            Value::String(path) => {
                *next += 10;
                placed
                    .entry(path.trim_start_matches("./").to_string())
                    .or_insert(Placed {
                        kind: section.map(page::kind_from_folder),
                        order: *next,
                        label: label.map(str::to_string),
                    });
            }
            nested @ Value::Array(_) => {
                let section = section.or(label);
                walk_nav(&nested, section, placed, next, line, entries);
            }
            _ => {}
        }
    }
}

/// `!!! kind "Title"` / `??? kind` / `???+ kind` with an indented body → a GitHub alert.
fn convert_body(page: &mut Page, entries: &mut Vec<Entry>) {
    let lines: Vec<&str> = page.body.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut fences = Fences::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if fences.in_code(line) {
            out.push(line.to_string());
            i += 1;
            continue;
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let rest = ["!!!", "???+", "???"]
            .iter()
            .find_map(|m| trimmed.strip_prefix(m))
            .filter(|r| r.starts_with(' '));
        let Some(rest) = rest else {
            out.push(line.to_string());
            i += 1;
            continue;
        };
        let rest = rest.trim();
        let name: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
        let title = rest[name.len()..].trim().trim_matches('"');
        let start = i;
        let mut inner = Vec::new();
        i += 1;
        let body_indent = format!("{indent}    ");
        while i < lines.len() {
            let l = lines[i];
            if l.trim().is_empty() {
                inner.push(String::new());
            } else if let Some(dedented) = l
                .strip_prefix(&body_indent)
                .or_else(|| l.strip_prefix(&format!("{indent}\t")))
            {
                inner.push(dedented.to_string());
            } else {
                break;
            }
            i += 1;
        }
        while inner.last().is_some_and(String::is_empty) {
            inner.pop();
            i -= 1;
        }
        let (kind, same) = body::alert_kind(&name);
        let collapsible = if trimmed.starts_with("???") {
            " (it was collapsible; alerts are always open)"
        } else {
            ""
        };
        let what = format!(
            "the `{}` admonition became a `> [!{kind}]` alert{collapsible}",
            trimmed
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        );
        let line_no = page.body_line + start;
        entries.push(if same && collapsible.is_empty() {
            Entry::change(&page.source, line_no, what)
        } else {
            Entry::check(
                &page.source,
                line_no,
                format!(
                    "{what}{}",
                    if same {
                        ""
                    } else {
                        " (the nearest GitHub alert kind)"
                    }
                ),
            )
        });
        for l in body::alert(kind, Some(title).filter(|t| !t.is_empty()), &inner) {
            out.push(format!("{indent}{l}"));
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    page.body = text;
}
