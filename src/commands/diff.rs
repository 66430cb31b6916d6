//! `policybook diff BASE [HEAD]`: what a change does to the handbook in ISMS terms: documents added,
//! removed, renamed, rewritten or re-approved, references gained and lost, and the resulting changes
//! to the Statement of Applicability and the register, with the document-control rules a pull request
//! must keep (a changed body needs a new version; versions never go down; …).
//!
//! Both sides are analysed with the same pipeline as `check` ([`Project`]); a revision is read with
//! `git archive` into a temporary folder, and HEAD defaults to the working tree as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{DiffArgs, DiffFormat};
use crate::diagnostics::{self, Diagnostic, Fatal, Format, Report, Severity};
use crate::git::{Commit, Repo};
use crate::isms::catalogue::catalogue;
use crate::isms::control::{DocumentControl, Status};
use crate::isms::soa::SoaControl;
use crate::load::Document;
use crate::project::{Project, Settings};
use crate::site::isms::SOA_ID;

/// One side of a comparison: an analysed handbook and where it came from.
pub struct Side {
    pub project: Project,
    /// `v1 (abc1234)`, `abc1234` or `working tree`.
    pub label: String,
    pub commit: Option<Commit>,
    /// The temporary folder a revision was extracted into, removed on drop.
    _work: Option<tempfile::TempDir>,
}

impl Side {
    /// The handbook as of `commit`, read with `git archive`.
    pub fn at(repo: &Repo, commit: &Commit, today: jiff::civil::Date) -> Result<Side, Fatal> {
        let work = tempfile::Builder::new()
            .prefix("policybook-diff-")
            .tempdir()
            .map_err(|e| Fatal::new(format!("cannot create a temporary folder: {e}")))?;
        let root = repo.extract(commit, work.path())?;
        let label = if commit.tags.is_empty() {
            commit.short.clone()
        } else {
            format!("{} ({})", commit.tags.join(", "), commit.short)
        };
        let project = Project::analyse(settings(&root, today)).map_err(|f| Fatal {
            message: format!("at revision `{label}`: {}", f.message),
            help: f.help,
        })?;
        Ok(Side {
            project,
            label,
            commit: Some(commit.clone()),
            _work: Some(work),
        })
    }

    /// The handbook folder as it is on disk.
    pub fn working_tree(root: &Path, today: jiff::civil::Date) -> Result<Side, Fatal> {
        Ok(Side {
            project: Project::analyse(settings(root, today))?,
            label: "working tree".into(),
            commit: None,
            _work: None,
        })
    }

    /// The documents by id.
    pub fn documents(&self) -> BTreeMap<&str, View<'_>> {
        views(&self.project)
    }
}

fn settings(root: &Path, today: jiff::civil::Date) -> Settings {
    Settings {
        root: root.to_path_buf(),
        strict: false,
        verbose: false,
        today: Some(today),
        history_at: None,
        snapshot: None,
    }
}

/// A document as the comparison sees it.
pub struct View<'a> {
    pub doc: &'a Document,
    pub control: &'a DocumentControl,
    /// The body with line endings normalised.
    pub body: String,
    /// Ids of the documents it references.
    pub references: BTreeSet<&'a str>,
    /// The source text (frontmatter and body).
    pub source: &'a str,
}

