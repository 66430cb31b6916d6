//! The one call into merman: renderer setup, the deadline, panics caught, engine errors turned
//! into located [`DiagramError`]s.

use std::sync::OnceLock;

use super::source::{diagram_kind, prepare_source, statement_lines};
use super::{DiagramError, DiagramRequest, LOOK, RENDER_DEADLINE, THEME};

// Rendering

pub(super) fn renderer() -> &'static merman::Renderer {
    pub(super) static RENDERER: OnceLock<merman::Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| {
        let site = serde_json::json!({ "theme": THEME, "look": LOOK });
        merman::Renderer::new().with_presentation_engine(
            merman::MermaidEngine::new()
                .with_site_config(merman::SourcePresentationConfig::from_value(site)),
        )
    })
}

/// Byte offset → 1-based line number (clamped to the last line).
pub(super) fn line_of_offset(source: &str, offset: usize) -> usize {
    let offset = offset.min(source.len());
    let line = source.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    line.min(source.lines().count().max(1))
}

pub(super) fn engine_error(err: merman::RenderError, source: &str) -> DiagramError {
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
pub(super) fn clean_prefix(raw: &str) -> String {
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

/// The engine's SVG (not yet post-processed) and the id of its root.
pub(super) fn draw(req: &DiagramRequest) -> Result<(String, String), DiagramError> {
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
