//! Links of a site generator's pages made relative to the converted handbook: other pages by their
//! source path or site route, files from the source (or its `static/` folder) copied under
//! `content/files/`. What cannot be resolved is unlinked (the text stays) and reported.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::path::PathBuf;

use super::body::{self, LinkFix};
use super::{Converted, Entry, Page};

pub struct Links {
    /// SRC.
    pub root: PathBuf,
    /// Where the pages live in SRC (`docs`), `/`-separated, or empty.
    pub docs_dir: String,
    /// A page's source path (relative to SRC) → its path in DEST.
    pub by_source: BTreeMap<String, String>,
    /// A site route (`/docs/policies/access`, no trailing `/`) → its path in DEST.
    pub routes: BTreeMap<String, String>,
    /// Folders (relative to SRC) that site-absolute file links are served from (`static`).
    pub static_dirs: Vec<String>,
    /// A page's path in DEST → the ids of its headings, as policybook makes them.
    pub anchors: BTreeMap<String, BTreeSet<String>>,
}

impl Links {
    pub fn new(root: &std::path::Path, docs_dir: &str, pages: &[Page]) -> Links {
        Links {
            root: root.to_path_buf(),
            docs_dir: docs_dir.to_string(),
            by_source: pages
                .iter()
                .map(|p| (p.source.clone(), p.out_path()))
                .collect(),
            routes: BTreeMap::new(),
            static_dirs: Vec::new(),
            anchors: pages
                .iter()
                .map(|p| (p.out_path(), heading_ids(&p.body)))
                .collect(),
        }
    }
}

/// The ids policybook gives the headings of `body`: an explicit `{#id}`, else the slug of the text.
pub fn heading_ids(body: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut events = Parser::new_ext(body, crate::load::markdown::options());
    while let Some(event) = events.next() {
        if let Event::Start(Tag::Heading { id, .. }) = event {
            let inner: Vec<Event> = events
                .by_ref()
                .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                .collect();
            ids.insert(match id {
                Some(id) => id.to_string(),
                None => {
                    crate::render::markdown::slugify(&crate::load::markdown::plain_text(&inner))
                }
            });
        }
    }
    ids
}

impl Links {
    /// Rewrite the links of `page` (already given its id).
    pub fn rewrite(&self, page: &Page, out: &mut Converted) -> String {
        let from = page.out_path();
        let dir = page
            .source
            .rsplit_once('/')
            .map_or("", |(d, _)| d)
            .to_string();
        let mut notes = Vec::new();
        let body = body::rewrite_links(&page.body, |target, image| {
            let (fix, note) = self.resolve(&dir, &from, target, image, out);
            if let Some(note) = note {
                notes.push(note);
            }
            fix
        });
        for (target, what, check) in notes {
            let line = line_of(&page.body, &target).map_or(page.body_line, |n| page.body_line + n);
            out.entries.push(if check {
                Entry::check(&page.source, line, what)
            } else {
                Entry::change(&page.source, line, what)
            });
        }
        body
    }

