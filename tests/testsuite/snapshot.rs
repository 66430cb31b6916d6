//! `policybook snapshot` and `policybook verify`: archives of a git revision, reproducible and checkable.

use std::io::{Read, Write};
use std::path::Path;

use crate::support::{Book, doc};

/// A handbook with history: v1 is tagged on the second commit; a third commit and an uncommitted
/// edit come after it.
pub fn repo() -> Book {
    let book = Book::new()
        .file(".gitignore", "/site\n")
        .file("book.toml", "[book]\ntitle = \"Test ISMS\"\n")
        .doc(
            "policies/a-policy.md",
            &doc("a-policy", "A policy", "First version of [b-policy]."),
        )
        .doc(
            "policies/b-policy.md",
            &doc("b-policy", "B policy", "Untouched."),
        );
    book.init_repo("Alice Author", "2026-01-05", "Add the first policies");
    let book = book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "Second version of [b-policy]."),
    );
    book.git(
        "Bob Editor",
        "2026-02-10",
        &["commit", "-q", "-am", "Tighten the A policy"],
    );
    book.git("Bob Editor", "2026-02-10", &["tag", "v1"]);
    let book = book.doc(
        "policies/b-policy.md",
        &doc("b-policy", "B policy", "Changed after v1."),
    );
    book.git(
        "Carol Direct",
        "2026-03-01",
        &["commit", "-q", "-am", "Change B after the release"],
    );
    book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "Uncommitted edit."),
    )
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file of a `.tar.gz`, by path.
fn untar(archive: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(archive).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_dir() {
            continue;
        }
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.push((path, bytes));
    }
    files
}

fn unpack(archive: &Path, into: &Path) {
    let file = std::fs::File::open(archive).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(into)
        .unwrap();
}

fn without_banner(page: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(page).into_owned();
    let Some(start) = text.find("<div class=\"banner snapshot-banner\"") else {
        return page.to_vec();
    };
    let end = start + text[start..].find("</div>").unwrap() + "</div>".len();
    format!("{}{}", &text[..start], &text[end..]).into_bytes()
}

