//! Inputs the fuzz targets (`fuzz/`, see its README's run table) found, minimised: each must end in
//! a located error or a normal result through the real command line, never a panic.

use crate::support::Book;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `config` target: a diagnostic that points into the line ending of a CRLF line longer than the
/// excerpt threshold (an unterminated string, reported at the `\n` after the `\r`) made the human
/// printer clamp with its lower bound above its upper bound, and `check` panicked.
#[test]
fn error_at_the_end_of_a_long_crlf_line_prints_an_excerpt() {
    let toml = format!("[book]\r\ntitle = \"{}\r\n", "a".repeat(300));
    let book = Book::new().file("book.toml", toml);
    let out = book.cli(&["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("error[invalid-config]"), "{err}");
    assert!(err.contains("book.toml:2:"), "{err}");
    assert!(
        err.contains("…"),
        "a long line is shown as an excerpt: {err}"
    );
}

/// Found by the `docx` fuzz target: a zip whose extra field is damaged made the zip crate panic
/// while opening it (`zip::read::parse_extra_field`); now the import reports a damaged file.
#[test]
fn a_docx_with_a_damaged_zip_extra_field_is_an_error() {
    const INPUT: &[u8] = &[
        80, 75, 1, 2, 80, 75, 3, 4, 0, 0, 0, 3, 20, 0, 0, 0, 8, 0, 252, 188, 134, 93, 154, 198,
        152, 113, 202, 0, 0, 0, 58, 1, 0, 0, 19, 0, 0, 0, 91, 67, 111, 110, 116, 101, 110, 116, 85,
        84, 0, 0, 0, 0, 128, 1, 0, 0, 0, 0, 91, 67, 111, 110, 116, 101, 110, 116, 95, 84, 121, 112,
        101, 20, 3, 140, 175, 180, 250, 249, 0, 0, 58, 3, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 231, 199, 0, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
        128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
        128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 247, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 17, 0, 0, 0, 0,
        0, 0, 58, 0, 4, 0, 0, 128, 1, 251, 0, 0, 0, 119, 111, 114, 100, 47, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 111, 99, 117, 109, 101, 110, 116, 46, 120, 109,
        108, 80, 75, 1, 2, 20, 3, 47, 100, 111, 99, 117, 109, 101, 110, 116, 46, 120, 109, 108, 46,
        65, 101, 108, 115, 80, 75, 5, 6, 0, 0, 0, 0, 4, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        128, 1, 0, 0, 1, 0, 0, 0, 0, 0, 91, 67, 111, 110, 116, 101, 108, 115, 80, 75, 5, 6, 0, 0,
        0, 0, 4, 0, 19, 0, 37, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 183, 0, 252,
        152, 0, 83, 36, 118, 51, 44, 5, 69, 158, 73, 222, 108, 46, 35, 46, 173, 232, 128, 111, 99,
        117, 109, 101, 110, 109, 108, 46, 98, 101, 108, 115, 80, 75, 5, 6, 0, 0, 0, 0, 4, 0, 4, 0,
        10, 1, 0, 0, 3, 4, 0, 0, 0, 0,
    ];
    let result = policybook::import::docx::convert(INPUT, "damaged.docx", &Default::default());
    let error = result.expect_err("a damaged zip is refused");
    assert!(error.to_string().contains("damaged.docx"), "{error}");
}
