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
//! - Smaller markup, the same picture: path data rounded to hundredths, straight "curves"
//!   (roughjs at roughness 0) written as lines, compact commands ([`write_path`]); style
//!   rules that can match nothing in the SVG, `@keyframes` nothing names, markers, filters
//!   and gradients nothing refers to, and `data-*` attributes (for mermaid's scripts) dropped
//!   ([`prune_style_sheets`], [`unused_definitions`]).
//! - Output is deterministic; [`DiagramCache`] stores it keyed by a SHA-256 of (source,
//!   options, engine and pipeline version).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Engine identity; part of every cache key.
pub const ENGINE_VERSION: &str = "merman 0.10.0-alpha.1";
/// Version of this module's pre/post-processing; bump when output changes.
const PIPELINE_VERSION: &str = "policybook-diagrams 5";
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
    let (svg, prefix) = draw(req)?;
    Ok(postprocess(&svg, &prefix, req.fallback_label))
}

/// For `benches/diagrams.rs`: the engine's SVG before [`postprocess`], and the root id.
#[doc(hidden)]
pub fn bench_draw(req: &DiagramRequest) -> Result<(String, String), DiagramError> {
    draw(req)
}

/// For `benches/diagrams.rs`: post-processing alone.
#[doc(hidden)]
pub fn bench_postprocess(svg: &str, prefix: &str, fallback_label: &str) -> String {
    postprocess(svg, prefix, fallback_label)
}

/// The engine's SVG (not yet post-processed) and the id of its root.
fn draw(req: &DiagramRequest) -> Result<(String, String), DiagramError> {
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
    Ok((svg, prefix))
}

// ---------------------------------------------------------------------------------------------
// SVG post-processing
// ---------------------------------------------------------------------------------------------

/// One piece of the SVG markup.
enum Piece<'a> {
    /// Text, comments, CDATA, processing instructions: copied verbatim. The whole text of a
    /// `<style>` element is one `Raw` piece.
    Raw(&'a str),
    /// An opening (or self-closing) tag; its attributes are `Markup::attrs[attrs]`.
    Open {
        name: &'a str,
        attrs: Range<usize>,
        self_closing: bool,
    },
    /// A closing tag (`text` is copied verbatim).
    Close { name: &'a str, text: &'a str },
}

/// SVG markup split into pieces. The attributes of all tags share one vector, so tokenizing
/// allocates twice, not once per tag. Attribute values are kept escaped.
struct Markup<'a> {
    pieces: Vec<Piece<'a>>,
    attrs: Vec<(&'a str, &'a str)>,
}

impl<'a> Markup<'a> {
    fn attrs(&self, range: &Range<usize>) -> &[(&'a str, &'a str)] {
        &self.attrs[range.clone()]
    }

    /// Attributes of every opening tag.
    fn all_attrs(&self) -> &[(&'a str, &'a str)] {
        &self.attrs
    }

    /// The index of the `Close` piece matching the `Open` piece at `open`, if the markup is
    /// balanced up to there.
    fn matching_close(&self, open: usize) -> Option<usize> {
        let Piece::Open { name, .. } = &self.pieces[open] else {
            return None;
        };
        let mut depth = 0usize;
        for (i, p) in self.pieces.iter().enumerate().skip(open + 1) {
            match p {
                Piece::Open {
                    self_closing: false,
                    ..
                } => depth += 1,
                Piece::Close { name: closing, .. } => {
                    if depth == 0 {
                        return (closing == name).then_some(i);
                    }
                    depth -= 1;
                }
                _ => {}
            }
        }
        None
    }
}

/// The position of ASCII byte `c` in `s` at or after `from`, eight bytes at a time (the
/// lowest zero byte of `w ^ pattern` is found exactly by the usual `(w - 0x01…) & !w & 0x80…`
/// test). Most searches here end within a few dozen bytes (the next `<`, a closing quote),
/// where calling out to `memchr` costs more than it saves.
#[inline]
fn find_byte(s: &str, from: usize, c: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let b = s.as_bytes();
    let pattern = ONES * u64::from(c);
    let mut j = from;
    while let Some(chunk) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word) ^ pattern;
        let found = w.wrapping_sub(ONES) & !w & HIGHS;
        if found != 0 {
            return Some(j + (found.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    b.get(j..)?.iter().position(|&x| x == c).map(|p| j + p)
}

fn tokenize(svg: &str) -> Markup<'_> {
    let mut pieces = Vec::with_capacity(svg.len() / 48);
    let mut attrs = Vec::with_capacity(svg.len() / 24);
    let mut i = 0;
    let mut text_start = 0;
    while let Some(at) = find_byte(svg, i, b'<') {
        i = at;
        let rest = &svg[i..];
        let special_end = if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else if rest.starts_with("<![CDATA[") {
            rest.find("]]>").map(|e| e + 3)
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest.find('>').map(|e| e + 1)
        } else {
            None
        };
        if let Some(len) = special_end {
            i += len;
            continue;
        }
        if let Some(after) = rest.strip_prefix("</") {
            let Some(end) = find_byte(after, 0, b'>') else {
                i += 1;
                continue;
            };
            if text_start < i {
                pieces.push(Piece::Raw(&svg[text_start..i]));
            }
            pieces.push(Piece::Close {
                name: after[..end].trim(),
                text: &rest[..end + 3],
            });
            i += end + 3;
            text_start = i;
            continue;
        }
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        let first_attr = attrs.len();
        let Some((name, self_closing, len)) = parse_tag(rest, &mut attrs) else {
            attrs.truncate(first_attr);
            i += 1;
            continue;
        };
        if text_start < i {
            pieces.push(Piece::Raw(&svg[text_start..i]));
        }
        pieces.push(Piece::Open {
            name,
            attrs: first_attr..attrs.len(),
            self_closing,
        });
        i += len;
        text_start = i;
        if !self_closing && (name == "style" || name == "script") {
            // Raw text: a `<` in a style sheet starts no tag.
            let mut end = svg.len();
            let mut from = i;
            while let Some(pos) = svg[from..].find("</") {
                let at = from + pos;
                if svg[at + 2..].starts_with(name) {
                    end = at;
                    break;
                }
                from = at + 2;
            }
            if i < end {
                pieces.push(Piece::Raw(&svg[i..end]));
            }
            i = end;
            text_start = end;
        }
    }
    if text_start < svg.len() {
        pieces.push(Piece::Raw(&svg[text_start..]));
    }
    Markup { pieces, attrs }
}

/// Parses the opening tag at the start of `s`, appending its attributes to `attrs`; returns
/// (name, self-closing, length).
fn parse_tag<'a>(
    s: &'a str,
    attrs: &mut Vec<(&'a str, &'a str)>,
) -> Option<(&'a str, bool, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let name = &s[1..i];
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some((name, false, i + 1));
        }
        if b[i] == b'/' && b.get(i + 1) == Some(&b'>') {
            return Some((name, true, i + 2));
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
        let vend = find_byte(s, vstart, quote)?;
        attrs.push((key, &s[vstart..vend]));
        i = vend + 1;
    }
}

/// FxHash (as in rustc) for the sets of ids and class names: short keys, many lookups, where
/// SipHash showed in profiles. The input is the author's own diagram, so flooding is no concern.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = std::hash::BuildHasherDefault<FxHasher>;
type FxHashSet<T> = HashSet<T, FxBuild>;
type FxHashMap<K, V> = HashMap<K, V, FxBuild>;

/// Whether `text` contains `url(`: looks at each `(` (most values have none).
fn has_url(text: &str) -> bool {
    let mut from = 0;
    while let Some(p) = find_byte(text, from, b'(') {
        if p >= 3 && &text.as_bytes()[p - 3..p] == b"url" {
            return true;
        }
        from = p + 1;
    }
    false
}

struct Post<'a> {
    /// Unscoped id → its new, scoped and unique, id.
    renames: FxHashMap<&'a str, String>,
}

