//! Reading the mermaid source before the engine does: statements, the diagram kind, and the
//! `click`/`link` lines whose targets we resolve ourselves.

use std::collections::BTreeMap;

use super::{Click, DiagramError, SUPPORTED_KINDS};

// Source scanning: statements, diagram kind, click lines

/// Lines of the source that are diagram statements: skips front matter (`---` … `---`),
/// blank lines and `%%` comments/directives. Yields (1-based line, line text).
pub(super) fn statement_lines(source: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut in_front_matter = false;
    let first = source
        .lines()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(0);
    source.lines().enumerate().filter_map(move |(i, line)| {
        let trimmed = line.trim();
        if i == first && trimmed == "---" {
            in_front_matter = true;
            return None;
        }
        if in_front_matter {
            if trimmed == "---" {
                in_front_matter = false;
            }
            return None;
        }
        if trimmed.is_empty() || trimmed.starts_with("%%") {
            return None;
        }
        Some((i + 1, line))
    })
}

/// The diagram kind keyword (e.g. `flowchart`, `sequenceDiagram`) and its line.
pub fn diagram_kind(source: &str) -> Result<(String, usize), DiagramError> {
    let Some((line_no, line)) = statement_lines(source).next() else {
        return Err(DiagramError::new(
            "empty mermaid diagram",
            None,
            Some(format!(
                "start the diagram with one of: {}",
                SUPPORTED_KINDS.join(", ")
            )),
        ));
    };
    let word = line
        .trim()
        .split(|c: char| c.is_whitespace() || c == ';')
        .next()
        .unwrap_or("")
        .to_string();
    if SUPPORTED_KINDS.contains(&word.as_str()) {
        Ok((word, line_no))
    } else {
        Err(DiagramError::new(
            format!("unsupported mermaid diagram kind `{word}`"),
            Some(line_no),
            Some(format!("supported kinds: {}", SUPPORTED_KINDS.join(", "))),
        ))
    }
}

/// Splits the rest of a click line into tokens: `"quoted strings"` (returned with their
/// quotes) and bare words. A trailing `;` ends the statement.
pub(super) fn click_tokens(rest: &str, line: usize) -> Result<Vec<String>, DiagramError> {
    let mut tokens = Vec::new();
    let mut chars = rest.char_indices().peekable();
    while let Some(&(_, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == ';' {
            chars.next();
            if chars.clone().any(|(_, c)| !c.is_whitespace()) {
                return Err(DiagramError::new(
                    "only one statement per `click` line is supported",
                    Some(line),
                    None,
                ));
            }
        } else if c == '"' {
            chars.next();
            let mut s = String::from("\"");
            let mut closed = false;
            for (_, c) in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                s.push(c);
            }
            if !closed {
                return Err(DiagramError::new(
                    "unterminated string in `click` line",
                    Some(line),
                    None,
                ));
            }
            s.push('"');
            tokens.push(s);
        } else {
            let mut s = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() || c == ';' || c == '"' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            tokens.push(s);
        }
    }
    Ok(tokens)
}

pub(super) fn unquote(token: &str) -> Option<&str> {
    token.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
}

pub(super) const LINK_TARGETS: &[&str] = &["_self", "_blank", "_parent", "_top"];

