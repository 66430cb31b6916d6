//! Document control and ISO/IEC 27001: metadata validation, review status, register, SoA, coverage.

use crate::support::{Book, problems, single_problem};
use policybook::diagnostics::Severity;

fn controlled(id: &str, meta: &str) -> String {
    format!("---\nid: {id}\ntitle: {id} title\n{meta}\n---\n\n## Purpose\n\nText.\n")
}

const APPROVED: &str = "owner: Security Officer\napprover: Chief Executive\nstatus: approved\nversion: \"1.0\"\neffective: 2026-01-10\nlast_reviewed: 2026-06-01\nreview_every: 12 months\nclassification: internal";

fn book_with(meta: &str) -> Book {
    Book::new().doc("policies/a-policy.md", &controlled("a-policy", meta))
}

#[test]
fn each_validation_error_names_the_field_line() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("status: aproved", 4, "aproved", "did you mean `approved`"),
        ("effective: 2026-02-30", 4, "2026-02-30", "YYYY-MM-DD"),
        ("classification: secret", 4, "secret", "restricted"),
        ("controls: [A.5.15, A.5.99]", 4, "A.5.99", "did you mean"),
        ("clauses: [\"9.3\", \"11.1\"]", 4, "11.1", ""),
        ("review_every: sometimes", 4, "sometimes", ""),
    ];
    for (meta, line, needle, help) in cases {
        let built = book_with(meta).build();
        let p = single_problem(&built);
        assert_eq!(p.severity, Severity::Error, "{meta}: {p:?}");
        assert_eq!(
            (p.file.as_str(), p.line),
            ("content/policies/a-policy.md", *line),
            "{meta}"
        );
        assert!(p.message.contains(needle), "{meta}: {}", p.message);
        assert!(p.help.contains(help), "{meta}: {}", p.help);
    }
}

#[test]
fn approved_documents_need_owner_approver_version_and_effective_date() {
    let built = book_with("status: approved\nowner: Security Officer").build();
    let all = problems(&built);
    assert_eq!(all.len(), 3, "{all:#?}");
    for field in ["approver", "version", "effective"] {
        assert!(
            all.iter().any(|p| p.message.contains(field) && p.line == 4),
            "{field}: {all:#?}"
        );
    }
}

