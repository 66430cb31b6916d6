//! Pathological but legal input: how `check` time grows with its size. Each case is run at n and
//! 4n; a ratio near 4 is linear, near 16 quadratic. The cases are those of the hostile-input
//! issue (`tests/testsuite/hostile.rs` asserts their outcomes).
//!
//! `cargo bench --bench hostile`

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

type Case = (&'static str, usize, fn(usize) -> String);

const CASES: &[Case] = &[
    ("errors on one line", 1_000, errors_on_one_line),
    ("identical headings", 10_000, identical_headings),
    ("references to one document", 20_000, references),
    ("unknown controls", 2_000, unknown_controls),
    ("frontmatter keys", 5_000, frontmatter_keys),
];

fn errors_on_one_line(n: usize) -> String {
    let line: Vec<String> = (0..n).map(|i| format!("[missing-{i}]")).collect();
    format!("# A\n\n{}\n", line.join(" "))
}

fn identical_headings(n: usize) -> String {
    format!("# A\n\n{}", "## Same\n\ntext\n\n".repeat(n))
}

fn references(n: usize) -> String {
    format!("# A\n\n{}\n", "[b] ".repeat(n))
}

fn unknown_controls(n: usize) -> String {
    let ids: Vec<String> = (0..n).map(|i| format!("A.9.{i}")).collect();
    format!("---\ncontrols: [{}]\n---\n# A\n", ids.join(", "))
}

fn frontmatter_keys(n: usize) -> String {
    let keys: String = (0..n).map(|i| format!("key{i}: value {i}\n")).collect();
    format!("---\n{keys}---\n# A\n")
}

/// Seconds for `policybook check` of a handbook whose `a.md` is `text` (best of three).
fn check(dir: &Path, text: &str) -> f64 {
    let content = dir.join("content");
    std::fs::create_dir_all(&content).expect("content");
    std::fs::write(content.join("a.md"), text).expect("a.md");
    std::fs::write(content.join("b.md"), "# B\n").expect("b.md");
    (0..3)
        .map(|_| {
            let start = Instant::now();
            Command::new(env!("CARGO_BIN_EXE_policybook"))
                .args(["check", dir.to_str().unwrap()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run policybook");
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    println!(
        "{:<28} {:>8} {:>9} {:>8} {:>9} {:>6}",
        "case", "n", "time", "4n", "time", "ratio"
    );
    for (name, n, make) in CASES {
        let tmp = tempfile::tempdir().expect("temp dir");
        let small = check(&tmp.path().join("small"), &make(*n));
        let large = check(&tmp.path().join("large"), &make(4 * n));
        println!(
            "{name:<28} {n:>8} {:>7.3} s {:>8} {:>7.3} s {:>6.1}",
            small,
            4 * n,
            large,
            large / small
        );
    }
}
