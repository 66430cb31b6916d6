//! Render: each document's Markdown body to HTML, in parallel, plus what rendering learnt (headings,
//! references, attachments). Templates come later, in `site`.

pub mod diagrams;
pub mod markdown;

use rayon::prelude::*;

use crate::diagnostics::Sources;
use crate::load::Handbook;
pub use markdown::{Context, Heading, RenderedBody};

/// Render every document's body; the result is in document order.
pub fn render_all(handbook: &Handbook, sources: &Sources, cx: &Context) -> Vec<RenderedBody> {
    handbook
        .documents
        .par_iter()
        .map(|doc| markdown::render(doc, &sources.get(doc.file).text, cx))
        .collect()
}
