//! `.docx` files built here with the `zip` crate (no binary fixtures), one feature per test.

use std::io::{Cursor, Write};

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

const STYLES: &str = r#"<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Heading1"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Kop3"><w:name w:val="heading 3"/></w:style>
<w:style w:type="paragraph" w:styleId="Fancy"><w:name w:val="Fancy quote"/></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet2"><w:name w:val="List Bullet 2"/><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>
<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>
</w:styles>"#;

const NUMBERING: &str = r#"<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="10">
  <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
  <w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/></w:lvl>
  <w:lvl w:ilvl="2"><w:numFmt w:val="bullet"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="20">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="10"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="20"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="10"/></w:num>
</w:numbering>"#;

/// A `.docx` under construction: the body XML plus whatever parts a test adds.
struct Docx {
    body: String,
    rels: Vec<(String, String, String, bool)>,
    parts: Vec<(String, Vec<u8>)>,
}

fn docx(body: &str) -> Docx {
    Docx {
        body: body.to_string(),
        rels: vec![
            (
                "rIdStyles".into(),
                "styles".into(),
                "styles.xml".into(),
                false,
            ),
            (
                "rIdNum".into(),
                "numbering".into(),
                "numbering.xml".into(),
                false,
            ),
        ],
        parts: vec![
            ("word/styles.xml".into(), STYLES.as_bytes().to_vec()),
            ("word/numbering.xml".into(), NUMBERING.as_bytes().to_vec()),
        ],
    }
}

impl Docx {
    fn rel(mut self, id: &str, kind: &str, target: &str, external: bool) -> Self {
        self.rels
            .push((id.into(), kind.into(), target.into(), external));
        self
    }

    fn part(mut self, name: &str, bytes: &[u8]) -> Self {
        self.parts.push((name.into(), bytes.to_vec()));
        self
    }

    fn document_xml(&self) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>{}<w:sectPr/></w:body></w:document>"#,
            self.body
        )
    }

    fn bytes(&self) -> Vec<u8> {
        let rels: String = self
            .rels
            .iter()
            .map(|(id, kind, target, external)| {
                let mode = if *external {
                    r#" TargetMode="External""#
                } else {
                    ""
                };
                format!(
                    r#"<Relationship Id="{id}" Type="{REL}/{kind}" Target="{}"{mode}/>"#,
                    target.replace('&', "&amp;")
                )
            })
            .collect();
        let mut files: Vec<(String, Vec<u8>)> = vec![
            (
                "[Content_Types].xml".into(),
                br#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#.to_vec(),
            ),
            (
                "_rels/.rels".into(),
                format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>"#).into_bytes(),
            ),
            ("word/document.xml".into(), self.document_xml().into_bytes()),
            (
                "word/_rels/document.xml.rels".into(),
                format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#).into_bytes(),
            ),
        ];
        files.extend(self.parts.iter().cloned());
        zip_of(&files)
    }

    fn convert(&self) -> DocxDocument {
        convert_with(&self.bytes(), &DocxOptions::default())
    }
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn convert_with(bytes: &[u8], options: &DocxOptions) -> DocxDocument {
    match convert(bytes, "Access Control Policy.docx", options) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn problem(bytes: &[u8], options: &DocxOptions) -> Problem {
    match convert(bytes, "x.docx", options) {
        Ok(d) => panic!("expected an error, got {d:?}"),
        Err(e) => e.problem,
    }
}

fn p(style: &str, runs: &str) -> String {
    let ppr = if style.is_empty() {
        String::new()
    } else {
        format!(r#"<w:pPr><w:pStyle w:val="{style}"/></w:pPr>"#)
    };
    format!("<w:p>{ppr}{runs}</w:p>")
}

/// A run of text (XML-escaped here).
fn r(text: &str) -> String {
    let text = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    raw_run(&text)
}

fn raw_run(xml: &str) -> String {
    format!(r#"<w:r><w:t xml:space="preserve">{xml}</w:t></w:r>"#)
}

fn li(num: u8, level: u8, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>{}</w:p>"#,
        r(text)
    )
}

fn row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!("<w:tc>{}</w:tc>", p("", &r(c))))
        .collect();
    format!("<w:tr>{cells}</w:tr>")
}

