//! The pages an ISO 27001 auditor asks for — document register, Statement of Applicability, clause
//! coverage, review status, roles — and the document-control block of each document page. All of it
//! is derived from the documents' frontmatter and `soa.yaml` by [`crate::isms::analyse`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::csv_export::Export;
use super::{DocLink, Model, Sink, link};
use crate::diagnostics::Fatal;
use crate::isms::catalogue::{Theme, catalogue};
use crate::isms::control::{DocumentControl, ReviewState, Status};
use crate::render::markdown::slugify;
use crate::site::theme::Theme as SiteTheme;

/// Generated pages live in this folder, so they never collide with document ids.
pub const DIR: &str = "handbook";

pub fn role_url(role: &str, root: &str) -> String {
    format!("{root}{DIR}/role-{}.html", slugify(role))
}

fn control_url(id: &str, root: &str) -> String {
    format!("{root}{DIR}/soa.html#{id}")
}

fn clause_url(id: &str, root: &str) -> String {
    format!("{root}{DIR}/clauses.html#clause-{id}")
}

#[derive(Serialize)]
pub struct Ref {
    id: String,
    title: String,
    url: String,
}

/// A document in a list of an ISMS page, with its status when it is not in force (`draft`,
/// `in-review`, `retired`), so a reader sees at once what does not apply.
#[derive(Serialize)]
struct MarkedLink<'a> {
    #[serde(flatten)]
    link: DocLink<'a>,
    marker: Option<&'static str>,
}

fn marked<'a>(model: &Model<'a>, i: usize, root: &str) -> MarkedLink<'a> {
    let status = model.isms.controls[i].status;
    MarkedLink {
        link: link(&model.handbook.documents[i], root),
        marker: status
            .filter(|s| *s != Status::Approved)
            .map(Status::as_str),
    }
}

#[derive(Serialize)]
pub struct Role {
    name: String,
    url: String,
}

/// The document-control block of a document page (and a row of the register).
#[derive(Serialize)]
pub struct ControlBlock<'a> {
    status: Option<&'static str>,
    version: Option<&'a str>,
    owner: Option<Role>,
    approver: Option<Role>,
    effective: Option<String>,
    last_reviewed: Option<String>,
    next_review: Option<String>,
    review_every: Option<String>,
    /// `overdue`, `due-soon`, `current` or `not-scheduled`.
    review_state: &'static str,
    /// Days overdue, or days until due.
    review_days: i32,
    classification: Option<&'static str>,
    controls: Vec<Ref>,
    clauses: Vec<Ref>,
    supersedes: Vec<DocLink<'a>>,
    superseded_by: Vec<DocLink<'a>>,
    /// Whether there is anything to show.
    any: bool,
}

pub fn control_block<'a>(model: &Model<'a>, i: usize, root: &str) -> ControlBlock<'a> {
    let c: &'a DocumentControl = &model.isms.controls[i];
    let docs = &model.handbook.documents;
    let (review_state, review_days) = match c.review_state(model.isms.today) {
        ReviewState::Overdue { days } => ("overdue", days),
        ReviewState::DueSoon { days } => ("due-soon", days),
        ReviewState::Current => ("current", 0),
        ReviewState::NotScheduled => ("not-scheduled", 0),
    };
    let role = |name: &Option<String>| {
        name.as_ref().map(|n| Role {
            name: n.clone(),
            url: role_url(n, root),
        })
    };
    let block = ControlBlock {
        status: c.status.map(|s| s.as_str()),
        version: c.version.as_deref(),
        owner: role(&c.owner),
        approver: role(&c.approver),
        effective: c.effective.map(|d| d.to_string()),
        last_reviewed: c.last_reviewed.map(|d| d.to_string()),
        next_review: c.next_review().map(|d| d.to_string()),
        review_every: c.review_interval.map(|i| i.to_string()),
        review_state,
        review_days,
        classification: c.classification.map(|c| c.as_str()),
        controls: c
            .controls
            .iter()
            .map(|id| Ref {
                id: id.clone(),
                title: catalogue().control(id).map_or("", |c| c.title).to_string(),
                url: control_url(id, root),
            })
            .collect(),
        clauses: c
            .clauses
            .iter()
            .map(|id| Ref {
                id: id.clone(),
                title: catalogue().clause(id).map_or("", |c| c.title).to_string(),
                url: clause_url(id, root),
            })
            .collect(),
        supersedes: c
            .supersedes
            .iter()
            .filter_map(|id| docs.iter().find(|d| &d.id == id))
            .map(|d| link(d, root))
            .collect(),
        superseded_by: model.isms.superseded_by[i]
            .iter()
            .map(|&j| link(&docs[j], root))
            .collect(),
        any: false,
    };
    let any = block.status.is_some()
        || block.version.is_some()
        || block.owner.is_some()
        || block.approver.is_some()
        || block.effective.is_some()
        || block.next_review.is_some()
        || block.classification.is_some()
        || !block.controls.is_empty()
        || !block.clauses.is_empty();
    ControlBlock { any, ..block }
}

