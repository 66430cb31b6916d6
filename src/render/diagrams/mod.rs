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

use std::collections::BTreeMap;
use std::fmt;

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

mod cache;
mod colors;
mod css;
mod engine;
mod markup;
mod path;
mod postprocess;
mod source;
#[cfg(test)]
mod tests;

pub use cache::DiagramCache;
pub use source::{diagram_kind, extract_clicks, prepare_source};

use engine::draw;

/// Draws one diagram as inline SVG markup (no XML prolog).
pub fn render(req: &DiagramRequest) -> Result<String, DiagramError> {
    let (svg, prefix) = draw(req)?;
    Ok(postprocess::postprocess(&svg, &prefix, req.fallback_label))
}

/// For `benches/diagrams.rs`: the engine's SVG before [`postprocess`], and the root id.
#[doc(hidden)]
pub fn bench_draw(req: &DiagramRequest) -> Result<(String, String), DiagramError> {
    draw(req)
}

/// For `benches/diagrams.rs`: post-processing alone.
#[doc(hidden)]
pub fn bench_postprocess(svg: &str, prefix: &str, fallback_label: &str) -> String {
    postprocess::postprocess(svg, prefix, fallback_label)
}
