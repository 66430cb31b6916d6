//! `serve`: incremental rebuilds equal full builds, broken edits keep the last good site, and the
//! HTTP server reloads pages, shows errors and stays inside the site.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use policybook::project::{Project, Settings};
use policybook::serve::watch::Change;
use policybook::serve::{Event, Live, MemorySite, Rebuild};

use crate::support::{Book, alias_bomb, doc};

fn settings(book: &Book) -> Settings {
    Settings {
        root: book.path().to_path_buf(),
        strict: false,
        verbose: false,
        today: Some("2026-11-22".parse().unwrap()),
        history_at: None,
        snapshot: None,
    }
}

fn sample() -> Book {
    Book::new()
        .doc(
            "policies/a-policy.md",
            &doc("a-policy", "A policy", "## Rules\n\nSee [b-policy]."),
        )
        .doc(
            "policies/b-policy.md",
            &doc("b-policy", "B policy", "## Scope\n\nSee [c-policy#terms]."),
        )
        .doc(
            "policies/c-policy.md",
            &doc("c-policy", "C policy", "## Terms\n\nPlain."),
        )
        .doc(
            "soa.yaml",
            "controls:\n  A.5.1: {applicable: true, status: implemented}\n",
        )
}

fn edit(paths: &[&str]) -> Change {
    Change::Content {
        documents: paths.iter().map(|p| p.to_string()).collect(),
        others: Vec::new(),
    }
}

fn full_build(book: &Book) -> MemorySite {
    MemorySite::build(&Project::analyse(settings(book)).unwrap()).unwrap()
}

#[test]
fn a_body_edit_is_incremental_and_equals_a_full_build() {
    let book = sample();
    let mut live = Live::start(settings(&book)).unwrap();
    assert!(live.errors.is_none());
    // a-policy stops referencing b-policy and starts referencing c-policy: three pages change.
    let book = book.doc(
        "policies/a-policy.md",
        &doc(
            "a-policy",
            "A policy",
            "## Rules\n\nNow see [c-policy] instead.\n\n## More\n",
        ),
    );
    let event = live.apply(&edit(&["policies/a-policy.md"]));
    assert_eq!(event, Some(Event::Reload));
    assert_eq!(live.last, Rebuild::Incremental { pages: 3 });
    assert_eq!(live.refresh(), None);
    assert_eq!(
        live.site,
        full_build(&book),
        "incremental output is byte-identical to a full build"
    );
}

#[test]
fn frontmatter_edits_and_new_files_rebuild_everything() {
    let book = sample();
    let mut live = Live::start(settings(&book)).unwrap();
    let book = book.doc(
        "policies/c-policy.md",
        &doc("c-policy", "C policy, renamed", "## Terms\n\nPlain."),
    );
    live.apply(&edit(&["policies/c-policy.md"]));
    assert_eq!(live.last, Rebuild::Full);
    let page = String::from_utf8(match live.site.get("b-policy.html").unwrap() {
        policybook::serve::Entry::Bytes(b) => b.to_vec(),
        _ => unreachable!(),
    })
    .unwrap();
    assert!(
        page.contains("C policy, renamed"),
        "referencing pages show the new title"
    );
    let book = book.doc("policies/d-policy.md", &doc("d-policy", "D", "x"));
    live.apply(&edit(&["policies/d-policy.md"]));
    assert_eq!(live.last, Rebuild::Full);
    assert_eq!(live.site, full_build(&book));
}

#[test]
fn a_broken_edit_keeps_the_last_good_site_until_fixed() {
    let book = sample();
    let mut live = Live::start(settings(&book)).unwrap();
    let before = live.site.get("a-policy.html").cloned();
    let book = book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "## Rules\n\nSee [b-polcy]."),
    );
    let event = live.apply(&edit(&["policies/a-policy.md"]));
    let Some(Event::Errors(text)) = event else {
        panic!("{event:?}")
    };
    assert!(text.contains("content/policies/a-policy.md:8:5"), "{text}");
    assert!(text.contains("did you mean `[b-policy]`"), "{text}");
    assert_eq!(
        live.site.get("a-policy.html").cloned(),
        before,
        "last good page still served"
    );
    assert_eq!(live.refresh(), None);

    let book = book.doc(
        "policies/a-policy.md",
        &doc(
            "a-policy",
            "A policy",
            "## Rules\n\nSee [b-policy] and [c-policy].",
        ),
    );
    assert_eq!(
        live.apply(&edit(&["policies/a-policy.md"])),
        Some(Event::Reload)
    );
    assert_eq!(live.refresh(), None);
    assert!(live.errors.is_none());
    assert_eq!(live.site, full_build(&book));
}

