//! policybook's integration tests: one binary, a module per feature, fixture handbooks built in
//! temporary folders through [`support::Book`].

mod cli;
mod content;
mod diagrams;
mod diff;
mod foreign;
mod fuzzed;
mod history;
mod hostile;
mod import;
mod isms;
mod output;
mod references;
mod review_pack;
mod serve;
mod snapshot;
mod support;
mod theme;
