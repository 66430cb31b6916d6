//! The command line, parsed by clap into the arguments each command takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::diagnostics::Format;

#[derive(Debug, Parser)]
#[command(
    name = "policybook",
    version,
    about = "Build a cross-linked ISO/IEC 27001 ISMS handbook from Markdown policies and procedures",
    long_about = "Build a cross-linked ISO/IEC 27001 ISMS handbook from Markdown policies and procedures.\n\n\
                  A handbook is a folder with an optional book.toml and a content/ folder of Markdown documents \
                  with YAML frontmatter. `[document-id]` in a document links to the document with that id.",
    after_help = "Exit codes: 0 success (warnings allowed), 1 content errors, 2 usage or I/O errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the handbook site (default output: ROOT/site)
    Build(BuildArgs),
    /// Validate everything `build` validates, writing nothing (for CI)
    Check(CheckArgs),
    /// Start a new handbook: book.toml and a few starter documents
    Init(InitArgs),
    /// Create a new document with frontmatter in the right folder
    New(NewArgs),
    /// Convert a comply, Docusaurus or MkDocs handbook into a new policybook handbook
    Import(ImportArgs),
    /// Build the handbook as of a git revision into a reproducible archive for auditors
    Snapshot(SnapshotArgs),
    /// Check a snapshot archive against its manifest (and, with --repo, against its revision)
    Verify(VerifyArgs),
    /// Compare the handbook at two revisions in ISMS terms, enforcing the version rules (for pull requests)
    Diff(DiffArgs),
    /// Write the management review's inputs since the last review: changes, reviews due, SoA gaps
    ReviewPack(ReviewPackArgs),
    /// Serve the handbook on http://127.0.0.1:3000, rebuilding and reloading on every change
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The handbook folder, holding book.toml and content/
    #[arg(default_value = ".")]
    pub root: PathBuf,
    /// The port to listen on (the next free one is used if it is busy)
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// The address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the handbook in the default browser
    #[arg(long)]
    pub open: bool,
    /// Print how long each stage of the first build took
    #[arg(long, short)]
    pub verbose: bool,
    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
    /// The date reviews are judged against, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
}

#[derive(Debug, Args)]
pub struct Common {
    /// The handbook folder, holding book.toml and content/
    #[arg(default_value = ".")]
    pub root: PathBuf,
    /// How to print errors and warnings
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
    /// Print how long each stage took
    #[arg(long, short)]
    pub verbose: bool,
    /// The date reviews are judged against, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|e| format!("expected a date as YYYY-MM-DD, e.g. 2026-03-01 ({e})"))
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: Common,
    /// Where to write the site (default: `[build] output-dir` of book.toml, `site`)
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Open the built handbook in the default browser
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create the handbook in
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The organisation whose ISMS this is (default: from the folder's name)
    #[arg(long)]
    pub organisation: Option<String>,
    /// The handbook's title (default: "<organisation> ISMS Handbook")
    #[arg(long)]
    pub title: Option<String>,
    /// Also initialise a folder that is not empty (existing files are never overwritten)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "SRC is only read. DEST (default: `<SRC folder name>-policybook` in the current folder) must be \
                  new or empty unless --force; DEST/IMPORT-REPORT.md lists every change and what to look at."
)]
pub struct ImportArgs {
    /// The format of SRC
    #[arg(value_enum)]
    pub format: crate::import::Format,
    /// The handbook to convert: comply's project root, the Docusaurus site (or its docs/), the MkDocs project
    pub src: PathBuf,
    /// The new handbook's folder (default: `<SRC folder name>-policybook` in the current folder)
    pub dest: Option<PathBuf>,
    /// Also import into a folder that is not empty (existing files are kept, never overwritten)
    #[arg(long)]
    pub force: bool,
    /// How to read numeric dates such as 03/04/2025 in Word documents
    #[arg(long, value_enum, default_value = "day-first")]
    pub date_order: crate::import::docx::DateOrder,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The document type: policy, procedure, standard, guideline, record, …
    pub kind: String,
    /// The new document's id: lowercase words joined by hyphens, e.g. `remote-access-policy`
    pub id: String,
    /// The title (default: made from the id)
    #[arg(long)]
    pub title: Option<String>,
    /// The handbook folder
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The handbook folder, in a git repository
    #[arg(default_value = ".")]
    pub root: PathBuf,
    /// The revision to snapshot: a tag, branch or commit
    #[arg(long = "ref", value_name = "REV", default_value = "HEAD")]
    pub rev: String,
    /// The archive to write, `….zip` or `….tar.gz` (default: `<title>-<tag or commit>.zip` here)
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Leave out handbook.pdf even when chromium is on the PATH
    #[arg(long)]
    pub no_pdf: bool,
    /// Replace the output file if it exists
    #[arg(long)]
    pub force: bool,
    /// The date reviews are judged against, YYYY-MM-DD (default: the commit date)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
    /// Print how long each stage took
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The snapshot: a `.zip`, a `.tar.gz`, or the folder it was unpacked into
    pub file: PathBuf,
    /// Also check the archive against the revision it claims, in this repository (any folder in it)
    #[arg(long, value_name = "ROOT")]
    pub repo: Option<PathBuf>,
    /// How to print the problems found
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The revision to compare with: a branch, tag or commit, e.g. `origin/main`
    pub base: String,
    /// The revision to compare (default: the working tree as it is, committed or not)
    pub head: Option<String>,
    /// The handbook folder, in a git repository
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// How to print the report: `markdown` is for a pull-request comment
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
    /// The date reviews are judged against, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
}

#[derive(Debug, Args)]
pub struct ReviewPackArgs {
    /// The handbook folder, in a git repository
    #[arg(default_value = ".")]
    pub root: PathBuf,
    /// The last management review: a date (YYYY-MM-DD) or a revision (tag, branch, commit)
    #[arg(long, value_name = "DATE|REV")]
    pub since: String,
    /// Where to write review-pack.html and review-pack.md (default: ROOT/review-pack)
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The date of the next meeting: reviews due before it are listed (default: in 3 months)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub next_meeting: Option<jiff::civil::Date>,
    /// Where the published handbook is, for links (default: the site folder, relative to --out)
    #[arg(long, value_name = "URL")]
    pub site_url: Option<String>,
    /// The date reviews are judged against, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
}

/// How `diff` prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// The changes on stdout, rule violations rustc-style on stderr.
    Human,
    /// One JSON object: base, head, documents, soa, register, diagnostics.
    Json,
    /// Rule violations as GitHub Actions annotations on stdout; the changes on stderr.
    Github,
    /// A Markdown report for a pull-request comment.
    Markdown,
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
