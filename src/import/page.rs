//! One imported document on its way to policybook: its frontmatter fields (with the source lines),
//! body and type. [`finish`] gives every page a unique valid id, maps other tools' fields with
//! [`crate::load::hints::meant_field`], converts dates and intervals, drops what would still be an
//! error (checked with the document-control parser `check` uses), and writes the file.

use serde_json::Value;

use super::{Action, Entry};
use crate::isms::control::{self, Interval};
use crate::load::hints::{FIELDS, meant_field};
use crate::load::{RESERVED_IDS, folder_for_kind, is_valid_id, suggest_id};

/// A frontmatter field as the source wrote it.
#[derive(Debug, Clone)]
pub struct Field {
    pub key: String,
    pub value: Value,
    /// 1-based line in the source file.
    pub line: usize,
    /// The value as written, when YAML reads it as a number (`version: 1.10`).
    pub written: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The source file, relative to SRC, `/`-separated.
    pub source: String,
    pub fields: Vec<Field>,
    pub body: String,
    /// The 1-based source line of the body's first line.
    pub body_line: usize,
    /// The document type (`policy`, `procedure`, …).
    pub kind: String,
    pub order: Option<i64>,
    /// The file name without extension and number prefix: the first id candidate after `id`.
    pub stem: String,
    /// Set by [`assign_ids`].
    pub id: String,
    /// Fields the format has already reported on (no generic "not read" line for them).
    pub noted: Vec<String>,
}

impl Page {
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn text(&self, key: &str) -> Option<String> {
        match &self.field(key)?.value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Where the page is written, relative to DEST.
    pub fn out_path(&self) -> String {
        format!("content/{}/{}.md", folder_for_kind(&self.kind), self.id)
    }

    fn line_of(&self, key: &str) -> usize {
        self.field(key).map_or(1, |f| f.line)
    }
}

/// Fields read from a frontmatter block whose YAML starts on `first_line` of the source.
pub fn fields_from_yaml(
    yaml: &str,
    first_line: usize,
) -> Result<Vec<Field>, crate::load::frontmatter::SplitError> {
    let framed = format!("---\n{yaml}\n---\n");
    let mut fm = crate::load::frontmatter::split(&framed)?;
    // gray_matter reads mappings into a HashMap: nested mappings are read again, in source order,
    // so that the output is deterministic and keeps the author's order (the limits were checked above).
    if let Ok(docs) = yaml_rust2::YamlLoader::load_from_str(yaml)
        && let Some(yaml_rust2::Yaml::Hash(top)) = docs.first()
    {
        for (key, value) in top {
            if let (Some(key), true) = (key.as_str(), value.is_array() || value.as_hash().is_some())
                && let Some(field) = fm.fields.get_mut(key)
            {
                *field = in_order(value);
            }
        }
    }
    let mut fields: Vec<Field> = fm
        .fields
        .into_iter()
        .map(|(key, value)| {
            let line = fm.key_spans.get(&key).map_or(first_line, |span| {
                framed[..span.start].matches('\n').count() - 1 + first_line
            });
            let written = fm.unquoted_numbers.get(&key).cloned();
            Field {
                key,
                value,
                line,
                written,
            }
        })
        .collect();
    fields.sort_by_key(|f| f.line);
    Ok(fields)
}

/// A YAML value as JSON with mappings in source order.
fn in_order(yaml: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match yaml {
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) | Yaml::Real(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (key, in_order(v))
                })
                .collect(),
        ),
        Yaml::Array(items) => Value::Array(items.iter().map(in_order).collect()),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(r.clone()), Value::Number),
        Yaml::Boolean(b) => Value::Bool(*b),
        _ => Value::Null,
    }
}

/// A file name without extension and Docusaurus number prefix: `01-intro.md` → (`intro`, 1).
pub fn split_number_prefix(name: &str) -> (String, Option<i64>) {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    if let Some((number, rest)) = stem.split_once(['-', '_', '.', ' '])
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && !rest.is_empty()
    {
        return (rest.to_string(), number.parse().ok());
    }
    (stem.to_string(), None)
}

/// The type a folder name stands for: `10-policies` → `policy`, `Risk Management` → `risk-management`.
pub fn kind_from_folder(folder: &str) -> String {
    let (name, _) = split_number_prefix(&format!("{folder}.x"));
    let id = suggest_id(&name);
    if id == "my-document" {
        return "document".into();
    }
    crate::load::kind_from_path(&format!("{id}/x.md"))
}

