//! book.toml: `config::parse` (TOML, unknown keys found through serde_ignored and located by
//! `find_key`, located errors) and the edit-URL template of the result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policybook::config;
use policybook::diagnostics::FileId;

#[path = "../common/check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = FileId(0);
    let (parsed, diagnostics) = config::parse(text, file);
    check::diagnostics_in(text, file, &diagnostics);
    let _ = parsed.output.html.edit_url(std::path::Path::new(
        "content/policies/access-control-policy.md",
    ));
});