fn views(p: &Project) -> BTreeMap<&str, View<'_>> {
    let docs = &p.handbook.documents;
    docs.iter()
        .enumerate()
        .map(|(i, doc)| {
            let source = p.sources.get(doc.file).text.as_str();
            let body = source
                .get(doc.body_start..)
                .unwrap_or("")
                .replace("\r\n", "\n")
                .trim()
                .to_string();
            let references = p.graph.outgoing[i]
                .iter()
                .map(|&t| docs[t].id.as_str())
                .collect();
            (
                doc.id.as_str(),
                View {
                    doc,
                    control: &p.isms.controls[i],
                    body,
                    references,
                    source,
                },
            )
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocumentChange {
    pub id: String,
    pub title: String,
    pub change: ChangeKind,
    /// Content-relative path (the new one for a renamed document).
    pub path: String,
    /// The old path, when the document moved (same id, new path).
    pub renamed_from: Option<String>,
    pub body_changed: bool,
    /// Frontmatter fields that changed, old → new.
    pub fields: Vec<FieldChange>,
    pub references_added: Vec<String>,
    pub references_removed: Vec<String>,
    pub old_version: Option<String>,
    pub new_version: Option<String>,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SoaChange {
    pub control: String,
    pub title: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegisterChange {
    pub id: String,
    pub change: ChangeKind,
    pub fields: Vec<FieldChange>,
}

/// Everything that changed between two sides, and the rules it broke (in `diagnostics`, located in
/// the head's files).
#[derive(Default)]
pub struct Comparison {
    pub documents: Vec<DocumentChange>,
    pub soa: Vec<SoaChange>,
    pub register: Vec<RegisterChange>,
    pub diagnostics: Vec<Diagnostic>,
}

fn value_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(value_text)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Some(other.to_string()),
    }
}

fn change(field: &str, old: Option<String>, new: Option<String>) -> Option<FieldChange> {
    (old != new).then(|| FieldChange {
        field: field.to_string(),
        old,
        new,
    })
}

/// Compare two version strings part by part (`2.10` > `2.9`); `None` when they cannot be ordered.
pub fn compare_versions(old: &str, new: &str) -> Option<std::cmp::Ordering> {
    let parts = |v: &str| -> Vec<String> {
        v.trim()
            .trim_start_matches(['v', 'V'])
            .split(['.', '-'])
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (parts(old), parts(new));
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).map_or("0", String::as_str);
        let y = b.get(i).map_or("0", String::as_str);
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Err(_), Err(_)) => x.cmp(y),
            _ => return None,
        };
        if ord.is_ne() {
            return Some(ord);
        }
    }
    Some(std::cmp::Ordering::Equal)
}

/// The register's columns for one document.
fn register_columns(v: &View) -> Vec<(&'static str, Option<String>)> {
    let c = v.control;
    vec![
        ("title", Some(v.doc.title.clone())),
        ("type", Some(v.doc.kind.clone())),
        ("version", c.version.clone()),
        ("status", c.status.map(|s| s.as_str().to_string())),
        ("owner", c.owner.clone()),
        ("approver", c.approver.clone()),
        ("effective", c.effective.map(|d| d.to_string())),
        ("next review", c.next_review().map(|d| d.to_string())),
        (
            "classification",
            c.classification.map(|c| c.as_str().to_string()),
        ),
    ]
}

