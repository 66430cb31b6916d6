//! Revision history from git: one `git log` over the content folder gives every document its
//! revisions (date, author, commit, subject) and the approval evidence of merged pull requests.
//!
//! The history is read along the first parent, so a pull request merged into the main branch is one
//! revision and whoever merged it is its approver; `Reviewed-by:` and `Approved-by:` trailers (squash
//! merges, or commits made on the main branch) are approvals too. One process for the whole handbook,
//! however many documents it has. Output depends only on the commits, so a commit always builds the
//! same site.

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

/// Read the history of every file under `content_dir`.
pub fn read(content_dir: &Path) -> Outcome {
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
    log(&top, "HEAD", &prefix)
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
/// same history a build of that checkout reads.
pub fn read_at(at: &At, content: &str) -> Outcome {
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
    log(&at.repo, &at.rev, &prefix)
}

/// One `git log` of `rev` over `prefix` (relative to the repository's top folder `top`).
fn log(top: &Path, rev: &str, prefix: &str) -> Outcome {
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
        "--name-only",
        "--no-renames",
        "-z",
        format,
        rev,
        "--",
        &pathspec,
    ];
    match git(top, &args) {
        Ok(out) => Outcome::Read(parse(&String::from_utf8_lossy(&out), prefix)),
        Err(e) => Outcome::Failed(e),
    }
}

/// Parse the `git log` output above; paths are made relative to `prefix` (the content folder).
fn parse(log: &str, prefix: &str) -> History {
    let mut history = History::default();
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
        };
        for name in names
            .split('\0')
            .map(|n| n.trim_start_matches('\n'))
            .filter(|n| !n.is_empty())
        {
            let rel = if prefix.is_empty() {
                Some(name)
            } else {
                name.strip_prefix(prefix).and_then(|n| n.strip_prefix('/'))
            };
            if let Some(rel) = rel {
                history
                    .by_path
                    .entry(rel.to_string())
                    .or_default()
                    .push(revision.clone());
            }
        }
    }
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_merges_trailers_and_paths() {
        let log = "\x1eaaa\0aa\x002026-11-22\0Mia\0Mia\0p1 p2\0Merge pull request #7\0\0\0\ncontent/p/a.md\0content/p/b.md\0other/x.md\0\
                   \x1ebbb\0bb\x002026-11-20\0Al\0Al\0p0\0first\0Rita <r@x>\x1fSam\0\0\ncontent/p/a.md\0";
        let h = parse(log, "content");
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
}
