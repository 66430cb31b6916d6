//! Splitting a document into YAML frontmatter and Markdown body, keeping byte offsets so that every
//! later diagnostic can point at the right line of the original file.
//!
//! gray_matter parses the YAML; the split is ours because gray_matter re-joins lines (losing CRLF and
//! offsets). Before it, [`crate::yaml::outline`] reads the YAML once for syntax errors with their
//! position, the depth and alias limits, the key spans and how each value was spelled.

use std::collections::BTreeMap;
use std::ops::Range;

use gray_matter::engine::{Engine, YAML};

use crate::yaml;

/// The frontmatter fields, sorted by key.
pub type Fields = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Default)]
pub struct Frontmatter {
    pub fields: Fields,
    /// Byte span (in the file) of each top-level key's line, for diagnostics about a field.
    pub key_spans: BTreeMap<String, Range<usize>>,
    /// Top-level keys whose value is written without quotes and read by YAML as a number
    /// (`version: 1.10` is the number 1.1), with the value as written.
    pub unquoted_numbers: BTreeMap<String, String>,
    /// Byte offset of the Markdown body in the file.
    pub body_start: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct SplitError {
    pub message: String,
    pub span: Range<usize>,
    pub help: String,
}

/// Split `text` (a whole file) into frontmatter and body. Files without a leading `---` line have no
/// frontmatter; a UTF-8 byte order mark is skipped.
pub fn split(text: &str) -> Result<Frontmatter, SplitError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = LineIter::new(text, start);
    let Some(first) = lines.next() else {
        return Ok(Frontmatter {
            body_start: start,
            ..Default::default()
        });
    };
    if line_content(text, &first) != "---" {
        return Ok(Frontmatter {
            body_start: start,
            ..Default::default()
        });
    }
    let yaml_start = first.end;
    let mut close = None;
    for line in lines {
        let content = line_content(text, &line);
        if content == "---" || content == "..." {
            close = Some(line);
            break;
        }
    }
    let Some(close) = close else {
        return Err(SplitError {
            message: "the frontmatter that starts on line 1 is never closed".into(),
            span: first.start..first.start + 3,
            help: "add a line containing only `---` after the last field, before the Markdown text"
                .into(),
        });
    };
    let yaml = &text[yaml_start..close.start];
    if yaml.trim().is_empty() {
        return Ok(Frontmatter {
            body_start: close.end,
            ..Default::default()
        });
    }
    let outline = yaml::outline(yaml, yaml::LIMITS).map_err(|e| yaml_error(&e, yaml_start))?;
    let fields = parse_yaml(yaml, yaml_start)?;
    let mut key_spans = BTreeMap::new();
    let mut unquoted_numbers = BTreeMap::new();
    for (_, entry) in outline.children(None) {
        let start = yaml_start + entry.key_span.start;
        let end = yaml_start
            + yaml[entry.key_span.start..]
                .find(['\n', '\r'])
                .map_or(yaml.len(), |n| entry.key_span.start + n);
        key_spans.entry(entry.key.clone()).or_insert(start..end);
        if let Some(value) = entry.value.as_ref().filter(|v| v.reads_as_number()) {
            unquoted_numbers
                .entry(entry.key.clone())
                .or_insert_with(|| value.text.clone());
        }
    }
    Ok(Frontmatter {
        key_spans,
        unquoted_numbers,
        fields,
        body_start: close.end,
    })
}

fn parse_yaml(yaml: &str, offset: usize) -> Result<Fields, SplitError> {
    let invalid = |message: String| SplitError {
        message: format!("the frontmatter is not valid YAML: {message}"),
        span: offset..offset + yaml.find('\n').unwrap_or(yaml.len()),
        help: yaml::ErrorKind::Syntax.help().into(),
    };
    let pod = YAML::parse(yaml).map_err(|e| invalid(e.to_string()))?;
    let value: serde_json::Value = pod.deserialize().map_err(|e| invalid(e.to_string()))?;
    match value {
        serde_json::Value::Object(map) => Ok(map.into_iter().collect()),
        serde_json::Value::Null => Ok(Fields::new()),
        other => Err(SplitError {
            message: format!(
                "the frontmatter must be a list of `key: value` fields, not {}",
                json_kind(&other)
            ),
            span: offset..offset + yaml.trim_end().len(),
            help: "write one field per line, e.g. `id: access-control-policy`".into(),
        }),
    }
}

fn yaml_error(e: &yaml::Error, offset: usize) -> SplitError {
    let message = match e.kind {
        yaml::ErrorKind::Syntax => format!("the frontmatter is not valid YAML: {}", e.message),
        yaml::ErrorKind::TooDeep => format!("the frontmatter is {}", e.message),
        yaml::ErrorKind::TooManyAliasValues => format!("the frontmatter's {}", e.message),
    };
    SplitError {
        message,
        span: offset + e.span.start..offset + e.span.end,
        help: e.help().into(),
    }
}

pub fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "empty",
        serde_json::Value::Bool(_) => "a true/false value",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}

struct LineIter<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> LineIter<'a> {
    fn new(text: &'a str, at: usize) -> Self {
        LineIter { text, at }
    }
}

impl Iterator for LineIter<'_> {
    /// A line's span including its line ending.
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        if self.at >= self.text.len() {
            return None;
        }
        let start = self.at;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |n| start + n + 1);
        self.at = end;
        Some(start..end)
    }
}

fn line_content<'a>(text: &'a str, line: &Range<usize>) -> &'a str {
    text[line.clone()].trim_end_matches(['\n', '\r']).trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_frontmatter_means_the_whole_file_is_body() {
        let fm = split("# Title\n\ntext\n").unwrap();
        assert!(fm.fields.is_empty());
        assert_eq!(fm.body_start, 0);
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}---\r\nid: a-b\r\ntitle: T\r\n---\r\nbody\r\n";
        let fm = split(text).unwrap();
        assert_eq!(fm.fields["id"], "a-b");
        assert_eq!(&text[fm.body_start..], "body\r\n");
        assert_eq!(&text[fm.key_spans["title"].clone()], "title: T");
    }

    #[test]
    fn empty_description_is_null() {
        let fm = split("---\nid: x\ndescription:\n---\n").unwrap();
        assert_eq!(fm.fields["description"], serde_json::Value::Null);
    }

    #[test]
    fn unclosed_frontmatter_is_an_error() {
        let err = split("---\nid: x\n\n# Body\n").unwrap_err();
        assert!(err.message.contains("never closed"));
        assert!(err.help.contains("---"));
    }

    #[test]
    fn yaml_error_points_at_the_line() {
        let text = "---\nid: x\ntitle: [unclosed\nowner: y\n---\n";
        let err = split(text).unwrap_err();
        assert!(err.message.starts_with("the frontmatter is not valid YAML"));
        let line = text[..err.span.start].matches('\n').count() + 1;
        assert!((3..=5).contains(&line), "line {line}");
    }

    #[test]
    fn a_list_is_not_frontmatter() {
        let err = split("---\n- a\n- b\n---\n").unwrap_err();
        assert!(err.message.contains("not a list"));
    }
}
