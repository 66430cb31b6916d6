//! SVG post-processing: ids scoped per diagram, colours themed, links and accessibility added,
//! unused CSS and definitions dropped, path data compacted.

use std::borrow::Cow;

use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

use super::colors::themed_colors;
use super::css::{
    Facts, ident_end, prune_style_sheets, referenced_ids, sets_markers, unused_definitions,
};
use super::markup::{Piece, find_byte, tokenize};
use super::path::{
    DROP_REPEATED_SUBPATHS, PathOptions, PathScratch, round_numbers_into, write_path,
};

/// Whether `text` contains `url(`: looks at each `(` (most values have none).
pub(super) fn has_url(text: &str) -> bool {
    let mut from = 0;
    while let Some(p) = find_byte(text, from, b'(') {
        if p >= 3 && &text.as_bytes()[p - 3..p] == b"url" {
            return true;
        }
        from = p + 1;
    }
    false
}

pub(super) struct Post<'a> {
    /// Unscoped id → its new, scoped and unique, id.
    pub(super) renames: FxHashMap<&'a str, String>,
}

impl Post<'_> {
    pub(super) fn id<'v>(&'v self, id: &'v str) -> &'v str {
        self.renames.get(id).map_or(id, String::as_str)
    }

    /// Writes `text` with its `url(#id)` references rewritten.
    pub(super) fn urls(&self, text: &str, out: &mut String) {
        if self.renames.is_empty() || !has_url(text) {
            out.push_str(text);
            return;
        }
        let mut rest = text;
        while let Some(pos) = rest.find("url(") {
            out.push_str(&rest[..pos + 4]);
            rest = &rest[pos + 4..];
            let inner_end = rest.find(')').unwrap_or(rest.len());
            let inner = &rest[..inner_end];
            let (quote, body) = match inner.chars().next() {
                Some(q @ ('"' | '\'')) if inner.len() >= 2 && inner.ends_with(q) => {
                    (&inner[..1], &inner[1..inner.len() - 1])
                }
                _ => ("", inner),
            };
            match body.strip_prefix('#') {
                Some(id) if self.renames.contains_key(id) => {
                    out.push_str(quote);
                    out.push('#');
                    out.push_str(self.id(id));
                    out.push_str(quote);
                }
                _ => out.push_str(inner),
            }
            rest = &rest[inner_end..];
        }
        out.push_str(rest);
    }

    /// Writes a CSS selector with `#id` rewritten.
    pub(super) fn selector(&self, text: &str, out: &mut String) {
        if self.renames.is_empty() || !text.contains('#') {
            out.push_str(text);
            return;
        }
        let mut rest = text;
        while let Some(pos) = rest.find('#') {
            out.push_str(&rest[..=pos]);
            rest = &rest[pos + 1..];
            let end = rest
                .find(|c: char| {
                    !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.' || c == ':')
                })
                .unwrap_or(rest.len());
            // The id may be followed by `.class`/`:hover`: try the longest id first, cutting
            // only where a class or pseudo-class could begin.
            let word = &rest[..end];
            let matched = word
                .char_indices()
                .filter(|&(i, c)| i > 0 && (c == '.' || c == ':'))
                .map(|(i, _)| i)
                .chain([end])
                .rev()
                .find(|&cut| self.renames.contains_key(&word[..cut]));
            if let Some(cut) = matched {
                out.push_str(self.id(&word[..cut]));
                rest = &rest[cut..];
            }
        }
        out.push_str(rest);
    }

    /// Writes a style sheet with ids scoped and colours themed.
    pub(super) fn css(&self, css: &str, out: &mut String) {
        let b = css.as_bytes();
        let mut start = 0;
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        for (i, &c) in b.iter().enumerate() {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                b'"' | b'\'' => quote = Some(c),
                b'{' => {
                    self.selector(&css[start..i], out);
                    out.push('{');
                    start = i + 1;
                    depth += 1;
                }
                b';' | b'}' => {
                    let decl = &css[start..i];
                    if depth > 0 && decl.contains(':') {
                        self.declaration(decl, out);
                    } else {
                        out.push_str(decl);
                    }
                    out.push(c as char);
                    start = i + 1;
                    if c == b'}' {
                        depth = depth.saturating_sub(1);
                    }
                }
                _ => {}
            }
        }
        out.push_str(&css[start..]);
    }

    pub(super) fn declaration(&self, decl: &str, out: &mut String) {
        let Some(colon) = find_byte(decl, 0, b':') else {
            out.push_str(decl);
            return;
        };
        let (prop, value) = (&decl[..colon], &decl[colon + 1..]);
        out.push_str(prop);
        out.push(':');
        // References first, so that an id is never read as a colour (`url(#fff)`).
        let scoped;
        let value = if !self.renames.is_empty() && has_url(value) {
            let mut s = String::with_capacity(value.len() + 16);
            self.urls(value, &mut s);
            scoped = s;
            scoped.as_str()
        } else {
            value
        };
        if is_color_property(prop.trim()) {
            out.push_str(&themed_colors(value));
        } else {
            out.push_str(value);
        }
    }

    pub(super) fn style_attr(&self, style: &str, out: &mut String) {
        let mut rest = style;
        loop {
            let end = find_byte(rest, 0, b';').unwrap_or(rest.len());
            let d = &rest[..end];
            if d.as_bytes().contains(&b':') {
                self.declaration(d, out)
            } else {
                out.push_str(d)
            }
            if end == rest.len() {
                break;
            }
            out.push(';');
            rest = &rest[end + 1..];
        }
    }

    /// Writes an attribute value with ids scoped and colours themed.
    pub(super) fn attr(&self, key: &str, value: &str, out: &mut String) {
        match key {
            "id" => out.push_str(self.id(value)),
            "style" => self.style_attr(value, out),
            "aria-labelledby" | "aria-describedby" | "aria-controls" | "aria-owns" => {
                for (i, v) in value.split_whitespace().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(self.id(v));
                }
            }
            "fill" | "stroke" | "stop-color" | "lighting-color" | "color" => {
                match themed_colors(value) {
                    Cow::Borrowed(_) => self.urls(value, out),
                    Cow::Owned(v) => out.push_str(&v),
                }
            }
            "href" | "xlink:href" => match value.strip_prefix('#') {
                Some(id) if self.renames.contains_key(id) => {
                    out.push('#');
                    out.push_str(self.id(id));
                }
                _ => out.push_str(value),
            },
            _ => self.urls(value, out),
        }
    }
}

