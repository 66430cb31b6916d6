//! The analysed handbook: everything load → resolve → isms → render → history computed, held in
//! memory so `build` and `check` can write (or discard) the site and `serve` can update it in place.

use std::path::PathBuf;
use std::time::Instant;

use crate::diagnostics::{Diagnostic, Fatal, Report, Sources};
use crate::history::{self, History};
use crate::isms::{self, Isms};
use crate::load::{self, Handbook};
use crate::render::{self, RenderedBody, diagrams::DiagramCache, markdown};
use crate::resolve::{self, Index, LinkGraph};
use crate::site::{self, theme::Theme};

/// How to analyse a handbook.
#[derive(Clone, Debug)]
pub struct Settings {
    pub root: PathBuf,
    pub strict: bool,
    /// Print how long each stage took, on stderr.
    pub verbose: bool,
    /// The date reviews are judged against (see [`crate::isms::today`]).
    pub today: Option<jiff::civil::Date>,
    /// Read the history from this repository and revision instead of the handbook folder's own git
    /// (for a revision extracted into a temporary folder by `snapshot`).
    pub history_at: Option<history::At>,
    /// Show the snapshot banner on every page.
    pub snapshot: Option<crate::git::SnapshotInfo>,
}

pub struct Project {
    pub settings: Settings,
    pub sources: Sources,
    pub handbook: Handbook,
    pub theme: Theme,
    /// In document order; each keeps the diagnostics its rendering produced.
    pub bodies: Vec<RenderedBody>,
    pub isms: Isms,
    pub history: Option<History>,
    pub graph: LinkGraph,
    /// Diagnostics not tied to one body: configuration, loading, ids, document control, history.
    pub general: Vec<Diagnostic>,
    pub cache: DiagramCache,
}

impl Project {
    /// Run every stage up to (not including) the pages. `Err` is for problems outside the content.
    pub fn analyse(settings: Settings) -> Result<Project, Fatal> {
        let mut clock = Clock::new(settings.verbose);
        let mut sources = Sources::default();
        let mut report = Report::default();
        let handbook = load::load(&settings.root, &mut sources, &mut report)?;
        clock.lap("load");
        let theme = Theme::load(&handbook.root, &handbook.config.build.theme)?;
        let cache_dir = handbook.root.join(&handbook.config.build.cache_dir);
        let cache = DiagramCache::open(&cache_dir.join("diagrams"));
        let (index, duplicates) = Index::build(&handbook);
        report.extend(duplicates);
        let (isms, problems) =
            isms::analyse(&handbook, &index, &sources, isms::today(settings.today));
        report.extend(problems);
        clock.lap("index, theme, document control");

        // The git history is one `git log`: read it while the documents render.
        let cx = markdown::Context {
            index: &index,
            diagrams: &cache,
        };
        let (bodies, history) = std::thread::scope(|scope| {
            let history = scope.spawn(|| match &settings.history_at {
                Some(at) => history::read_at(
                    at,
                    &load::relative_slash_path(&handbook.config.build.content_dir),
                ),
                None => history::read(&handbook.content_dir),
            });
            let bodies = render::render_all(&handbook, &sources, &cx);
            let history = history
                .join()
                .unwrap_or_else(|_| history::Outcome::Failed("the history reader crashed".into()));
            (bodies, history)
        });
        let history = history_or_warning(history, &mut report);
        clock.lap("render documents, read git history");
        let graph = LinkGraph::build(bodies.iter().map(|b| b.references.as_slice()));
        clock.lap("reference graph");
        Ok(Project {
            settings,
            sources,
            handbook,
            theme,
            bodies,
            isms,
            history,
            graph,
            general: report.diagnostics,
            cache,
        })
    }

    /// Every diagnostic of the handbook as it is now, sorted; `--strict` applied.
    pub fn report(&self) -> Report {
        let mut report = Report::default();
        report.extend(self.general.iter().cloned());
        for body in &self.bodies {
            report.extend(body.diagnostics.iter().cloned());
        }
        let anchors: Vec<Vec<String>> = self
            .bodies
            .iter()
            .map(|b| b.headings.iter().map(|h| h.id.clone()).collect())
            .collect();
        report.extend(resolve::check_anchors(
            &self.handbook.documents,
            self.bodies.iter().flat_map(|b| &b.references),
            &anchors,
        ));
        if self.settings.strict {
            report.make_strict();
        }
        report.normalise();
        report
    }

    pub fn model(&self) -> site::Model<'_> {
        site::Model {
            handbook: &self.handbook,
            bodies: &self.bodies,
            graph: &self.graph,
            isms: &self.isms,
            history: self.history.as_ref(),
            snapshot: self.settings.snapshot.as_ref(),
        }
    }

    pub fn diagram_count(&self) -> usize {
        self.bodies.iter().map(|b| b.diagram_count).sum()
    }
}

/// What an in-place update changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Updated {
    /// Documents (indices) whose page must be rendered again.
    pub pages: std::collections::BTreeSet<usize>,
    /// The set of attachments changed: static files must be copied again.
    pub attachments: bool,
}

