//! Other tools' files are never misread silently: each convention policybook does not follow gets
//! a warning with the fix (and `policybook import` named where it would convert the handbook).

use crate::support::{Book, doc, problems};

#[test]
fn yaml_fields_without_the_opening_line_are_a_warning() {
    let comply = "name: Access Control Policy\nacronym: ACP\nsatisfies:\n  TSC:\n    - CC6.1\n---\n# Purpose and Scope\n\nText.\n";
    let book = Book::new().doc("policies/access.md", comply);
    let all = problems(&book.check());
    let p = all
        .iter()
        .find(|p| p.code == "unfenced-frontmatter")
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!((p.file.as_str(), p.line), ("content/policies/access.md", 1));
    assert!(p.message.contains("frontmatter without `---`"));
    assert!(p.help.contains("policybook import comply"), "{}", p.help);
}

#[test]
fn other_tools_fields_get_a_did_you_mean_at_their_line() {
    let book = Book::new().doc(
        "a.md",
        "---\nid: a\ntitle: A\neffective_date: 2025-03-14\nreview_interval: 12 months\napproved_by: CEO\naudience: staff\n---\nText.\n",
    );
    let all = problems(&book.check());
    let found: Vec<(usize, &str)> = all
        .iter()
        .filter(|p| p.code == "unknown-field")
        .map(|p| (p.line, p.help.split('`').nth(1).unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        [(4, "effective"), (5, "review_every"), (6, "approver")],
        "{all:#?}"
    );
}

#[test]
fn a_title_shared_by_documents_is_one_warning_naming_the_others() {
    let book = Book::new()
        .doc("a.md", "# Purpose and Scope\n\nA.\n")
        .doc("b.md", "# Purpose and Scope\n\nB.\n")
        .doc("c.md", &doc("c", "Other", "C."));
    let all = problems(&book.check());
    let shared: Vec<&str> = all
        .iter()
        .filter(|p| p.code == "shared-title")
        .map(|p| p.file.as_str())
        .collect();
    assert_eq!(shared, ["content/a.md"], "one warning per title: {all:#?}");
    assert!(all[0].help.ends_with("the others: b.md"), "{}", all[0].help);
    assert!(
        all[0]
            .message
            .contains("2 documents have the title `Purpose and Scope`")
    );
}

#[test]
fn a_bracketed_placeholder_explains_yaml_lists() {
    let book = Book::new().doc("a.md", "---\nid: a\ntitle: A\nowner: [TBD]\n---\nText.\n");
    let all = problems(&book.check());
    let p = all.iter().find(|p| p.message.contains("`owner`")).unwrap();
    assert_eq!(p.line, 4);
    assert!(p.help.contains("`owner: \"[TBD]\"`"), "{}", p.help);
}

#[test]
fn docusaurus_and_mkdocs_syntax_is_named_with_the_import_command() {
    let body = "import Tabs from '@theme/Tabs';\n\n:::note Keep in mind\nText.\n:::\n\n:::tip\nAgain.\n:::\n\n!!! warning \"Careful\"\n    Text.\n\nSee [the policy](/docs/policies/access).\n";
    let book = Book::new().doc("a.md", &doc("a", "A", body));
    let all = problems(&book.check());
    let hints: Vec<(&str, usize)> = all
        .iter()
        .filter(|p| p.code == "foreign-syntax")
        .map(|p| (p.help.rsplit(' ').next().unwrap_or(""), p.line))
        .collect();
    // One warning per kind (the second `:::` block is not reported again).
    assert_eq!(
        hints,
        [("docusaurus`", 6), ("docusaurus`", 8), ("mkdocs`", 16)],
        "{all:#?}"
    );
    let link = all.iter().find(|p| p.code == "outside-content").unwrap();
    assert!(link.help.contains("site-absolute"), "{}", link.help);
    assert!(link.help.contains("policybook import docusaurus"));
}

#[test]
fn readme_underscore_and_excluded_files_are_left_out() {
    let book = Book::new()
        .file(
            "book.toml",
            "[build]\nexclude = [\"drafts/**\", \"**/*.tmp.md\"]\n",
        )
        .doc("a.md", &doc("a", "A", "Text."))
        .doc("README.md", "How this folder works.\n")
        .doc("policies/README.md", "Notes.\n")
        .doc("_category_.json", "{\"label\": \"Policies\"}")
        .doc("_partials/snippet.md", "Not a document.\n")
        .doc("drafts/idea.md", "# Idea\n")
        .doc("policies/x.tmp.md", "# Temp\n");
    let built = book.build();
    assert!(problems(&built).is_empty(), "{:#?}", problems(&built));
    assert_eq!(built.documents, 1);
    assert!(book.path().join("site/a.html").exists());
    assert!(!book.path().join("site/idea.html").exists());
    assert!(!book.path().join("site/files/_category_.json").exists());
    let out = book.cli(&["check", "-v"]);
    let err = String::from_utf8_lossy(&out.stderr);
    for skipped in [
        "README.md",
        "_category_.json",
        "_partials",
        "drafts/idea.md",
        "policies/x.tmp.md",
    ] {
        assert!(err.contains(skipped), "{skipped} not listed: {err}");
    }
}

#[test]
fn a_bad_exclude_glob_is_a_config_error() {
    let book = Book::new()
        .file("book.toml", "[build]\nexclude = [\"drafts/[\"]\n")
        .doc("a.md", &doc("a", "A", "Text."));
    let all = problems(&book.check());
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].code, "invalid-config");
    assert!(all[0].message.contains("`drafts/[`"));
}

#[test]
fn control_ids_in_other_forms_are_read_with_a_warning_at_the_list_item() {
    let book = Book::new().doc(
        "a.md",
        "---\nid: a\ntitle: A\ncontrols:\n  - A.05.01\n  - A5.15\n  - iso27001:A.5.17\n  - A.8.05.1\ncontrols_note: x\n---\nText.\n",
    );
    let all = problems(&book.check());
    let found: Vec<(usize, usize, &str)> = all
        .iter()
        .filter(|p| p.code != "soa-missing")
        .map(|p| (p.line, p.column, p.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                5,
                5,
                "`A.05.01` is read as `A.5.1` (Policies for information security)"
            ),
            (6, 5, "`A5.15` is read as `A.5.15` (Access control)"),
            (7, 5, "unknown Annex A control `iso27001:A.5.17`"),
            (8, 5, "unknown Annex A control `A.8.05.1`"),
        ],
        "{all:#?}"
    );
    let all: Vec<_> = all.iter().filter(|p| p.code != "soa-missing").collect();
    assert!(all[0].help.contains("`A.5.1`"), "{}", all[0].help);
    assert!(all[2].help.contains("A.5.17"), "{}", all[2].help);
    assert!(all[3].help.contains("A.8.5"), "{}", all[3].help);

    // Flow lists point at the entry too.
    let book = Book::new().doc(
        "b.md",
        "---\nid: b\ntitle: B\ncontrols: [A.5.1, A.05.15]\n---\nText.\n",
    );
    let all = problems(&book.check());
    let p = all.iter().find(|p| p.code == "document-control").unwrap();
    assert_eq!((p.line, p.column), (4, 19), "{all:#?}");
}
