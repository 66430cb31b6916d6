//! Hostile but small inputs, as a pull request or a save in `serve` could bring them: each ends in a
//! located error (exit 1) or a normal result, never an abort, within bounded memory and time.
//! The inputs are the ones the mutation fuzz run of the hostile-input issue found; the growth of
//! the time with input size is measured in `benches/hostile.rs`.

use crate::support::{Book, alias_bomb, doc, problems, single_problem};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `x:` with a block list nested `levels` deep, each level on its own line.
fn deep_block_list(levels: usize) -> String {
    let mut text = "---\nid: deep\nx:\n".to_string();
    for i in 0..levels {
        text.push_str(&" ".repeat(i));
        text.push_str("-\n");
    }
    text + "---\n# Deep\n"
}

#[test]
fn frontmatter_nested_thousands_deep_is_a_located_error() {
    let book = Book::new().doc("deep.md", &deep_block_list(2_500));
    let p = single_problem(&book.check());
    assert_eq!(p.code, "invalid-frontmatter");
    assert_eq!(p.message, "the frontmatter is nested deeper than 64 levels");
    assert_eq!(p.file, "content/deep.md");
    assert_eq!(p.line, 3 + 63 + 1, "the list that opens the 65th level");
    assert!(p.help.contains("flatten"), "{}", p.help);
    // The real binary: exit 1 with file:line, not an abort.
    let out = book.cli(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("content/deep.md:67:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn alias_bomb_in_frontmatter_is_a_located_error() {
    let book = Book::new().doc(
        "bomb.md",
        &format!("---\nid: bomb\n{}---\n# Bomb\n", alias_bomb()),
    );
    let p = single_problem(&book.check());
    assert_eq!(p.code, "invalid-frontmatter");
    assert_eq!(
        p.message,
        "the frontmatter's aliases expand to more than 100000 values"
    );
    assert!((3..=12).contains(&p.line), "line {}", p.line);
    let out = book.cli(&["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn alias_bomb_in_the_soa_is_a_located_error() {
    let book = Book::new()
        .doc("a.md", &doc("a", "A", "Text."))
        .doc("soa.yaml", &format!("{}controls: {{}}\n", alias_bomb()));
    let p = single_problem(&book.check());
    assert_eq!(p.code, "invalid-soa");
    assert!(
        p.message
            .ends_with("aliases expand to more than 100000 values"),
        "{}",
        p.message
    );
    assert_eq!(p.file, "content/soa.yaml");
    assert!(p.line > 1, "points at an alias, line {}", p.line);
    assert_eq!(book.cli(&["check"]).status.code(), Some(1));
}

#[test]
fn book_toml_nested_deeply_is_an_error() {
    let nested = format!("x = {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
    let book = Book::new()
        .file("book.toml", format!("[book]\ntitle = \"T\"\n{nested}"))
        .doc("a.md", &doc("a", "A", "Text."));
    let p = single_problem(&book.check());
    assert_eq!(p.code, "invalid-config");
    assert_eq!(p.file, "book.toml");
    assert_eq!(book.cli(&["check"]).status.code(), Some(1));
}

#[test]
fn a_file_over_the_size_limit_is_refused_with_the_fix() {
    let big = doc("big", "Big", &"Lorem ipsum dolor sit amet. ".repeat(100));
    let book = Book::new()
        .file("book.toml", "[build]\nmax-file-size = \"1 KB\"\n")
        .doc("big.md", &big)
        .doc("small.md", &doc("small", "Small", "Text."));
    let p = single_problem(&book.check());
    assert_eq!(p.code, "file-too-large");
    assert_eq!(p.file, "content/big.md");
    assert!(
        p.message.contains("2.8 KB") && p.message.contains("limit of 1 KB"),
        "{}",
        p.message
    );
    assert!(p.help.contains("max-file-size"), "{}", p.help);
    // The default limit is far above it.
    let book = Book::new().doc("big.md", &big);
    assert!(problems(&book.check()).is_empty());
}

#[test]
fn a_soa_over_the_size_limit_is_refused() {
    let book = Book::new()
        .file("book.toml", "[build]\nmax-file-size = 100\n")
        .doc("a.md", &doc("a", "A", "Text."))
        .doc(
            "soa.yaml",
            &format!("controls:\n{}", "  # padding\n".repeat(20)),
        );
    let p = single_problem(&book.check());
    assert_eq!(p.code, "file-too-large");
    assert_eq!(p.file, "content/soa.yaml");
}

#[test]
fn many_errors_on_one_long_line_print_excerpts_in_linear_time() {
    let line: Vec<String> = (0..1_000).map(|i| format!("[missing-{i}]")).collect();
    let book = Book::new().doc("a.md", &format!("# A\n\n{}\n", line.join(" ")));
    let out = book.cli(&["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err.matches("error[unknown-reference]").count(), 1_000);
    assert!(err.contains("1000 errors"), "{}", &err[err.len() - 200..]);
    // Each diagnostic shows an excerpt of the 13,889-byte line around its caret, with the real
    // column: the output grows with the number of errors, not errors × line length.
    assert!(err.len() < 1_000_000, "stderr is {} bytes", err.len());
    let at = err.find("`missing-500`").expect("diagnostic 500");
    let shown = &err[at..at + 400];
    assert!(shown.contains("content/a.md:3:6891"), "{shown}");
    assert!(shown.contains("…95] [missing-496]"), "{shown}");
    assert!(
        shown.contains("^^^^^^^^^^^^^ unknown document id"),
        "{shown}"
    );
}

#[test]
fn ten_thousand_identical_headings_get_unique_ids() {
    let body = "## Same\n\ntext\n\n".repeat(10_000);
    let book = Book::new().doc("a.md", &doc("a", "A", &body));
    let built = book.build();
    assert!(problems(&built).is_empty());
    let page = book.site("a.html");
    assert!(page.contains("id=\"same\""));
    assert!(page.contains("id=\"same-1\""));
    assert!(page.contains("id=\"same-9999\""));
    assert!(!page.contains("id=\"same-10000\""));
}

#[test]
fn headings_whose_slug_looks_like_a_suffix_stay_unique() {
    let body = "## Same\n\n## Same-1\n\n## Same\n\n## Same\n";
    let book = Book::new().doc("a.md", &doc("a", "A", body));
    book.build();
    let page = book.site("a.html");
    for id in ["same", "same-1", "same-2", "same-3"] {
        assert_eq!(page.matches(&format!("id=\"{id}\"")).count(), 1, "{id}");
    }
}

#[test]
fn many_references_and_many_unknown_controls() {
    let refs = "[b] ".repeat(10_000);
    let controls: Vec<String> = (0..2_000).map(|i| format!("A.9.{i}")).collect();
    let a = format!(
        "---\nid: a\ntitle: A\ncontrols: [{}]\n---\n\n{refs}\n",
        controls.join(", ")
    );
    let book = Book::new()
        .doc("a.md", &a)
        .doc("b.md", &doc("b", "B", "Text."));
    let all = problems(&book.check());
    assert_eq!(all.len(), 2_000, "{:?}", &all[..3.min(all.len())]);
    assert!(
        all.iter()
            .all(|p| p.message.starts_with("unknown Annex A control") && p.line == 4),
        "{:?}",
        all[0]
    );
    let out = book.cli(&["check"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_mermaid_diagram_nested_too_deep_is_an_error() {
    let mut source = "stateDiagram-v2\n".to_string();
    for i in 0..1_000 {
        source.push_str(&format!("state S{i} {{\n"));
    }
    source.push_str("[*] --> x\n");
    source.push_str(&"}\n".repeat(1_000));
    let book = Book::new().doc("a.md", &format!("# A\n\n```mermaid\n{source}```\n"));
    let p = single_problem(&book.build());
    assert_eq!(p.code, "invalid-diagram");
    assert!(p.message.contains("nesting"), "{}", p.message);
    assert_eq!(p.line, 3);
}
