//! Full-build benchmark: generate a synthetic handbook of N documents, build it with the release
//! binary, and report documents per second, peak memory and output bytes per document.
//!
//! `cargo bench --bench build` (N = 1,000 and 10,000); `cargo bench --bench build -- 2500` for other sizes.
//! Cold: no diagram cache; warm: the second build reuses it.

// wait4 gives the child's peak memory; std has no safe way to it.
#![allow(unsafe_code)]

#[path = "corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

struct Run {
    seconds: f64,
    peak_mib: f64,
}

/// Run the binary and measure wall time and the child's peak resident memory.
#[allow(
    clippy::zombie_processes,
    reason = "reaped by wait4, which also gives its rusage"
)]
fn measure(args: &[&str]) -> Run {
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_policybook"))
        .args(args)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run policybook");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "policybook {args:?} failed"
    );
    Run {
        seconds,
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
    }
}

fn dir_bytes(dir: &Path) -> (u64, u64) {
    let mut bytes = 0;
    let mut files = 0;
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file() {
            bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
            files += 1;
        }
    }
    (bytes, files)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn bench(n: usize) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("handbook");
    let markdown = corpus::generate(&root, n).expect("generate corpus");
    let root_s = root.to_str().unwrap();
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut peak: f64 = 0.0;
    for round in 0..3 {
        let _ = std::fs::remove_dir_all(root.join(".policybook-cache"));
        let out = tmp.path().join(format!("site-cold-{round}"));
        let run = measure(&["build", root_s, "--out", out.to_str().unwrap()]);
        peak = peak.max(run.peak_mib);
        cold.push(run.seconds);
        let out = tmp.path().join(format!("site-warm-{round}"));
        let run = measure(&["build", root_s, "--out", out.to_str().unwrap()]);
        peak = peak.max(run.peak_mib);
        warm.push(run.seconds);
    }
    let check = median(
        (0..3)
            .map(|_| measure(&["check", root_s]).seconds)
            .collect(),
    );
    let site = tmp.path().join("site-warm-0");
    let (bytes, files) = dir_bytes(&site);
    let page = std::fs::metadata(site.join(format!("{}.html", corpus::id(0))))
        .map(|m| m.len())
        .unwrap_or(0);
    let print = std::fs::metadata(site.join("print.html"))
        .map(|m| m.len())
        .unwrap_or(0);
    let cold = median(cold);
    let warm = median(warm);
    println!("N = {n}: {:.1} MB of Markdown", markdown as f64 / 1e6);
    println!(
        "  build, cold diagram cache: {cold:.2} s ({:.0} documents/s)",
        n as f64 / cold
    );
    println!(
        "  build, warm diagram cache: {warm:.2} s ({:.0} documents/s)",
        n as f64 / warm
    );
    println!("  check:                     {check:.2} s");
    println!("  peak memory:               {peak:.0} MiB");
    println!(
        "  output: {:.1} MB in {files} files, {:.1} KB per document ({:.1} KB without print.html); first page {:.1} KB",
        bytes as f64 / 1e6,
        bytes as f64 / n as f64 / 1e3,
        (bytes - print) as f64 / n as f64 / 1e3,
        page as f64 / 1e3
    );
}

fn main() {
    for n in corpus::sizes_from_args() {
        bench(n);
    }
}
