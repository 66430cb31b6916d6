//! Mermaid, our own code around the engine (the engine itself does not run here):
//! - `diagram_kind` and `extract_clicks` on the input as a diagram source (statement lines,
//!   `click`/`link` tokens and quoting, callbacks refused, line numbers);
//! - `prepare_source`, which rewrites the click lines with resolved URLs (every other click
//!   resolves, to a URL made from the target as written, quotes and newlines included);
//! - the SVG post-processing (id scoping, theme greys, style-sheet and definition pruning, path
//!   rounding) on the input as the engine's SVG.
//!
//! Every input goes through both halves: seeds are diagram sources and engine SVGs.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use policybook::render::diagrams;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.split_inclusive('\n').count().max(1);
    if let Ok((_, line)) = diagrams::diagram_kind(text) {
        assert!(line >= 1 && line <= lines, "kind on line {line} of {lines}");
    }
    match diagrams::extract_clicks(text) {
        Ok(clicks) => {
            let mut links = BTreeMap::new();
            for (i, click) in clicks.iter().enumerate() {
                assert!(
                    click.line >= 1 && click.line <= lines,
                    "click on line {} of {lines}",
                    click.line
                );
                if i % 2 == 0 {
                    links.insert(click.node.clone(), format!("{}.html", click.target));
                }
            }
            let prepared =
                diagrams::prepare_source(text, &links).expect("clicks were extracted once");
            assert_eq!(
                prepared.split_inclusive('\n').count(),
                text.split_inclusive('\n').count(),
                "prepare_source keeps the line structure"
            );
        }
        Err(e) => {
            if let Some(line) = e.line {
                assert!(
                    line >= 1 && line <= lines,
                    "error on line {line} of {lines}"
                );
            }
        }
    }
    let svg = diagrams::bench_postprocess(text, "fuzz-diagram-1-svg", "Diagram: fuzz");
    let again = diagrams::bench_postprocess(text, "fuzz-diagram-1-svg", "Diagram: fuzz");
    assert_eq!(svg, again, "post-processing is deterministic");
});