pub fn compare(base: &Side, head: &Side) -> Comparison {
    let old = base.documents();
    let new = head.documents();
    let mut out = Comparison::default();
    let ids: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    for id in ids {
        let (o, n) = (old.get(id), new.get(id));
        let version = |v: Option<&View>| v.and_then(|v| v.control.version.clone());
        let status =
            |v: Option<&View>| v.and_then(|v| v.control.status.map(|s| s.as_str().to_string()));
        let mut dc = DocumentChange {
            id: id.to_string(),
            title: n.or(o).map(|v| v.doc.title.clone()).unwrap_or_default(),
            change: ChangeKind::Changed,
            path: n.or(o).map(|v| v.doc.path.clone()).unwrap_or_default(),
            renamed_from: None,
            body_changed: false,
            fields: Vec::new(),
            references_added: Vec::new(),
            references_removed: Vec::new(),
            old_version: version(o),
            new_version: version(n),
            old_status: status(o),
            new_status: status(n),
        };
        match (o, n) {
            (None, Some(_)) => {
                dc.change = ChangeKind::Added;
                out.register.push(RegisterChange {
                    id: id.to_string(),
                    change: ChangeKind::Added,
                    fields: Vec::new(),
                });
            }
            (Some(_), None) => {
                dc.change = ChangeKind::Removed;
                out.register.push(RegisterChange {
                    id: id.to_string(),
                    change: ChangeKind::Removed,
                    fields: Vec::new(),
                });
            }
            (Some(o), Some(n)) => {
                if o.doc.path != n.doc.path {
                    dc.renamed_from = Some(o.doc.path.clone());
                }
                dc.body_changed = o.body != n.body;
                let keys: BTreeSet<&String> =
                    o.doc.fields.keys().chain(n.doc.fields.keys()).collect();
                for key in keys {
                    let old = o.doc.fields.get(key).and_then(value_text);
                    let new = n.doc.fields.get(key).and_then(value_text);
                    dc.fields.extend(change(key, old, new));
                }
                dc.references_added = n
                    .references
                    .difference(&o.references)
                    .map(|s| s.to_string())
                    .collect();
                dc.references_removed = o
                    .references
                    .difference(&n.references)
                    .map(|s| s.to_string())
                    .collect();
                let register: Vec<FieldChange> = register_columns(o)
                    .into_iter()
                    .zip(register_columns(n))
                    .filter_map(|((field, old), (_, new))| change(field, old, new))
                    .collect();
                if !register.is_empty() {
                    out.register.push(RegisterChange {
                        id: id.to_string(),
                        change: ChangeKind::Changed,
                        fields: register,
                    });
                }
                rules(o, n, &dc, &mut out.diagnostics);
                let unchanged = dc.renamed_from.is_none()
                    && !dc.body_changed
                    && dc.fields.is_empty()
                    && dc.references_added.is_empty()
                    && dc.references_removed.is_empty();
                if unchanged {
                    continue;
                }
            }
            (None, None) => continue,
        }
        out.documents.push(dc);
    }
    // A removed id that the head still references.
    for (id, gone) in old.iter().filter(|(id, _)| !new.contains_key(*id)) {
        for v in new.values() {
            for span in references_to(v, id) {
                out.diagnostics.push(
                    Diagnostic::error(
                        "removed-id-referenced",
                        format!("`{}` still references `{id}`, which this change removes ({})", v.doc.id, gone.doc.path),
                    )
                    .at(v.doc.file, span)
                    .label("removed by this change")
                    .help(format!(
                        "keep `{id}` with `status: retired` (its id keeps resolving), or change this reference to the document that replaces it"
                    )),
                );
            }
        }
    }
    out.soa = soa_changes(&base.project, &head.project);
    soa_document_control(&base.project, &head.project, &mut out);
    out
}

