//! The output folder: deterministic, atomic, never destroying what policybook did not create.

use crate::support::{Book, doc, problems, snapshot};

fn sample() -> Book {
    let mut book = Book::new();
    for i in 0..30 {
        let next = (i + 1) % 30;
        book = book.doc(
            &format!("procedures/p{i}.md"),
            &doc(
                &format!("p{i}"),
                &format!("Procedure {i}"),
                &format!("## Step\n\nThen [p{next}].\n"),
            ),
        );
    }
    book
}

#[test]
fn identical_input_builds_identical_bytes() {
    let book = sample();
    let one = book.path().join("one");
    let two = book.path().join("two");
    assert!(problems(&book.build_into(&one)).is_empty());
    assert!(problems(&book.build_into(&two)).is_empty());
    let a = snapshot(&one);
    assert!(a.len() > 30);
    assert_eq!(a, snapshot(&two));
}

#[test]
fn a_failed_build_leaves_the_previous_site_intact() {
    let book = sample();
    book.build();
    let before = snapshot(&book.path().join("site"));
    let book = book.doc(
        "procedures/p3.md",
        &doc("p3", "Procedure 3", "Broken [no-such-doc]."),
    );
    let built = book.build();
    assert!(built.report.has_errors());
    assert_eq!(snapshot(&book.path().join("site")), before);
    let leftovers: Vec<_> = std::fs::read_dir(book.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_rebuild_replaces_the_site_and_removes_stale_pages() {
    let book = Book::new()
        .doc("a.md", &doc("a-doc", "A", "x"))
        .doc("b.md", &doc("b-doc", "B", "x"));
    book.build();
    assert!(book.path().join("site/b-doc.html").exists());
    std::fs::remove_file(book.path().join("content/b.md")).unwrap();
    book.build();
    assert!(!book.path().join("site/b-doc.html").exists());
    assert!(book.path().join("site/a-doc.html").exists());
}

#[test]
fn refuses_folders_it_did_not_create() {
    let book = Book::new()
        .doc("a.md", &doc("a-doc", "A", "x"))
        .file("docs/important.txt", "keep me");
    let out = book.cli(&["build", "--out", "docs"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was not created by policybook"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(book.path().join("docs/important.txt")).unwrap(),
        "keep me"
    );

    let out = book.cli(&["build", "--out", "content"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("content folder"));
    let out = book.cli(&["build", "--out", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn pages_do_not_grow_with_the_number_of_documents() {
    let size_of_first_page = |n: usize| {
        let mut book = Book::new();
        for i in 0..n {
            book = book.doc(
                &format!("p{i}.md"),
                &doc(&format!("p{i}"), &format!("P {i}"), "Same body."),
            );
        }
        book.build();
        book.site("p0.html").len()
    };
    let small = size_of_first_page(5);
    let large = size_of_first_page(200);
    assert!(
        large < small + 200,
        "page grew from {small} to {large} bytes"
    );
}