#[test]
fn a_snapshot_of_a_tag_equals_a_build_of_that_checkout_apart_from_the_banner() {
    let book = repo();
    let status_before = book.git("X", "2026-03-02", &["status", "--porcelain"]);
    let index_before = std::fs::read(book.path().join(".git/index")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("snap.tar.gz");
    let run = book.cli(&[
        "snapshot",
        "--ref",
        "v1",
        "--out",
        archive.to_str().unwrap(),
        "--no-pdf",
        "--today",
        "2026-11-22",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stderr(&run).contains("snapshot of v1"), "{}", stderr(&run));
    assert_eq!(
        book.git("X", "2026-03-02", &["status", "--porcelain"]),
        status_before,
        "the working tree is untouched"
    );
    assert_eq!(
        std::fs::read(book.path().join(".git/index")).unwrap(),
        index_before,
        "the index is untouched"
    );
    assert!(
        std::fs::read_to_string(book.path().join("content/policies/a-policy.md"))
            .unwrap()
            .contains("Uncommitted edit."),
        "the uncommitted edit is still there"
    );

    // The same revision, checked out in a clone and built normally.
    let clone = Book::new();
    let url = format!("file://{}", book.path().display());
    clone.git("X", "2026-03-02", &["clone", "-q", &url, "checkout"]);
    let checkout = clone.path().join("checkout");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(&checkout)
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    git(&["checkout", "-q", "v1"]);
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
        .args(["build", ".", "--today", "2026-11-22"])
        .current_dir(&checkout)
        .output()
        .unwrap();
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let site = crate::support::snapshot(&checkout.join("site"));

    let files = untar(&archive);
    let top = "test-isms-v1/";
    assert!(
        files.iter().all(|(p, _)| p.starts_with(top)),
        "one top folder"
    );
    let mut snapshot: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (p[top.len()..].to_string(), b.clone()))
        .filter(|(p, _)| p != "MANIFEST.json")
        .collect();
    snapshot.sort();
    let site: Vec<(String, Vec<u8>)> = site
        .into_iter()
        .filter(|(p, _)| p != ".policybook-site")
        .collect();
    let paths = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&snapshot), paths(&site));
    for ((path, snap), (_, built)) in snapshot.iter().zip(&site) {
        if path.ends_with(".html") {
            let text = String::from_utf8_lossy(snap);
            assert_eq!(
                text.matches("snapshot-banner").count(),
                1,
                "{path} has one banner"
            );
            assert!(
                text.contains("Snapshot — not the live handbook.")
                    && text.contains("Test ISMS as of v1 (commit")
                    && text.contains("committed 2026-02-10"),
                "{path}: {text}"
            );
        }
        assert!(
            without_banner(snap) == *built,
            "{path} differs from the checkout's build:\n{}\n---\n{}",
            String::from_utf8_lossy(snap),
            String::from_utf8_lossy(built)
        );
    }
    let a = String::from_utf8_lossy(&snapshot.iter().find(|f| f.0 == "a-policy.html").unwrap().1)
        .into_owned();
    assert!(a.contains("Second version"), "the tagged text");
    assert!(a.contains("Tighten the A policy"), "history up to the tag");
    let b = String::from_utf8_lossy(&snapshot.iter().find(|f| f.0 == "b-policy.html").unwrap().1)
        .into_owned();
    assert!(
        !b.contains("Change B after the release"),
        "no history after the tag"
    );

    let manifest: serde_json::Value = serde_json::from_slice(
        &files
            .iter()
            .find(|f| f.0 == format!("{top}MANIFEST.json"))
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(manifest["revision"]["tags"][0], "v1");
    assert_eq!(manifest["revision"]["date"], "2026-02-10T12:00:00Z");
    let documents = manifest["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["id"], "a-policy");
    assert_eq!(documents[0]["path"], "content/policies/a-policy.md");
    let source = book.git(
        "X",
        "2026-03-02",
        &["show", "v1:content/policies/a-policy.md"],
    );
    assert_eq!(
        documents[0]["sha256"],
        policybook::commands::snapshot::sha256(source.as_bytes()),
        "the source's hash at the revision"
    );
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"print.html") && listed.contains(&"index.html"));
    assert!(!listed.contains(&"MANIFEST.json"));
    assert!(
        manifest["notes"][0].as_str().unwrap().contains("--no-pdf"),
        "{manifest}"
    );
}

