//! `policybook diff`: document-level changes between revisions, and the version rules for pull requests.

use crate::snapshot::stderr;
use crate::support::Book;

fn policy(id: &str, version: &str, extra: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {id} title\nowner: Security Officer\napprover: Chief Executive\nstatus: approved\nversion: \"{version}\"\neffective: 2026-01-01\n{extra}---\n\n{body}\n"
    )
}

const SOA: &str = "controls:\n  A.5.1:\n    applicable: true\n    status: implemented\n  A.5.2:\n    applicable: true\n    status: planned\n";

fn repo() -> Book {
    let book = Book::new()
        .file(".gitignore", "/site\n")
        .doc("soa.yaml", SOA)
        .doc(
            "policies/a-policy.md",
            &policy("a-policy", "1.0", "controls: [A.5.1]\n", "See [b-policy]."),
        )
        .doc(
            "policies/b-policy.md",
            &policy("b-policy", "1.0", "", "B text."),
        )
        .doc(
            "policies/c-policy.md",
            &policy("c-policy", "2.0", "", "C text."),
        )
        .doc(
            "policies/d-policy.md",
            &policy("d-policy", "1.0", "", "D text."),
        )
        .doc(
            "policies/e-policy.md",
            &policy("e-policy", "1.0", "", "E text."),
        );
    book.init_repo("Alice", "2026-01-05", "Base");
    book.git("Alice", "2026-01-05", &["tag", "base"]);
    book
}

/// Every kind of change, in the working tree.
fn changed() -> Book {
    let book = repo()
        .doc(
            "policies/a-policy.md",
            &policy(
                "a-policy",
                "1.1",
                "controls: [A.5.1]\n",
                "See [c-policy] now.",
            ),
        )
        .doc(
            "policies/b-policy.md",
            &policy("b-policy", "1.0", "", "B text, edited."),
        )
        .doc(
            "policies/c-policy.md",
            &policy("c-policy", "1.9", "", "C text. Still see [d-policy].")
                .replace("owner: Security Officer", "owner: Privacy Officer"),
        )
        .doc(
            "policies/sub/e-policy.md",
            &policy("e-policy", "1.0", "", "E text."),
        )
        .doc(
            "policies/f-policy.md",
            &policy("f-policy", "1.0", "controls: [A.5.2]\n", "F text."),
        )
        .doc(
            "soa.yaml",
            &SOA.replace("status: planned", "status: implemented"),
        );
    std::fs::remove_file(book.path().join("content/policies/d-policy.md")).unwrap();
    std::fs::remove_file(book.path().join("content/policies/e-policy.md")).unwrap();
    book
}

fn json(book: &Book, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = book.cli(args);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    (out.status.code(), value)
}

