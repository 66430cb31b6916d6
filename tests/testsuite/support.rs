//! A fixture handbook in a temporary folder, built through the library or the real binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use policybook::commands::{Built, Options, build};
use policybook::diagnostics::{Severity, resolve};

pub struct Book {
    dir: tempfile::TempDir,
}

/// A diagnostic resolved to file and line, for assertions.
#[derive(Debug)]
#[allow(dead_code)]
pub struct Problem {
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub help: String,
}

impl Book {
    /// A handbook whose documents need no document control: most tests are about something else
    /// (links, diagrams, history), so no type is controlled. A test that writes its own
    /// `book.toml` replaces this one.
    pub fn new() -> Book {
        Book::with_defaults().file(
            "book.toml",
            "[isms]\n# The fixture is about something else than document control.\ncontrolled-types = []\n",
        )
    }

    /// A handbook with the default configuration (no `book.toml`): policies, procedures and
    /// standards are controlled documents.
    pub fn with_defaults() -> Book {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("content")).expect("content dir");
        Book { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file, relative to the handbook root.
    pub fn file(self, rel: &str, text: impl AsRef<[u8]>) -> Book {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// Write a document under `content/`.
    pub fn doc(self, rel: &str, text: &str) -> Book {
        self.file(&format!("content/{rel}"), text)
    }

    pub fn build(&self) -> Built {
        self.run(true, None)
    }

    pub fn build_into(&self, out: &Path) -> Built {
        self.run(true, Some(out.to_path_buf()))
    }

    pub fn check(&self) -> Built {
        self.run(false, None)
    }

    fn run(&self, write: bool, out: Option<PathBuf>) -> Built {
        build(&Options {
            root: self.path().to_path_buf(),
            out,
            write,
            strict: false,
            verbose: false,
            today: Some("2026-11-22".parse().unwrap()),
            history_at: None,
            snapshot: None,
        })
        .unwrap_or_else(|fatal| panic!("fatal error: {fatal}"))
    }

    /// A file of the built site.
    pub fn site(&self, rel: &str) -> String {
        let path = self.path().join("site").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Run git in the handbook folder as `who`, at a fixed date, so commits are reproducible.
    pub fn git(&self, who: &str, date: &str, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", who)
            .env("GIT_AUTHOR_EMAIL", "someone@example.org")
            .env("GIT_COMMITTER_NAME", who)
            .env("GIT_COMMITTER_EMAIL", "someone@example.org")
            .env("GIT_AUTHOR_DATE", format!("{date}T12:00:00Z"))
            .env("GIT_COMMITTER_DATE", format!("{date}T12:00:00Z"))
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Make the handbook a git repository (branch `main`) whose first commit holds every file.
    pub fn init_repo(&self, who: &str, date: &str, message: &str) {
        self.git(who, date, &["init", "-q", "-b", "main"]);
        self.commit_all(who, date, message);
    }

    /// Commit every change, new files included, as `who` on `date`.
    pub fn commit_all(&self, who: &str, date: &str, message: &str) {
        self.git(who, date, &["add", "."]);
        self.git(who, date, &["commit", "-q", "-m", message]);
    }

    /// Run the real binary in the handbook folder.
    pub fn cli(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run policybook")
    }
}

pub fn problems(built: &Built) -> Vec<Problem> {
    built
        .report
        .diagnostics
        .iter()
        .map(|d| {
            let r = resolve(&built.sources, d);
            Problem {
                severity: r.severity,
                code: r.code.to_string(),
                message: r.message.to_string(),
                file: r.file.unwrap_or_default(),
                line: r.line.unwrap_or(0),
                column: r.column.unwrap_or(0),
                help: r.help.unwrap_or_default().to_string(),
            }
        })
        .collect()
}

/// The only problem of a build; fails the test if there is not exactly one.
pub fn single_problem(built: &Built) -> Problem {
    let mut all = problems(built);
    assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
    all.remove(0)
}

pub fn doc(id: &str, title: &str, body: &str) -> String {
    format!("---\nid: {id}\ntitle: {title}\n---\n\n{body}\n")
}

/// Every file under `dir`, relative, sorted, with contents.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Nine levels of nine YAML aliases: a few hundred bytes standing for 9^10 values.
pub fn alias_bomb() -> String {
    let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n".to_string();
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text
}
