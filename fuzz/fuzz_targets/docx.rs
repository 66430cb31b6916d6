//! Word documents: `import::docx::convert` on arbitrary bytes as a `.docx` (the zip reader and its
//! limits, the XML reader and its depth limit, styles, numbering, relationships, the control table,
//! dates, lists, tables, images). Small limits keep each run fast; the target checks no panic, a
//! Markdown body that pulldown-cmark reads, and frontmatter values without line breaks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policybook::import::docx::{self, DocxOptions, Limits};

fuzz_target!(|data: &[u8]| {
    let options = DocxOptions {
        limits: Limits {
            max_entries: 64,
            max_entry_bytes: 256 * 1024,
            max_total_bytes: 1024 * 1024,
            max_xml_depth: 64,
        },
        ..DocxOptions::default()
    };
    let Ok(document) = docx::convert(data, "fuzzed.docx", &options) else {
        return;
    };
    for (key, value) in &document.fields {
        assert!(!key.is_empty(), "an empty field name");
        assert!(!value.contains('\n'), "a line break in `{key}`: {value:?}");
    }
    let events = pulldown_cmark::Parser::new(&document.markdown).count();
    assert!(events > 0 || document.markdown.trim().is_empty());
});
