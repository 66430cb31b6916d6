//! `import docx`: a Word file, or a folder of them, through [`super::docx::convert`] into pages;
//! the images each document holds go into an `images/` folder beside it.

use std::path::Path;

use serde_json::Value;

use super::docx::{self, DocxOptions};
use super::{Converted, Entry, Field, Page};
use crate::diagnostics::Fatal;

pub fn convert(src: &Path, options: &DocxOptions) -> Result<Converted, Fatal> {
    let files: Vec<(String, std::path::PathBuf)> = if src.is_file() {
        let name = src
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        vec![(name, src.to_path_buf())]
    } else {
        super::walk(src)?
            .into_iter()
            .filter(|rel| is_word_file(rel))
            .map(|rel| {
                let path = src.join(&rel);
                (rel, path)
            })
            .collect()
    };
    if files.is_empty() {
        return Err(Fatal::new(format!("`{}` holds no .docx file", src.display()))
            .help("pass a Word document (.docx) or a folder of them; save older .doc files as .docx first"));
    }
    let mut out = Converted::default();
    let mut pages = Vec::new();
    let mut images = Vec::new();
    for (rel, path) in files {
        let bytes = match read_bounded(&path, options.limits.max_total_bytes) {
            Ok(bytes) => bytes,
            Err(message) => {
                out.entries
                    .push(Entry::check(&rel, 1, format!("skipped: {message}")));
                continue;
            }
        };
        let document = match docx::convert(&bytes, &rel, options) {
            Ok(document) => document,
            Err(e) => {
                out.entries
                    .push(Entry::check(&rel, 1, format!("skipped: {e}")));
                continue;
            }
        };
        for line in &document.report {
            out.entries.push(Entry::check(
                &rel,
                1,
                format!("{}: {}", line.location, line.message),
            ));
        }
        let stem = rel
            .rsplit('/')
            .next()
            .unwrap_or(&rel)
            .trim_end_matches(".docx")
            .to_string();
        let title = document
            .fields
            .iter()
            .find(|(k, _)| k == "title")
            .map_or(stem.as_str(), |(_, v)| v.as_str());
        let kind = kind_from_title(title).to_string();
        pages.push(Page {
            source: rel.clone(),
            fields: document
                .fields
                .iter()
                .map(|(key, value)| Field {
                    key: key.clone(),
                    value: Value::String(value.clone()),
                    line: 1,
                    written: None,
                })
                .collect(),
            body: document.markdown,
            body_line: 1,
            kind,
            stem: super::page::split_number_prefix(&stem).0,
            ..Page::default()
        });
        images.push(document.images);
    }
    out.prepare(&mut pages);
    for (page, images) in pages.iter().zip(images) {
        let folder = page.out_path();
        let folder = folder.rsplit_once('/').map_or("content", |(f, _)| f);
        for (name, bytes) in images {
            out.files.insert(format!("{folder}/images/{name}"), bytes);
        }
    }
    out.add_pages(&mut pages, None, |_, _| {});
    Ok(out)
}

fn is_word_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.to_ascii_lowercase().ends_with(".docx") && !name.starts_with("~$")
}

/// The document type a title names (`… Policy`, `… Procedure`, …); `record` otherwise.
fn kind_from_title(title: &str) -> &'static str {
    let lower = title.to_lowercase();
    [
        ("policy", "policy"),
        ("procedure", "procedure"),
        ("standard", "standard"),
        ("guideline", "guideline"),
        ("guidance", "guideline"),
        ("plan", "plan"),
    ]
    .into_iter()
    .find(|(word, _)| {
        lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == *word || w == format!("{word}s"))
    })
    .map_or("record", |(_, kind)| kind)
}

fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use crate::load::read::{human_size, read_bytes};
    match read_bytes(path, limit).map_err(|e| e.to_string())? {
        Ok(bytes) => Ok(bytes),
        Err(size) => Err(format!(
            "it is {}, larger than the {} a Word file may hold",
            human_size(size),
            human_size(limit)
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds_from_titles() {
        assert_eq!(super::kind_from_title("Access Control Policy"), "policy");
        assert_eq!(
            super::kind_from_title("Incident response procedures"),
            "procedure"
        );
        assert_eq!(super::kind_from_title("Asset inventory"), "record");
    }
}