impl Post<'_> {
    fn id<'v>(&'v self, id: &'v str) -> &'v str {
        self.renames.get(id).map_or(id, String::as_str)
    }

    /// Writes `text` with its `url(#id)` references rewritten.
    fn urls(&self, text: &str, out: &mut String) {
        if self.renames.is_empty() || !has_url(text) {
            out.push_str(text);
            return;
        }
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
                    out.push_str(self.id(id));
                    out.push_str(quote);
                }
                _ => out.push_str(inner),
            }
            rest = &rest[inner_end..];
        }
        out.push_str(rest);
    }

    /// Writes a CSS selector with `#id` rewritten.
    fn selector(&self, text: &str, out: &mut String) {
        if self.renames.is_empty() || !text.contains('#') {
            out.push_str(text);
            return;
        }
        let mut rest = text;
        while let Some(pos) = rest.find('#') {
            out.push_str(&rest[..=pos]);
            rest = &rest[pos + 1..];
            let end = rest
                .find(|c: char| {
                    !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.' || c == ':')
                })
                .unwrap_or(rest.len());
            // The id may be followed by `.class`/`:hover`: try the longest id first, cutting
            // only where a class or pseudo-class could begin.
            let word = &rest[..end];
            let matched = word
                .char_indices()
                .filter(|&(i, c)| i > 0 && (c == '.' || c == ':'))
                .map(|(i, _)| i)
                .chain([end])
                .rev()
                .find(|&cut| self.renames.contains_key(&word[..cut]));
            if let Some(cut) = matched {
                out.push_str(self.id(&word[..cut]));
                rest = &rest[cut..];
            }
        }
        out.push_str(rest);
    }

    /// Writes a style sheet with ids scoped and colours themed.
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
                    self.selector(&css[start..i], out);
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
        let Some(colon) = find_byte(decl, 0, b':') else {
            out.push_str(decl);
            return;
        };
        let (prop, value) = (&decl[..colon], &decl[colon + 1..]);
        out.push_str(prop);
        out.push(':');
        // References first, so that an id is never read as a colour (`url(#fff)`).
        let scoped;
        let value = if !self.renames.is_empty() && has_url(value) {
            let mut s = String::with_capacity(value.len() + 16);
            self.urls(value, &mut s);
            scoped = s;
            scoped.as_str()
        } else {
            value
        };
        if is_color_property(prop.trim()) {
            out.push_str(&themed_colors(value));
        } else {
            out.push_str(value);
        }
    }

    fn style_attr(&self, style: &str, out: &mut String) {
        let mut rest = style;
        loop {
            let end = find_byte(rest, 0, b';').unwrap_or(rest.len());
            let d = &rest[..end];
            if d.as_bytes().contains(&b':') {
                self.declaration(d, out)
            } else {
                out.push_str(d)
            }
            if end == rest.len() {
                break;
            }
            out.push(';');
            rest = &rest[end + 1..];
        }
    }

    /// Writes an attribute value with ids scoped and colours themed.
    fn attr(&self, key: &str, value: &str, out: &mut String) {
        match key {
            "id" => out.push_str(self.id(value)),
            "style" => self.style_attr(value, out),
            "aria-labelledby" | "aria-describedby" | "aria-controls" | "aria-owns" => {
                for (i, v) in value.split_whitespace().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(self.id(v));
                }
            }
            "fill" | "stroke" | "stop-color" | "lighting-color" | "color" => {
                match themed_colors(value) {
                    Cow::Borrowed(_) => self.urls(value, out),
                    Cow::Owned(v) => out.push_str(&v),
                }
            }
            "href" | "xlink:href" => match value.strip_prefix('#') {
                Some(id) if self.renames.contains_key(id) => {
                    out.push('#');
                    out.push_str(self.id(id));
                }
                _ => out.push_str(value),
            },
            _ => self.urls(value, out),
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

// ---------------------------------------------------------------------------------------------
// Unused CSS and definitions
// ---------------------------------------------------------------------------------------------

/// What occurs in one SVG (its `foreignObject` HTML included), for deciding which CSS rules
/// can match nothing in it.
struct Facts<'a> {
    /// The root's id: only selectors starting with `#<root>` are judged (they can reach
    /// nothing outside the SVG).
    root: &'a str,
    classes: FxHashSet<&'a str>,
    elements: FxHashSet<&'a str>,
    attrs: &'a [(&'a str, &'a str)],
    /// Ids that attributes refer to (`url(#…)`, `href="#…"`, `aria-*`).
    refs: FxHashSet<&'a str>,
    /// Some attribute sets an `evenodd` fill or clip rule.
    evenodd: bool,
    /// `style` attributes that set an animation.
    animated: Vec<&'a str>,
    /// Answers of [`Facts::may_have_attr`] so far (style sheets repeat the same few).
    attr_answers: std::cell::RefCell<Vec<(String, Option<String>, bool)>>,
}

impl<'a> Facts<'a> {
    /// One pass over every tag and attribute.
    fn gather(markup: &'a Markup<'a>, root: &'a str) -> Self {
        let mut classes = FxHashSet::default();
        let mut elements = FxHashSet::default();
        let mut refs = FxHashSet::default();
        let mut evenodd = false;
        let mut animated = Vec::new();
        // Class values repeat (`node default`, `label`): split each distinct one once.
        let mut values = FxHashSet::default();
        let mut last_name = "";
        for p in &markup.pieces {
            let Piece::Open { name, attrs, .. } = p else {
                continue;
            };
            if *name != last_name {
                elements.insert(*name);
                last_name = name;
            }
            for &(k, v) in markup.attrs(attrs) {
                match k {
                    "class" => {
                        if values.insert(v) {
                            classes.extend(v.split_ascii_whitespace());
                        }
                        continue;
                    }
                    "href" | "xlink:href" => {
                        if let Some(id) = v.strip_prefix('#') {
                            refs.insert(id);
                        }
                    }
                    "fill-rule" | "clip-rule" => evenodd |= v.contains("evenodd"),
                    "style" => {
                        evenodd |= v.contains("evenodd");
                        if contains_animation(v) {
                            animated.push(v);
                        }
                    }
                    // Never a reference (and the bulk of the bytes).
                    "d" | "points" | "id" | "transform" | "x" | "y" | "width" | "height"
                    | "viewBox" => continue,
                    _ if k.starts_with("data-") => continue,
                    _ if k.starts_with("aria-") => refs.extend(v.split_ascii_whitespace()),
                    _ if k.eq_ignore_ascii_case("class") => {
                        classes.extend(v.split_ascii_whitespace());
                        continue;
                    }
                    _ => {}
                }
                url_refs(v, |id| {
                    refs.insert(id);
                });
            }
        }
        Facts {
            root,
            classes,
            elements,
            attrs: markup.all_attrs(),
            refs,
            evenodd,
            animated,
            attr_answers: std::cell::RefCell::new(Vec::new()),
        }
    }

    // Names are compared ignoring ASCII case: the conservative choice (HTML element names, and
    // class names in quirks mode, match that way).
    fn has_class(&self, class: &str) -> bool {
        self.classes.contains(class) || self.classes.iter().any(|c| c.eq_ignore_ascii_case(class))
    }

    fn has_element(&self, name: &str) -> bool {
        // Post-processing adds `<title>`.
        name.eq_ignore_ascii_case("title")
            || self.elements.contains(name)
            || self.elements.iter().any(|e| e.eq_ignore_ascii_case(name))
    }

    /// Whether some element may have attribute `name` (with `value`, if given). Only `data-*`
    /// attributes are judged: post-processing adds or changes others (`role`, `width`, …).
    fn may_have_attr(&self, name: &str, value: Option<&str>) -> bool {
        if !name
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("data-"))
        {
            return true;
        }
        if let Some(&(_, _, answer)) = self
            .attr_answers
            .borrow()
            .iter()
            .find(|(n, v, _)| n == name && v.as_deref() == value)
        {
            return answer;
        }
        let answer = self.attrs.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case(name)
                && value.is_none_or(|want| {
                    v.eq_ignore_ascii_case(want) || v.contains('&') || want.contains('&')
                })
        });
        self.attr_answers
            .borrow_mut()
            .push((name.to_string(), value.map(str::to_string), answer));
        answer
    }
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c >= 0x80
}

/// The end of the identifier starting at `i`.
fn ident_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ident_byte(b[i]) {
        i += 1;
    }
    i
}

/// The index just past the bracket closing the one at `open` (`(`…`)` or `[`…`]`), skipping
/// strings and nested brackets.
fn skip_bracket(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, &c) in b.iter().enumerate().skip(open) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether one complex selector may match something in the SVG. `false` only when it surely
/// cannot: it starts at the root (`#<root>`) and needs a class, element or `data-*` attribute
/// that occurs nowhere in the SVG, or `:root` below the root. Requirements inside functional
/// pseudo-classes (`:not(…)`, `:is(…)`, …) are not used; anything not understood (escapes,
/// namespaces, sibling combinators that could leave the SVG) means "may match".
fn selector_may_match(sel: &str, facts: &Facts) -> bool {
    let b = sel.trim().as_bytes();
    let root = facts.root.as_bytes();
    if b.first() != Some(&b'#')
        || !b[1..].starts_with(root)
        || b.get(1 + root.len()).is_some_and(|&c| is_ident_byte(c))
        || b.contains(&b'\\')
    {
        return true;
    }
    let mut i = 1 + root.len();
    // At the start of a compound selector below the root (after a descendant or child
    // combinator).
    let mut compound_start = false;
    let mut below_root = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>' => {
                compound_start = true;
                below_root = true;
                i += 1;
            }
            b'+' | b'~' | b'|' | b'&' => return true,
            b'.' => {
                let end = ident_end(b, i + 1);
                // `from_utf8` cannot fail at ASCII boundaries of a `&str`.
                let class = std::str::from_utf8(&b[i + 1..end]).unwrap_or("");
                if class.is_empty() {
                    return true;
                }
                if !facts.has_class(class) {
                    return false;
                }
                compound_start = false;
                i = end;
            }
            b'#' => {
                i = ident_end(b, i + 1);
                compound_start = false;
            }
            b'*' => {
                i += 1;
                compound_start = false;
            }
            b'[' => {
                let Some(end) = skip_bracket(b, i) else {
                    return true;
                };
                let inner = std::str::from_utf8(&b[i + 1..end - 1]).unwrap_or("").trim();
                let name_end = ident_end(inner.as_bytes(), 0);
                let (name, rest) = inner.split_at(name_end);
                let rest = rest.trim_start();
                let may = if rest.is_empty() {
                    facts.may_have_attr(name, None)
                } else if let Some(value) = rest.strip_prefix('=') {
                    let value = value.trim();
                    let unquoted = match value.as_bytes().first() {
                        Some(&q @ (b'"' | b'\''))
                            if value.len() >= 2 && value.ends_with(q as char) =>
                        {
                            Some(&value[1..value.len() - 1])
                        }
                        Some(_) if value.bytes().all(is_ident_byte) => Some(value),
                        // A case flag (`i`/`s`) or anything else: not judged.
                        _ => None,
                    };
                    unquoted.is_none_or(|v| facts.may_have_attr(name, Some(v)))
                } else {
                    true
                };
                if !may {
                    return false;
                }
                compound_start = false;
                i = end;
            }
            b':' => {
                let mut j = i + 1;
                if b.get(j) == Some(&b':') {
                    j += 1;
                }
                let end = ident_end(b, j);
                let name = &b[j..end];
                if below_root && name.eq_ignore_ascii_case(b"root") {
                    // `:root` has no ancestors, so it is never inside the SVG.
                    return false;
                }
                i = end;
                if b.get(i) == Some(&b'(') {
                    let Some(close) = skip_bracket(b, i) else {
                        return true;
                    };
                    i = close;
                }
                compound_start = false;
            }
            c if is_ident_byte(c) && compound_start => {
                let end = ident_end(b, i);
                let name = std::str::from_utf8(&b[i..end]).unwrap_or("");
                if !facts.has_element(name) {
                    return false;
                }
                compound_start = false;
                i = end;
            }
            _ => return true,
        }
    }
    true
}

