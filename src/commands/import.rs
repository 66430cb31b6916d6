//! `import`: convert another tool's handbook ([`crate::import`]), then check the result the way
//! `policybook check` would and say what is left to do.

use std::process::ExitCode;

use super::{EXIT_CONTENT_ERRORS, Options, build};
use crate::cli::ImportArgs;
use crate::diagnostics::{Fatal, Severity};
use crate::import;

pub fn command(args: ImportArgs) -> Result<ExitCode, Fatal> {
    let dest = args
        .dest
        .clone()
        .unwrap_or_else(|| import::default_dest(&args.src));
    let imported = import::run(args.format, &args.src, &dest, args.force, args.date_order)?;
    for rel in &imported.kept {
        eprintln!("kept existing {}", dest.join(rel).display());
    }
    eprintln!(
        "imported {} files into {}",
        imported.written.len(),
        imported.dest.display()
    );
    eprintln!(
        "{}: {} changes made, {} things to look at",
        imported.report.display(),
        imported.changes,
        imported.to_check
    );
    let checked = build(&Options {
        root: dest.clone(),
        out: None,
        write: false,
        strict: false,
        verbose: false,
        today: None,
        history_at: None,
        snapshot: None,
    })?;
    let errors = checked.report.count(Severity::Error);
    let warnings = checked.report.count(Severity::Warning);
    eprintln!(
        "policybook check {}: {errors} errors, {warnings} warnings",
        dest.display()
    );
    if errors > 0 {
        eprintln!("run `policybook check {}` to see them", dest.display());
        return Ok(ExitCode::from(EXIT_CONTENT_ERRORS));
    }
    eprintln!("\nNext: `policybook serve {}`", dest.display());
    Ok(ExitCode::SUCCESS)
}
