//! The built-in ISO/IEC 27001:2022 catalogue (clauses 4–10, the 93 Annex A controls and the
//! 114 controls of the 2013 edition with their Annex B correspondence), so that handbooks can
//! reference requirements by id and have those references checked and titled.
//!
//! The data lives in reviewable TSV files under `data/`, embedded at compile time and parsed
//! once. Control ids are accepted as `A.5.1`, `a.5.1`, `A5.1`, `Annex A.5.1` or bare `5.1`
//! (leading zeros dropped); they are always returned in the canonical `A.5.1` form. Two
//! numeric parts name a 2022 control, three a 2013 one (`A.12.6.1`).

use std::fmt;
use std::sync::LazyLock;

/// One of the four themes (clauses 5–8 of Annex A) that group the 2022 controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Theme {
    Organizational,
    People,
    Physical,
    Technological,
}

impl Theme {
    pub const ALL: [Theme; 4] = [
        Theme::Organizational,
        Theme::People,
        Theme::Physical,
        Theme::Technological,
    ];

    /// The clause number of the theme in Annex A (`A.5` … `A.8`).
    pub fn number(self) -> u8 {
        match self {
            Theme::Organizational => 5,
            Theme::People => 6,
            Theme::Physical => 7,
            Theme::Technological => 8,
        }
    }

    /// Short name: "Organizational", "People", …
    pub fn name(self) -> &'static str {
        match self {
            Theme::Organizational => "Organizational",
            Theme::People => "People",
            Theme::Physical => "Physical",
            Theme::Technological => "Technological",
        }
    }

    /// Heading as in the standard: "Organizational controls", …
    pub fn title(self) -> &'static str {
        match self {
            Theme::Organizational => "Organizational controls",
            Theme::People => "People controls",
            Theme::Physical => "Physical controls",
            Theme::Technological => "Technological controls",
        }
    }

    fn from_name(name: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An Annex A control of the 2022 edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// Canonical id, e.g. `A.5.1`.
    pub id: &'static str,
    pub title: &'static str,
    pub theme: Theme,
}

/// A clause (or sub-clause) of ISO/IEC 27001:2022, 4 to 10.2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// e.g. `9.3.3`; top-level clauses are `4` … `10`.
    pub id: &'static str,
    pub title: &'static str,
    /// Whether the clause requires documented information to be maintained or retained.
    pub requires_documented_information: bool,
    /// What that documented information is, when required.
    pub documented_information: Option<&'static str>,
    /// The enclosing clause (`9.3` for `9.3.3`, `9` for `9.3`), `None` for `4` … `10`.
    pub parent: Option<&'static str>,
}

/// An Annex A control of the 2013 edition and the 2022 control(s) it corresponds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyControl {
    /// Canonical id, e.g. `A.12.6.1`.
    pub id: &'static str,
    pub title: &'static str,
    /// Ids of the corresponding 2022 controls (one or two).
    pub maps_to: Vec<&'static str>,
}

/// Result of [`Catalogue::lookup_control`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlLookup<'a> {
    Current(&'a Control),
    Legacy(&'a LegacyControl),
    /// Not a control; `suggestion` is the canonical id of the closest one, if any is close.
    Unknown {
        suggestion: Option<String>,
    },
}

#[derive(Debug)]
pub struct Catalogue {
    controls: Vec<Control>,
    clauses: Vec<Clause>,
    legacy: Vec<LegacyControl>,
}

const CLAUSES_TSV: &str = include_str!("data/clauses.tsv");
const ANNEX_A_2022_TSV: &str = include_str!("data/annex_a_2022.tsv");
const ANNEX_A_2013_TSV: &str = include_str!("data/annex_a_2013.tsv");

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::parse);

/// The built-in catalogue, parsed on first use.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// Rows of a TSV data file: non-empty, non-`#` lines split into exactly `N` columns.
fn rows<const N: usize>(
    name: &'static str,
    text: &'static str,
) -> impl Iterator<Item = [&'static str; N]> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(move |line| {
            let cols: Vec<&'static str> = line.split('\t').map(str::trim).collect();
            cols.try_into().unwrap_or_else(|_| {
                panic!("data/{name}: expected {N} tab-separated columns in {line:?}")
            })
        })
}

