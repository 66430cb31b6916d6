//! Unused CSS and definitions: which style rules can match nothing in the SVG, and which
//! markers, filters and gradients nothing refers to.

use std::borrow::Cow;
use std::collections::HashSet;

use rustc_hash::FxHashSet;

use super::markup::{Markup, Piece, find_byte};

// Unused CSS and definitions

/// What occurs in one SVG (its `foreignObject` HTML included), for deciding which CSS rules
/// can match nothing in it.
pub(super) struct Facts<'a> {
    /// The root's id: only selectors starting with `#<root>` are judged (they can reach
    /// nothing outside the SVG).
    pub(super) root: &'a str,
    pub(super) classes: FxHashSet<&'a str>,
    pub(super) elements: FxHashSet<&'a str>,
    pub(super) attrs: &'a [(&'a str, &'a str)],
    /// Ids that attributes refer to (`url(#…)`, `href="#…"`, `aria-*`).
    pub(super) refs: FxHashSet<&'a str>,
    /// Some attribute sets an `evenodd` fill or clip rule.
    pub(super) evenodd: bool,
    /// `style` attributes that set an animation.
    pub(super) animated: Vec<&'a str>,
    /// Answers of [`Facts::may_have_attr`] so far (style sheets repeat the same few).
    pub(super) attr_answers: std::cell::RefCell<Vec<(String, Option<String>, bool)>>,
}

impl<'a> Facts<'a> {
    /// One pass over every tag and attribute.
    pub(super) fn gather(markup: &'a Markup<'a>, root: &'a str) -> Self {
        let mut classes = FxHashSet::default();
        let mut elements = FxHashSet::default();
        let mut refs = FxHashSet::default();
        let mut evenodd = false;
        let mut animated = Vec::new();
        // Class values repeat (`node default`, `label`): split each distinct one once.
        let mut values = FxHashSet::default();
        let mut last_name = "";
        for p in &markup.pieces {
            let Piece::Open { name, attrs, .. } = p else {
                continue;
            };
            if *name != last_name {
                elements.insert(*name);
                last_name = name;
            }
            for &(k, v) in markup.attrs(attrs) {
                match k {
                    "class" => {
                        if values.insert(v) {
                            classes.extend(v.split_ascii_whitespace());
                        }
                        continue;
                    }
                    "href" | "xlink:href" => {
                        if let Some(id) = v.strip_prefix('#') {
                            refs.insert(id);
                        }
                    }
                    "fill-rule" | "clip-rule" => evenodd |= v.contains("evenodd"),
                    "style" => {
                        evenodd |= v.contains("evenodd");
                        if contains_animation(v) {
                            animated.push(v);
                        }
                    }
                    // Never a reference (and the bulk of the bytes).
                    "d" | "points" | "id" | "transform" | "x" | "y" | "width" | "height"
                    | "viewBox" => continue,
                    _ if k.starts_with("data-") => continue,
                    _ if k.starts_with("aria-") => refs.extend(v.split_ascii_whitespace()),
                    _ if k.eq_ignore_ascii_case("class") => {
                        classes.extend(v.split_ascii_whitespace());
                        continue;
                    }
                    _ => {}
                }
                url_refs(v, |id| {
                    refs.insert(id);
                });
            }
        }
        Facts {
            root,
            classes,
            elements,
            attrs: markup.all_attrs(),
            refs,
            evenodd,
            animated,
            attr_answers: std::cell::RefCell::new(Vec::new()),
        }
    }

    // Names are compared ignoring ASCII case: the conservative choice (HTML element names, and
    // class names in quirks mode, match that way).
    pub(super) fn has_class(&self, class: &str) -> bool {
        self.classes.contains(class) || self.classes.iter().any(|c| c.eq_ignore_ascii_case(class))
    }

    pub(super) fn has_element(&self, name: &str) -> bool {
        // Post-processing adds `<title>`.
        name.eq_ignore_ascii_case("title")
            || self.elements.contains(name)
            || self.elements.iter().any(|e| e.eq_ignore_ascii_case(name))
    }

