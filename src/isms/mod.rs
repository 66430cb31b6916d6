//! ISO/IEC 27001:2022: the built-in catalogue of clauses and Annex A controls, the document-control
//! metadata read from frontmatter, and the Statement of Applicability. [`analyse`] derives what the
//! auditor's pages show (who implements which control, which clause is covered, which review is due)
//! from the documents themselves, so register and SoA cannot drift from the policies.

pub mod catalogue;
mod checks;
pub mod control;
pub mod soa;

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::diagnostics::{Diagnostic, Sources};
use crate::load::{Document, Handbook};
use crate::resolve::Index;
use catalogue::catalogue;
use control::{DocumentControl, ReviewState, Status};
use rayon::prelude::*;
use soa::Soa;

/// What the ISMS pages are made from.
#[derive(Debug)]
pub struct Isms {
    pub today: Date,
    /// Per document, in document order.
    pub controls: Vec<DocumentControl>,
    pub soa: Soa,
    /// Annex A control id → documents in force ([`DocumentControl::in_force`]) that implement it;
    /// every control has an entry.
    pub implemented_by: BTreeMap<&'static str, Vec<usize>>,
    /// Annex A control id → drafts and documents in review that list it: they implement nothing
    /// until approved. Every control has an entry.
    pub implemented_in_drafts: BTreeMap<&'static str, Vec<usize>>,
    /// Clause id → documents in force that address it; every clause has an entry.
    pub addressed_by: BTreeMap<&'static str, Vec<usize>>,
    /// Clause id → drafts and documents in review that address it; every clause has an entry.
    pub addressed_in_drafts: BTreeMap<&'static str, Vec<usize>>,
    /// Per document: the documents that supersede it.
    pub superseded_by: Vec<Vec<usize>>,
}

impl Isms {
    /// Not retired.
    pub fn is_active(&self, doc: usize) -> bool {
        self.controls[doc].status != Some(Status::Retired)
    }
}

