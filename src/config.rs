//! `book.toml`: the handbook's configuration, mdBook-style.
//!
//! Parsed once into typed structs; wrong types are errors with the line, unknown keys are warnings
//! (a typo such as `tittle` should not pass silently, but must not break a build either).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, FileId, Sources};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Config {
    pub book: BookConfig,
    pub build: BuildConfig,
    pub isms: IsmsConfig,
    pub output: OutputConfig,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct IsmsConfig {
    /// The Statement of Applicability data, relative to the content folder.
    pub soa: PathBuf,
}

impl Default for IsmsConfig {
    fn default() -> Self {
        IsmsConfig {
            soa: "soa.yaml".into(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BookConfig {
    pub title: String,
    pub organisation: Option<String>,
    pub language: String,
    pub description: Option<String>,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: "ISMS Handbook".into(),
            organisation: None,
            language: "en".into(),
            description: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BuildConfig {
    /// Where the documents are, relative to the handbook root.
    pub content_dir: PathBuf,
    /// Where the site is written, relative to the handbook root (overridden by `--out`).
    pub output_dir: PathBuf,
    /// A folder under `themes/` whose templates and static files override the built-in theme.
    pub theme: String,
    /// Where rendered diagrams are cached between builds, relative to the handbook root.
    pub cache_dir: PathBuf,
    /// The largest source file (document, `soa.yaml`) read; larger ones are an error.
    pub max_file_size: FileSize,
}

/// A size in bytes, written in book.toml as a number of bytes or as text with a unit
/// (`"10 MB"`, `"512 KB"`, `"2 MiB"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FileSize(pub u64);

/// Ten times the largest policy we have seen, far below what a build can hold in memory.
pub const DEFAULT_MAX_FILE_SIZE: FileSize = FileSize(10_000_000);

impl<'de> Deserialize<'de> for FileSize {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Bytes(u64),
            Text(String),
        }
        match Written::deserialize(deserializer)? {
            Written::Bytes(n) => Ok(FileSize(n)),
            Written::Text(text) => parse_size(&text).map(FileSize).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{text}` is not a size; write e.g. \"10 MB\", \"512 KB\" or a number of bytes"
                ))
            }),
        }
    }
}

fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * unit;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            content_dir: "content".into(),
            output_dir: "site".into(),
            theme: "default".into(),
            cache_dir: ".policybook-cache".into(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct OutputConfig {
    pub html: HtmlConfig,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HtmlConfig {
    /// The repository's web address, shown in the footer.
    pub repository_url: Option<String>,
    /// The branch edits go to; default `main`.
    pub branch: Option<String>,
    /// An edit link per page: `{repository}`, `{branch}` and `{path}` (the source file, relative to the
    /// handbook root) are replaced.
    pub edit_url_template: Option<String>,
}

impl HtmlConfig {
    pub fn edit_url(&self, path: &Path) -> Option<String> {
        let template = self.edit_url_template.as_deref()?;
        let path = path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Some(
            template
                .replace("{repository}", self.repository_url.as_deref().unwrap_or(""))
                .replace("{branch}", self.branch.as_deref().unwrap_or("main"))
                .replace("{path}", &path),
        )
    }
}

/// Read `root/book.toml` if present. A missing file means defaults; a broken one gives diagnostics and
/// defaults, so the rest of the handbook is still checked.
pub fn load(
    root: &Path,
    sources: &mut Sources,
) -> Result<(Config, Vec<Diagnostic>), std::io::Error> {
    let path = root.join("book.toml");
    let source = match crate::load::read::read(&path, DEFAULT_MAX_FILE_SIZE.0) {
        Ok(source) => source,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Config::default(), Vec::new()));
        }
        Err(e) => return Err(e),
    };
    let (file, problem) =
        crate::load::add_source(sources, "book.toml".into(), source, DEFAULT_MAX_FILE_SIZE);
    match problem {
        Some(problem) => Ok((Config::default(), vec![problem])),
        None => Ok(parse(&sources.get(file).text, file)),
    }
}

pub fn parse(text: &str, file: FileId) -> (Config, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut unknown = BTreeSet::new();
    let deserializer = match toml::de::Deserializer::parse(text) {
        Ok(d) => d,
        Err(e) => {
            diagnostics.push(toml_error(&e, text, file));
            return (Config::default(), diagnostics);
        }
    };
    let result: Result<Config, _> = serde_ignored::deserialize(deserializer, |path| {
        unknown.insert(path.to_string());
    });
    let config = match result {
        Ok(config) => config,
        Err(e) => {
            diagnostics.push(toml_error(&e, text, file));
            Config::default()
        }
    };
    for key in unknown {
        let leaf = key.rsplit('.').next().unwrap_or(&key);
        let span = find_key(text, leaf).unwrap_or(0..0);
        diagnostics.push(
            Diagnostic::warning("unknown-config-key", format!("unknown key `{key}` in book.toml"))
                .at(file, span)
                .label("policybook does not use this key")
                .help(
                    "known keys: [book] title, organisation, language, description; [build] content-dir, \
                     output-dir, theme, cache-dir, max-file-size; [isms] soa; [output.html] repository-url, branch, edit-url-template",
                ),
        );
    }
    (config, diagnostics)
}

fn toml_error(e: &toml::de::Error, text: &str, file: FileId) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let span = span.start.min(text.len())..span.end.min(text.len());
    Diagnostic::error("invalid-config", format!("book.toml: {}", e.message()))
        .at(file, span)
        .help("see the configuration section of the README for the keys and their types")
}

/// The span of the first line defining `key = …` (good enough to point at an unknown key).
fn find_key(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let name = trimmed
            .split(['=', ']'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches('[')
            .trim_matches('"');
        if name == key || name.ends_with(&format!(".{key}")) {
            return Some(offset + indent..offset + indent + trimmed.trim_end().len());
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let (config, diags) = parse("", FileId(0));
        assert!(diags.is_empty());
        assert_eq!(config.build.content_dir, PathBuf::from("content"));
        assert_eq!(config.book.language, "en");
    }

    #[test]
    fn unknown_key_is_a_warning_with_its_line() {
        let text = "[book]\ntitle = \"X\"\ntittle = \"Y\"\n";
        let (config, diags) = parse(text, FileId(0));
        assert_eq!(config.book.title, "X");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, crate::diagnostics::Severity::Warning);
        assert!(diags[0].message.contains("book.tittle"));
        assert_eq!(diags[0].location.as_ref().unwrap().span.start, 19);
    }

    #[test]
    fn wrong_type_is_an_error_with_a_span() {
        let text = "[book]\ntitle = 3\n";
        let (_, diags) = parse(text, FileId(0));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, crate::diagnostics::Severity::Error);
        let span = diags[0].location.as_ref().unwrap().span.clone();
        assert!(span.start >= 7, "points into line 2, got {span:?}");
    }

    #[test]
    fn sizes_in_bytes_or_with_a_unit() {
        let size = |text: &str| parse(&format!("[build]\nmax-file-size = {text}\n"), FileId(0));
        assert_eq!(size("2000").0.build.max_file_size, FileSize(2000));
        assert_eq!(
            size("\"20 MB\"").0.build.max_file_size,
            FileSize(20_000_000)
        );
        assert_eq!(size("\"1 MiB\"").0.build.max_file_size, FileSize(1_048_576));
        let (config, diags) = size("\"lots\"");
        assert_eq!(config.build.max_file_size, DEFAULT_MAX_FILE_SIZE);
        assert!(
            diags[0].message.contains("`lots` is not a size"),
            "{diags:?}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for text in [
            format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
            format!("x = {}1{}\n", "{a=".repeat(10_000), "}".repeat(10_000)),
            format!("[{}]\n", vec!["a"; 20_000].join(".")),
        ] {
            let (_, diags) = parse(&text, FileId(0));
            assert_eq!(diags[0].code, "invalid-config");
            assert!(
                diags[0].message.contains("recursion"),
                "{}",
                diags[0].message
            );
        }
    }

    #[test]
    fn edit_url_template() {
        let html = HtmlConfig {
            repository_url: Some("https://git.example/isms".into()),
            branch: None,
            edit_url_template: Some("{repository}/edit/{branch}/{path}".into()),
        };
        assert_eq!(
            html.edit_url(Path::new("content/policies/a.md")).as_deref(),
            Some("https://git.example/isms/edit/main/content/policies/a.md")
        );
    }
}