    /// Whether some element may have attribute `name` (with `value`, if given). Only `data-*`
    /// attributes are judged: post-processing adds or changes others (`role`, `width`, …).
    pub(super) fn may_have_attr(&self, name: &str, value: Option<&str>) -> bool {
        if !name
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("data-"))
        {
            return true;
        }
        if let Some(&(_, _, answer)) = self
            .attr_answers
            .borrow()
            .iter()
            .find(|(n, v, _)| n == name && v.as_deref() == value)
        {
            return answer;
        }
        let answer = self.attrs.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case(name)
                && value.is_none_or(|want| {
                    v.eq_ignore_ascii_case(want) || v.contains('&') || want.contains('&')
                })
        });
        self.attr_answers
            .borrow_mut()
            .push((name.to_string(), value.map(str::to_string), answer));
        answer
    }
}

pub(super) fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c >= 0x80
}

/// The end of the identifier starting at `i`.
pub(super) fn ident_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ident_byte(b[i]) {
        i += 1;
    }
    i
}

/// The index just past the bracket closing the one at `open` (`(`…`)` or `[`…`]`), skipping
/// strings and nested brackets.
pub(super) fn skip_bracket(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, &c) in b.iter().enumerate().skip(open) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether one complex selector may match something in the SVG. `false` only when it surely
/// cannot: it starts at the root (`#<root>`) and needs a class, element or `data-*` attribute
/// that occurs nowhere in the SVG, or `:root` below the root. Requirements inside functional
/// pseudo-classes (`:not(…)`, `:is(…)`, …) are not used; anything not understood (escapes,
/// namespaces, sibling combinators that could leave the SVG) means "may match".
pub(super) fn selector_may_match(sel: &str, facts: &Facts) -> bool {
    let b = sel.trim().as_bytes();
    let root = facts.root.as_bytes();
    if b.first() != Some(&b'#')
        || !b[1..].starts_with(root)
        || b.get(1 + root.len()).is_some_and(|&c| is_ident_byte(c))
        || b.contains(&b'\\')
    {
        return true;
    }
    let mut i = 1 + root.len();
    // At the start of a compound selector below the root (after a descendant or child
    // combinator).
    let mut compound_start = false;
    let mut below_root = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>' => {
                compound_start = true;
                below_root = true;
                i += 1;
            }
            b'+' | b'~' | b'|' | b'&' => return true,
            b'.' => {
                let end = ident_end(b, i + 1);
                // `from_utf8` cannot fail at ASCII boundaries of a `&str`.
                let class = std::str::from_utf8(&b[i + 1..end]).unwrap_or("");
                if class.is_empty() {
                    return true;
                }
                if !facts.has_class(class) {
                    return false;
                }
                compound_start = false;
                i = end;
            }
            b'#' => {
                i = ident_end(b, i + 1);
                compound_start = false;
            }
            b'*' => {
                i += 1;
                compound_start = false;
            }
            b'[' => {
                let Some(end) = skip_bracket(b, i) else {
                    return true;
                };
                let inner = std::str::from_utf8(&b[i + 1..end - 1]).unwrap_or("").trim();
                let name_end = ident_end(inner.as_bytes(), 0);
                let (name, rest) = inner.split_at(name_end);
                let rest = rest.trim_start();
                let may = if rest.is_empty() {
                    facts.may_have_attr(name, None)
                } else if let Some(value) = rest.strip_prefix('=') {
                    let value = value.trim();
                    let unquoted = match value.as_bytes().first() {
                        Some(&q @ (b'"' | b'\''))
                            if value.len() >= 2 && value.ends_with(q as char) =>
                        {
                            Some(&value[1..value.len() - 1])
                        }
                        Some(_) if value.bytes().all(is_ident_byte) => Some(value),
                        // A case flag (`i`/`s`) or anything else: not judged.
                        _ => None,
                    };
                    unquoted.is_none_or(|v| facts.may_have_attr(name, Some(v)))
                } else {
                    true
                };
                if !may {
                    return false;
                }
                compound_start = false;
                i = end;
            }
            b':' => {
                let mut j = i + 1;
                if b.get(j) == Some(&b':') {
                    j += 1;
                }
                let end = ident_end(b, j);
                let name = &b[j..end];
                if below_root && name.eq_ignore_ascii_case(b"root") {
                    // `:root` has no ancestors, so it is never inside the SVG.
                    return false;
                }
                i = end;
                if b.get(i) == Some(&b'(') {
                    let Some(close) = skip_bracket(b, i) else {
                        return true;
                    };
                    i = close;
                }
                compound_start = false;
            }
            c if is_ident_byte(c) && compound_start => {
                let end = ident_end(b, i);
                let name = std::str::from_utf8(&b[i..end]).unwrap_or("");
                if !facts.has_element(name) {
                    return false;
                }
                compound_start = false;
                i = end;
            }
            _ => return true,
        }
    }
    true
}

