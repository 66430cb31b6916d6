//! The handbook's git repository, through the user's own `git` command: resolving revisions, reading a
//! revision's files, tags and commit dates.
//!
//! A revision is read with `git archive` into a temporary folder: that reads the object store only, so
//! the working tree, the index and the checked-out branch are never touched, whatever state they are in.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::diagnostics::{Fatal, did_you_mean};

/// A git repository holding a handbook.
#[derive(Clone, Debug)]
pub struct Repo {
    /// The repository's top-level folder, canonical.
    pub top: PathBuf,
    /// The handbook folder relative to `top`, `/`-separated; empty when the handbook is the top.
    pub prefix: String,
}

/// A resolved revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The full commit id.
    pub id: String,
    pub short: String,
    /// The committer date in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    /// Seconds since 1970 of `date`.
    pub timestamp: i64,
    /// Tags pointing at the commit, sorted.
    pub tags: Vec<String>,
    pub subject: String,
}

impl Commit {
    /// `YYYY-MM-DD` of the commit date.
    pub fn day(&self) -> &str {
        &self.date[..10.min(self.date.len())]
    }

    /// The calendar date of the commit (UTC).
    pub fn civil_date(&self) -> jiff::civil::Date {
        jiff::Timestamp::from_second(self.timestamp)
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
            .unwrap_or_default()
    }

    /// The first tag, else the short commit id: how people name this revision.
    pub fn label(&self) -> &str {
        self.tags.first().map_or(&self.short, String::as_str)
    }
}

/// What the snapshot banner on every page of a snapshot says: which revision this is.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SnapshotInfo {
    /// The handbook's title.
    pub title: String,
    /// Tags pointing at the commit, joined with ", " (empty when there are none).
    pub tag: String,
    pub commit: String,
    pub short: String,
    /// The commit date, `YYYY-MM-DD`.
    pub date: String,
}

fn command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    command
}

