//! Mermaid diagrams drawn at build time into inline SVG.
//!
//! Engine: [`merman`] (a headless Rust port of mermaid.js 12, pinned to one release), drawing
//! with mermaid's `neutral` theme and `classic` look; Dagre layout for graphs, CoSE for
//! mindmaps. No JavaScript runs at build time or in the reader's browser.
//!
//! What this module adds on top of the engine:
//! - `click NODE "doc-id"` / `click NODE href "doc-id"` lines (class diagrams also
//!   `link NODE "doc-id"`) are extracted with their line numbers ([`extract_clicks`]) and
//!   rendered as `<a href>` with caller-resolved URLs, a tooltip string as a native
//!   `<title>`. Click callbacks (JavaScript) are errors.
//! - Every `id`, `url(#…)`, `href="#…"`, `aria-*` reference and CSS `#id` selector is scoped
//!   to `<id_prefix>-svg`, so many diagrams can share one page.
//! - Theme: every grey of the theme is rewritten to a mix of two CSS custom properties, so
//!   the site's stylesheet switches light/dark without a second render:
//!   - `--pb-diagram-fg`: ink (text, lines, borders, dark fills); fallback `#000`;
//!   - `--pb-diagram-bg`: paper (page-coloured fills, label backgrounds); fallback `#fff`.
//!
//!   A grey of lightness `L`% becomes
//!   `color-mix(in srgb, var(--pb-diagram-fg, #000) P%, var(--pb-diagram-bg, #fff))` with
//!   `P = 100 - L`, which reproduces the light theme exactly when the variables are unset
//!   and inverts it when they are swapped (e.g. `--pb-diagram-fg: #e6e6e6;
//!   --pb-diagram-bg: #1d2125`). Translucent greys keep their alpha. Coloured values (the
//!   author's `classDef`/`style` colours, gantt/journey accents) and shadows are kept.
//!
//!   Optional overrides for greys with one role (each falls back to its fg/bg mix):
//!   `--pb-diagram-node` (box fill), `--pb-diagram-border` (box and subgraph borders),
//!   `--pb-diagram-line` (edges, arrowheads, sequence notes), `--pb-diagram-cluster`
//!   (subgraph fill).
//! - The root `<svg>` scales to the column (`width="100%"`, `max-width` = natural width,
//!   `viewBox`, no fixed height), has `role="img"` and a `<title>`/`<desc>` from
//!   `accTitle`/`accDescr`, or a `<title>` with the caller's fallback label.
//! - Output is deterministic; [`DiagramCache`] stores it keyed by a SHA-256 of (source,
//!   options, engine and pipeline version).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Engine identity; part of every cache key.
pub const ENGINE_VERSION: &str = "merman 0.10.0-alpha.1";
/// Version of this module's pre/post-processing; bump when output changes.
const PIPELINE_VERSION: &str = "policybook-diagrams 4";
/// Mermaid theme the engine draws with (its greys become CSS variables).
const THEME: &str = "neutral";
/// Mermaid `look` (`classic`: flat shapes, as mermaid.js 11 draws them).
const LOOK: &str = "classic";

/// A diagram taking longer than this is abandoned with an error (pathological input).
const RENDER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// Diagram headers accepted (first word of the first statement).
pub const SUPPORTED_KINDS: &[&str] = &[
    "flowchart",
    "graph",
    "sequenceDiagram",
    "stateDiagram",
    "stateDiagram-v2",
    "classDiagram",
    "classDiagram-v2",
    "erDiagram",
    "gantt",
    "timeline",
    "pie",
    "quadrantChart",
    "mindmap",
    "journey",
];

/// One diagram to draw.
#[derive(Debug, Clone, Copy)]
pub struct DiagramRequest<'a> {
    /// The mermaid source (contents of the fence, without the backticks).
    pub source: &'a str,
    /// Unique per page, e.g. `"mermaid-3"`. The SVG root gets id `<prefix>-svg` and every
    /// other id, `url(#…)`, `href="#…"` and CSS selector in it starts with `<prefix>-svg-`,
    /// so `<prefix>` itself stays free for a wrapping element.
    pub id_prefix: &'a str,
    /// Accessible name used when the source has no `accTitle:` (e.g. the nearest heading).
    pub fallback_label: &'a str,
    /// Node id → resolved URL (relative, e.g. `access-control-policy.html`) for the
    /// source's `click` lines. Click lines whose node is missing here render without a link.
    pub links: &'a BTreeMap<String, String>,
}

/// A `click NODE "target"` line found in a diagram source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    pub node: String,
    /// The target as written (a document id, to be resolved by the caller).
    pub target: String,
    /// 1-based line within the diagram source.
    pub line: usize,
    /// Optional tooltip string written after the target.
    pub tooltip: Option<String>,
}

/// A diagram that could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagramError {
    pub message: String,
    /// 1-based line within the diagram source, when known.
    pub line: Option<usize>,
    pub help: Option<String>,
}

impl DiagramError {
    fn new(message: impl Into<String>, line: Option<usize>, help: Option<String>) -> Self {
        DiagramError {
            message: message.into(),
            line,
            help,
        }
    }
}

impl fmt::Display for DiagramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DiagramError {}

// ---------------------------------------------------------------------------------------------
// Source scanning: statements, diagram kind, click lines
// ---------------------------------------------------------------------------------------------