fn table(rows: &[&[&str]]) -> String {
    let rows: String = rows.iter().map(|cells| row(cells)).collect();
    format!("<w:tbl><w:tblPr/>{rows}</w:tbl>")
}

fn field<'a>(d: &'a DocxDocument, name: &str) -> Option<&'a str> {
    d.fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn reported(d: &DocxDocument, needle: &str) -> bool {
    d.report.iter().any(|l| l.message.contains(needle))
}

#[test]
fn headings_paragraphs_emphasis_links_and_breaks() {
    let body = [
        p("Title", &r("Access Control Policy")),
        p("Heading1", &r("Purpose")),
        p(
            "",
            &format!(
                r#"{}<w:r><w:rPr><w:b/></w:rPr><w:t>must</w:t></w:r>{}<w:r><w:rPr><w:i/></w:rPr><w:t xml:space="preserve">all </w:t></w:r>{}<w:hyperlink r:id="rIdLink"><w:r><w:t>the standard</w:t></w:r></w:hyperlink>{}"#,
                r("Staff "),
                r(" follow "),
                r("rules in "),
                r(".")
            ),
        ),
        p("Heading2", &r("Scope [all]")),
        p(
            "Fancy",
            &format!(r#"{}<w:r><w:br/></w:r>{}"#, r("Line one"), r("# not a heading")),
        ),
        p("Kop3", &r("Details")),
        p(
            "",
            r#"<w:r><w:rPr><w:rStyle w:val="Strong"/></w:rPr><w:t>Strong</w:t></w:r><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t xml:space="preserve"> plain *star* 1. x</w:t></w:r>"#,
        ),
    ]
    .concat();
    let d = docx(&body)
        .rel(
            "rIdLink",
            "hyperlink",
            "https://example.com/a b?x=1&y=2",
            true,
        )
        .convert();
    assert_eq!(
        d.markdown,
        "## Purpose\n\n\
         Staff **must** follow *all* rules in [the standard](<https://example.com/a b?x=1&y=2>).\n\n\
         ### Scope \\[all\\]\n\n\
         Line one\\\n\\# not a heading\n\n\
         #### Details\n\n\
         **Strong** plain \\*star\\* 1. x\n"
    );
    assert_eq!(field(&d, "title"), Some("Access Control Policy"));
    assert_eq!(field(&d, "id"), Some("access-control-policy"));
}

#[test]
fn the_markdown_renders_with_the_expected_headings() {
    let body = [
        p("Title", &r("Backup policy")),
        p("Heading1", &r("1. Purpose")),
        p("", &r("Text with | pipe and <tag> & [ref]")),
        li(1, 0, "item"),
        p("Heading2", &r("Scope #1 {#x}")),
        table(&[&["A", "B|C"], &["1", "2"]]),
    ]
    .concat();
    let d = docx(&body).convert();
    let mut headings = Vec::new();
    let mut current: Option<(HeadingLevel, String)> = None;
    let mut tables = 0;
    for event in Parser::new_ext(&d.markdown, crate::load::markdown::options()) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => current = Some((level, String::new())),
            Event::Text(t) => {
                if let Some((_, s)) = current.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => headings.extend(current.take()),
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML {h} in {}", d.markdown),
            _ => {}
        }
    }
    assert_eq!(
        headings,
        [
            (HeadingLevel::H2, "1. Purpose".to_string()),
            (HeadingLevel::H3, "Scope #1 {#x}".to_string())
        ]
    );
    assert_eq!(tables, 1, "{}", d.markdown);
    assert!(d.markdown.contains("| A | B\\|C |"), "{}", d.markdown);
}

