//! Revision history from git: per-document revisions, approvals of merged pull requests, shallow clones.

use crate::support::{Book, doc, problems};

/// The A policy at `version`.
fn versioned(version: &str, body: &str) -> String {
    format!("---\nid: a-policy\ntitle: A policy\nversion: \"{version}\"\n---\n\n{body}\n")
}

fn repo() -> Book {
    let book = Book::new()
        .file(".gitignore", "/site\n")
        .doc("policies/a-policy.md", &versioned("1.0", "First version."))
        .doc(
            "policies/b-policy.md",
            &doc("b-policy", "B policy", "Untouched."),
        );
    book.init_repo("Alice Author", "2026-01-05", "Add the first policies");
    book.git(
        "Alice Author",
        "2026-02-10",
        &["checkout", "-q", "-b", "update-a"],
    );
    let book = book.doc("policies/a-policy.md", &versioned("1.1", "Second version."));
    book.git(
        "Bob Editor",
        "2026-02-10",
        &["commit", "-q", "-am", "Tighten the A policy"],
    );
    book.git("Bob Editor", "2026-02-12", &["checkout", "-q", "main"]);
    book.git(
        "Mia Merger",
        "2026-02-12",
        &[
            "merge",
            "-q",
            "--no-ff",
            "update-a",
            "-m",
            "Merge pull request #7 from update-a",
        ],
    );
    let book = book.doc(
        "policies/b-policy.md",
        &doc("b-policy", "B policy", "Fixed."),
    );
    book.git(
        "Carol Direct",
        "2026-03-01",
        &[
            "commit",
            "-q",
            "-am",
            "Fix B\n\nReviewed-by: Rita Reviewer <rita@example.org>",
        ],
    );
    book
}

#[test]
fn pages_show_revisions_with_approvals() {
    let book = repo();
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let a = book.site("a-policy.html");
    let history = a
        .split("Revision history</h2>")
        .nth(1)
        .expect("history section");
    let rows: Vec<&str> = history.split("<tr><td>").skip(1).collect();
    assert_eq!(rows.len(), 2, "{history}");
    assert!(rows[0].starts_with("2026-02-12</td><td>1.1</td><td>Merge pull request #7 from update-a</td><td>Mia Merger</td><td>Mia Merger</td>"), "the version as of each revision: {}", rows[0]);
    assert!(
        rows[1].starts_with(
            "2026-01-05</td><td>1.0</td><td>Add the first policies</td><td>Alice Author</td><td></td>"
        ),
        "{}",
        rows[1]
    );
    assert!(a.contains(r##"<dt>Last changed</dt><dd><a href="#revision-history">2026-02-12</a>"##));
    // An edit not committed yet: the newest revision still shows the version it committed.
    let book = book.doc("policies/a-policy.md", &versioned("1.2", "Not committed."));
    book.build();
    let a = book.site("a-policy.html");
    assert!(
        a.contains("<tr><td>2026-02-12</td><td>1.1</td>"),
        "the committed version, not the working tree's: {a}"
    );
    let b = book.site("b-policy.html");
    assert!(
        b.contains("<td>Fix B</td><td>Carol Direct</td><td>Rita Reviewer</td>"),
        "trailer approval"
    );
}

#[test]
fn history_is_deterministic_and_absent_outside_git() {
    let book = repo();
    let one = book.path().join("one");
    let two = book.path().join("two");
    book.build_into(&one);
    book.build_into(&two);
    assert_eq!(
        crate::support::snapshot(&one),
        crate::support::snapshot(&two)
    );

    let plain = Book::new().doc("policies/a-policy.md", &doc("a-policy", "A", "x"));
    let built = plain.build();
    assert!(problems(&built).is_empty());
    assert!(!plain.site("a-policy.html").contains("Revision history"));
}

#[test]
fn a_shallow_clone_warns_instead_of_publishing_wrong_dates() {
    let book = repo();
    let url = format!("file://{}", book.path().display());
    let clone = Book::new();
    clone.git(
        "X",
        "2026-03-02",
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let out = clone.cli(&["build", "shallow"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("shallow git clone"), "{stderr}");
    assert!(stderr.contains("fetch-depth: 0"), "names the fix: {stderr}");
    let page = std::fs::read_to_string(clone.path().join("shallow/site/a-policy.html")).unwrap();
    assert!(!page.contains("Revision history"));
}
