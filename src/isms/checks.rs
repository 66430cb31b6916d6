//! Checks across documents that document control (ISO/IEC 27001 clauses 6.1.3 d and 7.5) asks
//! for: controlled types without status, owner or version; controls without a Statement of
//! Applicability; mandatory clauses that only drafts address.

use std::collections::BTreeMap;

use super::catalogue::catalogue;
use super::control::{DocumentControl, Status};
use crate::diagnostics::Diagnostic;
use crate::load::Handbook;

/// `` `a` (draft), `b` (in-review) ``
pub(super) fn with_status(
    handbook: &Handbook,
    controls: &[DocumentControl],
    docs: &[usize],
) -> String {
    docs.iter()
        .map(|&i| {
            let status = controls[i].status.map_or("no status", Status::as_str);
            format!("`{}` ({status})", handbook.documents[i].id)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Documents of a controlled type (`[isms] controlled-types`) without `status`, `owner` or
/// `version`: clause 7.5.2 asks for documented information that is identified, owned and versioned.
/// An approved document missing them is already an error.
pub(super) fn uncontrolled_documents(
    handbook: &Handbook,
    controls: &[DocumentControl],
) -> Vec<Diagnostic> {
    let types = &handbook.config.isms.controlled_types;
    let mut diagnostics = Vec::new();
    for (doc, control) in handbook.documents.iter().zip(controls) {
        if !types.contains(&doc.kind) || control.status == Some(Status::Approved) {
            continue;
        }
        let missing: Vec<&str> = ["status", "owner", "version"]
            .into_iter()
            .filter(|key| is_absent(doc.fields.get(*key)))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let names: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
        let examples: Vec<&str> = missing
            .iter()
            .map(|key| match *key {
                "status" => "`status: draft`",
                "owner" => "`owner: Security Officer`",
                _ => "`version: \"0.1\"`",
            })
            .collect();
        let span = ["type", "id", "title"]
            .into_iter()
            .find(|k| doc.key_spans.contains_key(*k))
            .map_or(0..0, |k| doc.field_span(k));
        diagnostics.push(
            Diagnostic::warning(
                "document-control-missing",
                format!(
                    "`{}` is a {} under document control, but has no {}",
                    doc.id,
                    doc.kind,
                    join_or(&names)
                ),
            )
            .at(doc.file, span)
            .help(format!(
                "add {} (ISO/IEC 27001 clause 7.5.2); `[isms] controlled-types` in book.toml lists the controlled types",
                join_and(&examples)
            )),
        );
    }
    diagnostics
}

fn is_absent(value: Option<&serde_json::Value>) -> bool {
    match value {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn join_with(items: &[impl AsRef<str>], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., end] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} {last} {}", rest.join(", "), end.as_ref())
        }
    }
}

fn join_or(items: &[impl AsRef<str>]) -> String {
    join_with(items, "or")
}

fn join_and(items: &[impl AsRef<str>]) -> String {
    join_with(items, "and")
}

/// Documents declare `controls`, but there is no Statement of Applicability (clause 6.1.3 d).
pub(super) fn missing_soa(handbook: &Handbook, controls: &[DocumentControl]) -> Option<Diagnostic> {
    let first = controls.iter().position(|c| !c.controls.is_empty())?;
    let doc = &handbook.documents[first];
    let config = &handbook.config;
    let path = config.build.content_dir.join(&config.isms.soa);
    Some(
        Diagnostic::warning(
            "soa-missing",
            format!(
                "documents declare Annex A `controls`, but the handbook has no Statement of Applicability (`{}`)",
                path.display()
            ),
        )
        .at(doc.file, doc.field_span("controls"))
        .label("the first document with controls")
        .help(format!(
            "ISO/IEC 27001 clause 6.1.3 d) requires one: create `{}` with `controls:` and, for each of the 93 Annex A controls, `applicable` and a justification (see the README), or point `[isms] soa` in book.toml at it",
            path.display()
        )),
    )
}

/// Clauses that require documented information and are addressed only by drafts or documents in
/// review: not covered until one is approved.
pub(super) fn clauses_only_in_drafts(
    handbook: &Handbook,
    controls: &[DocumentControl],
    addressed_by: &BTreeMap<&'static str, Vec<usize>>,
    addressed_in_drafts: &BTreeMap<&'static str, Vec<usize>>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for clause in catalogue().clauses() {
        let drafts = &addressed_in_drafts[clause.id];
        if !clause.requires_documented_information
            || !addressed_by[clause.id].is_empty()
            || drafts.is_empty()
        {
            continue;
        }
        let doc = &handbook.documents[drafts[0]];
        diagnostics.push(
            Diagnostic::warning(
                "clause-only-in-drafts",
                format!(
                    "clause {} ({}) requires documented information, but only drafts address it: {}",
                    clause.id,
                    clause.title,
                    with_status(handbook, controls, drafts)
                ),
            )
            .at(doc.file, doc.field_span("clauses"))
            .help("a draft or a document in review does not cover a clause until it is approved: approve it (`status: approved`)"),
        );
    }
    diagnostics
}
