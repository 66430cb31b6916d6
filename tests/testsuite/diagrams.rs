//! Mermaid fences drawn at build time: golden SVGs per diagram kind, labels, `click` links to
//! documents, errors with file and line, ids that never clash.

use std::collections::BTreeMap;
use std::path::Path;

use policybook::render::diagrams::{DiagramRequest, render};

use crate::support::{Book, doc, problems, single_problem};

const SEED: &str = include_str!("../../content/procedures/management-review-procedure.md");

/// Every `tests/golden/diagrams/<kind>.mmd` renders to exactly `<kind>.svg`.
/// `UPDATE_GOLDEN=1 cargo test golden` rewrites the SVGs after an intended change.
#[test]
fn golden_svg_for_every_diagram_kind() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/diagrams");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "mmd") {
            kinds.push(path);
        }
    }
    kinds.sort();
    assert_eq!(kinds.len(), 11, "one source per kind");
    for source_path in kinds {
        let name = source_path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let source = std::fs::read_to_string(&source_path).unwrap();
        let links = BTreeMap::new();
        let svg = render(&DiagramRequest {
            source: &source,
            id_prefix: &format!("golden-{name}"),
            fallback_label: &format!("Golden {name} diagram"),
            links: &links,
        })
        .unwrap_or_else(|e| panic!("{name}: {}", e.message));
        assert!(svg.starts_with("<svg"), "{name}");
        assert!(svg.contains(r#"role="img""#), "{name}: accessible");
        assert!(!svg.contains("<script"), "{name}: no script");
        let golden = source_path.with_extension("svg");
        if update {
            std::fs::write(&golden, &svg).unwrap();
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", golden.display()));
        assert!(
            svg == expected,
            "{name}: SVG differs from {} (UPDATE_GOLDEN=1 to accept)",
            golden.display()
        );
    }
}

#[test]
fn the_seed_flow_is_drawn_inline_with_its_labels() {
    let book = Book::new()
        .doc("procedures/management-review-procedure.md", SEED)
        .doc(
            "policies/information-security-policy.md",
            &doc("information-security-policy", "ISP", "x"),
        )
        .doc(
            "records/meeting-minutes.md",
            &doc("meeting-minutes", "Minutes", "x"),
        );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let page = book.site("management-review-procedure.html");
    let figure = page
        .split(r#"<figure class="diagram""#)
        .nth(1)
        .expect("a drawn diagram");
    let svg = figure.split("</figure>").next().unwrap();
    for label in [
        "Meeting prep",
        "Follow up",
        "Management review meeting",
        "Top risks/mitigations",
    ] {
        assert!(svg.contains(label), "label {label}");
    }
    assert!(
        !page.contains("language-mermaid"),
        "no mermaid source block left"
    );
    assert!(
        !page.to_lowercase().contains("mermaid.js") && !page.contains("mermaid.min"),
        "no diagram script"
    );
    assert!(
        svg.contains("<title") && svg.contains("Flow chart"),
        "labelled by the nearest heading"
    );
}

#[test]
fn click_links_to_documents_and_counts_as_a_reference() {
    let body = "## Flow\n\n```mermaid\nflowchart LR\n    A[Assess] --> B[Treat]\n    click B \"risk-treatment-plan\" \"Open the plan\"\n```\n";
    let book = Book::new()
        .doc(
            "procedures/risk.md",
            &doc("risk-procedure", "Risk procedure", body),
        )
        .doc(
            "records/plan.md",
            &doc("risk-treatment-plan", "Risk treatment plan", "x"),
        );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let page = book.site("risk-procedure.html");
    assert!(
        page.contains(r#"href="risk-treatment-plan.html""#),
        "relative link in the SVG"
    );
    assert!(
        page.contains(r#"role="group""#),
        "a diagram with links is a group, not an image"
    );
    let plan = book.site("risk-treatment-plan.html");
    let backlinks = plan.split("Referenced by").nth(1).unwrap();
    assert!(backlinks.contains(r#"<a href="risk-procedure.html">Risk procedure</a>"#));
}

#[test]
fn unknown_click_target_and_malformed_diagrams_fail_with_file_and_line() {
    let body = "```mermaid\nflowchart LR\n    A --> B\n    click B \"risk-treatment-plam\"\n```\n";
    let book = Book::new()
        .doc("procedures/risk.md", &doc("risk-procedure", "Risk", body))
        .doc("records/plan.md", &doc("risk-treatment-plan", "Plan", "x"));
    let p = single_problem(&book.build());
    assert_eq!(p.code, "unknown-reference");
    assert_eq!((p.file.as_str(), p.line), ("content/procedures/risk.md", 9));
    assert!(p.help.contains("risk-treatment-plan"), "{}", p.help);

    let body =
        "Intro.\n\n```mermaid\nsequenceDiagram\n    A->>B: ok\n    A-->>>B: broken arrow\n```\n";
    let book = Book::new().doc("procedures/p.md", &doc("p-procedure", "P", body));
    let p = single_problem(&book.build());
    assert_eq!(p.code, "invalid-diagram");
    assert_eq!(p.file, "content/procedures/p.md");
    assert!(
        (8..=11).contains(&p.line),
        "at the fence or the line inside it: {}",
        p.line
    );
    assert!(!book.path().join("site").exists());

    let body = "```mermaid\nsankey-beta\nA,B,10\n```\n";
    let book = Book::new().doc("procedures/p.md", &doc("p-procedure", "P", body));
    let p = single_problem(&book.build());
    assert_eq!(p.code, "invalid-diagram");
    assert!(
        format!("{} {}", p.message, p.help).contains("flowchart"),
        "lists supported kinds: {p:?}"
    );
}

#[test]
fn two_diagrams_on_a_page_have_distinct_ids() {
    let fence = "```mermaid\nflowchart LR\n    A[Start] --> B[End]\n```\n";
    let body = format!("## One\n\n{fence}\n## Two\n\n{fence}");
    let book = Book::new().doc("procedures/p.md", &doc("p-procedure", "P", &body));
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let page = book.site("p-procedure.html");
    let ids: Vec<&str> = page
        .split(" id=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "duplicate ids on the page");
    assert_eq!(page.matches("<figure class=\"diagram\"").count(), 2);
}

#[test]
fn rebuilds_take_diagrams_from_the_cache() {
    let body = "```mermaid\nflowchart LR\n    A[Start] --> B[End]\n```\n";
    let book = Book::new().doc("procedures/p.md", &doc("p-procedure", "P", body));
    book.build();
    let cache = book.path().join(".policybook-cache/diagrams");
    let entries: Vec<_> = walkdir::WalkDir::new(&cache)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .collect();
    assert_eq!(entries.len(), 1, "one cached diagram outside the site");
    let first = book.site("p-procedure.html");
    std::fs::write(entries[0].path(), "corrupt").unwrap();
    let built = book.build();
    assert!(
        problems(&built).is_empty(),
        "a corrupt cache entry is not fatal"
    );
    assert_eq!(
        book.site("p-procedure.html"),
        first,
        "re-rendered identically"
    );
}

#[test]
fn a_complete_build_removes_the_cache_entries_of_diagrams_that_are_gone() {
    let flow = |label: &str| format!("```mermaid\nflowchart LR\n    A[{label}] --> B[End]\n```\n");
    let book = Book::new().doc("procedures/p.md", &doc("p-procedure", "P", &flow("First")));
    book.build();
    let cache = book.path().join(".policybook-cache/diagrams");
    let entries = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let first = entries();
    assert_eq!(first.len(), 1, "{first:?}");
    // Files the cache did not make are never removed.
    std::fs::write(cache.join("notes.txt"), "mine").unwrap();
    std::fs::write(cache.join("diagram.svg"), "<svg/>").unwrap();

    // A failed build keeps every entry: the diagram may come back when the error is fixed.
    let broken = format!("{}\nSee [no-such-doc].\n", flow("Second"));
    let book = book.doc("procedures/p.md", &doc("p-procedure", "P", &broken));
    assert!(book.build().report.has_errors());
    assert_eq!(entries().len(), 4, "{:?}", entries());

    let book = book.doc("procedures/p.md", &doc("p-procedure", "P", &flow("Second")));
    let built = book.build();
    assert!(problems(&built).is_empty());
    let after = entries();
    assert_eq!(after.len(), 3, "{after:?}");
    assert!(
        !after.contains(&first[0]),
        "the old diagram's entry is gone: {after:?}"
    );
    assert!(after.contains(&"notes.txt".to_string()) && after.contains(&"diagram.svg".to_string()));
    assert!(book.site("p-procedure.html").contains("Second"));

    // `check` writes no site and removes nothing.
    let book = book.doc("procedures/p.md", &doc("p-procedure", "P", &flow("Third")));
    book.check();
    assert_eq!(entries().len(), 4, "{:?}", entries());
}