impl Project {
    /// Update the project for edits to the Markdown files `paths` (content-relative) in place, when
    /// every edit changed only a document's body. `Ok(None)` means an edit changed more (frontmatter,
    /// a derived title, a new or deleted file) and the caller must analyse the handbook again.
    pub fn update_bodies(&mut self, paths: &[String]) -> Result<Option<Updated>, Fatal> {
        let mut edits = Vec::new();
        for path in paths {
            let Some(i) = self.handbook.documents.iter().position(|d| &d.path == path) else {
                return Ok(None);
            };
            let doc = &self.handbook.documents[i];
            let file = self.handbook.content_dir.join(path);
            let limit = self.handbook.config.build.max_file_size.0;
            let text = match load::read::read(&file, limit) {
                Ok(load::read::Source::Text(text)) => text,
                // Too large or not UTF-8: the full analysis reports it.
                Ok(_) => return Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(Fatal::io("read", &file, e)),
            };
            let old = &self.sources.get(doc.file).text;
            let head = doc.body_start;
            if text.len() < head || text.as_bytes()[..head] != old.as_bytes()[..head] {
                return Ok(None);
            }
            if !doc.fields.contains_key("title")
                && load::markdown::first_h1(&text[head..]).unwrap_or_else(|| doc.id.clone())
                    != doc.title
            {
                return Ok(None); // the title comes from the body's heading, and it changed
            }
            edits.push((i, text));
        }

        // Body edits change no id, title or path: one index serves every edit of the batch.
        let (index, _) = Index::build(&self.handbook);
        let cx = markdown::Context {
            index: &index,
            diagrams: &self.cache,
        };
        let mut updated = Updated::default();
        for (i, text) in edits {
            let file = self.handbook.documents[i].file;
            self.sources.replace(file, text);
            let doc = &self.handbook.documents[i];
            let body = markdown::render(doc, &self.sources.get(file).text, &cx);
            let before: std::collections::BTreeSet<usize> =
                self.graph.outgoing[i].iter().copied().collect();
            let after: std::collections::BTreeSet<usize> = body
                .references
                .iter()
                .map(|r| r.to)
                .filter(|&t| t != i)
                .collect();
            for &gone in before.difference(&after) {
                self.graph.incoming[gone].retain(|&from| from != i);
                updated.pages.insert(gone);
            }
            for &new in after.difference(&before) {
                let incoming = &mut self.graph.incoming[new];
                if let Err(at) = incoming.binary_search(&i) {
                    incoming.insert(at, i);
                }
                updated.pages.insert(new);
            }
            self.graph.outgoing[i] = after.into_iter().collect();
            updated.attachments |= body.attachments != self.bodies[i].attachments;
            self.bodies[i] = body;
            updated.pages.insert(i);
        }
        Ok(Some(updated))
    }
}

fn history_or_warning(outcome: history::Outcome, report: &mut Report) -> Option<History> {
    match outcome {
        history::Outcome::Read(h) => Some(h),
        history::Outcome::NotInGit => None,
        history::Outcome::Shallow => {
            report.push(
                Diagnostic::warning(
                    "shallow-history",
                    "this is a shallow git clone, so revision history and last-changed dates are left out",
                )
                .help("fetch the full history: `git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout in GitHub Actions"),
            );
            None
        }
        history::Outcome::Failed(e) => {
            report.push(
                Diagnostic::warning("history-unavailable", format!("cannot read the git history: {e}"))
                    .help("revision history is left out of the pages; check that `git log` works in this folder"),
            );
            None
        }
    }
}

/// Stage timings for `--verbose`.
pub struct Clock {
    enabled: bool,
    last: Instant,
    last_cpu: Option<f64>,
}

impl Clock {
    pub fn new(enabled: bool) -> Self {
        Clock {
            enabled,
            last: Instant::now(),
            last_cpu: enabled.then(cpu_seconds).flatten(),
        }
    }

    /// With `-v`, print the time since the last lap, the CPU time the process spent in it (which
    /// shows how many cores a stage kept busy), and the peak memory so far.
    pub fn lap(&mut self, stage: &str) {
        if self.enabled {
            let cpu = cpu_seconds();
            let notes: Vec<String> = [
                cpu.zip(self.last_cpu)
                    .map(|(now, then)| format!("{:.0} ms CPU", (now - then) * 1e3)),
                peak_memory_mib().map(|mib| format!("peak {mib} MiB")),
            ]
            .into_iter()
            .flatten()
            .collect();
            eprintln!(
                "{:>8.1} ms  {stage}  ({})",
                self.last.elapsed().as_secs_f64() * 1e3,
                notes.join(", ")
            );
            self.last_cpu = cpu;
        }
        self.last = Instant::now();
    }
}

/// User and system CPU time of the process so far, where the system tells it (Linux; the kernel
/// counts in ticks of 10 ms).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may contain spaces; the fields after it are plain numbers.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// The process's peak resident memory so far, where the system tells it (Linux).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
