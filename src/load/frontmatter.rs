//! Splitting a document into YAML frontmatter and Markdown body, keeping byte offsets so that every
//! later diagnostic can point at the right line of the original file.
//!
//! gray_matter parses the YAML; the split is ours because gray_matter re-joins lines (losing CRLF and
//! offsets). On a YAML syntax error yaml-rust2 (gray_matter's engine) is asked once more for the
//! exact line and column.

use std::collections::BTreeMap;
use std::ops::Range;

use gray_matter::engine::{Engine, YAML};

/// The frontmatter fields, sorted by key.
pub type Fields = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Default)]
pub struct Frontmatter {
    pub fields: Fields,
    /// Byte span (in the file) of each top-level key's line, for diagnostics about a field.
    pub key_spans: BTreeMap<String, Range<usize>>,
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
    let fields = parse_yaml(yaml, yaml_start)?;
    Ok(Frontmatter {
        key_spans: key_spans(yaml, yaml_start),
        fields,
        body_start: close.end,
    })
}

fn parse_yaml(yaml: &str, offset: usize) -> Result<Fields, SplitError> {
    if yaml.trim().is_empty() {
        return Ok(Fields::new());
    }
    let pod = YAML::parse(yaml).map_err(|e| yaml_error(yaml, offset, &e.to_string()))?;
    let value: serde_json::Value = pod
        .deserialize()
        .map_err(|e| yaml_error(yaml, offset, &e.to_string()))?;
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

fn yaml_error(yaml: &str, offset: usize, fallback: &str) -> SplitError {
    let (message, at) = match yaml_rust2::YamlLoader::load_from_str(yaml) {
        Err(e) => (e.info().to_string(), e.marker().index()),
        Ok(_) => (fallback.to_string(), 0),
    };
    // yaml-rust2 counts characters; convert to a byte offset.
    let byte = yaml.char_indices().nth(at).map_or(yaml.len(), |(b, _)| b);
    let end = yaml[byte..].find('\n').map_or(yaml.len(), |n| byte + n);
    SplitError {
        message: format!("the frontmatter is not valid YAML: {message}"),
        span: offset + byte..offset + end.max(byte),
        help: "check the indentation and quoting; values containing `: ` or starting with `[`, `{`, `*` \
               or `&` need quotes"
            .into(),
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

/// The spans of top-level `key:` lines. Block-style YAML puts each top-level key at column 0.
fn key_spans(yaml: &str, offset: usize) -> BTreeMap<String, Range<usize>> {
    let mut spans = BTreeMap::new();
    let mut at = offset;
    for line in yaml.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some((key, _)) = content.split_once(':')
            && !content.starts_with([' ', '\t', '-', '#'])
        {
            let key = key.trim().trim_matches(['"', '\'']);
            spans
                .entry(key.to_string())
                .or_insert(at..at + content.len());
        }
        at += line.len();
    }
    spans
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
