//! Errors and warnings as values: every stage pushes [`Diagnostic`]s, and one printer turns them into
//! rustc-style text, JSON or GitHub Actions annotations.
//!
//! A diagnostic points into a [`Sources`] file by byte span, so line and column are computed once, here,
//! for every output format alike.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self, Files};
use codespan_reporting::term;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Index of a file in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A place in a source file: the file and a byte range of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: FileId,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A short stable code, e.g. `unknown-reference`, for tooling and for `--format json`.
    pub code: &'static str,
    pub message: String,
    pub location: Option<Location>,
    /// Text shown under the caret.
    pub label: Option<String>,
    /// Other places involved, e.g. the first definition of a duplicate id.
    pub related: Vec<(Location, String)>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, file: FileId, span: Range<usize>) -> Self {
        self.location = Some(Location { file, span });
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, file: FileId, span: Range<usize>, label: impl Into<String>) -> Self {
        self.related.push((Location { file, span }, label.into()));
        self
    }

    fn sort_key(&self) -> (Option<(FileId, usize)>, Severity, &str) {
        let place = self.location.as_ref().map(|l| (l.file, l.span.start));
        (place, self.severity, &self.message)
    }
}

/// A file the build read, kept so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to people: relative to the handbook root where possible.
    pub display_path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(display_path: PathBuf, text: String) -> Self {
        let line_starts = files::line_starts(&text).collect();
        SourceFile {
            display_path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// Byte span of the 1-based line `line`, without its line ending.
    pub fn line_span(&self, line: usize) -> Range<usize> {
        let idx = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[idx];
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        let content = self.text[start..end].trim_end_matches(['\n', '\r']);
        start..start + content.len()
    }
}

/// Every file a build has read, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, display_path: PathBuf, text: String) -> FileId {
        self.push(SourceFile::new(display_path, text))
    }

    /// The id the next added file will get.
    pub fn next_id(&self) -> FileId {
        FileId(self.files.len())
    }

    pub fn push(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    /// Replace a file's text (after an edit), keeping its id and path.
    pub fn replace(&mut self, id: FileId, text: String) {
        let path = std::mem::take(&mut self.files[id.0].display_path);
        self.files[id.0] = SourceFile::new(path, text);
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// Drop the text of every file no diagnostic of `report` points into: a one-shot build needs
    /// the sources again only to print the diagnostics, and large handbooks hold tens of megabytes
    /// of Markdown.
    pub fn keep_only_reported(&mut self, report: &Report) {
        let mut keep = vec![false; self.files.len()];
        for d in &report.diagnostics {
            let places = d.location.iter().chain(d.related.iter().map(|(l, _)| l));
            for place in places {
                if let Some(k) = keep.get_mut(place.file.0) {
                    *k = true;
                }
            }
        }
        for (file, keep) in self.files.iter_mut().zip(keep) {
            if !keep {
                file.text = String::new();
                file.line_starts = vec![0];
            }
        }
    }
}

impl<'a> Files<'a> for Sources {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, files::Error> {
        Ok(self.get(id).display_path.display().to_string())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.get(id).text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.get(id).line_col(byte_index).0 - 1)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let file = self.get(id);
        let start = *file
            .line_starts
            .get(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: file.line_starts.len() - 1,
            })?;
        let end = file
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style messages with the offending source line, on stderr.
    Human,
    /// One JSON array on stdout, for tools.
    Json,
    /// GitHub Actions `::error file=…,line=…::` workflow commands on stdout, shown inline on pull requests.
    Github,
}

/// The collected diagnostics of one run.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Turn every warning into an error (`--strict`).
    pub fn make_strict(&mut self) {
        for d in &mut self.diagnostics {
            d.severity = Severity::Error;
        }
    }

    /// Sort by file and position and drop exact duplicates, so output is deterministic whatever the
    /// order parallel stages finished in.
    pub fn normalise(&mut self) {
        self.diagnostics
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.diagnostics.dedup();
    }
}

/// One diagnostic with its position resolved to line and column, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct Resolved<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub label: Option<&'a str>,
    pub help: Option<&'a str>,
}

pub fn resolve<'a>(sources: &Sources, d: &'a Diagnostic) -> Resolved<'a> {
    let place = d.location.as_ref().map(|loc| {
        let file = sources.get(loc.file);
        let (line, column) = file.line_col(loc.span.start);
        let (end_line, end_column) = file.line_col(loc.span.end);
        (
            file.display_path.display().to_string(),
            line,
            column,
            end_line,
            end_column,
        )
    });
    Resolved {
        severity: d.severity,
        code: d.code,
        message: &d.message,
        file: place.as_ref().map(|p| p.0.clone()),
        line: place.as_ref().map(|p| p.1),
        column: place.as_ref().map(|p| p.2),
        end_line: place.as_ref().map(|p| p.3),
        end_column: place.as_ref().map(|p| p.4),
        label: d.label.as_deref(),
        help: d.help.as_deref(),
    }
}