/// The Statement of Applicability's row of the register: it is documented information too.
fn soa_control_block<'a>(model: &Model<'a>, root: &str) -> ControlBlock<'a> {
    let c = &model.isms.soa.control;
    let role = |name: &Option<String>| {
        name.as_ref().map(|n| Role {
            name: n.clone(),
            url: role_url(n, root),
        })
    };
    ControlBlock {
        status: None,
        version: c.version.as_deref(),
        owner: role(&c.owner),
        approver: role(&c.approver),
        effective: c.effective.map(|d| d.to_string()),
        last_reviewed: None,
        next_review: None,
        review_every: None,
        review_state: "not-scheduled",
        review_days: 0,
        classification: None,
        controls: Vec::new(),
        clauses: Vec::new(),
        supersedes: Vec::new(),
        superseded_by: Vec::new(),
        any: c.version.is_some()
            || c.owner.is_some()
            || c.approver.is_some()
            || c.effective.is_some(),
    }
}

/// The id, title and type the Statement of Applicability has in the register and its exports.
pub const SOA_ID: &str = "statement-of-applicability";
const SOA_TITLE: &str = "Statement of Applicability";
const SOA_KIND: &str = "record";

fn soa_link(root: &str) -> DocLink<'static> {
    DocLink {
        id: SOA_ID,
        title: SOA_TITLE,
        kind: SOA_KIND,
        url: format!("{root}{DIR}/soa.html"),
        description: None,
    }
}

/// The SoA file's path relative to the content folder, when the handbook has one.
fn soa_path(model: &Model) -> Option<String> {
    model.isms.soa.file?;
    Some(crate::load::relative_slash_path(
        &model.handbook.config.isms.soa,
    ))
}

#[derive(Serialize)]
struct RegisterRow<'a> {
    #[serde(flatten)]
    link: DocLink<'a>,
    path: &'a str,
    #[serde(flatten)]
    control: ControlBlock<'a>,
}

#[derive(Serialize)]
struct SoaRow<'a> {
    id: &'static str,
    title: &'static str,
    /// `None` when the SoA does not decide on the control.
    applicable: Option<bool>,
    status: Option<&'static str>,
    status_label: Option<&'static str>,
    justification: Option<&'a str>,
    /// Documents in force that implement the control.
    documents: Vec<DocLink<'a>>,
    /// Drafts and documents in review that list it: they implement nothing yet.
    drafts: Vec<MarkedLink<'a>>,
    gap: bool,
}

#[derive(Serialize)]
struct SoaTheme<'a> {
    number: u8,
    title: &'static str,
    controls: Vec<SoaRow<'a>>,
}

#[derive(Serialize)]
struct ClauseRow<'a> {
    id: &'static str,
    title: &'static str,
    depth: usize,
    documented_information: Option<&'static str>,
    documents: Vec<DocLink<'a>>,
    /// Drafts and documents in review that address it: they cover nothing yet.
    drafts: Vec<MarkedLink<'a>>,
    /// Requires documented information, but no document in force addresses it.
    uncovered: bool,
}

