//! `policybook snapshot`: the auditor's copy. The handbook as of a git revision, built into a
//! reproducible archive with a manifest of SHA-256 hashes, every page carrying a snapshot banner.
//!
//! The revision is read with `git archive` into a temporary folder (the working tree and the index
//! are never touched), built there with the history of the real repository at that revision, and
//! packed with fixed timestamps (the commit date), fixed permissions and sorted entries, so the same
//! revision always gives the same bytes.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::build::{self, Options};
use crate::cli::SnapshotArgs;
use crate::diagnostics::{self, Fatal, Format, Report, Sources};
use crate::git::{Commit, Repo, SnapshotInfo};
use crate::isms::control::parse_document_control;
use crate::site::output::MARKER;

/// The manifest's name, at the top of the archive's folder.
pub const MANIFEST: &str = "MANIFEST.json";
/// The printed handbook, when Chromium is available.
pub const PDF: &str = "handbook.pdf";
/// The manifest format this version writes and reads.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest format: 1.
    pub manifest: u32,
    /// `policybook <version>`: the same generator and revision give the same files.
    pub generator: String,
    pub title: String,
    pub organisation: Option<String>,
    pub revision: Revision,
    /// The handbook folder inside the repository (`""` when it is the repository's top).
    pub handbook_folder: String,
    /// The date review status is judged against (the commit date unless `--today` was given).
    pub reviews_as_of: String,
    /// What is missing or not reproducible, e.g. why there is no `handbook.pdf`.
    pub notes: Vec<String>,
    /// Every source document at the revision.
    pub documents: Vec<ManifestDocument>,
    /// Every file of the archive except the manifest itself, sorted by path.
    pub files: Vec<ManifestFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub commit: String,
    pub short: String,
    pub tags: Vec<String>,
    /// The commit date, UTC.
    pub date: String,
    pub subject: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDocument {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Relative to the handbook folder, e.g. `content/policies/access-control-policy.md`.
    pub path: String,
    pub version: Option<String>,
    pub status: Option<String>,
    /// SHA-256 of the source file at the revision.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative to the archive's top folder.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// The archive formats, chosen by the output's file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Zip,
    TarGz,
}

impl Kind {
    pub fn of(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        if name.ends_with(".zip") {
            Some(Kind::Zip)
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(Kind::TarGz)
        } else {
            None
        }
    }
}