#[test]
fn diff_classifies_every_kind_of_change_and_enforces_the_version_rules() {
    let book = changed();
    let (code, report) = json(&book, &["diff", "base", "--format", "json"]);
    assert_eq!(code, Some(1), "rule errors fail the diff");
    assert_eq!(
        report["base"]["label"],
        "base (".to_string() + report["base"]["commit"].as_str().unwrap().get(..7).unwrap() + ")"
    );
    assert_eq!(report["head"]["label"], "working tree");
    let docs = report["documents"].as_array().unwrap();
    let doc = |id: &str| {
        docs.iter()
            .find(|d| d["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {docs:#?}"))
    };

    let a = doc("a-policy");
    assert_eq!(a["change"], "changed");
    assert_eq!(a["body_changed"], true);
    assert_eq!(
        a["fields"],
        serde_json::json!([{"field": "version", "old": "1.0", "new": "1.1"}])
    );
    assert_eq!(a["references_added"], serde_json::json!(["c-policy"]));
    assert_eq!(a["references_removed"], serde_json::json!(["b-policy"]));
    let c = doc("c-policy");
    assert!(c["fields"].as_array().unwrap().contains(
        &serde_json::json!({"field": "owner", "old": "Security Officer", "new": "Privacy Officer"})
    ));
    assert_eq!(doc("d-policy")["change"], "removed");
    let e = doc("e-policy");
    assert_eq!(e["change"], "changed");
    assert_eq!(e["renamed_from"], "policies/e-policy.md");
    assert_eq!(e["path"], "policies/sub/e-policy.md");
    assert_eq!(e["body_changed"], false);
    assert_eq!(doc("f-policy")["change"], "added");
    assert!(
        docs.iter().all(|d| d["id"] != "unchanged"),
        "only changed documents"
    );
    assert_eq!(docs.len(), 6, "{docs:#?}");

    let soa = report["soa"].as_array().unwrap();
    assert_eq!(soa.len(), 1, "{soa:#?}");
    assert_eq!(soa[0]["control"], "A.5.2");
    assert_eq!(
        soa[0]["fields"],
        serde_json::json!([
            {"field": "status", "old": "planned", "new": "implemented"},
            {"field": "implemented by", "old": null, "new": "f-policy"},
            {"field": "gap", "old": "yes", "new": "no"},
        ])
    );
    let register = report["register"].as_array().unwrap();
    assert!(
        register
            .contains(&serde_json::json!({"id": "d-policy", "change": "removed", "fields": []}))
    );
    assert!(
        register.contains(&serde_json::json!({"id": "f-policy", "change": "added", "fields": []}))
    );

    let problems: Vec<(String, String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap().into(),
                d["code"].as_str().unwrap().into(),
                d["file"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let expect = |severity: &str, code: &str, file: &str| {
        assert!(
            problems.contains(&(severity.into(), code.into(), file.into())),
            "{severity} {code} in {file}: {problems:#?}"
        );
    };
    expect(
        "warning",
        "effective-not-updated",
        "content/policies/a-policy.md",
    );
    expect(
        "error",
        "version-not-raised",
        "content/policies/b-policy.md",
    );
    expect(
        "warning",
        "effective-not-updated",
        "content/policies/b-policy.md",
    );
    expect("error", "version-decreased", "content/policies/c-policy.md");
    expect(
        "error",
        "removed-id-referenced",
        "content/policies/c-policy.md",
    );
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert!(
        !problems.iter().any(|p| p.2.contains("e-policy")),
        "a move alone breaks no rule"
    );

    // Human: the changes on stdout, the problems rustc-style with file and line.
    let out = book.cli(&["diff", "base"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("base (") && text.contains("→ working tree: 1 added, 1 removed, 4 changed"),
        "{text}"
    );
    assert!(
        text.contains(
            "renamed  e-policy (policies/sub/e-policy.md): moved from policies/e-policy.md"
        ),
        "{text}"
    );
    assert!(text.contains("A.5.2"), "{text}");
    let err = stderr(&out);
    assert!(
        err.contains("the text of `b-policy` changed, but its version is still 1.0"),
        "{err}"
    );
    assert!(err.contains("content/policies/b-policy.md:7:1"), "{err}");
    assert!(
        err.contains("raise `version` (e.g. `version: \"1.1\"`)"),
        "{err}"
    );
    assert!(
        err.contains("the version of `c-policy` went down, from 2.0 to 1.9"),
        "{err}"
    );
    assert!(
        err.contains("`c-policy` still references `d-policy`, which this change removes"),
        "{err}"
    );

    // GitHub annotations and the Markdown comment.
    let out = book.cli(&["diff", "base", "--format", "github"]);
    let annotations = String::from_utf8_lossy(&out.stdout);
    assert!(
        annotations.contains("::error file=content/policies/b-policy.md,line=7"),
        "{annotations}"
    );
    assert!(
        annotations.contains("::warning file=content/policies/a-policy.md"),
        "{annotations}"
    );
    let out = book.cli(&["diff", "base", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("### Handbook changes: `base ("), "{md}");
    assert!(md.contains("**3 errors, 3 warnings**"), "{md}");
    assert!(md.contains("| Document | Change |\n|---|---|\n"), "{md}");
    assert!(md.contains("| `c-policy` c-policy title | text changed; owner Security Officer → Privacy Officer; version 2.0 → 1.9 |"), "{md}");
    assert!(md.contains("#### Statement of Applicability"), "{md}");
    assert!(
        md.contains("❌ error `content/policies/c-policy.md:"),
        "{md}"
    );
}

#[test]
fn a_well_made_change_between_two_revisions_passes() {
    let book = repo();
    let book = book.doc(
        "policies/b-policy.md",
        &policy("b-policy", "1.1", "", "B text, edited.")
            .replace("effective: 2026-01-01", "effective: 2026-02-01"),
    );
    book.git(
        "Bob",
        "2026-02-01",
        &["commit", "-q", "-am", "Edit B properly"],
    );
    // The working tree has an unrelated bad edit: comparing two revisions ignores it.
    let book = book.doc(
        "policies/c-policy.md",
        &policy("c-policy", "2.0", "", "Changed without a version."),
    );
    let (code, report) = json(&book, &["diff", "base", "HEAD", "--format", "json"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    let docs = report["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["id"], "b-policy");
    assert_eq!(
        report["head"]["label"].as_str().unwrap().len(),
        7,
        "a commit id"
    );
    let out = book.cli(&["diff", "base", "HEAD", "--format", "markdown"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("✅ No document-control rule is broken.")
    );

    let (code, _) = json(&book, &["diff", "HEAD", "--format", "json"]);
    assert_eq!(
        code,
        Some(1),
        "the working tree's edit breaks the version rule"
    );
    let out = book.cli(&["diff", "HEAD", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn diff_errors_name_the_revision_and_the_fix() {
    let book = repo();
    let out = book.cli(&["diff", "bsae"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown revision `bsae`"), "{err}");
    assert!(err.contains("did you mean the tag `base`?"), "{err}");
    let plain = Book::new().doc("policies/a.md", "x");
    let out = plain.cli(&["diff", "main"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not in a git repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_statement_of_applicability_follows_the_version_rules() {
    let control = "version: \"1.0\"\nowner: Compliance Officer\napprover: Chief Executive\neffective: 2026-01-01\n";
    let book = Book::new()
        .file(".gitignore", "/site\n")
        .doc("soa.yaml", &format!("{control}{SOA}"))
        .doc(
            "policies/a-policy.md",
            &policy("a-policy", "1.0", "controls: [A.5.1]\n", "A text."),
        );
    book.init_repo("Alice", "2026-01-05", "Base");
    let decided = format!("{control}{}", SOA.replace("planned", "implemented"));

    let book = book.doc("soa.yaml", &decided);
    let (code, report) = json(&book, &["diff", "HEAD", "--format", "json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let found: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("version-not-raised".into(), "content/soa.yaml".into(), 1),
            ("effective-not-updated".into(), "content/soa.yaml".into(), 4),
        ],
        "{report:#}"
    );

    let book = book.doc("soa.yaml", &decided.replace("\"1.0\"", "\"0.9\""));
    let (_, report) = json(&book, &["diff", "HEAD", "--format", "json"]);
    assert!(
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "version-decreased" && d["line"] == 1),
        "{report:#}"
    );

    let book = book.doc(
        "soa.yaml",
        &decided
            .replace("\"1.0\"", "\"1.1\"")
            .replace("2026-01-01", "2026-02-01"),
    );
    let (code, report) = json(&book, &["diff", "HEAD", "--format", "json"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    let row = report["register"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "statement-of-applicability")
        .unwrap_or_else(|| panic!("{report:#}"))
        .clone();
    assert_eq!(
        row["fields"],
        serde_json::json!([
            {"field": "version", "old": "1.0", "new": "1.1"},
            {"field": "effective", "old": "2026-01-01", "new": "2026-02-01"},
        ])
    );
}
