//! Diagram rendering: median time per diagram, cold (drawn by the engine) and warm (read back from
//! the cache), for a 10-node and a 200-node flowchart and the benchmark corpus's typical flowchart
//! (stadium start/end shapes, a decision, a subgraph); and the post-processing step alone (ids,
//! colours, CSS pruning, path simplification) on the engine's output for the corpus flowchart and
//! the 200-node one.
//! `cargo bench --bench diagrams`.

use std::collections::BTreeMap;
use std::time::Instant;

use policybook::render::diagrams::{DiagramCache, DiagramRequest, bench_draw, bench_postprocess};

/// The shape of the benchmark corpus's flowcharts (`gen_corpus.py`): stadium start and end, a
/// decision, a subgraph.
const CORPUS_FLOWCHART: &str = "flowchart TD
    N0([Start])
    N1[Close ticket]
    N2[Test restore]
    N3[Notify authority]
    N7[Schedule review]
    N8[Line manager approval]
    subgraph S1 [Service Desk]
        N4{Record evidence?}
        N5[Risk assessment]
        N6[Escalate to CISO]
    end
    N9([End])
    N0 --> N1
    N1 --> N2
    N2 --> N3
    N3 --> N4
    N4 -->|Yes| N5
    N4 -->|No| N3
    N5 --> N6
    N6 --> N7
    N7 --> N8
    N8 --> N9
";

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

fn bench(name: &str, source: &str, runs: usize) {
    let links = BTreeMap::new();
    let tmp = tempfile::tempdir().unwrap();
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for run in 0..runs {
        // A new prefix per run makes a new cache key, so the cold run really draws.
        let prefix = format!("bench-{run}");
        let req = DiagramRequest {
            source,
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
        "{name}: cold {:.2} ms, warm (cache) {:.3} ms (median of {runs})",
        median(cold),
        median(warm)
    );
}

fn bench_postprocessing(name: &str, source: &str, runs: usize) {
    let links = BTreeMap::new();
    let req = DiagramRequest {
        source,
        id_prefix: "bench",
        fallback_label: "Benchmark",
        links: &links,
    };
    let (raw, prefix) = bench_draw(&req).unwrap();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let out = bench_postprocess(&raw, &prefix, "Benchmark");
        times.push(start.elapsed().as_secs_f64() * 1e6);
        bytes = out.len();
    }
    println!(
        "{name}: post-processing {:.1} µs (median of {runs}), {} → {bytes} bytes",
        median(times),
        raw.len()
    );
}

fn main() {
    bench("10-node flowchart", &flowchart(10), 101);
    bench("200-node flowchart", &flowchart(200), 21);
    bench("corpus flowchart", CORPUS_FLOWCHART, 101);
    bench_postprocessing("corpus flowchart", CORPUS_FLOWCHART, 501);
    bench_postprocessing("200-node flowchart", &flowchart(200), 51);
}