impl Catalogue {
    fn parse() -> Catalogue {
        let controls = rows::<3>("annex_a_2022.tsv", ANNEX_A_2022_TSV)
            .map(|[id, theme, title]| {
                let theme = Theme::from_name(theme)
                    .unwrap_or_else(|| panic!("data/annex_a_2022.tsv: unknown theme {theme:?}"));
                assert_eq!(
                    normalize_control_id(id).as_deref(),
                    Some(id),
                    "data/annex_a_2022.tsv: id {id:?} is not canonical"
                );
                assert!(
                    id.starts_with(&format!("A.{}.", theme.number())),
                    "data/annex_a_2022.tsv: {id} is not in theme {theme}"
                );
                Control { id, title, theme }
            })
            .collect();
        let clauses = rows::<3>("clauses.tsv", CLAUSES_TSV)
            .map(|[id, title, doc]| {
                let documented_information = (doc != "-").then_some(doc);
                Clause {
                    id,
                    title,
                    requires_documented_information: documented_information.is_some(),
                    documented_information,
                    parent: id.rsplit_once('.').map(|(parent, _)| parent),
                }
            })
            .collect();
        let legacy = rows::<3>("annex_a_2013.tsv", ANNEX_A_2013_TSV)
            .map(|[id, title, maps_to]| LegacyControl {
                id,
                title,
                maps_to: maps_to.split(',').map(str::trim).collect(),
            })
            .collect();
        Catalogue {
            controls,
            clauses,
            legacy,
        }
    }

    /// The 93 controls of the 2022 edition, in the standard's order.
    pub fn controls(&self) -> &[Control] {
        &self.controls
    }

    /// The 2022 control with this canonical id (`A.5.1`); see [`Self::lookup_control`] for
    /// lenient input.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// Clauses 4 … 10.2 in document order, top-level clauses included.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// The clause with exactly this id (`9.3.3`).
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// The 114 controls of the 2013 edition, in that edition's order.
    pub fn legacy_controls(&self) -> &[LegacyControl] {
        &self.legacy
    }

    /// The 2013 control with this canonical id (`A.12.6.1`).
    pub fn legacy_2013(&self, id: &str) -> Option<&LegacyControl> {
        self.legacy.iter().find(|c| c.id == id)
    }

    /// The 2013 controls that map onto the given 2022 control (none for the 11 new controls).
    pub fn legacy_sources<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a LegacyControl> {
        self.legacy.iter().filter(move |l| l.maps_to.contains(&id))
    }

    /// Resolves a control reference written by a person (see the module docs for the accepted
    /// forms). Unknown ids get the closest 2022 id by edit distance (or 2013 id, if strictly
    /// closer), else a control whose title is close to the text.
    pub fn lookup_control(&self, raw: &str) -> ControlLookup<'_> {
        if let Some(id) = normalize_control_id(raw) {
            if let Some(c) = self.control(&id) {
                return ControlLookup::Current(c);
            }
            if let Some(l) = self.legacy_2013(&id) {
                return ControlLookup::Legacy(l);
            }
        }
        ControlLookup::Unknown {
            suggestion: self.suggest_control(raw).map(str::to_owned),
        }
    }

    fn suggest_control(&self, raw: &str) -> Option<&'static str> {
        // `iso27001:A.5.1`, `ISO/IEC 27001 A.5.1`: the id after a prefix.
        if let Some(after) = raw
            .rsplit([':', ' '])
            .next()
            .filter(|a| a.len() < raw.len())
            && let ControlLookup::Current(c) = self.lookup_control(after)
        {
            return Some(c.id);
        }
        // `A.5.01.1`: a 2022 id with a part too many.
        let parts: Vec<&str> = raw.trim().split('.').collect();
        if parts.len() == 4
            && let ControlLookup::Current(c) = self.lookup_control(&parts[..3].join("."))
        {
            return Some(c.id);
        }
        let probe = normalize_control_id(raw).unwrap_or_else(|| raw.trim().to_uppercase());
        let current = closest(&probe, self.controls.iter().map(|c| c.id), 2);
        let legacy = closest(&probe, self.legacy.iter().map(|l| l.id), 2);
        let by_id = match (current, legacy) {
            (Some((c, dc)), Some((l, dl))) => Some(if dl < dc { l } else { c }),
            (c, l) => c.or(l).map(|(id, _)| id),
        };
        by_id.or_else(|| {
            let text = raw.trim().to_lowercase();
            self.controls
                .iter()
                .map(|c| (c.id, strsim::jaro_winkler(&text, &c.title.to_lowercase())))
                .filter(|&(_, score)| score >= 0.9)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(id, _)| id)
        })
    }

    /// Resolves a clause reference (`9.3`, `Clause 9.3`, `§9.3`). On failure, suggests the
    /// nearest existing enclosing clause (`9.2` for `9.2.7`) or the closest id by edit distance.
    pub fn lookup_clause(&self, raw: &str) -> Result<&Clause, Option<String>> {
        let trimmed = raw.trim();
        let lower = trimmed.to_lowercase();
        let id = lower
            .strip_prefix("clause")
            .or_else(|| lower.strip_prefix('§'))
            .unwrap_or(&lower)
            .trim()
            .trim_end_matches('.');
        if let Some(c) = self.clause(id) {
            return Ok(c);
        }
        let looks_like_clause = !id.is_empty() && id.split('.').all(|p| p.parse::<u32>().is_ok());
        if looks_like_clause {
            let mut prefix = id;
            while let Some((parent, _)) = prefix.rsplit_once('.') {
                if let Some(c) = self.clause(parent) {
                    return Err(Some(c.id.to_owned()));
                }
                prefix = parent;
            }
        }
        Err(closest(id, self.clauses.iter().map(|c| c.id), 2).map(|(id, _)| id.to_owned()))
    }
}

