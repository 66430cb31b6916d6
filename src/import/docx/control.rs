//! The document-control table's vocabulary: row labels → policybook's field names, dates in the
//! forms people type them, classification and status words, and the id made from a title.

use crate::load::{RESERVED_IDS, is_valid_id, suggest_id};

use super::DateOrder;

/// policybook's field for a row label of a document-control table (case and punctuation
/// ignored), e.g. "Approved by:" → `approver`.
pub fn field_of_label(label: &str) -> Option<&'static str> {
    let key = normalise_label(label);
    let table: &[(&str, &[&str])] = &[
        (
            "reference",
            &[
                "document id",
                "doc id",
                "id",
                "document reference",
                "doc ref",
                "reference",
                "ref",
                "reference number",
                "reference no",
                "ref no",
                "document number",
                "document no",
                "doc no",
                "policy number",
                "policy id",
                "policy reference",
                "document code",
                "document ref",
            ],
        ),
        (
            "title",
            &[
                "title",
                "document title",
                "policy title",
                "document name",
                "policy name",
                "name",
            ],
        ),
        (
            "version",
            &[
                "version",
                "version number",
                "version no",
                "revision",
                "rev",
                "issue",
                "issue number",
                "document version",
                "current version",
            ],
        ),
        (
            "owner",
            &[
                "owner",
                "document owner",
                "policy owner",
                "owned by",
                "process owner",
                "responsible",
                "responsible owner",
                "custodian",
            ],
        ),
        (
            "author",
            &[
                "author",
                "authors",
                "prepared by",
                "written by",
                "authored by",
                "created by",
            ],
        ),
        (
            "approver",
            &[
                "approver",
                "approved by",
                "approval",
                "approving authority",
                "authorised by",
                "authorized by",
                "signed off by",
                "sign off",
                "approver name",
            ],
        ),
        (
            "effective",
            &[
                "effective",
                "effective date",
                "effective from",
                "date effective",
                "approval date",
                "date approved",
                "approved on",
                "approved date",
                "date of approval",
                "issue date",
                "date of issue",
                "publication date",
                "date published",
                "valid from",
            ],
        ),
        (
            "next_review",
            &[
                "review date",
                "next review",
                "next review date",
                "review due",
                "review due date",
                "due for review",
                "next review due",
                "review by",
                "date of next review",
            ],
        ),
        (
            "last_reviewed",
            &[
                "last reviewed",
                "last review",
                "last review date",
                "date reviewed",
                "reviewed on",
                "date last reviewed",
            ],
        ),
        (
            "classification",
            &[
                "classification",
                "security classification",
                "information classification",
                "document classification",
                "classification level",
                "confidentiality",
                "sensitivity",
                "protective marking",
            ],
        ),
        ("status", &["status", "document status", "approval status"]),
    ];
    table
        .iter()
        .find(|(_, labels)| labels.contains(&key.as_str()))
        .map(|(field, _)| *field)
}

