//! Document-control metadata (ISO/IEC 27001 clause 7.5): owner, approval, status, version,
//! review cycle, classification and the controls and clauses a document implements, parsed
//! from frontmatter into typed values. Problems are returned, never panicked on, each naming
//! its frontmatter key so the caller can point at the line.

use std::collections::BTreeMap;
use std::fmt;

use jiff::{Span, civil::Date};
use serde_json::Value;

use super::catalogue::{ControlLookup, catalogue, lookup_clause, lookup_control};

/// Reviews due within this many days count as [`ReviewState::DueSoon`].
pub const DUE_SOON_DAYS: i32 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    InReview,
    Approved,
    Retired,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::InReview,
        Status::Approved,
        Status::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in-review",
            Status::Approved => "approved",
            Status::Retired => "retired",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Classification {
    Public,
    Internal,
    Confidential,
    Restricted,
}

impl Classification {
    pub const ALL: [Classification; 4] = [
        Classification::Public,
        Classification::Internal,
        Classification::Confidential,
        Classification::Restricted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Public => "public",
            Classification::Internal => "internal",
            Classification::Confidential => "confidential",
            Classification::Restricted => "restricted",
        }
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Status, Classification, Severity);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntervalUnit {
    Days,
    Weeks,
    Months,
    Years,
}

/// A review cycle such as "12 months"; month arithmetic clamps to the end of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    pub count: u32,
    pub unit: IntervalUnit,
}

impl Interval {
    pub fn span(self) -> Span {
        let n = i64::from(self.count);
        match self.unit {
            IntervalUnit::Days => Span::new().days(n),
            IntervalUnit::Weeks => Span::new().weeks(n),
            IntervalUnit::Months => Span::new().months(n),
            IntervalUnit::Years => Span::new().years(n),
        }
    }

    /// `date` plus this interval (`None` only past year 9999).
    pub fn after(self, date: Date) -> Option<Date> {
        date.checked_add(self.span()).ok()
    }

    /// Parses "12 months", "1 year", "every 2 weeks", "90d", "quarterly", "annually", …
    pub fn parse(text: &str) -> Result<Interval, String> {
        let lower = text.trim().to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let joined = words.join(" ");
        let s = joined.strip_prefix("every ").unwrap_or(&joined);
        let keyword = match s {
            "daily" => Some((1, IntervalUnit::Days)),
            "weekly" => Some((1, IntervalUnit::Weeks)),
            "fortnightly" => Some((2, IntervalUnit::Weeks)),
            "monthly" => Some((1, IntervalUnit::Months)),
            "quarterly" => Some((3, IntervalUnit::Months)),
            "half-yearly" | "semi-annually" | "semiannually" | "twice a year" => {
                Some((6, IntervalUnit::Months))
            }
            "annually" | "annual" | "yearly" => Some((1, IntervalUnit::Years)),
            "biennially" | "biennial" => Some((2, IntervalUnit::Years)),
            _ => None,
        };
        let (count, unit) = match keyword {
            Some(k) => k,
            None => {
                let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
                let (number, unit) = s.split_at(split);
                let (number, unit) = match (number, unit.trim().split_once(' ')) {
                    ("", Some((word, unit))) => (word, unit),
                    ("", None) => ("1", unit),
                    _ => (number, unit.trim()),
                };
                let count = number.parse::<u32>().ok().or_else(|| number_word(number));
                let unit = match unit {
                    "d" | "day" | "days" => Some(IntervalUnit::Days),
                    "w" | "wk" | "wks" | "week" | "weeks" => Some(IntervalUnit::Weeks),
                    "m" | "mo" | "mos" | "month" | "months" => Some(IntervalUnit::Months),
                    "y" | "yr" | "yrs" | "year" | "years" => Some(IntervalUnit::Years),
                    _ => None,
                };
                match (count, unit) {
                    (Some(count), Some(unit)) => (count, unit),
                    _ => return Err(format!("`{}` is not a review interval", text.trim())),
                }
            }
        };
        let max = match unit {
            IntervalUnit::Days => 3660,
            IntervalUnit::Weeks => 520,
            IntervalUnit::Months => 120,
            IntervalUnit::Years => 10,
        };
        match count {
            0 => Err(format!("`{}` is not a positive interval", text.trim())),
            n if n > max => Err(format!("`{}` is longer than 10 years", text.trim())),
            _ => Ok(Interval { count, unit }),
        }
    }
}

