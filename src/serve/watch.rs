//! Watching the handbook's sources with notify, turning bursts of file events into one [`Change`].
//!
//! Editors save in many ways (write in place, write a temporary file and rename it over the
//! original, delete and recreate); all of them end in events on the document's path, so a batch is
//! the set of paths touched until the file system has been quiet for a moment.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};

use super::{Classified, classify};
use crate::diagnostics::Fatal;

/// How long the file system must be quiet before a batch is rebuilt.
const QUIET: Duration = Duration::from_millis(15);

#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// Files of the content folder (content-relative paths): Markdown documents and others
    /// (attachments, `soa.yaml`, or an editor's temporary files).
    Content {
        documents: Vec<String>,
        others: Vec<String>,
    },
    /// The configuration or the theme.
    Everything,
}

pub struct Watcher {
    _watcher: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
    content_dir: PathBuf,
    theme_dir: PathBuf,
}

impl Watcher {
    pub fn start(root: &Path, content_dir: &Path, theme_dir: &Path) -> Result<Watcher, Fatal> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let (tx, events) = channel();
        let mut watcher = notify::recommended_watcher(tx)
            .map_err(|e| Fatal::new(format!("cannot watch for changes: {e}")))?;
        let watch = |w: &mut notify::RecommendedWatcher, path: &Path, mode| {
            w.watch(path, mode)
                .map_err(|e| Fatal::new(format!("cannot watch `{}`: {e}", path.display())))
        };
        watch(&mut watcher, content_dir, RecursiveMode::Recursive)?;
        // The root itself (not recursively) sees book.toml however an editor saves it.
        watch(&mut watcher, root, RecursiveMode::NonRecursive)?;
        if theme_dir.is_dir() {
            watch(&mut watcher, theme_dir, RecursiveMode::Recursive)?;
        }
        Ok(Watcher {
            _watcher: watcher,
            events,
            root: canonical(root),
            content_dir: canonical(content_dir),
            theme_dir: canonical(theme_dir),
        })
    }

    fn classify(&self, path: &Path) -> Option<Classified> {
        let path = match (
            path.parent().and_then(|p| p.canonicalize().ok()),
            path.file_name(),
        ) {
            (Some(parent), Some(name)) => parent.join(name),
            _ => path.to_path_buf(),
        };
        classify(&self.root, &self.content_dir, &self.theme_dir, &path)
    }
}

impl Iterator for Watcher {
    type Item = Change;

    /// Block until something relevant changed, then gather the burst.
    fn next(&mut self) -> Option<Change> {
        loop {
            let mut documents = BTreeSet::new();
            let mut others = BTreeSet::new();
            let mut everything = false;
            let mut first = true;
            loop {
                let event = if first {
                    self.events
                        .recv()
                        .map_err(|_| RecvTimeoutError::Disconnected)
                } else {
                    self.events.recv_timeout(QUIET)
                };
                match event {
                    Ok(Ok(event)) => {
                        if matches!(event.kind, notify::EventKind::Access(_)) {
                            continue;
                        }
                        for path in &event.paths {
                            match self.classify(path) {
                                Some(Classified::Document(rel)) => {
                                    documents.insert(rel);
                                }
                                Some(Classified::Other(rel)) => {
                                    others.insert(rel);
                                }
                                Some(Classified::Everything) => everything = true,
                                None => {}
                            }
                        }
                        first = documents.is_empty() && others.is_empty() && !everything;
                    }
                    Ok(Err(_)) => everything = true, // the watcher lost track: rebuild to be safe
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            if everything {
                return Some(Change::Everything);
            }
            if !documents.is_empty() || !others.is_empty() {
                return Some(Change::Content {
                    documents: documents.into_iter().collect(),
                    others: others.into_iter().collect(),
                });
            }
        }
    }
}