/// The Statement of Applicability is documented information too: its register row, and the version
/// rules of documents applied to it, its decisions (applicability, status, justification) standing
/// for a document's text. Which documents implement a control is derived, not a decision.
fn soa_document_control(base: &Project, head: &Project, out: &mut Comparison) {
    let (o, n) = (&base.isms.soa, &head.isms.soa);
    let columns = |c: &SoaControl| {
        [
            ("version", c.version.clone()),
            ("owner", c.owner.clone()),
            ("approver", c.approver.clone()),
            ("effective", c.effective.map(|d| d.to_string())),
        ]
    };
    let row = |change, fields| RegisterChange {
        id: SOA_ID.to_string(),
        change,
        fields,
    };
    let file = match (o.file, n.file) {
        (None, None) => return,
        (None, Some(_)) => return out.register.push(row(ChangeKind::Added, Vec::new())),
        (Some(_), None) => return out.register.push(row(ChangeKind::Removed, Vec::new())),
        (Some(_), Some(file)) => file,
    };
    let (oc, nc) = (&o.control, &n.control);
    let fields: Vec<FieldChange> = columns(oc)
        .into_iter()
        .zip(columns(nc))
        .filter_map(|((field, old), (_, new))| change(field, old, new))
        .collect();
    if !fields.is_empty() {
        out.register.push(row(ChangeKind::Changed, fields));
    }
    let decisions = |soa: &crate::isms::soa::Soa| -> Vec<_> {
        (soa.entries.iter())
            .map(|(id, e)| {
                (
                    id.clone(),
                    e.applicable,
                    e.implementation,
                    e.justification.clone(),
                )
            })
            .collect()
    };
    let decided = decisions(o) != decisions(n);
    let what = "the Statement of Applicability";
    if decided && let Some(old_v) = &oc.version {
        match &nc.version {
            Some(new_v) if new_v == old_v => out.diagnostics.push(
                Diagnostic::error(
                    "version-not-raised",
                    format!("the decisions of {what} changed, but its version is still {old_v}"),
                )
                .at(file, nc.span("version"))
                .label("unchanged")
                .help(format!(
                    "raise `version` (e.g. `version: \"{}\"`) so auditors can tell the revisions apart",
                    next_version(old_v)
                )),
            ),
            None => out.diagnostics.push(
                Diagnostic::error(
                    "version-not-raised",
                    format!("the decisions of {what} changed and its version ({old_v}) was removed"),
                )
                .at(file, 0..0)
                .help(format!("keep a `version` and raise it, e.g. `version: \"{}\"`", next_version(old_v))),
            ),
            Some(_) => {}
        }
    }
    if let (Some(old_v), Some(new_v)) = (&oc.version, &nc.version)
        && compare_versions(old_v, new_v) == Some(std::cmp::Ordering::Greater)
    {
        out.diagnostics.push(
            Diagnostic::error(
                "version-decreased",
                format!("the version of {what} went down, from {old_v} to {new_v}"),
            )
            .at(file, nc.span("version"))
            .label(format!("was {old_v}"))
            .help(format!(
                "versions only go up: use `version: \"{}\"`",
                next_version(old_v)
            )),
        );
    }
    if (decided || oc.version != nc.version)
        && let Some(effective) = nc.effective
        && oc.effective == nc.effective
    {
        out.diagnostics.push(
            Diagnostic::warning(
                "effective-not-updated",
                format!("{what} changed, but its `effective` date is still {effective}"),
            )
            .at(file, nc.span("effective"))
            .label("unchanged")
            .help("set `effective` to the date the new version applies from (and have it approved again)"),
        );
    }
}

fn rules(o: &View, n: &View, dc: &DocumentChange, diagnostics: &mut Vec<Diagnostic>) {
    let doc = n.doc;
    let span = |key: &str| doc.field_span(key);
    let (old_v, new_v) = (&o.control.version, &n.control.version);
    if dc.body_changed
        && let Some(old_v) = old_v
    {
        match new_v {
            Some(new_v) if new_v == old_v => diagnostics.push(
                Diagnostic::error(
                    "version-not-raised",
                    format!("the text of `{}` changed, but its version is still {old_v}", doc.id),
                )
                .at(doc.file, span("version"))
                .label("unchanged")
                .help(format!(
                    "raise `version` (e.g. `version: \"{}\"`) so readers and auditors can tell the revisions apart",
                    next_version(old_v)
                )),
            ),
            None => diagnostics.push(
                Diagnostic::error(
                    "version-not-raised",
                    format!("the text of `{}` changed and its version ({old_v}) was removed", doc.id),
                )
                .at(doc.file, 0..0)
                .help(format!("keep a `version` and raise it, e.g. `version: \"{}\"`", next_version(old_v))),
            ),
            Some(_) => {}
        }
    }
    if let (Some(old_v), Some(new_v)) = (old_v, new_v)
        && compare_versions(old_v, new_v) == Some(std::cmp::Ordering::Greater)
    {
        diagnostics.push(
            Diagnostic::error(
                "version-decreased",
                format!(
                    "the version of `{}` went down, from {old_v} to {new_v}",
                    doc.id
                ),
            )
            .at(doc.file, span("version"))
            .label(format!("was {old_v}"))
            .help(format!(
                "versions only go up: use `version: \"{}\"`",
                next_version(old_v)
            )),
        );
    }
    let changed = dc.body_changed || old_v != new_v;
    if n.control.status == Some(Status::Approved)
        && changed
        && o.control.effective == n.control.effective
    {
        let effective = n
            .control
            .effective
            .map_or("no date".to_string(), |d| d.to_string());
        diagnostics.push(
            Diagnostic::warning(
                "effective-not-updated",
                format!(
                    "`{}` is approved and changed, but its `effective` date is still {effective}",
                    doc.id
                ),
            )
            .at(doc.file, span("effective"))
            .label("unchanged")
            .help("set `effective` to the date the new version applies from (and have it approved again)"),
        );
    }
}

