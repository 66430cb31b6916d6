//! End-to-end tests of drawing and post-processing.

use std::collections::HashSet;
use std::path::PathBuf;

use super::colors::themed_colors;
use super::postprocess::postprocess;
use super::*;

const SEED: &str = "graph LR
A(Meeting prep) --> B(Previous actions)
subgraph Management review meeting
B --> C(Scope) --> D(Objectives) --> E(Top risks/mitigations) --> F(Non-conformities)
end
F --> G(Follow up)
";

fn req<'a>(
    source: &'a str,
    prefix: &'a str,
    links: &'a BTreeMap<String, String>,
) -> DiagramRequest<'a> {
    DiagramRequest {
        source,
        id_prefix: prefix,
        fallback_label: "Management review",
        links,
    }
}

#[test]
fn scoping_never_creates_duplicate_ids() {
    // The engine emits both `node_1` and `<prefix>-node_1` for mindmaps.
    let links = no_links();
    let svg = render(&req(
        "mindmap\n  root((ISMS))\n    Policies\n    Risk\n",
        "mermaid-1",
        &links,
    ))
    .unwrap();
    let all: Vec<&str> = svg
        .split(" id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        all.len(),
        all.iter().collect::<HashSet<_>>().len(),
        "{all:?}"
    );
}

