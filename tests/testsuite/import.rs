//! `policybook import`: each format's fixture (tests/fixtures/import/<format>/) becomes a handbook
//! that `check` accepts without errors, with IMPORT-REPORT.md naming every change at its source line;
//! SRC is never touched and DEST is never overwritten.

use std::path::{Path, PathBuf};
use std::process::Output;

use policybook::commands::{Options, build};
use policybook::diagnostics::Severity;

use crate::support::{problems, snapshot};

fn fixture(format: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(format)
}

fn import(args: &[&str], cwd: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
        .arg("import")
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run policybook")
}

/// Import the fixture of `format` into a new folder; assert the run, the check and SRC.
fn imported(format: &str) -> (tempfile::TempDir, PathBuf, String) {
    let src = fixture(format);
    let before = snapshot(&src);
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("handbook");
    let out = import(
        &[format, src.to_str().unwrap(), dest.to_str().unwrap()],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(": 0 errors"), "{stderr}");
    assert_eq!(snapshot(&src), before, "SRC must not change");
    let checked = build(&Options {
        root: dest.clone(),
        out: None,
        write: false,
        strict: false,
        verbose: false,
        today: Some("2026-01-01".parse().unwrap()),
        history_at: None,
        snapshot: None,
    })
    .unwrap();
    let errors: Vec<_> = problems(&checked)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let report = std::fs::read_to_string(dest.join("IMPORT-REPORT.md")).unwrap();
    (tmp, dest, report)
}