/// Print every diagnostic in `format`, then (for humans) a summary line.
pub fn print(report: &Report, sources: &Sources, format: Format) -> io::Result<()> {
    match format {
        Format::Human => print_human(report, sources),
        Format::Json => {
            let resolved: Vec<_> = report
                .diagnostics
                .iter()
                .map(|d| resolve(sources, d))
                .collect();
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &resolved)?;
            writeln!(out)
        }
        Format::Github => {
            let mut out = io::stdout().lock();
            for d in &report.diagnostics {
                writeln!(out, "{}", github_annotation(&resolve(sources, d)))?;
            }
            Ok(())
        }
    }
}

fn print_human(report: &Report, sources: &Sources) -> io::Result<()> {
    let choice = if io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut stream = StandardStream::stderr(choice);
    let config = term::Config::default();
    for d in &report.diagnostics {
        let emitted = match Excerpt::of(sources, d) {
            Some((excerpt, shown)) => {
                term::emit_to_write_style(&mut stream, &config, &excerpt, &to_codespan(&shown))
            }
            None => term::emit_to_write_style(&mut stream, &config, sources, &to_codespan(d)),
        };
        emitted.map_err(io::Error::other)?;
    }
    Ok(())
}

/// A line longer than this (in bytes) is shown as an excerpt around the diagnostic's position,
/// so that printing many diagnostics on one long line costs the excerpts, not the line each time.
const LONG_LINE: usize = 200;
/// Bytes of a long line shown on each side of the position (fewer at the line's ends).
const EXCERPT_CONTEXT: usize = 60;

/// The part of one long source line a diagnostic points at, standing in for the whole file when
/// printing it: line and column numbers stay those of the real file.
struct Excerpt {
    name: String,
    /// `…` + the shown bytes of the line + `…`, and a line ending.
    text: String,
    /// Where the shown bytes start in `text` (after a leading `…`).
    shown_at: usize,
    line_number: usize,
    /// The real column of the first shown character.
    first_column: usize,
}

impl Excerpt {
    /// An excerpt and the diagnostic re-pointed into it, when `d` sits on one long line and has no
    /// related places (which would need the whole file).
    fn of(sources: &Sources, d: &Diagnostic) -> Option<(Excerpt, Diagnostic)> {
        let loc = d.location.as_ref()?;
        if !d.related.is_empty() {
            return None;
        }
        let file = sources.get(loc.file);
        let start = loc.span.start.min(file.text.len());
        let (line_number, _) = file.line_col(start);
        let line = file.line_span(line_number);
        if line.end - line.start <= LONG_LINE {
            return None;
        }
        // A position inside the line ending (the `\n` of a CRLF, a stray `\r`) is past the line's
        // content: show it at the end of the line.
        let start = start.min(line.end);
        let (_, column) = file.line_col(start);
        let floor = |mut at: usize| {
            while !file.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let end = loc.span.end.clamp(start, line.end);
        let from = floor(start.saturating_sub(EXCERPT_CONTEXT).max(line.start));
        let to = floor((end.min(start + 2 * EXCERPT_CONTEXT) + EXCERPT_CONTEXT).min(line.end));
        let mut text = String::with_capacity(to - from + 8);
        if from > line.start {
            text.push('…');
        }
        let shown_at = text.len();
        text.push_str(&file.text[from..to]);
        if to < line.end {
            text.push('…');
        }
        text.push('\n');
        let first_column = column - file.text[from..start].chars().count();
        let mut shown = d.clone();
        let map = |at: usize| shown_at + at.clamp(from, to) - from;
        shown.location = Some(Location {
            file: loc.file,
            span: map(start)..map(end),
        });
        let excerpt = Excerpt {
            name: file.display_path.display().to_string(),
            text,
            shown_at,
            line_number,
            first_column,
        };
        Some((excerpt, shown))
    }
}

impl<'a> Files<'a> for Excerpt {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, _: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.name)
    }

    fn source(&'a self, _: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, _: FileId, _: usize) -> Result<usize, files::Error> {
        Ok(0)
    }

    fn line_number(&'a self, _: FileId, _: usize) -> Result<usize, files::Error> {
        Ok(self.line_number)
    }

    fn column_number(&'a self, _: FileId, _: usize, at: usize) -> Result<usize, files::Error> {
        let shown = self
            .text
            .get(self.shown_at..at.max(self.shown_at))
            .unwrap_or("");
        Ok(self.first_column + shown.chars().count())
    }

    fn line_range(&'a self, _: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        match line_index {
            0 => Ok(0..self.text.len()),
            _ => Err(files::Error::LineTooLarge {
                given: line_index,
                max: 0,
            }),
        }
    }
}

