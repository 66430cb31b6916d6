//! `build` and `check`: the whole pipeline, load → resolve → render → site, with every problem
//! collected into one report. The site is written only when there are no errors.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::diagnostics::{self, Diagnostic, Fatal, Format, Report, Sources};
use crate::history;
use crate::isms;
use crate::load;
use crate::render::{self, diagrams::DiagramCache, markdown};
use crate::resolve::{self, Index, LinkGraph};
use crate::site::{self, Stats, output, theme::Theme};

pub struct Options {
    pub root: PathBuf,
    /// Overrides `[build] output-dir`.
    pub out: Option<PathBuf>,
    /// `false` for `check`: everything is rendered, nothing written.
    pub write: bool,
    pub strict: bool,
    /// Print how long each stage took, on stderr.
    pub verbose: bool,
    /// The date reviews are judged against (see [`crate::isms::today`]).
    pub today: Option<jiff::civil::Date>,
}

/// The result of a run: the report and, when the site was written, where and how much.
pub struct Built {
    pub report: Report,
    pub sources: Sources,
    pub documents: usize,
    pub diagrams: usize,
    pub output: Option<PathBuf>,
    pub stats: Stats,
}

/// Run the pipeline. `Err` is for problems outside the content (I/O, a refused output folder).
pub fn run(options: &Options) -> Result<Built, Fatal> {
    let mut clock = Clock::new(options.verbose);
    let mut sources = Sources::default();
    let mut report = Report::default();
    let handbook = load::load(&options.root, &mut sources, &mut report)?;
    clock.lap("load");
    let (index, duplicates) = Index::build(&handbook);
    report.extend(duplicates);
    let theme = Theme::load(&handbook.root, &handbook.config.build.theme)?;
    let cache = DiagramCache::open(&handbook.root.join(&handbook.config.build.cache_dir));

    let cx = markdown::Context {
        index: &index,
        diagrams: &cache,
    };
    let (isms, problems) = isms::analyse(&handbook, &index, &sources, isms::today(options.today));
    report.extend(problems);
    clock.lap("index, theme, document control");
    // The git history is one `git log`: read it while the documents render.
    let (mut bodies, history) = std::thread::scope(|scope| {
        let history = scope.spawn(|| history::read(&handbook.content_dir));
        let bodies = render::render_all(&handbook, &sources, &cx);
        let history = history
            .join()
            .unwrap_or_else(|_| history::Outcome::Failed("the history reader crashed".into()));
        (bodies, history)
    });
    let history = match history {
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
    };
    clock.lap("render documents, read git history");
    for body in &mut bodies {
        report.extend(std::mem::take(&mut body.diagnostics));
    }
    let anchors: Vec<Vec<String>> = bodies
        .iter()
        .map(|b| b.headings.iter().map(|h| h.id.clone()).collect())
        .collect();
    report.extend(resolve::check_anchors(
        &handbook.documents,
        bodies.iter().flat_map(|b| &b.references),
        &anchors,
    ));
    let graph = LinkGraph::build(bodies.iter().map(|b| b.references.as_slice()));
    clock.lap("check anchors, reference graph");
    if options.strict {
        report.make_strict();
    }
    report.normalise();

    let model = site::Model {
        handbook: &handbook,
        bodies: &bodies,
        graph: &graph,
        isms: &isms,
        history: history.as_ref(),
    };
    let mut built = Built {
        documents: handbook.documents.len(),
        diagrams: bodies.iter().map(|b| b.diagram_count).sum(),
        report,
        sources,
        output: None,
        stats: Stats::default(),
    };
    if !options.write {
        built.stats = site::write_site(&model, &theme, &site::Discard)?;
        clock.lap("render pages");
        return Ok(built);
    }
    if built.report.has_errors() {
        return Ok(built);
    }
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| handbook.root.join(&handbook.config.build.output_dir));
    output::check_output_dir(&out, &handbook.content_dir)?;
    let staging = output::Staging::create(&out)?;
    built.stats = site::write_site(&model, &theme, &staging)?;
    clock.lap("render and write pages");
    staging.commit(&out)?;
    clock.lap("swap in the new site");
    built.output = Some(out);
    Ok(built)
}

/// `build` or `check` as a command: run, print the diagnostics and a summary, pick the exit code.
pub fn command(options: Options, format: Format) -> Result<ExitCode, Fatal> {
    let started = Instant::now();
    let built = run(&options)?;
    diagnostics::print(&built.report, &built.sources, format)?;
    let seconds = started.elapsed().as_secs_f64();
    let failed = built.report.has_errors();
    if format == Format::Human {
        let problems = diagnostics::summary(&built.report);
        let what = format!(
            "{} document{}, {} diagram{}",
            built.documents,
            if built.documents == 1 { "" } else { "s" },
            built.diagrams,
            if built.diagrams == 1 { "" } else { "s" }
        );
        match (&built.output, failed) {
            (_, true) => eprintln!(
                "error: {what} checked: {}{}",
                problems.unwrap_or_default(),
                if options.write {
                    "; the site was not written (the previous site is untouched)"
                } else {
                    ""
                }
            ),
            (Some(out), false) => eprintln!(
                "built {what} into {} ({} pages, {:.1} MB) in {seconds:.2}s{}",
                out.display(),
                built.stats.pages,
                built.stats.bytes as f64 / 1e6,
                problems.map(|p| format!(" with {p}")).unwrap_or_default()
            ),
            (None, false) => eprintln!(
                "checked {what} in {seconds:.2}s: {}",
                problems.unwrap_or_else(|| "no problems".into())
            ),
        }
    }
    Ok(if failed {
        ExitCode::from(super::EXIT_CONTENT_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Stage timings for `--verbose`.
struct Clock {
    enabled: bool,
    last: Instant,
}

impl Clock {
    fn new(enabled: bool) -> Self {
        Clock {
            enabled,
            last: Instant::now(),
        }
    }

    fn lap(&mut self, stage: &str) {
        if self.enabled {
            eprintln!(
                "{:>8.1} ms  {stage}",
                self.last.elapsed().as_secs_f64() * 1e3
            );
        }
        self.last = Instant::now();
    }
}