fn normalise_label(label: &str) -> String {
    let cleaned: String = label
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn is_date_field(field: &str) -> bool {
    matches!(field, "effective" | "next_review" | "last_reviewed")
}

/// A date read from text: the ISO date, and a note when a person should check how it was read.
pub struct ReadDate {
    pub iso: String,
    pub note: Option<String>,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_of(word: &str) -> Option<u8> {
    let w = word.trim_end_matches('.').to_lowercase();
    if w.len() < 3 {
        return None;
    }
    let w = if w == "sept" { "sep".to_string() } else { w };
    MONTHS
        .iter()
        .position(|m| m.starts_with(&w) && (w.len() == 3 || *m == w))
        .map(|i| i as u8 + 1)
}

fn day_of(word: &str) -> Option<u8> {
    let digits = word
        .trim_end_matches(',')
        .trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let day: u8 = digits.parse().ok()?;
    (1..=31).contains(&day).then_some(day)
}

fn year_of(word: &str) -> Option<(i16, bool)> {
    let word = word.trim_end_matches([',', '.']);
    if !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match word.len() {
        4 => word.parse().ok().map(|y| (y, false)),
        2 => word.parse::<i16>().ok().map(|y| (2000 + y, true)),
        _ => None,
    }
}

/// Reads `14 March 2025`, `14th Mar 2025`, `March 14, 2025`, `2025-03-14`, `14/03/2025`,
/// `14.03.2025`, `14-Mar-2025` and `March 2025` (the 1st, noted). Numeric day-month forms follow
/// `order` when both readings are possible, and say so in the note.
pub fn parse_date(raw: &str, order: DateOrder) -> Result<ReadDate, String> {
    let text = raw.trim();
    let weekdays = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let text = weekdays
        .iter()
        .find_map(|w| {
            let rest = text.get(w.len()..)?;
            text[..w.len()]
                .eq_ignore_ascii_case(w)
                .then(|| rest.trim_start_matches([',', ' ']))
        })
        .unwrap_or(text);
    let fail = || format!("`{raw}` is not a date in a form policybook reads");
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '-' && !text.contains('/'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut note = None;
    let (y, m, d) = if let Some(parts) = numeric_date(text) {
        match parts {
            Numeric::YearFirst(y, m, d) => (y, m, d),
            Numeric::DayOrMonthFirst(a, b, year, two_digit) => {
                if two_digit {
                    note = Some(format!("read the two-digit year in `{raw}` as {year}"));
                }
                let (day, month) = match order {
                    DateOrder::DayFirst => (a, b),
                    DateOrder::MonthFirst => (b, a),
                };
                let (day, month) = if month > 12 && day <= 12 {
                    let (assumed, read) = match order {
                        DateOrder::DayFirst => ("day first", "month first"),
                        DateOrder::MonthFirst => ("month first", "day first"),
                    };
                    note = Some(format!(
                        "read `{raw}` {read} ({month} cannot be a month), although {assumed} \
                         was assumed"
                    ));
                    (month, day)
                } else if a != b && a <= 12 && b <= 12 {
                    let (assumed, other) = match order {
                        DateOrder::DayFirst => ("day first", "month-first"),
                        DateOrder::MonthFirst => ("month first", "day-first"),
                    };
                    note = Some(format!(
                        "`{raw}` is ambiguous: read it {assumed} as {}; if that is wrong, import \
                         again with `--date-order {other}`",
                        human(year, month, day)
                    ));
                    (day, month)
                } else {
                    (day, month)
                };
                (year, month, day)
            }
        }
    } else {
        match words.as_slice() {
            [d, m, y] if day_of(d).is_some() && month_of(m).is_some() => {
                let (year, two) = year_of(y).ok_or_else(fail)?;
                if two {
                    note = Some(format!("read the two-digit year in `{raw}` as {year}"));
                }
                (year, month_of(m).unwrap_or(1), day_of(d).unwrap_or(1))
            }
            [m, d, y] if month_of(m).is_some() && day_of(d).is_some() => {
                let (year, _) = year_of(y).ok_or_else(fail)?;
                (year, month_of(m).unwrap_or(1), day_of(d).unwrap_or(1))
            }
            [m, y] if month_of(m).is_some() && year_of(y).is_some_and(|(_, two)| !two) => {
                let (year, _) = year_of(y).ok_or_else(fail)?;
                note = Some(format!("`{raw}` has no day: used the 1st of the month"));
                (year, month_of(m).unwrap_or(1), 1)
            }
            _ => return Err(fail()),
        }
    };
    let date = jiff::civil::Date::new(y, m as i8, d as i8)
        .map_err(|_| format!("`{raw}` is not a calendar date"))?;
    Ok(ReadDate {
        iso: date.to_string(),
        note,
    })
}

fn human(year: i16, month: u8, day: u8) -> String {
    let name = MONTHS[(month as usize).saturating_sub(1).min(11)];
    let mut chars = name.chars();
    let capital: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect();
    format!("{day} {capital} {year}")
}

enum Numeric {
    YearFirst(i16, u8, u8),
    /// The first two numbers, the year, and whether it was written with two digits.
    DayOrMonthFirst(u8, u8, i16, bool),
}

/// An all-numeric date split on `/`, `.` or `-`: `2025-03-14` (year first) or `14/03/2025`.
fn numeric_date(text: &str) -> Option<Numeric> {
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'/' | b'.' | b'-'))
    {
        return None;
    }
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let small = |s: &str| {
        (1..=2)
            .contains(&s.len())
            .then(|| s.parse::<u8>().ok())
            .flatten()
    };
    if a.len() == 4 {
        Some(Numeric::YearFirst(a.parse().ok()?, small(b)?, small(c)?))
    } else {
        let (year, two) = year_of(c)?;
        Some(Numeric::DayOrMonthFirst(small(a)?, small(b)?, year, two))
    }
}

/// policybook's classification for a label such as "Internal Use Only" or "CONFIDENTIAL".
pub fn classification(raw: &str) -> Option<&'static str> {
    let words = normalise_label(raw);
    let synonyms: &[(&str, &str)] = &[
        ("public", "public"),
        ("open", "public"),
        ("unclassified", "public"),
        ("internal", "internal"),
        ("confidential", "confidential"),
        ("private", "confidential"),
        ("sensitive", "confidential"),
        ("restricted", "restricted"),
        ("secret", "restricted"),
    ];
    if words.contains("strictly confidential") || words.contains("highly confidential") {
        return Some("restricted");
    }
    words
        .split(' ')
        .find_map(|w| synonyms.iter().find(|(s, _)| *s == w).map(|(_, c)| *c))
}