/// Splits a selector list at top-level commas.
pub(super) fn split_selector_list(list: &str) -> impl Iterator<Item = &str> {
    let b = list.as_bytes();
    let mut depth = 0usize;
    let mut quote = None;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts.into_iter()
}

/// One top-level item of a style sheet: `css[start..end]`, with `brace` the index of its
/// `{` for a rule or block at-rule (`None` for a statement such as `@import …;`).
pub(super) struct CssItem {
    pub(super) start: usize,
    pub(super) brace: Option<usize>,
    pub(super) end: usize,
}

/// The top-level items of a style sheet, or `None` if it is not balanced (then nothing is
/// pruned).
pub(super) fn css_items(css: &str) -> Option<Vec<CssItem>> {
    let b = css.as_bytes();
    let mut items = Vec::new();
    let (mut i, mut start, mut depth) = (0, 0, 0usize);
    let mut brace = None;
    let mut quote = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'\\' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2 + css[i + 2..].find("*/")? + 2;
                continue;
            }
            b'{' => {
                if depth == 0 {
                    brace = Some(i);
                }
                depth += 1;
            }
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    items.push(CssItem {
                        start,
                        brace: brace.take(),
                        end: i + 1,
                    });
                    start = i + 1;
                }
            }
            b';' if depth == 0 => {
                items.push(CssItem {
                    start,
                    brace: None,
                    end: i + 1,
                });
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 || quote.is_some() {
        return None;
    }
    if start < b.len() {
        items.push(CssItem {
            start,
            brace: None,
            end: b.len(),
        });
    }
    Some(items)
}

pub(super) fn contains_animation(text: &str) -> bool {
    text.as_bytes()
        .windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"animation"))
}

/// Whether `text` contains `name` as a whole CSS identifier.
pub(super) fn mentions_ident(text: &str, name: &str) -> bool {
    !name.is_empty()
        && text.match_indices(name).any(|(at, _)| {
            let b = text.as_bytes();
            let before = at.checked_sub(1).map(|p| b[p]);
            !before.is_some_and(is_ident_byte)
                && !b.get(at + name.len()).is_some_and(|&c| is_ident_byte(c))
        })
}

