//! The commands: each turns its arguments into a run of the pipeline (or a scaffold) and an exit code.

mod build;
mod diff;
mod import;
mod review_pack;
mod scaffold;
pub mod snapshot;
mod verify;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::diagnostics::Fatal;

pub use build::{Built, Options, run as build};

/// Exit codes: content errors and usage/I/O errors are told apart for CI.
pub const EXIT_CONTENT_ERRORS: u8 = 1;
pub const EXIT_FATAL: u8 = 2;

/// `build` (`write`) and `check` options from their shared arguments.
fn options(common: crate::cli::Common, out: Option<std::path::PathBuf>, write: bool) -> Options {
    Options {
        root: common.root,
        out,
        write,
        strict: common.strict,
        verbose: common.verbose,
        today: common.today,
        history_at: None,
        snapshot: None,
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Build(args) => {
            let format = args.common.format;
            build::command_then_open(options(args.common, args.out, true), format, args.open)
        }
        Command::Check(args) => {
            let format = args.common.format;
            build::command(options(args.common, None, false), format)
        }
        Command::Init(args) => scaffold::init(&args).map(|()| ExitCode::SUCCESS),
        Command::New(args) => scaffold::new(&args).map(|()| ExitCode::SUCCESS),
        Command::Import(args) => import::command(args),
        Command::Snapshot(args) => snapshot::command(args),
        Command::Verify(args) => verify::command(args),
        Command::Diff(args) => diff::command(args),
        Command::ReviewPack(args) => review_pack::command(args),
        Command::Serve(args) => crate::serve::run(crate::serve::ServeOptions {
            settings: crate::project::Settings {
                root: args.root,
                strict: args.strict,
                verbose: args.verbose,
                today: args.today,
                history_at: None,
                snapshot: None,
            },
            bind: args.bind,
            port: args.port,
            open: args.open,
        }),
    };
    result.unwrap_or_else(|fatal| {
        eprintln!("error: {fatal}");
        ExitCode::from(EXIT_FATAL)
    })
}

impl From<std::io::Error> for Fatal {
    fn from(e: std::io::Error) -> Self {
        Fatal::new(e.to_string())
    }
}