fn styled(props: &str, text: &str) -> String {
    format!(r#"<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>"#)
}

#[test]
fn emphasis_renders_as_emphasis_next_to_punctuation_too() {
    let cases = [
        [styled("<w:b/>", "bold"), r(" text")].concat(),
        [r("un"), styled("<w:i/>", "believ"), r("able")].concat(),
        [r("say"), styled("<w:b/>", "\"no\""), r("now")].concat(),
        [r("a "), styled("<w:b/><w:i/>", "(both)"), r("b")].concat(),
        [r("shown"), styled("<w:vanish/>", "secret")].concat(),
    ];
    let body: String = cases.iter().map(|runs| p("", runs)).collect();
    let d = docx(&body).convert();
    let html = {
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            Parser::new_ext(&d.markdown, crate::load::markdown::options()),
        );
        html
    };
    assert_eq!(
        html,
        "<p><strong>bold</strong> text</p>\n<p>un<em>believ</em>able</p>\n\
         <p>say<strong>\"no\"</strong>now</p>\n\
         <p>a <strong><em>(both)</em></strong>b</p>\n<p>shown</p>\n",
        "{}",
        d.markdown
    );
    assert!(reported(&d, "hidden text left out: «secret»"));
}

#[test]
fn nested_bullet_and_numbered_lists() {
    let body = [
        p("", &r("Before")),
        li(1, 0, "Fruit"),
        li(1, 1, "Apple"),
        li(1, 2, "Cox"),
        li(1, 0, "Veg"),
        p("ListBullet", &r("From the style")),
        p("ListBullet2", &r("Second level from the style's name")),
        li(2, 0, "Numbered straight after"),
        p("", &r("Between")),
        li(2, 0, "First"),
        li(2, 1, "Sub a"),
        li(2, 1, "Sub b"),
        li(2, 0, "Second"),
        p("", &r("After")),
        li(2, 0, "Third"),
    ]
    .concat();
    let d = docx(&body).convert();
    assert_eq!(
        d.markdown,
        "Before\n\n\
         - Fruit\n  - Apple\n    - Cox\n- Veg\n- From the style\n  - Second level from the style's name\n\n\
         1. Numbered straight after\n\n\
         Between\n\n\
         2. First\n   1. Sub a\n   2. Sub b\n3. Second\n\n\
         After\n\n\
         4. Third\n"
    );
}

#[test]
fn a_skipped_list_level_is_written_one_deeper_and_reported() {
    let d = docx(&[li(1, 0, "a"), li(1, 2, "c")].concat()).convert();
    assert_eq!(d.markdown, "- a\n  - c\n");
    assert!(
        reported(&d, "level 3 directly under level 1"),
        "{:?}",
        d.report
    );
}

#[test]
fn tables_escape_pipes_and_report_merged_cells() {
    let merged = r#"<w:tbl>
<w:tr><w:tc><w:p><w:r><w:t>Asset</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Owner</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Notes</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>Laptops | phones</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>One</w:t></w:r></w:p><w:p><w:r><w:t>Two</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Servers</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>IT</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>
</w:tbl>"#;
    let d = docx(&format!("{}{merged}", p("Heading1", &r("Assets")))).convert();
    assert!(
        d.markdown.contains(
            "| Asset | Owner | Notes |\n| --- | --- | --- |\n| Laptops \\| phones |  | One<br>Two |\n| Servers | IT |  |"
        ),
        "{}",
        d.markdown
    );
    let locations: Vec<&str> = d.report.iter().map(|l| l.location.as_str()).collect();
    assert!(locations.contains(&"table 1, row 2"), "{:?}", d.report);
    assert!(locations.contains(&"table 1, row 3"), "{:?}", d.report);
    assert!(reported(&d, "spans 2 columns"));
    assert!(reported(&d, "merged with the cell above"));
}

fn drawing(rel: &str, alt: &str) -> String {
    format!(
        r#"<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" descr="{alt}"/><a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed="{rel}"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"#
    )
}

