//! Statement of Applicability: `isms::soa::parse` on a whole `soa.yaml` (YAML, control-id lookup
//! with 2013 ids and suggestions, entry fields, located errors).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policybook::diagnostics::FileId;
use policybook::isms::soa;

#[path = "../common/check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = FileId(0);
    let (parsed, diagnostics) = soa::parse(text, file);
    check::diagnostics_in(text, file, &diagnostics);
    for entry in parsed.entries.values() {
        check::span_in(text, &entry.span, "soa entry");
    }
});
