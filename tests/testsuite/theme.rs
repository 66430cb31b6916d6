//! A handbook's own theme: templates and assets override the default file by file, and a broken
//! template stops the build with its name, line and column, leaving the last site in place.

use crate::support::{Book, doc, snapshot};

/// Two documents, one referencing the other, with theme `house`.
fn themed(page_html: &str) -> Book {
    Book::new()
        .file(
            "book.toml",
            "[book]\ntitle = \"T\"\n[build]\ntheme = \"house\"\n",
        )
        .doc(
            "policies/a.md",
            &doc("a-policy", "A policy", "See [b-policy]."),
        )
        .doc("policies/b.md", &doc("b-policy", "B <policy>", "Text."))
        .file("themes/house/templates/page.html", page_html)
        .file("themes/house/static/style.css", "body { color: teal; }\n")
}

#[test]
fn a_theme_overrides_templates_and_assets_and_may_loop_over_the_link_lists() {
    let book = themed(
        r#"{% extends "base.html" %}
{% block content %}<h1 class="house">{{ page.title }}</h1>
<ol class="refs">{% for d in page.references %}<li><a href="{{ d.url }}">{{ d.title }}</a></li>{% endfor %}</ol>
<ol class="back">{% for d in page.referenced_by %}<li>{{ d.id }}</li>{% endfor %}</ol>{% endblock content %}
"#,
    );
    let built = book.build();
    assert!(!built.report.has_errors());
    let a = book.site("a-policy.html");
    assert!(a.contains(r#"<h1 class="house">A policy</h1>"#), "{a}");
    assert!(
        a.contains(
            r#"<ol class="refs"><li><a href="b-policy.html">B &lt;policy&gt;</a></li></ol>"#
        ),
        "{a}"
    );
    assert!(
        book.site("b-policy.html")
            .contains(r#"<ol class="back"><li>a-policy</li></ol>"#)
    );
    // Templates the theme does not override come from the default theme.
    assert!(a.contains(r#"<link rel="stylesheet" href="static/style.css">"#));
    assert!(book.site("index.html").contains("b-policy"));
    assert_eq!(book.site("static/style.css"), "body { color: teal; }\n");
}

/// Replace the theme's `page.html` with `page_html` and build: the build fails with exit code 2
/// and leaves the site as it was. Returns what it printed.
fn failed_build(book: &Book, page_html: &str) -> String {
    let before = snapshot(&book.path().join("site"));
    std::fs::write(
        book.path().join("themes/house/templates/page.html"),
        page_html,
    )
    .unwrap();
    let out = book.cli(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(snapshot(&book.path().join("site")), before, "{stderr}");
    assert!(!stderr.contains("error: error"), "{stderr}");
    stderr
}

#[test]
fn a_template_error_names_the_template_line_and_column_and_keeps_the_last_site() {
    let book = themed(
        "{% extends \"base.html\" %}\n{% block content %}{{ page.title }}{% endblock content %}\n",
    );
    book.build();

    // Found when the theme is loaded: an unknown filter.
    let stderr = failed_build(
        &book,
        "{% extends \"base.html\" %}\n{% block content %}{{ page.title | shout }}{% endblock content %}\n",
    );
    assert!(stderr.contains("Unknown filter `shout`"), "{stderr}");
    assert!(stderr.contains("page.html:2:"), "{stderr}");

    // Found while rendering: a field the page does not have, with the fields it has.
    let stderr = failed_build(
        &book,
        "{% extends \"base.html\" %}\n{% block content %}\n{{ page.owner_name }}{% endblock content %}\n",
    );
    assert!(stderr.contains("template `page.html`"), "{stderr}");
    assert!(stderr.contains("`owner_name` is not defined"), "{stderr}");
    assert!(
        stderr.contains("referenced_by"),
        "lists the fields there are: {stderr}"
    );
    assert!(stderr.contains("page.html:3:"), "{stderr}");
}