#[test]
fn an_editors_temporary_file_is_ignored() {
    let book = sample();
    let mut live = Live::start(settings(&book)).unwrap();
    let change = Change::Content {
        documents: Vec::new(),
        others: vec!["policies/.#a-policy.md".into(), "policies/sedX1b2c3".into()],
    };
    assert_eq!(live.apply(&change), None);
}

/// A running `policybook serve`, stopped (by its own pid) when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(book: &Book) -> Server {
    start_with(book, &[])
}

/// Start `policybook serve` on `book` with extra environment variables, at a free port.
fn start_with(book: &Book, env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policybook"))
        .args(["serve", "--port", "0", "--today", "2026-11-22"])
        .envs(env.iter().copied())
        .current_dir(book.path())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        assert!(Instant::now() < deadline, "serve did not start");
        let line = lines.next().expect("serve exited").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || lines.for_each(drop)); // keep draining stderr
    Server { child, port }
}

fn request(port: u16, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    (status, response)
}

/// Connect to the event stream and return a reader positioned after the initial event.
fn events(port: u16) -> BufReader<TcpStream> {
    events_within(port, Duration::from_secs(15))
}

/// [`events`], waiting up to `timeout` for each event.
fn events_within(port: u16, timeout: Duration) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(timeout)).unwrap();
    write!(
        stream,
        "GET /__policybook/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    next_event(&mut reader);
    reader
}

/// The name and data of the next event (keep-alive comments skipped); bounded by the read timeout.
/// Every event must carry a data line: browsers drop events whose data is empty.
fn next_event(reader: &mut BufReader<TcpStream>) -> (String, String) {
    let (mut name, mut data) = (String::new(), None::<String>);
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .expect("event before the timeout");
        assert!(n > 0, "event stream closed");
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(v) = line.strip_prefix("event: ") {
            name = v.to_string();
        } else if let Some(v) = line.strip_prefix("data: ") {
            let data = data.get_or_insert_with(String::new);
            data.push_str(v);
            data.push('\n');
        } else if line.is_empty() && !name.is_empty() {
            let data = data.unwrap_or_default();
            assert!(
                !data.trim().is_empty(),
                "event `{name}` has no data, so a browser would drop it"
            );
            return (name, data);
        }
    }
}

#[test]
fn serves_reloads_shows_errors_and_stays_inside_the_site() {
    let book = sample();
    let server = start(&book);
    let port = server.port;

    let (status, page) = request(port, "GET", "/a-policy.html");
    assert_eq!(status, 200);
    assert!(
        page.contains("content-type: text/html; charset=utf-8"),
        "{page}"
    );
    assert!(page.contains(r#"<script src="/__policybook/live.js" data-generation="1"></script>"#));
    assert!(page.contains(r#"<link rel="stylesheet" href="/__policybook/overlay.css">"#));
    let (status, css) = request(port, "GET", "/__policybook/overlay.css");
    assert_eq!(status, 200);
    assert!(css.contains("text/css") && css.contains("#policybook-overlay pre"));
    assert_eq!(request(port, "GET", "/").0, 200);
    assert!(
        request(port, "GET", "/static/style.css")
            .1
            .contains("text/css")
    );

    let mut stream = events(port);
    let book = book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "## Rules\n\nFreshly edited text."),
    );
    assert_eq!(next_event(&mut stream).0, "reload");
    assert!(
        request(port, "GET", "/a-policy.html")
            .1
            .contains("Freshly edited text.")
    );

    let book = book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "Broken [nowhere-policy]."),
    );
    let (name, data) = next_event(&mut stream);
    assert_eq!(name, "errors");
    assert!(
        data.contains("no document has the id `nowhere-policy`"),
        "{data}"
    );
    let (status, page) = request(port, "GET", "/a-policy.html");
    assert_eq!(status, 200, "the server keeps running");
    assert!(page.contains("Freshly edited text."), "last good page");
    assert!(
        request(port, "GET", "/__policybook/status")
            .1
            .contains("nowhere-policy")
    );

    let _book = book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "Fixed."),
    );
    assert_eq!(next_event(&mut stream).0, "reload");
    assert!(request(port, "GET", "/a-policy.html").1.contains("Fixed."));

    for evil in [
        "/../book.toml",
        "/%2e%2e/book.toml",
        "/..%2fbook.toml",
        "/content/policies/a-policy.md",
    ] {
        assert_eq!(request(port, "GET", evil).0, 404, "{evil}");
    }
    let (status, response) = request(port, "POST", "/a-policy.html");
    assert_eq!(status, 405);
    assert!(response.to_lowercase().contains("allow: get, head"));
    let (status, head) = request(port, "HEAD", "/a-policy.html");
    assert_eq!(status, 200);
    assert!(!head.contains("Fixed."), "HEAD has no body");
}