#[test]
fn images_are_extracted_and_linked() {
    let png = b"\x89PNG\r\n\x1a\nfake";
    let body = [
        p("", &drawing("rIdImg", "Network diagram")),
        p("", &drawing("rIdImg", "")),
        p("", &drawing("rIdMissing", "x")),
    ]
    .concat();
    let d = docx(&body)
        .rel("rIdImg", "image", "media/image1.png", false)
        .rel("rIdUnused", "image", "media/image2.png", false)
        .part("word/media/image1.png", png)
        .part("word/media/image2.png", b"unused")
        .convert();
    assert_eq!(
        d.markdown,
        "![Network diagram](images/access-control-policy-image1.png)\n\n\
         ![](images/access-control-policy-image1.png)\n"
    );
    assert_eq!(
        d.images,
        [("access-control-policy-image1.png".to_string(), png.to_vec())]
    );
    assert!(reported(&d, "has no alternative text"));
    assert!(reported(&d, "`rIdMissing` is not in the file"));
}

fn control_table() -> String {
    table(&[
        &["Document control", ""],
        &["Document ID", "ISMS-POL-007"],
        &["Document Title", "Access Control Policy"],
        &["Version:", "2.1"],
        &["Document Owner", "Head of IT"],
        &["Author", "J. Smith"],
        &["Approved by", "Chief Executive"],
        &["Approval date", "14 March 2025"],
        &["Next review date", "03/04/2026"],
        &["Classification", "Internal Use Only"],
        &["Department", "IT"],
    ])
}

