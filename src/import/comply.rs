//! strongdm/comply: `narratives/`, `policies/`, `procedures/` and `standards/` of a comply project.
//! Each Markdown file starts with YAML fields *without* an opening `---` (`name`, `acronym`,
//! `satisfies`, `majorRevisions`, a procedure's `id` and `cron`), then a `---` line, then the body.
//! `name` becomes the title; the other fields are kept as metadata (the SOC 2 criteria of
//! `satisfies` stay for a later mapping). The standards' YAML (criteria lists) is copied to
//! `frameworks/`.

use std::path::Path;

use super::{Converted, Entry, Page, page};
use crate::diagnostics::Fatal;

/// The folders comply reads, and the type of their documents.
const FOLDERS: &[(&str, &str)] = &[
    ("narratives", "narrative"),
    ("policies", "policy"),
    ("procedures", "procedure"),
    ("standards", "standard"),
];

pub fn convert(src: &Path) -> Result<Converted, Fatal> {
    if !FOLDERS.iter().any(|(folder, _)| src.join(folder).is_dir()) {
        return Err(Fatal::new(format!(
            "`{}` has none of comply's folders narratives/, policies/, procedures/, standards/",
            src.display()
        ))
        .help("pass the root of the comply project (where comply.yml is)"));
    }
    let organisation = project_name(src);
    let mut out = Converted {
        title: organisation
            .as_ref()
            .map(|name| format!("{name} ISMS Handbook")),
        organisation,
        ..Converted::default()
    };
    let mut pages = Vec::new();
    for rel in super::walk(src)? {
        let Some((folder, name)) = rel.split_once('/') else {
            continue;
        };
        let Some((_, kind)) = FOLDERS.iter().find(|(f, _)| *f == folder) else {
            continue;
        };
        if rel.ends_with(".yml") || rel.ends_with(".yaml") {
            if folder == "standards" {
                out.copies
                    .insert(format!("frameworks/{name}"), src.join(&rel));
                out.entries.push(Entry::check(&rel, 1, format!("the standard's criteria were copied to `frameworks/{name}` as they are: policybook maps ISO/IEC 27001 controls; the `satisfies` fields of the documents name these criteria")));
            }
            continue;
        }
        if !rel.ends_with(".md") {
            continue;
        }
        let source = rel.clone();
        let text = match super::read_text(&src.join(&rel)) {
            Ok(text) => text,
            Err(e) => {
                out.entries
                    .push(Entry::check(&source, 1, format!("skipped: {}", e.message)));
                continue;
            }
        };
        let mut page = read(&rel, &text, &mut out.entries);
        page.kind = kind.to_string();
        page.stem = page::split_number_prefix(name.rsplit('/').next().unwrap_or(name)).0;
        if page.field("satisfies").is_some() {
            let line = page.field("satisfies").map_or(1, |f| f.line);
            out.entries.push(Entry::check(&rel, line, "`satisfies` (the SOC 2 criteria this document meets) is kept as metadata: add the ISO/IEC 27001 Annex A controls as `controls` when you map them"));
            page.noted.push("satisfies".into());
        }
        pages.push(page);
    }
    out.prepare(&mut pages);
    out.add_pages(&mut pages, None, |_, _| {});
    Ok(out)
}

/// comply.yml's `name`: the organisation the handbook is for.
fn project_name(src: &Path) -> Option<String> {
    let text = super::read_text(&src.join("comply.yml")).ok()?;
    let fields = page::fields_from_yaml(&text, 1).ok()?;
    let name = fields.into_iter().find(|f| f.key == "name")?;
    Some(page::scalar(&name.value))
}

/// The fields before the first `---` line (or a normal frontmatter block), then the body.
fn read(rel: &str, text: &str, entries: &mut Vec<Entry>) -> Page {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.starts_with("---") {
        return super::page_from_markdown(rel, text, entries);
    }
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            let yaml = &text[..offset];
            let mut page = Page {
                source: rel.into(),
                body_line: n + 2,
                body: text[offset + line.len()..].to_string(),
                ..Page::default()
            };
            match page::fields_from_yaml(yaml, 1) {
                Ok(fields) => {
                    page.fields = fields;
                    entries.push(Entry::change(rel, 1, format!("the fields on lines 1–{n} (comply writes them without an opening `---`) became the frontmatter")));
                }
                Err(e) => {
                    entries.push(Entry::check(rel, 1, format!("the fields on lines 1–{n} are not valid YAML ({}): they were dropped; copy what they say by hand", e.message)));
                }
            }
            return page;
        }
        offset += line.len();
    }
    entries.push(Entry::check(
        rel,
        1,
        "no `---` line: the whole file became the body, without fields",
    ));
    Page {
        source: rel.into(),
        body_line: 1,
        body: text.to_string(),
        ..Page::default()
    }
}