/// Give every page a unique, valid, unreserved id: its `id` field, its file name or its title.
pub fn assign_ids(pages: &mut [Page], entries: &mut Vec<Entry>) {
    let mut taken: std::collections::BTreeSet<String> =
        RESERVED_IDS.iter().map(|s| s.to_string()).collect();
    for page in pages.iter_mut() {
        let own = page.text("id");
        let title = page
            .text("title")
            .or_else(|| page.text("name"))
            .or_else(|| crate::load::markdown::first_h1(&page.body));
        let candidates = [own.clone(), Some(page.stem.clone()), title.clone()];
        let mut chosen = candidates
            .iter()
            .flatten()
            .map(|c| {
                if is_valid_id(c) {
                    c.clone()
                } else {
                    suggest_id(c)
                }
            })
            .find(|c| c != "my-document" && !taken.contains(c))
            .unwrap_or_else(|| suggest_id(&page.stem));
        let base = chosen.clone();
        let mut n = 2;
        while taken.contains(&chosen) {
            chosen = format!("{base}-{n}");
            n += 1;
        }
        if let Some(own) = own.filter(|own| *own != chosen) {
            entries.push(Entry::change(
                &page.source,
                page.line_of("id"),
                format!("id `{own}` became `{chosen}` (ids are unique lowercase words joined by hyphens; index, 404 and print are reserved)"),
            ));
        } else if RESERVED_IDS.contains(&page.stem.as_str()) || !is_valid_id(&page.stem) {
            entries.push(Entry::change(
                &page.source,
                1,
                format!(
                    "the file name `{}` is not a usable id: the document's id is `{chosen}`",
                    page.stem
                ),
            ));
        }
        taken.insert(chosen.clone());
        page.id = chosen;
    }
}

/// The frontmatter and body of `page` as a policybook document; every change is an entry.
pub fn finish(page: &Page, entries: &mut Vec<Entry>) -> String {
    let mut kept: Vec<(String, Value, usize)> = Vec::new();
    let mut note = |line: usize, action: Action, what: String| {
        entries.push(Entry {
            source: page.source.clone(),
            line,
            what,
            action,
        })
    };
    for field in &page.fields {
        let key = field.key.as_str();
        if matches!(key, "id" | "type" | "order") {
            continue;
        }
        let target = if FIELDS.contains(&key) {
            key.to_string()
        } else if let Some(ours) = meant_field(key) {
            if ours == "id" {
                note(
                    field.line,
                    Action::Check,
                    format!(
                        "kept `{key}` as a field: the document's id is `{}` (lowercase words joined by hyphens)",
                        page.id
                    ),
                );
                key.to_string()
            } else if matches!(ours, "type" | "order") {
                // The first field meaning `type` or `order` was read before; this one is a second.
                note(
                    field.line,
                    Action::Check,
                    format!(
                        "dropped `{key}: {}`: another field already gives `{ours}`",
                        yaml_value(&field.value)
                    ),
                );
                continue;
            } else if page.field(ours).is_some() || kept.iter().any(|(k, _, _)| k == ours) {
                note(
                    field.line,
                    Action::Check,
                    format!(
                        "kept `{key}` as it was: `{ours}` is set too (policybook reads only `{ours}`)"
                    ),
                );
                key.to_string()
            } else {
                note(
                    field.line,
                    Action::Changed,
                    format!("`{key}` became `{ours}`"),
                );
                ours.to_string()
            }
        } else {
            if !page.noted.iter().any(|k| k == key) {
                note(
                    field.line,
                    Action::Check,
                    format!("`{key}` is not a field policybook reads: kept for templates"),
                );
            }
            key.to_string()
        };
        if let Some(value) = normalise(&target, field, &mut note) {
            kept.push((target, value, field.line));
        }
    }
    // Whatever `check` would still reject is dropped (an approved document missing fields becomes a draft).
    loop {
        let map = kept
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect();
        let (_, problems) = control::parse_document_control(&map);
        let Some(problem) = problems
            .iter()
            .find(|p| p.severity == control::Severity::Error)
        else {
            break;
        };
        let Some(at) = kept.iter().position(|(k, _, _)| *k == problem.field) else {
            break;
        };
        let (key, value, line) = kept[at].clone();
        let shown = yaml_value(&value);
        if key == "status"
            && value
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("approved"))
        {
            kept[at].1 = Value::String("draft".into());
            note(
                line,
                Action::Check,
                format!(
                    "`status: {shown}` became `status: draft`: {} — complete it, then approve it again",
                    problem.message
                ),
            );
        } else {
            kept.remove(at);
            note(
                line,
                Action::Check,
                format!("dropped `{key}: {shown}`: {}", problem.message),
            );
        }
    }
    let mut out = String::from("---\n");
    out.push_str(&format!("id: {}\n", page.id));
    if let Some(order) = page.order {
        out.push_str(&format!("order: {order}\n"));
    }
    let mut ordered: Vec<&(String, Value, usize)> = kept.iter().collect();
    ordered.sort_by_key(|(k, _, line)| {
        (
            FIELDS.iter().position(|f| f == k).unwrap_or(FIELDS.len()),
            *line,
        )
    });
    for (key, value, _) in ordered {
        write_field(&mut out, key, value, 0);
    }
    out.push_str("---\n\n");
    out.push_str(page.body.trim_start_matches(['\n', '\r']));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A value policybook reads in the form it expects, or `None` to drop it (reported).
