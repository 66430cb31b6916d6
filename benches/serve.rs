//! `serve` latency: the time from saving a file to the reload event reaching a connected page,
//! for a one-line body edit and for a title edit, on synthetic handbooks of N documents.
//!
//! `cargo bench --bench serve` (N = 1,000 and 10,000), or `-- 2500` for other sizes.

#[path = "corpus.rs"]
mod corpus;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn next_event(reader: &mut BufReader<TcpStream>) -> String {
    let mut name = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("event stream");
        assert!(n > 0, "event stream closed");
        let line = line.trim_end();
        if let Some(v) = line.strip_prefix("event: ") {
            name = v.to_string();
        } else if line.is_empty() && !name.is_empty() {
            return name;
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn bench(n: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("handbook");
    corpus::generate(&root, n).unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_policybook"))
        .args(["serve", root.to_str().unwrap(), "--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("serve exited").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let startup = started.elapsed().as_secs_f64();
    std::thread::spawn(move || lines.for_each(drop));
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    write!(
        reader.get_mut(),
        "GET /__policybook/events HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    .unwrap();
    next_event(&mut reader);

    let id = corpus::id(n / 2);
    let path = std::fs::read_dir(root.join("content"))
        .unwrap()
        .map(|d| d.unwrap().path().join(format!("{id}.md")))
        .find(|p| p.exists())
        .unwrap();
    let original = std::fs::read_to_string(&path).unwrap();
    let mut timed = |text: String| {
        std::thread::sleep(Duration::from_millis(200));
        let start = Instant::now();
        std::fs::write(&path, text).unwrap();
        assert_eq!(next_event(&mut reader), "reload");
        start.elapsed().as_secs_f64() * 1e3
    };
    let body: Vec<f64> = (0..7)
        .map(|k| {
            timed(original.replacen(
                "## Purpose\n",
                &format!("## Purpose\n\nEdit number {k}.\n"),
                1,
            ))
        })
        .collect();
    let title: Vec<f64> = (0..3)
        .map(|k| timed(original.replacen("title: \"", &format!("title: \"Renamed {k} "), 1)))
        .collect();
    println!("N = {n}: serve ready in {startup:.2} s");
    println!(
        "  body edit → reload event:  median {:.1} ms (of {})",
        median(body.clone()),
        body.len()
    );
    println!(
        "  title edit → reload event: median {:.0} ms (of {})",
        median(title.clone()),
        title.len()
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    for n in corpus::sizes_from_args() {
        bench(n);
    }
}
