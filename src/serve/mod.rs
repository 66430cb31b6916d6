//! `serve`: build into memory, serve over HTTP, watch the sources and rebuild on change, then tell
//! open pages to reload (or to show the errors) over Server-Sent Events.
//!
//! Each change gets the cheapest correct rebuild: an edit to a document's body re-renders that
//! document and the pages whose backlinks it changed; anything else (frontmatter, new or deleted
//! files, the theme, `book.toml`) analyses the handbook again. A broken edit keeps the last good site
//! and shows the diagnostics in the browser; the server never exits because of content. A rebuild
//! that fails outside the content (a template, a file that cannot be read) or panics (a bug in
//! policybook or a library) is caught the same way: the last good site stays, the error is shown,
//! and the next change analyses everything again.

mod errors;
mod http;
mod site;
pub mod watch;

use std::any::Any;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::diagnostics::{self, Fatal, Format, Report};
use crate::project::{Project, Settings};
pub use site::{Entry, MemorySite};

pub struct ServeOptions {
    pub settings: Settings,
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
}

/// What open pages are told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The site changed: reload.
    Reload,
    /// The last change broke the build: show these diagnostics (plain text) over the page.
    Errors(String),
}

/// The live state: the analysed handbook and the last good site built from it.
pub struct Live {
    pub project: Project,
    /// The last good site; empty until a build succeeds.
    pub site: MemorySite,
    /// Counts the sites built, so a page can tell whether it shows the current one (0: none yet).
    pub generation: u64,
    /// Every diagnostic of the current sources.
    pub report: Report,
    /// What is wrong with the current sources, as text, when something is (the site is then the
    /// last good one): the report's errors, or the failure of the last rebuild.
    pub errors: Option<String>,
    /// The last rebuild failed, so `project` may be half updated: the next change analyses again
    /// (as it does while there is no site to update).
    stale: bool,
    /// Document pages to render once the errors are fixed.
    pending: BTreeSet<usize>,
    pending_attachments: bool,
    /// The print page lags behind the document pages until [`Live::refresh`], which the server
    /// calls when it is requested.
    print_stale: bool,
    /// How the last change was applied.
    pub last: Rebuild,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rebuild {
    /// Everything analysed and rendered again.
    Full,
    /// Only the edited documents' bodies and the pages they affect.
    Incremental { pages: usize },
}

impl Live {
    /// Analyse and build everything. `Err` only when the handbook cannot be analysed at all (no
    /// `book.toml`, no content folder, a broken theme); content errors and a failing first build
    /// give a `Live` without a site, whose [`Live::errors`] say why.
    pub fn start(settings: Settings) -> Result<Live, Fatal> {
        let project = match catch_unwind(AssertUnwindSafe(|| Project::analyse(settings))) {
            Ok(project) => project?,
            Err(panic) => return Err(Fatal::new(internal_error(panic.as_ref()))),
        };
        let mut live = Live {
            site: MemorySite::default(),
            generation: 0,
            project,
            report: Report::default(),
            errors: None,
            stale: false,
            pending: BTreeSet::new(),
            pending_attachments: false,
            print_stale: false,
            last: Rebuild::Full,
        };
        live.guarded(|live| live.rebuild_all().map(|()| None));
        Ok(live)
    }

    /// Whether a build has succeeded, so there are pages to serve.
    pub fn has_site(&self) -> bool {
        self.generation > 0
    }

    /// Run a step of a rebuild so that whatever it does, the server goes on: a `Fatal` or a panic
    /// becomes the errors shown (and `Event::Errors`), the last good site stays, and the next change
    /// analyses everything again. No panic reaches the caller, so no lock held around this is
    /// poisoned.
    fn guarded(
        &mut self,
        step: impl FnOnce(&mut Live) -> Result<Option<Event>, Fatal>,
    ) -> Option<Event> {
        let failure = match catch_unwind(AssertUnwindSafe(|| step(self))) {
            Ok(Ok(event)) => return event,
            Ok(Err(fatal)) => format!("error: {fatal}"),
            Err(panic) => format!("error: {}", internal_error(panic.as_ref())),
        };
        self.stale = true;
        self.errors = Some(failure.clone());
        Some(Event::Errors(failure))
    }

    /// Collect the current diagnostics; `true` when there are no errors, so the site may change.
    fn judge(&mut self) -> bool {
        self.report = self.project.report();
        self.errors = self
            .report
            .has_errors()
            .then(|| errors::render_report(&self.report, &self.project));
        self.errors.is_none()
    }

