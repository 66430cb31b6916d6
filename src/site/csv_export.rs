//! CSV exports (register, SoA) for spreadsheets. A cell a spreadsheet would take for a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`,
//! as OWASP advises against CSV injection: frontmatter is written by many hands, and a title such
//! as `=HYPERLINK(…)` must stay text when an auditor opens the file.

use std::borrow::Cow;

use crate::diagnostics::Fatal;

/// `cell` as a spreadsheet will show it as text.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A CSV file being written, every cell neutralised.
pub struct Export {
    writer: csv::Writer<Vec<u8>>,
    name: &'static str,
}

impl Export {
    /// `name` is the file's name, for errors.
    pub fn new(name: &'static str) -> Export {
        Export {
            writer: csv::Writer::from_writer(Vec::new()),
            name,
        }
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<(), Fatal> {
        let name = self.name;
        self.writer
            .write_record(cells.into_iter().map(|c| neutralise(c).into_owned()))
            .map_err(|e| Fatal::new(format!("cannot write {name}: {e}")))
    }

    pub fn finish(self) -> Result<Vec<u8>, Fatal> {
        let name = self.name;
        self.writer
            .into_inner()
            .map_err(|e| Fatal::new(format!("cannot write {name}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for cell in [
            "=1+1",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["Access policy", "2026-01-01", "A.5.1", "", "a=b", " =x"] {
            assert!(
                matches!(neutralise(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
        let mut export = Export::new("test.csv");
        export.row(["id", "title"]).unwrap();
        export.row(["a", "=cmd|' /C calc'!A0"]).unwrap();
        assert_eq!(
            String::from_utf8(export.finish().unwrap()).unwrap(),
            "id,title\na,'=cmd|' /C calc'!A0\n"
        );
    }
}
