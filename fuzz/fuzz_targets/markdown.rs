//! Markdown bodies: `render::markdown::render` with a small index of documents and assets, so
//! `[doc-id]` / `[doc-id#anchor]` references, relative links and images resolve (or are reported),
//! headings get unique ids, and `click` lines of mermaid fences are resolved. The frontmatter is
//! split first, as the loader does, so the body starts at a real offset.
//!
//! Mermaid fences are renamed before rendering (` ```mermaid ` becomes ` ```mermaix `) so that
//! the layout engine does not run per input: the diagrams target covers our own diagram code.
#![no_main]

use std::collections::BTreeSet;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use policybook::config::Config;
use policybook::diagnostics::FileId;
use policybook::load::{Document, Handbook, frontmatter};
use policybook::render::diagrams::DiagramCache;
use policybook::render::markdown::{self, Context};
use policybook::resolve::Index;

#[path = "../common/check.rs"]
mod check;

/// Documents the fuzzed body can reference (ids as in the example handbook).
const KNOWN: &[(&str, &str)] = &[
    ("access-control-policy", "policies/access-control-policy.md"),
    ("backup-policy", "policies/backup-policy.md"),
    (
        "information-security-policy",
        "policies/information-security-policy.md",
    ),
    (
        "incident-management-procedure",
        "procedures/incident-management-procedure.md",
    ),
    ("password-standard", "standards/password-standard.md"),
    ("risk-register", "records/risk-register.md"),
];
const ASSETS: &[&str] = &[
    "files/access-request-form.pdf",
    "images/network.png",
    "policies/diagram.svg",
];

fn document(file: usize, id: &str, path: &str, body_start: usize) -> Document {
    Document {
        file: FileId(file),
        path: path.to_string(),
        id: id.to_string(),
        title: format!("Title of {id}"),
        description: None,
        kind: "policy".to_string(),
        order: None,
        fields: Default::default(),
        key_spans: Default::default(),
        body_start,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.replace("mermaid", "mermaix");
    let body_start = frontmatter::split(&text).map_or(0, |fm| fm.body_start);
    let mut documents = vec![document(
        0,
        "fuzz-document",
        "policies/fuzz-document.md",
        body_start,
    )];
    for (i, (id, path)) in KNOWN.iter().enumerate() {
        documents.push(document(i + 1, id, path, 0));
    }
    let handbook = Handbook {
        root: PathBuf::from("."),
        config: Config::default(),
        content_dir: PathBuf::from("content"),
        documents,
        assets: ASSETS
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        soa: None,
    };
    let (index, _) = Index::build(&handbook);
    // Never written to: no diagram reaches the engine (see above).
    let diagrams = DiagramCache::open(std::path::Path::new("/nonexistent/policybook-fuzz-cache"));
    let cx = Context {
        index: &index,
        diagrams: &diagrams,
    };
    let body = markdown::render(&handbook.documents[0], &text, &cx);
    assert_eq!(body.diagram_count, 0, "no diagram may be drawn");
    check::diagnostics_in(&text, FileId(0), &body.diagnostics);
    for reference in &body.references {
        assert!(reference.to < handbook.documents.len());
        check::span_in(&text, &reference.span, "reference");
    }
    let mut ids = BTreeSet::new();
    for heading in &body.headings {
        assert!(
            ids.insert(heading.id.as_str()),
            "duplicate heading id {:?}",
            heading.id
        );
    }
});
