//! How `serve` shows errors: as plain text for the overlay and the terminal, and as a page of its own
//! while there is no good site yet.
//!
//! The text is bounded whatever the content: at most [`SHOWN`] errors, each with its source line cut
//! down around the column, so a save with thousands of errors on one long line costs no more than a
//! save with a few (`policybook check` lists them all).

use crate::diagnostics::{self, Report, Severity};
use crate::project::Project;

/// Errors shown in full; the rest are counted.
const SHOWN: usize = 20;
/// Characters of a source line shown on each side of the column.
const CONTEXT: usize = 60;

/// The report's errors as the overlay and the terminal show them, without colour.
pub fn render_report(report: &Report, project: &Project) -> String {
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let mut text = String::new();
    for d in errors.iter().take(SHOWN) {
        let r = diagnostics::resolve(&project.sources, d);
        let place = match (&r.file, r.line, r.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
            (Some(f), _, _) => format!("{f}: "),
            _ => String::new(),
        };
        text.push_str(&format!("{place}error: {}\n", r.message));
        if let (Some(line), Some(column), Some(loc)) = (r.line, r.column, &d.location) {
            let source = project.sources.get(loc.file);
            let line = &source.text[source.line_span(line)];
            text.push_str(&format!("    {}\n", excerpt(line, column)));
        }
        if let Some(help) = r.help {
            text.push_str(&format!("    help: {help}\n"));
        }
        text.push('\n');
    }
    if errors.len() > SHOWN {
        text.push_str(&format!(
            "… and {} more errors (`policybook check` lists them all)\n\n",
            errors.len() - SHOWN
        ));
    }
    if let Some(summary) = diagnostics::summary(report) {
        text.push_str(&summary);
    }
    text
}

/// At most `CONTEXT` characters on each side of the 1-based `column`, with `…` where cut.
fn excerpt(line: &str, column: usize) -> String {
    let at = column.saturating_sub(1);
    let from = at.saturating_sub(CONTEXT);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut chars = line.chars().skip(from);
    out.extend(chars.by_ref().take(at - from + CONTEXT));
    if chars.next().is_some() {
        out.push('…');
    }
    out.trim_end().to_string()
}

/// The page served for every path while no build has succeeded yet: the errors, styled as the
/// overlay, with the reload script, so it turns into the site as soon as a save fixes the content.
pub fn diagnostics_page(errors: &str, live_tag: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; \
         style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'\">\n\
         <title>policybook: the handbook does not build</title>\n\
         <link rel=\"stylesheet\" href=\"/__policybook/overlay.css\">\n</head>\n\
         <body class=\"policybook-diagnostics\">\n<main id=\"policybook-overlay\" role=\"alert\" tabindex=\"0\" \
         aria-label=\"Build errors\">\n<h1>policybook: the handbook does not build yet, so there is no \
         page to show. Fix these errors and save; this page follows.</h1>\n<pre>{}</pre>\n</main>\n\
         {live_tag}\n</body>\n</html>\n",
        escape(errors)
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    crate::site::theme::escape_html_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_column() {
        assert_eq!(excerpt("short line", 3), "short line");
        let line = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let cut = excerpt(&line, 501);
        assert_eq!(
            cut,
            format!("…{}X{}…", "a".repeat(CONTEXT), "b".repeat(CONTEXT - 1))
        );
        assert_eq!(excerpt(&line, 1).chars().count(), CONTEXT + 1);
    }

    #[test]
    fn the_page_escapes_the_errors() {
        let page = diagnostics_page("a <b> & \"c\"", "<script></script>");
        assert!(page.contains("<pre>a &lt;b&gt; &amp; &quot;c&quot;</pre>"));
        assert!(page.contains("<script></script>\n</body>"));
    }
}
