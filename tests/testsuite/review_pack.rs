//! `policybook review-pack`: the management review's inputs since the last review.

use crate::snapshot::stderr;
use crate::support::Book;

fn policy(id: &str, version: &str, extra: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {id} title\nowner: Security Officer\nversion: \"{version}\"\n{extra}---\n\n{body}\n"
    )
}

const PROCEDURE: &str = "---\nid: management-review-procedure\ntitle: Management review procedure\n---\n\nThe following documents should be available for review during the meeting:\n- Statement of applicability\n- [a-policy]\n- Audit reports\n- Minutes of previous meetings\n- The minutes' form: [minutes-template#actions]\n\n## Meeting\n- not an input\n";

fn repo() -> Book {
    let book = Book::new()
        .file(".gitignore", "/site\n/review-pack\n")
        .doc(
            "soa.yaml",
            "controls:\n  A.5.1:\n    applicable: true\n    status: planned\n  A.5.2:\n    applicable: true\n    status: implemented\n",
        )
        .doc("procedures/management-review-procedure.md", PROCEDURE)
        .doc(
            "templates/minutes-template.md",
            "---\nid: minutes-template\ntitle: Management review minutes template\ntype: template\n---\n\n## Actions\n",
        )
        .doc(
            "records/minutes-draft.md",
            "---\nid: minutes-draft\ntitle: Minutes of previous meetings, 2026 (draft)\nstatus: draft\ncontrols: [A.5.2]\n---\n\nNot agreed yet.\n",
        )
        .doc(
            "policies/a-policy.md",
            &policy("a-policy", "1.0", "", "A text."),
        )
        .doc(
            "policies/b-policy.md",
            &policy("b-policy", "2.0", "", "B text."),
        )
        .doc(
            "policies/d-policy.md",
            &policy(
                "d-policy",
                "1.0",
                "next_review: 2026-12-01\n",
                "Unchanged; review due soon.",
            ),
        )
        .doc(
            "policies/e-policy.md",
            &policy(
                "e-policy",
                "1.0",
                "next_review: 2026-10-01\n",
                "Unchanged; review overdue.",
            ),
        );
    book.init_repo("Alice", "2026-01-05", "Handbook");
    book.git("Alice", "2026-01-05", &["tag", "review-1"]);
    let book = book.doc(
        "policies/a-policy.md",
        &policy("a-policy", "1.1", "", "A text, tightened."),
    );
    book.git("Bob", "2026-02-10", &["checkout", "-q", "-b", "tighten-a"]);
    book.git("Bob", "2026-02-10", &["commit", "-q", "-am", "Tighten A"]);
    book.git("Bob", "2026-02-11", &["checkout", "-q", "main"]);
    book.git(
        "Mia Merger",
        "2026-02-11",
        &[
            "merge",
            "-q",
            "--no-ff",
            "tighten-a",
            "-m",
            "Merge pull request #3 from tighten-a",
        ],
    );
    let book = book
        .doc(
            "policies/b-policy.md",
            &policy("b-policy", "2.0", "status: retired\n", "B text."),
        )
        .doc(
            "policies/c-policy.md",
            &policy("c-policy", "1.0", "controls: [A.5.1]\n", "New."),
        );
    book.commit_all("Carol", "2026-03-01", "Retire B, add C");
    book
}