fn normalise(
    key: &str,
    field: &Field,
    note: &mut impl FnMut(usize, Action, String),
) -> Option<Value> {
    let line = field.line;
    let value = &field.value;
    match key {
        "title" | "description" | "owner" | "approver" | "version" | "classification"
        | "status" => match value {
            Value::Null => None,
            Value::Number(n) => {
                let text = field.written.clone().unwrap_or_else(|| n.to_string());
                note(
                    line,
                    Action::Changed,
                    format!("`{key}: {text}` is quoted so that it stays text as written"),
                );
                Some(Value::String(text))
            }
            Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
                let parts: Vec<String> = items.iter().map(scalar).collect();
                let text = if parts.len() == 1 {
                    format!("[{}]", parts[0])
                } else {
                    parts.join(", ")
                };
                note(
                    line,
                    Action::Check,
                    format!(
                        "`{key}: {}` is a YAML list: written as the text `{text}`",
                        yaml_value(value)
                    ),
                );
                Some(Value::String(text))
            }
            Value::String(_) | Value::Bool(_) => Some(Value::String(scalar(value))),
            other => {
                note(
                    line,
                    Action::Check,
                    format!(
                        "dropped `{key}`: {} where text is expected",
                        crate::load::frontmatter::json_kind(other)
                    ),
                );
                None
            }
        },
        "effective" | "last_reviewed" | "next_review" => {
            let raw = scalar(value);
            if value.is_null() || raw.is_empty() {
                return None;
            }
            match to_iso_date(&raw) {
                Some((iso, _)) if iso == raw => Some(Value::String(iso)),
                Some((iso, assumed)) => {
                    let why = if assumed {
                        " (day before month assumed: check it)"
                    } else {
                        ""
                    };
                    let action = if assumed {
                        Action::Check
                    } else {
                        Action::Changed
                    };
                    note(line, action, format!("`{key}` `{raw}` became `{iso}`{why}"));
                    Some(Value::String(iso))
                }
                None => {
                    note(
                        line,
                        Action::Check,
                        format!(
                            "dropped `{key}: {raw}`: not a date policybook can read (write YYYY-MM-DD)"
                        ),
                    );
                    None
                }
            }
        }
        "review_every" => {
            let raw = scalar(value);
            if value.is_null() || raw.is_empty() {
                return None;
            }
            if Interval::parse(&raw).is_ok() {
                return Some(Value::String(raw));
            }
            note(
                line,
                Action::Check,
                format!(
                    "dropped `review_every: {raw}`: not an interval policybook can read (e.g. `12 months`, `annually`)"
                ),
            );
            None
        }
        _ => Some(value.clone()),
    }
}