/// Lines of the source that are diagram statements: skips front matter (`---` … `---`),
/// blank lines and `%%` comments/directives. Yields (1-based line, line text).
fn statement_lines(source: &str) -> impl Iterator<Item = (usize, &str)> {
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
fn click_tokens(rest: &str, line: usize) -> Result<Vec<String>, DiagramError> {
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

fn unquote(token: &str) -> Option<&str> {
    token.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
}

const LINK_TARGETS: &[&str] = &["_self", "_blank", "_parent", "_top"];

/// Parses one `click` statement (the text after the keyword).
fn parse_click(rest: &str, line: usize) -> Result<Click, DiagramError> {
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
fn split_keyword(line: &str) -> (&str, &str) {
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
fn prepare_source(source: &str, links: &BTreeMap<String, String>) -> Result<String, DiagramError> {
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

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

fn renderer() -> &'static merman::Renderer {
    static RENDERER: OnceLock<merman::Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| {
        let site = serde_json::json!({ "theme": THEME, "look": LOOK });
        merman::Renderer::new().with_presentation_engine(
            merman::MermaidEngine::new()
                .with_site_config(merman::SourcePresentationConfig::from_value(site)),
        )
    })
}

/// Byte offset → 1-based line number (clamped to the last line).
fn line_of_offset(source: &str, offset: usize) -> usize {
    let offset = offset.min(source.len());
    let line = source.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    line.min(source.lines().count().max(1))
}

fn engine_error(err: merman::RenderError, source: &str) -> DiagramError {
    let mut line = None;
    let message = match &err {
        merman::RenderError::Parse(diag) => {
            let details = diag.terminal_diagnostic_details();
            line = details.span.map(|s| line_of_offset(source, s.start));
            diag.terminal_safe_message()
        }
        other => other.to_string(),
    };
    if line.is_none() {
        // Some messages quote the offending statement (`unexpected pie statement: "a" : x`).
        // Some messages quote the offending statement or token (`unexpected pie statement:
        // "a" : x`, `Invalid date:notadate`): use it when exactly one line matches.
        let unique = |pred: &dyn Fn(&str) -> bool| {
            let mut hits = statement_lines(source)
                .skip(1)
                .filter(|(_, l)| pred(l.trim()));
            match (hits.next(), hits.next()) {
                (Some((n, _)), None) => Some(n),
                _ => None,
            }
        };
        for (pos, _) in message.match_indices(':') {
            let quoted = message[pos + 1..].trim();
            if quoted.len() >= 3 {
                line = unique(&|l| l == quoted).or_else(|| unique(&|l| l.contains(quoted)));
            }
            if line.is_some() {
                break;
            }
        }
    }
    let help = line
        .and_then(|n| source.lines().nth(n - 1))
        .map(|text| format!("near `{}`", text.trim()));
    DiagramError::new(message, line, help)
}

/// Sanitises an id prefix to `[A-Za-z][A-Za-z0-9_-]*`.
fn clean_prefix(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "d-");
    }
    s
}

/// Draws one diagram as inline SVG markup (no XML prolog).
pub fn render(req: &DiagramRequest) -> Result<String, DiagramError> {
    diagram_kind(req.source)?;
    let source = prepare_source(req.source, req.links)?;
    // The SVG root is `<prefix>-svg` (the caller may give `<prefix>` to a wrapping element);
    // every other id becomes `<prefix>-svg-…`.
    let prefix = merman::svg::sanitize_svg_id(&format!("{}-svg", clean_prefix(req.id_prefix)));
    let raw = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let request = merman::SvgRequest {
            options: merman::svg::SvgRenderOptions {
                diagram_id: Some(prefix.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        renderer().render(merman::RenderRequest::svg(
            &source,
            merman::OperationControl::new().with_deadline(RENDER_DEADLINE),
            request,
        ))
    }));
    let svg = match raw {
        Ok(Ok(merman::RenderOutput::Svg(Some(svg)))) => svg.svg().to_string(),
        Ok(Ok(_)) => return Err(DiagramError::new("no diagram found", None, None)),
        Ok(Err(err)) => return Err(engine_error(err, &source)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            return Err(DiagramError::new(
                format!("mermaid engine crashed on this diagram: {what}"),
                None,
                Some("simplify the diagram, or report the source as an engine bug".into()),
            ));
        }
    };
    Ok(postprocess(&svg, &prefix, req.fallback_label))
}

// ---------------------------------------------------------------------------------------------
// SVG post-processing
// ---------------------------------------------------------------------------------------------

/// One piece of the SVG markup.
enum Piece<'a> {
    /// Text, comments, CDATA, closing tags: copied verbatim.
    Raw(&'a str),
    /// An opening (or self-closing) tag.
    Tag {
        name: &'a str,
        attrs: Vec<(&'a str, &'a str)>,
        self_closing: bool,
    },
}

/// Splits SVG markup into tags and the rest. Attribute values are kept escaped.
fn tokenize(svg: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let b = svg.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &svg[i..];
        let special_end = if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else if rest.starts_with("<![CDATA[") {
            rest.find("]]>").map(|e| e + 3)
        } else if rest.starts_with("<?") || rest.starts_with("<!") || rest.starts_with("</") {
            rest.find('>').map(|e| e + 1)
        } else {
            None
        };
        if let Some(len) = special_end {
            i += len;
            continue;
        }
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        // Parse an opening tag.
        let Some((name, attrs, self_closing, len)) = parse_tag(rest) else {
            i += 1;
            continue;
        };
        if text_start < i {
            out.push(Piece::Raw(&svg[text_start..i]));
        }
        out.push(Piece::Tag {
            name,
            attrs,
            self_closing,
        });
        i += len;
        text_start = i;
    }
    if text_start < b.len() {
        out.push(Piece::Raw(&svg[text_start..]));
    }
    out
}

#[allow(clippy::type_complexity)]
fn parse_tag(s: &str) -> Option<(&str, Vec<(&str, &str)>, bool, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let name = &s[1..i];
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some((name, attrs, false, i + 1));
        }
        if b[i] == b'/' && b.get(i + 1) == Some(&b'>') {
            return Some((name, attrs, true, i + 2));
        }
        let start = i;
        while i < b.len()
            && b[i] != b'='
            && !b[i].is_ascii_whitespace()
            && b[i] != b'>'
            && b[i] != b'/'
        {
            i += 1;
        }
        let key = &s[start..i];
        if key.is_empty() {
            i += 1;
            continue;
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            attrs.push((key, ""));
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = *b.get(i)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let vstart = i + 1;
        let vend = vstart + s[vstart..].find(quote as char)?;
        attrs.push((key, &s[vstart..vend]));
        i = vend + 1;
    }
}

struct Post {
    /// Unscoped id → its new, scoped and unique, id.
    renames: HashMap<String, String>,
}

