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