#[test]
fn a_first_build_with_errors_answers_every_page_with_them_until_fixed() {
    let book = sample().doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "See [nowhere-policy]."),
    );
    let server = start(&book);
    let port = server.port;
    for path in ["/", "/a-policy.html", "/no-such-page.html", "/handbook/"] {
        let (status, page) = request(port, "GET", path);
        assert_eq!(status, 500, "{path}: not the site, and not a bare 404");
        assert!(page.contains("content-type: text/html"), "{page}");
        assert!(
            page.contains(
                "content/policies/a-policy.md:6:5: error: no document has the id `nowhere-policy`"
            ),
            "{page}"
        );
        assert!(
            page.contains(r#"<script src="/__policybook/live.js" data-generation="0">"#),
            "the page follows the fix: {page}"
        );
    }
    let (status, text) = request(port, "GET", "/static/style.css");
    assert_eq!(status, 500);
    assert!(text.contains("nowhere-policy"), "{text}");

    let mut stream = events(port);
    let _book = book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "Fixed at last."),
    );
    assert_eq!(next_event(&mut stream).0, "reload");
    let (status, page) = request(port, "GET", "/a-policy.html");
    assert_eq!(status, 200);
    assert!(page.contains("Fixed at last."));
    assert!(page.contains(r#"data-generation="1""#), "{page}");
    for path in ["/", "/b-policy.html", "/static/style.css", "/print.html"] {
        assert_eq!(
            request(port, "GET", path).0,
            200,
            "the whole site is built: {path}"
        );
    }
}

#[test]
fn a_panicking_rebuild_keeps_the_last_good_site_and_reports_the_panic() {
    let book = sample();
    let server = start_with(&book, &[("POLICYBOOK_TEST_PANIC", "1")]);
    let port = server.port;
    let mut stream = events(port);
    let panicked = |stream: &mut BufReader<TcpStream>| {
        let (name, data) = next_event(stream);
        assert_eq!(name, "errors");
        assert!(
            data.contains("internal error while rebuilding: the test hook found POLICYBOOK-TEST-PANIC; please report it"),
            "{data}"
        );
        let (status, page) = request(port, "GET", "/a-policy.html");
        assert_eq!(status, 200, "the server is alive");
        assert!(page.contains("b-policy.html"), "the last good page: {page}");
        assert!(!page.contains("POLICYBOOK-TEST-PANIC"), "{page}");
        let (_, state) = request(port, "GET", "/__policybook/status");
        assert!(state.contains("internal error while rebuilding"), "{state}");
    };

    // A body edit (re-rendered in place) whose rebuild panics, then a frontmatter edit (analysed again).
    let book = book.doc(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", "## Rules\n\nPOLICYBOOK-TEST-PANIC"),
    );
    panicked(&mut stream);
    let book = book.doc(
        "policies/a-policy.md",
        &doc(
            "a-policy",
            "A POLICYBOOK-TEST-PANIC",
            "## Rules\n\nSee [b-policy].",
        ),
    );
    panicked(&mut stream);

    let _book = book.doc(
        "policies/a-policy.md",
        &doc(
            "a-policy",
            "A policy",
            "## Rules\n\nRecovered; see [c-policy].",
        ),
    );
    assert_eq!(next_event(&mut stream).0, "reload");
    let (status, page) = request(port, "GET", "/a-policy.html");
    assert_eq!(status, 200);
    assert!(page.contains("Recovered;"), "{page}");
    let (_, state) = request(port, "GET", "/__policybook/status");
    assert!(state.contains(r#""errors":null"#), "{state}");
    assert!(
        request(port, "GET", "/c-policy.html")
            .1
            .contains("a-policy.html"),
        "the other pages are rebuilt too (c-policy is now referenced by a-policy)"
    );
}

/// Save `text` as content file `rel` into a running server, wait for it to be rebuilt (bounded,
/// generously: these inputs are large), then check the server still answers and whether it reports
/// an error.
fn survives(rel: &str, text: &str, error: bool) {
    let book = sample();
    let server = start(&book);
    let port = server.port;
    let mut stream = events_within(port, Duration::from_secs(300));
    let _book = book.doc(rel, text);
    let (name, data) = next_event(&mut stream);
    assert_eq!(
        name,
        if error { "errors" } else { "reload" },
        "{}",
        &data[..data.len().min(2000)]
    );
    if error {
        assert!(
            data.contains(&format!("content/{rel}")),
            "names the file: {data}"
        );
    }
    let (status, page) = request(port, "GET", "/a-policy.html");
    assert_eq!(status, 200, "the server answers");
    assert!(page.contains("A policy"));
    let (status, state) = request(port, "GET", "/__policybook/status");
    assert_eq!(status, 200);
    assert_eq!(state.contains(r#""errors":null"#), !error, "{state}");
}

fn frontmatter_with(yaml: &str) -> String {
    format!("---\nid: a-policy\ntitle: A policy\n{yaml}---\n\nBody.\n")
}

#[test]
fn serve_survives_frontmatter_nested_20000_levels_deep() {
    // Compact block sequences (`- - - …`): 20,000 levels in 40 kB.
    let nested = format!("x:\n{}deep\n", "- ".repeat(20_000));
    survives("policies/a-policy.md", &frontmatter_with(&nested), true);
}

#[test]
fn serve_survives_an_alias_bomb_in_frontmatter() {
    survives(
        "policies/a-policy.md",
        &frontmatter_with(&alias_bomb()),
        true,
    );
}

#[test]
fn serve_survives_an_alias_bomb_in_the_soa() {
    survives(
        "soa.yaml",
        &format!(
            "{}controls:\n  A.5.1: {{applicable: true, status: implemented}}\n",
            alias_bomb()
        ),
        true,
    );
}

#[test]
fn serve_survives_a_thousand_unknown_references_on_one_line() {
    let line: Vec<String> = (0..1000).map(|i| format!("[missing-{i}]")).collect();
    survives(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", &line.join(" ")),
        true,
    );
}

#[test]
fn serve_survives_ten_thousand_identical_headings() {
    survives(
        "policies/a-policy.md",
        &doc("a-policy", "A policy", &"## Same\n\n".repeat(10_000)),
        false,
    );
}

#[test]
fn a_broken_theme_keeps_the_last_good_site_and_is_remembered_until_fixed() {
    let book = sample();
    let mut live = Live::start(settings(&book)).unwrap();
    let before = live.site.get("a-policy.html").cloned();
    let book = book.file("themes/default/templates/base.html", "{% if %}");
    let Some(Event::Errors(text)) = live.apply(&Change::Everything) else {
        panic!("a broken template is reported")
    };
    assert!(text.starts_with("error: theme `default`"), "{text}");
    assert_eq!(
        live.errors.as_deref(),
        Some(text.as_str()),
        "new pages see it too"
    );
    assert_eq!(live.site.get("a-policy.html").cloned(), before);

    std::fs::remove_dir_all(book.path().join("themes")).unwrap();
    assert_eq!(live.apply(&Change::Everything), Some(Event::Reload));
    assert!(live.errors.is_none());
    assert_eq!(live.site, full_build(&book));
}