    fn rebuild_all(&mut self) -> Result<(), Fatal> {
        if !self.judge() {
            return Ok(());
        }
        test_hook::panic_if_marked(&self.project);
        self.site = MemorySite::build(&self.project)?;
        self.generation += 1;
        self.pending.clear();
        self.pending_attachments = false;
        self.print_stale = false;
        Ok(())
    }

    /// Bring the pages that lag behind (the print page) up to date; a no-op while there are errors
    /// (the print page of the last good state is then served). Called when the print page is
    /// requested, so edits are not slowed down by re-assembling every document. Returns what to
    /// tell open pages if that fails.
    pub fn refresh(&mut self) -> Option<Event> {
        self.guarded(|live| {
            if live.print_stale && live.errors.is_none() {
                live.site.refresh_print(&live.project)?;
                live.print_stale = false;
            }
            Ok(None)
        })
    }

    /// Apply a batch of changes. Returns what to tell open pages, if anything changed.
    pub fn apply(&mut self, change: &watch::Change) -> Option<Event> {
        self.guarded(|live| live.try_apply(change))
    }

    fn try_apply(&mut self, change: &watch::Change) -> Result<Option<Event>, Fatal> {
        let updated = match change {
            watch::Change::Content { documents, others }
                if !self.stale && self.has_site() && !self.affects_handbook(others) =>
            {
                if documents.is_empty() {
                    return Ok(None);
                }
                self.project.update_bodies(documents)?
            }
            _ => None,
        };
        match updated {
            None => {
                let settings = self.project.settings.clone();
                self.project = Project::analyse(settings)?;
                self.stale = false;
                self.rebuild_all()?;
                self.last = Rebuild::Full;
            }
            Some(updated) => {
                self.last = Rebuild::Incremental {
                    pages: updated.pages.len(),
                };
                self.pending.extend(updated.pages);
                self.pending_attachments |= updated.attachments;
                if self.judge() {
                    test_hook::panic_if_marked(&self.project);
                    let pages = std::mem::take(&mut self.pending);
                    let attachments = std::mem::take(&mut self.pending_attachments);
                    self.site
                        .update_documents(&self.project, pages, attachments)?;
                    self.generation += 1;
                    self.print_stale = true;
                }
            }
        }
        Ok(Some(self.event()))
    }

    fn event(&self) -> Event {
        match &self.errors {
            Some(text) => Event::Errors(text.clone()),
            None => Event::Reload,
        }
    }