/// Drops the rules of the style sheets that can match nothing in the SVG (see
/// [`selector_may_match`]; a rule goes only if every selector of its list cannot match), and
/// `@keyframes` no kept rule or `style` attribute names. Other at-rules, comments and
/// anything unbalanced are kept. Returns the kept text of each sheet, in order.
pub(super) fn prune_style_sheets<'a>(sheets: &[&'a str], facts: &Facts) -> Vec<Cow<'a, str>> {
    pub(super) struct Sheet<'a> {
        css: &'a str,
        items: Option<Vec<CssItem>>,
        keep: Vec<bool>,
    }
    let mut parsed: Vec<Sheet> = sheets
        .iter()
        .map(|css| Sheet {
            css,
            items: css_items(css),
            keep: Vec::new(),
        })
        .collect();
    let mut keyframes = Vec::new();
    for (s, sheet) in parsed.iter_mut().enumerate() {
        let Some(items) = &sheet.items else { continue };
        for (n, item) in items.iter().enumerate() {
            let keep = match item.brace {
                None => true,
                Some(brace) => {
                    let prelude = sheet.css[item.start..brace].trim();
                    if let Some(at_rule) = prelude.strip_prefix('@') {
                        let (keyword, name) = at_rule
                            .split_once(|c: char| c.is_ascii_whitespace())
                            .unwrap_or((at_rule, ""));
                        let keyword = keyword.to_ascii_lowercase();
                        if keyword == "keyframes" || keyword.ends_with("-keyframes") {
                            keyframes.push((s, n, name.trim().trim_matches(['"', '\''])));
                        }
                        true
                    } else {
                        prelude.contains("/*")
                            || split_selector_list(prelude)
                                .any(|sel| selector_may_match(sel, facts))
                    }
                }
            };
            sheet.keep.push(keep);
        }
    }
    if !keyframes.is_empty() {
        let frames: HashSet<(usize, usize)> = keyframes.iter().map(|&(s, n, _)| (s, n)).collect();
        // Only `animation` and `animation-name` name keyframes.
        let styles = &facts.animated;
        for &(s, n, name) in &keyframes {
            let used = parsed.iter().enumerate().any(|(t, sheet)| {
                sheet.items.iter().flatten().enumerate().any(|(m, item)| {
                    sheet.keep[m]
                        && !frames.contains(&(t, m))
                        && mentions_ident(&sheet.css[item.start..item.end], name)
                })
            }) || styles.iter().any(|st| mentions_ident(st, name));
            parsed[s].keep[n] = used;
        }
    }
    parsed
        .into_iter()
        .map(|sheet| match &sheet.items {
            Some(items) if sheet.keep.iter().any(|k| !k) => {
                let mut kept = String::with_capacity(sheet.css.len());
                for (item, _) in items.iter().zip(&sheet.keep).filter(|(_, k)| **k) {
                    kept.push_str(&sheet.css[item.start..item.end]);
                }
                Cow::Owned(kept)
            }
            _ => Cow::Borrowed(sheet.css),
        })
        .collect()
}

/// Calls `f` with the id of every `url(#id)` in `text` (`url` in any case, the id quoted or
/// not).
pub(super) fn url_refs<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(open) = find_byte(text, from, b'(') {
        from = open + 1;
        if open < 3 || !b[open - 3..open].eq_ignore_ascii_case(b"url") {
            continue;
        }
        let close = find_byte(text, from, b')').unwrap_or(text.len());
        let inner = text[from..close].trim().trim_matches(['"', '\'']);
        if let Some(id) = inner.strip_prefix('#') {
            f(id);
        }
    }
}

/// Every id some attribute or kept style sheet refers to: `url(#id)`, `href="#id"`, `aria-*`.
pub(super) fn referenced_ids<'a>(
    facts: &Facts<'a>,
    sheets: &'a [Cow<'a, str>],
) -> FxHashSet<&'a str> {
    let mut refs = facts.refs.clone();
    for sheet in sheets {
        url_refs(sheet, |id| {
            refs.insert(id);
        });
    }
    refs
}

/// Elements drawn only where referenced.
pub(super) const DEFINITIONS: &[&str] = &[
    "marker",
    "filter",
    "linearGradient",
    "radialGradient",
    "pattern",
    "clipPath",
    "mask",
    "symbol",
];

/// `(open, close)` piece indices of definitions (markers, gradients, filters, …) nothing
/// refers to: they draw nothing. Mermaid's flowcharts define a dozen arrowhead markers and
/// use one or two.
pub(super) fn unused_definitions(markup: &Markup, refs: &FxHashSet<&str>) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for (i, p) in markup.pieces.iter().enumerate() {
        let Piece::Open {
            name,
            attrs,
            self_closing,
        } = p
        else {
            continue;
        };
        if !DEFINITIONS.contains(name) {
            continue;
        }
        let id = markup
            .attrs(attrs)
            .iter()
            .find(|(k, _)| *k == "id")
            .map(|(_, v)| *v);
        if id.is_some_and(|id| refs.contains(id)) {
            continue;
        }
        let end = if *self_closing {
            Some(i)
        } else {
            markup.matching_close(i)
        };
        if let Some(end) = end {
            spans.push((i, end));
        }
    }
    spans
}