pub fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A date in a common form as YYYY-MM-DD, and whether the day-month order had to be assumed.
/// Forms: `2025-03-14`, `2025/03/14`, `2025-03-14T10:00:00Z`, `14/03/2025`, `14.03.2025`,
/// `14 March 2025`, `March 14, 2025`, `Mar 14 2025`.
pub fn to_iso_date(raw: &str) -> Option<(String, bool)> {
    let raw = raw.trim();
    let date_part = raw.split(['T', ' ']).next().unwrap_or(raw);
    let numbers: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    let valid = |y: i64, m: i64, d: i64| {
        i16::try_from(y)
            .ok()
            .zip(i8::try_from(m).ok())
            .zip(i8::try_from(d).ok())
            .and_then(|((y, m), d)| jiff::civil::Date::new(y, m, d).ok())
    };
    if numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        let n: Vec<i64> = numbers.iter().filter_map(|n| n.parse().ok()).collect();
        if numbers[0].len() == 4 {
            return valid(n[0], n[1], n[2]).map(|d| (d.to_string(), false));
        }
        if numbers[2].len() == 4 {
            let (a, b, y) = (n[0], n[1], n[2]);
            if a > 12 {
                return valid(y, b, a).map(|d| (d.to_string(), false));
            }
            if b > 12 {
                return valid(y, a, b).map(|d| (d.to_string(), false));
            }
            return valid(y, b, a).map(|d| (d.to_string(), a != b));
        }
        return None;
    }
    let words: Vec<String> = raw
        .split([' ', ','])
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .collect();
    if words.len() != 3 {
        return None;
    }
    let month = |w: &str| {
        (w.len() >= 3)
            .then(|| MONTHS.iter().position(|m| w.starts_with(m)))
            .flatten()
            .map(|i| i as i64 + 1)
    };
    let day = |w: &str| {
        w.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse::<i64>()
            .ok()
    };
    let year = words[2].parse::<i64>().ok()?;
    let (d, m) = match (month(&words[0]), month(&words[1])) {
        (Some(m), None) => (day(&words[1])?, m),
        (None, Some(m)) => (day(&words[0])?, m),
        _ => return None,
    };
    valid(year, m, d).map(|d| (d.to_string(), false))
}

/// `value` written as YAML on one line (a scalar, or a flow list of scalars).
pub fn yaml_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_string(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(yaml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", yaml_string(k), yaml_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A string as a YAML scalar: plain when YAML reads it back as the same text, else double-quoted.
pub fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && s.starts_with(|c: char| c.is_alphabetic())
        && s.chars()
            .all(|c| c.is_alphanumeric() || " -_.,()/'&".contains(c))
        && !s.ends_with(' ')
        && !matches!(
            s.to_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// One `key: value` field, mappings and lists of mappings in block style.
fn write_field(out: &mut String, key: &str, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    let key = yaml_string(key);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for (k, v) in map {
                write_field(out, k, v, indent + 2);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            out.push_str(&format!("{pad}{key}:\n"));
            for item in items {
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        let mut first = true;
                        for (k, v) in map {
                            let mut line = String::new();
                            write_field(&mut line, k, v, indent + 4);
                            let line = if first {
                                format!("{pad}  - {}", &line[indent + 4..])
                            } else {
                                line
                            };
                            first = false;
                            out.push_str(&line);
                        }
                    }
                    other => out.push_str(&format!("{pad}  - {}\n", yaml_value(other))),
                }
            }
        }
        other => {
            out.push_str(&format!("{pad}{key}: {}\n", yaml_value(other)).replace(": \n", ":\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_common_forms() {
        assert_eq!(
            to_iso_date("2025-03-14"),
            Some(("2025-03-14".into(), false))
        );
        assert_eq!(
            to_iso_date("14/03/2025"),
            Some(("2025-03-14".into(), false))
        );
        assert_eq!(
            to_iso_date("03/14/2025"),
            Some(("2025-03-14".into(), false))
        );
        assert_eq!(to_iso_date("04/03/2025"), Some(("2025-03-04".into(), true)));
        assert_eq!(
            to_iso_date("14 March 2025"),
            Some(("2025-03-14".into(), false))
        );
        assert_eq!(
            to_iso_date("Jun 1 2018"),
            Some(("2018-06-01".into(), false))
        );
        assert_eq!(
            to_iso_date("March 14, 2025"),
            Some(("2025-03-14".into(), false))
        );
        assert_eq!(to_iso_date("soon"), None);
        assert_eq!(to_iso_date("31/02/2025"), None);
    }

    #[test]
    fn strings_are_quoted_when_yaml_would_misread_them() {
        assert_eq!(yaml_string("Access control"), "Access control");
        assert_eq!(yaml_string("[TBD]"), "\"[TBD]\"");
        assert_eq!(yaml_string("yes"), "\"yes\"");
        assert_eq!(yaml_string("1.10"), "\"1.10\"");
        assert_eq!(yaml_string("A: b"), "\"A: b\"");
    }

    #[test]
    fn number_prefixes_give_order() {
        assert_eq!(
            split_number_prefix("01-intro.md"),
            ("intro".into(), Some(1))
        );
        assert_eq!(split_number_prefix("intro.md"), ("intro".into(), None));
        assert_eq!(kind_from_folder("10-policies"), "policy");
    }
}