/// Splits a selector list at top-level commas.
fn split_selector_list(list: &str) -> impl Iterator<Item = &str> {
    let b = list.as_bytes();
    let mut depth = 0usize;
    let mut quote = None;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts.into_iter()
}

/// One top-level item of a style sheet: `css[start..end]`, with `brace` the index of its
/// `{` for a rule or block at-rule (`None` for a statement such as `@import …;`).
struct CssItem {
    start: usize,
    brace: Option<usize>,
    end: usize,
}

/// The top-level items of a style sheet, or `None` if it is not balanced (then nothing is
/// pruned).
fn css_items(css: &str) -> Option<Vec<CssItem>> {
    let b = css.as_bytes();
    let mut items = Vec::new();
    let (mut i, mut start, mut depth) = (0, 0, 0usize);
    let mut brace = None;
    let mut quote = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'\\' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2 + css[i + 2..].find("*/")? + 2;
                continue;
            }
            b'{' => {
                if depth == 0 {
                    brace = Some(i);
                }
                depth += 1;
            }
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    items.push(CssItem {
                        start,
                        brace: brace.take(),
                        end: i + 1,
                    });
                    start = i + 1;
                }
            }
            b';' if depth == 0 => {
                items.push(CssItem {
                    start,
                    brace: None,
                    end: i + 1,
                });
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 || quote.is_some() {
        return None;
    }
    if start < b.len() {
        items.push(CssItem {
            start,
            brace: None,
            end: b.len(),
        });
    }
    Some(items)
}

fn contains_animation(text: &str) -> bool {
    text.as_bytes()
        .windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"animation"))
}

/// Whether `text` contains `name` as a whole CSS identifier.
fn mentions_ident(text: &str, name: &str) -> bool {
    !name.is_empty()
        && text.match_indices(name).any(|(at, _)| {
            let b = text.as_bytes();
            let before = at.checked_sub(1).map(|p| b[p]);
            !before.is_some_and(is_ident_byte)
                && !b.get(at + name.len()).is_some_and(|&c| is_ident_byte(c))
        })
}

/// Drops the rules of the style sheets that can match nothing in the SVG (see
/// [`selector_may_match`]; a rule goes only if every selector of its list cannot match), and
/// `@keyframes` no kept rule or `style` attribute names. Other at-rules, comments and
/// anything unbalanced are kept. Returns the kept text of each sheet, in order.
fn prune_style_sheets<'a>(sheets: &[&'a str], facts: &Facts) -> Vec<Cow<'a, str>> {
    struct Sheet<'a> {
        css: &'a str,
        items: Option<Vec<CssItem>>,
        keep: Vec<bool>,
    }
    let mut parsed: Vec<Sheet> = sheets
        .iter()
        .map(|css| Sheet {
            css,
            items: css_items(css),
            keep: Vec::new(),
        })
        .collect();
    let mut keyframes = Vec::new();
    for (s, sheet) in parsed.iter_mut().enumerate() {
        let Some(items) = &sheet.items else { continue };
        for (n, item) in items.iter().enumerate() {
            let keep = match item.brace {
                None => true,
                Some(brace) => {
                    let prelude = sheet.css[item.start..brace].trim();
                    if let Some(at_rule) = prelude.strip_prefix('@') {
                        let (keyword, name) = at_rule
                            .split_once(|c: char| c.is_ascii_whitespace())
                            .unwrap_or((at_rule, ""));
                        let keyword = keyword.to_ascii_lowercase();
                        if keyword == "keyframes" || keyword.ends_with("-keyframes") {
                            keyframes.push((s, n, name.trim().trim_matches(['"', '\''])));
                        }
                        true
                    } else {
                        prelude.contains("/*")
                            || split_selector_list(prelude)
                                .any(|sel| selector_may_match(sel, facts))
                    }
                }
            };
            sheet.keep.push(keep);
        }
    }
    if !keyframes.is_empty() {
        let frames: HashSet<(usize, usize)> = keyframes.iter().map(|&(s, n, _)| (s, n)).collect();
        // Only `animation` and `animation-name` name keyframes.
        let styles = &facts.animated;
        for &(s, n, name) in &keyframes {
            let used = parsed.iter().enumerate().any(|(t, sheet)| {
                sheet.items.iter().flatten().enumerate().any(|(m, item)| {
                    sheet.keep[m]
                        && !frames.contains(&(t, m))
                        && mentions_ident(&sheet.css[item.start..item.end], name)
                })
            }) || styles.iter().any(|st| mentions_ident(st, name));
            parsed[s].keep[n] = used;
        }
    }
    parsed
        .into_iter()
        .map(|sheet| match &sheet.items {
            Some(items) if sheet.keep.iter().any(|k| !k) => {
                let mut kept = String::with_capacity(sheet.css.len());
                for (item, _) in items.iter().zip(&sheet.keep).filter(|(_, k)| **k) {
                    kept.push_str(&sheet.css[item.start..item.end]);
                }
                Cow::Owned(kept)
            }
            _ => Cow::Borrowed(sheet.css),
        })
        .collect()
}

/// Calls `f` with the id of every `url(#id)` in `text` (`url` in any case, the id quoted or
/// not).
fn url_refs<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(open) = find_byte(text, from, b'(') {
        from = open + 1;
        if open < 3 || !b[open - 3..open].eq_ignore_ascii_case(b"url") {
            continue;
        }
        let close = find_byte(text, from, b')').unwrap_or(text.len());
        let inner = text[from..close].trim().trim_matches(['"', '\'']);
        if let Some(id) = inner.strip_prefix('#') {
            f(id);
        }
    }
}

/// Every id some attribute or kept style sheet refers to: `url(#id)`, `href="#id"`, `aria-*`.
fn referenced_ids<'a>(facts: &Facts<'a>, sheets: &'a [Cow<'a, str>]) -> FxHashSet<&'a str> {
    let mut refs = facts.refs.clone();
    for sheet in sheets {
        url_refs(sheet, |id| {
            refs.insert(id);
        });
    }
    refs
}

/// Elements drawn only where referenced.
const DEFINITIONS: &[&str] = &[
    "marker",
    "filter",
    "linearGradient",
    "radialGradient",
    "pattern",
    "clipPath",
    "mask",
    "symbol",
];

/// `(open, close)` piece indices of definitions (markers, gradients, filters, …) nothing
/// refers to: they draw nothing. Mermaid's flowcharts define a dozen arrowhead markers and
/// use one or two.
fn unused_definitions(markup: &Markup, refs: &FxHashSet<&str>) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for (i, p) in markup.pieces.iter().enumerate() {
        let Piece::Open {
            name,
            attrs,
            self_closing,
        } = p
        else {
            continue;
        };
        if !DEFINITIONS.contains(name) {
            continue;
        }
        let id = markup
            .attrs(attrs)
            .iter()
            .find(|(k, _)| *k == "id")
            .map(|(_, v)| *v);
        if id.is_some_and(|id| refs.contains(id)) {
            continue;
        }
        let end = if *self_closing {
            Some(i)
        } else {
            markup.matching_close(i)
        };
        if let Some(end) = end {
            spans.push((i, end));
        }
    }
    spans
}