/// Whether a style sheet may give elements markers (then no path loses vertices).
pub(super) fn sets_markers(css: &str) -> bool {
    css.match_indices("marker").any(|(at, _)| {
        let before = css[..at].bytes().next_back();
        let after = css[at + 6..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        matches!(
            before,
            None | Some(b'{' | b';' | b' ' | b'\t' | b'\n' | b'\r')
        ) && (after.starts_with(':')
            || after.starts_with("-start")
            || after.starts_with("-mid")
            || after.starts_with("-end"))
    })
}

#[cfg(test)]
mod css_tests {
    use super::super::postprocess::postprocess;

    pub(super) fn style_of(svg: &str) -> String {
        let out = postprocess(svg, "p", "Label");
        let start = out.find("<style>").unwrap() + 7;
        out[start..out.find("</style>").unwrap()].to_string()
    }

    #[test]
    pub(super) fn rules_for_classes_not_in_the_svg_are_dropped() {
        let css = style_of(
            "<svg id=\"p\"><style>#p .used{fill:red;}#p .unused{fill:blue;}#p .unused,#p .used2 span{stroke:red;}#p .a .b{x:1;}#p .node:not(.absent){x:2;}#p rect.used{x:3;}#p text.used{x:4;}</style>\
             <g class=\"used\"><foreignObject><div class=\"used2\"><span/></div></foreignObject></g></svg>",
        );
        assert!(css.contains("#p .used{fill:red;}"), "{css}");
        assert!(!css.contains(".unused{"), "{css}");
        // A list with one selector that may match is kept whole.
        assert!(css.contains("#p .unused,#p .used2 span{"), "{css}");
        assert!(!css.contains(".a .b"), "{css}");
        // Inside `:not(…)` nothing is required; `.node` is.
        assert!(!css.contains(".node:not"), "{css}");
        // Elements: no `<rect>` or `<text>` here.
        assert!(
            !css.contains("rect.used") && !css.contains("text.used"),
            "{css}"
        );
    }

    #[test]
    pub(super) fn keyframes_kept_only_when_named() {
        let css = style_of(
            "<svg id=\"p\"><style>@keyframes dash{to{stroke-dashoffset:0;}}@keyframes spin{to{x:1;}}#p .gone{animation:dash 1s;}#p .here{animation:spin 1s;}</style><g class=\"here\"/></svg>",
        );
        assert!(css.contains("@keyframes spin"), "{css}");
        assert!(!css.contains("@keyframes dash"), "{css}");
        // Named from a style attribute.
        let css = style_of(
            "<svg id=\"p\"><style>@keyframes dash{to{x:0;}}</style><g style=\"animation: dash 2s\"/></svg>",
        );
        assert!(css.contains("@keyframes dash"), "{css}");
    }

    #[test]
    pub(super) fn unanalysable_and_unscoped_rules_are_kept() {
        let css = style_of(
            "<svg id=\"p\"><style>.x{a:1;}#p + .z{a:2;}#p .y + .z{a:9;}#p .q\\:w{a:3;}@media print{#p .y{a:4;}}#p [data-look=\"neo\"].y{a:5;}#p [data-look=\"classic\"]{a:6;}#p :root{a:7;}#p:hover{a:8;}</style><g data-look=\"classic\"/></svg>",
        );
        // Siblings of the root are outside the SVG.
        for kept in [
            ".x{",
            "#p + .z",
            "\\:w",
            "@media print",
            "[data-look=\"classic\"]",
            "#p:hover",
        ] {
            assert!(css.contains(kept), "{kept} in {css}");
        }
        // No element has data-look="neo" or class `y`; `:root` is never inside the SVG.
        assert!(!css.contains("neo") && !css.contains(":root"), "{css}");
        assert!(!css.contains(".y + .z"), "{css}");
    }

    #[test]
    pub(super) fn unreferenced_definitions_and_script_data_are_dropped() {
        let out = postprocess(
            "<svg id=\"p\"><defs><marker id=\"used\"><path d=\"M0 0L1 1\"/></marker><marker id=\"spare\"><path d=\"M0 0L2 2\"/></marker><filter id=\"f\"/></defs><path d=\"M0 0L5 5\" marker-end=\"url(#used)\" data-points=\"W10=\" class=\"a b a\" style=\"\"/></svg>",
            "p",
            "Label",
        );
        assert!(out.contains("<marker id=\"p-used\">"), "{out}");
        assert!(!out.contains("spare") && !out.contains("<filter"), "{out}");
        assert!(
            !out.contains("data-points") && !out.contains("style=\"\""),
            "{out}"
        );
        assert!(out.contains("class=\"a b\""), "{out}");
    }
}