fn number_word(word: &str) -> Option<u32> {
    let words = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    match word {
        "a" | "an" => Some(1),
        _ => (1..).zip(words).find(|&(_, w)| w == word).map(|(n, _)| n),
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            IntervalUnit::Days => "day",
            IntervalUnit::Weeks => "week",
            IntervalUnit::Months => "month",
            IntervalUnit::Years => "year",
        };
        let plural = if self.count == 1 { "" } else { "s" };
        write!(f, "{} {unit}{plural}", self.count)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentControl {
    pub owner: Option<String>,
    pub approver: Option<String>,
    pub status: Option<Status>,
    pub version: Option<String>,
    pub effective: Option<Date>,
    pub last_reviewed: Option<Date>,
    pub review_interval: Option<Interval>,
    pub next_review_explicit: Option<Date>,
    pub classification: Option<Classification>,
    /// Canonical 2022 ids (`A.5.1`), deduplicated; 2013 ids are replaced by their mapping.
    pub controls: Vec<String>,
    /// Canonical clause ids (`9.3`), deduplicated.
    pub clauses: Vec<String>,
    pub supersedes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    /// Neither `next_review` nor a base date plus `review_every`.
    NotScheduled,
    /// The review date passed `days` days ago.
    Overdue {
        days: i32,
    },
    /// The review is due in `days` days (0 = today), at most [`DUE_SOON_DAYS`].
    DueSoon {
        days: i32,
    },
    Current,
}

impl DocumentControl {
    /// `next_review` if given, else (`last_reviewed`, or failing that `effective`) + `review_every`;
    /// none for a retired document, which is no longer reviewed.
    pub fn next_review(&self) -> Option<Date> {
        if self.status == Some(Status::Retired) {
            return None;
        }
        self.next_review_explicit.or_else(|| {
            self.review_interval?
                .after(self.last_reviewed.or(self.effective)?)
        })
    }

    /// In force: `approved`, or without a status. Drafts, documents in review and retired ones
    /// implement nothing (ISO/IEC 27001 clause 7.5.3: only approved documented information applies).
    pub fn in_force(&self) -> bool {
        matches!(self.status, None | Some(Status::Approved))
    }

    pub fn review_state(&self, today: Date) -> ReviewState {
        let Some(next) = self.next_review() else {
            return ReviewState::NotScheduled;
        };
        let days = (next - today).get_days();
        match days {
            d if d < 0 => ReviewState::Overdue { days: -d },
            d if d <= DUE_SOON_DAYS => ReviewState::DueSoon { days: d },
            _ => ReviewState::Current,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The frontmatter key the problem is about.
    pub field: String,
    /// The entry of that key's list it is about, when it is about one.
    pub item: Option<usize>,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
}

/// Parses the document-control keys of `fields` (other keys are ignored).
pub fn parse_document_control(fields: &BTreeMap<String, Value>) -> (DocumentControl, Vec<Problem>) {
    let mut p = Parser {
        fields,
        problems: Vec::new(),
    };
    let mut dc = DocumentControl {
        owner: p.text("owner"),
        approver: p.text("approver"),
        status: p.keyword("status", &Status::ALL, Status::as_str, STATUS_SYNONYMS),
        version: p.text("version"),
        effective: p.date("effective"),
        last_reviewed: p.date("last_reviewed"),
        review_interval: p.interval("review_every"),
        next_review_explicit: p.date("next_review"),
        classification: p.keyword(
            "classification",
            &Classification::ALL,
            Classification::as_str,
            CLASSIFICATION_SYNONYMS,
        ),
        ..DocumentControl::default()
    };
    dc.controls = p.controls();
    dc.clauses = p.clauses();
    dc.supersedes = dedup(
        p.items("supersedes", "document ids")
            .into_iter()
            .map(|i| i.text),
    );

    let base =
        (dc.last_reviewed.map(|d| ("last_reviewed", d))).or(dc.effective.map(|d| ("effective", d)));
    match (dc.next_review_explicit, base) {
        (Some(next), Some((key, base))) if next < base => p.warn(
            "next_review",
            format!("`next_review` {next} is before `{key}` {base}"),
            "set it to the next planned review, or drop it to compute it from `review_every`",
        ),
        _ => {}
    }
    if dc.status == Some(Status::Approved) {
        for key in ["owner", "approver", "version", "effective"] {
            if is_absent(fields.get(key)) {
                p.error(
                    "status",
                    format!("approved document has no `{key}`"),
                    format!(
                        "add `{}`, or set `status: draft` until it is complete",
                        example(key)
                    ),
                );
            }
        }
    }
    (dc, p.problems)
}

const STATUS_SYNONYMS: &[(&str, &str)] = &[
    ("published", "approved"),
    ("final", "approved"),
    ("active", "approved"),
    ("released", "approved"),
    ("current", "approved"),
    ("review", "in-review"),
    ("under-review", "in-review"),
    ("pending", "in-review"),
    ("wip", "draft"),
    ("proposed", "draft"),
    ("obsolete", "retired"),
    ("withdrawn", "retired"),
    ("archived", "retired"),
    ("superseded", "retired"),
    ("deprecated", "retired"),
];

const CLASSIFICATION_SYNONYMS: &[(&str, &str)] = &[
    ("open", "public"),
    ("unclassified", "public"),
    ("internal-only", "internal"),
    ("internal-use", "internal"),
    ("private", "confidential"),
    ("sensitive", "confidential"),
    ("secret", "restricted"),
    ("strictly-confidential", "restricted"),
    ("highly-confidential", "restricted"),
];

/// One entry of a list-valued field, as written.
struct Item {
    text: String,
    /// Its position in the YAML list (`None` for a single value).
    index: Option<usize>,
    /// Given as a YAML number (so `5.10` may have arrived as `5.1`).
    numeric: bool,
}

struct Parser<'a> {
    fields: &'a BTreeMap<String, Value>,
    problems: Vec<Problem>,
}

impl<'a> Parser<'a> {
    fn push(&mut self, severity: Severity, field: &str, message: String, help: Option<String>) {
        self.problems.push(Problem {
            field: field.to_owned(),
            item: None,
            severity,
            message,
            help,
        });
    }

    fn error(&mut self, field: &str, message: String, help: impl Into<String>) {
        self.push(Severity::Error, field, message, Some(help.into()));
    }

    fn warn(&mut self, field: &str, message: String, help: impl Into<String>) {
        self.push(Severity::Warning, field, message, Some(help.into()));
    }

    /// The value of `key` unless missing or null.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.fields.get(key).filter(|v| !v.is_null())
    }

    fn wrong_type(&mut self, key: &str, value: &Value, expected: &str) {
        let message = format!("`{key}` should be {expected}, not {}", kind(value));
        let help = match value {
            // `owner: [TBD]`: brackets make a YAML list.
            Value::Array(items) if items.len() == 1 && items[0].is_string() => format!(
                "`[…]` is a list in YAML; to keep the brackets as text, quote the value: `{key}: \"[{}]\"`",
                items[0].as_str().unwrap_or_default()
            ),
            _ => format!("write it like `{}`", example(key)),
        };
        self.error(key, message, help);
    }

    /// A free-text field; numbers are accepted (`version: 2.1`), empty text counts as absent.
    fn text(&mut self, key: &str) -> Option<String> {
        let value = self.get(key)?;
        match value {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.wrong_type(key, value, "text");
                None
            }
        }
    }

    fn string(&mut self, key: &str, expected: &str) -> Option<&'a str> {
        match self.get(key)? {
            Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            other => {
                self.wrong_type(key, other, expected);
                None
            }
        }
    }

    fn keyword<T: Copy>(
        &mut self,
        key: &str,
        all: &[T],
        name: fn(T) -> &'static str,
        synonyms: &[(&str, &'static str)],
    ) -> Option<T> {
        let names: Vec<&str> = all.iter().map(|&t| name(t)).collect();
        let expected = format!("one of {}", names.join(", "));
        let raw = self.string(key, &expected)?;
        let norm = raw.to_lowercase().replace([' ', '_'], "-");
        if let Some(&t) = all.iter().find(|&&t| name(t) == norm) {
            return Some(t);
        }
        let suggestion = synonyms
            .iter()
            .find(|(syn, _)| *syn == norm)
            .map(|&(_, canonical)| canonical)
            .or_else(|| {
                (names.iter().copied())
                    .map(|n| (n, strsim::levenshtein(&norm, n)))
                    .filter(|&(_, d)| d <= 3)
                    .min_by_key(|&(_, d)| d)
                    .map(|(n, _)| n)
            });
        let help = match suggestion {
            Some(s) => format!("expected {expected}; did you mean `{s}`?"),
            None => format!("expected {expected}"),
        };
        self.error(key, format!("unknown {key} `{raw}`"), help);
        None
    }

    fn date(&mut self, key: &str) -> Option<Date> {
        let raw = self.string(key, "a date written YYYY-MM-DD")?;
        parse_date(raw)
            .map_err(|message| {
                let help = "write dates as YYYY-MM-DD, e.g. `2026-03-01`";
                self.error(key, message, help);
            })
            .ok()
    }

    fn interval(&mut self, key: &str) -> Option<Interval> {
        let help =
            "write e.g. `12 months`, `6 months`, `2 years`, `90 days`, `quarterly` or `annually`";
        match self.get(key)? {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Interval::parse(s)
                .map_err(|message| self.error(key, message, help))
                .ok(),
            Value::Number(n) => {
                let message = format!("review interval `{n}` has no unit");
                self.error(key, message, format!("write e.g. `{n} months`"));
                None
            }
            other => {
                let message = format!("`{key}` should be a review interval, not {}", kind(other));
                self.error(key, message, help);
                None
            }
        }
    }

    /// A list of scalars, a single scalar, or a comma-separated string.
    fn items(&mut self, key: &str, what: &str) -> Vec<Item> {
        let expected = format!("a list of {what}");
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(
                (s.split(','))
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| Item {
                        text: t.to_owned(),
                        index: None,
                        numeric: false,
                    })
                    .collect::<Vec<_>>(),
            ),
            Value::Number(n) => Some(vec![Item {
                text: n.to_string(),
                index: None,
                numeric: true,
            }]),
            _ => None,
        };
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        if let Some(items) = scalar(value) {
            return items;
        }
        let Value::Array(list) = value else {
            self.wrong_type(key, value, &expected);
            return Vec::new();
        };
        let mut items = Vec::new();
        for (i, v) in list.iter().enumerate() {
            match scalar(v) {
                Some(found) => items.extend(found.into_iter().map(|item| Item {
                    index: Some(i),
                    ..item
                })),
                None if v.is_null() => {}
                None => {
                    let message = format!("entry {} of `{key}` is {}, not text", i + 1, kind(v));
                    self.error(key, message, format!("`{key}` should be {expected}"));
                }
            }
        }
        items
    }

    fn controls(&mut self) -> Vec<String> {
        let mut ids = Vec::new();
        for item in self.items("controls", "Annex A control ids") {
            let raw = item.text.as_str();
            let first = self.problems.len();
            match lookup_control(raw) {
                ControlLookup::Current(c) => {
                    let padded = format!("{}0", c.id);
                    if item.numeric && catalogue().control(&padded).is_some() {
                        self.warn(
                            "controls",
                            format!("`{raw}` is a YAML number, read as {}", describe(c.id)),
                            format!("if you meant {padded}, quote it; write ids as `A.5.10`"),
                        );
                    } else if raw.trim() != c.id {
                        self.warn(
                            "controls",
                            format!("`{raw}` is read as {}", describe(c.id)),
                            format!("write the id as ISO/IEC 27001 does: `{}`", c.id),
                        );
                    }
                    ids.push(c.id.to_owned());
                }
                ControlLookup::Legacy(l) => {
                    let targets: Vec<String> = l.maps_to.iter().map(|id| describe(id)).collect();
                    self.warn(
                        "controls",
                        format!(
                            "`{raw}` is a 2013 control ({}), replaced in ISO/IEC 27001:2022",
                            l.title
                        ),
                        format!("it maps to {}; write that instead", targets.join(" and ")),
                    );
                    ids.extend(l.maps_to.iter().map(|id| id.to_string()));
                }
                ControlLookup::Unknown { suggestion } => {
                    let help = if let Ok(clause) = lookup_clause(raw) {
                        format!(
                            "{raw} is clause {} ({}); list it under `clauses`",
                            clause.id, clause.title
                        )
                    } else if let Some(s) = suggestion {
                        format!("did you mean {}?", describe(&s))
                    } else {
                        "Annex A controls run from A.5.1 to A.8.34".to_owned()
                    };
                    self.error("controls", format!("unknown Annex A control `{raw}`"), help);
                }
            }
            for problem in &mut self.problems[first..] {
                problem.item = item.index;
            }
        }
        dedup(ids)
    }

    fn clauses(&mut self) -> Vec<String> {
        let mut ids = Vec::new();
        for item in self.items("clauses", "clause ids") {
            let raw = item.text.as_str();
            match lookup_clause(raw) {
                Ok(c) => ids.push(c.id.to_owned()),
                Err(suggestion) => {
                    let is_control = raw.trim_start().starts_with(['A', 'a'])
                        && !matches!(lookup_control(raw), ControlLookup::Unknown { .. });
                    let help = if is_control {
                        format!("{raw} is an Annex A control; list it under `controls`")
                    } else if let Some(s) = suggestion {
                        let title = catalogue().clause(&s).map_or("", |c| c.title);
                        format!("did you mean `{s}` ({title})?")
                    } else {
                        "clauses run from 4.1 to 10.2".to_owned()
                    };
                    self.error(
                        "clauses",
                        format!("unknown ISO/IEC 27001 clause `{raw}`"),
                        help,
                    );
                }
            }
        }
        dedup(ids)
    }
}

