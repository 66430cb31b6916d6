//! `policybook verify`: check a snapshot archive (or its unpacked folder) against its manifest and,
//! given the repository, against the revision it claims to be.
//!
//! Without the repository this proves the archive is internally consistent: every file is present,
//! unchanged since the manifest was written, and nothing was added. With `--repo` it proves
//! provenance: the commit exists, its tags still point at it, every source document has the recorded
//! hash, and (same policybook version) a rebuild of that commit gives the same files.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use super::snapshot::{self, MANIFEST, Manifest, PDF, sha256};
use crate::cli::VerifyArgs;
use crate::diagnostics::{self, Diagnostic, Fatal, Format, Report, Sources};
use crate::git::Repo;

/// The files of an archive or folder, relative to its top folder.
struct Contents {
    files: BTreeMap<String, Vec<u8>>,
    /// Entries outside the top folder, listed twice, or unreadable.
    problems: Vec<Diagnostic>,
}

pub fn command(args: VerifyArgs) -> Result<ExitCode, Fatal> {
    let contents = read(&args.file)?;
    let mut report = Report::default();
    report.extend(contents.problems);
    let shown = args.file.display().to_string();
    let Some(bytes) = contents.files.get(MANIFEST) else {
        return Err(Fatal::new(format!("`{shown}` has no {MANIFEST}"))
            .help("verify a `.zip`, `.tar.gz` or folder written by `policybook snapshot`"));
    };
    let manifest: Manifest = match serde_json::from_slice(bytes) {
        Ok(m) => m,
        Err(e) => {
            report.push(
                Diagnostic::error("manifest-invalid", format!("{MANIFEST} cannot be read: {e}"))
                    .help("the manifest was damaged or edited; take the archive again from where it was kept, or make a new snapshot"),
            );
            return finish(&report, &shown, None, args.format);
        }
    };
    if manifest.manifest != snapshot::MANIFEST_VERSION {
        return Err(Fatal::new(format!(
            "{MANIFEST} is of format {}, this policybook reads format {}",
            manifest.manifest,
            snapshot::MANIFEST_VERSION
        ))
        .help(format!(
            "verify it with the policybook that wrote it: {}",
            manifest.generator
        )));
    }
    check_files(&manifest, &contents.files, &mut report);
    if let Some(repo) = &args.repo {
        check_repo(&manifest, repo, &mut report)?;
    }
    finish(&report, &shown, Some(&manifest), args.format)
}

