//! What a document may look like: frontmatter variants, encodings, ids, titles, escaping.

use crate::support::{Book, doc, problems, single_problem};

#[test]
fn file_without_frontmatter_takes_id_from_name_and_title_from_heading() {
    let book = Book::new().doc(
        "guidelines/clean-desk.md",
        "# Clean desk guideline\n\nKeep it clean.\n",
    );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let page = book.site("clean-desk.html");
    assert!(page.contains("<title>Clean desk guideline"));
    assert_eq!(
        page.matches("Clean desk guideline</h1>").count(),
        1,
        "the heading is not shown twice"
    );
    assert!(
        page.contains("guideline · <code>clean-desk</code>"),
        "type from the folder"
    );
}

#[test]
fn bom_crlf_and_empty_files_build() {
    let book = Book::new()
        .doc("policies/bom-policy.md", "\u{feff}---\r\nid: bom-policy\r\ntitle: BOM policy\r\n---\r\n\r\nSee [crlf-policy].\r\n")
        .doc("policies/crlf-policy.md", "---\r\nid: crlf-policy\r\ntitle: CRLF policy\r\n---\r\n## Part\r\n\r\ntext\r\n")
        .doc("policies/empty.md", "");
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    assert!(book.site("bom-policy.html").contains(">CRLF policy</a>"));
    assert!(
        book.site("crlf-policy.html")
            .contains(r#"<h2 id="part">Part</h2>"#)
    );
    assert!(
        book.site("empty.html").contains("<h1>empty</h1>"),
        "title falls back to the id"
    );
}

#[test]
fn the_seed_procedure_builds_verbatim() {
    let seed = include_str!("../../content/procedures/management-review-procedure.md");
    let book = Book::new()
        .doc("procedures/management-review-procedure.md", seed)
        .doc(
            "policies/information-security-policy.md",
            &doc(
                "information-security-policy",
                "Information security policy",
                "x",
            ),
        )
        .doc(
            "records/meeting-minutes.md",
            &doc("meeting-minutes", "Meeting minutes", "x"),
        );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let page = book.site("management-review-procedure.html");
    assert!(page.contains(">Information security policy</a>"));
    assert!(page.contains(r#"href="meeting-minutes.html""#));
    assert!(
        !page.contains("<p class=\"document-description\">"),
        "empty description shows nothing"
    );
}

#[test]
fn html_in_frontmatter_is_escaped() {
    let book = Book::new().doc(
        "policies/x-policy.md",
        "---\nid: x-policy\ntitle: \"<script>alert(1)</script> policy\"\ndescription: \"a & b\"\nowner: \"<b>me</b>\"\n---\nbody\n",
    );
    book.build();
    let page = book.site("x-policy.html");
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; policy"));
    assert!(page.contains("a &amp; b"));
    assert!(!page.contains("<b>me</b>"));
    let nav = book.site("static/nav.js");
    assert!(!nav.contains("</script>"), "nav data cannot close a script");
}

#[test]
fn duplicate_ids_name_both_files() {
    let book = Book::new()
        .doc("policies/a.md", &doc("shared-id", "A", "x"))
        .doc("procedures/b.md", &doc("shared-id", "B", "x"));
    let p = single_problem(&book.build());
    assert_eq!(p.code, "duplicate-id");
    assert_eq!((p.file.as_str(), p.line), ("content/procedures/b.md", 2));
    assert!(p.help.contains("policies/a.md") && p.help.contains("procedures/b.md"));
}

#[test]
fn invalid_and_reserved_ids_are_rejected() {
    let book = Book::new().doc("policies/a.md", &doc("Access_Policy", "A", "x"));
    let p = single_problem(&book.build());
    assert_eq!(p.code, "invalid-id");
    assert_eq!(p.line, 2);
    assert!(p.help.contains("`access-policy`"), "{}", p.help);

    let book = Book::new().doc("index.md", "# Home\n");
    let p = single_problem(&book.build());
    assert_eq!(p.code, "reserved-id");
    assert!(p.message.contains("`index`"));
}

#[test]
fn frontmatter_errors_point_at_the_line() {
    let book = Book::new().doc(
        "policies/a.md",
        "---\nid: a-policy\ntitle: A\n\n# Body without closing\n",
    );
    let p = single_problem(&book.build());
    assert_eq!((p.code.as_str(), p.line), ("invalid-frontmatter", 1));
    assert!(p.help.contains("`---`"));

    let book = Book::new().doc(
        "policies/a.md",
        "---\nid: a-policy\ntitle: \"unterminated\nowner: x\n---\n",
    );
    let p = single_problem(&book.build());
    assert_eq!(p.code, "invalid-frontmatter");
    assert!((3..=5).contains(&p.line), "line {}", p.line);

    let book = Book::new().doc("policies/a.md", "---\nid: a-policy\ntitle: [A, B]\n---\n");
    let p = single_problem(&book.build());
    assert_eq!((p.code.as_str(), p.line), ("invalid-field", 3));
}

#[test]
fn markdown_extensions_are_on() {
    let body = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\nNote.[^1]\n\n[^1]: A footnote.\n\n> [!WARNING]\n> Careful.\n\n## Custom {#my-anchor}\n\n## Twice\n\n## Twice\n";
    let book = Book::new().doc("guidelines/g.md", &doc("g", "G", body));
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let page = book.site("g.html");
    for needle in [
        "<table>",
        "<del>old</del>",
        r#"type="checkbox""#,
        "footnote-definition",
        "markdown-alert-warning",
        r#"<h2 id="my-anchor">"#,
        r#"<h2 id="twice">"#,
        r#"<h2 id="twice-1">"#,
    ] {
        assert!(page.contains(needle), "missing {needle}");
    }
    assert!(!page.contains("&rsquo;"), "smart punctuation is off");
}

#[test]
fn unknown_book_toml_key_warns_and_wrong_type_errors() {
    let book = Book::new()
        .file("book.toml", "[book]\ntitle = \"T\"\ntitel = \"typo\"\n")
        .doc("a.md", "# A\n");
    let built = book.build();
    let p = single_problem(&built);
    assert_eq!((p.code.as_str(), p.line), ("unknown-config-key", 3));
    assert!(
        book.site("index.html").contains("<title>T</title>"),
        "warnings do not stop the build"
    );

    let book = Book::new()
        .file("book.toml", "[book]\ntitle = 42\n")
        .doc("a.md", "# A\n");
    let p = single_problem(&book.build());
    assert_eq!((p.code.as_str(), p.line), ("invalid-config", 2));
}

#[test]
fn an_unquoted_numeric_version_is_a_warning_with_the_fix() {
    let book = Book::new()
        .doc("a.md", "---\nid: a\ntitle: A\nversion: 1.10\n---\nText.\n")
        .doc("b.md", "---\nid: b\ntitle: B\nversion: 2\n---\nText.\n")
        .doc(
            "c.md",
            "---\nid: c\ntitle: C\nversion: \"1.10\"\n---\nText.\n",
        )
        .doc("d.md", "---\nid: d\ntitle: D\nversion: 1.2.3\n---\nText.\n");
    let all = problems(&book.check());
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(
        (all[0].file.as_str(), all[0].line, all[0].code.as_str()),
        ("content/a.md", 4, "unquoted-version")
    );
    assert_eq!(
        all[0].message,
        "`version: 1.10` is read as the number 1.1, not as written"
    );
    assert!(
        all[0].help.contains("`version: \"1.10\"`"),
        "{}",
        all[0].help
    );
    assert_eq!(
        all[1].message,
        "`version: 2` is read as a number, not as text"
    );
}

#[test]
fn a_file_that_is_not_utf8_points_at_the_first_bad_byte() {
    let book = Book::new()
        .file("content/a.md", b"# A\n\nCaf\xe9 au lait\n".as_slice())
        .doc("b.md", "# B\n");
    let p = single_problem(&book.check());
    assert_eq!(p.code, "not-utf8");
    assert_eq!((p.file.as_str(), p.line, p.column), ("content/a.md", 3, 4));
    assert!(p.help.contains("UTF-8"), "{}", p.help);
}

#[test]
fn a_title_from_the_first_heading_is_plain_text_and_shown_once() {
    let book = Book::new()
        .doc("a.md", "# The `owner` field *matters*\n\nText.\n")
        .doc("b.md", "Backup policy\n=============\n\nText.\n")
        .doc(
            "c.md",
            "---\nid: c\ntitle: Clear desk\n---\n## Scope\n\n# Clear desk\n\nText.\n",
        );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let a = book.site("a.html");
    assert!(a.contains("<title>The owner field matters"), "{a}");
    assert!(!a.contains('`') && !a.contains("*matters*"));
    assert_eq!(a.matches("<h1").count(), 1, "the heading is not repeated");
    let b = book.site("b.html");
    assert!(b.contains("<title>Backup policy"), "setext heading");
    assert_eq!(b.matches("<h1").count(), 1);
    let c = book.site("c.html");
    assert_eq!(c.matches("<h1").count(), 1, "{c}");
    assert!(c.contains("id=\"scope\""));
}