pub(super) fn is_color_property(prop: &str) -> bool {
    let lower;
    let p = if prop.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = prop.to_ascii_lowercase();
        lower.as_str()
    } else {
        prop
    };
    matches!(
        p,
        "fill"
            | "stroke"
            | "color"
            | "background"
            | "stop-color"
            | "lighting-color"
            | "outline"
            | "border"
    ) || (p.ends_with("color") && !p.contains("shadow") && p != "flood-color")
        || (p.starts_with("border")
            && !p.contains("radius")
            && !p.contains("width")
            && !p.contains("style"))
}

pub(super) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether a `class` value names a class twice (`edge-thickness-normal … edge-thickness-normal`).
pub(super) fn has_repeated_class(value: &str) -> bool {
    let mut seen = [""; 8];
    for (n, c) in value.split_ascii_whitespace().enumerate() {
        if n == seen.len() {
            // Many names: compare the slow way.
            return value
                .split_ascii_whitespace()
                .enumerate()
                .any(|(n, c)| value.split_ascii_whitespace().take(n).any(|e| e == c));
        }
        if seen[..n].contains(&c) {
            return true;
        }
        seen[n] = c;
    }
    false
}

pub(super) fn postprocess(svg: &str, prefix: &str, fallback_label: &str) -> String {
    let markup = tokenize(svg);
    let pieces = &markup.pieces;
    // An image cannot contain focusable links (axe: nested-interactive); a diagram whose nodes link
    // to documents is a labelled group instead.
    let has_links = pieces
        .iter()
        .any(|p| matches!(p, Piece::Open { name, .. } if *name == "a"));
    let role = if has_links {
        " role=\"group\""
    } else {
        " role=\"img\""
    };
    let scoped = format!("{prefix}-");
    // In document order, so renaming is deterministic.
    let ordered_ids: Vec<&str> = markup
        .all_attrs()
        .iter()
        .filter(|(k, _)| *k == "id")
        .map(|(_, v)| *v)
        .collect();
    let needs_scope = |id: &str| id != prefix && !id.starts_with(&scoped) && !id.is_empty();
    // The engine scopes most ids itself; the set of all ids is needed only when some are not.
    let all_ids: FxHashSet<&str> = if ordered_ids.iter().any(|id| needs_scope(id)) {
        ordered_ids.iter().copied().collect()
    } else {
        FxHashSet::default()
    };
    let mut renames: FxHashMap<&str, String> = FxHashMap::default();
    let mut taken: FxHashSet<String> = FxHashSet::default();
    for &id in &ordered_ids {
        if needs_scope(id) && !renames.contains_key(id) {
            let mut new = format!("{prefix}-{id}");
            let mut n = 1;
            while all_ids.contains(new.as_str()) || taken.contains(&new) {
                new = format!("{prefix}-{n}-{id}");
                n += 1;
            }
            taken.insert(new.clone());
            renames.insert(id, new);
        }
    }
    let post = Post { renames };

    // Style sheets without the rules that match nothing here, then the definitions nothing
    // refers to.
    let mut style_pieces = Vec::new();
    let mut after_style = false;
    for (i, p) in pieces.iter().enumerate() {
        match p {
            Piece::Raw(text) if after_style => style_pieces.push((i, *text)),
            _ => {}
        }
        after_style = matches!(
            p,
            Piece::Open {
                name: "style",
                self_closing: false,
                ..
            }
        );
    }
    let facts = Facts::gather(&markup, prefix);
    let sheets = prune_style_sheets(
        &style_pieces.iter().map(|(_, t)| *t).collect::<Vec<_>>(),
        &facts,
    );

    let refs = referenced_ids(&facts, &sheets);
    let unused = unused_definitions(&markup, &refs);
    let css_markers = sheets.iter().any(|s| sets_markers(s));
    let evenodd = facts.evenodd || sheets.iter().any(|s| s.contains("evenodd"));
    // `data-*` attributes (node ids, edge geometry as base64 JSON, …) are for mermaid's
    // scripts, and none run here: kept only where a kept style rule names them.
    let css_data_attrs: Vec<&str> = sheets
        .iter()
        .flat_map(|s| {
            s.match_indices("data-")
                .map(|(at, _)| &s[at..ident_end(s.as_bytes(), at)])
        })
        .collect();

    let mut scratch = PathScratch::default();
    let mut seen_ids: FxHashSet<Cow<str>> =
        FxHashSet::with_capacity_and_hasher(ordered_ids.len(), FxBuildHasher);
    // Cursors into `unused` and `style_pieces`, both in document order.
    let mut next_unused = 0;
    let mut next_sheet = 0;
    let mut out = String::with_capacity(svg.len() + 256);
    // Rewritten `style` attributes (labels repeat the same few).
    let mut style_cache: FxHashMap<&str, String> = FxHashMap::default();
    let mut in_style = false;
    let mut root_done = false;
    let mut extra_css_done = false;
    let mut i = 0;
    while i < pieces.len() {
        while unused.get(next_unused).is_some_and(|&(open, _)| open < i) {
            next_unused += 1;
        }
        if let Some(&(_, end)) = unused.get(next_unused).filter(|(open, _)| *open == i) {
            i = end + 1;
            continue;
        }
        let p = &pieces[i];
        match p {
            Piece::Raw(text) => {
                if in_style {
                    while style_pieces.get(next_sheet).is_some_and(|&(at, _)| at < i) {
                        next_sheet += 1;
                    }
                    match style_pieces.get(next_sheet) {
                        Some(&(at, _)) if at == i => post.css(&sheets[next_sheet], &mut out),
                        _ => post.css(text, &mut out),
                    }
                } else {
                    out.push_str(text);
                }
            }
            Piece::Close { name, text } => {
                if in_style && *name == "style" {
                    if !extra_css_done {
                        // Build-time text metrics can be narrower than the reader's font:
                        // let labels overflow their box instead of being clipped.
                        out.push('#');
                        out.push_str(prefix);
                        out.push_str(" foreignObject{overflow:visible;}");
                        extra_css_done = true;
                    }
                    in_style = false;
                }
                out.push_str(text);
            }
            Piece::Open {
                name,
                attrs,
                self_closing,
            } => {
                let attrs = markup.attrs(attrs);
                let is_root = !root_done && *name == "svg";
                let mut tooltip = None;
                out.push('<');
                out.push_str(name);
                let mut labelled = false;
                // Scale to the column: never wider than the natural size.
                let max_width = is_root
                    .then(|| attrs.iter().find(|(k, _)| *k == "viewBox"))
                    .flatten()
                    .and_then(|(_, v)| v.split_whitespace().nth(2))
                    .map(|w| format!("max-width: {w}px;"));
                for &(k, v) in attrs {
                    if is_root {
                        match k {
                            "height" => continue,
                            "width" => {
                                out.push_str(" width=\"100%\"");
                                continue;
                            }
                            "role" => {
                                out.push_str(role);
                                continue;
                            }
                            "aria-labelledby" => labelled = true,
                            "style" if !v.contains("max-width") => {
                                if let Some(mw) = &max_width {
                                    let sep = if v.trim().is_empty() || v.trim_end().ends_with(';')
                                    {
                                        ""
                                    } else {
                                        ";"
                                    };
                                    out.push_str(" style=\"");
                                    post.attr(k, v, &mut out);
                                    out.push_str(sep);
                                    out.push(' ');
                                    out.push_str(mw);
                                    out.push('"');
                                    continue;
                                }
                            }
                            _ => {}
                        }
                    } else if k == "style"
                        && v.bytes().all(|c| c.is_ascii_whitespace() || c == b';')
                    {
                        // `style=""`, `style=";"`: nothing.
                        continue;
                    }
                    if k.starts_with("data-") && !css_data_attrs.contains(&k) {
                        continue;
                    }
                    if k == "title" && *name != "svg" && !self_closing {
                        tooltip = Some(v);
                    }
                    // SVG 2 `href` instead of the deprecated `xlink:href` on links.
                    let k = if *name == "a" && k == "xlink:href" {
                        "href"
                    } else {
                        k
                    };
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    match k {
                        "d" => {
                            let options = PathOptions {
                                structural: !css_markers && !path_is_pinned(attrs, &refs),
                                evenodd,
                                drop_repeats: DROP_REPEATED_SUBPATHS,
                            };
                            write_path(v, options, &mut scratch, &mut out);
                        }
                        "points" => round_numbers_into(v, &mut out),
                        "class" if has_repeated_class(v) => {
                            // Class matching is by set: each name once.
                            for (n, c) in v.split_ascii_whitespace().enumerate() {
                                if !v.split_ascii_whitespace().take(n).any(|e| e == c) {
                                    if n > 0 {
                                        out.push(' ');
                                    }
                                    out.push_str(c);
                                }
                            }
                        }
                        "id" => {
                            let value = post.id(v);
                            if seen_ids.insert(Cow::Borrowed(value)) {
                                out.push_str(value);
                            } else {
                                // The engine repeats some ids (mindmap nodes): keep ids unique.
                                let mut n = 2;
                                while !seen_ids.insert(Cow::Owned(format!("{value}-{n}"))) {
                                    n += 1;
                                }
                                out.push_str(value);
                                out.push('-');
                                out.push_str(&n.to_string());
                            }
                        }
                        "style" => {
                            let rewritten = style_cache.entry(v).or_insert_with(|| {
                                let mut s = String::with_capacity(v.len() + 32);
                                post.style_attr(v, &mut s);
                                s
                            });
                            out.push_str(rewritten);
                        }
                        _ => post.attr(k, v, &mut out),
                    }
                    out.push('"');
                }
                if is_root {
                    root_done = true;
                    if !attrs.iter().any(|(k, _)| *k == "width") {
                        out.push_str(" width=\"100%\"");
                    }
                    if !attrs.iter().any(|(k, _)| *k == "role") {
                        out.push_str(role);
                    }
                    if let Some(mw) =
                        max_width.filter(|_| !attrs.iter().any(|(k, _)| *k == "style"))
                    {
                        out.push_str(" style=\"");
                        out.push_str(&mw);
                        out.push('"');
                    }
                    if !labelled {
                        out.push_str(" aria-labelledby=\"");
                        out.push_str(prefix);
                        out.push_str("-title\"");
                    }
                }
                out.push_str(if *self_closing { "/>" } else { ">" });
                if is_root && !labelled {
                    let label = if fallback_label.trim().is_empty() {
                        "Diagram"
                    } else {
                        fallback_label.trim()
                    };
                    out.push_str("<title id=\"");
                    out.push_str(prefix);
                    out.push_str("-title\">");
                    out.push_str(&xml_escape(label));
                    out.push_str("</title>");
                }
                if let Some(tip) = tooltip {
                    // A native tooltip (mermaid shows tooltips with JavaScript).
                    out.push_str("<title>");
                    out.push_str(tip);
                    out.push_str("</title>");
                }
                if *name == "style" && !self_closing {
                    in_style = true;
                }
            }
        }
        i += 1;
    }
    if out.capacity() > 2 * out.len() + 4096 {
        out.shrink_to_fit();
    }
    out
}

/// Whether a path's vertices or length matter beyond its shape: markers on its vertices, a
/// `pathLength`, or its id referenced (a `textPath` or `mpath` follows it).
pub(super) fn path_is_pinned(attrs: &[(&str, &str)], refs: &FxHashSet<&str>) -> bool {
    attrs.iter().any(|&(k, v)| {
        k.starts_with("marker")
            || k.eq_ignore_ascii_case("pathLength")
            || (k == "style" && v.contains("marker"))
            || (k == "id" && refs.contains(v))
    })
}