/// Whether a style sheet may give elements markers (then no path loses vertices).
fn sets_markers(css: &str) -> bool {
    css.match_indices("marker").any(|(at, _)| {
        let before = css[..at].bytes().next_back();
        let after = css[at + 6..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        matches!(
            before,
            None | Some(b'{' | b';' | b' ' | b'\t' | b'\n' | b'\r')
        ) && (after.starts_with(':')
            || after.starts_with("-start")
            || after.starts_with("-mid")
            || after.starts_with("-end"))
    })
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether a `class` value names a class twice (`edge-thickness-normal … edge-thickness-normal`).
fn has_repeated_class(value: &str) -> bool {
    let mut seen = [""; 8];
    for (n, c) in value.split_ascii_whitespace().enumerate() {
        if n == seen.len() {
            // Many names: compare the slow way.
            return value
                .split_ascii_whitespace()
                .enumerate()
                .any(|(n, c)| value.split_ascii_whitespace().take(n).any(|e| e == c));
        }
        if seen[..n].contains(&c) {
            return true;
        }
        seen[n] = c;
    }
    false
}

fn postprocess(svg: &str, prefix: &str, fallback_label: &str) -> String {
    let markup = tokenize(svg);
    let pieces = &markup.pieces;
    // An image cannot contain focusable links (axe: nested-interactive); a diagram whose nodes link
    // to documents is a labelled group instead.
    let has_links = pieces
        .iter()
        .any(|p| matches!(p, Piece::Open { name, .. } if *name == "a"));
    let role = if has_links {
        " role=\"group\""
    } else {
        " role=\"img\""
    };
    let scoped = format!("{prefix}-");
    // In document order, so renaming is deterministic.
    let ordered_ids: Vec<&str> = markup
        .all_attrs()
        .iter()
        .filter(|(k, _)| *k == "id")
        .map(|(_, v)| *v)
        .collect();
    let needs_scope = |id: &str| id != prefix && !id.starts_with(&scoped) && !id.is_empty();
    // The engine scopes most ids itself; the set of all ids is needed only when some are not.
    let all_ids: FxHashSet<&str> = if ordered_ids.iter().any(|id| needs_scope(id)) {
        ordered_ids.iter().copied().collect()
    } else {
        FxHashSet::default()
    };
    let mut renames: FxHashMap<&str, String> = FxHashMap::default();
    let mut taken: FxHashSet<String> = FxHashSet::default();
    for &id in &ordered_ids {
        if needs_scope(id) && !renames.contains_key(id) {
            let mut new = format!("{prefix}-{id}");
            let mut n = 1;
            while all_ids.contains(new.as_str()) || taken.contains(&new) {
                new = format!("{prefix}-{n}-{id}");
                n += 1;
            }
            taken.insert(new.clone());
            renames.insert(id, new);
        }
    }
    let post = Post { renames };

    // Style sheets without the rules that match nothing here, then the definitions nothing
    // refers to.
    let mut style_pieces = Vec::new();
    let mut after_style = false;
    for (i, p) in pieces.iter().enumerate() {
        match p {
            Piece::Raw(text) if after_style => style_pieces.push((i, *text)),
            _ => {}
        }
        after_style = matches!(
            p,
            Piece::Open {
                name: "style",
                self_closing: false,
                ..
            }
        );
    }
    let facts = Facts::gather(&markup, prefix);
    let sheets = prune_style_sheets(
        &style_pieces.iter().map(|(_, t)| *t).collect::<Vec<_>>(),
        &facts,
    );

    let refs = referenced_ids(&facts, &sheets);
    let unused = unused_definitions(&markup, &refs);
    let css_markers = sheets.iter().any(|s| sets_markers(s));
    let evenodd = facts.evenodd || sheets.iter().any(|s| s.contains("evenodd"));
    // `data-*` attributes (node ids, edge geometry as base64 JSON, …) are for mermaid's
    // scripts, and none run here: kept only where a kept style rule names them.
    let css_data_attrs: Vec<&str> = sheets
        .iter()
        .flat_map(|s| {
            s.match_indices("data-")
                .map(|(at, _)| &s[at..ident_end(s.as_bytes(), at)])
        })
        .collect();

    let mut scratch = PathScratch::default();
    let mut seen_ids: FxHashSet<Cow<str>> =
        FxHashSet::with_capacity_and_hasher(ordered_ids.len(), FxBuild::default());
    // Cursors into `unused` and `style_pieces`, both in document order.
    let mut next_unused = 0;
    let mut next_sheet = 0;
    let mut out = String::with_capacity(svg.len() + 256);
    // Rewritten `style` attributes (labels repeat the same few).
    let mut style_cache: FxHashMap<&str, String> = FxHashMap::default();
    let mut in_style = false;
    let mut root_done = false;
    let mut extra_css_done = false;
    let mut i = 0;
    while i < pieces.len() {
        while unused.get(next_unused).is_some_and(|&(open, _)| open < i) {
            next_unused += 1;
        }
        if let Some(&(_, end)) = unused.get(next_unused).filter(|(open, _)| *open == i) {
            i = end + 1;
            continue;
        }
        let p = &pieces[i];
        match p {
            Piece::Raw(text) => {
                if in_style {
                    while style_pieces.get(next_sheet).is_some_and(|&(at, _)| at < i) {
                        next_sheet += 1;
                    }
                    match style_pieces.get(next_sheet) {
                        Some(&(at, _)) if at == i => post.css(&sheets[next_sheet], &mut out),
                        _ => post.css(text, &mut out),
                    }
                } else {
                    out.push_str(text);
                }
            }
            Piece::Close { name, text } => {
                if in_style && *name == "style" {
                    if !extra_css_done {
                        // Build-time text metrics can be narrower than the reader's font:
                        // let labels overflow their box instead of being clipped.
                        out.push('#');
                        out.push_str(prefix);
                        out.push_str(" foreignObject{overflow:visible;}");
                        extra_css_done = true;
                    }
                    in_style = false;
                }
                out.push_str(text);
            }
            Piece::Open {
                name,
                attrs,
                self_closing,
            } => {
                let attrs = markup.attrs(attrs);
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
                for &(k, v) in attrs {
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
                                    out.push_str(" style=\"");
                                    post.attr(k, v, &mut out);
                                    out.push_str(sep);
                                    out.push(' ');
                                    out.push_str(mw);
                                    out.push('"');
                                    continue;
                                }
                            }
                            _ => {}
                        }
                    } else if k == "style"
                        && v.bytes().all(|c| c.is_ascii_whitespace() || c == b';')
                    {
                        // `style=""`, `style=";"`: nothing.
                        continue;
                    }
                    if k.starts_with("data-") && !css_data_attrs.contains(&k) {
                        continue;
                    }
                    if k == "title" && *name != "svg" && !self_closing {
                        tooltip = Some(v);
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
                    match k {
                        "d" => {
                            let options = PathOptions {
                                structural: !css_markers && !path_is_pinned(attrs, &refs),
                                evenodd,
                                drop_repeats: DROP_REPEATED_SUBPATHS,
                            };
                            write_path(v, options, &mut scratch, &mut out);
                        }
                        "points" => round_numbers_into(v, &mut out),
                        "class" if has_repeated_class(v) => {
                            // Class matching is by set: each name once.
                            for (n, c) in v.split_ascii_whitespace().enumerate() {
                                if !v.split_ascii_whitespace().take(n).any(|e| e == c) {
                                    if n > 0 {
                                        out.push(' ');
                                    }
                                    out.push_str(c);
                                }
                            }
                        }
                        "id" => {
                            let value = post.id(v);
                            if seen_ids.insert(Cow::Borrowed(value)) {
                                out.push_str(value);
                            } else {
                                // The engine repeats some ids (mindmap nodes): keep ids unique.
                                let mut n = 2;
                                while !seen_ids.insert(Cow::Owned(format!("{value}-{n}"))) {
                                    n += 1;
                                }
                                out.push_str(value);
                                out.push('-');
                                out.push_str(&n.to_string());
                            }
                        }
                        "style" => {
                            let rewritten = style_cache.entry(v).or_insert_with(|| {
                                let mut s = String::with_capacity(v.len() + 32);
                                post.style_attr(v, &mut s);
                                s
                            });
                            out.push_str(rewritten);
                        }
                        _ => post.attr(k, v, &mut out),
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
                        out.push_str(" style=\"");
                        out.push_str(&mw);
                        out.push('"');
                    }
                    if !labelled {
                        out.push_str(" aria-labelledby=\"");
                        out.push_str(prefix);
                        out.push_str("-title\"");
                    }
                }
                out.push_str(if *self_closing { "/>" } else { ">" });
                if is_root && !labelled {
                    let label = if fallback_label.trim().is_empty() {
                        "Diagram"
                    } else {
                        fallback_label.trim()
                    };
                    out.push_str("<title id=\"");
                    out.push_str(prefix);
                    out.push_str("-title\">");
                    out.push_str(&xml_escape(label));
                    out.push_str("</title>");
                }
                if let Some(tip) = tooltip {
                    // A native tooltip (mermaid shows tooltips with JavaScript).
                    out.push_str("<title>");
                    out.push_str(tip);
                    out.push_str("</title>");
                }
                if *name == "style" && !self_closing {
                    in_style = true;
                }
            }
        }
        i += 1;
    }
    if out.capacity() > 2 * out.len() + 4096 {
        out.shrink_to_fit();
    }
    out
}

/// Whether a path's vertices or length matter beyond its shape: markers on its vertices, a
/// `pathLength`, or its id referenced (a `textPath` or `mpath` follows it).
fn path_is_pinned(attrs: &[(&str, &str)], refs: &FxHashSet<&str>) -> bool {
    attrs.iter().any(|&(k, v)| {
        k.starts_with("marker")
            || k.eq_ignore_ascii_case("pathLength")
            || (k == "style" && v.contains("marker"))
            || (k == "id" && refs.contains(v))
    })
}

// ---------------------------------------------------------------------------------------------
// Numbers and path data
// ---------------------------------------------------------------------------------------------
//
// Hand-drawn (roughjs) shapes come with thousands of full-precision coordinates, and the
// `neutral` look draws them with roughness 0: every "curve" is a straight chord, and every
// stroke is drawn twice. Path data is parsed into integer hundredths of a unit (two decimals are
// far below a pixel at any zoom), simplified without changing what is drawn, and written back
// compactly. The parser is our own rather than a crate's (`svgtypes` would do, but parses into
// `f64` that we would round again): it reads digits straight into fixed point, and it must
// reject exactly what the SVG grammar rejects, so that data a browser draws only partly is left
// alone (only its numbers are rounded, as before).