fn ids(svg: &str) -> HashSet<String> {
    svg.split(" id=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

fn no_links() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn seed_flow_renders_labels_and_subgraph() {
    let links = no_links();
    let svg = render(&req(SEED, "mermaid-1", &links)).unwrap();
    for label in ["Meeting prep", "Follow up", "Management review meeting"] {
        assert!(svg.contains(label), "missing {label}");
    }
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("role=\"img\""));
    assert!(
        svg.contains("width=\"100%\"") && svg.contains("viewBox=") && svg.contains("max-width")
    );
    assert!(svg.contains("<title id=\"mermaid-1-svg-title\">Management review</title>"));
    assert!(svg.contains("var(--pb-diagram-fg"));
}

#[test]
fn every_id_and_reference_is_scoped() {
    let links = no_links();
    let seq = "sequenceDiagram\n  participant U as User\n  U->>S: hi\n  S-->>U: ok\n";
    for source in [SEED, seq] {
        let a = render(&req(source, "mermaid-1", &links)).unwrap();
        let b = render(&req(source, "mermaid-2", &links)).unwrap();
        let (ia, ib) = (ids(&a), ids(&b));
        assert!(!ia.is_empty());
        assert!(
            ia.is_disjoint(&ib),
            "shared ids: {:?}",
            ia.intersection(&ib).collect::<Vec<_>>()
        );
        for id in &ia {
            assert!(id.starts_with("mermaid-1-svg"), "unscoped id {id}");
        }
        for r in a.split("url(#").skip(1).chain(a.split("href=\"#").skip(1)) {
            assert!(
                r.starts_with("mermaid-1"),
                "unscoped reference {}",
                &r[..20.min(r.len())]
            );
        }
    }
}

#[test]
fn css_selectors_are_scoped() {
    let links = no_links();
    let svg = render(&req(SEED, "mermaid-7", &links)).unwrap();
    let css: String = svg
        .split("<style>")
        .skip(1)
        .map(|s| &s[..s.find("</style>").unwrap()])
        .collect();
    assert!(css.contains("foreignObject{overflow:visible;}"));
    for rule in css.split('}').filter(|r| r.contains('{')) {
        let sel = rule.split('{').next().unwrap().trim();
        if sel.is_empty() || sel.starts_with('@') || ["from", "to"].contains(&sel) {
            continue;
        }
        for part in sel.split(',') {
            assert!(
                part.trim().starts_with("#mermaid-7"),
                "unscoped selector {part}"
            );
        }
    }
}

#[test]
fn click_becomes_link() {
    let src = "flowchart TD\n  A[Access control] --> B[Backups]\n  click A \"access-control-policy\" \"Open policy\"\n  click B href \"backup-policy\"\n";
    let clicks = extract_clicks(src).unwrap();
    assert_eq!(
        clicks,
        vec![
            Click {
                node: "A".into(),
                target: "access-control-policy".into(),
                line: 3,
                tooltip: Some("Open policy".into())
            },
            Click {
                node: "B".into(),
                target: "backup-policy".into(),
                line: 4,
                tooltip: None
            },
        ]
    );
    let mut links = BTreeMap::new();
    links.insert("A".to_string(), "access-control-policy.html".to_string());
    let svg = render(&req(src, "mermaid-1", &links)).unwrap();
    assert!(
        svg.contains("<a href=\"access-control-policy.html\""),
        "{svg}"
    );
    assert!(svg.contains("<title>Open policy</title>"));
    // B had no resolved URL: rendered without a link.
    assert_eq!(svg.matches("<a ").count(), 1);
}

#[test]
fn class_diagram_links_and_front_matter() {
    let src = "---\ntitle: Controls\n---\n%% comment\nclassDiagram\n  class Policy\n  class Control\n  Policy --> Control\n  click Policy href \"isms-policy\"\n  link Control \"control-catalogue\"\n";
    let clicks = extract_clicks(src).unwrap();
    assert_eq!(
        clicks
            .iter()
            .map(|c| (c.node.as_str(), c.target.as_str(), c.line))
            .collect::<Vec<_>>(),
        vec![
            ("Policy", "isms-policy", 9),
            ("Control", "control-catalogue", 10)
        ]
    );
    let mut links = BTreeMap::new();
    links.insert("Policy".to_string(), "isms-policy.html".to_string());
    links.insert("Control".to_string(), "control-catalogue.html".to_string());
    let svg = render(&req(src, "mermaid-5", &links)).unwrap();
    assert!(
        svg.contains("href=\"isms-policy.html\"")
            && svg.contains("href=\"control-catalogue.html\""),
        "{svg}"
    );
    // Other kinds have no clicks; a node called `click` in a sequence diagram is not one.
    assert!(
        extract_clicks("sequenceDiagram\n  click->>B: hi\n")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn click_callbacks_are_errors() {
    for src in [
        "graph TD\n  A-->B\n  click A callback\n",
        "graph TD\n  A-->B\n  click A call go()\n",
    ] {
        let err = extract_clicks(src).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("callback"), "{err}");
        let links = no_links();
        assert!(render(&req(src, "m", &links)).is_err());
    }
    assert_eq!(
        extract_clicks("graph TD\n  click A\n").unwrap_err().line,
        Some(2)
    );
    assert!(extract_clicks("graph TD\n  click A \"x\" \"tip\" _blank;\n").is_ok());
}

#[test]
fn malformed_input_reports_line() {
    let links = no_links();
    let err = render(&req(
        "graph LR\n    A --> B\n    B --> --> C\n    C --> D\n",
        "m",
        &links,
    ))
    .unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    assert!(err.message.contains("parse error"), "{err}");
    let err = render(&req(
        "sequenceDiagram\n  Alice->>Bob: hi\n  Bob-->>: oops\n",
        "m",
        &links,
    ))
    .unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    let err = render(&req("pie\n  \"a\" : x\n", "m", &links)).unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
    let gantt = "gantt\n  dateFormat YYYY-MM-DD\n  section S\n  Task :a1, notadate, 3d\n";
    assert_eq!(render(&req(gantt, "m", &links)).unwrap_err().line, Some(4));
}

#[test]
fn unsupported_kind_is_named() {
    let links = no_links();
    let err = render(&req("%% comment\ngitGraph\n  commit\n", "m", &links)).unwrap_err();
    assert!(err.message.contains("`gitGraph`"), "{err}");
    assert_eq!(err.line, Some(2));
    assert!(err.help.unwrap().contains("sequenceDiagram"));
    assert!(render(&req("", "m", &links)).is_err());
    assert!(
        render(&req("hello world", "m", &links))
            .unwrap_err()
            .message
            .contains("`hello`")
    );
}

#[test]
fn accessibility_from_source() {
    let links = no_links();
    let src =
        "flowchart TD\n  accTitle: Incident flow\n  accDescr: From report to closure\n  A-->B\n";
    let svg = render(&req(src, "mermaid-4", &links)).unwrap();
    let root = &svg[..svg.find('>').unwrap()];
    assert!(root.contains("role=\"img\""));
    assert!(root.contains("aria-labelledby=\"mermaid-4-"));
    assert!(root.contains("aria-describedby=\"mermaid-4-"));
    assert!(
        svg.contains(">Incident flow</title>") && svg.contains(">From report to closure</desc>")
    );
    assert!(!svg.contains("Management review"));
}

#[test]
fn deterministic() {
    let links = no_links();
    let a = render(&req(SEED, "mermaid-1", &links)).unwrap();
    let b = render(&req(SEED, "mermaid-1", &links)).unwrap();
    assert_eq!(a, b);
    let gantt = "gantt\n  dateFormat YYYY-MM-DD\n  section A\n  Task :a1, 2024-01-01, 3d\n";
    assert_eq!(
        render(&req(gantt, "g", &links)).unwrap(),
        render(&req(gantt, "g", &links)).unwrap()
    );
}

#[test]
fn root_is_normalised() {
    let out = postprocess(
        "<svg id=\"p\" width=\"800\" height=\"600\" viewBox=\"0 0 800 600\" style=\"background: white\" role=\"graphics-document document\"><g id=\"n\" fill=\"#eee\"/><use href=\"#n\"/></svg>",
        "p",
        "Label & more",
    );
    assert_eq!(
        out,
        "<svg id=\"p\" width=\"100%\" viewBox=\"0 0 800 600\" style=\"background: var(--pb-diagram-bg, #fff); max-width: 800px;\" role=\"img\" aria-labelledby=\"p-title\">\
         <title id=\"p-title\">Label &amp; more</title>\
         <g id=\"p-n\" fill=\"var(--pb-diagram-node, color-mix(in srgb, var(--pb-diagram-fg, #000) 6.7%, var(--pb-diagram-bg, #fff)))\"/><use href=\"#p-n\"/></svg>"
    );
}

#[test]
fn colours_become_variables() {
    assert_eq!(themed_colors("#fff"), "var(--pb-diagram-bg, #fff)");
    assert_eq!(themed_colors("#000000"), "var(--pb-diagram-fg, #000)");
    assert_eq!(
        themed_colors("1px solid #999"),
        "1px solid var(--pb-diagram-border, color-mix(in srgb, var(--pb-diagram-fg, #000) 40%, var(--pb-diagram-bg, #fff)))"
    );
    assert_eq!(
        themed_colors("#333"),
        "color-mix(in srgb, var(--pb-diagram-fg, #000) 80%, var(--pb-diagram-bg, #fff))"
    );
    assert!(themed_colors("hsl(0, 0%, 98.9%)").starts_with("var(--pb-diagram-cluster, color-mix"));
    assert_eq!(themed_colors("#f96"), "#f96");
    assert_eq!(
        themed_colors("rgba(255, 255, 255, 0.5)"),
        "color-mix(in srgb, var(--pb-diagram-bg, #fff) 50%, transparent)"
    );
    assert_eq!(themed_colors("url(#abc)"), "url(#abc)");
    assert_eq!(themed_colors("whitesmoke"), "whitesmoke");
}

#[test]
fn garbage_never_panics() {
    let links = no_links();
    let mut inputs: Vec<String> = vec![
        "graph".into(),
        "graph TD\n".into(),
        "flowchart LR\n A-->".into(),
        "flowchart LR\n subgraph\n".into(),
        "sequenceDiagram\n loop\n".into(),
        "stateDiagram-v2\n [*] --> [*]\n state X {\n".into(),
        "gantt\n dateFormat X\n task: a, b, c\n".into(),
        "pie\n \"a\": -1\n".into(),
        "quadrantChart\n point: [2, -3]\n".into(),
        "mindmap\n".into(),
        "mindmap\n    a\n  b\n c\n".into(),
        "journey\n section\n x: y: z\n".into(),
        "erDiagram\n A ||--|| \n".into(),
        "classDiagram\n class A {\n".into(),
        "timeline\n : : :\n".into(),
        "graph TD\n A[\"\u{0}\u{fffd}\"]-->B((((\n".into(),
        "---\ntitle: [\n---\ngraph TD\nA-->B\n".into(),
        "%%{init: {\"theme\": 5}}%%\ngraph TD\nA-->B\n".into(),
    ];
    // Deterministic pseudo-random mutations of valid sources.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for base in [
        SEED,
        "sequenceDiagram\n A->>B: x\n",
        "stateDiagram-v2\n [*] --> A\n",
        "classDiagram\n A <|-- B\n",
    ] {
        for _ in 0..40 {
            let mut bytes: Vec<char> = base.chars().collect();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let pos = (seed as usize) % bytes.len();
                let ch = b"-<>[](){}|:;\"%\n #xo"[(seed >> 32) as usize % 19] as char;
                if seed & 1 == 0 {
                    bytes[pos] = ch
                } else {
                    bytes.insert(pos, ch)
                }
            }
            inputs.push(bytes.into_iter().collect());
        }
    }
    for src in &inputs {
        let _ = render(&req(src, "fuzz", &links));
    }
}

