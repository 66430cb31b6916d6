//! The command line: exit codes, output formats, init and new.

use crate::support::{Book, doc};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn broken() -> Book {
    Book::new()
        .doc("policies/a.md", &doc("a-policy", "A", "See [b-polcy]."))
        .doc("policies/b.md", &doc("b-policy", "B", "x"))
}

#[test]
fn exit_codes() {
    let ok = Book::new().doc("a.md", &doc("a-doc", "A", "x"));
    assert_eq!(ok.cli(&["build"]).status.code(), Some(0));
    let out = broken().cli(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("content/policies/a.md:6:5"), "{text}");
    assert!(text.contains("See [b-polcy]."), "quotes the line: {text}");
    assert!(text.contains("did you mean `[b-policy]`?"), "{text}");
    assert!(text.contains("1 error"), "{text}");
    assert_eq!(ok.cli(&["build", "no-such-folder"]).status.code(), Some(2));
    assert_eq!(ok.cli(&["build", "--frobnicate"]).status.code(), Some(2));
}

#[test]
fn check_writes_nothing() {
    let book = Book::new().doc("a.md", &doc("a-doc", "A", "x"));
    let out = book.cli(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!book.path().join("site").exists());
    assert_eq!(broken().cli(&["check"]).status.code(), Some(1));
}

#[test]
fn json_and_github_formats() {
    let book = broken();
    let out = book.cli(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let first = &json[0];
    assert_eq!(first["code"], "unknown-reference");
    assert_eq!(first["file"], "content/policies/a.md");
    assert_eq!(first["line"], 6);
    assert_eq!(first["column"], 5);
    assert_eq!(first["severity"], "error");
    assert!(first["help"].as_str().unwrap().contains("b-policy"));

    let out = book.cli(&["check", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let line = stdout(&out);
    assert!(
        line.starts_with("::error file=content/policies/a.md,line=6,col=5,"),
        "{line}"
    );
}

#[test]
fn strict_turns_warnings_into_errors() {
    let book = Book::new()
        .file("book.toml", "[book]\ntitel = 1\n")
        .doc("a.md", "# A\n");
    assert_eq!(book.cli(&["check"]).status.code(), Some(0));
    assert_eq!(book.cli(&["check", "--strict"]).status.code(), Some(1));
}

#[test]
fn init_creates_a_handbook_that_builds_and_refuses_non_empty_folders() {
    let book = Book::new();
    let out = book.cli(&["init", "fresh", "--organisation", "Acme Clinic"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let root = book.path().join("fresh");
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).unwrap();
    assert!(read("book.toml").contains("organisation = \"Acme Clinic\""));
    assert!(read("book.toml").contains("title = \"Acme Clinic ISMS Handbook\""));
    assert!(read("content/policies/backup-policy.md").contains("what Acme Clinic actually does"));
    assert!(read(".github/workflows/handbook.yml").contains("policybook diff"));
    let out = book.cli(&["build", "fresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let isp = read("site/information-security-policy.html");
    assert!(
        isp.contains("Access control policy</a>"),
        "starter documents reference each other"
    );
    assert!(isp.contains("Referenced by"));
    // Every clause that requires documented information has a starter document (a draft).
    let clauses = read("site/handbook/clauses.html");
    let gaps: Vec<&str> = clauses
        .split("<tr ")
        .filter(|row| row.contains(" gap\""))
        .collect();
    assert!(gaps.len() >= 10, "{} gaps", gaps.len());
    for row in gaps {
        assert!(
            row.contains("Only in drafts:"),
            "a clause without a starter document: {row}"
        );
    }
    // `check` passes; `check --strict` lists what is left to decide.
    let out = book.cli(&["check", "fresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = book.cli(&["check", "--strict", "fresh"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("does not decide on 93 of the 93 controls (93 marked `undecided`)"),
        "{err}"
    );
    assert!(
        err.contains(
            "clause 5.2 (Policy) requires documented information, but only drafts address it"
        ),
        "{err}"
    );

    let out = book.cli(&["init", "fresh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not empty"));
    std::fs::write(book.path().join("fresh/book.toml"), "# mine\n").unwrap();
    let out = book.cli(&["init", "fresh", "--force"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(book.path().join("fresh/book.toml")).unwrap(),
        "# mine\n",
        "never overwritten"
    );
}

#[test]
fn new_scaffolds_a_document_in_the_type_folder() {
    let book = Book::new().doc("policies/a.md", &doc("a-policy", "A", "x"));
    let out = book.cli(&[
        "new",
        "procedure",
        "backup-procedure",
        "--title",
        "Backup: daily",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(book.path().join("content/procedures/backup-procedure.md"))
        .unwrap();
    assert!(text.contains("id: backup-procedure\ntitle: \"Backup: daily\"\n"));
    assert_eq!(book.cli(&["build"]).status.code(), Some(0));

    let out = book.cli(&["new", "policy", "a-policy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("content/policies/a.md"),
        "{}",
        stderr(&out)
    );
    let out = book.cli(&["new", "policy", "Bad_Id"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad-id"));
}

#[test]
fn build_open_without_a_browser_says_where_the_site_is() {
    let book = Book::new().doc("policies/a.md", &doc("a-policy", "A", "x"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
        .args(["build", "--open"])
        .current_dir(book.path())
        .env("NO_COLOR", "1")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WSL_DISTRO_NAME")
        .env_remove("BROWSER")
        .output()
        .expect("run policybook");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let index = std::path::absolute(book.path().join("site/index.html")).unwrap();
    let err = stderr(&out);
    assert!(
        err.contains(&format!("the site is at file://{}", index.display())),
        "{err}"
    );
    assert!(err.contains("no graphical session"), "{err}");
}