fn read(dest: &Path, rel: &str) -> String {
    std::fs::read_to_string(dest.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn assert_lines(report: &str, expected: &[&str]) {
    for line in expected {
        assert!(report.contains(line), "missing `{line}` in\n{report}");
    }
}

#[test]
fn comply_fields_without_the_opening_line_become_frontmatter() {
    let (_tmp, dest, report) = imported("comply");
    let access = read(&dest, "content/policies/access.md");
    assert!(access.starts_with("---\nid: access\ntitle: Access Onboarding and Termination Policy\nowner: \"[TBD]\"\neffective: \"2025-03-14\"\nreview_every: annually\n"), "{access}");
    assert!(
        access.contains("satisfies:\n  TSC: [CC6.1, CC6.2, CC6.3]\n"),
        "{access}"
    );
    assert!(
        access.contains("majorRevisions:\n  - date: Jun 1 2024\n    comment: Initial document\n"),
        "{access}"
    );
    assert!(access.ends_with("---\n\n# Purpose and Scope\n\na. This policy governs access to company systems.\n\n# Policy\n\na. Access is granted through the [onboard] procedure.\n"), "{access}");
    let onboard = read(&dest, "content/procedures/onboard.md");
    assert!(
        onboard.starts_with("---\nid: onboard\ntitle: Onboard new employee\n"),
        "{onboard}"
    );
    assert!(read(&dest, "book.toml").contains("organisation = \"Northwind Analytics\""));
    assert!(read(&dest, "frameworks/TSC-2017.yml").contains("CC6.1:"));
    assert_lines(
        &report,
        &[
            "`policies/access.md:1`: the fields on lines 1–13 (comply writes them without an opening `---`) became the frontmatter",
            "`policies/access.md:1`: `name` became `title`",
            "`policies/access.md:11`: `owner: [TBD]` is a YAML list: written as the text `[TBD]`",
            "`policies/access.md:12`: `effective_date` became `effective`",
            "`policies/access.md:12`: `effective` `14/03/2025` became `2025-03-14`",
            "`policies/access.md:13`: `review_frequency` became `review_every`",
            "`policies/access.md:3`: `satisfies` (the SOC 2 criteria",
            "`policies/encryption.md:6`: `doc_owner` became `owner`",
            "`policies/encryption.md:7`: `effective` `04/05/2025` became `2025-05-04` (day before month assumed: check it)",
            "`policies/encryption.md:8`: dropped `review_every: when needed`",
            "`narratives/control.md:18`: `[security-team]` names no document: escaped",
            "`procedures/onboard.md:3`: `cron` is not a field policybook reads",
            "`standards/TSC-2017.yml:1`: the standard's criteria were copied to `frameworks/TSC-2017.yml`",
        ],
    );
    // The check's "to look at" entries come before the changes made.
    assert!(report.find("## To look at").unwrap() < report.find("## Changes made").unwrap());
}

#[test]
fn docusaurus_prefixes_admonitions_mdx_and_site_absolute_links() {
    let (_tmp, dest, report) = imported("docusaurus");
    let access = read(&dest, "content/policies/access-control.md");
    assert!(access.starts_with("---\nid: access-control\norder: 1\ntitle: Access Control Policy\nowner: Security Lead\napprover: Chief Technology Officer\nstatus: approved\nversion: \"1.10\"\neffective: \"2025-01-15\"\nreview_every: \"12 months\"\n"), "{access}");
    assert!(
        !access.contains("import ") && !access.contains("<Tabs") && !access.contains(":::"),
        "{access}"
    );
    assert!(
        access.contains("> [!WARNING]\n> **Privileged accounts**\n>\n> Administrator rights"),
        "{access}"
    );
    assert!(
        access.contains("[access request form](../files/access-request-form.pdf)"),
        "{access}"
    );
    assert!(
        access.contains("[incident response policy](incident-response.md#reporting)"),
        "{access}"
    );
    assert_eq!(
        std::fs::read(dest.join("content/files/access-request-form.pdf")).unwrap(),
        std::fs::read(fixture("docusaurus").join("static/files/access-request-form.pdf")).unwrap()
    );
    let incident = read(&dest, "content/policies/incident-response.md");
    assert!(
        incident.contains("> [!CAUTION]\n> **Never**\n"),
        "{incident}"
    );
    assert!(
        incident.contains("[backup procedure](../procedures/backup.md)"),
        "{incident}"
    );
    assert!(
        incident.contains("The old wiki is no longer maintained."),
        "{incident}"
    );
    let backup = read(&dest, "content/procedures/backup.md");
    assert!(backup.contains("status: draft\n"), "{backup}");
    assert!(
        backup.contains("```md\n:::note\n"),
        "code blocks stay as written: {backup}"
    );
    assert!(
        dest.join("content/files/20-procedures/img/restore-flow.png")
            .is_file()
    );
    let welcome = read(&dest, "content/documents/welcome.md");
    assert!(
        welcome.contains("[access control policy](../policies/access-control.md)"),
        "{welcome}"
    );
    assert_lines(
        &report,
        &[
            "`docs/10-policies/_category_.json:1`: the category `Policies` (folder `10-policies`) became the document type `policy`",
            "`docs/10-policies/01-access-control.md:13`: removed the MDX line `import Tabs from '@theme/Tabs';`",
            "`docs/10-policies/01-access-control.md:20`: the `:::warning` admonition became a `> [!WARNING]` alert",
            "`docs/10-policies/01-access-control.md:22`: link `/files/access-request-form.pdf` became `../files/access-request-form.pdf`",
            "`docs/10-policies/01-access-control.md:25`: removed the JSX component line `<Tabs…>`",
            "`docs/10-policies/01-access-control.md:9`: `version: 1.10` is quoted so that it stays text as written",
            "`docs/10-policies/02-incident-response.md:13`: the `:::danger` admonition became a `> [!CAUTION]` alert (the nearest GitHub alert kind)",
            "`docs/10-policies/02-incident-response.md:21`: the link to `/wiki/incidents` points at nothing in the source",
            "`docs/10-policies/02-incident-response.md:4`: `sidebar_position` became `order`",
            "`docs/10-policies/02-incident-response.md:23`: removed the JSX tags `<Highlight color=\"red\">`, `</Highlight>` from the line",
            "`docs/20-procedures/01-backup.mdx:3`: `status: Approved` became `status: draft`: approved document has no `approver`",
            "`docs/20-procedures/01-backup.mdx:8`: removed the MDX line `export const retention = '35 days';`",
            "`docs/_shared-contacts.md:1`: skipped: a partial",
            "`docs/index.md:1`: the file name `index` is not a usable id: the document's id is `welcome`",
            "`docs/index.md:3`: dropped `slug`",
        ],
    );
}

#[test]
fn mkdocs_nav_gives_order_types_and_titles_and_admonitions_become_alerts() {
    let (_tmp, dest, report) = imported("mkdocs");
    let aup = read(&dest, "content/policies/acceptable-use.md");
    assert!(aup.starts_with("---\nid: acceptable-use\norder: 20\nowner: IT Manager\napprover: Managing Director\nlast_reviewed: \"2025-03-03\"\nreview_every: yearly\n"), "{aup}");
    assert!(aup.contains("> [!NOTE]\n> **Scope**\n>\n> This policy applies to every employee and contractor.\n>\n> It covers laptops, phones and cloud accounts.\n"), "{aup}");
    assert!(
        aup.contains("> [!WARNING]\n> **Personal devices**\n"),
        "{aup}"
    );
    assert!(
        aup.contains("[access review](../procedures/access-review.md#steps)"),
        "{aup}"
    );
    let review = read(&dest, "content/procedures/access-review.md");
    assert!(
        review.starts_with("---\nid: access-review\norder: 40\ntitle: Access review\n---\n"),
        "{review}"
    );
    let backup = read(&dest, "content/policies/backup.md");
    assert!(!backup.contains("effective"), "{backup}");
    assert!(
        backup.contains("```\n!!! note\n    Inside a code block"),
        "{backup}"
    );
    assert!(dest.join("content/documents/fabrikam-isms.md").is_file());
    assert!(read(&dest, "book.toml").contains("title = \"Fabrikam ISMS\""));
    assert_lines(
        &report,
        &[
            "`docs/extra/glossary.md:1`: not in the nav of mkdocs.yml",
            "`docs/policies/acceptable-use.md:11`: the `!!! note` admonition became a `> [!NOTE]` alert",
            "`docs/policies/acceptable-use.md:18`: the `??? warning` admonition became a `> [!WARNING]` alert (it was collapsible",
            "`docs/policies/acceptable-use.md:5`: `last_reviewed` `March 3, 2025` became `2025-03-03`",
            "`docs/policies/backup.md:4`: dropped `effective: 2025-13-01`",
            "`docs/procedures/access-review.md:1`: the title `Access review` comes from the nav of mkdocs.yml",
            "`mkdocs.yml:11`: the nav's external link `https://status.fabrikam.example/` was left out",
        ],
    );
}

#[test]
fn a_non_empty_dest_is_refused_and_force_keeps_existing_files() {
    let src = fixture("mkdocs");
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("handbook");
    std::fs::create_dir_all(dest.join("content/policies")).unwrap();
    let mine = "---\nid: backup\ntitle: Our own backup policy\n---\nKept.\n";
    std::fs::write(dest.join("content/policies/backup.md"), mine).unwrap();
    std::fs::write(dest.join("IMPORT-REPORT.md"), "an earlier report").unwrap();

    let refused = import(&["mkdocs", src.to_str().unwrap(), "handbook"], tmp.path());
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("is not empty") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(
        !dest.join("book.toml").exists(),
        "nothing is written when refused"
    );

    let forced = import(
        &["mkdocs", src.to_str().unwrap(), "handbook", "--force"],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(forced.status.success(), "{stderr}");
    assert!(stderr.contains("kept existing"), "{stderr}");
    assert_eq!(read(&dest, "content/policies/backup.md"), mine);
    assert_eq!(read(&dest, "IMPORT-REPORT.md"), "an earlier report");
    let report = read(&dest, "IMPORT-REPORT-1.md");
    assert!(
        report.contains("`content/policies/backup.md` already existed in DEST and was kept"),
        "{report}"
    );
    assert!(dest.join("content/policies/acceptable-use.md").is_file());
}

#[test]
fn dest_defaults_next_to_the_current_folder_and_never_inside_src() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("isms-site");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    std::fs::write(src.join("mkdocs.yml"), "site_name: S\n").unwrap();
    std::fs::write(src.join("docs/a.md"), "# A\n").unwrap();
    let out = import(&["mkdocs", "isms-site"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        tmp.path()
            .join("isms-site-policybook/content/documents/a.md")
            .is_file()
    );

    let inside = import(&["mkdocs", ".", "new"], &src);
    assert_eq!(inside.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&inside.stderr).contains("inside the handbook being imported"));
    assert!(!src.join("new").exists());
}

/// A Word document as Word writes the parts policybook reads: a document-control table first,
/// then headings, a list and a paragraph with bold text.
fn word_document(title: &str, date: &str) -> Vec<u8> {
    use std::io::Write as _;
    let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    let cell = |text: &str| format!("<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>");
    let row = |label: &str, value: &str| format!("<w:tr>{}{}</w:tr>", cell(label), cell(value));
    let para = |style: &str, text: &str| {
        format!(
            "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"
        )
    };
    let body = format!(
        "{}<w:tbl>{}{}{}{}</w:tbl>{}<w:p><w:r><w:t xml:space=\"preserve\">Staff </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>must</w:t></w:r><w:r><w:t xml:space=\"preserve\"> lock screens.</w:t></w:r></w:p>{}",
        para("Title", title),
        row("Document ID", "POL-007"),
        row("Version", "1.10"),
        row("Owner", "Security Officer"),
        row("Effective date", date),
        para("Heading1", "Purpose"),
        para("Heading1", "Scope"),
    );
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"{w}\"><w:body>{body}</w:body></w:document>"
    );
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, text) in [
        ("[Content_Types].xml", types.to_string()),
        ("word/document.xml", document),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn word_documents_become_documents_with_their_control_table_as_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("word");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("Clear Desk Policy.docx"),
        word_document("Clear Desk Policy", "03/04/2025"),
    )
    .unwrap();
    std::fs::write(src.join("~$lock.docx"), b"not a zip").unwrap();
    let before = snapshot(&src);
    let out = import(
        &["docx", "word", "out", "--date-order", "month-first"],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(": 0 errors"), "{stderr}");
    assert_eq!(snapshot(&src), before, "SRC must not change");
    let doc = std::fs::read_to_string(tmp.path().join("out/content/policies/clear-desk-policy.md"))
        .unwrap();
    assert!(doc.contains("title: Clear Desk Policy"), "{doc}");
    assert!(doc.contains("version: \"1.10\""), "{doc}");
    assert!(doc.contains("owner: Security Officer"), "{doc}");
    assert!(
        doc.contains("effective: \"2025-03-04\""),
        "month first: {doc}"
    );
    assert!(doc.contains("POL-007"), "the reference is kept: {doc}");
    assert!(
        doc.contains("## Purpose") && doc.contains("**must**"),
        "{doc}"
    );
    let report = std::fs::read_to_string(tmp.path().join("out/IMPORT-REPORT.md")).unwrap();
    assert!(report.contains("Clear Desk Policy.docx"), "{report}");

    // One file as SRC, the default day-first order.
    let file = tmp.path().join("Access Policy.docx");
    std::fs::write(&file, word_document("Access Policy", "03/04/2025")).unwrap();
    let out = import(&["docx", "Access Policy.docx", "one"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc =
        std::fs::read_to_string(tmp.path().join("one/content/policies/access-policy.md")).unwrap();
    assert!(
        doc.contains("effective: \"2025-04-03\""),
        "day first: {doc}"
    );
}

#[test]
fn the_same_source_gives_byte_identical_handbooks() {
    for format in ["comply", "docusaurus", "mkdocs"] {
        let (_a, first, _) = imported(format);
        for _ in 0..3 {
            let (_b, again, _) = imported(format);
            assert_eq!(snapshot(&first), snapshot(&again), "{format}");
        }
    }
}

#[test]
fn files_too_large_or_not_utf8_are_skipped_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("site");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    std::fs::write(src.join("mkdocs.yml"), "site_name: S\n").unwrap();
    std::fs::write(src.join("docs/a.md"), "# A\n").unwrap();
    std::fs::write(src.join("docs/big.md"), vec![b'x'; 10_000_001]).unwrap();
    std::fs::write(src.join("docs/latin1.md"), b"# Caf\xe9\n").unwrap();
    let out = import(&["mkdocs", "site", "out"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = read(&tmp.path().join("out"), "IMPORT-REPORT.md");
    assert_lines(
        &report,
        &[
            "`docs/big.md:1`: skipped: `",
            "is 10 MB, more than the 10 MB a document may hold",
            "`docs/latin1.md:1`: skipped: `",
            "is not UTF-8 text (first bad byte at offset 5)",
        ],
    );
    assert!(!tmp.path().join("out/content/documents/big.md").exists());
    assert!(tmp.path().join("out/content/documents/a.md").is_file());
}