impl Post {
    fn id<'v>(&self, id: &'v str) -> Cow<'v, str> {
        match self.renames.get(id) {
            Some(new) => Cow::Owned(new.clone()),
            None => Cow::Borrowed(id),
        }
    }

    /// Rewrites `url(#id)` references in a value.
    fn urls<'v>(&self, text: &'v str) -> Cow<'v, str> {
        if self.renames.is_empty() || !text.contains("url(") {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        while let Some(pos) = rest.find("url(") {
            out.push_str(&rest[..pos + 4]);
            rest = &rest[pos + 4..];
            let inner_end = rest.find(')').unwrap_or(rest.len());
            let inner = &rest[..inner_end];
            let (quote, body) = match inner.chars().next() {
                Some(q @ ('"' | '\'')) if inner.len() >= 2 && inner.ends_with(q) => {
                    (&inner[..1], &inner[1..inner.len() - 1])
                }
                _ => ("", inner),
            };
            match body.strip_prefix('#') {
                Some(id) if self.renames.contains_key(id) => {
                    out.push_str(quote);
                    out.push('#');
                    out.push_str(&self.id(id));
                    out.push_str(quote);
                }
                _ => out.push_str(inner),
            }
            rest = &rest[inner_end..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// Rewrites `#id` in CSS selectors.
    fn selector<'v>(&self, text: &'v str) -> Cow<'v, str> {
        if self.renames.is_empty() || !text.contains('#') {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        while let Some(pos) = rest.find('#') {
            out.push_str(&rest[..=pos]);
            rest = &rest[pos + 1..];
            let end = rest
                .find(|c: char| {
                    !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.' || c == ':')
                })
                .unwrap_or(rest.len());
            // The id may be followed by `.class`/`:hover`: try the longest id first.
            let cuts = rest[..end]
                .char_indices()
                .map(|(i, _)| i)
                .skip(1)
                .chain([end]);
            let matched = cuts
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .find(|&cut| self.renames.contains_key(&rest[..cut]));
            if let Some(cut) = matched {
                out.push_str(&self.id(&rest[..cut]));
                rest = &rest[cut..];
            }
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    fn css(&self, css: &str, out: &mut String) {
        let b = css.as_bytes();
        let mut start = 0;
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        for (i, &c) in b.iter().enumerate() {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                b'"' | b'\'' => quote = Some(c),
                b'{' => {
                    out.push_str(&self.selector(&css[start..i]));
                    out.push('{');
                    start = i + 1;
                    depth += 1;
                }
                b';' | b'}' => {
                    let decl = &css[start..i];
                    if depth > 0 && decl.contains(':') {
                        self.declaration(decl, out);
                    } else {
                        out.push_str(decl);
                    }
                    out.push(c as char);
                    start = i + 1;
                    if c == b'}' {
                        depth = depth.saturating_sub(1);
                    }
                }
                _ => {}
            }
        }
        out.push_str(&css[start..]);
    }

    fn declaration(&self, decl: &str, out: &mut String) {
        let Some((prop, value)) = decl.split_once(':') else {
            out.push_str(decl);
            return;
        };
        let value = self.urls(value);
        out.push_str(prop);
        out.push(':');
        if is_color_property(prop.trim()) {
            out.push_str(&themed_colors(&value));
        } else {
            out.push_str(&value);
        }
    }

    fn style_attr<'v>(&self, style: &'v str) -> Cow<'v, str> {
        if !style.contains(':') {
            return Cow::Borrowed(style);
        }
        let mut out = String::with_capacity(style.len() + 64);
        for (i, d) in style.split(';').enumerate() {
            if i > 0 {
                out.push(';');
            }
            if d.contains(':') {
                self.declaration(d, &mut out)
            } else {
                out.push_str(d)
            }
        }
        Cow::Owned(out)
    }

    fn attr<'v>(&self, key: &str, value: &'v str) -> Cow<'v, str> {
        match key {
            "id" => self.id(value),
            "style" => self.style_attr(value),
            "aria-labelledby" | "aria-describedby" | "aria-controls" | "aria-owns" => Cow::Owned(
                value
                    .split_whitespace()
                    .map(|v| self.id(v))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "fill" | "stroke" | "stop-color" | "lighting-color" | "color" => {
                match themed_colors(value) {
                    Cow::Borrowed(_) => self.urls(value),
                    Cow::Owned(v) => Cow::Owned(v),
                }
            }
            "href" | "xlink:href" => match value.strip_prefix('#') {
                Some(id) if self.renames.contains_key(id) => {
                    Cow::Owned(format!("#{}", self.id(id)))
                }
                _ => Cow::Borrowed(value),
            },
            _ => self.urls(value),
        }
    }
}

fn is_color_property(prop: &str) -> bool {
    let lower;
    let p = if prop.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = prop.to_ascii_lowercase();
        lower.as_str()
    } else {
        prop
    };
    matches!(
        p,
        "fill"
            | "stroke"
            | "color"
            | "background"
            | "stop-color"
            | "lighting-color"
            | "outline"
            | "border"
    ) || (p.ends_with("color") && !p.contains("shadow") && p != "flood-color")
        || (p.starts_with("border")
            && !p.contains("radius")
            && !p.contains("width")
            && !p.contains("style"))
}