#[derive(Serialize)]
struct ReviewRow<'a> {
    #[serde(flatten)]
    link: DocLink<'a>,
    owner: Option<&'a str>,
    next_review: Option<String>,
    days: i32,
}

#[derive(Serialize)]
struct RoleSummary<'a> {
    name: &'a str,
    url: String,
    owns: Vec<MarkedLink<'a>>,
    approves: Vec<MarkedLink<'a>>,
}

/// Write the generated pages and their CSV/JSON exports into `sink`.
pub fn write_pages(
    model: &Model,
    theme: &SiteTheme,
    base: &tera::Context,
    sink: &dyn Sink,
) -> Result<(), Fatal> {
    let root = "../";
    let docs = &model.handbook.documents;
    let isms = model.isms;
    let page = |template: &str, fill: &dyn Fn(&mut tera::Context)| -> Result<Vec<u8>, Fatal> {
        let mut cx = base.clone();
        cx.insert("root", root);
        fill(&mut cx);
        Ok(theme.render(template, &cx)?.into_bytes())
    };

    // Document register.
    let mut rows: Vec<RegisterRow> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| RegisterRow {
            link: link(d, root),
            path: &d.path,
            control: control_block(model, i, root),
        })
        .collect();
    let soa_path = soa_path(model);
    if let Some(path) = &soa_path {
        rows.push(RegisterRow {
            link: soa_link(root),
            path,
            control: soa_control_block(model, root),
        });
    }
    sink.write(
        &format!("{DIR}/register.html"),
        &page("register.html", &|cx| cx.insert("documents", &rows))?,
    )?;
    sink.write(&format!("{DIR}/register.json"), &register_json(model)?)?;
    sink.write(&format!("{DIR}/register.csv"), &register_csv(model)?)?;

    // Statement of Applicability.
    let soa_rows = |theme: Theme| -> Vec<SoaRow> {
        catalogue()
            .controls()
            .iter()
            .filter(|c| c.theme == theme)
            .map(|c| {
                let entry = isms.soa.entries.get(c.id);
                let documents: Vec<DocLink> = isms.implemented_by[c.id]
                    .iter()
                    .map(|&j| link(&docs[j], root))
                    .collect();
                SoaRow {
                    id: c.id,
                    title: c.title,
                    applicable: entry.map(|e| e.applicable),
                    status: entry.and_then(|e| e.implementation).map(|s| s.as_str()),
                    status_label: entry.and_then(|e| e.implementation).map(|s| s.label()),
                    justification: entry.and_then(|e| e.justification.as_deref()),
                    gap: entry.is_some_and(|e| e.applicable) && documents.is_empty(),
                    documents,
                    drafts: isms.implemented_in_drafts[c.id]
                        .iter()
                        .map(|&j| marked(model, j, root))
                        .collect(),
                }
            })
            .collect()
    };
    let themes: Vec<SoaTheme> = Theme::ALL
        .iter()
        .map(|&t| SoaTheme {
            number: t.number(),
            title: t.title(),
            controls: soa_rows(t),
        })
        .collect();
    let entries = &isms.soa.entries;
    let counts = BTreeMap::from([
        ("controls", catalogue().controls().len()),
        (
            "applicable",
            entries.values().filter(|e| e.applicable).count(),
        ),
        (
            "excluded",
            entries.values().filter(|e| !e.applicable).count(),
        ),
        ("undecided", catalogue().controls().len() - entries.len()),
        (
            "gaps",
            themes
                .iter()
                .flat_map(|t| &t.controls)
                .filter(|r| r.gap)
                .count(),
        ),
    ]);
    let has_soa = isms.soa.file.is_some();
    sink.write(
        &format!("{DIR}/soa.html"),
        &page("soa.html", &|cx| {
            cx.insert("themes", &themes);
            cx.insert("counts", &counts);
            cx.insert("has_soa", &has_soa);
            cx.insert("soa_control", &soa_control_block(model, root));
        })?,
    )?;
    sink.write(&format!("{DIR}/soa.csv"), &soa_csv(&themes)?)?;

    // Clause coverage.
    let clauses: Vec<ClauseRow> = catalogue()
        .clauses()
        .iter()
        .map(|c| {
            let documents: Vec<DocLink> = isms.addressed_by[c.id]
                .iter()
                .map(|&j| link(&docs[j], root))
                .collect();
            ClauseRow {
                id: c.id,
                title: c.title,
                depth: c.id.matches('.').count(),
                documented_information: c.documented_information,
                uncovered: c.requires_documented_information && documents.is_empty(),
                documents,
                drafts: isms.addressed_in_drafts[c.id]
                    .iter()
                    .map(|&j| marked(model, j, root))
                    .collect(),
            }
        })
        .collect();
    sink.write(
        &format!("{DIR}/clauses.html"),
        &page("clauses.html", &|cx| cx.insert("clauses", &clauses))?,
    )?;

    // Review status.
    let mut overdue = Vec::new();
    let mut due_30 = Vec::new();
    let mut due_90 = Vec::new();
    let mut unscheduled = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if !isms.is_active(i) {
            continue;
        }
        let c = &isms.controls[i];
        let row = |days| ReviewRow {
            link: link(d, root),
            owner: c.owner.as_deref(),
            next_review: c.next_review().map(|d| d.to_string()),
            days,
        };
        match c.review_state(isms.today) {
            ReviewState::Overdue { days } => overdue.push(row(days)),
            ReviewState::DueSoon { days } if days <= 30 => due_30.push(row(days)),
            ReviewState::DueSoon { days } => due_90.push(row(days)),
            ReviewState::NotScheduled => unscheduled.push(row(0)),
            ReviewState::Current => {}
        }
    }
    for list in [&mut overdue, &mut due_30, &mut due_90] {
        list.sort_by(|a, b| (&a.next_review, a.link.id).cmp(&(&b.next_review, b.link.id)));
    }
    let mut by_owner: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for (i, c) in isms.controls.iter().enumerate() {
        if !isms.is_active(i) {
            continue;
        }
        let slot = match c.review_state(isms.today) {
            ReviewState::Overdue { .. } => 0,
            ReviewState::DueSoon { days } if days <= 30 => 1,
            ReviewState::DueSoon { .. } => 2,
            _ => 3,
        };
        by_owner
            .entry(c.owner.as_deref().unwrap_or("(no owner)"))
            .or_default()[slot] += 1;
    }
    let today = isms.today.to_string();
    sink.write(
        &format!("{DIR}/reviews.html"),
        &page("reviews.html", &|cx| {
            cx.insert("today", &today);
            cx.insert("overdue", &overdue);
            cx.insert("due_30", &due_30);
            cx.insert("due_90", &due_90);
            cx.insert("unscheduled", &unscheduled);
            cx.insert("by_owner", &by_owner);
        })?,
    )?;

    // Roles, with the Statement of Applicability among what they own and approve.
    let mut roles: BTreeMap<&str, (Vec<MarkedLink>, Vec<MarkedLink>)> = BTreeMap::new();
    for (i, c) in isms.controls.iter().enumerate() {
        if let Some(owner) = &c.owner {
            roles
                .entry(owner)
                .or_default()
                .0
                .push(marked(model, i, root));
        }
        if let Some(approver) = &c.approver {
            roles
                .entry(approver)
                .or_default()
                .1
                .push(marked(model, i, root));
        }
    }
    if soa_path.is_some() {
        let soa = &isms.soa.control;
        let marked_soa = || MarkedLink {
            link: soa_link(root),
            marker: None,
        };
        if let Some(owner) = &soa.owner {
            roles.entry(owner).or_default().0.push(marked_soa());
        }
        if let Some(approver) = &soa.approver {
            roles.entry(approver).or_default().1.push(marked_soa());
        }
    }
    let summaries: Vec<RoleSummary> = roles
        .into_iter()
        .map(|(name, (owns, approves))| RoleSummary {
            name,
            url: role_url(name, root),
            owns,
            approves,
        })
        .collect();
    sink.write(
        &format!("{DIR}/roles.html"),
        &page("roles.html", &|cx| cx.insert("roles", &summaries))?,
    )?;
    for role in &summaries {
        sink.write(
            &format!("{DIR}/role-{}.html", slugify(role.name)),
            &page("role.html", &|cx| cx.insert("role", role))?,
        )?;
    }
    Ok(())
}

