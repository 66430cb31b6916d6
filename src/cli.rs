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
    /// Build the handbook as of a git revision into a reproducible archive for auditors
    Snapshot(SnapshotArgs),
    /// Check a snapshot archive against its manifest (and, with --repo, against its revision)
    Verify(VerifyArgs),
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
    /// The handbook's title
    #[arg(long)]
    pub title: Option<String>,
    /// Also initialise a folder that is not empty (existing files are never overwritten)
    #[arg(long)]
    pub force: bool,
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

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