fn finish(
    report: &Report,
    shown: &str,
    manifest: Option<&Manifest>,
    format: Format,
) -> Result<ExitCode, Fatal> {
    diagnostics::print(report, &Sources::default(), format)?;
    let failed = report.has_errors();
    if format == Format::Human {
        match (manifest, failed) {
            (_, true) => eprintln!(
                "error: `{shown}` failed verification: {}",
                diagnostics::summary(report).unwrap_or_default()
            ),
            (Some(m), false) => eprintln!(
                "verified `{shown}`: {} files match {MANIFEST}; {} as of {} ({}, committed {}){}",
                m.files.len(),
                m.title,
                m.revision.tags.first().unwrap_or(&m.revision.short),
                m.revision.short,
                &m.revision.date[..10.min(m.revision.date.len())],
                diagnostics::summary(report)
                    .map(|s| format!(" with {s}"))
                    .unwrap_or_default()
            ),
            (None, false) => {}
        }
    }
    Ok(if failed {
        ExitCode::from(super::EXIT_CONTENT_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every file listed is present with its hash and size; nothing else is there.
fn check_files(manifest: &Manifest, files: &BTreeMap<String, Vec<u8>>, report: &mut Report) {
    let mut listed = std::collections::BTreeSet::new();
    for f in &manifest.files {
        listed.insert(f.path.as_str());
        match files.get(&f.path) {
            None => report.push(
                Diagnostic::error("file-missing", format!("{}: listed in {MANIFEST} but missing", f.path))
                    .help("the archive is incomplete: take it again from where it was kept"),
            ),
            Some(bytes) if sha256(bytes) != f.sha256 || bytes.len() as u64 != f.size => report.push(
                Diagnostic::error(
                    "file-changed",
                    format!("{}: its SHA-256 does not match {MANIFEST}: the file was changed after the snapshot was made", f.path),
                )
                .help(format!("expected sha256 {}, found {}; take the archive again from where it was kept", f.sha256, sha256(bytes))),
            ),
            Some(_) => {}
        }
    }
    for path in files.keys() {
        if path != MANIFEST && !listed.contains(path.as_str()) {
            report.push(
                Diagnostic::error(
                    "file-unexpected",
                    format!(
                        "{path}: not listed in {MANIFEST}: it was added after the snapshot was made"
                    ),
                )
                .help("remove it, or take the archive again from where it was kept"),
            );
        }
    }
}

/// The claimed revision exists, its tags point at it, and rebuilding it gives the same sources and files.
fn check_repo(manifest: &Manifest, root: &Path, report: &mut Report) -> Result<(), Fatal> {
    let found = Repo::discover(root)?;
    let repo = Repo {
        top: found.top,
        prefix: manifest.handbook_folder.clone(),
    };
    let claimed = &manifest.revision;
    let Ok(commit) = repo.resolve(&claimed.commit) else {
        report.push(
            Diagnostic::error(
                "revision-missing",
                format!(
                    "the snapshot's commit {} is not in the repository `{}`",
                    claimed.commit,
                    repo.top.display()
                ),
            )
            .help("fetch it (`git fetch --tags origin`), or verify against the repository the handbook comes from"),
        );
        return Ok(());
    };
    if commit.id != claimed.commit {
        report.push(Diagnostic::error(
            "revision-mismatch",
            format!(
                "`{}` names commit {}, not a commit of its own",
                claimed.commit, commit.id
            ),
        ));
        return Ok(());
    }
    if commit.date != claimed.date {
        report.push(Diagnostic::error(
            "revision-mismatch",
            format!(
                "{MANIFEST} dates commit {} {}, the repository {}",
                commit.short, claimed.date, commit.date
            ),
        ));
    }
    for tag in &claimed.tags {
        match repo.resolve(&format!("refs/tags/{tag}")) {
            Ok(c) if c.id == commit.id => {}
            Ok(c) => report.push(
                Diagnostic::error(
                    "tag-moved",
                    format!("tag `{tag}` now points at commit {}, not at the snapshot's commit {}", c.short, commit.short),
                )
                .help("a released tag should never move; find out who moved it (`git reflog`, the server's audit log)"),
            ),
            Err(_) => report.push(
                Diagnostic::warning("tag-missing", format!("tag `{tag}` is not in the repository `{}`", repo.top.display()))
                    .help("fetch the tags (`git fetch --tags`), or verify against the repository the snapshot was made in"),
            ),
        }
    }
    let today = manifest.reviews_as_of.parse().ok();
    let rebuilt_commit = crate::git::Commit {
        tags: claimed.tags.clone(),
        ..commit.clone()
    };
    let same_generator = manifest.generator == snapshot::generator();
    let documents = if same_generator {
        match snapshot::make(&repo, &rebuilt_commit, today, true, false, true)? {
            snapshot::Snapshot::Built {
                manifest: rebuilt, ..
            } => {
                let expected: BTreeMap<&str, &str> = rebuilt
                    .files
                    .iter()
                    .map(|f| (f.path.as_str(), f.sha256.as_str()))
                    .collect();
                for f in &manifest.files {
                    if f.path == PDF {
                        continue;
                    }
                    match expected.get(f.path.as_str()) {
                        Some(sha) if *sha == f.sha256 => {}
                        Some(_) => report.push(Diagnostic::error(
                            "rebuild-differs",
                            format!("{}: differs from a rebuild of commit {}", f.path, commit.short),
                        ).help("the archive was not made from this commit by this policybook, or was altered and its manifest rewritten")),
                        None => report.push(Diagnostic::error(
                            "rebuild-differs",
                            format!("{}: a rebuild of commit {} has no such file", f.path, commit.short),
                        )),
                    }
                }
                let listed: std::collections::BTreeSet<&str> =
                    manifest.files.iter().map(|f| f.path.as_str()).collect();
                for path in expected.keys().filter(|p| !listed.contains(*p)) {
                    report.push(Diagnostic::error(
                        "rebuild-differs",
                        format!(
                            "{path}: a rebuild of commit {} has this file, the snapshot does not",
                            commit.short
                        ),
                    ));
                }
                rebuilt.documents
            }
            snapshot::Snapshot::Failed => {
                report.push(Diagnostic::error(
                    "rebuild-failed",
                    format!(
                        "commit {} does not build: it cannot be the source of this snapshot",
                        commit.short
                    ),
                ));
                return Ok(());
            }
        }
    } else {
        report.push(
            Diagnostic::warning(
                "generator-differs",
                format!("the snapshot was made by {}, this is {}: only the source documents are compared, not the pages", manifest.generator, snapshot::generator()),
            )
            .help(format!("to compare every page too, verify with {}", manifest.generator)),
        );
        let work = tempfile::Builder::new()
            .prefix("policybook-verify-")
            .tempdir()
            .map_err(|e| Fatal::new(format!("cannot create a temporary folder: {e}")))?;
        let root = repo.extract(&commit, work.path())?;
        snapshot::documents(&root)?
    };
    let at_commit: BTreeMap<&str, &snapshot::ManifestDocument> =
        documents.iter().map(|d| (d.id.as_str(), d)).collect();
    for d in &manifest.documents {
        match at_commit.get(d.id.as_str()) {
            None => report.push(Diagnostic::error(
                "document-differs",
                format!("document `{}` ({}) is not in commit {}", d.id, d.path, commit.short),
            )),
            Some(c) if *c != d => report.push(Diagnostic::error(
                "document-differs",
                format!(
                    "document `{}` ({}) differs from commit {}: the manifest says version {}, status {}, sha256 {}; the commit has version {}, status {}, sha256 {}",
                    d.id, d.path, commit.short,
                    d.version.as_deref().unwrap_or("-"), d.status.as_deref().unwrap_or("-"), d.sha256,
                    c.version.as_deref().unwrap_or("-"), c.status.as_deref().unwrap_or("-"), c.sha256
                ),
            )),
            Some(_) => {}
        }
    }
    let listed: std::collections::BTreeSet<&str> =
        manifest.documents.iter().map(|d| d.id.as_str()).collect();
    for d in documents.iter().filter(|d| !listed.contains(d.id.as_str())) {
        report.push(Diagnostic::error(
            "document-differs",
            format!(
                "commit {} has document `{}` ({}), which the manifest does not list",
                commit.short, d.id, d.path
            ),
        ));
    }
    Ok(())
}

/// Read a `.zip`, a `.tar.gz` or a folder: the files under its top folder (the one holding the manifest).
fn read(path: &Path) -> Result<Contents, Fatal> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut problems = Vec::new();
    if path.is_dir() {
        let top = if path.join(MANIFEST).is_file() {
            path.to_path_buf()
        } else {
            let candidates: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| Fatal::io("read", path, e))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join(MANIFEST).is_file())
                .collect();
            match candidates.as_slice() {
                [one] => one.clone(),
                _ => {
                    return Err(
                        Fatal::new(format!("`{}` has no {MANIFEST}", path.display())).help(
                            "pass the folder a snapshot was unpacked into, or the archive itself",
                        ),
                    );
                }
            }
        };
        for entry in walkdir::WalkDir::new(&top).sort_by_file_name() {
            let entry =
                entry.map_err(|e| Fatal::new(format!("cannot read `{}`: {e}", top.display())))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = crate::load::relative_slash_path(
                entry.path().strip_prefix(&top).unwrap_or(entry.path()),
            );
            let bytes =
                std::fs::read(entry.path()).map_err(|e| Fatal::io("read", entry.path(), e))?;
            entries.push((rel, bytes));
        }
        return Ok(Contents {
            files: entries.into_iter().collect(),
            problems,
        });
    }
    let mut file = std::fs::File::open(path).map_err(|e| Fatal::io("open", path, e))?;
    let mut magic = [0u8; 2];
    let _ = file.read(&mut magic);
    drop(file);
    let file = std::fs::File::open(path).map_err(|e| Fatal::io("open", path, e))?;
    let broken = |e: String| {
        Fatal::new(format!(
            "`{}` is not a readable snapshot archive: {e}",
            path.display()
        ))
        .help("the archive is damaged: take it again from where it was kept")
    };
    match magic {
        [b'P', b'K'] => {
            let mut zip = zip::ZipArchive::new(file).map_err(|e| broken(e.to_string()))?;
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).map_err(|e| broken(e.to_string()))?;
                let name = entry.name().to_string();
                if entry.is_dir() {
                    continue;
                }
                let mut bytes = Vec::new();
                match entry.read_to_end(&mut bytes) {
                    Ok(_) => entries.push((name, bytes)),
                    Err(e) => problems.push(corrupt(&name, &e.to_string())),
                }
            }
        }
        [0x1f, 0x8b] => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
            let iter = tar.entries().map_err(|e| broken(e.to_string()))?;
            for entry in iter {
                let mut entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        problems.push(
                            Diagnostic::error(
                                "archive-corrupt",
                                format!(
                                    "the archive is damaged after {} files: {e}",
                                    entries.len()
                                ),
                            )
                            .help("take the archive again from where it was kept"),
                        );
                        break;
                    }
                };
                let name = entry
                    .path()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if entry.header().entry_type().is_dir() {
                    continue;
                }
                let mut bytes = Vec::new();
                match entry.read_to_end(&mut bytes) {
                    Ok(_) => entries.push((name, bytes)),
                    Err(e) => {
                        problems.push(corrupt(&name, &e.to_string()));
                        break;
                    }
                }
            }
        }
        _ => {
            return Err(Fatal::new(format!(
                "`{}` is neither a .zip nor a .tar.gz archive",
                path.display()
            ))
            .help("verify the `.zip` or `.tar.gz` written by `policybook snapshot`, or the folder it was unpacked into"));
        }
    }
    let top = entries
        .iter()
        .find_map(|(name, _)| {
            name.strip_suffix(&format!("/{MANIFEST}"))
                .filter(|t| !t.contains('/'))
                .map(str::to_string)
        })
        .unwrap_or_default();
    let mut files = BTreeMap::new();
    for (name, bytes) in entries {
        let rel = if top.is_empty() {
            Some(name.as_str())
        } else {
            name.strip_prefix(&top).and_then(|r| r.strip_prefix('/'))
        };
        let Some(rel) = rel else {
            problems.push(Diagnostic::error(
                "file-unexpected",
                format!("{name}: outside the snapshot's folder `{top}`: it was added after the snapshot was made"),
            ));
            continue;
        };
        if files.insert(rel.to_string(), bytes).is_some() {
            problems.push(Diagnostic::error(
                "file-duplicate",
                format!("{rel}: the archive holds it twice; which copy is shown depends on the unpacking tool"),
            ));
        }
    }
    Ok(Contents { files, problems })
}

fn corrupt(name: &str, error: &str) -> Diagnostic {
    Diagnostic::error(
        "archive-corrupt",
        format!(
            "{name}: cannot be read from the archive ({error}): the archive was damaged or changed"
        ),
    )
    .help("take the archive again from where it was kept")
}