/// Parses a strict `YYYY-MM-DD` date; the error is a message for the user.
pub fn parse_date(raw: &str) -> Result<Date, String> {
    let b = raw.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(format!("`{raw}` is not a date in the form YYYY-MM-DD"));
    }
    let num = |r: std::ops::Range<usize>| raw[r].parse::<i16>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    if !(1..=12).contains(&month) {
        return Err(format!("{raw} is not a date: there is no month {month}"));
    }
    // Month and day are at most two digits, so they fit in i8.
    Date::new(year, month as i8, day as i8).map_err(|_| {
        let days = Date::new(year, month as i8, 1).map_or(31, |d| d.days_in_month());
        let name = MONTHS[usize::from(month.unsigned_abs()) - 1];
        format!("{raw} is not a date: {name} {year} has {days} days")
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "`A.5.9` (Inventory of information and other associated assets)".
fn describe(id: &str) -> String {
    let cat = catalogue();
    let title = cat
        .control(id)
        .map(|c| c.title)
        .or_else(|| cat.legacy_2013(id).map(|l| l.title))
        .unwrap_or("");
    format!("`{id}` ({title})")
}

/// A sample frontmatter line for `key`, for help texts.
fn example(key: &str) -> String {
    let value = match key {
        "owner" => "CISO",
        "approver" => "Management board",
        "status" => "draft",
        "classification" => "internal",
        "controls" => "[A.5.15, A.8.2]",
        "clauses" => "[\"9.3\", \"6.1.3\"]",
        "supersedes" => "[POL-007]",
        "version" => "\"1.0\"",
        "review_every" => "12 months",
        _ => "2026-03-01",
    };
    format!("{key}: {value}")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn is_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> (DocumentControl, Vec<Problem>) {
        let Value::Object(map) = value else {
            panic!("test input must be an object")
        };
        parse_document_control(&map.into_iter().collect())
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// The single problem reported, asserting there is exactly one.
    fn only(problems: &[Problem]) -> &Problem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        &problems[0]
    }

    #[test]
    fn parses_a_complete_document() {
        let (dc, problems) = parse(json!({
            "title": "Access control policy",
            "owner": "CISO",
            "approver": " Management board ",
            "status": "Approved",
            "version": 2.1,
            "effective": "2026-03-01",
            "last_reviewed": "2026-03-01",
            "review_every": "12 months",
            "classification": "internal",
            "controls": ["A.5.15", "A.5.18", "A.8.2", "A.5.15"],
            "clauses": [9.3, "6.1.3", 4],
            "supersedes": "POL-007",
        }));
        assert_eq!(problems, []);
        assert_eq!(dc.owner.as_deref(), Some("CISO"));
        assert_eq!(dc.approver.as_deref(), Some("Management board"));
        assert_eq!(dc.status, Some(Status::Approved));
        assert_eq!(dc.version.as_deref(), Some("2.1"));
        assert_eq!(dc.effective, Some(date("2026-03-01")));
        assert_eq!(dc.review_interval.unwrap().to_string(), "12 months");
        assert_eq!(dc.classification, Some(Classification::Internal));
        assert_eq!(dc.controls, ["A.5.15", "A.5.18", "A.8.2"]);
        assert_eq!(dc.clauses, ["9.3", "6.1.3", "4"]);
        assert_eq!(dc.supersedes, ["POL-007"]);
        assert_eq!(dc.next_review(), Some(date("2027-03-01")));
    }

    #[test]
    fn empty_frontmatter_is_fine() {
        let (dc, problems) = parse(json!({"owner": null, "controls": null}));
        assert_eq!(dc, DocumentControl::default());
        assert_eq!(problems, []);
    }

    #[test]
    fn unknown_status_and_classification_suggest() {
        let (dc, problems) = parse(json!({"status": "aproved", "classification": "secret"}));
        assert_eq!(dc.status, None);
        assert_eq!(problems.len(), 2);
        let status = problems.iter().find(|p| p.field == "status").unwrap();
        assert_eq!(status.severity, Severity::Error);
        assert_eq!(status.message, "unknown status `aproved`");
        assert_eq!(
            status.help.as_deref(),
            Some("expected one of draft, in-review, approved, retired; did you mean `approved`?")
        );
        let class = problems
            .iter()
            .find(|p| p.field == "classification")
            .unwrap();
        assert!(
            class
                .help
                .as_ref()
                .unwrap()
                .ends_with("did you mean `restricted`?")
        );

        let (dc, problems) = parse(json!({"status": "In Review"}));
        assert_eq!((dc.status, problems), (Some(Status::InReview), vec![]));
        let (_, problems) = parse(json!({"status": "zzz"}));
        assert!(
            !only(&problems)
                .help
                .as_ref()
                .unwrap()
                .contains("did you mean")
        );
    }

    #[test]
    fn bad_dates_name_the_format() {
        let (dc, problems) = parse(json!({"effective": "2026-02-30"}));
        assert_eq!(dc.effective, None);
        let p = only(&problems);
        assert_eq!(
            (p.field.as_str(), p.severity),
            ("effective", Severity::Error)
        );
        assert_eq!(
            p.message,
            "2026-02-30 is not a date: February 2026 has 28 days"
        );
        assert!(p.help.as_ref().unwrap().contains("YYYY-MM-DD"));

        let (_, problems) = parse(json!({"last_reviewed": "01/03/2026"}));
        assert_eq!(
            only(&problems).message,
            "`01/03/2026` is not a date in the form YYYY-MM-DD"
        );
        let (_, problems) = parse(json!({"next_review": "2026-13-01"}));
        assert!(only(&problems).message.contains("no month 13"));
        let (_, problems) = parse(json!({"effective": 20260301}));
        assert!(only(&problems).message.contains("not a number"));
        let (dc, problems) = parse(json!({"effective": "2028-02-29"}));
        assert_eq!((dc.effective, problems), (Some(date("2028-02-29")), vec![]));
    }

    #[test]
    fn review_intervals_are_generous_but_strict() {
        let ok = |s: &str| Interval::parse(s).map(|i| i.to_string());
        assert_eq!(ok("12 months").unwrap(), "12 months");
        assert_eq!(ok("6 Months").unwrap(), "6 months");
        assert_eq!(ok("1 year").unwrap(), "1 year");
        assert_eq!(ok("every 2 years").unwrap(), "2 years");
        assert_eq!(ok("quarterly").unwrap(), "3 months");
        assert_eq!(ok("Annually").unwrap(), "1 year");
        assert_eq!(ok("monthly").unwrap(), "1 month");
        assert_eq!(ok("weekly").unwrap(), "1 week");
        assert_eq!(ok("90 days").unwrap(), "90 days");
        assert_eq!(ok("90d").unwrap(), "90 days");
        assert_eq!(ok("every year").unwrap(), "1 year");
        assert_eq!(ok("two years").unwrap(), "2 years");
        assert_eq!(ok("semi-annually").unwrap(), "6 months");
        for bad in [
            "",
            "sometimes",
            "12",
            "12 parsecs",
            "0 months",
            "-3 months",
            "1.5 years",
        ] {
            assert!(Interval::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Interval::parse("50 years").unwrap_err(),
            "`50 years` is longer than 10 years"
        );

        let (dc, problems) = parse(json!({"review_every": "sometimes"}));
        assert_eq!(dc.review_interval, None);
        let p = only(&problems);
        assert_eq!(
            (p.field.as_str(), p.message.as_str()),
            ("review_every", "`sometimes` is not a review interval")
        );
        let (_, problems) = parse(json!({"review_every": 12}));
        assert_eq!(
            only(&problems).help.as_deref(),
            Some("write e.g. `12 months`")
        );
    }

    #[test]
    fn unknown_controls_suggest() {
        let (dc, problems) = parse(json!({"controls": ["A.5.99", "A.8.15"]}));
        assert_eq!(dc.controls, ["A.8.15"]);
        let p = only(&problems);
        assert_eq!(
            (p.field.as_str(), p.severity),
            ("controls", Severity::Error)
        );
        assert_eq!(p.message, "unknown Annex A control `A.5.99`");
        assert_eq!(
            p.help.as_deref(),
            Some("did you mean `A.5.9` (Inventory of information and other associated assets)?")
        );
        let (_, problems) = parse(json!({"controls": "9.3"}));
        assert_eq!(
            only(&problems).help.as_deref(),
            Some("9.3 is clause 9.3 (Management review); list it under `clauses`")
        );
    }

    #[test]
    fn legacy_controls_warn_and_map() {
        let (dc, problems) = parse(json!({"controls": "A.12.6.1, A.18.2.3, A.8.8"}));
        assert_eq!(dc.controls, ["A.8.8", "A.5.36"]);
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));
        assert_eq!(
            problems[0].message,
            "`A.12.6.1` is a 2013 control (Management of technical vulnerabilities), replaced in ISO/IEC 27001:2022"
        );
        assert_eq!(
            problems[1].help.as_deref(),
            Some(
                "it maps to `A.5.36` (Compliance with policies, rules and standards for information security) and `A.8.8` (Management of technical vulnerabilities); write that instead"
            )
        );
    }

    #[test]
    fn numeric_control_ids_warn_with_the_canonical_id() {
        let (dc, problems) = parse(json!({"controls": [5.1, 5.4, "A.5.5"]}));
        assert_eq!(dc.controls, ["A.5.1", "A.5.4", "A.5.5"]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));
        assert!(
            problems[0]
                .help
                .as_ref()
                .unwrap()
                .contains("if you meant A.5.10")
        );
        assert_eq!(problems[0].item, Some(0));
        assert!(problems[1].message.starts_with("`5.4` is read as `A.5.4`"));
        assert_eq!(problems[1].item, Some(1));
    }

    #[test]
    fn unknown_clauses_suggest() {
        let (dc, problems) = parse(json!({"clauses": ["9.2.7", "A.5.1", "9.3"]}));
        assert_eq!(dc.clauses, ["9.3"]);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].message, "unknown ISO/IEC 27001 clause `9.2.7`");
        assert_eq!(
            problems[0].help.as_deref(),
            Some("did you mean `9.2` (Internal audit)?")
        );
        assert_eq!(
            problems[1].help.as_deref(),
            Some("A.5.1 is an Annex A control; list it under `controls`")
        );
    }

    #[test]
    fn approved_needs_owner_approver_version_effective() {
        let (_, problems) = parse(json!({"status": "approved", "owner": "CISO", "version": ""}));
        let missing: Vec<_> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            missing,
            [
                ("status", "approved document has no `approver`"),
                ("status", "approved document has no `version`"),
                ("status", "approved document has no `effective`"),
            ]
        );
        assert!(problems.iter().all(|p| p.severity == Severity::Error));
        // A present but invalid value is reported once, under its own key.
        let (_, problems) = parse(json!({
            "status": "approved", "owner": "CISO", "approver": "CEO", "version": "1", "effective": "soon"
        }));
        assert_eq!(only(&problems).field, "effective");
    }

    #[test]
    fn wrong_types_are_reported() {
        let (dc, problems) = parse(json!({
            "controls": {"A.5.1": true},
            "owner": ["CISO", "CTO"],
            "clauses": ["9.3", {"x": 1}],
            "status": true,
        }));
        assert_eq!(dc.clauses, ["9.3"]);
        let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`owner` should be text, not a list",
                "`status` should be one of draft, in-review, approved, retired, not true/false",
                "`controls` should be a list of Annex A control ids, not a mapping",
                "entry 2 of `clauses` is a mapping, not text",
            ]
        );
    }

    #[test]
    fn next_review_before_base_warns() {
        let (_, problems) =
            parse(json!({"last_reviewed": "2026-01-01", "next_review": "2025-06-01"}));
        let p = only(&problems);
        assert_eq!(
            (p.field.as_str(), p.severity),
            ("next_review", Severity::Warning)
        );
    }

    #[test]
    fn next_review_arithmetic() {
        let dc = |fm: Value| parse(fm).0;
        let monthly = dc(json!({"effective": "2026-01-31", "review_every": "1 month"}));
        assert_eq!(monthly.next_review(), Some(date("2026-02-28")));
        let leap = dc(json!({"effective": "2024-02-29", "review_every": "1 year"}));
        assert_eq!(leap.next_review(), Some(date("2025-02-28")));
        let reviewed = dc(json!({
            "effective": "2020-01-01", "last_reviewed": "2025-11-15", "review_every": "quarterly"
        }));
        assert_eq!(reviewed.next_review(), Some(date("2026-02-15")));
        let explicit = dc(json!({
            "last_reviewed": "2025-11-15", "review_every": "1 year", "next_review": "2026-06-30"
        }));
        assert_eq!(explicit.next_review(), Some(date("2026-06-30")));
        assert_eq!(dc(json!({"effective": "2026-01-01"})).next_review(), None);
        assert_eq!(dc(json!({"review_every": "1 year"})).next_review(), None);
        let retired = dc(json!({
            "status": "retired", "effective": "2026-01-01", "next_review": "2026-06-30"
        }));
        assert_eq!(
            retired.next_review(),
            None,
            "a retired document is not reviewed"
        );
        assert_eq!(
            retired.review_state(date("2027-01-01")),
            ReviewState::NotScheduled
        );
    }

    #[test]
    fn review_state_thresholds() {
        let doc = parse(json!({"next_review": "2026-06-30"})).0;
        let state = |today| doc.review_state(date(today));
        assert_eq!(state("2026-01-01"), ReviewState::Current);
        assert_eq!(state("2026-04-01"), ReviewState::DueSoon { days: 90 });
        assert_eq!(state("2026-03-31"), ReviewState::Current);
        assert_eq!(state("2026-06-30"), ReviewState::DueSoon { days: 0 });
        assert_eq!(state("2026-07-01"), ReviewState::Overdue { days: 1 });
        assert_eq!(state("2027-06-30"), ReviewState::Overdue { days: 365 });
        let unscheduled = DocumentControl::default();
        assert_eq!(
            unscheduled.review_state(date("2026-01-01")),
            ReviewState::NotScheduled
        );
    }
}