/// Reads the number starting at `b[*i]` (SVG/CSS syntax: sign, digits, fraction, exponent)
/// into hundredths, rounded half away from zero; `None` if there is no number there, or it is
/// too large. Advances `*i` past what it read.
fn parse_hundredths(b: &[u8], i: &mut usize) -> Option<i64> {
    let start = *i;
    let mut j = start;
    let negative = match b.get(j) {
        Some(b'-') => {
            j += 1;
            true
        }
        Some(b'+') => {
            j += 1;
            false
        }
        _ => false,
    };
    let mut int: i64 = 0;
    let int_start = j;
    while let Some(d) = b.get(j).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
        int = int.checked_mul(10)?.checked_add(i64::from(d))?;
        j += 1;
    }
    let mut digits = j - int_start;
    let mut frac = [0u8; 3];
    if b.get(j) == Some(&b'.') {
        j += 1;
        let frac_start = j;
        for f in &mut frac {
            match b.get(j).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
                Some(d) => {
                    *f = d;
                    j += 1;
                }
                None => break,
            }
        }
        // Engines write 15 decimals; only three count.
        j = skip_digits(b, j);
        digits += j - frac_start;
    }
    if digits == 0 {
        return None;
    }
    let exponent = matches!(b.get(j), Some(b'e' | b'E'))
        && match b.get(j + 1) {
            Some(c) if c.is_ascii_digit() => true,
            Some(b'-' | b'+') => b.get(j + 2).is_some_and(u8::is_ascii_digit),
            _ => false,
        };
    if exponent {
        j += 2;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        // Rare (engines write `1e-7` for almost-zero): let the standard library read it.
        let text = std::str::from_utf8(&b[start..j]).ok()?;
        let v = (text.parse::<f64>().ok()? * 100.0).round();
        *i = j;
        return (v.is_finite() && v.abs() < 1e15).then_some(v as i64);
    }
    let magnitude = int
        .checked_mul(100)?
        .checked_add(i64::from(frac[0]) * 10 + i64::from(frac[1]) + i64::from(frac[2] >= 5))?;
    if magnitude >= 100_000_000_000_000_000 {
        return None;
    }
    *i = j;
    Some(if negative { -magnitude } else { magnitude })
}

/// The index of the first byte at or after `j` that is not an ASCII digit, eight bytes at a
/// time while it can (a byte `c` is a digit when neither `c - 0x30` nor `c + 0x46` reaches
/// `0x80`; a carry or borrow only ever flags a word that has a non-digit anyway).
fn skip_digits(b: &[u8], mut j: usize) -> usize {
    while let Some(chunk) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let flags = (w.wrapping_sub(0x3030_3030_3030_3030) | w.wrapping_add(0x4646_4646_4646_4646))
            & 0x8080_8080_8080_8080;
        if flags != 0 {
            break;
        }
        j += 8;
    }
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    j
}

/// Writes hundredths as a decimal: `1234` → `12.34`, `-50` → `-0.5`, `300` → `3`.
fn push_hundredths(out: &mut String, v: i64) {
    let mut buf = [0u8; 24];
    let start = format_hundredths(&mut buf, v);
    // Only ASCII digits, '.' and '-'.
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or_default());
}

/// [`push_hundredths`] into bytes.
fn hundredths_into(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 24];
    let start = format_hundredths(&mut buf, v);
    out.extend_from_slice(&buf[start..]);
}

/// Formats hundredths right-aligned in `buf`; returns where the text starts.
fn format_hundredths(buf: &mut [u8; 24], v: i64) -> usize {
    let mut n = buf.len();
    let m = v.unsigned_abs();
    let (mut int, frac) = (m / 100, m % 100);
    if frac != 0 {
        if frac % 10 == 0 {
            n -= 1;
            buf[n] = b'0' + (frac / 10) as u8;
        } else {
            n -= 2;
            buf[n] = b'0' + (frac / 10) as u8;
            buf[n + 1] = b'0' + (frac % 10) as u8;
        }
        n -= 1;
        buf[n] = b'.';
    }
    loop {
        n -= 1;
        buf[n] = b'0' + (int % 10) as u8;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    if v < 0 {
        n -= 1;
        buf[n] = b'-';
    }
    n
}

/// Every number in path data or a point list, rounded to two decimals (`12.3456` → `12.35`,
/// `-0.001` → `0`); everything between the numbers is kept.
#[cfg(test)]
fn round_numbers(data: &str) -> String {
    let mut out = String::with_capacity(data.len());
    round_numbers_into(data, &mut out);
    out
}

fn round_numbers_into(data: &str, out: &mut String) {
    let bytes = data.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts_number = c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            || (c == b'-'
                && bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'.'));
        if !starts_number {
            i += 1;
            continue;
        }
        out.push_str(&data[copied..i]);
        let start = i;
        match parse_hundredths(bytes, &mut i) {
            Some(v) => {
                // The original may have relied on a sign or a second dot to separate two
                // numbers (`1.5-2`, `0.5.5`); keep them apart.
                if v >= 0 && out.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
                    out.push(' ');
                }
                push_hundredths(out, v);
            }
            None => {
                // Too large to round: copy the digits as they are.
                i = start + 1;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                out.push_str(&data[start..i]);
            }
        }
        copied = i;
    }
    out.push_str(&data[copied..]);
}

/// A point in hundredths of a user unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Pt {
    x: i64,
    y: i64,
}

impl Pt {
    fn add(self, o: Pt) -> Pt {
        Pt {
            x: self.x.saturating_add(o.x),
            y: self.y.saturating_add(o.y),
        }
    }

    fn sub(self, o: Pt) -> Pt {
        Pt {
            x: self.x.saturating_sub(o.x),
            y: self.y.saturating_sub(o.y),
        }
    }

    /// 2 × current − `self` (the reflected control point of `S`/`T`).
    fn reflect(self, about: Pt) -> Pt {
        about.add(about.sub(self))
    }
}

/// One absolute path segment. `S`/`T` are stored with their reflected control point, `H`/`V`
/// as lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    Move(Pt),
    Line(Pt),
    Cubic(Pt, Pt, Pt),
    Quad(Pt, Pt),
    Arc {
        radii: Pt,
        rotation: i64,
        large: bool,
        sweep: bool,
        to: Pt,
    },
    Close,
}

fn cross(a: Pt, b: Pt) -> i128 {
    (i128::from(a.x) * i128::from(b.y)).saturating_sub(i128::from(a.y) * i128::from(b.x))
}

fn dot(a: Pt, b: Pt) -> i128 {
    (i128::from(a.x) * i128::from(b.x)).saturating_add(i128::from(a.y) * i128::from(b.y))
}

/// Whether the curve from `a` through control points `controls` to `b` is the straight line
/// `a`–`b`: every control point within 0.01 of the chord, not beyond its ends (by more than
/// 0.01), and in order along it. Such a curve runs from `a` to `b` once, never turning back,
/// so it draws exactly the line (dashes included: it has the same length).
fn is_straight(a: Pt, controls: &[Pt], b: Pt) -> bool {
    let d = b.sub(a);
    let len2 = dot(d, d);
    // Within `tol` hundredths along the chord: `x <= tol * |d|`, squared to stay in integers.
    let within = |x: i128| x <= 0 || x.saturating_mul(x) <= len2;
    let mut previous: Option<i128> = None;
    for &c in controls {
        let v = c.sub(a);
        if len2 == 0 {
            if dot(v, v) > 1 {
                return false;
            }
            continue;
        }
        let off = cross(d, v);
        // Distance from the chord `|off| / |d|` at most one hundredth.
        if off.saturating_mul(off) > len2 {
            return false;
        }
        let along = dot(d, v);
        if !within(along.saturating_neg()) || !within(along.saturating_sub(len2)) {
            return false;
        }
        if previous.is_some_and(|p| !within(p.saturating_sub(along))) {
            return false;
        }
        previous = Some(along);
    }
    true
}

/// Path data reader following the SVG path grammar; any error makes [`parse_path`] give up.
struct PathReader<'a> {
    b: &'a [u8],
    i: usize,
    /// A comma was read: another argument must follow.
    comma: bool,
}

impl PathReader<'_> {
    fn skip_ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        {
            self.i += 1;
        }
    }

    /// After an argument: optional white space, an optional comma, white space.
    fn separator(&mut self) {
        self.skip_ws();
        if self.b.get(self.i) == Some(&b',') {
            self.i += 1;
            self.comma = true;
            self.skip_ws();
        }
    }

    fn number(&mut self) -> Option<i64> {
        let v = parse_hundredths(self.b, &mut self.i)?;
        self.comma = false;
        self.separator();
        Some(v)
    }

    fn flag(&mut self) -> Option<bool> {
        let v = match self.b.get(self.i)? {
            b'0' => false,
            b'1' => true,
            _ => return None,
        };
        self.i += 1;
        self.comma = false;
        self.separator();
        Some(v)
    }

    fn point(&mut self, base: Pt) -> Option<Pt> {
        let x = self.number()?;
        let y = self.number()?;
        Some(base.add(Pt { x, y }))
    }
}

/// Parses path data into absolute segments (`segs` is cleared first), converting straight
/// curves to lines. `false` if the data is not valid path data from its first byte to its last.
fn parse_path(d: &str, segs: &mut Vec<Seg>) -> bool {
    parse_path_inner(d, segs).is_some()
}