    /// Whether changes to these non-Markdown content files matter: existing files do (attachments,
    /// `soa.yaml`), and so do known attachments that were deleted; a path that is gone and was never
    /// part of the handbook is an editor's temporary file.
    fn affects_handbook(&self, others: &[String]) -> bool {
        let handbook = &self.project.handbook;
        others
            .iter()
            .any(|rel| handbook.assets.contains(rel) || handbook.content_dir.join(rel).exists())
    }
}

/// What a caught panic is reported as.
fn internal_error(panic: &(dyn Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    format!(
        "internal error while rebuilding: {message}; please report it, \
         with the file you saved"
    )
}

/// A way for tests to make a rebuild panic as a bug in a library would, in debug builds only: with
/// `POLICYBOOK_TEST_PANIC` set in the environment, a rebuild of sources that contain
/// `POLICYBOOK-TEST-PANIC` panics after the handbook was analysed and before the site is written.
mod test_hook {
    use crate::project::Project;

    #[cfg(debug_assertions)]
    pub fn panic_if_marked(project: &Project) {
        const MARKER: &str = "POLICYBOOK-TEST-PANIC";
        if std::env::var_os("POLICYBOOK_TEST_PANIC").is_none() {
            return;
        }
        let marked = project
            .handbook
            .documents
            .iter()
            .any(|d| project.sources.get(d.file).text.contains(MARKER));
        if marked {
            panic!("the test hook found {MARKER}");
        }
    }

    #[cfg(not(debug_assertions))]
    pub fn panic_if_marked(_: &Project) {}
}

/// `policybook serve`.
pub fn run(options: ServeOptions) -> Result<std::process::ExitCode, Fatal> {
    let started = Instant::now();
    let live = Live::start(options.settings.clone())?;
    print_state(&live, started);
    let root = live.project.handbook.root.clone();
    let content_dir = live.project.handbook.content_dir.clone();
    let theme_dir = root
        .join("themes")
        .join(&live.project.handbook.config.build.theme);
    let live = Arc::new(Mutex::new(live));
    // Watch before announcing the address, so no edit made after the announcement is missed.
    let watcher = watch::Watcher::start(&root, &content_dir, &theme_dir)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Fatal::new(format!("cannot start the server: {e}")))?;
    let (events, _) = tokio::sync::broadcast::channel::<Event>(16);
    let listener = runtime.block_on(bind(options.bind, options.port))?;
    let address = listener
        .local_addr()
        .map_err(|e| Fatal::new(format!("cannot read the server address: {e}")))?;
    let url = format!("http://{address}/");
    eprintln!("serving {} at {url} (Ctrl+C to stop)", root.display());
    if options.open
        && let Err(e) = opener::open(&url)
    {
        eprintln!("warning: cannot open a browser: {e}");
    }

    let live_for_watch = Arc::clone(&live);
    let sender = events.clone();
    std::thread::spawn(move || {
        for change in watcher {
            let started = Instant::now();
            let mut live = live_for_watch.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(event) = live.apply(&change) {
                let _ = sender.send(event);
                // Printing must not end the watching either.
                let _ = catch_unwind(AssertUnwindSafe(|| print_state(&live, started)));
            }
        }
    });
    runtime.block_on(http::serve(listener, live, events))?;
    Ok(std::process::ExitCode::SUCCESS)
}

fn print_state(live: &Live, started: Instant) {
    let ms = started.elapsed().as_secs_f64() * 1e3;
    match &live.errors {
        Some(text) if live.has_site() => {
            eprintln!("{text}\nthe last good site is still being served ({ms:.0} ms)")
        }
        Some(text) => eprintln!(
            "{text}\nno site yet: every page shows these errors until a save fixes them ({ms:.0} ms)"
        ),
        None => {
            let how = match live.last {
                Rebuild::Full => "rebuilt everything".to_string(),
                Rebuild::Incremental { pages } => format!(
                    "re-rendered {pages} page{}",
                    if pages == 1 { "" } else { "s" }
                ),
            };
            let report = &live.report;
            let _ = diagnostics::print(report, &live.project.sources, Format::Human);
            eprintln!(
                "{how} ({} documents) in {ms:.0} ms{}",
                live.project.handbook.documents.len(),
                diagnostics::summary(report)
                    .map(|s| format!(" with {s}"))
                    .unwrap_or_default()
            );
        }
    }
}

/// Bind `port`, or the next free one (saying so) when it is busy.
async fn bind(ip: IpAddr, port: u16) -> Result<tokio::net::TcpListener, Fatal> {
    let mut last = None;
    for candidate in port..port.saturating_add(20).max(port) {
        match tokio::net::TcpListener::bind(SocketAddr::new(ip, candidate)).await {
            Ok(listener) => {
                if candidate != port {
                    eprintln!("port {port} is busy; using {candidate} instead");
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => {
                return Err(
                    Fatal::new(format!("cannot listen on {ip}:{candidate}: {e}"))
                        .help("choose another address with --bind or port with --port"),
                );
            }
        }
        if port == 0 {
            break;
        }
    }
    Err(Fatal::new(format!(
        "ports {port} to {} are all busy: {}",
        port.saturating_add(19),
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
    .help("stop the other server or choose a port with --port"))
}

/// Where a path in the handbook root belongs, for the watcher.
pub fn classify(
    root: &std::path::Path,
    content_dir: &std::path::Path,
    theme_dir: &std::path::Path,
    path: &std::path::Path,
) -> Option<Classified> {
    let name = path.file_name()?.to_string_lossy();
    if name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
    {
        return None;
    }
    if path == root.join("book.toml") || path.starts_with(theme_dir) {
        return Some(Classified::Everything);
    }
    let rel = path.strip_prefix(content_dir).ok()?;
    if rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    {
        return None;
    }
    let rel = crate::load::relative_slash_path(rel);
    if rel.ends_with(".md") {
        Some(Classified::Document(rel))
    } else {
        Some(Classified::Other(rel))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Classified {
    /// A Markdown file of the content folder (content-relative).
    Document(String),
    /// Another file of the content folder (content-relative).
    Other(String),
    /// Configuration or theme.
    Everything,
}

pub type SharedLive = Arc<Mutex<Live>>;