/// Parses one `click` statement (the text after the keyword).
pub(super) fn parse_click(rest: &str, line: usize) -> Result<Click, DiagramError> {
    let tokens = click_tokens(rest, line)?;
    let usage = || {
        Some("write `click NODE \"doc-id\"` or `click NODE href \"doc-id\"`, optionally followed by a \"tooltip\"".to_string())
    };
    let Some(node) = tokens.first().filter(|t| unquote(t).is_none()) else {
        return Err(DiagramError::new(
            "`click` needs a node id",
            Some(line),
            usage(),
        ));
    };
    let mut i = 1;
    if tokens.get(i).map(String::as_str) == Some("href") {
        i += 1;
    }
    let target = match tokens.get(i) {
        Some(t) if unquote(t).is_some() => unquote(t).unwrap_or_default(),
        Some(t) => {
            return Err(DiagramError::new(
                format!(
                    "click callbacks are not supported (`{t}`): diagrams are static, no JavaScript runs"
                ),
                Some(line),
                usage(),
            ));
        }
        None => {
            return Err(DiagramError::new(
                format!("`click {node}` has no target"),
                Some(line),
                usage(),
            ));
        }
    };
    if target.trim().is_empty() {
        return Err(DiagramError::new(
            format!("`click {node}` has an empty target"),
            Some(line),
            usage(),
        ));
    }
    i += 1;
    let mut tooltip = None;
    if let Some(t) = tokens.get(i).and_then(|t| unquote(t)) {
        tooltip = Some(t.to_string());
        i += 1;
    }
    if tokens
        .get(i)
        .is_some_and(|t| LINK_TARGETS.contains(&t.as_str()))
    {
        i += 1;
    }
    if let Some(extra) = tokens.get(i) {
        return Err(DiagramError::new(
            format!("unexpected `{extra}` in `click` line"),
            Some(line),
            usage(),
        ));
    }
    Ok(Click {
        node: node.clone(),
        target: target.trim().to_string(),
        line,
        tooltip,
    })
}

/// The first word of a statement line and the text after it.
pub(super) fn split_keyword(line: &str) -> (&str, &str) {
    let t = line.trim_start();
    let end = t.find(char::is_whitespace).unwrap_or(t.len());
    (&t[..end], &t[end..])
}

/// Finds the `click` statements of a diagram (flowcharts and class diagrams; class diagrams
/// also `link NODE "target"`) with their 1-based line numbers, so the caller can resolve
/// document ids and report unknown ones. A click with a callback (JavaScript) is an error,
/// and so is an unsupported diagram kind (the same error [`render`] gives).
pub fn extract_clicks(source: &str) -> Result<Vec<Click>, DiagramError> {
    let (kind, _) = diagram_kind(source)?;
    let class = kind.starts_with("classDiagram");
    if !(class || kind == "flowchart" || kind == "graph") {
        return Ok(Vec::new());
    }
    let mut clicks = Vec::new();
    for (line_no, line) in statement_lines(source) {
        match split_keyword(line) {
            ("click", rest) => clicks.push(parse_click(rest, line_no)?),
            ("link", rest) if class => clicks.push(parse_click(rest, line_no)?),
            ("callback", _) if class => {
                return Err(DiagramError::new(
                    "`callback` is not supported: diagrams are static, no JavaScript runs",
                    Some(line_no),
                    None,
                ));
            }
            _ => {}
        }
    }
    Ok(clicks)
}

/// Rewrites the click lines to `click NODE href "resolved-url" ["tooltip"]` (or comments out
/// those without a resolved URL). Line structure is preserved so engine positions still map
/// to the author's lines.
pub fn prepare_source(
    source: &str,
    links: &BTreeMap<String, String>,
) -> Result<String, DiagramError> {
    let clicks = extract_clicks(source)?;
    if clicks.is_empty() {
        return Ok(source.to_string());
    }
    let by_line: BTreeMap<usize, &Click> = clicks.iter().map(|c| (c.line, c)).collect();
    let mut out = String::with_capacity(source.len() + 64);
    for (i, line) in source.split_inclusive('\n').enumerate() {
        let Some(click) = by_line.get(&(i + 1)) else {
            out.push_str(line);
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        out.push_str(indent);
        match links.get(&click.node) {
            Some(url) => {
                out.push_str(&format!(
                    "click {} href \"{}\"",
                    click.node,
                    url.replace('"', "%22").replace(['\n', '\r'], "")
                ));
                if let Some(tip) = &click.tooltip {
                    out.push_str(&format!(" \"{tip}\""));
                }
            }
            None => out.push_str(&format!("%% click {} (unresolved)", click.node)),
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}