/// "2 errors, 1 warning" — or `None` when there is nothing to say.
pub fn summary(report: &Report) -> Option<String> {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(plural(w, "warning")),
        (e, 0) => Some(plural(e, "error")),
        (e, w) => Some(format!("{}, {}", plural(e, "error"), plural(w, "warning"))),
    }
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<FileId> {
    let base = match d.severity {
        Severity::Error => cs::Diagnostic::error(),
        Severity::Warning => cs::Diagnostic::warning(),
    };
    let mut labels = Vec::new();
    if let Some(loc) = &d.location {
        labels.push(
            cs::Label::primary(loc.file, loc.span.clone())
                .with_message(d.label.clone().unwrap_or_default()),
        );
    }
    for (loc, text) in &d.related {
        labels.push(cs::Label::secondary(loc.file, loc.span.clone()).with_message(text.clone()));
    }
    let mut notes = Vec::new();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    base.with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// A GitHub Actions workflow command: `::error file=a.md,line=3,col=5::message`.
pub fn github_annotation(r: &Resolved) -> String {
    let command = match r.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = Vec::new();
    if let Some(file) = &r.file {
        props.push(format!("file={}", escape_property(file)));
    }
    for (key, value) in [("line", r.line), ("col", r.column), ("endLine", r.end_line)] {
        if let Some(v) = value {
            props.push(format!("{key}={v}"));
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("policybook {}", r.code))
    ));
    let mut message = r.message.to_string();
    if let Some(help) = r.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!("::{command} {}::{}", props.join(","), escape_data(&message))
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// An error that stops a command before or outside content validation: unreadable files, a refused
/// output folder, bad arguments. Exit code 2.
#[derive(Debug)]
pub struct Fatal {
    pub message: String,
    pub help: Option<String>,
}

impl Fatal {
    pub fn new(message: impl Into<String>) -> Self {
        Fatal {
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// An I/O error on `path`, naming the path and what was being done.
    pub fn io(action: &str, path: &Path, err: io::Error) -> Self {
        Fatal::new(format!("cannot {action} `{}`: {err}", path.display()))
    }
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Edit-distance suggestion: the candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(word, candidate);
        let distance = strsim::levenshtein(word, candidate);
        let close = score > 0.85 || distance <= (word.len() / 3).max(2);
        let prefix = candidate.starts_with(word) && word.len() >= 3;
        if (close || prefix) && best.is_none_or(|(s, c)| score > s || (score == s && candidate < c))
        {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let f = SourceFile::new("a.md".into(), "ab\r\nçd\nx".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 1));
        assert_eq!(f.line_col(6), (2, 2), "ç is two bytes but one column");
        assert_eq!(f.line_span(1), 0..2, "line span excludes CRLF");
        assert_eq!(f.line_span(3), 8..9);
    }

    #[test]
    fn github_annotation_escapes_properties_and_data() {
        let d = Diagnostic::error("x", "bad: 100%\nsecond").help("fix, please");
        let mut sources = Sources::default();
        let file = sources.add("dir/a,b.md".into(), "hello\nworld".into());
        let d = d.at(file, 6..11);
        let line = github_annotation(&resolve(&sources, &d));
        assert_eq!(
            line,
            "::error file=dir/a%2Cb.md,line=2,col=1,endLine=2,title=policybook x::bad: 100%25%0Asecond%0Ahelp: fix, please"
        );
    }

    #[test]
    fn suggestions_prefer_the_closest_candidate() {
        let ids = ["information-security-policy", "access-control-policy"];
        assert_eq!(
            did_you_mean("informaton-security-policy", ids),
            Some("information-security-policy")
        );
        assert_eq!(did_you_mean("access", ids), Some("access-control-policy"));
        assert_eq!(did_you_mean("zebra-crossing", ids), None);
    }

    #[test]
    fn summary_pluralises() {
        let mut r = Report::default();
        assert_eq!(summary(&r), None);
        r.push(Diagnostic::error("x", "a"));
        r.push(Diagnostic::warning("x", "b"));
        r.push(Diagnostic::warning("x", "c"));
        assert_eq!(summary(&r).as_deref(), Some("1 error, 2 warnings"));
    }
}
