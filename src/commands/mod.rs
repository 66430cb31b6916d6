//! The commands: each turns its arguments into a run of the pipeline (or a scaffold) and an exit code.

mod build;
mod diff;
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

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Build(args) => build::command_then_open(
            Options {
                root: args.common.root,
                out: args.out,
                write: true,
                strict: args.common.strict,
                verbose: args.common.verbose,
                today: args.common.today,
                history_at: None,
                snapshot: None,
            },
            args.common.format,
            args.open,
        ),
        Command::Check(args) => build::command(
            Options {
                root: args.common.root,
                out: None,
                write: false,
                strict: args.common.strict,
                verbose: args.common.verbose,
                today: args.common.today,
                history_at: None,
                snapshot: None,
            },
            args.common.format,
        ),
        Command::Init(args) => scaffold::init(&args).map(|()| ExitCode::SUCCESS),
        Command::New(args) => scaffold::new(&args).map(|()| ExitCode::SUCCESS),
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
