//! Resolve: the id index, what a `[label]` or a relative link points to, and the reference graph
//! (what each document references and what references it).
//!
//! Pure lookups over the loaded documents: no file system, no rendering.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use crate::diagnostics::{Diagnostic, FileId, did_you_mean};
use crate::load::{Document, Handbook, is_valid_id};

/// Documents by id and by path.
pub struct Index<'a> {
    pub documents: &'a [Document],
    by_id: BTreeMap<&'a str, usize>,
    by_path: HashMap<&'a str, usize>,
    assets: &'a BTreeSet<String>,
}

/// What a bracketed label such as `[access-control-policy#scope]` is.
#[derive(Debug, PartialEq, Eq)]
pub enum Label<'a> {
    /// A document (and maybe a heading in it).
    Document { doc: usize, anchor: Option<&'a str> },
    /// Looks like a document id but none has it: an error, with the closest id if any.
    UnknownId {
        id: &'a str,
        suggestion: Option<&'a str>,
    },
    /// Ordinary bracketed prose such as `[sic]`: left alone.
    Prose,
}

/// What the destination of a Markdown link or image is.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// Has a scheme (`https:`, `mailto:`): left as it is.
    External,
    /// `#anchor` in the same document.
    SamePage(&'a str),
    Document {
        doc: usize,
        anchor: Option<&'a str>,
    },
    /// A non-Markdown file of the content folder, relative to it.
    Asset(String),
    /// Relative path inside the content folder that does not exist; with a close existing path.
    Missing {
        path: String,
        suggestion: Option<String>,
    },
    /// Climbs out of the content folder, or is absolute.
    Outside,
}

impl<'a> Index<'a> {
    /// Index the documents; duplicate ids are reported naming both files.
    pub fn build(handbook: &'a Handbook) -> (Index<'a>, Vec<Diagnostic>) {
        let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
        let mut diagnostics = Vec::new();
        for (i, doc) in handbook.documents.iter().enumerate() {
            if let Some(&first) = by_id.get(doc.id.as_str()) {
                let first = &handbook.documents[first];
                diagnostics.push(
                    Diagnostic::error("duplicate-id", format!("two documents have the id `{}`", doc.id))
                        .at(doc.file, doc.field_span("id"))
                        .label("second document with this id")
                        .related(first.file, first.field_span("id"), format!("first used in {}", first.path))
                        .help(format!(
                            "ids are permanent page addresses and must be unique: rename one of `{}` and `{}`",
                            first.path, doc.path
                        )),
                );
            } else {
                by_id.insert(&doc.id, i);
            }
        }
        let by_path = handbook
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.path.as_str(), i))
            .collect();
        let index = Index {
            documents: &handbook.documents,
            by_id,
            by_path,
            assets: &handbook.assets,
        };
        (index, diagnostics)
    }

    pub fn get(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.by_id.keys().copied()
    }

    pub fn suggest(&self, word: &str) -> Option<&'a str> {
        did_you_mean(word, self.ids())
    }

    /// Classify a shortcut or reference label that the document did not define itself.
    pub fn label<'l>(&self, label: &'l str) -> Label<'l>
    where
        'a: 'l,
    {
        let (id, anchor) = match label.split_once('#') {
            Some((id, anchor)) => (id, Some(anchor)),
            None => (label, None),
        };
        if let Some(doc) = self.get(id) {
            return Label::Document { doc, anchor };
        }
        if !is_valid_id(id) {
            return Label::Prose;
        }
        // Ids are sorted, so the first one not before `id` is the one that starts with it, if any.
        let is_prefix = id.len() >= 3
            && self
                .by_id
                .range(id..)
                .next()
                .is_some_and(|(known, _)| known.starts_with(id));
        if id.contains('-') || is_prefix || anchor.is_some() {
            let suggestion = self.suggest(id);
            Label::UnknownId { id, suggestion }
        } else {
            Label::Prose
        }
    }

    /// Classify the destination of a link written in the document at `from` (a content-relative path).
    pub fn target<'d>(&self, from: &str, dest: &'d str) -> Target<'d> {
        if dest.is_empty() {
            return Target::External;
        }
        if let Some(anchor) = dest.strip_prefix('#') {
            return Target::SamePage(anchor);
        }
        if has_scheme(dest) || dest.starts_with("//") {
            return Target::External;
        }
        if dest.starts_with('/') || dest.starts_with('\\') {
            return Target::Outside;
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (dest, None),
        };
        let path = path.split('?').next().unwrap_or(path);
        let path = percent_decode(path);
        let base = from.rsplit_once('/').map_or("", |(dir, _)| dir);
        let Some(joined) = join_inside(base, &path) else {
            return Target::Outside;
        };
        if let Some(&doc) = self.by_path.get(joined.as_str()) {
            return Target::Document { doc, anchor };
        }
        if self.assets.contains(&joined) {
            return Target::Asset(joined);
        }
        let candidates = self
            .by_path
            .keys()
            .copied()
            .chain(self.assets.iter().map(String::as_str));
        let suggestion = did_you_mean(&joined, candidates).map(|s| relative_from(base, s));
        Target::Missing {
            path: joined,
            suggestion,
        }
    }
}

