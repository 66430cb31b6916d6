use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the build allocates millions of short-lived strings on every core; glibc's allocator
/// spent a fifth of a 10,000-document build in malloc and free. Built without transparent huge
/// pages (`no_thp`): with them, a 10,000-document build peaked 90 MiB higher for the same work.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = policybook::cli::Cli::parse();
    policybook::commands::run(cli)
}
