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

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
