//! Other tools' conventions that policybook would otherwise misread without a word: fields of
//! other tools' frontmatter, YAML fields without the opening `---` (strongdm/comply), one title
//! shared by many documents. Each becomes a warning with the fix; `policybook import` converts
//! whole handbooks.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diagnostics::{Diagnostic, did_you_mean};

/// The frontmatter fields policybook reads; any other field is kept for templates.
pub const FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "type",
    "order",
    "owner",
    "approver",
    "status",
    "version",
    "effective",
    "last_reviewed",
    "review_every",
    "next_review",
    "classification",
    "controls",
    "clauses",
    "supersedes",
];

/// Fields of other tools (comply, Docusaurus, Hugo, policy templates) whose meaning is one of ours.
const FOREIGN: &[(&str, &str)] = &[
    ("name", "title"),
    ("doc_id", "id"),
    ("document_id", "id"),
    ("effective_date", "effective"),
    ("effectivedate", "effective"),
    ("approval_date", "effective"),
    ("approved_by", "approver"),
    ("approvedby", "approver"),
    ("doc_owner", "owner"),
    ("document_owner", "owner"),
    ("policy_owner", "owner"),
    ("review_interval", "review_every"),
    ("review_frequency", "review_every"),
    ("review_cycle", "review_every"),
    ("last_review", "last_reviewed"),
    ("last_review_date", "last_reviewed"),
    ("last_reviewed_date", "last_reviewed"),
    ("next_review_date", "next_review"),
    ("sidebar_position", "order"),
    ("weight", "order"),
    ("nav_order", "order"),
    ("category", "type"),
    ("doc_type", "type"),
    ("classification_level", "classification"),
];

/// The field an author most likely meant by `key`, when `key` is not one of [`FIELDS`].
pub fn meant_field(key: &str) -> Option<&'static str> {
    if FIELDS.contains(&key) {
        return None;
    }
    let folded = key.to_ascii_lowercase().replace('-', "_");
    if let Some((_, ours)) = FOREIGN
        .iter()
        .find(|(theirs, _)| *theirs == folded || theirs.replace('_', "") == folded)
    {
        return Some(ours);
    }
    if FIELDS.contains(&folded.as_str()) {
        return FIELDS.iter().copied().find(|f| *f == folded);
    }
    // Typos only: a short custom field (`tags`, `scope`) must not be mistaken for one of ours.
    let candidate = did_you_mean(&folded, FIELDS.iter().copied())?;
    (strsim::levenshtein(&folded, candidate) <= 2 && folded.len() >= 4).then_some(candidate)
}

/// The warning for a field policybook does not read but probably should.
pub fn foreign_field(key: &str, ours: &str) -> Diagnostic {
    Diagnostic::warning(
        "unknown-field",
        format!("`{key}` is not a field policybook reads (it is kept only for templates)"),
    )
    .help(format!(
        "did you mean `{ours}`? rename the field; `policybook import` maps other tools' fields"
    ))
}

/// In a file without frontmatter: the span of leading lines that look like YAML fields (two or
/// more `key: value` lines before the first blank line), as strongdm/comply writes its metadata
/// without an opening `---`.
pub fn unfenced_frontmatter(text: &str) -> Option<Range<usize>> {
    let mut keys = 0;
    let mut end = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() || content == "---" {
            break;
        }
        if is_key_line(content) {
            keys += 1;
        } else if !content.starts_with([' ', '\t', '-']) {
            break;
        }
        end = at + content.len();
        at += line.len();
    }
    (keys >= 2).then_some(0..end)
}

fn is_key_line(line: &str) -> bool {
    let Some((key, rest)) = line.split_once(':') else {
        return false;
    };
    !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && (rest.is_empty() || rest.starts_with(' '))
}

pub fn unfenced_frontmatter_warning() -> Diagnostic {
    Diagnostic::warning(
        "unfenced-frontmatter",
        "this looks like frontmatter without `---`: it is read as the document's text",
    )
    .help(
        "add a line `---` before the fields and another after them; for a strongdm/comply handbook, \
         `policybook import comply` converts every file",
    )
}

/// Titles shared by more than one document: title → the indices of the documents, in order.
pub fn shared_titles<'a>(titles: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, Vec<usize>> {
    let mut by_title: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, title) in titles.enumerate() {
        by_title.entry(title).or_default().push(i);
    }
    by_title.retain(|_, docs| docs.len() > 1);
    by_title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_tools_fields_and_typos_are_recognised() {
        assert_eq!(meant_field("effective_date"), Some("effective"));
        assert_eq!(meant_field("effectiveDate"), Some("effective"));
        assert_eq!(meant_field("review-interval"), Some("review_every"));
        assert_eq!(meant_field("approved_by"), Some("approver"));
        assert_eq!(meant_field("name"), Some("title"));
        assert_eq!(meant_field("ownr"), Some("owner"));
        assert_eq!(meant_field("Owner"), Some("owner"));
        assert_eq!(meant_field("owner"), None);
        assert_eq!(meant_field("tags"), None);
        assert_eq!(meant_field("scope"), None);
        assert_eq!(meant_field("audience"), None);
    }

    #[test]
    fn yaml_fields_without_the_opening_line() {
        let comply = "name: Access Control Policy\nacronym: ACP\nsatisfies:\n  TSC:\n    - CC6.1\n---\n# Purpose and Scope\n";
        let span = unfenced_frontmatter(comply).unwrap();
        assert!(comply[span].ends_with("    - CC6.1"));
        assert_eq!(unfenced_frontmatter("# Title\n\nowner: x\nid: y\n"), None);
        assert_eq!(
            unfenced_frontmatter("Note: one line of prose.\n\nText.\n"),
            None
        );
        assert_eq!(
            unfenced_frontmatter("Purpose: protect data. Scope: all staff.\n"),
            None
        );
    }

    #[test]
    fn shared_titles_are_grouped() {
        let titles = ["Purpose and Scope", "Backup", "Purpose and Scope"];
        let shared = shared_titles(titles.into_iter());
        assert_eq!(shared.len(), 1);
        assert_eq!(shared["Purpose and Scope"], [0, 2]);
    }
}