/// `1.2` → `1.3`, `2` → `3`; anything else gets `.1` appended.
fn next_version(v: &str) -> String {
    match v.rsplit_once('.') {
        Some((head, last)) => match last.parse::<u64>() {
            Ok(n) => format!("{head}.{}", n + 1),
            Err(_) => format!("{v}.1"),
        },
        None => match v.parse::<u64>() {
            Ok(n) => (n + 1).to_string(),
            Err(_) => format!("{v}.1"),
        },
    }
}

/// Where `v` references `id`: `[id]`, `[text][id]`, `[id#anchor]`, or its `supersedes`.
fn references_to(v: &View, id: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    for pattern in [format!("[{id}]"), format!("[{id}#")] {
        let mut from = 0;
        while let Some(at) = v.source[from..].find(&pattern) {
            let start = from + at;
            if !v.source[..start].ends_with('\\') {
                spans.push(start..start + pattern.len());
            }
            from = start + pattern.len();
        }
    }
    if v.control.supersedes.iter().any(|s| s == id) {
        let span = v.doc.field_span("supersedes");
        if !spans
            .iter()
            .any(|s| s.start >= span.start && s.start < v.doc.body_start)
        {
            spans.push(span);
        }
    }
    spans.sort_by_key(|s| s.start);
    spans.dedup();
    spans
}