fn pack(book: &Book, since: &str) -> (String, String) {
    let out = book.cli(&[
        "review-pack",
        "--since",
        since,
        "--today",
        "2026-11-22",
        "--next-meeting",
        "2027-01-15",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = book.path().join("review-pack");
    (
        std::fs::read_to_string(dir.join("review-pack.md")).unwrap(),
        std::fs::read_to_string(dir.join("review-pack.html")).unwrap(),
    )
}

fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(&format!("## {heading}"))
        .unwrap_or_else(|| panic!("{heading}: {md}"));
    let rest = &md[start + 3..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn review_pack_lists_exactly_the_documents_changed_since_the_revision() {
    let book = repo();
    let (md, html) = pack(&book, "review-1");
    let added = section(&md, "Documents added");
    assert!(added.starts_with("Documents added (1)"), "{added}");
    assert!(
        added.contains("| [c-policy title](../site/c-policy.html) (`c-policy`) | 1.0 |"),
        "{added}"
    );
    assert!(
        added.contains("2026-03-01 Retire B, add C (Carol"),
        "{added}"
    );
    let changed = section(&md, "Documents changed");
    assert!(changed.starts_with("Documents changed (1)"), "{changed}");
    assert!(
        changed.contains("(`a-policy`) | 1.0 → 1.1 | text changed |"),
        "{changed}"
    );
    assert!(
        changed.contains(
            "2026-02-11 Merge pull request #3 from tighten-a (Mia Merger, approved by Mia Merger"
        ),
        "the merge, with who approved it: {changed}"
    );
    let retired = section(&md, "Documents retired or removed");
    assert!(
        retired.starts_with("Documents retired or removed (1)"),
        "{retired}"
    );
    assert!(
        retired.contains("`b-policy`") && retired.contains("status (none) → retired"),
        "{retired}"
    );
    for unchanged in ["d-policy", "e-policy", "management-review-procedure"] {
        for s in [added, changed, retired] {
            assert!(!s.contains(unchanged), "{unchanged} did not change: {s}");
        }
    }
    let overdue = section(&md, "Reviews overdue");
    assert!(
        overdue.contains("e-policy") && overdue.contains("2026-10-01 (overdue by 52 days)"),
        "{overdue}"
    );
    let due = section(&md, "Reviews due before the next meeting");
    assert!(
        due.contains("d-policy") && due.contains("2026-12-01 (in 9 days)"),
        "{due}"
    );
    let soa = section(&md, "Statement of Applicability changes");
    assert!(
        soa.contains("A.5.1") && soa.contains("implemented by (none) → c-policy; gap yes → no"),
        "{soa}"
    );
    let gaps = section(&md, "Open gaps");
    assert!(gaps.contains("A.5.1") && gaps.contains("Planned"), "{gaps}");
    assert!(
        gaps.contains("| A.5.2 Information security roles and responsibilities | only drafts implement it: minutes-draft (draft) (Implemented) |"),
        "{gaps}"
    );
    let inputs = section(&md, "Inputs listed by the management review procedure");
    assert!(inputs.contains("- [ ] Statement of applicability — [Statement of Applicability](../site/handbook/soa.html)"), "{inputs}");
    assert!(inputs.contains("- [ ] [a-policy title](../site/a-policy.html) — [a-policy title](../site/a-policy.html) (version 1.1, last changed 2026-02-11)"), "[ref]s are resolved: {inputs}");
    assert!(
        inputs.contains("- [ ] Minutes of previous meetings — not in the handbook: bring it to the meeting (Minutes of previous meetings, 2026 (draft) is a draft document)"),
        "a draft is not the minutes: {inputs}"
    );
    assert!(
        inputs.contains("- [ ] The minutes' form: [Management review minutes template](../site/minutes-template.html#actions) — not in the handbook: bring it to the meeting (Management review minutes template is a template)"),
        "nor is a template: {inputs}"
    );
    assert!(
        inputs.contains("- [ ] Audit reports — not in the handbook"),
        "{inputs}"
    );
    assert!(!inputs.contains("not an input"), "{inputs}");

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("<a href=\"../site/a-policy.html\">a-policy title</a>"),
        "{html}"
    );
    assert!(
        html.contains("<li>☐ <a href=\"../site/a-policy.html\">a-policy title</a> — "),
        "{html}"
    );
    assert!(html.contains("1.0 → 1.1"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "self-contained, no external references"
    );

    // The same by date: the handbook as it was at the start of that day.
    let (by_date, _) = pack(&book, "2026-02-01");
    assert_eq!(
        section(&by_date, "Documents changed"),
        changed,
        "since a date = since the last commit before it"
    );
    let (since_feb_11, _) = pack(&book, "2026-02-12");
    assert!(section(&since_feb_11, "Documents changed").starts_with("Documents changed (0)"));
    assert!(section(&since_feb_11, "Documents added").starts_with("Documents added (1)"));
    let (everything, _) = pack(&book, "2025-01-01");
    assert!(
        section(&everything, "Documents added").starts_with("Documents added (8)"),
        "{everything}"
    );
}

#[test]
fn review_pack_errors_are_clear_and_foreign_files_are_kept() {
    let book = repo();
    let out = book.cli(&["review-pack", "--since", "review-2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown revision `review-2`"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("did you mean the tag `review-1`?"),
        "{}",
        stderr(&out)
    );
    let book = book.file("review-pack/review-pack.md", "my own notes");
    let out = book.cli(&["review-pack", "--since", "review-1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("was not written by policybook review-pack"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(book.path().join("review-pack/review-pack.md")).unwrap(),
        "my own notes"
    );
}

#[test]
fn review_pack_writes_by_default_only_where_git_ignores_it() {
    let book = repo().file(".gitignore", "/site\n");
    book.commit_all("Alice", "2026-03-02", "Stop ignoring the review pack");
    let out = book.cli(&["review-pack", "--since", "review-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("is not ignored by git"), "{err}");
    assert!(
        err.contains("add `/review-pack/` to") && err.contains("--out"),
        "{err}"
    );
    assert!(!book.path().join("review-pack").exists(), "nothing written");

    let elsewhere = book.path().join("pack-elsewhere");
    let out = book.cli(&[
        "review-pack",
        "--since",
        "review-1",
        "--out",
        elsewhere.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "--out is the user's choice: {}",
        stderr(&out)
    );
    assert!(elsewhere.join("review-pack.md").exists());
}
