use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = policybook::cli::Cli::parse();
    policybook::commands::run(cli)
}
