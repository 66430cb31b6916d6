//! Invariants every target checks on top of "no panic": each diagnostic points inside the text
//! it blames, on character boundaries, and goes through the three printers (human, JSON, GitHub)
//! as `check` would print it. Run with `-close_fd_mask=3`: the printers write to stdout and stderr.

use std::ops::Range;
use std::path::PathBuf;

use policybook::diagnostics::{self, Diagnostic, FileId, Format, Report, Sources};

/// `span` lies inside `text`, start before end, both on character boundaries.
pub fn span_in(text: &str, span: &Range<usize>, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} splits a character"
    );
}

/// Every diagnostic (and its related notes) points inside `text`, which is file `file`, and
/// resolves to a line and column as the printers do.
pub fn diagnostics_in(text: &str, file: FileId, found: &[Diagnostic]) {
    let mut sources = Sources::default();
    let id = sources.add(PathBuf::from("fuzz-input"), text.to_string());
    assert_eq!(id, file, "the fuzz input is the first source file");
    for d in found {
        if let Some(loc) = &d.location {
            assert_eq!(loc.file, file, "{}: blames another file", d.code);
            span_in(text, &loc.span, d.code);
        }
        for (related, _) in &d.related {
            span_in(text, &related.span, d.code);
        }
        let resolved = diagnostics::resolve(&sources, d);
        if resolved.file.is_some() {
            assert!(resolved.line.is_some_and(|l| l >= 1), "{}: no line", d.code);
        }
        let _ = diagnostics::github_annotation(&resolved);
    }
    let mut report = Report::default();
    report.extend(found.iter().cloned());
    report.normalise();
    for format in [Format::Human, Format::Json, Format::Github] {
        diagnostics::print(&report, &sources, format).expect("printing to /dev/null");
    }
}