#[test]
fn legacy_2013_controls_warn_with_their_2022_mapping() {
    let book = book_with("controls: [A.12.6.1]");
    let built = book.build();
    let p = single_problem(&built);
    assert_eq!(p.severity, Severity::Warning);
    assert!(
        format!("{} {}", p.message, p.help).contains("A.8.8"),
        "{p:?}"
    );
    assert!(
        book.site("a-policy.html")
            .contains(r#"href="handbook/soa.html#A.8.8""#),
        "mapped id is used"
    );
}

#[test]
fn overdue_reviews_are_judged_against_today() {
    let book = book_with(APPROVED);
    let run = |today: &str| {
        let out = book.cli(&["build", "--today", today]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run("2027-05-05");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("overdue"), "{stderr}");
    assert!(!book.site("a-policy.html").contains("banner-overdue"));
    assert!(
        book.site("handbook/reviews.html")
            .contains("Due within 30 days (1)")
    );

    let (code, stderr) = run("2027-06-11");
    assert_eq!(code, Some(0), "overdue is a warning: {stderr}");
    assert!(
        stderr.contains("overdue by 10 days (due 2027-06-01)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/policies/a-policy.md:9:1"),
        "points at last_reviewed: {stderr}"
    );
    assert!(book.site("a-policy.html").contains("banner-overdue"));
    assert!(book.site("handbook/reviews.html").contains("Overdue (1)"));

    let out = book.cli(&["check", "--strict", "--today", "2027-06-11"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--strict fails CI on overdue reviews"
    );
    let out = book.cli(&["check", "--today", "2027-13-01"]);
    assert_eq!(out.status.code(), Some(2), "a bad --today is a usage error");
}

#[test]
fn draft_and_retired_documents_carry_banners_and_supersedes_links() {
    let book = Book::new()
        .doc(
            "policies/old-policy.md",
            &controlled("old-policy", "status: retired"),
        )
        .doc(
            "policies/new-policy.md",
            &controlled("new-policy", "status: draft\nsupersedes: [old-policy]"),
        );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let old = book.site("old-policy.html");
    assert!(old.contains("banner-retired"));
    assert!(
        old.contains(r#"superseded by <a href="new-policy.html">new-policy title</a>"#),
        "{old}"
    );
    assert!(book.site("new-policy.html").contains("banner-draft"));

    let book = Book::new().doc(
        "policies/new-policy.md",
        &controlled("new-policy", "supersedes: [old-polcy]"),
    );
    let p = single_problem(&book.build());
    assert_eq!((p.code.as_str(), p.line), ("unknown-reference", 4));
}

#[test]
fn register_lists_every_document_as_html_csv_and_json() {
    let book = Book::new()
        .doc("policies/a-policy.md", &controlled("a-policy", APPROVED))
        .doc(
            "procedures/b-procedure.md",
            &controlled(
                "b-procedure",
                "owner: \"IT, Operations\"\nstatus: draft\nversion: \"0.3\"",
            ),
        );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let csv = book.site("handbook/register.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,title,type,version,status,owner,approver,effective,last_reviewed,next_review,classification,controls,clauses,path"
    );
    assert_eq!(
        lines[1],
        "a-policy,a-policy title,policy,1.0,approved,Security Officer,Chief Executive,2026-01-10,2026-06-01,2027-06-01,internal,,,policies/a-policy.md"
    );
    assert_eq!(
        lines[2],
        "b-procedure,b-procedure title,procedure,0.3,draft,\"IT, Operations\",,,,,,,,procedures/b-procedure.md"
    );
    let json: serde_json::Value =
        serde_json::from_str(&book.site("handbook/register.json")).unwrap();
    assert_eq!(json[1]["owner"], "IT, Operations");
    let html = book.site("handbook/register.html");
    assert!(html.contains(r#"<a href="../a-policy.html">a-policy title</a>"#));
    assert!(
        html.contains(r#"<a href="../handbook/role-security-officer.html">Security Officer</a>"#)
    );
    let role = book.site("handbook/role-security-officer.html");
    assert!(role.contains("Owns (1)") && role.contains("../a-policy.html"));
}

#[test]
fn statement_of_applicability_from_soa_yaml_and_document_controls() {
    let soa = "controls:\n  A.5.1: {applicable: true, status: implemented, justification: Direction.}\n  A.5.2:\n    applicable: true\n    status: planned\n  A.8.30:\n    applicable: false\n    justification: No outsourced development.\n";
    let book = Book::new()
        .doc(
            "policies/a-policy.md",
            &controlled("a-policy", "controls: [A.5.1]"),
        )
        .doc("soa.yaml", soa);
    let built = book.build();
    let all = problems(&built);
    let gap = all
        .iter()
        .find(|p| p.code == "soa-gap")
        .expect("gap warning");
    assert_eq!(
        (gap.file.as_str(), gap.line, gap.severity),
        ("content/soa.yaml", 3, Severity::Warning)
    );
    assert!(gap.message.contains("A.5.2"));
    assert!(
        all.iter()
            .any(|p| p.code == "soa-incomplete" && p.message.contains("90 of the 93"))
    );
    assert_eq!(all.len(), 2, "{all:#?}");

    let html = book.site("handbook/soa.html");
    let row = |id: &str| {
        html.split(&format!(r#"<tr id="{id}""#))
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap()
            .to_string()
    };
    assert!(row("A.5.1").contains("../a-policy.html") && row("A.5.1").contains("Implemented"));
    assert!(row("A.5.2").contains("gap: no document"));
    assert!(row("A.8.30").contains("No outsourced development."));
    assert!(row("A.8.30").contains("<td>No</td>"));
    assert_eq!(html.matches("<tr id=\"A.").count(), 93);
    let csv = book.site("handbook/soa.csv");
    assert!(csv.contains("A.5.1,Policies for information security,Organizational controls,yes,implemented,Direction.,a-policy"));
    assert!(csv.contains(
        "A.8.30,Outsourced development,Technological controls,no,,No outsourced development.,"
    ));
    assert!(
        book.site("a-policy.html")
            .contains(r#"href="handbook/soa.html#A.5.1""#),
        "controls link to SoA rows"
    );

    let book = Book::new().doc("soa.yaml", "controls:\n  A.8.30:\n    applicable: false\n");
    let all = problems(&book.build());
    let p = all
        .iter()
        .find(|p| p.code == "soa-unjustified")
        .expect("error");
    assert_eq!((p.line, p.severity), (2, Severity::Error));
}

#[test]
fn clause_coverage_marks_uncovered_mandatory_clauses() {
    let book = Book::new().doc(
        "policies/a-policy.md",
        &controlled("a-policy", "clauses: [\"5.2\", 9.3]"),
    );
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    let html = book.site("handbook/clauses.html");
    let row = |id: &str| {
        html.split(&format!(r#"<tr id="clause-{id}""#))
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap()
            .to_string()
    };
    assert!(row("5.2").contains("../a-policy.html"));
    assert!(
        row("9.3").contains("../a-policy.html"),
        "YAML number 9.3 read as the clause"
    );
    assert!(
        row("4.3").contains("not covered"),
        "scope requires documented information"
    );
}