    /// The fix for one link target, and a report note (target, what, whether to look at it).
    fn resolve(
        &self,
        dir: &str,
        from: &str,
        target: &str,
        image: bool,
        out: &mut Converted,
    ) -> (LinkFix, Option<(String, String, bool)>) {
        let note = |what: String, check: bool| Some((target.to_string(), what, check));
        if let Some(anchor) = target.strip_prefix('#') {
            if self
                .anchors
                .get(from)
                .is_some_and(|ids| !ids.contains(anchor))
            {
                return (
                    LinkFix::Unlink,
                    note(
                        format!(
                            "this page has no heading `{target}`: the link was removed, its text kept"
                        ),
                        true,
                    ),
                );
            }
            return (LinkFix::Keep, None);
        }
        if target.is_empty() || target.starts_with("mailto:") {
            return (LinkFix::Keep, None);
        }
        if target.contains("://") {
            if image {
                return (
                    LinkFix::Unimage,
                    note(
                        format!(
                            "the external image `{target}` became a link (a published handbook works offline): download it into content/ if it matters"
                        ),
                        true,
                    ),
                );
            }
            return (LinkFix::Keep, None);
        }
        let (path, anchor) = target.split_once('#').map_or((target, ""), |(p, a)| (p, a));
        let mut anchor = if anchor.is_empty() {
            String::new()
        } else {
            format!("#{anchor}")
        };
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        let found = if let Some(absolute) = path.strip_prefix('/') {
            self.route(absolute)
                .map(|to| (to, "page"))
                .or_else(|| self.static_file(absolute, out).map(|to| (to, "file")))
        } else {
            body::join(dir, path).and_then(|joined| {
                self.page(&joined)
                    .map(|to| (to, "page"))
                    .or_else(|| self.copy(&joined, out).map(|to| (to, "file")))
            })
        };
        match found {
            Some((to, what)) => {
                let mut check = false;
                let mut why = format!("the {what} it points to");
                if let Some(ids) = self.anchors.get(&to)
                    && !anchor.is_empty()
                    && !ids.contains(&anchor[1..])
                {
                    why = format!(
                        "{why}; it has no heading `{anchor}`, so the link goes to the top of the page"
                    );
                    anchor.clear();
                    check = true;
                }
                let new = format!("{}{anchor}", body::relative(from, &to));
                let n = (new != target).then(|| {
                    (
                        target.to_string(),
                        format!("link `{target}` became `{new}` ({why})"),
                        check,
                    )
                });
                (LinkFix::Replace(new), n)
            }
            None if path.is_empty() => (LinkFix::Keep, None),
            None => (
                LinkFix::Unlink,
                note(
                    if image {
                        format!("the image `{target}` is nowhere in the source: it was removed")
                    } else {
                        format!(
                            "the link to `{target}` points at nothing in the source: the link was removed, its text kept"
                        )
                    },
                    true,
                ),
            ),
        }
    }

    fn page(&self, joined: &str) -> Option<String> {
        let trimmed = joined.trim_end_matches('/');
        [
            trimmed.to_string(),
            format!("{trimmed}.md"),
            format!("{trimmed}.mdx"),
            format!("{trimmed}/index.md"),
            format!("{trimmed}/README.md"),
        ]
        .iter()
        .find_map(|p| self.by_source.get(p).cloned())
    }

    fn route(&self, absolute: &str) -> Option<String> {
        let trimmed = absolute.trim_end_matches('/');
        let trimmed = trimmed
            .strip_suffix(".md")
            .or_else(|| trimmed.strip_suffix(".mdx"))
            .unwrap_or(trimmed);
        let trimmed = trimmed.strip_suffix(".html").unwrap_or(trimmed);
        self.routes
            .get(&format!("/{trimmed}"))
            .cloned()
            .or_else(|| self.page(&super::body::join(&self.docs_dir, trimmed)?))
    }

    /// A site-absolute file: from a static folder to the same path under `content/`, else from SRC.
    fn static_file(&self, absolute: &str, out: &mut Converted) -> Option<String> {
        for dir in &self.static_dirs {
            let file = self.root.join(dir).join(absolute);
            if file.is_file() && !absolute.is_empty() {
                let to = format!("content/{absolute}");
                out.copies.insert(to.clone(), file);
                return Some(to);
            }
        }
        self.copy(absolute, out)
    }

    /// Copy a file of SRC (relative) under `content/files/`, keeping its path below the docs or
    /// static folder.
    fn copy(&self, rel: &str, out: &mut Converted) -> Option<String> {
        let file = self.root.join(rel);
        if rel.is_empty() || !file.is_file() || rel.ends_with(".md") || rel.ends_with(".mdx") {
            return None;
        }
        let inner = Some(self.docs_dir.as_str())
            .filter(|d| !d.is_empty())
            .and_then(|d| rel.strip_prefix(&format!("{d}/")))
            .unwrap_or(rel);
        let to = format!("content/files/{inner}");
        out.copies.insert(to.clone(), file);
        Some(to)
    }
}

/// The 0-based line of `body` that first mentions `target` as a link target.
fn line_of(body: &str, target: &str) -> Option<usize> {
    let needle = format!("]({target}");
    body.lines().position(|l| l.contains(&needle))
}