fn parse_path_inner(d: &str, segs: &mut Vec<Seg>) -> Option<()> {
    segs.clear();
    let mut r = PathReader {
        b: d.as_bytes(),
        i: 0,
        comma: false,
    };
    let mut cur = Pt::default();
    let mut start = cur;
    let mut cmd = 0u8;
    // The last control point of the previous segment, if it was a cubic (for `S`) or
    // quadratic (for `T`).
    let mut last_cubic: Option<Pt> = None;
    let mut last_quad: Option<Pt> = None;
    r.skip_ws();
    loop {
        let Some(&c) = r.b.get(r.i) else {
            return (!r.comma && cmd != 0).then_some(());
        };
        if c.is_ascii_alphabetic() {
            if r.comma || (cmd == 0 && c != b'M' && c != b'm') {
                return None;
            }
            cmd = c;
            r.i += 1;
            r.skip_ws();
        } else if matches!(cmd, 0 | b'Z' | b'z') {
            return None;
        } else if cmd == b'M' {
            // Coordinates after a moveto are implicit lineto commands.
            cmd = b'L';
        } else if cmd == b'm' {
            cmd = b'l';
        }
        let base = if cmd.is_ascii_lowercase() {
            cur
        } else {
            Pt::default()
        };
        let (seg, cubic_control, quad_control) = match cmd.to_ascii_uppercase() {
            b'M' => {
                let to = r.point(base)?;
                start = to;
                (Seg::Move(to), None, None)
            }
            b'L' => (Seg::Line(r.point(base)?), None, None),
            b'H' => {
                let x = r.number()?;
                (
                    Seg::Line(Pt {
                        x: base.x.saturating_add(x),
                        y: cur.y,
                    }),
                    None,
                    None,
                )
            }
            b'V' => {
                let y = r.number()?;
                (
                    Seg::Line(Pt {
                        x: cur.x,
                        y: base.y.saturating_add(y),
                    }),
                    None,
                    None,
                )
            }
            b'C' | b'S' => {
                let c1 = if cmd.eq_ignore_ascii_case(&b'C') {
                    r.point(base)?
                } else {
                    last_cubic.map_or(cur, |p| p.reflect(cur))
                };
                let c2 = r.point(base)?;
                let to = r.point(base)?;
                let seg = if is_straight(cur, &[c1, c2], to) {
                    Seg::Line(to)
                } else {
                    Seg::Cubic(c1, c2, to)
                };
                (seg, Some(c2), None)
            }
            b'Q' | b'T' => {
                let c1 = if cmd.eq_ignore_ascii_case(&b'Q') {
                    r.point(base)?
                } else {
                    last_quad.map_or(cur, |p| p.reflect(cur))
                };
                let to = r.point(base)?;
                let seg = if is_straight(cur, &[c1], to) {
                    Seg::Line(to)
                } else {
                    Seg::Quad(c1, to)
                };
                (seg, None, Some(c1))
            }
            b'A' => {
                let rx = r.number()?;
                let ry = r.number()?;
                let rotation = r.number()?;
                let large = r.flag()?;
                let sweep = r.flag()?;
                let to = r.point(base)?;
                (
                    Seg::Arc {
                        radii: Pt { x: rx, y: ry },
                        rotation,
                        large,
                        sweep,
                        to,
                    },
                    None,
                    None,
                )
            }
            b'Z' => {
                r.skip_ws();
                (Seg::Close, None, None)
            }
            _ => return None,
        };
        cur = match seg {
            Seg::Move(p) | Seg::Line(p) | Seg::Cubic(_, _, p) | Seg::Quad(_, p) => p,
            Seg::Arc { to, .. } => to,
            Seg::Close => start,
        };
        last_cubic = cubic_control;
        last_quad = quad_control;
        segs.push(seg);
    }
}

/// The end point of a drawing segment (`None` for moves and closes).
fn seg_end(seg: &Seg) -> Option<Pt> {
    match *seg {
        Seg::Line(p) | Seg::Cubic(_, _, p) | Seg::Quad(_, p) => Some(p),
        Seg::Arc { to, .. } => Some(to),
        Seg::Move(_) | Seg::Close => None,
    }
}

/// Whether a subpath (`Move` first) encloses no area: lines only, all on one straight line.
/// Its winding number is 0 almost everywhere, so it adds nothing to a fill under any fill rule.
fn encloses_nothing(unit: &[Seg]) -> bool {
    let Some(Seg::Move(origin)) = unit.first() else {
        return false;
    };
    let mut direction: Option<Pt> = None;
    for seg in &unit[1..] {
        match *seg {
            Seg::Line(p) => {
                let v = p.sub(*origin);
                if v == Pt::default() {
                    continue;
                }
                match direction {
                    None => direction = Some(v),
                    Some(d) if cross(d, v) != 0 => return false,
                    Some(_) => {}
                }
            }
            Seg::Close => {}
            _ => return false,
        }
    }
    true
}

/// Reusable buffers for path simplification (one set per post-processed SVG).
#[derive(Default)]
struct PathScratch {
    segs: Vec<Seg>,
    units: Vec<Range<usize>>,
    /// The simplified data (ASCII), moved to the output at the end.
    text: Vec<u8>,
}

/// Whether a subpath repeating the one before it is dropped (see [`write_path`]). Off: the
/// SVG means the same without the repeat, but Chromium's anti-aliasing adds up the partial
/// coverage of overlapping contours at a line's edges, so roughjs's double strokes draw
/// visibly darker lines than single ones (class box borders, stadium outlines), and mermaid's
/// own pictures look that way. Keeping the repeats costs about 4 kB per flowchart with two
/// stadium shapes (written relative, they are short); turning this on saves that and draws
/// those lines lighter.
const DROP_REPEATED_SUBPATHS: bool = false;

/// What may be simplified in one path besides rounding and straight curves.
#[derive(Debug, Clone, Copy)]
struct PathOptions {
    /// Drop repeated subpaths and zero-length segments: off when the path has markers
    /// (vertices count), a `pathLength` (scales dashes by the total length) or is referenced
    /// by id (a `textPath` follows its length).
    structural: bool,
    /// Some fill in the SVG uses `evenodd` (there, a subpath drawn twice cancels out).
    evenodd: bool,
    /// Drop repeated subpaths (with `structural`), see [`DROP_REPEATED_SUBPATHS`].
    drop_repeats: bool,
}

/// Writes path data rounded to hundredths and simplified without changing what is drawn:
/// - a cubic or quadratic curve whose control points lie on its chord becomes a line;
/// - with `structural`: a subpath repeating the one before it is dropped when that changes
///   no fill: always if it encloses nothing (roughjs draws each stroke segment twice, as
///   separate one-line subpaths), otherwise only if every enclosing subpath of the path is
///   repeated the same number of times (which scales winding numbers and keeps the nonzero
///   fill) and no fill is `evenodd`. Strokes are unions, so repeats never add to them.
///   Zero-length segments are dropped from subpaths that draw something else (a subpath of
///   only zero-length segments is kept: with round caps it is a dot). Separate subpaths are
///   never joined (a joined open subpath fills the area between them).
///
/// Output uses absolute or relative commands, whichever is shorter, `H`/`V` for axis-parallel
/// lines, and no separator before a minus sign. Data that is not valid path data is only
/// rounded, so it draws as it did.
fn write_path(d: &str, options: PathOptions, scratch: &mut PathScratch, out: &mut String) {
    if !parse_path(d, &mut scratch.segs) {
        round_numbers_into(d, out);
        return;
    }
    let segs = &scratch.segs;
    let units = &mut scratch.units;
    units.clear();
    let mut start = 0;
    for (i, seg) in segs.iter().enumerate().skip(1) {
        if matches!(seg, Seg::Move(_)) {
            units.push(start..i);
            start = i;
        }
    }
    units.push(start..segs.len());

    // Repeated subpaths: runs of equal consecutive units.
    let mut keep_repeats_of_enclosing = true;
    let drop_repeats = options.structural && options.drop_repeats;
    if drop_repeats {
        let mut run_length: Option<usize> = None;
        let mut uniform = true;
        let mut u = 0;
        while u < units.len() {
            let mut v = u + 1;
            while v < units.len() && segs[units[v].clone()] == segs[units[u].clone()] {
                v += 1;
            }
            if !encloses_nothing(&segs[units[u].clone()]) {
                match run_length {
                    None => run_length = Some(v - u),
                    Some(n) if n != v - u => uniform = false,
                    Some(_) => {}
                }
            }
            u = v;
        }
        keep_repeats_of_enclosing = options.evenodd || !uniform;
    }

    let mut w = PathWriter {
        cur: Pt::default(),
        start: Pt::default(),
        first: true,
    };
    let text = &mut scratch.text;
    text.clear();
    let mut previous: Option<Range<usize>> = None;
    for unit in units.iter() {
        let body = &segs[unit.clone()];
        if drop_repeats
            && previous.as_ref().is_some_and(|p| segs[p.clone()] == *body)
            && (!keep_repeats_of_enclosing || encloses_nothing(body))
        {
            continue;
        }
        previous = Some(unit.clone());
        // Zero-length segments, in subpaths that draw something else and close only at the end.
        let mut drops_zero = false;
        if options.structural {
            let mut at = Pt::default();
            let mut drawing = false;
            let mut close_inside = false;
            for (k, seg) in body.iter().enumerate() {
                if seg_end(seg).is_some() && !is_zero_length(seg, at) {
                    drawing = true;
                }
                if matches!(seg, Seg::Close) && k + 1 < body.len() {
                    close_inside = true;
                }
                if let Some(p) = seg_end(seg) {
                    at = p;
                } else if let Seg::Move(p) = seg {
                    at = *p;
                }
            }
            drops_zero = drawing && !close_inside;
        }
        for seg in body {
            if drops_zero && is_zero_length(seg, w.cur) {
                continue;
            }
            w.write(seg, text);
        }
    }
    // Only ASCII letters, digits, '.', '-' and ' ' were written.
    out.push_str(std::str::from_utf8(text).unwrap_or_default());
}