/// Run git in `dir`; `Err` holds git's message (or why git could not run).
pub fn run(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = command(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

impl Repo {
    /// The repository the handbook folder `root` is in.
    pub fn discover(root: &Path) -> Result<Repo, Fatal> {
        if !root.is_dir() {
            return Err(Fatal::new(format!(
                "handbook folder `{}` does not exist",
                root.display()
            ))
            .help("pass the folder that holds book.toml and content/"));
        }
        let top = match run(root, &["rev-parse", "--show-toplevel"]) {
            Ok(top) => top.trim().to_string(),
            Err(e) if e.starts_with("cannot run git") => {
                return Err(Fatal::new(e).help(
                    "install git: this command reads the handbook's history with the `git` command",
                ));
            }
            Err(_) => {
                return Err(Fatal::new(format!(
                    "the handbook `{}` is not in a git repository",
                    root.display()
                ))
                .help("this command reads the handbook as of a git revision: put the handbook under version control (`git init`, `git add .`, `git commit`), or run it in a clone of the handbook's repository"));
            }
        };
        let top = Path::new(&top)
            .canonicalize()
            .map_err(|e| Fatal::io("open", Path::new(&top), e))?;
        let root_abs = root
            .canonicalize()
            .map_err(|e| Fatal::io("open", root, e))?;
        let prefix = root_abs
            .strip_prefix(&top)
            .map(crate::load::relative_slash_path)
            .unwrap_or_default();
        Ok(Repo { top, prefix })
    }

    /// Run git at the top of the repository.
    pub fn git(&self, args: &[&str]) -> Result<String, String> {
        run(&self.top, args)
    }

    /// Whether git ignores the file `rel` (relative to the handbook folder, `/`-separated), so
    /// writing it adds nothing to commit.
    pub fn ignores(&self, rel: &str) -> Result<bool, Fatal> {
        let path = if self.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.prefix)
        };
        match self.git(&["check-ignore", "-q", "--", &path]) {
            Ok(_) => Ok(true),
            Err(e) if e.is_empty() => Ok(false), // exit code 1: not ignored
            Err(e) => Err(Fatal::new(format!(
                "cannot ask git whether `{rel}` is ignored: {e}"
            ))),
        }
    }

    /// Resolve `rev` (a tag, branch, commit id, `HEAD~2`, …) to a commit, or explain why not.
    pub fn resolve(&self, rev: &str) -> Result<Commit, Fatal> {
        let spec = format!("{rev}^{{commit}}");
        let id = if rev.starts_with('-') {
            None
        } else {
            self.git(&[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ])
            .ok()
        };
        let Some(id) = id.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) else {
            return Err(self.unknown_revision(rev));
        };
        self.commit(&id)
    }

    fn unknown_revision(&self, rev: &str) -> Fatal {
        if self
            .git(&["rev-parse", "--verify", "--quiet", "HEAD"])
            .is_err()
        {
            return Fatal::new(format!(
                "unknown revision `{rev}`: the repository `{}` has no commits yet",
                self.top.display()
            ))
            .help("commit the handbook first (`git add . && git commit`), then name a commit, branch or tag");
        }
        let tags = self.tags();
        let help = match did_you_mean(rev, tags.iter().map(String::as_str)) {
            Some(tag) => format!("did you mean the tag `{tag}`?"),
            None if tags.is_empty() => "name a commit id, a branch or a tag; `git log --oneline` lists the commits (the repository has no tags)".to_string(),
            None => {
                let newest: Vec<&str> = tags.iter().rev().take(8).map(String::as_str).collect();
                format!(
                    "name a commit id, a branch or a tag; tags: {}{}",
                    newest.join(", "),
                    if tags.len() > newest.len() { ", … (`git tag --list`)" } else { "" }
                )
            }
        };
        Fatal::new(format!(
            "unknown revision `{rev}`: no commit, branch or tag of that name in `{}`",
            self.top.display()
        ))
        .help(help)
    }

    /// All tags, sorted by version-aware name.
    pub fn tags(&self) -> Vec<String> {
        self.git(&["tag", "--list", "--sort=version:refname"])
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Details of the full commit id `id`.
    pub fn commit(&self, id: &str) -> Result<Commit, Fatal> {
        let out = self
            .git(&["show", "-s", "--format=%H%x00%h%x00%ct%x00%s", id, "--"])
            .map_err(|e| Fatal::new(format!("cannot read commit `{id}`: {e}")))?;
        let mut fields = out.trim_end_matches('\n').splitn(4, '\0');
        let mut next = || fields.next().unwrap_or_default().to_string();
        let (id, short, time, subject) = (next(), next(), next(), next());
        let timestamp: i64 = time.trim().parse().unwrap_or(0);
        let date = jiff::Timestamp::from_second(timestamp)
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let mut tags: Vec<String> = self
            .git(&["tag", "--points-at", &id])
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default();
        tags.sort();
        Ok(Commit {
            id,
            short,
            date,
            timestamp,
            tags,
            subject,
        })
    }

    /// Whether the repository is a shallow clone (its history is cut off).
    pub fn is_shallow(&self) -> bool {
        self.git(&["rev-parse", "--is-shallow-repository"])
            .is_ok_and(|s| s.trim() == "true")
    }

    /// Write the handbook folder as of `commit` into `dest` (an empty folder) with `git archive`, and
    /// return where the handbook root is inside it.
    pub fn extract(&self, commit: &Commit, dest: &Path) -> Result<PathBuf, Fatal> {
        let mut cmd = command(&self.top);
        cmd.args(["archive", "--format=tar", &commit.id]);
        if !self.prefix.is_empty() {
            cmd.args(["--", &self.prefix]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Fatal::new(format!("cannot run git: {e}"))
                    .help("install git: this command reads the handbook's history")
            })?;
        let stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        // Drain stderr on a thread so a chatty git cannot block on a full pipe.
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut archive = tar::Archive::new(stdout);
        archive.set_preserve_permissions(false);
        let unpacked = archive.unpack(dest);
        // Read the rest so git is not killed by a broken pipe, then wait for it.
        let _ = std::io::copy(&mut archive.into_inner(), &mut std::io::sink());
        let status = child.wait();
        let errors = errors.join().unwrap_or_default();
        let failed = !status.as_ref().is_ok_and(|s| s.success());
        if failed {
            if errors.contains("did not match any files") {
                return Err(Fatal::new(format!(
                    "the handbook folder `{}` does not exist at revision `{}`",
                    self.prefix,
                    commit.label()
                ))
                .help("choose a later revision, one that has the handbook in this folder"));
            }
            return Err(Fatal::new(format!(
                "cannot read revision `{}` with `git archive`: {}",
                commit.label(),
                errors.trim()
            )));
        }
        unpacked.map_err(|e| {
            Fatal::new(format!(
                "cannot unpack revision `{}` into `{}`: {e}",
                commit.label(),
                dest.display()
            ))
        })?;
        Ok(if self.prefix.is_empty() {
            dest.to_path_buf()
        } else {
            dest.join(&self.prefix)
        })
    }

    /// The last commit on HEAD's first-parent line committed before the start of `date` (UTC).
    pub fn last_commit_before(&self, date: jiff::civil::Date) -> Result<Option<Commit>, Fatal> {
        let before = format!("--before={date}T00:00:00Z");
        let out = self
            .git(&["rev-list", "-1", "--first-parent", &before, "HEAD", "--"])
            .map_err(|e| Fatal::new(format!("cannot read the git history: {e}")))?;
        match out.trim() {
            "" => Ok(None),
            id => self.commit(id).map(Some),
        }
    }

    /// Commits on the first-parent line of `to` after `from` (exclusive), newest first.
    pub fn first_parent_since(&self, from: Option<&str>, to: &str) -> Result<Vec<String>, Fatal> {
        let range = match from {
            Some(from) => format!("{from}..{to}"),
            None => to.to_string(),
        };
        self.git(&["rev-list", "--first-parent", &range, "--"])
            .map(|s| s.lines().map(str::to_string).collect())
            .map_err(|e| Fatal::new(format!("cannot read the git history: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_day_and_label() {
        let c = Commit {
            id: "abcdef".into(),
            short: "abc".into(),
            date: "2026-03-01T12:00:00Z".into(),
            timestamp: 1_772_366_400,
            tags: vec![],
            subject: String::new(),
        };
        assert_eq!(c.day(), "2026-03-01");
        assert_eq!(c.label(), "abc");
        assert_eq!(c.civil_date().to_string(), "2026-03-01");
    }
}
