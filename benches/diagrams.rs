//! Diagram rendering: median time per diagram for a 10-node and a 200-node flowchart, cold (drawn by
//! the engine) and warm (read back from the cache). `cargo bench --bench diagrams`.

use std::collections::BTreeMap;
use std::time::Instant;

use policybook::render::diagrams::{DiagramCache, DiagramRequest};

fn flowchart(nodes: usize) -> String {
    let mut s = String::from("flowchart TD\n");
    for i in 1..nodes {
        s.push_str(&format!(
            "    N{}[Step {}] --> N{i}[Step {i}]\n",
            (i - 1) / 2,
            (i - 1) / 2
        ));
    }
    s
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn bench(nodes: usize, runs: usize) {
    let source = flowchart(nodes);
    let links = BTreeMap::new();
    let tmp = tempfile::tempdir().unwrap();
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for run in 0..runs {
        // A new prefix per run makes a new cache key, so the cold run really draws.
        let prefix = format!("bench-{run}");
        let req = DiagramRequest {
            source: &source,
            id_prefix: &prefix,
            fallback_label: "Benchmark",
            links: &links,
        };
        let cache = DiagramCache::open(tmp.path());
        let start = Instant::now();
        cache.get_or_render(&req).unwrap();
        cold.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        cache.get_or_render(&req).unwrap();
        warm.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{nodes}-node flowchart: cold {:.2} ms, warm (cache) {:.3} ms (median of {runs})",
        median(cold),
        median(warm)
    );
}

fn main() {
    bench(10, 101);
    bench(200, 21);
}