pub fn analyse(
    handbook: &Handbook,
    index: &Index,
    sources: &Sources,
    today: Date,
) -> (Isms, Vec<Diagnostic>) {
    // Each document's fields are read on their own (in parallel); the results keep document order.
    let parsed: Vec<(DocumentControl, Vec<Diagnostic>)> = handbook
        .documents
        .par_iter()
        .map(|doc| document_control(doc, today))
        .collect();
    let mut diagnostics = Vec::new();
    let mut controls = Vec::with_capacity(parsed.len());
    for (control, problems) in parsed {
        controls.push(control);
        diagnostics.extend(problems);
    }

    let mut superseded_by = vec![Vec::new(); handbook.documents.len()];
    for (i, control) in controls.iter().enumerate() {
        for old in &control.supersedes {
            match index.get(old) {
                Some(target) => superseded_by[target].push(i),
                None => {
                    let doc = &handbook.documents[i];
                    diagnostics.push(
                        Diagnostic::error("unknown-reference", format!("`supersedes` names `{old}`, but no document has that id"))
                            .at(doc.file, doc.field_span("supersedes"))
                            .help(match index.suggest(old) {
                                Some(s) => format!("did you mean `{s}`? a superseded document stays in the handbook with `status: retired`"),
                                None => "keep the superseded document with `status: retired`, so its id still resolves".into(),
                            }),
                    );
                }
            }
        }
    }

    // Only documents in force implement a control or address a clause; drafts and documents in
    // review are kept apart to show what waits for approval; retired ones count for nothing.
    let by_control = || -> BTreeMap<&'static str, Vec<usize>> {
        catalogue()
            .controls()
            .iter()
            .map(|c| (c.id, Vec::new()))
            .collect()
    };
    let by_clause = || -> BTreeMap<&'static str, Vec<usize>> {
        catalogue()
            .clauses()
            .iter()
            .map(|c| (c.id, Vec::new()))
            .collect()
    };
    let (mut implemented_by, mut implemented_in_drafts) = (by_control(), by_control());
    let (mut addressed_by, mut addressed_in_drafts) = (by_clause(), by_clause());
    for (i, control) in controls.iter().enumerate() {
        let (implemented, addressed) = match control.status {
            None | Some(Status::Approved) => (&mut implemented_by, &mut addressed_by),
            Some(Status::Draft | Status::InReview) => {
                (&mut implemented_in_drafts, &mut addressed_in_drafts)
            }
            Some(Status::Retired) => continue,
        };
        for id in &control.controls {
            if let Some(docs) = implemented.get_mut(id.as_str()) {
                docs.push(i);
            }
        }
        for id in &control.clauses {
            if let Some(docs) = addressed.get_mut(id.as_str()) {
                docs.push(i);
            }
        }
    }
    diagnostics.extend(checks::uncontrolled_documents(handbook, &controls));
    diagnostics.extend(checks::clauses_only_in_drafts(
        handbook,
        &controls,
        &addressed_by,
        &addressed_in_drafts,
    ));

    let soa = match handbook.soa {
        Some(file) => {
            let (soa, problems) = soa::parse(&sources.get(file).text, file);
            diagnostics.extend(problems);
            soa
        }
        None => {
            diagnostics.extend(checks::missing_soa(handbook, &controls));
            Soa::default()
        }
    };
    if let Some(file) = soa.file {
        for (id, entry) in &soa.entries {
            let docs = &implemented_by[id.as_str()];
            let drafts = &implemented_in_drafts[id.as_str()];
            if entry.applicable && docs.is_empty() && !drafts.is_empty() {
                diagnostics.push(
                    Diagnostic::warning(
                        "soa-gap",
                        format!(
                            "{id} is applicable, but only drafts implement it: {}",
                            checks::with_status(handbook, &controls, drafts)
                        ),
                    )
                    .at(file, entry.span.clone())
                    .help("a draft or a document in review implements nothing until it is approved: approve it (`status: approved`), or add the control to a document in force"),
                );
            } else if entry.applicable && docs.is_empty() {
                diagnostics.push(
                    Diagnostic::warning("soa-gap", format!("{id} is applicable, but no document implements it"))
                        .at(file, entry.span.clone())
                        .help(format!(
                            "add `{id}` to the `controls` of the document that implements it, or mark the control `applicable: false` with a justification"
                        )),
                );
            }
        }
        for (i, doc) in handbook.documents.iter().enumerate() {
            for id in &controls[i].controls {
                if soa.entries.get(id).is_some_and(|e| !e.applicable) {
                    diagnostics.push(
                        Diagnostic::warning("soa-excluded", format!("`{}` implements {id}, which the Statement of Applicability excludes", doc.id))
                            .at(doc.file, doc.field_span("controls"))
                            .help(format!("remove {id} from `controls`, or make it applicable in the Statement of Applicability")),
                    );
                }
            }
        }
    }

    let isms = Isms {
        today,
        controls,
        soa,
        implemented_by,
        implemented_in_drafts,
        addressed_by,
        addressed_in_drafts,
        superseded_by,
    };
    (isms, diagnostics)
}

/// A document's control fields, with the problems found in them and an overdue review.
fn document_control(doc: &Document, today: Date) -> (DocumentControl, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let (control, problems) = control::parse_document_control(&doc.fields);
    for p in problems {
        let d = match p.severity {
            control::Severity::Error => Diagnostic::error("invalid-document-control", p.message),
            control::Severity::Warning => Diagnostic::warning("document-control", p.message),
        };
        let span = p
            .item
            .and_then(|i| doc.item_spans.get(&p.field)?.get(i).cloned())
            .unwrap_or_else(|| doc.field_span(&p.field));
        let d = d.at(doc.file, span);
        diagnostics.push(match p.help {
            Some(help) => d.help(help),
            None => d,
        });
    }
    if control.status != Some(Status::Retired)
        && let ReviewState::Overdue { days } = control.review_state(today)
    {
        let field = ["next_review", "last_reviewed", "review_every", "effective"]
            .into_iter()
            .find(|f| doc.key_spans.contains_key(*f))
            .unwrap_or("id");
        let next = control
            .next_review()
            .map(|d| d.to_string())
            .unwrap_or_default();
        diagnostics.push(
            Diagnostic::warning(
                "review-overdue",
                format!("the review of `{}` is overdue by {days} day{} (due {next})", doc.id, plural(days)),
            )
            .at(doc.file, doc.field_span(field))
            .help("review the document, then set `last_reviewed` to the review date (or retire it with `status: retired`)"),
        );
    }
    (control, diagnostics)
}

fn plural(n: i32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Today's date for review status: `--today`, else `SOURCE_DATE_EPOCH` (reproducible builds), else the
/// system clock in UTC.
pub fn today(explicit: Option<Date>) -> Date {
    if let Some(date) = explicit {
        return date;
    }
    let timestamp = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    timestamp.to_zoned(jiff::tz::TimeZone::UTC).date()
}
