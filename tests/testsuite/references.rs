//! `[doc-id]` references, relative links, anchors and backlinks.

use crate::support::{Book, doc, problems, single_problem};

fn two_docs(body: &str) -> Book {
    Book::new()
        .doc(
            "policies/information-security-policy.md",
            &doc(
                "information-security-policy",
                "Information security policy",
                "## Scope\n\nAll of it.\n\n## Roles\n\nEveryone.",
            ),
        )
        .doc(
            "procedures/review.md",
            &doc("review", "Review procedure", body),
        )
}

#[test]
fn shortcut_reference_links_with_the_target_title() {
    let book = two_docs("Read the [information-security-policy] first.");
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let page = book.site("review.html");
    assert!(
        page.contains(r#"href="information-security-policy.html""#),
        "link to the target page"
    );
    assert!(
        page.contains(">Information security policy</a> first."),
        "title as link text"
    );
}

#[test]
fn reference_with_text_keeps_the_text() {
    let book = two_docs("Read [our policy][information-security-policy].");
    book.build();
    let page = book.site("review.html");
    assert!(page.contains(r#"href="information-security-policy.html""#));
    assert!(page.contains(">our policy</a>"));
}

#[test]
fn reference_to_a_heading_is_checked() {
    let book = two_docs("See [information-security-policy#roles].");
    book.build();
    assert!(
        book.site("review.html")
            .contains(r#"href="information-security-policy.html#roles""#)
    );

    let book = two_docs("Intro.\n\nSee [information-security-policy#rolez].");
    let p = single_problem(&book.build());
    assert_eq!(p.code, "unknown-anchor");
    assert_eq!(
        (p.file.as_str(), p.line, p.column),
        ("content/procedures/review.md", 8, 5)
    );
    assert!(p.help.contains("#roles"), "{}", p.help);
}

#[test]
fn unknown_id_is_an_error_with_line_column_and_suggestion() {
    let book = two_docs("First line.\n\nSee the [information-securty-policy] now.");
    let built = book.build();
    let p = single_problem(&built);
    assert_eq!(p.code, "unknown-reference");
    assert_eq!(
        (p.file.as_str(), p.line, p.column),
        ("content/procedures/review.md", 8, 9)
    );
    assert!(
        p.help
            .contains("did you mean `[information-security-policy]`"),
        "{}",
        p.help
    );
    assert!(
        !book.path().join("site").exists(),
        "a broken handbook is never published"
    );
    let checked = single_problem(&book.check());
    assert_eq!(
        (checked.code, checked.line),
        (p.code, p.line),
        "check reports what build reports"
    );
}

#[test]
fn bracketed_prose_is_left_alone() {
    let book = two_docs("He said [sic] and [Note] and [1].");
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    assert!(
        book.site("review.html")
            .contains("He said [sic] and [Note] and [1].")
    );
}

#[test]
fn a_definition_in_the_document_takes_precedence() {
    let book = two_docs(
        "See [information-security-policy].\n\n[information-security-policy]: https://example.org/isp",
    );
    let built = book.build();
    assert!(problems(&built).is_empty());
    let page = book.site("review.html");
    assert!(page.contains(r#"href="https://example.org/isp""#));
    assert!(
        !page.contains(r#"class="doc-ref""#),
        "not turned into a document reference"
    );
}

#[test]
fn relative_markdown_links_become_page_links() {
    let book = two_docs("See [the policy](../policies/information-security-policy.md#scope).");
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    assert!(
        book.site("review.html")
            .contains(r#"href="information-security-policy.html#scope""#)
    );
    assert!(
        book.site("information-security-policy.html")
            .contains(r#"href="review.html""#),
        "a relative link counts as a reference"
    );
}

#[test]
fn broken_relative_link_suggests_the_right_path() {
    let book = two_docs("See [the policy](../policies/information-security-polcy.md).");
    let p = single_problem(&book.build());
    assert_eq!(p.code, "missing-file");
    assert_eq!(p.line, 6);
    assert!(
        p.help
            .contains("../policies/information-security-policy.md"),
        "{}",
        p.help
    );
}

#[test]
fn links_outside_the_content_folder_are_errors() {
    let book = two_docs("See [secrets](../../book.toml) and ![x](/etc/logo.png).");
    let all = problems(&book.build());
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(all.iter().all(|p| p.code == "outside-content"));
}

#[test]
fn local_images_are_copied_and_external_ones_refused() {
    let book = two_docs("![Flow](../images/flow%20chart.png)")
        .file("content/images/flow chart.png", b"\x89PNG fake");
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    assert!(
        book.site("review.html")
            .contains(r#"src="files/images/flow%20chart.png""#)
    );
    assert_eq!(
        std::fs::read(book.path().join("site/files/images/flow chart.png")).unwrap(),
        b"\x89PNG fake"
    );

    let book = two_docs("![logo](https://cdn.example.org/logo.png)");
    assert_eq!(single_problem(&book.build()).code, "external-image");
}

#[test]
fn every_page_lists_references_and_backlinks() {
    let book = two_docs(
        "Read the [information-security-policy] and the [information-security-policy] again.",
    );
    book.build();
    let target = book.site("information-security-policy.html");
    let backlinks = target
        .split("Referenced by")
        .nth(1)
        .expect("backlinks section");
    assert!(backlinks.contains(r#"<a href="review.html">Review procedure</a>"#));
    let source = book.site("review.html");
    let refs = source
        .split("<h2>References</h2>")
        .nth(1)
        .unwrap()
        .split("Referenced by")
        .next()
        .unwrap();
    assert_eq!(
        refs.matches("information-security-policy.html").count(),
        1,
        "deduplicated"
    );
}

#[test]
fn same_page_anchor_is_checked() {
    let book = two_docs("## Steps\n\nSee [above](#steps) and [nowhere](#nowhere).");
    let p = single_problem(&book.build());
    assert_eq!(p.code, "unknown-anchor");
    assert!(p.message.contains("#nowhere"));
}
