//! Revision history from git: one `git log` over the content folder gives every document its
//! revisions (date, author, commit, subject) and the approval evidence of merged pull requests.
//!
//! The history is read along the first parent, so a pull request merged into the main branch is one
//! revision and whoever merged it is its approver; `Reviewed-by:` and `Approved-by:` trailers (squash
//! merges, or commits made on the main branch) are approvals too. One process for the whole handbook,
//! however many documents it has. Output depends only on the commits, so a commit always builds the
//! same site.
//!
//! Each revision also shows the document's `version` as of that commit: `--raw` gives the blob each
//! commit left, and one `git cat-file --batch` reads those blobs' frontmatter (each blob once). The
//! newest revision of a file unchanged since is the file as loaded, whose version the caller passes
//! in ([`Current`]): a handbook read blobs only for older revisions and files edited since.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub commit: String,
    pub short: String,
    /// Author date, `YYYY-MM-DD`.
    pub date: String,
    pub author: String,
    pub subject: String,
    /// Who approved: the committer of a merge commit, then `Reviewed-by`/`Approved-by` trailers.
    pub approvals: Vec<String>,
    /// The document's frontmatter `version` as of this commit.
    pub version: Option<String>,
}

/// What the handbook's git history says, if it is in a repository.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct History {
    /// Content-relative path (`policies/a.md`) → revisions, newest first.
    pub by_path: BTreeMap<String, Vec<Revision>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not a git repository (or git is not installed): history is simply left out.
    NotInGit,
    /// A shallow clone would date every document to the clone's last commit: history is left out.
    Shallow,
    Read(History),
    Failed(String),
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Each document's `version` as loaded, by content-relative path.
pub type Current = BTreeMap<String, Option<String>>;