/// A drawing segment that ends where it starts and does not leave that point.
fn is_zero_length(seg: &Seg, from: Pt) -> bool {
    match *seg {
        Seg::Line(p) => p == from,
        Seg::Cubic(c1, c2, p) => c1 == from && c2 == from && p == from,
        Seg::Quad(c, p) => c == from && p == from,
        // An arc to its own start point is omitted when drawn.
        Seg::Arc { to, .. } => to == from,
        Seg::Move(_) | Seg::Close => false,
    }
}

struct PathWriter {
    cur: Pt,
    start: Pt,
    first: bool,
}

/// The length of [`push_hundredths`]'s text for `v`.
fn hundredths_len(v: i64) -> usize {
    let m = v.unsigned_abs();
    let frac = match m % 100 {
        0 => 0,
        f if f % 10 == 0 => 2,
        _ => 3,
    };
    usize::from(v < 0) + (m / 100).checked_ilog10().map_or(1, |d| d as usize + 1) + frac
}

/// The length of a command letter and its arguments as [`PathWriter::emit`] writes them.
fn command_len(args: &[i64]) -> usize {
    1 + args
        .iter()
        .enumerate()
        .map(|(n, &v)| hundredths_len(v) + usize::from(n > 0 && v >= 0))
        .sum::<usize>()
}

impl PathWriter {
    fn emit(out: &mut Vec<u8>, letter: u8, args: &[i64]) {
        out.push(letter);
        for (n, &v) in args.iter().enumerate() {
            if n > 0 && v >= 0 {
                out.push(b' ');
            }
            hundredths_into(out, v);
        }
    }

    /// Writes `seg` in the shorter of its absolute and relative forms (the first command, and
    /// ties, absolute).
    fn write(&mut self, seg: &Seg, out: &mut Vec<u8>) {
        let o = self.cur;
        let mut abs = [0i64; 7];
        let mut rel = [0i64; 7];
        let (letter, n) = match *seg {
            Seg::Move(p) => {
                self.start = p;
                (b'M', points(&mut abs, &mut rel, o, &[p]))
            }
            Seg::Line(p) if p.y == o.y => {
                (abs[0], rel[0]) = (p.x, p.x.saturating_sub(o.x));
                (b'H', 1)
            }
            Seg::Line(p) if p.x == o.x => {
                (abs[0], rel[0]) = (p.y, p.y.saturating_sub(o.y));
                (b'V', 1)
            }
            Seg::Line(p) => (b'L', points(&mut abs, &mut rel, o, &[p])),
            Seg::Cubic(c1, c2, p) => (b'C', points(&mut abs, &mut rel, o, &[c1, c2, p])),
            Seg::Quad(c, p) => (b'Q', points(&mut abs, &mut rel, o, &[c, p])),
            Seg::Arc {
                radii,
                rotation,
                large,
                sweep,
                to,
            } => {
                let head = [
                    radii.x,
                    radii.y,
                    rotation,
                    i64::from(large) * 100,
                    i64::from(sweep) * 100,
                ];
                abs[..5].copy_from_slice(&head);
                rel[..5].copy_from_slice(&head);
                (abs[5], abs[6]) = (to.x, to.y);
                let d = to.sub(o);
                (rel[5], rel[6]) = (d.x, d.y);
                (b'A', 7)
            }
            Seg::Close => {
                out.push(b'Z');
                self.cur = self.start;
                self.first = false;
                return;
            }
        };
        self.cur = match *seg {
            Seg::Move(p) | Seg::Line(p) | Seg::Cubic(_, _, p) | Seg::Quad(_, p) => p,
            Seg::Arc { to, .. } => to,
            Seg::Close => self.start,
        };
        if self.first || command_len(&abs[..n]) <= command_len(&rel[..n]) {
            Self::emit(out, letter, &abs[..n]);
        } else {
            Self::emit(out, letter.to_ascii_lowercase(), &rel[..n]);
        }
        self.first = false;
    }
}

/// Fills the absolute and relative (to `origin`) coordinates of `pts`; returns their count.
fn points(abs: &mut [i64; 7], rel: &mut [i64; 7], origin: Pt, pts: &[Pt]) -> usize {
    for (k, p) in pts.iter().enumerate() {
        let d = p.sub(origin);
        (abs[2 * k], abs[2 * k + 1]) = (p.x, p.y);
        (rel[2 * k], rel[2 * k + 1]) = (d.x, d.y);
    }
    2 * pts.len()
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
/// missing, unreadable or fails its checksum is re-rendered and rewritten. It remembers the
/// entries it was asked for, so a complete build can remove the rest ([`DiagramCache::prune`]).
#[derive(Debug, Clone)]
pub struct DiagramCache {
    dir: PathBuf,
    used: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

const CACHE_MAGIC: &str = "policybook-diagram-cache-v1";

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
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
            used: Default::default(),
        }
    }

    /// Remove the entries no request since [`DiagramCache::open`] asked for: after a complete
    /// build, the diagrams the handbook no longer has. Only files named like entries are touched.
    /// Returns how many were removed.
    pub fn prune(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let used = self
            .used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(|n| n.strip_suffix(".svg")) else {
                continue;
            };
            let is_entry =
                key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if is_entry && !used.contains(key) && entry.file_type()?.is_file() {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
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
        let mut data = std::fs::read_to_string(self.entry_path(key)).ok()?;
        let (header, body) = data.split_once('\n')?;
        let mut parts = header.split(' ');
        if parts.next()? != CACHE_MAGIC || parts.next()? != key {
            return None;
        }
        let digest = parts.next()?;
        if sha256_hex(body.as_bytes()) != digest {
            return None;
        }
        // The SVG is the rest of the file: drop the header line in place rather than copy the SVG.
        let header_len = header.len() + 1;
        data.drain(..header_len);
        Some(data)
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
        self.used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key.clone());
        if let Some(svg) = self.read(&key) {
            return Ok(svg);
        }
        crate::memory::purge_promptly();
        let svg = render(req)?;
        let _ = self.write(&key, &svg);
        Ok(svg)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod cache_key_tests {
    #[test]
    fn digests_are_lowercase_hex() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::hex(&[0, 9, 10, 255]), "00090aff");
        assert_eq!(super::hex(&[]), "");
    }
}

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
mod path_tests {
    use super::*;

    fn simplify(d: &str, structural: bool, drop_repeats: bool, evenodd: bool) -> String {
        let mut out = String::new();
        let options = PathOptions {
            structural,
            evenodd,
            drop_repeats,
        };
        write_path(d, options, &mut PathScratch::default(), &mut out);
        out
    }

    fn plain(d: &str) -> String {
        simplify(d, true, false, false)
    }

    #[test]
    fn straight_curves_become_lines() {
        // Control points on the chord, in order: a line (horizontal, vertical, diagonal).
        assert_eq!(plain("M0 0 C1 0, 2 0, 3 0"), "M0 0H3");
        assert_eq!(plain("M5 5C5 6 5 7 5 9"), "M5 5V9");
        assert_eq!(plain("M0 0C1 1 2 2 3 3"), "M0 0L3 3");
        // Within 0.01 of the chord after rounding (roughjs at roughness 0).
        assert_eq!(
            plain("M52.88 -19.5 C53.2 -19.49, 53.53 -19.48, 54.12 -19.46"),
            "M52.88-19.5l1.24 0.04"
        );
        // Quadratic curves too.
        assert_eq!(plain("M0 0Q5 0 10 0"), "M0 0H10");
    }

    #[test]
    fn real_curves_are_kept() {
        assert_eq!(plain("M0 0C0 1 1 1 1 0"), "M0 0C0 1 1 1 1 0");
        // On the line but beyond an end: the curve overshoots and comes back.
        assert_eq!(plain("M0 0C5 0 2 0 3 0"), "M0 0C5 0 2 0 3 0");
        assert_eq!(plain("M0 0C-1 0 2 0 3 0"), "M0 0C-1 0 2 0 3 0");
        // Out of order along the chord: it turns back.
        assert_eq!(plain("M0 0C2 0 1 0 3 0"), "M0 0C2 0 1 0 3 0");
        // More than 0.01 off the chord.
        assert_eq!(plain("M0 0C1 0.02 2 0 3 0"), "M0 0C1 0.02 2 0 3 0");
        // `S` reflects the previous control point even when that curve became a line.
        assert_eq!(plain("M0 0C1 0 2 0 3 0S4 1 5 0"), "M0 0H3C4 0 4 1 5 0");
    }

    #[test]
    fn relative_and_shorthand_commands_are_resolved() {
        assert_eq!(plain("m10 10l5 0l0 5z"), "M10 10h5v5Z");
        assert_eq!(plain("M 1,1 h 9 v 9 H 1 Z"), "M1 1h9v9H1Z");
        // Implicit lineto after moveto; arcs keep their flags.
        assert_eq!(plain("M0 0 10 0 10 10"), "M0 0H10V10");
        assert_eq!(plain("M0 0A5 5 0 0 1 10 0"), "M0 0A5 5 0 0 1 10 0");
        assert_eq!(plain("M0 0a5,5 0 1,0 10,0"), "M0 0A5 5 0 1 0 10 0");
        // The shorter of absolute and relative, no separator before a minus sign.
        assert_eq!(plain("M100 100L101 99"), "M100 100l1-1");
    }

    #[test]
    fn numbers_are_rounded_to_hundredths() {
        assert_eq!(
            plain("M-52.875 -19.5 C-15.991790507984028 -19.5, 1e-7 .5, 3.004-2.999"),
            "M-52.88-19.5C-15.99-19.5 0 0.5 3-3"
        );
        assert_eq!(plain("M0.004 0.005L1.5 -0.001"), "M0 0.01L1.5 0");
    }