fn soa_changes(base: &Project, head: &Project) -> Vec<SoaChange> {
    let mut out = Vec::new();
    let ids = |p: &Project, control: &str| -> Vec<String> {
        p.isms.implemented_by[control]
            .iter()
            .map(|&i| p.handbook.documents[i].id.clone())
            .collect()
    };
    for control in catalogue().controls() {
        let (o, n) = (
            base.isms.soa.entries.get(control.id),
            head.isms.soa.entries.get(control.id),
        );
        let applicable = |e: Option<&crate::isms::soa::Entry>| {
            e.map(|e| if e.applicable { "yes" } else { "no" }.to_string())
        };
        let status = |e: Option<&crate::isms::soa::Entry>| {
            e.and_then(|e| e.implementation)
                .map(|s| s.as_str().to_string())
        };
        let justification =
            |e: Option<&crate::isms::soa::Entry>| e.and_then(|e| e.justification.clone());
        let (old_docs, new_docs) = (ids(base, control.id), ids(head, control.id));
        let gap = |e: Option<&crate::isms::soa::Entry>, docs: &[String]| {
            Some(
                if e.is_some_and(|e| e.applicable) && docs.is_empty() {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
            )
        };
        let list = |docs: &[String]| (!docs.is_empty()).then(|| docs.join(", "));
        let fields: Vec<FieldChange> = [
            change("applicable", applicable(o), applicable(n)),
            change("status", status(o), status(n)),
            change("justification", justification(o), justification(n)),
            change("implemented by", list(&old_docs), list(&new_docs)),
            change("gap", gap(o, &old_docs), gap(n, &new_docs)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !fields.is_empty() {
            out.push(SoaChange {
                control: control.id.to_string(),
                title: control.title.to_string(),
                fields,
            });
        }
    }
    out
}

pub fn command(args: DiffArgs) -> Result<ExitCode, Fatal> {
    let repo = Repo::discover(&args.root)?;
    let base_commit = repo.resolve(&args.base)?;
    let today = crate::isms::today(args.today);
    let base = Side::at(&repo, &base_commit, today)?;
    let head = match &args.head {
        Some(rev) => Side::at(&repo, &repo.resolve(rev)?, today)?,
        None => Side::working_tree(&args.root, today)?,
    };
    let comparison = compare(&base, &head);
    let mut report = Report::default();
    report.extend(comparison.diagnostics.iter().cloned());
    if args.strict {
        report.make_strict();
    }
    report.normalise();
    let sources = &head.project.sources;
    match args.format {
        DiffFormat::Human => {
            print!("{}", human(&base, &head, &comparison));
            diagnostics::print(&report, sources, Format::Human)?;
            eprintln!(
                "{}: {}",
                if report.has_errors() {
                    "error"
                } else {
                    "compared"
                },
                diagnostics::summary(&report).unwrap_or_else(|| "no rule broken".into())
            );
        }
        DiffFormat::Github => {
            diagnostics::print(&report, sources, Format::Github)?;
            eprint!("{}", human(&base, &head, &comparison));
        }
        DiffFormat::Json => {
            let resolved: Vec<_> = report
                .diagnostics
                .iter()
                .map(|d| diagnostics::resolve(sources, d))
                .collect();
            let json = serde_json::json!({
                "base": side_json(&base),
                "head": side_json(&head),
                "documents": comparison.documents,
                "soa": comparison.soa,
                "register": comparison.register,
                "diagnostics": resolved,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("plain data")
            );
        }
        DiffFormat::Markdown => print!("{}", markdown(&base, &head, &comparison, &report)),
    }
    Ok(if report.has_errors() {
        ExitCode::from(super::EXIT_CONTENT_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

fn side_json(side: &Side) -> serde_json::Value {
    match &side.commit {
        Some(c) => {
            serde_json::json!({"label": side.label, "commit": c.id, "tags": c.tags, "date": c.date})
        }
        None => serde_json::json!({"label": side.label, "commit": null}),
    }
}

fn arrow(old: &Option<String>, new: &Option<String>) -> String {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    format!("{} → {}", show(old), show(new))
}

impl FieldChange {
    /// `version 1.0 → 1.1`
    fn describe(&self) -> String {
        format!("{} {}", self.field, arrow(&self.old, &self.new))
    }
}

/// Every field change, `; `-separated.
fn describe_fields(fields: &[FieldChange]) -> String {
    fields
        .iter()
        .map(FieldChange::describe)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What happened to a register row, in words.
fn register_change(r: &RegisterChange) -> String {
    match r.change {
        ChangeKind::Added => "new row".to_string(),
        ChangeKind::Removed => "row removed".to_string(),
        ChangeKind::Changed => describe_fields(&r.fields),
    }
}

/// One line describing a changed document: `body; version 1.0 → 1.1; references +x −y`.
pub fn summary_line(d: &DocumentChange) -> String {
    let mut parts = Vec::new();
    match d.change {
        ChangeKind::Added => parts.push(format!(
            "added{}{}",
            d.new_version
                .as_ref()
                .map(|v| format!(", version {v}"))
                .unwrap_or_default(),
            d.new_status
                .as_ref()
                .map(|s| format!(", {s}"))
                .unwrap_or_default()
        )),
        ChangeKind::Removed => parts.push("removed".into()),
        ChangeKind::Changed => {}
    }
    if let Some(from) = &d.renamed_from {
        parts.push(format!("moved from {from}"));
    }
    if d.body_changed {
        parts.push("text changed".into());
    }
    for f in &d.fields {
        parts.push(f.describe());
    }
    if !d.references_added.is_empty() || !d.references_removed.is_empty() {
        let refs: Vec<String> = d
            .references_added
            .iter()
            .map(|r| format!("+{r}"))
            .chain(d.references_removed.iter().map(|r| format!("−{r}")))
            .collect();
        parts.push(format!("references {}", refs.join(" ")));
    }
    parts.join("; ")
}

fn counts(c: &Comparison) -> String {
    let n = |k: ChangeKind| c.documents.iter().filter(|d| d.change == k).count();
    format!(
        "{} added, {} removed, {} changed",
        n(ChangeKind::Added),
        n(ChangeKind::Removed),
        n(ChangeKind::Changed)
    )
}

fn human(base: &Side, head: &Side, c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} → {}: {}", base.label, head.label, counts(c));
    for d in &c.documents {
        let kind = match (d.change, &d.renamed_from) {
            (ChangeKind::Added, _) => "added",
            (ChangeKind::Removed, _) => "removed",
            (ChangeKind::Changed, Some(_)) => "renamed",
            (ChangeKind::Changed, None) => "changed",
        };
        let _ = writeln!(
            out,
            "  {kind:<8} {} ({}): {}",
            d.id,
            d.path,
            summary_line(d)
        );
    }
    if !c.soa.is_empty() {
        let _ = writeln!(out, "Statement of Applicability:");
        for s in &c.soa {
            let fields = describe_fields(&s.fields);
            let _ = writeln!(out, "  {:<8} {}: {fields}", s.control, s.title);
        }
    }
    if !c.register.is_empty() {
        let _ = writeln!(out, "Register:");
        for r in &c.register {
            let what = register_change(r);
            let _ = writeln!(out, "  {}: {what}", r.id);
        }
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(base: &Side, head: &Side, c: &Comparison, report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Handbook changes: `{}` → `{}`\n",
        base.label, head.label
    );
    let _ = writeln!(out, "{}.", counts(c));
    let sources = &head.project.sources;
    if report.diagnostics.is_empty() {
        let _ = writeln!(out, "\n✅ No document-control rule is broken.");
    } else {
        let _ = writeln!(
            out,
            "\n**{}**\n",
            diagnostics::summary(report).unwrap_or_default()
        );
        for d in &report.diagnostics {
            let r = diagnostics::resolve(sources, d);
            let icon = if d.severity == Severity::Error {
                "❌ error"
            } else {
                "⚠️ warning"
            };
            let place = match (&r.file, r.line) {
                (Some(f), Some(l)) => format!(" `{f}:{l}`"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "- {icon}{place}: {}{}",
                d.message,
                d.help
                    .as_ref()
                    .map(|h| format!(" — {h}"))
                    .unwrap_or_default()
            );
        }
    }
    if !c.documents.is_empty() {
        let _ = writeln!(out, "\n| Document | Change |\n|---|---|");
        for d in &c.documents {
            let _ = writeln!(
                out,
                "| `{}` {} | {} |",
                d.id,
                cell(&d.title),
                cell(&summary_line(d))
            );
        }
    }
    if !c.soa.is_empty() {
        let _ = writeln!(
            out,
            "\n#### Statement of Applicability\n\n| Control | Change |\n|---|---|"
        );
        for s in &c.soa {
            let fields = describe_fields(&s.fields);
            let _ = writeln!(
                out,
                "| {} {} | {} |",
                s.control,
                cell(&s.title),
                cell(&fields)
            );
        }
    }
    if !c.register.is_empty() {
        let _ = writeln!(out, "\n#### Register\n\n| Document | Change |\n|---|---|");
        for r in &c.register {
            let what = register_change(r);
            let _ = writeln!(out, "| `{}` | {} |", r.id, cell(&what));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn versions_compare_by_number() {
        assert_eq!(compare_versions("2.9", "2.10"), Some(Less));
        assert_eq!(compare_versions("2.0", "2"), Some(Equal));
        assert_eq!(compare_versions("3.1", "2.4"), Some(Greater));
        assert_eq!(compare_versions("v1.2", "1.3"), Some(Less));
        assert_eq!(compare_versions("1.a", "1.2"), None);
        assert_eq!(next_version("2.1"), "2.2");
        assert_eq!(next_version("4"), "5");
        assert_eq!(next_version("draft"), "draft.1");
    }
}
