//! The Statement of Applicability data file (`content/soa.yaml`): for each Annex A control, whether it
//! applies, why, and how far it is implemented. Which documents implement a control is not written
//! here: it is derived from the documents' `controls`, so the two cannot drift apart.

use std::collections::BTreeMap;
use std::ops::Range;

use gray_matter::engine::{Engine, YAML};
use serde::Serialize;
use serde_json::Value;

use super::catalogue::{ControlLookup, catalogue};
use crate::diagnostics::{Diagnostic, FileId, did_you_mean};
use crate::yaml;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Implementation {
    Implemented,
    PartiallyImplemented,
    Planned,
    NotImplemented,
}

impl Implementation {
    const ALL: [(&'static str, Implementation); 4] = [
        ("implemented", Implementation::Implemented),
        (
            "partially-implemented",
            Implementation::PartiallyImplemented,
        ),
        ("planned", Implementation::Planned),
        ("not-implemented", Implementation::NotImplemented),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("", |(s, _)| s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Implementation::Implemented => "Implemented",
            Implementation::PartiallyImplemented => "Partially implemented",
            Implementation::Planned => "Planned",
            Implementation::NotImplemented => "Not implemented",
        }
    }
}

/// One control's entry in the SoA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub applicable: bool,
    pub implementation: Option<Implementation>,
    pub justification: Option<String>,
    /// Where the control's key is written, for diagnostics about it.
    pub span: Range<usize>,
}

/// Parsed `soa.yaml`: entries by canonical 2022 control id.
#[derive(Debug, Default)]
pub struct Soa {
    pub file: Option<FileId>,
    pub entries: BTreeMap<String, Entry>,
}

pub fn parse(text: &str, file: FileId) -> (Soa, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut soa = Soa {
        file: Some(file),
        entries: BTreeMap::new(),
    };
    let invalid = |message: String, span: Range<usize>, help: &str| {
        Diagnostic::error("invalid-soa", message)
            .at(file, span)
            .help(format!(
                "{help}; see the README's Statement of Applicability section"
            ))
    };
    let outline = match yaml::outline(text, yaml::LIMITS) {
        Ok(outline) => outline,
        Err(e) => {
            let message = match e.kind {
                yaml::ErrorKind::Syntax => format!(
                    "the Statement of Applicability is not valid YAML: {}",
                    e.message
                ),
                _ => format!("the Statement of Applicability is refused: {}", e.message),
            };
            diagnostics.push(invalid(message, e.span.clone(), e.help()));
            return (soa, diagnostics);
        }
    };
    let value = match YAML::parse(text).and_then(|pod| pod.deserialize::<Value>()) {
        Ok(v) => v,
        Err(e) => {
            let span = 0..text.find('\n').unwrap_or(text.len());
            diagnostics.push(invalid(
                format!("the Statement of Applicability is not valid YAML: {e}"),
                span,
                yaml::ErrorKind::Syntax.help(),
            ));
            return (soa, diagnostics);
        }
    };
    let controls_entry = outline.child(None, "controls");
    let spans: BTreeMap<&str, Range<usize>> = controls_entry
        .map(|(at, _)| {
            outline
                .children(Some(at))
                .map(|(_, e)| (e.key.as_str(), e.key_span.clone()))
                .collect()
        })
        .unwrap_or_default();
    let Some(controls) = value.get("controls").and_then(Value::as_object) else {
        diagnostics.push(
            Diagnostic::error("invalid-soa", "the Statement of Applicability has no `controls:` mapping")
                .at(file, 0..text.find('\n').unwrap_or(text.len()))
                .help("write `controls:` and under it one entry per Annex A control, e.g. `  A.5.1: {applicable: true, status: implemented}`"),
        );
        return (soa, diagnostics);
    };
    let mut keys: Vec<&String> = controls.keys().collect();
    keys.sort_by_key(|k| spans.get(k.as_str()).map_or(usize::MAX, |s| s.start));
    for key in keys {
        let value = &controls[key];
        let span = spans.get(key.as_str()).cloned().unwrap_or(0..0);
        let id = match catalogue().lookup_control(key) {
            ControlLookup::Current(control) => control.id.to_string(),
            ControlLookup::Legacy(legacy) => {
                diagnostics.push(
                    Diagnostic::error("legacy-control", format!("`{key}` is a 2013 control id"))
                        .at(file, span)
                        .help(format!(
                            "the Statement of Applicability lists the 93 controls of ISO/IEC 27001:2022; `{}` corresponds to {}",
                            legacy.id,
                            legacy.maps_to.join(" and ")
                        )),
                );
                continue;
            }
            ControlLookup::Unknown { suggestion } => {
                diagnostics.push(
                    Diagnostic::error("unknown-control", format!("`{key}` is not an ISO/IEC 27001:2022 Annex A control"))
                        .at(file, span)
                        .help(match suggestion {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "Annex A controls are A.5.1–A.5.37, A.6.1–A.6.8, A.7.1–A.7.14, A.8.1–A.8.34".into(),
                        }),
                );
                continue;
            }
        };
        if let Some(entry) = entry(key, value, span, file, &mut diagnostics) {
            soa.entries.insert(id, entry);
        }
    }
    let missing: Vec<&str> = catalogue()
        .controls()
        .iter()
        .map(|c| c.id)
        .filter(|id| !soa.entries.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        let controls_line = controls_entry.map_or(0..0, |(_, e)| e.key_span.clone());
        diagnostics.push(
            Diagnostic::warning(
                "soa-incomplete",
                format!(
                    "the Statement of Applicability does not decide on {} of the 93 controls: {}",
                    missing.len(),
                    abbreviate(&missing)
                ),
            )
            .at(file, controls_line)
            .help("ISO/IEC 27001 clause 6.1.3 d) requires every Annex A control: add each with `applicable: true` or `applicable: false` and a justification"),
        );
    }
    (soa, diagnostics)
}