fn register_records(model: &Model) -> Vec<BTreeMap<&'static str, String>> {
    let docs = &model.handbook.documents;
    let soa = soa_path(model).map(|path| {
        let c = &model.isms.soa.control;
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        BTreeMap::from([
            ("id", SOA_ID.to_string()),
            ("title", SOA_TITLE.to_string()),
            ("type", SOA_KIND.to_string()),
            ("version", opt(&c.version)),
            ("status", String::new()),
            ("owner", opt(&c.owner)),
            ("approver", opt(&c.approver)),
            ("effective", opt(&c.effective.map(|d| d.to_string()))),
            ("last_reviewed", String::new()),
            ("next_review", String::new()),
            ("classification", String::new()),
            ("controls", String::new()),
            ("clauses", String::new()),
            ("path", path),
        ])
    });
    docs.iter()
        .enumerate()
        .map(|(i, d)| {
            let c = &model.isms.controls[i];
            let opt = |v: Option<String>| v.unwrap_or_default();
            BTreeMap::from([
                ("id", d.id.clone()),
                ("title", d.title.clone()),
                ("type", d.kind.clone()),
                ("version", opt(c.version.clone())),
                ("status", opt(c.status.map(|s| s.as_str().to_string()))),
                ("owner", opt(c.owner.clone())),
                ("approver", opt(c.approver.clone())),
                ("effective", opt(c.effective.map(|d| d.to_string()))),
                ("last_reviewed", opt(c.last_reviewed.map(|d| d.to_string()))),
                ("next_review", opt(c.next_review().map(|d| d.to_string()))),
                (
                    "classification",
                    opt(c.classification.map(|c| c.as_str().to_string())),
                ),
                ("controls", c.controls.join(" ")),
                ("clauses", c.clauses.join(" ")),
                ("path", d.path.clone()),
            ])
        })
        .chain(soa)
        .collect()
}