/// Every number in path data or a point list, rounded to two decimals (`12.3456` → `12.35`,
/// `-0.001` → `0`); everything between the numbers is kept.
fn round_numbers(data: &str) -> String {
    let bytes = data.as_bytes();
    let mut out = String::with_capacity(data.len() / 2);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts_number = c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            || (c == b'-'
                && bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'.'));
        if !starts_number {
            out.push(c as char);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut seen_dot = c == b'.';
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_digit() {
                i += 1;
            } else if b == b'.' && !seen_dot {
                seen_dot = true;
                i += 1;
            } else if (b == b'e' || b == b'E')
                && bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'-' || *n == b'+')
            {
                i += 2;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                break;
            } else {
                break;
            }
        }
        let token = &data[start..i];
        match token.parse::<f64>() {
            Ok(n) => {
                let rounded = (n * 100.0).round() / 100.0;
                let text = format!("{rounded:.2}");
                let text = text.trim_end_matches('0').trim_end_matches('.');
                let text = if text == "-0" { "0" } else { text };
                // The original may have relied on a sign or a second dot to separate two numbers
                // (`1.5-2`, `0.5.5`); keep them apart.
                if !text.starts_with('-') && out.ends_with(|c: char| c.is_ascii_digit() || c == '.')
                {
                    out.push(' ');
                }
                out.push_str(text);
            }
            Err(_) => out.push_str(token),
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn postprocess(svg: &str, prefix: &str, fallback_label: &str) -> String {
    let pieces = tokenize(svg);
    // An image cannot contain focusable links (axe: nested-interactive); a diagram whose nodes link
    // to documents is a labelled group instead.
    let has_links = pieces
        .iter()
        .any(|p| matches!(p, Piece::Tag { name, .. } if *name == "a"));
    let role = if has_links {
        " role=\"group\""
    } else {
        " role=\"img\""
    };
    let scoped = format!("{prefix}-");
    // In document order, so renaming is deterministic.
    let ordered_ids: Vec<&str> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Tag { attrs, .. } => {
                Some(attrs.iter().filter(|(k, _)| *k == "id").map(|(_, v)| *v))
            }
            Piece::Raw(_) => None,
        })
        .flatten()
        .collect();
    let all_ids: HashSet<&str> = ordered_ids.iter().copied().collect();
    let mut renames = HashMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    for id in &ordered_ids {
        if *id != prefix && !id.starts_with(&scoped) && !id.is_empty() && !renames.contains_key(*id)
        {
            let mut new = format!("{prefix}-{id}");
            let mut n = 1;
            while all_ids.contains(new.as_str()) || taken.contains(&new) {
                new = format!("{prefix}-{n}-{id}");
                n += 1;
            }
            taken.insert(new.clone());
            renames.insert(id.to_string(), new);
        }
    }
    let post = Post { renames };
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut out = String::with_capacity(svg.len() + svg.len() / 3);
    let mut in_style = false;
    let mut root_done = false;
    let mut extra_css_done = false;
    for p in &pieces {
        match p {
            Piece::Raw(text) => {
                if in_style {
                    // The style element's text runs until `</style>`.
                    if let Some(end) = text.find("</style>") {
                        post.css(&text[..end], &mut out);
                        if !extra_css_done {
                            // Build-time text metrics can be narrower than the reader's font:
                            // let labels overflow their box instead of being clipped.
                            out.push_str(&format!("#{prefix} foreignObject{{overflow:visible;}}"));
                            extra_css_done = true;
                        }
                        out.push_str(&text[end..]);
                        in_style = false;
                    } else {
                        post.css(text, &mut out);
                    }
                } else {
                    out.push_str(text);
                }
            }
            Piece::Tag {
                name,
                attrs,
                self_closing,
            } => {
                let is_root = !root_done && *name == "svg";
                let mut tooltip = None;
                out.push('<');
                out.push_str(name);
                let mut labelled = false;
                // Scale to the column: never wider than the natural size.
                let max_width = is_root
                    .then(|| attrs.iter().find(|(k, _)| *k == "viewBox"))
                    .flatten()
                    .and_then(|(_, v)| v.split_whitespace().nth(2))
                    .map(|w| format!("max-width: {w}px;"));
                for (k, v) in attrs {
                    let k = *k;
                    if is_root {
                        match k {
                            "height" => continue,
                            "width" => {
                                out.push_str(" width=\"100%\"");
                                continue;
                            }
                            "role" => {
                                out.push_str(role);
                                continue;
                            }
                            "aria-labelledby" => labelled = true,
                            "style" if !v.contains("max-width") => {
                                if let Some(mw) = &max_width {
                                    let sep = if v.trim().is_empty() || v.trim_end().ends_with(';')
                                    {
                                        ""
                                    } else {
                                        ";"
                                    };
                                    out.push_str(&format!(
                                        " style=\"{}{sep} {mw}\"",
                                        post.attr(k, v)
                                    ));
                                    continue;
                                }
                            }
                            _ => {}
                        }
                    }
                    if k == "title" && *name != "svg" && !self_closing {
                        tooltip = Some(*v);
                    }
                    // SVG 2 `href` instead of the deprecated `xlink:href` on links.
                    let k = if *name == "a" && k == "xlink:href" {
                        "href"
                    } else {
                        k
                    };
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    let value = post.attr(k, v);
                    // Hand-drawn shapes come with thousands of full-precision coordinates: two
                    // decimals are far below a pixel at any zoom, and halve the page.
                    let value = if k == "d" || k == "points" {
                        Cow::Owned(round_numbers(&value))
                    } else {
                        value
                    };
                    if k == "id" && !seen_ids.insert(value.to_string()) {
                        // The engine repeats some ids (mindmap nodes): keep ids unique.
                        let mut n = 2;
                        while !seen_ids.insert(format!("{value}-{n}")) {
                            n += 1;
                        }
                        out.push_str(&format!("{value}-{n}"));
                    } else {
                        out.push_str(&value);
                    }
                    out.push('"');
                }
                if is_root {
                    root_done = true;
                    if !attrs.iter().any(|(k, _)| *k == "width") {
                        out.push_str(" width=\"100%\"");
                    }
                    if !attrs.iter().any(|(k, _)| *k == "role") {
                        out.push_str(role);
                    }
                    if let Some(mw) =
                        max_width.filter(|_| !attrs.iter().any(|(k, _)| *k == "style"))
                    {
                        out.push_str(&format!(" style=\"{mw}\""));
                    }
                    if !labelled {
                        out.push_str(&format!(" aria-labelledby=\"{prefix}-title\""));
                    }
                }
                out.push_str(if *self_closing { "/>" } else { ">" });
                if is_root && !labelled {
                    let label = if fallback_label.trim().is_empty() {
                        "Diagram"
                    } else {
                        fallback_label.trim()
                    };
                    out.push_str(&format!(
                        "<title id=\"{prefix}-title\">{}</title>",
                        xml_escape(label)
                    ));
                }
                if let Some(tip) = tooltip {
                    // A native tooltip (mermaid shows tooltips with JavaScript).
                    out.push_str(&format!("<title>{tip}</title>"));
                }
                if *name == "style" && !self_closing {
                    in_style = true;
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Colours → CSS custom properties
// ---------------------------------------------------------------------------------------------

/// Replaces each opaque grey colour in a CSS value by a mix of the theme variables.
fn themed_colors(value: &str) -> Cow<'_, str> {
    if !value
        .bytes()
        .any(|c| matches!(c, b'#' | b'(' | b'w' | b'W' | b'k' | b'K' | b'y' | b'Y'))
    {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 32);
    let b = value.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &value[i..];
        let prev_is_word =
            i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-' || b[i - 1] == b'_');
        let candidate = !prev_is_word
            && matches!(
                b[i],
                b'#' | b'r' | b'R' | b'h' | b'H' | b'w' | b'W' | b'b' | b'B' | b'g' | b'G'
            );
        if let Some((len, rgba)) = candidate.then(|| parse_color(rest)).flatten() {
            match grey_expression(rgba) {
                Some(expr) => out.push_str(&expr),
                None => out.push_str(&rest[..len]),
            }
            i += len;
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    Cow::Owned(out)
}

/// Greys of mermaid's `neutral` theme (as % ink) with one visual role, and the optional
/// CSS variable that overrides them.
const ROLE_GREYS: &[(f64, &str)] = &[
    (6.7, "--pb-diagram-node"), // #eee: node, actor, class and state box fill
    (40.0, "--pb-diagram-border"), // #999: node borders
    (56.1, "--pb-diagram-border"), // #707070: subgraph (cluster) border
    (60.0, "--pb-diagram-line"), // #666: edges, arrowheads, sequence notes
    (1.1, "--pb-diagram-cluster"), // hsl(0 0% 98.9%): subgraph (cluster) fill
];

fn grey_expression([r, g, b, a]: [f64; 4]) -> Option<String> {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    if max - min > 8.0 || !(0.0..=1.0).contains(&a) {
        return None;
    }
    let v = (r + g + b) / 3.0;
    let ink = ((255.0 - v) / 255.0 * 1000.0).round() / 10.0;
    let mix = if ink <= 0.0 {
        "var(--pb-diagram-bg, #fff)".to_string()
    } else if ink >= 100.0 {
        "var(--pb-diagram-fg, #000)".to_string()
    } else {
        format!("color-mix(in srgb, var(--pb-diagram-fg, #000) {ink}%, var(--pb-diagram-bg, #fff))")
    };
    // Greys with one role in the neutral theme may be overridden by an optional variable.
    let role = ROLE_GREYS
        .iter()
        .find(|(role_ink, _)| (ink - role_ink).abs() < 0.05)
        .map(|(_, var)| var);
    let opaque = match role {
        Some(var) => format!("var({var}, {mix})"),
        None => mix,
    };
    let alpha = (a * 1000.0).round() / 10.0;
    Some(if alpha >= 99.9 {
        opaque
    } else {
        format!("color-mix(in srgb, {opaque} {alpha}%, transparent)")
    })
}

/// Parses a CSS colour at the start of `s`: `#hex`, `rgb()/rgba()`, `hsl()/hsla()`, or a
/// few grey keywords. Returns (bytes consumed, [r, g, b, alpha]).
fn parse_color(s: &str) -> Option<(usize, [f64; 4])> {
    if let Some(hex) = s.strip_prefix('#') {
        let len = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        let next = hex.as_bytes().get(len);
        if next.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_') {
            return None;
        }
        let digits = &hex[..len];
        let nib = |i: usize| {
            u8::from_str_radix(&digits[i..=i], 16)
                .ok()
                .map(|v| f64::from(v * 17))
        };
        let byte = |i: usize| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .ok()
                .map(f64::from)
        };
        let rgba = match len {
            3 => [nib(0)?, nib(1)?, nib(2)?, 255.0],
            4 => [nib(0)?, nib(1)?, nib(2)?, nib(3)?],
            6 => [byte(0)?, byte(2)?, byte(4)?, 255.0],
            8 => [byte(0)?, byte(2)?, byte(4)?, byte(6)?],
            _ => return None,
        };
        return Some((len + 1, [rgba[0], rgba[1], rgba[2], rgba[3] / 255.0]));
    }
    let head_end = s.char_indices().nth(12).map_or(s.len(), |(i, _)| i);
    let lower = s[..head_end].to_ascii_lowercase();
    for (name, v) in [
        ("white", 255.0),
        ("black", 0.0),
        ("gray", 128.0),
        ("grey", 128.0),
    ] {
        if lower.starts_with(name)
            && !s
                .as_bytes()
                .get(name.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            return Some((name.len(), [v, v, v, 1.0]));
        }
    }
    let func = ["rgba(", "rgb(", "hsla(", "hsl("]
        .into_iter()
        .find(|f| lower.starts_with(f))?;
    let close = s.find(')')?;
    let args: Vec<&str> = s[func.len()..close]
        .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .collect();
    let num = |a: &str| -> Option<f64> {
        let v: f64 = a
            .trim_end_matches('%')
            .trim_end_matches("deg")
            .parse()
            .ok()?;
        v.is_finite().then_some(v)
    };
    let alpha = match args.get(3) {
        Some(a) if a.ends_with('%') => num(a)? / 100.0,
        Some(a) => num(a)?,
        None => 1.0,
    };
    if args.len() < 3 {
        return None;
    }
    let rgb = if func.starts_with("rgb") {
        let ch = |a: &str| num(a).map(|v| if a.ends_with('%') { v * 2.55 } else { v });
        [ch(args[0])?, ch(args[1])?, ch(args[2])?]
    } else {
        hsl_to_rgb(num(args[0])?, num(args[1])? / 100.0, num(args[2])? / 100.0)
    };
    Some((close + 1, [rgb[0], rgb[1], rgb[2], alpha]))
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> [f64; 3] {
    let h = h.rem_euclid(360.0) / 360.0;
    let (s, l) = (s.clamp(0.0, 1.0), l.clamp(0.0, 1.0));
    if s == 0.0 {
        return [l * 255.0; 3];
    }
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let hue = |mut t: f64| {
        t = t.rem_euclid(1.0);
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    [
        hue(h + 1.0 / 3.0) * 255.0,
        hue(h) * 255.0,
        hue(h - 1.0 / 3.0) * 255.0,
    ]
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

/// On-disk cache of rendered SVGs, keyed by SHA-256 of (pipeline + engine version, theme,
/// id prefix, fallback label, links, source). Safe to share between threads and processes:
/// entries are written to a temporary file and renamed into place; an entry that is
/// missing, unreadable or fails its checksum is re-rendered and rewritten.
#[derive(Debug, Clone)]
pub struct DiagramCache {
    dir: PathBuf,
}

const CACHE_MAGIC: &str = "policybook-diagram-cache-v1";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(data))
}

impl DiagramCache {
    /// Uses `dir` (created on first write) for entries, e.g. `<root>/.policybook-cache/diagrams`.
    pub fn open(dir: &Path) -> Self {
        DiagramCache {
            dir: dir.to_path_buf(),
        }
    }

    /// The cache key of a request (hex SHA-256).
    pub fn key(req: &DiagramRequest) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(PIPELINE_VERSION.as_bytes());
        field(ENGINE_VERSION.as_bytes());
        field(THEME.as_bytes());
        field(LOOK.as_bytes());
        field(req.id_prefix.as_bytes());
        field(req.fallback_label.as_bytes());
        field(req.source.as_bytes());
        for (node, url) in req.links {
            field(node.as_bytes());
            field(url.as_bytes());
        }
        hex(&h.finalize())
    }

    fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.svg"))
    }

    /// Reads a valid entry; anything else (missing, unreadable, corrupt) is `None`.
    fn read(&self, key: &str) -> Option<String> {
        let data = std::fs::read_to_string(self.entry_path(key)).ok()?;
        let (header, body) = data.split_once('\n')?;
        let mut parts = header.split(' ');
        if parts.next()? != CACHE_MAGIC || parts.next()? != key {
            return None;
        }
        let digest = parts.next()?;
        (sha256_hex(body.as_bytes()) == digest).then(|| body.to_string())
    }

    fn write(&self, key: &str, svg: &str) -> std::io::Result<()> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(
            ".tmp-{key}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            write!(
                f,
                "{CACHE_MAGIC} {key} {}\n{svg}",
                sha256_hex(svg.as_bytes())
            )?;
            drop(f);
            std::fs::rename(&tmp, self.entry_path(key))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Returns the cached SVG for `req`, or renders and stores it. Cache I/O problems are
    /// never fatal; errors from rendering are returned (and not cached).
    pub fn get_or_render(&self, req: &DiagramRequest) -> Result<String, DiagramError> {
        let key = Self::key(req);
        if let Some(svg) = self.read(&key) {
            return Ok(svg);
        }
        let svg = render(req)?;
        let _ = self.write(&key, &svg);
        Ok(svg)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod rounding_tests {
    #[test]
    fn path_numbers_are_rounded() {
        assert_eq!(
            super::round_numbers("M-52.875 -19.5 C-15.991790507984028 -19.5, 1e-7 .5, 3.004-2.999"),
            "M-52.88 -19.5 C-15.99 -19.5, 0 0.5, 3-3"
        );
        assert_eq!(super::round_numbers("0,0 10,5 0,10"), "0,0 10,5 0,10");
        // Separators that were a sign or a dot survive rounding.
        assert_eq!(
            super::round_numbers("M12.26-0.0001l0.2600.5.5"),
            "M12.26 0l0.26 0.5 0.5"
        );
        assert_eq!(super::round_numbers("1.004.5 3-4"), "1 0.5 3-4");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "graph LR
    A(Meeting prep) --> B(Previous actions)
    subgraph Management review meeting
    B --> C(Scope) --> D(Objectives) --> E(Top risks/mitigations) --> F(Non-conformities)
    end
    F --> G(Follow up)
";

    fn req<'a>(
        source: &'a str,
        prefix: &'a str,
        links: &'a BTreeMap<String, String>,
    ) -> DiagramRequest<'a> {
        DiagramRequest {
            source,
            id_prefix: prefix,
            fallback_label: "Management review",
            links,
        }
    }

    #[test]
    fn scoping_never_creates_duplicate_ids() {
        // The engine emits both `node_1` and `<prefix>-node_1` for mindmaps.
        let links = no_links();
        let svg = render(&req(
            "mindmap\n  root((ISMS))\n    Policies\n    Risk\n",
            "mermaid-1",
            &links,
        ))
        .unwrap();
        let all: Vec<&str> = svg
            .split(" id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        assert_eq!(
            all.len(),
            all.iter().collect::<HashSet<_>>().len(),
            "{all:?}"
        );
    }

    fn ids(svg: &str) -> HashSet<String> {
        svg.split(" id=\"")
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
            .collect()
    }

    fn no_links() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    #[test]
    fn seed_flow_renders_labels_and_subgraph() {
        let links = no_links();
        let svg = render(&req(SEED, "mermaid-1", &links)).unwrap();
        for label in ["Meeting prep", "Follow up", "Management review meeting"] {
            assert!(svg.contains(label), "missing {label}");
        }
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains("width=\"100%\"") && svg.contains("viewBox=") && svg.contains("max-width")
        );
        assert!(svg.contains("<title id=\"mermaid-1-svg-title\">Management review</title>"));
        assert!(svg.contains("var(--pb-diagram-fg"));
    }

    #[test]
    fn every_id_and_reference_is_scoped() {
        let links = no_links();
        let seq = "sequenceDiagram\n  participant U as User\n  U->>S: hi\n  S-->>U: ok\n";
        for source in [SEED, seq] {
            let a = render(&req(source, "mermaid-1", &links)).unwrap();
            let b = render(&req(source, "mermaid-2", &links)).unwrap();
            let (ia, ib) = (ids(&a), ids(&b));
            assert!(!ia.is_empty());
            assert!(
                ia.is_disjoint(&ib),
                "shared ids: {:?}",
                ia.intersection(&ib).collect::<Vec<_>>()
            );
            for id in &ia {
                assert!(id.starts_with("mermaid-1-svg"), "unscoped id {id}");
            }
            for r in a.split("url(#").skip(1).chain(a.split("href=\"#").skip(1)) {
                assert!(
                    r.starts_with("mermaid-1"),
                    "unscoped reference {}",
                    &r[..20.min(r.len())]
                );
            }
        }
    }

    #[test]
    fn css_selectors_are_scoped() {
        let links = no_links();
        let svg = render(&req(SEED, "mermaid-7", &links)).unwrap();
        let css: String = svg
            .split("<style>")
            .skip(1)
            .map(|s| &s[..s.find("</style>").unwrap()])
            .collect();
        assert!(css.contains("foreignObject{overflow:visible;}"));
        for rule in css.split('}').filter(|r| r.contains('{')) {
            let sel = rule.split('{').next().unwrap().trim();
            if sel.is_empty() || sel.starts_with('@') || ["from", "to"].contains(&sel) {
                continue;
            }
            for part in sel.split(',') {
                assert!(
                    part.trim().starts_with("#mermaid-7"),
                    "unscoped selector {part}"
                );
            }
        }
    }

    #[test]
    fn click_becomes_link() {
        let src = "flowchart TD\n  A[Access control] --> B[Backups]\n  click A \"access-control-policy\" \"Open policy\"\n  click B href \"backup-policy\"\n";
        let clicks = extract_clicks(src).unwrap();
        assert_eq!(
            clicks,
            vec![
                Click {
                    node: "A".into(),
                    target: "access-control-policy".into(),
                    line: 3,
                    tooltip: Some("Open policy".into())
                },
                Click {
                    node: "B".into(),
                    target: "backup-policy".into(),
                    line: 4,
                    tooltip: None
                },
            ]
        );
        let mut links = BTreeMap::new();
        links.insert("A".to_string(), "access-control-policy.html".to_string());
        let svg = render(&req(src, "mermaid-1", &links)).unwrap();
        assert!(
            svg.contains("<a href=\"access-control-policy.html\""),
            "{svg}"
        );
        assert!(svg.contains("<title>Open policy</title>"));
        // B had no resolved URL: rendered without a link.
        assert_eq!(svg.matches("<a ").count(), 1);
    }

    #[test]
    fn class_diagram_links_and_front_matter() {
        let src = "---\ntitle: Controls\n---\n%% comment\nclassDiagram\n  class Policy\n  class Control\n  Policy --> Control\n  click Policy href \"isms-policy\"\n  link Control \"control-catalogue\"\n";
        let clicks = extract_clicks(src).unwrap();
        assert_eq!(
            clicks
                .iter()
                .map(|c| (c.node.as_str(), c.target.as_str(), c.line))
                .collect::<Vec<_>>(),
            vec![
                ("Policy", "isms-policy", 9),
                ("Control", "control-catalogue", 10)
            ]
        );
        let mut links = BTreeMap::new();
        links.insert("Policy".to_string(), "isms-policy.html".to_string());
        links.insert("Control".to_string(), "control-catalogue.html".to_string());
        let svg = render(&req(src, "mermaid-5", &links)).unwrap();
        assert!(
            svg.contains("href=\"isms-policy.html\"")
                && svg.contains("href=\"control-catalogue.html\""),
            "{svg}"
        );
        // Other kinds have no clicks; a node called `click` in a sequence diagram is not one.
        assert!(
            extract_clicks("sequenceDiagram\n  click->>B: hi\n")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn click_callbacks_are_errors() {
        for src in [
            "graph TD\n  A-->B\n  click A callback\n",
            "graph TD\n  A-->B\n  click A call go()\n",
        ] {
            let err = extract_clicks(src).unwrap_err();
            assert_eq!(err.line, Some(3));
            assert!(err.message.contains("callback"), "{err}");
            let links = no_links();
            assert!(render(&req(src, "m", &links)).is_err());
        }
        assert_eq!(
            extract_clicks("graph TD\n  click A\n").unwrap_err().line,
            Some(2)
        );
        assert!(extract_clicks("graph TD\n  click A \"x\" \"tip\" _blank;\n").is_ok());
    }

    #[test]
    fn malformed_input_reports_line() {
        let links = no_links();
        let err = render(&req(
            "graph LR\n    A --> B\n    B --> --> C\n    C --> D\n",
            "m",
            &links,
        ))
        .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("parse error"), "{err}");
        let err = render(&req(
            "sequenceDiagram\n  Alice->>Bob: hi\n  Bob-->>: oops\n",
            "m",
            &links,
        ))
        .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        let err = render(&req("pie\n  \"a\" : x\n", "m", &links)).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        let gantt = "gantt\n  dateFormat YYYY-MM-DD\n  section S\n  Task :a1, notadate, 3d\n";
        assert_eq!(render(&req(gantt, "m", &links)).unwrap_err().line, Some(4));
    }

    #[test]
    fn unsupported_kind_is_named() {
        let links = no_links();
        let err = render(&req("%% comment\ngitGraph\n  commit\n", "m", &links)).unwrap_err();
        assert!(err.message.contains("`gitGraph`"), "{err}");
        assert_eq!(err.line, Some(2));
        assert!(err.help.unwrap().contains("sequenceDiagram"));
        assert!(render(&req("", "m", &links)).is_err());
        assert!(
            render(&req("hello world", "m", &links))
                .unwrap_err()
                .message
                .contains("`hello`")
        );
    }

    #[test]
    fn accessibility_from_source() {
        let links = no_links();
        let src = "flowchart TD\n  accTitle: Incident flow\n  accDescr: From report to closure\n  A-->B\n";
        let svg = render(&req(src, "mermaid-4", &links)).unwrap();
        let root = &svg[..svg.find('>').unwrap()];
        assert!(root.contains("role=\"img\""));
        assert!(root.contains("aria-labelledby=\"mermaid-4-"));
        assert!(root.contains("aria-describedby=\"mermaid-4-"));
        assert!(
            svg.contains(">Incident flow</title>")
                && svg.contains(">From report to closure</desc>")
        );
        assert!(!svg.contains("Management review"));
    }

    #[test]
    fn deterministic() {
        let links = no_links();
        let a = render(&req(SEED, "mermaid-1", &links)).unwrap();
        let b = render(&req(SEED, "mermaid-1", &links)).unwrap();
        assert_eq!(a, b);
        let gantt = "gantt\n  dateFormat YYYY-MM-DD\n  section A\n  Task :a1, 2024-01-01, 3d\n";
        assert_eq!(
            render(&req(gantt, "g", &links)).unwrap(),
            render(&req(gantt, "g", &links)).unwrap()
        );
    }

    #[test]
    fn root_is_normalised() {
        let out = postprocess(
            "<svg id=\"p\" width=\"800\" height=\"600\" viewBox=\"0 0 800 600\" style=\"background: white\" role=\"graphics-document document\"><g id=\"n\" fill=\"#eee\"/><use href=\"#n\"/></svg>",
            "p",
            "Label & more",
        );
        assert_eq!(
            out,
            "<svg id=\"p\" width=\"100%\" viewBox=\"0 0 800 600\" style=\"background: var(--pb-diagram-bg, #fff); max-width: 800px;\" role=\"img\" aria-labelledby=\"p-title\">\
             <title id=\"p-title\">Label &amp; more</title>\
             <g id=\"p-n\" fill=\"var(--pb-diagram-node, color-mix(in srgb, var(--pb-diagram-fg, #000) 6.7%, var(--pb-diagram-bg, #fff)))\"/><use href=\"#p-n\"/></svg>"
        );
    }

    #[test]
    fn colours_become_variables() {
        assert_eq!(themed_colors("#fff"), "var(--pb-diagram-bg, #fff)");
        assert_eq!(themed_colors("#000000"), "var(--pb-diagram-fg, #000)");
        assert_eq!(
            themed_colors("1px solid #999"),
            "1px solid var(--pb-diagram-border, color-mix(in srgb, var(--pb-diagram-fg, #000) 40%, var(--pb-diagram-bg, #fff)))"
        );
        assert_eq!(
            themed_colors("#333"),
            "color-mix(in srgb, var(--pb-diagram-fg, #000) 80%, var(--pb-diagram-bg, #fff))"
        );
        assert!(
            themed_colors("hsl(0, 0%, 98.9%)").starts_with("var(--pb-diagram-cluster, color-mix")
        );
        assert_eq!(themed_colors("#f96"), "#f96");
        assert_eq!(
            themed_colors("rgba(255, 255, 255, 0.5)"),
            "color-mix(in srgb, var(--pb-diagram-bg, #fff) 50%, transparent)"
        );
        assert_eq!(themed_colors("url(#abc)"), "url(#abc)");
        assert_eq!(themed_colors("whitesmoke"), "whitesmoke");
    }

    #[test]
    fn garbage_never_panics() {
        let links = no_links();
        let mut inputs: Vec<String> = vec![
            "graph".into(),
            "graph TD\n".into(),
            "flowchart LR\n A-->".into(),
            "flowchart LR\n subgraph\n".into(),
            "sequenceDiagram\n loop\n".into(),
            "stateDiagram-v2\n [*] --> [*]\n state X {\n".into(),
            "gantt\n dateFormat X\n task: a, b, c\n".into(),
            "pie\n \"a\": -1\n".into(),
            "quadrantChart\n point: [2, -3]\n".into(),
            "mindmap\n".into(),
            "mindmap\n    a\n  b\n c\n".into(),
            "journey\n section\n x: y: z\n".into(),
            "erDiagram\n A ||--|| \n".into(),
            "classDiagram\n class A {\n".into(),
            "timeline\n : : :\n".into(),
            "graph TD\n A[\"\u{0}\u{fffd}\"]-->B((((\n".into(),
            "---\ntitle: [\n---\ngraph TD\nA-->B\n".into(),
            "%%{init: {\"theme\": 5}}%%\ngraph TD\nA-->B\n".into(),
        ];
        // Deterministic pseudo-random mutations of valid sources.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for base in [
            SEED,
            "sequenceDiagram\n A->>B: x\n",
            "stateDiagram-v2\n [*] --> A\n",
            "classDiagram\n A <|-- B\n",
        ] {
            for _ in 0..40 {
                let mut bytes: Vec<char> = base.chars().collect();
                for _ in 0..3 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let pos = (seed as usize) % bytes.len();
                    let ch = b"-<>[](){}|:;\"%\n #xo"[(seed >> 32) as usize % 19] as char;
                    if seed & 1 == 0 {
                        bytes[pos] = ch
                    } else {
                        bytes.insert(pos, ch)
                    }
                }
                inputs.push(bytes.into_iter().collect());
            }
        }
        for src in &inputs {
            let _ = render(&req(src, "fuzz", &links));
        }
    }

    #[test]
    fn parallel_renders_agree() {
        // Many threads rendering and sharing one cache directory at once.
        let links = no_links();
        let expected = render(&req(SEED, "mermaid-1", &links)).unwrap();
        let dir = temp_dir("parallel");
        let cache = DiagramCache::open(&dir);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        (0..4)
                            .map(|_| {
                                cache
                                    .get_or_render(&req(SEED, "mermaid-1", &links))
                                    .unwrap()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                assert!(h.join().unwrap().iter().all(|s| *s == expected));
            }
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pb-diagram-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn cache_hit_and_corrupt_entry() {
        let dir = temp_dir("hit");
        let cache = DiagramCache::open(&dir);
        let links = no_links();
        let r = req(SEED, "mermaid-1", &links);
        let first = cache.get_or_render(&r).unwrap();
        assert_eq!(first, render(&r).unwrap());
        let path = cache.entry_path(&DiagramCache::key(&r));
        assert!(path.exists());
        // A hit is served from disk: prove it by planting a valid entry with other content.
        let planted = "<svg id=\"mermaid-1\">planted</svg>";
        cache.write(&DiagramCache::key(&r), planted).unwrap();
        assert_eq!(cache.get_or_render(&r).unwrap(), planted);
        // Corrupt entries (truncated, garbage, binary, a directory) are re-rendered.
        let good = std::fs::read(&path).unwrap();
        for bad in [
            &good[..good.len() / 2],
            b"garbage".as_slice(),
            &[0xff, 0xfe, 0x00][..],
        ] {
            std::fs::write(&path, bad).unwrap();
            assert_eq!(cache.get_or_render(&r).unwrap(), first);
        }
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir_all(&path).unwrap();
        assert_eq!(cache.get_or_render(&r).unwrap(), first);
        // Different options → different key.
        let other = DiagramRequest {
            id_prefix: "mermaid-2",
            ..r
        };
        assert_ne!(DiagramCache::key(&r), DiagramCache::key(&other));
        // No temp files left behind.
        assert!(
            std::fs::read_dir(&dir).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".tmp"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn cache_in_unwritable_place_still_renders() {
        let file = temp_dir("file");
        std::fs::write(&file, "not a dir").unwrap();
        let cache = DiagramCache::open(&file.join("sub"));
        let links = no_links();
        assert!(
            cache
                .get_or_render(&req(SEED, "m", &links))
                .unwrap()
                .contains("Follow up")
        );
        let _ = std::fs::remove_file(&file);
    }
}