    #[test]
    fn double_strokes_drop_their_repeats_when_enabled() {
        // roughjs at roughness 0: every segment twice, each a separate subpath.
        let rough =
            "M0 0 C1 0, 2 0, 3 0 M0 0 C1 0, 2 0, 3 0 M3 0 C3 1, 3 2, 3 3 M3 0 C3 1, 3 2, 3 3";
        assert_eq!(simplify(rough, true, true, false), "M0 0H3M3 0V3");
        // By default the repeats stay (Chromium draws them darker), written compactly.
        assert_eq!(plain(rough), "M0 0H3M0 0H3M3 0V3M3 0V3");
        // Subpaths are never joined: `M0 0H3M3 0V3` is not `M0 0H3V3`.
        assert!(!simplify(rough, true, true, false).contains("H3V3"));
        // With markers, a `pathLength` or a reference (not structural): all kept.
        assert_eq!(
            simplify(rough, false, true, false),
            "M0 0H3M0 0H3M3 0V3M3 0V3"
        );
    }

    #[test]
    fn repeated_areas_respect_the_fill_rule() {
        let twice = "M0 0L10 0L0 10ZM0 0L10 0L0 10Z";
        // Nonzero: every enclosing subpath repeated alike, the fill is the same once.
        assert_eq!(simplify(twice, true, true, false), "M0 0H10L0 10Z");
        // Even-odd: drawn twice, the triangle cancels out; keep it.
        assert_eq!(
            simplify(twice, true, true, true),
            "M0 0H10L0 10ZM0 0H10L0 10Z"
        );
        // Nonzero, but not all repeated alike (winding 2 against 1 matters to a hole).
        let mixed = "M0 0L10 0L0 10ZM0 0L10 0L0 10ZM0 0L0 10L10 0Z";
        assert_eq!(
            simplify(mixed, true, true, false),
            "M0 0H10L0 10ZM0 0H10L0 10ZM0 0V10L10 0Z"
        );
        // A repeated straight line encloses nothing: dropped even under even-odd.
        assert_eq!(simplify("M0 0L5 5M0 0L5 5", true, true, true), "M0 0L5 5");
    }

    #[test]
    fn zero_length_segments() {
        // Dropped from a subpath that draws something else...
        assert_eq!(plain("M0 0L0 0C0 0 0 0 0 0L3 0L3 0"), "M0 0H3");
        // ...kept alone (with round caps it is a dot), and kept when vertices count.
        assert_eq!(plain("M1 1C1 1 1 1 1 1"), "M1 1H1");
        assert_eq!(simplify("M0 0L0 0L3 0", false, false, false), "M0 0H0H3");
    }

    #[test]
    fn invalid_data_is_only_rounded() {
        for (d, rounded) in [
            ("M 0,0 L,5 5.004", "M 0,0 L,5 5"),
            ("L 1 2", "L 1 2"),
            ("M 1 2 3", "M 1 2 3"),
            ("M1 2,", "M1 2,"),
            ("M1 2 Z 3 4", "M1 2 Z 3 4"),
            ("M0 0A1 1 0 2 0 5 5", "M0 0A1 1 0 2 0 5 5"),
            ("", ""),
        ] {
            assert_eq!(plain(d), rounded, "{d}");
        }
    }

    #[test]
    fn bytes_are_found_exactly() {
        let text = "ab<cdefghijklmnop<qrstuvwxyz0123456789\u{e9}<\"<";
        for from in 0..=text.len() + 1 {
            for c in [b'<', b'"', b'z', b'a', b'#'] {
                let expected = text
                    .as_bytes()
                    .get(from..)
                    .and_then(|rest| rest.iter().position(|&x| x == c))
                    .map(|p| from + p);
                assert_eq!(find_byte(text, from, c), expected, "{from} {c}");
            }
        }
    }

    #[test]
    fn digit_runs_are_skipped_exactly() {
        for text in [
            "",
            "1",
            "12345678",
            "123456789",
            "1234567/",
            "12345678:",
            "0123456789012345x",
            "9999999999999999",
            "1234\u{e9}5678",
            "00000000\u{ff}",
        ] {
            let b = text.as_bytes();
            let expected = b
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(b.len());
            assert_eq!(skip_digits(b, 0), expected, "{text}");
        }
        // Every byte value after seven digits.
        for c in 0..=255u8 {
            let mut b = b"1234567".to_vec();
            b.push(c);
            b.extend_from_slice(b"12345678");
            let expected = if c.is_ascii_digit() { b.len() } else { 7 };
            assert_eq!(skip_digits(&b, 0), expected, "{c}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"MmLlHhVvCcSsQqTtAaZz0123456789.-+eE ,\t\n";
        for _ in 0..3000 {
            let mut d = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..(seed % 40) {
                let r = seed.rotate_left(k as u32 * 7) ^ (k * 0x2545_f491);
                d.push(alphabet[(r as usize) % alphabet.len()] as char);
            }
            for drop_repeats in [false, true] {
                let _ = simplify(&d, true, drop_repeats, false);
            }
        }
        for d in [
            "M9999999999999999999 1",
            "M1e308 1e308 L-1e308 -1e308",
            "M922337203685477580.7 0L-922337203685477580.8 0",
            "M90000000000000000 0l90000000000000000 0l90000000000000000 0",
            "M0 0C1e16 1e16 -1e16 -1e16 1e16 0",
            "m0 0é",
        ] {
            let _ = plain(d);
        }
        assert_eq!(
            super::round_numbers("99999999999999999999.5 1"),
            "99999999999999999999.5 1"
        );
    }
}

#[cfg(test)]
mod css_tests {
    use super::*;

    fn style_of(svg: &str) -> String {
        let out = postprocess(svg, "p", "Label");
        let start = out.find("<style>").unwrap() + 7;
        out[start..out.find("</style>").unwrap()].to_string()
    }

    #[test]
    fn rules_for_classes_not_in_the_svg_are_dropped() {
        let css = style_of(
            "<svg id=\"p\"><style>#p .used{fill:red;}#p .unused{fill:blue;}#p .unused,#p .used2 span{stroke:red;}#p .a .b{x:1;}#p .node:not(.absent){x:2;}#p rect.used{x:3;}#p text.used{x:4;}</style>\
             <g class=\"used\"><foreignObject><div class=\"used2\"><span/></div></foreignObject></g></svg>",
        );
        assert!(css.contains("#p .used{fill:red;}"), "{css}");
        assert!(!css.contains(".unused{"), "{css}");
        // A list with one selector that may match is kept whole.
        assert!(css.contains("#p .unused,#p .used2 span{"), "{css}");
        assert!(!css.contains(".a .b"), "{css}");
        // Inside `:not(…)` nothing is required; `.node` is.
        assert!(!css.contains(".node:not"), "{css}");
        // Elements: no `<rect>` or `<text>` here.
        assert!(
            !css.contains("rect.used") && !css.contains("text.used"),
            "{css}"
        );
    }

    #[test]
    fn keyframes_kept_only_when_named() {
        let css = style_of(
            "<svg id=\"p\"><style>@keyframes dash{to{stroke-dashoffset:0;}}@keyframes spin{to{x:1;}}#p .gone{animation:dash 1s;}#p .here{animation:spin 1s;}</style><g class=\"here\"/></svg>",
        );
        assert!(css.contains("@keyframes spin"), "{css}");
        assert!(!css.contains("@keyframes dash"), "{css}");
        // Named from a style attribute.
        let css = style_of(
            "<svg id=\"p\"><style>@keyframes dash{to{x:0;}}</style><g style=\"animation: dash 2s\"/></svg>",
        );
        assert!(css.contains("@keyframes dash"), "{css}");
    }

    #[test]
    fn unanalysable_and_unscoped_rules_are_kept() {
        let css = style_of(
            "<svg id=\"p\"><style>.x{a:1;}#p + .z{a:2;}#p .y + .z{a:9;}#p .q\\:w{a:3;}@media print{#p .y{a:4;}}#p [data-look=\"neo\"].y{a:5;}#p [data-look=\"classic\"]{a:6;}#p :root{a:7;}#p:hover{a:8;}</style><g data-look=\"classic\"/></svg>",
        );
        // Siblings of the root are outside the SVG.
        for kept in [
            ".x{",
            "#p + .z",
            "\\:w",
            "@media print",
            "[data-look=\"classic\"]",
            "#p:hover",
        ] {
            assert!(css.contains(kept), "{kept} in {css}");
        }
        // No element has data-look="neo" or class `y`; `:root` is never inside the SVG.
        assert!(!css.contains("neo") && !css.contains(":root"), "{css}");
        assert!(!css.contains(".y + .z"), "{css}");
    }

    #[test]
    fn unreferenced_definitions_and_script_data_are_dropped() {
        let out = postprocess(
            "<svg id=\"p\"><defs><marker id=\"used\"><path d=\"M0 0L1 1\"/></marker><marker id=\"spare\"><path d=\"M0 0L2 2\"/></marker><filter id=\"f\"/></defs><path d=\"M0 0L5 5\" marker-end=\"url(#used)\" data-points=\"W10=\" class=\"a b a\" style=\"\"/></svg>",
            "p",
            "Label",
        );
        assert!(out.contains("<marker id=\"p-used\">"), "{out}");
        assert!(!out.contains("spare") && !out.contains("<filter"), "{out}");
        assert!(
            !out.contains("data-points") && !out.contains("style=\"\""),
            "{out}"
        );
        assert!(out.contains("class=\"a b\""), "{out}");
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