/// Shorthand for `catalogue().lookup_control(raw)`.
pub fn lookup_control(raw: &str) -> ControlLookup<'static> {
    catalogue().lookup_control(raw)
}

/// Shorthand for `catalogue().lookup_clause(raw)`.
pub fn lookup_clause(raw: &str) -> Result<&'static Clause, Option<String>> {
    catalogue().lookup_clause(raw)
}

/// Canonical form of a control id (`a5.01` → `A.5.1`) if it has the shape of one (two or
/// three numeric parts after an optional `A`/`Annex A`); says nothing about existence.
pub fn normalize_control_id(raw: &str) -> Option<String> {
    let lower = raw.trim().to_lowercase();
    let rest = lower
        .strip_prefix("annex")
        .map_or(lower.as_str(), str::trim_start);
    let rest = rest
        .strip_prefix('a')
        .map_or(rest, |r| r.trim_start_matches(['.', ' ']));
    let parts: Vec<u32> = rest
        .split('.')
        .map(|p| match p.len() {
            1..=3 if p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let joined: Vec<String> = parts.iter().map(u32::to_string).collect();
    Some(format!("A.{}", joined.join(".")))
}

/// The candidate with the smallest edit distance to `probe` (first wins ties), if within `max`.
fn closest(
    probe: &str,
    candidates: impl Iterator<Item = &'static str>,
    max: usize,
) -> Option<(&'static str, usize)> {
    candidates
        .map(|c| (c, strsim::levenshtein(probe, c)))
        .filter(|&(_, d)| d <= max)
        .min_by_key(|&(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const NEW_IN_2022: [&str; 11] = [
        "A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11", "A.8.12", "A.8.16",
        "A.8.23", "A.8.28",
    ];

    #[test]
    fn has_93_controls_with_theme_counts() {
        let cat = catalogue();
        assert_eq!(cat.controls().len(), 93);
        let count = |t| cat.controls().iter().filter(|c| c.theme == t).count();
        assert_eq!(count(Theme::Organizational), 37);
        assert_eq!(count(Theme::People), 8);
        assert_eq!(count(Theme::Physical), 14);
        assert_eq!(count(Theme::Technological), 34);
    }

    #[test]
    fn control_ids_are_unique_and_in_order() {
        let mut expected = Vec::new();
        for (theme, n) in [(5, 37), (6, 8), (7, 14), (8, 34)] {
            expected.extend((1..=n).map(|i| format!("A.{theme}.{i}")));
        }
        let ids: Vec<_> = catalogue().controls().iter().map(|c| c.id).collect();
        assert_eq!(ids, expected);
        assert!(catalogue().controls().iter().all(|c| !c.title.is_empty()));
    }

    #[test]
    fn titles_match_the_standard() {
        let cat = catalogue();
        let title = |id| cat.control(id).unwrap().title;
        assert_eq!(title("A.5.1"), "Policies for information security");
        assert_eq!(title("A.5.7"), "Threat intelligence");
        assert_eq!(title("A.6.8"), "Information security event reporting");
        assert_eq!(title("A.7.14"), "Secure disposal or re-use of equipment");
        assert_eq!(title("A.8.28"), "Secure coding");
        assert_eq!(
            title("A.8.34"),
            "Protection of information systems during audit testing"
        );
        assert_eq!(Theme::Technological.number(), 8);
        assert_eq!(Theme::People.title(), "People controls");
    }

    #[test]
    fn has_114_unique_legacy_controls_with_valid_targets() {
        let cat = catalogue();
        assert_eq!(cat.legacy_controls().len(), 114);
        let ids: HashSet<_> = cat.legacy_controls().iter().map(|l| l.id).collect();
        assert_eq!(ids.len(), 114);
        for l in cat.legacy_controls() {
            assert_eq!(normalize_control_id(l.id).as_deref(), Some(l.id));
            assert!(!l.maps_to.is_empty(), "{} maps to nothing", l.id);
            for target in &l.maps_to {
                assert!(
                    cat.control(target).is_some(),
                    "{} maps to unknown {target}",
                    l.id
                );
            }
        }
        let per_domain = |d: &str| ids.iter().filter(|id| id.starts_with(d)).count();
        assert_eq!(per_domain("A.9."), 14);
        assert_eq!(per_domain("A.11."), 15);
        assert_eq!(per_domain("A.12."), 14);
        assert_eq!(per_domain("A.14."), 13);
    }

    #[test]
    fn exactly_the_eleven_new_controls_have_no_2013_source() {
        let cat = catalogue();
        let unmapped: Vec<_> = cat
            .controls()
            .iter()
            .filter(|c| cat.legacy_sources(c.id).next().is_none())
            .map(|c| c.id)
            .collect();
        assert_eq!(unmapped, NEW_IN_2022);
        let sources: Vec<_> = cat.legacy_sources("A.8.8").map(|l| l.id).collect();
        assert_eq!(sources, ["A.12.6.1", "A.18.2.3"]);
    }

    #[test]
    fn clauses_have_parents_and_documented_information() {
        let cat = catalogue();
        for c in cat.clauses() {
            if let Some(p) = c.parent {
                assert!(cat.clause(p).is_some(), "{} has no parent {p}", c.id);
            }
            assert_eq!(
                c.requires_documented_information,
                c.documented_information.is_some()
            );
        }
        assert_eq!(
            cat.clauses().iter().filter(|c| c.parent.is_none()).count(),
            7
        );
        assert_eq!(cat.clause("6.3").unwrap().title, "Planning of changes");
        assert_eq!(cat.clause("9.3.3").unwrap().parent, Some("9.3"));
        assert_eq!(cat.clause("9.3").unwrap().parent, Some("9"));
        for id in [
            "4.3", "5.2", "6.1.2", "6.1.3", "6.2", "7.2", "7.5.3", "8.1", "8.2", "8.3",
        ] {
            assert!(
                cat.clause(id).unwrap().requires_documented_information,
                "{id}"
            );
        }
        for id in ["9.1", "9.2.2", "9.3.3", "10.2"] {
            assert!(
                cat.clause(id).unwrap().requires_documented_information,
                "{id}"
            );
        }
        for id in ["4.1", "5.1", "6.3", "7.3", "10.1"] {
            assert!(
                !cat.clause(id).unwrap().requires_documented_information,
                "{id}"
            );
        }
    }

    #[test]
    fn normalizes_control_ids() {
        for raw in [
            "A.5.1",
            "a.5.1",
            "5.1",
            " A5.1 ",
            "A 5.1",
            "Annex A.5.1",
            "A.05.01",
        ] {
            assert_eq!(normalize_control_id(raw).as_deref(), Some("A.5.1"), "{raw}");
        }
        assert_eq!(normalize_control_id("12.6.1").as_deref(), Some("A.12.6.1"));
        for raw in [
            "",
            "A",
            "A.5",
            "A.5.1.2.3",
            "A.5.x",
            "B.5.1",
            "A.5.1.",
            "5,1",
        ] {
            assert_eq!(normalize_control_id(raw), None, "{raw}");
        }
    }

    #[test]
    fn looks_up_controls() {
        assert!(
            matches!(lookup_control("A.8.15"), ControlLookup::Current(c) if c.title == "Logging")
        );
        assert!(matches!(lookup_control("8.15"), ControlLookup::Current(c) if c.id == "A.8.15"));
        match lookup_control("a.18.2.3") {
            ControlLookup::Legacy(l) => assert_eq!(l.maps_to, ["A.5.36", "A.8.8"]),
            other => panic!("{other:?}"),
        }
        let suggestion = |raw| match lookup_control(raw) {
            ControlLookup::Unknown { suggestion } => suggestion,
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(suggestion("A.5.99").as_deref(), Some("A.5.9"));
        assert_eq!(suggestion("A.5.38").as_deref(), Some("A.5.3"));
        assert_eq!(suggestion("A.8.15.").as_deref(), Some("A.8.15"));
        assert_eq!(suggestion("A.12.4.9").as_deref(), Some("A.12.4.1"));
        assert_eq!(suggestion("Threat inteligence").as_deref(), Some("A.5.7"));
        assert_eq!(suggestion("completely unrelated"), None);
    }

    #[test]
    fn looks_up_clauses() {
        assert_eq!(lookup_clause("9.3").unwrap().title, "Management review");
        assert_eq!(lookup_clause("Clause 6.1.3").unwrap().id, "6.1.3");
        assert_eq!(lookup_clause("§10.2").unwrap().id, "10.2");
        assert_eq!(lookup_clause("9.2.7"), Err(Some("9.2".into())));
        assert_eq!(lookup_clause("6.4"), Err(Some("6".into())));
        assert_eq!(lookup_clause("11.1"), Err(Some("10.1".into())));
        assert_eq!(lookup_clause("risk stuff"), Err(None));
    }
}
