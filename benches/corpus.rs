//! A deterministic synthetic handbook: `n` approved documents of four types with `[id]` references,
//! lists, tables, headings and (one in four) a mermaid flowchart. The same `n` always gives the same files.

use std::fmt::Write as _;
use std::path::Path;

const TYPES: [(&str, &str); 4] = [
    ("policy", "policies"),
    ("procedure", "procedures"),
    ("standard", "standards"),
    ("guideline", "guidelines"),
];
const TOPICS: [&str; 16] = [
    "access-control",
    "acceptable-use",
    "asset-management",
    "backup",
    "business-continuity",
    "change-management",
    "cryptography",
    "incident-management",
    "logging",
    "network-security",
    "patch-management",
    "physical-security",
    "remote-working",
    "supplier-security",
    "vulnerability-management",
    "data-retention",
];
const OWNERS: [&str; 5] = [
    "Security Officer",
    "IT Operations Manager",
    "Compliance Officer",
    "Privacy Officer",
    "Head of People",
];
const SENTENCES: [&str; 8] = [
    "Access to clinical systems is granted on a need-to-know basis and reviewed quarterly.",
    "Changes to production systems follow the standard change process and are logged.",
    "Any deviation affecting patient records is treated as a security event and reported at once.",
    "The effectiveness of these measures is measured annually and reported to management.",
    "Exceptions require written approval from the Security Officer and are recorded in the risk register.",
    "Failure to comply may result in disciplinary action or termination of contract.",
    "System administrators keep configuration records for audit purposes.",
    "Suppliers handling personal data sign the data processing agreement before access is granted.",
];

/// A tiny deterministic generator (xorshift), so no crate is needed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn id(i: usize) -> String {
    let (kind, _) = TYPES[i % 4];
    format!("{}-{kind}-{i:05}", TOPICS[(i / 4) % TOPICS.len()])
}

/// Write `n` documents into `root/content/<type>/`, and a `book.toml`.
pub fn generate(root: &Path, n: usize) -> std::io::Result<u64> {
    std::fs::create_dir_all(root)?;
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = \"Synthetic handbook\"\n",
    )?;
    let mut bytes = 0;
    for i in 0..n {
        let (kind, folder) = TYPES[i % 4];
        let mut rng =
            Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut text = String::with_capacity(8192);
        let _ = write!(
            text,
            "---\nid: {}\ntitle: \"{} {kind} {i}\"\ntype: {kind}\nowner: {}\nversion: \"1.{}\"\nstatus: approved\napprover: Chief Executive\neffective: 2026-01-15\nreview_every: 2 years\ncontrols: [A.5.{}, A.8.{}]\n---\n\n",
            id(i),
            TOPICS[(i / 4) % TOPICS.len()].replace('-', " "),
            OWNERS[i % OWNERS.len()],
            i % 7,
            1 + i % 37,
            1 + i % 34,
        );
        for section in [
            "Purpose",
            "Scope",
            "Roles and responsibilities",
            "Requirements",
            "Records",
        ] {
            let _ = writeln!(text, "## {section}\n");
            for _ in 0..3 {
                for _ in 0..4 {
                    text.push_str(SENTENCES[rng.below(SENTENCES.len())]);
                    text.push(' ');
                }
                if n > 1 {
                    let _ = write!(text, "See [{}].", id(rng.below(n)));
                }
                text.push_str("\n\n");
            }
            for _ in 0..4 {
                let _ = writeln!(text, "- {}", SENTENCES[rng.below(SENTENCES.len())]);
            }
            text.push('\n');
        }
        text.push_str("| Role | Responsibility |\n|---|---|\n");
        for owner in OWNERS {
            let _ = writeln!(
                text,
                "| {owner} | {} |",
                SENTENCES[rng.below(SENTENCES.len())]
            );
        }
        if i % 4 == 1 {
            text.push_str("\n## Flow\n\n```mermaid\nflowchart TD\n    A[Request] --> B{Approved?}\n    B -->|yes| C[Grant access]\n    B -->|no| D[Reject]\n    C --> E[Record]\n    D --> E\n    E --> F[Review quarterly]\n    F --> G[Revoke when no longer needed]\n    G --> H[Audit]\n    H --> I[Report]\n    I --> J[Close]\n```\n");
        }
        let dir = root.join("content").join(folder);
        std::fs::create_dir_all(&dir)?;
        bytes += text.len() as u64;
        std::fs::write(dir.join(format!("{}.md", id(i))), text)?;
    }
    Ok(bytes)
}

/// The handbook sizes a benchmark was asked for on its command line (`cargo bench --bench build --
/// 2500`), or 1,000 and 10,000 documents.
pub fn sizes_from_args() -> Vec<usize> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    }
}