pub fn command(args: SnapshotArgs) -> Result<ExitCode, Fatal> {
    if let Some(out) = &args.out
        && Kind::of(out).is_none()
    {
        return Err(Fatal::new(format!(
            "cannot tell the archive format of `{}`",
            out.display()
        ))
        .help("name the output `….zip` or `….tar.gz`"));
    }
    let repo = Repo::discover(&args.root)?;
    let commit = repo.resolve(&args.rev)?;
    if repo.is_shallow() {
        return Err(Fatal::new(format!(
            "`{}` is a shallow clone: the snapshot's revision history would be cut off",
            repo.top.display()
        ))
        .help("fetch the full history first: `git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout"));
    }
    let snapshot = make(&repo, &commit, args.today, args.no_pdf, args.verbose, false)?;
    let Snapshot::Built {
        manifest,
        files,
        top,
    } = snapshot
    else {
        return Ok(ExitCode::from(super::EXIT_CONTENT_ERRORS));
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{top}.zip")));
    let kind = Kind::of(&out).unwrap_or(Kind::Zip);
    let bytes = pack(kind, &top, &files, commit.timestamp)?;
    write_new(&out, &bytes, args.force)?;
    eprintln!(
        "snapshot of {} ({}, committed {}) written to {}: {} files, {} documents, {:.1} MB\n  sha256 {}  (record it to prove later that the archive is unchanged)",
        commit.label(),
        commit.short,
        commit.day(),
        out.display(),
        files.len(),
        manifest.documents.len(),
        bytes.len() as f64 / 1e6,
        sha256(&bytes)
    );
    Ok(ExitCode::SUCCESS)
}

pub enum Snapshot {
    Built {
        manifest: Box<Manifest>,
        /// Every file of the archive, manifest included, sorted by path.
        files: Vec<(String, Vec<u8>)>,
        /// The archive's top folder.
        top: String,
    },
    /// The handbook has errors at that revision; they have been printed.
    Failed,
}

/// Build the handbook at `commit` and everything that goes into its archive. The banner shows
/// `commit.tags` (`verify` rebuilds with the tags the manifest recorded).
pub fn make(
    repo: &Repo,
    commit: &Commit,
    today: Option<jiff::civil::Date>,
    no_pdf: bool,
    verbose: bool,
    quiet: bool,
) -> Result<Snapshot, Fatal> {
    let work = tempfile::Builder::new()
        .prefix("policybook-snapshot-")
        .tempdir()
        .map_err(|e| Fatal::new(format!("cannot create a temporary folder: {e}")))?;
    let source = work.path().join("source");
    std::fs::create_dir(&source).map_err(|e| Fatal::io("create", &source, e))?;
    let root = repo.extract(commit, &source)?;
    let at = |fatal: Fatal| Fatal {
        message: format!("at revision `{}`: {}", commit.label(), fatal.message),
        help: fatal.help,
    };
    let (config, _) = crate::config::load(&root, &mut Sources::default())
        .map_err(|e| at(Fatal::new(format!("cannot read book.toml: {e}"))))?;
    let today = today.unwrap_or_else(|| commit.civil_date());
    let info = SnapshotInfo {
        title: config.book.title.clone(),
        tag: commit.tags.join(", "),
        commit: commit.id.clone(),
        short: commit.short.clone(),
        date: commit.day().to_string(),
    };
    let site = work.path().join("site");
    let built = build::run(&Options {
        root: root.clone(),
        out: Some(site.clone()),
        write: true,
        strict: false,
        verbose,
        today: Some(today),
        history_at: Some(crate::history::At {
            repo: repo.top.clone(),
            rev: commit.id.clone(),
            root: repo.prefix.clone(),
        }),
        snapshot: Some(info.clone()),
    })
    .map_err(at)?;
    if !quiet {
        diagnostics::print(&built.report, &built.sources, Format::Human)?;
    }
    if built.report.has_errors() {
        eprintln!(
            "error: the handbook at `{}` ({}) has {}; no snapshot was written",
            commit.label(),
            commit.short,
            diagnostics::summary(&built.report).unwrap_or_default()
        );
        eprintln!(
            "  help: fix them in a new commit and snapshot that, or snapshot an earlier revision with `--ref`"
        );
        return Ok(Snapshot::Failed);
    }

    let mut notes = Vec::new();
    let mut files = site_files(&site)?;
    // A theme whose own base.html predates the banner still gets it on every page.
    for (path, bytes) in &mut files {
        if path.ends_with(".html") {
            add_banner(bytes, &info);
        }
    }
    if no_pdf {
        notes.push(format!("{PDF} was not printed (--no-pdf)"));
    } else {
        match print_pdf(&site, work.path(), commit) {
            Ok((pdf, note)) => {
                files.push((PDF.to_string(), pdf));
                notes.push(note);
            }
            Err(note) => {
                eprintln!("note: {note}");
                notes.push(note);
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let manifest = Manifest {
        manifest: MANIFEST_VERSION,
        generator: generator(),
        title: config.book.title.clone(),
        organisation: config.book.organisation.clone(),
        revision: Revision {
            commit: commit.id.clone(),
            short: commit.short.clone(),
            tags: commit.tags.clone(),
            date: commit.date.clone(),
            subject: commit.subject.clone(),
        },
        handbook_folder: repo.prefix.clone(),
        reviews_as_of: today.to_string(),
        notes,
        documents: documents(&root)?,
        files: files
            .iter()
            .map(|(path, bytes)| ManifestFile {
                path: path.clone(),
                size: bytes.len() as u64,
                sha256: sha256(bytes),
            })
            .collect(),
    };
    let mut json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Fatal::new(format!("cannot write the manifest: {e}")))?;
    json.push(b'\n');
    files.push((MANIFEST.to_string(), json));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let slug = crate::render::markdown::slugify(&config.book.title);
    let label: String = commit
        .label()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    Ok(Snapshot::Built {
        manifest: Box::new(manifest),
        files,
        top: format!("{slug}-{label}"),
    })
}

/// The banner of the default theme's base.html, put right after `<body…>` of a page that lacks it.
fn add_banner(page: &mut Vec<u8>, info: &SnapshotInfo) {
    if find(page, b"snapshot-banner").is_some() {
        return;
    }
    let Some(body) = find(page, b"<body") else {
        return;
    };
    let Some(end) = page[body..].iter().position(|&b| b == b'>') else {
        return;
    };
    let e = crate::render::markdown::escape_attr;
    let revision = if info.tag.is_empty() {
        format!(
            "commit <code title=\"{}\">{}</code>",
            e(&info.commit),
            e(&info.short)
        )
    } else {
        format!(
            "{} (commit <code title=\"{}\">{}</code>)",
            e(&info.tag),
            e(&info.commit),
            e(&info.short)
        )
    };
    let banner = format!(
        "\n<div class=\"banner snapshot-banner\" role=\"note\" style=\"margin: 0; padding: 0.6rem 1rem; border-left: 5px solid #b35900; background: #fff4e5; color: #1a1a1a;\"><strong>Snapshot — not the live handbook.</strong> {} as of {revision}, committed {}.</div>",
        e(&info.title),
        e(&info.date)
    );
    let at = body + end + 1;
    page.splice(at..at, banner.into_bytes());
}

pub fn generator() -> String {
    format!("policybook {}", env!("CARGO_PKG_VERSION"))
}

/// Every file of the built site, sorted, without the output marker.
fn site_files(site: &Path) -> Result<Vec<(String, Vec<u8>)>, Fatal> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(site).sort_by_file_name() {
        let entry = entry.map_err(|e| Fatal::new(format!("cannot read the built site: {e}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = crate::load::relative_slash_path(
            entry.path().strip_prefix(site).unwrap_or(entry.path()),
        );
        if rel == MARKER {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| Fatal::io("read", entry.path(), e))?;
        files.push((rel, bytes));
    }
    Ok(files)
}

/// The source documents of the handbook at `root`: id, version, status and the SHA-256 of the file.
pub fn documents(root: &Path) -> Result<Vec<ManifestDocument>, Fatal> {
    let mut sources = Sources::default();
    let handbook = crate::load::load(root, &mut sources, &mut Report::default())?;
    let content = crate::load::relative_slash_path(&handbook.config.build.content_dir);
    let mut documents = Vec::new();
    for doc in &handbook.documents {
        let path = handbook.content_dir.join(&doc.path);
        let bytes = std::fs::read(&path).map_err(|e| Fatal::io("read", &path, e))?;
        let (control, _) = parse_document_control(&doc.fields);
        documents.push(ManifestDocument {
            id: doc.id.clone(),
            title: doc.title.clone(),
            kind: doc.kind.clone(),
            path: if content.is_empty() {
                doc.path.clone()
            } else {
                format!("{content}/{}", doc.path)
            },
            version: control.version,
            status: control.status.map(|s| s.as_str().to_string()),
            sha256: sha256(&bytes),
        });
    }
    documents.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(documents)
}

/// Pack `files` under the folder `top`: sorted entries, folders first, fixed permissions (0644 files,
/// 0755 folders) and every timestamp set to `timestamp` (the commit date).
pub fn pack(
    kind: Kind,
    top: &str,
    files: &[(String, Vec<u8>)],
    timestamp: i64,
) -> Result<Vec<u8>, Fatal> {
    let mut folders = std::collections::BTreeSet::new();
    folders.insert(top.to_string());
    for (path, _) in files {
        let mut parts: Vec<&str> = path.split('/').collect();
        parts.pop();
        for i in 1..=parts.len() {
            folders.insert(format!("{top}/{}", parts[..i].join("/")));
        }
    }
    let mut entries: Vec<(String, Option<&[u8]>)> = folders
        .into_iter()
        .map(|f| (format!("{f}/"), None))
        .collect();
    entries.extend(
        files
            .iter()
            .map(|(p, b)| (format!("{top}/{p}"), Some(b.as_slice()))),
    );
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let err = |e: std::io::Error| Fatal::new(format!("cannot write the archive: {e}"));
    match kind {
        Kind::Zip => {
            use zip::write::{SimpleFileOptions, ZipWriter};
            let date = jiff::Timestamp::from_second(timestamp.max(315_532_800))
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
                .to_zoned(jiff::tz::TimeZone::UTC);
            let time = zip::DateTime::from_date_and_time(
                date.year().clamp(1980, 2107) as u16,
                date.month() as u8,
                date.day() as u8,
                date.hour() as u8,
                date.minute() as u8,
                date.second() as u8,
            )
            .unwrap_or_default();
            let zerr =
                |e: zip::result::ZipError| Fatal::new(format!("cannot write the archive: {e}"));
            let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
            let file = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(6))
                .last_modified_time(time)
                .unix_permissions(0o644);
            let folder = file
                .compression_method(zip::CompressionMethod::Stored)
                .unix_permissions(0o755);
            for (path, bytes) in entries {
                match bytes {
                    None => zip.add_directory(path, folder).map_err(zerr)?,
                    Some(bytes) => {
                        zip.start_file(path, file).map_err(zerr)?;
                        zip.write_all(bytes).map_err(err)?;
                    }
                }
            }
            Ok(zip.finish().map_err(zerr)?.into_inner())
        }
        Kind::TarGz => {
            let gz = flate2::GzBuilder::new()
                .mtime(0)
                .write(Vec::new(), flate2::Compression::new(6));
            let mut tar = tar::Builder::new(gz);
            for (path, bytes) in entries {
                let mut header = tar::Header::new_gnu();
                header.set_mtime(timestamp.max(0) as u64);
                header.set_uid(0);
                header.set_gid(0);
                match bytes {
                    None => {
                        header.set_entry_type(tar::EntryType::Directory);
                        header.set_mode(0o755);
                        header.set_size(0);
                        tar.append_data(&mut header, &path, std::io::empty())
                            .map_err(err)?;
                    }
                    Some(bytes) => {
                        header.set_entry_type(tar::EntryType::Regular);
                        header.set_mode(0o644);
                        header.set_size(bytes.len() as u64);
                        tar.append_data(&mut header, &path, bytes).map_err(err)?;
                    }
                }
            }
            tar.into_inner().map_err(err)?.finish().map_err(err)
        }
    }
}

/// Write `bytes` to `out` through a temporary file beside it; an existing file is replaced only with
/// `--force`.
fn write_new(out: &Path, bytes: &[u8], force: bool) -> Result<(), Fatal> {
    if out.exists() && !force {
        return Err(Fatal::new(format!("`{}` already exists", out.display()))
            .help("choose another `--out`, or pass `--force` to replace it"));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Fatal::io("create", parent, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".policybook-snapshot-")
        .tempfile_in(parent)
        .map_err(|e| Fatal::io("create a temporary file in", parent, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Fatal::io("write", tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile creates 0600; an archive is for sharing.
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(out)
        .map_err(|e| Fatal::io("write", out, e.error))?;
    Ok(())
}

/// `chromium` (or `chromium-browser`) on the PATH.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Print `site/print.html` to PDF with headless Chromium. `Err` is the note saying why there is none.
fn print_pdf(site: &Path, work: &Path, commit: &Commit) -> Result<(Vec<u8>, String), String> {
    let Some(chromium) = find_chromium() else {
        return Err(format!(
            "{PDF} was not printed: `chromium` is not on the PATH (install it to include a PDF; print.html is the same content)"
        ));
    };
    let version = std::process::Command::new(&chromium)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let pdf = work.join(PDF);
    let page = site.join("print.html");
    let mut cmd = std::process::Command::new(&chromium);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--no-pdf-header-footer",
    ])
    .arg(format!(
        "--user-data-dir={}",
        work.join("chromium-profile").display()
    ))
    .arg(format!("--print-to-pdf={}", pdf.display()));
    if running_as_root() {
        // Chromium refuses to start its sandbox as root; the page is our own, offline and under a
        // Content-Security-Policy.
        cmd.arg("--no-sandbox");
    }
    cmd.arg(file_url(&page))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().map_err(|e| {
        format!(
            "{PDF} was not printed: cannot run `{}`: {e}",
            chromium.display()
        )
    })?;
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > std::time::Duration::from_secs(300) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(100)),
            Err(_) => break None,
        }
    };
    let bytes = match (status, std::fs::read(&pdf)) {
        (Some(s), Ok(bytes)) if s.success() && bytes.starts_with(b"%PDF") => bytes,
        (None, _) => {
            return Err(format!(
                "{PDF} was not printed: Chromium did not finish within 5 minutes"
            ));
        }
        _ => {
            return Err(format!(
                "{PDF} was not printed: `{}` failed to print print.html",
                chromium.display()
            ));
        }
    };
    let bytes = fix_pdf_dates(bytes, commit);
    let bytes = relative_site_links(bytes, &format!("{}/", file_url(site)));
    Ok((
        bytes,
        format!(
            "{PDF} was printed from print.html by {}; its dates are set to the commit date, so it is reproducible with the same Chromium version only",
            if version.is_empty() {
                "Chromium"
            } else {
                &version
            }
        ),
    ))
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// `file://` URL of an absolute path, percent-encoding what needs it.
pub(crate) fn file_url(path: &Path) -> String {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// Chromium writes the time of printing as `/CreationDate` and `/ModDate`: set both to the commit
/// date (same length, so the cross-reference offsets stay right).
fn fix_pdf_dates(mut pdf: Vec<u8>, commit: &Commit) -> Vec<u8> {
    let Ok(time) = jiff::Timestamp::from_second(commit.timestamp) else {
        return pdf;
    };
    let stamp = time.strftime("D:%Y%m%d%H%M%S+00'00'").to_string();
    for key in [&b"/CreationDate ("[..], &b"/ModDate ("[..]] {
        let mut from = 0;
        while let Some(at) = find(&pdf[from..], key) {
            let start = from + at + key.len();
            let Some(len) = pdf[start..].iter().position(|&b| b == b')') else {
                break;
            };
            if len == stamp.len() && pdf[start..].starts_with(b"D:") {
                pdf[start..start + len].copy_from_slice(stamp.as_bytes());
            }
            from = start + len;
        }
    }
    pdf
}

/// Chromium writes every link as an absolute URL, so a link into the printed site (an attachment;
/// links between documents are anchors inside `print.html`) would name the temporary folder it was
/// printed from: a random name, dead once the folder is gone. Such links become relative to the PDF,
/// which sits at the top of the site in the archive: the folder's URL `site_url` is replaced by
/// `./` segments (and one `a/../` for an odd length) of the same length, so the cross-reference
/// offsets stay right.
fn relative_site_links(mut pdf: Vec<u8>, site_url: &str) -> Vec<u8> {
    let needle = format!("/URI ({site_url}");
    let len = site_url.len();
    let mut same = if len % 2 == 1 { "a/../" } else { "" }.to_string();
    while same.len() < len {
        same.push_str("./");
    }
    let mut from = 0;
    while let Some(at) = find(&pdf[from..], needle.as_bytes()) {
        let start = from + at + needle.len() - len;
        pdf[start..start + len].copy_from_slice(same.as_bytes());
        from = start + len;
    }
    pdf
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_are_set_to_the_commit() {
        let commit = Commit {
            id: "a".into(),
            short: "a".into(),
            date: String::new(),
            timestamp: 1_772_366_400,
            tags: vec![],
            subject: String::new(),
        };
        let pdf =
            b"x /CreationDate (D:20261122193024+00'00')\n/ModDate (D:20261122193024+00'00')>>"
                .to_vec();
        let fixed = fix_pdf_dates(pdf.clone(), &commit);
        assert_eq!(fixed.len(), pdf.len());
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "x /CreationDate (D:20260301120000+00'00')\n/ModDate (D:20260301120000+00'00')>>"
        );
    }

    #[test]
    fn links_into_the_printed_site_become_relative_in_place() {
        for site in ["file:///tmp/p-AbC/site/", "file:///tmp/p-AbCd/site/"] {
            let pdf = format!(
                "<</URI ({site}files/form.pdf)>> <</URI (https://example.org/)>> <</URI ({site}a.html#x)>>"
            );
            let fixed =
                String::from_utf8(relative_site_links(pdf.clone().into_bytes(), site)).unwrap();
            assert_eq!(fixed.len(), pdf.len());
            assert!(!fixed.contains("/tmp/"), "{fixed}");
            assert!(fixed.contains("<</URI (https://example.org/)>>"));
            // What a PDF reader does with a relative URI (RFC 3986 dot segments) gives the site's path.
            for (uri, expected) in [(1, "files/form.pdf"), (3, "a.html#x")] {
                let uri = fixed
                    .split("/URI (")
                    .nth(uri)
                    .unwrap()
                    .split(')')
                    .next()
                    .unwrap();
                let mut segments: Vec<&str> = Vec::new();
                for part in uri.split('/') {
                    match part {
                        "." => {}
                        ".." => {
                            segments.pop();
                        }
                        p => segments.push(p),
                    }
                }
                assert_eq!(segments.join("/"), expected, "{uri}");
            }
        }
    }

    #[test]
    fn packing_is_deterministic_and_sorted() {
        let files = vec![
            ("b/c.html".to_string(), b"c".to_vec()),
            ("a.html".to_string(), b"a".to_vec()),
        ];
        for kind in [Kind::Zip, Kind::TarGz] {
            let one = pack(kind, "top", &files, 1_772_366_400).unwrap();
            let two = pack(kind, "top", &files, 1_772_366_400).unwrap();
            assert_eq!(one, two);
        }
        assert_eq!(Kind::of(Path::new("x.TAR.GZ")), Some(Kind::TarGz));
        assert_eq!(Kind::of(Path::new("x.tar")), None);
        assert_eq!(file_url(Path::new("/a b/c.html")), "file:///a%20b/c.html");
    }
}
