use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the build allocates millions of short-lived strings on every core; glibc's allocator
/// spent a fifth of a 10,000-document build in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = policybook::cli::Cli::parse();
    policybook::commands::run(cli)
}