#[test]
fn parallel_renders_agree() {
    // Many threads rendering and sharing one cache directory at once.
    let links = no_links();
    let expected = render(&req(SEED, "mermaid-1", &links)).unwrap();
    let dir = temp_dir("parallel");
    let cache = DiagramCache::open(&dir);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    (0..4)
                        .map(|_| {
                            cache
                                .get_or_render(&req(SEED, "mermaid-1", &links))
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().unwrap().iter().all(|s| *s == expected));
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pb-diagram-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn cache_hit_and_corrupt_entry() {
    let dir = temp_dir("hit");
    let cache = DiagramCache::open(&dir);
    let links = no_links();
    let r = req(SEED, "mermaid-1", &links);
    let first = cache.get_or_render(&r).unwrap();
    assert_eq!(first, render(&r).unwrap());
    let path = cache.entry_path(&DiagramCache::key(&r));
    assert!(path.exists());
    // A hit is served from disk: prove it by planting a valid entry with other content.
    let planted = "<svg id=\"mermaid-1\">planted</svg>";
    cache.write(&DiagramCache::key(&r), planted).unwrap();
    assert_eq!(cache.get_or_render(&r).unwrap(), planted);
    // Corrupt entries (truncated, garbage, binary, a directory) are re-rendered.
    let good = std::fs::read(&path).unwrap();
    for bad in [
        &good[..good.len() / 2],
        b"garbage".as_slice(),
        &[0xff, 0xfe, 0x00][..],
    ] {
        std::fs::write(&path, bad).unwrap();
        assert_eq!(cache.get_or_render(&r).unwrap(), first);
    }
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir_all(&path).unwrap();
    assert_eq!(cache.get_or_render(&r).unwrap(), first);
    // Different options → different key.
    let other = DiagramRequest {
        id_prefix: "mermaid-2",
        ..r
    };
    assert_ne!(DiagramCache::key(&r), DiagramCache::key(&other));
    // No temp files left behind.
    assert!(
        std::fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".tmp"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cache_in_unwritable_place_still_renders() {
    let file = temp_dir("file");
    std::fs::write(&file, "not a dir").unwrap();
    let cache = DiagramCache::open(&file.join("sub"));
    let links = no_links();
    assert!(
        cache
            .get_or_render(&req(SEED, "m", &links))
            .unwrap()
            .contains("Follow up")
    );
    let _ = std::fs::remove_file(&file);
}