const REGISTER_COLUMNS: [&str; 14] = [
    "id",
    "title",
    "type",
    "version",
    "status",
    "owner",
    "approver",
    "effective",
    "last_reviewed",
    "next_review",
    "classification",
    "controls",
    "clauses",
    "path",
];

fn register_csv(model: &Model) -> Result<Vec<u8>, Fatal> {
    let mut w = Export::new("register.csv");
    w.row(REGISTER_COLUMNS)?;
    for record in register_records(model) {
        w.row(REGISTER_COLUMNS.iter().map(|c| record[c].as_str()))?;
    }
    w.finish()
}

fn register_json(model: &Model) -> Result<Vec<u8>, Fatal> {
    let records = register_records(model);
    let mut out = serde_json::to_vec_pretty(&records)
        .map_err(|e| Fatal::new(format!("cannot write register.json: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

fn soa_csv(themes: &[SoaTheme]) -> Result<Vec<u8>, Fatal> {
    let mut w = Export::new("soa.csv");
    w.row([
        "control",
        "title",
        "theme",
        "applicable",
        "status",
        "justification",
        "documents",
        "drafts",
    ])?;
    for t in themes {
        for r in &t.controls {
            let applicable = match r.applicable {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            };
            let documents: Vec<&str> = r.documents.iter().map(|d| d.id).collect();
            let drafts: Vec<&str> = r.drafts.iter().map(|d| d.link.id).collect();
            w.row([
                r.id,
                r.title,
                t.title,
                applicable,
                r.status.unwrap_or(""),
                r.justification.unwrap_or(""),
                &documents.join(" "),
                &drafts.join(" "),
            ])?;
        }
    }
    w.finish()
}