fn has_scheme(dest: &str) -> bool {
    match dest.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `base/path` with `.` and `..` folded, or `None` if it climbs above the content folder.
pub fn join_inside(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// How to write content-relative `target` from a document in folder `base`.
fn relative_from(base: &str, target: &str) -> String {
    let depth = base.split('/').filter(|p| !p.is_empty()).count();
    format!("{}{target}", "../".repeat(depth))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// A reference from one document to another, where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub to: usize,
    pub anchor: Option<String>,
    pub file: FileId,
    pub span: Range<usize>,
}

/// Who references whom, deduplicated, in document order.
#[derive(Debug, Default)]
pub struct LinkGraph {
    pub outgoing: Vec<Vec<usize>>,
    pub incoming: Vec<Vec<usize>>,
}

impl LinkGraph {
    /// `references[i]` are the references written in document `i`.
    pub fn build<'r>(references: impl ExactSizeIterator<Item = &'r [Reference]>) -> LinkGraph {
        let n = references.len();
        let mut outgoing = vec![BTreeSet::new(); n];
        let mut incoming = vec![BTreeSet::new(); n];
        for (from, refs) in references.enumerate() {
            for r in refs {
                if r.to != from {
                    outgoing[from].insert(r.to);
                    incoming[r.to].insert(from);
                }
            }
        }
        LinkGraph {
            outgoing: outgoing
                .into_iter()
                .map(|s| s.into_iter().collect())
                .collect(),
            incoming: incoming
                .into_iter()
                .map(|s| s.into_iter().collect())
                .collect(),
        }
    }
}

/// Every `[doc#anchor]` must name a heading of `doc`. `anchors[i]` are document `i`'s heading ids.
pub fn check_anchors<'r>(
    documents: &[Document],
    references: impl Iterator<Item = &'r Reference>,
    anchors: &[Vec<String>],
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for r in references {
        let Some(anchor) = &r.anchor else { continue };
        let known = &anchors[r.to];
        if anchor.is_empty() || known.iter().any(|a| a == anchor) {
            continue;
        }
        let target = &documents[r.to];
        let help = match did_you_mean(anchor, known.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `#{s}`?"),
            None if known.is_empty() => format!("`{}` has no headings to link to", target.id),
            None => format!(
                "headings of `{}`: {}",
                target.id,
                known
                    .iter()
                    .map(|a| format!("#{a}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        diagnostics.push(
            Diagnostic::error(
                "unknown-anchor",
                format!("`{}` has no heading `#{anchor}`", target.id),
            )
            .at(r.file, r.span.clone())
            .label("no such heading")
            .help(help),
        );
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::PathBuf;

    fn handbook(paths: &[(&str, &str)], assets: &[&str]) -> Handbook {
        let documents = paths
            .iter()
            .enumerate()
            .map(|(i, (id, path))| Document {
                file: FileId(i),
                path: path.to_string(),
                id: id.to_string(),
                title: id.to_string(),
                description: None,
                kind: "policy".into(),
                order: None,
                fields: Default::default(),
                key_spans: Default::default(),
                item_spans: Default::default(),
                body_start: 0,
            })
            .collect();
        Handbook {
            root: PathBuf::new(),
            config: Config::default(),
            content_dir: PathBuf::new(),
            documents,
            assets: assets.iter().map(|s| s.to_string()).collect(),
            soa: None,
            skipped: Vec::new(),
        }
    }

    #[test]
    fn labels() {
        let h = handbook(
            &[(
                "information-security-policy",
                "policies/information-security-policy.md",
            )],
            &[],
        );
        let (index, diags) = Index::build(&h);
        assert!(diags.is_empty());
        assert_eq!(
            index.label("information-security-policy#scope"),
            Label::Document {
                doc: 0,
                anchor: Some("scope")
            }
        );
        assert_eq!(
            index.label("information-securty-policy"),
            Label::UnknownId {
                id: "information-securty-policy",
                suggestion: Some("information-security-policy")
            }
        );
        assert_eq!(index.label("sic"), Label::Prose);
        assert_eq!(index.label("Some prose"), Label::Prose);
        assert!(
            matches!(index.label("information"), Label::UnknownId { .. }),
            "prefix of an id"
        );
    }

    #[test]
    fn targets() {
        let h = handbook(
            &[
                ("a-policy", "policies/a-policy.md"),
                ("b-proc", "procedures/b-proc.md"),
            ],
            &["images/flow chart.png"],
        );
        let (index, _) = Index::build(&h);
        let from = "policies/a-policy.md";
        assert_eq!(index.target(from, "https://x.org"), Target::External);
        assert_eq!(index.target(from, "mailto:a@b.c"), Target::External);
        assert_eq!(index.target(from, "#top"), Target::SamePage("top"));
        assert_eq!(
            index.target(from, "../procedures/b-proc.md#step-2"),
            Target::Document {
                doc: 1,
                anchor: Some("step-2")
            }
        );
        assert_eq!(
            index.target(from, "../images/flow%20chart.png"),
            Target::Asset("images/flow chart.png".into())
        );
        assert_eq!(index.target(from, "../../etc/passwd"), Target::Outside);
        assert_eq!(index.target(from, "/etc/passwd"), Target::Outside);
        assert_eq!(
            index.target(from, "../procedures/b-proce.md"),
            Target::Missing {
                path: "procedures/b-proce.md".into(),
                suggestion: Some("../procedures/b-proc.md".into())
            }
        );
    }

    #[test]
    fn duplicate_ids_name_both_files() {
        let h = handbook(
            &[("a-b", "policies/a-b.md"), ("a-b", "procedures/a-b.md")],
            &[],
        );
        let (_, diags) = Index::build(&h);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].help.as_ref().unwrap().contains("policies/a-b.md"));
        assert!(
            diags[0]
                .help
                .as_ref()
                .unwrap()
                .contains("procedures/a-b.md")
        );
        assert_eq!(diags[0].related.len(), 1);
    }

    #[test]
    fn graph_deduplicates_and_ignores_self_links() {
        let r = |to| Reference {
            to,
            anchor: None,
            file: FileId(0),
            span: 0..0,
        };
        let refs = [vec![r(1), r(1), r(0)], vec![r(0)], vec![]];
        let g = LinkGraph::build(refs.iter().map(Vec::as_slice));
        assert_eq!(g.outgoing, vec![vec![1], vec![0], vec![]]);
        assert_eq!(g.incoming, vec![vec![1], vec![0], vec![]]);
    }
}
