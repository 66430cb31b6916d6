//! `build` and `check`: analyse the handbook ([`Project`]), then write the site — only when there
//! are no errors — or, for `check`, render it and throw it away.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::diagnostics::{self, Fatal, Format, Report, Sources};
use crate::project::{Clock, Project, Settings};
use crate::site::{self, Stats, output};

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
    /// Read the git history from this repository and revision (`snapshot` builds an extracted revision).
    pub history_at: Option<crate::history::At>,
    /// Put the snapshot banner on every page.
    pub snapshot: Option<crate::git::SnapshotInfo>,
}

/// The result of a run: the report and, when the site was written, where and how much.
pub struct Built {
    pub report: Report,
    pub sources: Sources,
    pub documents: usize,
    pub diagrams: usize,
    pub output: Option<PathBuf>,
    pub stats: Stats,
    /// Files and folders of the content folder left out (hidden ones aside), for `-v`.
    pub skipped: Vec<String>,
}

/// Run the pipeline. `Err` is for problems outside the content (I/O, a refused output folder).
pub fn run(options: &Options) -> Result<Built, Fatal> {
    let mut project = Project::analyse(Settings {
        root: options.root.clone(),
        strict: options.strict,
        verbose: options.verbose,
        today: options.today,
        history_at: options.history_at.clone(),
        snapshot: options.snapshot.clone(),
    })?;
    let mut clock = Clock::new(options.verbose);
    let report = project.report();
    // The pages are made from the rendered bodies: only the diagnostics need the Markdown again.
    project.sources.keep_only_reported(&report);
    clock.lap("check anchors, collect diagnostics");
    let handbook = &project.handbook;
    let model = project.model();
    let mut built = Built {
        documents: handbook.documents.len(),
        diagrams: project.diagram_count(),
        report,
        sources: Sources::default(),
        output: None,
        stats: Stats::default(),
        skipped: handbook.skipped.clone(),
    };
    if !options.write {
        built.stats = site::write_site(&model, &project.theme, &site::Discard)?;
        clock.lap("render pages");
    } else if !built.report.has_errors() {
        let out = options
            .out
            .clone()
            .unwrap_or_else(|| handbook.root.join(&handbook.config.build.output_dir));
        output::check_output_dir(&out, &handbook.content_dir)?;
        let staging = output::Staging::create(&out)?;
        built.stats = site::write_site(&model, &project.theme, &staging)?;
        clock.lap("render and write pages");
        staging.commit(&out)?;
        clock.lap("swap in the new site");
        built.output = Some(out);
        // Every diagram of the handbook was asked for: the other entries are for diagrams it no
        // longer has. A cache that cannot be tidied is not a failed build.
        let _ = project.cache.prune();
    }
    built.sources = project.sources;
    Ok(built)
}

/// `build --open`: build, then open the home page in the default browser. Where there is none to
/// open (no graphical session, or opening fails), say where the site is instead.
pub fn command_then_open(options: Options, format: Format, open: bool) -> Result<ExitCode, Fatal> {
    let (code, built) = command_built(options, format)?;
    if open && let Some(out) = built.output {
        let index = std::path::absolute(out.join("index.html")).unwrap_or(out.join("index.html"));
        let url = super::snapshot::file_url(&index);
        match open_in_browser(&index) {
            Ok(()) => eprintln!("opened {url}"),
            Err(why) => eprintln!("warning: {why}, so no browser was opened; the site is at {url}"),
        }
    }
    Ok(code)
}

/// Open `page` with `$BROWSER` or the system's default. On Linux and the BSDs a browser needs a
/// graphical session: without `DISPLAY` or `WAYLAND_DISPLAY` (a server, a container, SSH),
/// `xdg-open` would fail in the background and nobody would know.
fn open_in_browser(page: &std::path::Path) -> Result<(), String> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let desktop = cfg!(any(target_os = "macos", target_os = "windows"))
        || set("DISPLAY")
        || set("WAYLAND_DISPLAY")
        || set("WSL_DISTRO_NAME");
    if !desktop && !set("BROWSER") {
        return Err("there is no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set) and no BROWSER".into());
    }
    opener::open_browser(page).map_err(|e| format!("cannot start a browser ({e})"))
}

/// `build` or `check` as a command: run, print the diagnostics and a summary, pick the exit code.
pub fn command(options: Options, format: Format) -> Result<ExitCode, Fatal> {
    command_built(options, format).map(|(code, _)| code)
}

fn command_built(options: Options, format: Format) -> Result<(ExitCode, Built), Fatal> {
    let started = Instant::now();
    let built = run(&options)?;
    if options.verbose {
        for rel in &built.skipped {
            eprintln!("left out: {rel} (a README, a name starting with `_`, or `[build] exclude`)");
        }
    }
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
    let code = if failed {
        ExitCode::from(super::EXIT_CONTENT_ERRORS)
    } else {
        ExitCode::SUCCESS
    };
    Ok((code, built))
}