#[test]
fn a_leading_document_control_table_becomes_fields() {
    let body = [
        p("Heading1", &r("Document control")),
        control_table(),
        p("Heading1", &r("Purpose")),
        p("", &r("Why.")),
    ]
    .concat();
    let d = docx(&body).convert();
    let expected: Vec<(String, String)> = [
        ("id", "access-control-policy"),
        ("title", "Access Control Policy"),
        ("reference", "ISMS-POL-007"),
        ("version", "2.1"),
        ("owner", "Head of IT"),
        ("author", "J. Smith"),
        ("approver", "Chief Executive"),
        ("effective", "2025-03-14"),
        ("next_review", "2026-04-03"),
        ("classification", "internal"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(d.fields, expected);
    assert!(crate::load::is_valid_id(
        field(&d, "id").unwrap_or_default()
    ));
    assert_eq!(d.markdown, "## Purpose\n\nWhy.\n");
    assert!(reported(
        &d,
        "`03/04/2026` is ambiguous: read it day first as 3 April 2026"
    ));
    assert!(reported(&d, "«Department: IT» has no policybook field"));
    assert!(!reported(&d, "«Document control"), "{:?}", d.report);
    assert!(reported(
        &d,
        "classification «Internal Use Only» became `internal`"
    ));

    let month_first = DocxOptions {
        date_order: DateOrder::MonthFirst,
        ..DocxOptions::default()
    };
    let d = convert_with(&docx(&body).bytes(), &month_first);
    assert_eq!(field(&d, "next_review"), Some("2026-03-04"));
    assert!(
        reported(&d, "read it month first as 4 March 2026"),
        "{:?}",
        d.report
    );
}

#[test]
fn a_table_after_the_first_heading_stays_in_the_body() {
    let body = [p("Heading1", &r("Roles")), control_table()].concat();
    let d = docx(&body).convert();
    assert_eq!(field(&d, "owner"), None);
    assert!(d.markdown.contains("| Document ID | ISMS-POL-007 |"));
}

#[test]
fn dates_in_common_forms() {
    let day_first = DateOrder::DayFirst;
    let read = |raw: &str, order| parse_date_iso(raw, order);
    for raw in [
        "14 March 2025",
        "14th March 2025",
        "14 Mar 2025",
        "14-Mar-2025",
        "Friday, 14 March 2025",
        "March 14, 2025",
        "Mar 14th 2025",
        "2025-03-14",
        "2025/03/14",
        "14/03/2025",
        "14.03.2025",
        "14-03-2025",
    ] {
        assert_eq!(read(raw, day_first).as_deref(), Ok("2025-03-14"), "{raw}");
    }
    // The day cannot be a month: read month first whatever the option, and say so.
    let d = control::parse_date("03/14/2025", day_first).map(|d| (d.iso, d.note));
    let (iso, note) = d.unwrap_or_default();
    assert_eq!(iso, "2025-03-14");
    assert!(note.unwrap_or_default().contains("month first"));
    assert_eq!(
        read("05/05/2025", DateOrder::MonthFirst).as_deref(),
        Ok("2025-05-05")
    );
    assert_eq!(
        read("03/04/2025", DateOrder::MonthFirst).as_deref(),
        Ok("2025-03-04")
    );
    assert_eq!(read("03/04/2025", day_first).as_deref(), Ok("2025-04-03"));
    assert_eq!(read("14/03/25", day_first).as_deref(), Ok("2025-03-14"));
    assert_eq!(read("March 2025", day_first).as_deref(), Ok("2025-03-01"));
    for bad in [
        "TBD",
        "31/02/2025",
        "",
        "14 Smarch 2025",
        "1/2/3/4",
        "next year",
    ] {
        assert!(read(bad, day_first).is_err(), "{bad}");
    }
}

fn parse_date_iso(raw: &str, order: DateOrder) -> Result<String, String> {
    control::parse_date(raw, order).map(|d| d.iso)
}

#[test]
fn ids_come_from_titles_and_are_valid() {
    for (title, id) in [
        ("Access Control Policy", "access-control-policy"),
        ("Política de Seguridad (v2)", "politica-de-seguridad-v2"),
        ("Index", "index-document"),
        ("!!!", "my-document"),
    ] {
        let made = control::id_from_title(title);
        assert_eq!(made, id);
        assert!(crate::load::is_valid_id(&made));
    }
    assert!(control::id_from_title(&"word ".repeat(40)).len() <= 60);
}

#[test]
fn a_revision_history_table_is_kept_as_a_section() {
    let history = table(&[
        &["Version", "Date", "Author", "Changes"],
        &["1.0", "01/02/2024", "JS", "First issue"],
    ]);
    let body = [
        p("Title", &r("Backup Policy")),
        history.clone(),
        p("Heading1", &r("Purpose")),
        p("", &r("Why.")),
        p("Heading1", &r("Document history")),
        history,
    ]
    .concat();
    let d = docx(&body).convert();
    let section = "## Revision history\n\n| Version | Date | Author | Changes |\n| --- | --- | --- | --- |\n| 1.0 | 01/02/2024 | JS | First issue |";
    assert_eq!(
        d.markdown,
        format!("## Purpose\n\nWhy.\n\n{section}\n\n{section}\n")
    );
    assert!(reported(&d, "revision history moved to the end"));
}

#[test]
fn the_title_falls_back_to_a_single_top_heading_then_the_file_name() {
    let d = docx(
        &[
            p("Heading1", &r("Clear Desk Policy")),
            p("Heading2", &r("Scope")),
        ]
        .concat(),
    )
    .convert();
    assert_eq!(field(&d, "title"), Some("Clear Desk Policy"));
    assert_eq!(d.markdown, "## Scope\n");

    let d = docx(&[p("Heading1", &r("A")), p("Heading1", &r("B"))].concat()).convert();
    assert_eq!(field(&d, "title"), Some("Access Control Policy"));
    assert!(reported(&d, "used the file name"));
    assert_eq!(d.markdown, "## A\n\n## B\n");
}

#[test]
fn dropped_content_is_reported_with_its_location() {
    let body = [
        p("", &r("Intro")),
        p(
            "",
            &format!(
                r#"{}<w:del w:id="1"><w:r><w:delText>old words</w:delText></w:r></w:del><w:ins w:id="2">{}</w:ins><w:r><w:commentReference w:id="0"/></w:r><w:r><w:footnoteReference w:id="2"/></w:r>"#,
                r("Kept"),
                r(" new")
            ),
        ),
        p(
            "",
            &format!(
                r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DATE \@ "d MMMM yyyy" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>{}<w:r><w:fldChar w:fldCharType="end"/></w:r>"#,
                r("1 May 2025")
            ),
        ),
        p(
            "",
            r#"<w:r><w:drawing><wp:anchor><wp:docPr id="2" name="Text Box 2"/><a:graphic><a:graphicData><w:txbxContent><w:p><w:r><w:t>Boxed text</w:t></w:r></w:p></w:txbxContent></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"#,
        ),
    ]
    .concat();
    let comments = format!(
        r#"<w:comments xmlns:w="{W}"><w:comment w:id="0"><w:p><w:r><w:t>Check this</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    let footnotes = format!(
        r#"<w:footnotes xmlns:w="{W}"><w:footnote w:id="2"><w:p><w:r><w:t>See annex</w:t></w:r></w:p></w:footnote></w:footnotes>"#
    );
    let d = docx(&body)
        .rel("rIdC", "comments", "comments.xml", false)
        .rel("rIdF", "footnotes", "footnotes.xml", false)
        .part("word/comments.xml", comments.as_bytes())
        .part("word/footnotes.xml", footnotes.as_bytes())
        .convert();
    assert_eq!(d.markdown, "Intro\n\nKept new\n\n1 May 2025\n");
    let lines: Vec<(&str, &str)> = d
        .report
        .iter()
        .map(|l| (l.location.as_str(), l.message.as_str()))
        .collect();
    for expected in [
        (
            "paragraph 2 «Kept new»",
            "tracked deletion left out: «old words»",
        ),
        ("paragraph 2 «Kept new»", "tracked insertion accepted"),
        ("paragraph 2 «Kept new»", "comment left out: «Check this»"),
        (
            "paragraph 2 «Kept new»",
            "footnote left out: «See annex»; add it to the text by hand",
        ),
        (
            "paragraph 3 «1 May 2025»",
            "field `DATE \\@ \"d MMMM yyyy\"` kept as the text Word last showed",
        ),
        ("paragraph 4", "text box left out: «Boxed text»"),
    ] {
        assert!(lines.contains(&expected), "{expected:?} not in {lines:#?}");
    }
}

#[test]
fn hyperlink_fields_become_links_and_local_file_links_are_dropped() {
    let body = [
        p(
            "",
            &format!(
                r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> HYPERLINK "https://iso.org/" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>{}<w:r><w:fldChar w:fldCharType="end"/></w:r>"#,
                r("ISO")
            ),
        ),
        p(
            "",
            r#"<w:hyperlink r:id="rIdFile"><w:r><w:t>the other policy</w:t></w:r></w:hyperlink>"#,
        ),
        p(
            "",
            r#"<w:hyperlink r:id="rIdWww"><w:r><w:t>NCSC</w:t></w:r></w:hyperlink>"#,
        ),
        p(
            "",
            r#"<w:hyperlink w:anchor="_Toc1"><w:r><w:t>see Scope</w:t></w:r></w:hyperlink>"#,
        ),
    ]
    .concat();
    let d = docx(&body)
        .rel("rIdFile", "hyperlink", "../Policies/Other.docx", true)
        .rel("rIdWww", "hyperlink", "www.ncsc.gov.uk", true)
        .convert();
    assert_eq!(
        d.markdown,
        "[ISO](https://iso.org/)\n\nthe other policy\n\n[NCSC](https://www.ncsc.gov.uk)\n\nsee Scope\n"
    );
    assert!(reported(
        &d,
        "link to the bookmark `_Toc1` inside the document left out"
    ));
    assert!(reported(
        &d,
        "link to the local file `../Policies/Other.docx` left out"
    ));
}

// ---- hostile input (issue #21) ----

#[test]
fn not_a_zip_an_old_doc_and_a_zip_without_a_document_are_clear_errors() {
    let options = DocxOptions::default();
    assert!(matches!(
        problem(b"hello, not a zip", &options),
        Problem::NotZip(_)
    ));
    let old_doc = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let e = problem(&old_doc, &options);
    assert_eq!(e, Problem::OldWordFormat);
    assert!(e.to_string().contains("save it as .docx"));
    let empty = zip_of(&[("hello.txt".into(), b"hi".to_vec())]);
    assert_eq!(problem(&empty, &options), Problem::MissingDocument);
    let err = convert(&empty, "policies/x.docx", &options).map(|_| ());
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err("policies/x.docx: the zip holds no Word document (no word/document.xml); is it really a .docx?".into())
    );
}

#[test]
fn entries_outside_the_package_are_refused() {
    for name in ["../evil.xml", "/etc/passwd", "word/../../x", "C:\\x"] {
        let mut files = vec![(
            "word/document.xml".to_string(),
            docx("").document_xml().into_bytes(),
        )];
        files.push((name.to_string(), b"x".to_vec()));
        let bytes = zip_of(&files);
        assert_eq!(
            problem(&bytes, &DocxOptions::default()),
            Problem::UnsafeEntryName(name.to_string())
        );
    }
}

#[test]
fn a_declared_entry_count_is_checked_before_the_directory_is_read() {
    let mut bytes = zip_of(&[(
        "word/document.xml".into(),
        docx("").document_xml().into_bytes(),
    )]);
    let eocd = bytes
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .expect("EOCD");
    bytes[eocd + 8..eocd + 12].copy_from_slice(&[0xFE, 0xFF, 0xFE, 0xFF]);
    assert_eq!(
        problem(&bytes, &DocxOptions::default()),
        Problem::TooManyEntries {
            count: 0xFFFE,
            limit: 10_000
        }
    );
}

#[test]
fn too_many_entries_are_refused_before_reading() {
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "word/document.xml".into(),
        docx("").document_xml().into_bytes(),
    )];
    files.extend((0..10_000).map(|i| (format!("junk/{i}"), Vec::new())));
    let bytes = zip_of(&files);
    assert_eq!(
        problem(&bytes, &DocxOptions::default()),
        Problem::TooManyEntries {
            count: 10_001,
            limit: 10_000
        }
    );
}