/// policybook's status for a word such as "Approved", "Final" or "Draft v0.3".
pub fn status(raw: &str) -> Option<&'static str> {
    let words = normalise_label(raw);
    let synonyms: &[(&str, &str)] = &[
        ("draft", "draft"),
        ("wip", "draft"),
        ("proposed", "draft"),
        ("review", "in-review"),
        ("pending", "in-review"),
        ("approved", "approved"),
        ("published", "approved"),
        ("final", "approved"),
        ("active", "approved"),
        ("released", "approved"),
        ("current", "approved"),
        ("retired", "retired"),
        ("obsolete", "retired"),
        ("withdrawn", "retired"),
        ("superseded", "retired"),
        ("archived", "retired"),
    ];
    words
        .split(' ')
        .find_map(|w| synonyms.iter().find(|(s, _)| *s == w).map(|(_, c)| *c))
}

/// A valid, unreserved id from a title: accents folded, lowercase words joined by hyphens, at
/// most about 60 characters (cut at a word).
pub fn id_from_title(title: &str) -> String {
    let folded: String = title.chars().map(fold_accent).collect();
    let mut id = suggest_id(&folded);
    if id.len() > 60 {
        let cut = id[..60].rfind('-').unwrap_or(60);
        id.truncate(cut);
    }
    if RESERVED_IDS.contains(&id.as_str()) {
        id.push_str("-document");
    }
    if is_valid_id(&id) {
        id
    } else {
        "imported-document".into()
    }
}

fn fold_accent(c: char) -> char {
    const FROM: &str = "àáâãäåāèéêëēìíîïīòóôõöøōùúûüūýÿçñÀÁÂÃÄÅĀÈÉÊËĒÌÍÎÏĪÒÓÔÕÖØŌÙÚÛÜŪÝÇÑ";
    const TO: &str = "aaaaaaaeeeeeiiiiiooooooouuuuuyycnAAAAAAAEEEEEIIIIIOOOOOOOUUUUUYCN";
    FROM.chars()
        .position(|f| f == c)
        .and_then(|i| TO.chars().nth(i))
        .unwrap_or(c)
}