#[test]
fn two_snapshots_of_the_same_revision_are_byte_identical() {
    let book = repo();
    let out = tempfile::tempdir().unwrap();
    let head = book.git("X", "2026-03-02", &["rev-parse", "HEAD"]);
    for name in ["one", "two"] {
        for ext in ["zip", "tar.gz"] {
            let path = out.path().join(format!("{name}.{ext}"));
            // Name the same revision differently each time: by default (HEAD), then by commit id.
            let rev = if name == "one" { "HEAD" } else { head.trim() };
            let run = book.cli(&[
                "snapshot",
                "--ref",
                rev,
                "--no-pdf",
                "--out",
                path.to_str().unwrap(),
            ]);
            assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        }
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    for ext in ["zip", "tar.gz"] {
        let one = std::fs::read(out.path().join(format!("one.{ext}"))).unwrap();
        let two = std::fs::read(out.path().join(format!("two.{ext}"))).unwrap();
        assert!(one == two, "{ext} archives differ");
    }
    // Timestamps are the commit date, permissions fixed.
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(out.path().join("one.zip")).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted entries");
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        let t = entry.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day(), t.hour()),
            (2026, 3, 1, 12),
            "{}",
            entry.name()
        );
        let mode = entry.unix_mode().unwrap() & 0o777;
        assert_eq!(mode, if entry.is_dir() { 0o755 } else { 0o644 });
    }

    // Without --out: `<title>-<tag or commit>.zip` in the current folder.
    let run = book.cli(&["snapshot", "--ref", "v1", "--no-pdf"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(book.path().join("test-isms-v1.zip").is_file());
    let again = book.cli(&["snapshot", "--ref", "v1", "--no-pdf"]);
    assert_eq!(again.status.code(), Some(2), "an existing file is kept");
    assert!(stderr(&again).contains("already exists") && stderr(&again).contains("--force"));
}

#[test]
fn verify_passes_and_names_the_file_changed_by_one_byte() {
    let book = repo();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("snap.tar.gz");
    let run = book.cli(&[
        "snapshot",
        "--ref",
        "v1",
        "--no-pdf",
        "--out",
        archive.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let verify = |target: &Path, repo: bool| {
        let mut args = vec!["verify", target.to_str().unwrap()];
        if repo {
            args.extend(["--repo", "."]);
        }
        book.cli(&args)
    };
    let ok = verify(&archive, false);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(
        stderr(&ok).contains("files match MANIFEST.json"),
        "{}",
        stderr(&ok)
    );
    let ok = verify(&archive, true);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

    // One byte changed inside the archive (in a-policy.html, the first file with this text).
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&archive).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    let at = raw
        .windows(b"Second version".len())
        .position(|w| w == b"Second version")
        .unwrap();
    raw[at] = b'Z';
    let tampered = out.path().join("tampered.tar.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tampered).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&raw).unwrap();
    gz.finish().unwrap();
    let bad = verify(&tampered, false);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("a-policy.html: its SHA-256 does not match MANIFEST.json"),
        "{}",
        stderr(&bad)
    );
    assert!(
        !stderr(&bad).contains("print.html"),
        "only the changed file"
    );

    // The unpacked folder verifies too; a changed byte and an added file are named.
    let folder = out.path().join("unpacked");
    unpack(&archive, &folder);
    let ok = verify(&folder, false);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let page = folder.join("test-isms-v1/b-policy.html");
    let mut bytes = std::fs::read(&page).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&page, bytes).unwrap();
    std::fs::write(folder.join("test-isms-v1/extra.html"), "x").unwrap();
    let bad = verify(&folder, false);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("b-policy.html: its SHA-256"),
        "{}",
        stderr(&bad)
    );
    assert!(
        stderr(&bad).contains("extra.html: not listed"),
        "{}",
        stderr(&bad)
    );

    // A forger who also rewrites the manifest passes the self-check, but not the repository check.
    let folder = out.path().join("forged");
    unpack(&archive, &folder);
    let top = folder.join("test-isms-v1");
    let page = top.join("a-policy.html");
    let forged = std::fs::read_to_string(&page)
        .unwrap()
        .replace("Second version", "Forged version");
    std::fs::write(&page, &forged).unwrap();
    let manifest_path = top.join("MANIFEST.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for f in manifest["files"].as_array_mut().unwrap() {
        if f["path"] == "a-policy.html" {
            f["sha256"] = policybook::commands::snapshot::sha256(forged.as_bytes()).into();
            f["size"] = forged.len().into();
        }
    }
    std::fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    let ok = verify(&folder, false);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let bad = verify(&folder, true);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("a-policy.html: differs from a rebuild of commit"),
        "{}",
        stderr(&bad)
    );

    // A tag moved to another commit is reported.
    book.git("X", "2026-03-02", &["tag", "-f", "v1", "HEAD"]);
    let bad = verify(&archive, true);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("tag `v1` now points at commit"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn unknown_revisions_and_handbooks_outside_git_are_clear_errors() {
    let plain = Book::new().doc("policies/a-policy.md", &doc("a-policy", "A", "x"));
    let run = plain.cli(&["snapshot", "--no-pdf"]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(err.contains("is not in a git repository"), "{err}");
    assert!(err.contains("git init"), "suggests a fix: {err}");

    let book = repo();
    let run = book.cli(&["snapshot", "--ref", "v2", "--no-pdf"]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(
        err.contains("unknown revision `v2`: no commit, branch or tag of that name"),
        "{err}"
    );
    assert!(err.contains("did you mean the tag `v1`?"), "{err}");
    let run = book.cli(&["snapshot", "--out", "x.rar"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("`….zip` or `….tar.gz`"));

    let empty = Book::new().doc("policies/a-policy.md", &doc("a-policy", "A", "x"));
    empty.git("X", "2026-01-01", &["init", "-q"]);
    let run = empty.cli(&["snapshot", "--no-pdf"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("has no commits yet"),
        "{}",
        stderr(&run)
    );

    let run = book.cli(&["verify", "content/policies/a-policy.md"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("neither a .zip nor a .tar.gz"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn with_chromium_the_snapshot_includes_the_printed_handbook() {
    let on_path = std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p)
            .any(|d| d.join("chromium").is_file() || d.join("chromium-browser").is_file())
    });
    let book = repo();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("snap.tar.gz");
    let run = book.cli(&[
        "snapshot",
        "--ref",
        "v1",
        "--out",
        archive.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let files = untar(&archive);
    let pdf = files.iter().find(|f| f.0 == "test-isms-v1/handbook.pdf");
    let manifest = &files
        .iter()
        .find(|f| f.0.ends_with("MANIFEST.json"))
        .unwrap()
        .1;
    let manifest = String::from_utf8_lossy(manifest);
    if on_path {
        let pdf = pdf.expect("handbook.pdf");
        assert!(pdf.1.starts_with(b"%PDF"));
        assert!(
            manifest.contains("printed from print.html by"),
            "{manifest}"
        );
        let ok = book.cli(&["verify", archive.to_str().unwrap(), "--repo", "."]);
        assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    } else {
        assert!(pdf.is_none());
        assert!(
            manifest.contains("`chromium` is not on the PATH"),
            "{manifest}"
        );
        assert!(stderr(&run).contains("note: handbook.pdf was not printed"));
    }
}

#[test]
fn the_printed_handbook_links_within_itself_and_two_prints_of_a_tag_are_byte_identical() {
    if !Path::new("/usr/bin/chromium").is_file() {
        eprintln!("skipped: /usr/bin/chromium is not installed (CI installs it)");
        return;
    }
    let book = Book::new()
        .file("book.toml", "[book]\ntitle = \"Print ISMS\"\n")
        .file("content/files/form.txt", "A form.\n")
        .doc(
            "policies/a-policy.md",
            "---\nid: a-policy\ntitle: A policy\nversion: \"1.2\"\nclassification: internal\n---\n\n## Scope\n\nSee [b-policy], [its rules](b-policy.md#rules) and [the form](../files/form.txt).\n",
        )
        .doc(
            "policies/b-policy.md",
            "---\nid: b-policy\ntitle: B policy\nstatus: draft\n---\n\n## Rules\n\nBack to [a-policy].\n",
        );
    book.init_repo("Alice Author", "2026-01-05", "Add the policies");
    book.git("Alice Author", "2026-01-05", &["tag", "v1"]);
    let out = tempfile::tempdir().unwrap();
    let mut pdfs = Vec::new();
    for name in ["one", "two"] {
        let archive = out.path().join(format!("{name}.tar.gz"));
        let run = book.cli(&[
            "snapshot",
            "--ref",
            "v1",
            "--out",
            archive.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        pdfs.push(std::fs::read(&archive).unwrap());
    }
    assert!(pdfs[0] == pdfs[1], "two snapshots of v1 differ");

    let files = untar(&out.path().join("one.tar.gz"));
    let pdf = &files
        .iter()
        .find(|f| f.0.ends_with("/handbook.pdf"))
        .expect("handbook.pdf")
        .1;
    let text = String::from_utf8_lossy(pdf);
    let uris: Vec<&str> = text
        .split("/URI (")
        .skip(1)
        .map(|s| s.split(')').next().unwrap())
        .collect();
    // The form stays a link, relative to the PDF (beside `files/` in the archive); the documents
    // link to each other inside the PDF.
    assert_eq!(uris.len(), 1, "{uris:?}");
    assert!(uris[0].starts_with("./") || uris[0].starts_with("a/../"));
    assert!(uris[0].ends_with("/files/form.txt"), "{}", uris[0]);
    assert!(
        !text.contains("policybook-snapshot-"),
        "the temporary folder is named"
    );
    for anchor in ["/doc-b-policy", "/doc-b-policy--rules", "/doc-a-policy"] {
        assert!(
            text.contains(&format!("/Dest {anchor}\n")),
            "no link to {anchor}"
        );
    }
    if let Ok(run) = std::process::Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(pdf)?;
            child.wait_with_output()
        })
    {
        let text = String::from_utf8_lossy(&run.stdout);
        for expected in [
            "Print ISMS",
            "Uncontrolled when printed · Classification: INTERNAL",
            "Page 1 of ",
            "a-policy · Version 1.2 · Internal",
            "Draft: this document is not approved yet",
        ] {
            assert!(text.contains(expected), "{expected:?} not in\n{text}");
        }
    }
}