fn small_limits() -> DocxOptions {
    DocxOptions {
        limits: Limits {
            max_entry_bytes: 1024 * 1024,
            max_total_bytes: 3 * 1024 * 1024 / 2,
            ..Limits::default()
        },
        ..DocxOptions::default()
    }
}

#[test]
fn an_entry_that_unpacks_too_large_is_refused() {
    let mut xml = docx("").document_xml().into_bytes();
    xml.extend(std::iter::repeat_n(b' ', 2 * 1024 * 1024));
    let bytes = zip_of(&[("word/document.xml".into(), xml)]);
    assert!(bytes.len() < 20_000, "the bomb is small: {}", bytes.len());
    assert_eq!(
        problem(&bytes, &small_limits()),
        Problem::EntryTooLarge {
            part: "word/document.xml".into(),
            limit: 1024 * 1024
        }
    );
}

#[test]
fn a_header_that_lies_about_the_size_cannot_make_us_read_more() {
    let mut xml = docx("").document_xml().into_bytes();
    xml.extend(std::iter::repeat_n(b' ', 2 * 1024 * 1024));
    let mut bytes = zip_of(&[("word/document.xml".into(), xml)]);
    // Claim 100 bytes uncompressed in the local header (offset 22) and central directory (24).
    let claim = 100u32.to_le_bytes();
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes
            .windows(4)
            .position(|w| w == signature)
            .expect("header");
        bytes[at + offset..at + offset + 4].copy_from_slice(&claim);
    }
    let e = problem(&bytes, &small_limits());
    assert!(
        matches!(e, Problem::EntryTooLarge { .. } | Problem::Entry { .. }),
        "{e:?}"
    );
}

