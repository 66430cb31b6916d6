//! The theme: tera templates and static files. The default theme is compiled into the binary; a
//! handbook's `themes/<name>/templates/*` and `themes/<name>/static/**` override it file by file.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::Fatal;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../themes/default/", $name)))),*]
    };
}

/// The built-in theme, as (path under `themes/default/`, contents).
const DEFAULT_THEME: &[(&str, &[u8])] = embed!(
    "templates/base.html",
    "templates/page.html",
    "templates/index.html",
    "templates/print.html",
    "templates/print-document.html",
    "templates/404.html",
    "templates/role.html",
    "templates/roles.html",
    "templates/reviews.html",
    "templates/clauses.html",
    "templates/soa.html",
    "templates/register.html",
    "static/style.css",
    "static/policybook.js",
    "static/theme.js",
    "static/sortable.js",
    "static/filter.js",
    "static/search.js",
    "static/favicon.svg",
);

pub struct Theme {
    pub tera: tera::Tera,
    /// Site-relative path (`static/style.css`) → contents.
    pub static_files: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    /// The built-in theme with the overrides in `root/themes/<name>/`, if that folder exists.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Fatal> {
        let mut files: BTreeMap<String, Vec<u8>> = DEFAULT_THEME
            .iter()
            .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
            .collect();
        let dir = root.join("themes").join(name);
        if dir.is_dir() {
            for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                let entry = entry.map_err(|e| {
                    Fatal::new(format!("cannot read theme `{}`: {e}", dir.display()))
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = crate::load::relative_slash_path(
                    entry.path().strip_prefix(&dir).unwrap_or(entry.path()),
                );
                let bytes =
                    std::fs::read(entry.path()).map_err(|e| Fatal::io("read", entry.path(), e))?;
                files.insert(rel, bytes);
            }
        } else if name != "default" {
            return Err(Fatal::new(format!("theme folder `{}` does not exist", dir.display()))
                .help("create it with the templates you want to override, or set `[build] theme = \"default\"`"));
        }

        let mut tera = tera::Tera::new();
        tera.set_escape_fn(escape_html_to);
        let mut templates = Vec::new();
        let mut static_files = BTreeMap::new();
        for (path, bytes) in files {
            if let Some(name) = path.strip_prefix("templates/") {
                let text = String::from_utf8(bytes).map_err(|_| {
                    Fatal::new(format!("theme template `{path}` is not UTF-8 text"))
                })?;
                templates.push((name.to_string(), text));
            } else if path.starts_with("static/") {
                static_files.insert(path, bytes);
            }
        }
        tera.add_raw_templates(templates)
            .map_err(|e| Fatal::new(format!("theme `{name}`: {}", error_chain(&e))))?;
        Ok(Theme { tera, static_files })
    }

    pub fn render(&self, template: &str, context: &tera::Context) -> Result<String, Fatal> {
        self.tera
            .render(template, context)
            .map_err(|e| template_error(template, &e))
    }

    /// Render into `out` (appended): a buffer reused from page to page is sized once, and the
    /// bytes go to the sink without a UTF-8 check.
    pub fn render_into(
        &self,
        template: &str,
        context: &tera::Context,
        out: &mut Vec<u8>,
    ) -> Result<(), Fatal> {
        self.tera
            .render_to(template, context, out)
            .map_err(|e| template_error(template, &e))
    }
}

fn template_error(template: &str, e: &tera::Error) -> Fatal {
    Fatal::new(format!("template `{template}`: {}", error_chain(e)))
}

/// Tera's escaping: [`escape_runs`] into its writer. Unlike tera's own, it escapes `'` too, so
/// single-quoted attributes are as safe as double-quoted ones.
fn escape_html_to(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut result = Ok(());
    escape_runs(input, |run| {
        if result.is_ok() {
            result = out.write_all(run.as_bytes());
        }
    });
    result
}

/// HTML-escape `& < > " '`.
#[cfg(test)]
fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    escape_html_into(input, &mut out);
    out
}

/// [`escape_runs`], appended to `out`.
pub fn escape_html_into(input: &str, out: &mut String) {
    escape_runs(input, |run| out.push_str(run));
}

/// `input` HTML-escaped as templates write it (`'` as `&#x27;`), in runs handed to `push`.
fn escape_runs<'a>(input: &'a str, push: impl FnMut(&'a str)) {
    crate::render::markdown::escape_runs(input, "&#x27;", push);
}

/// Tera's message, with the sources it nests and without its own `error: ` prefix (the
/// diagnostics printer adds one): a template error shows the template, line and a caret.
fn error_chain(e: &dyn std::error::Error) -> String {
    let text = |e: &dyn std::error::Error| {
        let s = e.to_string();
        s.strip_prefix("error: ").map(str::to_string).unwrap_or(s)
    };
    let mut message = text(e);
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&text(s));
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters_and_keeps_the_rest() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & Jerry's</a> ünïcode ✓"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#x27;s&lt;/a&gt; ünïcode ✓"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("&"), "&amp;");
        assert_eq!(escape_html("../page.html"), "../page.html");
    }

    #[test]
    fn templates_escape_like_the_rest_of_the_site() {
        let mut tera = tera::Tera::new();
        tera.set_escape_fn(escape_html_to);
        tera.add_raw_template("t.html", "<a title='{{ x }}' href=\"{{ u }}\">{{ x }}</a>")
            .unwrap();
        let mut cx = tera::Context::new();
        cx.insert("x", "Tom & Jerry's <b>");
        cx.insert("u", "../a b.html");
        let out = tera.render("t.html", &cx).unwrap();
        let x = escape_html("Tom & Jerry's <b>");
        assert_eq!(out, format!("<a title='{x}' href=\"../a b.html\">{x}</a>"));
        assert!(
            !out.contains("Jerry's"),
            "a quote would end the single-quoted attribute"
        );
    }
}
