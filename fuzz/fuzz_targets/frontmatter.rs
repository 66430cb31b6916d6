//! Frontmatter: `load::frontmatter::split` on a whole document (the `---` fences, the YAML
//! through gray_matter/yaml-rust2, the key spans and the located YAML errors).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policybook::diagnostics::{Diagnostic, FileId};
use policybook::load::frontmatter;

#[path = "../common/check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    // The loader rejects non-UTF-8 files before splitting.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match frontmatter::split(text) {
        Ok(fm) => {
            check::span_in(text, &(fm.body_start..text.len()), "body");
            for (key, span) in &fm.key_spans {
                check::span_in(text, span, key);
            }
            for value in fm.fields.values() {
                let _ = frontmatter::json_kind(value);
            }
        }
        Err(e) => {
            check::span_in(text, &e.span, "frontmatter error");
            assert!(!e.message.is_empty() && !e.help.is_empty());
            // As the loader reports it.
            let found = Diagnostic::error("invalid-frontmatter", e.message)
                .at(FileId(0), e.span)
                .help(e.help);
            check::diagnostics_in(text, FileId(0), &[found]);
        }
    }
});