#[test]
fn the_total_unpacked_size_is_bounded() {
    let png = vec![0u8; 900 * 1024];
    let d = docx(&p("", &drawing("rIdA", "a")))
        .rel("rIdA", "image", "media/a.png", false)
        .rel("rIdB", "image", "media/b.png", false)
        .part("word/media/a.png", &png)
        .part("word/media/b.png", &png);
    assert_eq!(
        problem(&d.bytes(), &small_limits()),
        Problem::TotalTooLarge {
            limit: 3 * 1024 * 1024 / 2
        }
    );
}

#[test]
fn deeply_nested_xml_is_refused() {
    let depth = 100_000;
    let body = format!(
        "{}{}",
        "<w:customXml>".repeat(depth),
        "</w:customXml>".repeat(depth)
    );
    let e = problem(&docx(&body).bytes(), &DocxOptions::default());
    assert_eq!(
        e,
        Problem::TooDeep {
            part: "word/document.xml".into(),
            limit: 256
        }
    );
    // Just within the limit, the walk (which recurses) reads it.
    let depth = 250;
    let body = format!(
        "{}{}{}",
        "<w:customXml>".repeat(depth),
        p("", &r("deep")),
        "</w:customXml>".repeat(depth)
    );
    assert_eq!(docx(&body).convert().markdown, "deep\n");
}