/// The `version` frontmatter field as pages show it (a YAML number as written by serde).
pub fn version_field(fields: &crate::load::frontmatter::Fields) -> Option<String> {
    match fields.get("version")? {
        serde_json::Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Read the history of every file under `content_dir`; `current` holds the versions as loaded from
/// the working tree.
pub fn read(content_dir: &Path, current: &Current) -> Outcome {
    let Ok(top) = git(content_dir, &["rev-parse", "--show-toplevel"]) else {
        return Outcome::NotInGit;
    };
    if git(content_dir, &["rev-parse", "--verify", "-q", "HEAD"]).is_err() {
        return Outcome::NotInGit; // a repository without commits yet
    }
    match git(content_dir, &["rev-parse", "--is-shallow-repository"]) {
        Ok(out) if out.trim_ascii() == b"true" => return Outcome::Shallow,
        Ok(_) => {}
        Err(e) => return Outcome::Failed(e),
    }
    let top = String::from_utf8_lossy(&top).trim().to_string();
    let content = match content_dir.canonicalize() {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let top = Path::new(&top)
        .canonicalize()
        .unwrap_or_else(|_| top.into());
    let prefix = content
        .strip_prefix(&top)
        .map(crate::load::relative_slash_path)
        .unwrap_or_default();
    // Files edited since HEAD: their newest revision is not the file as loaded.
    let pathspec = if prefix.is_empty() {
        "."
    } else {
        prefix.as_str()
    };
    let edited = match git(
        &top,
        &[
            "-c",
            "core.quotePath=false",
            "diff",
            "--no-ext-diff",
            "--no-renames",
            "--name-only",
            "-z",
            "HEAD",
            "--",
            pathspec,
        ],
    ) {
        Ok(out) => relative_names(&String::from_utf8_lossy(&out), &prefix),
        Err(e) => return Outcome::Failed(e),
    };
    log(&top, "HEAD", &prefix, current, &edited)
}

/// `\0`-separated repository paths under `prefix`, made relative to it.
fn relative_names(names: &str, prefix: &str) -> std::collections::BTreeSet<String> {
    names
        .split('\0')
        .filter(|n| !n.is_empty())
        .filter_map(|name| relative(name, prefix))
        .map(str::to_string)
        .collect()
}

fn relative<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        Some(name)
    } else {
        name.strip_prefix(prefix).and_then(|n| n.strip_prefix('/'))
    }
}

/// Where to read the history from when the handbook being built is not the repository's working tree
/// (a revision extracted into a temporary folder by `policybook snapshot`).
#[derive(Clone, Debug)]
pub struct At {
    /// The repository's top-level folder.
    pub repo: std::path::PathBuf,
    /// The commit whose history to read.
    pub rev: String,
    /// The handbook folder relative to `repo` (`/`-separated, empty at the top).
    pub root: String,
}

/// The history of the content folder `content` (relative to the handbook root) as of `at.rev`: the
/// same history a build of that checkout reads. `current` holds the versions as loaded from that
/// revision.
pub fn read_at(at: &At, content: &str, current: &Current) -> Outcome {
    match git(&at.repo, &["rev-parse", "--is-shallow-repository"]) {
        Ok(out) if out.trim_ascii() == b"true" => return Outcome::Shallow,
        Ok(_) => {}
        Err(e) => return Outcome::Failed(e),
    }
    let prefix = [at.root.as_str(), content.trim_matches('/')]
        .into_iter()
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/");
    log(&at.repo, &at.rev, &prefix, current, &Default::default())
}

/// One `git log` of `rev` over `prefix` (relative to the repository's top folder `top`); versions
/// from `current` for the newest revision of files not `edited` since, from the blobs otherwise.
fn log(
    top: &Path,
    rev: &str,
    prefix: &str,
    current: &Current,
    edited: &std::collections::BTreeSet<String>,
) -> Outcome {
    let pathspec = if prefix.is_empty() {
        ".".to_string()
    } else {
        prefix.to_string()
    };
    let format = "--format=%x1e%H%x00%h%x00%as%x00%an%x00%cn%x00%P%x00%s%x00%(trailers:key=Reviewed-by,key=Approved-by,valueonly,separator=%x1f)%x00";
    let args = [
        "-c",
        "core.quotePath=false",
        "log",
        "--first-parent",
        "-m",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "-z",
        format,
        rev,
        "--",
        &pathspec,
    ];
    let (mut history, mut blobs) = match git(top, &args) {
        Ok(out) => parse(&String::from_utf8_lossy(&out), prefix),
        Err(e) => return Outcome::Failed(e),
    };
    blobs.retain(|(path, at, _)| {
        let Some(version) = current
            .get(path)
            .filter(|_| *at == 0 && !edited.contains(path))
        else {
            return true;
        };
        if let Some(newest) = history.by_path.get_mut(path).and_then(|r| r.first_mut()) {
            newest.version = version.clone();
        }
        false
    });
    // Should the blobs not be readable, the revisions keep their dates and authors, without versions.
    if let Ok(versions) = versions(top, &blobs) {
        for (path, at, blob) in &blobs {
            if let Some(revision) = history.by_path.get_mut(path).and_then(|r| r.get_mut(*at)) {
                revision.version = versions.get(blob.as_str()).cloned().flatten();
            }
        }
    }
    Outcome::Read(history)
}

/// Where a Markdown file's revision left it: (content-relative path, index in its revisions, blob).
type Blob = (String, usize, String);

/// The frontmatter `version` of each blob, read with one `git cat-file --batch`.
fn versions<'a>(
    top: &Path,
    blobs: &'a [Blob],
) -> Result<std::collections::HashMap<&'a str, Option<String>>, String> {
    use std::io::{BufRead, Read, Write};
    let mut wanted: Vec<&str> = blobs.iter().map(|(_, _, b)| b.as_str()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut found = std::collections::HashMap::with_capacity(wanted.len());
    if wanted.is_empty() {
        return Ok(found);
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file has no input")?;
    let mut stdout =
        std::io::BufReader::new(child.stdout.take().ok_or("git cat-file has no output")?);
    let ids: String = wanted.iter().flat_map(|id| [*id, "\n"]).collect();
    // Written from another thread, so neither side waits for the other's pipe to drain.
    let writer = std::thread::spawn(move || stdin.write_all(ids.as_bytes()));
    let mut header = String::new();
    let mut content = Vec::new();
    for id in &wanted {
        header.clear();
        stdout
            .read_line(&mut header)
            .map_err(|e| format!("cannot read git cat-file: {e}"))?;
        // `<id> blob <size>`, or `<id> missing`.
        let size = match header.split_whitespace().collect::<Vec<_>>()[..] {
            [_, "blob", size] => size.parse::<u64>().map_err(|e| e.to_string())?,
            [_, _, size] => {
                // Not a blob (a submodule): skip its content.
                let size = size.parse::<u64>().map_err(|e| e.to_string())?;
                std::io::copy(&mut (&mut stdout).take(size + 1), &mut std::io::sink())
                    .map_err(|e| e.to_string())?;
                found.insert(*id, None);
                continue;
            }
            _ => {
                found.insert(*id, None);
                continue;
            }
        };
        content.clear();
        (&mut stdout)
            .take(size + 1) // the content and a newline
            .read_to_end(&mut content)
            .map_err(|e| format!("cannot read git cat-file: {e}"))?;
        content.truncate(size as usize);
        found.insert(*id, frontmatter_version(&content));
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(found)
}

/// The `version` of a Markdown file's frontmatter, as the document pages show it.
fn frontmatter_version(file: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(file).ok()?;
    version_field(&crate::load::frontmatter::split(text).ok()?.fields)
}

/// Parse the `git log` output above; paths are made relative to `prefix` (the content folder). Also
/// returns the blob each revision of a Markdown file left, for [`versions`].
fn parse(log: &str, prefix: &str) -> (History, Vec<Blob>) {
    let mut history = History::default();
    let mut blobs = Vec::new();
    for record in log.split('\x1e').filter(|r| !r.is_empty()) {
        let mut fields = record.splitn(9, '\0');
        let mut next = || fields.next().unwrap_or("").to_string();
        let (commit, short, date, author, committer, parents, subject, trailers) = (
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
        );
        let names = next();
        let mut approvals = Vec::new();
        if parents.split_whitespace().count() > 1 {
            approvals.push(committer);
        }
        approvals.extend(
            trailers
                .split('\x1f')
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .map(|t| t.split(" <").next().unwrap_or(t).to_string()),
        );
        approvals.dedup();
        let revision = Revision {
            commit,
            short,
            date,
            author,
            subject,
            approvals,
            version: None,
        };
        // `--raw -z`: `:<mode> <mode> <old blob> <new blob> <status>`, then the path.
        let mut tokens = names
            .split('\0')
            .map(|n| n.trim_start_matches('\n'))
            .filter(|n| !n.is_empty());
        while let Some(token) = tokens.next() {
            let (blob, name) = match token.strip_prefix(':') {
                Some(raw) => match tokens.next() {
                    Some(name) => (raw.split(' ').nth(3).unwrap_or(""), name),
                    None => break,
                },
                None => ("", token), // a bare name (`--name-only`)
            };
            if let Some(rel) = relative(name, prefix) {
                let revisions = history.by_path.entry(rel.to_string()).or_default();
                let deleted = blob.bytes().all(|b| b == b'0');
                if rel.ends_with(".md") && !deleted {
                    blobs.push((rel.to_string(), revisions.len(), blob.to_string()));
                }
                revisions.push(revision.clone());
            }
        }
    }
    (history, blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_merges_trailers_and_paths() {
        let log = "\x1eaaa\0aa\x002026-11-22\0Mia\0Mia\0p1 p2\0Merge pull request #7\0\0\0\ncontent/p/a.md\0content/p/b.md\0other/x.md\0\
                   \x1ebbb\0bb\x002026-11-20\0Al\0Al\0p0\0first\0Rita <r@x>\x1fSam\0\0\ncontent/p/a.md\0";
        let (h, blobs) = parse(log, "content");
        assert!(blobs.is_empty(), "names only: no blobs");
        let a = &h.by_path["p/a.md"];
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].approvals, vec!["Mia"], "merge committer approves");
        assert_eq!(a[0].subject, "Merge pull request #7");
        assert_eq!(
            a[1].approvals,
            vec!["Rita", "Sam"],
            "trailers, without e-mail"
        );
        assert_eq!(a[1].date, "2026-11-20");
        assert_eq!(h.by_path["p/b.md"].len(), 1);
        assert!(
            !h.by_path.contains_key("x.md"),
            "outside the content folder"
        );
    }

    #[test]
    fn raw_entries_give_each_revision_its_blob() {
        let log = "\x1eaaa\0aa\x002026-11-22\0Mia\0Mia\0p1\0Edit\0\0\n:100644 100644 1111 2222 M\0content/p/a.md\0:100644 000000 3333 0000 D\0content/p/gone.md\0:000000 100644 0000 4444 A\0content/soa.yaml\0\
                   \x1ebbb\0bb\x002026-11-20\0Al\0Al\0p0\0First\0\0\n:000000 100644 0000 1111 A\0content/p/a.md\0";
        let (h, blobs) = parse(log, "content");
        assert_eq!(h.by_path["p/a.md"].len(), 2);
        assert_eq!(h.by_path["p/gone.md"].len(), 1, "a deletion is a revision");
        assert_eq!(
            blobs,
            [
                ("p/a.md".to_string(), 0, "2222".to_string()),
                ("p/a.md".to_string(), 1, "1111".to_string()),
            ],
            "Markdown files that exist after the commit"
        );
    }

    #[test]
    fn versions_from_frontmatter() {
        assert_eq!(
            frontmatter_version(b"---\nid: a\nversion: \"2.10\"\n---\n\nText.\n").as_deref(),
            Some("2.10")
        );
        assert_eq!(frontmatter_version(b"# No frontmatter\n"), None);
        assert_eq!(
            frontmatter_version(b"---\nversion: [\n---\n"),
            None,
            "broken YAML"
        );
    }
}