fn entry(
    key: &str,
    value: &Value,
    span: Range<usize>,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Entry> {
    let Some(map) = value.as_object() else {
        diagnostics.push(
            Diagnostic::error(
                "invalid-soa",
                format!(
                    "`{key}` must be a mapping with `applicable`, `status` and `justification`"
                ),
            )
            .at(file, span)
            .help(format!(
                "e.g. `{key}: {{applicable: true, status: implemented, justification: \"…\"}}`"
            )),
        );
        return None;
    };
    for field in map.keys() {
        if !["applicable", "status", "justification"].contains(&field.as_str()) {
            diagnostics.push(
                Diagnostic::warning(
                    "invalid-soa",
                    format!("unknown field `{field}` for `{key}`"),
                )
                .at(file, span.clone())
                .help("the fields are `applicable`, `status` and `justification`"),
            );
        }
    }
    let applicable = match map.get("applicable") {
        Some(Value::Bool(b)) => *b,
        other => {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-soa",
                    format!("`{key}` needs `applicable: true` or `applicable: false`"),
                )
                .at(file, span)
                .help(match other {
                    None => "every control must say whether it applies".to_string(),
                    Some(v) => format!("found `{v}`; write `true` or `false` without quotes"),
                }),
            );
            return None;
        }
    };
    let justification = map
        .get("justification")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let implementation = match map.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match Implementation::ALL.iter().find(|(name, _)| name == s) {
            Some((_, v)) => Some(*v),
            None => {
                let names = Implementation::ALL.map(|(n, _)| n);
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-soa",
                        format!("unknown implementation status `{s}` for `{key}`"),
                    )
                    .at(file, span.clone())
                    .help(match did_you_mean(s, names) {
                        Some(m) => {
                            format!("did you mean `{m}`? expected one of {}", names.join(", "))
                        }
                        None => format!("expected one of {}", names.join(", ")),
                    }),
                );
                None
            }
        },
        Some(other) => {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-soa",
                    format!("`status` of `{key}` must be text, not `{other}`"),
                )
                .at(file, span.clone())
                .help(
                    "expected one of implemented, partially-implemented, planned, not-implemented",
                ),
            );
            None
        }
    };
    if !applicable && justification.is_none() {
        diagnostics.push(
            Diagnostic::error("soa-unjustified", format!("`{key}` is excluded without a justification"))
                .at(file, span.clone())
                .help("ISO/IEC 27001 6.1.3 d) requires the justification for excluding a control: add `justification: \"…\"`"),
        );
    }
    if applicable && implementation.is_none() && !map.contains_key("status") {
        diagnostics.push(
            Diagnostic::warning("soa-no-status", format!("`{key}` applies but has no implementation `status`"))
                .at(file, span.clone())
                .help("add `status: implemented`, `partially-implemented`, `planned` or `not-implemented`"),
        );
    }
    Some(Entry {
        applicable,
        implementation,
        justification,
        span,
    })
}

fn abbreviate(ids: &[&str]) -> String {
    if ids.len() <= 8 {
        ids.join(", ")
    } else {
        format!("{}, … and {} more", ids[..6].join(", "), ids.len() - 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        parse(text, FileId(0))
            .1
            .into_iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    }

    #[test]
    fn entries_and_spans() {
        let text = "controls:\n  A.5.1:\n    applicable: true\n    status: implemented\n  A.8.30:\n    applicable: false\n    justification: No outsourced development.\n";
        let (soa, diags) = parse(text, FileId(0));
        assert_eq!(diags.len(), 1, "only the incompleteness warning: {diags:?}");
        assert_eq!(diags[0].code, "soa-incomplete");
        assert!(diags[0].message.contains("91 of the 93"));
        let e = &soa.entries["A.5.1"];
        assert!(e.applicable);
        assert_eq!(e.implementation, Some(Implementation::Implemented));
        assert_eq!(&text[e.span.clone()], "A.5.1");
        assert!(!soa.entries["A.8.30"].applicable);
    }

    #[test]
    fn exclusion_needs_a_justification() {
        let p = problems("controls:\n  A.8.30:\n    applicable: false\n");
        assert!(p.iter().any(|p| p.starts_with("soa-unjustified")), "{p:?}");
    }

    #[test]
    fn unknown_and_legacy_ids_and_bad_status() {
        let p = problems(
            "controls:\n  A.5.99: {applicable: true, status: implemented}\n  A.12.6.1: {applicable: true, status: implemented}\n  A.5.2: {applicable: true, status: implmented}\n",
        );
        assert!(p.iter().any(|p| p.starts_with("unknown-control")), "{p:?}");
        assert!(p.iter().any(|p| p.starts_with("legacy-control")), "{p:?}");
        assert!(
            p.iter()
                .any(|p| p.contains("unknown implementation status `implmented`")),
            "{p:?}"
        );
    }

    #[test]
    fn broken_yaml_is_an_error_with_a_position() {
        let (_, diags) = parse("controls:\n  A.5.1: {applicable: true\n", FileId(0));
        assert_eq!(diags[0].code, "invalid-soa");
        assert!(diags[0].location.as_ref().unwrap().span.start > 0);
    }
}