#[test]
fn deeply_nested_fields_are_counted_not_kept_and_still_close() {
    let begin = r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r>"#;
    let end = r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#;
    let runs = format!(
        "{}{}{}{}",
        begin.repeat(20_000),
        r("instruction, not text"),
        end.repeat(20_000),
        r("shown")
    );
    assert_eq!(docx(&p("", &runs)).convert().markdown, "shown\n");
}

#[test]
fn a_doctype_with_entities_is_refused_not_expanded() {
    let mut entities = String::from(r#"<!ENTITY lol "lol">"#);
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        entities.push_str(&format!(
            r#"<!ENTITY lol{i} "{}">"#,
            format!("&{prev};").repeat(10)
        ));
    }
    let xml = format!(
        r#"<?xml version="1.0"?><!DOCTYPE w:document [{entities}]><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#
    );
    let bytes = zip_of(&[("word/document.xml".into(), xml.into_bytes())]);
    let e = problem(&bytes, &DocxOptions::default());
    assert_eq!(
        e,
        Problem::Doctype {
            part: "word/document.xml".into()
        }
    );
    assert!(e.to_string().contains("refusing"));
}

#[test]
fn undeclared_entities_are_dropped_and_character_references_kept() {
    let d = docx(&p("", &raw_run("a&lol9;b &amp; &#169; &#x2014;"))).convert();
    assert_eq!(d.markdown, "ab & © —\n");
}

#[test]
fn malformed_xml_is_an_error_naming_the_part() {
    let bytes = zip_of(&[(
        "word/document.xml".into(),
        b"<w:document><w:body></w:document>".to_vec(),
    )]);
    let e = problem(&bytes, &DocxOptions::default());
    assert!(
        matches!(&e, Problem::Xml { part, .. } if part == "word/document.xml"),
        "{e:?}"
    );
}

/// Mutated documents (markup characters dropped into a document that uses every feature) give a
/// document or an error, never a panic.
#[test]
fn mutated_documents_never_panic() {
    let body = [
        p("Title", &r("Policy")),
        control_table(),
        p("Heading1", &r("Purpose")),
        li(1, 0, "a"),
        li(2, 1, "b"),
        p("", &drawing("rIdImg", "alt")),
        table(&[&["Version", "Date", "Changes"], &["1", "2/3/2024", "x"]]),
        p(
            "",
            r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>HYPERLINK "https://x.org"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#,
        ),
    ]
    .concat();
    let original = docx(&body).rel("rIdImg", "image", "media/i.png", false);
    let xml = original.document_xml().into_bytes();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..300 {
        let mut mutated = xml.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % mutated.len();
            let replacement = b"<>&\"/=x;#\x00\xff "[(next() % 12) as usize];
            match next() % 3 {
                0 => mutated[at] = replacement,
                1 => mutated.insert(at, replacement),
                _ => {
                    mutated.remove(at);
                }
            }
        }
        let mut files = vec![("word/document.xml".to_string(), mutated)];
        files.extend(original.parts.iter().cloned());
        match convert(&zip_of(&files), "m.docx", &DocxOptions::default()) {
            Ok(d) => {
                assert!(crate::load::is_valid_id(
                    field(&d, "id").unwrap_or_default()
                ));
                ok += 1;
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                failed += 1;
            }
        }
    }
    assert!(ok > 0 && failed > 0, "{ok} read, {failed} refused");
}
